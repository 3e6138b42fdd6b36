//! boundlite's side of a run: the database on a file through
//! `StdPlatform`, every byte from the allocator the caller passes
//! (a `Counting<Global>` or an `Arena`), and the [`Session`] the shared
//! driver runs batches through.
//!
//! Each connection prepares `BEGIN`, `COMMIT`, `ROLLBACK` and the four
//! workload statements once; a statement is reset, bound and stepped to the end for
//! every work item, reading every column of every row. The bulk
//! workload's statements are prepared as they come, on the first
//! connection.

use std::path::Path;
use std::time::Instant;

use boundlite::alloc::Allocator;
use boundlite::record::ValueRef;
use boundlite::wal::CheckpointMode;
use boundlite::{Connection, Database, Error, Statement};
use boundlite_std::StdPlatform;

use super::bulk::{Cell, Digest};
use super::driver::{
    BEGIN_CONCURRENT_SQL, BEGIN_SQL, CHECKPOINT_SQL, COMMIT_SQL, MVCC_SQL, ROLLBACK_SQL, Session,
    drive,
};
use super::error::{BenchError, Location, Stage, engine_error};
use super::files;
use super::measure::{HeapSnapshot, Tally};
use super::options::{Engine, Mode, Options};
use super::progress::Progress;
use super::report::Measured;
use super::rss;
use super::workload::{Param, SCHEMA, StatementKind, WorkItem};

type Stmt<'c, 'db, A> = Statement<'c, 'db, StdPlatform, A>;

/// One connection's prepared statements.
struct Prepared<'c, 'db, A: Allocator + Clone> {
    begin: Stmt<'c, 'db, A>,
    commit: Stmt<'c, 'db, A>,
    rollback: Stmt<'c, 'db, A>,
    /// Indexed by [`StatementKind::index`].
    work: [Stmt<'c, 'db, A>; 4],
}

/// boundlite's [`Session`].
struct BoundliteSession<'c, 'db, A: Allocator + Clone> {
    db: &'db Database<StdPlatform, A>,
    first: &'c Connection<'db, StdPlatform, A>,
    conns: Vec<Prepared<'c, 'db, A>>,
    mode: Mode,
}

impl<'c, 'db, A: Allocator + Clone> BoundliteSession<'c, 'db, A> {
    fn prepare(
        db: &'db Database<StdPlatform, A>,
        conns: &'c [Connection<'db, StdPlatform, A>],
        mode: Mode,
    ) -> Result<Self, BenchError> {
        let first = conns
            .first()
            .ok_or_else(|| BenchError::Usage("at least one connection is needed".into()))?;
        let mut prepared = Vec::with_capacity(conns.len());
        for conn in conns {
            let prepare = |sql: &'static str| {
                conn.prepare(sql).map_err(|e| {
                    engine_error(
                        Engine::Boundlite,
                        &e,
                        Location::stage(Stage::Setup).sql(sql),
                    )
                })
            };
            let [insert, select, scan, update] = StatementKind::ALL.map(|k| prepare(k.sql()));
            let begin = match mode {
                Mode::Wal => BEGIN_SQL,
                Mode::Mvcc => BEGIN_CONCURRENT_SQL,
            };
            prepared.push(Prepared {
                begin: prepare(begin)?,
                commit: prepare(COMMIT_SQL)?,
                rollback: prepare(ROLLBACK_SQL)?,
                work: [insert?, select?, scan?, update?],
            });
        }
        Ok(Self {
            db,
            first,
            conns: prepared,
            mode,
        })
    }

    fn conn(&mut self, conn: usize) -> Result<&mut Prepared<'c, 'db, A>, Error> {
        self.conns
            .get_mut(conn)
            .ok_or(Error::Misuse("no such connection"))
    }
}

impl<A: Allocator + Clone> Session for BoundliteSession<'_, '_, A> {
    type Error = Error;
    const ENGINE: Engine = Engine::Boundlite;

    fn connections(&self) -> usize {
        self.conns.len()
    }

    fn begin(&mut self, conn: usize) -> Result<(), Error> {
        run_to_end(&mut self.conn(conn)?.begin)
    }

    fn commit(&mut self, conn: usize) -> Result<(), Error> {
        run_to_end(&mut self.conn(conn)?.commit)
    }

    fn rollback(&mut self, conn: usize) -> Result<(), Error> {
        run_to_end(&mut self.conn(conn)?.rollback)
    }

    fn overlaps(&self) -> bool {
        self.mode == Mode::Mvcc
    }

