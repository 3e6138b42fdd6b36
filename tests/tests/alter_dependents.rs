//! `ALTER TABLE` on a table that views and triggers name, against SQLite:
//! random schemas of views and triggers over a table, one `RENAME TO`,
//! `RENAME COLUMN` or `DROP COLUMN` run on both engines, which must agree
//! on success or on the error's words, then on every stored `CREATE`
//! text, on the rows of every view, and on what the rewritten triggers
//! do to the tables. A view or trigger whose text is not rewritten
//! exactly refuses the statement by its name; the randomized run checks
//! most cases are not refused. Every allocation failure while the text is
//! rewritten leaves the schema as it was.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::{Arena, FaultAlloc, Global};
use boundlite::platform::{MemoryPlatform, Platform};
use boundlite::{Config, Connection, Database};
use boundlite_tests::compare::{Rows, ours, theirs};
use boundlite_tests::rng::{Rng, seed};
use boundlite_tests::statewise::{Ran, compare};
use boundlite_tests::sweep::sweep_change;

const TABLES: &str = "CREATE TABLE t(a, b, c);
CREATE TABLE u(x, y, z);
CREATE TABLE log(v);
INSERT INTO t VALUES (1, 2, 3), (4, 5, 6), (7, NULL, 9);
INSERT INTO u VALUES (1, 10, 100), (4, 40, 400), (9, 90, 900)";

/// Views over `t`: `{T}` is how `FROM` names it, `{Q}` how a column's
/// qualifier does, `{1}` and `{2}` two of its columns.
const VIEWS: &[&str] = &[
    "SELECT {1}, {2} FROM {T} WHERE {1} > 0",
    "SELECT {Q}.{1} AS k, u.y FROM {T} JOIN u ON {Q}.{2} = u.x",
    "SELECT {1} FROM {T} ORDER BY {1}",
    "SELECT count(*) AS n, sum({1}) AS s FROM {T} GROUP BY {2}",
    "SELECT * FROM {T}",
    "SELECT x FROM u WHERE x IN (SELECT {1} FROM {T})",
    "SELECT q.{1}, q.{2} FROM {T} AS q WHERE q.{2} IS NOT NULL",
    "SELECT (SELECT max({1}) FROM {T} WHERE {Q}.{2} <= u.x) AS m FROM u",
    "SELECT {1} FROM {T} UNION SELECT x FROM u",
    "SELECT y FROM u WHERE EXISTS (SELECT 1 FROM {T} WHERE {Q}.{1} = u.x)",
    "SELECT {1}, y FROM {T}, u WHERE {2} = x",
    "WITH w AS (SELECT {1} FROM {T}) SELECT * FROM w",
    "SELECT {Q}.* FROM {T}",
    "SELECT s.{1} FROM (SELECT * FROM {T}) AS s",
    "SELECT CASE WHEN {1} > 3 THEN 'big' ELSE 'small' END AS size, {2} FROM {T}",
    "SELECT {1} FROM {T} WHERE {2} BETWEEN 1 AND 8 OR {1} IS NULL",
];

/// Triggers naming `t` (which triggers may not qualify by schema).
const TRIGGERS: &[&str] = &[
    "AFTER INSERT ON {Q} BEGIN INSERT INTO log VALUES (new.{1}); END",
    "AFTER UPDATE OF {1} ON {Q} BEGIN UPDATE u SET y = new.{1} WHERE x = old.{2}; END",
    "AFTER DELETE ON u BEGIN DELETE FROM {Q} WHERE {1} = old.x; END",
    "AFTER INSERT ON u BEGIN INSERT INTO {Q}({1}, {2}) VALUES (new.x, new.y); END",
    "BEFORE DELETE ON {Q} WHEN old.{1} > 1 BEGIN INSERT INTO log SELECT {2} FROM {Q} WHERE {1} = old.{1}; END",
    "AFTER UPDATE ON {Q} BEGIN UPDATE {Q} SET {2} = {2} + 1 WHERE {1} = new.{1}; END",
    "AFTER INSERT ON u BEGIN INSERT INTO log SELECT count(*) FROM {Q}; END",
    "AFTER INSERT ON u BEGIN INSERT INTO log SELECT {Q}.{1} FROM {Q} WHERE {Q}.{2} = new.x; END",
];

const COLUMNS: &[&str] = &["a", "b", "c"];

/// A column of `t` as written: bare, quoted, another case, bracketed.
fn column(rng: &mut Rng, name: &str) -> String {
    match rng.below(4) {
        0 => format!("\"{name}\""),
        1 => name.to_uppercase(),
        2 => format!("[{name}]"),
        _ => name.to_string(),
    }
}

