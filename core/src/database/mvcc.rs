//! A [`Database`] in MVCC mode (`docs/mvcc.md`): the mode as the file
//! records it, the [`DurableStore`] on `<db>-log` the database owns while
//! in it, entering and leaving the mode, and checkpoints.
//!
//! The file records the mode in its header (write version
//! [`FileFormatVersion::Mvcc`], read version 2: stock SQLite opens it
//! read-only) and the checkpoint boundary as the one row of the table
//! `sqlite_mvcc(boundary INTEGER)`, created here below SQL (which refuses
//! `sqlite_` names).
//!
//! Invariants:
//! - the database owns a store exactly while its committed header says
//!   MVCC: entering opens the store before committing the header, leaving
//!   commits the header before letting the store go;
//! - while in MVCC mode the database holds its file's exclusive lock, so
//!   the log is private to it: another handle gets `Busy`;
//! - a checkpoint's rows and its boundary are written in one write
//!   transaction, so they are durable together; the log is reset only
//!   after that commit, and kept when a commit appended to it meanwhile
//!   (a checkpoint driven a step at a time,
//!   [`Database::mvcc_checkpoint_pausing`], releases the store at each
//!   [`CheckpointPoint`], and other connections commit there);
//! - the mode is left only with no MVCC transaction running and, after a
//!   checkpoint, an empty log: nothing committed stays behind in it.

use boundlite_platform::{ErrorKind, File, OpenMode, Platform};

use super::Database;
use crate::alloc::{Allocator, Vec};
use crate::format::FileFormatVersion;
use crate::mvcc::{
    CheckpointPoint, DurableStore, LogReset, RecoveryPoint, Resume, Timestamp, write_checkpoint,
};
use crate::record::{RecordRef, ValueRef, encode_into};
use crate::schema::EntryKind;
use crate::table::SchemaIndexes;
use crate::{Error, PageNo, Result, RowId, WriteTransaction};

/// The table that records the checkpoint boundary.
pub(crate) const BOUNDARY_TABLE: &str = "sqlite_mvcc";

/// Its schema entry's SQL.
const BOUNDARY_SQL: &str = "CREATE TABLE sqlite_mvcc(boundary INTEGER)";

/// The rowid of its one row.
const BOUNDARY_ROWID: RowId = RowId::new(1);

/// What a database in MVCC mode holds beside its pager.
pub(crate) struct MvccState<P: Platform, A: Allocator + Clone> {
    /// The version store and its log.
    pub(crate) store: DurableStore<P::File, A>,
    /// The root page of `sqlite_mvcc`.
    boundary_root: PageNo,
}

impl<P: Platform, A: Allocator + Clone> Database<P, A> {
    /// Whether the database is in MVCC mode (`PRAGMA journal_mode = mvcc`).
    pub fn is_mvcc(&self) -> bool {
        // Only a store call borrows it mutably, and only in MVCC mode.
        self.mvcc.try_borrow().map_or(true, |m| m.is_some())
    }

    /// Opens the store of a file whose header says MVCC, at open: under
    /// the file's exclusive lock, with the boundary its `sqlite_mvcc`
    /// records; the log's frames above it are replayed, stopping at each
    /// [`RecoveryPoint`] for `pause`.
    pub(super) fn resume_mvcc(&self, pause: &mut dyn FnMut(RecoveryPoint) -> Resume) -> Result<()> {
        if self.pager.header().write_version != FileFormatVersion::Mvcc {
            return Ok(());
        }
        if !self.pager.is_writable() {
            return Err(Error::CantOpen(
                "a database in MVCC mode cannot be opened read-only: its log may hold committed rows",
            ));
        }
        self.retry(|| self.pager.hold_file_exclusively())?;
        let (root, boundary) = self.read_boundary()?;
        let log = self.open_log(Truncate::No)?;
        let store = DurableStore::recover_pausing(
            log,
            boundary,
            self.mvcc_memory.get(),
            self.seed(),
            self.alloc.clone(),
            pause,
        )?;
        self.check_roots(&store, root)?;
        self.install(store, root)
    }

