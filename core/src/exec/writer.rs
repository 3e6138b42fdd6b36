//! [`Writer`]: every change a statement makes to the trees, with the
//! indexes of a table kept in step with its rows, and the undo log that
//! makes one statement atomic inside an explicit transaction.
//!
//! Invariants:
//! - a row and its index entries change together: [`Writer::insert`]
//!   adds the row then one entry per index, [`Writer::delete`] removes
//!   the entries (built from the stored row) then the row, as SQLite
//!   orders them;
//! - constraints are checked before a row is written: a rowid already in
//!   use or an equal non-NULL key in a `UNIQUE` index is a conflict,
//!   resolved by the statement's conflict mode (`REPLACE` deletes the
//!   other row, `IGNORE` skips this one, anything else fails);
//! - when logging, each change is recorded before it is made, so undoing
//!   the log in reverse restores the trees as they were when the
//!   statement began;
//! - an error from the storage engine has already rolled the whole
//!   transaction back; the writer remembers it so nothing tries to undo
//!   into a transaction that is gone.

use core::ops::Range;

use boundlite_platform::Platform;

use crate::alloc::{Allocator, Vec};
use crate::btree::SeekMode;
use crate::record::{KeyColumn, RecordRef, ValueRef, compare_record_with_values};
use crate::schema::{KeyBuilt, build_index_key};
use crate::sql::Conflict;
use crate::{Database, Error, PageNo, Result, WriteTransaction};

use super::table::{IndexInfo, TableInfo};
use super::value_refs::with_value_refs;
use super::view::View;

/// One change, as the undo log records it; bytes and key columns are
/// ranges of the log's shared buffers.
enum Undo {
    /// A row was added.
    RowInserted { root: PageNo, rowid: i64 },
    /// A row was removed; its record.
    RowDeleted {
        root: PageNo,
        rowid: i64,
        record: Range<usize>,
    },
    /// An index entry was added.
    KeyInserted {
        root: PageNo,
        key: Range<usize>,
        keys: Range<usize>,
    },
    /// An index entry was removed.
    KeyDeleted {
        root: PageNo,
        key: Range<usize>,
        keys: Range<usize>,
    },
}

/// The undo log: its entries, and the records, keys and key columns they
/// hold, packed in two buffers so that a warm log records a change
/// without allocating.
struct UndoLog<A: Allocator> {
    entries: Vec<Undo, A>,
    bytes: Vec<u8, A>,
    keys: Vec<KeyColumn, A>,
}

/// The largest undo log (in entries, bytes and key columns) a connection
/// keeps for its next statement.
const KEPT_UNDO_ENTRIES: usize = 64;
const KEPT_UNDO_BYTES: usize = 16 * 1024;
const KEPT_UNDO_KEYS: usize = 256;

impl<A: Allocator + Clone> UndoLog<A> {
    fn new(alloc: &A) -> Self {
        UndoLog {
            entries: Vec::new_in(alloc.clone()),
            bytes: Vec::new_in(alloc.clone()),
            keys: Vec::new_in(alloc.clone()),
        }
    }

    /// Forgets every change, keeping the buffers.
    fn clear(&mut self) {
        self.entries.clear();
        self.bytes.clear();
        self.keys.clear();
    }

    /// The log emptied for the next statement, with each buffer grown
    /// by a statement that changed many rows let go rather than held by
    /// the connection for good.
    fn into_kept(mut self, alloc: &A) -> Self {
        self.clear();
        if self.entries.capacity() > KEPT_UNDO_ENTRIES {
            self.entries = Vec::new_in(alloc.clone());
        }
        if self.bytes.capacity() > KEPT_UNDO_BYTES {
            self.bytes = Vec::new_in(alloc.clone());
        }
        if self.keys.capacity() > KEPT_UNDO_KEYS {
            self.keys = Vec::new_in(alloc.clone());
        }
        self
    }

    /// Records the change `entry` makes of the copies it asks for.
    /// Nothing is recorded when memory runs out.
    fn record(&mut self, entry: impl FnOnce(&mut Self) -> Result<Undo>) -> Result<()> {
        let (bytes, keys) = (self.bytes.len(), self.keys.len());
        let result = self
            .entries
            .try_reserve(1)
            .map_err(Error::from)
            .and_then(|()| entry(self));
        match result {
            Ok(undo) => Ok(self.entries.try_push(undo)?),
            Err(e) => {
                self.bytes.truncate(bytes);
                self.keys.truncate(keys);
                Err(e)
            }
        }
    }

