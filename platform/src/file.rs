//! The two traits the engine does all its I/O through: [`Platform`] (a
//! namespace of files) and [`File`] (one open file), plus [`OpenMode`].
//!
//! Contract every implementation keeps:
//! - I/O is synchronous and positional: each call names its offset, there is
//!   no cursor, and a call returns once the operation is done or has failed.
//! - A file is a byte array whose length only [`File::write_at`] (growing)
//!   and [`File::truncate`] (either way) change; bytes never written read
//!   as zero.
//! - Written bytes are visible to every later read through any handle onto
//!   the same file, but are durable only once [`File::sync`] on that file
//!   has returned `Ok`. Creating and deleting files are the platform's
//!   business; the engine makes no durability assumption about them beyond
//!   what the platform documents.
//! - A failed call returns an error and reports nothing as done; what a
//!   failed write left in the file is unspecified (a real device may have
//!   written part of it), which is why the engine's journaling never trusts
//!   unsynced bytes.
//!
//! Methods take `&mut self`: the engine is single-threaded, and the one
//! component that uses a file (the pager, the WAL) owns its handle. That also
//! lets a firmware driver keep its bus or flash state in the handle with no
//! interior mutability.
//!
//! # Sharing a file between handles
//!
//! A database file may be open through several handles at once: several
//! processes, or several `Database` values in one process. The engine
//! coordinates them with SQLite's protocol, through the locking and
//! shared-memory methods of [`File`] (see [`crate::lock`] for the lock
//! semantics). Their default implementations describe a platform with
//! **one user per file**: every file lock is granted at once and there is
//! no shared memory, so the engine holds each database exclusively. That
//! is safe exactly when no two handles ever open one database file at the
//! same time, as on a device whose firmware opens each database once. A
//! platform where two handles can meet (an operating system, a RAM disk
//! shared by several databases) implements all of them.

use crate::lock::{LockLevel, ShmLockKind, ShmSlots};
use crate::{ErrorKind, PlatformError};

/// How to open a file. Each mode is one coherent request, so a contradiction
/// such as "create, read-only" cannot be asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OpenMode {
    /// Read an existing file; writes through the handle fail with
    /// [`ErrorKind::ReadOnly`]. Fails with [`ErrorKind::NotFound`] if absent.
    ReadOnly,
    /// Read and write an existing file. Fails with [`ErrorKind::NotFound`]
    /// if absent.
    ReadWrite,
    /// Read and write, creating an empty file if none exists at the path.
    Create,
}

impl OpenMode {
    /// Whether handles opened in this mode accept writes.
    pub const fn is_writable(self) -> bool {
        !matches!(self, OpenMode::ReadOnly)
    }
}

/// One open file: positional, blocking reads and writes.
///
/// ```
/// use boundlite_platform::{File, MemoryPlatform, OpenMode, Platform, PlatformError};
///
/// let disk = MemoryPlatform::new();
/// let mut file = (&disk).open("test.db", OpenMode::Create)?;
/// file.write_at(4, b"data")?;
/// assert_eq!(file.size()?, 8);
/// let mut buf = [0xff; 8];
/// file.read_exact_at(0, &mut buf)?;
/// assert_eq!(&buf, b"\0\0\0\0data");
/// file.sync()?;
/// # Ok::<(), PlatformError>(())
/// ```
pub trait File {
    /// Reads bytes starting at `offset` into `buf` and returns how many were
    /// read. The count is less than `buf.len()` only when the file ends
    /// first (zero when `offset` is at or past the end): an implementation
    /// whose device returns short reads loops until the buffer is full or
    /// the end is reached.
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, PlatformError>;

