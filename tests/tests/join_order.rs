//! The order a join nests its loops in: many-table joins whose terms
//! link the tables in another order than `FROM`'s (the style of
//! sqllogictest's `select5.test`) give SQLite's rows while visiting a
//! number of rows that grows with the tables, not with their product
//! ([`Statement::rows_visited`], a count, not a time); `EXPLAIN QUERY
//! PLAN` shows the order chosen; a `LEFT` or `CROSS JOIN` keeps its
//! tables where `FROM` puts them; random joins of four to eight tables,
//! linked in random orders (some with a `RIGHT` or `FULL JOIN`), match
//! SQLite.
//!
//! `BOUNDLITE_JOIN_ROUNDS` sets the number of schemas of the random
//! joins (8 by default, 150 queries each); `BOUNDLITE_SEED` the first.
//!
//! [`Statement::rows_visited`]: boundlite::Statement::rows_visited
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::Global;
use boundlite::platform::MemoryPlatform;
use boundlite::{Config, Database, Error};
use boundlite_tests::compare::{Exact, Owned};
use boundlite_tests::rng::{Rng, seed};

/// Eight tables `t1`..`t8` of ten rows, `a` 1..10 and `b` = 11 - `a`,
/// no index: only the order of the loops can narrow them.
fn eight_tables() -> String {
    let mut sql = String::new();
    for t in 1..=8 {
        sql += &format!("CREATE TABLE t{t}(a INTEGER, b INTEGER);");
        for a in 1..=10 {
            sql += &format!("INSERT INTO t{t} VALUES ({a}, {});", 11 - a);
        }
    }
    sql
}

/// `FROM t1, ..., t8` with terms chaining the tables in the order
/// t1, t8, t2, t7, t3, t6, t4, t5: in `FROM` order each of t2, t3 and
/// t4 would be read once per row of the product of those before it.
const ZIGZAG: &str = "SELECT t1.a, t5.b, t8.a FROM t1, t2, t3, t4, t5, t6, t7, t8 \
     WHERE t5.a = t4.b AND t1.a = t8.b AND t6.a = t3.b AND t2.a = t8.b \
     AND t4.a = t6.b AND t7.a = t2.b AND t3.a = t7.b AND t1.a <= 4";

/// The chain in reversed `FROM` order, written as `JOIN ... ON`, each
/// `ON` naming the table to its right.
const REVERSED: &str = "SELECT count(*), sum(t1.a), sum(t8.b) FROM t1 \
     JOIN t2 ON t2.b = t3.a JOIN t3 ON t3.b = t4.a JOIN t4 ON t4.b = t5.a \
     JOIN t5 ON t5.b = t6.a JOIN t6 ON t6.b = t7.a JOIN t7 ON t7.b = t8.a \
     JOIN t8 ON t8.b = t1.a + 0";

#[test]
fn a_chain_of_eight_tables_visits_rows_in_proportion_to_the_tables() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "o.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    conn.execute(&eight_tables(), &[]).unwrap();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    oracle.execute_batch(&eight_tables()).unwrap();
    for sql in [ZIGZAG, REVERSED] {
        let mut stmt = conn.prepare(sql).unwrap();
        let mut ours = Vec::new();
        while let Some(row) = stmt.step().unwrap() {
            ours.push(row.values().map(Exact::from_ours).collect::<Vec<_>>());
        }
        let visited = stmt.rows_visited();
        let mut theirs = Exact::theirs_ok(&oracle, sql);
        ours.sort_by_key(|r| format!("{r:?}"));
        theirs.sort_by_key(|r| format!("{r:?}"));
        assert_eq!(ours, theirs, "{sql}");
        assert!(!ours.is_empty());
        // Each of the eight loops scans its ten rows once per row kept
        // above it (one, as each term keeps one row): 8 x 10 x 10 at
        // most. In `FROM` order the loops would visit the products of
        // the tables not yet linked, hundreds of thousands of rows.
        println!("{sql}: {visited} rows visited");
        assert!(visited <= 800, "{sql}: {visited} rows visited");
        // A second run counts the same.
        stmt.reset();
        while stmt.step().unwrap().is_some() {}
        assert_eq!(stmt.rows_visited(), visited, "{sql}");
    }
}

