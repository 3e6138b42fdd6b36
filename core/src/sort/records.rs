//! [`RecordSorter`]: a sort of rows already encoded as records (index
//! keys), in the same fixed budget as [`Sorter`](super::Sorter), for
//! callers that hold no values: the records are packed back to back in
//! one buffer, each with an entry of its prefix and place, so a sorted
//! row costs its bytes and sixteen more, and pushing allocates only
//! while the buffers grow to the budget.
//!
//! Invariants: the buffers never grow past the budget but to take one
//! record larger than it; entries sort by prefix, then by the order's
//! comparison (see [`RecordOrder`]), so the result is the order's; a
//! failed push or finish leaves the sorter to be dropped, and dropping it
//! drops its temporary files.

use core::cmp::Ordering;

use boundlite_platform::{File, Platform};

use crate::alloc::{Allocator, Vec};
use crate::{Error, Result};

use super::Budget;
use super::merge::Merge;
use super::order::RecordOrder;
use super::spill::Spill;

/// One record held in memory: its prefix and where its bytes lie.
#[derive(Debug, Clone, Copy)]
struct Entry {
    prefix: u64,
    start: u32,
    len: u32,
}

/// The bytes an entry takes beside its record.
const ENTRY_BYTES: usize = core::mem::size_of::<Entry>();

/// The first capacity of a buffer, unless the budget is smaller.
const FIRST_BYTES: usize = 4096;

/// A sort of records in a fixed budget: push records, then
/// [`finish`](Self::finish).
pub(crate) struct RecordSorter<'p, P: Platform, O: RecordOrder, A: Allocator + Clone> {
    platform: &'p P,
    order: O,
    budget: Budget,
    bytes: Vec<u8, A>,
    entries: Vec<Entry, A>,
    spill: Option<Spill<P::File, A>>,
    alloc: A,
}

impl<'p, P: Platform, O: RecordOrder, A: Allocator + Clone> RecordSorter<'p, P, O, A> {
    /// A sorter of records in `order`, spilling to temporary files of
    /// `platform` past `budget`.
    pub fn new(platform: &'p P, order: O, budget: Budget, alloc: A) -> Self {
        RecordSorter {
            platform,
            order,
            budget,
            bytes: Vec::new_in(alloc.clone()),
            entries: Vec::new_in(alloc.clone()),
            spill: None,
            alloc,
        }
    }

    /// Adds `record`, writing the records held out as a run first when
    /// the buffers cannot take it within the budget.
    pub fn push(&mut self, record: &[u8]) -> Result<()> {
        let prefix = self.order.prefix(record)?;
        let len = u32::try_from(record.len()).map_err(|_| Error::Full)?;
        if !self.fits(record.len())? {
            if !self.entries.is_empty() {
                self.write_run()?;
            }
            if !self.fits(record.len())? {
                self.grow(record.len())?;
            }
        }
        let start = u32::try_from(self.bytes.len()).map_err(|_| Error::Full)?;
        // Both within the capacity `fits` or `grow` saw to.
        self.bytes.try_extend_from_slice(record)?;
        self.entries.try_push(Entry { prefix, start, len })?;
        Ok(())
    }

    /// Whether a record of `len` bytes and its entry fit, growing the
    /// buffers within the budget when they must: each doubles, up to the
    /// share of the budget the records so far (or this one) say it
    /// takes, so the two fill together.
    fn fits(&mut self, len: usize) -> Result<bool> {
        let (held, count) = (self.bytes.len(), self.entries.len());
        if self.bytes.capacity() - held >= len && self.entries.capacity() > count {
            return Ok(true);
        }
        let average = held.checked_div(count).unwrap_or(len).max(1);
        let records = self.budget.bytes / (average + ENTRY_BYTES);
        let bytes = (self.bytes.capacity() * 2)
            .max(FIRST_BYTES)
            .min(records * average)
            .max(held + len)
            .max(self.bytes.capacity());
        let entries = (self.entries.capacity() * 2)
            .max(FIRST_BYTES / ENTRY_BYTES)
            .min(records)
            .max(count + 1)
            .max(self.entries.capacity());
        if bytes + entries * ENTRY_BYTES > self.budget.bytes {
            return Ok(false);
        }
        self.reserve(bytes - held, entries - count)?;
        Ok(true)
    }

    /// Grows the buffers to take one record of `len` bytes past the
    /// budget: a record larger than the budget is sorted alone.
    fn grow(&mut self, len: usize) -> Result<()> {
        let bytes_more = len.saturating_sub(self.bytes.capacity() - self.bytes.len());
        let entries_more = usize::from(self.entries.capacity() == self.entries.len());
        self.reserve(
            self.bytes.capacity() - self.bytes.len() + bytes_more,
            self.entries.capacity() - self.entries.len() + entries_more,
        )
    }

