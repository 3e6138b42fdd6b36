//! [`CommitPoint`]: the points at which a commit driven a step at a time
//! (`MvccTransaction::commit_pausing`, `Connection::commit_pausing`)
//! stops, so that other connections run there, and [`Resume`], what the
//! caller then asks of it (`docs/mvcc.md`, "Where a transaction can
//! stop").
//!
//! Invariants:
//! - from [`CommitPoint::Validated`] until it installs or is abandoned the
//!   transaction is *preparing*: another transaction's commit that wrote
//!   one of its rows fails with `BusyConflict` (the preparing one
//!   validated first), and at most one transaction prepares at a time;
//! - from the first piece of its frame on, no other commit appends to
//!   the log and no checkpoint resets it (`Busy`, retryable);
//! - after [`CommitPoint::HeaderWritten`] the log is synced and the
//!   versions installed in one step, with no point between: a frame that
//!   may be durable is never abandoned in the process.

/// Where a commit driven a step at a time stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommitPoint {
    /// Its writes are validated against every commit since its snapshot
    /// and it is preparing; nothing is written and it has no timestamp
    /// (it takes the next one when its frame starts).
    Validated,
    /// Piece `n` (from 1) of its frame's body is written, at most
    /// [`FRAME_PIECE_SIZE`](super::log::FRAME_PIECE_SIZE) bytes each.
    PieceWritten(u32),
    /// Its frame's header is written after the body: the frame is whole
    /// but not synced.
    HeaderWritten,
}

/// What a commit stopped at a [`CommitPoint`] does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resume {
    /// Goes on to the next point (or commits).
    Continue,
    /// Rolls the transaction back: the log is cut back to where its frame
    /// began, and its rows no longer hold other commits off.
    Abandon,
}
