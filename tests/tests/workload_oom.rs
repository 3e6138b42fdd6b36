//! Allocation failures at every point of whole workloads: each script of
//! `boundlite_tests::workloads` (the memory benchmark's six workloads at a
//! small size, and a schema-heavy script) runs from a fresh database with
//! allocation N failing, once (transient) or from N on until the fault is
//! lifted (persistent), on the global heap and in a talc arena. Each
//! failure is `OutOfMemory`; after it, with the fault lifted, the
//! transaction in progress rolls back, `PRAGMA integrity_check` says `ok`,
//! every committed transaction is there as SQLite has it after the same
//! ones, the connection runs a change, and once the database is closed the
//! allocator holds what it held before it was opened.
//!
//! By default each script and mode covers about [`POINTS`] failure points
//! spread evenly over the whole run (every N when the run makes fewer
//! allocations); `BOUNDLITE_FULL_SWEEP=1` covers every N. The points
//! covered are printed (`--nocapture`).
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::{Allocator, Arena, Counting, FaultAlloc, FaultPlan, Global};
use boundlite::format::PageSize;
use boundlite::platform::MemoryPlatform;
use boundlite::{Config, Database, Error};
use boundlite_tests::workloads::{
    Contents, SEED_ROWS, Script, check_recovered, model, mvcc_scripts, run, scripts, stride,
};

const DB: &str = "workload.db";

/// Failure points per script and mode in the default run.
const POINTS: usize = 60;

/// Small pages, a cache far smaller than the scripts' tables and a sort
/// budget of four pages, so that the scripts spill dirty pages to the log,
/// evict, sort in runs and checkpoint.
fn config() -> Config {
    Config {
        page_size: PageSize::new(1024).unwrap(),
        cache_frames: 16,
        sort_memory: 4096,
        wal_autocheckpoint: 40,
        mvcc_memory: 64 * 1024,
        mvcc_checkpoint_threshold: 8 * 1024,
        ..Config::DEFAULT
    }
}

/// Runs `script` from a fresh database on `fault` with `plan`: checks a
/// failure as the module says. Returns whether an allocation failed.
fn run_once<A: Allocator>(
    fault: &FaultAlloc<A>,
    script: &Script,
    model: &[Contents],
    plan: FaultPlan,
    context: &str,
) -> bool {
    let disk = MemoryPlatform::new();
    fault.arm(plan);
    let db = match Database::open(&disk, DB, &config(), fault) {
        Ok(db) => db,
        Err(e) => {
            fault.arm(FaultPlan::Never);
            assert_eq!(e, Error::OutOfMemory, "{context}: opening");
            return true;
        }
    };
    let conn = db.connect();
    let result = run(&conn, script);
    let failed = fault.failed() > 0;
    fault.arm(FaultPlan::Never);
    match result {
        Ok(()) => {
            check_recovered(&conn, model, None, context);
        }
        Err(stop) => {
            assert_eq!(
                stop.error,
                Error::OutOfMemory,
                "{context}: {} failed",
                stop.sql
            );
            assert!(failed, "{context}: {} failed with no fault", stop.sql);
            check_recovered(&conn, model, Some(&stop), context);
        }
    }
    failed
}

/// Sweeps `script` both ways on `fault`, whose live allocations `live`
/// counts; returns the points covered, transient and persistent.
fn sweep<A: Allocator>(
    fault: &FaultAlloc<A>,
    live: &dyn Fn() -> usize,
    heap: &str,
    script: &Script,
) -> [usize; 2] {
    let model = model(script);
    let baseline = live();
    assert!(!run_once(
        fault,
        script,
        &model,
        FaultPlan::Never,
        &script.name
    ));
    // The clean run's allocations: a run failing at any of them stops
    // short of the end.
    let total = {
        let disk = MemoryPlatform::new();
        let db = Database::open(&disk, DB, &config(), fault).unwrap();
        let conn = db.connect();
        fault.arm(FaultPlan::Never);
        run(&conn, script).unwrap();
        let seen = fault.seen();
        drop(conn);
        drop(db);
        seen
    };
    assert_eq!(live(), baseline, "{}: the clean run leaked", script.name);
    let step = stride(total, POINTS);
    [false, true].map(|persistent| {
        let mut points = 0;
        let first = if persistent { 1 + step / 2 } else { 1 };
        for n in (first..=total).step_by(step) {
            let plan = if persistent {
                FaultPlan::From(n)
            } else {
                FaultPlan::Once(n)
            };
            let context = format!("{} ({heap}, {plan:?})", script.name);
            assert!(
                run_once(fault, script, &model, plan, &context),
                "{context}: no allocation failed"
            );
            assert_eq!(live(), baseline, "{context}: leaked");
            points += 1;
        }
        eprintln!(
            "workload_oom {} ({heap}, {}): {points} points of {total} allocations",
            script.name,
            if persistent {
                "persistent"
            } else {
                "transient"
            }
        );
        points
    })
}

/// Sweeps every script of `scripts` on the global heap.
fn sweep_global_heap(scripts: Vec<Script>) {
    let fault = FaultAlloc::new(Counting::new(Global));
    for script in scripts {
        let points = sweep(
            &fault,
            &|| fault.inner().stats().live_allocations(),
            "global heap",
            &script,
        );
        assert!(
            points.iter().all(|&p| p > 20),
            "{}: {points:?}",
            script.name
        );
    }
}

/// Sweeps every script of `scripts` in a talc arena.
fn sweep_arena(scripts: Vec<Script>) {
    let mut buffer = vec![0u8; 4 << 20];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    for script in scripts {
        let points = sweep(&fault, &|| arena.stats().live_allocations, "arena", &script);
        assert!(
            points.iter().all(|&p| p > 20),
            "{}: {points:?}",
            script.name
        );
    }
}

#[test]
fn every_workload_survives_allocation_failures_on_the_global_heap() {
    sweep_global_heap(scripts(SEED_ROWS));
}

#[test]
fn every_workload_survives_allocation_failures_in_an_arena() {
    sweep_arena(scripts(SEED_ROWS));
}

/// In MVCC mode the failures land in the version store, the logical log,
/// the automatic checkpoints (the log threshold is 8 KiB) and the store's
/// checkpoint-and-retry when its 64 KiB budget fills.
#[test]
fn every_workload_in_mvcc_mode_survives_allocation_failures_on_the_global_heap() {
    sweep_global_heap(mvcc_scripts(SEED_ROWS));
}

#[test]
fn every_workload_in_mvcc_mode_survives_allocation_failures_in_an_arena() {
    sweep_arena(mvcc_scripts(SEED_ROWS));
}
