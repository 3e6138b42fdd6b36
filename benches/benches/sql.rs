//! SQL-level benches, through [`Connection`] and prepared [`Statement`]s,
//! on the memory-benchmark schema
//! `bench(id INTEGER PRIMARY KEY, data TEXT NOT NULL, value REAL)`:
//!
//! - `sql_insert_100_per_txn`: `INSERT INTO bench VALUES (?, ?, ?)` with
//!   `(id, 'data_<id>', id * 1.1)`, one prepared statement run 100 times
//!   between `BEGIN` and `COMMIT` (one iteration = one batch of 100);
//! - `sql_point_select_10k`: `SELECT * FROM bench WHERE id = ?` over 10k
//!   rows, ids scrambled;
//! - `sql_range_scan_100_of_10k`: `SELECT * FROM bench WHERE id BETWEEN ?
//!   AND ?`, 100 rows per execution;
//! - `sql_like_scan_10k`: `SELECT * FROM bench WHERE data LIKE
//!   '%seed_1%'` over 10k rows whose `data` is `'seed_<i>'` (1,112 match).
//!
//! boundlite runs on a [`MemoryPlatform`] (a RAM disk) with
//! [`Config::DEFAULT`]; its SQLite twin in the same group runs the same
//! statements through `rusqlite` prepared statements on an in-memory
//! database (`Connection::open_in_memory`, so no journal I/O on either
//! side). Every execution reads each column of each row it steps, on both
//! sides.
//!
//! After each group the bench prints the allocations boundlite makes per
//! statement execution once warm (a separate database opened on a
//! `Counting<Global>` allocator, `RUNS` executions after a warm-up),
//! per execution and per row stepped.

// A benchmark that fails should stop loudly.
#![allow(clippy::expect_used)]
// criterion_group! generates undocumented public functions.
#![allow(missing_docs)]

use std::hint::black_box;

use boundlite::alloc::{Allocator, Counting, CountingStats, Global};
use boundlite::platform::MemoryPlatform;
use boundlite::record::ValueRef;
use boundlite::{Config, Connection, Database, Statement};
use boundlite_benches::{allocations_between, report_allocations};
use criterion::{Criterion, criterion_group, criterion_main};

const SCHEMA: &str = "CREATE TABLE bench(id INTEGER PRIMARY KEY, data TEXT NOT NULL, value REAL)";
const INSERT: &str = "INSERT INTO bench VALUES (?, ?, ?)";
const POINT: &str = "SELECT * FROM bench WHERE id = ?";
const RANGE: &str = "SELECT * FROM bench WHERE id BETWEEN ? AND ?";
const LIKE: &str = "SELECT * FROM bench WHERE data LIKE '%seed_1%'";

/// Rows in the table the queries read.
const ROWS: i64 = 10_000;
/// Inserts per transaction.
const BATCH: i64 = 100;
/// Rows one range scan returns.
const RANGE_ROWS: i64 = 100;
/// Executions counted for the allocation report.
const RUNS: u64 = 1_000;
/// Rows the `LIKE` pattern matches among `seed_1..=seed_10000`: `seed_1`,
/// `seed_1x`, `seed_1xx`, `seed_1xxx` and `seed_10000`.
const LIKE_MATCHES: u64 = 1_112;

/// A pseudo-random permutation of 1..=n (multiplicative, so no table).
fn scrambled(i: i64, n: i64) -> i64 {
    (i * 7_919) % n + 1
}

type Db<A> = Database<&'static MemoryPlatform, A>;

/// A boundlite database on a leaked RAM disk (so statements can borrow
/// it for the whole bench), with the bench table.
fn boundlite_db<A: Allocator + Clone>(alloc: A) -> Db<A> {
    let disk: &'static MemoryPlatform = Box::leak(Box::new(MemoryPlatform::new()));
    let db = Database::open(disk, "bench.db", &Config::DEFAULT, alloc).expect("open");
    db.connect().execute(SCHEMA, &[]).expect("schema");
    db
}

/// Runs one batch of `BATCH` prepared inserts from `first` in a
/// transaction.
fn boundlite_batch<A: Allocator + Clone>(
    conn: &Connection<'_, &'static MemoryPlatform, A>,
    insert: &mut Statement<'_, '_, &'static MemoryPlatform, A>,
    first: i64,
) {
    conn.execute("BEGIN", &[]).expect("begin");
    for id in first..first + BATCH {
        boundlite_insert(insert, id, "data");
    }
    conn.execute("COMMIT", &[]).expect("commit");
}

/// One execution of the prepared insert of row `id`, whose `data` is
/// `<prefix>_<id>`.
fn boundlite_insert<A: Allocator + Clone>(
    insert: &mut Statement<'_, '_, &'static MemoryPlatform, A>,
    id: i64,
    prefix: &str,
) {
    let data = format!("{prefix}_{id}");
    insert.reset();
    insert.bind(1, ValueRef::Integer(id)).expect("bind");
    insert
        .bind(2, ValueRef::Text(data.as_bytes()))
        .expect("bind");
    insert
        .bind(3, ValueRef::Real(id as f64 * 1.1))
        .expect("bind");
    while insert.step().expect("insert").is_some() {}
}

