//! `SELECT` over its rows (one table, a join, or none; see `rows`):
//! result columns, `WHERE`, `LIMIT` and `OFFSET`, streamed row by row;
//! `ORDER BY`, `DISTINCT` and `GROUP BY` sort up front and stream from
//! the sort (see `order`, `group`, `ordered`), aggregates are computed up
//! front (see `group`).
//!
//! A compound query runs its members here, one body at a time (see
//! `compound`). Not supported, each an `Error::Sql`: `VALUES` as a
//! query.

use boundlite_platform::Platform;

use crate::alloc::{Allocator, Box, String, Vec};
use crate::record::ValueRef;
use crate::schema::SCHEMA_TABLE_NAMES;
use crate::sql::eval::affinity::numeric_affinity;
use crate::sql::eval::{EvalContext, Value, any_node, evaluate};
use crate::sql::{
    Expr, FromClause, Ident, Indexed, JoinConstraint, OrderingTerm, QualifiedName, ResultColumn,
    Select, SelectBody, TableRef,
};
use crate::{ByClause, Error, Named, Result};

use super::check::{columns_exist_within, no_aggregate, subqueries_exist};
use super::compound::{self, Compound};
use super::context::RowContext;
use super::join::Join;
use super::ordered::{SortEnv, SortedQuery};
use super::plan::{Access, Here, Indexes, Proven, choose_kept, passes, solvable};
use super::rows::Rows;
use super::scope::{Merge, One, Scope, Tables, find, star_level, star_names_resolve};
use super::source::Source;
use super::with::{self, within};
use super::{Env, calls, group, order, terms, window};
use crate::table::SchemaVersion;
use crate::table::TableInfo;
use crate::table::{Side, View};

/// A query being stepped. A streamed query reads its rows from the
/// statement's [`Source`], which outlives the run so that the next run
/// restarts it in place. `F` is the platform's file, for a sort's runs.
pub(crate) enum Query<F, A: Allocator> {
    /// Rows read from the source as they are asked for.
    Stream {
        /// Rows still to skip (`OFFSET`).
        skip: u64,
        /// Rows still to return (`LIMIT`); `None` for no limit.
        remaining: Option<u64>,
    },
    /// Rows sorted when the query started, read from the sort.
    Sorted(SortedQuery<F, A>),
    /// The rows of a compound query, member after member.
    Compound(Box<Compound<F, A>, A>),
    /// Rows computed when the query started.
    Buffered {
        /// The rows, in order.
        rows: Vec<Vec<Value<A>, A>, A>,
        /// The next row to return.
        next: usize,
    },
}

/// The one `SELECT` body of `select`, refusing what is not supported
/// (a compound, for callers that read one body only).
pub(crate) fn body_of<'s, 'a, A: Allocator>(
    select: &'s Select<'a, A>,
) -> Result<&'s SelectBody<'a, A>> {
    if !select.compound.is_empty() {
        return Err(Error::Sql("compound SELECT is not supported"));
    }
    Ok(&select.core)
}

/// The table named in `FROM` and its alias, if there is a `FROM`.
pub(crate) fn from_of<'a, A: Allocator>(
    body: &SelectBody<'a, A>,
) -> Result<Option<(QualifiedName<'a>, Option<Ident<'a>>)>> {
    let Some(from) = &body.from else {
        return Ok(None);
    };
    if !from.joins.is_empty() {
        return Err(Error::Sql("joins are not supported"));
    }
    match &from.first {
        TableRef::Table { name, alias, .. } => Ok(Some((*name, *alias))),
        TableRef::Subquery { .. } => Err(Error::Sql("subqueries in FROM are not supported")),
        TableRef::Function { .. } => {
            Err(Error::Sql("json_each and json_tree are not supported here"))
        }
    }
}

/// The index hint (`INDEXED BY`, `NOT INDEXED`) on the table in `FROM`.
pub(crate) fn hint_of<'a, A: Allocator>(body: &SelectBody<'a, A>) -> Option<Indexed<'a>> {
    hint_at(body, 0)
}

