//! [`WalIndex`]: which frame holds which version of each page, in memory.
//!
//! SQLite keeps its index in the `-shm` file so processes can share it
//! (`shm` writes and reads that one). This one is private to a handle: a
//! copy of the page numbers of the frames it knows, for reads that do not
//! go through shared memory, or the only index where the file is held
//! exclusively. It lives in the allocator the database was given, and
//! growing it is fallible like every other allocation.
//!
//! Structure: SQLite's, in smaller blocks. Frames are grouped in blocks of
//! [`BLOCK_FRAMES`]; a block holds the page number of each of its frames,
//! the block's previous frame of the same page, an open-addressing hash
//! table of twice as many 2-byte slots (one per page the block holds,
//! naming its latest frame there) and a filter of the pages it holds. So
//! every frame costs 10.5 bytes whatever page it holds, memory grows one
//! [`BLOCK_BYTES`] block at a time (never by reallocating what it has),
//! and a transaction's frames cost `10.5 × frames` plus less than one
//! block. The version a snapshot
//! sees is found by probing the blocks from the one holding the
//! snapshot's last frame down to the first, each in one short hash chain
//! of distinct pages and then back along the page's frames to the
//! snapshot, each skipped at once when its 128-byte filter of the pages it holds
//! says the page is not there.
//! Dropping the newest frames (a rolled-back spill, an uncommitted tail
//! found at recovery) clears their slots without allocating.
//!
//! Invariants:
//! - frame `n` is entry `(n - 1) % BLOCK_FRAMES` of block
//!   `(n - 1) / BLOCK_FRAMES`, for every frame `1..=len`; entries past
//!   `len` are 0;
//! - a block's hash table holds exactly one slot per page its frames up
//!   to `len` hold, placed by linear probing from the page's hash when its
//!   first frame there was indexed, naming its latest frame; each frame
//!   links to the block's previous frame of its page. Slots are only added
//!   in frame order and only removed from the newest frame down, so every
//!   chain stays unbroken;
//! - a block's filter has the bit of every page its frames up to `len`
//!   hold (it may have others: truncating part of a block leaves bits);
//! - an answer kept from a recent lookup (a direct-mapped table of
//!   [`RECENT_ENTRIES`], inside the index, allocating nothing) is used
//!   only while no frame it was given for has been dropped: truncating or
//!   clearing forgets them all;
//! - at most [`RETAINED_BLOCKS`] blocks beyond those in use stay allocated
//!   after the index is cleared; truncating frees nothing, so a rollback
//!   never needs memory to undo it.

use core::cell::Cell;
use core::mem::size_of;

use super::FrameNo;
use crate::alloc::{Allocator, Box, Vec};
use crate::{Error, PageNo, Result};

/// Frames per block.
pub const BLOCK_FRAMES: usize = 256;

/// Words of a block's page filter: 1,024 bits, four per frame, so a block
/// that does not hold a page is skipped without probing at least three
/// times in four.
const FILTER_WORDS: usize = 16;

/// Hash slots per block: twice the frames, so chains stay short and a slot
/// is always free.
const BLOCK_SLOTS: usize = BLOCK_FRAMES * 2;

/// Bytes of one block: a 4-byte page number, a 2-byte link, two 2-byte
/// slots and half a byte of filter a frame.
pub const BLOCK_BYTES: usize = size_of::<Block>();

/// Blocks kept allocated when the index is cleared (the log restarts):
/// enough for a log checkpointed at SQLite's default 1000 frames, so that
/// steady small transactions do not allocate again with each restart.
pub const RETAINED_BLOCKS: usize = 4;

/// One block of frames. See the module documentation.
struct Block {
    /// The page each frame holds; 0 past the last frame.
    pages: [u32; BLOCK_FRAMES],
    /// For each page the block holds, one slot: its latest entry + 1; 0
    /// for an empty slot.
    slots: [u16; BLOCK_SLOTS],
    /// For each entry, the block's previous entry + 1 holding the same
    /// page; 0 for the first.
    prev: [u16; BLOCK_FRAMES],
    /// One bit per page hash, set for every page an entry holds.
    filter: [u64; FILTER_WORDS],
}

/// The filter word and bit of `page` (a multiplicative hash, so runs of
/// neighbouring pages spread over the words).
fn filter_bit(page: u32) -> (usize, u64) {
    let h = page.wrapping_mul(0x9E37_79B1) >> 22;
    ((h as usize >> 6) % FILTER_WORDS, 1u64 << (h & 63))
}

