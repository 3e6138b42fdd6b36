//! Rows and index entries copied from one table to another as they are
//! stored, for `INSERT INTO t SELECT * FROM s` when the two tables store
//! their rows alike (SQLite's transfer optimization; the executor decides
//! when, see `exec::transfer`): no record is decoded or encoded again.
//!
//! Invariants:
//! - rows are copied in rowid order, each record byte for byte: one on
//!   its page is written from the page, one that spills is read a range
//!   at a time from its overflow chain as the copy's chain is written, so
//!   the memory a row takes is the same whatever its size;
//! - a table with indexes is only filled when it was empty: its entries
//!   are then the source's, copied in key order, which name the same
//!   rows because every row keeps its rowid ([`Rowids::Kept`]);
//! - each change is logged before it is made, as every change of a
//!   [`Writer`] is, so a failed copy is undone with its statement.

use core::cell::RefCell;

use boundlite_platform::Platform;

use crate::btree::blob::{ChainPages, read_range};
use crate::btree::{PageSource, PayloadBytes, PayloadPlace, StoredRecord};
use crate::sql::Conflict;
use crate::{Error, Result, RowId};

use super::conflict::{Resolution, rowid_taken};
use super::info::{IndexInfo, TableInfo};
use super::rows::Writer;
use super::undo::Undo;
use crate::alloc::Allocator;

/// Which rowid each copied row takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rowids {
    /// Its rowid in the source; a row already there with it is a conflict.
    Kept,
    /// One above the largest in the table, as a row inserted without one.
    Fresh,
}

/// Whether the indexes `a` and `b` hold the same entries for the same
/// rows: the same key columns, collations, orders and uniqueness, and
/// neither partial nor on expressions (whose texts would need comparing).
pub(crate) fn same_keys<A: Allocator>(a: &IndexInfo<A>, b: &IndexInfo<A>) -> bool {
    a.columns.columns == b.columns.columns
        && a.columns.unique == b.columns.unique
        && a.sql.is_none()
        && b.sql.is_none()
        && a.keys == b.keys
}

impl<P: Platform, A: Allocator + Clone> Writer<'_, '_, P, A> {
    /// Whether `table` holds no row.
    pub fn is_empty(&self, table: &TableInfo<A>) -> Result<bool> {
        Ok(!self.table_cursor(table.root).first()?)
    }

    /// Copies every row of `from` into `to` as it is stored, each taking
    /// the rowid `rowids` says; a rowid already in `to` is resolved by
    /// `conflict`. When `to` has indexes it must be empty and each must
    /// have its twin in `from` (see [`same_keys`]); their entries are then
    /// copied too. Returns the rows copied and the rowid of the last.
    pub fn transfer(
        &mut self,
        from: &TableInfo<A>,
        to: &TableInfo<A>,
        rowids: Rowids,
        conflict: Conflict,
    ) -> Result<(usize, Option<RowId>)> {
        if from.root == to.root {
            return Err(Error::Misuse("a table copied into itself"));
        }
        if !to.indexes.is_empty() && (rowids != Rowids::Kept || !self.is_empty(to)?) {
            return Err(Error::Misuse(
                "index entries copied into a table that is not empty",
            ));
        }
        let twin = |index: &IndexInfo<A>| from.indexes.iter().find(|f| same_keys(f, index));
        if to.indexes.iter().any(|index| twin(index).is_none()) {
            return Err(Error::Misuse("an index copied from one it does not match"));
        }
        let (copied, last) = self.transfer_rows(from, to, rowids, conflict)?;
        for index in to.indexes.iter() {
            if let Some(twin) = twin(index) {
                self.transfer_keys(twin, index)?;
            }
        }
        Ok((copied, last))
    }