/// `t` as a qualifier writes it.
fn qualifier(rng: &mut Rng) -> &'static str {
    ["t", "\"t\"", "T", "t"][rng.below(4) as usize]
}

/// `template` with its names filled.
fn fill(rng: &mut Rng, template: &str) -> String {
    let at = rng.below(3) as usize;
    let one = COLUMNS[at];
    let two = COLUMNS[(at + 1 + rng.below(2) as usize) % 3];
    let q = qualifier(rng);
    let from = if rng.below(4) == 0 { "main.t" } else { q };
    template
        .replace("{T}", from)
        .replace("{Q}", q)
        .replace("{1}", &column(rng, one))
        .replace("{2}", &column(rng, two))
}

/// The `ALTER TABLE` of a case, and the name `t` has after it.
fn alter(rng: &mut Rng) -> (String, &'static str) {
    let c = COLUMNS[rng.below(3) as usize];
    match rng.below(3) {
        0 => {
            let (written, stored) = [
                ("t2", "t2"),
                ("\"t x\"", "\"t x\""),
                ("T2", "T2"),
                ("[tb]", "tb"),
            ][rng.below(4) as usize];
            (format!("ALTER TABLE t RENAME TO {written}"), stored)
        }
        1 => {
            let new = ["k", "\"k m\"", "K2", "[kb]", "b", "y"][rng.below(6) as usize];
            let old = column(rng, c);
            (format!("ALTER TABLE t RENAME COLUMN {old} TO {new}"), "t")
        }
        _ => (format!("ALTER TABLE t DROP COLUMN {}", column(rng, c)), "t"),
    }
}

/// The schema rows and every view's rows, sorted (a view's order is its
/// plan's where it has no `ORDER BY`).
fn views_ours<P: Platform, A: boundlite::alloc::Allocator + Clone>(
    conn: &Connection<'_, P, A>,
) -> Rows {
    let schema = ours(
        conn,
        "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name",
    )
    .unwrap();
    let mut all = schema.clone();
    for row in schema {
        if let boundlite_tests::compare::V::Text(kind) = &row[0] {
            if kind == "view" {
                let name = format!("{:?}", row[1]);
                let Ok(mut rows) = ours(conn, &format!("SELECT * FROM {}", view_name(&row[1])))
                else {
                    all.push(vec![boundlite_tests::compare::V::Text(format!(
                        "error {name}"
                    ))]);
                    continue;
                };
                rows.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
                all.extend(rows);
            }
        }
    }
    all
}

/// [`views_ours`] on SQLite.
fn views_theirs(conn: &rusqlite::Connection) -> Rows {
    let schema = theirs(
        conn,
        "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name",
    )
    .unwrap();
    let mut all = schema.clone();
    for row in schema {
        if let boundlite_tests::compare::V::Text(kind) = &row[0] {
            if kind == "view" {
                let name = format!("{:?}", row[1]);
                let Ok(mut rows) = theirs(conn, &format!("SELECT * FROM {}", view_name(&row[1])))
                else {
                    all.push(vec![boundlite_tests::compare::V::Text(format!(
                        "error {name}"
                    ))]);
                    continue;
                };
                rows.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
                all.extend(rows);
            }
        }
    }
    all
}

fn view_name(v: &boundlite_tests::compare::V) -> String {
    match v {
        boundlite_tests::compare::V::Text(name) => format!("\"{}\"", name.replace('"', "\"\"")),
        other => panic!("a view named {other:?}"),
    }
}

/// SQLite's message, less where in the text it was.
fn message(e: &rusqlite::Error, sql: &str) -> String {
    let m = match e {
        rusqlite::Error::SqliteFailure(_, Some(m)) => m.clone(),
        other => other.to_string(),
    };
    m.split(&format!(" in {sql}")).next().unwrap().to_string()
}

/// How one `ALTER` ran.
#[derive(Debug, PartialEq)]
enum Altered {
    Both,
    Failed,
    Refused,
}

/// Runs `sql` on both engines and compares the outcome and the schema.
fn run_alter<P: Platform, A: boundlite::alloc::Allocator + Clone>(
    mine: &Connection<'_, P, A>,
    oracle: &rusqlite::Connection,
    sql: &str,
    context: &str,
) -> Altered {
    let a = mine.execute(sql, &[]);
    let b = oracle.execute_batch(sql);
    let altered = match (&a, &b) {
        (Ok(_), Ok(())) => Altered::Both,
        (Err(e), _) if e.to_string().contains("is not supported") => {
            assert!(
                e.to_string().contains("ALTER TABLE rewriting the text of"),
                "{context}: {sql}: {e}"
            );
            println!("{context}: refused {sql}: {e}");
            return Altered::Refused;
        }
        (Err(e), Err(f)) => {
            let theirs = message(f, sql);
            assert!(
                e.to_string().ends_with(&theirs),
                "{context}: {sql}\n  boundlite: {e}\n  sqlite:    {theirs}"
            );
            Altered::Failed
        }
        _ => panic!("{context}: {sql}\n  boundlite: {a:?}\n  sqlite:    {b:?}"),
    };
    assert_eq!(
        views_ours(mine),
        views_theirs(oracle),
        "{context}: after {sql}"
    );
    altered
}

