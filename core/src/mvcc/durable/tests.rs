//! Tests of the durable store: recovery of what was committed, the
//! boundary a checkpoint records, power cuts at every write and sync of a
//! workload of commits and checkpoints, and OOM sweeps.
//!
//! The database is modelled by a small file holding the boundary and the
//! checkpointed rows, written whole and synced by each checkpoint (one
//! sector, so a power cut keeps it old or new): what the B-trees and the
//! `sqlite_mvcc` row are to the engine.
// Test scaffolding uses std's collections.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

extern crate std;

use std::collections::BTreeMap;
use std::vec::Vec as StdVec;

use boundlite_alloc::{Counting, FaultAlloc, oom_sweep};
use boundlite_platform::{CrashPlan, FaultPlatform, MemoryPlatform, OpenMode, Platform};

use super::*;
use crate::alloc::Global;
use crate::mvcc::Resume;
use crate::mvcc::log::FRAME_PIECE_SIZE;

const LOG: &str = "t.db-log";
const DB: &str = "t.db";

/// Rows by rowid, all in one table.
type Rows = BTreeMap<i64, StdVec<u8>>;

fn root() -> PageNo {
    PageNo::new(2).unwrap()
}

/// The model database: boundary and rows; empty before any checkpoint.
fn read_db<F: File>(file: &mut F) -> (Timestamp, Rows) {
    let size = file.size().unwrap() as usize;
    let mut bytes = std::vec![0u8; size];
    file.read_exact_at(0, &mut bytes).unwrap();
    if bytes.is_empty() {
        return (Timestamp::ZERO, Rows::new());
    }
    let boundary = u64::from_be_bytes(bytes[..8].try_into().unwrap());
    let count = bytes[8] as usize;
    let mut rows = Rows::new();
    let mut at = 9;
    for _ in 0..count {
        let rowid = i64::from_be_bytes(bytes[at..at + 8].try_into().unwrap());
        let len = bytes[at + 8] as usize;
        rows.insert(rowid, bytes[at + 9..at + 9 + len].to_vec());
        at += 9 + len;
    }
    (Timestamp::new(boundary), rows)
}

fn write_db<F: File>(file: &mut F, boundary: Timestamp, rows: &Rows) -> Result<()> {
    let mut bytes = boundary.get().to_be_bytes().to_vec();
    bytes.push(rows.len() as u8);
    for (rowid, record) in rows {
        bytes.extend_from_slice(&rowid.to_be_bytes());
        bytes.push(record.len() as u8);
        bytes.extend_from_slice(record);
    }
    assert!(bytes.len() <= 512, "the model database outgrew a sector");
    file.write_at(0, &bytes)?;
    file.sync()?;
    Ok(())
}

/// What a transaction of `store` sees: the database's rows overlaid with
/// the store's versions.
fn visible<F: File, A: Allocator + Clone>(store: &mut DurableStore<F, A>, db: &Rows) -> Rows {
    let t = store.begin().unwrap();
    let mut rows = Rows::new();
    for rowid in -2..12 {
        match store.read(t, root(), RowId::new(rowid)).unwrap() {
            Seen::Row(r) => {
                rows.insert(rowid, r.to_vec());
            }
            Seen::Deleted => {}
            Seen::Unversioned => {
                if let Some(r) = db.get(&rowid) {
                    rows.insert(rowid, r.clone());
                }
            }
        }
    }
    store.rollback(t).unwrap();
    rows
}

/// Transaction `tag`'s changes: a few rows set or deleted.
fn changes(tag: u64) -> StdVec<(i64, Option<StdVec<u8>>)> {
    (0..1 + tag % 3)
        .map(|i| {
            let rowid = ((tag * 5 + i * 3) % 9) as i64;
            let record = (tag % 4 != 1 || i > 0)
                .then(|| std::vec![tag as u8; 1 + (tag as usize + i as usize) % 5]);
            (rowid, record)
        })
        .collect()
}

