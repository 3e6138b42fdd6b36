//! [`Wal`]: one open log file, its recovered state, and appending
//! transactions to it. The states of the log's frames and what a failed
//! append leaves in the file are documented on [`Wal`] itself, so that they
//! appear in the public documentation.

use core::ops::Deref;

use boundlite_platform::{ErrorKind, File};

use super::checksum::Checksum;
use super::frame::{FRAME_HEADER_SIZE, FrameHeader};
use super::header::{WAL_HEADER_SIZE, WalHeader};
use super::index::WalIndex;
use super::recovery::recover;
use super::{FrameNo, Tip};
use crate::alloc::Allocator;
use crate::format::PageSize;
use crate::{Error, PageNo, Result};

/// An open write-ahead log. See the [module documentation](super) for the
/// file format and the invariants.
///
/// # Frames
///
/// ```text
/// frame 1 ..= backfilled ..= max_frame ..= last_frame ... (stale bytes)
///         copied into the db  committed    written, not yet committed
/// ```
///
/// - frames `1..=max_frame` are committed and synced; `max_frame` is the
///   snapshot a read transaction takes when it begins;
/// - frames `max_frame+1..=last_frame` were appended by
///   [`Wal::append_uncommitted`] (a transaction spilling pages before its
///   commit): indexed so the writer can read them back, ignored by
///   readers' snapshots and by recovery until a commit frame follows them;
/// - whatever the file holds past `last_frame` is dead: frames of an
///   earlier generation, an uncommitted tail found at recovery, or frames
///   of an append that failed. The next append overwrites it from
///   `last_frame + 1`.
///
/// # A failed append
///
/// An append that fails (I/O error, full device, out of memory) leaves
/// `max_frame`, `last_frame` and the index as they were, and returns the
/// error. Some of its frames, even its commit frame, may be in the file:
/// they lie past `last_frame`, so the next append overwrites them, and
/// until then recovery may or may not find them, depending on whether
/// they reached the disk whole. So a crash soon after a failed append can
/// recover the failed transaction, complete, as the last one: its outcome
/// is unknown, as with any database whose commit reported an I/O error. It
/// can never be recovered in part, nor after a later successful append
/// (whose frames break its checksum chain).
///
/// # Example
///
/// ```
/// use boundlite::PageNo;
/// use boundlite::alloc::Global;
/// use boundlite::format::PageSize;
/// use boundlite::platform::{MemoryPlatform, OpenMode, Platform};
/// use boundlite::wal::{FrameNo, Wal};
///
/// let disk = MemoryPlatform::new();
/// let file = (&disk).open("test.db-wal", OpenMode::Create)?;
/// let page_size = PageSize::new(512).unwrap();
/// let mut wal = Wal::open(file, page_size, Global)?;
/// let one = PageNo::ONE;
/// wal.append([(one, &[1u8; 512][..])], 1)?;
/// wal.append([(one, &[2u8; 512][..])], 1)?;
/// assert_eq!((wal.max_frame(), wal.db_size()), (2, Some(1)));
///
/// // A reader whose snapshot ended at frame 1 still sees the first version.
/// let mut page = [0u8; 512];
/// assert_eq!(wal.find(one, 1)?, FrameNo::new(1));
/// wal.read_page(FrameNo::ONE, &mut page)?;
/// assert_eq!(page, [1u8; 512]);
///
/// // Reopening recovers both transactions from the file.
/// drop(wal);
/// let file = (&disk).open("test.db-wal", OpenMode::ReadWrite)?;
/// let wal = Wal::open(file, page_size, Global)?;
/// assert_eq!(wal.max_frame(), 2);
/// # Ok::<(), boundlite::Error>(())
/// ```
pub struct Wal<F: File, A: Allocator> {
    pub(super) file: F,
    pub(super) page_size: PageSize,
    /// The header of the generation frames `1..=last_frame` belong to;
    /// `None` while the log has no frame.
    pub(super) header: Option<WalHeader>,
    /// The bytes of the header last read or written, valid or not: the
    /// next generation's header is derived from them.
    pub(super) header_bytes: [u8; WAL_HEADER_SIZE],
    /// Frames `1..=last_frame`; its length is always `written.frame`.
    pub(super) index: WalIndex<F, A>,
    /// The last commit frame.
    pub(super) committed: Tip,
    /// The database size the last commit recorded; 0 with no commit.
    pub(super) db_size: u32,
    /// The last frame written: `committed` plus uncommitted frames.
    pub(super) written: Tip,
    /// Frames `1..=backfilled` have been copied into the database file
    /// (each page's latest version among them) and it has been synced.
    pub(super) backfilled: u32,
    /// Whether every committed frame is known durable. False after
    /// recovery: the process that wrote them may not have synced.
    pub(super) log_synced: bool,
    /// Counts the headers written: frame numbers restart with each.
    pub(super) generation: u64,
    /// The first uncommitted frame rewritten in place since the frames
    /// were last sealed: from it to `written.frame` the stored checksums,
    /// and `written.checksum`, are stale until the commit seals them again
    /// (`reseal`).
    pub(super) stale_from: Option<FrameNo>,
}

