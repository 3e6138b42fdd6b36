//! Sorted runs in a temporary file: [`RunWriter`] appends rows (records)
//! through a one-page buffer, [`RunReader`] reads them back through
//! another.
//!
//! A run is the byte range [`Run::start`, `Run::end`) of a file: a
//! sequence of entries, each the varint length of a record followed by the
//! record (the row's values in SQLite's record format). Runs of one file
//! follow each other; a writer only appends.
//!
//! Invariants:
//! - a writer holds at most one page of unwritten bytes; an entry larger
//!   than what is left of the page goes out in the page's writes and, when
//!   longer than a page, straight from the caller's slice;
//! - a reader holds one page of the file, and one record that does not fit
//!   in a page in a buffer of its own (grown to the largest such record,
//!   then reused);
//! - the bytes read back are checked as any file's: a length that runs
//!   past the run, or a varint cut short, is `Corrupt`, never a panic.

use boundlite_platform::File;

use crate::alloc::{Allocator, Vec};
use crate::format::{MAX_VARINT_LEN, read_varint, write_varint};
use crate::{Error, Result};

/// One sorted run: where its entries lie in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Run {
    /// The offset of its first entry.
    pub start: u64,
    /// The offset just past its last entry.
    pub end: u64,
    /// How many merges its rows went through while the sort took rows
    /// (see `Spill::write_run`).
    pub level: u8,
}

fn to_u64(n: usize) -> Result<u64> {
    u64::try_from(n).map_err(|_| Error::Full)
}

/// Appends one run's entries to a file, a page at a time.
pub(crate) struct RunWriter<A: Allocator> {
    /// Bytes not yet written; its capacity is the page size.
    pending: Vec<u8, A>,
    /// The file offset `pending` starts at.
    at: u64,
    /// Where the run started.
    start: u64,
}

impl<A: Allocator> RunWriter<A> {
    /// A run starting at `at`, buffered in `pending` (emptied; its
    /// capacity is the write size).
    pub fn new(mut pending: Vec<u8, A>, at: u64) -> Self {
        pending.clear();
        RunWriter {
            pending,
            at,
            start: at,
        }
    }

    /// Appends the entry of `record`.
    pub fn append<F: File>(&mut self, file: &mut F, record: &[u8]) -> Result<()> {
        let mut head = [0u8; MAX_VARINT_LEN];
        let n = write_varint(to_u64(record.len())?, &mut head);
        self.put(file, head.get(..n).unwrap_or(&[]))?;
        self.put(file, record)
    }

    /// Copies `bytes` into the page, writing it out each time it fills.
    fn put<F: File>(&mut self, file: &mut F, mut bytes: &[u8]) -> Result<()> {
        let page = self.pending.capacity();
        while !bytes.is_empty() {
            if self.pending.is_empty() && bytes.len() >= page {
                // A whole page or more: straight from the caller.
                file.write_at(self.at, bytes)?;
                self.at += to_u64(bytes.len())?;
                return Ok(());
            }
            let room = page - self.pending.len();
            let (now, later) = bytes.split_at(room.min(bytes.len()));
            // Within capacity: this never allocates.
            self.pending.try_extend_from_slice(now)?;
            bytes = later;
            if self.pending.len() == page {
                self.flush(file)?;
            }
        }
        Ok(())
    }

    fn flush<F: File>(&mut self, file: &mut F) -> Result<()> {
        if !self.pending.is_empty() {
            file.write_at(self.at, &self.pending)?;
            self.at += to_u64(self.pending.len())?;
            self.pending.clear();
        }
        Ok(())
    }

    /// Writes what is left and gives the run and the page buffer back.
    pub fn finish<F: File>(mut self, file: &mut F) -> Result<(Run, Vec<u8, A>)> {
        self.flush(file)?;
        let run = Run {
            start: self.start,
            end: self.at,
            level: 0,
        };
        Ok((run, self.pending))
    }
}

