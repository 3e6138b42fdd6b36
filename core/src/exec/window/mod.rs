//! Window functions (`f(args) [FILTER (WHERE c)] OVER window`): the
//! result columns and `ORDER BY` terms of a query read each call's value
//! on the row it is computed for; in a query that groups, the rows are
//! the groups' (see `group`, which gives each group to the [`Stage`]).
//!
//! - `spec`: the window calls of a query and the windows they run over;
//! - `frame`: the rows of its partition a call reads, for each row;
//! - `partition`: the rows of one partition, held while computed;
//! - `queued`: a group of peers too large to hold, of a sort that streams;
//! - `functions`: the window functions and their values.
//!
//! How a query runs: one pass reads the rows that pass `WHERE` (or the
//! groups that pass `HAVING`) and sorts, for each, an entry laid out
//! `[sequence number, whether it has a row, position, for each
//! sort its partition and order values, for each call its arguments (and
//! `FILTER` value), for each call its value, its group's aggregate
//! values]`, by the last sort's
//! partition, order and sequence number. Each sort, last found first as
//! in SQLite, then reads the entries in its order, a partition at a
//! time, computes the values of its calls and sorts the entries for the
//! next, numbered in the order it gave them (so its order breaks the
//! next sort's ties, as in SQLite); the first one moves the source
//! back to each entry's row (by its position, as `group` does) and gives
//! its result row, each window call reading its value, to the sorting
//! stage (`ordered`), which applies the query's `ORDER BY`, `DISTINCT`,
//! `LIMIT` and `OFFSET`. Without `ORDER BY`, rows come out in the first
//! sort's order.
//!
//! Memory: the sort budget, shared: a quarter for the entries' sort
//! being read, a quarter for the next sort (or the sorting stage), half
//! for the rows held (see `partition`). A sort whose calls only count
//! rows and peers or keep a running aggregate (`row_number`, `rank`,
//! `dense_rank`, an aggregate over `UNBOUNDED PRECEDING` to `CURRENT
//! ROW`, which an aggregate over a whole partition without `ORDER BY`
//! is) holds one group of peers at a time, and a group too large for
//! its share waits in a queue that spills to a temporary file (see
//! `queued`); any other holds a whole partition, and fails with
//! `OutOfMemory` when one takes more than its share.
//!
//! Not supported, an `Error::Sql`: `RANGE` with an offset from a TEXT or
//! BLOB value.

mod frame;
mod functions;
mod partition;
mod queued;
mod spec;

use boundlite_platform::Platform;

use crate::alloc::{Allocator, TryClone, Vec};
use crate::record::{Collation, SortOrder, compare_values};
use crate::sort::{Budget, Current, Nulls, Queue, Row, SortKey, Sorter};
use crate::sql::eval::{EvalContext, Value, collation, evaluate};
use crate::sql::{FrameExclude, FrameUnit, NullsOrder, OrderingTerm, SelectBody};
use crate::{ByClause, Error, Result};

use super::Env;
use super::aggregate::Acc;
use super::context::{Aggregated, RowContext, site_of};
use super::order::{expr_collation, output_collations, sort_key};
use super::ordered::{Ordered, Shape, SortEnv, SortedQuery};
use super::rows::Rows;
use super::select::{alias_of, matches, output};
use super::terms::{Term, resolve_terms};

use frame::{Bound, FrameSpec};
use functions::{Func, Inputs, compute};
use partition::Partition;
use queued::Queued;
use spec::Windows;
pub(crate) use spec::{check_misplaced, has_windows};

/// Where each part of an entry lies.
struct Layout<A: Allocator> {
    /// The width of a row's position (after the sequence number and the
    /// flag that says whether the entry has a row).
    at: usize,
    /// The first column of each sort's partition values (its order
    /// values follow them).
    sorts: Vec<usize, A>,
    /// Each call's inputs.
    inputs: Vec<Inputs, A>,
    /// The column of the first call's value (the group's aggregate
    /// values follow the calls').
    results: usize,
    /// The columns of an entry.
    width: usize,
}

