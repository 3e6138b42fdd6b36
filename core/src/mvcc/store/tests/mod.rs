//! Tests of the version store: visibility, first-committer-wins, GC, the
//! budget, checkpoints and replay; a random interleaving of transactions
//! against a model of snapshot isolation; OOM sweeps; Hermitage's
//! anomalies (`hermitage`).
// Test scaffolding uses std's collections.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

extern crate std;

mod entries;
mod hermitage;
mod words;

use std::collections::BTreeMap;
use std::vec::Vec as StdVec;

use boundlite_alloc::{Counting, FaultAlloc, oom_sweep};

use super::*;
use crate::alloc::Global;
use crate::test_rng::Rng;

fn root(n: u32) -> PageNo {
    PageNo::new(n).unwrap()
}

fn id(n: i64) -> RowId {
    RowId::new(n)
}

fn store() -> VersionStore<Global> {
    VersionStore::new_in(Global, 1 << 20, Timestamp::ZERO)
}

/// Commits `txn`, logging nothing.
fn commit<A: Allocator + Clone>(
    store: &mut VersionStore<A>,
    txn: TxnId,
) -> Result<Option<Timestamp>> {
    store.commit(txn, |_, _| Ok(()))
}

const T: u32 = 2;

#[test]
fn a_transaction_sees_its_own_writes_and_commits_before_its_snapshot() {
    let mut s = store();
    let a = s.begin().unwrap();
    s.write(a, root(T), id(1), Change::Insert(b"a1")).unwrap();
    let b = s.begin().unwrap();
    assert_eq!(s.read(a, root(T), id(1)).unwrap(), Seen::Row(b"a1"));
    assert_eq!(s.read(b, root(T), id(1)).unwrap(), Seen::Unversioned);
    assert_eq!(commit(&mut s, a).unwrap(), Some(Timestamp::new(1)));
    // b's snapshot is from before a's commit: repeatable reads.
    assert_eq!(s.read(b, root(T), id(1)).unwrap(), Seen::Unversioned);
    let c = s.begin().unwrap();
    assert_eq!(s.read(c, root(T), id(1)).unwrap(), Seen::Row(b"a1"));
    s.write(c, root(T), id(1), Change::Delete).unwrap();
    assert_eq!(s.read(c, root(T), id(1)).unwrap(), Seen::Deleted);
    commit(&mut s, c).unwrap();
    let d = s.begin().unwrap();
    assert_eq!(s.read(d, root(T), id(1)).unwrap(), Seen::Deleted);
    assert_eq!(s.read(b, root(T), id(1)).unwrap(), Seen::Unversioned);
    assert_eq!(s.read(d, root(T + 1), id(1)).unwrap(), Seen::Unversioned);
    assert!(matches!(s.read(a, root(T), id(1)), Err(Error::Misuse(_))));
}

#[test]
fn the_last_unseen_row_is_looked_for_above_the_rows_a_transaction_sees() {
    let mut s = store();
    let setup = s.begin().unwrap();
    s.write(setup, root(T), id(2), Change::Insert(b"old"))
        .unwrap();
    commit(&mut s, setup).unwrap();
    let (a, b) = (s.begin().unwrap(), s.begin().unwrap());
    for rowid in [3, 4] {
        s.write(a, root(T), id(rowid), Change::Insert(b"a"))
            .unwrap();
    }
    s.write(b, root(T), id(9), Change::Insert(b"b")).unwrap();
    // a sees 2, 3 and 4, not b's 9; b sees 2 and 9, not a's 3 and 4.
    assert_eq!(s.last_unseen_row(a, root(T), None).unwrap(), Some(id(9)));
    assert_eq!(
        s.last_unseen_row(a, root(T), Some(id(4))).unwrap(),
        Some(id(9))
    );
    assert_eq!(s.last_unseen_row(a, root(T), Some(id(9))).unwrap(), None);
    assert_eq!(s.last_unseen_row(b, root(T), None).unwrap(), Some(id(4)));
    assert_eq!(
        s.last_unseen_row(b, root(T), Some(id(3))).unwrap(),
        Some(id(4))
    );
    assert_eq!(s.last_unseen_row(b, root(T), Some(id(9))).unwrap(), None);
    // Committed after b's snapshot: still unseen by b, seen by a later one.
    commit(&mut s, a).unwrap();
    assert_eq!(
        s.last_unseen_row(b, root(T), Some(id(2))).unwrap(),
        Some(id(4))
    );
    let c = s.begin().unwrap();
    assert_eq!(s.last_unseen_row(c, root(T), None).unwrap(), Some(id(9)));
    assert_eq!(
        s.last_unseen_row(c, root(T), Some(id(4))).unwrap(),
        Some(id(9))
    );
    assert_eq!(s.last_unseen_row(c, root(T + 1), None).unwrap(), None);
}

