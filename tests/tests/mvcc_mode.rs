//! MVCC transactions of a database in MVCC mode, through the storage
//! API below SQL (`Database::begin_mvcc`, `docs/mvcc.md`): snapshot
//! isolation with first-committer-wins conflicts across transactions;
//! commits recovered from `<db>-log` after a crash and checkpointed into
//! a file stock SQLite reads; the checkpoint threshold; the memory budget
//! with checkpoint-and-retry; an OOM sweep over begin, write, commit and
//! checkpoint.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

use std::collections::BTreeMap;
use std::path::Path;

use boundlite::alloc::{Allocator, Counting, FaultAlloc, Global, Vec as BVec, oom_sweep};
use boundlite::mvcc::store::Change;
use boundlite::platform::{MemoryPlatform, Platform};
use boundlite::record::{RecordRef, ValueRef, encode_into};
use boundlite::{Config, Database, Error, MvccTransaction, PageNo, RowId};
use boundlite_std::StdPlatform;

type Rows = BTreeMap<i64, i64>;

/// `test(id INTEGER PRIMARY KEY, value INT)` holding (1,10), (2,20).
const SETUP: &str = "CREATE TABLE test(id INTEGER PRIMARY KEY, value INT); \
                     INSERT INTO test VALUES (1, 10), (2, 20); \
                     PRAGMA journal_mode = mvcc";

fn record(value: i64) -> BVec<u8> {
    let mut out = BVec::new();
    encode_into(&[ValueRef::Null, ValueRef::Integer(value)], &mut out).unwrap();
    out
}

fn value_of(record: &[u8]) -> i64 {
    match RecordRef::parse(record, None).unwrap().column(1).unwrap() {
        ValueRef::Integer(v) => v,
        other => panic!("not an integer: {other:?}"),
    }
}

fn root<P: Platform, A: Allocator + Clone>(db: &Database<P, A>) -> PageNo {
    db.schema().unwrap().table("test").unwrap().root.unwrap()
}

/// Every row of `test` as `t` sees it.
fn rows<P: Platform, A: Allocator + Clone>(t: &MvccTransaction<'_, P, A>, root: PageNo) -> Rows {
    let mut out = Rows::new();
    let mut rows = t.rows(root);
    let mut on = rows.first().unwrap();
    while on {
        rows.with_record(|rowid, r| {
            out.insert(rowid.get(), value_of(r));
            Ok(())
        })
        .unwrap();
        on = rows.next().unwrap();
    }
    out
}

/// What `t` reads of row `id`.
fn get<P: Platform>(t: &MvccTransaction<'_, P, Global>, root: PageNo, id: i64) -> Option<i64> {
    let mut out = BVec::new();
    t.read(root, RowId::new(id), &mut out)
        .unwrap()
        .then(|| value_of(&out))
}

fn set<P: Platform, A: Allocator + Clone>(
    t: &mut MvccTransaction<'_, P, A>,
    root: PageNo,
    id: i64,
    value: i64,
) -> Result<(), Error> {
    t.write(root, RowId::new(id), Change::Update(&record(value)))
}

fn model(pairs: &[(i64, i64)]) -> Rows {
    pairs.iter().copied().collect()
}

fn memory_db(disk: &MemoryPlatform) -> Database<&MemoryPlatform> {
    let db = Database::open(disk, "t.db", &Config::DEFAULT, Global).unwrap();
    db.connect().execute(SETUP, ()).unwrap();
    db
}

