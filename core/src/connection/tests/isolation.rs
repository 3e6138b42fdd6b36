//! Isolation between connections of one database: each test names the
//! anomaly it rules out.

#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

extern crate std;

use std::string::String;
use std::vec::Vec;

use boundlite_platform::MemoryPlatform;

use super::{open, rows};
use crate::alloc::{Arena, FaultAlloc, Global, oom_sweep};
use crate::pager::MAX_READERS;
use crate::record::ValueRef;
use crate::{Config, Connection, Database, Error, Statement};

/// A database with `t(id INTEGER PRIMARY KEY, v)` holding `(1, 10)`.
fn one_row(disk: &MemoryPlatform) -> Database<&MemoryPlatform, Global> {
    let db = open(disk);
    db.connect()
        .execute(
            "CREATE TABLE t(id INTEGER PRIMARY KEY, v); INSERT INTO t VALUES (1, 10)",
            &[],
        )
        .unwrap();
    db
}

fn value(conn: &Connection<'_, &MemoryPlatform, Global>) -> Vec<String> {
    rows(conn, "SELECT v FROM t ORDER BY id")
}

/// Runs a prepared query again from the start; its rows' first column.
fn rerun(stmt: &mut Statement<'_, '_, &MemoryPlatform, Global>) -> Vec<i64> {
    stmt.reset();
    let mut out = Vec::new();
    while let Some(row) = stmt.step().unwrap() {
        out.push(row.get_i64(0).unwrap());
    }
    out
}

/// Dirty read: a connection never sees rows another connection has not
/// committed, in a statement prepared before or after they were made.
#[test]
fn another_connections_uncommitted_rows_are_invisible() {
    let disk = MemoryPlatform::new();
    let db = one_row(&disk);
    let (a, b) = (db.connect(), db.connect());
    let mut prepared = b.prepare("SELECT v FROM t ORDER BY id").unwrap();
    assert_eq!(rerun(&mut prepared), [10]);
    a.execute(
        "BEGIN; INSERT INTO t VALUES (2, 20); UPDATE t SET v = 11 WHERE id = 1",
        &[],
    )
    .unwrap();
    // A sees its own changes; B, in a fresh statement or a prepared one
    // run again, the last commit.
    assert_eq!(value(&a), ["11", "20"]);
    assert_eq!(value(&b), ["10"]);
    assert_eq!(rerun(&mut prepared), [10]);
    assert_eq!(rows(&b, "SELECT count(*) FROM t WHERE id = 2"), ["0"]);
    assert_eq!(rows(&b, "PRAGMA page_count"), rows(&b, "PRAGMA page_count"));
    assert_eq!(rows(&b, "PRAGMA integrity_check"), ["ok"]);
    a.execute("ROLLBACK", &[]).unwrap();
    assert_eq!(rerun(&mut prepared), [10]);
    a.execute("BEGIN; INSERT INTO t VALUES (2, 20)", &[])
        .unwrap();
    assert_eq!(rerun(&mut prepared), [10]);
    a.execute("COMMIT", &[]).unwrap();
    assert_eq!(rerun(&mut prepared), [10, 20]);
}

/// Dirty read of the schema and the header: another connection's
/// uncommitted table and `user_version` are invisible.
#[test]
fn another_connections_uncommitted_schema_is_invisible() {
    let disk = MemoryPlatform::new();
    let db = one_row(&disk);
    let (a, b) = (db.connect(), db.connect());
    a.execute(
        "BEGIN; CREATE TABLE u(x); PRAGMA user_version = 7; DROP TABLE t",
        &[],
    )
    .unwrap();
    assert!(matches!(
        b.execute("SELECT * FROM u", &[]),
        Err(Error::Named(crate::Named::NoSuchTable, _))
    ));
    assert_eq!(value(&b), ["10"]);
    assert_eq!(rows(&b, "PRAGMA user_version"), ["0"]);
    assert_eq!(rows(&b, "PRAGMA table_info(t)").len(), 2);
    a.execute("COMMIT", &[]).unwrap();
    assert_eq!(rows(&b, "PRAGMA user_version"), ["7"]);
    assert!(b.execute("SELECT * FROM t", &[]).is_err());
}

