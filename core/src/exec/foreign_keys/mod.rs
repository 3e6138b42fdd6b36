//! Foreign key enforcement, as SQLite enforces it while `PRAGMA
//! foreign_keys` is ON: a connection's switch and its counts of
//! violations ([`Enforcement`]), the keys a schema declares (`keys`),
//! where a key's parent rows are found (`located`), the rows a key
//! matches (`rows`), what changing one row of a table does to the keys
//! it takes part in (`table_keys`: checks and the `ON DELETE`/`ON
//! UPDATE` actions, and `DROP TABLE`'s implicit `DELETE`), and `PRAGMA
//! foreign_key_check` (`check`).
//!
//! SQLite's counter approach, kept exactly: no violation is remembered,
//! only counted. A change that leaves a child row without its parent
//! adds one; a change that gives such a row its parent back (or removes
//! it) takes one away, and only while the count it would lower is not
//! zero (SQLite's `OP_FkIfZero`). Immediate keys count per statement: a
//! statement that ends with a count above zero fails and is undone.
//! Deferred keys (`DEFERRABLE INITIALLY DEFERRED`, or every key while
//! `PRAGMA defer_foreign_keys` is ON) count per transaction: `COMMIT`
//! fails while the count is above zero and the transaction stays open.
//!
//! Invariants:
//! - the counts of the transaction are those at the start of a statement
//!   again when the statement fails (its changes are undone);
//! - the counts and `defer_foreign_keys` are cleared when a transaction
//!   ends, committed or rolled back;
//! - nothing here holds memory per violation or per row: child rows are
//!   found by a scan that streams, and the rows an action changes are
//!   collected in the sort budget (spilled past it).

pub(crate) mod check;
pub(crate) mod coded;
pub(crate) mod keys;
pub(crate) mod located;
pub(crate) mod replaced;
pub(crate) mod rows;
pub(crate) mod table_keys;

use core::cell::Cell;

use boundlite_platform::Platform;

use crate::alloc::Allocator;
use crate::sql::{DropStmt, ObjectKind};
use crate::table::Writer;
use crate::{Error, Result};

use super::Env;
use super::select::name_of;

/// SQLite's message for a key left violated.
pub(crate) const FAILED: &str = "FOREIGN KEY constraint failed";

/// A connection's foreign key settings and counts of violations.
#[derive(Debug, Default)]
pub(crate) struct Enforcement {
    /// `PRAGMA foreign_keys`.
    on: Cell<bool>,
    /// `PRAGMA defer_foreign_keys`: every key counts as deferred until
    /// the transaction ends.
    defer_all: Cell<bool>,
    /// Violations of deferred keys in the transaction (SQLite's
    /// `nDeferredCons`).
    deferred: Cell<i64>,
    /// Violations of immediate keys counted while `defer_all` was set
    /// (SQLite's `nDeferredImmCons`).
    deferred_immediate: Cell<i64>,
    /// Violations of immediate keys in the running statement.
    statement: Cell<i64>,
    /// `deferred` and `deferred_immediate` when the statement began.
    at_start: Cell<(i64, i64)>,
    /// Whether the statement stopped at once on an immediate violation
    /// (see [`Enforcement::halt`]).
    halted: Cell<bool>,
}

/// Which count a key's violations go to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Timing {
    /// Checked when the statement ends.
    Immediate,
    /// `DEFERRABLE INITIALLY DEFERRED`: checked at `COMMIT`.
    Deferred,
}

impl Enforcement {
    /// Whether keys are enforced.
    pub fn is_on(&self) -> bool {
        self.on.get()
    }

    /// `PRAGMA foreign_keys = on`; a no-op `inside` a transaction, as in
    /// SQLite.
    pub fn set_on(&self, on: bool, inside: bool) {
        if !inside {
            self.on.set(on);
        }
    }

    /// Whether `PRAGMA defer_foreign_keys` is ON.
    pub fn defers_all(&self) -> bool {
        self.defer_all.get()
    }

    /// `PRAGMA defer_foreign_keys = on`.
    pub fn set_defer_all(&self, on: bool) {
        self.defer_all.set(on);
    }

