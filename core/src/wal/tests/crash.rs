//! Crash sweeps: a workload of small transactions and checkpoints on a
//! fault platform, with the power cut after each of its writes, syncs and
//! truncations in turn, and the files rebuilt as a device could have left
//! them. After every cut, recovery must give exactly the state after some
//! transaction: every one whose append returned `Ok`, plus at most the one
//! in flight, and never part of one.

use boundlite_platform::{CrashPlan, FaultPlatform};

use super::*;

#[derive(Debug, Clone, Copy)]
enum Step {
    /// Transaction `tag` writes `pages` and leaves `size` pages.
    Commit(u32, &'static [u32], u32),
    Checkpoint(CheckpointMode),
}

use Step::{Checkpoint, Commit};

/// Every page up to a transaction's size has been written by it or an
/// earlier one, so each state is fully described by the log.
const WORKLOAD: [Step; 14] = [
    Commit(1, &[1, 2, 3], 3),
    Commit(2, &[2], 3),
    Commit(3, &[3, 4, 1], 4),
    Checkpoint(CheckpointMode::Passive),
    Commit(4, &[4], 4),
    Commit(5, &[5, 6, 2], 6),
    Checkpoint(CheckpointMode::Truncate),
    Commit(6, &[1], 6),
    Commit(7, &[2, 3], 3),
    Checkpoint(CheckpointMode::Restart),
    Commit(8, &[4, 5], 5),
    Commit(9, &[1, 5], 5),
    Checkpoint(CheckpointMode::Full),
    Commit(10, &[3], 5),
];

/// The tag of the writer of each page, after each number of commits.
fn states() -> StdVec<StdVec<u32>> {
    let mut states = std::vec![StdVec::new()];
    let mut pages: StdVec<u32> = StdVec::new();
    for step in WORKLOAD {
        if let Commit(tag, written, size) = step {
            pages.resize(size as usize, 0);
            for &p in written {
                pages[p as usize - 1] = tag;
            }
            assert!(pages.iter().all(|&t| t > 0));
            states.push(pages.clone());
        }
    }
    states
}

/// How far a run got.
#[derive(Debug, Clone, Copy)]
struct Outcome {
    /// Appends that returned `Ok`.
    acked: usize,
    /// Whether an append was under way when the run failed.
    in_flight: bool,
}

fn run(fault: &FaultPlatform<&MemoryPlatform>) -> Outcome {
    let mut out = Outcome {
        acked: 0,
        in_flight: false,
    };
    let Ok(file) = fault.open(WAL, OpenMode::Create) else {
        return out;
    };
    let Ok(mut db) = fault.open(DB, OpenMode::Create) else {
        return out;
    };
    let Ok(mut wal) = Wal::open(file, page_size(), Global) else {
        return out;
    };
    let mut buf = std::vec![0u8; PS as usize];
    for step in WORKLOAD {
        match step {
            Commit(tag, pages, size) => {
                if commit(&mut wal, tag, pages, size).is_err() {
                    out.in_flight = true;
                    return out;
                }
                out.acked += 1;
            }
            Checkpoint(mode) => {
                if wal.checkpoint(mode, &mut db, &mut buf, []).is_err() {
                    return out;
                }
            }
        }
    }
    out
}

/// Recovers the files on `disk` and returns which state they hold, after
/// checking it is one `outcome` allows; then checks the recovered log
/// takes a further transaction.
fn check(disk: &MemoryPlatform, outcome: Outcome, states: &[StdVec<u32>], what: &str) -> usize {
    let mut wal = open_wal(disk);
    let mut db = open_file(disk, DB);
    let db_len = db.size().unwrap();
    let size = wal.db_size().unwrap_or((db_len / u64::from(PS)) as u32);
    let snapshot = wal.max_frame();
    let tags: StdVec<u32> = (1..=size)
        .map(|p| {
            let (tag, page) = tag_of(&read_as_of(&mut wal, &mut db, p, snapshot));
            assert_eq!(page, p, "{what}");
            tag
        })
        .collect();
    let last = outcome.acked + usize::from(outcome.in_flight);
    let Some(found) = (outcome.acked..=last).find(|&j| states[j] == tags) else {
        panic!(
            "{what}: recovered {tags:?}, expected a state of {:?}",
            &states[outcome.acked..=last]
        );
    };
    commit(&mut wal, 99, &[1], size.max(1)).unwrap();
    let max = wal.max_frame();
    drop(wal);
    let mut wal = open_wal(disk);
    assert_eq!(wal.max_frame(), max, "{what}");
    assert_eq!(
        tag_of(&read_as_of(&mut wal, &mut db, 1, max)),
        (99, 1),
        "{what}"
    );
    found
}

#[test]
fn every_crash_point_recovers_a_whole_prefix_of_transactions() {
    let states = states();
    // The uninterrupted run, to count its mutations.
    let points = {
        let disk = MemoryPlatform::new();
        let fault = FaultPlatform::new(&disk);
        let outcome = run(&fault);
        assert_eq!((outcome.acked, outcome.in_flight), (10, false));
        let points = fault.counts().mutations();
        drop(fault);
        assert_eq!(check(&disk, outcome, &states, "no crash"), 10);
        points
    };
    assert!(points > 60, "only {points} crash points");
    let mut runs = 0;
    let mut recovered_in_flight = 0;
    for k in 0..points {
        // The writes pending at this point bound the in-order plans.
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
        for seed in 0..16 {
            let seed = seed * 7919 + k;
            plans.push(CrashPlan::Random {
                seed,
                tear: seed % 4 != 0,
            });
        }
        for plan in plans {
            let disk = MemoryPlatform::new();
            let mut fault = FaultPlatform::new(&disk);
            fault.cut_power_after(k);
            let outcome = run(&fault);
            assert!(outcome.acked < 10 || !outcome.in_flight);
            fault.power_cut(plan).unwrap();
            drop(fault);
            let what = std::format!("cut after {k} of {points}, {plan:?}, {outcome:?}");
            if check(&disk, outcome, &states, &what) > outcome.acked {
                recovered_in_flight += 1;
            }
            runs += 1;
        }
    }
    std::println!(
        "{points} crash points, {runs} crashes, {recovered_in_flight} kept the transaction in flight"
    );
    // Plans that let the pending writes of a commit whose sync failed
    // land keep that transaction, whole.
    assert!(recovered_in_flight > 0);
}
