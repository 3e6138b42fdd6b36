//! Parenthesised joins checked against SQLite: random joins of three or
//! four tables, parenthesised at random (groups at the start, right of
//! a join (a `LEFT JOIN`'s too, whose group matches as a unit), nested,
//! lone tables in parentheses with an alias after them),
//! mixing INNER, LEFT, CROSS and comma joins, with `ON` terms over the
//! tables in scope, over NULL-heavy tables with indexes; rows compared
//! as multisets, errors by SQLite's words.
//!
//! `BOUNDLITE_PAREN_JOIN_ROUNDS` sets the number of schemas (8 by
//! default, 300 queries each); `BOUNDLITE_SEED` the first seed.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::{Arena, FaultAlloc, Global};
use boundlite::format::PageSize;
use boundlite::platform::MemoryPlatform;
use boundlite::{Config, Database};
use boundlite_tests::compare::{Exact, Owned};
use boundlite_tests::rng::{Rng, seed};
use boundlite_tests::sweep::sweep_query_both;

const VALUES: [&str; 8] = ["1", "2", "3", "'1'", "'x'", "NULL", "NULL", "2.0"];

fn pick<'a>(rng: &mut Rng, items: &[&'a str]) -> &'a str {
    items[rng.below(items.len() as u64) as usize]
}

fn schema(rng: &mut Rng) -> String {
    let mut sql = String::new();
    for t in 1..=4 {
        let ty = pick(rng, &["", "INTEGER", "TEXT", "NUMERIC"]);
        sql += &format!("CREATE TABLE t{t}(a {ty}, b);");
        if rng.below(2) == 0 {
            sql += &format!("CREATE INDEX t{t}_a ON t{t}(a);");
        }
        for _ in 0..(2 + rng.below(6)) {
            sql += &format!(
                "INSERT INTO t{t} VALUES ({}, {});",
                pick(rng, &VALUES),
                pick(rng, &VALUES)
            );
        }
    }
    sql
}

/// A condition over the tables `scope` (their names as written).
fn condition(rng: &mut Rng, scope: &[String]) -> String {
    let one = |rng: &mut Rng| {
        let x = &scope[rng.below(scope.len() as u64) as usize];
        let y = &scope[rng.below(scope.len() as u64) as usize];
        let (cx, cy) = (pick(rng, &["a", "b"]), pick(rng, &["a", "b"]));
        match rng.below(6) {
            0 => format!("{x}.{cx} IS NULL"),
            1 => format!("{x}.{cx} > {y}.{cy}"),
            2 => format!("{x}.{cx} = {}", pick(rng, &VALUES)),
            _ => format!("{x}.{cx} = {y}.{cy}"),
        }
    };
    match rng.below(4) {
        0 => format!("{} AND {}", one(rng), one(rng)),
        1 => format!("({} OR {})", one(rng), one(rng)),
        _ => one(rng),
    }
}

/// A join of the tables `names`, in order, grouped by parentheses at
/// random; pushes the names it puts in scope onto `scope`.
fn joined(rng: &mut Rng, names: &[String], scope: &mut Vec<String>) -> String {
    let mut sql = String::new();
    let mut i = 0;
    let mut mine: Vec<String> = Vec::new();
    while i < names.len() {
        let left = names.len() - i;
        let take = if left >= 2 && rng.below(3) == 0 {
            2 + rng.below((left - 1) as u64) as usize
        } else {
            1
        };
        let part = if take == 1 {
            let name = &names[i];
            mine.push(name.clone());
            match rng.below(6) {
                // A lone table in parentheses: right of a join, SQLite
                // drops an alias written inside.
                0 if i > 0 => format!("({name})"),
                1 if i > 0 => format!("({name} AS q{i})"),
                _ => name.clone(),
            }
        } else {
            let mut inner = Vec::new();
            let group = joined(rng, &names[i..i + take], &mut inner);
            mine.extend(inner);
            format!("({group})")
        };
        if i == 0 {
            sql = part;
        } else {
            let op = match rng.below(10) {
                0..=3 => "JOIN",
                4..=5 => "LEFT JOIN",
                6..=7 => "CROSS JOIN",
                _ => ",",
            };
            let on = if op == "JOIN" || op == "LEFT JOIN" || rng.below(4) == 0 && op != "," {
                format!(" ON {}", condition(rng, &mine))
            } else {
                String::new()
            };
            sql = if op == "," {
                format!("{sql}, {part}")
            } else {
                format!("{sql} {op} {part}{on}")
            };
        }
        i += take;
    }
    scope.extend(mine);
    sql
}