/// Non-repeatable read: inside `BEGIN`, a row read twice has the same
/// value, whatever another connection commits in between.
#[test]
fn a_transaction_reads_the_same_value_twice() {
    let disk = MemoryPlatform::new();
    let db = one_row(&disk);
    let (a, b) = (db.connect(), db.connect());
    b.execute("BEGIN", &[]).unwrap();
    assert_eq!(value(&b), ["10"]);
    a.execute("UPDATE t SET v = 11 WHERE id = 1", &[]).unwrap();
    assert_eq!(value(&a), ["11"]);
    assert_eq!(value(&b), ["10"]);
    b.execute("COMMIT", &[]).unwrap();
    assert_eq!(value(&b), ["11"]);
}

/// Phantom: inside `BEGIN`, a query over a range returns the same rows
/// twice, whatever another connection inserts into or deletes from it.
#[test]
fn a_transaction_sees_no_phantoms() {
    let disk = MemoryPlatform::new();
    let db = one_row(&disk);
    let (a, b) = (db.connect(), db.connect());
    a.execute("INSERT INTO t VALUES (3, 30), (5, 50)", &[])
        .unwrap();
    let range = "SELECT id FROM t WHERE id BETWEEN 2 AND 6";
    b.execute("BEGIN DEFERRED", &[]).unwrap();
    assert_eq!(rows(&b, range), ["3", "5"]);
    a.execute(
        "INSERT INTO t VALUES (4, 40); DELETE FROM t WHERE id = 5",
        &[],
    )
    .unwrap();
    assert_eq!(rows(&a, range), ["3", "4"]);
    assert_eq!(rows(&b, range), ["3", "5"]);
    assert_eq!(rows(&b, "SELECT count(*) FROM t"), ["3"]);
    b.execute("ROLLBACK", &[]).unwrap();
    assert_eq!(rows(&b, range), ["3", "4"]);
}

/// Lost update: two transactions read the same row and both write it;
/// the second writer's snapshot is older than the first's commit, so its
/// write fails with `BusySnapshot`, changes nothing, and leaves it
/// reading until it rolls back.
#[test]
fn a_write_from_a_stale_snapshot_is_busy_snapshot() {
    let disk = MemoryPlatform::new();
    let db = one_row(&disk);
    let (a, b) = (db.connect(), db.connect());
    a.execute("BEGIN", &[]).unwrap();
    b.execute("BEGIN", &[]).unwrap();
    assert_eq!(value(&a), ["10"]);
    assert_eq!(value(&b), ["10"]);
    a.execute("UPDATE t SET v = v + 1 WHERE id = 1; COMMIT", &[])
        .unwrap();
    let err = b
        .execute("UPDATE t SET v = v + 1 WHERE id = 1", &[])
        .unwrap_err();
    assert_eq!(err, Error::BusySnapshot);
    assert!(b.in_transaction());
    assert_eq!(value(&b), ["10"]);
    b.execute("ROLLBACK", &[]).unwrap();
    assert_eq!(value(&b), ["11"]);
    // Run again, the transaction reads the last commit and may write.
    b.execute("BEGIN", &[]).unwrap();
    assert_eq!(value(&b), ["11"]);
    b.execute("UPDATE t SET v = v + 1 WHERE id = 1; COMMIT", &[])
        .unwrap();
    assert_eq!(value(&a), ["12"]);
    assert!(db.integrity_check(0).unwrap().is_ok());
}

