//! Savepoints in a transaction: a statement's, its writes taken back
//! alone when it fails, the transaction going on; and SQL's `SAVEPOINT`,
//! `RELEASE` and `ROLLBACK TO`, nested, with the statement's above them.
//!
//! While a savepoint is open, each write of the transaction records what
//! it replaced: the transaction's own pending version of the row (moved,
//! not copied) or nothing, and whether it added the row to the write
//! set. A savepoint is a mark in that record; undoing to it puts back
//! what the writes since replaced, newest first, which allocates nothing.
//!
//! Invariants: a stashed version stays counted against the budget until
//! the last savepoint ends (released, or the transaction ended), so
//! undoing never passes the budget; the write set's entries the writes
//! since a mark added are its last ones, in the order of the stash's
//! `added` entries; the stash is kept exactly while a mark is open.

use super::version::Version;
use super::{Txn, VersionStore};
use crate::alloc::{Allocator, Vec};
use crate::mvcc::TxnId;
use crate::{Error, PageNo, Result, RowId};

/// What one write of a statement replaced.
pub(super) struct Stashed<A: Allocator> {
    pub(super) root: PageNo,
    pub(super) rowid: RowId,
    /// The transaction's pending version it replaced, if any.
    pub(super) was: Option<Version<A>>,
    /// Whether it added the row to the transaction's write set.
    pub(super) added: bool,
}

/// Bytes the versions `stash` keeps are counted for.
pub(super) fn stashed_charge<A: Allocator>(stash: Option<&[Stashed<A>]>) -> usize {
    stash.map_or(0, |s| {
        s.iter()
            .filter_map(|s| s.was.as_ref())
            .map(Version::charge)
            .sum()
    })
}

impl<A: Allocator + Clone> VersionStore<A> {
    fn running_mut(&mut self, txn: TxnId) -> Result<&mut Txn<A>> {
        self.txns
            .iter_mut()
            .find(|t| t.id == txn)
            .ok_or(Error::Misuse("no such MVCC transaction is running"))
    }

    /// Opens a savepoint for `txn`'s next statement, above its open
    /// savepoints.
    pub fn begin_statement(&mut self, txn: TxnId) -> Result<()> {
        self.savepoint(txn).map(|_| ())
    }

    /// Keeps the statement's writes: once no savepoint is open, the
    /// versions they replaced are freed.
    pub fn end_statement(&mut self, txn: TxnId) -> Result<()> {
        let depth = self.top(txn)?;
        self.release(txn, depth)
    }

    /// Takes the statement's writes back, newest first: the row versions
    /// and the write set are as they were when it began.
    pub fn undo_statement(&mut self, txn: TxnId) -> Result<()> {
        let depth = self.top(txn)?;
        self.rollback_to(txn, depth)?;
        self.release(txn, depth)
    }

    /// The depth of `txn`'s newest savepoint.
    fn top(&mut self, txn: TxnId) -> Result<usize> {
        self.running_mut(txn)?
            .marks
            .len()
            .checked_sub(1)
            .ok_or(Error::Misuse("no MVCC savepoint is open"))
    }

    /// Opens a savepoint of `txn` above those open; returns its depth
    /// (0 for the oldest).
    pub fn savepoint(&mut self, txn: TxnId) -> Result<usize> {
        let alloc = self.alloc.clone();
        let t = self.running_mut(txn)?;
        t.marks.try_reserve(1)?;
        let stash = t.stash.get_or_insert_with(|| Vec::new_in(alloc));
        let depth = t.marks.len();
        t.marks.try_push(stash.len())?;
        Ok(depth)
    }

    /// Closes `txn`'s savepoint at `depth` and those above it, keeping
    /// their writes; once none is open, the versions the writes replaced
    /// are freed.
    pub fn release(&mut self, txn: TxnId, depth: usize) -> Result<()> {
        let t = self.running_mut(txn)?;
        t.marks.truncate(depth);
        if t.marks.is_empty() {
            let stash = t.stash.take();
            self.used -= stashed_charge(stash.as_deref());
        }
        Ok(())
    }

    /// Takes back `txn`'s writes since its savepoint at `depth`, newest
    /// first, and closes those above it; the savepoint stays open.
    pub fn rollback_to(&mut self, txn: TxnId, depth: usize) -> Result<()> {
        let t = self.running_mut(txn)?;
        let Some(&mark) = t.marks.get(depth) else {
            return Err(Error::Misuse("no such MVCC savepoint is open"));
        };
        t.marks.truncate(depth + 1);
        let Some(mut stash) = t.stash.take() else {
            return Err(Error::Misuse("an MVCC savepoint without its stash"));
        };
        // The rows it restores are not journalled (undoing allocates
        // nothing): the transaction's entry sets are built again.
        let dropped = self.running_mut(txn)?.derived.clear();
        self.used -= dropped;
        let mut freed = 0;
        let mut popped = 0;
        while stash.len() > mark {
            let Some(Stashed {
                root,
                rowid,
                was,
                added,
            }) = stash.pop()
            else {
                break;
            };
            if let Some(row) = self.tables.row_mut(root, rowid)
                && let Some(at) = row.versions.iter().position(|v| v.pending_in(txn))
            {
                match was {
                    Some(was) => {
                        if let Some(own) = row.versions.get_mut(at) {
                            freed += core::mem::replace(own, was).charge();
                        }
                    }
                    None => freed += row.versions.remove(at).map_or(0, |v| v.charge()),
                }
            }
            popped += usize::from(added);
        }
        let t = self.running_mut(txn)?;
        let kept = t.writes.len().saturating_sub(popped);
        t.writes.truncate(kept);
        t.stash = Some(stash);
        self.used -= freed;
        self.used -= self.tables.prune();
        self.changes = self.changes.wrapping_add(1);
        Ok(())
    }
}