impl<F: File, A: Allocator + Clone> Wal<F, A> {
    /// Opens the log in `file` for a database of `page_size`-byte pages and
    /// recovers its committed frames (see [recovery](super#recovery)). An empty file, or one whose header
    /// is invalid or for another page size, is an empty log. The index
    /// comes from `alloc`, as does one frame-sized buffer used while
    /// recovering. Only reads the file.
    pub fn open(file: F, page_size: PageSize, alloc: A) -> Result<Self> {
        Self::open_bounded(file, page_size, usize::MAX, alloc)
    }

    /// [`open`](Self::open), with an index that keeps `index_budget`
    /// bytes of frames in memory and moves older ones to a temporary file
    /// of the platform `file` came from ([`WalIndex::set_budget`]).
    pub fn open_bounded(
        mut file: F,
        page_size: PageSize,
        index_budget: usize,
        alloc: A,
    ) -> Result<Self> {
        let found = recover(&mut file, page_size, index_budget, alloc)?;
        let committed = found.committed;
        Ok(Wal {
            file,
            page_size,
            header: found.header.filter(|_| committed.frame > 0),
            header_bytes: found.header_bytes,
            index: found.index,
            committed,
            db_size: found.db_size,
            written: committed,
            backfilled: 0,
            log_synced: committed.frame == 0,
            generation: 0,
            stale_from: None,
        })
    }
}

impl<F: File, A: Allocator + Clone> Wal<F, A> {
    /// The page size of every frame.
    pub fn page_size(&self) -> PageSize {
        self.page_size
    }

    /// The header of the frames in the log; `None` while it has none.
    pub fn header(&self) -> Option<&WalHeader> {
        self.header.as_ref()
    }

    /// The last committed frame (0 when there is none): the snapshot a
    /// read transaction takes when it begins.
    pub fn max_frame(&self) -> u32 {
        self.committed.frame
    }

    /// The database size in pages recorded by the last commit, or `None`
    /// when the log holds no commit (the database file's size applies).
    pub fn db_size(&self) -> Option<u32> {
        (self.committed.frame > 0).then_some(self.db_size)
    }

    /// The last frame written, committed or not: the snapshot through
    /// which a writer sees the pages it has spilled.
    pub fn last_frame(&self) -> u32 {
        self.written.frame
    }

    /// Frames appended by [`append_uncommitted`](Self::append_uncommitted)
    /// and not yet committed or rolled back.
    pub fn uncommitted_frames(&self) -> u32 {
        self.written.frame.saturating_sub(self.committed.frame)
    }

    /// Frames `1..=backfilled()` are in the database file.
    pub fn backfilled(&self) -> u32 {
        self.backfilled
    }

    /// Increases with each header written; frame numbers restart with it,
    /// so a cache that keys page versions by frame must key them by
    /// generation too.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The index of frames.
    pub fn index(&self) -> &WalIndex<F, A> {
        &self.index
    }

