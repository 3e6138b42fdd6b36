//! Focused tests of the connection API and the executor.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

extern crate std;

mod abort;
mod cache_size;
mod isolation;
mod undo_spill;

use std::string::{String, ToString};
use std::vec::Vec;

use boundlite_platform::{MemoryPlatform, Platform};

use crate::alloc::{Allocator, Global};
use crate::record::ValueRef;
use crate::{Config, Connection, Database, Error};

fn open(disk: &MemoryPlatform) -> Database<&MemoryPlatform, Global> {
    Database::open(disk, "t.db", &Config::DEFAULT, Global).unwrap()
}

/// Every row of `sql`, each column rendered as SQLite's shell would.
fn rows<P: Platform, A: Allocator + Clone>(conn: &Connection<'_, P, A>, sql: &str) -> Vec<String> {
    let mut stmt = conn.prepare(sql).unwrap();
    let mut out = Vec::new();
    while let Some(row) = stmt.step().unwrap() {
        let cols: Vec<String> = row
            .values()
            .map(|v| match v {
                ValueRef::Null => String::new(),
                ValueRef::Integer(i) => std::format!("{i}"),
                ValueRef::Real(r) => std::format!("{r:?}"),
                ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                ValueRef::Blob(b) => std::format!("{b:?}"),
            })
            .collect();
        out.push(cols.join("|"));
    }
    out
}

#[test]
fn create_insert_select() {
    let disk = MemoryPlatform::new();
    let db = open(&disk);
    let conn = db.connect();
    conn.execute(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL DEFAULT 1.5)",
        &[],
    )
    .unwrap();
    let n = conn
        .execute(
            "INSERT INTO t(name) VALUES ('a'), ('b'); INSERT INTO t VALUES (10, 'c', 7)",
            &[],
        )
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(
        rows(&conn, "SELECT * FROM t"),
        ["1|a|1.5", "2|b|1.5", "10|c|7.0"]
    );
    assert_eq!(rows(&conn, "SELECT id, name FROM t WHERE id = 2"), ["2|b"]);
    assert_eq!(
        rows(&conn, "SELECT name FROM t WHERE rowid > 1 AND rowid <= 10"),
        ["b", "c"]
    );
    assert_eq!(
        rows(&conn, "SELECT name FROM t ORDER BY name DESC LIMIT 2"),
        ["c", "b"]
    );
    assert_eq!(rows(&conn, "SELECT name FROM t LIMIT 1 OFFSET 1"), ["b"]);
    assert_eq!(
        rows(
            &conn,
            "SELECT count(*), max(id), min(name), sum(id), avg(score), total(id) FROM t"
        ),
        ["3|10|a|13|3.3333333333333335|13.0"]
    );
    assert_eq!(rows(&conn, "SELECT 1 + 2, 'x' || 'y'"), ["3|xy"]);
    let err = conn
        .execute("INSERT INTO t(id) VALUES (5)", &[])
        .unwrap_err();
    assert_eq!(err.code(), 19, "{err:?}");
    let err = conn
        .execute("INSERT INTO t VALUES (1, 'dup', 0)", &[])
        .unwrap_err();
    assert_eq!(err.code(), 19, "{err:?}");
    assert_eq!(rows(&conn, "SELECT count(*) FROM t"), ["3"]);
}

#[test]
fn explain_query_plan_names_the_plan() {
    let disk = MemoryPlatform::new();
    let db = open(&disk);
    let conn = db.connect();
    conn.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v)", &[])
        .unwrap();
    let detail = |sql| rows(&conn, sql)[0].rsplit('|').next().unwrap().to_string();
    assert_eq!(
        detail("EXPLAIN QUERY PLAN SELECT * FROM t WHERE id = ?"),
        "SEARCH t USING INTEGER PRIMARY KEY (rowid=?)"
    );
    assert_eq!(
        detail("EXPLAIN QUERY PLAN SELECT * FROM t WHERE v = 1"),
        "SCAN t"
    );
    assert_eq!(
        detail("EXPLAIN QUERY PLAN SELECT * FROM t WHERE id > 1 AND id < 5"),
        "SEARCH t USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)"
    );
}