/// The column of the flag that says whether an entry has a row.
const HAS_ROW: usize = 1;

/// The window stage of a query: its calls, where an entry keeps what,
/// and the sort of the entries given so far.
pub(crate) struct Stage<'q, 'a, 'p, P: Platform, A: Allocator + Clone> {
    windows: Windows<'q, 'a, A>,
    layout: Layout<A>,
    /// Each sort's keys: its partition's, its order's, the sequence
    /// number.
    sort_keys: Vec<Vec<SortKey, A>, A>,
    entries: Sorter<'p, P, A>,
    sort: SortEnv<'p, P>,
    seq: i64,
}

/// What the result rows of a windowed query are made with.
pub(crate) struct Finish<'f, 'v, 'q, 'a, P: Platform, A: Allocator + Clone> {
    /// The rows the entries' positions find again.
    pub source: &'f mut Rows<'v, P, A>,
    pub body: &'f SelectBody<'a, A>,
    pub env: Env<'f, A>,
    /// The query's `ORDER BY` terms, resolved, and their collations.
    pub terms: &'f [OrderingTerm<'a, A>],
    pub keys: &'f [Term<'q, 'a, A>],
    pub collations: &'f [Collation],
    /// The collations of the result columns (for `DISTINCT`).
    pub outputs: &'f [Collation],
    pub skip: u64,
    pub remaining: Option<u64>,
    /// Where the group's aggregate calls are (see `calls`); none for a
    /// query that does not aggregate.
    pub aggregates: &'f [(usize, usize)],
}

