//! Transactions through the write-ahead log, at the `Database` level:
//! commits land in the log and survive reopening; read transactions keep
//! their snapshot while another commit and checkpoints happen; SQLite reads
//! a log we leave behind and we read one SQLite leaves; power cuts at every
//! write and sync keep exactly the committed transactions; I/O errors at
//! every operation leave a usable, consistent database.

use boundlite::RowId;
use boundlite::alloc::{Global, Vec as BVec};
use boundlite::btree::{SeekMode, TableCursor};
use boundlite::platform::{
    CrashPlan, FaultPlatform, FaultTarget, IoFault, MemoryPlatform, Platform,
};
use boundlite::record::{RecordRef, ValueRef, encode_into};
use boundlite::wal::CheckpointMode;
use boundlite::{Config, Database, PageNo};
use boundlite_std::StdPlatform;

const DB: &str = "wal.db";

fn config() -> Config {
    Config {
        cache_frames: 64,
        ..Config::DEFAULT
    }
}

fn row(id: i64) -> BVec<u8> {
    let mut out = BVec::new();
    let text = format!("row {id}");
    encode_into(
        &[ValueRef::Integer(id), ValueRef::Text(text.as_bytes())],
        &mut out,
    )
    .unwrap();
    out
}

/// Creates table `t` (with its schema entry); returns its root.
fn create_table<P: Platform>(db: &Database<P, Global>) -> PageNo {
    let txn = db.begin_write().unwrap();
    let root = txn
        .create_table("t", "CREATE TABLE t(id INTEGER, name TEXT)")
        .unwrap();
    txn.commit().unwrap();
    root
}

/// The root of table `t`, from the schema.
fn root_of<P: Platform>(db: &Database<P, Global>) -> PageNo {
    let schema = db.schema().unwrap();
    schema
        .entries()
        .iter()
        .find(|e| e.name == "t")
        .unwrap()
        .root
        .unwrap()
}

fn ids<S: boundlite::btree::PageSource>(source: &S, root: PageNo) -> Vec<i64> {
    let mut cursor = TableCursor::new(source, root, BVec::new());
    let mut out = Vec::new();
    let mut more = cursor.first().unwrap();
    while more {
        let payload = cursor.payload().unwrap();
        let ValueRef::Integer(id) = RecordRef::parse(&payload, None).unwrap().column(0).unwrap()
        else {
            panic!("id is not an integer")
        };
        drop(payload);
        assert_eq!(id, cursor.rowid().unwrap().get());
        out.push(id);
        more = cursor.next().unwrap();
    }
    out
}

#[test]
fn commits_go_to_the_log_and_survive_reopening() {
    let disk = MemoryPlatform::new();
    let root = {
        let db = Database::open(&disk, DB, &config(), Global).unwrap();
        let root = create_table(&db);
        let file_after_create = disk.file_bytes(DB).unwrap().len();
        for batch in 0..5 {
            let txn = db.begin_write().unwrap();
            for id in batch * 100 + 1..=batch * 100 + 100 {
                txn.insert_row(root, RowId::new(id), &row(id)).unwrap();
            }
            txn.commit().unwrap();
        }
        // Only the commit that created the database wrote the file.
        assert_eq!(disk.file_bytes(DB).unwrap().len(), file_after_create);
        assert!(disk.file_bytes("wal.db-wal").unwrap().len() > 4096 * 5);
        root
    };
    let db = Database::open(&disk, DB, &config(), Global).unwrap();
    assert_eq!(ids(db.pager(), root), (1..=500).collect::<Vec<_>>());
    assert_eq!(
        db.header().write_version,
        boundlite::format::FileFormatVersion::Wal
    );
    // A full checkpoint moves everything into the file.
    let result = db.checkpoint(CheckpointMode::Truncate).unwrap();
    assert!(!result.busy);
    assert_eq!(disk.file_bytes("wal.db-wal").unwrap().len(), 0);
    assert_eq!(
        disk.file_bytes(DB).unwrap().len(),
        db.page_count() as usize * 4096
    );
    assert!(db.integrity_check(0).unwrap().is_ok());
    assert_eq!(ids(db.pager(), root), (1..=500).collect::<Vec<_>>());
}

