//! A [`Writer`]'s row changes in MVCC mode: rows of rowid tables stored,
//! overwritten and deleted as versions in the store, through the
//! connection's MVCC transaction, never through the pager; and the tables
//! whose changes the mode refuses.
//!
//! An index's entries are not written: readers build them from the row
//! versions (see `mvcc_keys`) and a checkpoint writes them into the index
//! B-trees with the rows (see `mvcc_checkpoint`). Uniqueness is checked
//! against the entries the transaction sees, and each key a row stores
//! in a `UNIQUE` index is claimed (see `mvcc_claims`), so that two
//! transactions storing one key conflict, first committer wins.
//!
//! Invariants:
//! - a change is written only after its conflict resolution, so a failed
//!   constraint adds no version; a statement's versions and claims are
//!   taken back by the store's statement savepoint (see `mvcc::store`),
//!   which the connection opens around each statement;
//! - a stored or deleted row claims every non-NULL key it has in a
//!   `UNIQUE` index, after the row's version is written, so that two
//!   transactions changing rows of one key conflict as two changing one
//!   row do;
//! - a table that keeps its rows by key (`WITHOUT ROWID`) is refused by
//!   name before anything is written: the store keeps table rows by
//!   rowid only;
//! - an `AUTOINCREMENT` table's `sqlite_sequence` row is a row as any
//!   other; a transaction that makes one claims it under
//!   [`SEQUENCE_CLAIMS`] and the table's root, so that two that each
//!   make one for one table conflict rather than commit two rows;
//! - a foreign key's parent row a stored row refers to is written again
//!   (see [`Writer::hold_parent`]), so that deleting it or changing its
//!   key concurrently conflicts.

use boundlite_platform::Platform;

use super::conflict::{OrClause, Resolution, key_taken, rowid_taken};
use super::info::TableInfo;
use super::mvcc_claims::claim_of;
use super::rows::{Target, Writer};
use crate::alloc::Allocator;
use crate::alloc::Vec;
use crate::btree::{PayloadBytes, SeekMode};
use crate::database::MvccTransaction;
use crate::mvcc::store::Change;
use crate::record::RecordRef;
use crate::sql::Conflict;
use crate::{Error, PageNo, Result, RowId};

/// The root under which a transaction that makes an `AUTOINCREMENT`
/// table's `sqlite_sequence` row claims it, by the table's root page: a
/// page number no B-tree has (SQLite's largest page is 2^32 - 2), so no
/// reader of a table or an index meets the claims.
pub(crate) const SEQUENCE_CLAIMS: PageNo = match PageNo::new(u32::MAX) {
    Some(page) => page,
    None => PageNo::ONE,
};

