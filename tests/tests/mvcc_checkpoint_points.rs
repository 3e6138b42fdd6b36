//! An MVCC checkpoint stopped at every one of its points
//! (`Database::mvcc_checkpoint_pausing`, `CheckpointPoint`) and recovery
//! stopped at every one of its own (`Database::open_recovering`,
//! `RecoveryPoint`).
//!
//! At each checkpoint point other connections act: another checkpoint
//! gets `Busy`; autocommit and `BEGIN CONCURRENT` writers commit; a
//! reader from before the checkpoint keeps its snapshot and a fresh one
//! sees every commit; a commit stopped part way through its frame is the
//! moment a crash image of the files is taken (that commit is then
//! finished or abandoned). The checkpoint is then resumed or abandoned,
//! another commit follows, and the database is dropped and reopened on
//! the same files: every acknowledged commit is there and no other. The
//! crash image, recovered, holds exactly the commits acknowledged before
//! it. Every file passes `PRAGMA integrity_check`, boundlite's and, after
//! leaving the mode, SQLite's, and SQLite reads the same rows.
//!
//! Recovery stopped at each point, with another handle refused meanwhile,
//! resumed or abandoned and crashed there, recovers again to the same
//! rows and the same log bytes. An allocation-failure sweep covers a
//! recovery and a checkpoint driven a step at a time.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

use std::collections::BTreeMap;

use boundlite::alloc::{Allocator, Counting, FaultAlloc, Global, oom_sweep};
use boundlite::mvcc::{CheckpointPoint, CommitPoint, RecoveryPoint, Resume};
use boundlite::platform::{MemoryPlatform, Platform};
use boundlite::record::ValueRef;
use boundlite::{Config, Connection, Database, Error};

type Rows = BTreeMap<i64, String>;

const SETUP: &str = "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); \
    CREATE INDEX t_v ON t(v); \
    INSERT INTO t WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 9) \
    SELECT i, 'v' || i FROM n";

const DB: &str = "m.db";
const FILES: [&str; 3] = ["m.db", "m.db-wal", "m.db-log"];

/// Seeds: each picks the commits before the checkpoint (how many, their
/// rows, the size of one, whether a checkpoint came before them) and
/// whether the commit stopped at the pause finishes.
const SEEDS: u64 = 6;

fn base() -> Rows {
    (1..=9).map(|i| (i, format!("v{i}"))).collect()
}

fn query<P: Platform, A: Allocator + Clone>(
    conn: &Connection<'_, P, A>,
    sql: &str,
) -> Result<Rows, Error> {
    let mut stmt = conn.prepare(sql)?;
    let mut out = Rows::new();
    while let Some(row) = stmt.step()? {
        out.insert(row.get_i64(0)?, row.get_text(1)?.to_owned());
    }
    Ok(out)
}

/// The rows by a scan, checked against those read through the index.
fn rows<P: Platform, A: Allocator + Clone>(conn: &Connection<'_, P, A>) -> Result<Rows, Error> {
    let scanned = query(conn, "SELECT id, v FROM t ORDER BY id")?;
    let indexed = query(conn, "SELECT id, v FROM t WHERE v >= '' ORDER BY v")?;
    assert_eq!(scanned, indexed, "the index disagrees with the table");
    Ok(scanned)
}

