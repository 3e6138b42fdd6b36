//! [`SnapshotPages`]: the pages of a database as of one commit, as a
//! [`PageSource`] that cursors, the schema reader and the integrity
//! checker read through.
//!
//! Invariants:
//! - every page, the page count and the header come from the one commit
//!   the [`Snapshot`] names, never from a write transaction that is open
//!   meanwhile (its uncommitted pages are not looked at);
//! - the type is a copyable pair of a pager reference and a snapshot: it
//!   does not register the snapshot. Whoever reads through it keeps the
//!   [`ReadTransaction`](crate::pager::ReadTransaction) that took the
//!   snapshot alive for as long, so no checkpoint copies over a page it
//!   reads.

use boundlite_platform::File;

use crate::alloc::Allocator;
use crate::btree::PageSource;
use crate::format::DatabaseHeader;
use crate::pager::{PageRef, Pager, Snapshot};
use crate::{PageNo, Result};

/// The pages of a database as of `snapshot`.
pub(crate) struct SnapshotPages<'p, F: File, A: Allocator + Clone> {
    pager: &'p Pager<F, A>,
    snapshot: Snapshot,
}

// By hand: a derive would ask `F: Copy` and `A: Copy`, but only a
// reference and a snapshot are copied.
impl<F: File, A: Allocator + Clone> Clone for SnapshotPages<'_, F, A> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<F: File, A: Allocator + Clone> Copy for SnapshotPages<'_, F, A> {}

impl<'p, F: File, A: Allocator + Clone> SnapshotPages<'p, F, A> {
    /// The pages of `pager` as of `snapshot`.
    pub(crate) fn new(pager: &'p Pager<F, A>, snapshot: Snapshot) -> Self {
        SnapshotPages { pager, snapshot }
    }

    /// The database header as the snapshot's commit wrote it into page 1.
    pub(crate) fn header(&self) -> Result<DatabaseHeader> {
        let page = self.pager.page_at(PageNo::ONE, &self.snapshot)?;
        DatabaseHeader::parse(&page)
    }
}

impl<F: File, A: Allocator + Clone> PageSource for SnapshotPages<'_, F, A> {
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
        self.snapshot.page_count()
    }
}
