//! [`IndexHeader`]: the 48-byte header at the start of SQLite's WAL index
//! (`WalIndexHdr` in `wal.c`), which every reader copies at the start of a
//! transaction and every writer rewrites at each commit.
//!
//! Layout, every field in the machine's **native** byte order (the `-shm`
//! file never leaves the machine that wrote it):
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 4 | version: 3007000 |
//! | 4 | 4 | unused |
//! | 8 | 4 | change counter, advanced by each commit |
//! | 12 | 1 | 1 once the index is initialised |
//! | 13 | 1 | 1 when the log's checksums are big-endian |
//! | 14 | 2 | page size (1 for 65536) |
//! | 16 | 4 | the last committed frame (`mxFrame`) |
//! | 20 | 4 | the database size in pages after that commit |
//! | 24 | 8 | the running checksum after that frame |
//! | 32 | 8 | the log header's two salts, as the log file stores them (big-endian) |
//! | 40 | 8 | the checksum of bytes 0..40, native words |
//!
//! The shared memory holds the header twice: a writer writes the second
//! copy, then (after a memory barrier) the first; a reader reads the first,
//! then the second, and trusts them only when they are equal, initialised
//! and their checksum holds. Anything else means a writer was interrupted
//! (or the memory is new) and the index must be rebuilt from the log.

use crate::wal::checksum::{ByteOrder, Checksum};

/// Bytes of one copy of the header.
pub(crate) const HEADER_BYTES: usize = 48;

/// The one WAL-index version SQLite defines.
pub(crate) const INDEX_VERSION: u32 = 3_007_000;

/// The byte order of the machine: the order of every word in the index.
pub(crate) const NATIVE: ByteOrder = if cfg!(target_endian = "big") {
    ByteOrder::Big
} else {
    ByteOrder::Little
};

/// What the header says about the log, decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct IndexHeader {
    /// Advanced by every commit: a reader that sees it unchanged knows no
    /// commit happened.
    pub change: u32,
    /// Whether the log's checksum words are big-endian (its magic).
    pub big_endian: bool,
    /// The page size in bytes.
    pub page_size: u32,
    /// The last committed frame; 0 when the log has none.
    pub max_frame: u32,
    /// The database size in pages after the last commit; 0 when unknown
    /// (the database file's size then applies).
    pub db_pages: u32,
    /// The running checksum after frame `max_frame`.
    pub frame_checksum: Checksum,
    /// The salts of the log's header, in the log file's byte order.
    pub salts: [u8; 8],
}

/// Why a header read from shared memory cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unusable {
    /// Torn, never written, or failing its checksum: rebuild the index.
    Rebuild,
    /// Well formed but of an index version this engine does not know.
    Version,
}

impl IndexHeader {
    /// The header's bytes, with its checksum.
    pub fn encode(&self) -> [u8; HEADER_BYTES] {
        let mut out = [0u8; HEADER_BYTES];
        // 65536, the one page size that does not fit, is stored as 1.
        let page_size = u16::try_from(self.page_size).unwrap_or(1);
        put(&mut out, 0, &INDEX_VERSION.to_ne_bytes());
        put(&mut out, 8, &self.change.to_ne_bytes());
        put(&mut out, 12, &[1, u8::from(self.big_endian)]);
        put(&mut out, 14, &page_size.to_ne_bytes());
        put(&mut out, 16, &self.max_frame.to_ne_bytes());
        put(&mut out, 20, &self.db_pages.to_ne_bytes());
        put(&mut out, 24, &self.frame_checksum.s0.to_ne_bytes());
        put(&mut out, 28, &self.frame_checksum.s1.to_ne_bytes());
        put(&mut out, 32, &self.salts);
        let sum = checksum_of(&out);
        put(&mut out, 40, &sum.s0.to_ne_bytes());
        put(&mut out, 44, &sum.s1.to_ne_bytes());
        out
    }

    /// Decodes one copy of the header, checking that it is initialised,
    /// of the known version, and that its checksum holds.
    pub fn decode(bytes: &[u8; HEADER_BYTES]) -> Result<Self, Unusable> {
        if bytes.get(12) != Some(&1) {
            return Err(Unusable::Rebuild);
        }
        let sum = checksum_of(bytes);
        if word(bytes, 40) != sum.s0 || word(bytes, 44) != sum.s1 {
            return Err(Unusable::Rebuild);
        }
        if word(bytes, 0) != INDEX_VERSION {
            return Err(Unusable::Version);
        }
        let page_size = match bytes.get(14..16) {
            Some(&[a, b]) => u32::from(u16::from_ne_bytes([a, b])),
            _ => 0,
        };
        let mut salts = [0u8; 8];
        if let Some(src) = bytes.get(32..40) {
            salts.copy_from_slice(src);
        }
        Ok(IndexHeader {
            change: word(bytes, 8),
            big_endian: bytes.get(13).is_some_and(|b| *b != 0),
            page_size: if page_size == 1 { 65536 } else { page_size },
            max_frame: word(bytes, 16),
            db_pages: word(bytes, 20),
            frame_checksum: Checksum::new(word(bytes, 24), word(bytes, 28)),
            salts,
        })
    }
}

/// The header checksum: SQLite's log checksum over bytes 0..40, in native
/// words.
fn checksum_of(bytes: &[u8; HEADER_BYTES]) -> Checksum {
    Checksum::ZERO.update(NATIVE, bytes.get(..40).unwrap_or_default())
}

/// The native-order `u32` at `at`.
pub(crate) fn word(bytes: &[u8], at: usize) -> u32 {
    match bytes.get(at..at + 4) {
        Some(&[a, b, c, d]) => u32::from_ne_bytes([a, b, c, d]),
        _ => 0,
    }
}

fn put(out: &mut [u8], at: usize, bytes: &[u8]) {
    if let Some(dst) = out.get_mut(at..at + bytes.len()) {
        dst.copy_from_slice(bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_round_trips_and_a_flipped_bit_is_refused() {
        let header = IndexHeader {
            change: 7,
            big_endian: true,
            page_size: 65536,
            max_frame: 12,
            db_pages: 4,
            frame_checksum: Checksum::new(1, 2),
            salts: *b"saltsalt",
        };
        let bytes = header.encode();
        assert_eq!(IndexHeader::decode(&bytes), Ok(header));
        assert_eq!(&bytes[14..16], &1u16.to_ne_bytes());
        for bit in 0..(40 * 8) {
            let mut bad = bytes;
            bad[bit / 8] ^= 1 << (bit % 8);
            assert!(IndexHeader::decode(&bad).is_err(), "bit {bit}");
        }
        assert_eq!(
            IndexHeader::decode(&[0; HEADER_BYTES]),
            Err(Unusable::Rebuild)
        );
    }
}
