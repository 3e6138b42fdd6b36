//! Positional reads and writes on a `std::fs::File`: one call per
//! operating system (`read_some`, `write_some`, each of which may transfer
//! fewer bytes than asked), and the loops every file type uses over them
//! (`read_full`, `write_all`).

use std::fs;
use std::io;

use boundlite_platform::{ErrorKind, PlatformError};

use crate::platform_error;

/// Reads at `offset` until `buf` is full or the file ends; returns the
/// count read.
pub(crate) fn read_full(
    file: &fs::File,
    offset: u64,
    buf: &mut [u8],
) -> Result<usize, PlatformError> {
    let mut done = 0;
    while let Some(rest) = buf.get_mut(done..).filter(|r| !r.is_empty()) {
        let at = advance(offset, done)?;
        match read_some(file, rest, at) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(platform_error(&e)),
        }
    }
    Ok(done)
}

/// Writes all of `data` at `offset`.
pub(crate) fn write_all(file: &fs::File, offset: u64, data: &[u8]) -> Result<(), PlatformError> {
    let mut done = 0;
    while let Some(rest) = data.get(done..).filter(|r| !r.is_empty()) {
        let at = advance(offset, done)?;
        match write_some(file, rest, at) {
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

fn advance(offset: u64, done: usize) -> Result<u64, PlatformError> {
    u64::try_from(done)
        .ok()
        .and_then(|d| offset.checked_add(d))
        .ok_or(PlatformError::new(ErrorKind::InvalidInput))
}

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