    /// Copies `data` into the log.
    fn bytes(&mut self, data: &[u8]) -> Result<Range<usize>> {
        let start = self.bytes.len();
        self.bytes.try_extend_from_slice(data)?;
        Ok(start..self.bytes.len())
    }

    /// Copies `keys` into the log.
    fn keys(&mut self, keys: &[KeyColumn]) -> Result<Range<usize>> {
        let start = self.keys.len();
        self.keys.try_extend_from_slice(keys)?;
        Ok(start..self.keys.len())
    }
}

/// A writer's buffers, kept by the connection from one statement to the
/// next so that a warm statement's writer allocates nothing.
pub(crate) struct Buffers<A: Allocator> {
    undo: UndoLog<A>,
    key: Vec<u8, A>,
    row: Vec<u8, A>,
}

/// The changes of one statement inside one write transaction.
pub(crate) struct Writer<'t, 'db, P: Platform, A: Allocator + Clone> {
    db: &'db Database<P, A>,
    /// The connection's view, showing `txn` (for the reads a statement
    /// makes through the executor).
    view: &'t View<'db, P, A>,
    txn: &'t WriteTransaction<'db, P, A>,
    undo: Option<UndoLog<A>>,
    failed: bool,
    key: Vec<u8, A>,
    row: Vec<u8, A>,
    alloc: A,
}

