//! SQLite's side of a run, through rusqlite (bundled): `connections`
//! connections on one file in WAL mode, each preparing `BEGIN`, `COMMIT`
//! and the four workload statements once (the bulk workload's statements
//! are prepared as they come, on the first), under a [`SqliteMemory`]
//! configuration that counts SQLite's allocations.
//!
//! Each connection gets the run's page size (before the file exists),
//! `journal_mode=WAL`, `cache_size`, `synchronous=FULL` (SQLite's default,
//! spelled out: both engines sync the log on every commit) and
//! `busy_timeout`.

use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::types::ValueRef;
use rusqlite::{Connection, Statement};

use super::bulk::{Cell, Digest};
use super::driver::{BEGIN_SQL, CHECKPOINT_SQL, COMMIT_SQL, ROLLBACK_SQL, Session, drive};
use super::error::{BenchError, Location, Stage, engine_error};
use super::files;
use super::measure::Tally;
use super::options::{Engine, Options};
use super::progress::Progress;
use super::report::Measured;
use super::rss;
use super::sqlite_memory::{SqliteHeap, SqliteMemory};
use super::workload::{Param, SCHEMA, StatementKind, WorkItem};

/// One connection's prepared statements.
struct Prepared<'c> {
    begin: Statement<'c>,
    commit: Statement<'c>,
    rollback: Statement<'c>,
    /// Indexed by [`StatementKind::index`].
    work: [Statement<'c>; 4],
}

/// SQLite's [`Session`].
struct SqliteSession<'c> {
    first: &'c Connection,
    conns: Vec<Prepared<'c>>,
}

fn missing() -> rusqlite::Error {
    rusqlite::Error::InvalidParameterName("no such connection or statement".into())
}

impl<'c> SqliteSession<'c> {
    fn prepare(conns: &'c [Connection]) -> Result<Self, BenchError> {
        let first = conns
            .first()
            .ok_or_else(|| BenchError::Usage("at least one connection is needed".into()))?;
        let mut prepared = Vec::with_capacity(conns.len());
        for conn in conns {
            let prepare = |sql: &'static str| {
                conn.prepare(sql).map_err(|e| {
                    engine_error(Engine::Sqlite, &e, Location::stage(Stage::Setup).sql(sql))
                })
            };
            let [insert, select, scan, update] = StatementKind::ALL.map(|k| prepare(k.sql()));
            prepared.push(Prepared {
                begin: prepare(BEGIN_SQL)?,
                commit: prepare(COMMIT_SQL)?,
                rollback: prepare(ROLLBACK_SQL)?,
                work: [insert?, select?, scan?, update?],
            });
        }
        Ok(Self {
            first,
            conns: prepared,
        })
    }

    fn conn(&mut self, conn: usize) -> rusqlite::Result<&mut Prepared<'c>> {
        self.conns.get_mut(conn).ok_or_else(missing)
    }
}

