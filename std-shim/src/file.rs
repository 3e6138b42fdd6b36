//! [`StdFile`]: one open `std::fs::File` behind the [`File`] trait.
//!
//! Durability: [`File::sync`] is `sync_data` (fdatasync), which flushes
//! the file's bytes and its length. A file this handle created is not
//! durable until its directory entry is, so the first successful sync of
//! a created file also syncs its parent directory (on unix, where a
//! directory can be opened and synced), as SQLite does for its journals.

use std::fs;
use std::io;
use std::path::PathBuf;

use boundlite_platform::{ErrorKind, File, PlatformError};

use crate::platform_error;
use crate::positional::{read_some, write_some};

/// An open file of a [`StdPlatform`](crate::StdPlatform).
#[derive(Debug)]
pub struct StdFile {
    file: fs::File,
    writable: bool,
    /// The directory to sync at the next sync: set when this handle created
    /// the file, cleared once the directory is synced.
    unsynced_dir: Option<PathBuf>,
}

impl StdFile {
    pub(crate) fn new(file: fs::File, writable: bool, unsynced_dir: Option<PathBuf>) -> Self {
        Self {
            file,
            writable,
            unsynced_dir,
        }
    }

    /// The underlying `std` file.
    pub fn as_std(&self) -> &fs::File {
        &self.file
    }

    fn check_writable(&self) -> Result<(), PlatformError> {
        if self.writable {
            Ok(())
        } else {
            Err(ErrorKind::ReadOnly.into())
        }
    }
}

impl File for StdFile {
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, PlatformError> {
        let mut done = 0;
        while let Some(rest) = buf.get_mut(done..).filter(|r| !r.is_empty()) {
            let at = advance(offset, done)?;
            match read_some(&self.file, rest, at) {
                Ok(0) => break,
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(platform_error(&e)),
            }
        }
        Ok(done)
    }

    fn write_at(&mut self, offset: u64, data: &[u8]) -> Result<(), PlatformError> {
        self.check_writable()?;
        let mut done = 0;
        while let Some(rest) = data.get(done..).filter(|r| !r.is_empty()) {
            let at = advance(offset, done)?;
            match write_some(&self.file, rest, at) {
                // A device that accepts nothing will not accept more by
                // being asked again.
                Ok(0) => return Err(ErrorKind::Io.into()),
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(platform_error(&e)),
            }
        }
        Ok(())
    }

    fn sync(&mut self) -> Result<(), PlatformError> {
        self.file.sync_data().map_err(|e| platform_error(&e))?;
        if let Some(dir) = &self.unsynced_dir {
            sync_dir(dir).map_err(|e| platform_error(&e))?;
            self.unsynced_dir = None;
        }
        Ok(())
    }

    fn truncate(&mut self, len: u64) -> Result<(), PlatformError> {
        self.check_writable()?;
        self.file.set_len(len).map_err(|e| platform_error(&e))
    }

    fn size(&mut self) -> Result<u64, PlatformError> {
        let meta = self.file.metadata().map_err(|e| platform_error(&e))?;
        Ok(meta.len())
    }
}

/// `offset + done`, or `InvalidInput` past the largest file offset.
fn advance(offset: u64, done: usize) -> Result<u64, PlatformError> {
    u64::try_from(done)
        .ok()
        .and_then(|d| offset.checked_add(d))
        .ok_or(PlatformError::new(ErrorKind::InvalidInput))
}

#[cfg(unix)]
fn sync_dir(dir: &std::path::Path) -> io::Result<()> {
    fs::File::open(dir)?.sync_all()
}

/// Elsewhere a directory cannot be opened as a file; the OS is trusted to
/// persist the entry with the file.
#[cfg(not(unix))]
fn sync_dir(_dir: &std::path::Path) -> io::Result<()> {
    Ok(())
}
