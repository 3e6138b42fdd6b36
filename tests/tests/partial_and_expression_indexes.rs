//! Partial indexes (`CREATE [UNIQUE] INDEX ... WHERE`) and indexes on
//! expressions (`CREATE INDEX ... ON t(lower(c), b + 1)`) against SQLite.
//!
//! A generated mix of tables with one to three such indexes (some
//! `UNIQUE`, over one or two columns or expressions, with NOCASE and
//! `DESC` keys, beside a plain index now and then) and of `INSERT`
//! (several rows, every `OR`
//! clause, upserts whose target names a partial index's `WHERE`),
//! `UPDATE`, `DELETE` and `SELECT` (with and without the index's
//! `WHERE` among its terms, so that the planner may seek the index or
//! must not) runs on both engines: each statement's rows, or its error's
//! message, and the table's rows after it must be SQLite's. Half the
//! rounds start from a file SQLite made with rows in it, so `CREATE
//! INDEX` fills the index here from rows SQLite stored; the file written
//! here must then pass SQLite's `PRAGMA integrity_check`, SQLite writes
//! to it, and it passes ours again.
//!
//! Also: `CREATE INDEX` refuses what SQLite refuses in the `WHERE` and
//! in expressions with its words, `PRAGMA index_list` says `partial`, `integrity_check`
//! finds an entry that should not be there and one missing, and every
//! allocation failure of a write through a partial index or an index on
//! expressions, or of a query seeking one, is clean; a file SQLite made
//! with such indexes over a deep tree is checked, queried and written
//! here, and SQLite finds it sound after.
//!
//! `BOUNDLITE_SEED` sets the first seed.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::{Arena, FaultAlloc, Global};
use boundlite::platform::MemoryPlatform;
use boundlite::{Config, Connection, Database};
use boundlite_tests::compare::{Exact, Owned, Rows};
use boundlite_tests::rng::{Rng, seed};
use boundlite_tests::sweep::{sweep_change, sweep_query_both};

const TYPES: [&str; 5] = ["", "INT", "TEXT", "REAL", "NUMERIC"];
const COLUMNS: [&str; 3] = ["b", "c", "d"];

fn pick<'a>(rng: &mut Rng, items: &[&'a str]) -> &'a str {
    items[rng.below(items.len() as u64) as usize]
}

/// A small value of any type, so that keys repeat.
fn value(rng: &mut Rng) -> String {
    match rng.below(8) {
        0..=2 => format!("{}", rng.below(12) as i64 - 3),
        3 => format!("{}.5", rng.below(6)),
        4 => format!("'{}'", pick(rng, &["a", "A", "b", "B", "ab", "c", "1"])),
        5 => format!("x'{:02x}'", rng.below(4)),
        _ => "NULL".into(),
    }
}

/// A condition on the columns, as a partial index's `WHERE` or a query's
/// term.
fn condition(rng: &mut Rng) -> String {
    let col = pick(rng, &COLUMNS);
    let other = pick(rng, &COLUMNS);
    let n = rng.below(8) as i64 - 2;
    match rng.below(10) {
        0 => format!("{col} > {n}"),
        1 => format!("{col} IS NOT NULL"),
        2 => format!("{col} < {n} AND {other} >= {}", n - 3),
        3 => format!("{col} LIKE 'a%'"),
        4 => format!("{col} % 2 = 0"),
        5 => format!("coalesce({col}, 0) > {n}"),
        6 => format!("lower({col}) = 'a'"),
        7 => format!("typeof({col}) = 'integer'"),
        8 => format!("{col} = 'b' COLLATE NOCASE OR {other} IS NULL"),
        _ => format!("a % 3 <> {}", rng.below(3)),
    }
}

/// Expressions an index's key may hold (and a query name).
const EXPRESSIONS: [&str; 10] = [
    "lower(c)",
    "b + 1",
    "coalesce(d, b)",
    "abs(b)",
    "c || 'x'",
    "typeof(d)",
    "length(c)",
    "CAST(b AS TEXT)",
    "d * 2",
    "upper(b) COLLATE NOCASE",
];

/// One item of an index's key: a column or an expression.
fn key_item(rng: &mut Rng) -> String {
    match rng.below(2) {
        0 => pick(rng, &COLUMNS).to_string(),
        _ => pick(rng, &EXPRESSIONS).to_string(),
    }
}

