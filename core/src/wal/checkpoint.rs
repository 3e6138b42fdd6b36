//! Checkpoints: copying committed frames back into the database file
//! ([`Wal::backfill`]), restarting the log once they all are
//! ([`Wal::reset`]), and SQLite's four modes on top of both
//! ([`Wal::checkpoint`]).
//!
//! Rules that keep readers correct:
//! - a frame is copied only if it is at or below every reader's snapshot:
//!   a reader takes from the database file every page its snapshot finds
//!   no frame for, so a page copied from a newer frame would change what
//!   it reads. A reader whose snapshot is 0 reads the database file only,
//!   so while one exists nothing is copied;
//! - of each page only its latest frame at or below the limit is copied,
//!   and pages past the database size of the last commit are not copied
//!   at all (the database is truncated to that size once everything is
//!   backfilled, as SQLite does);
//! - the database file is synced before the frames count as backfilled,
//!   and the log is synced first if its frames may not be durable yet (a
//!   log recovered from another process's file);
//! - the log restarts only when every committed frame is backfilled and no
//!   reader's snapshot refers to a frame of it.
//!
//! Backfilling allocates nothing: it reads each frame into a page buffer
//! the caller lends, so a checkpoint can still run, and free the index's
//! memory, when the allocator is exhausted. Frames are copied in log order
//! rather than sorted by page as SQLite does, because sorting would need
//! memory.

use boundlite_platform::File;

use super::FrameNo;
use super::Tip;
use super::log::Wal;
use crate::alloc::Allocator;
use crate::{Error, Result};

/// SQLite's checkpoint modes. In one process nothing waits: where SQLite
/// would wait for a reader or the writer, these report busy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CheckpointMode {
    /// Copy what no reader's snapshot forbids; never busy.
    Passive,
    /// Copy every committed frame; busy if a reader's snapshot or an
    /// uncommitted write prevents it.
    Full,
    /// As `Full`, then restart the log so the next transaction writes from
    /// frame 1; busy if a reader's snapshot refers to a frame of the log.
    Restart,
    /// As `Restart`, and truncate the log file to zero bytes.
    Truncate,
}

/// What a [`Wal::backfill`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Backfill {
    /// Frames `1..=backfilled` are in the database file.
    pub backfilled: u32,
    /// Pages written into the database file by this call.
    pub pages_written: u32,
    /// Whether every committed frame is backfilled (the database file
    /// alone then holds the last committed state).
    pub complete: bool,
}

/// What a [`Wal::checkpoint`] reports: the row of `PRAGMA wal_checkpoint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CheckpointResult {
    /// The mode could not do all it promises (SQLITE_BUSY).
    pub busy: bool,
    /// Frames in the log (its last commit frame), as SQLite reports it:
    /// 0 after `Truncate`.
    pub log: u32,
    /// Frames of it backfilled, as SQLite reports it: 0 after `Truncate`.
    pub checkpointed: u32,
}

impl<F: File, A: Allocator + Clone> Wal<F, A> {
    /// Copies into `db` the latest version at or below frame `up_to`
    /// (clamped to [`max_frame`](Self::max_frame)) of every page held by a
    /// frame not yet backfilled, then syncs `db`. When that reaches
    /// `max_frame`, also sets `db`'s length to the last commit's database
    /// size. `buf` is scratch, one page long.
    ///
    /// The caller passes the oldest snapshot of any reader as `up_to` (see
    /// the module documentation). On error nothing counts as backfilled.
    /// The pages it had written into `db` do no harm: every reader finds
    /// those pages, in that version or a later one, in the log, so none
    /// reads them from `db`; the next backfill writes them again.
    pub fn backfill<D: File>(
        &mut self,
        db: &mut D,
        up_to: u32,
        buf: &mut [u8],
    ) -> Result<Backfill> {
        let target = up_to.min(self.committed.frame);
        if target <= self.backfilled {
            return Ok(self.backfill_state(0));
        }
        if buf.len() != self.page_size.get() as usize {
            return Err(Error::Misuse("buffer is not one page long"));
        }
        if !self.log_synced {
            self.file.sync()?;
            self.log_synced = true;
        }
        let page_size = self.page_size.get();
        let mut pages_written = 0u32;
        let mut next = FrameNo::new(self.backfilled.saturating_add(1));
        while let Some(frame) = next.filter(|f| f.get() <= target) {
            let page = self.index.page_of(frame)?.ok_or(Error::Misuse(
                "a committed frame is missing from the WAL index",
            ))?;
            if page.get() <= self.db_size && self.index.find(page, target)? == Some(frame) {
                self.read_page(frame, buf)?;
                db.write_at(page.offset(page_size), buf)?;
                pages_written = pages_written.saturating_add(1);
            }
            next = frame.next();
        }
        if target == self.committed.frame {
            let len = u64::from(self.db_size) * u64::from(page_size);
            if db.size()? != len {
                db.truncate(len)?;
            }
        }
        db.sync()?;
        self.backfilled = target;
        Ok(self.backfill_state(pages_written))
    }

