//! `INSTEAD OF` triggers against SQLite: `INSERT`, `UPDATE` and `DELETE`
//! on views run the views' `INSTEAD OF` triggers in their place. A script
//! of SQLite's rules (`NEW` and `OLD`, `UPDATE OF`, `WHEN`, `RAISE`, the
//! change counts, the errors) and random schemas of tables, views and
//! triggers taking random changes run on both engines, which must agree
//! after each statement on success or failure (SQLite's message), on
//! every table's rows and on `changes()`, `total_changes()` and
//! `last_insert_rowid()`; a prepared change to a view runs again with
//! each run's parameters; `RETURNING` on a view is refused by name; and
//! every allocation failure while a change to a view runs is
//! `OutOfMemory` and leaves the rows as they were.
//!
//! `BOUNDLITE_INSTEAD_ROUNDS` sets the number of random schemas (12 by
//! default, 150 changes each); `BOUNDLITE_SEED` the first seed.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::{Arena, FaultAlloc, Global};
use boundlite::platform::MemoryPlatform;
use boundlite::{Config, Database};
use boundlite_tests::compare::{Exact, Owned, V};
use boundlite_tests::rng::{Rng, seed};
use boundlite_tests::statewise::{Ran, compare};
use boundlite_tests::sweep::sweep_change;

const SCHEMA: &str = "CREATE TABLE t(a INTEGER PRIMARY KEY, b REAL, c TEXT COLLATE NOCASE);
CREATE TABLE u(x, y UNIQUE);
CREATE TABLE log(what, n);
CREATE VIEW v AS SELECT a, b, c FROM t;
CREATE VIEW w(p, q) AS SELECT x + 1, y FROM u;
CREATE VIEW j AS SELECT t.a, t.c, u.y FROM t JOIN u ON u.x = t.a;
INSERT INTO t VALUES (1, 1.5, 'one'), (2, 2, 'two'), (3, NULL, 'Three');
INSERT INTO u VALUES (1, 'u1'), (2, 'u2'), (9, 'u9')";

