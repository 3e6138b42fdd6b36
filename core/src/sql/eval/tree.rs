//! The recursive walk behind [`evaluate`](super::evaluate): each node's
//! value from its children's, borrowed when it can be.
//!
//! Invariant: a [`Val`] borrows only from the expression tree (literals)
//! or the context (columns, parameters); computed text and BLOBs are
//! owned, in the context's allocator.

use crate::alloc::{Allocator, Vec};
use crate::record::{Collation, ValueRef, ValueType};
use crate::sql::ast::{
    Between, Binary, BinaryOp, Case, Expr, FunctionArgs, FunctionCall, Ident, InList, InSelect,
    Like, LikeOp, Literal, UnaryOp, affinity_of,
};
use crate::{Error, Named, Result};

use super::ColumnJson;
use super::affinity::{apply_comparison_affinity, comparison_affinity};
use super::cast::{bytes_of, cast, text_of, truth};
use super::func::{self, Output, Scalar};
use super::json::{self, JsonFn, Subtype};
use super::like::{MAX_PATTERN_LENGTH, escape_of, glob, like};
use super::ops::{and, arithmetic, bit_not, bitwise, comparison, concat, negate, or, truth_value};
use super::resolve::{
    affinity, binary_collation, collation, collation_named, explicit_collation, is_constant,
    simplified_and_or, truth_constant,
};
use super::{EvalContext, SetKey, Shape, Value, row_value};

/// A value during evaluation: borrowed, or owned.
pub enum Val<'v, A: Allocator> {
    /// Borrowed from the tree or the context, or needing no memory.
    Ref(ValueRef<'v>),
    /// Computed.
    Own(Value<A>),
}

impl<A: Allocator> Val<'_, A> {
    /// The value.
    pub fn get(&self) -> ValueRef<'_> {
        match self {
            Val::Ref(v) => *v,
            Val::Own(v) => v.as_ref(),
        }
    }

    /// The value, owned (copying borrowed text or BLOB into `alloc`).
    pub fn into_value(self, alloc: A) -> Result<Value<A>> {
        match self {
            Val::Own(v) => Ok(v),
            Val::Ref(v) => Ok(Value::try_from_ref(v, alloc)?),
        }
    }
}

/// The result of a comparison or a logical operator.
fn boolean<'v, A: Allocator>(b: Option<bool>) -> Result<Val<'v, A>> {
    Ok(Val::Ref(truth_value(b)))
}

/// Evaluates `expr`.
pub fn eval<'e, A, C>(expr: &'e Expr<'_, A>, ctx: &'e C) -> Result<Val<'e, A>>
where
    A: Allocator + Clone,
    C: EvalContext<A>,
{
    match expr {
        Expr::Literal(l) => literal(l, ctx),
        Expr::Column(c) => Ok(Val::Ref(ctx.column(c)?)),
        Expr::Param(p) => Ok(Val::Ref(ctx.param(p.number)?)),
        Expr::Unary(op, inner) => {
            let v = eval(inner, ctx)?;
            Ok(match op {
                UnaryOp::Plus => v,
                // SQLite negates a real literal itself (so `-0.0` is
                // negative zero) and computes `0 - x` for anything else.
                UnaryOp::Neg => match inner.as_literal() {
                    Some(Literal::Real(r)) => Val::Ref(ValueRef::real(-r)),
                    _ => Val::Ref(negate(v.get())),
                },
                UnaryOp::BitNot => Val::Ref(bit_not(v.get())),
                UnaryOp::Not => Val::Ref(truth_value(truth(v.get()).map(|b| !b))),
            })
        }
        Expr::Binary(b) => binary(expr, b, ctx),
        Expr::Collate(inner, name) => {
            collation_named(name)?;
            eval(inner, ctx)
        }
        Expr::Like(l) => boolean(like_truth(l, ctx)?),
        Expr::Between(b) => between(b, ctx),
        Expr::InList(l) => in_list(l, ctx),
        Expr::IsNull { expr, negated } => {
            let v = eval(expr, ctx)?;
            boolean(Some(v.get().is_null() != *negated))
        }
        Expr::Function(f) => function(f, ctx),
        Expr::Case(c) => case(c, ctx),
        Expr::Cast(c) => {
            let v = eval(&c.expr, ctx)?;
            let target = affinity_of(c.type_name.as_ref());
            Ok(Val::Own(cast(v.get(), target, ctx.allocator())?))
        }
        Expr::Exists(select) => {
            let mut found = false;
            ctx.subquery(select, Shape::Rows, &mut |_| {
                found = true;
                Ok(false)
            })?;
            boolean(Some(found))
        }
        Expr::Subquery(select) => {
            let mut first = None;
            let alloc = ctx.allocator();
            ctx.subquery(select, Shape::Column, &mut |v| {
                first = Some(Value::try_from_ref(v, alloc.clone())?);
                Ok(false)
            })?;
            Ok(first.map_or(Val::Ref(ValueRef::Null), Val::Own))
        }
        Expr::InSelect(s) => in_select(s, ctx),
        Expr::Row(_) => Err(Error::Sql("row value misused")),
        Expr::Raise(raise) => Err(ctx.raise(raise)),
    }
}

