//! One version of a row, and which version a transaction sees.
//!
//! A version's begin and end are one word each ([`BeginWord`],
//! [`EndWord`]) and its record a boxed slice: a pending row costs its
//! table's array one entry of a few words. The words are read and
//! written only as [`Begin`] and [`End`], so the illegal states stay
//! unrepresentable above this module.
//!
//! Invariants: a committed timestamp in a word is at most
//! [`Timestamp::MAX`] (a [`Commit`] vouches for it) and a pending
//! transaction's id below 2^63 ([`BeginWord::pending`] refuses more),
//! so each word's top bit is free to tell its two states apart.

use crate::alloc::{Allocator, Box};
use crate::mvcc::{Timestamp, TxnId};

/// When a version began to exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Begin {
    /// At this commit.
    Committed(Timestamp),
    /// Not yet: the running transaction that wrote it sees it, no other.
    Pending(TxnId),
}

/// When a committed version stopped being the row's latest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum End {
    /// It is the latest committed version.
    Open,
    /// A version committed at this timestamp replaced it.
    Committed(Timestamp),
}

/// The top bit of a version's words: set for a pending begin and for an
/// open end, which no timestamp has.
const TAG: u64 = 1 << 63;

/// A commit timestamp a version's words can hold: at most
/// [`Timestamp::MAX`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Commit(Timestamp);

impl Commit {
    /// `at`, when it is at most [`Timestamp::MAX`].
    pub(super) fn new(at: Timestamp) -> Option<Commit> {
        (at <= Timestamp::MAX).then_some(Commit(at))
    }

    pub(super) fn get(self) -> Timestamp {
        self.0
    }
}

/// A [`Begin`] in one word: the commit timestamp, or the pending
/// transaction's id with [`TAG`] set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct BeginWord(u64);

impl BeginWord {
    fn committed(at: Commit) -> BeginWord {
        BeginWord(at.get().get())
    }

    /// `None` for an id of 2^63 or more, which the word cannot tell from
    /// a timestamp.
    fn pending(txn: TxnId) -> Option<BeginWord> {
        (txn.get() & TAG == 0).then_some(BeginWord(txn.get() | TAG))
    }

    fn get(self) -> Begin {
        match self.0 & TAG {
            0 => Begin::Committed(Timestamp::new(self.0)),
            _ => Begin::Pending(TxnId::new(self.0 & !TAG)),
        }
    }
}

/// An [`End`] in one word: the commit timestamp that ended it, or
/// [`TAG`] alone for an open end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct EndWord(u64);

impl EndWord {
    const OPEN: EndWord = EndWord(TAG);

    fn committed(at: Commit) -> EndWord {
        EndWord(at.get().get())
    }

    fn get(self) -> End {
        match self.0 & TAG {
            0 => End::Committed(Timestamp::new(self.0)),
            _ => End::Open,
        }
    }
}

/// What a transaction did to a row, as it is logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// Stored a row where the transaction saw none.
    Insert,
    /// Replaced the record of a row it saw.
    Update,
    /// Deleted the row.
    Delete,
    /// Claimed a key (see [`Change::Claim`]).
    Claim,
}

impl ChangeKind {
    /// A transaction's net change to a row it already changed as `self`
    /// when it changes it again as `then`.
    pub(super) fn then(self, then: ChangeKind) -> ChangeKind {
        match (self, then) {
            (ChangeKind::Claim, _) | (_, ChangeKind::Claim) => ChangeKind::Claim,
            (_, ChangeKind::Delete) => ChangeKind::Delete,
            (ChangeKind::Insert, _) => ChangeKind::Insert,
            (ChangeKind::Update | ChangeKind::Delete, _) => ChangeKind::Update,
        }
    }
}

/// A change a transaction makes to a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change<'a> {
    /// Stores `record` where the transaction sees no row.
    Insert(&'a [u8]),
    /// Replaces the row's record with this one.
    Update(&'a [u8]),
    /// Deletes the row.
    Delete,
    /// Claims a key: the "row" is a name for a unique key rather than a
    /// table row, and holds no record. Two transactions that claim one
    /// key conflict as two that write one row do; a claim is never
    /// logged, checkpointed or read.
    Claim,
}

impl<'a> Change<'a> {
    pub(super) fn kind(self) -> ChangeKind {
        match self {
            Change::Insert(_) => ChangeKind::Insert,
            Change::Update(_) => ChangeKind::Update,
            Change::Delete => ChangeKind::Delete,
            Change::Claim => ChangeKind::Claim,
        }
    }

    pub(super) fn record(self) -> Option<&'a [u8]> {
        match self {
            Change::Insert(r) | Change::Update(r) => Some(r),
            Change::Delete | Change::Claim => None,
        }
    }
}

/// What the store shows a transaction of one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen<'a> {
    /// The row, with this record.
    Row(&'a [u8]),
    /// No row: a version the transaction sees deleted it.
    Deleted,
    /// No version the transaction sees: the row is as the B-tree snapshot
    /// the transaction reads has it.
    Unversioned,
}

