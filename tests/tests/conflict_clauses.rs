//! SQLite's conflict resolution algorithms against SQLite itself: `ON
//! CONFLICT` clauses on `NOT NULL`, `PRIMARY KEY` and `UNIQUE`
//! constraints (column and table), the `OR` clause of `INSERT` and
//! `UPDATE` overriding them, `FAIL` keeping a statement's earlier rows,
//! `ROLLBACK` ending the transaction, and `RAISE(ABORT|FAIL|ROLLBACK|
//! IGNORE)` in triggers.
//!
//! The differential makes random tables with random clauses on their
//! constraints and runs random multi-row changes with random `OR` clauses
//! inside and outside `BEGIN`, comparing each statement's outcome (its
//! error's text and code, `changes()`, `total_changes()`), then every row
//! and whether a transaction is open. `BOUNDLITE_CONFLICT_ROUNDS` sets the
//! number of schemas (24 by default, 250 statements each);
//! `BOUNDLITE_SEED` the first seed.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::{Arena, FaultAlloc, Global, oom_sweep};
use boundlite::platform::{MemoryPlatform, Platform};
use boundlite::{Config, Connection, Database, Error};
use boundlite_tests::compare::{Rows, ours, theirs};
use boundlite_tests::rng::{Rng, seed};

const CLAUSES: [&str; 6] = [
    "",
    " ON CONFLICT ROLLBACK",
    " ON CONFLICT ABORT",
    " ON CONFLICT FAIL",
    " ON CONFLICT IGNORE",
    " ON CONFLICT REPLACE",
];
const OR: [&str; 6] = [
    "",
    " OR ROLLBACK",
    " OR ABORT",
    " OR FAIL",
    " OR IGNORE",
    " OR REPLACE",
];
const VALUES: [&str; 7] = ["NULL", "1", "2", "3", "4", "-1", "'x'"];

fn pick<'a>(rng: &mut Rng, items: &[&'a str]) -> &'a str {
    items[rng.below(items.len() as u64) as usize]
}

fn clause(rng: &mut Rng) -> &'static str {
    // Half the constraints declare none.
    match rng.below(2) {
        0 => "",
        _ => pick(rng, &CLAUSES),
    }
}

/// A table `t(id, a, b, c, d)` with random constraints and clauses, a log
/// table its triggers write, and maybe an index and triggers; when
/// `keyed`, a `WITHOUT ROWID` table keyed by `id`, whose keys declare no
/// clause (refused here) and which fires no trigger.
fn schema(rng: &mut Rng, keyed: bool) -> Vec<String> {
    let mut columns = Vec::new();
    let key_clause = |rng: &mut Rng| match keyed {
        true => "",
        false => clause(rng),
    };
    columns.push(match rng.below(3) {
        _ if keyed => "id INT PRIMARY KEY".to_string(),
        0 => format!("id INTEGER PRIMARY KEY{}", clause(rng)),
        1 => "id INTEGER".to_string(),
        _ => format!("id INT PRIMARY KEY{}", clause(rng)),
    });
    for name in ["a", "b", "c", "d"] {
        let mut column = name.to_string();
        if rng.below(2) == 0 {
            column += &format!(" NOT NULL{}", clause(rng));
            if rng.below(2) == 0 {
                column += &format!(" DEFAULT {}", pick(rng, &VALUES));
            }
        }
        if rng.below(3) == 0 {
            column += &format!(" UNIQUE{}", key_clause(rng));
        }
        if name == "c" && rng.below(3) == 0 {
            column += " CHECK (c <> -1)";
        }
        columns.push(column);
    }
    if rng.below(3) == 0 {
        columns.push(format!("UNIQUE (a, b){}", key_clause(rng)));
    }
    if rng.below(4) == 0 {
        columns.push(format!("UNIQUE (c, d){}", key_clause(rng)));
    }
    let without_rowid = match keyed {
        true => " WITHOUT ROWID",
        false => "",
    };
    let mut sql = vec![
        format!("CREATE TABLE t({}){without_rowid}", columns.join(", ")),
        "CREATE TABLE l(what, x)".to_string(),
    ];
    if rng.below(3) == 0 {
        sql.push("CREATE UNIQUE INDEX td ON t(d, a)".to_string());
    }
    if rng.below(3) == 0 {
        sql.push("CREATE INDEX tb ON t(b)".to_string());
    }
    if !keyed && rng.below(3) == 0 {
        let raise = pick(rng, &["ABORT", "FAIL", "ROLLBACK", "IGNORE"]);
        let message = match raise {
            "IGNORE" => String::new(),
            _ => ", 'raised'".to_string(),
        };
        let (when, event) = match rng.below(2) {
            0 => ("new.a = 4", "INSERT"),
            _ => ("new.b = 4", "UPDATE"),
        };
        sql.push(format!(
            "CREATE TRIGGER r BEFORE {event} ON t WHEN {when} BEGIN SELECT RAISE({raise}{message}); END"
        ));
    }
    if !keyed && rng.below(3) == 0 {
        let or = pick(rng, &OR);
        sql.push(format!(
            "CREATE TRIGGER w AFTER INSERT ON t BEGIN INSERT{or} INTO l VALUES ('in', new.a); END"
        ));
    }
    sql
}