impl<'q, 'a, 'p, P: Platform, A: Allocator + Clone> Stage<'q, 'a, 'p, P, A> {
    /// The stage of the window calls of `body` and its `ORDER BY` terms
    /// `terms`, over rows whose positions are `at` wide, each carrying
    /// `aggregates` values of its group; collations found in `ctx`.
    pub fn new(
        body: &'q SelectBody<'a, A>,
        terms: &'q [OrderingTerm<'a, A>],
        at: usize,
        aggregates: usize,
        ctx: &RowContext<'_, '_, A>,
        sort: SortEnv<'p, P>,
    ) -> Result<Self> {
        let alloc = ctx.allocator();
        let windows = Windows::find(body, terms, alloc.clone())?;
        for call in windows.calls.iter() {
            let order = windows.sorts.get(call.sort).map_or(0, |s| s.order.len());
            frame::check(call.frame, order)?;
        }
        let mut layout = layout(&windows, at, aggregates, alloc.clone())?;
        let mut sort_keys = Vec::try_with_capacity_in(windows.sorts.len(), alloc.clone())?;
        for (s, first) in windows.sorts.iter().zip(layout.sorts.iter()) {
            let mut keys = Vec::new_in(alloc.clone());
            let mut column = *first;
            for expr in s.partition.iter() {
                keys.try_push(SortKey::ascending(column, expr_collation(expr, ctx)?))?;
                column += 1;
            }
            for term in s.order.iter() {
                keys.try_push(order_key(term, column, expr_collation(&term.expr, ctx)?))?;
                column += 1;
            }
            keys.try_push(SortKey::ascending(0, Collation::Binary))?;
            sort_keys.try_push(keys)?;
        }
        for (call, inputs) in windows.calls.iter().zip(layout.inputs.iter_mut()) {
            if let Some(arg) = call.args.first() {
                inputs.collation = collation(arg, ctx)?.unwrap_or_default();
            }
        }
        let first_keys = copy_keys(sort_keys.last().map_or(&[][..], |k| k), &alloc)?;
        let entries = Sorter::new(sort.platform, first_keys, share(sort), alloc);
        Ok(Stage {
            windows,
            layout,
            sort_keys,
            entries,
            sort,
            seq: 0,
        })
    }

    /// Adds the entry of the row of `ctx`, found again at `position`
    /// (`None`: a group with no row), its group's values `aggregates`.
    pub fn push(
        &mut self,
        ctx: &RowContext<'_, '_, A>,
        position: Option<&[Value<A>]>,
        aggregates: &[Value<A>],
    ) -> Result<()> {
        let alloc = ctx.allocator();
        let mut row = Vec::try_with_capacity_in(self.layout.width, alloc.clone())?;
        row.try_push(Value::Integer(self.seq))?;
        row.try_push(Value::Integer(i64::from(position.is_some())))?;
        for i in 0..self.layout.at {
            let value = match position.and_then(|p| p.get(i)) {
                Some(v) => v.try_clone()?,
                None => Value::Null,
            };
            row.try_push(value)?;
        }
        for s in self.windows.sorts.iter() {
            for expr in s.partition.iter() {
                row.try_push(evaluate(expr, ctx)?)?;
            }
            for term in s.order.iter() {
                row.try_push(evaluate(&term.expr, ctx)?)?;
            }
        }
        for call in self.windows.calls.iter() {
            for arg in call.args.iter() {
                row.try_push(evaluate(arg, ctx)?)?;
            }
            if let Some(filter) = &call.call.filter {
                row.try_push(evaluate(filter, ctx)?)?;
            }
        }
        for _ in self.windows.calls.iter() {
            row.try_push(Value::Null)?;
        }
        for value in aggregates.iter() {
            row.try_push(value.try_clone()?)?;
        }
        self.entries.push(row)?;
        self.seq += 1;
        Ok(())
    }

    /// Computes the window calls and gives the query's result rows, to be
    /// read sorted, offset and limited.
    pub fn finish(self, finish: Finish<'_, '_, '_, '_, P, A>) -> Result<SortedQuery<P::File, A>> {
        let Stage {
            windows,
            layout,
            sort_keys,
            mut entries,
            sort,
            ..
        } = self;
        let alloc = finish.env.alloc.clone();
        let shape = Shape {
            terms: finish.terms.len(),
            distinct: finish.body.distinct,
            skip: finish.skip,
            remaining: finish.remaining,
        };
        let ordered = Ordered::new(
            SortEnv {
                budget: share(sort),
                ..sort
            },
            shape,
            alloc.clone(),
        );
        let calls = windows.calls.len();
        let mut sites = Vec::try_with_capacity_in(calls + finish.aggregates.len(), alloc.clone())?;
        for (k, call) in windows.calls.iter().enumerate() {
            sites.try_push((site_of(call.call), k))?;
        }
        for (site, k) in finish.aggregates.iter() {
            sites.try_push((*site, calls + k))?;
        }
        let mut frames: Vec<Option<FrameSpec>, A> = Vec::new_in(alloc.clone());
        for _ in windows.calls.iter() {
            frames.try_push(None)?;
        }
        let mut pass = Pass {
            windows: &windows,
            layout: &layout,
            sort_keys: &sort_keys,
            frames,
            part: Partition::new(sort.budget.bytes / 2, alloc.clone()),
            values: Vec::new_in(alloc.clone()),
            queued: None,
            accs: Vec::new_in(alloc.clone()),
            emitted: 0,
            env: finish.env,
        };
        let held = Budget {
            bytes: sort.budget.bytes / 2,
            page: sort.budget.page,
        };
        let mut queue = Queue::new(sort.platform, held, alloc.clone());
        let mut last = Final {
            source: finish.source,
            body: finish.body,
            env: finish.env,
            sites: &sites,
            layout: &layout,
            terms: finish.terms,
            keys: finish.keys,
            collations: finish.collations,
            outputs: finish.outputs,
            ordered,
            out: Vec::new_in(alloc.clone()),
            position: Vec::new_in(alloc.clone()),
            emitted: 0,
        };
        // SQLite computes the windows last found first: the first found
        // orders the rows of a query without `ORDER BY`.
        for s in (0..windows.sorts.len()).rev() {
            let sorted = entries.finish()?;
            match s.checked_sub(1).and_then(|before| sort_keys.get(before)) {
                Some(keys) => {
                    let keys = copy_keys(keys, &alloc)?;
                    let mut next = Sorter::new(sort.platform, keys, share(sort), alloc.clone());
                    pass.run(s, sorted, &mut queue, &mut |row| next.push(row))?;
                    entries = next;
                }
                None => {
                    pass.run(s, sorted, &mut queue, &mut |row| last.emit(row))?;
                    break;
                }
            }
        }
        last.ordered.finish()
    }
}

