//! The SQL layer against SQLite: the same statements run on boundlite and
//! on rusqlite must return the same rows and fail (or not) alike.
//!
//! - a seeded generator of a few thousand `INSERT` / `UPDATE` / `DELETE`
//!   / `SELECT` statements (with transactions) over a table with an
//!   `INTEGER PRIMARY KEY`, a TEXT column with an index and a REAL column
//!   with a `UNIQUE` index; the file boundlite wrote is then opened by
//!   SQLite, which must find it intact and holding the same rows;
//! - focused cases for affinity, defaults and conflicts;
//! - an OOM sweep over prepare and step of an `INSERT` and a `SELECT` on
//!   an arena: every failure is `OutOfMemory`, nothing leaks, the database
//!   is unchanged by the failed statement, and the statement then
//!   succeeds;
//! - the same inside `BEGIN`: a failed `INSERT`, `UPDATE` or `DELETE`
//!   undoes itself and leaves the transaction open (or, if the storage
//!   engine gave up, the whole transaction is gone);
//! - the same for a prepared `UPDATE` and `DELETE` run again after each
//!   failure, in and out of `BEGIN`, so that the buffers a statement keeps
//!   between runs are swept too.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::{Allocator, Arena, FaultAlloc, Global, oom_sweep};
use boundlite::platform::{MemoryPlatform, Platform};
use boundlite::record::ValueRef;
use boundlite::wal::CheckpointMode;
use boundlite::{Config, Connection, Database, Error};
use boundlite_std::StdPlatform;
use boundlite_tests::compare::{Rows, V, assert_sqlite_integrity_ok, both, ours, theirs};
use boundlite_tests::rng::{Rng, seed};
use boundlite_tests::sweep::sweep_rows;

const SCHEMA: [&str; 3] = [
    "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, score REAL)",
    "CREATE INDEX t_name ON t(name)",
    "CREATE UNIQUE INDEX t_score ON t(score)",
];

/// A random statement generator over table `t`.
struct Gen(Rng);

impl Gen {
    fn pick<'s>(&mut self, items: &[&'s str]) -> &'s str {
        items[self.0.below(items.len() as u64) as usize]
    }

    fn id(&mut self) -> String {
        match self.0.below(10) {
            0 => "NULL".into(),
            1 => format!("'{}'", self.0.below(120)),
            _ => format!("{}", self.0.below(120)),
        }
    }

    fn name(&mut self) -> String {
        match self.0.below(8) {
            0 => "NULL".into(),
            1 => format!("{}", self.0.below(5)),
            _ => format!(
                "'{}'",
                self.pick(&["ada", "bob", "cy", "Dee", "eve", "", "x y"])
            ),
        }
    }

    fn score(&mut self) -> String {
        match self.0.below(8) {
            0 => "NULL".into(),
            1 => format!("'{}'", self.0.below(40)),
            2 => format!("{}", self.0.below(40)),
            _ => format!("{}.5", self.0.below(40)),
        }
    }

    fn cond(&mut self) -> String {
        let simple = |g: &mut Gen| -> String {
            match g.0.below(21) {
                14 => format!("score > {}", g.score()),
                15 => format!("score <= {}", g.score()),
                16 => format!("{} < score", g.score()),
                17 => format!("score BETWEEN {} AND {}", g.score(), g.score()),
                18 => format!("name >= {}", g.name()),
                19 => format!("{} > name", g.name()),
                20 => format!("name BETWEEN {} AND {}", g.name(), g.name()),
                11 => format!("score = {}", g.score()),
                12 => format!("{} = name AND id > {}", g.name(), g.0.below(120)),
                13 => format!("name = {} AND score = {}", g.name(), g.score()),
                0 => format!("id = {}", g.0.below(120)),
                1 => format!("id > {}", g.0.below(120)),
                2 => format!("id <= {}", g.0.below(120)),
                3 => {
                    let a = g.0.below(120);
                    format!("id BETWEEN {a} AND {}", a + g.0.below(30))
                }
                4 => format!("name = {}", g.name()),
                5 => format!("score < {}", g.score()),
                6 => "name IS NULL".into(),
                7 => format!("id % {} = 0", 2 + g.0.below(4)),
                8 => format!("{} < rowid", g.0.below(120)),
                9 => format!("name LIKE '{}%'", g.pick(&["a", "b", "d", "e", ""])),
                _ => format!("score >= {} AND id < {}", g.0.below(40), g.0.below(120)),
            }
        };
        match self.0.below(5) {
            0 => format!("{} OR {}", simple(self), simple(self)),
            1 => format!("{} AND {}", simple(self), simple(self)),
            _ => simple(self),
        }
    }

    fn statement(&mut self) -> String {
        match self.0.below(20) {
            0..=6 => {
                let verb = self.pick(&[
                    "INSERT",
                    "INSERT",
                    "INSERT OR IGNORE",
                    "INSERT OR REPLACE",
                    "REPLACE",
                ]);
                let rows = 1 + self.0.below(3);
                let with_id = self.0.below(2) == 0;
                let values: Vec<String> = (0..rows)
                    .map(|_| {
                        if with_id {
                            format!("({}, {}, {})", self.id(), self.name(), self.score())
                        } else {
                            format!("({}, {})", self.name(), self.score())
                        }
                    })
                    .collect();
                let cols = if with_id {
                    "(id, name, score)"
                } else {
                    "(name, score)"
                };
                format!("{verb} INTO t{cols} VALUES {}", values.join(", "))
            }
            7..=9 => {
                let set = match self.0.below(4) {
                    0 => format!("score = {}", self.score()),
                    1 => format!("name = {}", self.name()),
                    2 => "score = score + 1".into(),
                    _ => format!("name = upper(name), score = {}", self.score()),
                };
                let verb = self.pick(&["UPDATE", "UPDATE", "UPDATE OR REPLACE"]);
                format!("{verb} t SET {set} WHERE {}", self.cond())
            }
            10..=11 => format!("DELETE FROM t WHERE {}", self.cond()),
            12..=13 => {
                let agg = self.pick(&[
                    "count(*)",
                    "count(name), min(score), max(score)",
                    "sum(id), total(score), avg(score)",
                    "max(name), min(id)",
                ]);
                format!("SELECT {agg} FROM t WHERE {}", self.cond())
            }
            _ => {
                let cols = self.pick(&[
                    "*",
                    "id, name",
                    "id, score * 2, name || '!'",
                    "rowid, typeof(score), length(name)",
                ]);
                let order = self.pick(&["id", "name, id", "score DESC, id", "id DESC"]);
                let limit = match self.0.below(3) {
                    0 => format!(" LIMIT {}", self.0.below(10)),
                    1 => format!(" LIMIT {} OFFSET {}", self.0.below(10), self.0.below(5)),
                    _ => String::new(),
                };
                format!(
                    "SELECT {cols} FROM t WHERE {} ORDER BY {order}{limit}",
                    self.cond()
                )
            }
        }
    }
}

