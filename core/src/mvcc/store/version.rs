//! One version of a row, and which version a transaction sees.

use crate::alloc::{Allocator, Vec};
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
    pub(super) begin: Begin,
    pub(super) end: End,
    pub(super) kind: ChangeKind,
    /// The record; `None` for a delete (a tombstone).
    pub(super) record: Option<Vec<u8, A>>,
}

impl<A: Allocator> Version<A> {
    /// Bytes the budget counts for it.
    pub(super) fn charge(&self) -> usize {
        charge_of(self.record.as_ref().map_or(0, |r| r.len()))
    }

    fn seen(&self) -> Seen<'_> {
        match &self.record {
            Some(record) => Seen::Row(record.as_slice()),
            None => Seen::Deleted,
        }
    }

    /// Whether it is the committed version current at `at`.
    pub(super) fn current_at(&self, at: Timestamp) -> bool {
        let began = matches!(self.begin, Begin::Committed(b) if b <= at);
        let ended = matches!(self.end, End::Committed(e) if e <= at);
        began && !ended
    }
}

/// Bytes the budget counts for a version holding `record_len` bytes.
pub(super) fn charge_of(record_len: usize) -> usize {
    record_len.saturating_add(core::mem::size_of::<Version<crate::alloc::Global>>())
}

/// What transaction `txn` with snapshot `snapshot` sees of a row whose
/// versions are `versions`: its own pending version, else the committed
/// one current at its snapshot.
pub(super) fn visible<A: Allocator>(
    versions: &[Version<A>],
    txn: TxnId,
    snapshot: Timestamp,
) -> Seen<'_> {
    if let Some(own) = versions.iter().find(|v| v.begin == Begin::Pending(txn)) {
        return own.seen();
    }
    versions
        .iter()
        .find(|v| v.current_at(snapshot))
        .map_or(Seen::Unversioned, Version::seen)
}

/// Whether a version committed after `snapshot` exists: a transaction
/// with that snapshot that writes the row loses to its committer.
pub(super) fn committed_since<A: Allocator>(versions: &[Version<A>], snapshot: Timestamp) -> bool {
    versions
        .iter()
        .any(|v| matches!(v.begin, Begin::Committed(b) if b > snapshot))
}
