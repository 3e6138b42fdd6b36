//! The B-tree's bulk paths through SQL, each beside its SQLite twin:
//!
//! - `bulk_create_index_100k`: `CREATE INDEX bench_value ON bench(value)`
//!   on a filled 100,000-row table whose `value`s come in scrambled order;
//! - `bulk_insert_select_100k`: `INSERT INTO copy SELECT * FROM bench`
//!   of the 100,000 rows into an empty table of the same shape;
//! - `bulk_insert_select_indexed_100k`: the same into a table with an
//!   index on `value`, so every row also adds an index entry.
//!
//! The table is `bench(id INTEGER PRIMARY KEY, data TEXT NOT NULL, value
//! REAL)` with `data = 'data_<id>'`. Each iteration starts from a freshly
//! loaded database (the load is not timed). boundlite runs on a
//! [`MemoryPlatform`] RAM disk with [`Config::DEFAULT`] and a cache of
//! 2,048 frames (8 MiB, about SQLite's default 2 MiB cache plus what its
//! in-memory database keeps), SQLite on an in-memory database, so neither
//! side does file I/O. The target is boundlite within 1.5x
//! SQLite's time on each group.
//!
//! After the groups the bench checks that both engines hold the same
//! rows and prints the allocations boundlite makes per row of each
//! statement (`Counting<Global>`).

// A benchmark that fails should stop loudly.
#![allow(clippy::expect_used)]
// criterion_group! generates undocumented public functions.
#![allow(missing_docs)]

use boundlite::alloc::{Allocator, Counting, Global};
use boundlite::platform::MemoryPlatform;
use boundlite::{Config, Database};
use boundlite_benches::report_allocations;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

const SCHEMA: &str = "CREATE TABLE bench(id INTEGER PRIMARY KEY, data TEXT NOT NULL, value REAL)";
const COPY: &str = "CREATE TABLE copy(id INTEGER PRIMARY KEY, data TEXT NOT NULL, value REAL)";
const COPY_INDEX: &str = "CREATE INDEX copy_value ON copy(value)";
const INSERT: &str = "INSERT INTO bench VALUES (?, ?, ?)";
const CREATE_INDEX: &str = "CREATE INDEX bench_value ON bench(value)";
const INSERT_SELECT: &str = "INSERT INTO copy SELECT * FROM bench";
/// What both engines must agree on after a statement on `bench`.
const CHECK_BENCH: &[&str] = &[
    "SELECT count(*), sum(id), sum(length(data)), sum(value) FROM bench",
    "SELECT count(*), sum(id), sum(length(data)), sum(value) FROM bench INDEXED BY bench_value WHERE value >= 0",
];
/// What both engines must agree on after a statement filling `copy`.
const CHECK_COPY: &[&str] = &["SELECT count(*), sum(id), sum(length(data)), sum(value) FROM copy"];

/// Rows in the table.
const ROWS: i64 = 100_000;

/// Row `id`'s `value`: a permutation of the ids, so an index on it is
/// filled out of order.
fn value(id: i64) -> f64 {
    ((id * 7_919) % ROWS) as f64 * 1.5
}

type Db<A> = Database<&'static MemoryPlatform, A>;

fn config() -> Config {
    Config {
        cache_frames: 2048,
        ..Config::DEFAULT
    }
}

/// A boundlite database on a leaked RAM disk holding `ROWS` rows, with
/// the extra schema statements `extra` run after the load.
fn boundlite_loaded<A: Allocator + Clone>(alloc: A, extra: &[&str]) -> Db<A> {
    let disk: &'static MemoryPlatform = Box::leak(Box::new(MemoryPlatform::new()));
    let db = Database::open(disk, "bulk.db", &config(), alloc).expect("open");
    {
        let conn = db.connect();
        conn.execute(SCHEMA, &[]).expect("schema");
        boundlite_benches::load_rows(&conn, "bench", ROWS, value).expect("load");
        for sql in extra {
            conn.execute(sql, &[]).expect("extra schema");
        }
    }
    db
}