#[test]
fn random_statements_match_sqlite() {
    let seed = seed(0x5eed_c0de);
    let dir = tempfile::tempdir().unwrap();
    let disk = StdPlatform::in_dir(dir.path());
    let db = Database::open(&disk, "b.db", &Config::DEFAULT, Global).unwrap();
    let mine = db.connect();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    for sql in SCHEMA {
        assert!(both(&mine, &oracle, sql, "schema"));
    }
    let mut generator = Gen(Rng::new(seed));
    let (mut ok, mut failed, mut in_txn) = (0, 0, false);
    for i in 0..3000 {
        let context = format!("seed {seed}, statement {i}");
        if generator.0.below(60) == 0 {
            let sql = if in_txn {
                if generator.0.below(2) == 0 {
                    "COMMIT"
                } else {
                    "ROLLBACK"
                }
            } else {
                "BEGIN"
            };
            assert!(both(&mine, &oracle, sql, &context));
            in_txn = !in_txn;
            assert_eq!(mine.in_transaction(), in_txn, "{context}");
        }
        let sql = generator.statement();
        if both(&mine, &oracle, &sql, &context) {
            ok += 1;
        } else {
            failed += 1;
        }
        assert_eq!(
            mine.in_transaction(),
            !oracle.is_autocommit(),
            "{context}: {sql}"
        );
    }
    if in_txn {
        assert!(both(&mine, &oracle, "COMMIT", "end"));
    }
    println!("{ok} statements agreed with success, {failed} agreed with failure");
    assert!(ok > 2000 && failed > 10, "{ok} ok, {failed} failed");
    let everything = "SELECT id, name, score FROM t ORDER BY id";
    assert!(both(&mine, &oracle, everything, "end"));
    let expected = theirs(&oracle, everything).unwrap();
    assert!(db.integrity_check(0).unwrap().is_ok());
    db.checkpoint(CheckpointMode::Truncate).unwrap();
    drop(mine);
    drop(db);

    let reopened = rusqlite::Connection::open(dir.path().join("b.db")).unwrap();
    assert_sqlite_integrity_ok(&reopened);
    assert_eq!(theirs(&reopened, everything).unwrap(), expected);
}

