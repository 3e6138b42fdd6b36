//! A connection keeps the schema it last read while the schema cookie
//! stays put: statements of a script on a schema of many tables cost the
//! same as on a schema of two, and every way the schema can change under
//! a kept copy (this connection's DDL, a savepoint or statement undone,
//! another connection's or SQLite's commit) is seen by the next
//! statement.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::{Counting, Global};
use boundlite::platform::MemoryPlatform;
use boundlite::record::ValueRef;
use boundlite::{Config, Connection, Database, Error};
use boundlite_std::StdPlatform;

/// Allocations of `sql` run as a one-off statement on `conn`.
fn allocations<A: boundlite::alloc::Allocator + Clone>(
    counting: &Counting<Global>,
    conn: &Connection<'_, &MemoryPlatform, A>,
    sql: &str,
) -> usize {
    let before = counting.stats().allocations;
    conn.execute(sql, &[]).unwrap();
    counting.stats().allocations - before
}

/// The allocations of one-off `INSERT`s alternating between two tables,
/// in a schema of `tables` tables each with an index, once warm.
fn insert_allocations(tables: usize) -> usize {
    let disk = MemoryPlatform::new();
    let counting = Counting::new(Global);
    let db = Database::open(&disk, "many.db", &Config::DEFAULT, &counting).unwrap();
    let conn = db.connect();
    for t in 0..tables {
        conn.execute(
            &format!("CREATE TABLE t{t}(a INTEGER PRIMARY KEY, b TEXT)"),
            &[],
        )
        .unwrap();
        conn.execute(&format!("CREATE INDEX i{t} ON t{t}(b)"), &[])
            .unwrap();
    }
    let mut total = 0;
    for i in 0..40 {
        let sql = format!("INSERT INTO t{}(a, b) VALUES ({i}, 'v{i}')", i % 2);
        let n = allocations(&counting, &conn, &sql);
        if i >= 4 {
            total += n;
        }
    }
    total
}

#[test]
fn statements_cost_the_same_on_a_schema_of_many_tables() {
    let two = insert_allocations(2);
    let sixty = insert_allocations(60);
    // Reading 120 schema rows a statement allocates for each of them;
    // the kept schema is read once.
    assert!(
        sixty <= two + two / 10,
        "{sixty} allocations with 60 tables, {two} with 2"
    );
}

fn rows(
    conn: &Connection<
        '_,
        impl boundlite::platform::Platform,
        impl boundlite::alloc::Allocator + Clone,
    >,
    sql: &str,
) -> Result<Vec<String>, Error> {
    let mut stmt = conn.prepare(sql)?;
    let mut out = Vec::new();
    while let Some(row) = stmt.step()? {
        let values: Vec<String> = row
            .values()
            .map(|v| match v {
                ValueRef::Null => "NULL".to_string(),
                ValueRef::Integer(i) => i.to_string(),
                ValueRef::Real(r) => r.to_string(),
                ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                ValueRef::Blob(b) => format!("{b:?}"),
            })
            .collect();
        out.push(values.join("|"));
    }
    Ok(out)
}

fn no_such_table(result: Result<Vec<String>, Error>, name: &str) {
    match result {
        Err(e) => assert!(
            e.to_string().contains(&format!("no such table: {name}")),
            "{e}"
        ),
        Ok(rows) => panic!("{name} read as {rows:?}"),
    }
}

#[test]
fn a_transaction_rolled_back_and_redone_differently_is_seen() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "undo.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    conn.execute("CREATE TABLE x(a)", &[]).unwrap();
    conn.execute("BEGIN", &[]).unwrap();
    conn.execute("CREATE TABLE y(b)", &[]).unwrap();
    conn.execute("INSERT INTO y VALUES (1)", &[]).unwrap();
    assert_eq!(rows(&conn, "SELECT b FROM y").unwrap(), ["1"]);
    conn.execute("ROLLBACK", &[]).unwrap();
    // The cookie is back where it was after `x`, and another connection
    // moves it to the value it had after `y`, with another table, before
    // this one reads the schema again.
    let other = db.connect();
    other.execute("CREATE TABLE z(c)", &[]).unwrap();
    other.execute("INSERT INTO z VALUES (2)", &[]).unwrap();
    assert_eq!(rows(&conn, "SELECT c FROM z").unwrap(), ["2"]);
    no_such_table(rows(&conn, "SELECT b FROM y"), "y");
    let names = rows(&conn, "SELECT name FROM sqlite_schema ORDER BY name").unwrap();
    assert_eq!(names, ["x", "z"]);
}

#[test]
fn a_failed_schema_change_is_undone_for_the_next_statement() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "undo.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    // The table is made, then its first row fails: the statement is
    // undone whole, and the kept schema with it.
    conn.execute(
        "CREATE TABLE c AS SELECT abs(-9223372036854775808) AS q",
        &[],
    )
    .unwrap_err();
    no_such_table(rows(&conn, "SELECT q FROM c"), "c");
    conn.execute("CREATE TABLE d(v)", &[]).unwrap();
    assert_eq!(rows(&conn, "SELECT count(*) FROM d").unwrap(), ["0"]);
    conn.execute("BEGIN", &[]).unwrap();
    conn.execute("CREATE TABLE e(w)", &[]).unwrap();
    assert_eq!(rows(&conn, "SELECT count(*) FROM e").unwrap(), ["0"]);
    conn.execute(
        "CREATE TABLE f AS SELECT abs(-9223372036854775808) AS q",
        &[],
    )
    .unwrap_err();
    conn.execute("ROLLBACK", &[]).unwrap();
    no_such_table(rows(&conn, "SELECT w FROM e"), "e");
    no_such_table(rows(&conn, "SELECT q FROM f"), "f");
    conn.execute("CREATE TABLE g(u)", &[]).unwrap();
    assert_eq!(rows(&conn, "SELECT count(*) FROM g").unwrap(), ["0"]);
}

#[test]
fn another_connections_and_sqlites_schema_changes_are_seen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.db");
    let path = path.to_str().unwrap();
    let platform = StdPlatform::new();
    let db = Database::open(&platform, path, &Config::DEFAULT, Global).unwrap();
    let ours = db.connect();
    let other = db.connect();
    ours.execute("CREATE TABLE a(x)", &[]).unwrap();
    assert_eq!(rows(&ours, "SELECT count(*) FROM a").unwrap(), ["0"]);
    other.execute("CREATE TABLE b(y)", &[]).unwrap();
    other.execute("INSERT INTO b VALUES (1)", &[]).unwrap();
    assert_eq!(rows(&ours, "SELECT y FROM b").unwrap(), ["1"]);
    other.execute("DROP TABLE b", &[]).unwrap();
    no_such_table(rows(&ours, "SELECT y FROM b"), "b");

    let sqlite = rusqlite::Connection::open(path).unwrap();
    sqlite
        .execute_batch("CREATE TABLE c(z); INSERT INTO c VALUES (9); DROP TABLE a;")
        .unwrap();
    assert_eq!(rows(&ours, "SELECT z FROM c").unwrap(), ["9"]);
    no_such_table(rows(&ours, "SELECT x FROM a"), "a");
    sqlite
        .execute_batch("ALTER TABLE c ADD COLUMN w DEFAULT 4")
        .unwrap();
    assert_eq!(rows(&ours, "SELECT z, w FROM c").unwrap(), ["9|4"]);
}
