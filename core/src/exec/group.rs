//! `GROUP BY` and `HAVING`, and aggregates used inside expressions
//! (`count(*) + 1`, `HAVING sum(x) > 3`).
//!
//! Two passes over the source: the first sorts, for each row that passes
//! `WHERE`, its group key values, a sequence number and its rowid, so
//! each group's rows come out adjacent, in scan order. The second takes
//! them from the sort one by one, moves the source to each row and feeds
//! the group's aggregates; when a group ends it evaluates `HAVING`, the
//! result columns and the `ORDER BY` keys, a column outside an aggregate
//! reading the group's first row (its last without `GROUP BY`), and hands
//! the result row to the sorting stage (`ordered`).
//!
//! Invariants: memory is the sort budget whatever the number of rows or
//! groups: the sort of the input and the sorting stage each take half of
//! it and spill to temporary files past it (see `crate::sort`). Group keys
//! compare with a column's own collation (BINARY otherwise), NULLs in one
//! group. An aggregate may appear under arithmetic, comparisons, `AND`,
//! `OR`, `NOT`, `||` and signs; anywhere else it is an `Error::Sql`.
//! With no `GROUP BY` (only `HAVING`, or an aggregate inside an
//! expression) the whole input is one group, even when it is empty.

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
use crate::{ByClause, Error, Result, RowId};

use super::aggregate::{Acc, Kind, feed, kind_of};
use super::context::RowContext;
use super::ordered::{Ordered, Shape, SortEnv, SortedQuery};
use super::select::{from_of, matches};
use super::source::Source;
use super::terms::{Term, resolve_terms};
use super::{Env, order};
use crate::sort::{Current, Row, SortKey, Sorter};

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
pub(crate) fn has_aggregate<A: Allocator>(expr: &Expr<'_, A>) -> bool {
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
    sort: SortEnv<'_, P>,
    skip: u64,
    remaining: Option<u64>,
) -> Result<SortedQuery<P::File, A>> {
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
    let half = SortEnv {
        budget: sort.budget.half(),
        ..sort
    };
    let width = body.group_by.len();
    let group_keys = resolve_terms(
        body.group_by.iter(),
        ByClause::Group,
        body,
        source.info(),
        alias.as_ref(),
        alloc.clone(),
    )?;
    let order_keys = resolve_terms(
        select.order_by.iter().map(|t| &t.expr),
        ByClause::Order,
        body,
        source.info(),
        alias.as_ref(),
        alloc.clone(),
    )?;
    let mut collations = Vec::try_with_capacity_in(width, alloc.clone())?;
    let mut entries: Option<Sorter<'_, P, A>> = None;
    let mut seq: i64 = 0;
    while source.advance()? {
        let rowid = source.rowid()?;
        let entry = source.with_row(env, alias, |ctx| {
            if !matches(body, ctx)? {
                return Ok(None);
            }
            if entries.is_none() {
                for key in group_keys.iter() {
                    collations.try_push(key.collation(body, ctx)?)?;
                }
                entries = Some(Sorter::new(
                    half.platform,
                    entry_keys(&collations, alloc.clone())?,
                    half.budget,
                    alloc.clone(),
                ));
            }
            let mut entry = Vec::try_with_capacity_in(width + 2, alloc.clone())?;
            for key in group_keys.iter() {
                entry.try_push(key.evaluate(body, ctx)?)?;
            }
            entry.try_push(Value::Integer(seq))?;
            entry.try_push(Value::Integer(rowid.get()))?;
            Ok(Some(entry))
        })?;
        if let (Some(entry), Some(sorter)) = (entry, entries.as_mut()) {
            sorter.push(entry)?;
            seq += 1;
        }
    }
    let shape = Shape {
        terms: select.order_by.len(),
        distinct: body.distinct,
        skip,
        remaining,
    };
    let mut group = Group {
        body,
        select,
        order_keys: &order_keys,
        calls: &calls,
        accs: Vec::try_with_capacity_in(calls.len(), alloc.clone())?,
        values: Vec::try_with_capacity_in(calls.len(), alloc.clone())?,
        rows: Ordered::new(half, shape, alloc.clone()),
        closed: 0,
        out: Vec::new_in(alloc.clone()),
        collations: Vec::new_in(alloc.clone()),
    };
    group.reset()?;
    let Some(entries) = entries else {
        if width == 0 {
            group.close(&env.context())?;
        }
        return group.rows.finish();
    };
    let mut entries = entries.finish()?;
    // The group being fed: its keys and its first row.
    let mut keys: Row<A> = Vec::new_in(alloc.clone());
    let mut first: Option<RowId> = None;
    while entries.advance()? {
        let entry = entries.current()?;
        let rowid = match entry.column(width + 1)? {
            ValueRef::Integer(r) => RowId::new(r),
            _ => return Err(Error::Misuse("a group entry without its rowid")),
        };
        let same = first.is_some() && same_group(&entry, &keys, &collations)?;
        if !same {
            if let Some(start) = first {
                close_at(source, env, alias, &mut group, start)?;
                group.reset()?;
            }
            copy_keys(&entry, width, &mut keys, &alloc)?;
            first = Some(rowid);
        }
        if !source.seek_rowid(rowid)? {
            return Err(Error::Misuse("a grouped row vanished"));
        }
        source.with_row(env, alias, |ctx| group.feed(ctx))?;
    }
    if let Some(start) = first {
        // A GROUP BY's bare columns read the group's first row, as
        // SQLite's sorter delivers them; without GROUP BY, the last
        // (where the source already is).
        if width > 0 {
            close_at(source, env, alias, &mut group, start)?;
        } else {
            source.with_row(env, alias, |ctx| group.close(ctx))?;
        }
    }
    group.rows.finish()
}

