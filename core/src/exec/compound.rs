//! Compound queries: `UNION ALL`, `UNION`, `INTERSECT` and `EXCEPT`
//! between `SELECT`s, left-associative as SQLite's, with an `ORDER BY`,
//! `LIMIT` and `OFFSET` over the whole; result columns are named by the
//! first `SELECT`.
//!
//! Members joined by `UNION ALL` stream, one after the other. Each other
//! operator is a set step: the rows on its left (the previous step's
//! rows, then the members streamed after it) go to a sorter tagged 0, the
//! member on its right tagged 1, laid out `[columns..., tag, sequence
//! number]` and sorted on the columns (each with the compound's
//! collation), the tag and the sequence number. Equal rows then come out
//! together, and a step keeps one row of each run, the one SQLite keeps:
//! `UNION` any run, its first row read on the right if any, else on the
//! left; `INTERSECT` a run with both tags and `EXCEPT` a run of the left
//! side only, its first row read on the left. (Rows of the left sort
//! before those of the right, each side in the order read.) Values
//! compare as for `DISTINCT`: 1 equals 1.0, NULLs are equal.
//!
//! A column's collation is that of the leftmost member up to the step
//! (all members, for `ORDER BY`) whose column has one (a `COLLATE`, or a
//! table column's own), else BINARY, as SQLite's `multiSelectCollSeq`.
//! `ORDER BY` terms name result columns by number, by a first-`SELECT`
//! alias, or as an expression equal to a member's result column, tried
//! from the leftmost member as SQLite's `resolveCompoundOrderBy`.
//!
//! Refused, each an `Error::Sql`, where SQLite's answer depends on how it
//! plans the compound rather than on the rules above: a `VALUES` member;
//! a column two members give different collations, in a compound that
//! sorts; a `COLLATE` in the compound's `ORDER BY` (SQLite merges the
//! members by it, which changes which rows are equal and, in 3.54, what
//! a `GROUP BY` member returns).
//!
//! Memory: a step's sort, a member's own sort and the `ORDER BY` stage
//! each take half the sort budget, and at most two of them are filled or
//! read at once; a set step reads the previous one whole before any
//! member after it starts.

use boundlite_platform::{File, Platform};

use crate::alloc::{Allocator, Box, String, Vec};
use crate::record::{Collation, ValueRef, compare_values};
use crate::sort::{Current, Row, SortKey, Sorted, Sorter};
use crate::sql::eval::{Value, explicit_collation};
use crate::sql::{CompoundOp, CoreForm, Expr, OrderingTerm, ResultColumn, Select, SelectBody};
use crate::table::View;
use crate::{ByClause, Error, Result};

use super::context::RowContext;
use super::ordered::{Ordered, Shape, SortEnv};
use super::scope::{Scope, find};
use super::select::{
    Ordering, Query, Sources, alias_of, assign, limits, next_body, open_source, slot_of, sort_env,
    start_body,
};
use super::{Env, terms};

/// How many members `select` has.
fn member_count<A: Allocator>(select: &Select<'_, A>) -> usize {
    select.compound.len() + 1
}

/// Member `i` of `select`, from 0.
pub(crate) fn member<'s, 'a, A: Allocator>(
    select: &'s Select<'a, A>,
    i: usize,
) -> Result<&'s SelectBody<'a, A>> {
    match i.checked_sub(1) {
        None => Ok(&select.core),
        Some(j) => match select.compound.get(j) {
            Some((_, core)) => Ok(core),
            None => Err(Error::Misuse("a compound member out of range")),
        },
    }
}

/// The operator before member `i` (from 1).
fn op_before<A: Allocator>(select: &Select<'_, A>, i: usize) -> Option<CompoundOp> {
    select.compound.get(i.checked_sub(1)?).map(|(op, _)| *op)
}

/// The set operation a sort step performs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SetOp {
    Union,
    Intersect,
    Except,
}

