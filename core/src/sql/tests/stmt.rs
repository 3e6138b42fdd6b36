//! Every statement form: displayed back as SQL (which must parse back to
//! the same display), and structural checks where the display would
//! hide a distinction.

extern crate std;

use super::{parse, script, show};
use crate::record::SortOrder;
use crate::sql::{
    Affinity, ColumnConstraintKind, Conflict, InsertSource, Literal, ObjectKind, PragmaValue, Stmt,
    TableBody, TableConstraintKind, TransactionMode, TriggerTiming, affinity_of,
};

/// Each pair: a statement and its display.
fn check(cases: &[(&str, &str)]) {
    for (input, expected) in cases {
        assert_eq!(show(input), *expected, "{input}");
    }
}

#[test]
fn create_table() {
    check(&[
        ("CREATE TABLE t(a)", "CREATE TABLE t (a)"),
        (
            "create table if not exists main.t (a INTEGER PRIMARY KEY AUTOINCREMENT, b TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS main.t (a INTEGER PRIMARY KEY AUTOINCREMENT, b TEXT NOT NULL)",
        ),
        (
            "CREATE TEMP TABLE t(a VARCHAR(20), b \"UNSIGNED BIG INT\", c unsigned big int, d DECIMAL(10,5), e DOUBLE PRECISION)",
            "CREATE TEMP TABLE t (a VARCHAR(20), b \"UNSIGNED BIG INT\", c unsigned big int, d DECIMAL(10,5), e DOUBLE PRECISION)",
        ),
        (
            "CREATE TABLE t(a PRIMARY KEY DESC ON CONFLICT REPLACE, b UNIQUE ON CONFLICT IGNORE NULL, c CHECK (c > 0) COLLATE NOCASE)",
            "CREATE TABLE t (a PRIMARY KEY DESC ON CONFLICT REPLACE, b UNIQUE ON CONFLICT IGNORE NULL, c CHECK ((c > 0)) COLLATE NOCASE)",
        ),
        (
            "CREATE TABLE t(a DEFAULT 1, b DEFAULT -1.5, c DEFAULT 'x', d DEFAULT (1 + 2), e DEFAULT CURRENT_TIMESTAMP, f DEFAULT NULL, g DEFAULT abc, h DEFAULT +7, i DEFAULT x'00', j DEFAULT true)",
            "CREATE TABLE t (a DEFAULT 1, b DEFAULT -1.5, c DEFAULT 'x', d DEFAULT (1 + 2), e DEFAULT CURRENT_TIMESTAMP, f DEFAULT NULL, g DEFAULT abc, h DEFAULT +7, i DEFAULT x'00', j DEFAULT true)",
        ),
        (
            "CREATE TABLE t(a, b, CONSTRAINT pk PRIMARY KEY (a, b DESC) ON CONFLICT ABORT, UNIQUE (b COLLATE nocase), CHECK (a <> b))",
            "CREATE TABLE t (a, b, CONSTRAINT pk PRIMARY KEY (a, b DESC) ON CONFLICT ABORT, UNIQUE (b COLLATE nocase), CHECK ((a != b)))",
        ),
        (
            "CREATE TABLE t(a, b) WITHOUT ROWID",
            "CREATE TABLE t (a, b) WITHOUT ROWID",
        ),
        (
            "CREATE TABLE t(a INT) STRICT, WITHOUT ROWID",
            "CREATE TABLE t (a INT) WITHOUT ROWID, STRICT",
        ),
        (
            "CREATE TABLE t(a INTEGER, PRIMARY KEY (a AUTOINCREMENT))",
            "CREATE TABLE t (a INTEGER, PRIMARY KEY (a AUTOINCREMENT))",
        ),
        (
            "CREATE TABLE t(a REFERENCES p, b REFERENCES p(x) ON DELETE CASCADE ON UPDATE SET NULL MATCH FULL DEFERRABLE INITIALLY DEFERRED)",
            "CREATE TABLE t (a REFERENCES p, b REFERENCES p (x) ON DELETE CASCADE ON UPDATE SET NULL DEFERRABLE INITIALLY DEFERRED)",
        ),
        (
            "CREATE TABLE track(id INTEGER, artist INTEGER, FOREIGN KEY(artist) REFERENCES artist(id) ON DELETE SET DEFAULT ON UPDATE NO ACTION NOT DEFERRABLE)",
            "CREATE TABLE track (id INTEGER, artist INTEGER, FOREIGN KEY (artist) REFERENCES artist (id) ON DELETE SET DEFAULT ON UPDATE NO ACTION)",
        ),
        (
            "CREATE TABLE t(a, b GENERATED ALWAYS AS (a * 2) STORED, c AS (a || 'x'))",
            "CREATE TABLE t (a, b AS ((a * 2)) STORED, c AS ((a || 'x')))",
        ),
        (
            "CREATE TABLE t(key, desc, end, replace TEXT, \"select\", [from], `where`, left)",
            "CREATE TABLE t (key, desc, end, replace TEXT, \"select\", [from], `where`, left)",
        ),
        (
            "CREATE TABLE t(a CONSTRAINT nn NOT NULL CONSTRAINT u UNIQUE)",
            "CREATE TABLE t (a CONSTRAINT nn NOT NULL CONSTRAINT u UNIQUE)",
        ),
        (
            "CREATE TABLE t(a, UNIQUE(a) CHECK(a > 0))",
            "CREATE TABLE t (a, UNIQUE (a), CHECK ((a > 0)))",
        ),
        (
            "CREATE TABLE t AS SELECT * FROM u",
            "CREATE TABLE t AS SELECT * FROM u",
        ),
        ("CREATE TABLE 't'('a' TEXT)", "CREATE TABLE 't' ('a' TEXT)"),
        // `GENERATED` is a type word unless `ALWAYS AS` follows, and a
        // bare `CONSTRAINT name` means nothing: both as SQLite reads them.
        (
            "CREATE TABLE t(a GENERATED INTEGER, b GENERATED ALWAYS INT AS (a), c VIEW GENERATED)",
            "CREATE TABLE t (a GENERATED INTEGER, b GENERATED ALWAYS INT AS (a), c VIEW GENERATED)",
        ),
        (
            "CREATE TABLE t(a INT CONSTRAINT c, b, CONSTRAINT d)",
            "CREATE TABLE t (a INT, b)",
        ),
        (
            "CREATE TABLE t(a DEFAULT indexed, b DEFAULT \"x\")",
            "CREATE TABLE t (a DEFAULT indexed, b DEFAULT \"x\")",
        ),
    ]);
}

