//! [`VersionStore`]: the row versions of MVCC transactions, beside the
//! B-trees, shared by every transaction of one database (`docs/mvcc.md`).
//!
//! A version begins at a commit or is pending in the transaction that
//! wrote it, and ends when a later commit replaces it. A transaction reads
//! its own pending version of a row, else the committed version current
//! at its snapshot, else ([`Seen::Unversioned`]) the row as its B-tree
//! snapshot holds it.
//!
//! Invariants:
//! - **Snapshot isolation.** A transaction never sees another's pending
//!   versions nor a version committed after its snapshot.
//! - **First committer wins.** Several transactions may hold pending
//!   versions of one row; writing a row, and committing, fail with
//!   [`Error::BusyConflict`] when a version of it was committed after the
//!   writer's snapshot. A commit that fails this way is rolled back.
//! - **Preparing.** A transaction validated by [`VersionStore::prepare`]
//!   holds its rows until it installs or ends: a commit of another
//!   transaction that wrote one of them fails with `BusyConflict`, so
//!   its validation holds across the pause. One prepares at a time, and
//!   it writes nothing more.
//! - **Commit.** A commit's versions become visible only after the
//!   `durable` step [`VersionStore::commit`] is given (logging the frame)
//!   succeeded, and installing them allocates nothing, so a commit is
//!   visible whole or not at all.
//! - **Garbage collection.** As each transaction ends, a committed version
//!   is freed when it ended and no running transaction's snapshot falls
//!   in its life (no one sees it), or when it began at or before the
//!   checkpoint boundary of every running transaction's B-tree and the
//!   store's (the B-tree such a transaction falls back on holds it, or a
//!   state its newer versions cover), but those a transaction moved past
//!   its snapshot keeps ([`VersionStore::move_to_checkpoint`]). A row
//!   committed after a running transaction's snapshot keeps a version
//!   committed after it, so no conflict goes unseen.
//!   Freeing allocates nothing; it visits the rows the ending transaction
//!   wrote, and every row only when that transaction may have pinned
//!   versions elsewhere or the oldest boundary read moved.
//! - **Memory.** Every byte comes from the store's allocator through
//!   fallible collections. Records and a fixed overhead per version and
//!   per row are counted against the budget; a write that would pass it
//!   fails with `OutOfMemory`, as does a refused allocation, and either
//!   leaves the store as it was.

mod entries;
mod rows;
mod statement;
#[cfg(test)]
mod tests;
mod version;

pub use entries::EntryMaker;
pub use version::{Change, ChangeKind, Seen};

use rows::{ROW_CHARGE, Row, Table, Tables, Versions};
use statement::Stashed;
use version::{Begin, Commit, End, Sight, Version, charge_of, committed_since, visible};

use crate::alloc::{Allocator, Box, Vec};
use crate::mvcc::log::LogOp;
use crate::mvcc::{Timestamp, TxnId};
use crate::{Error, PageNo, Result, RowId};

/// A running transaction.
struct Txn<A: Allocator> {
    id: TxnId,
    /// The last commit when it began.
    snapshot: Timestamp,
    /// The checkpoint boundary of the B-tree snapshot it reads.
    boundary: Timestamp,
    /// The rows it wrote, each once, in the order of its first write.
    writes: Vec<(PageNo, RowId), A>,
    /// While a savepoint is open (see `statement`), what each write
    /// since the oldest one replaced, oldest first.
    stash: Option<Vec<Stashed<A>, A>>,
    /// The open savepoints, oldest first: each the length `stash` had
    /// when it was opened. `stash` is `Some` exactly while one is open.
    marks: Vec<usize, A>,
    /// The index entries it sees through the store (see `entries`).
    derived: entries::Derived<A>,
}

impl<A: Allocator> Txn<A> {
    fn sight(&self) -> Sight {
        Sight {
            snapshot: self.snapshot,
            tree: self.boundary,
        }
    }
}

