//! Ending a write transaction: [`Pager::commit`] and [`Pager::rollback`].
//!
//! A commit first brings page 1's header up to date when the transaction
//! changed what it records (page count, freelist, schema cookie...): the
//! change counter and version-valid-for advance together, so the in-header
//! database size stays trustworthy, and the file is marked for WAL mode
//! when it has a log. Then the changed pages, in page order, either go to
//! the log as one transaction (synced once), or, for the commit that
//! creates the database and for a pager without a log, into the database
//! file itself (synced).

use core::cell::Ref;
use core::ops::Deref;

use boundlite_platform::File;

use super::cache::{FrameId, Version};
use super::{Pager, Txn, reentrant};
use crate::alloc::{Allocator, Box, Vec};
use crate::format::{FileFormatVersion, HEADER_SIZE};
use crate::{Error, PageNo, Result};

impl<F: File, A: Allocator + Clone> Pager<F, A> {
    /// Makes the write transaction durable. On error the transaction is
    /// rolled back in memory and the error returned; the files still hold
    /// the last commit.
    pub fn commit(&self) -> Result<()> {
        self.check_writing()?;
        // A commit keeps every change: no mark is rolled back to after it.
        self.end_savepoints();
        let changed = self.state.get() != self.committed.get()
            || self.cache.has_uncommitted()
            || self.spilled_frames()? > 0;
        if changed {
            if let Err(e) = self.write_transaction() {
                self.discard()?;
                return Err(e);
            }
            self.committed.set(self.state.get());
        }
        self.txn.set(Txn::Idle);
        self.end_shared_write();
        self.autocheckpoint();
        Ok(())
    }

    /// Abandons the write transaction: changed pages are dropped from the
    /// cache, the header returns to its committed state and every
    /// savepoint is forgotten.
    pub fn rollback(&self) -> Result<()> {
        self.check_writing()?;
        self.discard()
    }

    pub(super) fn discard(&self) -> Result<()> {
        self.end_savepoints();
        for (id, frame) in self.cache.frames() {
            if frame.is_uncommitted() {
                if frame.is_pinned() {
                    return Err(Error::Misuse("rollback while a page handle is alive"));
                }
                self.cache.forget(id)?;
            }
        }
        if let Some(wal) = self.wal.get() {
            let mut wal = wal.try_borrow_mut().map_err(|_| reentrant())?;
            wal.rollback();
            let log_end = wal.max_frame();
            drop(wal);
            self.forget_spilled(log_end)?;
        }
        self.state.set(self.committed.get());
        self.txn.set(Txn::Idle);
        let unshared = self.unshare_frames();
        self.end_shared_write();
        unshared
    }

    fn write_transaction(&self) -> Result<()> {
        let mut state = self.state.get();
        if state.page_count == 0 {
            return Err(Error::Misuse(
                "a database must have page 1 before its first commit",
            ));
        }
        let committed = self.committed.get();
        let creating = committed.page_count == 0;
        let logged = self.wal.get().is_some() && !creating;
        if self.wal.get().is_some() {
            // MVCC mode (write version 255) is kept over the log until
            // the mode is left (see `database::mvcc`).
            if state.header.write_version != FileFormatVersion::Mvcc {
                state.header.write_version = FileFormatVersion::Wal;
            }
            state.header.read_version = FileFormatVersion::Wal;
        }
        if creating || state.header != committed.header || state.page_count != committed.page_count
        {
            state.header.record_commit(state.page_count);
            self.state.set(state);
            let mut first = self.page_mut(PageNo::ONE)?;
            let bytes = first
                .first_chunk_mut::<HEADER_SIZE>()
                .ok_or(Error::Misuse("page smaller than the database header"))?;
            state.header.write(bytes);
        }
        if logged && !self.cache.has_uncommitted() {
            // Every change was spilled: page 1 again carries the commit
            // mark, as SQLite's commit does.
            drop(self.page_mut(PageNo::ONE)?);
        }
        let list = self.cache.uncommitted()?;
        if logged {
            self.append_to_log(&list, state.page_count)
        } else {
            self.write_in_place(&list)
        }
    }

    /// Appends the changed pages to the log as one transaction; on success
    /// each frame of the cache holds the log version it became.
    fn append_to_log(&self, list: &Vec<(PageNo, FrameId), A>, page_count: u32) -> Result<()> {
        let wal = self.wal.get().ok_or(Error::Misuse("no log to append to"))?;
        let mut wal = wal.try_borrow_mut().map_err(|_| reentrant())?;
        let before = wal.max_frame();
        let pages = list
            .iter()
            .map(|(page, id)| (*page, FrameBytes::of(self, *id)));
        wal.append(pages, page_count)?;
        self.log_end.set(wal.max_frame());
        if self.is_shared() {
            // Readers find frames through the shared index, and ignore
            // those past the header's last frame until it is published.
            let end = wal.max_frame();
            let next = before.checked_add(1).ok_or(Error::Full)?;
            let shared = self.share_frames(next, wal.frame_pages(next, end), before);
            drop(wal);
            if let Err(e) = shared.and_then(|()| self.publish_commit()) {
                // Unpublished frames are overwritten by the next writer:
                // this commit did not happen.
                self.revert_to_published()?;
                return Err(e);
            }
        } else {
            drop(wal);
        }
        // Pages spilled before were written over their frames, so each
        // page's frame is looked up rather than counted.
        let wal = self.wal.get().ok_or(Error::Misuse("no log to append to"))?;
        let wal = wal.try_borrow().map_err(|_| reentrant())?;
        let end = wal.max_frame();
        for (page, id) in list.iter() {
            let frame = wal
                .find(*page, end)?
                .ok_or(Error::Misuse("a committed page has no frame"))?;
            self.cache.assign(*id, (*page, Version::Log(frame)))?;
        }
        Ok(())
    }

    /// Frames the write transaction spilled to the log and has not
    /// committed yet.
    fn spilled_frames(&self) -> Result<u32> {
        match self.wal.get() {
            Some(wal) => Ok(wal
                .try_borrow()
                .map_err(|_| reentrant())?
                .uncommitted_frames()),
            None => Ok(0),
        }
    }

    /// Writes the changed pages into the database file and syncs it.
    fn write_in_place(&self, list: &Vec<(PageNo, FrameId), A>) -> Result<()> {
        let mut file = self.file.try_borrow_mut().map_err(|_| reentrant())?;
        for (page, id) in list.iter() {
            let bytes = FrameBytes::of(self, *id);
            file.write_at(page.offset(self.page_size), &bytes)?;
        }
        file.sync()?;
        drop(file);
        // The file holds these versions now: they replace any older
        // committed version in the cache.
        for (page, id) in list.iter() {
            self.cache.assign(*id, (*page, Version::File))?;
        }
        if self.is_shared() {
            self.publish_in_place(self.state.get().page_count)?;
        }
        Ok(())
    }
}

/// A frame's bytes for a commit to write. A frame a live handle writes to
/// cannot be borrowed: the commit checked there is none, and should one
/// appear the bytes are empty, which the writers refuse as not one page.
pub(super) struct FrameBytes<'p, A: Allocator>(Option<Ref<'p, Box<[u8], A>>>);

impl<'p, A: Allocator> FrameBytes<'p, A> {
    pub(super) fn of<F: File>(pager: &'p Pager<F, A>, id: FrameId) -> Self
    where
        A: Clone,
    {
        FrameBytes(pager.cache.frame(id).ok().and_then(|f| f.bytes().ok()))
    }
}

impl<A: Allocator> Deref for FrameBytes<'_, A> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.0.as_deref().map_or(&[], |b| b)
    }
}