    /// The latest frame at or below `snapshot` that holds `page`; `None`
    /// when the page is to be read from the database file.
    pub fn find(&self, page: PageNo, snapshot: u32) -> Result<Option<FrameNo>> {
        self.index.find(page, snapshot)
    }

    /// The page frame `frame` holds, if it is in the log.
    pub fn frame_page(&self, frame: FrameNo) -> Result<Option<PageNo>> {
        self.index.page_of(frame)
    }

    /// The pages frames `from..=to` hold, in frame order; an error for a
    /// frame the index does not hold.
    pub(crate) fn frame_pages(&self, from: u32, to: u32) -> impl Iterator<Item = Result<PageNo>> {
        (from..=to).map(|n| {
            let frame = FrameNo::new(n).ok_or(Error::Misuse("frame 0 has no page"))?;
            self.frame_page(frame)?
                .ok_or(Error::Misuse("a frame is missing from the WAL index"))
        })
    }

    /// Reads the page held by `frame` (at most [`last_frame`](Self::last_frame))
    /// into `buf`, which must be one page long.
    pub fn read_page(&mut self, frame: FrameNo, buf: &mut [u8]) -> Result<()> {
        if frame.get() > self.written.frame {
            return Err(Error::Misuse("frame past the end of the log"));
        }
        if buf.len() != self.page_size.get() as usize {
            return Err(Error::Misuse("buffer is not one page long"));
        }
        self.read_frame_bytes(frame.data_offset(self.page_size.get()), buf)
    }

    /// Reads the version of `page` a reader of `snapshot` sees into `buf`,
    /// if the log holds one: `Ok(false)` means "read the database file".
    pub fn read_version(&mut self, page: PageNo, snapshot: u32, buf: &mut [u8]) -> Result<bool> {
        match self.find(page, snapshot)? {
            Some(frame) => self.read_page(frame, buf).map(|()| true),
            None => Ok(false),
        }
    }

    /// Appends a transaction and commits it: one frame per `(page, bytes)`
    /// (each `bytes` one page long: a slice, or a guard that derefs to one,
    /// such as a `Ref` onto a cache frame, held only while its frame is
    /// written), the last marked with `db_size`, the
    /// database size in pages after the commit; then syncs the log once.
    /// Frames spilled by [`append_uncommitted`](Self::append_uncommitted)
    /// before it are committed with it. At least one page is needed.
    ///
    /// On `Ok` the transaction is durable and [`max_frame`](Self::max_frame)
    /// covers it. On error the log's state is as before the call; see
    /// [a failed append](Wal#a-failed-append) for what the file may hold.
    pub fn append<I, B>(&mut self, pages: I, db_size: u32) -> Result<()>
    where
        I: IntoIterator<Item = (PageNo, B)>,
        B: Deref<Target: AsRef<[u8]>>,
    {
        if db_size == 0 {
            return Err(Error::Misuse(
                "a commit records a database size of 1 or more",
            ));
        }
        let start = self.written;
        let result = match self.write_frames(pages, db_size) {
            Ok(()) => self.file.sync().map_err(Error::from),
            Err(e) => Err(e),
        };
        match result {
            Ok(()) => {
                self.committed = self.written;
                self.db_size = db_size;
                self.log_synced = true;
                Ok(())
            }
            Err(e) => {
                self.undo_to(start);
                Err(e)
            }
        }
    }

