//! Snapshot isolation for what a statement does beyond the rows it
//! names, on a database in MVCC mode (`docs/mvcc.md`, "SQL in MVCC
//! mode"), over two connections in `BEGIN CONCURRENT`: foreign key
//! checks read the transaction's snapshot and hold the parent they find,
//! so a child and the deletion of its parent never both commit; deferred
//! keys are checked at `COMMIT`; `ROLLBACK TO` takes writes back so they
//! no longer conflict, while `RELEASE` keeps them; two inserts into one
//! `AUTOINCREMENT` table conflict on its `sqlite_sequence` row, whether
//! they raise it or make it; and an OOM sweep over a transaction that
//! checks keys, runs an action, and uses savepoints.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use boundlite::alloc::{Counting, FaultAlloc, Global, oom_sweep};
use boundlite::platform::{MemoryPlatform, Platform};
use boundlite::{Config, Connection, Database, Error};
use boundlite_tests::compare::{Owned, V};

fn mvcc_db<'p>(disk: &'p MemoryPlatform, setup: &str) -> Database<&'p MemoryPlatform> {
    let db = Database::open(disk, "t.db", &Config::DEFAULT, Global).unwrap();
    {
        let conn = db.connect();
        conn.execute(setup, ()).unwrap();
        conn.execute("PRAGMA journal_mode = mvcc", ()).unwrap();
    }
    db
}

fn run<P: Platform>(conn: &Connection<'_, P, Global>, sql: &str) {
    conn.execute(sql, ()).unwrap();
}

fn rows<P: Platform>(conn: &Connection<'_, P, Global>, sql: &str) -> Vec<Vec<V>> {
    V::ours_ok(conn, sql)
}

fn ints(values: &[&[i64]]) -> Vec<Vec<V>> {
    values
        .iter()
        .map(|r| r.iter().map(|&i| V::Int(i)).collect())
        .collect()
}

/// Expects `sql` to lose a conflict, and rolls the transaction back.
fn loses<P: Platform>(conn: &Connection<'_, P, Global>, sql: &str) {
    let err = conn.execute(sql, ()).unwrap_err();
    assert_eq!(err, Error::BusyConflict, "{sql}");
    assert!(err.to_string().contains("roll back and retry"));
    run(conn, "ROLLBACK");
}

const PARENTS: &str = "CREATE TABLE p(id INTEGER PRIMARY KEY, u UNIQUE, v);
     CREATE TABLE c(id INTEGER PRIMARY KEY, pid REFERENCES p(id), pu REFERENCES p(u) ON DELETE CASCADE);
     INSERT INTO p VALUES (1, 'a', 0), (2, 'b', 0), (3, 'c', 0)";

fn fk_db(disk: &MemoryPlatform) -> Database<&MemoryPlatform> {
    mvcc_db(disk, PARENTS)
}

fn connect_fk<'db, 'p>(
    db: &'db Database<&'p MemoryPlatform>,
) -> Connection<'db, &'p MemoryPlatform, Global> {
    let conn = db.connect();
    run(&conn, "PRAGMA foreign_keys = ON");
    conn
}

#[test]
fn a_foreign_key_check_reads_the_snapshot() {
    let disk = MemoryPlatform::new();
    let db = fk_db(&disk);
    let (a, b) = (connect_fk(&db), connect_fk(&db));
    run(&a, "BEGIN CONCURRENT");
    // b commits a parent a does not see: a's child of it fails.
    run(&b, "INSERT INTO p VALUES (4, 'd', 0)");
    assert_eq!(
        a.execute("INSERT INTO c(pid) VALUES (4)", ()),
        Err(Error::Constraint("FOREIGN KEY constraint failed"))
    );
    // b deletes a parent a still sees: a's child of it passes the check,
    // but a holds the parent, which b's commit changed: a loses.
    run(&b, "DELETE FROM p WHERE id = 3");
    loses(&a, "INSERT INTO c(pid) VALUES (3)");
    run(&a, "INSERT INTO c(pid) VALUES (4)");
    assert_eq!(rows(&b, "SELECT pid FROM c"), ints(&[&[4]]));
}

