//! [`Writer`]: every change a statement makes to a table's rows, with
//! the table's indexes kept in step, inside one write transaction.
//!
//! Invariants:
//! - a row and its index entries change together: [`Writer::insert`]
//!   adds the row then one entry per index, [`Writer::delete`] removes
//!   the entries (built from the stored row) then the row, as SQLite
//!   orders them; a partial index has an entry for exactly the rows its
//!   `WHERE` holds for, tested on the record stored or removed, and an
//!   index on expressions the values they take on that record;
//! - constraints are checked before a row is written (see `conflict`);
//! - when logging, each change is recorded in the undo log before it is
//!   made (see `undo`);
//! - whether the transaction failed is read from the transaction's own
//!   [`TxnState`](crate::database::TxnState), never remembered here.

use core::cell::Cell;

use boundlite_platform::Platform;

use crate::alloc::{Allocator, Box, Vec};
use crate::btree::{PayloadBytes, RightEdge, SeekMode};
use crate::database::MvccTransaction;
use crate::record::RecordRef;
use crate::sql::Conflict;
use crate::{Database, Error, PageNo, Result, RowId, WriteTransaction};

use super::conflict::{OrClause, Resolution, key_taken, rowid_taken};
use super::halt::Halt;
use super::info::{IndexInfo, TableInfo};
use super::row_cursor::RowCursor;
use super::undo::{Undo, UndoLog, still_open};
use super::undo_spill::UndoSpill;
use super::view::{Side, View};

/// A writer's buffers, kept by the connection from one statement to the
/// next so that a warm statement's writer allocates nothing.
pub(crate) struct Buffers<A: Allocator> {
    undo: UndoLog<A>,
    key: Vec<u8, A>,
    row: Vec<u8, A>,
    edge: RightEdge<A>,
}

/// The changes of one statement inside one write transaction.
pub(crate) struct Writer<'t, 'db, P: Platform, A: Allocator + Clone> {
    /// The database changed: the main one, or the temporary one for a
    /// statement that changes the `temp` schema.
    pub(super) db: &'t Database<P, A>,
    /// The connection's view, showing `txn` (for the reads a statement
    /// makes through the executor).
    view: &'t View<'db, P, A>,
    /// Where rows are changed: the B-trees, or the version store.
    pub(super) target: Target<'t, P, A>,
    pub(super) undo: Option<UndoLog<A>>,
    /// The undo log's older entries, once it outgrew its budget; boxed, as
    /// a file handle can be large and a writer moves with every statement.
    spilled: Option<Box<UndoSpill<P::File, A>, A>>,
    /// The index key being built or looked for.
    pub(super) key: Vec<u8, A>,
    /// A row's record: the old one of a row overwritten, or one met by a
    /// change to a `WITHOUT ROWID` table.
    pub(super) row: Vec<u8, A>,
    /// The rightmost leaf of the table rows were last stored into, which
    /// rows coming in rowid order are appended to (kept from statement
    /// to statement: whether it still holds is the database's to say).
    pub(super) edge: RightEdge<A>,
    /// How the statement ends if the last constraint that failed through
    /// this writer fails it (see `halt`).
    pub(super) halt: Cell<Halt>,
    pub(super) alloc: A,
}

/// Where a writer changes rows.
pub(crate) enum Target<'t, P: Platform, A: Allocator + Clone> {
    /// A write transaction on the B-trees, through the pager.
    Pages(&'t WriteTransaction<'t, P, A>),
    /// The version store, through an MVCC transaction of the main
    /// database (see `mvcc_writes`).
    Mvcc(&'t MvccTransaction<'t, P, A>),
}

impl<'t, 'db, P: Platform, A: Allocator + Clone> Writer<'t, 'db, P, A> {
    /// A writer into `txn` (of the main database, which `view` shows, or
    /// of its temporary one), keeping an undo log when `logging`, in
    /// `buffers` when given (else new ones).
    pub fn new(
        view: &'t View<'db, P, A>,
        txn: &'t WriteTransaction<'t, P, A>,
        logging: bool,
        buffers: Option<Buffers<A>>,
    ) -> Self {
        Self::with_target(view, Target::Pages(txn), txn.database(), logging, buffers)
    }

