//! Statements abandoned at every point in MVCC mode: a statement is
//! stepped `k` rows and dropped, for every `k` from before its first row
//! to past its last, in autocommit and inside `BEGIN CONCURRENT`, while
//! another connection commits a disjoint change between its steps.
//!
//! Each outcome is checked against the same statement abandoned at the
//! same row on a database in WAL mode (one connection, no other writer),
//! plus the other connection's change; afterwards the abandoning
//! connection is out of its transaction (autocommit) or still in it and
//! commits, `PRAGMA integrity_check` says `ok`, and once every connection
//! is idle a checkpoint leaves the version store empty: no abandoned
//! statement keeps a transaction running or a version pinned.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

use boundlite::alloc::Global;
use boundlite::platform::{MemoryPlatform, Platform};
use boundlite::{Config, Connection, Database};

type Rows = Vec<(i64, i64)>;

const ROWS: i64 = 12;

const SETUP: &str = "CREATE TABLE test(id INTEGER PRIMARY KEY, value INT); \
    INSERT INTO test WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 12) \
    SELECT i, i * 10 FROM n";

/// Statements that return rows as they go: scans, a join, an aggregate
/// over groups, and changes with `RETURNING`.
const STATEMENTS: &[&str] = &[
    "SELECT id, value FROM test ORDER BY id",
    "SELECT id, value FROM test WHERE id % 2 = 0 ORDER BY value DESC",
    "SELECT a.id, b.value FROM test a JOIN test b ON b.id = a.id + 1",
    "SELECT id % 3, sum(value) FROM test GROUP BY 1",
    "UPDATE test SET value = value + 1 WHERE id <= 8 RETURNING id, value",
    "DELETE FROM test WHERE id % 3 = 0 RETURNING id",
    "INSERT INTO test SELECT id + 100, value FROM test WHERE id < 6 RETURNING id",
];

/// The row the other connection changes: no statement above reads or
/// writes it as the abandoning connection sees it, for that connection's
/// snapshot predates the change.
const OTHER: &str = "INSERT INTO test VALUES (1000, 1)";

fn rows<P: Platform>(conn: &Connection<'_, P, Global>) -> Rows {
    let mut stmt = conn
        .prepare("SELECT id, value FROM test ORDER BY id")
        .unwrap();
    let mut out = Vec::new();
    let mut rows = stmt.query(()).unwrap();
    while let Some(row) = rows.next().unwrap() {
        out.push((row.get_i64(0).unwrap(), row.get_i64(1).unwrap()));
    }
    out
}

/// Steps `sql` on `conn` `k` times (fewer when it ends first) and drops
/// it; between the first and second steps, `between` runs.
fn abandon<P: Platform>(
    conn: &Connection<'_, P, Global>,
    sql: &str,
    k: usize,
    between: &mut dyn FnMut(),
) {
    let mut stmt = conn.prepare(sql).unwrap();
    for step in 0..k {
        if step == 1 {
            between();
        }
        if stmt.step().unwrap().is_none() {
            break;
        }
    }
}

fn integrity_ok<P: Platform>(conn: &Connection<'_, P, Global>) {
    let mut stmt = conn.prepare("PRAGMA integrity_check").unwrap();
    let mut rows = stmt.query(()).unwrap();
    let row = rows.next().unwrap().unwrap();
    assert_eq!(row.get_text(0).unwrap(), "ok");
}

/// What abandoning `sql` after `k` steps leaves on a WAL database, the
/// statement alone or in a transaction that then commits.
fn in_wal(sql: &str, k: usize, transaction: bool) -> Rows {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "w.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    conn.execute(SETUP, ()).unwrap();
    if transaction {
        conn.execute("BEGIN", ()).unwrap();
    }
    abandon(&conn, sql, k, &mut || {});
    if transaction {
        conn.execute("COMMIT", ()).unwrap();
    }
    conn.execute(OTHER, ()).unwrap();
    rows(&conn)
}

#[test]
fn statements_abandoned_at_every_row_leave_what_wal_mode_leaves_and_pin_nothing() {
    let mut cases = 0;
    for sql in STATEMENTS {
        for transaction in [false, true] {
            for k in 0..=(ROWS as usize + 2) {
                let context =
                    format!("{sql} abandoned after {k} steps (transaction: {transaction})");
                let disk = MemoryPlatform::new();
                let db = Database::open(&disk, "m.db", &Config::DEFAULT, Global).unwrap();
                let (a, b) = (db.connect(), db.connect());
                a.execute(SETUP, ()).unwrap();
                a.execute("PRAGMA journal_mode = mvcc", ()).unwrap();
                if transaction {
                    a.execute("BEGIN CONCURRENT", ()).unwrap();
                }
                let mut other_ran = false;
                abandon(&a, sql, k, &mut || {
                    b.execute(OTHER, ()).unwrap();
                    other_ran = true;
                });
                if !other_ran {
                    b.execute(OTHER, ()).unwrap();
                }
                assert_eq!(a.in_transaction(), transaction, "{context}");
                if transaction {
                    a.execute("COMMIT", ()).unwrap();
                }
                assert_eq!(rows(&a), in_wal(sql, k, transaction), "{context}");
                assert_eq!(rows(&b), rows(&a), "{context}");
                integrity_ok(&a);
                a.execute("PRAGMA wal_checkpoint(TRUNCATE)", ()).unwrap();
                let (used, _) = db.mvcc_memory_used().unwrap();
                assert_eq!(
                    used, 0,
                    "{context}: the store holds versions when every connection is idle"
                );
                // Both connections still write.
                a.execute("UPDATE test SET value = -1 WHERE id = 1", ())
                    .unwrap();
                b.execute("DELETE FROM test WHERE id = 2", ()).unwrap();
                cases += 1;
            }
        }
    }
    assert_eq!(cases, STATEMENTS.len() * 2 * (ROWS as usize + 3));
}
