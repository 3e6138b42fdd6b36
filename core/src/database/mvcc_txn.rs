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
//! - the store is borrowed for one call at a time, never across a
//!   caller's code but [`MvccRows::with_record`]'s closure.

use boundlite_platform::Platform;

use super::Database;
use crate::alloc::{Allocator, Vec};
use crate::btree::{SeekMode, TableCursor};
use crate::mvcc::store::Change;
use crate::mvcc::{MergedRows, Timestamp, TxnId};
use crate::pager::ReadTransaction;
use crate::{Error, PageNo, Result, RowId};

/// A running MVCC transaction: dropping it rolls it back.
pub struct MvccTransaction<'db, P: Platform, A: Allocator + Clone> {
    db: &'db Database<P, A>,
    id: TxnId,
    /// The B-tree snapshot it reads.
    read: ReadTransaction<'db, P::File, A>,
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
        let id = self.with_store(|s| s.begin())?;
        Ok(MvccTransaction {
            db: self,
            id,
            read,
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
    /// snapshot still needs; when nothing was committed since this
    /// transaction began, it reads the checkpointed B-tree from here on,
    /// so that it pins none of them itself.
    fn checkpoint_and_rebase(&mut self) -> Result<()> {
        self.db.mvcc_checkpoint()?;
        let read = self.db.begin_read()?;
        if self.db.with_store(|s| s.rebase(self.id))? {
            self.read = read;
        }
        Ok(())
    }

    /// Commits: `None` when it wrote nothing. Any error rolls it back.
    pub fn commit(mut self) -> Result<Option<Timestamp>> {
        self.ended = true;
        let committed = self.db.with_store(|s| s.commit(self.id))?;
        if committed.is_some() {
            let _ = self.db.checkpoint_past_threshold();
        }
        Ok(committed)
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