/// One version of a row.
pub(super) struct Version<A: Allocator> {
    begin: BeginWord,
    end: EndWord,
    pub(super) kind: ChangeKind,
    /// The record; `None` for a delete (a tombstone) or a claim.
    record: Option<Box<[u8], A>>,
}

impl<A: Allocator> Version<A> {
    /// A version pending in `txn`, the latest it wrote of its row.
    /// `Misuse` for an id of 2^63 or more, which the store never gives.
    pub(super) fn pending(
        txn: TxnId,
        kind: ChangeKind,
        record: Option<Box<[u8], A>>,
    ) -> crate::Result<Version<A>> {
        let begin = BeginWord::pending(txn)
            .ok_or(crate::Error::Misuse("an MVCC transaction id past 2^63 - 1"))?;
        Ok(Version {
            begin,
            end: EndWord::OPEN,
            kind,
            record,
        })
    }

    pub(super) fn begin(&self) -> Begin {
        self.begin.get()
    }

    pub(super) fn end(&self) -> End {
        self.end.get()
    }

    /// Whether it is `txn`'s pending version.
    pub(super) fn pending_in(&self, txn: TxnId) -> bool {
        self.begin() == Begin::Pending(txn)
    }

    /// Makes it committed at `at`.
    pub(super) fn commit(&mut self, at: Commit) {
        self.begin = BeginWord::committed(at);
    }

    /// Ends it at `at`, the commit that replaced it.
    pub(super) fn end_at(&mut self, at: Commit) {
        self.end = EndWord::committed(at);
    }

    /// Its record, or `None` for a tombstone or a claim.
    pub(super) fn record(&self) -> Option<&[u8]> {
        self.record.as_deref()
    }

    /// Bytes the budget counts for it.
    pub(super) fn charge(&self) -> usize {
        charge_of(self.record.as_ref().map_or(0, |r| r.len()))
    }

    fn seen(&self) -> Seen<'_> {
        match self.record() {
            Some(record) => Seen::Row(record),
            None => Seen::Deleted,
        }
    }

    /// Whether it is the committed version current at `at`.
    pub(super) fn current_at(&self, at: Timestamp) -> bool {
        let began = matches!(self.begin(), Begin::Committed(b) if b <= at);
        let ended = matches!(self.end(), End::Committed(e) if e <= at);
        began && !ended
    }
}

/// Bytes the budget counts for a version holding `record_len` bytes.
pub(super) fn charge_of(record_len: usize) -> usize {
    record_len.saturating_add(core::mem::size_of::<Version<crate::alloc::Global>>())
}

/// What a transaction reads: its snapshot, and the checkpoint boundary
/// of the B-tree it falls back on. The boundary is at or below the
/// snapshot until the transaction moves to a later checkpoint (see
/// `VersionStore::move_to_checkpoint`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Sight {
    pub(super) snapshot: Timestamp,
    pub(super) tree: Timestamp,
}

impl Sight {
    /// Whether its B-tree holds commits its snapshot does not see.
    pub(super) fn moved(self) -> bool {
        self.tree > self.snapshot
    }

    /// Whether `v` began in `(snapshot, tree]`: a commit its B-tree holds
    /// and its snapshot does not see.
    pub(super) fn hidden_in_tree<A: Allocator>(self, v: &Version<A>) -> bool {
        matches!(v.begin(), Begin::Committed(b) if b > self.snapshot && b <= self.tree)
    }

    /// Whether a transaction reading so needs `v` kept whatever the
    /// boundaries: once moved, the versions its B-tree holds past its
    /// snapshot (so it tells the rows they changed, and conflicts on
    /// them) and, of those rows, the version current at its snapshot.
    pub(super) fn keeps<A: Allocator>(self, v: &Version<A>) -> bool {
        if !self.moved() {
            return false;
        }
        match v.end() {
            _ if self.hidden_in_tree(v) => true,
            End::Committed(e) => v.current_at(self.snapshot) && e <= self.tree,
            End::Open => false,
        }
    }
}

/// What transaction `txn` reading `sight` sees of a row whose versions
/// are `versions`: its own pending version, else the committed one
/// current at its snapshot, else no row when it moved and its B-tree
/// holds a later commit of the row (the move checked that the row did
/// not exist at its snapshot).
pub(super) fn visible<A: Allocator>(versions: &[Version<A>], txn: TxnId, sight: Sight) -> Seen<'_> {
    if let Some(own) = versions.iter().find(|v| v.pending_in(txn)) {
        return own.seen();
    }
    if let Some(current) = versions.iter().find(|v| v.current_at(sight.snapshot)) {
        return current.seen();
    }
    match sight.moved() && versions.iter().any(|v| sight.hidden_in_tree(v)) {
        true => Seen::Deleted,
        false => Seen::Unversioned,
    }
}

/// Whether a version committed after `snapshot` exists: a transaction
/// with that snapshot that writes the row loses to its committer.
pub(super) fn committed_since<A: Allocator>(versions: &[Version<A>], snapshot: Timestamp) -> bool {
    versions
        .iter()
        .any(|v| matches!(v.begin(), Begin::Committed(b) if b > snapshot))
}
