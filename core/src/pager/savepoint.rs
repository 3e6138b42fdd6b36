//! Savepoints of the write transaction: marks that it can roll back to
//! without ending, kept as SQLite's statement and savepoint journals keep
//! them, page by page (`pager.c`, `subjournalPage`).
//!
//! A mark records the transaction's [`State`] (header and page count) and
//! where the *subjournal* ends. Once a mark is set, the first change to a
//! page after it appends the page's *before-image* (its number, 4 bytes
//! big-endian, then its bytes) to the subjournal, a temporary file the
//! caller hands over with the first mark ([`Pager::open_savepoint`]) and
//! kept for the pager's life. Rolling back to a mark writes the images
//! recorded after it into the cache as the pages' uncommitted versions,
//! newest first (so the oldest image of a page, the one the mark saw,
//! wins), restores the state and forgets every changed page past the
//! restored page count.
//!
//! Invariants:
//! - marks nest: each is at or after the one below it, and the page
//!   count of an inner mark is at least an outer one's (a transaction
//!   only grows the file), so a page past the innermost mark's count is
//!   past every mark's and needs no image: the restored count drops it;
//! - a frame's `journaled` epoch equals the subjournal's current epoch
//!   only if the image of its page went to the subjournal after the
//!   innermost mark was set or last rolled back to. Every frame that
//!   changes hands resets it (see `cache`), so a page read back after a
//!   spill to the log is journaled again: a duplicate image costs a write,
//!   never correctness, since the older image is applied last;
//! - images are taken from the page as the transaction sees it, in the
//!   cache or spilled to the log, before the change that follows: a
//!   rollback to a mark restores exactly what the transaction saw there;
//! - memory: the marks (one small record each); no page is buffered, as
//!   images are written from and read into cache frames. Work and disk
//!   are the pages changed under a mark, however many.

use core::cell::{Cell, RefCell};

use boundlite_platform::{ErrorKind, File};

use super::cache::Version;
use super::{Pager, State, reentrant};
use crate::alloc::{Allocator, Vec};
use crate::{Error, PageNo, Result};

/// A mark of the write transaction, by its depth among the marks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SavepointId(usize);

impl SavepointId {
    /// The mark at `depth`: 0 for the outermost.
    pub(crate) fn at_depth(depth: usize) -> Self {
        SavepointId(depth)
    }
}

/// One mark: what the transaction was when it was set.
#[derive(Clone, Copy)]
struct Mark {
    state: State,
    /// The subjournal's end when the mark was set.
    offset: u64,
}

/// The marks and the subjournal of a pager.
pub(super) struct Subjournal<F, A: Allocator> {
    file: RefCell<Option<F>>,
    marks: RefCell<Vec<Mark, A>>,
    /// The end of the last image written.
    end: Cell<u64>,
    /// The farthest the file was written since the last transaction
    /// ended (its length, to give back then).
    high: Cell<u64>,
    /// Changes when a mark is set or rolled back to (see the invariants).
    epoch: Cell<u32>,
}

impl<F: File, A: Allocator + Clone> Subjournal<F, A> {
    pub(super) fn new(alloc: A) -> Self {
        Subjournal {
            file: RefCell::new(None),
            marks: RefCell::new(Vec::new_in(alloc)),
            end: Cell::new(0),
            high: Cell::new(0),
            epoch: Cell::new(1),
        }
    }
}

impl<F: File, A: Allocator + Clone> Pager<F, A> {
    /// Sets a mark in the write transaction that
    /// [`rollback_to_savepoint`](Self::rollback_to_savepoint) returns to.
    /// `open` gives the temporary file images go to, asked for once.
    pub fn open_savepoint(&self, open: impl FnOnce() -> Result<F>) -> Result<SavepointId> {
        self.check_writing()?;
        let journal = &self.subjournal;
        {
            let mut file = journal.file.try_borrow_mut().map_err(|_| reentrant())?;
            if file.is_none() {
                *file = Some(open()?);
            }
        }
        let mut marks = journal.marks.try_borrow_mut().map_err(|_| reentrant())?;
        let id = SavepointId(marks.len());
        marks.try_push(Mark {
            state: self.state.get(),
            offset: journal.end.get(),
        })?;
        drop(marks);
        self.next_epoch();
        Ok(id)
    }

    /// Forgets mark `id` and every mark set after it; their changes stay
    /// in the transaction (and under the marks before, if any).
    pub fn release_savepoint(&self, id: SavepointId) -> Result<()> {
        let journal = &self.subjournal;
        let mut marks = journal.marks.try_borrow_mut().map_err(|_| reentrant())?;
        marks.truncate(id.0);
        if marks.is_empty() {
            journal.end.set(0);
        }
        Ok(())
    }

