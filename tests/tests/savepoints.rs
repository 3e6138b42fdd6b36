//! `SAVEPOINT`, `RELEASE` and `ROLLBACK TO` against SQLite: random
//! scripts of savepoints and transactions over changes, schema changes
//! and failing statements, compared statement by statement (result or
//! message, change counts, whether a transaction is open) and table by
//! table; a savepoint over a transaction far larger than the page cache
//! rolled back; a failed schema statement inside `BEGIN` undone alone;
//! every allocation failure over savepoints leaving the database sound.
//! The scripts and the sweep run again on a database in MVCC mode, where
//! savepoints are marks in the transaction's writes in the store and a
//! schema change inside a transaction is refused (those statements are
//! left out of its scripts).
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::{Arena, FaultAlloc, Global, oom_sweep};
use boundlite::platform::{MemoryPlatform, Platform};
use boundlite::{Config, Connection, Database, Error};
use boundlite_tests::compare::{Exact, Owned, assert_sqlite_integrity_ok};
use boundlite_tests::rng::{Rng, seed};

/// SQLite's message for `e`.
fn message(e: &rusqlite::Error) -> String {
    let m = match e {
        rusqlite::Error::SqliteFailure(_, Some(m)) => m.clone(),
        other => other.to_string(),
    };
    m.split(" in ").next().unwrap().to_string()
}

/// Every table's rows and the schema, as one engine has them.
const STATE: &[&str] = &[
    // MVCC mode's table for its checkpoint boundary aside.
    "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name <> 'sqlite_mvcc' ORDER BY name",
    "SELECT name, seq FROM sqlite_sequence ORDER BY name",
];

/// The tables the scripts use; each may or may not exist at a point.
const TABLES: &[&str] = &["t1", "t2", "t3"];

fn state_ours<P: Platform, A: boundlite::alloc::Allocator + Clone>(
    conn: &Connection<'_, P, A>,
) -> Vec<Result<Vec<Vec<Exact>>, ()>> {
    let mut all: Vec<_> = STATE
        .iter()
        .map(|q| Exact::ours(conn, q).map_err(drop))
        .collect();
    for t in TABLES {
        all.push(Exact::ours(conn, &format!("SELECT * FROM {t} ORDER BY rowid")).map_err(drop));
    }
    all
}

fn state_theirs(conn: &rusqlite::Connection) -> Vec<Result<Vec<Vec<Exact>>, ()>> {
    let mut all: Vec<_> = STATE
        .iter()
        .map(|q| Exact::theirs(conn, q).map_err(drop))
        .collect();
    for t in TABLES {
        all.push(Exact::theirs(conn, &format!("SELECT * FROM {t} ORDER BY rowid")).map_err(drop));
    }
    all
}

/// Asserts two states agree, naming the first part that differs.
fn same_state(
    ours: Vec<Result<Vec<Vec<Exact>>, ()>>,
    theirs: Vec<Result<Vec<Vec<Exact>>, ()>>,
    context: &str,
) {
    let show = |part: &Result<Vec<Vec<Exact>>, ()>| match part {
        Ok(rows) => rows
            .iter()
            .map(|r| {
                r.iter()
                    .map(|v| match v {
                        Exact::Text(t) => String::from_utf8_lossy(t).into_owned(),
                        other => format!("{other:?}"),
                    })
                    .collect::<Vec<_>>()
                    .join(" | ")
            })
            .collect::<Vec<_>>()
            .join("\n"),
        Err(()) => "(error)".into(),
    };
    for (i, (a, b)) in ours.iter().zip(&theirs).enumerate() {
        assert!(
            a == b,
            "{context}: part {i} differs\nboundlite:\n{}\nsqlite:\n{}",
            show(a),
            show(b)
        );
    }
}

