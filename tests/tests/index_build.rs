//! `CREATE INDEX` sorts its keys in the sort budget (spilling sorted runs
//! to temporary files and merging them) and builds the index bottom up.
//! Checked against SQLite: over values of every type and the edges of
//! their order (-0.0 and 0.0, integers and reals about 2^53, case and
//! trailing spaces under NOCASE and RTRIM, keys longer than a page), each
//! index reads back in the order SQLite's own index of the same table
//! has, SQLite finds the file sound, and a `UNIQUE` index over repeated
//! keys is refused. Every allocation failure and every failed read or
//! write of a temporary file is a clean error that leaves no index, no
//! temporary file and a sound database.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::{Arena, FaultAlloc, Global, oom_sweep};
use boundlite::format::PageSize;
use boundlite::platform::{FaultPlatform, FaultTarget, IoFault, MemoryPlatform};
use boundlite::{Config, Database, Error, Named};
use boundlite_tests::compare::{Exact, Owned, assert_sqlite_integrity_ok};

const ROWS: i64 = 3_000;
/// Rows of the table the I/O failure sweep builds over: still dozens of
/// runs in the 1 KiB budget.
const FEW: i64 = 400;
/// Rows of the table the allocation failure sweeps build over: a few
/// runs in the 1 KiB budget, merged.
const SWEPT: i64 = 200;

/// SQL filling `t` with `rows` rows whose `v` takes every type, `big` a
/// text longer than a 512-byte page on every fifth row.
fn fill_sql(rows: i64) -> String {
    format!(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, v, grp INT, big TEXT);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows})
         INSERT INTO t SELECT i,
           CASE i % 9
             WHEN 0 THEN NULL
             WHEN 1 THEN (i * 7919) % 1000 - 500
             WHEN 2 THEN ((i * 31) % 1000) * 0.5 - 250
             WHEN 3 THEN CASE WHEN i % 2 THEN 'Name' ELSE 'nAME' END || ((i * 13) % 300)
             WHEN 4 THEN CAST('b' || ((i * 17) % 400) AS BLOB)
             WHEN 5 THEN 9007199254740992 + (i % 5) - 2
             WHEN 6 THEN 'pad' || (i % 50) || substr('    ', 1, i % 4)
             WHEN 7 THEN CASE WHEN i % 2 THEN 0.0 ELSE -0.0 END
             ELSE 9007199254740992.0 + ((i % 3) - 1) * 2.0
           END,
           i % 37,
           CASE WHEN i % 5 = 0 THEN printf('%.*c', 500 + (i * 7) % 900, 'x') || (i % 97) END
         FROM n;
         INSERT INTO t(v, grp) VALUES (0, 1), (-0.0, 1), (0.0, 2), ('', 3), (x'', 3);"
    )
}

/// The indexes built, each with the query that reads `t` in its order.
const INDEXES: [(&str, &str); 6] = [
    (
        "CREATE INDEX i_v ON t(v)",
        "SELECT v, rowid FROM t INDEXED BY i_v ORDER BY v, rowid",
    ),
    (
        "CREATE INDEX i_vd ON t(v DESC, grp)",
        "SELECT v, grp, rowid FROM t INDEXED BY i_vd ORDER BY v DESC, grp, rowid",
    ),
    (
        "CREATE INDEX i_nc ON t(v COLLATE NOCASE)",
        "SELECT v, rowid FROM t INDEXED BY i_nc ORDER BY v COLLATE NOCASE, rowid",
    ),
    (
        "CREATE INDEX i_rt ON t(v COLLATE RTRIM DESC)",
        "SELECT v, rowid FROM t INDEXED BY i_rt ORDER BY v COLLATE RTRIM DESC, rowid",
    ),
    (
        "CREATE INDEX i_big ON t(big, grp DESC)",
        "SELECT big, grp, rowid FROM t INDEXED BY i_big ORDER BY big, grp DESC, rowid",
    ),
    (
        "CREATE INDEX i_two ON t(grp, v)",
        "SELECT grp, v, rowid FROM t INDEXED BY i_two ORDER BY grp, v, rowid",
    ),
];

/// Whether index `name` exists: dropping it (then rolled back) works.
fn index_exists<P: boundlite::platform::Platform, A: boundlite::alloc::Allocator + Clone>(
    conn: &boundlite::Connection<'_, P, A>,
    name: &str,
) -> bool {
    conn.execute("BEGIN", &[]).unwrap();
    let dropped = conn.execute(&format!("DROP INDEX {name}"), &[]);
    conn.execute("ROLLBACK", &[]).unwrap();
    match dropped {
        Ok(_) => true,
        Err(Error::Named(Named::NoSuchIndex, _)) => false,
        Err(e) => panic!("DROP INDEX {name}: {e:?}"),
    }
}