/// The share of the sort budget of one sort of the stage.
fn share<P: Platform>(sort: SortEnv<'_, P>) -> Budget {
    Budget {
        bytes: sort.budget.bytes / 4,
        page: sort.budget.page,
    }
}

/// The rows of the query `body` with window calls, sorted by `terms`,
/// offset and limited.
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
    let at = source.position_width();
    let mut collations = Vec::try_with_capacity_in(terms.len(), alloc.clone())?;
    let mut outputs = Vec::new_in(alloc.clone());
    let (keys, mut stage) = {
        let scope = source.scope(alias.as_ref());
        let keys = resolve_terms(
            terms.iter().map(|t| &t.expr),
            ByClause::Order,
            body,
            &scope,
            alloc.clone(),
        )?;
        let stage = source.with_table(env, alias, |ctx| {
            for key in keys.iter() {
                collations.try_push(key.collation(ctx)?)?;
            }
            output_collations(body, &scope, ctx, &mut outputs)?;
            Stage::new(body, terms, at, 0, ctx, sort)
        })?;
        (keys, stage)
    };
    let proven = source.proven();
    let mut position = Vec::new_in(alloc.clone());
    while source.advance(env, body)? {
        position.clear();
        source.push_position(&mut position)?;
        source.with_row(env, alias, |ctx| {
            if !matches(body, proven, ctx)? {
                return Ok(());
            }
            stage.push(ctx, Some(&position), &[])
        })?;
    }
    stage.finish(Finish {
        source,
        body,
        env,
        terms,
        keys: &keys,
        collations: &collations,
        outputs: &outputs,
        skip,
        remaining,
        aggregates: &[],
    })
}

/// Where each part of the entries of `windows` lies, the rows' positions
/// `at` wide, each with `aggregates` values of its group.
fn layout<A: Allocator + Clone>(
    windows: &Windows<'_, '_, A>,
    at: usize,
    aggregates: usize,
    alloc: A,
) -> Result<Layout<A>> {
    let mut column = 2 + at;
    let mut sorts = Vec::try_with_capacity_in(windows.sorts.len(), alloc.clone())?;
    for s in windows.sorts.iter() {
        sorts.try_push(column)?;
        column += s.partition.len() + s.order.len();
    }
    let mut inputs = Vec::try_with_capacity_in(windows.calls.len(), alloc)?;
    for call in windows.calls.iter() {
        let args = column;
        column += call.args.len();
        let filter = call.call.filter.as_ref().map(|_| {
            column += 1;
            column - 1
        });
        inputs.try_push(Inputs {
            args,
            arity: call.args.len(),
            filter,
            collation: Collation::Binary,
        })?;
    }
    Ok(Layout {
        at,
        sorts,
        inputs,
        results: column,
        width: column + windows.calls.len() + aggregates,
    })
}

/// The sort key of a window's `ORDER BY` term, at `column`.
fn order_key<A: Allocator>(
    term: &OrderingTerm<'_, A>,
    column: usize,
    collation: Collation,
) -> SortKey {
    let order = term.order.unwrap_or(SortOrder::Asc);
    let nulls = match (term.nulls, order) {
        (Some(NullsOrder::First), _) | (None, SortOrder::Asc) => Nulls::First,
        (Some(NullsOrder::Last), _) | (None, SortOrder::Desc) => Nulls::Last,
    };
    SortKey {
        column,
        order,
        collation,
        nulls,
    }
}

fn copy_keys<A: Allocator + Clone>(keys: &[SortKey], alloc: &A) -> Result<Vec<SortKey, A>> {
    Ok(Vec::try_from_slice_in(keys, alloc.clone())?)
}

