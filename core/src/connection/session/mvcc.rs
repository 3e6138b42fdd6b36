//! A connection's transactions on a database in MVCC mode
//! (`docs/mvcc.md`, "SQL in MVCC mode").
//!
//! Every transaction is a snapshot-isolation transaction of the store
//! ([`MvccTransaction`]): `BEGIN`, `BEGIN DEFERRED`, `IMMEDIATE`,
//! `EXCLUSIVE` and `CONCURRENT` all begin one at once (its snapshot is
//! the last commit when `BEGIN` runs), held in [`Txn::Mvcc`]; no mode
//! takes a lock, so any number of connections hold one at a time and
//! their statements interleave. A statement outside `BEGIN` runs in one
//! of its own: a query in one held while statements of the connection
//! are in progress (`Session::mvcc_reader`), a change in one committed
//! when it ends.
//!
//! | event (in `Txn::Mvcc`)            | becomes |
//! |-----------------------------------|---------|
//! | a statement fails, undone alone    | `Mvcc` (its writes taken back by the store's statement savepoint) |
//! | a write or `COMMIT` loses a conflict (`BusyConflict`), or the undo fails | `Aborted`, the transaction rolled back: statements fail until `ROLLBACK` |
//! | `OR ROLLBACK` / `RAISE(ROLLBACK)`  | `Autocommit`, rolled back |
//! | `COMMIT` commits, `ROLLBACK`      | `Autocommit` |
//! | `COMMIT` meets `Busy` (another commit's frame is being written a step at a time) | `Mvcc`, unchanged: `COMMIT` again |
//!
//! A schema change ([`Connection::schema_change`]) runs only in
//! autocommit with no MVCC transaction of the database running
//! ([`Error::BusySchema`] otherwise): it checkpoints the store, then
//! writes the B-trees in an ordinary write transaction, as outside the
//! mode ([`WritesTo::Pages`] while it runs).

use boundlite_platform::Platform;

use super::{Connection, Session, TempEnd, Txn, halt_of};
use crate::alloc::Allocator;
use crate::database::MvccTransaction;
use crate::exec::select;
use crate::mvcc::{CommitPoint, Resume};
use crate::sql::Stmt;
use crate::table::{Halt, Sees, Side, TableInfo, Writer, refuse_changes};
use crate::{Error, Result};

/// Where a changing statement on a database in MVCC mode writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum WritesTo {
    /// The version store, through an MVCC transaction.
    Store,
    /// The B-trees, through a write transaction: a schema change.
    Pages,
}

/// A schema change in progress on a database in MVCC mode: while it
/// lives the connection's changes write the B-trees.
pub(crate) struct SchemaChange<'c, 'db, P: Platform, A: Allocator + Clone> {
    conn: &'c Connection<'db, P, A>,
}

impl<P: Platform, A: Allocator + Clone> Drop for SchemaChange<'_, '_, P, A> {
    fn drop(&mut self) {
        self.conn.writes_to.set(WritesTo::Store);
    }
}

/// What `view` shows for `txn`.
pub(super) fn sees<P: Platform, A: Allocator + Clone>(txn: &MvccTransaction<'_, P, A>) -> Sees {
    Sees::Mvcc {
        snapshot: txn.tree_snapshot(),
        txn: txn.id(),
    }
}

impl<'db, P: Platform, A: Allocator + Clone> Connection<'db, P, A> {
    /// Checks that `stmt` may run on a database in MVCC mode, refusing by
    /// name what the mode does not support; for a schema change, returns
    /// the [`SchemaChange`] it runs under.
    pub(crate) fn check_in_mvcc(
        &self,
        stmt: &Stmt<'_, A>,
    ) -> Result<Option<SchemaChange<'_, 'db, P, A>>> {
        if !self.db.is_mvcc() {
            return Ok(None);
        }
        let target = match stmt {
            Stmt::Insert(i) => &i.table,
            Stmt::Update(u) => &u.table,
            Stmt::Delete(d) => &d.table,
            Stmt::CreateTable(_)
            | Stmt::CreateIndex(_)
            | Stmt::CreateView(_)
            | Stmt::CreateTrigger(_)
            | Stmt::Drop(_)
            | Stmt::AlterTable(_)
            | Stmt::Reindex(_) => return self.schema_change().map(Some),
            _ => return Ok(None),
        };
        if select::side_of(&self.view, target)? == Side::Temp {
            return Ok(None);
        }
        let schema = self.view.schema()?;
        // Any other error is the statement's to report as it runs.
        let name = select::name_of(&target.name, self.db.allocator().clone())?;
        if let Ok(table) = TableInfo::load(&schema, &name, self.db.allocator().clone()) {
            refuse_changes(&table)?;
        }
        Ok(None)
    }

