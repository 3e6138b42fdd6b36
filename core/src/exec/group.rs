//! `GROUP BY` and `HAVING`, and aggregates used inside expressions
//! (`count(*) + 1`, `HAVING sum(x) > 3`).
//!
//! Two passes over the source: the first collects, for each row that
//! passes `WHERE`, its group key values, a sequence number and its rowid;
//! these are sorted in place so each group's rows are adjacent, in scan
//! order. The second moves the source to each collected row in turn and
//! feeds the group's aggregates; on a group's last row it evaluates
//! `HAVING`, the result columns and the `ORDER BY` keys, a column outside
//! an aggregate reading that last row (as SQLite's bare columns do).
//!
//! Invariants: memory grows with the rows that pass `WHERE` (their keys
//! and rowids) and the groups kept; every allocation is fallible, so a
//! grouping that does not fit fails with `OutOfMemory`. Group keys
//! compare with a column's own collation (BINARY otherwise), NULLs in one
//! group. An aggregate may appear under arithmetic, comparisons, `AND`,
//! `OR`, `NOT`, `||` and signs; anywhere else it is an `Error::Sql`.
//! With no `GROUP BY` (only `HAVING`, or an aggregate inside an
//! expression) the whole input is one group, even when it is empty.

use core::cmp::Ordering;

use boundlite_platform::Platform;

use crate::alloc::{Allocator, TryClone, Vec};
use crate::record::{Collation, ValueRef, compare_values};
use crate::sql::eval::affinity::{apply_comparison_affinity, comparison_affinity};
use crate::sql::eval::ops::{and, arithmetic, comparison, concat, negate, or, truth_value};
use crate::sql::eval::{EvalContext, Value, evaluate, truth};
use crate::sql::{
    Affinity, BinaryOp, ColumnPos, Expr, FunctionArgs, FunctionCall, Literal, ResultColumn, Select,
    SelectBody, UnaryOp,
};
use crate::{Error, Result, RowId};

use super::aggregate::{Acc, Kind, feed, kind_of};
use super::context::RowContext;
use super::order::finish;
use super::select::{from_of, matches};
use super::source::Source;
use super::{Env, order};

/// Result rows, each a vector of values.
type Rows<A> = Vec<Vec<Value<A>, A>, A>;

/// The aggregate calls of a query, each with its kind.
type Calls<'q, 'a, A> = Vec<(&'q FunctionCall<'a, A>, Kind), A>;

/// Whether `body` needs grouping: `GROUP BY`, `HAVING`, or an aggregate
/// that is not a whole result column.
pub(crate) fn is_grouped<A: Allocator>(body: &SelectBody<'_, A>) -> bool {
    let nested = body.columns.iter().any(|c| match c {
        ResultColumn::Expr {
            expr: Expr::Function(call),
            ..
        } if kind_of(call).is_some() => false,
        ResultColumn::Expr { expr, .. } => has_aggregate(expr),
        _ => false,
    });
    !body.group_by.is_empty() || body.having.is_some() || nested
}

/// Whether `expr` calls an aggregate.
fn has_aggregate<A: Allocator>(expr: &Expr<'_, A>) -> bool {
    let mut found = false;
    walk(expr, &mut |_, _| {
        found = true;
        Ok(())
    })
    .ok();
    found
}

/// Calls `f` on each aggregate call in `expr` (not looking inside one).
fn walk<'q, 'a, A: Allocator>(
    expr: &'q Expr<'a, A>,
    f: &mut dyn FnMut(&'q FunctionCall<'a, A>, Kind) -> Result<()>,
) -> Result<()> {
    match expr {
        Expr::Function(call) => match kind_of(call) {
            Some(kind) => f(call, kind),
            None => match &call.args {
                FunctionArgs::List(args) => args.iter().try_for_each(|a| walk(a, f)),
                FunctionArgs::Star => Ok(()),
            },
        },
        Expr::Unary(_, inner) | Expr::Collate(inner, _) => walk(inner, f),
        Expr::IsNull { expr, .. } => walk(expr, f),
        Expr::Cast(c) => walk(&c.expr, f),
        Expr::Binary(b) => {
            walk(&b.lhs, f)?;
            walk(&b.rhs, f)
        }
        Expr::Between(b) => {
            walk(&b.expr, f)?;
            walk(&b.low, f)?;
            walk(&b.high, f)
        }
        Expr::InList(l) => {
            walk(&l.expr, f)?;
            l.list.iter().try_for_each(|e| walk(e, f))
        }
        Expr::Case(c) => {
            if let Some(o) = &c.operand {
                walk(o, f)?;
            }
            for arm in c.arms.iter() {
                walk(&arm.when, f)?;
                walk(&arm.then, f)?;
            }
            c.otherwise.as_ref().map_or(Ok(()), |o| walk(o, f))
        }
        _ => Ok(()),
    }
}

