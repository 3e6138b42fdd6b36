//! The forms of `INSERT`, `UPDATE` and `DELETE` beyond the plain ones,
//! against SQLite: `WITH` (and `WITH RECURSIVE`) before a change, its
//! tables read by `INSERT ... SELECT`, by subqueries in `WHERE` and in
//! `SET`, and hiding a stored table of their name everywhere but the
//! change's target; row-value assignments in `UPDATE`'s `SET` and an
//! upsert's `DO UPDATE SET`; `UPDATE ... FROM` (its join read whole
//! before any row changes, each row changed once); `UPDATE OR IGNORE`;
//! subqueries in an upsert's `DO UPDATE`, in several rows of `VALUES` and
//! in `RETURNING`.
//!
//! Random tables take random statements of each form, run on both
//! engines, which must agree on success or failure (SQLite's message),
//! on the rows returned (`RETURNING`'s, compared as a sorted list: the
//! order rows are changed in is each engine's own), on every table's
//! rows and on the change counts after each statement. Every allocation
//! failure while such a statement runs is `OutOfMemory`, leaves the rows
//! as they were and leaks nothing.
//!
//! `BOUNDLITE_DML_ROUNDS` sets the number of random schemas (6 by
//! default, 250 statements each); `BOUNDLITE_SEED` the first seed.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::{Arena, FaultAlloc, Global};
use boundlite::platform::{MemoryPlatform, Platform};
use boundlite::{Config, Connection, Database};
use boundlite_tests::compare::{Exact, Owned, assert_sqlite_integrity_ok};
use boundlite_tests::rng::{Rng, seed};
use boundlite_tests::sweep::sweep_change;

/// The tables every schema has, and how each is read in order.
const TABLES: [&str; 3] = [
    "SELECT rowid, * FROM t ORDER BY rowid",
    "SELECT rowid, * FROM u ORDER BY rowid",
    "SELECT * FROM k ORDER BY p",
];

/// Every table's rows and the change counts: what must agree after each
/// statement.
fn state_ours<P: Platform, A: boundlite::alloc::Allocator + Clone>(
    conn: &Connection<'_, P, A>,
) -> Vec<Vec<Vec<Exact>>> {
    let mut all = vec![Exact::ours_ok(conn, "SELECT changes(), total_changes()")];
    all.extend(TABLES.iter().map(|q| Exact::ours_ok(conn, q)));
    all
}

fn state_theirs(conn: &rusqlite::Connection) -> Vec<Vec<Vec<Exact>>> {
    let mut all = vec![Exact::theirs_ok(conn, "SELECT changes(), total_changes()")];
    all.extend(TABLES.iter().map(|q| Exact::theirs_ok(conn, q)));
    all
}

/// How a statement ran on both engines.
#[derive(Debug, PartialEq)]
enum Ran {
    /// Both ran it, alike.
    Same,
    /// Both failed, with the same message.
    Failed,
}

/// SQLite's message for `e`, without where in the text a prepare failed.
fn message(e: &rusqlite::Error, sql: &str) -> String {
    let m = match e {
        rusqlite::Error::SqliteFailure(_, Some(m)) => m.clone(),
        other => other.to_string(),
    };
    m.split(&format!(" in {sql}")).next().unwrap().to_string()
}

/// Runs `sql` on both engines and checks they agree: the rows returned
/// (sorted), or the error (ours must hold SQLite's message), then every
/// table and the change counts.
fn compare<P: Platform, A: boundlite::alloc::Allocator + Clone>(
    mine: &Connection<'_, P, A>,
    oracle: &rusqlite::Connection,
    sql: &str,
    context: &str,
) -> Ran {
    let a = Exact::ours(mine, sql);
    let b = Exact::theirs(oracle, sql);
    let ran = match (a, b) {
        (Ok(mut x), Ok(mut y)) => {
            x.sort_by_key(|r| format!("{r:?}"));
            y.sort_by_key(|r| format!("{r:?}"));
            assert_eq!(x, y, "{context}: rows differ for {sql}");
            Ran::Same
        }
        (Err(e), Err(f)) => {
            let theirs = message(&f, sql);
            // Ours names the byte a syntax error is at, SQLite the token.
            let theirs = match theirs.ends_with("syntax error") {
                true => "syntax error".to_string(),
                false => theirs,
            };
            assert!(
                e.to_string().contains(&theirs),
                "{context}: {sql}\n  boundlite: {e}\n  sqlite:    {theirs}"
            );
            Ran::Failed
        }
        (a, b) => panic!("{context}: {sql}\n  boundlite: {a:?}\n  sqlite:    {b:?}"),
    };
    assert_eq!(
        state_ours(mine),
        state_theirs(oracle),
        "{context}: after {sql}"
    );
    ran
}

fn pick<'a>(rng: &mut Rng, items: &[&'a str]) -> &'a str {
    items[rng.below(items.len() as u64) as usize]
}

/// A value the columns take: small integers, short texts, NULL.
fn value(rng: &mut Rng) -> String {
    match rng.below(8) {
        0 => "NULL".to_string(),
        1..=4 => rng.below(10).to_string(),
        _ => format!("'{}'", pick(rng, &["a", "b", "c", "d", "e"])),
    }
}