/// Applies transaction `tag` in `store`, seeing `now` (the rows as of its
/// snapshot) to choose insert, update or delete; returns the rows after.
fn run_txn<F: File, A: Allocator + Clone>(
    store: &mut DurableStore<F, A>,
    now: &Rows,
    tag: u64,
) -> Result<Rows> {
    let t = store.begin()?;
    let mut after = now.clone();
    for (rowid, record) in changes(tag) {
        let change = match (&record, after.contains_key(&rowid)) {
            (Some(r), false) => Change::Insert(r),
            (Some(r), true) => Change::Update(r),
            (None, _) => Change::Delete,
        };
        if let Err(e) = store.write(t, root(), RowId::new(rowid), change) {
            store.rollback(t)?;
            return Err(e);
        }
        match record {
            Some(r) => after.insert(rowid, r),
            None => after.remove(&rowid),
        };
    }
    store.commit(t)?;
    Ok(after)
}

/// The checkpoint step of the model database: its rows with the store's.
fn checkpoint_into<F: File, A: Allocator + Clone, D: File>(
    store: &mut DurableStore<F, A>,
    db: &mut D,
    seed: u64,
) -> Result<Timestamp> {
    let (_, mut rows) = read_db(db);
    store.checkpoint(seed, |upto, changed| {
        for row in changed {
            match row.record {
                Some(r) => rows.insert(row.rowid.get(), r.to_vec()),
                None => rows.remove(&row.rowid.get()),
            };
        }
        write_db(db, upto, &rows)
    })
}

#[test]
fn commits_survive_a_reopen_and_a_checkpoint_moves_them_into_the_database() {
    let disk = MemoryPlatform::new();
    let open = |boundary| {
        let file = (&disk).open(LOG, OpenMode::Create).unwrap();
        DurableStore::recover(file, boundary, 1 << 20, 1, Global).unwrap()
    };
    let mut db_file = (&disk).open(DB, OpenMode::Create).unwrap();
    let mut store = open(Timestamp::ZERO);
    let mut rows = Rows::new();
    for tag in 1..=6 {
        rows = run_txn(&mut store, &rows, tag).unwrap();
    }
    assert!(store.log_len() > 32);
    drop(store);
    let mut store = open(Timestamp::ZERO);
    assert_eq!(store.store().clock(), Timestamp::new(6));
    assert_eq!(visible(&mut store, &Rows::new()), rows);
    let upto = checkpoint_into(&mut store, &mut db_file, 2).unwrap();
    assert_eq!(upto, Timestamp::new(6));
    assert_eq!(store.log_len(), 32);
    assert_eq!(store.store().versions(), 0);
    let (boundary, db) = read_db(&mut db_file);
    assert_eq!((boundary, &db), (upto, &rows));
    for tag in 7..=9 {
        rows = run_txn(&mut store, &rows, tag).unwrap();
    }
    drop(store);
    let mut store = open(boundary);
    assert_eq!(store.store().clock(), Timestamp::new(9));
    assert_eq!(visible(&mut store, &db), rows);
    // A log that starts after the database's boundary is another state's.
    drop(store);
    let file = (&disk).open(LOG, OpenMode::Create).unwrap();
    let refused = DurableStore::recover(file, Timestamp::new(5), 1 << 20, 1, Global);
    assert!(matches!(refused.map(|_| ()), Err(Error::Corrupt { .. })));
}

#[test]
fn a_log_the_reset_did_not_reach_is_skipped_up_to_the_boundary() {
    let disk = MemoryPlatform::new();
    let file = (&disk).open(LOG, OpenMode::Create).unwrap();
    let mut store = DurableStore::recover(file, Timestamp::ZERO, 1 << 20, 1, Global).unwrap();
    let mut rows = Rows::new();
    for tag in 1..=4 {
        rows = run_txn(&mut store, &rows, tag).unwrap();
    }
    drop(store);
    // The database took the checkpoint up to 3; the log kept its frames.
    let mut at3 = Rows::new();
    for tag in 1..=3 {
        at3 = apply(&at3, tag);
    }
    let file = (&disk).open(LOG, OpenMode::Create).unwrap();
    let mut store = DurableStore::recover(file, Timestamp::new(3), 1 << 20, 1, Global).unwrap();
    assert_eq!(store.store().versions(), changes(4).len());
    assert_eq!(visible(&mut store, &at3), rows);
}

/// `rows` after transaction `tag`.
fn apply(rows: &Rows, tag: u64) -> Rows {
    let mut after = rows.clone();
    for (rowid, record) in changes(tag) {
        match record {
            Some(r) => after.insert(rowid, r),
            None => after.remove(&rowid),
        };
    }
    after
}

