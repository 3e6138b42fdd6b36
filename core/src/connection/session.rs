//! [`Connection`]: SQL text in, changes and rows out, with SQLite's
//! transaction rules.
//!
//! A connection is in one of the states of [`Txn`]; what its statements
//! read follows from it (see `table::view`):
//!
//! | state        | reads                                  | a change                            |
//! |--------------|----------------------------------------|-------------------------------------|
//! | `Autocommit` | the snapshot of the statements in progress, else the last commit | its own write transaction, committed at once |
//! | `Deferred`   | (none yet)                             | takes the write transaction: `Write` |
//! | `Read`       | the transaction's snapshot             | upgrades to `Write`, or `BusySnapshot` if another connection committed since the snapshot |
//! | `Write`      | its own uncommitted changes            | joins the transaction, with an undo log |
//! | `Aborted`    | (refused)                              | (refused)                           |
//! | `Mvcc`       | its MVCC transaction's snapshot and own writes | a version in the store, under the statement's savepoint |
//!
//! `Mvcc` is the only transaction state of a database in MVCC mode: every
//! `BEGIN` enters it, and statements outside `BEGIN` run in MVCC
//! transactions of their own (see `mvcc`, which owns that mode's rules).
//!
//! Transitions: `BEGIN` (`DEFERRED`) goes from `Autocommit` to
//! `Deferred`, or to `Read` when statements in progress already hold a
//! snapshot; `BEGIN IMMEDIATE`/`EXCLUSIVE` goes to `Write` (`Busy` when
//! another connection holds the write transaction); a connection's first
//! read in `Deferred` goes to `Read`, its first change to `Write`;
//! `COMMIT` and `ROLLBACK` go back to `Autocommit`; `SAVEPOINT` in
//! `Autocommit` goes where `BEGIN` does, and releasing that savepoint
//! commits (see `savepoints`). A statement error in
//! `Write` that rolled the whole transaction back goes to `Aborted`. A
//! statement failed on a constraint that `ROLLBACK` resolves (`OR
//! ROLLBACK`, a constraint's `ON CONFLICT ROLLBACK`, `RAISE(ROLLBACK)`)
//! rolls the transaction back and goes to `Autocommit`, as SQLite does.
//!
//! How a failed statement ends is the table layer's `Halt`, noted where
//! its constraint failed: `ABORT` undoes it alone (in `Autocommit`, its
//! transaction); `FAIL` keeps its changes before the failing row, the
//! transaction going on (in `Autocommit`, committing them), unless they
//! leave an immediate foreign key violated, which fails it as `ABORT`;
//! `ROLLBACK` is `ABORT` in `Autocommit`.
//!
//! Whether an error rolled the whole transaction back is not recorded
//! here: the write transaction's [`TxnState`](crate::database::TxnState)
//! says it (`Failed`), and the table layer's undo consults it. A failed
//! statement in `Write` is undone alone while the transaction is `Open`
//! (or `Undone`: a schema statement runs under a statement mark in the
//! pager, which a failed change already returned to),
//! and the transaction goes on, as in SQLite; when it is not, or the undo
//! itself fails, the connection drops the transaction and enters
//! `Aborted`.
//!
//! `Aborted` differs from SQLite on purpose. SQLite rolls a transaction
//! back whole on some errors (`SQLITE_FULL`, `IOERR`, `BUSY`, `NOMEM`) and
//! then returns to autocommit, so the statements a script meant for the
//! rest of that transaction commit one by one and its `COMMIT` fails with
//! "no transaction is active". Here every statement in `Aborted` fails with
//! [`Error::TransactionAborted`] except `ROLLBACK`, which succeeds and goes
//! to `Autocommit`, and `COMMIT`/`END`, which also go to `Autocommit` but
//! fail with an error saying the transaction was rolled back: a script
//! never commits part of what it put between `BEGIN` and `COMMIT`. A
//! failed `COMMIT` itself ends the transaction as SQLite's does (nothing
//! of it committed) and goes to `Autocommit`: the error was reported by the
//! statement that ended the transaction.
//!
//! A statement that changes the `temp` schema (see `exec::schemas`) runs
//! in the connection's temporary database instead, whatever the state:
//! in `Autocommit` it commits at once; in a transaction it joins the
//! temporary database's write transaction, which stays open across
//! statements and ends with the transaction (`COMMIT` commits the main
//! database first and the temporary one only when that succeeded;
//! `ROLLBACK`, and any error that rolls the transaction back whole, roll
//! both back). It leaves the states above as they were: the main
//! database is not written.
//!
//! Invariants:
//! - the connection holds at most one write transaction; in `Autocommit`
//!   it holds one only while one changing statement runs, in `Aborted`
//!   none;
//! - the connection holds a read transaction (the snapshot it reads)
//!   exactly while it is in `Read` or statements of it are in progress;
//!   statements in progress at once share it, as SQLite's statements on
//!   one connection share its read transaction. When a write transaction
//!   of the connection ends while statements are in progress, the read
//!   transaction is taken again on the commit that ended it, in the slot
//!   the old one frees;
//! - the snapshot a `Read` transaction writes from is the last commit:
//!   a change on an older one would overwrite a commit it never read
//!   (a lost update), so it fails with [`Error::BusySnapshot`] and the
//!   transaction stays as it was, reading.

