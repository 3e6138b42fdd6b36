//! [`PageCache`]: page frames that grow on demand up to a fixed number,
//! with a page index and clock eviction.
//!
//! A frame holds one *version* of a page: as the database file holds it,
//! as a frame of the write-ahead log holds it, or as the open write
//! transaction changed it. Readers of different snapshots may need
//! different versions of one page at once, so the cache is keyed by page
//! and version.
//!
//! Frames live in chunks of [`CHUNK`] frame records; a chunk's records are
//! allocated with its first frame and never move, so a `&Frame` (and the
//! page handles that hold one) stays valid while the cache grows. A frame
//! is *allocated* once its page buffer is: frames `0..allocated` are, the
//! rest are not: never allocated, or freed by a lowered capacity.
//!
//! The chunk table is [`SEGMENTS`] segments, segment `s` holding `2^s`
//! chunk slots, each allocated with its first frame and never moved: the
//! capacity is raised ([`PageCache::set_capacity`]) without allocating.
//! Lowered, frames past it are freed from the highest id down as soon as
//! each is unpinned and clean: at once, else at a later miss
//! ([`PageCache::victim`]); until then they serve their pages but are
//! never reused. Chunk records, segments, index and commit list keep
//! their room.
//!
//! By default ([`CacheGrowth::UnderPressure`]) the cache grows only under
//! pressure: a frame is added when every frame it has is in use (pinned,
//! holding an uncommitted version, or used since the clock hand last
//! passed it), not merely because a page is missing. So the cache settles
//! near the working set rather than at `capacity`: a page that is not
//! used again (a leaf an insert filled, a page a scan went past) is the
//! next one reused, and is read again from the file or log if it is
//! needed later. [`CacheGrowth::OnMiss`] grows on every miss instead, as
//! SQLite's cache does: it holds every page read, up to `capacity`, and in
//! a bounded arena takes memory other allocations may need, as frames are
//! given back only when the capacity is lowered.
//!
//! Invariants:
//! - at open nothing is allocated: no chunk-table segment, page buffer,
//!   frame record, index bucket or commit-list entry;
//! - only [`PageCache::victim`] allocates, and only to add one frame, when
//!   fewer than `capacity` are allocated, no allocated frame is empty and
//!   (growing under pressure) none is evictable within one turn of the
//!   clock. It first grows the index to
//!   room for twice the allocated frames and the commit list to room for
//!   all of them, then allocates the frame's chunk-table segment and chunk
//!   (with their first frame only) and buffer; so inserting into the index and filling the commit list
//!   never allocate;
//! - when any of those allocations fails, the frames are as they were and
//!   the victim is any clean, unpinned frame: a cache short of memory works
//!   with the frames it has. Only when every frame is pinned or holds an
//!   uncommitted version is the request an error: `OutOfMemory` when memory
//!   refused a frame (more memory would have helped), `CacheFull` when the
//!   cache already has `capacity` frames (only a larger `cache_frames`
//!   would);
//! - frames are freed only when the capacity is lowered below them (see
//!   above); otherwise the cache's memory only grows, within what
//!   `Config::cache_bytes` bounds for its largest capacity;
//! - at most [`MAX_FRAMES`] frames: a larger capacity is that many;
//! - a (page, version) pair is in at most one frame, and the index maps
//!   exactly the frames whose key is `Some`; `empty` counts the allocated
//!   frames whose key is `None`;
//! - a frame that is pinned (a handle to it lives) or holds an uncommitted
//!   version is never chosen for eviction. The pager makes uncommitted
//!   frames evictable by spilling them to the log (see `spill`), which
//!   re-keys them as the log versions they became.

use core::cell::{Cell, OnceCell, Ref, RefCell, RefMut};

use crate::alloc::{Allocator, Box, DeterministicState, HashMap, Vec};
use crate::config::CacheGrowth;
use crate::wal::FrameNo;
use crate::{Error, PageNo, Result};

/// Frame records per chunk: small enough that a half-used chunk wastes
/// little, large enough that the chunk table stays a few hundred bytes for
/// a cache of thousands of frames.
pub(crate) const CHUNK: usize = 16;

/// Which version of a page a frame holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Version {
    /// As the database file holds it.
    File,
    /// As a frame of the write-ahead log holds it.
    Log(FrameNo),
    /// As the open write transaction changed it: in no file yet.
    Uncommitted,
}

