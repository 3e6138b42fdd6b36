//! [`Blocks`]: the frames the index holds in memory.
//!
//! Structure: SQLite's hash tables, in smaller blocks. Frames are grouped
//! in blocks of [`BLOCK_FRAMES`]; a block holds the page number of each of
//! its frames, the block's previous frame of the same page, an
//! open-addressing hash table of twice as many 2-byte slots (one per page
//! the block holds, naming its latest frame there) and a filter of the
//! pages it holds. So every frame costs 10.5 bytes whatever page it holds,
//! and memory grows one [`BLOCK_BYTES`] block at a time (never by
//! reallocating what it has). The version a snapshot sees is found by
//! probing the blocks from the one holding the snapshot's last frame down
//! to the first, each in one short hash chain of distinct pages and then
//! back along the page's frames to the snapshot, each skipped at once when
//! its 128-byte filter says the page is not there.
//!
//! The blocks hold the frames after `base`; the frames up to it were
//! spilled (see `spilled`), oldest block first.
//!
//! Invariants:
//! - frame `n > base` is entry `(n - base - 1) % BLOCK_FRAMES` of block
//!   `(n - base - 1) / BLOCK_FRAMES`, for every frame `base + 1..=len`;
//!   entries past `len` are 0;
//! - a block's hash table holds exactly one slot per page its frames up
//!   to `len` hold, placed by linear probing from the page's hash when its
//!   first frame there was indexed, naming its latest frame; each frame
//!   links to the block's previous frame of its page. Slots are only added
//!   in frame order and only removed from the newest frame down, so every
//!   chain stays unbroken;
//! - a block's filter has the bit of every page its frames up to `len`
//!   hold (it may have others: truncating part of a block leaves bits);
//! - truncating frees nothing, so a rollback never needs memory to undo
//!   it, and spilling the first block moves its memory to the end for the
//!   frames to come.

use core::mem::size_of;

use super::super::FrameNo;
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
pub(super) struct Block {
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

/// The frames after `base`, in blocks. See the module documentation.
pub(super) struct Blocks<A: Allocator> {
    /// Blocks in frame order; those past the one holding frame `len` are
    /// empty, kept for the frames to come.
    blocks: Vec<Box<Block, A>, A>,
    /// The frames before the first block's (spilled).
    base: u32,
    len: u32,
    alloc: A,
}

impl<A: Allocator + Clone> Blocks<A> {
    pub(super) fn new_in(alloc: A) -> Self {
        Blocks {
            blocks: Vec::new_in(alloc.clone()),
            base: 0,
            len: 0,
            alloc,
        }
    }

    /// Indexes the next frame as holding `page` and returns its number. On
    /// error the blocks are unchanged.
    pub(super) fn try_push(&mut self, page: PageNo) -> Result<FrameNo> {
        let frame = self
            .len
            .checked_add(1)
            .and_then(FrameNo::new)
            .ok_or(Error::Full)?;
        let (block, entry) = self.position(frame);
        if block >= self.blocks.len() {
            self.blocks.try_reserve(1)?;
            let added = Box::try_new_in(Block::EMPTY, self.alloc.clone())?;
            self.blocks.try_push(added)?;
        }
        let block = self
            .blocks
            .get_mut(block)
            .ok_or(Error::Misuse("the WAL index lost a block"))?;
        block.insert(entry, page.get());
        self.len = frame.get();
        Ok(frame)
    }
}

impl<A: Allocator> Blocks<A> {
    /// The last frame indexed.
    pub(super) fn len(&self) -> u32 {
        self.len
    }

    /// The frames before the first block's.
    pub(super) fn base(&self) -> u32 {
        self.base
    }

    /// Blocks holding at least one frame.
    pub(super) fn in_use(&self) -> usize {
        ((self.len - self.base) as usize).div_ceil(BLOCK_FRAMES)
    }

    /// Whether the next frame starts a block.
    pub(super) fn next_starts_block(&self) -> bool {
        ((self.len - self.base) as usize) % BLOCK_FRAMES == 0
    }

    /// Whether the first block holds all its frames.
    fn first_is_full(&self) -> bool {
        (self.len - self.base) as usize >= BLOCK_FRAMES
    }

    /// The pages of the first block's frames, `base + 1 ..`, when it is
    /// full.
    pub(super) fn first_full(&self) -> Option<&[u32; BLOCK_FRAMES]> {
        if !self.first_is_full() {
            return None;
        }
        self.blocks.first().map(|b| &b.pages)
    }