/// The index hint on the table at `level` of `FROM`.
pub(crate) fn hint_at<'a, A: Allocator>(
    body: &SelectBody<'a, A>,
    level: usize,
) -> Option<Indexed<'a>> {
    let from = body.from.as_ref()?;
    let table = match level.checked_sub(1) {
        None => &from.first,
        Some(j) => &from.joins.get(j)?.table,
    };
    match table {
        TableRef::Table { indexed, .. } => *indexed,
        TableRef::Subquery { .. } | TableRef::Function { .. } => None,
    }
}

/// `name` unquoted, in `alloc`.
pub(crate) fn name_of<A: Allocator + Clone>(name: &Ident<'_>, alloc: A) -> Result<String<A>> {
    Ok(name.to_string_in(alloc)?)
}

/// The schema a statement run by `env` reads through `view`.
fn schema_version<P: Platform, A: Allocator + Clone>(
    view: &View<'_, P, A>,
    env: Env<'_, A>,
) -> Result<SchemaVersion> {
    view.schema_version(env.rollbacks)
}

/// The table `name` as `view` shows it: the statement's cached one while
/// the schema is the one it was read from, else read from the schema of
/// the side the name finds (see [`side_of`]).
pub(crate) fn load_table<P: Platform, A: Allocator + Clone>(
    view: &View<'_, P, A>,
    name: &QualifiedName<'_>,
    env: Env<'_, A>,
) -> Result<TableInfo<A>> {
    let version = schema_version(view, env)?;
    let side = side_of(view, name)?;
    if let Some(table) = env
        .tables
        .take(&name.name, version)
        .filter(|t| t.side == side)
    {
        return Ok(table);
    }
    let mut table = read_table(view, name, side)?;
    table.version = Some(version);
    Ok(table)
}

/// The table `name` read from the schema of `side` (which [`side_of`]
/// gives for it), with no schema version noted.
pub(crate) fn read_table<P: Platform, A: Allocator + Clone>(
    view: &View<'_, P, A>,
    name: &QualifiedName<'_>,
    side: Side,
) -> Result<TableInfo<A>> {
    let alloc = view.allocator().clone();
    let written = name_of(&name.name, alloc.clone())?;
    let table = match side {
        Side::Main => {
            let schema = view.schema()?;
            TableInfo::load(&schema, &written, alloc)?
        }
        Side::Temp => {
            let schema = view.open_temp()?.schema()?;
            let stored = match is_temp_schema_table(&written) {
                true => SCHEMA_TABLE_NAMES[0],
                false => &written,
            };
            let mut table = TableInfo::load(&schema, stored, alloc)?;
            if is_temp_schema_table(&written) {
                table.name = written;
            }
            table.side = Side::Temp;
            table
        }
    };
    Ok(table)
}

/// Whether `name` is the `temp` schema's own table under the name the
/// main schema reads it by (`sqlite_temp_master`, `sqlite_temp_schema`).
fn is_temp_schema_table(name: &str) -> bool {
    TEMP_SCHEMA_TABLE_NAMES
        .iter()
        .any(|n| n.eq_ignore_ascii_case(name))
}

/// The names of the `temp` schema's own table.
const TEMP_SCHEMA_TABLE_NAMES: [&str; 2] = ["sqlite_temp_master", "sqlite_temp_schema"];

/// The side the table `name` is looked for in, as SQLite resolves it:
/// `main.` and `temp.` name theirs (and `temp.` opens the temporary
/// database); an unqualified name finds a temporary table first, then the
/// main schema's. Any other schema is SQLite's `no such table: s.t` (no
/// database is attached here).
pub(crate) fn side_of<P: Platform, A: Allocator + Clone>(
    view: &View<'_, P, A>,
    name: &QualifiedName<'_>,
) -> Result<Side> {
    let temp_schema_table = TEMP_SCHEMA_TABLE_NAMES
        .iter()
        .any(|n| name.name.eq_ignore_ascii_case(n));
    match name.schema {
        Some(s) if s.eq_ignore_ascii_case("main") => match temp_schema_table {
            true => {
                let written = name_of(&name.name, view.allocator().clone())?;
                Err(name.as_written(Named::NoSuchTable.error(&written)))
            }
            false => Ok(Side::Main),
        },
        Some(s) if s.eq_ignore_ascii_case("temp") => Ok(Side::Temp),
        Some(_) => name.in_main().map(|_| Side::Main),
        None if temp_schema_table => Ok(Side::Temp),
        // No temporary database: nothing to look for, nor to allocate.
        None if view.temp_database().is_none() => Ok(Side::Main),
        None => {
            let written = name_of(&name.name, view.allocator().clone())?;
            let temp = view.temp_schema()?;
            match temp.is_some_and(|schema| schema.table(&written).is_some()) {
                true => Ok(Side::Temp),
                false => Ok(Side::Main),
            }
        }
    }
}