#[test]
fn the_first_committer_wins_and_the_loser_is_rolled_back() {
    let mut s = store();
    let setup = s.begin().unwrap();
    s.write(setup, root(T), id(1), Change::Insert(b"x0"))
        .unwrap();
    commit(&mut s, setup).unwrap();
    let (t1, t2) = (s.begin().unwrap(), s.begin().unwrap());
    // Both may hold pending versions of one row.
    s.write(t1, root(T), id(1), Change::Update(b"x1")).unwrap();
    s.write(t2, root(T), id(1), Change::Update(b"x2")).unwrap();
    s.write(t2, root(T), id(2), Change::Insert(b"y2")).unwrap();
    commit(&mut s, t1).unwrap();
    let clock = s.clock();
    assert_eq!(commit(&mut s, t2), Err(Error::BusyConflict));
    assert_eq!(s.clock(), clock);
    assert_eq!(s.running(), 0);
    let r = s.begin().unwrap();
    assert_eq!(s.read(r, root(T), id(1)).unwrap(), Seen::Row(b"x1"));
    assert_eq!(s.read(r, root(T), id(2)).unwrap(), Seen::Unversioned);
    // A write after the winner's commit fails at once.
    let t3 = s.begin().unwrap();
    commit(&mut s, r).unwrap();
    let t4 = s.begin().unwrap();
    s.write(t4, root(T), id(1), Change::Update(b"x4")).unwrap();
    commit(&mut s, t4).unwrap();
    assert_eq!(
        s.write(t3, root(T), id(1), Change::Delete),
        Err(Error::BusyConflict)
    );
    s.rollback(t3).unwrap();
    assert_eq!(Error::BusyConflict.code(), 5);
    assert!(std::format!("{}", Error::BusyConflict).contains("roll back and retry"));
}

#[test]
fn write_skew_is_allowed_as_snapshot_isolation_allows_it() {
    let mut s = store();
    let (t1, t2) = (s.begin().unwrap(), s.begin().unwrap());
    s.write(t1, root(T), id(1), Change::Insert(b"one")).unwrap();
    s.write(t2, root(T), id(2), Change::Insert(b"two")).unwrap();
    assert!(commit(&mut s, t1).unwrap().is_some());
    assert!(commit(&mut s, t2).unwrap().is_some());
}

#[test]
fn the_log_gets_each_row_once_with_its_net_change() {
    let mut s = store();
    let setup = s.begin().unwrap();
    s.write(setup, root(T), id(3), Change::Insert(b"old"))
        .unwrap();
    commit(&mut s, setup).unwrap();
    let t = s.begin().unwrap();
    s.write(t, root(T), id(1), Change::Insert(b"a")).unwrap();
    s.write(t, root(T), id(1), Change::Update(b"b")).unwrap();
    s.write(t, root(T), id(2), Change::Insert(b"c")).unwrap();
    s.write(t, root(T), id(2), Change::Delete).unwrap();
    s.write(t, root(T), id(3), Change::Delete).unwrap();
    s.write(t, root(T), id(3), Change::Insert(b"new")).unwrap();
    s.write(t, root(T + 1), id(-5), Change::Update(b"d"))
        .unwrap();
    let mut logged = StdVec::new();
    let mut frame: StdVec<(u32, i64, Option<StdVec<u8>>, bool)> = StdVec::new();
    let at = s
        .commit(t, |commit, writes| {
            for w in writes {
                logged.push((w.root.get(), w.rowid.get(), w.change.kind()));
                let (record, update) = match w.change {
                    Change::Insert(r) => (Some(r.to_vec()), false),
                    Change::Update(r) => (Some(r.to_vec()), true),
                    Change::Delete => (None, false),
                    Change::Claim => panic!("a claim was logged"),
                };
                frame.push((w.root.get(), w.rowid.get(), record, update));
            }
            assert_eq!(commit, Timestamp::new(2));
            Ok(())
        })
        .unwrap();
    assert_eq!(at, Some(Timestamp::new(2)));
    assert_eq!(
        logged,
        [
            (T, 1, ChangeKind::Insert),
            (T, 2, ChangeKind::Delete),
            (T, 3, ChangeKind::Update),
            (T + 1, -5, ChangeKind::Update),
        ]
    );
    // Replayed into a fresh store, the frame gives the same rows.
    let mut replayed = store();
    replayed
        .replay(
            Timestamp::new(1),
            [Ok(LogOp::Insert {
                root: root(T),
                rowid: id(3),
                record: b"old",
            })],
        )
        .unwrap();
    let ops = || {
        frame.iter().map(|(table, rowid, record, update)| {
            let (root, rowid) = (root(*table), id(*rowid));
            Ok(match (record, update) {
                (Some(record), false) => LogOp::Insert {
                    root,
                    rowid,
                    record,
                },
                (Some(record), true) => LogOp::Update {
                    root,
                    rowid,
                    record,
                },
                (None, _) => LogOp::Delete { root, rowid },
            })
        })
    };
    replayed.replay(Timestamp::new(2), ops()).unwrap();
    assert_eq!(replayed.clock(), Timestamp::new(2));
    let (r1, r2) = (s.begin().unwrap(), replayed.begin().unwrap());
    for (table, rowid) in [(T, 1), (T, 2), (T, 3), (T + 1, -5), (T, 4)] {
        assert_eq!(
            s.read(r1, root(table), id(rowid)).unwrap(),
            replayed.read(r2, root(table), id(rowid)).unwrap(),
            "{table} {rowid}"
        );
    }
    assert!(matches!(
        replayed.replay(Timestamp::new(2), ops()),
        Err(Error::Misuse(_))
    ));
    replayed.rollback(r2).unwrap();
    assert!(matches!(
        replayed.replay(Timestamp::new(2), ops()),
        Err(Error::Corrupt { .. })
    ));
}