#[test]
fn focused_cases_match_sqlite() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "f.db", &Config::DEFAULT, Global).unwrap();
    let mine = db.connect();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    let script = [
        "CREATE TABLE a(id INTEGER PRIMARY KEY, i INT, r REAL, t TEXT, n NUMERIC, b BLOB, d DEFAULT 'dflt', nn TEXT NOT NULL DEFAULT 'z')",
        "CREATE TABLE IF NOT EXISTS a(x)",
        "SELECT nosuch FROM a",
        "SELECT id FROM a WHERE nosuch = 1",
        "UPDATE a SET i = nosuch",
        "UPDATE a SET i = 1 WHERE nosuch",
        "DELETE FROM a WHERE nosuch",
        "SELECT count(*), max(id), sum(r), avg(r), total(r) FROM a",
        "SELECT a.id, x.i FROM a",
        "SELECT x.id FROM a AS x",
        "CREATE TABLE a(x)",
        "INSERT INTO a(i, r, t, n, b) VALUES ('12', '1.5', 12, '1e2', '7')",
        "INSERT INTO a(i, r, t, n, b) VALUES (1.0, 2, 3.25, '0x10', x'00ff')",
        "INSERT INTO a(id, nn) VALUES (10, NULL)",
        "INSERT OR IGNORE INTO a(id, nn) VALUES (10, NULL)",
        "INSERT INTO a(id) VALUES ('abc')",
        "INSERT INTO a(id) VALUES (2.5)",
        "INSERT INTO a(id) VALUES ('7')",
        "INSERT INTO a(id) VALUES (7)",
        "INSERT INTO a(nosuch) VALUES (1)",
        "INSERT INTO a VALUES (1)",
        "INSERT INTO a DEFAULT VALUES",
        "SELECT * FROM a ORDER BY id",
        "SELECT id, typeof(i), typeof(r), typeof(t), typeof(n), typeof(b) FROM a ORDER BY 1",
        "SELECT count(*), sum(i), avg(r), total(n), min(t), max(d) FROM a",
        "SELECT sum(i) FROM a WHERE id > 100",
        "SELECT id FROM a WHERE id = '7'",
        "SELECT id FROM a WHERE id = 7.0",
        "SELECT id FROM a WHERE id > NULL",
        "SELECT id AS k FROM a ORDER BY k DESC LIMIT 2 OFFSET 1",
        "SELECT 1, 'two', 3.5, NULL, x'41'",
        "SELECT 1 WHERE 0",
        "SELECT nosuch FROM a",
        "SELECT * FROM nosuch",
        "UPDATE a SET id = id + 100 WHERE id = 7",
        "UPDATE a SET id = 1 WHERE id = 2",
        "UPDATE a SET nn = NULL",
        "UPDATE a SET t = t || '!' WHERE rowid BETWEEN 1 AND 2",
        "SELECT * FROM a ORDER BY id",
        "DELETE FROM a WHERE id > 100",
        "DELETE FROM a WHERE id >= 3 AND id < 11",
        "SELECT * FROM a ORDER BY id",
        "CREATE UNIQUE INDEX au ON a(t)",
        "INSERT INTO a(t) VALUES ('12')",
        "INSERT OR REPLACE INTO a(t, i) VALUES ('12', 99)",
        "SELECT id, t, i FROM a ORDER BY id",
        "DROP INDEX au",
        "DROP INDEX au",
        "DROP INDEX IF EXISTS au",
        "DROP TABLE a",
        "DROP TABLE IF EXISTS a",
        "SELECT * FROM a",
    ];
    for sql in script {
        both(&mine, &oracle, sql, "focused");
    }
    assert!(db.integrity_check(0).unwrap().is_ok());
}

fn small() -> Config {
    Config {
        page_size: boundlite::format::PageSize::new(512).unwrap(),
        cache_frames: 32,
        ..Config::DEFAULT
    }
}

/// Every row of `t`, as the engine reports it.
fn contents<P: Platform, A: Allocator + Clone>(conn: &Connection<'_, P, A>) -> Rows {
    ours(conn, "SELECT * FROM t ORDER BY id").unwrap()
}

#[test]
fn insert_and_select_survive_every_allocation_failure() {
    let disk = MemoryPlatform::new();
    let mut buffer = vec![0u8; 256 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    let db = Database::open(&disk, "oom.db", &small(), &fault).unwrap();
    let conn = db.connect();
    conn.execute(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, score REAL); CREATE INDEX tn ON t(name)",
        &[],
    )
    .unwrap();
    conn.execute("INSERT INTO t(name, score) VALUES ('a', 1), ('b', 2)", &[])
        .unwrap();
    let before = contents(&conn);
    let insert = "INSERT INTO t(name, score) VALUES (?1, 3.5), ('c' || ?1, 4)";
    // Persistent failures: a growing vector retries a refused amortized
    // growth with an exact one, so a single refusal can pass unnoticed.
    let report = oom_sweep(
        &fault,
        true,
        |_| {
            let mut stmt = conn.prepare(insert)?;
            stmt.bind(1, ValueRef::text("zz"))?;
            while stmt.step()?.is_some() {}
            Ok::<_, Error>(stmt.changes())
        },
        |n, e| {
            assert_eq!(e, Error::OutOfMemory, "insert failure {n}");
            assert_eq!(contents(&conn), before, "insert failure {n} left a trace");
        },
    )
    .unwrap();
    assert_eq!(report.value, 2);
    assert!(report.failure_points > 5);
    assert_eq!(contents(&conn).len(), 4);

    let select = "SELECT id, name || '!', score FROM t WHERE id > ?1 ORDER BY name DESC";
    let report = oom_sweep(
        &fault,
        true,
        |_| {
            let mut stmt = conn.prepare(select)?;
            stmt.bind(1, ValueRef::Integer(1))?;
            let mut n = 0;
            while stmt.step()?.is_some() {
                n += 1;
            }
            Ok::<_, Error>(n)
        },
        |n, e| assert_eq!(e, Error::OutOfMemory, "select failure {n}"),
    )
    .unwrap();
    assert_eq!(report.value, 3);
    assert!(report.failure_points > 5);
    drop(conn);
    drop(db);
    assert_eq!(arena.stats().live_allocations, 0, "the database leaked");
}