/// The row versions of one database's MVCC transactions.
///
/// ```
/// use boundlite::alloc::Global;
/// use boundlite::mvcc::store::{Change, Seen, VersionStore};
/// use boundlite::mvcc::Timestamp;
/// use boundlite::{PageNo, RowId};
///
/// let (root, row) = (PageNo::new(2).unwrap(), RowId::new(1));
/// let mut store = VersionStore::new_in(Global, 1 << 20, Timestamp::ZERO);
/// let reader = store.begin()?;
/// let writer = store.begin()?;
/// store.write(writer, root, row, Change::Insert(b"\x02\x15hi"))?;
/// store.commit(writer, |_commit, _writes| Ok(()))?;
/// // The reader's snapshot is from before the commit.
/// assert_eq!(store.read(reader, root, row)?, Seen::Unversioned);
/// let later = store.begin()?;
/// assert_eq!(store.read(later, root, row)?, Seen::Row(b"\x02\x15hi"));
/// # Ok::<(), boundlite::Error>(())
/// ```
pub struct VersionStore<A: Allocator + Clone> {
    alloc: A,
    tables: Tables<A>,
    txns: Vec<Txn<A>, A>,
    /// The last commit.
    clock: Timestamp,
    /// The last checkpoint: the B-trees hold every commit up to it.
    boundary: Timestamp,
    next_txn: u64,
    /// Bytes the store may count.
    budget: usize,
    /// Bytes it counts.
    used: usize,
    /// Committed versions with an end, not yet freed: kept for a
    /// running transaction whose snapshot falls in their life.
    lingering: usize,
    /// The oldest B-tree boundary a transaction read as of the last
    /// sweep of every row: every version it let go is gone.
    swept: Timestamp,
    /// Counts the calls that may have changed what a transaction sees
    /// through the store (see [`changes`](Self::changes)).
    changes: u64,
    /// Index entries made (see [`entries_made`](Self::entries_made)).
    entries_made: u64,
    /// The transaction validated and not yet installed or ended (see
    /// [`prepare`](Self::prepare)).
    preparing: Option<TxnId>,
}

/// A B-tree a transaction moving to a checkpoint asks about (see
/// [`VersionStore::move_to_checkpoint`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tree {
    /// The one it read until the move.
    Left,
    /// The last checkpoint's, which it moves to.
    Checkpointed,
}

/// What [`VersionStore::prepare`] made of a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prepared {
    /// It wrote nothing: it has ended, with nothing to log.
    Empty,
    /// It is validated and preparing: its frame is logged next.
    Validated,
}

impl<A: Allocator + Clone> VersionStore<A> {
    /// An empty store whose B-trees hold every commit up to `boundary`
    /// (which starts the clock), counting at most `budget` bytes, every
    /// byte from `alloc`.
    pub fn new_in(alloc: A, budget: usize, boundary: Timestamp) -> Self {
        VersionStore {
            tables: Tables {
                tables: Vec::new_in(alloc.clone()),
            },
            txns: Vec::new_in(alloc.clone()),
            alloc,
            clock: boundary,
            boundary,
            next_txn: 1,
            budget,
            used: 0,
            lingering: 0,
            swept: boundary,
            changes: 0,
            entries_made: 0,
            preparing: None,
        }
    }

    /// A count that moves whenever what some transaction sees through the
    /// store may have changed (a write, an undone statement, a commit, a
    /// rollback, versions freed): what was read from the store before is
    /// still what a transaction sees while it has not moved.
    pub fn changes(&self) -> u64 {
        self.changes
    }

    /// The last commit.
    pub fn clock(&self) -> Timestamp {
        self.clock
    }

