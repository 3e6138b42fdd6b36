//! Commits through the write-ahead log on real files (synced): one-row and
//! hundred-row transactions, and checkpoint cost per frame, each beside
//! SQLite in WAL mode with `synchronous=FULL` doing the same through SQL.
//! Prints the allocations one commit makes once warm.

// A benchmark that fails should stop loudly.
#![allow(clippy::expect_used)]
// criterion_group! generates undocumented public functions.
#![allow(missing_docs)]

use std::hint::black_box;

use boundlite::alloc::{Counting, Global, Vec};
use boundlite::record::{ValueRef, encode_into};
use boundlite::wal::CheckpointMode;
use boundlite::{Config, Database, RowId, TreeKind};
use boundlite_benches::{allocations_between, report_allocations};
use boundlite_std::StdPlatform;
use criterion::{Criterion, criterion_group, criterion_main};

fn row(id: i64, out: &mut Vec<u8, impl boundlite::alloc::Allocator>) {
    out.clear();
    let name = format!("data_{id}");
    encode_into(
        &[
            ValueRef::Integer(id),
            ValueRef::Text(name.as_bytes()),
            ValueRef::Real(id as f64 * 1.1),
        ],
        out,
    )
    .expect("memory");
}

fn sqlite(dir: &std::path::Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(dir.join("sqlite.db")).expect("sqlite");
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
         CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, value REAL);",
    )
    .expect("schema");
    conn
}

fn commits(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let platform = StdPlatform::in_dir(dir.path());
    let counting = Counting::new(Global);
    let db = Database::open(&platform, "bench.db", &Config::DEFAULT, &counting).expect("open");
    let txn = db.begin_write().expect("begin");
    let root = txn.create_tree(TreeKind::Table).expect("table");
    txn.commit().expect("commit");
    let conn = sqlite(dir.path());
    let mut insert = conn
        .prepare("INSERT INTO t VALUES (?1, ?2, ?3)")
        .expect("prepare");

    let mut group = c.benchmark_group("wal_commit");
    group.sample_size(20);
    let mut next = 0i64;
    let mut sqlite_next = 0i64;
    let mut record = Vec::new_in(&counting);
    for rows in [1i64, 100] {
        group.bench_function(format!("{rows}_rows"), |b| {
            b.iter(|| {
                let txn = db.begin_write().expect("begin");
                for _ in 0..rows {
                    next += 1;
                    row(next, &mut record);
                    txn.insert_row(root, RowId::new(next), &record)
                        .expect("insert");
                }
                txn.commit().expect("commit");
            })
        });
        group.bench_function(format!("sqlite_{rows}_rows"), |b| {
            b.iter(|| {
                conn.execute_batch("BEGIN").expect("begin");
                for _ in 0..rows {
                    sqlite_next += 1;
                    insert
                        .execute(rusqlite::params![
                            sqlite_next,
                            format!("data_{sqlite_next}"),
                            sqlite_next as f64 * 1.1
                        ])
                        .expect("insert");
                }
                conn.execute_batch("COMMIT").expect("commit");
            })
        });
    }
    group.finish();

    // Allocations per one-row commit once warm.
    let before = counting.stats();
    for _ in 0..100 {
        next += 1;
        row(next, &mut record);
        let txn = db.begin_write().expect("begin");
        txn.insert_row(root, RowId::new(next), &record)
            .expect("insert");
        txn.commit().expect("commit");
    }
    report_allocations(
        "wal_commit/1_row (per commit)",
        100,
        &allocations_between(&before, &counting.stats()),
    );
}

fn checkpoints(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let platform = StdPlatform::in_dir(dir.path());
    let config = Config {
        wal_autocheckpoint: 0,
        ..Config::DEFAULT
    };
    let db = Database::open(&platform, "bench.db", &config, Global).expect("open");
    let txn = db.begin_write().expect("begin");
    let root = txn.create_tree(TreeKind::Table).expect("table");
    txn.commit().expect("commit");
    let conn = sqlite(dir.path());
    conn.execute_batch("PRAGMA wal_autocheckpoint = 0")
        .expect("pragma");
    let mut record = Vec::new();
    let mut next = 0i64;
    let mut group = c.benchmark_group("wal_checkpoint_100_commits");
    group.sample_size(10);
    group.bench_function("truncate", |b| {
        b.iter_custom(|iters| {
            let mut total = std::time::Duration::ZERO;
            for _ in 0..iters {
                for _ in 0..100 {
                    next += 1;
                    row(next, &mut record);
                    let txn = db.begin_write().expect("begin");
                    txn.insert_row(root, RowId::new(next), &record)
                        .expect("insert");
                    txn.commit().expect("commit");
                }
                let start = std::time::Instant::now();
                black_box(db.checkpoint(CheckpointMode::Truncate).expect("checkpoint"));
                total += start.elapsed();
            }
            total
        })
    });
    let mut sqlite_next = 0i64;
    group.bench_function("sqlite_truncate", |b| {
        b.iter_custom(|iters| {
            let mut total = std::time::Duration::ZERO;
            for _ in 0..iters {
                for _ in 0..100 {
                    sqlite_next += 1;
                    conn.execute(
                        "INSERT INTO t VALUES (?1, ?2, ?3)",
                        rusqlite::params![sqlite_next, "x", 1.0],
                    )
                    .expect("insert");
                }
                let start = std::time::Instant::now();
                conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
                    .expect("checkpoint");
                total += start.elapsed();
            }
            total
        })
    });
    group.finish();
}

criterion_group!(benches, commits, checkpoints);
criterion_main!(benches);
