//! [`Statement`]: one parsed statement, its bound parameters, and where
//! its execution stands.
//!
//! A statement that changes the database runs whole on its first
//! [`Statement::step`]; a query starts on the first step and returns one
//! row per step. [`Statement::reset`] makes it ready to run again with
//! the same bindings. Between runs a query keeps its source (the table it
//! reads and the cursors over it), a change keeps the table it wrote and
//! its buffers (see `cache`), and a row's values are overwritten in
//! place, so a warm statement allocates nothing per run or row.
//!
//! Invariants:
//! - while its connection's transaction is aborted (see `session`), every
//!   statement but `COMMIT` and `ROLLBACK` fails on its first step with
//!   [`Error::TransactionAborted`];
//! - after an error the statement is done (further steps return `None`)
//!   until it is reset, as SQLite's statements are;
//! - a query (`SELECT`, `EXPLAIN`, `PRAGMA`) reads one snapshot from its
//!   first step until it finishes, fails, is reset or is dropped: it
//!   holds a [`Reading`] for that long, which keeps its connection's read
//!   transaction (see `session`), and looks its table up in the schema
//!   of that snapshot.

use core::cell::Cell;

use boundlite_platform::Platform;

use crate::alloc::{Allocator, String, Vec};
use crate::record::ValueRef;
use crate::sql::eval::Value;
use crate::sql::{Ident, Parsed, QualifiedName, ResultColumn, Stmt};
use crate::table::Side;
use crate::{Error, Result};

use crate::exec::cache::{Scratch, TableCache};
use crate::exec::once::Once;
use crate::exec::plan::{Here, Indexes, shape};
use crate::exec::pragma_names;
use crate::exec::rows::Rows;
use crate::exec::scope::{Scope, Tables};
use crate::exec::select::{self, Query, Sources};
use crate::exec::sorts::sorts_of;
use crate::exec::subquery::{Runner, Subqueries};
use crate::exec::triggers::{self, TriggerTexts, instead, with_triggers};
use crate::exec::views::{Reach, ViewTexts, with_views};
use crate::exec::{
    Env, Now, alter, change, ddl, foreign_keys, insert, names, pragma, reindex, schemas, with,
};

use super::names::{ColumnNames, Names};
use super::row::Row;
use super::session::Connection;

/// Where a statement's execution stands.
enum State<'c, 'db, P: Platform, A: Allocator + Clone> {
    /// Not started.
    Ready,
    /// A query returning rows, from the snapshot it holds.
    Query {
        query: Query<P::File, A>,
        /// Never read: held for its drop, which lets the snapshot go.
        /// `None` for a pragma that reads no page (see `pragma::reads`).
        _reading: Option<Reading<'c, 'db, P, A>>,
    },
    /// Finished (or failed); steps return `None` until a reset.
    Done,
}

/// A query's hold on its connection's snapshot: taken when it starts, let
/// go when it is dropped.
struct Reading<'c, 'db, P: Platform, A: Allocator + Clone> {
    conn: &'c Connection<'db, P, A>,
}

impl<'c, 'db, P: Platform, A: Allocator + Clone> Reading<'c, 'db, P, A> {
    fn start(conn: &'c Connection<'db, P, A>) -> Result<Self> {
        conn.start_reading()?;
        Ok(Reading { conn })
    }
}

impl<P: Platform, A: Allocator + Clone> Drop for Reading<'_, '_, P, A> {
    fn drop(&mut self) {
        self.conn.finish_reading();
    }
}