/// Each statement of the script, run on both engines in order.
const SCRIPT: &[&str] = &[
    // No trigger for the event: SQLite's error.
    "INSERT INTO v VALUES (4, 4, 'four')",
    "UPDATE v SET b = 1",
    "DELETE FROM v",
    "CREATE TRIGGER vu INSTEAD OF UPDATE OF c ON v BEGIN INSERT INTO log VALUES ('vu ' || old.c || '>' || new.c, old.a); END",
    "UPDATE v SET b = 1",
    "UPDATE v SET c = upper(c) WHERE a > 1",
    "UPDATE v SET c = 'same', b = 7 WHERE c = 'ONE'",
    "UPDATE main.v SET c = c || '!'",
    "UPDATE v AS z SET c = z.a WHERE z.a = 2",
    "UPDATE v SET nosuch = 1",
    "UPDATE v SET c = nosuch",
    // NEW of an INSERT: the values as given, no affinity, rowid -1.
    "CREATE TRIGGER vi INSTEAD OF INSERT ON v BEGIN INSERT INTO log VALUES ('vi ' || typeof(new.a) || typeof(new.b) || typeof(new.c) || ' ' || quote(new.b), new.a); END",
    "INSERT INTO v VALUES ('4', 5, 6)",
    "INSERT INTO v(c) VALUES ('only c'), (NULL)",
    "INSERT INTO v(c, a) SELECT y, x FROM u WHERE x < 3",
    "INSERT INTO v DEFAULT VALUES",
    "INSERT INTO v(nosuch) VALUES (1)",
    "INSERT INTO v VALUES (1, 2)",
    "INSERT INTO v VALUES (1, 2, 3) ON CONFLICT DO NOTHING",
    // NEW of an UPDATE takes the view's affinities.
    "CREATE TRIGGER vu2 INSTEAD OF UPDATE ON v BEGIN INSERT INTO log VALUES ('vu2 ' || typeof(new.a) || typeof(new.b) || typeof(new.c) || ' ' || quote(new.b), old.b); END",
    "UPDATE v SET b = '8', a = '9', c = 10 WHERE a = 1",
    "UPDATE v SET c = 'both'",
    // DELETE, WHEN, several triggers (the last made first), RAISE.
    "CREATE TRIGGER vd1 INSTEAD OF DELETE ON v WHEN old.a % 2 = 1 BEGIN DELETE FROM t WHERE a = old.a; END",
    "CREATE TRIGGER vd2 INSTEAD OF DELETE ON v BEGIN INSERT INTO log VALUES ('vd2', old.a); SELECT RAISE(IGNORE) WHERE old.a = 2; INSERT INTO log VALUES ('vd2 after', old.a); END",
    "DELETE FROM v WHERE a < 3",
    "SELECT * FROM v",
    "CREATE TRIGGER wi INSTEAD OF INSERT ON w BEGIN INSERT INTO u VALUES (new.p - 1, new.q); END",
    "INSERT INTO w VALUES (20, 'u19'), (30, 'u29')",
    "INSERT INTO w VALUES (40, 'u1')",
    "INSERT OR IGNORE INTO w VALUES (40, 'u1'), (50, 'u49')",
    "INSERT OR REPLACE INTO w VALUES (60, 'u1')",
    "INSERT OR FAIL INTO w VALUES (70, 'u69'), (80, 'u2'), (90, 'u89')",
    "CREATE TRIGGER wd INSTEAD OF DELETE ON w WHEN old.p > 50 BEGIN SELECT RAISE(ABORT, 'too big'); END",
    "DELETE FROM w WHERE p > 10",
    "CREATE TRIGGER wu INSTEAD OF UPDATE ON w BEGIN UPDATE u SET x = new.p - 1 WHERE y = old.q; SELECT RAISE(FAIL, 'stop at 20') WHERE old.p = 20; END",
    "UPDATE w SET p = p * 2",
    // A view over a join, a trigger changing another view.
    "CREATE TRIGGER jd INSTEAD OF DELETE ON j BEGIN INSERT INTO w VALUES (old.a + 100, old.y || '!'); INSERT INTO log VALUES ('jd', changes()); END",
    "DELETE FROM j",
    "SELECT * FROM w ORDER BY p",
    "CREATE TRIGGER tlog AFTER INSERT ON log WHEN new.n = 3 BEGIN INSERT INTO v VALUES (33, 33, 'from t'); END",
    "INSERT INTO log VALUES ('direct', 3)",
    "DELETE FROM v WHERE a = 3",
    "SELECT changes(), total_changes()",
    "DROP VIEW v",
    "SELECT name FROM sqlite_schema WHERE type = 'trigger' ORDER BY name",
];

fn oracle() -> rusqlite::Connection {
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    oracle.execute_batch(SCHEMA).unwrap();
    oracle
}

#[test]
fn a_script_of_view_changes_runs_as_in_sqlite() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "t.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    conn.execute(SCHEMA, &[]).unwrap();
    let oracle = oracle();
    let (mut failed, mut refused) = (0, 0);
    for sql in SCRIPT {
        match compare(&conn, &oracle, sql, "script") {
            Ran::Same => {}
            Ran::Failed => failed += 1,
            Ran::Refused => refused += 1,
        }
    }
    println!(
        "{} statements, {failed} failing alike, {refused} refused",
        SCRIPT.len()
    );
    assert!(failed >= 10, "{failed}");
    assert_eq!(refused, 0);
    assert!(db.integrity_check(0).unwrap().is_ok());
}

const TYPES: [&str; 4] = ["", "INTEGER", "TEXT", "REAL"];
const VALUES: [&str; 9] = ["1", "2", "'2'", "2.5", "NULL", "'x'", "-1", "3", "'3.0'"];
const TABLES: [&str; 3] = ["t1", "t2", "t3"];
const VIEWS: [&str; 4] = ["v1", "v2", "v3", "v4"];

