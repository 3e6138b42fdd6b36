//! Conflicts resolved by `REPLACE` on tables that take part in foreign
//! keys, with `PRAGMA foreign_keys = ON`, against SQLite: the row a
//! `REPLACE` deletes counts as deleted for the keys (its checks, then
//! its `ON DELETE` actions). Random parent/child/self-referencing schemas
//! (random actions, deferred keys, `ON CONFLICT REPLACE` constraints or
//! none) run random `INSERT OR REPLACE`, `REPLACE`, `UPDATE OR REPLACE`,
//! upserts (whose `DO UPDATE` is an `UPDATE` for the keys), plain
//! `INSERT`/`UPDATE`/`DELETE` and transaction statements; every
//! statement must succeed on both or fail on both with SQLite's message,
//! and every table and `PRAGMA foreign_key_check` must agree after each.
//! Then allocation failure sweeps over a `REPLACE` that cascades and an
//! upsert whose `DO UPDATE` sets off actions.
//!
//! `BOUNDLITE_FK_ROUNDS` sets the number of schemas (16 by default, 300
//! statements each); `BOUNDLITE_SEED` the first seed.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::{Arena, FaultAlloc, Global};
use boundlite::platform::MemoryPlatform;
use boundlite::{Config, Database};
use boundlite_tests::compare::{Rows, ours, theirs};
use boundlite_tests::rng::{Rng, seed};
use boundlite_tests::sweep::sweep_change;

const VALUES: [&str; 8] = ["1", "2", "3", "4", "NULL", "'1'", "'x'", "5"];
const TYPES: [&str; 3] = ["", "INTEGER", "TEXT"];
const DELETES: [&str; 5] = [
    "",
    " ON DELETE CASCADE",
    " ON DELETE SET NULL",
    " ON DELETE RESTRICT",
    " ON DELETE SET DEFAULT",
];
const UPDATES: [&str; 4] = [
    "",
    " ON UPDATE CASCADE",
    " ON UPDATE SET NULL",
    " ON UPDATE RESTRICT",
];
const TABLES: [&str; 4] = ["p", "c", "g", "s"];
const CONFLICTS: [&str; 3] = ["", " ON CONFLICT REPLACE", " ON CONFLICT ABORT"];

fn pick<'a>(rng: &mut Rng, items: &[&'a str]) -> &'a str {
    items[rng.below(items.len() as u64) as usize]
}

fn key(rng: &mut Rng) -> String {
    let deferred = match rng.below(3) {
        0 => " DEFERRABLE INITIALLY DEFERRED",
        _ => "",
    };
    format!("{}{}{deferred}", pick(rng, &DELETES), pick(rng, &UPDATES))
}

/// A parent `p` (rowid and `UNIQUE` keys), its child `c` (which has a
/// `UNIQUE` column of its own), `c`'s child `g`, and `s`, which refers to
/// itself.
fn schema(rng: &mut Rng) -> Vec<String> {
    let t = |rng: &mut Rng| pick(rng, &TYPES).to_string();
    let mut sql = vec![
        format!(
            "CREATE TABLE p(id INTEGER PRIMARY KEY{}, u {} UNIQUE{}, v)",
            pick(rng, &CONFLICTS),
            t(rng),
            pick(rng, &CONFLICTS)
        ),
        format!(
            "CREATE TABLE c(id INTEGER PRIMARY KEY, a {} DEFAULT 1 REFERENCES p(id){}, b {} REFERENCES p(u){}, k UNIQUE{})",
            t(rng),
            key(rng),
            t(rng),
            key(rng),
            pick(rng, &CONFLICTS)
        ),
        format!(
            "CREATE TABLE g(id INTEGER PRIMARY KEY, x {} REFERENCES c{})",
            t(rng),
            key(rng)
        ),
        format!(
            "CREATE TABLE s(id INTEGER PRIMARY KEY, up {} REFERENCES s(id){}, w UNIQUE)",
            t(rng),
            key(rng)
        ),
    ];
    for index in ["CREATE INDEX ca ON c(a)", "CREATE INDEX gx ON g(x)"] {
        if rng.below(2) == 0 {
            sql.push(index.to_string());
        }
    }
    sql
}

