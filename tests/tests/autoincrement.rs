//! `AUTOINCREMENT` and the rowid of a row stored without one, against
//! SQLite: `sqlite_sequence` made, raised and read as SQLite does, so
//! rowids are never used twice; each engine continues the other's
//! sequence in one file; a taken largest rowid is `SQLITE_FULL` for an
//! `AUTOINCREMENT` table and a random free rowid for any other; every
//! allocation failure of an insert that raises the sequence leaves both
//! tables as they were. The script and the sweep run again on a
//! database in MVCC mode, where `sqlite_sequence` rows are versions in
//! the store (the file left after the mode is SQLite's to check).
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::{Arena, FaultAlloc, Global};
use boundlite::platform::MemoryPlatform;
use boundlite::{Config, Database, Error};
use boundlite_std::StdPlatform;
use boundlite_tests::compare::{V, assert_sqlite_integrity_ok, ours, theirs};
use boundlite_tests::sweep::sweep_change;

const SCRIPT: [&str; 26] = [
    "CREATE TABLE t(id INTEGER PRIMARY KEY AUTOINCREMENT, v UNIQUE)",
    "INSERT INTO t(v) VALUES (1), (2)",
    "SELECT * FROM sqlite_sequence",
    "DELETE FROM t WHERE id = 2",
    "INSERT INTO t(v) VALUES (3)",
    "INSERT OR IGNORE INTO t(v) VALUES (3)",
    "SELECT * FROM sqlite_sequence",
    "INSERT INTO t(id, v) VALUES (10, 4)",
    "UPDATE t SET id = 20 WHERE id = 10",
    "SELECT * FROM sqlite_sequence",
    "INSERT INTO t(v) VALUES (5)",
    "INSERT INTO t(id, v) VALUES (5, 6)",
    "INSERT INTO t(v) VALUES (7), (3)",
    "SELECT * FROM sqlite_sequence",
    "CREATE TABLE u(id INTEGER PRIMARY KEY AUTOINCREMENT, w)",
    "INSERT INTO u(w) SELECT v FROM t",
    "DELETE FROM u",
    "INSERT INTO u(w) VALUES ('again')",
    "SELECT * FROM u",
    "SELECT * FROM sqlite_sequence ORDER BY name",
    "UPDATE sqlite_sequence SET seq = 9223372036854775806 WHERE name = 't'",
    "INSERT INTO t(v) VALUES (8)",
    "INSERT INTO t(v) VALUES (9)",
    "SELECT * FROM t ORDER BY id",
    "DROP TABLE u",
    "SELECT * FROM sqlite_sequence ORDER BY name",
];

#[test]
fn sequences_match_sqlite() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "a.db", &Config::DEFAULT, Global).unwrap();
    sequences(&db, false);
}

#[test]
fn sequences_in_mvcc_mode_match_sqlite_and_leave_a_file_sqlite_reads() {
    let dir = tempfile::tempdir().unwrap();
    let disk = StdPlatform::in_dir(dir.path());
    let oracle = {
        let db = Database::open(&disk, "a.db", &Config::DEFAULT, Global).unwrap();
        let oracle = sequences(&db, true);
        ours(&db.connect(), "PRAGMA journal_mode = wal").unwrap();
        oracle
    };
    let sqlite = rusqlite::Connection::open(dir.path().join("a.db")).unwrap();
    assert_sqlite_integrity_ok(&sqlite);
    for sql in [
        "SELECT * FROM sqlite_sequence ORDER BY name",
        "SELECT * FROM t ORDER BY id",
    ] {
        assert_eq!(theirs(&sqlite, sql).unwrap(), theirs(&oracle, sql).unwrap());
    }
}

/// Runs the script on `db` (in MVCC mode when `mvcc`) and on SQLite,
/// which it returns.
fn sequences<P: boundlite::platform::Platform>(
    db: &Database<P, Global>,
    mvcc: bool,
) -> rusqlite::Connection {
    let mine = db.connect();
    if mvcc {
        ours(&mine, "PRAGMA journal_mode = mvcc").unwrap();
    }
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    for sql in SCRIPT {
        match (ours(&mine, sql), theirs(&oracle, sql)) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{sql}"),
            (Err(a), Err(b)) => {
                let code = b.sqlite_error().map(|e| e.extended_code & 0xff);
                assert_eq!(Some(a.code()), code, "{sql}: {a} / {b}");
            }
            (a, b) => panic!("{sql}\n  boundlite: {a:?}\n  sqlite:    {b:?}"),
        }
    }
    for refused in [
        "CREATE TABLE w(a INT PRIMARY KEY AUTOINCREMENT)",
        "CREATE TABLE w(a INTEGER PRIMARY KEY DESC AUTOINCREMENT)",
        "CREATE TABLE w(a INTEGER, b, PRIMARY KEY (a, b AUTOINCREMENT))",
    ] {
        let theirs = theirs(&oracle, refused).unwrap_err().to_string();
        let ours = ours(&mine, refused).unwrap_err().to_string();
        assert!(ours.ends_with(&theirs), "{refused}: {ours} / {theirs}");
    }
    if mvcc {
        ours(&mine, "PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
    }
    assert!(db.integrity_check(0).unwrap().is_ok());
    oracle
}

