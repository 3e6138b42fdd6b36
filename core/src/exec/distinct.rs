//! The values a `DISTINCT` aggregate sees (`count(DISTINCT x)`,
//! `group_concat(DISTINCT x)`): each distinct value of its argument
//! once per group, the first row's of those equal, in a bounded sort.
//!
//! While the rows are read, each one's value goes to a sorter, laid out
//! `[sequence number, group keys..., value]` and ordered by the group
//! keys, the value (with the argument's collation, so 1 and 1.0 are
//! equal, as SQLite's ephemeral index has them) and the sequence number:
//! equal values of a group come out together, the first read first, and
//! reading keeps the first of each run. When the order of the values
//! can change the result (`Kind::order_matters`), the kept values are
//! sorted again by group keys and sequence number, so that they reach
//! the aggregate in the order their rows were read, as SQLite feeds them.
//!
//! Memory: each sort in its own budget (see `crate::sort`), past which
//! it spills to temporary files; sorting again reads one sort while it
//! fills the other.

use boundlite_platform::Platform;

use crate::alloc::{Allocator, TryClone, Vec};
use crate::record::{Collation, ValueRef, compare_values};
use crate::sort::{Budget, Current, Row, SortKey, Sorted, Sorter};
use crate::sql::eval::Value;
use crate::{Error, Result};

use super::ordered::{keep, same_outputs};
use super::select::assign;

/// The order kept values are handed out in, within a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Order {
    /// The order their rows were read in.
    Read,
    /// Any order.
    Any,
}

/// Which rows of a sort a reader hands out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reading {
    /// Every row: the duplicates are gone already.
    Every,
    /// The first of each run of equal rows.
    FirstOfEqual,
}

/// The values of one `DISTINCT` aggregate, while the rows are read.
pub(crate) struct DistinctInput<'p, P: Platform, A: Allocator + Clone> {
    platform: &'p P,
    sorter: Sorter<'p, P, A>,
    /// The collations of the group keys, then the value's.
    collations: Vec<Collation, A>,
    alloc: A,
}

impl<'p, P: Platform, A: Allocator + Clone> DistinctInput<'p, P, A> {
    /// Values in groups whose keys compare with `groups`, compared with
    /// `value`, sorted in `budget`.
    pub fn new(
        platform: &'p P,
        groups: &[Collation],
        value: Collation,
        budget: Budget,
        alloc: A,
    ) -> Result<Self> {
        let mut collations = Vec::try_with_capacity_in(groups.len() + 1, alloc.clone())?;
        collations.try_extend_from_slice(groups)?;
        collations.try_push(value)?;
        let mut keys = Vec::try_with_capacity_in(collations.len() + 1, alloc.clone())?;
        for (i, collation) in collations.iter().enumerate() {
            keys.try_push(SortKey::ascending(i + 1, *collation))?;
        }
        keys.try_push(SortKey::ascending(0, Collation::Binary))?;
        Ok(DistinctInput {
            platform,
            sorter: Sorter::new(platform, keys, budget, alloc.clone()),
            collations,
            alloc,
        })
    }

    /// Adds `value`, of the row numbered `seq` in the group whose keys are
    /// `keys`.
    pub fn push(&mut self, seq: i64, keys: &[Value<A>], value: Value<A>) -> Result<()> {
        let mut row = Vec::try_with_capacity_in(keys.len() + 2, self.alloc.clone())?;
        row.try_push(Value::Integer(seq))?;
        for key in keys {
            row.try_push(key.try_clone()?)?;
        }
        row.try_push(value)?;
        self.sorter.push(row)
    }

    /// The distinct values, to be handed out in `order`; sorting them
    /// again takes `budget`.
    pub fn finish(self, order: Order, budget: Budget) -> Result<DistinctValues<P::File, A>> {
        let rows = self.sorter.finish()?;
        let (rows, reading) = match order {
            Order::Any => (rows, Reading::FirstOfEqual),
            Order::Read => {
                let rows = read_order(rows, self.platform, &self.collations, budget, &self.alloc)?;
                (rows, Reading::Every)
            }
        };
        Ok(DistinctValues {
            rows,
            collations: self.collations,
            reading,
            last: Vec::new_in(self.alloc.clone()),
            on: false,
            alloc: self.alloc,
        })
    }
}