/// A statement keeps its snapshot from its first step to its last: rows
/// another connection inserts, deletes or changes meanwhile, and a
/// checkpoint it runs, change nothing in what the statement returns.
#[test]
fn a_statement_keeps_its_snapshot_across_steps() {
    let disk = MemoryPlatform::new();
    let db = open(&disk);
    let (a, b) = (db.connect(), db.connect());
    a.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)", &[])
        .unwrap();
    for i in 1..=300 {
        a.execute(
            "INSERT INTO t VALUES (?1, 'row')",
            &[ValueRef::Integer(i * 2)],
        )
        .unwrap();
    }
    let mut scan = b.prepare("SELECT id, v FROM t").unwrap();
    let mut seen = Vec::new();
    for _ in 0..10 {
        let row = scan.step().unwrap().unwrap();
        seen.push(row.get_i64(0).unwrap());
    }
    for i in 1..=300 {
        a.execute(
            "INSERT INTO t VALUES (?1, 'new')",
            &[ValueRef::Integer(i * 2 + 1)],
        )
        .unwrap();
    }
    a.execute(
        "DELETE FROM t WHERE id > 400 AND id % 2 = 0; UPDATE t SET v = 'changed'",
        &[],
    )
    .unwrap();
    a.execute("PRAGMA wal_checkpoint(TRUNCATE)", &[]).unwrap();
    while let Some(row) = scan.step().unwrap() {
        seen.push(row.get_i64(0).unwrap());
        assert_eq!(row.get_text(1).unwrap(), "row");
    }
    assert_eq!(seen, (1..=300).map(|i| i * 2).collect::<Vec<_>>());
    // Run again, it reads the last commit.
    assert_eq!(rerun(&mut scan).len(), 300 + 200);
    assert!(db.integrity_check(0).unwrap().is_ok());
}

/// A connection's own write from a statement's stale snapshot: while a
/// query of the connection is in progress on an older commit, a change
/// would write over a commit the connection's reads do not show, so it
/// is `BusySnapshot` (as in SQLite); once the query is reset it goes
/// through.
#[test]
fn an_autocommit_write_under_a_stale_statement_is_busy_snapshot() {
    let disk = MemoryPlatform::new();
    let db = one_row(&disk);
    let (a, b) = (db.connect(), db.connect());
    let mut scan = b.prepare("SELECT v FROM t").unwrap();
    assert!(scan.step().unwrap().is_some());
    a.execute("UPDATE t SET v = 11", &[]).unwrap();
    assert_eq!(
        b.execute("UPDATE t SET v = v + 1", &[]).unwrap_err(),
        Error::BusySnapshot
    );
    // A second statement shares the snapshot of the first.
    assert_eq!(value(&b), ["10"]);
    scan.reset();
    b.execute("UPDATE t SET v = v + 1", &[]).unwrap();
    assert_eq!(value(&a), ["12"]);
}

/// A connection reads its own commits: a commit it makes while a query
/// of it is in progress moves the snapshot its statements share to that
/// commit, so its next statement sees it (and the query goes on).
#[test]
fn a_connection_reads_its_own_commits() {
    let disk = MemoryPlatform::new();
    let db = one_row(&disk);
    let a = db.connect();
    let mut scan = a.prepare("SELECT id FROM t").unwrap();
    assert_eq!(scan.step().unwrap().unwrap().get_i64(0).unwrap(), 1);
    a.execute("INSERT INTO t VALUES (2, 20)", &[]).unwrap();
    assert_eq!(value(&a), ["10", "20"]);
    while scan.step().unwrap().is_some() {}
    a.execute("BEGIN; INSERT INTO t VALUES (3, 30)", &[])
        .unwrap();
    assert!(scan.step().unwrap().is_none());
    scan.reset();
    assert!(scan.step().unwrap().is_some());
    a.execute("COMMIT", &[]).unwrap();
    assert_eq!(value(&a), ["10", "20", "30"]);
}

/// `BEGIN IMMEDIATE` takes the write transaction at once, so it is `Busy`
/// while another connection holds it; a deferred `BEGIN` only reads until
/// its first change, which is `Busy` then.
#[test]
fn begin_immediate_is_busy_while_another_connection_writes() {
    let disk = MemoryPlatform::new();
    let db = one_row(&disk);
    let (a, b) = (db.connect(), db.connect());
    a.execute("BEGIN IMMEDIATE", &[]).unwrap();
    assert_eq!(b.execute("BEGIN IMMEDIATE", &[]), Err(Error::Busy));
    assert_eq!(b.execute("BEGIN EXCLUSIVE", &[]), Err(Error::Busy));
    assert!(!b.in_transaction());
    b.execute("BEGIN", &[]).unwrap();
    assert_eq!(value(&b), ["10"]);
    assert_eq!(
        b.execute("INSERT INTO t VALUES (2, 20)", &[]),
        Err(Error::Busy)
    );
    assert!(b.in_transaction());
    b.execute("COMMIT", &[]).unwrap();
    a.execute("INSERT INTO t VALUES (2, 20); COMMIT", &[])
        .unwrap();
    b.execute("BEGIN IMMEDIATE; INSERT INTO t VALUES (3, 30); COMMIT", &[])
        .unwrap();
    assert_eq!(value(&a), ["10", "20", "30"]);
    assert_eq!(
        b.execute("BEGIN CONCURRENT", &[]),
        Err(Error::Sql(
            "BEGIN CONCURRENT outside MVCC mode (PRAGMA journal_mode = mvcc) is not supported"
        ))
    );
}

