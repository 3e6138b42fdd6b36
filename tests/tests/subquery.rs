//! Subqueries in expressions (scalar, `EXISTS`, `IN (SELECT ...)`,
//! correlated or not): random queries, and deletes and updates whose
//! `WHERE` holds one, over NULL-heavy tables agree with SQLite row for
//! row and error for error (updates with subqueries in `SET` too, which
//! read the rows changed before theirs), and correlated subqueries that
//! seek an index by the outer row's values, which their plan keeps from
//! one outer row to the next; every allocation failure while a
//! query, a delete, an update or an insert runs one is `OutOfMemory`, leaves the table as it
//! was and leaks nothing; the deepest nesting the parser accepts runs.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::{Arena, FaultAlloc, Global, oom_sweep};
use boundlite::platform::MemoryPlatform;
use boundlite::{Config, Database, Error};
use boundlite_tests::compare::{V, both, ours};
use boundlite_tests::rng::{Rng, seed};

const SCHEMA: &str = "CREATE TABLE p(id INTEGER PRIMARY KEY, a INTEGER, b TEXT, c REAL);
    CREATE TABLE q(id INTEGER PRIMARY KEY, a INTEGER, b TEXT COLLATE NOCASE, c);
    CREATE INDEX q_a ON q(a)";

/// A random query generator over `p` and `q`.
struct Gen(Rng);

impl Gen {
    fn pick<'s>(&mut self, items: &[&'s str]) -> &'s str {
        items[self.0.below(items.len() as u64) as usize]
    }

    /// A value for a row: NULL a third of the time.
    fn value(&mut self) -> String {
        match self.0.below(6) {
            0 | 1 => "NULL".into(),
            2 => format!("'{}'", self.0.below(5)),
            3 => format!("{}.0", self.0.below(5)),
            _ => format!("{}", self.0.below(5)),
        }
    }

    /// A column of the inner table `q` (called `i`) or of the outer row
    /// (`o`), or a constant.
    fn inner_operand(&mut self) -> String {
        match self.0.below(7) {
            0 => "o.a".into(),
            1 => "o.b".into(),
            2 => "o.c".into(),
            3 => self.value(),
            _ => format!("i.{}", self.pick(&["a", "b", "c", "id"])),
        }
    }

    /// A condition of the subquery, maybe correlated.
    fn inner_where(&mut self) -> String {
        let op = self.pick(&["=", "<", ">=", "<>", "IS", "IS NOT"]);
        let l = self.inner_operand();
        let r = self.inner_operand();
        match self.0.below(4) {
            0 => String::new(),
            _ => format!(" WHERE {l} {op} {r}"),
        }
    }

    /// A subquery yielding one column.
    fn column_subquery(&mut self) -> String {
        let w = self.inner_where();
        match self.0.below(5) {
            0 => format!("SELECT count(*) FROM q AS i{w}"),
            1 => format!("SELECT max(i.a) FROM q AS i{w}"),
            2 => format!(
                "SELECT i.{} FROM q AS i{w} ORDER BY i.id",
                self.pick(&["a", "b", "c"])
            ),
            3 => format!("SELECT {}", self.inner_operand()),
            _ => format!("SELECT i.a + o.a FROM q AS i{w} ORDER BY i.id DESC"),
        }
    }

    /// An expression of the outer row `o` holding a subquery.
    fn expr(&mut self) -> String {
        let x = format!("o.{}", self.pick(&["a", "b", "c", "id"]));
        match self.0.below(7) {
            0 => format!("({})", self.column_subquery()),
            1 => format!("{x} = ({})", self.column_subquery()),
            2 => format!("EXISTS (SELECT 1 FROM q AS i{})", self.inner_where()),
            3 => format!("NOT EXISTS (SELECT i.b FROM q AS i{})", self.inner_where()),
            4 => format!("{x} NOT IN ({})", self.column_subquery()),
            5 => format!("{} IN ({})", self.value(), self.column_subquery()),
            _ => format!("{x} IN ({})", self.column_subquery()),
        }
    }

    /// A value for `UPDATE p AS o SET`: a subquery over `q`, or over `p`
    /// itself, which reads the rows the update changed before it.
    fn set_value(&mut self) -> String {
        match self.0.below(6) {
            0 => format!("({})", self.column_subquery()),
            1 => "(SELECT sum(i.a) FROM p AS i WHERE i.id <= o.id)".into(),
            2 => "(SELECT max(i.a) FROM p AS i)".into(),
            3 => "(SELECT count(*) FROM p AS i WHERE i.a = o.a OR i.b = o.b)".into(),
            4 => format!("coalesce(({}), 0) + 1", self.column_subquery()),
            _ => format!("o.a + ({})", self.expr()),
        }
    }

    fn query(&mut self) -> String {
        match self.0.below(4) {
            0 => format!(
                "SELECT o.id, {} FROM p AS o WHERE {} ORDER BY o.id",
                self.expr(),
                self.expr()
            ),
            1 => format!("SELECT count(*) FROM p AS o WHERE {}", self.expr()),
            2 => format!(
                "SELECT o.a, count(*) FROM p AS o GROUP BY o.a HAVING {} ORDER BY 1",
                self.pick(&[
                    "count(*) IN (SELECT i.a FROM q AS i)",
                    "count(*) > (SELECT count(*) FROM q AS i WHERE i.a = o.a)",
                    "EXISTS (SELECT 1 FROM q AS i WHERE i.a = o.a)",
                    "o.a NOT IN (SELECT i.c FROM q AS i)",
                ])
            ),
            _ => format!(
                "SELECT o.id FROM p AS o ORDER BY {}, o.id",
                self.expr().replace("o.", "p.").replace(" AS o", "")
            ),
        }
    }
}

