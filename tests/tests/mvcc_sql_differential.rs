//! MVCC mode against SQLite: one connection runs the same random
//! `INSERT`/`UPDATE`/`DELETE`/`SELECT` (upserts, rowid changes, rows
//! without a rowid given, `ORDER BY ... DESC`, aggregates, `LIKE`, rowid
//! ranges and lists) in MVCC mode and in SQLite, in and out of
//! transactions, with checkpoints sprinkled in; every statement gives the
//! same rows or fails on both. At the end a checkpoint and `PRAGMA
//! journal_mode = wal` leave a file SQLite opens, finds sound and reads
//! the same rows from. The statements run on a table stored by rowid
//! alone and on one with indexes (`UNIQUE` over two columns, a `NOCASE`
//! column, `DESC` columns, a partial index and one on an expression),
//! with queries the planner answers through them: equality and range
//! seeks, `IN` lists, joins on an indexed column.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

use boundlite::alloc::Global;
use boundlite::{Config, Database};
use boundlite_std::StdPlatform;
use boundlite_tests::compare::{assert_sqlite_integrity_ok, both, ours, theirs};
use boundlite_tests::rng::{Rng, seed};

const TABLE: &str = "CREATE TABLE t(id INTEGER PRIMARY KEY, a INT, b TEXT, c REAL)";

/// The table with indexes of every kind MVCC mode changes.
const INDEXED: &str = "CREATE TABLE t(id INTEGER PRIMARY KEY, a INT, b TEXT COLLATE NOCASE, c REAL, \
     UNIQUE(a, b)); \
     CREATE INDEX t_b ON t(b DESC); \
     CREATE INDEX t_ca ON t(c, a DESC); \
     CREATE INDEX t_p ON t(a) WHERE c > 5; \
     CREATE INDEX t_e ON t(a + 1)";
const ALL: &str = "SELECT id, a, b, c FROM t ORDER BY id";

fn text(rng: &mut Rng) -> &'static str {
    ["p", "pq", "qq", "q", "pp", "xqz", "P"][rng.below(7) as usize]
}

fn row(rng: &mut Rng, with_id: bool) -> String {
    let id = match rng.below(6) {
        0 if with_id => "NULL".to_string(),
        _ if with_id => (rng.below(60) as i64 - 5).to_string(),
        _ => String::new(),
    };
    let values = format!(
        "{}, '{}', {}",
        rng.below(40) as i64 - 10,
        text(rng),
        rng.below(20) as f64 * 0.5
    );
    match with_id {
        true => format!("({id}, {values})"),
        false => format!("({values})"),
    }
}

/// A statement that reads or changes `t` through its indexes.
fn indexed_statement(rng: &mut Rng) -> String {
    let (x, y) = (rng.below(40) as i64 - 10, rng.below(20) as f64 * 0.5);
    match rng.below(12) {
        0 => format!(
            "INSERT INTO t VALUES {} ON CONFLICT(a, b) DO UPDATE SET c = c + 1",
            row(rng, true)
        ),
        1 => format!("UPDATE t SET b = '{}' WHERE a = {x}", text(rng)),
        2 => format!("UPDATE OR REPLACE t SET a = a + 1 WHERE c >= {y}"),
        3 => format!("DELETE FROM t WHERE b = '{}' AND a > {x}", text(rng)),
        4 => format!("SELECT id, a, b, c FROM t WHERE a = {x} ORDER BY id"),
        5 => format!("SELECT id, b FROM t WHERE b = '{}' ORDER BY id", text(rng)),
        6 => format!(
            "SELECT id, c, a FROM t WHERE c > {y} AND c < {} ORDER BY c, a DESC, id",
            y + 4.0
        ),
        7 => format!(
            "SELECT id, b FROM t WHERE b >= '{}' ORDER BY b DESC, id",
            text(rng)
        ),
        8 => format!(
            "SELECT id, a FROM t WHERE a IN ({x}, {}, {}) ORDER BY a, id",
            x + 1,
            x + 7
        ),
        9 => format!(
            "SELECT t1.id, t2.id FROM t t1 JOIN t t2 ON t2.a = t1.a AND t2.id <> t1.id \
             WHERE t1.c > {y} ORDER BY t1.id, t2.id"
        ),
        10 => format!("SELECT id FROM t WHERE a + 1 = {x} ORDER BY id"),
        _ => format!("SELECT count(*), min(a), max(b) FROM t WHERE a > {x} AND c > 5"),
    }
}