/// A schema: `t` with a rowid alias, `u` without, `k` without rowid,
/// each with indexes picked at random, and a few rows in each.
fn schema(rng: &mut Rng) -> Vec<String> {
    let mut sql = vec![
        "CREATE TABLE t(id INTEGER PRIMARY KEY, a INT, b TEXT, c)".to_string(),
        format!(
            "CREATE TABLE u(x INT, y TEXT, z{})",
            pick(rng, &["", ", UNIQUE(x)", ", UNIQUE(y, z)"])
        ),
        "CREATE TABLE k(p PRIMARY KEY, q) WITHOUT ROWID".to_string(),
    ];
    sql.push(
        pick(
            rng,
            &[
                "CREATE INDEX ta ON t(a)",
                "CREATE UNIQUE INDEX tb ON t(b)",
                "CREATE INDEX tab ON t(a, b)",
                "SELECT 1",
            ],
        )
        .to_string(),
    );
    for _ in 0..6 + rng.below(6) {
        let (a, b, c) = (value(rng), value(rng), value(rng));
        sql.push(format!(
            "INSERT OR IGNORE INTO t(a, b, c) VALUES ({a}, {b}, {c})"
        ));
        let (x, y, z) = (value(rng), value(rng), value(rng));
        sql.push(format!("INSERT OR IGNORE INTO u VALUES ({x}, {y}, {z})"));
        let (p, q) = (value(rng), value(rng));
        sql.push(format!("INSERT OR IGNORE INTO k VALUES ({p}, {q})"));
    }
    sql
}

/// A `WITH` clause of tables `c(v, w)` and, at times, `d(v)` over it;
/// at times one named `t` or `u`, hiding the stored table.
fn with_clause(rng: &mut Rng) -> (String, &'static str) {
    let n = rng.below(10);
    let m = rng.below(6);
    let c = match rng.below(6) {
        0 => format!("c(v, w) AS (SELECT a, b FROM t WHERE a > {n})"),
        1 => format!("c(v, w) AS (VALUES ({n}, 'a'), ({m}, 'b'), (NULL, 'c'))"),
        2 => "c(v, w) AS (SELECT x, y FROM u)".to_string(),
        3 => format!(
            "c(v, w) AS (SELECT {m}, 'r' UNION ALL SELECT v + 1, w || 'r' FROM c WHERE v < {n})"
        ),
        4 => format!(
            "c(v, w) AS (SELECT {m}, 'r' UNION SELECT v + 2, 'q' FROM c WHERE v < {n} LIMIT 4)"
        ),
        _ => "c(v, w) AS (SELECT p, q FROM k)".to_string(),
    };
    let recursive = if c.contains("FROM c") {
        "WITH RECURSIVE"
    } else {
        pick(rng, &["WITH", "WITH", "WITH RECURSIVE"])
    };
    match rng.below(5) {
        0 => (
            format!("{recursive} {c}, d(v) AS (SELECT v * 2 FROM c)"),
            "d",
        ),
        1 => (
            format!("{recursive} {c}, u(x, y) AS (SELECT w, v FROM c)"),
            "u",
        ),
        2 => (
            format!("{recursive} {c}, t(a, b) AS (SELECT v, w FROM c)"),
            "t",
        ),
        _ => (format!("{recursive} {c}"), "c"),
    }
}

/// One column of the `WITH` table `name` (see [`with_clause`]) and its
/// other, if it has one.
fn cte_columns(name: &str) -> (&'static str, &'static str) {
    match name {
        "d" => ("v", "v"),
        "u" => ("y", "x"),
        "t" => ("a", "b"),
        _ => ("v", "w"),
    }
}

/// A change after a `WITH` clause that reads its tables.
fn with_change(rng: &mut Rng) -> String {
    let (with, name) = with_clause(rng);
    let (one, other) = cte_columns(name);
    let n = rng.below(10);
    let returning = pick(rng, &["", "", " RETURNING *", " RETURNING rowid"]);
    let change = match rng.below(9) {
        0 => format!("INSERT INTO u(x, y) SELECT {one}, {other} FROM {name} WHERE {one} > {n}"),
        1 => format!(
            "INSERT{} INTO t(a, b) SELECT {one}, {other} FROM {name}",
            pick(rng, &["", " OR IGNORE", " OR REPLACE"])
        ),
        2 => format!("INSERT OR IGNORE INTO k SELECT {one}, {other} FROM {name}"),
        3 => format!(
            "UPDATE t SET c = (SELECT count(*) FROM {name} WHERE {one} <= t.a) WHERE a IN (SELECT {one} FROM {name})"
        ),
        4 => format!(
            "UPDATE u SET z = (SELECT max({other}) FROM {name}), x = x + 1 WHERE EXISTS (SELECT 1 FROM {name} WHERE {one} = u.x)"
        ),
        5 => format!("UPDATE k SET q = q || 'k' WHERE p IN (SELECT {other} FROM {name})"),
        6 => format!("DELETE FROM u WHERE x IN (SELECT {one} FROM {name})"),
        7 => format!("DELETE FROM t WHERE EXISTS (SELECT 1 FROM {name} WHERE {other} = t.b)"),
        _ => format!(
            "DELETE FROM k WHERE p NOT IN (SELECT {one} FROM {name} WHERE {one} IS NOT NULL)"
        ),
    };
    let returning = if change.starts_with("INSERT") && returning == " RETURNING rowid" {
        ""
    } else {
        returning
    };
    let returning = if change.contains(" k ") && returning == " RETURNING rowid" {
        " RETURNING *"
    } else {
        returning
    };
    format!("{with} {change}{returning}")
}