impl Session for SqliteSession<'_> {
    type Error = rusqlite::Error;
    const ENGINE: Engine = Engine::Sqlite;

    fn connections(&self) -> usize {
        self.conns.len()
    }

    fn begin(&mut self, conn: usize) -> rusqlite::Result<()> {
        self.conn(conn)?.begin.raw_execute().map(|_| ())
    }

    fn commit(&mut self, conn: usize) -> rusqlite::Result<()> {
        self.conn(conn)?.commit.raw_execute().map(|_| ())
    }

    fn rollback(&mut self, conn: usize) -> rusqlite::Result<()> {
        self.conn(conn)?.rollback.raw_execute().map(|_| ())
    }

    fn overlaps(&self) -> bool {
        false
    }

    fn execute(
        &mut self,
        conn: usize,
        item: &WorkItem,
        text: &mut String,
        tally: &mut Tally,
    ) -> rusqlite::Result<()> {
        let stmt = self
            .conn(conn)?
            .work
            .get_mut(item.kind().index())
            .ok_or_else(missing)?;
        let (params, count) = item.params(text);
        for (i, param) in params.iter().take(count).enumerate() {
            match *param {
                Param::Integer(v) => stmt.raw_bind_parameter(i + 1, v)?,
                Param::Real(v) => stmt.raw_bind_parameter(i + 1, v)?,
                Param::Text(v) => stmt.raw_bind_parameter(i + 1, v)?,
            }
        }
        if !item.kind().is_query() {
            stmt.raw_execute()?;
            return Ok(());
        }
        let mut rows = stmt.raw_query();
        while let Some(row) = rows.next()? {
            tally.row(
                row.get_ref(0)?.as_i64()?,
                row.get_ref(1)?.as_bytes()?,
                row.get_ref(2)?.as_f64_or_null()?,
            );
        }
        Ok(())
    }

    fn checkpoint(&mut self) -> rusqlite::Result<()> {
        self.first
            .query_row(CHECKPOINT_SQL, [], |row| row.get::<_, i64>(0))
            .map(|_| ())
    }

    fn run_sql(&mut self, sql: &str, params: &[i64], digest: &mut Digest) -> rusqlite::Result<u64> {
        let mut stmt = self.first.prepare(sql)?;
        for (i, &param) in params.iter().enumerate() {
            stmt.raw_bind_parameter(i + 1, param)?;
        }
        let columns = stmt.column_count();
        let mut rows = stmt.raw_query();
        while let Some(row) = rows.next()? {
            for i in 0..columns {
                digest.value(match row.get_ref(i)? {
                    ValueRef::Null => Cell::Null,
                    ValueRef::Integer(v) => Cell::Integer(v),
                    ValueRef::Real(v) => Cell::Real(v),
                    ValueRef::Text(v) => Cell::Text(v),
                    ValueRef::Blob(v) => Cell::Blob(v),
                });
            }
            digest.end_row();
        }
        Ok(self.first.changes())
    }
}

/// Opens connection number `n` on `path` with the run's settings.
fn open(options: &Options, path: &Path, n: usize) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    if n == 0 {
        // Only takes effect before the file has its first page.
        conn.pragma_update(None, "page_size", options.page_size)?;
    }
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(rusqlite::Error::InvalidParameterName(format!(
            "journal_mode stayed {mode}"
        )));
    }
    conn.pragma_update(None, "cache_size", options.cache_size)?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.busy_timeout(Duration::from_millis(options.timeout_ms))?;
    Ok(conn)
}

/// Runs the workload of `options` on a SQLite database at `path` with
/// SQLite's memory on `heap`.
pub fn run(
    options: &Options,
    path: &Path,
    heap: SqliteHeap,
    progress: &mut Progress,
) -> Result<Measured, BenchError> {
    let memory = SqliteMemory::configure(heap)?;
    let meter = || memory.snapshot();
    let peak_reset = rss::reset_peak();
    let rss_at_start = rss::sample().rss_kib;
    let heap_start = meter();
    let start = Instant::now();
    let mut conns = Vec::with_capacity(options.connections);
    for n in 0..options.connections {
        conns.push(
            open(options, path, n)
                .map_err(|e| engine_error(Engine::Sqlite, &e, Location::stage(Stage::Open)))?,
        );
    }
    let open_time = start.elapsed();
    let rss_after_open = rss::sample().rss_kib;

    let start = Instant::now();
    let first = conns
        .first()
        .ok_or_else(|| BenchError::Usage("at least one connection is needed".into()))?;
    first.execute_batch(SCHEMA).map_err(|e| {
        engine_error(
            Engine::Sqlite,
            &e,
            Location::stage(Stage::Setup).sql(SCHEMA),
        )
    })?;
    let (driven, files, heap_end, setup_prefix) = {
        let mut session = SqliteSession::prepare(&conns)?;
        let setup_prefix = start.elapsed();
        let driven = drive(&mut session, options, &meter, progress)?;
        (driven, files::sizes(path), meter(), setup_prefix)
    };
    drop(conns);
    let heap_after_close = meter();
    let fixed_heap = memory.heap_bytes();
    drop(memory);
    Ok(Measured {
        open: open_time,
        setup_prefix,
        rss_at_start,
        rss_after_open,
        driven,
        heap_start,
        heap_end,
        heap_after_close,
        files,
        peak_reset,
        rss_peak: rss::sample().peak_kib,
        fixed_heap,
    })
}
