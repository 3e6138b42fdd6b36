//! [`WalIndex`]: which frame holds which version of each page, in memory.
//!
//! SQLite keeps its index in the `-shm` file so processes can share it
//! (`shm` writes and reads that one). This one is private to a handle: a
//! copy of the page numbers of the frames it knows, for one-lookup reads,
//! or the only index where the file is held exclusively. It lives in the allocator
//! the database was given, and growing it is fallible like every other
//! allocation.
//!
//! Structure: one 8-byte slot per frame (its page, and the previous frame
//! holding the same page), and a hash map from each page to the latest
//! frame holding it. The newest version of a page is one lookup; the
//! version a snapshot sees is found by following the previous-frame links
//! from the newest back to the first frame at or below the snapshot, so the
//! cost grows only with the versions written after that snapshot.
//! Dropping the newest frames (a rolled-back spill, an uncommitted tail
//! found at recovery) restores each page's latest frame from its slot's
//! link, without allocating.
//!
//! Invariants:
//! - slot `n - 1` describes frame `n`, for every frame `1..=len`;
//! - `latest` maps exactly the pages some slot names, each to the highest
//!   frame naming it;
//! - each slot's link is the highest lower frame naming the same page, or
//!   none.

use core::mem::size_of;

use super::FrameNo;
use crate::alloc::{Allocator, DeterministicState, HashMap, Vec};
use crate::{Error, PageNo, Result};

/// What the index knows of one frame.
#[derive(Debug, Clone, Copy)]
struct Slot {
    page: PageNo,
    /// The previous frame holding `page`.
    prev: Option<FrameNo>,
}

/// Bytes of one hash map bucket beyond the entry: its control byte.
const CONTROL_BYTES_PER_BUCKET: usize = 1;

/// The hash map's trailing control group: at most 16 bytes on any target.
const CONTROL_GROUP: usize = 16;

/// The in-memory WAL index. See the module documentation.
///
/// ```
/// use boundlite::PageNo;
/// use boundlite::alloc::Global;
/// use boundlite::wal::{FrameNo, WalIndex};
///
/// let page = |n| PageNo::new(n).unwrap();
/// let mut index = WalIndex::new_in(Global);
/// index.try_push(page(2))?; // frame 1
/// index.try_push(page(3))?; // frame 2
/// index.try_push(page(2))?; // frame 3
/// assert_eq!(index.find(page(2), 3), FrameNo::new(3));
/// assert_eq!(index.find(page(2), 2), FrameNo::new(1));
/// assert_eq!(index.find(page(3), 1), None);
/// index.truncate(2);
/// assert_eq!(index.find(page(2), 3), FrameNo::new(1));
/// # Ok::<(), boundlite::Error>(())
/// ```
pub struct WalIndex<A: Allocator> {
    slots: Vec<Slot, A>,
    latest: HashMap<PageNo, FrameNo, DeterministicState, A>,
    /// The most entries `latest` has had room for. Its buckets never
    /// shrink, but the capacity it reports drops as removals leave
    /// tombstones; right after each growth it reports them all.
    latest_room: usize,
}

impl<A: Allocator + Clone> WalIndex<A> {
    /// An empty index in `alloc`; allocates nothing until the first frame.
    pub fn new_in(alloc: A) -> Self {
        WalIndex {
            slots: Vec::new_in(alloc.clone()),
            latest: HashMap::with_hasher_in(DeterministicState, alloc),
            latest_room: 0,
        }
    }
}

impl<A: Allocator> WalIndex<A> {
    /// Frames indexed: the number of the last one.
    pub fn len(&self) -> u32 {
        // `try_push` refuses a frame past `u32::MAX`.
        u32::try_from(self.slots.len()).unwrap_or(u32::MAX)
    }

    /// Whether no frame is indexed.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Distinct pages among the indexed frames.
    pub fn pages(&self) -> usize {
        self.latest.len()
    }

    /// The page frame `frame` holds, if it is indexed.
    pub fn page_of(&self, frame: FrameNo) -> Option<PageNo> {
        self.slot(frame).map(|s| s.page)
    }

    /// The latest frame holding `page`, whatever the snapshot.
    pub fn latest(&self, page: PageNo) -> Option<FrameNo> {
        self.latest.get(&page).copied()
    }

    /// The latest frame at or below `snapshot` holding `page`: the version
    /// a reader whose snapshot ends at frame `snapshot` sees. `None` means
    /// the reader takes the page from the database file.
    pub fn find(&self, page: PageNo, snapshot: u32) -> Option<FrameNo> {
        let mut frame = self.latest(page)?;
        while frame.get() > snapshot {
            frame = self.slot(frame)?.prev?;
        }
        Some(frame)
    }