use core::cell::{Cell, RefCell};

use boundlite_platform::Platform;

use crate::alloc::{Allocator, Global, Vec};
use crate::database::MvccTransaction;
use crate::mvcc::{CommitPoint, Resume};
use crate::pager::ReadTransaction;
use crate::sql::{Parser, TransactionMode};
use crate::{Database, Error, Result, WriteTransaction};

mod mvcc;

use mvcc::WritesTo;

use super::params::{ParamList, Params};
use super::row::Row;
use super::statement::Statement;
use super::transaction::{Transaction, TransactionBehavior};
use crate::exec::Counters;
use crate::exec::cache::TableCache;
use crate::exec::foreign_keys::Enforcement;
use crate::exec::views::ViewCatalog;
use crate::table::{Buffers, Halt, Sees, Side, View, Writer};
use crate::wal::{CheckpointMode, CheckpointResult};
use savepoints::Savepoint;

mod savepoints;

/// Where a connection's transaction stands (see the module table).
enum Txn<'db, P: Platform, A: Allocator + Clone> {
    /// No `BEGIN`: each statement is its own transaction.
    Autocommit,
    /// `BEGIN`, before the statement that decides whether it reads or
    /// writes.
    Deferred,
    /// `BEGIN`, reading one snapshot (the read transaction `Session`
    /// holds).
    Read,
    /// `BEGIN`, holding the write transaction.
    Write(WriteTransaction<'db, P, A>),
    /// `BEGIN` of any mode on a database in MVCC mode: a
    /// snapshot-isolation transaction of its store (see `mvcc`).
    Mvcc(MvccTransaction<'db, P, A>),
    /// `BEGIN`, and an error rolled the transaction back whole: statements
    /// fail until `ROLLBACK` or `COMMIT` acknowledges it.
    Aborted,
}

impl<P: Platform, A: Allocator + Clone> Txn<'_, P, A> {
    fn is_explicit(&self) -> bool {
        !matches!(self, Txn::Autocommit)
    }
}

/// How a statement inside a transaction is undone should it fail.
#[derive(Clone, Copy, PartialEq, Eq)]
enum StatementUndo {
    /// Through the writer's logical undo log: rows and index entries.
    Logged,
    /// To a statement mark in the pager, page by page: what changes the
    /// schema, which the undo log does not record. On a platform without
    /// temporary files there is no mark, and such a statement is `Logged`
    /// (its schema changes then fail the transaction whole, see
    /// `WriteTransaction::fail`).
    Journaled,
}

/// How the temporary database's write transaction ends with the
/// connection's.
#[derive(Clone, Copy)]
enum TempEnd {
    Commit,
    Rollback,
}

/// A connection's transaction and the read transaction it holds.
struct Session<'db, P: Platform, A: Allocator + Clone> {
    txn: Txn<'db, P, A>,
    /// The snapshot read, while the connection is in [`Txn::Read`] or
    /// statements of it are in progress (see the invariants).
    reader: Option<ReadTransaction<'db, P::File, A>>,
    /// Statements in progress: started, and not yet finished, reset or
    /// dropped.
    reading: usize,
    /// `SAVEPOINT`s, oldest first (see `savepoints`).
    savepoints: Vec<Savepoint<A>, A>,
    /// In MVCC mode outside `BEGIN`, the transaction statements in
    /// progress read, while there are any.
    mvcc_reader: Option<MvccTransaction<'db, P, A>>,
}

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
    session: RefCell<Session<'db, P, A>>,
    /// What statements read; follows `session` (see `settle`).
    view: View<'db, P, A>,
    /// Transactions (and statements inside one) rolled back so far: the
    /// tables statements cache are keyed by it (see `cache`).
    rollbacks: Cell<u64>,
    /// The buffers of the last statement's writer inside `BEGIN`.
    buffers: Cell<Option<Buffers<A>>>,
    /// The buffers of the last writer of the temporary database.
    temp_buffers: Cell<Option<Buffers<A>>>,
    /// The generator statements seed their `random()` from, so that two
    /// statements do not draw the same numbers.
    seeds: Cell<u64>,
    /// The last rowid inserted and the rows changed (see `Counters`).
    counters: Counters,
    /// The schema's views as last read (see `views`).
    views: ViewCatalog<A>,
    /// `PRAGMA foreign_keys` and the counts of violations (see
    /// `exec::foreign_keys`).
    foreign_keys: Enforcement,
    /// The table the last statement dropped had read, for the next one
    /// prepared (see `exec::cache`).
    tables: TableCache<A>,
    /// In MVCC mode, where changes go (see `mvcc`).
    writes_to: Cell<WritesTo>,
}