/// Asserts two row lists are equal, naming the first row that differs
/// rather than printing thousands.
fn assert_rows(mine: &[Vec<Exact>], theirs: &[Vec<Exact>], what: &str) {
    if let Some(at) = (0..mine.len().min(theirs.len())).find(|&i| mine[i] != theirs[i]) {
        panic!(
            "{what}: row {at} differs\n  boundlite: {:?}\n  sqlite:    {:?}",
            &mine[at.saturating_sub(2)..(at + 3).min(mine.len())],
            &theirs[at.saturating_sub(2)..(at + 3).min(theirs.len())]
        );
    }
    assert_eq!(mine.len(), theirs.len(), "{what}: row counts");
}

/// 512-byte pages and a 1 KiB sort budget: every index build spills
/// dozens of runs and merges them in several passes.
fn tiny() -> Config {
    Config {
        page_size: PageSize::new(512).unwrap(),
        cache_frames: 32,
        sort_memory: 1024,
        ..Config::DEFAULT
    }
}

/// A database file of `rows` rows filled by SQLite, and SQLite's
/// connection on a copy of it (the oracle).
fn filled(rows: i64) -> (Vec<u8>, rusqlite::Connection, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("filled.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("PRAGMA page_size = 512;").unwrap();
    conn.execute_batch(&fill_sql(rows)).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    (bytes, conn, dir)
}

/// Opens the files of `name` on `disk` in SQLite.
fn sqlite_on(disk: &MemoryPlatform, name: &str) -> (rusqlite::Connection, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    for suffix in ["", "-wal"] {
        let file = format!("{name}{suffix}");
        if let Ok(bytes) = disk.file_bytes(&file) {
            std::fs::write(dir.path().join(&file), &bytes[..]).unwrap();
        }
    }
    let conn = rusqlite::Connection::open(dir.path().join(name)).unwrap();
    (conn, dir)
}

#[test]
fn indexes_built_through_a_spilling_sort_read_back_in_sqlites_order() {
    let (bytes, oracle, _dir) = filled(ROWS);
    let disk = MemoryPlatform::new();
    disk.write_file("t.db", &bytes).unwrap();
    let db = Database::open(&disk, "t.db", &tiny(), Global).unwrap();
    let conn = db.connect();
    for (create, read) in INDEXES {
        conn.execute(create, &[]).unwrap();
        oracle.execute_batch(create).unwrap();
        let mine = Exact::ours_ok(&conn, read);
        assert_eq!(mine.len() as i64, ROWS + 5, "{read}");
        assert_rows(&mine, &Exact::theirs_ok(&oracle, read), read);
    }
    assert!(db.integrity_check(0).unwrap().is_ok());
    // The sorts left no temporary file behind.
    assert_eq!(disk.file_count().unwrap(), 2);
    drop(conn);
    drop(db);
    let (sqlite, _dir) = sqlite_on(&disk, "t.db");
    assert_sqlite_integrity_ok(&sqlite);
    for (_, read) in INDEXES {
        assert_rows(
            &Exact::theirs_ok(&sqlite, read),
            &Exact::theirs_ok(&oracle, read),
            &format!("SQLite reading boundlite's index: {read}"),
        );
    }
}

#[test]
fn a_large_index_built_in_the_default_budget_matches_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("large.db");
    let oracle = rusqlite::Connection::open(&path).unwrap();
    oracle
        .execute_batch(
            "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, score REAL);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 60000)
             INSERT INTO t SELECT i, 'name_' || ((i * 7919) % 60000), ((i * 37) % 1000) * 1.5 FROM n;",
        )
        .unwrap();
    let disk = MemoryPlatform::new();
    disk.write_file("large.db", &std::fs::read(&path).unwrap())
        .unwrap();
    let db = Database::open(&disk, "large.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    for (create, read) in [
        (
            "CREATE UNIQUE INDEX t_name ON t(name)",
            "SELECT name, rowid FROM t INDEXED BY t_name ORDER BY name",
        ),
        (
            "CREATE INDEX t_score ON t(score DESC)",
            "SELECT score, rowid FROM t INDEXED BY t_score ORDER BY score DESC, rowid",
        ),
    ] {
        conn.execute(create, &[]).unwrap();
        oracle.execute_batch(create).unwrap();
        assert_rows(
            &Exact::ours_ok(&conn, read),
            &Exact::theirs_ok(&oracle, read),
            read,
        );
    }
    assert!(db.integrity_check(0).unwrap().is_ok());
    drop(conn);
    drop(db);
    let (sqlite, _dir) = sqlite_on(&disk, "large.db");
    assert_sqlite_integrity_ok(&sqlite);
}

