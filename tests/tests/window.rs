//! Window functions checked against SQLite (rusqlite, bundled), row for
//! row: each function over each kind of frame, named windows, several
//! windows in one query, windows in `ORDER BY`, in subqueries, views and
//! `WITH` tables; SQLite's errors for misuse; what is refused by name.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::Global;
use boundlite::platform::MemoryPlatform;
use boundlite::{Config, Database};
use boundlite_tests::compare::{ours, theirs};

const SCHEMA: &str = "
    CREATE TABLE t(id INTEGER PRIMARY KEY, g TEXT, x INTEGER, y REAL, s TEXT);
    INSERT INTO t VALUES (1, 'a', 3, 1.5, 'p'), (2, 'b', NULL, 2.0, 'q'),
        (3, 'a', 1, NULL, 'r'), (4, 'a', 3, 0.5, NULL), (5, 'b', 7, 7.25, 's'),
        (6, NULL, 2, 2.0, 't'), (7, 'b', 7, NULL, 'u'), (8, 'a', NULL, 3.0, 'v'),
        (9, NULL, 5, 1.0, 'w'), (10, 'b', 2, 2.0, 'x');
";

/// Both engines over `SCHEMA`, and a check that every query in `queries`
/// gives the same rows in the same order on both.
fn check(queries: &[&str]) {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "w.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    conn.execute(SCHEMA, &[]).unwrap();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    oracle.execute_batch(SCHEMA).unwrap();
    for sql in queries {
        let a = ours(&conn, sql);
        let b = theirs(&oracle, sql);
        match (&a, &b) {
            (Ok(x), Ok(y)) => assert_eq!(x, y, "rows differ for {sql}"),
            _ => panic!("{sql}\n  boundlite: {a:?}\n  sqlite:    {b:?}"),
        }
    }
}

#[test]
fn ranking_functions() {
    check(&[
        "SELECT id, row_number() OVER (ORDER BY id) FROM t",
        "SELECT id, row_number() OVER () FROM t",
        "SELECT id, g, x, rank() OVER (PARTITION BY g ORDER BY x), dense_rank() OVER (PARTITION BY g ORDER BY x) FROM t ORDER BY id",
        "SELECT id, percent_rank() OVER (ORDER BY x), cume_dist() OVER (ORDER BY x) FROM t ORDER BY id",
        "SELECT id, ntile(3) OVER (ORDER BY id), ntile(4) OVER (PARTITION BY g ORDER BY id), ntile(20) OVER (ORDER BY id) FROM t ORDER BY id",
        "SELECT id, rank() OVER (), dense_rank() OVER (), percent_rank() OVER (), cume_dist() OVER () FROM t ORDER BY id",
        "SELECT id, rank() OVER (ORDER BY x DESC NULLS FIRST) FROM t ORDER BY id",
    ]);
}

#[test]
fn value_functions() {
    check(&[
        "SELECT id, lag(x) OVER (ORDER BY id), lead(x) OVER (ORDER BY id) FROM t ORDER BY id",
        "SELECT id, lag(x, 2, -1) OVER (PARTITION BY g ORDER BY id), lead(x, 3, id) OVER (PARTITION BY g ORDER BY id) FROM t ORDER BY id",
        "SELECT id, lag(x, -1) OVER (ORDER BY id), lag(x, 0) OVER (ORDER BY id), lag(x, NULL, 9) OVER (ORDER BY id), lag(x, 1.5, 9) OVER (ORDER BY id), lag(x, '2') OVER (ORDER BY id) FROM t ORDER BY id",
        "SELECT id, first_value(x) OVER (PARTITION BY g ORDER BY y), last_value(x) OVER (PARTITION BY g ORDER BY y), nth_value(x, 2) OVER (PARTITION BY g ORDER BY y) FROM t ORDER BY id",
        "SELECT id, first_value(s) OVER w, last_value(s) OVER w, nth_value(s, 3) OVER w FROM t WINDOW w AS (ORDER BY id ROWS BETWEEN 1 PRECEDING AND 2 FOLLOWING) ORDER BY id",
        "SELECT id, nth_value(x, '2') OVER (ORDER BY id), nth_value(x, 2.0) OVER (ORDER BY id) FROM t ORDER BY id",
    ]);
}

