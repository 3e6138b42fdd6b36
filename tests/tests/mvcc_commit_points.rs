//! An MVCC `COMMIT` stopped at every one of its points
//! (`Connection::commit_pausing`, `CommitPoint`), resumed or abandoned,
//! while other connections act there: a transaction that wrote one of its
//! rows commits (`BusyConflict`: the preparing commit validated first),
//! one that wrote another row commits (before the frame starts) or gets
//! `Busy` and stays open to commit after, autocommit writes do the same,
//! a `BEGIN CONCURRENT` begun at the pause writes one of its rows and
//! loses to it only when it resumes, and readers (autocommit, and a plain
//! `BEGIN` from before the commit) never see its rows before it ends.
//!
//! Each run is checked against a model of snapshot isolation, then: no
//! allocation outlives the database; reopening (recovery from the log)
//! gives the model's rows; a checkpoint leaves the store empty; and after
//! leaving the mode SQLite passes `PRAGMA integrity_check` and reads the
//! model's rows. An allocation-failure sweep covers the stepped commit.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

use std::collections::BTreeMap;

use boundlite::alloc::{Allocator, Counting, FaultAlloc, Global, oom_sweep};
use boundlite::mvcc::{CommitPoint, Resume};
use boundlite::platform::{MemoryPlatform, Platform};
use boundlite::record::ValueRef;
use boundlite::{Config, Connection, Database, Error};
use boundlite_std::StdPlatform;

type Rows = BTreeMap<i64, String>;

const SETUP: &str = "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); \
    INSERT INTO t WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 9) \
    SELECT i, 'v' || i FROM n";

/// Seeds: each picks the committing transaction's rows and the size of
/// its frame (zero to three pieces of 4 KiB beside its small rows).
const SEEDS: u64 = 8;

fn base() -> Rows {
    (1..=9).map(|i| (i, format!("v{i}"))).collect()
}

fn rows<P: Platform, A: Allocator + Clone>(conn: &Connection<'_, P, A>) -> Result<Rows, Error> {
    let mut stmt = conn.prepare("SELECT id, v FROM t ORDER BY id")?;
    let mut out = Rows::new();
    while let Some(row) = stmt.step()? {
        out.insert(row.get_i64(0)?, row.get_text(1)?.to_owned());
    }
    Ok(out)
}

/// What the committing transaction does, from its seed.
struct Plan {
    /// Rows it updates: `first` in 1..=4, `second` in 5..=7.
    first: i64,
    second: i64,
    /// The text it inserts at rowid 100.
    big: String,
    /// Whether the autocommit writer at the pause writes one of its rows.
    autocommit_on_its_row: bool,
}

impl Plan {
    fn of(seed: u64) -> Plan {
        Plan {
            first: 1 + (seed % 4) as i64,
            second: 5 + (seed % 3) as i64,
            big: "b".repeat(3000 * (seed % 4) as usize),
            autocommit_on_its_row: seed % 2 == 1,
        }
    }

    fn apply(&self, rows: &mut Rows) {
        rows.insert(self.first, "a".into());
        rows.insert(self.second, "a".into());
        rows.insert(100, self.big.clone());
    }
}

