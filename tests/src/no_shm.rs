//! [`NoShm`]: a RAM disk whose files have locks but no shared memory, as a
//! firmware's flash driver offers; a database on it holds its file
//! exclusively while open.

use boundlite::platform::{
    File, LockLevel, MemoryFile, MemoryPlatform, OpenMode, Platform, PlatformError,
};

/// A RAM disk's file with locks but no shared memory, as a firmware's
/// flash driver offers: a database holds it exclusively.
pub struct NoShmFile<'d>(MemoryFile<'d>);

impl File for NoShmFile<'_> {
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, PlatformError> {
        self.0.read_at(offset, buf)
    }

    fn write_at(&mut self, offset: u64, data: &[u8]) -> Result<(), PlatformError> {
        self.0.write_at(offset, data)
    }

    fn sync(&mut self) -> Result<(), PlatformError> {
        self.0.sync()
    }

    fn truncate(&mut self, len: u64) -> Result<(), PlatformError> {
        self.0.truncate(len)
    }

    fn size(&mut self) -> Result<u64, PlatformError> {
        self.0.size()
    }

    fn lock(&mut self, level: LockLevel) -> Result<(), PlatformError> {
        self.0.lock(level)
    }

    fn unlock(&mut self, level: LockLevel) -> Result<(), PlatformError> {
        self.0.unlock(level)
    }

    fn is_reserved(&mut self) -> Result<bool, PlatformError> {
        self.0.is_reserved()
    }
}

/// A [`MemoryPlatform`] whose files have no shared memory.
pub struct NoShm<'d>(pub &'d MemoryPlatform);

impl<'d> Platform for &NoShm<'d> {
    type File = NoShmFile<'d>;

    fn open(&self, path: &str, mode: OpenMode) -> Result<Self::File, PlatformError> {
        self.0.open(path, mode).map(NoShmFile)
    }

    fn delete(&self, path: &str) -> Result<(), PlatformError> {
        self.0.delete(path)
    }

    fn exists(&self, path: &str) -> Result<bool, PlatformError> {
        self.0.exists(path)
    }
}