#[test]
fn parameters_bind_by_number_and_name() {
    let disk = MemoryPlatform::new();
    let db = open(&disk);
    let conn = db.connect();
    conn.execute("CREATE TABLE t(a INTEGER, b TEXT)", &[])
        .unwrap();
    let mut ins = conn.prepare("INSERT INTO t VALUES (:a, ?2)").unwrap();
    for i in 0..3 {
        ins.reset();
        ins.bind_name(":a", ValueRef::Integer(i)).unwrap();
        ins.bind(2, ValueRef::text("x")).unwrap();
        assert!(ins.step().unwrap().is_none());
        assert_eq!(ins.changes(), 1);
    }
    assert!(ins.bind(3, ValueRef::Null).is_err());
    let mut q = conn.prepare("SELECT a, b FROM t WHERE a >= ?").unwrap();
    q.bind(1, ValueRef::Integer(1)).unwrap();
    let row = q.step().unwrap().unwrap();
    assert_eq!(row.get_i64(0).unwrap(), 1);
    assert_eq!(row.get_text(1).unwrap(), "x");
    // An INTEGER widens to f64, as rusqlite reads it; TEXT is no number.
    assert_eq!(row.get_f64(0).unwrap(), 1.0);
    assert!(row.get_i64(1).is_err());
    assert_eq!(row.column_count(), 2);
}

#[test]
fn indexes_are_maintained_and_unique() {
    let disk = MemoryPlatform::new();
    let db = open(&disk);
    let conn = db.connect();
    conn.execute(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT UNIQUE, v REAL); CREATE INDEX tv ON t(v)",
        &[],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO t(k, v) VALUES ('a', 1), ('b', 2), (NULL, 3), (NULL, 4)",
        &[],
    )
    .unwrap();
    let err = conn
        .execute("INSERT INTO t(k, v) VALUES ('a', 9)", &[])
        .unwrap_err();
    assert!(matches!(err, Error::Unique(_)));
    assert_eq!(
        conn.execute("INSERT OR IGNORE INTO t(k, v) VALUES ('a', 9)", &[])
            .unwrap(),
        0
    );
    assert_eq!(
        conn.execute("INSERT OR REPLACE INTO t(k, v) VALUES ('a', 9)", &[])
            .unwrap(),
        1
    );
    assert_eq!(
        rows(&conn, "SELECT id, k, v FROM t WHERE k = 'a'"),
        ["5|a|9.0"]
    );
    assert_eq!(
        conn.execute("UPDATE t SET v = v + 10 WHERE id <= 2", &[])
            .unwrap(),
        1
    );
    assert!(
        conn.execute("UPDATE t SET k = 'b' WHERE id = 5", &[])
            .is_err()
    );
    assert_eq!(conn.execute("DELETE FROM t WHERE v > 3", &[]).unwrap(), 3);
    assert_eq!(rows(&conn, "SELECT id, k, v FROM t"), ["3||3.0"]);
    let report = db.integrity_check(0).unwrap();
    assert!(report.is_ok(), "{report:?}");
}

#[test]
fn explicit_transactions_commit_rollback_and_undo_one_statement() {
    let disk = MemoryPlatform::new();
    let db = open(&disk);
    let conn = db.connect();
    conn.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, k UNIQUE)", &[])
        .unwrap();
    conn.execute("BEGIN; INSERT INTO t VALUES (1, 'a'); ROLLBACK", &[])
        .unwrap();
    assert_eq!(rows(&conn, "SELECT count(*) FROM t"), ["0"]);
    conn.execute("BEGIN IMMEDIATE; INSERT INTO t VALUES (1, 'a')", &[])
        .unwrap();
    assert!(conn.in_transaction());
    // The second row conflicts: the statement's first row is undone too.
    let err = conn
        .execute("INSERT INTO t VALUES (2, 'b'), (3, 'a')", &[])
        .unwrap_err();
    assert!(matches!(err, Error::Unique(_)));
    assert!(conn.in_transaction());
    conn.execute("INSERT INTO t VALUES (4, 'd'); COMMIT", &[])
        .unwrap();
    assert_eq!(rows(&conn, "SELECT id, k FROM t"), ["1|a", "4|d"]);
    assert!(conn.execute("COMMIT", &[]).is_err());
    assert!(db.integrity_check(0).unwrap().is_ok());
}

