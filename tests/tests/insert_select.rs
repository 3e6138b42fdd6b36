//! `INSERT ... SELECT` beside SQLite: the copy of stored records that
//! SQLite's transfer optimization makes (`INSERT INTO t SELECT * FROM s`
//! between tables that store rows alike), and the ordinary way it falls
//! back to, which stores rows as the query reads them when the query does
//! not read the table written.
//!
//! - rowids come out as SQLite's: kept by a copy into a table with
//!   indexes (whose entries are copied too), fresh for a table without
//!   rowid alias or index, and fresh again when the copy is refused (an
//!   index the source lacks, a unique index against a plain one);
//! - records with values spanning overflow pages, and index entries that
//!   spill, read back byte for byte;
//! - a destination that already has rows: a copy checks each rowid, a
//!   taken one fails the statement (which leaves no row behind, inside a
//!   transaction or not); `OR IGNORE` and `OR REPLACE` go the ordinary way;
//! - records shorter than their table (written before `ALTER TABLE ...
//!   ADD COLUMN`) read their defaults in the copy, or are refused a copy
//!   when the defaults differ;
//! - SQLite opens every file written and finds it intact;
//! - twenty thousand rows appended into empty tables and tables holding
//!   rows before, between and after them come out as in SQLite, and so do
//!   rows inserted statement after statement, in order and out of it,
//!   with deletes between;
//! - a copy, and a query stored row by row, allocate nothing per row;
//! - allocation failures at every point of either leave the database as
//!   it was, intact, with nothing leaked.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::Path;

use boundlite::alloc::{Arena, Counting, FaultAlloc, Global, oom_sweep};
use boundlite::format::PageSize;
use boundlite::platform::MemoryPlatform;
use boundlite::{Config, Connection, Database, Error};
use boundlite_std::StdPlatform;
use boundlite_tests::compare::{Exact, Owned, assert_sqlite_integrity_ok, both};

/// Small pages, so that modest values spill to overflow pages.
fn config() -> Config {
    Config {
        page_size: PageSize::new(1024).unwrap(),
        ..Config::DEFAULT
    }
}

/// The bytes of a database file SQLite builds by running `setup`.
fn image(setup: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("image.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("PRAGMA page_size = 1024;").unwrap();
    conn.execute_batch(setup).unwrap();
    drop(conn);
    std::fs::read(&path).unwrap()
}

/// Runs `body` with boundlite on one copy of the database `setup`
/// builds and SQLite on another, then has SQLite open boundlite's file:
/// it must be intact and answer each of `checks` as SQLite's own copy.
fn beside_sqlite(
    setup: &str,
    checks: &[&str],
    body: impl FnOnce(&Connection<'_, &StdPlatform, Global>, &rusqlite::Connection),
) {
    let bytes = image(setup);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ours.db"), &bytes).unwrap();
    std::fs::write(dir.path().join("theirs.db"), &bytes).unwrap();
    let oracle = rusqlite::Connection::open(dir.path().join("theirs.db")).unwrap();
    let disk = StdPlatform::in_dir(dir.path());
    {
        let db = Database::open(&disk, "ours.db", &config(), Global).unwrap();
        let mine = db.connect();
        body(&mine, &oracle);
        assert!(db.integrity_check(0).unwrap().is_ok());
    }
    reopened_in_sqlite(&dir.path().join("ours.db"), &oracle, checks);
}

/// SQLite's view of the file at `path`: intact, and answering `checks`
/// as `oracle` does, to the bit.
fn reopened_in_sqlite(path: &Path, oracle: &rusqlite::Connection, checks: &[&str]) {
    let sqlite = rusqlite::Connection::open(path).unwrap();
    assert_sqlite_integrity_ok(&sqlite);
    for sql in checks {
        assert_eq!(
            Exact::theirs_ok(&sqlite, sql),
            Exact::theirs_ok(oracle, sql),
            "SQLite reads boundlite's file differently: {sql}"
        );
    }
}

/// Runs `sql` on both engines, which must agree on its rows (to the bit)
/// or both fail.
fn run(mine: &Connection<'_, &StdPlatform, Global>, oracle: &rusqlite::Connection, sql: &str) {
    let ours = Exact::ours(mine, sql);
    let theirs = Exact::theirs(oracle, sql);
    match (&ours, &theirs) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "rows differ for {sql}"),
        _ => panic!("{sql}\n  boundlite: {ours:?}\n  sqlite:    {theirs:?}"),
    }
}

