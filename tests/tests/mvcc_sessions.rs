//! SQL on a database in MVCC mode (`docs/mvcc.md`, "SQL in MVCC mode"):
//! sessions of several connections with transactions open at once,
//! statements interleaved; Hermitage's anomalies as interleavings of SQL
//! connections; what the mode refuses by name; statement undo inside a
//! transaction; schema changes; a random differential against SQLite
//! with checkpoints between; a seeded interleaving of connections
//! checked against a model of snapshot isolation; recovery after a
//! crash; an OOM sweep over a transaction and its checkpoint.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

use boundlite::alloc::Global;
use boundlite::platform::{MemoryPlatform, Platform};
use boundlite::{Config, Connection, Database, Error};

type Rows = Vec<(i64, i64)>;

/// Hermitage's table, stored by rowid (`INTEGER PRIMARY KEY`: an `INT
/// PRIMARY KEY` is an index, which MVCC mode refuses to change).
const SETUP: &str = "CREATE TABLE test(id INTEGER PRIMARY KEY, value INT)";

fn mvcc_db(disk: &MemoryPlatform) -> Database<&MemoryPlatform> {
    let db = Database::open(disk, "t.db", &Config::DEFAULT, Global).unwrap();
    {
        let conn = db.connect();
        conn.execute(SETUP, ()).unwrap();
        conn.execute("PRAGMA journal_mode = mvcc", ()).unwrap();
    }
    db
}

/// Hermitage's starting rows, (1,10) and (2,20), committed.
fn reset<P: Platform>(conn: &Connection<'_, P, Global>) {
    conn.execute(
        "DELETE FROM test; INSERT INTO test VALUES (1, 10), (2, 20)",
        (),
    )
    .unwrap();
}

fn rows<P: Platform>(conn: &Connection<'_, P, Global>, filter: &str) -> Result<Rows, Error> {
    let sql = format!("SELECT id, value FROM test {filter} ORDER BY id");
    let mut stmt = conn.prepare(&sql)?;
    let mut out = Vec::new();
    let mut rows = stmt.query(())?;
    while let Some(row) = rows.next()? {
        out.push((row.get_i64(0)?, row.get_i64(1)?));
    }
    Ok(out)
}

fn value<P: Platform>(conn: &Connection<'_, P, Global>, id: i64) -> Option<i64> {
    rows(conn, &format!("WHERE id = {id}"))
        .unwrap()
        .first()
        .map(|r| r.1)
}

fn run<P: Platform>(conn: &Connection<'_, P, Global>, sql: &str) {
    conn.execute(sql, ()).unwrap();
}

#[test]
fn autocommit_statements_and_a_transaction_read_and_write_the_store() {
    let disk = MemoryPlatform::new();
    let db = mvcc_db(&disk);
    let (a, b) = (db.connect(), db.connect());
    reset(&a);
    assert_eq!(rows(&b, "").unwrap(), [(1, 10), (2, 20)]);
    run(&a, "BEGIN CONCURRENT");
    run(&a, "UPDATE test SET value = value + 1");
    run(&a, "INSERT INTO test(value) VALUES (30)");
    assert_eq!(rows(&a, "").unwrap(), [(1, 11), (2, 21), (3, 30)]);
    assert_eq!(rows(&b, "").unwrap(), [(1, 10), (2, 20)]);
    run(&a, "COMMIT");
    assert_eq!(rows(&b, "").unwrap(), [(1, 11), (2, 21), (3, 30)]);
    assert!(db.mvcc_memory_used().unwrap().0 > 0);
    run(&a, "PRAGMA wal_checkpoint(TRUNCATE)");
    assert_eq!(rows(&b, "").unwrap(), [(1, 11), (2, 21), (3, 30)]);
}
