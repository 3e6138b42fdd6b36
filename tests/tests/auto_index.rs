#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
//! Automatic indexes: a join level that a term `column = outer` links to
//! the loops around it, with no index to seek, reads its table once into
//! an index of its own (in memory within the sort budget, in a temporary
//! B-tree past it) instead of scanning it for every outer row. Checked
//! against SQLite over values of every type, affinity and collation, for
//! the file reads a big join costs, for `EXPLAIN QUERY PLAN`'s words,
//! across runs that change the rows, and under every allocation failure.

use boundlite::alloc::{Arena, FaultAlloc, Global};
use boundlite::platform::{FaultPlatform, FaultTarget, IoFault, MemoryPlatform};
use boundlite::{Config, Database};
use boundlite_tests::compare::{Exact, Owned, V, both, ours, theirs};
use boundlite_tests::rng::{Rng, literal, seed};
use boundlite_tests::sweep::sweep_query_both;

/// Columns of every affinity, some with their own collation, in three
/// tables without an index but their rowids.
const SCHEMA: &str = "CREATE TABLE o(id INTEGER PRIMARY KEY, a, b TEXT, c INTEGER, d REAL, e TEXT COLLATE NOCASE);
    CREATE TABLE i(id INTEGER PRIMARY KEY, a, b TEXT, c INTEGER, d REAL, e TEXT COLLATE NOCASE, f NUMERIC);
    CREATE TABLE w(id INTEGER PRIMARY KEY, a, b TEXT COLLATE RTRIM, c INTEGER)";

const COLUMNS: [&str; 7] = ["a", "b", "c", "d", "e", "f", "id"];

fn fill<P: boundlite::platform::Platform>(
    mine: &boundlite::Connection<'_, P, Global>,
    oracle: &rusqlite::Connection,
    rng: &mut Rng,
) {
    mine.execute(SCHEMA, &[]).unwrap();
    oracle.execute_batch(SCHEMA).unwrap();
    for (table, rows, names) in [
        ("o", 40, "a, b, c, d, e"),
        ("i", 70, "a, b, c, d, e, f"),
        ("w", 50, "a, b, c"),
    ] {
        for _ in 0..rows {
            let width = names.split(", ").count();
            let values: Vec<String> = (0..width).map(|_| literal(rng)).collect();
            let sql = format!(
                "INSERT INTO {table}({names}) VALUES ({})",
                values.join(", ")
            );
            mine.execute(&sql, &[]).unwrap();
            oracle.execute_batch(&sql).unwrap();
        }
    }
}

/// A column of `table`, perhaps wrapped so that its affinity or
/// collation changes what `=` does with it.
fn side(rng: &mut Rng, table: &str) -> String {
    let names: &[&str] = match table {
        "o" => &COLUMNS[..5],
        "w" => &["a", "b", "c", "id"],
        _ => &COLUMNS,
    };
    let column = format!("{table}.{}", names[rng.below(names.len() as u64) as usize]);
    match rng.below(8) {
        0 => format!("{column} COLLATE NOCASE"),
        1 => format!("{column} + 0"),
        2 => format!("CAST({column} AS TEXT)"),
        _ => column,
    }
}

/// An equality linking `inner` to `outer`, written either way round.
fn link(rng: &mut Rng, outer: &str, inner: &str) -> String {
    let (x, y) = (side(rng, outer), side(rng, inner));
    if rng.below(2) == 0 {
        format!("{x} = {y}")
    } else {
        format!("{y} = {x}")
    }
}

/// A filter on `table` beside the links.
fn filter(rng: &mut Rng, table: &str) -> String {
    match rng.below(4) {
        0 => format!(" AND {table}.id % {} = 0", rng.below(3) + 1),
        1 => format!(" AND {table}.a IS NOT NULL"),
        2 => format!(" AND {table}.c > {}", rng.below(8)),
        _ => String::new(),
    }
}

/// Table `i`, or a subquery in its place under its name, whose rows
/// are kept (and searched) rather than run for every outer row.
fn inner(rng: &mut Rng) -> &'static str {
    match rng.below(6) {
        0 => "(SELECT * FROM i WHERE i.id % 3 <> 1) AS i",
        1 => {
            "(SELECT a, b, c, d, e, f, id FROM i UNION SELECT a, b, c, d, e, f, id + 100 FROM i WHERE id < 20) AS i"
        }
        2 => {
            "(SELECT a, b, max(c) AS c, d, e, f, min(id) AS id FROM i GROUP BY a, b, d, e, f) AS i"
        }
        _ => "i",
    }
}

