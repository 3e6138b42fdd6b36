#![doc = include_str!("../../README.md")]
pub mod fixtures;
pub mod no_shm;
pub mod rng;