#[test]
fn hermitage_write_conflicts_are_prevented_and_write_skew_is_allowed() {
    let disk = MemoryPlatform::new();
    let db = memory_db(&disk);
    let root = root(&db);

    // G0 (write cycles), prevented: two writers of rows 1 and 2; the
    // second to commit conflicts.
    let (mut t1, mut t2) = (db.begin_mvcc().unwrap(), db.begin_mvcc().unwrap());
    set(&mut t1, root, 1, 11).unwrap();
    set(&mut t2, root, 1, 12).unwrap();
    set(&mut t1, root, 2, 21).unwrap();
    t1.commit().unwrap();
    assert_eq!(set(&mut t2, root, 2, 22), Err(Error::BusyConflict));
    t2.rollback().unwrap();
    let t = db.begin_mvcc().unwrap();
    assert_eq!(rows(&t, root), model(&[(1, 11), (2, 21)]));
    drop(t);

    // G1a (aborted reads), prevented: a rolled-back write is never seen.
    let (mut t1, t2) = (db.begin_mvcc().unwrap(), db.begin_mvcc().unwrap());
    set(&mut t1, root, 1, 101).unwrap();
    assert_eq!(get(&t2, root, 1), Some(11));
    t1.rollback().unwrap();
    assert_eq!(get(&t2, root, 1), Some(11));
    drop(t2);

    // G1b (intermediate reads) and G1c (circular information flow),
    // prevented: nothing uncommitted is read, and a commit after a
    // transaction began stays unseen by it.
    let (mut t1, mut t2) = (db.begin_mvcc().unwrap(), db.begin_mvcc().unwrap());
    set(&mut t1, root, 1, 101).unwrap();
    set(&mut t2, root, 2, 22).unwrap();
    assert_eq!(get(&t2, root, 1), Some(11));
    assert_eq!(get(&t1, root, 2), Some(21));
    set(&mut t1, root, 1, 12).unwrap();
    t1.commit().unwrap();
    assert_eq!(get(&t2, root, 1), Some(11));
    t2.commit().unwrap();

    // P4 (lost update), prevented: both read row 1, both update it; the
    // second updater gets the conflict.
    let (mut t1, mut t2) = (db.begin_mvcc().unwrap(), db.begin_mvcc().unwrap());
    assert_eq!(get(&t1, root, 1), Some(12));
    assert_eq!(get(&t2, root, 1), Some(12));
    set(&mut t1, root, 1, 13).unwrap();
    set(&mut t2, root, 1, 14).unwrap();
    t1.commit().unwrap();
    assert_eq!(t2.commit(), Err(Error::BusyConflict));

    // G2-item (write skew), allowed: each reads both rows and writes the
    // other; both commit, as snapshot isolation allows.
    let (mut t1, mut t2) = (db.begin_mvcc().unwrap(), db.begin_mvcc().unwrap());
    assert_eq!(rows(&t1, root), model(&[(1, 13), (2, 22)]));
    assert_eq!(rows(&t2, root), model(&[(1, 13), (2, 22)]));
    set(&mut t1, root, 1, 0).unwrap();
    set(&mut t2, root, 2, 0).unwrap();
    t1.commit().unwrap();
    t2.commit().unwrap();
    let t = db.begin_mvcc().unwrap();
    assert_eq!(rows(&t, root), model(&[(1, 0), (2, 0)]));
}

#[test]
fn inserts_and_deletes_merge_with_the_b_tree_in_rowid_order() {
    let disk = MemoryPlatform::new();
    let db = memory_db(&disk);
    let root = root(&db);
    let mut t = db.begin_mvcc().unwrap();
    t.write(root, RowId::new(3), Change::Insert(&record(30)))
        .unwrap();
    t.write(root, RowId::new(1), Change::Delete).unwrap();
    t.write(root, RowId::new(0), Change::Insert(&record(0)))
        .unwrap();
    assert_eq!(rows(&t, root), model(&[(0, 0), (2, 20), (3, 30)]));
    let before = db.begin_mvcc().unwrap();
    t.commit().unwrap();
    assert_eq!(rows(&before, root), model(&[(1, 10), (2, 20)]));
    let after = db.begin_mvcc().unwrap();
    assert_eq!(rows(&after, root), model(&[(0, 0), (2, 20), (3, 30)]));
}

fn open(path: &Path) -> Database<StdPlatform> {
    Database::open(
        StdPlatform::new(),
        path.to_str().unwrap(),
        &Config::DEFAULT,
        Global,
    )
    .unwrap()
}