#[test]
fn create_table_structure() {
    let parsed = parse(
        "CREATE TABLE t(id INTEGER PRIMARY KEY DESC, v TEXT NOT NULL DEFAULT -9223372036854775808) WITHOUT ROWID",
    );
    let Stmt::CreateTable(table) = &parsed.stmt else {
        panic!()
    };
    let TableBody::Columns {
        columns,
        without_rowid,
        strict,
        ..
    } = &table.body
    else {
        panic!()
    };
    assert!(*without_rowid && !*strict);
    assert_eq!(columns.len(), 2);
    assert_eq!(columns[0].name, "id");
    assert_eq!(columns[0].type_name.map(|t| t.text), Some("INTEGER"));
    assert!(matches!(
        columns[0].constraints[0].kind,
        ColumnConstraintKind::PrimaryKey {
            order: Some(SortOrder::Desc),
            conflict: None,
            autoincrement: false
        }
    ));
    let ColumnConstraintKind::Default(d) = &columns[1].constraints[1].kind else {
        panic!()
    };
    assert_eq!(d.text, "-9223372036854775808");
    assert_eq!(d.expr.as_literal(), Some(&Literal::Integer(i64::MIN)));

    let parsed = parse("CREATE TABLE t(a, b, PRIMARY KEY(b, a), FOREIGN KEY(a) REFERENCES p)");
    let Stmt::CreateTable(table) = &parsed.stmt else {
        panic!()
    };
    let TableBody::Columns { constraints, .. } = &table.body else {
        panic!()
    };
    let TableConstraintKind::PrimaryKey { columns, .. } = &constraints[0].kind else {
        panic!()
    };
    let names: std::vec::Vec<_> = columns
        .iter()
        .map(|c| c.column_name().unwrap().raw())
        .collect();
    assert_eq!(names, ["b", "a"]);
    assert!(matches!(
        constraints[1].kind,
        TableConstraintKind::ForeignKey { .. }
    ));
}

