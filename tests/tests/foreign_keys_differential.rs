//! Random foreign key workloads checked against SQLite with `PRAGMA
//! foreign_keys = ON` on both: random parent/child/grandchild schemas
//! (a rowid key, a `UNIQUE` key, a self-referencing table, a composite
//! key; random `ON DELETE`/`ON UPDATE` actions, immediate or deferred
//! keys, columns of several affinities, child indexes or none) and
//! random `INSERT`, `UPDATE`,
//! `DELETE`, `DROP TABLE`, `BEGIN`, `COMMIT`, `ROLLBACK` and `PRAGMA
//! defer_foreign_keys` sequences. Each statement must succeed on both or
//! fail on both; the tables and `PRAGMA foreign_key_check` must agree
//! after every few statements and at the end.
//!
//! The same workloads run on a database in MVCC mode (`PRAGMA
//! journal_mode = mvcc`, every `BEGIN` a snapshot-isolation
//! transaction), with checkpoints between; there `DROP TABLE` runs only
//! outside a transaction, and the file left after the mode must pass
//! SQLite's integrity check and hold SQLite's rows.
//!
//! `BOUNDLITE_FK_ROUNDS` sets the number of schemas (12 by default, 300
//! statements each); `BOUNDLITE_SEED` the first seed.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::Global;
use boundlite::platform::{MemoryPlatform, Platform};
use boundlite::{Config, Database};
use boundlite_std::StdPlatform;
use boundlite_tests::compare::{assert_sqlite_integrity_ok, ours, theirs};
use boundlite_tests::rng::{Rng, seed};

const VALUES: [&str; 9] = ["1", "2", "3", "4", "NULL", "'1'", "1.0", "'x'", "5"];
const TYPES: [&str; 4] = ["", "INTEGER", "TEXT", "NUMERIC"];
const ACTIONS: [&str; 6] = [
    "",
    " ON DELETE CASCADE",
    " ON DELETE SET NULL",
    " ON DELETE RESTRICT",
    " ON DELETE SET DEFAULT",
    " ON DELETE NO ACTION",
];
const UPDATES: [&str; 5] = [
    "",
    " ON UPDATE CASCADE",
    " ON UPDATE SET NULL",
    " ON UPDATE RESTRICT",
    " ON UPDATE SET DEFAULT",
];
const TABLES: [&str; 6] = ["p", "c", "g", "s", "q", "r"];

fn pick<'a>(rng: &mut Rng, items: &[&'a str]) -> &'a str {
    items[rng.below(items.len() as u64) as usize]
}

fn key(rng: &mut Rng) -> String {
    let deferred = match rng.below(3) {
        0 => " DEFERRABLE INITIALLY DEFERRED",
        _ => "",
    };
    format!("{}{}{deferred}", pick(rng, &ACTIONS), pick(rng, &UPDATES))
}

/// Child indexes the scans for child rows may seek (one with a
/// collation that keeps it from being sought).
const CHILD_INDEXES: [&str; 6] = [
    "CREATE INDEX ca ON c(a)",
    "CREATE INDEX cb ON c(b, id)",
    "CREATE INDEX gx ON g(x)",
    "CREATE INDEX sup ON s(up)",
    "CREATE INDEX rnm ON r(n, m, k)",
    "CREATE INDEX rm ON r(m COLLATE NOCASE, n)",
];

fn schema(rng: &mut Rng) -> Vec<String> {
    let t = |rng: &mut Rng| pick(rng, &TYPES).to_string();
    let mut sql = tables(rng, t);
    for index in CHILD_INDEXES {
        if rng.below(2) == 0 {
            sql.push(index.to_string());
        }
    }
    sql
}

fn tables(rng: &mut Rng, t: impl Fn(&mut Rng) -> String) -> Vec<String> {
    vec![
        format!(
            "CREATE TABLE p(id INTEGER PRIMARY KEY, u {} UNIQUE, v)",
            t(rng)
        ),
        format!(
            "CREATE TABLE c(id INTEGER PRIMARY KEY, a {} DEFAULT 1 REFERENCES p(id){}, b {} REFERENCES p(u){})",
            t(rng),
            key(rng),
            t(rng),
            key(rng)
        ),
        format!(
            "CREATE TABLE g(id INTEGER PRIMARY KEY, x {} REFERENCES c{})",
            t(rng),
            key(rng)
        ),
        format!(
            "CREATE TABLE s(id INTEGER PRIMARY KEY, up {} REFERENCES s(id){}, w)",
            t(rng),
            key(rng)
        ),
        format!("CREATE TABLE q(x {}, y, z, PRIMARY KEY(x, y))", t(rng)),
        format!(
            "CREATE TABLE r(k, m {}, n, FOREIGN KEY(m, n) REFERENCES q{})",
            t(rng),
            key(rng)
        ),
    ]
}