#[test]
fn commits_survive_a_crash_and_a_checkpoint_hands_them_to_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let crash = dir.path().join("crash");
    std::fs::create_dir(&crash).unwrap();
    let expected = model(&[(1, 11), (2, 20), (3, 30)]);
    {
        let db = open(&path);
        db.connect().execute(SETUP, ()).unwrap();
        let root = root(&db);
        let mut t1 = db.begin_mvcc().unwrap();
        set(&mut t1, root, 1, 11).unwrap();
        t1.commit().unwrap();
        let mut t2 = db.begin_mvcc().unwrap();
        t2.write(root, RowId::new(3), Change::Insert(&record(30)))
            .unwrap();
        t2.commit().unwrap();
        // Uncommitted at the crash: never recovered.
        let mut t3 = db.begin_mvcc().unwrap();
        set(&mut t3, root, 2, 99).unwrap();
        assert!(db.mvcc_log_len().unwrap() > 32, "two frames in the log");
        // The files as a power cut leaves them while the database is open.
        for name in ["t.db", "t.db-wal", "t.db-log"] {
            std::fs::copy(dir.path().join(name), crash.join(name)).unwrap();
        }
    }
    let path = crash.join("t.db");
    {
        let db = open(&path);
        assert!(db.is_mvcc());
        let root = root(&db);
        // The B-tree holds none of the commits: they come from the log.
        let mut tree = db.table_cursor(root);
        assert!(
            !tree
                .seek(RowId::new(3), boundlite::btree::SeekMode::Eq)
                .unwrap()
        );
        let t = db.begin_mvcc().unwrap();
        assert_eq!(rows(&t, root), expected);
        drop(t);
        db.connect()
            .execute("PRAGMA wal_checkpoint(TRUNCATE)", ())
            .unwrap();
        assert_eq!(
            db.mvcc_log_len().unwrap(),
            32,
            "the log holds its header only"
        );
    }
    let sqlite = rusqlite::Connection::open(&path).unwrap();
    let ok: String = sqlite
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    let mut stmt = sqlite
        .prepare("SELECT id, value FROM test ORDER BY id")
        .unwrap();
    let read: Rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(read, expected);
    let boundary: i64 = sqlite
        .query_row("SELECT boundary FROM sqlite_mvcc", [], |r| r.get(0))
        .unwrap();
    assert_eq!(boundary, 2);
}

#[test]
fn a_commit_past_the_threshold_checkpoints() {
    let disk = MemoryPlatform::new();
    let db = memory_db(&disk);
    let root = root(&db);
    let conn = db.connect();
    let threshold: i64 = conn
        .query_row("PRAGMA mvcc_checkpoint_threshold = 100", (), |r| r.get(0))
        .unwrap();
    assert_eq!(threshold, 100);
    let mut t = db.begin_mvcc().unwrap();
    set(&mut t, root, 1, 11).unwrap();
    t.commit().unwrap();
    let small = db.mvcc_log_len().unwrap();
    assert!(small <= 100, "{small}");
    let mut t = db.begin_mvcc().unwrap();
    for id in 10..20 {
        t.write(root, RowId::new(id), Change::Insert(&record(id)))
            .unwrap();
    }
    t.commit().unwrap();
    assert_eq!(
        db.mvcc_log_len().unwrap(),
        32,
        "checkpointed: the log restarted"
    );
    let mut tree = db.table_cursor(root);
    assert!(
        tree.seek(RowId::new(19), boundlite::btree::SeekMode::Eq)
            .unwrap()
    );
    assert!(
        tree.seek(RowId::new(1), boundlite::btree::SeekMode::Eq)
            .unwrap()
    );
    tree.with_record(|_, r| {
        assert_eq!(value_of(r.into_whole()?), 11);
        Ok(())
    })
    .unwrap();
}