#[test]
fn type_affinity_follows_sqlites_rules() {
    let parsed = parse(
        "CREATE TABLE t(a INT, b VARCHAR(20), c CLOB, d BLOB, e REAL, f FLOAT, g DOUBLE, h DECIMAL(10,5), i BOOLEAN, j, k CHARINT, l \"UNSIGNED BIG INT\", m FLOATING POINT)",
    );
    let Stmt::CreateTable(table) = &parsed.stmt else {
        panic!()
    };
    let TableBody::Columns { columns, .. } = &table.body else {
        panic!()
    };
    let affinities: std::vec::Vec<_> = columns
        .iter()
        .map(|c| affinity_of(c.type_name.as_ref()))
        .collect();
    use Affinity::*;
    assert_eq!(
        affinities,
        [
            Integer, Text, Text, Blob, Real, Real, Real, Numeric, Numeric, Blob, Integer, Integer,
            Integer
        ]
    );
}

#[test]
fn create_index_view_trigger_and_drop() {
    check(&[
        ("CREATE INDEX i ON t(a)", "CREATE INDEX i ON t (a)"),
        (
            "CREATE UNIQUE INDEX IF NOT EXISTS main.i ON t(a COLLATE NOCASE DESC, b ASC, lower(c)) WHERE a IS NOT NULL",
            "CREATE UNIQUE INDEX IF NOT EXISTS main.i ON t (a COLLATE NOCASE DESC, b ASC, lower(c)) WHERE (a IS NOT NULL)",
        ),
        (
            "CREATE VIEW v AS SELECT a FROM t",
            "CREATE VIEW v AS SELECT a FROM t",
        ),
        (
            "CREATE TEMP VIEW IF NOT EXISTS v(x, y) AS SELECT a, b FROM t UNION ALL SELECT 1, 2",
            "CREATE TEMP VIEW IF NOT EXISTS v (x, y) AS SELECT a, b FROM t UNION ALL SELECT 1, 2",
        ),
        (
            "CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE c SET n = n + 1 WHERE id = new.a; END",
            "CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE c SET n = (n + 1) WHERE (id = new.a); END",
        ),
        (
            "CREATE TEMP TRIGGER IF NOT EXISTS tr BEFORE UPDATE OF a, b ON t FOR EACH ROW WHEN old.a < 0 BEGIN SELECT RAISE(ABORT, 'no'); INSERT INTO log VALUES (old.a); DELETE FROM x WHERE y = old.b; END",
            "CREATE TEMP TRIGGER IF NOT EXISTS tr BEFORE UPDATE OF a, b ON t FOR EACH ROW WHEN (old.a < 0) BEGIN SELECT RAISE(ABORT, 'no'); INSERT INTO log VALUES (old.a); DELETE FROM x WHERE (y = old.b); END",
        ),
        (
            "CREATE TRIGGER tr INSTEAD OF DELETE ON v BEGIN DELETE FROM t WHERE a = old.a; END",
            "CREATE TRIGGER tr INSTEAD OF DELETE ON v BEGIN DELETE FROM t WHERE (a = old.a); END",
        ),
        ("DROP TABLE t", "DROP TABLE t"),
        ("drop table if exists main.t", "DROP TABLE IF EXISTS main.t"),
        ("DROP INDEX IF EXISTS i", "DROP INDEX IF EXISTS i"),
        ("DROP VIEW v", "DROP VIEW v"),
        ("DROP TRIGGER tr", "DROP TRIGGER tr"),
    ]);
    let parsed = parse("CREATE TRIGGER tr INSTEAD OF UPDATE ON v BEGIN SELECT 1; END");
    let Stmt::CreateTrigger(t) = &parsed.stmt else {
        panic!()
    };
    assert_eq!(t.timing, Some(TriggerTiming::InsteadOf));
    assert_eq!(t.body.len(), 1);
    let parsed = parse("DROP INDEX IF EXISTS i");
    let Stmt::Drop(d) = &parsed.stmt else {
        panic!()
    };
    assert_eq!((d.kind, d.if_exists), (ObjectKind::Index, true));
}

