//! The processes the tests run: a SQLite connection in a child process, and
//! the `boundlite` shell. Each is killed and reaped when dropped, so a
//! failing assertion leaves no process behind.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

pub const CHILD_DB: &str = "BOUNDLITE_PROCESSES_SQLITE_CHILD_DB";
pub const BIN: &str = env!("CARGO_BIN_EXE_boundlite");

/// The table every test writes: rows `(who, n)`, `who` naming the writer
/// and `n` counting its rows.
pub const SCHEMA: &str = "CREATE TABLE t(id INTEGER PRIMARY KEY, who TEXT, n INTEGER)";

/// A temporary directory holding `test.db` with table `t`, created by the
/// shell and put in WAL mode by SQLite; no process has it open.
pub fn wal_db() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("test.db");
    let out = run_shell(&db, &[SCHEMA]);
    assert!(out.status.success(), "create: {}", text(&out.stderr));
    let conn = rusqlite::Connection::open(&db).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    (dir, db)
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs the shell once with `args` as its SQL arguments, stdin closed.
pub fn run_shell(db: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg(db)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// The shell's own `PRAGMA integrity_check`, in a fresh process.
pub fn shell_integrity(db: &Path) -> String {
    let out = run_shell(db, &["PRAGMA integrity_check"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout).trim_end().to_owned()
}

/// SQLite's `PRAGMA integrity_check`, in this process: call it only once
/// no other process has the database open.
pub fn sqlite_integrity(db: &Path) -> String {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap()
}

/// The values of `n` in the rows of writer `who`, as SQLite reads them in
/// this process (ascending, duplicates kept).
pub fn rows_of(db: &Path, who: &str) -> Vec<i64> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare("SELECT n FROM t WHERE who = ?1 ORDER BY n")
        .unwrap();
    stmt.query_map([who], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// Checks that the rows of `who` are exactly `acked`, each once; the
/// message counts rows written, lost, duplicated and unexpected.
pub fn assert_rows_exactly(db: &Path, who: &str, acked: &[i64]) {
    let found = rows_of(db, who);
    let mut distinct = found.clone();
    distinct.dedup();
    let lost: Vec<i64> = acked
        .iter()
        .copied()
        .filter(|n| distinct.binary_search(n).is_err())
        .collect();
    let mut sorted = acked.to_vec();
    sorted.sort_unstable();
    let unexpected: Vec<i64> = distinct
        .iter()
        .copied()
        .filter(|n| sorted.binary_search(n).is_err())
        .collect();
    assert!(
        lost.is_empty() && unexpected.is_empty() && found.len() == distinct.len(),
        "{who}: {} rows acknowledged, {} found ({} distinct); lost {}: {lost:?}; \
         never acknowledged but present {}: {unexpected:?}",
        acked.len(),
        found.len(),
        distinct.len(),
        lost.len(),
        unexpected.len(),
    );
}

/// Kills and reaps its child when dropped.
pub struct Reaper(pub Child);

impl Drop for Reaper {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A SQLite connection in a child process (see `sqlite_child`).
pub struct Sqlite {
    /// Held for its `Drop`, which kills the child.
    _child: Reaper,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Sqlite {
    /// Opens `db` in a new child process, with busy timeout `timeout_ms`.
    pub fn open(db: &Path, timeout_ms: u32) -> Self {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "sqlite_child", "--nocapture", "--test-threads=1"])
            .env(CHILD_DB, db)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let mut sqlite = Self {
            _child: Reaper(child),
            stdin,
            stdout,
        };
        assert_eq!(sqlite.send("timeout", &timeout_ms.to_string()), "ok");
        sqlite
    }

    fn send(&mut self, cmd: &str, arg: &str) -> String {
        writeln!(self.stdin, "{cmd} {arg}").unwrap();
        self.stdin.flush().unwrap();
        loop {
            let mut line = String::new();
            assert_ne!(self.stdout.read_line(&mut line).unwrap(), 0, "child died");
            // The child's test harness prints too; the first reply even
            // shares a line with its "test sqlite_child ... ".
            if let Some((_, reply)) = line.trim_end().split_once("@@ ") {
                return reply.to_owned();
            }
        }
    }

    /// `ok`, `busy` or `err ...`.
    pub fn exec(&mut self, sql: &str) -> String {
        self.send("exec", sql)
    }

    /// `ok VALUE`, `busy` or `err ...`.
    pub fn query(&mut self, sql: &str) -> String {
        self.send("query", sql)
    }

    /// Kills the child at once (SIGKILL), as a crash would.
    pub fn kill(self) {
        drop(self);
    }
}

/// How a shell process ended.
pub struct Ended {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

/// How long a shell may take to print the next line a test waits for.
const LINE_TIMEOUT: Duration = Duration::from_secs(30);

/// A `boundlite` shell reading statements from a pipe. Its stdout is read
/// line by line by a thread (so a test can wait with a timeout rather than
/// hang), its stderr gathered by another.
pub struct Shell {
    child: Reaper,
    stdin: Option<ChildStdin>,
    stdout: Receiver<String>,
    stderr: Arc<Mutex<String>>,
    readers: Vec<JoinHandle<()>>,
    feeder: Option<JoinHandle<()>>,
}

impl Shell {
    /// Starts a shell on `db`; statements are sent with [`Shell::send`].
    pub fn open(db: &Path) -> Self {
        let mut child = Command::new(BIN)
            .arg(db)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take();
        let out = BufReader::new(child.stdout.take().unwrap());
        let (lines, stdout) = mpsc::channel();
        let stdout_reader = std::thread::spawn(move || {
            for line in out.lines() {
                let Ok(line) = line else { return };
                if lines.send(line).is_err() {
                    return;
                }
            }
        });
        let mut err = child.stderr.take().unwrap();
        let stderr = Arc::new(Mutex::new(String::new()));
        let gathered = Arc::clone(&stderr);
        let stderr_reader = std::thread::spawn(move || {
            let mut buf = [0u8; 1024];
            while let Ok(n @ 1..) = err.read(&mut buf) {
                gathered.lock().unwrap().push_str(&text(&buf[..n]));
            }
        });
        Self {
            child: Reaper(child),
            stdin,
            stdout,
            stderr,
            readers: vec![stdout_reader, stderr_reader],
            feeder: None,
        }
    }

    /// What the shell printed on stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Starts a shell on `db` that is fed `script` by a thread, one line
    /// every `pace`, then sees its stdin close. A pause lets the shell wait
    /// for input between statements, as an application would between
    /// transactions, so that others get a turn: fed all at once, one shell
    /// commits back to back and waiters that poll for the lock rarely find
    /// it free.
    pub fn script(db: &Path, script: String, pace: Duration) -> Self {
        let mut shell = Self::open(db);
        let mut stdin = shell.stdin.take().unwrap();
        shell.feeder = Some(std::thread::spawn(move || {
            for line in script.lines() {
                // A shell killed early closes the pipe: not this thread's
                // failure to report.
                if writeln!(stdin, "{line}")
                    .and_then(|()| stdin.flush())
                    .is_err()
                {
                    return;
                }
                std::thread::sleep(pace);
            }
        }));
        shell
    }

    /// Sends `sql` (one or more statements) to the shell.
    pub fn send(&mut self, sql: &str) {
        let stdin = self.stdin.as_mut().unwrap();
        writeln!(stdin, "{sql}").unwrap();
        stdin.flush().unwrap();
    }

    /// The next line the shell prints; `None` once it closed its stdout.
    /// Panics, with its stderr, if none comes within [`LINE_TIMEOUT`].
    pub fn line(&mut self) -> Option<String> {
        match self.stdout.recv_timeout(LINE_TIMEOUT) {
            Ok(line) => Some(line),
            Err(RecvTimeoutError::Disconnected) => None,
            Err(RecvTimeoutError::Timeout) => panic!(
                "the shell printed nothing for {LINE_TIMEOUT:?}; stderr: {}",
                self.stderr()
            ),
        }
    }

    /// Sends `sql` followed by a statement printing `marker`, and returns
    /// the lines printed before the marker.
    pub fn run(&mut self, sql: &str, marker: &str) -> Vec<String> {
        self.send(&format!("{sql}\nSELECT '{marker}';"));
        let mut lines = Vec::new();
        loop {
            match self.stdout.recv_timeout(LINE_TIMEOUT) {
                Ok(line) if line == marker => return lines,
                Ok(line) => lines.push(line),
                Err(e) => panic!(
                    "no {marker} from the shell ({e}); it printed {lines:?}, stderr: {}",
                    self.stderr()
                ),
            }
        }
    }

    /// Closes the shell's stdin and waits for it to exit.
    pub fn finish(mut self) -> Ended {
        drop(self.stdin.take());
        if let Some(feeder) = self.feeder.take() {
            feeder.join().unwrap();
        }
        let status = self.child.0.wait().unwrap();
        for reader in self.readers.drain(..) {
            reader.join().unwrap();
        }
        Ended {
            status,
            stdout: self.stdout.try_iter().map(|line| line + "\n").collect(),
            stderr: self.stderr(),
        }
    }

    /// Kills the shell at once (SIGKILL), as a crash would; returns the
    /// lines it printed after the last one read.
    pub fn kill(mut self) -> Vec<String> {
        self.child.0.kill().unwrap();
        self.child.0.wait().unwrap();
        for reader in self.readers.drain(..) {
            reader.join().unwrap();
        }
        self.stdout.try_iter().collect()
    }
}