/// Runs `sql` on both engines, which must both fail it with a constraint
/// error.
fn refused(mine: &Connection<'_, &StdPlatform, Global>, oracle: &rusqlite::Connection, sql: &str) {
    let ours = mine.execute(sql, &[]);
    assert!(
        ours.as_ref().err().map(Error::code) == Some(19),
        "{sql}: boundlite gave {ours:?}"
    );
    let theirs = oracle.execute_batch(sql).unwrap_err();
    assert_eq!(
        theirs.sqlite_error_code(),
        Some(rusqlite::ErrorCode::ConstraintViolation),
        "{sql}"
    );
}

const ROWIDS: &str = "
    CREATE TABLE s(a, b);
    CREATE INDEX s_a ON s(a);
    INSERT INTO s VALUES (3, 'x'), (1, 'y'), (2, 'z'), (5, 'w'), (4, 'v');
    DELETE FROM s WHERE a IN (1, 5);
    INSERT INTO s(rowid, a, b) VALUES (100, 7, 'q'), (50, 0, 'r');
    CREATE TABLE kept(a, b);
    CREATE INDEX kept_a ON kept(a);
    CREATE TABLE fresh(a, b);
    CREATE TABLE other_index(a, b);
    CREATE INDEX other_index_b ON other_index(b);
    CREATE TABLE unique_index(a, b);
    CREATE UNIQUE INDEX unique_index_a ON unique_index(a);
    CREATE TABLE more_columns(a, b, c);";

#[test]
fn rowids_are_kept_or_fresh_as_in_sqlite() {
    let tables = ["kept", "fresh", "other_index", "unique_index"];
    let checks: Vec<String> = tables
        .iter()
        .flat_map(|t| {
            [
                format!("SELECT rowid, a, b FROM {t} ORDER BY rowid"),
                format!("SELECT a, rowid FROM {t} WHERE a >= 0 ORDER BY a"),
            ]
        })
        .collect();
    let checks: Vec<&str> = checks.iter().map(String::as_str).collect();
    beside_sqlite(ROWIDS, &checks, |mine, oracle| {
        for t in tables {
            run(mine, oracle, &format!("INSERT INTO {t} SELECT * FROM s"));
        }
        // Too many values for the table's columns either way.
        run(mine, oracle, "INSERT INTO more_columns SELECT *, 1 FROM s");
        assert!(!both(
            mine,
            oracle,
            "INSERT INTO more_columns SELECT * FROM s",
            "column count"
        ));
        for sql in &checks {
            run(mine, oracle, sql);
        }
        // A second copy into the indexed table goes the ordinary way, as
        // in SQLite: its rows take fresh rowids.
        run(mine, oracle, "INSERT INTO kept SELECT * FROM s");
        run(mine, oracle, "SELECT rowid, a, b FROM kept ORDER BY rowid");
        run(mine, oracle, "PRAGMA integrity_check");
    });
}

const BIG: &str = "
    CREATE TABLE big(id INTEGER PRIMARY KEY, t TEXT, b BLOB, n REAL);
    CREATE INDEX big_t ON big(t);
    WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 60)
    INSERT INTO big SELECT i * 3, printf('%.*c', i * 61, 'a') || i, randomblob(i * 97),
        CASE WHEN i % 2 THEN i * 1.5 ELSE i END FROM k;
    INSERT INTO big VALUES (1000, NULL, zeroblob(20000), NULL);
    CREATE TABLE copy(id INTEGER PRIMARY KEY, t TEXT, b BLOB, n REAL);
    CREATE INDEX copy_t ON copy(t);";

