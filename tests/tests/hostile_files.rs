//! Hostile database files, one named test each: a database SQLite wrote,
//! with exact bytes changed at offsets computed from its pages (cycles in
//! overflow chains, freelists and child pointers, a page with two parents,
//! sizes beyond the file, bogus serial types, damaged schema rows, a log
//! with a bad checksum in its middle).
//!
//! Each runs inside an arena of [`ARENA_BYTES`], so an allocation sized by
//! a damaged field fails rather than succeeding on a large heap, and must
//! end (no hang: every loop over a damaged structure is bounded), without
//! a panic, with the outcome stated: `Corrupt` (code 11) naming the page
//! where the engine knows it, the integrity check naming it, or, where
//! SQLite reads past the damage (a log's bad frame), what SQLite reads.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::Arena;
use boundlite::platform::MemoryPlatform;
use boundlite::{Config, Database, Error};
use boundlite_tests::compare::{Exact, Owned};

/// The arena every damaged file is read in: far below what an allocation
/// sized by a damaged length or page count would take.
const ARENA_BYTES: usize = 1 << 20;

const PAGE: usize = 1024;

type Rows = Vec<Vec<Exact>>;

/// A database SQLite writes from `sql` on 1 KiB pages, in rollback mode
/// (the file holds everything), with the root page of each name in `roots`.
fn sqlite_file(sql: &str, roots: &[&str]) -> (Vec<u8>, Vec<usize>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(&format!("PRAGMA page_size = {PAGE}; {sql}"))
        .unwrap();
    let roots = roots
        .iter()
        .map(|name| {
            conn.query_row(
                "SELECT rootpage FROM sqlite_schema WHERE name = ?1",
                [name],
                |r| r.get::<_, i64>(0),
            )
            .unwrap() as usize
        })
        .collect();
    drop(conn);
    (std::fs::read(&path).unwrap(), roots)
}

/// The byte offset of page `n`'s B-tree header.
fn header(n: usize) -> usize {
    (n - 1) * PAGE + if n == 1 { 100 } else { 0 }
}

fn be16(bytes: &[u8], at: usize) -> usize {
    usize::from(u16::from_be_bytes([bytes[at], bytes[at + 1]]))
}

fn be32(bytes: &[u8], at: usize) -> usize {
    u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize
}

fn put32(bytes: &mut [u8], at: usize, value: usize) {
    bytes[at..at + 4].copy_from_slice(&(value as u32).to_be_bytes());
}

/// A varint at `at`: its value and length.
fn varint(bytes: &[u8], at: usize) -> (u64, usize) {
    let mut v = 0u64;
    for i in 0..8 {
        let b = bytes[at + i];
        v = (v << 7) | u64::from(b & 0x7f);
        if b < 0x80 {
            return (v, i + 1);
        }
    }
    ((v << 8) | u64::from(bytes[at + 8]), 9)
}

/// The absolute offsets of page `n`'s cells, in pointer order.
fn cells(bytes: &[u8], n: usize) -> Vec<usize> {
    let h = header(n);
    let count = be16(bytes, h + 3);
    let array = h + if bytes[h] < 8 { 12 } else { 8 };
    (0..count)
        .map(|i| (n - 1) * PAGE + be16(bytes, array + 2 * i))
        .collect()
}

/// The page and offset of the cell of `rowid` in the table rooted at
/// `root`, found by descending its interior pages.
fn table_cell(bytes: &[u8], root: usize, rowid: u64) -> (usize, usize) {
    let mut page = root;
    loop {
        let h = header(page);
        if bytes[h] == 13 {
            let cell = cells(bytes, page)
                .into_iter()
                .find(|&c| {
                    let (_, a) = varint(bytes, c);
                    varint(bytes, c + a).0 == rowid
                })
                .expect("the row");
            return (page, cell);
        }
        page = cells(bytes, page)
            .into_iter()
            .find(|&c| varint(bytes, c + 4).0 >= rowid)
            .map_or_else(|| be32(bytes, h + 8), |c| be32(bytes, c));
    }
}