/// A condition on `t`'s columns, or none.
fn t_where(rng: &mut Rng) -> String {
    let n = rng.below(10);
    match rng.below(4) {
        0 => String::new(),
        1 => format!(" WHERE a > {n}"),
        2 => format!(" WHERE id % 3 = {}", n % 3),
        _ => format!(" WHERE b IS NOT NULL AND a < {n}"),
    }
}

/// An `UPDATE` with row-value assignments: of values, of a subquery
/// (correlated or not, reading the table updated or another), beside
/// plain ones, and with the wrong number of values.
fn row_value_update(rng: &mut Rng) -> String {
    let (v1, v2, v3) = (value(rng), value(rng), value(rng));
    let n = rng.below(10);
    let cond = t_where(rng);
    let returning = pick(rng, &["", "", " RETURNING *"]);
    let change = match rng.below(16) {
        0 => format!("UPDATE t SET (a, b) = ({v1}, {v2}){cond}"),
        1 => format!("UPDATE t SET (b, a) = (a, b){cond}"),
        2 => "UPDATE u SET (x, z) = (SELECT a, c FROM t WHERE t.id = u.x)".to_string(),
        3 => format!("UPDATE u SET (y, z) = (SELECT max(b), count(*) FROM t) WHERE x > {n}"),
        4 => format!("UPDATE t SET (a, c) = (SELECT max(a) + 1, count(*) FROM t){cond}"),
        5 => format!(
            "UPDATE t SET (a, b) = (SELECT x, y FROM u ORDER BY x, rowid LIMIT 1 OFFSET {}){cond}",
            n % 4
        ),
        6 => format!("UPDATE t SET (id, a) = (id + 100, a + 1){cond}"),
        7 => format!("UPDATE k SET (q, p) = ({v1}, p || 'k') WHERE p > {n}"),
        8 => format!("UPDATE t SET c = {v3}, (a, b) = ({v1}, {v2}), c = c{cond}"),
        9 => format!("UPDATE t SET (a, a) = ({v1}, {v2}), (c) = ({v3}){cond}"),
        10 => format!(
            "UPDATE t SET (c, b) = (SELECT t.a + u.x, u.y FROM u WHERE u.x > t.a ORDER BY u.x LIMIT 1){cond}"
        ),
        11 => format!(
            "UPDATE t SET (a, b) = {}{cond}",
            pick(
                rng,
                &[
                    "(1, 2, 3)",
                    "1",
                    "(SELECT 1)",
                    "(SELECT 1, 2, 3)",
                    "(SELECT * FROM u)"
                ]
            )
        ),
        12 => "UPDATE u SET (x, y, z) = (SELECT * FROM u AS o WHERE o.rowid = u.rowid + 1)"
            .to_string(),
        13 => format!(
            "INSERT INTO t(id, a, b) VALUES ({}, {v1}, {v2}) ON CONFLICT(id) DO UPDATE SET (a, b) = (excluded.a, b || 'x'), c = {v3}",
            n + 1
        ),
        14 => format!(
            "INSERT INTO k VALUES ({v1}, {v2}) ON CONFLICT(p) DO UPDATE SET (q, p) = (excluded.q, p || 'y') WHERE q IS NOT {v3}"
        ),
        _ => format!(
            "INSERT INTO t(id, a) VALUES ({}, 1) ON CONFLICT(id) DO UPDATE SET (a, b) = {}",
            n + 1,
            pick(rng, &["(1, 2, 3)", "(1)", "excluded.a"])
        ),
    };
    let returning = if change.contains(" k ") {
        ""
    } else {
        returning
    };
    format!("{change}{returning}")
}

