//! What a run reports, per engine, and the three ways it is printed.
//!
//! One list of metrics ([`METRICS`]) drives every format, so the human
//! table, the JSON keys and the CSV columns always agree. The JSON shape
//! is documented in the `memory` module doc. The bulk workload adds its
//! steps to each format (`report_steps`).

use std::fmt::Write;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Map, Value, json};

use super::bulk::StepReport;
use super::driver::Driven;
use super::files::FileSizes;
use super::measure::{HeapSnapshot, RssFigures, StageTimes, Tally};
use super::options::{Engine, Mode, Options};
use super::overlap::Concurrency;

/// What an engine's run measured, before it becomes an [`EngineReport`].
#[derive(Debug, Clone, Default)]
pub struct Measured {
    /// Wall time of opening.
    pub open: Duration,
    /// Wall time of setup before the seed batches (table, statements).
    pub setup_prefix: Duration,
    /// RSS (KiB) before opening.
    pub rss_at_start: Option<u64>,
    /// RSS (KiB) after opening.
    pub rss_after_open: Option<u64>,
    /// What the batch driver measured.
    pub driven: Driven,
    /// Heap counters before opening.
    pub heap_start: HeapSnapshot,
    /// Heap counters at the end, the database still open.
    pub heap_end: HeapSnapshot,
    /// Heap counters once everything was closed.
    pub heap_after_close: HeapSnapshot,
    /// File sizes at the end, before closing.
    pub files: FileSizes,
    /// Whether the RSS peak was reset when the engine started.
    pub peak_reset: bool,
    /// Peak RSS (KiB) at the end.
    pub rss_peak: Option<u64>,
    /// The fixed heap SQLite ran in, if any.
    pub fixed_heap: Option<usize>,
}

/// Where an engine's memory came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AllocatorKind {
    /// boundlite on `Counting<Global>`.
    Counting,
    /// boundlite in a bounded `Arena` of this many bytes.
    Arena(usize),
    /// SQLite on the system allocator, counted through
    /// `SQLITE_CONFIG_MALLOC`.
    SqliteSystem,
    /// SQLite in a memsys5 heap of this many bytes.
    Memsys5(usize),
}

impl AllocatorKind {
    /// The name reports use.
    pub const fn name(self) -> &'static str {
        match self {
            AllocatorKind::Counting => "counting",
            AllocatorKind::Arena(_) => "arena",
            AllocatorKind::SqliteSystem => "sqlite-system",
            AllocatorKind::Memsys5(_) => "memsys5",
        }
    }

    /// The fixed size of the heap, if it has one.
    pub const fn capacity(self) -> Option<usize> {
        match self {
            AllocatorKind::Arena(n) | AllocatorKind::Memsys5(n) => Some(n),
            _ => None,
        }
    }
}

/// dhat's heap statistics over the boundlite run (global heap only).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DhatFigures {
    /// Blocks allocated over the profile.
    pub total_blocks: u64,
    /// Bytes allocated over the profile.
    pub total_bytes: u64,
    /// Live bytes at the global peak.
    pub max_bytes: u64,
    /// Live bytes when the profile stopped.
    pub curr_bytes: u64,
    /// Where the profile was written.
    pub file: Option<PathBuf>,
}

/// The smallest heap an engine completed the workload in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MinHeap {
    /// The smallest size that worked, a multiple of the search granularity.
    pub bytes: usize,
    /// Runs the search took.
    pub attempts: u32,
    /// The granularity: `bytes - granularity` failed (or is zero).
    pub granularity: usize,
}

/// An engine's heap figures over its whole run.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct HeapFigures {
    /// Highest live bytes.
    pub peak_bytes: u64,
    /// Live bytes at the end, the database open.
    pub end_bytes: u64,
    /// Live bytes once closed.
    pub after_close_bytes: u64,
    /// Allocation calls.
    pub allocations: u64,
    /// Reallocation calls, when counted apart.
    pub reallocations: Option<u64>,
    /// Bytes allocated in all, when known.
    pub total_bytes: Option<u64>,
    /// Refused requests, when known.
    pub failed_allocations: Option<u64>,
    /// Highest number of live allocations, when known.
    pub max_live_allocations: Option<u64>,
    /// Allocation and reallocation calls during the run batches (their
    /// `BEGIN` and `COMMIT` included).
    pub run_allocations: u64,
    /// `run_allocations` per run statement.
    pub allocations_per_statement: f64,
}

