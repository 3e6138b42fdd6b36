//! [`FaultAlloc`]: OOM injection, and [`oom_sweep`], the driver that proves
//! an operation survives a failure at every allocation it makes.
//!
//! An *allocation attempt* is a call to `allocate`, `allocate_zeroed`,
//! `grow` or `grow_zeroed`. Shrinks and frees pass through untouched: they
//! return memory, and injecting failures there would test the allocator, not
//! the caller.

use core::ptr::NonNull;

use allocator_api2::alloc::{AllocError, Allocator, Layout};
use spinning_top::Spinlock;

/// Which allocation attempts fail, counted from 1 since the last
/// [`FaultAlloc::arm`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultPlan {
    /// No attempt fails.
    Never,
    /// Attempt `n` fails; the ones after it succeed (a transient failure).
    Once(usize),
    /// Attempt `n` and every one after it fail (a persistent failure: error
    /// paths must unwind without allocating).
    From(usize),
    /// Each attempt fails with probability `per_million / 1_000_000`, drawn
    /// from a generator seeded with `seed`: the same seed fails the same
    /// attempts.
    Random {
        /// Seed of the generator.
        seed: u64,
        /// Failure probability in parts per million.
        per_million: u32,
    },
}

#[derive(Debug)]
struct FaultState {
    plan: FaultPlan,
    seen: usize,
    failed: usize,
    rng: u64,
    paused: bool,
}

impl FaultState {
    /// Counts one attempt and decides whether it fails.
    fn attempt(&mut self) -> bool {
        if self.paused {
            return false;
        }
        self.seen += 1;
        let fail = match self.plan {
            FaultPlan::Never => false,
            FaultPlan::Once(n) => self.seen == n,
            FaultPlan::From(n) => self.seen >= n,
            FaultPlan::Random { per_million, .. } => {
                // splitmix64: tiny, and good enough to spread failures.
                self.rng = self.rng.wrapping_add(0x9e37_79b9_7f4a_7c15);
                let mut z = self.rng;
                z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
                z ^= z >> 31;
                z % 1_000_000 < u64::from(per_million)
            }
        };
        if fail {
            self.failed += 1;
        }
        fail
    }
}

/// Wraps allocator `A` and fails allocation attempts as its [`FaultPlan`]
/// says. Use it by reference: `&FaultAlloc<A>` is an [`Allocator`].
///
/// ```
/// use boundlite_alloc::{FaultAlloc, FaultPlan, Global, Vec};
///
/// let fault = FaultAlloc::new(Global);
/// fault.arm(FaultPlan::Once(2));
/// let mut v = Vec::new_in(&fault);
/// assert!(v.try_push(1u8).is_ok()); // attempt 1
/// assert!(v.try_reserve(100).is_err()); // attempt 2 fails
/// assert!(v.try_reserve(100).is_ok()); // attempt 3
/// assert_eq!((fault.seen(), fault.failed()), (3, 1));
/// ```
#[derive(Debug)]
pub struct FaultAlloc<A> {
    inner: A,
    state: Spinlock<FaultState>,
}

impl<A> FaultAlloc<A> {
    /// Wraps `inner` with no failure planned.
    pub const fn new(inner: A) -> Self {
        Self {
            inner,
            state: Spinlock::new(FaultState {
                plan: FaultPlan::Never,
                seen: 0,
                failed: 0,
                rng: 0,
                paused: false,
            }),
        }
    }

    /// Follows `plan` from now on and restarts the attempt count at zero.
    pub fn arm(&self, plan: FaultPlan) {
        let mut state = self.state.lock();
        state.plan = plan;
        state.seen = 0;
        state.failed = 0;
        state.rng = match plan {
            FaultPlan::Random { seed, .. } => seed,
            _ => 0,
        };
    }

    /// The plan in force.
    pub fn plan(&self) -> FaultPlan {
        self.state.lock().plan
    }

    /// Allocation attempts seen since the last [`arm`](Self::arm).
    pub fn seen(&self) -> usize {
        self.state.lock().seen
    }

    /// Attempts failed on purpose since the last [`arm`](Self::arm).
    pub fn failed(&self) -> usize {
        self.state.lock().failed
    }

    /// Runs `f` with injection paused: its allocations neither fail nor
    /// count. For set-up and checks inside a sweep.
    pub fn unfaulted<R>(&self, f: impl FnOnce() -> R) -> R {
        let was = core::mem::replace(&mut self.state.lock().paused, true);
        let result = f();
        self.state.lock().paused = was;
        result
    }

    /// The wrapped allocator.
    pub fn inner(&self) -> &A {
        &self.inner
    }

    fn attempt(&self) -> Result<(), AllocError> {
        if self.state.lock().attempt() {
            Err(AllocError)
        } else {
            Ok(())
        }
    }
}

// SAFETY: every call either fails before touching `inner` or is forwarded
// unchanged to it.
unsafe impl<A: Allocator> Allocator for FaultAlloc<A> {
    fn allocate(&self, layout: Layout) -> Result<NonNull<[u8]>, AllocError> {
        self.attempt()?;
        self.inner.allocate(layout)
    }

