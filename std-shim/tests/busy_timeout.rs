//! `open` and `open_read_only` wait for a lock another process holds, up
//! to their default busy timeout, at open and at a write.
//!
//! The other process is this test binary run again with `HOLD_ENV` set:
//! its `lock_holder` test opens the database with SQLite, takes a lock,
//! says so on stdout, keeps it for `HOLD_MS` and releases it.

// Every item of this crate is test code, helpers included (clippy's
// test allowances only see `#[test]` functions and `cfg(test)` modules).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use boundlite::{Config, Error};

/// Tells a run of this binary to be the lock holder: `<path>|<sql>`.
const HOLD_ENV: &str = "BOUNDLITE_TEST_HOLD_LOCK";
/// How long the holder keeps its lock.
const HOLD_MS: u64 = 600;
/// What the holder prints once it holds the lock.
const HELD: &str = "lock-held";

/// Not a test of its own: the body of the lock-holding process.
#[test]
fn lock_holder() {
    let Ok(spec) = std::env::var(HOLD_ENV) else {
        return;
    };
    let (path, sql) = spec.split_once('|').unwrap();
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(sql).unwrap();
    println!("{HELD}");
    std::thread::sleep(Duration::from_millis(HOLD_MS));
    conn.execute_batch("COMMIT").unwrap();
}

/// Starts a process that runs `sql` (which takes a lock) on `path` with
/// SQLite, and returns once it holds the lock.
fn hold_lock(path: &Path, sql: &str) -> Child {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "lock_holder", "--nocapture", "--test-threads=1"])
        .env(HOLD_ENV, format!("{}|{sql}", path.to_str().unwrap()))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let held = lines
        .by_ref()
        .map_while(Result::ok)
        .any(|line| line.trim_end().ends_with(HELD));
    assert!(held, "the holder did not take its lock");
    // The holder reports its result after: it must not meet a closed pipe.
    std::thread::spawn(move || lines.for_each(drop));
    child
}

/// A rollback-journal database with one row, made by SQLite.
fn rollback_journal_db(path: &Path) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch("PRAGMA journal_mode=DELETE; CREATE TABLE t(x); INSERT INTO t VALUES (1);")
        .unwrap();
}

#[test]
fn open_waits_for_an_exclusive_lock_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("busy.db");
    rollback_journal_db(&path);
    for read_only in [false, true] {
        // An exclusive lock on a rollback-journal file keeps out even the
        // shared lock opening takes.
        let mut holder = hold_lock(&path, "BEGIN EXCLUSIVE");
        let start = Instant::now();
        let db = if read_only {
            boundlite_std::open_read_only(&path)
        } else {
            boundlite_std::open(&path)
        };
        let db = db.unwrap();
        assert!(start.elapsed() >= Duration::from_millis(HOLD_MS / 2));
        assert_eq!(db.busy_timeout_ms(), boundlite_std::DEFAULT_BUSY_TIMEOUT_MS);
        let conn = db.connect();
        let mut stmt = conn.prepare("SELECT count(*) FROM t").unwrap();
        assert_eq!(stmt.step().unwrap().unwrap().get_i64(0).unwrap(), 1);
        drop(stmt);
        drop(conn);
        drop(db);
        assert!(holder.wait().unwrap().success());
    }
    // Reading created no log.
    assert!(!dir.path().join("busy.db-wal").exists());
}

#[test]
fn a_write_waits_for_another_writer() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("busy.db");
    drop(boundlite_std::open(&path).unwrap());
    let mut holder = hold_lock(
        &path,
        "PRAGMA journal_mode=WAL; CREATE TABLE t(x); BEGIN IMMEDIATE; INSERT INTO t VALUES (1)",
    );
    let db = boundlite_std::open(&path).unwrap();
    let start = Instant::now();
    db.connect()
        .execute("INSERT INTO t VALUES (2)", &[])
        .unwrap();
    assert!(start.elapsed() >= Duration::from_millis(HOLD_MS / 2));
    assert!(holder.wait().unwrap().success());
    let conn = db.connect();
    let mut stmt = conn.prepare("SELECT sum(x), count(*) FROM t").unwrap();
    let row = stmt.step().unwrap().unwrap();
    assert_eq!((row.get_i64(0).unwrap(), row.get_i64(1).unwrap()), (3, 2));
}

#[test]
fn open_with_takes_the_busy_timeout_of_its_config() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("busy.db");
    rollback_journal_db(&path);
    let mut holder = hold_lock(&path, "BEGIN EXCLUSIVE");
    let no_wait = Config {
        busy_timeout_ms: 0,
        ..Config::DEFAULT
    };
    assert!(matches!(
        boundlite_std::open_with(&path, &no_wait).err(),
        Some(Error::Busy)
    ));
    assert!(matches!(
        boundlite_std::open_read_only_with(&path, &no_wait).err(),
        Some(Error::Busy)
    ));
    assert!(holder.wait().unwrap().success());
    let db = boundlite_std::open_with(&path, &no_wait).unwrap();
    assert_eq!(db.busy_timeout_ms(), 0);
}