#[test]
fn a_reader_keeps_its_snapshot_through_commits_and_checkpoints() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, DB, &config(), Global).unwrap();
    let root = create_table(&db);
    let txn = db.begin_write().unwrap();
    for id in 1..=300 {
        txn.insert_row(root, RowId::new(id), &row(id)).unwrap();
    }
    txn.commit().unwrap();

    let reader = db.begin_read().unwrap();
    let before: Vec<i64> = (1..=300).collect();
    assert_eq!(ids(&reader, root), before);

    // Another commit: deletes half the rows and adds new ones.
    let txn = db.begin_write().unwrap();
    for id in (1..=300).filter(|id| id % 2 == 0) {
        txn.delete_row(root, RowId::new(id)).unwrap();
    }
    for id in 1000..1200 {
        txn.insert_row(root, RowId::new(id), &row(id)).unwrap();
    }
    txn.commit().unwrap();

    // Checkpoints may not copy what the reader's snapshot does not include.
    let full = db.checkpoint(CheckpointMode::Full).unwrap();
    assert!(full.busy, "a FULL checkpoint must wait for the reader");
    let restart = db.checkpoint(CheckpointMode::Restart).unwrap();
    assert!(restart.busy);
    assert_eq!(ids(&reader, root), before, "the reader's snapshot changed");
    let mut seek = TableCursor::new(&reader, root, BVec::new());
    assert!(
        seek.seek(RowId::new(2), SeekMode::Eq).unwrap(),
        "row 2 vanished for the reader"
    );
    assert!(
        !seek.seek(RowId::new(1000), SeekMode::Eq).unwrap(),
        "the reader sees a later commit"
    );

    // The latest state is visible outside the reader.
    let latest = ids(db.pager(), root);
    assert_eq!(latest.len(), 150 + 200);
    drop(seek);
    drop(reader);

    // With the reader gone, everything can be copied and the log restarted.
    let done = db.checkpoint(CheckpointMode::Truncate).unwrap();
    assert!(!done.busy);
    assert_eq!(ids(db.pager(), root), latest);
    assert!(db.integrity_check(0).unwrap().is_ok());
}

#[test]
fn passive_checkpoints_let_the_log_restart_and_stay_small() {
    let disk = MemoryPlatform::new();
    let small_log = Config {
        wal_autocheckpoint: 50,
        ..config()
    };
    let db = Database::open(&disk, DB, &small_log, Global).unwrap();
    let root = create_table(&db);
    for id in 1..=3000 {
        let txn = db.begin_write().unwrap();
        txn.insert_row(root, RowId::new(id), &row(id)).unwrap();
        txn.commit().unwrap();
    }
    let log_bytes = disk.file_bytes("wal.db-wal").unwrap().len();
    assert!(
        log_bytes < 60 * (4096 + 24) + 32,
        "the log grew to {log_bytes} bytes"
    );
    assert_eq!(ids(db.pager(), root).len(), 3000);
    assert!(db.integrity_check(0).unwrap().is_ok());
}

#[test]
fn the_index_budget_checkpoints_before_the_frame_count_does() {
    let disk = MemoryPlatform::new();
    let tight = Config {
        wal_autocheckpoint: 1000,
        wal_index_budget: 4096,
        ..config()
    };
    let frames = tight.checkpoint_threshold();
    assert!(frames > 10 && frames < 1000, "threshold {frames}");
    let db = Database::open(&disk, DB, &tight, Global).unwrap();
    let root = create_table(&db);
    for id in 1..=2000 {
        let txn = db.begin_write().unwrap();
        txn.insert_row(root, RowId::new(id), &row(id)).unwrap();
        txn.commit().unwrap();
    }
    let log_frames = disk.file_bytes("wal.db-wal").unwrap().len() / (4096 + 24);
    assert!(
        log_frames <= frames as usize + 3,
        "{log_frames} frames in the log, threshold {frames}"
    );
    assert_eq!(ids(db.pager(), root).len(), 2000);
}

