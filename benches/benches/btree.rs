//! B-tree benches: sequential and random rowid inserts (batched commits),
//! point seeks, full scans, index seeks, range scans (seek, then the next
//! 100 rows' records decoded) and a `LIKE` scan (every row's text column
//! decoded lazily with [`RecordRef`] and matched with
//! [`boundlite::sql::eval::like`]), on a RAM disk. Each group also prints
//! the allocations the engine makes per operation once warm (the engine
//! runs on a counting allocator; the RAM disk's own bytes are not
//! counted), one line per bench named by its criterion id
//! (`group/bench`) with one criterion iteration as one item, which
//! `bench-report` reads as allocations per iteration; the inserts also
//! print their figure per row.
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
use boundlite::btree::{PageSource, SeekMode, TableCursor};
use boundlite::format::PageSize;
use boundlite::platform::MemoryPlatform;
use boundlite::record::{KeyColumn, RecordRef, ValueRef, encode_into};
use boundlite::sql::eval::like;
use boundlite::{Config, Database, PageNo, RowId, TreeKind};
use boundlite_benches::{allocations_between, report_allocations};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

const ROWS: i64 = 10_000;
const BATCH: i64 = 1_000;
const KEY: [KeyColumn; 2] = [KeyColumn::ASC_BINARY, KeyColumn::ASC_BINARY];
/// Rows one range scan reads.
const RANGE_ROWS: i64 = 100;
/// The `LIKE` scan's pattern, in the style of the memory benchmark's
/// scan-heavy `'%seed_<n>%'`.
const LIKE_PATTERN: &str = "%data_1%";
/// Rows of `data_1..=data_100000` that [`LIKE_PATTERN`] matches: `data_1`,
/// `data_1x` .. `data_1xxxx` and `data_100000`.
const LIKE_MATCHES: u64 = 11_112;

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
            txn.insert_row(table, RowId::new(id), &row(id))
                .expect("insert");
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
        report_allocations(
            &format!("btree_insert_10k_rows_and_keys/{name} (one load per item)"),
            1,
            &delta,
        );
    }
    group.finish();
}

/// Seeks to `lo` and decodes every column of the `RANGE_ROWS` rows from
/// there; returns a checksum of what it read.
fn range_scan<S: PageSource, A: Allocator>(cursor: &mut TableCursor<'_, S, A>, lo: i64) -> u64 {
    let mut sum = 0u64;
    let mut more = cursor.seek(RowId::new(lo), SeekMode::Ge).expect("seek");
    for _ in 0..RANGE_ROWS {
        if !more {
            break;
        }
        let payload = cursor.payload().expect("payload");
        let record = RecordRef::parse(&payload, None).expect("record");
        for column in record.columns() {
            sum = sum.wrapping_add(match column.expect("column") {
                ValueRef::Integer(v) => v as u64,
                ValueRef::Real(v) => v as u64,
                ValueRef::Text(t) | ValueRef::Blob(t) => t.len() as u64,
                ValueRef::Null => 0,
            });
        }
        drop(payload);
        more = cursor.next().expect("next");
    }
    sum
}

/// Walks every row, decoding only the text column, and counts the rows
/// whose text matches `LIKE_PATTERN`.
fn like_scan<S: PageSource, A: Allocator>(cursor: &mut TableCursor<'_, S, A>) -> u64 {
    let mut matches = 0u64;
    let mut more = cursor.first().expect("first");
    while more {
        let payload = cursor.payload().expect("payload");
        let record = RecordRef::parse(&payload, None).expect("record");
        if let ValueRef::Text(text) = record.column(1).expect("name") {
            matches += u64::from(like(LIKE_PATTERN.as_bytes(), text, None));
        }
        drop(payload);
        more = cursor.next().expect("next");
    }
    matches
}

