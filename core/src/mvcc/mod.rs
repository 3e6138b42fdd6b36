//! MVCC mode's storage pieces (`docs/mvcc.md`): the logical log of
//! committed transactions (`<db>-log`) and the version store of row
//! versions that transactions read and write beside the B-trees.
//!
//! - [`stamp`](Timestamp): [`Timestamp`], the store's logical clock, and
//!   [`TxnId`], the name of a running transaction;
//! - [`log`]: the log's format, its writer and its reader (recovery);
//! - [`store`]: row versions, their visibility to each transaction,
//!   first-committer-wins conflicts, garbage collection and the memory
//!   budget;
//! - `durable`: [`DurableStore`], the store made durable by the log:
//!   commits logged before they are visible, recovery, checkpoints;
//! - `merged`: [`MergedRows`], a table's rows as a transaction sees them,
//!   the store's versions over its B-tree snapshot, in rowid order;
//! - `points`: [`CommitPoint`], [`CheckpointPoint`] and
//!   [`RecoveryPoint`], where a commit, a checkpoint and recovery driven a
//!   step at a time stop so that other connections (or a crash) come
//!   there, and [`Resume`];
//! - `checkpoint`: [`write_checkpoint`], a checkpoint's rows written into
//!   the B-trees through a write transaction.
//!
//! The store and the log never name the pager or a B-tree; the merged
//! cursor reads a B-tree through any page source, and checkpoints write
//! through a [`WriteTransaction`](crate::WriteTransaction). The engine
//! decides when a commit is logged, when versions are checkpointed and
//! which B-tree snapshot a transaction reads.

mod checkpoint;
mod durable;
pub mod log;
mod merged;
mod points;
mod stamp;
pub mod store;

pub use checkpoint::{IndexKeeper, NoIndexes, write_checkpoint};
pub use durable::{CommitStep, DurableStore, LogReset};
pub use merged::MergedRows;
pub use points::{CheckpointPoint, CommitPoint, RecoveryPoint, Resume};
pub use stamp::{Timestamp, TxnId};
