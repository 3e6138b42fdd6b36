//! [`WalIndex`]: which frame holds which version of each page.
//!
//! SQLite keeps its index in the `-shm` file so processes can share it
//! (`shm` writes and reads that one). This one is private to a handle: a
//! copy of the page numbers of the frames it knows, for reads that do not
//! go through shared memory, or the only index where the file is held
//! exclusively. It lives in the allocator the database was given, and
//! growing it is fallible like every other allocation.
//!
//! Two parts, oldest frames first:
//! - `spilled`: frames moved to a temporary file of the platform once
//!   the index passed its memory budget, about 0.09 bytes a frame in
//!   memory (a transaction larger than the cache writes one frame per page
//!   it changes, so without this its index would grow with it);
//! - `blocks`: the newest frames, in memory, 10.5 bytes a frame in blocks
//!   of [`BLOCK_FRAMES`]; at most the budget's worth of blocks when the
//!   platform has temporary files, all of them when it has not.
//!
//! `recent` keeps the answers of recent lookups.
//!
//! Invariants:
//! - the spilled frames are `1..=s` and the blocks' frames `s+1..=len`;
//! - frames are only added at the end and dropped from the end (a
//!   rolled-back spill, an uncommitted tail found at recovery), and
//!   dropping needs no memory and no I/O; spilling a block changes no
//!   answer, so it keeps the recent answers;
//! - at most [`RETAINED_BLOCKS`] blocks beyond those in use stay
//!   allocated after the index is cleared.

mod blocks;
mod recent;
mod spilled;

use core::cell::RefCell;

use boundlite_platform::File;

use super::FrameNo;
use crate::alloc::Allocator;
use crate::{Error, PageNo, Result};
use blocks::Blocks;
#[cfg(test)]
pub(crate) use blocks::memory_bound;
pub use blocks::{BLOCK_BYTES, BLOCK_FRAMES, RETAINED_BLOCKS, frames_within};
use recent::Recent;
use spilled::Spilled;

/// The WAL index. See the module documentation.
///
/// ```
/// use boundlite::PageNo;
/// use boundlite::alloc::Global;
/// use boundlite::platform::{MemoryFile, MemoryPlatform, OpenMode, Platform};
/// use boundlite::wal::{FrameNo, WalIndex};
///
/// let disk = MemoryPlatform::new();
/// let log = (&disk).open("test.db-wal", OpenMode::Create)?;
/// let page = |n| PageNo::new(n).unwrap();
/// let mut index: WalIndex<MemoryFile<'_>, _> = WalIndex::new_in(Global);
/// index.try_push(page(2), &log)?; // frame 1
/// index.try_push(page(3), &log)?; // frame 2
/// index.try_push(page(2), &log)?; // frame 3
/// assert_eq!(index.find(page(2), 3)?, FrameNo::new(3));
/// assert_eq!(index.find(page(2), 2)?, FrameNo::new(1));
/// assert_eq!(index.find(page(3), 1)?, None);
/// index.truncate(2);
/// assert_eq!(index.find(page(2), 3)?, FrameNo::new(1));
/// # Ok::<(), boundlite::Error>(())
/// ```
pub struct WalIndex<F, A: Allocator> {
    blocks: Blocks<A>,
    spilled: RefCell<Spilled<F, A>>,
    /// Blocks in use past which the oldest spills.
    budget_blocks: usize,
    recent: Recent,
}

impl<F: File, A: Allocator + Clone> WalIndex<F, A> {
    /// An empty index in `alloc` that keeps every frame in memory;
    /// allocates nothing until the first frame.
    pub fn new_in(alloc: A) -> Self {
        WalIndex {
            blocks: Blocks::new_in(alloc.clone()),
            spilled: RefCell::new(Spilled::new_in(alloc)),
            budget_blocks: usize::MAX,
            recent: Recent::new(),
        }
    }

    /// Keeps at most `bytes` of blocks in memory (at least one block):
    /// past that, the oldest block of frames moves to a temporary file of
    /// the platform. `usize::MAX` keeps every frame in memory.
    pub fn set_budget(&mut self, bytes: usize) {
        self.budget_blocks = match bytes {
            usize::MAX => usize::MAX,
            bytes => (bytes / BLOCK_BYTES).max(1),
        };
    }

    /// The budget [`set_budget`](Self::set_budget) was given, in bytes
    /// of whole blocks (`usize::MAX`: none).
    pub fn budget(&self) -> usize {
        self.budget_blocks.saturating_mul(BLOCK_BYTES)
    }