#[test]
fn a_full_budget_checkpoints_and_retries_and_fails_only_while_a_reader_pins_versions() {
    let disk = MemoryPlatform::new();
    let config = Config {
        mvcc_memory: 2048,
        ..Config::DEFAULT
    };
    {
        let db = Database::open(&disk, "t.db", &config, Global).unwrap();
        db.connect().execute(SETUP, ()).unwrap();
    }
    let db = Database::open(&disk, "t.db", &config, Global).unwrap();
    let root = root(&db);
    assert_eq!(db.mvcc_memory_used().unwrap(), (0, 2048));
    // Update churn: ended versions nobody reads are freed as commits end.
    for i in 0..200 {
        let mut t = db.begin_mvcc().unwrap();
        set(&mut t, root, 1 + i % 2, i).unwrap();
        t.commit().unwrap();
    }
    // Inserts far past the budget: a write that finds it full checkpoints
    // the rows into the B-tree and is retried.
    let t = db.begin_mvcc().unwrap();
    assert_eq!(rows(&t, root), model(&[(1, 198), (2, 199)]));
    drop(t);
    for i in 0..100 {
        let mut t = db.begin_mvcc().unwrap();
        t.write(root, RowId::new(1000 + i), Change::Insert(&record(i)))
            .unwrap();
        t.commit().unwrap();
        assert!(db.mvcc_memory_used().unwrap().0 <= 2048);
    }
    let mut tree = db.table_cursor(root);
    assert!(
        tree.seek(RowId::new(1000), boundlite::btree::SeekMode::Eq)
            .unwrap(),
        "checkpointed into the B-tree"
    );
    let t = db.begin_mvcc().unwrap();
    assert_eq!(rows(&t, root).len(), 102);
    drop(t);
    for i in 0..100 {
        let mut t = db.begin_mvcc().unwrap();
        t.write(root, RowId::new(1000 + i), Change::Delete).unwrap();
        t.commit().unwrap();
    }
    let t = db.begin_mvcc().unwrap();
    assert_eq!(rows(&t, root), model(&[(1, 198), (2, 199)]));
    drop(t);
    // A reader that began before pins what its B-tree snapshot lacks:
    // every row inserted since, which a checkpoint cannot free.
    let reader = db.begin_mvcc().unwrap();
    let mut failed = None;
    for i in 0..200 {
        let mut t = db.begin_mvcc().unwrap();
        match t.write(root, RowId::new(100 + i), Change::Insert(&record(i))) {
            Ok(()) => t.commit().map(|_| ()).unwrap(),
            Err(e) => {
                failed = Some((i, e));
                break;
            }
        }
    }
    let (at, error) = failed.expect("the budget ran out while the reader ran");
    assert_eq!(error, Error::OutOfMemory);
    assert!(at > 0);
    assert_eq!(rows(&reader, root), model(&[(1, 198), (2, 199)]));
    drop(reader);
    let mut t = db.begin_mvcc().unwrap();
    t.write(root, RowId::new(100 + at), Change::Insert(&record(at)))
        .unwrap();
    t.commit().unwrap();
    let t = db.begin_mvcc().unwrap();
    let seen = rows(&t, root);
    assert_eq!(seen.len(), 2 + at as usize + 1);
    assert_eq!(seen.get(&(100 + at)), Some(&at));
}