    /// Undoes every change made since mark `id`, which stays set; the
    /// marks after it are forgotten. An error leaves the transaction
    /// half restored: the caller rolls it back whole.
    pub fn rollback_to_savepoint(&self, id: SavepointId) -> Result<()> {
        self.check_writing()?;
        let journal = &self.subjournal;
        let mark = {
            let mut marks = journal.marks.try_borrow_mut().map_err(|_| reentrant())?;
            let mark = *marks
                .get(id.0)
                .ok_or(Error::Misuse("a savepoint that is not set"))?;
            marks.truncate(id.0 + 1);
            mark
        };
        let entry = 4 + u64::from(self.page_size);
        let mut file = journal.file.try_borrow_mut().map_err(|_| reentrant())?;
        let file = file
            .as_mut()
            .ok_or(Error::Misuse("a savepoint without its subjournal"))?;
        while journal.end.get() > mark.offset {
            let at = journal.end.get().checked_sub(entry).ok_or_else(damaged)?;
            let mut head = [0u8; 4];
            read(file, at, &mut head)?;
            let no = PageNo::new(u32::from_be_bytes(head)).ok_or_else(damaged)?;
            if no.get() > mark.state.page_count {
                // Journaled under a later mark, since released: past the
                // restored count, the page goes.
                journal.end.set(at);
                continue;
            }
            let id = match self.cache.lookup((no, Version::Uncommitted)) {
                Some(id) => id,
                None => {
                    let id = self.free_frame()?;
                    self.cache.assign(id, (no, Version::Uncommitted))?;
                    id
                }
            };
            let frame = self.cache.frame(id)?;
            if frame.is_pinned() {
                return Err(Error::Misuse("rollback while a page handle is alive"));
            }
            read(file, at + 4, &mut frame.bytes_mut()?)?;
            journal.end.set(at);
        }
        self.state.set(mark.state);
        for (id, frame) in self.cache.frames() {
            if let Some((no, Version::Uncommitted)) = frame.key() {
                if no.get() > mark.state.page_count {
                    if frame.is_pinned() {
                        return Err(Error::Misuse("rollback while a page handle is alive"));
                    }
                    self.cache.forget(id)?;
                }
            }
        }
        self.next_epoch();
        Ok(())
    }

    /// Writes the before-image of page `no`, held by frame `id`, to the
    /// subjournal, unless no mark needs it (see the invariants). Called
    /// before the page's next change.
    pub(super) fn journal(&self, no: PageNo, id: super::cache::FrameId) -> Result<()> {
        let journal = &self.subjournal;
        let covered = {
            let marks = journal.marks.try_borrow().map_err(|_| reentrant())?;
            marks
                .last()
                .is_some_and(|mark| no.get() <= mark.state.page_count)
        };
        let frame = self.cache.frame(id)?;
        let epoch = journal.epoch.get();
        if !covered || frame.journaled() == epoch {
            return Ok(());
        }
        let mut file = journal.file.try_borrow_mut().map_err(|_| reentrant())?;
        let file = file
            .as_mut()
            .ok_or(Error::Misuse("a savepoint without its subjournal"))?;
        let at = journal.end.get();
        let bytes = frame.bytes()?;
        file.write_at(at, &no.get().to_be_bytes())?;
        file.write_at(at + 4, &bytes)?;
        let end = at + 4 + bytes.len() as u64;
        journal.end.set(end);
        journal.high.set(journal.high.get().max(end));
        frame.set_journaled(epoch);
        Ok(())
    }

    /// Forgets every mark as the write transaction ends, and gives back
    /// the subjournal's disk space. A failure to shorten the file is not
    /// reported: the transaction's outcome does not depend on it, and the
    /// next transaction writes over what it holds.
    pub(super) fn end_savepoints(&self) {
        let journal = &self.subjournal;
        if let Ok(mut marks) = journal.marks.try_borrow_mut() {
            marks.clear();
        }
        journal.end.set(0);
        if journal.high.get() > 0 {
            if let Ok(mut file) = journal.file.try_borrow_mut() {
                if let Some(file) = file.as_mut() {
                    let _ = file.truncate(0);
                }
            }
            journal.high.set(0);
        }
    }

    /// Starts a new epoch, so that every page is journaled again before
    /// its next change. On the epoch counter's wrap the frames' stamps are
    /// cleared, so that no stale stamp matches a new epoch.
    fn next_epoch(&self) {
        let journal = &self.subjournal;
        let next = journal.epoch.get().wrapping_add(1);
        if next == 0 {
            for (_, frame) in self.cache.frames() {
                frame.set_journaled(0);
            }
            journal.epoch.set(1);
        } else {
            journal.epoch.set(next);
        }
    }
}

/// A subjournal read back that does not hold what was written.
fn damaged() -> Error {
    Error::corrupt_file("a savepoint's subjournal read back from its temporary file is damaged")
}

fn read<F: File>(file: &mut F, at: u64, buf: &mut [u8]) -> Result<()> {
    match file.read_exact_at(at, buf) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::UnexpectedEof => Err(damaged()),
        Err(e) => Err(e.into()),
    }
}
