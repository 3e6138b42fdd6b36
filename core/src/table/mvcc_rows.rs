//! [`MvccRows`]: a table's rows as the connection's MVCC transaction
//! sees them, behind [`RowCursor`](super::RowCursor): the merged cursor
//! (`mvcc::MergedRows`) over the view's B-tree snapshot, asking the
//! database's version store at each move.
//!
//! Invariants:
//! - every move reads as the transaction the view shows at that moment:
//!   a statement's cursor outlives a run of it (see `exec::source`), and
//!   the connection's transaction may end and another begin between two
//!   moves;
//! - the store is borrowed for one move or one copy, never while a
//!   caller's code runs: a row's version is copied into the cursor's
//!   buffer before the caller reads it, so the caller may open other
//!   cursors (a subquery) or write (another statement) between moves;
//! - a B-tree row is read in place from its page, as a plain cursor
//!   reads it.

use boundlite_platform::Platform;

use super::view::{Pages, View};
use crate::alloc::{Allocator, Vec};
use crate::btree::{PayloadRef, SeekMode, StoredRecord, TableCursor};
use crate::mvcc::{MergedRows, TxnId};
use crate::pager::PageRef;
use crate::{Database, Error, Result, RowId};

/// The rows of one table of the main database as an MVCC transaction
/// sees them.
pub(crate) struct MvccRows<'v, P: Platform, A: Allocator + Clone> {
    view: &'v View<'v, P, A>,
    merged: MergedRows<'v, Pages<'v, P, A>, A>,
    /// The current row's version, when it is the store's.
    record: Vec<u8, A>,
}

impl<'v, P: Platform, A: Allocator + Clone> MvccRows<'v, P, A> {
    /// The rows of `tree`'s table for `txn`; `tree` reads the B-tree
    /// snapshot `txn` began on.
    pub fn new(
        view: &'v View<'v, P, A>,
        tree: TableCursor<'v, Pages<'v, P, A>, A>,
        txn: TxnId,
        alloc: A,
    ) -> Self {
        MvccRows {
            view,
            merged: MergedRows::new(tree, txn),
            record: Vec::new_in(alloc),
        }
    }

    /// The database, after following the view to the transaction it
    /// shows.
    fn follow(&mut self) -> Result<&'v Database<P, A>> {
        let txn = self.view.mvcc_txn().ok_or(Error::Misuse(
            "an MVCC cursor read outside an MVCC transaction",
        ))?;
        self.merged.set_txn(txn);
        Ok(self.view.main_database())
    }

    pub fn first(&mut self) -> Result<bool> {
        let db = self.follow()?;
        let merged = &mut self.merged;
        db.with_store(|s| merged.first(s.store()))
    }

    pub fn next(&mut self) -> Result<bool> {
        let db = self.follow()?;
        let merged = &mut self.merged;
        db.with_store(|s| merged.next(s.store()))
    }

    /// Moves to the row `mode` picks: forward modes only (`Ge`, `Gt`,
    /// `Eq`); the backward ones are refused by name.
    pub fn seek(&mut self, rowid: RowId, mode: SeekMode) -> Result<bool> {
        let (rowid, mode) = match mode {
            SeekMode::Ge | SeekMode::Eq => (rowid, mode),
            SeekMode::Gt => match rowid.get().checked_add(1) {
                Some(next) => (RowId::new(next), SeekMode::Ge),
                None => return Ok(false),
            },
            SeekMode::Le | SeekMode::Lt => {
                return Err(Error::Sql(
                    "a backward rowid seek on a database in MVCC mode is not supported",
                ));
            }
        };
        let db = self.follow()?;
        let merged = &mut self.merged;
        db.with_store(|s| merged.seek(s.store(), rowid, mode))
    }

    pub fn rowid(&self) -> Result<RowId> {
        self.merged.rowid()
    }

    /// The largest rowid the transaction sees, `None` for an empty table;
    /// the cursor is left unpositioned.
    pub fn last_rowid(&mut self) -> Result<Option<RowId>> {
        let db = self.follow()?;
        let merged = &mut self.merged;
        db.with_store(|s| merged.last_rowid(s.store()))
    }

    /// Copies the current row's version into the buffer when it is the
    /// store's; `false` when the row is the B-tree's.
    fn copy_version(&mut self) -> Result<bool> {
        let db = self.follow()?;
        let (merged, record) = (&self.merged, &mut self.record);
        db.with_store(|s| merged.copy_store_record(s.store(), record))
    }

    pub fn payload(&mut self) -> Result<PayloadRef<'_, PageRef<'v, A>>> {
        if self.copy_version()? {
            return Ok(PayloadRef::in_buffer(&self.record));
        }
        match self.merged.tree_row() {
            Some(tree) => tree.payload(),
            None => Err(Error::Misuse("the cursor is not on a row")),
        }
    }

    pub fn with_record<R>(
        &mut self,
        f: impl FnOnce(RowId, StoredRecord<'_, A>) -> Result<R>,
    ) -> Result<R> {
        let rowid = self.merged.rowid()?;
        if self.copy_version()? {
            return f(rowid, StoredRecord::whole(&self.record));
        }
        match self.merged.tree_row() {
            Some(tree) => tree.with_record(f),
            None => Err(Error::Misuse("the cursor is not on a row")),
        }
    }

    /// Moves forward from the current row, itself included, to the first
    /// row `visit` stops at (see `TableCursor::scan_records`).
    pub fn scan_records(
        &mut self,
        mut visit: impl FnMut(RowId, StoredRecord<'_, A>) -> Result<bool>,
    ) -> Result<bool> {
        if self.merged.rowid().is_err() {
            return Ok(false);
        }
        loop {
            if self.with_record(&mut visit)? {
                return Ok(true);
            }
            if !self.next()? {
                return Ok(false);
            }
        }
    }
}
