//! Triggers on a database in MVCC mode (`docs/mvcc.md`, "SQL in MVCC
//! mode"): a trigger's statements read and write through the transaction
//! of the statement that fired it. Random tables with random triggers
//! take random changes, in and out of `BEGIN CONCURRENT`, with
//! checkpoints between, and must agree with SQLite after every statement
//! (rows or error, every table, the change counts); the file left after
//! the mode is SQLite's to check and read. Two transactions whose
//! triggers write one row conflict, first committer wins; a trigger
//! reads its transaction's snapshot; every allocation failure while
//! triggers fire is `OutOfMemory`, leaves the rows as they were and
//! leaks nothing.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use boundlite::alloc::{Arena, FaultAlloc, Global};
use boundlite::platform::{MemoryPlatform, Platform};
use boundlite::{Config, Connection, Database, Error};
use boundlite_std::StdPlatform;
use boundlite_tests::compare::{Exact, Owned, V, assert_sqlite_integrity_ok, ours};
use boundlite_tests::random_triggers::{TABLES, random_change, random_schema};
use boundlite_tests::rng::{Rng, seed};
use boundlite_tests::statewise::{Ran, compare};
use boundlite_tests::sweep::sweep_change;

fn run<P: Platform, A: boundlite::alloc::Allocator + Clone>(
    conn: &Connection<'_, P, A>,
    sql: &str,
) {
    conn.execute(sql, ()).unwrap();
}

#[test]
fn random_triggers_in_mvcc_mode_match_sqlite_and_leave_a_file_sqlite_reads() {
    let first = seed(0x6d74_7267);
    let (mut changes, mut failed, mut refused) = (0, 0, 0);
    let rounds = 8;
    for round in 0..rounds {
        let seed = first.wrapping_add(round);
        let mut rng = Rng::new(seed);
        let schema = random_schema(&mut rng);
        let context = format!("seed {seed}\n{schema}");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.db");
        let oracle = rusqlite::Connection::open_in_memory().unwrap();
        oracle.execute_batch(&schema).unwrap();
        {
            let db = Database::open(
                StdPlatform::new(),
                path.to_str().unwrap(),
                &Config::DEFAULT,
                Global,
            )
            .unwrap();
            let conn = db.connect();
            run(&conn, &schema);
            run(&conn, "PRAGMA journal_mode = mvcc");
            let mut open = false;
            for _ in 0..80 {
                match rng.below(12) {
                    0 if !open => {
                        ours(&conn, "BEGIN CONCURRENT").unwrap();
                        oracle.execute_batch("BEGIN").unwrap();
                        open = true;
                    }
                    1 if open => {
                        let end = ["COMMIT", "ROLLBACK"][rng.below(2) as usize];
                        ours(&conn, end).unwrap();
                        oracle.execute_batch(end).unwrap();
                        open = false;
                    }
                    2 => {
                        ours(&conn, "PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
                    }
                    _ => {
                        let sql = random_change(&mut rng);
                        match compare(&conn, &oracle, &sql, &context) {
                            Ran::Same => changes += 1,
                            Ran::Failed => failed += 1,
                            Ran::Refused => refused += 1,
                        }
                        assert_eq!(conn.in_transaction(), open, "{context}: {sql}");
                    }
                }
            }
            if open {
                ours(&conn, "COMMIT").unwrap();
                oracle.execute_batch("COMMIT").unwrap();
            }
            assert!(db.integrity_check(0).unwrap().is_ok(), "{context}");
            ours(&conn, "PRAGMA journal_mode = wal").unwrap();
        }
        let sqlite = rusqlite::Connection::open(&path).unwrap();
        assert_sqlite_integrity_ok(&sqlite);
        for t in TABLES {
            let sql = format!("SELECT rowid, * FROM {t} ORDER BY rowid");
            assert_eq!(
                Exact::theirs_ok(&sqlite, &sql),
                Exact::theirs_ok(&oracle, &sql),
                "{context}: {t}"
            );
        }
    }
    println!("{changes} changes alike, {failed} failing alike, {refused} refused");
    assert!(changes > 40 * rounds);
    assert_eq!(refused, 0);
}

/// Two tables, a running total kept by triggers, and a log of changes.
const COUNTED: &str = "CREATE TABLE item(id INTEGER PRIMARY KEY, qty INT);
     CREATE TABLE total(id INTEGER PRIMARY KEY, n INT);
     CREATE TABLE log(what, n);
     INSERT INTO total VALUES (1, 0);
     INSERT INTO item VALUES (1, 10), (2, 20);
     UPDATE total SET n = 30;
     CREATE TRIGGER item_in AFTER INSERT ON item BEGIN UPDATE total SET n = n + new.qty; END;
     CREATE TRIGGER item_up AFTER UPDATE OF qty ON item BEGIN UPDATE total SET n = n - old.qty + new.qty; END;
     CREATE TRIGGER item_out BEFORE DELETE ON item BEGIN INSERT INTO log SELECT 'out ' || old.id, count(*) FROM item; END";

fn mvcc_db_of<'p>(disk: &'p MemoryPlatform, setup: &str) -> Database<&'p MemoryPlatform> {
    let db = Database::open(disk, "t.db", &Config::DEFAULT, Global).unwrap();
    {
        let conn = db.connect();
        run(&conn, setup);
        run(&conn, "PRAGMA journal_mode = mvcc");
    }
    db
}