/// One random statement of a script.
fn statement(rng: &mut Rng) -> String {
    const NAMES: &[&str] = &["a", "b", "A", "\"b\"", "c"];
    let name = NAMES[rng.below(NAMES.len() as u64) as usize];
    let t = TABLES[rng.below(TABLES.len() as u64) as usize];
    let k = rng.below(40) as i64;
    let v = rng.below(7) as i64 - 1;
    match rng.below(36) {
        0..=2 | 30..=32 => format!("SAVEPOINT {name}"),
        3 => format!("RELEASE {name}"),
        4 => format!("RELEASE SAVEPOINT {name}"),
        5..=6 | 33..=35 => format!("ROLLBACK TO {name}"),
        7 => format!("ROLLBACK TRANSACTION TO SAVEPOINT {name}"),
        8 => "BEGIN".into(),
        9 => ["COMMIT", "END", "ROLLBACK"][rng.below(3) as usize].into(),
        10..=13 => {
            let b = match rng.below(8) {
                0 => "NULL".to_string(),
                n => format!("'{}'", "x".repeat(n as usize * 40)),
            };
            format!("INSERT INTO {t}(a, b, c) VALUES ({k}, {b}, {v})")
        }
        14 => format!(
            "INSERT INTO {t}(a, b, c) SELECT a + {k}, b, c FROM {t} WHERE a % 3 = {}",
            k % 3
        ),
        15 => format!(
            "INSERT OR REPLACE INTO {t}(a, b, c) VALUES ({k}, hex(zeroblob({})), {v})",
            k * 30
        ),
        16..=17 => format!("UPDATE {t} SET c = c + {v} WHERE a % 4 = {}", k % 4),
        18 => format!("UPDATE {t} SET a = a + 1 WHERE a > {k}"),
        19..=20 => format!("DELETE FROM {t} WHERE a % 5 = {}", k % 5),
        21..=22 => format!(
            "CREATE TABLE {t}(id INTEGER PRIMARY KEY AUTOINCREMENT, a INT UNIQUE, b TEXT NOT NULL, c INT CHECK (c >= 0))"
        ),
        23 => format!(
            "CREATE TABLE {t} AS SELECT a, b, c FROM t{} WHERE c > 0",
            1 + k % 3
        ),
        24 => format!("CREATE INDEX {t}_b ON {t}(b)"),
        25 => format!("CREATE UNIQUE INDEX {t}_c ON {t}(c)"),
        26 if rng.below(3) == 0 => format!("DROP TABLE {t}"),
        26 => format!("DROP INDEX {t}_c"),
        27 => format!("DROP INDEX {t}_b"),
        28 => format!("ALTER TABLE {t} ADD COLUMN d DEFAULT {k}"),
        _ => "SELECT changes(), last_insert_rowid(), total_changes()".into(),
    }
}

/// Runs `sql` on both engines and checks they agree: rows or SQLite's
/// message, the change counts and whether a transaction is open.
fn compare<P: Platform, A: boundlite::alloc::Allocator + Clone>(
    mine: &Connection<'_, P, A>,
    oracle: &rusqlite::Connection,
    sql: &str,
    context: &str,
) -> bool {
    let a = Exact::ours(mine, sql);
    let b = Exact::theirs(oracle, sql);
    let ran = a.is_ok();
    match (a, b) {
        (Ok(x), Ok(y)) => assert_eq!(x, y, "{context}: rows differ for {sql}"),
        (Err(e), Err(f)) => assert!(
            e.to_string().ends_with(&message(&f)),
            "{context}: {sql}\n  boundlite: {e}\n  sqlite:    {}",
            message(&f)
        ),
        (a, b) => panic!("{context}: {sql}\n  boundlite: {a:?}\n  sqlite:    {b:?}"),
    }
    let counts = "SELECT changes(), last_insert_rowid(), total_changes()";
    assert_eq!(
        Exact::ours(mine, counts).unwrap(),
        Exact::theirs(oracle, counts).unwrap(),
        "{context}: counts after {sql}"
    );
    assert_eq!(
        mine.in_transaction(),
        !oracle.is_autocommit(),
        "{context}: transaction after {sql}"
    );
    ran
}

/// What a script ran, counted to show it tested what it is meant to.
#[derive(Debug, Default)]
struct Tally {
    /// `ROLLBACK TO` that undid something (the state changed).
    rolled_back: usize,
    /// Schema statements that failed inside a transaction.
    failed_schema: usize,
    /// Statements that failed inside a transaction.
    failed: usize,
}

