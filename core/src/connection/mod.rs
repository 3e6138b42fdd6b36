//! The SQL connection API: [`Connection`] runs SQL text against a
//! [`Database`](crate::Database), [`Statement`] is one prepared statement
//! stepped row by row, [`Row`] is one result row.
//!
//! One concern per file:
//! - `session`: the connection's transactions (autocommit, `BEGIN`
//!   `DEFERRED`/`IMMEDIATE`, `COMMIT`/`ROLLBACK`), the snapshot its
//!   statements read, and `execute`/`prepare`;
//! - `view`: the pages the connection's statements read: a snapshot, or
//!   its own write transaction;
//! - `statement`, `row`: the prepared statement and its rows;
//! - `table`: a table's columns, affinities, defaults and indexes, read
//!   from the schema;
//! - `cache`: the table a prepared statement read last, kept for its next
//!   run while the schema stays the same;
//! - `check`: every column named exists, checked before any row is read;
//! - `context`: the expression context that reads a row's columns;
//! - `plan`: which part of a table a `WHERE` clause needs (a rowid seek,
//!   a rowid range, an index equality or range seek, or a scan);
//! - `writer`: every change to the trees, with index maintenance and the
//!   undo log that makes one statement atomic inside `BEGIN`;
//! - `exec/`: one file per statement kind (and `PRAGMA`).
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
//!   could not grow) the whole transaction is rolled back and
//!   [`Connection::in_transaction`] turns false;
//! - a plan only narrows the rows visited: the whole `WHERE` clause is
//!   still evaluated on each row, so a plan can never change a result;
//! - a warm prepared statement allocates nothing per row: its table is
//!   cached, its output row, row values, record, rowid and key buffers
//!   and the undo log are reused;
//! - a REAL column reads as REAL: the whole reals SQLite (and boundlite)
//!   store as integers read back as reals;
//! - every allocation is fallible and a refusal is
//!   [`Error::OutOfMemory`](crate::Error::OutOfMemory).

mod cache;
mod check;
mod context;
mod exec;
mod plan;
mod row;
mod session;
mod statement;
mod table;
mod value_refs;
mod view;
mod writer;

#[cfg(test)]
mod tests;

pub use crate::sql::eval::Value;
pub use row::Row;
pub use session::Connection;
pub use statement::Statement;
