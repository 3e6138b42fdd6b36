//! Spilling: making room in a cache the write transaction has filled, by
//! writing its changed pages to the log before it commits (SQLite's WAL
//! spill, `pagerStress`).
//!
//! When no frame is clean and unpinned, the writer appends every unpinned
//! page it changed to the log as frames without a commit mark, and re-keys
//! each cache frame as the log version it became: the frame is then clean
//! and may be evicted, and the page is read back from the log when the
//! transaction needs it again (its reads resolve through the log's last
//! frame, not its last commit). A page changed again after a spill gets a
//! fresh uncommitted frame in the cache, written over its log frame at the
//! next spill or the commit: the log holds each page a transaction changed
//! once, however often it spills.
//!
//! Invariants:
//! - only a logged write transaction spills: the one that creates the
//!   database and a pager without a log write in place at commit, and
//!   their changes must fit in the cache;
//! - spilled frames are never part of a snapshot: readers of this pager
//!   and of other handles resolve pages up to the log's last *commit*, the
//!   shared index learns of them (hash entries, header) only from the
//!   commit, and recovery keeps
//!   frames only up to a commit frame, so a crash leaves them as a torn
//!   tail (SQLite's recovery agrees);
//! - the commit appends what is still in the cache after the spilled
//!   frames, the last frame carrying the commit mark, and syncs once; a
//!   transaction whose every change was spilled commits page 1 again as
//!   its commit frame, as SQLite does;
//! - rollback drops the spilled frames from the log's index and forgets
//!   the cache frames that held them, since the next transaction reuses
//!   their frame numbers;
//! - a spill that fails leaves the transaction as it was: its pages stay
//!   uncommitted in the cache, and whatever part of the frames reached the
//!   file lies past the log's last frame, overwritten by the next append.

use boundlite_platform::File;

use super::cache::{FrameId, Version};
use super::commit::FrameBytes;
use super::shared::Mode;
use super::{Pager, Txn, reentrant};
use crate::alloc::Allocator;
use crate::{Error, Result};

impl<F: File, A: Allocator + Clone> Pager<F, A> {
    /// A frame to put a page into: the cache's victim, or, when every
    /// frame is pinned or changed by the write transaction, one a spill
    /// made clean. The cache's error stands when nothing can be spilled.
    pub(super) fn free_frame(&self) -> Result<FrameId> {
        match self.cache.victim() {
            Err(e @ (Error::CacheFull | Error::OutOfMemory)) if self.can_spill() => {
                if self.spill()? == 0 {
                    return Err(e);
                }
                self.cache.victim()
            }
            found => found,
        }
    }

    /// Whether this transaction's changes may go to the log before commit.
    fn can_spill(&self) -> bool {
        self.txn.get() == Txn::Write
            && self.wal.get().is_some()
            && self.committed.get().page_count > 0
            && self.mode.get() != Mode::Unattached
    }

    /// Appends every unpinned changed page to the log, uncommitted, and
    /// makes its frame the clean log version it became. Returns how many.
    fn spill(&self) -> Result<usize> {
        let list = self.cache.spillable()?;
        if list.is_empty() {
            return Ok(0);
        }
        let wal = self.wal.get().ok_or(Error::Misuse("no log to spill to"))?;
        let mut wal = wal.try_borrow_mut().map_err(|_| reentrant())?;
        let pages = list
            .iter()
            .map(|(page, id)| (*page, FrameBytes::of(self, *id)));
        wal.append_uncommitted(pages)?;
        // A page spilled before was written over its frame, so each page's
        // frame is looked up rather than counted.
        let last = wal.last_frame();
        for (page, id) in list.iter() {
            let frame = wal
                .find(*page, last)?
                .ok_or(Error::Misuse("a spilled page has no frame"))?;
            self.cache.assign(*id, (*page, Version::Log(frame)))?;
        }
        Ok(list.len())
    }

    /// Forgets the cache frames holding frames a rollback dropped from the
    /// log (those past its last commit). `Misuse` if a handle pins one.
    pub(super) fn forget_spilled(&self, log_end: u32) -> Result<()> {
        let spilled = |v| matches!(v, Version::Log(frame) if frame.get() > log_end);
        for (_, frame) in self.cache.frames() {
            if frame.is_pinned() && frame.key().is_some_and(|(_, v)| spilled(v)) {
                return Err(Error::Misuse("rollback while a page handle is alive"));
            }
        }
        self.cache.forget_where(spilled)
    }
}
