//! Transactions that began before a checkpoint move to the checkpointed
//! B-tree between their statements when they can still read every row
//! as at their snapshot (`docs/mvcc.md`, "Reading the B-tree"), so they
//! stop pinning the versions that checkpoint wrote.
//!
//! A seeded scheduler runs several connections' `BEGIN CONCURRENT`
//! transactions statement by statement with checkpoints forced small
//! (a low threshold, a small budget, and `PRAGMA wal_checkpoint` at
//! random), and checks every read and every outcome against a model of
//! snapshot isolation with first-committer-wins: a transaction reads the
//! commits before its `BEGIN` and its own writes, whichever B-tree it
//! reads; a write or `COMMIT` of a row another committed since its
//! `BEGIN` gets `BusyConflict`. Reproducible from `BOUNDLITE_SEED`.
//! Beside it: which transactions move and what they free, what a moved
//! transaction reads of rows changed past its snapshot, and an OOM sweep
//! over a move.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

use std::collections::BTreeMap;

use boundlite::alloc::{Allocator, Counting, FaultAlloc, Global, oom_sweep};
use boundlite::platform::{MemoryPlatform, Platform};
use boundlite::{Config, Connection, Database, Error};
use boundlite_tests::rng::{Rng, seed};

type State = BTreeMap<i64, i64>;

/// One connection's open transaction in the model.
struct Open {
    /// The commits before its `BEGIN`.
    snapshot: State,
    /// The commit count when it began.
    began: u64,
    /// What it wrote: a value, or `None` for a delete.
    writes: BTreeMap<i64, Option<i64>>,
}

impl Open {
    fn sees(&self) -> State {
        let mut state = self.snapshot.clone();
        for (&id, &value) in &self.writes {
            match value {
                Some(v) => state.insert(id, v),
                None => state.remove(&id),
            };
        }
        state
    }
}

/// The committed state and, per row, the commit that last wrote it.
struct Model {
    committed: State,
    commits: u64,
    last_write: BTreeMap<i64, u64>,
}

impl Model {
    fn conflicts(&self, open: &Open, id: i64) -> bool {
        self.last_write.get(&id).is_some_and(|&c| c > open.began)
    }

    fn commit(&mut self, writes: &BTreeMap<i64, Option<i64>>) {
        if writes.is_empty() {
            return;
        }
        self.commits += 1;
        for (&id, &value) in writes {
            match value {
                Some(v) => self.committed.insert(id, v),
                None => self.committed.remove(&id),
            };
            self.last_write.insert(id, self.commits);
        }
    }
}

/// The rows as `sql` (a query of `id, value`) finds them.
fn read_by<P: Platform, A: Allocator + Clone>(
    conn: &Connection<'_, P, A>,
    sql: &str,
) -> Result<State, Error> {
    let mut stmt = conn.prepare(sql)?;
    let mut rows = stmt.query(())?;
    let mut out = State::new();
    while let Some(row) = rows.next()? {
        out.insert(row.get_i64(0)?, row.get_i64(1)?);
    }
    Ok(out)
}

fn exec<P: Platform>(conn: &Connection<'_, P, Global>, sql: &str) {
    if let Err(e) = conn.execute(sql, ()) {
        panic!("{sql}: {e:?}");
    }
}

/// A change to row `id` and what it makes of the row the transaction
/// sees: `None` when it writes nothing (the row is not there to change).
/// Records are padded so a few hundred rows pass the budget.
fn change(rng: &mut Rng, id: i64, seen: Option<i64>) -> (String, Option<Option<i64>>) {
    let v = rng.below(1000) as i64;
    match rng.below(4) {
        0 | 1 => (
            format!("INSERT OR REPLACE INTO test VALUES ({id}, {v}, zeroblob(40))"),
            Some(Some(v)),
        ),
        2 => (
            format!("UPDATE test SET value = value + 1 WHERE id = {id}"),
            seen.map(|s| Some(s + 1)),
        ),
        _ => (
            format!("DELETE FROM test WHERE id = {id}"),
            seen.map(|_| None),
        ),
    }
}

const READS: &[&str] = &[
    "SELECT id, value FROM test",
    "SELECT id, value FROM test WHERE value >= 0",
    "SELECT id, value FROM test WHERE id >= 0 AND value < 2000",
];

#[test]
fn transactions_moved_across_checkpoints_keep_snapshot_isolation_on_rowids() {
    interleave(
        "CREATE TABLE test(id INTEGER PRIMARY KEY, value INT, pad BLOB)",
        seed(0x4d4f56),
    );
}

