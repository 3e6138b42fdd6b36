//! Result column names: `Statement::column_names` and `Row::column_names`
//! against rusqlite's `Statement::column_names` (SQLite's
//! `sqlite3_column_name`) over queries of every shape.

use boundlite::alloc::Global;
use boundlite::platform::MemoryPlatform;
use boundlite::{Config, Database};

const SCHEMA: &str = "
CREATE TABLE t(id INTEGER PRIMARY KEY, Name TEXT, val REAL, \"odd col\" INT);
CREATE TABLE u(k INTEGER, Name TEXT, extra BLOB);
CREATE TABLE plain(a, b);
CREATE INDEX u_k ON u(k);
CREATE VIEW v AS SELECT id AS vid, Name, val * 2 FROM t;
CREATE VIEW w(x, y) AS SELECT a, b FROM plain;
INSERT INTO t VALUES (1, 'one', 1.5, 10), (2, 'two', 2.5, 20);
INSERT INTO u VALUES (1, 'uno', x'01'), (3, 'tres', NULL);
INSERT INTO plain VALUES (1, 2);
";

const QUERIES: &[&str] = &[
    "SELECT * FROM t",
    "SELECT id, name, VAL FROM t",
    "SELECT t.id, t.name FROM t",
    "SELECT rowid FROM t",
    "SELECT oid, _rowid_ FROM plain",
    "SELECT rowid, * FROM plain",
    "SELECT id AS ident, name AS \"Quoted Name\", val AS [br] FROM t",
    "SELECT \"odd col\" FROM t",
    "SELECT \"Name\" FROM t",
    "SELECT 1, 'x', NULL, 2.5",
    "SELECT 1 + 2, abs(-3), upper( 'a' )",
    "SELECT   id+1  ,  name || 'x'   FROM t",
    "SELECT count(*), max(val) FROM t",
    "SELECT name, count(*) AS n FROM t GROUP BY name",
    "SELECT (id), (name) FROM t",
    "SELECT name COLLATE nocase FROM t",
    "SELECT CAST(id AS TEXT) FROM t",
    "SELECT t.*, u.* FROM t JOIN u ON t.id = u.k",
    "SELECT * FROM t JOIN u ON t.id = u.k",
    "SELECT * FROM t JOIN u USING (name)",
    "SELECT * FROM t NATURAL JOIN u",
    "SELECT name FROM t JOIN u USING (name)",
    "SELECT u.name, t.name FROM t, u",
    "SELECT a.id, b.k FROM t AS a, u AS b",
    "SELECT * FROM v",
    "SELECT vid, name FROM v",
    "SELECT * FROM w",
    "SELECT x FROM w",
    "SELECT * FROM (SELECT id, name AS n FROM t)",
    "SELECT n, id FROM (SELECT id, name AS n FROM t) AS s",
    "SELECT s.* FROM (SELECT id + 1, name FROM t) AS s",
    "SELECT * FROM (SELECT a, a FROM plain)",
    "SELECT * FROM (SELECT NAME, t.VAL FROM t)",
    "WITH c AS (SELECT NAME FROM t) SELECT * FROM c",
    "WITH c(p, q) AS (SELECT 1, 2) SELECT * FROM c",
    "WITH c AS (SELECT id, name FROM t) SELECT name, id FROM c",
    "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT n FROM r",
    "SELECT id FROM t UNION SELECT k FROM u",
    "SELECT id AS first, name FROM t UNION ALL SELECT k, name FROM u ORDER BY 1",
    "SELECT a, b FROM plain EXCEPT SELECT 1, 3",
    "VALUES (1, 2, 3)",
    "SELECT * FROM (VALUES (1, 'a'), (2, 'b'))",
    "SELECT (SELECT max(id) FROM t), EXISTS (SELECT 1 FROM u)",
    "SELECT id FROM t WHERE id IN (SELECT k FROM u)",
    "SELECT DISTINCT name FROM u ORDER BY name",
    "SELECT id, row_number() OVER (ORDER BY id) FROM t",
    "SELECT sum(val) OVER win AS running FROM t WINDOW win AS (ORDER BY id)",
    "SELECT name, val FROM t ORDER BY val DESC LIMIT 1",
    "SELECT -id, NOT id, id IS NULL FROM t",
    "SELECT CASE WHEN id > 1 THEN 'big' ELSE 'small' END FROM t",
    "SELECT * FROM t LEFT JOIN u ON u.k = t.id",
    "SELECT k, extra FROM u WHERE k = 1",
];

#[test]
fn column_names_match_sqlite() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "names.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    conn.execute(SCHEMA, ()).unwrap();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    oracle.execute_batch(SCHEMA).unwrap();
    for sql in QUERIES {
        let want: Vec<String> = oracle
            .prepare(sql)
            .unwrap()
            .column_names()
            .map(String::from)
            .collect();
        let mut stmt = conn.prepare(sql).unwrap();
        // Before the first step, as SQLite names them at prepare.
        let before: Vec<String> = stmt.column_names().unwrap().map(String::from).collect();
        assert_eq!(before, want, "{sql}");
        assert_eq!(stmt.column_count().unwrap(), want.len(), "{sql}");
        for (i, name) in want.iter().enumerate() {
            assert_eq!(stmt.column_name(i).unwrap(), name, "{sql}");
        }
        // On each row, the same names, as many as the row's values.
        let mut rows = 0;
        while let Some(row) = stmt.step().unwrap() {
            let names: Vec<&str> = row.column_names().collect();
            assert_eq!(names, want, "{sql}");
            assert_eq!(row.column_count(), want.len(), "{sql}");
            rows += 1;
        }
        let count: usize = oracle
            .prepare(sql)
            .unwrap()
            .query_map([], |_| Ok(()))
            .unwrap()
            .count();
        assert_eq!(rows, count, "{sql}");
    }
}