const COMMITS: u64 = 9;

/// Commits and checkpoints on `fault` as far as the power lasts; the
/// commits acknowledged and whether one was in flight.
fn workload(fault: &FaultPlatform<&MemoryPlatform>) -> (u64, bool) {
    let Ok(log) = fault.open(LOG, OpenMode::Create) else {
        return (0, false);
    };
    let Ok(mut db) = fault.open(DB, OpenMode::Create) else {
        return (0, false);
    };
    let Ok(mut store) = DurableStore::recover(log, Timestamp::ZERO, 1 << 20, 1, Global) else {
        return (0, false);
    };
    let mut rows = Rows::new();
    for tag in 1..=COMMITS {
        match run_txn(&mut store, &rows, tag) {
            Ok(after) => rows = after,
            Err(_) => return (tag - 1, true),
        }
        if tag % 4 == 0 && checkpoint_into(&mut store, &mut db, tag).is_err() {
            return (tag, false);
        }
    }
    (COMMITS, false)
}

#[test]
fn every_power_cut_recovers_the_acknowledged_commits_whole() {
    let states: StdVec<Rows> = (0..=COMMITS)
        .scan(Rows::new(), |rows, tag| {
            if tag > 0 {
                *rows = apply(rows, tag);
            }
            Some(rows.clone())
        })
        .collect();
    let points = {
        let disk = MemoryPlatform::new();
        let fault = FaultPlatform::new(&disk);
        assert_eq!(workload(&fault), (COMMITS, false));
        fault.counts().mutations()
    };
    let (mut cuts, mut in_flight_kept) = (0, 0);
    for k in 0..points {
        let mut plans = std::vec![CrashPlan::LoseAll, CrashPlan::KeepAll];
        for landed in 0..4 {
            plans.push(CrashPlan::InOrder {
                landed,
                torn_sectors: 1,
            });
        }
        for seed in 0..8 {
            plans.push(CrashPlan::Random {
                seed: seed * 31 + k,
                tear: seed % 2 == 0,
            });
        }
        for plan in plans {
            let disk = MemoryPlatform::new();
            let mut fault = FaultPlatform::new(&disk);
            fault.cut_power_after(k);
            let (acked, in_flight) = workload(&fault);
            fault.power_cut(plan).unwrap();
            drop(fault);
            let what = std::format!("cut after {k} of {points}, {plan:?}, acked {acked}");
            let mut db_file = (&disk).open(DB, OpenMode::Create).unwrap();
            let (boundary, db) = read_db(&mut db_file);
            let log = (&disk).open(LOG, OpenMode::Create).unwrap();
            let mut store = DurableStore::recover(log, boundary, 1 << 20, 5, Global)
                .unwrap_or_else(|e| panic!("{what}: {e}"));
            let rows = visible(&mut store, &db);
            let last = acked + u64::from(in_flight);
            let Some(j) = (acked..=last).find(|&j| states[j as usize] == rows) else {
                panic!("{what}: recovered {rows:?}");
            };
            in_flight_kept += usize::from(j > acked);
            // The recovered store commits on.
            let after = run_txn(&mut store, &rows, 40).unwrap();
            drop(store);
            let log = (&disk).open(LOG, OpenMode::Create).unwrap();
            let mut store = DurableStore::recover(log, boundary, 1 << 20, 5, Global).unwrap();
            assert_eq!(visible(&mut store, &db), after, "{what}");
            cuts += 1;
        }
    }
    std::println!(
        "{points} cut points, {cuts} power cuts, {in_flight_kept} kept the commit in flight"
    );
    assert!(points > 30 && in_flight_kept > 0);
}

