//! Aggregates in bounded memory: `DISTINCT` aggregates over 60,000 rows
//! whose distinct values dwarf the arena they run in, with SQLite's
//! answers; every allocation failure in an aggregate query (a `DISTINCT`
//! aggregate's sorts spilling and merging, `group_concat`'s growing text,
//! a group's result evaluated around its aggregates, the row its bare
//! columns read) is a clean `OutOfMemory` that leaves nothing behind.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::{Arena, FaultAlloc, oom_sweep};
use boundlite::format::PageSize;
use boundlite::platform::MemoryPlatform;
use boundlite::record::ValueRef;
use boundlite::{Config, Database, Error};
use boundlite_tests::compare::{Exact, Owned};
use boundlite_tests::scrambled::{STATEMENT_SLACK, scrambled_table};

const ROWS: i64 = 60_000;

fn big_table() -> (Vec<u8>, rusqlite::Connection, tempfile::TempDir) {
    scrambled_table(ROWS)
}

#[test]
fn distinct_aggregates_over_60_000_rows_stay_within_the_configured_bound() {
    let (bytes, oracle, _dir) = big_table();
    let config = Config {
        page_size: PageSize::new(4096).unwrap(),
        cache_frames: 32,
        ..Config::DEFAULT
    };
    let bound = config.read_bound(4096) + config.sort_bytes(4096) + STATEMENT_SLACK;
    assert!(bound * 5 < bytes.len(), "the data must dwarf the arena");
    let mut buffer = vec![0u8; Arena::MIN_BUFFER + bound];
    let arena = Arena::new(&mut buffer).unwrap();
    let disk = MemoryPlatform::new();
    disk.write_file("big.db", &bytes).unwrap();
    let db = Database::open(&disk, "big.db", &config, &arena).unwrap();
    let conn = db.connect();
    let queries = [
        "SELECT count(DISTINCT name), count(DISTINCT grp), sum(DISTINCT score), \
         avg(DISTINCT score), max(DISTINCT name), group_concat(DISTINCT grp % 50) FROM t",
        "SELECT grp % 7, count(DISTINCT name), total(DISTINCT score), count(*) FROM t \
         GROUP BY grp % 7 HAVING count(DISTINCT grp) > 2 ORDER BY 1 DESC",
    ];
    for sql in queries {
        arena.reset_peak();
        let mine = Exact::ours_ok(&conn, sql);
        let peak = arena.stats().peak_in_use;
        println!(
            "{sql}: {} rows, peak {peak} bytes (bound {bound})",
            mine.len()
        );
        assert_eq!(mine, Exact::theirs_ok(&oracle, sql), "{sql}");
        assert!(peak <= bound, "{sql}: peak {peak} > {bound}");
    }
    // Every temporary file is gone.
    assert_eq!(disk.file_count().unwrap(), 1);
    assert!(db.integrity_check(0).unwrap().is_ok());
}

/// 512-byte pages and a sort budget of two: every sort of a few dozen
/// rows spills, and merges two runs at a time.
fn tiny() -> Config {
    Config {
        page_size: PageSize::new(512).unwrap(),
        cache_frames: 32,
        sort_memory: 1024,
        ..Config::DEFAULT
    }
}

const SWEPT: [(&str, usize); 4] = [
    (
        "SELECT count(DISTINCT name), group_concat(DISTINCT grp), sum(DISTINCT grp) FROM t",
        1,
    ),
    (
        "SELECT grp, count(DISTINCT name), group_concat(name, '-') FROM t \
         GROUP BY grp ORDER BY 1",
        11,
    ),
    (
        "SELECT coalesce(max(name), 'none') || CAST(-count(*) AS TEXT), name, grp FROM t",
        1,
    ),
    ("SELECT group_concat(name), grp FROM t WHERE grp < 9", 1),
];

#[test]
fn every_allocation_failure_in_an_aggregate_is_clean() {
    let disk = MemoryPlatform::new();
    let mut buffer = vec![0u8; 512 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    let db = Database::open(&disk, "oom.db", &tiny(), &fault).unwrap();
    let conn = db.connect();
    conn.execute(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, grp INT)",
        &[],
    )
    .unwrap();
    conn.execute("BEGIN", &[]).unwrap();
    for i in 0..60i64 {
        conn.execute(
            "INSERT INTO t(name, grp) VALUES ('n' || (?1 * 7919 % 40), ?1 % 11)",
            &[ValueRef::Integer(i)],
        )
        .unwrap();
    }
    conn.execute("COMMIT", &[]).unwrap();
    for (sql, expected) in SWEPT {
        let want = Exact::ours(&conn, sql).unwrap();
        assert_eq!(want.len(), expected, "{sql}");
        for persistent in [true, false] {
            let report = oom_sweep(
                &fault,
                persistent,
                |_| Exact::ours(&conn, sql),
                |n, e| assert_eq!(e, Error::OutOfMemory, "{sql}: failure {n}"),
            )
            .unwrap();
            assert_eq!(report.value, want, "{sql}");
            println!("{sql}: {} failure points", report.failure_points);
            assert!(
                report.failure_points > 20,
                "{sql}: {} points",
                report.failure_points
            );
        }
        // Still usable, and the temporary files are gone.
        assert_eq!(Exact::ours(&conn, sql).unwrap(), want);
        assert_eq!(disk.file_count().unwrap(), 2);
    }
    assert!(db.integrity_check(0).unwrap().is_ok());
    drop(conn);
    drop(db);
    assert_eq!(arena.stats().live_allocations, 0, "the database leaked");
}
