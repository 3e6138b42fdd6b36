//! Window functions in bounded memory and under allocation failure: over
//! a table that dwarfs the arena, windows whose calls stream (ranks, a
//! running aggregate, an aggregate over groups of peers larger than the
//! budget, queued to a temporary file) and windows over many small
//! partitions give
//! SQLite's rows within the configured bound, their sorts spilled; a
//! frame over one partition larger than its share of the sort budget
//! fails with `OutOfMemory` and leaves the connection usable and no
//! temporary file behind; every allocation failure while a windowed
//! query runs (partitions larger than a page, sorts that spill, several
//! windows, windows in `ORDER BY` and in a subquery) is `OutOfMemory`,
//! leaks nothing and leaves the database intact.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::{Arena, FaultAlloc};
use boundlite::format::PageSize;
use boundlite::platform::MemoryPlatform;
use boundlite::record::ValueRef;
use boundlite::{Config, Database, Error};
use boundlite_tests::compare::{Exact, Owned};
use boundlite_tests::scrambled::{STATEMENT_SLACK, scrambled_table};
use boundlite_tests::sweep::sweep_query_both;

#[test]
fn windows_over_a_table_that_dwarfs_the_arena_stay_within_the_bound() {
    let (bytes, _oracle, dir) = scrambled_table(60_000);
    let oracle = rusqlite::Connection::open(dir.path().join("big.db")).unwrap();
    let config = Config {
        page_size: PageSize::new(4096).unwrap(),
        cache_frames: 32,
        ..Config::DEFAULT
    };
    let bound = config.read_bound(4096) + config.sort_bytes(4096) + STATEMENT_SLACK;
    assert!(bound * 5 < bytes.len(), "the data must dwarf the arena");
    let mut buffer = vec![0u8; Arena::MIN_BUFFER + bound];
    let arena = Arena::new(&mut buffer).unwrap();
    let disk = MemoryPlatform::new();
    disk.write_file("big.db", &bytes).unwrap();
    let db = Database::open(&disk, "big.db", &config, &arena).unwrap();
    let conn = db.connect();
    let queries = [
        // One partition of every row: ranks and running sums stream.
        "SELECT id, row_number() OVER (ORDER BY score DESC, id), rank() OVER (ORDER BY grp), \
         dense_rank() OVER (ORDER BY grp DESC), sum(score) OVER (ORDER BY id) FROM t \
         ORDER BY 2 LIMIT 30",
        "SELECT count(*), sum(r), max(s) FROM (SELECT rank() OVER (ORDER BY name) AS r, \
         count(*) OVER (ORDER BY grp ROWS UNBOUNDED PRECEDING) AS s FROM t)",
        // Groups of peers larger than the budget: queued, spilled, and
        // given the values they share once each ends.
        "SELECT count(*), sum(c), min(s), max(s), sum(r) FROM (SELECT count(*) OVER () AS c, \
         sum(score) OVER (PARTITION BY id % 2) AS s, rank() OVER (ORDER BY grp % 3) AS r FROM t)",
        "SELECT id, sum(score) OVER (ORDER BY grp % 4 RANGE UNBOUNDED PRECEDING), \
         dense_rank() OVER (ORDER BY grp % 4), row_number() OVER (ORDER BY grp % 4, id), \
         total(score) OVER (ORDER BY grp % 4 GROUPS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW), \
         count(*) FILTER (WHERE score > 100) OVER (ORDER BY grp % 4 ROWS UNBOUNDED PRECEDING) \
         FROM t ORDER BY id LIMIT 40 OFFSET 29980",
        // Many small partitions: each held whole for its frame.
        "SELECT grp, id, sum(score) OVER w, lag(name) OVER w, last_value(id) OVER w, \
         ntile(2) OVER w FROM t \
         WINDOW w AS (PARTITION BY grp ORDER BY id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) \
         ORDER BY name LIMIT 25",
    ];
    for sql in queries {
        arena.reset_peak();
        let mine = Exact::ours_ok(&conn, sql);
        let peak = arena.stats().peak_in_use;
        println!(
            "{sql}: {} rows, peak {peak} bytes (bound {bound})",
            mine.len()
        );
        assert_eq!(mine, Exact::theirs_ok(&oracle, sql), "{sql}");
        assert!(peak <= bound, "{sql}: peak {peak} > {bound}");
    }
    // A frame over one partition of every row cannot stream: refused
    // once the partition passes its share of the budget.
    arena.reset_peak();
    let sql =
        "SELECT sum(score) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM t";
    assert_eq!(Exact::ours(&conn, sql).unwrap_err(), Error::OutOfMemory);
    let peak = arena.stats().peak_in_use;
    assert!(peak <= bound, "{sql}: peak {peak} > {bound}");
    assert_eq!(
        Exact::ours_ok(&conn, "SELECT count(*) FROM t"),
        vec![vec![Exact::Int(60_000)]]
    );
    assert_eq!(disk.file_count().unwrap(), 1, "a temporary file is left");
}

