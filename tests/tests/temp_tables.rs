//! `TEMP` tables: the connection's `temp` schema, checked against SQLite.
//!
//! - random scripts mixing temporary and main tables of the same and of
//!   different names (`CREATE TEMP TABLE`, `CREATE TABLE temp.t`, `... AS
//!   SELECT`, indexes, `INSERT`/`UPDATE`/`DELETE` with and without `main.`
//!   and `temp.`, joins across the two, `DROP`, `BEGIN`/`COMMIT`/`ROLLBACK`,
//!   failing statements inside a transaction) give SQLite's rows row for
//!   row, and its errors word for word;
//! - temporary tables never reach the main file (its bytes and its schema
//!   cookie stay), another connection and a stock SQLite process never see
//!   them, and they are gone when their connection closes;
//! - a temporary table far larger than the page cache fills from a small
//!   arena, spilling to temporary files;
//! - every allocation failure in making, filling, indexing, reading and
//!   dropping one is `OutOfMemory`, leaves the tables as they were, and
//!   leaks nothing (the statements swept are ones that may run again, as
//!   a run whose failure was absorbed, by the cache evicting instead of
//!   growing, succeeds and the sweep goes on).
//!
//! `BOUNDLITE_TEMP_ROUNDS` sets the number of scripts (16 by default, 250
//! statements each); `BOUNDLITE_SEED` the first seed.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::{Arena, FaultAlloc, Global};
use boundlite::format::PageSize;
use boundlite::platform::MemoryPlatform;
use boundlite::{Config, Database};
use boundlite_std::StdPlatform;
use boundlite_tests::compare::{Rows, assert_sqlite_integrity_ok, ours, theirs};
use boundlite_tests::rng::{Rng, seed};
use boundlite_tests::sweep::{sweep_change, sweep_rows};

const MAIN_SCHEMA: &str = "CREATE TABLE a(id INTEGER PRIMARY KEY, x, y);
     CREATE TABLE b(k, v);
     CREATE TABLE m(n INTEGER PRIMARY KEY, s TEXT);
     CREATE INDEX bk ON b(k);
     INSERT INTO a(x, y) VALUES (1, 'one'), (2, 'two'), (3, NULL);
     INSERT INTO b VALUES (1, 10), (2, 20);
     INSERT INTO m(s) VALUES ('m1'), ('m2');";

const VALUES: [&str; 8] = ["1", "2", "3", "NULL", "'x'", "2.5", "'two'", "4"];

fn pick<'a>(rng: &mut Rng, items: &[&'a str]) -> &'a str {
    items[rng.below(items.len() as u64) as usize]
}

/// A qualifier for a name: none, `main.` or `temp.`.
fn qualifier(rng: &mut Rng) -> &'static str {
    pick(rng, &["", "", "", "main.", "temp."])
}