/// Page `n`'s child pointers, right child last (an interior page).
fn children(bytes: &[u8], n: usize) -> Vec<usize> {
    let h = header(n);
    assert!(bytes[h] == 5 || bytes[h] == 2, "page {n} is interior");
    let mut out: Vec<usize> = cells(bytes, n).iter().map(|&c| be32(bytes, c)).collect();
    out.push(be32(bytes, h + 8));
    out
}

/// The offset of the first overflow page number of a table leaf cell at
/// `cell`, by SQLite's rule for what stays on the page.
fn overflow_pointer(bytes: &[u8], cell: usize) -> usize {
    let (payload, a) = varint(bytes, cell);
    let (_, b) = varint(bytes, cell + a);
    let usable = PAGE as u64;
    let max_local = usable - 35;
    assert!(payload > max_local, "the cell spills");
    let min_local = (usable - 12) * 32 / 255 - 23;
    let k = min_local + (payload - min_local) % (usable - 4);
    let local = if k <= max_local { k } else { min_local };
    cell + a + b + local as usize
}

/// The pages of the overflow chain starting at `first`.
fn chain(bytes: &[u8], first: usize) -> Vec<usize> {
    let mut out = vec![first];
    while let next @ 1.. = be32(bytes, (out[out.len() - 1] - 1) * PAGE) {
        out.push(next);
    }
    out
}

/// What `statements` give on `file` (and `log` as its `-wal`), read in
/// an arena of [`ARENA_BYTES`]: the open's error, or each one's rows or
/// error, then the arena's peak.
fn outcomes(
    file: &[u8],
    log: Option<&[u8]>,
    statements: &[&str],
) -> Result<Vec<Result<Rows, Error>>, Error> {
    let disk = MemoryPlatform::new();
    disk.write_file("h.db", file).unwrap();
    if let Some(log) = log {
        disk.write_file("h.db-wal", log).unwrap();
    }
    let mut buffer = vec![0u8; ARENA_BYTES];
    let arena = Arena::new(&mut buffer).unwrap();
    let config = Config {
        cache_frames: 16,
        ..Config::DEFAULT
    };
    let out = {
        let db = Database::open(&disk, "h.db", &config, &arena)?;
        let conn = db.connect();
        statements
            .iter()
            .map(|sql| Exact::ours(&conn, sql))
            .collect()
    };
    assert_eq!(arena.stats().live_allocations, 0, "all freed");
    Ok(out)
}

/// Asserts `outcome` is `Corrupt` (code 11), naming `page` when given.
fn assert_corrupt<T: std::fmt::Debug>(outcome: &Result<T, Error>, page: Option<usize>, what: &str) {
    match outcome {
        Err(e @ Error::Corrupt { page: named, .. }) => {
            assert_eq!(e.code(), 11);
            if let Some(page) = page {
                assert_eq!(
                    named.map(|p| p.get() as usize),
                    Some(page),
                    "{what}: {e} names another page"
                );
                assert!(e.to_string().contains(&format!("page {page}")), "{e}");
            }
        }
        other => panic!("{what}: expected Corrupt, got {other:?}"),
    }
}

/// The integrity check's lines, which must report a problem naming
/// `page`.
fn assert_integrity_names(outcome: &Result<Rows, Error>, page: usize, what: &str) {
    let rows = outcome.as_ref().unwrap_or_else(|e| panic!("{what}: {e:?}"));
    let lines: Vec<String> = rows
        .iter()
        .map(|r| match &r[0] {
            Exact::Text(t) => String::from_utf8_lossy(t).into_owned(),
            v => format!("{v:?}"),
        })
        .collect();
    assert_ne!(lines, ["ok"], "{what}: the check passes");
    assert!(
        lines.iter().any(|l| l.contains(&format!("page {page}"))),
        "{what}: no line names page {page}: {lines:?}"
    );
}

