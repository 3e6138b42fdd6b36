//! [`StdFile`]: the handle a [`StdPlatform`](crate::StdPlatform) opens,
//! a file on disk (`disk.rs`: durability, SQLite's unix locks and `-shm`),
//! a private in-memory file (`memory.rs`) or an anonymous temporary file
//! (`temp.rs`). Every [`File`] method goes
//! to the one it is; nothing here adds behaviour.

use std::fs;

use boundlite_platform::{File, LockLevel, PlatformError, ShmLockKind, ShmSlots};

use crate::disk::DiskFile;
use crate::memory::MemoryFile;
use crate::temp::TempFile;

/// An open file of a [`StdPlatform`](crate::StdPlatform).
#[derive(Debug)]
pub struct StdFile {
    inner: Inner,
}

#[derive(Debug)]
enum Inner {
    Disk(DiskFile),
    Memory(MemoryFile),
    Temp(TempFile),
}

// A handle may move to, and be shared with, other threads.
const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<StdFile>();
};

impl StdFile {
    pub(crate) fn disk(file: DiskFile) -> Self {
        Self {
            inner: Inner::Disk(file),
        }
    }

    pub(crate) fn memory(file: MemoryFile) -> Self {
        Self {
            inner: Inner::Memory(file),
        }
    }

    pub(crate) fn temp(file: TempFile) -> Self {
        Self {
            inner: Inner::Temp(file),
        }
    }

    /// The underlying `std` file; `None` for a file of an in-memory
    /// platform.
    pub fn as_std(&self) -> Option<&fs::File> {
        match &self.inner {
            Inner::Disk(file) => Some(file.as_std()),
            Inner::Memory(_) | Inner::Temp(_) => None,
        }
    }

    fn file(&mut self) -> &mut dyn File {
        match &mut self.inner {
            Inner::Disk(file) => file,
            Inner::Memory(file) => file,
            Inner::Temp(file) => file,
        }
    }
}

impl File for StdFile {
    /// A temporary file in the OS temp directory, or in memory for a file
    /// of an in-memory platform, as [`StdPlatform::open_temp`] gives.
    ///
    /// [`StdPlatform::open_temp`]: boundlite_platform::Platform::open_temp
    fn open_temp(&self) -> Result<StdFile, PlatformError> {
        match &self.inner {
            Inner::Disk(_) | Inner::Temp(_) => TempFile::create().map(StdFile::temp),
            Inner::Memory(_) => Ok(StdFile::memory(MemoryFile::anonymous())),
        }
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, PlatformError> {
        self.file().read_at(offset, buf)
    }

    fn read_exact_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), PlatformError> {
        self.file().read_exact_at(offset, buf)
    }

    fn write_at(&mut self, offset: u64, data: &[u8]) -> Result<(), PlatformError> {
        self.file().write_at(offset, data)
    }

    fn sync(&mut self) -> Result<(), PlatformError> {
        self.file().sync()
    }

    fn truncate(&mut self, len: u64) -> Result<(), PlatformError> {
        self.file().truncate(len)
    }

    fn size(&mut self) -> Result<u64, PlatformError> {
        self.file().size()
    }

    fn lock(&mut self, level: LockLevel) -> Result<(), PlatformError> {
        self.file().lock(level)
    }

    fn unlock(&mut self, level: LockLevel) -> Result<(), PlatformError> {
        self.file().unlock(level)
    }

    fn is_reserved(&mut self) -> Result<bool, PlatformError> {
        self.file().is_reserved()
    }

    fn shm_attach(&mut self) -> Result<(), PlatformError> {
        self.file().shm_attach()
    }

    fn shm_detach(&mut self, delete: bool) -> Result<(), PlatformError> {
        self.file().shm_detach(delete)
    }

    fn shm_read(&mut self, offset: usize, buf: &mut [u8]) -> Result<(), PlatformError> {
        self.file().shm_read(offset, buf)
    }

    fn shm_write(&mut self, offset: usize, data: &[u8]) -> Result<(), PlatformError> {
        self.file().shm_write(offset, data)
    }

    fn shm_lock(&mut self, slots: ShmSlots, kind: ShmLockKind) -> Result<(), PlatformError> {
        self.file().shm_lock(slots, kind)
    }

    fn shm_unlock(&mut self, slots: ShmSlots, kind: ShmLockKind) -> Result<(), PlatformError> {
        self.file().shm_unlock(slots, kind)
    }

    fn shm_barrier(&mut self) {
        self.file().shm_barrier()
    }
}