/// An upsert: on `p` and `c` only where their keys declare no `ON
/// CONFLICT` (an upsert there is refused).
fn upsert(rng: &mut Rng, on_p: bool, on_c: bool) -> String {
    let v = |rng: &mut Rng| pick(rng, &VALUES).to_string();
    let variant = match rng.below(if on_p { 8 } else { 5 }) {
        0 | 1 if !on_c => 2,
        n => n,
    };
    match variant {
        0 => format!(
            "INSERT INTO c VALUES({}, {}, {}, {}) ON CONFLICT(k) DO UPDATE SET a = excluded.a, b = excluded.b",
            v(rng),
            v(rng),
            v(rng),
            v(rng)
        ),
        1 => format!(
            "INSERT INTO c VALUES({}, {}, {}, {}), ({}, {}, {}, {}) ON CONFLICT(id) DO UPDATE SET id = excluded.k ON CONFLICT DO NOTHING",
            v(rng),
            v(rng),
            v(rng),
            v(rng),
            v(rng),
            v(rng),
            v(rng),
            v(rng)
        ),
        2 => format!(
            "INSERT INTO s VALUES({}, {}, {}) ON CONFLICT(id) DO UPDATE SET up = excluded.up",
            v(rng),
            v(rng),
            v(rng)
        ),
        3 => format!(
            "INSERT INTO s VALUES({}, {}, {}) ON CONFLICT(w) DO UPDATE SET w = excluded.id ON CONFLICT DO NOTHING",
            v(rng),
            v(rng),
            v(rng)
        ),
        4 => format!(
            "INSERT INTO g SELECT {}, x FROM g WHERE true ON CONFLICT(id) DO UPDATE SET x = excluded.x + {}",
            v(rng),
            rng.below(3)
        ),
        5 => format!(
            "INSERT INTO p VALUES({}, {}, {}) ON CONFLICT(id) DO UPDATE SET id = excluded.v",
            v(rng),
            v(rng),
            v(rng)
        ),
        6 => format!(
            "INSERT INTO p VALUES({}, {}, {}) ON CONFLICT(u) DO UPDATE SET u = excluded.v, v = v + 1",
            v(rng),
            v(rng),
            v(rng)
        ),
        _ => format!(
            "INSERT INTO p VALUES({}, {}, {}), ({}, {}, {}) ON CONFLICT DO NOTHING",
            v(rng),
            v(rng),
            v(rng),
            v(rng),
            v(rng),
            v(rng)
        ),
    }
}