/// A prepared statement, made by [`Connection::prepare`].
pub struct Statement<'c, 'db, P: Platform, A: Allocator + Clone> {
    conn: &'c Connection<'db, P, A>,
    parsed: Parsed<'c, A>,
    params: Vec<Value<A>, A>,
    state: State<'c, 'db, P, A>,
    /// What a query's members read their rows from, kept from run to
    /// run (see `select::open_source`); their cursors read the
    /// connection's view.
    sources: Sources<'c, P, A>,
    row: Vec<Value<A>, A>,
    /// The names of the current run's result columns, written when it
    /// starts (see `names`).
    names: Names<A>,
    changes: usize,
    random: Cell<u64>,
    /// The time `'now'` means in the current run, once read.
    now: Cell<Option<i64>>,
    /// The table read by the last run, for the next (see `cache`).
    tables: TableCache<A>,
    /// The values of the query's uncorrelated subqueries in the current
    /// run (see `once`).
    once: Once<P, A>,
    /// Buffers reused from run to run (see `cache`).
    scratch: Scratch<A>,
    /// The views the current run may read, as the schema it reads has
    /// them (see `views`).
    views: ViewTexts<A>,
    /// The triggers a change may fire, as the schema it changes has them
    /// (see `triggers`).
    triggers: TriggerTexts<A>,
}

impl<P: Platform, A: Allocator + Clone> Drop for Statement<'_, '_, P, A> {
    fn drop(&mut self) {
        self.conn.keep_tables(&self.tables);
    }
}

impl<'c, 'db, P: Platform, A: Allocator + Clone> Statement<'c, 'db, P, A> {
    pub(crate) fn new(conn: &'c Connection<'db, P, A>, parsed: Parsed<'c, A>) -> Result<Self> {
        let alloc = conn.database().allocator().clone();
        let mut params = Vec::try_with_capacity_in(parsed.params.count(), alloc.clone())?;
        for _ in 0..parsed.params.count() {
            params.try_push(Value::Null)?;
        }
        Ok(Statement {
            conn,
            parsed,
            params,
            state: State::Ready,
            sources: Vec::new_in(alloc.clone()),
            row: Vec::new_in(alloc.clone()),
            names: Names::new(alloc),
            changes: 0,
            random: Cell::new(conn.random_seed()),
            now: Cell::new(None),
            tables: conn.handed_tables(),
            once: Once::new(),
            scratch: Scratch::new(),
            views: ViewTexts::new(conn.database().allocator().clone()),
            triggers: TriggerTexts::new(conn.database().allocator().clone()),
        })
    }

