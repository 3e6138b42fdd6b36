//! Compound queries in a sort budget far smaller than their rows: the
//! sorts of `UNION`, `INTERSECT`, `EXCEPT` and of an `ORDER BY` over a
//! compound spill to temporary files and give SQLite's answers; every
//! allocation failure on the way is a clean `OutOfMemory` that leaks
//! nothing and leaves no temporary file behind.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::{Allocator, Arena, FaultAlloc, oom_sweep};
use boundlite::format::PageSize;
use boundlite::platform::{FaultPlatform, IoFault, MemoryPlatform, Platform};
use boundlite::{Config, Connection, Database, Error};
use boundlite_tests::compare::{Exact, Owned};

/// 512-byte pages and a sort budget of two: every sort of a few hundred
/// rows spills, and merges two runs at a time.
fn tiny() -> Config {
    Config {
        page_size: PageSize::new(512).unwrap(),
        cache_frames: 32,
        sort_memory: 1024,
        ..Config::DEFAULT
    }
}

const SCHEMA: &str = "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT COLLATE NOCASE, grp INT);
     CREATE TABLE u(id INTEGER PRIMARY KEY, name TEXT COLLATE NOCASE, grp REAL)";

/// The rows of `t` and `u`: names repeating in cases that differ within
/// and between the tables (both compare them with NOCASE), and
/// groups that `u` holds as reals.
fn rows() -> String {
    let mut sql = String::from("BEGIN;");
    for i in 0..200 {
        let case = if i % 3 == 0 { "N" } else { "n" };
        let other = if i % 5 == 0 { "N" } else { "n" };
        sql += &format!(
            "INSERT INTO t(name, grp) VALUES ('{case}{}', {});",
            i * 7919 % 150,
            i % 37
        );
        sql += &format!(
            "INSERT INTO u(name, grp) VALUES ('{other}{}', {}.0);",
            i * 31 % 170,
            i % 53
        );
    }
    sql + "COMMIT;"
}

fn fill<P: Platform, A: Allocator + Clone>(conn: &Connection<'_, P, A>) {
    conn.execute(SCHEMA, &[]).unwrap();
    conn.execute(&rows(), &[]).unwrap();
}

fn oracle() -> rusqlite::Connection {
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    conn.execute_batch(SCHEMA).unwrap();
    conn.execute_batch(&rows()).unwrap();
    conn
}

const QUERIES: [&str; 6] = [
    "SELECT name, grp FROM t UNION SELECT name, grp FROM u",
    "SELECT name FROM u EXCEPT SELECT name FROM t WHERE grp < 20",
    "SELECT name, grp FROM t INTERSECT SELECT name, grp FROM u",
    "SELECT grp, name FROM u UNION ALL SELECT grp, name FROM t ORDER BY 2 DESC, 1 LIMIT 50 OFFSET 7",
    "SELECT name FROM t UNION ALL SELECT name FROM u UNION SELECT 'x' EXCEPT SELECT name FROM u WHERE grp > 9",
    "SELECT grp FROM t UNION SELECT grp FROM u ORDER BY 1 DESC",
];

#[test]
fn compounds_spill_and_agree_with_sqlite() {
    let disk = MemoryPlatform::new();
    let platform = FaultPlatform::new(&disk);
    let db = Database::open(&platform, "c.db", &tiny(), boundlite::alloc::Global).unwrap();
    let conn = db.connect();
    fill(&conn);
    let oracle = oracle();
    for sql in QUERIES {
        platform.arm(IoFault::Never);
        let mine = Exact::ours(&conn, sql).unwrap();
        let writes = platform.counts().temp_writes;
        assert!(writes > 10, "{sql}: {writes} temporary writes");
        assert!(mine.len() > 5, "{sql}: {} rows", mine.len());
        assert_eq!(mine, Exact::theirs_ok(&oracle, sql), "{sql}");
    }
}

#[test]
fn every_allocation_failure_in_a_spilling_compound_is_clean() {
    let disk = MemoryPlatform::new();
    let mut buffer = vec![0u8; 512 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    let db = Database::open(&disk, "oom.db", &tiny(), &fault).unwrap();
    let conn = db.connect();
    fill(&conn);
    let files = disk.file_count().unwrap();
    // A UNION, an EXCEPT after a filter, and an ORDER BY with LIMIT over a
    // UNION ALL: each of the compound's sorts.
    for sql in [QUERIES[0], QUERIES[1], QUERIES[3]] {
        let want = Exact::ours(&conn, sql).unwrap();
        for persistent in [true, false] {
            let report = oom_sweep(
                &fault,
                persistent,
                |_| Exact::ours(&conn, sql),
                |n, e| {
                    assert_eq!(e, Error::OutOfMemory, "{sql}: failure {n}");
                    assert_eq!(disk.file_count().unwrap(), files, "{sql}: failure {n}");
                },
            )
            .unwrap();
            assert_eq!(report.value, want, "{sql}");
            assert!(
                report.failure_points > 100,
                "{sql}: {} points",
                report.failure_points
            );
        }
        assert_eq!(disk.file_count().unwrap(), files);
    }
    drop(conn);
    drop(db);
    assert_eq!(arena.stats().live_allocations, 0, "the database leaked");
}

/// Up to `limit` rows of `stmt` from where it stands.
fn step_rows<P: Platform, A: Allocator + Clone>(
    stmt: &mut boundlite::Statement<'_, '_, P, A>,
    limit: usize,
) -> Vec<Vec<Exact>> {
    let mut rows = Vec::new();
    while rows.len() < limit {
        let Some(row) = stmt.step().unwrap() else {
            break;
        };
        rows.push(row.values().map(Exact::from_ours).collect());
    }
    rows
}

#[test]
fn a_prepared_compound_runs_again_after_a_reset() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "r.db", &tiny(), boundlite::alloc::Global).unwrap();
    let conn = db.connect();
    fill(&conn);
    let files = disk.file_count().unwrap();
    let oracle = oracle();
    for sql in QUERIES {
        let want = Exact::theirs_ok(&oracle, sql);
        let mut stmt = conn.prepare(sql).unwrap();
        assert_eq!(step_rows(&mut stmt, usize::MAX), want, "{sql}");
        stmt.reset();
        // Cut short in the middle of its sorts or members, then whole.
        assert_eq!(step_rows(&mut stmt, 3), want[..3], "{sql}");
        stmt.reset();
        assert_eq!(disk.file_count().unwrap(), files, "{sql}: files left");
        assert_eq!(step_rows(&mut stmt, usize::MAX), want, "{sql}");
    }
    assert_eq!(disk.file_count().unwrap(), files);
}
