//! [`MemoryPlatform`]: a RAM disk whose file bytes live in a caller-chosen
//! allocator, and [`MemoryFile`], a handle onto one of its files.
//!
//! Files are shared by path: every handle opened on a path reads and writes
//! the same bytes, as on a real file system. Handles borrow the platform
//! (the [`Platform`] trait is implemented for `&MemoryPlatform`), so the
//! bookkeeping needs no reference counting and a handle can never outlive
//! the bytes it points at.
//!
//! Semantics, chosen to match a unix file system so that code tested here
//! behaves the same on `std::fs`:
//! - deleting a file unnames it at once (the path is free, `exists` is
//!   false, a later `Create` makes a different, empty file) while handles
//!   still open onto it keep reading and writing the detached bytes; the
//!   bytes are released when the last such handle drops;
//! - a temporary file ([`Platform::open_temp`]) has no path: it lives in
//!   the disk's allocator, counts against its space limit, and is freed
//!   with its handle;
//! - `sync` is a no-op: RAM holds whatever it holds. Use
//!   [`FaultPlatform`](crate::FaultPlatform) to model losing unsynced writes;
//! - a failed operation, including one refused for lack of memory
//!   ([`ErrorKind::OutOfMemory`]) or of space under
//!   [`set_space_limit`](MemoryPlatform::set_space_limit)
//!   ([`ErrorKind::NoSpace`]), leaves every file exactly as it was.
//!
//! # Locks and shared memory
//!
//! Every handle is one lock owner, as one process or one SQLite connection
//! is: two handles on one path are two users of the file that must
//! coordinate, so a test can run two databases on one path as two
//! deterministic "processes" by interleaving their calls.
//! - File locks follow SQLite's `lockingv3`, with the compatibility table
//!   of [`crate::lock`]: at most one handle is above `Shared`, a `Pending`
//!   or `Exclusive` holder keeps new readers out, `Exclusive` waits for
//!   every other reader to leave. A refused lock is
//!   [`ErrorKind::Busy`] at once; a refused `Exclusive` leaves its handle
//!   `Pending`. A transition the [`File::lock`] and [`File::unlock`] docs
//!   do not list (`Reserved` straight from no lock, unlocking to
//!   `Pending`) is [`ErrorKind::InvalidInput`].
//! - Each file has one shared memory: bytes that grow on
//!   [`File::shm_write`] (zero-filled) and read as zeros past their end.
//!   The first handle to attach finds it cleared; detaching with `delete`
//!   as the last attached handle frees it; without `delete` the bytes stay
//!   but no one reads them, since the next attach is again the first. They
//!   are memory, not a file: neither [`MemoryPlatform::used_bytes`] nor the
//!   space limit counts them. Reading, writing or locking slots without
//!   being attached is [`ErrorKind::InvalidInput`]; read-only handles may
//!   write it, as SQLite's readers write their read marks.
//! - Its eight lock slots are each held shared by any number of handles or
//!   exclusively by one; [`File::shm_lock`] of a run takes all its slots or
//!   none, and locking a slot the handle already holds is
//!   [`ErrorKind::InvalidInput`]. Unlocking a slot not held does nothing.
//! - Dropping a handle gives back its file lock and its lock slots and
//!   detaches it, as a process's death does; the shared bytes stay, for the
//!   next first attach to clear (the "dead man switch").
//! - Locks and shared memory belong to the file, not the path: handles on
//!   a deleted file keep theirs, and a file created later at the path
//!   starts with no lock held and empty shared memory.
//! - [`File::shm_barrier`] does nothing and `sleep` returns `false`: there
//!   is one thread and no clock, so a busy lock is the caller's to retry.
//! - Locking allocates nothing; only growing the shared memory can fail for
//!   lack of memory, leaving its bytes as they were.
//!
//! ```
//! use boundlite_platform::{
//!     ErrorKind, File, LockLevel, MemoryPlatform, OpenMode, Platform, PlatformError, ShmLockKind,
//!     ShmSlots,
//! };
//!
//! let disk = MemoryPlatform::new();
//! let mut writer = (&disk).open("main.db", OpenMode::Create)?;
//! let mut reader = (&disk).open("main.db", OpenMode::ReadWrite)?;
//! reader.lock(LockLevel::Shared)?;
//! writer.lock(LockLevel::Shared)?;
//! writer.lock(LockLevel::Reserved)?;
//! // The reader is still inside: the writer is refused, and left Pending.
//! let busy = writer.lock(LockLevel::Exclusive).unwrap_err();
//! assert_eq!(busy.kind(), ErrorKind::Busy);
//! assert_eq!(writer.lock_level(), LockLevel::Pending);
//! drop(reader); // a process that dies gives its locks back
//! writer.lock(LockLevel::Exclusive)?;
//!
//! // The WAL index: shared bytes and lock slots.
//! let mut other = (&disk).open("main.db", OpenMode::ReadOnly)?;
//! writer.shm_attach()?;
//! other.shm_attach()?;
//! writer.shm_write(0, b"index")?;
//! let mut seen = [0u8; 7];
//! other.shm_read(0, &mut seen)?;
//! assert_eq!(&seen, b"index\0\0");
//! let write_lock = ShmSlots::one(0).ok_or(ErrorKind::InvalidInput)?;
//! writer.shm_lock(write_lock, ShmLockKind::Exclusive)?;
//! let refused = other.shm_lock(write_lock, ShmLockKind::Shared).unwrap_err();
//! assert_eq!(refused.kind(), ErrorKind::Busy);
//! # Ok::<(), PlatformError>(())
//! ```
//!
//! The table sits behind a `RefCell`: the platform is used from one thread
//! and no borrow of it is held across a call into user code, except inside
//! [`MemoryPlatform::with_file`], whose visitor must not call back into the
//! platform (such calls fail with [`ErrorKind::Io`] rather than panic).

