//! How a statement stopped by a failed constraint ends: SQLite's `ABORT`,
//! `FAIL` and `ROLLBACK` conflict resolutions. Which one applies is
//! decided where the constraint fails, from the resolution it is checked
//! under (the statement's `OR` clause, else the constraint's own `ON
//! CONFLICT`), recorded on the statement's [`Writer`](super::Writer),
//! and carried out by the connection once the statement has returned.
//!
//! Invariant: a writer's halt is set by the last constraint that failed
//! through it; an error that is no constraint's (out of memory, I/O,
//! a foreign key, a datatype) always ends its statement as `ABORT` does,
//! whatever the halt says.

use crate::sql::Conflict;

/// How a statement that failed on a constraint ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Halt {
    /// The statement's changes are undone; a transaction goes on.
    #[default]
    Abort,
    /// The statement's changes before the failing row stay; a
    /// transaction goes on, and a statement outside one commits them.
    Fail,
    /// The whole transaction is rolled back and the connection returns
    /// to autocommit; outside a transaction, as `Abort`.
    Rollback,
}

impl Halt {
    /// How a constraint checked under `conflict` ends its statement when
    /// it fails (`IGNORE` and `REPLACE` resolve it before it can fail,
    /// or fall back to `ABORT`).
    pub fn of(conflict: Conflict) -> Self {
        match conflict {
            Conflict::Fail => Halt::Fail,
            Conflict::Rollback => Halt::Rollback,
            Conflict::Abort | Conflict::Ignore | Conflict::Replace => Halt::Abort,
        }
    }
}
