//! [`Counting`]: an allocator wrapper that counts what passes through it.

use core::alloc::GlobalAlloc;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use allocator_api2::alloc::{AllocError, Allocator, Layout};

/// A snapshot of a [`Counting`] allocator's counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CountingStats {
    /// Successful fresh allocations.
    pub allocations: usize,
    /// Frees.
    pub deallocations: usize,
    /// Successful grows and shrinks.
    pub reallocations: usize,
    /// Requests the inner allocator refused.
    pub failures: usize,
    /// Bytes handed out by fresh allocations and by the growth of
    /// reallocations (wraps on overflow; a 32-bit target sees 4 GiB).
    pub total_bytes: usize,
    /// Bytes live now.
    pub live_bytes: usize,
    /// Highest `live_bytes` since creation or [`Counting::reset_peak`].
    pub peak_bytes: usize,
}

impl CountingStats {
    /// Allocations live now (fresh allocations minus frees).
    pub fn live_allocations(&self) -> usize {
        self.allocations.wrapping_sub(self.deallocations)
    }
}

/// Wraps allocator `A` and counts allocations, frees, bytes and peak bytes.
///
/// Counters are atomic, so a `Counting` can be shared between threads and,
/// over a [`GlobalAlloc`] such as `std::alloc::System`, installed as the
/// `#[global_allocator]` (its `new` is `const`). Use it by reference as an
/// [`Allocator`]: `&Counting<A>` is `Copy`.
///
/// ```
/// use boundlite_alloc::{Counting, Global, Vec, OutOfMemory};
///
/// let counting = Counting::new(Global);
/// let mut v = Vec::new_in(&counting);
/// v.try_extend_from_slice(&[1u64, 2, 3])?;
/// assert_eq!(counting.stats().allocations, 1);
/// drop(v);
/// assert_eq!(counting.stats().live_bytes, 0);
/// # Ok::<(), OutOfMemory>(())
/// ```
#[derive(Debug)]
pub struct Counting<A> {
    inner: A,
    allocations: AtomicUsize,
    deallocations: AtomicUsize,
    reallocations: AtomicUsize,
    failures: AtomicUsize,
    total_bytes: AtomicUsize,
    live_bytes: AtomicUsize,
    peak_bytes: AtomicUsize,
}

impl<A> Counting<A> {
    /// Counts what passes through to `inner`, starting from zero.
    pub const fn new(inner: A) -> Self {
        Self {
            inner,
            allocations: AtomicUsize::new(0),
            deallocations: AtomicUsize::new(0),
            reallocations: AtomicUsize::new(0),
            failures: AtomicUsize::new(0),
            total_bytes: AtomicUsize::new(0),
            live_bytes: AtomicUsize::new(0),
            peak_bytes: AtomicUsize::new(0),
        }
    }

    /// The wrapped allocator.
    pub fn inner(&self) -> &A {
        &self.inner
    }

    /// The counters now.
    pub fn stats(&self) -> CountingStats {
        CountingStats {
            allocations: self.allocations.load(Relaxed),
            deallocations: self.deallocations.load(Relaxed),
            reallocations: self.reallocations.load(Relaxed),
            failures: self.failures.load(Relaxed),
            total_bytes: self.total_bytes.load(Relaxed),
            live_bytes: self.live_bytes.load(Relaxed),
            peak_bytes: self.peak_bytes.load(Relaxed),
        }
    }

    /// Starts a new peak measurement from the bytes live now.
    pub fn reset_peak(&self) {
        self.peak_bytes
            .store(self.live_bytes.load(Relaxed), Relaxed);
    }

    fn grew(&self, by: usize) {
        self.total_bytes.fetch_add(by, Relaxed);
        let live = self.live_bytes.fetch_add(by, Relaxed).wrapping_add(by);
        self.peak_bytes.fetch_max(live, Relaxed);
    }

    fn shrank(&self, by: usize) {
        self.live_bytes.fetch_sub(by, Relaxed);
    }

    fn allocated(&self, ok: bool, size: usize) {
        if ok {
            self.allocations.fetch_add(1, Relaxed);
            self.grew(size);
        } else {
            self.failures.fetch_add(1, Relaxed);
        }
    }

    fn reallocated(&self, ok: bool, old: usize, new: usize) {
        if !ok {
            self.failures.fetch_add(1, Relaxed);
            return;
        }
        self.reallocations.fetch_add(1, Relaxed);
        if new >= old {
            self.grew(new - old);
        } else {
            self.shrank(old - new);
        }
    }

    fn freed(&self, size: usize) {
        self.deallocations.fetch_add(1, Relaxed);
        self.shrank(size);
    }
}

// SAFETY: every call is forwarded unchanged to `inner`; only counters change.
unsafe impl<A: Allocator> Allocator for Counting<A> {
    fn allocate(&self, layout: Layout) -> Result<NonNull<[u8]>, AllocError> {
        let result = self.inner.allocate(layout);
        self.allocated(result.is_ok(), layout.size());
        result
    }

    fn allocate_zeroed(&self, layout: Layout) -> Result<NonNull<[u8]>, AllocError> {
        let result = self.inner.allocate_zeroed(layout);
        self.allocated(result.is_ok(), layout.size());
        result
    }

    unsafe fn deallocate(&self, ptr: NonNull<u8>, layout: Layout) {
        // SAFETY: forwarded from the caller.
        unsafe { self.inner.deallocate(ptr, layout) };
        self.freed(layout.size());
    }

    unsafe fn grow(
        &self,
        ptr: NonNull<u8>,
        old: Layout,
        new: Layout,
    ) -> Result<NonNull<[u8]>, AllocError> {
        // SAFETY: forwarded from the caller.
        let result = unsafe { self.inner.grow(ptr, old, new) };
        self.reallocated(result.is_ok(), old.size(), new.size());
        result
    }

    unsafe fn grow_zeroed(
        &self,
        ptr: NonNull<u8>,
        old: Layout,
        new: Layout,
    ) -> Result<NonNull<[u8]>, AllocError> {
        // SAFETY: forwarded from the caller.
        let result = unsafe { self.inner.grow_zeroed(ptr, old, new) };
        self.reallocated(result.is_ok(), old.size(), new.size());
        result
    }

    unsafe fn shrink(
        &self,
        ptr: NonNull<u8>,
        old: Layout,
        new: Layout,
    ) -> Result<NonNull<[u8]>, AllocError> {
        // SAFETY: forwarded from the caller.
        let result = unsafe { self.inner.shrink(ptr, old, new) };
        self.reallocated(result.is_ok(), old.size(), new.size());
        result
    }
}

// SAFETY: every call is forwarded unchanged to `inner`; only counters change.
unsafe impl<A: GlobalAlloc> GlobalAlloc for Counting<A> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded from the caller.
        let ptr = unsafe { self.inner.alloc(layout) };
        self.allocated(!ptr.is_null(), layout.size());
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded from the caller.
        let ptr = unsafe { self.inner.alloc_zeroed(layout) };
        self.allocated(!ptr.is_null(), layout.size());
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded from the caller.
        unsafe { self.inner.dealloc(ptr, layout) };
        self.freed(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded from the caller.
        let new = unsafe { self.inner.realloc(ptr, layout, new_size) };
        self.reallocated(!new.is_null(), layout.size(), new_size);
        new
    }
}