/// The rows `body` reads, started: the ones in `slot` restarted when they
/// read the same tables of the same schema, else made there. Names are
/// checked (and bound) once per source, and what of the plan no value
/// decides chosen once (see [`Chosen`](super::plan::Chosen)); the rest
/// of the plan, its keys, on every run.
pub(crate) fn open_source<'s, 'v, P: Platform, A: Allocator + Clone>(
    view: &'v View<'v, P, A>,
    body: &SelectBody<'_, A>,
    env: Env<'_, A>,
    slot: &'s mut Option<Rows<'v, P, A>>,
) -> Result<&'s mut Rows<'v, P, A>> {
    let joined = |f: &&FromClause<'_, A>| {
        !f.joins.is_empty()
            || match &f.first {
                TableRef::Subquery { .. } | TableRef::Function { .. } => true,
                TableRef::Table { name, .. } => with::names_query(name, env),
            }
    };
    if let Some(from) = body.from.as_ref().filter(joined) {
        return open_join(view, body, from, env, slot);
    }
    let Some((name, alias)) = from_of(body)? else {
        check_body(body, &One::new(None, None), env)?;
        return Ok(slot.insert(Rows::One(Source::constant(env.alloc.clone()))));
    };
    let version = schema_version(view, env)?;
    let current = matches!(slot, Some(Rows::One(s)) if s.reads(&name.name, version));
    if !current {
        give_back(slot.take(), env);
        let table = load_table(view, &name, env).map_err(|e| match body.from.as_ref() {
            Some(FromClause {
                first: TableRef::Table { name, .. },
                ..
            }) => name.as_written(e),
            _ => e,
        })?;
        *slot = Some(Rows::One(Source::table(view, table, Access::scan())));
    }
    let Some(Rows::One(source)) = slot.as_mut() else {
        return Err(Error::Misuse("a query without its source"));
    };
    let table = source
        .info()
        .ok_or(Error::Misuse("a table source without its table"))?;
    let checked = source.checked || {
        check_body(body, &One::new(Some(table), alias.as_ref()), env)?;
        true
    };
    let indexes = Indexes::of(hint_of(body).as_ref(), table)?;
    solvable(body.where_clause.as_ref(), table, indexes)?;
    let here = Here {
        table,
        alias: alias.as_ref(),
        level: 0,
        outer: Tables::NONE,
    };
    let mut chosen = source.chosen;
    let clause = body.where_clause.as_ref();
    let access = choose_kept(&mut chosen, clause, here, indexes, &env.context())?;
    source.restart(view, access);
    source.checked = checked;
    source.chosen = chosen;
    slot.as_mut()
        .ok_or(Error::Misuse("a query without its source"))
}

/// [`open_source`] for a `FROM` with joins.
fn open_join<'s, 'v, P: Platform, A: Allocator + Clone>(
    view: &'v View<'v, P, A>,
    body: &SelectBody<'_, A>,
    from: &FromClause<'_, A>,
    env: Env<'_, A>,
    slot: &'s mut Option<Rows<'v, P, A>>,
) -> Result<&'s mut Rows<'v, P, A>> {
    let version = schema_version(view, env)?;
    let current = matches!(slot, Some(Rows::Join(j)) if j.reads(from, version));
    if !current {
        give_back(slot.take(), env);
        let join = Join::open(view, from, env)?;
        *slot = Some(Rows::Join(Box::try_new_in(join, env.alloc.clone())?));
    }
    let Some(Rows::Join(join)) = slot.as_mut() else {
        return Err(Error::Misuse("a join without its source"));
    };
    if !join.checked {
        check_body(body, &**join, env)?;
        for join_clause in from.joins.iter() {
            if let Some(JoinConstraint::On(on)) = &join_clause.constraint {
                no_aggregate(on, env)?;
                columns_exist_within(on, &**join, Some(env))?;
            }
        }
        check_function_args(from, &**join, env)?;
        join.place_terms(body)?;
        join.checked = true;
    }
    join.rewind()?;
    slot.as_mut()
        .ok_or(Error::Misuse("a query without its source"))
}