/// Evaluates an operand: a column, parameter or literal directly (the
/// leaves every row reaches), anything else through [`eval`].
#[inline]
fn operand<'e, A, C>(expr: &'e Expr<'_, A>, ctx: &'e C) -> Result<Val<'e, A>>
where
    A: Allocator + Clone,
    C: EvalContext<A>,
{
    match expr {
        Expr::Column(c) => Ok(Val::Ref(ctx.column(c)?)),
        Expr::Param(p) => Ok(Val::Ref(ctx.param(p.number)?)),
        Expr::Literal(l) => literal(l, ctx),
        _ => eval(expr, ctx),
    }
}

/// The truth of `expr` (`None`: NULL), as `WHERE` reads it: what
/// [`eval`] then [`truth`] give, without building a value for the
/// operators whose result is a truth.
pub fn condition<A, C>(expr: &Expr<'_, A>, ctx: &C) -> Result<Option<bool>>
where
    A: Allocator + Clone,
    C: EvalContext<A>,
{
    match expr {
        Expr::Like(l) => like_truth(l, ctx),
        Expr::Binary(b) if matches!(b.op, BinaryOp::And | BinaryOp::Or) => {
            let alt = simplified_and_or(expr);
            if !core::ptr::eq(alt, expr) {
                return condition(alt, ctx);
            }
            // Both sides, as in `binary`.
            let (l, r) = (condition(&b.lhs, ctx)?, condition(&b.rhs, ctx)?);
            Ok(if b.op == BinaryOp::And {
                and(l, r)
            } else {
                or(l, r)
            })
        }
        Expr::Unary(UnaryOp::Not, inner) => Ok(condition(inner, ctx)?.map(|b| !b)),
        _ => Ok(truth(eval(expr, ctx)?.get())),
    }
}

/// The error of `'now'` where the context has no clock.
const NO_CLOCK: Error = Error::Sql("date and time functions need a clock: 'now' is not available");

/// `CURRENT_TIME`, `CURRENT_DATE` and `CURRENT_TIMESTAMP`: `time()`,
/// `date()` and `datetime()` of the context's `'now'`.
fn current<'e, A, C>(l: &Literal<'_>, ctx: &C) -> Result<Val<'e, A>>
where
    A: Allocator + Clone,
    C: EvalContext<A>,
{
    let function = match l {
        Literal::CurrentTime => Scalar::Time,
        Literal::CurrentDate => Scalar::Date,
        _ => Scalar::DateTime,
    };
    let clock = || ctx.now_unix_millis().ok_or(NO_CLOCK);
    let mut random = || ctx.random();
    match func::call(
        function,
        &[],
        crate::record::Collation::Binary,
        &mut random,
        &clock,
        ctx.allocator(),
    )? {
        Output::Value(v) => Ok(Val::Own(v)),
        Output::Arg(_) => Ok(Val::Ref(ValueRef::Null)),
    }
}

/// A literal's value; text is borrowed unless it has quotes to undouble.
fn literal<'e, A, C>(l: &Literal<'e>, ctx: &C) -> Result<Val<'e, A>>
where
    A: Allocator + Clone,
    C: EvalContext<A>,
{
    let alloc = ctx.allocator();
    Ok(match *l {
        Literal::Null => Val::Ref(ValueRef::Null),
        Literal::Integer(i) => Val::Ref(ValueRef::Integer(i)),
        Literal::Real(r) => Val::Ref(ValueRef::real(r)),
        Literal::Bool(b) => Val::Ref(ValueRef::Integer(i64::from(b))),
        Literal::String(s) => match s.as_str() {
            Some(text) => Val::Ref(ValueRef::text(text)),
            None => Val::Own(Value::Text(s.to_string_in(alloc)?.into_bytes())),
        },
        Literal::Blob(b) => Val::Own(Value::Blob(b.to_vec_in(alloc)?)),
        Literal::CurrentTime | Literal::CurrentDate | Literal::CurrentTimestamp => {
            return current(l, ctx);
        }
    })
}