#[test]
fn allocation_failures_inside_begin_undo_the_statement_or_the_transaction() {
    let disk = MemoryPlatform::new();
    let mut buffer = vec![0u8; 256 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    let db = Database::open(&disk, "txn.db", &small(), &fault).unwrap();
    let conn = db.connect();
    conn.execute(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT UNIQUE, score REAL); \
         INSERT INTO t(name, score) VALUES ('a', 1)",
        &[],
    )
    .unwrap();
    let committed = contents(&conn);
    let begin = "BEGIN; INSERT INTO t(name, score) VALUES ('b', 2)";
    conn.execute(begin, &[]).unwrap();
    let (mut by_statement, mut by_transaction) = (0, 0);
    for sql in [
        "INSERT INTO t(name) VALUES ('c'), ('d')",
        "UPDATE t SET score = score + 1, name = name || '!'",
        "DELETE FROM t WHERE name < 'b'",
    ] {
        let before = contents(&conn);
        let report = oom_sweep(
            &fault,
            true,
            |_| conn.execute(sql, &[]),
            |n, e| {
                assert_eq!(e, Error::OutOfMemory, "{sql}: failure {n}");
                if !conn.is_aborted() {
                    by_statement += 1;
                    assert_eq!(contents(&conn), before, "{sql}: failure {n}");
                } else {
                    // The storage engine rolled the transaction back and
                    // the connection refuses statements until ROLLBACK:
                    // redo the transaction as it stood before the
                    // statement.
                    by_transaction += 1;
                    assert_eq!(
                        conn.execute("SELECT 1", &[]),
                        Err(Error::TransactionAborted)
                    );
                    conn.execute("ROLLBACK", &[]).unwrap();
                    assert_eq!(contents(&conn), committed, "{sql}: failure {n}");
                    conn.execute("BEGIN", &[]).unwrap();
                    conn.execute("DELETE FROM t", &[]).unwrap();
                    for row in &before {
                        let values: Vec<ValueRef<'_>> = row
                            .iter()
                            .map(|v| match v {
                                V::Int(i) => ValueRef::Integer(*i),
                                V::Real(r) => ValueRef::Real(*r),
                                V::Text(t) => ValueRef::text(t),
                                _ => ValueRef::Null,
                            })
                            .collect();
                        conn.execute("INSERT INTO t VALUES (?1, ?2, ?3)", values.as_slice())
                            .unwrap();
                    }
                }
            },
        )
        .unwrap();
        assert!(report.value > 0, "{sql}");
    }
    conn.execute("COMMIT", &[]).unwrap();
    assert_eq!(
        contents(&conn),
        [
            [V::Int(2), V::Text("b!".into()), V::Real(3.0)],
            [V::Int(3), V::Text("c!".into()), V::Null],
            [V::Int(4), V::Text("d!".into()), V::Null],
        ]
    );
    println!(
        "{by_statement} failures undone by the statement, {by_transaction} by the transaction"
    );
    assert!(by_statement > 0);
    assert!(db.integrity_check(0).unwrap().is_ok());
}

