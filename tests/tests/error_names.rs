//! Errors name what failed, word for word as SQLite's do: the column, the
//! function, the table (with the schema written), the constraint's table
//! and columns. Each statement fails on both engines, and boundlite's
//! message ends with SQLite's.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::Global;
use boundlite::platform::MemoryPlatform;
use boundlite::{Config, Database};

const SCHEMA: &str = "CREATE TABLE t(id INTEGER PRIMARY KEY, a UNIQUE, b NOT NULL, c, d);
     CREATE TABLE p(k TEXT PRIMARY KEY, v);
     CREATE TABLE m(x, y, z, UNIQUE(x, y));
     CREATE TABLE r(v);
     INSERT INTO t VALUES (1, 1, 1, 1, 1), (2, 2, 2, 2, 2);
     INSERT INTO p VALUES ('k', 1);
     INSERT INTO m VALUES (1, 2, 3);
     INSERT INTO r(rowid, v) VALUES (1, 1);
     CREATE TABLE dup(v);
     INSERT INTO dup VALUES (7), (7);
     CREATE VIEW lost AS SELECT * FROM gone;
     CREATE VIEW over_lost AS SELECT * FROM lost;
     CREATE TABLE two(a UNIQUE, b UNIQUE, c, d);
     CREATE UNIQUE INDEX two_c ON two(c);
     CREATE UNIQUE INDEX two_d ON two(d);
     INSERT INTO two VALUES (1, 1, 1, 1);
     CREATE INDEX t_part ON t(c) WHERE d > 1;";

const FAILING: [&str; 31] = [
    "SELECT nope FROM t",
    "SELECT a FROM t, two",
    "SELECT two.a FROM two, two AS two",
    "SELECT id FROM t JOIN t AS u ON u.a = t.a WHERE \"d\" > 0",
    "SELECT v FROM r, dup",
    "SELECT t.nope FROM t",
    "SELECT x.a FROM t",
    "SELECT [a b] FROM t",
    "SELECT a FROM t WHERE nope > 1",
    "SELECT a FROM t ORDER BY nope",
    "SELECT nope",
    "SELECT (SELECT nope FROM p) FROM t",
    "SELECT f(1)",
    "SELECT nosuch(a) FROM t WHERE 0",
    "SELECT 'a' REGEXP 'b'",
    "SELECT * FROM nope",
    "SELECT * FROM aux.t",
    "SELECT * FROM temp.t",
    "SELECT nope.* FROM t",
    "INSERT INTO nope VALUES (1)",
    "DELETE FROM aux.t",
    "CREATE INDEX i ON nope(a)",
    "DROP TABLE nope",
    "INSERT INTO t(nope) VALUES (1)",
    "UPDATE t SET nope = 1",
    "INSERT INTO t VALUES (1, 9, 9, 9, 9)",
    "INSERT INTO t VALUES (9, 1, 9, 9, 9)",
    "INSERT INTO t VALUES (9, 9, NULL, 9, 9)",
    "UPDATE t SET b = NULL WHERE id = 2",
    "INSERT INTO p VALUES ('k', 2)",
    "INSERT INTO m VALUES (1, 2, 4)",
];

const ALSO_FAILING: [&str; 30] = [
    "SELECT * FROM lost",
    "SELECT * FROM over_lost",
    "SELECT * FROM t WHERE a IN (SELECT * FROM lost)",
    "SELECT * FROM main.nope",
    "SELECT * FROM MAIN.\"No pe\"",
    "SELECT * FROM t, main.nope",
    "INSERT INTO main.nope VALUES (1)",
    "UPDATE main.nope SET a = 1",
    "DELETE FROM main.nope",
    "INSERT INTO r(rowid, v) VALUES (1, 2)",
    "CREATE UNIQUE INDEX dv ON dup(v)",
    "CREATE UNIQUE INDEX td ON t(d * 0)",
    "REPLACE INTO p VALUES ('j', NULL); INSERT INTO p VALUES ('j', 1)",
    "UPDATE t SET a = 1 WHERE id = 2",
    // A row repeating several keys fails on the index made last.
    "INSERT INTO two VALUES (1, 1, 1, 1)",
    "INSERT INTO two VALUES (1, 1, 1, 2)",
    "INSERT INTO two VALUES (1, 1, 2, 2)",
    "INSERT INTO two VALUES (1, 2, 2, 2)",
    "INSERT INTO two(rowid, a, b, c, d) VALUES (1, 1, 1, 1, 1)",
    "WITH c AS (SELECT 1), c AS (SELECT 2) SELECT * FROM c",
    "WITH c AS (SELECT 1), C AS (SELECT 2) SELECT 1",
    // A partial index that may lack rows the statement reads.
    "SELECT * FROM t INDEXED BY t_part",
    "SELECT * FROM t INDEXED BY t_part WHERE c = 1",
    "SELECT * FROM t INDEXED BY t_part WHERE d > 2",
    "DELETE FROM t INDEXED BY t_part WHERE c = 1",
    "SELECT (1, 2)",
    "SELECT * FROM t WHERE (a, b) = (1, 2, 3)",
    "SELECT * FROM t WHERE (a, b) IN (SELECT k FROM p)",
    "SELECT * FROM t WHERE (a, b) IN ((1, 2), (3))",
    "SELECT * FROM t WHERE a IN (SELECT k, v FROM p)",
];

#[test]
fn errors_name_what_failed_as_sqlite_does() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "e.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    conn.execute(SCHEMA, &[]).unwrap();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    oracle.execute_batch(SCHEMA).unwrap();
    let mut named = 0;
    for sql in FAILING.iter().chain(ALSO_FAILING.iter()) {
        let Err(theirs) = oracle.execute_batch(sql) else {
            panic!("{sql}: SQLite runs it");
        };
        let mut theirs = theirs.to_string();
        // rusqlite adds where in the text SQLite's message points.
        if let Some(at) = theirs.find(&format!(" in {sql}")) {
            theirs.truncate(at);
        }
        let Err(ours) = conn.execute(sql, &[]) else {
            panic!("{sql}: succeeded here, and SQLite says {theirs}");
        };
        assert!(
            ours.to_string().ends_with(&theirs),
            "{sql}\n  boundlite: {ours}\n  sqlite:    {theirs}"
        );
        named += 1;
    }
    assert_eq!(named, FAILING.len() + ALSO_FAILING.len(), "{named} named");
    // A name longer than an error holds is cut, and says so.
    conn.execute(
        "CREATE TABLE long_table_name_here(some_long_column_name UNIQUE);
         INSERT INTO long_table_name_here VALUES (1)",
        &[],
    )
    .unwrap();
    let cut = conn
        .execute("INSERT INTO long_table_name_here VALUES (1)", &[])
        .unwrap_err()
        .to_string();
    assert!(
        cut.starts_with("constraint failed: UNIQUE constraint failed: long_table_name_here")
            && cut.ends_with("..."),
        "{cut}"
    );
    assert!(db.integrity_check(0).unwrap().is_ok());
}
