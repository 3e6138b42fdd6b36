#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
//! `x IN (SELECT ...)` and `(a, b) IN (SELECT ...)` over an uncorrelated
//! subquery: its rows are read once a run into a set that is searched, in memory while they fit the
//! sort budget and in a temporary B-tree past it, as SQLite fills an
//! ephemeral index. Checked against SQLite over values of every type,
//! affinity and collation, with the set in memory and in the tree, for
//! the file reads a big probe costs, and under every allocation failure.

use boundlite::alloc::{Arena, FaultAlloc, Global};
use boundlite::platform::{FaultPlatform, IoFault, MemoryPlatform};
use boundlite::{Config, Database};
use boundlite_tests::compare::{Exact, Owned, both, ours};
use boundlite_tests::rng::{Rng, literal, seed};
use boundlite_tests::sweep::sweep_query_both;

/// Columns of every affinity, one with its own collation, on both sides.
const SCHEMA: &str = "CREATE TABLE o(id INTEGER PRIMARY KEY, a, b TEXT, c INTEGER, d REAL, e TEXT COLLATE NOCASE);
    CREATE TABLE i(id INTEGER PRIMARY KEY, a, b TEXT, c INTEGER, d REAL, e TEXT COLLATE NOCASE, f NUMERIC)";

const COLUMNS: [&str; 6] = ["a", "b", "c", "d", "e", "id"];

