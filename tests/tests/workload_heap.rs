//! `Config::heap_bytes` is enough: each script of
//! `boundlite_tests::workloads` (the memory benchmark's six workloads,
//! seeding [`ROWS`] rows, and a schema-heavy script) runs without an error
//! in a talc arena of exactly `heap_bytes(4096)` bytes, for the default
//! configuration, `Config::for_heap(256 KiB)` and a 16-frame cache that
//! grows on every miss; the tables outgrow each cache, and each ends with
//! the rows SQLite has after the same script. And `Config::for_heap(h)`
//! needs no more than `h` from `Config::MIN_HEAP_BYTES` up.
//!
//! Each run prints the arena's peak beside `heap_bytes` (`--nocapture`).
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::Arena;
use boundlite::platform::MemoryPlatform;
use boundlite::{CacheGrowth, Config, Database};
use boundlite_tests::workloads::{check_recovered, model, run, scripts};

/// Rows the workloads seed: about 90 pages of 4 KiB, which the bulk
/// workload's doubling transaction makes 180 dirty, more than the default
/// cache's 128 frames.
const ROWS: i64 = 12_000;

const DB: &str = "heap.db";

fn configs() -> [(&'static str, Config); 3] {
    [
        ("Config::DEFAULT", Config::DEFAULT),
        ("Config::for_heap(256 KiB)", Config::for_heap(256 * 1024)),
        (
            "16 frames, growing on every miss",
            Config {
                cache_frames: 16,
                cache_growth: CacheGrowth::OnMiss,
                sort_memory: 16 * 1024,
                wal_index_budget: 8 * 1024,
                ..Config::DEFAULT
            },
        ),
    ]
}

#[test]
fn every_workload_runs_in_a_heap_of_heap_bytes() {
    let scripts = scripts(ROWS);
    let models: Vec<_> = scripts.iter().map(model).collect();
    for (name, config) in configs() {
        let heap = config.heap_bytes(4096);
        let mut buffer = vec![0u8; heap];
        let arena = Arena::new(&mut buffer).unwrap();
        for (script, model) in scripts.iter().zip(&models) {
            let context = format!("{} in {name} ({heap} bytes)", script.name);
            arena.reset_peak();
            {
                let disk = MemoryPlatform::new();
                let db = Database::open(&disk, DB, &config, &arena)
                    .unwrap_or_else(|e| panic!("{context}: opening: {e}"));
                let conn = db.connect();
                if let Err(stop) = run(&conn, script) {
                    panic!("{context}: {} failed: {}", stop.sql, stop.error);
                }
                check_recovered(&conn, model, None, &context);
            }
            eprintln!(
                "workload_heap {context}: peak {}",
                arena.stats().peak_in_use
            );
            assert_eq!(arena.stats().live_allocations, 0, "{context}: leaked");
        }
    }
}

#[test]
fn for_heap_fits_its_heap_from_min_heap_bytes_up() {
    let fits = |h: usize| Config::for_heap(h).heap_bytes(4096) <= h;
    assert!(!fits(Config::MIN_HEAP_BYTES - 1024));
    let mut h = Config::MIN_HEAP_BYTES;
    while h <= 64 << 20 {
        assert!(
            fits(h),
            "for_heap({h}) needs {}",
            Config::for_heap(h).heap_bytes(4096)
        );
        h += if h < 4 << 20 { 256 } else { 64 * 1024 };
    }
}

/// One MVCC workload below SQL: `txns` transactions of `writes` writes of
/// rows whose text is `row_len` bytes, inserts for the first quarter and
/// updates of random rows after; with `pin`, a transaction begun at the
/// start reads on to the end, so no checkpoint frees what it sees. The
/// writes and commits that failed, and a digest of the rows the last
/// transaction sees.
fn mvcc_workload<A: boundlite::alloc::Allocator + Clone>(
    db: &Database<&MemoryPlatform, A>,
    alloc: A,
    (row_len, writes, txns, pin): (usize, usize, usize, bool),
) -> (usize, u64) {
    use boundlite::RowId;
    use boundlite::mvcc::store::Change;
    use boundlite::record::{ValueRef, encode_into};
    db.connect()
        .execute(
            "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); PRAGMA journal_mode = mvcc",
            (),
        )
        .unwrap();
    let root = db.schema().unwrap().table("t").unwrap().root.unwrap();
    let pinned = pin.then(|| db.begin_mvcc().unwrap());
    let text = "v".repeat(row_len);
    let mut record = boundlite::alloc::Vec::new_in(alloc.clone());
    encode_into(
        &[ValueRef::Null, ValueRef::Text(text.as_bytes())],
        &mut record,
    )
    .unwrap();
    let (mut rows, mut failed, mut seed) = (0i64, 0, 7u64);
    for t in 0..txns {
        let mut txn = db.begin_mvcc().unwrap();
        for _ in 0..writes {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let written = match t < txns / 4 || rows == 0 {
                true => {
                    rows += 1;
                    txn.write(root, RowId::new(rows), Change::Insert(&record))
                }
                false => {
                    let id = (seed >> 33) as i64 % rows + 1;
                    txn.write(root, RowId::new(id), Change::Update(&record))
                }
            };
            match written {
                Ok(()) => {}
                Err(boundlite::Error::OutOfMemory) => failed += 1,
                Err(e) => panic!("a write failed: {e}"),
            }
        }
        if txn.commit().is_err() {
            failed += 1;
        }
    }
    drop(pinned);
    let txn = db.begin_mvcc().unwrap();
    let mut digest = 0u64;
    let mut scan = txn.rows(root);
    let mut more = scan.first().unwrap();
    while more {
        scan.with_record(|rowid, record| {
            digest = digest
                .wrapping_mul(31)
                .wrapping_add(rowid.get() as u64 + record.len() as u64);
            Ok(())
        })
        .unwrap();
        more = scan.next().unwrap();
    }
    (failed, digest)
}

#[test]
fn every_mvcc_workload_runs_in_a_heap_of_mvcc_heap_bytes() {
    let configs = [
        Config {
            mvcc_memory: 64 * 1024,
            ..Config::for_heap(256 * 1024)
        },
        Config {
            mvcc_memory: 256 * 1024,
            ..Config::for_heap(256 * 1024)
        },
        Config {
            mvcc_memory: 16 * 1024,
            ..Config::DEFAULT
        },
        Config::DEFAULT,
    ];
    // Rows of a few bytes (the per-version charge dominates), small and
    // near a page; transactions far below the budget and past it (whose
    // writes fail at the budget, not at the arena); a reader that pins
    // every version.
    let workloads = [
        (0, 2000, 12, false),
        (0, 20_000, 4, false),
        (1, 1, 3000, false),
        (8, 300, 60, false),
        (60, 20, 400, false),
        (3000, 20, 60, false),
        (60, 20, 200, true),
    ];
    for config in configs {
        let heap = config.mvcc_heap_bytes(4096);
        for workload in workloads {
            let context = format!("{workload:?} with mvcc_memory {}", config.mvcc_memory);
            let unbounded = {
                let disk = MemoryPlatform::new();
                let db = Database::open(&disk, DB, &config, boundlite::alloc::Global).unwrap();
                mvcc_workload(&db, boundlite::alloc::Global, workload)
            };
            let mut buffer = vec![0u8; heap];
            let arena = Arena::new(&mut buffer).unwrap();
            let bounded = {
                let disk = MemoryPlatform::new();
                let db = Database::open(&disk, DB, &config, &arena).unwrap();
                mvcc_workload(&db, &arena, workload)
            };
            eprintln!(
                "workload_heap mvcc {context}: {} failed writes, peak {} of {heap}",
                bounded.0,
                arena.stats().peak_in_use
            );
            assert_eq!(
                bounded, unbounded,
                "{context}: the arena of {heap} bytes fell short"
            );
            assert_eq!(arena.stats().live_allocations, 0, "{context}: leaked");
        }
    }
}