/// Compares two evaluated operands of `lhs op rhs` with the affinity and
/// collation their expressions give.
fn compare_exprs<A, C>(
    op: BinaryOp,
    (lhs, l): (&Expr<'_, A>, ValueRef<'_>),
    (rhs, r): (&Expr<'_, A>, ValueRef<'_>),
    ctx: &C,
) -> Result<Option<bool>>
where
    A: Allocator + Clone,
    C: EvalContext<A>,
{
    let aff = comparison_affinity(affinity(lhs, ctx)?, affinity(rhs, ctx)?);
    let (l, r) = (
        apply_comparison_affinity(l, aff),
        apply_comparison_affinity(r, aff),
    );
    // A collation orders two texts only, and a leaf names none that
    // could be an error: between leaves, anything else is compared
    // without looking for one.
    let texts = matches!(
        (l.as_ref(), r.as_ref()),
        (ValueRef::Text(_), ValueRef::Text(_))
    );
    let coll = match texts || !is_leaf(lhs) || !is_leaf(rhs) {
        true => binary_collation(lhs, rhs, ctx)?,
        false => Collation::Binary,
    };
    Ok(comparison(op, l.as_ref(), r.as_ref(), coll))
}

/// Whether `expr` is a column, literal or parameter: an operand with no
/// `COLLATE` in it.
fn is_leaf<A: Allocator>(expr: &Expr<'_, A>) -> bool {
    matches!(expr, Expr::Column(_) | Expr::Literal(_) | Expr::Param(_))
}

/// `lhs op rhs`.
fn binary<'e, A, C>(expr: &'e Expr<'_, A>, b: &'e Binary<'_, A>, ctx: &'e C) -> Result<Val<'e, A>>
where
    A: Allocator + Clone,
    C: EvalContext<A>,
{
    if matches!(b.op, BinaryOp::And | BinaryOp::Or) {
        let alt = simplified_and_or(expr);
        if !core::ptr::eq(alt, expr) {
            return boolean(truth(eval(alt, ctx)?.get()));
        }
    }
    if b.op.compares()
        && let Some(n) = row_value::row_size(&[&b.lhs, &b.rhs])
    {
        return boolean(row_value::compare(b.op, &b.lhs, &b.rhs, n, ctx)?);
    }
    // Both sides are evaluated otherwise, as SQLite's code generator
    // does, so an error on either side is an error.
    let l = operand(&b.lhs, ctx)?;
    let r = operand(&b.rhs, ctx)?;
    let (lv, rv) = (l.get(), r.get());
    match b.op {
        BinaryOp::And => boolean(and(truth(lv), truth(rv))),
        BinaryOp::Or => boolean(or(truth(lv), truth(rv))),
        BinaryOp::Eq
        | BinaryOp::Ne
        | BinaryOp::Is
        | BinaryOp::IsNot
        | BinaryOp::Lt
        | BinaryOp::Le
        | BinaryOp::Gt
        | BinaryOp::Ge => match (b.op, truth_constant(&b.rhs)) {
            // `x IS TRUE`, `x IS NOT FALSE`...: SQLite tests x's truth.
            (BinaryOp::Is, Some(t)) => boolean(Some(truth(lv) == Some(t))),
            (BinaryOp::IsNot, Some(t)) => boolean(Some(truth(lv) != Some(t))),
            _ => boolean(compare_exprs(b.op, (&b.lhs, lv), (&b.rhs, rv), ctx)?),
        },
        BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => {
            Ok(Val::Ref(arithmetic(b.op, lv, rv)))
        }
        BinaryOp::BitAnd | BinaryOp::BitOr | BinaryOp::ShiftLeft | BinaryOp::ShiftRight => {
            Ok(Val::Ref(bitwise(b.op, lv, rv)))
        }
        BinaryOp::Concat => Ok(Val::Own(concat(lv, rv, ctx.allocator())?)),
        BinaryOp::Extract | BinaryOp::ExtractValue => {
            let how = if b.op == BinaryOp::Extract {
                json::Extract::Json
            } else {
                json::Extract::Sql
            };
            Ok(Val::Own(
                json::extract(lv, rv, how, &ctx.allocator())?.value,
            ))
        }
    }
}