    /// `Corrupt` unless every table the recovered `store` writes is a
    /// rowid table of the schema other than `sqlite_schema` and
    /// `sqlite_mvcc` (at `boundary_root`): a log frame whose checksum
    /// matches may still name any page, and a checkpoint would write rows
    /// into whatever B-tree is there.
    fn check_roots(&self, store: &DurableStore<P::File, A>, boundary_root: PageNo) -> Result<()> {
        let schema = self.schema()?;
        for root in store.store().roots() {
            let is_table = schema
                .by_root(root)
                .is_some_and(|entry| entry.kind == EntryKind::Table);
            if !is_table || root == PageNo::ONE || root == boundary_root {
                return Err(Error::corrupt(
                    root,
                    "the MVCC log writes rows to a page that is no table's root",
                ));
            }
        }
        Ok(())
    }

    /// `PRAGMA journal_mode = mvcc`: from WAL mode, with no write
    /// transaction open and no other handle on the file (`Busy`).
    pub(crate) fn enter_mvcc(&self) -> Result<()> {
        if self.is_mvcc() {
            return Ok(());
        }
        if self.pager.in_write_transaction() {
            return Err(Error::Busy);
        }
        if !self.pager.is_writable() {
            return Err(Error::ReadOnly);
        }
        if self.log_path.is_empty() {
            return Err(Error::Sql(
                "journal_mode mvcc of a temporary database is not supported",
            ));
        }
        if self.pager.needs_log() {
            self.attach_log()?;
        }
        self.retry(|| self.pager.hold_file_exclusively())?;
        let entered = self.enter_mvcc_locked();
        if entered.is_err() {
            let _ = self.pager.share_file();
        }
        entered
    }

    fn enter_mvcc_locked(&self) -> Result<()> {
        // A log left from an earlier time in MVCC mode was emptied by the
        // checkpoint that left it: nothing in it is the database's.
        let log = self.open_log(Truncate::Yes)?;
        let store = DurableStore::recover(
            log,
            Timestamp::ZERO,
            self.mvcc_memory.get(),
            self.seed(),
            self.alloc.clone(),
        )?;
        let txn = self.begin_write()?;
        let root = txn.create_table(BOUNDARY_TABLE, BOUNDARY_SQL)?;
        write_boundary(&txn, root, Timestamp::ZERO)?;
        txn.set_write_version(FileFormatVersion::Mvcc)?;
        txn.commit()?;
        self.install(store, root)
    }