#[test]
fn a_child_and_the_deletion_of_its_parent_never_both_commit() {
    let disk = MemoryPlatform::new();
    let db = fk_db(&disk);
    let (a, b) = (connect_fk(&db), connect_fk(&db));
    for (child, parent) in [
        (
            "INSERT INTO c(pid) VALUES (1)",
            "DELETE FROM p WHERE id = 1",
        ),
        (
            "INSERT INTO c(pu) VALUES ('b')",
            "UPDATE p SET u = 'z' WHERE id = 2",
        ),
    ] {
        // Either order of commits: the second loses.
        for first_child in [true, false] {
            run(&a, "BEGIN CONCURRENT");
            run(&b, "BEGIN CONCURRENT");
            run(&a, child);
            // b sees no child: its change of the parent passes.
            run(&b, parent);
            let (winner, loser) = if first_child { (&a, &b) } else { (&b, &a) };
            run(winner, "COMMIT");
            loses(loser, "COMMIT");
            let orphans = rows(
                &a,
                "SELECT count(*) FROM c WHERE (pid IS NOT NULL AND pid NOT IN (SELECT id FROM p)) \
                 OR (pu IS NOT NULL AND pu NOT IN (SELECT u FROM p))",
            );
            assert_eq!(orphans, ints(&[&[0]]), "{child} / {parent}");
            run(&a, "DELETE FROM c; DELETE FROM p");
            run(
                &a,
                "INSERT INTO p VALUES (1, 'a', 0), (2, 'b', 0), (3, 'c', 0)",
            );
        }
    }
    // Two children of one parent conflict too (each holds it): the cost
    // of holding a row rather than a key.
    run(&a, "BEGIN CONCURRENT");
    run(&b, "BEGIN CONCURRENT");
    run(&a, "INSERT INTO c(pid) VALUES (2)");
    run(&b, "INSERT INTO c(pid) VALUES (2)");
    run(&a, "COMMIT");
    loses(&b, "COMMIT");
    run(&a, "PRAGMA wal_checkpoint(TRUNCATE)");
    assert!(db.integrity_check(0).unwrap().is_ok());
    assert_eq!(rows(&a, "PRAGMA foreign_key_check"), Vec::<Vec<V>>::new());
}

