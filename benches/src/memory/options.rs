//! [`Options`]: what one benchmark invocation runs, and how its settings
//! map onto each engine.
//!
//! Both engines get the same page size and the same page cache: SQLite
//! takes `cache_size` as given (`PRAGMA cache_size`, negative = KiB),
//! boundlite gets the equivalent frame count in `Config::cache_frames`
//! (never below `Config::MIN_CACHE_FRAMES`).

use std::path::PathBuf;

use boundlite::Config;
use boundlite::format::PageSize;

use super::error::BenchError;
use super::workload::{DEFAULT_BLOB_BYTES, DEFAULT_RNG_SEED, Workload, WorkloadSpec};

/// SQLite's default `cache_size`: 2000 KiB.
pub const DEFAULT_CACHE_SIZE: i64 = -2000;

/// The journal mode under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Write-ahead log.
    Wal,
    /// boundlite's MVCC mode (`PRAGMA journal_mode = mvcc`), each batch a
    /// `BEGIN CONCURRENT` transaction, the connections' batches
    /// overlapping (see `overlap`). SQLite has no such mode: it runs in
    /// WAL, batches in turn, as the baseline.
    Mvcc,
}

/// One engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Engine {
    /// This project.
    Boundlite,
    /// SQLite through rusqlite (bundled).
    Sqlite,
}

impl Engine {
    /// The name reports use.
    pub const fn name(self) -> &'static str {
        match self {
            Engine::Boundlite => "boundlite",
            Engine::Sqlite => "sqlite",
        }
    }
}

/// Which engines a run measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engines {
    /// boundlite only.
    Boundlite,
    /// SQLite only.
    Sqlite,
    /// Both, boundlite first.
    Both,
}

impl Engines {
    /// The engines, in the order they run.
    pub fn list(self) -> &'static [Engine] {
        match self {
            Engines::Boundlite => &[Engine::Boundlite],
            Engines::Sqlite => &[Engine::Sqlite],
            Engines::Both => &[Engine::Boundlite, Engine::Sqlite],
        }
    }
}

/// Everything one invocation runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Journal mode.
    pub mode: Mode,
    /// The statement stream.
    pub spec: WorkloadSpec,
    /// Connections taking batches in turn, in one thread (or each on a
    /// thread of its own with `threads`).
    pub connections: usize,
    /// Run each connection's batches on a thread of its own, the engine
    /// serving them one request at a time (see `threads`).
    pub threads: bool,
    /// SQLite's `busy_timeout`, in milliseconds (boundlite's connections
    /// never wait: batches do not overlap).
    pub timeout_ms: u64,
    /// Page cache: pages, or KiB when negative.
    pub cache_size: i64,
    /// Page size of the databases created.
    pub page_size: u32,
    /// Checkpoint (TRUNCATE) at the end, before the file sizes are taken.
    pub checkpoint: bool,
    /// Engines to run.
    pub engines: Engines,
    /// Run boundlite in an arena of this many bytes instead of the heap.
    pub arena: Option<usize>,
    /// boundlite's `Config::mvcc_checkpoint_threshold`, when not the
    /// default.
    pub mvcc_checkpoint_threshold: Option<u64>,
    /// boundlite's `Config::mvcc_memory`, when not the default.
    pub mvcc_memory: Option<usize>,
    /// Bisect the smallest heap each engine completes the workload in.
    pub min_heap: bool,
    /// Directory for the databases (`boundlite.db`, `sqlite.db`); a
    /// temporary one when `None`.
    pub dir: Option<PathBuf>,
    /// Show a progress bar on stderr.
    pub progress: bool,
    /// Bulk: skip the steps after one fails (the min-heap search already
    /// knows the heap is too small; the rest would only take time). When
    /// false, every step runs, so a report names every step that fails.
    pub stop_at_failed_step: bool,
}

impl Options {
    /// The defaults of the CLI for `workload`, at `iterations` batches of
    /// `batch_size`.
    pub fn new(workload: Workload, iterations: u64, batch_size: u64) -> Self {
        Self {
            mode: Mode::Wal,
            spec: WorkloadSpec {
                workload,
                iterations,
                batch_size,
                seed_rows: workload.default_seed_rows(),
                rng_seed: DEFAULT_RNG_SEED,
                blob_bytes: DEFAULT_BLOB_BYTES,
            },
            connections: 1,
            threads: false,
            timeout_ms: 5_000,
            cache_size: DEFAULT_CACHE_SIZE,
            page_size: PageSize::DEFAULT.get(),
            checkpoint: false,
            engines: Engines::Both,
            arena: None,
            mvcc_checkpoint_threshold: None,
            mvcc_memory: None,
            min_heap: false,
            dir: None,
            progress: false,
            stop_at_failed_step: false,
        }
    }

    /// Checks what no engine could run.
    pub fn validate(&self) -> Result<(), BenchError> {
        if self.mode == Mode::Mvcc && self.spec.workload.is_bulk() {
            return Err(BenchError::Usage(
                "the bulk workload in mvcc mode is not supported: its CREATE INDEX and \
                 changes to indexed tables are refused in MVCC mode"
                    .into(),
            ));
        }
        if PageSize::new(self.page_size).is_none() {
            return Err(BenchError::Usage(format!(
                "page size {} is not a power of two between 512 and 65536",
                self.page_size
            )));
        }
        if self.connections == 0 {
            return Err(BenchError::Usage(
                "at least one connection is needed".into(),
            ));
        }
        if self.spec.batch_size == 0 {
            return Err(BenchError::Usage(
                "the batch size must be at least 1".into(),
            ));
        }
        Ok(())
    }

    /// The page cache in frames, as boundlite configures it: `cache_size`
    /// pages, or `-cache_size` KiB of pages, at least the engine's minimum.
    pub fn cache_frames(&self) -> usize {
        let frames = if self.cache_size >= 0 {
            self.cache_size.unsigned_abs()
        } else {
            self.cache_size.unsigned_abs().saturating_mul(1024) / u64::from(self.page_size.max(1))
        };
        usize::try_from(frames)
            .unwrap_or(usize::MAX)
            .max(Config::MIN_CACHE_FRAMES)
    }

    /// boundlite's configuration for these options, in a fixed heap of
    /// `heap` bytes when given: the cache these options ask for, as SQLite
    /// gets it, the sort budget [`Config::for_heap`] gives that heap
    /// (the default's otherwise), and the MVCC settings asked for (the
    /// defaults otherwise).
    pub fn boundlite_config(&self, heap: Option<usize>) -> Result<Config, BenchError> {
        let page_size = PageSize::new(self.page_size)
            .ok_or_else(|| BenchError::Usage(format!("bad page size {}", self.page_size)))?;
        let sort_memory = heap.map_or(Config::DEFAULT.sort_memory, |bytes| {
            Config::for_heap(bytes).sort_memory
        });
        Ok(Config {
            page_size,
            cache_frames: self.cache_frames(),
            sort_memory,
            mvcc_checkpoint_threshold: self
                .mvcc_checkpoint_threshold
                .unwrap_or(Config::DEFAULT.mvcc_checkpoint_threshold),
            mvcc_memory: self.mvcc_memory.unwrap_or(Config::DEFAULT.mvcc_memory),
            ..Config::DEFAULT
        })
    }
}