    /// Appends frames of a transaction that is not committing yet (pages a
    /// full cache spills), without syncing. They are visible through
    /// [`find`](Self::find) with a snapshot of [`last_frame`](Self::last_frame),
    /// to the writer only, until [`append`](Self::append) commits them or
    /// [`rollback`](Self::rollback) drops them.
    ///
    /// A page that already has an uncommitted frame is written over it, as
    /// SQLite does, so a transaction's log holds each page it changed once
    /// (plus the commit frame) however often it spills: the checksums of
    /// the frames from the first one rewritten are sealed again, once,
    /// before the commit frame is written. [`append`](Self::append)
    /// rewrites the same way, except for its commit frame. On error, the frames this call
    /// appended are dropped and earlier ones kept; a frame it rewrote may
    /// hold part of the page, which the caller still has and writes again.
    pub fn append_uncommitted<I, B>(&mut self, pages: I) -> Result<()>
    where
        I: IntoIterator<Item = (PageNo, B)>,
        B: Deref<Target: AsRef<[u8]>>,
    {
        let start = self.written;
        self.write_frames(pages, 0)
            .inspect_err(|_| self.undo_to(start))
    }

    /// Drops every uncommitted frame. No I/O: the file keeps their bytes
    /// until they are overwritten, and recovery ignores them.
    pub fn rollback(&mut self) {
        self.undo_to(self.committed);
    }

    /// Closes the log, returning its file.
    pub fn into_file(self) -> F {
        self.file
    }

    /// Writes one frame per page after the last frame, the last carrying
    /// `commit_size` (0: none), starting a generation first if the log has
    /// no frame. Leaves undoing a failure to the caller.
    fn write_frames<I, B>(&mut self, pages: I, commit_size: u32) -> Result<()>
    where
        I: IntoIterator<Item = (PageNo, B)>,
        B: Deref<Target: AsRef<[u8]>>,
    {
        let mut pages = pages.into_iter().peekable();
        if pages.peek().is_none() {
            return Err(Error::Misuse("no pages to append"));
        }
        if self.written.frame == 0 {
            self.start_generation()?;
        }
        let header = self
            .header
            .ok_or(Error::Misuse("the log has frames but no header"))?;
        let page_size = self.page_size.get();
        while let Some((page, bytes)) = pages.next() {
            let data: &[u8] = (*bytes).as_ref();
            if data.len() != page_size as usize {
                return Err(Error::Misuse("page data is not one page long"));
            }
            let db_size = if pages.peek().is_none() {
                commit_size
            } else {
                0
            };
            if db_size == 0 {
                if let Some(frame) = self.uncommitted_frame_of(page)? {
                    // Marked first: a write that fails half done leaves the
                    // frame's checksum as stale as a whole one does.
                    self.stale_from = Some(self.stale_from.map_or(frame, |f| f.min(frame)));
                    self.file.write_at(frame.data_offset(page_size), data)?;
                    continue;
                }
            }
            if db_size != 0 {
                // Once, before the commit frame, as SQLite does: frames
                // appended after a rewritten one chained from its stale
                // checksum and are sealed again with it.
                self.reseal(&header)?;
            }
            let frame = self.index.try_push(page, &self.file)?;
            if frame.get() != self.written.frame.wrapping_add(1) {
                return Err(Error::Misuse("the WAL index is out of step with the log"));
            }
            let sealed = FrameHeader::seal(&header, self.written.checksum, page, db_size, data);
            self.file
                .write_at(frame.offset(page_size), &sealed.to_bytes())?;
            self.file.write_at(frame.data_offset(page_size), data)?;
            self.written = Tip {
                frame: frame.get(),
                checksum: sealed.checksum,
            };
        }
        Ok(())
    }

    /// The frame of this transaction's that holds `page`, if it has one.
    fn uncommitted_frame_of(&self, page: PageNo) -> Result<Option<FrameNo>> {
        Ok(self
            .index
            .find(page, self.written.frame)?
            .filter(|frame| frame.get() > self.committed.frame))
    }

