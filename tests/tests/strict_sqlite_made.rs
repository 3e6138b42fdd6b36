//! Tables SQLite made with rules on what they store: their rows read
//! back, values that break the rules are refused in SQLite's words, and
//! what is stored passes SQLite's integrity check.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::Global;
use boundlite::{Config, Database};
use boundlite_std::StdPlatform;
use boundlite_tests::compare::{V, assert_sqlite_integrity_ok, ours};

#[test]
fn strict_tables_sqlite_made_are_written_under_their_datatypes() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = rusqlite::Connection::open(dir.path().join("s.db")).unwrap();
    sqlite
        .execute_batch(
            "PRAGMA journal_mode = WAL;
             CREATE TABLE s(a INTEGER, b TEXT) STRICT;
             INSERT INTO s VALUES (1, 'one')",
        )
        .unwrap();
    drop(sqlite);
    let disk = StdPlatform::in_dir(dir.path());
    let db = Database::open(&disk, "s.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    assert_eq!(
        ours(&conn, "SELECT a, b FROM s").unwrap(),
        [[V::Int(1), V::Text("one".into())]]
    );
    for (change, words) in [
        (
            "INSERT INTO s VALUES ('x', 2)",
            "cannot store TEXT value in INTEGER column s.a",
        ),
        (
            "UPDATE s SET b = x'00'",
            "cannot store BLOB value in TEXT column s.b",
        ),
    ] {
        let error = ours(&conn, change).unwrap_err();
        assert!(error.to_string().ends_with(words), "{change}: {error}");
    }
    conn.execute("INSERT INTO s VALUES ('2', 3)", &[]).unwrap();
    assert_eq!(
        ours(&conn, "SELECT a, b FROM s WHERE a = 2").unwrap(),
        [[V::Int(2), V::Text("3".into())]]
    );
    conn.execute("DELETE FROM s WHERE a = 1", &[]).unwrap();
    assert_eq!(
        ours(&conn, "SELECT count(*) FROM s").unwrap(),
        [[V::Int(1)]]
    );
    drop(conn);
    drop(db);
    let sqlite = rusqlite::Connection::open(dir.path().join("s.db")).unwrap();
    assert_sqlite_integrity_ok(&sqlite);
}