#[test]
fn recovery_and_commits_survive_every_allocation_failure() {
    let log_bytes = {
        let disk = MemoryPlatform::new();
        let file = (&disk).open(LOG, OpenMode::Create).unwrap();
        let mut store = DurableStore::recover(file, Timestamp::ZERO, 1 << 20, 1, Global).unwrap();
        let mut rows = Rows::new();
        for tag in 1..=6 {
            rows = run_txn(&mut store, &rows, tag).unwrap();
        }
        let mut file = store.log.into_file();
        let mut bytes = std::vec![0u8; file.size().unwrap() as usize];
        file.read_exact_at(0, &mut bytes).unwrap();
        bytes
    };
    let counting = Counting::new(Global);
    let fault = FaultAlloc::new(&counting);
    let want = (1..=6).fold(Rows::new(), |rows, tag| apply(&rows, tag));
    for persistent in [false, true] {
        let report = oom_sweep(
            &fault,
            persistent,
            |fault| {
                // Each run on its own copy of the log.
                let disk = MemoryPlatform::new();
                let mut file = (&disk).open(LOG, OpenMode::Create).unwrap();
                file.write_at(0, &log_bytes).unwrap();
                let mut store = DurableStore::recover(file, Timestamp::ZERO, 1 << 20, 1, fault)?;
                let rows = fault.unfaulted(|| visible(&mut store, &Rows::new()));
                assert_eq!(rows, want);
                let clock = store.store().clock();
                if let Err(e) = run_txn(&mut store, &rows, 7) {
                    // Refused whole: the last commit reads as it was.
                    assert_eq!(store.store().clock(), clock);
                    assert_eq!(fault.unfaulted(|| visible(&mut store, &Rows::new())), want);
                    return Err(e);
                }
                drop(store);
                // What was acknowledged is in the log.
                let file = (&disk).open(LOG, OpenMode::Create).unwrap();
                let mut store = fault.unfaulted(|| {
                    DurableStore::recover(file, Timestamp::ZERO, 1 << 20, 1, Global).unwrap()
                });
                let after = fault.unfaulted(|| visible(&mut store, &Rows::new()));
                assert_eq!(after, apply(&want, 7));
                Ok(after.len())
            },
            |n, error| {
                assert_eq!(error, Error::OutOfMemory, "failure {n}");
                assert_eq!(counting.stats().live_allocations(), 0, "failure {n} leaked");
            },
        )
        .unwrap();
        assert!(report.failure_points > 10, "{report:?}");
    }
}

#[test]
fn a_commit_writes_its_frame_through_one_piece_of_memory() {
    let disk = MemoryPlatform::new();
    let counting = Counting::new(Global);
    let file = (&disk).open(LOG, OpenMode::Create).unwrap();
    let mut store = DurableStore::recover(file, Timestamp::ZERO, 1 << 22, 1, &counting).unwrap();
    let write = |store: &mut DurableStore<_, &Counting<Global>>, from: i64, rows: i64| {
        let t = store.begin().unwrap();
        for rowid in from..from + rows {
            store
                .write(t, root(), RowId::new(rowid), Change::Insert(&[7; 100]))
                .unwrap();
        }
        t
    };
    let t = write(&mut store, 0, 10);
    store.commit(t).unwrap();
    // A frame smaller than a piece gets room for its padded body alone:
    // ten operations (kind, root, rowid, length, record), padded.
    let small = (10 * (1 + 4 + 8 + 4 + 100) as usize).div_ceil(8) * 8;
    assert_eq!(store.frame.capacity(), small);
    // 1,000 rows of 100 bytes: a frame of over 100 KiB, written through
    // one piece's room.
    let t = write(&mut store, 10, 1_000);
    let before = counting.stats().live_bytes;
    counting.reset_peak();
    store.commit(t).unwrap();
    assert_eq!(store.frame.capacity(), FRAME_PIECE_SIZE);
    assert!(
        counting.stats().peak_bytes <= before + FRAME_PIECE_SIZE,
        "{before} {:?}",
        counting.stats()
    );
    // Both frames read back whole.
    drop(store);
    let file = (&disk).open(LOG, OpenMode::Create).unwrap();
    let store = DurableStore::recover(file, Timestamp::ZERO, 1 << 22, 1, Global).unwrap();
    assert_eq!(store.store().versions(), 1_010);
    assert_eq!(store.store().clock(), Timestamp::new(2));
}

