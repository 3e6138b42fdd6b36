//! REAL affinity across the two engines: SQLite stores a whole number
//! held by a REAL column as an integer and reads it back as a real. A
//! table one engine writes must read back, through the other, with the
//! same types and values: `typeof`, comparisons, `ORDER BY`, `GROUP BY`,
//! `SELECT *`, index seeks and the rowid alias.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::Path;

use boundlite::alloc::Global;
use boundlite::record::{RecordRef, ValueRef};
use boundlite::wal::CheckpointMode;
use boundlite::{Config, Connection, Database};
use boundlite_std::StdPlatform;
use boundlite_tests::compare::{Exact, Owned, assert_sqlite_integrity_ok};

const SCHEMA: &str = "CREATE TABLE t(id INTEGER PRIMARY KEY, a REAL, b TEXT, c); \
                      CREATE TABLE u(r REAL, k INTEGER PRIMARY KEY); \
                      CREATE TABLE ti(a REAL, b TEXT)";

/// Rows of `t` (whole and fractional reals, `-0.0`, a huge real, integers
/// and numeric text bound to the REAL column, an integer in the untyped
/// column), of `u`, whose rowid alias comes after a REAL column, and of
/// `ti`, a copy of `t`'s REAL column with an index on it.
const ROWS: &str = "INSERT INTO t(id, a, b, c) VALUES \
                    (1, 11.0, 'eleven', 7), (2, 2.5, 'two and a half', 7.0), \
                    (3, -0.0, 'minus zero', -0.0), (4, 1e300, 'huge', 1e300), \
                    (5, 7, 'seven', 11.0), (6, '12', 'text twelve', '12'), \
                    (7, 140737488355327.0, 'six bytes', 2), (8, 140737488355328.0, 'past six bytes', 3), \
                    (9, -140737488355328.0, 'six bytes below', 4), (10, 1e15, 'big whole', 5), \
                    (14, -140737488355329.0, 'past six bytes below', 6), \
                    (11, NULL, 'null', NULL), (12, 11, 'eleven again', 'x'), \
                    (13, 9223372036854775807, 'largest integer', 1); \
                    INSERT INTO u(r, k) VALUES (3.0, 10), (4.5, 20); \
                    INSERT INTO ti(a, b) SELECT a, b FROM t; \
                    CREATE INDEX tia ON ti(a)";

/// Queries both engines must answer alike.
const QUERIES: [&str; 28] = [
    "SELECT * FROM t ORDER BY id",
    "SELECT id, typeof(a), a, typeof(c), c FROM t ORDER BY id",
    "SELECT id FROM t WHERE a = 11 ORDER BY id",
    "SELECT id FROM t WHERE a = 11.0 ORDER BY id",
    "SELECT id FROM t WHERE a > 10.5 ORDER BY id",
    "SELECT id, a FROM t WHERE a BETWEEN -1 AND 12 ORDER BY id",
    "SELECT a, id FROM t ORDER BY a, id",
    "SELECT a, id FROM t ORDER BY a DESC, id",
    "SELECT a, count(*) FROM t GROUP BY a ORDER BY a",
    "SELECT DISTINCT a FROM t ORDER BY a",
    "SELECT sum(a), total(a), min(a), max(a), avg(a) FROM t WHERE a < 1e20",
    "SELECT a || '', a + 1, a * 2, CAST(a AS INTEGER) FROM t WHERE id IN (1, 5, 7)",
    "SELECT id FROM t WHERE a = c ORDER BY id",
    "SELECT id, a = 7, c = 7 FROM t ORDER BY id",
    "SELECT id FROM t WHERE a IN (7, 11, 12) ORDER BY id",
    "SELECT max(a) FROM t WHERE id < 3",
    "SELECT * FROM u ORDER BY k",
    "SELECT k, typeof(k), rowid, typeof(rowid), typeof(r) FROM u ORDER BY r",
    "SELECT typeof(id), typeof(rowid) FROM t WHERE id = 1",
    "SELECT r FROM u WHERE r = 3",
    "SELECT a FROM t WHERE id = 12",
    "SELECT quote(a) FROM t ORDER BY id",
    "SELECT rowid, typeof(a), a FROM ti ORDER BY rowid",
    "SELECT rowid, a FROM ti WHERE a = 11 ORDER BY rowid",
    "SELECT rowid FROM ti WHERE a > 10.5 AND a < 1e20 ORDER BY rowid",
    "SELECT a, b FROM ti WHERE a >= 7 ORDER BY a, b",
    "SELECT a, count(*) FROM ti GROUP BY a ORDER BY a",
    "PRAGMA integrity_check",
];

/// Runs every query on both engines, checking they agree.
fn compare(mine: &Connection<'_, &StdPlatform, Global>, oracle: &rusqlite::Connection) {
    for sql in QUERIES {
        assert_eq!(
            Exact::ours_ok(mine, sql),
            Exact::theirs_ok(oracle, sql),
            "{sql}"
        );
    }
}

fn sqlite_check(path: &Path) {
    assert_sqlite_integrity_ok(&rusqlite::Connection::open(path).unwrap());
}