#[test]
fn a_commit_whose_log_fails_is_rolled_back() {
    let mut s = store();
    let t = s.begin().unwrap();
    s.write(t, root(T), id(1), Change::Insert(b"x")).unwrap();
    let io = Error::Io(boundlite_platform::PlatformError::new(
        boundlite_platform::ErrorKind::Io,
    ));
    assert_eq!(s.commit(t, |_, _| Err(io)), Err(io));
    assert_eq!(
        (s.clock(), s.running(), s.versions(), s.used()),
        (Timestamp::ZERO, 0, 0, 0)
    );
    let r = s.begin().unwrap();
    assert_eq!(s.read(r, root(T), id(1)).unwrap(), Seen::Unversioned);
    // A transaction that wrote nothing takes no timestamp and logs nothing.
    assert_eq!(s.commit(r, |_, _| panic!("nothing to log")), Ok(None));
}

#[test]
fn versions_are_freed_once_no_transaction_can_see_them() {
    let mut s = store();
    for n in 0..5u8 {
        let t = s.begin().unwrap();
        s.write(t, root(T), id(1), Change::Update(&[n])).unwrap();
        commit(&mut s, t).unwrap();
    }
    // No reader: only the latest version stays.
    assert_eq!(s.versions(), 1);
    let reader = s.begin().unwrap();
    for n in 5..9u8 {
        let t = s.begin().unwrap();
        s.write(t, root(T), id(1), Change::Update(&[n])).unwrap();
        commit(&mut s, t).unwrap();
    }
    // The reader pins the version it sees; the ones between went.
    assert_eq!(s.versions(), 2);
    assert_eq!(s.read(reader, root(T), id(1)).unwrap(), Seen::Row(&[4]));
    commit(&mut s, reader).unwrap();
    assert_eq!(s.versions(), 1);
    // A checkpoint lets the rest go: the B-tree holds them.
    s.checkpointed(s.clock()).unwrap();
    assert_eq!((s.versions(), s.used()), (0, 0));
}

#[test]
fn a_reader_of_an_older_b_tree_keeps_the_versions_a_checkpoint_wrote() {
    let mut s = store();
    let old = s.begin().unwrap();
    let w = s.begin().unwrap();
    s.write(w, root(T), id(1), Change::Insert(b"x")).unwrap();
    s.write(w, root(T), id(2), Change::Insert(b"y")).unwrap();
    commit(&mut s, w).unwrap();
    let d = s.begin().unwrap();
    s.write(d, root(T), id(2), Change::Delete).unwrap();
    commit(&mut s, d).unwrap();
    let upto = s.clock();
    let rows: StdVec<_> = s.checkpoint_rows(upto).collect();
    assert_eq!(
        rows,
        [
            CheckpointRow {
                root: root(T),
                rowid: id(1),
                record: Some(&b"x"[..])
            },
            CheckpointRow {
                root: root(T),
                rowid: id(2),
                record: None
            },
        ]
    );
    s.checkpointed(upto).unwrap();
    // `old` reads the B-tree as of before the checkpoint: the versions stay.
    assert_eq!(s.read(old, root(T), id(1)).unwrap(), Seen::Unversioned);
    let fresh = s.begin().unwrap();
    assert_eq!(s.read(fresh, root(T), id(1)).unwrap(), Seen::Row(b"x"));
    assert_eq!(s.versions(), 2);
    assert_eq!(s.checkpoint_rows(upto).count(), 0);
    commit(&mut s, old).unwrap();
    // Now every reader's B-tree holds them.
    assert_eq!(s.versions(), 0);
    assert_eq!(s.read(fresh, root(T), id(1)).unwrap(), Seen::Unversioned);
    assert!(matches!(
        s.checkpointed(Timestamp::new(upto.get() + 1)),
        Err(Error::Misuse(_))
    ));
}

