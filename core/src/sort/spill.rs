//! [`Spill`]: the temporary files of a sort that outgrew its budget, and
//! the sorted runs in them.
//!
//! Runs are appended to one file, each through a one-page writer. Before
//! the runs are read back, merge passes bring their number down to what
//! one merge reads at once ([`Budget::fan_in`]): each pass merges groups
//! of runs into the second file, empties the first, and the two swap, so
//! the files hold at most twice the rows. [`Spill::finish`] then starts
//! the last merge, the one the caller reads.
//!
//! While rows come in, the list of runs is kept short, so that its memory
//! grows with the logarithm of the rows rather than with the rows: once
//! the list holds more runs than the last merge reads at once and
//! [`LEVEL_RUNS`] runs of one level wait at its end, they are merged
//! (through the smallest read buffers) into one run of the next level,
//! appended to the file. A sort whose runs the last merge reads at once
//! never merges early. A spool, whose runs are read whole in the order
//! written and lie end to end, keeps them as one run.
//!
//! Invariants: `runs` are the runs of `file`, in the order they were
//! written, `end` the end of the last; each run is sorted by the keys the
//! merge is given; levels do not increase along the list, and fewer than
//! [`LEVEL_RUNS`] runs share the last level. Dropping a spill drops its
//! files, which the platform deletes.

use boundlite_platform::{ErrorKind, File, Platform};

use crate::alloc::{Allocator, Vec};
use crate::record::{ValueRef, encode_into};
use crate::{Error, Result};

use super::merge::Merge;
use super::order::RecordOrder;
use super::run::{Run, RunWriter};
use super::{Budget, MIN_READ};

/// A temporary file of `platform`; a platform without any makes work that
/// outgrows its budget a clear error.
pub(super) fn open_temp<P: Platform>(platform: &P) -> Result<P::File> {
    platform.open_temp().map_err(|e| match e.kind() {
        ErrorKind::Unsupported => Error::Sql(
            "the sort does not fit in sort_memory and the platform has no temporary files",
        ),
        _ => Error::from(e),
    })
}

/// Runs of one level merged into one of the next while rows come in.
pub(super) const LEVEL_RUNS: usize = 16;

/// The runs of a sort, in temporary files.
pub(super) struct Spill<F, A: Allocator> {
    /// The file holding `runs`.
    file: F,
    /// The file a merge pass writes to, once one has.
    other: Option<F>,
    runs: Vec<Run, A>,
    /// Where the next run starts in `file`.
    end: u64,
    /// Runs the last merge reads at once ([`Budget::fan_in`]).
    fan_in: usize,
    /// The write buffer, one page.
    page: Vec<u8, A>,
    /// One row encoded as a record.
    record: Vec<u8, A>,
    alloc: A,
}

/// One run being written: rows go in as values, out as records.
pub(super) struct RunAppender<'s, F, A: Allocator> {
    file: &'s mut F,
    writer: RunWriter<A>,
    record: &'s mut Vec<u8, A>,
}

impl<F: File, A: Allocator> RunAppender<'_, F, A> {
    /// Appends the row of `values`, which must come in the run's order.
    pub fn append(&mut self, values: &[ValueRef<'_>]) -> Result<()> {
        self.record.clear();
        encode_into(values, self.record)?;
        self.writer.append(self.file, self.record)
    }

    /// Appends a row already encoded as a record, in the run's order.
    pub fn append_record(&mut self, record: &[u8]) -> Result<()> {
        self.writer.append(self.file, record)
    }
}

impl<F: File, A: Allocator + Clone> Spill<F, A> {
    /// A spill with no run, in a temporary file of `platform`.
    pub fn open<P: Platform<File = F>>(platform: &P, budget: Budget, alloc: A) -> Result<Self> {
        Ok(Spill {
            file: open_temp(platform)?,
            other: None,
            runs: Vec::new_in(alloc.clone()),
            end: 0,
            fan_in: budget.fan_in(),
            page: Vec::try_with_capacity_in(budget.page, alloc.clone())?,
            record: Vec::new_in(alloc.clone()),
            alloc,
        })
    }