impl Block {
    const EMPTY: Block = Block {
        pages: [0; BLOCK_FRAMES],
        slots: [0; BLOCK_SLOTS],
        prev: [0; BLOCK_FRAMES],
        filter: [0; FILTER_WORDS],
    };

    /// Whether the filter lets `page` through: it may be in the block.
    fn may_hold(&self, page: u32) -> bool {
        let (word, bit) = filter_bit(page);
        self.filter.get(word).is_some_and(|w| w & bit != 0)
    }

    /// The slot of `page`: the one naming its latest entry, or the empty
    /// slot its chain ends at.
    fn slot_of(&self, page: u32) -> Option<usize> {
        let mut slot = hash(page);
        // A slot is always free, so the chain ends within one turn.
        for _ in 0..BLOCK_SLOTS {
            match *self.slots.get(slot)? {
                0 => return Some(slot),
                e if self.pages.get(usize::from(e) - 1) == Some(&page) => return Some(slot),
                _ => slot = (slot + 1) % BLOCK_SLOTS,
            }
        }
        None
    }

    /// The latest entry at or below `last` holding `page`.
    fn find(&self, page: u32, last: usize) -> Option<usize> {
        if !self.may_hold(page) {
            return None;
        }
        let mut entry = usize::from(*self.slots.get(self.slot_of(page)?)?).checked_sub(1)?;
        while entry > last {
            entry = usize::from(*self.prev.get(entry)?).checked_sub(1)?;
        }
        Some(entry)
    }

    /// Records that entry `entry`, past every other, holds `page`.
    fn insert(&mut self, entry: usize, page: u32) {
        let (Ok(value), Some(slot)) = (u16::try_from(entry + 1), self.slot_of(page)) else {
            return;
        };
        if let (Some(at), Some(prev), Some(latest)) = (
            self.pages.get_mut(entry),
            self.prev.get_mut(entry),
            self.slots.get_mut(slot),
        ) {
            *at = page;
            *prev = core::mem::replace(latest, value);
        }
        let (word, bit) = filter_bit(page);
        if let Some(w) = self.filter.get_mut(word) {
            *w |= bit;
        }
    }

    /// Forgets entries `keep..`, newest first, so each page's slot goes
    /// back to its previous entry. A slot emptied this way is its page's
    /// first entry's, and every slot a later chain passed it for belongs
    /// to a page first written after it, emptied before it: no chain
    /// breaks.
    fn truncate(&mut self, keep: usize) {
        for entry in (keep..BLOCK_FRAMES).rev() {
            let page = match self.pages.get(entry) {
                Some(0) | None => continue,
                Some(&page) => page,
            };
            let prev = self.prev.get(entry).copied().unwrap_or(0);
            if let Some(slot) = self.slot_of(page).and_then(|s| self.slots.get_mut(s)) {
                *slot = prev;
            }
            if let (Some(at), Some(link)) = (self.pages.get_mut(entry), self.prev.get_mut(entry)) {
                *at = 0;
                *link = 0;
            }
        }
        if keep == 0 {
            self.filter = [0; FILTER_WORDS];
        }
    }
}

/// The first slot a page's chain starts at (SQLite's multiplier).
fn hash(page: u32) -> usize {
    (page as usize).wrapping_mul(383) % BLOCK_SLOTS
}

/// The in-memory WAL index. See the module documentation.
///
/// ```
/// use boundlite::PageNo;
/// use boundlite::alloc::Global;
/// use boundlite::wal::{FrameNo, WalIndex};
///
/// let page = |n| PageNo::new(n).unwrap();
/// let mut index = WalIndex::new_in(Global);
/// index.try_push(page(2))?; // frame 1
/// index.try_push(page(3))?; // frame 2
/// index.try_push(page(2))?; // frame 3
/// assert_eq!(index.find(page(2), 3), FrameNo::new(3));
/// assert_eq!(index.find(page(2), 2), FrameNo::new(1));
/// assert_eq!(index.find(page(3), 1), None);
/// index.truncate(2);
/// assert_eq!(index.find(page(2), 3), FrameNo::new(1));
/// # Ok::<(), boundlite::Error>(())
/// ```
pub struct WalIndex<A: Allocator> {
    /// Blocks in frame order; those past the one holding frame `len` are
    /// empty, kept for the frames to come.
    blocks: Vec<Box<Block, A>, A>,
    len: u32,
    alloc: A,
    /// The answers of recent lookups.
    recent: Recent,
}

