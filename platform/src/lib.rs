//! Where boundlite's bytes go: the [`Platform`] and [`File`] traits, and two
//! platforms that need no operating system.
//!
//! - [`Platform`] / [`File`]: a namespace of files, and positional,
//!   synchronous reads, writes, syncs and truncations on one file. The
//!   engine does all its I/O through them; `boundlite-std` implements them
//!   on `std::fs`, firmware on its flash driver.
//! - [`PlatformError`] / [`ErrorKind`]: failures as small `Copy` values.
//! - [`MemoryPlatform`]: a RAM disk in a caller-chosen allocator, shared by
//!   path, that reports a full allocator as an error and keeps files intact;
//!   its handles take SQLite's file locks and share WAL-index memory with
//!   each other, so two databases on one path behave as two processes.
//! - [`FaultPlatform`]: wraps any platform to fail chosen reads, writes,
//!   syncs or lock operations (as errors, or as locks found busy), to cut
//!   power after a number of writes, and to rebuild the files as a device
//!   would hold them after a power cut (unsynced writes lost, kept or torn
//!   at sector boundaries, as a [`CrashPlan`] says).
//!
//! The crate is `no_std` and allocates only through `boundlite-alloc`.
#![no_std]

mod error;
mod fault;
mod file;
pub mod lock;
mod memory;

pub use error::{ErrorKind, PlatformError};
pub use fault::{
    CrashPlan, CrashReport, DEFAULT_SECTOR_SIZE, FaultFile, FaultPlatform, FaultTarget, IoCounts,
    IoFault,
};
pub use file::{File, OpenMode, Platform};
pub use lock::{LockLevel, SHM_LOCK_SLOTS, ShmLockKind, ShmSlots};
pub use memory::{MemoryFile, MemoryPlatform};