/// The rows of the grouped query `select`, filtered by `HAVING`, made
/// distinct, sorted, offset and limited.
pub(crate) fn run<P: Platform, A: Allocator + Clone>(
    source: &mut Source<'_, P, A>,
    select: &Select<'_, A>,
    body: &SelectBody<'_, A>,
    env: Env<'_, A>,
    skip: u64,
    remaining: Option<u64>,
) -> Result<Rows<A>> {
    let alloc = env.alloc.clone();
    let alias = from_of(body)?.and_then(|(_, a)| a);
    let mut calls: Calls<'_, '_, A> = Vec::new_in(alloc.clone());
    let mut collect = |call, kind| -> Result<()> { Ok(calls.try_push((call, kind))?) };
    for column in body.columns.iter() {
        if let ResultColumn::Expr { expr, .. } = column {
            walk(expr, &mut collect)?;
        }
    }
    if let Some(having) = &body.having {
        walk(having, &mut collect)?;
    }
    for term in select.order_by.iter() {
        walk(&term.expr, &mut collect)?;
    }
    let width = body.group_by.len();
    let mut collations = Vec::try_with_capacity_in(width, alloc.clone())?;
    let mut entries: Rows<A> = Vec::new_in(alloc.clone());
    while source.advance()? {
        let rowid = source.rowid()?;
        let seq = i64::try_from(entries.len()).map_err(|_| Error::OutOfMemory)?;
        let entry = source.with_row(env, alias, |ctx| {
            if !matches(body, ctx)? {
                return Ok(None);
            }
            if collations.is_empty() {
                for expr in body.group_by.iter() {
                    collations.try_push(collation_of(expr, ctx))?;
                }
            }
            let mut entry = Vec::try_with_capacity_in(width + 2, alloc.clone())?;
            for expr in body.group_by.iter() {
                entry.try_push(evaluate(expr, ctx)?)?;
            }
            entry.try_push(Value::Integer(seq))?;
            entry.try_push(Value::Integer(rowid.get()))?;
            Ok(Some(entry))
        })?;
        if let Some(entry) = entry {
            entries.try_push(entry)?;
        }
    }
    let same_group = |a: &[Value<A>], b: &[Value<A>]| compare_keys(a, b, &collations).is_eq();
    entries.sort_unstable_by(|a, b| {
        compare_keys(a, b, &collations).then_with(|| {
            let (x, y) = (a.get(width), b.get(width));
            let (x, y) = (
                x.map_or(ValueRef::Null, Value::as_ref),
                y.map_or(ValueRef::Null, Value::as_ref),
            );
            compare_values(&x, &y, Collation::Binary)
        })
    });
    let mut group = Group {
        body,
        select,
        calls: &calls,
        accs: Vec::try_with_capacity_in(calls.len(), alloc.clone())?,
        values: Vec::try_with_capacity_in(calls.len(), alloc.clone())?,
        rows: Vec::new_in(alloc.clone()),
        out: Vec::new_in(alloc.clone()),
        collations: Vec::new_in(alloc.clone()),
    };
    group.reset()?;
    if entries.is_empty() && width == 0 {
        group.close(&env.context())?;
    }
    let rowid_of = |entry: &Vec<Value<A>, A>| match entry.get(width + 1) {
        Some(Value::Integer(r)) => Ok(RowId::new(*r)),
        _ => Err(Error::Misuse("a group entry without its rowid")),
    };
    let mut first = 0;
    for (i, entry) in entries.iter().enumerate() {
        if !source.seek_rowid(rowid_of(entry)?)? {
            return Err(Error::Misuse("a grouped row vanished"));
        }
        source.with_row(env, alias, |ctx| group.feed(ctx))?;
        if entries
            .get(i + 1)
            .is_some_and(|next| same_group(entry, next))
        {
            continue;
        }
        // A GROUP BY's bare columns read the group's first row, as
        // SQLite's sorter delivers them; without GROUP BY, the last.
        if width > 0 {
            let start = entries.get(first).ok_or(Error::Misuse("an empty group"))?;
            if !source.seek_rowid(rowid_of(start)?)? {
                return Err(Error::Misuse("a grouped row vanished"));
            }
        }
        source.with_row(env, alias, |ctx| group.close(ctx))?;
        group.reset()?;
        first = i + 1;
    }
    finish(
        group.rows,
        &select.order_by,
        &group.collations,
        body.distinct,
        skip,
        remaining,
    )
}

