//! The pager: a database file seen as numbered pages through a page cache
//! of fixed size, with write transactions, page allocation and the
//! freelist, and the database header kept current.
//!
//! Invariants:
//! - memory is fixed at open: `cache_frames` page buffers, the page index
//!   and the commit list are allocated then, and nothing here allocates
//!   afterwards;
//! - a page that holds an uncommitted change (dirty) stays in its frame
//!   until commit or rollback: there is no spill. A transaction that needs
//!   more frames than the cache has fails with [`Error::CacheFull`] and can
//!   be rolled back;
//! - pages are written only by [`Pager::commit`]: dirty pages go to the
//!   file in page order, then the file is synced. Until the write-ahead log
//!   journals commits, an I/O error or power loss in the middle of a commit
//!   can leave the file with part of the transaction; the pager itself then
//!   rolls back to the last committed state in memory;
//! - the header fields the pager owns (page count, freelist, change
//!   counter) live in [`Pager::header`] while a transaction runs and are
//!   written into page 1 at commit.

mod cache;
mod freelist;
mod handle;
#[cfg(test)]
mod tests;

use core::cell::{Cell, RefCell};

use boundlite_platform::{ErrorKind, File, OpenMode};

use crate::alloc::{Allocator, Vec};
use crate::format::{DatabaseHeader, HEADER_SIZE};
use crate::{Config, Error, PageNo, Result};
use cache::{FrameId, PageCache, Version};
pub use handle::{PageMut, PageRef};

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
    cache: PageCache<A>,
    writable: bool,
    page_size: u32,
    txn: Cell<Txn>,
    state: Cell<State>,
    committed: Cell<State>,
    /// Reused by every commit; holds up to one entry per frame.
    commit_list: RefCell<Vec<(PageNo, FrameId), A>>,
}

impl<F: File, A: Allocator + Clone> Pager<F, A> {
    /// Opens the database in `file` (opened as `mode`): reads and checks
    /// its header, or, for an empty file, prepares a database of
    /// `config.page_size` pages with no page yet (the first commit must
    /// create page 1). Allocates the whole page cache from `alloc`.
    pub fn open(mut file: F, mode: OpenMode, config: &Config, alloc: A) -> Result<Self> {
        let size = file.size()?;
        let state = if size == 0 {
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
            let header = DatabaseHeader::parse(&bytes)?;
            header.refuse_unsupported()?;
            State {
                header,
                page_count: header.page_count(size)?,
            }
        };
        let page_size = state.header.page_size.get();
        let frames = config.cache_frames.max(Config::MIN_CACHE_FRAMES);
        let cache = PageCache::new(frames, page_size as usize, alloc.clone())?;
        let commit_list = Vec::try_with_capacity_in(frames, alloc)?;
        Ok(Self {
            file: RefCell::new(file),
            cache,
            writable: mode.is_writable(),
            page_size,
            txn: Cell::new(Txn::Idle),
            state: Cell::new(state),
            committed: Cell::new(state),
            commit_list: RefCell::new(commit_list),
        })
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

    /// Frames in the page cache.
    pub fn cache_frames(&self) -> usize {
        self.cache.len()
    }

    /// Pages pinned by live handles.
    pub fn pinned_pages(&self) -> usize {
        self.cache.pinned()
    }

    /// Whether a write transaction is open.
    pub fn in_write_transaction(&self) -> bool {
        self.txn.get() == Txn::Write
    }

    /// A read-only view of page `no` as this pager's transaction sees it
    /// (with the write transaction's changes when one is open), loading it
    /// if needed.
    pub fn page(&self, no: PageNo) -> Result<PageRef<'_, A>> {
        if self.txn.get() == Txn::Write {
            if let Some(id) = self.cache.lookup((no, Version::Uncommitted)) {
                return PageRef::new(self.cache.frame(id)?, no);
            }
        }
        let id = self.load(no, Version::File)?;
        PageRef::new(self.cache.frame(id)?, no)
    }