    /// Indexes the next frame as holding `page` and returns its number.
    /// When the blocks in memory reach the budget, the oldest first moves
    /// to a temporary file of the platform `source` (the log file) came
    /// from. On error the index holds the frames it held.
    pub fn try_push(&mut self, page: PageNo, source: &F) -> Result<FrameNo> {
        if self.blocks.next_starts_block() && self.blocks.in_use() >= self.budget_blocks {
            self.spill_oldest(source)?;
        }
        self.blocks.try_push(page)
    }

    /// Forgets every frame after `frames`. Never allocates, no I/O.
    pub fn truncate(&mut self, frames: u32) {
        if frames >= self.len() {
            return;
        }
        self.recent.invalidate();
        self.blocks.truncate(frames);
        self.spilled.get_mut().truncate(frames);
    }

    /// Forgets every frame (the log restarts), keeping the memory of
    /// [`RETAINED_BLOCKS`] blocks for the next generation and giving the
    /// temporary file back.
    pub fn clear(&mut self) {
        self.recent.invalidate();
        self.blocks.clear(RETAINED_BLOCKS);
        self.spilled.get_mut().clear();
    }

    /// Moves the oldest block to the temporary file, when the platform
    /// has one.
    fn spill_oldest(&mut self, source: &F) -> Result<()> {
        let spilled = self.spilled.get_mut();
        if !spilled.ready(source)? {
            return Ok(());
        }
        let Some(pages) = self.blocks.first_full() else {
            return Ok(());
        };
        if spilled.frames() != self.blocks.base() {
            return Err(Error::Misuse("the spilled WAL index is out of step"));
        }
        // The block is taken before a merge can fail: it is forgotten
        // here either way once the file holds it.
        let taken = spilled.spill_block(pages);
        if spilled.frames() > self.blocks.base() {
            self.blocks.drop_first();
        }
        taken
    }
}

impl<F: File, A: Allocator> WalIndex<F, A> {
    /// Frames indexed: the number of the last one.
    pub fn len(&self) -> u32 {
        self.blocks.len()
    }

    /// Whether no frame is indexed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The page frame `frame` holds, if it is indexed.
    pub fn page_of(&self, frame: FrameNo) -> Result<Option<PageNo>> {
        if frame.get() > self.blocks.base() {
            return Ok(self.blocks.page_of(frame));
        }
        self.spilled_part()?.page_of(frame)
    }

    /// The latest frame holding `page`, whatever the snapshot.
    pub fn latest(&self, page: PageNo) -> Result<Option<FrameNo>> {
        self.find(page, self.len())
    }

    /// The latest frame at or below `snapshot` holding `page`: the version
    /// a reader whose snapshot ends at frame `snapshot` sees. `None` means
    /// the reader takes the page from the database file.
    #[inline]
    pub fn find(&self, page: PageNo, snapshot: u32) -> Result<Option<FrameNo>> {
        let Some(last) = FrameNo::new(snapshot.min(self.len())) else {
            return Ok(None);
        };
        match self.recent.get(page.get(), last.get()) {
            Some(known) => Ok(known),
            None => self.find_uncached(page, last),
        }
    }

    /// [`find`](Self::find) past the recent answers: the blocks, then the
    /// spilled frames.
    #[inline(never)]
    fn find_uncached(&self, page: PageNo, last: FrameNo) -> Result<Option<FrameNo>> {
        let found = match self.blocks.find(page, last) {
            Some(frame) => Some(frame),
            None if self.blocks.base() > 0 => self.spilled_part()?.find(page, last.get())?,
            None => None,
        };
        self.recent.put(page.get(), last.get(), found);
        Ok(found)
    }

    /// Frames moved to the temporary file: `1..=spilled_frames()`.
    pub fn spilled_frames(&self) -> u32 {
        self.blocks.base()
    }

    /// Bytes the index holds in its allocator.
    pub fn memory_bytes(&self) -> usize {
        let spilled = self.spilled.try_borrow().map_or(0, |s| s.memory_bytes());
        self.blocks.memory_bytes() + spilled
    }

    fn spilled_part(&self) -> Result<core::cell::RefMut<'_, Spilled<F, A>>> {
        self.spilled
            .try_borrow_mut()
            .map_err(|_| Error::Misuse("the WAL index was entered again"))
    }
}

impl<F, A: Allocator> core::fmt::Debug for WalIndex<F, A> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WalIndex")
            .field("frames", &self.blocks.len())
            .field("spilled", &self.blocks.base())
            .finish_non_exhaustive()
    }
}