#[test]
fn a_checkpoint_frees_the_budget_only_when_no_transaction_pins_the_versions() {
    let disk = MemoryPlatform::new();
    let file = (&disk).open(LOG, OpenMode::Create).unwrap();
    let mut db_file = (&disk).open(DB, OpenMode::Create).unwrap();
    let mut store = DurableStore::recover(file, Timestamp::ZERO, 600, 1, Global).unwrap();
    let reader = store.begin().unwrap();
    let fill = |store: &mut DurableStore<_, Global>, from: i64| {
        let t = store.begin().unwrap();
        let mut rowid = from;
        let refused = loop {
            match store.write(t, root(), RowId::new(rowid), Change::Insert(&[7; 40])) {
                Ok(()) => rowid += 1,
                Err(e) => break e,
            }
        };
        store.commit(t).unwrap();
        (rowid, refused)
    };
    let (next, refused) = fill(&mut store, 0);
    assert_eq!(refused, Error::OutOfMemory);
    assert!(next > 2);
    // The checkpoint writes the rows, but `reader` reads the B-tree as of
    // before it and pins the versions: the budget stays full.
    checkpoint_into(&mut store, &mut db_file, 2).unwrap();
    let t = store.begin().unwrap();
    assert_eq!(
        store.write(t, root(), RowId::new(next), Change::Insert(&[7; 40])),
        Err(Error::OutOfMemory)
    );
    store.rollback(t).unwrap();
    assert_eq!(
        store.read(reader, root(), RowId::new(0)).unwrap(),
        Seen::Unversioned
    );
    // Once it ends, the versions go and the writes fit again.
    store.rollback(reader).unwrap();
    assert_eq!((store.store().versions(), store.store().used()), (0, 0));
    let (more, _) = fill(&mut store, next);
    assert_eq!(more - next, next);
    let (_, db) = read_db(&mut db_file);
    assert_eq!(db.len(), next as usize);
}

/// A transaction of the interleaving test: its id, the commit count at its
/// snapshot and its writes.
struct Running {
    id: TxnId,
    snapshot: usize,
    writes: BTreeMap<i64, Option<StdVec<u8>>>,
}

