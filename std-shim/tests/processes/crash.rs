//! Killing writers mid-commit loses nothing they acknowledged.
//!
//! A shell writes rows and prints each one it reads back after its commit
//! (the acknowledgement); SQLite writes beside it. The shell is killed
//! with SIGKILL at a random point, then SQLite too; a fresh shell and a
//! fresh SQLite connection must find every acknowledged row, and both
//! must call the file sound. Without locks the two writers would
//! overwrite each other's commits, and the kill would leave a log whose
//! acknowledged commits are not all readable.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

use crate::procs::{
    Shell, Sqlite, assert_rows_exactly, rows_of, run_shell, shell_integrity, sqlite_integrity,
    text, wal_db,
};

/// Rows the killed shell is given to write; it is killed before the end.
const SCRIPT_ROWS: u64 = 150;
const ROUNDS: usize = 3;

fn random() -> u64 {
    RandomState::new().build_hasher().finish()
}

/// A script inserting rows of `who`, each followed by a statement printing
/// `acked|n` only if the row can be read back once committed.
fn acked_script(who: &str) -> String {
    let mut script = String::from("PRAGMA busy_timeout=20000;\n");
    for n in 1..=SCRIPT_ROWS {
        script += &format!(
            "INSERT INTO t(who, n) VALUES ('{who}', {n}); \
             SELECT 'acked', n FROM t WHERE who = '{who}' AND n = {n};\n"
        );
    }
    script
}

fn acked(line: &str) -> Option<i64> {
    line.strip_prefix("acked|").map(|n| n.parse().unwrap())
}

/// The rows of `who` a fresh shell reads.
fn shell_rows(db: &std::path::Path, who: &str) -> Vec<i64> {
    let query = format!("SELECT n FROM t WHERE who = '{who}' ORDER BY n");
    let out = run_shell(db, &[&query]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
        .lines()
        .map(|n| n.parse().unwrap())
        .collect()
}

#[test]
fn kill_during_commits_loses_no_acknowledged_row() {
    let (_dir, db) = wal_db();
    let mut report = Vec::new();
    for round in 0..ROUNDS {
        let killed = format!("k{round}");
        let writer = format!("s{round}");
        let kill_after = 5 + random() % (SCRIPT_ROWS - 20);
        let mut sqlite = Sqlite::open(&db, 20_000);
        let stop = Arc::new(AtomicBool::new(false));
        let sqlite_writer = {
            let stop = Arc::clone(&stop);
            let writer = writer.clone();
            thread::spawn(move || {
                let mut acked = Vec::new();
                let mut n = 0;
                while !stop.load(Ordering::SeqCst) {
                    n += 1;
                    let sql = format!("INSERT INTO t(who, n) VALUES ('{writer}', {n})");
                    match sqlite.exec(&sql).as_str() {
                        "ok" => acked.push(n),
                        other => panic!("SQLite's insert {n}: {other}"),
                    }
                    thread::sleep(std::time::Duration::from_millis(2));
                }
                (sqlite, acked)
            })
        };
        let mut shell = Shell::script(
            &db,
            acked_script(&killed),
            std::time::Duration::from_millis(2),
        );
        let mut shell_acked = Vec::new();
        while (shell_acked.len() as u64) < kill_after {
            match shell.line() {
                Some(line) => shell_acked.extend(acked(&line)),
                None => panic!("the shell ended early: {}", shell.stderr()),
            }
        }
        let stderr = shell.stderr();
        let rest = shell.kill();
        shell_acked.extend(rest.iter().filter_map(|line| acked(line)));
        assert!(
            stderr.is_empty() || stderr.starts_with("Error: database is locked"),
            "{stderr}"
        );
        stop.store(true, Ordering::SeqCst);
        let (sqlite, sqlite_acked) = sqlite_writer.join().unwrap();
        sqlite.kill();

        // First a fresh shell, which must make sense of the log and index
        // the killed processes left, then SQLite.
        let found = shell_rows(&db, &killed);
        let lost: Vec<i64> = shell_acked
            .iter()
            .copied()
            .filter(|n| !found.contains(n))
            .collect();
        assert!(
            lost.is_empty(),
            "round {round}: the killed shell acknowledged {} rows, a fresh shell finds {}; lost {lost:?}",
            shell_acked.len(),
            found.len()
        );
        assert_eq!(shell_rows(&db, &writer), sqlite_acked, "round {round}");
        assert_eq!(shell_integrity(&db), "ok", "round {round}");

        // Rows committed but not yet acknowledged when the kill came may be
        // there too, each once, and nothing the script did not write.
        let mut distinct = rows_of(&db, &killed);
        let all = distinct.len();
        distinct.dedup();
        assert_eq!(all, distinct.len(), "round {round}: a row twice");
        assert!(
            shell_acked
                .iter()
                .all(|n| distinct.binary_search(n).is_ok())
        );
        assert!(
            distinct
                .iter()
                .all(|&n| (1..=SCRIPT_ROWS as i64).contains(&n))
        );
        assert_rows_exactly(&db, &writer, &sqlite_acked);
        assert_eq!(sqlite_integrity(&db), "ok", "round {round}");
        report.push(format!(
            "round {round}: shell killed after {} acks ({} rows found), SQLite {} acks",
            shell_acked.len(),
            distinct.len(),
            sqlite_acked.len()
        ));
    }
    println!("{}; lost 0", report.join("; "));
}