#[test]
fn transactions_moved_across_checkpoints_keep_snapshot_isolation_on_indexes() {
    interleave(
        "CREATE TABLE test(id int primary key, value int, pad BLOB); \
         CREATE INDEX test_value ON test(value)",
        seed(0x4d4f57),
    );
}

fn interleave(schema: &str, base: u64) {
    let (mut commits, mut conflicts, mut freed, mut moves) = (0, 0, 0, 0);
    for round in 0..10u64 {
        let mut rng = Rng::new(base.wrapping_add(round.wrapping_mul(0x9e37)));
        let disk = MemoryPlatform::new();
        let config = Config {
            mvcc_memory: 24 * 1024,
            mvcc_checkpoint_threshold: 256 + 256 * (round % 4),
            ..Config::DEFAULT
        };
        let db = Database::open(&disk, "t.db", &config, Global).unwrap();
        let setup = db.connect();
        setup.execute(schema, ()).unwrap();
        exec(&setup, "PRAGMA journal_mode = mvcc");
        let n = 3 + (round % 4) as usize;
        let conns: Vec<_> = (0..n).map(|_| db.connect()).collect();
        let mut open: Vec<Option<Open>> = (0..n).map(|_| None).collect();
        let mut model = Model {
            committed: State::new(),
            commits: 0,
            last_write: BTreeMap::new(),
        };
        for step in 0..600 {
            let c = rng.below(n as u64) as usize;
            let conn = &conns[c];
            let context = format!("seed {base} round {round} step {step} connection {c}");
            if rng.below(25) == 0 {
                let used = db.mvcc_memory_used().unwrap().0;
                exec(&setup, "PRAGMA wal_checkpoint(TRUNCATE)");
                if db.mvcc_memory_used().unwrap().0 < used {
                    freed += 1;
                }
            }
            match (&mut open[c], rng.below(10)) {
                (None, 0..=3) => {
                    exec(conn, "BEGIN CONCURRENT");
                    open[c] = Some(Open {
                        snapshot: model.committed.clone(),
                        began: model.commits,
                        writes: BTreeMap::new(),
                    });
                }
                (None, 4..=5) => {
                    let sql = READS[rng.below(READS.len() as u64) as usize];
                    match read_by(conn, sql) {
                        Ok(seen) => assert_eq!(seen, model.committed, "{context}: {sql}"),
                        Err(e) => assert_eq!(e, Error::OutOfMemory, "{context}: {sql}"),
                    }
                }
                (None, _) => {
                    let id = rng.below(24) as i64;
                    let (sql, write) = change(&mut rng, id, model.committed.get(&id).copied());
                    match conn.execute(&sql, ()) {
                        Ok(_) => {
                            if let Some(w) = write {
                                model.commit(&BTreeMap::from([(id, w)]));
                            }
                        }
                        Err(e) => assert_eq!(e, Error::OutOfMemory, "{context}: {sql}"),
                    }
                    assert!(!conn.in_transaction());
                }
                (Some(t), 0) => {
                    let conflict = t.writes.keys().any(|&id| model.conflicts(t, id));
                    let result = conn.execute("COMMIT", ());
                    if conflict {
                        assert_eq!(result, Err(Error::BusyConflict), "{context}");
                        exec(conn, "ROLLBACK");
                        conflicts += 1;
                    } else {
                        if let Err(e) = result {
                            panic!("{context}: COMMIT: {e:?}");
                        }
                        model.commit(&t.writes);
                        commits += 1;
                    }
                    open[c] = None;
                }
                (Some(_), 1) => {
                    exec(conn, "ROLLBACK");
                    open[c] = None;
                }
                (Some(t), 2..=4) => {
                    let sql = READS[rng.below(READS.len() as u64) as usize];
                    let used = db.mvcc_memory_used().unwrap().0;
                    match read_by(conn, sql) {
                        Ok(seen) => assert_eq!(seen, t.sees(), "{context}: {sql}"),
                        Err(e) => assert_eq!(e, Error::OutOfMemory, "{context}: {sql}"),
                    }
                    // A read frees versions only by moving (and, on the
                    // indexed table, index entries it trims).
                    if db.mvcc_memory_used().unwrap().0 < used {
                        moves += 1;
                    }
                }
                (Some(t), _) => {
                    let id = rng.below(24) as i64;
                    let (sql, write) = change(&mut rng, id, t.sees().get(&id).copied());
                    let result = conn.execute(&sql, ());
                    match write {
                        Some(_) if model.conflicts(t, id) => {
                            assert_eq!(result, Err(Error::BusyConflict), "{context}: {sql}");
                            assert!(conn.is_aborted());
                            exec(conn, "ROLLBACK");
                            open[c] = None;
                            conflicts += 1;
                        }
                        Some(w) => match result {
                            Ok(_) => {
                                t.writes.insert(id, w);
                            }
                            Err(Error::OutOfMemory) => {}
                            Err(e) => panic!("{context}: {sql}: {e:?}"),
                        },
                        None => assert_eq!(result, Ok(0), "{context}: {sql}"),
                    }
                }
            }
        }
        for (conn, open) in conns.iter().zip(&open) {
            if open.is_some() {
                exec(conn, "ROLLBACK");
            }
        }
        assert_eq!(read_by(&setup, READS[0]).unwrap(), model.committed);
        exec(&setup, "PRAGMA wal_checkpoint(TRUNCATE)");
        assert_eq!(db.mvcc_memory_used().unwrap().0, 0);
        assert!(db.integrity_check(10).unwrap().is_ok());
    }
    println!(
        "{commits} committed, {conflicts} lost a conflict, {freed} checkpoints freed versions, \
         {moves} reads moved and freed"
    );
    assert!(
        commits > 100 && conflicts > 10 && moves > 0,
        "{commits} {conflicts} {moves}"
    );
}