fn statement(rng: &mut Rng, in_txn: bool, (on_p, on_c): (bool, bool)) -> String {
    if rng.below(5) == 0 {
        return upsert(rng, on_p, on_c);
    }
    let v = |rng: &mut Rng| pick(rng, &VALUES).to_string();
    let or = |rng: &mut Rng| match rng.below(4) {
        0 => "REPLACE",
        1 => "INSERT",
        _ => "INSERT OR REPLACE",
    };
    match rng.below(22) {
        0..=2 => format!(
            "{} INTO p VALUES({}, {}, {})",
            or(rng),
            v(rng),
            v(rng),
            v(rng)
        ),
        3 => format!("{} INTO p(u, v) VALUES({}, {})", or(rng), v(rng), v(rng)),
        4 | 5 => format!(
            "{} INTO c VALUES({}, {}, {}, {})",
            or(rng),
            v(rng),
            v(rng),
            v(rng),
            v(rng)
        ),
        6 => format!("{} INTO c(a, b) VALUES({}, {})", or(rng), v(rng), v(rng)),
        7 => format!("{} INTO g(x) VALUES({}), ({})", or(rng), v(rng), v(rng)),
        8 | 9 => format!(
            "{} INTO s VALUES({}, {}, {})",
            or(rng),
            v(rng),
            v(rng),
            v(rng)
        ),
        10 => format!(
            "{} INTO p SELECT id + {}, u, v FROM p WHERE id < {}",
            or(rng),
            rng.below(3),
            v(rng)
        ),
        11 => format!(
            "UPDATE OR REPLACE p SET u = {} WHERE id = {}",
            v(rng),
            v(rng)
        ),
        12 => format!(
            "UPDATE OR REPLACE p SET id = {} WHERE id = {}",
            v(rng),
            v(rng)
        ),
        13 => format!(
            "UPDATE OR REPLACE c SET k = {}, a = {} WHERE id = {}",
            v(rng),
            v(rng),
            v(rng)
        ),
        14 => format!(
            "UPDATE OR REPLACE s SET {} = {} WHERE id = {}",
            pick(rng, &["id", "w", "up"]),
            v(rng),
            v(rng)
        ),
        15 => format!("UPDATE p SET id = {} WHERE id = {}", v(rng), v(rng)),
        16 => format!("DELETE FROM p WHERE id = {}", v(rng)),
        17 => format!(
            "DELETE FROM {} WHERE rowid % 3 = {}",
            pick(rng, &TABLES),
            rng.below(3)
        ),
        _ => match (in_txn, rng.below(4)) {
            (false, _) => "BEGIN".to_string(),
            (true, 0) => "ROLLBACK".to_string(),
            (true, 1) => "PRAGMA defer_foreign_keys = ON".to_string(),
            (true, _) => "COMMIT".to_string(),
        },
    }
}

/// SQLite's message for `e`.
fn message(e: &rusqlite::Error) -> String {
    match e {
        rusqlite::Error::SqliteFailure(_, Some(m)) => m.clone(),
        other => other.to_string(),
    }
}

fn contents(rows: impl Fn(&str) -> Rows) -> Rows {
    let mut all = Vec::new();
    for table in TABLES {
        all.extend(rows(&format!(
            "SELECT rowid, * FROM {table} ORDER BY rowid"
        )));
        all.extend(rows(&format!("PRAGMA foreign_key_check({table})")));
    }
    all
}