/// A join evaluates each term at its depth whether it lists its terms
/// (up to 32) or, past that, finds them by walking its clauses: the
/// zigzag chain with 17 and with 49 terms more (each table's `a + b =
/// 11` and `a <> k` past its values, true on every row, and one that
/// drops a row) gives SQLite's rows both ways.
#[test]
fn joins_with_few_and_many_terms_match_sqlite() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "n.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    conn.execute(&eight_tables(), &[]).unwrap();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    oracle.execute_batch(&eight_tables()).unwrap();
    for extra in [16, 48] {
        let mut sql = ZIGZAG.to_string();
        for i in 0..extra {
            let t = i % 8 + 1;
            match i % 2 {
                0 => sql += &format!(" AND t{t}.a + t{t}.b = 11"),
                _ => sql += &format!(" AND t{t}.a <> {}", 11 + i),
            }
        }
        sql += " AND t8.b <> 2";
        let mut ours = Exact::ours(&conn, &sql).unwrap();
        let mut theirs = Exact::theirs_ok(&oracle, &sql);
        ours.sort_by_key(|r| format!("{r:?}"));
        theirs.sort_by_key(|r| format!("{r:?}"));
        assert_eq!(ours, theirs, "{sql}");
        assert!(!ours.is_empty(), "{sql}");
    }
}

/// The `detail` column of `EXPLAIN QUERY PLAN sql`.
fn plan(conn: &boundlite::Connection<'_, &MemoryPlatform, Global>, sql: &str) -> Vec<String> {
    let explain = format!("EXPLAIN QUERY PLAN {sql}");
    let mut stmt = conn.prepare(&explain).unwrap();
    let mut details = Vec::new();
    while let Some(row) = stmt.step().unwrap() {
        match row.values().map(Exact::from_ours).last().unwrap() {
            Exact::Text(t) => details.push(String::from_utf8(t).unwrap()),
            other => panic!("{other:?}"),
        }
    }
    details
}

#[test]
fn explain_query_plan_shows_the_order_chosen() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "e.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    conn.execute(&eight_tables(), &[]).unwrap();
    // Each inner table, unindexed, is sought through an automatic
    // index on the column its term links.
    let auto = |t: &str, c: &str| format!("SEARCH {t} USING AUTOMATIC COVERING INDEX ({c}=?)");
    assert_eq!(
        plan(&conn, ZIGZAG),
        [
            "SCAN t1".to_string(),
            auto("t8", "b"),
            auto("t2", "a"),
            auto("t7", "a"),
            auto("t3", "a"),
            auto("t6", "a"),
            auto("t4", "a"),
            auto("t5", "a"),
        ]
    );
    conn.execute(
        "CREATE TABLE p(id INTEGER PRIMARY KEY, x);
         CREATE TABLE q(id INTEGER PRIMARY KEY, pid);
         CREATE INDEX q_pid ON q(pid);",
        &[],
    )
    .unwrap();
    // The table a rowid equality seeks goes inside the one that gives
    // its bound, whatever `FROM`'s order, as SQLite nests them.
    assert_eq!(
        plan(&conn, "SELECT * FROM p, q WHERE p.id = q.pid + 1"),
        ["SCAN q", "SEARCH p USING INTEGER PRIMARY KEY (rowid=?)"]
    );
    assert_eq!(
        plan(
            &conn,
            "SELECT * FROM q JOIN p ON p.id = q.pid WHERE q.pid = 3"
        ),
        [
            "SEARCH q USING INDEX q_pid (pid=?)",
            "SEARCH p USING INTEGER PRIMARY KEY (rowid=?)"
        ]
    );
    // A LEFT JOIN's right table stays inside its left side, and the
    // tables after it inside it; a CROSS JOIN keeps its order.
    assert_eq!(
        plan(
            &conn,
            "SELECT * FROM t1 LEFT JOIN t2 ON t2.a = t1.a, p WHERE p.id = t2.b"
        ),
        [
            "SCAN t1".to_string(),
            format!("{} LEFT-JOIN", auto("t2", "a")),
            "SEARCH p USING INTEGER PRIMARY KEY (rowid=?)".to_string(),
        ]
    );
    assert_eq!(
        plan(&conn, "SELECT * FROM t1 CROSS JOIN p WHERE t1.a = p.x"),
        ["SCAN t1".to_string(), auto("p", "x")]
    );
}

