//! The sorter: rows in, the same rows out in key order, in a fixed memory
//! budget whatever the number of rows. ORDER BY, DISTINCT and GROUP BY
//! sort through it.
//!
//! - `order`: [`SortKey`], the order (columns, direction, collation,
//!   NULLs), the same for rows in memory and rows read back;
//! - `buffer`: the rows held in memory and the bytes they take;
//! - `run`: sorted runs written to and read back from a temporary file,
//!   a page at a time;
//! - `merge`: the k-way merge of runs, one page buffer per run;
//! - `spill`: the temporary files of a sort that spilled, its runs, and
//!   the merge passes that bring them down to one merge;
//! - `rowids`: the rowids an `UPDATE` or `DELETE` collects before it
//!   changes them, eight bytes each in memory, spilled the same way;
//! - `queue`: rows first in, first out, pushes and pops interleaved,
//!   spilled the same way (a recursive `WITH` table's queue);
//! - `top`: the first N rows only (`ORDER BY ... LIMIT N`), a bounded heap;
//! - `records`: rows already encoded as records (index keys), packed in
//!   one buffer, sorted and spilled the same way;
//! - `key_order`: the order of index keys, with the 64-bit prefixes that
//!   settle most comparisons without decoding a record.
//!
//! How a [`Sorter`] works, as SQLite's `vdbesort.c` does: rows accumulate
//! in a [`buffer::Buffer`] until it takes [`Budget::bytes`]; the buffer is
//! then sorted in place and written to a temporary file of the platform
//! ([`Platform::open_temp`]) as one sorted run, and emptied. At the end a
//! sort that never filled its buffer is sorted in memory and read from
//! there: it touches no file and costs what an in-memory sort costs. One
//! that spilled writes its last rows as a last run and merges the runs,
//! [`Budget::fan_in`] at a time: while there are more, each pass merges
//! groups of them into longer runs of a second temporary file (the two
//! files take turns, the one read emptied after each pass), and the last
//! merge streams its rows to the caller.
//!
//! Memory (the formula `Config::sort_memory` documents): a sorter holds at
//! most about `bytes` of rows (it spills once past it, so it may pass it by
//! the last row), and while merging a read buffer per run merged (the
//! budget shared among them, from 512 bytes to a page each), plus a page
//! for the run written in a pass, at most `bytes` together, and never
//! fewer than two runs. A record longer than its read buffer takes its own
//! length, once per reader that meets one.
//!
//! Invariants:
//! - rows come out in the order of the keys, which callers end with a
//!   sequence number, so no two rows tie and equal keys keep input order;
//!   a sorter with no keys is a spool: rows come out in the order they
//!   went in (each run is written in that order, and the merge of runs
//!   that compare equal reads them one after the other);
//! - a row sorts to the same place whether or not its sort spilled: rows
//!   in memory and records read back compare by one function;
//! - a failed push or finish (out of memory, an I/O error) leaves the
//!   sorter to be dropped; dropping it drops its temporary files, which
//!   the platform deletes: nothing of a failed sort remains.

mod buffer;
mod key_order;
mod merge;
mod order;
mod queue;
mod records;
mod rowids;
mod run;
mod spill;
mod top;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_records;

use boundlite_platform::{File, Platform};

use crate::alloc::{Allocator, Vec};
use crate::record::{RecordRef, ValueRef};
use crate::sql::eval::Value;
use crate::{Error, Result};

use buffer::Buffer;
pub(crate) use buffer::footprint;
pub(crate) use key_order::KeyOrder;
use merge::Merge;
pub(crate) use order::{Nulls, RecordOrder, SortKey};
pub(crate) use queue::Queue;
pub(crate) use records::{RecordSorter, SortedRecords};
pub(crate) use rowids::{RowIdStream, RowIds, RowOrder};
use spill::Spill;
pub(crate) use top::{Offer, Top};

/// One row: its values, sort keys among them.
pub(crate) type Row<A> = Vec<Value<A>, A>;

/// How much memory a sort may take, and the size of its file reads and
/// writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Budget {
    /// The bytes of rows held before they spill, and of read buffers
    /// while merging.
    pub bytes: usize,
    /// The size of one run read or write: the database's page size.
    pub page: usize,
}

