//! `mvcc-throughput`: commits per second of boundlite's `BEGIN
//! CONCURRENT` transactions in MVCC mode beside its WAL mode, with 1, 2
//! and 4 connections, on disjoint rows (`update-disjoint`) and on one hot
//! row (`update-hot`), through the memory benchmark's drivers.
//!
//! Every configuration runs `--runs` times, the runs of all
//! configurations interleaved (run 1 of each, then run 2 of each...) so
//! that a noisy moment of a shared machine falls on all of them alike;
//! the table shows each one's median commits per second, and MVCC's
//! median over WAL's. WAL mode's connections take the batches in turn
//! (a second writer would wait for the first); MVCC mode's overlap,
//! statements interleaved round-robin, or each on its thread with
//! `--threads`.

use std::path::PathBuf;
use std::process::ExitCode;

use boundlite_benches::memory::{self, Engines, Mode, Options, Workload};
use clap::Parser;

/// Commits per second of BEGIN CONCURRENT (MVCC) beside WAL mode.
#[derive(Debug, Parser)]
#[command(name = "mvcc-throughput", version)]
struct Cli {
    /// Runs of each configuration; the table shows medians.
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Transactions per run.
    #[arg(short, long, default_value_t = 200)]
    iterations: u64,
    /// UPDATEs per transaction.
    #[arg(short, long, default_value_t = 10)]
    batch_size: u64,
    /// Connection counts to measure.
    #[arg(long, value_delimiter = ',', default_value = "1,2,4")]
    connections: Vec<usize>,
    /// Rows seeded before the run.
    #[arg(long, default_value_t = 10_000)]
    seed_rows: u64,
    /// Each connection on a thread of its own.
    #[arg(long)]
    threads: bool,
    /// Directory for the databases (a temporary one by default): a
    /// tmpfs such as /dev/shm takes the syncs out of the figures.
    #[arg(long)]
    db: Option<PathBuf>,
}

/// One configuration's figures over its runs.
#[derive(Debug, Default)]
struct Figures {
    commits_per_second: Vec<f64>,
    conflicts: Vec<u64>,
    retries: Vec<u64>,
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

fn median_count(values: &[u64]) -> f64 {
    median(&mut values.iter().map(|&v| v as f64).collect::<Vec<_>>())
}

fn run(cli: &Cli) -> Result<(), String> {
    let workloads = [Workload::UpdateDisjoint, Workload::UpdateHot];
    let modes = [Mode::Wal, Mode::Mvcc];
    let mut configs = Vec::new();
    for workload in workloads {
        for &connections in &cli.connections {
            for mode in modes {
                configs.push((workload, connections, mode, Figures::default()));
            }
        }
    }
    for _ in 0..cli.runs {
        for (workload, connections, mode, figures) in &mut configs {
            let mut options = Options::new(*workload, cli.iterations, cli.batch_size);
            options.spec.seed_rows = cli.seed_rows;
            options.mode = *mode;
            options.connections = *connections;
            options.threads = cli.threads;
            options.engines = Engines::Boundlite;
            options.dir.clone_from(&cli.db);
            let report = memory::run(&options, None).map_err(|e| {
                format!(
                    "{} x{connections} {mode:?}: {e}",
                    workload.name(),
                    connections = *connections
                )
            })?;
            let engine = report
                .engines
                .first()
                .ok_or_else(|| "no engine ran".to_string())?;
            let c = engine.concurrency;
            let seconds = engine.times.run.as_secs_f64();
            figures.commits_per_second.push(c.commits as f64 / seconds);
            figures.conflicts.push(c.conflicts);
            figures.retries.push(c.retries);
        }
    }
    println!(
        "mvcc-throughput: {} runs of {} transactions x {} UPDATEs, {} seeded rows, in {}{}; medians",
        cli.runs,
        cli.iterations,
        cli.batch_size,
        cli.seed_rows,
        cli.db
            .as_ref()
            .map_or("a temporary directory".into(), |d| d.display().to_string()),
        if cli.threads {
            ", connections on threads"
        } else {
            ", connections interleaved in one thread"
        }
    );
    println!(
        "{:<16}{:>6}{:>14}{:>14}{:>10}{:>11}{:>9}",
        "workload", "conns", "wal commit/s", "mvcc commit/s", "mvcc/wal", "conflicts", "retries"
    );
    for pair in configs.chunks_mut(2) {
        let [wal, mvcc] = pair else { continue };
        let wal_rate = median(&mut wal.3.commits_per_second);
        let mvcc_rate = median(&mut mvcc.3.commits_per_second);
        println!(
            "{:<16}{:>6}{:>14.0}{:>14.0}{:>9.2}x{:>11.0}{:>9.0}",
            mvcc.0.name(),
            mvcc.1,
            wal_rate,
            mvcc_rate,
            mvcc_rate / wal_rate,
            median_count(&mvcc.3.conflicts),
            median_count(&mvcc.3.retries),
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("mvcc-throughput: {message}");
            ExitCode::FAILURE
        }
    }
}