fn row(rng: &mut Rng, columns: &[&str]) -> String {
    // Text for a rowid is SQLite's datatype mismatch, outside this test.
    let values: Vec<&str> = columns
        .iter()
        .map(|c| match *c {
            "id" => pick(rng, &VALUES[..6]),
            _ => pick(rng, &VALUES),
        })
        .collect();
    format!("({})", values.join(", "))
}

/// One random statement on `t`; `key` names what orders its rows
/// (`rowid`, or `id` in a `WITHOUT ROWID` table).
fn statement(rng: &mut Rng, in_txn: bool, key: &str) -> String {
    let or = pick(rng, &OR);
    match rng.below(16) {
        0..=6 => {
            let columns: &[&str] = match rng.below(3) {
                0 => &["id", "a", "b", "c", "d"],
                1 => &["a", "b", "c", "d"],
                _ => &["id", "a", "c"],
            };
            let n = 1 + rng.below(4);
            let rows: Vec<String> = (0..n).map(|_| row(rng, columns)).collect();
            format!(
                "INSERT{or} INTO t({}) VALUES {}",
                columns.join(", "),
                rows.join(", ")
            )
        }
        7 => format!(
            "INSERT{or} INTO t(a, b, c, d) SELECT b, c, d, a FROM t WHERE id % 2 = {}",
            rng.below(2)
        ),
        8..=10 => {
            let column = pick(rng, &["a", "b", "c", "d", "id"]);
            let value = match rng.below(3) {
                0 if column == "id" => pick(rng, &VALUES[1..6]).to_string(),
                0 => pick(rng, &VALUES).to_string(),
                1 => format!("{column} + 1"),
                _ => format!("{column} - {}", pick(rng, &["1", "2"])),
            };
            // `+column` keeps SQLite from walking an index, so both
            // engines change the rows in rowid order.
            format!(
                "UPDATE{or} t SET {column} = {value} WHERE {} {}",
                match key {
                    // SQLite may walk a WITHOUT ROWID table through an
                    // index of its own choosing: only its key orders it.
                    "id" => key,
                    _ => pick(rng, &["+a", "+b", key, "+c"]),
                },
                match key {
                    "id" => pick(rng, &["> 1", "< 3", "= 2", "> -2"]),
                    _ => pick(rng, &["> 1", "< 3", "IS NULL", "IS NOT NULL", "= 2"]),
                }
            )
        }
        11 => format!("DELETE FROM t WHERE {key} % 3 = {}", rng.below(3)),
        12 if !in_txn => "BEGIN".to_string(),
        13 if in_txn => "COMMIT".to_string(),
        14 if in_txn => "ROLLBACK".to_string(),
        _ => format!(
            "UPDATE{or} t SET a = b, b = a WHERE {key} > {}",
            rng.below(4)
        ),
    }
}