fn total<P: Platform>(conn: &Connection<'_, P, Global>) -> i64 {
    conn.query_row("SELECT n FROM total", (), |r| r.get_i64(0))
        .unwrap()
}

#[test]
fn two_transactions_whose_triggers_write_one_row_conflict_and_the_first_committer_wins() {
    let disk = MemoryPlatform::new();
    let db = mvcc_db_of(&disk, COUNTED);
    let (a, b) = (db.connect(), db.connect());
    run(&a, "BEGIN CONCURRENT");
    run(&b, "BEGIN CONCURRENT");
    // Different item rows, one total row: the triggers' writes meet.
    run(&a, "UPDATE item SET qty = 11 WHERE id = 1");
    run(&b, "INSERT INTO item VALUES (3, 30)");
    assert_eq!(total(&a), 31);
    assert_eq!(total(&b), 60);
    run(&a, "COMMIT");
    let err = b.execute("COMMIT", ()).unwrap_err();
    assert_eq!(err, Error::BusyConflict);
    assert!(err.to_string().contains("roll back and retry"));
    run(&b, "ROLLBACK");
    assert_eq!(total(&b), 31);
    assert_eq!(
        V::ours_ok(&b, "SELECT id, qty FROM item ORDER BY id"),
        V::ours_ok(&a, "SELECT id, qty FROM item ORDER BY id")
    );
    // A writer after the first commit loses at once, at the trigger's
    // write.
    run(&a, "BEGIN CONCURRENT");
    run(&b, "BEGIN CONCURRENT");
    run(&a, "UPDATE item SET qty = 12 WHERE id = 1");
    run(&a, "COMMIT");
    assert_eq!(
        b.execute("UPDATE item SET qty = 21 WHERE id = 2", ()),
        Err(Error::BusyConflict)
    );
    assert!(b.is_aborted());
    run(&b, "ROLLBACK");
    // The retry goes through, and the total is every change's.
    run(&b, "UPDATE item SET qty = 21 WHERE id = 2");
    assert_eq!(total(&a), 12 + 21);
    run(&a, "PRAGMA wal_checkpoint(TRUNCATE)");
    assert_eq!(total(&b), 33);
    assert!(db.integrity_check(0).unwrap().is_ok());
}

#[test]
fn a_trigger_reads_the_snapshot_of_the_transaction_that_fired_it() {
    let disk = MemoryPlatform::new();
    let db = mvcc_db_of(&disk, COUNTED);
    let (a, b) = (db.connect(), db.connect());
    // Without it every insert writes the total row, and the two would
    // conflict there.
    run(&a, "DROP TRIGGER item_in");
    run(&a, "BEGIN CONCURRENT");
    run(&a, "INSERT INTO item VALUES (5, 50)");
    // b commits rows a does not see.
    run(&b, "INSERT INTO item VALUES (6, 60), (7, 70)");
    // The trigger counts the items a sees: 1, 2, 5.
    run(&a, "DELETE FROM item WHERE id = 5");
    assert_eq!(
        V::ours_ok(&a, "SELECT what, n FROM log"),
        vec![vec![V::Text("out 5".into()), V::Int(3)]]
    );
    // b sees neither a's row nor a's trigger's.
    assert_eq!(
        V::ours_ok(&b, "SELECT count(*) FROM log"),
        vec![vec![V::Int(0)]]
    );
    run(&a, "COMMIT");
    assert_eq!(
        V::ours_ok(&b, "SELECT what, n FROM log"),
        vec![vec![V::Text("out 5".into()), V::Int(3)]]
    );
    // A failed statement takes its triggers' writes back with it, and
    // `RAISE(ROLLBACK)` the whole transaction.
    run(
        &a,
        "CREATE TRIGGER item_cap BEFORE INSERT ON item WHEN new.qty > 100 \
         BEGIN SELECT RAISE(ABORT, 'too many'); END; \
         CREATE TRIGGER item_stop BEFORE INSERT ON item WHEN new.qty < 0 \
         BEGIN SELECT RAISE(ROLLBACK, 'negative'); END; \
         CREATE TRIGGER item_log AFTER INSERT ON item BEGIN INSERT INTO log VALUES ('in', new.id); END",
    );
    let count = |sql: &str| a.query_row(sql, (), |r| r.get_i64(0)).unwrap();
    run(&a, "BEGIN CONCURRENT");
    run(&a, "INSERT INTO item VALUES (8, 1)");
    assert_eq!(count("SELECT count(*) FROM item"), 5);
    assert_eq!(count("SELECT count(*) FROM log"), 2);
    let err = a.execute("INSERT INTO item VALUES (9, 1), (10, 101)", ());
    assert!(err.unwrap_err().to_string().contains("too many"));
    assert!(a.in_transaction());
    assert_eq!(count("SELECT count(*) FROM item"), 5);
    assert_eq!(count("SELECT count(*) FROM log"), 2);
    let err = a.execute("INSERT INTO item VALUES (11, -1)", ());
    assert!(err.unwrap_err().to_string().contains("negative"));
    assert!(!a.in_transaction());
    assert_eq!(count("SELECT count(*) FROM item"), 4);
    assert_eq!(count("SELECT count(*) FROM log"), 1);
    assert!(db.integrity_check(0).unwrap().is_ok());
}