#[test]
fn ddl_if_exists_and_drop() {
    let disk = MemoryPlatform::new();
    let db = open(&disk);
    let conn = db.connect();
    conn.execute("CREATE TABLE IF NOT EXISTS t(a)", &[])
        .unwrap();
    conn.execute("CREATE TABLE IF NOT EXISTS t(a)", &[])
        .unwrap();
    assert!(conn.execute("CREATE TABLE t(a)", &[]).is_err());
    conn.execute("CREATE INDEX IF NOT EXISTS ta ON t(a)", &[])
        .unwrap();
    conn.execute("INSERT INTO t VALUES (1)", &[]).unwrap();
    conn.execute("DROP INDEX ta; DROP TABLE t; DROP TABLE IF EXISTS t", &[])
        .unwrap();
    assert!(conn.execute("DROP TABLE t", &[]).is_err());
    assert!(conn.execute("SELECT * FROM t", &[]).is_err());
    assert!(db.integrity_check(0).unwrap().is_ok());
}

#[test]
fn a_query_open_across_a_change_keeps_working() {
    let disk = MemoryPlatform::new();
    let db = open(&disk);
    let conn = db.connect();
    conn.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)", &[])
        .unwrap();
    for i in 0..200 {
        conn.execute("INSERT INTO t(v) VALUES (?1)", &[ValueRef::Integer(i)])
            .unwrap();
    }
    let mut q = conn.prepare("SELECT id FROM t").unwrap();
    let mut seen = 0;
    while let Some(row) = q.step().unwrap() {
        let id = row.get_i64(0).unwrap();
        seen += 1;
        if id % 50 == 0 {
            conn.execute("INSERT INTO t(v) VALUES ('more')", &[])
                .unwrap();
        }
    }
    assert!(seen >= 200);
    assert!(db.integrity_check(0).unwrap().is_ok());
}

#[test]
fn index_seek_with_a_bound_parameter_reads_every_match() {
    let disk = MemoryPlatform::new();
    let db = open(&disk);
    let conn = db.connect();
    conn.execute(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT, n INT); CREATE INDEX tk ON t(k);
         INSERT INTO t(k, n) VALUES ('a', 1), ('b', 2), ('a', 3), ('10', 4)",
        &[],
    )
    .unwrap();
    let mut stmt = conn
        .prepare("SELECT id FROM t WHERE k = ?1 AND n > 1")
        .unwrap();
    stmt.bind(1, ValueRef::text("a")).unwrap();
    assert_eq!(stmt.step().unwrap().unwrap().get_i64(0).unwrap(), 3);
    assert!(stmt.step().unwrap().is_none());
    // A number compared with a TEXT column is compared as text.
    stmt.reset();
    stmt.bind(1, ValueRef::Integer(10)).unwrap();
    assert_eq!(stmt.step().unwrap().unwrap().get_i64(0).unwrap(), 4);
    assert_eq!(
        rows(&conn, "EXPLAIN QUERY PLAN SELECT * FROM t WHERE k = ?"),
        ["2|0|0|SEARCH t USING INDEX tk (k=?)"]
    );
    assert!(rows(&conn, "SELECT id FROM t WHERE k = NULL").is_empty());
}

#[test]
fn grouping_distinct_and_insert_select() {
    let disk = MemoryPlatform::new();
    let db = open(&disk);
    let conn = db.connect();
    conn.execute(
        "CREATE TABLE t(k TEXT, n INT); INSERT INTO t VALUES ('a', 1), ('b', 2), ('a', 3);
         CREATE TABLE u(k TEXT, total INT); INSERT INTO u SELECT k, sum(n) FROM t GROUP BY k",
        &[],
    )
    .unwrap();
    assert_eq!(rows(&conn, "SELECT * FROM u"), ["a|4", "b|2"]);
    assert_eq!(
        rows(&conn, "SELECT k FROM t GROUP BY k HAVING sum(n) > 2"),
        ["a"]
    );
    assert_eq!(rows(&conn, "SELECT DISTINCT k FROM t"), ["a", "b"]);
    assert_eq!(rows(&conn, "SELECT count(*) * 10 FROM t"), ["30"]);
}

