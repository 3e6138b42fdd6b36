//! MVCC mode through SQL when things fail: a crash (the files as a power
//! cut leaves them, no checkpoint) keeps exactly the committed SQL
//! transactions, which the log gives back at reopen; an allocation
//! failure anywhere in a transaction and its checkpoint fails with
//! `OutOfMemory`, leaks nothing, leaves the connection usable and the
//! file and store consistent. Both run on a table stored by rowid alone
//! and on one with indexes (`id int primary key`, an index on `value`),
//! whose index-driven queries agree with its scans after the crash.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

use boundlite::alloc::{Counting, FaultAlloc, Global, oom_sweep};
use boundlite::platform::{MemoryPlatform, Platform};
use boundlite::{Config, Connection, Database, Error};
use boundlite_std::StdPlatform;

type Rows = Vec<(i64, i64)>;

const SETUP: &str = "CREATE TABLE test(id INTEGER PRIMARY KEY, value INT); \
                     INSERT INTO test VALUES (1, 10), (2, 20)";

const INDEXED: &str = "CREATE TABLE test(id int primary key, value int); \
                       CREATE INDEX test_value ON test(value); \
                       INSERT INTO test VALUES (1, 10), (2, 20)";

/// Queries of every row through each index of `INDEXED`, in `id` order.
const THROUGH_INDEXES: [&str; 2] = [
    "SELECT id, value FROM test WHERE value > -1 ORDER BY id",
    "SELECT id, value FROM test WHERE id IN (1, 2, 3, 4, 5, 6, 7, 8, 9) ORDER BY id",
];

fn rows<P: Platform, A: boundlite::alloc::Allocator + Clone>(
    conn: &Connection<'_, P, A>,
) -> Result<Rows, Error> {
    rows_by(conn, "SELECT id, value FROM test ORDER BY id")
}

fn rows_by<P: Platform, A: boundlite::alloc::Allocator + Clone>(
    conn: &Connection<'_, P, A>,
    sql: &str,
) -> Result<Rows, Error> {
    let mut stmt = conn.prepare(sql)?;
    let mut out = Vec::new();
    while let Some(row) = stmt.step()? {
        out.push((row.get_i64(0)?, row.get_i64(1)?));
    }
    Ok(out)
}

#[test]
fn committed_sql_transactions_survive_a_crash_through_the_log() {
    survive_a_crash(SETUP);
}

#[test]
fn committed_sql_transactions_on_a_table_with_indexes_survive_a_crash_through_the_log() {
    survive_a_crash(INDEXED);
}

fn survive_a_crash(setup: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let crash = dir.path().join("crash");
    std::fs::create_dir(&crash).unwrap();
    let open = |path: &std::path::Path| {
        Database::open(
            StdPlatform::new(),
            path.to_str().unwrap(),
            &Config::DEFAULT,
            Global,
        )
        .unwrap()
    };
    let committed = vec![(1, 11), (2, 20), (3, 30), (4, 40)];
    {
        let db = open(&path);
        let (a, b) = (db.connect(), db.connect());
        a.execute(setup, ()).unwrap();
        a.execute("PRAGMA journal_mode = mvcc", ()).unwrap();
        a.execute("UPDATE test SET value = 11 WHERE id = 1", ())
            .unwrap();
        a.execute("BEGIN CONCURRENT", ()).unwrap();
        b.execute("BEGIN CONCURRENT", ()).unwrap();
        a.execute("INSERT INTO test VALUES (3, 30)", ()).unwrap();
        b.execute("INSERT INTO test VALUES (4, 40)", ()).unwrap();
        b.execute("COMMIT", ()).unwrap();
        a.execute("COMMIT", ()).unwrap();
        // Open at the crash: never recovered.
        b.execute(
            "BEGIN; DELETE FROM test; INSERT INTO test VALUES (9, 9)",
            (),
        )
        .unwrap();
        assert_eq!(rows(&a).unwrap(), committed);
        for name in ["t.db", "t.db-wal", "t.db-log"] {
            std::fs::copy(dir.path().join(name), crash.join(name)).unwrap();
        }
    }
    let path = crash.join("t.db");
    {
        let db = open(&path);
        assert!(db.is_mvcc());
        let conn = db.connect();
        assert_eq!(rows(&conn).unwrap(), committed);
        for sql in THROUGH_INDEXES {
            assert_eq!(rows_by(&conn, sql).unwrap(), committed, "{sql}");
        }
        assert_eq!(
            rows_by(&conn, "SELECT id, value FROM test WHERE value = 30").unwrap(),
            [(3, 30)]
        );
        conn.execute("INSERT INTO test VALUES (5, 50)", ()).unwrap();
        conn.execute("PRAGMA journal_mode = wal", ()).unwrap();
    }
    let sqlite = rusqlite::Connection::open(&path).unwrap();
    boundlite_tests::compare::assert_sqlite_integrity_ok(&sqlite);
    let mut stmt = sqlite
        .prepare("SELECT id, value FROM test ORDER BY id")
        .unwrap();
    let read: Rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(read, [committed, vec![(5, 50)]].concat());
    for sql in THROUGH_INDEXES {
        let mut stmt = sqlite.prepare(sql).unwrap();
        let through: Rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(through, read, "{sql}");
    }
}