fn exec<P: Platform, A: Allocator + Clone>(conn: &Connection<'_, P, A>, sql: &str) {
    conn.execute(sql, ())
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// The run: `a` commits `plan`, stopped at its `stop`th point (from 0),
/// where the others act, then resumed or abandoned. Returns the points
/// met, whether it stopped, and the model's rows after every connection
/// ended.
fn run<P: Platform, A: Allocator + Clone>(
    db: &Database<P, A>,
    plan: &Plan,
    stop: usize,
    resume: Resume,
) -> (Vec<CommitPoint>, bool, Rows) {
    let [a, b, c, d, e, f, g] = std::array::from_fn(|_| db.connect());
    let mut model = base();
    exec(&a, "BEGIN CONCURRENT");
    exec(
        &a,
        &format!(
            "UPDATE t SET v = 'a' WHERE id IN ({}, {})",
            plan.first, plan.second
        ),
    );
    a.execute(
        "INSERT INTO t VALUES (100, ?)",
        &[ValueRef::text(&plan.big)],
    )
    .unwrap();
    // B wrote one of A's rows; C a row of its own; D reads from a
    // snapshot before A's commit.
    exec(&b, "BEGIN CONCURRENT");
    exec(
        &b,
        &format!("UPDATE t SET v = 'b' WHERE id = {}", plan.second),
    );
    exec(&c, "BEGIN CONCURRENT");
    exec(&c, "UPDATE t SET v = 'c' WHERE id = 9");
    exec(&d, "BEGIN");
    assert_eq!(rows(&d).unwrap(), model);
    let (mut points, mut stopped) = (Vec::new(), false);
    let (mut c_committed, mut g_began) = (false, false);
    let result = a.commit_pausing(|point| {
        points.push(point);
        if points.len() - 1 != stop {
            return Resume::Continue;
        }
        stopped = true;
        let writing = point != CommitPoint::Validated;
        // A validated first: B loses whenever it commits.
        assert_eq!(
            b.execute("COMMIT", ()),
            Err(Error::BusyConflict),
            "{point:?}"
        );
        exec(&b, "ROLLBACK");
        // C's row is its own: it commits before A's frame starts, and
        // waits (`Busy`, its transaction open) while the frame is written.
        match writing {
            false => {
                exec(&c, "COMMIT");
                model.insert(9, "c".into());
                c_committed = true;
            }
            true => {
                assert_eq!(c.execute("COMMIT", ()), Err(Error::Busy), "{point:?}");
                assert!(c.in_transaction());
            }
        }
        // An autocommit write: a conflict on A's row; on its own row,
        // as C.
        let (row, on_its_row) = match plan.autocommit_on_its_row {
            true => (plan.first, true),
            false => (8, false),
        };
        let wrote = e.execute(&format!("UPDATE t SET v = 'e' WHERE id = {row}"), ());
        match (on_its_row, writing) {
            (true, _) => assert_eq!(wrote, Err(Error::BusyConflict), "{point:?}"),
            (false, false) => {
                assert_eq!(wrote, Ok(1));
                model.insert(8, "e".into());
            }
            (false, true) => assert_eq!(wrote, Err(Error::Busy), "{point:?}"),
        }
        // Readers see none of A's rows, and nothing torn.
        assert_eq!(rows(&f).unwrap(), model, "{point:?}");
        assert_eq!(rows(&d).unwrap(), base(), "{point:?}");
        // G begins here and writes one of A's rows.
        exec(&g, "BEGIN CONCURRENT");
        exec(
            &g,
            &format!("UPDATE t SET v = 'g' WHERE id = {}", plan.first),
        );
        g_began = true;
        resume
    });
    let abandoned = stopped && resume == Resume::Abandon;
    match abandoned {
        true => assert_eq!(result, Err(Error::Abort("the MVCC commit was abandoned"))),
        false => {
            assert_eq!(result, Ok(()));
            plan.apply(&mut model);
        }
    }
    assert!(!a.in_transaction());
    if !c_committed {
        exec(&c, "COMMIT");
        model.insert(9, "c".into());
    }
    if g_began {
        // G began before A's install: it loses to A, or wins when A
        // was abandoned.
        match abandoned {
            true => {
                exec(&g, "COMMIT");
                model.insert(plan.first, "g".into());
            }
            false => {
                assert_eq!(g.execute("COMMIT", ()), Err(Error::BusyConflict));
                exec(&g, "ROLLBACK");
            }
        }
    }
    assert_eq!(rows(&d).unwrap(), base());
    exec(&d, "COMMIT");
    if !stopped {
        exec(&b, "ROLLBACK");
    }
    assert_eq!(rows(&f).unwrap(), model);
    (points, stopped, model)
}

#[test]
fn a_commit_stopped_at_every_point_resumed_or_abandoned_keeps_snapshot_isolation_and_the_file_sound()
 {
    let mut runs = 0;
    let mut points_seen = 0;
    for seed in 0..SEEDS {
        let plan = Plan::of(seed);
        for resume in [Resume::Continue, Resume::Abandon] {
            for stop in 0.. {
                let dir = tempfile::tempdir().unwrap();
                let path = dir.path().join("m.db");
                let path = path.to_str().unwrap();
                let counting = Counting::new(Global);
                let context = format!("seed {seed}, point {stop}, {resume:?}");
                let (points, stopped, model) = {
                    let db = Database::open(StdPlatform::new(), path, &Config::DEFAULT, &counting)
                        .unwrap();
                    let conn = db.connect();
                    exec(&conn, SETUP);
                    exec(&conn, "PRAGMA journal_mode = mvcc");
                    // No automatic checkpoint: reopening replays the log.
                    exec(&conn, "PRAGMA mvcc_checkpoint_threshold = 0");
                    drop(conn);
                    run(&db, &plan, stop, resume)
                };
                assert_eq!(counting.stats().live_bytes, 0, "{context}: a leak");
                if !stopped {
                    break;
                }
                runs += 1;
                if resume == Resume::Continue {
                    points_seen += 1;
                }
                assert_eq!(points.first(), Some(&CommitPoint::Validated), "{context}");
                match resume {
                    // Every point: a frame of the small rows and `big`,
                    // one to four pieces.
                    Resume::Continue => {
                        let pieces = (1..=points.len() - 2).map(|n| n as u32);
                        let want: Vec<_> = [CommitPoint::Validated]
                            .into_iter()
                            .chain(pieces.map(CommitPoint::PieceWritten))
                            .chain([CommitPoint::HeaderWritten])
                            .collect();
                        assert_eq!(points, want, "{context}");
                        assert!((3..=6).contains(&points.len()), "{context}: {points:?}");
                    }
                    Resume::Abandon => assert_eq!(points.len(), stop + 1, "{context}"),
                }
                {
                    let db =
                        Database::open(StdPlatform::new(), path, &Config::DEFAULT, Global).unwrap();
                    let conn = db.connect();
                    assert_eq!(rows(&conn).unwrap(), model, "{context}: after recovery");
                    exec(&conn, "PRAGMA wal_checkpoint(TRUNCATE)");
                    assert_eq!(db.mvcc_memory_used().unwrap().0, 0, "{context}");
                    exec(&conn, "PRAGMA journal_mode = wal");
                }
                let sqlite = rusqlite::Connection::open(path).unwrap();
                boundlite_tests::compare::assert_sqlite_integrity_ok(&sqlite);
                let mut stmt = sqlite.prepare("SELECT id, v FROM t ORDER BY id").unwrap();
                let read: Rows = stmt
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                    .unwrap()
                    .map(Result::unwrap)
                    .collect();
                assert_eq!(read, model, "{context}: SQLite's rows");
            }
        }
    }
    // Every seed stops at each of its points both ways: 8 seeds of 3 to
    // 6 points.
    assert!(points_seen >= 3 * SEEDS as usize, "{points_seen}");
    assert_eq!(runs, 2 * points_seen);
}

#[test]
fn busy_at_commit_keeps_the_transaction_open_until_commit_succeeds() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "m.db", &Config::DEFAULT, Global).unwrap();
    let (a, b) = (db.connect(), db.connect());
    exec(&a, SETUP);
    exec(&a, "PRAGMA journal_mode = mvcc");
    exec(&a, "BEGIN CONCURRENT; UPDATE t SET v = 'a' WHERE id = 1");
    exec(&b, "BEGIN CONCURRENT; UPDATE t SET v = 'b' WHERE id = 2");
    a.commit_pausing(|point| {
        if point == CommitPoint::PieceWritten(1) {
            assert_eq!(b.execute("COMMIT", ()), Err(Error::Busy));
            // Still open: its own writes are still there.
            assert!(b.in_transaction());
            assert_eq!(rows(&b).unwrap().get(&2).map(String::as_str), Some("b"));
            // Another stepped commit waits too.
            assert_eq!(b.commit_pausing(|_| Resume::Continue), Err(Error::Busy));
            assert_eq!(
                db.connect().execute("PRAGMA wal_checkpoint(TRUNCATE)", ()),
                Err(Error::Busy)
            );
        }
        Resume::Continue
    })
    .unwrap();
    exec(&b, "COMMIT");
    let mut want = base();
    want.insert(1, "a".into());
    want.insert(2, "b".into());
    assert_eq!(rows(&a).unwrap(), want);
    // Outside an MVCC transaction, refused by name.
    assert!(matches!(
        a.commit_pausing(|_| Resume::Continue),
        Err(Error::Misuse(_))
    ));
}