fn statement(rng: &mut Rng, in_txn: bool) -> String {
    let v = |rng: &mut Rng| pick(rng, &VALUES).to_string();
    match rng.below(30) {
        0 => pick(
            rng,
            &[
                "CREATE TEMP TABLE a(x TEXT, y)",
                "CREATE TEMP TABLE IF NOT EXISTS a(x TEXT, y)",
                "CREATE TABLE temp.b(k UNIQUE, v)",
                "CREATE TEMPORARY TABLE t(p INTEGER PRIMARY KEY, q)",
                "CREATE TEMP TABLE main.z(a)",
                "CREATE TABLE aux.z(a)",
                "CREATE TEMP TABLE m(n, s)",
                "CREATE TABLE t(p)",
            ],
        )
        .to_string(),
        1 => pick(
            rng,
            &[
                "CREATE TEMP TABLE c AS SELECT id, x FROM main.a WHERE id < 5",
                "CREATE TEMP TABLE c AS SELECT k + 1 AS k1, v FROM b",
                "CREATE TABLE temp.c AS SELECT * FROM t",
            ],
        )
        .to_string(),
        2 => pick(
            rng,
            &[
                "DROP TABLE a",
                "DROP TABLE temp.a",
                "DROP TABLE IF EXISTS temp.b",
                "DROP TABLE temp.nosuch",
                "DROP TABLE main.t",
                "DROP TABLE t",
                "DROP TABLE IF EXISTS c",
                "DROP TABLE temp.m",
            ],
        )
        .to_string(),
        3 => pick(
            rng,
            &[
                "CREATE INDEX ax ON a(x)",
                "CREATE INDEX temp.bv ON b(v)",
                "CREATE UNIQUE INDEX tq ON t(q)",
                "CREATE INDEX main.mi ON t(p)",
                "CREATE INDEX temp.ix ON nosuch(a)",
                "DROP INDEX ax",
                "DROP INDEX IF EXISTS temp.bv",
                "DROP INDEX tq",
            ],
        )
        .to_string(),
        4..=7 => format!(
            "INSERT INTO {}a(x, y) VALUES ({}, {})",
            qualifier(rng),
            v(rng),
            v(rng)
        ),
        8 | 9 => format!(
            "INSERT INTO {}b VALUES ({}, {})",
            qualifier(rng),
            v(rng),
            v(rng)
        ),
        10 => format!("INSERT INTO t(q) VALUES ({}), ({})", v(rng), v(rng)),
        11 => pick(
            rng,
            &[
                "INSERT INTO temp.a SELECT x, y FROM main.a",
                "INSERT INTO main.b SELECT * FROM b",
                "INSERT INTO b SELECT k + 10, v FROM main.b",
                "INSERT INTO m(s) SELECT q FROM t",
                "INSERT INTO t(q) SELECT s FROM m",
            ],
        )
        .to_string(),
        12 | 13 => format!(
            "UPDATE {}a SET y = {} WHERE x = {}",
            qualifier(rng),
            v(rng),
            v(rng)
        ),
        14 => format!(
            "UPDATE {}b SET k = {} WHERE v = {}",
            qualifier(rng),
            v(rng),
            v(rng)
        ),
        15 | 16 => format!("DELETE FROM {}a WHERE x = {}", qualifier(rng), v(rng)),
        17 => format!("DELETE FROM {}b WHERE k = {}", qualifier(rng), v(rng)),
        18 => format!("UPDATE t SET q = {} WHERE p % 2 = 0", v(rng)),
        19 => "DELETE FROM t WHERE p % 3 = 1".to_string(),
        _ => match (in_txn, rng.below(5)) {
            (false, _) => "BEGIN".to_string(),
            (true, 0 | 1) => "ROLLBACK".to_string(),
            (true, _) => "COMMIT".to_string(),
        },
    }
}

/// Queries whose rows the two engines must agree on (or both fail).
const QUERIES: [&str; 16] = [
    "SELECT rowid, * FROM a ORDER BY rowid",
    "SELECT rowid, * FROM temp.a ORDER BY rowid",
    "SELECT * FROM main.a ORDER BY id",
    "SELECT rowid, * FROM b ORDER BY rowid",
    "SELECT rowid, * FROM main.b ORDER BY rowid",
    "SELECT * FROM t ORDER BY p",
    "SELECT * FROM c ORDER BY 1, 2",
    "SELECT * FROM m ORDER BY n",
    "SELECT a.x, b.v FROM a JOIN b ON a.x = b.k ORDER BY 1, 2",
    "SELECT count(*) FROM main.a m1, temp.a t1 WHERE m1.x = t1.x",
    "SELECT type, name, tbl_name, sql FROM sqlite_temp_master ORDER BY name",
    "SELECT type, name, tbl_name FROM temp.sqlite_master ORDER BY name",
    "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name",
    "PRAGMA table_info(a)",
    "PRAGMA temp.table_info(b)",
    "SELECT x FROM a WHERE x > 1 ORDER BY x",
];

/// SQLite's error text without what rusqlite adds.
fn their_error(e: &rusqlite::Error, sql: &str) -> String {
    let mut text = e.to_string();
    if let Some(at) = text.find(&format!(" in {sql}")) {
        text.truncate(at);
    }
    text
}

fn compare_queries(
    mine: &boundlite::Connection<'_, &MemoryPlatform, Global>,
    oracle: &rusqlite::Connection,
    context: &str,
) {
    for sql in QUERIES {
        match (ours(mine, sql), theirs(oracle, sql)) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{context}: {sql}"),
            (Err(a), Err(b)) => {
                let b = their_error(&b, sql);
                assert!(
                    a.to_string().ends_with(&b),
                    "{context}: {sql}\n  boundlite: {a}\n  sqlite:    {b}"
                );
            }
            (a, b) => panic!("{context}: {sql}\n  boundlite: {a:?}\n  sqlite:    {b:?}"),
        }
    }
}

