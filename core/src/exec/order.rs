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
use crate::sql::{Expr, Ident, OrderingTerm, ResultColumn, SelectBody};
use crate::{ByClause, Result};

use super::Env;
use super::context::RowContext;
use super::ordered::{Ordered, Shape, SortEnv, SortedQuery};
use super::rows::Rows;
use super::scope::{One, Scope, each_star_column, star_level};
use super::select::{alias_of, matches, output};
use super::terms::{Aliased, Term, resolve_terms};

/// The rows of the query whose body is `body`, sorted by `terms`, offset
/// and limited.
pub(crate) fn run<P: Platform, A: Allocator + Clone>(
    source: &mut Rows<'_, P, A>,
    terms: &[OrderingTerm<'_, A>],
    body: &SelectBody<'_, A>,
    env: Env<'_, A>,
    sort: SortEnv<'_, P>,
    skip: u64,
    remaining: Option<u64>,
) -> Result<SortedQuery<P::File, A>> {
    let alloc = env.alloc.clone();
    let alias = alias_of(body);
    let mut collations = Vec::try_with_capacity_in(terms.len(), alloc.clone())?;
    let mut outputs = Vec::new_in(alloc.clone());
    let keys = {
        let scope = source.scope(alias.as_ref());
        let keys = resolve_terms(
            terms.iter().map(|t| &t.expr),
            ByClause::Order,
            body,
            &scope,
            alloc.clone(),
        )?;
        source.with_table(env, alias, |ctx| {
            for key in keys.iter() {
                collations.try_push(key.collation(ctx)?)?;
            }
            output_collations(body, &scope, ctx, &mut outputs)
        })?;
        keys
    };
    let shape = Shape {
        terms: terms.len(),
        distinct: body.distinct,
        skip,
        remaining,
    };
    let mut ordered = Ordered::new(sort, shape, alloc.clone());
    let mut out = Vec::new_in(alloc.clone());
    let mut seq: i64 = 0;
    let proven = source.proven();
    // Every row is taken where the scan finds it: `find` goes on to the
    // end, each row refused once pushed.
    source.find(env, alias, body, |ctx| {
        if !matches(body, proven, ctx)? {
            return Ok(false);
        }
        output(body, ctx, &mut out)?;
        if !ordered.is_started() {
            ordered.start(terms, &collations, &outputs)?;
        }
        let width = terms.len() + 1 + out.len();
        let mut row = Vec::try_with_capacity_in(width, alloc.clone())?;
        for key in keys.iter() {
            row.try_push(sort_key(key, body, alias, ctx, &out)?)?;
        }
        row.try_push(Value::Integer(seq))?;
        for value in out.drain(..) {
            row.try_push(value)?;
        }
        ordered.push(row)?;
        seq += 1;
        Ok(false)
    })?;
    ordered.finish()
}

/// The collation of each result column of `body` into `into` (see
/// [`expr_collation`]; every column's own, for `*`). `DISTINCT` compares
/// with them.
pub(crate) fn output_collations<A: Allocator + Clone>(
    body: &SelectBody<'_, A>,
    scope: &dyn Scope<A>,
    ctx: &RowContext<'_, '_, A>,
    into: &mut Vec<Collation, A>,
) -> Result<()> {
    into.clear();
    for column in body.columns.iter() {
        let only = match column {
            ResultColumn::Expr { expr, .. } => {
                into.try_push(expr_collation(expr, ctx)?)?;
                continue;
            }
            ResultColumn::TableStar(name) => Some(star_level(scope, name)?),
            ResultColumn::Star => None,
        };
        each_star_column(scope, only, &mut |level, i| {
            let collation = scope
                .table(level)
                .and_then(|t| t.columns.columns.get(i))
                .and_then(|c| c.collation)
                .unwrap_or_default();
            Ok(into.try_push(collation)?)
        })?;
    }
    Ok(())
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

/// The sort key `term` gives the current row of `body`, whose result
/// columns are `out`: the result column it names, else its own value
/// (its aliases reading their result columns).
pub(crate) fn sort_key<A: Allocator + Clone>(
    term: &Term<'_, '_, A>,
    body: &SelectBody<'_, A>,
    alias: Option<Ident<'_>>,
    ctx: &RowContext<'_, '_, A>,
    out: &[Value<A>],
) -> Result<Value<A>> {
    match term.output.and_then(|k| out.get(k)) {
        Some(value) => Ok(value.try_clone()?),
        None => evaluate(
            term.expr,
            &Aliased {
                row: ctx,
                body,
                out,
                // Over a join every column of its tables is bound: an
                // unbound name is no table's, and may be an alias.
                scope: &One::new(ctx.table(), alias.as_ref()),
            },
        ),
    }
}