#[test]
fn sqlite_reads_a_log_we_leave_behind() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ours.db");
    let platform = StdPlatform::new();
    {
        let db = Database::open(&platform, path.to_str().unwrap(), &config(), Global).unwrap();
        let root = create_table(&db);
        for batch in 0..4 {
            let txn = db.begin_write().unwrap();
            for id in batch * 250 + 1..=batch * 250 + 250 {
                txn.insert_row(root, RowId::new(id), &row(id)).unwrap();
            }
            txn.commit().unwrap();
        }
        // A transaction that never commits must not be seen.
        let txn = db.begin_write().unwrap();
        txn.insert_row(root, RowId::new(99_999), &row(99_999))
            .unwrap();
        drop(txn);
    }
    assert!(
        std::fs::metadata(dir.path().join("ours.db-wal"))
            .unwrap()
            .len()
            > 0
    );
    let conn = rusqlite::Connection::open(&path).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let ok: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    let (count, max): (i64, i64) = conn
        .query_row("SELECT count(*), max(id) FROM t", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((count, max), (1000, 1000));
    let name: String = conn
        .query_row("SELECT name FROM t WHERE id = 777", [], |r| r.get(0))
        .unwrap();
    assert_eq!(name, "row 777");
}

#[test]
fn we_read_a_log_sqlite_leaves_behind() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("theirs.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0;
         CREATE TABLE t(id INTEGER, name TEXT);",
    )
    .unwrap();
    for batch in 0..5 {
        conn.execute_batch("BEGIN").unwrap();
        for id in batch * 200 + 1..=batch * 200 + 200 {
            conn.execute(
                "INSERT INTO t(rowid, id, name) VALUES (?1, ?1, 'row ' || ?1)",
                [id],
            )
            .unwrap();
        }
        conn.execute_batch("COMMIT").unwrap();
    }
    // Copy the files while SQLite's connection is still open: nothing has
    // been checkpointed.
    let copy = dir.path().join("copy.db");
    std::fs::copy(&path, &copy).unwrap();
    std::fs::copy(
        dir.path().join("theirs.db-wal"),
        dir.path().join("copy.db-wal"),
    )
    .unwrap();
    drop(conn);
    let platform = StdPlatform::new();
    let db =
        Database::open_read_only(&platform, copy.to_str().unwrap(), &config(), Global).unwrap();
    let root = root_of(&db);
    assert_eq!(ids(db.pager(), root), (1..=1000).collect::<Vec<_>>());
    assert!(db.integrity_check(0).unwrap().is_ok());
    // Writable too: our next commit follows SQLite's frames.
    drop(db);
    let db = Database::open(&platform, copy.to_str().unwrap(), &config(), Global).unwrap();
    let txn = db.begin_write().unwrap();
    txn.insert_row(root, RowId::new(1001), &row(1001)).unwrap();
    txn.commit().unwrap();
    drop(db);
    let conn = rusqlite::Connection::open(&copy).unwrap();
    let count: i64 = conn
        .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
        .unwrap();
    assert_eq!(count, 1001);
    let ok: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
}

/// The crash-sweep workload: 12 small transactions, each adding 20 rows and
/// deleting a few; returns how many committed (returned Ok).
fn workload<P: Platform>(db: &Database<P, Global>, root: PageNo) -> usize {
    let mut committed = 0;
    for t in 0..12i64 {
        let Ok(txn) = db.begin_write() else {
            return committed;
        };
        let mut ok = true;
        for id in t * 20 + 1..=t * 20 + 20 {
            ok &= txn.insert_row(root, RowId::new(id), &row(id)).is_ok();
        }
        if t > 0 {
            ok &= txn.delete_row(root, RowId::new(t * 20 - 19)).is_ok();
        }
        if !ok || txn.commit().is_err() {
            return committed;
        }
        committed += 1;
    }
    committed
}

/// The rows after `n` committed workload transactions.
fn expected_after(n: usize) -> Vec<i64> {
    let n = n as i64;
    (1..=n * 20)
        .filter(|id| !(id % 20 == 1 && (id - 1) / 20 < n - 1))
        .collect()
}

