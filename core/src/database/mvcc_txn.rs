//! [`MvccTransaction`]: one transaction of a database in MVCC mode, below
//! SQL (`docs/mvcc.md`), and [`MvccRows`], a table's rows as it sees them.
//!
//! A transaction holds its id in the database's version store and the
//! pager read transaction of the B-tree snapshot it began on: both are
//! taken in one call, with no checkpoint between them, so its B-tree is
//! the checkpoint boundary the store recorded for it.
//!
//! Invariants:
//! - it reads its own writes, the commits before it began and, for rows
//!   the store has no version of, its B-tree snapshot: snapshot
//!   isolation; writes conflict first-committer-wins
//!   ([`Error::BusyConflict`]), after which the transaction can only be
//!   rolled back (dropping it does that);
//! - a write past the store's budget checkpoints and is retried once; a
//!   write that still does not fit fails with `OutOfMemory` and changes
//!   nothing;
//! - a commit is durable (its log frame synced) before it is visible; a
//!   commit that leaves the log past the threshold then checkpoints, and
//!   that checkpoint's failure does not undo the commit;
//! - a commit driven a step at a time ([`MvccTransaction::commit_pausing`])
//!   releases the store between its points, so other connections run
//!   there; `Busy` at a commit (another commit's frame partly written,
//!   or another transaction preparing) leaves the transaction running,
//!   to commit again, as SQLite's `COMMIT` does after `SQLITE_BUSY`;
//! - the store is borrowed for one call at a time, never across a
//!   caller's code but [`MvccRows::with_record`]'s closure.

use boundlite_platform::Platform;

use super::Database;
use crate::alloc::{Allocator, Vec};
use crate::btree::{SeekMode, TableCursor};
use crate::mvcc::store::Change;
use crate::mvcc::store::{Prepared, Tree};
use crate::mvcc::{CommitPoint, CommitStep, MergedRows, Resume, Timestamp, TxnId};
use crate::pager::ReadTransaction;
use crate::{Error, PageNo, Result, RowId};

/// A running MVCC transaction: dropping it rolls it back.
pub struct MvccTransaction<'db, P: Platform, A: Allocator + Clone> {
    db: &'db Database<P, A>,
    id: TxnId,
    /// The B-tree snapshot it reads.
    read: ReadTransaction<'db, P::File, A>,
    /// The last checkpoint it was on or tried to move to: it tries
    /// again only past it.
    tried: Timestamp,
    /// Committed or rolled back: nothing left for the drop to do.
    ended: bool,
}

impl<P: Platform, A: Allocator + Clone> Database<P, A> {
    /// Begins an MVCC transaction: its snapshot is the last commit.
    /// `Misuse` outside MVCC mode.
    pub fn begin_mvcc(&self) -> Result<MvccTransaction<'_, P, A>> {
        if !self.is_mvcc() {
            return Err(Error::Misuse("the database is not in MVCC mode"));
        }
        let read = self.begin_read()?;
        let (id, tried) = self.with_store(|s| Ok((s.begin()?, s.store().boundary())))?;
        Ok(MvccTransaction {
            db: self,
            id,
            read,
            tried,
            ended: false,
        })
    }
}

impl<'db, P: Platform, A: Allocator + Clone> MvccTransaction<'db, P, A> {
    /// Its id in the store.
    pub fn id(&self) -> TxnId {
        self.id
    }

    /// Its snapshot: the last commit when it began.
    pub fn snapshot(&self) -> Result<Timestamp> {
        self.db.with_store(|s| s.store().snapshot(self.id))
    }

    /// The rows of the table rooted at `root` as it sees them.
    pub fn rows(&self, root: PageNo) -> MvccRows<'_, 'db, P, A> {
        let tree = TableCursor::new(&self.read, root, Vec::new_in(self.db.alloc.clone()));
        MvccRows {
            db: self.db,
            merged: MergedRows::new(tree, self.id),
        }
    }

    /// Copies the record of row `rowid` of the table at `root`, as it
    /// sees it, into `out`; `false` when it sees no such row.
    pub fn read(&self, root: PageNo, rowid: RowId, out: &mut Vec<u8, A>) -> Result<bool> {
        out.clear();
        let mut rows = self.rows(root);
        if !rows.seek(rowid)? {
            return Ok(false);
        }
        rows.with_record(|_, record| Ok(out.try_extend_from_slice(record)?))?;
        Ok(true)
    }

