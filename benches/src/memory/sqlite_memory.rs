//! SQLite's process-wide memory configuration for a run: a counting
//! wrapper around its allocator, optionally over a fixed memsys5 heap.
//!
//! SQLite chooses its allocator once per initialisation, for the whole
//! process. A run therefore takes [`SqliteMemory`], which holds a global
//! lock for its lifetime, shuts SQLite down, configures it, and
//! initialises it again; dropping it shuts SQLite down and restores the
//! default (system) allocator. Every use of SQLite in a process that runs
//! the benchmark must happen under this lock ([`with_sqlite`]), since a
//! shutdown under an open connection would pull memory from under it.
//!
//! The counting wrapper (`SQLITE_CONFIG_MALLOC`) forwards to the
//! allocator SQLite would have used, read back with
//! `SQLITE_CONFIG_GETMALLOC`: the system allocator, or memsys5 after
//! `SQLITE_CONFIG_HEAP`. So calls are counted the same way in both. Live
//! and peak bytes come from SQLite itself (`sqlite3_memory_used`,
//! `sqlite3_memory_highwater`, which `SQLITE_CONFIG_MEMSTATUS`, on by
//! default, keeps), as does the highest count of live allocations
//! (`SQLITE_STATUS_MALLOC_COUNT`).
//!
//! memsys5 (compiled in through `LIBSQLITE3_FLAGS` in
//! `.cargo/config.toml`) rounds every request up to a power of two of at
//! least [`MIN_ALLOC`] bytes, and its live-byte figures count the rounded
//! sizes.

use std::cell::UnsafeCell;
use std::ffi::{c_int, c_void};
use std::ptr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Mutex, MutexGuard, PoisonError};

use rusqlite::ffi;

use super::error::BenchError;
use super::measure::HeapSnapshot;

/// memsys5's smallest block: its `SQLITE_CONFIG_HEAP` minimum request.
pub const MIN_ALLOC: c_int = 64;

/// Which allocator SQLite runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqliteHeap {
    /// The system allocator (SQLite's default).
    System,
    /// memsys5 over a fixed buffer of this many bytes.
    Fixed(usize),
}

/// Serialises every configuration and use of SQLite in the process.
static LOCK: Mutex<()> = Mutex::new(());

/// The allocator the counting wrapper forwards to. Written only while
/// SQLite is shut down and [`LOCK`] is held, so no callback reads it at
/// the same time.
struct Inner(UnsafeCell<Option<ffi::sqlite3_mem_methods>>);

// SAFETY: see `Inner`: writes happen under `LOCK` while SQLite (the only
// reader) is shut down; the lock orders them before any later read.
unsafe impl Sync for Inner {}

static INNER: Inner = Inner(UnsafeCell::new(None));

static MALLOCS: AtomicU64 = AtomicU64::new(0);
static REALLOCS: AtomicU64 = AtomicU64::new(0);
static FAILURES: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

fn inner() -> Option<ffi::sqlite3_mem_methods> {
    // SAFETY: see `Inner`: never written while SQLite is running.
    unsafe { *INNER.0.get() }
}

unsafe extern "C" fn counted_malloc(n: c_int) -> *mut c_void {
    let Some(malloc) = inner().and_then(|m| m.xMalloc) else {
        return ptr::null_mut();
    };
    // SAFETY: SQLite's own call, forwarded to the allocator it configured.
    let p = unsafe { malloc(n) };
    if p.is_null() {
        FAILURES.fetch_add(1, Relaxed);
    } else {
        MALLOCS.fetch_add(1, Relaxed);
        BYTES.fetch_add(u64::try_from(n).unwrap_or(0), Relaxed);
    }
    p
}

unsafe extern "C" fn counted_free(p: *mut c_void) {
    if let Some(free) = inner().and_then(|m| m.xFree) {
        // SAFETY: forwarded from SQLite.
        unsafe { free(p) }
    }
}