/// A random join of two or three of the tables, or a subquery over one.
fn query(rng: &mut Rng) -> String {
    let (l1, f1) = (link(rng, "o", "i"), filter(rng, "i"));
    let (l2, f2) = (link(rng, "i", "w"), filter(rng, "w"));
    let i = inner(rng);
    match rng.below(10) {
        0 => format!("SELECT o.id, i.id FROM o JOIN {i} ON {l1}{f1} ORDER BY 1, 2"),
        1 => format!("SELECT o.id, i.id FROM o LEFT JOIN {i} ON {l1}{f1} ORDER BY 1, 2"),
        2 => format!("SELECT o.id, i.id FROM o, {i} WHERE {l1}{f1} ORDER BY 1, 2"),
        3 => format!(
            "SELECT o.id, i.id, w.id FROM o JOIN {i} ON {l1} JOIN w ON {l2}{f2} ORDER BY 1, 2, 3"
        ),
        4 => format!(
            "SELECT o.id, i.id, w.id FROM o CROSS JOIN {i} CROSS JOIN w WHERE {l1} AND {l2}{f1} ORDER BY 1, 2, 3"
        ),
        8 => {
            // Grouped by a value whose rows are all equal under BINARY,
            // so that which row names the group does not matter.
            let column = ["a", "b", "c", "d", "f", "id"][rng.below(6) as usize];
            let key = match rng.below(3) {
                0 => format!("i.{column} + 0"),
                1 => format!("CAST(i.{column} AS TEXT)"),
                _ => format!("i.{column}"),
            };
            format!(
                "WITH g AS (SELECT {key} AS k, count(*) AS n FROM i GROUP BY 1) SELECT o.id, g.n FROM o JOIN g ON {} = g.k ORDER BY 1, 2",
                side(rng, "o"),
            )
        }
        9 => format!(
            "SELECT o.id, d.m FROM o, (SELECT max(i.c) AS m FROM i WHERE i.id > {}) AS d WHERE o.c < d.m OR o.a = d.m ORDER BY 1",
            rng.below(60)
        ),
        5 => format!(
            "SELECT o.id FROM o WHERE EXISTS (SELECT 1 FROM i JOIN w ON {l2} WHERE i.c = o.c{f2}) ORDER BY 1"
        ),
        6 => format!(
            "SELECT count(*), sum(i.id), total(o.d) FROM o JOIN i ON {l1} LEFT JOIN w ON {l2}"
        ),
        _ => format!(
            "SELECT o.id, i.id FROM o JOIN i ON {l1} AND (i.id % 2 = 0 OR {l1}) ORDER BY 1, 2"
        ),
    }
}

#[test]
fn automatic_indexes_agree_with_sqlite_in_memory_and_in_a_tree() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "auto.db", &Config::DEFAULT, Global).unwrap();
    let mine = db.connect();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    let mut rng = Rng::new(seed(0xa070));
    fill(&mine, &oracle, &mut rng);
    let mut agreed = 0;
    let mut searched = 0;
    for n in 0..1500 {
        // Every other query keeps nothing in memory: its index is a tree.
        let bytes = if n % 2 == 0 { 65536 } else { 0 };
        mine.execute(&format!("PRAGMA sort_memory = {bytes}"), &[])
            .unwrap();
        let sql = query(&mut rng);
        let plan = ours(&mine, &format!("EXPLAIN QUERY PLAN {sql}"))
            .map(|rows| format!("{rows:?}"))
            .unwrap_or_default();
        if plan.contains("AUTOMATIC") {
            searched += 1;
        }
        if both(&mine, &oracle, &sql, "automatic index") {
            agreed += 1;
        }
    }
    println!("agreed: {agreed} of 1500, {searched} through an automatic index");
    assert_eq!(agreed, 1500);
    assert!(searched > 300, "{searched}");
}