/// An `UPDATE ... FROM` whose join matches each row updated at most
/// once (SQLite leaves which match counts otherwise unspecified): joins on
/// a key, a grouped subquery, a `WITH` table, a self-join under an alias;
/// and the errors SQLite gives for its names.
fn update_from(rng: &mut Rng) -> String {
    let (v1, v2) = (value(rng), value(rng));
    let n = rng.below(10);
    let returning = pick(rng, &["", "", " RETURNING *", " RETURNING rowid, a"]);
    let change = match rng.below(16) {
        0 => "UPDATE t SET c = k.q FROM k WHERE k.p = t.a".to_string(),
        1 => format!("UPDATE t SET b = k.q, c = k.p || t.b FROM k WHERE k.p = t.b AND t.a > {n}"),
        2 => "UPDATE t SET c = g.y FROM (SELECT x, max(y) AS y FROM u GROUP BY x) AS g WHERE g.x = t.a"
            .to_string(),
        3 => format!("UPDATE t SET a = o.a + {n} FROM t AS o WHERE o.id = t.id + 1"),
        4 => "UPDATE t SET (a, b) = (k.q, k.p) FROM k WHERE k.p = t.b".to_string(),
        5 => "UPDATE t SET c = (SELECT count(*) FROM t) + k.q FROM k WHERE k.p = t.a".to_string(),
        6 => format!(
            "WITH c(v, w) AS (SELECT a, max(b) FROM t GROUP BY a) UPDATE t SET b = c.w || 'w' FROM c WHERE c.v = t.a AND t.id % 2 = {}",
            n % 2
        ),
        7 => "UPDATE t SET id = o.id + 100 FROM t AS o WHERE o.id = t.id AND t.a > 4".to_string(),
        8 => format!(
            "UPDATE t SET c = k.q FROM k LEFT JOIN t AS o ON o.id = k.q WHERE k.p = t.a AND o.id IS {}NULL",
            pick(rng, &["", "NOT "])
        ),
        9 => format!("UPDATE t AS x SET a = {v1}, c = k.q FROM k JOIN t ON t.id = k.q WHERE k.p = x.b"),
        10 => format!("UPDATE t SET c = {v1} FROM (SELECT {v2} AS w) AS s WHERE t.a = {n}"),
        11 => format!(
            "UPDATE t SET b = k.p FROM k, t AS o WHERE k.p = t.a AND o.id = t.id AND o.c IS NOT {v1}"
        ),
        12 => pick(
            rng,
            &[
                "UPDATE t SET b = 1 FROM t",
                "UPDATE t SET c = a FROM (SELECT 1 AS a) AS s",
                "UPDATE t SET c = nosuch FROM k",
                "UPDATE t SET c = k.q FROM k WHERE k.p = t.a RETURNING k.q",
                "UPDATE t SET c = 1 FROM nosuch",
                "UPDATE t SET c = 1 FROM k JOIN u ON u.x = k.p AND u.y = t.b",
                "UPDATE t AS x SET c = 1 FROM k JOIN u ON u.x = k.p AND u.y = x.b",
                "UPDATE t AS x SET c = 1 FROM k JOIN u ON u.x = k.p AND u.y = t.b",
                "UPDATE t SET c = 1 FROM k AS t JOIN u ON u.x = t.p",
            ],
        )
        .to_string(),
        13 => format!("UPDATE OR REPLACE t SET b = k.q FROM k WHERE k.p = t.a AND t.id > {n}"),
        14 => "UPDATE t SET (a, c) = (SELECT max(x), count(*) FROM u WHERE u.x < k.p) FROM k WHERE k.p = t.a"
            .to_string(),
        _ => format!("UPDATE t SET c = k.q FROM k WHERE k.p = t.a AND k.p IN (SELECT x FROM u WHERE x > {n})"),
    };
    let returning = if change.contains("RETURNING") {
        ""
    } else {
        returning
    };
    format!("{change}{returning}")
}

/// An `UPDATE OR IGNORE` whose rows may conflict with others on the
/// rowid, a `UNIQUE` index or the primary key of a `WITHOUT ROWID` table.
fn update_or_ignore(rng: &mut Rng) -> String {
    let (v1, v2) = (value(rng), value(rng));
    let n = rng.below(10);
    let cond = t_where(rng);
    let returning = pick(rng, &["", "", " RETURNING *"]);
    let change = match rng.below(8) {
        0 => format!("UPDATE OR IGNORE t SET b = {v1}{cond}"),
        1 => format!("UPDATE OR IGNORE t SET id = id + {}{cond}", n % 3 + 1),
        2 => format!("UPDATE OR IGNORE t SET a = a + 1, b = b || 'x'{cond}"),
        3 => "UPDATE OR IGNORE u SET x = x + 1".to_string(),
        4 => format!("UPDATE OR IGNORE u SET (y, z) = ({v1}, {v2}) WHERE x > {n}"),
        5 => format!("UPDATE OR IGNORE k SET p = {v1} WHERE q IS NOT {v2}"),
        6 => format!(
            "UPDATE OR IGNORE t SET b = k.q FROM k WHERE k.p = t.a{}",
            pick(rng, &["", " AND t.id > 2"])
        ),
        _ => format!(
            "UPDATE OR IGNORE t SET (id, b) = (SELECT max(id) FROM t AS o WHERE o.id < t.id, {v1}){cond}"
        ),
    };
    format!("{change}{returning}")
}

/// Rows of `VALUES` for `t(id, a, b)`, one to three, whose ids repeat
/// those of rows there and each other.
fn t_rows(rng: &mut Rng) -> String {
    let rows: Vec<String> = (0..1 + rng.below(3))
        .map(|_| format!("({}, {}, {})", 1 + rng.below(12), value(rng), value(rng)))
        .collect();
    rows.join(", ")
}

/// An upsert whose `DO UPDATE` holds subqueries: uncorrelated (read once
/// a statement), reading `excluded`, reading the row updated, reading
/// the table written.
fn upsert_subquery(rng: &mut Rng) -> String {
    let rows = t_rows(rng);
    let n = rng.below(10);
    let (v1, v2) = (value(rng), value(rng));
    let clause = match rng.below(10) {
        0 => "DO UPDATE SET c = (SELECT count(*) FROM t) + excluded.a".to_string(),
        1 => "DO UPDATE SET c = (SELECT max(x) FROM u WHERE u.x < excluded.a)".to_string(),
        2 => "DO UPDATE SET b = (SELECT q FROM k WHERE k.p = t.a) WHERE EXISTS (SELECT 1 FROM u WHERE u.x = t.a)"
            .to_string(),
        3 => format!("DO UPDATE SET a = a + 1 WHERE t.a IN (SELECT x FROM u WHERE x > {n})"),
        4 => "DO UPDATE SET c = (SELECT sum(a) FROM t AS o WHERE o.id <= t.id)".to_string(),
        5 => "DO UPDATE SET (a, c) = ((SELECT min(a) FROM t), (SELECT max(id) FROM t)) WHERE excluded.b IS NOT t.b"
            .to_string(),
        6 => format!(
            "DO UPDATE SET c = (SELECT group_concat(q) FROM k WHERE q IS NOT {v1}) || excluded.b"
        ),
        7 => pick(
            rng,
            &[
                "DO UPDATE SET c = (SELECT nosuch FROM u)",
                "DO UPDATE SET c = (SELECT 1, 2)",
                "DO UPDATE SET c = 1 WHERE (SELECT x FROM u WHERE x = excluded.nosuch)",
            ],
        )
        .to_string(),
        8 => format!(
            "DO UPDATE SET c = coalesce((SELECT c FROM t AS o WHERE o.id = t.id + 1), {v2}) WHERE t.a > {n}"
        ),
        _ => "DO UPDATE SET b = excluded.b || (SELECT count(*) FROM t WHERE a = excluded.a)".to_string(),
    };
    let returning = pick(rng, &["", "", " RETURNING *"]);
    match rng.below(5) {
        0 => format!(
            "INSERT INTO k VALUES ({v1}, {v2}) ON CONFLICT(p) DO UPDATE SET q = (SELECT count(*) FROM k) WHERE (SELECT count(*) FROM u) > {}{returning}",
            n % 4
        ),
        _ => format!("INSERT INTO t(id, a, b) VALUES {rows} ON CONFLICT(id) {clause}{returning}"),
    }
}