/// Entries in [`Recent`]: a B-tree's root and interior pages, read by
/// every statement, fit with room to spare.
const RECENT_ENTRIES: usize = 32;

/// The answers of recent [`WalIndex::find`] calls, one per slot of a
/// direct-mapped table: every page read in a transaction resolves its
/// version here first, and most reads are of the few pages at the top of
/// a tree, so a hit saves the walk down the blocks.
///
/// An answer for frames up to `last` holds until a frame at or below
/// `last` changes, which only [`WalIndex::truncate`] and
/// [`WalIndex::clear`] do: each starts a generation, and an entry of an
/// older generation is never used. Appending frames changes nothing at or
/// below any `last` already answered for.
struct Recent {
    entries: [Cell<RecentEntry>; RECENT_ENTRIES],
    /// Generation 0 is never current, so the initial entries never match.
    generation: u32,
}

#[derive(Clone, Copy, Default)]
struct RecentEntry {
    page: u32,
    last: u32,
    generation: u32,
    /// The frame found, or 0 for none.
    frame: u32,
}

impl Recent {
    fn new() -> Self {
        Recent {
            entries: Default::default(),
            generation: 1,
        }
    }

    fn slot(&self, page: u32) -> Option<&Cell<RecentEntry>> {
        let h = page.wrapping_mul(0x9E37_79B1) >> (32 - RECENT_ENTRIES.trailing_zeros());
        self.entries.get(h as usize)
    }

    /// The answer for `page` up to frame `last`, if one is known:
    /// `Some(None)` when the page has no frame there.
    fn get(&self, page: u32, last: u32) -> Option<Option<FrameNo>> {
        let entry = self.slot(page)?.get();
        (entry.page == page && entry.last == last && entry.generation == self.generation)
            .then(|| FrameNo::new(entry.frame))
    }

    fn put(&self, page: u32, last: u32, frame: Option<FrameNo>) {
        if let Some(slot) = self.slot(page) {
            slot.set(RecentEntry {
                page,
                last,
                generation: self.generation,
                frame: frame.map_or(0, FrameNo::get),
            });
        }
    }

    /// Forgets every answer: frames they were given for have changed.
    fn invalidate(&mut self) {
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            // After 2^32 generations an old entry could match again.
            for entry in &self.entries {
                entry.set(RecentEntry::default());
            }
            self.generation = 1;
        }
    }
}

impl<A: Allocator + Clone> WalIndex<A> {
    /// An empty index in `alloc`; allocates nothing until the first frame.
    pub fn new_in(alloc: A) -> Self {
        WalIndex {
            blocks: Vec::new_in(alloc.clone()),
            len: 0,
            alloc,
            recent: Recent::new(),
        }
    }

    /// Indexes the next frame as holding `page` and returns its number. On
    /// error the index is unchanged.
    pub fn try_push(&mut self, page: PageNo) -> Result<FrameNo> {
        let frame = self
            .len
            .checked_add(1)
            .and_then(FrameNo::new)
            .ok_or(Error::Full)?;
        let (block, entry) = position(frame);
        if block >= self.blocks.len() {
            self.add_block()?;
        }
        let block = self
            .blocks
            .get_mut(block)
            .ok_or(Error::Misuse("the WAL index lost a block"))?;
        block.insert(entry, page.get());
        self.len = frame.get();
        Ok(frame)
    }

    /// Makes room for `frames` more frames, so that pushing them cannot
    /// fail for lack of memory.
    pub fn try_reserve(&mut self, frames: usize) -> Result<()> {
        let wanted = (self.len as usize)
            .saturating_add(frames)
            .div_ceil(BLOCK_FRAMES);
        while self.blocks.len() < wanted {
            self.add_block()?;
        }
        Ok(())
    }

    fn add_block(&mut self) -> Result<()> {
        self.blocks.try_reserve(1)?;
        let block = Box::try_new_in(Block::EMPTY, self.alloc.clone())?;
        self.blocks.try_push(block)?;
        Ok(())
    }
}

impl<A: Allocator> WalIndex<A> {
    /// Frames indexed: the number of the last one.
    pub fn len(&self) -> u32 {
        self.len
    }

    /// Whether no frame is indexed.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The page frame `frame` holds, if it is indexed.
    pub fn page_of(&self, frame: FrameNo) -> Option<PageNo> {
        if frame.get() > self.len {
            return None;
        }
        let (block, entry) = position(frame);
        PageNo::new(*self.blocks.get(block)?.pages.get(entry)?)
    }