/// Where call `k`'s inputs lie in `layout`, and its running aggregate
/// among `accs`.
fn inputs_and_acc<'x, A: Allocator + Clone>(
    layout: &Layout<A>,
    accs: &'x mut Vec<Acc<A>, A>,
    k: usize,
) -> Result<(Inputs, &'x mut Acc<A>)> {
    let inputs = *layout
        .inputs
        .get(k)
        .ok_or(Error::Misuse("a window call without its inputs"))?;
    let acc = accs
        .get_mut(k)
        .ok_or(Error::Misuse("a window call without its aggregate"))?;
    Ok((inputs, acc))
}

/// Whether rows `a` and `b` are equal in the columns of `keys`, each
/// with its collation.
fn same_keys<A: Allocator>(keys: &[SortKey], a: &Row<A>, b: &Row<A>) -> bool {
    keys.iter().all(|k| {
        let (x, y) = (column_of(a, k.column), column_of(b, k.column));
        compare_values(&x, &y, k.collation).is_eq()
    })
}

/// Value `c` of `row` (NULL past its end).
fn column_of<A: Allocator>(row: &Row<A>, c: usize) -> crate::record::ValueRef<'_> {
    row.get(c)
        .map_or(crate::record::ValueRef::Null, Value::as_ref)
}

/// The entry `current` as a row of `width` values, taken when it is in
/// memory.
fn take_row<A: Allocator + Clone>(
    current: Current<'_, A>,
    width: usize,
    alloc: &A,
) -> Result<Row<A>> {
    match current {
        Current::Values(row) => Ok(core::mem::replace(row, Vec::new_in(alloc.clone()))),
        Current::Record(_) => {
            let mut row = Vec::try_with_capacity_in(width, alloc.clone())?;
            for i in 0..width {
                row.try_push(Value::try_from_ref(current.column(i)?, alloc.clone())?)?;
            }
            Ok(row)
        }
    }
}

/// The rows of one sort after another, and what they are computed with.
struct Pass<'w, 'q, 'a, 'e, A: Allocator + Clone> {
    windows: &'w Windows<'q, 'a, A>,
    layout: &'w Layout<A>,
    /// Each sort's keys: its partition's, its order's, the sequence
    /// number.
    sort_keys: &'w [Vec<SortKey, A>],
    /// Each call's frame, once a row needed it (SQLite checks offsets
    /// only when a row is computed).
    frames: Vec<Option<FrameSpec>, A>,
    part: Partition<A>,
    /// One call's values for the rows held.
    values: Vec<Value<A>, A>,
    /// The group of peers waiting in the queue, when one is too large to
    /// hold (see `queued`).
    queued: Option<Queued<A>>,
    /// Each call's running aggregate, carried from one group of peers to
    /// the next of a partition that streams.
    accs: Vec<Acc<A>, A>,
    /// The entries the pass gave so far: the number of the next, which
    /// orders the ties of the next sort as this pass gave them.
    emitted: i64,
    env: Env<'e, A>,
}

/// The rows and peer groups of the partition before those held.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Before {
    pub rows: usize,
    pub groups: usize,
}

/// The frame of the calls that read none.
const NO_FRAME: FrameSpec = FrameSpec {
    unit: FrameUnit::Rows,
    start: Bound::UnboundedPreceding,
    end: Bound::UnboundedFollowing,
    exclude: FrameExclude::NoOthers,
    key: None,
};