#[test]
fn pragmas_report_and_set() {
    let disk = MemoryPlatform::new();
    let db = open(&disk);
    let conn = db.connect();
    conn.execute("CREATE TABLE t(a INT NOT NULL, b DEFAULT 'x')", &[])
        .unwrap();
    assert_eq!(
        rows(&conn, "PRAGMA table_info(t)"),
        ["0|a|INT|1||0", "1|b||0|'x'|0"]
    );
    assert_eq!(rows(&conn, "PRAGMA integrity_check"), ["ok"]);
    assert_eq!(rows(&conn, "PRAGMA journal_mode"), ["wal"]);
    assert_eq!(rows(&conn, "PRAGMA journal_mode = delete"), ["wal"]);
    assert_eq!(rows(&conn, "PRAGMA journal_mode = MVCC"), ["mvcc"]);
    assert_eq!(rows(&conn, "PRAGMA journal_mode = wal"), ["wal"]);
    assert_eq!(
        rows(&conn, "PRAGMA mvcc_checkpoint_threshold = 4096"),
        ["4096"]
    );
    assert_eq!(rows(&conn, "PRAGMA mvcc_checkpoint_threshold"), ["4096"]);
    conn.execute("BEGIN; PRAGMA user_version = 5", &[]).unwrap();
    assert_eq!(rows(&conn, "PRAGMA user_version"), ["5"]);
    conn.execute("ROLLBACK", &[]).unwrap();
    assert_eq!(rows(&conn, "PRAGMA user_version"), ["0"]);
    conn.execute("PRAGMA user_version = 5", &[]).unwrap();
    assert_eq!(db.header().user_version, 5);
    assert_eq!(rows(&conn, "PRAGMA no_such_thing").len(), 0);
}

/// The column count and first row of a prepared `SELECT *`, run again.
fn rerun(stmt: &mut crate::Statement<'_, '_, &MemoryPlatform, Global>) -> (usize, Vec<String>) {
    stmt.reset();
    let row = stmt.step().unwrap().unwrap();
    let values = row
        .values()
        .map(|v| match v {
            ValueRef::Integer(i) => std::format!("{i}"),
            ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
            other => std::format!("{other:?}"),
        })
        .collect();
    (row.column_count(), values)
}

#[test]
fn a_prepared_statement_sees_schema_changes() {
    let disk = MemoryPlatform::new();
    let db = open(&disk);
    let conn = db.connect();
    conn.execute("CREATE TABLE t(a); INSERT INTO t VALUES (1)", &[])
        .unwrap();
    let mut select = conn.prepare("SELECT * FROM t").unwrap();
    let mut insert = conn.prepare("INSERT INTO t VALUES (7, 8)").unwrap();
    assert_eq!(rerun(&mut select), (1, ["1".to_string()].to_vec()));
    assert!(insert.step().is_err());
    conn.execute(
        "DROP TABLE t; CREATE TABLE t(a, b); INSERT INTO t VALUES (2, 3)",
        &[],
    )
    .unwrap();
    assert_eq!(rerun(&mut select).0, 2);
    insert.reset();
    assert!(insert.step().unwrap().is_none());
    assert_eq!(rows(&conn, "SELECT * FROM t"), ["2|3", "7|8"]);
}

