//! [`Arena`] and [`SyncArena`]: bounded allocators over a caller-supplied
//! buffer, backed by talc.
//!
//! This file is the one place that knows talc. talc 5 implements
//! allocator-api2 **0.4**, while the project speaks **0.2** (hashbrown's); the
//! arena drives talc's own primitives (`allocate`, `deallocate`,
//! `try_grow_in_place`, `shrink`) and implements the 0.2 [`Allocator`]
//! itself, so the two trait versions never meet.
//!
//! Invariants:
//! - the whole buffer is claimed once, at construction, with talc's `Manual`
//!   source: talc never asks for more memory, so an exhausted arena answers
//!   `AllocError` and nothing else;
//! - the buffer is borrowed mutably for the arena's lifetime `'buf`, so no
//!   one else can touch the bytes talc hands out;
//! - statistics are updated under the same exclusive access as the heap.

use core::cell::UnsafeCell;
use core::marker::PhantomData;
use core::ptr::NonNull;

use allocator_api2::alloc::{AllocError, Allocator, Layout};
use talc::DefaultBinning;
use talc::base::Talc;
use talc::source::Manual;

use crate::OutOfMemory;

/// The smallest buffer an arena accepts: talc's own metadata (its bins)
/// lives at the start of the buffer and takes about this much (1.5 KiB on
/// 64-bit targets). Memory for allocations is what a buffer has beyond it.
pub const MIN_BUFFER: usize = talc::min_first_heap_size::<DefaultBinning>();

/// A snapshot of an arena's statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ArenaStats {
    /// Size of the buffer the arena was given, in bytes.
    pub capacity: usize,
    /// Bytes currently handed out (sum of live allocations' requested sizes).
    pub in_use: usize,
    /// Highest `in_use` since creation or the last [`Arena::reset_peak`].
    pub peak_in_use: usize,
    /// Bytes talc could still hand out (less than `capacity - in_use`: the
    /// allocator's own metadata and per-allocation headers take room).
    pub available: usize,
    /// Allocations currently live. A leak check compares this before and after.
    pub live_allocations: usize,
    /// Successful allocation requests since creation (a reallocation counts).
    pub total_allocations: u64,
    /// Allocation requests the arena refused.
    pub failed_allocations: u64,
}

/// The heap and its statistics; what both arena flavours guard.
struct ArenaState {
    talc: Talc<Manual, DefaultBinning>,
    capacity: usize,
    peak_in_use: usize,
    total_allocations: u64,
    failed_allocations: u64,
}

// SAFETY: `ArenaState` exclusively owns the region talc manages (borrowed
// mutably by the arena for its whole life); its raw pointers point only into
// that region, so moving the state to another thread moves sole access to it.
unsafe impl Send for ArenaState {}

fn dangling(layout: Layout) -> NonNull<[u8]> {
    // A zero-size allocation needs only a well-aligned non-null pointer; the
    // alignment itself (a power of two, never zero) is such an address.
    let align =
        core::num::NonZeroUsize::new(layout.align()).unwrap_or(core::num::NonZeroUsize::MIN);
    NonNull::slice_from_raw_parts(NonNull::<u8>::dangling().with_addr(align), 0)
}

impl ArenaState {
    fn new(buffer: &mut [u8]) -> Result<Self, OutOfMemory> {
        if buffer.len() < MIN_BUFFER {
            return Err(OutOfMemory);
        }
        let mut talc = Talc::new(Manual);
        // SAFETY: the caller's `&mut` borrow of `buffer` outlives the state
        // (tied by the arena's `'buf`), and nothing else may use it meanwhile.
        let claimed = unsafe { talc.claim(buffer.as_mut_ptr(), buffer.len()) };
        match claimed {
            Some(_) => Ok(Self {
                talc,
                capacity: buffer.len(),
                peak_in_use: 0,
                total_allocations: 0,
                failed_allocations: 0,
            }),
            None => Err(OutOfMemory),
        }
    }

    fn in_use(&self) -> usize {
        self.talc.counters().allocated_bytes
    }

