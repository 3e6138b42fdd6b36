//! [`Top`]: the first `limit` rows of a sort, kept in a bounded max-heap
//! (`ORDER BY ... LIMIT N`): memory for `limit` rows, whatever the input.
//!
//! Invariants: the heap holds at most `limit` rows, the last of them (by
//! the sort keys) at its root, so a row after the root is dropped at once
//! and a row before it replaces it; `bytes` is the sum of the rows'
//! footprints. When keeping a row would take the rows past the budget,
//! the row is handed back ([`Offer::Full`]) with the heap unchanged, and
//! the caller moves to a full sort ([`Top::into_rows`]): the rows kept are
//! the best of those seen, so none that belongs in the result is lost.

use crate::Result;
use crate::alloc::{Allocator, Vec};

use super::Row;
use super::buffer::footprint;
use super::order::{SortKey, compare_rows};

/// What became of a row offered to a [`Top`].
pub(crate) enum Offer<A: Allocator> {
    /// Kept or dropped: the heap is the best `limit` rows so far.
    Taken,
    /// Not taken: keeping it would pass the memory budget.
    Full(Row<A>),
}

/// The best `limit` rows seen so far.
pub(crate) struct Top<A: Allocator> {
    heap: Vec<Row<A>, A>,
    limit: usize,
    bytes: usize,
    budget: usize,
}

impl<A: Allocator + Clone> Top<A> {
    /// An empty heap for `limit` rows within `budget` bytes; allocates
    /// nothing.
    pub fn new_in(limit: usize, budget: usize, alloc: A) -> Self {
        Top {
            heap: Vec::new_in(alloc),
            limit,
            bytes: 0,
            budget,
        }
    }

    /// Offers `row`: kept when among the best `limit` so far.
    pub fn offer(&mut self, row: Row<A>, keys: &[SortKey]) -> Result<Offer<A>> {
        if self.limit == 0 {
            return Ok(Offer::Taken);
        }
        let size = footprint(&row);
        if self.heap.len() < self.limit {
            let table = (self.heap.len() + 1) * core::mem::size_of::<Row<A>>();
            if self.bytes + size + table > self.budget {
                return Ok(Offer::Full(row));
            }
            self.heap.try_push(row)?;
            self.bytes += size;
            self.sift_up(self.heap.len() - 1, keys);
            return Ok(Offer::Taken);
        }
        let Some(root) = self.heap.first_mut() else {
            return Ok(Offer::Taken);
        };
        if compare_rows(keys, &row, root).is_ge() {
            return Ok(Offer::Taken);
        }
        let replaced = footprint(root);
        if self.bytes - replaced + size > self.budget {
            return Ok(Offer::Full(row));
        }
        *root = row;
        self.bytes = self.bytes - replaced + size;
        self.sift_down(keys);
        Ok(Offer::Taken)
    }

    /// The rows kept, best first.
    pub fn into_sorted(mut self, keys: &[SortKey]) -> Vec<Row<A>, A> {
        self.heap
            .sort_unstable_by(|a, b| compare_rows(keys, a.as_slice(), b.as_slice()));
        self.heap
    }

    /// The rows kept, in no order.
    pub fn into_rows(self) -> Vec<Row<A>, A> {
        self.heap
    }

    fn after(&self, a: usize, b: usize, keys: &[SortKey]) -> bool {
        match (self.heap.get(a), self.heap.get(b)) {
            (Some(x), Some(y)) => compare_rows(keys, x, y).is_gt(),
            _ => false,
        }
    }

    fn sift_up(&mut self, mut at: usize, keys: &[SortKey]) {
        while at > 0 {
            let parent = (at - 1) / 2;
            if !self.after(at, parent, keys) {
                return;
            }
            self.heap.swap(at, parent);
            at = parent;
        }
    }

    fn sift_down(&mut self, keys: &[SortKey]) {
        let mut at = 0;
        loop {
            let (left, right) = (2 * at + 1, 2 * at + 2);
            let mut last = at;
            if self.after(left, last, keys) {
                last = left;
            }
            if self.after(right, last, keys) {
                last = right;
            }
            if last == at {
                return;
            }
            self.heap.swap(at, last);
            at = last;
        }
    }
}
