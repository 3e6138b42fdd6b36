//! The 32-byte WAL header, [`WalHeader`], and how each generation of the
//! log picks the salts that tell its frames from older ones.
//!
//! Layout (all fields big-endian `u32`):
//!
//! | offset | field |
//! |---|---|
//! | 0 | magic: `0x377f0682` (little-endian checksum words) or `0x377f0683` (big-endian) |
//! | 4 | file format version: 3007000 |
//! | 8 | page size |
//! | 12 | checkpoint sequence number |
//! | 16 | salt-1 |
//! | 20 | salt-2 |
//! | 24 | checksum-1 over bytes 0..24 |
//! | 28 | checksum-2 over bytes 0..24 |
//!
//! [`WalHeader::parse`] accepts exactly what SQLite's recovery accepts: a
//! header with a bad magic, page size or checksum means "no log" (SQLite
//! then treats the file as empty), and a well-formed header of another
//! format version is refused, as SQLite refuses it, rather than overwritten.
//!
//! # Byte order and salts of the headers written here
//!
//! SQLite writes the magic of the machine's native order; either is valid
//! and SQLite reads both. This engine always writes `0x377f0683`
//! (big-endian words), so the same operations produce the same bytes on
//! every target, and continues a log it recovered in that log's own order.
//!
//! A reset log is rewritten from frame 1 over the previous generation's
//! frames, which stay in the file; a frame belongs to the current
//! generation only if its salts equal the header's. SQLite increments salt-1 and draws salt-2 at random.
//! There is no random source in `no_std`, and none is needed: salt-1's
//! increment already makes every generation's salts differ from its
//! predecessor's. Salt-2 is derived by [`WalHeader::following`] from all 32
//! bytes of the previous header (valid or torn), which also separates a log
//! started over a damaged header from whatever that header was being
//! replaced by.

use boundlite_platform::{ErrorKind, File};

use super::checksum::{ByteOrder, Checksum};
use super::put_u32;
use crate::format::{PageSize, Reader};
use crate::{Error, Result};

/// Size of the WAL header in bytes.
pub const WAL_HEADER_SIZE: usize = 32;

/// The magic of a log whose checksum words are little-endian.
pub const MAGIC_LITTLE_ENDIAN: u32 = 0x377f_0682;

/// The magic of a log whose checksum words are big-endian: what this
/// engine writes.
pub const MAGIC_BIG_ENDIAN: u32 = 0x377f_0683;

/// The one WAL format version SQLite has defined (3.7.0).
pub const WAL_FORMAT_VERSION: u32 = 3_007_000;

/// The two salts every frame of one generation copies from the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Salts {
    /// Salt-1: incremented by each reset of the log.
    pub salt1: u32,
    /// Salt-2: varied by each reset of the log.
    pub salt2: u32,
}

/// A valid WAL header. The checksum is not a field: it is a function of
/// the others ([`WalHeader::checksum`]), so a header cannot disagree with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WalHeader {
    /// The order of checksum words, which the magic records.
    pub order: ByteOrder,
    /// The database page size; every frame carries one page of it.
    pub page_size: PageSize,
    /// Checkpoint sequence number: incremented by each reset.
    pub checkpoint_seq: u32,
    /// The salts every frame of this generation repeats.
    pub salts: Salts,
}

impl WalHeader {
    /// The magic number that records [`WalHeader::order`].
    pub const fn magic(&self) -> u32 {
        match self.order {
            ByteOrder::Big => MAGIC_BIG_ENDIAN,
            ByteOrder::Little => MAGIC_LITTLE_ENDIAN,
        }
    }

    /// The header as stored, checksum included.
    pub fn to_bytes(&self) -> [u8; WAL_HEADER_SIZE] {
        let mut out = [0u8; WAL_HEADER_SIZE];
        put_u32(&mut out, 0, self.magic());
        put_u32(&mut out, 4, WAL_FORMAT_VERSION);
        put_u32(&mut out, 8, self.page_size.get());
        put_u32(&mut out, 12, self.checkpoint_seq);
        put_u32(&mut out, 16, self.salts.salt1);
        put_u32(&mut out, 20, self.salts.salt2);
        let sum = Checksum::ZERO.update(self.order, out.get(..24).unwrap_or_default());
        put_u32(&mut out, 24, sum.s0);
        put_u32(&mut out, 28, sum.s1);
        out
    }

