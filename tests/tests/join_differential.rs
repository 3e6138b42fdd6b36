//! Random joins checked against SQLite, row for row (as multisets: rows
//! equal under a collation may come in either order): random schemas
//! (declared types of every affinity, NOCASE columns, rowid aliases,
//! indexes that the inner loops seek with a bound from the outer ones)
//! over NULL-heavy values that compare equal in more than one form (1,
//! 1.0 and '1'; 'x' and 'X'), and queries with comma, INNER, CROSS,
//! LEFT, RIGHT, FULL, USING and NATURAL joins, self-joins, subqueries in `FROM` and
//! `WITH` tables among the joined tables (`USING` and `NATURAL` beside
//! `RIGHT JOIN` too), qualified and unqualified names, terms in `ON` and `WHERE`,
//! aggregates, `DISTINCT`, `ORDER BY`, subqueries and compounds.
//!
//! `BOUNDLITE_JOIN_ROUNDS` sets the number of schemas (8 by default,
//! 400 queries each); `BOUNDLITE_SEED` the first seed.
//!
//! Every query must give SQLite's rows, or both engines an error, or
//! boundlite a "not supported" error naming what it refuses (counted,
//! and kept well below the queries that agree).
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::Global;
use boundlite::platform::MemoryPlatform;
use boundlite::{Config, Database, Error};
use boundlite_tests::compare::{Exact, Owned};
use boundlite_tests::rng::{Rng, seed};