/// `x [NOT] LIKE|GLOB pattern [ESCAPE e]`, by SQLite's `likeFunc`.
fn like_truth<A, C>(l: &Like<'_, A>, ctx: &C) -> Result<Option<bool>>
where
    A: Allocator + Clone,
    C: EvalContext<A>,
{
    // A column matched against a literal or bound pattern, the common
    // shape of a filtering scan: straight to the matcher when both are
    // text, without building operand values.
    if let (Expr::Column(c), None) = (&l.expr, &l.escape) {
        let pattern = match &l.pattern {
            Expr::Literal(_) => l.literal_pattern.map(str::as_bytes),
            Expr::Param(p) => match ctx.param(p.number)? {
                ValueRef::Text(t) => Some(t),
                _ => None,
            },
            _ => None,
        };
        if let Some(pattern) = pattern.filter(|p| p.len() <= MAX_PATTERN_LENGTH)
            && let ValueRef::Text(text) = ctx.column(c)?
        {
            return matched(l, pattern, text, None);
        }
    }
    let x = operand(&l.expr, ctx)?;
    let p = operand(&l.pattern, ctx)?;
    let escape = l.escape.as_ref().map(|e| operand(e, ctx)).transpose()?;
    if !matches!(l.op, LikeOp::Like | LikeOp::Glob) {
        return Err(unknown_operator(l.op));
    }
    let (pt, xt) = (text_of(p.get()), text_of(x.get()));
    if pt.as_ref().map_or(0, |t| bytes_of(t).len()) > MAX_PATTERN_LENGTH {
        return Err(Error::Sql("LIKE or GLOB pattern too complex"));
    }
    let escape_char = match escape {
        None => None,
        Some(e) => {
            if l.op == LikeOp::Glob {
                return Err(Error::Sql("ESCAPE is not supported with GLOB"));
            }
            let Some(et) = text_of(e.get()) else {
                return Ok(None);
            };
            Some(escape_of(bytes_of(&et))?)
        }
    };
    let (Some(pt), Some(xt)) = (pt, xt) else {
        return Ok(None);
    };
    matched(l, bytes_of(&pt), bytes_of(&xt), escape_char)
}

/// Whether `text` matches `pattern` under `l`'s operator, `NOT` applied.
fn matched<A: Allocator>(
    l: &Like<'_, A>,
    pattern: &[u8],
    text: &[u8],
    escape: Option<u32>,
) -> Result<Option<bool>> {
    let matched = match l.op {
        LikeOp::Like => like(pattern, text, escape),
        LikeOp::Glob => glob(pattern, text),
        LikeOp::Regexp | LikeOp::Match => return Err(unknown_operator(l.op)),
    };
    Ok(Some(matched != l.negated))
}

/// `x [NOT] BETWEEN low AND high`, as `x >= low AND x <= high`.
fn between<'e, A, C>(b: &'e Between<'_, A>, ctx: &'e C) -> Result<Val<'e, A>>
where
    A: Allocator + Clone,
    C: EvalContext<A>,
{
    if let Some(n) = row_value::row_size(&[&b.expr, &b.low, &b.high]) {
        let inside = row_value::between((&b.expr, &b.low, &b.high), n, ctx)?;
        return boolean(if b.negated {
            inside.map(|v| !v)
        } else {
            inside
        });
    }
    let x = operand(&b.expr, ctx)?;
    let low = operand(&b.low, ctx)?;
    let high = operand(&b.high, ctx)?;
    let ge = compare_exprs(BinaryOp::Ge, (&b.expr, x.get()), (&b.low, low.get()), ctx)?;
    let le = compare_exprs(BinaryOp::Le, (&b.expr, x.get()), (&b.high, high.get()), ctx)?;
    let inside = and(ge, le);
    boolean(if b.negated {
        inside.map(|v| !v)
    } else {
        inside
    })
}