fn sqlite_memory() -> rusqlite::Connection {
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    conn.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
    conn
}

#[test]
fn views_and_triggers_follow_the_alter_as_in_sqlite() {
    let mut rng = Rng::new(seed(0x5eed_a17e));
    let (mut both, mut failed, mut refused) = (0, 0, 0);
    for case in 0..400 {
        let disk = MemoryPlatform::new();
        let db = Database::open(&disk, "d.db", &Config::DEFAULT, Global).unwrap();
        let mine = db.connect();
        let oracle = sqlite_memory();
        let mut script = TABLES.to_string();
        for i in 0..1 + rng.below(3) {
            let sql = if rng.below(2) == 0 {
                let template = VIEWS[rng.below(VIEWS.len() as u64) as usize];
                format!("CREATE VIEW v{i} AS {}", fill(&mut rng, template))
            } else {
                let template = TRIGGERS[rng.below(TRIGGERS.len() as u64) as usize];
                format!("CREATE TRIGGER tr{i} {}", fill(&mut rng, template))
            };
            script.push_str(";\n");
            script.push_str(&sql);
        }
        for sql in script.split(";\n") {
            mine.execute(sql, &[]).unwrap();
        }
        oracle.execute_batch(&script).unwrap();
        let (sql, table) = alter(&mut rng);
        let context = format!("case {case}:\n{script}");
        match run_alter(&mine, &oracle, &sql, &context) {
            Altered::Both => both += 1,
            Altered::Failed => failed += 1,
            Altered::Refused => {
                refused += 1;
                continue;
            }
        }
        // The rewritten triggers fire.
        for dml in [
            format!("INSERT INTO {table} SELECT * FROM {table} WHERE rowid < 3"),
            format!("UPDATE {table} SET rowid = rowid + 100 WHERE rowid = 2"),
            format!("DELETE FROM {table} WHERE rowid = 1"),
            "INSERT INTO u VALUES (4, 44, 444)".to_string(),
            "DELETE FROM u WHERE x = 1".to_string(),
        ] {
            if compare(&mine, &oracle, &dml, &context) == Ran::Refused {
                panic!("{context}: {dml} refused");
            }
        }
        assert_eq!(views_ours(&mine), views_theirs(&oracle), "{context}");
        assert!(db.integrity_check(0).unwrap().is_ok(), "{context}");
    }
    println!("both ran {both}, both failed {failed}, refused {refused}");
    assert!(both > 200, "only {both} of 400 ran on both");
    assert!(refused < 100, "{refused} of 400 refused");
}

/// Cases written out: each runs on both engines alike.
const SCRIPT: &[&str] = &[
    "CREATE VIEW v1 AS SELECT a, t.b AS bb FROM t WHERE a > 0 ORDER BY a",
    "CREATE VIEW v2 AS SELECT a\"x\" FROM t",
    "CREATE TRIGGER tr AFTER UPDATE OF a ON t BEGIN INSERT INTO u VALUES (new.a, old.b, 0); UPDATE t SET c = a WHERE a = new.a; END",
    "ALTER TABLE t RENAME COLUMN a TO \"c d\"",
    "ALTER TABLE t RENAME TO \"t\"\"2\"",
    "ALTER TABLE \"t\"\"2\" RENAME COLUMN \"c d\" TO e",
    "UPDATE \"t\"\"2\" SET e = e + 1",
    // SQLite's error, the first view or trigger by rowid that breaks.
    "ALTER TABLE \"t\"\"2\" DROP COLUMN b",
    "DROP VIEW v1",
    "ALTER TABLE \"t\"\"2\" DROP COLUMN b",
    "DROP TRIGGER tr",
    "ALTER TABLE \"t\"\"2\" DROP COLUMN b",
    "ALTER TABLE \"t\"\"2\" DROP COLUMN c",
    "CREATE TRIGGER tu AFTER INSERT ON u BEGIN SELECT new.z; END",
    "ALTER TABLE u DROP COLUMN z",
    "CREATE VIEW vq AS SELECT \"t\"\"2\".e FROM \"t\"\"2\"",
    "ALTER TABLE \"t\"\"2\" RENAME TO t",
    "ALTER TABLE t DROP COLUMN e",
];

