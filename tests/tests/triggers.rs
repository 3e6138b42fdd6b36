//! Triggers against SQLite: a script of `CREATE TRIGGER`, `DROP
//! TRIGGER` and the changes that fire triggers runs on both engines,
//! which must agree on success or failure (SQLite's message word for
//! word), on the rows a query returns, on every table's rows and on the
//! change counts after each statement; random tables with random
//! triggers take random changes, compared the same way; each engine
//! fires the triggers the other made; what is not built is refused by
//! name; and every allocation failure while a trigger is made or fires
//! is `OutOfMemory`, leaves the rows as they were and leaks nothing.
//!
//! `BOUNDLITE_TRIGGER_ROUNDS` sets the number of random schemas (8 by
//! default, 60 changes each); `BOUNDLITE_SEED` the first seed. A change
//! boundlite refuses by name ends its round (SQLite made it), and must
//! stay rare.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::{Arena, FaultAlloc, Global, oom_sweep};
use boundlite::platform::MemoryPlatform;
use boundlite::{Config, Database, Error};
use boundlite_std::StdPlatform;
use boundlite_tests::compare::{Exact, Owned, V, assert_sqlite_integrity_ok};
use boundlite_tests::random_triggers::{random_change, random_schema};
use boundlite_tests::rng::{Rng, seed};
use boundlite_tests::statewise::{Ran, compare};
use boundlite_tests::sweep::sweep_change;

const SCHEMA: &str = "CREATE TABLE t1(a INTEGER PRIMARY KEY, b REAL, c TEXT COLLATE NOCASE);
CREATE TABLE t2(x, y UNIQUE);
CREATE TABLE log(what, n);
CREATE VIEW v AS SELECT a, c FROM t1;
INSERT INTO t1 VALUES (1, 1.5, 'one'), (2, 2, 'two'), (3, NULL, 'Three')";