#[test]
fn insert() {
    check(&[
        (
            "INSERT INTO bench VALUES (?, ?, ?)",
            "INSERT INTO bench VALUES (?, ?, ?)",
        ),
        (
            "insert or replace into t(a, b) values (1, 'x'), (2, 'y')",
            "INSERT OR REPLACE INTO t (a, b) VALUES (1, 'x'), (2, 'y')",
        ),
        (
            "INSERT OR IGNORE INTO t VALUES (1)",
            "INSERT OR IGNORE INTO t VALUES (1)",
        ),
        (
            "insert into t values (1, 2) on conflict (a, b collate nocase) where a > 0 do nothing on conflict do update set b = excluded.b + 1 where b < 9",
            "INSERT INTO t VALUES (1, 2) ON CONFLICT (a, b COLLATE nocase) WHERE (a > 0) DO NOTHING ON CONFLICT DO UPDATE SET b = (excluded.b + 1) WHERE (b < 9)",
        ),
        (
            "INSERT OR ABORT INTO t VALUES (1)",
            "INSERT OR ABORT INTO t VALUES (1)",
        ),
        (
            "INSERT OR FAIL INTO t VALUES (1)",
            "INSERT OR FAIL INTO t VALUES (1)",
        ),
        (
            "INSERT OR ROLLBACK INTO t VALUES (1)",
            "INSERT OR ROLLBACK INTO t VALUES (1)",
        ),
        ("REPLACE INTO t VALUES (1)", "REPLACE INTO t VALUES (1)"),
        (
            "INSERT INTO main.t AS x SELECT * FROM u WHERE a > 1",
            "INSERT INTO main.t AS x SELECT * FROM u WHERE (a > 1)",
        ),
        (
            "INSERT INTO t DEFAULT VALUES",
            "INSERT INTO t DEFAULT VALUES",
        ),
        (
            "INSERT INTO t(a) VALUES (1) UNION SELECT 2",
            "INSERT INTO t (a) VALUES (1) UNION SELECT 2",
        ),
    ]);
    let parsed = parse("REPLACE INTO t VALUES (1, 2), (3, 4)");
    let Stmt::Insert(insert) = &parsed.stmt else {
        panic!()
    };
    assert_eq!(insert.conflict, Some(Conflict::Replace));
    assert!(insert.replace_keyword);
    let InsertSource::Values(rows) = &insert.source else {
        panic!()
    };
    assert_eq!((rows.len(), rows[0].len()), (2, 2));
}

#[test]
fn select() {
    check(&[
        (
            "SELECT * FROM bench WHERE id = ?",
            "SELECT * FROM bench WHERE (id = ?)",
        ),
        (
            "SELECT * FROM bench WHERE data LIKE '%seed_1%'",
            "SELECT * FROM bench WHERE (data LIKE '%seed_1%')",
        ),
        (
            "select distinct a as x, b y, t.*, * from t as u where a > 1 group by a, b having count(*) > 2 order by x desc nulls last, y collate nocase asc limit 10 offset 5",
            "SELECT DISTINCT a AS x, b AS y, t.*, * FROM t AS u WHERE (a > 1) GROUP BY a, b HAVING (count(*) > 2) ORDER BY x DESC NULLS LAST, (y COLLATE nocase) ASC LIMIT 10 OFFSET 5",
        ),
        (
            "SELECT ALL a FROM t LIMIT 5, 10",
            "SELECT a FROM t LIMIT 10 OFFSET 5",
        ),
        ("SELECT 1", "SELECT 1"),
        (
            "SELECT a 'x', b \"y\" FROM t",
            "SELECT a AS 'x', b AS \"y\" FROM t",
        ),
        ("SELECT a desc FROM t", "SELECT a AS desc FROM t"),
        (
            "SELECT count(*) FROM t HAVING 1",
            "SELECT count(*) FROM t HAVING 1",
        ),
        (
            "SELECT * FROM t ORDER BY a NULLS FIRST",
            "SELECT * FROM t ORDER BY a NULLS FIRST",
        ),
        ("SELECT * FROM t, u", "SELECT * FROM t, u"),
        (
            "SELECT * FROM t JOIN u ON t.a = u.a LEFT OUTER JOIN v USING (a, b) CROSS JOIN w NATURAL JOIN x INNER JOIN y RIGHT JOIN z FULL OUTER JOIN q",
            "SELECT * FROM t JOIN u ON (t.a = u.a) LEFT JOIN v USING (a, b) CROSS JOIN w NATURAL JOIN x JOIN y RIGHT JOIN z FULL JOIN q",
        ),
        (
            "SELECT * FROM t NATURAL LEFT JOIN u",
            "SELECT * FROM t NATURAL LEFT JOIN u",
        ),
        (
            "SELECT * FROM t x INDEXED BY i, u NOT INDEXED",
            "SELECT * FROM t AS x INDEXED BY i, u NOT INDEXED",
        ),
        (
            "SELECT x.a FROM (SELECT a FROM t) AS x",
            "SELECT x.a FROM (SELECT a FROM t) AS x",
        ),
        (
            "SELECT a FROM (SELECT 1 AS a)",
            "SELECT a FROM (SELECT 1 AS a)",
        ),
        (
            "SELECT a FROM t UNION SELECT b FROM u INTERSECT SELECT c FROM v EXCEPT SELECT 1 ORDER BY 1 LIMIT 2",
            "SELECT a FROM t UNION SELECT b FROM u INTERSECT SELECT c FROM v EXCEPT SELECT 1 ORDER BY 1 LIMIT 2",
        ),
        ("VALUES (1, 2), (3, 4)", "VALUES (1, 2), (3, 4)"),
        (
            "SELECT min(a), max(a), sum(a), avg(a), total(a), count(a) FROM t",
            "SELECT min(a), max(a), sum(a), avg(a), total(a), count(a) FROM t",
        ),
        ("SELECT * FROM main.t", "SELECT * FROM main.t"),
        ("SELECT key FROM t AS left", "SELECT key FROM t AS left"),
    ]);
}

