//! Aggregate queries: `GROUP BY`, `HAVING`, and aggregates anywhere in
//! the result columns and `ORDER BY` terms (`coalesce(max(x), 0)`,
//! `CASE WHEN count(*) > 1 ...`, `a + max(b)`).
//!
//! Without `GROUP BY` or `DISTINCT` aggregates, the rows that pass
//! `WHERE` are one group (even when there are none), fed as the scan
//! reads them. Otherwise two passes: the first sorts, for each row that
//! passes `WHERE`, its group key values, a sequence number and its rowid,
//! so each group's rows come out adjacent, in scan order (and gives each
//! `DISTINCT` aggregate's value to their sort, see `distinct`); the
//! second takes them from the sort one by one, moves the source to each
//! row and feeds the group's aggregates, a `DISTINCT` one the value the
//! row kept, if any.
//!
//! When a group closes, `HAVING`, the result columns and the `ORDER BY`
//! keys are evaluated with each aggregate call reading the group's value
//! (see `context::Aggregated`) and a column outside an aggregate (a bare
//! column) reading the row SQLite's `updateAccumulator` loads it from:
//! with a `min` or `max` in the query, the last row on which the last of
//! them fed (in the order `calls` lists them) set its value (a NULL sets
//! one still unset; a duplicate for a `DISTINCT` one feeds nothing), else
//! the group's first row; with no row at all, NULL. Its result row goes
//! to the sorting stage (`ordered`), or is the query's one row without
//! `GROUP BY`; in a query with window calls the group goes instead to the
//! window stage (`window`), with that row's position and the aggregates'
//! values, and its result row is made once the windows are computed. An
//! aggregate with `FILTER` is fed only the rows its condition is true
//! for.
//!
//! Invariants: memory is the sort budget whatever the number of rows,
//! groups or `DISTINCT` aggregates. The sorting stage takes half of it;
//! the sort of the group keys and, with `DISTINCT` aggregates, the two
//! sorts of their values (see `distinct`) share the other half in equal
//! shares; each spills to temporary files past its share (see
//! `crate::sort`). Group keys compare with a column's own collation
//! (BINARY otherwise), NULLs in one group.

use boundlite_platform::Platform;

use crate::alloc::{Allocator, Box, TryClone, Vec};
use crate::record::{Collation, ValueRef, compare_values};
use crate::sort::{Budget, Current, Row, SortKey, Sorter};
use crate::sql::eval::{
    EvalContext, Value, carries_json_column, evaluate, evaluate_condition, json, truth,
};
use crate::sql::{FunctionArgs, Ident, OrderingTerm, ResultColumn, SelectBody};
use crate::{ByClause, Error, Result};

use super::aggregate::{Acc, Step, feed};
use super::calls::{Calls, Input};
use super::context::{Aggregated, RowContext};
use super::distinct::{DistinctInput, DistinctValues};
use super::ordered::{Ordered, Shape, SortEnv};
use super::rows::Rows;
use super::select::{Query, alias_of, matches};
use super::terms::{Term, resolve_terms};
use super::window::{self, Finish, Stage};
use super::{Env, order};

/// How many passes over the rows a query takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Passes {
    /// One: each row is fed as the scan reads it.
    One,
    /// Two: the rows sorted by group first (see `groups`).
    Two,
}

/// The sorts of the input: where they spill, the share of the budget each
/// takes, and the one of the `DISTINCT` aggregates' values, if any.
struct Sorts<'p, P: Platform, A: Allocator + Clone> {
    platform: &'p P,
    share: Budget,
    distinct: Option<DistinctInput<'p, P, A>>,
}

