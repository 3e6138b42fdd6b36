//! [`Ordered`]: the last stage of a query that sorts (`ORDER BY`,
//! `DISTINCT`, and the rows of `GROUP BY`), and [`SortedQuery`], its rows
//! handed out one per step with `OFFSET` and `LIMIT` applied.
//!
//! Rows come in laid out `[sort keys..., sequence number, result
//! columns...]`, the sequence number counting rows in input order. They
//! go, as the query asks:
//! - with `DISTINCT`, first through a sorter on the result columns (each
//!   with its collation, NULLs equal), whose output keeps the first row of
//!   each run of equal ones (the first in input order, since the sequence
//!   number ends its keys); then
//! - with a `LIMIT` and no `DISTINCT`, into a bounded heap of the first
//!   `OFFSET + LIMIT` rows, moving to a full sort when those rows outgrow
//!   the budget; else into a sorter on the `ORDER BY` keys and the
//!   sequence number (which alone restores input order when there is no
//!   `ORDER BY`).
//!
//! Memory: the two sorts of a `DISTINCT` run at once (the first merging
//! while the second fills), so each gets half the budget; so does the
//! stage when `GROUP BY` sorts its input in the same budget (see `group`).
//! A sort that fits in memory touches no file (see `crate::sort`).

use boundlite_platform::{File, Platform};

use crate::alloc::{Allocator, Vec};
use crate::record::{Collation, SortOrder};
use crate::sort::{Budget, Current, Nulls, Offer, Row, SortKey, Sorted, Sorter, Top};
use crate::sql::eval::Value;
use crate::sql::{NullsOrder, OrderingTerm};
use crate::{Error, Result};

use super::select::assign;

/// Where a sort takes its temporary files and how much memory it may use.
pub(crate) struct SortEnv<'p, P: Platform> {
    /// The platform temporary files are opened on.
    pub platform: &'p P,
    /// The statement's sort budget.
    pub budget: Budget,
}

// By hand: a derive would ask `P: Copy`.
impl<P: Platform> Clone for SortEnv<'_, P> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P: Platform> Copy for SortEnv<'_, P> {}

/// The sort keys of `terms` with their `collations`, then the sequence
/// number after them.
pub(crate) fn order_keys<A: Allocator + Clone>(
    terms: &[OrderingTerm<'_, A>],
    collations: &[Collation],
    alloc: A,
) -> Result<Vec<SortKey, A>> {
    let mut keys = Vec::try_with_capacity_in(terms.len() + 1, alloc)?;
    for (i, term) in terms.iter().enumerate() {
        let order = term.order.unwrap_or(SortOrder::Asc);
        // NULLs are the smallest values unless the term says otherwise.
        let nulls = match (term.nulls, order) {
            (Some(NullsOrder::First), _) | (None, SortOrder::Asc) => Nulls::First,
            (Some(NullsOrder::Last), _) | (None, SortOrder::Desc) => Nulls::Last,
        };
        keys.try_push(SortKey {
            column: i,
            order,
            collation: collations.get(i).copied().unwrap_or_default(),
            nulls,
        })?;
    }
    keys.try_push(SortKey::ascending(terms.len(), Collation::Binary))?;
    Ok(keys)
}

/// Where rows go after `DISTINCT`.
enum Sink<'p, P: Platform, A: Allocator + Clone> {
    /// The first rows only (`LIMIT`).
    Top(Top<A>),
    /// Every row.
    Sort(Sorter<'p, P, A>),
}

/// What the stage does, fixed by the query.
pub(crate) struct Shape {
    /// The number of `ORDER BY` terms: the row's first columns.
    pub terms: usize,
    /// Whether duplicate result rows are dropped.
    pub distinct: bool,
    /// Rows to skip (`OFFSET`).
    pub skip: u64,
    /// Rows to return (`LIMIT`); `None` for all.
    pub remaining: Option<u64>,
}

/// The sorting stage of a query: push its rows, then finish.
pub(crate) struct Ordered<'p, P: Platform, A: Allocator + Clone> {
    env: SortEnv<'p, P>,
    alloc: A,
    shape: Shape,
    /// The `ORDER BY` keys, known once the first row gives the collations.
    keys: Option<Vec<SortKey, A>>,
    distinct: Option<Sorter<'p, P, A>>,
    /// The collations `DISTINCT` compares result columns with.
    outputs: Vec<Collation, A>,
    sink: Option<Sink<'p, P, A>>,
    /// The budget of the sink: all of it, or half beside `DISTINCT`.
    sink_budget: Budget,
}