#[test]
fn a_commit_driven_a_step_at_a_time_fails_cleanly_at_every_allocation() {
    let counting = Counting::new(Global);
    let fault = FaultAlloc::new(&counting);
    let big = "x".repeat(6000);
    let mut after = base();
    after.insert(1, "a".into());
    after.insert(100, big.clone());
    for persistent in [true, false] {
        let report = oom_sweep(
            &fault,
            persistent,
            |fault| {
                let disk = MemoryPlatform::new();
                {
                    let db = Database::open(&disk, "t.db", &Config::DEFAULT, Global).unwrap();
                    let conn = db.connect();
                    exec(&conn, SETUP);
                    exec(&conn, "PRAGMA journal_mode = mvcc");
                }
                let result = {
                    let db = Database::open(&disk, "t.db", &Config::DEFAULT, fault)?;
                    let (a, b) = (db.connect(), db.connect());
                    let result = a
                        .execute("BEGIN CONCURRENT", ())
                        .and_then(|_| a.execute("UPDATE t SET v = 'a' WHERE id = 1", ()))
                        .and_then(|_| {
                            a.execute("INSERT INTO t VALUES (100, ?)", &[ValueRef::text(&big)])
                        })
                        .and_then(|_| {
                            let mut read = Ok(());
                            a.commit_pausing(|_| {
                                // A reader at every point, under the
                                // same failures.
                                if read.is_ok() {
                                    read = rows(&b).map(|seen| assert_eq!(seen, base()));
                                }
                                Resume::Continue
                            })
                            .and(read)
                        });
                    if result.is_err() {
                        fault.unfaulted(|| {
                            if a.in_transaction() {
                                exec(&a, "ROLLBACK");
                            }
                            let seen = rows(&a).unwrap();
                            assert!(seen == base() || seen == after, "{seen:?}");
                        });
                    }
                    result
                };
                let db = Database::open(&disk, "t.db", &Config::DEFAULT, Global).unwrap();
                assert!(db.integrity_check(10).unwrap().is_ok());
                let seen = rows(&db.connect()).unwrap();
                match result {
                    Ok(()) => assert_eq!(seen, after),
                    Err(_) => assert!(seen == base() || seen == after, "{seen:?}"),
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
