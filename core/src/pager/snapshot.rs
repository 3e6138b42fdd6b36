//! Read snapshots: what one read transaction sees, and the registry of
//! snapshots in use.
//!
//! A [`Snapshot`] names the database as of one commit: how many pages it
//! had and how much of the write-ahead log it includes. A
//! [`ReadTransaction`] holds one for its whole life, so everything it reads
//! is from that commit, whatever is committed meanwhile. The pager keeps
//! the log frames a registered snapshot needs: a checkpoint never copies a
//! frame past the oldest one, and the log is never restarted while any
//! snapshot is registered.
//!
//! The registry is a fixed array of [`MAX_READERS`] slots, so holding
//! snapshots costs no allocation; one more concurrent reader is `Busy`.

use core::cell::Cell;

use boundlite_platform::File;

use super::Pager;
use crate::alloc::Allocator;
use crate::btree::PageSource;
use crate::pager::PageRef;
use crate::{Error, PageNo, Result};

/// Read transactions that may be open at once on one database.
pub const MAX_READERS: usize = 16;

/// The database as of one commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Snapshot {
    /// Frames of the write-ahead log the snapshot includes (0: none).
    pub(crate) log_end: u32,
    /// Pages in the database as of the commit.
    pub(crate) page_count: u32,
}

impl Snapshot {
    /// Pages in the database as of this snapshot.
    pub fn page_count(&self) -> u32 {
        self.page_count
    }
}

/// The snapshots registered by open read transactions, by log end.
pub(crate) struct Readers {
    slots: [Cell<Option<u32>>; MAX_READERS],
}

impl Readers {
    pub(crate) fn new() -> Self {
        Self {
            slots: core::array::from_fn(|_| Cell::new(None)),
        }
    }

    fn acquire(&self, log_end: u32) -> Result<usize> {
        let (index, slot) = self
            .slots
            .iter()
            .enumerate()
            .find(|(_, slot)| slot.get().is_none())
            .ok_or(Error::Busy)?;
        slot.set(Some(log_end));
        Ok(index)
    }

    fn release(&self, index: usize) {
        if let Some(slot) = self.slots.get(index) {
            slot.set(None);
        }
    }

    /// The log end of every open read transaction's snapshot.
    pub(crate) fn log_ends(&self) -> impl Iterator<Item = u32> + '_ {
        self.slots.iter().filter_map(Cell::get)
    }
}

/// A read transaction: a snapshot held open, and the pages as of it.
/// Cursors take it as their page source.
pub struct ReadTransaction<'p, F: File, A: Allocator + Clone> {
    pager: &'p Pager<F, A>,
    snapshot: Snapshot,
    slot: usize,
    /// The shared read mark that protects the snapshot from other
    /// processes' checkpoints, when the log is shared.
    mark: Option<super::shared::Mark>,
}

impl<'p, F: File, A: Allocator + Clone> ReadTransaction<'p, F, A> {
    pub(super) fn begin(
        pager: &'p Pager<F, A>,
        snapshot: Snapshot,
        mark: Option<super::shared::Mark>,
    ) -> Result<Self> {
        let slot = pager.readers.acquire(snapshot.log_end)?;
        Ok(Self {
            pager,
            snapshot,
            slot,
            mark,
        })
    }

    /// The snapshot this transaction reads.
    pub fn snapshot(&self) -> Snapshot {
        self.snapshot
    }
}

impl<F: File, A: Allocator + Clone> Drop for ReadTransaction<'_, F, A> {
    fn drop(&mut self) {
        self.pager.readers.release(self.slot);
        if let Some(mark) = self.mark {
            // Nothing to report to: a mark not given back is given back
            // when the pager closes.
            let _ = self.pager.release_read(mark);
        }
        self.pager.end_unlogged_read();
    }
}

impl<F: File, A: Allocator + Clone> PageSource for ReadTransaction<'_, F, A> {
    type Page<'s>
        = PageRef<'s, A>
    where
        Self: 's;

    fn page(&self, no: PageNo) -> Result<PageRef<'_, A>> {
        self.pager.page_at(no, &self.snapshot)
    }

    fn usable_size(&self) -> u32 {
        self.pager.usable_size()
    }

    fn page_count(&self) -> u32 {
        self.snapshot.page_count
    }
}
