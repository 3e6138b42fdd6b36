//! [`RowCursor`]: a table's rows as a connection's view shows them, in
//! rowid order: its B-tree as the view's pages hold it, or, for a table
//! of the main database read by an MVCC transaction, those rows merged
//! with the versions the transaction sees ([`MvccRows`]). The executor
//! calls the same methods on either, so it does not know which it reads.
//!
//! The merged rows move forward only (the executor sorts for `ORDER BY
//! ... DESC`); a backward seek is refused by name.

use boundlite_platform::Platform;

use super::mvcc_rows::MvccRows;
use super::view::Pages;
use crate::alloc::Allocator;
use crate::btree::{PayloadRef, SeekMode, StoredRecord, TableCursor};
use crate::pager::PageRef;
use crate::{Result, RowId};

/// A cursor over a table's rows as a view shows them.
pub(crate) enum RowCursor<'v, P: Platform, A: Allocator + Clone> {
    /// The B-tree, read through the view's pages.
    Tree(TableCursor<'v, Pages<'v, P, A>, A>),
    /// The rows an MVCC transaction sees.
    Mvcc(MvccRows<'v, P, A>),
}

impl<'v, P: Platform, A: Allocator + Clone> RowCursor<'v, P, A> {
    /// Moves to the first row; `false` when there is none.
    pub fn first(&mut self) -> Result<bool> {
        match self {
            RowCursor::Tree(c) => c.first(),
            RowCursor::Mvcc(c) => c.first(),
        }
    }

    /// Moves to the next row; `false` past the last.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<bool> {
        match self {
            RowCursor::Tree(c) => c.next(),
            RowCursor::Mvcc(c) => c.next(),
        }
    }

    /// Moves to the row `mode` picks relative to `rowid`.
    pub fn seek(&mut self, rowid: RowId, mode: SeekMode) -> Result<bool> {
        match self {
            RowCursor::Tree(c) => c.seek(rowid, mode),
            RowCursor::Mvcc(c) => c.seek(rowid, mode),
        }
    }

    /// [`seek`](Self::seek) with [`SeekMode::Eq`] for rowids that come
    /// in ascending order.
    pub fn seek_near(&mut self, rowid: RowId) -> Result<bool> {
        match self {
            RowCursor::Tree(c) => c.seek_near(rowid),
            RowCursor::Mvcc(c) => c.seek(rowid, SeekMode::Eq),
        }
    }

    /// [`seek`](Self::seek) with [`SeekMode::Eq`], then `f` on the row's
    /// rowid and record: `None` when the row is not there. `f` must not
    /// move or read the cursor.
    pub fn seek_then<R>(
        &mut self,
        rowid: RowId,
        f: impl FnOnce(RowId, StoredRecord<'_, A>) -> Result<R>,
    ) -> Result<Option<R>> {
        match self {
            RowCursor::Tree(c) => c.seek_then(rowid, f),
            RowCursor::Mvcc(c) => match c.seek(rowid, SeekMode::Eq)? {
                true => c.with_record(f).map(Some),
                false => Ok(None),
            },
        }
    }

    /// The current row's rowid.
    pub fn rowid(&self) -> Result<RowId> {
        match self {
            RowCursor::Tree(c) => c.rowid(),
            RowCursor::Mvcc(c) => c.rowid(),
        }
    }

    /// The largest rowid, `None` for an empty table; the cursor's
    /// position afterwards is unspecified.
    pub fn last_rowid(&mut self) -> Result<Option<RowId>> {
        match self {
            RowCursor::Tree(c) => match c.last()? {
                true => c.rowid().map(Some),
                false => Ok(None),
            },
            RowCursor::Mvcc(c) => c.last_rowid(),
        }
    }

    /// The current row's record.
    pub fn payload(&mut self) -> Result<PayloadRef<'_, PageRef<'v, A>>> {
        match self {
            RowCursor::Tree(c) => c.payload(),
            RowCursor::Mvcc(c) => c.payload(),
        }
    }

    /// Runs `f` on the current row's rowid and record as it is stored.
    pub fn with_record<R>(
        &mut self,
        f: impl FnOnce(RowId, StoredRecord<'_, A>) -> Result<R>,
    ) -> Result<R> {
        match self {
            RowCursor::Tree(c) => c.with_record(f),
            RowCursor::Mvcc(c) => c.with_record(f),
        }
    }

    /// Moves forward from the current row, itself included, to the first
    /// row `visit` stops at: `true` on it, `false` past the last.
    pub fn scan_records(
        &mut self,
        visit: impl FnMut(RowId, StoredRecord<'_, A>) -> Result<bool>,
    ) -> Result<bool> {
        match self {
            RowCursor::Tree(c) => c.scan_records(visit),
            RowCursor::Mvcc(c) => c.scan_records(visit),
        }
    }
}
