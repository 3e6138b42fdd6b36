#![doc = include_str!("../../README.md")]
pub mod compare;
pub mod fixtures;
pub mod no_shm;
pub mod rng;
pub mod scrambled;
pub mod slt;
pub mod sweep;
