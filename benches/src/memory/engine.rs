//! One engine's whole run on a chosen heap, turned into its report:
//! boundlite on `Counting<Global>` or in an `Arena`, SQLite on the system
//! allocator or in a memsys5 heap.

use std::path::Path;

use boundlite::alloc::{Arena, Counting, Global};

use super::HeapProfiler;
use super::bulk::Step;
use super::engine_boundlite;
use super::engine_sqlite;
use super::error::{BenchError, Location, Stage};
use super::measure::HeapSnapshot;
use super::options::{Engine, Options};
use super::progress::Progress;
use super::report::{AllocatorKind, EngineReport};
use super::sqlite_memory::SqliteHeap;
use super::workload::SEED_BATCH;

/// A progress bar over `engine`'s batches.
pub fn progress(options: &Options, engine: Engine) -> Progress {
    let spec = &options.spec;
    let steps = if spec.workload.is_bulk() {
        Step::ALL.len() as u64
    } else {
        0
    };
    let batches = spec.seeded_rows().div_ceil(SEED_BATCH) + spec.run_batches() + steps;
    Progress::new(options.progress, engine.name(), batches)
}

/// boundlite on `Counting<Global>`, or in an arena of `arena` bytes;
/// `profiler` watches from just before the database opens to just after
/// it closes.
pub fn boundlite(
    options: &Options,
    path: &Path,
    arena: Option<usize>,
    mut profiler: Option<&mut (dyn HeapProfiler + '_)>,
    progress: &mut Progress,
) -> Result<EngineReport, BenchError> {
    let Some(bytes) = arena else {
        let counting = Counting::new(Global);
        let meter = || {
            let s = counting.stats();
            HeapSnapshot {
                allocations: s.allocations as u64,
                reallocations: Some(s.reallocations as u64),
                failures: Some(s.failures as u64),
                total_bytes: Some(s.total_bytes as u64),
                live_bytes: s.live_bytes as u64,
                peak_bytes: s.peak_bytes as u64,
                max_live_allocations: None,
            }
        };
        if let Some(p) = profiler.as_deref_mut() {
            p.start();
        }
        let result = engine_boundlite::run(options, path, None, &counting, &meter, progress);
        let dhat = profiler.and_then(|p| p.stop());
        return Ok(result?.into_report(Engine::Boundlite, AllocatorKind::Counting, dhat));
    };
    let mut buffer = vec![0u8; bytes];
    let arena = Arena::new(&mut buffer).map_err(|_| BenchError::Engine {
        engine: Engine::Boundlite,
        out_of_memory: true,
        message: format!("an arena of {bytes} bytes cannot hold its own metadata"),
        at: Box::new(Location::stage(Stage::Open)),
    })?;
    let meter = || {
        let s = arena.stats();
        HeapSnapshot {
            allocations: s.total_allocations,
            reallocations: None,
            failures: Some(s.failed_allocations),
            total_bytes: None,
            live_bytes: s.in_use as u64,
            peak_bytes: s.peak_in_use as u64,
            max_live_allocations: None,
        }
    };
    if let Some(p) = profiler.as_deref_mut() {
        p.start();
    }
    let result = engine_boundlite::run(options, path, Some(bytes), &arena, &meter, progress);
    let dhat = profiler.and_then(|p| p.stop());
    Ok(result?.into_report(Engine::Boundlite, AllocatorKind::Arena(bytes), dhat))
}

/// SQLite on `heap`, its allocations counted.
pub fn sqlite(
    options: &Options,
    path: &Path,
    heap: SqliteHeap,
    progress: &mut Progress,
) -> Result<EngineReport, BenchError> {
    let measured = engine_sqlite::run(options, path, heap, progress)?;
    let allocator = match measured.fixed_heap {
        Some(bytes) => AllocatorKind::Memsys5(bytes),
        None => AllocatorKind::SqliteSystem,
    };
    let report = measured.into_report(Engine::Sqlite, allocator, None);
    if let Some(bytes) = allocator.capacity() {
        // memsys5 cannot hand out more than its heap: a higher peak means
        // the heap was not the allocator SQLite used.
        if report.heap.peak_bytes > bytes as u64 {
            return Err(BenchError::SqliteConfig(format!(
                "SQLite's peak of {} bytes exceeds its {bytes}-byte memsys5 heap",
                report.heap.peak_bytes
            )));
        }
    }
    Ok(report)
}

/// `engine`'s run in a fixed heap of `bytes` (boundlite: an arena;
/// SQLite: memsys5), without progress bar or profiler.
pub fn in_fixed_heap(
    engine: Engine,
    options: &Options,
    path: &Path,
    bytes: usize,
) -> Result<EngineReport, BenchError> {
    let mut progress = Progress::new(false, "", 0);
    match engine {
        Engine::Boundlite => boundlite(options, path, Some(bytes), None, &mut progress),
        Engine::Sqlite => sqlite(options, path, SqliteHeap::Fixed(bytes), &mut progress),
    }
}