/// Runs script `seed` of `len` statements on `mine` and SQLite (in
/// memory), comparing as it goes; ends with `COMMIT` when a transaction
/// is open.
fn run_script<P: Platform, A: boundlite::alloc::Allocator + Clone>(
    mine: &Connection<'_, P, A>,
    seed: u64,
    len: usize,
    tally: &mut Tally,
) -> rusqlite::Connection {
    run_script_in(mine, Mode::Wal, seed, len, tally)
}

/// The journal mode a script runs in.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Wal,
    /// MVCC mode, entered after the tables are made.
    Mvcc,
}

fn run_script_in<P: Platform, A: boundlite::alloc::Allocator + Clone>(
    mine: &Connection<'_, P, A>,
    mode: Mode,
    seed: u64,
    len: usize,
    tally: &mut Tally,
) -> rusqlite::Connection {
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    let mut rng = Rng::new(seed);
    for t in TABLES {
        let create = format!(
            "CREATE TABLE {t}(id INTEGER PRIMARY KEY AUTOINCREMENT, a INT UNIQUE, b TEXT NOT NULL, c INT CHECK (c >= 0))"
        );
        let fill = format!(
            "INSERT INTO {t}(a, b, c) VALUES (1, 'one', 1), (2, 'two', 2), (3, 'three', 3)"
        );
        for sql in [create, fill] {
            let _ = compare(mine, &oracle, &sql, &format!("seed {seed} setup"));
        }
    }
    if mode == Mode::Mvcc {
        mine.execute("PRAGMA journal_mode = mvcc", &[]).unwrap();
    }
    for i in 0..len {
        let sql = statement(&mut rng);
        let context = format!("seed {seed} statement {i}");
        let inside = mine.in_transaction();
        let schema = ["CREATE", "DROP", "ALTER"]
            .iter()
            .any(|w| sql.starts_with(w));
        if mode == Mode::Mvcc && inside && schema {
            continue;
        }
        let before = sql.starts_with("ROLLBACK T").then(|| state_theirs(&oracle));
        let ran = compare(mine, &oracle, &sql, &context);
        if ran && before.is_some_and(|b| b != state_theirs(&oracle)) {
            tally.rolled_back += 1;
        }
        if !ran && inside {
            tally.failed += 1;
            if schema {
                tally.failed_schema += 1;
            }
        }
        same_state(
            state_ours(mine),
            state_theirs(&oracle),
            &format!("{context}: after {sql}"),
        );
    }
    if mine.in_transaction() {
        let _ = compare(mine, &oracle, "COMMIT", &format!("seed {seed} end"));
    }
    same_state(
        state_ours(mine),
        state_theirs(&oracle),
        &format!("seed {seed}: at the end"),
    );
    oracle
}

#[test]
fn random_scripts_of_savepoints_match_sqlite() {
    let first = seed(1);
    let mut statements = 0;
    let mut tally = Tally::default();
    for s in first..first + 40 {
        let disk = MemoryPlatform::new();
        let config = Config {
            cache_frames: 16,
            ..Config::DEFAULT
        };
        let db = Database::open(&disk, "sp.db", &config, Global).unwrap();
        let conn = db.connect();
        run_script(&conn, s, 200, &mut tally);
        statements += 200;
        assert!(db.integrity_check(0).unwrap().is_ok(), "seed {s}");
    }
    assert_eq!(statements, 8000);
    println!("{tally:?}");
    assert!(tally.rolled_back > 200, "{tally:?}");
    assert!(tally.failed_schema > 100, "{tally:?}");
    assert!(tally.failed > 500, "{tally:?}");
}

#[test]
fn random_scripts_of_savepoints_in_mvcc_mode_match_sqlite_and_leave_a_file_sqlite_reads() {
    let first = seed(200);
    let mut tally = Tally::default();
    for s in first..first + 12 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sp.db");
        let oracle = {
            let db = boundlite_std::open(path.to_str().unwrap()).unwrap();
            let conn = db.connect();
            let oracle = run_script_in(&conn, Mode::Mvcc, s, 200, &mut tally);
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)", &[])
                .unwrap();
            assert!(db.integrity_check(0).unwrap().is_ok(), "seed {s}");
            conn.execute("PRAGMA journal_mode = wal", &[]).unwrap();
            oracle
        };
        let theirs = rusqlite::Connection::open(&path).unwrap();
        assert_sqlite_integrity_ok(&theirs);
        assert_eq!(state_theirs(&theirs), state_theirs(&oracle), "seed {s}");
    }
    println!("{tally:?}");
    assert!(tally.rolled_back > 50, "{tally:?}");
    assert!(tally.failed > 100, "{tally:?}");
}

