//! `ALTER TABLE` against SQLite: each statement runs on both engines,
//! which must agree on success or on the error's words, on every row of
//! `sqlite_schema` (the edited `CREATE` text byte for byte) and on every
//! table's rows. Files altered here open in SQLite intact, files SQLite
//! made are altered here intact, and every allocation failure leaves the
//! schema and the rows as they were.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::{Arena, FaultAlloc, Global};
use boundlite::platform::{MemoryPlatform, Platform};
use boundlite::{Config, Connection, Database};
use boundlite_std::StdPlatform;
use boundlite_tests::compare::{Rows, assert_sqlite_integrity_ok, ours, theirs};
use boundlite_tests::sweep::sweep_change;

const SCHEMA: &str = r#"CREATE TABLE t(id INTEGER PRIMARY KEY, a /* c */ TEXT, "b" INT UNIQUE, c, d CHECK(d>0), e REFERENCES u(x));
CREATE INDEX ti ON t(c);
CREATE INDEX "tq" ON t ("a" DESC, c);
CREATE TABLE u(x PRIMARY KEY, y, FOREIGN KEY(y) REFERENCES t(a));
CREATE TABLE w(x INTEGER PRIMARY KEY AUTOINCREMENT, y, z, CHECK(z <> 'no'));
CREATE TABLE one(z);
CREATE TABLE m(p, q, r, s, UNIQUE(q, r), PRIMARY KEY(p), FOREIGN KEY(s) REFERENCES one(z));
CREATE TABLE dq(a, c, CHECK("c" > 0));
CREATE TABLE dqi(a, c);
CREATE INDEX dqi_c ON dqi("c");
INSERT INTO t VALUES (1, 'a', 2, 3, 4, 5), (2, NULL, 3, 'x', 1, NULL);
INSERT INTO u VALUES (1, 'a');
INSERT INTO w(y, z) VALUES (1, 2), (3, 4);
INSERT INTO one VALUES (1);
INSERT INTO m VALUES (1, 2, 3, 4);
CREATE TABLE lone(k, v);
CREATE VIEW lone_view AS SELECT k FROM lone;
CREATE TRIGGER lone_trigger AFTER INSERT ON lone BEGIN SELECT new.v; END"#;

