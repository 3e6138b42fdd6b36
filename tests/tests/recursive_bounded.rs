//! Recursive `WITH` tables in bounded memory and under allocation
//! failure: a million-row count runs in a quarter-megabyte arena; a
//! breadth-first walk of a tree whose queue holds far more rows than the
//! arena spills its queue to a temporary file and gives SQLite's answer
//! within the configured bound (twice the sort memory: see
//! `exec::recursive`); a `UNION` whose rows seen outgrow their
//! budget fails with `OutOfMemory`, the connection usable after; every
//! allocation failure of a recursion (`UNION ALL` and `UNION`, a queue
//! that spills, `LIMIT`, a join over the table) is `OutOfMemory`, leaks
//! nothing and leaves the database intact.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::{Arena, FaultAlloc};
use boundlite::format::PageSize;
use boundlite::platform::MemoryPlatform;
use boundlite::{Config, Database, Error};
use boundlite_tests::compare::{Exact, Owned};
use boundlite_tests::scrambled::STATEMENT_SLACK;
use boundlite_tests::sweep::sweep_query_both;

/// A binary tree of `rows` nodes: node `n`'s parent is `n / 2`.
fn tree(rows: u32) -> String {
    format!(
        "CREATE TABLE tree(id INTEGER PRIMARY KEY, parent INTEGER, label TEXT);
         CREATE INDEX tree_parent ON tree(parent);
         INSERT INTO tree
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows})
         SELECT i, i / 2, 'node ' || i FROM n"
    )
}

#[test]
fn recursions_larger_than_the_arena_stay_within_the_bound() {
    let config = Config {
        page_size: PageSize::new(4096).unwrap(),
        cache_frames: 16,
        sort_memory: 32 * 1024,
        ..Config::DEFAULT
    };
    // A recursion takes up to twice the sort memory: its queue and its
    // members' sorts share one, the rows a UNION has seen take the other.
    let bound = config.read_bound(4096) + 2 * config.sort_bytes(4096) + STATEMENT_SLACK;
    // The arena holds the bound and room for the allocator's
    // fragmentation (the peak in use is what the bound is checked
    // against), all in a quarter megabyte.
    let arena_bytes = Arena::MIN_BUFFER + bound + bound / 8;
    assert!(
        arena_bytes <= 256 * 1024,
        "the arena is at most a quarter megabyte"
    );
    let mut buffer = vec![0u8; arena_bytes];
    let arena = Arena::new(&mut buffer).unwrap();
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "r.db", &config, &arena).unwrap();
    let conn = db.connect();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    let schema = tree(40_000);
    conn.execute(&schema, &[]).unwrap();
    oracle.execute_batch(&schema).unwrap();
    let queries = [
        // One row waits at a time: a million steps in the arena.
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000) \
         SELECT count(*), sum(x) FROM c",
        // Breadth first: the queue holds a level, twenty thousand rows
        // with their labels, many times the arena.
        "WITH RECURSIVE w(id, depth, label) AS (SELECT 1, 0, 'root' UNION ALL \
         SELECT tree.id, depth + 1, w.label || '/' || tree.label FROM w JOIN tree ON tree.parent = w.id) \
         SELECT count(*), max(depth), sum(id), max(length(label)) FROM w",
    ];
    for sql in queries {
        arena.reset_peak();
        let mine = Exact::ours_ok(&conn, sql);
        let peak = arena.stats().peak_in_use;
        println!("{sql}: peak {peak} bytes (bound {bound})");
        assert_eq!(mine, Exact::theirs_ok(&oracle, sql), "{sql}");
        assert!(peak <= bound, "{sql}: peak {peak} > {bound}");
    }
    // The rows a UNION has seen are held, not spilled: past their budget
    // the statement fails cleanly and the connection goes on.
    let seen = "WITH RECURSIVE w(id) AS (SELECT 1 UNION SELECT tree.id FROM w, tree \
                WHERE tree.parent = w.id) SELECT count(*) FROM w";
    assert_eq!(Exact::ours(&conn, seen).unwrap_err(), Error::OutOfMemory);
    let count = "SELECT count(*) FROM tree";
    assert_eq!(
        Exact::ours_ok(&conn, count),
        Exact::theirs_ok(&oracle, count)
    );
    drop(conn);
    drop(db);
    assert_eq!(arena.stats().live_allocations, 0, "the database leaked");
}

/// Recursions swept: `UNION ALL` walks whose queue spills (the sort
/// budget is tiny), `UNION` over a cyclic graph, `LIMIT` and `OFFSET`,
/// the table joined and read by a correlated subquery, VALUES first.
const SWEPT: &[&str] = &[
    "WITH RECURSIVE w(id, depth) AS (SELECT 1, 0 UNION ALL \
     SELECT tree.id, depth + 1 FROM w JOIN tree ON tree.parent = w.id) \
     SELECT count(*), sum(depth), max(id) FROM w",
    "WITH RECURSIVE r(n) AS (SELECT 1 UNION SELECT b FROM edge, r WHERE a = n) \
     SELECT n FROM r",
    "WITH RECURSIVE r(n, path) AS (VALUES(1, '1') UNION SELECT b, path || '-' || b FROM r, edge \
     WHERE a = n AND length(path) < 12) SELECT count(*), max(path) FROM r",
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 40 OFFSET 5) \
     SELECT x, label FROM c JOIN tree ON tree.id = c.x",
    "SELECT a, (WITH RECURSIVE r(n) AS (SELECT e.a UNION SELECT b FROM edge, r WHERE edge.a = n) \
     SELECT count(*) FROM r) FROM edge e",
];

#[test]
fn every_allocation_failure_in_a_recursion_is_clean() {
    let disk = MemoryPlatform::new();
    let mut buffer = vec![0u8; 512 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    let config = Config {
        page_size: PageSize::new(512).unwrap(),
        cache_frames: 32,
        sort_memory: 4096,
        ..Config::DEFAULT
    };
    let db = Database::open(&disk, "oom.db", &config, &fault).unwrap();
    let conn = db.connect();
    let schema = format!(
        "{};
         CREATE TABLE edge(a INTEGER, b INTEGER);
         INSERT INTO edge VALUES (1,2),(2,3),(3,1),(3,4),(4,5),(5,4),(6,6),(2,5),(7,8),(5,1)",
        tree(200)
    );
    conn.execute(&schema, &[]).unwrap();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    oracle.execute_batch(&schema).unwrap();
    for sql in SWEPT {
        let want = Exact::ours(&conn, sql).unwrap();
        assert_eq!(want, Exact::theirs_ok(&oracle, sql), "{sql}");
        let [persistent, once] = sweep_query_both(&fault, &conn, sql, &want, 20);
        println!("{sql}: {persistent} and {once} failure points");
        assert_eq!(Exact::ours(&conn, sql).unwrap(), want);
    }
    assert!(db.integrity_check(0).unwrap().is_ok());
    drop(conn);
    drop(db);
    assert_eq!(arena.stats().live_allocations, 0, "the database leaked");
}
