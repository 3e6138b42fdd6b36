//! [`Source`]: the rows a statement visits, in rowid order, as its plan
//! narrows them; or, for a query without `FROM`, one row with no columns.
//!
//! Invariant: the source only positions its cursor; the caller reads the
//! current row through [`Source::with_row`], which parses the record and
//! hands an expression context over it, and evaluates `WHERE` itself.

use boundlite_platform::Platform;

use crate::alloc::Allocator;
use crate::btree::{SeekMode, TableCursor};
use crate::pager::Pager;
use crate::record::RecordRef;
use crate::sql::Ident;
use crate::{Database, Result};

use super::super::context::RowContext;
use super::super::plan::Plan;
use super::super::table::TableInfo;
use super::Env;

/// A table cursor over a database's pager.
pub(crate) type Cursor<'db, P, A> = TableCursor<'db, Pager<<P as Platform>::File, A>, A>;

/// The rows one statement visits.
pub(crate) struct Source<'db, P: Platform, A: Allocator + Clone> {
    /// The table and its cursor; `None` for a query without `FROM`.
    table: Option<(TableInfo<A>, Cursor<'db, P, A>)>,
    plan: Plan,
    started: bool,
    done: bool,
}

impl<'db, P: Platform, A: Allocator + Clone> Source<'db, P, A> {
    /// The one empty row of a query without `FROM`.
    pub fn constant() -> Self {
        Source {
            table: None,
            plan: Plan::Scan,
            started: false,
            done: false,
        }
    }

    /// The rows of `table` that `plan` visits.
    pub fn table(db: &'db Database<P, A>, table: TableInfo<A>, plan: Plan) -> Self {
        let cursor = db.table_cursor(table.root);
        Source {
            table: Some((table, cursor)),
            plan,
            started: false,
            done: false,
        }
    }

    /// The table, if any.
    pub fn info(&self) -> Option<&TableInfo<A>> {
        self.table.as_ref().map(|(t, _)| t)
    }

    /// The table, taken back.
    pub fn into_info(self) -> Option<TableInfo<A>> {
        self.table.map(|(t, _)| t)
    }

    /// Moves to the next row; `false` when there is none.
    pub fn advance(&mut self) -> Result<bool> {
        if self.done {
            return Ok(false);
        }
        let first = !self.started;
        self.started = true;
        let on = match &mut self.table {
            None => first,
            Some((_, cursor)) => {
                let on = match (self.plan, first) {
                    (Plan::Empty, _) | (Plan::RowidEq(_), false) => false,
                    (Plan::RowidEq(n), true) => cursor.seek(n, SeekMode::Eq)?,
                    (Plan::Scan | Plan::RowidRange { low: None, .. }, true) => cursor.first()?,
                    (
                        Plan::RowidRange {
                            low: Some((n, inclusive)),
                            ..
                        },
                        true,
                    ) => {
                        let mode = if inclusive {
                            SeekMode::Ge
                        } else {
                            SeekMode::Gt
                        };
                        cursor.seek(n, mode)?
                    }
                    (_, false) => cursor.next()?,
                };
                match (on, self.plan) {
                    (
                        true,
                        Plan::RowidRange {
                            high: Some((h, inclusive)),
                            ..
                        },
                    ) => {
                        let rowid = cursor.rowid()?;
                        if inclusive { rowid <= h } else { rowid < h }
                    }
                    (on, _) => on,
                }
            }
        };
        if !on {
            self.done = true;
        }
        Ok(on)
    }

    /// The current row's rowid (0 without a table).
    pub fn rowid(&self) -> Result<i64> {
        match &self.table {
            Some((_, cursor)) => cursor.rowid(),
            None => Ok(0),
        }
    }

    /// Runs `f` with a context on the current row, the table called
    /// `alias` in the statement.
    pub fn with_row<T>(
        &mut self,
        env: Env<'_, A>,
        alias: Option<Ident<'_>>,
        f: impl FnOnce(&RowContext<'_, '_, A>) -> Result<T>,
    ) -> Result<T> {
        let ctx = env.context();
        match &mut self.table {
            None => f(&ctx),
            Some((table, cursor)) => {
                let rowid = cursor.rowid()?;
                let payload = cursor.payload()?;
                let record = RecordRef::parse(&payload, Some(table.root))?;
                let mut ctx = ctx.with_table(table, alias);
                ctx.on_row(rowid, record);
                f(&ctx)
            }
        }
    }
}
