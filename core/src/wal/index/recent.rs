//! [`Recent`]: the answers of recent index lookups, kept inside the index
//! (a direct-mapped table that allocates nothing).
//!
//! Invariant: an answer is used only while no frame it was given for has
//! been dropped: truncating or clearing the index forgets them all.

use core::cell::Cell;

use super::super::FrameNo;

/// Entries in [`Recent`]: a B-tree's root and interior pages, read by
/// every statement, fit with room to spare.
pub(super) const RECENT_ENTRIES: usize = 32;

/// The answers of recent `WalIndex::find` calls, one per slot of a
/// direct-mapped table: every page read in a transaction resolves its
/// version here first, and most reads are of the few pages at the top of
/// a tree, so a hit saves the walk down the blocks.
///
/// An answer for frames up to `last` holds until a frame at or below
/// `last` changes, which only `WalIndex::truncate` and
/// `WalIndex::clear` do: each starts a generation, and an entry of an
/// older generation is never used. Appending frames changes nothing at or
/// below any `last` already answered for.
pub(super) struct Recent {
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
    pub(super) fn new() -> Self {
        Recent {
            entries: Default::default(),
            generation: 1,
        }
    }

    #[inline]
    fn slot(&self, page: u32) -> Option<&Cell<RecentEntry>> {
        let h = page.wrapping_mul(0x9E37_79B1) >> (32 - RECENT_ENTRIES.trailing_zeros());
        self.entries.get(h as usize)
    }

    /// The answer for `page` up to frame `last`, if one is known:
    /// `Some(None)` when the page has no frame there.
    #[inline]
    pub(super) fn get(&self, page: u32, last: u32) -> Option<Option<FrameNo>> {
        let entry = self.slot(page)?.get();
        (entry.page == page && entry.last == last && entry.generation == self.generation)
            .then(|| FrameNo::new(entry.frame))
    }

    pub(super) fn put(&self, page: u32, last: u32, frame: Option<FrameNo>) {
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
    pub(super) fn invalidate(&mut self) {
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