/// Checks the names of the arguments of each table-valued function of
/// `from` against the tables left of it in `scope`, the rows they are
/// evaluated under.
fn check_function_args<A: Allocator + Clone>(
    from: &FromClause<'_, A>,
    scope: &dyn Scope<A>,
    env: Env<'_, A>,
) -> Result<()> {
    let tables = core::iter::once(&from.first).chain(from.joins.iter().map(|j| &j.table));
    for (k, table) in tables.enumerate() {
        if let TableRef::Function { args, .. } = table {
            let left = Left { scope, levels: k };
            for arg in args.iter() {
                columns_exist_within(arg, &left, Some(env))?;
            }
        }
    }
    Ok(())
}

/// The first `levels` tables of a scope.
struct Left<'s, A: Allocator + Clone> {
    scope: &'s dyn Scope<A>,
    levels: usize,
}

impl<A: Allocator + Clone> Scope<A> for Left<'_, A> {
    fn levels(&self) -> usize {
        self.levels
    }

    fn table(&self, level: usize) -> Option<&TableInfo<A>> {
        if level < self.levels {
            self.scope.table(level)
        } else {
            None
        }
    }

    fn alias(&self, level: usize) -> Option<Ident<'_>> {
        if level < self.levels {
            self.scope.alias(level)
        } else {
            None
        }
    }

    fn merged_columns(&self, level: usize) -> &[Merge] {
        self.scope.merged_columns(level)
    }
}

/// Hands the tables of `rows` back to the statement's table cache.
pub(crate) fn give_back<P: Platform, A: Allocator + Clone>(
    rows: Option<Rows<'_, P, A>>,
    env: Env<'_, A>,
) {
    if let Some(table) = rows.and_then(Rows::into_table) {
        env.tables.put(table);
    }
}

/// Checks the column names of the result columns, `WHERE`, `GROUP BY`
/// and `HAVING` of `body`, which reads the tables of `scope`.
pub(crate) fn check_body<A: Allocator + Clone>(
    body: &SelectBody<'_, A>,
    scope: &dyn Scope<A>,
    env: Env<'_, A>,
) -> Result<()> {
    let columns_exist = |expr| columns_exist_within(expr, scope, Some(env));
    for column in body.columns.iter() {
        match column {
            ResultColumn::Expr { expr, .. } => columns_exist(expr)?,
            // `t.*` names the table by its alias when it has one.
            ResultColumn::TableStar(name) => {
                star_level(scope, name)?;
            }
            ResultColumn::Star if scope.levels() == 0 => {
                return Err(Error::Sql("no tables specified"));
            }
            ResultColumn::Star => star_names_resolve(scope)?,
        }
    }
    if let Some(clause) = &body.where_clause {
        no_aggregate(clause, env)?;
        columns_exist(clause)?;
    }
    for (i, expr) in body.group_by.iter().enumerate() {
        // A term that names a result column was checked as one.
        if terms::named_output(i + 1, expr, ByClause::Group, body, scope)?.is_none() {
            columns_exist(expr)?;
        }
    }
    match &body.having {
        Some(clause) => columns_exist(clause),
        None => Ok(()),
    }
}

/// Where the members of a query read their rows: a slot per member (one
/// for a query that is not compound), kept from run to run.
pub(crate) type Sources<'v, P, A> = Vec<Option<Rows<'v, P, A>>, A>;

/// The slot of member `i` in `sources`, added when `sources` is that
/// short.
pub(crate) fn slot_of<'s, 'v, P: Platform, A: Allocator + Clone>(
    sources: &'s mut Sources<'v, P, A>,
    i: usize,
) -> Result<&'s mut Option<Rows<'v, P, A>>> {
    while sources.len() <= i {
        sources.try_push(None)?;
    }
    sources
        .get_mut(i)
        .ok_or(Error::Misuse("a query member without its source"))
}

