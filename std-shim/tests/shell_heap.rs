//! The `boundlite` shell in a bounded heap (`--heap`), `.stats`, `PRAGMA
//! cache_size`, and a script whose transactions fail: run as a program.

// Every item of this crate is test code, helpers included (clippy's
// test allowances only see `#[test]` functions and `cfg(test)` modules).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::{BIN, ok, pipe, sqlite_integrity, stderr, stdout, temp_db};

/// 256 KiB, the heap the targets name.
const HEAP: &str = "262144";

/// Runs the shell with `options`, then `db`, then `sql` arguments.
fn run(db: &Path, options: &[&str], sql: &[&str]) -> Output {
    Command::new(BIN)
        .args(options)
        .arg(db)
        .args(sql)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn a_script_runs_in_a_heap_of_256_kib() {
    let (_dir, db) = temp_db();
    let mut script = String::from(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL);\n\
         CREATE INDEX t_name ON t(name);\n\
         BEGIN;\n",
    );
    for i in 1..=500 {
        writeln!(
            script,
            "INSERT INTO t(name, score) VALUES ('name {i}', {i}.5);"
        )
        .unwrap();
    }
    script.push_str(
        "COMMIT;\n\
         UPDATE t SET score = score * 2 WHERE id % 7 = 0;\n\
         DELETE FROM t WHERE id > 400;\n\
         SELECT count(*), sum(score) FROM t;\n\
         SELECT name FROM t WHERE name = 'name 77';\n\
         SELECT id FROM t ORDER BY score DESC LIMIT 2;\n\
         PRAGMA integrity_check;\n",
    );
    let out = ok(pipe(&db, &["--heap", HEAP], &script));
    // Scores 1.5 ..= 400.5, those of multiples of 7 doubled.
    let sum: f64 = (1..=400)
        .map(|i| (i as f64 + 0.5) * if i % 7 == 0 { 2.0 } else { 1.0 })
        .sum();
    assert_eq!(
        out,
        format!("400|{sum:.1}\nname 77\n399\n392\nok\n"),
        "the sum is {sum}"
    );
    assert_eq!(sqlite_integrity(&db), "ok");
}

#[test]
fn a_value_larger_than_the_heap_is_out_of_memory_and_the_shell_goes_on() {
    let (_dir, db) = temp_db();
    // Made without a heap limit, with a cache large enough for it.
    ok(run(
        &db,
        &[],
        &["CREATE TABLE t(id INTEGER PRIMARY KEY, v); \
           PRAGMA cache_size = 1000; \
           INSERT INTO t VALUES (1, 'small'), (2, hex(zeroblob(500000)))"],
    ));
    for mode in ["list", "csv", "json", "box"] {
        let out = pipe(
            &db,
            &["-heap", HEAP, &format!("-{mode}")],
            "SELECT v FROM t WHERE id = 2;\nSELECT 'next';\nSELECT v FROM t WHERE id = 1;\n",
        );
        assert!(!out.status.success(), "{mode}: an error was reported");
        assert_eq!(
            stderr(&out),
            "Error: near line 1: out of memory (code 7)\n  in: SELECT v FROM t WHERE id = 2\n",
            "{mode}: the error"
        );
        let printed = stdout(&out);
        assert!(printed.contains("next"), "{mode}: {printed}");
        assert!(printed.contains("small"), "{mode}: {printed}");
    }
    // Without a limit it prints, streamed from the engine's value.
    let out = ok(run(&db, &[], &["SELECT v FROM t WHERE id = 2"]));
    assert_eq!(out.len(), 1_000_001);
}

#[test]
fn box_rows_too_large_to_keep_are_out_of_memory() {
    let (_dir, db) = temp_db();
    // 80 rows of 4000 bytes: each fits the heap, all of them do not.
    ok(run(
        &db,
        &[],
        &["CREATE TABLE t(id INTEGER PRIMARY KEY, v); \
           INSERT INTO t(v) VALUES (hex(zeroblob(2000))); \
           INSERT INTO t(v) SELECT v FROM t; INSERT INTO t(v) SELECT v FROM t; \
           INSERT INTO t(v) SELECT v FROM t; INSERT INTO t(v) SELECT v FROM t; \
           INSERT INTO t(v) SELECT v FROM t LIMIT 16; \
           INSERT INTO t(v) SELECT v FROM t LIMIT 32; \
           INSERT INTO t(v) SELECT v FROM t LIMIT 16"],
    ));
    let count = ok(run(&db, &[], &["SELECT count(*) FROM t"]));
    assert_eq!(count.trim().parse::<usize>().unwrap(), 80);
    let out = pipe(
        &db,
        &["--heap", HEAP, "--box"],
        "SELECT v FROM t;\nSELECT count(*) FROM t;\n",
    );
    assert_eq!(
        stderr(&out),
        "Error: near line 1: out of memory (code 7)\n  in: SELECT v FROM t\n"
    );
    assert!(stdout(&out).contains("80"), "{}", stdout(&out));
    // The same rows in list mode stream, one at a time.
    let out = ok(pipe(&db, &["--heap", HEAP], "SELECT v FROM t;\n"));
    assert_eq!(out.lines().count(), 80);
}

