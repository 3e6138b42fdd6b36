//! boundlite and stock SQLite on one file, in two processes.
//!
//! POSIX locks cannot tell two users of one process apart, so SQLite must
//! run in another process: the test binary runs itself as a child whose
//! only test, [`sqlite_child`], drives a rusqlite connection line by line
//! from its stdin (`exec SQL` or `query SQL`, answered `@@ ok`, `@@ busy`,
//! `@@ ok VALUE` or `@@ err MESSAGE` on stdout).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg(unix)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use boundlite_platform::{
    ErrorKind, File, LockLevel, OpenMode, Platform, PlatformError, ShmLockKind, ShmSlots,
};
use boundlite_std::{StdFile, StdPlatform};

const CHILD_DB: &str = "BOUNDLITE_SQLITE_CHILD_DB";

/// The child's side: does nothing unless the parent set [`CHILD_DB`].
#[test]
fn sqlite_child() {
    let Ok(db) = std::env::var(CHILD_DB) else {
        return;
    };
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.busy_timeout(std::time::Duration::ZERO).unwrap();
    for line in std::io::stdin().lock().lines() {
        let line = line.unwrap();
        let (cmd, sql) = line.split_once(' ').unwrap_or((line.as_str(), ""));
        let result = match cmd {
            "exec" => conn.execute_batch(sql).map(|()| String::from("ok")),
            "query" => conn
                .query_row(sql, [], |r| r.get::<_, rusqlite::types::Value>(0))
                .map(|v| format!("ok {v:?}")),
            _ => panic!("unknown command {line}"),
        };
        let reply = match result {
            Ok(reply) => reply,
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy =>
            {
                String::from("busy")
            }
            Err(e) => format!("err {e}"),
        };
        println!("@@ {reply}");
    }
}

/// A SQLite connection in a child process.
struct Sqlite {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Sqlite {
    fn open(db: &Path) -> Self {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "sqlite_child", "--nocapture", "--test-threads=1"])
            .env(CHILD_DB, db)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Self {
            child,
            stdin,
            stdout,
        }
    }

    fn send(&mut self, cmd: &str, sql: &str) -> String {
        writeln!(self.stdin, "{cmd} {sql}").unwrap();
        self.stdin.flush().unwrap();
        loop {
            let mut line = String::new();
            assert_ne!(self.stdout.read_line(&mut line).unwrap(), 0, "child died");
            // The child's test harness prints too, the first reply even
            // shares a line with its "test sqlite_child ... ".
            if let Some((_, reply)) = line.trim_end().split_once("@@ ") {
                return reply.to_owned();
            }
        }
    }

    /// `ok`, `busy` or `err ...`.
    fn exec(&mut self, sql: &str) -> String {
        self.send("exec", sql)
    }

    /// `ok VALUE`, `busy` or `err ...`.
    fn query(&mut self, sql: &str) -> String {
        self.send("query", sql)
    }
}

impl Drop for Sqlite {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn kind<T>(result: Result<T, PlatformError>) -> ErrorKind {
    result.err().expect("an error").kind()
}

/// A database with one row in table `t`, made in rollback-journal mode
/// by a connection closed before any `StdFile` opens it.
fn rollback_db() -> (tempfile::TempDir, StdPlatform, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);")
        .unwrap();
    drop(conn);
    let fs = StdPlatform::in_dir(dir.path());
    (dir, fs, path)
}

fn open(fs: &StdPlatform) -> StdFile {
    fs.open("a.db", OpenMode::ReadWrite).unwrap()
}

#[test]
fn sqlite_reads_but_cannot_write_while_we_share() {
    let (_dir, fs, path) = rollback_db();
    let mut ours = open(&fs);
    ours.lock(LockLevel::Shared).unwrap();
    let mut sqlite = Sqlite::open(&path);
    assert_eq!(sqlite.query("SELECT count(*) FROM t"), "ok Integer(1)");
    assert_eq!(sqlite.exec("BEGIN EXCLUSIVE"), "busy");
    assert_eq!(sqlite.exec("INSERT INTO t VALUES (2)"), "busy");
    ours.unlock(LockLevel::None).unwrap();
    assert_eq!(sqlite.exec("INSERT INTO t VALUES (2)"), "ok");
}

#[test]
fn sqlite_keeps_us_out_while_it_writes() {
    let (_dir, fs, path) = rollback_db();
    let mut ours = open(&fs);
    let mut sqlite = Sqlite::open(&path);
    assert!(!ours.is_reserved().unwrap());
    assert_eq!(sqlite.exec("BEGIN IMMEDIATE"), "ok");
    assert!(ours.is_reserved().unwrap());
    ours.lock(LockLevel::Shared).unwrap();
    assert_eq!(kind(ours.lock(LockLevel::Reserved)), ErrorKind::Busy);
    // SQLite commits only once our read ends.
    assert_eq!(sqlite.exec("INSERT INTO t VALUES (2)"), "ok");
    assert_eq!(sqlite.exec("COMMIT"), "busy");
    ours.unlock(LockLevel::None).unwrap();
    assert_eq!(sqlite.exec("COMMIT"), "ok");
    assert!(!ours.is_reserved().unwrap());
    // And the other way round: our EXCLUSIVE keeps SQLite's readers out.
    ours.lock(LockLevel::Shared).unwrap();
    ours.lock(LockLevel::Exclusive).unwrap();
    assert_eq!(sqlite.query("SELECT count(*) FROM t"), "busy");
    ours.unlock(LockLevel::Shared).unwrap();
    assert_eq!(sqlite.query("SELECT count(*) FROM t"), "ok Integer(2)");
}