fn pick<'a>(rng: &mut Rng, items: &[&'a str]) -> &'a str {
    items[rng.below(items.len() as u64) as usize]
}

/// A column of `who` (`new`, `old`, or the row's own when empty).
fn column(rng: &mut Rng, who: &str) -> String {
    let c = pick(rng, &["a", "b", "c"]);
    match who {
        "" => c.to_string(),
        _ => format!("{who}.{c}"),
    }
}

/// A condition on `who`.
fn condition(rng: &mut Rng, who: &str) -> String {
    match rng.below(5) {
        0 => format!("{} > {}", column(rng, who), pick(rng, &VALUES)),
        1 => format!("{} IS NULL", column(rng, who)),
        2 => format!("{} = {}", column(rng, who), column(rng, who)),
        3 => format!("{} % 2 = 0", column(rng, who)),
        _ => format!("{} < {}", column(rng, who), pick(rng, &VALUES)),
    }
}

/// A value: a constant, or a column of `who`.
fn value(rng: &mut Rng, who: &str) -> String {
    match (who, rng.below(3)) {
        ("", _) | (_, 0) => pick(rng, &VALUES).to_string(),
        (_, 1) => column(rng, who),
        _ => format!("{} || 'z'", column(rng, who)),
    }
}

/// A statement of a trigger whose rows `who` names.
fn action(rng: &mut Rng, who: &[&str]) -> String {
    let w = pick(rng, who);
    let table = pick(rng, &TABLES);
    match rng.below(12) {
        // The tables stay small: an update of many rows whose triggers
        // each insert one would double a table at each statement.
        0..=2 => format!(
            "INSERT INTO {table} SELECT {}, {}, {} WHERE (SELECT count(*) FROM {table}) < 24",
            value(rng, w),
            value(rng, w),
            value(rng, w)
        ),
        3 => format!(
            "UPDATE {table} SET {} = {} WHERE {}",
            column(rng, ""),
            value(rng, w),
            condition(rng, "")
        ),
        4 => format!("DELETE FROM {table} WHERE {}", condition(rng, w)),
        5 => format!(
            "INSERT INTO log SELECT {}, changes() || ' ' || total_changes() WHERE (SELECT count(*) FROM log) < 60",
            value(rng, w)
        ),
        6 => format!(
            "INSERT INTO {} VALUES ({}, {}, {})",
            pick(rng, &VIEWS),
            value(rng, w),
            value(rng, w),
            value(rng, w)
        ),
        7 => format!(
            "UPDATE {} SET {} = {} WHERE {}",
            pick(rng, &VIEWS),
            column(rng, ""),
            value(rng, w),
            condition(rng, "")
        ),
        8 => format!(
            "SELECT RAISE({}) WHERE {}",
            pick(
                rng,
                &[
                    "IGNORE",
                    "ABORT, 'abort'",
                    "FAIL, 'fail'",
                    "ROLLBACK, 'rollback'"
                ]
            ),
            condition(rng, w)
        ),
        9 => format!("SELECT RAISE(IGNORE) WHERE {}", condition(rng, w)),
        _ => format!(
            "INSERT INTO log SELECT {}, count(*) FROM {} WHERE {} HAVING (SELECT count(*) FROM log) < 60",
            value(rng, w),
            pick(rng, &VIEWS),
            condition(rng, "")
        ),
    }
}

