//! Sorting in a fixed heap: `ORDER BY`, `GROUP BY` with many groups,
//! `DISTINCT` and `ORDER BY ... LIMIT` over 60,000 rows run inside an
//! arena far smaller than the rows, with SQLite's answers; every
//! allocation failure while runs are written and merged is a clean
//! `OutOfMemory`; I/O errors and a full disk on the temporary files are
//! clean errors that change nothing. The same for `UPDATE` and `DELETE`
//! whose lists of rowids to change spill.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::{Allocator, Arena, FaultAlloc, FaultPlan, oom_sweep};
use boundlite::format::PageSize;
use boundlite::platform::{FaultPlatform, FaultTarget, IoFault, MemoryPlatform, Platform};
use boundlite::record::ValueRef;
use boundlite::{Config, Connection, Database, Error};
use boundlite_tests::compare::{Exact, Owned};
use boundlite_tests::scrambled::{STATEMENT_SLACK, scrambled_table};

const ROWS: i64 = 60_000;

fn big_table() -> (Vec<u8>, rusqlite::Connection, tempfile::TempDir) {
    scrambled_table(ROWS)
}

#[test]
fn sorting_60_000_rows_stays_within_the_configured_bound() {
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
        "SELECT name, id FROM t ORDER BY name DESC",
        "SELECT grp, count(*), sum(score) FROM t GROUP BY grp",
        "SELECT DISTINCT score FROM t ORDER BY 1 DESC",
        "SELECT DISTINCT grp % 5000 FROM t",
        "SELECT id, score FROM t ORDER BY score DESC, id LIMIT 5",
        "SELECT id, name FROM t ORDER BY name LIMIT 10 OFFSET 30000",
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
    assert!(db.integrity_check(0).unwrap().is_ok());
}

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

/// Fills `t` with `rows` rows and creates an empty `t2`.
fn fill<P: Platform, A: Allocator + Clone>(conn: &Connection<'_, P, A>, rows: i64) {
    conn.execute(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, grp INT);
         CREATE TABLE t2(id INTEGER PRIMARY KEY, name TEXT, grp INT)",
        &[],
    )
    .unwrap();
    conn.execute("BEGIN", &[]).unwrap();
    for i in 0..rows {
        conn.execute(
            "INSERT INTO t(name, grp) VALUES ('n' || (?1 * 7919 % 1000), ?1 % 37)",
            &[ValueRef::Integer(i)],
        )
        .unwrap();
    }
    conn.execute("COMMIT", &[]).unwrap();
}

const SWEPT: [(&str, usize); 4] = [
    ("SELECT name, id FROM t ORDER BY name DESC, id", 160),
    (
        "SELECT grp, count(*), max(name) FROM t GROUP BY grp ORDER BY 2, 1",
        37,
    ),
    ("SELECT DISTINCT grp FROM t ORDER BY 1 DESC", 37),
    ("SELECT id FROM t ORDER BY name, id LIMIT 40 OFFSET 3", 40),
];

const INSERT_SORTED: &str =
    "INSERT INTO t2(name, grp) SELECT name, grp FROM t ORDER BY name DESC, id";

#[test]
fn every_allocation_failure_while_spilling_and_merging_is_clean() {
    let disk = MemoryPlatform::new();
    let mut buffer = vec![0u8; 512 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    let db = Database::open(&disk, "oom.db", &tiny(), &fault).unwrap();
    let conn = db.connect();
    fill(&conn, 160);
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
            assert!(
                report.failure_points > 100,
                "{sql}: {} points",
                report.failure_points
            );
        }
        // Still usable, and the temporary files are gone.
        assert_eq!(Exact::ours(&conn, sql).unwrap(), want);
        assert_eq!(disk.file_count().unwrap(), 2);
    }
    let before = Exact::ours(&conn, "SELECT * FROM t2").unwrap();
    assert!(before.is_empty());
    let report = oom_sweep(
        &fault,
        true,
        |fault| {
            let copied = conn.execute(INSERT_SORTED, &[]);
            if copied.is_ok() {
                // Rows are stored as the sort hands them over, allocating
                // nothing, and the page cache goes on without a frame it
                // could not grow: a run can succeed past a refused
                // allocation. Its rows are in, and another run would copy
                // them twice, so it is the last.
                fault.arm(FaultPlan::Never);
            }
            copied
        },
        |n, e| {
            assert_eq!(e, Error::OutOfMemory, "insert failure {n}");
            assert_eq!(
                Exact::ours(&conn, "SELECT * FROM t2").unwrap(),
                before,
                "insert failure {n} left rows"
            );
        },
    )
    .unwrap();
    assert_eq!(report.value, 160);
    let copied = Exact::ours(&conn, "SELECT name FROM t2 ORDER BY id").unwrap();
    let sorted = Exact::ours(&conn, "SELECT name FROM t ORDER BY name DESC, id").unwrap();
    assert_eq!(copied, sorted);
    // Changes whose rowid lists spill (eight rowids a run).
    Exact::ours(&conn, "PRAGMA sort_memory = 64").unwrap();
    for (change, count) in [
        (
            "UPDATE t2 SET grp = grp + 1 WHERE grp % 2 = 0",
            "SELECT count(*) FROM t2 WHERE grp % 2 = 0",
        ),
        (
            "DELETE FROM t2 WHERE grp % 3 = 0",
            "SELECT count(*) FROM t2 WHERE grp % 3 = 0",
        ),
    ] {
        let changed = match Exact::ours(&conn, count).unwrap()[0][0] {
            Exact::Int(n) => n as usize,
            _ => panic!("a count"),
        };
        assert!(changed > 40, "{change}: {changed} rows");
        let before = Exact::ours(&conn, "SELECT * FROM t2").unwrap();
        let report = oom_sweep(
            &fault,
            true,
            |_| conn.execute(change, &[]),
            |n, e| {
                assert_eq!(e, Error::OutOfMemory, "{change}: failure {n}");
                let now = Exact::ours(&conn, "SELECT * FROM t2").unwrap();
                assert_eq!(now, before, "{change}: failure {n} left a trace");
            },
        )
        .unwrap();
        assert_eq!(report.value, changed, "{change}");
    }
    assert!(db.integrity_check(0).unwrap().is_ok());
    drop(conn);
    drop(db);
    assert_eq!(arena.stats().live_allocations, 0, "the database leaked");
}