    /// Whether every committed frame is in the database file and no
    /// uncommitted frame follows them: the log may restart.
    pub fn can_reset(&self) -> bool {
        self.backfilled == self.committed.frame && self.written.frame == self.committed.frame
    }

    /// Restarts the log: the next append writes a header with the next salts
    /// and frame 1. With `truncate`, also sets the file's length to 0.
    ///
    /// Requires [`can_reset`](Self::can_reset) (else `Misuse`), and that no
    /// reader's snapshot refers to a frame of the log any more: a reader
    /// whose snapshot is [`max_frame`](Self::max_frame) sees the same
    /// bytes in the database file once everything is backfilled, so the
    /// pager may move it to snapshot 0 first. The log is reset even if
    /// the truncation then fails (the error is returned): every frame is
    /// in the database file, so an untruncated file only costs space.
    pub fn reset(&mut self, truncate: bool) -> Result<()> {
        if !self.can_reset() {
            return Err(Error::Misuse(
                "the log holds frames that are not in the database file",
            ));
        }
        self.forget_all();
        self.log_synced = true;
        if truncate {
            self.file.truncate(0)?;
        }
        Ok(())
    }

    /// Forgets every frame, keeping the index's memory: the log as this
    /// handle sees it is empty, and its next frame is 1.
    pub(crate) fn forget_all(&mut self) {
        self.index.clear();
        self.committed = Tip::EMPTY;
        self.written = Tip::EMPTY;
        self.stale_from = None;
        self.db_size = 0;
        self.backfilled = 0;
        self.header = None;
    }

    /// Runs a checkpoint in `mode`, given the snapshots of the readers
    /// that exist (`readers`, one per open read transaction; 0 for a reader
    /// of the database file alone). `buf` is scratch, one page long.
    ///
    /// Busy is reported in the result, not as an error, as `PRAGMA
    /// wal_checkpoint` reports it; an API that wants `Error::Busy` maps
    /// it. A write transaction that has not spilled frames is invisible
    /// here: the pager reports busy for it itself in the modes other than
    /// `Passive`.
    pub fn checkpoint<D: File>(
        &mut self,
        mode: CheckpointMode,
        db: &mut D,
        buf: &mut [u8],
        readers: impl IntoIterator<Item = u32>,
    ) -> Result<CheckpointResult> {
        let (oldest, in_log) = readers.into_iter().fold((None, false), |(oldest, any), s| {
            (Some(oldest.map_or(s, |o: u32| o.min(s))), any || s > 0)
        });
        let limit = oldest.unwrap_or(u32::MAX);
        let done = self.backfill(db, limit, buf)?;
        let writing = self.uncommitted_frames() > 0;
        let mut result = CheckpointResult {
            busy: false,
            log: self.committed.frame,
            checkpointed: self.backfilled,
        };
        match mode {
            CheckpointMode::Passive => {}
            CheckpointMode::Full => result.busy = !done.complete || writing,
            CheckpointMode::Restart | CheckpointMode::Truncate => {
                if !done.complete || writing || in_log {
                    result.busy = true;
                } else {
                    let truncate = mode == CheckpointMode::Truncate;
                    self.reset(truncate)?;
                    if truncate {
                        result.log = 0;
                        result.checkpointed = 0;
                    }
                }
            }
        }
        Ok(result)
    }

    fn backfill_state(&self, pages_written: u32) -> Backfill {
        Backfill {
            backfilled: self.backfilled,
            pages_written,
            complete: self.backfilled == self.committed.frame,
        }
    }
}
