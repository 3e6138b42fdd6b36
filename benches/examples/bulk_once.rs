//! One bulk statement of `benches/benches/bulk.rs`, once, for counting
//! its instructions under valgrind rather than timing it on a noisy
//! machine. Loads `bench` with 100,000 rows (and the empty `copy`), then
//! runs the statement the argument names and prints its time:
//!
//! - `index`: `CREATE INDEX bench_value ON bench(value)`;
//! - `copy`: `INSERT INTO copy SELECT * FROM bench`;
//! - `indexed`: the same into `copy` with an index on `value`;
//! - `sqlite-<name>`: the same statement on SQLite (in memory).
//!
//! `CACHE=<frames>` sets the page cache (boundlite's frames, SQLite's
//! `cache_size`). Only the statement is counted with
//! `--toggle-collect`:
//!
//! ```sh
//! valgrind --tool=callgrind --toggle-collect='*create_index*' target/release/examples/bulk_once index
//! valgrind --tool=callgrind --toggle-collect='*run_sqlite*' target/release/examples/bulk_once sqlite-index
//! ```

// A measurement that fails should stop loudly.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use boundlite::alloc::Global;
use boundlite::platform::MemoryPlatform;
use boundlite::{Config, Database};

const SCHEMA: &str = "CREATE TABLE bench(id INTEGER PRIMARY KEY, data TEXT NOT NULL, value REAL);
                      CREATE TABLE copy(id INTEGER PRIMARY KEY, data TEXT NOT NULL, value REAL)";
const ROWS: i64 = 100_000;

/// Row `id`'s `value`, as the bulk bench has it.
fn value(id: i64) -> f64 {
    ((id * 7_919) % ROWS) as f64 * 1.5
}

fn statement(op: &str) -> &'static str {
    match op {
        "index" => "CREATE INDEX bench_value ON bench(value)",
        _ => "INSERT INTO copy SELECT * FROM bench",
    }
}

fn main() {
    let op = std::env::args().nth(1).unwrap_or_default();
    let cache: Option<usize> = std::env::var("CACHE").ok().and_then(|c| c.parse().ok());
    if let Some(op) = op.strip_prefix("sqlite-") {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        if let Some(cache) = cache {
            conn.execute_batch(&format!("PRAGMA cache_size = {cache}"))
                .unwrap();
        }
        conn.execute_batch(SCHEMA).unwrap();
        if op == "indexed" {
            conn.execute_batch("CREATE INDEX copy_value ON copy(value)")
                .unwrap();
        }
        conn.execute_batch("BEGIN").unwrap();
        {
            let mut insert = conn.prepare("INSERT INTO bench VALUES (?, ?, ?)").unwrap();
            for id in 1..=ROWS {
                insert
                    .execute(rusqlite::params![id, format!("data_{id}"), value(id)])
                    .unwrap();
            }
        }
        conn.execute_batch("COMMIT").unwrap();
        let t = std::time::Instant::now();
        run_sqlite(&conn, statement(op));
        eprintln!("sqlite {op}: {:?}", t.elapsed());
        return;
    }
    let disk: &'static MemoryPlatform = Box::leak(Box::new(MemoryPlatform::new()));
    let config = Config {
        cache_frames: cache.unwrap_or(2048),
        ..Config::DEFAULT
    };
    let db = Database::open(disk, "bulk.db", &config, Global).unwrap();
    let conn = db.connect();
    conn.execute(SCHEMA, &[]).unwrap();
    if op == "indexed" {
        conn.execute("CREATE INDEX copy_value ON copy(value)", &[])
            .unwrap();
    }
    boundlite_benches::load_rows(&conn, "bench", ROWS, value).unwrap();
    let t = std::time::Instant::now();
    conn.execute(statement(&op), &[]).unwrap();
    eprintln!("{op}: {:?}", t.elapsed());
}

#[inline(never)]
fn run_sqlite(conn: &rusqlite::Connection, sql: &str) {
    conn.execute_batch(sql).unwrap();
}