#[test]
fn power_cuts_at_every_write_and_sync_keep_exactly_the_committed_transactions() {
    // The database before the workload: a table, checkpointed.
    let base = MemoryPlatform::new();
    let root = {
        let db = Database::open(&base, DB, &config(), Global).unwrap();
        let root = create_table(&db);
        db.checkpoint(CheckpointMode::Truncate).unwrap();
        root
    };
    let db_bytes = base.file_bytes(DB).unwrap();
    let fresh = || {
        let disk = MemoryPlatform::new();
        disk.write_file(DB, &db_bytes).unwrap();
        disk
    };
    // Learn how many mutations the whole workload makes.
    let total = {
        let disk = fresh();
        let fault = FaultPlatform::new(&disk);
        let db = Database::open(
            &fault,
            DB,
            &Config {
                wal_autocheckpoint: 40,
                ..config()
            },
            Global,
        )
        .unwrap();
        assert_eq!(workload(&db, root), 12);
        fault.counts().mutations()
    };
    assert!(total > 20, "only {total} mutations");
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
                let db = match Database::open(
                    &fault,
                    DB,
                    &Config {
                        wal_autocheckpoint: 40,
                        ..config()
                    },
                    Global,
                ) {
                    Ok(db) => db,
                    Err(_) => continue,
                };
                fault.cut_power_after(k);
                workload(&db, root)
            };
            fault.power_cut(plan).unwrap();
            crashes += 1;
            let db = Database::open(&disk, DB, &config(), Global)
                .unwrap_or_else(|e| panic!("k={k} {plan:?}: reopening failed: {e}"));
            let rows = ids(db.pager(), root);
            // Every committed transaction is there; the one in flight when
            // the power went may or may not be, but never in part.
            let ok = rows == expected_after(committed) || rows == expected_after(committed + 1);
            assert!(
                ok,
                "k={k} {plan:?}: {} rows after {committed} commits",
                rows.len()
            );
            let report = db.integrity_check(0).unwrap();
            assert!(report.is_ok(), "k={k} {plan:?}: {report}");
        }
    }
    println!("{total} crash points, {crashes} power cuts survived");
}

#[test]
fn io_errors_at_every_operation_leave_a_usable_consistent_database() {
    let base = MemoryPlatform::new();
    let root = {
        let db = Database::open(&base, DB, &config(), Global).unwrap();
        create_table(&db)
    };
    let db_bytes = base.file_bytes(DB).unwrap();
    let wal_bytes = base.file_bytes("wal.db-wal").unwrap();
    let mut points = 0;
    for target in [FaultTarget::Read, FaultTarget::Write, FaultTarget::Sync] {
        for n in 1..400 {
            let disk = MemoryPlatform::new();
            disk.write_file(DB, &db_bytes).unwrap();
            disk.write_file("wal.db-wal", &wal_bytes).unwrap();
            let fault = FaultPlatform::new(&disk);
            let db = match Database::open(
                &fault,
                DB,
                &Config {
                    wal_autocheckpoint: 30,
                    ..config()
                },
                Global,
            ) {
                Ok(db) => db,
                Err(e) => panic!("{target:?} {n}: open failed before the fault: {e}"),
            };
            fault.arm(IoFault::Once { target, n });
            let committed = workload(&db, root);
            let hit = fault.counts().failed > 0;
            fault.arm(IoFault::Never);
            if !hit {
                break;
            }
            points += 1;
            // The same database goes on working after the error...
            let txn = db.begin_write().unwrap();
            txn.insert_row(root, RowId::new(5000), &row(5000)).unwrap();
            txn.commit().unwrap();
            let rows = ids(db.pager(), root);
            assert!(rows.contains(&5000));
            let report = db.integrity_check(0).unwrap();
            assert!(report.is_ok(), "{target:?} {n}: {report}");
            // ...and what it committed is what a reopen finds.
            drop(db);
            let db = Database::open(&disk, DB, &config(), Global).unwrap();
            let mut expected = expected_after(committed);
            expected.push(5000);
            let reopened = ids(db.pager(), root);
            assert!(
                reopened == expected || reopened.len() > expected.len(),
                "{target:?} {n}: {} rows, expected {}",
                reopened.len(),
                expected.len()
            );
            assert!(matches!(db.integrity_check(0).map(|r| r.is_ok()), Ok(true)));
        }
    }
    assert!(points > 25, "only {points} I/O failure points");
    println!("{points} I/O failure points");
}