/// The first of each run of equal rows of `rows` (equal by the group keys
/// and value, with `collations`), sorted by group keys and sequence
/// number in `budget`.
fn read_order<P: Platform, A: Allocator + Clone>(
    mut rows: Sorted<P::File, A>,
    platform: &P,
    collations: &[Collation],
    budget: Budget,
    alloc: &A,
) -> Result<Sorted<P::File, A>> {
    let groups = collations.len().saturating_sub(1);
    let mut keys = Vec::try_with_capacity_in(groups + 1, alloc.clone())?;
    for (i, collation) in collations.iter().take(groups).enumerate() {
        keys.try_push(SortKey::ascending(i + 1, *collation))?;
    }
    keys.try_push(SortKey::ascending(0, Collation::Binary))?;
    let mut sorter = Sorter::new(platform, keys, budget, alloc.clone());
    let mut last: Row<A> = Vec::new_in(alloc.clone());
    let mut first = true;
    while rows.advance()? {
        let current = rows.current()?;
        if !first && same_outputs(&current, &last, 1, collations)? {
            continue;
        }
        first = false;
        sorter.push(keep(current, 1, &mut last, alloc)?)?;
    }
    drop(rows);
    sorter.finish()
}

/// The distinct values of one `DISTINCT` aggregate, group by group, in
/// the order of the groups' keys.
pub(crate) struct DistinctValues<F, A: Allocator> {
    rows: Sorted<F, A>,
    collations: Vec<Collation, A>,
    reading: Reading,
    /// The group keys and value of the last row handed out.
    last: Row<A>,
    /// Whether the sort is on a row not handed out yet.
    on: bool,
    alloc: A,
}

impl<F: boundlite_platform::File, A: Allocator + Clone> DistinctValues<F, A> {
    /// Hands `f` each value of the group whose keys are `keys`: call for
    /// each group in the order of its keys.
    pub fn take_group(
        &mut self,
        keys: &[Value<A>],
        mut f: impl FnMut(ValueRef<'_>) -> Result<()>,
    ) -> Result<()> {
        loop {
            if !self.on {
                if !self.rows.advance()? {
                    return Ok(());
                }
                self.on = true;
            }
            let current = self.rows.current()?;
            if !in_group(&current, keys, &self.collations)? {
                return Ok(());
            }
            self.on = false;
            if self.reading == Reading::FirstOfEqual {
                if !self.last.is_empty() && same_outputs(&current, &self.last, 1, &self.collations)?
                {
                    continue;
                }
                remember(&current, &mut self.last, &self.alloc)?;
            }
            f(current.column(keys.len() + 1)?)?;
        }
    }
}

/// Whether `current` (`[seq, group keys..., value]`) is in the group
/// whose keys are `keys`.
fn in_group<A: Allocator>(
    current: &Current<'_, A>,
    keys: &[Value<A>],
    collations: &[Collation],
) -> Result<bool> {
    for (i, (key, collation)) in keys.iter().zip(collations.iter()).enumerate() {
        if compare_values(&current.column(i + 1)?, &key.as_ref(), *collation).is_ne() {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Copies the group keys and value of `current` into `last`, reusing its
/// buffers.
fn remember<A: Allocator + Clone>(
    current: &Current<'_, A>,
    last: &mut Row<A>,
    alloc: &A,
) -> Result<()> {
    let width = current.width().saturating_sub(1);
    for i in 0..width {
        if last.len() <= i {
            last.try_push(Value::Null)?;
        }
        let slot = last
            .get_mut(i)
            .ok_or(Error::Misuse("a distinct value out of place"))?;
        assign(slot, current.column(i + 1)?, alloc)?;
    }
    last.truncate(width);
    Ok(())
}