fn exec<P: Platform, A: Allocator + Clone>(conn: &Connection<'_, P, A>, sql: &str) {
    conn.execute(sql, ())
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// The files of `disk` as a crash leaves them: a process crash keeps every
/// write the platform took.
fn image(disk: &MemoryPlatform) -> MemoryPlatform {
    let copy = MemoryPlatform::new();
    for name in FILES {
        if let Ok(bytes) = disk.file_bytes(name) {
            copy.write_file(name, &bytes).unwrap();
        }
    }
    copy
}

/// Opens `disk` (recovering), checks the rows and the integrity, leaves
/// the mode and checks what SQLite reads of the file.
fn check_reopened(disk: &MemoryPlatform, model: &Rows, context: &str) {
    {
        let db = Database::open(disk, DB, &Config::DEFAULT, Global).unwrap();
        let conn = db.connect();
        assert_eq!(rows(&conn).unwrap(), *model, "{context}: after recovery");
        assert!(db.integrity_check(10).unwrap().is_ok(), "{context}");
        exec(&conn, "PRAGMA journal_mode = wal");
    }
    let dir = tempfile::tempdir().unwrap();
    for name in FILES {
        if let Ok(bytes) = disk.file_bytes(name) {
            std::fs::write(dir.path().join(name), &bytes[..]).unwrap();
        }
    }
    let sqlite = rusqlite::Connection::open(dir.path().join(DB)).unwrap();
    boundlite_tests::compare::assert_sqlite_integrity_ok(&sqlite);
    let mut stmt = sqlite.prepare("SELECT id, v FROM t ORDER BY id").unwrap();
    let read: Rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(read, *model, "{context}: SQLite's rows");
}

/// Commits before the checkpoint, from `seed`, on `conn`, kept in
/// `model`; with a checkpoint among them for odd seeds, so that the
/// checkpoint under test starts from a boundary above zero.
fn commit_before<P: Platform, A: Allocator + Clone>(
    conn: &Connection<'_, P, A>,
    seed: u64,
    model: &mut Rows,
) {
    for i in 0..2 + seed % 3 {
        let id = ((seed * 7 + i) % 9 + 1) as i64;
        let v = format!("s{seed}_{i}");
        exec(conn, &format!("UPDATE t SET v = '{v}' WHERE id = {id}"));
        model.insert(id, v);
        if i == 0 && seed % 2 == 1 {
            exec(conn, "PRAGMA wal_checkpoint(TRUNCATE)");
        }
    }
    let big = "b".repeat(3000 * (seed % 3) as usize);
    conn.execute("INSERT INTO t VALUES (20, ?)", &[ValueRef::text(&big)])
        .unwrap();
    model.insert(20, big);
    let gone = 4 + (seed % 4) as i64;
    exec(conn, &format!("DELETE FROM t WHERE id = {gone}"));
    model.remove(&gone);
}

/// What one run left: the points met, whether it stopped, the model
/// after it, and the crash image taken at the pause with its model.
struct Run {
    points: Vec<CheckpointPoint>,
    stopped: bool,
    model: Rows,
    crash: Option<(MemoryPlatform, Rows)>,
}

/// The run: commits, then a checkpoint stopped at its `stop`th point
/// (from 0), where the others act, then resumed or abandoned, then a
/// commit after it.
fn run<A: Allocator + Clone>(
    disk: &MemoryPlatform,
    db: &Database<&MemoryPlatform, A>,
    seed: u64,
    stop: usize,
    resume: Resume,
) -> Run {
    let [a, d, e, f, g, h] = std::array::from_fn(|_| db.connect());
    let mut model = base();
    exec(&a, SETUP);
    exec(&a, "PRAGMA journal_mode = mvcc");
    // No automatic checkpoint: the one under test is the only one.
    exec(&a, "PRAGMA mvcc_checkpoint_threshold = 0");
    commit_before(&a, seed, &mut model);
    let before = model.clone();
    exec(&d, "BEGIN");
    assert_eq!(rows(&d).unwrap(), before);
    let (mut points, mut stopped, mut crash) = (Vec::new(), false, None);
    let result = db.mvcc_checkpoint_pausing(|point| {
        points.push(point);
        if points.len() - 1 != stop {
            return Resume::Continue;
        }
        stopped = true;
        // One checkpoint at a time.
        assert_eq!(
            e.execute("PRAGMA wal_checkpoint(TRUNCATE)", ()),
            Err(Error::Busy),
            "{point:?}"
        );
        assert_eq!(
            db.mvcc_checkpoint_pausing(|_| Resume::Continue),
            Err(Error::Busy)
        );
        // Readers: the old snapshot stays; a fresh one sees every commit.
        assert_eq!(rows(&d).unwrap(), before, "{point:?}");
        assert_eq!(rows(&f).unwrap(), model, "{point:?}");
        // Writers commit at every point.
        let id = 1 + (seed % 3) as i64;
        assert_eq!(
            e.execute(&format!("UPDATE t SET v = 'e' WHERE id = {id}"), ()),
            Ok(1),
            "{point:?}"
        );
        model.insert(id, "e".into());
        exec(&g, "BEGIN CONCURRENT");
        exec(&g, "INSERT INTO t VALUES (50, 'g')");
        exec(&g, "COMMIT");
        model.insert(50, "g".into());
        assert_eq!(rows(&f).unwrap(), model, "{point:?}");
        // H stops part way through its frame: the crash comes there.
        exec(&h, "BEGIN CONCURRENT");
        exec(&h, "UPDATE t SET v = 'h' WHERE id = 3");
        exec(&h, "INSERT INTO t VALUES (60, 'h')");
        let finish = match seed % 2 {
            0 => Resume::Continue,
            _ => Resume::Abandon,
        };
        let committed = h.commit_pausing(|cp| match cp {
            CommitPoint::PieceWritten(1) => {
                crash = Some((image(disk), model.clone()));
                finish
            }
            _ => Resume::Continue,
        });
        match finish {
            Resume::Continue => {
                assert_eq!(committed, Ok(()), "{point:?}");
                model.insert(3, "h".into());
                model.insert(60, "h".into());
            }
            Resume::Abandon => assert!(matches!(committed, Err(Error::Abort(_))), "{point:?}"),
        }
        assert!(!h.in_transaction());
        assert_eq!(rows(&f).unwrap(), model, "{point:?}");
        resume
    });
    match stopped && resume == Resume::Abandon {
        true => assert_eq!(
            result,
            Err(Error::Abort("the MVCC checkpoint was abandoned"))
        ),
        false => assert!(result.is_ok(), "{result:?}"),
    }
    assert_eq!(rows(&d).unwrap(), before);
    exec(&d, "COMMIT");
    assert_eq!(rows(&f).unwrap(), model);
    assert!(db.integrity_check(10).unwrap().is_ok());
    // A commit after the checkpoint, whatever it left of the log.
    exec(&e, "UPDATE t SET v = 'after' WHERE id = 9");
    model.insert(9, "after".into());
    assert_eq!(rows(&f).unwrap(), model);
    Run {
        points,
        stopped,
        model,
        crash,
    }
}

#[test]
fn a_checkpoint_stopped_at_every_point_resumed_abandoned_or_crashed_loses_no_commit() {
    use CheckpointPoint::{LogEmptied, Recorded, RowsWritten};
    let mut runs = 0;
    for seed in 0..SEEDS {
        for resume in [Resume::Continue, Resume::Abandon] {
            for stop in 0.. {
                let context = format!("seed {seed}, point {stop}, {resume:?}");
                let disk = MemoryPlatform::new();
                let counting = Counting::new(Global);
                let run = {
                    let db = Database::open(&disk, DB, &Config::DEFAULT, &counting).unwrap();
                    run(&disk, &db, seed, stop, resume)
                };
                assert_eq!(counting.stats().live_bytes, 0, "{context}: a leak");
                if !run.stopped {
                    // Run whole, with no one acting: every point.
                    assert_eq!(run.points, [RowsWritten, Recorded, LogEmptied], "{context}");
                    break;
                }
                runs += 1;
                // Commits during a pause before the reset keep the log;
                // at the reset's own point the log already went.
                let want: &[CheckpointPoint] = match (resume, stop) {
                    (Resume::Abandon, _) => &[RowsWritten, Recorded, LogEmptied][..=stop],
                    (Resume::Continue, 2) => &[RowsWritten, Recorded, LogEmptied],
                    (Resume::Continue, _) => &[RowsWritten, Recorded],
                };
                assert_eq!(run.points, want, "{context}");
                check_reopened(&disk, &run.model, &context);
                let (crashed, at_crash) = run.crash.expect("a crash image");
                check_reopened(&crashed, &at_crash, &format!("{context}, crashed"));
            }
        }
    }
    assert_eq!(runs, 2 * 3 * SEEDS as usize);
}

/// Files in MVCC mode whose log holds frames at or below the boundary (a
/// checkpoint abandoned before its reset), frames above it, and a torn
/// tail; and the rows they hold.
fn recovery_files(seed: u64) -> (MemoryPlatform, Rows, u32) {
    let disk = MemoryPlatform::new();
    let mut model = base();
    let mut frames = 0;
    {
        let db = Database::open(&disk, DB, &Config::DEFAULT, Global).unwrap();
        let conn = db.connect();
        exec(&conn, SETUP);
        exec(&conn, "PRAGMA journal_mode = mvcc");
        exec(&conn, "PRAGMA mvcc_checkpoint_threshold = 0");
        for i in 0..1 + seed % 3 {
            exec(
                &conn,
                &format!("UPDATE t SET v = 'c{i}' WHERE id = {}", i + 1),
            );
            model.insert(i as i64 + 1, format!("c{i}"));
            frames += 1;
        }
        let abandoned = db.mvcc_checkpoint_pausing(|point| match point {
            CheckpointPoint::Recorded => Resume::Abandon,
            _ => Resume::Continue,
        });
        assert!(matches!(abandoned, Err(Error::Abort(_))));
        let big = "x".repeat(5000);
        conn.execute("INSERT INTO t VALUES (30, ?)", &[ValueRef::text(&big)])
            .unwrap();
        model.insert(30, big);
        exec(&conn, "DELETE FROM t WHERE id = 9");
        model.remove(&9);
        frames += 2;
    }
    let mut log = disk.file_bytes("m.db-log").unwrap().to_vec();
    log.extend_from_slice(&[0xA5; 40]);
    disk.write_file("m.db-log", &log).unwrap();
    (disk, model, frames)
}

#[test]
fn recovery_stopped_at_every_point_resumed_abandoned_or_crashed_recovers_again_alike() {
    use RecoveryPoint::{FrameRead, HeaderRead, LogReady};
    let mut runs = 0;
    for seed in 0..3 {
        let (files, model, frames) = recovery_files(seed);
        // Recovered once, whole: the rows and the log every recovery gives.
        let reference = image(&files);
        let log = {
            let db = Database::open(&reference, DB, &Config::DEFAULT, Global).unwrap();
            assert_eq!(rows(&db.connect()).unwrap(), model);
            reference.file_bytes("m.db-log").unwrap().to_vec()
        };
        assert!(log.len() < files.file_bytes("m.db-log").unwrap().len());
        let want: Vec<RecoveryPoint> = [HeaderRead]
            .into_iter()
            .chain((1..=frames).map(FrameRead))
            .chain([LogReady])
            .collect();
        for resume in [Resume::Continue, Resume::Abandon] {
            for stop in 0..want.len() {
                let context = format!("seed {seed}, point {stop}, {resume:?}");
                let disk = image(&files);
                let (mut points, mut crash) = (Vec::new(), None);
                let counting = Counting::new(Global);
                let opened =
                    Database::open_recovering(&disk, DB, &Config::DEFAULT, &counting, |point| {
                        points.push(point);
                        if points.len() - 1 != stop {
                            return Resume::Continue;
                        }
                        // The file is held: another handle waits.
                        let other = Database::open(&disk, DB, &Config::DEFAULT, Global);
                        assert_eq!(other.err(), Some(Error::Busy), "{context}");
                        crash = Some(image(&disk));
                        resume
                    });
                match resume {
                    Resume::Continue => {
                        let db = opened.unwrap();
                        assert_eq!(points, want, "{context}");
                        assert_eq!(rows(&db.connect()).unwrap(), model, "{context}");
                    }
                    Resume::Abandon => {
                        assert_eq!(
                            opened.err(),
                            Some(Error::Abort("the MVCC recovery was abandoned")),
                            "{context}"
                        );
                        assert_eq!(points, want[..=stop], "{context}");
                    }
                }
                assert_eq!(counting.stats().live_bytes, 0, "{context}: a leak");
                runs += 1;
                // Recovered again, after the pause or the crash there.
                for (disk, what) in [(disk, "the files"), (crash.unwrap(), "the crash image")] {
                    let context = format!("{context}, {what}");
                    {
                        let db = Database::open(&disk, DB, &Config::DEFAULT, Global).unwrap();
                        assert_eq!(rows(&db.connect()).unwrap(), model, "{context}");
                    }
                    assert_eq!(
                        disk.file_bytes("m.db-log").unwrap()[..],
                        log[..],
                        "{context}"
                    );
                    check_reopened(&disk, &model, &context);
                }
            }
        }
    }
    assert!(runs >= 2 * 3 * 5, "{runs}");
}

#[test]
fn a_recovery_and_a_checkpoint_driven_a_step_at_a_time_fail_cleanly_at_every_allocation() {
    let counting = Counting::new(Global);
    let fault = FaultAlloc::new(&counting);
    let (files, model, _) = recovery_files(1);
    let mut after = model.clone();
    after.insert(2, "w".into());
    for persistent in [true, false] {
        let report = oom_sweep(
            &fault,
            persistent,
            |fault| {
                let disk = image(&files);
                let result = {
                    let db = Database::open_recovering(&disk, DB, &Config::DEFAULT, fault, |_| {
                        Resume::Continue
                    })?;
                    let (a, b) = (db.connect(), db.connect());
                    let mut read = Ok(());
                    let mut wrote = Ok(0);
                    let checkpointed = db.mvcc_checkpoint_pausing(|point| {
                        // A reader at every point and a writer at the
                        // first, under the same failures.
                        if read.is_ok() {
                            read = rows(&b)
                                .map(|seen| assert!(seen == model || seen == after, "{seen:?}"));
                        }
                        if point == CheckpointPoint::RowsWritten {
                            wrote = a.execute("UPDATE t SET v = 'w' WHERE id = 2", ());
                        }
                        Resume::Continue
                    });
                    checkpointed.and(read).and(wrote.map(drop))
                };
                let db = Database::open(&disk, DB, &Config::DEFAULT, Global).unwrap();
                assert!(db.integrity_check(10).unwrap().is_ok());
                let seen = rows(&db.connect()).unwrap();
                match result {
                    Ok(()) => assert_eq!(seen, after),
                    Err(_) => assert!(seen == model || seen == after, "{seen:?}"),
                }
                result
            },
            |n, e| assert_eq!(e, Error::OutOfMemory, "failure {n}"),
        )
        .unwrap();
        assert!(report.failure_points > 10, "{report:?}");
        assert_eq!(counting.stats().live_bytes, 0);
    }
}