    /// The statement's text, without the `;`.
    pub fn sql(&self) -> &'c str {
        self.parsed.text
    }

    /// The statement as parsed.
    pub fn parsed(&self) -> &Stmt<'c, A> {
        &self.parsed.stmt
    }

    /// How many parameters the statement takes (its largest number).
    pub fn parameter_count(&self) -> usize {
        self.params.len()
    }

    /// The number of the parameter named `name` (`:x`, `@x`, `$x`).
    pub fn parameter_index(&self, name: &str) -> Option<usize> {
        self.parsed.params.index_of(name)
    }

    /// Binds `value` to parameter `index` (from 1). The value is copied,
    /// into the buffer the parameter's last TEXT or BLOB left.
    pub fn bind(&mut self, index: usize, value: ValueRef<'_>) -> Result<()> {
        let alloc = self.conn.database().allocator().clone();
        let slot = index
            .checked_sub(1)
            .and_then(|i| self.params.get_mut(i))
            .ok_or(Error::Misuse("parameter index out of range"))?;
        select::assign(slot, value, &alloc)
    }

    /// Binds `value` to the parameter called `name`, prefix included.
    pub fn bind_name(&mut self, name: &str, value: ValueRef<'_>) -> Result<()> {
        let index = self
            .parameter_index(name)
            .ok_or(Error::Misuse("no parameter of that name"))?;
        self.bind(index, value)
    }

    /// Sets every parameter back to NULL.
    pub fn clear_bindings(&mut self) {
        for p in self.params.iter_mut() {
            *p = Value::Null;
        }
    }

    /// Makes the statement ready to run again, keeping its bindings.
    pub fn reset(&mut self) {
        self.enter(State::Ready);
        self.scratch.forget_visited();
        // The row's values are kept: the next run overwrites them in
        // place, reusing their buffers.
        self.changes = 0;
    }

    /// Rows changed by the last run of a changing statement.
    pub fn changes(&self) -> usize {
        self.changes
    }

    /// The rows the loops of the statement's joins visited since it was
    /// prepared or last reset, each row a loop reads whether or not the
    /// join keeps it (the count of SQLite's `sqlite3_stmt_status` for the
    /// steps of its scans, over every loop of a join): the work the order
    /// of the loops saves shows here, whatever the speed of the machine.
    pub fn rows_visited(&self) -> u64 {
        self.scratch.visited()
    }

    /// Runs the statement to its next row: `Some` for a row of a query,
    /// `None` when it is done.
    pub fn step(&mut self) -> Result<Option<Row<'_, A>>> {
        let result = self.advance(true);
        match result {
            Ok(true) => Ok(Some(Row::new(
                &self.row,
                &self.names,
                self.conn.database().allocator(),
            ))),
            Ok(false) => {
                self.enter(State::Done);
                Ok(None)
            }
            Err(e) => {
                self.enter(State::Done);
                Err(e)
            }
        }
    }

    /// Starts a query that has not started, for its column names, as
    /// SQLite names a statement's columns before its first step. Only a
    /// query starts: a statement that changes the database gives its
    /// `RETURNING` rows only once it ran, so it is not run for names.
    fn start_for_names(&mut self) -> Result<()> {
        let query = matches!(self.parsed.stmt, Stmt::Select(_) | Stmt::Explain { .. });
        if query && matches!(self.state, State::Ready) {
            if let Err(e) = self.advance(false) {
                self.enter(State::Done);
                return Err(e);
            }
        }
        Ok(())
    }

    /// The names of the statement's result columns, as SQLite's
    /// `sqlite3_column_name` gives them (the alias, else the column's
    /// declared name, else the expression as written). A query that has
    /// not started is started (its rows all still to come) to name them.
    /// A statement that returns no rows has none; a `PRAGMA`'s are
    /// SQLite's; a `RETURNING` clause's are named as a query over the
    /// table changed, before the statement runs as while it returns rows.
    pub fn column_names(&mut self) -> Result<ColumnNames<'_>> {
        match &self.parsed.stmt {
            Stmt::Select(_) | Stmt::Explain { .. } => self.start_for_names()?,
            Stmt::Pragma(p) => self.names.set(pragma_names::column_names(p))?,
            stmt if matches!(self.state, State::Ready) => {
                if let Some((table, alias, columns)) = returning_clause(stmt) {
                    let view = self.conn.view();
                    let info = select::read_table(view, table, select::side_of(view, table)?)?;
                    crate::exec::names::of_returning(columns, &info, alias, &mut self.names)?;
                }
            }
            _ => {}
        }
        Ok(self.names.iter())
    }

    /// How many result columns the statement has (see
    /// [`column_names`](Self::column_names)).
    pub fn column_count(&mut self) -> Result<usize> {
        Ok(self.column_names()?.len())
    }

    /// The name of result column `i` (from 0).
    pub fn column_name(&mut self, i: usize) -> Result<&str> {
        self.column_names()?
            .nth(i)
            .ok_or(Error::Misuse("column index out of range"))
    }

    /// The number of the first result column called `name`, its ASCII
    /// case ignored.
    pub fn column_index(&mut self, name: &str) -> Result<usize> {
        super::ColumnIndex::index(&name, self.column_names()?)
    }

    /// Moves to `state`; a query's source stays for the next run.
    fn enter(&mut self, state: State<'c, 'db, P, A>) {
        self.state = state;
    }

    /// Moves to the next row; `false` when there is none. Without
    /// `fetch` only starts the statement (see `start_for_names`).
    fn advance(&mut self, fetch: bool) -> Result<bool> {
        let alloc = self.conn.database().allocator().clone();
        if matches!(self.state, State::Ready) {
            self.once.forget();
        }
        let runner = Runner::keeping(self.conn.view(), &self.tables, &self.once, self.parsed.text);
        // Only queries run subqueries: a change reads its table through
        // its writer, which the runner's view does not show.
        let subqueries = select_of(&self.parsed.stmt).map(|_| &runner as &dyn Subqueries<A>);
        let conn = self.conn;
        let read = move || conn.database().platform().now_unix_millis();
        if matches!(self.state, State::Ready) {
            self.now.set(None);
        }
        let env = Env {
            alloc: &alloc,
            params: &self.params,
            random: &self.random,
            tables: &self.tables,
            scratch: &self.scratch,
            rollbacks: self.conn.rollbacks(),
            subqueries,
            outer: None,
            ctes: None,
            views: None,
            now: Some(Now {
                held: &self.now,
                read: &read,
            }),
            counters: Some(self.conn.counters()),
            foreign_keys: Some(self.conn.foreign_keys()).filter(|f| f.is_on()),
            triggers: None,
            active: None,
            conflict: None,
            text: self.parsed.text,
        };
        if matches!(self.state, State::Ready) {
            let conn = self.conn;
            let text = self.parsed.text;
            let stmt_of = &self.parsed.stmt;
            if !matches!(
                self.parsed.stmt,
                Stmt::Commit | Stmt::Rollback { savepoint: None }
            ) {
                conn.check_not_aborted()?;
            }
            // Held while the statement runs: a schema change in MVCC mode
            // writes the B-trees until it is dropped.
            let _schema_change = conn.check_in_mvcc(&self.parsed.stmt)?;
            conn.counters().begin();
            self.names.clear();
            match &self.parsed.stmt {
                Stmt::Select(s) => {
                    let reading = Reading::start(conn)?;
                    self.views
                        .collect(conn.views(), conn.view(), conn.rollbacks(), stmt_of)?;
                    let sources = &mut self.sources;
                    let query = with_views(&self.views, env, |env| {
                        select::start(conn.view(), s, env, sources)
                    })?;
                    self.state = State::Query {
                        query,
                        _reading: Some(reading),
                    };
                    names::of_query(s, &self.sources, &mut self.names)?;
                }
                Stmt::Explain {
                    query_plan: true,
                    stmt,
                } => {
                    let reading = Reading::start(conn)?;
                    self.views
                        .collect(conn.views(), conn.view(), conn.rollbacks(), stmt_of)?;
                    let query = with_views(&self.views, env, |env| explain(conn, stmt, env))?;
                    self.state = State::Query {
                        query,
                        _reading: Some(reading),
                    };
                    self.names.clear();
                    for name in ["id", "parent", "notused", "detail"] {
                        self.names.push(name)?;
                    }
                }
                Stmt::Insert(i) => {
                    ddl::not_temp_view(conn.views(), &i.table)?;
                    let side = select::side_of(conn.view(), &i.table)?;
                    // Named before the change, which a failure here
                    // leaves unmade.
                    name_returning(conn, stmt_of, env, &mut self.names)?;
                    let mut returned = None;
                    let (views, triggers) = (&mut self.views, &mut self.triggers);
                    let result = conn.write_on(side, |w| {
                        triggers.collect(w.view(), side, conn.rollbacks())?;
                        let reach = match triggers.any() {
                            true => Reach::Schema,
                            false => Reach::Statement,
                        };
                        views.collect_reaching(
                            conn.views(),
                            w.view(),
                            conn.rollbacks(),
                            stmt_of,
                            reach,
                        )?;
                        with_views(views, env, |env| {
                            with_triggers(triggers, env, |env| {
                                instead::check_reachable(stmt_of, env)?;
                                insert::run(w, i, env, &mut returned)
                            })
                        })
                    });
                    self.changes = counted(conn, result)?;
                    if let Some(state) = returning(returned) {
                        self.state = state;
                    }
                }
                Stmt::Update(u) => {
                    ddl::not_temp_view(conn.views(), &u.table)?;
                    let side = select::side_of(conn.view(), &u.table)?;
                    // Named before the change, which a failure here
                    // leaves unmade.
                    name_returning(conn, stmt_of, env, &mut self.names)?;
                    let mut returned = None;
                    let (views, triggers) = (&mut self.views, &mut self.triggers);
                    let result = conn.write_on(side, |w| {
                        triggers.collect(w.view(), side, conn.rollbacks())?;
                        let reach = match triggers.any() {
                            true => Reach::Schema,
                            false => Reach::Statement,
                        };
                        views.collect_reaching(
                            conn.views(),
                            w.view(),
                            conn.rollbacks(),
                            stmt_of,
                            reach,
                        )?;
                        with_views(views, env, |env| {
                            with_triggers(triggers, env, |env| {
                                instead::check_reachable(stmt_of, env)?;
                                change::update(w, u, env, &mut returned)
                            })
                        })
                    });
                    self.changes = counted(conn, result)?;
                    if let Some(state) = returning(returned) {
                        self.state = state;
                    }
                }
                Stmt::Delete(d) => {
                    ddl::not_temp_view(conn.views(), &d.table)?;
                    let side = select::side_of(conn.view(), &d.table)?;
                    // Named before the change, which a failure here
                    // leaves unmade.
                    name_returning(conn, stmt_of, env, &mut self.names)?;
                    let mut returned = None;
                    let (views, triggers) = (&mut self.views, &mut self.triggers);
                    let result = conn.write_on(side, |w| {
                        triggers.collect(w.view(), side, conn.rollbacks())?;
                        let reach = match triggers.any() {
                            true => Reach::Schema,
                            false => Reach::Statement,
                        };
                        views.collect_reaching(
                            conn.views(),
                            w.view(),
                            conn.rollbacks(),
                            stmt_of,
                            reach,
                        )?;
                        with_views(views, env, |env| {
                            with_triggers(triggers, env, |env| {
                                instead::check_reachable(stmt_of, env)?;
                                change::delete(w, d, env, &mut returned)
                            })
                        })
                    });
                    self.changes = counted(conn, result)?;
                    if let Some(state) = returning(returned) {
                        self.state = state;
                    }
                }
                Stmt::CreateTable(c) => {
                    let side = schemas::of_create_table(c)?;
                    if side == Side::Temp {
                        ddl::not_temp_view_name(conn.views(), &c.name.name)?;
                    }
                    let views = &mut self.views;
                    conn.write_schema_on(side, |w| {
                        views.collect(conn.views(), w.view(), conn.rollbacks(), stmt_of)?;
                        with_views(views, env, |env| ddl::create_table(w, c, text, env))
                    })?
                }
                Stmt::CreateView(v) => {
                    let parameters = self.parsed.params.count() > 0;
                    if ddl::is_temp_view(v) {
                        ddl::not_temp_object(conn.view(), &v.name.name)?;
                    }
                    match ddl::is_temp_view(v) {
                        true => ddl::create_temp_view(
                            conn.views(),
                            v,
                            text,
                            parameters,
                            conn.in_transaction(),
                        )?,
                        false => conn.write_schema(|w| ddl::create_view(w, v, text, parameters))?,
                    }
                }
                Stmt::CreateIndex(c) => {
                    let side = schemas::of_create_index(conn.view(), c)?;
                    conn.write_schema_on(side, |w| ddl::create_index(w, c, text))?
                }
                Stmt::CreateTrigger(t) => {
                    let parameters = self.parsed.params.count() > 0;
                    let on_temp_view = t
                        .table
                        .schema
                        .is_none_or(|s| s.eq_ignore_ascii_case("temp"))
                        && conn.views().is_temp(&t.table.name);
                    if on_temp_view {
                        return Err(Error::Sql("triggers on temporary views are not supported"));
                    }
                    let side = schemas::of_create_trigger(conn.view(), t)?;
                    conn.write_schema_on(side, |w| {
                        triggers::create::create(w, t, text, parameters)
                    })?
                }
                Stmt::Drop(d) => match ddl::drop_temp(conn.views(), d, conn.in_transaction()) {
                    Some(dropped) => dropped?,
                    None => {
                        if let Some(side) = schemas::of_drop(conn.view(), d)? {
                            if side == Side::Main {
                                schemas::refuse_temp_triggers_on(conn.view(), d)?;
                            }
                            conn.write_schema_on(side, |w| {
                                foreign_keys::before_drop(w, d, env)?;
                                ddl::drop_object(w, d)
                            })?
                        }
                    }
                },
                Stmt::AlterTable(a) => {
                    schemas::refuse_on_temp(
                        conn.view(),
                        &a.table,
                        "ALTER TABLE of a temporary table is not supported",
                    )?;
                    conn.write_schema(|w| alter::run(w, a, conn.views()))?
                }
                Stmt::Reindex(target) => conn.write_schema(|w| reindex::run(w, target.as_ref()))?,
                Stmt::Pragma(p) => {
                    self.names.set(pragma_names::column_names(p))?;
                    let reading = pragma::reads(p).then(|| Reading::start(conn)).transpose()?;
                    let rows = pragma::run(conn, p, env)?;
                    self.state = State::Query {
                        query: Query::Buffered { rows, next: 0 },
                        _reading: reading,
                    };
                }
                Stmt::Begin(mode) => conn.begin(*mode)?,
                Stmt::Commit => conn.commit()?,
                Stmt::Rollback { savepoint: None } => conn.rollback()?,
                Stmt::Rollback {
                    savepoint: Some(name),
                } => conn.rollback_to(name)?,
                Stmt::Savepoint(name) => conn.savepoint(name)?,
                Stmt::Release(name) => conn.release(name)?,
                Stmt::Explain {
                    query_plan: false, ..
                } => return Err(Error::Sql("statement not supported")),
            }
        }
        if !fetch {
            return Ok(true);
        }
        match &mut self.state {
            State::Query { query, .. } => {
                let (sources, row) = (&mut self.sources, &mut self.row);
                let select = select_of(&self.parsed.stmt);
                with_views(&self.views, env, |env| {
                    select::next(self.conn.view(), query, sources, select, env, row)
                })
            }
            State::Ready | State::Done => Ok(false),
        }
    }
}