/// The rows of the aggregate query `select`, filtered by `HAVING`, made
/// distinct, sorted, offset and limited.
pub(crate) fn run<P: Platform, A: Allocator + Clone>(
    source: &mut Rows<'_, P, A>,
    order_by: &[OrderingTerm<'_, A>],
    body: &SelectBody<'_, A>,
    env: Env<'_, A>,
    sort: SortEnv<'_, P>,
    skip: u64,
    remaining: Option<u64>,
) -> Result<Query<P::File, A>> {
    let alloc = env.alloc.clone();
    let alias = alias_of(body);
    let width = body.group_by.len();
    let (group_keys, order_keys) = {
        let scope = source.scope(alias.as_ref());
        let group_keys = resolve_terms(
            body.group_by.iter(),
            ByClause::Group,
            body,
            &scope,
            alloc.clone(),
        )?;
        let order_keys = resolve_terms(
            order_by.iter().map(|t| &t.expr),
            ByClause::Order,
            body,
            &scope,
            alloc.clone(),
        )?;
        (group_keys, order_keys)
    };
    let mut collations = Vec::try_with_capacity_in(width, alloc.clone())?;
    let mut outputs = Vec::new_in(alloc.clone());
    let calls = {
        let scope = source.scope(alias.as_ref());
        source.with_table(env, alias, |ctx| {
            for key in group_keys.iter() {
                collations.try_push(key.collation(ctx)?)?;
            }
            order::output_collations(body, &scope, ctx, &mut outputs)?;
            Calls::find(order_by, body, ctx)
        })?
    };
    let distinct = calls.aggregates.iter().any(|a| a.input == Input::Distinct);
    let half = sort.budget.half();
    // A DISTINCT aggregate is fed on the rows its values came from, in
    // the second pass of grouping, even with no GROUP BY.
    let passes = if width > 0 || distinct {
        Passes::Two
    } else {
        Passes::One
    };
    // The group keys' sort, and the DISTINCT values' two.
    let shares = match passes {
        Passes::One => 1,
        Passes::Two if distinct => 3,
        Passes::Two => 1,
    };
    let share = Budget {
        bytes: half.bytes / shares,
        page: half.page,
    };
    let distinct = match distinct {
        true => Some(DistinctInput::new(
            sort.platform,
            &collations,
            share,
            alloc.clone(),
        )?),
        false => None,
    };
    // Windows are computed over the groups' rows (see `window`).
    let mut window_collations = Vec::new_in(alloc.clone());
    let output = if window::has_windows(body, order_by) {
        let at = source.position_width();
        let query_env = env;
        let env = SortEnv {
            budget: half,
            ..sort
        };
        let stage = source.with_table(query_env, alias, |ctx| {
            for key in order_keys.iter() {
                window_collations.try_push(key.collation(ctx)?)?;
            }
            Stage::new(body, order_by, at, calls.aggregates.len(), ctx, env)
        })?;
        Output::Windowed(Box::try_new_in(stage, alloc.clone())?)
    } else if width == 0 && order_by.is_empty() && !body.distinct {
        Output::One(None)
    } else {
        let shape = Shape {
            terms: order_by.len(),
            distinct: body.distinct,
            skip,
            remaining,
        };
        let env = SortEnv {
            budget: half,
            ..sort
        };
        let rows = Ordered::new(env, shape, alloc.clone());
        Output::Sorted(Box::try_new_in(rows, alloc.clone())?)
    };
    let mut group = Group {
        body,
        alias,
        outputs,
        order_by,
        group_keys: &group_keys,
        order_keys: &order_keys,
        calls: &calls,
        accs: Vec::try_with_capacity_in(calls.aggregates.len(), alloc.clone())?,
        results: Vec::try_with_capacity_in(calls.aggregates.len(), alloc.clone())?,
        distinct: None,
        picks: calls.picks_rows(),
        last_step: Step::Set,
        bare: false,
        bare_at: Vec::new_in(alloc.clone()),
        position: Vec::new_in(alloc.clone()),
        rows: output,
        closed: 0,
        out: Vec::new_in(alloc.clone()),
        collations: Vec::new_in(alloc.clone()),
    };
    group.reset()?;
    let mut sorts = Sorts {
        platform: sort.platform,
        share,
        distinct,
    };
    match passes {
        Passes::One => one_group(source, body, env, alias, &mut group)?,
        Passes::Two => groups(
            source,
            body,
            env,
            alias,
            &mut group,
            &mut sorts,
            &collations,
        )?,
    }
    match core::mem::replace(&mut group.rows, Output::One(None)) {
        Output::Windowed(stage) => {
            let rows = Box::into_inner(stage).finish(Finish {
                source,
                body,
                env,
                terms: order_by,
                keys: &order_keys,
                collations: &window_collations,
                outputs: &group.outputs,
                skip,
                remaining,
                aggregates: &calls.sites,
            })?;
            Ok(Query::Sorted(rows))
        }
        rows => {
            group.rows = rows;
            group.finish(skip, remaining, &alloc)
        }
    }
}

/// Feeds `group` the rows that pass `WHERE` as the scan reads them, and
/// closes it.
fn one_group<P: Platform, A: Allocator + Clone>(
    source: &mut Rows<'_, P, A>,
    body: &SelectBody<'_, A>,
    env: Env<'_, A>,
    alias: Option<Ident<'_>>,
    group: &mut Group<'_, '_, '_, '_, P, A>,
) -> Result<()> {
    let mut seq: i64 = 0;
    let proven = source.proven();
    while source.advance(env, body)? {
        group.position.clear();
        source.push_position(&mut group.position)?;
        source.with_row(env, alias, |ctx| {
            if !matches(body, proven, ctx)? {
                return Ok(());
            }
            group.feed(ctx, seq)?;
            seq += 1;
            Ok(())
        })?;
    }
    close(source, env, alias, group)
}

/// Sorts the rows that pass `WHERE` by group (keys compared with
/// `collations`) and the values of the `DISTINCT` aggregates, then feeds
/// each group to `group` and closes it. Without `GROUP BY`, the one group
/// is closed even when it has no row.
fn groups<'p, P: Platform, A: Allocator + Clone>(
    source: &mut Rows<'_, P, A>,
    body: &SelectBody<'_, A>,
    env: Env<'_, A>,
    alias: Option<Ident<'_>>,
    group: &mut Group<'_, '_, '_, 'p, P, A>,
    sorts: &mut Sorts<'p, P, A>,
    collations: &[Collation],
) -> Result<()> {
    let alloc = env.alloc.clone();
    let width = collations.len();
    let keys = entry_keys(collations, alloc.clone())?;
    let mut entries = Sorter::new(sorts.platform, keys, sorts.share, alloc.clone());
    let mut seq: i64 = 0;
    let proven = source.proven();
    let at = source.position_width();
    while source.advance(env, body)? {
        group.position.clear();
        source.push_position(&mut group.position)?;
        let entry = source.with_row(env, alias, |ctx| {
            if !matches(body, proven, ctx)? {
                return Ok(None);
            }
            let mut entry = Vec::try_with_capacity_in(width + 1 + at, alloc.clone())?;
            for key in group.group_keys.iter() {
                entry.try_push(key.evaluate(ctx)?)?;
            }
            if let Some(input) = sorts.distinct.as_mut() {
                push_distinct(group.calls, input, seq, &entry, ctx)?;
            }
            entry.try_push(Value::Integer(seq))?;
            // A position is rowids and NULLs, copied without allocating,
            // or the records of WITHOUT ROWID tables' rows.
            for value in group.position.iter() {
                entry.try_push(value.try_clone()?)?;
            }
            Ok(Some(entry))
        })?;
        if let Some(entry) = entry {
            entries.push(entry)?;
            seq += 1;
        }
    }
    group.distinct = match sorts.distinct.take() {
        Some(input) => Some(input.finish(sorts.share)?),
        None => None,
    };
    let mut entries = entries.finish()?;
    // The group being fed: its keys, once it has a row.
    let mut keys: Row<A> = Vec::new_in(alloc.clone());
    let mut started = false;
    while entries.advance()? {
        let entry = entries.current()?;
        let ValueRef::Integer(seq) = entry.column(width)? else {
            return Err(Error::Misuse("a group entry without its number"));
        };
        group.position.clear();
        for j in 0..at {
            group.position.try_push(Value::try_from_ref(
                entry.column(width + 1 + j)?,
                alloc.clone(),
            )?)?;
        }
        if !(started && same_group(&entry, &keys, collations)?) {
            if started {
                close(source, env, alias, group)?;
                group.reset()?;
            }
            copy_keys(&entry, width, &mut keys, &alloc)?;
            started = true;
        }
        if !source.seek(&group.position, env, body)? {
            return Err(Error::corrupt_file("a grouped row is gone from its table"));
        }
        source.with_row(env, alias, |ctx| group.feed(ctx, seq))?;
    }
    if started || width == 0 {
        close(source, env, alias, group)?;
    }
    match group.distinct.take() {
        Some(values) => values.finish(),
        None => Ok(()),
    }
}

