//! `RETURNING` on `INSERT` (upserts included), `UPDATE` and `DELETE`
//! against SQLite: the rows returned, in order, and the table after;
//! every allocation failure leaves the rows as they were; the rows held
//! stay within the sort budget.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::{Arena, FaultAlloc, Global};
use boundlite::platform::MemoryPlatform;
use boundlite::{Config, Database};
use boundlite_tests::compare::{ours, theirs};
use boundlite_tests::sweep::sweep_change;

const SCHEMA: &str =
    "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT UNIQUE, score REAL, n INT DEFAULT 7);
CREATE TABLE plain(a, b);
INSERT INTO t VALUES (1, 'one', 1, 1), (2, 'two', 2.5, 2), (3, 'three', NULL, 3);
INSERT INTO plain VALUES (1, 'x'), (2, 'y')";

const SCRIPT: &[&str] = &[
    "INSERT INTO t(name, score) VALUES ('four', 4), ('five', '5') RETURNING *",
    "INSERT INTO t(name) VALUES ('six') RETURNING id, name, n, score IS NULL, typeof(score)",
    "INSERT INTO t AS x(name) VALUES ('seven') RETURNING x.id * 10 AS tens, t.name, upper(name)",
    "INSERT INTO t(name) VALUES ('one'), ('eight') ON CONFLICT(name) DO UPDATE SET n = n + 100 RETURNING id, name, n",
    "INSERT INTO t(name) VALUES ('one') ON CONFLICT DO NOTHING RETURNING id",
    "INSERT OR IGNORE INTO t(id, name) VALUES (1, 'dup'), (50, 'fifty') RETURNING rowid, name",
    "INSERT INTO plain SELECT a + 10, b || b FROM plain RETURNING *, a + 1",
    "INSERT INTO plain DEFAULT VALUES RETURNING a IS NULL",
    "UPDATE t SET score = score * 2 WHERE score > 2 RETURNING id, score",
    "UPDATE t SET id = id + 100 WHERE id = 2 RETURNING id, name",
    "UPDATE plain SET b = 'z' WHERE a > 5 RETURNING a, b, *",
    "UPDATE plain SET b = 'w' RETURNING plain.*",
    "DELETE FROM t WHERE n > 100 RETURNING name, n",
    "DELETE FROM plain WHERE a = 1 RETURNING *",
    "DELETE FROM t WHERE 0 RETURNING *",
    // Refused by both.
    "INSERT INTO t(name) VALUES ('x') RETURNING count(*)",
    "DELETE FROM t RETURNING nope",
    "UPDATE t SET n = 1 RETURNING other.*",
];

fn contents(
    rows: impl Fn(&str) -> Vec<Vec<boundlite_tests::compare::V>>,
) -> Vec<Vec<boundlite_tests::compare::V>> {
    let mut all = rows("SELECT * FROM t ORDER BY id");
    all.extend(rows("SELECT * FROM plain ORDER BY rowid"));
    all
}

#[test]
fn returned_rows_match_sqlite() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "r.db", &Config::DEFAULT, Global).unwrap();
    let mine = db.connect();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    for sql in SCHEMA.split(";\n") {
        mine.execute(sql, &[]).unwrap();
    }
    oracle.execute_batch(SCHEMA).unwrap();
    for sql in SCRIPT {
        let a = ours(&mine, sql);
        let b = theirs(&oracle, sql);
        match (&a, &b) {
            (Ok(x), Ok(y)) => assert_eq!(x, y, "{sql}: rows returned"),
            (Err(_), Err(_)) => {}
            _ => panic!("{sql}\n  boundlite: {a:?}\n  sqlite:    {b:?}"),
        }
        assert_eq!(
            contents(|q| ours(&mine, q).unwrap()),
            contents(|q| theirs(&oracle, q).unwrap()),
            "after {sql}"
        );
    }
    assert!(db.integrity_check(0).unwrap().is_ok());
}

#[test]
fn returned_rows_past_the_sort_budget_are_refused_and_undone() {
    let disk = MemoryPlatform::new();
    let config = Config {
        sort_memory: 16 * 1024,
        ..Config::DEFAULT
    };
    let db = Database::open(&disk, "b.db", &config, Global).unwrap();
    let conn = db.connect();
    conn.execute("CREATE TABLE t(v)", &[]).unwrap();
    conn.execute("INSERT INTO t VALUES (zeroblob(1000))", &[])
        .unwrap();
    for _ in 0..5 {
        conn.execute("INSERT INTO t SELECT v FROM t", &[]).unwrap();
    }
    let e = ours(&conn, "UPDATE t SET v = v RETURNING v").unwrap_err();
    assert!(e.to_string().contains("sort_memory"), "{e}");
    assert_eq!(
        ours(&conn, "SELECT count(*) FROM t").unwrap(),
        ours(&conn, "SELECT 32").unwrap()
    );
    assert_eq!(
        ours(&conn, "DELETE FROM t WHERE rowid <= 4 RETURNING length(v)")
            .unwrap()
            .len(),
        4
    );
}

#[test]
fn returning_survives_every_allocation_failure() {
    let disk = MemoryPlatform::new();
    let mut buffer = vec![0u8; 256 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    let db = Database::open(&disk, "oom.db", &Config::DEFAULT, &fault).unwrap();
    let conn = db.connect();
    for sql in SCHEMA.split(";\n") {
        conn.execute(sql, &[]).unwrap();
    }
    let rows = || contents(|q| ours(&conn, q).unwrap());
    for (sql, changed) in [
        (
            "INSERT INTO t(name) VALUES ('a'), ('b') RETURNING id, name",
            2,
        ),
        ("UPDATE t SET n = n + 1 WHERE id < 3 RETURNING *", 2),
        ("DELETE FROM plain RETURNING b", 2),
    ] {
        let report = sweep_change(&fault, &conn, sql, rows);
        assert_eq!(report.value, changed, "{sql}");
        assert!(report.failure_points > 3, "{sql}");
    }
    assert!(db.integrity_check(0).unwrap().is_ok());
}
