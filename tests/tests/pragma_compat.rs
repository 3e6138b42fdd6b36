//! PRAGMAs against SQLite: those that describe the schema return SQLite's
//! rows; settings this engine has one value of read as SQLite reads them
//! and refuse any other value with an error naming it (never accepted and
//! ignored); an allocation failure in any of them is `OutOfMemory`.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::{Arena, FaultAlloc, Global};
use boundlite::platform::MemoryPlatform;
use boundlite::{Config, Database};
use boundlite_tests::compare::{both, ours};
use boundlite_tests::sweep::sweep_rows;

const SCHEMA: &str = "CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT COLLATE NOCASE UNIQUE, b NOT NULL DEFAULT (1 + 2), c, UNIQUE(b, c), CONSTRAINT k UNIQUE(c DESC));
     CREATE INDEX ti ON t(b DESC, a);
     CREATE UNIQUE INDEX tu ON t(c COLLATE RTRIM);
     CREATE INDEX tid ON t(id, a);
     CREATE TABLE p(x, y, PRIMARY KEY(y, x), UNIQUE(x));
     CREATE TABLE q(x UNIQUE PRIMARY KEY, y UNIQUE);
     CREATE TABLE r(x PRIMARY KEY UNIQUE, y UNIQUE);
     CREATE TABLE g(a INTEGER, b AS (a * 2), c AS (a + 1) STORED, d);
     CREATE TABLE ch(x REFERENCES p, y REFERENCES p(x) ON DELETE CASCADE ON UPDATE SET NULL, z, w,
       FOREIGN KEY (z, w) REFERENCES p(y, x) ON DELETE SET DEFAULT DEFERRABLE INITIALLY DEFERRED,
       FOREIGN KEY (x) REFERENCES \"p\"(y) ON UPDATE RESTRICT MATCH FULL)";

#[test]
fn schema_pragmas_match_sqlite() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "p.db", &Config::DEFAULT, Global).unwrap();
    let mine = db.connect();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    let script = [
        "PRAGMA index_list(t)",
        "PRAGMA index_list('t')",
        "PRAGMA index_list(p)",
        "PRAGMA index_list(r)",
        "PRAGMA index_list(nosuch)",
        "PRAGMA index_info(ti)",
        "PRAGMA index_xinfo(ti)",
        "PRAGMA index_info(tid)",
        "PRAGMA index_xinfo(tid)",
        "PRAGMA index_xinfo(tu)",
        "PRAGMA index_xinfo(sqlite_autoindex_t_1)",
        "PRAGMA index_xinfo(sqlite_autoindex_t_3)",
        "PRAGMA index_info(sqlite_autoindex_p_1)",
        "PRAGMA index_info(t)",
        "PRAGMA index_xinfo(nosuch)",
        "PRAGMA table_info(g)",
        "PRAGMA table_xinfo(g)",
        "PRAGMA table_xinfo(t)",
        "PRAGMA foreign_key_list(ch)",
        "PRAGMA foreign_key_list(p)",
        "PRAGMA foreign_key_list(nosuch)",
        "PRAGMA quick_check",
        "PRAGMA quick_check(5)",
        "PRAGMA encoding",
        "PRAGMA synchronous",
        "PRAGMA synchronous = FULL",
        "PRAGMA synchronous = 2",
        "PRAGMA synchronous",
        // rusqlite's SQLite turns them on by default.
        "PRAGMA foreign_keys = OFF",
        "PRAGMA foreign_keys",
        "PRAGMA encoding = 'UTF-8'",
    ];
    for (i, sql) in script.iter().enumerate() {
        if i == 0 {
            mine.execute(SCHEMA, &[]).unwrap();
            oracle.execute_batch(SCHEMA).unwrap();
        }
        both(&mine, &oracle, sql, &format!("pragma line {i}"));
    }
    // A key repeated by a later constraint makes one index, the first
    // constraint's, and it is the PRIMARY KEY's ("pk") when either is.
    for sql in ["PRAGMA index_list(q)", "PRAGMA index_list(r)"] {
        assert!(both(&mine, &oracle, sql, sql));
    }
}

#[test]
fn settings_refuse_what_they_cannot_keep() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "s.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    for (sql, named) in [
        ("PRAGMA synchronous = OFF", "synchronous = OFF"),
        ("PRAGMA synchronous = 0", "synchronous = OFF"),
        ("PRAGMA synchronous = NORMAL", "synchronous = NORMAL"),
        ("PRAGMA synchronous = 1", "synchronous = NORMAL"),
        ("PRAGMA synchronous = bogus", "synchronous = NORMAL"),
        ("PRAGMA synchronous = EXTRA", "synchronous = EXTRA"),
        ("PRAGMA synchronous = 7", "synchronous"),
        (
            "PRAGMA defer_foreign_keys = ON",
            "defer_foreign_keys = ON outside a transaction",
        ),
        ("PRAGMA encoding = 'UTF-16le'", "encoding"),
    ] {
        let error = ours(&conn, sql).unwrap_err();
        assert!(error.to_string().contains(named), "{sql}: {error}");
        assert_eq!(error.code(), 1, "{sql}");
    }
    // What the refused settings would have changed still reads as it was.
    assert_eq!(
        ours(&conn, "PRAGMA synchronous").unwrap()[0][0],
        boundlite_tests::compare::V::Int(2)
    );
    assert_eq!(
        ours(&conn, "PRAGMA defer_foreign_keys").unwrap()[0][0],
        boundlite_tests::compare::V::Int(0)
    );
}

