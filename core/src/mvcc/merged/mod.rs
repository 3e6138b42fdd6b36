//! [`MergedRows`]: one table's rows as an MVCC transaction sees them, in
//! rowid order: the B-tree snapshot it reads, overridden row by row by
//! the versions the store shows it.
//!
//! At a rowid the store has a version for, the store wins: its record
//! replaces the B-tree's row, its delete hides it. A rowid the store has
//! no visible version of is the B-tree's. The store is passed to every
//! move rather than held, and each move asks it again for the first row
//! after the cursor's, so other transactions may write and commit between
//! moves (what this transaction sees of them does not change: its
//! snapshot is fixed).
//!
//! Invariants: when positioned, the B-tree cursor is on the first B-tree
//! row after the merged cursor's rowid or on the row itself (when the row
//! is the B-tree's), or unpositioned past the B-tree's last row.

#[cfg(test)]
mod tests;

use crate::alloc::Allocator;
use crate::btree::{PageSource, SeekMode, TableCursor};
use crate::mvcc::TxnId;
use crate::mvcc::store::{Seen, VersionStore};
use crate::{Error, PageNo, Result, RowId};

/// Where the merged cursor stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Current {
    /// On no row.
    Unpositioned,
    /// On this B-tree row.
    Tree(RowId),
    /// On the store's version of this row.
    Store(RowId),
}

/// The rows of the table at a B-tree cursor's root as transaction `txn`
/// sees them (see the module docs).
pub struct MergedRows<'p, S: PageSource, A: Allocator> {
    tree: TableCursor<'p, S, A>,
    txn: TxnId,
    current: Current,
}

impl<'p, S: PageSource, A: Allocator> MergedRows<'p, S, A> {
    /// The rows of `tree`'s table for `txn`; `tree` must read the B-tree
    /// snapshot `txn` began on.
    pub fn new(tree: TableCursor<'p, S, A>, txn: TxnId) -> Self {
        MergedRows {
            tree,
            txn,
            current: Current::Unpositioned,
        }
    }

    /// Reads as `txn` from here on, keeping the position: a statement's
    /// cursor outlives the transaction it began in when the connection's
    /// transaction ends under it (the next one reads a later snapshot of
    /// the same B-tree root).
    pub fn set_txn(&mut self, txn: TxnId) {
        self.txn = txn;
    }

    fn root(&self) -> PageNo {
        self.tree.root()
    }

    /// Moves to the first row; `false` when the table has none.
    pub fn first<B: Allocator + Clone>(&mut self, store: &VersionStore<B>) -> Result<bool> {
        let tree_on = self.tree.first()?;
        self.settle(store, None, tree_on)
    }

    /// Moves to the next row; `false` past the last.
    #[allow(clippy::should_implement_trait)]
    pub fn next<B: Allocator + Clone>(&mut self, store: &VersionStore<B>) -> Result<bool> {
        let after = match self.current {
            Current::Unpositioned => return Ok(false),
            Current::Tree(rowid) | Current::Store(rowid) => rowid,
        };
        let tree_on = self.tree.is_positioned();
        self.settle(store, Some(after), tree_on)
    }

    /// Moves to the row `mode` picks relative to `rowid`: [`SeekMode::Ge`]
    /// and [`SeekMode::Eq`] are supported (the rows of a forward scan);
    /// `false` when there is none.
    pub fn seek<B: Allocator + Clone>(
        &mut self,
        store: &VersionStore<B>,
        rowid: RowId,
        mode: SeekMode,
    ) -> Result<bool> {
        if !matches!(mode, SeekMode::Ge | SeekMode::Eq) {
            return Err(Error::Misuse(
                "an MVCC table cursor seeks forward only (Ge or Eq)",
            ));
        }
        let tree_on = self.tree.seek(rowid, SeekMode::Ge)?;
        let after = rowid.get().checked_sub(1).map(RowId::new);
        let on = self.settle(store, after, tree_on)?;
        if mode == SeekMode::Eq && on && self.rowid()? != rowid {
            self.current = Current::Unpositioned;
            return Ok(false);
        }
        Ok(on)
    }

