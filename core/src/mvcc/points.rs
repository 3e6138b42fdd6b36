//! The named points at which MVCC mode's state machines driven a step at
//! a time stop, so that other connections (or a crash) come there
//! (`docs/mvcc.md`, "Where a transaction can stop"): [`CommitPoint`] for
//! a commit (`MvccTransaction::commit_pausing`, `Connection::commit_pausing`),
//! [`CheckpointPoint`] for a checkpoint
//! (`Database::mvcc_checkpoint_pausing`), [`RecoveryPoint`] for recovery
//! (`Database::open_recovering`); and [`Resume`], what the caller then
//! asks of it.
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
//!   may be durable is never abandoned in the process;
//! - one checkpoint runs at a time (another gets `Busy`), and commits go
//!   on at each of its points. A commit appended during a pause before
//!   the log's reset is never lost to the reset: a checkpoint that finds
//!   a frame past its boundary (or one being written) when it comes to
//!   the reset keeps the log as it is, since recovery skips the frames at
//!   or below the boundary and the next checkpoint resets it. Holding
//!   commits off with `Busy` for the length of a pause would also keep
//!   them, but would stop every writer of the database while one
//!   checkpoint waits, which is what MVCC mode exists to avoid;
//! - a checkpoint's database commit and the store's letting go of what it
//!   wrote are one step, so a transaction that begins at a pause reads a
//!   B-tree and a store boundary that agree;
//! - a checkpoint abandoned at any point leaves a state a later
//!   checkpoint or a crash and recovery finishes: before
//!   [`CheckpointPoint::Recorded`] nothing changed; after it the database
//!   holds every frame up to the boundary and the log is reset later (an
//!   emptied log gets its header before the next commit appends);
//! - recovery installs frames in a store no one else sees until it ends,
//!   and writes to the log only at [`RecoveryPoint::LogReady`], cutting
//!   off bytes no recovery reads, so recovering again after a crash at any
//!   point gives the same rows and the same log.

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

/// What a commit, checkpoint or recovery stopped at a point does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resume {
    /// Goes on to the next point (or ends).
    Continue,
    /// Stops there, failing with `Abort`. A commit is rolled back: the log
    /// is cut back to where its frame began, and its rows no longer hold
    /// other commits off. A checkpoint rolls its write transaction back
    /// before [`CheckpointPoint::Recorded`] and otherwise leaves the log's
    /// reset to the next checkpoint. Recovery drops what it replayed.
    Abandon,
}

/// Where a checkpoint driven a step at a time
/// (`Database::mvcc_checkpoint_pausing`) stops. A checkpoint with
/// nothing committed since the last one writes no rows and meets only
/// [`LogEmptied`](Self::LogEmptied), when its log holds frames; one
/// whose log gained a frame during a pause meets no `LogEmptied`: that
/// log is kept (see the module's invariants).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CheckpointPoint {
    /// Every row committed up to the checkpoint's boundary and the
    /// boundary itself are written into an open write transaction of the
    /// database, not committed: the file, the log and the store are as
    /// before it began.
    RowsWritten,
    /// That write transaction is committed (the rows and the boundary are
    /// durable together) and the store has let go of the versions the
    /// B-trees now hold; the log still holds every frame.
    Recorded,
    /// The log is truncated to nothing and synced; its header, naming the
    /// boundary as its base, is not written yet.
    LogEmptied,
}

/// Where recovery, opening a database in MVCC mode
/// (`Database::open_recovering`), stops. It writes nothing to the log
/// before [`LogReady`](Self::LogReady), so recovery stopped anywhere
/// recovers again to the same rows and the same log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecoveryPoint {
    /// The log's header is read and checked against the boundary the
    /// database records; the store is empty.
    HeaderRead,
    /// `n` (from 1) frames of the log are read; those above the boundary
    /// are installed in the store.
    FrameRead(u32),
    /// The bytes past the last whole frame (a torn tail) are cut off and
    /// synced, or a log without a header got one: the log is ready to
    /// append to.
    LogReady,
}
