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
}

/// A namespace of files addressed by path: a file system, a RAM disk, a
/// flash driver.
///
/// Methods take `&self` so a database can keep its platform for its whole
/// life and open further files (the `-wal` file) while others are open.
/// Platforms whose files must refer back to shared state implement this
/// trait for a reference (`&MemoryPlatform`), so that handles borrow the
/// platform instead of owning a share of it.
pub trait Platform {
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
}