/// Seeded interleavings of several transactions with allocation failures
/// and log I/O errors injected at random points: every step agrees with a
/// model of snapshot isolation, every failed commit is gone whole, and
/// the log recovers exactly the acknowledged commits.
#[test]
fn seeded_failures_across_interleaved_transactions_keep_store_and_log_in_step() {
    use boundlite_alloc::FaultPlan;
    use boundlite_platform::{FaultTarget, IoFault};

    let (mut commits, mut failed_commits, mut failed_writes) = (0, 0, 0);
    for seed in 1..=30u64 {
        let mut rng = crate::test_rng::Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let disk = MemoryPlatform::new();
        let fault_io = FaultPlatform::new(&disk);
        let fault_mem = FaultAlloc::new(Global);
        let log = (&fault_io).open(LOG, OpenMode::Create).unwrap();
        let mut store =
            DurableStore::recover(log, Timestamp::ZERO, 1 << 20, seed, &fault_mem).unwrap();
        fault_mem.arm(FaultPlan::Random {
            seed,
            per_million: 30_000,
        });
        // Committed rows and the commit that wrote each; the state after
        // each commit.
        let mut committed: BTreeMap<i64, (usize, StdVec<u8>)> = BTreeMap::new();
        let mut history: StdVec<Rows> = std::vec![Rows::new()];
        let mut running: StdVec<Running> = StdVec::new();
        for step in 0..300 {
            let what = std::format!("seed {seed} step {step}");
            match rng.below(8) {
                0 | 1 if running.len() < 4 => {
                    if let Ok(id) = store.begin() {
                        running.push(Running {
                            id,
                            snapshot: history.len() - 1,
                            writes: BTreeMap::new(),
                        });
                    }
                }
                2..=4 if !running.is_empty() => {
                    let i = rng.below(running.len() as u64) as usize;
                    let rowid = rng.below(8) as i64;
                    let record = std::vec![seed as u8, step as u8];
                    let change = if rng.below(4) == 0 {
                        Change::Delete
                    } else {
                        Change::Update(&record)
                    };
                    let t = &mut running[i];
                    let lost = committed
                        .get(&rowid)
                        .is_some_and(|(at, _)| *at > t.snapshot);
                    match store.write(t.id, root(), RowId::new(rowid), change) {
                        Ok(()) => {
                            assert!(!lost, "{what}");
                            t.writes
                                .insert(rowid, (change != Change::Delete).then(|| record.clone()));
                        }
                        Err(Error::BusyConflict) => {
                            assert!(lost, "{what}");
                            store.rollback(t.id).unwrap();
                            running.remove(i);
                        }
                        Err(e) => {
                            // A refused write changes nothing; the
                            // transaction goes on.
                            assert_eq!(e, Error::OutOfMemory, "{what}");
                            failed_writes += 1;
                        }
                    }
                }
                5 | 6 if !running.is_empty() => {
                    let i = rng.below(running.len() as u64) as usize;
                    let t = running.remove(i);
                    let io = match rng.below(6) {
                        0 => IoFault::Once {
                            target: FaultTarget::Write,
                            n: 1,
                        },
                        1 => IoFault::Once {
                            target: FaultTarget::Sync,
                            n: 1,
                        },
                        _ => IoFault::Never,
                    };
                    fault_io.arm(io);
                    let lost = t
                        .writes
                        .keys()
                        .any(|k| committed.get(k).is_some_and(|(at, _)| *at > t.snapshot));
                    let done = store.commit(t.id);
                    fault_io.arm(IoFault::Never);
                    match done {
                        Ok(None) => assert!(t.writes.is_empty(), "{what}"),
                        Ok(Some(at)) => {
                            assert!(!lost && io == IoFault::Never, "{what}");
                            assert_eq!(at.get() as usize, history.len(), "{what}");
                            let mut state = history.last().unwrap().clone();
                            for (rowid, record) in t.writes {
                                match record {
                                    Some(r) => {
                                        state.insert(rowid, r.clone());
                                        committed.insert(rowid, (history.len(), r));
                                    }
                                    None => {
                                        state.remove(&rowid);
                                        committed.insert(rowid, (history.len(), StdVec::new()));
                                    }
                                }
                            }
                            history.push(state);
                            commits += 1;
                        }
                        Err(Error::BusyConflict) => assert!(lost, "{what}"),
                        Err(e) => {
                            assert!(
                                matches!(e, Error::OutOfMemory | Error::Io(_)),
                                "{what}: {e:?}"
                            );
                            failed_commits += 1;
                        }
                    }
                    assert!(
                        store.store().running() == running.len(),
                        "{what}: the transaction lingers"
                    );
                }
                7 if !running.is_empty() => {
                    let i = rng.below(running.len() as u64) as usize;
                    store.rollback(running.remove(i).id).unwrap();
                }
                _ => {}
            }
            // Every running transaction reads its snapshot and its writes.
            for t in &running {
                for rowid in 0..8 {
                    let want = match t.writes.get(&rowid) {
                        Some(w) => w.clone(),
                        None => history[t.snapshot].get(&rowid).cloned(),
                    };
                    let got = match store.read(t.id, root(), RowId::new(rowid)).unwrap() {
                        Seen::Row(r) => Some(r.to_vec()),
                        Seen::Deleted | Seen::Unversioned => None,
                    };
                    assert_eq!(got, want, "{what}: row {rowid}");
                }
            }
        }
        fault_mem.arm(FaultPlan::Never);
        for t in running {
            store.rollback(t.id).unwrap();
        }
        drop(store);
        drop(fault_io);
        // The log holds exactly the acknowledged commits.
        let log = (&disk).open(LOG, OpenMode::Create).unwrap();
        let mut recovered =
            DurableStore::recover(log, Timestamp::ZERO, 1 << 20, 3, Global).unwrap();
        assert_eq!(
            recovered.store().clock().get() as usize,
            history.len() - 1,
            "seed {seed}"
        );
        assert_eq!(
            &visible(&mut recovered, &Rows::new()),
            history.last().unwrap(),
            "seed {seed}"
        );
    }
    std::println!(
        "{commits} commits, {failed_commits} failed commits, {failed_writes} refused writes"
    );
    assert!(commits > 300 && failed_commits > 50 && failed_writes > 20);
}

/// Drives `t`'s commit a step at a time, answering `resume` at each
/// point; returns the points met and how the commit ended.
fn stepped<F: File, A: Allocator + Clone>(
    store: &mut DurableStore<F, A>,
    t: TxnId,
    mut resume: impl FnMut(&mut DurableStore<F, A>, CommitPoint) -> Resume,
) -> (StdVec<CommitPoint>, Result<Option<Timestamp>>) {
    let mut points = StdVec::new();
    match store.prepare(t) {
        Ok(Prepared::Empty) => return (points, Ok(None)),
        Ok(Prepared::Validated) => {}
        Err(e) => return (points, Err(e)),
    }
    let mut point = CommitPoint::Validated;
    loop {
        points.push(point);
        if resume(store, point) == Resume::Abandon {
            store.rollback(t).unwrap();
            return (points, Err(Error::Abort("abandoned")));
        }
        match store.step(t) {
            Ok(CommitStep::Paused(next)) => point = next,
            Ok(CommitStep::Committed(c)) => return (points, Ok(Some(c))),
            Err(e) => return (points, Err(e)),
        }
    }
}