#[test]
fn a_transaction_moves_to_a_checkpoint_only_when_it_reads_every_row_as_at_its_snapshot() {
    let mut s = store();
    let w = s.begin().unwrap();
    s.write(w, root(T), id(1), Change::Insert(b"x")).unwrap();
    commit(&mut s, w).unwrap();
    // `a` began on the last commit; `b` began before it.
    let b = {
        let b = s.begin().unwrap();
        let w = s.begin().unwrap();
        s.write(w, root(T), id(2), Change::Insert(b"y")).unwrap();
        commit(&mut s, w).unwrap();
        b
    };
    let a = s.begin().unwrap();
    s.write(a, root(T), id(3), Change::Insert(b"z")).unwrap();
    let upto = s.clock();
    s.checkpointed(upto).unwrap();
    assert_eq!(
        s.versions(),
        3,
        "both readers pin the checkpointed versions"
    );
    assert!(s.move_to_checkpoint(a, |_, _, _| Ok(false)).unwrap());
    assert!(
        !s.move_to_checkpoint(a, |_, _, _| Ok(false)).unwrap(),
        "already on the checkpoint"
    );
    assert!(
        !s.move_to_checkpoint(b, |_, _, _| Ok(false)).unwrap(),
        "its B-tree holds row 2, which the checkpointed one changed"
    );
    // `b` reads the B-tree from before the checkpoint: rows 1 and 2 keep
    // their versions, which `a` reads as its B-tree has them.
    assert_eq!(s.read(a, root(T), id(1)).unwrap(), Seen::Row(b"x"));
    assert_eq!(s.read(a, root(T), id(3)).unwrap(), Seen::Row(b"z"));
    assert_eq!(s.versions(), 3);
    commit(&mut s, b).unwrap();
    // Every running transaction reads the checkpointed B-tree: only
    // `a`'s pending write is left.
    assert_eq!(s.versions(), 1);
    assert_eq!(s.read(a, root(T), id(1)).unwrap(), Seen::Unversioned);
    assert!(matches!(
        s.move_to_checkpoint(b, |_, _, _| Ok(false)),
        Err(Error::Misuse(_))
    ));
}

#[test]
fn rows_come_in_rowid_order_with_what_the_transaction_sees() {
    let mut s = store();
    let t = s.begin().unwrap();
    for rowid in [5, -3, 9, 1] {
        s.write(t, root(T), id(rowid), Change::Insert(b"r"))
            .unwrap();
    }
    s.write(t, root(T + 1), id(2), Change::Insert(b"other table"))
        .unwrap();
    commit(&mut s, t).unwrap();
    let other = s.begin().unwrap();
    s.write(other, root(T), id(7), Change::Insert(b"pending"))
        .unwrap();
    let t = s.begin().unwrap();
    s.write(t, root(T), id(9), Change::Delete).unwrap();
    let mut seen = StdVec::new();
    let mut after = None;
    while let Some((rowid, what)) = s.next_row(t, root(T), after).unwrap() {
        seen.push((rowid.get(), what));
        after = Some(rowid);
    }
    assert_eq!(
        seen,
        [
            (-3, Seen::Row(b"r")),
            (1, Seen::Row(b"r")),
            (5, Seen::Row(b"r")),
            (9, Seen::Deleted),
        ]
    );
    assert_eq!(
        s.next_row(t, root(T), Some(id(6))).unwrap().map(|r| r.0),
        Some(id(9))
    );
    assert_eq!(s.next_row(t, root(T + 5), None).unwrap(), None);
}

#[test]
fn a_write_past_the_budget_fails_and_changes_nothing() {
    let mut s = VersionStore::new_in(Global, 4096, Timestamp::ZERO);
    let t = s.begin().unwrap();
    let big = [7u8; 1000];
    let mut stored = 0;
    let error = loop {
        match s.write(t, root(T), id(stored), Change::Insert(&big)) {
            Ok(()) => stored += 1,
            Err(e) => break e,
        }
    };
    assert_eq!(error, Error::OutOfMemory);
    assert!(stored >= 2 && s.used() <= s.budget());
    let used = s.used();
    assert_eq!(s.read(t, root(T), id(stored)).unwrap(), Seen::Unversioned);
    // Replacing its own version with a smaller one fits.
    s.write(t, root(T), id(0), Change::Update(b"small"))
        .unwrap();
    assert!(s.used() < used);
    commit(&mut s, t).unwrap();
    s.checkpointed(s.clock()).unwrap();
    assert_eq!(s.used(), 0);
    let t = s.begin().unwrap();
    s.write(t, root(T), id(stored), Change::Insert(&big))
        .unwrap();
}