mod disk;
mod locks;
mod shm;
#[cfg(test)]
mod tests;

use core::cell::{Ref, RefCell, RefMut};
use core::fmt;

use boundlite_alloc::{Allocator, Global, Vec};

use crate::lock::{LockLevel, ShmLockKind, ShmSlots};
use crate::{ErrorKind, File, OpenMode, Platform, PlatformError};
use disk::Disk;
use locks::Holder;

/// A RAM disk over allocator `A`: files are byte vectors in `A`, addressed
/// by path. Use it through `&MemoryPlatform`, which implements [`Platform`].
///
/// ```
/// use boundlite_alloc::Arena;
/// use boundlite_platform::{ErrorKind, File, MemoryPlatform, OpenMode, Platform, PlatformError};
///
/// let mut buffer = [0u8; 8192];
/// let arena = Arena::new(&mut buffer)?;
/// let disk = MemoryPlatform::new_in(&arena);
/// let mut a = (&disk).open("main.db", OpenMode::Create)?;
/// let mut b = (&disk).open("main.db", OpenMode::ReadOnly)?;
/// a.write_at(0, b"SQLite format 3\0")?;
/// let mut magic = [0u8; 16];
/// b.read_exact_at(0, &mut magic)?; // both handles see the same bytes
/// assert_eq!(&magic, b"SQLite format 3\0");
/// // The arena cannot hold 16 KiB: an error, and the file is untouched.
/// let err = a.write_at(0, &[0u8; 16 * 1024]).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::OutOfMemory);
/// assert_eq!(disk.file_bytes("main.db")?, *b"SQLite format 3\0");
/// # Ok::<(), PlatformError>(())
/// ```
pub struct MemoryPlatform<A: Allocator + Clone = Global> {
    disk: RefCell<Disk<A>>,
}

impl MemoryPlatform<Global> {
    /// An empty RAM disk on the global heap.
    pub fn new() -> Self {
        Self::new_in(Global)
    }
}

impl Default for MemoryPlatform<Global> {
    fn default() -> Self {
        Self::new()
    }
}

impl<A: Allocator + Clone> MemoryPlatform<A> {
    /// An empty RAM disk whose files live in `alloc`. Allocates nothing
    /// until the first file is created.
    pub fn new_in(alloc: A) -> Self {
        Self {
            disk: RefCell::new(Disk::new_in(alloc)),
        }
    }

    /// Limits the total length of all files to `limit` bytes (`None`: no
    /// limit but memory). Growth past it fails with [`ErrorKind::NoSpace`],
    /// the way a full device does; files already larger keep their bytes.
    pub fn set_space_limit(&self, limit: Option<u64>) -> Result<(), PlatformError> {
        self.disk_mut()?.set_limit(limit);
        Ok(())
    }

    /// Total length of all files, those deleted but still open included.
    pub fn used_bytes(&self) -> Result<u64, PlatformError> {
        Ok(self.disk()?.used())
    }

    /// Number of files that have a path.
    pub fn file_count(&self) -> Result<usize, PlatformError> {
        Ok(self.disk()?.file_count())
    }

    /// A copy of the whole content of the file at `path`, allocated in `A`.
    pub fn file_bytes(&self, path: &str) -> Result<Vec<u8, A>, PlatformError> {
        let disk = self.disk()?;
        let bytes = disk.bytes(path)?;
        Ok(Vec::try_from_slice_in(bytes, disk.allocator().clone())?)
    }