    /// The header's checksum over its first 24 bytes: the seed of the
    /// first frame's checksum.
    pub fn checksum(&self) -> Checksum {
        let bytes = self.to_bytes();
        Checksum::new(word(&bytes, 24), word(&bytes, 28))
    }

    /// The header stored in `bytes` (their first 32), if it is one SQLite
    /// would recover frames under: `Ok(None)` when the bytes are too few or
    /// the magic, page size or checksum is wrong. A header that passes
    /// those checks but has another format version is
    /// [`Error::CantOpen`], as in SQLite.
    pub fn parse(bytes: &[u8]) -> Result<Option<WalHeader>> {
        let Some(bytes) = bytes.first_chunk::<WAL_HEADER_SIZE>() else {
            return Ok(None);
        };
        let order = match word(bytes, 0) {
            MAGIC_BIG_ENDIAN => ByteOrder::Big,
            MAGIC_LITTLE_ENDIAN => ByteOrder::Little,
            _ => return Ok(None),
        };
        let Some(page_size) = PageSize::new(word(bytes, 8)) else {
            return Ok(None);
        };
        let sum = Checksum::ZERO.update(order, bytes.get(..24).unwrap_or_default());
        if sum != Checksum::new(word(bytes, 24), word(bytes, 28)) {
            return Ok(None);
        }
        if word(bytes, 4) != WAL_FORMAT_VERSION {
            return Err(Error::CantOpen(
                "the write-ahead log has an unknown format version",
            ));
        }
        Ok(Some(WalHeader {
            order,
            page_size,
            checkpoint_seq: word(bytes, 12),
            salts: Salts {
                salt1: word(bytes, 16),
                salt2: word(bytes, 20),
            },
        }))
    }

    /// Reads and parses the header at the start of `file`: `Ok(None)` when
    /// the file is shorter than a header or its header is not valid. Lets
    /// the pager learn the page size of a database whose only pages are in
    /// the log.
    pub fn read_from<F: File>(file: &mut F) -> Result<Option<WalHeader>> {
        let mut bytes = [0u8; WAL_HEADER_SIZE];
        match file.read_exact_at(0, &mut bytes) {
            Ok(()) => WalHeader::parse(&bytes),
            Err(e) if e.kind() == ErrorKind::UnexpectedEof => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The header of the generation that follows the one whose header
    /// bytes were `previous` (all zeros when there was none): big-endian
    /// checksums, `page_size`, the checkpoint sequence and salt-1 one more
    /// than `previous` holds, and salt-2 mixed from all of `previous`.
    pub fn following(previous: &[u8; WAL_HEADER_SIZE], page_size: PageSize) -> WalHeader {
        WalHeader {
            order: ByteOrder::Big,
            page_size,
            checkpoint_seq: word(previous, 12).wrapping_add(1),
            salts: Salts {
                salt1: word(previous, 16).wrapping_add(1),
                salt2: mix(previous),
            },
        }
    }
}

/// The big-endian `u32` at `at` in a header.
fn word(bytes: &[u8; WAL_HEADER_SIZE], at: usize) -> u32 {
    Reader::new(bytes, None).u32(at).unwrap_or(0)
}

/// A 32-bit digest of `bytes`: splitmix64's finaliser over each 8-byte
/// word, chained. Only needs to scatter, not to resist an adversary.
fn mix(bytes: &[u8; WAL_HEADER_SIZE]) -> u32 {
    let mut h: u64 = 0x9e37_79b9_7f4a_7c15;
    for chunk in bytes.chunks_exact(8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        h ^= u64::from_be_bytes(word);
        h = h.wrapping_add(0x9e37_79b9_7f4a_7c15);
        h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        h ^= h >> 31;
    }
    (h >> 32) as u32 ^ h as u32
}
