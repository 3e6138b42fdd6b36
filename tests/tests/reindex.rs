//! `REINDEX` against SQLite: it picks the indexes SQLite picks (all, a
//! collation's, a table's, one), mends an index that lost its entries
//! (a file SQLite's own integrity check rejects reads back whole after
//! it), and every allocation failure while it runs is `OutOfMemory`,
//! leaks nothing and leaves the file intact.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::{Arena, FaultAlloc, Global, oom_sweep};
use boundlite::format::PageSize;
use boundlite::platform::MemoryPlatform;
use boundlite::{Config, Database, Error};
use boundlite_std::StdPlatform;
use boundlite_tests::compare::{Exact, Owned, assert_sqlite_integrity_ok};

/// A file whose index `ti` is empty while its table has rows: its root
/// page is swapped with that of `ui`, the index of an empty twin table.
fn damaged(dir: &std::path::Path) {
    let sqlite = rusqlite::Connection::open(dir.join("damaged.db")).unwrap();
    sqlite
        .execute_batch(
            "CREATE TABLE t(a TEXT COLLATE NOCASE, b INTEGER UNIQUE);
             CREATE TABLE u(a TEXT COLLATE NOCASE, b INTEGER UNIQUE);
             CREATE INDEX ti ON t(a);
             CREATE INDEX ui ON u(a);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
             INSERT INTO t SELECT 'v' || (i % 37), i FROM n;",
        )
        .unwrap();
    let root = |name: &str| -> i64 {
        sqlite
            .query_row(
                "SELECT rootpage FROM sqlite_schema WHERE name = ?1",
                [name],
                |r| r.get(0),
            )
            .unwrap()
    };
    let (ti, ui) = (root("ti"), root("ui"));
    sqlite
        .execute_batch(&format!(
            "PRAGMA writable_schema = ON;
             UPDATE sqlite_schema SET rootpage = {ui} WHERE name = 'ti';
             UPDATE sqlite_schema SET rootpage = {ti} WHERE name = 'ui';
             PRAGMA writable_schema = OFF;"
        ))
        .unwrap();
}

#[test]
fn reindex_mends_an_index_that_lost_its_entries() {
    let dir = tempfile::tempdir().unwrap();
    damaged(dir.path());
    let check = |c: &rusqlite::Connection| -> String {
        c.query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap()
    };
    assert_ne!(
        check(&rusqlite::Connection::open(dir.path().join("damaged.db")).unwrap()),
        "ok"
    );
    let disk = StdPlatform::in_dir(dir.path());
    {
        let db = Database::open(&disk, "damaged.db", &Config::DEFAULT, Global).unwrap();
        assert!(!db.integrity_check(0).unwrap().is_ok());
        let conn = db.connect();
        let sought = "SELECT count(*) FROM t INDEXED BY ti WHERE a = 'V5'";
        assert_eq!(Exact::ours_ok(&conn, sought), vec![vec![Exact::Int(0)]]);
        conn.execute("REINDEX ti", &[]).unwrap();
        // `ui` still holds the entries of `t`.
        assert!(!db.integrity_check(0).unwrap().is_ok());
        conn.execute("REINDEX u", &[]).unwrap();
        assert!(db.integrity_check(0).unwrap().is_ok());
        assert_eq!(Exact::ours_ok(&conn, sought), vec![vec![Exact::Int(14)]]);
    }
    let sqlite = rusqlite::Connection::open(dir.path().join("damaged.db")).unwrap();
    assert_sqlite_integrity_ok(&sqlite);
}

/// The indexes of `t` and `u` in a file where each is empty: its root
/// page swapped with its twin's on the empty tables `w` and `y`.
const INDEXES: [&str; 4] = ["sqlite_autoindex_t_1", "tb", "tc", "ux"];