/// A small integer or NULL: joins on such values match a few rows each.
fn value(rng: &mut Rng) -> String {
    match rng.below(7) {
        0 => "NULL".into(),
        n => (n - 1).to_string(),
    }
}

/// Eight tables `t1`..`t8` (a, b, c), some with a rowid alias or indexes.
fn random_schema(rng: &mut Rng) -> String {
    let mut sql = String::new();
    for t in 1..=8 {
        let alias = rng.below(3) == 0;
        let a = if alias {
            "a INTEGER PRIMARY KEY"
        } else {
            "a INTEGER"
        };
        sql += &format!("CREATE TABLE t{t}({a}, b INTEGER, c);");
        for column in ["b", "c"] {
            if rng.below(3) == 0 {
                sql += &format!("CREATE INDEX t{t}_{column} ON t{t}({column});");
            }
        }
        for n in 0..3 + rng.below(6) {
            let a = if alias {
                (n + 1).to_string()
            } else {
                value(rng)
            };
            sql += &format!(
                "INSERT INTO t{t} VALUES ({a}, {}, {});",
                value(rng),
                value(rng)
            );
        }
    }
    sql
}

/// A column of the table called `alias`.
fn column(rng: &mut Rng, alias: &str) -> String {
    format!(
        "{alias}.{}",
        ["a", "b", "c", "rowid"][rng.below(4) as usize]
    )
}

/// A query over four to eight tables whose terms link them along a
/// random order, in random order, as comma joins, `JOIN ... ON` (an `ON`
/// may name a table to its right), `CROSS JOIN`s, `LEFT JOIN`s and a
/// `RIGHT` or `FULL JOIN`; and
/// whether its rows come in an order both engines must keep.
fn random_query(rng: &mut Rng) -> (String, bool) {
    let count = 4 + rng.below(5) as usize;
    let aliases: Vec<String> = (0..count).map(|k| format!("x{k}")).collect();
    // The order the terms link the tables in: often the reverse of
    // `FROM`'s, else shuffled.
    let mut chain: Vec<usize> = (0..count).collect();
    if rng.below(3) == 0 {
        chain.reverse();
    } else {
        for i in (1..count).rev() {
            chain.swap(i, rng.below(i as u64 + 1) as usize);
        }
    }
    let mut links: Vec<String> = chain
        .windows(2)
        .map(|w| {
            let (l, r) = (&aliases[w[0]], &aliases[w[1]]);
            match rng.below(6) {
                0 => format!("{} < {}", column(rng, l), column(rng, r)),
                1 => format!("{} = {} + 1", column(rng, l), column(rng, r)),
                _ => format!("{} = {}", column(rng, l), column(rng, r)),
            }
        })
        .collect();
    if rng.below(2) == 0 {
        let k = rng.below(count as u64) as usize;
        links.push(format!("{} = {}", column(rng, &aliases[k]), value(rng)));
    }
    for i in (1..links.len()).rev() {
        links.swap(i, rng.below(i as u64 + 1) as usize);
    }
    let mut from = String::new();
    let mut left = false;
    // One RIGHT or FULL JOIN, not after a LEFT JOIN nor after an inner
    // join's ON (which may name a table right of it): what is refused.
    let mut preserved = false;
    let mut joined_on = false;
    for (k, alias) in aliases.iter().enumerate() {
        let table = format!("t{} AS {alias}", 1 + rng.below(8));
        if k == 0 {
            from += &table;
            continue;
        }
        match rng.below(10) {
            0 => from += &format!(" CROSS JOIN {table}"),
            1 if !left => {
                // The ON of a LEFT JOIN names tables to its left only.
                left = true;
                let on = format!("{} = {}", column(rng, alias), column(rng, &aliases[k - 1]));
                from += &format!(" LEFT JOIN {table} ON {on}");
            }
            2 | 3 if !links.is_empty() => {
                joined_on = true;
                let on = links.pop().unwrap();
                from += &format!(" JOIN {table} ON {on}");
            }
            4 if !left && !preserved && !joined_on => {
                preserved = true;
                let kind = ["RIGHT", "FULL"][rng.below(2) as usize];
                let on = format!("{} = {}", column(rng, alias), column(rng, &aliases[k - 1]));
                from += &format!(" {kind} JOIN {table} ON {on}");
            }
            _ => from += &format!(", {table}"),
        }
    }
    let filter = if links.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", links.join(" AND "))
    };
    let (k1, k2) = (rng.below(count as u64), rng.below(count as u64));
    let c1 = column(rng, &aliases[k1 as usize]);
    let c2 = column(rng, &aliases[k2 as usize]);
    match rng.below(5) {
        0 => (format!("SELECT * FROM {from}{filter}"), false),
        1 => (
            format!("SELECT count(*), sum({c1}), max({c2}) FROM {from}{filter}"),
            false,
        ),
        2 => (
            format!("SELECT {c1}, count(*) FROM {from}{filter} GROUP BY 1"),
            false,
        ),
        3 => (
            format!("SELECT {c1}, {c2} FROM {from}{filter} ORDER BY 1, 2"),
            true,
        ),
        _ => (
            format!("SELECT DISTINCT {c1}, {c2} FROM {from}{filter}"),
            false,
        ),
    }
}