/// Notes on `conn`'s counters how a change statement ended: its row
/// count, or 0 when it failed while running (SQLite's count for a
/// statement rolled back). An error SQLite raises before running (an
/// unknown table or column, a parse error) leaves the counts alone.
fn counted<P: Platform, A: Allocator + Clone>(
    conn: &Connection<'_, P, A>,
    result: Result<usize>,
) -> Result<usize> {
    match &result {
        Ok(n) => conn.counters().ended(Some(*n)),
        Err(Error::Sql(_) | Error::Syntax(_) | Error::Named(..)) => {}
        Err(_) => conn.counters().ended(None),
    }
    result
}

/// The state that steps through the rows a change's `RETURNING` gave, if
/// it gave any: every change is made before the first row is returned.
fn returning<'c, 'db, P: Platform, A: Allocator + Clone>(
    returned: Option<crate::exec::returning::Returned<A>>,
) -> Option<State<'c, 'db, P, A>> {
    returned.map(|rows| State::Query {
        query: Query::Buffered { rows, next: 0 },
        _reading: None,
    })
}

/// The table, alias and `RETURNING` columns of a change that has a
/// `RETURNING` clause.
type ReturningClause<'s, 'a, A> = (
    &'s QualifiedName<'a>,
    Option<&'s Ident<'a>>,
    &'s [ResultColumn<'a, A>],
);