#[test]
fn values_over_overflow_pages_copy_byte_for_byte() {
    let checks = [
        "SELECT id, t, b, n, typeof(n) FROM copy ORDER BY id",
        "SELECT t, id FROM copy WHERE t >= 'a' ORDER BY t",
    ];
    beside_sqlite(BIG, &checks, |mine, oracle| {
        run(mine, oracle, "INSERT INTO copy SELECT * FROM big");
        for sql in checks {
            run(mine, oracle, sql);
        }
        run(
            mine,
            oracle,
            "SELECT count(*), sum(length(t)), sum(length(b)) FROM copy",
        );
    });
}

const FILLED: &str = "
    CREATE TABLE s(id INTEGER PRIMARY KEY, v TEXT NOT NULL);
    WITH RECURSIVE k(i) AS (SELECT 10 UNION ALL SELECT i + 1 FROM k WHERE i < 50)
    INSERT INTO s SELECT i, 'row ' || i FROM k;
    CREATE TABLE d(id INTEGER PRIMARY KEY, v TEXT);
    INSERT INTO d VALUES (1, 'one'), (2, 'two'), (60, 'sixty');
    CREATE TABLE taken(id INTEGER PRIMARY KEY, v TEXT);
    INSERT INTO taken VALUES (1, 'one'), (30, 'taken');
    CREATE TABLE ignored(id INTEGER PRIMARY KEY, v TEXT);
    INSERT INTO ignored VALUES (30, 'kept');
    CREATE TABLE replaced(id INTEGER PRIMARY KEY, v TEXT);
    INSERT INTO replaced VALUES (30, 'gone'), (99, 'stays');
    CREATE TABLE strict_null(id INTEGER PRIMARY KEY, v TEXT NOT NULL);";

#[test]
fn a_destination_with_rows_checks_each_rowid() {
    let checks = [
        "SELECT * FROM d ORDER BY id",
        "SELECT * FROM taken ORDER BY id",
        "SELECT * FROM ignored ORDER BY id",
        "SELECT * FROM replaced ORDER BY id",
    ];
    beside_sqlite(FILLED, &checks, |mine, oracle| {
        run(mine, oracle, "INSERT INTO d SELECT * FROM s");
        refused(mine, oracle, "INSERT INTO taken SELECT * FROM s");
        run(mine, oracle, "SELECT * FROM taken ORDER BY id");
        // Inside a transaction the failed statement alone is undone.
        run(mine, oracle, "BEGIN");
        run(mine, oracle, "INSERT INTO strict_null SELECT * FROM s");
        refused(mine, oracle, "INSERT INTO taken SELECT * FROM s");
        run(mine, oracle, "SELECT count(*) FROM taken");
        run(mine, oracle, "SELECT count(*) FROM strict_null");
        run(mine, oracle, "COMMIT");
        run(
            mine,
            oracle,
            "INSERT OR IGNORE INTO ignored SELECT * FROM s",
        );
        run(
            mine,
            oracle,
            "INSERT OR REPLACE INTO replaced SELECT * FROM s",
        );
        for sql in checks {
            run(mine, oracle, sql);
        }
    });
}

const ALTERED: &str = "
    CREATE TABLE s(id INTEGER PRIMARY KEY, a);
    INSERT INTO s VALUES (1, 'x'), (2, 'y');
    ALTER TABLE s ADD COLUMN c DEFAULT 7;
    ALTER TABLE s ADD COLUMN d TEXT DEFAULT 'dflt';
    INSERT INTO s VALUES (3, 'z', 9, 'given');
    CREATE TABLE same(id INTEGER PRIMARY KEY, a, c DEFAULT 7, d TEXT DEFAULT 'dflt');
    CREATE TABLE other(id INTEGER PRIMARY KEY, a, c DEFAULT 8, d TEXT DEFAULT 'dflt');
    CREATE TABLE spelled(id INTEGER PRIMARY KEY, a, c DEFAULT (7), d TEXT DEFAULT 'dflt');";