    /// Makes room for `bytes` more record bytes and `entries` more entries
    /// than are held.
    fn reserve(&mut self, bytes: usize, entries: usize) -> Result<()> {
        self.bytes.try_reserve_exact(bytes)?;
        self.entries.try_reserve_exact(entries)?;
        Ok(())
    }

    /// Sorts the records held and writes them to the temporary file as
    /// one run.
    fn write_run(&mut self) -> Result<()> {
        sort_entries(&self.order, &self.bytes, &mut self.entries)?;
        let spill = Spill::get_or_open(&mut self.spill, self.platform, self.budget, &self.alloc)?;
        let (bytes, entries) = (self.bytes.as_slice(), self.entries.as_slice());
        spill.write_run(&self.order, |run| {
            for entry in entries {
                run.append_record(record_of(bytes, entry))?;
            }
            Ok(())
        })?;
        self.bytes.clear();
        self.entries.clear();
        // Buffers grown past the budget for one record larger than it
        // are let go, so they grow again within it.
        if self.bytes.capacity() + self.entries.capacity() * ENTRY_BYTES > self.budget.bytes {
            self.bytes.release();
            self.entries.release();
        }
        Ok(())
    }

    /// The records, sorted: from memory when they never spilled, else
    /// merged from the runs.
    pub fn finish(mut self) -> Result<SortedRecords<P::File, O, A>> {
        if self.spill.is_none() {
            sort_entries(&self.order, &self.bytes, &mut self.entries)?;
            return Ok(SortedRecords {
                order: self.order,
                source: Source::Memory {
                    bytes: self.bytes,
                    entries: self.entries,
                    next: 0,
                },
            });
        }
        if !self.entries.is_empty() {
            self.write_run()?;
        }
        self.bytes.release();
        self.entries.release();
        let spill = self
            .spill
            .take()
            .ok_or(Error::Misuse("a sort spilled without its file"))?;
        let (file, merge) = spill.finish(self.platform, self.budget, &self.order)?;
        Ok(SortedRecords {
            order: self.order,
            source: Source::Merged {
                file,
                merge,
                started: false,
            },
        })
    }
}

/// The bytes of `entry`'s record.
fn record_of<'b>(bytes: &'b [u8], entry: &Entry) -> &'b [u8] {
    let start = entry.start as usize;
    bytes
        .get(start..start + entry.len as usize)
        .unwrap_or_default()
}

/// Sorts `entries` of the records in `bytes` by prefix, then by `order`.
fn sort_entries<O: RecordOrder>(order: &O, bytes: &[u8], entries: &mut [Entry]) -> Result<()> {
    let mut failed = None;
    // `sort_unstable_by` allocates nothing; no two keys of a sort tie
    // (the rowid ends every key), so stability is not needed.
    entries.sort_unstable_by(|a, b| {
        a.prefix.cmp(&b.prefix).then_with(|| {
            match order.compare(record_of(bytes, a), record_of(bytes, b)) {
                Ok(o) => o,
                Err(e) => {
                    failed.get_or_insert(e);
                    Ordering::Equal
                }
            }
        })
    });
    match failed {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Where sorted records come from.
enum Source<F, A: Allocator> {
    /// Sorted in memory; `next` is the entry after the current one.
    Memory {
        bytes: Vec<u8, A>,
        entries: Vec<Entry, A>,
        next: usize,
    },
    /// Merged from runs of `file`; `started` once a record was taken.
    Merged {
        file: F,
        merge: Merge<A>,
        started: bool,
    },
}

/// The records of a finished [`RecordSorter`], read one at a time.
pub(crate) struct SortedRecords<F, O, A: Allocator> {
    order: O,
    source: Source<F, A>,
}

impl<F: File, O: RecordOrder, A: Allocator + Clone> SortedRecords<F, O, A> {
    /// The next record in order; `None` past the last.
    pub fn next(&mut self) -> Result<Option<&[u8]>> {
        match &mut self.source {
            Source::Memory {
                bytes,
                entries,
                next,
            } => {
                let Some(entry) = entries.get(*next) else {
                    return Ok(None);
                };
                *next += 1;
                Ok(Some(record_of(bytes, entry)))
            }
            Source::Merged {
                file,
                merge,
                started,
            } => {
                if *started {
                    merge.pop(file, &self.order)?;
                }
                *started = true;
                Ok(merge.record())
            }
        }
    }
}