#[test]
fn random_subqueries_agree_with_sqlite() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "subquery.db", &Config::DEFAULT, Global).unwrap();
    let mine = db.connect();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    mine.execute(SCHEMA, &[]).unwrap();
    oracle.execute_batch(SCHEMA).unwrap();
    let mut g = Gen(Rng::new(seed(0x5ab9)));
    for table in ["p", "q"] {
        for _ in 0..12 {
            let sql = format!(
                "INSERT INTO {table}(a, b, c) VALUES ({}, {}, {})",
                g.value(),
                g.value(),
                g.value()
            );
            mine.execute(&sql, &[]).unwrap();
            oracle.execute_batch(&sql).unwrap();
        }
    }
    let mut ok = 0;
    for _ in 0..1500 {
        let sql = g.query();
        if both(&mine, &oracle, &sql, "random subquery") {
            ok += 1;
        }
    }
    println!("ran: {ok}");
    assert!(ok > 1000, "only {ok} queries ran");
    // Changes whose WHERE holds a subquery, each undone after its rows
    // are compared.
    let mut changed = 0;
    for _ in 0..600 {
        let sql = match g.0.below(4) {
            0 => format!("DELETE FROM p AS o WHERE {}", g.expr()),
            1 => format!(
                "UPDATE p AS o SET a = coalesce(a, 0) + 1 WHERE {}",
                g.expr()
            ),
            // Subqueries in `SET`, with and without one in `WHERE`.
            2 => format!(
                "UPDATE p AS o SET a = {}, c = {}",
                g.set_value(),
                g.set_value()
            ),
            _ => format!(
                "UPDATE p AS o SET c = {}, b = {} WHERE {}",
                g.set_value(),
                g.set_value(),
                g.expr()
            ),
        };
        mine.execute("BEGIN", &[]).unwrap();
        oracle.execute_batch("BEGIN").unwrap();
        let a = mine.execute(&sql, &[]);
        let b = oracle.execute(&sql, []);
        match (&a, &b) {
            (Ok(x), Ok(y)) => {
                assert_eq!(*x, *y, "{sql}");
                changed += 1;
            }
            (Err(_), Err(_)) => {}
            _ => panic!("{sql}\n  boundlite: {a:?}\n  sqlite:    {b:?}"),
        }
        both(&mine, &oracle, "SELECT * FROM p ORDER BY id", &sql);
        mine.execute("ROLLBACK", &[]).unwrap();
        oracle.execute_batch("ROLLBACK").unwrap();
    }
    println!("changed: {changed}");
    assert!(changed > 400, "only {changed} changes ran");
    assert!(db.integrity_check(0).unwrap().is_ok());
}