/// `stmt`'s `RETURNING` clause, if it has one.
fn returning_clause<'s, 'a, A: Allocator>(
    stmt: &'s Stmt<'a, A>,
) -> Option<ReturningClause<'s, 'a, A>> {
    let (table, alias, columns) = match stmt {
        Stmt::Insert(i) => (&i.table, i.alias.as_ref(), &i.returning),
        Stmt::Update(u) => (&u.table, u.alias.as_ref(), &u.returning),
        Stmt::Delete(d) => (&d.table, d.alias.as_ref(), &d.returning),
        _ => return None,
    };
    (!columns.is_empty()).then_some((table, alias, columns.as_slice()))
}

/// Writes the names of the columns of `stmt`'s `RETURNING` clause into
/// `names`, over the table it changes (the statement's cached one, which
/// stays cached); nothing for a statement without one.
fn name_returning<P: Platform, A: Allocator + Clone>(
    conn: &Connection<'_, P, A>,
    stmt: &Stmt<'_, A>,
    env: Env<'_, A>,
    names: &mut Names<A>,
) -> Result<()> {
    let Some((table, alias, columns)) = returning_clause(stmt) else {
        return Ok(());
    };
    let info = select::load_table(conn.view(), table, env).map_err(|e| match e {
        Error::Named(crate::Named::ModifyView, _) => {
            Error::Sql("RETURNING on a view is not supported")
        }
        e => e,
    })?;
    let named = crate::exec::names::of_returning(columns, &info, alias, names);
    env.tables.put(info);
    named
}