    /// Indexes the next frame as holding `page` and returns its number. On
    /// error the index is unchanged.
    pub fn try_push(&mut self, page: PageNo) -> Result<FrameNo> {
        let frame = u32::try_from(self.slots.len())
            .ok()
            .and_then(|n| n.checked_add(1))
            .and_then(FrameNo::new)
            .ok_or(Error::Full)?;
        self.slots.try_reserve(1)?;
        let prev = match self.latest.get_mut(&page) {
            Some(latest) => Some(core::mem::replace(latest, frame)),
            None => {
                self.latest.try_insert(page, frame)?;
                self.latest_room = self.latest_room.max(self.latest.capacity());
                None
            }
        };
        if let Err(e) = self.slots.try_push(Slot { page, prev }) {
            // Cannot happen after the reservation; undone all the same.
            self.unlink(page, prev);
            return Err(e.into());
        }
        Ok(frame)
    }

    /// Makes room for `frames` more frames (each of a page not yet seen),
    /// so that pushing them cannot fail for lack of memory.
    pub fn try_reserve(&mut self, frames: usize) -> Result<()> {
        self.slots.try_reserve(frames)?;
        self.latest.try_reserve(frames)?;
        self.latest_room = self.latest_room.max(self.latest.capacity());
        Ok(())
    }

    /// Forgets every frame after `frames`. Never allocates.
    pub fn truncate(&mut self, frames: u32) {
        let keep = usize::try_from(frames).unwrap_or(usize::MAX);
        while self.slots.len() > keep {
            if let Some(slot) = self.slots.pop() {
                self.unlink(slot.page, slot.prev);
            }
        }
    }

    /// Forgets every frame, keeping the memory for the next generation.
    pub fn clear(&mut self) {
        self.slots.clear();
        self.latest.clear();
    }

    /// Bytes the index holds in its allocator (an upper bound: the
    /// hash map's exact control-group size depends on the target).
    pub fn memory_bytes(&self) -> usize {
        let slots = self.slots.capacity() * size_of::<Slot>();
        let room = self.latest_room.max(self.latest.capacity());
        slots + map_bytes(buckets_for_capacity(room))
    }

    /// An upper bound on the bytes an index of `frames` frames can hold,
    /// however many distinct pages they name and in whatever order it grew:
    /// what a memory budget for the log's index must allow.
    pub const fn memory_bound(frames: usize) -> usize {
        // Vectors at most double past what they need (at least 4 slots).
        let slots = if frames < 2 { 4 } else { frames * 2 };
        // A map of `frames` entries at 7/8 load, rounded up to a power of two.
        let buckets = (frames * 8 / 7 + 1).next_power_of_two();
        let buckets = if buckets < 8 { 8 } else { buckets };
        slots * size_of::<Slot>() + map_bytes(buckets)
    }

    /// The most frames an index may hold while [`memory_bound`](Self::memory_bound)
    /// stays within `budget` bytes (0 if not even one fits): a checkpoint
    /// threshold that keeps the index within a memory budget, given that
    /// the log restarts before it grows further.
    pub const fn frames_within(budget: usize) -> usize {
        if Self::memory_bound(1) > budget {
            return 0;
        }
        // The bound grows with the frame count: search for its last fit.
        let (mut fits, mut exceeds) = (1usize, 2usize);
        while Self::memory_bound(exceeds) <= budget {
            fits = exceeds;
            exceeds = match exceeds.checked_mul(2) {
                Some(n) => n,
                None => return fits,
            };
        }
        while exceeds - fits > 1 {
            let mid = fits + (exceeds - fits) / 2;
            if Self::memory_bound(mid) <= budget {
                fits = mid;
            } else {
                exceeds = mid;
            }
        }
        fits
    }

    fn slot(&self, frame: FrameNo) -> Option<&Slot> {
        let at = usize::try_from(frame.get()).ok()?.checked_sub(1)?;
        self.slots.get(at)
    }

    /// Points `page` back at `prev`, its newest frame once the one after
    /// it is dropped.
    fn unlink(&mut self, page: PageNo, prev: Option<FrameNo>) {
        match prev {
            Some(prev) => {
                if let Some(latest) = self.latest.get_mut(&page) {
                    *latest = prev;
                }
            }
            None => {
                self.latest.remove(&page);
            }
        }
    }
}

/// Buckets of a hash map that reports `capacity` (7/8 of its buckets, or
/// one less than them below 8).
const fn buckets_for_capacity(capacity: usize) -> usize {
    match capacity {
        0 => 0,
        1..7 => capacity + 1,
        _ => capacity / 7 * 8,
    }
}

/// Bytes of a hash map of `buckets` buckets.
const fn map_bytes(buckets: usize) -> usize {
    if buckets == 0 {
        return 0;
    }
    buckets * (size_of::<(PageNo, FrameNo)>() + CONTROL_BYTES_PER_BUCKET) + CONTROL_GROUP
}

impl<A: Allocator> core::fmt::Debug for WalIndex<A> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WalIndex")
            .field("frames", &self.slots.len())
            .field("pages", &self.latest.len())
            .finish()
    }
}