/// Tables of random types and rows, the four views over them, and
/// random triggers: `INSTEAD OF` ones on the views, and a few others
/// on the tables. The triggers fire in the order the view's rows come,
/// which is the order the plan visits them, SQLite's or this engine's:
/// the views read one table each, never through an index (the script
/// has a join).
fn random_schema(rng: &mut Rng) -> String {
    let mut sql = String::new();
    for t in TABLES {
        // `t2.a` is unique: a trigger's change may fail halfway, or
        // replace rows.
        let unique = if t == "t2" { " UNIQUE" } else { "" };
        sql += &format!(
            "CREATE TABLE {t}(a {}{unique}, b {}, c {});",
            pick(rng, &TYPES),
            pick(rng, &TYPES),
            pick(rng, &TYPES)
        );
        for _ in 0..rng.below(6) {
            sql += &format!(
                "INSERT OR IGNORE INTO {t} VALUES ({}, {}, {});",
                pick(rng, &VALUES),
                pick(rng, &VALUES),
                pick(rng, &VALUES)
            );
        }
    }
    sql += "CREATE TABLE log(x, y);
        CREATE VIEW v1 AS SELECT a, b, c FROM t1;
        CREATE VIEW v2 AS SELECT a + 0 AS a, b + 1 AS b, c FROM t2 WHERE c IS NOT NULL OR a IS NOT NULL;
        CREATE VIEW v3 AS SELECT a, CAST(b AS TEXT) AS b, c FROM t1 WHERE c IS NOT NULL;
        CREATE VIEW v4 AS SELECT a, count(*) AS b, max(c) AS c FROM t3 GROUP BY a;";
    // Most views take a trigger or two for most events, so that most
    // changes run; the others fail as SQLite fails them.
    let mut i = 0;
    for view in VIEWS {
        for event in 0..3 {
            let count = match rng.below(10) {
                0 => 0,
                _ => 1 + rng.below(2),
            };
            for _ in 0..count {
                let (event, who): (String, &[&str]) = match (event, rng.below(2)) {
                    (0, _) => ("INSERT".into(), &["new"]),
                    (1, _) => ("DELETE".into(), &["old"]),
                    (_, 0) => ("UPDATE".into(), &["new", "old"]),
                    _ => (
                        format!("UPDATE OF {}", pick(rng, &["a", "b", "c"])),
                        &["new", "old"],
                    ),
                };
                let when = match rng.below(3) {
                    0 => {
                        let w = pick(rng, who);
                        format!(" WHEN {}", condition(rng, w))
                    }
                    _ => String::new(),
                };
                let body: Vec<String> = (0..1 + rng.below(3)).map(|_| action(rng, who)).collect();
                sql += &format!(
                    "CREATE TRIGGER g{i} INSTEAD OF {event} ON {view} FOR EACH ROW{when} BEGIN {}; END;",
                    body.join("; ")
                );
                i += 1;
            }
        }
    }
    if rng.below(2) == 0 {
        sql += "CREATE TRIGGER t1_in AFTER INSERT ON t1 BEGIN INSERT INTO log VALUES ('t1 in', new.a); END;";
    }
    sql
}

/// A change to a view (now and then to a table, or a transaction's
/// start or end).
fn random_change(rng: &mut Rng) -> String {
    let view = pick(rng, &VIEWS);
    let or = pick(rng, &["", "", "", " OR REPLACE", " OR IGNORE", " OR FAIL"]);
    match rng.below(14) {
        0..=2 => format!(
            "INSERT{or} INTO {view} VALUES ({}, {}, {}){}",
            pick(rng, &VALUES),
            pick(rng, &VALUES),
            pick(rng, &VALUES),
            match rng.below(2) {
                0 => format!(
                    ", ({}, {}, {})",
                    pick(rng, &VALUES),
                    pick(rng, &VALUES),
                    pick(rng, &VALUES)
                ),
                _ => String::new(),
            }
        ),
        3 => format!(
            "INSERT{or} INTO {view}(c, a) VALUES ({}, {})",
            pick(rng, &VALUES),
            pick(rng, &VALUES)
        ),
        4 => format!(
            "INSERT{or} INTO {view} SELECT c, a, b FROM {} WHERE {} LIMIT 3",
            pick(rng, &TABLES),
            condition(rng, "")
        ),
        5..=7 => format!(
            "UPDATE{or} {view} SET {} = {}{} WHERE {}",
            column(rng, ""),
            value(rng, ""),
            match rng.below(2) {
                0 => format!(", {} = {} + 1", column(rng, ""), column(rng, "")),
                _ => String::new(),
            },
            condition(rng, "")
        ),
        8..=10 => format!("DELETE FROM {view} WHERE {}", condition(rng, "")),
        11 => format!(
            "INSERT INTO {} VALUES ({}, {}, {})",
            pick(rng, &TABLES),
            pick(rng, &VALUES),
            pick(rng, &VALUES),
            pick(rng, &VALUES)
        ),
        12 => "BEGIN".to_string(),
        _ => "COMMIT".to_string(),
    }
}