    /// Inserts, replaces or deletes row `rowid` of the table at `root`
    /// (`change` says which, as the log records it: the caller knows
    /// whether the row exists). `BusyConflict` when another transaction
    /// committed a version of the row since this one began.
    pub fn write(&mut self, root: PageNo, rowid: RowId, change: Change<'_>) -> Result<()> {
        match self
            .db
            .with_store(|s| s.write(self.id, root, rowid, change))
        {
            Err(Error::OutOfMemory) => {
                self.checkpoint_and_rebase()?;
                self.db
                    .with_store(|s| s.write(self.id, root, rowid, change))
            }
            other => other,
        }
    }

    /// [`write`](Self::write) for a statement of SQL: a write past the
    /// store's budget fails with `OutOfMemory` rather than checkpoint and
    /// move the transaction's B-tree snapshot under the statement's
    /// cursors.
    pub(crate) fn write_row(&self, root: PageNo, rowid: RowId, change: Change<'_>) -> Result<()> {
        self.db
            .with_store(|s| s.write(self.id, root, rowid, change))
    }

    /// The largest rowid above `above` of the table at `root` that another
    /// transaction stores and this one does not see (see
    /// `VersionStore::last_unseen_row`).
    pub(crate) fn last_unseen_row(
        &self,
        root: PageNo,
        above: Option<RowId>,
    ) -> Result<Option<RowId>> {
        self.db
            .with_store(|s| s.store().last_unseen_row(self.id, root, above))
    }

    /// Opens the savepoint a statement's writes are taken back to.
    pub(crate) fn begin_statement(&self) -> Result<()> {
        self.db.with_store(|s| s.begin_statement(self.id))
    }

    /// Keeps the statement's writes.
    pub(crate) fn end_statement(&self) -> Result<()> {
        self.db.with_store(|s| s.end_statement(self.id))
    }

    /// Takes the statement's writes back.
    pub(crate) fn undo_statement(&self) -> Result<()> {
        self.db.with_store(|s| s.undo_statement(self.id))
    }

    /// Opens an SQL savepoint above those open; returns its depth.
    pub(crate) fn savepoint(&self) -> Result<usize> {
        self.db.with_store(|s| s.savepoint(self.id))
    }

    /// `RELEASE` of the savepoint at `depth`: it and those above close,
    /// their writes kept.
    pub(crate) fn release(&self, depth: usize) -> Result<()> {
        self.db.with_store(|s| s.release(self.id, depth))
    }

    /// `ROLLBACK TO` the savepoint at `depth`: the writes since are taken
    /// back; it stays open.
    pub(crate) fn rollback_to(&self, depth: usize) -> Result<()> {
        self.db.with_store(|s| s.rollback_to(self.id, depth))
    }

    /// The pager snapshot of the B-trees it reads.
    pub(crate) fn tree_snapshot(&self) -> crate::pager::Snapshot {
        self.read.snapshot()
    }

    /// Checkpoints, freeing the versions no running transaction's B-tree
    /// snapshot still needs, and moves to the checkpointed B-tree when it
    /// can, so that it pins none of them itself.
    fn checkpoint_and_rebase(&mut self) -> Result<()> {
        self.db.mvcc_checkpoint()?;
        self.move_to_checkpoint().map(|_| ())
    }

    /// Reads the last checkpoint's B-tree from here on when it can still
    /// read every row as at its snapshot (see
    /// `VersionStore::move_to_checkpoint`), so that it no longer pins the
    /// versions that checkpoint wrote; `true` when it moved. Only while
    /// no cursor of it is open: they read the B-tree it leaves.
    pub(crate) fn move_to_checkpoint(&mut self) -> Result<bool> {
        let boundary = self.db.with_store(|s| Ok(s.store().boundary()))?;
        if boundary <= self.tried {
            return Ok(false);
        }
        // Taken with no checkpoint before the move, so it is the
        // checkpoint the store records.
        let read = self.db.begin_read()?;
        let (left, checkpointed) = (&self.read, &read);
        let alloc = &self.db.alloc;
        let moved = self.db.with_store(|s| {
            s.move_to_checkpoint(self.id, |tree, root, rowid| {
                let pages = match tree {
                    Tree::Left => left,
                    Tree::Checkpointed => checkpointed,
                };
                let mut rows = TableCursor::new(pages, root, Vec::new_in(alloc.clone()));
                Ok(!rows.seek(rowid, SeekMode::Eq)?)
            })
        })?;
        self.tried = boundary;
        if moved {
            self.read = read;
        }
        Ok(moved)
    }