impl SetOp {
    /// The step of `op`; `None` for `UNION ALL`, which streams.
    fn of(op: CompoundOp) -> Option<SetOp> {
        match op {
            CompoundOp::UnionAll => None,
            CompoundOp::Union => Some(SetOp::Union),
            CompoundOp::Intersect => Some(SetOp::Intersect),
            CompoundOp::Except => Some(SetOp::Except),
        }
    }

    /// Whether a run of equal rows is kept, from the sides it was read on.
    fn keeps(self, run: Run) -> bool {
        match self {
            SetOp::Union => true,
            SetOp::Intersect => run.left && run.right,
            SetOp::Except => run.left && !run.right,
        }
    }

    /// Whether the first row read on the right replaces the row kept of
    /// the left.
    fn takes_right(self) -> bool {
        self == SetOp::Union
    }
}

/// The SQLite error for members of different widths around `op`, the
/// member `right` of it.
pub(crate) fn width_error<A: Allocator>(op: CompoundOp, right: &SelectBody<'_, A>) -> Error {
    if right.form == CoreForm::Values {
        return Error::Sql("all VALUES must have the same number of terms");
    }
    Error::Sql(match op {
        CompoundOp::UnionAll => {
            "SELECTs to the left and right of UNION ALL do not have the same number of result columns"
        }
        CompoundOp::Union => {
            "SELECTs to the left and right of UNION do not have the same number of result columns"
        }
        CompoundOp::Intersect => {
            "SELECTs to the left and right of INTERSECT do not have the same number of result columns"
        }
        CompoundOp::Except => {
            "SELECTs to the left and right of EXCEPT do not have the same number of result columns"
        }
    })
}

/// The sides a run of equal rows was read on.
#[derive(Debug, Clone, Copy)]
struct Run {
    left: bool,
    right: bool,
}

/// The rows a set step keeps, one per run of equal rows, in the order of
/// the columns.
struct SetRows<F, A: Allocator> {
    rows: Sorted<F, A>,
    op: SetOp,
    collations: Vec<Collation, A>,
    /// The row kept of the run being read.
    kept: Row<A>,
    /// The run being read; `None` before the first row.
    run: Option<Run>,
    done: bool,
}

impl<F: File, A: Allocator + Clone> SetRows<F, A> {
    /// Moves the next row kept into `out`; `false` when there is none.
    fn next(&mut self, out: &mut Row<A>) -> Result<bool> {
        let width = self.collations.len();
        loop {
            if self.done {
                return Ok(false);
            }
            if !self.rows.advance()? {
                self.done = true;
                let kept = self.run.take().is_some_and(|r| self.op.keeps(r));
                if kept {
                    core::mem::swap(out, &mut self.kept);
                }
                return Ok(kept);
            }
            let current = self.rows.current()?;
            let right = match current.column(width)? {
                ValueRef::Integer(tag) => tag == 1,
                _ => return Err(Error::Misuse("a compound row without its side")),
            };
            if let Some(run) = self.run.as_mut() {
                if same_columns(&current, &self.kept, &self.collations)? {
                    if right && !run.right && self.op.takes_right() {
                        copy_columns(&current, width, &mut self.kept)?;
                    }
                    if right {
                        run.right = true;
                    } else {
                        run.left = true;
                    }
                    continue;
                }
            }
            let finished = self.run.replace(Run {
                left: !right,
                right,
            });
            let kept = finished.is_some_and(|r| self.op.keeps(r));
            if kept {
                core::mem::swap(out, &mut self.kept);
            }
            copy_columns(&current, width, &mut self.kept)?;
            if kept {
                return Ok(true);
            }
        }
    }
}