    /// The root page of each table the store holds versions of, in
    /// order.
    pub fn roots(&self) -> impl Iterator<Item = PageNo> + '_ {
        self.tables.tables.iter().map(|t| t.root)
    }

    /// The last checkpoint's boundary.
    pub fn boundary(&self) -> Timestamp {
        self.boundary
    }

    /// Bytes counted against the budget.
    pub fn used(&self) -> usize {
        self.used
    }

    /// The budget in bytes.
    pub fn budget(&self) -> usize {
        self.budget
    }

    /// Changes the budget; what is stored stays, and writes fail while
    /// [`used`](Self::used) is past it.
    pub fn set_budget(&mut self, bytes: usize) {
        self.budget = bytes;
    }

    /// Transactions running.
    pub fn running(&self) -> usize {
        self.txns.len()
    }

    /// Versions held, committed and pending.
    pub fn versions(&self) -> usize {
        self.tables
            .tables
            .iter()
            .flat_map(|t| t.rows.iter())
            .map(|r| r.versions.len())
            .sum()
    }

    /// Begins a transaction whose snapshot is the last commit and whose
    /// B-tree is as of the last checkpoint. `Full` once 2^63 - 1 transactions have begun: a pending version
    /// holds its transaction's id in 63 bits.
    pub fn begin(&mut self) -> Result<TxnId> {
        if self.next_txn > Timestamp::MAX.get() {
            return Err(Error::Full);
        }
        let id = TxnId::new(self.next_txn);
        self.txns.try_push(Txn {
            id,
            snapshot: self.clock,
            boundary: self.boundary,
            writes: Vec::new_in(self.alloc.clone()),
            stash: None,
            marks: Vec::new_in(self.alloc.clone()),
            derived: entries::Derived::new_in(self.alloc.clone()),
        })?;
        self.next_txn += 1;
        Ok(id)
    }

    fn txn_at(&self, txn: TxnId) -> Result<usize> {
        self.txns
            .iter()
            .position(|t| t.id == txn)
            .ok_or(Error::Misuse("no such MVCC transaction is running"))
    }

    fn txn(&self, txn: TxnId) -> Result<&Txn<A>> {
        let at = self.txn_at(txn)?;
        self.txns
            .get(at)
            .ok_or(Error::Misuse("no such MVCC transaction is running"))
    }

    /// The snapshot of `txn`: the last commit when it began.
    pub fn snapshot(&self, txn: TxnId) -> Result<Timestamp> {
        Ok(self.txn(txn)?.snapshot)
    }

    /// What `txn` sees of row `rowid` of the table at `root`.
    pub fn read(&self, txn: TxnId, root: PageNo, rowid: RowId) -> Result<Seen<'_>> {
        let sight = self.txn(txn)?.sight();
        Ok(self
            .tables
            .row(root, rowid)
            .map_or(Seen::Unversioned, |row| visible(&row.versions, txn, sight)))
    }

    /// The first row of the table at `root` after `after` (from the first
    /// when `None`), in rowid order, of which `txn` sees a version: a
    /// record or a delete, which override the B-tree's row of that rowid.
    pub fn next_row(
        &self,
        txn: TxnId,
        root: PageNo,
        after: Option<RowId>,
    ) -> Result<Option<(RowId, Seen<'_>)>> {
        let sight = self.txn(txn)?.sight();
        let Some(table) = self.tables.table(root) else {
            return Ok(None);
        };
        let start = match after {
            None => 0,
            Some(rowid) => match table.find(rowid) {
                Ok(at) => at + 1,
                Err(at) => at,
            },
        };
        Ok(table.rows.get(start..).and_then(|rows| {
            rows.iter()
                .find_map(|row| match visible(&row.versions, txn, sight) {
                    Seen::Unversioned => None,
                    seen => Some((row.rowid, seen)),
                })
        }))
    }

    /// The last row of the table at `root` before `before` (from the
    /// last when `None`), in rowid order, of which `txn` sees a version:
    /// [`next_row`](Self::next_row) backwards.
    pub fn prev_row(
        &self,
        txn: TxnId,
        root: PageNo,
        before: Option<RowId>,
    ) -> Result<Option<(RowId, Seen<'_>)>> {
        let sight = self.txn(txn)?.sight();
        let Some(table) = self.tables.table(root) else {
            return Ok(None);
        };
        let end = match before {
            None => table.rows.len(),
            Some(rowid) => table.find(rowid).unwrap_or_else(|at| at),
        };
        Ok(table.rows.get(..end).and_then(|rows| {
            rows.iter()
                .rev()
                .find_map(|row| match visible(&row.versions, txn, sight) {
                    Seen::Unversioned => None,
                    seen => Some((row.rowid, seen)),
                })
        }))
    }

    /// The largest rowid above `above` of the table at `root` with a
    /// version `txn` does not see: another transaction's pending one, or
    /// one committed after its snapshot (a delete too: writing that row
    /// would conflict). A rowid above it and above every row `txn` sees
    /// (`above` being the last of those) is one no concurrent transaction
    /// has written. Only the rows above `above` are looked at, so a long
    /// transaction's inserts do not each scan the rows it wrote before.
    pub fn last_unseen_row(
        &self,
        txn: TxnId,
        root: PageNo,
        above: Option<RowId>,
    ) -> Result<Option<RowId>> {
        let snapshot = self.txn(txn)?.snapshot;
        let Some(table) = self.tables.table(root) else {
            return Ok(None);
        };
        let from = match above {
            None => 0,
            Some(rowid) => match table.find(rowid) {
                Ok(at) => at + 1,
                Err(at) => at,
            },
        };
        let unseen = |v: &Version<A>| match v.begin() {
            Begin::Pending(t) => t != txn,
            Begin::Committed(b) => b > snapshot,
        };
        Ok(table
            .rows
            .get(from..)
            .unwrap_or(&[])
            .iter()
            .rev()
            .find(|row| row.versions.iter().any(unseen))
            .map(|row| row.rowid))
    }

    /// `txn` changes row `rowid` of the table at `root`. `BusyConflict`
    /// when a version of the row was committed after its snapshot (the
    /// transaction must then be rolled back); `OutOfMemory` past the budget
    /// or when the allocator refuses. An error changes nothing.
    pub fn write(
        &mut self,
        txn: TxnId,
        root: PageNo,
        rowid: RowId,
        change: Change<'_>,
    ) -> Result<()> {
        let at = self.txn_at(txn)?;
        if self.preparing == Some(txn) {
            return Err(Error::Misuse("an MVCC transaction writes while it commits"));
        }
        let snapshot = self.txns.get(at).map_or(self.clock, |t| t.snapshot);
        let row = self.tables.row(root, rowid);
        if row.is_some_and(|r| committed_since(&r.versions, snapshot)) {
            return Err(Error::BusyConflict);
        }
        let own = row.and_then(|r| r.versions.iter().find(|v| v.pending_in(txn)));
        let kind = own.map_or(change.kind(), |v| v.kind.then(change.kind()));
        let stashing = self.txns.get(at).is_some_and(|t| t.stash.is_some());
        // A version a savepoint keeps stays counted until the last
        // savepoint closes.
        let freed = match stashing {
            true => 0,
            false => own.map_or(0, Version::charge),
        };
        let record_len = change.record().map_or(0, <[u8]>::len);
        let journals = self.txns.get(at).is_some_and(|t| t.derived.journals(root));
        let added = charge_of(record_len)
            + if row.is_none() { ROW_CHARGE } else { 0 }
            + if journals { entries::JOURNAL_CHARGE } else { 0 };
        if self.used - freed + added > self.budget {
            return Err(Error::OutOfMemory);
        }
        let record = match change.record() {
            Some(r) => Some(Box::try_from_slice_in(r, self.alloc.clone())?),
            None => None,
        };
        let version = Version::pending(txn, kind, record)?;
        let Some(t) = self.txns.get_mut(at) else {
            return Err(Error::Misuse("no such MVCC transaction is running"));
        };
        if own.is_none() {
            t.writes.try_reserve(1)?;
        }
        if let Some(stash) = t.stash.as_mut() {
            stash.try_reserve(1)?;
        }
        if journals {
            t.derived.reserve()?;
        }
        let (placed, was) = place(&mut self.tables, &self.alloc, root, rowid, version, txn)?;
        if placed == Placed::Added {
            t.writes.try_push((root, rowid))?;
        }
        if let Some(stash) = t.stash.as_mut() {
            stash.try_push(Stashed {
                root,
                rowid,
                was,
                added: placed == Placed::Added,
            })?;
        }
        let let_go = match journals {
            true => t.derived.wrote(root, rowid),
            false => 0,
        };
        self.used = self.used - freed + added - let_go;
        self.changes = self.changes.wrapping_add(1);
        Ok(())
    }

    /// Commits `txn`. When it wrote nothing it just ends (`None`).
    /// Otherwise its writes are checked for conflicts (`BusyConflict`,
    /// also for a row of the transaction preparing), then `durable` is
    /// called with the commit timestamp and the writes (to log them and
    /// sync), and only when it succeeds do the versions become committed
    /// (`Some(timestamp)`). `Busy` from `durable` leaves `txn` running,
    /// to commit again; any other error rolls it back.
    pub fn commit(
        &mut self,
        txn: TxnId,
        durable: impl FnOnce(Timestamp, Writes<'_, A>) -> Result<()>,
    ) -> Result<Option<Timestamp>> {
        let at = self.txn_at(txn)?;
        let Some(t) = self.txns.get(at) else {
            return Err(Error::Misuse("no such MVCC transaction is running"));
        };
        if self.preparing == Some(txn) {
            return Err(Error::Misuse("an MVCC transaction commits twice"));
        }
        if t.writes.is_empty() {
            self.end(at, txn);
            return Ok(None);
        }
        let conflict = self.conflicts(t);
        let commit = self.clock.next().and_then(Commit::new);
        let logged = match (conflict, commit) {
            (true, _) => Err(Error::BusyConflict),
            (false, None) => Err(Error::Full),
            (false, Some(commit)) => durable(
                commit.get(),
                Writes {
                    tables: &self.tables,
                    writes: t.writes.iter(),
                    txn,
                },
            )
            .map(|()| commit),
        };
        match logged {
            Ok(commit) => {
                self.install(at, txn, commit);
                self.end(at, txn);
                Ok(Some(commit.get()))
            }
            Err(Error::Busy) => Err(Error::Busy),
            Err(e) => {
                self.discard(at, txn);
                self.end(at, txn);
                Err(e)
            }
        }
    }

    /// Whether a row `t` wrote has a version committed since its snapshot
    /// or one pending in the transaction preparing (not `t` itself).
    fn conflicts(&self, t: &Txn<A>) -> bool {
        let preparing = self.preparing.filter(|&p| p != t.id);
        t.writes.iter().any(|&(root, rowid)| {
            self.tables.row(root, rowid).is_some_and(|r| {
                committed_since(&r.versions, t.snapshot)
                    || preparing
                        .is_some_and(|p| r.versions.iter().any(|v| v.begin() == Begin::Pending(p)))
            })
        })
    }

    /// Validates `txn` as [`commit`](Self::commit) does and makes it the
    /// transaction preparing, whose rows other commits then conflict
    /// with until [`install`](Self::install_prepared) or its end
    /// ([`rollback`](Self::rollback)). `Empty` ends a transaction that
    /// wrote nothing. `BusyConflict` rolls it back; `Busy` while another
    /// transaction prepares leaves it running.
    pub fn prepare(&mut self, txn: TxnId) -> Result<Prepared> {
        let at = self.txn_at(txn)?;
        let Some(t) = self.txns.get(at) else {
            return Err(Error::Misuse("no such MVCC transaction is running"));
        };
        if t.writes.is_empty() {
            self.end(at, txn);
            return Ok(Prepared::Empty);
        }
        if self.conflicts(t) {
            self.discard(at, txn);
            self.end(at, txn);
            return Err(Error::BusyConflict);
        }
        match self.preparing {
            Some(p) if p == txn => Err(Error::Misuse("an MVCC transaction commits twice")),
            Some(_) => Err(Error::Busy),
            None => {
                self.preparing = Some(txn);
                Ok(Prepared::Validated)
            }
        }
    }

    /// The transaction preparing, if one is.
    pub fn preparing(&self) -> Option<TxnId> {
        self.preparing
    }

    /// The writes of the transaction preparing, for its log frame, and
    /// the timestamp it commits at: the next one.
    pub fn prepared_writes(&self) -> Result<(Timestamp, Writes<'_, A>)> {
        let txn = self
            .preparing
            .ok_or(Error::Misuse("no MVCC transaction is preparing"))?;
        let t = self.txn(txn)?;
        let commit = self.clock.next().and_then(Commit::new).ok_or(Error::Full)?;
        Ok((
            commit.get(),
            Writes {
                tables: &self.tables,
                writes: t.writes.iter(),
                txn,
            },
        ))
    }

    /// Commits the transaction preparing at `commit`, the timestamp
    /// [`prepared_writes`](Self::prepared_writes) gave once its frame is
    /// durable. Allocates nothing.
    pub fn install_prepared(&mut self, commit: Timestamp) -> Result<TxnId> {
        let txn = self
            .preparing
            .ok_or(Error::Misuse("no MVCC transaction is preparing"))?;
        let commit = match self.clock.next().and_then(Commit::new) {
            Some(next) if next.get() == commit => next,
            _ => {
                return Err(Error::Misuse(
                    "an MVCC commit timestamp does not follow the last commit",
                ));
            }
        };
        let at = self.txn_at(txn)?;
        self.install(at, txn, commit);
        self.end(at, txn);
        Ok(txn)
    }

    /// Rolls `txn` back: its pending versions are freed.
    pub fn rollback(&mut self, txn: TxnId) -> Result<()> {
        let at = self.txn_at(txn)?;
        self.discard(at, txn);
        self.end(at, txn);
        Ok(())
    }

    /// Makes the pending versions of the transaction at `at` committed at
    /// `commit`, ending the versions they replace. Allocates nothing.
    fn install(&mut self, at: usize, txn: TxnId, commit: Commit) {
        let Some(t) = self.txns.get(at) else {
            return;
        };
        for &(root, rowid) in t.writes.iter() {
            let Some(row) = self.tables.row_mut(root, rowid) else {
                continue;
            };
            if !row.versions.iter().any(|v| v.pending_in(txn)) {
                continue;
            }
            for v in row.versions.iter_mut() {
                if v.pending_in(txn) {
                    v.commit(commit);
                } else if matches!(v.begin(), Begin::Committed(_)) && v.end() == End::Open {
                    v.end_at(commit);
                    self.lingering += 1;
                }
            }
        }
        self.clock = commit.get();
    }

    /// Frees the pending versions of the transaction at `at`.
    fn discard(&mut self, at: usize, txn: TxnId) {
        let Some(t) = self.txns.get(at) else {
            return;
        };
        for &(root, rowid) in t.writes.iter() {
            if let Some(row) = self.tables.row_mut(root, rowid) {
                let mut freed = 0;
                row.versions.retain(|v| {
                    let own = v.pending_in(txn);
                    if own {
                        freed += v.charge();
                    }
                    !own
                });
                self.used -= freed;
            }
        }
    }

    /// Ends the transaction at `at` (committed or discarded) and collects
    /// garbage: in the rows it wrote, and in every row when its end may
    /// have let go versions elsewhere (it read a snapshot older than the
    /// last commit while versions linger, or the oldest B-tree boundary
    /// read moved).
    fn end(&mut self, at: usize, txn: TxnId) {
        if self.txns.get(at).is_none_or(|t| t.id != txn) {
            return;
        }
        let ended = self.txns.remove(at);
        if self.preparing == Some(txn) {
            self.preparing = None;
        }
        self.used -= statement::stashed_charge(ended.stash.as_deref());
        self.used -= ended.derived.charge();
        let held = self.used;
        let floor = self.floor();
        for &(root, rowid) in ended.writes.iter() {
            if let Some(row) = self.tables.row_mut(root, rowid) {
                let (freed, gone) = sweep(row, &self.txns, floor);
                self.used -= freed;
                self.lingering -= gone;
            }
        }
        if self.used < held {
            self.forget_entries();
        }
        // A moved transaction kept versions the floor let go.
        let pinned = ended.snapshot < self.clock && (self.lingering > 0 || ended.sight().moved());
        self.collect(pinned);
    }

    /// The oldest B-tree boundary a running or future transaction reads.
    fn floor(&self) -> Timestamp {
        self.txns
            .iter()
            .map(|t| t.boundary)
            .fold(self.boundary, Timestamp::min)
    }

    /// Frees every version no transaction can need, sweeping every row
    /// when `pinned` or the floor moved since the last such sweep; then
    /// drops empty rows and tables.
    fn collect(&mut self, pinned: bool) {
        self.changes = self.changes.wrapping_add(1);
        let held = self.used;
        let floor = self.floor();
        if pinned || floor > self.swept {
            for table in self.tables.tables.as_mut_slice() {
                for row in table.rows.as_mut_slice() {
                    let (freed, gone) = sweep(row, &self.txns, floor);
                    self.used -= freed;
                    self.lingering -= gone;
                }
            }
            self.swept = floor;
        }
        self.used -= self.tables.prune();
        if self.used < held {
            self.forget_entries();
        }
    }

    /// Installs a committed transaction read back from the log: `ops`
    /// committed at `commit`, which must be above the clock. Only while no
    /// transaction runs. An error changes nothing.
    pub fn replay<'a>(
        &mut self,
        commit: Timestamp,
        ops: impl IntoIterator<Item = Result<LogOp<'a>>>,
    ) -> Result<()> {
        if !self.txns.is_empty() {
            return Err(Error::Misuse("MVCC log replay while transactions run"));
        }
        if commit <= self.clock {
            return Err(Error::corrupt_file(
                "an MVCC log frame's timestamp is not above the last commit",
            ));
        }
        let Some(commit) = Commit::new(commit) else {
            return Err(Error::corrupt_file(
                "an MVCC log frame's timestamp is past the clock's last",
            ));
        };
        let txn = self.begin()?;
        let mut wrote = Ok(());
        for op in ops {
            let done = op.and_then(|op| {
                let (root, rowid, change) = match op {
                    LogOp::Insert {
                        root,
                        rowid,
                        record,
                    } => (root, rowid, Change::Insert(record)),
                    LogOp::Update {
                        root,
                        rowid,
                        record,
                    } => (root, rowid, Change::Update(record)),
                    LogOp::Delete { root, rowid } => (root, rowid, Change::Delete),
                };
                self.write(txn, root, rowid, change)
            });
            if done.is_err() {
                wrote = done;
                break;
            }
        }
        let at = self.txn_at(txn)?;
        match wrote {
            Ok(()) => {
                self.install(at, txn, commit);
                self.end(at, txn);
                Ok(())
            }
            Err(e) => {
                self.discard(at, txn);
                self.end(at, txn);
                Err(e)
            }
        }
    }

    /// The rows a checkpoint up to `upto` writes into the B-trees: for
    /// every row changed since the last checkpoint, its version current at
    /// `upto` (a record to store, or `None` to delete).
    pub fn checkpoint_rows(&self, upto: Timestamp) -> CheckpointRows<'_, A> {
        CheckpointRows {
            tables: self.tables.tables.iter(),
            rows: [].iter(),
            root: None,
            upto,
            since: self.boundary,
        }
    }

    /// Moves `txn`'s B-tree snapshot to the last checkpoint when it can
    /// still read every row as at its snapshot: `Ok(true)`, and the
    /// caller reads that B-tree from here on; `Ok(false)`, changing
    /// nothing, when it cannot or is there already. `lacks(tree, root,
    /// rowid)` says whether that B-tree lacks that row.
    ///
    /// Each row committed after its snapshot must then still read as at
    /// its snapshot: through the version current at it, kept (see
    /// [`Sight::keeps`]), or, when the store holds none (so its B-tree
    /// until now has the row as at its snapshot), as no row when that
    /// B-tree lacks it, told either by a version of the row the
    /// checkpoint wrote, kept (see [`visible`]), or, when the row's only
    /// versions are past the checkpoint, by the checkpointed B-tree
    /// lacking the row too. A row its B-tree until now holds and the
    /// store has no version current at its snapshot of keeps it where it
    /// is.
    pub fn move_to_checkpoint(
        &mut self,
        txn: TxnId,
        mut lacks: impl FnMut(Tree, PageNo, RowId) -> Result<bool>,
    ) -> Result<bool> {
        let at = self.txn_at(txn)?;
        let Some(t) = self.txns.get(at) else {
            return Err(Error::Misuse("no such MVCC transaction is running"));
        };
        let (before, snapshot) = (t.sight(), t.snapshot);
        if before.tree >= self.boundary || self.preparing == Some(txn) {
            return Ok(false);
        }
        let after = Sight {
            snapshot,
            tree: self.boundary,
        };
        for table in self.tables.tables.iter() {
            for row in table.rows.iter() {
                let versions = &row.versions[..];
                let changed = versions
                    .iter()
                    .any(|v| matches!(v.begin(), Begin::Committed(b) if b > snapshot));
                // Claims are never read: only their conflicts matter,
                // and the versions past the snapshot stay for those.
                let claim = versions.iter().any(|v| v.kind == ChangeKind::Claim);
                if !changed || claim || versions.iter().any(|v| v.current_at(snapshot)) {
                    continue;
                }
                let hidden = |sight: Sight| versions.iter().any(|v| sight.hidden_in_tree(v));
                let (root, rowid) = (table.root, row.rowid);
                let no_row = if before.moved() && hidden(before) {
                    true
                } else if !lacks(Tree::Left, root, rowid)? {
                    false
                } else {
                    // Past the checkpoint only: no version will ever tell
                    // it, so the checkpointed B-tree must lack the row.
                    hidden(after) || lacks(Tree::Checkpointed, root, rowid)?
                };
                if !no_row {
                    return Ok(false);
                }
            }
        }
        let Some(t) = self.txns.get_mut(at) else {
            return Err(Error::Misuse("no such MVCC transaction is running"));
        };
        t.boundary = after.tree;
        // What it sees through the store changed with its B-tree.
        self.used -= t.derived.clear();
        self.collect(false);
        Ok(true)
    }

    /// Records that the B-trees hold every commit up to `upto` (a
    /// checkpoint committed them), and frees what that lets go.
    pub fn checkpointed(&mut self, upto: Timestamp) -> Result<()> {
        if upto < self.boundary || upto > self.clock {
            return Err(Error::Misuse(
                "an MVCC checkpoint boundary outside the store's commits",
            ));
        }
        self.boundary = upto;
        self.collect(false);
        Ok(())
    }
}