    fn note(
        &mut self,
        result: Result<NonNull<[u8]>, AllocError>,
    ) -> Result<NonNull<[u8]>, AllocError> {
        match result {
            Ok(_) => {
                self.total_allocations += 1;
                self.peak_in_use = self.peak_in_use.max(self.in_use());
            }
            Err(_) => self.failed_allocations += 1,
        }
        result
    }

    fn allocate(&mut self, layout: Layout) -> Result<NonNull<[u8]>, AllocError> {
        if layout.size() == 0 {
            return Ok(dangling(layout));
        }
        // SAFETY: the size is non-zero.
        let result = unsafe { self.talc.allocate(layout) }
            .map(|p| NonNull::slice_from_raw_parts(p, layout.size()))
            .ok_or(AllocError);
        self.note(result)
    }

    /// # Safety
    /// `ptr` was allocated by this state with `layout`.
    unsafe fn deallocate(&mut self, ptr: NonNull<u8>, layout: Layout) {
        if layout.size() != 0 {
            // SAFETY: forwarded from the caller.
            unsafe { self.talc.deallocate(ptr.as_ptr(), layout) }
        }
    }

    /// # Safety
    /// `ptr` was allocated by this state with `old`; `new.size() >= old.size()`.
    unsafe fn grow(
        &mut self,
        ptr: NonNull<u8>,
        old: Layout,
        new: Layout,
        zero: bool,
    ) -> Result<NonNull<[u8]>, AllocError> {
        if old.size() == 0 {
            let result = self.allocate(new);
            if let (Ok(block), true) = (result, zero) {
                // SAFETY: a fresh block of `new.size()` writable bytes.
                unsafe { block.cast::<u8>().as_ptr().write_bytes(0, new.size()) };
            }
            return result;
        }
        let aligned = ptr.as_ptr().addr() % new.align() == 0;
        // SAFETY: forwarded from the caller; `new.size() >= old.size()`.
        let in_place =
            aligned && unsafe { self.talc.try_grow_in_place(ptr.as_ptr(), old, new.size()) };
        let result = if in_place {
            Ok(NonNull::slice_from_raw_parts(ptr, new.size()))
        } else {
            // SAFETY: the size is non-zero (it is at least `old.size() > 0`).
            match unsafe { self.talc.allocate(new) } {
                Some(fresh) => {
                    // SAFETY: both blocks are valid for `old.size()` bytes and
                    // distinct, since `ptr` is still allocated.
                    unsafe {
                        fresh
                            .as_ptr()
                            .copy_from_nonoverlapping(ptr.as_ptr(), old.size());
                        self.talc.deallocate(ptr.as_ptr(), old);
                    }
                    Ok(NonNull::slice_from_raw_parts(fresh, new.size()))
                }
                None => Err(AllocError),
            }
        };
        if let (Ok(block), true) = (result, zero) {
            // SAFETY: bytes `old.size()..new.size()` of the block are ours.
            unsafe {
                block
                    .cast::<u8>()
                    .as_ptr()
                    .add(old.size())
                    .write_bytes(0, new.size() - old.size())
            };
        }
        self.note(result)
    }

    /// # Safety
    /// `ptr` was allocated by this state with `old`; `new.size() <= old.size()`.
    unsafe fn shrink(
        &mut self,
        ptr: NonNull<u8>,
        old: Layout,
        new: Layout,
    ) -> Result<NonNull<[u8]>, AllocError> {
        if new.size() == 0 {
            // SAFETY: forwarded from the caller.
            unsafe { self.deallocate(ptr, old) };
            return Ok(dangling(new));
        }
        if ptr.as_ptr().addr() % new.align() == 0 {
            // SAFETY: forwarded from the caller; `0 < new.size() <= old.size()`.
            unsafe { self.talc.shrink(ptr.as_ptr(), old, new.size()) };
            return Ok(NonNull::slice_from_raw_parts(ptr, new.size()));
        }
        // A stricter alignment than the block has: move.
        // SAFETY: the size is non-zero.
        let result = match unsafe { self.talc.allocate(new) } {
            Some(fresh) => {
                // SAFETY: both blocks valid for `new.size()` bytes, distinct.
                unsafe {
                    fresh
                        .as_ptr()
                        .copy_from_nonoverlapping(ptr.as_ptr(), new.size());
                    self.talc.deallocate(ptr.as_ptr(), old);
                }
                Ok(NonNull::slice_from_raw_parts(fresh, new.size()))
            }
            None => Err(AllocError),
        };
        self.note(result)
    }