#[test]
fn schema_pragmas_survive_every_allocation_failure() {
    let disk = MemoryPlatform::new();
    let mut buffer = vec![0u8; 256 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    let db = Database::open(&disk, "oom.db", &Config::DEFAULT, &fault).unwrap();
    let conn = db.connect();
    conn.execute(SCHEMA, &[]).unwrap();
    for (sql, expected) in [
        ("PRAGMA index_list(t)", 6),
        ("PRAGMA index_xinfo(ti)", 3),
        ("PRAGMA index_info(sqlite_autoindex_t_2)", 2),
        ("PRAGMA table_xinfo(g)", 4),
        ("PRAGMA foreign_key_list(ch)", 5),
        ("PRAGMA encoding", 1),
    ] {
        let report = sweep_rows(&fault, &conn, sql);
        assert_eq!(report.value, expected, "{sql}");
        assert!(report.failure_points > 0, "{sql}");
    }
    drop(conn);
    drop(db);
    assert_eq!(arena.stats().live_allocations, 0, "the database leaked");
}

/// The pragmas this engine runs; every other one SQLite knows is refused.
const RUN: [&str; 21] = [
    "busy_timeout",
    "cache_size",
    "defer_foreign_keys",
    "encoding",
    "foreign_key_check",
    "foreign_key_list",
    "foreign_keys",
    "freelist_count",
    "index_info",
    "index_list",
    "index_xinfo",
    "integrity_check",
    "journal_mode",
    "page_count",
    "page_size",
    "quick_check",
    "synchronous",
    "table_info",
    "table_xinfo",
    "user_version",
    "wal_checkpoint",
];

#[test]
fn every_pragma_sqlite_knows_is_run_or_refused_by_name() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "l.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    let mut stmt = oracle.prepare("PRAGMA pragma_list").unwrap();
    let names: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(names.len() > 50, "{names:?}");
    for name in &names {
        for sql in [format!("PRAGMA {name}"), format!("PRAGMA {name} = 1")] {
            match ours(&conn, &sql) {
                Ok(_) => assert!(RUN.contains(&name.as_str()), "{sql}: answered, not run"),
                Err(e) => assert!(
                    e.to_string().contains(&format!("PRAGMA {name}")),
                    "{sql}: {e}"
                ),
            }
        }
    }
    for name in RUN {
        assert!(ours(&conn, &format!("PRAGMA {name}")).is_ok(), "{name}");
    }
    assert_eq!(ours(&conn, "PRAGMA no_such_pragma").unwrap().len(), 0);
}

/// Every pragma this engine runs names its columns as SQLite does,
/// before its first step and after its rows: those that return tables
/// their columns, those that return a value their own name
/// (`busy_timeout`'s is `timeout`), and those that set a value and return
/// no row, none. The rows agree too.
#[test]
fn pragma_column_names_match_sqlite() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "n.db", &Config::DEFAULT, Global).unwrap();
    let mine = db.connect();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    mine.execute(SCHEMA, &[]).unwrap();
    oracle.execute_batch(SCHEMA).unwrap();
    oracle.execute_batch("PRAGMA journal_mode = WAL").unwrap();
    let script = [
        "PRAGMA integrity_check",
        "PRAGMA quick_check",
        "PRAGMA page_count",
        "PRAGMA freelist_count",
        "PRAGMA page_size",
        "PRAGMA page_size = 4096",
        "PRAGMA cache_size",
        "PRAGMA cache_size = 100",
        "PRAGMA journal_mode",
        "PRAGMA Journal_Mode = wal",
        "PRAGMA busy_timeout",
        "PRAGMA busy_timeout = 10",
        "PRAGMA user_version",
        "PRAGMA user_version = 3",
        "PRAGMA table_info(t)",
        "PRAGMA TABLE_XINFO(g)",
        "PRAGMA index_list(t)",
        "PRAGMA index_info(ti)",
        "PRAGMA index_xinfo(ti)",
        "PRAGMA foreign_key_list(ch)",
        "PRAGMA foreign_key_check(t)",
        "PRAGMA encoding",
        "PRAGMA synchronous",
        "PRAGMA synchronous = FULL",
        "PRAGMA foreign_keys = OFF",
        "PRAGMA foreign_keys",
        "PRAGMA defer_foreign_keys",
        "PRAGMA no_such_pragma",
    ];
    for sql in script {
        let theirs: Vec<String> = {
            let stmt = oracle.prepare(sql).unwrap();
            stmt.column_names().map(|n| n.to_string()).collect()
        };
        let mut stmt = mine.prepare(sql).unwrap();
        let before: Vec<String> = stmt.column_names().unwrap().map(str::to_string).collect();
        assert_eq!(before, theirs, "{sql}: names before the first step");
        let mut width = None;
        while let Some(row) = stmt.step().unwrap() {
            width = Some(row.values().count());
        }
        let after: Vec<String> = stmt.column_names().unwrap().map(str::to_string).collect();
        assert_eq!(after, theirs, "{sql}: names after the rows");
        if let Some(width) = width {
            assert_eq!(width, theirs.len(), "{sql}: a row as wide as its names");
        }
    }
}