#[test]
fn dropping_our_handle_lets_sqlite_in() {
    let (_dir, fs, path) = rollback_db();
    let mut ours = open(&fs);
    ours.lock(LockLevel::Shared).unwrap();
    ours.lock(LockLevel::Exclusive).unwrap();
    let mut sqlite = Sqlite::open(&path);
    assert_eq!(sqlite.query("SELECT count(*) FROM t"), "busy");
    drop(ours);
    assert_eq!(sqlite.exec("BEGIN EXCLUSIVE; COMMIT"), "ok");
}

#[test]
fn closing_one_handle_keeps_the_locks_of_another() {
    let (_dir, fs, path) = rollback_db();
    let mut reader = open(&fs);
    reader.lock(LockLevel::Shared).unwrap();
    // Closing descriptors of the file must not drop `reader`'s lock: one
    // that never locked, one that held and released, one still locked.
    drop(open(&fs));
    let mut other = open(&fs);
    other.lock(LockLevel::Shared).unwrap();
    other.unlock(LockLevel::None).unwrap();
    drop(other);
    let mut other = open(&fs);
    other.lock(LockLevel::Shared).unwrap();
    drop(other);
    let mut sqlite = Sqlite::open(&path);
    assert_eq!(sqlite.exec("BEGIN EXCLUSIVE"), "busy");
    drop(reader);
    assert_eq!(sqlite.exec("BEGIN EXCLUSIVE; COMMIT"), "ok");
}

/// A database in WAL mode with a row, and the connection that wrote it,
/// kept open so that its `-shm` stays live.
fn wal_db() -> (tempfile::TempDir, StdPlatform, Sqlite) {
    let dir = tempfile::tempdir().unwrap();
    let mut sqlite = Sqlite::open(&dir.path().join("a.db"));
    assert_eq!(sqlite.query("PRAGMA journal_mode=WAL"), "ok Text(\"wal\")");
    assert_eq!(
        sqlite.exec("CREATE TABLE t(x); INSERT INTO t VALUES (1);"),
        "ok"
    );
    let fs = StdPlatform::in_dir(dir.path());
    (dir, fs, sqlite)
}

/// WAL-index header fields (SQLite's `WalIndexHdr`, native byte order).
const WAL_INDEX_VERSION: u32 = 3_007_000;
const IS_INIT: usize = 12;

#[test]
fn we_map_the_wal_index_sqlite_wrote() {
    let (_dir, fs, _sqlite) = wal_db();
    let mut ours = open(&fs);
    ours.shm_attach().unwrap();
    let mut header = [0u8; 96];
    ours.shm_read(0, &mut header).unwrap();
    let version = u32::from_ne_bytes(header[0..4].try_into().unwrap());
    assert_eq!(version, WAL_INDEX_VERSION);
    assert_eq!(header[IS_INIT], 1);
    // The header is kept twice; both copies agree.
    assert_eq!(header[..48], header[48..]);
}

#[test]
fn our_wal_write_lock_keeps_sqlite_from_writing() {
    let (_dir, fs, mut sqlite) = wal_db();
    let mut ours = open(&fs);
    ours.shm_attach().unwrap();
    let write_lock = ShmSlots::one(0).unwrap();
    ours.shm_lock(write_lock, ShmLockKind::Exclusive).unwrap();
    assert_eq!(sqlite.exec("INSERT INTO t VALUES (2)"), "busy");
    ours.shm_unlock(write_lock, ShmLockKind::Exclusive).unwrap();
    assert_eq!(sqlite.exec("INSERT INTO t VALUES (2)"), "ok");
    // And SQLite's write transaction holds the slot against us.
    assert_eq!(sqlite.exec("BEGIN IMMEDIATE"), "ok");
    assert_eq!(
        kind(ours.shm_lock(write_lock, ShmLockKind::Exclusive)),
        ErrorKind::Busy
    );
    assert_eq!(sqlite.exec("COMMIT"), "ok");
    ours.shm_lock(write_lock, ShmLockKind::Exclusive).unwrap();
}

#[test]
fn detaching_with_delete_keeps_a_shm_sqlite_uses() {
    let (_dir, fs, mut sqlite) = wal_db();
    let mut ours = open(&fs);
    ours.shm_attach().unwrap();
    ours.shm_detach(true).unwrap();
    assert!(fs.exists("a.db-shm").unwrap());
    assert_eq!(sqlite.query("SELECT count(*) FROM t"), "ok Integer(1)");
}

#[test]
fn attached_beside_sqlite_we_take_no_write_lock_on_the_database() {
    let (_dir, fs, _sqlite) = wal_db();
    let mut ours = open(&fs);
    ours.lock(LockLevel::Shared).unwrap();
    ours.lock(LockLevel::Reserved).unwrap();
    ours.unlock(LockLevel::Shared).unwrap();
    // Another process on the -shm: a database write lock would mean its
    // locks were lost, as SQLite reasons.
    ours.shm_attach().unwrap();
    assert_eq!(kind(ours.lock(LockLevel::Reserved)), ErrorKind::Busy);
    ours.shm_detach(false).unwrap();
    ours.lock(LockLevel::Reserved).unwrap();
}
