//! The values the `DISTINCT` aggregates of a query see
//! (`count(DISTINCT x)`, `group_concat(DISTINCT x)`): each distinct value
//! of an aggregate's argument once per group, the first row's of those
//! equal, all through one bounded sort whatever the number of such
//! aggregates.
//!
//! While the rows are read, each row's value for each `DISTINCT`
//! aggregate goes to one sorter, laid out `[sequence number, aggregate,
//! group keys..., value as BINARY, as NOCASE, as RTRIM]`: the value sits
//! in the column of its argument's collation, NULL in the other two, so
//! that one sort compares each aggregate's values with its own collation
//! (1 and 1.0 equal, as SQLite's ephemeral index has them). Ordered by
//! aggregate, group keys, value and sequence number, equal values of a
//! group come out together, the first read first, and only the first of
//! each run is kept. The kept values are sorted again by group keys,
//! sequence number and aggregate: the order in which the grouping pass
//! meets their rows, so that it feeds each value on the row it came
//! from, as SQLite does (which decides the order `group_concat` joins
//! them in, and the row bare columns read beside a `min(DISTINCT x)`).
//!
//! Memory: each of the two sorts in its own budget (see `crate::sort`),
//! past which it spills to temporary files; sorting again reads the
//! first while it fills the second.

use boundlite_platform::{File, Platform};

use crate::alloc::{Allocator, TryClone, Vec};
use crate::record::{Collation, ValueRef};
use crate::sort::{Budget, Row, SortKey, Sorted, Sorter};
use crate::sql::eval::Value;
use crate::{Error, Result};

use super::ordered::{keep, same_outputs};

/// The collations a value can compare with, in the order of their
/// columns.
const COLLATIONS: [Collation; 3] = [Collation::Binary, Collation::NoCase, Collation::RTrim];

/// The column, among the value columns, of a value compared with
/// `collation`.
fn slot_of(collation: Collation) -> usize {
    match collation {
        Collation::Binary => 0,
        Collation::NoCase => 1,
        Collation::RTrim => 2,
    }
}

/// The values of the `DISTINCT` aggregates, while the rows are read.
pub(crate) struct DistinctInput<'p, P: Platform, A: Allocator + Clone> {
    platform: &'p P,
    sorter: Sorter<'p, P, A>,
    /// The collations of the columns after the sequence number.
    collations: Vec<Collation, A>,
    /// The number of group keys.
    width: usize,
    alloc: A,
}

impl<'p, P: Platform, A: Allocator + Clone> DistinctInput<'p, P, A> {
    /// Values in groups whose keys compare with `groups`, sorted in
    /// `budget`.
    pub fn new(platform: &'p P, groups: &[Collation], budget: Budget, alloc: A) -> Result<Self> {
        let mut collations = Vec::try_with_capacity_in(groups.len() + 4, alloc.clone())?;
        collations.try_push(Collation::Binary)?;
        collations.try_extend_from_slice(groups)?;
        collations.try_extend_from_slice(&COLLATIONS)?;
        let mut keys = Vec::try_with_capacity_in(collations.len() + 1, alloc.clone())?;
        for (i, collation) in collations.iter().enumerate() {
            keys.try_push(SortKey::ascending(i + 1, *collation))?;
        }
        keys.try_push(SortKey::ascending(0, Collation::Binary))?;
        Ok(DistinctInput {
            platform,
            sorter: Sorter::new(platform, keys, budget, alloc.clone()),
            collations,
            width: groups.len(),
            alloc,
        })
    }