/// What a query's sort may use: the view's platform and budget.
pub(crate) fn sort_env<'v, P: Platform, A: Allocator + Clone>(
    view: &'v View<'v, P, A>,
) -> SortEnv<'v, P> {
    SortEnv {
        platform: view.platform(),
        budget: view.sort_budget(),
    }
}

/// Starts `select`, reading from the sources in `sources`.
pub(crate) fn start<'v, P: Platform, A: Allocator + Clone>(
    view: &'v View<'v, P, A>,
    select: &Select<'_, A>,
    env: Env<'_, A>,
    sources: &mut Sources<'v, P, A>,
) -> Result<Query<P::File, A>> {
    within(select, env, |env| start_within(view, select, env, sources))
}

/// [`start`], the `WITH` tables of `select` in `env`.
fn start_within<'v, P: Platform, A: Allocator + Clone>(
    view: &'v View<'v, P, A>,
    select: &Select<'_, A>,
    env: Env<'_, A>,
    sources: &mut Sources<'v, P, A>,
) -> Result<Query<P::File, A>> {
    if !select.compound.is_empty() {
        return compound::start(view, select, env, sources);
    }
    let body = body_of(select)?;
    let (skip, remaining) = limits(select, env)?;
    let ordered = Ordering {
        terms: &select.order_by,
        skip,
        remaining,
    };
    start_body(
        view,
        body,
        ordered,
        env,
        sort_env(view),
        slot_of(sources, 0)?,
    )
}

/// The `ORDER BY` terms and the limits a query body is run with.
pub(crate) struct Ordering<'s, 'a, A: Allocator> {
    /// The `ORDER BY` terms.
    pub terms: &'s [OrderingTerm<'a, A>],
    /// Rows to skip (`OFFSET`).
    pub skip: u64,
    /// Rows to return (`LIMIT`); `None` for all.
    pub remaining: Option<u64>,
}

impl<A: Allocator> Ordering<'_, '_, A> {
    /// No `ORDER BY` and no limits: a member of a compound query.
    pub fn none() -> Self {
        Ordering {
            terms: &[],
            skip: 0,
            remaining: None,
        }
    }
}

/// Starts the query `body` as `ordered` asks, reading from the source in
/// `slot`, its sorts in `sort`.
pub(crate) fn start_body<'v, P: Platform, A: Allocator + Clone>(
    view: &'v View<'v, P, A>,
    body: &SelectBody<'_, A>,
    ordered: Ordering<'_, '_, A>,
    env: Env<'_, A>,
    sort: SortEnv<'v, P>,
    slot: &mut Option<Rows<'v, P, A>>,
) -> Result<Query<P::File, A>> {
    let Ordering {
        terms,
        skip,
        remaining,
    } = ordered;
    let source = open_source(view, body, env, slot)?;
    let alias = alias_of(body);
    {
        let scope = source.scope(alias.as_ref());
        terms::check(terms, body, &scope)?;
        for term in terms.iter() {
            if matches!(source, Rows::Join(_)) {
                bind_columns(&term.expr, &scope)?;
            }
            subqueries_exist(&term.expr, &scope, env)?;
        }
    }
    window::check_misplaced(body)?;
    let windowed = window::has_windows(body, terms);
    if calls::is_aggregate(body)? {
        return group::run(source, terms, body, env, sort, skip, remaining);
    }
    if windowed {
        let rows = window::run(source, terms, body, env, sort, skip, remaining)?;
        return Ok(Query::Sorted(rows));
    }
    if !terms.is_empty() || body.distinct {
        let rows = order::run(source, terms, body, env, sort, skip, remaining)?;
        return Ok(Query::Sorted(rows));
    }
    Ok(Query::Stream { skip, remaining })
}

/// The alias of the one table `body` reads, if it reads one.
pub(crate) fn alias_of<'a, A: Allocator>(body: &SelectBody<'a, A>) -> Option<Ident<'a>> {
    match body.from.as_ref() {
        Some(f) if f.joins.is_empty() => match &f.first {
            TableRef::Table { alias, .. } => *alias,
            TableRef::Subquery { alias, .. } | TableRef::Function { alias, .. } => *alias,
        },
        _ => None,
    }
}

