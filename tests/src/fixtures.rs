//! Databases written by SQLite, with what SQLite reads back from them.
//!
//! [`build`] runs SQL on a fresh file through rusqlite (bundled SQLite) and
//! returns the file's bytes together with SQLite's own view of every table
//! (rowid and the values its record stores) and every index (its entries in
//! index order). [`standard`] builds the shapes the B-tree read tests walk:
//! page sizes 512 to 65536, empty tables, multi-level trees, payloads on
//! both sides of every overflow threshold and over several overflow pages,
//! multi-column and mixed-type indexes, freelists and a vacuumed file.
//!
//! Values are given as the record stores them, which differs from what a
//! query returns in two ways a reader must undo itself: an `INTEGER PRIMARY
//! KEY` column is stored as NULL (the rowid holds it), and a REAL-affinity
//! column may store an integral value as an INTEGER. The first is applied
//! here; the second is reported per column in `real_affinity` for the
//! reader to apply.

use std::path::Path;

use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags};

/// A database file SQLite wrote, and what SQLite reads from it.
#[derive(Debug, Clone)]
pub struct Fixture {
    /// A name for messages: the shape and the page size.
    pub name: String,
    /// The page size the file was written with.
    pub page_size: u32,
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// `PRAGMA page_count`.
    pub page_count: u32,
    /// `PRAGMA freelist_count`.
    pub freelist_count: u32,
    /// Every table with a B-tree, the schema table (root page 1) first.
    pub tables: Vec<Table>,
    /// Every index with a B-tree.
    pub indexes: Vec<Index>,
}

/// One table and its rows.
#[derive(Debug, Clone)]
pub struct Table {
    /// The table's name (`sqlite_schema` for the schema table).
    pub name: String,
    /// Its root page.
    pub root: u32,
    /// Whether each column has REAL affinity.
    pub real_affinity: Vec<bool>,
    /// Its rows in rowid order: the rowid, then the record's values.
    pub rows: Vec<(i64, Vec<Value>)>,
}

/// One index and its entries.
#[derive(Debug, Clone)]
pub struct Index {
    /// The index's name.
    pub name: String,
    /// The table it indexes.
    pub table: String,
    /// Its root page.
    pub root: u32,
    /// Each key column's order and collation; the rowid that ends every
    /// entry is not listed.
    pub columns: Vec<IndexColumn>,
    /// Whether each entry column (the key columns, then the rowid) has
    /// REAL affinity.
    pub real_affinity: Vec<bool>,
    /// The entries in index order: the key columns' values, then the rowid.
    pub entries: Vec<Vec<Value>>,
}

/// How one key column of an index sorts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexColumn {
    /// Whether the column is `DESC`.
    pub descending: bool,
    /// The collation's name as SQLite reports it (`BINARY`, `NOCASE`,
    /// `RTRIM`).
    pub collation: String,
}

/// Runs `sql` on a fresh database of `page_size`-byte pages and returns
/// the file with SQLite's view of it.
pub fn build(name: &str, page_size: u32, sql: &str) -> Fixture {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("fixture.db");
    {
        let conn = Connection::open(&path).expect("open");
        conn.execute_batch(&format!("PRAGMA page_size={page_size};"))
            .expect("page size");
        conn.execute_batch(sql)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        conn.close().expect("close");
    }
    let bytes = std::fs::read(&path).expect("read the file");
    let fixture = read_back(&path, bytes);
    Fixture {
        name: format!("{name} ({page_size})"),
        page_size,
        ..fixture
    }
}