/// The rowid and record of every row of table `table` in the file
/// `name`, read raw through the B-tree layer.
fn records(disk: &StdPlatform, name: &str, table: &str) -> Vec<(i64, Vec<u8>)> {
    let db = Database::open(disk, name, &Config::DEFAULT, Global).unwrap();
    let root = db.schema().unwrap().table(table).unwrap().root.unwrap();
    let mut cursor = db.table_cursor(root);
    let mut out = Vec::new();
    let mut more = cursor.first().unwrap();
    while more {
        out.push((
            cursor.rowid().unwrap().get(),
            cursor.payload().unwrap().to_vec(),
        ));
        more = cursor.next().unwrap();
    }
    out
}

/// Statements run after `ROWS` by both engines: an update rewrites the
/// rows from what it read.
const CHANGES: &str = "UPDATE t SET b = b || '!' WHERE a >= 7; UPDATE u SET r = r + 1; \
                       UPDATE ti SET b = b || '?' WHERE a BETWEEN 2 AND 12; \
                       DELETE FROM ti WHERE a = 7";

#[test]
fn a_table_sqlite_wrote_reads_back_alike() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let oracle = rusqlite::Connection::open(&path).unwrap();
    oracle.execute_batch(SCHEMA).unwrap();
    oracle.execute_batch(ROWS).unwrap();
    let disk = StdPlatform::in_dir(dir.path());
    // SQLite stored the whole reals as integers, which this test is about.
    let rows = records(&disk, "s.db", "t");
    let eleven = RecordRef::parse(&rows[0].1, None).unwrap();
    assert_eq!(eleven.column(1).unwrap(), ValueRef::Integer(11));
    {
        let db = Database::open(&disk, "s.db", &Config::DEFAULT, Global).unwrap();
        let mine = db.connect();
        compare(&mine, &oracle);
    }
    drop(oracle);

    // boundlite changes the file SQLite wrote; SQLite, making the same
    // changes to its own copy, must agree with what it finds there.
    let reference = rusqlite::Connection::open_in_memory().unwrap();
    reference.execute_batch(SCHEMA).unwrap();
    reference.execute_batch(ROWS).unwrap();
    reference.execute_batch(CHANGES).unwrap();
    let db = Database::open(&disk, "s.db", &Config::DEFAULT, Global).unwrap();
    let mine = db.connect();
    mine.execute(CHANGES, &[]).unwrap();
    compare(&mine, &reference);
    assert!(db.integrity_check(0).unwrap().is_ok());
    db.checkpoint(CheckpointMode::Truncate).unwrap();
    drop(mine);
    drop(db);
    sqlite_check(&path);
    let reopened = rusqlite::Connection::open(&path).unwrap();
    for sql in QUERIES {
        assert_eq!(
            Exact::theirs_ok(&reopened, sql),
            Exact::theirs_ok(&reference, sql),
            "{sql}"
        );
    }
}

#[test]
fn a_table_boundlite_wrote_reads_back_alike() {
    let dir = tempfile::tempdir().unwrap();
    let disk = StdPlatform::in_dir(dir.path());
    let db = Database::open(&disk, "b.db", &Config::DEFAULT, Global).unwrap();
    let mine = db.connect();
    mine.execute(SCHEMA, &[]).unwrap();
    mine.execute(ROWS, &[]).unwrap();
    // A value bound as a parameter is stored as a literal is.
    let mut insert = mine
        .prepare("INSERT INTO t(id, a, b, c) VALUES (?1, ?2, 'bound', ?2)")
        .unwrap();
    for (id, a) in [(20, ValueRef::Real(11.0)), (21, ValueRef::Integer(3))] {
        insert.reset();
        insert.bind(1, ValueRef::Integer(id)).unwrap();
        insert.bind(2, a).unwrap();
        assert!(insert.step().unwrap().is_none());
    }
    drop(insert);
    mine.execute(CHANGES, &[]).unwrap();
    let oracle = rusqlite::Connection::open(dir.path().join("s.db")).unwrap();
    oracle.execute_batch(SCHEMA).unwrap();
    oracle.execute_batch(ROWS).unwrap();
    oracle
        .execute_batch(
            "INSERT INTO t(id, a, b, c) VALUES (20, 11.0, 'bound', 11.0), (21, 3, 'bound', 3)",
        )
        .unwrap();
    oracle.execute_batch(CHANGES).unwrap();
    compare(&mine, &oracle);
    assert!(db.integrity_check(0).unwrap().is_ok());
    db.checkpoint(CheckpointMode::Truncate).unwrap();
    drop(mine);
    drop(db);

    let path = dir.path().join("b.db");
    sqlite_check(&path);
    let reopened = rusqlite::Connection::open(&path).unwrap();
    for sql in QUERIES {
        assert_eq!(
            Exact::theirs_ok(&reopened, sql),
            Exact::theirs_ok(&oracle, sql),
            "{sql}"
        );
    }
    drop(reopened);
    drop(oracle);
    // Whole reals are stored as integers, as SQLite stores them in a
    // table without indexes: the two files hold the same records there.
    // (With an index SQLite stores them as 8-byte reals; either reads the
    // same.)
    assert_eq!(records(&disk, "b.db", "u"), records(&disk, "s.db", "u"));
    let rows = records(&disk, "b.db", "t");
    let eleven = RecordRef::parse(&rows[0].1, None).unwrap();
    assert_eq!(eleven.column(1).unwrap(), ValueRef::Integer(11));
}