fn statement(rng: &mut Rng, in_txn: bool) -> String {
    let v = |rng: &mut Rng| pick(rng, &VALUES).to_string();
    match rng.below(20) {
        0 | 1 => format!("INSERT INTO p VALUES({}, {}, {})", v(rng), v(rng), v(rng)),
        2 | 3 => format!("INSERT INTO c(a, b) VALUES({}, {})", v(rng), v(rng)),
        4 => format!("INSERT INTO g(x) VALUES({}), ({})", v(rng), v(rng)),
        5 => format!("INSERT INTO s VALUES({}, {}, 0)", v(rng), v(rng)),
        6 => format!("INSERT INTO q VALUES({}, {}, 0)", v(rng), v(rng)),
        7 => format!("INSERT INTO r VALUES(0, {}, {})", v(rng), v(rng)),
        8 => format!("DELETE FROM p WHERE id = {}", v(rng)),
        9 => format!(
            "DELETE FROM {} WHERE rowid % 3 = {}",
            pick(rng, &TABLES),
            rng.below(3)
        ),
        10 => format!("UPDATE p SET id = {} WHERE id = {}", v(rng), v(rng)),
        11 => format!("UPDATE p SET u = {} WHERE u = {}", v(rng), v(rng)),
        12 => format!(
            "UPDATE c SET a = {}, b = {} WHERE id % 2 = {}",
            v(rng),
            v(rng),
            rng.below(2)
        ),
        13 => format!("UPDATE s SET up = {} WHERE id = {}", v(rng), v(rng)),
        14 => format!("UPDATE q SET x = {} WHERE y = {}", v(rng), v(rng)),
        15 => format!(
            "INSERT INTO p SELECT id + 10, u, v FROM p WHERE id < {}",
            v(rng)
        ),
        16 => match rng.below(4) {
            0 => format!("UPDATE s SET w = w + 1 WHERE id = {}", v(rng)),
            1 => format!("UPDATE s SET id = {} WHERE id = {}", v(rng), v(rng)),
            2 => format!("UPDATE c SET id = id + 10 WHERE id = {}", v(rng)),
            _ => format!("DELETE FROM s WHERE id = {}", v(rng)),
        },
        17 if rng.below(12) == 0 => format!("DROP TABLE {}", pick(rng, &TABLES)),
        _ => match (in_txn, rng.below(4)) {
            (false, _) => "BEGIN".to_string(),
            (true, 0) => "ROLLBACK".to_string(),
            (true, 1) => "PRAGMA defer_foreign_keys = ON".to_string(),
            (true, _) => "COMMIT".to_string(),
        },
    }
}

fn compare_contents<P: Platform>(
    mine: &boundlite::Connection<'_, P, Global>,
    oracle: &rusqlite::Connection,
    context: &str,
) {
    for table in TABLES {
        for sql in [
            format!("SELECT rowid, * FROM {table} ORDER BY rowid"),
            format!("PRAGMA foreign_key_check({table})"),
        ] {
            match (ours(mine, &sql), theirs(oracle, &sql)) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{context}: {sql}"),
                // A dropped table.
                (Err(_), Err(_)) => {}
                (a, b) => panic!("{context}: {sql}: {a:?} / {b:?}"),
            }
        }
    }
}

/// Where a round's database lives.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// WAL mode, in memory.
    Wal,
    /// MVCC mode, in a file SQLite checks at the end.
    Mvcc,
}

#[test]
fn random_foreign_key_workloads_match_sqlite() {
    workloads(Mode::Wal, seed(0xf0e1));
}

#[test]
fn random_foreign_key_workloads_in_mvcc_mode_match_sqlite() {
    workloads(Mode::Mvcc, seed(0xf0e2));
}

