//! The pager: a database file seen as numbered pages through a page cache
//! of fixed size, with transactions journaled in a write-ahead log, read
//! snapshots, page allocation and the freelist, and the database header
//! kept current.
//!
//! Invariants:
//! - memory is bounded by configuration: open allocates one checkpoint
//!   buffer; the cache then grows one frame at a time, only when every
//!   frame it has is in use, up to `Config::cache_frames` or the limit
//!   [`Pager::set_cache_frames`] set (see `cache.rs`), and the log's index grows
//!   with the log, up to the auto-checkpoint size. Nothing else here
//!   allocates;
//! - a page changed by the write transaction (its uncommitted version)
//!   stays in its frame until commit, rollback or a spill. When memory
//!   refuses a frame, the cache evicts a clean page instead; when every
//!   frame is pinned or changed, a logged transaction spills its unpinned
//!   changed pages to the log as uncommitted frames and reads them back
//!   from there (see `spill`), so its size is bounded by the disk, not the
//!   cache. Only a transaction that cannot spill (the one creating the
//!   database, or any without a log) and needs more frames than it can get
//!   fails, with [`Error::CacheFull`] (the cache has `cache_frames`
//!   frames) or [`Error::OutOfMemory`] (memory refused a frame before
//!   that); so does one whose every frame is pinned;
//! - once a commit has its pages in frames (page 1 among them when the
//!   header changes), the cache allocates nothing for it: the commit list
//!   has room for every frame the cache has, and recording where committed
//!   pages now live rewrites index entries it has room for. Rolling back
//!   allocates nothing;
//! - with a log, a commit appends the changed pages to it and syncs it: the
//!   database file changes only when a checkpoint copies committed frames
//!   back. A crash at any point leaves the last synced commit;
//! - the commit that creates a database writes page 1 into the database
//!   file itself (SQLite deletes a log whose database file is empty), and
//!   marks the header for WAL mode;
//! - without a log (a read-only file with none), nothing is written;
//!   a writable pager opened without a log commits in place, with no
//!   protection against a crash in the middle: `Database` never does that;
//! - a pager opened with [`Pager::open_shared`] shares its files with
//!   other handles by SQLite's protocol (see `shared`): every read
//!   transaction and every write takes the latest commit of any handle,
//!   under a read mark that keeps checkpoints and log restarts of every
//!   handle off its snapshot; [`Pager::open`] takes no lock, for tools and
//!   tests that own the files;
//! - readers see the snapshot they began with: a page resolves to its
//!   latest log frame at or before the snapshot, else to the database file;
//!   a checkpoint never copies a frame a registered snapshot does not
//!   include, and the log restarts only when no snapshot refers to it;
//! - the header fields the pager owns (page count, freelist, change
//!   counter) live in [`Pager::header`] while a transaction runs and are
//!   written into page 1 by the commit that changes them.

mod cache;
mod checkpoint;
mod commit;
mod freelist;
mod handle;
mod memo;
mod savepoint;
mod shared;
mod snapshot;
mod spill;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_capacity;

use core::cell::{Cell, OnceCell, RefCell};

use boundlite_platform::{ErrorKind, File, LockLevel, OpenMode};

use crate::alloc::{Allocator, Box};
use crate::format::{DatabaseHeader, HEADER_SIZE};
use crate::wal::{WAL_HEADER_SIZE, Wal, WalHeader};
use crate::{Config, Error, PageNo, Result};
use cache::{FrameId, PageCache, Version};
pub use handle::{PageMut, PageRef};
pub(crate) use memo::PageMemo;
pub use savepoint::SavepointId;
use savepoint::Subjournal;
use shared::{Mode, SharedState};
use snapshot::Readers;
pub use snapshot::{MAX_READERS, ReadTransaction, Snapshot};

/// Where the pager is in a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Txn {
    /// Reads only; pages cannot be changed.
    Idle,
    /// A write transaction is open: pages may be changed, allocated, freed.
    Write,
}

/// What a transaction changes besides page contents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct State {
    header: DatabaseHeader,
    /// Pages in the database, including any allocated by the transaction.
    page_count: u32,
}