#[test]
fn records_shorter_than_their_table_read_their_defaults() {
    let checks = [
        "SELECT * FROM same ORDER BY id",
        "SELECT * FROM other ORDER BY id",
        "SELECT * FROM spelled ORDER BY id",
    ];
    beside_sqlite(ALTERED, &checks, |mine, oracle| {
        for t in ["same", "other", "spelled"] {
            run(mine, oracle, &format!("INSERT INTO {t} SELECT * FROM s"));
        }
        for sql in checks {
            run(mine, oracle, sql);
        }
    });
}

const MANY: &str = "
    CREATE TABLE s(id INTEGER PRIMARY KEY, v TEXT, n INTEGER);
    WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 20000)
    INSERT INTO s SELECT i * 2, printf('%.*c', CASE WHEN i % 500 = 0 THEN 3000 ELSE i % 40 END, 'v'), i FROM k;
    CREATE TABLE empty(id INTEGER PRIMARY KEY, v TEXT, n INTEGER);
    CREATE TABLE low(id INTEGER PRIMARY KEY, v TEXT, n INTEGER);
    INSERT INTO low VALUES (-5, 'below', 0), (1, 'one', 1);
    CREATE TABLE mid(id INTEGER PRIMARY KEY, v TEXT, n INTEGER);
    INSERT INTO mid VALUES (20001, 'odd', 0);
    CREATE TABLE plain(a, v TEXT, n INTEGER);
    INSERT INTO plain VALUES (1, 'first', 0);";

#[test]
fn many_rows_append_as_sqlite_stores_them() {
    let checks = [
        "SELECT id, v, n FROM empty ORDER BY id",
        "SELECT id, v, n FROM low ORDER BY id",
        "SELECT id, v, n FROM mid ORDER BY id",
        "SELECT rowid, a, v, n FROM plain ORDER BY rowid",
    ];
    beside_sqlite(MANY, &checks, |mine, oracle| {
        for t in ["empty", "low", "mid", "plain"] {
            run(mine, oracle, &format!("INSERT INTO {t} SELECT * FROM s"));
        }
        for sql in checks {
            run(mine, oracle, sql);
        }
    });
}

const APPENDED: &str = "
    CREATE TABLE a(id INTEGER PRIMARY KEY, v TEXT);
    CREATE TABLE b(id INTEGER PRIMARY KEY, v TEXT, n);
    CREATE INDEX b_n ON b(n);";

#[test]
fn rows_appended_statement_after_statement_match_sqlite() {
    let checks = ["SELECT * FROM a ORDER BY id", "SELECT * FROM b ORDER BY id"];
    beside_sqlite(APPENDED, &checks, |mine, oracle| {
        run(mine, oracle, "BEGIN");
        for i in 0..3000i64 {
            let v = "x".repeat((i % 97) as usize);
            let sql = match i % 11 {
                // Below the largest rowid, and then past it again.
                3 => format!("INSERT INTO a VALUES ({}, '{v}')", i / 2 - 700),
                // Rows go from anywhere, the last among them at times.
                5 => format!("DELETE FROM a WHERE id % 50 = {} OR id > {}", i % 50, i - 3),
                7 => format!("INSERT INTO b(v, n) VALUES ('{v}', {})", i % 13),
                8 => format!("INSERT INTO a VALUES (NULL, '{v}'), (NULL, 'twice')"),
                _ => format!("INSERT INTO a(v) VALUES ('{v}')"),
            };
            let ours = mine.execute(&sql, &[]).map(|_| ());
            let theirs = oracle.execute_batch(&sql).map(|_| ());
            assert_eq!(ours.is_ok(), theirs.is_ok(), "{sql}: {ours:?} {theirs:?}");
        }
        run(mine, oracle, "COMMIT");
        run(mine, oracle, "INSERT INTO a(v) SELECT v FROM b");
        run(
            mine,
            oracle,
            "INSERT INTO b(v, n) SELECT v, id % 7 FROM a WHERE id % 3 = 0",
        );
        for sql in checks {
            run(mine, oracle, sql);
        }
    });
}