    /// The latest frame holding `page`, whatever the snapshot.
    pub fn latest(&self, page: PageNo) -> Option<FrameNo> {
        self.find(page, self.len)
    }

    /// The latest frame at or below `snapshot` holding `page`: the version
    /// a reader whose snapshot ends at frame `snapshot` sees. `None` means
    /// the reader takes the page from the database file.
    pub fn find(&self, page: PageNo, snapshot: u32) -> Option<FrameNo> {
        let last = FrameNo::new(snapshot.min(self.len))?;
        if let Some(known) = self.recent.get(page.get(), last.get()) {
            return known;
        }
        let found = self.find_in_blocks(page, last);
        self.recent.put(page.get(), last.get(), found);
        found
    }

    /// [`find`](Self::find) by walking the blocks down from frame `last`.
    fn find_in_blocks(&self, page: PageNo, last: FrameNo) -> Option<FrameNo> {
        let (top, top_entry) = position(last);
        for b in (0..=top).rev() {
            let limit = if b == top {
                top_entry
            } else {
                BLOCK_FRAMES - 1
            };
            if let Some(entry) = self.blocks.get(b)?.find(page.get(), limit) {
                let n = b * BLOCK_FRAMES + entry + 1;
                return u32::try_from(n).ok().and_then(FrameNo::new);
            }
        }
        None
    }

    /// Forgets every frame after `frames`. Never allocates.
    pub fn truncate(&mut self, frames: u32) {
        if frames >= self.len {
            return;
        }
        self.recent.invalidate();
        let keep = frames as usize;
        let first = keep / BLOCK_FRAMES;
        let last = (self.len as usize - 1) / BLOCK_FRAMES;
        for b in first..=last {
            if let Some(block) = self.blocks.get_mut(b) {
                block.truncate(if b == first { keep % BLOCK_FRAMES } else { 0 });
            }
        }
        self.len = frames;
    }

    /// Forgets every frame (the log restarts), keeping the memory of
    /// [`RETAINED_BLOCKS`] blocks for the next generation.
    pub fn clear(&mut self) {
        self.truncate(0);
        self.blocks.truncate(RETAINED_BLOCKS);
    }

    /// Bytes the index holds in its allocator.
    pub fn memory_bytes(&self) -> usize {
        self.blocks.len() * BLOCK_BYTES + self.blocks.capacity() * size_of::<Box<Block, A>>()
    }

    /// An upper bound on the bytes an index of `frames` frames holds, and
    /// takes while it grows there: 8 bytes a frame in whole blocks, and
    /// the list of blocks at the moment it is reallocated.
    pub const fn memory_bound(frames: usize) -> usize {
        let blocks = frames.div_ceil(BLOCK_FRAMES);
        // The block list at most doubles past what it needs (at least 4),
        // and while it moves both copies are held.
        let list = if blocks < 4 { 4 } else { blocks * 2 };
        blocks * BLOCK_BYTES + (list + list / 2) * size_of::<Box<Block, A>>()
    }

    /// The most frames an index may hold while [`memory_bound`](Self::memory_bound)
    /// stays within `budget` bytes (0 if not even one fits): a checkpoint
    /// threshold that keeps the index within a memory budget, given that
    /// the log restarts before it grows further.
    pub const fn frames_within(budget: usize) -> usize {
        if Self::memory_bound(1) > budget {
            return 0;
        }
        // The bound grows with the frame count: search for its last fit.
        let (mut fits, mut exceeds) = (1usize, 2usize);
        while Self::memory_bound(exceeds) <= budget {
            fits = exceeds;
            exceeds = match exceeds.checked_mul(2) {
                Some(n) => n,
                None => return fits,
            };
        }
        while exceeds - fits > 1 {
            let mid = fits + (exceeds - fits) / 2;
            if Self::memory_bound(mid) <= budget {
                fits = mid;
            } else {
                exceeds = mid;
            }
        }
        fits
    }
}

/// The block and entry of `frame`.
fn position(frame: FrameNo) -> (usize, usize) {
    let at = frame.get() as usize - 1;
    (at / BLOCK_FRAMES, at % BLOCK_FRAMES)
}

impl<A: Allocator> core::fmt::Debug for WalIndex<A> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WalIndex")
            .field("frames", &self.len)
            .field("blocks", &self.blocks.len())
            .finish()
    }
}
