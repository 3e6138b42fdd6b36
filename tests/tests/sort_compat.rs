//! Sorting against SQLite, with a sort budget so small that every sort
//! spills: `ORDER BY` (several keys, `DESC`, `NULLS FIRST`/`LAST`, mixed
//! types, the column collations), `GROUP BY` with many groups, `DISTINCT`
//! (with its column's collation), `LIMIT`/`OFFSET` (the bounded heap, and
//! its move to a full sort when the rows it keeps outgrow the budget),
//! each spilling into sorted runs and merged in several passes; and
//! `PRAGMA sort_memory`.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::Global;
use boundlite::format::PageSize;
use boundlite::platform::{FaultPlatform, IoFault, MemoryPlatform};
use boundlite::record::ValueRef;
use boundlite::{Config, Database};
use boundlite_tests::compare::{Owned, Rows, V};
use boundlite_tests::rng::{Rng, seed};

/// A table of `rows` rows with mixed types, texts that differ in case
/// and trailing spaces, NULLs and repeated values, written by SQLite with
/// 512-byte pages: its file's bytes, and SQLite's connection to it.
fn table(rows: usize) -> (Vec<u8>, rusqlite::Connection, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sort.db");
    let oracle = rusqlite::Connection::open(&path).unwrap();
    oracle
        .execute_batch(
            "PRAGMA page_size = 512;
             CREATE TABLE t(id INTEGER PRIMARY KEY, a, b TEXT COLLATE NOCASE, c TEXT,
                            d TEXT COLLATE RTRIM, n INT, r REAL);",
        )
        .unwrap();
    let mut rng = Rng::new(seed(0x5eed_50e7));
    let words = [
        "apple", "Apple", "APPLE", "pear", "Pear", "fig", "kiwi", "Kiwi", "date",
    ];
    oracle.execute_batch("BEGIN").unwrap();
    for id in 1..=rows as i64 {
        let word = |rng: &mut Rng| words[rng.below(words.len() as u64) as usize];
        let a: rusqlite::types::Value = match rng.below(6) {
            0 => rusqlite::types::Value::Null,
            1 => rusqlite::types::Value::Integer(rng.below(40) as i64 - 20),
            2 => rusqlite::types::Value::Real(rng.below(400) as f64 / 10.0 - 20.0),
            3 => rusqlite::types::Value::Text(word(&mut rng).to_string()),
            4 => rusqlite::types::Value::Blob(vec![rng.below(4) as u8; 1 + rng.below(3) as usize]),
            _ => rusqlite::types::Value::Integer(rng.below(5) as i64),
        };
        let b = word(&mut rng);
        let c = format!("{}{}", word(&mut rng), rng.below(30));
        let d = format!("{}{}", word(&mut rng), " ".repeat(rng.below(3) as usize));
        let n = match rng.below(10) {
            0 => None,
            k => Some(k as i64 * 3 + rng.below(3) as i64),
        };
        let r = rng.below(1_000_000) as f64 / 7.0;
        oracle
            .execute(
                "INSERT INTO t VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                rusqlite::params![id, a, b, c, d, n, r],
            )
            .unwrap();
    }
    oracle.execute_batch("COMMIT").unwrap();
    let bytes = std::fs::read(&path).unwrap();
    (bytes, oracle, dir)
}

/// 512-byte pages and a sort budget of four of them: a sort holds a few
/// rows before it spills, and merges two or three runs at a time.
fn config() -> Config {
    Config {
        page_size: PageSize::new(512).unwrap(),
        sort_memory: 2048,
        ..Config::DEFAULT
    }
}

/// Whether the query compares as a set: SQLite does not promise the
/// order of rows `ORDER BY` leaves unordered.
enum Order {
    Exact,
    AsSet,
}

/// Whether a query must spill with the small budget.
enum Spill {
    /// Thousands of rows in a few pages of budget: runs, and more runs
    /// than one merge reads, so merge passes.
    Must,
    /// A few rows kept in the bounded heap: no file.
    Never,
    /// Few rows or groups: either.
    Any,
}