#[test]
fn stats_prints_the_heap_peak_and_the_cache() {
    let (_dir, db) = temp_db();
    let out = ok(run(
        &db,
        &["--heap", HEAP],
        &["CREATE TABLE t(x); INSERT INTO t VALUES (1), (2)", ".stats"],
    ));
    let used = out
        .lines()
        .find(|l| l.starts_with("Memory Used:"))
        .unwrap_or_else(|| panic!("{out}"));
    let numbers: Vec<usize> = used
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    let (in_use, peak) = (numbers[0], numbers[1]);
    assert!(0 < in_use && in_use <= peak && peak < 262_144, "{used}");
    assert!(
        out.contains("Heap Size (--heap):                  262144 bytes"),
        "{out}"
    );
    assert!(out.contains("Page Cache Frames:"), "{out}");
    // The cache fits a quarter of the heap.
    assert!(out.contains("of 13 (4096 bytes a page)"), "{out}");

    // Without a heap, what is known.
    let out = ok(run(&db, &[], &[".stats"]));
    assert!(out.contains("not measured"), "{out}");
    assert!(out.contains("Page Cache Frames:"), "{out}");
    assert!(out.contains("of 128 (4096 bytes a page)"), "{out}");
}

#[test]
fn cache_size_is_read_and_set_through_the_shell() {
    let (_dir, db) = temp_db();
    let out = ok(pipe(
        &db,
        &[],
        "PRAGMA cache_size;\nPRAGMA cache_size = -1024;\nPRAGMA cache_size;\n.stats\n\
         PRAGMA cache_size = 2;\nPRAGMA cache_size;\n.stats\n",
    ));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "128");
    assert_eq!(lines[1], "-1024");
    assert!(out.contains("of 256 (4096 bytes a page)"), "{out}");
    assert!(lines.contains(&"2"), "{out}");
    // Fewer than the fewest frames a cache may have: clamped.
    assert!(out.contains("of 12 (4096 bytes a page)"), "{out}");

    // A transaction larger than a small cache spills; raised, the cache
    // holds it.
    let big = "INSERT INTO t VALUES (zeroblob(300000));";
    let out = ok(pipe(
        &db,
        &[],
        &format!(
            "CREATE TABLE t(v);\nPRAGMA cache_size = 20;\n{big}\n.stats\n\
             PRAGMA cache_size = 200;\n{big}\n.stats\nSELECT count(*), sum(length(v)) FROM t;\n"
        ),
    ));
    let frames: Vec<(usize, usize)> = out
        .lines()
        .filter_map(|l| l.strip_prefix("Page Cache Frames:"))
        .map(|l| {
            let n: Vec<usize> = l
                .split(|c: char| !c.is_ascii_digit())
                .filter(|s| !s.is_empty())
                .map(|s| s.parse().unwrap())
                .collect();
            (n[0], n[1])
        })
        .collect();
    assert_eq!(frames.len(), 2, "{out}");
    assert!(frames[0].0 <= 20 && frames[0].1 == 20, "{out}");
    assert!(frames[1].0 > 70 && frames[1].1 == 200, "{out}");
    assert!(out.ends_with("2|600000\n"), "{out}");
    assert_eq!(sqlite_integrity(&db), "ok");
}

/// A script of transactions run in heaps of several sizes: in some, an
/// allocation inside the storage engine fails and rolls a transaction
/// back whole. The shell then refuses that transaction's remaining
/// statements and its `COMMIT` reports the rollback, so none of it is
/// committed; nothing ever reaches a `COMMIT` with no transaction active
/// (which is what returning to autocommit, SQLite's way, gives).
#[test]
fn a_script_never_commits_part_of_a_failed_transaction() {
    let (_dir, db) = temp_db();
    let mut script = String::from("CREATE TABLE t(g, i, v);\nCREATE INDEX ti ON t(v);\n");
    for g in 1..=5 {
        script.push_str("BEGIN;\n");
        for i in 1..30 {
            writeln!(
                script,
                "INSERT INTO t VALUES ({g}, {i}, hex(zeroblob({})));",
                1000 * i
            )
            .unwrap();
        }
        script.push_str("COMMIT;\n");
    }
    script.push_str("SELECT g, count(*) FROM t GROUP BY g;\n");
    // Each error names its line first: `Error: near line N: ...`.
    let aborted =
        ": the transaction was rolled back by an earlier error; ROLLBACK to continue (code 1)";
    let commit_refused =
        ": SQL error: cannot commit - the transaction was rolled back by an earlier error (code 1)";
    let mut aborts = 0;
    for heap in (60_000..=260_000).step_by(20_000) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
        let out = pipe(&db, &["--heap", &heap.to_string()], &script);
        let errors = stderr(&out);
        assert!(
            !errors.contains("no transaction is active"),
            "heap {heap}: {errors}"
        );
        let refused = errors
            .lines()
            .filter(|l| l.starts_with("Error: near line ") && l.ends_with(commit_refused))
            .count();
        let groups = stdout(&out).lines().count();
        assert!(
            5 - groups >= refused,
            "heap {heap}: {refused} transactions rolled back, {groups} committed rows"
        );
        aborts += errors
            .lines()
            .filter(|l| l.starts_with("Error: near line ") && l.ends_with(aborted))
            .count();
        assert_eq!(sqlite_integrity(&db), "ok", "heap {heap}");
    }
    assert!(aborts > 0, "no transaction was rolled back whole");
}
