//! [`WriteTransaction`]: changes to a database's trees that commit or roll
//! back as a whole, or back to a savepoint, and [`TxnState`], where one
//! stands.
//!
//! [`TxnState`] is the one record of whether a write transaction failed:
//! the table layer's writer and the connection consult it rather than
//! keep flags of their own. A write transaction is in one of four
//! states:
//!
//! ```text
//!            a change fails (pager rolled back)
//!   Open ───────────────────────────────────────▶ Failed
//!    │ ▲                                             │
//!    │ │ end_statement                               │ commit (refused), rollback, drop
//!    │ │                                             │
//!    │ Undone ◀── a change fails inside a statement  │
//!    │            with a mark (undone to it)         │
//!    │ commit, rollback, drop                        ▼
//!    └──────────────────────────────────────────▶ Finished
//! ```
//!
//! | from     | event                                | to         | by                               |
//! |----------|--------------------------------------|------------|----------------------------------|
//! | (none)   | the pager's write transaction begins | `Open`     | `WriteTransaction::begin`        |
//! | `Open`   | a change succeeds                    | `Open`     | every change (`insert_row`, ...) |
//! | `Open`   | a change fails, no statement mark    | `Failed`   | every change                     |
//! | `Open`   | a change fails under a statement mark: the pager rolls back to it | `Undone` | every change |
//! | `Open`   | a statement's undo to its mark fails | `Failed`   | `undo_statement`                 |
//! | `Undone` | the statement ends                   | `Open`     | `undo_statement`, `end_statement`|
//! | `Undone` | a change or a commit                 | `Undone`   | refused with `Misuse`            |
//! | `Open`   | commit                               | `Finished` | `commit`                         |
//! | `Open`, `Undone` | rollback, or dropped uncommitted | `Finished` | `rollback`, drop            |
//! | `Failed` | a change or a commit                 | `Failed`   | refused with `Misuse`            |
//! | `Failed` | rollback, or dropped                 | `Finished` | nothing left to undo             |
//!
//! [`commit`](WriteTransaction::commit) and
//! [`rollback`](WriteTransaction::rollback) take the transaction by
//! value, so once `Finished` only its drop reaches it, and does nothing.
//!
//! A *statement mark* is a pager savepoint set for the length of one
//! statement ([`begin_statement`](WriteTransaction::begin_statement)):
//! the statement is then undone page by page, schema changes included,
//! rather than through the table layer's logical undo log.
//!
//! Invariants:
//! - the pager holds a write transaction exactly while the state is
//!   `Open` or `Undone`: `Failed` has already rolled it back, so nothing
//!   undoes into it and nothing commits it;
//! - in `Undone` the pages are as they were at the statement mark, which
//!   is still set;
//! - no transition leaves `Finished`; only the end of the statement that
//!   was undone goes back to `Open`.

use core::cell::Cell;

use boundlite_platform::Platform;

use super::Database;
use crate::alloc::Allocator;
use crate::btree::blob::{ChainPages, write_range};
use crate::btree::{IndexBuild, PayloadBytes, PayloadPlace, RightEdge, TreeKind, TreeWriter};
use crate::format::FileFormatVersion;
use crate::pager::SavepointId;
use crate::record::KeyColumn;
use crate::schema::{EntryKind, NewEntry, SchemaEditor};
use crate::{Error, PageNo, Result, RowId};

/// The error of a savepoint on a platform without temporary files.
const NO_TEMP_FILES: &str = "savepoints are not supported on a platform without temporary files";

/// Where a write transaction stands (see the module table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TxnState {
    /// Changes may be made.
    Open,
    /// An error rolled the transaction back; it accepts nothing more.
    Failed,
    /// An error undid the running statement to its mark; nothing more is
    /// accepted until the statement ends.
    Undone,
    /// Committed or rolled back by request.
    Finished,
}

/// The open write transaction of a [`Database`]. Every change goes through
/// it; [`commit`](Self::commit) makes them durable, and dropping it without
/// committing undoes them.
pub struct WriteTransaction<'db, P: Platform, A: Allocator + Clone> {
    db: &'db Database<P, A>,
    state: Cell<TxnState>,
    /// The running statement's mark, if it has one.
    statement: Cell<Option<SavepointId>>,
}