/// A table `t` and its indexes: the statements and each index's
/// `WHERE` (empty for a plain one).
fn schema(rng: &mut Rng) -> (Vec<String>, Vec<String>) {
    let mut defs = vec!["a INTEGER PRIMARY KEY".to_string()];
    for c in COLUMNS {
        let collation = if rng.below(4) == 0 {
            " COLLATE NOCASE"
        } else {
            ""
        };
        defs.push(format!("{c} {}{collation}", pick(rng, &TYPES)));
    }
    let mut statements = vec![format!("CREATE TABLE t({})", defs.join(", "))];
    let mut wheres = Vec::new();
    for k in 0..1 + rng.below(3) {
        let mut key = vec![key_item(rng)];
        if rng.below(3) == 0 {
            key.push(key_item(rng));
        }
        if rng.below(5) == 0 {
            key[0].push_str(" COLLATE NOCASE");
        }
        if rng.below(4) == 0 {
            key[0].push_str(" DESC");
        }
        let unique = if rng.below(2) == 0 { "UNIQUE " } else { "" };
        let clause = if rng.below(6) == 0 {
            String::new()
        } else {
            condition(rng)
        };
        let where_ = if clause.is_empty() {
            String::new()
        } else {
            format!(" WHERE {clause}")
        };
        statements.push(format!(
            "CREATE {unique}INDEX i{k} ON t({}){where_}",
            key.join(", ")
        ));
        wheres.push(clause);
    }
    (statements, wheres)
}

/// One statement of the script, over the indexes' `wheres`.
fn statement(rng: &mut Rng, wheres: &[String]) -> String {
    let index_where = |rng: &mut Rng| {
        let w = &wheres[rng.below(wheres.len() as u64) as usize];
        if w.is_empty() {
            condition(rng)
        } else {
            w.clone()
        }
    };
    let row = |rng: &mut Rng| {
        let id = if rng.below(3) == 0 {
            format!("{}", rng.below(30))
        } else {
            "NULL".into()
        };
        format!("({id}, {}, {}, {})", value(rng), value(rng), value(rng))
    };
    match rng.below(16) {
        0..=2 => {
            let or = pick(rng, &["", "", " OR REPLACE", " OR IGNORE"]);
            let rows: Vec<String> = (0..1 + rng.below(3)).map(|_| row(rng)).collect();
            format!("INSERT{or} INTO t VALUES {}", rows.join(", "))
        }
        3 => format!("INSERT INTO t VALUES {} ON CONFLICT DO NOTHING", row(rng)),
        4 => {
            let col = pick(rng, &COLUMNS);
            let clause = index_where(rng);
            format!(
                "INSERT INTO t VALUES {} ON CONFLICT({col}) WHERE {clause} DO UPDATE SET d = excluded.d, b = {}",
                row(rng),
                value(rng)
            )
        }
        5 | 6 => {
            let or = pick(rng, &["", "", " OR REPLACE"]);
            let col = pick(rng, &COLUMNS);
            format!(
                "UPDATE{or} t SET {col} = {} WHERE {}",
                value(rng),
                condition(rng)
            )
        }
        7 => format!("DELETE FROM t WHERE {}", condition(rng)),
        8 | 9 => {
            let col = pick(rng, &COLUMNS);
            format!(
                "SELECT a, b, c, d FROM t WHERE {} AND {col} = {}",
                index_where(rng),
                value(rng)
            )
        }
        10 => {
            let col = pick(rng, &COLUMNS);
            format!(
                "SELECT a, {col} FROM t WHERE {col} > {} AND {}",
                value(rng),
                index_where(rng)
            )
        }
        11 => format!("SELECT count(*), sum(a) FROM t WHERE {}", condition(rng)),
        12 => {
            let expr = pick(rng, &EXPRESSIONS);
            format!(
                "SELECT a, {expr} FROM t WHERE {expr} = {} OR {expr} > {}",
                value(rng),
                value(rng)
            )
        }
        13 | 14 => {
            let expr = pick(rng, &EXPRESSIONS);
            format!(
                "SELECT a, b, c, d FROM t WHERE {expr} = {} AND a > {}",
                value(rng),
                rng.below(10)
            )
        }
        _ => {
            let expr = pick(rng, &EXPRESSIONS);
            format!(
                "UPDATE t SET c = {} WHERE {expr} = {}",
                value(rng),
                value(rng)
            )
        }
    }
}

/// `rows` in one order (SQLite's order of a scan may not be this
/// engine's).
fn sorted<T: std::fmt::Debug>(mut rows: Vec<Vec<T>>) -> Vec<Vec<T>> {
    rows.sort_by_key(|r| format!("{r:?}"));
    rows
}

