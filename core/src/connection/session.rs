//! [`Connection`]: SQL text in, changes and rows out, with SQLite's
//! transaction rules.
//!
//! Invariant: the connection holds at most one write transaction, the
//! one `BEGIN` opened; without it every changing statement opens,
//! commits (or on error drops, which rolls back) its own.

use core::cell::{Cell, RefCell};

use boundlite_platform::Platform;

use crate::alloc::{Allocator, Global};
use crate::record::ValueRef;
use crate::sql::Parser;
use crate::{Database, Error, Result, WriteTransaction};

use super::statement::Statement;
use super::writer::{Buffers, Writer};

/// A connection to a [`Database`], made by [`Database::connect`].
///
/// ```
/// use boundlite::{Config, Database};
/// use boundlite::alloc::Global;
/// use boundlite::platform::MemoryPlatform;
/// use boundlite::record::ValueRef;
///
/// let disk = MemoryPlatform::new();
/// let db = Database::open(&disk, "demo.db", &Config::DEFAULT, Global)?;
/// let conn = db.connect();
/// conn.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT)", &[])?;
/// conn.execute("INSERT INTO t(name) VALUES (?1)", &[ValueRef::text("ada")])?;
/// let mut stmt = conn.prepare("SELECT id, name FROM t WHERE id = 1")?;
/// let row = stmt.step()?.unwrap();
/// assert_eq!(row.get_i64(0)?, 1);
/// assert_eq!(row.get_text(1)?, "ada");
/// # Ok::<(), boundlite::Error>(())
/// ```
pub struct Connection<'db, P: Platform, A: Allocator + Clone = Global> {
    db: &'db Database<P, A>,
    txn: RefCell<Option<WriteTransaction<'db, P, A>>>,
    /// Transactions (and statements inside one) rolled back so far: the
    /// tables statements cache are keyed by it (see `cache`).
    rollbacks: Cell<u64>,
    /// The buffers of the last statement's writer inside `BEGIN`.
    buffers: Cell<Option<Buffers<A>>>,
}

impl<'db, P: Platform, A: Allocator + Clone> Connection<'db, P, A> {
    /// A connection to `db` in autocommit mode.
    pub(crate) fn new(db: &'db Database<P, A>) -> Self {
        Connection {
            db,
            txn: RefCell::new(None),
            rollbacks: Cell::new(0),
            buffers: Cell::new(None),
        }
    }

    /// The database this connection talks to.
    pub fn database(&self) -> &'db Database<P, A> {
        self.db
    }

    /// Whether a transaction opened by `BEGIN` is in progress.
    pub fn in_transaction(&self) -> bool {
        self.txn.try_borrow().map(|t| t.is_some()).unwrap_or(true)
    }

    /// Runs every statement of `sql`, binding `params` by position to each
    /// statement that takes parameters; returns the rows changed by the
    /// last one. Rows a query returns are read and dropped.
    pub fn execute(&self, sql: &str, params: &[ValueRef<'_>]) -> Result<usize> {
        let mut parser = Parser::new(sql, self.db.allocator().clone());
        let mut changes = 0;
        while let Some(parsed) = parser.next_statement()? {
            let mut stmt = Statement::new(self, parsed)?;
            for (i, value) in params.iter().enumerate().take(stmt.parameter_count()) {
                stmt.bind(i + 1, *value)?;
            }
            while stmt.step()?.is_some() {}
            changes = stmt.changes();
        }
        Ok(changes)
    }

    /// Prepares the first statement of `sql`; text after it is ignored.
    /// SQL with no statement is `Error::Misuse`.
    pub fn prepare<'c>(&'c self, sql: &'c str) -> Result<Statement<'c, 'db, P, A>> {
        let mut parser = Parser::new(sql, self.db.allocator().clone());
        let parsed = parser
            .next_statement()?
            .ok_or(Error::Misuse("no SQL statement to prepare"))?;
        Statement::new(self, parsed)
    }

    /// `BEGIN`: opens the write transaction the next statements share.
    pub(crate) fn begin(&self) -> Result<()> {
        let mut slot = self.slot()?;
        if slot.is_some() {
            return Err(Error::Sql(
                "cannot start a transaction within a transaction",
            ));
        }
        *slot = Some(self.db.begin_write()?);
        Ok(())
    }

    /// `COMMIT`: makes the transaction's changes durable.
    pub(crate) fn commit(&self) -> Result<()> {
        let txn = self
            .slot()?
            .take()
            .ok_or(Error::Sql("cannot commit - no transaction is active"))?;
        txn.commit().inspect_err(|_| self.rolled_back())
    }

    /// Rollbacks so far (see `cache`).
    pub(crate) fn rollbacks(&self) -> u64 {
        self.rollbacks.get()
    }

    /// Notes that changes were undone: a schema read since may be gone.
    fn rolled_back(&self) {
        self.rollbacks.set(self.rollbacks.get().wrapping_add(1));
    }

    /// `ROLLBACK`: undoes the transaction's changes.
    pub(crate) fn rollback(&self) -> Result<()> {
        let txn = self
            .slot()?
            .take()
            .ok_or(Error::Sql("cannot rollback - no transaction is active"))?;
        self.rolled_back();
        txn.rollback()
    }

    fn slot(&self) -> Result<core::cell::RefMut<'_, Option<WriteTransaction<'db, P, A>>>> {
        self.txn
            .try_borrow_mut()
            .map_err(|_| Error::Misuse("the connection is busy with another change"))
    }

    /// Runs one changing statement: inside the open transaction with an
    /// undo log, or in a transaction of its own.
    pub(crate) fn write<T>(
        &self,
        change: impl FnOnce(&mut Writer<'_, 'db, P, A>) -> Result<T>,
    ) -> Result<T> {
        let mut slot = self.slot()?;
        if let Some(txn) = slot.as_ref() {
            let mut writer = Writer::new(self.db, txn, true, self.buffers.take());
            return match change(&mut writer) {
                Ok(value) => {
                    self.buffers.set(Some(writer.into_buffers()));
                    Ok(value)
                }
                Err(error) => {
                    self.rolled_back();
                    if writer.undo().is_err() {
                        // The statement cannot be undone alone: roll the
                        // whole transaction back rather than keep half of
                        // it.
                        *slot = None;
                    }
                    Err(error)
                }
            };
        }
        let txn = self.db.begin_write()?;
        let value = {
            let mut writer = Writer::new(self.db, &txn, false, self.buffers.take());
            let value = change(&mut writer).inspect_err(|_| self.rolled_back())?;
            self.buffers.set(Some(writer.into_buffers()));
            value
        };
        txn.commit().inspect_err(|_| self.rolled_back())?;
        Ok(value)
    }
}