#[test]
fn pragmas_match_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let disk = StdPlatform::in_dir(dir.path());
    let db = Database::open(&disk, "p.db", &Config::DEFAULT, Global).unwrap();
    let mine = db.connect();
    let oracle = rusqlite::Connection::open(dir.path().join("oracle.db")).unwrap();
    oracle
        .query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
        .unwrap();
    let script = [
        "CREATE TABLE a(id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT 'x', score real(8,2) DEFAULT -1.5, n DEFAULT (1 + 2), b)",
        "CREATE TABLE k(x INT, y VARCHAR(10) NOT NULL, z, PRIMARY KEY (y, x))",
        "PRAGMA table_info(a)",
        "PRAGMA table_info('k')",
        "PRAGMA main.table_info(k)",
        "PRAGMA table_info(nosuch)",
        "PRAGMA user_version",
        "PRAGMA user_version = 42",
        "PRAGMA user_version",
        "PRAGMA user_version = -7",
        "PRAGMA user_version",
        "PRAGMA page_size",
        "PRAGMA journal_mode",
        "PRAGMA journal_mode = WAL",
        "PRAGMA integrity_check",
        "PRAGMA no_such_pragma",
        "PRAGMA nosuchdb.page_count",
        "INSERT INTO a(name) VALUES ('one'), ('two')",
        "BEGIN",
        "PRAGMA user_version = 9",
        "ROLLBACK",
        "PRAGMA user_version",
        "PRAGMA integrity_check",
    ];
    for (i, sql) in script.iter().enumerate() {
        both(&mine, &oracle, sql, &format!("pragma script line {i}"));
    }
    // Page allocation may differ between the engines: compare with the
    // database's own accounting instead.
    let one = |sql: &str| ours(&mine, sql).unwrap();
    assert_eq!(one("PRAGMA page_count"), [[V::Int(db.page_count().into())]]);
    assert_eq!(
        one("PRAGMA freelist_count"),
        [[V::Int(db.freelist_count().into())]]
    );
    assert_eq!(
        one("PRAGMA cache_size"),
        [[V::Int(db.pager().cache_frames() as i64)]]
    );
    for mode in ["", "(PASSIVE)", "(FULL)", "(RESTART)", "(TRUNCATE)"] {
        let sql = format!("PRAGMA wal_checkpoint{mode}");
        let rows = one(&sql);
        assert_eq!(rows.len(), 1, "{sql}");
        assert_eq!(rows[0].len(), 3, "{sql}");
        assert_eq!(rows[0][0], V::Int(0), "{sql}: not busy");
        assert_eq!(theirs(&oracle, &sql).unwrap()[0].len(), 3);
    }
    // After TRUNCATE the log is empty, as SQLite reports it.
    assert_eq!(
        one("PRAGMA wal_checkpoint(TRUNCATE)"),
        [[V::Int(0), V::Int(0), V::Int(0)]]
    );
    mine.execute("INSERT INTO a(name) VALUES ('three')", &[])
        .unwrap();
    let rows = one("PRAGMA wal_checkpoint(FULL)");
    assert!(matches!(rows[0][1], V::Int(n) if n > 0), "{rows:?}");
    assert_eq!(rows[0][1], rows[0][2], "FULL copies every frame");
    drop(mine);
    drop(db);
    let reopened = rusqlite::Connection::open(dir.path().join("p.db")).unwrap();
    let version: i64 = reopened
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, -7);
}

