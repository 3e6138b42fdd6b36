//! The memory benchmark: Turso's memory-benchmark workloads run on
//! boundlite and on SQLite with the same statement stream, measuring the
//! heap, the allocations per statement, the RSS, the files and the wall
//! time of each engine, and optionally the smallest fixed heap each one
//! completes the workload in. The `memory-benchmark` binary is a thin CLI
//! over [`run`].
//!
//! One job per module:
//! - `workload`: the workloads and the deterministic statement stream;
//!   `rng`: its seeded generator; `bulk`: the bulk workload's steps and
//!   their checksums;
//! - `options`: what a run does and how settings map to each engine;
//! - `driver`: the batch loop both engines share (connections in turn,
//!   `BEGIN`..`COMMIT` per batch, stage boundaries measured); `overlap`:
//!   run batches of several connections in overlapping MVCC transactions,
//!   conflicts retried; `threads`: each connection's batches on a thread
//!   of its own, the engine serving their requests;
//! - `engine`: one engine's whole run on a chosen heap, as a report;
//!   `engine_boundlite`, `engine_sqlite`: each engine's connections and
//!   prepared statements; `sqlite_memory`: SQLite's process-wide allocator
//!   configuration (counting wrapper, memsys5 heap);
//! - `measure`, `rss`, `files`: the figures collected on the way;
//! - `min_heap`: the smallest-heap bisection; `contents`: reading tables
//!   back to compare engines; `progress`: the bar on stderr;
//! - `report`: the per-engine report and its human, JSON and CSV forms;
//!   `report_steps`: the bulk steps' part of them;
//! - `error`: why a run stopped, and where.
//!
//! # JSON output
//!
//! One object:
//! - the options: `workload`, `mode`, `iterations`, `batch_size`,
//!   `seed_rows` (rows actually seeded), `rng_seed`, `connections`,
//!   `threads`,
//!   `page_size`, `cache_size` (as given: pages, or KiB when negative),
//!   `cache_frames` (boundlite's frames for it), `checkpoint`;
//! - `engines`: an object per engine that ran (`boundlite`, `sqlite`), each
//!   with the keys below (`null` when a figure does not apply);
//! - `ratios`: boundlite / SQLite of `run_ms`, `peak_bytes`,
//!   `allocations_per_statement` and `min_heap_bytes` when both engines
//!   ran, else `null`.
//!
//! Per-engine keys (CSV columns are the same, after `engine` and the
//! options):
//! - `allocator`: `counting` (boundlite on `Counting<Global>`), `arena`
//!   (boundlite in `--arena`), `sqlite-system` (SQLite on the system
//!   allocator through a counting `SQLITE_CONFIG_MALLOC` wrapper);
//!   `heap_capacity_bytes`: the arena's size;
//! - `setup_statements`, `run_statements`; `commits`, `conflicts`,
//!   `retries`: run transactions committed, write conflicts lost (MVCC
//!   mode) and batches run again after one; `open_ms`, `setup_ms`,
//!   `run_ms`, `checkpoint_ms`: wall time per stage;
//! - `peak_bytes`, `end_bytes` (live at the end, database open),
//!   `after_close_bytes`: the engine's own heap (boundlite: its allocator;
//!   SQLite: `sqlite3_memory_highwater`/`sqlite3_memory_used`);
//! - `allocations`, `reallocations`, `total_bytes`, `failed_allocations`,
//!   `max_live_allocations` (SQLite's `SQLITE_STATUS_MALLOC_COUNT`
//!   high-water): over the engine's whole run, open to close;
//! - `run_allocations`, `allocations_per_statement`: allocation plus
//!   reallocation calls during the run batches (`BEGIN`/`COMMIT`
//!   included), and that per run statement: the steady state;
//! - `dhat_total_blocks`, `dhat_total_bytes`, `dhat_max_bytes`,
//!   `dhat_curr_bytes`: dhat's heap stats over the boundlite run (global
//!   heap, harness included) when the binary profiles it;
//! - `rss_at_start_kib` (before this engine opened), `rss_after_open_kib`,
//!   `rss_after_setup_kib`, `rss_after_run_kib`, `rss_after_checkpoint_kib`,
//!   `rss_peak_kib`, `rss_peak_reset`: the
//!   process's resident set (both engines share one process);
//! - `db_bytes`, `wal_bytes`, `shm_bytes`, `log_bytes`: file sizes before
//!   closing, `null` for a file that does not exist;
//! - `rows_read`, `checksum`: rows the queries returned and a hash of
//!   them, equal across engines that return the same rows;
//! - `min_heap_bytes`, `min_heap_attempts`: the `--min-heap` search.
//!
//! The bulk workload adds `blob_bytes` to the options, `steps` and
//! `problems` at the root, and `min_heap_note` per engine (documented in
//! `report_steps`); its `run_ms` is the steps' total, and `rows_read`
//! and `checksum` sum the steps'.