/// Statements run in order on both engines; some fail on both.
const SCRIPT: &[&str] = &[
    // Refused by SQLite, with its words.
    "ALTER TABLE t RENAME TO u",
    "ALTER TABLE t RENAME TO T",
    "ALTER TABLE t RENAME TO ti",
    "ALTER TABLE t RENAME TO sqlite_x",
    "ALTER TABLE sqlite_schema RENAME TO x",
    "ALTER TABLE sqlite_master ADD COLUMN z",
    "ALTER TABLE sqlite_sequence RENAME TO x",
    "ALTER TABLE nope RENAME TO x",
    "ALTER TABLE aux.t RENAME TO x",
    "ALTER TABLE temp.t RENAME TO x",
    "ALTER TABLE main.one RENAME COLUMN zz TO y",
    "ALTER TABLE t RENAME COLUMN zz TO y",
    "ALTER TABLE t RENAME COLUMN \"zz\" TO y",
    "ALTER TABLE t RENAME COLUMN a TO c",
    "ALTER TABLE t ADD COLUMN f PRIMARY KEY",
    "ALTER TABLE t ADD COLUMN f UNIQUE",
    "ALTER TABLE t ADD COLUMN f NOT NULL",
    "ALTER TABLE t ADD COLUMN f DEFAULT (1+1)",
    "ALTER TABLE t ADD COLUMN f DEFAULT CURRENT_TIME",
    "ALTER TABLE t ADD COLUMN f DEFAULT (random())",
    "ALTER TABLE t ADD COLUMN a",
    "ALTER TABLE t ADD COLUMN \"B\" INT",
    "ALTER TABLE t ADD COLUMN f AS (1) STORED",
    "ALTER TABLE t DROP COLUMN id",
    "ALTER TABLE t DROP COLUMN b",
    "ALTER TABLE t DROP COLUMN c",
    "ALTER TABLE t DROP COLUMN zz",
    "ALTER TABLE t DROP COLUMN \"zz\"",
    "ALTER TABLE one DROP COLUMN z",
    "ALTER TABLE m DROP COLUMN p",
    "ALTER TABLE m DROP COLUMN q",
    "ALTER TABLE m DROP COLUMN s",
    "ALTER TABLE w DROP COLUMN z",
    "ALTER TABLE dq DROP COLUMN c",
    "ALTER TABLE dqi DROP COLUMN c",
    // Done by both.
    "ALTER TABLE t RENAME COLUMN a TO A",
    "ALTER TABLE t RENAME a TO alpha",
    "ALTER TABLE t RENAME COLUMN alpha TO \"al pha\"",
    "ALTER TABLE t RENAME COLUMN c TO [cc]",
    "ALTER TABLE t ADD f NOT NULL DEFAULT 'x'",
    "ALTER TABLE t ADD COLUMN g DEFAULT -1",
    "ALTER TABLE t ADD COLUMN h INT DEFAULT +1  ;  ",
    "ALTER TABLE t ADD COLUMN i DEFAULT ('a')",
    "ALTER TABLE t ADD COLUMN j DEFAULT x'00'",
    "ALTER TABLE t ADD COLUMN k COLLATE nocase",
    "ALTER TABLE m ADD COLUMN t2 TEXT",
    "ALTER TABLE t DROP COLUMN d",
    "ALTER TABLE t DROP COLUMN e",
    "ALTER TABLE t DROP COLUMN g",
    "ALTER TABLE t DROP k",
    "ALTER TABLE m DROP COLUMN t2",
    "ALTER TABLE w DROP COLUMN y",
    "ALTER TABLE w RENAME TO w2",
    "ALTER TABLE t RENAME TO \"n\"\"m\"",
    "ALTER TABLE one RENAME TO uno",
    "ALTER TABLE u RENAME TO t",
    "INSERT INTO w2(z) VALUES ('z')",
    "INSERT INTO \"n\"\"m\"(id, b) VALUES (9, 9)",
];

/// Every row of `sqlite_schema` and of each table, on boundlite.
fn contents_ours<P: Platform, A: boundlite::alloc::Allocator + Clone>(
    conn: &Connection<'_, P, A>,
) -> Rows {
    let schema = ours(
        conn,
        "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY rowid",
    )
    .unwrap();
    let mut all = schema.clone();
    for row in schema {
        if let (boundlite_tests::compare::V::Text(kind), boundlite_tests::compare::V::Text(name)) =
            (&row[0], &row[1])
        {
            // The full-text index's tables are its module's, read through it.
            if kind == "table" && !name.starts_with("docs") {
                let quoted = name.replace('"', "\"\"");
                all.extend(
                    ours(conn, &format!("SELECT * FROM \"{quoted}\" ORDER BY rowid")).unwrap(),
                );
            }
        }
    }
    all
}

/// [`contents_ours`] on SQLite.
fn contents_theirs(conn: &rusqlite::Connection) -> Rows {
    let schema = theirs(
        conn,
        "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY rowid",
    )
    .unwrap();
    let mut all = schema.clone();
    for row in schema {
        if let (boundlite_tests::compare::V::Text(kind), boundlite_tests::compare::V::Text(name)) =
            (&row[0], &row[1])
        {
            // The full-text index's tables are its module's, read through it.
            if kind == "table" && !name.starts_with("docs") {
                let quoted = name.replace('"', "\"\"");
                all.extend(
                    theirs(conn, &format!("SELECT * FROM \"{quoted}\" ORDER BY rowid")).unwrap(),
                );
            }
        }
    }
    all
}