/// The query of `stmt` (through `EXPLAIN`), if it is one.
fn select_of<'s, 'a, A: Allocator>(stmt: &'s Stmt<'a, A>) -> Option<&'s crate::sql::Select<'a, A>> {
    match stmt {
        Stmt::Select(s) => Some(s),
        Stmt::Explain { stmt, .. } => select_of(stmt),
        _ => None,
    }
}

/// `EXPLAIN QUERY PLAN` of `stmt`: rows `(id, parent, notused,
/// detail)` naming the plan of each table of the query, then the sorts
/// it runs.
fn explain<P: Platform, A: Allocator + Clone>(
    conn: &Connection<'_, P, A>,
    stmt: &Stmt<'_, A>,
    env: Env<'_, A>,
) -> Result<Query<P::File, A>> {
    match select_of(stmt) {
        Some(query) => with::within(query, env, |env| explain_query(conn, query, env)),
        None => Ok(Query::Buffered {
            rows: Vec::new_in(env.alloc.clone()),
            next: 0,
        }),
    }
}

/// [`explain`] of the query `query`.
fn explain_query<P: Platform, A: Allocator + Clone>(
    conn: &Connection<'_, P, A>,
    query: &crate::sql::Select<'_, A>,
    env: Env<'_, A>,
) -> Result<Query<P::File, A>> {
    let alloc = env.alloc.clone();
    let mut rows = Vec::new_in(alloc.clone());
    let body = select::body_of(query)?;
    let mut slot = None;
    let source = select::open_source(conn.view(), body, env, &mut slot)?;
    let mut push = |detail: &str| -> Result<()> {
        let id = i64::try_from(rows.len()).unwrap_or(0) + 2;
        let mut row = Vec::try_with_capacity_in(4, alloc.clone())?;
        row.try_push(Value::Integer(id))?;
        row.try_push(Value::Integer(0))?;
        row.try_push(Value::Integer(0))?;
        row.try_push(Value::try_text(detail.as_bytes(), alloc.clone())?)?;
        rows.try_push(row)?;
        Ok(())
    };
    let mut detail = String::new_in(alloc.clone());
    if let Rows::Join(join) = source {
        // The tables in the order their loops nest.
        join.each_plan(body, &mut |table, alias, plan, left| {
            detail.clear();
            detail.try_write_fmt(format_args!("{}", plan.describe(table, alias)))?;
            if left {
                detail.try_push_str(" LEFT-JOIN")?;
            }
            push(&detail)
        })?;
        for sort in sorts_of(body, &query.order_by)? {
            push(sort.line())?;
        }
        return Ok(Query::Buffered { rows, next: 0 });
    }
    let alias = select::alias_of(body);
    let scope = source.scope(alias.as_ref());
    match scope.table(0) {
        Some(table) => {
            let hint = select::hint_at(body, 0);
            let indexes = Indexes::of(hint.as_ref(), table)?;
            let alias = scope.alias(0);
            let here = Here {
                table,
                alias: alias.as_ref(),
                level: 0,
                outer: Tables::NONE,
            };
            let plan = shape(body.where_clause.as_ref(), here, indexes)?;
            let alias = alias.as_ref().and_then(Ident::as_str);
            detail.try_write_fmt(format_args!("{}", plan.describe(table, alias)))?;
        }
        None => detail.try_push_str("SCAN CONSTANT ROW")?,
    }
    push(&detail)?;
    for sort in sorts_of(body, &query.order_by)? {
        push(sort.line())?;
    }
    Ok(Query::Buffered { rows, next: 0 })
}