/// Whether [`place`] added a version or replaced the writer's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Placed {
    Added,
    Replaced,
}

/// Puts `version`, pending in `txn`, into row `rowid` of table `root`:
/// over `txn`'s own pending version (returned), or beside the row's
/// others, or in a row (and table) made for it. Everything is allocated
/// before anything changes, so an error leaves `tables` as it was.
fn place<A: Allocator + Clone>(
    tables: &mut Tables<A>,
    alloc: &A,
    root: PageNo,
    rowid: RowId,
    version: Version<A>,
    txn: TxnId,
) -> Result<(Placed, Option<Version<A>>)> {
    match tables.find(root) {
        Ok(t) => {
            let Some(table) = tables.tables.get_mut(t) else {
                return Err(Error::Misuse("a version store table out of place"));
            };
            match table.find(rowid) {
                Ok(r) => {
                    let Some(row) = table.rows.get_mut(r) else {
                        return Err(Error::Misuse("a version store row out of place"));
                    };
                    let own = row.versions.iter_mut().find(|v| v.pending_in(txn));
                    if let Some(own) = own {
                        let was = core::mem::replace(own, version);
                        return Ok((Placed::Replaced, Some(was)));
                    }
                    row.versions.try_push(version, alloc)?;
                }
                Err(r) => {
                    let row = Row {
                        rowid,
                        versions: Versions::One(version),
                    };
                    table.rows.try_insert(r, row)?;
                }
            }
        }
        Err(t) => {
            let mut rows = Vec::try_with_capacity_in(1, alloc.clone())?;
            rows.try_push(Row {
                rowid,
                versions: Versions::One(version),
            })?;
            tables.tables.try_insert(t, Table { root, rows })?;
        }
    }
    Ok((Placed::Added, None))
}