    /// Starts a schema change on a database in MVCC mode: in autocommit,
    /// with no MVCC transaction of the database running, the store
    /// checkpointed (so the B-trees hold every commit and the store
    /// none).
    fn schema_change(&self) -> Result<SchemaChange<'_, 'db, P, A>> {
        {
            let session = self.session()?;
            if !matches!(session.txn, Txn::Autocommit) {
                return Err(Error::Sql(
                    "a schema change inside a transaction on a database in MVCC mode is not supported",
                ));
            }
        }
        if self.db.with_store(|s| Ok(s.store().running()))? > 0 {
            return Err(Error::BusySchema);
        }
        self.db.mvcc_checkpoint()?;
        self.writes_to.set(WritesTo::Pages);
        Ok(SchemaChange { conn: self })
    }

    /// `BEGIN` of any mode in MVCC mode: a snapshot-isolation
    /// transaction, its snapshot the last commit.
    pub(super) fn begin_mvcc(&self, session: &mut Session<'db, P, A>) -> Result<()> {
        let _ = self.db.checkpoint_past_half_budget();
        session.txn = Txn::Mvcc(self.db.begin_mvcc()?);
        self.settle(session);
        Ok(())
    }

    /// A statement starts reading in MVCC mode: outside `BEGIN`, in the
    /// transaction the connection's statements in progress share, begun
    /// now if there is none.
    pub(super) fn start_reading_mvcc(&self, session: &mut Session<'db, P, A>) -> Result<()> {
        if matches!(session.txn, Txn::Autocommit) && session.mvcc_reader.is_none() {
            session.mvcc_reader = Some(self.db.begin_mvcc()?);
        }
        self.move_mvcc(session)?;
        session.reading += 1;
        self.settle(session);
        Ok(())
    }

    /// Between statements (none of the connection's in progress), moves
    /// the transaction `BEGIN` opened to the last checkpoint's B-tree
    /// when it can (see `MvccTransaction::move_to_checkpoint`), so that a
    /// transaction open across checkpoints does not pin the versions
    /// they wrote.
    fn move_mvcc(&self, session: &mut Session<'db, P, A>) -> Result<()> {
        if session.reading > 0 {
            return Ok(());
        }
        if let Txn::Mvcc(txn) = &mut session.txn
            && txn.move_to_checkpoint()?
        {
            self.settle(session);
        }
        Ok(())
    }

    /// After the connection's MVCC transaction ended: statements still in
    /// progress read a transaction of their own, on the last commit.
    pub(super) fn mvcc_ended(&self, session: &mut Session<'db, P, A>) -> Result<()> {
        session.savepoints.clear();
        session.mvcc_reader = None;
        let result = match session.reading > 0 {
            true => self.db.begin_mvcc().map(|t| {
                session.mvcc_reader = Some(t);
            }),
            false => Ok(()),
        };
        self.settle(session);
        result
    }

    /// Rolls the MVCC transaction back whole after an error that leaves it
    /// unusable, and refuses the rest of it (`Aborted`).
    pub(super) fn abort_mvcc(&self, session: &mut Session<'db, P, A>) -> Result<()> {
        self.foreign_keys.transaction_ended();
        self.rolled_back();
        if let Txn::Mvcc(txn) = core::mem::replace(&mut session.txn, Txn::Aborted) {
            txn.rollback()?;
        }
        self.end_temp(TempEnd::Rollback)?;
        self.mvcc_ended(session)
    }