    /// Seals again the frames from the first one rewritten in place to the
    /// last: each stored checksum is recomputed from the one before, over
    /// the frame's header and page as the file holds them (read through a
    /// small buffer on the stack), as SQLite's `walRewriteChecksums` does.
    fn reseal(&mut self, header: &WalHeader) -> Result<()> {
        let Some(from) = self.stale_from else {
            return Ok(());
        };
        let page_size = self.page_size.get();
        let mut previous = self.checksum_before(from, header)?;
        let mut chunk = [0u8; 512];
        for n in from.get()..=self.written.frame {
            let frame = FrameNo::new(n).ok_or(Error::Misuse("frame 0 resealed"))?;
            let page = self
                .index
                .page_of(frame)?
                .ok_or(Error::Misuse("a resealed frame is not indexed"))?;
            let mut sealed = FrameHeader {
                page,
                db_size: 0,
                salts: header.salts,
                checksum: previous,
            };
            let head = sealed.to_bytes();
            let mut sum = previous.update(header.order, head.get(..8).unwrap_or_default());
            let mut at = 0;
            while at < page_size as usize {
                let len = chunk.len().min(page_size as usize - at);
                let part = chunk.get_mut(..len).unwrap_or_default();
                self.read_frame_bytes(frame.data_offset(page_size) + at as u64, part)?;
                sum = sum.update(header.order, part);
                at += len;
            }
            sealed.checksum = sum;
            self.file
                .write_at(frame.offset(page_size), &sealed.to_bytes())?;
            previous = sum;
        }
        self.written.checksum = previous;
        self.stale_from = None;
        Ok(())
    }

    /// The running checksum before frame `frame`: the log header's for
    /// frame 1, else the one stored in the frame before (which is not
    /// stale: it precedes every rewritten frame).
    fn checksum_before(&mut self, frame: FrameNo, header: &WalHeader) -> Result<Checksum> {
        let Some(before) = FrameNo::new(frame.get() - 1) else {
            return Ok(header.checksum());
        };
        let mut head = [0u8; FRAME_HEADER_SIZE];
        self.read_frame_bytes(before.offset(self.page_size.get()), &mut head)?;
        let word = |at: usize| {
            head.get(at..at + 4)
                .and_then(|b| b.try_into().ok())
                .map_or(0, u32::from_be_bytes)
        };
        Ok(Checksum::new(word(16), word(20)))
    }

    fn read_frame_bytes(&mut self, offset: u64, buf: &mut [u8]) -> Result<()> {
        match self.file.read_exact_at(offset, buf) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == ErrorKind::UnexpectedEof => Err(Error::corrupt_file(
                "the write-ahead log is shorter than its frames",
            )),
            Err(e) => Err(e.into()),
        }
    }

    /// Writes and syncs the header of a generation that follows the last
    /// header seen. The sync keeps the stale frames of the generation
    /// before from ever being read under the previous header once any frame of
    /// this one has overwritten some of them: without it, a crash could
    /// keep a frame of this generation and lose the header, and recovery
    /// would find a shorter, stale run of the previous generation's frames.
    fn start_generation(&mut self) -> Result<()> {
        let header = WalHeader::following(&self.header_bytes, self.page_size);
        let bytes = header.to_bytes();
        // Even if the write fails: the next attempt then picks other salts.
        self.header_bytes = bytes;
        self.generation = self.generation.wrapping_add(1);
        self.file.write_at(0, &bytes)?;
        self.file.sync()?;
        self.header = Some(header);
        self.written = Tip {
            frame: 0,
            checksum: header.checksum(),
        };
        Ok(())
    }

    /// Forgets the frames after `tip`. Uncommitted frames kept may have
    /// been rewritten, or resealed past `tip`'s checksum: they are all
    /// sealed again before the commit frame.
    fn undo_to(&mut self, tip: Tip) {
        self.index.truncate(tip.frame);
        self.written = tip;
        self.stale_from = match tip.frame > self.committed.frame {
            true => self.committed.frame.checked_add(1).and_then(FrameNo::new),
            false => None,
        };
        if tip.frame == 0 {
            self.header = None;
        }
    }
}

impl<F: File, A: Allocator> core::fmt::Debug for Wal<F, A> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Wal")
            .field("page_size", &self.page_size)
            .field("max_frame", &self.committed.frame)
            .field("last_frame", &self.written.frame)
            .field("backfilled", &self.backfilled)
            .field("db_size", &self.db_size)
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}