#[test]
fn files_left_by_savepoint_scripts_pass_sqlites_integrity_check() {
    let first = seed(100);
    for s in first..first + 6 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sp.db");
        let oracle = {
            let db = boundlite_std::open(path.to_str().unwrap()).unwrap();
            let conn = db.connect();
            run_script(&conn, s, 300, &mut Tally::default())
        };
        let theirs = rusqlite::Connection::open(&path).unwrap();
        assert_sqlite_integrity_ok(&theirs);
        assert_eq!(state_theirs(&theirs), state_theirs(&oracle), "seed {s}");
    }
}

/// The rows of `t`, in rowid order.
fn rows<P: Platform, A: boundlite::alloc::Allocator + Clone>(
    conn: &Connection<'_, P, A>,
    sql: &str,
) -> Vec<Vec<Exact>> {
    Exact::ours(conn, sql).unwrap()
}

#[test]
fn a_savepoint_over_a_transaction_larger_than_the_cache_rolls_back() {
    let disk = MemoryPlatform::new();
    let config = Config {
        cache_frames: 8,
        ..Config::DEFAULT
    };
    let db = Database::open(&disk, "big.db", &config, Global).unwrap();
    let conn = db.connect();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    let both = |sql: &str| {
        conn.execute(sql, &[]).unwrap();
        oracle.execute_batch(sql).unwrap();
    };
    both("CREATE TABLE t(id INTEGER PRIMARY KEY, k INT, v BLOB)");
    both("CREATE INDEX t_k ON t(k)");
    both("INSERT INTO t(k, v) SELECT value % 97, zeroblob(300 + value % 700) FROM generate_series(1, 500)".replace("generate_series(1, 500)", "(WITH RECURSIVE s(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM s WHERE value < 500) SELECT value FROM s)").as_str());
    let all = "SELECT id, k, length(v), hex(substr(v, 1, 8)) FROM t ORDER BY id";
    let before = rows(&conn, all);
    both("BEGIN");
    both("UPDATE t SET k = k + 1 WHERE id % 2 = 0");
    let begun = rows(&conn, all);
    both("SAVEPOINT big");
    for round in 0..4 {
        both(&format!(
            "INSERT INTO t(k, v) SELECT value, randomblob(0) || zeroblob(200 + value % 1500) FROM (WITH RECURSIVE s(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM s WHERE value < 1000) SELECT value FROM s) WHERE value % 4 = {round}"
        ));
    }
    both("UPDATE t SET v = zeroblob(3000) WHERE id % 3 = 0");
    both("DELETE FROM t WHERE id % 5 = 0");
    both("CREATE TABLE u AS SELECT * FROM t WHERE id < 2000");
    both("CREATE INDEX u_k ON u(k, v)");
    both("DROP INDEX t_k");
    // Far more pages changed than the cache holds: they went to the log.
    let pages = rows(&conn, "PRAGMA page_count");
    assert!(
        matches!(pages[0][0], Exact::Int(n) if n > 1000),
        "{pages:?}"
    );
    assert!(db.pager().allocated_frames() <= Config::MIN_CACHE_FRAMES);
    both("ROLLBACK TO big");
    assert_eq!(rows(&conn, all), begun);
    assert!(matches!(
        conn.execute("SELECT * FROM u", &[]),
        Err(Error::Named(..))
    ));
    both("INSERT INTO t(k, v) VALUES (1000, x'01')");
    both("RELEASE big");
    both("COMMIT");
    assert_eq!(
        rows(&conn, all),
        Exact::theirs(&oracle, all).unwrap(),
        "after the commit"
    );
    assert_ne!(rows(&conn, all), before);
    assert!(db.integrity_check(0).unwrap().is_ok());
}

