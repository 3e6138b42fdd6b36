//! A reader in WAL mode is not refused while another process commits.
//!
//! SQLite's readers never see `SQLITE_BUSY` from a writer or a checkpoint
//! in WAL mode, even with no busy timeout: `walTryBeginRead` retries
//! (sleeping between attempts) when a read mark or the header moves under
//! it, and a `BUSY` met while the header is being rewritten becomes a
//! retry, not an error.

use std::thread;

use crate::procs::{Shell, Sqlite, wal_db};

/// FAILS (uncommitted): the shell's reader is refused with "database is
/// locked" within a few thousand reads. `Pager::refresh` meets a header
/// that is being rewritten, calls `recover`, which tries SQLite's WAL
/// write lock once; the writer holds it, and `Busy` goes straight back to
/// the statement instead of becoming a retry as in SQLite.
#[test]
fn a_reader_with_no_busy_timeout_is_not_refused_while_sqlite_commits() {
    let (_dir, db) = wal_db();
    let mut shell = Shell::open(&db);
    let mut sqlite = Sqlite::open(&db, 5_000);
    assert_eq!(sqlite.exec("PRAGMA wal_autocheckpoint=4"), "ok");
    let writer = thread::spawn(move || {
        for n in 1..=1500 {
            let reply = sqlite.exec(&format!("INSERT INTO t(who, n) VALUES ('s', {n})"));
            assert_eq!(reply, "ok", "SQLite's insert {n}");
        }
        sqlite
    });
    let mut reads = 0;
    while !writer.is_finished() {
        reads += 1;
        let lines = shell.run("SELECT count(*) FROM t;", "counted");
        let stderr = shell.stderr();
        if lines.len() != 1 || !stderr.is_empty() {
            // Whether the shell still answers a statement that reads no table.
            let probe = shell.run("SELECT 1;", "probed");
            panic!(
                "read {reads}: printed {lines:?}, stderr: {stderr:?}; \
                 then SELECT 1 printed {probe:?}, stderr now: {:?}",
                shell.stderr()
            );
        }
    }
    drop(writer.join().unwrap());
    assert!(shell.finish().status.success());
}

/// SQLite as the reader, with no busy timeout, while SQLite commits and
/// checkpoints every few pages: the behaviour a shell reader is held to.
#[test]
fn sqlite_as_the_reader_is_not_refused_while_sqlite_commits() {
    let (_dir, db) = wal_db();
    let mut reader = Sqlite::open(&db, 0);
    let mut sqlite = Sqlite::open(&db, 5_000);
    assert_eq!(sqlite.exec("PRAGMA wal_autocheckpoint=4"), "ok");
    // Both have read the log before the race starts: the first to open it
    // rebuilds the shared index under an exclusive lock, and a reader
    // with no busy timeout meeting that is refused by SQLite itself.
    assert!(sqlite.query("SELECT count(*) FROM t").starts_with("ok "));
    assert!(reader.query("SELECT count(*) FROM t").starts_with("ok "));
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

/// Holds SQLite's WAL write lock with the second copy of the WAL-index
/// header differing from the first, as a writer leaves them between its two
/// header writes, for `window`; then restores the header and unlocks.
fn tear_header(dir: &std::path::Path, window: std::time::Duration) -> thread::JoinHandle<()> {
    use boundlite_platform::{File, OpenMode, Platform, ShmLockKind, ShmSlots};
    let fs = boundlite_std::StdPlatform::in_dir(dir);
    let mut writer = fs.open("test.db", OpenMode::ReadWrite).unwrap();
    writer.shm_attach().unwrap();
    let write_lock = ShmSlots::one(0).unwrap();
    writer.shm_lock(write_lock, ShmLockKind::Exclusive).unwrap();
    let mut copy = [0u8; 48];
    writer.shm_read(48, &mut copy).unwrap();
    let mut torn = copy;
    // The change counter of the second copy.
    torn[8] ^= 1;
    writer.shm_write(48, &torn).unwrap();
    thread::spawn(move || {
        thread::sleep(window);
        writer.shm_write(48, &copy).unwrap();
        writer
            .shm_unlock(write_lock, ShmLockKind::Exclusive)
            .unwrap();
    })
}

/// FAILS (uncommitted), deterministically: the same refusal as above, the
/// header held torn for 300 ms. SQLite's reader (the first half) retries and
/// reads; the shell's fails at once with "database is locked".
#[test]
fn a_reader_waits_out_a_header_being_rewritten() {
    let window = std::time::Duration::from_millis(300);
    let (dir, db) = wal_db();
    let mut sqlite = Sqlite::open(&db, 0);
    assert_eq!(sqlite.exec("INSERT INTO t(who, n) VALUES ('s', 1)"), "ok");
    let mut shell = Shell::open(&db);
    assert_eq!(shell.run("SELECT count(*) FROM t;", "read"), ["1"]);

    let restored = tear_header(dir.path(), window);
    assert_eq!(
        sqlite.query("SELECT count(*) FROM t"),
        "ok 1",
        "SQLite's read"
    );
    restored.join().unwrap();

    let restored = tear_header(dir.path(), window);
    shell.send("SELECT count(*) FROM t;");
    restored.join().unwrap();
    // The marker goes after the window, so that it is not refused too.
    let lines = shell.run("", "read");
    assert_eq!(lines, ["1"], "the shell's read; stderr: {}", shell.stderr());
}