    /// Runs `visit` on the whole content of the file at `path`, without
    /// copying it. `visit` must not use this platform or its handles: the
    /// file table is borrowed while it runs, and such calls fail.
    pub fn with_file<R>(
        &self,
        path: &str,
        visit: impl FnOnce(&[u8]) -> R,
    ) -> Result<R, PlatformError> {
        let disk = self.disk()?;
        Ok(visit(disk.bytes(path)?))
    }

    /// How many bytes of shared memory the file at `path` holds (past them
    /// it reads as zeros): 0 once freed, or when never written.
    ///
    /// ```
    /// use boundlite_platform::{File, MemoryPlatform, OpenMode, Platform, PlatformError};
    ///
    /// let disk = MemoryPlatform::new();
    /// let mut f = (&disk).open("main.db", OpenMode::Create)?;
    /// f.shm_attach()?;
    /// f.shm_write(32_760, b"mark")?;
    /// assert_eq!(disk.shm_len("main.db")?, 32_764);
    /// f.shm_detach(true)?; // the last one out, deleting: freed
    /// assert_eq!(disk.shm_len("main.db")?, 0);
    /// # Ok::<(), PlatformError>(())
    /// ```
    pub fn shm_len(&self, path: &str) -> Result<usize, PlatformError> {
        Ok(self.disk()?.shm_of(path)?.len())
    }

    /// Makes the file at `path` hold exactly `bytes`, creating it if
    /// needed; open handles see the new content. Loads fixtures in tests.
    pub fn write_file(&self, path: &str, bytes: &[u8]) -> Result<(), PlatformError> {
        self.disk_mut()?.replace(path, bytes)
    }

    fn disk(&self) -> Result<Ref<'_, Disk<A>>, PlatformError> {
        self.disk.try_borrow().map_err(|_| ErrorKind::Io.into())
    }

    fn disk_mut(&self) -> Result<RefMut<'_, Disk<A>>, PlatformError> {
        self.disk.try_borrow_mut().map_err(|_| ErrorKind::Io.into())
    }
}

impl<A: Allocator + Clone> fmt::Debug for MemoryPlatform<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("MemoryPlatform");
        if let Ok(disk) = self.disk.try_borrow() {
            s.field("files", &disk.file_count())
                .field("used_bytes", &disk.used());
        }
        s.finish_non_exhaustive()
    }
}

impl<'p, A: Allocator + Clone> Platform for &'p MemoryPlatform<A> {
    type File = MemoryFile<'p, A>;

    fn open(&self, path: &str, mode: OpenMode) -> Result<MemoryFile<'p, A>, PlatformError> {
        let platform: &'p MemoryPlatform<A> = self;
        let (slot, holder) = platform.disk_mut()?.open(path, mode)?;
        Ok(MemoryFile {
            platform,
            slot,
            writable: mode.is_writable(),
            holder,
        })
    }

    fn delete(&self, path: &str) -> Result<(), PlatformError> {
        self.disk_mut()?.delete(path)
    }

    /// A file in the disk's allocator that no path names: its bytes count
    /// in [`used_bytes`](MemoryPlatform::used_bytes) and against the space
    /// limit while its handle lives, and are released when it drops.
    fn open_temp(&self) -> Result<MemoryFile<'p, A>, PlatformError> {
        let platform: &'p MemoryPlatform<A> = self;
        let (slot, holder) = platform.disk_mut()?.open_anonymous()?;
        Ok(MemoryFile {
            platform,
            slot,
            writable: true,
            holder,
        })
    }

    fn exists(&self, path: &str) -> Result<bool, PlatformError> {
        Ok(self.disk()?.exists(path))
    }

    /// Returns `false` at once: the RAM disk has no clock, and a test that
    /// runs two handles as two "processes" interleaves them itself, so a
    /// busy lock is reported to the engine rather than waited out.
    fn sleep(&self, micros: u32) -> bool {
        let _ = micros;
        false
    }
}

/// An open file of a [`MemoryPlatform`]. It keeps its file's bytes alive,
/// even after the path is deleted, until it is dropped.
pub struct MemoryFile<'p, A: Allocator + Clone = Global> {
    platform: &'p MemoryPlatform<A>,
    slot: usize,
    writable: bool,
    holder: Holder,
}