fn all_emptied(path: &std::path::Path) {
    let sqlite = rusqlite::Connection::open(path).unwrap();
    sqlite
        .execute_batch(
            "CREATE TABLE t(a TEXT COLLATE NOCASE PRIMARY KEY, b, c);
             CREATE INDEX tb ON t(b);
             CREATE INDEX tc ON t(c COLLATE RTRIM);
             CREATE TABLE u(x);
             CREATE INDEX ux ON u(x);
             CREATE TABLE w(a TEXT COLLATE NOCASE PRIMARY KEY, b, c);
             CREATE INDEX wb ON w(b);
             CREATE INDEX wc ON w(c COLLATE RTRIM);
             CREATE TABLE y(x);
             CREATE INDEX yx ON y(x);
             CREATE VIEW v AS SELECT * FROM t;
             INSERT INTO t VALUES ('x', 1, 'p'), ('Y', 2, 'q '), ('z', NULL, NULL);
             INSERT INTO u VALUES (3), (1), (2);",
        )
        .unwrap();
    let root = |name: &str| -> i64 {
        sqlite
            .query_row(
                "SELECT rootpage FROM sqlite_schema WHERE name = ?1",
                [name],
                |r| r.get(0),
            )
            .unwrap()
    };
    let mut swaps = String::from("PRAGMA writable_schema = ON;");
    for (index, twin) in INDEXES
        .iter()
        .zip(["sqlite_autoindex_w_1", "wb", "wc", "yx"])
    {
        let (a, b) = (root(index), root(twin));
        swaps += &format!(
            "UPDATE sqlite_schema SET rootpage = {b} WHERE name = '{index}';
             UPDATE sqlite_schema SET rootpage = {a} WHERE name = '{twin}';"
        );
    }
    swaps += "PRAGMA writable_schema = OFF;";
    sqlite.execute_batch(&swaps).unwrap();
}

#[test]
fn reindex_picks_what_sqlite_picks() {
    let dir = tempfile::tempdir().unwrap();
    let disk = StdPlatform::in_dir(dir.path());
    for (n, (target, rebuilt)) in [
        ("", &INDEXES[..]),
        (" nocase", &["sqlite_autoindex_t_1"][..]),
        (" rtrim", &["tc"][..]),
        (" u", &["ux"][..]),
        (" main.tb", &["tb"][..]),
        (" v", &[][..]),
    ]
    .into_iter()
    .enumerate()
    {
        let name = format!("pick{n}.db");
        let path = dir.path().join(&name);
        all_emptied(&path);
        {
            let db = Database::open(&disk, &name, &Config::DEFAULT, Global).unwrap();
            db.connect()
                .execute(&format!("REINDEX{target}"), &[])
                .unwrap();
        }
        let sqlite = rusqlite::Connection::open(&path).unwrap();
        let mut stmt = sqlite.prepare("PRAGMA integrity_check").unwrap();
        let report: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        let still_broken: Vec<&str> = INDEXES
            .iter()
            .copied()
            .filter(|i| report.iter().any(|line| line.ends_with(&format!(" {i}"))))
            .collect();
        let expected: Vec<&str> = INDEXES
            .iter()
            .copied()
            .filter(|i| !rebuilt.contains(i))
            .collect();
        assert_eq!(still_broken, expected, "REINDEX{target}: {report:?}");
    }
    let db = Database::open(&disk, "pick0.db", &Config::DEFAULT, Global).unwrap();
    let err = db.connect().execute("REINDEX nosuch", &[]).unwrap_err();
    assert!(
        err.to_string()
            .contains("unable to identify the object to be reindexed")
    );
}

#[test]
fn every_allocation_failure_in_reindex_is_clean() {
    let disk = MemoryPlatform::new();
    let mut buffer = vec![0u8; 512 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    let config = Config {
        page_size: PageSize::new(512).unwrap(),
        cache_frames: 16,
        sort_memory: 2048,
        ..Config::DEFAULT
    };
    let db = Database::open(&disk, "oom.db", &config, &fault).unwrap();
    let conn = db.connect();
    conn.execute(
        "CREATE TABLE t(a TEXT, b INTEGER UNIQUE); CREATE INDEX ta ON t(a)",
        &[],
    )
    .unwrap();
    conn.execute("BEGIN", &[]).unwrap();
    for i in 0..300i64 {
        conn.execute(
            &format!("INSERT INTO t VALUES ('row {}', {i})", i * 7 % 41),
            &[],
        )
        .unwrap();
    }
    conn.execute("COMMIT", &[]).unwrap();
    let want = Exact::ours_ok(&conn, "SELECT a, count(*) FROM t GROUP BY a");
    let report = oom_sweep(
        &fault,
        true,
        |_| conn.execute("REINDEX", &[]),
        |n, e| {
            assert_eq!(e, Error::OutOfMemory, "failure {n}");
            assert!(db.integrity_check(0).unwrap().is_ok(), "failure {n}");
        },
    )
    .unwrap();
    println!("REINDEX: {} failure points", report.failure_points);
    assert!(report.failure_points > 5);
    assert_eq!(
        Exact::ours_ok(&conn, "SELECT a, count(*) FROM t GROUP BY a"),
        want
    );
    drop(conn);
    drop(db);
    assert_eq!(arena.stats().live_allocations, 0, "the database leaked");
}