/// Every read transaction a connection takes is let go: after many
/// statements, finished, reset, dropped or failed, every reader slot is
/// free.
#[test]
fn statements_let_their_snapshot_go() {
    let disk = MemoryPlatform::new();
    let db = one_row(&disk);
    let (a, b) = (db.connect(), db.connect());
    for _ in 0..MAX_READERS * 2 {
        let mut half = b.prepare("SELECT v FROM t").unwrap();
        assert!(half.step().unwrap().is_some());
        let mut reset = a.prepare("SELECT v FROM t").unwrap();
        assert!(reset.step().unwrap().is_some());
        reset.reset();
        assert!(a.execute("SELECT * FROM nowhere", &[]).is_err());
        b.execute("BEGIN; SELECT * FROM t; COMMIT", &[]).unwrap();
    }
    let readers: Vec<_> = (0..MAX_READERS).map(|_| db.begin_read().unwrap()).collect();
    drop(readers);
}

/// Out of memory anywhere in a snapshot read (the schema and the table
/// read through a snapshot, the cursors, a read transaction's upgrade):
/// the statement fails with `OutOfMemory`, nothing leaks, and the
/// connections go on as if it had not run.
#[test]
fn snapshot_reads_survive_every_allocation_failure() {
    let mut buffer = std::vec![0u8; 1 << 20];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    for persistent in [false, true] {
        let report = oom_sweep(
            &fault,
            persistent,
            |f| {
                let disk = MemoryPlatform::new();
                let db = f.unfaulted(|| {
                    let db = Database::open(&disk, "t.db", &Config::DEFAULT, f).unwrap();
                    db.connect()
                        .execute(
                            "CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT UNIQUE, v); \
                             INSERT INTO t VALUES (1, 'a', 10), (2, 'b', 20)",
                            &[],
                        )
                        .unwrap();
                    db
                });
                let (a, b) = (db.connect(), db.connect());
                let checked = (|| {
                    a.execute("BEGIN; INSERT INTO t VALUES (3, 'c', 30)", &[])?;
                    b.execute("BEGIN", &[])?;
                    let mut q = b.prepare("SELECT v FROM t WHERE k >= 'a' ORDER BY v")?;
                    let mut sum = 0;
                    while let Some(row) = q.step()? {
                        sum += row.get_i64(0)?;
                    }
                    let mut info = b.prepare("PRAGMA table_info(t)")?;
                    while info.step()?.is_some() {}
                    a.execute("ROLLBACK", &[])?;
                    b.execute("UPDATE t SET v = v + 1 WHERE id = 1; COMMIT", &[])?;
                    Ok::<_, Error>(sum)
                })();
                // Whatever failed, both connections work on afterwards
                // and every read transaction was let go.
                f.unfaulted(|| {
                    let _ = a.execute("ROLLBACK", &[]);
                    let _ = b.execute("ROLLBACK", &[]);
                    assert!(!a.in_transaction() && !b.in_transaction());
                    let mut q = b.prepare("SELECT count(*), sum(v) FROM t").unwrap();
                    let row = q.step().unwrap().unwrap();
                    assert_eq!(row.get_i64(0).unwrap(), 2);
                    assert!(matches!(row.get_i64(1).unwrap(), 30 | 31));
                    drop(q);
                    let readers: Vec<_> =
                        (0..MAX_READERS).map(|_| db.begin_read().unwrap()).collect();
                    drop(readers);
                    assert!(db.integrity_check(0).unwrap().is_ok());
                });
                checked
            },
            |n, e| {
                assert_eq!(e, Error::OutOfMemory, "failure {n}");
                assert_eq!(arena.stats().live_allocations, 0, "failure {n} leaked");
            },
        )
        .unwrap();
        assert_eq!(report.value, 30);
        assert!(report.failure_points > 10, "{}", report.failure_points);
    }
}
