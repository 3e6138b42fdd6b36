//! Upsert (`INSERT ... ON CONFLICT ... DO NOTHING | DO UPDATE`) against
//! SQLite: each statement runs on both engines, which must agree on
//! success or failure, on the rows changed and on every row after; and
//! every allocation failure leaves the rows as they were.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::{Arena, FaultAlloc, Global};
use boundlite::platform::MemoryPlatform;
use boundlite::{Config, Database};
use boundlite_tests::compare::{ours, theirs};
use boundlite_tests::sweep::sweep_change;

const SCHEMA: &str = "CREATE TABLE kv(k TEXT PRIMARY KEY, v INT, n INT DEFAULT 0);
CREATE TABLE ids(id INTEGER PRIMARY KEY, name TEXT UNIQUE, hits INT NOT NULL DEFAULT 0, note TEXT COLLATE NOCASE);
CREATE UNIQUE INDEX ids_note ON ids(note);
CREATE TABLE pair(a, b, c, UNIQUE(a, b));
INSERT INTO kv VALUES ('a', 1, 0), ('b', 2, 0);
INSERT INTO ids VALUES (1, 'one', 0, 'x'), (2, 'two', 0, 'y');
INSERT INTO pair VALUES (1, 2, 'first')";

const SCRIPT: &[&str] = &[
    "INSERT INTO kv VALUES ('a', 10, 0) ON CONFLICT DO NOTHING",
    "INSERT INTO kv VALUES ('a', 10, 0) ON CONFLICT(k) DO NOTHING",
    "INSERT INTO kv VALUES ('c', 3, 0) ON CONFLICT(k) DO NOTHING",
    "INSERT INTO kv(k, v) VALUES ('a', 5) ON CONFLICT(k) DO UPDATE SET v = v + excluded.v, n = n + 1",
    "INSERT INTO kv(k, v) VALUES ('a', 5), ('d', 4), ('a', 1) ON CONFLICT(k) DO UPDATE SET v = excluded.v * 100 WHERE excluded.v > 2",
    "INSERT INTO kv AS t VALUES ('b', 7, 7) ON CONFLICT(k) DO UPDATE SET v = t.v + excluded.n WHERE t.v < 100",
    "INSERT INTO kv VALUES ('b', 7, 7) ON CONFLICT(v) DO NOTHING",
    "INSERT INTO kv VALUES ('b', 7, 7) ON CONFLICT(k) DO UPDATE SET nope = 1",
    "INSERT INTO kv VALUES ('b', 7, 7) ON CONFLICT(k) DO UPDATE SET v = excluded.nope",
    "INSERT INTO kv VALUES ('b', 7, 7) ON CONFLICT(k COLLATE nocase) DO NOTHING",
    "INSERT INTO kv VALUES ('b', 7, 7) ON CONFLICT(k COLLATE binary) DO UPDATE SET n = 99",
    "INSERT INTO kv SELECT k, v, 5 FROM kv WHERE true ON CONFLICT(k) DO UPDATE SET n = excluded.n + n",
    "INSERT INTO kv VALUES ('b', 1, 1) ON CONFLICT(k) DO UPDATE SET k = 'a'",
    // The rowid, and several clauses.
    "INSERT INTO ids VALUES (1, 'uno', 0, NULL) ON CONFLICT(id) DO UPDATE SET hits = hits + 1, name = excluded.name",
    "INSERT INTO ids VALUES (5, 'uno', 0, NULL) ON CONFLICT(id) DO UPDATE SET hits = hits + 1",
    "INSERT INTO ids VALUES (5, 'uno', 0, NULL) ON CONFLICT(id) DO NOTHING ON CONFLICT(name) DO UPDATE SET hits = hits + 10",
    "INSERT INTO ids VALUES (2, 'uno', 0, NULL) ON CONFLICT(name) DO UPDATE SET hits = hits + 100 ON CONFLICT(id) DO NOTHING",
    "INSERT INTO ids VALUES (2, 'uno', 0, NULL) ON CONFLICT(id) DO UPDATE SET hits = hits + 1000 ON CONFLICT(name) DO NOTHING",
    "INSERT INTO ids VALUES (7, 'seven', 0, 'X') ON CONFLICT(name) DO NOTHING",
    "INSERT INTO ids VALUES (7, 'seven', 0, 'X') ON CONFLICT(name) DO NOTHING ON CONFLICT DO UPDATE SET hits = -1",
    "INSERT INTO ids VALUES (8, 'eight', 0, 'Y') ON CONFLICT(note) DO UPDATE SET id = 20, note = excluded.name",
    "INSERT INTO ids(name) VALUES ('two') ON CONFLICT DO UPDATE SET hits = excluded.hits + 3",
    "INSERT INTO ids(name, hits) VALUES ('two', NULL) ON CONFLICT DO NOTHING",
    "INSERT INTO ids(name) VALUES ('two') ON CONFLICT(name) DO UPDATE SET note = 'x'",
    "INSERT INTO ids(name) VALUES ('two') ON CONFLICT(name) DO UPDATE SET excluded.hits = 1",
    "INSERT OR IGNORE INTO ids VALUES (1, 'new', 0, 'zz') ON CONFLICT(name) DO NOTHING",
    "INSERT OR REPLACE INTO ids VALUES (1, 'new', 0, 'zz') ON CONFLICT(name) DO NOTHING",
    "INSERT INTO ids VALUES (1, 'newer', 0, 'q') ON CONFLICT(name) DO NOTHING",
    // A key of two columns, in either order.
    "INSERT INTO pair VALUES (1, 2, 'second') ON CONFLICT(b, a) DO UPDATE SET c = c || '+' || excluded.c",
    "INSERT INTO pair VALUES (1, 2, 'third') ON CONFLICT(a) DO NOTHING",
    "INSERT INTO pair VALUES (1, NULL, 'null') ON CONFLICT(a, b) DO UPDATE SET c = 'never'",
    "INSERT INTO pair VALUES (1, 2, 'x') ON CONFLICT(a, b) WHERE a > 0 DO UPDATE SET c = upper(excluded.c)",
    // Refused by the grammar: a clause without a target before another,
    // a clause after DEFAULT VALUES, a query ending in FROM before one.
    "INSERT INTO kv DEFAULT VALUES ON CONFLICT DO NOTHING",
    "INSERT INTO kv SELECT * FROM kv ON CONFLICT DO NOTHING",
    "INSERT INTO kv VALUES ('a', 1, 1) ON CONFLICT DO NOTHING ON CONFLICT(k) DO NOTHING",
];

