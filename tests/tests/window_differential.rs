//! Random window queries checked against SQLite, row for row and in
//! SQLite's order: random NULL-heavy tables (integers, reals, text that
//! sorts in more than one way), and queries of one to three window calls
//! (every window function and aggregate, with and without `FILTER`) over
//! random partitions, orders and frames (`ROWS`, `RANGE`, `GROUPS`, every
//! kind of bound, `EXCLUDE`), inline or named in a `WINDOW` clause, in
//! result columns and `ORDER BY`, with `WHERE`, `DISTINCT` and `LIMIT`;
//! and windows over the groups of a query that groups.
//!
//! `BOUNDLITE_WINDOW_ROUNDS` sets the number of tables (8 by default,
//! 500 queries each); `BOUNDLITE_SEED` the first seed.
//!
//! Every query must give SQLite's rows, or both engines an error, or
//! boundlite a "not supported" error naming what it refuses (counted,
//! and kept well below the queries that agree).
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::Global;
use boundlite::platform::MemoryPlatform;
use boundlite::{Config, Database, Error};
use boundlite_tests::compare::{V, ours, theirs};
use boundlite_tests::rng::{Rng, seed};

fn pick<'a>(rng: &mut Rng, items: &[&'a str]) -> &'a str {
    items[rng.below(items.len() as u64) as usize]
}

/// A table `t(id, g, a, b, c)` of 5 to 40 rows: `g` a few groups, `a`
/// small integers, `b` reals and integers, `c` text in two cases, each
/// often NULL.
fn schema(rng: &mut Rng) -> String {
    let mut sql =
        String::from("CREATE TABLE t(id INTEGER PRIMARY KEY, g, a INTEGER, b REAL, c TEXT);");
    let rows = 5 + rng.below(36);
    for id in 1..=rows {
        let g = pick(rng, &["'x'", "'y'", "'z'", "NULL", "1"]);
        let a = pick(rng, &["-2", "0", "1", "1", "2", "3", "5", "NULL", "NULL"]);
        let b = pick(
            rng,
            &["0.5", "1.25", "2", "2.0", "-1.5", "3", "NULL", "NULL"],
        );
        let c = pick(rng, &["'p'", "'q'", "'Q'", "'r'", "'pp'", "NULL"]);
        sql += &format!("INSERT INTO t VALUES ({id}, {g}, {a}, {b}, {c});");
    }
    sql
}

/// A window function call, without `OVER`.
fn call(rng: &mut Rng) -> String {
    let column = pick(rng, &["a", "b", "c", "g", "id"]);
    let n = rng.below(4) + 1;
    let call = match rng.below(22) {
        0 => "row_number()".to_string(),
        1 => "rank()".to_string(),
        2 => "dense_rank()".to_string(),
        3 => "percent_rank()".to_string(),
        4 => "cume_dist()".to_string(),
        5 => format!("ntile({n})"),
        6 => format!("lag({column})"),
        7 => format!("lead({column}, {n}, -1)"),
        8 => format!("lag({column}, {}, id)", rng.below(3)),
        9 => format!("first_value({column})"),
        10 => format!("last_value({column})"),
        11 => format!("nth_value({column}, {n})"),
        12 => "count(*)".to_string(),
        13 => format!("count({column})"),
        14 => "sum(a)".to_string(),
        15 => "total(a)".to_string(),
        16 => "avg(a)".to_string(),
        17 => format!("min({column})"),
        18 => format!("max({column})"),
        19 => format!("group_concat({column})"),
        20 => "group_concat(c, '-')".to_string(),
        _ => "string_agg(id, ',')".to_string(),
    };
    let aggregate = call.starts_with("count")
        || [
            "sum",
            "total",
            "avg",
            "min",
            "max",
            "group_concat",
            "string_agg",
        ]
        .iter()
        .any(|f| call.starts_with(f));
    if aggregate && rng.below(5) == 0 {
        return format!(
            "{call} FILTER (WHERE {})",
            pick(rng, &["a > 0", "c IS NOT NULL", "id % 2 = 0"])
        );
    }
    call
}

/// A frame, often none.
fn frame(rng: &mut Rng) -> String {
    if rng.below(3) == 0 {
        return String::new();
    }
    let unit = pick(rng, &["ROWS", "ROWS", "RANGE", "GROUPS"]);
    let offset = pick(rng, &["0", "1", "2", "3"]);
    let starts = [
        "UNBOUNDED PRECEDING".to_string(),
        format!("{offset} PRECEDING"),
        "CURRENT ROW".to_string(),
        format!("{offset} FOLLOWING"),
    ];
    let start = rng.below(4) as usize;
    let frame = if rng.below(4) == 0 && start < 3 {
        format!(" {unit} {}", starts[start])
    } else {
        let offset = pick(rng, &["0", "1", "2", "4"]);
        let ends = [
            format!("{offset} PRECEDING"),
            "CURRENT ROW".to_string(),
            format!("{offset} FOLLOWING"),
            "UNBOUNDED FOLLOWING".to_string(),
        ];
        // Ends that do not come before the start (an error otherwise).
        let end = match start {
            0 | 1 => rng.below(4) as usize,
            2 => 1 + rng.below(3) as usize,
            _ => 2 + rng.below(2) as usize,
        };
        format!(" {unit} BETWEEN {} AND {}", starts[start], ends[end])
    };
    let exclude = pick(
        rng,
        &[
            "",
            "",
            "",
            " EXCLUDE CURRENT ROW",
            " EXCLUDE GROUP",
            " EXCLUDE TIES",
            " EXCLUDE NO OTHERS",
        ],
    );
    format!("{frame}{exclude}")
}

