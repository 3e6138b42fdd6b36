//! Reading a view beside reading the same query written as a subquery in
//! `FROM`, and beside SQLite, over `t(id INTEGER PRIMARY KEY, name TEXT,
//! v REAL)` (10,000 rows) and `v AS SELECT id, name, v FROM t WHERE v >
//! 100.0`:
//!
//! - `view_scan`: `SELECT * FROM v`, one row per step;
//! - `subquery_scan`: `SELECT * FROM (SELECT id, name, v FROM t WHERE v >
//!   100.0)`, the same rows;
//! - `view_count`: `SELECT count(*) FROM v`, one step.
//!
//! The executor holds no syntax tree between steps, so a view's text is
//! parsed on each step (see `core/src/exec/views.rs`): the gap between
//! `view_scan` and `subquery_scan`, and the allocations each prints per
//! warm execution, are that cost.

// A benchmark that fails should stop loudly.
#![allow(clippy::expect_used)]
// criterion_group! generates undocumented public functions.
#![allow(missing_docs)]

use std::hint::black_box;

use boundlite::alloc::{Allocator, Counting, Global};
use boundlite::platform::MemoryPlatform;
use boundlite::{Config, Database};
use boundlite_benches::{allocations_between, checksum, report_allocations, sqlite_checksum};
use criterion::{Criterion, criterion_group, criterion_main};

const ROWS: i64 = 10_000;

fn setup() -> String {
    let mut sql = String::from(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, v REAL);
         CREATE VIEW v AS SELECT id, name, v FROM t WHERE v > 100.0;
         BEGIN;",
    );
    for i in 1..=ROWS {
        sql += &format!("INSERT INTO t VALUES ({i}, 'name_{i}', {i}.5);");
    }
    sql += "COMMIT;";
    sql
}

type Db<A> = Database<&'static MemoryPlatform, A>;

fn boundlite_db<A: Allocator + Clone>(alloc: A) -> Db<A> {
    let disk: &'static MemoryPlatform = Box::leak(Box::new(MemoryPlatform::new()));
    let db = Database::open(disk, "view.db", &Config::DEFAULT, alloc).expect("open");
    db.connect().execute(&setup(), &[]).expect("setup");
    db
}

fn group(c: &mut Criterion, name: &str, sql: &str) {
    let db = boundlite_db(Global);
    let conn = db.connect();
    let mut stmt = conn.prepare(sql).expect("prepare");
    let sqlite = rusqlite::Connection::open_in_memory().expect("sqlite");
    sqlite.execute_batch(&setup()).expect("setup");
    let mut theirs = sqlite.prepare(sql).expect("prepare");
    assert_eq!(
        checksum(&mut stmt).expect("run"),
        sqlite_checksum(&mut theirs).expect("run"),
        "{name}: answers differ"
    );
    let mut group = c.benchmark_group(name);
    group.bench_function("boundlite", |b| {
        b.iter(|| black_box(checksum(&mut stmt).expect("run")))
    });
    group.bench_function("sqlite", |b| {
        b.iter(|| black_box(sqlite_checksum(&mut theirs).expect("run")))
    });
    group.finish();

    let counting: &'static Counting<Global> = Box::leak(Box::new(Counting::new(Global)));
    let counted = boundlite_db(counting);
    let conn = counted.connect();
    let mut stmt = conn.prepare(sql).expect("prepare");
    checksum(&mut stmt).expect("run");
    let before = counting.stats();
    checksum(&mut stmt).expect("run");
    let stats = allocations_between(&before, &counting.stats());
    report_allocations(&format!("{name}/boundlite warm execution"), 1, &stats);
}

fn benches(c: &mut Criterion) {
    group(c, "view_scan", "SELECT * FROM v");
    group(
        c,
        "subquery_scan",
        "SELECT * FROM (SELECT id, name, v FROM t WHERE v > 100.0)",
    );
    group(c, "view_count", "SELECT count(*) FROM v");
}

criterion_group!(view, benches);
criterion_main!(view);
