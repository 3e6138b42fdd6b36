//! How the `boundlite` shell opens its database: `:memory:`, `-readonly`,
//! the busy timeout (`.timeout`, 5000 ms by default) against locks
//! another process holds, a file it cannot write, and a rollback-journal
//! file it only reads.
//!
//! The other process is this test process: the shell runs as a child, so
//! the locks rusqlite takes here are another process's locks to it.

// Every item of this crate is test code, helpers included (clippy's
// test allowances only see `#[test]` functions and `cfg(test)` modules).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{BIN, feed, ok, stderr, stdout};

/// Starts the shell with `args` in `cwd`, `input` piped to its stdin.
fn spawn(cwd: &Path, args: &[&str], input: &str) -> Child {
    feed(Command::new(BIN).current_dir(cwd).args(args), input)
}

/// Runs the shell with `args` in `cwd`, `input` piped to its stdin.
fn run(cwd: &Path, args: &[&str], input: &str) -> Output {
    spawn(cwd, args, input).wait_with_output().unwrap()
}

/// The names in `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A rollback-journal database made by SQLite, with rows 1 to 3.
fn rollback_journal_db(path: &Path) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(
        "PRAGMA journal_mode=DELETE; CREATE TABLE t(x); INSERT INTO t VALUES (1), (2), (3);",
    )
    .unwrap();
}

#[test]
fn memory_databases_create_no_file() {
    let dir = tempfile::tempdir().unwrap();
    for path in [":memory:", ""] {
        let out = ok(run(
            dir.path(),
            &[
                path,
                "CREATE TABLE t(x); INSERT INTO t VALUES (1), (2); SELECT sum(x) FROM t",
            ],
            "",
        ));
        assert_eq!(out, "3\n");
        // Piped: the database lives as long as the shell.
        let out = ok(run(
            dir.path(),
            &[path],
            "CREATE TABLE t(x);\nINSERT INTO t VALUES ('a');\n.tables\nSELECT x FROM t;\n",
        ));
        assert_eq!(out, "t\na\n");
        // Each run is a new, empty database.
        let out = run(dir.path(), &[path, "SELECT x FROM t"], "");
        assert_eq!(out.status.code(), Some(1));
        assert!(stderr(&out).contains("no such table"), "{}", stderr(&out));
    }
    assert_eq!(listing(dir.path()), Vec::<String>::new());
}

#[test]
fn readonly_reads_and_refuses_writes() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("r.db");
    let db = db.to_str().unwrap();
    ok(run(
        dir.path(),
        &[db, "CREATE TABLE t(x); INSERT INTO t VALUES (7)"],
        "",
    ));
    assert_eq!(
        ok(run(dir.path(), &["-readonly", db, "SELECT x FROM t"], "")),
        "7\n"
    );
    let out = run(
        dir.path(),
        &["--readonly", db, "INSERT INTO t VALUES (8)"],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("(code 8)"), "{}", stderr(&out));
    assert_eq!(
        ok(run(dir.path(), &[db, "SELECT count(*) FROM t"], "")),
        "1\n"
    );
    // A read-only database must exist.
    let missing = dir.path().join("missing.db");
    let out = run(
        dir.path(),
        &["-readonly", missing.to_str().unwrap(), "SELECT 1"],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(!missing.exists());
    // `:memory:` read-only is an empty database.
    let out = run(
        dir.path(),
        &["-readonly", ":memory:", "CREATE TABLE t(x)"],
        "",
    );
    assert!(stderr(&out).contains("(code 8)"), "{}", stderr(&out));
}

#[test]
fn the_shell_waits_for_a_lock_at_open_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("busy.db");
    rollback_journal_db(&path);
    // An exclusive lock on a rollback-journal file keeps out even the
    // shared lock the shell needs to open it.
    let holder = rusqlite::Connection::open(&path).unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let start = Instant::now();
    let shell = spawn(
        dir.path(),
        &[path.to_str().unwrap()],
        "PRAGMA busy_timeout;\nSELECT count(*) FROM t;\n",
    );
    std::thread::sleep(Duration::from_millis(500));
    holder.execute_batch("COMMIT").unwrap();
    let out = ok(shell.wait_with_output().unwrap());
    assert_eq!(out, "5000\n3\n");
    assert!(start.elapsed() >= Duration::from_millis(500));
}

