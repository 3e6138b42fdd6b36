//! [`Transaction`]: a transaction as a guard, begun by
//! [`Connection::transaction`], ended by [`Transaction::commit`] or
//! [`Transaction::rollback`], and rolled back when dropped unended (an
//! early return, a `?`, a panic).
//!
//! Invariant: a guard ends the transaction it began exactly once; it
//! borrows the connection shared, so statements run through it (it
//! dereferences to the [`Connection`]) while it lives.

use core::ops::Deref;

use boundlite_platform::Platform;

use crate::Result;
use crate::alloc::Allocator;
use crate::sql::TransactionMode;

use super::session::Connection;

/// How [`Connection::transaction_with_behavior`] begins: SQLite's
/// `BEGIN DEFERRED`, `IMMEDIATE` and `EXCLUSIVE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TransactionBehavior {
    /// Takes a snapshot at the first read and the write lock at the
    /// first change.
    #[default]
    Deferred,
    /// Takes the write lock at once ([`Error::Busy`](crate::Error::Busy)
    /// when another connection holds it).
    Immediate,
    /// As `Immediate`: in WAL mode SQLite's `EXCLUSIVE` is the same.
    Exclusive,
}

/// A transaction in progress on a [`Connection`]; rolled back when
/// dropped without [`commit`](Self::commit).
///
/// ```
/// # let disk = boundlite::platform::MemoryPlatform::new();
/// # let db = boundlite::Database::open(&disk, "t.db", &boundlite::Config::DEFAULT, boundlite::alloc::Global)?;
/// let conn = db.connect();
/// conn.execute("CREATE TABLE t(x)", ())?;
/// {
///     let tx = conn.transaction()?;
///     tx.execute("INSERT INTO t VALUES (1)", ())?;
/// } // dropped: rolled back
/// let tx = conn.transaction()?;
/// tx.execute("INSERT INTO t VALUES (2)", ())?;
/// tx.commit()?;
/// let n: i64 = conn.query_row("SELECT sum(x) FROM t", (), |row| row.get(0))?;
/// assert_eq!(n, 2);
/// # Ok::<(), boundlite::Error>(())
/// ```
#[must_use = "a transaction dropped at once is rolled back"]
pub struct Transaction<'c, 'db, P: Platform, A: Allocator + Clone> {
    conn: &'c Connection<'db, P, A>,
    ended: bool,
}

impl<'c, 'db, P: Platform, A: Allocator + Clone> Transaction<'c, 'db, P, A> {
    pub(crate) fn begin(
        conn: &'c Connection<'db, P, A>,
        behavior: TransactionBehavior,
    ) -> Result<Self> {
        let mode = match behavior {
            TransactionBehavior::Deferred => TransactionMode::Deferred,
            TransactionBehavior::Immediate => TransactionMode::Immediate,
            TransactionBehavior::Exclusive => TransactionMode::Exclusive,
        };
        conn.begin(Some(mode))?;
        Ok(Transaction { conn, ended: false })
    }

    /// `COMMIT`. A commit that fails ends the transaction, nothing of it
    /// committed, as SQLite's does (deferred foreign key violations
    /// excepted: those roll back here).
    pub fn commit(mut self) -> Result<()> {
        self.ended = true;
        let committed = self.conn.commit();
        if committed.is_err() && self.conn.in_transaction() {
            // Still open (a deferred foreign key failed): the guard
            // promised an end.
            let _ = self.conn.rollback();
        }
        committed
    }

    /// `ROLLBACK`.
    pub fn rollback(mut self) -> Result<()> {
        self.ended = true;
        self.conn.rollback()
    }
}

impl<'db, P: Platform, A: Allocator + Clone> Deref for Transaction<'_, 'db, P, A> {
    type Target = Connection<'db, P, A>;

    fn deref(&self) -> &Connection<'db, P, A> {
        self.conn
    }
}

impl<P: Platform, A: Allocator + Clone> Drop for Transaction<'_, '_, P, A> {
    fn drop(&mut self) {
        if !self.ended && self.conn.in_transaction() {
            // Nothing can report a failure here; a rollback that fails
            // leaves the connection aborted, which every later statement
            // reports.
            let _ = self.conn.rollback();
        }
    }
}
