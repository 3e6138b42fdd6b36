//! POSIX advisory byte-range locks (`fcntl` with `F_SETLK` / `F_GETLK`),
//! the primitive both SQLite's database-file locks and its `-shm` slot
//! locks are made of.
//!
//! What the OS guarantees, and what the rest of `unix/` builds on:
//! - A lock belongs to the process and the inode, not to the descriptor:
//!   locks of one process never conflict with each other, and closing any
//!   descriptor of the inode drops every lock the process holds on it.
//! - `F_SETLK` never waits: a conflicting lock fails at once, which
//!   [`lock_error`] reports as [`ErrorKind::Busy`].
//! - `F_GETLK` reports only other processes' locks.

use std::fs;
use std::io;
use std::os::fd::AsRawFd;

use boundlite_platform::{ErrorKind, PlatformError};

use crate::platform_error;

/// What to do to a byte range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lock {
    /// Shared with other readers (`F_RDLCK`).
    Read,
    /// Held alone (`F_WRLCK`); needs a descriptor open for writing.
    Write,
    /// Released (`F_UNLCK`).
    Unlock,
}

impl Lock {
    fn raw(self) -> libc::c_short {
        // The F_* constants are small and fit `l_type` on every unix;
        // libc types them as c_int on some targets.
        (match self {
            Lock::Read => libc::F_RDLCK,
            Lock::Write => libc::F_WRLCK,
            Lock::Unlock => libc::F_UNLCK,
        }) as libc::c_short
    }
}

/// A `struct flock` for `len` bytes from `start` (`len` 0: to the end of
/// any file, as POSIX defines).
fn flock(kind: Lock, start: u64, len: u64) -> io::Result<libc::flock> {
    let too_far = || io::Error::from(io::ErrorKind::InvalidInput);
    // SAFETY: `flock` is a plain C struct of integers; all-zero is a valid
    // value of it (and what the fields not set below must be).
    let mut fl: libc::flock = unsafe { std::mem::zeroed() };
    fl.l_type = kind.raw() as _;
    fl.l_whence = libc::SEEK_SET as _;
    fl.l_start = libc::off_t::try_from(start).map_err(|_| too_far())?;
    fl.l_len = libc::off_t::try_from(len).map_err(|_| too_far())?;
    Ok(fl)
}

/// Applies `kind` to `len` bytes of `file` from `start`, without waiting.
pub(crate) fn set(file: &fs::File, kind: Lock, start: u64, len: u64) -> io::Result<()> {
    let fl = flock(kind, start, len)?;
    // SAFETY: the descriptor is open for as long as `file` is borrowed, and
    // `fl` is a valid `flock` that outlives the call.
    let rc = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_SETLK, &fl) };
    if rc == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The strongest lock another process holds on any of `len` bytes of
/// `file` from `start`: `Unlock` when there is none.
pub(crate) fn holder(file: &fs::File, start: u64, len: u64) -> io::Result<Lock> {
    let mut fl = flock(Lock::Write, start, len)?;
    // SAFETY: as in `set`; F_GETLK writes only into `fl`.
    let rc = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_GETLK, &mut fl) };
    if rc == -1 {
        return Err(io::Error::last_os_error());
    }
    let found = libc::c_int::from(fl.l_type);
    Ok(if found == libc::F_UNLCK {
        Lock::Unlock
    } else if found == libc::F_RDLCK {
        Lock::Read
    } else {
        Lock::Write
    })
}

/// The platform error of a failed lock request: the errors SQLite's
/// `sqliteErrorFromPosixError` takes for contention (including `EINTR`
/// and NFS's `ENOLCK`) are [`ErrorKind::Busy`], the rest what
/// [`platform_error`] says.
pub(crate) fn lock_error(err: &io::Error) -> PlatformError {
    match err.raw_os_error() {
        Some(code)
            if [
                libc::EACCES,
                libc::EAGAIN,
                libc::ETIMEDOUT,
                libc::EBUSY,
                libc::EINTR,
                libc::ENOLCK,
            ]
            .contains(&code) =>
        {
            PlatformError::with_code(ErrorKind::Busy, code)
        }
        _ => platform_error(err),
    }
}

/// The platform error of a lock call no other process can make fail (a
/// release, a downgrade, a test): always [`ErrorKind::Io`], as SQLite's
/// `IOERR_UNLOCK` and `IOERR_CHECKRESERVEDLOCK`.
pub(crate) fn io_error(err: &io::Error) -> PlatformError {
    match err.raw_os_error() {
        Some(code) => PlatformError::with_code(ErrorKind::Io, code),
        None => PlatformError::new(ErrorKind::Io),
    }
}
