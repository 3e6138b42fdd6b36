//! [`Partition`]: the rows of one partition of a window pass, held while
//! its window calls are computed, and its groups of peers (rows equal in
//! the window's `ORDER BY`, compared with each term's collation).
//!
//! Memory: the rows, their peer table and the values computed for them
//! take at most the budget the partition is given; a partition that
//! would take more fails with `OutOfMemory`, whatever the heap holds (a
//! partition is not spilled to a temporary file). Its buffers are kept
//! from partition to partition.

use core::mem::size_of;

use crate::alloc::{Allocator, Vec};
use crate::record::{Collation, ValueRef, compare_values};
use crate::sort::{Row, footprint};
use crate::{Error, Result};

/// The rows of one partition, in window order.
pub(crate) struct Partition<A: Allocator> {
    rows: Vec<Row<A>, A>,
    /// The index of each row's peer group.
    group: Vec<usize, A>,
    /// Where each peer group starts, then the number of rows.
    starts: Vec<usize, A>,
    /// The bytes the rows take.
    bytes: usize,
    /// The most bytes the partition may take.
    budget: usize,
}

impl<A: Allocator + Clone> Partition<A> {
    /// An empty partition of at most `budget` bytes; allocates nothing.
    pub fn new(budget: usize, alloc: A) -> Self {
        Partition {
            rows: Vec::new_in(alloc.clone()),
            group: Vec::new_in(alloc.clone()),
            starts: Vec::new_in(alloc),
            bytes: 0,
            budget,
        }
    }

    /// Adds `row` at the end; `OutOfMemory` past the budget.
    pub fn push(&mut self, row: Row<A>) -> Result<()> {
        if !self.fits(&row) {
            return Err(Error::OutOfMemory);
        }
        let size = held_size(&row);
        self.rows.try_push(row)?;
        self.bytes += size;
        Ok(())
    }

    /// Whether `row` can be added within the budget.
    pub fn fits(&self, row: &Row<A>) -> bool {
        self.bytes.saturating_add(held_size(row)) <= self.budget
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there is no row.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The bytes one more value for each row may take, within the
    /// budget; `OutOfMemory` past it.
    pub fn reserve_values(&mut self, per_row: usize) -> Result<()> {
        let more = per_row.saturating_mul(self.rows.len());
        if self.bytes.saturating_add(more) > self.budget {
            return Err(Error::OutOfMemory);
        }
        Ok(())
    }

    /// Finds the groups of peers: rows whose `order` columns (each with
    /// its collation) are equal.
    pub fn seal(&mut self, order: &[(usize, Collation)]) -> Result<()> {
        self.group.clear();
        self.starts.clear();
        self.group.try_reserve(self.rows.len())?;
        let mut g = 0;
        for i in 0..self.rows.len() {
            let new_group = match i.checked_sub(1) {
                None => true,
                Some(prev) => !order.iter().all(|&(column, collation)| {
                    compare_values(&self.value(prev, column), &self.value(i, column), collation)
                        .is_eq()
                }),
            };
            if new_group {
                if i > 0 {
                    g += 1;
                }
                self.starts.try_push(i)?;
            }
            self.group.try_push(g)?;
        }
        self.starts.try_push(self.rows.len())?;
        Ok(())
    }

    /// Value `column` of row `i` (NULL out of range).
    pub fn value(&self, i: usize, column: usize) -> ValueRef<'_> {
        self.rows
            .get(i)
            .and_then(|r| r.get(column))
            .map_or(ValueRef::Null, |v| v.as_ref())
    }

    /// Row `i`, if there is one.
    pub fn row(&self, i: usize) -> Option<&Row<A>> {
        self.rows.get(i)
    }

    /// The peer group of row `i`.
    pub fn group_of(&self, i: usize) -> usize {
        self.group.get(i).copied().unwrap_or(0)
    }

    /// The number of peer groups.
    pub fn groups(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    /// The first row of peer group `g`; the number of rows past the last.
    pub fn group_start(&self, g: usize) -> usize {
        self.starts.get(g).copied().unwrap_or(self.rows.len())
    }

    /// The first of the peers of row `i`.
    pub fn peer_start(&self, i: usize) -> usize {
        self.group_start(self.group_of(i))
    }

    /// The row after the last of the peers of row `i`.
    pub fn peer_end(&self, i: usize) -> usize {
        self.group_start(self.group_of(i) + 1)
    }

    /// Whether rows `i` and `j` are peers.
    pub fn peers(&self, i: usize, j: usize) -> bool {
        self.group_of(i) == self.group_of(j)
    }

    /// The rows, to write computed values into or take out.
    pub fn rows_mut(&mut self) -> &mut Vec<Row<A>, A> {
        &mut self.rows
    }

    /// Empties the partition for the next, keeping its buffers.
    pub fn clear(&mut self) {
        self.rows.clear();
        self.group.clear();
        self.starts.clear();
        self.bytes = 0;
    }
}

/// The bytes `row` takes held: itself, its slot, its peer group and one
/// computed value per call while the calls run.
fn held_size<A: Allocator>(row: &Row<A>) -> usize {
    footprint(row) + size_of::<Row<A>>() + 2 * size_of::<usize>()
}