fn workloads(mode: Mode, first: u64) {
    let rounds: u64 = std::env::var("BOUNDLITE_FK_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(12);
    let (mut agreed_ok, mut agreed_err, mut refused) = (0u64, 0u64, 0u64);
    for round in 0..rounds {
        let s = first.wrapping_add(round);
        let dir = tempfile::tempdir().unwrap();
        let (ok, err, apart) = match mode {
            Mode::Wal => {
                let disk = MemoryPlatform::new();
                let db = Database::open(&disk, "fk.db", &Config::DEFAULT, Global).unwrap();
                one_round(&db, mode, s)
            }
            Mode::Mvcc => {
                let disk = StdPlatform::in_dir(dir.path());
                let db = Database::open(&disk, "fk.db", &Config::DEFAULT, Global).unwrap();
                one_round(&db, mode, s)
            }
        };
        agreed_ok += ok;
        agreed_err += err;
        refused += u64::from(apart);
        if mode == Mode::Mvcc {
            let sqlite = rusqlite::Connection::open(dir.path().join("fk.db")).unwrap();
            assert_sqlite_integrity_ok(&sqlite);
        }
    }
    eprintln!(
        "foreign key statements: {agreed_ok} succeeded on both, {agreed_err} failed on both, {refused} refused"
    );
    assert!(agreed_ok > rounds * 100);
    assert!(refused * 20 < rounds, "{refused} rounds ended by a refusal");
}

/// One schema and its statements on `db` and on SQLite: the statements
/// that succeeded on both, failed on both, and whether a refusal ended
/// the round.
fn one_round<P: Platform>(db: &Database<P, Global>, mode: Mode, s: u64) -> (u64, u64, bool) {
    let (mut agreed_ok, mut agreed_err) = (0u64, 0u64);
    let mut rng = Rng::new(s);
    let mine = db.connect();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    mine.execute("PRAGMA foreign_keys = ON", &[]).unwrap();
    oracle.execute_batch("PRAGMA foreign_keys = ON").unwrap();
    let mut log = Vec::new();
    for sql in schema(&mut rng) {
        mine.execute(&sql, &[]).unwrap();
        oracle.execute_batch(&sql).unwrap();
        log.push(sql);
    }
    if mode == Mode::Mvcc {
        mine.execute("PRAGMA journal_mode = mvcc", &[]).unwrap();
    }
    for step in 0..300 {
        let sql = statement(&mut rng, mine.in_transaction());
        if mode == Mode::Mvcc && sql.starts_with("DROP") && mine.in_transaction() {
            // A schema change inside a transaction is refused in the mode.
            continue;
        }
        if mode == Mode::Mvcc && rng.below(20) == 0 {
            mine.execute("PRAGMA wal_checkpoint(TRUNCATE)", &[])
                .unwrap();
        }
        log.push(sql.clone());
        let a = mine.execute(&sql, &[]);
        let b = oracle.execute_batch(&sql);
        let context = format!("seed {s} step {step}");
        match (&a, &b) {
            // A refusal leaves the two databases apart: the round ends.
            (Err(e), _) if e.to_string().contains("not supported") => {
                return (agreed_ok, agreed_err, true);
            }
            (Ok(_), Ok(())) => agreed_ok += 1,
            (Err(_), Err(_)) => agreed_err += 1,
            _ => {
                panic!("{context}: {sql}\n  boundlite: {a:?}\n  sqlite: {b:?}\n  log: {log:#?}")
            }
        }
        assert_eq!(
            mine.in_transaction(),
            !oracle.is_autocommit(),
            "{context}: {sql}"
        );
        if step % 10 == 9 {
            compare_contents(&mine, &oracle, &format!("{context}\n log: {log:#?}"));
        }
    }
    compare_contents(&mine, &oracle, &format!("seed {s} end"));
    if mode == Mode::Mvcc {
        if mine.in_transaction() {
            mine.execute("ROLLBACK", &[]).unwrap();
            oracle.execute_batch("ROLLBACK").unwrap();
        }
        assert!(db.integrity_check(0).unwrap().is_ok(), "seed {s}");
        mine.execute("PRAGMA journal_mode = wal", &[]).unwrap();
        compare_contents(&mine, &oracle, &format!("seed {s} after the mode"));
    }
    (agreed_ok, agreed_err, false)
}