/// The collation grouping by `expr` uses: a column's own, else BINARY.
fn collation_of<A: Allocator + Clone>(
    expr: &Expr<'_, A>,
    ctx: &RowContext<'_, '_, A>,
) -> Collation {
    match expr.as_column() {
        Some(c) => ctx.column_collation(c),
        None => Collation::Binary,
    }
}

/// The order of two entries by their group keys.
fn compare_keys<A: Allocator>(
    a: &[Value<A>],
    b: &[Value<A>],
    collations: &[Collation],
) -> Ordering {
    for (i, collation) in collations.iter().enumerate() {
        let (Some(x), Some(y)) = (a.get(i), b.get(i)) else {
            break;
        };
        let o = compare_values(&x.as_ref(), &y.as_ref(), *collation);
        if o.is_ne() {
            return o;
        }
    }
    Ordering::Equal
}

/// The group being aggregated, and the rows of those closed.
struct Group<'g, 'q, 'a, A: Allocator + Clone> {
    body: &'g SelectBody<'a, A>,
    select: &'g Select<'a, A>,
    calls: &'g Calls<'q, 'a, A>,
    accs: Vec<Acc<A>, A>,
    /// The aggregates' values once the group is closed.
    values: Vec<Value<A>, A>,
    rows: Rows<A>,
    out: Vec<Value<A>, A>,
    /// The collation of each `ORDER BY` key, found on the first group.
    collations: Vec<Collation, A>,
}

impl<A: Allocator + Clone> Group<'_, '_, '_, A> {
    /// Starts a new group.
    fn reset(&mut self) -> Result<()> {
        self.accs.clear();
        for _ in self.calls.iter() {
            self.accs.try_push(Acc::new())?;
        }
        Ok(())
    }

    /// Adds the current row to the group.
    fn feed(&mut self, ctx: &RowContext<'_, '_, A>) -> Result<()> {
        let alloc = ctx.allocator();
        for ((call, kind), acc) in self.calls.iter().zip(self.accs.iter_mut()) {
            feed(*kind, call, acc, ctx, &alloc)?;
        }
        Ok(())
    }

    /// Ends the group on its last row (`ctx`): keeps its result row if it
    /// passes `HAVING`.
    fn close(&mut self, ctx: &RowContext<'_, '_, A>) -> Result<()> {
        self.values.clear();
        for ((_, kind), acc) in self.calls.iter().zip(self.accs.iter_mut()) {
            let acc = core::mem::replace(acc, Acc::new());
            self.values.try_push(acc.finish(*kind))?;
        }
        let eval = Eval {
            calls: self.calls,
            values: &self.values,
        };
        if let Some(having) = &self.body.having {
            if truth(eval.value(having, ctx)?.as_ref()) != Some(true) {
                return Ok(());
            }
        }
        self.out.clear();
        for column in self.body.columns.iter() {
            match column {
                ResultColumn::Expr { expr, .. } => self.out.try_push(eval.value(expr, ctx)?)?,
                ResultColumn::Star | ResultColumn::TableStar(_) => {
                    let table = ctx.table().ok_or(Error::Sql("no tables specified"))?;
                    for i in 0..table.column_count() {
                        let value = ctx.column_at(ColumnPos::Column(i))?;
                        self.out
                            .try_push(Value::try_from_ref(value, ctx.allocator())?)?;
                    }
                }
            }
        }
        let terms = &self.select.order_by;
        if self.collations.is_empty() {
            for term in terms.iter() {
                self.collations
                    .try_push(order::term_collation(&term.expr, self.body, ctx))?;
            }
        }
        let seq = i64::try_from(self.rows.len()).map_err(|_| Error::OutOfMemory)?;
        let mut row = Vec::try_with_capacity_in(terms.len() + 1 + self.out.len(), ctx.allocator())?;
        for term in terms.iter() {
            let key = if has_aggregate(&term.expr) {
                eval.value(&term.expr, ctx)?
            } else {
                order::sort_key(&term.expr, self.body, ctx, &self.out)?
            };
            row.try_push(key)?;
        }
        row.try_push(Value::Integer(seq))?;
        for value in self.out.drain(..) {
            row.try_push(value)?;
        }
        self.rows.try_push(row)?;
        Ok(())
    }
}