/// A row of the model: table root and rowid.
type Key = (u32, i64);
/// A row's record, `None` when deleted.
type Record = Option<StdVec<u8>>;
/// Rows as of one commit.
type State = BTreeMap<Key, Record>;

/// A model of snapshot isolation with first-committer-wins: committed
/// rows with the timestamp that wrote each, and each running
/// transaction's snapshot and writes.
#[derive(Default)]
struct Model {
    committed: BTreeMap<Key, (u64, Record)>,
    /// The committed state as of each commit.
    history: StdVec<State>,
}

impl Model {
    fn state(&self) -> State {
        self.committed
            .iter()
            .map(|(k, (_, v))| (*k, v.clone()))
            .collect()
    }
}

struct ModelTxn {
    id: TxnId,
    snapshot: usize,
    writes: State,
}

/// Random interleavings of transactions on a few rows, each step checked
/// against the model: reads, conflicts, commits, GC and the budget's count.
#[test]
fn random_interleavings_agree_with_a_model_of_snapshot_isolation() {
    let (mut commits, mut conflicts) = (0, 0);
    for seed in 1..=40u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let mut s = store();
        let mut model = Model::default();
        model.history.push(BTreeMap::new());
        let mut running: StdVec<ModelTxn> = StdVec::new();
        for step in 0..400 {
            let what = std::format!("seed {seed} step {step}");
            match rng.below(10) {
                0 | 1 if running.len() < 4 => {
                    let id = s.begin().unwrap();
                    running.push(ModelTxn {
                        id,
                        snapshot: model.history.len() - 1,
                        writes: BTreeMap::new(),
                    });
                }
                2..=5 if !running.is_empty() => {
                    let i = rng.below(running.len() as u64) as usize;
                    let key = (T + rng.below(2) as u32, rng.below(6) as i64);
                    let t = &mut running[i];
                    let record = std::vec![seed as u8, step as u8, rng.below(256) as u8];
                    let change = if rng.below(4) == 0 {
                        Change::Delete
                    } else {
                        Change::Update(&record)
                    };
                    let lost = model
                        .committed
                        .get(&key)
                        .is_some_and(|(at, _)| *at as usize > t.snapshot);
                    let done = s.write(t.id, root(key.0), id(key.1), change);
                    if lost {
                        assert_eq!(done, Err(Error::BusyConflict), "{what}");
                        s.rollback(t.id).unwrap();
                        running.remove(i);
                        conflicts += 1;
                    } else {
                        done.unwrap();
                        t.writes.insert(key, change.record().map(<[u8]>::to_vec));
                    }
                }
                6 | 7 if !running.is_empty() => {
                    let i = rng.below(running.len() as u64) as usize;
                    let t = running.remove(i);
                    let lost = t.writes.keys().any(|k| {
                        model
                            .committed
                            .get(k)
                            .is_some_and(|(at, _)| *at as usize > t.snapshot)
                    });
                    let done = commit(&mut s, t.id);
                    if lost {
                        assert_eq!(done, Err(Error::BusyConflict), "{what}");
                        conflicts += 1;
                    } else if t.writes.is_empty() {
                        assert_eq!(done, Ok(None), "{what}");
                    } else {
                        let at = model.history.len() as u64;
                        assert_eq!(done, Ok(Some(Timestamp::new(at))), "{what}");
                        for (k, v) in t.writes {
                            model.committed.insert(k, (at, v));
                        }
                        model.history.push(model.state());
                        commits += 1;
                    }
                }
                8 if !running.is_empty() => {
                    let i = rng.below(running.len() as u64) as usize;
                    s.rollback(running.remove(i).id).unwrap();
                }
                _ => {}
            }
            // Every running transaction reads its snapshot and its writes.
            for t in &running {
                let snapshot = &model.history[t.snapshot];
                for table in [T, T + 1] {
                    for rowid in 0..6 {
                        let key = (table, rowid);
                        let want = match t.writes.get(&key) {
                            Some(w) => Some(w.clone()),
                            None => snapshot.get(&key).cloned(),
                        };
                        let got = match s.read(t.id, root(table), id(rowid)).unwrap() {
                            Seen::Row(r) => Some(Some(r.to_vec())),
                            Seen::Deleted => Some(None),
                            Seen::Unversioned => None,
                        };
                        // Nothing is checkpointed: a row the store does not
                        // version was never written.
                        assert_eq!(got, want, "{what}: {key:?}");
                    }
                }
            }
            let charged: usize = s
                .tables
                .tables
                .iter()
                .flat_map(|t| t.rows.iter())
                .map(|r| ROW_CHARGE + r.versions.iter().map(Version::charge).sum::<usize>())
                .sum();
            assert_eq!(s.used(), charged, "{what}");
            // And nothing is kept that no running transaction can see.
            for row in s.tables.tables.iter().flat_map(|t| t.rows.iter()) {
                for v in row.versions.iter() {
                    if let (Begin::Committed(b), End::Committed(e)) = (v.begin(), v.end()) {
                        let seen = running.iter().any(|t| {
                            let at = Timestamp::new(t.snapshot as u64);
                            b <= at && at < e
                        });
                        assert!(seen, "{what}: version [{b:?}, {e:?}) kept");
                    }
                }
            }
        }
        for t in running {
            s.rollback(t.id).unwrap();
        }
        // No reader is left: one version per row written.
        assert_eq!(s.versions(), model.committed.len(), "seed {seed}");
        s.checkpointed(s.clock()).unwrap();
        assert_eq!((s.versions(), s.used()), (0, 0), "seed {seed}");
    }
    std::println!("{commits} commits, {conflicts} conflicts");
    assert!(commits > 500 && conflicts > 50);
}