    fn stats(&self) -> ArenaStats {
        let counters = self.talc.counters();
        ArenaStats {
            capacity: self.capacity,
            in_use: counters.allocated_bytes,
            peak_in_use: self.peak_in_use,
            available: counters.available_bytes,
            live_allocations: counters.allocation_count,
            total_allocations: self.total_allocations,
            failed_allocations: self.failed_allocations,
        }
    }

    fn reset_peak(&mut self) {
        self.peak_in_use = self.in_use();
    }
}

/// A bounded single-threaded allocator over a caller-supplied buffer.
///
/// Use it by reference: `&Arena` is an [`Allocator`] and is `Copy`, so a
/// database and all its collections can share one arena. When the buffer is
/// exhausted, allocation returns an error; it never panics and never falls
/// back to another heap.
///
/// ```
/// use boundlite_alloc::{Arena, Box, OutOfMemory};
///
/// let mut buffer = [0u8; 4096];
/// let arena = Arena::new(&mut buffer)?;
/// let page = Box::try_from_elem_in(0u8, 512, &arena)?;
/// assert!(arena.stats().in_use >= 512);
/// assert!(Box::try_from_elem_in(0u8, 4096, &arena).is_err());
/// assert!(Arena::new(&mut [0u8; 64]).is_err());
/// assert_eq!(arena.stats().failed_allocations, 1);
/// drop(page);
/// assert_eq!(arena.stats().live_allocations, 0);
/// # Ok::<(), OutOfMemory>(())
/// ```
pub struct Arena<'buf> {
    state: UnsafeCell<ArenaState>,
    _buffer: PhantomData<&'buf mut [u8]>,
}

impl<'buf> Arena<'buf> {
    /// The smallest buffer an arena accepts; see [`MIN_BUFFER`].
    pub const MIN_BUFFER: usize = MIN_BUFFER;

    /// An arena over `buffer` (a `static` array on firmware, a heap buffer on
    /// std). Fails if the buffer is shorter than [`Arena::MIN_BUFFER`]: it
    /// could not even hold the allocator's metadata.
    pub fn new(buffer: &'buf mut [u8]) -> Result<Self, OutOfMemory> {
        Ok(Self {
            state: UnsafeCell::new(ArenaState::new(buffer)?),
            _buffer: PhantomData,
        })
    }

    /// The arena's statistics now.
    pub fn stats(&self) -> ArenaStats {
        self.with(|s| s.stats())
    }

    /// Starts a new peak measurement from the bytes in use now.
    pub fn reset_peak(&self) {
        self.with(ArenaState::reset_peak)
    }

    fn with<R>(&self, f: impl FnOnce(&mut ArenaState) -> R) -> R {
        // SAFETY: `Arena` is `!Sync` (it holds an `UnsafeCell`), so only this
        // thread is here; `ArenaState`'s methods call no user code, so no
        // second `&mut` to the state can be created while `f` runs.
        f(unsafe { &mut *self.state.get() })
    }
}

impl core::fmt::Debug for Arena<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Arena")
            .field("stats", &self.stats())
            .finish()
    }
}