const ROWS_WITH_OVERFLOW: &str = "CREATE TABLE t(id INTEGER PRIMARY KEY, data BLOB);
    INSERT INTO t VALUES (1, zeroblob(100)), (2, zeroblob(5000)), (3, zeroblob(50));";

#[test]
fn an_overflow_chain_that_loops_back_is_corrupt() {
    let (mut file, roots) = sqlite_file(ROWS_WITH_OVERFLOW, &["t"]);
    let (_, cell) = table_cell(&file, roots[0], 2);
    let pages = chain(&file, be32(&file, overflow_pointer(&file, cell)));
    assert!(pages.len() >= 4, "{pages:?}");
    // The third page leads back to the second: the chain loops before the
    // payload ends.
    put32(&mut file, (pages[2] - 1) * PAGE, pages[1]);
    let out = outcomes(
        &file,
        None,
        &[
            "SELECT length(data), hex(substr(data, 4990)) FROM t WHERE id = 2",
            "PRAGMA integrity_check",
            "DELETE FROM t WHERE id = 2",
        ],
    )
    .unwrap();
    // The walk comes back to a page whose link is not the chain's end
    // when the payload is done: Corrupt, where SQLite reads what the
    // pages hold (and deletes the row, freeing a page twice).
    for o in [&out[0], &out[2]] {
        let Err(Error::Corrupt {
            page: Some(named), ..
        }) = o
        else {
            panic!("a looping chain: {o:?}");
        };
        assert!(
            pages.contains(&(named.get() as usize)),
            "{named} is on the chain {pages:?}"
        );
    }
    assert_integrity_names(&out[1], pages[1], "a looping chain");
}

#[test]
fn an_overflow_chain_past_the_file_is_corrupt_naming_the_page() {
    let (mut file, roots) = sqlite_file(ROWS_WITH_OVERFLOW, &["t"]);
    let (_, cell) = table_cell(&file, roots[0], 2);
    let pages = chain(&file, be32(&file, overflow_pointer(&file, cell)));
    put32(&mut file, (pages[1] - 1) * PAGE, 100_000);
    let out = outcomes(
        &file,
        None,
        &["SELECT length(data), hex(data) FROM t WHERE id = 2"],
    )
    .unwrap();
    assert_corrupt(&out[0], Some(pages[1]), "an overflow link past the file");
}

/// Doubles `t`'s rows, taking pages from the freelist.
const GROW: &str = "INSERT INTO t SELECT id + (SELECT max(id) FROM t), data FROM t";

const FREELIST: &str = "CREATE TABLE t(id INTEGER PRIMARY KEY, data BLOB);
    INSERT INTO t WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 60)
        SELECT i, zeroblob(600) FROM n;
    DELETE FROM t WHERE id > 10;";

#[test]
fn a_freelist_trunk_that_points_to_itself_is_corrupt() {
    let (mut file, _) = sqlite_file(FREELIST, &[]);
    let trunk = be32(&file, 32);
    let free = be32(&file, 36);
    assert!(trunk > 0 && free > 10, "a freelist");
    // The trunk leads to itself, and the header counts more free pages
    // than the trunk holds: taking them all comes back to the trunk, by
    // then a page in use.
    put32(&mut file, (trunk - 1) * PAGE, trunk);
    put32(&mut file, 36, free + 20);
    let out = outcomes(
        &file,
        None,
        &["PRAGMA integrity_check", GROW, GROW, GROW, GROW],
    )
    .unwrap();
    assert_integrity_names(&out[0], trunk, "a freelist trunk cycle");
    let failed = out[1..]
        .iter()
        .position(Result::is_err)
        .expect("an insert fails");
    assert!(out[1..1 + failed].iter().all(Result::is_ok));
    assert_corrupt(
        &out[1 + failed],
        Some(trunk),
        "allocating past a looping freelist",
    );
}