/// Begins, writes and commits transactions on a store in `alloc`, with a
/// reader pinning versions; on an error, checks the store still answers
/// the last committed state and is rolled back cleanly.
fn workload<A: Allocator + Clone>(alloc: A) -> Result<usize> {
    let mut s = VersionStore::new_in(alloc, 1 << 20, Timestamp::ZERO);
    let mut committed: BTreeMap<i64, StdVec<u8>> = BTreeMap::new();
    let reader = s.begin()?;
    for round in 0..6i64 {
        let t = s.begin()?;
        let mut mine = committed.clone();
        let mut wrote = Ok(());
        for k in 0..4 {
            let rowid = (round * 3 + k) % 7;
            let record = std::vec![round as u8; 10 + (k as usize) * 30];
            wrote = s.write(t, root(T), id(rowid), Change::Update(&record));
            if wrote.is_err() {
                break;
            }
            mine.insert(rowid, record);
        }
        let done = wrote.and_then(|()| commit(&mut s, t).map(|_| ()));
        if let Err(e) = done {
            // The failed transaction is gone (or goes now) and the last
            // commit reads as it was.
            let _ = s.rollback(t);
            let check = s.begin().expect("a store with room to spare begins");
            for rowid in 0..7 {
                let got = match s.read(check, root(T), id(rowid)).unwrap() {
                    Seen::Row(r) => Some(r.to_vec()),
                    _ => None,
                };
                assert_eq!(
                    got.as_ref(),
                    committed.get(&rowid),
                    "row {rowid} after {e:?}"
                );
            }
            return Err(e);
        }
        committed = mine;
    }
    s.rollback(reader)?;
    s.checkpointed(s.clock())?;
    Ok(s.versions())
}

#[test]
fn every_allocation_failure_is_out_of_memory_and_leaves_the_store_consistent() {
    let counting = Counting::new(Global);
    let fault = FaultAlloc::new(&counting);
    for persistent in [false, true] {
        let report = oom_sweep(
            &fault,
            persistent,
            |fault| workload(fault),
            |n, error| {
                assert_eq!(error, Error::OutOfMemory, "failure {n}");
                assert_eq!(counting.stats().live_allocations(), 0, "failure {n} leaked");
            },
        )
        .unwrap();
        assert_eq!(report.value, 0);
        assert!(report.failure_points > 20, "{report:?}");
    }
}