/// Whether the first columns of `current` equal `kept`, with `collations`.
fn same_columns<A: Allocator>(
    current: &Current<'_, A>,
    kept: &[Value<A>],
    collations: &[Collation],
) -> Result<bool> {
    for (i, collation) in collations.iter().enumerate() {
        let Some(value) = kept.get(i) else {
            return Ok(false);
        };
        if compare_values(&current.column(i)?, &value.as_ref(), *collation).is_ne() {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Makes `into` a copy of the first `width` columns of `current`, reusing
/// its buffers.
fn copy_columns<A: Allocator + Clone>(
    current: &Current<'_, A>,
    width: usize,
    into: &mut Row<A>,
) -> Result<()> {
    let alloc = into.allocator().clone();
    for i in 0..width {
        if into.len() <= i {
            into.try_push(Value::Null)?;
        }
        let slot = into
            .get_mut(i)
            .ok_or(Error::Misuse("a result column out of place"))?;
        assign(slot, current.column(i)?, &alloc)?;
    }
    into.truncate(width);
    Ok(())
}

/// The rows of a compound query without `ORDER BY`, streamed: those of
/// its last set step, if any, then each member after it.
pub(crate) struct Compound<F, A: Allocator> {
    set: Option<SetRows<F, A>>,
    /// The member streamed after the set's rows.
    member: usize,
    /// Its query, once started.
    query: Option<Query<F, A>>,
    skip: u64,
    remaining: Option<u64>,
}

/// The budget of one of the compound's sorts.
fn half<'v, P: Platform, A: Allocator + Clone>(view: &'v View<'v, P, A>) -> SortEnv<'v, P> {
    let sort = sort_env(view);
    SortEnv {
        budget: sort.budget.half(),
        ..sort
    }
}

impl<F: File, A: Allocator + Clone> Compound<F, A> {
    /// Moves the next row of the compound into `out`, `OFFSET` and
    /// `LIMIT` applied; `false` when there is none.
    pub fn next<'v, P: Platform<File = F>>(
        &mut self,
        view: &'v View<'v, P, A>,
        sources: &mut Sources<'v, P, A>,
        select: &Select<'_, A>,
        env: Env<'_, A>,
        out: &mut Row<A>,
    ) -> Result<bool> {
        loop {
            if self.remaining == Some(0) || !self.row(view, sources, select, env, out)? {
                return Ok(false);
            }
            if self.skip > 0 {
                self.skip -= 1;
                continue;
            }
            if let Some(r) = self.remaining.as_mut() {
                *r -= 1;
            }
            return Ok(true);
        }
    }

    /// Moves the next row into `out`; `false` when there is none.
    fn row<'v, P: Platform<File = F>>(
        &mut self,
        view: &'v View<'v, P, A>,
        sources: &mut Sources<'v, P, A>,
        select: &Select<'_, A>,
        env: Env<'_, A>,
        out: &mut Row<A>,
    ) -> Result<bool> {
        if let Some(set) = self.set.as_mut() {
            if set.next(out)? {
                return Ok(true);
            }
            self.set = None;
        }
        while self.member < member_count(select) {
            let body = member(select, self.member)?;
            let slot = slot_of(sources, self.member)?;
            let query = match self.query.as_mut() {
                Some(query) => query,
                None => self.query.insert(start_body(
                    view,
                    body,
                    Ordering::none(),
                    env,
                    half(view),
                    slot,
                )?),
            };
            if next_body(query, slot.as_mut(), Some(body), env, out)? {
                return Ok(true);
            }
            self.query = None;
            self.member += 1;
        }
        Ok(false)
    }
}

/// What the members of a compound were found to be before any row is
/// read.
struct Checked<A: Allocator> {
    width: usize,
    /// The collation of each column at each member: `width` of them for
    /// member 0, then for member 1, and so on.
    collations: Vec<Collation, A>,
    /// Whether two members give a column different collations.
    conflict: bool,
}

impl<A: Allocator> Checked<A> {
    /// The collations of the columns up to member `k`.
    fn up_to(&self, k: usize) -> &[Collation] {
        let start = k.saturating_mul(self.width);
        self.collations
            .get(start..start.saturating_add(self.width))
            .unwrap_or(&[])
    }
}

/// Checks every member of `select` (names, `GROUP BY` terms, equal
/// widths) and finds the compound's collations.
fn check<'v, P: Platform, A: Allocator + Clone>(
    view: &'v View<'v, P, A>,
    select: &Select<'_, A>,
    env: Env<'_, A>,
    sources: &mut Sources<'v, P, A>,
) -> Result<Checked<A>> {
    let alloc = env.alloc.clone();
    let mut width = 0;
    let mut running: Vec<Option<Collation>, A> = Vec::new_in(alloc.clone());
    let mut collations = Vec::new_in(alloc.clone());
    let mut own = Vec::new_in(alloc.clone());
    let mut conflict = false;
    for i in 0..member_count(select) {
        let body = member(select, i)?;
        let source = open_source(view, body, env, slot_of(sources, i)?)?;
        let alias = alias_of(body);
        let here = {
            let scope = source.scope(alias.as_ref());
            terms::check(&[], body, &scope)?;
            terms::width(body, &scope)
        };
        match op_before(select, i) {
            None => width = here,
            Some(op) if here != width => return Err(width_error(op, body)),
            Some(_) => {}
        }
        source.with_table(env, alias, |ctx| member_collations(body, ctx, &mut own))?;
        for (k, collation) in own.iter().enumerate() {
            match running.get_mut(k) {
                Some(slot) => match (*slot, collation) {
                    (None, _) => *slot = *collation,
                    (Some(a), Some(b)) if a != *b => conflict = true,
                    _ => {}
                },
                None => running.try_push(*collation)?,
            }
        }
        for slot in running.iter() {
            collations.try_push(slot.unwrap_or_default())?;
        }
    }
    Ok(Checked {
        width,
        collations,
        conflict,
    })
}

