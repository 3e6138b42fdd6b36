//! boundlite on an operating system with `std`.
//!
//! - [`StdPlatform`] / [`StdFile`]: the [`Platform`] and [`File`] traits of
//!   `boundlite-platform` over `std::fs`, with positional I/O (`pread`/
//!   `pwrite` on unix, `seek_read`/`seek_write` on Windows). On unix
//!   their file locks and `-shm` shared memory are SQLite's unix VFS, so
//!   boundlite and SQLite processes share a database safely; elsewhere the
//!   traits' one-user-per-file defaults apply.
//! - [`platform_error`]: how a `std::io::Error` becomes a
//!   [`PlatformError`], kind and OS code.
//! - [`open`] / [`open_read_only`]: a database by path, with defaults.
//!
//! This crate is where std-only conveniences live: opening a database by
//! path, the `boundlite` shell, a `Send + Sync` wrapper for threaded
//! programs. The engine itself stays `no_std`.
//!
//! [`Platform`]: boundlite_platform::Platform
//! [`File`]: boundlite_platform::File
//! [`PlatformError`]: boundlite_platform::PlatformError

mod disk;
mod error;
mod file;
mod memory;
mod open;
mod platform;
mod positional;
#[cfg(unix)]
mod unix;

pub use error::platform_error;
pub use file::StdFile;
pub use open::{
    DEFAULT_BUSY_TIMEOUT_MS, MEMORY, open, open_read_only, open_read_only_with, open_with,
};
pub use platform::StdPlatform;