/// `x [NOT] IN (list)`: true on a match, else NULL if `x` or any
/// candidate is NULL, else false; an empty list is always false. The
/// comparison uses `x`'s affinity and collation only, as SQLite does.
#[inline(never)]
fn in_list<'e, A, C>(l: &'e InList<'_, A>, ctx: &'e C) -> Result<Val<'e, A>>
where
    A: Allocator + Clone,
    C: EvalContext<A>,
{
    if l.list.is_empty() {
        return boolean(Some(l.negated));
    }
    if let Expr::Row(items) = &l.expr {
        return boolean(row_value::in_list(l, items, ctx)?);
    }
    if let [single] = l.list.as_slice() {
        if is_constant(single) && !matches!(single, Expr::Collate(..)) {
            // SQLite's parser makes this `x == +single`: the comparison's
            // affinity is x's (unary `+` has none), its collation either's.
            let x = eval(&l.expr, ctx)?;
            let v = eval(single, ctx)?;
            let aff = comparison_affinity(affinity(&l.expr, ctx)?, None);
            let coll = binary_collation(&l.expr, single, ctx)?;
            let (xv, vv) = (
                apply_comparison_affinity(x.get(), aff),
                apply_comparison_affinity(v.get(), aff),
            );
            let equal = comparison(BinaryOp::Eq, xv.as_ref(), vv.as_ref(), coll);
            return boolean(if l.negated { equal.map(|v| !v) } else { equal });
        }
    }
    let x = eval(&l.expr, ctx)?;
    let aff = affinity(&l.expr, ctx)?;
    let coll = collation(&l.expr, ctx)?.unwrap_or_default();
    let xv = apply_comparison_affinity(x.get(), aff);
    let mut found = if xv.as_ref().is_null() {
        None
    } else {
        Some(false)
    };
    for candidate in l.list.iter() {
        if found.is_none() && xv.as_ref().is_null() {
            break;
        }
        let v = eval(candidate, ctx)?;
        let v = apply_comparison_affinity(v.get(), aff);
        match comparison(BinaryOp::Eq, xv.as_ref(), v.as_ref(), coll) {
            Some(true) => {
                found = Some(true);
                break;
            }
            Some(false) => {}
            None => found = None,
        }
    }
    boolean(if l.negated { found.map(|v| !v) } else { found })
}

/// `x [NOT] IN (select)`: searched in the set the context keeps of an
/// uncorrelated subquery's values, else the subquery is run again for
/// each probe, so its rows are never held. True on a match, else NULL if `x` or any
/// candidate is NULL, else false; no rows is always false. The
/// comparison takes the affinity and the collation of `x = column`, as
/// SQLite's `exprINAffinity` and `sqlite3BinaryCompareCollSeq` give them.
#[inline(never)]
fn in_select<'e, A, C>(s: &'e InSelect<'_, A>, ctx: &'e C) -> Result<Val<'e, A>>
where
    A: Allocator + Clone,
    C: EvalContext<A>,
{
    if let Expr::Row(items) = &s.expr {
        return boolean(row_value::in_select(s, items.len(), ctx)?);
    }
    let x = eval(&s.expr, ctx)?;
    let aff = comparison_affinity(
        affinity(&s.expr, ctx)?,
        ctx.subquery_affinity(&s.select, 0)?,
    );
    let column = ctx.subquery_collation(&s.select, 0)?;
    let coll = match (explicit_collation(&s.expr)?, column.explicit) {
        (Some(c), _) | (None, Some(c)) => c,
        (None, None) => collation(&s.expr, ctx)?.or(column.any).unwrap_or_default(),
    };
    let key = SetKey {
        affinity: aff,
        collation: coll,
    };
    if let Some(found) = ctx.subquery_member(&s.select, &[x.get()], &[key])? {
        return boolean(if s.negated { found.map(|v| !v) } else { found });
    }
    let xv = apply_comparison_affinity(x.get(), aff);
    let mut found = Some(false);
    ctx.subquery(&s.select, Shape::Column, &mut |v| {
        let v = apply_comparison_affinity(v, aff);
        match comparison(BinaryOp::Eq, xv.as_ref(), v.as_ref(), coll) {
            Some(true) => {
                found = Some(true);
                return Ok(false);
            }
            Some(false) => {}
            None => found = None,
        }
        Ok(true)
    })?;
    boolean(if s.negated { found.map(|v| !v) } else { found })
}

/// `CASE [operand] WHEN ... THEN ... [ELSE ...] END`.
#[inline(never)]
fn case<'e, A, C>(c: &'e Case<'_, A>, ctx: &'e C) -> Result<Val<'e, A>>
where
    A: Allocator + Clone,
    C: EvalContext<A>,
{
    let rows = c.operand.as_ref().is_some_and(|o| {
        c.arms
            .iter()
            .any(|arm| row_value::row_size(&[o, &arm.when]).is_some())
    });
    let operand = match &c.operand {
        Some(o) if !rows => Some(eval(o, ctx)?),
        _ => None,
    };
    for arm in c.arms.iter() {
        if let (Some(o), true) = (&c.operand, rows) {
            let n = row_value::row_size(&[o, &arm.when]).ok_or(Error::Sql("row value misused"))?;
            if row_value::compare(BinaryOp::Eq, o, &arm.when, n, ctx)? == Some(true) {
                return eval(&arm.then, ctx);
            }
            continue;
        }
        let w = eval(&arm.when, ctx)?;
        let hit = match (&c.operand, &operand) {
            (Some(o), Some(ov)) => {
                compare_exprs(BinaryOp::Eq, (o, ov.get()), (&arm.when, w.get()), ctx)?
            }
            _ => truth(w.get()),
        };
        if hit == Some(true) {
            return eval(&arm.then, ctx);
        }
    }
    match &c.otherwise {
        Some(e) => eval(e, ctx),
        None => Ok(Val::Ref(ValueRef::Null)),
    }
}