/// Each statement of the script, run on both engines in order.
const SCRIPT: &[&str] = &[
    // The sqllogictest evidence's shapes, and SQLite's checks.
    "CREATE TRIGGER t1r1 UPDATE ON t1 BEGIN SELECT 1; END",
    "CREATE TRIGGER t1r1 UPDATE ON t1 BEGIN SELECT 1; END",
    "CREATE TRIGGER IF NOT EXISTS t1r1 UPDATE ON t1 BEGIN SELECT 1; END",
    "CREATE TRIGGER t1r2 DELETE ON t1 BEGIN SELECT 1; END",
    "CREATE TRIGGER t1r3 INSERT ON t1 BEGIN SELECT 1; END",
    "CREATE TRIGGER t1r4 BEFORE UPDATE ON t1 BEGIN SELECT 1; END",
    "CREATE TRIGGER t1r5 AFTER DELETE ON t1 BEGIN SELECT 1; END",
    "CREATE TRIGGER t1r6 UPDATE ON t1 FOR EACH ROW BEGIN SELECT 1; END",
    "CREATE TRIGGER t1r7 BEFORE INSERT ON t1 FOR EACH ROW BEGIN SELECT 1; END",
    "CREATE TRIGGER nope UPDATE ON nosuch BEGIN SELECT 1; END",
    "CREATE TRIGGER nope BEFORE UPDATE ON v BEGIN SELECT 1; END",
    "CREATE TRIGGER nope AFTER INSERT ON v BEGIN SELECT 1; END",
    "CREATE TRIGGER nope DELETE ON v BEGIN SELECT 1; END",
    "CREATE TRIGGER nope INSTEAD OF UPDATE ON t1 BEGIN SELECT 1; END",
    "CREATE TRIGGER nope UPDATE ON sqlite_schema BEGIN SELECT 1; END",
    "CREATE TRIGGER sqlite_nope UPDATE ON t1 BEGIN SELECT 1; END",
    "CREATE TRIGGER aux.nope UPDATE ON t1 BEGIN SELECT 1; END",
    "CREATE TRIGGER nope UPDATE ON t1 BEGIN INSERT INTO main.log VALUES (1, 2); END",
    "CREATE TRIGGER nope UPDATE ON t1 BEGIN DELETE FROM log INDEXED BY x; END",
    "CREATE TRIGGER nope UPDATE ON t1 BEGIN INSERT INTO log VALUES (1, 2) RETURNING *; END",
    "DROP TRIGGER t1r1",
    "DROP TRIGGER t1r1",
    "DROP TRIGGER IF EXISTS t1r1",
    "DROP TRIGGER main.nosuch",
    "DROP TRIGGER aux.nosuch",
    "DROP TRIGGER t1r2",
    "DROP TRIGGER t1r3",
    "DROP TRIGGER t1r4",
    "DROP TRIGGER t1r5",
    "DROP TRIGGER t1r7",
    "DROP TRIGGER t1r6",
    "UPDATE t1 SET b = 0",
    // Firing: order, NEW and OLD, WHEN, affinity, rowids.
    "CREATE TRIGGER bi1 BEFORE INSERT ON t1 BEGIN INSERT INTO log VALUES ('bi1 ' || new.a || ' ' || new.rowid || ' ' || typeof(new.b) || ' ' || new.c, new.b); END",
    "CREATE TRIGGER bi2 BEFORE INSERT ON t1 BEGIN INSERT INTO log VALUES ('bi2', last_insert_rowid()); END",
    "CREATE TRIGGER ai AFTER INSERT ON t1 WHEN new.b > 1 BEGIN INSERT INTO log VALUES ('ai ' || new.a || ' ' || typeof(new.b), last_insert_rowid()); INSERT INTO t2 VALUES (new.a, new.c); END",
    "INSERT INTO t1(b, c) VALUES (1, 'x'), ('5', 6), (7.0, NULL)",
    "INSERT INTO t1 VALUES (20, '2.5', 'y')",
    "SELECT * FROM log",
    "INSERT INTO t1(b, c) SELECT a * 10, c FROM t1 WHERE a < 3",
    "INSERT OR REPLACE INTO t1 VALUES (1, 9, 'replaced')",
    // An upsert's DO NOTHING: the BEFORE triggers fire, the AFTER ones
    // only for the rows stored.
    "INSERT INTO t1 VALUES (1, 3, 'dup'), (50, 4, 'fifty') ON CONFLICT DO NOTHING",
    "INSERT INTO t1 VALUES (50, 5, 'again'), (51, 6, 'new') ON CONFLICT(a) DO NOTHING",
    "INSERT INTO t1 SELECT a, b, c FROM t1 WHERE a < 3 ON CONFLICT(a) DO NOTHING",
    "INSERT INTO t2 VALUES (9, 'one') ON CONFLICT(y) DO NOTHING",
    "CREATE TRIGGER bu BEFORE UPDATE OF b ON t1 WHEN old.b IS NOT new.b BEGIN INSERT INTO log VALUES ('bu ' || old.b || '>' || new.b, new.a); END",
    "CREATE TRIGGER au AFTER UPDATE ON t1 BEGIN UPDATE t2 SET x = new.b WHERE y = old.c; END",
    "UPDATE t1 SET c = upper(c) WHERE a > 2",
    "UPDATE t1 SET b = b + 1 WHERE a % 2 = 0",
    "UPDATE t1 SET a = a + 100 WHERE a = 3",
    "CREATE TRIGGER bd BEFORE DELETE ON t1 BEGIN DELETE FROM t2 WHERE x = old.a; INSERT INTO log VALUES ('bd', old.rowid); END",
    "CREATE TRIGGER ad AFTER DELETE ON t1 WHEN old.c = 'ONE' COLLATE NOCASE BEGIN INSERT INTO log VALUES ('ad ' || old.c, old.a); END",
    "DELETE FROM t1 WHERE a IN (2, 20)",
    "DELETE FROM t1 WHERE c = 'x'",
    // RAISE.
    "CREATE TRIGGER guard BEFORE INSERT ON t2 WHEN new.x < 0 BEGIN SELECT RAISE(ABORT, 'negative x'); END",
    "INSERT INTO t2 VALUES (5, 'five'), (-1, 'minus')",
    "INSERT INTO t2 VALUES (6, 'six')",
    "CREATE TRIGGER skip BEFORE UPDATE ON t2 BEGIN SELECT RAISE(IGNORE) WHERE new.x > 100; INSERT INTO log VALUES ('skip', new.x); END",
    "UPDATE t2 SET x = x * 50",
    "UPDATE t2 SET x = x + 1",
    "CREATE TRIGGER skipd BEFORE DELETE ON log WHEN old.what = 'bd' BEGIN SELECT RAISE(IGNORE); END",
    "DELETE FROM log WHERE n > 2",
    "SELECT RAISE(ABORT, 'outside')",
    "CREATE TRIGGER whenskip BEFORE INSERT ON t2 WHEN (SELECT RAISE(IGNORE) WHERE new.x = 7) IS NULL BEGIN INSERT INTO log VALUES ('whenskip', new.x); END",
    "INSERT INTO t2 VALUES (7, 'seven'), (8, 'eight')",
    "DROP TRIGGER whenskip",
    // Nesting, and no recursion.
    "CREATE TRIGGER chain AFTER INSERT ON log WHEN new.what = 'start' BEGIN INSERT INTO log VALUES ('again', new.n + 1); UPDATE t2 SET x = -5 WHERE new.n = 99; END",
    "INSERT INTO log VALUES ('start', 1)",
    "INSERT INTO log VALUES ('start', 99)",
    "CREATE TRIGGER self AFTER UPDATE ON t2 BEGIN UPDATE t2 SET x = x + 1000 WHERE rowid = new.rowid; END",
    "UPDATE t2 SET x = 1 WHERE rowid = 1",
    "DROP TRIGGER self",
    // A trigger made on a view fires nothing here; a change to the view
    // is still refused as SQLite refuses one with no such trigger.
    "UPDATE v SET c = 'z'",
    "SELECT name, tbl_name, type, rootpage, sql FROM sqlite_schema WHERE type = 'trigger' ORDER BY name",
    // DROP TABLE drops its triggers.
    "DROP TABLE t1",
    "SELECT name FROM sqlite_schema WHERE type = 'trigger' ORDER BY name",
    "DROP TRIGGER bi1",
];