fn query(rng: &mut Rng) -> String {
    let n = 3 + rng.below(2) as usize;
    let names: Vec<String> = (1..=n).map(|t| format!("t{t}")).collect();
    let mut scope = Vec::new();
    let from = joined(rng, &names, &mut scope);
    let filter = match rng.below(3) {
        0 => format!(" WHERE {}", condition(rng, &scope)),
        _ => String::new(),
    };
    match rng.below(4) {
        0 => format!("SELECT count(*), sum(t1.a), total(t2.b) FROM {from}{filter}"),
        1 => format!("SELECT t1.a, t{n}.b, t2.* FROM {from}{filter}"),
        _ => format!("SELECT * FROM {from}{filter}"),
    }
}

/// Whether `sql` has a parenthesised join of two tables or more right of
/// a `LEFT JOIN`.
fn left_group(sql: &str) -> bool {
    sql.match_indices("LEFT JOIN (").any(|(i, m)| {
        let rest = &sql[i + m.len()..];
        let mut depth = 1;
        for (j, c) in rest.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                let inside = &rest[..j];
                return inside.contains(" JOIN ") || inside.contains(", ");
            }
        }
        false
    })
}

fn sorted(mut rows: Vec<Vec<Exact>>) -> Vec<Vec<Exact>> {
    rows.sort_by_key(|r| format!("{r:?}"));
    rows
}

/// SQLite's message, without where in the text it points.
fn message(e: &rusqlite::Error) -> String {
    match e {
        rusqlite::Error::SqliteFailure(_, Some(m)) => m.clone(),
        rusqlite::Error::SqlInputError { msg, .. } => msg.clone(),
        other => other.to_string(),
    }
}

#[test]
fn random_parenthesised_joins_match_sqlite() {
    let base = seed(21);
    let rounds = std::env::var("BOUNDLITE_PAREN_JOIN_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(8u64);
    let (mut agreed, mut refused, mut errors, mut grouped) = (0, 0, 0, 0);
    let mut left_grouped = 0;
    for round in 0..rounds {
        let mut rng = Rng::new(base.wrapping_add(round * 7919));
        let schema = schema(&mut rng);
        let disk = MemoryPlatform::new();
        let db = Database::open(&disk, "p.db", &Config::DEFAULT, Global).unwrap();
        let conn = db.connect();
        conn.execute(&schema, &[]).unwrap();
        let oracle = rusqlite::Connection::open_in_memory().unwrap();
        oracle.execute_batch(&schema).unwrap();
        for _ in 0..300 {
            let sql = query(&mut rng);
            match (Exact::ours(&conn, &sql), Exact::theirs(&oracle, &sql)) {
                (Ok(a), Ok(b)) => {
                    assert_eq!(
                        sorted(a),
                        sorted(b),
                        "round {round}: {sql}\nschema: {schema}"
                    );
                    agreed += 1;
                    grouped += usize::from(sql.contains("JOIN (") || sql.contains(", ("));
                    left_grouped += usize::from(left_group(&sql));
                }
                (Err(e), _) if e.to_string().contains("not supported") => {
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
    println!(
        "{agreed} agreed ({grouped} with a group right of a join, {left_grouped} right of a LEFT JOIN), {errors} errors, {refused} refused"
    );
    assert!(
        left_grouped > agreed / 40,
        "{left_grouped} of {agreed} with a group of joins right of a LEFT JOIN"
    );
    assert!(agreed > 2 * (refused + errors), "{agreed} agreed");
    assert!(
        grouped > agreed / 5,
        "{grouped} of {agreed} grouped right of a join"
    );
}

/// Parenthesised joins swept with every allocation failing in turn.
const SWEPT: [&str; 4] = [
    "SELECT p.name, q.tag, r.note FROM p JOIN (q JOIN r ON r.tag = q.tag) ON q.pid = p.id",
    "SELECT count(*), max(r.note) FROM p, (q LEFT JOIN r ON r.tag = q.tag AND r.note > 'n3') \
     WHERE q.pid = p.id",
    "SELECT p.id, z.tag FROM p CROSS JOIN (q) AS z JOIN (r) ON r.tag = z.tag WHERE p.id < 4",
    "SELECT p.id, q.tag, r.note FROM p LEFT JOIN (q JOIN r ON r.tag = q.tag) ON q.pid = p.id \
     WHERE r.note IS NULL OR p.id > 2",
];

#[test]
fn every_allocation_failure_in_a_parenthesised_join_is_clean() {
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
         CREATE TABLE q(pid INTEGER, tag TEXT);
         CREATE INDEX q_pid ON q(pid);
         CREATE TABLE r(tag TEXT COLLATE NOCASE, note TEXT);";
    conn.execute(schema, &[]).unwrap();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    oracle.execute_batch(schema).unwrap();
    let mut fill = String::from("BEGIN;");
    for i in 0..20 {
        fill += &format!(
            "INSERT INTO p(name) VALUES ('p{}'); INSERT INTO q VALUES ({}, 't{}'); \
             INSERT INTO r VALUES ('T{}', 'n{i}');",
            i * 7 % 13,
            i % 11,
            i % 5,
            i % 7
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