#[test]
fn a_statement_savepoint_takes_back_its_writes_alone() {
    let mut s = store();
    let a = s.begin().unwrap();
    s.write(a, root(T), id(1), Change::Insert(b"a1")).unwrap();
    let used = s.used();
    s.begin_statement(a).unwrap();
    s.write(a, root(T), id(1), Change::Update(b"a1 again"))
        .unwrap();
    s.write(a, root(T), id(1), Change::Delete).unwrap();
    s.write(a, root(T), id(2), Change::Insert(b"a2")).unwrap();
    s.write(a, root(T + 1), id(5), Change::Insert(b"a5"))
        .unwrap();
    s.undo_statement(a).unwrap();
    assert_eq!(s.used(), used);
    assert_eq!(s.read(a, root(T), id(1)).unwrap(), Seen::Row(b"a1"));
    assert_eq!(s.read(a, root(T), id(2)).unwrap(), Seen::Unversioned);
    assert_eq!(s.read(a, root(T + 1), id(5)).unwrap(), Seen::Unversioned);
    // A statement kept: the versions it replaced are freed.
    s.begin_statement(a).unwrap();
    s.write(a, root(T), id(3), Change::Insert(b"a3")).unwrap();
    s.write(a, root(T), id(1), Change::Update(b"b1")).unwrap();
    s.end_statement(a).unwrap();
    assert!(s.undo_statement(a).is_err());
    let mut logged = StdVec::new();
    s.commit(a, |_, writes| {
        logged.extend(writes.map(|w| (w.rowid.get(), w.change.kind())));
        Ok(())
    })
    .unwrap();
    assert_eq!(logged, [(1, ChangeKind::Insert), (3, ChangeKind::Insert)]);
    let r = s.begin().unwrap();
    assert_eq!(s.read(r, root(T), id(1)).unwrap(), Seen::Row(b"b1"));
    // A transaction ended with a savepoint open frees what it kept.
    let b = s.begin().unwrap();
    s.begin_statement(b).unwrap();
    s.write(b, root(T), id(1), Change::Update(b"c1")).unwrap();
    s.write(b, root(T), id(1), Change::Update(b"d1")).unwrap();
    s.rollback(b).unwrap();
    let c = s.begin().unwrap();
    s.rollback(c).unwrap();
    assert_eq!(s.running(), 1);
}

#[test]
fn nested_savepoints_take_back_writes_to_their_mark_with_statements_above_them() {
    let mut s = store();
    let a = s.begin().unwrap();
    s.write(a, root(T), id(1), Change::Insert(b"a1")).unwrap();
    let used = s.used();
    assert_eq!(s.savepoint(a).unwrap(), 0);
    // A statement kept under a savepoint: its stash stays for the
    // savepoint.
    s.begin_statement(a).unwrap();
    s.write(a, root(T), id(1), Change::Update(b"b1")).unwrap();
    s.write(a, root(T), id(2), Change::Insert(b"b2")).unwrap();
    s.end_statement(a).unwrap();
    assert_eq!(s.savepoint(a).unwrap(), 1);
    s.begin_statement(a).unwrap();
    s.write(a, root(T), id(1), Change::Delete).unwrap();
    s.write(a, root(T), id(3), Change::Insert(b"c3")).unwrap();
    // A failed statement goes back to its own mark only.
    s.undo_statement(a).unwrap();
    assert_eq!(s.read(a, root(T), id(1)).unwrap(), Seen::Row(b"b1"));
    assert_eq!(s.read(a, root(T), id(3)).unwrap(), Seen::Unversioned);
    s.write(a, root(T), id(4), Change::Insert(b"c4")).unwrap();
    // `RELEASE` of the inner one keeps its writes; `ROLLBACK TO` the
    // outer takes back everything since it, and keeps it open.
    s.release(a, 1).unwrap();
    assert_eq!(s.read(a, root(T), id(4)).unwrap(), Seen::Row(b"c4"));
    s.rollback_to(a, 0).unwrap();
    assert_eq!(s.read(a, root(T), id(1)).unwrap(), Seen::Row(b"a1"));
    for n in [2, 4] {
        assert_eq!(s.read(a, root(T), id(n)).unwrap(), Seen::Unversioned);
    }
    assert_eq!(s.used(), used);
    s.write(a, root(T), id(5), Change::Insert(b"d5")).unwrap();
    s.rollback_to(a, 0).unwrap();
    assert!(s.rollback_to(a, 1).is_err());
    s.write(a, root(T), id(6), Change::Insert(b"d6")).unwrap();
    s.release(a, 0).unwrap();
    assert!(s.rollback_to(a, 0).is_err());
    // Only what was kept is the transaction's: rows taken back are out
    // of its write set, so another's commit of them is no conflict.
    let b = s.begin().unwrap();
    s.write(b, root(T), id(2), Change::Insert(b"x2")).unwrap();
    commit(&mut s, b).unwrap();
    let mut logged = StdVec::new();
    s.commit(a, |_, writes| {
        logged.extend(writes.map(|w| (w.rowid.get(), w.change.kind())));
        Ok(())
    })
    .unwrap();
    assert_eq!(logged, [(1, ChangeKind::Insert), (6, ChangeKind::Insert)]);
    assert_eq!(s.running(), 0);
}