#[test]
fn every_allocation_failure_in_open_commit_and_checkpoint_is_clean() {
    use boundlite::alloc::{Arena, FaultAlloc, oom_sweep};
    // A database whose log already holds two transactions, so opening it
    // recovers frames.
    let base = MemoryPlatform::new();
    let root = {
        let db = Database::open(&base, DB, &config(), Global).unwrap();
        let root = create_table(&db);
        let txn = db.begin_write().unwrap();
        for id in 1..=40 {
            txn.insert_row(root, RowId::new(id), &row(id)).unwrap();
        }
        txn.commit().unwrap();
        root
    };
    let files = [DB, "wal.db-wal"].map(|name| (name, base.file_bytes(name).unwrap()));
    let mut buffer = vec![0u8; 512 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    let disk = MemoryPlatform::new();
    let restore = || {
        for (name, bytes) in &files {
            disk.write_file(name, bytes).unwrap();
        }
    };
    for persistent in [false, true] {
        let report = oom_sweep(
            &fault,
            persistent,
            |f| {
                restore();
                let db = Database::open(
                    &disk,
                    DB,
                    &Config {
                        cache_frames: 24,
                        ..config()
                    },
                    f,
                )?;
                let txn = db.begin_write()?;
                for id in 41..=120 {
                    let mut record = BVec::new_in(f);
                    encode_into(
                        &[ValueRef::Integer(id), ValueRef::Text(b"row")],
                        &mut record,
                    )?;
                    txn.insert_row(root, RowId::new(id), &record)?;
                }
                txn.commit()?;
                db.checkpoint(CheckpointMode::Truncate)?;
                Ok::<_, boundlite::Error>(db.page_count())
            },
            |n, e| {
                assert_eq!(e, boundlite::Error::OutOfMemory, "failure {n}");
                assert_eq!(arena.stats().live_allocations, 0, "failure {n} leaked");
                // What the files hold is a consistent database: the 40 rows,
                // or the 120 if the commit got through before the failure.
                let db = Database::open(&disk, DB, &config(), Global).unwrap();
                let rows = ids(db.pager(), root).len();
                assert!(rows == 40 || rows == 120, "failure {n}: {rows} rows");
                assert!(db.integrity_check(0).unwrap().is_ok(), "failure {n}");
            },
        )
        .unwrap();
        assert!(
            report.failure_points > 20,
            "{} allocation points",
            report.failure_points
        );
        println!(
            "WAL OOM sweep ({}): {} failure points",
            if persistent {
                "persistent"
            } else {
                "transient"
            },
            report.failure_points
        );
    }
}

/// Every commit rewrites the one page of a small table, so the WAL
/// index's hash table holds a probe chain as long as the commits: a
/// SQLite connection open all along finds the newest frame of the page
/// through chains far longer than a run of slots read at once, across
/// the end of the table where probing wraps to slot 0, and over a second
/// block of the index.
#[test]
fn sqlite_follows_long_hash_chains_in_the_index_we_write() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chains.db");
    let platform = StdPlatform::new();
    let wide = Config {
        wal_autocheckpoint: 0,
        wal_index_budget: 1 << 20,
        ..config()
    };
    let db = Database::open(&platform, path.to_str().unwrap(), &wide, Global).unwrap();
    let conn = db.connect();
    conn.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v)", &[])
        .unwrap();
    conn.execute("INSERT INTO t VALUES (1, 0)", &[]).unwrap();
    let sqlite = rusqlite::Connection::open(&path).unwrap();
    let value = |conn: &rusqlite::Connection| -> i64 {
        conn.query_row("SELECT v FROM t WHERE id = 1", [], |r| r.get(0))
            .unwrap()
    };
    for v in 1..=4_500 {
        conn.execute(&format!("UPDATE t SET v = {v}"), &[]).unwrap();
        if v % 250 == 0 {
            assert_eq!(value(&sqlite), v, "after {v} commits");
        }
    }
    let frames = std::fs::metadata(dir.path().join("chains.db-wal"))
        .unwrap()
        .len()
        / 4_120;
    assert!(frames > 4_500, "{frames} frames");
    let ok: String = sqlite
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
}
