//! Random recursive `WITH` tables checked against SQLite: random small
//! graphs (an edge table whose ends mix 1 and 1.0, NULLs and
//! self-loops; a node table with a NOCASE label and a parent) walked by
//! recursive queries: `UNION` (which ends on cycles) and `UNION ALL`
//! bounded by a depth column, one or two initial and recursive
//! `SELECT`s, the table joined in comma, `JOIN ... ON` and `LEFT JOIN`
//! forms, `LIMIT`/`OFFSET` on walks whose order is fixed, forward
//! references between `WITH` tables, and the outer query counting,
//! grouping, joining or testing membership. Rows are compared as
//! multisets, with the forms that compare equal made one (which of 1 and
//! 1.0 a `UNION` keeps depends on the order rows are queued, which
//! depends on each engine's join order).
//!
//! `BOUNDLITE_RECURSIVE_ROUNDS` sets the number of graphs (8 by default,
//! 150 queries each); `BOUNDLITE_SEED` the first seed.
//!
//! Every query must give SQLite's rows, or both engines an error, or
//! boundlite a "not supported" error naming what it refuses.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::Global;
use boundlite::platform::MemoryPlatform;
use boundlite::{Config, Database, Error};
use boundlite_tests::compare::{Exact, Owned};
use boundlite_tests::rng::{Rng, seed};

fn pick<'a>(rng: &mut Rng, items: &[&'a str]) -> &'a str {
    items[rng.below(items.len() as u64) as usize]
}

/// A node number in one of the forms that compare equal to it. Not as
/// text, nor in a TEXT column: where the recursive table's number meets
/// text, SQLite 3.54 (the oracle) and 3.40 disagree (boundlite gives
/// 3.40's rows), so such a comparison has no one answer to check.
fn node_value(rng: &mut Rng, n: u64) -> String {
    match rng.below(8) {
        0 | 1 => format!("{n}.0"),
        2 if n == 0 => "NULL".into(),
        _ => n.to_string(),
    }
}

fn schema(rng: &mut Rng) -> String {
    let nodes = 4 + rng.below(8);
    // Not TEXT: see `node_value`.
    let src_type = pick(rng, &["", "INTEGER", "NUMERIC", "REAL"]);
    let dst_type = pick(rng, &["", "INTEGER", "NUMERIC"]);
    let mut sql = format!(
        "CREATE TABLE edge(src {src_type}, dst {dst_type}, w INTEGER);\
         CREATE TABLE node(id INTEGER PRIMARY KEY, label TEXT COLLATE NOCASE, parent);"
    );
    if rng.below(2) == 0 {
        sql += "CREATE INDEX edge_src ON edge(src);";
    }
    let edges = nodes + rng.below(nodes * 2);
    for _ in 0..edges {
        let a = rng.below(nodes + 1);
        let b = rng.below(nodes + 1);
        let w = rng.below(5);
        sql += &format!(
            "INSERT INTO edge VALUES ({}, {}, {w});",
            node_value(rng, a),
            node_value(rng, b)
        );
    }
    for id in 1..=nodes {
        let label = pick(rng, &["'a'", "'A'", "'b'", "'B '", "'c'", "NULL"]);
        // A forest: each node's parent comes before it, or none.
        let parent = match rng.below(4) {
            0 => "NULL".to_string(),
            _ => rng.below(id).to_string(),
        };
        sql += &format!("INSERT INTO node VALUES ({id}, {label}, {parent});");
    }
    sql
}

/// The recursive `SELECT` that steps from `r`'s row along the edges,
/// with the depth column when `depth` (bounded below `limit`).
fn step(rng: &mut Rng, depth: bool, limit: u64) -> String {
    let (cols, bound) = if depth {
        (", d + 1".to_string(), format!(" AND d < {limit}"))
    } else {
        (String::new(), String::new())
    };
    let extra = match rng.below(5) {
        0 => " AND w > 0".to_string(),
        1 => " AND dst IS NOT NULL".to_string(),
        2 => format!(" AND w <> {}", rng.below(5)),
        _ => String::new(),
    };
    let distinct = if rng.below(6) == 0 { "DISTINCT " } else { "" };
    match rng.below(5) {
        0 => format!("SELECT {distinct}dst{cols} FROM edge, r WHERE src = n{bound}{extra}"),
        1 => format!("SELECT {distinct}dst{cols} FROM r, edge WHERE n = src{bound}{extra}"),
        2 => {
            format!("SELECT {distinct}dst{cols} FROM r JOIN edge ON src = n WHERE 1{bound}{extra}")
        }
        3 => format!(
            "SELECT {distinct}coalesce(dst, n){cols} FROM r LEFT JOIN edge ON src = n{extra} WHERE 1{bound}"
        ),
        _ => format!("SELECT {distinct}id{cols} FROM node, r WHERE parent = n{bound}"),
    }
}

/// A start of a walk: one or more initial `SELECT`s.
fn start(rng: &mut Rng, depth: bool) -> String {
    let d = if depth { ", 0" } else { "" };
    let one = |rng: &mut Rng| match rng.below(5) {
        0 => {
            let n = 1 + rng.below(4);
            format!("SELECT {}{d}", node_value(rng, n))
        }
        1 => format!("SELECT src{d} FROM edge WHERE w = {}", rng.below(5)),
        2 => format!("SELECT id{d} FROM node WHERE parent IS NULL"),
        3 => format!("SELECT id{d} FROM node WHERE label = 'a'"),
        _ => {
            let n = rng.below(4);
            format!("VALUES({}{d})", node_value(rng, n))
        }
    };
    let mut sql = one(rng);
    if rng.below(4) == 0 {
        let second = one(rng);
        if second.starts_with("VALUES") {
            // VALUES joins a compound only as its first member.
            sql = format!("{second} UNION ALL {sql}");
        } else {
            sql = format!("{sql} UNION ALL {second}");
        }
    }
    sql
}