#[test]
fn claims_conflict_first_committer_wins_and_are_neither_logged_nor_checkpointed() {
    let mut s = store();
    let a = s.begin().unwrap();
    let b = s.begin().unwrap();
    s.write(a, root(T), id(1), Change::Insert(b"a1")).unwrap();
    s.write(a, root(T + 1), id(42), Change::Claim).unwrap();
    s.write(b, root(T), id(2), Change::Insert(b"b2")).unwrap();
    s.write(b, root(T + 1), id(42), Change::Claim).unwrap();
    let changes = s.changes();
    let mut logged = StdVec::new();
    s.commit(a, |_, writes| {
        logged.extend(writes.map(|w| (w.root.get(), w.rowid.get())));
        Ok(())
    })
    .unwrap();
    assert_ne!(s.changes(), changes);
    assert_eq!(logged, [(T, 1)]);
    assert_eq!(s.commit(b, |_, _| Ok(())).unwrap_err(), Error::BusyConflict);
    let rows: StdVec<_> = s
        .checkpoint_rows(s.clock())
        .map(|r| (r.root.get(), r.rowid.get()))
        .collect();
    assert_eq!(rows, [(T, 1)]);
    // A later transaction claims the key again without a conflict.
    let c = s.begin().unwrap();
    s.write(c, root(T + 1), id(42), Change::Claim).unwrap();
    commit(&mut s, c).unwrap();
}

#[test]
fn a_transaction_moved_past_its_snapshot_reads_as_at_it_and_keeps_its_conflicts() {
    let mut s = store();
    let w = s.begin().unwrap();
    s.write(w, root(T), id(1), Change::Insert(b"x")).unwrap();
    s.write(w, root(T), id(2), Change::Insert(b"y")).unwrap();
    commit(&mut s, w).unwrap();
    let a = s.begin().unwrap();
    // Past `a`'s snapshot: row 1 updated, row 3 inserted.
    let w = s.begin().unwrap();
    s.write(w, root(T), id(1), Change::Update(b"x2")).unwrap();
    s.write(w, root(T), id(3), Change::Insert(b"z")).unwrap();
    commit(&mut s, w).unwrap();
    s.checkpointed(s.clock()).unwrap();
    assert_eq!(s.versions(), 4);
    // Its B-tree (at zero) has none of the rows.
    let mut asked = std::vec::Vec::new();
    assert!(
        s.move_to_checkpoint(a, |tree, root, rowid| {
            asked.push((tree, root, rowid));
            Ok(true)
        })
        .unwrap()
    );
    assert_eq!(
        asked,
        [(Tree::Left, root(T), id(3))],
        "only a row it sees through no version"
    );
    // Row 2's version is in the checkpointed B-tree as `a` read it.
    assert_eq!(s.versions(), 3);
    assert_eq!(s.read(a, root(T), id(1)).unwrap(), Seen::Row(b"x"));
    assert_eq!(s.read(a, root(T), id(2)).unwrap(), Seen::Unversioned);
    assert_eq!(s.read(a, root(T), id(3)).unwrap(), Seen::Deleted);
    assert_eq!(
        s.write(a, root(T), id(3), Change::Insert(b"a")),
        Err(Error::BusyConflict)
    );
    assert_eq!(
        s.write(a, root(T), id(1), Change::Update(b"a")),
        Err(Error::BusyConflict)
    );
    s.write(a, root(T), id(2), Change::Update(b"y2")).unwrap();
    commit(&mut s, a).unwrap();
    // Nothing runs: what the checkpoint holds goes.
    assert_eq!(s.versions(), 1);
}

#[test]
fn a_row_inserted_past_the_checkpoint_lets_a_transaction_move_only_when_neither_b_tree_has_it() {
    for checkpointed_has_it in [false, true] {
        let mut s = store();
        let a = s.begin().unwrap();
        let w = s.begin().unwrap();
        s.write(w, root(T), id(1), Change::Insert(b"x")).unwrap();
        commit(&mut s, w).unwrap();
        s.checkpointed(s.clock()).unwrap();
        let w = s.begin().unwrap();
        s.write(w, root(T), id(2), Change::Insert(b"y")).unwrap();
        commit(&mut s, w).unwrap();
        let mut asked = StdVec::new();
        let moved = s
            .move_to_checkpoint(a, |tree, _, rowid| {
                asked.push((tree, rowid));
                Ok(tree == Tree::Left || rowid != id(2) || !checkpointed_has_it)
            })
            .unwrap();
        assert_eq!(moved, !checkpointed_has_it);
        assert!(asked.contains(&(Tree::Checkpointed, id(2))), "{asked:?}");
        // Moved, it tells row 1 by its version of the checkpoint; else
        // its B-tree lacks the row.
        let one = match moved {
            true => Seen::Deleted,
            false => Seen::Unversioned,
        };
        assert_eq!(s.read(a, root(T), id(1)).unwrap(), one);
        assert_eq!(s.read(a, root(T), id(2)).unwrap(), Seen::Unversioned);
        assert_eq!(
            s.write(a, root(T), id(2), Change::Insert(b"a")),
            Err(Error::BusyConflict)
        );
        s.rollback(a).unwrap();
    }
}
