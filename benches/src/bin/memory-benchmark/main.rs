//! `memory-benchmark`: Turso's memory-benchmark workloads on boundlite and
//! SQLite, side by side. A thin CLI over `boundlite_benches::memory`; run
//! `memory-benchmark --help` for the options.
//!
//! The binary installs dhat as the global allocator so it can profile the
//! boundlite run (the profile is written to `dhat-heap.json` in the
//! working directory); SQLite's run is not profiled, so its allocations
//! are not slowed by backtrace capture.

use std::path::PathBuf;
use std::process::ExitCode;

use boundlite_benches::memory::{
    self, DEFAULT_BLOB_BYTES, DEFAULT_CACHE_SIZE, DEFAULT_RNG_SEED, DhatFigures, Engine, Engines,
    HeapProfiler, Mode, Options, Report, Workload,
};
use clap::{Parser, ValueEnum};

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ModeArg {
    /// Write-ahead log.
    Wal,
    /// boundlite's MVCC mode, batches as BEGIN CONCURRENT transactions
    /// (SQLite runs in WAL); not for the bulk workload.
    Mvcc,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum WorkloadArg {
    /// 100% INSERT.
    InsertHeavy,
    /// Seeds the table; 90% SELECT by id, 10% INSERT.
    ReadHeavy,
    /// Seeds the table; 50% SELECT by id, 50% INSERT.
    Mixed,
    /// Seeds the table; 100% `LIKE '%seed_<n>%'` scans.
    ScanHeavy,
    /// Seeds the table; 100% UPDATE of a random row.
    UpdateChurn,
    /// Seeds the table; 100% UPDATE, batch n only of rows whose id is
    /// n + 1 modulo 64, so connections (up to 64, a divisor of 64) never
    /// change the same row: BEGIN CONCURRENT on disjoint rows.
    UpdateDisjoint,
    /// Seeds the table; 100% UPDATE of row 1: every transaction changes
    /// one hot row.
    UpdateHot,
    /// Seeds the table (200,000 rows unless told), then runs once each,
    /// timed and checked per step: CREATE INDEX, DELETE of half the rows,
    /// UPDATE of every row, ORDER BY, GROUP BY of 50,000 groups, SELECT
    /// DISTINCT, INSERT ... SELECT doubling the table in one transaction,
    /// a --blob-bytes zeroblob and its length(). --iterations and
    /// --batch-size do not apply.
    Bulk,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum EngineArg {
    /// boundlite only.
    Boundlite,
    /// SQLite only.
    Sqlite,
    /// Both, boundlite first, with boundlite / SQLite ratios.
    Both,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FormatArg {
    /// A table.
    Human,
    /// One JSON object (keys documented in `boundlite_benches::memory`).
    Json,
    /// A header and one line per engine.
    Csv,
}

/// Memory benchmark: the same statement stream on boundlite and on SQLite.
///
/// Each iteration is one batch of `--batch-size` statements in one
/// transaction (BEGIN..COMMIT). With `--connections N`, N connections
/// take batches in turn, interleaved in one thread (batch n runs on
/// connection n % N), so batches never overlap; with `--mode mvcc`
/// boundlite runs each group of N batches as N overlapping BEGIN
/// CONCURRENT transactions, statements interleaved round-robin, a batch
/// that loses a write conflict retried (SQLite runs in WAL mode as the
/// baseline). With `--threads` each connection runs on a thread of its
/// own. The statement stream is
/// fixed by `--seed`: every run of the same options sends the same
/// statements to both engines.
#[derive(Debug, Parser)]
#[command(name = "memory-benchmark", version)]
struct Cli {
    /// Journal mode.
    #[arg(long, value_enum, default_value = "wal")]
    mode: ModeArg,
    /// Workload.
    #[arg(long, value_enum, default_value = "insert-heavy")]
    workload: WorkloadArg,
    /// Batches (transactions) in the measured run.
    #[arg(short, long, default_value_t = 100)]
    iterations: u64,
    /// Statements per batch.
    #[arg(short, long, default_value_t = 100)]
    batch_size: u64,
    /// Connections taking batches in turn, interleaved in one thread.
    #[arg(long, default_value_t = 1)]
    connections: usize,
    /// Each connection's batches on a thread of its own (batch n on
    /// thread n % N), the engine serving the threads' requests one at a
    /// time on the main thread: with --mode mvcc a request is one
    /// statement, so the threads' transactions overlap; otherwise a
    /// request is a whole batch.
    #[arg(long)]
    threads: bool,
    /// SQLite busy timeout in milliseconds (boundlite's interleaved
    /// connections never wait).
    #[arg(long, default_value_t = 5_000)]
    timeout: u64,
    /// Page cache: pages, or KiB when negative (SQLite's PRAGMA
    /// cache_size); boundlite gets the same number of frames.
    #[arg(long, default_value_t = DEFAULT_CACHE_SIZE, allow_hyphen_values = true)]
    cache_size: i64,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    format: FormatArg,
    /// Run a TRUNCATE checkpoint at the end, before file sizes are taken.
    #[arg(long)]
    checkpoint: bool,
    /// Engines to run.
    #[arg(long, value_enum, default_value = "both")]
    engine: EngineArg,
    /// Run boundlite inside a bounded arena of this many bytes (suffix k
    /// or m for KiB or MiB) instead of the global heap.
    #[arg(long, value_parser = parse_bytes)]
    arena: Option<usize>,
    /// boundlite's MVCC checkpoint threshold in bytes of log (suffix k
    /// or m), instead of the default (Config::mvcc_checkpoint_threshold).
    #[arg(long, value_parser = parse_bytes)]
    mvcc_checkpoint_threshold: Option<usize>,
    /// boundlite's MVCC version-store budget in bytes (suffix k or m),
    /// instead of the default (Config::mvcc_memory).
    #[arg(long, value_parser = parse_bytes)]
    mvcc_memory: Option<usize>,
    /// Bisect the smallest fixed heap each engine completes the workload
    /// in (boundlite: an arena; SQLite: a memsys5 heap), to 1 KiB.
    #[arg(long)]
    min_heap: bool,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
    /// Page size of the databases.
    #[arg(long, default_value_t = 4096)]
    page_size: u32,
    /// Directory for the databases (boundlite.db, sqlite.db), kept after
    /// the run; default: a temporary directory, removed at the end.
    #[arg(long)]
    db: Option<PathBuf>,
    /// Do not profile the boundlite run with dhat.
    #[arg(long)]
    no_dhat: bool,
    /// Rows seeded before read-heavy, mixed, scan-heavy, update-churn
    /// (default 10,000) and bulk (default 200,000).
    #[arg(long)]
    seed_rows: Option<u64>,
    /// Bulk: the zeroblob's size (suffix k or m for KiB or MiB).
    #[arg(long, value_parser = parse_bytes, default_value_t = DEFAULT_BLOB_BYTES as usize)]
    blob_bytes: usize,
    /// RNG seed of the statement stream.
    #[arg(long, default_value_t = DEFAULT_RNG_SEED)]
    seed: u64,
    /// With both engines: check that both tables hold the same rows (each
    /// file read by both engines) and that SQLite's integrity_check passes
    /// on boundlite's file.
    #[arg(long)]
    verify: bool,
}

/// Bytes, with an optional k/K (KiB) or m/M (MiB) suffix.
fn parse_bytes(text: &str) -> Result<usize, String> {
    let (digits, unit) = match text.char_indices().last() {
        Some((i, 'k' | 'K')) => (&text[..i], 1024),
        Some((i, 'm' | 'M')) => (&text[..i], 1024 * 1024),
        _ => (text, 1),
    };
    digits
        .parse::<usize>()
        .map_err(|e| format!("{text}: {e}"))?
        .checked_mul(unit)
        .ok_or_else(|| format!("{text} is too large"))
}

/// dhat over the boundlite run.
struct Dhat {
    profiler: Option<dhat::Profiler>,
    file: PathBuf,
}

impl HeapProfiler for Dhat {
    fn start(&mut self) {
        // Whole stacks: dhat keeps 10 frames by default, which often ends
        // inside the allocator before any boundlite frame, and
        // dhat-analyze groups by the first boundlite frame.
        self.profiler = Some(
            dhat::Profiler::builder()
                .file_name(&self.file)
                .trim_backtraces(None)
                .build(),
        );
    }

    fn stop(&mut self) -> Option<DhatFigures> {
        let profiler = self.profiler.take()?;
        let stats = dhat::HeapStats::get();
        // Dropping the profiler writes the file.
        drop(profiler);
        Some(DhatFigures {
            total_blocks: stats.total_blocks,
            total_bytes: stats.total_bytes,
            max_bytes: stats.max_bytes as u64,
            curr_bytes: stats.curr_bytes as u64,
            file: Some(self.file.clone()),
        })
    }
}

fn options(cli: &Cli, dir: PathBuf) -> Options {
    let workload = match cli.workload {
        WorkloadArg::InsertHeavy => Workload::InsertHeavy,
        WorkloadArg::ReadHeavy => Workload::ReadHeavy,
        WorkloadArg::Mixed => Workload::Mixed,
        WorkloadArg::ScanHeavy => Workload::ScanHeavy,
        WorkloadArg::UpdateChurn => Workload::UpdateChurn,
        WorkloadArg::UpdateDisjoint => Workload::UpdateDisjoint,
        WorkloadArg::UpdateHot => Workload::UpdateHot,
        WorkloadArg::Bulk => Workload::Bulk,
    };
    let mut options = Options::new(workload, cli.iterations, cli.batch_size);
    options.mode = match cli.mode {
        ModeArg::Wal => Mode::Wal,
        ModeArg::Mvcc => Mode::Mvcc,
    };
    if let Some(rows) = cli.seed_rows {
        options.spec.seed_rows = rows;
    }
    options.spec.blob_bytes = cli.blob_bytes as u64;
    options.spec.rng_seed = cli.seed;
    options.connections = cli.connections;
    options.threads = cli.threads;
    options.timeout_ms = cli.timeout;
    options.cache_size = cli.cache_size;
    options.page_size = cli.page_size;
    options.checkpoint = cli.checkpoint;
    options.engines = match cli.engine {
        EngineArg::Boundlite => Engines::Boundlite,
        EngineArg::Sqlite => Engines::Sqlite,
        EngineArg::Both => Engines::Both,
    };
    options.arena = cli.arena;
    options.mvcc_checkpoint_threshold = cli.mvcc_checkpoint_threshold.map(|b| b as u64);
    options.mvcc_memory = cli.mvcc_memory;
    options.min_heap = cli.min_heap;
    options.dir = Some(dir);
    options.progress = !cli.quiet;
    options
}

fn print(report: &Report, format: FormatArg) {
    match format {
        FormatArg::Human => print!("{}", report.to_human()),
        FormatArg::Json => println!("{}", report.to_json()),
        FormatArg::Csv => print!("{}", report.to_csv()),
    }
}

fn run(cli: &Cli) -> Result<(), String> {
    let temp;
    let dir = match &cli.db {
        Some(dir) => dir.clone(),
        None => {
            temp =
                tempfile::tempdir().map_err(|e| format!("creating a temporary directory: {e}"))?;
            temp.path().to_path_buf()
        }
    };
    let options = options(cli, dir.clone());
    let mut dhat = Dhat {
        profiler: None,
        file: std::env::current_dir()
            .map_err(|e| format!("reading the working directory: {e}"))?
            .join("dhat-heap.json"),
    };
    let profiler: Option<&mut dyn HeapProfiler> = if cli.no_dhat { None } else { Some(&mut dhat) };
    let report = memory::run(&options, profiler).map_err(|e| e.to_string())?;
    print(&report, cli.format);
    // The human table lists them already; the other formats go to a
    // program, so they are repeated on stderr for whoever reads it.
    let problems = report.problems();
    if !matches!(cli.format, FormatArg::Human) {
        for problem in &problems {
            eprintln!("{problem}");
        }
    }
    if cli.verify && report.engines.len() != 2 {
        eprintln!("verify: skipped, it compares two engines (--engine both)");
    }
    if cli.verify && report.engines.len() == 2 {
        let found = memory::verify(
            &memory::database_path(&dir, Engine::Boundlite),
            &memory::database_path(&dir, Engine::Sqlite),
        )
        .map_err(|e| format!("verify: {e}"))?;
        eprintln!(
            "verify: {} rows, {}; SQLite integrity_check of boundlite's file: {}",
            found.rows,
            if found.same_rows {
                "the same in both engines"
            } else {
                "DIFFERENT between the engines"
            },
            found.boundlite_integrity
        );
        if let Some((ours, theirs)) = &found.first_cross_read_difference {
            eprintln!(
                "verify: boundlite reads {} rows of SQLite's file differently from SQLite, \
                 first {ours:?} where SQLite reads {theirs:?}",
                found.cross_read_differences
            );
        }
        if !found.same_rows || found.boundlite_integrity != "ok" {
            return Err("verify failed".into());
        }
    }
    if !problems.is_empty() {
        return Err(format!(
            "{} bulk step failure(s) or disagreement(s), listed above",
            problems.len()
        ));
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("memory-benchmark: {message}");
            ExitCode::FAILURE
        }
    }
}