impl Budget {
    /// Half this budget, for one of two sorts that run at once.
    pub fn half(self) -> Budget {
        Budget {
            bytes: self.bytes / 2,
            page: self.page,
        }
    }

    /// How many runs one merge reads at once: as many of the smallest
    /// read buffers as the budget holds besides the page a pass writes
    /// through; never fewer than two. Reading more runs through smaller
    /// buffers saves whole merge passes, each of which reads and writes
    /// every row again.
    pub fn fan_in(self) -> usize {
        (self.bytes.saturating_sub(self.page) / self.smallest_read()).max(2)
    }

    /// The read buffer of each of `runs` runs merged at once: the budget
    /// besides the page a pass writes through, shared among them, at
    /// least [`MIN_READ`] bytes and at most a page.
    pub fn read_size(self, runs: usize) -> usize {
        (self.bytes.saturating_sub(self.page) / runs.max(1))
            .clamp(self.smallest_read(), self.page.max(1))
    }

    fn smallest_read(self) -> usize {
        MIN_READ.min(self.page).max(1)
    }
}

/// The smallest read buffer a merge gives one run (a page, when pages are
/// smaller).
pub(super) const MIN_READ: usize = 512;

/// A sort in a fixed budget: push rows, then [`finish`](Self::finish).
pub(crate) struct Sorter<'p, P: Platform, A: Allocator + Clone> {
    platform: &'p P,
    keys: Vec<SortKey, A>,
    budget: Budget,
    alloc: A,
    buffer: Buffer<A>,
    spill: Option<Spill<P::File, A>>,
}

impl<'p, P: Platform, A: Allocator + Clone> Sorter<'p, P, A> {
    /// A sorter ordering by `keys`, spilling to temporary files of
    /// `platform`.
    pub fn new(platform: &'p P, keys: Vec<SortKey, A>, budget: Budget, alloc: A) -> Self {
        Sorter {
            platform,
            buffer: Buffer::new_in(alloc.clone()),
            keys,
            budget,
            alloc,
            spill: None,
        }
    }

    /// Adds `row`, writing the buffer out as a run once it is full.
    pub fn push(&mut self, row: Row<A>) -> Result<()> {
        self.buffer.push(row)?;
        if self.buffer.footprint() >= self.budget.bytes {
            self.write_run()?;
        }
        Ok(())
    }

    /// Adds every row of `rows`: when the sorter holds none yet, `rows`
    /// becomes its buffer as it is (no row is moved).
    pub fn extend(&mut self, rows: Vec<Row<A>, A>) -> Result<()> {
        if !self.buffer.is_empty() || self.spill.is_some() {
            for row in rows {
                self.push(row)?;
            }
            return Ok(());
        }
        self.buffer = Buffer::from_rows(rows);
        if self.buffer.footprint() >= self.budget.bytes {
            self.write_run()?;
        }
        Ok(())
    }

    /// Sorts the buffer and writes it to the temporary file as one run.
    fn write_run(&mut self) -> Result<()> {
        self.buffer.sort(&self.keys);
        let spill = Spill::get_or_open(&mut self.spill, self.platform, self.budget, &self.alloc)?;
        let width = self
            .buffer
            .rows()
            .iter()
            .map(|r| r.len())
            .max()
            .unwrap_or(0);
        let mut values: Vec<ValueRef<'_>, A> =
            Vec::try_with_capacity_in(width, self.alloc.clone())?;
        let rows = self.buffer.rows();
        spill.write_run(&*self.keys, |run| {
            for row in rows {
                values.clear();
                for value in row.iter() {
                    values.try_push(value.as_ref())?;
                }
                run.append(&values)?;
            }
            Ok(())
        })?;
        drop(values);
        self.buffer.clear();
        Ok(())
    }