#[test]
fn the_largest_rowid_taken_is_full_or_a_random_free_one() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "m.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    conn.execute(
        "CREATE TABLE n(id INTEGER PRIMARY KEY, v);
         CREATE TABLE z(id INTEGER PRIMARY KEY AUTOINCREMENT, v);
         INSERT INTO n VALUES (9223372036854775807, 0);
         INSERT INTO z VALUES (9223372036854775807, 0)",
        &[],
    )
    .unwrap();
    for i in 1..=20 {
        conn.execute(&format!("INSERT INTO n(v) VALUES ({i})"), &[])
            .unwrap();
    }
    let rows = ours(&conn, "SELECT count(*), min(id) > 0 FROM n").unwrap();
    assert_eq!(rows, [[V::Int(21), V::Int(1)]]);
    let full = conn
        .execute("INSERT INTO z(v) VALUES (1)", &[])
        .unwrap_err();
    assert_eq!(full, Error::Full);
    assert_eq!(full.to_string(), "database or disk is full");
    assert_eq!(
        ours(&conn, "SELECT * FROM sqlite_sequence").unwrap(),
        [[V::Text("z".into()), V::Int(i64::MAX)]]
    );
    assert!(db.integrity_check(0).unwrap().is_ok());
}

#[test]
fn each_engine_continues_the_others_sequence() {
    let dir = tempfile::tempdir().unwrap();
    let disk = StdPlatform::in_dir(dir.path());
    {
        let db = Database::open(&disk, "a.db", &Config::DEFAULT, Global).unwrap();
        let conn = db.connect();
        conn.execute(
            "CREATE TABLE t(id INTEGER PRIMARY KEY AUTOINCREMENT, v);
             INSERT INTO t(v) VALUES ('a'), ('b'), ('c');
             DELETE FROM t WHERE id = 3",
            &[],
        )
        .unwrap();
    }
    let sqlite = rusqlite::Connection::open(dir.path().join("a.db")).unwrap();
    assert_sqlite_integrity_ok(&sqlite);
    let sql: String = sqlite
        .query_row(
            "SELECT sql FROM sqlite_master WHERE name = 'sqlite_sequence'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(sql, "CREATE TABLE sqlite_sequence(name,seq)");
    sqlite.execute("INSERT INTO t(v) VALUES ('d')", []).unwrap();
    assert_eq!(sqlite.last_insert_rowid(), 4);
    sqlite
        .execute_batch(
            "DELETE FROM t WHERE id = 4;
             CREATE TABLE s(id INTEGER PRIMARY KEY AUTOINCREMENT, v);
             INSERT INTO s(v) VALUES (1), (2); DELETE FROM s",
        )
        .unwrap();
    drop(sqlite);
    let db = Database::open(&disk, "a.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    conn.execute(
        "INSERT INTO t(v) VALUES ('e'); INSERT INTO s(v) VALUES (3)",
        &[],
    )
    .unwrap();
    assert_eq!(
        ours(&conn, "SELECT id FROM t ORDER BY id").unwrap(),
        [[V::Int(1)], [V::Int(2)], [V::Int(5)]]
    );
    assert_eq!(ours(&conn, "SELECT id FROM s").unwrap(), [[V::Int(3)]]);
    drop(conn);
    drop(db);
    let sqlite = rusqlite::Connection::open(dir.path().join("a.db")).unwrap();
    assert_sqlite_integrity_ok(&sqlite);
    assert_eq!(
        theirs(&sqlite, "SELECT * FROM sqlite_sequence ORDER BY name").unwrap(),
        [
            [V::Text("s".into()), V::Int(3)],
            [V::Text("t".into()), V::Int(5)]
        ]
    );
}

#[test]
fn raising_a_sequence_survives_every_allocation_failure() {
    raising_a_sequence_under_allocation_failures(false);
}

#[test]
fn raising_a_sequence_in_mvcc_mode_survives_every_allocation_failure() {
    raising_a_sequence_under_allocation_failures(true);
}

fn raising_a_sequence_under_allocation_failures(mvcc: bool) {
    let disk = MemoryPlatform::new();
    let mut buffer = vec![0u8; 1024 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    let db = Database::open(&disk, "oom.db", &Config::DEFAULT, &fault).unwrap();
    let conn = db.connect();
    conn.execute(
        "CREATE TABLE t(id INTEGER PRIMARY KEY AUTOINCREMENT, v);
         CREATE TABLE u(id INTEGER PRIMARY KEY AUTOINCREMENT, v)",
        &[],
    )
    .unwrap();
    if mvcc {
        conn.execute("PRAGMA journal_mode = mvcc", &[]).unwrap();
    }
    let contents = || {
        let mut rows = ours(&conn, "SELECT * FROM sqlite_sequence ORDER BY name").unwrap();
        rows.extend(ours(&conn, "SELECT * FROM t ORDER BY id").unwrap());
        rows
    };
    // The first insert makes the table's sequence row, the next raises it.
    for (sql, changed) in [
        ("INSERT INTO t(v) VALUES ('a'), ('b')", 2),
        ("INSERT INTO t(v) SELECT v || '2' FROM t", 2),
    ] {
        let report = sweep_change(&fault, &conn, sql, contents);
        assert_eq!(report.value, changed, "{sql}");
        assert!(report.failure_points > 3, "{sql}");
    }
    assert_eq!(
        ours(&conn, "SELECT * FROM sqlite_sequence").unwrap(),
        [[V::Text("t".into()), V::Int(4)]]
    );
    if mvcc {
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)", &[])
            .unwrap();
    }
    assert!(db.integrity_check(0).unwrap().is_ok());
    drop(conn);
    drop(db);
    assert_eq!(arena.stats().live_allocations, 0, "the database leaked");
}
