//! [`PageCache`]: a fixed set of page frames, allocated once, with a page
//! index and clock eviction.
//!
//! A frame holds one *version* of a page: as the database file holds it,
//! as a frame of the write-ahead log holds it, or as the open write
//! transaction changed it. Readers of different snapshots may need
//! different versions of one page at once, so the cache is keyed by page
//! and version.
//!
//! Invariants:
//! - the number of frames and each frame's buffer are fixed at creation;
//!   nothing here allocates afterwards (the index is reserved at twice the
//!   frame count, so inserting into it never needs to grow it);
//! - a (page, version) pair is in at most one frame, and the index maps
//!   exactly the frames whose key is `Some`;
//! - a frame that is pinned (a handle to it lives) or holds an uncommitted
//!   version is never chosen for eviction.

use core::cell::{Cell, RefCell};

use crate::alloc::{Allocator, Box, DeterministicState, HashMap, Vec};
use crate::wal::FrameNo;
use crate::{Error, PageNo, Result};

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
    pub(crate) data: RefCell<Box<[u8], A>>,
    /// The page version the buffer holds, if any.
    key: Cell<Option<Key>>,
    /// Live handles onto the frame.
    pins: Cell<u32>,
    /// The clock bit: set on use, cleared as the hand passes.
    referenced: Cell<bool>,
}

impl<A: Allocator> Frame<A> {
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

/// The page cache: `frames` buffers of `page_size` bytes.
pub(crate) struct PageCache<A: Allocator + Clone> {
    frames: Vec<Frame<A>, A>,
    index: RefCell<HashMap<Key, FrameId, DeterministicState, A>>,
    hand: Cell<FrameId>,
}

impl<A: Allocator + Clone> PageCache<A> {
    /// Allocates every frame and the index up front.
    pub(crate) fn new(frames: usize, page_size: usize, alloc: A) -> Result<Self> {
        let mut all = Vec::try_with_capacity_in(frames, alloc.clone())?;
        for _ in 0..frames {
            all.try_push(Frame {
                data: RefCell::new(Box::try_from_elem_in(0u8, page_size, alloc.clone())?),
                key: Cell::new(None),
                pins: Cell::new(0),
                referenced: Cell::new(false),
            })?;
        }
        let mut index = HashMap::with_hasher_in(DeterministicState, alloc);
        index.try_reserve(frames.saturating_mul(2))?;
        Ok(Self {
            frames: all,
            index: RefCell::new(index),
            hand: Cell::new(0),
        })
    }

    /// Number of frames.
    pub(crate) fn len(&self) -> usize {
        self.frames.len()
    }

    pub(crate) fn frame(&self, id: FrameId) -> Result<&Frame<A>> {
        self.frames
            .get(id)
            .ok_or(Error::Misuse("frame id out of range"))
    }

    /// The frame holding `key`, if cached.
    pub(crate) fn lookup(&self, key: Key) -> Option<FrameId> {
        self.index.try_borrow().ok()?.get(&key).copied()
    }

    /// Picks a frame to reuse with the clock algorithm: the first unpinned,
    /// clean frame the hand finds whose reference bit is clear, clearing
    /// bits as it passes. Two full turns without one means every frame is
    /// pinned or dirty.
    pub(crate) fn victim(&self) -> Result<FrameId> {
        let n = self.frames.len();
        for _ in 0..n.saturating_mul(2) {
            let id = self.hand.get();
            self.hand.set(if id + 1 >= n { 0 } else { id + 1 });
            let frame = self.frame(id)?;
            if !frame.evictable() {
                continue;
            }
            if frame.referenced.replace(false) {
                continue;
            }
            return Ok(id);
        }
        Err(Error::CacheFull)
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
        Ok(())
    }

    /// Empties frame `id`: its page version is no longer cached.
    pub(crate) fn forget(&self, id: FrameId) -> Result<()> {
        let frame = self.frame(id)?;
        if let Some(old) = frame.key.take() {
            self.index
                .try_borrow_mut()
                .map_err(|_| busy_index())?
                .remove(&old);
        }
        Ok(())
    }

    /// Every frame, for commit and rollback to walk.
    pub(crate) fn frames(&self) -> impl Iterator<Item = (FrameId, &Frame<A>)> {
        self.frames.iter().enumerate()
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
        self.frames.iter().filter(|f| f.pins.get() > 0).count()
    }
}

fn busy_index() -> Error {
    Error::Misuse("page cache index borrowed re-entrantly")
}
