//! A [`Writer`]'s row changes in MVCC mode: rows of rowid tables stored,
//! overwritten and deleted as versions in the store, through the
//! connection's MVCC transaction, never through the pager; and the tables
//! whose changes the mode refuses.
//!
//! Invariants:
//! - a change is written only after its conflict resolution, so a failed
//!   constraint adds no version; a statement's versions are taken back
//!   by the store's statement savepoint (see `mvcc::store`), which the
//!   connection opens around each statement;
//! - a table whose rows another structure mirrors (an index, the
//!   `sqlite_sequence` row of `AUTOINCREMENT`) or that keeps its rows by
//!   key (`WITHOUT ROWID`) is refused by name before anything is written:
//!   the store keeps table rows by rowid only.

use boundlite_platform::Platform;

use super::conflict::{OrClause, Resolution, rowid_taken};
use super::info::TableInfo;
use super::rows::Writer;
use crate::alloc::Allocator;
use crate::alloc::Vec;
use crate::btree::{PayloadBytes, SeekMode};
use crate::database::MvccTransaction;
use crate::mvcc::store::Change;
use crate::{Error, Result, RowId};

/// Refuses a change to `table` in MVCC mode when the store cannot hold
/// it (see the module docs).
pub(crate) fn refuse_changes<A: Allocator>(table: &TableInfo<A>) -> Result<()> {
    if !table.has_rowid {
        return Err(Error::Sql(
            "changing a WITHOUT ROWID table on a database in MVCC mode is not supported",
        ));
    }
    if !table.indexes.is_empty() {
        return Err(Error::Sql(
            "changing a table with indexes (or UNIQUE constraints) on a database in MVCC mode is not supported",
        ));
    }
    if table.columns.autoincrement {
        return Err(Error::Sql(
            "AUTOINCREMENT on a database in MVCC mode is not supported",
        ));
    }
    Ok(())
}

/// Puts `payload`'s bytes in `out` (or borrows them when they are one
/// slice already) for a version's record.
fn whole<'r, R: PayloadBytes + ?Sized, A: Allocator>(
    payload: &'r R,
    out: &'r mut Vec<u8, A>,
) -> Result<&'r [u8]> {
    if let Some(bytes) = payload.as_slice() {
        return Ok(bytes);
    }
    out.clear();
    out.try_resize(payload.size(), 0)?;
    payload.fill(0, out.as_mut_slice())?;
    Ok(out.as_slice())
}

impl<'t, P: Platform, A: Allocator + Clone> Writer<'t, '_, P, A> {
    /// [`insert`](Writer::insert) in MVCC mode: a rowid conflict is
    /// resolved against the rows the transaction sees.
    pub(super) fn insert_version<R: PayloadBytes + ?Sized>(
        &mut self,
        txn: &'t MvccTransaction<'t, P, A>,
        table: &TableInfo<A>,
        rowid: RowId,
        payload: &R,
        or: OrClause,
    ) -> Result<bool> {
        refuse_changes(table)?;
        let exists = self.table_cursor(table.root).seek(rowid, SeekMode::Eq)?;
        if exists {
            let conflict = or.on(table.columns.key_conflict);
            match Resolution::of(conflict, &self.halt, || rowid_taken(table))? {
                Resolution::Skip => return Ok(false),
                Resolution::Replace => {}
            }
        }
        let mut buffer = core::mem::replace(&mut self.key, Vec::new_in(self.alloc.clone()));
        let written = whole(payload, &mut buffer).and_then(|record| {
            let change = match exists {
                true => Change::Update(record),
                false => Change::Insert(record),
            };
            txn.write_row(table.root, rowid, change)
        });
        self.key = buffer;
        written.map(|()| true)
    }

    /// [`overwrite`](Writer::overwrite) in MVCC mode.
    pub(super) fn overwrite_version<R: PayloadBytes + ?Sized>(
        &mut self,
        txn: &'t MvccTransaction<'t, P, A>,
        table: &TableInfo<A>,
        rowid: RowId,
        payload: &R,
    ) -> Result<()> {
        refuse_changes(table)?;
        let mut buffer = core::mem::replace(&mut self.key, Vec::new_in(self.alloc.clone()));
        let written = whole(payload, &mut buffer)
            .and_then(|record| txn.write_row(table.root, rowid, Change::Update(record)));
        self.key = buffer;
        written
    }

    /// [`delete`](Writer::delete) in MVCC mode; `false` when the
    /// transaction sees no such row.
    pub(super) fn delete_version(
        &mut self,
        txn: &'t MvccTransaction<'t, P, A>,
        table: &TableInfo<A>,
        rowid: RowId,
    ) -> Result<bool> {
        refuse_changes(table)?;
        if !self.table_cursor(table.root).seek(rowid, SeekMode::Eq)? {
            return Ok(false);
        }
        txn.write_row(table.root, rowid, Change::Delete)?;
        Ok(true)
    }
}