/// One engine's report.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineReport {
    /// The engine.
    pub engine: Engine,
    /// Its memory.
    pub allocator: AllocatorKind,
    /// Statements in setup batches.
    pub setup_statements: u64,
    /// Statements in run batches.
    pub run_statements: u64,
    /// Wall times.
    pub times: StageTimes,
    /// Heap figures.
    pub heap: HeapFigures,
    /// dhat's figures, when it ran.
    pub dhat: Option<DhatFigures>,
    /// RSS at stage boundaries.
    pub rss: RssFigures,
    /// File sizes before closing.
    pub files: FileSizes,
    /// Rows the queries returned.
    pub tally: Tally,
    /// The min-heap search's result, when asked for.
    pub min_heap: Option<MinHeap>,
    /// Bulk: why the min-heap search found no size (not searched because
    /// a step failed in the run itself, stopped by an error that is not
    /// out-of-memory, or no size up to its limit was enough).
    pub min_heap_note: Option<String>,
    /// Bulk: each step, in order (empty for the other workloads).
    pub steps: Vec<StepReport>,
    /// Run transactions committed, conflicts lost, batches retried.
    pub concurrency: Concurrency,
}

impl Measured {
    /// The report of `engine` on `allocator`.
    pub fn into_report(
        mut self,
        engine: Engine,
        allocator: AllocatorKind,
        dhat: Option<DhatFigures>,
    ) -> EngineReport {
        let steps = std::mem::take(&mut self.driven.steps);
        let d = &self.driven;
        let run_allocations = d.heap_run_end.calls() - d.heap_run_start.calls();
        let since = |v: Option<u64>, start: Option<u64>| Some(v? - start.unwrap_or(0));
        let (start, close) = (&self.heap_start, &self.heap_after_close);
        EngineReport {
            engine,
            allocator,
            setup_statements: d.setup_statements,
            run_statements: d.run_statements,
            times: StageTimes {
                open: self.open,
                setup: self.setup_prefix + d.setup,
                run: d.run,
                checkpoint: d.checkpoint,
            },
            heap: HeapFigures {
                peak_bytes: close.peak_bytes.max(self.heap_end.peak_bytes),
                end_bytes: self.heap_end.live_bytes,
                after_close_bytes: close.live_bytes,
                allocations: close.allocations - start.allocations,
                reallocations: since(close.reallocations, start.reallocations),
                total_bytes: since(close.total_bytes, start.total_bytes),
                failed_allocations: since(close.failures, start.failures),
                max_live_allocations: close.max_live_allocations,
                run_allocations,
                allocations_per_statement: run_allocations as f64 / d.run_statements.max(1) as f64,
            },
            dhat,
            rss: RssFigures {
                at_start: self.rss_at_start,
                after_open: self.rss_after_open,
                after_setup: d.rss_after_setup,
                after_run: d.rss_after_run,
                after_checkpoint: d.rss_after_checkpoint,
                peak: self.rss_peak,
                peak_reset: self.peak_reset,
            },
            files: self.files,
            tally: d.tally,
            min_heap: None,
            min_heap_note: None,
            steps,
            concurrency: d.concurrency,
        }
    }
}

/// A whole invocation's report.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// What ran.
    pub options: Options,
    /// One report per engine, in the order they ran.
    pub engines: Vec<EngineReport>,
}

/// How a metric is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A count or byte size.
    Count,
    /// Milliseconds.
    Millis,
    /// A fraction, with four decimals.
    Fraction,
    /// Text.
    Text,
}

/// One reported figure.
struct Metric {
    /// JSON key and CSV column.
    key: &'static str,
    /// Row label of the human table.
    label: &'static str,
    kind: Kind,
    /// Whether `--engine both` shows boundlite / SQLite for it.
    ratio: bool,
    value: fn(&EngineReport) -> Value,
}

pub(super) fn ms(d: Duration) -> Value {
    json!((d.as_secs_f64() * 1e6).round() / 1e3)
}