/// Binds the columns `expr` names in `scope` (an `ORDER BY` term over a
/// join, whose other names may be result columns' aliases).
fn bind_columns<A: Allocator + Clone>(expr: &Expr<'_, A>, scope: &dyn Scope<A>) -> Result<()> {
    let mut bound = Ok(());
    any_node(expr, &mut |e| {
        if let Expr::Column(c) = e {
            match find(scope, c) {
                Ok(Some(at)) => c.binding.set(Some(at)),
                Ok(None) => {}
                Err(e) => bound = Err(e),
            }
        }
        bound.is_err()
    });
    bound
}

/// `OFFSET` and `LIMIT` of `select`: rows to skip, rows to return.
pub(crate) fn limits<A: Allocator + Clone>(
    select: &Select<'_, A>,
    env: Env<'_, A>,
) -> Result<(u64, Option<u64>)> {
    let Some(limit) = &select.limit else {
        return Ok((0, None));
    };
    let ctx = env.context();
    let integer = |expr| -> Result<i64> {
        let value = evaluate(expr, &ctx)?;
        match numeric_affinity(value.as_ref(), true) {
            ValueRef::Integer(n) => Ok(n),
            _ => Err(Error::Sql("datatype mismatch")),
        }
    };
    let count = integer(&limit.limit)?;
    let offset = match &limit.offset {
        Some(o) => integer(o)?,
        None => 0,
    };
    let remaining = u64::try_from(count).ok();
    Ok((u64::try_from(offset).unwrap_or(0), remaining))
}

/// Moves the next row of `query`, the query `select` started over
/// `view`, whose members read from `sources`, into `out`; `false` when
/// there is none.
pub(crate) fn next<'v, P: Platform, A: Allocator + Clone>(
    view: &'v View<'v, P, A>,
    query: &mut Query<P::File, A>,
    sources: &mut Sources<'v, P, A>,
    select: Option<&Select<'_, A>>,
    env: Env<'_, A>,
    out: &mut Vec<Value<A>, A>,
) -> Result<bool> {
    match select {
        Some(s) => within(s, env, |env| {
            next_within(view, query, sources, select, env, out)
        }),
        None => next_within(view, query, sources, select, env, out),
    }
}

/// [`next`], the `WITH` tables of `select` in `env`.
fn next_within<'v, P: Platform, A: Allocator + Clone>(
    view: &'v View<'v, P, A>,
    query: &mut Query<P::File, A>,
    sources: &mut Sources<'v, P, A>,
    select: Option<&Select<'_, A>>,
    env: Env<'_, A>,
    out: &mut Vec<Value<A>, A>,
) -> Result<bool> {
    if let Query::Compound(rows) = query {
        let select = select.ok_or(Error::Misuse("a compound query without its SELECT"))?;
        return rows.next(view, sources, select, env, out);
    }
    let body = match (&*query, select) {
        (Query::Stream { .. }, Some(select)) => Some(body_of(select)?),
        _ => None,
    };
    next_body(
        query,
        sources.get_mut(0).and_then(Option::as_mut),
        body,
        env,
        out,
    )
}

/// Moves the next row of `query`, the query `body` started over `source`,
/// into `out`; `false` when there is none.
pub(crate) fn next_body<P: Platform, A: Allocator + Clone>(
    query: &mut Query<P::File, A>,
    source: Option<&mut Rows<'_, P, A>>,
    body: Option<&SelectBody<'_, A>>,
    env: Env<'_, A>,
    out: &mut Vec<Value<A>, A>,
) -> Result<bool> {
    match query {
        Query::Sorted(rows) => rows.next(out),
        Query::Buffered { rows, next } => match rows.get_mut(*next) {
            Some(row) => {
                core::mem::swap(out, row);
                *next += 1;
                Ok(true)
            }
            None => Ok(false),
        },
        Query::Compound(_) => Err(Error::Misuse("a compound query stepped as one body")),
        Query::Stream { skip, remaining } => {
            let body = body.ok_or(Error::Misuse("a streamed query without its SELECT"))?;
            let source = source.ok_or(Error::Misuse("a streamed query without its source"))?;
            let alias = alias_of(body);
            let proven = source.proven();
            if *remaining == Some(0) {
                return Ok(false);
            }
            let kept = source.find(env, alias, body, |ctx| {
                if !matches(body, proven, ctx)? {
                    return Ok(false);
                }
                if *skip > 0 {
                    *skip -= 1;
                    return Ok(false);
                }
                output(body, ctx, out)?;
                Ok(true)
            })?;
            if kept {
                if let Some(r) = remaining.as_mut() {
                    *r -= 1;
                }
            }
            Ok(kept)
        }
    }
}