impl<'t, 'db, P: Platform, A: Allocator + Clone> Writer<'t, 'db, P, A> {
    /// A writer into `txn`, which `view` shows, keeping an undo log when
    /// `logging`, in `buffers` when given (else new ones).
    pub fn new(
        db: &'db Database<P, A>,
        view: &'t View<'db, P, A>,
        txn: &'t WriteTransaction<'db, P, A>,
        logging: bool,
        buffers: Option<Buffers<A>>,
    ) -> Self {
        let alloc = db.allocator().clone();
        let Buffers { mut undo, key, row } = buffers.unwrap_or_else(|| Buffers {
            undo: UndoLog::new(&alloc),
            key: Vec::new_in(alloc.clone()),
            row: Vec::new_in(alloc.clone()),
        });
        undo.clear();
        // A writer that does not log gives up the log's buffer; the next
        // one that does grows it back.
        Writer {
            db,
            view,
            txn,
            undo: logging.then_some(undo),
            failed: false,
            key,
            row,
            alloc,
        }
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
        }
    }

    /// The database written.
    pub fn db(&self) -> &'db Database<P, A> {
        self.db
    }

    /// The connection's view, showing the write transaction.
    pub fn view(&self) -> &'t View<'db, P, A> {
        self.view
    }

    /// Runs one storage operation, remembering a failure.
    fn storage<T>(
        &mut self,
        op: impl FnOnce(&WriteTransaction<'db, P, A>) -> Result<T>,
    ) -> Result<T> {
        let result = op(self.txn);
        if result.is_err() {
            self.failed = true;
        }
        result
    }

    /// Records the change `undo` describes when logging.
    fn log(&mut self, undo: impl FnOnce(&mut UndoLog<A>) -> Result<Undo>) -> Result<()> {
        match self.undo.as_mut() {
            Some(log) => log.record(undo),
            None => Ok(()),
        }
    }

    /// A DDL or other change that cannot be undone row by row.
    pub fn schema_change<T>(
        &mut self,
        op: impl FnOnce(&WriteTransaction<'db, P, A>) -> Result<T>,
    ) -> Result<T> {
        self.storage(op)
    }

    /// Undoes every logged change, newest first. `Err` means the
    /// transaction can no longer be trusted and must be rolled back.
    pub fn undo(mut self) -> Result<()> {
        if self.failed {
            return Err(Error::Misuse(
                "the transaction was rolled back after an error",
            ));
        }
        let Some(mut log) = self.undo.take() else {
            return Ok(());
        };
        let gone = || Error::Misuse("an undo entry outside its log");
        while let Some(change) = log.entries.pop() {
            match change {
                Undo::RowInserted { root, rowid } => {
                    self.txn.delete_row(root, rowid)?;
                }
                Undo::RowDeleted {
                    root,
                    rowid,
                    record,
                } => {
                    let record = log.bytes.get(record).ok_or_else(gone)?;
                    self.txn.insert_row(root, rowid, record)?;
                }
                Undo::KeyInserted { root, key, keys } => {
                    let key = log.bytes.get(key).ok_or_else(gone)?;
                    let keys = log.keys.get(keys).ok_or_else(gone)?;
                    self.txn.delete_key(root, key, keys)?;
                }
                Undo::KeyDeleted { root, key, keys } => {
                    let key = log.bytes.get(key).ok_or_else(gone)?;
                    let keys = log.keys.get(keys).ok_or_else(gone)?;
                    self.txn.insert_key(root, key, keys)?;
                }
            }
        }
        Ok(())
    }

    /// The largest rowid of `table`, 0 when it is empty.
    pub fn max_rowid(&self, table: &TableInfo<A>) -> Result<i64> {
        let mut cursor = self.db.table_cursor(table.root);
        if cursor.last()? {
            cursor.rowid()
        } else {
            Ok(0)
        }
    }

    /// Copies the record of row `rowid` into `out`; `false` when there
    /// is no such row.
    fn read_row(&self, root: PageNo, rowid: i64, out: &mut Vec<u8, A>) -> Result<bool> {
        out.clear();
        let mut cursor = self.db.table_cursor(root);
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

    /// Replaces the record of row `rowid` of `table`, which has no index,
    /// by `record` in one descent (a delete and an insert take two and
    /// read the row again). The old record is the one given to
    /// [`keep_old_row`](Self::keep_old_row).
    pub fn overwrite(&mut self, table: &TableInfo<A>, rowid: i64, record: &[u8]) -> Result<()> {
        if !table.indexes.is_empty() {
            return Err(Error::Misuse("overwriting a row of an indexed table"));
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
        self.storage(|txn| txn.insert_row(root, rowid, record))
    }

    /// Deletes row `rowid` of `table` with its index entries; `false`
    /// when there was no such row.
    pub fn delete(&mut self, table: &TableInfo<A>, rowid: i64) -> Result<bool> {
        let mut row = core::mem::replace(&mut self.row, Vec::new_in(self.alloc.clone()));
        let result = self.delete_with(table, rowid, &mut row);
        self.row = row;
        result
    }

    fn delete_with(
        &mut self,
        table: &TableInfo<A>,
        rowid: i64,
        row: &mut Vec<u8, A>,
    ) -> Result<bool> {
        if !self.read_row(table.root, rowid, row)? {
            return Ok(false);
        }
        let record = RecordRef::parse(row, Some(table.root))?;
        for index in table.indexes.iter() {
            self.build_key(table, index, &record, rowid)?;
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
        self.storage(|txn| txn.delete_row(root, rowid))
    }

    fn delete_key(&mut self, index: &IndexInfo<A>, key: &[u8]) -> Result<()> {
        let root = index.root;
        self.log(|log| {
            Ok(Undo::KeyDeleted {
                root,
                key: log.bytes(key)?,
                keys: log.keys(&index.keys)?,
            })
        })?;
        self.storage(|txn| txn.delete_key(root, key, &index.keys))?;
        Ok(())
    }

    fn build_key(
        &mut self,
        table: &TableInfo<A>,
        index: &IndexInfo<A>,
        record: &RecordRef<'_>,
        rowid: i64,
    ) -> Result<()> {
        match build_index_key(&table.columns, &index.columns, record, rowid, &mut self.key)? {
            KeyBuilt::Built => Ok(()),
            KeyBuilt::Unknown => Err(Error::Sql("index key needs an expression evaluated")),
        }
    }

    /// Stores `record` as row `rowid` of `table` with its index entries,
    /// resolving conflicts by `conflict`. Returns `false` when `IGNORE`
    /// skipped the row.
    pub fn insert(
        &mut self,
        table: &TableInfo<A>,
        rowid: i64,
        record: &[u8],
        conflict: Conflict,
    ) -> Result<bool> {
        let root = table.root;
        let exists = if table.indexes.iter().any(|i| i.columns.unique) {
            self.db.table_cursor(root).seek(rowid, SeekMode::Eq)?
        } else {
            // No unique key to check first: try the row in place, and
            // resolve a rowid conflict only when there is one.
            self.log(|_| Ok(Undo::RowInserted { root, rowid }))?;
            if self.storage(|txn| txn.insert_new_row(root, rowid, record))? {
                return self.insert_keys(table, record, rowid);
            }
            if let Some(log) = self.undo.as_mut() {
                log.entries.pop();
            }
            true
        };
        if exists {
            match conflict {
                Conflict::Ignore => return Ok(false),
                Conflict::Replace => {
                    self.delete(table, rowid)?;
                }
                _ => return Err(Error::Constraint("UNIQUE constraint failed: rowid")),
            }
        }
        let parsed = RecordRef::parse(record, Some(table.root))?;
        for index in table.indexes.iter().filter(|i| i.columns.unique) {
            self.build_key(table, index, &parsed, rowid)?;
            let Some(other) = self.find_equal_key(index)? else {
                continue;
            };
            match conflict {
                Conflict::Ignore => return Ok(false),
                Conflict::Replace => {
                    self.delete(table, other)?;
                }
                _ => return Err(Error::Constraint("UNIQUE constraint failed")),
            }
        }
        self.log(|_| Ok(Undo::RowInserted { root, rowid }))?;
        self.storage(|txn| txn.insert_row(root, rowid, record))?;
        self.insert_keys(table, record, rowid)
    }

    /// Adds the keys of the row `rowid`, whose record is `record`, to every
    /// index of `table`.
    fn insert_keys(&mut self, table: &TableInfo<A>, record: &[u8], rowid: i64) -> Result<bool> {
        if table.indexes.is_empty() {
            return Ok(true);
        }
        let parsed = RecordRef::parse(record, Some(table.root))?;
        for index in table.indexes.iter() {
            self.build_key(table, index, &parsed, rowid)?;
            let key = core::mem::replace(&mut self.key, Vec::new_in(self.alloc.clone()));
            let result = self.insert_key(index, &key);
            self.key = key;
            result?;
        }
        Ok(true)
    }

    fn insert_key(&mut self, index: &IndexInfo<A>, key: &[u8]) -> Result<()> {
        let root = index.root;
        self.log(|log| {
            Ok(Undo::KeyInserted {
                root,
                key: log.bytes(key)?,
                keys: log.keys(&index.keys)?,
            })
        })?;
        self.storage(|txn| txn.insert_key(root, key, &index.keys))?;
        Ok(())
    }

    /// The rowid of an entry of the unique `index` whose key columns
    /// equal those of the key in `self.key` (none when one of them is
    /// NULL: NULLs are distinct).
    fn find_equal_key(&self, index: &IndexInfo<A>) -> Result<Option<i64>> {
        let key = RecordRef::parse(&self.key, Some(index.root))?;
        let n = index.columns.columns.len();
        with_value_refs(n, key.columns(), self.alloc.clone(), |prefix| {
            self.find_equal_prefix(index, prefix)
        })
    }

    /// The rowid of an entry of the unique `index` whose first key
    /// columns equal `prefix`.
    fn find_equal_prefix(
        &self,
        index: &IndexInfo<A>,
        prefix: &[ValueRef<'_>],
    ) -> Result<Option<i64>> {
        let n = prefix.len();
        if prefix.iter().any(ValueRef::is_null) {
            return Ok(None);
        }
        let keys = index.keys.get(..n).unwrap_or(&index.keys);
        let mut cursor = self.db.index_cursor(index.root);
        if !cursor.seek(prefix, keys, SeekMode::Ge)? {
            return Ok(None);
        }
        let payload = cursor.payload()?;
        let entry = RecordRef::parse(&payload, Some(index.root))?;
        if compare_record_with_values(&entry, prefix, keys)?.is_ne() {
            return Ok(None);
        }
        match entry.column(n)? {
            ValueRef::Integer(rowid) => Ok(Some(rowid)),
            _ => Err(Error::corrupt(index.root, "index entry without a rowid")),
        }
    }
}