pub(super) fn opt<T: Into<Value>>(v: Option<T>) -> Value {
    v.map_or(Value::Null, Into::into)
}

macro_rules! metric {
    ($key:literal, $label:literal, $kind:ident, $ratio:literal, |$r:ident| $value:expr) => {
        Metric {
            key: $key,
            label: $label,
            kind: Kind::$kind,
            ratio: $ratio,
            value: |$r: &EngineReport| Value::from($value),
        }
    };
}

/// Every figure, in report order.
const METRICS: &[Metric] = &[
    metric!("allocator", "allocator", Text, false, |r| r
        .allocator
        .name()),
    metric!(
        "heap_capacity_bytes",
        "fixed heap (bytes)",
        Count,
        false,
        |r| opt(r.allocator.capacity().map(|n| n as u64))
    ),
    metric!("setup_statements", "setup statements", Count, false, |r| r
        .setup_statements),
    metric!("run_statements", "run statements", Count, false, |r| r
        .run_statements),
    metric!("commits", "run commits", Count, false, |r| r
        .concurrency
        .commits),
    metric!("conflicts", "write conflicts", Count, false, |r| r
        .concurrency
        .conflicts),
    metric!("retries", "batches retried", Count, false, |r| r
        .concurrency
        .retries),
    metric!("open_ms", "open (ms)", Millis, false, |r| ms(r.times.open)),
    metric!("setup_ms", "setup (ms)", Millis, false, |r| ms(r
        .times
        .setup)),
    metric!("run_ms", "run (ms)", Millis, true, |r| ms(r.times.run)),
    metric!("checkpoint_ms", "checkpoint (ms)", Millis, false, |r| opt(
        r.times.checkpoint.map(ms)
    )),
    metric!("peak_bytes", "heap peak (bytes)", Count, true, |r| r
        .heap
        .peak_bytes),
    metric!("end_bytes", "heap at end (bytes)", Count, false, |r| r
        .heap
        .end_bytes),
    metric!(
        "after_close_bytes",
        "heap after close (bytes)",
        Count,
        false,
        |r| r.heap.after_close_bytes
    ),
    metric!("allocations", "allocations", Count, false, |r| r
        .heap
        .allocations),
    metric!("reallocations", "reallocations", Count, false, |r| opt(r
        .heap
        .reallocations)),
    metric!("total_bytes", "bytes allocated", Count, false, |r| opt(r
        .heap
        .total_bytes)),
    metric!(
        "failed_allocations",
        "failed allocations",
        Count,
        false,
        |r| opt(r.heap.failed_allocations)
    ),
    metric!(
        "max_live_allocations",
        "max live allocations",
        Count,
        false,
        |r| opt(r.heap.max_live_allocations)
    ),
    metric!("run_allocations", "run allocations", Count, false, |r| r
        .heap
        .run_allocations),
    metric!(
        "allocations_per_statement",
        "allocations / statement",
        Fraction,
        true,
        |r| (r.heap.allocations_per_statement * 1e4).round() / 1e4
    ),
    metric!(
        "dhat_total_blocks",
        "dhat total blocks",
        Count,
        false,
        |r| opt(r.dhat.as_ref().map(|d| d.total_blocks))
    ),
    metric!("dhat_total_bytes", "dhat total bytes", Count, false, |r| {
        opt(r.dhat.as_ref().map(|d| d.total_bytes))
    }),
    metric!("dhat_max_bytes", "dhat max bytes", Count, false, |r| opt(r
        .dhat
        .as_ref()
        .map(|d| d.max_bytes))),
    metric!("dhat_curr_bytes", "dhat curr bytes", Count, false, |r| opt(
        r.dhat.as_ref().map(|d| d.curr_bytes)
    )),
    metric!(
        "rss_at_start_kib",
        "RSS at start (KiB)",
        Count,
        false,
        |r| opt(r.rss.at_start)
    ),
    metric!(
        "rss_after_open_kib",
        "RSS after open (KiB)",
        Count,
        false,
        |r| opt(r.rss.after_open)
    ),
    metric!(
        "rss_after_setup_kib",
        "RSS after setup (KiB)",
        Count,
        false,
        |r| opt(r.rss.after_setup)
    ),
    metric!(
        "rss_after_run_kib",
        "RSS after run (KiB)",
        Count,
        false,
        |r| opt(r.rss.after_run)
    ),
    metric!(
        "rss_after_checkpoint_kib",
        "RSS after checkpoint (KiB)",
        Count,
        false,
        |r| opt(r.rss.after_checkpoint)
    ),
    metric!("rss_peak_kib", "RSS peak (KiB)", Count, false, |r| opt(r
        .rss
        .peak)),
    metric!(
        "rss_peak_reset",
        "RSS peak reset at start",
        Text,
        false,
        |r| r.rss.peak_reset
    ),
    metric!("db_bytes", "db file (bytes)", Count, false, |r| opt(r
        .files
        .db)),
    metric!("wal_bytes", "-wal file (bytes)", Count, false, |r| opt(r
        .files
        .wal)),
    metric!("shm_bytes", "-shm file (bytes)", Count, false, |r| opt(r
        .files
        .shm)),
    metric!("log_bytes", "-log file (bytes)", Count, false, |r| opt(r
        .files
        .log)),
    metric!("rows_read", "rows read", Count, false, |r| r.tally.rows),
    metric!("checksum", "rows checksum", Text, false, |r| format!(
        "{:016x}",
        r.tally.checksum
    )),
    metric!("min_heap_bytes", "min heap (bytes)", Count, true, |r| opt(
        r.min_heap.map(|m| m.bytes as u64)
    )),
    metric!(
        "min_heap_attempts",
        "min heap attempts",
        Count,
        false,
        |r| opt(r.min_heap.map(|m| m.attempts))
    ),
];