    /// Positions the cursor on the first row after `after` (from the
    /// first when `None`), the B-tree cursor on a row or past the last
    /// (`tree_on`).
    fn settle<B: Allocator + Clone>(
        &mut self,
        store: &VersionStore<B>,
        after: Option<RowId>,
        mut tree_on: bool,
    ) -> Result<bool> {
        if let Some(after) = after {
            while tree_on && self.tree.rowid()? <= after {
                tree_on = self.tree.next()?;
            }
        }
        let mut from = after;
        loop {
            let tree_row = if tree_on {
                Some(self.tree.rowid()?)
            } else {
                None
            };
            let store_row = store.next_row(self.txn, self.root(), from)?;
            let (rowid, seen) = match (tree_row, store_row) {
                (None, None) => {
                    self.current = Current::Unpositioned;
                    return Ok(false);
                }
                (Some(t), Some((s, _))) if t < s => {
                    self.current = Current::Tree(t);
                    return Ok(true);
                }
                (Some(t), None) => {
                    self.current = Current::Tree(t);
                    return Ok(true);
                }
                (_, Some(found)) => found,
            };
            if tree_row == Some(rowid) {
                tree_on = self.tree.next()?;
            }
            match seen {
                Seen::Row(_) => {
                    self.current = Current::Store(rowid);
                    return Ok(true);
                }
                Seen::Deleted | Seen::Unversioned => from = Some(rowid),
            }
        }
    }

    /// The rowid of the row the cursor is on.
    pub fn rowid(&self) -> Result<RowId> {
        match self.current {
            Current::Tree(rowid) | Current::Store(rowid) => Ok(rowid),
            Current::Unpositioned => Err(Error::Misuse("the cursor is not on a row")),
        }
    }

    /// Runs `f` on the current row's rowid and record.
    pub fn with_record<B: Allocator + Clone, R>(
        &mut self,
        store: &VersionStore<B>,
        f: impl FnOnce(RowId, &[u8]) -> Result<R>,
    ) -> Result<R> {
        match self.current {
            Current::Unpositioned => Err(Error::Misuse("the cursor is not on a row")),
            Current::Tree(rowid) => {
                let payload = self.tree.payload()?;
                f(rowid, &payload)
            }
            Current::Store(rowid) => match store.read(self.txn, self.root(), rowid)? {
                Seen::Row(record) => f(rowid, record),
                Seen::Deleted | Seen::Unversioned => Err(Error::Misuse(
                    "an MVCC row changed under its transaction's cursor",
                )),
            },
        }
    }

    /// The B-tree cursor, positioned on the current row, when the current
    /// row is the B-tree's: for reading that row only (a move through it
    /// would break the merge).
    pub fn tree_row(&mut self) -> Option<&mut TableCursor<'p, S, A>> {
        match self.current {
            Current::Tree(_) => Some(&mut self.tree),
            Current::Store(_) | Current::Unpositioned => None,
        }
    }

    /// Copies the current row's record into `out` when it is the store's
    /// version; `false` (leaving `out` alone) when it is the B-tree's.
    pub fn copy_store_record<B: Allocator + Clone, C: Allocator>(
        &self,
        store: &VersionStore<B>,
        out: &mut crate::alloc::Vec<u8, C>,
    ) -> Result<bool> {
        match self.current {
            Current::Unpositioned => Err(Error::Misuse("the cursor is not on a row")),
            Current::Tree(_) => Ok(false),
            Current::Store(rowid) => match store.read(self.txn, self.root(), rowid)? {
                Seen::Row(record) => {
                    out.clear();
                    out.try_extend_from_slice(record)?;
                    Ok(true)
                }
                Seen::Deleted | Seen::Unversioned => Err(Error::Misuse(
                    "an MVCC row changed under its transaction's cursor",
                )),
            },
        }
    }

    /// The largest rowid of a row the transaction sees, `None` when it
    /// sees none. Leaves the cursor unpositioned.
    pub fn last_rowid<B: Allocator + Clone>(
        &mut self,
        store: &VersionStore<B>,
    ) -> Result<Option<RowId>> {
        self.current = Current::Unpositioned;
        let mut tree_on = self.tree.last()?;
        let mut before = None;
        loop {
            let tree_row = if tree_on {
                Some(self.tree.rowid()?)
            } else {
                None
            };
            let store_row = store.prev_row(self.txn, self.root(), before)?;
            match (tree_row, store_row) {
                (None, None) => return Ok(None),
                (Some(t), None) => return Ok(Some(t)),
                (Some(t), Some((s, _))) if t > s => return Ok(Some(t)),
                (_, Some((s, seen))) => {
                    if tree_row == Some(s) {
                        tree_on = self.tree.prev()?;
                    }
                    match seen {
                        Seen::Row(_) => return Ok(Some(s)),
                        Seen::Deleted | Seen::Unversioned => before = Some(s),
                    }
                }
            }
        }
    }

    /// Gives back the B-tree cursor.
    pub fn into_tree(self) -> TableCursor<'p, S, A> {
        self.tree
    }
}