impl<'p, P: Platform, A: Allocator + Clone> Ordered<'p, P, A> {
    /// An empty stage; allocates nothing.
    pub fn new(env: SortEnv<'p, P>, shape: Shape, alloc: A) -> Self {
        Ordered {
            env,
            outputs: Vec::new_in(alloc.clone()),
            alloc,
            shape,
            keys: None,
            distinct: None,
            sink: None,
            sink_budget: env.budget,
        }
    }

    /// Whether [`start`](Self::start) has run.
    pub fn is_started(&self) -> bool {
        self.keys.is_some()
    }

    /// Fixes the order: `terms` with `collations`, over rows whose result
    /// columns compare for `DISTINCT` with `outputs`. Call once, before
    /// the first row.
    pub fn start(
        &mut self,
        terms: &[OrderingTerm<'_, A>],
        collations: &[Collation],
        outputs: &[Collation],
    ) -> Result<()> {
        let keys = order_keys(terms, collations, self.alloc.clone())?;
        let budget = if self.shape.distinct {
            // The result columns, then the sequence number: the first row
            // of a run of equal ones comes first.
            let first = self.shape.terms + 1;
            let mut distinct = Vec::try_with_capacity_in(outputs.len() + 1, self.alloc.clone())?;
            for (i, collation) in outputs.iter().enumerate() {
                distinct.try_push(SortKey::ascending(first + i, *collation))?;
            }
            distinct.try_push(SortKey::ascending(self.shape.terms, Collation::Binary))?;
            self.outputs = Vec::try_from_slice_in(outputs, self.alloc.clone())?;
            self.distinct = Some(Sorter::new(
                self.env.platform,
                distinct,
                self.env.budget.half(),
                self.alloc.clone(),
            ));
            self.env.budget.half()
        } else {
            self.env.budget
        };
        self.sink_budget = budget;
        self.sink = Some(match self.top_limit() {
            Some(limit) if !self.shape.distinct => {
                Sink::Top(Top::new_in(limit, budget.bytes, self.alloc.clone()))
            }
            _ => Sink::Sort(Sorter::new(
                self.env.platform,
                copy_keys(&keys, self.alloc.clone())?,
                budget,
                self.alloc.clone(),
            )),
        });
        self.keys = Some(keys);
        Ok(())
    }

    /// How many rows a bounded heap must keep: `OFFSET` plus `LIMIT`.
    fn top_limit(&self) -> Option<usize> {
        let limit = self.shape.remaining?;
        usize::try_from(limit.saturating_add(self.shape.skip)).ok()
    }

    /// Adds a row, laid out as the module doc says.
    pub fn push(&mut self, row: Row<A>) -> Result<()> {
        match &mut self.distinct {
            Some(sorter) => sorter.push(row),
            None => self.put(row),
        }
    }

    /// Adds a row past `DISTINCT`.
    fn put(&mut self, row: Row<A>) -> Result<()> {
        let keys = self
            .keys
            .as_ref()
            .ok_or(Error::Misuse("a sorted row before its order"))?;
        let sink = self
            .sink
            .as_mut()
            .ok_or(Error::Misuse("a sorted row before its order"))?;
        let row = match sink {
            Sink::Sort(sorter) => return sorter.push(row),
            Sink::Top(top) => match top.offer(row, keys)? {
                Offer::Taken => return Ok(()),
                Offer::Full(row) => row,
            },
        };
        // The first rows outgrew the budget: sort everything instead,
        // starting with the rows kept (the best of those seen).
        let mut sorter = Sorter::new(
            self.env.platform,
            copy_keys(keys, self.alloc.clone())?,
            self.sink_budget,
            self.alloc.clone(),
        );
        if let Some(Sink::Top(top)) = self.sink.take() {
            for kept in top.into_rows() {
                sorter.push(kept)?;
            }
        }
        sorter.push(row)?;
        self.sink = Some(Sink::Sort(sorter));
        Ok(())
    }

    /// The rows, sorted, ready to be stepped through.
    pub fn finish(mut self) -> Result<SortedQuery<P::File, A>> {
        let drop = self.shape.terms + 1;
        if let Some(distinct) = self.distinct.take() {
            let mut rows = match distinct.finish()?.into_rows() {
                Ok(mut rows) => {
                    // All in memory: drop the duplicates in place and hand
                    // the rest over whole.
                    dedupe(&mut rows, drop, &self.outputs);
                    return self.finish_sink(Some(rows), drop);
                }
                Err(merged) => merged,
            };
            let mut last: Row<A> = Vec::new_in(self.alloc.clone());
            let mut first = true;
            while rows.advance()? {
                let current = rows.current()?;
                if !first && same_outputs(&current, &last, drop, &self.outputs)? {
                    continue;
                }
                first = false;
                let row = keep(current, drop, &mut last, &self.alloc)?;
                self.put(row)?;
            }
        }
        self.finish_sink(None, drop)
    }

    /// The rows of the sink, sorted, after `rows` (rows past `DISTINCT`
    /// that were not pushed one by one) are added to it.
    fn finish_sink(
        mut self,
        rows: Option<Vec<Row<A>, A>>,
        drop: usize,
    ) -> Result<SortedQuery<P::File, A>> {
        if let Some(rows) = rows {
            match self.sink.as_mut() {
                Some(Sink::Sort(sorter)) => sorter.extend(rows)?,
                _ => {
                    for row in rows {
                        self.put(row)?;
                    }
                }
            }
        }
        let rows = match self.sink.take() {
            None => Sorted::in_memory(Vec::new_in(self.alloc.clone()), Vec::new_in(self.alloc)),
            Some(Sink::Sort(sorter)) => sorter.finish()?,
            Some(Sink::Top(top)) => {
                let keys = self
                    .keys
                    .take()
                    .unwrap_or_else(|| Vec::new_in(self.alloc.clone()));
                Sorted::in_memory(top.into_sorted(&keys), keys)
            }
        };
        Ok(SortedQuery {
            rows,
            drop,
            skip: self.shape.skip,
            remaining: self.shape.remaining,
        })
    }
}

/// Keeps the first of each run of rows whose result columns (from column
/// `from`) are equal with `collations`, in place.
fn dedupe<A: Allocator>(rows: &mut Vec<Row<A>, A>, from: usize, collations: &[Collation]) {
    let same = |a: &Row<A>, b: &Row<A>| {
        let (x, y) = (a.get(from..).unwrap_or(&[]), b.get(from..).unwrap_or(&[]));
        x.len() == y.len()
            && x.iter().zip(y.iter()).enumerate().all(|(i, (x, y))| {
                let collation = collations.get(i).copied().unwrap_or_default();
                crate::record::compare_values(&x.as_ref(), &y.as_ref(), collation).is_eq()
            })
    };
    let mut kept = 0;
    for next in 1..rows.len() {
        let duplicate = match (rows.get(kept), rows.get(next)) {
            (Some(a), Some(b)) => same(a, b),
            _ => false,
        };
        if !duplicate {
            kept += 1;
            rows.swap(kept, next);
        }
    }
    rows.truncate(kept + 1);
}

/// A copy of `keys` in `alloc`.
fn copy_keys<A: Allocator>(keys: &[SortKey], alloc: A) -> Result<Vec<SortKey, A>> {
    Ok(Vec::try_from_slice_in(keys, alloc)?)
}

/// Whether the result columns of `current` (from column `from`) equal
/// `last`'s, comparing as `DISTINCT` does (with `collations`, two NULLs
/// equal).
pub(crate) fn same_outputs<A: Allocator>(
    current: &Current<'_, A>,
    last: &[Value<A>],
    from: usize,
    collations: &[Collation],
) -> Result<bool> {
    if current.width().saturating_sub(from) != last.len() {
        return Ok(false);
    }
    for (i, value) in last.iter().enumerate() {
        let here = current.column(from + i)?;
        let collation = collations.get(i).copied().unwrap_or_default();
        if crate::record::compare_values(&here, &value.as_ref(), collation).is_ne() {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The row `current` as an owned row, its result columns (from `from`)
/// also copied into `last` for the next comparison.
pub(crate) fn keep<A: Allocator + Clone>(
    current: Current<'_, A>,
    from: usize,
    last: &mut Row<A>,
    alloc: &A,
) -> Result<Row<A>> {
    let width = current.width();
    let outputs = width.saturating_sub(from);
    for i in 0..outputs {
        let value = current.column(from + i)?;
        if last.len() <= i {
            last.try_push(Value::Null)?;
        }
        let slot = last
            .get_mut(i)
            .ok_or(Error::Misuse("a result column out of place"))?;
        assign(slot, value, alloc)?;
    }
    last.truncate(outputs);
    match current {
        Current::Values(row) => Ok(core::mem::replace(row, Vec::new_in(alloc.clone()))),
        Current::Record(record) => {
            let mut row = Vec::try_with_capacity_in(width, alloc.clone())?;
            for i in 0..width {
                row.try_push(Value::try_from_ref(record.column(i)?, alloc.clone())?)?;
            }
            Ok(row)
        }
    }
}

/// The rows of a sorting query, handed out one per step.
pub(crate) struct SortedQuery<F, A: Allocator> {
    rows: Sorted<F, A>,
    /// Columns before the result columns: dropped from each row.
    drop: usize,
    skip: u64,
    remaining: Option<u64>,
}

impl<F: File, A: Allocator + Clone> SortedQuery<F, A> {
    /// Moves the next row's result columns into `out`; `false` when there
    /// is none.
    pub fn next(&mut self, out: &mut Row<A>) -> Result<bool> {
        loop {
            if self.remaining == Some(0) || !self.rows.advance()? {
                return Ok(false);
            }
            if self.skip > 0 {
                self.skip -= 1;
                continue;
            }
            deliver(self.rows.current()?, self.drop, out)?;
            if let Some(r) = self.remaining.as_mut() {
                *r -= 1;
            }
            return Ok(true);
        }
    }
}

/// Puts the columns of `current` from `from` on into `out`: the row
/// itself when it is in memory, else copies into `out`'s buffers.
fn deliver<A: Allocator + Clone>(
    current: Current<'_, A>,
    from: usize,
    out: &mut Row<A>,
) -> Result<()> {
    match current {
        Current::Values(row) => {
            core::mem::swap(out, row);
            drop(out.drain(..from.min(out.len())));
        }
        Current::Record(record) => {
            let alloc = out.allocator().clone();
            let width = record.column_count().saturating_sub(from);
            for i in 0..width {
                let value = record.column(from + i)?;
                if out.len() <= i {
                    out.try_push(Value::Null)?;
                }
                let slot = out
                    .get_mut(i)
                    .ok_or(Error::Misuse("a result column out of place"))?;
                assign(slot, value, &alloc)?;
            }
            out.truncate(width);
        }
    }
    Ok(())
}