/// An `INSERT` of several rows of `VALUES` with subqueries: reading the
/// table written (every row computed before any is stored) or others
/// (each row computed as it is stored), with upserts and `WITH`.
fn values_subquery(rng: &mut Rng) -> String {
    let (v1, v2) = (value(rng), value(rng));
    let n = rng.below(10);
    let returning = pick(rng, &["", "", " RETURNING *"]);
    let change = match rng.below(9) {
        0 => format!("INSERT INTO t(a, b) VALUES ({v1}, (SELECT max(b) FROM t)), ((SELECT count(*) FROM t), {v2})"),
        1 => format!(
            "INSERT INTO u VALUES ((SELECT max(a) FROM t), {v1}, 1), ({v2}, (SELECT group_concat(q) FROM k), 2), ({n}, 'c', (SELECT count(*) FROM u))"
        ),
        2 => format!("INSERT OR IGNORE INTO k VALUES ((SELECT min(x) FROM u), 1), ({v1}, (SELECT count(*) FROM k)), ({n}, {v2})"),
        3 => "INSERT INTO t(id, a) VALUES ((SELECT max(id) FROM t) + 1, 1), ((SELECT max(id) FROM t) + 2, 2)".to_string(),
        4 => format!(
            "WITH c(v) AS (SELECT a FROM t WHERE a > {n}) INSERT INTO u(x, y) VALUES ((SELECT min(v) FROM c), 'w'), ((SELECT max(v) FROM c), {v1})"
        ),
        5 => format!(
            "INSERT INTO t(id, a) VALUES ({}, (SELECT count(*) FROM u)), ({}, (SELECT max(x) FROM u WHERE x < {n})) ON CONFLICT(id) DO UPDATE SET a = excluded.a, c = (SELECT count(*) FROM t)",
            1 + n % 5,
            2 + n % 7
        ),
        6 => format!(
            "INSERT INTO u(x, y) VALUES ({v1}, 'p'), ((SELECT x FROM u WHERE y = {v2}), 'q')"
        ),
        7 => pick(
            rng,
            &[
                "INSERT INTO u VALUES (1, (SELECT 1, 2), 3), (2, 3, 4)",
                "INSERT INTO u VALUES (1, 2, 3), (2, (SELECT nosuch FROM t), 4)",
                "INSERT INTO u VALUES (1, 2, 3), (2, (SELECT 1))",
            ],
        )
        .to_string(),
        _ => format!(
            "INSERT INTO t(a, b) VALUES ({v1}, 'x'), ({n}, EXISTS (SELECT 1 FROM t WHERE a = {n})), ({n}, {n} IN (SELECT a FROM t))"
        ),
    };
    format!("{change}{returning}")
}

/// A change whose `RETURNING` holds subqueries that read other tables
/// than the one changed, correlated with the row returned or not.
fn returning_subquery(rng: &mut Rng) -> String {
    let (v1, v2) = (value(rng), value(rng));
    let n = rng.below(10);
    match rng.below(6) {
        0 => format!(
            "INSERT INTO t(a, b) VALUES ({v1}, {v2}), ({n}, 'r') RETURNING id, (SELECT count(*) FROM u WHERE u.x = t.a)"
        ),
        1 => format!(
            "UPDATE u SET z = z || 'r' WHERE x > {n} RETURNING x, (SELECT q FROM k WHERE k.p = u.x), (SELECT count(*) FROM t)"
        ),
        2 => format!(
            "DELETE FROM k WHERE p > {n} RETURNING p, (SELECT max(a) FROM t), EXISTS (SELECT 1 FROM u WHERE u.x = k.p)"
        ),
        3 => format!(
            "UPDATE t SET c = {v1} WHERE a < {n} RETURNING a, a IN (SELECT x FROM u), (SELECT group_concat(p) FROM k WHERE p < t.a)"
        ),
        4 => format!(
            "INSERT INTO k VALUES ({v1}, {v2}) ON CONFLICT(p) DO UPDATE SET q = excluded.q RETURNING p, (SELECT count(*) FROM u WHERE x = k.p)"
        ),
        _ => pick(
            rng,
            &[
                "DELETE FROM u WHERE x = 1 RETURNING (SELECT nosuch FROM t)",
                "DELETE FROM u WHERE x = 1 RETURNING (SELECT 1, 2)",
                "UPDATE t SET a = 1 WHERE 0 RETURNING (SELECT q FROM k WHERE p = t.nosuch)",
            ],
        )
        .to_string(),
    }
}