/// Adds the value of each `DISTINCT` aggregate's argument on the row of
/// `ctx`, numbered `seq`, in the group whose keys are `keys`.
fn push_distinct<P: Platform, A: Allocator + Clone>(
    calls: &Calls<'_, '_, A>,
    input: &mut DistinctInput<'_, P, A>,
    seq: i64,
    keys: &[Value<A>],
    ctx: &RowContext<'_, '_, A>,
) -> Result<()> {
    for (i, aggregate) in calls.aggregates.iter().enumerate() {
        if aggregate.input != Input::Distinct {
            continue;
        }
        let arg = match &aggregate.call.args {
            FunctionArgs::List(args) => args.first(),
            FunctionArgs::Star => None,
        };
        let arg = arg.ok_or(Error::Misuse("a DISTINCT aggregate without its argument"))?;
        input.push(seq, i, aggregate.collation, keys, evaluate(arg, ctx)?)?;
    }
    Ok(())
}

/// Closes `group` on the row its bare columns read.
fn close<P: Platform, A: Allocator + Clone>(
    source: &mut Rows<'_, P, A>,
    env: Env<'_, A>,
    alias: Option<Ident<'_>>,
    group: &mut Group<'_, '_, '_, '_, P, A>,
) -> Result<()> {
    if !group.bare {
        return source.with_table(env, alias, |ctx| group.close(ctx));
    }
    if !source.seek(&group.bare_at, env, group.body)? {
        return Err(Error::corrupt_file("a grouped row is gone from its table"));
    }
    source.with_row(env, alias, |ctx| group.close(ctx))
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

/// Where the result rows of an aggregate query go.
enum Output<'g, 'a, 'p, P: Platform, A: Allocator + Clone> {
    /// The one row of a query without `GROUP BY`, `ORDER BY` or
    /// `DISTINCT`, once closed (none when `HAVING` drops it).
    One(Option<Row<A>>),
    /// The sorting stage, rows laid out as it takes them (boxed: it is
    /// many times the size of a row).
    Sorted(Box<Ordered<'p, P, A>, A>),
    /// The window stage of a query with window calls: each group's
    /// entry, its window calls computed when every group closed.
    Windowed(Box<Stage<'g, 'a, 'p, P, A>, A>),
}

/// The group being aggregated, and the rows of those closed.
struct Group<'g, 'q, 'a, 'p, P: Platform, A: Allocator + Clone> {
    body: &'g SelectBody<'a, A>,
    /// The alias of the one table the query reads, if it reads one.
    alias: Option<Ident<'a>>,
    /// The collation of each output column.
    outputs: Vec<Collation, A>,
    order_by: &'g [OrderingTerm<'a, A>],
    /// The `GROUP BY` terms, resolved.
    group_keys: &'g [Term<'q, 'a, A>],
    /// The `ORDER BY` terms, resolved.
    order_keys: &'g [Term<'q, 'a, A>],
    calls: &'g Calls<'q, 'a, A>,
    accs: Vec<Acc<A>, A>,
    /// The aggregates' values once the group is closed.
    results: Vec<Value<A>, A>,
    /// The values of the `DISTINCT` aggregates, if any.
    distinct: Option<DistinctValues<P::File, A>>,
    /// Whether the query has a `min` or `max`, whose rows the bare
    /// columns read.
    picks: bool,
    /// What the last `min` or `max` fed did: SQLite keeps it in one
    /// register, which a row that feeds none (each a duplicate for its
    /// `DISTINCT`) leaves as it was.
    last_step: Step,
    /// Whether the group has a row for its bare columns to read.
    bare: bool,
    /// Where that row is (see `Rows::push_position`).
    bare_at: Vec<Value<A>, A>,
    /// Where the row being fed is.
    position: Vec<Value<A>, A>,
    rows: Output<'g, 'a, 'p, P, A>,
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
        for _ in self.calls.aggregates.iter() {
            self.accs.try_push(Acc::new())?;
        }
        self.bare = false;
        self.last_step = Step::Set;
        Ok(())
    }

    /// Adds the current row (at `self.position`), numbered `seq`, to the
    /// group: to each `DISTINCT` aggregate, its value when the row has
    /// one kept.
    fn feed(&mut self, ctx: &RowContext<'_, '_, A>, seq: i64) -> Result<()> {
        let alloc = ctx.allocator();
        let aggregates = self.calls.aggregates.iter().zip(self.accs.iter_mut());
        for (i, (aggregate, acc)) in aggregates.enumerate() {
            let (kind, collation) = (aggregate.kind, aggregate.collation);
            let step = match (aggregate.input, self.distinct.as_mut()) {
                (Input::Distinct, Some(values)) => values.take(seq, i, collation, |value| {
                    acc.add(kind, value, None, collation, &alloc)
                })?,
                (Input::Distinct, _) => {
                    return Err(Error::Misuse("a DISTINCT aggregate without its values"));
                }
                (Input::Every, _) => match &aggregate.call.filter {
                    Some(filter) if evaluate_condition(filter, ctx)? != Some(true) => None,
                    _ => {
                        refuse_grouped_json(kind, aggregate.call, &self.body.group_by, ctx)?;
                        Some(feed(kind, aggregate.call, collation, acc, ctx)?)
                    }
                },
            };
            if let (Some(step), true) = (step, kind.picks_row()) {
                self.last_step = step;
            }
        }
        let load = if self.picks {
            self.last_step == Step::Set
        } else {
            !self.bare
        };
        if load {
            self.bare = true;
            self.bare_at.clear();
            for value in self.position.iter() {
                self.bare_at.try_push(value.try_clone()?)?;
            }
        }
        Ok(())
    }

    /// Ends the group on the row its bare columns read (`ctx`): keeps its
    /// result row if it passes `HAVING`.
    fn close(&mut self, row: &RowContext<'_, '_, A>) -> Result<()> {
        self.results.clear();
        for (aggregate, acc) in self.calls.aggregates.iter().zip(self.accs.iter_mut()) {
            let acc = core::mem::replace(acc, Acc::new());
            self.results
                .try_push(acc.finish(aggregate.kind, &row.allocator())?)?;
        }
        let ctx = row.with_aggregates(Aggregated {
            sites: &self.calls.sites,
            values: &self.results,
        });
        if let Some(having) = &self.body.having {
            if truth(evaluate(having, &ctx)?.as_ref()) != Some(true) {
                return Ok(());
            }
        }
        if let Output::Windowed(stage) = &mut self.rows {
            let position = self.bare.then_some(self.bare_at.as_slice());
            return stage.push(&ctx, position, &self.results);
        }
        self.out.clear();
        for column in self.body.columns.iter() {
            match column {
                ResultColumn::Expr { expr, .. } => self.out.try_push(evaluate(expr, &ctx)?)?,
                ResultColumn::Star | ResultColumn::TableStar(_) => {
                    let named = match column {
                        ResultColumn::TableStar(name) => Some(name),
                        _ => None,
                    };
                    let out = &mut self.out;
                    ctx.each_star(named, &mut |value| {
                        out.try_push(Value::try_from_ref(value, ctx.allocator())?)?;
                        Ok(())
                    })?;
                }
            }
        }
        let rows = match &mut self.rows {
            Output::One(row) => {
                let out = core::mem::replace(&mut self.out, Vec::new_in(ctx.allocator()));
                *row = Some(out);
                return Ok(());
            }
            Output::Sorted(rows) => rows,
            Output::Windowed(_) => return Err(Error::Misuse("a windowed group closed as a row")),
        };
        let terms = self.order_by;
        if !rows.is_started() {
            for key in self.order_keys.iter() {
                self.collations.try_push(key.collation(&ctx)?)?;
            }
            rows.start(terms, &self.collations, &self.outputs)?;
        }
        let seq = self.closed;
        let mut row = Vec::try_with_capacity_in(terms.len() + 1 + self.out.len(), ctx.allocator())?;
        for key in self.order_keys.iter() {
            row.try_push(order::sort_key(
                key, self.body, self.alias, &ctx, &self.out,
            )?)?;
        }
        row.try_push(Value::Integer(seq))?;
        for value in self.out.drain(..) {
            row.try_push(value)?;
        }
        rows.push(row)?;
        self.closed += 1;
        Ok(())
    }

    /// The query's rows, `skip` and `remaining` applied to one row.
    fn finish(self, skip: u64, remaining: Option<u64>, alloc: &A) -> Result<Query<P::File, A>> {
        match self.rows {
            Output::Sorted(rows) => Ok(Query::Sorted(Box::into_inner(rows).finish()?)),
            Output::Windowed(_) => Err(Error::Misuse("a windowed query finished as groups")),
            Output::One(row) => {
                let mut rows = Vec::new_in(alloc.clone());
                if let Some(row) = row.filter(|_| skip == 0 && remaining != Some(0)) {
                    rows.try_push(row)?;
                }
                Ok(Query::Buffered { rows, next: 0 })
            }
        }
    }
}

/// Refuses `json_group_array` and `json_group_object` of `json_each`'s
/// `value` in a grouped query: SQLite's rows reach them through its
/// sorter, which drops the value's JSON subtype, or through an index,
/// which keeps it, as its plan goes.
fn refuse_grouped_json<A: Allocator + Clone>(
    kind: super::aggregate::Kind,
    call: &crate::sql::FunctionCall<'_, A>,
    group_by: &[crate::sql::Expr<'_, A>],
    ctx: &RowContext<'_, '_, A>,
) -> Result<()> {
    use super::aggregate::Kind;
    if group_by.is_empty() || !matches!(kind, Kind::JsonArray(_) | Kind::JsonObject(_)) {
        return Ok(());
    }
    let FunctionArgs::List(args) = &call.args else {
        return Ok(());
    };
    match args.iter().any(|a| carries_json_column(a, ctx)) {
        true => Err(json::UNKNOWN_COLUMN_SUBTYPE),
        false => Ok(()),
    }
}
