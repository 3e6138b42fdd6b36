//! `CHECK` constraints against SQLite: the same statements fail alike,
//! with SQLite's words; a file boundlite wrote passes SQLite's
//! `integrity_check` (which verifies `CHECK`s) and a file SQLite wrote
//! is held to its constraints here; every allocation failure while a
//! row is checked is `OutOfMemory` and leaves the table as it was.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::{Arena, FaultAlloc, Global, oom_sweep};
use boundlite::platform::MemoryPlatform;
use boundlite::{Config, Database, Error};
use boundlite_std::StdPlatform;
use boundlite_tests::compare::{assert_sqlite_integrity_ok, ours, theirs};
use boundlite_tests::sweep::sweep_change;

const SCHEMA: &str = "CREATE TABLE t(id INTEGER PRIMARY KEY CHECK (id < 100), x INTEGER CHECK(typeof(x)='integer'), y CONSTRAINT ypos CHECK (y >  0), CHECK( x<50 ));
     CREATE TABLE u(a CHECK(a > 0), b CHECK (  b\t!=  'x'\n), CHECK (a+b<>7))";

const SCRIPT: [&str; 14] = [
    "INSERT INTO t(x, y) VALUES ('5', 1)",
    "INSERT INTO t(x, y) VALUES (6, -1)",
    "INSERT INTO t(x, y) VALUES (60, 1)",
    "INSERT INTO t(x, y) VALUES (NULL, NULL)",
    "INSERT INTO t(id, x, y) VALUES (100, 1, 1)",
    "INSERT OR IGNORE INTO t(x, y) VALUES (8, -1), (9, 3), (70, 1), (10, NULL)",
    "INSERT OR REPLACE INTO t(x, y) VALUES (8, -1)",
    "UPDATE t SET y = -3",
    "UPDATE t SET y = y + 1 WHERE y IS NOT NULL",
    "INSERT INTO u VALUES (0, 1)",
    "INSERT INTO u VALUES (1, 'x')",
    "INSERT INTO u VALUES (3, 4)",
    "INSERT INTO u VALUES (3, 5), (4, NULL)",
    "UPDATE u SET b = 'x' WHERE a = 4",
];

#[test]
fn check_failures_match_sqlite_word_for_word() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "c.db", &Config::DEFAULT, Global).unwrap();
    let mine = db.connect();
    mine.execute(SCHEMA, &[]).unwrap();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    oracle.execute_batch(SCHEMA).unwrap();
    for sql in SCRIPT {
        match (ours(&mine, sql), theirs(&oracle, sql)) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{sql}"),
            (Err(a), Err(b)) => {
                assert!(matches!(a, Error::Check(_)), "{sql}: {a:?}");
                let (a, b) = (a.to_string(), b.to_string());
                assert!(
                    a.ends_with(&b),
                    "{sql}:\n  boundlite: {a}\n  sqlite:    {b}"
                );
            }
            (a, b) => panic!("{sql}\n  boundlite: {a:?}\n  sqlite:    {b:?}"),
        }
    }
    for table in ["SELECT * FROM t ORDER BY id", "SELECT * FROM u ORDER BY a"] {
        assert_eq!(ours(&mine, table).unwrap(), theirs(&oracle, table).unwrap());
    }
}