fn oracle() -> rusqlite::Connection {
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    oracle.execute_batch(SCHEMA).unwrap();
    oracle
}

#[test]
fn a_script_of_triggers_runs_as_in_sqlite() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "t.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    conn.execute(SCHEMA, &[]).unwrap();
    let oracle = oracle();
    let mut failed = 0;
    for sql in SCRIPT {
        match compare(&conn, &oracle, sql, "script") {
            Ran::Same => {}
            Ran::Failed => failed += 1,
            Ran::Refused => panic!("refused: {sql}"),
        }
    }
    println!("{} statements, {failed} failing alike", SCRIPT.len());
    assert!(failed > 15);
    assert!(db.integrity_check(0).unwrap().is_ok());
}

#[test]
fn what_is_not_built_is_refused_by_name() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "r.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    conn.execute(
        "CREATE TABLE t(a INTEGER PRIMARY KEY, b UNIQUE);
         CREATE TABLE u(p INTEGER PRIMARY KEY, q REFERENCES t(a) ON DELETE CASCADE);
         CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END;
         INSERT INTO t VALUES (1, 1)",
        &[],
    )
    .unwrap();
    let refused = |sql: &str, what: &str| {
        let before = Exact::ours_ok(&conn, "SELECT * FROM t");
        let e = conn.execute(sql, &[]).unwrap_err().to_string();
        assert!(
            e.contains(what) && e.contains("not supported"),
            "{sql}: {e}"
        );
        assert_eq!(Exact::ours_ok(&conn, "SELECT * FROM t"), before, "{sql}");
    };
    refused(
        "CREATE TRIGGER t AFTER INSERT ON t BEGIN SELECT 1; END",
        "named like a table",
    );
    refused("INSERT INTO t VALUES (2, 2) RETURNING a", "RETURNING");
    refused(
        "INSERT INTO t VALUES (1, 5) ON CONFLICT DO UPDATE SET b = 6",
        "upsert DO UPDATE",
    );
    refused("INSERT INTO t VALUES (3, zeroblob(5))", "zeroblob");
    conn.execute("PRAGMA foreign_keys = ON", &[]).unwrap();
    refused("DELETE FROM t", "foreign key actions");
}