/// Two tables of `rows` rows each, joined on an unindexed column.
fn big<P: boundlite::platform::Platform>(conn: &boundlite::Connection<'_, P, Global>, rows: u32) {
    conn.execute(
        &format!(
            "CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, pad TEXT);
             CREATE TABLE u(id INTEGER PRIMARY KEY, k INTEGER, pad TEXT);
             WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < {rows})
             INSERT INTO t SELECT x, (x * 7919) % {rows}, printf('%.60c', 'p') FROM n;
             INSERT INTO u SELECT id, k, pad FROM t"
        ),
        &[],
    )
    .unwrap();
}

#[test]
fn a_big_join_reads_its_inner_table_a_few_times_not_once_a_row() {
    let disk = MemoryPlatform::new();
    let platform = FaultPlatform::new(&disk);
    let config = Config {
        cache_frames: Config::MIN_CACHE_FRAMES,
        ..Config::DEFAULT
    };
    let db = Database::open(&platform, "big.db", &config, Global).unwrap();
    let conn = db.connect();
    let rows = 4000;
    big(&conn, rows);
    let pages = db.page_count() as u64;
    let sql = "SELECT count(*), sum(u.id - t.id) FROM t JOIN u ON u.k = t.k";
    for bytes in [65536, 4096, 0] {
        conn.execute(&format!("PRAGMA sort_memory = {bytes}"), &[])
            .unwrap();
        platform.arm(IoFault::Never);
        let before = platform.counts();
        let got = ours(&conn, sql).unwrap();
        let after = platform.counts();
        let reads = after.reads - before.reads;
        println!(
            "sort_memory {bytes}: {pages} pages, {reads} reads, {} temporary reads",
            after.temp_reads - before.temp_reads
        );
        assert_eq!(got, vec![vec![V::Int(i64::from(rows)), V::Int(0)]]);
        // `t` once, `u` twice and once per matching row, not `u` once
        // per row of `t`.
        assert!(
            reads < 4 * pages + 2 * u64::from(rows),
            "{reads} reads of {pages} pages"
        );
    }
    // A grouped subquery joined to `t` runs once, its rows kept by the
    // joined column, not once per row of `t`.
    let before = platform.counts().reads;
    let got = ours(
        &conn,
        "WITH g AS (SELECT k, count(*) AS n FROM u GROUP BY k) SELECT count(*), sum(g.n) FROM t JOIN g ON g.k = t.k",
    )
    .unwrap();
    let reads = platform.counts().reads - before;
    assert_eq!(
        got,
        vec![vec![V::Int(i64::from(rows)), V::Int(i64::from(rows))]]
    );
    // Run again for each row of `t`, the subquery would read `u` whole
    // each time (half the pages).
    assert!(
        reads < 4 * u64::from(rows),
        "WITH: {reads} reads of {pages} pages"
    );
    // A platform whose temporary files fail leaves the level to its
    // scans, with the same answer.
    conn.execute("PRAGMA sort_memory = 0", &[]).unwrap();
    platform.arm(IoFault::From {
        target: FaultTarget::TempWrite,
        n: 1,
    });
    let got = ours(
        &conn,
        "SELECT count(*) FROM t JOIN u ON u.k = t.k WHERE t.id <= 50",
    )
    .unwrap();
    platform.arm(IoFault::Never);
    assert_eq!(got, vec![vec![V::Int(50)]]);
}

#[test]
fn explain_query_plan_names_the_automatic_index_as_sqlite_does() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "eqp.db", &Config::DEFAULT, Global).unwrap();
    let mine = db.connect();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    let schema = "CREATE TABLE t(a INTEGER PRIMARY KEY, b, c TEXT);
        CREATE TABLE u(x, y TEXT COLLATE NOCASE);
        CREATE INDEX uy ON u(y)";
    mine.execute(schema, &[]).unwrap();
    oracle.execute_batch(schema).unwrap();
    for sql in [
        "SELECT * FROM t x JOIN t y ON x.b = y.b",
        "SELECT * FROM t JOIN u ON u.x = t.b",
        "SELECT * FROM t LEFT JOIN u ON u.x = t.b",
        "SELECT * FROM u NOT INDEXED JOIN t ON u.x = t.b",
        "SELECT * FROM t JOIN u ON u.y = t.c",
        "SELECT * FROM t JOIN u ON u.x = t.b + 1",
    ] {
        // SQLite also names the Bloom filter it may build beside an
        // automatic index, which boundlite does not build.
        let detail = |rows: Vec<Vec<V>>| -> Vec<V> {
            rows.into_iter()
                .map(|r| r[3].clone())
                .filter(|d| !format!("{d:?}").contains("BLOOM FILTER"))
                .collect()
        };
        let eqp = format!("EXPLAIN QUERY PLAN {sql}");
        assert_eq!(
            detail(ours(&mine, &eqp).unwrap()),
            detail(theirs(&oracle, &eqp).unwrap()),
            "{sql}"
        );
    }
}

