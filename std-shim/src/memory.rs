//! [`MemoryFiles`]: the files of an in-memory [`StdPlatform`], private
//! byte buffers by path, and [`MemoryFile`], a handle onto one of them.
//!
//! This is what `":memory:"` opens: a database no other process can see,
//! so nothing here coordinates users. The locking and shared-memory
//! methods keep the [`File`] trait's defaults (every lock granted, no
//! shared memory), and the engine holds the database exclusively, which
//! is exactly right for a database with one user.
//!
//! Invariants:
//! - the files belong to one platform value and its clones: two calls of
//!   [`StdPlatform::memory`] never share a file, and the bytes are freed
//!   when the last clone and the last handle are dropped;
//! - as on unix, deleting a file unnames it while open handles keep its
//!   bytes; a later `Create` at the path makes a new, empty file;
//! - `sync` does nothing: there is nothing durable to reach;
//! - a failed write (no memory for the growth, an offset past what memory
//!   can address) leaves the file as it was.
//!
//! [`StdPlatform`]: crate::StdPlatform
//! [`StdPlatform::memory`]: crate::StdPlatform::memory

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use boundlite_platform::{ErrorKind, File, OpenMode, PlatformError};

/// One file's bytes, shared by its handles.
type Bytes = Arc<Mutex<Vec<u8>>>;

/// The files of one in-memory platform, by path.
#[derive(Debug, Clone, Default)]
pub(crate) struct MemoryFiles {
    files: Arc<Mutex<HashMap<String, Bytes>>>,
}

impl MemoryFiles {
    /// Whether `self` and `other` are the same files (clones of one
    /// platform).
    pub(crate) fn same(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.files, &other.files)
    }

    pub(crate) fn open(&self, path: &str, mode: OpenMode) -> Result<MemoryFile, PlatformError> {
        let mut files = guard(&self.files);
        let bytes = match files.get(path) {
            Some(bytes) => Arc::clone(bytes),
            None if mode == OpenMode::Create => {
                let bytes = Bytes::default();
                files.insert(path.to_owned(), Arc::clone(&bytes));
                bytes
            }
            None => return Err(ErrorKind::NotFound.into()),
        };
        Ok(MemoryFile {
            bytes,
            writable: mode.is_writable(),
        })
    }

    pub(crate) fn delete(&self, path: &str) -> Result<(), PlatformError> {
        match guard(&self.files).remove(path) {
            Some(_) => Ok(()),
            None => Err(ErrorKind::NotFound.into()),
        }
    }

    pub(crate) fn exists(&self, path: &str) -> bool {
        guard(&self.files).contains_key(path)
    }
}

/// An open file of an in-memory [`StdPlatform`](crate::StdPlatform).
#[derive(Debug)]
pub(crate) struct MemoryFile {
    bytes: Bytes,
    writable: bool,
}

impl MemoryFile {
    /// A writable file no path names, freed with its handle: an in-memory
    /// platform's temporary file.
    pub(crate) fn anonymous() -> Self {
        MemoryFile {
            bytes: Bytes::default(),
            writable: true,
        }
    }

    fn check_writable(&self) -> Result<(), PlatformError> {
        if self.writable {
            Ok(())
        } else {
            Err(ErrorKind::ReadOnly.into())
        }
    }
}

impl File for MemoryFile {
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, PlatformError> {
        let bytes = guard(&self.bytes);
        let start = usize::try_from(offset).unwrap_or(usize::MAX);
        let Some(rest) = bytes.get(start..) else {
            return Ok(0);
        };
        let n = rest.len().min(buf.len());
        if let (Some(to), Some(from)) = (buf.get_mut(..n), rest.get(..n)) {
            to.copy_from_slice(from);
        }
        Ok(n)
    }

    fn write_at(&mut self, offset: u64, data: &[u8]) -> Result<(), PlatformError> {
        self.check_writable()?;
        if data.is_empty() {
            return Ok(());
        }
        let mut bytes = guard(&self.bytes);
        let start = usize::try_from(offset).map_err(|_| too_far())?;
        let end = start.checked_add(data.len()).ok_or_else(too_far)?;
        grow(&mut bytes, end)?;
        if let Some(to) = bytes.get_mut(start..end) {
            to.copy_from_slice(data);
        }
        Ok(())
    }

    fn sync(&mut self) -> Result<(), PlatformError> {
        Ok(())
    }

    fn truncate(&mut self, len: u64) -> Result<(), PlatformError> {
        self.check_writable()?;
        let len = usize::try_from(len).map_err(|_| too_far())?;
        let mut bytes = guard(&self.bytes);
        if len <= bytes.len() {
            bytes.truncate(len);
            Ok(())
        } else {
            grow(&mut bytes, len)
        }
    }

    fn size(&mut self) -> Result<u64, PlatformError> {
        u64::try_from(guard(&self.bytes).len()).map_err(|_| too_far())
    }
}

/// Extends `bytes` with zeros to at least `len`, or fails leaving it as it
/// was.
fn grow(bytes: &mut Vec<u8>, len: usize) -> Result<(), PlatformError> {
    if let Some(more) = len.checked_sub(bytes.len()).filter(|&m| m > 0) {
        bytes
            .try_reserve(more)
            .map_err(|_| PlatformError::new(ErrorKind::OutOfMemory))?;
        bytes.resize(len, 0);
    }
    Ok(())
}

fn too_far() -> PlatformError {
    PlatformError::new(ErrorKind::InvalidInput)
}

/// Locks `mutex`. A holder that panicked left the bytes whole (every
/// change here is one `Vec` or `HashMap` operation), so a poisoned lock is
/// taken as it is.
fn guard<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