const DEEP_TABLE: &str = "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT);
    INSERT INTO t WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400)
        SELECT i, printf('%.200c', 'x') FROM n;";

#[test]
fn a_child_pointer_to_an_ancestor_is_corrupt_naming_the_page() {
    let (mut file, roots) = sqlite_file(DEEP_TABLE, &["t"]);
    let root = roots[0];
    let kids = children(&file, root);
    let child = kids[0];
    // The child is interior too (three levels) or a leaf; point its first
    // cell (or the root's right child) back at the root.
    let h = header(child);
    if file[h] == 5 {
        let c = cells(&file, child)[0];
        put32(&mut file, c, root);
    } else {
        let c = cells(&file, root)[0];
        put32(&mut file, c, root);
    }
    let out = outcomes(
        &file,
        None,
        &[
            "SELECT count(*), sum(length(name)) FROM t",
            "SELECT max(id) FROM t WHERE id < 5",
        ],
    )
    .unwrap();
    assert_corrupt(&out[0], Some(root), "a scan through a cycle");
    assert!(
        matches!(&out[1], Ok(_) | Err(Error::Corrupt { .. })),
        "{:?}",
        out[1]
    );
    if let Err(Error::Corrupt { page, .. }) = &out[0] {
        assert!(page.is_some(), "the page is named");
    }
}

#[test]
fn a_page_with_two_parents_is_reported_naming_the_page() {
    let (mut file, roots) = sqlite_file(DEEP_TABLE, &["t"]);
    let root = roots[0];
    let kids = children(&file, root);
    assert!(kids.len() >= 3, "{kids:?}");
    // The second child pointer names the first child again.
    let c = cells(&file, root)[1];
    put32(&mut file, c, kids[0]);
    let out = outcomes(
        &file,
        None,
        &[
            "PRAGMA integrity_check",
            "SELECT count(*) FROM t",
            "DELETE FROM t WHERE id % 2 = 0",
        ],
    )
    .unwrap();
    assert_integrity_names(&out[0], kids[0], "a page referenced twice");
    assert!(
        matches!(&out[1], Ok(_) | Err(Error::Corrupt { .. })),
        "{:?}",
        out[1]
    );
    assert!(
        matches!(&out[2], Ok(_) | Err(Error::Corrupt { .. })),
        "{:?}",
        out[2]
    );
}

#[test]
fn a_payload_size_beyond_the_file_is_corrupt() {
    let (mut file, roots) = sqlite_file(ROWS_WITH_OVERFLOW, &["t"]);
    assert!(file.len() < 16383);
    let (leaf, cell) = table_cell(&file, roots[0], 2);
    // The spilling row's size (two bytes) becomes the largest two-byte
    // varint: 16383 bytes, more than the whole file.
    let (_, len) = varint(&file, cell);
    assert_eq!(len, 2);
    file[cell] = 0xff;
    file[cell + 1] = 0x7f;
    let out = outcomes(
        &file,
        None,
        &["SELECT length(data), hex(data) FROM t WHERE id = 2"],
    )
    .unwrap();
    assert_corrupt(&out[0], Some(leaf), "a payload longer than its chain");
}

#[test]
fn a_header_page_count_beyond_the_file_is_corrupt() {
    let (mut file, _) = sqlite_file(FREELIST, &[]);
    let pages = file.len() / PAGE;
    put32(&mut file, 28, pages + 1000);
    // SQLite refuses the file (its header counts pages the file lacks,
    // and the count is marked valid); so does boundlite.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("o.db");
    std::fs::write(&path, &file).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    let theirs = Exact::theirs(&conn, "SELECT count(*) FROM t").unwrap_err();
    assert!(theirs.to_string().contains("malformed"), "{theirs}");
    let out = outcomes(&file, None, &["SELECT count(*) FROM t"]);
    assert_corrupt(
        &out.and_then(|o| o.into_iter().next().unwrap()),
        Some(1),
        "a page count past the file",
    );
}

