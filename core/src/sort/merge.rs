//! [`Merge`]: a k-way merge of sorted runs of one file, through one
//! [`RunReader`] (one page) per run.
//!
//! The runs' current records sit in a binary min-heap of reader indexes,
//! ordered by the sort keys and then by run index: the run written first
//! wins a tie, so a merge keeps the order rows came in (runs hold
//! consecutive stretches of the input). Each step decodes only the
//! records it compares, and allocates nothing once the readers exist
//! (a record longer than a page grows its reader's buffer once).

use core::cmp::Ordering;

use boundlite_platform::File;

use crate::Result;
use crate::alloc::{Allocator, Vec};
use crate::record::RecordRef;

use super::order::{SortKey, compare_records};
use super::run::{Run, RunReader};

/// The merge of some runs, positioned on the smallest record not yet
/// taken.
pub(crate) struct Merge<A: Allocator> {
    readers: Vec<RunReader<A>, A>,
    /// Readers that have a current record, the smallest first.
    heap: Vec<usize, A>,
}

impl<A: Allocator + Clone> Merge<A> {
    /// Starts merging `runs` of `file`, with `page`-byte read buffers.
    pub fn start<F: File>(
        file: &mut F,
        runs: &[Run],
        page: usize,
        keys: &[SortKey],
        alloc: A,
    ) -> Result<Self> {
        let mut readers = Vec::try_with_capacity_in(runs.len(), alloc.clone())?;
        let mut heap = Vec::try_with_capacity_in(runs.len(), alloc.clone())?;
        for run in runs {
            let mut reader = RunReader::new(*run, page, alloc.clone())?;
            let some = reader.advance(file)?;
            // Within the capacity reserved above: never allocates.
            readers.try_push(reader)?;
            if some {
                heap.try_push(readers.len() - 1)?;
            }
        }
        let mut merge = Merge { readers, heap };
        for at in (0..merge.heap.len() / 2).rev() {
            merge.sift_down(at, keys)?;
        }
        Ok(merge)
    }

    /// The smallest record not yet taken; `None` when every run is done.
    pub fn record(&self) -> Option<&[u8]> {
        let top = *self.heap.first()?;
        self.readers.get(top).map(RunReader::record)
    }

    /// Takes the current record: moves to the next smallest.
    pub fn pop<F: File>(&mut self, file: &mut F, keys: &[SortKey]) -> Result<()> {
        let Some(&top) = self.heap.first() else {
            return Ok(());
        };
        let more = match self.readers.get_mut(top) {
            Some(reader) => reader.advance(file)?,
            None => false,
        };
        if !more {
            let last = self.heap.len() - 1;
            self.heap.swap(0, last);
            self.heap.truncate(last);
        }
        self.sift_down(0, keys)
    }

    /// Whether reader `a`'s record comes before reader `b`'s.
    fn before(&self, a: usize, b: usize, keys: &[SortKey]) -> Result<bool> {
        if keys.is_empty() {
            // A spool: runs come out whole, in the order they were written.
            return Ok(a < b);
        }
        let record = |i: usize| self.readers.get(i).map_or(&[][..], RunReader::record);
        let (x, y) = (
            RecordRef::parse(record(a), None)?,
            RecordRef::parse(record(b), None)?,
        );
        let o = compare_records(keys, &x, &y)?.then(a.cmp(&b));
        Ok(o == Ordering::Less)
    }

    fn sift_down(&mut self, mut at: usize, keys: &[SortKey]) -> Result<()> {
        let len = self.heap.len();
        loop {
            let (left, right) = (2 * at + 1, 2 * at + 2);
            let reader = |i: usize| self.heap.get(i).copied().unwrap_or(usize::MAX);
            let mut least = at;
            if left < len && self.before(reader(left), reader(least), keys)? {
                least = left;
            }
            if right < len && self.before(reader(right), reader(least), keys)? {
                least = right;
            }
            if least == at {
                return Ok(());
            }
            self.heap.swap(at, least);
            at = least;
        }
    }
}