#[test]
fn a_unique_index_over_repeated_keys_is_refused_and_leaves_nothing() {
    let (bytes, oracle, _dir) = filled(ROWS);
    let disk = MemoryPlatform::new();
    disk.write_file("t.db", &bytes).unwrap();
    let db = Database::open(&disk, "t.db", &tiny(), Global).unwrap();
    let conn = db.connect();
    // `grp` repeats; `v` repeats as 0 = -0.0 = 0.0; `v` under NOCASE
    // repeats as 'Name1' = 'nAME1'.
    for create in [
        "CREATE UNIQUE INDEX u ON t(grp)",
        "CREATE UNIQUE INDEX u ON t(v)",
        "CREATE UNIQUE INDEX u ON t(v COLLATE NOCASE, grp)",
    ] {
        let err = conn.execute(create, &[]).unwrap_err();
        assert!(matches!(err, Error::Unique(_)), "{create}: {err:?}");
        assert!(oracle.execute_batch(create).is_err(), "{create}");
        assert!(!index_exists(&conn, "u"), "{create}");
    }
    // NULLs never repeat a key: every row's `big` NULL or distinct.
    conn.execute("CREATE UNIQUE INDEX u ON t(big, id)", &[])
        .unwrap();
    assert!(db.integrity_check(0).unwrap().is_ok());
    assert_eq!(disk.file_count().unwrap(), 2);
}

#[test]
fn every_allocation_failure_while_building_an_index_is_clean() {
    let (bytes, _oracle, _dir) = filled(SWEPT);
    let disk = MemoryPlatform::new();
    disk.write_file("t.db", &bytes).unwrap();
    let mut buffer = vec![0u8; 1024 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    let db = Database::open(&disk, "t.db", &tiny(), &fault).unwrap();
    let conn = db.connect();
    for (i, persistent) in [true, false].into_iter().enumerate() {
        let (create, read) = INDEXES[i];
        let name = create.split_whitespace().nth(2).unwrap();
        // Each attempt runs inside a transaction it rolls back: a failure
        // the engine absorbs (a cache that could not grow evicts instead)
        // lets a build succeed, and the sweep goes on from the same
        // database.
        let report = oom_sweep(
            &fault,
            persistent,
            |_| {
                conn.execute("BEGIN", &[])?;
                let built = conn.execute(create, &[]);
                if conn.execute("ROLLBACK", &[]).is_err() {
                    conn.execute("ROLLBACK", &[])?;
                }
                built
            },
            |n, e| {
                assert_eq!(e, Error::OutOfMemory, "{create}: failure {n}");
                // A ROLLBACK refused by every allocation past the failure
                // leaves the transaction to end here.
                let _ = conn.execute("ROLLBACK", &[]);
                assert!(!index_exists(&conn, name), "{create}: failure {n}");
                assert_eq!(disk.file_count().unwrap(), 2, "{create}: failure {n}");
            },
        )
        .unwrap();
        println!(
            "{create}: {} failure points (persistent: {persistent})",
            report.failure_points
        );
        assert!(report.failure_points > 20, "{create}");
        conn.execute(create, &[]).unwrap();
        assert_eq!(Exact::ours_ok(&conn, read).len() as i64, SWEPT + 5);
        assert!(db.integrity_check(0).unwrap().is_ok());
    }
    drop(conn);
    drop(db);
    assert_eq!(arena.stats().live_allocations, 0, "the database leaked");
}

#[test]
fn failed_temporary_file_reads_and_writes_leave_no_index() {
    let (bytes, _oracle, _dir) = filled(FEW);
    let disk = MemoryPlatform::new();
    disk.write_file("t.db", &bytes).unwrap();
    let platform = FaultPlatform::new(&disk);
    let db = Database::open(&platform, "t.db", &tiny(), Global).unwrap();
    let conn = db.connect();
    let (create, read) = INDEXES[4];
    platform.arm(IoFault::Never);
    conn.execute(create, &[]).unwrap();
    let counts = platform.counts();
    let want = Exact::ours_ok(&conn, read);
    let (writes, reads) = (counts.temp_writes, counts.temp_reads);
    assert!(writes > 20 && reads > 20, "{counts:?}");
    conn.execute("DROP INDEX i_big", &[]).unwrap();
    // About twenty points of each kind, the first and last included.
    let points = |count: u64| {
        let step = (count / 20).max(1) as usize;
        (1..=count).step_by(step).chain(core::iter::once(count))
    };
    let plans = points(writes)
        .map(|n| (FaultTarget::TempWrite, n))
        .chain(points(reads).map(|n| (FaultTarget::TempRead, n)))
        .chain(points(writes).map(|n| (FaultTarget::DiskFull, n)));
    for (target, n) in plans {
        let fault = match target {
            FaultTarget::DiskFull => IoFault::From { target, n },
            _ => IoFault::Once { target, n },
        };
        platform.arm(fault);
        let result = conn.execute(create, &[]);
        let counts = platform.counts();
        platform.arm(IoFault::Never);
        let err = result.expect_err(&format!(
            "{fault:?} failed nothing ({counts:?}; before: {writes} writes, {reads} reads)"
        ));
        match target {
            FaultTarget::DiskFull => assert_eq!(err, Error::Full, "{fault:?}"),
            _ => assert!(matches!(err, Error::Io(_)), "{fault:?}: {err}"),
        }
        assert!(!index_exists(&conn, "i_big"), "{fault:?}");
        assert_eq!(disk.file_count().unwrap(), 2, "{fault:?} left a file");
    }
    conn.execute(create, &[]).unwrap();
    assert_eq!(Exact::ours_ok(&conn, read), want);
    assert!(db.integrity_check(0).unwrap().is_ok());
}