#[test]
fn bogus_serial_types_ten_and_eleven_are_corrupt_naming_the_page() {
    for bogus in [10u8, 11] {
        let (mut file, roots) = sqlite_file(
            "CREATE TABLE t(id INTEGER PRIMARY KEY, a INT, b TEXT);
             INSERT INTO t VALUES (1, 5, 'x'), (2, 6, 'y');",
            &["t"],
        );
        let cell = cells(&file, roots[0])[0];
        let (_, a) = varint(&file, cell);
        let (_, b) = varint(&file, cell + a);
        // The record header: its length, then the columns' serial types
        // (the rowid alias NULL, the integer, the text).
        let record = cell + a + b;
        assert_eq!(file[record + 1], 0, "the rowid column is NULL");
        file[record + 2] = bogus;
        let out = outcomes(
            &file,
            None,
            &["SELECT a FROM t", "SELECT sum(a), count(b) FROM t"],
        )
        .unwrap();
        for o in &out {
            assert_corrupt(o, Some(roots[0]), &format!("serial type {bogus}"));
        }
    }
}

/// A schema row's stored SQL, changed in place at the end of `from`'s
/// first occurrence to `to` of the same length.
fn edit_schema_sql(file: &mut [u8], from: &str, to: &str) {
    assert_eq!(from.len(), to.len());
    let at = file[..PAGE]
        .windows(from.len())
        .position(|w| w == from.as_bytes())
        .expect("the schema text");
    file[at..at + to.len()].copy_from_slice(to.as_bytes());
}

const TWO_TABLES: &str = "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, v INT);
    CREATE INDEX t_name ON t(name);
    CREATE TABLE other(x);
    INSERT INTO t VALUES (1, 'a', 10), (2, 'b', 20), (3, 'a', 30);";

#[test]
fn an_unparsable_schema_row_is_corrupt() {
    let (mut file, _) = sqlite_file(TWO_TABLES, &[]);
    edit_schema_sql(&mut file, "CREATE TABLE other(x)", "CREATE TABLE other(x ");
    // SQLite refuses every statement; boundlite reads the schema rows a
    // statement needs, and refuses those that need the damaged one.
    let out = outcomes(
        &file,
        None,
        &["SELECT x FROM other", "SELECT count(*) FROM t"],
    )
    .unwrap();
    assert_corrupt(&out[0], Some(1), "an unfinished CREATE");
    assert!(
        matches!(&out[1], Ok(_) | Err(Error::Corrupt { .. })),
        "{:?}",
        out[1]
    );
}

#[test]
fn an_unrecognized_token_in_a_schema_row_is_corrupt() {
    let (mut file, _) = sqlite_file(TWO_TABLES, &[]);
    edit_schema_sql(&mut file, "CREATE TABLE other(x)", "CREATE TABLE other(`)");
    let out = outcomes(&file, None, &["SELECT * FROM other"]);
    let outcome = out.and_then(|o| o.into_iter().next().unwrap());
    assert_corrupt(&outcome, Some(1), "an unrecognized token in the schema");
    assert!(
        outcome.unwrap_err().to_string().contains("malformed"),
        "the message says the file is damaged"
    );
}

#[test]
fn an_index_entry_naming_a_missing_row_is_corrupt() {
    let (mut file, roots) = sqlite_file(TWO_TABLES, &["t_name"]);
    // The index's entries are (name, rowid); the second is ('a', 3): its
    // rowid becomes 9, a row the table does not have.
    let cell = cells(&file, roots[0])[1];
    let (_, a) = varint(&file, cell);
    let record = cell + a;
    assert_eq!(&file[record..record + 3], &[3, 15, 1], "text 'a', int 3");
    assert_eq!(file[record + 4], 3);
    file[record + 4] = 9;
    let out = outcomes(&file, None, &["SELECT id, v FROM t WHERE name = 'a'"]).unwrap();
    assert_corrupt(&out[0], Some(roots[0]), "an index entry naming no row");
}

