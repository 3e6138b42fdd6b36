//! A fixed run of index B-tree inserts and seeks, for counting
//! instructions under `valgrind --tool=cachegrind` (timings on a shared
//! machine are too noisy to compare two builds).
//!
//! `index_probe <rows> [seek]`: inserts `rows` rows into
//! `t(id INTEGER PRIMARY KEY, data TEXT, value REAL)` with an index on
//! `value`, the values in scrambled order, in one transaction; with
//! `seek`, then looks each value up once through the index. The seeks'
//! cost is the difference between the two runs.

// A probe that fails should stop loudly.
#![allow(clippy::expect_used)]

use boundlite::platform::MemoryPlatform;
use boundlite::record::ValueRef;
use boundlite::{Config, Database};

fn main() {
    let mut args = std::env::args().skip(1);
    let rows: i64 = args
        .next()
        .map_or(20_000, |n| n.parse().expect("a row count"));
    let seek = args.next().as_deref() == Some("seek");
    // A permutation of 0..rows when `rows` is not a multiple of 7919.
    let value = |id: i64| ((id * 7_919) % rows) as f64 * 1.5;

    let disk = MemoryPlatform::new();
    let config = Config {
        cache_frames: 2048,
        ..Config::DEFAULT
    };
    let db = Database::open(&disk, "probe.db", &config, boundlite::alloc::Global).expect("open");
    let conn = db.connect();
    conn.execute(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, data TEXT NOT NULL, value REAL)",
        &[],
    )
    .expect("schema");
    conn.execute("CREATE INDEX t_value ON t(value)", &[])
        .expect("index");
    boundlite_benches::load_rows(&conn, "t", rows, value).expect("load");

    if seek {
        let mut find = conn
            .prepare("SELECT id FROM t WHERE value = ?")
            .expect("prepare");
        let mut found = 0i64;
        for id in 1..=rows {
            find.reset();
            find.bind(1, ValueRef::Real(value(id))).expect("bind");
            while let Some(row) = find.step().expect("seek") {
                found += row.get_i64(0).expect("id");
            }
        }
        assert_eq!(found, rows * (rows + 1) / 2, "every row found once");
    }
}
