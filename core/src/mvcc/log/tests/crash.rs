//! Power cuts: a workload of commits and a reset (the log's side of a
//! checkpoint) on a fault platform, with the power cut after each of its
//! writes, truncations and syncs in turn and the file rebuilt as a device
//! could have left it. Recovery must give every commit whose append
//! returned `Ok`, at most the one in flight as well, whole, and nothing
//! else.

use boundlite_platform::{CrashPlan, FaultPlatform};

use super::*;

const SALT: LogSalt = LogSalt::new(7);
/// Commits before the reset; the reset's base is the last one's timestamp.
const BEFORE_RESET: u64 = 6;
const COMMITS: u64 = 10;

/// How far a run got.
#[derive(Debug, Clone, Copy)]
struct Outcome {
    /// Appends that returned `Ok`.
    acked: u64,
    /// Whether an append was under way when the run failed.
    in_flight: bool,
    /// Whether the reset began: its checkpoint made every commit up to
    /// the base durable in the database, so frames up to it may be gone.
    reset: bool,
}

fn run(fault: &FaultPlatform<&MemoryPlatform>) -> Outcome {
    let mut out = Outcome {
        acked: 0,
        in_flight: false,
        reset: false,
    };
    let Ok(file) = fault.open(LOG, OpenMode::Create) else {
        return out;
    };
    let Ok(mut log) = LogWriter::create(file, SALT, ts(0)) else {
        return out;
    };
    for tag in 1..=COMMITS {
        if tag == BEFORE_RESET + 1 {
            out.reset = true;
            if log.reset(SALT.after(tag), ts(10 * BEFORE_RESET)).is_err() {
                return out;
            }
        }
        if append(&mut log, &txn(tag), ts(10 * tag)).is_err() {
            out.in_flight = true;
            return out;
        }
        out.acked = tag;
    }
    out
}

/// Recovers the log on `disk`, checks it holds what `outcome` allows, and
/// returns how many commits it kept; then checks it takes one more.
fn check(disk: &MemoryPlatform, outcome: Outcome, what: &str) -> u64 {
    let (header, frames) = read_all(open_log(disk)).unwrap_or_else(|e| panic!("{what}: {e}"));
    let boundary = if outcome.reset { 10 * BEFORE_RESET } else { 0 };
    let mut kept: Frames = (1..=boundary / 10).map(|t| (10 * t, txn(t))).collect();
    kept.extend(frames.into_iter().filter(|(t, _)| *t > boundary));
    let count = kept.len() as u64;
    let last = outcome.acked + u64::from(outcome.in_flight);
    assert!(
        (outcome.acked..=last).contains(&count),
        "{what}: kept {count} commits"
    );
    let want: Frames = (1..=count).map(|t| (10 * t, txn(t))).collect();
    assert_eq!(kept, want, "{what}");
    let mut reader = LogReader::open(open_log(disk), Global).unwrap();
    while reader.next_frame().unwrap().is_some() {}
    let base = header.map_or(ts(boundary), |h| h.base);
    let mut log = reader.into_writer(SALT.after(99), base).unwrap();
    let next = ts(10 * count + 1).max(ts(log.last_commit().get() + 1));
    append(&mut log, &txn(77), next).unwrap();
    drop(log);
    let (_, frames) = read_all(open_log(disk)).unwrap();
    assert_eq!(frames.last(), Some(&(next.get(), txn(77))), "{what}");
    count
}

#[test]
fn every_power_cut_keeps_every_acknowledged_commit_and_no_partial_one() {
    let points = {
        let disk = MemoryPlatform::new();
        let fault = FaultPlatform::new(&disk);
        let outcome = run(&fault);
        assert_eq!((outcome.acked, outcome.in_flight), (COMMITS, false));
        let points = fault.counts().mutations();
        drop(fault);
        assert_eq!(check(&disk, outcome, "no cut"), COMMITS);
        points
    };
    assert!(points >= 2 * COMMITS + 8, "only {points} cut points");
    let (mut runs, mut kept_in_flight) = (0, 0);
    for k in 0..points {
        let pending = {
            let disk = MemoryPlatform::new();
            let fault = FaultPlatform::new(&disk);
            fault.cut_power_after(k);
            run(&fault);
            fault.unsynced()
        };
        let mut plans = std::vec![CrashPlan::LoseAll, CrashPlan::KeepAll];
        for landed in 0..=pending {
            for torn_sectors in [0, 1] {
                plans.push(CrashPlan::InOrder {
                    landed,
                    torn_sectors,
                });
            }
        }
        for seed in 0..12 {
            let seed = seed * 7919 + k;
            plans.push(CrashPlan::Random {
                seed,
                tear: seed % 3 != 0,
            });
        }
        for plan in plans {
            let disk = MemoryPlatform::new();
            let mut fault = FaultPlatform::new(&disk);
            fault.cut_power_after(k);
            let outcome = run(&fault);
            fault.power_cut(plan).unwrap();
            drop(fault);
            let what = std::format!("cut after {k} of {points}, {plan:?}, {outcome:?}");
            if check(&disk, outcome, &what) > outcome.acked {
                kept_in_flight += 1;
            }
            runs += 1;
        }
    }
    std::println!(
        "{points} cut points, {runs} power cuts, {kept_in_flight} kept the commit in flight"
    );
    // A commit whose sync never came lands whole under some plans.
    assert!(kept_in_flight > 0);
}