#[test]
fn aggregates_over_windows() {
    check(&[
        "SELECT id, count(*) OVER (), count(x) OVER (), sum(x) OVER (), total(x) OVER (), avg(x) OVER (), min(x) OVER (), max(x) OVER () FROM t ORDER BY id",
        "SELECT id, count(*) OVER (ORDER BY x), sum(x) OVER (ORDER BY x), avg(y) OVER (ORDER BY x), min(s) OVER (ORDER BY x), max(s) OVER (ORDER BY x) FROM t ORDER BY id",
        "SELECT id, sum(x) OVER (PARTITION BY g ORDER BY id), group_concat(s) OVER (PARTITION BY g ORDER BY id), string_agg(s, '-') OVER (ORDER BY id DESC) FROM t ORDER BY id",
        "SELECT id, group_concat(s, id) OVER (ORDER BY id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) FROM t ORDER BY id",
        "SELECT id, count(*) FILTER (WHERE x > 2) OVER (ORDER BY id), sum(x) FILTER (WHERE g = 'a') OVER () FROM t ORDER BY id",
        "SELECT id, sum(x) OVER (ORDER BY id ROWS UNBOUNDED PRECEDING), sum(x) OVER (ORDER BY id ROWS 2 PRECEDING) FROM t ORDER BY id",
    ]);
}

#[test]
fn frames() {
    let mut queries = Vec::new();
    let bounds = [
        "UNBOUNDED PRECEDING",
        "2 PRECEDING",
        "1 PRECEDING",
        "CURRENT ROW",
        "1 FOLLOWING",
        "3 FOLLOWING",
        "UNBOUNDED FOLLOWING",
    ];
    for unit in ["ROWS", "RANGE", "GROUPS"] {
        for (i, start) in bounds.iter().enumerate().take(6) {
            for end in bounds.iter().skip(i.max(1)) {
                if start.ends_with("FOLLOWING") && !end.ends_with("FOLLOWING") {
                    continue;
                }
                for exclude in [
                    "",
                    " EXCLUDE CURRENT ROW",
                    " EXCLUDE GROUP",
                    " EXCLUDE TIES",
                ] {
                    let frame = format!("{unit} BETWEEN {start} AND {end}{exclude}");
                    queries.push(format!(
                        "SELECT id, count(*) OVER w, sum(x) OVER w, group_concat(id, '.') OVER w, first_value(id) OVER w, last_value(id) OVER w, nth_value(id, 2) OVER w, min(y) OVER w FROM t WINDOW w AS (PARTITION BY g ORDER BY x {frame}) ORDER BY id"
                    ));
                    queries.push(format!(
                        "SELECT id, count(*) OVER w, sum(id) OVER w, max(x) OVER w FROM t WINDOW w AS (ORDER BY y DESC {frame}) ORDER BY id"
                    ));
                }
            }
        }
    }
    let queries: Vec<&str> = queries.iter().map(String::as_str).collect();
    check(&queries);
}

/// Both engines over `SCHEMA`, and a check that every query in `queries`
/// fails on both with SQLite's message.
fn check_errors(queries: &[&str]) {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "w.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    conn.execute(SCHEMA, &[]).unwrap();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    oracle.execute_batch(SCHEMA).unwrap();
    for sql in queries {
        let a = ours(&conn, sql).expect_err(sql).to_string();
        let b = theirs(&oracle, sql).expect_err(sql).to_string();
        let a = a.strip_prefix("SQL error: ").unwrap_or(&a);
        // rusqlite adds where in the text the error is.
        let b = b.split(&format!(" in {sql}")).next().unwrap();
        assert_eq!(a, b, "{sql}");
    }
}