const QUERIES: &[(&str, Order, Spill)] = &[
    // A COLLATE in a term names the collation the sort compares with,
    // over the column's own.
    (
        "SELECT id, c FROM t ORDER BY c COLLATE NOCASE, id",
        Order::Exact,
        Spill::Must,
    ),
    (
        "SELECT id, b FROM t ORDER BY b COLLATE BINARY DESC, id",
        Order::Exact,
        Spill::Must,
    ),
    (
        "SELECT c COLLATE NOCASE AS k, id FROM t ORDER BY k, id",
        Order::Exact,
        Spill::Must,
    ),
    (
        "SELECT DISTINCT c COLLATE NOCASE FROM t ORDER BY 1",
        Order::Exact,
        Spill::Must,
    ),
    (
        "SELECT DISTINCT d COLLATE BINARY FROM t ORDER BY 1",
        Order::Exact,
        Spill::Must,
    ),
    (
        "SELECT id, a FROM t ORDER BY a, id",
        Order::Exact,
        Spill::Must,
    ),
    (
        "SELECT id, a FROM t ORDER BY a DESC, id DESC",
        Order::Exact,
        Spill::Must,
    ),
    (
        "SELECT id, b, c FROM t ORDER BY b, c DESC, id",
        Order::Exact,
        Spill::Must,
    ),
    (
        "SELECT id, d FROM t ORDER BY d DESC, id",
        Order::Exact,
        Spill::Must,
    ),
    (
        "SELECT id, n FROM t ORDER BY n NULLS LAST, id",
        Order::Exact,
        Spill::Must,
    ),
    (
        "SELECT id, n FROM t ORDER BY n DESC NULLS FIRST, id DESC",
        Order::Exact,
        Spill::Must,
    ),
    (
        "SELECT a, b, c, d, n, r FROM t ORDER BY r, id",
        Order::Exact,
        Spill::Must,
    ),
    (
        "SELECT n * 2 AS twice, id, a, b, c FROM t ORDER BY twice, 4, id",
        Order::Exact,
        Spill::Must,
    ),
    (
        "SELECT * FROM t ORDER BY n * 2, b, id",
        Order::Exact,
        Spill::Must,
    ),
    (
        "SELECT id, a FROM t WHERE n > 10 ORDER BY a, id",
        Order::Exact,
        Spill::Must,
    ),
    (
        "SELECT id, a FROM t ORDER BY a, id LIMIT 4",
        Order::Exact,
        Spill::Never,
    ),
    (
        "SELECT id, a FROM t ORDER BY a, id LIMIT 15 OFFSET 1990",
        Order::Exact,
        Spill::Must,
    ),
    (
        "SELECT id, b FROM t ORDER BY b DESC, id LIMIT 300",
        Order::Exact,
        Spill::Must,
    ),
    (
        "SELECT id FROM t ORDER BY n, id LIMIT 5 OFFSET 7",
        Order::Exact,
        Spill::Any,
    ),
    (
        "SELECT id, c FROM t ORDER BY c LIMIT 0",
        Order::Exact,
        Spill::Never,
    ),
    (
        "SELECT DISTINCT n FROM t ORDER BY 1",
        Order::Exact,
        Spill::Must,
    ),
    (
        "SELECT DISTINCT c, n FROM t ORDER BY 2 DESC, 1",
        Order::Exact,
        Spill::Must,
    ),
    (
        "SELECT DISTINCT b FROM t ORDER BY 1",
        Order::Exact,
        Spill::Must,
    ),
    (
        "SELECT DISTINCT d FROM t ORDER BY 1",
        Order::Exact,
        Spill::Must,
    ),
    (
        "SELECT DISTINCT a FROM t ORDER BY 1",
        Order::Exact,
        Spill::Must,
    ),
    (
        "SELECT DISTINCT n % 7, c FROM t ORDER BY 1, 2 LIMIT 5 OFFSET 3",
        Order::Exact,
        Spill::Must,
    ),
    ("SELECT DISTINCT c FROM t", Order::AsSet, Spill::Must),
    (
        "SELECT id % 997, count(*), sum(n), max(c) FROM t GROUP BY id % 997",
        Order::Exact,
        Spill::Must,
    ),
    (
        "SELECT c, count(*) FROM t GROUP BY c ORDER BY 2 DESC, 1",
        Order::Exact,
        Spill::Must,
    ),
    (
        "SELECT n, count(*), total(r) FROM t GROUP BY n HAVING count(*) > 1 ORDER BY n DESC",
        Order::Exact,
        Spill::Any,
    ),
    (
        "SELECT b, count(*) FROM t GROUP BY b ORDER BY 1",
        Order::Exact,
        Spill::Must,
    ),
    (
        "SELECT d, count(*) FROM t GROUP BY d ORDER BY 2, 1",
        Order::Exact,
        Spill::Must,
    ),
    (
        "SELECT a, count(*) FROM t GROUP BY a ORDER BY 1",
        Order::Exact,
        Spill::Must,
    ),
    (
        "SELECT c, n, count(*) FROM t GROUP BY c, n ORDER BY 3 DESC, 1, 2 LIMIT 20",
        Order::Exact,
        Spill::Must,
    ),
    (
        "SELECT DISTINCT id % 13, count(*) FROM t GROUP BY id % 101 ORDER BY 1, 2",
        Order::Exact,
        Spill::Must,
    ),
    (
        "SELECT count(*), min(a), max(a) FROM t HAVING count(*) > 1",
        Order::Exact,
        Spill::Any,
    ),
    // Aliases and numbers name output columns after `*` is expanded, and
    // sort with the collation of the column they are.
    (
        "SELECT *, n * 2 AS twice FROM t ORDER BY twice DESC, id",
        Order::Exact,
        Spill::Must,
    ),
    (
        "SELECT *, b AS bb FROM t ORDER BY bb, id",
        Order::Exact,
        Spill::Must,
    ),
    (
        "SELECT *, id FROM t ORDER BY 3, 1",
        Order::Exact,
        Spill::Must,
    ),
];

