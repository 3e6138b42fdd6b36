//! Power cuts and I/O errors at every point of whole workloads: each
//! script of `boundlite_tests::workloads` (the memory benchmark's six
//! workloads at a small size, and a schema-heavy script) runs from a fresh
//! database on a `FaultPlatform`.
//!
//! - **Power cuts.** The power goes after the script's k-th write or sync,
//!   for every k; the device then keeps none of the unsynced writes, all of
//!   them, the first half in order with the next torn after its first
//!   sector, or a random subset torn at sector boundaries. The database
//!   reopens, `PRAGMA integrity_check` says `ok`, and it holds exactly the
//!   transactions whose commit returned (and, for a cut during a commit,
//!   possibly that one), as SQLite has them after the same transactions.
//! - **I/O errors.** The N-th read, write or sync fails, for every N: the
//!   statement fails with an I/O error, and the same connection rolls back,
//!   passes the integrity check, holds the committed transactions and
//!   commits; reopened, the file holds them too.
//!
//! By default each script covers about [`CUT_POINTS`] cut points and
//! [`IO_POINTS`] failures of each kind, spread evenly over the whole run
//! (every one when the run makes fewer); `BOUNDLITE_FULL_SWEEP=1` covers
//! every one. The points covered are printed (`--nocapture`).
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::Global;
use boundlite::format::PageSize;
use boundlite::platform::{CrashPlan, FaultPlatform, FaultTarget, IoFault, MemoryPlatform};
use boundlite::{Config, Database, Error};
use boundlite_tests::workloads::{
    Contents, SEED_ROWS, Script, Stop, check_recovered, model, mvcc_scripts, run, scripts, stride,
};

const DB: &str = "workload.db";

/// Cut points per script in the default run (each cut four ways).
const CUT_POINTS: usize = 40;

/// Failures of each kind (read, write, sync) per script in the default run.
const IO_POINTS: usize = 25;

/// Small pages, a cache smaller than the scripts' tables and a low
/// auto-checkpoint, so that the scripts spill dirty pages to the log,
/// read back evicted pages and checkpoint.
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

/// Runs `script` on a fresh database over `fault`; where it stopped.
fn run_on(fault: &FaultPlatform<&MemoryPlatform>, script: &Script) -> Option<Stop> {
    let db = match Database::open(fault, DB, &config(), Global) {
        Ok(db) => db,
        Err(error) => {
            return Some(Stop {
                committed: 0,
                at_commit: false,
                sql: "opening".to_string(),
                error,
            });
        }
    };
    let conn = db.connect();
    run(&conn, script).err()
}

/// Reopens what `disk` holds and checks it against `model`.
fn check_reopened(disk: &MemoryPlatform, model: &[Contents], stop: Option<&Stop>, context: &str) {
    let db = Database::open(disk, DB, &config(), Global)
        .unwrap_or_else(|e| panic!("{context}: reopening: {e}"));
    let conn = db.connect();
    check_recovered(&conn, model, stop, context);
}

fn plans(k: u64, unsynced: usize) -> [CrashPlan; 4] {
    [
        CrashPlan::LoseAll,
        CrashPlan::KeepAll,
        CrashPlan::InOrder {
            landed: unsynced / 2,
            torn_sectors: 1,
        },
        CrashPlan::Random {
            seed: k,
            tear: true,
        },
    ]
}

#[test]
fn power_cuts_at_every_write_and_sync_of_every_workload_keep_the_acknowledged_commits() {
    power_cuts(scripts(SEED_ROWS));
}

/// In MVCC mode the cuts land in the logical log's appends and syncs, the
/// automatic checkpoints (the log threshold is 8 KiB) and the last one;
/// the reopened database recovers the log.
#[test]
fn power_cuts_in_mvcc_mode_keep_the_acknowledged_commits() {
    power_cuts(mvcc_scripts(SEED_ROWS));
}

#[test]
fn io_errors_at_every_read_write_and_sync_of_every_workload_leave_it_usable() {
    io_errors(scripts(SEED_ROWS));
}