/// The collation of each result column of `body` into `into`: a
/// `COLLATE`'s, a table column's own, else none.
pub(crate) fn member_collations<A: Allocator + Clone>(
    body: &SelectBody<'_, A>,
    ctx: &RowContext<'_, '_, A>,
    into: &mut Vec<Option<Collation>, A>,
) -> Result<()> {
    into.clear();
    for column in body.columns.iter() {
        match column {
            ResultColumn::Expr { expr, .. } => {
                let collation = match explicit_collation(expr)? {
                    Some(c) => Some(c),
                    None => expr
                        .as_column()
                        .map(|c| crate::sql::eval::EvalContext::column_collation(ctx, c)),
                };
                into.try_push(collation)?;
            }
            ResultColumn::Star | ResultColumn::TableStar(_) => {
                let table = ctx.table().ok_or(Error::Sql("no tables specified"))?;
                for column in table.columns.columns.iter().take(table.star_count()) {
                    into.try_push(Some(column.collation.unwrap_or_default()))?;
                }
            }
        }
    }
    Ok(())
}

/// Starts the compound query `select`, its members reading from
/// `sources`.
pub(crate) fn start<'v, P: Platform, A: Allocator + Clone>(
    view: &'v View<'v, P, A>,
    select: &Select<'_, A>,
    env: Env<'_, A>,
    sources: &mut Sources<'v, P, A>,
) -> Result<Query<P::File, A>> {
    let checked = check(view, select, env, sources)?;
    let alloc = env.alloc.clone();
    let keys = order_columns(view, select, env, sources, &checked)?;
    let sorts = !select.order_by.is_empty()
        || (1..member_count(select)).any(|k| op_before(select, k).and_then(SetOp::of).is_some());
    if checked.conflict && sorts {
        // Which of the collations SQLite compares such a column with
        // depends on how it plans the compound, not only on the order of
        // the members.
        return Err(Error::Sql(
            "compound SELECT whose members give a column different collations is not supported",
        ));
    }
    let (skip, remaining) = limits(select, env)?;
    let mut set = None;
    let mut from = 0;
    for k in 1..member_count(select) {
        let Some(op) = op_before(select, k).and_then(SetOp::of) else {
            continue;
        };
        let collations = checked.up_to(k);
        let next_step = (k + 1..member_count(select))
            .find(|&j| op_before(select, j).and_then(SetOp::of).is_some());
        if next_step.is_some_and(|j| checked.up_to(j) != collations) {
            // SQLite gathers a step's rows in the next step's table, which
            // compares them with that step's collations.
            return Err(Error::Sql(
                "compound SELECT whose set steps compare a column with different collations is not supported",
            ));
        }
        let rows = set_step(view, select, env, sources, set.take(), from..k, collations)?;
        set = Some(SetRows {
            rows,
            op,
            collations: Vec::try_from_slice_in(collations, alloc.clone())?,
            kept: Vec::new_in(alloc.clone()),
            run: None,
            done: false,
        });
        from = k + 1;
    }
    let mut rows = Compound {
        set,
        member: from,
        query: None,
        skip: 0,
        remaining: None,
    };
    if select.order_by.is_empty() {
        rows.skip = skip;
        rows.remaining = remaining;
        return Ok(Query::Compound(Box::try_new_in(rows, alloc)?));
    }
    let terms = &select.order_by;
    let shape = Shape {
        terms: terms.len(),
        distinct: false,
        skip,
        remaining,
    };
    let mut collations = Vec::try_with_capacity_in(keys.len(), alloc.clone())?;
    for (term, (_, collation)) in terms.iter().zip(keys.iter()) {
        // SQLite merges the members in the order of the terms, and such a
        // term changes which rows are equal and what its members return
        // (a GROUP BY member loses its groups, or its names).
        if explicit_collation(&term.expr)?.is_some() {
            return Err(Error::Sql(
                "COLLATE in the ORDER BY of a compound SELECT is not supported",
            ));
        }
        collations.try_push(*collation)?;
    }
    let mut ordered = Ordered::new(half(view), shape, alloc.clone());
    ordered.start(terms, &collations, &[])?;
    let mut out = Vec::new_in(alloc.clone());
    let mut seq: i64 = 0;
    while rows.row(view, sources, select, env, &mut out)? {
        let mut row = Vec::try_with_capacity_in(keys.len() + 1 + out.len(), alloc.clone())?;
        for (column, _) in keys.iter() {
            let value = out
                .get(*column)
                .ok_or(Error::Misuse("an ORDER BY column out of place"))?;
            row.try_push(Value::try_from_ref(value.as_ref(), alloc.clone())?)?;
        }
        row.try_push(Value::Integer(seq))?;
        for value in out.drain(..) {
            row.try_push(value)?;
        }
        ordered.push(row)?;
        seq += 1;
    }
    drop(rows);
    Ok(Query::Sorted(ordered.finish()?))
}