fn contents(
    rows: impl Fn(&str) -> Vec<Vec<boundlite_tests::compare::V>>,
) -> Vec<Vec<boundlite_tests::compare::V>> {
    let mut all = rows("SELECT * FROM kv ORDER BY k");
    all.extend(rows("SELECT * FROM ids ORDER BY id"));
    all.extend(rows("SELECT * FROM pair ORDER BY rowid"));
    all
}

#[test]
fn upserts_match_sqlite_statement_by_statement() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "u.db", &Config::DEFAULT, Global).unwrap();
    let mine = db.connect();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    for sql in SCHEMA.split(";\n") {
        mine.execute(sql, &[]).unwrap();
    }
    oracle.execute_batch(SCHEMA).unwrap();
    for sql in SCRIPT {
        let a = mine.execute(sql, &[]);
        let b = oracle.execute(sql, []);
        match (&a, &b) {
            (Ok(x), Ok(y)) => assert_eq!(x, y, "{sql}: rows changed"),
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
fn a_prepared_upsert_runs_again_with_other_values() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "p.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    conn.execute("CREATE TABLE c(word TEXT PRIMARY KEY, n INT)", &[])
        .unwrap();
    let mut stmt = conn
        .prepare("INSERT INTO c VALUES (?, 1) ON CONFLICT(word) DO UPDATE SET n = n + excluded.n")
        .unwrap();
    for word in ["a", "b", "a", "a", "c", "b"] {
        stmt.bind(1, boundlite::record::ValueRef::text(word))
            .unwrap();
        stmt.step().unwrap();
        stmt.reset();
    }
    assert_eq!(
        ours(&conn, "SELECT * FROM c ORDER BY word").unwrap(),
        ours(
            &conn,
            "SELECT 'a', 3 UNION ALL SELECT 'b', 2 UNION ALL SELECT 'c', 1"
        )
        .unwrap()
    );
}

#[test]
fn upserts_survive_every_allocation_failure() {
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
            "INSERT INTO kv(k, v) VALUES ('a', 5), ('z', 1) ON CONFLICT(k) DO UPDATE SET v = v + excluded.v",
            2,
        ),
        (
            "INSERT INTO ids VALUES (1, 'two', 0, NULL) ON CONFLICT(id) DO NOTHING ON CONFLICT DO UPDATE SET hits = hits + 1",
            0,
        ),
        (
            "INSERT INTO pair SELECT a, b, 'again' FROM pair WHERE true ON CONFLICT(a, b) DO UPDATE SET c = excluded.c",
            1,
        ),
    ] {
        let report = sweep_change(&fault, &conn, sql, rows);
        assert_eq!(report.value, changed, "{sql}");
        assert!(report.failure_points > 3, "{sql}");
    }
    assert!(db.integrity_check(0).unwrap().is_ok());
}