#[test]
fn random_changes_to_views_match_sqlite() {
    let rounds: u64 = std::env::var("BOUNDLITE_INSTEAD_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12);
    let first = seed(1);
    let (mut changes, mut failed, mut refused) = (0, 0, 0);
    for round in 0..rounds {
        let seed = first.wrapping_add(round);
        let mut rng = Rng::new(seed);
        let schema = random_schema(&mut rng);
        let trace = std::env::var("BOUNDLITE_INSTEAD_TRACE").is_ok();
        if trace {
            eprintln!("seed {seed}: {schema}");
        }
        let disk = MemoryPlatform::new();
        let db = Database::open(&disk, "d.db", &Config::DEFAULT, Global).unwrap();
        let conn = db.connect();
        conn.execute(&schema, &[]).unwrap();
        let oracle = rusqlite::Connection::open_in_memory().unwrap();
        oracle.execute_batch(&schema).unwrap();
        for _ in 0..150 {
            let sql = random_change(&mut rng);
            if trace {
                eprintln!("seed {seed}: {sql}");
            }
            match compare(&conn, &oracle, &sql, &format!("seed {seed}\n{schema}")) {
                Ran::Same => changes += 1,
                Ran::Failed => failed += 1,
                Ran::Refused => {
                    refused += 1;
                    break;
                }
            }
        }
        assert!(db.integrity_check(0).unwrap().is_ok(), "seed {seed}");
    }
    println!("{changes} statements alike, {failed} failing alike, {refused} refused");
    assert!(changes > 50 * rounds, "{changes}");
    assert!(failed > rounds, "{failed}");
    assert_eq!(refused, 0);
}

#[test]
fn every_allocation_failure_through_instead_of_triggers_is_clean() {
    let disk = MemoryPlatform::new();
    let mut buffer = vec![0u8; 512 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    let db = Database::open(&disk, "oom.db", &Config::DEFAULT, &fault).unwrap();
    let conn = db.connect();
    let setup = "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c REAL);
         CREATE TABLE log(what, n);
         CREATE VIEW v AS SELECT a, b, c * 2 AS d FROM t;
         CREATE TRIGGER vi INSTEAD OF INSERT ON v WHEN new.d IS NOT NULL BEGIN
           INSERT INTO t VALUES (new.a, new.b, new.d / 2);
           INSERT INTO log VALUES ('in ' || new.b, new.a); END;
         CREATE TRIGGER vu INSTEAD OF UPDATE OF b ON v BEGIN
           UPDATE t SET b = new.b WHERE a = old.a;
           INSERT INTO log VALUES ('up ' || old.b || '>' || new.b, old.d); END;
         CREATE TRIGGER vd INSTEAD OF DELETE ON v BEGIN
           SELECT RAISE(IGNORE) WHERE old.a = 1;
           DELETE FROM t WHERE a = old.a; END;
         INSERT INTO t VALUES (1, 'one', 1), (2, 'two', 2), (3, 'three', 3)";
    conn.execute(setup, &[]).unwrap();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    oracle.execute_batch(setup).unwrap();
    let rows = || {
        let mut all = V::ours_ok(&conn, "SELECT rowid, * FROM t ORDER BY rowid");
        all.extend(V::ours_ok(&conn, "SELECT rowid, * FROM log ORDER BY rowid"));
        all
    };
    for sql in [
        "INSERT INTO v VALUES (4, 'four', 8), (5, 'five', 10)",
        "INSERT INTO v(a, b, d) SELECT a + 10, b || '!', d FROM v WHERE a < 3",
        "UPDATE v SET b = upper(b) WHERE d > 3",
        "DELETE FROM v WHERE a < 5",
    ] {
        let report = sweep_change(&fault, &conn, sql, rows);
        println!("{sql}: {} failure points", report.failure_points);
        assert_eq!(report.value, 0, "{sql}: a view's change changes no row");
        oracle.execute_batch(sql).unwrap();
        let mut theirs = V::theirs_ok(&oracle, "SELECT rowid, * FROM t ORDER BY rowid");
        theirs.extend(V::theirs_ok(
            &oracle,
            "SELECT rowid, * FROM log ORDER BY rowid",
        ));
        assert_eq!(rows(), theirs, "{sql}");
        assert!(report.failure_points > 10, "{sql}");
        assert!(db.integrity_check(0).unwrap().is_ok());
    }
    drop(conn);
    drop(db);
    assert_eq!(arena.stats().live_allocations, 0, "the database leaked");
}

#[test]
fn returning_on_a_view_is_refused_by_name() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "r.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    conn.execute(
        "CREATE TABLE t(a, b);
         CREATE VIEW v AS SELECT a, b FROM t;
         CREATE TRIGGER vi INSTEAD OF INSERT ON v BEGIN INSERT INTO t VALUES (new.a, new.b); END;
         CREATE TRIGGER vd INSTEAD OF DELETE ON v BEGIN DELETE FROM t WHERE a = old.a; END;
         INSERT INTO t VALUES (1, 2)",
        &[],
    )
    .unwrap();
    for sql in [
        "INSERT INTO v VALUES (3, 4) RETURNING a",
        "DELETE FROM v RETURNING *",
        "UPDATE v SET a = 1 RETURNING b",
    ] {
        let e = conn.execute(sql, &[]).unwrap_err().to_string();
        assert!(
            e.contains("RETURNING on a view is not supported"),
            "{sql}: {e}"
        );
    }
    assert_eq!(
        V::ours_ok(&conn, "SELECT * FROM t"),
        V::ours_ok(&conn, "VALUES (1, 2)")
    );
}