/// A database file, page by page. See the module documentation.
pub struct Pager<F: File, A: Allocator + Clone> {
    file: RefCell<F>,
    /// The log, once the database has one (see `attach_log`).
    wal: OnceCell<RefCell<Wal<F, A>>>,
    cache: PageCache<A>,
    writable: bool,
    page_size: u32,
    /// Committed log frames past which a commit checkpoints.
    autocheckpoint: u32,
    /// Bytes of the log's index kept in memory (`Config::wal_index_budget`).
    index_budget: usize,
    txn: Cell<Txn>,
    /// The write transaction's view; equal to `committed` when idle.
    state: Cell<State>,
    committed: Cell<State>,
    /// The log's last committed frame as of the last commit (0: none).
    log_end: Cell<u32>,
    /// One page, lent to checkpoints to copy frames through.
    scratch: RefCell<Box<[u8], A>>,
    readers: Readers,
    /// How the file is shared with other handles (see `shared`).
    mode: Cell<Mode>,
    shared: SharedState,
    /// The write transaction's savepoints (see `savepoint`).
    subjournal: Subjournal<F, A>,
    alloc: A,
}

impl<F: File, A: Allocator + Clone> Pager<F, A> {
    /// Opens the database in `file` (opened as `mode`) with its log in
    /// `wal` (absent: no log). Reads and checks the header, recovers the
    /// log and takes the database as of its last commit; for an empty file
    /// prepares a database of `config.page_size` pages with no page yet
    /// (the first commit must create page 1). The page cache takes its
    /// frames from `alloc` as pages are read, not here.
    ///
    /// No lock is taken: the caller makes sure no other handle changes the
    /// files while this pager is open (tools and tests).
    pub fn open(
        file: F,
        wal: Option<F>,
        mode: OpenMode,
        config: &Config,
        alloc: A,
    ) -> Result<Self> {
        Self::open_as(file, wal, mode, config, alloc, false)
    }

    /// Opens the database as [`open`](Self::open) does, sharing the files
    /// with other handles as SQLite does: with a log, through the shared
    /// WAL index when the platform has shared memory, else holding the file
    /// exclusively; without one, under a shared lock until a log is
    /// attached ([`attach_log`](Self::attach_log)). `Busy` when another
    /// handle's lock forbids it.
    pub fn open_shared(
        file: F,
        wal: Option<F>,
        mode: OpenMode,
        config: &Config,
        alloc: A,
    ) -> Result<Self> {
        Self::open_as(file, wal, mode, config, alloc, true)
    }

    fn open_as(
        mut file: F,
        wal: Option<F>,
        open_mode: OpenMode,
        config: &Config,
        alloc: A,
        locking: bool,
    ) -> Result<Self> {
        let mode = if locking {
            Self::lock_file(&mut file, LockLevel::Shared)?;
            match Self::choose_mode(&mut file, wal.is_some()) {
                Ok(mode) => mode,
                Err(e) => {
                    let _ = file.unlock(LockLevel::None);
                    return Err(e);
                }
            }
        } else {
            Mode::Unlocked
        };
        let pager = Self::open_locked(file, wal, open_mode, config, alloc, mode)?;
        if mode == Mode::Shared {
            // Learn the latest commit, then let go of it: an idle pager
            // holds no read mark.
            pager.view()?;
            pager.drop_view()?;
            if pager.log_end.get() > 0 && pager.file_size_is_zero()? {
                return Err(Error::CantOpen(
                    "a write-ahead log holds commits for an empty database file",
                ));
            }
        }
        Ok(pager)
    }

    /// The mode a locked pager starts in: shared through the WAL index,
    /// exclusive where the platform has no shared memory, or unattached
    /// until a log exists.
    fn choose_mode(file: &mut F, logged: bool) -> Result<Mode> {
        if !logged {
            return Ok(Mode::Unattached);
        }
        match file.shm_attach() {
            Ok(()) => Ok(Mode::Shared),
            Err(e) if e.kind() == ErrorKind::Unsupported => {
                Self::lock_file(file, LockLevel::Exclusive)?;
                Ok(Mode::Exclusive)
            }
            Err(e) => Err(e.into()),
        }
    }

    fn file_size_is_zero(&self) -> Result<bool> {
        let mut file = self.file.try_borrow_mut().map_err(|_| reentrant())?;
        Ok(file.size()? == 0)
    }