    /// The spill in `slot`, opened in a temporary file of `platform` on
    /// its first use.
    pub fn get_or_open<'s, P: Platform<File = F>>(
        slot: &'s mut Option<Self>,
        platform: &P,
        budget: Budget,
        alloc: &A,
    ) -> Result<&'s mut Self> {
        if slot.is_none() {
            *slot = Some(Spill::open(platform, budget, alloc.clone())?);
        }
        slot.as_mut()
            .ok_or(Error::Misuse("a sort spilled without its file"))
    }

    /// Writes one run: the rows `write` appends, in `order`; then keeps
    /// the list of runs short (see the module documentation).
    pub fn write_run<O: RecordOrder + ?Sized>(
        &mut self,
        order: &O,
        write: impl FnOnce(&mut RunAppender<'_, F, A>) -> Result<()>,
    ) -> Result<()> {
        self.runs.try_reserve(1)?;
        let page = core::mem::replace(&mut self.page, Vec::new_in(self.alloc.clone()));
        let mut run = RunAppender {
            file: &mut self.file,
            writer: RunWriter::new(page, self.end),
            record: &mut self.record,
        };
        write(&mut run)?;
        let (written, page) = run.writer.finish(run.file)?;
        self.page = page;
        self.end = written.end;
        self.runs.try_push(written)?;
        self.settle(order)
    }

    /// Once the list holds more runs than the last merge reads at once,
    /// merges the runs at its end while [`LEVEL_RUNS`] of them share a
    /// level; joins a spool's last two runs.
    fn settle<O: RecordOrder + ?Sized>(&mut self, order: &O) -> Result<()> {
        if order.is_spool() {
            if let [.., before, last] = self.runs.as_mut_slice() {
                if before.end == last.start {
                    before.end = last.end;
                    self.runs.pop();
                }
            }
            return Ok(());
        }
        if self.runs.len() <= self.fan_in {
            return Ok(());
        }
        while let Some(level) = self.runs.last().map(|r| r.level) {
            let same = self
                .runs
                .iter()
                .rev()
                .take_while(|r| r.level == level)
                .count();
            if same < LEVEL_RUNS {
                break;
            }
            self.merge_tail(self.runs.len() - same, order)?;
        }
        Ok(())
    }

    /// Merges the runs from `from` to the end into one run of the next
    /// level, written at the end of the file: the runs it replaces stay
    /// in the file until the spill is dropped or a pass empties it.
    fn merge_tail<O: RecordOrder + ?Sized>(&mut self, from: usize, order: &O) -> Result<()> {
        let group = self.runs.get(from..).unwrap_or_default();
        let level = group.first().map_or(0, |r| r.level).saturating_add(1);
        let read = MIN_READ.min(self.page.capacity()).max(1);
        let mut merge = Merge::start(&mut self.file, group, read, order, self.alloc.clone())?;
        let page = core::mem::replace(&mut self.page, Vec::new_in(self.alloc.clone()));
        let mut writer = RunWriter::new(page, self.end);
        while let Some(record) = merge.record() {
            writer.append(&mut self.file, record)?;
            merge.pop(&mut self.file, order)?;
        }
        drop(merge);
        let (mut run, page) = writer.finish(&mut self.file)?;
        self.page = page;
        run.level = level;
        self.end = run.end;
        self.runs.truncate(from);
        self.runs.try_push(run)?;
        Ok(())
    }

    /// Merges the runs in passes until one merge reads them all, and
    /// starts that merge: the file it reads and the merge.
    pub fn finish<P: Platform<File = F>, O: RecordOrder + ?Sized>(
        mut self,
        platform: &P,
        budget: Budget,
        order: &O,
    ) -> Result<(F, Merge<A>)> {
        self.record.release();
        while self.runs.len() > budget.fan_in() {
            self.merge_pass(platform, budget, order)?;
        }
        self.page.release();
        let merge = Merge::start(
            &mut self.file,
            &self.runs,
            budget.read_size(self.runs.len()),
            order,
            self.alloc.clone(),
        )?;
        Ok((self.file, merge))
    }

    /// Merges the runs, `fan_in` at a time, into fewer, longer runs of
    /// the other file, and makes that the file read.
    fn merge_pass<P: Platform<File = F>, O: RecordOrder + ?Sized>(
        &mut self,
        platform: &P,
        budget: Budget,
        order: &O,
    ) -> Result<()> {
        let fan_in = budget.fan_in();
        let read = budget.read_size(fan_in);
        let mut out = match self.other.take() {
            Some(file) => file,
            None => open_temp(platform)?,
        };
        let mut runs =
            Vec::try_with_capacity_in(self.runs.len().div_ceil(fan_in), self.alloc.clone())?;
        let mut end = 0;
        for group in self.runs.chunks(fan_in) {
            let mut merge = Merge::start(&mut self.file, group, read, order, self.alloc.clone())?;
            let page = core::mem::replace(&mut self.page, Vec::new_in(self.alloc.clone()));
            let mut writer = RunWriter::new(page, end);
            while let Some(record) = merge.record() {
                writer.append(&mut out, record)?;
                merge.pop(&mut self.file, order)?;
            }
            let (run, page) = writer.finish(&mut out)?;
            self.page = page;
            end = run.end;
            runs.try_push(run)?;
        }
        // The runs read are all merged: their file is emptied and takes
        // the next pass's runs.
        self.file.truncate(0)?;
        let read = core::mem::replace(&mut self.file, out);
        self.other = Some(read);
        self.runs = runs;
        self.end = end;
        Ok(())
    }
}