/// Refuses a change to `table` in MVCC mode when the store cannot hold
/// it (see the module docs).
pub(crate) fn refuse_changes<A: Allocator>(table: &TableInfo<A>) -> Result<()> {
    if !table.has_rowid {
        return Err(Error::Sql(
            "changing a WITHOUT ROWID table on a database in MVCC mode is not supported",
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
    /// [`insert`](Writer::insert) in MVCC mode: the rowid and `UNIQUE`
    /// conflicts are resolved against the rows and entries the
    /// transaction sees, in the order the B-tree path checks them; `keys`
    /// agrees with `payload` on every indexed column.
    pub(super) fn insert_version<R: PayloadBytes + ?Sized>(
        &mut self,
        txn: &'t MvccTransaction<'t, P, A>,
        table: &TableInfo<A>,
        rowid: RowId,
        keys: &[u8],
        payload: &R,
        or: OrClause,
    ) -> Result<bool> {
        refuse_changes(table)?;
        let rowid_conflict = or.on(table.columns.key_conflict);
        // SQLite checks a rowid its own REPLACE resolves after the indexes.
        let rowid_last = rowid_conflict == Conflict::Replace
            && or.given().is_none()
            && !table.indexes.is_empty();
        let mut exists = self.table_cursor(table.root).seek(rowid, SeekMode::Eq)?;
        if exists && !rowid_last {
            match Resolution::of(rowid_conflict, &self.halt, || rowid_taken(table))? {
                Resolution::Skip => return Ok(false),
                Resolution::Replace if table.indexes.is_empty() => {}
                Resolution::Replace => {
                    self.delete_version(txn, table, rowid)?;
                    exists = false;
                }
            }
        }
        if table.indexes.iter().any(|i| i.columns.unique) {
            let parsed = RecordRef::parse(keys, Some(table.root))?;
            for index in table.unique_in_check_order() {
                if !self.build_key(table, index, &parsed, rowid)? {
                    continue;
                }
                let Some(other) = self.find_equal_key(table, index)? else {
                    continue;
                };
                let conflict = or.on(index.columns.conflict);
                match Resolution::of(conflict, &self.halt, || key_taken(table, index))? {
                    Resolution::Skip => return Ok(false),
                    Resolution::Replace => {
                        self.delete_version(txn, table, other)?;
                        exists &= other != rowid;
                    }
                }
            }
        }
        if exists && rowid_last {
            self.delete_version(txn, table, rowid)?;
            exists = false;
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
        written?;
        self.claim_keys(txn, table, keys, rowid)?;
        Ok(true)
    }

    /// Claims each non-NULL key the row `rowid`, whose record agrees with
    /// `keys` on every indexed column, has (or had) in a `UNIQUE` index
    /// of `table`.
    fn claim_keys(
        &mut self,
        txn: &'t MvccTransaction<'t, P, A>,
        table: &TableInfo<A>,
        keys: &[u8],
        rowid: RowId,
    ) -> Result<()> {
        if !table.indexes.iter().any(|i| i.columns.unique) {
            return Ok(());
        }
        let parsed = RecordRef::parse(keys, Some(table.root))?;
        for index in table.indexes.iter().filter(|i| i.columns.unique) {
            if !self.build_key(table, index, &parsed, rowid)? {
                continue;
            }
            if let Some(claim) = claim_of(index, &self.key)? {
                txn.write_row(index.root, claim, Change::Claim)?;
            }
        }
        Ok(())
    }

    /// Claims the `sqlite_sequence` row of the `AUTOINCREMENT` table
    /// `table`, about to be made: in MVCC mode two transactions that
    /// each make one then conflict, first committer wins (the one that
    /// finds the row overwrites it, and conflicts on it). Nothing in WAL
    /// mode.
    pub(crate) fn claim_sequence(&mut self, table: &TableInfo<A>) -> Result<()> {
        match self.target {
            Target::Mvcc(txn) => txn.write_row(
                SEQUENCE_CLAIMS,
                RowId::new(i64::from(table.root.get())),
                Change::Claim,
            ),
            Target::Pages(_) => Ok(()),
        }
    }

    /// Holds row `rowid` of `table`, the parent a foreign key of a row
    /// this statement stored was found to refer to: in MVCC mode its
    /// record, as the transaction sees it, is written again, so that a
    /// transaction that deletes the row or changes its key conflicts
    /// with this one (first committer wins) rather than both commit and
    /// leave the child without its parent. Nothing in WAL mode, where
    /// one writer at a time sees every commit.
    pub(crate) fn hold_parent(&mut self, table: &TableInfo<A>, rowid: RowId) -> Result<()> {
        let Target::Mvcc(txn) = self.target else {
            return Ok(());
        };
        let mut record = Vec::new_in(self.alloc.clone());
        if !self.read_row(table.root, rowid, &mut record)? {
            return Err(Error::Misuse("a foreign key's parent row went missing"));
        }
        txn.write_row(table.root, rowid, Change::Update(&record))
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
        let unique = table.indexes.iter().any(|i| i.columns.unique);
        let mut old = Vec::new_in(self.alloc.clone());
        {
            let mut cursor = self.table_cursor(table.root);
            if !cursor.seek(rowid, SeekMode::Eq)? {
                return Ok(false);
            }
            if unique {
                old.try_extend_from_slice(&cursor.payload()?)?;
            }
        }
        txn.write_row(table.root, rowid, Change::Delete)?;
        if unique {
            self.claim_keys(txn, table, &old, rowid)?;
        }
        Ok(true)
    }
}
