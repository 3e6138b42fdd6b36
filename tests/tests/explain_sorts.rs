//! `EXPLAIN QUERY PLAN`'s lines for the sorts a query runs (`USE TEMP
//! B-TREE FOR GROUP BY`, `DISTINCT`, `ORDER BY`) beside SQLite's, on
//! queries whose plans are SQLite's; and, where SQLite reads rows in an
//! order that spares it a sort boundlite runs, boundlite's line naming
//! the sort it runs; and allocation failures while it is made.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::{Arena, FaultAlloc, Global};
use boundlite::platform::MemoryPlatform;
use boundlite::{Config, Database};
use boundlite_tests::compare::{Exact, Owned, Rows, ours, theirs};
use boundlite_tests::sweep::sweep_query_both;

const SCHEMA: &str = "CREATE TABLE emp(id INTEGER PRIMARY KEY, name TEXT, dept INTEGER, pay REAL);
     CREATE TABLE dept(id INTEGER PRIMARY KEY, title TEXT);
     CREATE INDEX emp_name ON emp(name)";

/// The `detail` column of `EXPLAIN QUERY PLAN sql` in boundlite.
fn plan(conn: &boundlite::Connection<'_, &MemoryPlatform, Global>, sql: &str) -> Vec<String> {
    Exact::ours_ok(conn, &format!("EXPLAIN QUERY PLAN {sql}"))
        .into_iter()
        .map(|row| match &row[3] {
            Exact::Text(t) => String::from_utf8(t.clone()).unwrap(),
            other => panic!("{other:?}"),
        })
        .collect()
}

#[test]
fn sort_lines_match_sqlite() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "e.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    conn.execute(SCHEMA, &[]).unwrap();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    oracle.execute_batch(SCHEMA).unwrap();
    for sql in [
        "SELECT * FROM emp ORDER BY pay",
        "SELECT name FROM emp ORDER BY pay LIMIT 2",
        "SELECT * FROM emp WHERE name = 'a' ORDER BY pay",
        "SELECT DISTINCT pay FROM emp",
        "SELECT DISTINCT pay, dept FROM emp ORDER BY dept",
        "SELECT pay, count(*) FROM emp GROUP BY pay",
        "SELECT pay, count(*) FROM emp GROUP BY pay ORDER BY 2",
        "SELECT DISTINCT count(*) FROM emp GROUP BY pay ORDER BY 1",
        "SELECT * FROM emp JOIN dept ON dept.id = emp.dept ORDER BY dept.title",
        "SELECT DISTINCT dept.title FROM emp JOIN dept ON dept.id = emp.dept",
        "SELECT emp.pay, count(*) FROM emp JOIN dept ON dept.id = emp.dept GROUP BY emp.pay",
        "SELECT * FROM emp",
    ] {
        let detail = |rows: Rows| rows.into_iter().map(|r| r[3].clone()).collect::<Vec<_>>();
        let explain = format!("EXPLAIN QUERY PLAN {sql}");
        let a = ours(&conn, &explain).map(detail);
        let b = theirs(&oracle, &explain).map(detail);
        assert_eq!(a.ok(), b.ok(), "{sql}");
    }
}

#[test]
fn sort_lines_name_the_sorts_sqlite_spares() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "e.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    conn.execute(SCHEMA, &[]).unwrap();
    // SQLite reads the rowid or index in order, or holds its one row;
    // boundlite sorts.
    assert_eq!(
        plan(&conn, "SELECT * FROM emp ORDER BY id"),
        ["SCAN emp", "USE TEMP B-TREE FOR ORDER BY"]
    );
    assert_eq!(
        plan(&conn, "SELECT DISTINCT name FROM emp ORDER BY name"),
        [
            "SCAN emp",
            "USE TEMP B-TREE FOR DISTINCT",
            "USE TEMP B-TREE FOR ORDER BY"
        ]
    );
    assert_eq!(
        plan(&conn, "SELECT 1 ORDER BY 1"),
        ["SCAN CONSTANT ROW", "USE TEMP B-TREE FOR ORDER BY"]
    );
    // The sorts of a window stage are not named.
    assert_eq!(
        plan(
            &conn,
            "SELECT row_number() OVER (ORDER BY pay) FROM emp ORDER BY 1"
        ),
        ["SCAN emp"]
    );
}

#[test]
fn every_allocation_failure_in_a_plan_with_sorts_is_clean() {
    let disk = MemoryPlatform::new();
    let mut buffer = vec![0u8; 256 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    let db = Database::open(&disk, "oom.db", &Config::DEFAULT, &fault).unwrap();
    let conn = db.connect();
    conn.execute(SCHEMA, &[]).unwrap();
    for sql in [
        "EXPLAIN QUERY PLAN SELECT DISTINCT count(*) FROM emp GROUP BY pay ORDER BY 1",
        "EXPLAIN QUERY PLAN SELECT DISTINCT dept.title FROM emp JOIN dept ON dept.id = emp.dept \
         ORDER BY 1",
    ] {
        let want = Exact::ours(&conn, sql).unwrap();
        let [persistent, once] = sweep_query_both(&fault, &conn, sql, &want, 3);
        println!("{sql}: {persistent} and {once} failure points");
    }
    assert!(db.integrity_check(0).unwrap().is_ok());
    drop(conn);
    drop(db);
    assert_eq!(arena.stats().live_allocations, 0, "the database leaked");
}
