//! A reader in WAL mode is not refused while another process commits.
//!
//! SQLite's readers never see `SQLITE_BUSY` from a writer or a checkpoint
//! in WAL mode, even with no busy timeout: `walTryBeginRead` retries
//! (sleeping between attempts) when a read mark or the header moves under
//! it, and a `BUSY` met while the header is being rewritten becomes a
//! retry, not an error.

use std::thread;

use crate::procs::{Sqlite, wal_db};

/// SQLite as the reader, with no busy timeout, while SQLite commits and
/// checkpoints every few pages: the behaviour a shell reader is held to.
#[test]
fn sqlite_as_the_reader_is_not_refused_while_sqlite_commits() {
    let (_dir, db) = wal_db();
    let mut reader = Sqlite::open(&db, 0);
    let mut sqlite = Sqlite::open(&db, 5_000);
    assert_eq!(sqlite.exec("PRAGMA wal_autocheckpoint=4"), "ok");
    let writer = thread::spawn(move || {
        for n in 1..=300 {
            let reply = sqlite.exec(&format!("INSERT INTO t(who, n) VALUES ('s', {n})"));
            assert_eq!(reply, "ok", "SQLite's insert {n}");
        }
        sqlite
    });
    let mut reads = 0;
    while !writer.is_finished() {
        reads += 1;
        let reply = reader.query("SELECT count(*) FROM t");
        assert!(reply.starts_with("ok "), "read {reads}: {reply}");
    }
    drop(writer.join().unwrap());
    println!("SQLite read {reads} times while SQLite committed, never refused");
}
