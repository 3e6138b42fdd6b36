//! No acknowledged commit is lost when `boundlite` shells and stock SQLite
//! write one WAL database from separate processes at once.
//!
//! Every writer here is its own process: the `boundlite` shell binary, or
//! this test binary run again as a child driving a rusqlite connection
//! ([`sqlite_child`], the pattern of `sqlite_interop.rs`). POSIX locks
//! belong to a process, so only separate processes prove that the locks
//! at SQLite's offsets and the `-shm` WAL index really exclude each other.
//!
//! What each test would catch: an engine that took no locks would let two
//! writers append commits to the WAL from the same end (one overwrites the
//! other: rows lost, or a file SQLite's `integrity_check` rejects), and
//! would let a writer in while another's transaction is open (the
//! "database is locked" assertions fail). An engine that kept no shared
//! index would read the WAL as it last knew it: a long-lived shell would
//! not see SQLite's commits (stale counts), and its commits would go
//! after frames it does not know of, or be dropped by a reader that does
//! not find them in the `-shm`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg(unix)]

mod crash;
mod procs;
mod readers;
mod visibility;
mod waiting;
mod writers;

use std::io::BufRead;

use procs::CHILD_DB;

/// The child's side: does nothing unless the parent set [`CHILD_DB`].
///
/// Reads commands line by line from stdin: `timeout MS` (the busy
/// timeout), `exec SQL`, `query SQL` (the first column of the first row);
/// answers each on stdout with `@@ ok`, `@@ ok VALUE`, `@@ busy` or
/// `@@ err MESSAGE`.
#[test]
fn sqlite_child() {
    let Ok(db) = std::env::var(CHILD_DB) else {
        return;
    };
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.busy_timeout(std::time::Duration::ZERO).unwrap();
    for line in std::io::stdin().lock().lines() {
        let line = line.unwrap();
        let (cmd, arg) = line.split_once(' ').unwrap_or((line.as_str(), ""));
        let result = match cmd {
            "timeout" => conn
                .busy_timeout(std::time::Duration::from_millis(arg.parse().unwrap()))
                .map(|()| String::from("ok")),
            "exec" => conn.execute_batch(arg).map(|()| String::from("ok")),
            "query" => conn
                .query_row(arg, [], |r| r.get::<_, rusqlite::types::Value>(0))
                .map(|v| match v {
                    rusqlite::types::Value::Integer(i) => format!("ok {i}"),
                    rusqlite::types::Value::Text(s) => format!("ok {s}"),
                    other => format!("ok {other:?}"),
                }),
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