impl<'db, P: Platform, A: Allocator + Clone> Connection<'db, P, A> {
    /// A connection to `db` in autocommit mode.
    pub(crate) fn new(db: &'db Database<P, A>) -> Self {
        Connection {
            db,
            session: RefCell::new(Session {
                txn: Txn::Autocommit,
                reader: None,
                reading: 0,
                savepoints: Vec::new_in(db.allocator().clone()),
                mvcc_reader: None,
            }),
            writes_to: Cell::new(WritesTo::Store),
            view: View::new(db),
            rollbacks: Cell::new(0),
            buffers: Cell::new(None),
            temp_buffers: Cell::new(None),
            // The clock, where there is one, makes runs differ; xorshift
            // needs a state that is not zero.
            seeds: Cell::new(
                (0x2545_f491_4f6c_dd1d
                    ^ (db.platform().now_unix_millis().unwrap_or(0) as u64)
                        .wrapping_mul(0x9e37_79b9_7f4a_7c15))
                    | 1,
            ),
            counters: Counters::default(),
            views: ViewCatalog::new(db.allocator().clone()),
            foreign_keys: Enforcement::default(),
            tables: TableCache::new(),
        }
    }

    /// This connection's foreign key settings and counts.
    pub(crate) fn foreign_keys(&self) -> &Enforcement {
        &self.foreign_keys
    }

    /// What this connection counts of its changes.
    pub(crate) fn counters(&self) -> &Counters {
        &self.counters
    }

    /// The rowid of the last row an `INSERT` on this connection stored
    /// (0 before any): SQLite's `sqlite3_last_insert_rowid`.
    pub fn last_insert_rowid(&self) -> i64 {
        self.counters.last_rowid.get()
    }

    /// The rows the last `INSERT`, `UPDATE` or `DELETE` that ran on this
    /// connection changed (0 when it failed): SQLite's `sqlite3_changes64`.
    pub fn changes(&self) -> i64 {
        self.counters.changes.get()
    }

    /// The rows every `INSERT`, `UPDATE` and `DELETE` on this connection
    /// changed: SQLite's `sqlite3_total_changes64`.
    pub fn total_changes(&self) -> i64 {
        self.counters.total.get()
    }

    /// The seed of a statement's `random()` (and `randomblob()`): the
    /// next number of the connection's generator.
    pub(crate) fn random_seed(&self) -> u64 {
        let mut x = self.seeds.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.seeds.set(x);
        x
    }

