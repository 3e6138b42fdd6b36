//! The index entries an MVCC transaction sees through the store, kept per
//! index and brought up to date write by write (`docs/mvcc.md`,
//! "Indexes"), when things fail: an allocation failure anywhere in a
//! transaction of inserts, updates and deletes on a table with a
//! `UNIQUE` and a plain index, read through both between its writes,
//! fails with `OutOfMemory`, leaks nothing and leaves the connection
//! usable and the file consistent; and the entries count against the
//! store's budget (`Config::mvcc_memory`), so a transaction whose
//! entries would pass it fails its statement with `OutOfMemory` and goes
//! on, never holding more than the budget.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

use boundlite::alloc::{Counting, FaultAlloc, Global, oom_sweep};
use boundlite::platform::{MemoryPlatform, Platform};
use boundlite::{Config, Connection, Database, Error};

type Rows = Vec<(i64, String)>;

const SETUP: &str = "CREATE TABLE test(id INTEGER PRIMARY KEY, name TEXT UNIQUE, value INT); \
                     CREATE INDEX test_value ON test(value); \
                     INSERT INTO test VALUES (1, 'a', 10), (2, 'b', 20)";

/// The rows as a scan, and through each index, reads them.
const READS: [&str; 3] = [
    "SELECT id, name FROM test ORDER BY id",
    "SELECT id, name FROM test WHERE name >= '' ORDER BY id",
    "SELECT id, name FROM test WHERE value > -1 ORDER BY id",
];

/// The transaction: single-row inserts checked against the `UNIQUE`
/// index, one refused (its statement undone), reads through both
/// indexes between writes, updates of indexed columns, deletes.
const TRANSACTION: [&str; 10] = [
    "INSERT INTO test VALUES (3, 'c', 30)",
    "SELECT count(*) FROM test WHERE name >= 'a'",
    "INSERT INTO test VALUES (4, 'd', 40)",
    "INSERT OR IGNORE INTO test VALUES (5, 'a', 50)",
    "UPDATE test SET name = 'bb', value = 21 WHERE id = 2",
    "SELECT count(*) FROM test WHERE value > 15",
    "DELETE FROM test WHERE id = 1",
    "INSERT INTO test VALUES (6, 'a', 60)",
    "UPDATE test SET value = value + 1 WHERE name >= 'c'",
    "DELETE FROM test WHERE value = 41",
];

fn rows_by<P: Platform, A: boundlite::alloc::Allocator + Clone>(
    conn: &Connection<'_, P, A>,
    sql: &str,
) -> Result<Rows, Error> {
    let mut stmt = conn.prepare(sql)?;
    let mut out = Vec::new();
    while let Some(row) = stmt.step()? {
        out.push((row.get_i64(0)?, row.get_text(1)?.to_string()));
    }
    Ok(out)
}

/// Runs `sql` to its end, its rows (if any) read and dropped.
fn run<P: Platform, A: boundlite::alloc::Allocator + Clone>(
    conn: &Connection<'_, P, A>,
    sql: &str,
) -> Result<(), Error> {
    let mut stmt = conn.prepare(sql)?;
    while stmt.step()?.is_some() {}
    Ok(())
}

fn rows(list: &[(i64, &str)]) -> Rows {
    list.iter()
        .map(|&(id, name)| (id, name.to_string()))
        .collect()
}

/// Every read of `READS` agrees with the first.
fn reads_agree<P: Platform, A: boundlite::alloc::Allocator + Clone>(
    conn: &Connection<'_, P, A>,
) -> Rows {
    let scanned = rows_by(conn, READS[0]).unwrap();
    for sql in &READS[1..] {
        assert_eq!(rows_by(conn, sql).unwrap(), scanned, "{sql}");
    }
    scanned
}

