//! Checkpoints: copying committed log frames back into the database file.
//!
//! [`Pager::checkpoint`] runs one of SQLite's four modes over the log,
//! never copying a frame an open read transaction's snapshot does not
//! include. Afterwards the cache forgets what became wrong: database-file
//! versions of pages the checkpoint overwrote, and, when the log restarted,
//! every log version (frame numbers start again at 1). A commit that
//! leaves at least `Config::wal_autocheckpoint` frames in the log runs a
//! passive checkpoint itself.

use boundlite_platform::File;

use core::cell::RefCell;

use super::cache::Version;
use super::{Pager, reentrant};
use crate::alloc::Allocator;
use crate::wal::{CheckpointMode, CheckpointResult};
use crate::{Error, Result};

impl<F: File, A: Allocator + Clone> Pager<F, A> {
    /// Runs a checkpoint in `mode`, as `PRAGMA wal_checkpoint(mode)`.
    /// Without a log there is nothing to do.
    ///
    /// During a write transaction only a passive checkpoint can run: the
    /// other modes copy what they can and report busy, as SQLite's do when
    /// a writer holds the log.
    pub fn checkpoint(&self, mode: CheckpointMode) -> Result<CheckpointResult> {
        let Some(wal) = self.wal.get() else {
            return Ok(CheckpointResult {
                busy: false,
                log: 0,
                checkpointed: 0,
            });
        };
        if self.in_write_transaction() && mode != CheckpointMode::Passive {
            let mut result = self.checkpoint(CheckpointMode::Passive)?;
            result.busy = true;
            return Ok(result);
        }
        if self.is_shared() {
            // Reads outside a transaction take the latest commit again
            // after the checkpoint: their mark must not hold it back.
            self.drop_view()?;
            return self.shared_checkpoint(mode);
        }
        let result = {
            let mut wal = wal.try_borrow_mut().map_err(|_| reentrant())?;
            let mut file = self.file.try_borrow_mut().map_err(|_| reentrant())?;
            let mut scratch = self.scratch.try_borrow_mut().map_err(|_| reentrant())?;
            let readers = self.readers.log_ends();
            let before = wal.backfilled();
            let result = wal.checkpoint(mode, &mut *file, &mut scratch, readers)?;
            if wal.backfilled() != before || wal.max_frame() == 0 {
                // The file's copies of checkpointed pages changed.
                self.cache.forget_where(|v| v == Version::File)?;
            }
            if wal.max_frame() == 0 && self.log_end.get() != 0 {
                // The log restarted: its frame numbers will be reused.
                self.cache.forget_where(|v| matches!(v, Version::Log(_)))?;
                self.log_end.set(0);
            }
            result
        };
        Ok(result)
    }

    /// A checkpoint under the shared protocol: one checkpointer at a time,
    /// frames copied only below every reader's read mark (of any process),
    /// the database file written while no reader of it alone is active.
    /// What another handle's lock prevents is reported as busy.
    fn shared_checkpoint(&self, mode: CheckpointMode) -> Result<CheckpointResult> {
        let Some(wal) = self.wal.get() else {
            return Ok(CheckpointResult::default());
        };
        match self.lock_checkpoint() {
            Ok(()) => {}
            Err(Error::Busy) => {
                return Ok(CheckpointResult {
                    busy: true,
                    ..self.log_counts()?
                });
            }
            Err(e) => return Err(e),
        }
        // The modes past passive hold writers off, as SQLite's do: a log
        // restarted under a writer would take its frames at the wrong place.
        let (run, writer_held) = match mode {
            CheckpointMode::Passive => (mode, false),
            _ => match self.lock_writer() {
                Ok(()) => (mode, true),
                Err(Error::Busy) => (CheckpointMode::Passive, false),
                Err(e) => {
                    let _ = self.unlock_checkpoint();
                    return Err(e);
                }
            },
        };
        let result = self.shared_checkpoint_locked(wal, run);
        if writer_held {
            self.unlock_writer();
        }
        let unlocked = self.unlock_checkpoint();
        let mut result = result?;
        unlocked?;
        result.busy |= run != mode;
        Ok(result)
    }

