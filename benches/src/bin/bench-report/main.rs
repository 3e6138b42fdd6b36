//! `bench-report`: writes `docs/benchmarks.md` from what
//! `scripts/benchmarks.sh` measured: criterion's estimates and captured
//! stdout (for the bench ids and the `allocations ...` lines), a
//! directory of `memory-benchmark --format json` reports, the commands
//! the script ran, and a `dhat-analyze` summary.
//!
//! ```text
//! bench-report --criterion target/criterion --bench-log bench.log \
//!     --memory memory/ --commands commands.txt --dhat dhat.txt \
//!     --out docs/benchmarks.md [--quick] [--script-seconds N]
//! ```
//!
//! One job per module: `criterion` (ids and medians), `allocations` (the
//! allocation lines and which bench each counts), `memory` (reports to
//! per-workload medians), `targets` (the issue's targets), `machine`
//! (CPU, toolchain, date), `markdown` (tables and number formats),
//! `document` (the sections).
//!
//! Exits 0 on success, 1 when an input is missing or unreadable, 2 on
//! bad arguments.

mod allocations;
mod criterion;
mod document;
mod machine;
mod markdown;
mod memory;
mod targets;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;

use crate::document::Inputs;

/// Write the benchmark report (Markdown) from measured figures.
#[derive(Debug, Parser)]
#[command(name = "bench-report", version)]
struct Cli {
    /// Criterion's output directory (`<target dir>/criterion`).
    #[arg(long)]
    criterion: PathBuf,
    /// Captured stdout of `cargo bench`: bench ids and allocation lines.
    #[arg(long)]
    bench_log: PathBuf,
    /// Directory of `memory-benchmark --format json --engine both`
    /// reports, one `*.json` per run.
    #[arg(long)]
    memory: PathBuf,
    /// The commands that produced the figures, one per line.
    #[arg(long)]
    commands: Option<PathBuf>,
    /// `dhat-analyze` output to show as the heap profile's summary.
    #[arg(long)]
    dhat: Option<PathBuf>,
    /// The figures come from the script's quick mode.
    #[arg(long)]
    quick: bool,
    /// Seconds the script ran before calling this.
    #[arg(long)]
    script_seconds: Option<u64>,
    /// Where to write the Markdown.
    #[arg(long)]
    out: PathBuf,
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("reading {}: {e}", path.display()))
}

fn run(cli: &Cli) -> Result<(), String> {
    let log = read(&cli.bench_log)?;
    let estimates = criterion::bench_ids(&log)
        .iter()
        .map(|id| criterion::estimate(&cli.criterion, id))
        .collect::<Result<Vec<_>, _>>()?;
    let allocations =
        allocations::parse(&log).map_err(|e| format!("{}: {e}", cli.bench_log.display()))?;
    let memory = memory::summarise(&memory::load(&cli.memory)?)?;
    let commands = match &cli.commands {
        Some(path) => read(path)?
            .lines()
            .filter(|line| !line.trim().is_empty())
            .map(str::to_string)
            .collect(),
        None => Vec::new(),
    };
    let dhat = cli.dhat.as_deref().map(read).transpose()?;
    let inputs = Inputs {
        machine: machine::detect(),
        quick: cli.quick,
        script_seconds: cli.script_seconds,
        commands,
        estimates,
        allocations,
        memory,
        dhat,
    };
    let text = document::render(&inputs);
    if let Some(dir) = cli.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    }
    std::fs::write(&cli.out, text).map_err(|e| format!("writing {}: {e}", cli.out.display()))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            // `eprintln!` would panic if stderr is gone.
            let _ = writeln!(std::io::stderr(), "bench-report: {message}");
            ExitCode::FAILURE
        }
    }
}