/// `test(id INTEGER PRIMARY KEY, value INT)` in MVCC mode, rows 1 to 4
/// checkpointed.
fn setup(disk: &MemoryPlatform) -> Database<&MemoryPlatform, Global> {
    let db = Database::open(disk, "t.db", &Config::DEFAULT, Global).unwrap();
    {
        let conn = db.connect();
        exec(
            &conn,
            "CREATE TABLE test(id INTEGER PRIMARY KEY, value INT)",
        );
        exec(
            &conn,
            "INSERT INTO test VALUES (1, 10), (2, 20), (3, 30), (4, 40)",
        );
        exec(&conn, "PRAGMA journal_mode = mvcc");
    }
    db
}

fn rows<P: Platform>(conn: &Connection<'_, P, Global>) -> Vec<(i64, i64)> {
    read_by(conn, "SELECT id, value FROM test")
        .unwrap()
        .into_iter()
        .collect()
}

#[test]
fn a_transaction_moves_to_a_checkpoint_past_its_snapshot_and_frees_what_it_pinned() {
    let disk = MemoryPlatform::new();
    let db = setup(&disk);
    let (reader, writer, other) = (db.connect(), db.connect(), db.connect());
    // Versions committed after the last checkpoint and before `reader`
    // began: its B-tree does not hold them.
    exec(&writer, "UPDATE test SET value = 11 WHERE id = 1");
    exec(&writer, "INSERT INTO test VALUES (5, 50)");
    exec(&writer, "UPDATE test SET value = 31 WHERE id = 3");
    exec(&writer, "INSERT INTO test VALUES (7, 70)");
    exec(&reader, "BEGIN CONCURRENT");
    assert_eq!(rows(&reader).len(), 6);
    // After it began: an insert, an update and a delete of rows whose
    // version current at its snapshot is in the store or which did not
    // exist then.
    exec(&other, "INSERT INTO test VALUES (6, 60)");
    exec(&other, "UPDATE test SET value = 12 WHERE id = 1");
    exec(&other, "DELETE FROM test WHERE id = 5");
    let used = db.mvcc_memory_used().unwrap().0;
    exec(&other, "PRAGMA wal_checkpoint(TRUNCATE)");
    assert_eq!(
        db.mvcc_memory_used().unwrap().0,
        used,
        "the reader's B-tree does not hold what it read"
    );
    // Past the checkpoint: a row neither B-tree has.
    exec(&other, "INSERT INTO test VALUES (8, 80)");
    let before = db.mvcc_memory_used().unwrap().0;
    let expected = vec![(1, 11), (2, 20), (3, 31), (4, 40), (5, 50), (7, 70)];
    // Its next statement moves it: the versions of rows 1 and 5 it reads
    // and those committed past its snapshot stay; those of rows 3 and 7,
    // which the checkpointed B-tree holds as it read them, go.
    assert_eq!(rows(&reader), expected);
    let moved = db.mvcc_memory_used().unwrap().0;
    assert!(moved < before, "{moved} of {before}");
    assert_eq!(rows(&reader), expected);
    assert_eq!(
        reader.execute("UPDATE test SET value = 0 WHERE id = 6", ()),
        Ok(0),
        "row 6 did not exist at its snapshot"
    );
    assert_eq!(
        reader.execute("UPDATE test SET value = 0 WHERE id = 1", ()),
        Err(Error::BusyConflict),
        "row 1 was committed past its snapshot"
    );
    exec(&reader, "ROLLBACK");
    exec(&other, "PRAGMA wal_checkpoint(TRUNCATE)");
    assert_eq!(
        db.mvcc_memory_used().unwrap().0,
        0,
        "nothing pins the versions"
    );
    assert_eq!(
        rows(&reader),
        vec![
            (1, 12),
            (2, 20),
            (3, 31),
            (4, 40),
            (6, 60),
            (7, 70),
            (8, 80)
        ]
    );
}