fn sqlite_loaded(extra: &[&str]) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open_in_memory().expect("sqlite");
    conn.execute_batch(SCHEMA).expect("schema");
    conn.execute_batch("BEGIN").expect("begin");
    {
        let mut insert = conn.prepare(INSERT).expect("prepare");
        for id in 1..=ROWS {
            insert
                .execute(rusqlite::params![id, format!("data_{id}"), value(id)])
                .expect("insert");
        }
    }
    conn.execute_batch("COMMIT").expect("commit");
    for sql in extra {
        conn.execute_batch(sql).expect("extra schema");
    }
    conn
}

/// The figures of `check` on boundlite, as text.
fn boundlite_check<A: Allocator + Clone>(db: &Db<A>, check: &[&str]) -> Vec<String> {
    let conn = db.connect();
    let mut out = Vec::new();
    for sql in check {
        let mut stmt = conn.prepare(sql).expect("prepare");
        let row = stmt.step().expect("step").expect("a row");
        out.push(format!(
            "{} {} {} {}",
            row.get_i64(0).expect("count"),
            row.get_i64(1).unwrap_or(0),
            row.get_i64(2).unwrap_or(0),
            row.get_f64(3).unwrap_or(0.0)
        ));
    }
    out
}

fn sqlite_check(conn: &rusqlite::Connection, check: &[&str]) -> Vec<String> {
    check
        .iter()
        .map(|sql| {
            conn.query_row(sql, [], |row| {
                Ok(format!(
                    "{} {} {} {}",
                    row.get::<_, i64>(0)?,
                    row.get::<_, Option<i64>>(1)?.unwrap_or(0),
                    row.get::<_, Option<i64>>(2)?.unwrap_or(0),
                    row.get::<_, Option<f64>>(3)?.unwrap_or(0.0)
                ))
            })
            .expect("check")
        })
        .collect()
}

/// One group: `sql` run once per iteration on a freshly loaded database
/// prepared with `extra`; afterwards both engines must agree on `check`.
fn group(c: &mut Criterion, name: &str, extra: &[&str], sql: &str, check: &[&str]) {
    let mut group = c.benchmark_group(name);
    group.sample_size(10);
    group.bench_function("sqlite", |b| {
        b.iter_batched(
            || sqlite_loaded(extra),
            |conn| {
                conn.execute_batch(sql).expect("statement");
                conn
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function("boundlite", |b| {
        b.iter_batched(
            || boundlite_loaded(Global, extra),
            |db| {
                db.connect().execute(sql, &[]).expect("statement");
                db
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();

    let sqlite = sqlite_loaded(extra);
    sqlite.execute_batch(sql).expect("statement");
    let counting: &'static Counting<Global> = Box::leak(Box::new(Counting::new(Global)));
    let db = boundlite_loaded(counting, extra);
    let before = counting.stats();
    db.connect().execute(sql, &[]).expect("statement");
    let delta = boundlite_benches::allocations_between(&before, &counting.stats());
    assert_eq!(
        boundlite_check(&db, check),
        sqlite_check(&sqlite, check),
        "{name}: boundlite and SQLite disagree"
    );
    report_allocations(&format!("{name}/per row"), ROWS as u64, &delta);
}

fn create_index(c: &mut Criterion) {
    group(c, "bulk_create_index_100k", &[], CREATE_INDEX, CHECK_BENCH);
}

fn insert_select(c: &mut Criterion) {
    group(
        c,
        "bulk_insert_select_100k",
        &[COPY],
        INSERT_SELECT,
        CHECK_COPY,
    );
}

fn insert_select_indexed(c: &mut Criterion) {
    group(
        c,
        "bulk_insert_select_indexed_100k",
        &[COPY, COPY_INDEX],
        INSERT_SELECT,
        CHECK_COPY,
    );
}

criterion_group!(benches, create_index, insert_select, insert_select_indexed);
criterion_main!(benches);
