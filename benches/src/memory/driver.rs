//! The loop both engines share: batches of the statement stream, each in
//! a `BEGIN`..`COMMIT` on the connection whose turn it is, with the stage
//! boundaries measured.
//!
//! Connections take run batches in turn (batch `n` on connection
//! `n % connections`), in one thread; setup batches all go to the first
//! connection. Batches never overlap unless the session says they may
//! ([`Session::overlaps`], boundlite in MVCC mode): then each group of
//! one run batch per connection runs in overlapping transactions (see
//! `overlap`). With [`Options::threads`] each connection's run batches
//! run on a thread of its own instead (see `threads`). An engine plugs
//! in through
//! [`Session`]: how to begin, run an item, commit and checkpoint, and run
//! one SQL statement for the bulk workload, whose steps
//! ([`super::bulk`]) take the place of run batches.

use std::time::{Duration, Instant};

use super::bulk::{self, Digest, StepReport};
use super::error::{BenchError, EngineFailure, Location, Stage, engine_error};
use super::measure::{HeapSnapshot, Tally};
use super::options::{Engine, Options};
use super::overlap::{self, Concurrency};
use super::progress::Progress;
use super::rss;
use super::threads;
use super::workload::{Phase, WorkItem};

/// The `BEGIN` each batch starts with.
pub const BEGIN_SQL: &str = "BEGIN";
/// The `BEGIN` each batch starts with in MVCC mode.
pub const BEGIN_CONCURRENT_SQL: &str = "BEGIN CONCURRENT";
/// The `COMMIT` each batch ends with.
pub const COMMIT_SQL: &str = "COMMIT";
/// What `--mode mvcc` switches boundlite's database to, once the schema
/// is made: each batch is then a `BEGIN CONCURRENT` transaction.
pub const MVCC_SQL: &str = "PRAGMA journal_mode = mvcc";
/// The `ROLLBACK` of a batch that lost a write conflict.
pub const ROLLBACK_SQL: &str = "ROLLBACK";
/// The checkpoint `--checkpoint` runs.
pub const CHECKPOINT_SQL: &str = "PRAGMA wal_checkpoint(TRUNCATE)";

/// One engine's connections and prepared statements.
pub trait Session {
    /// The engine's error.
    type Error: EngineFailure;
    /// Which engine this is.
    const ENGINE: Engine;

    /// Connections open.
    fn connections(&self) -> usize;
    /// `BEGIN` on connection `conn`.
    fn begin(&mut self, conn: usize) -> Result<(), Self::Error>;
    /// `COMMIT` on connection `conn`.
    fn commit(&mut self, conn: usize) -> Result<(), Self::Error>;
    /// `ROLLBACK` on connection `conn`.
    fn rollback(&mut self, conn: usize) -> Result<(), Self::Error>;
    /// Whether the connections' run batches overlap (MVCC mode).
    fn overlaps(&self) -> bool;
    /// Runs `item` on connection `conn`, reading every column of every
    /// row it returns into `tally`; `text` is scratch for its parameter.
    fn execute(
        &mut self,
        conn: usize,
        item: &WorkItem,
        text: &mut String,
        tally: &mut Tally,
    ) -> Result<(), Self::Error>;
    /// A TRUNCATE checkpoint.
    fn checkpoint(&mut self) -> Result<(), Self::Error>;
    /// Prepares `sql` on the first connection and runs it to its end,
    /// `params` bound to `?1`, `?2`... as INTEGERs, handing every column
    /// of every row to `digest`; returns the rows it changed as the
    /// engine counts them (meaningful after INSERT, UPDATE and DELETE
    /// only).
    fn run_sql(
        &mut self,
        sql: &str,
        params: &[i64],
        digest: &mut Digest,
    ) -> Result<u64, Self::Error>;
}

/// What [`drive`] measured.
#[derive(Debug, Clone, Default)]
pub struct Driven {
    /// Wall time of the setup batches.
    pub setup: Duration,
    /// Wall time of the run batches.
    pub run: Duration,
    /// Wall time of the checkpoint, when there was one.
    pub checkpoint: Option<Duration>,
    /// Heap counters when the run batches started.
    pub heap_run_start: HeapSnapshot,
    /// Heap counters when they ended.
    pub heap_run_end: HeapSnapshot,
    /// RSS (KiB) after setup, after the run, after the checkpoint.
    pub rss_after_setup: Option<u64>,
    /// See `rss_after_setup`.
    pub rss_after_run: Option<u64>,
    /// See `rss_after_setup`.
    pub rss_after_checkpoint: Option<u64>,
    /// Rows the queries returned.
    pub tally: Tally,
    /// Statements run in setup batches.
    pub setup_statements: u64,
    /// Statements run in run batches, or by the bulk steps.
    pub run_statements: u64,
    /// The bulk workload's steps, in order (empty for the others).
    pub steps: Vec<StepReport>,
    /// Commits, conflicts and retries of the run batches.
    pub concurrency: Concurrency,
}