/// The names SQLite gives its aggregate functions, which the executor
/// computes.
const AGGREGATES: [&str; 8] = [
    "count",
    "sum",
    "total",
    "avg",
    "group_concat",
    "string_agg",
    "json_group_array",
    "json_group_object",
];

/// The error SQLite reports when it prepares a call of a scalar or
/// aggregate function with an argument count the function does not take,
/// whether or not the call is ever evaluated; `None` when the count fits
/// or the function is a window function (checked with its window).
pub(crate) fn argument_count_error<A: Allocator>(f: &FunctionCall<'_, A>) -> Option<Error> {
    let FunctionArgs::List(args) = &f.args else {
        return None;
    };
    let n = args.len();
    if let Some(scalar) = Scalar::lookup(&f.name) {
        // `min(x)` and `max(x)` are the aggregates.
        let aggregate = matches!(scalar, Scalar::Min | Scalar::Max) && n == 1;
        return (!aggregate && !scalar.accepts(n)).then(|| Scalar::wrong_count(&f.name));
    }
    let named = |names: &[&str]| names.iter().any(|x| f.name.eq_ignore_ascii_case(x));
    let fits = if named(&["count"]) {
        n <= 1
    } else if named(&["sum", "total", "avg", "json_group_array"]) {
        n == 1
    } else if named(&["group_concat"]) {
        n == 1 || n == 2
    } else if named(&["string_agg", "json_group_object"]) {
        n == 2
    } else {
        return None;
    };
    (!fits).then(|| Named::WrongArgumentCount.error(f.name.raw()))
}

/// Whether `name` is a function this engine computes: scalar,
/// aggregate or window.
pub(crate) fn is_function(name: &Ident<'_>) -> bool {
    Scalar::lookup(name).is_some()
        || AGGREGATES
            .iter()
            .chain(WINDOW_ONLY.iter())
            .any(|n| name.eq_ignore_ascii_case(n))
}

/// SQLite's error for `MATCH` and `REGEXP`, whose functions an
/// application registers and this engine has none of.
fn unknown_operator(op: LikeOp) -> Error {
    match op {
        LikeOp::Match => Error::Sql("unable to use function MATCH in the requested context"),
        _ => Error::Named(
            crate::Named::NoSuchFunction,
            crate::ConstraintName::new(op.as_str()),
        ),
    }
}

/// SQLite's error for a call of a function that does not exist:
/// `no such function: f`, the name as written less its quotes.
pub(crate) fn no_such_function(name: &Ident<'_>) -> Error {
    if let Some(refused) = json::refused(name) {
        return refused;
    }
    Error::Named(
        crate::Named::NoSuchFunction,
        crate::ConstraintName::format(format_args!("{}", name.chars())),
    )
}

/// The names of SQLite's functions that are window functions only.
const WINDOW_ONLY: [&str; 11] = [
    "row_number",
    "rank",
    "dense_rank",
    "percent_rank",
    "cume_dist",
    "ntile",
    "lag",
    "lead",
    "first_value",
    "last_value",
    "nth_value",
];

/// The error for a call with `OVER` or `FILTER` evaluated where no
/// window or group gave it a value, or for a window function called
/// without `OVER`; `None` for any other call.
fn window_misuse<A: Allocator>(f: &FunctionCall<'_, A>) -> Option<Error> {
    let named = |names: &[&str]| names.iter().any(|n| f.name.eq_ignore_ascii_case(n));
    let window_only = named(&WINDOW_ONLY);
    let aggregate = named(&AGGREGATES) || named(&["min", "max"]);
    let name = f.name.raw();
    if f.over.is_some() || window_only {
        return Some(if window_only || aggregate {
            Named::MisuseWindow.error(name)
        } else {
            Named::NotWindowFunction.error(name)
        });
    }
    if f.filter.is_some() && !aggregate {
        return Some(Named::FilterNonAggregate.error(name));
    }
    None
}