/// What a frame holds: a page, in one version.
pub(crate) type Key = (PageNo, Version);

/// One cache slot: a page-sized buffer and what the cache knows of it.
pub(crate) struct Frame<A: Allocator> {
    /// Set when the frame is allocated, taken back when a lower capacity
    /// frees it.
    data: RefCell<Option<Box<[u8], A>>>,
    /// The page version the buffer holds, if any.
    key: Cell<Option<Key>>,
    /// Live handles onto the frame.
    pins: Cell<u32>,
    /// The clock bit: set on use, cleared as the hand passes.
    referenced: Cell<bool>,
    /// The savepoint epoch in which the page's before-image went to the
    /// subjournal (0: none); reset whenever the frame changes hands (see
    /// `savepoint`).
    journaled: Cell<u32>,
}

impl<A: Allocator> Frame<A> {
    fn unallocated() -> Self {
        Self {
            data: RefCell::new(None),
            key: Cell::new(None),
            pins: Cell::new(0),
            referenced: Cell::new(false),
            journaled: Cell::new(0),
        }
    }

    /// The savepoint epoch the frame's page was last journaled in.
    pub(crate) fn journaled(&self) -> u32 {
        self.journaled.get()
    }

    /// Notes that the frame's page was journaled in `epoch`.
    pub(crate) fn set_journaled(&self, epoch: u32) {
        self.journaled.set(epoch);
    }

    /// The page bytes, shared. `Misuse` while a writer holds them.
    pub(crate) fn bytes(&self) -> Result<Ref<'_, Box<[u8], A>>> {
        let data = self.data.try_borrow().map_err(|_| busy_frame())?;
        Ref::filter_map(data, Option::as_ref).map_err(|_| no_buffer())
    }

    /// The page bytes, exclusively. `Misuse` while anyone else holds them.
    pub(crate) fn bytes_mut(&self) -> Result<RefMut<'_, Box<[u8], A>>> {
        let data = self.data.try_borrow_mut().map_err(|_| busy_frame())?;
        RefMut::filter_map(data, Option::as_mut).map_err(|_| no_buffer())
    }

    pub(crate) fn pin(&self) {
        self.pins.set(self.pins.get().saturating_add(1));
        self.referenced.set(true);
    }

    pub(crate) fn unpin(&self) {
        self.pins.set(self.pins.get().saturating_sub(1));
    }

    /// Whether the frame holds a version the open write transaction made.
    pub(crate) fn is_uncommitted(&self) -> bool {
        matches!(self.key.get(), Some((_, Version::Uncommitted)))
    }

    pub(crate) fn is_pinned(&self) -> bool {
        self.pins.get() > 0
    }

    pub(crate) fn key(&self) -> Option<Key> {
        self.key.get()
    }

    fn evictable(&self) -> bool {
        self.pins.get() == 0 && !self.is_uncommitted()
    }
}

/// Index of a frame in the cache.
pub(crate) type FrameId = usize;

/// The page cache: up to `capacity` buffers of `page_size` bytes.
pub(crate) struct PageCache<A: Allocator + Clone> {
    /// Segment `s` holds the slots of chunks `2^s - 1 .. 2^(s+1) - 1`;
    /// chunk `c` holds frames `c * CHUNK ..` and is set when its first
    /// frame is allocated.
    segments: [OnceCell<Vec<OnceCell<Chunk<A>>, A>>; SEGMENTS],
    /// At most [`MAX_FRAMES`].
    capacity: Cell<usize>,
    /// When a frame is added on the way to `capacity`.
    growth: CacheGrowth,
    page_size: usize,
    /// Frames with a buffer: ids `0..allocated`.
    allocated: Cell<usize>,
    /// Allocated frames that hold no page.
    empty: Cell<usize>,
    index: RefCell<HashMap<Key, FrameId, DeterministicState, A>>,
    /// Reused by every commit; has room for one entry per allocated frame.
    commit_list: RefCell<Vec<(PageNo, FrameId), A>>,
    hand: Cell<FrameId>,
    alloc: A,
}

