//! Recovery: rebuilding what the log holds from its bytes alone, as
//! SQLite's recovery does when no process has the log open.
//!
//! 1. Read the header. If the file is shorter than one, or the header is
//!    not valid ([`WalHeader::parse`]), or it is for another page size, the
//!    log is empty: nothing in it can be trusted to belong to this
//!    database.
//! 2. Read whole frames in order (a partial frame at the end is not one),
//!    checking each against the header's salts and the running checksum,
//!    and stop at the first that fails: it and everything after it were
//!    never written in this generation, or were torn by a crash.
//! 3. Keep the frames up to the last commit frame among them; the frames
//!    after it belong to a transaction that never committed.
//!
//! Recovery only reads. Frames beyond the last commit stay in the file
//! until the next append overwrites them.

use boundlite_platform::{ErrorKind, File};

use super::frame::{FRAME_HEADER_SIZE, FrameHeader};
use super::header::{WAL_HEADER_SIZE, WalHeader};
use super::index::WalIndex;
use super::{FrameNo, Tip};
use crate::alloc::{Allocator, Vec};
use crate::format::PageSize;
use crate::{Error, Result};

/// What recovery found.
pub(super) struct Recovered<F, A: Allocator> {
    /// The header, when it is valid and for this page size.
    pub header: Option<WalHeader>,
    /// The header's bytes as read (zero-padded), valid or not: the seed of
    /// the next generation's salts.
    pub header_bytes: [u8; WAL_HEADER_SIZE],
    /// Frames up to the last commit, indexed.
    pub index: WalIndex<F, A>,
    /// The last commit frame and the running checksum after it.
    pub committed: Tip,
    /// The database size the last commit recorded; 0 without a commit.
    pub db_size: u32,
}

/// Recovers the log in `file`, for a database of `page_size`-byte pages.
/// Needs one frame-sized buffer while it runs, and the index it returns,
/// from `alloc`; the index keeps `index_budget` bytes in memory (see
/// [`WalIndex::set_budget`]).
pub(super) fn recover<F: File, A: Allocator + Clone>(
    file: &mut F,
    page_size: PageSize,
    index_budget: usize,
    alloc: A,
) -> Result<Recovered<F, A>> {
    let mut header_bytes = [0u8; WAL_HEADER_SIZE];
    let read = file.read_at(0, &mut header_bytes)?;
    let mut index = WalIndex::new_in(alloc.clone());
    index.set_budget(index_budget);
    let mut found = Recovered {
        header: None,
        header_bytes,
        index,
        committed: Tip::EMPTY,
        db_size: 0,
    };
    if read < WAL_HEADER_SIZE {
        return Ok(found);
    }
    let header = match WalHeader::parse(&header_bytes)? {
        Some(h) if h.page_size == page_size => h,
        _ => return Ok(found),
    };
    found.header = Some(header);

    let page_bytes = page_size.get() as usize;
    let frame_bytes = FRAME_HEADER_SIZE + page_bytes;
    let mut buffer = Vec::try_with_capacity_in(frame_bytes, alloc)?;
    buffer.try_resize(frame_bytes, 0)?;
    let whole_frames = file
        .size()?
        .saturating_sub(WAL_HEADER_SIZE as u64)
        .checked_div(frame_bytes as u64)
        .unwrap_or(0);
    let whole_frames = u32::try_from(whole_frames).unwrap_or(u32::MAX);

    let mut running = header.checksum();
    let mut frame = FrameNo::ONE;
    while frame.get() <= whole_frames {
        match file.read_exact_at(frame.offset(page_size.get()), &mut buffer) {
            Ok(()) => {}
            // The file shrank while being read: what is left is the log.
            Err(e) if e.kind() == ErrorKind::UnexpectedEof => break,
            Err(e) => return Err(e.into()),
        }
        let Some((head, data)) = buffer.split_first_chunk::<FRAME_HEADER_SIZE>() else {
            return Err(Error::Misuse("frame buffer shorter than a frame header"));
        };
        let Some(sealed) = FrameHeader::check(&header, running, head, data) else {
            break;
        };
        found.index.try_push(sealed.page, file)?;
        running = sealed.checksum;
        if sealed.is_commit() {
            found.committed = Tip {
                frame: frame.get(),
                checksum: running,
            };
            found.db_size = sealed.db_size;
        }
        match frame.next() {
            Some(next) => frame = next,
            None => break,
        }
    }
    found.index.truncate(found.committed.frame);
    Ok(found)
}