#[test]
fn a_prepared_change_to_a_view_fires_with_each_run_s_parameters() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "p.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    let setup = "CREATE TABLE t(a, b);
        CREATE TABLE log(x, y);
        CREATE VIEW v AS SELECT a, b FROM t;
        CREATE TRIGGER vi INSTEAD OF INSERT ON v BEGIN INSERT INTO t VALUES (new.a, new.b); END;
        CREATE TRIGGER vu INSTEAD OF UPDATE ON v BEGIN INSERT INTO log VALUES (old.a, new.b); END;";
    conn.execute(setup, &[]).unwrap();
    oracle.execute_batch(setup).unwrap();
    let insert = "INSERT INTO v VALUES (?1, ?2)";
    let update = "UPDATE v SET b = ?2 * 10 WHERE a <= ?1";
    let mut ours = [conn.prepare(insert).unwrap(), conn.prepare(update).unwrap()];
    let mut theirs = [
        oracle.prepare(insert).unwrap(),
        oracle.prepare(update).unwrap(),
    ];
    for i in 1..5i64 {
        for (stmt, other) in ours.iter_mut().zip(theirs.iter_mut()) {
            stmt.reset();
            stmt.bind(1, boundlite::record::ValueRef::Integer(i))
                .unwrap();
            stmt.bind(2, boundlite::record::ValueRef::Integer(i + 100))
                .unwrap();
            while stmt.step().unwrap().is_some() {}
            other.execute([i, i + 100]).unwrap();
        }
    }
    for q in [
        "SELECT rowid, * FROM t ORDER BY rowid",
        "SELECT rowid, * FROM log ORDER BY rowid",
    ] {
        assert_eq!(
            Exact::ours_ok(&conn, q),
            Exact::theirs_ok(&oracle, q),
            "{q}"
        );
    }
    assert_eq!(Exact::ours_ok(&conn, "SELECT * FROM log").len(), 10);
}
