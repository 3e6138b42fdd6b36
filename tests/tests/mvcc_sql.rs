//! MVCC mode through SQL (`docs/mvcc.md`): `PRAGMA journal_mode = mvcc`
//! records the mode in the file (write version 255, the boundary in
//! `sqlite_mvcc`) and a reopen resumes it; the database holds its file
//! exclusively meanwhile; `PRAGMA wal_checkpoint(TRUNCATE)` leaves a file
//! stock SQLite opens read-only and reads; `PRAGMA journal_mode = wal`
//! goes back to a file SQLite writes. Entering the mode fails cleanly at
//! every allocation.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

use std::path::Path;

use boundlite::alloc::{Counting, FaultAlloc, Global, oom_sweep};
use boundlite::format::FileFormatVersion;
use boundlite::platform::{MemoryPlatform, Platform};
use boundlite::{Config, Connection, Database, Error};
use boundlite_std::StdPlatform;

fn open(path: &Path) -> Result<Database<StdPlatform>, Error> {
    Database::open(
        StdPlatform::new(),
        path.to_str().unwrap(),
        &Config::DEFAULT,
        Global,
    )
}

fn text<P: Platform>(conn: &Connection<'_, P, Global>, sql: &str) -> Result<String, Error> {
    conn.query_row(sql, (), |r| r.get::<&str>(0).map(str::to_string))
}

/// `test(id int primary key, value int)` holding (1,10), (2,20): an
/// `INT PRIMARY KEY` is an index, so the table is stored by rowid with
/// `id` beside it.
const SETUP: &str = "CREATE TABLE test(id INTEGER PRIMARY KEY, value INT); \
                     INSERT INTO test VALUES (1, 10), (2, 20)";

fn sqlite_rows(conn: &rusqlite::Connection) -> Vec<(i64, i64)> {
    let mut stmt = conn
        .prepare("SELECT id, value FROM test ORDER BY id")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn journal_mode_mvcc_is_recorded_in_the_file_and_resumed_on_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    {
        let db = open(&path).unwrap();
        let conn = db.connect();
        conn.execute(SETUP, ()).unwrap();
        assert_eq!(text(&conn, "PRAGMA journal_mode").unwrap(), "wal");
        assert_eq!(text(&conn, "PRAGMA journal_mode = mvcc").unwrap(), "mvcc");
        assert!(db.is_mvcc());
        assert_eq!(db.header().write_version, FileFormatVersion::Mvcc);
        assert_eq!(db.header().read_version, FileFormatVersion::Wal);
        assert!(dir.path().join("t.db-log").exists());
        // Switching again, or asking for a mode it cannot switch to, keeps it.
        assert_eq!(text(&conn, "PRAGMA journal_mode = MVCC").unwrap(), "mvcc");
        assert_eq!(text(&conn, "PRAGMA journal_mode = delete").unwrap(), "mvcc");
        assert_eq!(text(&conn, "PRAGMA integrity_check").unwrap(), "ok");
    }
    let db = open(&path).unwrap();
    assert!(db.is_mvcc(), "a reopen resumes MVCC mode");
    let conn = db.connect();
    assert_eq!(text(&conn, "PRAGMA journal_mode").unwrap(), "mvcc");
}

#[test]
fn a_database_in_mvcc_mode_holds_its_file_exclusively() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let db = open(&path).unwrap();
    let conn = db.connect();
    conn.execute(SETUP, ()).unwrap();
    {
        // Another handle has the file open: the mode cannot be entered.
        let other = open(&path).unwrap();
        assert_eq!(
            conn.execute("PRAGMA journal_mode = mvcc", ()),
            Err(Error::Busy)
        );
        assert!(!db.is_mvcc());
        assert_eq!(db.header().write_version, FileFormatVersion::Wal);
        drop(other);
    }
    conn.execute("PRAGMA journal_mode = mvcc", ()).unwrap();
    assert_eq!(open(&path).err(), Some(Error::Busy));
    drop(conn);
    drop(db);
    drop(open(&path).unwrap());
}

#[test]
fn journal_mode_cannot_change_inside_a_transaction() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "t.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    conn.execute(SETUP, ()).unwrap();
    conn.execute("BEGIN", ()).unwrap();
    assert_eq!(
        conn.execute("PRAGMA journal_mode = mvcc", ()),
        Err(Error::Sql(
            "cannot change journal_mode from within a transaction"
        ))
    );
    conn.execute("COMMIT", ()).unwrap();
    assert!(!db.is_mvcc());
}

#[test]
fn blob_io_is_refused_in_mvcc_mode_by_name() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "t.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    conn.execute(SETUP, ()).unwrap();
    conn.execute("PRAGMA journal_mode = mvcc", ()).unwrap();
    assert_eq!(
        conn.blob_open("test", "value", 1, boundlite::BlobAccess::ReadOnly)
            .err(),
        Some(Error::Sql(
            "blob I/O on a database in MVCC mode is not supported"
        ))
    );
    assert_eq!(text(&conn, "PRAGMA integrity_check").unwrap(), "ok");
}