#[test]
fn a_prepared_statement_binds_its_column_names_on_every_run() {
    let disk = MemoryPlatform::new();
    let db = open(&disk);
    let conn = db.connect();
    conn.execute(
        "CREATE TABLE t(a, b); INSERT INTO t VALUES (1, 'x'), (2, 'y')",
        &[],
    )
    .unwrap();
    let mut select = conn
        .prepare("SELECT b, a FROM t WHERE a = 2 AND b LIKE 'y%' OR b GLOB 'z*'")
        .unwrap();
    let mut update = conn
        .prepare("UPDATE t SET b = b || '!' WHERE a = 2")
        .unwrap();
    let run = |stmt: &mut crate::Statement<'_, '_, &MemoryPlatform, Global>| {
        stmt.reset();
        let mut out = Vec::new();
        while let Some(row) = stmt.step()? {
            let (b, a) = (row.get_text(0)?.to_string(), row.get_i64(1)?);
            out.push(std::format!("{b}|{a}"));
        }
        Ok::<_, Error>((stmt.changes(), out))
    };
    assert_eq!(run(&mut select).unwrap().1, ["y|2"]);
    // The same names at other positions.
    conn.execute(
        "DROP TABLE t; CREATE TABLE t(c, b, a); INSERT INTO t VALUES (0, 'y', 2), (2, 'z', 3)",
        &[],
    )
    .unwrap();
    assert_eq!(run(&mut select).unwrap().1, ["y|2", "z|3"]);
    assert_eq!(run(&mut update).unwrap().0, 1);
    assert_eq!(rows(&conn, "SELECT * FROM t"), ["0|y!|2", "2|z|3"]);
    // A name that is gone, on every run (the table is empty, so only the
    // name check can tell).
    conn.execute("DROP TABLE t; CREATE TABLE t(a, c)", &[])
        .unwrap();
    for _ in 0..2 {
        assert!(matches!(
            run(&mut select),
            Err(Error::Named(crate::Named::UnknownColumn, _))
        ));
    }
}

#[test]
fn a_cached_table_does_not_outlive_a_rollback() {
    let disk = MemoryPlatform::new();
    let db = open(&disk);
    let conn = db.connect();
    let other = db.connect();
    let mut select = conn.prepare("SELECT * FROM t").unwrap();
    // The same schema cookie comes back after each rollback, with a
    // different table behind it.
    conn.execute("BEGIN; CREATE TABLE t(a); INSERT INTO t VALUES (1)", &[])
        .unwrap();
    assert_eq!(rerun(&mut select).0, 1);
    conn.execute("ROLLBACK", &[]).unwrap();
    conn.execute(
        "BEGIN; CREATE TABLE t(a, b); INSERT INTO t VALUES (1, 2)",
        &[],
    )
    .unwrap();
    assert_eq!(rerun(&mut select).0, 2);
    conn.execute("ROLLBACK", &[]).unwrap();
    // Another connection's uncommitted tables are never visible, whether
    // or not it rolls them back: the statement reads the last commit,
    // which has no table `t`.
    other
        .execute("BEGIN; CREATE TABLE t(a); INSERT INTO t VALUES (1)", &[])
        .unwrap();
    let no_table = |stmt: &mut crate::Statement<'_, '_, &MemoryPlatform, Global>| {
        stmt.reset();
        let err = stmt.step().map(|_| ()).unwrap_err();
        assert_eq!(err, crate::Named::NoSuchTable.error("t"));
    };
    no_table(&mut select);
    other.execute("ROLLBACK", &[]).unwrap();
    other
        .execute(
            "BEGIN; CREATE TABLE t(a, b, c); INSERT INTO t VALUES (1, 2, 3)",
            &[],
        )
        .unwrap();
    no_table(&mut select);
    other.execute("COMMIT", &[]).unwrap();
    assert_eq!(rerun(&mut select).0, 3);
}

#[test]
fn rebinding_reuses_and_retypes_parameters() {
    let disk = MemoryPlatform::new();
    let db = open(&disk);
    let conn = db.connect();
    let mut stmt = conn.prepare("SELECT typeof(?1), ?1").unwrap();
    let mut check = |value: ValueRef<'_>, expected: &str| {
        stmt.reset();
        stmt.bind(1, value).unwrap();
        let row = stmt.step().unwrap().unwrap();
        assert_eq!(row.get_text(0).unwrap(), expected);
        assert_eq!(row.get_ref(1).unwrap(), value);
    };
    check(ValueRef::Text(b"a longer text"), "text");
    check(ValueRef::Blob(b"ab"), "blob");
    check(ValueRef::Text(b"xyz"), "text");
    check(ValueRef::Integer(4), "integer");
    check(ValueRef::Text(b""), "text");
    check(ValueRef::Null, "null");
}