#[test]
fn spilled_sorts_match_sqlite() {
    let (bytes, oracle, _dir) = table(2000);
    let disk = MemoryPlatform::new();
    disk.write_file("sort.db", &bytes).unwrap();
    let fault = FaultPlatform::new(&disk);
    let db = Database::open(&fault, "sort.db", &config(), Global).unwrap();
    let conn = db.connect();
    for (sql, order, spill) in QUERIES {
        fault.arm(IoFault::Never);
        let (mut mine, mut expected) = (V::ours_ok(&conn, sql), V::theirs_ok(&oracle, sql));
        if let Order::AsSet = order {
            mine.sort_by(|a, b| a.partial_cmp(b).unwrap());
            expected.sort_by(|a, b| a.partial_cmp(b).unwrap());
        }
        assert_eq!(mine.len(), expected.len(), "{sql}");
        assert_eq!(mine, expected, "{sql}");
        let writes = fault.counts().temp_writes;
        match spill {
            Spill::Must => assert!(writes > 20, "{sql}: {writes} temporary writes"),
            Spill::Never => assert_eq!(writes, 0, "{sql}: the heap spilled"),
            Spill::Any => {}
        }
    }
    // The temporary files went with their statements.
    drop(conn);
    assert_eq!(disk.file_count().unwrap(), 1);
    assert_eq!(disk.used_bytes().unwrap(), bytes.len() as u64);
    assert!(db.integrity_check(0).unwrap().is_ok());
}

#[test]
fn a_sort_that_fits_spills_nothing_and_matches_sqlite() {
    let (bytes, oracle, _dir) = table(60);
    let disk = MemoryPlatform::new();
    disk.write_file("sort.db", &bytes).unwrap();
    let fault = FaultPlatform::new(&disk);
    let config = Config {
        page_size: PageSize::new(512).unwrap(),
        ..Config::DEFAULT
    };
    let db = Database::open(&fault, "sort.db", &config, Global).unwrap();
    let conn = db.connect();
    for (sql, order, _) in QUERIES {
        if let Order::AsSet = order {
            continue;
        }
        fault.arm(IoFault::Never);
        assert_eq!(V::ours_ok(&conn, sql), V::theirs_ok(&oracle, sql), "{sql}");
        assert_eq!(fault.counts().temp_writes, 0, "{sql} spilled within 64 KiB");
    }
}

