#![doc = include_str!("../../README.md")]
pub mod compare;
pub mod fixtures;
pub mod rng;
