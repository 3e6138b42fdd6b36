//! The changes a statement makes to the schema through a [`Writer`]:
//! tables and indexes created and dropped, schema rows and records
//! rewritten by `ALTER TABLE`, `user_version` set, and the schema as the
//! write transaction has it.
//!
//! Invariant: none of these is logged for undo; each is one change of the
//! write transaction, which a failure undoes to the statement's mark, or
//! rolls back whole without one (see
//! [`TxnState`](crate::database::TxnState)), so a statement that makes
//! one leaves nothing half done for the undo log to take back. The
//! connection gives every schema statement of the main database a mark
//! inside a transaction; one without (on the temporary database) that
//! makes one and then fails at a later step rolls the transaction back
//! whole ([`Writer::fail_transaction`]).

use boundlite_platform::Platform;

use crate::alloc::Allocator;
use crate::schema::{NewEntry, Schema};
use crate::{Result, RowId};

use super::rows::Writer;

impl<P: Platform, A: Allocator + Clone> Writer<'_, '_, P, A> {
    /// The schema, the transaction's own changes included.
    pub fn schema(&self) -> Result<Schema<A>> {
        self.db.schema()
    }

    /// Creates table `name` from its `CREATE TABLE` statement `sql`.
    pub fn create_table(&self, name: &str, sql: &str) -> Result<()> {
        self.txn()?.create_table(name, sql).map(|_| ())
    }

    /// Creates index `name` on `table` from its `CREATE INDEX` statement
    /// `sql`, filled from the table's rows.
    pub fn create_index(&self, name: &str, table: &str, sql: &str) -> Result<()> {
        self.txn()?.create_index(name, table, sql).map(|_| ())
    }

    /// Drops table `name` with its indexes.
    pub fn drop_table(&self, name: &str) -> Result<()> {
        self.txn()?.drop_table(name).map(|_| ())
    }

    /// Drops index `name`.
    pub fn drop_index(&self, name: &str) -> Result<()> {
        self.txn()?.drop_index(name).map(|_| ())
    }

    /// Builds index `name` again from its table's rows.
    pub fn rebuild_index(&self, name: &str) -> Result<()> {
        self.txn()?.rebuild_index(name)
    }

    /// Creates view `name` from its `CREATE VIEW` statement `sql`.
    pub fn create_view(&self, name: &str, sql: &str) -> Result<()> {
        self.txn()?.create_view(name, sql)
    }

    /// Drops view `name`.
    pub fn drop_view(&self, name: &str) -> Result<()> {
        self.txn()?.drop_view(name).map(|_| ())
    }

    /// Creates trigger `name` on `table` from its `CREATE TRIGGER`
    /// statement `sql`.
    pub fn create_trigger(&self, name: &str, table: &str, sql: &str) -> Result<()> {
        self.txn()?.create_trigger(name, table, sql)
    }

    /// Drops trigger `name`.
    pub fn drop_trigger(&self, name: &str) -> Result<()> {
        self.txn()?.drop_trigger(name).map(|_| ())
    }

    /// Replaces the schema row `rowid` with `entry` (`ALTER TABLE`).
    pub fn replace_entry(&self, rowid: RowId, entry: &NewEntry<'_>) -> Result<()> {
        self.txn()?.replace_entry(rowid, entry)
    }

    /// Renames the `sqlite_sequence` row of table `old` to `new`.
    pub fn rename_sequence(&self, old: &str, new: &str) -> Result<()> {
        self.txn()?.rename_sequence(old, new)
    }

    /// Records at least schema format `format` in the header.
    pub fn require_format(&self, format: u32) -> Result<()> {
        self.txn()?.require_format(format)
    }

    /// Rolls the whole write transaction back, for a statement without a
    /// mark that made a schema change and then failed: the change is not
    /// in the undo log, so the statement cannot be undone alone.
    pub fn fail_transaction(&self) -> Result<()> {
        self.txn()?.fail()
    }

    /// Sets `PRAGMA user_version`.
    pub fn set_user_version(&self, version: i32) -> Result<()> {
        self.txn()?.set_user_version(version)
    }
}
