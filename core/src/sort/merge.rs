//! [`Merge`]: a k-way merge of sorted runs of one file, through one
//! [`RunReader`] (one page) per run.
//!
//! The runs' current records sit in a binary min-heap of reader indexes,
//! ordered by the sort keys and then by run index: the run written first
//! wins a tie, so a merge keeps the order rows came in (runs hold
//! consecutive stretches of the input). Each record's prefix (see
//! [`RecordOrder`]) is taken once, when its reader reaches it; a step
//! decodes records only when their prefixes tie, and allocates nothing
//! once the readers exist (a record longer than a page grows its
//! reader's buffer once).

use core::cmp::Ordering;

use boundlite_platform::File;

use crate::Result;
use crate::alloc::{Allocator, Vec};

use super::order::RecordOrder;
use super::run::{Run, RunReader};

/// The merge of some runs, positioned on the smallest record not yet
/// taken.
pub(crate) struct Merge<A: Allocator> {
    readers: Vec<RunReader<A>, A>,
    /// The prefix of each reader's current record.
    prefixes: Vec<u64, A>,
    /// Readers that have a current record, the smallest first.
    heap: Vec<usize, A>,
}

impl<A: Allocator + Clone> Merge<A> {
    /// Starts merging `runs` of `file`, with `page`-byte read buffers.
    pub fn start<F: File, O: RecordOrder + ?Sized>(
        file: &mut F,
        runs: &[Run],
        page: usize,
        order: &O,
        alloc: A,
    ) -> Result<Self> {
        let mut readers = Vec::try_with_capacity_in(runs.len(), alloc.clone())?;
        let mut prefixes = Vec::try_with_capacity_in(runs.len(), alloc.clone())?;
        let mut heap = Vec::try_with_capacity_in(runs.len(), alloc.clone())?;
        for run in runs {
            let mut reader = RunReader::new(*run, page, alloc.clone())?;
            let some = reader.advance(file)?;
            let prefix = if some {
                order.prefix(reader.record())?
            } else {
                0
            };
            // Within the capacity reserved above: never allocates.
            readers.try_push(reader)?;
            prefixes.try_push(prefix)?;
            if some {
                heap.try_push(readers.len() - 1)?;
            }
        }
        let mut merge = Merge {
            readers,
            prefixes,
            heap,
        };
        for at in (0..merge.heap.len() / 2).rev() {
            merge.sift_down(at, order)?;
        }
        Ok(merge)
    }

    /// The smallest record not yet taken; `None` when every run is done.
    pub fn record(&self) -> Option<&[u8]> {
        let top = *self.heap.first()?;
        self.readers.get(top).map(RunReader::record)
    }

    /// Takes the current record: moves to the next smallest.
    pub fn pop<F: File, O: RecordOrder + ?Sized>(&mut self, file: &mut F, order: &O) -> Result<()> {
        let Some(&top) = self.heap.first() else {
            return Ok(());
        };
        let more = match self.readers.get_mut(top) {
            Some(reader) => {
                let more = reader.advance(file)?;
                if more && let Some(slot) = self.prefixes.get_mut(top) {
                    *slot = order.prefix(reader.record())?;
                }
                more
            }
            None => false,
        };
        if !more {
            let last = self.heap.len() - 1;
            self.heap.swap(0, last);
            self.heap.truncate(last);
        }
        self.sift_down(0, order)
    }

    /// Whether reader `a`'s record comes before reader `b`'s.
    fn before<O: RecordOrder + ?Sized>(&self, a: usize, b: usize, order: &O) -> Result<bool> {
        if order.is_spool() {
            // A spool: runs come out whole, in the order they were written.
            return Ok(a < b);
        }
        let prefix = |i: usize| self.prefixes.get(i).copied().unwrap_or(0);
        let o = match prefix(a).cmp(&prefix(b)) {
            Ordering::Equal => {
                let record = |i: usize| self.readers.get(i).map_or(&[][..], RunReader::record);
                order.compare(record(a), record(b))?
            }
            unequal => unequal,
        };
        Ok(o.then(a.cmp(&b)) == Ordering::Less)
    }

    fn sift_down<O: RecordOrder + ?Sized>(&mut self, mut at: usize, order: &O) -> Result<()> {
        let len = self.heap.len();
        loop {
            let (left, right) = (2 * at + 1, 2 * at + 2);
            let reader = |i: usize| self.heap.get(i).copied().unwrap_or(usize::MAX);
            let mut least = at;
            if left < len && self.before(reader(left), reader(least), order)? {
                least = left;
            }
            if right < len && self.before(reader(right), reader(least), order)? {
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