#[test]
fn subqueries_survive_every_allocation_failure() {
    let disk = MemoryPlatform::new();
    let mut buffer = vec![0u8; 256 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    let config = Config {
        page_size: boundlite::format::PageSize::new(512).unwrap(),
        cache_frames: 32,
        ..Config::DEFAULT
    };
    let db = Database::open(&disk, "oom.db", &config, &fault).unwrap();
    let conn = db.connect();
    conn.execute(SCHEMA, &[]).unwrap();
    conn.execute(
        "INSERT INTO p(a, b, c) VALUES (1, 'x', 1.5), (2, NULL, 2), (NULL, 'yy', NULL), (3, 'x', 0);
         INSERT INTO q(a, b, c) VALUES (1, 'X', 'one'), (1, 'x', NULL), (3, NULL, 3), (NULL, 'z', 'zz')",
        &[],
    )
    .unwrap();
    // Every allocation failure while `sql` runs (from that one on when
    // `persistent`, else that one alone) is `OutOfMemory`; its rows are
    // those of a run without one.
    let sweep = |name: &str, sql: &str, persistent: bool, points: usize| {
        let want = ours(&conn, sql).unwrap();
        let report = oom_sweep(
            &fault,
            persistent,
            |_| ours(&conn, sql),
            |n, e| assert_eq!(e, Error::OutOfMemory, "{name} failure {n}"),
        )
        .unwrap();
        assert_eq!(report.value, want);
        assert!(report.failure_points > points, "{}", report.failure_points);
        want
    };
    let sql = "SELECT o.id, (SELECT group_concat(i.c) FROM q AS i WHERE i.a = o.a),
               o.b IN (SELECT i.b FROM q AS i WHERE i.id > o.id)
        FROM p AS o
        WHERE EXISTS (SELECT 1 FROM q AS i WHERE i.a = o.a OR o.a IS NULL)
          AND o.a NOT IN (SELECT i.a FROM q AS i WHERE i.a > 1 ORDER BY i.b)
        ORDER BY (SELECT max(i.id) FROM q AS i WHERE i.a <= o.a), o.id DESC";
    let want = sweep("query", sql, true, 20);
    assert_eq!(want.len(), 1, "{want:?}");

    // Correlated subqueries seeking the index by each outer row's value
    // (text keys are copied), the plan kept from row to row.
    let seek = "SELECT o.id, (SELECT count(*) FROM q AS i WHERE i.c IS NOT NULL AND i.a = o.b),
               o.a IN (SELECT i.id FROM q AS i WHERE o.a = i.a AND i.b IS NOT NULL)
        FROM p AS o
        WHERE EXISTS (SELECT 1 FROM q AS i WHERE i.id > 0 AND i.a = o.a) OR o.b = 'yy'
        ORDER BY o.id";
    let want = sweep("seek", seek, true, 20);
    assert_eq!(want.len(), 3, "{want:?}");

    // Uncorrelated subqueries, nested, whose values are read once a run.
    let nested = "SELECT o.id FROM p AS o
        WHERE o.a IN (SELECT i.a FROM q AS i WHERE i.b NOT IN (SELECT j.b FROM q AS j WHERE j.a > 1))
           OR o.a = (SELECT max(i.a) FROM q AS i)
        ORDER BY o.id";
    let want = sweep("nested", nested, true, 20);
    assert_eq!(want.len(), 1, "{want:?}");

    // A subquery column's affinity decides these comparisons (1 meets the
    // text '1' as text): a failure while looking it up is an error, never
    // a comparison without it. Transient failures, so that a swallowed one
    // would let the run go on to another answer.
    conn.execute("CREATE TABLE s(t TEXT); INSERT INTO s VALUES ('1')", &[])
        .unwrap();
    let typed = "SELECT 1 IN (SELECT t FROM s), (SELECT t FROM s) = 1, 1 = (SELECT t FROM s),
        (1, 2) = (SELECT t, 2 FROM s), o.id FROM p AS o WHERE 1 IN (SELECT t FROM s) ORDER BY o.id";
    let want = sweep("typed", typed, false, 10);
    assert_eq!(want.len(), 4, "{want:?}");
    assert!(
        want.iter()
            .all(|row| row[..4] == [V::Int(1), V::Int(1), V::Int(1), V::Int(1)]),
        "{want:?}"
    );

    let before = ours(&conn, "SELECT * FROM p ORDER BY id").unwrap();
    let delete = "DELETE FROM p WHERE b IN (SELECT i.b FROM q AS i WHERE i.a = p.a)
        OR NOT EXISTS (SELECT 1 FROM q AS i WHERE i.a > p.a)";
    let report = oom_sweep(
        &fault,
        true,
        |_| conn.execute(delete, &[]),
        |n, e| {
            assert_eq!(e, Error::OutOfMemory, "delete failure {n}");
            assert!(!conn.is_aborted(), "delete failure {n}");
            let now = ours(&conn, "SELECT * FROM p ORDER BY id").unwrap();
            assert_eq!(now, before, "delete failure {n} left a trace");
        },
    )
    .unwrap();
    assert_eq!(report.value, 3);
    assert!(report.failure_points > 20, "{}", report.failure_points);

    let before = ours(&conn, "SELECT * FROM p ORDER BY id").unwrap();
    let insert = "INSERT INTO p(a, b, c) SELECT (SELECT max(i.a) FROM q AS i), o.b || 'z',
        (SELECT count(*) FROM p) FROM p AS o WHERE o.a NOT IN (SELECT i.id FROM q AS i WHERE i.c IS NULL)";
    let report = oom_sweep(
        &fault,
        true,
        |_| conn.execute(insert, &[]),
        |n, e| {
            assert_eq!(e, Error::OutOfMemory, "insert failure {n}");
            assert!(!conn.is_aborted(), "insert failure {n}");
            let now = ours(&conn, "SELECT * FROM p ORDER BY id").unwrap();
            assert_eq!(now, before, "insert failure {n} left a trace");
        },
    )
    .unwrap();
    assert_eq!(report.value, before.len() - 1);
    assert!(report.failure_points > 20, "{}", report.failure_points);

    // Subqueries in `SET`: correlated over the table changed, and read
    // once.
    conn.execute(
        "INSERT INTO p(a, b, c) VALUES (1, 'x', 1), (2, 'y', NULL), (NULL, NULL, 3), (4, 'X', 4.5)",
        &[],
    )
    .unwrap();
    let update = "UPDATE p AS o SET a = (SELECT sum(i.a) FROM p AS i WHERE i.id <= o.id),
        b = (SELECT group_concat(i.c) FROM q AS i WHERE i.a = o.a),
        c = (SELECT max(i.a) FROM p AS i) + o.id
        WHERE o.id NOT IN (SELECT i.a FROM q AS i WHERE i.a IS NOT NULL) OR o.a IS NULL";
    let before = ours(&conn, "SELECT * FROM p ORDER BY id").unwrap();
    conn.execute("BEGIN", &[]).unwrap();
    let want = conn.execute(update, &[]).unwrap();
    let after = ours(&conn, "SELECT * FROM p ORDER BY id").unwrap();
    conn.execute("ROLLBACK", &[]).unwrap();
    assert!(want > 2, "{before:?}");
    let report = oom_sweep(
        &fault,
        true,
        |_| conn.execute(update, &[]),
        |n, e| {
            assert_eq!(e, Error::OutOfMemory, "update failure {n}");
            assert!(!conn.is_aborted(), "update failure {n}");
            let now = ours(&conn, "SELECT * FROM p ORDER BY id").unwrap();
            assert_eq!(now, before, "update failure {n} left a trace");
        },
    )
    .unwrap();
    assert_eq!(report.value, want);
    assert_eq!(ours(&conn, "SELECT * FROM p ORDER BY id").unwrap(), after);
    assert!(report.failure_points > 20, "{}", report.failure_points);
    assert!(db.integrity_check(0).unwrap().is_ok());
    drop(conn);
    drop(db);
    assert_eq!(arena.stats().live_allocations, 0, "the database leaked");
}

#[test]
fn the_deepest_nesting_the_parser_accepts_runs() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "deep.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    conn.execute("CREATE TABLE t(x); INSERT INTO t VALUES (1), (2)", &[])
        .unwrap();
    let mut deepest = 0;
    for depth in 1..200 {
        let sql = format!(
            "SELECT {}x{} FROM t ORDER BY x",
            "(SELECT x + ".repeat(depth),
            " FROM t AS i WHERE i.x = t.x)".repeat(depth)
        );
        match ours(&conn, &sql) {
            Ok(rows) => {
                assert_eq!(rows.len(), 2, "{sql}");
                deepest = depth;
            }
            Err(e) => {
                assert!(
                    format!("{e:?}").contains("nested too deeply"),
                    "{depth}: {e:?}"
                );
                break;
            }
        }
    }
    println!("deepest: {deepest}");
    assert!(deepest >= 10, "{deepest}");
}