fn fill(
    mine: &boundlite::Connection<'_, &MemoryPlatform, Global>,
    oracle: &rusqlite::Connection,
    rng: &mut Rng,
) {
    mine.execute(SCHEMA, &[]).unwrap();
    oracle.execute_batch(SCHEMA).unwrap();
    for (table, rows, width) in [("o", 60, 5), ("i", 90, 6)] {
        let names = ["a", "b", "c", "d", "e", "f"][..width].join(", ");
        for _ in 0..rows {
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

/// A random `IN` over `i`, probed by each row of `o`.
fn query(rng: &mut Rng) -> String {
    let x = match rng.below(5) {
        0 => literal(rng),
        1 => format!("o.{} COLLATE NOCASE", COLUMNS[rng.below(6) as usize]),
        2 => format!("o.{} + 0", COLUMNS[rng.below(6) as usize]),
        _ => format!("o.{}", COLUMNS[rng.below(6) as usize]),
    };
    let mut column = format!(
        "i.{}",
        ["a", "b", "c", "d", "e", "f", "id"][rng.below(7) as usize]
    );
    match rng.below(6) {
        0 => column = format!("{column} COLLATE NOCASE"),
        1 => column = format!("{column} || ''"),
        2 => column = format!("CAST({column} AS INTEGER)"),
        _ => {}
    }
    let filter = match rng.below(3) {
        0 => String::new(),
        1 => format!(" WHERE i.id % {} = 0", rng.below(4) + 1),
        _ => format!(" WHERE i.c IS NOT NULL AND i.id > {}", rng.below(80)),
    };
    let not = ["", "NOT "][rng.below(2) as usize];
    let sub = format!("SELECT {column} FROM i{filter}");
    match rng.below(3) {
        0 => format!("SELECT o.id, {x} {not}IN ({sub}) FROM o ORDER BY o.id"),
        1 => format!("SELECT count(*), sum(o.id) FROM o WHERE {x} {not}IN ({sub})"),
        _ => format!("SELECT o.id FROM o WHERE ({x} {not}IN ({sub})) IS NULL ORDER BY o.id"),
    }
}

#[test]
fn in_select_sets_agree_with_sqlite_in_memory_and_in_a_tree() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "set.db", &Config::DEFAULT, Global).unwrap();
    let mine = db.connect();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    let mut rng = Rng::new(seed(0x1e5e7));
    fill(&mine, &oracle, &mut rng);
    let mut agreed = 0;
    for n in 0..1200 {
        // Every other query keeps nothing in memory: its set is a tree.
        let bytes = if n % 2 == 0 { 65536 } else { 0 };
        mine.execute(&format!("PRAGMA sort_memory = {bytes}"), &[])
            .unwrap();
        let sql = query(&mut rng);
        if both(&mine, &oracle, &sql, "IN set") {
            agreed += 1;
        }
    }
    println!("agreed: {agreed} of 1200");
    assert_eq!(agreed, 1200);
}

/// A field of a row-value probe: a column of `o` or a literal, some with
/// a collation of their own.
fn probe_field(rng: &mut Rng) -> String {
    match rng.below(6) {
        0 => literal(rng),
        1 => format!("o.{} COLLATE NOCASE", COLUMNS[rng.below(6) as usize]),
        _ => format!("o.{}", COLUMNS[rng.below(6) as usize]),
    }
}

/// A result column of the row-value subquery over `i`.
fn set_field(rng: &mut Rng) -> String {
    let column = format!(
        "i.{}",
        ["a", "b", "c", "d", "e", "f", "id"][rng.below(7) as usize]
    );
    match rng.below(7) {
        0 => format!("{column} COLLATE NOCASE"),
        1 => format!("{column} || ''"),
        2 => format!("CAST({column} AS INTEGER)"),
        3 => literal(rng),
        _ => column,
    }
}

/// A random `(x, y[, z]) IN (SELECT ...)` over `i`, probed by each row of
/// `o`.
fn row_query(rng: &mut Rng) -> String {
    let width = 2 + rng.below(2) as usize;
    let probe: Vec<String> = (0..width).map(|_| probe_field(rng)).collect();
    let fields: Vec<String> = (0..width).map(|_| set_field(rng)).collect();
    let filter = match rng.below(4) {
        0 => String::new(),
        1 => format!(" WHERE i.id % {} = 0", rng.below(4) + 1),
        2 => " WHERE i.a IS NOT NULL AND i.b IS NOT NULL AND i.c IS NOT NULL".to_string(),
        _ => format!(" WHERE i.c IS NOT NULL AND i.id > {}", rng.below(80)),
    };
    let not = ["", "NOT "][rng.below(2) as usize];
    let x = format!("({})", probe.join(", "));
    let sub = format!("SELECT {} FROM i{filter}", fields.join(", "));
    match rng.below(3) {
        0 => format!("SELECT o.id, {x} {not}IN ({sub}) FROM o ORDER BY o.id"),
        1 => format!("SELECT count(*), sum(o.id) FROM o WHERE {x} {not}IN ({sub})"),
        _ => format!("SELECT o.id FROM o WHERE ({x} {not}IN ({sub})) IS NULL ORDER BY o.id"),
    }
}

#[test]
fn row_value_in_select_sets_agree_with_sqlite_in_memory_and_in_a_tree() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "rows.db", &Config::DEFAULT, Global).unwrap();
    let mine = db.connect();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    let mut rng = Rng::new(seed(0x20e5));
    fill(&mine, &oracle, &mut rng);
    let mut agreed = 0;
    for n in 0..1200 {
        // Every other query keeps nothing in memory: its set is sorted
        // through files into a tree.
        let bytes = if n % 2 == 0 { 65536 } else { 0 };
        mine.execute(&format!("PRAGMA sort_memory = {bytes}"), &[])
            .unwrap();
        let sql = row_query(&mut rng);
        if both(&mine, &oracle, &sql, "row IN set") {
            agreed += 1;
        }
    }
    println!("agreed: {agreed} of 1200");
    assert_eq!(agreed, 1200);
}

/// A table of `rows` rows whose text makes it many pages.
fn big(conn: &boundlite::Connection<'_, &FaultPlatform<&MemoryPlatform>, Global>, rows: u32) {
    conn.execute(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, pad TEXT);
         CREATE TABLE u(id INTEGER PRIMARY KEY, k INTEGER, pad TEXT)",
        &[],
    )
    .unwrap();
    conn.execute(
        &format!(
            "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < {rows})
             INSERT INTO t SELECT x, (x * 7919) % {rows}, printf('%.60c', 'p') FROM n;
             INSERT INTO u SELECT id, k, pad FROM t"
        ),
        &[],
    )
    .unwrap();
}