#[test]
fn random_scripts_of_temp_and_main_tables_match_sqlite() {
    let rounds: u64 = std::env::var("BOUNDLITE_TEMP_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(16);
    let first = seed(0x7e3b);
    let (mut agreed_ok, mut agreed_err) = (0u64, 0u64);
    for round in 0..rounds {
        let s = first.wrapping_add(round);
        let mut rng = Rng::new(s);
        let disk = MemoryPlatform::new();
        let db = Database::open(&disk, "temp.db", &Config::DEFAULT, Global).unwrap();
        let mine = db.connect();
        let oracle = rusqlite::Connection::open_in_memory().unwrap();
        mine.execute(MAIN_SCHEMA, &[]).unwrap();
        oracle.execute_batch(MAIN_SCHEMA).unwrap();
        let mut log = Vec::new();
        for step in 0..250 {
            let sql = statement(&mut rng, mine.in_transaction());
            log.push(sql.clone());
            let a = mine.execute(&sql, &[]);
            let b = oracle.execute_batch(&sql);
            let context = format!("seed {s} step {step}");
            match (&a, &b) {
                (Ok(_), Ok(())) => agreed_ok += 1,
                (Err(a), Err(b)) => {
                    let b = their_error(b, &sql);
                    assert!(
                        a.to_string().ends_with(&b),
                        "{context}: {sql}\n  boundlite: {a}\n  sqlite:    {b}\n  log: {log:#?}"
                    );
                    agreed_err += 1;
                }
                _ => {
                    panic!("{context}: {sql}\n  boundlite: {a:?}\n  sqlite: {b:?}\n  log: {log:#?}")
                }
            }
            assert_eq!(
                mine.in_transaction(),
                !oracle.is_autocommit(),
                "{context}: {sql}"
            );
            if step % 5 == 4 {
                compare_queries(&mine, &oracle, &format!("{context}\n log: {log:#?}"));
            }
        }
        compare_queries(&mine, &oracle, &format!("seed {s} end"));
        assert!(db.integrity_check(0).unwrap().is_ok(), "seed {s}");
    }
    eprintln!("temp table statements: {agreed_ok} succeeded on both, {agreed_err} failed on both");
    assert!(agreed_ok > rounds * 100);
    assert!(agreed_err > rounds * 10);
}

/// The bytes of every file of the main database.
fn main_files(disk: &MemoryPlatform, path: &str) -> Vec<Option<Vec<u8>>> {
    [path.to_string(), format!("{path}-wal")]
        .iter()
        .map(|p| disk.file_bytes(p).ok().map(|b| b.to_vec()))
        .collect()
}

#[test]
fn temporary_tables_never_reach_the_main_file_nor_other_connections() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "main.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    conn.execute(MAIN_SCHEMA, &[]).unwrap();
    let cookie = db.header().schema_cookie;
    let before = main_files(&disk, "main.db");
    conn.execute(
        "CREATE TEMP TABLE a(x TEXT, y);
         CREATE TABLE temp.t(p INTEGER PRIMARY KEY, q);
         CREATE INDEX tq ON t(q);
         INSERT INTO a VALUES ('temp', 1);
         INSERT INTO t(q) SELECT s FROM m;
         BEGIN;
         INSERT INTO t(q) VALUES ('in a transaction');
         UPDATE a SET y = 2;
         COMMIT;
         CREATE TEMP TABLE c AS SELECT * FROM main.a;
         DROP TABLE c;
         DELETE FROM t WHERE p = 1;",
        &[],
    )
    .unwrap();
    assert_eq!(
        main_files(&disk, "main.db"),
        before,
        "the main files changed"
    );
    assert_eq!(db.header().schema_cookie, cookie);
    assert_eq!(
        ours(&conn, "SELECT * FROM a").unwrap(),
        ours(&conn, "SELECT 'temp', 2").unwrap()
    );
    // Another connection reads the main schema only.
    let other = db.connect();
    assert_eq!(
        ours(&other, "SELECT * FROM a ORDER BY id").unwrap(),
        ours(&conn, "SELECT * FROM main.a ORDER BY id").unwrap()
    );
    assert_eq!(
        other
            .execute("SELECT * FROM t", &[])
            .unwrap_err()
            .to_string(),
        "SQL error: no such table: t"
    );
    assert!(
        ours(&other, "SELECT * FROM sqlite_temp_master")
            .unwrap()
            .is_empty()
    );
    // A change of the main table is seen by both.
    conn.execute("INSERT INTO main.a(x) VALUES (9)", &[])
        .unwrap();
    assert_eq!(
        ours(&other, "SELECT count(*) FROM a").unwrap(),
        ours(&conn, "SELECT count(*) FROM main.a").unwrap()
    );
    // Closed with its connection, even inside a transaction that changed it.
    conn.execute(
        "BEGIN; INSERT INTO t(q) VALUES ('open'); INSERT INTO m(s) VALUES ('x')",
        &[],
    )
    .unwrap();
    drop(conn);
    let again = db.connect();
    assert!(
        ours(&again, "SELECT * FROM sqlite_temp_master")
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        ours(&again, "SELECT count(*) FROM m").unwrap(),
        ours(&again, "SELECT 2").unwrap()
    );
    assert!(again.execute("SELECT * FROM t", &[]).is_err());
}

