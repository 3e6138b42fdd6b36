//! A database whose file has a damaged page 1 while its write-ahead log
//! holds a good one: SQLite reads page 1 through the log, so the
//! database opens and reads as the log's last commit has it; so it does
//! here, with shared memory (another process may share the log) and
//! without (the file held exclusively). When the log does not hold page
//! 1, the file's damage stands, here as in SQLite.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};

use boundlite::alloc::Global;
use boundlite::platform::{MemoryPlatform, Platform};
use boundlite::{Config, Database};
use boundlite_std::StdPlatform;
use boundlite_tests::compare::{Exact, Owned};
use boundlite_tests::no_shm::NoShm;

const QUERY: &str = "SELECT name, (SELECT count(*) FROM t) FROM sqlite_schema ORDER BY name";

fn wal_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

/// A database in WAL mode whose log holds every commit (its connection
/// stays open, so nothing is checkpointed); `after_checkpoint` runs once
/// the log was checkpointed and reset, so page 1 may be in the file only.
fn sqlite_pair(dir: &Path, after_checkpoint: &str) -> (rusqlite::Connection, PathBuf) {
    let path = dir.join("p.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.query_row("PRAGMA journal_mode=WAL", [], |_| Ok(()))
        .unwrap();
    conn.execute_batch(
        "PRAGMA wal_autocheckpoint=0;
         CREATE TABLE t(a);
         INSERT INTO t VALUES (1), (2);",
    )
    .unwrap();
    if !after_checkpoint.is_empty() {
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
        conn.execute_batch(after_checkpoint).unwrap();
    }
    (conn, path)
}

/// The file's and the log's bytes, the file's page 1 overwritten at
/// `range`.
fn damaged(path: &Path, range: std::ops::Range<usize>) -> (Vec<u8>, Vec<u8>) {
    let mut file = std::fs::read(path).unwrap();
    for b in &mut file[range] {
        *b = 0xAB;
    }
    (file, std::fs::read(wal_path(path)).unwrap())
}

/// SQLite's answer on the pair: its rows, or its error.
fn sqlite_reads(dir: &Path, (file, log): &(Vec<u8>, Vec<u8>)) -> Result<Vec<Vec<Exact>>, String> {
    let path = dir.join("copy.db");
    std::fs::write(&path, file).unwrap();
    std::fs::write(wal_path(&path), log).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    let rows = Exact::theirs(&conn, QUERY).map_err(|e| e.to_string());
    drop(conn);
    let _ = std::fs::remove_file(wal_path(&path));
    let _ = std::fs::remove_file(dir.join("copy.db-shm"));
    rows
}

/// Our answer on the pair, on `platform`: its rows and integrity check,
/// or the error.
fn ours_reads<P: Platform>(platform: P, path: &str) -> Result<Vec<Vec<Exact>>, String> {
    let db = Database::open(platform, path, &Config::DEFAULT, Global).map_err(|e| e.to_string())?;
    let conn = db.connect();
    let rows = Exact::ours(&conn, QUERY).map_err(|e| e.to_string())?;
    assert!(db.integrity_check(0).unwrap().is_ok(), "{path}");
    Ok(rows)
}

const DAMAGE: [std::ops::Range<usize>; 7] =
    [0..16, 16..100, 18..20, 20..24, 44..48, 56..60, 0..4096];

#[test]
fn a_damaged_page_one_is_read_from_the_log_as_sqlite_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    let (_sqlite, path) = sqlite_pair(dir.path(), "");
    for range in DAMAGE {
        let pair = damaged(&path, range.clone());
        let want = sqlite_reads(dir.path(), &pair).unwrap();
        assert_eq!(want.len(), 1, "{range:?}: the table is there");
        // With shared memory: on the disk, as another process would see it.
        let on_disk = dir.path().join("ours.db");
        std::fs::write(&on_disk, &pair.0).unwrap();
        std::fs::write(wal_path(&on_disk), &pair.1).unwrap();
        let shared = ours_reads(StdPlatform::new(), on_disk.to_str().unwrap());
        assert_eq!(shared, Ok(want.clone()), "{range:?} with shared memory");
        std::fs::remove_file(&on_disk).unwrap();
        let _ = std::fs::remove_file(wal_path(&on_disk));
        let _ = std::fs::remove_file(dir.path().join("ours.db-shm"));
        // Without: the file held exclusively.
        let disk = MemoryPlatform::new();
        disk.write_file("m.db", &pair.0).unwrap();
        disk.write_file("m.db-wal", &pair.1).unwrap();
        let alone = ours_reads(&NoShm(&disk), "m.db");
        assert_eq!(alone, Ok(want), "{range:?} without shared memory");
    }
}

#[test]
fn a_damaged_page_one_the_log_does_not_hold_stays_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let (_sqlite, path) = sqlite_pair(dir.path(), "INSERT INTO t VALUES (3)");
    for range in [0..16, 16..100] {
        let pair = damaged(&path, range.clone());
        assert!(sqlite_reads(dir.path(), &pair).is_err(), "{range:?}");
        let disk = MemoryPlatform::new();
        disk.write_file("m.db", &pair.0).unwrap();
        disk.write_file("m.db-wal", &pair.1).unwrap();
        let e = ours_reads(&NoShm(&disk), "m.db").unwrap_err();
        assert!(
            e.contains("not a database") || e.contains("malformed"),
            "{range:?}: {e}"
        );
        let disk = MemoryPlatform::new();
        disk.write_file("m.db", &pair.0).unwrap();
        disk.write_file("m.db-wal", &pair.1).unwrap();
        assert!(ours_reads(&disk, "m.db").is_err(), "{range:?}");
    }
}