#[test]
fn io_errors_in_mvcc_mode_leave_it_usable() {
    io_errors(mvcc_scripts(SEED_ROWS));
}

/// Cuts the power at every write and sync of each script (see the module
/// docs).
fn power_cuts(scripts: Vec<Script>) {
    for script in scripts {
        let model = model(&script);
        let total = {
            let disk = MemoryPlatform::new();
            let fault = FaultPlatform::new(&disk);
            assert!(run_on(&fault, &script).is_none(), "{}", script.name);
            fault.counts().mutations()
        };
        let step = stride(usize::try_from(total).unwrap(), CUT_POINTS);
        let (mut points, mut cuts) = (0, 0);
        for k in (0..total).step_by(step) {
            points += 1;
            for which in 0..4 {
                let disk = MemoryPlatform::new();
                let mut fault = FaultPlatform::new(&disk);
                fault.cut_power_after(k);
                let stop = run_on(&fault, &script);
                let plan = plans(k, fault.unsynced())[which];
                let context = format!("{}: cut after {k} of {total}, {plan:?}", script.name);
                let stop = stop.unwrap_or_else(|| panic!("{context}: the script ran through"));
                assert!(
                    matches!(stop.error, Error::Io(_)),
                    "{context}: {} failed with {:?}",
                    stop.sql,
                    stop.error
                );
                fault.power_cut(plan).unwrap();
                check_reopened(&disk, &model, Some(&stop), &context);
                cuts += 1;
            }
        }
        eprintln!(
            "workload_crash {}: {points} cut points of {total} writes and syncs, {cuts} power cuts",
            script.name
        );
        assert!(points > 10, "{}: {points} cut points", script.name);
    }
}

/// Fails every read, write and sync of each script once (see the module
/// docs).
fn io_errors(scripts: Vec<Script>) {
    for script in scripts {
        let model = model(&script);
        let counts = {
            let disk = MemoryPlatform::new();
            let fault = FaultPlatform::new(&disk);
            assert!(run_on(&fault, &script).is_none(), "{}", script.name);
            fault.counts()
        };
        for (target, total) in [
            (FaultTarget::Read, counts.reads),
            (FaultTarget::Write, counts.writes),
            (FaultTarget::Sync, counts.syncs),
        ] {
            let step = stride(usize::try_from(total).unwrap(), IO_POINTS);
            let mut points = 0;
            for n in (1..=total).step_by(step) {
                let context = format!("{}: {target:?} {n} of {total} fails", script.name);
                let disk = MemoryPlatform::new();
                let fault = FaultPlatform::new(&disk);
                fault.arm(IoFault::Once { target, n });
                let db = match Database::open(&fault, DB, &config(), Global) {
                    Ok(db) => db,
                    Err(e) => {
                        assert!(matches!(e, Error::Io(_)), "{context}: opening: {e:?}");
                        fault.arm(IoFault::Never);
                        let stop = Stop {
                            committed: 0,
                            at_commit: false,
                            sql: "opening".to_string(),
                            error: e,
                        };
                        check_reopened(&disk, &model, Some(&stop), &context);
                        points += 1;
                        continue;
                    }
                };
                let conn = db.connect();
                let stop = run(&conn, &script).err();
                assert!(fault.counts().failed > 0, "{context}: not reached");
                fault.arm(IoFault::Never);
                if let Some(stop) = &stop {
                    assert!(
                        matches!(stop.error, Error::Io(_)),
                        "{context}: {} failed with {:?}",
                        stop.sql,
                        stop.error
                    );
                }
                let held = check_recovered(&conn, &model, stop.as_ref(), &context);
                drop(conn);
                drop(db);
                // The file holds what the connection saw.
                let reopened = Database::open(&disk, DB, &config(), Global)
                    .unwrap_or_else(|e| panic!("{context}: reopening: {e}"));
                let conn = reopened.connect();
                let again = check_recovered(&conn, &model, stop.as_ref(), &context);
                assert_eq!(held, again, "{context}: the reopened file differs");
                points += 1;
            }
            eprintln!(
                "workload_crash {}: {points} {target:?} failures of {total}",
                script.name
            );
        }
    }
}