/// The sort keys of group entries: the group keys with `collations`,
/// then the sequence number.
fn entry_keys<A: Allocator + Clone>(collations: &[Collation], alloc: A) -> Result<Vec<SortKey, A>> {
    let mut keys = Vec::try_with_capacity_in(collations.len() + 1, alloc)?;
    for (column, collation) in collations.iter().enumerate() {
        keys.try_push(SortKey::ascending(column, *collation))?;
    }
    keys.try_push(SortKey::ascending(collations.len(), Collation::Binary))?;
    Ok(keys)
}

/// Whether `entry` belongs to the group whose keys are `keys`.
fn same_group<A: Allocator>(
    entry: &Current<'_, A>,
    keys: &[Value<A>],
    collations: &[Collation],
) -> Result<bool> {
    for (i, (key, collation)) in keys.iter().zip(collations.iter()).enumerate() {
        if compare_values(&entry.column(i)?, &key.as_ref(), *collation).is_ne() {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Copies the first `width` columns of `entry` into `keys`, reusing its
/// buffers.
fn copy_keys<A: Allocator + Clone>(
    entry: &Current<'_, A>,
    width: usize,
    keys: &mut Row<A>,
    alloc: &A,
) -> Result<()> {
    for i in 0..width {
        if keys.len() <= i {
            keys.try_push(Value::Null)?;
        }
        let slot = keys
            .get_mut(i)
            .ok_or(Error::Misuse("a group key out of place"))?;
        super::select::assign(slot, entry.column(i)?, alloc)?;
    }
    keys.truncate(width);
    Ok(())
}

/// Closes `group` on its first row, `start`.
fn close_at<P: Platform, A: Allocator + Clone>(
    source: &mut Source<'_, P, A>,
    env: Env<'_, A>,
    alias: Option<crate::sql::Ident<'_>>,
    group: &mut Group<'_, '_, '_, '_, P, A>,
    start: RowId,
) -> Result<()> {
    if !source.seek_rowid(start)? {
        return Err(Error::Misuse("a grouped row vanished"));
    }
    source.with_row(env, alias, |ctx| group.close(ctx))
}

/// The group being aggregated, and the rows of those closed.
struct Group<'g, 'q, 'a, 'p, P: Platform, A: Allocator + Clone> {
    body: &'g SelectBody<'a, A>,
    select: &'g Select<'a, A>,
    /// The `ORDER BY` terms, resolved.
    order_keys: &'g [Term<'q, 'a, A>],
    calls: &'g Calls<'q, 'a, A>,
    accs: Vec<Acc<A>, A>,
    /// The aggregates' values once the group is closed.
    values: Vec<Value<A>, A>,
    /// Where the result rows go.
    rows: Ordered<'p, P, A>,
    /// Result rows made so far: the next one's sequence number.
    closed: i64,
    out: Vec<Value<A>, A>,
    /// The collation of each `ORDER BY` key, found on the first group.
    collations: Vec<Collation, A>,
}

impl<P: Platform, A: Allocator + Clone> Group<'_, '_, '_, '_, P, A> {
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
        if !self.rows.is_started() {
            for key in self.order_keys.iter() {
                self.collations.try_push(key.collation(self.body, ctx)?)?;
            }
            let mut outputs = Vec::new_in(ctx.allocator());
            order::output_collations(self.body, ctx, &mut outputs)?;
            self.rows.start(terms, &self.collations, &outputs)?;
        }
        let seq = self.closed;
        let mut row = Vec::try_with_capacity_in(terms.len() + 1 + self.out.len(), ctx.allocator())?;
        for key in self.order_keys.iter() {
            let value = if has_aggregate(key.expr) {
                eval.value(key.expr, ctx)?
            } else {
                order::sort_key(key, self.body, ctx, &self.out)?
            };
            row.try_push(value)?;
        }
        row.try_push(Value::Integer(seq))?;
        for value in self.out.drain(..) {
            row.try_push(value)?;
        }
        self.rows.push(row)?;
        self.closed += 1;
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