#[test]
fn written_cases_match_sqlite() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "w.db", &Config::DEFAULT, Global).unwrap();
    let mine = db.connect();
    let oracle = sqlite_memory();
    for sql in TABLES.split(";\n") {
        mine.execute(sql, &[]).unwrap();
    }
    oracle.execute_batch(TABLES).unwrap();
    for sql in SCRIPT {
        let ran = if sql.starts_with("ALTER") {
            run_alter(&mine, &oracle, sql, "script")
        } else {
            match compare(&mine, &oracle, sql, "script") {
                Ran::Same => Altered::Both,
                Ran::Failed => Altered::Failed,
                Ran::Refused => Altered::Refused,
            }
        };
        assert_ne!(ran, Altered::Refused, "{sql}");
    }
    assert_eq!(views_ours(&mine), views_theirs(&oracle));
}

#[test]
fn what_is_not_rewritten_is_refused_by_name() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "r.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    for sql in TABLES.split(";\n") {
        conn.execute(sql, &[]).unwrap();
    }
    let cases = [
        (
            "CREATE VIEW w AS WITH c AS (SELECT a FROM t) SELECT * FROM c",
            "ALTER TABLE t RENAME TO t2",
            "view w",
        ),
        (
            "CREATE VIEW w AS SELECT s.a FROM (SELECT a FROM t) AS s",
            "ALTER TABLE t RENAME COLUMN a TO k",
            "view w",
        ),
        (
            "CREATE TRIGGER g AFTER INSERT ON t BEGIN INSERT INTO log VALUES (new.a) ON CONFLICT(v) DO UPDATE SET v = new.a; END",
            "ALTER TABLE t RENAME COLUMN a TO k",
            "trigger g",
        ),
        // The view's columns follow the table's; a view reading it is
        // not followed.
        (
            "CREATE VIEW w AS SELECT * FROM t;; CREATE VIEW w2 AS SELECT a FROM w",
            "ALTER TABLE t DROP COLUMN a",
            "view w2",
        ),
        (
            "CREATE TEMP VIEW w AS SELECT a FROM t",
            "ALTER TABLE t RENAME TO t2",
            "a temporary view or trigger",
        ),
    ];
    for (create, alter, words) in cases {
        let schema_before = ours(&conn, "SELECT sql FROM sqlite_schema ORDER BY name").unwrap();
        for sql in create.split(";; ") {
            conn.execute(sql, &[]).unwrap();
        }
        let e = conn.execute(alter, &[]).unwrap_err().to_string();
        assert!(
            e.contains(words) && e.contains("not supported"),
            "{alter}: {e}"
        );
        for sql in create.split(";; ").collect::<Vec<_>>().iter().rev() {
            let name = sql
                .split_whitespace()
                .nth(if sql.contains("TEMP") { 3 } else { 2 });
            let kind = if sql.contains("TRIGGER") {
                "TRIGGER"
            } else {
                "VIEW"
            };
            conn.execute(&format!("DROP {kind} {}", name.unwrap()), &[])
                .unwrap();
        }
        assert_eq!(
            ours(&conn, "SELECT sql FROM sqlite_schema ORDER BY name").unwrap(),
            schema_before
        );
    }
}

#[test]
fn every_rewrite_survives_every_allocation_failure() {
    let disk = MemoryPlatform::new();
    let mut buffer = vec![0u8; 512 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    let db = Database::open(&disk, "oom.db", &Config::DEFAULT, &fault).unwrap();
    let conn = db.connect();
    for sql in TABLES.split(";\n") {
        conn.execute(sql, &[]).unwrap();
    }
    for sql in [
        "CREATE VIEW v AS SELECT t.a, b FROM t JOIN u ON t.a = u.x WHERE b IN (SELECT y FROM u)",
        "CREATE TRIGGER g AFTER UPDATE OF a ON t BEGIN INSERT INTO log VALUES (new.a); UPDATE t SET b = a WHERE rowid = old.rowid; END",
        "CREATE TABLE k(c)",
        "CREATE TRIGGER h AFTER INSERT ON k BEGIN INSERT INTO log VALUES (new.c); END",
    ] {
        conn.execute(sql, &[]).unwrap();
    }
    let contents = || ours(&conn, "SELECT name, tbl_name, sql FROM sqlite_schema").unwrap();
    for sql in [
        "ALTER TABLE t RENAME COLUMN a TO alpha",
        "ALTER TABLE t RENAME TO \"t two\"",
        "ALTER TABLE \"t two\" DROP COLUMN c",
    ] {
        let report = sweep_change(&fault, &conn, sql, contents);
        assert!(report.failure_points > 3, "{sql}");
        assert!(db.integrity_check(0).unwrap().is_ok(), "{sql}");
    }
}