/// Every row of `t` in one order.
const CONTENTS: &str = "SELECT a, b, c, d FROM t ORDER BY a";

/// Runs `sql` on both engines: the same rows, or errors with the same
/// message. Returns whether it succeeded.
fn agree<P: boundlite::platform::Platform, A: boundlite::alloc::Allocator + Clone>(
    conn: &Connection<'_, P, A>,
    oracle: &rusqlite::Connection,
    sql: &str,
    context: &str,
) -> bool {
    let ours = boundlite_tests::compare::ours(conn, sql).map(sorted);
    let theirs = boundlite_tests::compare::theirs(oracle, sql).map(sorted);
    match (&ours, &theirs) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "{context}: {sql}"),
        (Err(a), Err(b)) => {
            let (a, mut b) = (a.to_string(), b.to_string());
            if let Some(at) = b.find(&format!(" in {sql}")) {
                b.truncate(at);
            }
            assert!(
                a.contains(&b),
                "{context}: {sql}\n  boundlite: {a}\n  sqlite:    {b}"
            );
        }
        _ => panic!("{context}: {sql}\n  boundlite: {ours:?}\n  sqlite:    {theirs:?}"),
    }
    ours.is_ok()
}

fn sqlite_check(conn: &rusqlite::Connection) -> String {
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn changes_through_partial_and_expression_indexes_agree_with_sqlite() {
    let first = seed(0x9a_71);
    let (mut statements, mut failed) = (0, 0);
    for round in 0..60u64 {
        let mut rng = Rng::new(first + round);
        let (create, wheres) = schema(&mut rng);
        let from_sqlite = round % 2 == 0;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.db");
        {
            let conn = rusqlite::Connection::open(&path).unwrap();
            conn.execute_batch("PRAGMA page_size=1024").unwrap();
            if from_sqlite {
                // The table and its rows: the indexes are made here.
                conn.execute_batch(&create[0]).unwrap();
                for _ in 0..40 {
                    let _ = conn.execute_batch(&statement(&mut rng, &wheres));
                }
            }
        }
        let bytes = std::fs::read(&path).unwrap();
        let disk = MemoryPlatform::new();
        disk.write_file("p.db", &bytes).unwrap();
        let config = Config {
            cache_frames: 8,
            ..Config::DEFAULT
        };
        let db = Database::open(&disk, "p.db", &config, Global).unwrap();
        let conn = db.connect();
        let oracle = rusqlite::Connection::open(&path).unwrap();
        oracle.execute_batch("PRAGMA journal_mode=MEMORY").unwrap();
        let context = format!("round {round} ({})", create.join("; "));
        let skip = usize::from(from_sqlite);
        for sql in &create[skip..] {
            agree(&conn, &oracle, sql, &context);
        }
        for _ in 0..80 {
            let sql = statement(&mut rng, &wheres);
            failed += usize::from(!agree(&conn, &oracle, &sql, &context));
            statements += 1;
            assert_eq!(
                Exact::ours_ok(&conn, CONTENTS),
                Exact::theirs_ok(&oracle, CONTENTS),
                "{context}: after {sql}"
            );
        }
        let report = db.integrity_check(0).unwrap();
        assert!(report.is_ok(), "{context}: {report}");
        assert_eq!(sqlite_check(&oracle), "ok", "{context}");
        let want = Exact::theirs_ok(&oracle, CONTENTS);
        drop(oracle);
        drop(conn);
        drop(db);
        // Our file: SQLite finds it sound, writes to it, and ours finds
        // SQLite's changes sound.
        let ours = dir.path().join("ours.db");
        std::fs::write(&ours, disk.file_bytes("p.db").unwrap().as_slice()).unwrap();
        if let Ok(log) = disk.file_bytes("p.db-wal") {
            std::fs::write(dir.path().join("ours.db-wal"), log.as_slice()).unwrap();
        }
        let written = rusqlite::Connection::open(&ours).unwrap();
        assert_eq!(sqlite_check(&written), "ok", "{context}");
        assert_eq!(Exact::theirs_ok(&written, CONTENTS), want, "{context}");
        for _ in 0..20 {
            let _ = written.execute_batch(&statement(&mut rng, &wheres));
        }
        let want = Exact::theirs_ok(&written, CONTENTS);
        written
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
            .unwrap();
        drop(written);
        let again = MemoryPlatform::new();
        again
            .write_file("p.db", &std::fs::read(&ours).unwrap())
            .unwrap();
        let db = Database::open(&again, "p.db", &config, Global).unwrap();
        let report = db.integrity_check(0).unwrap();
        assert!(report.is_ok(), "{context}: SQLite's changes: {report}");
        assert_eq!(Exact::ours_ok(&db.connect(), CONTENTS), want, "{context}");
    }
    println!("{statements} statements ({failed} failing) agreed with SQLite");
    assert!(failed * 4 < statements, "{failed} of {statements} failed");
}

#[test]
fn a_query_seeks_a_partial_index_only_when_its_where_holds_the_indexs() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "q.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    conn.execute(
        "CREATE TABLE t(a INTEGER PRIMARY KEY, b, c);
         CREATE INDEX tb ON t(b) WHERE c > 0;
         INSERT INTO t VALUES (1, 5, 1), (2, 5, -1), (3, 6, NULL)",
        &[],
    )
    .unwrap();
    let plan = |sql: &str| {
        let rows: Rows =
            boundlite_tests::compare::ours(&conn, &format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        format!("{rows:?}")
    };
    let sought = "SELECT a FROM t WHERE b = 5 AND c > 0";
    assert!(plan(sought).contains("INDEX tb"), "{}", plan(sought));
    assert_eq!(Exact::ours_ok(&conn, sought), vec![vec![Exact::Int(1)]]);
    for scanned in [
        "SELECT a FROM t WHERE b = 5",
        "SELECT a FROM t WHERE b = 5 AND c > 1",
        "SELECT a FROM t WHERE b = 5 AND (c > 0 OR a = 2)",
    ] {
        assert!(
            !plan(scanned).contains("INDEX tb"),
            "{scanned}: {}",
            plan(scanned)
        );
    }
    assert_eq!(
        Exact::ours_ok(&conn, "SELECT a FROM t WHERE b = 5 ORDER BY a"),
        vec![vec![Exact::Int(1)], vec![Exact::Int(2)]]
    );
    // An index on an expression is sought by that expression as written,
    // compared with a literal; by nothing else.
    conn.execute("CREATE INDEX te ON t(b * 2, c)", &[]).unwrap();
    let sought = "SELECT a FROM t WHERE b * 2 = 12";
    assert!(plan(sought).contains("INDEX te"), "{}", plan(sought));
    assert_eq!(Exact::ours_ok(&conn, sought), vec![vec![Exact::Int(3)]]);
    for scanned in [
        "SELECT a FROM t WHERE b * 3 = 12",
        "SELECT a FROM t WHERE 2 * b = 12",
        "SELECT a FROM t WHERE b * 2 = a",
        "SELECT a FROM t WHERE b * 2 COLLATE NOCASE = 12",
    ] {
        assert!(
            !plan(scanned).contains("INDEX te"),
            "{scanned}: {}",
            plan(scanned)
        );
    }
}