    /// Forgets the first block (its frames were spilled) and keeps its
    /// memory, emptied, for the frames to come. Never allocates.
    pub(super) fn drop_first(&mut self) {
        if !self.first_is_full() {
            return;
        }
        self.blocks.as_mut_slice().rotate_left(1);
        if let Some(last) = self.blocks.last_mut() {
            last.truncate(0);
        }
        self.base += BLOCK_FRAMES as u32;
    }

    /// The page frame `frame` holds, if a block holds it.
    pub(super) fn page_of(&self, frame: FrameNo) -> Option<PageNo> {
        if frame.get() > self.len || frame.get() <= self.base {
            return None;
        }
        let (block, entry) = self.position(frame);
        PageNo::new(*self.blocks.get(block)?.pages.get(entry)?)
    }

    /// The latest frame at or below `last` (at most `len`) that holds
    /// `page`, among the blocks' frames.
    pub(super) fn find(&self, page: PageNo, last: FrameNo) -> Option<FrameNo> {
        if last.get() <= self.base {
            return None;
        }
        let (top, top_entry) = self.position(last);
        for b in (0..=top).rev() {
            let limit = if b == top {
                top_entry
            } else {
                BLOCK_FRAMES - 1
            };
            if let Some(entry) = self.blocks.get(b)?.find(page.get(), limit) {
                let n = self.base as usize + b * BLOCK_FRAMES + entry + 1;
                return u32::try_from(n).ok().and_then(FrameNo::new);
            }
        }
        None
    }

    /// Forgets every frame after `frames`. When that is before the first
    /// block's frames, every block empties and the frames after `frames`
    /// come here next. Never allocates.
    pub(super) fn truncate(&mut self, frames: u32) {
        if frames >= self.len {
            return;
        }
        if self.len > self.base {
            let last = (self.len - self.base - 1) as usize / BLOCK_FRAMES;
            let keep = frames.saturating_sub(self.base) as usize;
            let first = keep / BLOCK_FRAMES;
            for b in first..=last {
                if let Some(block) = self.blocks.get_mut(b) {
                    block.truncate(if b == first { keep % BLOCK_FRAMES } else { 0 });
                }
            }
        }
        self.base = self.base.min(frames);
        self.len = frames;
    }

    /// Forgets every frame, keeping the memory of `retained` blocks.
    pub(super) fn clear(&mut self, retained: usize) {
        self.truncate(0);
        self.blocks.truncate(retained);
    }

    /// Bytes the blocks hold in their allocator.
    pub(super) fn memory_bytes(&self) -> usize {
        self.blocks.len() * BLOCK_BYTES + self.blocks.capacity() * size_of::<Box<Block, A>>()
    }

    /// The block and entry of `frame`, which is past `base`.
    fn position(&self, frame: FrameNo) -> (usize, usize) {
        let at = (frame.get() - self.base - 1) as usize;
        (at / BLOCK_FRAMES, at % BLOCK_FRAMES)
    }
}

/// An upper bound on the bytes blocks of `frames` frames hold, and take
/// while they grow there: 10.5 bytes a frame in whole blocks, and the
/// list of blocks at the moment it is reallocated.
pub const fn memory_bound(frames: usize) -> usize {
    let blocks = frames.div_ceil(BLOCK_FRAMES);
    // The block list at most doubles past what it needs (at least 4),
    // and while it moves both copies are held; a block's handle is a
    // pointer and at most a pointer-sized allocator.
    let list = if blocks < 4 {
        4
    } else {
        blocks.saturating_mul(2)
    };
    let handles = list
        .saturating_add(list / 2)
        .saturating_mul(2 * size_of::<usize>());
    blocks.saturating_mul(BLOCK_BYTES).saturating_add(handles)
}

/// The most frames blocks may hold while [`memory_bound`] stays within
/// `budget` bytes (0 if not even one fits).
pub const fn frames_within(budget: usize) -> usize {
    if memory_bound(1) > budget {
        return 0;
    }
    // The bound grows with the frame count: search for its last fit.
    let (mut fits, mut exceeds) = (1usize, 2usize);
    while memory_bound(exceeds) <= budget {
        fits = exceeds;
        exceeds = match exceeds.checked_mul(2) {
            Some(n) => n,
            None => return fits,
        };
    }
    while exceeds - fits > 1 {
        let mid = fits + (exceeds - fits) / 2;
        if memory_bound(mid) <= budget {
            fits = mid;
        } else {
            exceeds = mid;
        }
    }
    fits
}