/// Loads `1..=ROWS` with `data = 'seed_<i>'` (the query table).
fn boundlite_seeded<A: Allocator + Clone>(alloc: A) -> Db<A> {
    let db = boundlite_db(alloc);
    {
        let conn = db.connect();
        let mut insert = conn.prepare(INSERT).expect("prepare");
        conn.execute("BEGIN", &[]).expect("begin");
        for id in 1..=ROWS {
            boundlite_insert(&mut insert, id, "seed");
        }
        conn.execute("COMMIT", &[]).expect("commit");
    }
    db
}

/// Runs a prepared query with `params`, reading every column of every
/// row; returns the rows stepped (and a checksum to keep the work).
fn boundlite_query<A: Allocator + Clone>(
    stmt: &mut Statement<'_, '_, &'static MemoryPlatform, A>,
    params: &[i64],
) -> (u64, u64) {
    stmt.reset();
    for (i, &p) in params.iter().enumerate() {
        stmt.bind(i + 1, ValueRef::Integer(p)).expect("bind");
    }
    let (mut rows, mut sum) = (0u64, 0u64);
    while let Some(row) = stmt.step().expect("step") {
        rows += 1;
        sum = sum.wrapping_add(row.get_i64(0).expect("id") as u64);
        sum = sum.wrapping_add(row.get_text(1).expect("data").len() as u64);
        sum = sum.wrapping_add(row.get_f64(2).expect("value") as u64);
    }
    (rows, sum)
}

/// No allocations yet, to sum deltas into.
fn empty() -> CountingStats {
    CountingStats::default()
}

/// Adds the counts of `delta` to `sum` (peak: the larger).
fn add(sum: &mut CountingStats, delta: &CountingStats) {
    sum.allocations += delta.allocations;
    sum.deallocations += delta.deallocations;
    sum.reallocations += delta.reallocations;
    sum.peak_bytes = sum.peak_bytes.max(delta.peak_bytes);
}

fn sqlite_db() -> rusqlite::Connection {
    let conn = rusqlite::Connection::open_in_memory().expect("sqlite");
    conn.execute_batch(SCHEMA).expect("schema");
    conn
}

fn sqlite_batch(conn: &rusqlite::Connection, first: i64) {
    conn.execute_batch("BEGIN").expect("begin");
    {
        let mut insert = conn.prepare_cached(INSERT).expect("prepare");
        for id in first..first + BATCH {
            insert
                .execute(rusqlite::params![id, format!("data_{id}"), id as f64 * 1.1])
                .expect("insert");
        }
    }
    conn.execute_batch("COMMIT").expect("commit");
}

fn sqlite_seeded() -> rusqlite::Connection {
    let conn = sqlite_db();
    conn.execute_batch("BEGIN").expect("begin");
    {
        let mut insert = conn.prepare(INSERT).expect("prepare");
        for id in 1..=ROWS {
            insert
                .execute(rusqlite::params![id, format!("seed_{id}"), id as f64 * 1.1])
                .expect("insert");
        }
    }
    conn.execute_batch("COMMIT").expect("commit");
    conn
}

fn sqlite_query(stmt: &mut rusqlite::Statement<'_>, params: &[i64]) -> (u64, u64) {
    let mut rows = stmt
        .query(rusqlite::params_from_iter(params))
        .expect("query");
    let (mut count, mut sum) = (0u64, 0u64);
    while let Some(row) = rows.next().expect("step") {
        count += 1;
        sum = sum.wrapping_add(row.get::<_, i64>(0).expect("id") as u64);
        let data = row.get_ref(1).expect("data").as_str().expect("text");
        sum = sum.wrapping_add(data.len() as u64);
        sum = sum.wrapping_add(row.get::<_, f64>(2).expect("value") as u64);
    }
    (count, sum)
}

fn inserts(c: &mut Criterion) {
    let mut group = c.benchmark_group("sql_insert_100_per_txn");
    let sqlite = sqlite_db();
    let mut next = 1;
    group.bench_function("sqlite", |b| {
        b.iter(|| {
            sqlite_batch(&sqlite, next);
            next += BATCH;
        })
    });
    let db = boundlite_db(Global);
    let conn = db.connect();
    let mut insert = conn.prepare(INSERT).expect("prepare");
    let mut next = 1;
    group.bench_function("boundlite", |b| {
        b.iter(|| {
            boundlite_batch(&conn, &mut insert, next);
            next += BATCH;
        })
    });
    group.finish();

    // Allocations once warm: the inserts themselves (bind + step), and
    // whole batches with their BEGIN and COMMIT.
    let counting: &'static Counting<Global> = Box::leak(Box::new(Counting::new(Global)));
    let db = boundlite_db(counting);
    let conn = db.connect();
    let mut insert = conn.prepare(INSERT).expect("prepare");
    let mut next = 1;
    for _ in 0..10 {
        boundlite_batch(&conn, &mut insert, next);
        next += BATCH;
    }
    let batches = RUNS as i64 / BATCH;
    let mut steps = empty();
    let whole_before = counting.stats();
    for _ in 0..batches {
        conn.execute("BEGIN", &[]).expect("begin");
        for id in next..next + BATCH {
            let before = counting.stats();
            boundlite_insert(&mut insert, id, "data");
            add(&mut steps, &allocations_between(&before, &counting.stats()));
        }
        conn.execute("COMMIT", &[]).expect("commit");
        next += BATCH;
    }
    let whole = allocations_between(&whole_before, &counting.stats());
    report_allocations(
        "sql_insert/prepared INSERT execution (reset + bind 3 + step)",
        (batches * BATCH) as u64,
        &steps,
    );
    report_allocations(
        "sql_insert/per insert, whole batches with BEGIN + COMMIT",
        (batches * BATCH) as u64,
        &whole,
    );
}