#[test]
fn like_and_glob_take_bound_patterns() {
    let disk = MemoryPlatform::new();
    let db = open(&disk);
    let conn = db.connect();
    conn.execute(
        "CREATE TABLE w(id INTEGER PRIMARY KEY, v); \
         INSERT INTO w(v) VALUES ('Apple'), ('apricot'), (12), (NULL), ('banana')",
        &[],
    )
    .unwrap();
    let mut like = conn.prepare("SELECT id FROM w WHERE v LIKE ?1").unwrap();
    let mut glob = conn
        .prepare("SELECT id FROM w WHERE v NOT GLOB ?1")
        .unwrap();
    let ids = |stmt: &mut crate::Statement<'_, '_, &MemoryPlatform, Global>,
               pattern: ValueRef<'_>| {
        stmt.reset();
        stmt.bind(1, pattern).unwrap();
        let mut out = Vec::new();
        while let Some(row) = stmt.step().unwrap() {
            out.push(row.get_i64(0).unwrap());
        }
        out
    };
    assert_eq!(ids(&mut like, ValueRef::text("ap%")), [1, 2]);
    assert_eq!(ids(&mut like, ValueRef::text("%AN%")), [5]);
    assert_eq!(ids(&mut like, ValueRef::Integer(12)), [3]);
    assert_eq!(ids(&mut like, ValueRef::text("1_")), [3]);
    assert!(ids(&mut like, ValueRef::Null).is_empty());
    assert_eq!(ids(&mut glob, ValueRef::text("a*")), [1, 3, 5]);
}

#[test]
fn a_new_rowid_is_one_above_the_largest_and_random_past_the_last() {
    let disk = MemoryPlatform::new();
    let db = open(&disk);
    let conn = db.connect();
    conn.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT)", &[])
        .unwrap();
    conn.execute(
        "INSERT INTO t VALUES (-5, 'a'); INSERT INTO t(name) VALUES ('b')",
        &[],
    )
    .unwrap();
    conn.execute("INSERT INTO t VALUES (9223372036854775806, 'c')", &[])
        .unwrap();
    conn.execute("INSERT INTO t(name) VALUES ('d')", &[])
        .unwrap();
    assert_eq!(
        rows(&conn, "SELECT id, name FROM t"),
        [
            "-5|a",
            "-4|b",
            "9223372036854775806|c",
            "9223372036854775807|d"
        ]
    );
    // The largest rowid is taken: a random free one, as SQLite picks.
    conn.execute("INSERT INTO t(name) VALUES ('e')", &[])
        .unwrap();
    assert_eq!(
        rows(&conn, "SELECT count(*) FROM t WHERE name = 'e'"),
        ["1"]
    );
    assert_eq!(rows(&conn, "SELECT count(*) FROM t"), ["5"]);
}

#[test]
fn an_update_of_unindexed_columns_leaves_the_indexes_alone() {
    let disk = MemoryPlatform::new();
    let db = open(&disk);
    let conn = db.connect();
    conn.execute(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT, b INTEGER); CREATE INDEX tb ON t(b)",
        &[],
    )
    .unwrap();
    conn.execute("BEGIN", &[]).unwrap();
    for i in 0..2000 {
        conn.execute(
            "INSERT INTO t(a, b) VALUES ('row', ?)",
            &[ValueRef::Integer(i * 7919 % 2000)],
        )
        .unwrap();
    }
    conn.execute("COMMIT", &[]).unwrap();
    db.checkpoint(crate::wal::CheckpointMode::Truncate).unwrap();
    let frames = || {
        let len = disk.file_bytes("t.db-wal").map_or(0, |b| b.len());
        len.saturating_sub(32) / (4096 + 24)
    };
    assert_eq!(frames(), 0);
    // One row's table leaf changes, and no index page.
    conn.execute("UPDATE t SET a = 'changed' WHERE id = 1000", &[])
        .unwrap();
    assert_eq!(frames(), 1);
    // Changing the indexed column moves its entry: index pages change.
    conn.execute("UPDATE t SET b = -1 WHERE id = 1000", &[])
        .unwrap();
    assert!(frames() >= 3, "{} frames", frames());
    assert_eq!(
        rows(&conn, "SELECT id, a FROM t WHERE b = -1"),
        ["1000|changed"]
    );
    assert_eq!(rows(&conn, "PRAGMA integrity_check"), ["ok"]);
}