/// Frees the committed versions of `row` no transaction can need: those
/// that began at or before `floor` (every B-tree read holds them, or a
/// state newer versions cover) and those that ended with no running
/// transaction's snapshot in their life, but those a moved transaction
/// keeps (see [`Sight::keeps`]). Returns the bytes freed and how
/// many of them had an end.
fn sweep<A: Allocator>(row: &mut Row<A>, running: &[Txn<A>], floor: Timestamp) -> (usize, usize) {
    let (mut freed, mut gone) = (0, 0);
    row.versions.retain(|v| {
        let free = match (v.begin(), v.end()) {
            (Begin::Pending(_), _) => false,
            _ if running.iter().any(|t| t.sight().keeps(v)) => false,
            (Begin::Committed(b), _) if b <= floor => true,
            (Begin::Committed(_), End::Open) => false,
            (Begin::Committed(b), End::Committed(e)) => {
                !running.iter().any(|t| b <= t.snapshot && t.snapshot < e)
            }
        };
        if free {
            freed += v.charge();
            gone += usize::from(v.end() != End::Open);
        }
        !free
    });
    (freed, gone)
}

/// The writes of a committing transaction, for its log frame: each row it
/// wrote once, with its net change, in the order of its first write.
pub struct Writes<'s, A: Allocator> {
    tables: &'s Tables<A>,
    writes: core::slice::Iter<'s, (PageNo, RowId)>,
    txn: TxnId,
}