#[test]
fn each_engine_fires_the_triggers_the_other_made() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trig.db");
    let setup = "CREATE TABLE item(id INTEGER PRIMARY KEY, name TEXT, qty INT);
         CREATE TABLE audit(what TEXT, id INT, qty INT);
         CREATE TRIGGER item_in AFTER INSERT ON item BEGIN INSERT INTO audit VALUES ('in', new.id, new.qty); END;
         CREATE TRIGGER item_qty BEFORE UPDATE OF qty ON item WHEN new.qty < 0 BEGIN SELECT RAISE(ABORT, 'qty below zero'); END;
         CREATE TRIGGER \"item out\" AFTER DELETE ON item BEGIN INSERT INTO audit VALUES ('out', old.id, old.qty); END;";
    let theirs = rusqlite::Connection::open(&path).unwrap();
    theirs.execute_batch(setup).unwrap();
    drop(theirs);
    let disk = StdPlatform::in_dir(dir.path());
    let db = Database::open(&disk, "trig.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    oracle.execute_batch(setup).unwrap();
    for sql in [
        "INSERT INTO item(name, qty) VALUES ('a', 1), ('b', 2), ('c', 3)",
        "UPDATE item SET qty = qty - 2",
        "UPDATE item SET qty = qty + 1, name = name || '!'",
        "DELETE FROM item WHERE qty > 2",
        // Made here: SQLite must fire it.
        "CREATE TRIGGER item_name AFTER UPDATE OF name ON item BEGIN INSERT INTO audit VALUES ('renamed ' || old.name || '>' || new.name, new.id, NULL); END",
        "UPDATE item SET name = 'z' WHERE id = 1",
    ] {
        assert_ne!(compare(&conn, &oracle, sql, "files"), Ran::Refused);
    }
    drop(conn);
    drop(db);
    let theirs = rusqlite::Connection::open(&path).unwrap();
    assert_sqlite_integrity_ok(&theirs);
    theirs
        .execute_batch("UPDATE item SET name = 'y' WHERE id = 1; DELETE FROM item")
        .unwrap();
    oracle
        .execute_batch("UPDATE item SET name = 'y' WHERE id = 1; DELETE FROM item")
        .unwrap();
    let sql = "SELECT * FROM audit ORDER BY rowid";
    assert_eq!(
        Exact::theirs_ok(&theirs, sql),
        Exact::theirs_ok(&oracle, sql)
    );
    let stored: String = theirs
        .query_row(
            "SELECT sql FROM sqlite_schema WHERE name = 'item_name'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        stored.starts_with("CREATE TRIGGER item_name AFTER UPDATE OF name"),
        "{stored}"
    );
    assert_sqlite_integrity_ok(&theirs);
}