#[test]
fn a_grouped_query_over_a_damaged_row_is_corrupt() {
    let (mut file, roots) = sqlite_file(TWO_TABLES, &["t"]);
    let cell = cells(&file, roots[0])[1];
    let (_, a) = varint(&file, cell);
    let (_, b) = varint(&file, cell + a);
    // The record's header length grows past its payload.
    file[cell + a + b] = 0x40;
    let out = outcomes(
        &file,
        None,
        &[
            "SELECT name, count(*) FROM t GROUP BY name",
            "SELECT name, count(*) FROM t INDEXED BY t_name GROUP BY name HAVING count(*) > 0",
        ],
    )
    .unwrap();
    assert_corrupt(&out[0], Some(roots[0]), "grouping a damaged row");
    assert!(
        matches!(&out[1], Ok(_) | Err(Error::Corrupt { .. })),
        "{:?}",
        out[1]
    );
}

#[test]
fn a_reserved_table_name_is_refused() {
    let out = outcomes(
        &sqlite_file(TWO_TABLES, &[]).0,
        None,
        &[
            "CREATE TABLE sqlite_evil(a)",
            "SELECT count(*) FROM sqlite_schema",
        ],
    )
    .unwrap();
    let e = out[0].as_ref().unwrap_err();
    assert!(
        e.to_string()
            .contains("object name reserved for internal use: sqlite_evil"),
        "{e}"
    );
    assert_eq!(out[1].as_ref().unwrap(), &vec![vec![Exact::Int(3)]]);
}

/// A database in WAL mode SQLite leaves with `commits` in its log (its
/// connection still open, so nothing is checkpointed): the file and log.
fn sqlite_wal(commits: &[&str]) -> (Vec<u8>, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(&format!("PRAGMA page_size = {PAGE}"))
        .unwrap();
    conn.query_row("PRAGMA journal_mode=WAL", [], |_| Ok(()))
        .unwrap();
    conn.execute_batch("PRAGMA wal_autocheckpoint=0; CREATE TABLE t(a);")
        .unwrap();
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    for sql in commits {
        conn.execute_batch(sql).unwrap();
    }
    let file = std::fs::read(&path).unwrap();
    let log = std::fs::read(dir.path().join("w.db-wal")).unwrap();
    (file, log)
}

/// What SQLite reads from `file` with `log` beside it.
fn sqlite_reads(file: &[u8], log: &[u8], sql: &str) -> Rows {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.db");
    std::fs::write(&path, file).unwrap();
    std::fs::write(dir.path().join("c.db-wal"), log).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    Exact::theirs_ok(&conn, sql)
}

#[test]
fn a_bad_checksum_in_the_middle_of_the_log_ends_it_there() {
    let (file, mut log) = sqlite_wal(&[
        "INSERT INTO t VALUES (1)",
        "INSERT INTO t VALUES (2)",
        "INSERT INTO t VALUES (3)",
    ]);
    let frame = 24 + PAGE;
    let frames = (log.len() - 32) / frame;
    assert_eq!(frames, 3, "one frame a commit");
    // The second frame's page bytes change: its checksum no longer holds,
    // so the log ends after the first commit, as SQLite reads it.
    log[32 + frame + 24 + 500] ^= 0x55;
    let query = "SELECT count(*), max(a) FROM t";
    let want = sqlite_reads(&file, &log, query);
    assert_eq!(want, vec![vec![Exact::Int(1), Exact::Int(1)]]);
    let out = outcomes(&file, Some(&log), &[query, "PRAGMA integrity_check"]).unwrap();
    assert_eq!(out[0].as_ref().unwrap(), &want);
    assert_eq!(
        out[1].as_ref().unwrap(),
        &vec![vec![Exact::Text(b"ok".to_vec())]]
    );
}

