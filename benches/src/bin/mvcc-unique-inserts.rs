//! `mvcc-unique-inserts`: the time of N single-row `INSERT`s into a
//! table with a `UNIQUE` index inside one `BEGIN CONCURRENT` on a
//! database in MVCC mode (`docs/mvcc.md`, "Indexes"): each insert checks
//! its key against the entries the transaction sees, so the figure shows
//! what keeping those entries costs per write as the transaction grows.
//!
//! boundlite runs on a [`MemoryPlatform`] RAM disk with a store budget
//! (`Config::mvcc_memory`) large enough for the whole transaction; each
//! run opens a fresh database, and the table shows the median of
//! `--runs` runs for each row count.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use boundlite::alloc::Global;
use boundlite::platform::MemoryPlatform;
use boundlite::record::ValueRef;
use boundlite::{Config, Database};
use clap::Parser;

/// Time of N single-row UNIQUE inserts in one BEGIN CONCURRENT.
#[derive(Debug, Parser)]
#[command(name = "mvcc-unique-inserts", version)]
struct Cli {
    /// Row counts to measure.
    #[arg(long, value_delimiter = ',', default_value = "2000,20000")]
    rows: Vec<i64>,
    /// Runs of each row count; the table shows medians.
    #[arg(long, default_value_t = 5)]
    runs: usize,
}

/// One run: a fresh database, `rows` inserts in one transaction.
fn run(rows: i64) -> boundlite::Result<Duration> {
    let disk = MemoryPlatform::new();
    let config = Config {
        mvcc_memory: 256 << 20,
        ..Config::DEFAULT
    };
    let db = Database::open(&disk, "unique.db", &config, Global)?;
    let conn = db.connect();
    conn.execute("PRAGMA journal_mode = mvcc", &[])?;
    conn.execute(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER UNIQUE, v TEXT)",
        &[],
    )?;
    let mut insert = conn.prepare("INSERT INTO t(id, k, v) VALUES (?, ?, 'value')")?;
    let started = Instant::now();
    conn.execute("BEGIN CONCURRENT", &[])?;
    for id in 1..=rows {
        // Keys in scrambled order, so entries land all over the index.
        let key = (id * 7_919) % (rows + 1);
        insert.reset();
        insert.bind(1, ValueRef::Integer(id))?;
        insert.bind(2, ValueRef::Integer(key))?;
        while insert.step()?.is_some() {}
    }
    drop(insert);
    conn.execute("COMMIT", &[])?;
    Ok(started.elapsed())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    println!("| rows | median | runs |");
    println!("|---|---|---|");
    for &rows in &cli.rows {
        let mut times = Vec::new();
        for _ in 0..cli.runs.max(1) {
            match run(rows) {
                Ok(t) => times.push(t),
                Err(e) => {
                    eprintln!("{rows} rows: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
        times.sort();
        let median = times[times.len() / 2];
        let all: Vec<String> = times
            .iter()
            .map(|t| format!("{:.3}", t.as_secs_f64()))
            .collect();
        println!(
            "| {rows} | {:.3} s | {} |",
            median.as_secs_f64(),
            all.join(", ")
        );
    }
    ExitCode::SUCCESS
}