#[test]
fn random_triggers_match_sqlite() {
    let rounds: u64 = std::env::var("BOUNDLITE_TRIGGER_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8);
    let first = seed(1);
    let (mut changes, mut failed, mut refused) = (0, 0, 0);
    for round in 0..rounds {
        let seed = first.wrapping_add(round);
        let mut rng = Rng::new(seed);
        let schema = random_schema(&mut rng);
        if std::env::var("BOUNDLITE_TRIGGER_TRACE").is_ok() {
            eprintln!("seed {seed}: {schema}");
        }
        let disk = MemoryPlatform::new();
        let db = Database::open(&disk, "d.db", &Config::DEFAULT, Global).unwrap();
        let conn = db.connect();
        conn.execute(&schema, &[]).unwrap();
        let oracle = rusqlite::Connection::open_in_memory().unwrap();
        oracle.execute_batch(&schema).unwrap();
        for _ in 0..60 {
            let sql = random_change(&mut rng);
            if std::env::var("BOUNDLITE_TRIGGER_TRACE").is_ok() {
                eprintln!("seed {seed}: {sql}");
            }
            match compare(&conn, &oracle, &sql, &format!("seed {seed}\n{schema}")) {
                Ran::Same => changes += 1,
                Ran::Failed => failed += 1,
                Ran::Refused => {
                    // SQLite made the change: the engines part here.
                    refused += 1;
                    break;
                }
            }
        }
        assert!(db.integrity_check(0).unwrap().is_ok(), "seed {seed}");
    }
    println!("{changes} changes alike, {failed} failing alike, {refused} refused");
    assert!(changes > 30 * rounds);
    assert!(
        refused * 5 < rounds,
        "{refused} of {rounds} rounds ended refused"
    );
}

#[test]
fn every_allocation_failure_with_triggers_is_clean() {
    let disk = MemoryPlatform::new();
    let mut buffer = vec![0u8; 512 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    let db = Database::open(&disk, "oom.db", &Config::DEFAULT, &fault).unwrap();
    let conn = db.connect();
    conn.execute(
        "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c REAL);
         CREATE TABLE log(what, n);
         CREATE TABLE total(n);
         INSERT INTO total VALUES (0);
         INSERT INTO t VALUES (1, 'one', 1), (2, 'two', 2), (3, 'three', 3)",
        &[],
    )
    .unwrap();
    let trigger = "CREATE TRIGGER ti AFTER INSERT ON t WHEN new.c > 0 BEGIN \
                   INSERT INTO log VALUES ('in ' || new.b, new.a); \
                   UPDATE total SET n = n + new.c; END";
    let report = oom_sweep(
        &fault,
        true,
        |_| {
            conn.execute(trigger, &[])?;
            conn.execute("DROP TRIGGER ti", &[])
        },
        |n, e| {
            assert_eq!(e, Error::OutOfMemory, "failure {n}");
            assert!(db.integrity_check(0).unwrap().is_ok());
            conn.execute("DROP TRIGGER IF EXISTS ti", &[]).unwrap();
        },
    )
    .unwrap();
    println!(
        "CREATE TRIGGER and DROP TRIGGER: {} failure points",
        report.failure_points
    );
    assert!(report.failure_points > 5);
    conn.execute(
        &format!(
            "{trigger};
             CREATE TRIGGER tu BEFORE UPDATE OF c ON t BEGIN INSERT INTO log VALUES ('up ' || old.c || '>' || new.c, new.a); END;
             CREATE TRIGGER td AFTER DELETE ON t BEGIN DELETE FROM log WHERE n = old.a; INSERT INTO log VALUES ('gone', old.a); END"
        ),
        &[],
    )
    .unwrap();
    let rows = || {
        let mut all = V::ours_ok(&conn, "SELECT rowid, * FROM t ORDER BY rowid");
        all.extend(V::ours_ok(&conn, "SELECT rowid, * FROM log ORDER BY rowid"));
        all.extend(V::ours_ok(&conn, "SELECT * FROM total"));
        all
    };
    for (sql, changed) in [
        ("INSERT INTO t(b, c) VALUES ('four', 4), ('five', 5)", 2),
        (
            "INSERT INTO t(b, c) SELECT b || '!', c + 10 FROM t WHERE a < 3",
            2,
        ),
        (
            "INSERT INTO t VALUES (1, 'dup', 9), (30, 'thirty', 3) ON CONFLICT(a) DO NOTHING",
            1,
        ),
        ("UPDATE t SET c = c * 2 WHERE a % 2 = 1", 4),
        ("DELETE FROM t WHERE a > 4", 4),
    ] {
        let report = sweep_change(&fault, &conn, sql, rows);
        println!("{sql}: {} failure points", report.failure_points);
        assert_eq!(report.value, changed, "{sql}");
        assert!(report.failure_points > 10, "{sql}");
    }
    assert!(db.integrity_check(0).unwrap().is_ok());
    drop(conn);
    drop(db);
    assert_eq!(arena.stats().live_allocations, 0, "the database leaked");
}

#[test]
fn a_chain_of_triggers_nests_to_the_limit_and_no_further() {
    // Table i's trigger inserts into table i + 1: a chain `depth` deep.
    let chain = |depth: usize| {
        let mut sql = String::new();
        for i in 0..=depth {
            sql += &format!("CREATE TABLE c{i}(n);");
        }
        for i in 0..depth {
            sql += &format!(
                "CREATE TRIGGER c{i}t AFTER INSERT ON c{i} BEGIN INSERT INTO c{}(n) VALUES (new.n + 1); END;",
                i + 1
            );
        }
        sql
    };
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "c.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    conn.execute(&chain(32), &[]).unwrap();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    oracle.execute_batch(&chain(32)).unwrap();
    assert_eq!(
        compare(&conn, &oracle, "INSERT INTO c0 VALUES (0)", "chain"),
        Ran::Same
    );
    assert_eq!(
        Exact::ours_ok(&conn, "SELECT n FROM c32"),
        vec![vec![Exact::Int(32)]]
    );
    conn.execute("CREATE TABLE c33(n); CREATE TRIGGER c32t AFTER INSERT ON c32 BEGIN INSERT INTO c33 VALUES (new.n + 1); END", &[]).unwrap();
    oracle.execute_batch("CREATE TABLE c33(n); CREATE TRIGGER c32t AFTER INSERT ON c32 BEGIN INSERT INTO c33 VALUES (new.n + 1); END").unwrap();
    assert_eq!(
        compare(&conn, &oracle, "INSERT INTO c0 VALUES (0)", "chain"),
        Ran::Refused
    );
    assert_eq!(
        Exact::ours_ok(&conn, "SELECT count(*) FROM c0"),
        vec![vec![Exact::Int(1)]]
    );
}

#[test]
fn a_prepared_change_fires_the_triggers_of_each_run() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "p.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    let setup = "CREATE TABLE t(a); CREATE TABLE log(x)";
    conn.execute(setup, &[]).unwrap();
    oracle.execute_batch(setup).unwrap();
    let sql = "INSERT INTO t VALUES (1)";
    let mut stmt = conn.prepare(sql).unwrap();
    let mut theirs = oracle.prepare(sql).unwrap();
    for ddl in [
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log VALUES (new.a); END",
        "DROP TRIGGER tr",
        "CREATE TRIGGER tr BEFORE INSERT ON t BEGIN INSERT INTO log VALUES (-new.a); END",
    ] {
        stmt.reset();
        stmt.step().unwrap();
        theirs.execute([]).unwrap();
        conn.execute(ddl, &[]).unwrap();
        oracle.execute_batch(ddl).unwrap();
    }
    stmt.reset();
    stmt.step().unwrap();
    theirs.execute([]).unwrap();
    let q = "SELECT x FROM log ORDER BY rowid";
    assert_eq!(Exact::ours_ok(&conn, q), Exact::theirs_ok(&oracle, q));
    assert_eq!(Exact::ours_ok(&conn, q).len(), 2);
}