#[test]
fn windows() {
    check(&[
        (
            "select row_number() over (), rank() over (partition by a, b order by c desc nulls last) from t",
            "SELECT row_number() OVER (), rank() OVER (PARTITION BY a, b ORDER BY c DESC NULLS LAST) FROM t",
        ),
        (
            "select count(*) filter (where a > 1) over w, sum(a) over (w rows between 1 preceding and current row exclude ties) from t window w as (order by a), v as (w)",
            "SELECT count(*) FILTER (WHERE (a > 1)) OVER w, sum(a) OVER (w ROWS BETWEEN 1 PRECEDING AND CURRENT ROW EXCLUDE TIES) FROM t WINDOW w AS (ORDER BY a), v AS (w)",
        ),
        (
            "select sum(a) over (order by a range unbounded preceding), sum(a) over (groups between current row and unbounded following exclude no others), sum(a) over (rows between 2 following and 3 following exclude group), sum(a) over (range 1 + 1 preceding exclude current row) from t",
            "SELECT sum(a) OVER (ORDER BY a RANGE UNBOUNDED PRECEDING), sum(a) OVER (GROUPS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING EXCLUDE NO OTHERS), sum(a) OVER (ROWS BETWEEN 2 FOLLOWING AND 3 FOLLOWING EXCLUDE GROUP), sum(a) OVER (RANGE (1 + 1) PRECEDING EXCLUDE CURRENT ROW) FROM t",
        ),
        (
            "select count(*) filter (where b) from t group by a having 1 window w as (partition by a) order by 1",
            "SELECT count(*) FILTER (WHERE b) FROM t GROUP BY a HAVING 1 WINDOW w AS (PARTITION BY a) ORDER BY 1",
        ),
        // The words are names where no window clause can follow them.
        (
            "select over, filter, window from window as window",
            "SELECT over, filter, window FROM window AS window",
        ),
        ("select f(a) over from t", "SELECT f(a) AS over FROM t"),
        (
            "select * from t window window w as ()",
            "SELECT * FROM t AS window WINDOW w AS ()",
        ),
    ]);
}

#[test]
fn update_and_delete() {
    check(&[
        (
            "UPDATE bench SET data=?, value=? WHERE id=?",
            "UPDATE bench SET data = ?, value = ? WHERE (id = ?)",
        ),
        (
            "UPDATE OR IGNORE main.t AS x INDEXED BY i SET (a, b) = (1, 2), c = c + 1",
            "UPDATE OR IGNORE main.t AS x INDEXED BY i SET (a, b) = (1, 2), c = (c + 1)",
        ),
        (
            "UPDATE t SET a = u.b FROM u WHERE t.id = u.id",
            "UPDATE t SET a = u.b FROM u WHERE (t.id = u.id)",
        ),
        (
            "UPDATE t NOT INDEXED SET a = 1",
            "UPDATE t NOT INDEXED SET a = 1",
        ),
        ("DELETE FROM t", "DELETE FROM t"),
        (
            "with recursive c(n) as (select 1) delete from t where a in (select n from c)",
            "WITH c(n) AS (SELECT 1) DELETE FROM t WHERE (a IN (SELECT n FROM c))",
        ),
        (
            "WITH c AS (SELECT 1), d AS (SELECT 2) UPDATE t SET a = 1",
            "WITH c AS (SELECT 1), d AS (SELECT 2) UPDATE t SET a = 1",
        ),
        (
            "WITH c AS (VALUES (1)) INSERT INTO t SELECT * FROM c",
            "WITH c AS (VALUES (1)) INSERT INTO t SELECT * FROM c",
        ),
        (
            "WITH c AS (SELECT 1) REPLACE INTO t DEFAULT VALUES",
            "WITH c AS (SELECT 1) REPLACE INTO t DEFAULT VALUES",
        ),
        (
            "delete from main.t as x indexed by i where a between 1 and 2",
            "DELETE FROM main.t AS x INDEXED BY i WHERE (a BETWEEN 1 AND 2)",
        ),
    ]);
}

