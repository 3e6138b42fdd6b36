//! The smallest fixed heap in which an engine completes a workload:
//! boundlite in an `Arena`, SQLite in a memsys5 heap.
//!
//! The search runs the whole workload (open to close) once per size:
//! first doubling from a hint until a run completes, then bisecting
//! between the largest size known to fail and the smallest known to
//! work, in steps of [`GRANULARITY`]. A run that stops with out-of-memory
//! means "too small"; any other error ends the search. For the bulk
//! workload, a step that fails with out-of-memory means "too small" (the
//! run stops there), another error in a step ends the search, and a step
//! whose result differs from the unbounded run's is a wrong answer, which
//! ends it too. Sizes are as
//! measured: memsys5 rounds each request up to a power of two, and an
//! arena's buffer includes talc's own metadata, so neither is "bytes the
//! engine asked for".

use std::path::Path;

use super::bulk::StepReport;
use super::engine;
use super::error::{BenchError, Location, Stage};
use super::files;
use super::options::{Engine, Options};
use super::progress::Progress;
use super::report::MinHeap;

/// Steps of the search: 1 KiB.
pub const GRANULARITY: usize = 1024;

/// The largest heap tried before giving up (memsys5 takes an `int`).
pub const LIMIT: usize = 1 << 30;

/// Whether `engine` completes `options`'s workload in a heap of `bytes`,
/// on a fresh database at `path`. `Ok(false)` is out of memory.
pub fn fits(
    engine: Engine,
    options: &Options,
    path: &Path,
    bytes: usize,
) -> Result<bool, BenchError> {
    fits_checked(engine, options, path, bytes, None)
}

/// [`fits`], and for the bulk workload, each step's result checked
/// against `expected` (the same engine's unbounded run), when given.
pub fn fits_checked(
    engine: Engine,
    options: &Options,
    path: &Path,
    bytes: usize,
    expected: Option<&[StepReport]>,
) -> Result<bool, BenchError> {
    files::remove_database(path)
        .map_err(|e| BenchError::io(format!("removing {}", path.display()), e))?;
    if bytes == 0 {
        return Ok(false);
    }
    let mut options = options.clone();
    options.stop_at_failed_step = true;
    let report = match engine::in_fixed_heap(engine, &options, path, bytes) {
        Ok(report) => report,
        Err(e) if e.is_out_of_memory() => return Ok(false),
        Err(e) => return Err(e),
    };
    for step in &report.steps {
        if let Some(failure) = step.failure() {
            if failure.out_of_memory {
                return Ok(false);
            }
            return Err(BenchError::Engine {
                engine,
                out_of_memory: false,
                message: failure.message.clone(),
                at: Box::new(Location::stage(Stage::Run).sql(failure.sql)),
            });
        }
        let reference = expected
            .and_then(|e| e.iter().find(|r| r.step == step.step))
            .and_then(StepReport::result);
        if let (Some(want), Some(got)) = (reference, step.result()) {
            if want != got {
                return Err(BenchError::WrongAnswer(format!(
                    "{} in a {bytes}-byte heap: step {} returned {} rows, {} changed,                      checksum {:016x}; unbounded: {} rows, {} changed, checksum {:016x}",
                    engine.name(),
                    step.step.name(),
                    got.rows,
                    got.changes,
                    got.checksum,
                    want.rows,
                    want.changes,
                    want.checksum
                )));
            }
        }
    }
    Ok(true)
}

/// Bisects the smallest multiple of [`GRANULARITY`] for which `fits`
/// holds, starting the doubling at `hint`; `None` if even [`LIMIT`]
/// fails. Zero bytes is taken to fail without a run.
pub fn search(
    mut fits: impl FnMut(usize) -> Result<bool, BenchError>,
    hint: usize,
    mut tick: impl FnMut(),
) -> Result<Option<MinHeap>, BenchError> {
    let round = |n: usize| n.div_ceil(GRANULARITY).max(1) * GRANULARITY;
    let mut attempts = 0u32;
    let mut attempt = |n: usize| {
        attempts += 1;
        tick();
        fits(n)
    };
    let (mut lo, mut hi) = (0, round(hint));
    while !attempt(hi)? {
        lo = hi;
        hi = hi.saturating_mul(2);
        if hi > LIMIT {
            return Ok(None);
        }
    }
    while hi - lo > GRANULARITY {
        let mid = lo + (hi - lo) / GRANULARITY / 2 * GRANULARITY;
        if attempt(mid)? {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Ok(Some(MinHeap {
        bytes: hi,
        attempts,
        granularity: GRANULARITY,
    }))
}

/// The smallest heap for `engine` on `options`'s workload, using
/// `dir/<engine>-min-heap.db`; `hint` is where the doubling starts (the
/// peak of an unbounded run is a good one); bulk steps are checked
/// against `expected`.
pub fn min_heap(
    engine: Engine,
    options: &Options,
    dir: &Path,
    hint: usize,
    expected: Option<&[StepReport]>,
) -> Result<Option<MinHeap>, BenchError> {
    let path = dir.join(format!("{}-min-heap.db", engine.name()));
    let estimate = (hint / GRANULARITY).max(1).ilog2() as u64 + 2;
    let mut progress = Progress::new(
        options.progress,
        &format!("{} min heap", engine.name()),
        estimate,
    );
    let found = search(
        |bytes| fits_checked(engine, options, &path, bytes, expected),
        hint,
        || progress.tick(),
    );
    let removed = files::remove_database(&path);
    let found = found?;
    removed.map_err(|e| BenchError::io(format!("removing {}", path.display()), e))?;
    Ok(found)
}