    /// A writer into the MVCC transaction `txn` of the main database,
    /// which `view` shows. A failed statement is undone through the
    /// store's statement savepoint, which the caller opened.
    pub fn new_mvcc(
        view: &'t View<'db, P, A>,
        txn: &'t MvccTransaction<'t, P, A>,
        buffers: Option<Buffers<A>>,
    ) -> Self {
        Self::with_target(
            view,
            Target::Mvcc(txn),
            view.main_database(),
            false,
            buffers,
        )
    }

    fn with_target(
        view: &'t View<'db, P, A>,
        target: Target<'t, P, A>,
        db: &'t Database<P, A>,
        logging: bool,
        buffers: Option<Buffers<A>>,
    ) -> Self {
        let alloc = db.allocator().clone();
        let Buffers {
            mut undo,
            key,
            row,
            edge,
        } = buffers.unwrap_or_else(|| Buffers {
            undo: UndoLog::new(&alloc),
            key: Vec::new_in(alloc.clone()),
            row: Vec::new_in(alloc.clone()),
            edge: RightEdge::new_in(PageNo::ONE, alloc.clone()),
        });
        undo.clear();
        // A writer that does not log gives up the log's buffer; the next
        // one that does grows it back.
        Writer {
            db,
            view,
            target,
            undo: logging.then_some(undo),
            spilled: None,
            key,
            row,
            edge,
            halt: Cell::new(Halt::Abort),
            alloc,
        }
    }

    /// Notes that `error`, a constraint checked under `conflict`, fails
    /// the statement, and returns it.
    pub fn failed(&self, conflict: Conflict, error: Error) -> Error {
        self.halt.set(Halt::of(conflict));
        error
    }

    /// How the statement ends, if a constraint failed it (see `halt`).
    pub fn halt(&self) -> Halt {
        self.halt.get()
    }

    /// The writer's buffers, for the next statement's writer.
    pub fn into_buffers(self) -> Buffers<A> {
        // The log only matters while its statement may fail.
        let undo = match self.undo {
            Some(log) => log.into_kept(&self.alloc),
            None => UndoLog::new(&self.alloc),
        };
        Buffers {
            undo,
            key: self.key,
            row: self.row,
            edge: self.edge,
        }
    }

    /// The allocator rows and values are built in.
    pub fn allocator(&self) -> &A {
        &self.alloc
    }