    fn open_locked(
        mut file: F,
        wal: Option<F>,
        open_mode: OpenMode,
        config: &Config,
        alloc: A,
        mode: Mode,
    ) -> Result<Self> {
        let size = file.size()?;
        let mut truncated = None;
        let mut wal = wal;
        let mut state = if size == 0 {
            State {
                header: DatabaseHeader::new_database(config.page_size),
                page_count: 0,
            }
        } else {
            let mut bytes = [0u8; HEADER_SIZE];
            match file.read_exact_at(0, &mut bytes) {
                Ok(()) => {}
                Err(e) if e.kind() == ErrorKind::UnexpectedEof => {
                    return Err(Error::NotADatabase(
                        "the file is too short to hold a header",
                    ));
                }
                Err(e) => return Err(e.into()),
            }
            let parsed = DatabaseHeader::parse(&bytes)
                .and_then(|header| header.refuse_unsupported().map(|()| header));
            let header = match (parsed, wal.as_mut()) {
                (Ok(header), _) => header,
                // SQLite reads page 1 through the log: a damaged page 1 in
                // the file is read from the log's last commit when it holds
                // one, and the file's error stands when it does not.
                (Err(e), Some(log)) => match log_page_size(log)? {
                    Some(page_size) => {
                        truncated = Some(e);
                        DatabaseHeader::new_database(page_size)
                    }
                    None => return Err(e),
                },
                (Err(e), None) => return Err(e),
            };
            // With a log, page 1 and the size may come from its last commit
            // (a checkpoint cut short by a crash can leave the file's page 1
            // ahead of its length): the file's own count is checked only
            // once the log is known to hold no commit.
            let page_count = match (header.page_count(size), &wal) {
                (Ok(pages), _) if truncated.is_none() => pages,
                (Err(e), None) => return Err(e),
                (Ok(_), _) | (Err(_), Some(_)) => {
                    if let Err(e) = header.page_count(size) {
                        truncated.get_or_insert(e);
                    }
                    u32::try_from(size.div_ceil(u64::from(header.page_size.get()))).map_err(
                        |_| Error::corrupt_file("the file holds more than 2^32 - 1 pages"),
                    )?
                }
            };
            State { header, page_count }
        };
        let page_size = state.header.page_size.get();
        let frames = config.cache_frames.max(Config::MIN_CACHE_FRAMES);
        let cache = PageCache::new(
            frames,
            config.cache_growth,
            page_size as usize,
            alloc.clone(),
        );
        let scratch = Box::try_from_elem_in(0u8, page_size as usize, alloc.clone())?;
        let wal = match wal {
            // The shared index says which frames are committed: reading
            // the log file here would race with its writers.
            Some(wal) if mode == Mode::Shared => Some(Wal::open_following(
                wal,
                state.header.page_size,
                config.wal_index_budget,
                alloc.clone(),
            )?),
            Some(wal) => Some(Wal::open_bounded(
                wal,
                state.header.page_size,
                config.wal_index_budget,
                alloc.clone(),
            )?),
            None => None,
        };
        let log_end = wal.as_ref().map_or(0, Wal::max_frame);
        if let (Some(e), 0, false) = (truncated, log_end, mode == Mode::Shared) {
            // No commit in the log: the file alone is the database.
            return Err(e);
        }
        if let (Some(wal), true) = (&wal, log_end > 0) {
            if size == 0 {
                return Err(Error::CantOpen(
                    "a write-ahead log holds commits for an empty database file",
                ));
            }
            state.page_count = wal.db_size().unwrap_or(state.page_count);
        }
        let pager = Self {
            file: RefCell::new(file),
            wal: match wal {
                Some(wal) => OnceCell::from(RefCell::new(wal)),
                None => OnceCell::new(),
            },
            cache,
            writable: open_mode.is_writable(),
            page_size,
            autocheckpoint: config.checkpoint_threshold(),
            index_budget: config.wal_index_budget,
            txn: Cell::new(Txn::Idle),
            state: Cell::new(state),
            committed: Cell::new(state),
            log_end: Cell::new(log_end),
            scratch: RefCell::new(scratch),
            readers: Readers::new(),
            mode: Cell::new(mode),
            shared: SharedState::new(),
            subjournal: Subjournal::new(alloc.clone()),
            alloc,
        };
        if log_end > 0 {
            // Page 1 in the log carries the header as of the last commit.
            let header = {
                let first = pager.page(PageNo::ONE)?;
                let bytes = first
                    .get(..HEADER_SIZE)
                    .ok_or(Error::corrupt_file("page 1 is short"))?;
                DatabaseHeader::parse(bytes)?
            };
            header.refuse_unsupported()?;
            if header.page_size != state.header.page_size {
                return Err(Error::corrupt(PageNo::ONE, "the log changes the page size"));
            }
            let state = State {
                header,
                page_count: state.page_count,
            };
            pager.state.set(state);
            pager.committed.set(state);
        }
        Ok(pager)
    }

    /// Whether the database was opened for writing.
    pub fn is_writable(&self) -> bool {
        self.writable
    }

