//! Row values in expressions checked against SQLite: random tables of
//! every affinity (NOCASE columns, indexes) over NULL-heavy values that
//! compare equal in more than one form (1, 1.0 and '1'; 'x' and 'X'),
//! and random predicates comparing row values with every operator, `IN`
//! lists and subqueries (correlated or not), scalar subqueries of
//! several columns, `BETWEEN`, `CASE`, `COLLATE` on a field, and sizes
//! that do not match (SQLite's errors, word for word).
//!
//! `BOUNDLITE_ROW_VALUE_ROUNDS` sets the number of schemas (6 by
//! default, 600 queries each); `BOUNDLITE_SEED` the first seed.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::{Arena, FaultAlloc, Global};
use boundlite::format::PageSize;
use boundlite::platform::MemoryPlatform;
use boundlite::{Config, Database, Error};
use boundlite_tests::compare::{Exact, Owned};
use boundlite_tests::rng::{Rng, seed};
use boundlite_tests::sweep::sweep_query_both;

const VALUES: [&str; 12] = [
    "1", "1.0", "'1'", "2", "3", "'x'", "'X'", "'y'", "NULL", "NULL", "NULL", "2.5",
];

const TYPES: [&str; 7] = [
    "",
    "INTEGER",
    "TEXT",
    "REAL",
    "NUMERIC",
    "BLOB",
    "TEXT COLLATE NOCASE",
];

fn pick<'a>(rng: &mut Rng, items: &[&'a str]) -> &'a str {
    items[rng.below(items.len() as u64) as usize]
}

fn schema(rng: &mut Rng) -> String {
    let mut sql = String::new();
    for (table, columns) in [("t", ["a", "b", "c"]), ("u", ["x", "y", "z"])] {
        let defs: Vec<String> = columns
            .iter()
            .map(|c| format!("{c} {}", pick(rng, &TYPES)))
            .collect();
        sql += &format!("CREATE TABLE {table}({});", defs.join(", "));
        if rng.below(2) == 0 {
            sql += &format!(
                "CREATE INDEX {table}_i ON {table}({}, {});",
                columns[0], columns[1]
            );
        }
        for _ in 0..(3 + rng.below(9)) {
            let values: Vec<&str> = columns.iter().map(|_| pick(rng, &VALUES)).collect();
            sql += &format!("INSERT INTO {table} VALUES ({});", values.join(", "));
        }
    }
    sql
}

/// A field of a row value: a column of `t`, a literal, or (rarely) a
/// field with a collation of its own.
fn field(rng: &mut Rng) -> String {
    match rng.below(10) {
        0..=4 => pick(rng, &["a", "b", "c", "t.a", "t.rowid"]).to_string(),
        5 => format!("{} COLLATE NOCASE", pick(rng, &["a", "b", "'x'"])),
        6 => format!(
            "CAST({} AS {})",
            pick(rng, &["a", "b"]),
            pick(rng, &["TEXT", "INTEGER"])
        ),
        _ => pick(rng, &VALUES).to_string(),
    }
}

fn row(rng: &mut Rng, n: usize) -> String {
    let fields: Vec<String> = (0..n).map(|_| field(rng)).collect();
    format!("({})", fields.join(", "))
}

/// A row of literals.
fn constant_row(rng: &mut Rng, n: usize) -> String {
    let fields: Vec<&str> = (0..n).map(|_| pick(rng, &VALUES)).collect();
    format!("({})", fields.join(", "))
}

/// A query over `u` whose rows have `n` columns; correlated with `t`'s
/// row at times.
fn rows_of_u(rng: &mut Rng, n: usize) -> String {
    let all = ["x", "y", "z", "x COLLATE NOCASE", "y + 0", "u.rowid"];
    let columns: Vec<&str> = (0..n).map(|_| pick(rng, &all)).collect();
    let filter = match rng.below(5) {
        0 => " WHERE x IS NOT NULL".to_string(),
        1 => format!(" WHERE u.x = {}", pick(rng, &["t.a", "t.b", "c"])),
        2 => format!(" WHERE y > {}", pick(rng, &["1", "'x'", "t.c"])),
        _ => String::new(),
    };
    match rng.below(6) {
        0 => format!(
            "SELECT {} FROM u{filter} UNION ALL SELECT {}",
            columns.join(", "),
            {
                let literal: Vec<&str> = (0..n).map(|_| pick(rng, &VALUES)).collect();
                literal.join(", ")
            }
        ),
        1 if n == 3 => format!("SELECT * FROM u{filter}"),
        _ => format!("SELECT {} FROM u{filter}", columns.join(", ")),
    }
}