/// Writes rows `rows` of 5,000 bytes each (two pieces a row) in a
/// transaction of its own.
fn big_txn<F: File, A: Allocator + Clone>(
    store: &mut DurableStore<F, A>,
    rows: core::ops::Range<i64>,
) -> TxnId {
    let t = store.begin().unwrap();
    for rowid in rows {
        store
            .write(
                t,
                root(),
                RowId::new(rowid),
                Change::Insert(&[rowid as u8; 5000]),
            )
            .unwrap();
    }
    t
}

fn log_bytes(disk: &MemoryPlatform) -> StdVec<u8> {
    let mut file = disk.open(LOG, OpenMode::Create).unwrap();
    let mut bytes = std::vec![0u8; file.size().unwrap() as usize];
    file.read_exact_at(0, &mut bytes).unwrap();
    bytes
}

#[test]
fn a_commit_driven_a_step_at_a_time_logs_the_bytes_of_one_run_whole() {
    let (whole, stepwise) = (MemoryPlatform::new(), MemoryPlatform::new());
    fn open(disk: &MemoryPlatform) -> DurableStore<boundlite_platform::MemoryFile<'_>, Global> {
        let file = disk.open(LOG, OpenMode::Create).unwrap();
        DurableStore::recover(file, Timestamp::ZERO, 1 << 22, 1, Global).unwrap()
    }
    let (mut a, mut b) = (open(&whole), open(&stepwise));
    for rows in [0..1, 1..4, 4..5] {
        let t = big_txn(&mut a, rows.clone());
        let whole_commit = a.commit(t).unwrap();
        let t = big_txn(&mut b, rows.clone());
        let (points, stepped_commit) = stepped(&mut b, t, |_, _| Resume::Continue);
        assert_eq!(stepped_commit.unwrap(), whole_commit);
        // 5,017 bytes an operation, padded: a piece of 4 KiB at a time.
        let pieces = ((rows.end - rows.start) as u64 * 5017).div_ceil(8) * 8;
        let pieces = pieces.div_ceil(FRAME_PIECE_SIZE as u64) as u32;
        let want: StdVec<_> = [CommitPoint::Validated]
            .into_iter()
            .chain((1..=pieces).map(CommitPoint::PieceWritten))
            .chain([CommitPoint::HeaderWritten])
            .collect();
        assert_eq!(points, want);
        assert_eq!(log_bytes(&whole), log_bytes(&stepwise));
    }
}

#[test]
fn a_preparing_commit_holds_its_rows_and_its_partial_frame_holds_the_log() {
    let disk = MemoryPlatform::new();
    let file = (&disk).open(LOG, OpenMode::Create).unwrap();
    let mut store = DurableStore::recover(file, Timestamp::ZERO, 1 << 22, 1, Global).unwrap();
    let mut db_file = (&disk).open(DB, OpenMode::Create).unwrap();
    let t = big_txn(&mut store, 0..2);
    let same_row = big_txn(&mut store, 1..2);
    let small = |store: &mut DurableStore<_, Global>, rowid| {
        let t = store.begin().unwrap();
        store
            .write(t, root(), RowId::new(rowid), Change::Insert(b"small"))
            .unwrap();
        t
    };
    let other_row = small(&mut store, 5);
    let late = small(&mut store, 6);
    let (points, committed) = stepped(&mut store, t, |store, point| {
        match point {
            CommitPoint::Validated => {
                // It validated first: a commit of one of its rows loses.
                assert_eq!(store.commit(same_row), Err(Error::BusyConflict));
                // Another stepped commit waits for it.
                assert_eq!(store.prepare(late), Err(Error::Busy));
                // A disjoint commit goes first; the preparing one takes
                // the next timestamp when its frame starts.
                assert_eq!(store.commit(other_row), Ok(Some(Timestamp::new(1))));
                checkpoint_into(store, &mut db_file, 3).unwrap();
            }
            _ => {
                let before = store.log_len();
                assert_eq!(store.commit(late), Err(Error::Busy));
                assert_eq!(checkpoint_into(store, &mut db_file, 3), Err(Error::Busy));
                assert_eq!(store.log_len(), before);
                // A reader sees none of its rows.
                let r = store.begin().unwrap();
                assert_eq!(
                    store.read(r, root(), RowId::new(0)).unwrap(),
                    Seen::Unversioned
                );
                store.rollback(r).unwrap();
            }
        }
        Resume::Continue
    });
    assert_eq!(points.len(), 5, "{points:?}");
    assert_eq!(committed, Ok(Some(Timestamp::new(2))));
    // `late` stayed running through its `Busy`s and commits now.
    assert_eq!(store.commit(late), Ok(Some(Timestamp::new(3))));
    assert_eq!(store.store().running(), 0);
    drop(store);
    let file = (&disk).open(LOG, OpenMode::Create).unwrap();
    let (boundary, _) = read_db(&mut db_file);
    let store = DurableStore::recover(file, boundary, 1 << 22, 1, Global).unwrap();
    assert_eq!(store.store().clock(), Timestamp::new(3));
    assert_eq!(store.store().versions(), 3);
}