/// The rows of one set step, sorted: `previous` (the step before, if
/// any) and the members of `left` tagged 0, the member after them tagged
/// 1, compared with `collations`.
fn set_step<'v, P: Platform, A: Allocator + Clone>(
    view: &'v View<'v, P, A>,
    select: &Select<'_, A>,
    env: Env<'_, A>,
    sources: &mut Sources<'v, P, A>,
    previous: Option<SetRows<P::File, A>>,
    left: core::ops::Range<usize>,
    collations: &[Collation],
) -> Result<Sorted<P::File, A>> {
    let alloc = env.alloc.clone();
    let width = collations.len();
    let mut keys = Vec::try_with_capacity_in(width + 2, alloc.clone())?;
    for (i, collation) in collations.iter().enumerate() {
        keys.try_push(SortKey::ascending(i, *collation))?;
    }
    keys.try_push(SortKey::ascending(width, Collation::Binary))?;
    keys.try_push(SortKey::ascending(width + 1, Collation::Binary))?;
    let sort = half(view);
    let mut sorter = Sorter::new(sort.platform, keys, sort.budget, alloc.clone());
    let mut seq: i64 = 0;
    let mut out = Vec::new_in(alloc.clone());
    let mut push = |out: &mut Row<A>, tag: i64| -> Result<()> {
        let mut row = Vec::try_with_capacity_in(width + 2, alloc.clone())?;
        for value in out.drain(..) {
            row.try_push(value)?;
        }
        row.try_push(Value::Integer(tag))?;
        row.try_push(Value::Integer(seq))?;
        seq += 1;
        sorter.push(row)
    };
    if let Some(mut previous) = previous {
        while previous.next(&mut out)? {
            push(&mut out, 0)?;
        }
    }
    let right = left.end;
    for i in left.chain(core::iter::once(right)) {
        let tag = i64::from(i == right);
        let body = member(select, i)?;
        let slot = slot_of(sources, i)?;
        let mut query = start_body(view, body, Ordering::none(), env, sort, slot)?;
        while next_body(&mut query, slot.as_mut(), Some(body), env, &mut out)? {
            push(&mut out, tag)?;
        }
    }
    sorter.finish()
}

