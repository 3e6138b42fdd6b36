//! `INSTEAD OF` triggers against SQLite: `INSERT`, `UPDATE` and `DELETE`
//! on views run the views' `INSTEAD OF` triggers in their place. A script
//! of SQLite's rules (`NEW` and `OLD`, `UPDATE OF`, `WHEN`, `RAISE`, the
//! change counts, the errors) and random schemas of tables, views and
//! triggers taking random changes run on both engines, which must agree
//! after each statement on success or failure (SQLite's message), on
//! every table's rows and on `changes()`, `total_changes()` and
//! `last_insert_rowid()`; every allocation failure while a change to a
//! view runs is `OutOfMemory` and leaves the rows as they were.
//!
//! `BOUNDLITE_INSTEAD_ROUNDS` sets the number of random schemas (12 by
//! default, 150 changes each); `BOUNDLITE_SEED` the first seed.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::{Arena, FaultAlloc, Global};
use boundlite::platform::{MemoryPlatform, Platform};
use boundlite::{Config, Connection, Database, Error};
use boundlite_tests::compare::{Exact, Owned, V};
use boundlite_tests::rng::{Rng, seed};
use boundlite_tests::sweep::sweep_change;

/// The rows of every table, in rowid order, and the change counts.
fn state_ours<P: Platform, A: boundlite::alloc::Allocator + Clone>(
    conn: &Connection<'_, P, A>,
    tables: &[String],
) -> Vec<Vec<Vec<Exact>>> {
    let mut all = vec![Exact::ours_ok(
        conn,
        "SELECT changes(), total_changes(), last_insert_rowid()",
    )];
    for t in tables {
        all.push(Exact::ours_ok(
            conn,
            &format!("SELECT rowid, * FROM {t} ORDER BY rowid"),
        ));
    }
    all
}

fn state_theirs(conn: &rusqlite::Connection, tables: &[String]) -> Vec<Vec<Vec<Exact>>> {
    let mut all = vec![Exact::theirs_ok(
        conn,
        "SELECT changes(), total_changes(), last_insert_rowid()",
    )];
    for t in tables {
        all.push(Exact::theirs_ok(
            conn,
            &format!("SELECT rowid, * FROM {t} ORDER BY rowid"),
        ));
    }
    all
}

/// The tables of SQLite's schema.
fn tables_of(conn: &rusqlite::Connection) -> Vec<String> {
    let mut stmt = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// How a statement ran on both engines.
#[derive(Debug, PartialEq)]
enum Ran {
    /// Both ran it, alike.
    Same,
    /// Both failed, with the same message.
    Failed,
    /// boundlite refused it by name.
    Refused,
}

/// Runs `sql` on both engines and checks they agree: rows, or the error
/// (ours must contain SQLite's message), then every table and the change
/// counts.
fn compare<P: Platform, A: boundlite::alloc::Allocator + Clone>(
    mine: &Connection<'_, P, A>,
    oracle: &rusqlite::Connection,
    sql: &str,
    context: &str,
) -> Ran {
    let a = Exact::ours(mine, sql);
    let b = Exact::theirs(oracle, sql);
    let ran = match (&a, &b) {
        (Ok(x), Ok(y)) => {
            assert_eq!(x, y, "{context}: rows differ for {sql}");
            Ran::Same
        }
        (Err(e), _) if e.to_string().contains("not supported") => {
            println!("{context}: refused {sql}: {e}");
            return Ran::Refused;
        }
        (Err(e), Err(f)) => {
            let theirs = match f {
                rusqlite::Error::SqliteFailure(_, Some(m)) => m.clone(),
                other => other.to_string(),
            };
            let theirs = theirs.split(&format!(" in {sql}")).next().unwrap();
            let head = theirs.split(": ").next().unwrap();
            let alike = match e {
                Error::Constraint(_) => e.to_string().contains(head),
                _ => e.to_string().contains(theirs),
            };
            assert!(
                alike,
                "{context}: {sql}\n  boundlite: {e}\n  sqlite:    {theirs}"
            );
            Ran::Failed
        }
        _ => panic!("{context}: {sql}\n  boundlite: {a:?}\n  sqlite:    {b:?}"),
    };
    let tables = tables_of(oracle);
    assert_eq!(
        state_ours(mine, &tables),
        state_theirs(oracle, &tables),
        "{context}: the tables or counts differ after {sql}"
    );
    ran
}

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
