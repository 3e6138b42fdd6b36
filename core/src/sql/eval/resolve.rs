//! What the shape of an expression decides before it is evaluated:
//! the affinity and collation an operand brings to a comparison
//! (`sqlite3ExprAffinity`, `sqlite3ExprCollSeq`,
//! `sqlite3BinaryCompareCollSeq`), and the rewrites SQLite's parser and
//! code generator make that change results: `AND`/`OR` with a constant
//! integer side (`sqlite3ExprSimplifiedAndOr`), `x IN ()` as `TRUE` or
//! `FALSE`, `x IN (constant)` as `x == +constant`.
//!
//! Invariant: resolution reads the tree only; it evaluates nothing and
//! allocates nothing.

use crate::alloc::Allocator;
use crate::record::Collation;
use crate::sql::ast::{
    Affinity, BinaryOp, Expr, FunctionArgs, Ident, Literal, UnaryOp, affinity_of,
};
use crate::{Error, Result};

use super::EvalContext;

/// The collation called `name`.
pub fn collation_named(name: &Ident<'_>) -> Result<Collation> {
    if name.eq_ignore_ascii_case("binary") {
        Ok(Collation::Binary)
    } else if name.eq_ignore_ascii_case("nocase") {
        Ok(Collation::NoCase)
    } else if name.eq_ignore_ascii_case("rtrim") {
        Ok(Collation::RTrim)
    } else {
        Err(Error::Sql("no such collation sequence"))
    }
}

/// The affinity of `expr`: a column's, a `CAST`'s type's, or none; an
/// error only when a subquery's column could not be looked at (out of
/// memory), never taken for "none", which would compare differently.
pub fn affinity<A: Allocator + Clone, C: EvalContext<A>>(
    expr: &Expr<'_, A>,
    ctx: &C,
) -> Result<Option<Affinity>> {
    match expr {
        Expr::Column(c) => Ok(ctx.column_affinity(c)),
        Expr::Cast(c) => Ok(Some(affinity_of(c.type_name.as_ref()))),
        Expr::Collate(inner, _) => affinity(inner, ctx),
        Expr::Subquery(select) => ctx.subquery_affinity(select, 0),
        _ => Ok(None),
    }
}

/// The collation named by a `COLLATE` inside `expr`, found as SQLite
/// finds it: the operand itself, else its operands left to right.
pub fn explicit_collation<A: Allocator>(expr: &Expr<'_, A>) -> Result<Option<Collation>> {
    let first_of = |exprs: &mut dyn Iterator<Item = &Expr<'_, A>>| -> Result<Option<Collation>> {
        for e in exprs {
            if let Some(c) = explicit_collation(e)? {
                return Ok(Some(c));
            }
        }
        Ok(None)
    };
    match expr {
        Expr::Collate(_, name) => collation_named(name).map(Some),
        Expr::Unary(_, inner) => explicit_collation(inner),
        Expr::Cast(c) => explicit_collation(&c.expr),
        Expr::Binary(b) => first_of(&mut [&b.lhs, &b.rhs].into_iter()),
        Expr::Like(l) => first_of(&mut [&l.expr, &l.pattern].into_iter().chain(l.escape.as_ref())),
        Expr::Between(b) => first_of(&mut [&b.expr, &b.low, &b.high].into_iter()),
        Expr::InList(l) => first_of(&mut core::iter::once(&l.expr).chain(l.list.iter())),
        Expr::IsNull { expr, .. } => explicit_collation(expr),
        Expr::Function(f) => match &f.args {
            FunctionArgs::List(args) => first_of(&mut args.iter()),
            FunctionArgs::Star => Ok(None),
        },
        Expr::Case(c) => first_of(
            &mut c
                .operand
                .iter()
                .chain(c.arms.iter().flat_map(|a| [&a.when, &a.then]))
                .chain(c.otherwise.as_ref()),
        ),
        _ => Ok(None),
    }
}

/// The collation a column brings, through `CAST` and unary `+`.
fn implicit_collation<A: Allocator + Clone, C: EvalContext<A>>(
    expr: &Expr<'_, A>,
    ctx: &C,
) -> Option<Collation> {
    match expr {
        Expr::Column(c) => Some(ctx.column_collation(c)),
        Expr::Cast(c) => implicit_collation(&c.expr, ctx),
        Expr::Unary(UnaryOp::Plus, inner) => implicit_collation(inner, ctx),
        _ => None,
    }
}

/// The collation `expr` carries, explicit or from a column, if any.
pub fn collation<A: Allocator + Clone, C: EvalContext<A>>(
    expr: &Expr<'_, A>,
    ctx: &C,
) -> Result<Option<Collation>> {
    Ok(explicit_collation(expr)?.or_else(|| implicit_collation(expr, ctx)))
}

