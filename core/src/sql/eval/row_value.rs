//! Row values in expressions (SQLite's `rowvalue.html`): comparisons of
//! `(a, b, ...)` with a row value of the same size or with the first row
//! of a subquery, `IN` over a list of row values or a subquery's rows,
//! `BETWEEN`, and a `CASE` operand.
//!
//! Each pair of fields compares as the scalar comparison of the two
//! field expressions would: the affinity and the collation come from the
//! pair, never from the row as a whole. A subquery's field brings its
//! result column's affinity; its collation counts in `IN` only, as in
//! SQLite. The result is NULL exactly when NULL fields could make it
//! either true or false: `=` is false on any unequal pair, `<` decides at
//! the first pair that is not equal, NULL there if either is NULL.
//!
//! Invariants: an operand is a row value of the size the name check
//! (`exec::check`) found, so a field past a row's end or a subquery of
//! another width is an error, never a guess; fields are evaluated into
//! one buffer per operand in the context's allocator, and a subquery's
//! rows are compared as they are read, never held.

use crate::alloc::{Allocator, Vec};
use crate::record::{Collation, ValueRef};
use crate::sql::ast::{Affinity, BinaryOp, Expr, InList, InSelect};
use crate::{Error, Result};

use super::affinity::{apply_comparison_affinity, comparison_affinity};
use super::ops::comparison;
use super::resolve::{affinity, collation, explicit_collation};
use super::tree::{Val, eval};
use super::{EvalContext, SetKey, SubqueryCollation, Value};

/// SQLite's error for a row value where a single value is expected.
const MISUSED: Error = Error::Sql("row value misused");

/// How one pair of fields is compared.
#[derive(Clone, Copy)]
struct Pair {
    affinity: Option<Affinity>,
    collation: Collation,
}

