//! `ORDER BY` and `DISTINCT`: every row that passes `WHERE` is collected
//! with its sort keys, duplicates are dropped for `DISTINCT`, the rest
//! sorted in place, then `OFFSET` and `LIMIT` are applied.
//!
//! Invariants: memory grows with the rows kept and a refusal is
//! `OutOfMemory` (nothing spills); sorting and dropping duplicates are in
//! place (no hidden allocation) and ties keep scan order, through a
//! sequence number stored after the keys; TEXT keys compare with their
//! column's collation (BINARY for any other expression), `DISTINCT` with
//! BINARY, and two NULLs are not distinct.

use core::cmp::Ordering;

use boundlite_platform::Platform;

use crate::alloc::{Allocator, TryClone, Vec};
use crate::record::{Collation, SortOrder, compare_values};
use crate::sql::eval::{Value, evaluate};
use crate::sql::{Expr, Literal, NullsOrder, OrderingTerm, ResultColumn, Select, SelectBody};
use crate::{Error, Result};

use super::Env;
use super::context::RowContext;
use super::select::{from_of, matches, output};
use super::source::Source;

/// The rows of `select`, sorted, offset and limited.
pub(crate) fn run<P: Platform, A: Allocator + Clone>(
    source: &mut Source<'_, P, A>,
    select: &Select<'_, A>,
    body: &SelectBody<'_, A>,
    env: Env<'_, A>,
    skip: u64,
    remaining: Option<u64>,
) -> Result<Vec<Vec<Value<A>, A>, A>> {
    let alloc = env.alloc.clone();
    let alias = from_of(body)?.and_then(|(_, a)| a);
    let terms = &select.order_by;
    let mut rows: Vec<Vec<Value<A>, A>, A> = Vec::new_in(alloc.clone());
    let mut out = Vec::new_in(alloc.clone());
    let mut collations = Vec::try_with_capacity_in(terms.len(), alloc.clone())?;
    while source.advance()? {
        let seq = i64::try_from(rows.len()).map_err(|_| Error::OutOfMemory)?;
        let row = source.with_row(env, alias, |ctx| {
            if !matches(body, ctx)? {
                return Ok(None);
            }
            output(body, ctx, &mut out)?;
            if collations.is_empty() {
                for term in terms.iter() {
                    collations.try_push(term_collation(&term.expr, body, ctx))?;
                }
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
            rows.try_push(row)?;
        }
    }
    finish(rows, terms, &collations, body.distinct, skip, remaining)
}

/// The collation the sort key `expr` compares TEXT with: that of the
/// column it is, or of the result column it names by number or alias,
/// BINARY otherwise.
pub(crate) fn term_collation<A: Allocator + Clone>(
    expr: &Expr<'_, A>,
    body: &SelectBody<'_, A>,
    ctx: &RowContext<'_, '_, A>,
) -> Collation {
    let result = |i: usize| match body.columns.get(i) {
        Some(ResultColumn::Expr { expr, .. }) => Some(expr),
        _ => None,
    };
    let target = match (expr.as_literal(), expr.as_column()) {
        (Some(Literal::Integer(k)), _) => usize::try_from(*k)
            .ok()
            .and_then(|k| k.checked_sub(1))
            .and_then(result),
        (_, Some(c)) if c.table.is_none() => body
            .columns
            .iter()
            .position(|rc| {
                matches!(rc, ResultColumn::Expr { alias: Some(a), .. } if a.as_str().is_some_and(|a| c.column.eq_ignore_ascii_case(a)))
            })
            .and_then(result)
            .or(Some(expr)),
        _ => Some(expr),
    };
    match target.and_then(|e| e.as_column()) {
        Some(c) => crate::sql::eval::EvalContext::column_collation(ctx, c),
        None => Collation::Binary,
    }
}

/// Collected rows, each `[sort keys..., sequence number, result
/// columns...]`, made the result: without duplicate result columns when
/// `distinct`, sorted by `terms` then sequence, offset, limited, and with
/// only their result columns.
pub(crate) fn finish<A: Allocator>(
    mut rows: Vec<Vec<Value<A>, A>, A>,
    terms: &[OrderingTerm<'_, A>],
    collations: &[Collation],
    distinct: bool,
    skip: u64,
    remaining: Option<u64>,
) -> Result<Vec<Vec<Value<A>, A>, A>> {
    let keys = terms.len() + 1;
    if distinct {
        let outputs = |row: &[Value<A>]| row.get(keys..).unwrap_or(&[]).len();
        let compare_outputs = |a: &Vec<Value<A>, A>, b: &Vec<Value<A>, A>| {
            let (x, y) = (a.get(keys..).unwrap_or(&[]), b.get(keys..).unwrap_or(&[]));
            x.iter()
                .zip(y.iter())
                .map(|(x, y)| compare_values(&x.as_ref(), &y.as_ref(), Collation::Binary))
                .find(|o| o.is_ne())
                .unwrap_or_else(|| outputs(a).cmp(&outputs(b)))
        };
        rows.sort_unstable_by(|a, b| {
            compare_outputs(a, b).then_with(|| compare_sequence(a, b, terms.len()))
        });
        // Keeps the first row of each run of equal ones, in place.
        let mut kept = 0;
        for next in 1..rows.len() {
            let duplicate = match (rows.get(kept), rows.get(next)) {
                (Some(a), Some(b)) => compare_outputs(a, b).is_eq(),
                _ => false,
            };
            if !duplicate {
                kept += 1;
                rows.swap(kept, next);
            }
        }
        rows.truncate(kept + 1);
    }
    rows.sort_unstable_by(|a, b| compare_rows(a, b, terms, collations));
    let skip = usize::try_from(skip).unwrap_or(usize::MAX).min(rows.len());
    drop(rows.drain(..skip));
    if let Some(limit) = remaining {
        rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    }
    for row in rows.iter_mut() {
        drop(row.drain(..keys.min(row.len())));
    }
    Ok(rows)
}

/// The order of two collected rows by their sequence numbers, stored
/// at `seq`.
fn compare_sequence<A: Allocator>(a: &[Value<A>], b: &[Value<A>], seq: usize) -> Ordering {
    compare_values(
        &a.get(seq)
            .map_or(crate::record::ValueRef::Null, Value::as_ref),
        &b.get(seq)
            .map_or(crate::record::ValueRef::Null, Value::as_ref),
        Collation::Binary,
    )
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
        let by_alias = body.columns.iter().position(|rc| {
            matches!(rc, ResultColumn::Expr { alias: Some(a), .. } if a.as_str().is_some_and(|a| c.column.eq_ignore_ascii_case(a)))
        });
        if let Some(value) = by_alias.and_then(|i| out.get(i)) {
            return Ok(value.try_clone()?);
        }
    }
    evaluate(expr, ctx)
}

/// The order of two collected rows by `terms`, then by scan order.
fn compare_rows<A: Allocator>(
    a: &[Value<A>],
    b: &[Value<A>],
    terms: &[OrderingTerm<'_, A>],
    collations: &[Collation],
) -> Ordering {
    for (i, term) in terms.iter().enumerate() {
        let (Some(x), Some(y)) = (a.get(i), b.get(i)) else {
            break;
        };
        let desc = term.order == Some(SortOrder::Desc);
        let nulls_first = match term.nulls {
            Some(NullsOrder::First) => true,
            Some(NullsOrder::Last) => false,
            None => !desc,
        };
        let ordering = match (x.is_null(), y.is_null()) {
            (true, true) => Ordering::Equal,
            (true, false) if nulls_first => Ordering::Less,
            (true, false) => Ordering::Greater,
            (false, true) if nulls_first => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => {
                let collation = collations.get(i).copied().unwrap_or_default();
                let o = compare_values(&x.as_ref(), &y.as_ref(), collation);
                if desc { o.reverse() } else { o }
            }
        };
        if ordering.is_ne() {
            return ordering;
        }
    }
    compare_sequence(a, b, terms.len())
}