    /// Fills `buf` with the bytes at `offset`, or fails with
    /// [`ErrorKind::UnexpectedEof`] when the file is too short; `buf`'s
    /// contents are then unspecified.
    fn read_exact_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), PlatformError> {
        let n = self.read_at(offset, buf)?;
        if n < buf.len() {
            return Err(ErrorKind::UnexpectedEof.into());
        }
        Ok(())
    }

    /// Writes all of `data` at `offset`, growing the file when the write
    /// ends past its end; a gap between the old end and `offset` reads as
    /// zeros. Writing no bytes changes nothing, not even the length.
    fn write_at(&mut self, offset: u64, data: &[u8]) -> Result<(), PlatformError>;

    /// Makes every write and truncation made so far to this file durable:
    /// once it returns `Ok`, a power loss keeps them.
    fn sync(&mut self) -> Result<(), PlatformError>;

    /// Sets the file's length to `len`: drops the bytes past it, or grows
    /// the file with zeros.
    fn truncate(&mut self, len: u64) -> Result<(), PlatformError>;

    /// The file's length in bytes.
    fn size(&mut self) -> Result<u64, PlatformError>;

    /// An anonymous temporary file of the platform this file came from,
    /// as [`Platform::open_temp`] gives: scratch space for a layer that
    /// holds files but not their platform (the log's index of a
    /// transaction too large for memory). [`ErrorKind::Unsupported`] by
    /// default, and for a platform without temporary files.
    fn open_temp(&self) -> Result<Self, PlatformError>
    where
        Self: Sized,
    {
        Err(ErrorKind::Unsupported.into())
    }

    /// Raises this handle's lock on the file to `level` (SQLite's
    /// `xLock`): `Shared` from none, `Reserved` from `Shared`, `Pending` or
    /// `Exclusive` from `Shared` or above. Asking for a level at or below
    /// the one held does nothing. A lock another handle's lock forbids (see
    /// [`crate::lock`]) fails at once with [`ErrorKind::Busy`], leaving the
    /// lock as it was, except that a refused `Exclusive` may leave this
    /// handle `Pending` (keeping new readers out while it retries), as
    /// SQLite's does.
    ///
    /// The default grants every lock: see [sharing](self#sharing-a-file-between-handles).
    fn lock(&mut self, level: LockLevel) -> Result<(), PlatformError> {
        let _ = level;
        Ok(())
    }

    /// Lowers this handle's lock on the file to `level`, `Shared` or
    /// `None` (SQLite's `xUnlock`). Lowering to a level at or above the one
    /// held does nothing.
    fn unlock(&mut self, level: LockLevel) -> Result<(), PlatformError> {
        let _ = level;
        Ok(())
    }

    /// Whether any handle holds `Reserved` or a stronger lock on the file
    /// (SQLite's `xCheckReservedLock`).
    fn is_reserved(&mut self) -> Result<bool, PlatformError> {
        Ok(false)
    }

    /// Attaches this handle to the file's shared memory (SQLite's `-shm`
    /// WAL index), creating it when absent. When no other handle is
    /// attached, the memory is first cleared to zeros: whatever a crashed
    /// user left in it cannot be trusted (SQLite's "dead man switch").
    /// Attaching twice does nothing.
    ///
    /// [`ErrorKind::Unsupported`] when the platform has no shared memory
    /// (the default): the engine then holds the file exclusively.
    fn shm_attach(&mut self) -> Result<(), PlatformError> {
        Err(ErrorKind::Unsupported.into())
    }

    /// Detaches this handle from the shared memory, giving back every
    /// lock slot it holds. With `delete`, the memory (and its file, if it
    /// has one) is removed when no other handle is attached.
    fn shm_detach(&mut self, delete: bool) -> Result<(), PlatformError> {
        let _ = delete;
        Err(ErrorKind::Unsupported.into())
    }

    /// Copies the shared memory at `offset` into `buf`. Bytes past the
    /// memory's end read as zeros.
    fn shm_read(&mut self, offset: usize, buf: &mut [u8]) -> Result<(), PlatformError> {
        let _ = (offset, buf);
        Err(ErrorKind::Unsupported.into())
    }

    /// Copies `data` into the shared memory at `offset`, growing it (with
    /// zeros) as needed; every attached handle sees the bytes at once.
    fn shm_write(&mut self, offset: usize, data: &[u8]) -> Result<(), PlatformError> {
        let _ = (offset, data);
        Err(ErrorKind::Unsupported.into())
    }

    /// Takes the lock slots `slots` as `kind` (SQLite's `xShmLock`); fails
    /// at once with [`ErrorKind::Busy`] when another handle's lock on any
    /// of them conflicts, taking none. A handle locks only slots it holds
    /// no lock on.
    fn shm_lock(&mut self, slots: ShmSlots, kind: ShmLockKind) -> Result<(), PlatformError> {
        let _ = (slots, kind);
        Err(ErrorKind::Unsupported.into())
    }

    /// Gives back this handle's `kind` lock on `slots`.
    fn shm_unlock(&mut self, slots: ShmSlots, kind: ShmLockKind) -> Result<(), PlatformError> {
        let _ = (slots, kind);
        Err(ErrorKind::Unsupported.into())
    }

    /// Orders this handle's shared-memory reads and writes: every one
    /// before the barrier is done, for every handle, before any after it
    /// (SQLite's `xShmBarrier`).
    fn shm_barrier(&mut self) {}
}

impl<F: File + ?Sized> File for &mut F {
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, PlatformError> {
        (**self).read_at(offset, buf)
    }