#[test]
fn a_damaged_page_one_with_a_good_one_in_the_log_reads() {
    let (mut file, log) = sqlite_wal(&["INSERT INTO t VALUES (1), (2)", "CREATE TABLE u(b)"]);
    file[..100].fill(0xAB);
    let query = "SELECT name FROM sqlite_schema ORDER BY name";
    let want = sqlite_reads(&file, &log, query);
    assert_eq!(want.len(), 2);
    let out = outcomes(&file, Some(&log), &[query, "SELECT count(*) FROM t"]).unwrap();
    assert_eq!(out[0].as_ref().unwrap(), &want);
    assert_eq!(out[1].as_ref().unwrap(), &vec![vec![Exact::Int(2)]]);
}

/// Byte ranges of the whole frames of an MVCC log (`docs/mvcc.md`).
fn mvcc_frames(log: &[u8]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut at = 32;
    while at + 32 <= log.len() {
        let body = be32(log, at);
        let end = at + 32 + body.div_ceil(8) * 8;
        if end > log.len() {
            break;
        }
        out.push(at..end);
        at = end;
    }
    out
}

/// Opens the MVCC base of the fuzz targets with `log` beside it, in the
/// arena: the open's error, or which of the base's six commits it
/// recovered (commit `c` inserted row `10 + c` of `k`).
fn mvcc_recovered(log: &[u8]) -> Result<Vec<i64>, Error> {
    use boundlite::RowId;
    let (file, wal, _) = boundlite_tests::fuzz_targets::mvcc_base();
    let disk = MemoryPlatform::new();
    disk.write_file("m.db", file).unwrap();
    disk.write_file("m.db-wal", wal).unwrap();
    disk.write_file("m.db-log", log).unwrap();
    let mut buffer = vec![0u8; ARENA_BYTES];
    let arena = Arena::new(&mut buffer).unwrap();
    let out = {
        let db = Database::open(&disk, "m.db", &Config::DEFAULT, &arena)?;
        let root = db.schema()?.table("k").unwrap().root.unwrap();
        let txn = db.begin_mvcc()?;
        let mut record = boundlite::alloc::Vec::new_in(&arena);
        let mut seen = Vec::new();
        for commit in 0..6 {
            if txn.read(root, RowId::new(10 + commit), &mut record)? {
                seen.push(commit);
            }
        }
        seen
    };
    assert_eq!(arena.stats().live_allocations, 0, "all freed");
    Ok(out)
}

#[test]
fn an_mvcc_log_frame_writing_to_a_page_that_is_no_table_root_is_corrupt_naming_it() {
    use boundlite_tests::fuzz_targets::{mvcc_base, mvcc_sealed};
    let (_, _, log) = mvcc_base();
    assert_eq!(mvcc_recovered(log).unwrap(), vec![0, 1, 2, 3, 4, 5]);
    let first = mvcc_frames(log)[0].start + 32;
    assert_eq!(log[first], 2, "the first operation is an update");
    let (file, wal, _) = mvcc_base();
    let disk = MemoryPlatform::new();
    disk.write_file("m.db", file).unwrap();
    disk.write_file("m.db-wal", wal).unwrap();
    let (user_tables, pages) = {
        let db = Database::open(&disk, "m.db", &Config::DEFAULT, boundlite::alloc::Global).unwrap();
        let schema = db.schema().unwrap();
        let root = |name| schema.table(name).unwrap().root.unwrap().get() as usize;
        ([root("t"), root("k")], db.page_count() as usize)
    };
    // Every page but the two user tables' roots: sqlite_schema, the
    // sqlite_mvcc boundary table, the trees' other pages, and pages past
    // the file.
    let mut refused = 0;
    for page in (1..=pages + 1).chain([5000]) {
        let mut damaged = log.clone();
        put32(&mut damaged, first + 1, page);
        let outcome = mvcc_recovered(&mvcc_sealed(&damaged));
        if user_tables.contains(&page) {
            assert!(
                outcome.is_ok(),
                "a log write to table root {page}: {outcome:?}"
            );
        } else {
            assert_corrupt(&outcome, Some(page), &format!("a log write to page {page}"));
            refused += 1;
        }
    }
    assert!(refused >= 5, "{refused} pages refused");
}