impl<A: Allocator + Clone> PageCache<A> {
    /// A cache of up to `capacity` frames (at most [`MAX_FRAMES`]) of
    /// `page_size` bytes. Allocates nothing: frames come as they are
    /// needed.
    pub(crate) fn new(capacity: usize, growth: CacheGrowth, page_size: usize, alloc: A) -> Self {
        Self {
            segments: core::array::from_fn(|_| OnceCell::new()),
            capacity: Cell::new(capacity.min(MAX_FRAMES)),
            growth,
            page_size,
            allocated: Cell::new(0),
            empty: Cell::new(0),
            index: RefCell::new(HashMap::with_hasher_in(DeterministicState, alloc.clone())),
            commit_list: RefCell::new(Vec::new_in(alloc.clone())),
            hand: Cell::new(0),
            alloc,
        }
    }

    /// The most frames the cache may have.
    pub(crate) fn capacity(&self) -> usize {
        self.capacity.get()
    }

    /// Frames allocated so far.
    pub(crate) fn allocated(&self) -> usize {
        self.allocated.get()
    }

    pub(crate) fn frame(&self, id: FrameId) -> Result<&Frame<A>> {
        if id >= self.allocated.get() {
            return Err(Error::Misuse("frame id out of range"));
        }
        self.slot(id / CHUNK)
            .and_then(OnceCell::get)
            .and_then(|chunk| chunk.get(id % CHUNK))
            .ok_or(Error::Misuse("frame id out of range"))
    }

    /// The frame holding `key`, if cached.
    pub(crate) fn lookup(&self, key: Key) -> Option<FrameId> {
        self.index.try_borrow().ok()?.get(&key).copied()
    }

    /// A frame to reuse, its page (if any) still assigned. In order: an
    /// allocated frame that holds nothing; a clean, unpinned frame the
    /// clock finds unreferenced within one turn; a frame allocated for it
    /// while the cache is under capacity; and, when memory refused that
    /// frame or the cache is at capacity, any clean, unpinned frame (the
    /// turn cleared every reference bit). See the module documentation for
    /// why the clock comes before growth, and for the errors.
    pub(crate) fn victim(&self) -> Result<FrameId> {
        self.trim()?;
        if self.empty.get() > 0 {
            if let Some((id, _)) = self
                .frames()
                .take(self.in_reach())
                .find(|(_, f)| f.key().is_none() && !f.is_pinned())
            {
                return Ok(id);
            }
        }
        if self.growth == CacheGrowth::UnderPressure {
            if let Some(id) = self.clock_turn() {
                return Ok(id);
            }
        }
        let limit = if self.allocated.get() < self.capacity.get() {
            match self.grow() {
                Ok(id) => return Ok(id),
                Err(Error::OutOfMemory) => Error::OutOfMemory,
                Err(e) => return Err(e),
            }
        } else {
            Error::CacheFull
        };
        // The first turn clears the bits it passes, so a second finds any
        // clean, unpinned frame.
        self.clock_turn().or_else(|| self.clock_turn()).ok_or(limit)
    }

    /// One turn of the clock: the first unpinned, clean frame the hand
    /// finds whose reference bit is clear, clearing bits as it passes.
    /// After a turn that finds none, every clean, unpinned frame has its
    /// bit clear, so a second turn finds one if there is any.
    fn clock_turn(&self) -> Option<FrameId> {
        let n = self.in_reach();
        for _ in 0..n {
            // The hand may be past a lowered capacity.
            let id = if self.hand.get() < n {
                self.hand.get()
            } else {
                0
            };
            self.hand.set(if id + 1 >= n { 0 } else { id + 1 });
            let frame = self.frame(id).ok()?;
            if !frame.evictable() {
                continue;
            }
            if frame.referenced.replace(false) {
                continue;
            }
            return Some(id);
        }
        None
    }

