//! What the SQL benches beside SQLite share: a database made from a
//! setup script on a RAM disk, and one criterion group per query that
//! checks both engines agree, times each, and prints the allocations a
//! warm boundlite execution makes.

use std::hint::black_box;

use boundlite::alloc::{Allocator, Counting, Global};
use boundlite::platform::MemoryPlatform;
use boundlite::{Config, Database};
use boundlite_benches::{allocations_between, checksum, report_allocations, sqlite_checksum};
use criterion::Criterion;

type Db<A> = Database<&'static MemoryPlatform, A>;

/// A database in `alloc` on a RAM disk of its own, made by `setup`.
fn boundlite_db<A: Allocator + Clone>(alloc: A, setup: &str) -> Db<A> {
    let disk: &'static MemoryPlatform = Box::leak(Box::new(MemoryPlatform::new()));
    let db = Database::open(disk, "bench.db", &Config::DEFAULT, alloc).expect("open");
    db.connect().execute(setup, &[]).expect("setup");
    db
}

/// One group: `sql` over the schema and rows `setup` makes, on both
/// engines, checksums compared, then the allocations of a warm boundlite
/// execution.
pub fn group_over(c: &mut Criterion, name: &str, setup: &str, sql: &str) {
    let db = boundlite_db(Global, setup);
    let conn = db.connect();
    let mut stmt = conn.prepare(sql).expect("prepare");
    let sqlite = rusqlite::Connection::open_in_memory().expect("sqlite");
    sqlite.execute_batch(setup).expect("setup");
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
    let counted = boundlite_db(counting, setup);
    let conn = counted.connect();
    let mut stmt = conn.prepare(sql).expect("prepare");
    checksum(&mut stmt).expect("run");
    let before = counting.stats();
    checksum(&mut stmt).expect("run");
    let stats = allocations_between(&before, &counting.stats());
    report_allocations(&format!("{name}/boundlite warm execution"), 1, &stats);
}
