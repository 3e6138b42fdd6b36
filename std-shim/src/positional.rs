//! One positional read or write on a `std::fs::File`, per operating system.
//! Each call may transfer fewer bytes than asked; `file.rs` loops.

use std::fs;
use std::io;

/// Reads up to `buf.len()` bytes at `offset`.
#[cfg(unix)]
pub(crate) fn read_some(file: &fs::File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, offset)
}

/// Writes up to `data.len()` bytes at `offset`.
#[cfg(unix)]
pub(crate) fn write_some(file: &fs::File, data: &[u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::write_at(file, data, offset)
}

/// Reads up to `buf.len()` bytes at `offset` (moves the file cursor, which
/// nothing here relies on).
#[cfg(windows)]
pub(crate) fn read_some(file: &fs::File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, offset)
}

/// Writes up to `data.len()` bytes at `offset`.
#[cfg(windows)]
pub(crate) fn write_some(file: &fs::File, data: &[u8], offset: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_write(file, data, offset)
}

/// Reads at `offset` by seeking: only correct because a handle is used by
/// one caller at a time (`File` methods take `&mut self`).
#[cfg(not(any(unix, windows)))]
pub(crate) fn read_some(file: &fs::File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = file;
    file.seek(SeekFrom::Start(offset))?;
    file.read(buf)
}

/// Writes at `offset` by seeking, as `read_some` does.
#[cfg(not(any(unix, windows)))]
pub(crate) fn write_some(file: &fs::File, data: &[u8], offset: u64) -> io::Result<usize> {
    use std::io::{Seek, SeekFrom, Write};
    let mut file = file;
    file.seek(SeekFrom::Start(offset))?;
    file.write(data)
}
