//! The table the bounded-memory tests of sorting and aggregates read: far
//! larger than the arenas they run in, written by SQLite.

/// A table `t(id INTEGER PRIMARY KEY, name TEXT, grp INT, score REAL)` of
/// `rows` rows: `rows` distinct names in scrambled order, 20,000 groups of
/// `grp` and 1,000 scores, in 4 KiB pages. The file's bytes, SQLite's
/// connection to it, and the directory that holds it.
pub fn scrambled_table(rows: i64) -> (Vec<u8>, rusqlite::Connection, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("big.db");
    let conn = rusqlite::Connection::open(&path).expect("SQLite opens the file");
    conn.execute_batch(&format!(
        "PRAGMA page_size = 4096;
         CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, grp INT, score REAL);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows})
         INSERT INTO t SELECT i, 'name_' || ((i * 7919) % {rows}), i % 20000, ((i * 37) % 1000) * 1.5 FROM n;"
    ))
    .expect("SQLite writes the table");
    let bytes = std::fs::read(&path).expect("the file reads back");
    (bytes, conn, dir)
}

/// What a statement needs besides its sorts and the page cache: the
/// parsed statement, the schema, the source's cursor and row buffers,
/// its result columns' names, and room for the arena's fragments.
pub const STATEMENT_SLACK: usize = 52 * 1024;