/// The count a query over `mine` gives, its statement prepared once and
/// run again after `change` (made on both engines): each run agrees with
/// SQLite.
fn count_twice(
    mine: &boundlite::Connection<'_, &MemoryPlatform, Global>,
    oracle: &rusqlite::Connection,
    sql: &str,
    change: &str,
) {
    let mut stmt = mine.prepare(sql).unwrap();
    let first = stmt.step().unwrap().unwrap().get_i64(0).unwrap();
    let want: i64 = oracle.query_row(sql, [], |r| r.get(0)).unwrap();
    assert_eq!(first, want, "{sql}");
    mine.execute(change, &[]).unwrap();
    oracle.execute_batch(change).unwrap();
    stmt.reset();
    let second = stmt.step().unwrap().unwrap().get_i64(0).unwrap();
    let want: i64 = oracle.query_row(sql, [], |r| r.get(0)).unwrap();
    assert_eq!(second, want, "{sql} after {change}");
}

#[test]
fn uncorrelated_subqueries_are_read_once_a_run() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "once.db", &Config::DEFAULT, Global).unwrap();
    let mine = db.connect();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    let mut rng = Rng::new(seed(0x0ce5));
    for t in ["t", "u", "v"] {
        let schema = format!("CREATE TABLE {t}(pk INTEGER PRIMARY KEY, a INTEGER, b REAL, c TEXT)");
        mine.execute(&schema, &[]).unwrap();
        oracle.execute_batch(&schema).unwrap();
        for _ in 0..120 {
            let sql = format!(
                "INSERT INTO {t}(a, b, c) VALUES ({}, {}.5, '{}')",
                rng.below(160),
                rng.below(160),
                rng.below(40)
            );
            mine.execute(&sql, &[]).unwrap();
            oracle.execute_batch(&sql).unwrap();
        }
    }
    // An uncorrelated subquery is read once a run, as SQLite reads it:
    // `random()` in it gives one value for every row around it.
    for sql in [
        "SELECT count(DISTINCT (SELECT random() FROM u LIMIT 1)) FROM t",
        "SELECT count(DISTINCT (SELECT random() FROM u AS x WHERE x.a < t.a LIMIT 1)) FROM t",
        "SELECT count(*) FROM t WHERE (SELECT random() FROM u LIMIT 1) = (SELECT random() FROM u LIMIT 1)",
        // An uncorrelated `EXISTS` too: true for every row or for none.
        "SELECT count(DISTINCT EXISTS (SELECT 1 FROM u WHERE pk = 1 AND random() > 0)) FROM t",
        "SELECT count(DISTINCT NOT EXISTS (SELECT 1 FROM u AS x WHERE x.pk = 2 AND random() < 0)) FROM t",
    ] {
        assert!(both(&mine, &oracle, sql, "random() in a subquery"), "{sql}");
    }
    // Nested `IN` over three tables, run again after each change.
    count_twice(
        &mine,
        &oracle,
        "SELECT count(*) FROM t AS o WHERE o.a IN (SELECT u.a FROM u WHERE u.b NOT IN (SELECT v.b FROM v WHERE v.a > 10))",
        "INSERT INTO v(a, b) SELECT 11, b FROM u WHERE pk % 3 = 0",
    );
    count_twice(
        &mine,
        &oracle,
        "SELECT count(*) FROM t WHERE a > (SELECT avg(a) FROM u WHERE c IN (SELECT c FROM v WHERE b < 80))",
        "DELETE FROM u WHERE a < 40",
    );
    // A correlated subquery runs for each row, the uncorrelated one in it
    // once.
    count_twice(
        &mine,
        &oracle,
        "SELECT count(*) FROM t AS o WHERE EXISTS (SELECT 1 FROM u WHERE u.a = o.a AND u.c IN (SELECT c FROM v WHERE a < 50))",
        "UPDATE v SET a = a - 20",
    );
    // A bound parameter read by a kept subquery: each run reads it anew.
    let sql = "SELECT count(*) FROM t WHERE a IN (SELECT a FROM u WHERE a > ?1)";
    let mut stmt = mine.prepare(sql).unwrap();
    for bound in [5i64, 100, 5] {
        stmt.bind(1, boundlite::record::ValueRef::Integer(bound))
            .unwrap();
        stmt.reset();
        let got = stmt.step().unwrap().unwrap().get_i64(0).unwrap();
        let want: i64 = oracle.query_row(sql, [bound], |r| r.get(0)).unwrap();
        assert_eq!(got, want, "{sql} with {bound}");
    }
    // Random nestings, some correlated with the outer row, over a few
    // outer rows.
    let mut ran = 0;
    for _ in 0..100 {
        let mut inner = format!("SELECT v.a FROM v WHERE v.b < {}", rng.below(160));
        for (depth, t) in ["u", "u2"].iter().enumerate() {
            let table = if depth == 0 { "u" } else { "t AS u2" };
            let col = if depth == 0 { "u.a" } else { "u2.a" };
            let correlated = match rng.below(3) {
                0 => format!(" AND {col} <> o.b"),
                _ => String::new(),
            };
            inner = format!(
                "SELECT {col} FROM {table} WHERE {t}.b {} ({inner}){correlated}",
                ["IN", "NOT IN"][rng.below(2) as usize]
            );
        }
        let sql =
            format!("SELECT count(*), sum(o.pk) FROM t AS o WHERE o.pk < 8 AND o.a IN ({inner})");
        if both(&mine, &oracle, &sql, "nested subquery") {
            ran += 1;
        }
    }
    assert_eq!(ran, 100);
}

