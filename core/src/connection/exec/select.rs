//! `SELECT` over one table (or none): result columns, `WHERE`, `LIMIT`
//! and `OFFSET`, streamed row by row; `ORDER BY`, `DISTINCT`, aggregates
//! and `GROUP BY` are computed up front (see `order`, `aggregate`,
//! `group`).
//!
//! Not supported here, each an `Error::Sql`: joins, subqueries in
//! `FROM`, compound queries, `VALUES` as a query.

use boundlite_platform::Platform;

use crate::alloc::{Allocator, String, Vec};
use crate::record::ValueRef;
use crate::sql::eval::affinity::numeric_affinity;
use crate::sql::eval::{Value, evaluate, evaluate_condition};
use crate::sql::{Ident, ResultColumn, Select, SelectBody, SelectCore, TableRef};
use crate::{Database, Error, Result};

use super::super::check::columns_exist;
use super::super::context::{ColumnPos, RowContext};
use super::super::plan::{Plan, choose, shape};
use super::super::table::TableInfo;
use super::source::Source;
use super::{Env, aggregate, group, order};

/// A query being stepped.
// A statement holds one query at a time; boxing the cursor would cost an
// allocation per execution to save stack the statement owns anyway.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Query<'db, P: Platform, A: Allocator + Clone> {
    /// Rows read from the source as they are asked for.
    Stream {
        /// Where rows come from.
        source: Source<'db, P, A>,
        /// Rows still to skip (`OFFSET`).
        skip: u64,
        /// Rows still to return (`LIMIT`); `None` for no limit.
        remaining: Option<u64>,
    },
    /// Rows computed when the query started.
    Buffered {
        /// The rows, in order.
        rows: Vec<Vec<Value<A>, A>, A>,
        /// The next row to return.
        next: usize,
    },
}

/// The one `SELECT` body of `select`, refusing what is not supported.
pub(crate) fn body_of<'s, 'a, A: Allocator>(
    select: &'s Select<'a, A>,
) -> Result<&'s SelectBody<'a, A>> {
    if !select.compound.is_empty() {
        return Err(Error::Sql("compound SELECT is not supported"));
    }
    let SelectCore::Select(body) = &select.core else {
        return Err(Error::Sql("VALUES as a query is not supported"));
    };
    Ok(body)
}

/// The table named in `FROM` and its alias, if there is a `FROM`.
pub(crate) fn from_of<'a, A: Allocator>(
    body: &SelectBody<'a, A>,
) -> Result<Option<(Ident<'a>, Option<Ident<'a>>)>> {
    let Some(from) = &body.from else {
        return Ok(None);
    };
    if !from.joins.is_empty() {
        return Err(Error::Sql("joins are not supported"));
    }
    match &from.first {
        TableRef::Table { name, alias, .. } => Ok(Some((name.name, *alias))),
        TableRef::Subquery { .. } => Err(Error::Sql("subqueries in FROM are not supported")),
    }
}

/// `name` unquoted, in `alloc`.
pub(crate) fn name_of<A: Allocator + Clone>(name: &Ident<'_>, alloc: A) -> Result<String<A>> {
    Ok(name.to_string_in(alloc)?)
}

/// The table `name` of `db`, read from its schema.
pub(crate) fn load_table<P: Platform, A: Allocator + Clone>(
    db: &Database<P, A>,
    name: &Ident<'_>,
) -> Result<TableInfo<A>> {
    let alloc = db.allocator().clone();
    let schema = db.schema()?;
    let name = name_of(name, alloc.clone())?;
    TableInfo::load(&schema, &name, alloc)
}

/// The source `select` reads, and the shape of the plan chosen for it.
pub(crate) fn open_source<'db, P: Platform, A: Allocator + Clone>(
    db: &'db Database<P, A>,
    body: &SelectBody<'_, A>,
    env: Env<'_, A>,
) -> Result<(Source<'db, P, A>, Plan)> {
    let Some((name, alias)) = from_of(body)? else {
        return Ok((Source::constant(), Plan::Scan));
    };
    let table = load_table(db, &name)?;
    check_body(body, &table, alias.as_ref())?;
    let access = choose(
        body.where_clause.as_ref(),
        &table,
        alias.as_ref(),
        &env.context(),
    )?;
    let shape = shape(body.where_clause.as_ref(), &table, alias.as_ref())?;
    Ok((Source::table(db, table, access), shape))
}