    /// Commits: `None` when it wrote nothing. Any error rolls it back
    /// (`Busy` too: use [`try_commit`](Self::try_commit) to keep it).
    pub fn commit(mut self) -> Result<Option<Timestamp>> {
        self.try_commit()
    }

    /// Commits: `None` when it wrote nothing. `Busy` (another commit's
    /// frame is being written a step at a time) leaves it running, to
    /// commit again; any other error rolls it back.
    pub fn try_commit(&mut self) -> Result<Option<Timestamp>> {
        let committed = self.db.with_store(|s| s.commit(self.id));
        self.committed(committed)
    }

    /// Commits a step at a time: at each [`CommitPoint`] the store is
    /// released and `pause` runs (it may use every other connection of
    /// the database: read, write, begin and commit), then the commit
    /// goes on or, at [`Resume::Abandon`], is rolled back and fails with
    /// `Abort`. The bytes logged are [`try_commit`](Self::try_commit)'s.
    /// `Busy` (another transaction prepares, or its frame is being
    /// written) leaves it running, to commit again; any other error rolls
    /// it back.
    pub fn commit_pausing(
        &mut self,
        mut pause: impl FnMut(CommitPoint) -> Resume,
    ) -> Result<Option<Timestamp>> {
        let committed = self.drive(&mut pause);
        self.committed(committed)
    }

    /// The steps of [`commit_pausing`](Self::commit_pausing).
    fn drive(&self, pause: &mut impl FnMut(CommitPoint) -> Resume) -> Result<Option<Timestamp>> {
        if self.db.with_store(|s| s.prepare(self.id))? == Prepared::Empty {
            return Ok(None);
        }
        let mut point = CommitPoint::Validated;
        loop {
            if pause(point) == Resume::Abandon {
                self.db.with_store(|s| s.rollback(self.id))?;
                return Err(Error::Abort("the MVCC commit was abandoned"));
            }
            match self.db.with_store(|s| s.step(self.id))? {
                CommitStep::Paused(next) => point = next,
                CommitStep::Committed(commit) => return Ok(Some(commit)),
            }
        }
    }

    /// Ends the transaction after a commit gave `committed`, unless it
    /// was `Busy`; checkpoints past the threshold after a commit.
    fn committed(&mut self, committed: Result<Option<Timestamp>>) -> Result<Option<Timestamp>> {
        if committed == Err(Error::Busy) {
            return committed;
        }
        self.ended = true;
        if let Ok(Some(_)) = committed {
            let _ = self.db.checkpoint_past_threshold();
        }
        committed
    }

    /// Rolls back every write.
    pub fn rollback(mut self) -> Result<()> {
        self.ended = true;
        self.db.with_store(|s| s.rollback(self.id))
    }
}

impl<P: Platform, A: Allocator + Clone> Drop for MvccTransaction<'_, P, A> {
    fn drop(&mut self) {
        if !self.ended {
            let _ = self.db.with_store(|s| s.rollback(self.id));
        }
    }
}

/// A table's rows as an MVCC transaction sees them, in rowid order:
/// its B-tree snapshot overlaid with the store's versions.
pub struct MvccRows<'t, 'db, P: Platform, A: Allocator + Clone> {
    db: &'db Database<P, A>,
    merged: MergedRows<'t, ReadTransaction<'db, P::File, A>, A>,
}

impl<P: Platform, A: Allocator + Clone> MvccRows<'_, '_, P, A> {
    /// Moves to the first row; `false` when there is none.
    pub fn first(&mut self) -> Result<bool> {
        let merged = &mut self.merged;
        self.db.with_store(|s| merged.first(s.store()))
    }

    /// Moves to the next row; `false` past the last.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<bool> {
        let merged = &mut self.merged;
        self.db.with_store(|s| merged.next(s.store()))
    }

    /// Moves to row `rowid`; `false` when there is none.
    pub fn seek(&mut self, rowid: RowId) -> Result<bool> {
        let merged = &mut self.merged;
        self.db
            .with_store(|s| merged.seek(s.store(), rowid, SeekMode::Eq))
    }

    /// The current row's rowid.
    pub fn rowid(&self) -> Result<RowId> {
        self.merged.rowid()
    }

    /// Runs `f` on the current row's rowid and record. `f` must not use
    /// the database's MVCC transactions: the store is borrowed meanwhile.
    pub fn with_record<R>(&mut self, f: impl FnOnce(RowId, &[u8]) -> Result<R>) -> Result<R> {
        let merged = &mut self.merged;
        self.db.with_store(|s| merged.with_record(s.store(), f))
    }
}