/// Runs `rounds` random schemas of `statements` changes each, made by
/// `change`, on both engines; returns how many statements both ran and
/// both failed.
fn differential(first_seed: u64, rounds: u64, change: fn(&mut Rng) -> String) -> (usize, usize) {
    let (mut same, mut failed) = (0, 0);
    for round in 0..rounds {
        let seed = first_seed.wrapping_add(round);
        let mut rng = Rng::new(seed);
        let disk = MemoryPlatform::new();
        let db = Database::open(&disk, "d.db", &Config::DEFAULT, Global).unwrap();
        let mine = db.connect();
        let oracle = rusqlite::Connection::open_in_memory().unwrap();
        for sql in schema(&mut rng) {
            mine.execute(&sql, &[]).unwrap();
            oracle.execute_batch(&sql).unwrap();
        }
        for i in 0..250 {
            let sql = change(&mut rng);
            match compare(&mine, &oracle, &sql, &format!("seed {seed}, statement {i}")) {
                Ran::Same => same += 1,
                Ran::Failed => failed += 1,
            }
        }
        assert!(db.integrity_check(0).unwrap().is_ok(), "seed {seed}");
    }
    (same, failed)
}

fn rounds() -> u64 {
    std::env::var("BOUNDLITE_DML_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(6)
}

#[test]
fn with_before_a_change_matches_sqlite() {
    let (same, failed) = differential(seed(7100), rounds(), with_change);
    println!("WITH changes: {same} ran alike, {failed} failed alike");
    assert!(same > failed * 3, "{same} ran, {failed} failed");
}

#[test]
fn with_before_a_change_written_by_hand() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "h.db", &Config::DEFAULT, Global).unwrap();
    let mine = db.connect();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    for sql in [
        "CREATE TABLE t(id INTEGER PRIMARY KEY, a INT, b TEXT, c)",
        "CREATE TABLE u(x INT, y TEXT, z)",
        "CREATE TABLE k(p PRIMARY KEY, q) WITHOUT ROWID",
    ] {
        mine.execute(sql, &[]).unwrap();
        oracle.execute_batch(sql).unwrap();
    }
    for sql in [
        "INSERT INTO t(a, b) VALUES (1, 'a'), (2, 'b'), (3, 'c')",
        "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 5) INSERT INTO u(x) SELECT n FROM c",
        "WITH c AS (SELECT 1) INSERT INTO u DEFAULT VALUES",
        "WITH c(n) AS (SELECT 7) REPLACE INTO k VALUES ((SELECT n FROM c), 1)",
        // The target is the stored table, the name elsewhere the WITH table.
        "WITH t(a) AS (SELECT 2) DELETE FROM t WHERE a IN (SELECT a FROM t)",
        "WITH u(x) AS (SELECT 9) UPDATE u SET z = (SELECT x FROM u) WHERE x > 3",
        "WITH c AS (SELECT * FROM t) INSERT INTO t(a, b) SELECT a + 10, b || b FROM c",
        "WITH c(n) AS (SELECT 1) DELETE FROM nosuch WHERE 1",
        "WITH c(n) AS (SELECT 1) DELETE FROM c",
        "WITH c(n) AS (SELECT 1) UPDATE t SET a = (SELECT nosuch FROM c)",
        "WITH c(n) AS (SELECT n FROM c) DELETE FROM t WHERE a IN (SELECT n FROM c)",
        "WITH c(n, m) AS (SELECT 1) DELETE FROM t WHERE a IN (SELECT n FROM c)",
        "WITH c(n) AS (SELECT 1) INSERT INTO t(a) SELECT n FROM c RETURNING id, a",
        "WITH c(n) AS (SELECT 3) UPDATE t SET c = 'x' WHERE a = (SELECT n FROM c) RETURNING *",
        "WITH c(n) AS (SELECT 3) DELETE FROM t WHERE a = (SELECT n FROM c) RETURNING b",
        "WITH c AS (SELECT 1) SELECT (WITH d AS (SELECT 2) INSERT INTO t VALUES (1, 1, 1, 1))",
        "WITH c AS (SELECT 1) WITH d AS (SELECT 1) DELETE FROM t",
    ] {
        compare(&mine, &oracle, sql, "by hand");
    }
    assert!(db.integrity_check(0).unwrap().is_ok());
    assert_sqlite_integrity_ok(&oracle);
}

#[test]
fn row_value_assignments_match_sqlite() {
    let (same, failed) = differential(seed(7200), rounds(), row_value_update);
    println!("row-value assignments: {same} ran alike, {failed} failed alike");
    assert!(same > failed * 2, "{same} ran, {failed} failed");
}

#[test]
fn update_from_matches_sqlite() {
    let (same, failed) = differential(seed(7300), rounds(), update_from);
    println!("UPDATE ... FROM: {same} ran alike, {failed} failed alike");
    assert!(same > failed * 2, "{same} ran, {failed} failed");
}