    fn read_exact_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), PlatformError> {
        (**self).read_exact_at(offset, buf)
    }

    fn write_at(&mut self, offset: u64, data: &[u8]) -> Result<(), PlatformError> {
        (**self).write_at(offset, data)
    }

    fn sync(&mut self) -> Result<(), PlatformError> {
        (**self).sync()
    }

    fn truncate(&mut self, len: u64) -> Result<(), PlatformError> {
        (**self).truncate(len)
    }

    fn size(&mut self) -> Result<u64, PlatformError> {
        (**self).size()
    }

    fn lock(&mut self, level: LockLevel) -> Result<(), PlatformError> {
        (**self).lock(level)
    }

    fn unlock(&mut self, level: LockLevel) -> Result<(), PlatformError> {
        (**self).unlock(level)
    }

    fn is_reserved(&mut self) -> Result<bool, PlatformError> {
        (**self).is_reserved()
    }

    fn shm_attach(&mut self) -> Result<(), PlatformError> {
        (**self).shm_attach()
    }

    fn shm_detach(&mut self, delete: bool) -> Result<(), PlatformError> {
        (**self).shm_detach(delete)
    }

    fn shm_read(&mut self, offset: usize, buf: &mut [u8]) -> Result<(), PlatformError> {
        (**self).shm_read(offset, buf)
    }

    fn shm_write(&mut self, offset: usize, data: &[u8]) -> Result<(), PlatformError> {
        (**self).shm_write(offset, data)
    }

    fn shm_lock(&mut self, slots: ShmSlots, kind: ShmLockKind) -> Result<(), PlatformError> {
        (**self).shm_lock(slots, kind)
    }

    fn shm_unlock(&mut self, slots: ShmSlots, kind: ShmLockKind) -> Result<(), PlatformError> {
        (**self).shm_unlock(slots, kind)
    }

    fn shm_barrier(&mut self) {
        (**self).shm_barrier()
    }
}

/// A namespace of files addressed by path: a file system, a RAM disk, a
/// flash driver.
///
/// Methods take `&self` so a database can keep its platform for its whole
/// life and open further files (the `-wal` file) while others are open.
/// Platforms whose files must refer back to shared state implement this
/// trait for a reference (`&MemoryPlatform`), so that handles borrow the
/// platform instead of owning a share of it.
///
/// A platform is a handle on its namespace (a reference, or a value naming
/// a directory), so it can be cloned: a connection's temporary database
/// keeps a clone to open its temporary files through.
pub trait Platform: Clone {
    /// The handle [`open`](Self::open) returns.
    type File: File;

    /// Opens the file at `path` as `mode` says.
    fn open(&self, path: &str, mode: OpenMode) -> Result<Self::File, PlatformError>;

    /// Removes the file at `path`; fails with [`ErrorKind::NotFound`] if
    /// there is none. What happens to handles still open onto it is the
    /// platform's to document.
    fn delete(&self, path: &str) -> Result<(), PlatformError>;

    /// Whether a file exists at `path`.
    fn exists(&self, path: &str) -> Result<bool, PlatformError>;

    /// Creates an anonymous temporary file, empty and writable, that no
    /// path names and no other handle can open: scratch space for data
    /// that outgrows memory (the sorted runs of a sort). It goes away with
    /// its handle, and nothing about it survives a crash, so it needs no
    /// sync and no lock; its reads and writes keep the [`File`] contract.
    ///
    /// [`ErrorKind::Unsupported`] when the platform has no temporary
    /// storage (the default, for a firmware whose driver offers none): the
    /// engine then fails, with that error, any work that would outgrow its
    /// memory budget, and runs everything that fits as before.
    fn open_temp(&self) -> Result<Self::File, PlatformError> {
        Err(ErrorKind::Unsupported.into())
    }

    /// Sleeps for about `micros` microseconds and returns `true`, or
    /// returns `false` at once when the platform cannot sleep (the
    /// default). The engine sleeps only between retries of a busy lock,
    /// within the busy timeout its user set; a platform without a clock
    /// makes every busy lock an immediate error.
    fn sleep(&self, micros: u32) -> bool {
        let _ = micros;
        false
    }

    /// The wall-clock time in milliseconds since 1970-01-01 00:00 UTC, or
    /// `None` when the platform has no clock (the default). SQL's `'now'`
    /// (`date('now')`, `CURRENT_TIMESTAMP`...) reads it once per run of a
    /// statement; without a clock those are an error.
    fn now_unix_millis(&self) -> Option<i64> {
        None
    }
}