/// SQLite's view of the database at `path`, whose bytes are `bytes`.
fn read_back(path: &Path, bytes: Vec<u8>) -> Fixture {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open");
    let pragma = |name: &str| -> u32 {
        conn.query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))
            .expect("pragma")
    };
    let (page_count, freelist_count) = (pragma("page_count"), pragma("freelist_count"));
    let schema = rows_of(
        &conn,
        "SELECT rowid, type, name, tbl_name, rootpage, sql FROM sqlite_schema ORDER BY rowid",
        None,
    );
    let mut tables = vec![Table {
        name: "sqlite_schema".into(),
        root: 1,
        real_affinity: vec![false; 5],
        rows: schema.clone(),
    }];
    let mut indexes = Vec::new();
    for (_, row) in &schema {
        let [
            Value::Text(kind),
            Value::Text(name),
            Value::Text(table),
            Value::Integer(root),
            sql,
        ] = &row[..]
        else {
            continue;
        };
        let sql = match sql {
            Value::Text(sql) => sql.to_ascii_uppercase(),
            _ => String::new(),
        };
        // Virtual tables and views have no tree; WITHOUT ROWID tables and
        // partial indexes are shapes these fixtures do not make.
        if *root == 0 || sql.contains("WITHOUT ROWID") || sql.contains(" WHERE ") {
            continue;
        }
        let root = *root as u32;
        match kind.as_str() {
            "table" => tables.push(table_of(&conn, name, root)),
            "index" => indexes.push(index_of(&conn, name, table, root)),
            _ => {}
        }
    }
    Fixture {
        name: String::new(),
        page_size: 0,
        bytes,
        page_count,
        freelist_count,
        tables,
        indexes,
    }
}

/// A column of `PRAGMA table_info`: name, declared type, primary key rank.
struct ColumnInfo {
    name: String,
    declared: String,
    pk: i64,
}

fn columns_of(conn: &Connection, table: &str) -> Vec<ColumnInfo> {
    let mut stmt = conn
        .prepare(&format!("PRAGMA table_info({})", quote(table)))
        .expect("table_info");
    stmt.query_map([], |r| {
        Ok(ColumnInfo {
            name: r.get(1)?,
            declared: r.get(2)?,
            pk: r.get(5)?,
        })
    })
    .expect("table_info")
    .map(|c| c.expect("column"))
    .collect()
}

fn table_of(conn: &Connection, name: &str, root: u32) -> Table {
    let columns = columns_of(conn, name);
    let pks: Vec<usize> = (0..columns.len()).filter(|&i| columns[i].pk > 0).collect();
    // A lone INTEGER PRIMARY KEY column aliases the rowid: stored as NULL.
    let alias = match pks[..] {
        [i] if columns[i].declared.eq_ignore_ascii_case("INTEGER") => Some(i),
        _ => None,
    };
    let sql = format!("SELECT rowid, * FROM {} ORDER BY rowid", quote(name));
    Table {
        name: name.into(),
        root,
        real_affinity: columns.iter().map(|c| is_real(&c.declared)).collect(),
        rows: rows_of(conn, &sql, alias),
    }
}

fn index_of(conn: &Connection, name: &str, table: &str, root: u32) -> Index {
    let table_columns = columns_of(conn, table);
    let mut stmt = conn
        .prepare(&format!("PRAGMA index_xinfo({})", quote(name)))
        .expect("index_xinfo");
    // (cid, desc, collation, key) per entry column; cid -1 is the rowid.
    let info: Vec<(i64, bool, String, bool)> = stmt
        .query_map([], |r| Ok((r.get(1)?, r.get(3)?, r.get(4)?, r.get(5)?)))
        .expect("index_xinfo")
        .map(|c| c.expect("index column"))
        .collect();
    let keys: Vec<_> = info.iter().filter(|c| c.3).collect();
    let column_name = |cid: i64| quote(&table_columns[cid as usize].name);
    let select: Vec<String> = keys.iter().map(|c| column_name(c.0)).collect();
    let order: Vec<String> = keys
        .iter()
        .map(|c| {
            let dir = if c.1 { "DESC" } else { "ASC" };
            format!("{} COLLATE {} {dir}", column_name(c.0), c.2)
        })
        .collect();
    let sql = format!(
        "SELECT {}, rowid FROM {} ORDER BY {}, rowid",
        select.join(", "),
        quote(table),
        order.join(", ")
    );
    let mut real_affinity: Vec<bool> = keys
        .iter()
        .map(|c| is_real(&table_columns[c.0 as usize].declared))
        .collect();
    real_affinity.push(false);
    Index {
        name: name.into(),
        table: table.into(),
        root,
        columns: keys
            .iter()
            .map(|c| IndexColumn {
                descending: c.1,
                collation: c.2.clone(),
            })
            .collect(),
        real_affinity,
        entries: query(conn, &sql),
    }
}