/// A row the join matches several times is changed once, with one of
/// its matches (SQLite leaves which unspecified).
#[test]
fn update_from_changes_a_row_matched_twice_once() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "twice.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    for sql in [
        "CREATE TABLE t(id INTEGER PRIMARY KEY, a INT, b TEXT, c)",
        "CREATE TABLE u(x INT, y TEXT, z)",
        "INSERT INTO t(a) VALUES (1), (2), (3)",
        "INSERT INTO u VALUES (1, 'a', 0), (1, 'b', 0), (2, 'c', 0), (7, 'd', 0)",
    ] {
        conn.execute(sql, &[]).unwrap();
    }
    let changed = conn
        .execute(
            "UPDATE t SET b = u.y, c = coalesce(c, 0) + 1 FROM u WHERE u.x <= t.a",
            &[],
        )
        .unwrap();
    assert_eq!(changed, 3);
    let rows = Exact::ours_ok(&conn, "SELECT a, b, coalesce(c, 0) FROM t ORDER BY a");
    let text = |s: &str| Exact::Text(s.as_bytes().to_vec());
    assert!(matches!(&rows[0][1], Exact::Text(b) if b == b"a" || b == b"b"));
    assert!([text("a"), text("b"), text("c")].contains(&rows[1][1]));
    assert!([text("a"), text("b"), text("c")].contains(&rows[2][1]));
    assert!(rows.iter().all(|r| r[2] == Exact::Int(1)), "{rows:?}");
    let changed = conn
        .execute("UPDATE t SET c = 0 FROM u, u AS v", &[])
        .unwrap();
    assert_eq!(changed, 3);
    assert!(db.integrity_check(0).unwrap().is_ok());
}

#[test]
fn update_or_ignore_matches_sqlite() {
    let (same, failed) = differential(seed(7400), rounds(), update_or_ignore);
    println!("UPDATE OR IGNORE: {same} ran alike, {failed} failed alike");
    assert!(same > failed * 2, "{same} ran, {failed} failed");
}

#[test]
fn upsert_subqueries_match_sqlite() {
    let (same, failed) = differential(seed(7500), rounds(), upsert_subquery);
    println!("upsert subqueries: {same} ran alike, {failed} failed alike");
    assert!(same > failed * 2, "{same} ran, {failed} failed");
}

#[test]
fn values_subqueries_match_sqlite() {
    let (same, failed) = differential(seed(7600), rounds(), values_subquery);
    println!("VALUES subqueries: {same} ran alike, {failed} failed alike");
    assert!(same > failed, "{same} ran, {failed} failed");
}

#[test]
fn returning_subqueries_match_sqlite() {
    let (same, failed) = differential(seed(7700), rounds(), returning_subquery);
    println!("RETURNING subqueries: {same} ran alike, {failed} failed alike");
    assert!(same > failed * 2, "{same} ran, {failed} failed");
}

/// A subquery in `RETURNING` that may read the table changed is refused:
/// which of the statement's changes it sees is SQLite's own order of work.
#[test]
fn returning_subqueries_reading_the_table_changed_are_refused() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "r.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    for sql in [
        "CREATE TABLE t(a)",
        "CREATE VIEW v AS SELECT * FROM t",
        "INSERT INTO t VALUES (1)",
    ] {
        conn.execute(sql, &[]).unwrap();
    }
    for sql in [
        "UPDATE t SET a = a + 1 RETURNING (SELECT sum(a) FROM t)",
        "DELETE FROM t RETURNING (SELECT count(*) FROM v)",
        "WITH c AS (SELECT 1) INSERT INTO t VALUES (2) RETURNING (SELECT * FROM c)",
    ] {
        let e = Exact::ours(&conn, sql).unwrap_err();
        assert_eq!(
            e.to_string(),
            "SQL error: subqueries in RETURNING that read the table changed are not supported",
            "{sql}"
        );
    }
    assert_eq!(Exact::ours_ok(&conn, "SELECT a FROM t"), [[Exact::Int(1)]]);
}

/// A column named twice in an `INSERT`'s list is refused: SQLite stores
/// the first value given for it.
#[test]
fn an_insert_naming_a_column_twice_is_refused() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "d.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    conn.execute("CREATE TABLE t(a, b)", &[]).unwrap();
    for sql in [
        "INSERT INTO t(b, b) VALUES (1, 2)",
        "INSERT INTO t(a, \"A\") SELECT 1, 2",
        "INSERT INTO t(rowid, oid, a) VALUES (1, 2, 3)",
    ] {
        let e = Exact::ours(&conn, sql).unwrap_err();
        assert_eq!(
            e.to_string(),
            "SQL error: an INSERT column list naming a column twice is not supported",
            "{sql}"
        );
    }
    assert!(Exact::ours_ok(&conn, "SELECT * FROM t").is_empty());
}

/// Every table's rows, read on `conn`.
fn rows<P: Platform, A: boundlite::alloc::Allocator + Clone>(
    conn: &Connection<'_, P, A>,
) -> Vec<Vec<boundlite_tests::compare::V>> {
    TABLES
        .iter()
        .flat_map(|q| boundlite_tests::compare::V::ours_ok(conn, q))
        .collect()
}

