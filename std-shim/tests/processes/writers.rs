//! Writers in separate processes on one WAL database: every commit that was
//! acknowledged is there once, and nothing refused is.
//!
//! Without locks, two writers would append from the same end of the WAL
//! and one's commit would overwrite the other's; without the shared index,
//! a writer would not know of frames another appended and write over them
//! or hide them. Either way rows are lost, which the counts below report.

use std::path::PathBuf;
use std::thread;
use std::time::Duration;

use crate::procs::{
    Shell, Sqlite, assert_rows_exactly, run_shell, shell_integrity, sqlite_integrity, text, wal_db,
};

/// How many rows each writer of the long-lived test writes.
const ROWS: i64 = 200;

/// The pause between the statements fed to a long-lived shell.
const PACE: Duration = Duration::from_millis(10);

/// A shell script that sets a generous busy timeout and inserts rows
/// `1..=rows` of writer `who`, one autocommit statement each.
fn insert_script(who: &str, rows: i64) -> String {
    let mut script = String::from("PRAGMA busy_timeout=20000;\n");
    for n in 1..=rows {
        script += &format!("INSERT INTO t(who, n) VALUES ('{who}', {n});\n");
    }
    script
}

fn insert(who: &str, n: i64) -> String {
    format!("INSERT INTO t(who, n) VALUES ('{who}', {n})")
}

/// How often, walking the rows in id order, the writer changes: a few
/// means the writers took turns, not one after the other.
fn writer_switches(db: &std::path::Path) -> usize {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn.prepare("SELECT who FROM t ORDER BY id").unwrap();
    let who: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    who.windows(2).filter(|w| w[0] != w[1]).count()
}

#[test]
fn two_shells_and_a_sqlite_process_write_one_file_and_lose_nothing() {
    let (_dir, db) = wal_db();
    let mut sqlite = Sqlite::open(&db, 20_000);
    let shells = [
        Shell::script(&db, insert_script("b1", ROWS), PACE),
        Shell::script(&db, insert_script("b2", ROWS), PACE),
    ];
    for n in 1..=ROWS {
        assert_eq!(sqlite.exec(&insert("s", n)), "ok", "SQLite's insert {n}");
        thread::sleep(PACE);
    }
    for (who, shell) in ["b1", "b2"].into_iter().zip(shells) {
        let ended = shell.finish();
        assert!(
            ended.status.success() && ended.stderr.is_empty(),
            "shell {who}: {}, stderr: {}",
            ended.status,
            ended.stderr
        );
        assert_eq!(ended.stdout, "20000\n", "shell {who}");
    }
    // SQLite's check while its connection, and so the -shm, is still live.
    assert_eq!(sqlite.query("PRAGMA integrity_check"), "ok ok");
    drop(sqlite);
    let all: Vec<i64> = (1..=ROWS).collect();
    for who in ["b1", "b2", "s"] {
        assert_rows_exactly(&db, who, &all);
    }
    let switches = writer_switches(&db);
    assert!(switches >= 20, "the writers did not overlap: {switches}");
    assert_eq!(shell_integrity(&db), "ok");
    assert_eq!(sqlite_integrity(&db), "ok");
    println!(
        "three writers wrote {} rows, lost 0; the writer changed {switches} times in id order",
        3 * ROWS
    );
}

/// Runs `count` shell processes one after the other, each inserting one row
/// of `who` with busy timeout `timeout_ms`; returns the rows whose process
/// exited 0 and the rows refused.
fn one_process_each(db: PathBuf, who: &'static str, count: i64, timeout_ms: u32) -> [Vec<i64>; 2] {
    let mut acked = Vec::new();
    let mut refused = Vec::new();
    for n in 1..=count {
        let timeout = format!("PRAGMA busy_timeout={timeout_ms}");
        let out = run_shell(&db, &[&timeout, &insert(who, n)]);
        let stderr = text(&out.stderr);
        if out.status.success() && stderr.is_empty() {
            acked.push(n);
        } else {
            // Refused cleanly: exit 1 and one "database is locked" line,
            // never another error.
            assert!(
                out.status.code() == Some(1)
                    && stderr.starts_with("Error: database is locked")
                    && stderr.ends_with("(code 5)\n")
                    && stderr.lines().count() == 1,
                "{who} {n}: {}, stderr: {stderr}",
                out.status
            );
            refused.push(n);
        }
    }
    [acked, refused]
}

#[test]
fn one_process_per_insert_loses_no_acknowledged_row() {
    const PER_LOOP: i64 = 100;
    let (_dir, db) = wal_db();
    let mut sqlite = Sqlite::open(&db, 5_000);
    // One loop does not wait for locks (so some of its processes are
    // refused), the other waits up to 5 s.
    let loops = [("p1", 0), ("p2", 5_000)].map(|(who, timeout)| {
        let db = db.clone();
        thread::spawn(move || one_process_each(db, who, PER_LOOP, timeout))
    });
    let mut sqlite_acked = Vec::new();
    let mut sqlite_refused = 0;
    let mut n = 0;
    while n < PER_LOOP || loops.iter().any(|l| !l.is_finished()) {
        n += 1;
        match sqlite.exec(&insert("s", n)).as_str() {
            "ok" => sqlite_acked.push(n),
            "busy" => sqlite_refused += 1,
            other => panic!("SQLite's insert {n}: {other}"),
        }
        // A pause between SQLite's commits, so that it does not hold the
        // lock back to back and the shells that do not wait get some turns.
        thread::sleep(Duration::from_millis(1));
    }
    drop(sqlite);
    let mut summary = format!(
        "SQLite: {} acked, {sqlite_refused} refused",
        n - sqlite_refused
    );
    assert_rows_exactly(&db, "s", &sqlite_acked);
    for (who, handle) in ["p1", "p2"].into_iter().zip(loops) {
        let [acked, refused] = handle.join().unwrap();
        assert_rows_exactly(&db, who, &acked);
        summary += &format!("; {who}: {} acked, {} refused", acked.len(), refused.len());
    }
    assert_eq!(shell_integrity(&db), "ok");
    assert_eq!(sqlite_integrity(&db), "ok");
    println!("{summary}; lost 0");
}