/// The size of the row value a predicate compares with: 2 or 3, and at
/// times another one on the other side (SQLite's errors).
fn sizes(rng: &mut Rng) -> (usize, usize) {
    let n = 2 + rng.below(2) as usize;
    match rng.below(20) {
        0 => (n, n + 1),
        1 => (n, 1),
        _ => (n, n),
    }
}

fn predicate(rng: &mut Rng) -> String {
    let (n, m) = sizes(rng);
    let lhs = row(rng, n);
    let op = pick(
        rng,
        &["=", "==", "<>", "!=", "<", "<=", ">", ">=", "IS", "IS NOT"],
    );
    let not = pick(rng, &["", "", "NOT "]);
    let other = |rng: &mut Rng| {
        if m == 1 {
            field(rng)
        } else if rng.below(2) == 0 {
            row(rng, m)
        } else {
            constant_row(rng, m)
        }
    };
    match rng.below(9) {
        0..=2 => format!("{lhs} {op} {}", other(rng)),
        3 => {
            let items: Vec<String> = (0..(1 + rng.below(4))).map(|_| other(rng)).collect();
            format!("{lhs} {not}IN ({})", items.join(", "))
        }
        4 => format!("{lhs} {not}IN ({})", rows_of_u(rng, m)),
        5 => {
            let first = format!(
                "({} ORDER BY 1, 2 LIMIT 1)",
                rows_of_u(rng, m).replace(" UNION ALL", " UNION")
            );
            match rng.below(3) {
                0 => format!("{first} {op} {lhs}"),
                _ => format!("{lhs} {op} {first}"),
            }
        }
        6 => format!("{lhs} {not}BETWEEN {} AND {}", other(rng), other(rng)),
        7 => format!(
            "CASE {lhs} WHEN {} THEN 'w1' WHEN {} THEN 'w2' ELSE 'e' END = 'w1'",
            other(rng),
            other(rng)
        ),
        _ => format!(
            "({lhs} {op} {}) {} {}",
            other(rng),
            pick(rng, &["AND", "OR"]),
            {
                let (k, _) = sizes(rng);
                let l = row(rng, k);
                format!("{l} {op} {}", row(rng, k))
            }
        ),
    }
}

fn query(rng: &mut Rng) -> String {
    let p = predicate(rng);
    match rng.below(4) {
        0 => format!("SELECT a, b, c, ({p}) FROM t"),
        1 => format!("SELECT count(*) FROM t WHERE NOT ({p})"),
        2 => format!("SELECT x, y FROM u WHERE EXISTS (SELECT 1 FROM t WHERE {p})"),
        _ => format!("SELECT * FROM t WHERE {p}"),
    }
}

/// SQLite's message, without where in the text it points.
fn message(e: &rusqlite::Error) -> String {
    match e {
        rusqlite::Error::SqliteFailure(_, Some(m)) => m.clone(),
        rusqlite::Error::SqlInputError { msg, .. } => msg.clone(),
        other => other.to_string(),
    }
}

fn sorted(mut rows: Vec<Vec<Exact>>) -> Vec<Vec<Exact>> {
    rows.sort_by_key(|r| format!("{r:?}"));
    rows
}