/// `name(args)`.
#[inline(never)]
fn function<'e, A, C>(f: &'e FunctionCall<'_, A>, ctx: &'e C) -> Result<Val<'e, A>>
where
    A: Allocator + Clone,
    C: EvalContext<A>,
{
    if let Some(value) = ctx.aggregate(f) {
        return Ok(Val::Ref(value));
    }
    if let Some(e) = window_misuse(f) {
        return Err(e);
    }
    let FunctionArgs::List(args) = &f.args else {
        return Err(Error::Sql("misuse of aggregate function"));
    };
    let Some(scalar) = Scalar::lookup(&f.name) else {
        if AGGREGATES.iter().any(|n| f.name.eq_ignore_ascii_case(n)) {
            return Err(Error::Sql("misuse of aggregate function"));
        }
        return Err(no_such_function(&f.name));
    };
    if !scalar.accepts(args.len()) {
        if matches!(scalar, Scalar::Min | Scalar::Max) && args.len() == 1 {
            return Err(Error::Sql("misuse of aggregate function"));
        }
        return Err(Scalar::wrong_count(&f.name));
    }
    if scalar == Scalar::Likelihood
        && !matches!(args.get(1), Some(Expr::Literal(Literal::Real(p))) if *p <= 1.0)
    {
        return Err(Error::Sql(
            "second argument to likelihood() must be a constant between 0.0 and 1.0",
        ));
    }
    if f.distinct {
        return Err(Error::Sql("DISTINCT is only for aggregate functions"));
    }
    match scalar {
        Scalar::Coalesce | Scalar::IfNull => {
            let mut last = Val::Ref(ValueRef::Null);
            for arg in args.iter() {
                last = eval(arg, ctx)?;
                if !last.get().is_null() {
                    break;
                }
            }
            return Ok(last);
        }
        Scalar::Iif => {
            let chosen = match truth(eval_arg(args, 0, ctx)?.get()) {
                Some(true) => 1,
                _ => 2,
            };
            return eval_arg(args, chosen, ctx);
        }
        Scalar::LastInsertRowid | Scalar::Changes | Scalar::TotalChanges => {
            let [last, changes, total] = ctx.change_counts().ok_or(Error::Sql(
                "last_insert_rowid(), changes() and total_changes() are not available here",
            ))?;
            let n = match scalar {
                Scalar::LastInsertRowid => last,
                Scalar::Changes => changes,
                _ => total,
            };
            return Ok(Val::Ref(ValueRef::Integer(n)));
        }
        _ => {}
    }
    if let Scalar::Json(f) = scalar {
        return json_call(f, args, ctx);
    }
    if let Some(known) = from_shape(scalar, args, ctx)? {
        return Ok(known);
    }
    let mut vals: Vec<Val<'e, A>, A> = Vec::try_with_capacity_in(args.len(), ctx.allocator())?;
    for arg in args.iter() {
        vals.try_push(eval(arg, ctx)?)?;
    }
    let mut coll = None;
    for arg in args.iter() {
        coll = collation(arg, ctx)?;
        if coll.is_some() {
            break;
        }
    }
    let mut refs: Vec<ValueRef<'_>, A> = Vec::try_with_capacity_in(vals.len(), ctx.allocator())?;
    for v in vals.iter() {
        refs.try_push(v.get())?;
    }
    let mut random = || ctx.random();
    let clock = || ctx.now_unix_millis().ok_or(NO_CLOCK);
    let out = func::call(
        scalar,
        &refs,
        coll.unwrap_or_default(),
        &mut random,
        &clock,
        ctx.allocator(),
    )?;
    drop(refs);
    match out {
        Output::Value(v) => Ok(Val::Own(v)),
        Output::Arg(i) if i < vals.len() => Ok(vals.swap_remove(i)),
        Output::Arg(_) => Ok(Val::Ref(ValueRef::Null)),
    }
}

/// `typeof(column)`, and `length(column)` of a BLOB or NULL, from how the
/// column is stored, without reading its value; `None` when the value is
/// needed (any other call, or `length` of text, which counts characters).
fn from_shape<'e, A, C>(
    scalar: Scalar,
    args: &[Expr<'_, A>],
    ctx: &'e C,
) -> Result<Option<Val<'e, A>>>
where
    A: Allocator + Clone,
    C: EvalContext<A>,
{
    let ([Expr::Column(column)], Scalar::TypeOf | Scalar::Length) = (args, scalar) else {
        return Ok(None);
    };
    let Some((kind, len)) = ctx.column_shape(column)? else {
        return Ok(None);
    };
    Ok(match (scalar, kind) {
        (Scalar::TypeOf, _) => {
            let name: &'static str = match kind {
                ValueType::Null => "null",
                ValueType::Integer => "integer",
                ValueType::Real => "real",
                ValueType::Text => "text",
                ValueType::Blob => "blob",
            };
            Some(Val::Ref(ValueRef::text(name)))
        }
        (_, ValueType::Blob) => Some(Val::Ref(ValueRef::Integer(len as i64))),
        (_, ValueType::Null) => Some(Val::Ref(ValueRef::Null)),
        _ => None,
    })
}