mod bulk;
mod contents;
mod driver;
mod engine;
mod engine_boundlite;
mod engine_sqlite;
mod error;
mod files;
mod measure;
mod min_heap;
mod options;
mod overlap;
mod progress;
mod report;
mod report_steps;
mod rng;
mod rss;
mod sqlite_memory;
mod threads;
mod workload;

use std::path::{Path, PathBuf};

pub use bulk::{
    Agreement, Cell, Digest, GROUPS, ROLLBACK_SQL, SqlKind, Step, StepFailure, StepOutcome,
    StepReport, StepResult,
};
pub use contents::{TableRow, Verification, boundlite_rows, sqlite_integrity, sqlite_rows, verify};
pub use engine::in_fixed_heap;
pub use error::{BenchError, Location, Stage};
pub use files::FileSizes;
pub use measure::{HeapSnapshot, RssFigures, StageTimes, Tally};
pub use min_heap::{GRANULARITY, fits, fits_checked, search as search_min_heap};
pub use options::{DEFAULT_CACHE_SIZE, Engine, Engines, Mode, Options};
pub use overlap::Concurrency;
pub use report::{AllocatorKind, DhatFigures, EngineReport, HeapFigures, MinHeap, Report};
pub use rng::SplitMix64;
pub use sqlite_memory::{SqliteHeap, with_sqlite};
pub use workload::{
    DEFAULT_BLOB_BYTES, DEFAULT_BULK_SEED_ROWS, DEFAULT_RNG_SEED, DEFAULT_SEED_ROWS,
    DISJOINT_CLASSES, Param, Phase, SEED_BATCH, StatementKind, Stream, WorkItem, Workload,
    WorkloadSpec,
};

/// Watches the global heap while boundlite runs (the binary's dhat
/// profiler): started after the run's buffers are made, stopped after
/// its database is closed.
pub trait HeapProfiler {
    /// Starts watching.
    fn start(&mut self);
    /// Stops, and says what it saw.
    fn stop(&mut self) -> Option<DhatFigures>;
}

/// The database file `engine` runs on in `dir`.
pub fn database_path(dir: &Path, engine: Engine) -> PathBuf {
    dir.join(format!("{}.db", engine.name()))
}

/// Runs `options`: each engine in turn, then the min-heap searches when
/// asked for. `profiler` watches the boundlite run.
///
/// A bulk step that fails or disagrees does not make this an error: the
/// report carries it ([`Report::problems`]) beside the figures, for the
/// caller to print and then fail on. A bulk min-heap search that cannot
/// run (a step fails even on the unbounded heap) or stops on an error
/// that is not out-of-memory leaves `min_heap_note` instead of ending the
/// run, except for a wrong answer, which does.
pub fn run(
    options: &Options,
    mut profiler: Option<&mut (dyn HeapProfiler + '_)>,
) -> Result<Report, BenchError> {
    options.validate()?;
    let temp;
    let dir = match &options.dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| BenchError::io(format!("creating {}", dir.display()), e))?;
            dir.clone()
        }
        None => {
            temp = tempfile::tempdir()
                .map_err(|e| BenchError::io("creating a temporary directory", e))?;
            temp.path().to_path_buf()
        }
    };
    let mut engines = Vec::new();
    for &engine in options.engines.list() {
        let path = database_path(&dir, engine);
        files::remove_database(&path)
            .map_err(|e| BenchError::io(format!("removing {}", path.display()), e))?;
        engines.push(match engine {
            Engine::Boundlite => engine::boundlite(
                options,
                &path,
                options.arena,
                profiler.as_deref_mut(),
                &mut engine::progress(options, engine),
            )?,
            Engine::Sqlite => engine::sqlite(
                options,
                &path,
                SqliteHeap::System,
                &mut engine::progress(options, engine),
            )?,
        });
    }
    if options.min_heap {
        for report in &mut engines {
            let hint = usize::try_from(report.heap.peak_bytes).unwrap_or(usize::MAX);
            if !options.spec.workload.is_bulk() {
                report.min_heap = min_heap::min_heap(report.engine, options, &dir, hint, None)?;
                continue;
            }
            if let Some(failed) = report.steps.iter().find(|s| s.failure().is_some()) {
                report.min_heap_note = Some(format!(
                    "not searched: step {} fails in the run above",
                    failed.step.name()
                ));
                continue;
            }
            match min_heap::min_heap(report.engine, options, &dir, hint, Some(&report.steps)) {
                Ok(Some(found)) => report.min_heap = Some(found),
                Ok(None) => {
                    report.min_heap_note = Some(format!(
                        "does not complete in {} bytes, the largest heap tried",
                        min_heap::LIMIT
                    ));
                }
                Err(e @ BenchError::WrongAnswer(_)) => return Err(e),
                Err(e) => report.min_heap_note = Some(format!("search stopped: {e}")),
            }
        }
    }
    Ok(Report {
        options: options.clone(),
        engines,
    })
}
