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
        let Some(wal) = &self.wal else {
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

    /// Restarts the log before a write transaction when every frame of it
    /// is in the database file and no reader's snapshot refers to it, as
    /// SQLite does: without this, a log checkpointed only passively would
    /// grow forever.
    pub(super) fn restart_log_if_done(&self) -> Result<()> {
        let Some(wal) = &self.wal else { return Ok(()) };
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
        let Some(wal) = &self.wal else { return };
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