const SWEPT: [&str; 8] = [
    "SELECT g, count(*), sum(sum(v)) OVER (ORDER BY g), rank() OVER (ORDER BY max(name) DESC) \
     FROM w GROUP BY g ORDER BY g",
    "SELECT id, row_number() OVER (ORDER BY v DESC, id), rank() OVER (ORDER BY g), \
     sum(v) OVER (ORDER BY g) FROM w ORDER BY id",
    "SELECT id, sum(v) OVER (PARTITION BY g ORDER BY id ROWS BETWEEN 2 PRECEDING AND 1 FOLLOWING), \
     group_concat(name) OVER (PARTITION BY g ORDER BY v RANGE BETWEEN 3 PRECEDING AND CURRENT ROW) \
     FROM w ORDER BY id",
    "SELECT id, lag(name, 2, 'none') OVER (PARTITION BY g ORDER BY id), lead(v) OVER (PARTITION BY g ORDER BY id), \
     first_value(name) OVER (PARTITION BY g ORDER BY v GROUPS 1 PRECEDING EXCLUDE TIES), \
     nth_value(name, 3) OVER (PARTITION BY g) FROM w ORDER BY id",
    "SELECT id, ntile(3) OVER (PARTITION BY g ORDER BY v), percent_rank() OVER (PARTITION BY g ORDER BY v), \
     cume_dist() OVER (PARTITION BY g ORDER BY v) FROM w ORDER BY id",
    "SELECT name FROM w ORDER BY max(v) OVER (PARTITION BY g), row_number() OVER (ORDER BY name DESC)",
    "SELECT * FROM (SELECT g, count(*) FILTER (WHERE v > 10) OVER (PARTITION BY g) AS n FROM w) \
     WHERE n > 3 ORDER BY 1",
    "SELECT DISTINCT g, min(name) OVER (PARTITION BY g) FROM w ORDER BY 1 LIMIT 3",
];