#[test]
fn sqlite_never_sees_a_temporary_table() {
    let dir = tempfile::tempdir().unwrap();
    let disk = StdPlatform::in_dir(dir.path());
    let db = Database::open(&disk, "shared.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    conn.execute(
        "CREATE TABLE kept(v); INSERT INTO kept VALUES (1);
         CREATE TEMP TABLE scratch(v); INSERT INTO scratch VALUES (2);
         CREATE TEMP TABLE kept(w); INSERT INTO kept VALUES (3);",
        &[],
    )
    .unwrap();
    let oracle = rusqlite::Connection::open(dir.path().join("shared.db")).unwrap();
    let names = theirs(&oracle, "SELECT name FROM sqlite_master ORDER BY name").unwrap();
    assert_eq!(names, theirs(&oracle, "SELECT 'kept'").unwrap());
    assert_eq!(
        theirs(&oracle, "SELECT * FROM kept").unwrap(),
        theirs(&oracle, "SELECT 1").unwrap()
    );
    assert!(oracle.execute_batch("SELECT * FROM scratch").is_err());
    assert_sqlite_integrity_ok(&oracle);
    assert_eq!(
        ours(&conn, "SELECT * FROM kept").unwrap(),
        ours(&conn, "SELECT 3").unwrap()
    );
}

/// A text of `len` bytes that differs with `n`.
fn text(n: i64, len: usize) -> String {
    let mut s = format!("{n:08}-");
    while s.len() < len {
        s.push(char::from(b'a' + (n as usize + s.len()) as u8 % 26));
    }
    s
}

#[test]
fn a_temporary_table_far_larger_than_the_cache_fills_from_a_small_arena() {
    const HEAP: usize = 256 * 1024;
    const ROWS: i64 = 12_000;
    let mut buffer = vec![0u8; HEAP];
    let arena = Arena::new(&mut buffer).unwrap();
    let disk = MemoryPlatform::new();
    let config = Config {
        page_size: PageSize::new(4096).unwrap(),
        cache_frames: 16,
        sort_memory: 16 * 1024,
        wal_index_budget: 16 * 1024,
        ..Config::DEFAULT
    };
    let db = Database::open(&disk, "small.db", &config, &arena).unwrap();
    let conn = db.connect();
    conn.execute(
        "CREATE TABLE seen(n); CREATE TEMP TABLE big(id INTEGER PRIMARY KEY, v TEXT, w INTEGER)",
        &[],
    )
    .unwrap();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    oracle
        .execute_batch("CREATE TEMP TABLE big(id INTEGER PRIMARY KEY, v TEXT, w INTEGER)")
        .unwrap();
    let mut insert = conn
        .prepare("INSERT INTO big(v, w) VALUES (?1, ?2)")
        .unwrap();
    let mut theirs_insert = oracle
        .prepare("INSERT INTO big(v, w) VALUES (?1, ?2)")
        .unwrap();
    // Half in autocommit, half in one transaction that spills.
    for n in 0..ROWS {
        if n == ROWS / 2 {
            conn.execute("BEGIN", &[]).unwrap();
            oracle.execute_batch("BEGIN").unwrap();
        }
        let v = text(n, 200);
        insert
            .execute(boundlite::params![v.as_str(), n * 7 % 1000])
            .unwrap();
        theirs_insert
            .execute(rusqlite::params![v, n * 7 % 1000])
            .unwrap();
    }
    drop(insert);
    conn.execute("COMMIT; CREATE INDEX bw ON big(w, v)", &[])
        .unwrap();
    oracle
        .execute_batch("COMMIT; CREATE INDEX bw ON big(w, v)")
        .unwrap();
    // 12,000 rows of 200 bytes: about 2.6 MB, more than ten times the arena.
    for sql in [
        "SELECT count(*), sum(w), sum(length(v)), min(v), max(v) FROM big",
        "SELECT id, w FROM big WHERE w = 693 ORDER BY v",
        "SELECT w, count(*) FROM big GROUP BY w ORDER BY 2 DESC, 1 LIMIT 5",
    ] {
        assert_eq!(
            ours(&conn, sql).unwrap(),
            theirs(&oracle, sql).unwrap(),
            "{sql}"
        );
    }
    conn.execute("DELETE FROM big WHERE id % 2 = 0", &[])
        .unwrap();
    oracle
        .execute_batch("DELETE FROM big WHERE id % 2 = 0")
        .unwrap();
    let sql = "SELECT count(*), sum(w) FROM big";
    assert_eq!(ours(&conn, sql).unwrap(), theirs(&oracle, sql).unwrap());
    let peak = arena.stats().peak_in_use;
    eprintln!("arena peak {peak} of {HEAP} bytes for a {ROWS}-row temporary table");
    assert!(peak < HEAP, "{peak}");
    // The main file holds its one empty table.
    assert!(db.page_count() <= 2, "{} pages", db.page_count());
    drop(conn);
    drop(db);
    assert_eq!(arena.stats().live_allocations, 0, "leaked");
}