#[test]
fn a_commit_abandoned_at_every_point_leaves_the_log_and_store_as_before() {
    // Two rows: three pieces, five points.
    for abandon_at in 0..5 {
        let disk = MemoryPlatform::new();
        let file = (&disk).open(LOG, OpenMode::Create).unwrap();
        let mut store = DurableStore::recover(file, Timestamp::ZERO, 1 << 22, 1, Global).unwrap();
        let t = big_txn(&mut store, 0..1);
        store.commit(t).unwrap();
        let (log, used) = (log_bytes(&disk), store.store().used());
        let t = big_txn(&mut store, 1..3);
        let mut at = 0;
        let (points, committed) = stepped(&mut store, t, |_, _| {
            at += 1;
            match at - 1 == abandon_at {
                true => Resume::Abandon,
                false => Resume::Continue,
            }
        });
        assert_eq!(committed, Err(Error::Abort("abandoned")), "{points:?}");
        assert_eq!(log_bytes(&disk), log, "abandoned at {:?}", points.last());
        assert_eq!(store.store().used(), used);
        assert_eq!(store.store().running(), 0);
        assert_eq!(store.store().preparing(), None);
        // The rows are free again, and the log takes the next commit.
        let t = big_txn(&mut store, 2..3);
        assert_eq!(store.commit(t), Ok(Some(Timestamp::new(2))));
        drop(store);
        let file = (&disk).open(LOG, OpenMode::Create).unwrap();
        let store = DurableStore::recover(file, Timestamp::ZERO, 1 << 22, 1, Global).unwrap();
        assert_eq!(store.store().versions(), 2);
    }
}

#[test]
fn a_commit_driven_a_step_at_a_time_fails_cleanly_at_every_allocation() {
    let counting = Counting::new(Global);
    let fault = FaultAlloc::new(&counting);
    for persistent in [true, false] {
        let report = oom_sweep(
            &fault,
            persistent,
            |fault| {
                let disk = MemoryPlatform::new();
                let file = (&disk).open(LOG, OpenMode::Create).unwrap();
                let mut store = DurableStore::recover(file, Timestamp::ZERO, 1 << 22, 1, fault)?;
                let t = store.begin()?;
                for rowid in 0..2 {
                    let change = Change::Insert(&[9; 3000]);
                    if let Err(e) = store.write(t, root(), RowId::new(rowid), change) {
                        store.rollback(t)?;
                        return Err(e);
                    }
                }
                let (_, committed) = stepped(&mut store, t, |_, _| Resume::Continue);
                let log = log_bytes(&disk);
                assert_eq!(store.store().running(), 0);
                match committed {
                    Ok(_) => assert!(log.len() > 6000),
                    // Nothing of the frame stays behind.
                    Err(_) => assert_eq!(log.len(), 32),
                }
                committed.map(|_| ())
            },
            |n, e| assert_eq!(e, Error::OutOfMemory, "failure {n}"),
        )
        .unwrap();
        assert!(report.failure_points > 3, "{report:?}");
        assert_eq!(counting.stats().live_bytes, 0);
    }
}
