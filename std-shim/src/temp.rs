//! [`TempFile`]: an anonymous temporary file in the operating system's
//! temporary directory (`std::env::temp_dir`, so `TMPDIR` on unix), the
//! handle [`StdPlatform::open_temp`](crate::StdPlatform) gives on disk.
//!
//! The file never has a name anyone else can open: on Linux it is created
//! unnamed (`O_TMPFILE`), on other unixes its name is unlinked right after
//! it is created, on Windows it is opened delete-on-close (all through
//! `tempfile::tempfile`). Its bytes are therefore gone when the handle
//! drops, or when the process dies, and no cleanup is ever owed.
//!
//! Nothing in it is meant to survive a crash, so `sync` does nothing and
//! the locking and shared-memory methods keep the trait's defaults.

use std::fs;

use boundlite_platform::{File, PlatformError};

use crate::platform_error;
use crate::positional::{read_full, write_all};

/// An open anonymous temporary file on disk.
#[derive(Debug)]
pub(crate) struct TempFile {
    file: fs::File,
}

impl TempFile {
    /// A fresh, empty temporary file.
    pub(crate) fn create() -> Result<Self, PlatformError> {
        let file = tempfile::tempfile().map_err(|e| platform_error(&e))?;
        Ok(Self { file })
    }
}

impl File for TempFile {
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, PlatformError> {
        read_full(&self.file, offset, buf)
    }

    fn write_at(&mut self, offset: u64, data: &[u8]) -> Result<(), PlatformError> {
        write_all(&self.file, offset, data)
    }

    /// Nothing to make durable: the file does not outlive its handle.
    fn sync(&mut self) -> Result<(), PlatformError> {
        Ok(())
    }

    fn truncate(&mut self, len: u64) -> Result<(), PlatformError> {
        self.file.set_len(len).map_err(|e| platform_error(&e))
    }

    fn size(&mut self) -> Result<u64, PlatformError> {
        let meta = self.file.metadata().map_err(|e| platform_error(&e))?;
        Ok(meta.len())
    }
}