/// What a statement came to on one engine: `Ok(changes)` or the error's
/// SQLite text and primary code.
type Outcome = Result<i64, (String, i32)>;

fn our_outcome<P: Platform>(conn: &Connection<'_, P, Global>, sql: &str) -> (Outcome, i64) {
    let outcome = match conn.execute(sql, &[]) {
        Ok(_) => Ok(conn.changes()),
        Err(e) => Err((e.to_string(), e.code())),
    };
    (outcome, conn.changes())
}

fn their_outcome(conn: &rusqlite::Connection, sql: &str) -> (Outcome, i64) {
    let outcome = match conn.execute(sql, []) {
        Ok(_) => Ok(conn.changes() as i64),
        Err(rusqlite::Error::SqliteFailure(e, message)) => {
            Err((message.unwrap_or_default(), e.extended_code & 0xff))
        }
        Err(e) => Err((e.to_string(), -1)),
    };
    (outcome, conn.changes() as i64)
}

/// Whether both outcomes agree: the same changes, or errors of the same
/// code whose text ends as SQLite's (boundlite names the error's class
/// before it).
fn agree(ours: &Outcome, theirs: &Outcome) -> bool {
    match (ours, theirs) {
        (Ok(a), Ok(b)) => a == b,
        (Err((a, x)), Err((b, y))) => x == y && a.ends_with(b.as_str()),
        _ => false,
    }
}

fn contents_ours<P: Platform>(conn: &Connection<'_, P, Global>, all: &str) -> Rows {
    let mut rows = ours(conn, all).unwrap();
    rows.extend(ours(conn, "SELECT rowid, * FROM l ORDER BY rowid").unwrap());
    rows
}

fn contents_theirs(conn: &rusqlite::Connection, all: &str) -> Rows {
    let mut rows = theirs(conn, all).unwrap();
    rows.extend(theirs(conn, "SELECT rowid, * FROM l ORDER BY rowid").unwrap());
    rows
}

/// Runs one random schema and `statements` random statements on both
/// engines; returns how many statements failed on both.
fn round(seed: u64, statements: usize) -> usize {
    let mut rng = Rng::new(seed);
    let keyed = rng.below(5) == 0;
    let (key, all) = match keyed {
        true => ("id", "SELECT * FROM t ORDER BY id"),
        false => ("rowid", "SELECT rowid, * FROM t ORDER BY rowid"),
    };
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "c.db", &Config::DEFAULT, Global).unwrap();
    let mine = db.connect();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    let mut log = Vec::new();
    for sql in schema(&mut rng, keyed) {
        let a = mine.execute(&sql, &[]).map(|_| ());
        let b = oracle.execute(&sql, []).map(|_| ());
        log.push(sql.clone());
        match (&a, &b) {
            (Ok(()), Ok(())) => {}
            (Err(x), Err(y)) => {
                let theirs = y.to_string();
                assert!(
                    x.to_string().ends_with(&theirs),
                    "seed {seed}: {sql}\n  boundlite: {x}\n  sqlite:    {theirs}"
                );
                return 0;
            }
            _ => panic!("seed {seed}: {sql}\n  boundlite: {a:?}\n  sqlite:    {b:?}"),
        }
    }
    let mut failed = 0;
    for _ in 0..statements {
        let sql = statement(&mut rng, !oracle.is_autocommit(), key);
        let (a, a_changes) = our_outcome(&mine, &sql);
        let (b, b_changes) = their_outcome(&oracle, &sql);
        log.push(sql.clone());
        let context = || format!("seed {seed}, after:\n  {}", log.join(";\n  "));
        assert!(
            agree(&a, &b),
            "{}\n  boundlite: {a:?}\n  sqlite:    {b:?}",
            context()
        );
        failed += usize::from(a.is_err());
        assert_eq!(a_changes, b_changes, "changes(): {}", context());
        assert_eq!(
            mine.total_changes(),
            oracle.total_changes() as i64,
            "total_changes(): {}",
            context()
        );
        assert_eq!(
            mine.in_transaction(),
            !oracle.is_autocommit(),
            "transaction open: {}",
            context()
        );
        assert_eq!(
            contents_ours(&mine, all),
            contents_theirs(&oracle, all),
            "{}",
            context()
        );
    }
    if mine.in_transaction() {
        mine.execute("COMMIT", &[]).unwrap();
    }
    assert!(db.integrity_check(0).unwrap().is_ok(), "seed {seed}");
    failed
}

