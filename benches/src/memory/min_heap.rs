//! The smallest fixed heap in which an engine completes a workload:
//! boundlite in an `Arena`, SQLite in a memsys5 heap.
//!
//! The search runs the whole workload (open to close) once per size:
//! first doubling from a hint until a run completes, then bisecting
//! between the largest size known to fail and the smallest known to
//! work, in steps of [`GRANULARITY`]. A run that stops with out-of-memory
//! means "too small"; any other error ends the search. Sizes are as
//! measured: memsys5 rounds each request up to a power of two, and an
//! arena's buffer includes talc's own metadata, so neither is "bytes the
//! engine asked for".

use std::path::Path;

use super::engine;
use super::error::BenchError;
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
    files::remove_database(path)
        .map_err(|e| BenchError::io(format!("removing {}", path.display()), e))?;
    if bytes == 0 {
        return Ok(false);
    }
    let result = engine::in_fixed_heap(engine, options, path, bytes).map(|_| ());
    match result {
        Ok(()) => Ok(true),
        Err(e) if e.is_out_of_memory() => Ok(false),
        Err(e) => Err(e),
    }
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
/// peak of an unbounded run is a good one).
pub fn min_heap(
    engine: Engine,
    options: &Options,
    dir: &Path,
    hint: usize,
) -> Result<Option<MinHeap>, BenchError> {
    let path = dir.join(format!("{}-min-heap.db", engine.name()));
    let estimate = (hint / GRANULARITY).max(1).ilog2() as u64 + 2;
    let mut progress = Progress::new(
        options.progress,
        &format!("{} min heap", engine.name()),
        estimate,
    );
    let found = search(
        |bytes| fits(engine, options, &path, bytes),
        hint,
        || progress.tick(),
    );
    let removed = files::remove_database(&path);
    let found = found?;
    removed.map_err(|e| BenchError::io(format!("removing {}", path.display()), e))?;
    Ok(found)
}