impl<A: Allocator + Clone> Pass<'_, '_, '_, '_, A> {
    /// Computes the calls of sort `s` over `sorted`, its entries in its
    /// order, and gives each entry, its values set, to `emit`.
    fn run<P: Platform>(
        &mut self,
        s: usize,
        mut sorted: crate::sort::Sorted<P::File, A>,
        queue: &mut Queue<'_, P, A>,
        emit: &mut dyn FnMut(Row<A>) -> Result<()>,
    ) -> Result<()> {
        let sort = self
            .windows
            .sorts
            .get(s)
            .ok_or(Error::Misuse("a window sort out of place"))?;
        let keys = self
            .sort_keys
            .get(s)
            .ok_or(Error::Misuse("a window sort without its keys"))?;
        let (partition, order) = keys.split_at(sort.partition.len().min(keys.len()));
        let order = order.get(..sort.order.len()).unwrap_or(&[]);
        let streams = self.streams(s);
        let alloc = self.env.alloc.clone();
        let mut before = Before::default();
        self.emitted = 0;
        self.part.clear();
        self.reset_accs()?;
        while sorted.advance()? {
            let row = take_row(sorted.current()?, self.layout.width, &alloc)?;
            let (first, last) = match &self.queued {
                Some(q) => (Some(&q.key), Some(&q.key)),
                None => (
                    self.part.row(0),
                    self.part
                        .len()
                        .checked_sub(1)
                        .and_then(|l| self.part.row(l)),
                ),
            };
            if let (Some(first), Some(last)) = (first, last) {
                let (new_partition, new_peers) = (
                    !same_keys(partition, first, &row),
                    streams && !same_keys(order, last, &row),
                );
                if new_partition {
                    self.end_group(s, order, queue, &mut before, emit)?;
                    before = Before::default();
                    self.reset_accs()?;
                } else if new_peers {
                    self.end_group(s, order, queue, &mut before, emit)?;
                }
            }
            // A group of peers too large to hold waits in the queue.
            if streams && (self.queued.is_some() || !self.part.fits(&row)) {
                self.queue_row(s, row, queue, before)?;
            } else {
                self.part.push(row)?;
            }
        }
        self.end_group(s, order, queue, &mut before, emit)
    }

    /// Computes and gives the rows of sort `s` held or queued, if any.
    fn end_group<P: Platform>(
        &mut self,
        s: usize,
        order: &[SortKey],
        queue: &mut Queue<'_, P, A>,
        before: &mut Before,
        emit: &mut dyn FnMut(Row<A>) -> Result<()>,
    ) -> Result<()> {
        if self.queued.is_some() {
            return self.flush_queued(s, queue, before, emit);
        }
        if self.part.is_empty() {
            return Ok(());
        }
        self.flush(s, order, before, emit)
    }

    /// Whether the calls of sort `s` need no row past the current one's
    /// peers: they count rows and peers, or keep an aggregate running
    /// from the partition's first row to the current row.
    fn streams(&self, s: usize) -> bool {
        self.windows
            .calls
            .iter()
            .filter(|c| c.sort == s)
            .all(|c| match c.func {
                Func::RowNumber | Func::Rank | Func::DenseRank => true,
                Func::Aggregate(_) => c.frame.is_none_or(|f| {
                    matches!(f.start, crate::sql::FrameBound::UnboundedPreceding)
                        && matches!(f.end, None | Some(crate::sql::FrameBound::CurrentRow))
                        && matches!(f.exclude, None | Some(FrameExclude::NoOthers))
                }),
                _ => false,
            })
    }

    fn reset_accs(&mut self) -> Result<()> {
        self.accs.clear();
        for _ in self.windows.calls.iter() {
            self.accs.try_push(Acc::new())?;
        }
        Ok(())
    }

    /// Computes the calls of sort `s` over the rows held, whose peers
    /// compare by `order`, and gives them to `emit`.
    fn flush(
        &mut self,
        s: usize,
        order: &[SortKey],
        before: &mut Before,
        emit: &mut dyn FnMut(Row<A>) -> Result<()>,
    ) -> Result<()> {
        let mut peers = Vec::try_with_capacity_in(order.len(), self.env.alloc.clone())?;
        for key in order.iter() {
            peers.try_push((key.column, key.collation))?;
        }
        self.part.seal(&peers)?;
        self.part.reserve_values(core::mem::size_of::<Value<A>>())?;
        let alloc = self.env.alloc.clone();
        for (k, call) in self.windows.calls.iter().enumerate() {
            if call.sort != s {
                continue;
            }
            let frame = self.frame(k)?;
            let (inputs, acc) = inputs_and_acc(self.layout, &mut self.accs, k)?;
            compute(
                call.func,
                inputs,
                &frame,
                &self.part,
                *before,
                acc,
                &alloc,
                &mut self.values,
            )?;
            let column = self.layout.results + k;
            for (row, value) in self.part.rows_mut().iter_mut().zip(self.values.drain(..)) {
                *row.get_mut(column)
                    .ok_or(Error::Misuse("a window value out of place"))? = value;
            }
        }
        before.rows += self.part.len();
        before.groups += self.part.groups();
        for mut row in self.part.rows_mut().drain(..) {
            if let Some(seq) = row.first_mut() {
                *seq = Value::Integer(self.emitted);
            }
            self.emitted += 1;
            emit(row)?;
        }
        self.part.clear();
        Ok(())
    }