/// Tables for correlated seeks: every column of `i` but `z` indexed, one
/// with its own collation, and outer values of every type.
const SEEK_SCHEMA: &str = "CREATE TABLE o(id INTEGER PRIMARY KEY, a, b TEXT, c REAL, d INTEGER);
    CREATE TABLE i(id INTEGER PRIMARY KEY, x INTEGER, y TEXT COLLATE NOCASE, z REAL, w);
    CREATE INDEX i_x ON i(x);
    CREATE INDEX i_y ON i(y);
    CREATE INDEX i_w ON i(w DESC)";

/// A term of a subquery over `i` run against a row of `o`: mostly an
/// equality of an indexed column and an outer one, written either way
/// round, else a filter or a rowid term.
fn seek_term(g: &mut Gen) -> String {
    let inner = g.pick(&["i.x", "i.y", "i.w", "i.z", "i.id"]);
    let outer = g.pick(&["o.a", "o.b", "o.c", "o.d", "o.id"]);
    match g.0.below(8) {
        0..=2 => format!("{inner} = {outer}"),
        3 | 4 => format!("{outer} = {inner}"),
        5 => format!("{inner} = {}", g.value()),
        6 => format!("{inner} {} {}", g.pick(&[">", "<=", "IS NOT"]), g.value()),
        _ => format!("{inner} > {outer}"),
    }
}