    /// Allocates the next frame, and the room its index and commit-list
    /// entries may need first. On failure the frames are as they were.
    fn grow(&self) -> Result<FrameId> {
        let id = self.allocated.get();
        let frames = id + 1;
        {
            let mut index = self.index.try_borrow_mut().map_err(|_| busy_index())?;
            let want = frames.saturating_mul(2);
            let len = index.len();
            if index.capacity() < want {
                index.try_reserve(want.saturating_sub(len))?;
            }
        }
        {
            let mut list = self
                .commit_list
                .try_borrow_mut()
                .map_err(|_| busy_index())?;
            let len = list.len();
            if list.capacity() < frames {
                list.try_reserve(frames.saturating_sub(len))?;
            }
        }
        let slot = self.reserve_slot(id / CHUNK)?;
        let chunk = match slot.get() {
            Some(chunk) => chunk,
            None => {
                let mut chunk = Vec::try_with_capacity_in(CHUNK, self.alloc.clone())?;
                for _ in 0..CHUNK {
                    chunk.try_push(Frame::unallocated())?;
                }
                slot.get_or_init(|| chunk)
            }
        };
        let frame = chunk
            .get(id % CHUNK)
            .ok_or(Error::Misuse("page cache chunk is short"))?;
        let buffer = Box::try_from_elem_in(0u8, self.page_size, self.alloc.clone())?;
        let mut data = frame.data.try_borrow_mut().map_err(|_| busy_frame())?;
        if data.is_some() {
            return Err(Error::Misuse("page cache frame allocated twice"));
        }
        *data = Some(buffer);
        self.allocated.set(frames);
        self.empty.set(self.empty.get().saturating_add(1));
        Ok(id)
    }

    /// Makes frame `id` hold `key`, dropping whatever it held. A frame
    /// already holding `key` elsewhere is forgotten first, so the key stays
    /// unique.
    pub(crate) fn assign(&self, id: FrameId, key: Key) -> Result<()> {
        self.forget(id)?;
        if let Some(other) = self.lookup(key) {
            self.forget(other)?;
        }
        let frame = self.frame(id)?;
        let mut index = self.index.try_borrow_mut().map_err(|_| busy_index())?;
        index.try_insert(key, id)?;
        frame.key.set(Some(key));
        frame.referenced.set(true);
        self.empty.set(self.empty.get().saturating_sub(1));
        Ok(())
    }

    /// Empties frame `id`: its page version is no longer cached.
    pub(crate) fn forget(&self, id: FrameId) -> Result<()> {
        let frame = self.frame(id)?;
        frame.journaled.set(0);
        if let Some(old) = frame.key.take() {
            self.index
                .try_borrow_mut()
                .map_err(|_| busy_index())?
                .remove(&old);
            self.empty.set(self.empty.get().saturating_add(1));
        }
        Ok(())
    }

    /// Every allocated frame, for commit and rollback to walk.
    pub(crate) fn frames(&self) -> impl Iterator<Item = (FrameId, &Frame<A>)> {
        // Chunks are set in order, so the set ones are a prefix.
        self.segments
            .iter()
            .filter_map(OnceCell::get)
            .flat_map(|segment| segment.iter())
            .filter_map(OnceCell::get)
            .flat_map(|chunk| chunk.iter())
            .take(self.allocated.get())
            .enumerate()
    }

    /// The frames holding uncommitted versions, in page order, in the list
    /// every commit reuses. `Misuse` if a handle still pins one.
    pub(crate) fn uncommitted(&self) -> Result<RefMut<'_, Vec<(PageNo, FrameId), A>>> {
        self.collect_uncommitted(Pinned::Refuse)
    }

    /// The unpinned frames holding uncommitted versions, in page order, in
    /// the list every commit reuses: what a spill can write to the log.
    /// Pinned ones stay, as a handle may still change them.
    pub(crate) fn spillable(&self) -> Result<RefMut<'_, Vec<(PageNo, FrameId), A>>> {
        self.collect_uncommitted(Pinned::Skip)
    }

    fn collect_uncommitted(&self, pinned: Pinned) -> Result<RefMut<'_, Vec<(PageNo, FrameId), A>>> {
        let mut list = self
            .commit_list
            .try_borrow_mut()
            .map_err(|_| busy_index())?;
        list.clear();
        for (id, frame) in self.frames() {
            if let Some((page, Version::Uncommitted)) = frame.key() {
                if frame.is_pinned() {
                    match pinned {
                        Pinned::Refuse => {
                            return Err(Error::Misuse("commit while a page handle is alive"));
                        }
                        Pinned::Skip => continue,
                    }
                }
                // Room for every allocated frame was reserved as it grew.
                list.try_push((page, id))?;
            }
        }
        list.sort_unstable_by_key(|(page, _)| *page);
        Ok(list)
    }

    /// Whether any frame holds an uncommitted version.
    pub(crate) fn has_uncommitted(&self) -> bool {
        self.frames().any(|(_, f)| f.is_uncommitted())
    }

    /// Forgets every unpinned frame whose version `stale` selects: versions
    /// a checkpoint or a log restart made wrong.
    pub(crate) fn forget_where(&self, stale: impl Fn(Version) -> bool) -> Result<()> {
        for (id, frame) in self.frames() {
            if let Some((_, version)) = frame.key() {
                if stale(version) && !frame.is_pinned() {
                    self.forget(id)?;
                }
            }
        }
        Ok(())
    }

    /// Frames currently pinned: a test and debugging aid.
    pub(crate) fn pinned(&self) -> usize {
        self.frames().filter(|(_, f)| f.is_pinned()).count()
    }
}

