//! The store's rows: tables by root page, each table's rows by rowid,
//! each row's versions.
//!
//! Invariants: tables are in ascending root order and rows in ascending
//! rowid order, each at most once; a row holds at most one committed
//! version with `End::Open` and at most one pending version per
//! transaction; committed versions are in ascending begin order.

use super::version::Version;
use crate::alloc::{Allocator, Vec};
use crate::{PageNo, RowId};

/// One row's versions.
pub(super) struct Row<A: Allocator> {
    pub(super) rowid: RowId,
    pub(super) versions: Vec<Version<A>, A>,
}

/// Bytes the budget counts for a row besides its versions.
pub(super) const ROW_CHARGE: usize = core::mem::size_of::<Row<crate::alloc::Global>>();

/// One table's rows that have versions.
pub(super) struct Table<A: Allocator> {
    pub(super) root: PageNo,
    pub(super) rows: Vec<Row<A>, A>,
}

impl<A: Allocator> Table<A> {
    /// Where row `rowid` is, or would go.
    pub(super) fn find(&self, rowid: RowId) -> Result<usize, usize> {
        self.rows.binary_search_by(|r| r.rowid.cmp(&rowid))
    }
}

/// Every table's rows.
pub(super) struct Tables<A: Allocator> {
    pub(super) tables: Vec<Table<A>, A>,
}

impl<A: Allocator> Tables<A> {
    /// Where table `root` is, or would go.
    pub(super) fn find(&self, root: PageNo) -> Result<usize, usize> {
        self.tables.binary_search_by(|t| t.root.cmp(&root))
    }

    pub(super) fn table(&self, root: PageNo) -> Option<&Table<A>> {
        self.tables.get(self.find(root).ok()?)
    }

    pub(super) fn row(&self, root: PageNo, rowid: RowId) -> Option<&Row<A>> {
        let table = self.table(root)?;
        table.rows.get(table.find(rowid).ok()?)
    }

    pub(super) fn row_mut(&mut self, root: PageNo, rowid: RowId) -> Option<&mut Row<A>> {
        let at = self.find(root).ok()?;
        let table = self.tables.get_mut(at)?;
        let at = table.find(rowid).ok()?;
        table.rows.get_mut(at)
    }

    /// Removes rows left with no version and tables left with no row.
    pub(super) fn prune(&mut self) -> usize {
        let mut freed = 0;
        for table in self.tables.as_mut_slice() {
            let before = table.rows.len();
            table.rows.retain(|r| !r.versions.is_empty());
            freed += (before - table.rows.len()) * ROW_CHARGE;
        }
        self.tables.retain(|t| !t.rows.is_empty());
        freed
    }
}