#[test]
fn a_failed_schema_statement_inside_begin_is_undone_alone() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "ddl.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    let script = [
        "CREATE TABLE t(a INT, b TEXT)",
        "INSERT INTO t VALUES (1, 'x'), (1, 'y'), (2, 'z')",
        "BEGIN",
        "INSERT INTO t VALUES (3, 'w')",
        "CREATE INDEX t_b ON t(b)",
        // Fails on the duplicate 1s after building part of the index.
        "CREATE UNIQUE INDEX t_a ON t(a)",
        "INSERT INTO t VALUES (4, 'v')",
        // Fails on the third row, after the table was made.
        "CREATE TABLE z AS SELECT a, abs(CASE WHEN a = 2 THEN -9223372036854775808 ELSE a END) FROM t",
        "SELECT * FROM z",
        "INSERT INTO t VALUES (5, 'u')",
        "COMMIT",
        "SELECT * FROM t ORDER BY rowid",
        "SELECT name FROM sqlite_schema ORDER BY name",
    ];
    for sql in script {
        let _ = compare(&conn, &oracle, sql, "failed schema statement");
    }
    same_state(
        state_ours(&conn),
        state_theirs(&oracle),
        "failed schema statement",
    );
    assert!(db.integrity_check(0).unwrap().is_ok());
}

#[test]
fn savepoint_errors_and_names_match_sqlite() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "names.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    let script = [
        "RELEASE x",
        "ROLLBACK TO x",
        "CREATE TABLE t(a)",
        "SAVEPOINT One",
        "BEGIN",
        "INSERT INTO t VALUES (1)",
        "SAVEPOINT one",
        "INSERT INTO t VALUES (2)",
        "ROLLBACK TO ONE",
        "SELECT * FROM t",
        "RELEASE \"one\"",
        "SELECT * FROM t",
        "ROLLBACK TO one",
        "SELECT * FROM t",
        "RELEASE two",
        "RELEASE one",
        "SELECT * FROM t",
        "ROLLBACK",
        "SAVEPOINT s",
        "INSERT INTO t VALUES (3)",
        "ROLLBACK TO s",
        "SELECT * FROM t",
        "INSERT INTO t VALUES (4)",
        "COMMIT",
        "RELEASE s",
        "SELECT * FROM t",
    ];
    for sql in script {
        let _ = compare(&conn, &oracle, sql, "names");
    }
}

#[test]
fn rollback_to_restores_deferred_foreign_key_counts() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "fk.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    let script = [
        "PRAGMA foreign_keys = ON",
        "CREATE TABLE p(id INTEGER PRIMARY KEY)",
        "CREATE TABLE c(p INT REFERENCES p(id) DEFERRABLE INITIALLY DEFERRED)",
        "SAVEPOINT a",
        "INSERT INTO c VALUES (1)",
        "RELEASE a",
        "SAVEPOINT b",
        "ROLLBACK TO a",
        "ROLLBACK TO b",
        "RELEASE b",
        "SELECT * FROM c",
        "SAVEPOINT c1",
        "INSERT INTO p VALUES (5)",
        "SAVEPOINT c2",
        "INSERT INTO c VALUES (9)",
        "RELEASE c1",
        "ROLLBACK",
        "SAVEPOINT d",
        "INSERT INTO c VALUES (9)",
        "SAVEPOINT e",
        "DELETE FROM c",
        "RELEASE d",
        "SELECT * FROM c",
    ];
    for sql in script {
        let _ = compare(&conn, &oracle, sql, "foreign keys");
    }
}

