//! [`PageMemo`]: where the pages one snapshot reads were last found in
//! the cache, so that a cursor coming back to a page (the root and inner
//! pages of every seek, the leaf a row is read from after its seek) skips
//! the log's index and the cache's hash table.
//!
//! Invariants:
//! - an entry names a page, the version of it the snapshot reads, and the
//!   frame that held that version; it is trusted only while the frame
//!   still holds exactly that key, so an evicted or reassigned frame is a
//!   miss, never a wrong page;
//! - a memo serves one snapshot: which version of a page a snapshot reads
//!   never changes while the snapshot is held, and its owner clears the
//!   memo whenever it reads through another (by moving to the next
//!   generation: an entry of an earlier one is a miss, and every slot is
//!   emptied when the count wraps);
//! - it allocates nothing: a fixed array of cells, direct-mapped by page
//!   number.

use core::cell::Cell;

use super::cache::{FrameId, Version};
use crate::PageNo;

/// Entries in a memo: enough for the inner pages of a few trees and the
/// leaves a join's loops are on, and for every page of a database of a
/// few hundred kilobytes (a seek in a table of a few thousand rows lands
/// on leaves all over it). 24 bytes each.
const SLOTS: usize = 128;

/// One remembered page: the generation it was remembered in, its number,
/// the version read, the frame.
type Entry = (u32, PageNo, Version, FrameId);

/// Where one snapshot's pages were last found in the cache.
pub(crate) struct PageMemo {
    slots: [Cell<Option<Entry>>; SLOTS],
    /// The generation entries are trusted in: the count of clears.
    generation: Cell<u32>,
}

impl PageMemo {
    /// A memo that remembers nothing.
    pub(crate) const fn new() -> Self {
        PageMemo {
            slots: [const { Cell::new(None) }; SLOTS],
            generation: Cell::new(0),
        }
    }

    /// Forgets every entry: the owner reads another snapshot. A clear
    /// per statement costs one store, not one per slot.
    pub(crate) fn clear(&self) {
        let next = self.generation.get().wrapping_add(1);
        if next == 0 {
            // An entry of generation 0 would be trusted again.
            for slot in &self.slots {
                slot.set(None);
            }
        }
        self.generation.set(next);
    }

    /// The version of page `no` read and the frame it was found in, if
    /// remembered.
    pub(super) fn get(&self, no: PageNo) -> Option<(Version, FrameId)> {
        match self.slot(no)?.get() {
            Some((generation, page, version, id))
                if page == no && generation == self.generation.get() =>
            {
                Some((version, id))
            }
            _ => None,
        }
    }

    /// Remembers that page `no`, in `version`, was found in frame `id`.
    pub(super) fn put(&self, no: PageNo, version: Version, id: FrameId) {
        if let Some(slot) = self.slot(no) {
            slot.set(Some((self.generation.get(), no, version, id)));
        }
    }

    fn slot(&self, no: PageNo) -> Option<&Cell<Option<Entry>>> {
        // SLOTS is a power of two: the low bits of the page number.
        self.slots.get(no.get() as usize & (SLOTS - 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clear_forgets_every_entry_even_when_its_count_wraps() {
        let (Some(seven), Some(eight)) = (PageNo::new(7), PageNo::new(8)) else {
            panic!("page numbers");
        };
        let memo = PageMemo::new();
        memo.put(seven, Version::File, 3);
        assert_eq!(memo.get(seven), Some((Version::File, 3)));
        assert_eq!(memo.get(eight), None);
        memo.clear();
        assert_eq!(memo.get(seven), None);
        memo.put(eight, Version::Uncommitted, 4);
        assert_eq!(memo.get(eight), Some((Version::Uncommitted, 4)));

        // An entry of generation 0, then as many clears as wrap the count
        // back to 0: the entry is forgotten all the same.
        let memo = PageMemo::new();
        memo.put(seven, Version::File, 5);
        memo.generation.set(u32::MAX);
        memo.clear();
        assert_eq!(memo.generation.get(), 0);
        assert_eq!(memo.get(seven), None);
    }
}
