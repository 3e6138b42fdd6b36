//! Fallible-only memory for boundlite.
//!
//! Every byte the engine uses passes through this crate, and every way of
//! getting more bytes here returns `Result<_, OutOfMemory>`. The collections
//! ([`Vec`], [`Box`], [`String`], [`HashMap`], [`HashSet`]) wrap
//! allocator-aware originals but expose only fallible growth: an infallible
//! `push`, `insert` or `with_capacity` does not exist on them, so engine code
//! cannot call one by accident.
//!
//! # One allocator trait
//!
//! The project's allocator trait is [`allocator_api2`] **0.2**'s
//! [`Allocator`], re-exported here. hashbrown 0.17 is written against 0.2,
//! so the hash maps take our allocators with no glue. talc 5 is written
//! against allocator-api2 0.4; rather than bridge two traits, [`Arena`]
//! drives talc's own allocation primitives (`Talc::allocate`, `deallocate`,
//! `try_grow_in_place`, `shrink`) directly and implements the 0.2 trait
//! itself, in `arena.rs`. That file is the only place that knows talc exists.
//!
//! # Tools for proving OOM safety
//!
//! - [`Arena`] / [`SyncArena`]: a bounded allocator over a caller-supplied
//!   buffer, with statistics (in use, peak, live allocations, failures).
//! - [`Counting`]: counts allocations, frees and bytes of any allocator.
//! - [`FaultAlloc`]: fails allocation number N (once or from N on) or with a
//!   seeded probability; [`oom_sweep`] runs an operation under N = 1, 2, ...
//!   until it completes, as SQLite's malloc tests do.
//!
//! ```
//! use boundlite_alloc::{try_vec, Arena, Vec, OutOfMemory};
//!
//! let mut buffer = [0u8; 4096];
//! let arena = Arena::new(&mut buffer)?;
//! let mut v: Vec<u32, &Arena<'_>> = Vec::new_in(&arena);
//! v.try_extend_from_slice(&[1, 2, 3])?;
//! assert_eq!(arena.stats().live_allocations, 1);
//! // Asking for more than the arena holds is an error, not an abort.
//! assert!(v.try_reserve(1 << 20).is_err());
//! assert_eq!(v, [1, 2, 3]);
//! let w = try_vec![in &arena; 7u8; 16]?;
//! assert_eq!(w.len(), 16);
//! # Ok::<(), OutOfMemory>(())
//! ```
#![no_std]

mod arena;
mod boxed;
mod clone;
mod collect;
mod counting;
mod error;
mod fault;
mod hash;
mod macros;
mod string;
mod vec;

pub use allocator_api2::alloc::{AllocError, Allocator, Global, Layout};
pub use arena::{Arena, ArenaStats, SyncArena};
pub use boxed::Box;
pub use clone::TryClone;
pub use collect::{TryCollect, TryFromIteratorIn};
pub use counting::{Counting, CountingStats};
pub use error::OutOfMemory;
pub use fault::{FaultAlloc, FaultPlan, SweepReport, oom_sweep};
pub use hash::{
    DefaultHashBuilder, DeterministicHasher, DeterministicState, Entry, HashMap, HashSet,
};
pub use string::String;
pub use vec::Vec;