impl<A: Allocator> Clone for Writes<'_, A> {
    fn clone(&self) -> Self {
        Writes {
            tables: self.tables,
            writes: self.writes.clone(),
            txn: self.txn,
        }
    }
}

/// One row a transaction wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written<'s> {
    /// The table's root page.
    pub root: PageNo,
    /// The row's rowid.
    pub rowid: RowId,
    /// The transaction's net change to it.
    pub change: Change<'s>,
}

impl<'s, A: Allocator> Iterator for Writes<'s, A> {
    type Item = Written<'s>;

    fn next(&mut self) -> Option<Written<'s>> {
        for &(root, rowid) in self.writes.by_ref() {
            let Some(row) = self.tables.row(root, rowid) else {
                continue;
            };
            let Some(own) = row.versions.iter().find(|v| v.pending_in(self.txn)) else {
                continue;
            };
            let record = own.record().unwrap_or_default();
            let change = match own.kind {
                ChangeKind::Insert => Change::Insert(record),
                ChangeKind::Update => Change::Update(record),
                ChangeKind::Delete => Change::Delete,
                // Claims only serve conflicts between running
                // transactions: nothing after a restart needs them.
                ChangeKind::Claim => continue,
            };
            return Some(Written {
                root,
                rowid,
                change,
            });
        }
        None
    }
}

