//! Running the `boundlite` shell as a program: the helpers the shell's
//! test files share.

// Each test file is its own crate and uses only some of these helpers.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// The shell binary Cargo built for these tests.
pub const BIN: &str = env!("CARGO_BIN_EXE_boundlite");

/// A temporary directory holding `test.db`.
pub fn temp_db() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("test.db");
    (dir, path)
}

/// Starts `shell` with its stdin, stdout and stderr piped, writes `input`
/// to its stdin and closes it.
pub fn feed(shell: &mut Command, input: &str) -> Child {
    let mut child = shell
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child
}

/// Runs the shell on `db` with `input` piped to its stdin.
pub fn pipe(db: &Path, options: &[&str], input: &str) -> Output {
    feed(Command::new(BIN).args(options).arg(db), input)
        .wait_with_output()
        .unwrap()
}

/// A run's stdout, as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// A run's stderr, as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

/// Asserts a run succeeded with nothing on stderr; returns its stdout.
pub fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}, stderr: {}",
        out.status,
        stderr(&out)
    );
    assert_eq!(stderr(&out), "");
    stdout(&out)
}

/// `PRAGMA integrity_check` by SQLite itself on the file the shell wrote.
pub fn sqlite_integrity(db: &Path) -> String {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0))
        .unwrap()
}