#[test]
fn every_allocation_failure_in_a_window_is_clean() {
    let disk = MemoryPlatform::new();
    let mut buffer = vec![0u8; 1024 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    // Sorts spill past a few rows; a partition (about 30 rows, each with
    // a 20-byte name) takes more than a 512-byte page.
    let config = Config {
        page_size: PageSize::new(512).unwrap(),
        cache_frames: 32,
        sort_memory: 64 * 1024,
        ..Config::DEFAULT
    };
    let db = Database::open(&disk, "oom.db", &config, &fault).unwrap();
    let conn = db.connect();
    let schema = "CREATE TABLE w(id INTEGER PRIMARY KEY, g INTEGER, v INTEGER, name TEXT)";
    conn.execute(schema, &[]).unwrap();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    oracle.execute_batch(schema).unwrap();
    conn.execute("BEGIN", &[]).unwrap();
    let insert =
        "INSERT INTO w(g, v, name) VALUES (?1 % 4, ?1 * 7 % 23, 'name-of-row-' || (?1 * 13 % 97))";
    for i in 0..120i64 {
        conn.execute(insert, &[ValueRef::Integer(i)]).unwrap();
        oracle.execute(insert, [i]).unwrap();
    }
    conn.execute("COMMIT", &[]).unwrap();
    let files = disk.file_count().unwrap();
    for sql in SWEPT {
        let want = Exact::ours(&conn, sql).unwrap();
        assert_eq!(want, Exact::theirs_ok(&oracle, sql), "{sql}");
        let [persistent, once] = sweep_query_both(&fault, &conn, sql, &want, 5);
        println!("{sql}: {persistent} and {once} failure points");
        assert_eq!(Exact::ours(&conn, sql).unwrap(), want);
    }
    assert!(db.integrity_check(0).unwrap().is_ok());
    assert_eq!(
        disk.file_count().unwrap(),
        files,
        "a temporary file is left"
    );
    drop(conn);
    drop(db);
    assert_eq!(arena.stats().live_allocations, 0, "the database leaked");
}

/// Windows whose groups of peers outgrow a 1 KiB sort budget: queued to
/// a temporary file, then given the values they share.
const QUEUED: [&str; 3] = [
    "SELECT id, group_concat(name) OVER (PARTITION BY g % 2), rank() OVER (ORDER BY g % 2), \
     sum(v) OVER (ORDER BY g % 2 ROWS UNBOUNDED PRECEDING) FROM w ORDER BY id",
    "SELECT count(*) OVER (), dense_rank() OVER (ORDER BY v % 2), \
     max(name) OVER (ORDER BY v % 2 GROUPS UNBOUNDED PRECEDING) FROM w ORDER BY id",
    "SELECT g, row_number() OVER (PARTITION BY g ORDER BY id), \
     avg(v) FILTER (WHERE v > 5) OVER (PARTITION BY g) FROM w ORDER BY id DESC LIMIT 9",
];

#[test]
fn every_allocation_failure_with_queued_peers_is_clean() {
    let disk = MemoryPlatform::new();
    let mut buffer = vec![0u8; 1024 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    let config = Config {
        page_size: PageSize::new(512).unwrap(),
        cache_frames: 32,
        sort_memory: 1024,
        ..Config::DEFAULT
    };
    let db = Database::open(&disk, "q.db", &config, &fault).unwrap();
    let conn = db.connect();
    let schema = "CREATE TABLE w(id INTEGER PRIMARY KEY, g INTEGER, v INTEGER, name TEXT)";
    conn.execute(schema, &[]).unwrap();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    oracle.execute_batch(schema).unwrap();
    conn.execute("BEGIN", &[]).unwrap();
    let insert =
        "INSERT INTO w(g, v, name) VALUES (?1 % 3, ?1 * 7 % 23, 'name-of-row-' || (?1 * 13 % 97))";
    for i in 0..36i64 {
        conn.execute(insert, &[ValueRef::Integer(i)]).unwrap();
        oracle.execute(insert, [i]).unwrap();
    }
    conn.execute("COMMIT", &[]).unwrap();
    let files = disk.file_count().unwrap();
    for sql in QUEUED {
        let want = Exact::ours(&conn, sql).unwrap();
        assert_eq!(want, Exact::theirs_ok(&oracle, sql), "{sql}");
        let [persistent, once] = sweep_query_both(&fault, &conn, sql, &want, 5);
        println!("{sql}: {persistent} and {once} failure points");
    }
    assert!(db.integrity_check(0).unwrap().is_ok());
    assert_eq!(
        disk.file_count().unwrap(),
        files,
        "a temporary file is left"
    );
    drop(conn);
    drop(db);
    assert_eq!(arena.stats().live_allocations, 0, "the database leaked");
}
