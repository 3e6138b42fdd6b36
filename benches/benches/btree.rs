//! B-tree benches: sequential and random rowid inserts (batched commits),
//! point seeks, full scans and index seeks, on a RAM disk. Each group also
//! prints the allocations the engine makes per operation once warm (the
//! engine runs on a counting allocator; the RAM disk's own bytes are not
//! counted).
//!
//! Each group has a SQLite twin doing the same work through SQL on an
//! in-memory database (`rusqlite`, prepared statements): SQLite's figure
//! includes its SQL layer, so the ratio bounds what the B-tree layer here
//! costs against SQLite's whole engine.

// A benchmark that fails should stop loudly.
#![allow(clippy::expect_used)]
// criterion_group! generates undocumented public functions.
#![allow(missing_docs)]

use std::hint::black_box;

use boundlite::alloc::{Allocator, Counting, Global, Vec};
use boundlite::btree::SeekMode;
use boundlite::format::PageSize;
use boundlite::platform::MemoryPlatform;
use boundlite::record::{KeyColumn, ValueRef, encode_into};
use boundlite::{Config, Database, PageNo, TreeKind};
use boundlite_benches::{allocations_between, report_allocations};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

const ROWS: i64 = 10_000;
const BATCH: i64 = 1_000;
const KEY: [KeyColumn; 2] = [KeyColumn::ASC_BINARY, KeyColumn::ASC_BINARY];

fn config() -> Config {
    Config {
        page_size: PageSize::new(4096).expect("page size"),
        cache_frames: 2048,
        ..Config::DEFAULT
    }
}

fn row(id: i64) -> Vec<u8> {
    let name = format!("data_{id}");
    let mut out = Vec::new();
    encode_into(
        &[
            ValueRef::Integer(id),
            ValueRef::Text(name.as_bytes()),
            ValueRef::Real(id as f64 * 1.1),
        ],
        &mut out,
    )
    .expect("memory");
    out
}

fn key(value: i64, rowid: i64) -> Vec<u8> {
    let mut out = Vec::new();
    encode_into(
        &[ValueRef::Integer(value), ValueRef::Integer(rowid)],
        &mut out,
    )
    .expect("memory");
    out
}

/// A pseudo-random permutation of 1..=n (multiplicative, so no table).
fn scrambled(i: i64, n: i64) -> i64 {
    (i * 7_919) % n + 1
}

/// Inserts `ids` into a table (and an index on the negated id) in batches.
fn load<A: Allocator + Clone>(
    db: &Database<&MemoryPlatform, A>,
    ids: impl Iterator<Item = i64>,
) -> (PageNo, PageNo) {
    let txn = db.begin_write().expect("begin");
    let table = txn.create_tree(TreeKind::Table).expect("table");
    let index = txn.create_tree(TreeKind::Index).expect("index");
    txn.commit().expect("commit");
    let ids: std::vec::Vec<i64> = ids.collect();
    for chunk in ids.chunks(BATCH as usize) {
        let txn = db.begin_write().expect("begin");
        for &id in chunk {
            txn.insert_row(table, id, &row(id)).expect("insert");
            txn.insert_key(index, &key(-id, id), &KEY)
                .expect("index insert");
        }
        txn.commit().expect("commit");
    }
    (table, index)
}

fn sqlite_table(ids: impl Iterator<Item = i64>) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open_in_memory().expect("sqlite");
    conn.execute_batch("PRAGMA page_size = 4096; CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, value REAL); CREATE INDEX t_k ON t(-id);")
        .expect("schema");
    let ids: std::vec::Vec<i64> = ids.collect();
    for chunk in ids.chunks(BATCH as usize) {
        conn.execute_batch("BEGIN").expect("begin");
        {
            let mut insert = conn
                .prepare_cached("INSERT INTO t VALUES (?1, ?2, ?3)")
                .expect("prepare");
            for &id in chunk {
                insert
                    .execute(rusqlite::params![id, format!("data_{id}"), id as f64 * 1.1])
                    .expect("insert");
            }
        }
        conn.execute_batch("COMMIT").expect("commit");
    }
    conn
}