    /// `PRAGMA journal_mode = wal` from MVCC mode: with no MVCC
    /// transaction running, checkpoints every commit, drops `sqlite_mvcc`,
    /// writes write version 2 and deletes the log; other handles may open
    /// the file again.
    pub(crate) fn leave_mvcc(&self) -> Result<()> {
        if !self.is_mvcc() {
            return Ok(());
        }
        if self.with_store(|s| Ok(s.store().running()))? > 0 {
            return Err(Error::Sql(
                "journal_mode wal needs every MVCC transaction of the database ended",
            ));
        }
        self.mvcc_checkpoint()?;
        let txn = self.begin_write()?;
        txn.drop_table(BOUNDARY_TABLE)?;
        txn.set_write_version(FileFormatVersion::Wal)?;
        txn.commit()?;
        let state = self
            .mvcc
            .try_borrow_mut()
            .map_err(|_| Error::Misuse("the MVCC store is in use"))?
            .take();
        drop(state);
        match self.platform.delete(&self.log_path) {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
        self.pager.share_file()
    }

    /// Checkpoints every MVCC commit into the B-trees: the rows and the
    /// boundary in one write transaction, then the log starts over.
    /// Returns the boundary.
    pub(crate) fn mvcc_checkpoint(&self) -> Result<Timestamp> {
        self.mvcc_checkpoint_pausing(|_| Resume::Continue)
    }

    /// Checkpoints a step at a time: at each [`CheckpointPoint`] the store
    /// is released and `pause` runs (it may use every other connection of
    /// the database: read, write, begin and commit; another checkpoint
    /// gets `Busy`), then the checkpoint goes on or, at
    /// [`Resume::Abandon`], stops there and fails with `Abort` (see
    /// [`Resume`]). Returns the boundary. `Busy` while another checkpoint
    /// runs or a commit's frame is written a step at a time; `Misuse`
    /// outside MVCC mode.
    pub fn mvcc_checkpoint_pausing(
        &self,
        mut pause: impl FnMut(CheckpointPoint) -> Resume,
    ) -> Result<Timestamp> {
        let root = self.boundary_root()?;
        let upto = self.with_store(|s| s.start_checkpoint())?;
        let run = self.checkpoint_steps(upto, root, &mut pause);
        let ended = self.with_store(|s| {
            s.end_checkpoint();
            Ok(())
        });
        run.and_then(|upto| ended.map(|()| upto))
    }

    /// The steps of [`mvcc_checkpoint_pausing`](Self::mvcc_checkpoint_pausing)
    /// after it began the store's checkpoint to `upto`.
    fn checkpoint_steps(
        &self,
        upto: Timestamp,
        root: PageNo,
        pause: &mut impl FnMut(CheckpointPoint) -> Resume,
    ) -> Result<Timestamp> {
        const ABANDONED: Error = Error::Abort("the MVCC checkpoint was abandoned");
        if upto > self.with_store(|s| Ok(s.store().boundary()))? {
            let txn = self.begin_write()?;
            {
                let schema = self.schema()?;
                let mut indexes = SchemaIndexes::new(&schema, self.alloc.clone());
                self.with_store(|s| {
                    write_checkpoint(&txn, s.store().checkpoint_rows(upto), &mut indexes)
                })?;
            }
            write_boundary(&txn, root, upto)?;
            if pause(CheckpointPoint::RowsWritten) == Resume::Abandon {
                txn.rollback()?;
                return Err(ABANDONED);
            }
            txn.commit()?;
            // With no point between: a transaction begun at any pause
            // reads a B-tree and a store boundary that agree.
            self.with_store(|s| s.checkpointed(upto))?;
            if pause(CheckpointPoint::Recorded) == Resume::Abandon {
                return Err(ABANDONED);
            }
        }
        let seed = self.seed();
        if self.with_store(|s| s.empty_log(seed, upto))? == LogReset::Emptied {
            if pause(CheckpointPoint::LogEmptied) == Resume::Abandon {
                return Err(ABANDONED);
            }
            self.with_store(|s| s.settle_log())?;
        }
        Ok(upto)
    }

    /// `PRAGMA mvcc_checkpoint_threshold = bytes`: a commit that leaves
    /// the log longer checkpoints; 0 never.
    pub fn set_mvcc_checkpoint_threshold(&self, bytes: u64) {
        self.mvcc_threshold.set(bytes);
    }

    /// The log bytes past which a commit checkpoints (see
    /// [`set_mvcc_checkpoint_threshold`](Self::set_mvcc_checkpoint_threshold)).
    pub fn mvcc_checkpoint_threshold(&self) -> u64 {
        self.mvcc_threshold.get()
    }

    /// Checkpoints when the log has passed the threshold. Its error is
    /// the caller's to drop: the commit before it is durable whatever
    /// happens here, and the next commit tries again.
    pub(crate) fn checkpoint_past_threshold(&self) -> Result<()> {
        let threshold = self.mvcc_threshold.get();
        if threshold > 0 && self.with_store(|s| Ok(s.log_len()))? > threshold {
            self.mvcc_checkpoint()?;
        }
        Ok(())
    }

    /// Checkpoints when the store holds more than half its budget, before
    /// a transaction of SQL begins: a statement's write past the budget
    /// fails rather than checkpoint under its cursors (see
    /// `MvccTransaction::write_row`), so the room is made between
    /// transactions. Its error is the caller's to drop, as the
    /// threshold's is: the next transaction tries again.
    pub(crate) fn checkpoint_past_half_budget(&self) -> Result<()> {
        let (used, budget) = self.with_store(|s| Ok((s.store().used(), s.store().budget())))?;
        if used > budget / 2 {
            self.mvcc_checkpoint()?;
        }
        Ok(())
    }

    /// Bytes of the MVCC log; `Misuse` outside MVCC mode.
    pub fn mvcc_log_len(&self) -> Result<u64> {
        self.with_store(|s| Ok(s.log_len()))
    }

    /// Bytes the version store holds and may hold; `Misuse` outside MVCC
    /// mode.
    pub fn mvcc_memory_used(&self) -> Result<(usize, usize)> {
        self.with_store(|s| Ok((s.store().used(), s.store().budget())))
    }

    /// Runs `op` on the store; `Misuse` outside MVCC mode.
    pub(crate) fn with_store<T>(
        &self,
        op: impl FnOnce(&mut DurableStore<P::File, A>) -> Result<T>,
    ) -> Result<T> {
        let mut state = self
            .mvcc
            .try_borrow_mut()
            .map_err(|_| Error::Misuse("the MVCC store is in use"))?;
        match state.as_mut() {
            Some(state) => op(&mut state.store),
            None => Err(Error::Misuse("the database is not in MVCC mode")),
        }
    }

    fn boundary_root(&self) -> Result<PageNo> {
        match self
            .mvcc
            .try_borrow()
            .map(|m| m.as_ref().map(|m| m.boundary_root))
        {
            Ok(Some(root)) => Ok(root),
            Ok(None) => Err(Error::Misuse("the database is not in MVCC mode")),
            Err(_) => Err(Error::Misuse("the MVCC store is in use")),
        }
    }

    fn install(&self, store: DurableStore<P::File, A>, boundary_root: PageNo) -> Result<()> {
        let mut state = self
            .mvcc
            .try_borrow_mut()
            .map_err(|_| Error::Misuse("the MVCC store is in use"))?;
        *state = Some(MvccState {
            store,
            boundary_root,
        });
        Ok(())
    }

    /// The root of `sqlite_mvcc` and the boundary its row records.
    fn read_boundary(&self) -> Result<(PageNo, Timestamp)> {
        let schema = self.schema()?;
        let root = schema
            .table(BOUNDARY_TABLE)
            .and_then(|t| t.root)
            .ok_or(Error::corrupt_file(
                "a database in MVCC mode has no sqlite_mvcc table",
            ))?;
        let read = self.begin_read()?;
        let mut cursor =
            crate::btree::TableCursor::new(&read, root, Vec::new_in(self.alloc.clone()));
        let mut boundary = None;
        if cursor.first()? {
            cursor.scan(|rowid, record| {
                if rowid == BOUNDARY_ROWID {
                    boundary = Some(parse_boundary(record)?);
                }
                Ok(true)
            })?;
        }
        let boundary = boundary.ok_or(Error::corrupt_file(
            "the sqlite_mvcc table has no boundary row",
        ))?;
        Ok((root, boundary))
    }

    /// Opens `<db>-log`, creating it.
    fn open_log(&self, truncate: Truncate) -> Result<P::File> {
        let mut file = self.platform.open(&self.log_path, OpenMode::Create)?;
        if truncate == Truncate::Yes {
            file.truncate(0)?;
            file.sync()?;
        }
        Ok(file)
    }

    /// A seed for a log salt: the platform's clock, where it has one.
    fn seed(&self) -> u64 {
        let now = self.platform.now_unix_millis().unwrap_or(0) as u64;
        now ^ self.generation.get().rotate_left(32)
    }
}

/// Whether [`Database::open_log`] empties the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Truncate {
    Yes,
    No,
}

/// Records `boundary` as `sqlite_mvcc`'s row, in `txn`.
fn write_boundary<P: Platform, A: Allocator + Clone>(
    txn: &WriteTransaction<'_, P, A>,
    root: PageNo,
    boundary: Timestamp,
) -> Result<()> {
    let n = i64::try_from(boundary.get())
        .map_err(|_| Error::Misuse("the MVCC clock passed the largest integer"))?;
    let mut record = Vec::new_in(txn.database().allocator().clone());
    encode_into(&[ValueRef::Integer(n)], &mut record)?;
    txn.insert_row(root, BOUNDARY_ROWID, &record)
}

/// The boundary a `sqlite_mvcc` row records.
fn parse_boundary(record: &[u8]) -> Result<Timestamp> {
    match RecordRef::parse(record, None)?.column(0)? {
        ValueRef::Integer(n) if n >= 0 => Ok(Timestamp::new(n as u64)),
        _ => Err(Error::corrupt_file(
            "the sqlite_mvcc boundary is not an integer of 0 or more",
        )),
    }
}
