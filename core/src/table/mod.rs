//! The table layer: the rows and index entries of one transaction, as the
//! executor reads and changes them. It is the only thing `exec` talks to
//! for rows; below it are the B-trees, the pager and the write
//! transaction, which `exec` never names.
//!
//! - `view`: [`View`], the pages a connection reads (a snapshot of a
//!   read transaction, or its own write transaction), with the cursors
//!   and schema read through it;
//! - `info`: [`TableInfo`], a table's columns, affinities, defaults and
//!   indexes, read from the schema;
//! - `rows`: [`Writer`], rows stored, overwritten and deleted with their
//!   index entries, in one write transaction;
//! - `keyed`: the rows of `WITHOUT ROWID` tables, stored and deleted by
//!   primary key through a [`Writer`];
//! - `conflict`: uniqueness checks and how a conflict is resolved, and
//!   the row an upsert's constraint finds a conflict with;
//! - `halt`: how a statement stopped by a failed constraint ends
//!   (`ABORT`, `FAIL`, `ROLLBACK`);
//! - `undo`: the statement undo log;
//! - `catalog`: schema changes made through a [`Writer`];
//! - `blob`: one column of one row read and written in place
//!   (incremental BLOB I/O);
//! - `stream`: rows stored from their values a page at a time, for
//!   records that spill to overflow pages;
//! - `transfer`: rows and index entries copied from one table to another
//!   as they are stored (`INSERT INTO t SELECT * FROM s`);
//! - `value_refs`: borrowed value lists gathered on the stack;
//! - `row_cursor`: [`RowCursor`], a table's rows as a view shows them:
//!   its B-tree, or in MVCC mode (`mvcc_rows`) its B-tree snapshot merged
//!   with the versions the connection's MVCC transaction sees;
//! - `entry_cursor`: [`EntryCursor`], an index's entries as a view shows
//!   them: its B-tree, or in MVCC mode (`mvcc_keys`) its B-tree
//!   snapshot's entries of unchanged rows merged with the entries of the
//!   row versions the transaction sees;
//! - `mvcc_writes`: a [`Writer`]'s row changes in MVCC mode, made in the
//!   version store through the connection's MVCC transaction, and what
//!   that mode refuses;
//! - `mvcc_claims`: the claims keys of `UNIQUE` indexes make in MVCC
//!   mode, so two transactions storing one key conflict;
//! - `mvcc_checkpoint`: the index entries a checkpoint's rows take and
//!   leave, written into the index B-trees beside the rows.
//!
//! Invariants:
//! - a row and its index entries change together: the row then its
//!   entries on insert, the entries then the row on delete, as SQLite
//!   orders them;
//! - constraints are checked before a row is written, so a failed
//!   constraint leaves its statement's earlier changes for the undo log
//!   to take back (or, under `FAIL`, to stay) and adds none of its own;
//! - inside an explicit transaction every row change is logged before
//!   it is made, so a failed statement can be undone alone; a failure of
//!   the storage engine instead rolls the whole write transaction back,
//!   and whether that happened is the write transaction's
//!   [`TxnState`](crate::database::TxnState), which this layer consults
//!   and never copies;
//! - a [`View`] never shows another connection's uncommitted pages.

mod blob;
mod catalog;
mod conflict;
mod entry_cursor;
mod halt;
mod info;
mod keyed;
mod mvcc_checkpoint;
mod mvcc_claims;
mod mvcc_keys;
mod mvcc_rows;
mod mvcc_writes;
mod row_cursor;
mod rows;
mod schema_memo;
mod stream;
#[cfg(test)]
mod tests;
mod transfer;
mod undo;
mod undo_spill;
mod value_refs;
mod view;

pub(crate) use blob::{BlobColumn, Located, locate, read_blob};
pub(crate) use conflict::{OrClause, Unique};
pub(crate) use entry_cursor::EntryCursor;
pub(crate) use halt::Halt;
pub(crate) use info::{
    ColumnMeta, DefaultKind, IndexInfo, KEYED_CONFLICTS, SchemaVersion, TableFunction, TableInfo,
    check_defaults,
};
pub(crate) use mvcc_checkpoint::SchemaIndexes;
pub(crate) use mvcc_keys::Of;
pub(crate) use mvcc_writes::refuse_changes;
pub(crate) use row_cursor::RowCursor;
pub(crate) use rows::{Buffers, Writer};
pub(crate) use schema_memo::SchemaRef;
pub(crate) use stream::is_indexed;
pub(crate) use transfer::{Rowids, same_keys};
pub(crate) use value_refs::{with_gathered, with_value_refs};
pub(crate) use view::{KeyCursor, Sees, Side, View};
