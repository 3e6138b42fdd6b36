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
//!   the store's versions over its B-tree snapshot, in rowid order.
//!
//! Nothing here names the pager or a B-tree: the engine decides when a
//! commit is logged, when versions are checkpointed into the B-trees and
//! where a row no version covers is read from.

mod durable;
pub mod log;
mod merged;
mod stamp;
pub mod store;

pub use durable::DurableStore;
pub use merged::MergedRows;
pub use stamp::{Timestamp, TxnId};
