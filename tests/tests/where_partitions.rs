//! Ternary logic partitioning (TLP, as SQLancer checks a database): for
//! any predicate `p`, the rows where `p` is true, where `NOT p` is true
//! and where `p IS NULL` are the whole table, each row in exactly one.
//! A plan that drops or repeats rows for one form of `p` (an index seek,
//! a rowid range, an `IN` list turned into seeks, a term pushed into a
//! join) breaks the sum even where no oracle is asked.
//!
//! Random tables with indexes over NULL-heavy values that compare equal
//! in more than one form, random predicates (comparisons, `BETWEEN`,
//! `IN`, `LIKE`, `IS`, `AND`/`OR`/`NOT`, `CASE`, subqueries), on one
//! table and on a join; each of the three counts is also checked against
//! SQLite's.
//!
//! `BOUNDLITE_SEED` sets the first seed; 6 schemas, 300 predicates each.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::Global;
use boundlite::platform::MemoryPlatform;
use boundlite::{Config, Database};
use boundlite_tests::compare::{Exact, Owned};
use boundlite_tests::rng::{Rng, seed};

const VALUES: [&str; 12] = [
    "1", "1.0", "'1'", "2", "3", "'x'", "'X'", "'a%'", "NULL", "NULL", "2.5", "x'01'",
];

const TYPES: [&str; 6] = [
    "",
    "INTEGER",
    "TEXT",
    "REAL",
    "NUMERIC",
    "TEXT COLLATE NOCASE",
];

fn pick<'a>(rng: &mut Rng, items: &[&'a str]) -> &'a str {
    items[rng.below(items.len() as u64) as usize]
}

fn schema(rng: &mut Rng) -> String {
    let mut sql = String::new();
    for table in ["t", "u"] {
        let key = if rng.below(2) == 0 {
            "k INTEGER PRIMARY KEY"
        } else {
            "k INTEGER"
        };
        sql += &format!(
            "CREATE TABLE {table}({key}, a {}, b {});",
            pick(rng, &TYPES),
            pick(rng, &TYPES)
        );
        for column in ["a", "b"] {
            if rng.below(2) == 0 {
                sql += &format!("CREATE INDEX {table}_{column} ON {table}({column});");
            }
        }
        if rng.below(3) == 0 {
            sql += &format!("CREATE INDEX {table}_ab ON {table}(a, b);");
        }
        for k in 1..=6 + rng.below(10) {
            sql += &format!(
                "INSERT INTO {table} VALUES ({k}, {}, {});",
                pick(rng, &VALUES),
                pick(rng, &VALUES)
            );
        }
    }
    sql
}

/// A value or column of `t` (`u` too when `join`).
fn operand(rng: &mut Rng, join: bool) -> String {
    let columns: &[&str] = if join {
        &["t.a", "t.b", "t.k", "u.a", "u.b", "u.k"]
    } else {
        &["a", "b", "k", "rowid"]
    };
    match rng.below(6) {
        0 | 1 => pick(rng, &VALUES).to_string(),
        2 => format!("{} + 0", pick(rng, columns)),
        _ => pick(rng, columns).to_string(),
    }
}

fn predicate(rng: &mut Rng, join: bool, depth: u32) -> String {
    let x = operand(rng, join);
    let choice = if depth > 2 {
        rng.below(8)
    } else {
        rng.below(12)
    };
    match choice {
        0..=2 => {
            let op = pick(rng, &["=", "<>", "<", "<=", ">", ">=", "==", "!="]);
            format!("{x} {op} {}", operand(rng, join))
        }
        3 => format!(
            "{x} BETWEEN {} AND {}",
            operand(rng, join),
            operand(rng, join)
        ),
        4 => {
            let list: Vec<String> = (0..1 + rng.below(4)).map(|_| operand(rng, join)).collect();
            let not = pick(rng, &["", "NOT "]);
            format!("{x} {not}IN ({})", list.join(", "))
        }
        5 => format!("{x} LIKE {}", pick(rng, &["'a%'", "'X'", "'1%'", "'_'"])),
        6 => format!("{x} IS {}", pick(rng, &["NULL", "NOT NULL", "1", "'x'"])),
        7 => {
            let table = pick(rng, &["t", "u"]);
            let not = pick(rng, &["", "NOT "]);
            format!("{x} {not}IN (SELECT a FROM {table} WHERE b IS NOT NULL)")
        }
        8 => format!(
            "({}) {} ({})",
            predicate(rng, join, depth + 1),
            pick(rng, &["AND", "OR"]),
            predicate(rng, join, depth + 1)
        ),
        9 => format!("NOT ({})", predicate(rng, join, depth + 1)),
        10 => format!(
            "CASE WHEN {} THEN {} ELSE {} END",
            predicate(rng, join, depth + 1),
            operand(rng, join),
            operand(rng, join)
        ),
        _ => format!(
            "EXISTS (SELECT 1 FROM u AS v WHERE v.a = {x} AND v.k > {})",
            rng.below(6)
        ),
    }
}

fn count(ours: &boundlite::Connection<'_, &MemoryPlatform, Global>, sql: &str) -> Option<i64> {
    match Exact::ours(ours, sql) {
        Ok(rows) => match rows.as_slice() {
            [row] => match row.as_slice() {
                [Exact::Int(n)] => Some(*n),
                other => panic!("{sql}: {other:?}"),
            },
            other => panic!("{sql}: {other:?}"),
        },
        Err(boundlite::Error::Sql(e)) if e.contains("not supported") => None,
        Err(e) => panic!("{sql}: {e}"),
    }
}

#[test]
fn the_rows_of_p_not_p_and_p_is_null_are_the_whole_table() {
    let first = seed(1);
    let (mut checked, mut refused) = (0, 0);
    for s in first..first + 6 {
        let mut rng = Rng::new(s);
        let setup = schema(&mut rng);
        let disk = MemoryPlatform::new();
        let db = Database::open(&disk, "tlp.db", &Config::DEFAULT, Global).unwrap();
        let conn = db.connect();
        conn.execute(&setup, &[]).unwrap();
        let oracle = rusqlite::Connection::open_in_memory().unwrap();
        oracle.execute_batch(&setup).unwrap();
        for _ in 0..300 {
            let join = rng.below(3) == 0;
            let from = if join {
                pick(
                    &mut rng,
                    &[
                        "t JOIN u ON t.k = u.k",
                        "t, u",
                        "t LEFT JOIN u ON u.a = t.b",
                    ],
                )
            } else {
                "t"
            };
            let p = predicate(&mut rng, join, 0);
            let whole = format!("SELECT count(*) FROM {from}");
            let parts = [
                format!("SELECT count(*) FROM {from} WHERE {p}"),
                format!("SELECT count(*) FROM {from} WHERE NOT ({p})"),
                format!("SELECT count(*) FROM {from} WHERE ({p}) IS NULL"),
            ];
            let mut sum = 0;
            let mut all = true;
            for sql in &parts {
                let Some(n) = count(&conn, sql) else {
                    all = false;
                    break;
                };
                let theirs = Exact::theirs_ok(&oracle, sql);
                assert_eq!(vec![vec![Exact::Int(n)]], theirs, "seed {s}: {sql}");
                sum += n;
            }
            if !all {
                refused += 1;
                continue;
            }
            let total = count(&conn, &whole).unwrap();
            assert_eq!(sum, total, "seed {s}: the parts of {p} over {from}");
            checked += 1;
        }
    }
    println!("{checked} predicates partitioned, {refused} refused");
    assert!(
        checked > 10 * refused,
        "{checked} checked, {refused} refused"
    );
}
