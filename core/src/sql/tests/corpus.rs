//! Real statements: the `CREATE` statements SQLite writes into
//! `sqlite_schema` (as SQLite keeps them: the text as the user typed
//! it), and the statements of the memory-benchmark workloads.

extern crate std;

use super::{parse, show};
use crate::sql::Stmt;

/// Statements of the shapes SQLite stores for tables, indexes, views and
/// triggers, including its own internal tables.
pub(super) const SCHEMA: &[&str] = &[
    "CREATE TABLE sqlite_sequence(name,seq)",
    "CREATE TABLE sqlite_stat1(tbl,idx,stat)",
    "CREATE TABLE sqlite_stat4(tbl,idx,neq,nlt,ndlt,sample)",
    "CREATE TABLE bench (id INTEGER PRIMARY KEY, data TEXT NOT NULL, value REAL NOT NULL)",
    "CREATE TABLE IF NOT EXISTS bench (id INTEGER PRIMARY KEY AUTOINCREMENT, data TEXT, value REAL)",
    "CREATE TABLE \"t1\" (\"a\" INTEGER PRIMARY KEY AUTOINCREMENT, b TEXT NOT NULL DEFAULT '', c REAL CHECK (c > 0), UNIQUE (b, c) ON CONFLICT REPLACE)",
    "CREATE TABLE artist(\n  artistid    INTEGER PRIMARY KEY, \n  artistname  TEXT\n)",
    "CREATE TABLE track(\n  trackid     INTEGER,\n  trackname   TEXT,\n  trackartist INTEGER,     -- Must map to an artist.artistid!\n  FOREIGN KEY(trackartist) REFERENCES artist(artistid) ON DELETE CASCADE\n)",
    "CREATE TABLE kv(key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID",
    "CREATE TABLE t2(a INT, b VARCHAR(20), c \"UNSIGNED BIG INT\", d DECIMAL(10, 5), e DOUBLE PRECISION, f BOOLEAN, g DATETIME DEFAULT CURRENT_TIMESTAMP, h BLOB DEFAULT x'00', i NUMERIC DEFAULT -1)",
    "CREATE TABLE strict_t(id INTEGER PRIMARY KEY, n INT NOT NULL, s TEXT COLLATE NOCASE) STRICT",
    "CREATE TABLE gen(a INTEGER, b INTEGER GENERATED ALWAYS AS (a * 2) VIRTUAL, c TEXT AS (upper(b)) STORED)",
    "CREATE TABLE [order]([from] TEXT, `to` TEXT, \"group\" INT)",
    "CREATE TABLE t3(id INTEGER NOT NULL, ver INTEGER NOT NULL, CONSTRAINT pk PRIMARY KEY (id DESC, ver), CONSTRAINT ck CHECK (ver >= 0))",
    "CREATE INDEX i1 ON t1(b COLLATE NOCASE DESC, c)",
    "CREATE UNIQUE INDEX idx_bench_data ON bench(data)",
    "CREATE INDEX ipart ON t1(c) WHERE c IS NOT NULL AND b <> ''",
    "CREATE INDEX iexpr ON t1(lower(b), c + 1)",
    "CREATE VIEW v1 AS SELECT a, b FROM t1 WHERE a > 10",
    "CREATE VIEW v2(x, y) AS SELECT b, count(*) FROM t1 GROUP BY b HAVING count(*) > 1 ORDER BY 2 DESC LIMIT 10",
    "CREATE VIEW v3 AS SELECT t1.a, t2.b FROM t1 LEFT JOIN t2 ON t1.a = t2.a UNION ALL SELECT 1, 2",
    "CREATE TRIGGER tr1 AFTER INSERT ON t1 BEGIN UPDATE t2 SET a = a + 1 WHERE b = new.b; END",
    "CREATE TRIGGER tr2 BEFORE DELETE ON t1 FOR EACH ROW WHEN old.a < 0 BEGIN SELECT RAISE(ABORT, 'negative'); END",
    "CREATE TRIGGER tr3 INSTEAD OF UPDATE OF b ON v1 BEGIN\n  UPDATE t1 SET b = new.b WHERE a = old.a;\n  INSERT INTO log(a, at) VALUES (old.a, datetime('now'));\nEND",
    "CREATE TRIGGER IF NOT EXISTS tr4 AFTER UPDATE ON t1 WHEN new.b IS NOT old.b BEGIN DELETE FROM t2 WHERE a = old.a; END",
];

/// The memory-benchmark workloads' statements (insert-heavy, read-heavy,
/// mixed, scan-heavy), and the transaction and pragma statements around
/// them.
pub(super) const WORKLOAD: &[&str] = &[
    "PRAGMA journal_mode = WAL",
    "PRAGMA journal_mode=wal",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA busy_timeout = 5000",
    "CREATE TABLE IF NOT EXISTS bench (id INTEGER PRIMARY KEY, data TEXT NOT NULL, value REAL NOT NULL)",
    "BEGIN",
    "BEGIN CONCURRENT",
    "INSERT INTO bench VALUES (?, ?, ?)",
    "INSERT INTO bench (id, data, value) VALUES (?1, ?2, ?3)",
    "INSERT INTO bench (data, value) VALUES (:data, :value)",
    "SELECT * FROM bench WHERE id = ?",
    "SELECT data, value FROM bench WHERE id = ?1",
    "UPDATE bench SET data=?, value=? WHERE id=?",
    "DELETE FROM bench WHERE id = ?",
    "SELECT * FROM bench WHERE data LIKE '%seed_1%'",
    "SELECT COUNT(*) FROM bench",
    "SELECT * FROM bench WHERE id BETWEEN ? AND ? ORDER BY id LIMIT 100",
    "SELECT sum(value), avg(value), min(id), max(id) FROM bench",
    "COMMIT",
    "PRAGMA wal_checkpoint(TRUNCATE)",
    "PRAGMA integrity_check",
    "PRAGMA page_count",
    "PRAGMA freelist_count",
    "PRAGMA page_size",
    "PRAGMA cache_size",
    "PRAGMA user_version",
    "PRAGMA table_info(bench)",
];

#[test]
fn schema_statements_parse_and_display_back() {
    for sql in SCHEMA {
        let shown = show(sql);
        assert!(!shown.is_empty());
        let kind_matches = match parse(sql).stmt {
            Stmt::CreateTable(_) => sql.starts_with("CREATE TABLE"),
            Stmt::CreateIndex(_) => sql.contains("INDEX"),
            Stmt::CreateView(_) => sql.starts_with("CREATE VIEW"),
            Stmt::CreateTrigger(_) => sql.starts_with("CREATE TRIGGER"),
            _ => false,
        };
        assert!(kind_matches, "{sql}");
    }
}

#[test]
fn workload_statements_parse_and_display_back() {
    for sql in WORKLOAD {
        show(sql);
    }
    assert_eq!(
        parse("INSERT INTO bench VALUES (?, ?, ?)").params.count(),
        3
    );
    assert_eq!(
        parse("UPDATE bench SET data=?, value=? WHERE id=?")
            .params
            .count(),
        3
    );
    let named = parse("INSERT INTO bench (data, value) VALUES (:data, :value)");
    assert_eq!(named.params.index_of(":value"), Some(2));
}
