//! A [`Wal`] whose frames other processes append too: bringing this
//! handle's view (its index, last commit and header) up to what the shared
//! WAL index says ([`Wal::follow`]), and describing its own commits for the
//! shared index ([`Wal::shared_header`]).
//!
//! The shared index is the truth: a frame is committed when the shared
//! header's last frame covers it, whoever wrote it. This handle's own
//! [`WalIndex`](super::WalIndex) is a private copy of the page numbers the
//! shared index holds, kept so that finding a page's frame costs one hash
//! lookup in private memory.

use boundlite_platform::File;

use super::checksum::ByteOrder;
use super::header::{WAL_HEADER_SIZE, WalHeader};
use super::log::Wal;
use super::shm::{self, IndexHeader};
use super::{FrameNo, Tip};
use crate::alloc::Allocator;
use crate::{Error, PageNo, Result};

/// How [`Wal::follow`] changed this handle's view of the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Followed {
    /// The same commits as before: only the header's bookkeeping moved.
    Same,
    /// Commits were appended after the ones this handle knew.
    Appended,
    /// The log was restarted, rebuilt, or changed in a way this handle
    /// cannot tell from a restart (a header changed while neither knows
    /// a frame): every frame number it knew may now name another page
    /// version, and the database file may have changed under it.
    Restarted,
}

impl<F: File, A: Allocator + Clone> Wal<F, A> {
    /// Makes this handle's view the log `header` describes, reading page
    /// numbers of frames it does not know from the shared index in `db`.
    /// Drops any frame this handle wrote and did not commit.
    pub(crate) fn follow<D: File>(&mut self, header: &IndexHeader, db: &mut D) -> Result<Followed> {
        let known = self.committed.frame;
        if header.max_frame == 0 {
            self.seed_generation(header);
        }
        let same_generation = self.header.is_some_and(|h| salt_bytes(&h) == header.salts)
            && header.max_frame >= known
            && known > 0;
        self.rollback();
        if same_generation {
            if header.max_frame == known {
                return Ok(Followed::Same);
            }
            self.load(db, known, header)?;
            return Ok(Followed::Appended);
        }
        // Another generation: start from nothing, with the log file's
        // header, which the shared header's salts must match.
        self.forget_all();
        if header.max_frame > 0 {
            let read = self.file.read_at(0, &mut self.header_bytes)?;
            if read < WAL_HEADER_SIZE {
                self.header_bytes = [0; WAL_HEADER_SIZE];
            }
            let found = WalHeader::parse(&self.header_bytes)?
                .filter(|h| salt_bytes(h) == header.salts && h.page_size == self.page_size)
                .ok_or(Error::corrupt_file(
                    "the WAL index names frames of a log header that is not in the log file",
                ))?;
            self.header = Some(found);
            self.load(db, 0, header)?;
        }
        Ok(Followed::Restarted)
    }

    /// Indexes frames `known + 1 ..= header.max_frame` from the shared
    /// index and takes the last as committed. On error the view is as
    /// before the call.
    fn load<D: File>(&mut self, db: &mut D, known: u32, header: &IndexHeader) -> Result<()> {
        let (index, file) = (&mut self.index, &self.file);
        let result = shm::hash::for_frames(db, known, header.max_frame, |frame, page| {
            let pushed = index.try_push(page, file)?;
            if pushed.get() != frame {
                return Err(Error::Misuse("the WAL index is out of step with the log"));
            }
            Ok(())
        });
        if let Err(e) = result {
            self.index.truncate(known);
            return Err(e);
        }
        self.committed = Tip {
            frame: header.max_frame,
            checksum: header.frame_checksum,
        };
        self.written = self.committed;
        self.stale_from = None;
        self.db_size = header.db_pages;
        // Another process wrote these frames; whether it synced them is
        // not known here, so a checkpoint syncs the log first.
        self.log_synced = false;
        Ok(())
    }

    /// The shared header describing this handle's log after its last
    /// commit, as the commit after `previous` (the header it followed).
    pub(crate) fn shared_header(&self, previous: &IndexHeader) -> IndexHeader {
        IndexHeader {
            change: previous.change.wrapping_add(1),
            big_endian: self.header.is_none_or(|h| h.order == ByteOrder::Big),
            page_size: self.page_size.get(),
            max_frame: self.committed.frame,
            db_pages: self.db_size,
            frame_checksum: self.committed.checksum,
            salts: self.header.map_or(previous.salts, |h| salt_bytes(&h)),
        }
    }