#[test]
fn misuse_fails_as_in_sqlite() {
    check_errors(&[
        "SELECT row_number() FROM t",
        "SELECT id FROM t WHERE row_number() OVER () > 1",
        "SELECT id FROM t WHERE 0 AND rank() OVER () > 1",
        "SELECT g FROM t GROUP BY row_number() OVER ()",
        "SELECT g FROM t GROUP BY g HAVING count(*) OVER () > 1",
        "SELECT abs(x) OVER () FROM t",
        "SELECT abs(x) FILTER (WHERE 1) FROM t",
        "SELECT count(*) OVER w FROM t",
        "SELECT count(*) OVER (w) FROM t",
        "SELECT count(*) OVER (w ORDER BY x) FROM t WINDOW w AS (ORDER BY id)",
        "SELECT count(*) OVER (w ROWS CURRENT ROW) FROM t WINDOW w AS (ROWS CURRENT ROW)",
        "SELECT count(*) OVER (w PARTITION BY x) FROM t WINDOW w AS (ORDER BY id)",
        "SELECT ntile(0) OVER () FROM t",
        "SELECT ntile(x) OVER (ORDER BY x) FROM t",
        "SELECT nth_value(x, 0) OVER (ORDER BY id) FROM t",
        "SELECT nth_value(x, NULL) OVER (ORDER BY id) FROM t",
        "SELECT nth_value(x, 1.5) OVER (ORDER BY id) FROM t",
        "SELECT count(*) OVER (ROWS -1 PRECEDING) FROM t",
        "SELECT count(*) OVER (ROWS BETWEEN CURRENT ROW AND 1.5 FOLLOWING) FROM t",
        "SELECT count(*) OVER (ORDER BY x RANGE 'x' PRECEDING) FROM t",
        "SELECT count(*) OVER (ORDER BY x RANGE BETWEEN CURRENT ROW AND -2 FOLLOWING) FROM t",
        "SELECT count(*) OVER (RANGE 1 PRECEDING) FROM t",
        "SELECT count(*) OVER (ORDER BY x, y RANGE 1 PRECEDING) FROM t",
        "SELECT count(*) OVER (ROWS 1 FOLLOWING) FROM t",
        "SELECT count(*) OVER (ROWS BETWEEN CURRENT ROW AND 1 PRECEDING) FROM t",
        "SELECT count(*) OVER (ROWS BETWEEN 1 FOLLOWING AND CURRENT ROW) FROM t",
        "SELECT row_number(1) OVER () FROM t",
        "SELECT ROW_NUMBER(1) OVER () FROM t",
        "SELECT lag() OVER () FROM t",
        "SELECT first_value(x, y) OVER () FROM t",
        "SELECT sum(x, y) OVER () FROM t",
        "SELECT min(x, y) OVER () FROM t",
        "SELECT count(DISTINCT x) OVER () FROM t",
        "SELECT row_number() FILTER (WHERE 1) OVER () FROM t",
        "SELECT sum(row_number() OVER ()) OVER () FROM t",
    ]);
}

