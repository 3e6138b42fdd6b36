//! [`Buffer`]: the rows a sort holds in memory, with the bytes they take,
//! sorted in place when full or at the end.
//!
//! Invariants: `bytes` is the sum of [`footprint`] over the rows held;
//! [`Buffer::footprint`] adds the row table itself (its capacity, which a
//! cleared buffer keeps, so refilling it allocates no table again).
//! Sorting is in place and allocates nothing.

use core::mem::size_of;

use crate::Result;
use crate::alloc::{Allocator, Vec};
use crate::sql::eval::Value;

use super::Row;
use super::order::{SortKey, compare_rows};

/// What an allocator takes beyond the bytes asked for, per allocation: a
/// header and rounding (talc's is at most this). Counted so that the
/// budget holds in an arena, where it matters.
const ALLOCATION_OVERHEAD: usize = 16;

/// The bytes `row` takes in memory: its value table and the TEXT and BLOB
/// bytes its values own, each with the allocator's overhead.
pub(crate) fn footprint<A: Allocator>(row: &Row<A>) -> usize {
    let mut bytes = ALLOCATION_OVERHEAD + row.capacity() * size_of::<Value<A>>();
    for value in row.iter() {
        if let Value::Text(b) | Value::Blob(b) = value {
            bytes += ALLOCATION_OVERHEAD + b.capacity();
        }
    }
    bytes
}

/// Rows held in memory, in the order they came until sorted.
pub(crate) struct Buffer<A: Allocator> {
    rows: Vec<Row<A>, A>,
    bytes: usize,
}

impl<A: Allocator + Clone> Buffer<A> {
    /// An empty buffer; allocates nothing.
    pub fn new_in(alloc: A) -> Self {
        Buffer {
            rows: Vec::new_in(alloc),
            bytes: 0,
        }
    }

    /// A buffer holding `rows`.
    pub fn from_rows(rows: Vec<Row<A>, A>) -> Self {
        let bytes = rows.iter().map(footprint).sum();
        Buffer { rows, bytes }
    }

    /// Adds `row`; on `OutOfMemory` the row is dropped and the buffer is
    /// as it was.
    pub fn push(&mut self, row: Row<A>) -> Result<()> {
        let bytes = footprint(&row);
        self.rows.try_push(row)?;
        self.bytes += bytes;
        Ok(())
    }

    /// The bytes the buffer takes: its rows and its row table.
    pub fn footprint(&self) -> usize {
        self.bytes + ALLOCATION_OVERHEAD + self.rows.capacity() * size_of::<Row<A>>()
    }

    /// Whether the buffer holds no row.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Sorts the rows by `keys`, in place; with no keys, they keep the
    /// order they came in.
    pub fn sort(&mut self, keys: &[SortKey]) {
        if keys.is_empty() {
            return;
        }
        self.rows
            .sort_unstable_by(|a, b| compare_rows(keys, a.as_slice(), b.as_slice()));
    }

    /// The rows, in their order.
    pub fn rows(&self) -> &[Row<A>] {
        &self.rows
    }

    /// Drops every row, keeping the row table's capacity.
    pub fn clear(&mut self) {
        self.rows.clear();
        self.bytes = 0;
    }

    /// Drops every row and the row table.
    pub fn release(&mut self) {
        self.rows.release();
        self.bytes = 0;
    }

    /// The rows, leaving the buffer empty.
    pub fn into_rows(self) -> Vec<Row<A>, A> {
        self.rows
    }
}
