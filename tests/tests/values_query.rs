//! `VALUES` as a query, against SQLite: alone, as compound members, in
//! `FROM`, `WITH`, subqueries and joins, with every allocation of each
//! failing in turn.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::{Arena, FaultAlloc, Global};
use boundlite::format::PageSize;
use boundlite::platform::MemoryPlatform;
use boundlite::{Config, Database};
use boundlite_tests::compare::{Exact, Owned};
use boundlite_tests::sweep::sweep_query_both;

const SETUP: &str = "CREATE TABLE t(a INTEGER, b TEXT);
     INSERT INTO t VALUES (1, 'one'), (2, 'two'), (3, NULL), (4, 'four');";

const QUERIES: [&str; 8] = [
    "VALUES (1, 'x'), (2, 'y'), (1, 'x')",
    "VALUES (3), (1) UNION SELECT a FROM t",
    "SELECT a FROM t EXCEPT VALUES (2), (4)",
    "SELECT t.b, v.column2 FROM t JOIN (VALUES (1, 'p'), (3, 'q')) AS v ON v.column1 = t.a",
    "SELECT b FROM t WHERE a IN (VALUES (2), (3))",
    "WITH c(x, y) AS (VALUES (1, 2), (3, 4)) SELECT x + y FROM c",
    "SELECT a, (VALUES (a * 10)) FROM t",
    "SELECT count(*), sum(column1) FROM (VALUES (1), (2), (3), (4), (5))",
];

fn sorted(mut rows: Vec<Vec<Exact>>) -> Vec<Vec<Exact>> {
    rows.sort_by_key(|r| format!("{r:?}"));
    rows
}

#[test]
fn values_queries_answer_as_sqlite_does() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "v.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    conn.execute(SETUP, &[]).unwrap();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    oracle.execute_batch(SETUP).unwrap();
    for sql in QUERIES {
        assert_eq!(
            sorted(Exact::ours_ok(&conn, sql)),
            sorted(Exact::theirs_ok(&oracle, sql)),
            "{sql}"
        );
    }
    // A table made from one row names its columns as SQLite does.
    let made = "CREATE TABLE m AS VALUES (1, 'x')";
    conn.execute(made, &[]).unwrap();
    oracle.execute_batch(made).unwrap();
    let schema = "SELECT sql FROM sqlite_schema WHERE name = 'm'";
    assert_eq!(
        Exact::ours_ok(&conn, schema),
        Exact::theirs_ok(&oracle, schema)
    );
    // No ORDER BY or LIMIT after VALUES, as in SQLite's grammar.
    for sql in [
        "VALUES (2), (1) ORDER BY 1",
        "SELECT 1 UNION VALUES (2) LIMIT 1",
    ] {
        assert!(conn.execute(sql, &[]).is_err(), "{sql}");
        assert!(oracle.execute_batch(sql).is_err(), "{sql}");
    }
}

#[test]
fn every_allocation_failure_in_a_values_query_is_clean() {
    let disk = MemoryPlatform::new();
    let mut buffer = vec![0u8; 512 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    let config = Config {
        page_size: PageSize::new(512).unwrap(),
        cache_frames: 32,
        sort_memory: 1024,
        ..Config::DEFAULT
    };
    let db = Database::open(&disk, "oom.db", &config, &fault).unwrap();
    let conn = db.connect();
    conn.execute(SETUP, &[]).unwrap();
    for sql in QUERIES {
        let want = Exact::ours(&conn, sql).unwrap();
        let [persistent, once] = sweep_query_both(&fault, &conn, sql, &want, 5);
        println!("{sql}: {persistent} and {once} failure points");
    }
    assert!(db.integrity_check(0).unwrap().is_ok());
    drop(conn);
    drop(db);
    assert_eq!(arena.stats().live_allocations, 0, "the database leaked");
}