    /// Runs one changing statement in MVCC mode: in the transaction
    /// `BEGIN` opened, taken back alone when it fails; or in one of its
    /// own, committed when it succeeds.
    pub(super) fn write_mvcc<T>(
        &self,
        session: &mut Session<'db, P, A>,
        change: impl FnOnce(&mut Writer<'_, 'db, P, A>) -> Result<T>,
    ) -> Result<T> {
        match &session.txn {
            Txn::Autocommit => return self.write_mvcc_alone(session, change),
            Txn::Mvcc(_) => {}
            Txn::Aborted => return Err(Error::TransactionAborted),
            Txn::Deferred | Txn::Read | Txn::Write(_) => {
                return Err(Error::Sql(
                    "a transaction begun before the database entered MVCC mode cannot write there; roll it back",
                ));
            }
        }
        self.move_mvcc(session)?;
        let Txn::Mvcc(txn) = &session.txn else {
            return Err(Error::Misuse("an MVCC transaction ended as it moved"));
        };
        txn.begin_statement()?;
        let mut writer = Writer::new_mvcc(&self.view, txn, self.buffers.take());
        self.foreign_keys.statement_begins();
        let changed = change(&mut writer)
            .and_then(|value| self.foreign_keys.statement_ends().map(|()| value));
        let error = match changed {
            Ok(value) => {
                self.buffers.set(Some(writer.into_buffers()));
                return match txn.end_statement() {
                    Ok(()) => Ok(value),
                    Err(error) => {
                        self.abort_mvcc(session)?;
                        Err(error)
                    }
                };
            }
            Err(error) => error,
        };
        if error == Error::BusyConflict {
            drop(writer);
            self.abort_mvcc(session)?;
            return Err(error);
        }
        let (halt, error) = match halt_of(&error, writer.halt()) {
            // What FAIL keeps is checked as a statement that ended: an
            // immediate foreign key it leaves violated fails it as ABORT
            // does, as in SQLite.
            Halt::Fail => match self.foreign_keys.statement_ends() {
                Ok(()) => {
                    self.buffers.set(Some(writer.into_buffers()));
                    self.counters.kept.set(true);
                    return match txn.end_statement() {
                        Ok(()) => Err(error),
                        Err(_) => self.abort_mvcc(session).and(Err(error)),
                    };
                }
                Err(violated) => (Halt::Abort, violated),
            },
            halt => (halt, error),
        };
        self.foreign_keys.statement_undone();
        match halt {
            Halt::Rollback => {
                drop(writer);
                self.roll_back_whole(session)?;
            }
            Halt::Fail | Halt::Abort => {
                self.rolled_back();
                if writer.undo().is_err() {
                    self.abort_mvcc(session)?;
                }
            }
        }
        Err(error)
    }

    /// Runs one changing statement in an MVCC transaction of its own,
    /// committed when it succeeds (or when `FAIL` kept part of it).
    fn write_mvcc_alone<T>(
        &self,
        session: &mut Session<'db, P, A>,
        change: impl FnOnce(&mut Writer<'_, 'db, P, A>) -> Result<T>,
    ) -> Result<T> {
        let _ = self.db.checkpoint_past_half_budget();
        let txn = self.db.begin_mvcc()?;
        self.view.set(sees(&txn));
        let writer = Writer::new_mvcc(&self.view, &txn, self.buffers.take());
        let value = self.change_alone(writer, change);
        let result = match value {
            Ok(value) => match txn.commit() {
                Ok(_) => {
                    self.counters.kept.set(value.is_err());
                    value
                }
                Err(error) => {
                    self.rolled_back();
                    Err(error)
                }
            },
            Err(error) => {
                self.rolled_back();
                txn.rollback().and(Err(error))
            }
        };
        self.settle(session);
        result
    }

    /// `COMMIT` of the MVCC transaction `session` holds (a step at a time
    /// when `pause` is given): `Busy` (another commit is being written a
    /// step at a time) leaves it open, to `COMMIT` again, as SQLite's
    /// `COMMIT` after `SQLITE_BUSY`; `BusyConflict` leaves the connection
    /// `Aborted` (the transaction rolled back) until `ROLLBACK`; another
    /// error ends it as a failed `COMMIT` does.
    pub(super) fn commit_mvcc(
        &self,
        session: &mut Session<'db, P, A>,
        mut txn: MvccTransaction<'db, P, A>,
        pause: Option<&mut dyn FnMut(CommitPoint) -> Resume>,
    ) -> Result<()> {
        let result = match pause {
            None => txn.try_commit(),
            Some(pause) => txn.commit_pausing(pause),
        }
        .map(|_| ());
        if result == Err(Error::Busy) {
            session.txn = Txn::Mvcc(txn);
            return result;
        }
        drop(txn);
        self.foreign_keys.transaction_ended();
        if result.is_err() {
            self.rolled_back();
        }
        if result == Err(Error::BusyConflict) {
            session.txn = Txn::Aborted;
        }
        let temp = match result {
            Ok(()) => self.end_temp(TempEnd::Commit),
            Err(_) => self.end_temp(TempEnd::Rollback),
        };
        let ended = self.mvcc_ended(session);
        result.and(temp).and(ended)
    }
}