/// Changes with `RETURNING` clauses, run in order on [`SCHEMA`].
const RETURNING: &[&str] = &[
    "INSERT INTO t VALUES (3, 'three', 3.5, 30) RETURNING *",
    "INSERT INTO t(name) VALUES ('four') RETURNING ID, name, t.val, rowid, _rowid_, oid",
    "INSERT INTO t AS x(name) VALUES ('five') RETURNING id * 10 AS tens, \"odd col\", upper( name )",
    "INSERT INTO plain VALUES (7, 8) RETURNING rowid, A, b   +  1, *, (SELECT 5)",
    "INSERT INTO u VALUES (9, 'nine', NULL) ON CONFLICT DO NOTHING RETURNING k AS key, NAME",
    "UPDATE t SET val = val * 2 WHERE id > 1 RETURNING id, val, *, abs(val) AS a",
    "UPDATE plain SET b = 'z' RETURNING b, a IS NULL, 'lit', 1.5",
    "DELETE FROM u WHERE k = 9 RETURNING *, k",
    "DELETE FROM t WHERE id = 4 RETURNING name || '!', Name, oid",
    "DELETE FROM t WHERE 0 RETURNING *",
];

#[test]
fn returning_columns_are_named_as_sqlite_names_them() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "ret.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    conn.execute(SCHEMA, ()).unwrap();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    oracle.execute_batch(SCHEMA).unwrap();
    for sql in RETURNING {
        let mut theirs = oracle.prepare(sql).unwrap();
        let want: Vec<String> = theirs.column_names().map(String::from).collect();
        let count = theirs.query_map([], |_| Ok(())).unwrap().count();
        let mut stmt = conn.prepare(sql).unwrap();
        let before: Vec<String> = stmt.column_names().unwrap().map(String::from).collect();
        assert_eq!(before, want, "{sql}");
        let mut rows = 0;
        while let Some(row) = stmt.step().unwrap() {
            let names: Vec<&str> = row.column_names().collect();
            assert_eq!(names, want, "{sql}");
            assert_eq!(row.column_count(), want.len(), "{sql}");
            let first = row.get_ref(want[0].as_str()).unwrap();
            assert_eq!(first, row.get_ref(0).unwrap(), "{sql}: by name");
            rows += 1;
        }
        assert_eq!(rows, count, "{sql}");
        // While rows are returned and after, the same names.
        assert_eq!(
            stmt.column_names().unwrap().collect::<Vec<_>>(),
            want,
            "{sql}"
        );
    }
}

#[test]
fn column_names_follow_the_schema_between_runs() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "rename.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    conn.execute("CREATE TABLE t(a, b); INSERT INTO t VALUES (1, 2)", ())
        .unwrap();
    let mut stmt = conn.prepare("SELECT * FROM t").unwrap();
    assert_eq!(stmt.column_names().unwrap().collect::<Vec<_>>(), ["a", "b"]);
    stmt.reset();
    conn.execute("ALTER TABLE t RENAME COLUMN a TO first", ())
        .unwrap();
    assert_eq!(
        stmt.column_names().unwrap().collect::<Vec<_>>(),
        ["first", "b"]
    );
    assert_eq!(stmt.column_index("FIRST").unwrap(), 0);
    assert_eq!(stmt.column_index("b").unwrap(), 1);
    assert!(stmt.column_index("a").is_err());
}

#[test]
fn statements_without_rows_have_no_columns_and_unknown_names_are_refused() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "none.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    conn.execute("CREATE TABLE t(a)", ()).unwrap();
    let mut insert = conn.prepare("INSERT INTO t VALUES (1)").unwrap();
    assert_eq!(insert.column_count().unwrap(), 0);
    assert_eq!(insert.execute(()).unwrap(), 1);
    let mut explain = conn.prepare("EXPLAIN QUERY PLAN SELECT * FROM t").unwrap();
    assert_eq!(
        explain.column_names().unwrap().collect::<Vec<_>>(),
        ["id", "parent", "notused", "detail"]
    );
    // A PRAGMA's columns are named as SQLite names them.
    let mut pragma = conn.prepare("PRAGMA table_info(t)").unwrap();
    assert_eq!(
        pragma.column_names().unwrap().collect::<Vec<_>>(),
        ["cid", "name", "type", "notnull", "dflt_value", "pk"]
    );
    let row = pragma.step().unwrap().unwrap();
    assert_eq!(row.get::<&str>(1).unwrap(), "a");
    assert_eq!(row.get::<&str>("name").unwrap(), "a");
    assert!(row.get::<&str>("nosuch").is_err());
    let mut returning = conn
        .prepare("INSERT INTO t VALUES (2) RETURNING a")
        .unwrap();
    // Named at prepare, as SQLite names them, without running the change.
    assert_eq!(returning.column_names().unwrap().collect::<Vec<_>>(), ["a"]);
    assert_eq!(
        conn.query_row("SELECT count(*) FROM t", (), |r| r.get::<i64>(0))
            .unwrap(),
        1
    );
}