    fn allocate_zeroed(&self, layout: Layout) -> Result<NonNull<[u8]>, AllocError> {
        self.attempt()?;
        self.inner.allocate_zeroed(layout)
    }

    unsafe fn deallocate(&self, ptr: NonNull<u8>, layout: Layout) {
        // SAFETY: forwarded from the caller.
        unsafe { self.inner.deallocate(ptr, layout) }
    }

    unsafe fn grow(
        &self,
        ptr: NonNull<u8>,
        old: Layout,
        new: Layout,
    ) -> Result<NonNull<[u8]>, AllocError> {
        self.attempt()?;
        // SAFETY: forwarded from the caller.
        unsafe { self.inner.grow(ptr, old, new) }
    }

    unsafe fn grow_zeroed(
        &self,
        ptr: NonNull<u8>,
        old: Layout,
        new: Layout,
    ) -> Result<NonNull<[u8]>, AllocError> {
        self.attempt()?;
        // SAFETY: forwarded from the caller.
        unsafe { self.inner.grow_zeroed(ptr, old, new) }
    }

    unsafe fn shrink(
        &self,
        ptr: NonNull<u8>,
        old: Layout,
        new: Layout,
    ) -> Result<NonNull<[u8]>, AllocError> {
        // SAFETY: forwarded from the caller.
        unsafe { self.inner.shrink(ptr, old, new) }
    }
}

/// What [`oom_sweep`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepReport<T> {
    /// The value of the run in which no injected failure was hit.
    pub value: T,
    /// Runs that were given an injected failure (N = 1 ..= `failure_points`).
    pub failure_points: usize,
    /// Runs among them that returned an error (the rest recovered by
    /// themselves, e.g. by retrying or degrading).
    pub errors: usize,
    /// Allocation attempts made by the final, successful run.
    pub allocations: usize,
}

/// Runs `op` under injected allocation failures at N = 1, 2, 3, ... until a
/// run completes without reaching its N-th attempt, the way SQLite's malloc
/// tests do. With `persistent`, every attempt from N on fails (so the error
/// path itself must not need memory); otherwise only attempt N fails.
///
/// `op` receives the fault allocator, armed for this run; it should build
/// whatever it needs (it may do set-up under [`FaultAlloc::unfaulted`]).
/// Each run that returns `Err` is handed to `check` with its N, once `op`'s
/// own values are dropped: the place to assert the error is
/// `OutOfMemory`, that nothing leaked, and that state is still consistent.
///
/// A run that hit its injected failure and still returned a value (it
/// recovered, e.g. by degrading) must return the value the final run
/// does: one that differs is a failure swallowed into a wrong answer, and
/// the sweep panics naming its N.
///
/// Returns the final run's value, or `Err` if a run failed although no
/// failure had been injected (a real error, not an injected one).
///
/// ```
/// use boundlite_alloc::{oom_sweep, FaultAlloc, Arena, Vec, OutOfMemory};
///
/// let mut buffer = [0u8; 8192];
/// let arena = Arena::new(&mut buffer)?;
/// let fault = FaultAlloc::new(&arena);
/// let report = oom_sweep(&fault, false, |fault| {
///     let mut v = Vec::new_in(fault);
///     for i in 0..100u32 {
///         v.try_push(i)?;
///     }
///     Ok::<usize, OutOfMemory>(v.len())
/// }, |_n, err| {
///     assert_eq!(err, OutOfMemory);
///     assert_eq!(arena.stats().live_allocations, 0, "a failed run leaked");
/// })?;
/// assert_eq!(report.value, 100);
/// assert_eq!(report.failure_points, report.allocations);
/// # Ok::<(), OutOfMemory>(())
/// ```
pub fn oom_sweep<A, T, E, Op, Check>(
    fault: &FaultAlloc<A>,
    persistent: bool,
    mut op: Op,
    mut check: Check,
) -> Result<SweepReport<T>, E>
where
    A: Allocator,
    T: PartialEq + core::fmt::Debug,
    Op: FnMut(&FaultAlloc<A>) -> Result<T, E>,
    Check: FnMut(usize, E),
{
    let mut errors = 0;
    let mut n = 1;
    // The last recovered run's N and value: every recovered run, and the
    // final one, must agree with it.
    let mut recovered: Option<(usize, T)> = None;
    loop {
        fault.arm(if persistent {
            FaultPlan::From(n)
        } else {
            FaultPlan::Once(n)
        });
        let result = op(fault);
        let (seen, failed) = (fault.seen(), fault.failed());
        fault.arm(FaultPlan::Never);
        match result {
            Ok(value) if failed == 0 => {
                if let Some((at, seen)) = recovered {
                    assert_eq!(
                        seen, value,
                        "the run given failure {at} recovered with another value than the run without one"
                    );
                }
                return Ok(SweepReport {
                    value,
                    failure_points: n - 1,
                    errors,
                    allocations: seen,
                });
            }
            Err(e) if failed == 0 => return Err(e),
            Ok(value) => {
                if let Some((at, seen)) = &recovered {
                    assert_eq!(
                        seen, &value,
                        "the runs given failures {at} and {n} recovered with different values"
                    );
                }
                recovered = Some((n, value));
            }
            Err(e) => {
                errors += 1;
                check(n, e);
            }
        }
        n += 1;
    }
}