#[test]
fn io_errors_and_a_full_disk_on_temporary_files_change_nothing() {
    let disk = MemoryPlatform::new();
    let platform = FaultPlatform::new(&disk);
    let db = Database::open(&platform, "io.db", &tiny(), boundlite::alloc::Global).unwrap();
    let conn = db.connect();
    fill(&conn, 160);
    let db_bytes = disk.used_bytes().unwrap();
    for (sql, _) in SWEPT {
        let want = Exact::ours(&conn, sql).unwrap();
        platform.arm(IoFault::Never);
        Exact::ours(&conn, sql).unwrap();
        let counts = platform.counts();
        let (writes, reads) = (counts.temp_writes, counts.temp_reads);
        assert!(writes > 10 && reads > 10, "{sql}: {counts:?}");
        let plans = (1..=writes)
            .map(|n| (FaultTarget::TempWrite, n))
            .chain((1..=reads).map(|n| (FaultTarget::TempRead, n)))
            .chain((1..=writes).step_by(7).map(|n| (FaultTarget::DiskFull, n)));
        for (target, n) in plans {
            let fault = match target {
                FaultTarget::DiskFull => IoFault::From { target, n },
                _ => IoFault::Once { target, n },
            };
            platform.arm(fault);
            let err = Exact::ours(&conn, sql).expect_err("the failed operation is reported");
            match target {
                FaultTarget::DiskFull => assert_eq!(err, Error::Full, "{sql}: {fault:?}"),
                _ => assert!(matches!(err, Error::Io(_)), "{sql}: {fault:?}: {err}"),
            }
            platform.arm(IoFault::Never);
            assert_eq!(
                disk.used_bytes().unwrap(),
                db_bytes,
                "{sql}: {fault:?} left a file"
            );
            assert_eq!(
                Exact::ours(&conn, sql).unwrap(),
                want,
                "{sql}: after {fault:?}"
            );
        }
    }
    // A change that sorts: a failed sort leaves the table as it was.
    platform.arm(IoFault::Never);
    conn.execute(INSERT_SORTED, &[]).unwrap();
    let writes = platform.counts().temp_writes;
    conn.execute("DELETE FROM t2", &[]).unwrap();
    for n in (1..=writes).step_by(3) {
        platform.arm(IoFault::Once {
            target: FaultTarget::TempWrite,
            n,
        });
        let err = conn.execute(INSERT_SORTED, &[]).unwrap_err();
        assert!(matches!(err, Error::Io(_)), "insert, temp write {n}: {err}");
        platform.arm(IoFault::Never);
        assert!(
            Exact::ours(&conn, "SELECT * FROM t2").unwrap().is_empty(),
            "temp write {n}"
        );
    }
    platform.arm(IoFault::From {
        target: FaultTarget::DiskFull,
        n: 1,
    });
    assert_eq!(conn.execute(INSERT_SORTED, &[]).unwrap_err(), Error::Full);
    platform.arm(IoFault::Never);
    assert_eq!(conn.execute(INSERT_SORTED, &[]).unwrap(), 160);
    // A change whose rowid list spills: a failed write or read of it
    // leaves every row as it was.
    Exact::ours(&conn, "PRAGMA sort_memory = 64").unwrap();
    let delete = "DELETE FROM t2 WHERE grp % 3 = 0";
    let before = Exact::ours(&conn, "SELECT * FROM t2").unwrap();
    platform.arm(IoFault::Never);
    conn.execute("BEGIN", &[]).unwrap();
    conn.execute(delete, &[]).unwrap();
    let (writes, reads) = (platform.counts().temp_writes, platform.counts().temp_reads);
    conn.execute("ROLLBACK", &[]).unwrap();
    // The runs of a list kept in the order it came lie end to end, and
    // are read back as one.
    assert!(writes > 3 && reads >= 1, "{writes} {reads}");
    for (target, n) in (1..=writes)
        .map(|n| (FaultTarget::TempWrite, n))
        .chain((1..=reads).map(|n| (FaultTarget::TempRead, n)))
    {
        // Inside BEGIN, as counted: the statement's undo log spills too.
        conn.execute("BEGIN", &[]).unwrap();
        platform.arm(IoFault::Once { target, n });
        let err = conn.execute(delete, &[]).unwrap_err();
        assert!(matches!(err, Error::Io(_)), "{target:?} {n}: {err}");
        platform.arm(IoFault::Never);
        conn.execute("ROLLBACK", &[]).unwrap();
        assert_eq!(
            Exact::ours(&conn, "SELECT * FROM t2").unwrap(),
            before,
            "{target:?} {n}"
        );
    }
    let deleted = conn.execute(delete, &[]).unwrap();
    assert_eq!(
        before.len() - deleted,
        Exact::ours(&conn, "SELECT * FROM t2").unwrap().len()
    );
    assert!(deleted > 40);
    assert!(db.integrity_check(0).unwrap().is_ok());
}