#[test]
fn a_big_set_is_read_once_a_run_and_probed_by_search() {
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
    for bytes in [65536, 4096, 0] {
        conn.execute(&format!("PRAGMA sort_memory = {bytes}"), &[])
            .unwrap();
        platform.arm(IoFault::Never);
        let before = platform.counts();
        let got = ours(
            &conn,
            "SELECT count(*) FROM t WHERE k IN (SELECT u.k FROM u WHERE u.id % 2 = 0)",
        )
        .unwrap();
        let after = platform.counts();
        let reads = after.reads - before.reads;
        println!(
            "sort_memory {bytes}: {pages} pages, {reads} reads, {} temporary reads",
            after.temp_reads - before.temp_reads
        );
        assert_eq!(
            format!("{got:?}"),
            format!(
                "{:?}",
                vec![vec![boundlite_tests::compare::V::Int(i64::from(rows) / 2)]]
            )
        );
        // Each table read once (and the WAL's pages), not `u` once per
        // row of `t`.
        assert!(reads < 4 * pages, "{reads} reads of {pages} pages");
    }
    // A row value's set too.
    for bytes in [65536, 0] {
        conn.execute(&format!("PRAGMA sort_memory = {bytes}"), &[])
            .unwrap();
        let before = platform.counts().reads;
        let got = ours(
            &conn,
            "SELECT count(*) FROM t WHERE (k, pad) IN (SELECT u.k, u.pad FROM u WHERE u.id % 2 = 0)",
        )
        .unwrap();
        let reads = platform.counts().reads - before;
        println!("rows, sort_memory {bytes}: {pages} pages, {reads} reads");
        assert_eq!(
            format!("{got:?}"),
            format!(
                "{:?}",
                vec![vec![boundlite_tests::compare::V::Int(i64::from(rows) / 2)]]
            )
        );
        assert!(reads < 4 * pages, "rows: {reads} reads of {pages} pages");
    }
    // An uncorrelated `EXISTS` that finds no row reads its table once a
    // run too.
    let before = platform.counts().reads;
    let got = ours(
        &conn,
        "SELECT count(*) FROM t WHERE NOT EXISTS (SELECT 1 FROM u WHERE u.pad = 'none')",
    )
    .unwrap();
    let reads = platform.counts().reads - before;
    assert_eq!(
        format!("{got:?}"),
        format!(
            "{:?}",
            vec![vec![boundlite_tests::compare::V::Int(i64::from(rows))]]
        )
    );
    assert!(reads < 4 * pages, "EXISTS: {reads} reads of {pages} pages");
}

#[test]
fn in_sets_survive_every_allocation_failure() {
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
            "SELECT count(*), sum(id) FROM t WHERE k IN (SELECT k + 3 FROM t WHERE id % 3 = 0)",
            "SELECT count(*) FROM t WHERE s NOT IN (SELECT lower(s) FROM t WHERE id < 100)",
            "SELECT id, k IN (SELECT k FROM t WHERE id > 290) FROM t WHERE id % 25 = 0 ORDER BY id",
            "SELECT count(*), sum(id) FROM t WHERE (k, s) IN (SELECT k + 1, s FROM t WHERE id % 3 = 0)",
            "SELECT id, (k, s) NOT IN (SELECT k, upper(s) FROM t WHERE id > 250) FROM t WHERE id % 20 = 0 ORDER BY id",
        ] {
            let want = Exact::ours_ok(&conn, sql);
            sweep_query_both(&fault, &conn, sql, &want, 3);
            // The set's temporary files went with it.
            assert_eq!(disk.file_count().unwrap(), files, "{sql}");
        }
    }
    assert!(db.integrity_check(0).unwrap().is_ok());
}