const COUNTED_ROWS: i64 = 4_000;

/// A table `s` of `COUNTED_ROWS` rows and empty tables of its shape, one
/// with an index on a column `s` does not index.
fn counted_image() -> Vec<u8> {
    image(&format!(
        "CREATE TABLE s(id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL);
         WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < {COUNTED_ROWS})
         INSERT INTO s SELECT i, 'name-' || i, (i * 7919 % 1000) * 1.5 FROM k;
         CREATE TABLE copy(id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL);
         CREATE TABLE indexed(id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL);
         CREATE INDEX indexed_score ON indexed(score);"
    ))
}

#[test]
fn copies_and_streamed_rows_allocate_nothing_per_row() {
    let bytes = counted_image();
    for (sql, table) in [
        ("INSERT INTO copy SELECT * FROM s", "copy"),
        ("INSERT INTO indexed SELECT * FROM s", "indexed"),
        (
            "INSERT INTO indexed(id, name, score) SELECT id + 10000, name, -score FROM s",
            "indexed",
        ),
    ] {
        let disk = MemoryPlatform::new();
        disk.write_file("c.db", &bytes).unwrap();
        let counting = Counting::new(Global);
        let db = Database::open(&disk, "c.db", &Config::DEFAULT, &counting).unwrap();
        let conn = db.connect();
        let before = counting.stats().allocations;
        conn.execute(sql, &[]).unwrap();
        let made = counting.stats().allocations - before;
        println!("{sql}: {made} allocations for {COUNTED_ROWS} rows");
        assert!(
            made < COUNTED_ROWS as usize / 10,
            "{sql}: {made} allocations for {COUNTED_ROWS} rows"
        );
        let count = Exact::ours_ok(&conn, &format!("SELECT count(*) FROM {table}"));
        assert!(matches!(count[0][0], Exact::Int(n) if n % COUNTED_ROWS == 0));
        assert!(db.integrity_check(0).unwrap().is_ok());
    }
}

#[test]
fn allocation_failures_leave_the_destination_as_it_was() {
    let bytes = image(&format!(
        "{BIG}
         CREATE TABLE plain(id INTEGER PRIMARY KEY, t TEXT, b BLOB, n REAL);
         CREATE INDEX plain_n ON plain(n);"
    ));
    let mut buffer = vec![0u8; 4 * 1024 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    for (sql, table) in [
        // A copy, index entries and overflow chains included.
        ("INSERT INTO copy SELECT * FROM big", "copy"),
        // Rows stored as the query reads them.
        ("INSERT INTO plain SELECT * FROM big", "plain"),
    ] {
        for persistent in [false, true] {
            let disk = std::cell::RefCell::new(MemoryPlatform::new());
            let report = oom_sweep(
                &fault,
                persistent,
                |fault| {
                    let fresh = MemoryPlatform::new();
                    fresh.write_file("c.db", &bytes).unwrap();
                    *disk.borrow_mut() = fresh;
                    let disk = disk.borrow();
                    let db = Database::open(&*disk, "c.db", &config(), fault)?;
                    db.connect().execute(sql, &[])
                },
                |n, e| {
                    let context = format!("{sql}, failure {n}");
                    assert_eq!(e, Error::OutOfMemory, "{context}");
                    assert_eq!(arena.stats().live_allocations, 0, "{context}: leaked");
                    let disk = disk.borrow();
                    let db = Database::open(&*disk, "c.db", &config(), Global).unwrap();
                    assert!(db.integrity_check(0).unwrap().is_ok(), "{context}");
                    let count =
                        Exact::ours_ok(&db.connect(), &format!("SELECT count(*) FROM {table}"));
                    assert_eq!(count, vec![vec![Exact::Int(0)]], "{context}");
                },
            )
            .unwrap();
            assert_eq!(report.value, 61, "{sql}");
            assert!(report.failure_points > 20, "{report:?}");
            println!("{sql}, persistent={persistent}: {report:?}");
        }
    }
}
