//! The planner and the executor of SQL statements, for
//! [`Connection`](crate::Connection): one file per statement kind, over
//! a shared row source. Rows are read and changed only through the table
//! layer (`crate::table`): its view and cursors for reads, its writer for
//! changes; the executor never names the database, the pager or the
//! write transaction.
//!
//! - `cache`: the table a prepared statement read last, kept for its next
//!   run while the schema stays the same;
//! - `check`: every column named exists, checked before any row is read;
//! - `checks`: the `CHECK` constraints a row must meet to be stored;
//! - `context`: the expression context that reads a row's columns;
//! - `plan`: which part of a table a `WHERE` clause needs (a rowid seek,
//!   a rowid range, an index equality or range seek, or a scan);
//! - `source`: [`Source`](source::Source), the rows of a table a plan
//!   visits (or the one empty row of a query without `FROM`), read
//!   through a table cursor;
//! - `join`: the nested loops over the tables of a `FROM` with joins;
//!   `join_order`: the order they nest in;
//!   `derived`: a subquery in `FROM`, read as a table; `with`: the
//!   `WITH` tables a query's names may read; `recursive`: the rows of a
//!   recursive `WITH` table; `views`: the views a statement may read,
//!   read as subqueries in `FROM`;
//!   `rows`: one table or a join, as a query body reads them; `scope`:
//!   how names resolve among the tables of a `FROM`;
//! - `select`, `group`, `order`: queries; `compound`, `UNION [ALL]`,
//!   `INTERSECT` and `EXCEPT` between them; `ordered`, the sorting stage
//!   of `ORDER BY`, `DISTINCT` and `GROUP BY` (over `crate::sort`);
//! - `aggregate`, `sum`, `calls`, `distinct`: the aggregate functions
//!   (and the running sum of three of them), the aggregate calls of a
//!   query, and the values a `DISTINCT` aggregate sees;
//! - `foreign_keys`: foreign keys enforced while `PRAGMA foreign_keys`
//!   is ON (checks, actions, `foreign_key_check`);
//! - `insert` (`upsert`: its `ON CONFLICT` clauses), `change` (`UPDATE`
//!   and `DELETE`; `keyed` for `WITHOUT ROWID` tables; `update_from`:
//!   the rows `UPDATE ... FROM` joins), `ddl`, `create_as`
//!   (`CREATE TABLE ... AS SELECT`), `alter` (`ALTER TABLE`), `reindex`
//!   (`REINDEX`): changes;
//! - `returning`: the rows `RETURNING` computes for each row changed;
//! - `rowids`: the rowid of a row stored without one (`AUTOINCREMENT`'s
//!   `sqlite_sequence` included);
//! - `subquery`: scalar, `EXISTS` and `IN` subqueries, run against the
//!   row of the expression that holds them;
//! - `store`: from a row's values to its stored record, encoded whole or
//!   written to its pages straight from the values;
//! - `transfer`: when `INSERT INTO t SELECT * FROM s` copies the records
//!   of `s` as they are stored (SQLite's transfer optimization);
//! - `pragma`: the `PRAGMA`s, each computed whole into rows;
//!   `pragma_indexes` and `pragma_foreign_keys`: those that describe
//!   indexes and foreign keys;
//! - `triggers`: `CREATE TRIGGER`, `DROP TRIGGER`, and the triggers a
//!   row's change fires;
//! - `terms`: the result column an `ORDER BY` or `GROUP BY` term names
//!   by number or alias; `table_names`: the names a statement reads
//!   tables by;
//! - `window`: window functions (`OVER`) in a query's result columns
//!   and `ORDER BY`.
//!
//! Invariants:
//! - statements that change rows collect the rowids (or a `WITHOUT ROWID`
//!   table's records) they change before
//!   changing any, so a change never moves the cursor that found it;
//! - a plan only narrows the rows visited: the whole `WHERE` clause is
//!   still evaluated on each row, so a plan can never change a result;
//! - a REAL column reads as REAL: the whole reals SQLite (and boundlite)
//!   store as integers read back as reals.