#[test]
fn alter_table_matches_sqlite_statement_by_statement() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "a.db", &Config::DEFAULT, Global).unwrap();
    let mine = db.connect();
    let oracle = sqlite_memory();
    for sql in SCHEMA.split(";\n") {
        mine.execute(sql, &[]).unwrap();
    }
    oracle.execute_batch(SCHEMA).unwrap();
    assert_eq!(contents_ours(&mine), contents_theirs(&oracle));
    for sql in SCRIPT {
        let a = mine.execute(sql, &[]);
        let b = oracle.execute_batch(sql);
        match (&a, &b) {
            (Ok(_), Ok(())) => {}
            (Err(a), Err(b)) => {
                // SQLite's newer messages add where in the text it was.
                let b = b.to_string();
                let b = b.split(" in ALTER TABLE").next().unwrap();
                let a = a.to_string();
                assert!(a.ends_with(b), "{sql}:\n  boundlite: {a}\n  sqlite:    {b}");
            }
            _ => panic!("{sql}\n  boundlite: {a:?}\n  sqlite:    {b:?}"),
        }
        assert_eq!(
            contents_ours(&mine),
            contents_theirs(&oracle),
            "after {sql}"
        );
    }
    assert!(db.integrity_check(0).unwrap().is_ok());
}

#[test]
fn a_prepared_statement_sees_the_altered_table() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "p.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    conn.execute("CREATE TABLE t(a, b)", &[]).unwrap();
    conn.execute("INSERT INTO t VALUES (1, 2)", &[]).unwrap();
    let mut stmt = conn.prepare("SELECT * FROM t").unwrap();
    let mut insert = conn.prepare("INSERT INTO t(b) VALUES (5)").unwrap();
    assert_eq!(stmt.step().unwrap().unwrap().values().count(), 2);
    stmt.reset();
    let other = db.connect();
    other
        .execute("ALTER TABLE t ADD COLUMN c DEFAULT 7", &[])
        .unwrap();
    // The same prepared statements, run again, read the altered table.
    assert_eq!(stmt.step().unwrap().unwrap().values().count(), 3);
    stmt.reset();
    insert.step().unwrap();
    insert.reset();
    other.execute("ALTER TABLE t DROP COLUMN a", &[]).unwrap();
    let row: Vec<_> = stmt
        .step()
        .unwrap()
        .unwrap()
        .values()
        .map(boundlite_tests::compare::from_ours)
        .collect();
    assert_eq!(row, ours(&other, "SELECT 2, 7").unwrap()[0]);
    stmt.reset();
    insert.step().unwrap();
    assert_eq!(
        ours(&conn, "SELECT * FROM t").unwrap(),
        ours(
            &other,
            "SELECT 2, 7 UNION ALL SELECT 5, 7 UNION ALL SELECT 5, 7"
        )
        .unwrap()
    );
}