    /// Adds `n` (negative: removes) to the count a key of `timing` goes
    /// to (SQLite's `OP_FkCounter`: a deferred key's count is the
    /// transaction's whatever `defer_foreign_keys` says, which only moves
    /// an immediate key's).
    pub fn count(&self, timing: Timing, n: i64) {
        let cell = match (timing, self.defer_all.get()) {
            (Timing::Deferred, _) => &self.deferred,
            (Timing::Immediate, true) => &self.deferred_immediate,
            (Timing::Immediate, false) => &self.statement,
        };
        cell.set(cell.get().saturating_add(n));
    }

    /// Whether no violation a key of `timing` could resolve is counted
    /// (SQLite's `OP_FkIfZero`): then none is looked for.
    pub fn is_zero(&self, timing: Timing) -> bool {
        match timing {
            Timing::Deferred => self.deferred.get() == 0 && self.deferred_immediate.get() == 0,
            Timing::Immediate => self.statement.get() == 0 && self.deferred_immediate.get() == 0,
        }
    }

    /// Whether the running statement has left immediate keys violated.
    pub fn statement_violated(&self) -> bool {
        self.statement.get() > 0
    }

    /// A changing statement begins.
    pub fn statement_begins(&self) {
        self.statement.set(0);
        self.halted.set(false);
        self.at_start
            .set((self.deferred.get(), self.deferred_immediate.get()));
    }

    /// The statement succeeded unless it left immediate keys violated.
    pub fn statement_ends(&self) -> Result<()> {
        match self.statement_violated() {
            true => Err(Error::Constraint(FAILED)),
            false => Ok(()),
        }
    }

    /// A single-row `INSERT` stops at once on an immediate violation,
    /// as SQLite's does; the error it returns.
    ///
    /// SQLite runs such a statement without a statement journal, so the
    /// deferred violations it counted before it stopped stay counted when
    /// it is undone: kept here too, or a `COMMIT` SQLite refuses would
    /// pass.
    pub fn halt(&self) -> Error {
        self.halted.set(true);
        Error::Constraint(FAILED)
    }

    /// The statement failed and its changes were undone: so are its
    /// counts (but those of a halted single-row `INSERT`, see
    /// [`Enforcement::halt`]).
    pub fn statement_undone(&self) {
        if !self.halted.get() {
            let (deferred, immediate) = self.at_start.get();
            self.deferred.set(deferred);
            self.deferred_immediate.set(immediate);
        }
        self.statement.set(0);
    }

    /// `Err` while deferred violations are counted: a commit fails.
    pub fn commit_allowed(&self) -> Result<()> {
        match self
            .deferred
            .get()
            .saturating_add(self.deferred_immediate.get())
            > 0
        {
            true => Err(Error::Constraint(FAILED)),
            false => Ok(()),
        }
    }

    /// The counts of deferred violations, for a savepoint to keep.
    pub fn deferred_counts(&self) -> (i64, i64) {
        (self.deferred.get(), self.deferred_immediate.get())
    }

    /// `ROLLBACK TO` a savepoint: the counts it kept, as SQLite restores
    /// them.
    pub fn restore_deferred(&self, (deferred, immediate): (i64, i64)) {
        self.deferred.set(deferred);
        self.deferred_immediate.set(immediate);
    }

    /// The transaction ended: its counts and `defer_foreign_keys` go.
    pub fn transaction_ended(&self) {
        self.deferred.set(0);
        self.deferred_immediate.set(0);
        self.statement.set(0);
        self.at_start.set((0, 0));
        self.defer_all.set(false);
    }
}

/// Runs what SQLite runs before `drop` while keys are enforced (see
/// `TableKeys::before_drop`).
pub(crate) fn before_drop<P: Platform, A: Allocator + Clone>(
    w: &mut Writer<'_, '_, P, A>,
    drop: &DropStmt<'_>,
    env: Env<'_, A>,
) -> Result<()> {
    if env.foreign_keys.is_none() || drop.kind != ObjectKind::Table {
        return Ok(());
    }
    let name = name_of(&drop.name.name, env.alloc.clone())?;
    table_keys::TableKeys::before_drop(w, &name, env)
}