/// A window spec, inside its parentheses; with `unique`, its order
/// leaves no ties.
fn spec(rng: &mut Rng, unique: bool) -> String {
    let partition = pick(
        rng,
        &[
            "",
            "",
            "PARTITION BY g ",
            "PARTITION BY a % 2 ",
            "PARTITION BY g, c ",
        ],
    );
    let order = pick(
        rng,
        &[
            "",
            "ORDER BY a",
            "ORDER BY a DESC",
            "ORDER BY b NULLS LAST",
            "ORDER BY b DESC NULLS FIRST",
            "ORDER BY c, id",
            "ORDER BY g DESC, a",
            "ORDER BY id",
        ],
    );
    let order = match (unique, order) {
        (false, order) => order.to_string(),
        (true, "") => "ORDER BY id".to_string(),
        (true, order) if order.ends_with("id") => order.to_string(),
        (true, order) => format!("{order}, id"),
    };
    format!("{partition}{order}{}", frame(rng))
        .trim()
        .to_string()
}

/// A query. The order SQLite gives rows that tie in a window's order
/// follows the order it computes windows of different specs in, which
/// SQL leaves open: a query with more than one spec orders without ties.
fn query(rng: &mut Rng) -> String {
    if rng.below(5) == 0 {
        return grouped_query(rng);
    }
    let calls = 1 + rng.below(3);
    let named = rng.below(4) == 0;
    let tail = rng.below(6);
    let unique = (calls > 1 && !named) || tail == 1;
    let mut columns = vec!["id".to_string()];
    for _ in 0..calls {
        let over = if named {
            "w".to_string()
        } else {
            format!("({})", spec(rng, unique))
        };
        let call = format!("{} OVER {over}", call(rng));
        columns.push(match rng.below(6) {
            0 => format!("coalesce({call}, 0) + 1"),
            _ => call,
        });
    }
    let window = if named {
        format!(" WINDOW w AS ({})", spec(rng, unique))
    } else {
        String::new()
    };
    let filter = pick(rng, &["", "", " WHERE a IS NOT NULL", " WHERE id % 3 <> 1"]);
    let tail = match tail {
        0 => String::new(),
        1 => format!(" ORDER BY {} OVER (ORDER BY id DESC), id", call(rng)),
        2 => " ORDER BY 2 DESC, id LIMIT 5 OFFSET 1".to_string(),
        _ => " ORDER BY id".to_string(),
    };
    let distinct = if rng.below(10) == 0 { "DISTINCT " } else { "" };
    format!(
        "SELECT {distinct}{} FROM t{filter}{window}{tail}",
        columns.join(", ")
    )
}

/// A query that groups, its windows over the groups' rows.
fn grouped_query(rng: &mut Rng) -> String {
    let key = pick(rng, &["g", "a % 3", "c"]);
    let aggregate = |rng: &mut Rng| {
        pick(rng, &["count(*)", "sum(a)", "max(c)", "min(b)", "count(b)"]).to_string()
    };
    let mut columns = vec![key.to_string(), aggregate(rng)];
    for _ in 0..1 + rng.below(2) {
        let function = match rng.below(7) {
            0 => "row_number()".to_string(),
            1 => "rank()".to_string(),
            2 => format!("sum({})", aggregate(rng)),
            3 => format!("lag({})", aggregate(rng)),
            4 => format!("first_value({key})"),
            5 => format!("count(*) FILTER (WHERE {} > 1)", aggregate(rng)),
            _ => format!("max({})", aggregate(rng)),
        };
        let partition = pick(rng, &["", "", "PARTITION BY count(*) > 2 "]);
        let order = format!("ORDER BY {}, {key}", aggregate(rng));
        let frame = pick(
            rng,
            &[
                "",
                " ROWS 1 PRECEDING",
                " RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING",
                " GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE TIES",
            ],
        );
        columns.push(format!("{function} OVER ({partition}{order}{frame})"));
    }
    let having = pick(rng, &["", " HAVING count(*) > 1"]);
    let filter = pick(rng, &["", " WHERE id % 4 <> 0"]);
    format!(
        "SELECT {} FROM t{filter} GROUP BY {key}{having} ORDER BY {key}",
        columns.join(", ")
    )
}

#[test]
fn random_windows_match_sqlite() {
    let base = seed(1);
    let (mut agreed, mut refused, mut errors) = (0, 0, 0);
    let rounds = std::env::var("BOUNDLITE_WINDOW_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(8u64);
    for round in 0..rounds {
        let mut rng = Rng::new(base.wrapping_add(round * 7919));
        let schema = schema(&mut rng);
        let disk = MemoryPlatform::new();
        let db = Database::open(&disk, "w.db", &Config::DEFAULT, Global).unwrap();
        let conn = db.connect();
        conn.execute(&schema, &[]).unwrap();
        // A partition whose frames need it is held whole, in half the
        // sort budget (see `exec/window`): the default 64 KiB holds a
        // few dozen of these wide rows.
        conn.execute("PRAGMA sort_memory = 1048576", &[]).unwrap();
        let oracle = rusqlite::Connection::open_in_memory().unwrap();
        oracle.execute_batch(&schema).unwrap();
        for _ in 0..500 {
            let sql = query(&mut rng);
            match (ours(&conn, &sql), theirs(&oracle, &sql)) {
                (Ok(a), Ok(b)) => {
                    let same: Vec<Vec<V>> = b;
                    assert_eq!(a, same, "round {round}: {sql}\nschema: {schema}");
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
        agreed > 4 * (refused + errors),
        "{agreed} agreed, {errors} errors, {refused} refused"
    );
}