/// The rows a checkpoint writes (see [`VersionStore::checkpoint_rows`]).
pub struct CheckpointRows<'s, A: Allocator> {
    tables: core::slice::Iter<'s, Table<A>>,
    rows: core::slice::Iter<'s, Row<A>>,
    root: Option<PageNo>,
    upto: Timestamp,
    since: Timestamp,
}

/// One row a checkpoint writes into its table's B-tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckpointRow<'s> {
    /// The table's root page.
    pub root: PageNo,
    /// The row's rowid.
    pub rowid: RowId,
    /// Its record, or `None` when it is deleted.
    pub record: Option<&'s [u8]>,
}

impl<'s, A: Allocator> Iterator for CheckpointRows<'s, A> {
    type Item = CheckpointRow<'s>;

    fn next(&mut self) -> Option<CheckpointRow<'s>> {
        loop {
            if let Some(root) = self.root {
                for row in self.rows.by_ref() {
                    let current = row.versions.iter().find(|v| {
                        v.kind != ChangeKind::Claim
                            && v.current_at(self.upto)
                            && matches!(v.begin(), Begin::Committed(b) if b > self.since)
                    });
                    if let Some(v) = current {
                        return Some(CheckpointRow {
                            root,
                            rowid: row.rowid,
                            record: v.record(),
                        });
                    }
                }
            }
            let table = self.tables.next()?;
            self.root = Some(table.root);
            self.rows = table.rows.iter();
        }
    }
}
