//! SQLite's database-file locks (`unixLock`, `unixUnlock`,
//! `unixCheckReservedLock` of `os_unix.c`) over `fcntl` byte-range locks.
//!
//! The bytes, as every SQLite process agrees on them:
//!
//! | range | read-locked by | write-locked by |
//! |---|---|---|
//! | [`PENDING_BYTE`] | a handle becoming `Shared`, briefly | `Pending`, `Exclusive` |
//! | [`RESERVED_BYTE`] | nobody | `Reserved` and above |
//! | [`SHARED_FIRST`], [`SHARED_SIZE`] bytes | `Shared` to `Pending` | `Exclusive` |
//!
//! Because the OS keeps one set of locks per process and inode, several
//! handles of one process share one [`ProcessLock`] (held in the inode
//! registry, under its mutex), and each handle keeps its own level. The
//! OS locks always match `ProcessLock::level`, and these hold:
//! - `holders` counts the handles holding a lock (every lock is at least
//!   `Shared`; SQLite's `nShared` and `nLock`, which POSIX locks keep equal).
//! - At most one handle is above `Shared`, and then `level` is its level;
//!   otherwise `level` is `Shared` (some handle shares) or `None`.
//! - A handle may rise above `Shared` only when its level is the
//!   process's: two handles of one process refuse each other exactly as
//!   two processes would.

use std::fs;

use boundlite_platform::{ErrorKind, LockLevel, PlatformError};

use super::fcntl::{self, Lock, io_error, lock_error};

/// The byte a handle write-locks to keep new readers out (SQLite's
/// `PENDING_BYTE`, at 1 GiB: outside any page a database smaller than
/// that reads, and skipped by larger ones).
pub(crate) const PENDING_BYTE: u64 = 0x4000_0000;
/// The byte the one writer-to-be write-locks.
pub(crate) const RESERVED_BYTE: u64 = PENDING_BYTE + 1;
/// The first of the bytes readers read-lock and the writer write-locks.
pub(crate) const SHARED_FIRST: u64 = PENDING_BYTE + 2;
/// How many bytes from [`SHARED_FIRST`].
pub(crate) const SHARED_SIZE: u64 = 510;

/// What this process as a whole holds on one database file.
#[derive(Debug, Default)]
pub(crate) struct ProcessLock {
    /// The strongest level any handle of the process holds: the OS locks.
    level: LockLevel,
    /// Handles holding a lock: while it is not zero, no descriptor of the
    /// inode may be closed.
    holders: usize,
}

impl ProcessLock {
    /// Whether some handle of the process holds a lock, so that closing a
    /// descriptor of the file would drop it.
    pub(crate) fn is_held(&self) -> bool {
        self.holders > 0
    }
}