#[test]
fn pragma_sort_memory_reads_and_sets_the_budget() {
    let disk = MemoryPlatform::new();
    let fault = FaultPlatform::new(&disk);
    let db = Database::open(&fault, "p.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    let value = |sql: &str| V::ours_ok(&conn, sql)[0][0].clone();
    assert_eq!(
        value("PRAGMA sort_memory"),
        V::Int(Config::DEFAULT_SORT_MEMORY as i64)
    );
    conn.execute("CREATE TABLE t(x)", &[]).unwrap();
    conn.execute("BEGIN", &[]).unwrap();
    for i in 0..200 {
        conn.execute(
            "INSERT INTO t VALUES (?1)",
            &[ValueRef::Integer(i * 7919 % 200)],
        )
        .unwrap();
    }
    conn.execute("COMMIT", &[]).unwrap();
    fault.arm(IoFault::Never);
    V::ours_ok(&conn, "SELECT x FROM t ORDER BY x");
    assert_eq!(fault.counts().temp_writes, 0);
    assert_eq!(value("PRAGMA sort_memory = 1024"), V::Int(1024));
    assert_eq!(db.sort_memory(), 1024);
    fault.arm(IoFault::Never);
    let sorted = V::ours_ok(&conn, "SELECT x FROM t ORDER BY x");
    assert!(
        fault.counts().temp_writes > 0,
        "1 KiB holds fewer than 200 rows"
    );
    assert_eq!(sorted, (0..200).map(|i| vec![V::Int(i)]).collect::<Rows>());
    assert!(
        conn.prepare("PRAGMA sort_memory = -1")
            .and_then(|mut s| s.step().map(|_| ()))
            .is_err()
    );
    assert_eq!(value("PRAGMA sort_memory"), V::Int(1024));
}

/// `UPDATE` and `DELETE` whose rowid lists spill, and `INSERT ... SELECT`
/// whose rows wait in a spool that spills.
#[test]
fn changes_whose_rowids_spill_match_sqlite() {
    let disk = MemoryPlatform::new();
    let fault = FaultPlatform::new(&disk);
    let config = Config {
        page_size: PageSize::new(512).unwrap(),
        // Eight rowids a run.
        sort_memory: 64,
        ..Config::DEFAULT
    };
    let db = Database::open(&fault, "c.db", &config, Global).unwrap();
    let conn = db.connect();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    let setup = [
        "CREATE TABLE t(id INTEGER PRIMARY KEY, u INT UNIQUE, n INT, s TEXT)",
        "CREATE INDEX t_n ON t(n)",
    ];
    for sql in setup {
        conn.execute(sql, &[]).unwrap();
        oracle.execute_batch(sql).unwrap();
    }
    conn.execute("BEGIN", &[]).unwrap();
    oracle.execute_batch("BEGIN").unwrap();
    for i in 0..600i64 {
        let sql = format!(
            "INSERT INTO t VALUES ({i}, {}, {}, 's{}')",
            (i * 7919) % 600,
            i % 17,
            i % 5
        );
        conn.execute(&sql, &[]).unwrap();
        oracle.execute_batch(&sql).unwrap();
    }
    conn.execute("COMMIT", &[]).unwrap();
    oracle.execute_batch("COMMIT").unwrap();
    let changes = [
        "DELETE FROM t WHERE n % 3 = 0",
        "UPDATE t SET s = s || '!' WHERE id % 2 = 0",
        "UPDATE t SET n = n + 100 WHERE n BETWEEN 2 AND 12",
        "UPDATE OR REPLACE t SET u = u + 1 WHERE u BETWEEN 10 AND 400",
        "UPDATE t SET id = id + 1000 WHERE u > 300",
        "DELETE FROM t WHERE u < 250",
        "INSERT INTO t SELECT id + 5000, u + 5000, n, s || '+' FROM t",
        "INSERT INTO t(u, n, s) SELECT u + 20000, n, s FROM t WHERE n > 5 ORDER BY s DESC, u",
    ];
    let everything = "SELECT id, u, n, s FROM t ORDER BY id";
    for sql in changes {
        fault.arm(IoFault::Never);
        let ours_changed = conn
            .execute(sql, &[])
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        assert!(
            fault.counts().temp_writes > 0,
            "{sql}: the rowids did not spill"
        );
        let theirs_changed = oracle.execute(sql, []).unwrap();
        assert_eq!(ours_changed, theirs_changed, "{sql}");
        assert_eq!(
            V::ours_ok(&conn, everything),
            V::theirs_ok(&oracle, everything),
            "after {sql}"
        );
    }
    assert!(db.integrity_check(0).unwrap().is_ok());
}