#[test]
fn correlated_index_seeks_agree_with_sqlite() {
    // The plan a subquery keeps from one outer row to the next seeks each
    // row's key: NULL (no row), text, real or integer, under the
    // comparison's affinity and collation.
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "seeks.db", &Config::DEFAULT, Global).unwrap();
    let mine = db.connect();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    mine.execute(SEEK_SCHEMA, &[]).unwrap();
    oracle.execute_batch(SEEK_SCHEMA).unwrap();
    let mut g = Gen(Rng::new(seed(0x5eec)));
    for _ in 0..16 {
        let sql = format!(
            "INSERT INTO o(a, b, c, d) VALUES ({}, {}, {}, {})",
            g.value(),
            g.value(),
            g.value(),
            g.value()
        );
        mine.execute(&sql, &[]).unwrap();
        oracle.execute_batch(&sql).unwrap();
    }
    for _ in 0..40 {
        let sql = format!(
            "INSERT INTO i(x, y, z, w) VALUES ({}, {}, {}, {})",
            g.value(),
            g.value(),
            g.value(),
            g.value()
        );
        mine.execute(&sql, &[]).unwrap();
        oracle.execute_batch(&sql).unwrap();
    }
    let mut ok = 0;
    for _ in 0..1200 {
        let terms: Vec<String> = (0..1 + g.0.below(3)).map(|_| seek_term(&mut g)).collect();
        let w = terms.join(" AND ");
        let sql = match g.0.below(5) {
            0 => format!("SELECT o.id, EXISTS (SELECT 1 FROM i WHERE {w}) FROM o ORDER BY o.id"),
            1 => format!("SELECT o.id, (SELECT count(*) FROM i WHERE {w}) FROM o ORDER BY o.id"),
            2 => format!(
                "SELECT o.id, (SELECT sum(i.id) || ':' || max(i.y) FROM i WHERE {w}) FROM o ORDER BY o.id"
            ),
            3 => format!(
                "SELECT o.id FROM o WHERE o.{} IN (SELECT i.{} FROM i WHERE {w}) ORDER BY o.id",
                g.pick(&["a", "b", "c", "d"]),
                g.pick(&["x", "y", "z", "w"])
            ),
            _ => format!("SELECT count(*) FROM o WHERE NOT EXISTS (SELECT 1 FROM i WHERE {w})"),
        };
        if both(&mine, &oracle, &sql, "correlated seek") {
            ok += 1;
        }
    }
    assert!(ok > 1100, "only {ok} queries ran");
}
