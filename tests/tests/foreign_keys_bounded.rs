//! Foreign key enforcement under allocation failure and on disk: every
//! failure of an insert into a child (its parent looked up in a `UNIQUE`
//! index), a cascading delete through two levels and an update whose
//! `SET NULL` action changes child rows is `OutOfMemory`, leaves the rows
//! as they were, and leaks nothing; the file written passes SQLite's
//! `PRAGMA integrity_check` and `PRAGMA foreign_key_check`, and SQLite
//! reads the rows the actions left.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::{Arena, FaultAlloc, Global};
use boundlite::format::PageSize;
use boundlite::platform::MemoryPlatform;
use boundlite::{Config, Database};
use boundlite_std::StdPlatform;
use boundlite_tests::compare::{assert_sqlite_integrity_ok, ours, theirs};
use boundlite_tests::sweep::sweep_change;

const SCHEMA: &str = "PRAGMA foreign_keys = ON;
    CREATE TABLE p(id INTEGER PRIMARY KEY, code TEXT UNIQUE);
    CREATE TABLE c(id INTEGER PRIMARY KEY, pid INTEGER REFERENCES p ON DELETE CASCADE,
                   code TEXT REFERENCES p(code) ON UPDATE SET NULL ON DELETE SET NULL);
    CREATE TABLE g(id INTEGER PRIMARY KEY, cid INTEGER REFERENCES c ON DELETE CASCADE);";

fn fill(
    conn: &boundlite::Connection<
        '_,
        impl boundlite::platform::Platform,
        impl boundlite::alloc::Allocator + Clone,
    >,
) {
    conn.execute("BEGIN", &[]).unwrap();
    for i in 1..=20i64 {
        conn.execute(&format!("INSERT INTO p VALUES ({i}, 'k{i}')"), &[])
            .unwrap();
    }
    for i in 1..=20i64 {
        for j in 0..3i64 {
            let id = i * 10 + j;
            conn.execute(
                &format!("INSERT INTO c VALUES ({id}, {i}, 'k{}')", (i + j) % 20 + 1),
                &[],
            )
            .unwrap();
            conn.execute(&format!("INSERT INTO g(cid) VALUES ({id})"), &[])
                .unwrap();
        }
    }
    conn.execute("COMMIT", &[]).unwrap();
}

#[test]
fn every_allocation_failure_in_foreign_key_enforcement_is_clean() {
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
    let db = Database::open(&disk, "fk.db", &config, &fault).unwrap();
    let conn = db.connect();
    conn.execute(SCHEMA, &[]).unwrap();
    fill(&conn);
    let contents = || {
        let mut all = Vec::new();
        for table in ["p", "c", "g"] {
            all.extend(ours(&conn, &format!("SELECT * FROM {table} ORDER BY rowid")).unwrap());
        }
        all
    };
    for (sql, changed) in [
        ("INSERT INTO c VALUES (1000, 3, 'k7')", 1),
        ("DELETE FROM p WHERE id IN (2, 5)", 2),
        ("UPDATE p SET code = 'new' WHERE id = 9", 1),
    ] {
        let report = sweep_change(&fault, &conn, sql, contents);
        assert_eq!(report.value, changed, "{sql}");
        println!("{sql}: {} failure points", report.failure_points);
        assert!(
            report.failure_points > 5,
            "{sql}: {} points",
            report.failure_points
        );
        assert!(db.integrity_check(0).unwrap().is_ok(), "{sql}");
    }
    // The actions ran: the deleted parents' children and grandchildren
    // went, the renamed code's children lost it.
    let count = |sql: &str| ours(&conn, sql).unwrap();
    assert_eq!(
        count("SELECT count(*) FROM c WHERE pid IN (2, 5)"),
        count("SELECT 0")
    );
    assert_eq!(count("SELECT count(*) FROM g"), count("SELECT 54"));
    assert_eq!(
        count("SELECT count(*) FROM c WHERE code = 'k9'"),
        count("SELECT 0")
    );
    assert!(ours(&conn, "PRAGMA foreign_key_check").unwrap().is_empty());
    drop(conn);
    drop(db);
    assert_eq!(arena.stats().live_allocations, 0, "the database leaked");
}

#[test]
fn files_written_with_keys_enforced_pass_sqlite_checks() {
    let dir = tempfile::tempdir().unwrap();
    let disk = StdPlatform::in_dir(dir.path());
    {
        let db = Database::open(&disk, "fk.db", &Config::DEFAULT, Global).unwrap();
        let conn = db.connect();
        conn.execute(SCHEMA, &[]).unwrap();
        fill(&conn);
        conn.execute("DELETE FROM p WHERE id % 3 = 0", &[]).unwrap();
        conn.execute("UPDATE p SET code = code || 'x' WHERE id % 4 = 1", &[])
            .unwrap();
    }
    let sqlite = rusqlite::Connection::open(dir.path().join("fk.db")).unwrap();
    assert_sqlite_integrity_ok(&sqlite);
    assert!(
        theirs(&sqlite, "PRAGMA foreign_key_check")
            .unwrap()
            .is_empty()
    );
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    oracle.execute_batch(SCHEMA).unwrap();
    oracle.execute_batch("BEGIN").unwrap();
    for i in 1..=20i64 {
        oracle
            .execute_batch(&format!("INSERT INTO p VALUES ({i}, 'k{i}')"))
            .unwrap();
    }
    for i in 1..=20i64 {
        for j in 0..3i64 {
            let id = i * 10 + j;
            oracle
                .execute_batch(&format!(
                    "INSERT INTO c VALUES ({id}, {i}, 'k{}'); INSERT INTO g(cid) VALUES ({id})",
                    (i + j) % 20 + 1
                ))
                .unwrap();
        }
    }
    oracle
        .execute_batch(
            "COMMIT; DELETE FROM p WHERE id % 3 = 0; UPDATE p SET code = code || 'x' WHERE id % 4 = 1",
        )
        .unwrap();
    for table in ["p", "c", "g"] {
        let sql = format!("SELECT * FROM {table} ORDER BY rowid");
        assert_eq!(
            theirs(&sqlite, &sql).unwrap(),
            theirs(&oracle, &sql).unwrap(),
            "{table}"
        );
    }
}
