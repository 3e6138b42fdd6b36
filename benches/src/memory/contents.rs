//! Reading a benchmark table back, to check that both engines ended with
//! the same rows.
//!
//! Each file can be read by either engine: SQLite (the oracle) reads
//! boundlite's file as well as its own, and boundlite reads SQLite's.

use std::path::Path;

use boundlite::Config;
use boundlite::alloc::Global;
use boundlite_std::StdPlatform;

use super::error::{BenchError, Location, Stage, engine_error};
use super::options::Engine;
use super::sqlite_memory::with_sqlite;

/// One row of `bench`: `(id, data, value)`.
pub type TableRow = (i64, String, Option<f64>);

/// The query that reads the table back.
const ALL_ROWS: &str = "SELECT id, data, value FROM bench ORDER BY id";

fn sqlite_error(e: &rusqlite::Error) -> BenchError {
    engine_error(Engine::Sqlite, e, Location::stage(Stage::Run).sql(ALL_ROWS))
}

fn boundlite_error(e: &boundlite::Error) -> BenchError {
    engine_error(
        Engine::Boundlite,
        e,
        Location::stage(Stage::Run).sql(ALL_ROWS),
    )
}

/// Every row of `bench` in the database at `path`, read by SQLite.
pub fn sqlite_rows(path: &Path) -> Result<Vec<TableRow>, BenchError> {
    with_sqlite(|| {
        let conn = rusqlite::Connection::open(path).map_err(|e| sqlite_error(&e))?;
        let mut stmt = conn.prepare(ALL_ROWS).map_err(|e| sqlite_error(&e))?;
        let rows = stmt
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .map_err(|e| sqlite_error(&e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| sqlite_error(&e))
    })
}

/// `PRAGMA integrity_check` of the database at `path`, run by SQLite:
/// `"ok"` when it passes.
pub fn sqlite_integrity(path: &Path) -> Result<String, BenchError> {
    with_sqlite(|| {
        let conn = rusqlite::Connection::open(path).map_err(|e| sqlite_error(&e))?;
        conn.query_row("PRAGMA integrity_check", [], |row| row.get(0))
            .map_err(|e| sqlite_error(&e))
    })
}

/// Every row of `bench` in the database at `path`, read by boundlite.
pub fn boundlite_rows(path: &Path) -> Result<Vec<TableRow>, BenchError> {
    let name = path
        .to_str()
        .ok_or_else(|| BenchError::Usage(format!("{} is not UTF-8", path.display())))?;
    let db = boundlite::Database::open(StdPlatform::new(), name, &Config::DEFAULT, Global)
        .map_err(|e| boundlite_error(&e))?;
    let conn = db.connect();
    let mut stmt = conn.prepare(ALL_ROWS).map_err(|e| boundlite_error(&e))?;
    let mut rows = Vec::new();
    while let Some(row) = stmt.step().map_err(|e| boundlite_error(&e))? {
        let read = || -> boundlite::Result<TableRow> {
            Ok((
                row.get_i64(0)?,
                row.get_text(1)?.to_string(),
                row.get_ref(2)?.as_real(),
            ))
        };
        rows.push(read().map_err(|e| boundlite_error(&e))?);
    }
    Ok(rows)
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct Verification {
    /// Rows in boundlite's table, as SQLite reads it.
    pub rows: usize,
    /// Whether SQLite reads the same rows from both files, and boundlite
    /// reads its own file as SQLite does: the engines ended equal.
    pub same_rows: bool,
    /// Rows boundlite reads differently from SQLite's file than SQLite
    /// does, and the first such pair (boundlite's reading, SQLite's).
    pub cross_read_differences: usize,
    /// See `cross_read_differences`.
    pub first_cross_read_difference: Option<(TableRow, TableRow)>,
    /// SQLite's integrity check of boundlite's file.
    pub boundlite_integrity: String,
}

/// Compares the tables of `boundlite_db` and `sqlite_db`, each read by
/// both engines.
pub fn verify(boundlite_db: &Path, sqlite_db: &Path) -> Result<Verification, BenchError> {
    let ours_by_us = boundlite_rows(boundlite_db)?;
    let theirs_by_us = boundlite_rows(sqlite_db)?;
    let ours_by_sqlite = sqlite_rows(boundlite_db)?;
    let theirs_by_sqlite = sqlite_rows(sqlite_db)?;
    let mut differences = theirs_by_us
        .iter()
        .zip(&theirs_by_sqlite)
        .filter(|(a, b)| a != b);
    let first = differences.next().map(|(a, b)| (a.clone(), b.clone()));
    let count = first.is_some() as usize
        + differences.count()
        + theirs_by_us.len().abs_diff(theirs_by_sqlite.len());
    Ok(Verification {
        rows: ours_by_sqlite.len(),
        same_rows: ours_by_sqlite == theirs_by_sqlite && ours_by_us == ours_by_sqlite,
        cross_read_differences: count,
        first_cross_read_difference: first,
        boundlite_integrity: sqlite_integrity(boundlite_db)?,
    })
}