#[test]
fn files_altered_here_open_in_sqlite_and_back() {
    let dir = tempfile::tempdir().unwrap();
    let disk = StdPlatform::in_dir(dir.path());
    // A file boundlite made and altered.
    {
        let db = Database::open(&disk, "ours.db", &Config::DEFAULT, Global).unwrap();
        let conn = db.connect();
        for sql in SCHEMA.split(";\n") {
            conn.execute(sql, &[]).unwrap();
        }
        for sql in SCRIPT {
            let _ = conn.execute(sql, &[]);
        }
    }
    let sqlite = rusqlite::Connection::open(dir.path().join("ours.db")).unwrap();
    assert_sqlite_integrity_ok(&sqlite);
    let oracle = sqlite_memory();
    oracle.execute_batch(SCHEMA).unwrap();
    for sql in SCRIPT {
        let _ = oracle.execute_batch(sql);
    }
    assert_eq!(contents_theirs(&sqlite), contents_theirs(&oracle));
    drop(sqlite);

    // A file SQLite made, with many rows (overflow pages included),
    // altered here.
    let sqlite = rusqlite::Connection::open(dir.path().join("theirs.db")).unwrap();
    sqlite
        .execute_batch(
            "CREATE VIRTUAL TABLE docs USING fts5(body);
             CREATE TABLE big(id INTEGER PRIMARY KEY, a, b TEXT, c);
             CREATE INDEX bc ON big(c);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
             INSERT INTO big SELECT i, i * 2, printf('%.*c', i % 7 * 300, 'x'), i % 10 FROM n;",
        )
        .unwrap();
    drop(sqlite);
    let script = [
        "ALTER TABLE big DROP COLUMN b",
        "ALTER TABLE big ADD COLUMN d DEFAULT 'dd'",
        "ALTER TABLE big RENAME COLUMN c TO cee",
        "ALTER TABLE big RENAME TO large",
        "ALTER TABLE large DROP COLUMN a",
    ];
    {
        let db = Database::open(&disk, "theirs.db", &Config::DEFAULT, Global).unwrap();
        let conn = db.connect();
        for sql in script {
            conn.execute(sql, &[]).unwrap();
        }
        assert!(db.integrity_check(0).unwrap().is_ok());
    }
    let sqlite = rusqlite::Connection::open(dir.path().join("theirs.db")).unwrap();
    assert_sqlite_integrity_ok(&sqlite);
    let oracle = sqlite_memory();
    oracle
        .execute_batch(
            "CREATE VIRTUAL TABLE docs USING fts5(body);
             CREATE TABLE big(id INTEGER PRIMARY KEY, a, b TEXT, c);
             CREATE INDEX bc ON big(c);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
             INSERT INTO big SELECT i, i * 2, printf('%.*c', i % 7 * 300, 'x'), i % 10 FROM n;",
        )
        .unwrap();
    for sql in script {
        oracle.execute_batch(sql).unwrap();
    }
    assert_eq!(contents_theirs(&sqlite), contents_theirs(&oracle));
}

#[test]
fn refused_alters_name_what_is_refused() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "r.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    conn.execute("CREATE TABLE t(a, b)", &[]).unwrap();
    conn.execute("INSERT INTO t VALUES (1, 2)", &[]).unwrap();
    conn.execute("CREATE TEMP VIEW tv AS SELECT a FROM t", &[])
        .unwrap();
    let refused = [
        (
            "ALTER TABLE t ADD COLUMN c CHECK (c > 0) DEFAULT 1",
            "CHECK constraint",
        ),
        // SQLite would edit the temporary view's text too.
        (
            "ALTER TABLE t DROP COLUMN b",
            "a temporary view or trigger names",
        ),
        (
            "ALTER TABLE t RENAME TO t2",
            "a temporary view or trigger names",
        ),
        (
            "ALTER TABLE t ADD COLUMN c AS (a + 1) NOT NULL",
            "generated column",
        ),
        (
            "ALTER TABLE t ADD COLUMN c COLLATE nosuch",
            "no such collation",
        ),
    ];
    for (sql, words) in refused {
        let e = match conn.execute(sql, &[]) {
            Ok(_) => panic!("{sql} ran"),
            Err(e) => e.to_string(),
        };
        assert!(e.contains(words), "{sql}: {e}");
    }
}

