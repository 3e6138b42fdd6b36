//! `SAVEPOINT`, `RELEASE` and `ROLLBACK TO`, as SQLite runs them
//! (`lang_savepoint.html`, `OP_Savepoint`).
//!
//! A connection keeps its savepoints by name, oldest first. `SAVEPOINT`
//! outside a transaction begins one as `BEGIN DEFERRED` does, and that
//! savepoint is the *transaction savepoint*: releasing it commits.
//! Names compare ignoring ASCII case; `RELEASE` and `ROLLBACK TO` take
//! the most recent savepoint of the name, "no such savepoint: NAME"
//! when there is none (outside a transaction too). `RELEASE` forgets it
//! and every later one, keeping their changes; `ROLLBACK TO` undoes
//! every change since it, schema changes included, forgets the later
//! ones and keeps it and the transaction; `COMMIT` and `ROLLBACK` forget
//! them all. `ROLLBACK TO` restores the counts of deferred foreign key
//! violations the savepoint kept, and leaves `changes()`,
//! `last_insert_rowid()` and `total_changes()` as they were, as SQLite
//! does.
//!
//! Invariants:
//! - in MVCC mode, `SAVEPOINT` outside a transaction begins an MVCC
//!   transaction as `BEGIN` does, and savepoint `i` is the store's
//!   savepoint of depth `i` of that transaction (a statement's lies
//!   above them all);
//! - while the connection holds the write transaction, savepoint `i` is
//!   the pager's savepoint of depth `i` (a statement mark, when one is
//!   set, lies above them all): savepoints set before the first change
//!   get their pager savepoints when the write transaction begins (see
//!   `write_with`), all at its start, where nothing is to undo;
//! - in any other state nothing was changed since any of them, so
//!   `ROLLBACK TO` has nothing to undo;
//! - the savepoints go whenever the transaction ends (`read_ended`,
//!   `write_ended`);
//! - no change reaches the temporary database while a savepoint is set
//!   (refused by name in `write_temp`), so undoing the main database's
//!   pages undoes everything since the savepoint.

use boundlite_platform::Platform;

use super::{Connection, TempEnd, Txn};
use crate::alloc::{Allocator, String};
use crate::error::Named;
use crate::pager::SavepointId;
use crate::sql::Ident;
use crate::{Error, Result};

/// One `SAVEPOINT`.
pub(super) struct Savepoint<A: Allocator> {
    name: String<A>,
    /// Whether it began the transaction: releasing it commits.
    begins: bool,
    /// The deferred foreign key violation counts when it was set.
    deferred: (i64, i64),
}

impl<'db, P: Platform, A: Allocator + Clone> Connection<'db, P, A> {
    /// `SAVEPOINT name`.
    pub(crate) fn savepoint(&self, name: &Ident<'_>) -> Result<()> {
        let name = name.to_string_in(self.db.allocator().clone())?;
        let mut session = self.session()?;
        session.savepoints.try_reserve(1)?;
        let begins = !session.txn.is_explicit();
        match &session.txn {
            Txn::Write(txn) => txn.savepoint().map(|_| ())?,
            Txn::Mvcc(txn) => txn.savepoint().map(|_| ())?,
            Txn::Autocommit | Txn::Deferred | Txn::Read | Txn::Aborted => {}
        }
        if begins && self.db.is_mvcc() {
            self.begin_mvcc(&mut session)?;
            if let Txn::Mvcc(txn) = &session.txn
                && let Err(error) = txn.savepoint()
            {
                self.roll_back_whole(&mut session)?;
                return Err(error);
            }
        } else if begins {
            session.txn = match session.reader.is_some() {
                true => Txn::Read,
                false => Txn::Deferred,
            };
            self.settle(&session);
        }
        session.savepoints.try_push(Savepoint {
            name,
            begins,
            deferred: self.foreign_keys.deferred_counts(),
        })?;
        Ok(())
    }

    /// `RELEASE [SAVEPOINT] name`.
    pub(crate) fn release(&self, name: &Ident<'_>) -> Result<()> {
        let mut session = self.session()?;
        let at = self.find(&session.savepoints, name)?;
        if at == 0 && session.savepoints.first().is_some_and(|s| s.begins) {
            // Releasing the transaction savepoint is `COMMIT`; one that
            // fails on deferred keys keeps the transaction and its
            // savepoints, as in SQLite.
            drop(session);
            return self.commit();
        }
        match &session.txn {
            Txn::Write(txn) => txn.release(pager_id(at))?,
            Txn::Mvcc(txn) => txn.release(at)?,
            Txn::Autocommit | Txn::Deferred | Txn::Read | Txn::Aborted => {}
        }
        session.savepoints.truncate(at);
        Ok(())
    }

    /// `ROLLBACK [TRANSACTION] TO [SAVEPOINT] name`.
    pub(crate) fn rollback_to(&self, name: &Ident<'_>) -> Result<()> {
        let mut session = self.session()?;
        let at = self.find(&session.savepoints, name)?;
        let deferred = session
            .savepoints
            .get(at)
            .map(|s| s.deferred)
            .ok_or(Error::Misuse("a savepoint found and then gone"))?;
        if let Txn::Write(txn) = &session.txn {
            if session.reading > 0 {
                return Err(Error::Sql(
                    "ROLLBACK TO while statements of the connection are reading is not supported",
                ));
            }
            self.rolled_back();
            if let Err(error) = txn.rollback_to(pager_id(at)) {
                // The transaction was rolled back whole: as any error that
                // does so (see the module docs of `session`).
                session.txn = Txn::Aborted;
                self.foreign_keys.transaction_ended();
                self.end_temp(TempEnd::Rollback)?;
                self.write_ended(&mut session)?;
                return Err(error);
            }
        }
        if let Txn::Mvcc(txn) = &session.txn {
            self.rolled_back();
            if let Err(error) = txn.rollback_to(at) {
                self.abort_mvcc(&mut session)?;
                return Err(error);
            }
        }
        session.savepoints.truncate(at + 1);
        self.foreign_keys.restore_deferred(deferred);
        Ok(())
    }

    /// The most recent savepoint named `name`, ignoring ASCII case.
    fn find(&self, savepoints: &[Savepoint<A>], name: &Ident<'_>) -> Result<usize> {
        match savepoints
            .iter()
            .rposition(|s| name.eq_ignore_ascii_case(&s.name))
        {
            Some(at) => Ok(at),
            None => {
                let name = name.to_string_in(self.db.allocator().clone())?;
                Err(Named::NoSuchSavepoint.error(&name))
            }
        }
    }
}

/// The pager savepoint of the connection's savepoint `at` (see the
/// invariants).
fn pager_id(at: usize) -> SavepointId {
    SavepointId::at_depth(at)
}