#[test]
fn stock_sqlite_opens_a_checkpointed_mvcc_file_read_only_and_reads_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    {
        let db = open(&path).unwrap();
        let conn = db.connect();
        conn.execute(SETUP, ()).unwrap();
        conn.execute("PRAGMA journal_mode = mvcc", ()).unwrap();
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)", ()).unwrap();
    }
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(
        &bytes[18..20],
        &[255, 2],
        "write version 255, read version 2"
    );
    let sqlite = rusqlite::Connection::open(&path).unwrap();
    let ok: String = sqlite
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    assert_eq!(sqlite_rows(&sqlite), [(1, 10), (2, 20)]);
    let boundary: i64 = sqlite
        .query_row("SELECT boundary FROM sqlite_mvcc", [], |r| r.get(0))
        .unwrap();
    assert_eq!(boundary, 0);
    let write = sqlite.execute("INSERT INTO test VALUES (3, 30)", []);
    match write {
        Err(rusqlite::Error::SqliteFailure(e, _)) => {
            assert_eq!(e.code, rusqlite::ErrorCode::ReadOnly, "{write:?}")
        }
        other => panic!("SQLite wrote an MVCC file: {other:?}"),
    }
    drop(sqlite);
    let db = open(&path).unwrap();
    assert!(db.is_mvcc());
}

#[test]
fn journal_mode_wal_leaves_mvcc_mode_for_a_file_sqlite_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    {
        let db = open(&path).unwrap();
        let conn = db.connect();
        conn.execute(SETUP, ()).unwrap();
        conn.execute("PRAGMA journal_mode = mvcc", ()).unwrap();
        assert_eq!(text(&conn, "PRAGMA journal_mode = wal").unwrap(), "wal");
        assert!(!db.is_mvcc());
        assert_eq!(db.header().write_version, FileFormatVersion::Wal);
        assert!(!dir.path().join("t.db-log").exists());
        // Another handle may open the file again, and SQL runs again.
        drop(open(&path).unwrap());
        conn.execute("INSERT INTO test VALUES (3, 30)", ()).unwrap();
        let tables: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_mvcc'",
                (),
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(tables, 0);
        // And back again: a second time in the mode starts a fresh log.
        conn.execute("PRAGMA journal_mode = mvcc", ()).unwrap();
        conn.execute("PRAGMA journal_mode = wal", ()).unwrap();
    }
    let sqlite = rusqlite::Connection::open(&path).unwrap();
    sqlite
        .execute("INSERT INTO test VALUES (4, 40)", [])
        .unwrap();
    assert_eq!(sqlite_rows(&sqlite), [(1, 10), (2, 20), (3, 30), (4, 40)]);
}

#[test]
fn entering_and_leaving_mvcc_mode_fail_cleanly_at_every_allocation() {
    let counting = Counting::new(Global);
    let fault = FaultAlloc::new(&counting);
    let report = oom_sweep(
        &fault,
        false,
        |fault| {
            let disk = MemoryPlatform::new();
            {
                let db = Database::open(&disk, "t.db", &Config::DEFAULT, Global).unwrap();
                db.connect().execute(SETUP, ()).unwrap();
            }
            let result = {
                let db = Database::open(&disk, "t.db", &Config::DEFAULT, fault)?;
                let conn = db.connect();
                conn.execute("PRAGMA journal_mode = mvcc", ())
                    .and_then(|_| conn.execute("PRAGMA wal_checkpoint(TRUNCATE)", ()))
                    .and_then(|_| conn.execute("PRAGMA journal_mode = wal", ()))
                    .map(|_| db.is_mvcc())
            };
            // Whatever failed, the file is whole and in one mode or the
            // other, and a reopen agrees with it.
            let db = Database::open(&disk, "t.db", &Config::DEFAULT, Global).unwrap();
            assert!(db.integrity_check(10).unwrap().is_ok());
            let conn = db.connect();
            if db.is_mvcc() {
                conn.execute("PRAGMA journal_mode = wal", ()).unwrap();
            }
            let n: i64 = conn
                .query_row("SELECT sum(value) FROM test", (), |r| r.get(0))
                .unwrap();
            assert_eq!(n, 30);
            result
        },
        |n, error| {
            assert!(
                matches!(error, Error::OutOfMemory | Error::CacheFull),
                "failure {n}: {error:?}"
            );
            assert_eq!(counting.stats().live_allocations(), 0, "failure {n} leaked");
        },
    )
    .unwrap();
    assert!(!report.value);
    assert!(report.failure_points > 10, "{report:?}");
    println!(
        "{} failure points, {} errors",
        report.failure_points, report.errors
    );
}
