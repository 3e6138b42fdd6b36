//! The values a `DISTINCT` aggregate sees (`count(DISTINCT x)`,
//! `group_concat(DISTINCT x)`): each distinct value of its argument
//! once per group, the first row's of those equal, in a bounded sort.
//!
//! While the rows are read, each one's value goes to a sorter, laid out
//! `[sequence number, group keys..., value]` and ordered by the group
//! keys, the value (with the argument's collation, so 1 and 1.0 are
//! equal, as SQLite's ephemeral index has them) and the sequence number:
//! equal values of a group come out together, the first read first, and
//! only the first of each run is kept. The kept values are sorted again
//! by group keys and sequence number: the order in which the grouping
//! pass meets their rows, so that it feeds each value on the row it came
//! from, as SQLite does (which decides the order `group_concat` joins
//! them in, and the row bare columns read beside a `min(DISTINCT x)`).
//!
//! Memory: each sort in its own budget (see `crate::sort`), past which
//! it spills to temporary files; sorting again reads one sort while it
//! fills the other.

use boundlite_platform::{File, Platform};

use crate::alloc::{Allocator, TryClone, Vec};
use crate::record::{Collation, ValueRef};
use crate::sort::{Budget, Row, SortKey, Sorted, Sorter};
use crate::sql::eval::Value;
use crate::{Error, Result};

use super::ordered::{keep, same_outputs};

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
        Ok(DistinctInput {
            platform,
            sorter: Sorter::new(
                platform,
                sort_keys(&collations, alloc.clone())?,
                budget,
                alloc.clone(),
            ),
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

    /// The distinct values, in the order of their rows; sorting them
    /// again takes `budget`.
    pub fn finish(self, budget: Budget) -> Result<DistinctValues<P::File, A>> {
        let mut rows = self.sorter.finish()?;
        let groups = self.collations.len().saturating_sub(1);
        let keys = sort_keys(
            self.collations.get(..groups).unwrap_or(&[]),
            self.alloc.clone(),
        )?;
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
            at: At::Before,
        })
    }
}

/// Sort keys on columns 1.. with `collations`, then the sequence number
/// (column 0).
fn sort_keys<A: Allocator>(collations: &[Collation], alloc: A) -> Result<Vec<SortKey, A>> {
    let mut keys = Vec::try_with_capacity_in(collations.len() + 1, alloc)?;
    for (i, collation) in collations.iter().enumerate() {
        keys.try_push(SortKey::ascending(i + 1, *collation))?;
    }
    keys.try_push(SortKey::ascending(0, Collation::Binary))?;
    Ok(keys)
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

/// The distinct values of one `DISTINCT` aggregate, in the order of
/// their rows' group keys and sequence numbers.
pub(crate) struct DistinctValues<F, A: Allocator> {
    rows: Sorted<F, A>,
    at: At,
}

impl<F: File, A: Allocator + Clone> DistinctValues<F, A> {
    /// Hands `f` the value of the row numbered `seq`, if it is kept:
    /// call for the rows in the order of the values' sort.
    pub fn take<T>(
        &mut self,
        seq: i64,
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
        match current.column(0)? {
            ValueRef::Integer(s) if s == seq => {}
            ValueRef::Integer(_) => return Ok(None),
            _ => return Err(Error::Misuse("a distinct value without its row")),
        }
        self.at = At::Before;
        let value = current.column(current.width().saturating_sub(1))?;
        f(value).map(Some)
    }
}
