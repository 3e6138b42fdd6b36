//! A statement's savepoint in a transaction: its writes taken back
//! alone when it fails, the transaction going on.
//!
//! While a savepoint is open, each write of the transaction records what
//! it replaced: the transaction's own pending version of the row (moved,
//! not copied) or nothing, and whether it added the row to the write
//! set. Undoing puts those back newest first, which allocates nothing.
//!
//! Invariants: a stashed version stays counted against the budget until
//! the savepoint ends (released, undone, or the transaction ended), so
//! undoing never passes the budget; the write set's entries a statement
//! added are its last ones, in the order of the stash's `added` entries.

use super::version::{Begin, Version};
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

    /// Opens a savepoint for `txn`'s next statement. Allocates nothing.
    pub fn begin_statement(&mut self, txn: TxnId) -> Result<()> {
        let alloc = self.alloc.clone();
        let t = self.running_mut(txn)?;
        if t.stash.is_some() {
            return Err(Error::Misuse("an MVCC statement savepoint is open already"));
        }
        t.stash = Some(Vec::new_in(alloc));
        Ok(())
    }

    /// Keeps the statement's writes: the versions they replaced are freed.
    pub fn end_statement(&mut self, txn: TxnId) -> Result<()> {
        let stash = self.running_mut(txn)?.stash.take();
        self.used -= stashed_charge(stash.as_deref());
        Ok(())
    }

    /// Takes the statement's writes back, newest first: the row versions
    /// and the write set are as they were when it began.
    pub fn undo_statement(&mut self, txn: TxnId) -> Result<()> {
        let Some(stash) = self.running_mut(txn)?.stash.take() else {
            return Err(Error::Misuse("no MVCC statement savepoint is open"));
        };
        // The rows it restores are not journalled (undoing allocates
        // nothing): the transaction's entry sets are built again.
        let dropped = self.running_mut(txn)?.derived.clear();
        self.used -= dropped;
        let mut freed = 0;
        for stashed in stash.into_iter().rev() {
            let Stashed {
                root,
                rowid,
                was,
                added,
            } = stashed;
            if let Some(row) = self.tables.row_mut(root, rowid)
                && let Some(at) = row
                    .versions
                    .iter()
                    .position(|v| v.begin == Begin::Pending(txn))
            {
                match was {
                    Some(was) => {
                        if let Some(own) = row.versions.get_mut(at) {
                            freed += core::mem::replace(own, was).charge();
                        }
                    }
                    None => freed += row.versions.remove(at).charge(),
                }
            }
            if added {
                self.running_mut(txn)?.writes.pop();
            }
        }
        self.used -= freed;
        self.used -= self.tables.prune();
        self.changes = self.changes.wrapping_add(1);
        Ok(())
    }
}