#[test]
fn a_damaged_mvcc_log_header_fails_closed() {
    let (_, _, log) = boundlite_tests::fuzz_targets::mvcc_base();
    for at in [0, 5, 9, 20, 30] {
        let mut damaged = log.clone();
        damaged[at] ^= 0x40;
        let outcome = mvcc_recovered(&damaged);
        assert_corrupt(&outcome, None, &format!("log header byte {at}"));
        assert!(
            outcome.unwrap_err().to_string().contains("MVCC log header"),
            "byte {at}"
        );
    }
}

#[test]
fn an_mvcc_log_with_a_bad_checksum_in_its_middle_ends_before_that_frame() {
    let (_, _, log) = boundlite_tests::fuzz_targets::mvcc_base();
    let frames = mvcc_frames(log);
    assert_eq!(frames.len(), 6, "one frame a commit");
    for (n, frame) in frames.iter().enumerate() {
        let mut damaged = log.clone();
        damaged[frame.end - 9] ^= 0x01;
        let want: Vec<i64> = (0..n as i64).collect();
        assert_eq!(mvcc_recovered(&damaged).unwrap(), want, "frame {n} damaged");
        // A frame cut short is a torn tail: the commits before it stay.
        let torn = &log[..frame.end - 3];
        assert_eq!(mvcc_recovered(torn).unwrap(), want, "frame {n} torn");
    }
}

#[test]
fn an_mvcc_log_timestamp_past_the_largest_integer_is_corrupt_and_the_last_one_leaves_commits_full()
{
    use boundlite_tests::fuzz_targets::{mvcc_base, mvcc_sealed};
    let (_, _, log) = mvcc_base();
    let frames = mvcc_frames(log);
    let last = frames.last().unwrap().start;
    let with_last_commit_at = |ts: u64| {
        let mut damaged = log.clone();
        damaged[last + 8..last + 16].copy_from_slice(&ts.to_be_bytes());
        mvcc_sealed(&damaged)
    };
    // Found by the mvcc_log_read fuzz target: past 2^63 - 1 the
    // boundary could not be recorded, and the next commit failed as misuse.
    for ts in [1 << 63, u64::MAX] {
        assert_corrupt(
            &mvcc_recovered(&with_last_commit_at(ts)),
            None,
            &format!("a commit at {ts}"),
        );
    }
    let at_max = with_last_commit_at(i64::MAX as u64);
    assert_eq!(mvcc_recovered(&at_max).unwrap(), vec![0, 1, 2, 3, 4, 5]);
    let (file, wal, _) = mvcc_base();
    let disk = MemoryPlatform::new();
    disk.write_file("m.db", file).unwrap();
    disk.write_file("m.db-wal", wal).unwrap();
    disk.write_file("m.db-log", &at_max).unwrap();
    let db = Database::open(&disk, "m.db", &Config::DEFAULT, boundlite::alloc::Global).unwrap();
    let root = db.schema().unwrap().table("k").unwrap().root.unwrap();
    let mut txn = db.begin_mvcc().unwrap();
    txn.write(
        root,
        boundlite::RowId::new(99),
        boundlite::mvcc::store::Change::Delete,
    )
    .unwrap();
    assert_eq!(txn.commit().unwrap_err(), Error::Full, "the clock is spent");
    // A checkpoint still hands every commit to the file.
    let conn = db.connect();
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)", ()).unwrap();
    conn.execute("PRAGMA journal_mode = wal", ()).unwrap();
    let count: i64 = conn
        .query_row("SELECT count(*) FROM k", (), |r| r.get(0))
        .unwrap();
    assert_eq!(count, 8);
}