/// The result column each `ORDER BY` term of the compound `select` names,
/// with the column's collation; an error for a term that names none.
fn order_columns<'v, P: Platform, A: Allocator + Clone>(
    view: &'v View<'v, P, A>,
    select: &Select<'_, A>,
    env: Env<'_, A>,
    sources: &mut Sources<'v, P, A>,
    checked: &Checked<A>,
) -> Result<Vec<(usize, Collation), A>> {
    let alloc = env.alloc.clone();
    let last = member_count(select).saturating_sub(1);
    let collations = checked.up_to(last);
    let mut columns = Vec::try_with_capacity_in(select.order_by.len(), alloc.clone())?;
    for (n, term) in select.order_by.iter().enumerate() {
        let column = term_column(view, select, env, sources, n + 1, term, checked.width)?;
        let collation = collations.get(column).copied().unwrap_or_default();
        columns.try_push((column, collation))?;
    }
    Ok(columns)
}

/// The result column (from 0) the `n`-th `ORDER BY` term names.
fn term_column<'v, P: Platform, A: Allocator + Clone>(
    view: &'v View<'v, P, A>,
    select: &Select<'_, A>,
    env: Env<'_, A>,
    sources: &mut Sources<'v, P, A>,
    n: usize,
    term: &OrderingTerm<'_, A>,
    width: usize,
) -> Result<usize> {
    let bare = terms::uncollated(&term.expr);
    if let Some(k) = terms::integer_of(bare) {
        return match usize::try_from(k).ok().and_then(|k| k.checked_sub(1)) {
            Some(k) if k < width => Ok(k),
            _ => Err(Error::TermOutOfRange {
                clause: ByClause::Order,
                term: n,
                columns: width,
            }),
        };
    }
    for i in 0..member_count(select) {
        let body = member(select, i)?;
        let source = open_source(view, body, env, slot_of(sources, i)?)?;
        let alias = alias_of(body);
        let scope = source.scope(alias.as_ref());
        if let Some(c) = bare.as_column().filter(|c| c.table.is_none()) {
            if let Some(k) = terms::output_of_alias(body, &scope, &c.column) {
                return Ok(k);
            }
        }
        for k in 0..width {
            let same = match terms::output_at(body, &scope, k) {
                Some(terms::Output::Expr(expr)) => same_expr(bare, expr, &scope, env.alloc)?,
                Some(terms::Output::TableColumn { level, column }) => match bare.as_column() {
                    Some(c) => {
                        find(&scope, c)? == Some((level, crate::sql::ColumnPos::Column(column)))
                    }
                    None => false,
                },
                None => false,
            };
            if same {
                return Ok(k);
            }
        }
    }
    Err(Error::Sql(
        "ORDER BY term does not match any column in the result set",
    ))
}

/// Whether the term `term` is the result expression `expr`: the same
/// column of the member's table, or the same text without a parameter
/// (two `?` are the same text but different parameters, which SQLite
/// tells apart).
fn same_expr<A: Allocator + Clone>(
    term: &Expr<'_, A>,
    expr: &Expr<'_, A>,
    scope: &dyn Scope<A>,
    alloc: &A,
) -> Result<bool> {
    if let (Some(a), Some(b)) = (term.as_column(), expr.as_column()) {
        if scope.levels() > 0 {
            let at = find(scope, a)?;
            return Ok(at.is_some() && at == find(scope, b)?);
        }
    }
    let mut x = String::new_in(alloc.clone());
    let mut y = String::new_in(alloc.clone());
    x.try_write_fmt(format_args!("{term}"))?;
    y.try_write_fmt(format_args!("{expr}"))?;
    let parameter = |c: char| matches!(c, '?' | ':' | '@' | '$');
    Ok(x == y && !x.contains(parameter))
}