    /// The database this connection talks to.
    pub fn database(&self) -> &'db Database<P, A> {
        self.db
    }

    /// Waits up to `timeout` for locks that other processes (or other
    /// `Database` values on the same file) hold, before a statement fails
    /// with [`Error::Busy`]: SQLite's `sqlite3_busy_timeout` and `PRAGMA
    /// busy_timeout`. It applies to every connection of the database. The
    /// wait sleeps through the platform; one that cannot sleep answers
    /// `Busy` at once.
    pub fn busy_timeout(&self, timeout: core::time::Duration) {
        self.db.set_busy_timeout(timeout);
    }

    /// The busy timeout in milliseconds (see
    /// [`busy_timeout`](Self::busy_timeout)).
    pub(crate) fn busy_timeout_ms(&self) -> u32 {
        self.db.busy_timeout_ms()
    }

    /// `PRAGMA wal_checkpoint(mode)`.
    pub(crate) fn checkpoint(&self, mode: CheckpointMode) -> Result<CheckpointResult> {
        self.db.checkpoint(mode)
    }

    /// What this connection's statements read.
    pub(crate) fn view(&self) -> &View<'db, P, A> {
        &self.view
    }

    /// A statement's cache of the table it reads, starting with the one
    /// the last statement dropped had read.
    pub(crate) fn handed_tables(&self) -> TableCache<A> {
        let tables = TableCache::new();
        self.tables.hand_to(&tables);
        tables
    }

    /// Keeps the table a dropped statement's `tables` read, for the next
    /// statement prepared.
    pub(crate) fn keep_tables(&self, tables: &TableCache<A>) {
        tables.hand_to(&self.tables);
    }

    /// Whether a transaction opened by `BEGIN` is in progress: true too
    /// while it is aborted, until `ROLLBACK` or `COMMIT` ends it.
    pub fn in_transaction(&self) -> bool {
        self.session
            .try_borrow()
            .map(|s| s.txn.is_explicit())
            .unwrap_or(true)
    }

    /// Whether an error rolled the transaction opened by `BEGIN` back
    /// whole, so that every statement fails with
    /// [`Error::TransactionAborted`] until `ROLLBACK` or `COMMIT`.
    pub fn is_aborted(&self) -> bool {
        self.session
            .try_borrow()
            .is_ok_and(|s| matches!(s.txn, Txn::Aborted))
    }

    /// Runs every statement of `sql`, binding `params` to each statement
    /// that takes parameters (see [`Params`]: in a script each statement
    /// takes the first of a positional list, or the names it has, and
    /// the list must fit the script as a whole); returns the rows changed
    /// by the last statement. Rows a query returns are read and dropped.
    pub fn execute(&self, sql: &str, params: impl Params) -> Result<usize> {
        let list = params.list();
        if !list.is_empty() {
            self.check_script(sql, list)?;
        }
        let mut parser = Parser::new(sql, self.db.allocator().clone());
        let mut changes = 0;
        while let Some(parsed) = parser.next_statement()? {
            let mut stmt = Statement::new(self, parsed)?;
            if stmt.parameter_count() > 0 {
                list.bind_taken(&mut stmt, false)?;
            }
            while stmt.step()?.is_some() {}
            changes = stmt.changes();
        }
        Ok(changes)
    }

    /// Checks `list` fits the statements of `sql` as a whole before any
    /// runs, so that a script never runs half with a value or name that
    /// none of it takes.
    fn check_script(&self, sql: &str, list: ParamList<'_>) -> Result<()> {
        let alloc = self.db.allocator().clone();
        let mut most = 0;
        let mut parser = Parser::new(sql, alloc.clone());
        while let Some(parsed) = parser.next_statement()? {
            most = most.max(parsed.params.count());
        }
        list.check_script(most, |name| {
            let mut parser = Parser::new(sql, alloc.clone());
            while let Some(parsed) = parser.next_statement()? {
                if parsed.params.index_of(name).is_some() {
                    return Ok(true);
                }
            }
            Ok(false)
        })
    }

    /// Runs the first statement of `sql` with `params` and maps its
    /// first row by `f`; [`Error::NoRows`] when it returns none.
    pub fn query_row<T, F: FnOnce(&Row<'_, A>) -> Result<T>>(
        &self,
        sql: &str,
        params: impl Params,
        f: F,
    ) -> Result<T> {
        self.prepare(sql)?.query_row(params, f)
    }

    /// Begins a deferred transaction, as a guard that rolls it back when
    /// dropped unless it is committed: `BEGIN` as
    /// [`Transaction`].
    pub fn transaction(&self) -> Result<Transaction<'_, 'db, P, A>> {
        Transaction::begin(self, TransactionBehavior::Deferred)
    }

    /// [`transaction`](Self::transaction), begun as `behavior` says.
    pub fn transaction_with_behavior(
        &self,
        behavior: TransactionBehavior,
    ) -> Result<Transaction<'_, 'db, P, A>> {
        Transaction::begin(self, behavior)
    }

    /// Prepares the first statement of `sql`; text after it is ignored.
    /// SQL with no statement is `Error::Misuse`.
    pub fn prepare<'c>(&'c self, sql: &'c str) -> Result<Statement<'c, 'db, P, A>> {
        self.prepare_next(sql)?
            .map(|(statement, _)| statement)
            .ok_or(Error::Misuse("no SQL statement to prepare"))
    }

    /// The first statement of `sql`, prepared, and the text after it
    /// (SQLite's `pzTail`); `None` when `sql` holds only whitespace,
    /// comments and `;`. A script runs statement by statement this way,
    /// each parsed once.
    pub fn prepare_next<'c>(
        &'c self,
        sql: &'c str,
    ) -> Result<Option<(Statement<'c, 'db, P, A>, &'c str)>> {
        let mut parser = Parser::new(sql, self.db.allocator().clone());
        match parser.next_statement()? {
            Some(parsed) => Ok(Some((Statement::new(self, parsed)?, parser.tail()))),
            None => Ok(None),
        }
    }

    /// A statement starts reading: it reads the snapshot the connection
    /// holds, taken now if it holds none. Paired with
    /// [`finish_reading`](Self::finish_reading).
    pub(crate) fn start_reading(&self) -> Result<()> {
        let mut session = self.session()?;
        if self.db.is_mvcc() {
            return self.start_reading_mvcc(&mut session);
        }
        if session.reader.is_none() {
            session.reader = Some(self.db.begin_read()?);
        }
        if matches!(session.txn, Txn::Deferred) {
            session.txn = Txn::Read;
        }
        session.reading += 1;
        self.settle(&session);
        Ok(())
    }

    /// A statement that started reading is finished, reset or dropped.
    pub(crate) fn finish_reading(&self) {
        // Never borrowed while a statement's own code runs, so this
        // cannot fail; if it did, the snapshot would be let go at the
        // next transaction's end.
        if let Ok(mut session) = self.session.try_borrow_mut() {
            session.reading = session.reading.saturating_sub(1);
            if session.reading == 0 && !matches!(session.txn, Txn::Read) {
                session.reader = None;
            }
            if session.reading == 0 {
                session.mvcc_reader = None;
            }
            self.settle(&session);
        }
    }

    /// `BEGIN [mode]`: `DEFERRED` (the default) waits for the first
    /// statement to read or write; `IMMEDIATE` and `EXCLUSIVE` take the
    /// write transaction now.
    pub(crate) fn begin(&self, mode: Option<TransactionMode>) -> Result<()> {
        let mut session = self.session()?;
        if session.txn.is_explicit() {
            return Err(Error::Sql(
                "cannot start a transaction within a transaction",
            ));
        }
        if self.db.is_mvcc() {
            return self.begin_mvcc(&mut session);
        }
        match mode {
            None | Some(TransactionMode::Deferred) => {
                session.txn = if session.reader.is_some() {
                    Txn::Read
                } else {
                    Txn::Deferred
                };
            }
            Some(TransactionMode::Immediate | TransactionMode::Exclusive) => {
                session.txn = Txn::Write(self.begin_write(&session)?);
            }
            Some(TransactionMode::Concurrent) => {
                return Err(Error::Sql(
                    "BEGIN CONCURRENT outside MVCC mode (PRAGMA journal_mode = mvcc) is not supported",
                ));
            }
        }
        self.settle(&session);
        Ok(())
    }

    /// The write transaction, begun for `session`: `Busy` when another
    /// connection holds it, `BusySnapshot` when the snapshot `session`
    /// reads is not the last commit.
    fn begin_write(&self, session: &Session<'db, P, A>) -> Result<WriteTransaction<'db, P, A>> {
        let txn = self.db.begin_write()?;
        match &session.reader {
            // Dropping the transaction rolls back nothing: it has changed
            // nothing yet.
            Some(reader) if reader.snapshot() != self.db.pager().snapshot() => {
                Err(Error::BusySnapshot)
            }
            _ => Ok(txn),
        }
    }

    /// `COMMIT`: makes the transaction's changes durable.
    pub(crate) fn commit(&self) -> Result<()> {
        self.commit_by(None)
    }

    /// `COMMIT` of the connection's transaction in MVCC mode, a step at a
    /// time: at each [`CommitPoint`] the database's store is released and
    /// `pause` runs, free to use the database's other connections, and
    /// says whether the commit goes on or is abandoned (rolled back,
    /// failing with `Abort`). See `MvccTransaction::commit_pausing` and
    /// `docs/mvcc.md`, "Where a transaction can stop". `Misuse` when the
    /// connection holds no MVCC transaction opened by `BEGIN`.
    pub fn commit_pausing(&self, mut pause: impl FnMut(CommitPoint) -> Resume) -> Result<()> {
        if !self
            .session
            .try_borrow()
            .is_ok_and(|s| matches!(s.txn, Txn::Mvcc(_)))
        {
            return Err(Error::Misuse(
                "commit_pausing needs a transaction begun by BEGIN in MVCC mode",
            ));
        }
        self.commit_by(Some(&mut pause))
    }

    /// `COMMIT`, a transaction in MVCC mode a step at a time when `pause`
    /// is given.
    fn commit_by(&self, pause: Option<&mut dyn FnMut(CommitPoint) -> Resume>) -> Result<()> {
        let mut session = self.session()?;
        if matches!(session.txn, Txn::Write(_) | Txn::Mvcc(_)) {
            // Deferred violations keep the transaction open, as in SQLite.
            self.foreign_keys.commit_allowed()?;
        }
        if !matches!(session.txn, Txn::Mvcc(_)) {
            // An MVCC commit that meets `Busy` keeps its transaction open.
            self.foreign_keys.transaction_ended();
        }
        let result = match core::mem::replace(&mut session.txn, Txn::Autocommit) {
            Txn::Autocommit => {
                return Err(Error::Sql("cannot commit - no transaction is active"));
            }
            Txn::Deferred | Txn::Read => {
                self.read_ended(&mut session);
                return self.end_temp(TempEnd::Commit);
            }
            Txn::Aborted => {
                self.read_ended(&mut session);
                self.end_temp(TempEnd::Rollback)?;
                return Err(Error::Sql(
                    "cannot commit - the transaction was rolled back by an earlier error",
                ));
            }
            Txn::Mvcc(txn) => return self.commit_mvcc(&mut session, txn, pause),
            Txn::Write(txn) => txn.commit().inspect_err(|_| self.rolled_back()),
        };
        // The temporary database commits after the main one, and only when
        // it did, so that a failed commit leaves neither.
        let temp = match result {
            Ok(()) => self.end_temp(TempEnd::Commit),
            Err(_) => self.end_temp(TempEnd::Rollback),
        };
        let ended = self.write_ended(&mut session);
        result.and(temp).and(ended)
    }

    /// Ends the temporary database's write transaction, when statements
    /// inside `BEGIN` left one open (see [`write_temp`](Self::write_temp)).
    fn end_temp(&self, end: TempEnd) -> Result<()> {
        let Some(temp) = self.view.temp_database() else {
            return Ok(());
        };
        if !temp.writing() {
            return Ok(());
        }
        let txn = temp.continue_write()?;
        match end {
            TempEnd::Commit => txn.commit().inspect_err(|_| self.rolled_back()),
            TempEnd::Rollback => {
                self.rolled_back();
                txn.rollback()
            }
        }
    }

    /// Rollbacks so far (see `cache`).
    pub(crate) fn rollbacks(&self) -> u64 {
        self.rollbacks.get()
    }

    /// The schema's views as the connection last read them.
    pub(crate) fn views(&self) -> &ViewCatalog<A> {
        &self.views
    }

    /// Notes that changes were undone: a schema read since may be gone.
    fn rolled_back(&self) {
        self.rollbacks.set(self.rollbacks.get().wrapping_add(1));
        self.view.forget_schema();
    }

    /// `ROLLBACK`: undoes the transaction's changes.
    pub(crate) fn rollback(&self) -> Result<()> {
        let mut session = self.session()?;
        self.foreign_keys.transaction_ended();
        let result = match core::mem::replace(&mut session.txn, Txn::Autocommit) {
            Txn::Autocommit => {
                return Err(Error::Sql("cannot rollback - no transaction is active"));
            }
            Txn::Deferred | Txn::Read | Txn::Aborted => {
                self.read_ended(&mut session);
                return self.end_temp(TempEnd::Rollback);
            }
            Txn::Mvcc(txn) => {
                self.rolled_back();
                let result = txn.rollback();
                let temp = self.end_temp(TempEnd::Rollback);
                let ended = self.mvcc_ended(&mut session);
                return result.and(temp).and(ended);
            }
            Txn::Write(txn) => {
                self.rolled_back();
                txn.rollback()
            }
        };
        let temp = self.end_temp(TempEnd::Rollback);
        let ended = self.write_ended(&mut session);
        result.and(temp).and(ended)
    }

    /// `Err` in [`Txn::Aborted`], which refuses every statement but
    /// `COMMIT` and `ROLLBACK`.
    pub(crate) fn check_not_aborted(&self) -> Result<()> {
        let session = self
            .session
            .try_borrow()
            .map_err(|_| Error::Misuse("the connection is busy with another change"))?;
        match session.txn {
            Txn::Aborted => Err(Error::TransactionAborted),
            Txn::Autocommit | Txn::Deferred | Txn::Read | Txn::Write(_) | Txn::Mvcc(_) => Ok(()),
        }
    }

    /// After a transaction that only read ended (in `Autocommit` again):
    /// statements in progress keep their snapshot until they finish.
    fn read_ended(&self, session: &mut Session<'db, P, A>) {
        session.savepoints.clear();
        if session.reading == 0 {
            session.reader = None;
        }
        self.settle(session);
    }

    /// After a write transaction ended (in `Autocommit` or `Aborted`): the
    /// read transaction is let go when no statement is in progress, else
    /// taken again on the last commit, which may be the one just made.
    fn write_ended(&self, session: &mut Session<'db, P, A>) -> Result<()> {
        session.savepoints.clear();
        // Let go first: the new read transaction takes the slot freed.
        session.reader = None;
        let result = if session.reading > 0 {
            self.db.begin_read().map(|reader| {
                session.reader = Some(reader);
            })
        } else {
            Ok(())
        };
        self.settle(session);
        result
    }

    /// Makes the view show what `session` reads.
    fn settle(&self, session: &Session<'db, P, A>) {
        if let Txn::Mvcc(txn) = &session.txn {
            return self.view.set(mvcc::sees(txn));
        }
        if let Some(txn) = &session.mvcc_reader {
            return self.view.set(mvcc::sees(txn));
        }
        let sees = match (&session.txn, &session.reader) {
            (Txn::Write(_), _) => Sees::Own,
            (_, Some(reader)) => Sees::Snapshot(reader.snapshot()),
            (_, None) => Sees::Latest,
        };
        self.view.set(sees);
    }

    fn session(&self) -> Result<core::cell::RefMut<'_, Session<'db, P, A>>> {
        self.session
            .try_borrow_mut()
            .map_err(|_| Error::Misuse("the connection is busy with another change"))
    }

    /// Runs one changing statement: inside the open transaction with an
    /// undo log, or in a transaction of its own.
    pub(crate) fn write<T>(
        &self,
        change: impl FnOnce(&mut Writer<'_, 'db, P, A>) -> Result<T>,
    ) -> Result<T> {
        self.write_with(StatementUndo::Logged, change)
    }

    /// Runs one statement that changes the schema (or rows and schema):
    /// as [`write`](Self::write), but undone inside the open transaction
    /// to a statement mark, page by page, as its schema changes are not
    /// in the undo log.
    pub(crate) fn write_schema<T>(
        &self,
        change: impl FnOnce(&mut Writer<'_, 'db, P, A>) -> Result<T>,
    ) -> Result<T> {
        self.write_with(StatementUndo::Journaled, change)
    }

    fn write_with<T>(
        &self,
        undo: StatementUndo,
        change: impl FnOnce(&mut Writer<'_, 'db, P, A>) -> Result<T>,
    ) -> Result<T> {
        let mut session = self.session()?;
        if self.db.is_mvcc() && self.writes_to.get() == WritesTo::Store {
            return self.write_mvcc(&mut session, change);
        }
        match session.txn {
            Txn::Autocommit => return self.write_alone(&mut session, change),
            Txn::Mvcc(_) => {
                return Err(Error::Misuse(
                    "a change to the B-trees inside an MVCC transaction",
                ));
            }
            Txn::Deferred | Txn::Read => {
                let txn = self.begin_write(&session)?;
                // Savepoints set before the first change mark its start.
                for _ in session.savepoints.iter() {
                    txn.savepoint()?;
                }
                session.txn = Txn::Write(txn);
                if session.reading == 0 {
                    session.reader = None;
                }
                self.settle(&session);
            }
            Txn::Write(_) => {}
            Txn::Aborted => return Err(Error::TransactionAborted),
        }
        let Txn::Write(txn) = &session.txn else {
            return Err(Error::Misuse("a transaction without its write transaction"));
        };
        let undo = match undo {
            StatementUndo::Journaled if !txn.begin_statement()? => StatementUndo::Logged,
            undo => undo,
        };
        let logging = undo == StatementUndo::Logged;
        let mut writer = Writer::new(&self.view, txn, logging, self.buffers.take());
        self.foreign_keys.statement_begins();
        let changed = change(&mut writer)
            .and_then(|value| self.foreign_keys.statement_ends().map(|()| value));
        let error = match changed {
            Ok(value) => {
                self.buffers.set(Some(writer.into_buffers()));
                txn.end_statement()?;
                return Ok(value);
            }
            Err(error) => error,
        };
        let (halt, error) = match halt_of(&error, writer.halt()) {
            // What FAIL keeps is checked as a statement that ended: an
            // immediate foreign key it leaves violated fails it as ABORT
            // does, as in SQLite.
            Halt::Fail => match self.foreign_keys.statement_ends() {
                Ok(()) => {
                    self.counters.kept.set(true);
                    self.buffers.set(Some(writer.into_buffers()));
                    txn.end_statement()?;
                    return Err(error);
                }
                Err(violated) => (Halt::Abort, violated),
            },
            halt => (halt, error),
        };
        self.foreign_keys.statement_undone();
        self.rolled_back();
        if halt == Halt::Rollback {
            drop(writer);
            self.roll_back_whole(&mut session)?;
            return Err(error);
        }
        let undone = match undo {
            StatementUndo::Logged => writer.undo(),
            StatementUndo::Journaled => {
                drop(writer);
                txn.undo_statement()
            }
        };
        if undone.is_err() {
            // The statement cannot be undone alone (the transaction
            // failed, or the undo did): roll the whole transaction back
            // rather than keep half of it, and refuse the rest of it (see
            // the module docs).
            session.txn = Txn::Aborted;
            self.foreign_keys.transaction_ended();
            self.end_temp(TempEnd::Rollback)?;
            self.write_ended(&mut session)?;
        }
        Err(error)
    }

    /// Rolls the open transaction back whole, both databases, and
    /// returns to `Autocommit`, as a statement `ROLLBACK` resolved does.
    fn roll_back_whole(&self, session: &mut Session<'db, P, A>) -> Result<()> {
        self.foreign_keys.transaction_ended();
        self.rolled_back();
        let main = match core::mem::replace(&mut session.txn, Txn::Autocommit) {
            Txn::Write(txn) => txn.rollback(),
            Txn::Mvcc(txn) => {
                let main = txn.rollback();
                let temp = self.end_temp(TempEnd::Rollback);
                let ended = self.mvcc_ended(session);
                return main.and(temp).and(ended);
            }
            Txn::Autocommit | Txn::Deferred | Txn::Read | Txn::Aborted => Ok(()),
        };
        let temp = self.end_temp(TempEnd::Rollback);
        let ended = self.write_ended(session);
        main.and(temp).and(ended)
    }

    /// Runs `change` on `writer` as the one statement of its transaction:
    /// deferred keys are checked at its end too, and an error that `FAIL`
    /// halts on keeps what came before it. `Ok` (holding the statement's
    /// own result) when the transaction is to commit, `Err` when it is to
    /// roll back. The writer's buffers are kept for the next statement.
    fn change_alone<T>(
        &self,
        mut writer: Writer<'_, 'db, P, A>,
        change: impl FnOnce(&mut Writer<'_, 'db, P, A>) -> Result<T>,
    ) -> Result<Result<T>> {
        self.foreign_keys.statement_begins();
        let changed = change(&mut writer);
        let checked = || {
            self.foreign_keys
                .statement_ends()
                .and_then(|()| self.foreign_keys.commit_allowed())
        };
        let value = match changed {
            Ok(value) => checked().map(|()| Ok(value)),
            Err(error) if halt_of(&error, writer.halt()) == Halt::Fail => {
                checked().map(|()| Err(error))
            }
            Err(error) => Err(error),
        };
        self.foreign_keys.transaction_ended();
        if value.is_ok() {
            self.buffers.set(Some(writer.into_buffers()));
        }
        value
    }

    /// Runs one changing statement in a write transaction of its own,
    /// committed when it succeeds.
    fn write_alone<T>(
        &self,
        session: &mut Session<'db, P, A>,
        change: impl FnOnce(&mut Writer<'_, 'db, P, A>) -> Result<T>,
    ) -> Result<T> {
        let txn = self.begin_write(session)?;
        self.view.set(Sees::Own);
        let writer = Writer::new(&self.view, &txn, false, self.buffers.take());
        let value = self
            .change_alone(writer, change)
            .inspect_err(|_| self.rolled_back());
        let value = match value {
            Ok(value) => match txn.commit() {
                Ok(()) => {
                    self.counters.kept.set(value.is_err());
                    value
                }
                Err(error) => {
                    self.rolled_back();
                    Err(error)
                }
            },
            Err(error) => {
                drop(txn);
                Err(error)
            }
        };
        let ended = self.write_ended(session);
        let value = value?;
        ended?;
        Ok(value)
    }

    /// Runs one changing statement on the schema `side`: see
    /// [`write`](Self::write) and [`write_temp`](Self::write_temp).
    pub(crate) fn write_on<T>(
        &self,
        side: Side,
        change: impl FnOnce(&mut Writer<'_, 'db, P, A>) -> Result<T>,
    ) -> Result<T> {
        match side {
            Side::Main => self.write(change),
            Side::Temp => self.write_temp(change),
        }
    }

    /// Runs one statement that changes the schema `side`: see
    /// [`write_schema`](Self::write_schema) and
    /// [`write_temp`](Self::write_temp).
    pub(crate) fn write_schema_on<T>(
        &self,
        side: Side,
        change: impl FnOnce(&mut Writer<'_, 'db, P, A>) -> Result<T>,
    ) -> Result<T> {
        match side {
            Side::Main => self.write_schema(change),
            Side::Temp => self.write_temp(change),
        }
    }

    /// Runs one statement that changes the `temp` schema (a temporary
    /// table, its rows or its indexes) in the temporary database, opened
    /// now if it was not. Outside `BEGIN` it commits at once, or rolls
    /// back when it fails; inside, it joins the temporary database's write
    /// transaction, which stays open until `COMMIT` or `ROLLBACK` ends it
    /// with the main one, and a failed statement is undone alone through
    /// its undo log. The main database's transaction is not touched: the
    /// statement changes nothing of it.
    pub(crate) fn write_temp<T>(
        &self,
        change: impl FnOnce(&mut Writer<'_, 'db, P, A>) -> Result<T>,
    ) -> Result<T> {
        let mut session = self.session()?;
        if !session.savepoints.is_empty() {
            return Err(Error::Sql(
                "changing the temp schema inside a SAVEPOINT is not supported",
            ));
        }
        let explicit = match session.txn {
            Txn::Aborted => return Err(Error::TransactionAborted),
            Txn::Autocommit => false,
            Txn::Deferred | Txn::Read | Txn::Write(_) | Txn::Mvcc(_) => true,
        };
        let temp = self.view.open_temp()?;
        let txn = temp.continue_write()?;
        let mut writer = Writer::new(&self.view, &txn, explicit, self.temp_buffers.take());
        let error = match change(&mut writer) {
            Ok(value) => {
                self.temp_buffers.set(Some(writer.into_buffers()));
                match explicit {
                    true => txn.suspend(),
                    false => txn.commit().inspect_err(|_| self.rolled_back())?,
                }
                return Ok(value);
            }
            Err(error) => error,
        };
        match halt_of(&error, writer.halt()) {
            Halt::Fail => {
                self.temp_buffers.set(Some(writer.into_buffers()));
                match explicit {
                    true => txn.suspend(),
                    false => txn.commit().inspect_err(|_| self.rolled_back())?,
                }
                self.counters.kept.set(true);
                return Err(error);
            }
            Halt::Rollback if explicit => {
                drop(writer);
                drop(txn);
                self.roll_back_whole(&mut session)?;
                return Err(error);
            }
            Halt::Rollback | Halt::Abort => {}
        }
        self.rolled_back();
        if !explicit {
            drop(writer);
            return txn.rollback().and(Err(error));
        }
        match writer.undo() {
            Ok(()) => txn.suspend(),
            Err(_) => {
                // As in `write`: what cannot be undone alone rolls the
                // whole transaction back, both databases.
                drop(txn);
                session.txn = Txn::Aborted;
                self.foreign_keys.transaction_ended();
                self.write_ended(&mut session)?;
            }
        }
        Err(error)
    }
}

/// How `error`, which failed a statement, ends it: a `RAISE` by its
/// kind, a failed constraint as the writer noted (`halt`), anything else
/// as `ABORT` (see `table::halt`).
fn halt_of(error: &Error, halt: Halt) -> Halt {
    match error {
        Error::RaiseFail(_) => Halt::Fail,
        Error::RaiseRollback(_) => Halt::Rollback,
        Error::Unique(_) | Error::NotNull(_) | Error::Check(_) => halt,
        _ => Halt::Abort,
    }
}