    /// Bytes per page.
    pub fn page_size(&self) -> u32 {
        self.page_size
    }

    /// Bytes per page available to B-tree content (the page size less the
    /// reserved bytes at the end of each page).
    pub fn usable_size(&self) -> u32 {
        self.state.get().header.usable_size()
    }

    /// Pages in the database, as of this transaction.
    pub fn page_count(&self) -> u32 {
        self.state.get().page_count
    }

    /// The database header as of this transaction. The fields the pager
    /// maintains (page count, freelist) are current; the change counter
    /// and version numbers are brought up to date at commit.
    pub fn header(&self) -> DatabaseHeader {
        self.state.get().header
    }

    /// Frames the page cache may grow to: `Config::cache_frames`, or
    /// [`Config::MIN_CACHE_FRAMES`] if that is fewer, unless
    /// [`set_cache_frames`](Self::set_cache_frames) changed it.
    pub fn cache_frames(&self) -> usize {
        self.cache.capacity()
    }

    /// Changes the number of frames the page cache may grow to:
    /// `frames`, or [`Config::MIN_CACHE_FRAMES`] if that is fewer, or the
    /// most the cache can address if that is more; returns the number it
    /// took. Raising it allocates nothing: the cache grows toward the limit
    /// as pages are used, as far as the allocator gives. Lowering it frees the frames
    /// past the limit that no handle pins and the write transaction has
    /// not changed, at once, and the others once they are neither (at the
    /// cache's next miss after that); until then they are never reused
    /// for another page.
    pub fn set_cache_frames(&self, frames: usize) -> Result<usize> {
        self.cache
            .set_capacity(frames.max(Config::MIN_CACHE_FRAMES))?;
        Ok(self.cache.capacity())
    }

    /// Frames the page cache has allocated so far.
    pub fn allocated_frames(&self) -> usize {
        self.cache.allocated()
    }

    /// Pages pinned by live handles.
    pub fn pinned_pages(&self) -> usize {
        self.cache.pinned()
    }

    /// Frames of the log whose index lies in a temporary file (see
    /// [`WalIndex`](crate::wal::WalIndex)); 0 without a log.
    pub fn log_index_spilled_frames(&self) -> Result<u32> {
        match self.wal.get() {
            Some(wal) => Ok(wal
                .try_borrow()
                .map_err(|_| reentrant())?
                .index()
                .spilled_frames()),
            None => Ok(0),
        }
    }

    /// Whether a write transaction is open.
    pub fn in_write_transaction(&self) -> bool {
        self.txn.get() == Txn::Write
    }