/// A recursive table `r(n[, d])` and whether its rows come in an order
/// both engines share.
fn table(rng: &mut Rng) -> String {
    if rng.below(6) == 0 {
        // A walk whose recursive SELECT reads only `r`: its order is the
        // queue's, so LIMIT and OFFSET pick the same rows.
        let limit = 1 + rng.below(30);
        let offset = if rng.below(2) == 0 {
            format!(" OFFSET {}", rng.below(5))
        } else {
            String::new()
        };
        let op = pick(rng, &["UNION", "UNION ALL"]);
        let modulus = 3 + rng.below(20);
        return format!(
            "r(n, d) AS (SELECT {}, 0 {op} SELECT (n * {} + d) % {modulus}, d + 1 FROM r \
             LIMIT {limit}{offset})",
            rng.below(5),
            2 + rng.below(3)
        );
    }
    let distinct = rng.below(2) == 0;
    let depth = !distinct || rng.below(2) == 0;
    let limit = 1 + rng.below(3);
    let op = if distinct { "UNION" } else { "UNION ALL" };
    let columns = if depth { "r(n, d)" } else { "r(n)" };
    let mut sql = format!(
        "{columns} AS ({} {op} {}",
        start(rng, depth),
        step(rng, depth, limit)
    );
    if rng.below(4) == 0 {
        sql += &format!(" {op} {}", step(rng, depth, limit));
    }
    sql + ")"
}

/// A query over the recursive table `r`.
fn query(rng: &mut Rng) -> String {
    let table = table(rng);
    let before = if rng.below(5) == 0 {
        // A table before `r` that reads it (a forward reference).
        "s(m) AS (SELECT n FROM r), "
    } else {
        ""
    };
    let with = format!("WITH RECURSIVE {before}{table} ");
    let source = if before.is_empty() {
        "r"
    } else {
        "(SELECT m AS n FROM s)"
    };
    let body = match rng.below(9) {
        0 => format!("SELECT n FROM {source}"),
        1 => format!("SELECT count(*), count(DISTINCT n), max(n) FROM {source}"),
        2 => format!("SELECT n, count(*) FROM {source} GROUP BY n"),
        3 => format!("SELECT label, n FROM {source} JOIN node ON id = n"),
        4 => "SELECT id FROM node WHERE id IN (SELECT n FROM r)".to_string(),
        5 => "SELECT id, (SELECT count(*) FROM r WHERE n = id) FROM node".to_string(),
        6 => "SELECT id, n FROM node, r WHERE n = parent".to_string(),
        7 => "SELECT * FROM r".to_string(),
        _ => format!("SELECT DISTINCT n FROM {source}"),
    };
    format!("{with}{body}")
}

/// A query refused by both engines: the recursive table misused.
fn misuse(rng: &mut Rng) -> String {
    let body = match rng.below(5) {
        0 => "SELECT max(n) + 1 FROM r",
        1 => "SELECT dst FROM edge, r, r AS q WHERE src = r.n",
        2 => "SELECT dst FROM edge, r WHERE src = n AND dst IN (SELECT n FROM r)",
        3 => "SELECT dst, 1 FROM edge, r WHERE src = n",
        _ => "SELECT n FROM r GROUP BY n",
    };
    format!("WITH RECURSIVE r(n) AS (SELECT 1 UNION {body}) SELECT * FROM r")
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

#[test]
fn random_recursive_tables_match_sqlite() {
    let base = seed(1);
    let (mut agreed, mut refused, mut errors, mut rows) = (0, 0, 0, 0);
    let rounds = std::env::var("BOUNDLITE_RECURSIVE_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(8u64);
    for round in 0..rounds {
        let mut rng = Rng::new(base.wrapping_add(round * 7919));
        let schema = schema(&mut rng);
        let disk = MemoryPlatform::new();
        let db = Database::open(&disk, "r.db", &Config::DEFAULT, Global).unwrap();
        let conn = db.connect();
        conn.execute(&schema, &[]).unwrap();
        let oracle = rusqlite::Connection::open_in_memory().unwrap();
        oracle.execute_batch(&schema).unwrap();
        for _ in 0..150 {
            let sql = if rng.below(12) == 0 {
                misuse(&mut rng)
            } else {
                query(&mut rng)
            };
            let theirs = Exact::theirs(&oracle, &sql);
            let ours = Exact::ours(&conn, &sql);
            match (ours, theirs) {
                (Ok(a), Ok(b)) => {
                    let loose = |rows: Vec<Vec<Exact>>| -> Vec<Vec<Exact>> {
                        let mut rows: Vec<Vec<Exact>> = rows
                            .into_iter()
                            .map(|r| r.into_iter().map(loosen).collect())
                            .collect();
                        rows.sort_by(|x, y| format!("{x:?}").cmp(&format!("{y:?}")));
                        rows
                    };
                    rows += b.len();
                    assert_eq!(loose(a), loose(b), "round {round}: {sql}\nschema: {schema}");
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
    println!("{agreed} agreed ({rows} rows), {errors} both errors, {refused} refused");
    assert!(
        agreed > 4 * (refused + errors),
        "{agreed} agreed, {errors} errors, {refused} refused"
    );
}