    fn transfer_rows(
        &mut self,
        from: &TableInfo<A>,
        to: &TableInfo<A>,
        rowids: Rowids,
        conflict: Conflict,
    ) -> Result<(usize, Option<RowId>)> {
        let root = to.root;
        let mut last = match rowids {
            Rowids::Kept => RowId::new(0),
            Rowids::Fresh => self.max_rowid(to)?,
        };
        let chain = RefCell::new(ChainPages::new_in(self.alloc.clone()));
        // Rows come in rowid order, and with fresh rowids past the last:
        // most are placed on `to`'s rightmost leaf without a descent.
        self.edge.retarget(root);
        let mut cursor = self.db.table_cursor(from.root);
        if !cursor.first()? {
            return Ok((0, None));
        }
        let mut copied = 0;
        let mut last_copied = None;
        // A scan reads each leaf of `from` once for all its rows.
        cursor.scan_records(|rowid, record| {
            let rowid = match rowids {
                Rowids::Kept => rowid,
                Rowids::Fresh => {
                    last = last.checked_next().ok_or(Error::Full)?;
                    last
                }
            };
            self.log(|_| Ok(Undo::RowInserted { root, rowid }))?;
            let mut stored = self.copy_record(rowid, &record, &chain, false)?;
            if !stored {
                if let Some(log) = self.undo.as_mut() {
                    log.forget_last();
                }
                if self.resolve(to, rowid, conflict)? {
                    self.log(|_| Ok(Undo::RowInserted { root, rowid }))?;
                    stored = self.copy_record(rowid, &record, &chain, true)?;
                }
            }
            copied += usize::from(stored);
            if stored {
                last_copied = Some(rowid);
            }
            Ok(false)
        })?;
        Ok((copied, last_copied))
    }

    /// Stores `record` as row `rowid` of the table the writer's edge is
    /// of: over a row already there when `over`, else only when there is
    /// none (`false` then).
    fn copy_record(
        &mut self,
        rowid: RowId,
        record: &StoredRecord<'_, A>,
        chain: &RefCell<ChainPages<A>>,
        over: bool,
    ) -> Result<bool> {
        let Some(place) = record.place() else {
            return self.insert_copy(rowid, record.local(), over);
        };
        chain
            .try_borrow_mut()
            .map_err(|_| Error::Misuse("a chain learned while it is read"))?
            .clear();
        let record = StoredPayload {
            source: self.db.pager(),
            place,
            chain,
        };
        self.insert_copy(rowid, &record, over)
    }

    fn insert_copy<R: PayloadBytes + ?Sized>(
        &mut self,
        rowid: RowId,
        record: &R,
        over: bool,
    ) -> Result<bool> {
        if over {
            self.txn()?
                .insert_row_from(self.edge.root(), rowid, record)?;
            return Ok(true);
        }
        self.txn()?.append_row_from(&mut self.edge, rowid, record)
    }

    /// Resolves a row copied onto rowid `rowid` of `to`, which is taken:
    /// `true` when the row there was deleted to make room (`REPLACE`),
    /// `false` when the copy is skipped (`IGNORE`).
    fn resolve(&mut self, to: &TableInfo<A>, rowid: RowId, conflict: Conflict) -> Result<bool> {
        match Resolution::of(conflict, &self.halt, || rowid_taken(to))? {
            Resolution::Skip => Ok(false),
            Resolution::Replace => {
                self.delete(to, rowid)?;
                Ok(true)
            }
        }
    }

    /// Copies every entry of the index `from` into the empty index `to`,
    /// in key order.
    fn transfer_keys(&mut self, from: &IndexInfo<A>, to: &IndexInfo<A>) -> Result<()> {
        let root = to.root;
        let mut cursor = self.db.index_cursor(from.root);
        let mut more = cursor.first()?;
        while more {
            let key = cursor.payload()?;
            self.log(|log| {
                Ok(Undo::KeyInserted {
                    root,
                    key: log.bytes(&key)?,
                    keys: log.keys(&to.keys)?,
                })
            })?;
            if !self.txn()?.insert_key(root, &key, &to.keys)? {
                // Entries of one index are distinct (each ends with its
                // rowid): a repeat means the source is damaged.
                return Err(Error::corrupt(from.root, "index entry repeated"));
            }
            more = cursor.next()?;
        }
        Ok(())
    }
}

/// A stored record that spills, read a range at a time from its page and
/// overflow chain as the copy is written; the chain's page numbers are
/// learned on the first read, so each later one goes straight to its page.
struct StoredPayload<'s, S: PageSource + ?Sized, A: Allocator> {
    source: &'s S,
    place: PayloadPlace,
    chain: &'s RefCell<ChainPages<A>>,
}

impl<S: PageSource + ?Sized, A: Allocator> PayloadBytes for StoredPayload<'_, S, A> {
    fn size(&self) -> usize {
        self.place.size as usize
    }

    fn fill(&self, offset: usize, out: &mut [u8]) -> Result<()> {
        let mut chain = self
            .chain
            .try_borrow_mut()
            .map_err(|_| Error::Misuse("a payload read while it is read"))?;
        read_range(self.source, &self.place, offset, out, Some(&mut chain))
    }
}
