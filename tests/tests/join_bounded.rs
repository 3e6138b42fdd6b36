//! Joins in bounded memory and under allocation failure: a self-join of
//! a table that dwarfs the arena (index seeks driven by the outer row,
//! grouped and sorted) gives SQLite's rows within the configured bound;
//! every allocation failure while a join runs (LEFT, USING, three tables,
//! correlated subqueries (one, and two taking turns), grouping, a `WITH` table, a subquery in `FROM`,
//! `IN` lists sought by rowid and by index, `RIGHT` and `FULL JOIN`s, a
//! join whose loops nest in another order than `FROM`'s) is `OutOfMemory`, leaks nothing and
//! leaves the connection usable; `EXPLAIN QUERY PLAN` names each table's
//! plan in SQLite's words.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::{Arena, FaultAlloc, Global};
use boundlite::format::PageSize;
use boundlite::platform::MemoryPlatform;
use boundlite::record::ValueRef;
use boundlite::{Config, Database};
use boundlite_tests::compare::{Exact, Owned};
use boundlite_tests::scrambled::{STATEMENT_SLACK, scrambled_table};
use boundlite_tests::sweep::sweep_query_both;

#[test]
fn joins_over_a_table_that_dwarfs_the_arena_stay_within_the_bound() {
    let (bytes, oracle, _dir) = scrambled_table(60_000);
    oracle
        .execute_batch("CREATE INDEX t_grp ON t(grp)")
        .unwrap();
    drop(oracle);
    let bytes = std::fs::read(_dir.path().join("big.db")).unwrap_or(bytes);
    let oracle = rusqlite::Connection::open(_dir.path().join("big.db")).unwrap();
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
        // The inner loop seeks by rowid, then by index, on the outer row.
        "SELECT count(*), sum(b.score) FROM t a JOIN t b ON b.id = a.grp + 1",
        "SELECT count(*), max(b.name) FROM t a, t b WHERE b.grp = a.id AND a.id < 5000",
        "SELECT a.grp % 10, count(*), min(b.name) FROM t a LEFT JOIN t b ON b.grp = a.id + 7 \
         GROUP BY 1 ORDER BY 2 DESC, 1",
        "SELECT a.name, b.name FROM t a JOIN t b ON b.id = a.id * 3 WHERE a.score > 1400 \
         ORDER BY b.name LIMIT 20",
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
    assert_eq!(disk.file_count().unwrap(), 1, "a temporary file is left");
}

const SWEPT: [&str; 16] = [
    "SELECT p.name, q.tag FROM p LEFT JOIN q ON q.pid = p.id ORDER BY 1, 2",
    "WITH w AS (SELECT pid, count(*) AS n FROM q GROUP BY pid) \
     SELECT p.name, w.n FROM p JOIN w ON w.pid = p.id",
    "SELECT * FROM (SELECT tag, count(*) FROM q GROUP BY tag) AS t ORDER BY 2, 1",
    "SELECT * FROM p WHERE id IN (1, 3, '5', 99, 2.0)",
    "SELECT q.tag, r.note FROM q JOIN r USING (tag) WHERE q.pid IN (2, 4, 'x')",
    "SELECT p.name, count(q.tag), group_concat(r.note) FROM p JOIN q ON q.pid = p.id \
     LEFT JOIN r USING (tag) GROUP BY p.name ORDER BY 2 DESC, 1",
    "SELECT * FROM q NATURAL JOIN r",
    "SELECT p.name, (SELECT count(*) FROM q JOIN r USING (tag) WHERE q.pid = p.id) FROM p",
    "SELECT DISTINCT r.note FROM p, q, r WHERE q.pid = p.id AND r.tag = q.tag AND p.id > 2",
    "SELECT p.name, q.tag FROM q RIGHT JOIN p ON q.pid = p.id WHERE q.tag IS NOT 't1'",
    "SELECT q.pid, r.note FROM q FULL JOIN r ON r.tag = q.tag AND q.pid < 3 ORDER BY 2, 1",
    "SELECT count(*), max(p.name) FROM r, q JOIN p ON p.id = q.pid + 1 WHERE r.tag = q.tag",
    // `USING` beside a `RIGHT JOIN`, and beside a `FULL JOIN` whose
    // second nest moves the equality with the tables.
    "SELECT * FROM q RIGHT JOIN r USING (tag) WHERE r.note < 'n2' ORDER BY 1, 2, 3",
    "SELECT q.pid, tag, p.name FROM q JOIN r USING (tag) FULL JOIN p ON p.id = q.pid + 20 \
     ORDER BY 1, 2, 3",
    // Correlated subqueries run once per outer row, their sources kept
    // from one run to the next, two of them taking turns.
    "SELECT count(*) FROM p WHERE EXISTS (SELECT 1 FROM q WHERE q.pid = p.id AND q.tag > 't2')",
    "SELECT count(*) FROM p WHERE EXISTS (SELECT 1 FROM q WHERE q.pid = p.id) \
     AND NOT EXISTS (SELECT 1 FROM r WHERE r.note = 'n' || p.id)",
];