#[test]
fn conflict_resolution_matches_sqlite_over_random_schemas() {
    let first = seed(0xc0f1_1c75);
    let rounds: u64 = std::env::var("BOUNDLITE_CONFLICT_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(24);
    let mut failed = 0;
    for i in 0..rounds {
        failed += round(first.wrapping_add(i), 250);
    }
    println!(
        "{rounds} schemas, {} statements, {failed} failing alike",
        rounds * 250
    );
    // The generator reaches failures, not only successes.
    assert!(failed as u64 > rounds * 10, "{failed}");
}

/// A run of a statement expected to fail on a constraint: its error's
/// text, or `"ok"` when it succeeds.
fn constraint_or_ok<P: Platform, A: boundlite::alloc::Allocator + Clone>(
    conn: &Connection<'_, P, A>,
    sql: &str,
) -> Result<String, Error> {
    match conn.execute(sql, &[]) {
        Ok(_) => Ok("ok".to_string()),
        Err(e) if e.code() == 19 => Ok(e.to_string()),
        Err(e) => Err(e),
    }
}

const SWEPT_SCHEMA: &str = "CREATE TABLE f(id INTEGER PRIMARY KEY, a UNIQUE ON CONFLICT FAIL, b NOT NULL ON CONFLICT REPLACE DEFAULT 0, c UNIQUE);
CREATE INDEX fb ON f(b);
CREATE TABLE g(x);
CREATE TRIGGER gf BEFORE INSERT ON g WHEN new.x = 3 BEGIN SELECT RAISE(FAIL, 'three'); END;
CREATE TRIGGER gr BEFORE INSERT ON g WHEN new.x = 4 BEGIN SELECT RAISE(ROLLBACK, 'four'); END;
INSERT INTO f VALUES (1, 1, 1, 1), (2, 2, 2, 2);
INSERT INTO g VALUES (1)";

/// Each statement ends on a failed constraint, as `FAIL` or `ROLLBACK`
/// resolves it: the error and the rows after, as SQLite has them.
const SWEPT: [(bool, &str); 7] = [
    (
        false,
        "INSERT OR FAIL INTO f VALUES (10, 10, 1, 10), (11, 11, NULL, 11), (12, 1, 1, 12)",
    ),
    (
        false,
        "INSERT INTO f(a, b, c) VALUES (20, NULL, 20), (2, 2, 21)",
    ),
    (true, "UPDATE OR FAIL f SET c = c + 10 WHERE id >= 10"),
    (true, "INSERT INTO g VALUES (5), (6), (3), (7)"),
    (
        true,
        "INSERT OR ROLLBACK INTO f VALUES (30, 30, 1, 30), (31, 31, 1, 1)",
    ),
    (
        false,
        "INSERT OR ROLLBACK INTO f(a, b, c) SELECT a + 100, b, c FROM f",
    ),
    (true, "INSERT INTO g VALUES (8), (4)"),
];

fn swept_contents<P: Platform, A: boundlite::alloc::Allocator + Clone>(
    conn: &Connection<'_, P, A>,
) -> Rows {
    let mut rows = ours(conn, "SELECT * FROM f ORDER BY id").unwrap();
    rows.extend(ours(conn, "SELECT rowid, x FROM g ORDER BY rowid").unwrap());
    rows
}

#[test]
fn fail_and_rollback_survive_every_allocation_failure() {
    let disk = MemoryPlatform::new();
    let mut buffer = vec![0u8; 384 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    oracle.execute_batch(SWEPT_SCHEMA).unwrap();
    {
        let fault = FaultAlloc::new(&arena);
        let db = Database::open(&disk, "oom.db", &Config::DEFAULT, &fault).unwrap();
        let conn = db.connect();
        for sql in SWEPT_SCHEMA.split(";\n") {
            conn.execute(sql, &[]).unwrap();
        }
        for (in_txn, sql) in SWEPT {
            if in_txn {
                conn.execute("BEGIN", &[]).unwrap();
                oracle.execute_batch("BEGIN").unwrap();
            }
            let before = swept_contents(&conn);
            let report = oom_sweep(
                &fault,
                true,
                |_| constraint_or_ok(&conn, sql),
                |n, e| {
                    assert_eq!(e, Error::OutOfMemory, "{sql}: failure {n}");
                    if conn.is_aborted() {
                        // The failure rolled the transaction back whole:
                        // it starts again from the last commit.
                        conn.execute("ROLLBACK", &[]).unwrap();
                        conn.execute("BEGIN", &[]).unwrap();
                    }
                    assert_eq!(conn.in_transaction(), in_txn, "{sql}: failure {n}");
                    assert_eq!(swept_contents(&conn), before, "{sql}: failure {n}");
                },
            )
            .expect("the sweep ends with a run that succeeds");
            assert!(report.failure_points > 3, "{sql}");
            println!("{} failure points: {sql}", report.failure_points);
            let theirs = oracle.execute(sql, []).unwrap_err().to_string();
            assert!(
                report.value.ends_with(&theirs),
                "{sql}: {} / {theirs}",
                report.value
            );
            assert_eq!(conn.in_transaction(), !oracle.is_autocommit(), "{sql}");
            let mut rows = theirs_rows(&oracle, "SELECT * FROM f ORDER BY id");
            rows.extend(theirs_rows(
                &oracle,
                "SELECT rowid, x FROM g ORDER BY rowid",
            ));
            assert_eq!(swept_contents(&conn), rows, "{sql}");
            if conn.in_transaction() {
                conn.execute("COMMIT", &[]).unwrap();
                oracle.execute_batch("COMMIT").unwrap();
            }
        }
        assert!(db.integrity_check(0).unwrap().is_ok());
    }
    assert_eq!(arena.stats().live_allocations, 0, "a failed run leaked");
}

fn theirs_rows(conn: &rusqlite::Connection, sql: &str) -> Rows {
    theirs(conn, sql).unwrap()
}

/// A file SQLite made with `ON CONFLICT` clauses on its constraints: our
/// changes resolve its conflicts as the clauses say, and SQLite reads
/// what we wrote, sound.
#[test]
fn clauses_in_a_file_sqlite_made_are_honoured() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("made.db");
    let script = "CREATE TABLE t(id INTEGER PRIMARY KEY ON CONFLICT IGNORE, a UNIQUE ON CONFLICT REPLACE, b NOT NULL ON CONFLICT IGNORE, c NOT NULL ON CONFLICT REPLACE DEFAULT 'dflt', d, UNIQUE (d) ON CONFLICT FAIL);
INSERT INTO t VALUES (1, 'a1', 'b1', 'c1', 1), (2, 'a2', 'b2', 'c2', 2)";
    let statements = [
        "INSERT INTO t VALUES (1, 'a9', 'b9', 'c9', 9)",
        "INSERT INTO t VALUES (3, 'a1', 'b3', NULL, 3)",
        "INSERT INTO t VALUES (4, 'a4', NULL, 'c4', 4)",
        "INSERT INTO t VALUES (5, 'a5', 'b5', 'c5', 5), (6, 'a6', 'b6', 'c6', 2), (7, 'a7', 'b7', 'c7', 7)",
        "UPDATE t SET a = 'a2' WHERE id = 5",
        "INSERT OR ABORT INTO t VALUES (8, 'a8', NULL, 'c8', 8)",
    ];
    {
        let theirs = rusqlite::Connection::open(&path).unwrap();
        theirs.execute_batch(script).unwrap();
    }
    let twin = dir.path().join("twin.db");
    let oracle = rusqlite::Connection::open(&twin).unwrap();
    oracle.execute_batch(script).unwrap();
    {
        let db = boundlite_std::open(path.to_str().unwrap()).unwrap();
        let conn = db.connect();
        for sql in statements {
            let a = conn.execute(sql, &[]);
            let b = oracle.execute(sql, []);
            match (&a, &b) {
                (Ok(x), Ok(y)) => assert_eq!(*x, *y, "{sql}"),
                (Err(x), Err(y)) => {
                    assert!(x.to_string().ends_with(&y.to_string()), "{sql}: {x} / {y}")
                }
                _ => panic!("{sql}\n  boundlite: {a:?}\n  sqlite:    {b:?}"),
            }
            assert_eq!(conn.changes(), oracle.changes() as i64, "{sql}");
        }
        assert!(db.integrity_check(0).unwrap().is_ok());
    }
    let theirs = rusqlite::Connection::open(&path).unwrap();
    let check: String = theirs
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let all = "SELECT * FROM t ORDER BY id";
    assert_eq!(theirs_rows(&theirs, all), theirs_rows(&oracle, all));
}

/// What the statement's clause does beside `RETURNING` (a failed
/// statement returns no row, even when `FAIL` keeps its earlier rows)
/// and beside immediate foreign keys (checked on what `FAIL` keeps).
#[test]
fn fail_beside_returning_and_foreign_keys() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "r.db", &Config::DEFAULT, Global).unwrap();
    let mine = db.connect();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    let script = [
        "PRAGMA foreign_keys = ON",
        "CREATE TABLE p(id INTEGER PRIMARY KEY, u UNIQUE ON CONFLICT FAIL)",
        "CREATE TABLE c(id INTEGER PRIMARY KEY, p REFERENCES p(id))",
        "CREATE TABLE d(id INTEGER PRIMARY KEY, p REFERENCES p(id) DEFERRABLE INITIALLY DEFERRED)",
        "INSERT INTO p VALUES (1, 1), (2, 2)",
        "INSERT INTO p VALUES (3, 3), (4, 1), (5, 5) RETURNING id",
        "INSERT OR FAIL INTO p VALUES (6, 6), (7, 2) RETURNING id, u",
        "INSERT OR FAIL INTO c VALUES (1, 1), (2, 9), (3, 2)",
        "BEGIN",
        "INSERT OR FAIL INTO c VALUES (4, 1), (5, 9), (6, 2)",
        "INSERT OR FAIL INTO d VALUES (1, 9), (2, 1), (1, 1)",
        "SELECT count(*) FROM d",
        "COMMIT",
        "ROLLBACK",
        "INSERT OR FAIL INTO d VALUES (3, 9), (4, 1), (4, 1)",
        "INSERT OR ROLLBACK INTO c VALUES (7, 1), (7, 2)",
        "BEGIN",
        "INSERT INTO c VALUES (8, 1)",
        "INSERT OR ROLLBACK INTO c VALUES (9, 1), (9, 2) RETURNING id",
    ];
    for (i, sql) in script.into_iter().enumerate() {
        let a = ours(&mine, sql);
        let b = theirs(&oracle, sql);
        match (&a, &b) {
            (Ok(x), Ok(y)) => assert_eq!(x, y, "{sql}"),
            (Err(x), Err(y)) => {
                assert!(x.to_string().ends_with(&y.to_string()), "{sql}: {x} / {y}")
            }
            _ => panic!("{sql}\n  boundlite: {a:?}\n  sqlite:    {b:?}"),
        }
        assert_eq!(mine.in_transaction(), !oracle.is_autocommit(), "{sql}");
        // Once the three tables are made.
        for table in ["p", "c", "d"].into_iter().filter(|_| i >= 3) {
            let all = format!("SELECT * FROM {table} ORDER BY id");
            assert_eq!(
                ours(&mine, &all).unwrap(),
                theirs(&oracle, &all).unwrap(),
                "{sql}"
            );
        }
    }
}