    fn execute(
        &mut self,
        conn: usize,
        item: &WorkItem,
        text: &mut String,
        tally: &mut Tally,
    ) -> Result<(), Error> {
        let stmt = self
            .conn(conn)?
            .work
            .get_mut(item.kind().index())
            .ok_or(Error::Misuse("no such statement"))?;
        stmt.reset();
        let (params, count) = item.params(text);
        for (i, param) in params.iter().take(count).enumerate() {
            let value = match *param {
                Param::Integer(v) => ValueRef::Integer(v),
                Param::Real(v) => ValueRef::Real(v),
                Param::Text(v) => ValueRef::Text(v.as_bytes()),
            };
            stmt.bind(i + 1, value)?;
        }
        while let Some(row) = stmt.step()? {
            tally.row(
                row.get_i64(0)?,
                row.get_text(1)?.as_bytes(),
                row.get_ref(2)?.as_real(),
            );
        }
        Ok(())
    }

    fn checkpoint(&mut self) -> Result<(), Error> {
        match self.mode {
            Mode::Wal => self.db.checkpoint(CheckpointMode::Truncate).map(|_| ()),
            // The store's commits go into the B-trees first.
            Mode::Mvcc => self.first.execute(CHECKPOINT_SQL, ()).map(|_| ()),
        }
    }

    fn run_sql(&mut self, sql: &str, params: &[i64], digest: &mut Digest) -> Result<u64, Error> {
        let mut stmt = self.first.prepare(sql)?;
        for (i, &param) in params.iter().enumerate() {
            stmt.bind(i + 1, ValueRef::Integer(param))?;
        }
        while let Some(row) = stmt.step()? {
            for value in row.values() {
                digest.value(match value {
                    ValueRef::Null => Cell::Null,
                    ValueRef::Integer(v) => Cell::Integer(v),
                    ValueRef::Real(v) => Cell::Real(v),
                    ValueRef::Text(v) => Cell::Text(v),
                    ValueRef::Blob(v) => Cell::Blob(v),
                });
            }
            digest.end_row();
        }
        Ok(stmt.changes() as u64)
    }
}

/// Runs the workload of `options` on a boundlite database at `path`
/// whose every allocation comes from `alloc` (a fixed heap of `heap` bytes
/// when given); `meter` reads `alloc`'s counters.
pub fn run<A: Allocator + Clone>(
    options: &Options,
    path: &Path,
    heap: Option<usize>,
    alloc: A,
    meter: &dyn Fn() -> HeapSnapshot,
    progress: &mut Progress,
) -> Result<Measured, BenchError> {
    let config = options.boundlite_config(heap)?;
    let name = path
        .to_str()
        .ok_or_else(|| BenchError::Usage(format!("{} is not UTF-8", path.display())))?;
    let peak_reset = rss::reset_peak();
    let rss_at_start = rss::sample().rss_kib;
    let heap_start = meter();
    let start = Instant::now();
    let db = Database::open(StdPlatform::new(), name, &config, alloc)
        .map_err(|e| engine_error(Engine::Boundlite, &e, Location::stage(Stage::Open)))?;
    let mut measured = with_database(&db, options, path, meter, progress, start)?;
    drop(db);
    measured.heap_start = heap_start;
    measured.heap_after_close = meter();
    measured.peak_reset = peak_reset;
    measured.rss_at_start = rss_at_start;
    measured.rss_peak = rss::sample().peak_kib;
    Ok(measured)
}

/// Everything between opening and closing `db`.
fn with_database<A: Allocator + Clone>(
    db: &Database<StdPlatform, A>,
    options: &Options,
    path: &Path,
    meter: &dyn Fn() -> HeapSnapshot,
    progress: &mut Progress,
    opened: Instant,
) -> Result<Measured, BenchError> {
    let conns: Vec<_> = (0..options.connections).map(|_| db.connect()).collect();
    let open = opened.elapsed();
    let rss_after_open = rss::sample().rss_kib;

    let start = Instant::now();
    let first = conns
        .first()
        .ok_or_else(|| BenchError::Usage("at least one connection is needed".into()))?;
    first.execute(SCHEMA, &[]).map_err(|e| {
        engine_error(
            Engine::Boundlite,
            &e,
            Location::stage(Stage::Setup).sql(SCHEMA),
        )
    })?;
    if options.mode == Mode::Mvcc {
        first.execute(MVCC_SQL, ()).map_err(|e| {
            engine_error(
                Engine::Boundlite,
                &e,
                Location::stage(Stage::Setup).sql(MVCC_SQL),
            )
        })?;
    }
    let mut session = BoundliteSession::prepare(db, &conns, options.mode)?;
    let setup_prefix = start.elapsed();

    let driven = drive(&mut session, options, meter, progress)?;
    let files = files::sizes(path);
    let heap_end = meter();
    Ok(Measured {
        open,
        setup_prefix,
        rss_after_open,
        driven,
        heap_end,
        files,
        ..Measured::default()
    })
}

/// Steps `stmt` to its end, from the start.
fn run_to_end<A: Allocator + Clone>(stmt: &mut Stmt<'_, '_, A>) -> Result<(), Error> {
    stmt.reset();
    while stmt.step()?.is_some() {}
    Ok(())
}