#[test]
fn replace_on_tables_with_foreign_keys_matches_sqlite() {
    let rounds: u64 = std::env::var("BOUNDLITE_FK_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(16);
    let first = seed(0x4e91);
    let (mut agreed_ok, mut agreed_err, mut refused) = (0u64, 0u64, 0u64);
    for round in 0..rounds {
        let s = first.wrapping_add(round);
        let mut rng = Rng::new(s);
        let disk = MemoryPlatform::new();
        let db = Database::open(&disk, "fk.db", &Config::DEFAULT, Global).unwrap();
        let mine = db.connect();
        let oracle = rusqlite::Connection::open_in_memory().unwrap();
        mine.execute("PRAGMA foreign_keys = ON", &[]).unwrap();
        oracle.execute_batch("PRAGMA foreign_keys = ON").unwrap();
        let mut log = Vec::new();
        let schema = schema(&mut rng);
        let upserts = (
            !schema[0].contains("ON CONFLICT"),
            !schema[1].contains("ON CONFLICT"),
        );
        for sql in schema {
            mine.execute(&sql, &[]).unwrap();
            oracle.execute_batch(&sql).unwrap();
            log.push(sql);
        }
        for step in 0..300 {
            let sql = statement(&mut rng, mine.in_transaction(), upserts);
            log.push(sql.clone());
            let a = mine.execute(&sql, &[]);
            let b = oracle.execute(&sql, []);
            let context = format!("seed {s} step {step}: {sql}\n  log: {log:#?}");
            match (&a, &b) {
                // A refusal leaves the two databases apart: the round ends.
                (Err(e), _) if e.to_string().contains("not supported") => {
                    eprintln!("seed {s} step {step}: {sql}: {e}");
                    refused += 1;
                    break;
                }
                (Ok(x), Ok(y)) => {
                    if !sql.starts_with(['B', 'C', 'R', 'P']) || sql.starts_with("REPLACE") {
                        assert_eq!(*x, *y, "{context}: rows changed");
                    }
                    agreed_ok += 1;
                }
                (Err(e), Err(f)) => {
                    let theirs = message(f);
                    assert!(
                        e.to_string().contains(&theirs),
                        "{context}\n  boundlite: {e}\n  sqlite: {theirs}"
                    );
                    agreed_err += 1;
                }
                _ => panic!("{context}\n  boundlite: {a:?}\n  sqlite: {b:?}"),
            }
            assert_eq!(mine.in_transaction(), !oracle.is_autocommit(), "{context}");
            assert_eq!(
                contents(|q| ours(&mine, q).unwrap()),
                contents(|q| theirs(&oracle, q).unwrap()),
                "{context}"
            );
        }
        assert!(db.integrity_check(0).unwrap().is_ok(), "seed {s}");
    }
    eprintln!(
        "REPLACE with foreign keys: {agreed_ok} statements succeeded on both, {agreed_err} failed on both alike, {refused} refused"
    );
    assert!(agreed_ok > rounds * 150);
    assert!(refused * 4 < rounds, "{refused} rounds ended by a refusal");
}

const SWEPT: &str = "PRAGMA foreign_keys = ON;
CREATE TABLE p(id INTEGER PRIMARY KEY, u UNIQUE, v);
CREATE TABLE c(id INTEGER PRIMARY KEY, a REFERENCES p ON DELETE CASCADE ON UPDATE CASCADE, b REFERENCES p(u) ON DELETE SET NULL ON UPDATE SET DEFAULT);
CREATE TABLE g(id INTEGER PRIMARY KEY, x REFERENCES c ON DELETE SET DEFAULT DEFERRABLE INITIALLY DEFERRED);
INSERT INTO p VALUES (1, 'a', 0), (2, 'b', 0), (3, 'c', 0);
INSERT INTO c VALUES (10, 1, 'b'), (11, 2, 'a'), (12, 1, NULL);
INSERT INTO g VALUES (20, 10), (21, 12);
CREATE TABLE s(id INTEGER PRIMARY KEY)";

#[test]
fn a_replace_that_cascades_survives_every_allocation_failure() {
    let disk = MemoryPlatform::new();
    let mut buffer = vec![0u8; 512 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    let db = Database::open(&disk, "oom.db", &Config::DEFAULT, &fault).unwrap();
    let conn = db.connect();
    for sql in SWEPT.split(";\n") {
        conn.execute(sql, &[]).unwrap();
    }
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    oracle.execute_batch(SWEPT).unwrap();
    let rows = || contents(|q| ours(&conn, q).unwrap());
    for sql in [
        // Deletes rows 1 and 2 of `p`: `c`'s rows cascade away or lose
        // their `b`, `g`'s take their default (a deferred violation).
        "INSERT OR REPLACE INTO p VALUES (1, 'b', 9)",
        "UPDATE OR REPLACE p SET u = 'c' WHERE id = 1",
        "REPLACE INTO p SELECT id, u, v + 1 FROM p WHERE true",
        // Changes a parent key: `c`'s rows follow by their actions.
        "INSERT INTO p VALUES (3, 'q', 0) ON CONFLICT(id) DO UPDATE SET id = 7, u = 'w'",
    ] {
        let report = sweep_change(&fault, &conn, sql, rows);
        assert_eq!(report.value, oracle.execute(sql, []).unwrap(), "{sql}");
        assert_eq!(rows(), contents(|q| theirs(&oracle, q).unwrap()), "{sql}");
        assert!(report.failure_points > 3, "{sql}");
        assert!(db.integrity_check(0).unwrap().is_ok(), "{sql}");
    }
    // The connection goes on: the deferred violation fails a commit.
    conn.execute("BEGIN", &[]).unwrap();
    conn.execute("INSERT OR REPLACE INTO p VALUES (3, 'z', 0)", &[])
        .unwrap();
    conn.execute("COMMIT", &[]).unwrap();
    assert!(db.integrity_check(0).unwrap().is_ok());
    drop(conn);
    drop(db);
    assert_eq!(arena.stats().live_allocations, 0, "the database leaked");
}