/// One query bench: `params(i)` gives the i-th execution's parameters.
/// Each execution must step `rows_per_run` rows.
fn query(
    c: &mut Criterion,
    group_name: &str,
    sql: &str,
    rows_per_run: u64,
    params: fn(i64) -> Vec<i64>,
) {
    let mut group = c.benchmark_group(group_name);
    let sqlite = sqlite_seeded();
    let mut stmt = sqlite.prepare(sql).expect("prepare");
    let mut i = 0;
    group.bench_function("sqlite", |b| {
        b.iter(|| {
            i += 1;
            black_box(sqlite_query(&mut stmt, &params(i)))
        })
    });
    let db = boundlite_seeded(Global);
    let conn = db.connect();
    let mut stmt = conn.prepare(sql).expect("prepare");
    let mut i = 0;
    group.bench_function("boundlite", |b| {
        b.iter(|| {
            i += 1;
            black_box(boundlite_query(&mut stmt, &params(i)))
        })
    });
    group.finish();

    // Check both engines agree on the rows before trusting the timings.
    let mut sqlite_stmt = sqlite.prepare(sql).expect("prepare");
    for i in 1..=20 {
        assert_eq!(
            boundlite_query(&mut stmt, &params(i)),
            sqlite_query(&mut sqlite_stmt, &params(i)),
            "{group_name}: boundlite and SQLite disagree"
        );
    }

    let counting: &'static Counting<Global> = Box::leak(Box::new(Counting::new(Global)));
    let db = boundlite_seeded(counting);
    let conn = db.connect();
    let mut stmt = conn.prepare(sql).expect("prepare");
    for i in 1..=10 {
        boundlite_query(&mut stmt, &params(i));
    }
    let runs = if sql == LIKE { RUNS / 10 } else { RUNS };
    let before = counting.stats();
    let mut rows = 0;
    for i in 1..=runs as i64 {
        rows += boundlite_query(&mut stmt, &params(i)).0;
    }
    let delta = allocations_between(&before, &counting.stats());
    assert_eq!(rows, runs * rows_per_run, "{group_name}: rows stepped");
    report_allocations(
        &format!("{group_name}/per execution (reset + bind + step all)"),
        runs,
        &delta,
    );
    report_allocations(&format!("{group_name}/per row stepped"), rows, &delta);

    // The same, split: starting an execution (reset, bind, first step)
    // and each step after the first row.
    let (mut start, mut steps, mut later_rows) = (empty(), empty(), 0);
    for i in 1..=runs as i64 {
        let before = counting.stats();
        stmt.reset();
        for (n, &p) in params(i).iter().enumerate() {
            stmt.bind(n + 1, ValueRef::Integer(p)).expect("bind");
        }
        let mut more = stmt.step().expect("step").is_some();
        let started = counting.stats();
        while more {
            more = stmt.step().expect("step").is_some();
            later_rows += u64::from(more);
        }
        add(&mut start, &allocations_between(&before, &started));
        add(
            &mut steps,
            &allocations_between(&started, &counting.stats()),
        );
    }
    report_allocations(
        &format!("{group_name}/start (reset + bind + first step)"),
        runs,
        &start,
    );
    report_allocations(
        &format!("{group_name}/per step after the first row"),
        later_rows,
        &steps,
    );
}

fn point_select(c: &mut Criterion) {
    query(c, "sql_point_select_10k", POINT, 1, |i| {
        vec![scrambled(i, ROWS)]
    });
}

fn range_scan(c: &mut Criterion) {
    query(
        c,
        "sql_range_scan_100_of_10k",
        RANGE,
        RANGE_ROWS as u64,
        |i| {
            let lo = scrambled(i, ROWS - RANGE_ROWS);
            vec![lo, lo + RANGE_ROWS - 1]
        },
    );
}

fn like_scan(c: &mut Criterion) {
    query(c, "sql_like_scan_10k", LIKE, LIKE_MATCHES, |_| Vec::new());
}

criterion_group!(benches, inserts, point_select, range_scan, like_scan);
criterion_main!(benches);