#[test]
fn files_hold_their_checks_in_both_engines() {
    let dir = tempfile::tempdir().unwrap();
    let disk = StdPlatform::in_dir(dir.path());
    {
        let db = Database::open(&disk, "ours.db", &Config::DEFAULT, Global).unwrap();
        let conn = db.connect();
        conn.execute(SCHEMA, &[]).unwrap();
        for sql in SCRIPT {
            let _ = conn.execute(sql, &[]);
        }
    }
    let sqlite = rusqlite::Connection::open(dir.path().join("ours.db")).unwrap();
    assert_sqlite_integrity_ok(&sqlite);
    let rows = theirs(&sqlite, "SELECT count(*) FROM t").unwrap();
    assert_eq!(
        rows,
        theirs(&sqlite, "SELECT count(*) FROM t WHERE y > 0 OR y IS NULL").unwrap()
    );

    // A table SQLite made: its constraints hold here.
    sqlite
        .execute_batch(
            "CREATE TABLE s(n CONSTRAINT small CHECK (n < 10)); INSERT INTO s VALUES (1)",
        )
        .unwrap();
    drop(sqlite);
    let db = Database::open(&disk, "ours.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    let failed = conn.execute("INSERT INTO s VALUES (10)", &[]).unwrap_err();
    assert_eq!(
        failed.to_string(),
        "constraint failed: CHECK constraint failed: small"
    );
    assert_eq!(failed.code(), 19);
    assert!(conn.execute("UPDATE s SET n = n + 20", &[]).is_err());
    conn.execute("INSERT INTO s VALUES (9)", &[]).unwrap();
    drop(conn);
    drop(db);
    let sqlite = rusqlite::Connection::open(dir.path().join("ours.db")).unwrap();
    assert_sqlite_integrity_ok(&sqlite);
}

#[test]
fn checked_rows_survive_every_allocation_failure() {
    let disk = MemoryPlatform::new();
    let mut buffer = vec![0u8; 256 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    let db = Database::open(&disk, "oom.db", &Config::DEFAULT, &fault).unwrap();
    let conn = db.connect();
    conn.execute(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT CHECK (length(name) < 5), n CONSTRAINT pos CHECK (n > 0))",
        &[],
    )
    .unwrap();
    conn.execute("INSERT INTO t(name, n) VALUES ('a', 1)", &[])
        .unwrap();
    let contents = || ours(&conn, "SELECT * FROM t ORDER BY id").unwrap();
    for (sql, changed) in [
        (
            "INSERT OR IGNORE INTO t(name, n) VALUES ('b' || 'c', 2), ('toolong', 3), ('d', -1)",
            1,
        ),
        ("UPDATE t SET n = n + 1, name = upper(name)", 2),
    ] {
        let report = sweep_change(&fault, &conn, sql, contents);
        assert_eq!(report.value, changed, "{sql}");
        assert!(report.failure_points > 3, "{sql}");
    }
    let failed = conn.execute("UPDATE t SET n = 0", &[]).unwrap_err();
    assert_eq!(
        failed.to_string(),
        "constraint failed: CHECK constraint failed: pos"
    );
    assert!(db.integrity_check(0).unwrap().is_ok());
    drop(conn);
    drop(db);
    assert_eq!(arena.stats().live_allocations, 0, "the database leaked");
}

#[test]
fn creating_a_checked_table_survives_every_allocation_failure() {
    let disk = MemoryPlatform::new();
    let mut buffer = vec![0u8; 256 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    let db = Database::open(&disk, "create.db", &Config::DEFAULT, &fault).unwrap();
    let conn = db.connect();
    let create = "CREATE TABLE t(id INTEGER PRIMARY KEY AUTOINCREMENT, a TEXT DEFAULT ('x' || 'y') CHECK (length(a) < 9), b CONSTRAINT pos CHECK (b > 0))";
    let tables = || ours(&conn, "SELECT count(*) FROM sqlite_master").unwrap();
    let before = tables();
    let report = oom_sweep(
        &fault,
        true,
        |_| conn.execute(create, &[]),
        |n, e| {
            assert_eq!(e, Error::OutOfMemory, "failure {n}");
            assert_eq!(tables(), before, "failure {n} left a trace");
        },
    )
    .unwrap();
    assert!(report.failure_points > 3);
    conn.execute("INSERT INTO t(b) VALUES (1)", &[]).unwrap();
    assert_eq!(
        ours(&conn, "SELECT id, a, b FROM t").unwrap(),
        [[
            boundlite_tests::compare::V::Int(1),
            boundlite_tests::compare::V::Text("xy".into()),
            boundlite_tests::compare::V::Int(1)
        ]]
    );
    assert!(db.integrity_check(0).unwrap().is_ok());
    drop(conn);
    drop(db);
    assert_eq!(arena.stats().live_allocations, 0, "the database leaked");
}
