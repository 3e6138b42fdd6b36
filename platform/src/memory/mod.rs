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
//! - `sync` is a no-op: RAM holds whatever it holds. Use
//!   [`FaultPlatform`](crate::FaultPlatform) to model losing unsynced writes;
//! - a failed operation, including one refused for lack of memory
//!   ([`ErrorKind::OutOfMemory`]) or of space under
//!   [`set_space_limit`](MemoryPlatform::set_space_limit)
//!   ([`ErrorKind::NoSpace`]), leaves every file exactly as it was.
//!
//! The table sits behind a `RefCell`: the platform is used from one thread
//! and no borrow of it is held across a call into user code, except inside
//! [`MemoryPlatform::with_file`], whose visitor must not call back into the
//! platform (such calls fail with [`ErrorKind::Io`] rather than panic).

mod disk;
#[cfg(test)]
mod tests;

use core::cell::{Ref, RefCell, RefMut};
use core::fmt;

use boundlite_alloc::{Allocator, Global, Vec};

use crate::{ErrorKind, File, OpenMode, Platform, PlatformError};
use disk::Disk;

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
        let slot = platform.disk_mut()?.open(path, mode)?;
        Ok(MemoryFile {
            platform,
            slot,
            writable: mode.is_writable(),
        })
    }

    fn delete(&self, path: &str) -> Result<(), PlatformError> {
        self.disk_mut()?.delete(path)
    }

    fn exists(&self, path: &str) -> Result<bool, PlatformError> {
        Ok(self.disk()?.exists(path))
    }
}

/// An open file of a [`MemoryPlatform`]. It keeps its file's bytes alive,
/// even after the path is deleted, until it is dropped.
pub struct MemoryFile<'p, A: Allocator + Clone = Global> {
    platform: &'p MemoryPlatform<A>,
    slot: usize,
    writable: bool,
}

impl<A: Allocator + Clone> MemoryFile<'_, A> {
    fn writable_disk(&self) -> Result<RefMut<'_, Disk<A>>, PlatformError> {
        if !self.writable {
            return Err(ErrorKind::ReadOnly.into());
        }
        self.platform.disk_mut()
    }
}

impl<A: Allocator + Clone> File for MemoryFile<'_, A> {
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, PlatformError> {
        self.platform.disk()?.read(self.slot, offset, buf)
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
}

impl<A: Allocator + Clone> Drop for MemoryFile<'_, A> {
    fn drop(&mut self) {
        // Only a handle dropped inside a `with_file` visitor finds the table
        // borrowed; its file then stays allocated until the platform drops.
        if let Ok(mut disk) = self.platform.disk.try_borrow_mut() {
            disk.release(self.slot);
        }
    }
}

impl<A: Allocator + Clone> fmt::Debug for MemoryFile<'_, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryFile")
            .field("slot", &self.slot)
            .field("writable", &self.writable)
            .finish()
    }
}