/// The collation comparing `lhs` with `rhs` uses.
pub fn binary_collation<A: Allocator + Clone, C: EvalContext<A>>(
    lhs: &Expr<'_, A>,
    rhs: &Expr<'_, A>,
    ctx: &C,
) -> Result<Collation> {
    if let Some(c) = explicit_collation(lhs)? {
        return Ok(c);
    }
    if let Some(c) = explicit_collation(rhs)? {
        return Ok(c);
    }
    Ok(implicit_collation(lhs, ctx)
        .or_else(|| implicit_collation(rhs, ctx))
        .unwrap_or_default())
}

/// Visits `expr` and its operands (not subqueries), stopping at the
/// first for which `found` is true.
pub(crate) fn any_node<A: Allocator>(
    expr: &Expr<'_, A>,
    found: &mut dyn FnMut(&Expr<'_, A>) -> bool,
) -> bool {
    if found(expr) {
        return true;
    }
    let mut any = |exprs: &mut dyn Iterator<Item = &Expr<'_, A>>| {
        for e in exprs {
            if any_node(e, found) {
                return true;
            }
        }
        false
    };
    match expr {
        Expr::Unary(_, inner) | Expr::Collate(inner, _) => any(&mut core::iter::once(&**inner)),
        Expr::IsNull { expr, .. } => any(&mut core::iter::once(&**expr)),
        Expr::Cast(c) => any(&mut core::iter::once(&c.expr)),
        Expr::Binary(b) => any(&mut [&b.lhs, &b.rhs].into_iter()),
        Expr::Like(l) => any(&mut [&l.expr, &l.pattern].into_iter().chain(l.escape.as_ref())),
        Expr::Between(b) => any(&mut [&b.expr, &b.low, &b.high].into_iter()),
        Expr::InList(l) => any(&mut core::iter::once(&l.expr).chain(l.list.iter())),
        Expr::Function(f) => match &f.args {
            FunctionArgs::List(args) => any(&mut args.iter()),
            FunctionArgs::Star => false,
        },
        Expr::Case(c) => any(&mut c
            .operand
            .iter()
            .chain(c.arms.iter().flat_map(|a| [&a.when, &a.then]))
            .chain(c.otherwise.as_ref())),
        Expr::Row(items) => any(&mut items.iter()),
        _ => false,
    }
}

/// Whether `expr` calls a function anywhere (SQLite's `EP_HasFunc`).
pub fn has_function<A: Allocator>(expr: &Expr<'_, A>) -> bool {
    any_node(expr, &mut |e| matches!(e, Expr::Function(_)))
}

/// Whether `expr` is constant as SQLite's `sqlite3ExprIsConstant` sees
/// it: no column, no subquery, no `random()`.
pub fn is_constant<A: Allocator>(expr: &Expr<'_, A>) -> bool {
    !any_node(expr, &mut |e| match e {
        Expr::Column(_) | Expr::InSelect(_) | Expr::Exists(_) | Expr::Subquery(_) => true,
        Expr::Function(f) => f.name.eq_ignore_ascii_case("random"),
        _ => false,
    })
}

/// The truth constant `expr` is, if it is `TRUE`, `FALSE`, or an empty
/// `IN` list whose left side calls no function (which SQLite's parser
/// turns into `TRUE` or `FALSE`), looking through `COLLATE`. `x IS`
/// such a constant tests `x`'s truth.
pub fn truth_constant<A: Allocator>(expr: &Expr<'_, A>) -> Option<bool> {
    match expr {
        Expr::Literal(Literal::Bool(b)) => Some(*b),
        Expr::InList(l) if l.list.is_empty() && !has_function(&l.expr) => Some(l.negated),
        Expr::Collate(inner, _) => truth_constant(inner),
        _ => None,
    }
}

/// Whether `expr` is an integer literal other than 0 (or `TRUE`), or 0
/// (or `FALSE`): SQLite's `EP_IsTrue` and `EP_IsFalse`.
fn literal_truth<A: Allocator>(expr: &Expr<'_, A>) -> Option<bool> {
    match expr {
        Expr::Literal(Literal::Integer(i)) => Some(*i != 0),
        Expr::Literal(Literal::Bool(b)) => Some(*b),
        _ => None,
    }
}

/// The operand an `AND` or `OR` reduces to when one side is a constant
/// that decides it or does not matter (`1 OR x` is `1`, `x AND 1` is `x`),
/// as SQLite's `sqlite3ExprSimplifiedAndOr`; `expr` itself otherwise.
/// The other side is then not evaluated at all.
pub fn simplified_and_or<'t, 'a, A: Allocator>(expr: &'t Expr<'a, A>) -> &'t Expr<'a, A> {
    let Expr::Binary(b) = expr else {
        return expr;
    };
    if !matches!(b.op, BinaryOp::And | BinaryOp::Or) {
        return expr;
    }
    let and = b.op == BinaryOp::And;
    let (l, r) = (simplified_and_or(&b.lhs), simplified_and_or(&b.rhs));
    if literal_truth(l) == Some(true) || literal_truth(r) == Some(false) {
        if and { r } else { l }
    } else if literal_truth(r) == Some(true) || literal_truth(l) == Some(false) {
        if and { l } else { r }
    } else {
        expr
    }
}