/// Evaluates argument `i` (NULL if missing; callers check counts).
fn eval_arg<'e, A, C>(args: &'e [Expr<'_, A>], i: usize, ctx: &'e C) -> Result<Val<'e, A>>
where
    A: Allocator + Clone,
    C: EvalContext<A>,
{
    match args.get(i) {
        Some(e) => eval(e, ctx),
        None => Ok(Val::Ref(ValueRef::Null)),
    }
}

/// A JSON function's call: its arguments with their subtypes.
#[inline(never)]
fn json_call<'e, A, C>(f: JsonFn, args: &'e [Expr<'_, A>], ctx: &'e C) -> Result<Val<'e, A>>
where
    A: Allocator + Clone,
    C: EvalContext<A>,
{
    let alloc = ctx.allocator();
    let mut vals: Vec<Val<'e, A>, A> = Vec::try_with_capacity_in(args.len(), alloc.clone())?;
    let mut json: Vec<bool, A> = Vec::try_with_capacity_in(args.len(), alloc.clone())?;
    for (i, arg) in args.iter().enumerate() {
        let (v, j) = json_arg_with(arg, ctx, f.reads_subtype(i))?;
        vals.try_push(v)?;
        json.try_push(j)?;
    }
    let mut refs: Vec<ValueRef<'_>, A> = Vec::try_with_capacity_in(vals.len(), alloc.clone())?;
    for v in vals.iter() {
        refs.try_push(v.get())?;
    }
    Ok(Val::Own(json::call(f, &refs, &json, &alloc)?.value))
}

/// Whether `expr` reads a column whose values may carry the JSON
/// subtype (see [`EvalContext::column_json`]), directly or through an
/// expression that may pass it on (`CASE`, `coalesce`, `COLLATE`...).
pub(crate) fn carries_json_column<A, C>(expr: &Expr<'_, A>, ctx: &C) -> bool
where
    A: Allocator + Clone,
    C: EvalContext<A>,
{
    json::may_pass(expr, &mut |e| match e {
        Expr::Column(c) => ctx.column_json(c) != ColumnJson::Never,
        _ => false,
    })
}

/// The value of `expr` as a JSON function's argument, and whether it
/// has SQLite's JSON subtype.
pub(super) fn json_arg<'e, A, C>(expr: &'e Expr<'_, A>, ctx: &'e C) -> Result<(Val<'e, A>, bool)>
where
    A: Allocator + Clone,
    C: EvalContext<A>,
{
    json_arg_with(expr, ctx, true)
}

/// [`json_arg`]; `columns`: whether the subtype a column's value may
/// carry matters here (where it does not, a document is read the same
/// with it or without).
fn json_arg_with<'e, A, C>(
    expr: &'e Expr<'_, A>,
    ctx: &'e C,
    columns: bool,
) -> Result<(Val<'e, A>, bool)>
where
    A: Allocator + Clone,
    C: EvalContext<A>,
{
    match json::subtype_of(expr) {
        Subtype::Plain if !columns => Ok((eval(expr, ctx)?, false)),
        Subtype::Plain => {
            let json = match expr {
                Expr::Column(c) => match ctx.column_json(c) {
                    ColumnJson::Never => false,
                    ColumnJson::Row(json) => json,
                    ColumnJson::Unknown => return Err(json::UNKNOWN_COLUMN_SUBTYPE),
                },
                _ if carries_json_column(expr, ctx) => {
                    return Err(json::UNKNOWN_COLUMN_SUBTYPE);
                }
                _ => false,
            };
            Ok((eval(expr, ctx)?, json))
        }
        Subtype::Json => Ok((eval(expr, ctx)?, true)),
        Subtype::Unknown => Err(json::UNKNOWN_SUBTYPE),
        Subtype::Extracted => {
            let Expr::Function(call) = expr else {
                return Ok((eval(expr, ctx)?, false));
            };
            let FunctionArgs::List(args) = &call.args else {
                return Ok((eval(expr, ctx)?, false));
            };
            let doc = eval_arg(args, 0, ctx)?;
            let path = eval_arg(args, 1, ctx)?;
            let out = json::extract(
                doc.get(),
                path.get(),
                json::Extract::Function,
                &ctx.allocator(),
            )?;
            Ok((Val::Own(out.value), out.json))
        }
    }
}
