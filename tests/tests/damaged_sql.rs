//! Damaged databases read and written through SQL, as a user meets them:
//! a database SQLite wrote (rowid and `WITHOUT ROWID` tables, indexes
//! the queries seek, a view, a trigger, overflow payloads, a freelist)
//! gets bytes changed, pages zeroed or swapped, then runs queries that
//! scan, seek, group, join and change rows, and the integrity check.
//!
//! Damage must read as damage: an error is `Corrupt` or `NotADatabase`,
//! or one SQLite gives for a schema whose names changed (`no such ...`),
//! never an internal error (`Misuse`) or a message that blames the SQL
//! for the file. No panic, and every error is one of those.
//!
//! `BOUNDLITE_DAMAGED_CASES` sets the number of damaged files (150 by
//! default); `BOUNDLITE_SEED` the first seed.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::BTreeMap;

use boundlite::alloc::Global;
use boundlite::platform::MemoryPlatform;
use boundlite::{Config, Database, Error};
use boundlite_tests::rng::{Rng, seed};

const PAGE: usize = 1024;

fn pristine() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(&format!(
        "PRAGMA page_size = {PAGE};
         CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, g INT, data BLOB);
         CREATE INDEX t_name ON t(name);
         CREATE INDEX t_g ON t(g, name);
         CREATE TABLE k(key TEXT PRIMARY KEY, v) WITHOUT ROWID;
         CREATE TABLE log(x);
         CREATE VIEW big AS SELECT id, name FROM t WHERE g > 3;
         CREATE TRIGGER t_log AFTER INSERT ON t BEGIN INSERT INTO log VALUES (new.id); END;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400)
         INSERT INTO t SELECT i, 'name_' || (i * 37 % 400), i % 9,
             randomblob(CASE WHEN i % 40 = 0 THEN 2500 ELSE i % 60 END) FROM n;
         INSERT INTO k SELECT 'key' || id, name FROM t WHERE id % 3 = 0;
         DELETE FROM t WHERE id % 7 = 0;"
    ))
    .unwrap();
    drop(conn);
    std::fs::read(&path).unwrap()
}

const STATEMENTS: [&str; 12] = [
    "SELECT count(*), sum(length(data)) FROM t",
    "SELECT id, name FROM t WHERE name = 'name_74'",
    "SELECT g, count(*), max(name) FROM t GROUP BY g",
    "SELECT * FROM t WHERE id BETWEEN 100 AND 120",
    "SELECT t.id, k.v FROM t JOIN k ON k.v = t.name",
    "SELECT count(*) FROM big",
    "SELECT key FROM k ORDER BY v DESC LIMIT 5",
    "SELECT name FROM t WHERE g = 4 ORDER BY name",
    "INSERT INTO t(name, g, data) VALUES ('fresh', 4, randomblob(900))",
    "UPDATE t SET name = name || 'x' WHERE g = 2",
    "DELETE FROM t WHERE id % 5 = 0",
    "PRAGMA integrity_check",
];

/// Changes `bytes` as one kind of damage picked by `rng`.
fn damage(bytes: &mut [u8], rng: &mut Rng) -> &'static str {
    let pages = bytes.len() / PAGE;
    let page = rng.below(pages as u64) as usize;
    match rng.below(4) {
        0 => {
            for _ in 0..1 + rng.below(8) {
                let at = page * PAGE + rng.below(PAGE as u64) as usize;
                bytes[at] = rng.next_u64() as u8;
            }
            "bytes changed"
        }
        1 => {
            let start = page * PAGE + if page == 0 { 100 } else { 0 };
            bytes[start..(page + 1) * PAGE].fill(0);
            "page zeroed"
        }
        2 => {
            let other = rng.below(pages as u64) as usize;
            let copy = bytes[other * PAGE..(other + 1) * PAGE].to_vec();
            let start = page * PAGE + if page == 0 { 100 } else { 0 };
            bytes[start..(page + 1) * PAGE].copy_from_slice(&copy[start - page * PAGE..]);
            "page copied over another"
        }
        _ => {
            // A cell pointer or header field of a B-tree page.
            let header = page * PAGE + if page == 0 { 100 } else { 0 };
            let at = header + rng.below(16) as usize;
            bytes[at] = rng.next_u64() as u8;
            "page header changed"
        }
    }
}

/// Whether `e` reads as what a damaged file gives: SQLite's codes for
/// damage, or a name the damaged schema no longer has.
fn reads_as_damage(e: &Error) -> bool {
    match e {
        Error::Corrupt { .. } | Error::NotADatabase(_) => true,
        Error::Named(..) => true,
        // A damaged schema can change what a statement reads: SQLite
        // gives the same errors then.
        Error::Sql(m) => {
            m.contains("no such")
                || m.contains("not supported")
                || m.contains("datatype mismatch")
                || m.contains("has no column")
        }
        Error::Unique(_) | Error::NotNull(_) | Error::Constraint(_) => true,
        _ => false,
    }
}

#[test]
fn damaged_files_give_errors_that_say_so() {
    let cases: u64 = std::env::var("BOUNDLITE_DAMAGED_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(150);
    let first = seed(0xda_4a);
    let pristine = pristine();
    let mut tally: BTreeMap<String, usize> = BTreeMap::new();
    let mut wrong = Vec::new();
    for case in 0..cases {
        let mut rng = Rng::new(first + case);
        let mut bytes = pristine.clone();
        let kind = damage(&mut bytes, &mut rng);
        let disk = MemoryPlatform::new();
        disk.write_file("d.db", &bytes).unwrap();
        let db = match Database::open(&disk, "d.db", &Config::DEFAULT, Global) {
            Ok(db) => db,
            Err(e) => {
                *tally.entry(format!("open: code {}", e.code())).or_default() += 1;
                if !reads_as_damage(&e) {
                    wrong.push(format!("seed {} ({kind}): open: {e:?}", first + case));
                }
                continue;
            }
        };
        let conn = db.connect();
        for sql in STATEMENTS {
            let outcome = conn.prepare(sql).and_then(|mut stmt| {
                while stmt.step()?.is_some() {}
                Ok(())
            });
            match outcome {
                Ok(()) => *tally.entry("ok".into()).or_default() += 1,
                Err(e) => {
                    *tally
                        .entry(if e.code() == 1 {
                            format!("{e}")
                        } else {
                            format!("code {}", e.code())
                        })
                        .or_default() += 1;
                    if !reads_as_damage(&e) {
                        wrong.push(format!("seed {} ({kind}): {sql}: {e:?}", first + case));
                    }
                }
            }
        }
    }
    println!("{cases} damaged files: {tally:?}");
    assert!(
        wrong.is_empty(),
        "{} errors that do not say the file is damaged:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