#[test]
fn index_seeks_match_sqlite() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "i.db", &Config::DEFAULT, Global).unwrap();
    let mine = db.connect();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    let script = [
        "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, n INT, r REAL, b BLOB, c TEXT COLLATE NOCASE, d INT)",
        "CREATE INDEX t_name ON t(name)",
        "CREATE INDEX t_n ON t(n, name)",
        "CREATE INDEX t_b ON t(b)",
        "CREATE INDEX t_c ON t(c)",
        "CREATE INDEX t_c_binary ON t(c COLLATE BINARY)",
        "CREATE INDEX t_d ON t(d DESC)",
        "INSERT INTO t(name, n, r, b, c, d) VALUES ('a', 1, 1.0, 1, 'A', 1), ('1', 2, 2.5, '1', 'a', 2), ('b', 1, 3, x'01', 'B', 3), (NULL, NULL, NULL, NULL, NULL, NULL), ('a', '3', '4', 2, 'b', 3), (1, 3.0, 4, 2.0, 'x', 'z')",
        "SELECT id FROM t WHERE name = 'a' ORDER BY id",
        "SELECT id FROM t WHERE name = 1 ORDER BY id",
        "SELECT id FROM t WHERE name = '1' ORDER BY id",
        "SELECT id FROM t WHERE 'a' = name ORDER BY id",
        "SELECT id FROM t WHERE n = 1 ORDER BY id",
        "SELECT id FROM t WHERE n = '3' ORDER BY id",
        "SELECT id FROM t WHERE n = 3.0 ORDER BY id",
        "SELECT id FROM t WHERE n = -1",
        "SELECT id FROM t WHERE b = 2 ORDER BY id",
        "SELECT id FROM t WHERE b = '1' ORDER BY id",
        "SELECT id FROM t WHERE c = 'a' ORDER BY id",
        "SELECT id FROM t WHERE c = 'B' ORDER BY id",
        "SELECT id FROM t WHERE name = NULL",
        "SELECT id FROM t WHERE name > 'a' ORDER BY id",
        "SELECT id FROM t WHERE name >= 'a' ORDER BY id",
        "SELECT id FROM t WHERE name < 'b' ORDER BY id",
        "SELECT id FROM t WHERE name <= 1 ORDER BY id",
        "SELECT id FROM t WHERE 'a' < name ORDER BY id",
        "SELECT id FROM t WHERE name BETWEEN '1' AND 'a' ORDER BY id",
        "SELECT id FROM t WHERE name > NULL",
        "SELECT id FROM t WHERE name BETWEEN 'a' AND NULL",
        "SELECT id FROM t WHERE n > 1 ORDER BY id",
        "SELECT id FROM t WHERE n >= '2' ORDER BY id",
        "SELECT id FROM t WHERE n < 3.0 ORDER BY id",
        "SELECT id FROM t WHERE n <= 3 AND n > 1.5 ORDER BY id",
        "SELECT id FROM t WHERE n > 'x' ORDER BY id",
        "SELECT id FROM t WHERE b > 1 ORDER BY id",
        "SELECT id FROM t WHERE b < '1' ORDER BY id",
        "SELECT id FROM t WHERE b >= x'00' ORDER BY id",
        "SELECT id FROM t WHERE c > 'a' ORDER BY id",
        "SELECT id FROM t WHERE c BETWEEN 'A' AND 'b' ORDER BY id",
        "SELECT id FROM t WHERE d > 1 ORDER BY id",
        "SELECT id FROM t WHERE d >= 2 AND d < 4 ORDER BY id",
        "SELECT id FROM t WHERE d BETWEEN '1' AND 3 ORDER BY id",
        "SELECT id FROM t WHERE d <= 3 ORDER BY id",
        "SELECT id FROM t WHERE d = 3 ORDER BY id",
        "SELECT id FROM t WHERE name > 'a' AND id = 3",
        "SELECT id FROM t WHERE name = 'a' AND n = 3",
        "SELECT count(*) FROM t WHERE name = 'a'",
        "UPDATE t SET name = 'z' WHERE name = 'a'",
        "SELECT id, name FROM t WHERE name = 'z' ORDER BY id",
        "DELETE FROM t WHERE n = 1",
        "SELECT id FROM t ORDER BY id",
    ];
    for (i, sql) in script.iter().enumerate() {
        both(&mine, &oracle, sql, &format!("index script line {i}"));
    }
    // SQLite numbers its plan nodes its own way: compare the wording.
    for sql in [
        "EXPLAIN QUERY PLAN SELECT * FROM t WHERE name = 'a'",
        "EXPLAIN QUERY PLAN SELECT * FROM t WHERE n = 5",
        "EXPLAIN QUERY PLAN SELECT * FROM t WHERE b = 1",
        "EXPLAIN QUERY PLAN SELECT * FROM t WHERE id = 1 AND name = 'a'",
        "EXPLAIN QUERY PLAN SELECT * FROM t WHERE r = 1",
        "EXPLAIN QUERY PLAN SELECT * FROM t WHERE c = 'a'",
        "EXPLAIN QUERY PLAN SELECT * FROM t WHERE name > 'a'",
        "EXPLAIN QUERY PLAN SELECT * FROM t WHERE name >= 1 AND name < 'b'",
        "EXPLAIN QUERY PLAN SELECT * FROM t WHERE 5 > n",
        "EXPLAIN QUERY PLAN SELECT * FROM t WHERE n BETWEEN 1 AND 3",
        "EXPLAIN QUERY PLAN SELECT * FROM t WHERE d <= 3",
        "EXPLAIN QUERY PLAN SELECT * FROM t WHERE n > 1 AND name = 'a'",
        "EXPLAIN QUERY PLAN SELECT * FROM t WHERE id = 1 AND name > 'a'",
        "EXPLAIN QUERY PLAN SELECT * FROM t WHERE c > 'a'",
    ] {
        let detail = |rows: Rows| rows.into_iter().map(|r| r[3].clone()).collect::<Vec<_>>();
        let a = ours(&mine, sql).map(detail);
        let b = theirs(&oracle, sql).map(detail);
        assert_eq!(a.ok(), b.ok(), "{sql}");
    }
    let mut stmt = mine.prepare("SELECT id FROM t WHERE name = ?1").unwrap();
    stmt.bind(1, ValueRef::text("z")).unwrap();
    let mut ids = Vec::new();
    while let Some(row) = stmt.step().unwrap() {
        ids.push(row.get_i64(0).unwrap());
    }
    assert_eq!(ids, [5]);
    assert!(db.integrity_check(0).unwrap().is_ok());
}