/// The lowest rowid of the `i`-th range scan over `n` rows.
fn range_start(i: i64, n: i64) -> i64 {
    scrambled(i, n - RANGE_ROWS)
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
            black_box(
                cursor
                    .seek(RowId::new(scrambled(i, n)), SeekMode::Eq)
                    .expect("seek"),
            )
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
    group.bench_function("range_scan", |b| {
        b.iter(|| {
            i += 1;
            black_box(range_scan(&mut cursor, range_start(i, n)))
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
    let mut range = sqlite
        .prepare("SELECT * FROM t WHERE id BETWEEN ?1 AND ?2")
        .expect("prepare");
    let mut sqlite_range = |lo: i64| {
        let mut rows = range.query([lo, lo + RANGE_ROWS - 1]).expect("query");
        let mut sum = 0u64;
        while let Some(row) = rows.next().expect("step") {
            sum = sum.wrapping_add(row.get::<_, i64>(0).expect("id") as u64);
            let name = row.get_ref(1).expect("name").as_str().expect("text");
            sum = sum.wrapping_add(name.len() as u64);
            sum = sum.wrapping_add(row.get::<_, f64>(2).expect("value") as u64);
        }
        sum
    };
    // Both sides read the same rows before their timings are compared.
    for i in 1..=20 {
        let lo = range_start(i, n);
        assert_eq!(
            range_scan(&mut cursor, lo),
            sqlite_range(lo),
            "range scan from {lo}: boundlite and SQLite disagree"
        );
    }
    group.bench_function("sqlite_range_scan", |b| {
        b.iter(|| {
            i += 1;
            black_box(sqlite_range(range_start(i, n)))
        })
    });
    group.finish();

    // A whole-table scan per iteration: fewer samples keep the group short.
    let mut group = c.benchmark_group("btree_like_scan_100k");
    group.sample_size(10);
    let like_sql = format!("SELECT id, name FROM t WHERE name LIKE '{LIKE_PATTERN}'");
    let mut sqlite_like = sqlite.prepare(&like_sql).expect("prepare");
    let mut sqlite_like_scan = || {
        let mut rows = sqlite_like.query([]).expect("query");
        let mut matches = 0u64;
        while let Some(row) = rows.next().expect("step") {
            black_box(row.get_ref(1).expect("name").as_str().expect("text"));
            matches += 1;
        }
        matches
    };
    assert_eq!(like_scan(&mut cursor), LIKE_MATCHES, "boundlite LIKE scan");
    assert_eq!(sqlite_like_scan(), LIKE_MATCHES, "SQLite LIKE scan");
    group.bench_function("like_scan", |b| {
        b.iter(|| black_box(like_scan(&mut cursor)))
    });
    group.bench_function("sqlite_like_scan", |b| {
        b.iter(|| black_box(sqlite_like_scan()))
    });
    group.finish();

    // Allocations once warm, one line per bench: seeks and scan steps
    // should make none.
    let counted = |name: &str, items: u64, op: &mut dyn FnMut()| {
        let before = counting.stats();
        op();
        report_allocations(
            name,
            items,
            &allocations_between(&before, &counting.stats()),
        );
    };
    counted("btree_read_100k/point_seek", 1000, &mut || {
        for i in 1..=1000 {
            cursor
                .seek(RowId::new(scrambled(i, n)), SeekMode::Eq)
                .expect("seek");
        }
    });
    counted("btree_read_100k/index_seek", 1000, &mut || {
        for i in 1..=1000 {
            keys.seek(&[ValueRef::Integer(-scrambled(i, n))], &KEY, SeekMode::Ge)
                .expect("seek");
        }
    });
    counted("btree_read_100k/full_scan (100k rows)", 1, &mut || {
        let mut more = cursor.first().expect("first");
        while more {
            black_box(cursor.payload().expect("payload").len());
            more = cursor.next().expect("next");
        }
    });
    counted("btree_read_100k/range_scan (100 rows)", 1000, &mut || {
        for i in 1..=1000 {
            black_box(range_scan(&mut cursor, range_start(i, n)));
        }
    });
    counted("btree_like_scan_100k/like_scan (100k rows)", 1, &mut || {
        black_box(like_scan(&mut cursor));
    });
}

criterion_group!(benches, inserts, reads);
criterion_main!(benches);