#[test]
fn timeout_sets_how_long_a_write_waits() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("busy.db");
    let db = path.to_str().unwrap();
    ok(run(dir.path(), &[db, "CREATE TABLE t(x)"], ""));
    let holder = rusqlite::Connection::open(&path).unwrap();
    holder
        .execute_batch("BEGIN IMMEDIATE; INSERT INTO t VALUES (1)")
        .unwrap();

    // `.timeout 0`: the write fails at once, with SQLite's BUSY code.
    let out = run(
        dir.path(),
        &[db],
        ".timeout 0\nPRAGMA busy_timeout;\nINSERT INTO t VALUES (2);\n",
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "0\n");
    assert!(stderr(&out).contains("(code 5)"), "{}", stderr(&out));

    // A longer one outlasts the holder.
    let shell = spawn(
        dir.path(),
        &[db],
        ".timeout 3000\nPRAGMA busy_timeout;\nINSERT INTO t VALUES (3);\n",
    );
    std::thread::sleep(Duration::from_millis(300));
    holder.execute_batch("COMMIT").unwrap();
    assert_eq!(ok(shell.wait_with_output().unwrap()), "3000\n");
    let sum: i64 = holder
        .query_row("SELECT sum(x) FROM t", [], |r| r.get(0))
        .unwrap();
    assert_eq!(sum, 4);

    // A bad argument is reported.
    let out = run(dir.path(), &[db, ".timeout soon"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("milliseconds"), "{}", stderr(&out));
}

#[test]
fn help_lists_timeout_and_readonly() {
    let dir = tempfile::tempdir().unwrap();
    let out = ok(run(dir.path(), &["--help"], ""));
    for text in [".timeout MS", "-readonly", ":memory:", "5000"] {
        assert!(out.contains(text), "--help lacks {text}");
    }
    assert!(out.contains(&boundlite_std::DEFAULT_BUSY_TIMEOUT_MS.to_string()));
    let out = ok(run(dir.path(), &[":memory:", ".help"], ""));
    assert!(out.contains(".timeout MS"), "{out}");
}

#[test]
fn reading_a_rollback_journal_database_creates_no_log() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rj.db");
    rollback_journal_db(&path);
    let db = path.to_str().unwrap();
    let out = ok(run(
        dir.path(),
        &[db],
        "SELECT x FROM t ORDER BY x;\n.tables\n",
    ));
    assert_eq!(out, "1\n2\n3\nt\n");
    assert_eq!(listing(dir.path()), ["rj.db"]);

    // A write converts it to WAL; SQLite then reads every row.
    ok(run(
        dir.path(),
        &[db],
        "INSERT INTO t VALUES (4);\nINSERT INTO t SELECT x + 4 FROM t;\n",
    ));
    let conn = rusqlite::Connection::open(&path).unwrap();
    let rows: Vec<i64> = conn
        .prepare("SELECT x FROM t ORDER BY x")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows, (1..=8).collect::<Vec<i64>>());
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

/// Makes a file unwritable for the life of the value: by its permissions,
/// or, for root (whom permissions do not stop), by the immutable
/// attribute. `None` when neither can be had here.
struct Unwritable<'a>(&'a Path, bool);

impl<'a> Unwritable<'a> {
    fn new(path: &'a Path) -> Option<Self> {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o444)).unwrap();
        if std::fs::OpenOptions::new().write(true).open(path).is_err() {
            return Some(Unwritable(path, false));
        }
        let immutable = Command::new("chattr")
            .arg("+i")
            .arg(path)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        let guard = Unwritable(path, immutable);
        let writable = std::fs::OpenOptions::new().write(true).open(path).is_ok();
        (!writable).then_some(guard)
    }
}

impl Drop for Unwritable<'_> {
    fn drop(&mut self) {
        if self.1 {
            let _ = Command::new("chattr").arg("-i").arg(self.0).status();
        }
    }
}

#[test]
fn a_file_that_cannot_be_written_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("locked.db");
    rollback_journal_db(&path);
    let Some(_unwritable) = Unwritable::new(&path) else {
        eprintln!("skipped: cannot make a file unwritable here");
        return;
    };
    let db = path.to_str().unwrap();
    assert_eq!(
        ok(run(dir.path(), &[db, "SELECT sum(x) FROM t"], "")),
        "6\n"
    );
    assert_eq!(
        ok(run(dir.path(), &[db], "SELECT count(*) FROM t;\n")),
        "3\n"
    );
    let out = run(dir.path(), &[db, "INSERT INTO t VALUES (9)"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("(code 8)"), "{}", stderr(&out));
    assert_eq!(listing(dir.path()), ["locked.db"]);
}