#[test]
fn a_sql_transaction_and_its_checkpoint_fail_cleanly_at_every_allocation() {
    sweep(SETUP);
}

#[test]
fn a_sql_transaction_on_a_table_with_indexes_and_its_checkpoint_fail_cleanly_at_every_allocation() {
    sweep(INDEXED);
}

fn sweep(setup: &str) {
    let counting = Counting::new(Global);
    let fault = FaultAlloc::new(&counting);
    let before = vec![(1, 10), (2, 20)];
    let after = vec![(1, 11), (2, 21), (3, 31)];
    let report = oom_sweep(
        &fault,
        false,
        |fault| {
            let disk = MemoryPlatform::new();
            {
                let db = Database::open(&disk, "t.db", &Config::DEFAULT, Global).unwrap();
                let conn = db.connect();
                conn.execute(setup, ()).unwrap();
                conn.execute("PRAGMA journal_mode = mvcc", ()).unwrap();
            }
            let result = {
                let db = Database::open(&disk, "t.db", &Config::DEFAULT, fault)?;
                let conn = db.connect();
                let result = conn
                    .execute("BEGIN CONCURRENT", ())
                    .and_then(|_| conn.execute("INSERT INTO test VALUES (3, 30), (4, 40)", ()))
                    .and_then(|_| conn.execute("UPDATE test SET value = value + 1", ()))
                    .and_then(|_| conn.execute("DELETE FROM test WHERE id = 4", ()))
                    .and_then(|_| conn.execute("COMMIT", ()))
                    .and_then(|_| conn.execute("PRAGMA wal_checkpoint(TRUNCATE)", ()));
                if result.is_err() {
                    // The connection goes on: the transaction is rolled
                    // back or committed whole, never half.
                    fault.unfaulted(|| {
                        if conn.in_transaction() {
                            conn.execute("ROLLBACK", ()).unwrap();
                        }
                        let seen = rows(&conn).unwrap();
                        assert!(seen == before || seen == after, "{seen:?}");
                        conn.execute("INSERT OR REPLACE INTO test VALUES (7, 70)", ())
                            .unwrap();
                        conn.execute("DELETE FROM test WHERE id = 7", ()).unwrap();
                    });
                }
                result
            };
            let db = Database::open(&disk, "t.db", &Config::DEFAULT, Global).unwrap();
            assert!(db.integrity_check(10).unwrap().is_ok());
            let conn = db.connect();
            let seen = rows(&conn).unwrap();
            assert!(seen == before || seen == after, "{seen:?}");
            for sql in THROUGH_INDEXES {
                assert_eq!(rows_by(&conn, sql).unwrap(), seen, "{sql}");
            }
            if result.is_ok() {
                assert_eq!(seen, after);
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
    println!(
        "{} failure points, {} errors",
        report.failure_points, report.errors
    );
    assert!(report.failure_points > 50, "{report:?}");
}