// SAFETY: blocks come from talc over the claimed buffer, stay valid until
// deallocated or the arena is dropped (which the `'buf` borrow and `&self`
// lifetimes of users prevent while blocks are live), and `grow`/`shrink`
// preserve contents as the trait requires.
unsafe impl Allocator for Arena<'_> {
    fn allocate(&self, layout: Layout) -> Result<NonNull<[u8]>, AllocError> {
        self.with(|s| s.allocate(layout))
    }

    unsafe fn deallocate(&self, ptr: NonNull<u8>, layout: Layout) {
        // SAFETY: forwarded from the caller.
        self.with(|s| unsafe { s.deallocate(ptr, layout) })
    }

    unsafe fn grow(
        &self,
        ptr: NonNull<u8>,
        old: Layout,
        new: Layout,
    ) -> Result<NonNull<[u8]>, AllocError> {
        // SAFETY: forwarded from the caller.
        self.with(|s| unsafe { s.grow(ptr, old, new, false) })
    }

    unsafe fn grow_zeroed(
        &self,
        ptr: NonNull<u8>,
        old: Layout,
        new: Layout,
    ) -> Result<NonNull<[u8]>, AllocError> {
        // SAFETY: forwarded from the caller.
        self.with(|s| unsafe { s.grow(ptr, old, new, true) })
    }

    unsafe fn shrink(
        &self,
        ptr: NonNull<u8>,
        old: Layout,
        new: Layout,
    ) -> Result<NonNull<[u8]>, AllocError> {
        // SAFETY: forwarded from the caller.
        self.with(|s| unsafe { s.shrink(ptr, old, new) })
    }
}

/// A bounded allocator over a caller-supplied buffer that may be shared
/// between threads: every operation takes a lock (`R`, a spinlock by
/// default, which needs no operating system).
///
/// ```
/// use boundlite_alloc::{SyncArena, Vec, OutOfMemory};
///
/// let mut buffer = [0u8; 4096];
/// let arena: SyncArena<'_> = SyncArena::new(&mut buffer)?;
/// std::thread::scope(|scope| {
///     scope.spawn(|| Vec::<u64, _>::try_with_capacity_in(8, &arena).map(drop));
/// });
/// assert_eq!(arena.stats().live_allocations, 0);
/// assert_eq!(arena.stats().total_allocations, 1);
/// # Ok::<(), OutOfMemory>(())
/// ```
pub struct SyncArena<'buf, R: lock_api::RawMutex = spinning_top::RawSpinlock> {
    state: lock_api::Mutex<R, ArenaState>,
    _buffer: PhantomData<&'buf mut [u8]>,
}

impl<'buf, R: lock_api::RawMutex> SyncArena<'buf, R> {
    /// A lock-protected arena over `buffer`; fails as [`Arena::new`] does.
    pub fn new(buffer: &'buf mut [u8]) -> Result<Self, OutOfMemory> {
        Ok(Self {
            state: lock_api::Mutex::new(ArenaState::new(buffer)?),
            _buffer: PhantomData,
        })
    }

    /// The arena's statistics now.
    pub fn stats(&self) -> ArenaStats {
        self.state.lock().stats()
    }

    /// Starts a new peak measurement from the bytes in use now.
    pub fn reset_peak(&self) {
        self.state.lock().reset_peak()
    }
}

impl<R: lock_api::RawMutex> core::fmt::Debug for SyncArena<'_, R> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SyncArena")
            .field("stats", &self.stats())
            .finish()
    }
}

// SAFETY: as for `Arena`; the lock gives each call exclusive access.
unsafe impl<R: lock_api::RawMutex> Allocator for SyncArena<'_, R> {
    fn allocate(&self, layout: Layout) -> Result<NonNull<[u8]>, AllocError> {
        self.state.lock().allocate(layout)
    }

    unsafe fn deallocate(&self, ptr: NonNull<u8>, layout: Layout) {
        // SAFETY: forwarded from the caller.
        unsafe { self.state.lock().deallocate(ptr, layout) }
    }

    unsafe fn grow(
        &self,
        ptr: NonNull<u8>,
        old: Layout,
        new: Layout,
    ) -> Result<NonNull<[u8]>, AllocError> {
        // SAFETY: forwarded from the caller.
        unsafe { self.state.lock().grow(ptr, old, new, false) }
    }

    unsafe fn grow_zeroed(
        &self,
        ptr: NonNull<u8>,
        old: Layout,
        new: Layout,
    ) -> Result<NonNull<[u8]>, AllocError> {
        // SAFETY: forwarded from the caller.
        unsafe { self.state.lock().grow(ptr, old, new, true) }
    }

    unsafe fn shrink(
        &self,
        ptr: NonNull<u8>,
        old: Layout,
        new: Layout,
    ) -> Result<NonNull<[u8]>, AllocError> {
        // SAFETY: forwarded from the caller.
        unsafe { self.state.lock().shrink(ptr, old, new) }
    }
}