fn statement(rng: &mut Rng, indexed: bool) -> String {
    if indexed && rng.below(2) == 0 {
        return indexed_statement(rng);
    }
    let (x, y) = (rng.below(60) as i64 - 5, rng.below(30) as i64);
    match rng.below(14) {
        0..=2 => {
            let or = ["", "OR IGNORE ", "OR REPLACE "][rng.below(3) as usize];
            let rows: Vec<String> = (0..=rng.below(3)).map(|_| row(rng, true)).collect();
            format!("INSERT {or}INTO t VALUES {}", rows.join(", "))
        }
        3 => format!("INSERT INTO t(a, b, c) VALUES {}", row(rng, false)),
        4 => format!(
            "INSERT INTO t VALUES {} ON CONFLICT(id) DO UPDATE SET a = a + 100",
            row(rng, true)
        ),
        5 => format!(
            "UPDATE t SET a = a + {y}, b = b || 'x' WHERE id BETWEEN {x} AND {}",
            x + y
        ),
        6 => "UPDATE t SET c = c * 2 WHERE b LIKE 'p%'".to_string(),
        7 => format!("UPDATE OR IGNORE t SET id = id + 7 WHERE id > {x}"),
        8 => format!("DELETE FROM t WHERE id >= {x} AND id < {}", x + y / 3),
        9 => format!("DELETE FROM t WHERE a % 5 = {}", y % 5),
        10 => format!("SELECT id, a, b, c FROM t WHERE id > {x} ORDER BY a DESC, id"),
        11 => format!(
            "SELECT count(*), sum(a), min(b), max(c), avg(a) FROM t WHERE id BETWEEN {x} AND {}",
            x + y
        ),
        12 => {
            "SELECT b, count(*), sum(a) FROM t WHERE b LIKE '%q%' GROUP BY b ORDER BY b".to_string()
        }
        _ => format!(
            "SELECT id, a FROM t WHERE id IN ({x}, {}, {}) ORDER BY id DESC",
            x + 1,
            y
        ),
    }
}

#[test]
fn random_statements_in_mvcc_mode_match_sqlite_and_leave_a_file_sqlite_reads() {
    differential(TABLE, false, seed(0x6d76_6363));
}

#[test]
fn random_statements_on_a_table_with_indexes_match_sqlite_and_leave_a_file_sqlite_reads() {
    differential(INDEXED, true, seed(0x6d76_6369));
}

fn differential(table: &str, indexed: bool, base: u64) {
    let (mut statements, mut succeeded) = (0, 0);
    for round in 0..6u64 {
        let mut rng = Rng::new(base.wrapping_add(round.wrapping_mul(0x9e37_79b9)));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.db");
        let oracle = rusqlite::Connection::open_in_memory().unwrap();
        oracle.execute_batch(table).unwrap();
        {
            let db = Database::open(
                StdPlatform::new(),
                path.to_str().unwrap(),
                &Config::DEFAULT,
                Global,
            )
            .unwrap();
            let conn = db.connect();
            conn.execute(table, ()).unwrap();
            conn.execute("PRAGMA journal_mode = mvcc", ()).unwrap();
            let mut open = false;
            for step in 0..300 {
                let context = format!("round {round} step {step}");
                match rng.below(30) {
                    0 if !open => {
                        let begin =
                            ["BEGIN", "BEGIN CONCURRENT", "BEGIN IMMEDIATE"][rng.below(3) as usize];
                        ours(&conn, begin).unwrap();
                        oracle.execute_batch("BEGIN").unwrap();
                        open = true;
                    }
                    1 | 2 if open => {
                        let end = ["COMMIT", "ROLLBACK"][rng.below(2) as usize];
                        ours(&conn, end).unwrap();
                        oracle.execute_batch(end).unwrap();
                        open = false;
                    }
                    3 => {
                        ours(&conn, "PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
                    }
                    _ => {
                        let sql = statement(&mut rng, indexed);
                        succeeded += usize::from(both(&conn, &oracle, &sql, &context));
                        statements += 1;
                        assert_eq!(conn.in_transaction(), open, "{context}: {sql}");
                    }
                }
            }
            if open {
                ours(&conn, "COMMIT").unwrap();
                oracle.execute_batch("COMMIT").unwrap();
            }
            both(&conn, &oracle, ALL, "before leaving the mode");
            ours(&conn, "PRAGMA journal_mode = wal").unwrap();
        }
        let sqlite = rusqlite::Connection::open(&path).unwrap();
        assert_sqlite_integrity_ok(&sqlite);
        assert_eq!(
            theirs(&sqlite, ALL).unwrap(),
            theirs(&oracle, ALL).unwrap(),
            "round {round}"
        );
    }
    println!("{succeeded} of {statements} statements succeeded");
    assert!(statements > 1500 && succeeded > statements * 2 / 3);
}