#[test]
fn begin_write_commit_and_checkpoint_fail_cleanly_at_every_allocation() {
    let counting = Counting::new(Global);
    let fault = FaultAlloc::new(&counting);
    let before = model(&[(1, 10), (2, 20)]);
    let after = model(&[(1, 11), (2, 20), (3, 30)]);
    let report = oom_sweep(
        &fault,
        false,
        |fault| {
            let disk = MemoryPlatform::new();
            drop(memory_db(&disk));
            let result = {
                let db = Database::open(&disk, "t.db", &Config::DEFAULT, fault)?;
                let root = db.schema()?.table("test").and_then(|t| t.root).unwrap();
                let mut t = db.begin_mvcc()?;
                let done = set(&mut t, root, 1, 11)
                    .and_then(|()| t.write(root, RowId::new(3), Change::Insert(&record(30))))
                    .and_then(|()| t.commit());
                done.and_then(|_| {
                    db.connect()
                        .execute("PRAGMA wal_checkpoint(TRUNCATE)", ())
                        .map(|_| ())
                })
            };
            // Whatever failed, a reopen reads the commit whole or not at
            // all, and the file is whole.
            let db = Database::open(&disk, "t.db", &Config::DEFAULT, Global).unwrap();
            assert!(db.integrity_check(10).unwrap().is_ok());
            let t = db.begin_mvcc().unwrap();
            let seen = rows(&t, root(&db));
            assert!(seen == before || seen == after, "{seen:?}");
            if result.is_ok() {
                assert_eq!(seen, after);
            }
            result
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
    println!(
        "{} failure points, {} errors",
        report.failure_points, report.errors
    );
}

/// The rows of `test` whose value is `value`, as `t` sees them (a
/// predicate read).
fn with_value<P: Platform>(
    t: &MvccTransaction<'_, P, Global>,
    root: PageNo,
    value: i64,
) -> Vec<i64> {
    rows(t, root)
        .into_iter()
        .filter(|&(_, v)| v == value)
        .map(|(id, _)| id)
        .collect()
}

#[test]
fn hermitage_read_anomalies_are_prevented_and_predicate_write_skew_is_allowed() {
    let disk = MemoryPlatform::new();
    let db = memory_db(&disk);
    let root = root(&db);

    // OTV (observed transaction vanishes), prevented: T1 writes both rows
    // and commits; T2, which wrote row 1 too, conflicts and vanishes
    // whole; T3 sees all of T1's writes and none of T2's.
    let (mut t1, mut t2) = (db.begin_mvcc().unwrap(), db.begin_mvcc().unwrap());
    set(&mut t1, root, 1, 11).unwrap();
    set(&mut t1, root, 2, 19).unwrap();
    assert_eq!(set(&mut t2, root, 1, 12), Ok(()));
    t1.commit().unwrap();
    assert_eq!(t2.commit(), Err(Error::BusyConflict));
    let t3 = db.begin_mvcc().unwrap();
    assert_eq!(rows(&t3, root), model(&[(1, 11), (2, 19)]));
    drop(t3);

    // PMP (predicate-many-preceders), prevented: a predicate read gives
    // the same rows however many commits come after the reader began.
    let (t1, mut t2) = (db.begin_mvcc().unwrap(), db.begin_mvcc().unwrap());
    assert_eq!(with_value(&t1, root, 30), Vec::<i64>::new());
    t2.write(root, RowId::new(3), Change::Insert(&record(30)))
        .unwrap();
    t2.commit().unwrap();
    assert_eq!(with_value(&t1, root, 30), Vec::<i64>::new());
    drop(t1);

    // G-single (read skew), prevented: T1 reads row 1 before T2 moves 5
    // from row 1 to row 2 and commits; T1's read of row 2 is of its
    // snapshot, so the sum it sees stays 30.
    let (t1, mut t2) = (db.begin_mvcc().unwrap(), db.begin_mvcc().unwrap());
    assert_eq!(get(&t1, root, 1), Some(11));
    set(&mut t2, root, 1, 6).unwrap();
    set(&mut t2, root, 2, 24).unwrap();
    t2.commit().unwrap();
    assert_eq!(get(&t1, root, 2), Some(19));
    drop(t1);

    // G2 (anti-dependency cycles over a predicate), allowed: each finds
    // no row of value 40 and inserts one; both commit.
    let (mut t1, mut t2) = (db.begin_mvcc().unwrap(), db.begin_mvcc().unwrap());
    assert!(with_value(&t1, root, 40).is_empty());
    assert!(with_value(&t2, root, 40).is_empty());
    t1.write(root, RowId::new(4), Change::Insert(&record(40)))
        .unwrap();
    t2.write(root, RowId::new(5), Change::Insert(&record(40)))
        .unwrap();
    t1.commit().unwrap();
    t2.commit().unwrap();
    let t = db.begin_mvcc().unwrap();
    assert_eq!(with_value(&t, root, 40), [4, 5]);
}

#[test]
fn journal_mode_wal_waits_for_running_transactions_and_checkpoints_the_log_first() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    {
        let db = open(&path);
        let conn = db.connect();
        conn.execute(SETUP, ()).unwrap();
        let root = root(&db);
        let mut t = db.begin_mvcc().unwrap();
        set(&mut t, root, 2, 22).unwrap();
        let running = db.begin_mvcc().unwrap();
        t.commit().unwrap();
        assert_eq!(
            conn.execute("PRAGMA journal_mode = wal", ()),
            Err(Error::Sql(
                "journal_mode wal needs every MVCC transaction of the database ended"
            ))
        );
        assert!(db.is_mvcc());
        drop(running);
        conn.execute("PRAGMA journal_mode = wal", ()).unwrap();
        assert!(!db.is_mvcc());
        assert_eq!(
            db.begin_mvcc().err(),
            Some(Error::Misuse("the database is not in MVCC mode"))
        );
        let sum: i64 = conn
            .query_row("SELECT sum(value) FROM test", (), |r| r.get(0))
            .unwrap();
        assert_eq!(sum, 32);
    }
    assert!(!dir.path().join("t.db-log").exists());
    let sqlite = rusqlite::Connection::open(&path).unwrap();
    let sum: i64 = sqlite
        .query_row("SELECT sum(value) FROM test", [], |r| r.get(0))
        .unwrap();
    assert_eq!(sum, 32);
}

#[test]
fn a_file_in_mvcc_mode_is_not_opened_read_only() {
    let disk = MemoryPlatform::new();
    drop(memory_db(&disk));
    assert_eq!(
        Database::open_read_only(&disk, "t.db", &Config::DEFAULT, Global).err(),
        Some(Error::CantOpen(
            "a database in MVCC mode cannot be opened read-only: its log may hold committed rows"
        ))
    );
}

/// Commit `i` of the crash workload: row 1 set to `100 + i`, row `10 + i`
/// inserted with value `i`.
fn expected_after(commits: i64) -> Rows {
    let mut rows = model(&[(1, 10), (2, 20)]);
    for i in 0..commits {
        rows.insert(1, 100 + i);
        rows.insert(10 + i, i);
    }
    rows
}

/// Runs the crash workload until its first error; returns the commits
/// acknowledged.
fn crash_workload<P: Platform>(db: &Database<P, Global>, root: PageNo) -> i64 {
    for i in 0..8 {
        let Ok(mut t) = db.begin_mvcc() else {
            return i;
        };
        let done = set(&mut t, root, 1, 100 + i)
            .and_then(|()| t.write(root, RowId::new(10 + i), Change::Insert(&record(i))))
            .and_then(|()| t.commit());
        if done.is_err() {
            return i;
        }
    }
    8
}

#[test]
fn power_cuts_at_every_write_and_sync_keep_exactly_the_acknowledged_commits() {
    use boundlite::platform::{CrashPlan, FaultPlatform};
    const FILES: [&str; 3] = ["t.db", "t.db-wal", "t.db-log"];
    // Checkpoints every few commits, so the cuts fall in appends, in
    // checkpoints' WAL commits and in the log's resets.
    let config = Config {
        mvcc_checkpoint_threshold: 200,
        ..Config::DEFAULT
    };
    let base = MemoryPlatform::new();
    let root = root(&memory_db(&base));
    let images: Vec<(&str, Vec<u8>)> = FILES
        .iter()
        .filter_map(|f| Some((*f, base.file_bytes(f).ok()?.to_vec())))
        .collect();
    let fresh = || {
        let disk = MemoryPlatform::new();
        for (name, bytes) in &images {
            disk.write_file(name, bytes).unwrap();
        }
        disk
    };
    let total = {
        let disk = fresh();
        let fault = FaultPlatform::new(&disk);
        let db = Database::open(&fault, "t.db", &config, Global).unwrap();
        assert_eq!(crash_workload(&db, root), 8);
        let mut tree = db.table_cursor(root);
        assert!(
            tree.seek(RowId::new(10), boundlite::btree::SeekMode::Eq)
                .unwrap(),
            "the workload checkpoints"
        );
        fault.counts().mutations()
    };
    assert!(total > 30, "only {total} mutations");
    let plans = [
        CrashPlan::LoseAll,
        CrashPlan::KeepAll,
        CrashPlan::Random {
            seed: 7,
            tear: true,
        },
        CrashPlan::InOrder {
            landed: 1,
            torn_sectors: 1,
        },
    ];
    let mut crashes = 0;
    for k in 0..total {
        for plan in plans {
            let disk = fresh();
            let mut fault = FaultPlatform::new(&disk);
            let committed = {
                let Ok(db) = Database::open(&fault, "t.db", &config, Global) else {
                    continue;
                };
                fault.cut_power_after(k);
                crash_workload(&db, root)
            };
            fault.power_cut(plan).unwrap();
            crashes += 1;
            let db = Database::open(&disk, "t.db", &Config::DEFAULT, Global)
                .unwrap_or_else(|e| panic!("k={k} {plan:?}: reopening failed: {e}"));
            assert!(db.is_mvcc());
            let report = db.integrity_check(0).unwrap();
            assert!(report.is_ok(), "k={k} {plan:?}: {report}");
            let t = db.begin_mvcc().unwrap();
            let seen = rows(&t, root);
            // Every acknowledged commit is there; the one in flight when
            // the power went may be, but never in part.
            assert!(
                seen == expected_after(committed) || seen == expected_after(committed + 1),
                "k={k} {plan:?}: {seen:?} after {committed} commits"
            );
        }
    }
    println!("{total} crash points, {crashes} power cuts survived");
}
