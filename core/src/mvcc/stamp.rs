//! [`Timestamp`] and [`TxnId`]: kept apart by type, as a commit's place in
//! time and a running transaction's name must never be mixed.

/// A point on the version store's logical clock: a transaction's snapshot
/// (the last commit when it began) or a commit. Commits take strictly
/// increasing timestamps; [`Timestamp::ZERO`] is before every commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(u64);

impl Timestamp {
    /// Before every commit.
    pub const ZERO: Timestamp = Timestamp(0);

    /// The last timestamp the clock reaches: a checkpoint's boundary is
    /// recorded as an SQL integer (`sqlite_mvcc`), so the clock stays
    /// within one. A log naming a later one is damaged.
    pub const MAX: Timestamp = Timestamp(i64::MAX as u64);

    /// The timestamp `n`.
    pub const fn new(n: u64) -> Timestamp {
        Timestamp(n)
    }

    /// Its number.
    pub const fn get(self) -> u64 {
        self.0
    }

    /// The timestamp after this one; `None` past [`Timestamp::MAX`]: the
    /// clock is exhausted.
    pub const fn next(self) -> Option<Timestamp> {
        match self.0 < Timestamp::MAX.0 {
            true => Some(Timestamp(self.0 + 1)),
            false => None,
        }
    }
}

/// The name of a running transaction in a version store. Never written to
/// disk: a transaction that commits is known by its commit [`Timestamp`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TxnId(u64);

impl TxnId {
    /// The transaction id `n`.
    pub const fn new(n: u64) -> TxnId {
        TxnId(n)
    }

    /// Its number.
    pub const fn get(self) -> u64 {
        self.0
    }
}