/// Evaluates expressions over a closed group: aggregate calls read their
/// values, the rest is evaluated on the group's last row.
struct Eval<'e, 'q, 'a, A: Allocator> {
    calls: &'e Calls<'q, 'a, A>,
    values: &'e [Value<A>],
}

impl<A: Allocator + Clone> Eval<'_, '_, '_, A> {
    fn value(&self, expr: &Expr<'_, A>, ctx: &RowContext<'_, '_, A>) -> Result<Value<A>> {
        let alloc = ctx.allocator();
        if let Expr::Function(call) = expr {
            let at = self.calls.iter().position(|(c, _)| {
                core::ptr::eq(
                    *c as *const _ as *const u8,
                    &**call as *const _ as *const u8,
                )
            });
            if let Some(value) = at.and_then(|i| self.values.get(i)) {
                return Ok(value.try_clone()?);
            }
        }
        if !has_aggregate(expr) {
            return evaluate(expr, ctx);
        }
        let owned =
            |v: ValueRef<'_>| -> Result<Value<A>> { Ok(Value::try_from_ref(v, alloc.clone())?) };
        match expr {
            Expr::Unary(op, inner) => {
                let v = self.value(inner, ctx)?;
                match op {
                    UnaryOp::Not => owned(truth_value(truth(v.as_ref()).map(|b| !b))),
                    UnaryOp::Neg => owned(negate(v.as_ref())),
                    UnaryOp::Plus => Ok(v),
                    UnaryOp::BitNot => Err(Error::Sql("this use of an aggregate is not supported")),
                }
            }
            Expr::Binary(b) => {
                let l = self.value(&b.lhs, ctx)?;
                let r = self.value(&b.rhs, ctx)?;
                let (lv, rv) = (l.as_ref(), r.as_ref());
                match b.op {
                    BinaryOp::And => owned(truth_value(and(truth(lv), truth(rv)))),
                    BinaryOp::Or => owned(truth_value(or(truth(lv), truth(rv)))),
                    BinaryOp::Eq
                    | BinaryOp::Ne
                    | BinaryOp::Is
                    | BinaryOp::IsNot
                    | BinaryOp::Lt
                    | BinaryOp::Le
                    | BinaryOp::Gt
                    | BinaryOp::Ge => {
                        let affinity =
                            comparison_affinity(affinity_of(&b.lhs, ctx), affinity_of(&b.rhs, ctx));
                        let collation = [&b.lhs, &b.rhs]
                            .into_iter()
                            .find_map(|e| e.as_column())
                            .map_or(Collation::Binary, |c| ctx.column_collation(c));
                        let l = apply_comparison_affinity(lv, affinity);
                        let r = apply_comparison_affinity(rv, affinity);
                        owned(truth_value(comparison(
                            b.op,
                            l.as_ref(),
                            r.as_ref(),
                            collation,
                        )))
                    }
                    BinaryOp::Add
                    | BinaryOp::Sub
                    | BinaryOp::Mul
                    | BinaryOp::Div
                    | BinaryOp::Rem => owned(arithmetic(b.op, lv, rv)),
                    BinaryOp::Concat => concat(lv, rv, alloc.clone()),
                    _ => Err(Error::Sql("this use of an aggregate is not supported")),
                }
            }
            Expr::Literal(Literal::Null) => Ok(Value::Null),
            _ => Err(Error::Sql("this use of an aggregate is not supported")),
        }
    }
}

/// The affinity a comparison sees for `expr`: a column's, else none.
fn affinity_of<A: Allocator + Clone>(
    expr: &Expr<'_, A>,
    ctx: &RowContext<'_, '_, A>,
) -> Option<Affinity> {
    expr.as_column().map(|c| ctx.column_affinity(c))
}