/// Runs the whole stream of `options` on `session`, reading `meter` at
/// the run's start and end.
pub fn drive<S: Session>(
    session: &mut S,
    options: &Options,
    meter: &dyn Fn() -> HeapSnapshot,
    progress: &mut Progress,
) -> Result<Driven, BenchError> {
    let mut out = Driven::default();
    let mut stream = options.spec.stream();
    let mut text = String::new();
    let connections = session.connections().max(1);
    let mut stage_start = Instant::now();
    let mut in_run = false;
    progress.label(&format!("{} setup", S::ENGINE.name()));
    let fail = |error: &S::Error, at: Location| engine_error(S::ENGINE, error, at);

    while let Some(batch) = stream.next_batch() {
        let phase = batch.phase();
        let number = batch.number();
        if phase == Phase::Run && !in_run {
            out.setup = stage_start.elapsed();
            out.rss_after_setup = rss::sample().rss_kib;
            out.heap_run_start = meter();
            progress.label(&format!("{} run", S::ENGINE.name()));
            in_run = true;
            stage_start = Instant::now();
        }
        let (stage, conn) = match phase {
            Phase::Setup => (Stage::Setup, 0),
            Phase::Run => (
                Stage::Run,
                usize::try_from(number).unwrap_or(0) % connections,
            ),
        };
        let at = Location {
            batch: Some(number),
            ..Location::stage(stage)
        };
        if phase == Phase::Run && options.threads {
            // This batch and every later one, batch `n` on connection
            // `n % connections`'s thread.
            let mut mine = vec![Vec::new(); connections];
            let mut next = Some(batch);
            while let Some(batch) = next.take() {
                let conn = usize::try_from(batch.number()).unwrap_or(0) % connections;
                let items: Vec<_> = batch.collect();
                out.run_statements += items.len() as u64;
                if let Some(list) = mine.get_mut(conn) {
                    list.push(items);
                }
                next = stream.next_batch();
            }
            threads::run(
                session,
                &mine,
                &mut text,
                &mut out.tally,
                &mut out.concurrency,
            )
            .map_err(|(e, item)| {
                let at = Location {
                    sql: item.map(|i| i.kind().sql()),
                    item,
                    ..Location::stage(Stage::Run)
                };
                fail(&e, at)
            })?;
            for _ in mine.iter().flatten() {
                progress.tick();
            }
            break;
        }
        if phase == Phase::Run && session.overlaps() && connections > 1 {
            // Batches `number`, `number + 1`... on connections 0, 1...
            let mut group = vec![batch.collect::<Vec<_>>()];
            while group.len() < connections {
                match stream.next_batch() {
                    Some(next) => group.push(next.collect()),
                    None => break,
                }
            }
            out.run_statements += group.iter().map(|b| b.len() as u64).sum::<u64>();
            overlap::run_group(
                session,
                &group,
                &mut text,
                &mut out.tally,
                &mut out.concurrency,
            )
            .map_err(|(e, item)| {
                let at = Location {
                    sql: item.map(|i| i.kind().sql()),
                    item,
                    ..at.clone()
                };
                fail(&e, at)
            })?;
            for _ in 0..group.len() {
                progress.tick();
            }
            continue;
        }
        session
            .begin(conn)
            .map_err(|e| fail(&e, at.clone().sql(BEGIN_SQL)))?;
        for (i, item) in batch.enumerate() {
            session
                .execute(conn, &item, &mut text, &mut out.tally)
                .map_err(|e| {
                    let at = Location {
                        statement: Some(i as u64),
                        sql: Some(item.kind().sql()),
                        item: Some(item),
                        ..at.clone()
                    };
                    fail(&e, at)
                })?;
            match phase {
                Phase::Setup => out.setup_statements += 1,
                Phase::Run => out.run_statements += 1,
            }
        }
        session
            .commit(conn)
            .map_err(|e| fail(&e, at.clone().sql(COMMIT_SQL)))?;
        if phase == Phase::Run {
            out.concurrency.commits += 1;
        }
        progress.tick();
    }

    if in_run {
        out.run = stage_start.elapsed();
    } else {
        out.setup = stage_start.elapsed();
        out.rss_after_setup = rss::sample().rss_kib;
        out.heap_run_start = meter();
    }
    if options.spec.workload.is_bulk() {
        let start = Instant::now();
        out.steps = bulk::run_steps(
            session,
            &options.spec,
            options.stop_at_failed_step,
            &mut out.tally,
            progress,
        );
        out.run = start.elapsed();
        out.run_statements = out
            .steps
            .iter()
            .filter(|s| s.outcome != bulk::StepOutcome::NotRun)
            .map(|s| s.step.statements().len() as u64)
            .sum();
    }
    out.heap_run_end = meter();
    out.rss_after_run = rss::sample().rss_kib;

    if options.checkpoint {
        let start = Instant::now();
        session
            .checkpoint()
            .map_err(|e| fail(&e, Location::stage(Stage::Checkpoint).sql(CHECKPOINT_SQL)))?;
        out.checkpoint = Some(start.elapsed());
        out.rss_after_checkpoint = rss::sample().rss_kib;
    }
    Ok(out)
}