#[test]
fn every_alter_survives_every_allocation_failure() {
    let disk = MemoryPlatform::new();
    let mut buffer = vec![0u8; 512 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    let db = Database::open(&disk, "oom.db", &Config::DEFAULT, &fault).unwrap();
    let conn = db.connect();
    for sql in SCHEMA.split(";\n") {
        conn.execute(sql, &[]).unwrap();
    }
    conn.execute(
        "INSERT INTO t(id, a, b, c, d) SELECT id + 10, a, b + 10, c, d FROM t",
        &[],
    )
    .unwrap();
    let contents = || contents_ours(&conn);
    for sql in [
        "ALTER TABLE t RENAME COLUMN a TO alpha",
        "ALTER TABLE t ADD COLUMN f NOT NULL DEFAULT 'x'",
        "ALTER TABLE t DROP COLUMN d",
        "ALTER TABLE w RENAME TO w2",
        "ALTER TABLE t RENAME TO t2",
    ] {
        let report = sweep_change(&fault, &conn, sql, contents);
        assert!(report.failure_points > 3, "{sql}");
        assert!(db.integrity_check(0).unwrap().is_ok(), "{sql}");
    }
}

/// An SQLite database in memory, with foreign keys off as boundlite has
/// them (the bundled build turns them on).
fn sqlite_memory() -> rusqlite::Connection {
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    conn.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
    conn
}

#[test]
fn a_failed_drop_column_inside_a_transaction_leaves_the_table_as_it_was() {
    let disk = MemoryPlatform::new();
    let mut buffer = vec![0u8; 512 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    let db = Database::open(&disk, "txn.db", &Config::DEFAULT, &fault).unwrap();
    let conn = db.connect();
    conn.execute("CREATE TABLE t(a, b, c)", &[]).unwrap();
    conn.execute(
        "INSERT INTO t VALUES (1, 'one', 1.5), (2, zeroblob(3000), 2.5), (3, 'three', NULL)",
        &[],
    )
    .unwrap();
    let contents = || contents_ours(&conn);
    let before = contents();
    conn.execute("BEGIN", &[]).unwrap();
    conn.execute("INSERT INTO t VALUES (4, 'four', 4.5)", &[])
        .unwrap();
    let inserted = contents();
    conn.execute("ROLLBACK", &[]).unwrap();
    let report = boundlite::alloc::oom_sweep(
        &fault,
        true,
        |_| {
            conn.execute("BEGIN", &[])?;
            conn.execute("INSERT INTO t VALUES (4, 'four', 4.5)", &[])?;
            conn.execute("ALTER TABLE t DROP COLUMN b", &[])?;
            conn.execute("COMMIT", &[])
        },
        |n, e| {
            assert_eq!(e, boundlite::Error::OutOfMemory, "failure {n}");
            // Either the failed statement alone was undone, and the
            // transaction goes on with the row inserted before it, or (a
            // failure inside the storage engine) the whole transaction
            // was rolled back; never half a DROP COLUMN.
            match conn.execute("SELECT 1", &[]) {
                Err(boundlite::Error::TransactionAborted) => {}
                _ => assert!(
                    contents() == inserted || contents() == before,
                    "failure {n}"
                ),
            }
            let _ = conn.execute("ROLLBACK", &[]);
            assert!(contents() == before, "failure {n} left a trace");
        },
    )
    .unwrap();
    assert!(report.failure_points > 3);
    assert_eq!(
        ours(&conn, "SELECT * FROM t").unwrap(),
        ours(
            &conn,
            "SELECT 1, 1.5 UNION ALL SELECT 2, 2.5 UNION ALL SELECT 3, NULL UNION ALL SELECT 4, 4.5"
        )
        .unwrap()
    );
    assert!(db.integrity_check(0).unwrap().is_ok());
}

#[test]
fn an_alter_rolled_back_leaves_the_table_as_it_was() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "rb.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    conn.execute("CREATE TABLE t(a, b)", &[]).unwrap();
    conn.execute("INSERT INTO t VALUES (1, 2)", &[]).unwrap();
    let before = contents_ours(&conn);
    let mut select = conn.prepare("SELECT * FROM t").unwrap();
    for alter in [
        "ALTER TABLE t ADD COLUMN c DEFAULT 3",
        "ALTER TABLE t DROP COLUMN a",
        "ALTER TABLE t RENAME COLUMN a TO z",
    ] {
        conn.execute("BEGIN", &[]).unwrap();
        conn.execute(alter, &[]).unwrap();
        assert_ne!(contents_ours(&conn), before, "{alter}");
        conn.execute("ROLLBACK", &[]).unwrap();
        assert_eq!(contents_ours(&conn), before, "{alter}");
        assert_eq!(select.step().unwrap().unwrap().values().count(), 2);
        select.reset();
    }
    conn.execute("BEGIN", &[]).unwrap();
    conn.execute("ALTER TABLE t RENAME TO u", &[]).unwrap();
    conn.execute("ROLLBACK", &[]).unwrap();
    assert_eq!(contents_ours(&conn), before);
}