#[test]
fn transactions_pragmas_and_explain() {
    check(&[
        ("BEGIN", "BEGIN"),
        ("BEGIN TRANSACTION", "BEGIN"),
        ("begin deferred", "BEGIN DEFERRED"),
        ("BEGIN IMMEDIATE TRANSACTION", "BEGIN IMMEDIATE"),
        ("BEGIN EXCLUSIVE", "BEGIN EXCLUSIVE"),
        ("BEGIN CONCURRENT", "BEGIN CONCURRENT"),
        ("COMMIT", "COMMIT"),
        ("COMMIT TRANSACTION", "COMMIT"),
        ("END", "COMMIT"),
        ("END TRANSACTION", "COMMIT"),
        ("ROLLBACK", "ROLLBACK"),
        ("ROLLBACK TRANSACTION", "ROLLBACK"),
        ("ROLLBACK TO SAVEPOINT sp", "ROLLBACK TO sp"),
        ("ROLLBACK TRANSACTION TO sp", "ROLLBACK TO sp"),
        ("SAVEPOINT sp", "SAVEPOINT sp"),
        ("RELEASE SAVEPOINT sp", "RELEASE sp"),
        ("RELEASE sp", "RELEASE sp"),
        ("PRAGMA integrity_check", "PRAGMA integrity_check"),
        ("PRAGMA main.page_count", "PRAGMA main.page_count"),
        ("PRAGMA journal_mode = WAL", "PRAGMA journal_mode = WAL"),
        ("PRAGMA journal_mode=delete", "PRAGMA journal_mode = delete"),
        (
            "PRAGMA wal_checkpoint(TRUNCATE)",
            "PRAGMA wal_checkpoint(TRUNCATE)",
        ),
        ("PRAGMA table_info(t)", "PRAGMA table_info(t)"),
        ("PRAGMA table_info('t')", "PRAGMA table_info('t')"),
        ("PRAGMA user_version = 5", "PRAGMA user_version = 5"),
        ("PRAGMA cache_size = -2000", "PRAGMA cache_size = -2000"),
        ("PRAGMA cache_size = +2000", "PRAGMA cache_size = 2000"),
        ("PRAGMA foreign_keys = ON", "PRAGMA foreign_keys = ON"),
        (
            "PRAGMA secure_delete = default",
            "PRAGMA secure_delete = default",
        ),
        ("EXPLAIN SELECT 1", "EXPLAIN SELECT 1"),
        (
            "EXPLAIN QUERY PLAN SELECT * FROM t WHERE a = 1",
            "EXPLAIN QUERY PLAN SELECT * FROM t WHERE (a = 1)",
        ),
        ("EXPLAIN BEGIN", "EXPLAIN BEGIN"),
    ]);
    assert!(matches!(
        parse("BEGIN IMMEDIATE").stmt,
        Stmt::Begin(Some(TransactionMode::Immediate))
    ));
    let parsed = parse("PRAGMA cache_size = -2000");
    let Stmt::Pragma(p) = &parsed.stmt else {
        panic!()
    };
    assert_eq!(p.value, Some(PragmaValue::Number(Literal::Integer(-2000))));
    assert_eq!(p.name.name, "cache_size");
}

#[test]
fn scripts_split_into_statements_with_tails() {
    assert_eq!(
        script("BEGIN; INSERT INTO t VALUES (1);; COMMIT;  -- done\n"),
        ["BEGIN", "INSERT INTO t VALUES (1)", "COMMIT"]
    );
    assert!(script("").is_empty());
    assert!(script(" ;; -- nothing\n /* here */ ;").is_empty());
    let sql = "SELECT 1 ; SELECT 2";
    let mut parser = crate::sql::Parser::new(sql, crate::alloc::Global);
    assert_eq!(parser.tail(), sql);
    let first = parser.next_statement().unwrap().unwrap();
    assert_eq!(first.text, "SELECT 1");
    assert_eq!(parser.tail(), " SELECT 2");
    let second = parser.next_statement().unwrap().unwrap();
    assert_eq!(second.text, "SELECT 2");
    assert_eq!(parser.tail(), "");
    assert!(parser.next_statement().unwrap().is_none());
    assert!(parser.next_statement().unwrap().is_none());
}
