//! [`FrameNo`]: the position of a frame in the log, counted from 1.
//!
//! Frame numbers name page versions: within one generation of the log (from
//! one header write to the next reset) frame `n` always holds the same
//! bytes. A reset starts numbering again from 1, so a number is only
//! meaningful together with the generation it was read in
//! ([`Wal::generation`](super::Wal::generation)).

use core::num::NonZeroU32;

use super::{FRAME_HEADER_SIZE, WAL_HEADER_SIZE};

/// A 1-based frame number. Counts and snapshots, where 0 means "no frame",
/// are plain `u32`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FrameNo(NonZeroU32);

impl FrameNo {
    /// The first frame after the header.
    pub const ONE: FrameNo = FrameNo(NonZeroU32::MIN);

    /// Frame `n`, or `None` for 0.
    pub const fn new(n: u32) -> Option<FrameNo> {
        match NonZeroU32::new(n) {
            Some(n) => Some(FrameNo(n)),
            None => None,
        }
    }

    /// The number as a count of frames up to and including this one.
    pub const fn get(self) -> u32 {
        self.0.get()
    }

    /// The frame after this one, if the count does not overflow.
    pub const fn next(self) -> Option<FrameNo> {
        match self.0.checked_add(1) {
            Some(n) => Some(FrameNo(n)),
            None => None,
        }
    }

    /// Byte offset of this frame's header in a log of `page_size`-byte
    /// pages: the log header, then `n - 1` whole frames.
    pub const fn offset(self, page_size: u32) -> u64 {
        let frame_size = FRAME_HEADER_SIZE as u64 + page_size as u64;
        WAL_HEADER_SIZE as u64 + (self.0.get() as u64 - 1) * frame_size
    }

    /// Byte offset of this frame's page data.
    pub const fn data_offset(self, page_size: u32) -> u64 {
        self.offset(page_size) + FRAME_HEADER_SIZE as u64
    }
}

impl core::fmt::Display for FrameNo {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Display::fmt(&self.0, f)
    }
}