impl<A: Allocator + Clone> MemoryFile<'_, A> {
    /// The lock this handle holds on its file.
    ///
    /// ```
    /// use boundlite_platform::{File, LockLevel, MemoryPlatform, OpenMode, Platform, PlatformError};
    ///
    /// let disk = MemoryPlatform::new();
    /// let mut f = (&disk).open("main.db", OpenMode::Create)?;
    /// f.lock(LockLevel::Shared)?;
    /// assert_eq!(f.lock_level(), LockLevel::Shared);
    /// # Ok::<(), PlatformError>(())
    /// ```
    pub fn lock_level(&self) -> LockLevel {
        self.holder.level()
    }

    /// Whether this handle is attached to its file's shared memory.
    pub fn is_shm_attached(&self) -> bool {
        self.holder.is_attached()
    }

    fn writable_disk(&self) -> Result<RefMut<'_, Disk<A>>, PlatformError> {
        if !self.writable {
            return Err(ErrorKind::ReadOnly.into());
        }
        self.platform.disk_mut()
    }
}

impl<'p, A: Allocator + Clone> File for MemoryFile<'p, A> {
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, PlatformError> {
        self.platform.disk()?.read(self.slot, offset, buf)
    }

    fn open_temp(&self) -> Result<MemoryFile<'p, A>, PlatformError> {
        Platform::open_temp(&self.platform)
    }

    fn write_at(&mut self, offset: u64, data: &[u8]) -> Result<(), PlatformError> {
        self.writable_disk()?.write(self.slot, offset, data)
    }

    fn sync(&mut self) -> Result<(), PlatformError> {
        Ok(())
    }

    fn truncate(&mut self, len: u64) -> Result<(), PlatformError> {
        self.writable_disk()?.set_len(self.slot, len)
    }

    fn size(&mut self) -> Result<u64, PlatformError> {
        self.platform.disk()?.len(self.slot)
    }

    fn lock(&mut self, level: LockLevel) -> Result<(), PlatformError> {
        let mut disk = self.platform.disk_mut()?;
        disk.locks_mut(self.slot)?.lock(&mut self.holder, level)
    }

    fn unlock(&mut self, level: LockLevel) -> Result<(), PlatformError> {
        let mut disk = self.platform.disk_mut()?;
        disk.locks_mut(self.slot)?.unlock(&mut self.holder, level)
    }

    fn is_reserved(&mut self) -> Result<bool, PlatformError> {
        let mut disk = self.platform.disk_mut()?;
        Ok(disk.locks_mut(self.slot)?.is_reserved())
    }

    fn shm_attach(&mut self) -> Result<(), PlatformError> {
        let mut disk = self.platform.disk_mut()?;
        disk.shm_mut(self.slot)?.attach(&mut self.holder);
        Ok(())
    }

    fn shm_detach(&mut self, delete: bool) -> Result<(), PlatformError> {
        let mut disk = self.platform.disk_mut()?;
        disk.shm_mut(self.slot)?.detach(&mut self.holder, delete);
        Ok(())
    }

    fn shm_read(&mut self, offset: usize, buf: &mut [u8]) -> Result<(), PlatformError> {
        let disk = self.platform.disk()?;
        disk.shm(self.slot)?.read(&self.holder, offset, buf)
    }

    fn shm_write(&mut self, offset: usize, data: &[u8]) -> Result<(), PlatformError> {
        let mut disk = self.platform.disk_mut()?;
        disk.shm_mut(self.slot)?.write(&self.holder, offset, data)
    }

    fn shm_lock(&mut self, slots: ShmSlots, kind: ShmLockKind) -> Result<(), PlatformError> {
        let mut disk = self.platform.disk_mut()?;
        disk.shm_mut(self.slot)?.lock(&mut self.holder, slots, kind)
    }

    fn shm_unlock(&mut self, slots: ShmSlots, kind: ShmLockKind) -> Result<(), PlatformError> {
        let mut disk = self.platform.disk_mut()?;
        disk.shm_mut(self.slot)?
            .unlock(&mut self.holder, slots, kind);
        Ok(())
    }

    /// Nothing to order: every handle runs on one thread, and each call
    /// finishes before the next begins.
    fn shm_barrier(&mut self) {}
}

impl<A: Allocator + Clone> Drop for MemoryFile<'_, A> {
    fn drop(&mut self) {
        // Only a handle dropped inside a `with_file` visitor finds the table
        // borrowed; its file then stays allocated, and its locks held, until
        // the platform drops.
        if let Ok(mut disk) = self.platform.disk.try_borrow_mut() {
            disk.release(self.slot, &mut self.holder);
        }
    }
}

impl<A: Allocator + Clone> fmt::Debug for MemoryFile<'_, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryFile")
            .field("slot", &self.slot)
            .field("writable", &self.writable)
            .field("lock", &self.holder.level())
            .field("shm_attached", &self.holder.is_attached())
            .finish()
    }
}
