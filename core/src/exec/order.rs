//! `ORDER BY` and `DISTINCT` without grouping: every row that passes
//! `WHERE` is laid out with its sort keys and a sequence number and goes
//! to the sorting stage (`ordered`), which drops duplicates for
//! `DISTINCT`, sorts, and applies `OFFSET` and `LIMIT` as it hands rows
//! out.
//!
//! Invariants: memory is the sort budget (rows past it spill to
//! temporary files, see `crate::sort`), and `ORDER BY ... LIMIT N` keeps
//! only the first `OFFSET + N` rows; ties keep scan order, through the
//! sequence number stored after the keys; TEXT keys compare with their
//! column's collation (BINARY for any other expression), and so do
//! result columns for `DISTINCT`, as SQLite's do; two NULLs are not
//! distinct.

use boundlite_platform::Platform;

use crate::alloc::{Allocator, TryClone, Vec};
use crate::record::Collation;
use crate::sql::eval::{Value, evaluate, explicit_collation};
use crate::sql::{Expr, Literal, ResultColumn, Select, SelectBody};
use crate::table::TableInfo;
use crate::{Error, Result};

use super::Env;
use super::context::RowContext;
use super::ordered::{Ordered, Shape, SortEnv, SortedQuery};
use super::select::{from_of, matches, output};
use super::source::Source;

/// The rows of `select`, sorted, offset and limited.
pub(crate) fn run<P: Platform, A: Allocator + Clone>(
    source: &mut Source<'_, P, A>,
    select: &Select<'_, A>,
    body: &SelectBody<'_, A>,
    env: Env<'_, A>,
    sort: SortEnv<'_, P>,
    skip: u64,
    remaining: Option<u64>,
) -> Result<SortedQuery<P::File, A>> {
    let alloc = env.alloc.clone();
    let alias = from_of(body)?.and_then(|(_, a)| a);
    let terms = &select.order_by;
    let shape = Shape {
        terms: terms.len(),
        distinct: body.distinct,
        skip,
        remaining,
    };
    let mut ordered = Ordered::new(sort, shape, alloc.clone());
    let mut out = Vec::new_in(alloc.clone());
    let mut collations = Vec::try_with_capacity_in(terms.len(), alloc.clone())?;
    let mut outputs = Vec::new_in(alloc.clone());
    let mut seq: i64 = 0;
    while source.advance()? {
        let row = source.with_row(env, alias, |ctx| {
            if !matches(body, ctx)? {
                return Ok(None);
            }
            output(body, ctx, &mut out)?;
            if !ordered.is_started() {
                for term in terms.iter() {
                    collations.try_push(term_collation(&term.expr, body, ctx)?)?;
                }
                output_collations(body, ctx, &mut outputs)?;
                ordered.start(terms, &collations, &outputs)?;
            }
            let width = terms.len() + 1 + out.len();
            let mut row = Vec::try_with_capacity_in(width, alloc.clone())?;
            for term in terms.iter() {
                row.try_push(sort_key(&term.expr, body, ctx, &out)?)?;
            }
            row.try_push(Value::Integer(seq))?;
            for value in out.drain(..) {
                row.try_push(value)?;
            }
            Ok(Some(row))
        })?;
        if let Some(row) = row {
            ordered.push(row)?;
            seq += 1;
        }
    }
    ordered.finish()
}

/// Checks that each `ORDER BY` term of `select` that is a number names a
/// result column of `body` (reading `table`), as SQLite does before it
/// reads a row.
pub(crate) fn check_terms<A: Allocator>(
    select: &Select<'_, A>,
    body: &SelectBody<'_, A>,
    table: Option<&TableInfo<A>>,
) -> Result<()> {
    let width: usize = body
        .columns
        .iter()
        .map(|c| match c {
            ResultColumn::Expr { .. } => 1,
            ResultColumn::Star | ResultColumn::TableStar(_) => {
                table.map_or(0, |t| t.columns.columns.len())
            }
        })
        .sum();
    for term in select.order_by.iter() {
        if let Some(Literal::Integer(k)) = term.expr.as_literal() {
            if usize::try_from(*k).map_or(true, |k| k == 0 || k > width) {
                return Err(Error::Sql("ORDER BY term out of range"));
            }
        }
    }
    Ok(())
}

/// The collation of each result column of `body` into `into` (see
/// [`expr_collation`]; every column's own, for `*`). `DISTINCT` compares
/// with them.
pub(crate) fn output_collations<A: Allocator + Clone>(
    body: &SelectBody<'_, A>,
    ctx: &RowContext<'_, '_, A>,
    into: &mut Vec<Collation, A>,
) -> Result<()> {
    into.clear();
    for column in body.columns.iter() {
        match column {
            ResultColumn::Expr { expr, .. } => {
                into.try_push(expr_collation(expr, ctx)?)?;
            }
            ResultColumn::Star | ResultColumn::TableStar(_) => {
                let table = ctx.table().ok_or(Error::Sql("no tables specified"))?;
                for column in table.columns.columns.iter() {
                    into.try_push(column.collation.unwrap_or_default())?;
                }
            }
        }
    }
    Ok(())
}