/// Where a reader's current record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Current {
    /// None yet, or the run is over.
    None,
    /// In the page, at `start`, `len` bytes.
    Page { start: usize, len: usize },
    /// In the buffer for records longer than a page.
    Large,
}

/// Reads one run's entries back, a page at a time.
pub(crate) struct RunReader<A: Allocator> {
    /// The file offset of the next entry.
    pos: u64,
    /// The end of the run.
    end: u64,
    /// The page: `filled` bytes of the file from `page_at`.
    page: Vec<u8, A>,
    page_at: u64,
    filled: usize,
    /// A record longer than a page.
    large: Vec<u8, A>,
    current: Current,
}

impl<A: Allocator + Clone> RunReader<A> {
    /// A reader of `run` with a buffer of `page` bytes, before its first
    /// record.
    pub fn new(run: Run, page: usize, alloc: A) -> Result<Self> {
        let buffer = Vec::try_from_elem_in(0u8, page.max(MAX_VARINT_LEN), alloc.clone())?;
        Ok(RunReader {
            pos: run.start,
            end: run.end,
            page: buffer,
            page_at: run.start,
            filled: 0,
            large: Vec::new_in(alloc),
            current: Current::None,
        })
    }

    /// The current record: empty before the first `advance` and after the
    /// last.
    pub fn record(&self) -> &[u8] {
        match self.current {
            Current::None => &[],
            Current::Page { start, len } => self.page.get(start..start + len).unwrap_or(&[]),
            Current::Large => &self.large,
        }
    }

    /// Moves to the next record; `false` at the end of the run.
    pub fn advance<F: File>(&mut self, file: &mut F) -> Result<bool> {
        self.current = Current::None;
        if self.pos >= self.end {
            return Ok(false);
        }
        let head = self.available(file, MAX_VARINT_LEN)?;
        let (len, n) = read_varint(head).ok_or(corrupt())?;
        self.pos += to_u64(n)?;
        let len = usize::try_from(len).map_err(|_| corrupt())?;
        if to_u64(len)? > self.end - self.pos {
            return Err(corrupt());
        }
        if len <= self.page.len() {
            self.available(file, len)?;
            let start = usize::try_from(self.pos - self.page_at).map_err(|_| corrupt())?;
            self.current = Current::Page { start, len };
        } else {
            self.large.clear();
            self.large.try_resize(len, 0)?;
            file.read_exact_at(self.pos, &mut self.large)?;
            self.current = Current::Large;
        }
        self.pos += to_u64(len)?;
        Ok(true)
    }

    /// The bytes from `pos`, at least `want` of them unless the run ends
    /// first, reading the next part of the run into the page when the page
    /// holds fewer. `want` is at most a page.
    fn available<F: File>(&mut self, file: &mut F, want: usize) -> Result<&[u8]> {
        let want = usize::try_from(self.end - self.pos).map_or(want, |left| left.min(want));
        let offset = usize::try_from(self.pos - self.page_at).map_err(|_| corrupt())?;
        if offset > self.filled || self.filled - offset < want {
            // Keep what is left of the page, then fill the rest of it.
            let kept = self.filled.saturating_sub(offset);
            if kept > 0 {
                self.page.copy_within(offset..self.filled, 0);
            }
            self.page_at = self.pos;
            self.filled = kept;
            let left = usize::try_from(self.end - self.pos - to_u64(kept)?).unwrap_or(usize::MAX);
            let more = (self.page.len() - kept).min(left);
            let into = self
                .page
                .get_mut(kept..kept + more)
                .ok_or(Error::Misuse("a run page out of range"))?;
            file.read_exact_at(self.pos + to_u64(kept)?, into)?;
            self.filled += more;
        }
        let offset = usize::try_from(self.pos - self.page_at).map_err(|_| corrupt())?;
        self.page
            .get(offset..offset + want)
            .filter(|_| offset + want <= self.filled)
            .ok_or(corrupt())
    }
}

fn corrupt() -> Error {
    Error::corrupt_file("a sorted run in a temporary file is malformed")
}