    /// The frame of call `k`, its offsets evaluated the first time.
    fn frame(&mut self, k: usize) -> Result<FrameSpec> {
        let call = self
            .windows
            .calls
            .get(k)
            .ok_or(Error::Misuse("a window call out of place"))?;
        if !call.func.reads_frame() {
            return Ok(NO_FRAME);
        }
        if let Some(Some(frame)) = self.frames.get(k) {
            return Ok(*frame);
        }
        let sort = self
            .windows
            .sorts
            .get(call.sort)
            .ok_or(Error::Misuse("a window sort out of place"))?;
        let first = self.layout.sorts.get(call.sort).copied().unwrap_or(0);
        let frame = FrameSpec::resolve(
            call.frame,
            sort.order,
            first + sort.partition.len(),
            &self.env.context(),
        )?;
        if let Some(slot) = self.frames.get_mut(k) {
            *slot = Some(frame);
        }
        Ok(frame)
    }
}

/// The last sort's rows into the sorting stage: each entry's row found
/// again and its result row computed, its window calls reading the
/// entry's values.
struct Final<'f, 'v, 'p, 'q, 'a, P: Platform, A: Allocator + Clone> {
    source: &'f mut Rows<'v, P, A>,
    body: &'f SelectBody<'a, A>,
    env: Env<'f, A>,
    sites: &'f [(usize, usize)],
    layout: &'f Layout<A>,
    terms: &'f [OrderingTerm<'a, A>],
    keys: &'f [Term<'q, 'a, A>],
    collations: &'f [Collation],
    outputs: &'f [Collation],
    ordered: Ordered<'p, P, A>,
    out: Row<A>,
    position: Row<A>,
    emitted: i64,
}

impl<P: Platform, A: Allocator + Clone> Final<'_, '_, '_, '_, '_, P, A> {
    fn emit(&mut self, row: Row<A>) -> Result<()> {
        let alias = alias_of(self.body);
        self.position.clear();
        for value in row.iter().skip(HAS_ROW + 1).take(self.layout.at) {
            self.position.try_push(value.try_clone()?)?;
        }
        let has_row = matches!(row.get(HAS_ROW), Some(Value::Integer(1)));
        if has_row && !self.source.seek(&self.position, self.env, self.body)? {
            return Err(Error::corrupt_file("a windowed row is gone from its table"));
        }
        let values = row.get(self.layout.results..).unwrap_or(&[]);
        let (body, sites, terms, keys) = (self.body, self.sites, self.terms, self.keys);
        let (collations, outputs) = (self.collations, self.outputs);
        let (ordered, out, seq) = (&mut self.ordered, &mut self.out, self.emitted);
        let result = |row: &RowContext<'_, '_, A>| {
            let ctx = row.with_aggregates(Aggregated { sites, values });
            output(body, &ctx, out)?;
            if !ordered.is_started() {
                ordered.start(terms, collations, outputs)?;
            }
            let mut sorted =
                Vec::try_with_capacity_in(terms.len() + 1 + out.len(), ctx.allocator())?;
            for key in keys.iter() {
                sorted.try_push(sort_key(key, body, alias, &ctx, out)?)?;
            }
            sorted.try_push(Value::Integer(seq))?;
            for value in out.drain(..) {
                sorted.try_push(value)?;
            }
            ordered.push(sorted)
        };
        if has_row {
            self.source.with_row(self.env, alias, result)?;
        } else {
            self.source.with_table(self.env, alias, result)?;
        }
        self.emitted += 1;
        Ok(())
    }
}