/// Options echoed at the top of every format (bulk adds its blob size).
fn header(options: &Options) -> Vec<(&'static str, Value)> {
    let spec = &options.spec;
    let mut head = vec![
        ("workload", spec.workload.name().into()),
        (
            "mode",
            match options.mode {
                Mode::Wal => "wal",
                Mode::Mvcc => "mvcc",
            }
            .into(),
        ),
        ("iterations", spec.iterations.into()),
        ("batch_size", spec.batch_size.into()),
        ("seed_rows", spec.seeded_rows().into()),
        ("rng_seed", spec.rng_seed.into()),
        ("connections", (options.connections as u64).into()),
        ("threads", options.threads.into()),
        ("page_size", options.page_size.into()),
        ("cache_size", options.cache_size.into()),
        ("cache_frames", (options.cache_frames() as u64).into()),
        ("checkpoint", options.checkpoint.into()),
    ];
    if spec.workload.is_bulk() {
        head.push(("blob_bytes", spec.blob_bytes.into()));
    }
    head
}

impl Report {
    /// The report of `engine`, if it ran.
    pub fn engine(&self, engine: Engine) -> Option<&EngineReport> {
        self.engines.iter().find(|r| r.engine == engine)
    }

    /// boundlite / SQLite for `key`, when both ran and both have it.
    pub fn ratio(&self, key: &str) -> Option<f64> {
        let metric = METRICS.iter().find(|m| m.key == key)?;
        let b = (metric.value)(self.engine(Engine::Boundlite)?).as_f64()?;
        let s = (metric.value)(self.engine(Engine::Sqlite)?).as_f64()?;
        (s != 0.0).then(|| b / s)
    }

    /// One JSON object: the options, `engines.<name>.<metric>`, and
    /// `ratios.<metric>` when both engines ran.
    pub fn to_json(&self) -> Value {
        let mut root = Map::new();
        for (key, value) in header(&self.options) {
            root.insert(key.into(), value);
        }
        let mut engines = Map::new();
        for report in &self.engines {
            let mut fields = Map::new();
            for metric in METRICS {
                fields.insert(metric.key.into(), (metric.value)(report));
            }
            engines.insert(report.engine.name().into(), Value::Object(fields));
        }
        root.insert("engines".into(), Value::Object(engines));
        if self.options.spec.workload.is_bulk() {
            self.steps_json(&mut root);
        }
        let both = self.engines.len() == 2;
        let ratios: Map<String, Value> = METRICS
            .iter()
            .filter(|m| m.ratio && both)
            .map(|m| {
                let ratio = self.ratio(m.key).map(|r| (r * 1e3).round() / 1e3);
                (m.key.to_string(), opt(ratio))
            })
            .collect();
        root.insert(
            "ratios".into(),
            if both {
                Value::Object(ratios)
            } else {
                Value::Null
            },
        );
        Value::Object(root)
    }