const VALUES: [&str; 12] = [
    "1", "1.0", "'1'", "2", "3", "'x'", "'X'", "'y'", "NULL", "NULL", "2.5", "x'01'",
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

/// The three tables' columns: t1(a, b, c), t2(a, b, d), t3(a, c, e), so
/// that `USING` and `NATURAL` find one, two or no common names.
const TABLES: [(&str, [&str; 3]); 3] = [
    ("t1", ["a", "b", "c"]),
    ("t2", ["a", "b", "d"]),
    ("t3", ["a", "c", "e"]),
];

fn schema(rng: &mut Rng) -> String {
    let mut sql = String::new();
    for (table, columns) in TABLES {
        let mut defs = Vec::new();
        for (i, column) in columns.iter().enumerate() {
            if i == 0 && rng.below(3) == 0 {
                defs.push(format!("{column} INTEGER PRIMARY KEY"));
            } else {
                defs.push(format!("{column} {}", pick(rng, &TYPES)));
            }
        }
        sql += &format!("CREATE TABLE {table}({});", defs.join(", "));
        for column in columns {
            if rng.below(2) == 0 {
                let collate = if rng.below(4) == 0 {
                    " COLLATE NOCASE"
                } else {
                    ""
                };
                sql += &format!("CREATE INDEX {table}_{column} ON {table}({column}{collate});");
            }
        }
        let rows = 4 + rng.below(8);
        for n in 0..rows {
            let values: Vec<String> = columns
                .iter()
                .enumerate()
                .map(|(i, _)| {
                    if i == 0 && sql.contains(&format!("CREATE TABLE {table}(a INTEGER PRIMARY")) {
                        format!("{}", n + 1)
                    } else {
                        pick(rng, &VALUES).to_string()
                    }
                })
                .collect();
            sql += &format!("INSERT INTO {table} VALUES ({});", values.join(", "));
        }
    }
    sql
}

/// A column of the table called `alias` (which is `table`).
fn column(rng: &mut Rng, alias: &str, table: usize) -> String {
    let columns = TABLES[table].1;
    match rng.below(64) {
        0..=7 => format!("{alias}.rowid"),
        // Unqualified: a column `USING` or `NATURAL` merged reads the
        // leftmost table's (a `RIGHT JOIN`'s, the right table's), else
        // it may be ambiguous.
        8 => columns[rng.below(3) as usize].to_string(),
        _ => format!("{alias}.{}", columns[rng.below(3) as usize]),
    }
}

/// A condition over the tables in scope.
fn condition(rng: &mut Rng, scope: &[(String, usize)]) -> String {
    let (a, ta) = &scope[rng.below(scope.len() as u64) as usize];
    let (b, tb) = &scope[rng.below(scope.len() as u64) as usize];
    let left = column(rng, a, *ta);
    let right = column(rng, b, *tb);
    match rng.below(12) {
        10 => format!(
            "{left} IN ({}, {}, {})",
            pick(rng, &VALUES),
            pick(rng, &VALUES),
            pick(rng, &VALUES)
        ),
        11 => format!("{left} IN ({}, {left})", pick(rng, &VALUES)),
        0..=3 => format!("{left} = {right}"),
        4 => format!("{left} < {right}"),
        5 => format!("{left} IS NULL"),
        6 => format!("{left} = {}", pick(rng, &VALUES)),
        7 => format!("{left} > {}", pick(rng, &["1", "'x'", "2"])),
        8 => format!("coalesce({left}, 0) <> {right}"),
        _ => format!("EXISTS (SELECT 1 FROM t3 WHERE t3.a = {left})"),
    }
}

/// A `FROM` clause and the tables it puts in scope (alias, table).
fn from(rng: &mut Rng) -> (String, Vec<(String, usize)>) {
    let count = 2 + rng.below(2) as usize;
    let mut scope: Vec<(String, usize)> = Vec::new();
    let mut sql = String::new();
    for k in 0..count {
        let table = rng.below(3) as usize;
        let alias = ["x", "y", "z"][k].to_string();
        let name = TABLES[table].0;
        let named = match rng.below(8) {
            // A subquery in FROM, and a WITH table (see `query`), with
            // the table's columns and no rowid.
            0 => format!(
                "(SELECT * FROM {name} WHERE {} IS NOT NULL) AS {alias}",
                TABLES[table].1[rng.below(3) as usize]
            ),
            1 => format!("w{} AS {alias}", &name[1..]),
            _ => format!("{name} AS {alias}"),
        };
        if k == 0 {
            sql += &named;
            scope.push((alias, table));
            continue;
        }
        let op = rng.below(11);
        scope.push((alias, table));
        match op {
            0 => sql += &format!(", {named}"),
            1 => sql += &format!(" CROSS JOIN {named}"),
            2 | 3 => sql += &format!(" JOIN {named} ON {}", condition(rng, &scope)),
            4 | 5 => sql += &format!(" LEFT JOIN {named} ON {}", condition(rng, &scope)),
            6 => {
                let using = pick(rng, &["a", "b", "c", "d", "e"]);
                let kind = pick(rng, &["", "LEFT ", "RIGHT ", "RIGHT "]);
                sql += &format!(" {kind}JOIN {named} USING ({using})");
            }
            7 => {
                let kind = pick(rng, &["", "LEFT ", "RIGHT "]);
                sql += &format!(" NATURAL {kind}JOIN {named}");
            }
            9 | 10 => {
                let kind = pick(rng, &["RIGHT", "RIGHT OUTER", "FULL", "FULL OUTER"]);
                sql += &format!(" {kind} JOIN {named} ON {}", condition(rng, &scope));
            }
            _ => sql += &format!(" LEFT JOIN {named}"),
        }
    }
    (sql, scope)
}

/// How a query's rows are compared.
#[derive(Clone, Copy, PartialEq)]
enum Compare {
    /// As they are.
    Exact,
    /// Rows sorted by `ORDER BY`: the same count, then as multisets.
    Ordered,
    /// Rows that keep one of several values that compare equal (1 and
    /// 1.0, 'x' and 'X' under NOCASE: `DISTINCT`, `UNION`, groups, `min`
    /// and `max`), whose choice follows the order the plan reads rows in,
    /// in SQLite as here: such values are made one before comparing.
    Loose,
}

/// `v` with the forms that compare equal made one.
fn loosen(v: Exact) -> Exact {
    match v {
        Exact::Real(bits) => {
            let r = f64::from_bits(bits);
            if r.fract() == 0.0 && r.abs() < 1e15 {
                Exact::Int(r as i64)
            } else {
                Exact::Real(bits)
            }
        }
        Exact::Text(t) => Exact::Text(t.to_ascii_lowercase()),
        other => other,
    }
}

/// The `WITH` tables `w1`, `w2` and `w3` a query may read in place of
/// `t1`, `t2` and `t3`.
const WITH: &str = "WITH w1 AS (SELECT * FROM t1 WHERE b IS NOT NULL), \
     w2 AS (SELECT a, b, d FROM t2 ORDER BY rowid DESC LIMIT 6), \
     w3(a, c, e) AS (SELECT DISTINCT a, c, e FROM t3) ";

fn query(rng: &mut Rng) -> (String, Compare) {
    let (sql, compare) = plain_query(rng);
    (format!("{WITH}{sql}"), compare)
}

fn plain_query(rng: &mut Rng) -> (String, Compare) {
    let (from, scope) = from(rng);
    let filter = match rng.below(3) {
        0 => String::new(),
        1 => format!(" WHERE {}", condition(rng, &scope)),
        _ => format!(
            " WHERE {} {} {}",
            condition(rng, &scope),
            pick(rng, &["AND", "OR"]),
            condition(rng, &scope)
        ),
    };
    let (a, ta) = scope[0].clone();
    let (b, tb) = scope[1].clone();
    let c1 = column(rng, &a, ta);
    let c2 = column(rng, &b, tb);
    match rng.below(8) {
        0 => (format!("SELECT * FROM {from}{filter}"), Compare::Exact),
        1 => (
            format!("SELECT {b}.*, {c1} FROM {from}{filter}"),
            Compare::Exact,
        ),
        2 => (
            format!("SELECT count(*), sum({c1}), max({c2}) FROM {from}{filter}"),
            Compare::Loose,
        ),
        3 => (
            format!("SELECT {c1}, count({c2}), min({c2}) FROM {from}{filter} GROUP BY {c1}"),
            Compare::Loose,
        ),
        4 => (
            format!("SELECT DISTINCT {c1}, {c2} FROM {from}{filter}"),
            Compare::Loose,
        ),
        5 => (
            format!("SELECT {c1}, {c2} FROM {from}{filter} ORDER BY 1, 2"),
            Compare::Ordered,
        ),
        6 => (
            format!("SELECT {c1} FROM {from}{filter} UNION SELECT {c2} FROM {from}{filter}"),
            Compare::Loose,
        ),
        _ => (
            format!("SELECT (SELECT count(*) FROM t3 WHERE t3.a = {c1}), {c2} FROM {from}{filter}"),
            Compare::Exact,
        ),
    }
}

#[test]
fn random_joins_match_sqlite() {
    let base = seed(1);
    let (mut agreed, mut refused, mut errors) = (0, 0, 0);
    let rounds = std::env::var("BOUNDLITE_JOIN_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(8u64);
    for round in 0..rounds {
        let mut rng = Rng::new(base.wrapping_add(round * 7919));
        let schema = schema(&mut rng);
        let disk = MemoryPlatform::new();
        let db = Database::open(&disk, "j.db", &Config::DEFAULT, Global).unwrap();
        let conn = db.connect();
        conn.execute(&schema, &[]).unwrap();
        let oracle = rusqlite::Connection::open_in_memory().unwrap();
        oracle.execute_batch(&schema).unwrap();
        for _ in 0..400 {
            let (sql, compare) = query(&mut rng);
            let theirs = Exact::theirs(&oracle, &sql);
            let ours = Exact::ours(&conn, &sql);
            match (ours, theirs) {
                (Ok(mut a), Ok(mut b)) => {
                    // Rows equal under a collation may come in either
                    // order: the sorted keys are compared, then the rows
                    // as multisets.
                    if compare == Compare::Ordered {
                        assert_eq!(a.len(), b.len(), "round {round}: {sql}\nschema: {schema}");
                    }
                    if compare == Compare::Loose {
                        let loose = |rows: Vec<Vec<Exact>>| -> Vec<Vec<Exact>> {
                            rows.into_iter()
                                .map(|r| r.into_iter().map(loosen).collect())
                                .collect()
                        };
                        a = loose(a);
                        b = loose(b);
                    }
                    a.sort_by(|x, y| format!("{x:?}").cmp(&format!("{y:?}")));
                    b.sort_by(|x, y| format!("{x:?}").cmp(&format!("{y:?}")));
                    assert_eq!(a, b, "round {round}: {sql}\nschema: {schema}");
                    agreed += 1;
                }
                (Err(Error::Sql(e)), _) if e.contains("not supported") => {
                    if refused < 5 {
                        println!("refused: {sql}: {e}");
                    }
                    refused += 1;
                }
                (Err(_), Err(_)) => errors += 1,
                (a, b) => panic!(
                    "round {round}: {sql}\n  boundlite: {a:?}\n  sqlite: {b:?}\nschema: {schema}"
                ),
            }
        }
    }
    println!("{agreed} agreed, {errors} both errors, {refused} refused");
    assert!(
        agreed > 2 * (refused + errors),
        "{agreed} agreed, {errors} errors, {refused} refused"
    );
}
