//! The store's rows: tables by root page, each table's rows by rowid,
//! each row's versions.
//!
//! Invariants: tables are in ascending root order and rows in ascending
//! rowid order, each at most once; a row holds at most one committed
//! version with `End::Open` and at most one pending version per
//! transaction; committed versions are in ascending begin order; a row
//! of one version holds it in place ([`Versions::One`]), with no array
//! of its own: most rows have one version, and an array per row would
//! double what each costs.

use core::ops::{Deref, DerefMut};

use super::version::Version;
use crate::alloc::{Allocator, Vec};
use crate::{PageNo, Result, RowId};

/// One row's versions.
pub(super) struct Row<A: Allocator> {
    pub(super) rowid: RowId,
    pub(super) versions: Versions<A>,
}

/// Bytes the budget counts for a row besides its versions: its rowid
/// and the array its versions take once it has two.
pub(super) const ROW_CHARGE: usize = core::mem::size_of::<RowId>()
    + core::mem::size_of::<Vec<Version<crate::alloc::Global>, crate::alloc::Global>>();

/// A row's versions, read as a slice.
pub(super) enum Versions<A: Allocator> {
    /// None left: the row is pruned at the next sweep.
    Empty,
    /// One version, in place.
    One(Version<A>),
    /// Two or more.
    Many(Vec<Version<A>, A>),
}

impl<A: Allocator> Versions<A> {
    /// Adds `version` after the others; a row's second version moves
    /// both into an array from `alloc`. An error changes nothing.
    pub(super) fn try_push(&mut self, version: Version<A>, alloc: &A) -> Result<()>
    where
        A: Clone,
    {
        match self {
            Versions::Empty => *self = Versions::One(version),
            Versions::One(_) => {
                let mut many = Vec::try_with_capacity_in(2, alloc.clone())?;
                if let Versions::One(first) = core::mem::replace(self, Versions::Empty) {
                    many.try_push(first)?;
                }
                many.try_push(version)?;
                *self = Versions::Many(many);
            }
            Versions::Many(many) => many.try_push(version)?,
        }
        Ok(())
    }

    /// Keeps the versions `keep` says to, in order; a row left with one
    /// gives its array back.
    pub(super) fn retain(&mut self, mut keep: impl FnMut(&Version<A>) -> bool) {
        match self {
            Versions::Empty => {}
            Versions::One(v) => {
                if !keep(v) {
                    *self = Versions::Empty;
                }
            }
            Versions::Many(many) => {
                many.retain(keep);
                self.settle();
            }
        }
    }

    /// Removes the version at `at`.
    pub(super) fn remove(&mut self, at: usize) -> Option<Version<A>> {
        let removed = match self {
            Versions::Empty => None,
            Versions::One(_) if at == 0 => match core::mem::replace(self, Versions::Empty) {
                Versions::One(v) => Some(v),
                _ => None,
            },
            Versions::One(_) => None,
            Versions::Many(many) => (at < many.len()).then(|| many.remove(at)),
        };
        self.settle();
        removed
    }

    /// An array of one or none becomes [`One`](Versions::One) or
    /// [`Empty`](Versions::Empty), its room freed. Allocates nothing.
    fn settle(&mut self) {
        if let Versions::Many(many) = self
            && many.len() <= 1
        {
            *self = match many.pop() {
                Some(v) => Versions::One(v),
                None => Versions::Empty,
            };
        }
    }
}

impl<A: Allocator> Deref for Versions<A> {
    type Target = [Version<A>];

    fn deref(&self) -> &[Version<A>] {
        match self {
            Versions::Empty => &[],
            Versions::One(v) => core::slice::from_ref(v),
            Versions::Many(many) => many.as_slice(),
        }
    }
}

impl<A: Allocator> DerefMut for Versions<A> {
    fn deref_mut(&mut self) -> &mut [Version<A>] {
        match self {
            Versions::Empty => &mut [],
            Versions::One(v) => core::slice::from_mut(v),
            Versions::Many(many) => many.as_mut_slice(),
        }
    }
}

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