/// [`CHUNK`] frame records.
type Chunk<A> = Vec<Frame<A>, A>;

/// Segments in the chunk table: enough for [`MAX_FRAMES`] frames.
const SEGMENTS: usize = 24;

/// The most frames a cache can address (about 268 million, a terabyte of
/// 4 KiB pages): the capacity is never more.
pub(crate) const MAX_FRAMES: usize = ((1 << SEGMENTS) - 1) * CHUNK;

/// The limit: raised and lowered while the cache is in use (see the
/// module documentation), and the chunk table's segments.
impl<A: Allocator + Clone> PageCache<A> {
    /// Makes the cache's limit `capacity` frames (at most [`MAX_FRAMES`]).
    /// Allocates nothing: raising it lets the cache grow further as pages
    /// are used. Lowering it frees the frames past the limit that no
    /// handle pins and that hold no uncommitted version, from the highest
    /// id down; the rest are freed by later misses (see the module
    /// documentation).
    pub(crate) fn set_capacity(&self, capacity: usize) -> Result<()> {
        self.capacity.set(capacity.min(MAX_FRAMES));
        self.trim()
    }

    /// Frees frames past the capacity, from the highest id down, until
    /// one is pinned or holds an uncommitted version.
    fn trim(&self) -> Result<()> {
        while self.allocated.get() > self.capacity.get() {
            let id = self.allocated.get().saturating_sub(1);
            let frame = self.frame(id)?;
            if !frame.evictable() {
                break;
            }
            self.forget(id)?;
            *frame.data.try_borrow_mut().map_err(|_| busy_frame())? = None;
            self.allocated.set(id);
            self.empty.set(self.empty.get().saturating_sub(1));
        }
        Ok(())
    }

    /// Where chunk `chunk` lives: its segment, and its slot there.
    fn place(chunk: usize) -> Option<(usize, usize)> {
        let n = chunk.checked_add(1)?;
        let s = n.ilog2() as usize;
        Some((s, n.checked_sub(1 << s)?))
    }

    /// The slot of chunk `chunk`, if its segment is allocated.
    fn slot(&self, chunk: usize) -> Option<&OnceCell<Chunk<A>>> {
        let (s, at) = Self::place(chunk)?;
        self.segments.get(s)?.get()?.get(at)
    }

    /// The slot of chunk `chunk`, allocating its segment if needed.
    fn reserve_slot(&self, chunk: usize) -> Result<&OnceCell<Chunk<A>>> {
        let past = || Error::Misuse("page cache grown past its capacity");
        let (s, at) = Self::place(chunk).ok_or_else(past)?;
        let segment = self.segments.get(s).ok_or_else(past)?;
        let slots = match segment.get() {
            Some(slots) => slots,
            None => {
                let len = 1usize << s;
                let mut slots = Vec::try_with_capacity_in(len, self.alloc.clone())?;
                for _ in 0..len {
                    slots.try_push(OnceCell::new())?;
                }
                segment.get_or_init(|| slots)
            }
        };
        slots.get(at).ok_or_else(past)
    }

    /// Frames the victim search reaches: allocated and below the
    /// capacity.
    fn in_reach(&self) -> usize {
        self.allocated.get().min(self.capacity.get())
    }
}

fn busy_index() -> Error {
    Error::Misuse("page cache index borrowed re-entrantly")
}

fn no_buffer() -> Error {
    Error::Misuse("page cache frame has no buffer")
}

fn busy_frame() -> Error {
    Error::Misuse("page is already borrowed in a conflicting way")
}

/// What collecting the uncommitted frames does with a pinned one.
#[derive(Clone, Copy)]
enum Pinned {
    /// A commit: no handle may live, so it is a misuse.
    Refuse,
    /// A spill: the handle may still change the page, so it stays.
    Skip,
}
