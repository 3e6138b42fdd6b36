//! MVCC commits checkpointed into a database file that stock SQLite reads:
//! transactions of several writers (one losing a write-write conflict)
//! commit through the logical log beside `t.db`; before the checkpoint the
//! file holds none of their rows, after it SQLite's integrity check passes
//! and SQLite reads exactly the committed rows; the log recovers what was
//! committed after the checkpoint. A checkpoint that fails at any
//! allocation changes neither the file nor the store.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

use std::collections::BTreeMap;
use std::path::Path;

use boundlite::alloc::{Counting, FaultAlloc, Global, Vec as BVec, oom_sweep};
use boundlite::mvcc::store::Change;
use boundlite::mvcc::{DurableStore, MergedRows, NoIndexes, Timestamp, write_checkpoint};
use boundlite::platform::{File, MemoryPlatform, OpenMode, Platform};
use boundlite::record::{RecordRef, ValueRef, encode_into};
use boundlite::{Config, Database, Error, PageNo, RowId};
use boundlite_std::StdPlatform;

type Rows = BTreeMap<i64, String>;

/// The record of a row of `t(id INTEGER PRIMARY KEY, v TEXT)`.
fn record(v: &str) -> BVec<u8> {
    let mut out = BVec::new();
    encode_into(&[ValueRef::Null, ValueRef::Text(v.as_bytes())], &mut out).unwrap();
    out
}

fn text_of(record: &[u8]) -> String {
    let parsed = RecordRef::parse(record, None).unwrap();
    match parsed.column(1).unwrap() {
        ValueRef::Text(t) => String::from_utf8(t.to_vec()).unwrap(),
        other => panic!("not text: {other:?}"),
    }
}

fn sqlite_rows(path: &Path) -> (String, Rows) {
    let conn = rusqlite::Connection::open(path).unwrap();
    let ok: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    let mut stmt = conn.prepare("SELECT id, v FROM t ORDER BY id").unwrap();
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    (ok, rows)
}

/// What a fresh transaction of `store` reads of table `root` of `db`.
fn visible<P: Platform, F: File>(
    db: &Database<P, Global>,
    store: &mut DurableStore<F, Global>,
    root: PageNo,
) -> Rows {
    let t = store.begin().unwrap();
    let mut rows = MergedRows::new(db.table_cursor(root), t);
    let mut out = Rows::new();
    let mut on = rows.first(store.store()).unwrap();
    while on {
        rows.with_record(store.store(), |rowid, r| {
            out.insert(rowid.get(), text_of(r));
            Ok(())
        })
        .unwrap();
        on = rows.next(store.store()).unwrap();
    }
    store.rollback(t).unwrap();
    out
}

fn set(
    store: &mut DurableStore<impl File, Global>,
    t: boundlite::mvcc::TxnId,
    root: PageNo,
    id: i64,
    v: &str,
    new: bool,
) -> Result<(), Error> {
    let r = record(v);
    let change = if new {
        Change::Insert(&r)
    } else {
        Change::Update(&r)
    };
    store.write(t, root, RowId::new(id), change)
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
fn checkpointed_commits_are_read_by_sqlite_and_later_ones_recover_from_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let log_path = dir.path().join("t.db-log");
    let db = open(&path);
    let conn = db.connect();
    conn.execute(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'one'), (2, 'two'), (3, 'three')",
        (),
    )
    .unwrap();
    let root: i64 = conn
        .query_row(
            "SELECT rootpage FROM sqlite_master WHERE name = 't'",
            (),
            |r| r.get(0),
        )
        .unwrap();
    drop(conn);
    let root = PageNo::new(root as u32).unwrap();
    let mut model: Rows = [(1, "one"), (2, "two"), (3, "three")]
        .into_iter()
        .map(|(k, v)| (k, v.to_string()))
        .collect();

    let log = StdPlatform::new()
        .open(log_path.to_str().unwrap(), OpenMode::Create)
        .unwrap();
    let mut store = DurableStore::recover(log, Timestamp::ZERO, 1 << 20, 7, Global).unwrap();
    // Two writers of row 1: the first to commit wins.
    let (t1, t2, t3) = (
        store.begin().unwrap(),
        store.begin().unwrap(),
        store.begin().unwrap(),
    );
    set(&mut store, t1, root, 1, "one by t1", false).unwrap();
    set(&mut store, t2, root, 1, "one by t2", false).unwrap();
    set(&mut store, t2, root, 4, "four by t2", true).unwrap();
    for id in 10..40 {
        set(&mut store, t3, root, id, &format!("row {id}"), true).unwrap();
        model.insert(id, format!("row {id}"));
    }
    store
        .write(t3, root, RowId::new(2), Change::Delete)
        .unwrap();
    model.remove(&2);
    store.commit(t1).unwrap();
    model.insert(1, "one by t1".to_string());
    assert_eq!(store.commit(t2), Err(Error::BusyConflict));
    store.commit(t3).unwrap();
    assert_eq!(visible(&db, &mut store, root), model);

    // The file holds none of it yet. (SQLite reads it with this process's
    // handle closed: POSIX locks of one process do not exclude each other.)
    drop(db);
    let (ok, before) = sqlite_rows(&path);
    let db = open(&path);
    assert_eq!(ok, "ok");
    assert_eq!(before.len(), 3);
    assert_eq!(before.get(&1).map(String::as_str), Some("one"));

    let upto = store
        .checkpoint(8, |_, rows| {
            let txn = db.begin_write()?;
            let written = write_checkpoint(&txn, rows, &mut NoIndexes)?;
            assert_eq!(written, 32);
            txn.commit()
        })
        .unwrap();
    assert_eq!(upto, Timestamp::new(2));
    assert_eq!(store.store().versions(), 0);
    assert_eq!(store.log_len(), 32);
    assert_eq!(visible(&db, &mut store, root), model);
    drop(db);
    let (ok, after) = sqlite_rows(&path);
    assert_eq!((ok.as_str(), &after), ("ok", &model));
    let db = open(&path);

    // Commits after the checkpoint live in the log until the next one.
    let t = store.begin().unwrap();
    set(&mut store, t, root, 3, "three again", false).unwrap();
    store
        .write(t, root, RowId::new(10), Change::Delete)
        .unwrap();
    store.commit(t).unwrap();
    model.insert(3, "three again".to_string());
    model.remove(&10);
    drop(store);
    let log = StdPlatform::new()
        .open(log_path.to_str().unwrap(), OpenMode::Create)
        .unwrap();
    let mut store = DurableStore::recover(log, upto, 1 << 20, 9, Global).unwrap();
    assert_eq!(visible(&db, &mut store, root), model);
    assert!(db.integrity_check(10).unwrap().is_ok());
    drop(db);
    assert_eq!(sqlite_rows(&path).1, after);
}