#[test]
fn every_allocation_failure_in_a_join_is_clean() {
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
    let schema = "CREATE TABLE p(id INTEGER PRIMARY KEY, name TEXT);
         CREATE TABLE q(pid INTEGER, tag TEXT);
         CREATE INDEX q_pid ON q(pid);
         CREATE TABLE r(tag TEXT COLLATE NOCASE, note TEXT)";
    conn.execute(schema, &[]).unwrap();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    oracle.execute_batch(schema).unwrap();
    conn.execute("BEGIN", &[]).unwrap();
    for i in 0..30i64 {
        let rows = [
            ("INSERT INTO p(name) VALUES ('p' || (?1 * 7 % 13))", i),
            ("INSERT INTO q VALUES (?1 % 11, 't' || (?1 % 5))", i),
            ("INSERT INTO r VALUES ('T' || (?1 % 7), 'n' || ?1)", i),
        ];
        for (sql, n) in rows {
            conn.execute(sql, &[ValueRef::Integer(n)]).unwrap();
            oracle.execute(sql, [n]).unwrap();
        }
    }
    conn.execute("COMMIT", &[]).unwrap();
    for sql in SWEPT {
        let want = Exact::ours(&conn, sql).unwrap();
        let mut theirs = Exact::theirs_ok(&oracle, sql);
        let mut sorted = want.clone();
        sorted.sort_by_key(|r| format!("{r:?}"));
        theirs.sort_by_key(|r| format!("{r:?}"));
        assert_eq!(sorted, theirs, "{sql}");
        let [persistent, once] = sweep_query_both(&fault, &conn, sql, &want, 5);
        println!("{sql}: {persistent} and {once} failure points");
        assert_eq!(Exact::ours(&conn, sql).unwrap(), want);
    }
    assert!(db.integrity_check(0).unwrap().is_ok());
    drop(conn);
    drop(db);
    assert_eq!(arena.stats().live_allocations, 0, "the database leaked");
}

#[test]
fn explain_query_plan_names_each_table_of_a_join() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "e.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    conn.execute(
        "CREATE TABLE a(id INTEGER PRIMARY KEY, x);
         CREATE TABLE b(y, z);
         CREATE INDEX b_y ON b(y)",
        &[],
    )
    .unwrap();
    let plan = |sql: &str| -> Vec<String> {
        Exact::ours_ok(&conn, &format!("EXPLAIN QUERY PLAN {sql}"))
            .into_iter()
            .map(|row| match &row[3] {
                Exact::Text(t) => String::from_utf8(t.clone()).unwrap(),
                other => panic!("{other:?}"),
            })
            .collect()
    };
    assert_eq!(
        plan("SELECT * FROM a JOIN b ON b.y = a.x"),
        ["SCAN a", "SEARCH b USING INDEX b_y (y=?)"]
    );
    assert_eq!(
        plan("SELECT * FROM b, a WHERE a.id = b.z"),
        ["SCAN b", "SEARCH a USING INTEGER PRIMARY KEY (rowid=?)"]
    );
    assert_eq!(
        plan("SELECT * FROM b LEFT JOIN a ON a.id = b.z"),
        [
            "SCAN b",
            "SEARCH a USING INTEGER PRIMARY KEY (rowid=?) LEFT-JOIN"
        ]
    );
}
