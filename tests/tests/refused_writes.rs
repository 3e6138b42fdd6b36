//! Tables SQLite made that this engine reads but would write without
//! honouring what they declare: their rows read back and may be
//! deleted, and a value stored is refused by name rather than stored
//! unchecked.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::Global;
use boundlite::{Config, Database};
use boundlite_std::StdPlatform;
use boundlite_tests::compare::{V, assert_sqlite_integrity_ok, ours};

#[test]
fn strict_tables_are_read_and_not_written() {
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
    for change in ["INSERT INTO s VALUES ('x', 2)", "UPDATE s SET a = 'x'"] {
        let error = ours(&conn, change).unwrap_err();
        assert!(error.to_string().contains("STRICT"), "{change}: {error}");
    }
    conn.execute("DELETE FROM s WHERE a = 1", &[]).unwrap();
    assert!(ours(&conn, "SELECT * FROM s").unwrap().is_empty());
    drop(conn);
    drop(db);
    let sqlite = rusqlite::Connection::open(dir.path().join("s.db")).unwrap();
    assert_sqlite_integrity_ok(&sqlite);
}
