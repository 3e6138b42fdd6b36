//! [`Queue`]: rows out in the order they went in, pushes and pops
//! interleaved, in a fixed memory budget whatever the number of rows
//! waiting (the queue of a recursive `WITH` table).
//!
//! The newest rows wait in memory. When they would take more than
//! [`Budget::bytes`], those waiting in memory are appended to a temporary
//! file as one run (see `run`) and leave memory; a pop reads the file's
//! rows, oldest first, through a one-page reader before any row in
//! memory. Once every row of the file was read the file is emptied, so a
//! queue that drains and refills reuses its first bytes.
//!
//! Invariants: every row in the file is older than every row in memory;
//! the file's runs lie end to end from 0 to `end`, and the reader (if
//! any) reads the part from its position to `read_end`, the rest of the
//! file after it; the rows in memory and their table take at most the
//! budget (but for one row larger than it), the slots of rows popped
//! leaving the table once they are half of it. Dropping the queue drops its file, which the
//! platform deletes.

use core::mem::size_of;

use boundlite_platform::{File, Platform};

use crate::Result;
use crate::alloc::{Allocator, Vec};
use crate::record::{RecordRef, ValueRef};
use crate::sql::eval::Value;

use super::buffer::footprint;
use super::run::{Run, RunReader, RunWriter};
use super::spill::open_temp;
use super::{Budget, Row};

/// Rows first in, first out, spilled to a temporary file past a budget.
pub(crate) struct Queue<'p, P: Platform, A: Allocator + Clone> {
    platform: &'p P,
    budget: Budget,
    /// The newest rows: those from `head` wait, those before it were
    /// popped (their slots are empty).
    rows: Vec<Row<A>, A>,
    head: usize,
    /// The bytes the waiting rows in memory take.
    bytes: usize,
    /// The older rows, once some spilled.
    file: Option<P::File>,
    /// The end of the runs written to the file.
    end: u64,
    /// The reader of the file's rows, and where the part it reads ends.
    reader: Option<(RunReader<A>, u64)>,
    /// The write buffer, one page, kept between spills.
    page: Vec<u8, A>,
    /// One row encoded as a record.
    record: Vec<u8, A>,
    alloc: A,
}

impl<'p, P: Platform, A: Allocator + Clone> Queue<'p, P, A> {
    /// An empty queue spilling to temporary files of `platform` past
    /// `budget`; allocates nothing.
    pub fn new(platform: &'p P, budget: Budget, alloc: A) -> Self {
        Queue {
            platform,
            budget,
            rows: Vec::new_in(alloc.clone()),
            head: 0,
            bytes: 0,
            file: None,
            end: 0,
            reader: None,
            page: Vec::new_in(alloc.clone()),
            record: Vec::new_in(alloc.clone()),
            alloc,
        }
    }

    /// Adds `row` at the end, first writing the rows waiting in memory to
    /// the file when `row` would take them past the budget.
    pub fn push(&mut self, row: Row<A>) -> Result<()> {
        let size = footprint(&row);
        if self.head > 0 && self.head * 2 >= self.rows.len() {
            // The slots of rows popped go, so the table holds mostly
            // waiting rows.
            self.rows.drain(..self.head);
            self.head = 0;
        }
        let table = (self.rows.len() + 1) * size_of::<Row<A>>();
        if self.bytes + size + table > self.budget.bytes && self.head < self.rows.len() {
            self.spill()?;
        }
        self.rows.try_push(row)?;
        self.bytes += size;
        Ok(())
    }

    /// Moves the oldest row into `out`; `false` when none waits.
    pub fn pop(&mut self, out: &mut Row<A>) -> Result<bool> {
        if self.read(out)? {
            return Ok(true);
        }
        let Some(slot) = self.rows.get_mut(self.head) else {
            return Ok(false);
        };
        core::mem::swap(out, slot);
        // The row given back takes no budget.
        *slot = Vec::new_in(self.alloc.clone());
        self.bytes = self.bytes.saturating_sub(footprint(out));
        self.head += 1;
        if self.head == self.rows.len() {
            self.rows.clear();
            self.head = 0;
            self.bytes = 0;
        }
        Ok(true)
    }

    /// Moves the oldest row of the file into `out`; `false` when the
    /// file has none left (it is then emptied).
    fn read(&mut self, out: &mut Row<A>) -> Result<bool> {
        let Some(file) = self.file.as_mut().filter(|_| self.end > 0) else {
            return Ok(false);
        };
        loop {
            let read_end = match self.reader.as_mut() {
                Some((reader, read_end)) => {
                    if reader.advance(file)? {
                        let record = RecordRef::parse(reader.record(), None)?;
                        out.clear();
                        for i in 0..record.column_count() {
                            let value = Value::try_from_ref(record.column(i)?, self.alloc.clone())?;
                            out.try_push(value)?;
                        }
                        return Ok(true);
                    }
                    *read_end
                }
                None => 0,
            };
            self.reader = None;
            if read_end >= self.end {
                // Every row written was read: the file starts over.
                file.truncate(0)?;
                self.end = 0;
                return Ok(false);
            }
            let run = Run {
                start: read_end,
                end: self.end,
                level: 0,
            };
            let reader = RunReader::new(run, self.budget.page, self.alloc.clone())?;
            self.reader = Some((reader, self.end));
        }
    }

    /// Appends the rows waiting in memory to the file, as one run.
    fn spill(&mut self) -> Result<()> {
        let file = match self.file.as_mut() {
            Some(file) => file,
            None => self.file.insert(open_temp(self.platform)?),
        };
        if self.page.capacity() < self.budget.page {
            self.page = Vec::try_with_capacity_in(self.budget.page, self.alloc.clone())?;
        }
        let width = self.rows.iter().map(|r| r.len()).max().unwrap_or(0);
        let mut values: Vec<ValueRef<'_>, A> =
            Vec::try_with_capacity_in(width, self.alloc.clone())?;
        let page = core::mem::replace(&mut self.page, Vec::new_in(self.alloc.clone()));
        let mut writer = RunWriter::new(page, self.end);
        for row in self.rows.get(self.head..).unwrap_or_default() {
            values.clear();
            for value in row.iter() {
                values.try_push(value.as_ref())?;
            }
            self.record.clear();
            crate::record::encode_into(&values, &mut self.record)?;
            writer.append(file, &self.record)?;
        }
        let (run, page) = writer.finish(file)?;
        self.page = page;
        self.end = run.end;
        drop(values);
        self.rows.clear();
        self.head = 0;
        self.bytes = 0;
        Ok(())
    }
}
