//! The 24-byte frame header, [`FrameHeader`]: sealing a page into a frame
//! and checking a frame read back.
//!
//! Layout (all fields big-endian `u32`); the page's bytes follow it:
//!
//! | offset | field |
//! |---|---|
//! | 0 | page number |
//! | 4 | for a commit frame, the database size in pages after the commit; otherwise 0 |
//! | 8 | salt-1, copied from the WAL header |
//! | 12 | salt-2, copied from the WAL header |
//! | 16 | checksum-1 |
//! | 20 | checksum-2 |
//!
//! The checksum is cumulative: it continues the previous frame's (the
//! header's, for frame 1) over this frame header's first 8 bytes and then
//! the page. A frame is valid when its salts are the header's, its page
//! number is not 0 and its checksum is what that chain gives; since the
//! chain runs through every earlier frame, a valid frame also vouches for
//! all frames before it, which is what lets recovery stop at the first
//! invalid one.

use super::checksum::Checksum;
use super::header::{Salts, WalHeader};
use super::put_u32;
use crate::PageNo;
use crate::format::Reader;

/// Size of a frame header in bytes.
pub const FRAME_HEADER_SIZE: usize = 24;

/// One frame's header, as stored before its page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FrameHeader {
    /// The page whose content the frame holds.
    pub page: PageNo,
    /// The database size in pages after the transaction, for the frame
    /// that commits it; 0 for every other frame.
    pub db_size: u32,
    /// The salts of the generation the frame was written in.
    pub salts: Salts,
    /// The running checksum up to and including this frame.
    pub checksum: Checksum,
}

impl FrameHeader {
    /// Whether this frame commits a transaction.
    pub const fn is_commit(&self) -> bool {
        self.db_size != 0
    }

    /// The header of a frame holding `data` as `page`, written after the
    /// frame (or log header) whose running checksum is `previous`, in the
    /// generation `header` starts. `db_size` is non-zero for a commit.
    pub fn seal(
        header: &WalHeader,
        previous: Checksum,
        page: PageNo,
        db_size: u32,
        data: &[u8],
    ) -> FrameHeader {
        let mut sealed = FrameHeader {
            page,
            db_size,
            salts: header.salts,
            checksum: Checksum::ZERO,
        };
        sealed.checksum = chain(header, previous, &sealed.to_bytes(), data);
        sealed
    }

    /// The header as stored.
    pub fn to_bytes(&self) -> [u8; FRAME_HEADER_SIZE] {
        let mut out = [0u8; FRAME_HEADER_SIZE];
        put_u32(&mut out, 0, self.page.get());
        put_u32(&mut out, 4, self.db_size);
        put_u32(&mut out, 8, self.salts.salt1);
        put_u32(&mut out, 12, self.salts.salt2);
        put_u32(&mut out, 16, self.checksum.s0);
        put_u32(&mut out, 20, self.checksum.s1);
        out
    }

    /// The frame stored as `bytes` then `data`, if it is valid in the
    /// generation `header` starts, following the frame whose running
    /// checksum is `previous`; `None` otherwise (wrong salts, page 0, or a
    /// checksum that breaks the chain: a torn, stale or damaged frame).
    pub fn check(
        header: &WalHeader,
        previous: Checksum,
        bytes: &[u8; FRAME_HEADER_SIZE],
        data: &[u8],
    ) -> Option<FrameHeader> {
        let r = Reader::new(bytes, None);
        let word = |at| r.u32(at).unwrap_or(0);
        let salts = Salts {
            salt1: word(8),
            salt2: word(12),
        };
        if salts != header.salts {
            return None;
        }
        let page = PageNo::new(word(0))?;
        let checksum = chain(header, previous, bytes, data);
        if checksum != Checksum::new(word(16), word(20)) {
            return None;
        }
        Some(FrameHeader {
            page,
            db_size: word(4),
            salts,
            checksum,
        })
    }
}

/// `previous` continued over the frame header's first 8 bytes and the page.
fn chain(
    header: &WalHeader,
    previous: Checksum,
    bytes: &[u8; FRAME_HEADER_SIZE],
    data: &[u8],
) -> Checksum {
    previous
        .update(header.order, bytes.get(..8).unwrap_or_default())
        .update(header.order, data)
}