#[test]
fn instead_of_triggers_change_the_store_through_a_view() {
    let disk = MemoryPlatform::new();
    let db = mvcc_db_of(
        &disk,
        "CREATE TABLE t(id INTEGER PRIMARY KEY, v); CREATE VIEW w AS SELECT id, v FROM t;
         CREATE TRIGGER w_in INSTEAD OF INSERT ON w BEGIN INSERT INTO t VALUES (new.id, new.v * 2); END",
    );
    let (a, b) = (db.connect(), db.connect());
    run(&a, "BEGIN CONCURRENT");
    run(&a, "INSERT INTO w VALUES (1, 5)");
    assert_eq!(
        V::ours_ok(&a, "SELECT * FROM t"),
        vec![vec![V::Int(1), V::Int(10)]]
    );
    assert_eq!(V::ours_ok(&b, "SELECT * FROM t"), Vec::<Vec<V>>::new());
    run(&a, "COMMIT");
    assert_eq!(
        V::ours_ok(&b, "SELECT * FROM w"),
        vec![vec![V::Int(1), V::Int(10)]]
    );
}

#[test]
fn every_allocation_failure_while_triggers_fire_in_mvcc_mode_is_clean() {
    let disk = MemoryPlatform::new();
    let mut buffer = vec![0u8; 1024 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    {
        let db = Database::open(&disk, "oom.db", &Config::DEFAULT, &fault).unwrap();
        let conn = db.connect();
        run(&conn, COUNTED);
        run(&conn, "PRAGMA journal_mode = mvcc");
        let rows = || {
            let mut all = V::ours_ok(&conn, "SELECT rowid, * FROM item ORDER BY rowid");
            all.extend(V::ours_ok(&conn, "SELECT rowid, * FROM log ORDER BY rowid"));
            all.extend(V::ours_ok(&conn, "SELECT * FROM total"));
            all
        };
        for (sql, changed) in [
            ("INSERT INTO item VALUES (3, 30), (4, 40)", 2),
            ("UPDATE item SET qty = qty * 2 WHERE id % 2 = 1", 2),
            ("DELETE FROM item WHERE id > 2", 2),
        ] {
            let report = sweep_change(&fault, &conn, sql, rows);
            println!("{sql}: {} failure points", report.failure_points);
            assert_eq!(report.value, changed, "{sql}");
            assert!(report.failure_points > 10, "{sql}");
            assert!(db.integrity_check(0).unwrap().is_ok(), "{sql}");
        }
        // The same inside a transaction: a failed statement is undone
        // alone, with its triggers' writes, and the transaction goes on.
        run(&conn, "BEGIN CONCURRENT");
        let report = sweep_change(&fault, &conn, "INSERT INTO item VALUES (5, 50)", rows);
        println!("inside BEGIN: {} failure points", report.failure_points);
        assert!(report.failure_points > 10);
        run(&conn, "COMMIT");
        assert_eq!(
            V::ours_ok(&conn, "SELECT n FROM total"),
            // No trigger takes a deleted item's quantity off.
            vec![vec![V::Int(20 + 20 + 60 + 40 + 50)]]
        );
        run(&conn, "PRAGMA wal_checkpoint(TRUNCATE)");
        assert!(db.integrity_check(0).unwrap().is_ok());
    }
    assert_eq!(arena.stats().live_allocations, 0, "the database leaked");
}