    /// The rows, sorted: from memory when they never spilled, else merged
    /// from the runs.
    pub fn finish(mut self) -> Result<Sorted<P::File, A>> {
        if self.spill.is_none() {
            self.buffer.sort(&self.keys);
            return Ok(Sorted {
                keys: self.keys,
                source: Source::Memory {
                    rows: self.buffer.into_rows(),
                    next: 0,
                },
            });
        }
        if !self.buffer.is_empty() {
            self.write_run()?;
        }
        self.buffer.release();
        let spill = self
            .spill
            .take()
            .ok_or(Error::Misuse("a sort spilled without its file"))?;
        let (file, merge) = spill.finish(self.platform, self.budget, &*self.keys)?;
        Ok(Sorted {
            keys: self.keys,
            source: Source::Merged {
                file,
                merge,
                position: Position::Before,
            },
        })
    }
}

/// Where a merged sort stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Position {
    /// No row taken yet: the merge is on the first.
    Before,
    /// On a row taken: the next step pops it.
    On,
}

/// Where sorted rows come from.
enum Source<F, A: Allocator> {
    /// Sorted in memory; `next` is the row after the current one.
    Memory { rows: Vec<Row<A>, A>, next: usize },
    /// Merged from runs of `file`.
    Merged {
        file: F,
        merge: Merge<A>,
        position: Position,
    },
}

/// The rows of a finished sort, read one at a time.
pub(crate) struct Sorted<F, A: Allocator> {
    keys: Vec<SortKey, A>,
    source: Source<F, A>,
}

/// The current row of a [`Sorted`].
pub(crate) enum Current<'r, A: Allocator> {
    /// A row held in memory, which the caller may take.
    Values(&'r mut Row<A>),
    /// A row read back from a run.
    Record(RecordRef<'r>),
}

impl<A: Allocator> Current<'_, A> {
    /// The value of column `i`; NULL past the row's end.
    pub fn column(&self, i: usize) -> Result<ValueRef<'_>> {
        match self {
            Current::Values(row) => Ok(row.get(i).map_or(ValueRef::Null, Value::as_ref)),
            Current::Record(record) if i < record.column_count() => record.column(i),
            Current::Record(_) => Ok(ValueRef::Null),
        }
    }

    /// How many columns the row has.
    pub fn width(&self) -> usize {
        match self {
            Current::Values(row) => row.len(),
            Current::Record(record) => record.column_count(),
        }
    }
}

impl<F, A: Allocator> Sorted<F, A> {
    /// `rows`, already in the order of `keys`, read from memory.
    pub fn in_memory(rows: Vec<Row<A>, A>, keys: Vec<SortKey, A>) -> Self {
        Sorted {
            keys,
            source: Source::Memory { rows, next: 0 },
        }
    }
}

impl<F: File, A: Allocator + Clone> Sorted<F, A> {
    /// The rows, when they are all in memory and none was read yet; else
    /// the sorted rows as they were.
    pub fn into_rows(self) -> core::result::Result<Vec<Row<A>, A>, Self> {
        match self.source {
            Source::Memory { rows, next: 0 } => Ok(rows),
            source => Err(Sorted {
                keys: self.keys,
                source,
            }),
        }
    }

    /// Moves to the next row; `false` when there is none.
    pub fn advance(&mut self) -> Result<bool> {
        match &mut self.source {
            Source::Memory { rows, next } => {
                if *next >= rows.len() {
                    return Ok(false);
                }
                *next += 1;
                Ok(true)
            }
            Source::Merged {
                file,
                merge,
                position,
            } => {
                if *position == Position::On {
                    merge.pop(file, &*self.keys)?;
                }
                *position = Position::On;
                Ok(merge.record().is_some())
            }
        }
    }

    /// The row [`advance`](Self::advance) moved to.
    pub fn current(&mut self) -> Result<Current<'_, A>> {
        match &mut self.source {
            Source::Memory { rows, next } => next
                .checked_sub(1)
                .and_then(|i| rows.get_mut(i))
                .map(Current::Values)
                .ok_or(Error::Misuse("a sorted row read before its step")),
            Source::Merged { merge, .. } => {
                let record = merge
                    .record()
                    .ok_or(Error::Misuse("a sorted row read past the end"))?;
                Ok(Current::Record(RecordRef::parse(record, None)?))
            }
        }
    }
}