/// The rows of the temporary tables, for the sweep's checks.
fn temp_contents(
    conn: &boundlite::Connection<'_, &MemoryPlatform, &FaultAlloc<&Arena<'_>>>,
) -> Rows {
    let mut all = ours(
        conn,
        "SELECT type, name, tbl_name, sql FROM sqlite_temp_master ORDER BY name",
    )
    .unwrap();
    if let Ok(rows) = ours(conn, "SELECT rowid, * FROM t ORDER BY rowid") {
        all.extend(rows);
    }
    all
}

#[test]
fn every_allocation_failure_in_a_temporary_table_is_clean() {
    let disk = MemoryPlatform::new();
    let mut buffer = vec![0u8; 1024 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    let config = Config {
        page_size: PageSize::new(512).unwrap(),
        cache_frames: Config::MIN_CACHE_FRAMES,
        sort_memory: 1024,
        ..Config::DEFAULT
    };
    {
        let db = Database::open(&disk, "oom.db", &config, &fault).unwrap();
        let conn = db.connect();
        conn.execute("CREATE TABLE m(n INTEGER PRIMARY KEY, s TEXT)", &[])
            .unwrap();
        conn.execute(
            "INSERT INTO m(s) VALUES ('a'), ('b'), ('c'), (randomblob(300))",
            &[],
        )
        .unwrap();
        let mut points = 0;
        for sql in [
            "CREATE TEMP TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, v TEXT, w)",
            "INSERT INTO t(v, w) VALUES ('x', 1), ('y', 2), (zeroblob(2000), 3)",
            "INSERT INTO t(v, w) SELECT s, n FROM m",
            "CREATE INDEX IF NOT EXISTS tw ON t(w)",
            "UPDATE t SET w = w + 10 WHERE id > 2",
            "CREATE TEMP TABLE IF NOT EXISTS c AS SELECT v, w FROM t",
            "DROP TABLE IF EXISTS c",
            "DELETE FROM t WHERE w > 11",
        ] {
            let report = sweep_change(&fault, &conn, sql, || temp_contents(&conn));
            assert!(!conn.in_transaction(), "{sql}");
            points += report.failure_points;
        }
        // Inside a transaction a failed statement is undone alone.
        conn.execute("BEGIN", &[]).unwrap();
        for sql in [
            "INSERT INTO t(v, w) VALUES ('in', 4)",
            "UPDATE t SET v = v || '!' WHERE w > 1",
        ] {
            let report = sweep_change(&fault, &conn, sql, || temp_contents(&conn));
            assert!(conn.in_transaction() && !conn.is_aborted(), "{sql}");
            points += report.failure_points;
        }
        conn.execute("COMMIT", &[]).unwrap();
        for sql in [
            "SELECT t.v, m.s FROM t JOIN m ON m.n = t.w ORDER BY 1",
            "SELECT * FROM sqlite_temp_master",
            "PRAGMA temp.table_info(t)",
        ] {
            points += sweep_rows(&fault, &conn, sql).failure_points;
        }
        let report = sweep_change(&fault, &conn, "DROP TABLE IF EXISTS t", || {
            temp_contents(&conn)
        });
        points += report.failure_points;
        assert!(points > 200, "{points} failure points");
        assert!(db.integrity_check(0).unwrap().is_ok());
    }
    assert_eq!(arena.stats().live_allocations, 0, "leaked");
}