impl<'db, P: Platform, A: Allocator + Clone> WriteTransaction<'db, P, A> {
    pub(super) fn begin(db: &'db Database<P, A>) -> Result<Self> {
        if db.pager.in_write_transaction() {
            return Err(Error::Busy);
        }
        db.pager.begin_write()?;
        if !db.pager.is_exclusive() {
            // Another process may have written since the last one.
            db.bump_generation();
        }
        Ok(Self {
            db,
            state: Cell::new(TxnState::Open),
            statement: Cell::new(None),
        })
    }

    /// The open write transaction of `db`'s pager, taken up again after
    /// [`suspend`](Self::suspend) (see `database::temp`).
    pub(super) fn resume(db: &'db Database<P, A>) -> Self {
        Self {
            db,
            state: Cell::new(TxnState::Open),
            statement: Cell::new(None),
        }
    }

    /// Lets go of this value and leaves the pager's write transaction
    /// open, with its changes, for [`Database::continue_write`] to take up
    /// again (see `database::temp`); a failed transaction has nothing left
    /// to keep.
    pub(crate) fn suspend(self) {
        self.state.set(TxnState::Finished);
    }

    /// The database the transaction changes.
    pub(crate) fn database(&self) -> &'db Database<P, A> {
        self.db
    }

    /// Where the transaction stands.
    pub(crate) fn state(&self) -> TxnState {
        self.state.get()
    }

    /// Creates an empty tree of `kind`; returns its root page.
    pub fn create_tree(&self, kind: TreeKind) -> Result<PageNo> {
        self.change(|writer, pager| writer.create_tree(pager, kind))
    }

    /// Creates table `name` from its `CREATE TABLE` statement `sql`: its
    /// B-tree, its schema entry, and the trees of the indexes its PRIMARY
    /// KEY and UNIQUE constraints imply. Returns the table's root page.
    pub fn create_table(&self, name: &str, sql: &str) -> Result<PageNo> {
        let alloc = self.db.alloc.clone();
        self.change(|writer, pager| SchemaEditor::new(pager, writer, alloc).create_table(name, sql))
    }

    /// Creates index `name` on `table` from its `CREATE INDEX` statement
    /// `sql`, filled from the table's rows. Returns its root page.
    pub fn create_index(&self, name: &str, table: &str, sql: &str) -> Result<PageNo> {
        let alloc = self.db.alloc.clone();
        let (platform, sort_memory) = (self.db.platform(), self.db.sort_memory());
        self.change(|writer, pager| {
            SchemaEditor::new(pager, writer, alloc).create_index(
                name,
                table,
                sql,
                platform,
                sort_memory,
            )
        })
    }

    /// Builds index `name` again from its table's rows (`REINDEX`).
    pub fn rebuild_index(&self, name: &str) -> Result<()> {
        let alloc = self.db.alloc.clone();
        let (platform, sort_memory) = (self.db.platform(), self.db.sort_memory());
        self.change(|writer, pager| {
            SchemaEditor::new(pager, writer, alloc).rebuild_index(name, platform, sort_memory)
        })
    }

    /// Drops table `name` with its indexes; returns whether it existed.
    pub fn drop_table(&self, name: &str) -> Result<bool> {
        let alloc = self.db.alloc.clone();
        self.change(|writer, pager| SchemaEditor::new(pager, writer, alloc).drop_table(name))
    }

    /// Drops index `name`; returns whether it existed.
    pub fn drop_index(&self, name: &str) -> Result<bool> {
        let alloc = self.db.alloc.clone();
        self.change(|writer, pager| SchemaEditor::new(pager, writer, alloc).drop_index(name))
    }

    /// Creates view `name` from its `CREATE VIEW` statement `sql`: a
    /// schema row with no B-tree.
    pub fn create_view(&self, name: &str, sql: &str) -> Result<()> {
        let alloc = self.db.alloc.clone();
        self.change(|writer, pager| {
            SchemaEditor::new(pager, writer, alloc)
                .add_entry(&NewEntry {
                    kind: EntryKind::View,
                    name,
                    table: name,
                    root: None,
                    sql: Some(sql),
                })
                .map(|_| ())
        })
    }

    /// Creates trigger `name` on `table` from its `CREATE TRIGGER`
    /// statement `sql`: a schema row with no B-tree.
    pub fn create_trigger(&self, name: &str, table: &str, sql: &str) -> Result<()> {
        let alloc = self.db.alloc.clone();
        self.change(|writer, pager| {
            SchemaEditor::new(pager, writer, alloc)
                .add_entry(&NewEntry {
                    kind: EntryKind::Trigger,
                    name,
                    table,
                    root: None,
                    sql: Some(sql),
                })
                .map(|_| ())
        })
    }

    /// Drops trigger `name`; returns whether it existed.
    pub fn drop_trigger(&self, name: &str) -> Result<bool> {
        let alloc = self.db.alloc.clone();
        self.change(|writer, pager| SchemaEditor::new(pager, writer, alloc).drop_trigger(name))
    }

    /// Drops view `name`; returns whether it existed.
    pub fn drop_view(&self, name: &str) -> Result<bool> {
        let alloc = self.db.alloc.clone();
        self.change(|writer, pager| SchemaEditor::new(pager, writer, alloc).drop_view(name))
    }

    /// Replaces the schema row `rowid` with `entry`.
    pub fn replace_entry(&self, rowid: RowId, entry: &NewEntry<'_>) -> Result<()> {
        let alloc = self.db.alloc.clone();
        self.change(|writer, pager| {
            SchemaEditor::new(pager, writer, alloc).replace_entry(rowid, entry)
        })
    }

    /// Renames the `sqlite_sequence` row of table `old` to `new`.
    pub fn rename_sequence(&self, old: &str, new: &str) -> Result<()> {
        let alloc = self.db.alloc.clone();
        self.change(|writer, pager| {
            SchemaEditor::new(pager, writer, alloc).rename_sequence(old, new)
        })
    }

    /// Records at least schema format `format` in the header.
    pub fn require_format(&self, format: u32) -> Result<()> {
        let alloc = self.db.alloc.clone();
        self.change(|writer, pager| SchemaEditor::new(pager, writer, alloc).require_format(format))
    }

    /// Stores `record` as row `rowid` of the table rooted at `root`,
    /// replacing any row with that rowid.
    pub fn insert_row(&self, root: PageNo, rowid: RowId, record: &[u8]) -> Result<()> {
        self.change(|writer, pager| writer.insert_row(pager, root, rowid, record))
    }

    /// [`insert_row`](Self::insert_row) for a record produced a range at
    /// a time, its overflow pages filled page by page.
    pub fn insert_row_from<R: PayloadBytes + ?Sized>(
        &self,
        root: PageNo,
        rowid: RowId,
        record: &R,
    ) -> Result<()> {
        self.change(|writer, pager| writer.insert_row_from(pager, root, rowid, record))
    }

    /// [`insert_new_row`](Self::insert_new_row) for a record produced a
    /// range at a time, its overflow pages filled page by page.
    pub fn insert_new_row_from<R: PayloadBytes + ?Sized>(
        &self,
        root: PageNo,
        rowid: RowId,
        record: &R,
    ) -> Result<bool> {
        self.change(|writer, pager| writer.insert_new_row_from(pager, root, rowid, record))
    }

    /// [`insert_new_row_from`](Self::insert_new_row_from) into the table
    /// whose rightmost leaf `edge` remembers: rows coming in rowid order
    /// are placed there without a descent each. The edge is trusted only
    /// when no tree changed since its last append (the database's change
    /// counter says so), and found again otherwise.
    pub fn append_row_from<R: PayloadBytes + ?Sized, B: Allocator>(
        &self,
        edge: &mut RightEdge<B>,
        rowid: RowId,
        record: &R,
    ) -> Result<bool> {
        if edge.stamp != Some(self.db.generation()) {
            edge.forget();
        }
        let stored = self.change(|writer, pager| edge.append(writer, pager, rowid, record));
        edge.stamp = stored.is_ok().then(|| self.db.generation());
        stored
    }

    /// Stores `record` as row `rowid` of the table rooted at `root` unless
    /// a row with that rowid exists; returns whether it stored it.
    pub fn insert_new_row(&self, root: PageNo, rowid: RowId, record: &[u8]) -> Result<bool> {
        self.change(|writer, pager| writer.insert_new_row(pager, root, rowid, record))
    }

    /// Overwrites the bytes at `offset..offset + bytes.len()` of the
    /// payload stored at `place`, page by page, through the chain's pages
    /// `chain` knows; its size stays.
    pub(crate) fn write_payload<B: Allocator>(
        &self,
        place: &PayloadPlace,
        offset: usize,
        bytes: &[u8],
        chain: Option<&mut ChainPages<B>>,
    ) -> Result<()> {
        self.change(|_, pager| write_range(pager, place, offset, bytes, chain))
    }

    /// Removes row `rowid`; returns whether it existed.
    pub fn delete_row(&self, root: PageNo, rowid: RowId) -> Result<bool> {
        self.change(|writer, pager| writer.delete_row(pager, root, rowid))
    }

    /// Adds `key` to the index rooted at `root`, ordered by `columns`;
    /// returns `false` if an equal key is already there.
    pub fn insert_key(&self, root: PageNo, key: &[u8], columns: &[KeyColumn]) -> Result<bool> {
        self.change(|writer, pager| writer.insert_key(pager, root, key, columns))
    }

    /// Fills the empty index rooted at `root` bottom up: `fill` pushes
    /// its keys in ascending order (see [`IndexBuild`]).
    pub(crate) fn build_index(
        &self,
        root: PageNo,
        fill: impl FnOnce(&mut IndexBuild<'_, crate::pager::Pager<P::File, A>, A>) -> Result<()>,
    ) -> Result<()> {
        self.change(|writer, pager| {
            let mut build = writer.build_index(pager, root)?;
            fill(&mut build)?;
            build.finish()
        })
    }

    /// Removes `key` from the index rooted at `root`; returns whether it
    /// was there.
    pub fn delete_key(&self, root: PageNo, key: &[u8], columns: &[KeyColumn]) -> Result<bool> {
        self.change(|writer, pager| writer.delete_key(pager, root, key, columns))
    }

    /// Frees every page of the tree rooted at `root`, root included.
    pub fn drop_tree(&self, root: PageNo) -> Result<()> {
        self.change(|writer, pager| writer.drop_tree(pager, root))
    }

    /// Empties the tree rooted at `root`, keeping its root page.
    pub fn clear_tree(&self, root: PageNo) -> Result<()> {
        self.change(|writer, pager| writer.clear_tree(pager, root))
    }

    /// Sets `PRAGMA user_version`.
    pub fn set_user_version(&self, version: i32) -> Result<()> {
        self.change(|_, pager| pager.update_header(|h| h.user_version = version))
    }

    /// Sets the header's file format write version: MVCC mode is entered
    /// and left this way (see `database::mvcc`).
    pub(crate) fn set_write_version(&self, version: FileFormatVersion) -> Result<()> {
        self.change(|_, pager| pager.update_header(|h| h.write_version = version))
    }

    /// Makes every change durable.
    pub fn commit(self) -> Result<()> {
        self.check_open()?;
        self.state.set(TxnState::Finished);
        // A commit that fails leaves the changes undone.
        self.db
            .pager
            .commit()
            .inspect_err(|_| self.db.bump_generation())
    }

    /// Undoes every change.
    pub fn rollback(self) -> Result<()> {
        self.finish()
    }

    fn finish(&self) -> Result<()> {
        let was = self.state.replace(TxnState::Finished);
        match was {
            TxnState::Open | TxnState::Undone => {
                self.db.bump_generation();
                self.db.pager.rollback()
            }
            TxnState::Failed | TxnState::Finished => Ok(()),
        }
    }

    fn check_open(&self) -> Result<()> {
        match self.state.get() {
            TxnState::Open => Ok(()),
            TxnState::Failed => Err(Error::Misuse(
                "the transaction was rolled back after an error",
            )),
            TxnState::Undone => Err(Error::Misuse("the statement was undone after an error")),
            TxnState::Finished => Err(Error::Misuse("the transaction has ended")),
        }
    }

    /// For a statement whose earlier schema change its logical undo log
    /// cannot take back once a later step failed: rolls the whole
    /// transaction back as a failed change does (`Open` to `Failed`),
    /// unless the statement has a mark, which undoes it whole.
    pub(crate) fn fail(&self) -> Result<()> {
        if self.state.get() != TxnState::Open || self.statement.get().is_some() {
            return Ok(());
        }
        self.state.set(TxnState::Failed);
        self.db.bump_generation();
        self.db.pager.rollback()
    }

    /// Sets a savepoint that [`rollback_to`](Self::rollback_to) returns
    /// to (see `pager::savepoint`); its subjournal is a temporary file of
    /// the platform's.
    pub(crate) fn savepoint(&self) -> Result<SavepointId> {
        self.check_open()?;
        let platform = self.db.platform();
        self.db.pager.open_savepoint(|| {
            platform.open_temp().map_err(|e| match e.kind() {
                boundlite_platform::ErrorKind::Unsupported => Error::Sql(NO_TEMP_FILES),
                _ => Error::from(e),
            })
        })
    }

    /// Undoes every change since savepoint `id`, which stays set; the
    /// savepoints after it go. When the undo fails the transaction is
    /// rolled back whole (`Failed`) and the error returned.
    pub(crate) fn rollback_to(&self, id: SavepointId) -> Result<()> {
        self.check_open()?;
        self.db.bump_generation();
        match self.db.pager.rollback_to_savepoint(id) {
            Ok(()) => Ok(()),
            Err(error) => {
                self.state.set(TxnState::Failed);
                self.db.pager.rollback()?;
                Err(error)
            }
        }
    }

    /// Forgets savepoint `id` and those after it, keeping their changes.
    pub(crate) fn release(&self, id: SavepointId) -> Result<()> {
        self.check_open()?;
        self.db.pager.release_savepoint(id)
    }

    /// Sets the mark the statement about to run is undone to, should it
    /// fail (see the module docs). `false`, and no mark, on a platform
    /// without temporary files: the statement is then undone as far as
    /// its undo log goes, and rolls the transaction back whole past that
    /// (see [`fail`](Self::fail)).
    pub(crate) fn begin_statement(&self) -> Result<bool> {
        match self.savepoint() {
            Ok(mark) => {
                self.statement.set(Some(mark));
                Ok(true)
            }
            Err(Error::Sql(NO_TEMP_FILES)) => Ok(false),
            Err(error) => Err(error),
        }
    }

    /// The statement succeeded (or keeps what it did): its mark goes.
    pub(crate) fn end_statement(&self) -> Result<()> {
        let Some(mark) = self.statement.take() else {
            return Ok(());
        };
        match self.state.get() {
            TxnState::Open => self.db.pager.release_savepoint(mark),
            TxnState::Undone => {
                self.state.set(TxnState::Open);
                self.db.pager.release_savepoint(mark)
            }
            TxnState::Failed | TxnState::Finished => Ok(()),
        }
    }

    /// The statement failed: its changes are undone to its mark (unless a
    /// failed change did already), and the transaction goes on. `Err` when
    /// that is not possible: the transaction was rolled back whole.
    pub(crate) fn undo_statement(&self) -> Result<()> {
        let Some(mark) = self.statement.get() else {
            return Err(Error::Misuse("a statement undone without its mark"));
        };
        match self.state.get() {
            TxnState::Open => self.rollback_to(mark)?,
            TxnState::Undone => {}
            TxnState::Failed | TxnState::Finished => {
                self.statement.set(None);
                return self.check_open();
            }
        }
        self.end_statement()
    }

    /// Runs one change. On error the transaction is undone to the
    /// statement's mark when there is one (`Undone`), else rolled back
    /// whole (`Failed`).
    fn change<T>(
        &self,
        op: impl FnOnce(&mut TreeWriter<A>, &crate::pager::Pager<P::File, A>) -> Result<T>,
    ) -> Result<T> {
        self.check_open()?;
        let mut writer = self
            .db
            .writer
            .try_borrow_mut()
            .map_err(|_| Error::Misuse("tree writer is busy"))?;
        self.db.bump_generation();
        match op(&mut writer, &self.db.pager) {
            Ok(value) => Ok(value),
            Err(error) => {
                drop(writer);
                let undone = self
                    .statement
                    .get()
                    .map(|mark| self.db.pager.rollback_to_savepoint(mark));
                match undone {
                    Some(Ok(())) => self.state.set(TxnState::Undone),
                    Some(Err(_)) | None => {
                        self.state.set(TxnState::Failed);
                        self.db.pager.rollback()?;
                    }
                }
                Err(error)
            }
        }
    }
}

impl<P: Platform, A: Allocator + Clone> Drop for WriteTransaction<'_, P, A> {
    fn drop(&mut self) {
        // Nothing to report to: a failed rollback leaves the pager to
        // refuse further writes, which the next begin will say.
        let _ = self.finish();
    }
}