#[test]
fn savepoints_survive_every_allocation_failure() {
    let disk = MemoryPlatform::new();
    {
        let db = Database::open(&disk, "oom.db", &Config::DEFAULT, Global).unwrap();
        let conn = db.connect();
        conn.execute(
            "CREATE TABLE t(id INTEGER PRIMARY KEY AUTOINCREMENT, a INT UNIQUE, b TEXT)",
            &[],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO t(a, b) VALUES (1, 'one'), (2, 'two'), (3, hex(zeroblob(2000)))",
            &[],
        )
        .unwrap();
    }
    let contents = || {
        let db = Database::open(&disk, "oom.db", &Config::DEFAULT, Global).unwrap();
        assert!(db.integrity_check(0).unwrap().is_ok());
        let conn = db.connect();
        (
            rows(&conn, "SELECT * FROM t ORDER BY id"),
            rows(&conn, "SELECT name, sql FROM sqlite_schema ORDER BY name"),
            rows(&conn, "SELECT * FROM sqlite_sequence"),
        )
    };
    let script = [
        "SAVEPOINT a",
        "INSERT INTO t(a, b) VALUES (4, hex(zeroblob(3000)))",
        "SAVEPOINT b",
        "UPDATE t SET b = b || 'x' WHERE a < 3",
        "CREATE INDEX t_b ON t(b)",
        "SELECT changes()",
        "ROLLBACK TO b",
        "DELETE FROM t WHERE a = 2",
        "ROLLBACK TO a",
        "INSERT INTO t(a, b) VALUES (5, 'five')",
        "CREATE TABLE u(x)",
        "ROLLBACK TO a",
        "INSERT INTO t(a, b) VALUES (6, 'six')",
        "RELEASE a",
    ];
    let mut buffer = vec![0u8; 1024 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    // A run whose failure was absorbed (the cache evicts instead of
    // growing) commits: each starts from the same database.
    let reset = || {
        let db = Database::open(&disk, "oom.db", &Config::DEFAULT, Global).unwrap();
        db.connect()
            .execute(
                "DELETE FROM t WHERE a > 3; UPDATE sqlite_sequence SET seq = 3; DROP TABLE IF EXISTS u; PRAGMA wal_checkpoint(TRUNCATE)",
                &[],
            )
            .unwrap();
    };
    for persistent in [true, false] {
        reset();
        let before = contents();
        let report = oom_sweep(
            &fault,
            persistent,
            |f| {
                reset();
                let db = Database::open(&disk, "oom.db", &Config::DEFAULT, f)?;
                let conn = db.connect();
                let ran = script
                    .iter()
                    .try_for_each(|sql| conn.execute(sql, &[]).map(drop));
                if let (Err(_), false) = (&ran, persistent) {
                    // The one failure has passed: the connection goes on.
                    if conn.in_transaction() {
                        conn.execute("ROLLBACK", &[]).unwrap();
                    }
                    assert_eq!(rows(&conn, "SELECT count(*) FROM t"), [[Exact::Int(3)]]);
                }
                ran
            },
            |n, e| {
                assert_eq!(e, Error::OutOfMemory, "failure {n}");
                assert_eq!(arena.stats().live_allocations, 0, "failure {n} leaked");
                let after = contents();
                assert!(after == before, "failure {n} left a trace");
            },
        )
        .unwrap();
        assert!(
            report.failure_points > 200,
            "{} points",
            report.failure_points
        );
        assert_eq!(arena.stats().live_allocations, 0);
        let db = Database::open(&disk, "oom.db", &Config::DEFAULT, Global).unwrap();
        let conn = db.connect();
        assert_eq!(
            rows(&conn, "SELECT a FROM t ORDER BY id"),
            rows(
                &conn,
                "SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 6"
            )
        );
        assert!(db.integrity_check(0).unwrap().is_ok());
    }
}

#[test]
fn without_temporary_files_savepoints_are_refused_and_schema_statements_still_run() {
    let disk = MemoryPlatform::new();
    let flash = boundlite_tests::no_shm::NoShm(&disk);
    let db = Database::open(&flash, "flash.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    conn.execute("CREATE TABLE t(a)", &[]).unwrap();
    conn.execute("BEGIN", &[]).unwrap();
    conn.execute("INSERT INTO t VALUES (1)", &[]).unwrap();
    // A schema statement without its mark: one failing before it changes
    // anything is undone alone, as before.
    let e = conn.execute("CREATE TABLE t(a)", &[]).unwrap_err();
    assert!(e.to_string().ends_with("table t already exists"), "{e}");
    conn.execute("CREATE INDEX t_a ON t(a)", &[]).unwrap();
    let e = conn.execute("SAVEPOINT s", &[]).unwrap_err();
    assert!(
        e.to_string().contains("savepoints are not supported"),
        "{e}"
    );
    conn.execute("INSERT INTO t VALUES (2)", &[]).unwrap();
    conn.execute("COMMIT", &[]).unwrap();
    assert_eq!(
        rows(&conn, "SELECT a FROM t INDEXED BY t_a"),
        rows(&conn, "SELECT 1 UNION ALL SELECT 2")
    );
    assert!(db.integrity_check(0).unwrap().is_ok());
}

#[test]
fn savepoints_in_mvcc_mode_survive_every_allocation_failure() {
    let disk = MemoryPlatform::new();
    {
        let db = Database::open(&disk, "oom.db", &Config::DEFAULT, Global).unwrap();
        let conn = db.connect();
        conn.execute(
            "CREATE TABLE t(id INTEGER PRIMARY KEY AUTOINCREMENT, a INT UNIQUE, b TEXT);
             INSERT INTO t(a, b) VALUES (1, 'one'), (2, 'two'), (3, hex(zeroblob(2000)));
             PRAGMA journal_mode = mvcc",
            &[],
        )
        .unwrap();
    }
    let contents = || {
        let db = Database::open(&disk, "oom.db", &Config::DEFAULT, Global).unwrap();
        assert!(db.integrity_check(0).unwrap().is_ok());
        let conn = db.connect();
        (
            rows(&conn, "SELECT * FROM t ORDER BY id"),
            rows(&conn, "SELECT * FROM sqlite_sequence"),
        )
    };
    let script = [
        "SAVEPOINT a",
        "INSERT INTO t(a, b) VALUES (4, hex(zeroblob(3000)))",
        "SAVEPOINT b",
        "UPDATE t SET b = b || 'x' WHERE a < 3",
        "ROLLBACK TO b",
        "DELETE FROM t WHERE a = 2",
        "ROLLBACK TO a",
        "INSERT INTO t(a, b) VALUES (5, 'five')",
        "SAVEPOINT c",
        "UPDATE t SET b = 'changed' WHERE a = 5",
        "RELEASE c",
        "ROLLBACK TO a",
        "INSERT INTO t(a, b) VALUES (6, 'six')",
        "RELEASE a",
    ];
    let mut buffer = vec![0u8; 1024 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    let reset = || {
        let db = Database::open(&disk, "oom.db", &Config::DEFAULT, Global).unwrap();
        db.connect()
            .execute(
                "DELETE FROM t WHERE a > 3; UPDATE sqlite_sequence SET seq = 3; PRAGMA wal_checkpoint(TRUNCATE)",
                &[],
            )
            .unwrap();
    };
    for persistent in [true, false] {
        reset();
        let before = contents();
        let report = oom_sweep(
            &fault,
            persistent,
            |f| {
                reset();
                let db = Database::open(&disk, "oom.db", &Config::DEFAULT, f)?;
                let conn = db.connect();
                let ran = script
                    .iter()
                    .try_for_each(|sql| conn.execute(sql, &[]).map(drop));
                if let (Err(_), false) = (&ran, persistent) {
                    // The one failure has passed: the connection goes on.
                    if conn.in_transaction() {
                        conn.execute("ROLLBACK", &[]).unwrap();
                    }
                    assert_eq!(rows(&conn, "SELECT count(*) FROM t"), [[Exact::Int(3)]]);
                }
                ran
            },
            |n, e| {
                assert!(
                    matches!(e, Error::OutOfMemory | Error::CacheFull),
                    "failure {n}: {e:?}"
                );
                assert_eq!(arena.stats().live_allocations, 0, "failure {n} leaked");
                let after = contents();
                assert!(after == before, "failure {n} left a trace");
            },
        )
        .unwrap();
        assert!(
            report.failure_points > 100,
            "{} points",
            report.failure_points
        );
        assert_eq!(arena.stats().live_allocations, 0);
        let db = Database::open(&disk, "oom.db", &Config::DEFAULT, Global).unwrap();
        let conn = db.connect();
        assert_eq!(
            rows(&conn, "SELECT a FROM t ORDER BY id"),
            rows(
                &conn,
                "SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 6"
            )
        );
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)", &[])
            .unwrap();
        assert!(db.integrity_check(0).unwrap().is_ok());
    }
}