/// What output column `k` (from 0) of `body` is, once each `*` is
/// expanded into the columns of the table it names.
enum Output<'b, 'a, A: Allocator> {
    /// A result expression.
    Expr(&'b Expr<'a, A>),
    /// Column `j` of the table a `*` expands.
    TableColumn(usize),
}

/// The output column `k` of `body`, if there is one.
fn output_at<'b, 'a, A: Allocator + Clone>(
    body: &'b SelectBody<'a, A>,
    ctx: &RowContext<'_, '_, A>,
    mut k: usize,
) -> Option<Output<'b, 'a, A>> {
    for column in body.columns.iter() {
        match column {
            ResultColumn::Expr { expr, .. } => {
                if k == 0 {
                    return Some(Output::Expr(expr));
                }
                k -= 1;
            }
            ResultColumn::Star | ResultColumn::TableStar(_) => {
                let width = ctx.table()?.columns.columns.len();
                if k < width {
                    return Some(Output::TableColumn(k));
                }
                k -= width;
            }
        }
    }
    None
}

/// The output position of the result column whose alias `named` accepts,
/// once each `*` is expanded.
fn output_of_alias<A: Allocator + Clone>(
    body: &SelectBody<'_, A>,
    ctx: &RowContext<'_, '_, A>,
    named: impl Fn(&str) -> bool,
) -> Option<usize> {
    let mut at = 0usize;
    for column in body.columns.iter() {
        match column {
            ResultColumn::Expr { alias, .. } => {
                if alias.as_ref().and_then(|a| a.as_str()).is_some_and(&named) {
                    return Some(at);
                }
                at += 1;
            }
            ResultColumn::Star | ResultColumn::TableStar(_) => {
                at += ctx.table()?.columns.columns.len();
            }
        }
    }
    None
}

/// The collation a key `expr` compares TEXT with, as SQLite finds it:
/// the one a `COLLATE` in it names, else a bare column's own, else
/// BINARY. An unknown collation name is an error.
pub(crate) fn expr_collation<A: Allocator + Clone>(
    expr: &Expr<'_, A>,
    ctx: &RowContext<'_, '_, A>,
) -> Result<Collation> {
    if let Some(named) = explicit_collation(expr)? {
        return Ok(named);
    }
    Ok(match expr.as_column() {
        Some(c) => crate::sql::eval::EvalContext::column_collation(ctx, c),
        None => Collation::Binary,
    })
}

/// The collation the sort key `expr` compares TEXT with: that of the
/// expression it is (see [`expr_collation`]), or of the result column it
/// names by number or alias.
pub(crate) fn term_collation<A: Allocator + Clone>(
    expr: &Expr<'_, A>,
    body: &SelectBody<'_, A>,
    ctx: &RowContext<'_, '_, A>,
) -> Result<Collation> {
    let target = match (expr.as_literal(), expr.as_column()) {
        (Some(Literal::Integer(k)), _) => usize::try_from(*k)
            .ok()
            .and_then(|k| k.checked_sub(1))
            .and_then(|k| output_at(body, ctx, k)),
        (_, Some(c)) if c.table.is_none() => {
            output_of_alias(body, ctx, |a| c.column.eq_ignore_ascii_case(a))
                .and_then(|k| output_at(body, ctx, k))
                .or(Some(Output::Expr(expr)))
        }
        _ => Some(Output::Expr(expr)),
    };
    match target {
        Some(Output::Expr(e)) => expr_collation(e, ctx),
        Some(Output::TableColumn(j)) => Ok(ctx
            .table()
            .and_then(|t| t.columns.columns.get(j))
            .and_then(|c| c.collation)
            .unwrap_or_default()),
        None => Ok(Collation::Binary),
    }
}

/// The sort key `expr` gives the current row, whose result columns are
/// `out`: a result column when `expr` is its number or alias.
pub(crate) fn sort_key<A: Allocator + Clone>(
    expr: &Expr<'_, A>,
    body: &SelectBody<'_, A>,
    ctx: &RowContext<'_, '_, A>,
    out: &[Value<A>],
) -> Result<Value<A>> {
    if let Some(Literal::Integer(k)) = expr.as_literal() {
        let column = usize::try_from(*k)
            .ok()
            .and_then(|k| k.checked_sub(1))
            .and_then(|k| out.get(k))
            .ok_or(Error::Sql("ORDER BY term out of range"))?;
        return Ok(column.try_clone()?);
    }
    if let Some(c) = expr.as_column().filter(|c| c.table.is_none()) {
        let by_alias = output_of_alias(body, ctx, |a| c.column.eq_ignore_ascii_case(a));
        if let Some(value) = by_alias.and_then(|i| out.get(i)) {
            return Ok(value.try_clone()?);
        }
    }
    evaluate(expr, ctx)
}