const DB: &str = "oom.db";
const LOG: &str = "oom.db-log";

/// A database with table `t` of 200 rows and a store whose log holds
/// changes to half of them and 100 new ones, on `disk`.
fn setup(disk: &MemoryPlatform) -> (PageNo, Rows) {
    let db = Database::open(disk, DB, &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    conn.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); BEGIN", ())
        .unwrap();
    for i in 1..=200i64 {
        conn.execute(
            "INSERT INTO t VALUES (?1, 'base ' || ?1)",
            boundlite::params![i],
        )
        .unwrap();
    }
    conn.execute("COMMIT", ()).unwrap();
    let root: i64 = conn
        .query_row(
            "SELECT rootpage FROM sqlite_master WHERE name = 't'",
            (),
            |r| r.get(0),
        )
        .unwrap();
    let root = PageNo::new(root as u32).unwrap();
    let mut model: Rows = (1..=200).map(|i| (i, format!("base {i}"))).collect();
    let log = (&disk).open(LOG, OpenMode::Create).unwrap();
    let mut store = DurableStore::recover(log, Timestamp::ZERO, 1 << 24, 1, Global).unwrap();
    let t = store.begin().unwrap();
    for id in (1..=200).step_by(2) {
        let v = "x".repeat(id as usize * 7);
        set(&mut store, t, root, id, &v, false).unwrap();
        model.insert(id, v);
    }
    for id in 201..=300 {
        set(&mut store, t, root, id, "new", true).unwrap();
        model.insert(id, "new".to_string());
    }
    store.commit(t).unwrap();
    (root, model)
}

#[test]
fn a_checkpoint_that_runs_out_of_memory_changes_nothing() {
    let counting = Counting::new(Global);
    let fault = FaultAlloc::new(&counting);
    let config = Config {
        cache_frames: 16,
        ..Config::DEFAULT
    };
    let report = oom_sweep(
        &fault,
        false,
        |fault| {
            let disk = MemoryPlatform::new();
            let (root, model) = setup(&disk);
            let log = (&disk).open(LOG, OpenMode::Create).unwrap();
            let mut store =
                DurableStore::recover(log, Timestamp::ZERO, 1 << 24, 2, Global).unwrap();
            let versions = store.store().versions();
            let checkpointed = {
                let db = Database::open(&disk, DB, &config, fault)?;
                store.checkpoint(3, |_, rows| {
                    let txn = db.begin_write()?;
                    write_checkpoint(&txn, rows, &mut NoIndexes)?;
                    txn.commit()
                })
            };
            let db = Database::open(&disk, DB, &Config::DEFAULT, Global).unwrap();
            assert!(db.integrity_check(10).unwrap().is_ok());
            match checkpointed {
                Ok(upto) => {
                    assert_eq!(store.store().versions(), 0);
                    assert_eq!(visible(&db, &mut store, root), model);
                    Ok(upto)
                }
                Err(e) => {
                    // Nothing moved: the file has the base rows, the store
                    // every version, and together they read the same.
                    assert_eq!(store.store().versions(), versions);
                    assert_eq!(store.store().boundary(), Timestamp::ZERO);
                    assert_eq!(visible(&db, &mut store, root), model);
                    let conn = db.connect();
                    let n: i64 = conn
                        .query_row("SELECT count(*) FROM t", (), |r| r.get(0))
                        .unwrap();
                    assert_eq!(n, 200);
                    Err(e)
                }
            }
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
    assert_eq!(report.value, Timestamp::new(1));
    assert!(report.failure_points > 10, "{report:?}");
    println!(
        "{} failure points, {} errors",
        report.failure_points, report.errors
    );
}
