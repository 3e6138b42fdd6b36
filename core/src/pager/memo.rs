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
//!   memo whenever it reads through another;
//! - it allocates nothing: a fixed array of cells, direct-mapped by page
//!   number.

use core::cell::Cell;

use super::cache::{FrameId, Version};
use crate::PageNo;

/// Entries in a memo: enough for the inner pages of a few trees and the
/// leaves a join's loops are on.
const SLOTS: usize = 32;

/// One remembered page: its number, the version read, the frame.
type Entry = (PageNo, Version, FrameId);

/// Where one snapshot's pages were last found in the cache.
pub(crate) struct PageMemo {
    slots: [Cell<Option<Entry>>; SLOTS],
}

impl PageMemo {
    /// A memo that remembers nothing.
    pub(crate) const fn new() -> Self {
        PageMemo {
            slots: [const { Cell::new(None) }; SLOTS],
        }
    }

    /// Forgets every entry: the owner reads another snapshot.
    pub(crate) fn clear(&self) {
        for slot in &self.slots {
            slot.set(None);
        }
    }

    /// The version of page `no` read and the frame it was found in, if
    /// remembered.
    pub(super) fn get(&self, no: PageNo) -> Option<(Version, FrameId)> {
        match self.slot(no)?.get() {
            Some((page, version, id)) if page == no => Some((version, id)),
            _ => None,
        }
    }

    /// Remembers that page `no`, in `version`, was found in frame `id`.
    pub(super) fn put(&self, no: PageNo, version: Version, id: FrameId) {
        if let Some(slot) = self.slot(no) {
            slot.set(Some((no, version, id)));
        }
    }

    fn slot(&self, no: PageNo) -> Option<&Cell<Option<Entry>>> {
        // SLOTS is a power of two: the low bits of the page number.
        self.slots.get(no.get() as usize & (SLOTS - 1))
    }
}