#[test]
fn random_joins_of_many_tables_match_sqlite() {
    let base = seed(11);
    let rounds = std::env::var("BOUNDLITE_JOIN_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(8u64);
    let (mut agreed, mut refused, mut errors) = (0, 0, 0);
    for round in 0..rounds {
        let mut rng = Rng::new(base.wrapping_add(round * 104_729));
        let schema = random_schema(&mut rng);
        let disk = MemoryPlatform::new();
        let db = Database::open(&disk, "m.db", &Config::DEFAULT, Global).unwrap();
        let conn = db.connect();
        conn.execute(&schema, &[]).unwrap();
        let oracle = rusqlite::Connection::open_in_memory().unwrap();
        oracle.execute_batch(&schema).unwrap();
        for _ in 0..150 {
            let (sql, ordered) = random_query(&mut rng);
            let theirs = Exact::theirs(&oracle, &sql);
            match (Exact::ours(&conn, &sql), theirs) {
                (Ok(mut a), Ok(mut b)) => {
                    // Integers and NULLs only: an `ORDER BY` of every
                    // column leaves no two rows' order open.
                    if !ordered {
                        a.sort_by_key(|r| format!("{r:?}"));
                        b.sort_by_key(|r| format!("{r:?}"));
                    }
                    assert_eq!(a, b, "round {round}: {sql}\nschema: {schema}");
                    agreed += 1;
                }
                (Err(Error::Sql(e)), _) if e.contains("not supported") => refused += 1,
                // An `ON` naming a table to its right beside a `RIGHT` or
                // `FULL JOIN`, which both engines refuse.
                (Err(_), Err(_)) => errors += 1,
                (a, b) => panic!(
                    "round {round}: {sql}\n  boundlite: {a:?}\n  sqlite: {b:?}\nschema: {schema}"
                ),
            }
        }
    }
    println!("{agreed} agreed, {errors} both errors, {refused} refused");
    assert_eq!(refused, 0);
    assert!(agreed > 10 * errors, "{agreed} agreed, {errors} errors");
}