/// Runs `sql` and returns its rows.
fn query(conn: &Connection, sql: &str) -> Vec<Vec<Value>> {
    let mut stmt = conn.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    let count = stmt.column_count();
    stmt.query_map([], |r| (0..count).map(|i| r.get(i)).collect())
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .map(|row| row.expect("row"))
        .collect()
}

/// Runs `sql`, whose first column is a rowid, and returns each row as the
/// rowid and the other columns; column `alias` of those reads as NULL.
fn rows_of(conn: &Connection, sql: &str, alias: Option<usize>) -> Vec<(i64, Vec<Value>)> {
    query(conn, sql)
        .into_iter()
        .map(|mut row| {
            let Value::Integer(rowid) = row.remove(0) else {
                panic!("{sql}: the first column is not a rowid");
            };
            if let Some(slot) = alias.and_then(|i| row.get_mut(i)) {
                *slot = Value::Null;
            }
            (rowid, row)
        })
        .collect()
}

/// Whether a declared type gives REAL affinity (SQLite's rules, in order:
/// INT, then CHAR/CLOB/TEXT, then BLOB or none, then REAL/FLOA/DOUB).
fn is_real(declared: &str) -> bool {
    let t = declared.to_ascii_uppercase();
    if t.contains("INT")
        || ["CHAR", "CLOB", "TEXT", "BLOB"]
            .iter()
            .any(|s| t.contains(s))
    {
        return false;
    }
    ["REAL", "FLOA", "DOUB"].iter().any(|s| t.contains(s))
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The page sizes the standard fixtures use.
pub const PAGE_SIZES: [u32; 4] = [512, 1024, 4096, 65536];

/// SQLite's largest local payload on table leaves (`X` for tables).
pub fn table_max_local(usable: u32) -> u32 {
    usable - 35
}

/// SQLite's largest local payload on index pages (`X` for indexes).
pub fn index_max_local(usable: u32) -> u32 {
    (usable - 12) * 64 / 255 - 23
}

/// SQLite's smallest local part of a spilled payload (`M`).
pub fn min_local(usable: u32) -> u32 {
    (usable - 12) * 32 / 255 - 23
}

/// Blob sizes that put a record holding one blob on both sides of every
/// size where the local-payload rule changes (`X`, and `X` and `M` plus
/// whole overflow pages), for payloads spilling up to `max_pages` overflow
/// pages. A record is its blob plus `overhead` bytes or so (header, key).
fn sizes_around(max_local: u32, usable: u32, max_pages: u32, overhead: u32) -> Vec<u32> {
    let min = min_local(usable);
    let spread = if usable >= 65536 { 3 } else { 6 };
    let mut sizes = vec![0, 1, 100];
    for pages in 0..=max_pages {
        for edge in [max_local + pages * (usable - 4), min + pages * (usable - 4)] {
            let centre = edge.saturating_sub(overhead);
            sizes.extend(centre.saturating_sub(spread)..=centre + spread);
        }
    }
    sizes.sort_unstable();
    sizes.dedup();
    sizes
}

/// Tables of every shape a reader meets, indexes over them, at `page_size`.
fn shapes_sql(page_size: u32) -> String {
    // Enough rows for interior pages at every page size.
    let rows = if page_size >= 65536 { 12_000 } else { 3_000 };
    format!(
        "CREATE TABLE empty(a, b);
         CREATE INDEX empty_a ON empty(a);
         CREATE TABLE rows(id INTEGER PRIMARY KEY, a INT, b TEXT, c BLOB, d REAL);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows})
         INSERT INTO rows(a, b, c, d)
           SELECT (i * 7919) % 1000 - 500,
                  CASE WHEN i % 13 = 0 THEN NULL ELSE 'text ' || (i * 31 % 977) END,
                  CASE WHEN i % 11 = 0 THEN NULL ELSE randomblob(i % 40) END,
                  CASE WHEN i % 7 = 0 THEN NULL ELSE (i % 50) * 0.25 END
           FROM n;
         CREATE INDEX rows_a ON rows(a);
         CREATE INDEX rows_b_d ON rows(b, d DESC);
         CREATE INDEX rows_c_a ON rows(c, a);
         CREATE TABLE mixed(v, w TEXT COLLATE NOCASE);
         INSERT INTO mixed VALUES
           (NULL, 'b'), (1, 'B'), (-1, 'a'), (0, 'A'), (1.5, 'c'), (2, 'C'), (2.0, 'ab'),
           (9223372036854775807, 'Ab'), (-9223372036854775808, ''), (1e300, ' '),
           (-1e-300, 'z'), ('', 'Z'), ('a', NULL), ('A', NULL), ('2', 'é'), (x'', 'É'),
           (x'00', 'x'), (x'00ff', 'X'), (9007199254740993, 'y'), (9007199254740992.0, 'Y'),
           (0.5, 'b '), (-0.0, 'b'), (127, 'b'), (128, 'b'), (32767, 'b'), (32768, 'b'),
           (8388607, 'b'), (8388608, 'b'), (2147483647, 'b'), (2147483648, 'b'),
           (140737488355327, 'b'), (140737488355328, 'b');
         CREATE INDEX mixed_v ON mixed(v);
         CREATE INDEX mixed_w_v ON mixed(w, v DESC);
         CREATE TABLE uniq(k TEXT UNIQUE, v);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
         INSERT INTO uniq SELECT 'key ' || i, i FROM n;
         CREATE TABLE seq(id INTEGER PRIMARY KEY AUTOINCREMENT, x);
         INSERT INTO seq(x) VALUES ('one'), ('two');
         DELETE FROM seq WHERE x = 'two';"
    )
}