#[test]
fn random_row_value_predicates_match_sqlite() {
    let base = seed(11);
    let rounds = std::env::var("BOUNDLITE_ROW_VALUE_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(6u64);
    let (mut agreed, mut refused, mut errors) = (0, 0, 0);
    for round in 0..rounds {
        let mut rng = Rng::new(base.wrapping_add(round * 7919));
        let schema = schema(&mut rng);
        let disk = MemoryPlatform::new();
        let db = Database::open(&disk, "r.db", &Config::DEFAULT, Global).unwrap();
        let conn = db.connect();
        conn.execute(&schema, &[]).unwrap();
        let oracle = rusqlite::Connection::open_in_memory().unwrap();
        oracle.execute_batch(&schema).unwrap();
        for _ in 0..600 {
            let sql = query(&mut rng);
            match (Exact::ours(&conn, &sql), Exact::theirs(&oracle, &sql)) {
                (Ok(a), Ok(b)) => {
                    assert_eq!(
                        sorted(a),
                        sorted(b),
                        "round {round}: {sql}\nschema: {schema}"
                    );
                    agreed += 1;
                }
                (Err(Error::Sql(e)), _) if e.contains("not supported") => {
                    if refused < 5 {
                        println!("refused: {sql}: {e}");
                    }
                    refused += 1;
                }
                (Err(a), Err(b)) => {
                    let (ours, theirs) = (a.to_string(), message(&b));
                    assert!(
                        ours.ends_with(&theirs),
                        "round {round}: {sql}\n  boundlite: {ours}\n  sqlite: {theirs}"
                    );
                    errors += 1;
                }
                (a, b) => panic!(
                    "round {round}: {sql}\n  boundlite: {a:?}\n  sqlite: {b:?}\nschema: {schema}"
                ),
            }
        }
    }
    println!("{agreed} agreed, {errors} both the same error, {refused} refused");
    assert!(agreed > 4 * (refused + errors), "{agreed} agreed");
    assert!(errors > 0, "no size mismatch was generated");
}

/// Row-value queries swept with every allocation failing in turn: an
/// `IN` over a correlated subquery's rows, a scalar subquery of two
/// columns, an `IN` list of row values and `BETWEEN`.
const SWEPT: [&str; 4] = [
    "SELECT id, name FROM p WHERE (id % 3, name) IN (SELECT k, tag FROM q WHERE q.k <= p.id)",
    "SELECT count(*) FROM p WHERE (name, id) > (SELECT tag, k FROM q ORDER BY k DESC LIMIT 1)",
    "SELECT id FROM p WHERE (name, id % 2) NOT IN (('p1', 1), ('p5', 0), (NULL, 1))",
    "SELECT id, (id, name) BETWEEN (3, 'p') AND (9, 'p9') FROM p",
];

#[test]
fn every_allocation_failure_in_a_row_value_query_is_clean() {
    let disk = MemoryPlatform::new();
    let mut buffer = vec![0u8; 512 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    let config = Config {
        page_size: PageSize::new(512).unwrap(),
        cache_frames: 32,
        sort_memory: 1024,
        ..Config::DEFAULT
    };
    let db = Database::open(&disk, "oom.db", &config, &fault).unwrap();
    let conn = db.connect();
    let schema = "CREATE TABLE p(id INTEGER PRIMARY KEY, name TEXT);
         CREATE TABLE q(k INTEGER, tag TEXT COLLATE NOCASE);";
    conn.execute(schema, &[]).unwrap();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    oracle.execute_batch(schema).unwrap();
    let mut fill = String::from("BEGIN;");
    for i in 0..24 {
        fill += &format!(
            "INSERT INTO p(name) VALUES ('p' || {}); INSERT INTO q VALUES ({}, 'P' || {});",
            i * 7 % 13,
            i % 5,
            i % 9
        );
    }
    fill += "COMMIT;";
    conn.execute(&fill, &[]).unwrap();
    oracle.execute_batch(&fill).unwrap();
    for sql in SWEPT {
        let want = Exact::ours(&conn, sql).unwrap();
        assert_eq!(
            sorted(want.clone()),
            sorted(Exact::theirs_ok(&oracle, sql)),
            "{sql}"
        );
        let [persistent, once] = sweep_query_both(&fault, &conn, sql, &want, 5);
        println!("{sql}: {persistent} and {once} failure points");
    }
    assert!(db.integrity_check(0).unwrap().is_ok());
    drop(conn);
    drop(db);
    assert_eq!(arena.stats().live_allocations, 0, "the database leaked");
}

#[test]
fn a_row_equality_in_where_seeks_an_index_on_its_fields() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "s.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    conn.execute(
        "CREATE TABLE t(a, b, c); CREATE INDEX t_ab ON t(a, b);
         INSERT INTO t VALUES (1, 2, 3), (1, 3, 4), (2, 2, 5), (NULL, 2, 6)",
        &[],
    )
    .unwrap();
    let sql = "SELECT c FROM t WHERE (a, b) = (1, 2) AND c > 0";
    let plan = Exact::ours_ok(&conn, &format!("EXPLAIN QUERY PLAN {sql}"));
    let detail = match &plan[0][3] {
        Exact::Text(t) => String::from_utf8(t.clone()).unwrap(),
        other => panic!("{other:?}"),
    };
    assert!(detail.starts_with("SEARCH t USING INDEX t_ab"), "{detail}");
    assert_eq!(Exact::ours_ok(&conn, sql), vec![vec![Exact::Int(3)]]);
}
