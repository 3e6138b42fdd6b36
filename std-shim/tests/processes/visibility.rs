//! A shell that stays open sees what SQLite committed in another process
//! at its next statement.
//!
//! Without the shared WAL index the shell would go on reading the WAL as
//! it last knew it (or the database file alone): its counts would stay
//! behind SQLite's commits. SQLite checkpoints every few pages here, so
//! the WAL is also restarted under the shell, which a reader that kept
//! its own idea of the WAL would misread.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::thread;

use crate::procs::{Shell, Sqlite, shell_integrity, sqlite_integrity, wal_db};

/// The shell's `count(*)` and `total(n)` of `t`.
fn count(shell: &mut Shell) -> (i64, i64) {
    let lines = shell.run("SELECT count(*), total(n) FROM t;", "counted");
    let [line] = lines.as_slice() else {
        panic!(
            "expected one row, got {lines:?}; stderr: {}",
            shell.stderr()
        );
    };
    let (count, total) = line.split_once('|').unwrap();
    let total: f64 = total.parse().unwrap();
    #[allow(clippy::cast_possible_truncation)]
    (count.parse().unwrap(), total as i64)
}

#[test]
fn a_long_lived_shell_sees_sqlite_commits_at_its_next_statement() {
    let (_dir, db) = wal_db();
    let mut shell = Shell::open(&db);
    assert_eq!(shell.run("PRAGMA busy_timeout=5000;", "set"), ["5000"]);
    assert_eq!(count(&mut shell), (0, 0));
    let mut sqlite = Sqlite::open(&db, 5_000);
    assert_eq!(sqlite.exec("PRAGMA wal_autocheckpoint=4"), "ok");

    // In lockstep: after each commit the shell's next count is exact.
    let (mut rows, mut total) = (0, 0);
    for round in 1..=60_i64 {
        let mut batch = String::from("BEGIN;");
        for _ in 0..=round % 3 {
            rows += 1;
            total += rows;
            batch += &format!("INSERT INTO t(who, n) VALUES ('s', {rows});");
        }
        assert_eq!(sqlite.exec(&(batch + "COMMIT;")), "ok");
        assert_eq!(
            count(&mut shell),
            (rows, total),
            "round {round}: the shell's count and total after SQLite committed {rows} rows"
        );
    }

    // Concurrently: the counts the shell sees never go back, and end at
    // what SQLite committed.
    let committed = Arc::new(AtomicI64::new(rows));
    let writer = {
        let committed = Arc::clone(&committed);
        thread::spawn(move || {
            for n in rows + 1..=rows + 200 {
                let reply = sqlite.exec(&format!("INSERT INTO t(who, n) VALUES ('s', {n})"));
                assert_eq!(reply, "ok", "SQLite's insert {n}");
                committed.store(n, Ordering::SeqCst);
            }
            sqlite
        })
    };
    let mut seen = vec![rows];
    while !writer.is_finished() {
        let before = committed.load(Ordering::SeqCst);
        let (now, _) = count(&mut shell);
        assert!(
            now >= before && now >= *seen.last().unwrap(),
            "the shell counted {now} after SQLite had committed {before}; counts so far {seen:?}"
        );
        seen.push(now);
    }
    let sqlite = writer.join().unwrap();
    let rows = rows + 200;
    assert_eq!(count(&mut shell), (rows, rows * (rows + 1) / 2));
    let distinct = {
        seen.dedup();
        seen.len()
    };
    assert!(
        distinct > 5,
        "the shell saw too few of the commits: {seen:?}"
    );
    let ended = shell.finish();
    assert!(
        ended.status.success() && ended.stderr.is_empty(),
        "{}",
        ended.stderr
    );
    drop(sqlite);
    assert_eq!(shell_integrity(&db), "ok");
    assert_eq!(sqlite_integrity(&db), "ok");
    println!("the shell saw {distinct} distinct counts while SQLite committed, ending at {rows}");
}