/// Rows whose payloads sit around the overflow thresholds, in a table and
/// in an index, at `page_size`.
fn payloads_sql(page_size: u32) -> String {
    let max_pages = if page_size >= 65536 { 3 } else { 4 };
    let mut sql = String::from(
        "CREATE TABLE big(id INTEGER PRIMARY KEY, x BLOB);
         CREATE TABLE keys(k BLOB, n INT);
         CREATE INDEX keys_k ON keys(k);
         CREATE TABLE texts(t TEXT);
         CREATE INDEX texts_t ON texts(t);",
    );
    // Header size byte, NULL for the rowid alias, the blob's serial type.
    for size in sizes_around(table_max_local(page_size), page_size, max_pages, 4) {
        sql += &format!("INSERT INTO big(x) VALUES (randomblob({size}));");
    }
    // Header size byte, the key's serial type, the rowid's and its body.
    for size in sizes_around(index_max_local(page_size), page_size, max_pages, 5) {
        sql += &format!(
            "INSERT INTO keys VALUES (randomblob({size}), {size});
             INSERT INTO texts VALUES (substr(hex(randomblob({size})), 1, {size}));"
        );
    }
    sql
}

/// A table mostly deleted, and another dropped: a freelist of trunk and
/// leaf pages. The blobs are the same on every run: with random ones the
/// index's shape, and whether `VACUUM` leaves a page on the freelist while
/// it rebuilds the index, changed from run to run.
fn freelist_sql() -> &'static str {
    "CREATE TABLE keep(id INTEGER PRIMARY KEY, x);
     CREATE TABLE gone(x);
     CREATE INDEX keep_x ON keep(x);
     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 600)
     INSERT INTO keep(x) SELECT CAST(printf('%05d', i * 7919 % 600)
         || replace(hex(zeroblob(295 + i % 700)), '00', char(65 + i % 26)) AS BLOB) FROM n;
     INSERT INTO gone SELECT x FROM keep;
     DELETE FROM keep WHERE id % 3 != 0;
     DROP TABLE gone;"
}

/// The standard fixtures: every shape at every page size, a freelist, and
/// the same file vacuumed.
pub fn standard() -> Vec<Fixture> {
    let mut out = Vec::new();
    for page_size in PAGE_SIZES {
        out.push(build("shapes", page_size, &shapes_sql(page_size)));
        out.push(build("payloads", page_size, &payloads_sql(page_size)));
        out.push(build("freelist", page_size, freelist_sql()));
        out.push(build(
            "vacuumed",
            page_size,
            &format!("{} VACUUM;", freelist_sql()),
        ));
    }
    out
}