#[test]
fn a_transaction_on_indexed_rows_fails_cleanly_at_every_allocation() {
    let counting = Counting::new(Global);
    let fault = FaultAlloc::new(&counting);
    let before = rows(&[(1, "a"), (2, "b")]);
    let after = rows(&[(2, "bb"), (3, "c"), (6, "a")]);
    let report = oom_sweep(
        &fault,
        false,
        |fault| {
            let disk = MemoryPlatform::new();
            {
                let db = Database::open(&disk, "t.db", &Config::DEFAULT, Global).unwrap();
                let conn = db.connect();
                conn.execute(SETUP, ()).unwrap();
                conn.execute("PRAGMA journal_mode = mvcc", ()).unwrap();
            }
            let result = {
                let db = Database::open(&disk, "t.db", &Config::DEFAULT, fault)?;
                let conn = db.connect();
                let mut result = conn.execute("BEGIN CONCURRENT", ()).map(|_| ());
                for sql in TRANSACTION {
                    result = result.and_then(|()| run(&conn, sql));
                }
                result = result.and_then(|()| {
                    fault.unfaulted(|| assert_eq!(reads_agree(&conn), after));
                    conn.execute("COMMIT", ()).map(|_| ())
                });
                if result.is_err() {
                    // The transaction is rolled back or committed whole;
                    // the connection goes on.
                    fault.unfaulted(|| {
                        if conn.in_transaction() {
                            conn.execute("ROLLBACK", ()).unwrap();
                        }
                        let seen = reads_agree(&conn);
                        assert!(seen == before || seen == after, "{seen:?}");
                        conn.execute("INSERT INTO test VALUES (7, 'g', 70)", ())
                            .unwrap();
                        conn.execute("DELETE FROM test WHERE id = 7", ()).unwrap();
                    });
                }
                result
            };
            let db = Database::open(&disk, "t.db", &Config::DEFAULT, Global).unwrap();
            let conn = db.connect();
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)", ()).unwrap();
            assert!(db.integrity_check(10).unwrap().is_ok());
            let seen = reads_agree(&conn);
            assert!(seen == before || seen == after, "{seen:?}");
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

#[test]
fn index_entries_count_against_the_store_budget() {
    const BUDGET: usize = 64 * 1024;
    let disk = MemoryPlatform::new();
    let config = Config {
        mvcc_memory: BUDGET,
        ..Config::DEFAULT
    };
    let db = Database::open(&disk, "t.db", &config, Global).unwrap();
    let conn = db.connect();
    conn.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT UNIQUE)", ())
        .unwrap();
    conn.execute("PRAGMA journal_mode = mvcc", ()).unwrap();
    conn.execute("BEGIN CONCURRENT", ()).unwrap();
    let key = |id: i64| format!("{id:04}{}", "k".repeat(600));
    let mut stored = 0;
    let mut held_without_entries = 0;
    let failed = loop {
        let id = stored + 1;
        let sql = format!("INSERT INTO t VALUES ({id}, '{}')", key(id));
        match conn.execute(&sql, ()) {
            Ok(_) => stored = id,
            Err(e) => break e,
        }
        let (used, budget) = db.mvcc_memory_used().unwrap();
        assert!(used <= budget, "{used} of {budget}");
        if id == 1 {
            held_without_entries = used;
        }
    };
    assert!(matches!(failed, Error::OutOfMemory), "{failed:?}");
    // Each row's version and its entry, about the key's size each: the
    // entries took their share of the budget.
    assert!(
        stored > 10 && (stored as usize) * held_without_entries < BUDGET * 3 / 4,
        "{stored} rows stored, the first alone holding {held_without_entries} bytes"
    );
    // The refused statement was undone alone: the transaction goes on,
    // its scan sees every row it stored, a read through the index sees
    // them too or (its entries no longer fitting beside the versions)
    // fails with `OutOfMemory`, and it commits.
    let count = |sql: &str| {
        conn.prepare(sql)
            .and_then(|mut s| s.step().and_then(|r| r.map_or(Ok(-1), |r| r.get_i64(0))))
    };
    assert_eq!(count("SELECT count(*) FROM t").unwrap(), stored);
    match count("SELECT count(*) FROM t WHERE k >= ''") {
        Ok(n) => assert_eq!(n, stored),
        Err(e) => assert!(matches!(e, Error::OutOfMemory), "{e:?}"),
    }
    conn.execute("COMMIT", ()).unwrap();
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)", ()).unwrap();
    assert_eq!(db.mvcc_memory_used().unwrap().0, 0);
    assert!(db.integrity_check(10).unwrap().is_ok());
}