#[test]
fn a_run_after_a_change_reads_the_rows_as_they_are() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "runs.db", &Config::DEFAULT, Global).unwrap();
    let mine = db.connect();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    let mut rng = Rng::new(seed(0x2a70));
    fill(&mine, &oracle, &mut rng);
    let join = "SELECT o.id, i.id FROM o JOIN i ON i.c = o.c ORDER BY 1, 2";
    let mut statement = mine.prepare(join).unwrap();
    for round in 0..40 {
        let bytes = if round % 2 == 0 { 65536 } else { 0 };
        mine.execute(&format!("PRAGMA sort_memory = {bytes}"), &[])
            .unwrap();
        // The same prepared statement, run again after rows change.
        let mut got = Vec::new();
        while let Some(row) = statement.step().unwrap() {
            got.push(
                row.values()
                    .map(boundlite_tests::compare::from_ours)
                    .collect::<Vec<_>>(),
            );
        }
        statement.reset();
        let want = theirs(&oracle, join).unwrap();
        assert_eq!(got, want, "round {round}");
        // Changes whose statements read the tables they change through
        // joins an automatic index serves.
        let change = match rng.below(4) {
            0 => format!(
                "UPDATE i SET c = {} WHERE id % 7 = {}",
                rng.below(12),
                rng.below(7)
            ),
            1 => "INSERT INTO i(a, c) SELECT o.a, i.c FROM o JOIN i ON i.c = o.c WHERE o.id % 9 = 0"
                .to_string(),
            2 => "DELETE FROM i WHERE id IN (SELECT i2.id FROM o JOIN i i2 ON i2.c = o.c WHERE o.id % 5 = 1)"
                .to_string(),
            _ => "UPDATE o SET c = c + 1 WHERE EXISTS (SELECT 1 FROM i JOIN o o2 ON o2.c = i.c WHERE i.id > o.id AND o2.id < o.id)"
                .to_string(),
        };
        both(&mine, &oracle, &change, "change");
    }
    assert!(db.integrity_check(0).unwrap().is_ok());
}

#[test]
fn automatic_indexes_survive_every_allocation_failure() {
    let disk = MemoryPlatform::new();
    let mut buffer = vec![0u8; 512 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    let db = Database::open(&disk, "oom.db", &Config::DEFAULT, &fault).unwrap();
    let conn = db.connect();
    conn.execute(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, k, s TEXT COLLATE NOCASE);
         WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 300)
         INSERT INTO t SELECT x, CASE WHEN x % 7 = 0 THEN NULL ELSE x % 50 END, printf('S%d', x % 40) FROM n",
        &[],
    )
    .unwrap();
    let files = disk.file_count().unwrap();
    for bytes in [65536, 0] {
        conn.execute(&format!("PRAGMA sort_memory = {bytes}"), &[])
            .unwrap();
        for sql in [
            "SELECT count(*), sum(y.id) FROM t x JOIN t y ON y.k = x.k",
            "SELECT count(*) FROM t x LEFT JOIN t y ON y.s = x.s AND y.id > x.id",
            "SELECT x.id FROM t x WHERE EXISTS (SELECT 1 FROM t a JOIN t b ON b.k = a.k WHERE a.id = x.id + 1 AND b.id > 290) ORDER BY 1",
            "WITH g AS (SELECT s, count(*) AS n FROM t GROUP BY s) SELECT count(*), sum(g.n) FROM t JOIN g ON g.s = t.s",
            "SELECT count(*) FROM t, (SELECT max(k) AS m FROM t WHERE id > 100) AS d WHERE t.k < d.m",
        ] {
            let want = Exact::ours_ok(&conn, sql);
            sweep_query_both(&fault, &conn, sql, &want, 3);
            // The index's temporary files went with it.
            assert_eq!(disk.file_count().unwrap(), files, "{sql}");
        }
    }
    assert!(db.integrity_check(0).unwrap().is_ok());
}