pub(crate) mod aggregate;
pub(crate) mod alter;
pub(crate) mod auto_index;
pub(crate) mod cache;
pub(crate) mod calls;
pub(crate) mod change;
pub(crate) mod check;
pub(crate) mod checks;
pub(crate) mod compound;
pub(crate) mod context;
pub(crate) mod create_as;
pub(crate) mod ddl;
pub(crate) mod derived;
pub(crate) mod distinct;
pub(crate) mod foreign_keys;
pub(crate) mod group;
pub(crate) mod in_set;
pub(crate) mod index_where;
pub(crate) mod insert;
pub(crate) mod join;
pub(crate) mod join_order;
pub(crate) mod json_table;
pub(crate) mod keyed;
pub(crate) mod names;
pub(crate) mod once;
pub(crate) mod order;
pub(crate) mod ordered;
pub(crate) mod plan;
pub(crate) mod pragma;
pub(crate) mod pragma_foreign_keys;
pub(crate) mod pragma_indexes;
pub(crate) mod pragma_names;
pub(crate) mod recursive;
pub(crate) mod reindex;
pub(crate) mod returning;
pub(crate) mod rowids;
pub(crate) mod rows;
pub(crate) mod schemas;
pub(crate) mod scope;
pub(crate) mod select;
pub(crate) mod sorts;
pub(crate) mod source;
pub(crate) mod store;
pub(crate) mod subquery;
pub(crate) mod sum;
pub(crate) mod table_names;
pub(crate) mod terms;
pub(crate) mod transfer;
pub(crate) mod triggers;
pub(crate) mod update_from;
pub(crate) mod upsert;
pub(crate) mod views;
pub(crate) mod window;
pub(crate) mod with;

use core::cell::Cell;

use crate::alloc::Allocator;
use crate::sql::eval::{EvalContext, Value};

use cache::{Scratch, TableCache};
use subquery::Subqueries;

/// What every expression of one execution sees besides the row: the
/// allocator, the bound parameters, the state of `random()`.
pub(crate) struct Env<'x, A: Allocator + Clone> {
    /// The allocator values are built in.
    pub alloc: &'x A,
    /// The bound parameters, by number from 1.
    pub params: &'x [Value<A>],
    /// The state of `random()`.
    pub random: &'x Cell<u64>,
    /// The statement's cached table.
    pub tables: &'x TableCache<A>,
    /// The statement's reusable buffers.
    pub scratch: &'x Scratch<A>,
    /// The connection's rollbacks so far (see `cache`).
    pub rollbacks: u64,
    /// What runs the subqueries of the statement's expressions; `None`
    /// where the statement runs none.
    pub subqueries: Option<&'x dyn Subqueries<A>>,
    /// For the rows of a subquery: the context of the row it runs
    /// against, whose columns it may read.
    pub outer: Option<&'x dyn EvalContext<A>>,
    /// The `WITH` tables the statement's names may read.
    pub ctes: Option<&'x with::Ctes<'x, A>>,
    /// The views the statement's names may read; `None` where it reads
    /// none.
    pub views: Option<&'x views::Views<'x, A>>,
    /// The time `'now'` means for this run; `None` where no clock is.
    pub now: Option<Now<'x>>,
    /// The connection's counts of its changes; `None` where none are
    /// kept.
    pub counters: Option<&'x Counters>,
    /// The connection's foreign key counts, while `PRAGMA foreign_keys`
    /// is ON; `None` while keys are not enforced.
    pub foreign_keys: Option<&'x foreign_keys::Enforcement>,
    /// The triggers of the schema the statement runs on; `None` where it
    /// has none.
    pub triggers: Option<&'x triggers::Triggers<'x, A>>,
    /// The trigger whose statements run, in the chain of those it runs
    /// inside; `None` outside any trigger.
    pub active: Option<&'x triggers::fire::Active<'x>>,
    /// The `OR` clause of the statement whose trigger runs, which the
    /// trigger's statements take in place of theirs, as in SQLite;
    /// `None` outside a trigger, or when that statement has none.
    pub conflict: Option<crate::sql::Conflict>,
    /// The text the syntax trees of the running statement borrow (a
    /// trigger's statements: the trigger's text), which tells the
    /// subqueries of its trees, alive for the whole run, from those of a
    /// view's text parsed as it is read.
    pub text: &'x str,
}