/// Raises the lock of a handle at `held` (on `file`, writable or not) to
/// `want`, as [`File::lock`](boundlite_platform::File::lock) documents.
///
/// `shm_shared` says whether another process is attached to the `-shm`
/// this handle is attached to. SQLite (`unixIsSharingShmNode`) then
/// refuses `Reserved` and `Exclusive`: in WAL mode no writer takes them
/// while others use the database, so another process holding the `-shm`
/// means the database locks were lost (a stray `close(open(db))`), and
/// writing could corrupt.
pub(crate) fn lock(
    file: &fs::File,
    writable: bool,
    held: &mut LockLevel,
    process: &mut ProcessLock,
    want: LockLevel,
    shm_shared: impl FnOnce() -> bool,
) -> Result<(), PlatformError> {
    if want <= *held {
        return Ok(());
    }
    let from_ok = match want {
        LockLevel::None => true,
        LockLevel::Shared => *held == LockLevel::None,
        LockLevel::Reserved => *held == LockLevel::Shared,
        LockLevel::Pending | LockLevel::Exclusive => *held >= LockLevel::Shared,
    };
    if !from_ok {
        return Err(ErrorKind::InvalidInput.into());
    }
    // A write lock needs a descriptor open for writing; a read-only handle
    // never writes, so it has no business being a writer.
    if want > LockLevel::Shared && !writable {
        return Err(ErrorKind::ReadOnly.into());
    }

    // Another handle of this process is ahead: refuse as the OS would
    // refuse another process.
    if *held != process.level && (process.level >= LockLevel::Pending || want > LockLevel::Shared) {
        return Err(ErrorKind::Busy.into());
    }
    // Sharing with a handle of this process that already shares: the OS
    // locks are already what they must be.
    if want == LockLevel::Shared && matches!(process.level, LockLevel::Shared | LockLevel::Reserved)
    {
        *held = LockLevel::Shared;
        process.holders += 1;
        return Ok(());
    }

    // PENDING is taken on the way to SHARED (read, so that a writer that
    // holds it keeps new readers out) and on the way to EXCLUSIVE (write).
    if want == LockLevel::Shared || (want >= LockLevel::Pending && *held < LockLevel::Pending) {
        let kind = if want == LockLevel::Shared {
            Lock::Read
        } else {
            Lock::Write
        };
        fcntl::set(file, kind, PENDING_BYTE, 1).map_err(|e| lock_error(&e))?;
        if want == LockLevel::Exclusive {
            // Kept even if EXCLUSIVE is refused below, so that readers
            // drain while the caller retries.
            *held = LockLevel::Pending;
            process.level = LockLevel::Pending;
        }
    }

    if want == LockLevel::Shared {
        let shared = fcntl::set(file, Lock::Read, SHARED_FIRST, SHARED_SIZE);
        let released = fcntl::set(file, Lock::Unlock, PENDING_BYTE, 1);
        shared.map_err(|e| lock_error(&e))?;
        released.map_err(|e| io_error(&e))?;
        *held = LockLevel::Shared;
        process.level = LockLevel::Shared;
        process.holders = 1;
        return Ok(());
    }
    if want == LockLevel::Exclusive && process.holders > 1 {
        // Another handle of this process still reads.
        return Err(ErrorKind::Busy.into());
    }
    if matches!(want, LockLevel::Reserved | LockLevel::Exclusive) && shm_shared() {
        return Err(ErrorKind::Busy.into());
    }
    match want {
        LockLevel::Reserved => {
            fcntl::set(file, Lock::Write, RESERVED_BYTE, 1).map_err(|e| lock_error(&e))?;
        }
        LockLevel::Exclusive => {
            fcntl::set(file, Lock::Write, SHARED_FIRST, SHARED_SIZE).map_err(|e| lock_error(&e))?;
        }
        // PENDING was taken above; NONE and SHARED never reach here.
        LockLevel::None | LockLevel::Shared | LockLevel::Pending => {}
    }
    *held = want;
    process.level = want;
    Ok(())
}

/// Lowers the lock of a handle at `held` to `want` (`Shared` or `None`),
/// as [`File::unlock`](boundlite_platform::File::unlock) documents.
pub(crate) fn unlock(
    file: &fs::File,
    held: &mut LockLevel,
    process: &mut ProcessLock,
    want: LockLevel,
) -> Result<(), PlatformError> {
    if *held <= want {
        return Ok(());
    }
    if want > LockLevel::Shared {
        return Err(ErrorKind::InvalidInput.into());
    }
    if *held > LockLevel::Shared {
        if want == LockLevel::Shared {
            // Turns a write lock on the shared range back into a read lock
            // in one step, so no other writer can slip in between.
            fcntl::set(file, Lock::Read, SHARED_FIRST, SHARED_SIZE).map_err(|e| io_error(&e))?;
        }
        fcntl::set(file, Lock::Unlock, PENDING_BYTE, 2).map_err(|e| io_error(&e))?;
        process.level = LockLevel::Shared;
        *held = LockLevel::Shared;
    }
    if want == LockLevel::None {
        let mut result = Ok(());
        process.holders = process.holders.saturating_sub(1);
        if process.holders == 0 {
            // Length 0: every byte, whatever the file's size.
            result = fcntl::set(file, Lock::Unlock, 0, 0).map_err(|e| io_error(&e));
            // Even when the release failed, no handle claims a lock any
            // more, as SQLite records it.
            process.level = LockLevel::None;
        }
        *held = LockLevel::None;
        return result;
    }
    Ok(())
}

/// Whether any handle of any process holds `Reserved` or above.
pub(crate) fn is_reserved(file: &fs::File, process: &ProcessLock) -> Result<bool, PlatformError> {
    if process.level > LockLevel::Shared {
        return Ok(true);
    }
    let holder = fcntl::holder(file, RESERVED_BYTE, 1).map_err(|e| io_error(&e))?;
    Ok(holder != Lock::Unlock)
}