#[test]
fn a_transaction_whose_row_only_its_old_b_tree_holds_does_not_move() {
    let disk = MemoryPlatform::new();
    let db = setup(&disk);
    let (reader, other) = (db.connect(), db.connect());
    exec(&other, "INSERT INTO test VALUES (5, 50)");
    exec(&reader, "BEGIN CONCURRENT");
    assert_eq!(rows(&reader).len(), 5);
    // Row 2 is in the B-tree the reader reads and in no version: once
    // checkpointed, only that B-tree has the row as at its snapshot.
    exec(&other, "UPDATE test SET value = 21 WHERE id = 2");
    exec(&other, "PRAGMA wal_checkpoint(TRUNCATE)");
    let pinned = db.mvcc_memory_used().unwrap().0;
    let expected = vec![(1, 10), (2, 20), (3, 30), (4, 40), (5, 50)];
    assert_eq!(rows(&reader), expected);
    assert_eq!(db.mvcc_memory_used().unwrap().0, pinned, "it did not move");
    exec(&other, "PRAGMA wal_checkpoint(TRUNCATE)");
    assert_eq!(rows(&reader), expected);
    exec(&reader, "COMMIT");
    exec(&other, "PRAGMA wal_checkpoint(TRUNCATE)");
    assert_eq!(db.mvcc_memory_used().unwrap().0, 0);
}

#[test]
fn a_move_fails_cleanly_at_every_allocation() {
    let counting = Counting::new(Global);
    let fault = FaultAlloc::new(&counting);
    let expected = vec![(1, 11), (2, 20), (3, 30), (4, 40), (5, 50)];
    let report = oom_sweep(
        &fault,
        false,
        |fault| {
            let disk = MemoryPlatform::new();
            drop(setup(&disk));
            let db = Database::open(&disk, "t.db", &Config::DEFAULT, fault)?;
            let (reader, other) = (db.connect(), db.connect());
            other.execute("UPDATE test SET value = 11 WHERE id = 1", ())?;
            other.execute("INSERT INTO test VALUES (5, 50)", ())?;
            reader.execute("BEGIN CONCURRENT", ())?;
            other.execute("INSERT INTO test VALUES (6, 60)", ())?;
            other.execute("DELETE FROM test WHERE id = 5", ())?;
            other.execute("PRAGMA wal_checkpoint(TRUNCATE)", ())?;
            // The move, then the read on the B-tree moved to.
            let seen: Vec<_> = read_by(&reader, "SELECT id, value FROM test")?
                .into_iter()
                .collect();
            assert_eq!(seen, expected);
            let result = reader
                .execute("UPDATE test SET value = 21 WHERE id = 2", ())
                .and_then(|_| reader.execute("COMMIT", ()));
            drop((reader, other));
            let after = db.connect();
            let rows = read_by(&after, "SELECT id, value FROM test");
            let check = db.integrity_check(10);
            if let Ok(report) = &check {
                assert!(report.is_ok(), "{report:?}");
            }
            result
                .and(check)
                .and(rows)
                .map(|r| r.into_iter().collect::<Vec<_>>())
        },
        |n, error| {
            assert!(
                matches!(error, Error::OutOfMemory | Error::CacheFull),
                "failure {n}: {error:?}"
            );
            assert_eq!(counting.stats().live_allocations(), 0, "failure {n} leaked");
        },
    )
    .unwrap();
    assert!(report.failure_points > 10, "{report:?}");
}
