//! [`Reader`]: checked big-endian reads over untrusted bytes.
//!
//! Every multi-byte integer in the file format is big-endian. Page bytes
//! come from a file and are never trusted, so every read here is bounds
//! checked and a read past the end is `Error::Corrupt`, tagged with the page
//! the bytes came from. This is the only way format, record and B-tree code
//! should look at raw bytes: `bytes[i]` is denied in this crate.
//!
//! ```
//! use boundlite::{Error, PageNo};
//! use boundlite::format::Reader;
//!
//! let page = PageNo::new(2).unwrap();
//! let r = Reader::for_page(&[0x0d, 0x00, 0x01, 0x0f, 0xf8], page);
//! assert_eq!(r.u8(0)?, 0x0d);
//! assert_eq!(r.u16(1)?, 1);
//! assert_eq!(r.u16(3)?, 0x0ff8);
//! assert!(matches!(r.u32(2), Err(Error::Corrupt { page: Some(p), .. }) if p == page));
//! # Ok::<(), Error>(())
//! ```

use crate::format::varint::read_varint;
use crate::{Error, PageNo, Result};

/// A read-only view of bytes from the file, with the page they came from
/// for error messages.
#[derive(Debug, Clone, Copy)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    page: Option<PageNo>,
}

impl<'a> Reader<'a> {
    /// Reads `bytes`; errors name `page` when there is one.
    pub const fn new(bytes: &'a [u8], page: Option<PageNo>) -> Self {
        Reader { bytes, page }
    }

    /// Reads the bytes of `page` (or a part of it).
    pub const fn for_page(bytes: &'a [u8], page: PageNo) -> Self {
        Reader::new(bytes, Some(page))
    }

    /// The bytes under the reader.
    pub const fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// How many bytes there are.
    pub const fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether there are no bytes at all.
    pub const fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The page errors are reported against.
    pub const fn page(&self) -> Option<PageNo> {
        self.page
    }

    /// A `Corrupt` error on this reader's page.
    pub const fn corrupt(&self, reason: &'static str) -> Error {
        Error::Corrupt {
            page: self.page,
            reason,
        }
    }

    /// The `len` bytes at `offset`.
    pub fn slice(&self, offset: usize, len: usize) -> Result<&'a [u8]> {
        offset
            .checked_add(len)
            .and_then(|end| self.bytes.get(offset..end))
            .ok_or(self.corrupt("read past the end of the page"))
    }

    /// Everything from `offset` to the end.
    pub fn tail(&self, offset: usize) -> Result<&'a [u8]> {
        self.bytes
            .get(offset..)
            .ok_or(self.corrupt("read past the end of the page"))
    }

    /// A reader over the `len` bytes at `offset`, on the same page.
    pub fn sub(&self, offset: usize, len: usize) -> Result<Reader<'a>> {
        Ok(Reader::new(self.slice(offset, len)?, self.page))
    }

    /// The `N` bytes at `offset`, copied.
    pub fn array<const N: usize>(&self, offset: usize) -> Result<[u8; N]> {
        let mut out = [0; N];
        out.copy_from_slice(self.slice(offset, N)?);
        Ok(out)
    }

    /// The byte at `offset`.
    pub fn u8(&self, offset: usize) -> Result<u8> {
        self.bytes
            .get(offset)
            .copied()
            .ok_or(self.corrupt("read past the end of the page"))
    }

    /// The big-endian `u16` at `offset`.
    pub fn u16(&self, offset: usize) -> Result<u16> {
        Ok(u16::from_be_bytes(self.array(offset)?))
    }

    /// The big-endian 24-bit unsigned integer at `offset`.
    pub fn u24(&self, offset: usize) -> Result<u32> {
        Ok(self.uint(offset, 3)? as u32)
    }

    /// The big-endian `u32` at `offset`.
    pub fn u32(&self, offset: usize) -> Result<u32> {
        Ok(u32::from_be_bytes(self.array(offset)?))
    }

    /// The big-endian 48-bit unsigned integer at `offset`.
    pub fn u48(&self, offset: usize) -> Result<u64> {
        self.uint(offset, 6)
    }

    /// The big-endian `u64` at `offset`.
    pub fn u64(&self, offset: usize) -> Result<u64> {
        Ok(u64::from_be_bytes(self.array(offset)?))
    }

    /// The big-endian two's-complement integer of `len` bytes (1 to 8) at
    /// `offset`, sign-extended: the record format's integer bodies.
    pub fn int(&self, offset: usize, len: usize) -> Result<i64> {
        let raw = self.uint(offset, len)?;
        // Shift the value's sign bit up to bit 63, then back down
        // arithmetically, which copies it into the bits above.
        let unused = 64 - 8 * len as u32;
        Ok(((raw << unused) as i64) >> unused)
    }

    /// The varint at `offset`: its value and its length in bytes.
    pub fn varint(&self, offset: usize) -> Result<(u64, usize)> {
        read_varint(self.tail(offset)?).ok_or(self.corrupt("varint runs past the end of the page"))
    }

    /// The big-endian unsigned integer of `len` bytes (1 to 8) at `offset`.
    fn uint(&self, offset: usize, len: usize) -> Result<u64> {
        if !(1..=8).contains(&len) {
            return Err(Error::Misuse("integer width outside 1..=8 bytes"));
        }
        Ok(self
            .slice(offset, len)?
            .iter()
            .fold(0, |acc, &b| (acc << 8) | u64::from(b)))
    }
}