    /// Records frames `from + 1 ..= to` (which this handle wrote or is
    /// about to write: `pages` in order) in the shared index of `db`, past
    /// `committed`, the last committed frame.
    pub(crate) fn publish_frames<D: File>(
        db: &mut D,
        first: u32,
        pages: impl Iterator<Item = Result<PageNo>>,
        committed: u32,
    ) -> Result<()> {
        let mut frame = FrameNo::new(first).ok_or(Error::Misuse("frame 0 published"))?;
        for page in pages {
            shm::hash::append(db, frame.get(), page?, committed)?;
            frame = frame.next().ok_or(Error::Full)?;
        }
        Ok(())
    }

    /// Makes the next generation's salts follow those of the shared
    /// `header` rather than the log file's: the shared header keeps
    /// counting up across restarts and truncations of the file, so no two
    /// generations a set of processes writes share salts (a truncated file
    /// would otherwise restart them from the same value, and a handle that
    /// knew an earlier generation could take the new one for it).
    pub(crate) fn seed_generation(&mut self, header: &IndexHeader) {
        let mut seed = [0u8; WAL_HEADER_SIZE];
        if let Some(at) = seed.get_mut(12..16) {
            at.copy_from_slice(&header.change.to_be_bytes());
        }
        if let Some(at) = seed.get_mut(16..24) {
            at.copy_from_slice(&header.salts);
        }
        self.header_bytes = seed;
    }

    /// Sets the frames known to be in the database file, as the shared
    /// index records them.
    pub(crate) fn set_backfilled(&mut self, frames: u32) {
        self.backfilled = frames.min(self.committed.frame);
    }

    /// Forgets every frame this handle knew, without a restart: its view
    /// of a log whose frames are all in the database file, read from the
    /// database file alone. The next [`follow`](Self::follow) loads them
    /// again.
    pub(crate) fn forget_frames(&mut self) {
        self.forget_all();
        self.log_synced = false;
    }

    /// Forgets every frame: the log is restarted (by this handle, under
    /// the shared index's locks) and its next frame will be 1.
    pub(crate) fn restart(&mut self) {
        self.forget_all();
        self.log_synced = true;
    }

    /// Rebuilds this handle's view from the log file alone (recovery), as
    /// [`Wal::open`] does.
    pub(crate) fn recover_from_file(&mut self, alloc: A) -> Result<()> {
        let budget = self.index.budget();
        let found = super::recovery::recover(&mut self.file, self.page_size, budget, alloc)?;
        let committed = found.committed;
        self.header = found.header.filter(|_| committed.frame > 0);
        self.header_bytes = found.header_bytes;
        self.index = found.index;
        self.committed = committed;
        self.written = committed;
        self.stale_from = None;
        self.db_size = found.db_size;
        self.backfilled = 0;
        self.log_synced = committed.frame == 0;
        self.generation = self.generation.wrapping_add(1);
        Ok(())
    }
}

/// A header's salts as the log file stores them.
fn salt_bytes(header: &WalHeader) -> [u8; 8] {
    let mut out = [0u8; 8];
    let (one, two) = out.split_at_mut(4);
    one.copy_from_slice(&header.salts.salt1.to_be_bytes());
    two.copy_from_slice(&header.salts.salt2.to_be_bytes());
    out
}

impl<F: File, A: Allocator + Clone> Wal<F, A> {
    /// Opens the log in `file` without recovering it: its committed frames
    /// are learned from the shared index ([`follow`](Self::follow)), which
    /// other handles may be appending to. Reads the file's header only.
    pub(crate) fn open_following(
        mut file: F,
        page_size: crate::format::PageSize,
        index_budget: usize,
        alloc: A,
    ) -> Result<Self> {
        let mut header_bytes = [0u8; WAL_HEADER_SIZE];
        let read = file.read_at(0, &mut header_bytes)?;
        if read < WAL_HEADER_SIZE {
            header_bytes = [0; WAL_HEADER_SIZE];
        }
        Ok(Wal {
            file,
            page_size,
            header: None,
            header_bytes,
            index: {
                let mut index = super::WalIndex::new_in(alloc);
                index.set_budget(index_budget);
                index
            },
            committed: Tip::EMPTY,
            db_size: 0,
            written: Tip::EMPTY,
            stale_from: None,
            backfilled: 0,
            log_synced: true,
            generation: 0,
        })
    }

    /// The salts the next generation of this log will have, as the log
    /// file stores them: what a restart publishes in the shared header.
    pub(crate) fn next_salts(&self) -> [u8; 8] {
        salt_bytes(&WalHeader::following(&self.header_bytes, self.page_size))
    }
}

impl<F: File, A: Allocator + Clone> Wal<F, A> {
    /// Sets the log file's length to 0 after a restart (a `TRUNCATE`
    /// checkpoint).
    pub(crate) fn truncate_file(&mut self) -> Result<()> {
        self.file.truncate(0)?;
        self.header_bytes = [0; WAL_HEADER_SIZE];
        Ok(())
    }
}