    fn shared_checkpoint_locked(
        &self,
        wal: &RefCell<crate::wal::Wal<F, A>>,
        mode: CheckpointMode,
    ) -> Result<CheckpointResult> {
        // A read of the latest commit first: its mark keeps other handles
        // from restarting the log while its frames are read and copied.
        let held = match self.in_write_transaction() {
            true => None,
            false => Some(self.take_read()?.1),
        };
        let copied = self.backfill_shared(wal);
        if let Some(mark) = held {
            self.release_read(mark)?;
        }
        let mut busy = copied?;
        let committed = self.seen_header().max_frame;
        let complete = self.shared_backfilled()? >= committed;
        match mode {
            CheckpointMode::Passive => {}
            CheckpointMode::Full => busy |= !complete,
            CheckpointMode::Restart | CheckpointMode::Truncate if !complete => busy = true,
            // An empty log has nothing to restart; TRUNCATE still cuts it.
            CheckpointMode::Restart if committed == 0 => {}
            CheckpointMode::Restart | CheckpointMode::Truncate => {
                if !self.try_restart_log()? {
                    busy = true;
                } else if mode == CheckpointMode::Truncate {
                    wal.try_borrow_mut()
                        .map_err(|_| reentrant())?
                        .truncate_file()?;
                    return Ok(CheckpointResult {
                        busy,
                        log: 0,
                        checkpointed: 0,
                    });
                }
            }
        }
        Ok(CheckpointResult {
            busy,
            ..self.log_counts()?
        })
    }

    /// Copies what no reader's mark holds back into the database file;
    /// `true` when something was held back (a reader, or a reader of the
    /// database file alone while there was something to copy).
    fn backfill_shared(&self, wal: &RefCell<crate::wal::Wal<F, A>>) -> Result<bool> {
        let limit = self.shared_checkpoint_limit()?;
        let backfilled = wal.try_borrow().map_err(|_| reentrant())?.backfilled();
        if backfilled >= limit {
            return Ok(false);
        }
        if !self.lock_file_readers(limit)? {
            return Ok(true);
        }
        let copied = {
            let mut wal = wal.try_borrow_mut().map_err(|_| reentrant())?;
            let mut file = self.file.try_borrow_mut().map_err(|_| reentrant())?;
            let mut scratch = self.scratch.try_borrow_mut().map_err(|_| reentrant())?;
            wal.backfill(&mut *file, limit, &mut scratch)
                .map(|_| wal.backfilled())
        };
        let done = match copied {
            Ok(done) => done,
            Err(e) => {
                self.unlock_file_readers(backfilled)?;
                return Err(e);
            }
        };
        self.unlock_file_readers(done)?;
        // The file's copies of checkpointed pages changed.
        self.cache.forget_where(|v| v == Version::File)?;
        Ok(false)
    }

    /// The frames in the log and those backfilled, as a checkpoint reports.
    fn log_counts(&self) -> Result<CheckpointResult> {
        if self.is_shared() {
            return Ok(CheckpointResult {
                busy: false,
                log: self.seen_header().max_frame,
                checkpointed: self.shared_backfilled()?,
            });
        }
        let Some(wal) = self.wal.get() else {
            return Ok(CheckpointResult::default());
        };
        let wal = wal.try_borrow().map_err(|_| reentrant())?;
        Ok(CheckpointResult {
            busy: false,
            log: wal.max_frame(),
            checkpointed: wal.backfilled(),
        })
    }

    /// Restarts the log before a write transaction when every frame of it
    /// is in the database file and no reader's snapshot refers to it, as
    /// SQLite does: without this, a log checkpointed only passively would
    /// grow forever.
    pub(super) fn restart_log_if_done(&self) -> Result<()> {
        let Some(wal) = self.wal.get() else {
            return Ok(());
        };
        let mut wal = wal.try_borrow_mut().map_err(|_| reentrant())?;
        let readers_in_log = self.readers.log_ends().any(|end| end > 0);
        if wal.max_frame() > 0 && wal.can_reset() && !readers_in_log {
            wal.reset(false)?;
            self.cache.forget_where(|v| matches!(v, Version::Log(_)))?;
            self.log_end.set(0);
        }
        Ok(())
    }

    /// The passive checkpoint a commit runs once the log holds
    /// `Config::wal_autocheckpoint` frames. Its failure loses nothing (the
    /// frames stay in the log for the next checkpoint), so it is not
    /// reported.
    pub(super) fn autocheckpoint(&self) {
        let Some(wal) = self.wal.get() else { return };
        let due = wal
            .try_borrow()
            .is_ok_and(|wal| wal.max_frame() >= self.autocheckpoint);
        if due && self.autocheckpoint > 0 {
            let _ = self
                .checkpoint(CheckpointMode::Passive)
                .map_err(|_: Error| ());
        }
    }
}