#[test]
fn create_index_refuses_what_sqlite_refuses_in_the_where_and_expressions() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "r.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    let setup = "CREATE TABLE t(a, b); CREATE TABLE u(x)";
    conn.execute(setup, &[]).unwrap();
    oracle.execute_batch(setup).unwrap();
    for sql in [
        "CREATE INDEX i ON t(a) WHERE random() > 0",
        "CREATE INDEX i ON t(a) WHERE b > ?",
        "CREATE INDEX i ON t(a) WHERE b IN (SELECT x FROM u)",
        "CREATE INDEX i ON t(a) WHERE EXISTS (SELECT 1)",
        "CREATE INDEX i ON t(a) WHERE nope > 1",
        "CREATE INDEX i ON t(a) WHERE u.x > 1",
        "CREATE INDEX i ON t(a) WHERE nosuch(b)",
        "CREATE INDEX i ON t(random())",
        "CREATE INDEX i ON t(a + ?)",
        "CREATE INDEX i ON t((SELECT 1))",
        "CREATE INDEX i ON t(nope + 1)",
    ] {
        let theirs = oracle.execute_batch(sql).unwrap_err().to_string();
        let ours = boundlite_tests::compare::ours(&conn, sql)
            .unwrap_err()
            .to_string();
        assert!(
            ours.contains(theirs.split(" in CREATE").next().unwrap()),
            "{sql}\n  boundlite: {ours}\n  sqlite:    {theirs}"
        );
    }
    conn.execute(
        "CREATE UNIQUE INDEX i ON t(a) WHERE t.b > 0 AND rowid > 1",
        &[],
    )
    .unwrap();
    assert_eq!(
        Exact::ours_ok(&conn, "PRAGMA index_list(t)"),
        vec![vec![
            Exact::Int(0),
            Exact::Text(b"i".to_vec()),
            Exact::Int(1),
            Exact::Text(b"c".to_vec()),
            Exact::Int(1)
        ]]
    );
}