unsafe extern "C" fn counted_realloc(p: *mut c_void, n: c_int) -> *mut c_void {
    let Some(methods) = inner() else {
        return ptr::null_mut();
    };
    let (Some(realloc), Some(size)) = (methods.xRealloc, methods.xSize) else {
        return ptr::null_mut();
    };
    // SAFETY: SQLite reallocates only blocks its allocator gave it.
    let old = unsafe { size(p) };
    // SAFETY: forwarded from SQLite.
    let q = unsafe { realloc(p, n) };
    if q.is_null() {
        FAILURES.fetch_add(1, Relaxed);
    } else {
        REALLOCS.fetch_add(1, Relaxed);
        BYTES.fetch_add(u64::try_from(n.saturating_sub(old)).unwrap_or(0), Relaxed);
    }
    q
}

unsafe extern "C" fn counted_size(p: *mut c_void) -> c_int {
    match inner().and_then(|m| m.xSize) {
        // SAFETY: forwarded from SQLite.
        Some(size) => unsafe { size(p) },
        None => 0,
    }
}

unsafe extern "C" fn counted_roundup(n: c_int) -> c_int {
    match inner().and_then(|m| m.xRoundup) {
        // SAFETY: forwarded from SQLite.
        Some(roundup) => unsafe { roundup(n) },
        None => n,
    }
}

unsafe extern "C" fn counted_init(app: *mut c_void) -> c_int {
    match inner().and_then(|m| m.xInit) {
        // SAFETY: forwarded from SQLite.
        Some(init) => unsafe { init(app) },
        None => ffi::SQLITE_ERROR,
    }
}

unsafe extern "C" fn counted_shutdown(app: *mut c_void) {
    if let Some(shutdown) = inner().and_then(|m| m.xShutdown) {
        // SAFETY: forwarded from SQLite.
        unsafe { shutdown(app) }
    }
}

/// Runs `f` while no benchmark run reconfigures SQLite.
pub fn with_sqlite<R>(f: impl FnOnce() -> R) -> R {
    let _guard = LOCK.lock().unwrap_or_else(PoisonError::into_inner);
    f()
}

/// SQLite configured for one run; see the module doc.
pub struct SqliteMemory {
    _guard: MutexGuard<'static, ()>,
    /// memsys5's buffer; `u64` for its 8-byte alignment. Freed only after
    /// `drop` has shut SQLite down.
    heap: Vec<u64>,
}

fn check(rc: c_int, what: &str) -> Result<(), BenchError> {
    if rc == ffi::SQLITE_OK {
        Ok(())
    } else {
        Err(BenchError::SqliteConfig(format!("{what} returned {rc}")))
    }
}