#[test]
fn grouping_and_distinct_match_sqlite() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "g.db", &Config::DEFAULT, Global).unwrap();
    let mine = db.connect();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    let script = [
        "CREATE TABLE g(id INTEGER PRIMARY KEY, k TEXT, n INT, c TEXT COLLATE NOCASE)",
        "CREATE INDEX g_k ON g(k)",
        "SELECT k, count(*) FROM g GROUP BY k",
        "SELECT count(*) FROM g HAVING count(*) > 0",
        "SELECT count(*) + 1, sum(n) FROM g",
        "INSERT INTO g(k, n, c) VALUES ('a', 1, 'x'), ('b', 2, 'X'), ('a', 3, 'y'), (NULL, 4, NULL), ('b', NULL, 'Y'), ('c', 6, 'x'), (NULL, 7, 'z'), ('a', 1, 'x')",
        "SELECT k, count(*), sum(n), min(n), max(n), avg(n), total(n) FROM g GROUP BY k",
        "SELECT k, count(*) FROM g GROUP BY k HAVING count(*) > 1",
        "SELECT k, sum(n) FROM g GROUP BY k HAVING sum(n) >= 4 AND k IS NOT NULL",
        "SELECT k, count(*) AS cnt FROM g GROUP BY k ORDER BY cnt DESC, k",
        "SELECT k, count(*) FROM g GROUP BY k ORDER BY count(*) DESC, 1 LIMIT 2",
        "SELECT k, count(*) FROM g GROUP BY k ORDER BY 2, 1 LIMIT 2 OFFSET 1",
        "SELECT k, n, count(*) FROM g GROUP BY k, n ORDER BY k, n",
        "SELECT c, count(*) FROM g GROUP BY c ORDER BY 1",
        "SELECT count(*) * 2, sum(n) - min(n), max(k) || '!' FROM g",
        "SELECT k FROM g WHERE n > 1 GROUP BY k",
        "SELECT n % 2, count(*) FROM g GROUP BY n % 2",
        "SELECT k, count(*) FROM g WHERE k = 'a' GROUP BY k",
        "SELECT count(*) FROM g WHERE id > 100 HAVING count(*) = 0",
        "SELECT k, sum(n) FROM g GROUP BY k HAVING NOT sum(n) > 4",
        "SELECT DISTINCT k FROM g ORDER BY 1",
        "SELECT DISTINCT k FROM g ORDER BY k DESC",
        "SELECT DISTINCT k, n FROM g ORDER BY 1, 2",
        "SELECT DISTINCT n FROM g LIMIT 3",
        "SELECT DISTINCT n FROM g LIMIT 3 OFFSET 2",
        "SELECT DISTINCT n % 2 FROM g ORDER BY 1",
        "SELECT DISTINCT k FROM g WHERE k = 'a'",
        "SELECT DISTINCT count(*) FROM g",
        "SELECT DISTINCT k, count(*) FROM g GROUP BY n ORDER BY 1, 2",
        "SELECT k, count(*) FROM g GROUP BY nosuch",
        "SELECT k FROM g GROUP BY k HAVING nosuch > 1",
    ];
    for (i, sql) in script.iter().enumerate() {
        both(&mine, &oracle, sql, &format!("group script line {i}"));
    }
}

#[test]
fn grouping_seeks_and_pragmas_survive_every_allocation_failure() {
    let disk = MemoryPlatform::new();
    let mut buffer = vec![0u8; 256 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    let db = Database::open(&disk, "oom2.db", &small(), &fault).unwrap();
    let conn = db.connect();
    conn.execute(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, score REAL); CREATE INDEX tn ON t(name);
         INSERT INTO t(name, score) VALUES ('a', 1), ('b', 2), ('a', 3), ('c', 4)",
        &[],
    )
    .unwrap();
    let queries: [(&str, usize); 9] = [
        (
            "SELECT name, count(*), sum(score) FROM t GROUP BY name HAVING count(*) > 0 ORDER BY 2 DESC, 1",
            3,
        ),
        (
            "SELECT name COLLATE NOCASE AS n, count(*) FROM t GROUP BY 1 ORDER BY n",
            3,
        ),
        ("SELECT DISTINCT name FROM t ORDER BY name", 3),
        (
            "SELECT name AS n, score AS s FROM t ORDER BY -s, n || '!'",
            4,
        ),
        ("SELECT id, score FROM t WHERE name = 'a'", 2),
        ("SELECT id FROM t INDEXED BY tn WHERE name = 'a'", 2),
        ("SELECT type, name, sql FROM sqlite_schema", 2),
        ("PRAGMA table_info(t)", 3),
        ("PRAGMA integrity_check", 1),
    ];
    for (sql, expected) in queries {
        let report = sweep_rows(&fault, &conn, sql);
        assert_eq!(report.value, expected, "{sql}");
        assert!(report.failure_points > 3, "{sql}");
    }
    let before = contents(&conn);
    let insert =
        "INSERT INTO t(name, score) SELECT name || '2', score + 10 FROM t WHERE name = 'a'";
    let report = oom_sweep(
        &fault,
        true,
        |_| conn.execute(insert, &[]),
        |n, e| {
            assert_eq!(e, Error::OutOfMemory, "insert select failure {n}");
            assert_eq!(
                contents(&conn),
                before,
                "insert select failure {n} left a trace"
            );
        },
    )
    .unwrap();
    assert_eq!(report.value, 2);
    drop(conn);
    drop(db);
    assert_eq!(arena.stats().live_allocations, 0, "the database leaked");
}