    /// Adds `value`, compared with `collation`, of the `DISTINCT`
    /// aggregate numbered `aggregate`, on the row numbered `seq` in the
    /// group whose keys are `keys`.
    pub fn push(
        &mut self,
        seq: i64,
        aggregate: usize,
        collation: Collation,
        keys: &[Value<A>],
        value: Value<A>,
    ) -> Result<()> {
        let index = i64::try_from(aggregate).map_err(|_| Error::Misuse("too many aggregates"))?;
        let mut row = Vec::try_with_capacity_in(keys.len() + 5, self.alloc.clone())?;
        row.try_push(Value::Integer(seq))?;
        row.try_push(Value::Integer(index))?;
        for key in keys {
            row.try_push(key.try_clone()?)?;
        }
        let mut value = Some(value);
        for c in COLLATIONS {
            let here = if c == collation { value.take() } else { None };
            row.try_push(here.unwrap_or(Value::Null))?;
        }
        self.sorter.push(row)
    }

    /// The distinct values, in the order of their rows; sorting them
    /// again takes `budget`.
    pub fn finish(self, budget: Budget) -> Result<DistinctValues<P::File, A>> {
        let mut rows = self.sorter.finish()?;
        let mut keys = Vec::try_with_capacity_in(self.width + 2, self.alloc.clone())?;
        let groups = self.collations.get(1..=self.width).unwrap_or(&[]);
        for (i, collation) in groups.iter().enumerate() {
            keys.try_push(SortKey::ascending(i + 2, *collation))?;
        }
        keys.try_push(SortKey::ascending(0, Collation::Binary))?;
        keys.try_push(SortKey::ascending(1, Collation::Binary))?;
        let mut sorter = Sorter::new(self.platform, keys, budget, self.alloc.clone());
        let mut last: Row<A> = Vec::new_in(self.alloc.clone());
        let mut first = true;
        while rows.advance()? {
            let current = rows.current()?;
            if !first && same_outputs(&current, &last, 1, &self.collations)? {
                continue;
            }
            first = false;
            sorter.push(keep(current, 1, &mut last, &self.alloc)?)?;
        }
        drop(rows);
        Ok(DistinctValues {
            rows: sorter.finish()?,
            width: self.width,
            at: At::Before,
        })
    }
}

/// Where a [`DistinctValues`] stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum At {
    /// Before its next value: the sort must move to it.
    Before,
    /// On a value not taken yet.
    On,
    /// Past the last value.
    End,
}

/// The distinct values of a query's `DISTINCT` aggregates, in the order
/// of their rows' group keys and sequence numbers, then of the
/// aggregates.
pub(crate) struct DistinctValues<F, A: Allocator> {
    rows: Sorted<F, A>,
    /// The number of group keys.
    width: usize,
    at: At,
}

impl<F: File, A: Allocator + Clone> DistinctValues<F, A> {
    /// Hands `f` the value of the `DISTINCT` aggregate numbered
    /// `aggregate`, compared with `collation`, on the row numbered `seq`,
    /// if it is kept: call for the rows in the order of the sort, and for
    /// a row's aggregates in their order.
    pub fn take<T>(
        &mut self,
        seq: i64,
        aggregate: usize,
        collation: Collation,
        f: impl FnOnce(ValueRef<'_>) -> Result<T>,
    ) -> Result<Option<T>> {
        if self.at == At::Before {
            self.at = if self.rows.advance()? {
                At::On
            } else {
                At::End
            };
        }
        if self.at == At::End {
            return Ok(None);
        }
        let current = self.rows.current()?;
        let (ValueRef::Integer(s), ValueRef::Integer(i)) = (current.column(0)?, current.column(1)?)
        else {
            return Err(Error::Misuse("a distinct value without its row"));
        };
        if s != seq || usize::try_from(i).ok() != Some(aggregate) {
            return Ok(None);
        }
        self.at = At::Before;
        let value = current.column(self.width + 2 + slot_of(collation))?;
        f(value).map(Some)
    }

    /// Checks that every value was taken: one left over would have been
    /// missed by its aggregate, a wrong answer.
    pub fn finish(mut self) -> Result<()> {
        let left = match self.at {
            At::On => true,
            At::Before => self.rows.advance()?,
            At::End => false,
        };
        match left {
            true => Err(Error::Misuse(
                "a DISTINCT value was not fed to its aggregate",
            )),
            false => Ok(()),
        }
    }
}