/// What a connection counts of its changes, as SQLite's
/// `last_insert_rowid()`, `changes()` and `total_changes()` report them:
/// the rowid of the last row an `INSERT` stored (set as each row is
/// stored, so an expression later in the same statement sees it), and
/// the rows the last `INSERT`, `UPDATE` or `DELETE` changed, and all of
/// them since the connection opened (set when a statement ends).
#[derive(Debug, Default)]
pub(crate) struct Counters {
    /// The rowid of the last row an `INSERT` stored.
    pub last_rowid: Cell<i64>,
    /// The rows the last change statement changed (0 when it failed).
    pub changes: Cell<i64>,
    /// The rows changed by every change statement so far.
    pub total: Cell<i64>,
    /// The rows the running statement has changed so far (not those of
    /// its triggers), which stay when `FAIL` ends it.
    pub running: Cell<i64>,
    /// Whether the running statement failed and `FAIL` kept its changes.
    pub kept: Cell<bool>,
}

impl Counters {
    /// Notes that row `rowid` was inserted.
    pub fn inserted(&self, rowid: crate::RowId) {
        self.last_rowid.set(rowid.get());
    }

    /// Notes that a change statement starts.
    pub fn begin(&self) {
        self.running.set(0);
        self.kept.set(false);
    }

    /// Notes how a change statement ended: its row count, or that it
    /// failed (undone, so 0 as SQLite counts a rolled-back statement,
    /// but for the rows `FAIL` kept).
    pub fn ended(&self, changed: Option<usize>) {
        let n = match changed {
            Some(n) => i64::try_from(n).unwrap_or(i64::MAX),
            None if self.kept.get() => self.running.get(),
            None => 0,
        };
        self.changes.set(n);
        self.total.set(self.total.get().saturating_add(n));
    }
}

/// The time `'now'` means during one run of a statement: read from the
/// platform's clock the first time it is asked for, then held, so that
/// every `'now'` of the run agrees (SQLite's per-statement time) and a
/// run that never asks does not read the clock.
#[derive(Clone, Copy)]
pub(crate) struct Now<'x> {
    /// The time once read; the statement clears it when a run starts.
    pub held: &'x Cell<Option<i64>>,
    /// The platform's clock.
    pub read: &'x dyn Fn() -> Option<i64>,
}

impl Now<'_> {
    /// The run's time, in milliseconds since 1970 (UTC).
    pub fn get(&self) -> Option<i64> {
        if let Some(t) = self.held.get() {
            return Some(t);
        }
        let t = (self.read)()?;
        self.held.set(Some(t));
        Some(t)
    }
}

// By hand: a derive would ask `A: Copy`, but only references are copied.
impl<A: Allocator + Clone> Clone for Env<'_, A> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<A: Allocator + Clone> Copy for Env<'_, A> {}

impl<'x, A: Allocator + Clone> Env<'x, A> {
    /// `env` and the runner of its subqueries; a subquery where none runs
    /// (a `CHECK`, a default, an index's expression) is refused by name.
    pub fn with_runner(env: Option<Self>) -> crate::Result<(Self, &'x dyn Subqueries<A>)> {
        env.and_then(|e| Some((e, e.subqueries?)))
            .ok_or(crate::Error::Sql(
                "subqueries are not supported in this expression",
            ))
    }

    /// Counts a row the statement changed, toward the rows `FAIL` keeps
    /// (see [`Counters::running`]): a trigger's statements count none.
    pub fn row_changed(&self) {
        if let (None, Some(c)) = (self.active, self.counters) {
            c.running.set(c.running.get().saturating_add(1));
        }
    }

    /// A context with no table.
    pub fn context(&self) -> context::RowContext<'x, 'x, A> {
        context::RowContext::new(self.alloc.clone(), self.params, self.random).within(*self)
    }
}