/// Checks the column names of the result columns and `WHERE` of `body`.
fn check_body<A: Allocator>(
    body: &SelectBody<'_, A>,
    table: &TableInfo<A>,
    alias: Option<&Ident<'_>>,
) -> Result<()> {
    for column in body.columns.iter() {
        if let ResultColumn::Expr { expr, .. } = column {
            columns_exist(expr, Some(table), alias)?;
        }
    }
    for expr in body.where_clause.iter().chain(body.group_by.iter()) {
        columns_exist(expr, Some(table), alias)?;
    }
    match &body.having {
        Some(clause) => columns_exist(clause, Some(table), alias),
        None => Ok(()),
    }
}

/// Starts `select`.
pub(crate) fn start<'db, P: Platform, A: Allocator + Clone>(
    db: &'db Database<P, A>,
    select: &Select<'_, A>,
    env: Env<'_, A>,
) -> Result<Query<'db, P, A>> {
    let body = body_of(select)?;
    let (skip, remaining) = limits(select, env)?;
    let (source, _) = open_source(db, body, env)?;
    if group::is_grouped(body) {
        let rows = group::run(source, select, body, env, skip, remaining)?;
        return Ok(Query::Buffered { rows, next: 0 });
    }
    if aggregate::is_aggregate(body) {
        let row = aggregate::run(source, body, env)?;
        let mut rows = Vec::new_in(env.alloc.clone());
        if skip == 0 && remaining != Some(0) {
            rows.try_push(row)?;
        }
        return Ok(Query::Buffered { rows, next: 0 });
    }
    if !select.order_by.is_empty() || body.distinct {
        let rows = order::run(source, select, body, env, skip, remaining)?;
        return Ok(Query::Buffered { rows, next: 0 });
    }
    Ok(Query::Stream {
        source,
        skip,
        remaining,
    })
}

/// `OFFSET` and `LIMIT` of `select`: rows to skip, rows to return.
fn limits<A: Allocator + Clone>(
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

/// Moves the next row of `query` into `out`; `false` when there is none.
pub(crate) fn next<P: Platform, A: Allocator + Clone>(
    query: &mut Query<'_, P, A>,
    select: Option<&Select<'_, A>>,
    env: Env<'_, A>,
    out: &mut Vec<Value<A>, A>,
) -> Result<bool> {
    match query {
        Query::Buffered { rows, next } => match rows.get_mut(*next) {
            Some(row) => {
                core::mem::swap(out, row);
                *next += 1;
                Ok(true)
            }
            None => Ok(false),
        },
        Query::Stream {
            source,
            skip,
            remaining,
        } => {
            let select = select.ok_or(Error::Misuse("a streamed query without its SELECT"))?;
            let body = body_of(select)?;
            let alias = from_of(body)?.and_then(|(_, a)| a);
            loop {
                if *remaining == Some(0) || !source.advance()? {
                    return Ok(false);
                }
                let kept = source.with_row(env, alias, |ctx| {
                    if !matches(body, ctx)? {
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
                    return Ok(true);
                }
            }
        }
    }
}

/// Whether the current row passes `WHERE`.
pub(crate) fn matches<A: Allocator + Clone>(
    body: &SelectBody<'_, A>,
    ctx: &RowContext<'_, '_, A>,
) -> Result<bool> {
    match &body.where_clause {
        Some(clause) => Ok(evaluate_condition(clause, ctx)? == Some(true)),
        None => Ok(true),
    }
}

/// Replaces `out` with the result columns of the current row.
pub(crate) fn output<A: Allocator + Clone>(
    body: &SelectBody<'_, A>,
    ctx: &RowContext<'_, '_, A>,
    out: &mut Vec<Value<A>, A>,
) -> Result<()> {
    out.clear();
    let alloc = crate::sql::eval::EvalContext::allocator(ctx);
    for column in body.columns.iter() {
        match column {
            ResultColumn::Expr { expr, .. } => {
                let value = evaluate(expr, ctx)?;
                out.try_push(value)?;
            }
            ResultColumn::Star | ResultColumn::TableStar(_) => {
                let table = ctx.table().ok_or(Error::Sql("no tables specified"))?;
                out.try_reserve(table.column_count())?;
                for i in 0..table.column_count() {
                    let value = ctx.column_at(ColumnPos::Column(i))?;
                    out.try_push(Value::try_from_ref(value, alloc.clone())?)?;
                }
            }
        }
    }
    Ok(())
}