fn inserts(c: &mut Criterion) {
    let mut group = c.benchmark_group("btree_insert_10k_rows_and_keys");
    group.sample_size(10);
    for (name, random) in [("sqlite_sequential", false), ("sqlite_random", true)] {
        group.bench_function(name, |b| {
            b.iter(|| {
                black_box(sqlite_table(
                    (1..=ROWS).map(|i| if random { scrambled(i, ROWS) } else { i }),
                ))
            })
        });
    }
    for (name, random) in [("sequential", false), ("random", true)] {
        group.bench_function(name, |b| {
            b.iter_batched(
                MemoryPlatform::new,
                |disk| {
                    let db = Database::open(&disk, "bench.db", &config(), Global).expect("open");
                    let ids = (1..=ROWS).map(|i| if random { scrambled(i, ROWS) } else { i });
                    black_box(load(&db, ids));
                },
                BatchSize::LargeInput,
            )
        });
        let disk = MemoryPlatform::new();
        let counting = Counting::new(Global);
        let db = Database::open(&disk, "count.db", &config(), &counting).expect("open");
        let before = counting.stats();
        load(
            &db,
            (1..=ROWS).map(|i| if random { scrambled(i, ROWS) } else { i }),
        );
        let delta = allocations_between(&before, &counting.stats());
        report_allocations(
            &format!("btree_insert/{name} (row + key per item)"),
            ROWS as u64,
            &delta,
        );
    }
    group.finish();
}

fn reads(c: &mut Criterion) {
    let disk = MemoryPlatform::new();
    let counting = Counting::new(Global);
    let db = Database::open(&disk, "read.db", &config(), &counting).expect("open");
    let (table, index) = load(&db, 1..=ROWS * 10);
    let n = ROWS * 10;

    let mut group = c.benchmark_group("btree_read_100k");
    let mut cursor = db.table_cursor(table);
    let mut i = 0;
    group.bench_function("point_seek", |b| {
        b.iter(|| {
            i += 1;
            black_box(cursor.seek(scrambled(i, n), SeekMode::Eq).expect("seek"))
        })
    });
    group.bench_function("full_scan", |b| {
        b.iter(|| {
            let mut rows = 0u64;
            let mut more = cursor.first().expect("first");
            while more {
                rows += cursor.payload().expect("payload").len() as u64;
                more = cursor.next().expect("next");
            }
            black_box(rows)
        })
    });
    let mut keys = db.index_cursor(index);
    group.bench_function("index_seek", |b| {
        b.iter(|| {
            i += 1;
            let v = -scrambled(i, n);
            black_box(
                keys.seek(&[ValueRef::Integer(v)], &KEY, SeekMode::Ge)
                    .expect("seek"),
            )
        })
    });
    let sqlite = sqlite_table(1..=n);
    let mut seek = sqlite
        .prepare("SELECT * FROM t WHERE id = ?1")
        .expect("prepare");
    group.bench_function("sqlite_point_seek", |b| {
        b.iter(|| {
            i += 1;
            let row: (i64, String, f64) = seek
                .query_row([scrambled(i, n)], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .expect("row");
            black_box(row)
        })
    });
    let mut scan = sqlite.prepare("SELECT * FROM t").expect("prepare");
    group.bench_function("sqlite_full_scan", |b| {
        b.iter(|| {
            let mut rows = scan.query([]).expect("query");
            let mut count = 0u64;
            while let Some(row) = rows.next().expect("step") {
                count += row.get::<_, String>(1).expect("name").len() as u64;
            }
            black_box(count)
        })
    });
    let mut index_seek = sqlite
        .prepare("SELECT id FROM t WHERE -id >= ?1 ORDER BY -id LIMIT 1")
        .expect("prepare");
    group.bench_function("sqlite_index_seek", |b| {
        b.iter(|| {
            i += 1;
            let id: Option<i64> = index_seek.query_row([-scrambled(i, n)], |r| r.get(0)).ok();
            black_box(id)
        })
    });
    group.finish();

    // Allocations once warm: seeks and scan steps should make none.
    let before = counting.stats();
    for i in 1..=1000 {
        cursor.seek(scrambled(i, n), SeekMode::Eq).expect("seek");
        keys.seek(&[ValueRef::Integer(-scrambled(i, n))], &KEY, SeekMode::Ge)
            .expect("seek");
    }
    let mut more = cursor.first().expect("first");
    while more {
        more = cursor.next().expect("next");
    }
    let delta = allocations_between(&before, &counting.stats());
    report_allocations(
        "btree_read/1000 row seeks + 1000 index seeks + 100k scan steps",
        102_000,
        &delta,
    );
}

criterion_group!(benches, inserts, reads);
criterion_main!(benches);