    /// A writable view of page `no`; the page will be written at commit.
    ///
    /// The first change to a page in a transaction makes its uncommitted
    /// version: the committed version's frame is taken over when no handle
    /// pins it, else copied into another frame.
    pub fn page_mut(&self, no: PageNo) -> Result<PageMut<'_, A>> {
        self.check_writing()?;
        if let Some(id) = self.cache.lookup((no, Version::Uncommitted)) {
            return PageMut::new(self.cache.frame(id)?, no);
        }
        let committed = self.load(no, Version::File)?;
        let id = if self.cache.frame(committed)?.is_pinned() {
            let copy = self.cache.victim()?;
            let source = self
                .cache
                .frame(committed)?
                .data
                .try_borrow()
                .map_err(|_| reentrant())?;
            let mut target = self
                .cache
                .frame(copy)?
                .data
                .try_borrow_mut()
                .map_err(|_| reentrant())?;
            target.copy_from_slice(&source);
            copy
        } else {
            committed
        };
        self.cache.assign(id, (no, Version::Uncommitted))?;
        PageMut::new(self.cache.frame(id)?, no)
    }

    /// Starts a write transaction.
    pub fn begin_write(&self) -> Result<()> {
        if !self.writable {
            return Err(Error::ReadOnly);
        }
        match self.txn.get() {
            Txn::Idle => {
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
        let id = self.cache.victim()?;
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

    /// Writes every changed page and the header, in page order, then syncs
    /// the file. On error the transaction is rolled back in memory and the
    /// error returned.
    pub fn commit(&self) -> Result<()> {
        self.check_writing()?;
        let changed = self.state.get() != self.committed.get()
            || self.cache.frames().any(|(_, f)| f.is_uncommitted());
        if changed {
            if let Err(e) = self.write_transaction() {
                self.discard()?;
                return Err(e);
            }
            self.committed.set(self.state.get());
        }
        self.txn.set(Txn::Idle);
        Ok(())
    }

    /// Abandons the write transaction: changed pages are dropped from the
    /// cache and the header returns to its committed state.
    pub fn rollback(&self) -> Result<()> {
        self.check_writing()?;
        self.discard()
    }

    fn discard(&self) -> Result<()> {
        for (id, frame) in self.cache.frames() {
            if frame.is_uncommitted() {
                if frame.is_pinned() {
                    return Err(Error::Misuse("rollback while a page handle is alive"));
                }
                self.cache.forget(id)?;
            }
        }
        self.state.set(self.committed.get());
        self.txn.set(Txn::Idle);
        Ok(())
    }

    fn write_transaction(&self) -> Result<()> {
        let mut state = self.state.get();
        if state.page_count == 0 {
            return Err(Error::Misuse(
                "a database must have page 1 before its first commit",
            ));
        }
        state.header.record_commit(state.page_count);
        self.state.set(state);
        {
            let mut first = self.page_mut(PageNo::ONE)?;
            let bytes = first
                .first_chunk_mut::<HEADER_SIZE>()
                .ok_or(Error::Misuse("page smaller than the database header"))?;
            state.header.write(bytes);
        }
        let mut list = self.commit_list.try_borrow_mut().map_err(|_| reentrant())?;
        list.clear();
        for (id, frame) in self.cache.frames() {
            if let Some((page, Version::Uncommitted)) = frame.key() {
                list.try_push((page, id))?;
            }
        }
        list.sort_unstable_by_key(|(page, _)| *page);
        let mut file = self.file.try_borrow_mut().map_err(|_| reentrant())?;
        for (page, id) in list.iter() {
            let frame = self.cache.frame(*id)?;
            let bytes = frame
                .data
                .try_borrow()
                .map_err(|_| Error::Misuse("commit while a page is being written"))?;
            file.write_at(page.offset(self.page_size), &bytes)?;
        }
        file.sync()?;
        // The file holds these versions now: they replace any older
        // committed version in the cache.
        for (page, id) in list.iter() {
            self.cache.assign(*id, (*page, Version::File))?;
        }
        Ok(())
    }

    /// The frame holding `version` of page `no`, reading it on a miss.
    fn load(&self, no: PageNo, version: Version) -> Result<FrameId> {
        if no.get() > self.state.get().page_count {
            return Err(Error::corrupt(
                no,
                "page number past the end of the database",
            ));
        }
        if let Some(id) = self.cache.lookup((no, version)) {
            return Ok(id);
        }
        let id = self.cache.victim()?;
        self.cache.forget(id)?;
        {
            let frame = self.cache.frame(id)?;
            let mut bytes = frame.data.try_borrow_mut().map_err(|_| reentrant())?;
            let mut file = self.file.try_borrow_mut().map_err(|_| reentrant())?;
            match file.read_exact_at(no.offset(self.page_size), &mut bytes) {
                Ok(()) => {}
                Err(e) if e.kind() == ErrorKind::UnexpectedEof => {
                    return Err(Error::corrupt(no, "page lies past the end of the file"));
                }
                Err(e) => return Err(e.into()),
            }
        }
        self.cache.assign(id, (no, version))?;
        Ok(id)
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

fn reentrant() -> Error {
    Error::Misuse("pager re-entered while busy")
}