/// The bytes of a database SQLite made with `sql`.
fn sqlite_file(sql: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(sql).unwrap();
    drop(conn);
    std::fs::read(&path).unwrap()
}

#[test]
fn integrity_check_finds_a_partial_index_out_of_step() {
    let base = "CREATE TABLE t(a INTEGER PRIMARY KEY, b, c);
         CREATE INDEX tb ON t(b) WHERE c > 0;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50)
         INSERT INTO t SELECT i, i * 3, i % 4 - 1 FROM n;";
    // A row the WHERE now keeps, with no entry; an entry whose row it no
    // longer keeps: SQLite's schema is edited under its index.
    for (damage, want) in [
        ("c > -1", "missing from index"),
        ("c > 1", "wrong # of entries"),
    ] {
        let bytes = sqlite_file(&format!(
            "{base}
             PRAGMA writable_schema = ON;
             UPDATE sqlite_schema SET sql = 'CREATE INDEX tb ON t(b) WHERE {damage}'
               WHERE name = 'tb';"
        ));
        let disk = MemoryPlatform::new();
        disk.write_file("d.db", &bytes).unwrap();
        let db = Database::open(&disk, "d.db", &Config::DEFAULT, Global).unwrap();
        let report = db.integrity_check(0).unwrap().to_string();
        assert!(report.contains(want), "{damage}: {report}");
    }
    let bytes = sqlite_file(base);
    let disk = MemoryPlatform::new();
    disk.write_file("d.db", &bytes).unwrap();
    let db = Database::open(&disk, "d.db", &Config::DEFAULT, Global).unwrap();
    assert!(db.integrity_check(0).unwrap().is_ok());
}