impl SqliteMemory {
    /// Takes the lock and configures SQLite to run on `heap`, counting.
    pub fn configure(heap: SqliteHeap) -> Result<Self, BenchError> {
        let guard = LOCK.lock().unwrap_or_else(PoisonError::into_inner);
        let mut memory = SqliteMemory {
            _guard: guard,
            heap: Vec::new(),
        };
        // SAFETY: under the lock, no connection is open (every user of
        // SQLite in the process closes its connections before releasing
        // it), so shutting down and configuring is allowed.
        unsafe {
            check(ffi::sqlite3_shutdown(), "sqlite3_shutdown")?;
            // A null heap puts the default allocator back, whatever an
            // earlier run configured.
            check(
                ffi::sqlite3_config(ffi::SQLITE_CONFIG_HEAP, ptr::null_mut::<c_void>(), 0, 0),
                "SQLITE_CONFIG_HEAP (reset)",
            )?;
            if let SqliteHeap::Fixed(bytes) = heap {
                memory.heap = vec![0u64; bytes.div_ceil(8)];
                let len = c_int::try_from(memory.heap.len() * 8).map_err(|_| {
                    BenchError::SqliteConfig(format!("a {bytes}-byte heap is too large"))
                })?;
                check(
                    ffi::sqlite3_config(
                        ffi::SQLITE_CONFIG_HEAP,
                        memory.heap.as_mut_ptr().cast::<c_void>(),
                        len,
                        MIN_ALLOC,
                    ),
                    "SQLITE_CONFIG_HEAP (memsys5; is SQLITE_ENABLE_MEMSYS5 compiled in?)",
                )?;
            }
            let mut methods = ffi::sqlite3_mem_methods {
                xMalloc: None,
                xFree: None,
                xRealloc: None,
                xSize: None,
                xRoundup: None,
                xInit: None,
                xShutdown: None,
                pAppData: ptr::null_mut(),
            };
            check(
                ffi::sqlite3_config(
                    ffi::SQLITE_CONFIG_GETMALLOC,
                    &mut methods as *mut ffi::sqlite3_mem_methods,
                ),
                "SQLITE_CONFIG_GETMALLOC",
            )?;
            *INNER.0.get() = Some(methods);
            let wrapper = ffi::sqlite3_mem_methods {
                xMalloc: Some(counted_malloc),
                xFree: Some(counted_free),
                xRealloc: Some(counted_realloc),
                xSize: Some(counted_size),
                xRoundup: Some(counted_roundup),
                xInit: Some(counted_init),
                xShutdown: Some(counted_shutdown),
                pAppData: methods.pAppData,
            };
            check(
                ffi::sqlite3_config(
                    ffi::SQLITE_CONFIG_MALLOC,
                    &wrapper as *const ffi::sqlite3_mem_methods,
                ),
                "SQLITE_CONFIG_MALLOC",
            )?;
            check(ffi::sqlite3_initialize(), "sqlite3_initialize")?;
        }
        for counter in [&MALLOCS, &REALLOCS, &FAILURES, &BYTES] {
            counter.store(0, Relaxed);
        }
        // SAFETY: plain status calls on an initialised library.
        unsafe {
            ffi::sqlite3_memory_highwater(1);
            let (mut current, mut high) = (0, 0);
            ffi::sqlite3_status64(ffi::SQLITE_STATUS_MALLOC_COUNT, &mut current, &mut high, 1);
        }
        Ok(memory)
    }

    /// The size of the fixed heap, when there is one.
    pub fn heap_bytes(&self) -> Option<usize> {
        (!self.heap.is_empty()).then(|| self.heap.len() * 8)
    }

    /// A reading of SQLite's counters.
    pub fn snapshot(&self) -> HeapSnapshot {
        let (mut current, mut high) = (0i64, 0i64);
        // SAFETY: plain status calls on an initialised library.
        let (used, peak) = unsafe {
            ffi::sqlite3_status64(ffi::SQLITE_STATUS_MALLOC_COUNT, &mut current, &mut high, 0);
            (ffi::sqlite3_memory_used(), ffi::sqlite3_memory_highwater(0))
        };
        let count = |v: i64| u64::try_from(v).unwrap_or(0);
        HeapSnapshot {
            allocations: MALLOCS.load(Relaxed),
            reallocations: Some(REALLOCS.load(Relaxed)),
            failures: Some(FAILURES.load(Relaxed)),
            total_bytes: Some(BYTES.load(Relaxed)),
            live_bytes: count(used),
            peak_bytes: count(peak),
            max_live_allocations: Some(count(high)),
        }
    }
}

impl Drop for SqliteMemory {
    fn drop(&mut self) {
        // SAFETY: the run's connections are closed (the engine closes
        // them before dropping this), so SQLite may shut down; resetting
        // the heap afterwards means nothing refers to `self.heap` once it
        // is freed.
        unsafe {
            ffi::sqlite3_shutdown();
            ffi::sqlite3_config(ffi::SQLITE_CONFIG_HEAP, ptr::null_mut::<c_void>(), 0, 0);
            *INNER.0.get() = None;
        }
    }
}