/// The size of the row value among `operands` (the first `(a, b, ...)`
/// written), if any is one: a comparison of these operands compares
/// row values.
pub(super) fn row_size<A: Allocator>(operands: &[&Expr<'_, A>]) -> Option<usize> {
    operands.iter().find_map(|e| match e {
        Expr::Row(items) => Some(items.len()),
        _ => None,
    })
}

/// `lhs op rhs` for row values of `n` fields.
pub(super) fn compare<A, C>(
    op: BinaryOp,
    lhs: &Expr<'_, A>,
    rhs: &Expr<'_, A>,
    n: usize,
    ctx: &C,
) -> Result<Option<bool>>
where
    A: Allocator + Clone,
    C: EvalContext<A>,
{
    let l = fields(lhs, n, ctx)?;
    let r = fields(rhs, n, ctx)?;
    let mut pairs: Vec<Pair, A> = Vec::try_with_capacity_in(n, ctx.allocator())?;
    for i in 0..n {
        pairs.try_push(pair((lhs, i), (rhs, i), ctx)?)?;
    }
    Ok(ordered(op, &l, &r, &pairs))
}

/// `x [NOT] BETWEEN low AND high` for row values of `n` fields, as
/// `x >= low AND x <= high`.
pub(super) fn between<A, C>(
    (x, low, high): (&Expr<'_, A>, &Expr<'_, A>, &Expr<'_, A>),
    n: usize,
    ctx: &C,
) -> Result<Option<bool>>
where
    A: Allocator + Clone,
    C: EvalContext<A>,
{
    let ge = compare(BinaryOp::Ge, x, low, n, ctx)?;
    let le = compare(BinaryOp::Le, x, high, n, ctx)?;
    Ok(super::ops::and(ge, le))
}

/// `(a, b, ...) [NOT] IN ((x, y, ...), ...)`, which SQLite reads as `IN
/// (VALUES ...)`: each pair compares with the affinity and collation of
/// the list's last row, the head of that compound.
pub(super) fn in_list<A, C>(
    l: &InList<'_, A>,
    items: &[Expr<'_, A>],
    ctx: &C,
) -> Result<Option<bool>>
where
    A: Allocator + Clone,
    C: EvalContext<A>,
{
    let n = items.len();
    let Some(last) = l.list.last() else {
        return Ok(Some(l.negated));
    };
    let x = fields(&l.expr, n, ctx)?;
    let mut pairs: Vec<Pair, A> = Vec::try_with_capacity_in(n, ctx.allocator())?;
    for i in 0..n {
        pairs.try_push(pair((&l.expr, i), (last, i), ctx)?)?;
    }
    let mut found = Some(false);
    for candidate in l.list.iter() {
        let c = fields(candidate, n, ctx)?;
        match ordered(BinaryOp::Eq, &x, &c, &pairs) {
            Some(true) => {
                found = Some(true);
                break;
            }
            Some(false) => {}
            None => found = None,
        }
    }
    Ok(negated(found, l.negated))
}

/// `(a, b, ...) [NOT] IN (select)`: searched in the set the context
/// keeps of an uncorrelated subquery's rows, else the subquery's rows, of
/// as many columns, compared as they are read.
pub(super) fn in_select<A, C>(s: &InSelect<'_, A>, n: usize, ctx: &C) -> Result<Option<bool>>
where
    A: Allocator + Clone,
    C: EvalContext<A>,
{
    let x = fields(&s.expr, n, ctx)?;
    let mut pairs: Vec<Pair, A> = Vec::try_with_capacity_in(n, ctx.allocator())?;
    let Expr::Row(items) = &s.expr else {
        return Err(MISUSED);
    };
    for (i, item) in items.iter().enumerate() {
        let column = ctx.subquery_collation(&s.select, i)?;
        let mine = side_collation(item, ctx)?;
        pairs.try_push(Pair {
            affinity: comparison_affinity(
                affinity(item, ctx)?,
                ctx.subquery_affinity(&s.select, i)?,
            ),
            collation: binary_collation(mine, column),
        })?;
    }
    let mut keys: Vec<SetKey, A> = Vec::try_with_capacity_in(n, ctx.allocator())?;
    let mut probe: Vec<ValueRef<'_>, A> = Vec::try_with_capacity_in(n, ctx.allocator())?;
    for (pair, value) in pairs.iter().zip(x.iter()) {
        keys.try_push(SetKey {
            affinity: pair.affinity,
            collation: pair.collation,
        })?;
        probe.try_push(value.get())?;
    }
    if let Some(found) = ctx.subquery_member(&s.select, &probe, &keys)? {
        return Ok(negated(found, s.negated));
    }
    let mut found = Some(false);
    ctx.subquery_rows(&s.select, n, &mut |row| {
        match ordered(BinaryOp::Eq, &x, row, &pairs) {
            Some(true) => {
                found = Some(true);
                return Ok(false);
            }
            Some(false) => {}
            None => found = None,
        }
        Ok(true)
    })?;
    Ok(negated(found, s.negated))
}

/// `b` negated when `negated` is.
fn negated(b: Option<bool>, negated: bool) -> Option<bool> {
    if negated { b.map(|v| !v) } else { b }
}

/// The values of the `n` fields of `expr`: a row value's items, or the
/// first row of a subquery (NULLs when it has none).
fn fields<'e, A, C>(expr: &'e Expr<'_, A>, n: usize, ctx: &'e C) -> Result<Vec<Val<'e, A>, A>>
where
    A: Allocator + Clone,
    C: EvalContext<A>,
{
    let mut out: Vec<Val<'e, A>, A> = Vec::try_with_capacity_in(n, ctx.allocator())?;
    match expr {
        Expr::Row(items) if items.len() == n => {
            for item in items.iter() {
                out.try_push(eval(item, ctx)?)?;
            }
        }
        Expr::Subquery(select) => {
            let alloc = ctx.allocator();
            ctx.subquery_rows(select, n, &mut |row| {
                for v in row.iter().take(n) {
                    out.try_push(Val::Own(Value::try_from_ref(v.as_ref(), alloc.clone())?))?;
                }
                Ok(false)
            })?;
            while out.len() < n {
                out.try_push(Val::Ref(ValueRef::Null))?;
            }
        }
        _ => return Err(MISUSED),
    }
    Ok(out)
}

/// The collations field `expr` brings to a comparison: a `COLLATE` it
/// names, else the one it has either way.
fn side_collation<A, C>(expr: &Expr<'_, A>, ctx: &C) -> Result<SubqueryCollation>
where
    A: Allocator + Clone,
    C: EvalContext<A>,
{
    Ok(SubqueryCollation {
        explicit: explicit_collation(expr)?,
        any: collation(expr, ctx)?,
    })
}

/// The collation comparing a left field with a right one, as SQLite's
/// `sqlite3BinaryCompareCollSeq`: an explicit one, left first, then
/// either's own, left first.
fn binary_collation(l: SubqueryCollation, r: SubqueryCollation) -> Collation {
    l.explicit
        .or(r.explicit)
        .or(l.any)
        .or(r.any)
        .unwrap_or_default()
}

/// How field `i` of `lhs` compares with field `i` of `rhs`.
fn pair<A, C>(
    (lhs, i): (&Expr<'_, A>, usize),
    (rhs, j): (&Expr<'_, A>, usize),
    ctx: &C,
) -> Result<Pair>
where
    A: Allocator + Clone,
    C: EvalContext<A>,
{
    let (la, lc) = field(lhs, i, ctx)?;
    let (ra, rc) = field(rhs, j, ctx)?;
    Ok(Pair {
        affinity: comparison_affinity(la, ra),
        collation: binary_collation(lc, rc),
    })
}

/// The affinity and collations of field `i` of `expr`.
fn field<A, C>(
    expr: &Expr<'_, A>,
    i: usize,
    ctx: &C,
) -> Result<(Option<Affinity>, SubqueryCollation)>
where
    A: Allocator + Clone,
    C: EvalContext<A>,
{
    match expr {
        Expr::Row(items) => {
            let item = items.get(i).ok_or(MISUSED)?;
            Ok((affinity(item, ctx)?, side_collation(item, ctx)?))
        }
        // SQLite compares with a subquery's field under the other
        // field's collation alone, as it does a scalar subquery.
        Expr::Subquery(select) => Ok((
            ctx.subquery_affinity(select, i)?,
            SubqueryCollation::default(),
        )),
        _ => Err(MISUSED),
    }
}

/// A field's value, however it is held.
trait Field {
    fn value(&self) -> ValueRef<'_>;
}

impl<A: Allocator> Field for Value<A> {
    fn value(&self) -> ValueRef<'_> {
        self.as_ref()
    }
}

impl<A: Allocator> Field for Val<'_, A> {
    fn value(&self) -> ValueRef<'_> {
        self.get()
    }
}

/// `l op r` field by field: `=` and `IS` (and their negations) over all
/// pairs, an ordering decided at the first pair that is not equal.
fn ordered<L: Field, R: Field>(op: BinaryOp, l: &[L], r: &[R], pairs: &[Pair]) -> Option<bool> {
    let at = |i: usize, op: BinaryOp| {
        let (Some(lv), Some(rv), Some(p)) = (l.get(i), r.get(i), pairs.get(i)) else {
            return None;
        };
        let (lv, rv) = (
            apply_comparison_affinity(lv.value(), p.affinity),
            apply_comparison_affinity(rv.value(), p.affinity),
        );
        comparison(op, lv.as_ref(), rv.as_ref(), p.collation)
    };
    let n = pairs.len();
    match op {
        BinaryOp::Eq | BinaryOp::Ne => {
            let mut all = Some(true);
            for i in 0..n {
                match at(i, BinaryOp::Eq) {
                    Some(false) => {
                        all = Some(false);
                        break;
                    }
                    None => all = None,
                    Some(true) => {}
                }
            }
            negated(all, op == BinaryOp::Ne)
        }
        BinaryOp::Is | BinaryOp::IsNot => {
            let same = (0..n).all(|i| at(i, BinaryOp::Is) == Some(true));
            Some(same != (op == BinaryOp::IsNot))
        }
        _ => {
            let strict = match op {
                BinaryOp::Lt | BinaryOp::Le => BinaryOp::Lt,
                _ => BinaryOp::Gt,
            };
            for i in 0..n.saturating_sub(1) {
                match at(i, BinaryOp::Eq) {
                    Some(true) => {}
                    Some(false) => return at(i, strict),
                    None => return None,
                }
            }
            at(n.saturating_sub(1), op)
        }
    }
}