    /// The database as of the last commit.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            log_end: self.log_end.get(),
            page_count: self.committed.get().page_count,
        }
    }

    /// Starts a read transaction on the last commit: it keeps reading that
    /// commit whatever is committed after. `Busy` when [`MAX_READERS`] are
    /// already open.
    pub fn begin_read(&self) -> Result<ReadTransaction<'_, F, A>> {
        self.relock_if_released()?;
        if self.is_shared() {
            let (snapshot, mark) = self.take_read()?;
            return ReadTransaction::begin(self, snapshot, Some(mark)).inspect_err(|_| {
                let _ = self.release_read(mark);
            });
        }
        ReadTransaction::begin(self, self.snapshot(), None)
    }

    /// Page `no` as of `snapshot`.
    pub fn page_at(&self, no: PageNo, snapshot: &Snapshot) -> Result<PageRef<'_, A>> {
        if no.get() > snapshot.page_count {
            return Err(past_the_end(no));
        }
        let id = self.load(no, self.resolve(no, snapshot.log_end)?)?;
        PageRef::new(self.cache.frame(id)?, no)
    }

    /// [`page_at`](Self::page_at) for a reader that comes back to the
    /// same pages of `snapshot`: found through `memo` when the frame it
    /// names still holds the version the snapshot reads, else resolved,
    /// loaded and remembered there. `memo` serves `snapshot` alone.
    pub(crate) fn page_at_memo(
        &self,
        no: PageNo,
        snapshot: &Snapshot,
        memo: &PageMemo,
    ) -> Result<PageRef<'_, A>> {
        if let Some((version, id)) = memo.get(no) {
            let frame = self.cache.frame(id)?;
            if frame.key() == Some((no, version)) {
                return PageRef::new(frame, no);
            }
        }
        if no.get() > snapshot.page_count {
            return Err(past_the_end(no));
        }
        let version = self.resolve(no, snapshot.log_end)?;
        let id = self.load(no, version)?;
        memo.put(no, version, id);
        PageRef::new(self.cache.frame(id)?, no)
    }

    /// A read-only view of page `no` as this pager's transaction sees it
    /// (with the write transaction's changes when one is open), loading it
    /// if needed.
    pub fn page(&self, no: PageNo) -> Result<PageRef<'_, A>> {
        if self.txn.get() == Txn::Idle {
            match self.mode.get() {
                Mode::Shared => {
                    // Outside a transaction another process may commit,
                    // checkpoint or restart the log: read under a held
                    // read mark.
                    let snapshot = self.view()?;
                    return self.page_at(no, &snapshot);
                }
                Mode::Unattached => {
                    self.relock_if_released()?;
                }
                Mode::Unlocked | Mode::Exclusive => {}
            }
        }
        if no.get() > self.state.get().page_count {
            return Err(past_the_end(no));
        }
        if self.txn.get() == Txn::Write {
            if let Some(id) = self.cache.lookup((no, Version::Uncommitted)) {
                return PageRef::new(self.cache.frame(id)?, no);
            }
        }
        let id = self.load(no, self.resolve_own(no)?)?;
        PageRef::new(self.cache.frame(id)?, no)
    }

    /// A writable view of page `no`; the page will be written at commit.
    ///
    /// The first change to a page in a transaction makes its uncommitted
    /// version: the committed version's frame is taken over when no handle
    /// pins it, else copied into another frame. The first change after a
    /// savepoint first journals the page (see `savepoint`).
    pub fn page_mut(&self, no: PageNo) -> Result<PageMut<'_, A>> {
        self.check_writing()?;
        if no.get() > self.state.get().page_count {
            return Err(past_the_end(no));
        }
        if let Some(id) = self.cache.lookup((no, Version::Uncommitted)) {
            self.journal(no, id)?;
            return PageMut::new(self.cache.frame(id)?, no);
        }
        let committed = self.load(no, self.resolve_own(no)?)?;
        let id = if self.cache.frame(committed)?.is_pinned() {
            let copy = self.free_frame()?;
            let source = self.cache.frame(committed)?.bytes()?;
            let mut target = self.cache.frame(copy)?.bytes_mut()?;
            target.copy_from_slice(&source);
            copy
        } else {
            committed
        };
        self.cache.assign(id, (no, Version::Uncommitted))?;
        // Unchanged yet: should the image fail to go, the frame holds the
        // page as it was.
        self.journal(no, id)?;
        PageMut::new(self.cache.frame(id)?, no)
    }

    /// Starts a write transaction.
    pub fn begin_write(&self) -> Result<()> {
        if !self.writable {
            return Err(Error::ReadOnly);
        }
        match self.txn.get() {
            Txn::Idle => {
                match self.mode.get() {
                    Mode::Shared => self.begin_shared_write()?,
                    Mode::Unattached => {
                        return Err(Error::Misuse(
                            "a database without a log takes its first write after attach_log",
                        ));
                    }
                    Mode::Unlocked | Mode::Exclusive => self.restart_log_if_done()?,
                }
                self.txn.set(Txn::Write);
                Ok(())
            }
            Txn::Write => Err(Error::Misuse("a write transaction is already open")),
        }
    }

    /// Changes header fields the pager does not own (schema cookie, user
    /// version, application id...) inside a write transaction.
    pub fn update_header(&self, change: impl FnOnce(&mut DatabaseHeader)) -> Result<()> {
        self.check_writing()?;
        let mut state = self.state.get();
        change(&mut state.header);
        self.state.set(state);
        Ok(())
    }

    /// A page for new content: a freelist page when there is one, else the
    /// page past the end of the file. It comes zeroed and writable.
    pub fn allocate(&self) -> Result<PageMut<'_, A>> {
        self.check_writing()?;
        if let Some(no) = freelist::take(self)? {
            let mut page = self.page_mut(no)?;
            page.fill(0);
            return Ok(page);
        }
        let mut state = self.state.get();
        let mut next = state.page_count.checked_add(1).ok_or(Error::Full)?;
        if next == self.pending_byte_page() {
            // The page holding the lock byte offset is never used.
            next = next.checked_add(1).ok_or(Error::Full)?;
        }
        let no = PageNo::new(next).ok_or(Error::Full)?;
        let id = self.free_frame()?;
        self.cache.assign(id, (no, Version::Uncommitted))?;
        let frame = self.cache.frame(id)?;
        let mut page = PageMut::new(frame, no)?;
        page.fill(0);
        state.page_count = next;
        self.state.set(state);
        Ok(page)
    }

    /// Gives page `no` back to the freelist. Its content is not kept.
    pub fn free(&self, no: PageNo) -> Result<()> {
        self.check_writing()?;
        freelist::give(self, no)
    }

    /// The frame holding `version` of page `no`, reading it on a miss.
    /// The caller checked `no` against the page count of its view.
    fn load(&self, no: PageNo, version: Version) -> Result<FrameId> {
        if let Some(id) = self.cache.lookup((no, version)) {
            return Ok(id);
        }
        let id = self.free_frame()?;
        self.cache.forget(id)?;
        {
            let frame = self.cache.frame(id)?;
            let mut bytes = frame.bytes_mut()?;
            match version {
                Version::File => {
                    let mut file = self.file.try_borrow_mut().map_err(|_| reentrant())?;
                    match file.read_exact_at(no.offset(self.page_size), &mut bytes) {
                        Ok(()) => {}
                        Err(e) if e.kind() == ErrorKind::UnexpectedEof => {
                            return Err(Error::corrupt(no, "page lies past the end of the file"));
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
                Version::Log(log_frame) => {
                    let wal = self
                        .wal
                        .get()
                        .ok_or(Error::Misuse("a log version without a log"))?;
                    wal.try_borrow_mut()
                        .map_err(|_| reentrant())?
                        .read_page(log_frame, &mut bytes)?;
                }
                Version::Uncommitted => {
                    return Err(Error::Misuse("uncommitted versions are never loaded"));
                }
            }
        }
        self.cache.assign(id, (no, version))?;
        Ok(id)
    }

    /// Which version of page `no` a view that includes log frames up to
    /// `log_end` reads: its latest frame there, else the database file's.
    fn resolve(&self, no: PageNo, log_end: u32) -> Result<Version> {
        self.resolve_with(no, |_| log_end)
    }

    /// Which version of page `no` a view that includes log frames up to
    /// the one `end` picks of the log reads.
    fn resolve_with(&self, no: PageNo, end: impl FnOnce(&Wal<F, A>) -> u32) -> Result<Version> {
        let Some(wal) = self.wal.get() else {
            return Ok(Version::File);
        };
        let wal = wal.try_borrow().map_err(|_| reentrant())?;
        Ok(wal.find(no, end(&wal))?.map_or(Version::File, Version::Log))
    }

    /// Which version of page `no` this pager's own transaction reads: a
    /// write transaction's latest frame, spilled ones included, else the
    /// last commit's.
    fn resolve_own(&self, no: PageNo) -> Result<Version> {
        match self.txn.get() {
            Txn::Write => self.resolve_with(no, Wal::last_frame),
            Txn::Idle => self.resolve(no, self.log_end.get()),
        }
    }

    fn check_writing(&self) -> Result<()> {
        match self.txn.get() {
            Txn::Write => Ok(()),
            Txn::Idle if !self.writable => Err(Error::ReadOnly),
            Txn::Idle => Err(Error::Misuse(
                "pages change only inside a write transaction",
            )),
        }
    }

    /// The page that holds byte offset 2^30, where SQLite's file locks
    /// live; SQLite never stores anything on it.
    fn pending_byte_page(&self) -> u32 {
        (1u32 << 30) / self.page_size + 1
    }

    fn state_mut(&self, change: impl FnOnce(&mut State)) {
        let mut state = self.state.get();
        change(&mut state);
        self.state.set(state);
    }
}

impl<F: File, A: Allocator + Clone> Drop for Pager<F, A> {
    fn drop(&mut self) {
        self.close_shared();
    }
}

fn past_the_end(no: PageNo) -> Error {
    Error::corrupt(no, "page number past the end of the database")
}

fn reentrant() -> Error {
    Error::Misuse("pager re-entered while busy")
}

/// The page size of the log `file` when it starts with a header SQLite
/// would recover frames under; `None` for one it would not (a log with
/// no commit to read page 1 from).
fn log_page_size<F: File>(file: &mut F) -> Result<Option<crate::format::PageSize>> {
    let mut bytes = [0u8; WAL_HEADER_SIZE];
    match file.read_exact_at(0, &mut bytes) {
        Ok(()) => Ok(WalHeader::parse(&bytes)?.map(|header| header.page_size)),
        Err(e) if e.kind() == ErrorKind::UnexpectedEof => Ok(None),
        Err(e) => Err(e.into()),
    }
}