    /// A header line and one line per engine.
    pub fn to_csv(&self) -> String {
        let head = header(&self.options);
        let mut out = String::from("engine");
        for (key, _) in &head {
            let _ = write!(out, ",{key}");
        }
        for metric in METRICS {
            let _ = write!(out, ",{}", metric.key);
        }
        for key in self.steps_csv_keys() {
            let _ = write!(out, ",{key}");
        }
        out.push('\n');
        for report in &self.engines {
            out.push_str(report.engine.name());
            let values = head
                .iter()
                .map(|(_, v)| v.clone())
                .chain(METRICS.iter().map(|m| (m.value)(report)))
                .chain(self.steps_csv_values(report));
            for value in values {
                let _ = match value {
                    Value::Null => write!(out, ","),
                    Value::String(s) => write!(out, ",{s}"),
                    other => write!(out, ",{other}"),
                };
            }
            out.push('\n');
        }
        out
    }

    /// A table: one row per metric, one column per engine, and the
    /// boundlite / SQLite ratio where it means something.
    pub fn to_human(&self) -> String {
        let options = &self.options;
        let spec = &options.spec;
        let mut out = String::new();
        if spec.workload.is_bulk() {
            self.steps_header(&mut out);
        } else {
            let _ = writeln!(
                out,
                "memory-benchmark: {} ({}), {} batches x {} statements, {} seeded rows, \
             {} connection(s){}, page {} B, cache {} ({} frames){}, rng seed {:#x}",
                spec.workload.name(),
                match options.mode {
                    Mode::Wal => "wal",
                    Mode::Mvcc => "mvcc",
                },
                spec.iterations,
                spec.batch_size,
                spec.seeded_rows(),
                options.connections,
                if options.threads { " on threads" } else { "" },
                options.page_size,
                options.cache_size,
                options.cache_frames(),
                if options.checkpoint {
                    ", checkpoint"
                } else {
                    ""
                },
                spec.rng_seed,
            );
        }
        let both = self.engines.len() == 2;
        let _ = write!(out, "{:<28}", "");
        for report in &self.engines {
            let _ = write!(out, "{:>18}", report.engine.name());
        }
        if both {
            let _ = write!(out, "{:>10}", "ratio");
        }
        out.push('\n');
        for metric in METRICS {
            let values: Vec<Value> = self.engines.iter().map(|r| (metric.value)(r)).collect();
            if values.iter().all(Value::is_null) {
                continue;
            }
            let _ = write!(out, "{:<28}", metric.label);
            for value in &values {
                let _ = write!(out, "{:>18}", human(value, metric.kind));
            }
            if both && metric.ratio {
                if let Some(r) = self.ratio(metric.key) {
                    let _ = write!(out, "{:>9.2}x", r);
                }
            }
            out.push('\n');
        }
        if spec.workload.is_bulk() {
            self.steps_human(&mut out);
        }
        for report in &self.engines {
            if let Some(file) = report.dhat.as_ref().and_then(|d| d.file.as_ref()) {
                let _ = writeln!(
                    out,
                    "dhat profile of the {} run: {}",
                    report.engine.name(),
                    file.display()
                );
            }
        }
        out
    }
}

/// `value` for the human table.
fn human(value: &Value, kind: Kind) -> String {
    match (value, kind) {
        (Value::Null, _) => "-".into(),
        (Value::Number(n), Kind::Count) => n.as_u64().map_or_else(|| n.to_string(), group),
        (Value::Number(n), Kind::Millis) => format!("{:.1}", n.as_f64().unwrap_or(0.0)),
        (Value::Number(n), Kind::Fraction) => format!("{:.4}", n.as_f64().unwrap_or(0.0)),
        (Value::String(s), _) => s.clone(),
        (other, _) => other.to_string(),
    }
}

/// `n` with thousands separators.
pub(super) fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}
