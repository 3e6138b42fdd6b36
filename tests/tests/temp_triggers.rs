//! Triggers of the `temp` schema against SQLite: `CREATE TEMP TRIGGER`
//! on main tables and triggers on temporary tables, stored in
//! `sqlite_temp_master` as SQLite stores them, fired in SQLite's order
//! (the `temp` schema's first, the first made first, then the main
//! schema's, the last made first), dropped by name or with their
//! temporary table. What is not built is refused by name.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use boundlite::alloc::{Arena, FaultAlloc, Global};
use boundlite::platform::MemoryPlatform;
use boundlite::{Config, Database};
use boundlite_tests::compare::{Exact, Owned, V};
use boundlite_tests::statewise::{Ran, compare};
use boundlite_tests::sweep::sweep_change;

const SCHEMA: &str = "CREATE TABLE t(a INTEGER PRIMARY KEY, b);
CREATE TABLE log(what, n);
CREATE TABLE other(x)";

/// Statements run in order on both engines; some fail on both.
const SCRIPT: &[&str] = &[
    "CREATE TEMP TRIGGER x1 AFTER INSERT ON t BEGIN INSERT INTO log VALUES ('x1', new.a); END",
    "CREATE TEMPORARY TRIGGER x2 BEFORE INSERT ON main.t WHEN new.b > 0 BEGIN INSERT INTO log VALUES ('x2', new.b); END",
    "CREATE TRIGGER temp.x3 AFTER INSERT ON t BEGIN INSERT INTO log VALUES ('x3', new.a); END",
    "CREATE TRIGGER m1 AFTER INSERT ON t BEGIN INSERT INTO log VALUES ('m1', new.a); END",
    "CREATE TRIGGER m2 AFTER INSERT ON t BEGIN INSERT INTO log VALUES ('m2', new.a); END",
    "CREATE TEMP TRIGGER x1 AFTER INSERT ON t BEGIN SELECT 1; END",
    "CREATE TEMP TRIGGER IF NOT EXISTS x1 AFTER INSERT ON t BEGIN SELECT 1; END",
    "CREATE TEMP TRIGGER main.x9 AFTER INSERT ON t BEGIN SELECT 1; END",
    "CREATE TEMP TRIGGER temp.x9 AFTER INSERT ON t BEGIN SELECT 1; END",
    "CREATE TEMP TRIGGER x9 AFTER INSERT ON nosuch BEGIN SELECT 1; END",
    "INSERT INTO t VALUES (1, 5), (2, -1)",
    "CREATE TEMP TRIGGER xu AFTER UPDATE OF b ON t BEGIN UPDATE other SET x = new.b; INSERT INTO log VALUES ('xu', old.b); END",
    "CREATE TEMP TRIGGER xd BEFORE DELETE ON t BEGIN DELETE FROM log WHERE n = old.a; END",
    "INSERT INTO other VALUES (0)",
    "UPDATE t SET b = b + 10",
    "DELETE FROM t WHERE a = 1",
    "SELECT type, name, tbl_name, rootpage, sql FROM sqlite_temp_master ORDER BY name",
    "SELECT name FROM sqlite_schema WHERE type = 'trigger' ORDER BY name",
    "DROP TRIGGER x1",
    "DROP TRIGGER temp.x2",
    "DROP TRIGGER main.x3",
    "DROP TRIGGER temp.m1",
    "INSERT INTO t VALUES (3, 7)",
    // A trigger on a temporary table is the `temp` schema's.
    "CREATE TEMP TABLE tt(p, q)",
    "CREATE TEMP TABLE tlog(v)",
    "CREATE TRIGGER y1 AFTER INSERT ON tt BEGIN INSERT INTO tlog VALUES (new.p); UPDATE tt SET q = new.p * 2 WHERE rowid = new.rowid; END",
    "CREATE TRIGGER main.y2 AFTER INSERT ON tt BEGIN SELECT 1; END",
    "INSERT INTO tt(p) VALUES (4), (5)",
    "SELECT * FROM tt ORDER BY rowid",
    "SELECT * FROM tlog ORDER BY rowid",
    "SELECT type, name, tbl_name, sql FROM sqlite_temp_master ORDER BY name",
    "DROP TABLE tt",
    "SELECT type, name, tbl_name FROM sqlite_temp_master ORDER BY name",
    "DROP TRIGGER y1",
];

#[test]
fn temporary_triggers_run_as_in_sqlite() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "t.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    conn.execute(SCHEMA, &[]).unwrap();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    oracle.execute_batch(SCHEMA).unwrap();
    let mut failed = 0;
    for sql in SCRIPT {
        match compare(&conn, &oracle, sql, "script") {
            Ran::Same => {}
            Ran::Failed => failed += 1,
            Ran::Refused => panic!("refused: {sql}"),
        }
    }
    assert!(failed >= 8, "{failed}");
    assert!(db.integrity_check(0).unwrap().is_ok());
}

#[test]
fn what_is_not_built_is_refused_by_name() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "r.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    for sql in [
        "CREATE TABLE t(a)",
        "CREATE TABLE log(v)",
        "CREATE TEMP TABLE tt(a)",
        "CREATE TEMP VIEW tv AS SELECT a FROM t",
        "CREATE TEMP TRIGGER x AFTER INSERT ON t BEGIN SELECT 1; END",
        // Its statement writes the main schema's table.
        "CREATE TRIGGER y AFTER INSERT ON tt BEGIN INSERT INTO log VALUES (new.a); END",
    ] {
        conn.execute(sql, &[]).unwrap();
    }
    for (sql, words) in [
        (
            "CREATE TEMP TRIGGER z INSTEAD OF INSERT ON tv BEGIN SELECT 1; END",
            "triggers on temporary views",
        ),
        // SQLite drops the temporary trigger with the table.
        ("DROP TABLE t", "a temporary trigger is on"),
        (
            "INSERT INTO tt VALUES (1)",
            "both the main and the temp schema",
        ),
    ] {
        let e = conn.execute(sql, &[]).unwrap_err().to_string();
        assert!(
            e.contains(words) && e.contains("not supported"),
            "{sql}: {e}"
        );
    }
    assert!(Exact::ours_ok(&conn, "SELECT * FROM tt").is_empty());
    assert!(Exact::ours_ok(&conn, "SELECT * FROM log").is_empty());
}

#[test]
fn a_temporary_trigger_survives_every_allocation_failure() {
    let disk = MemoryPlatform::new();
    let mut buffer = vec![0u8; 512 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    let db = Database::open(&disk, "oom.db", &Config::DEFAULT, &fault).unwrap();
    let conn = db.connect();
    for sql in SCHEMA.split(";\n") {
        conn.execute(sql, &[]).unwrap();
    }
    conn.execute("CREATE TEMP TABLE tt(p)", &[]).unwrap();
    let contents = || {
        let mut all = V::ours_ok(&conn, "SELECT * FROM log");
        all.extend(V::ours_ok(
            &conn,
            "SELECT name, tbl_name, sql FROM sqlite_temp_master",
        ));
        all
    };
    for sql in [
        "CREATE TEMP TRIGGER x AFTER INSERT ON t BEGIN INSERT INTO log VALUES ('x', new.a); END",
        "INSERT INTO t VALUES (1, 2)",
        "CREATE TRIGGER y AFTER INSERT ON tt BEGIN INSERT INTO tt VALUES (new.p + 1) ; END",
        "DROP TRIGGER x",
    ] {
        let report = sweep_change(&fault, &conn, sql, contents);
        assert!(report.failure_points > 3, "{sql}");
        assert!(db.integrity_check(0).unwrap().is_ok(), "{sql}");
    }
}