#[test]
fn prepared_changes_survive_every_allocation_failure() {
    prepared_changes_sweep(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT UNIQUE, score REAL); \
         CREATE INDEX ts ON t(score);",
    );
}

/// The same sweep on a table without indexes, whose rows an `UPDATE`
/// overwrites in place.
#[test]
fn prepared_changes_in_place_survive_every_allocation_failure() {
    prepared_changes_sweep("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, score REAL);");
}

/// Runs a prepared UPDATE and DELETE under every allocation failure, in
/// and out of BEGIN, on table `t(id, name, score)` made by `schema`.
fn prepared_changes_sweep(schema: &str) {
    let disk = MemoryPlatform::new();
    let mut buffer = vec![0u8; 256 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    let db = Database::open(&disk, "prepared.db", &small(), &fault).unwrap();
    let conn = db.connect();
    conn.execute(schema, &[]).unwrap();
    conn.execute(
        "INSERT INTO t(name, score) VALUES ('a', 1), ('b', 2.5), ('c', 3), ('d', 4), ('e', 5)",
        &[],
    )
    .unwrap();
    // A statement prepared once and run again after each failure: the
    // buffers a failed run held are gone, the next run grows them back.
    let mut update = conn
        .prepare("UPDATE t SET name = ?1 || name, score = score + ?2 WHERE id = ?3")
        .unwrap();
    let mut delete = conn.prepare("DELETE FROM t WHERE id = ?1").unwrap();
    for inside_begin in [false, true] {
        if inside_begin {
            conn.execute("BEGIN", &[]).unwrap();
        }
        for (id, step) in [(1, 1.0), (2, 0.5), (3, 1.5)] {
            let committed = ours(&conn, "SELECT * FROM t ORDER BY id").unwrap();
            let before = contents(&conn);
            let mut lost = 0;
            let report = oom_sweep(
                &fault,
                true,
                |_| {
                    update.reset();
                    update.bind(1, ValueRef::text("a longer prefix, "))?;
                    update.bind(2, ValueRef::Real(step))?;
                    update.bind(3, ValueRef::Integer(id))?;
                    while update.step()?.is_some() {}
                    Ok::<_, Error>(update.changes())
                },
                |n, e| {
                    assert_eq!(e, Error::OutOfMemory, "update {id}: failure {n}");
                    if conn.is_aborted() {
                        // The storage engine rolled everything back; the
                        // statements before this one were committed.
                        lost += 1;
                        conn.execute("ROLLBACK", &[]).unwrap();
                        assert_eq!(
                            ours(&conn, "SELECT * FROM t ORDER BY id").unwrap(),
                            committed
                        );
                        conn.execute("BEGIN", &[]).unwrap();
                    } else {
                        assert_eq!(contents(&conn), before, "update {id}: failure {n}");
                    }
                },
            )
            .unwrap();
            assert_eq!(report.value, 1, "update {id}");
            assert!(report.failure_points > 0, "update {id}");
            assert!(lost == 0 || inside_begin);
        }
        let id = if inside_begin { 4 } else { 5 };
        let before = contents(&conn);
        let report = oom_sweep(
            &fault,
            true,
            |_| {
                delete.reset();
                delete.bind(1, ValueRef::Integer(id))?;
                while delete.step()?.is_some() {}
                Ok::<_, Error>(delete.changes())
            },
            |n, e| {
                assert_eq!(e, Error::OutOfMemory, "delete {id}: failure {n}");
                if conn.is_aborted() {
                    conn.execute("ROLLBACK; BEGIN", &[]).unwrap();
                } else {
                    assert_eq!(contents(&conn), before, "delete {id}: failure {n}");
                }
            },
        )
        .unwrap();
        assert_eq!(report.value, 1, "delete {id}");
        if inside_begin {
            conn.execute("COMMIT", &[]).unwrap();
        }
    }
    assert_eq!(
        contents(&conn)
            .iter()
            .map(|row| row[2].clone())
            .collect::<Vec<_>>(),
        [V::Real(3.0), V::Real(3.5), V::Real(6.0)]
    );
    assert!(db.integrity_check(0).unwrap().is_ok());
    drop(update);
    drop(delete);
    drop(conn);
    drop(db);
    assert_eq!(arena.stats().live_allocations, 0, "the database leaked");
}