#[test]
fn windows_together_and_nested() {
    check(&[
        "SELECT id, row_number() OVER (ORDER BY x), sum(id) OVER (PARTITION BY g), rank() OVER (ORDER BY s DESC) FROM t ORDER BY id",
        "SELECT id, x FROM t ORDER BY row_number() OVER (ORDER BY x DESC, id), id",
        "SELECT id, rank() OVER (ORDER BY x) AS r FROM t ORDER BY r DESC, id",
        "SELECT id, rank() OVER (ORDER BY x) FROM t ORDER BY 2, 1 LIMIT 4 OFFSET 2",
        "SELECT DISTINCT g, count(*) OVER (PARTITION BY g) FROM t ORDER BY 1",
        "SELECT id, x + row_number() OVER (ORDER BY id) * 10, coalesce(lag(s) OVER (ORDER BY id), 'none') FROM t ORDER BY id",
        "SELECT * FROM (SELECT id, row_number() OVER (PARTITION BY g ORDER BY id) AS n FROM t) WHERE n = 1 ORDER BY id",
        "WITH r AS (SELECT g, x, dense_rank() OVER (ORDER BY x) AS d FROM t) SELECT g, sum(d) FROM r GROUP BY g ORDER BY g",
        "SELECT id, (SELECT count(*) OVER () FROM t AS u WHERE u.x > t.x) FROM t ORDER BY id",
        "SELECT id, count(*) OVER w, sum(x) OVER (w ORDER BY id), max(id) OVER v FROM t WINDOW w AS (PARTITION BY g), v AS (w ORDER BY x ROWS 1 PRECEDING) ORDER BY id",
        "SELECT row_number() OVER (), count(*) OVER ()",
        "SELECT a.id, b.id, row_number() OVER (PARTITION BY a.g ORDER BY b.id DESC) FROM t AS a JOIN t AS b ON a.x = b.x ORDER BY 1, 2",
        "SELECT id, row_number() OVER (ORDER BY id) FROM t WHERE 0",
        "SELECT id, sum(x) OVER (ORDER BY id) FROM t WHERE x > 2 ORDER BY id",
        "SELECT g, row_number() OVER (PARTITION BY g) FROM t",
        "SELECT id, row_number() OVER (ORDER BY x) FROM t",
        "SELECT id, s COLLATE NOCASE, rank() OVER (ORDER BY upper(s) COLLATE NOCASE) FROM t ORDER BY id",
    ]);
}

#[test]
fn windows_over_groups() {
    check(&[
        "SELECT g, count(*), rank() OVER (ORDER BY count(*) DESC) FROM t GROUP BY g ORDER BY g",
        "SELECT g, sum(x), sum(sum(x)) OVER (ORDER BY g), row_number() OVER () FROM t GROUP BY g",
        "SELECT sum(count(*)) OVER () FROM t",
        "SELECT count(*), sum(x) OVER () FROM t",
        "SELECT x, count(*) OVER (PARTITION BY x) FROM t GROUP BY x ORDER BY x",
        "SELECT g, max(y), lag(max(y)) OVER (ORDER BY g), first_value(g) OVER (ORDER BY min(id) DESC) FROM t GROUP BY g HAVING count(*) > 1 ORDER BY g",
        "SELECT g, s, count(*) OVER w FROM t GROUP BY g WINDOW w AS (ORDER BY max(x)) ORDER BY 1",
        "SELECT count(*), row_number() OVER () FROM t WHERE 0",
        "SELECT DISTINCT count(*) OVER (), g FROM t GROUP BY g, x ORDER BY 2",
        "SELECT g, count(*) FROM t GROUP BY g ORDER BY dense_rank() OVER (ORDER BY count(*)), g",
    ]);
}

#[test]
fn filter_on_aggregates_without_a_window() {
    check(&[
        "SELECT count(*) FILTER (WHERE x > 2), sum(x) FILTER (WHERE g = 'a'), count(*) FROM t",
        "SELECT g, count(*) FILTER (WHERE y IS NULL), group_concat(s) FILTER (WHERE x > 1), avg(y) FROM t GROUP BY g ORDER BY g",
        "SELECT g, total(x) FILTER (WHERE id % 2 = 0) AS e FROM t GROUP BY g HAVING total(x) FILTER (WHERE id % 2 = 0) > 0 ORDER BY e, g",
    ]);
    // Which row a bare column reads beside a filtered min or max follows
    // SQLite's code, not a documented rule: refused by name.
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "w.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    conn.execute(SCHEMA, &[]).unwrap();
    let refused = ours(&conn, "SELECT max(x) FILTER (WHERE id < 2), s FROM t").unwrap_err();
    assert!(refused.to_string().contains("not supported"), "{refused}");
}