#[test]
fn deferred_keys_are_checked_at_commit_and_actions_change_the_snapshot() {
    let disk = MemoryPlatform::new();
    let db = mvcc_db(
        &disk,
        "CREATE TABLE p(id INTEGER PRIMARY KEY);
         CREATE TABLE c(id INTEGER PRIMARY KEY, pid REFERENCES p(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED);
         INSERT INTO p VALUES (1), (2); INSERT INTO c(pid) VALUES (1), (1), (2)",
    );
    let (a, b) = (connect_fk(&db), connect_fk(&db));
    run(&a, "BEGIN CONCURRENT");
    run(&a, "INSERT INTO c(pid) VALUES (9)");
    assert_eq!(
        a.execute("COMMIT", ()),
        Err(Error::Constraint("FOREIGN KEY constraint failed"))
    );
    assert!(a.in_transaction());
    run(&a, "INSERT INTO p VALUES (9)");
    // b inserts a child of 1 and commits; a's cascade deletes only the
    // children it sees, and holds nothing of b's: a's delete of the
    // parent is what conflicts with b's hold of it.
    run(&b, "BEGIN CONCURRENT");
    run(&b, "INSERT INTO c(pid) VALUES (1)");
    run(&a, "DELETE FROM p WHERE id = 1");
    assert_eq!(
        rows(&a, "SELECT pid FROM c ORDER BY id"),
        ints(&[&[2], &[9]])
    );
    run(&b, "COMMIT");
    loses(&a, "COMMIT");
    assert_eq!(
        rows(&a, "SELECT pid FROM c ORDER BY id"),
        ints(&[&[1], &[1], &[2], &[1]])
    );
    // Autocommit: a deferred key is checked when the statement ends.
    assert_eq!(
        a.execute("INSERT INTO c(pid) VALUES (8)", ()),
        Err(Error::Constraint("FOREIGN KEY constraint failed"))
    );
    run(&a, "DELETE FROM p WHERE id = 1");
    assert_eq!(rows(&b, "SELECT pid FROM c ORDER BY id"), ints(&[&[2]]));
}

#[test]
fn rollback_to_takes_writes_back_so_they_no_longer_conflict() {
    let disk = MemoryPlatform::new();
    let db = mvcc_db(
        &disk,
        "CREATE TABLE t(id INTEGER PRIMARY KEY, v); INSERT INTO t VALUES (1, 10), (2, 20)",
    );
    let (a, b) = (db.connect(), db.connect());
    run(&a, "BEGIN CONCURRENT");
    run(&a, "SAVEPOINT s");
    run(&a, "UPDATE t SET v = 11 WHERE id = 1");
    run(&a, "SAVEPOINT inner_one");
    run(&a, "UPDATE t SET v = 21 WHERE id = 2");
    run(&a, "RELEASE inner_one");
    run(&a, "ROLLBACK TO s");
    assert_eq!(
        rows(&a, "SELECT v FROM t ORDER BY id"),
        ints(&[&[10], &[20]])
    );
    run(&a, "UPDATE t SET v = 12 WHERE id = 1");
    // b changes row 2, which a wrote and took back.
    run(&b, "UPDATE t SET v = 22 WHERE id = 2");
    run(&a, "RELEASE s");
    run(&a, "COMMIT");
    assert_eq!(
        rows(&b, "SELECT v FROM t ORDER BY id"),
        ints(&[&[12], &[22]])
    );
    // A released savepoint's writes are the transaction's: they conflict.
    run(&a, "SAVEPOINT s");
    run(&a, "UPDATE t SET v = 13 WHERE id = 1");
    run(&a, "SAVEPOINT u");
    run(&a, "UPDATE t SET v = 23 WHERE id = 2");
    run(&a, "RELEASE u");
    run(&b, "UPDATE t SET v = 24 WHERE id = 2");
    // Releasing the savepoint that began the transaction commits it.
    loses(&a, "RELEASE s");
    assert_eq!(
        rows(&a, "SELECT v FROM t ORDER BY id"),
        ints(&[&[12], &[24]])
    );
}

#[test]
fn two_inserts_into_one_autoincrement_table_conflict_on_its_sequence_row() {
    let disk = MemoryPlatform::new();
    let db = mvcc_db(
        &disk,
        "CREATE TABLE s(id INTEGER PRIMARY KEY AUTOINCREMENT, v);
         CREATE TABLE other(id INTEGER PRIMARY KEY AUTOINCREMENT, v)",
    );
    let (a, b) = (db.connect(), db.connect());
    // Neither sees a sequence row: each makes one, and they conflict.
    run(&a, "BEGIN CONCURRENT");
    run(&b, "BEGIN CONCURRENT");
    run(&a, "INSERT INTO s(v) VALUES ('a')");
    run(&b, "INSERT INTO s(v) VALUES ('b')");
    run(&a, "COMMIT");
    loses(&b, "COMMIT");
    // Both see it: each raises it, and they conflict.
    run(&a, "BEGIN CONCURRENT");
    run(&b, "BEGIN CONCURRENT");
    run(&b, "INSERT INTO s(v) VALUES ('b')");
    run(&a, "INSERT INTO s(v) VALUES ('a2')");
    run(&b, "COMMIT");
    loses(&a, "COMMIT");
    // Other tables' sequences do not meet.
    run(&a, "BEGIN CONCURRENT");
    run(&b, "BEGIN CONCURRENT");
    run(&a, "INSERT INTO s(v) VALUES ('a3')");
    run(&b, "INSERT INTO other(v) VALUES ('o')");
    run(&a, "COMMIT");
    run(&b, "COMMIT");
    assert_eq!(
        V::ours_ok(&a, "SELECT name, seq FROM sqlite_sequence ORDER BY name"),
        vec![
            vec![V::Text("other".into()), V::Int(1)],
            vec![V::Text("s".into()), V::Int(3)]
        ]
    );
    assert_eq!(
        V::ours_ok(&b, "SELECT id, v FROM s ORDER BY id"),
        vec![
            vec![V::Int(1), V::Text("a".into())],
            vec![V::Int(2), V::Text("b".into())],
            vec![V::Int(3), V::Text("a3".into())]
        ]
    );
    run(&a, "PRAGMA wal_checkpoint(TRUNCATE)");
    assert!(db.integrity_check(0).unwrap().is_ok());
}

#[test]
fn keys_actions_and_savepoints_in_a_transaction_fail_cleanly_at_every_allocation() {
    let counting = Counting::new(Global);
    let fault = FaultAlloc::new(&counting);
    let setup = format!(
        "{PARENTS}; CREATE TABLE s(id INTEGER PRIMARY KEY AUTOINCREMENT, v); \
         INSERT INTO c(pid, pu) VALUES (1, 'a'), (2, 'b')"
    );
    let before = ints(&[&[1, 1], &[2, 2]]);
    let after = ints(&[&[2, 2], &[3, 3]]);
    let children = "SELECT id, pid FROM c ORDER BY id";
    let report = oom_sweep(
        &fault,
        false,
        |fault| {
            let disk = MemoryPlatform::new();
            drop(mvcc_db(&disk, &setup));
            let result = {
                let db = Database::open(&disk, "t.db", &Config::DEFAULT, fault)?;
                let conn = db.connect();
                let result = [
                    "PRAGMA foreign_keys = ON",
                    "BEGIN CONCURRENT",
                    "INSERT INTO c(pid) VALUES (3)",
                    "SAVEPOINT x",
                    "INSERT INTO s(v) VALUES (1)",
                    "DELETE FROM p WHERE u = 'a'",
                    "ROLLBACK TO x",
                    "DELETE FROM p WHERE u = 'a'",
                    "RELEASE x",
                    "INSERT INTO s(v) VALUES (2)",
                    "COMMIT",
                    "PRAGMA wal_checkpoint(TRUNCATE)",
                ]
                .iter()
                .try_for_each(|sql| conn.execute(sql, ()).map(drop));
                if result.is_err() {
                    fault.unfaulted(|| {
                        if conn.in_transaction() {
                            conn.execute("ROLLBACK", ()).unwrap();
                        }
                    });
                }
                result
            };
            let db = Database::open(&disk, "t.db", &Config::DEFAULT, Global).unwrap();
            assert!(db.integrity_check(10).unwrap().is_ok());
            let conn = db.connect();
            let seen = rows(&conn, children);
            assert!(seen == before || seen == after, "{seen:?}");
            if result.is_ok() {
                assert_eq!(seen, after);
                assert_eq!(
                    rows(&conn, "SELECT seq FROM sqlite_sequence"),
                    ints(&[&[1]])
                );
            }
            result
        },
        |n, error| {
            assert!(
                matches!(error, Error::OutOfMemory | Error::CacheFull),
                "failure {n}: {error:?}"
            );
            assert_eq!(counting.stats().live_allocations(), 0, "failure {n} leaked");
        },
    )
    .unwrap();
    println!("{} failure points", report.failure_points);
    assert!(report.failure_points > 100, "{report:?}");
}