#[test]
fn every_allocation_failure_writing_through_partial_and_expression_indexes_is_clean() {
    let mut buffer = vec![0u8; 1024 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    let disk = MemoryPlatform::new();
    let config = Config {
        cache_frames: 16,
        ..Config::DEFAULT
    };
    let db = Database::open(&disk, "o.db", &config, &fault).unwrap();
    let conn = db.connect();
    conn.execute(
        "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT COLLATE NOCASE, c INT, d REAL)",
        &[],
    )
    .unwrap();
    for i in 0..40 {
        let sql = format!("INSERT INTO t VALUES ({i}, 'b{}', {}, {i}.5)", i % 7, i % 5);
        conn.execute(&sql, &[]).unwrap();
    }
    let contents = || boundlite_tests::compare::ours(&conn, CONTENTS).unwrap();
    for sql in [
        "CREATE UNIQUE INDEX tu ON t(b, c) WHERE d > 10 AND c <> 2",
        "CREATE INDEX tc ON t(c DESC) WHERE b LIKE 'b1%'",
        "CREATE INDEX te ON t(lower(b), c * 2 DESC, d)",
        "INSERT INTO t VALUES (100, 'b1', 3, 50.5), (101, 'x', 2, 0)",
        "INSERT OR REPLACE INTO t VALUES (102, 'B1', 3, 60)",
        "INSERT OR IGNORE INTO t SELECT a + 200, b, c, d FROM t WHERE c = 1",
        "INSERT INTO t VALUES (103, 'b1', 3, 70) ON CONFLICT(b, c) WHERE d > 10 AND c <> 2 DO UPDATE SET d = excluded.d",
        "UPDATE t SET d = d - 100 WHERE c = 4",
        "UPDATE OR REPLACE t SET b = 'b1' WHERE c = 3",
        "DELETE FROM t WHERE b = 'b1'",
        "REINDEX tu",
    ] {
        let report = sweep_change(&fault, &conn, sql, contents);
        assert!(report.errors > 0, "{sql}");
        assert!(db.integrity_check(0).unwrap().is_ok(), "{sql}");
    }
    let rows = boundlite_tests::compare::ours(
        &conn,
        "SELECT a FROM t WHERE d > 10 AND c <> 2 AND b = 'b3'",
    )
    .unwrap();
    assert!(!rows.is_empty());
    drop(conn);
    drop(db);
    assert_eq!(arena.stats().live_allocations, 0, "the database leaked");
}

#[test]
fn files_sqlite_made_with_partial_and_expression_indexes_are_read_and_written_here() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let sqlite = rusqlite::Connection::open(&path).unwrap();
    sqlite
        .execute_batch(
            "PRAGMA page_size = 1024;
             CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT COLLATE NOCASE, c INT, d REAL);
             CREATE UNIQUE INDEX tp ON t(b, c) WHERE c > 2 AND d IS NOT NULL;
             CREATE INDEX te ON t(lower(b) DESC, c * 2);
             CREATE INDEX tpe ON t(length(b)) WHERE c % 2 = 0;
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
             INSERT INTO t SELECT i, CASE i % 3 WHEN 0 THEN 'Key' ELSE 'key' END || (i % 700),
                    i % 9, CASE WHEN i % 5 = 0 THEN NULL ELSE i / 7.0 END FROM n;",
        )
        .unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let disk = MemoryPlatform::new();
    disk.write_file("s.db", &bytes).unwrap();
    let db = Database::open(&disk, "s.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    let report = db.integrity_check(0).unwrap();
    assert!(
        report.is_ok() && report.unchecked_indexes() == 0,
        "{report}"
    );
    let queries = [
        "SELECT a, b FROM t WHERE b = 'KEY5' AND c > 2 AND d IS NOT NULL",
        "SELECT a FROM t WHERE lower(b) = 'key17'",
        "SELECT a, c FROM t WHERE length(b) = 4 AND c % 2 = 0",
        "SELECT count(*) FROM t WHERE c * 2 = 8",
        CONTENTS,
    ];
    for sql in queries {
        assert_eq!(
            sorted(Exact::ours_ok(&conn, sql)),
            sorted(Exact::theirs_ok(&sqlite, sql)),
            "{sql}"
        );
    }
    for sql in [
        "INSERT INTO t VALUES (5000, 'key5', 4, 1.5)",
        "INSERT OR REPLACE INTO t VALUES (5001, 'KEY5', 3, 2)",
        "UPDATE t SET c = c + 1 WHERE a % 7 = 0",
        "UPDATE t SET b = upper(b) WHERE a % 11 = 0",
        "DELETE FROM t WHERE a % 13 = 0",
    ] {
        agree(&conn, &sqlite, sql, "SQLite's file");
    }
    for sql in queries {
        assert_eq!(
            sorted(Exact::ours_ok(&conn, sql)),
            sorted(Exact::theirs_ok(&sqlite, sql)),
            "{sql}"
        );
    }
    assert!(db.integrity_check(0).unwrap().is_ok());
    drop(conn);
    drop(db);
    let ours = dir.path().join("ours.db");
    std::fs::write(&ours, disk.file_bytes("s.db").unwrap().as_slice()).unwrap();
    if let Ok(log) = disk.file_bytes("s.db-wal") {
        std::fs::write(dir.path().join("ours.db-wal"), log.as_slice()).unwrap();
    }
    let written = rusqlite::Connection::open(&ours).unwrap();
    assert_eq!(sqlite_check(&written), "ok");
    assert_eq!(
        Exact::theirs_ok(&written, CONTENTS),
        Exact::theirs_ok(&sqlite, CONTENTS)
    );
}

#[test]
fn every_allocation_failure_seeking_partial_and_expression_indexes_is_clean() {
    let mut buffer = vec![0u8; 1024 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "q.db", &Config::DEFAULT, &fault).unwrap();
    let conn = db.connect();
    conn.execute(
        "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c INT);
         CREATE INDEX tp ON t(b) WHERE c > 0;
         CREATE INDEX te ON t(lower(b));",
        &[],
    )
    .unwrap();
    for i in 0..60 {
        let sql = format!("INSERT INTO t VALUES ({i}, 'B{}', {})", i % 6, i % 3 - 1);
        conn.execute(&sql, &[]).unwrap();
    }
    for (sql, index) in [
        ("SELECT a FROM t WHERE b = 'B2' AND c > 0 ORDER BY a", "tp"),
        ("SELECT a FROM t WHERE lower(b) = 'b3' ORDER BY a", "te"),
    ] {
        let plan = boundlite_tests::compare::ours(&conn, &format!("EXPLAIN QUERY PLAN {sql}"));
        let plan = format!("{plan:?}");
        assert!(plan.contains(index), "{sql}: {plan}");
        let want = Exact::ours_ok(&conn, sql);
        assert_eq!(want.len(), 10, "{sql}");
        sweep_query_both(&fault, &conn, sql, &want, 0);
    }
    drop(conn);
    drop(db);
    assert_eq!(arena.stats().live_allocations, 0, "the database leaked");
}