/// Sweeps each of `changes` (with the rows it changes) on a fresh
/// database of the fixed schema, in an arena that fails every allocation
/// from one on.
fn sweep_all(changes: &[(&str, usize)]) {
    let disk = MemoryPlatform::new();
    let mut buffer = vec![0u8; 512 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    let db = Database::open(&disk, "oom.db", &Config::DEFAULT, &fault).unwrap();
    let conn = db.connect();
    for sql in [
        "CREATE TABLE t(id INTEGER PRIMARY KEY, a INT, b TEXT, c)",
        "CREATE INDEX ta ON t(a)",
        "CREATE TABLE u(x INT, y TEXT, z, UNIQUE(x))",
        "CREATE TABLE k(p PRIMARY KEY, q) WITHOUT ROWID",
        "INSERT INTO t(a, b, c) VALUES (1, 'a', 1), (2, 'b', 2), (3, 'c', 3), (4, 'd', 4)",
        "INSERT INTO u VALUES (1, 'a', 1), (2, 'b', 2), (5, 'e', 5)",
        "INSERT INTO k VALUES (1, 'a'), (2, 'b'), ('x', 3)",
    ] {
        conn.execute(sql, &[]).unwrap();
    }
    for (sql, changed) in changes {
        let report = sweep_change(&fault, &conn, sql, || rows(&conn));
        assert_eq!(report.value, *changed, "{sql}");
        assert!(report.failure_points > 3, "{sql}");
        assert!(db.integrity_check(0).unwrap().is_ok(), "{sql}");
    }
    drop(conn);
    drop(db);
    assert_eq!(arena.stats().live_allocations, 0, "leaked");
}

#[test]
fn with_before_a_change_survives_every_allocation_failure() {
    sweep_all(&[
        (
            "WITH RECURSIVE c(n) AS (SELECT 10 UNION ALL SELECT n + 1 FROM c WHERE n < 14) INSERT INTO u(x, y) SELECT n, 'r' || n FROM c",
            5,
        ),
        (
            "WITH c(v) AS (VALUES (1), (3)), d AS (SELECT v * 2 AS v FROM c) UPDATE t SET c = (SELECT max(v) FROM d) WHERE a IN (SELECT v FROM c)",
            2,
        ),
        (
            "WITH c AS (SELECT x FROM u WHERE x > 10) DELETE FROM u WHERE x IN (SELECT x FROM c)",
            4,
        ),
        (
            "WITH c(v) AS (SELECT 1 UNION ALL SELECT 'x') DELETE FROM k WHERE p IN (SELECT v FROM c) RETURNING q",
            2,
        ),
    ]);
}

#[test]
fn row_value_assignments_survive_every_allocation_failure() {
    sweep_all(&[
        ("UPDATE t SET (a, b) = (b, a), c = 0 WHERE id > 1", 3),
        (
            "UPDATE u SET (y, z) = (SELECT b, c FROM t WHERE t.a = u.x) WHERE x < 5",
            2,
        ),
        (
            "UPDATE t SET (c, a) = (SELECT max(a) + 1, count(*) FROM t)",
            4,
        ),
        ("UPDATE k SET (q, p) = (p, q) WHERE p = 1", 1),
        (
            "INSERT INTO t(id, a) VALUES (2, 0), (9, 9) ON CONFLICT(id) DO UPDATE SET (a, b) = (excluded.a + a, b || b)",
            2,
        ),
    ]);
}

#[test]
fn update_from_survives_every_allocation_failure() {
    sweep_all(&[
        ("UPDATE t SET c = k.q FROM k WHERE k.p = t.a", 2),
        (
            "UPDATE t SET (a, b) = (o.a + 10, o.b || k.q) FROM t AS o, k WHERE o.id = t.id + 1 AND k.p = t.a RETURNING *",
            2,
        ),
        (
            "WITH c(v) AS (SELECT x FROM u) UPDATE u SET z = g.n FROM (SELECT p, count(*) AS n FROM k GROUP BY p) AS g, c WHERE g.p = u.x AND c.v = u.x",
            2,
        ),
    ]);
}

#[test]
fn update_or_ignore_survives_every_allocation_failure() {
    sweep_all(&[
        ("UPDATE OR IGNORE u SET x = x + 1", 2),
        ("UPDATE OR IGNORE t SET id = id + 1 RETURNING *", 1),
        ("UPDATE OR IGNORE k SET p = 2 WHERE p = 1 OR p = 'x'", 0),
    ]);
}

#[test]
fn upsert_subqueries_survive_every_allocation_failure() {
    sweep_all(&[
        (
            "INSERT INTO t(id, a) VALUES (1, 5), (2, 6), (9, 9) ON CONFLICT(id) DO UPDATE SET c = (SELECT count(*) FROM t) + excluded.a WHERE EXISTS (SELECT 1 FROM u WHERE u.x = t.a)",
            3,
        ),
        (
            "INSERT INTO k VALUES (1, 'z') ON CONFLICT(p) DO UPDATE SET q = (SELECT group_concat(y) FROM u WHERE u.x >= k.p) || excluded.q",
            1,
        ),
    ]);
}

#[test]
fn values_and_returning_subqueries_survive_every_allocation_failure() {
    sweep_all(&[
        (
            "INSERT INTO t(a, b) VALUES (7, (SELECT max(b) FROM t)), ((SELECT count(*) FROM t), 'z')",
            2,
        ),
        (
            "INSERT INTO u VALUES ((SELECT max(a) FROM t) + 10, 'p', 1), (20, (SELECT group_concat(q) FROM k), 2)",
            2,
        ),
        (
            "UPDATE u SET z = 0 WHERE x < 3 RETURNING x, (SELECT q FROM k WHERE k.p = u.x), (SELECT count(*) FROM t)",
            2,
        ),
    ]);
}
