#![doc = include_str!("../../README.md")]
pub mod fixtures;
pub mod rng;