/// Whether the current row passes `WHERE`, of which the plan proved
/// `proven`.
pub(crate) fn matches<A: Allocator + Clone>(
    body: &SelectBody<'_, A>,
    proven: Proven,
    ctx: &RowContext<'_, '_, A>,
) -> Result<bool> {
    passes(body.where_clause.as_ref(), proven, ctx)
}

/// Replaces `out` with the result columns of the current row, reusing
/// its slots: a TEXT or BLOB column read from the row is copied into the
/// buffer its slot already holds, so a warm statement copies rows without
/// allocating.
pub(crate) fn output<A: Allocator + Clone>(
    body: &SelectBody<'_, A>,
    ctx: &RowContext<'_, '_, A>,
    out: &mut Vec<Value<A>, A>,
) -> Result<()> {
    let alloc = ctx.allocator();
    let mut filled = 0;
    for column in body.columns.iter() {
        match column {
            ResultColumn::Expr { expr, .. } => {
                let slot = slot_at(out, filled)?;
                match expr.as_column() {
                    // A bare column is what most queries ask for: copied
                    // straight from the record into the slot's buffer.
                    Some(c) => assign(slot, ctx.column(c)?, &alloc)?,
                    None => *slot = evaluate(expr, ctx)?,
                }
                filled += 1;
            }
            ResultColumn::Star | ResultColumn::TableStar(_) => {
                let named = match column {
                    ResultColumn::TableStar(name) => Some(name),
                    _ => None,
                };
                ctx.each_star(named, &mut |value| {
                    assign(slot_at(out, filled)?, value, &alloc)?;
                    filled += 1;
                    Ok(())
                })?;
            }
        }
    }
    out.truncate(filled);
    Ok(())
}

/// Slot `i` of `out`, pushing a NULL when `out` is that short.
fn slot_at<A: Allocator>(out: &mut Vec<Value<A>, A>, i: usize) -> Result<&mut Value<A>> {
    if out.len() <= i {
        out.try_push(Value::Null)?;
    }
    out.get_mut(i)
        .ok_or(Error::Misuse("a result column out of place"))
}

/// Makes `slot` a copy of `value`, into the buffer `slot` holds when it
/// is TEXT or a BLOB (its capacity is kept, so copying a value no longer
/// than the slot's largest so far allocates nothing). When memory runs
/// out the slot is left as it was.
pub(crate) fn assign<A: Allocator + Clone>(
    slot: &mut Value<A>,
    value: ValueRef<'_>,
    alloc: &A,
) -> Result<()> {
    let (bytes, text) = match value {
        ValueRef::Text(b) => (b, true),
        ValueRef::Blob(b) => (b, false),
        other => {
            *slot = Value::scalar(other);
            return Ok(());
        }
    };
    let buffer = match slot {
        Value::Text(b) | Value::Blob(b) => b,
        _ => {
            *slot = Value::try_from_ref(value, alloc.clone())?;
            return Ok(());
        }
    };
    // Grown before it is cleared, so a refusal leaves the old value.
    buffer.try_reserve(bytes.len().saturating_sub(buffer.len()))?;
    buffer.clear();
    buffer.try_extend_from_slice(bytes)?;
    if text != matches!(slot, Value::Text(_)) {
        let buffer = match core::mem::replace(slot, Value::Null) {
            Value::Text(b) | Value::Blob(b) => b,
            _ => Vec::new_in(alloc.clone()),
        };
        *slot = if text {
            Value::Text(buffer)
        } else {
            Value::Blob(buffer)
        };
    }
    Ok(())
}
