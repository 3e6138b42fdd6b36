//! The SQL connection API: [`Connection`] runs SQL text against a
//! [`Database`](crate::Database), [`Statement`] is one prepared statement
//! stepped row by row, [`Row`] is one result row. Planning and executing
//! a statement is `exec`'s; this module owns the transactions and the
//! statements' life.
//!
//! One concern per file:
//! - `session`: the connection's transactions (autocommit, `BEGIN`
//!   `DEFERRED`/`IMMEDIATE`, `COMMIT`/`ROLLBACK`), the snapshot its
//!   statements read, and `execute`/`prepare`;
//! - `statement`, `row`: the prepared statement and its rows;
//! - `names`: the names of a statement's result columns;
//! - `from_value`, `params`: Rust values out of rows ([`FromValue`],
//!   [`ColumnIndex`]) and into parameters ([`ToValue`], [`Params`],
//!   [`params!`](crate::params), [`named_params!`](crate::named_params));
//! - `rows`: running a statement with its parameters ([`Rows`],
//!   [`MappedRows`]);
//! - `transaction`: [`Transaction`], a transaction as a guard;
//! - `blob`: [`Blob`], incremental I/O on one TEXT or BLOB value.
//!
//! Invariants:
//! - a connection never reads another connection's uncommitted changes: a
//!   query reads the snapshot of the last commit made before its first
//!   step, until it finishes, is reset or is dropped; inside `BEGIN` every
//!   read sees the snapshot of the transaction's first statement, and a
//!   change from a snapshot that is no longer the last commit fails with
//!   [`Error::BusySnapshot`](crate::Error::BusySnapshot) (SQLite's
//!   snapshot isolation in WAL mode);
//! - outside `BEGIN` each changing statement runs in its own write
//!   transaction, committed when the statement ends and rolled back when
//!   it fails: a failed statement leaves no trace;
//! - inside `BEGIN`, a statement that fails undoes its own changes through
//!   the undo log; if undoing is impossible (the storage engine rolled the
//!   transaction back after an out-of-memory or I/O error, or the undo log
//!   could not grow) the whole transaction is rolled back and the
//!   connection is aborted: every statement fails with
//!   [`Error::TransactionAborted`](crate::Error::TransactionAborted) until
//!   `ROLLBACK` (or `COMMIT`, which reports the rollback), so a script
//!   never commits part of a transaction (see `session` for how this
//!   differs from SQLite);
//! - a warm prepared statement allocates nothing per row: its table is
//!   cached, its output row, row values, record, rowid and key buffers
//!   and the undo log are reused;
//! - every allocation is fallible and a refusal is
//!   [`Error::OutOfMemory`](crate::Error::OutOfMemory).

mod blob;
mod from_value;
mod names;
mod params;
mod row;
mod rows;
mod session;
mod statement;
mod transaction;

#[cfg(test)]
mod tests;

pub use crate::sql::eval::Value;
pub use blob::{Blob, BlobAccess};
pub use from_value::{
    ColumnIndex, ColumnMismatch, ColumnName, Expected, Found, FromValue, Refusal,
};
pub use names::ColumnNames;
pub(crate) use names::Names;
pub use params::{ParamList, Params, ToValue};
pub use row::Row;
pub use rows::{MappedRows, Rows};
pub use session::Connection;
pub use statement::Statement;
pub use transaction::{Transaction, TransactionBehavior};