    /// A cursor over the rows of the table rooted at `root`, as the
    /// transaction has them.
    pub fn table_cursor(&self, root: PageNo) -> RowCursor<'t, P, A> {
        self.view.table_cursor(self.side(), root)
    }

    /// Whether rows change in the version store (MVCC mode) rather than
    /// in the B-trees: records are then never copied page to page.
    pub fn writes_versions(&self) -> bool {
        matches!(self.target, Target::Mvcc(_))
    }

    /// The write transaction on the B-trees; refused in MVCC mode, where
    /// rows change in the version store: what reaches this there (index
    /// entries, `WITHOUT ROWID` rows, schema changes, blob writes) is not
    /// supported.
    pub(super) fn txn(&self) -> Result<&'t WriteTransaction<'t, P, A>> {
        match self.target {
            Target::Pages(txn) => Ok(txn),
            Target::Mvcc(_) => Err(Error::Sql(
                "this change on a database in MVCC mode is not supported",
            )),
        }
    }

    /// The schema this writer changes.
    pub fn side(&self) -> Side {
        match core::ptr::eq(self.db, self.view.main_database()) {
            true => Side::Main,
            false => Side::Temp,
        }
    }

    /// Refuses a change to a table of `side` through this writer, which
    /// changes only its own side: the connection picks the writer by the
    /// side of the table a statement changes (see `connection::session`).
    pub fn check_side(&self, side: Side) -> Result<()> {
        match side == self.side() {
            true => Ok(()),
            false => Err(Error::Sql(
                "a statement (or a trigger it fires) changing tables of both the main and the temp schema is not supported",
            )),
        }
    }

    /// The connection's view, showing the write transaction.
    pub fn view(&self) -> &'t View<'db, P, A> {
        self.view
    }

    /// Records the change `undo` describes when logging. A log past half
    /// the statement's sort budget (`sort_memory`; its buffers grow by
    /// doubling, so they hold up to the whole budget) first moves what it
    /// holds to its temporary file, so that the change can still be
    /// undone.
    pub(super) fn log(&mut self, undo: impl FnOnce(&mut UndoLog<A>) -> Result<Undo>) -> Result<()> {
        let Some(log) = self.undo.as_mut() else {
            return Ok(());
        };
        if log.memory() > self.db.sort_memory() / 2 && !log.is_empty() {
            let spill = match self.spilled.as_mut() {
                Some(spill) => spill,
                None => self.spilled.insert(Box::try_new_in(
                    UndoSpill::open(self.db.platform(), &self.alloc)?,
                    self.alloc.clone(),
                )?),
            };
            spill.push(log)?;
        }
        log.record(undo)
    }

    /// Undoes every logged change, newest first: those in memory, then
    /// those spilled, a segment at a time. `Err` means the transaction can
    /// no longer be trusted and must be rolled back.
    pub fn undo(mut self) -> Result<()> {
        let txn = match self.target {
            Target::Pages(txn) => txn,
            Target::Mvcc(txn) => return txn.undo_statement(),
        };
        let Some(mut log) = self.undo.take() else {
            return still_open(txn);
        };
        log.undo(txn)?;
        if let Some(spill) = self.spilled.as_mut() {
            while spill.pop(&mut log)? {
                log.undo(txn)?;
            }
        }
        Ok(())
    }

    /// The largest rowid of `table`, 0 when it is empty.
    pub fn max_rowid(&self, table: &TableInfo<A>) -> Result<RowId> {
        if let Target::Mvcc(txn) = self.target {
            // Above the rows concurrent transactions store too, so that
            // inserts without a rowid do not all take the same one.
            let seen = self.table_cursor(table.root).last_rowid()?;
            let unseen = txn.last_unseen_row(table.root, seen)?;
            return Ok(seen.max(unseen).unwrap_or(RowId::new(0)));
        }
        if self.edge.root() == table.root
            && self.edge.stamp == Some(self.db.generation())
            && let Some(last) = self.edge.last_rowid()
        {
            return Ok(RowId::new(last.unwrap_or(0)));
        }
        let mut cursor = self.db.table_cursor(table.root);
        if cursor.last()? {
            cursor.rowid()
        } else {
            Ok(RowId::new(0))
        }
    }

    /// Copies the record of row `rowid` into `out`; `false` when there
    /// is no such row.
    pub(crate) fn read_row(
        &self,
        root: PageNo,
        rowid: RowId,
        out: &mut Vec<u8, A>,
    ) -> Result<bool> {
        out.clear();
        let mut cursor = self.table_cursor(root);
        if !cursor.seek(rowid, SeekMode::Eq)? {
            return Ok(false);
        }
        let payload = cursor.payload()?;
        out.try_extend_from_slice(&payload)?;
        Ok(true)
    }

    /// Keeps a copy of the record of a row about to be overwritten, for
    /// the undo log of [`overwrite`](Self::overwrite); a copy is only
    /// made when changes are logged.
    pub fn keep_old_row(&mut self, record: &[u8]) -> Result<()> {
        self.row.clear();
        if self.undo.is_some() {
            self.row.try_extend_from_slice(record)?;
        }
        Ok(())
    }

    /// Replaces the record of row `rowid` of `table` by `record`, which
    /// gives every index of `table` the key the old one did (the caller
    /// changes no indexed column), in one descent: a delete and an insert
    /// take two, read the row again and rewrite every index entry. The old
    /// record is the one given to [`keep_old_row`](Self::keep_old_row).
    pub fn overwrite(&mut self, table: &TableInfo<A>, rowid: RowId, record: &[u8]) -> Result<()> {
        self.overwrite_payload(table, rowid, record)
    }

    /// [`overwrite`](Self::overwrite) with a record produced a range at a
    /// time (see `stream`).
    pub(super) fn overwrite_payload<R: PayloadBytes + ?Sized>(
        &mut self,
        table: &TableInfo<A>,
        rowid: RowId,
        record: &R,
    ) -> Result<()> {
        if let Target::Mvcc(txn) = self.target {
            return self.overwrite_version(txn, table, rowid, record);
        }
        let root = table.root;
        let old = core::mem::replace(&mut self.row, Vec::new_in(self.alloc.clone()));
        // Undone newest first: the row is deleted, then the old record
        // put back.
        let logged = self.log(|log| {
            Ok(Undo::RowDeleted {
                root,
                rowid,
                record: log.bytes(&old)?,
            })
        });
        self.row = old;
        logged?;
        self.log(|_| Ok(Undo::RowInserted { root, rowid }))?;
        self.txn()?.insert_row_from(root, rowid, record)
    }

    /// Deletes row `rowid` of `table` with its index entries; `false`
    /// when there was no such row.
    pub fn delete(&mut self, table: &TableInfo<A>, rowid: RowId) -> Result<bool> {
        let mut row = core::mem::replace(&mut self.row, Vec::new_in(self.alloc.clone()));
        let result = self.delete_with(table, rowid, &mut row);
        self.row = row;
        result
    }

    fn delete_with(
        &mut self,
        table: &TableInfo<A>,
        rowid: RowId,
        row: &mut Vec<u8, A>,
    ) -> Result<bool> {
        let txn = match self.target {
            Target::Pages(txn) => txn,
            Target::Mvcc(txn) => return self.delete_version(txn, table, rowid),
        };
        if table.indexes.is_empty() && self.undo.is_none() {
            // Neither index entries nor the undo log need the record, so
            // a large row is deleted without being read.
            return txn.delete_row(table.root, rowid);
        }
        if !self.read_row(table.root, rowid, row)? {
            return Ok(false);
        }
        let record = RecordRef::parse(row, Some(table.root))?;
        for index in table.indexes.iter() {
            if !self.build_key(table, index, &record, rowid)? {
                continue;
            }
            let key = core::mem::replace(&mut self.key, Vec::new_in(self.alloc.clone()));
            let result = self.delete_key(index, &key);
            self.key = key;
            result?;
        }
        let root = table.root;
        self.log(|log| {
            Ok(Undo::RowDeleted {
                root,
                rowid,
                record: log.bytes(row)?,
            })
        })?;
        txn.delete_row(root, rowid)
    }

    pub(super) fn delete_key(&mut self, index: &IndexInfo<A>, key: &[u8]) -> Result<()> {
        let root = index.root;
        self.log(|log| {
            Ok(Undo::KeyDeleted {
                root,
                key: log.bytes(key)?,
                keys: log.keys(&index.keys)?,
            })
        })?;
        self.txn()?.delete_key(root, key, &index.keys)?;
        Ok(())
    }

    /// Puts the entry row `rowid` (whose record is `record`) has in
    /// `index` in the key buffer; `false` when the row has none (a
    /// partial index's `WHERE` does not hold for it).
    pub(super) fn build_key(
        &mut self,
        table: &TableInfo<A>,
        index: &IndexInfo<A>,
        record: &RecordRef<'_>,
        rowid: RowId,
    ) -> Result<bool> {
        if !index.holds(&table.columns, record, rowid, self.alloc.clone())? {
            return Ok(false);
        }
        match index.build_entry(&table.columns, record, rowid, &mut self.key)? {
            true => Ok(true),
            false => Err(Error::Sql("index key needs an expression evaluated")),
        }
    }

    /// Stores `record` as row `rowid` of `table` with its index entries,
    /// resolving conflicts by the statement's clause `or` and the
    /// constraints' own (see `conflict`). Returns `false` when `IGNORE`
    /// skipped the row.
    pub fn insert(
        &mut self,
        table: &TableInfo<A>,
        rowid: RowId,
        record: &[u8],
        or: OrClause,
    ) -> Result<bool> {
        self.insert_payload(table, rowid, record, record, or)
    }

    /// [`insert`](Self::insert) of a row whose record `payload` is
    /// produced a range at a time (see `stream`); `keys` is a record that
    /// agrees with it on every indexed column, which the index entries
    /// and uniqueness checks are built from.
    pub(super) fn insert_payload<R: PayloadBytes + ?Sized>(
        &mut self,
        table: &TableInfo<A>,
        rowid: RowId,
        keys: &[u8],
        payload: &R,
        or: OrClause,
    ) -> Result<bool> {
        let txn = match self.target {
            Target::Pages(txn) => txn,
            Target::Mvcc(txn) => {
                return self.insert_version(txn, table, rowid, keys, payload, or);
            }
        };
        let record = keys;
        let root = table.root;
        let rowid_conflict = or.on(table.columns.key_conflict);
        // SQLite checks a rowid its own REPLACE resolves after the indexes.
        let rowid_last = rowid_conflict == Conflict::Replace
            && or.given().is_none()
            && !table.indexes.is_empty();
        let exists = if table.indexes.iter().any(|i| i.columns.unique) {
            self.table_cursor(root).seek(rowid, SeekMode::Eq)?
        } else {
            // No unique key to check first: try the row in place, and
            // resolve a rowid conflict only when there is one.
            self.log(|_| Ok(Undo::RowInserted { root, rowid }))?;
            self.edge.retarget(root);
            if txn.append_row_from(&mut self.edge, rowid, payload)? {
                let current = self.edge.stamp == Some(self.db.generation());
                let keys = self.insert_keys(table, record, rowid);
                // Index entries change other trees only: what the edge
                // knows of the table's still holds.
                if current && keys.is_ok() {
                    self.edge.stamp = Some(self.db.generation());
                }
                return keys;
            }
            if let Some(log) = self.undo.as_mut() {
                log.forget_last();
            }
            true
        };
        if exists && !rowid_last {
            match Resolution::of(rowid_conflict, &self.halt, || rowid_taken(table))? {
                Resolution::Skip => return Ok(false),
                Resolution::Replace => {
                    self.delete(table, rowid)?;
                }
            }
        }
        let parsed = RecordRef::parse(record, Some(table.root))?;
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
                    self.delete(table, other)?;
                }
            }
        }
        if exists && rowid_last {
            self.delete(table, rowid)?;
        }
        self.log(|_| Ok(Undo::RowInserted { root, rowid }))?;
        txn.insert_row_from(root, rowid, payload)?;
        self.insert_keys(table, record, rowid)
    }

    /// Adds the keys of the row `rowid`, whose record is `record`, to every
    /// index of `table`.
    fn insert_keys(&mut self, table: &TableInfo<A>, record: &[u8], rowid: RowId) -> Result<bool> {
        if table.indexes.is_empty() {
            return Ok(true);
        }
        let parsed = RecordRef::parse(record, Some(table.root))?;
        for index in table.indexes.iter() {
            if !self.build_key(table, index, &parsed, rowid)? {
                continue;
            }
            let key = core::mem::replace(&mut self.key, Vec::new_in(self.alloc.clone()));
            let result = self.insert_key(index, &key);
            self.key = key;
            result?;
        }
        Ok(true)
    }

    pub(super) fn insert_key(&mut self, index: &IndexInfo<A>, key: &[u8]) -> Result<()> {
        let root = index.root;
        self.log(|log| {
            Ok(Undo::KeyInserted {
                root,
                key: log.bytes(key)?,
                keys: log.keys(&index.keys)?,
            })
        })?;
        self.txn()?.insert_key(root, key, &index.keys)?;
        Ok(())
    }
}
