//! Transactions larger than the page cache: their changed pages spill to
//! the write-ahead log before the commit.
//!
//! - big statements and transactions (bulk inserts inside `BEGIN`, an
//!   `UPDATE` of every row, a `DELETE` of a third, `CREATE INDEX`,
//!   `INSERT ... SELECT`, a rolled-back transaction) through a cache of
//!   the fewest frames give SQLite's answers, and SQLite finds the file
//!   intact and holding the same rows;
//! - while a spilled transaction is open, SQLite reading the same file
//!   sees the last commit only, and a boundlite reader on another handle
//!   too; both see everything once it commits;
//! - power cuts at every write and sync of spilling transactions keep
//!   exactly the acknowledged commits, and SQLite recovers the same files
//!   to the same rows;
//! - I/O errors and allocation failures at every point of a spilling
//!   transaction leave a usable database holding the last commit.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::{Allocator, Arena, FaultAlloc, Global, oom_sweep};
use boundlite::format::PageSize;
use boundlite::platform::{
    CrashPlan, FaultPlatform, FaultTarget, IoFault, MemoryPlatform, Platform,
};
use boundlite::record::ValueRef;
use boundlite::{Config, Connection, Database, Error};
use boundlite_std::StdPlatform;
use boundlite_tests::compare::{Rows, V, assert_sqlite_integrity_ok, both, ours, theirs};

/// The fewest frames a cache may have, of small pages: every transaction
/// below changes many times more pages than that.
fn tiny_cache() -> Config {
    Config {
        page_size: PageSize::new(1024).unwrap(),
        cache_frames: Config::MIN_CACHE_FRAMES,
        ..Config::DEFAULT
    }
}

/// A text of `len` bytes that differs with `n`.
fn text(n: i64, len: usize) -> String {
    let mut s = format!("{n:08}-");
    while s.len() < len {
        s.push(char::from(b'a' + (n as usize + s.len()) as u8 % 26));
    }
    s
}

/// Inserts rows `from..to` into `t(v, w)` on both engines, each row's text
/// `len` bytes long.
fn insert_both<P: Platform, A: Allocator + Clone>(
    mine: &Connection<'_, P, A>,
    oracle: &rusqlite::Connection,
    rows: std::ops::Range<i64>,
    len: usize,
) {
    let mut ours = mine.prepare("INSERT INTO t(v, w) VALUES (?, ?)").unwrap();
    let mut theirs = oracle.prepare("INSERT INTO t(v, w) VALUES (?, ?)").unwrap();
    for n in rows {
        let v = text(n, len);
        ours.bind(1, ValueRef::Text(v.as_bytes())).unwrap();
        ours.bind(2, ValueRef::Integer(n * 7 % 1000)).unwrap();
        while ours.step().unwrap().is_some() {}
        ours.reset();
        theirs.execute(rusqlite::params![v, n * 7 % 1000]).unwrap();
    }
}

const SUMMARY: &str = "SELECT count(*), sum(w), sum(length(v)), min(v), max(v) FROM t";

#[test]
fn big_transactions_in_the_smallest_cache_match_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let disk = StdPlatform::in_dir(dir.path());
    let db = Database::open(&disk, "big.db", &tiny_cache(), Global).unwrap();
    let mine = db.connect();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    let run = |sql: &str| assert!(both(&mine, &oracle, sql, "big"), "{sql} failed");
    run("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT, w INTEGER)");
    // 3,000 rows of 200 bytes in one transaction: about 700 pages.
    run("BEGIN");
    insert_both(&mine, &oracle, 0..3000, 200);
    run(SUMMARY);
    run("COMMIT");
    run(SUMMARY);
    // Statements that each change every page of the table.
    run("UPDATE t SET w = w + 1, v = v || 'x'");
    run(SUMMARY);
    run("DELETE FROM t WHERE id % 3 = 0");
    run(SUMMARY);
    run("CREATE INDEX t_w ON t(w)");
    run("SELECT count(*), sum(id) FROM t WHERE w BETWEEN 100 AND 300");
    run("CREATE TABLE t2(id INTEGER PRIMARY KEY, v TEXT, w INTEGER)");
    run("INSERT INTO t2 SELECT * FROM t");
    run("SELECT count(*), sum(w), max(v) FROM t2");
    // A spilled transaction that rolls back leaves the last commit.
    run("BEGIN");
    run("UPDATE t SET v = v || v");
    run("DELETE FROM t2");
    insert_both(&mine, &oracle, 5000..6000, 300);
    run(SUMMARY);
    run("ROLLBACK");
    run(SUMMARY);
    run("SELECT count(*) FROM t2");
    // Several big statements in one transaction, then a commit.
    run("BEGIN");
    run("DELETE FROM t WHERE w < 500");
    insert_both(&mine, &oracle, 7000..8500, 150);
    run("UPDATE t2 SET v = upper(v)");
    run("COMMIT");
    run(SUMMARY);
    run("SELECT count(*), max(v) FROM t2");
    let everything = "SELECT id, v, w FROM t ORDER BY id";
    let expected = theirs(&oracle, everything).unwrap();
    assert_eq!(ours(&mine, everything).unwrap(), expected);
    assert!(db.integrity_check(0).unwrap().is_ok());
    drop(mine);
    drop(db);

    let reopened = rusqlite::Connection::open(dir.path().join("big.db")).unwrap();
    assert_sqlite_integrity_ok(&reopened);
    assert_eq!(theirs(&reopened, everything).unwrap(), expected);
}

#[test]
fn readers_see_the_last_commit_while_a_transaction_spills() {
    let dir = tempfile::tempdir().unwrap();
    let disk = StdPlatform::in_dir(dir.path());
    let db = Database::open(&disk, "r.db", &tiny_cache(), Global).unwrap();
    let mine = db.connect();
    mine.execute(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT, w INTEGER); \
         INSERT INTO t(v, w) VALUES ('first', 1)",
        &[],
    )
    .unwrap();
    let other = Database::open(&disk, "r.db", &tiny_cache(), Global).unwrap();
    let other = other.connect();
    let sqlite = rusqlite::Connection::open(dir.path().join("r.db")).unwrap();
    let count = "SELECT count(*), sum(w) FROM t";
    let before = vec![vec![V::Int(1), V::Int(1)]];

    mine.execute("BEGIN", &[]).unwrap();
    let mut insert = mine.prepare("INSERT INTO t(v, w) VALUES (?, 2)").unwrap();
    for n in 0..2000 {
        let v = text(n, 300);
        insert.bind(1, ValueRef::Text(v.as_bytes())).unwrap();
        while insert.step().unwrap().is_some() {}
        insert.reset();
    }
    drop(insert);
    let wal_len = std::fs::metadata(dir.path().join("r.db-wal"))
        .unwrap()
        .len();
    assert!(
        wal_len > 500 * 1024,
        "the transaction spilled to the log: {wal_len} bytes"
    );
    let during: Rows = vec![vec![V::Int(2001), V::Int(4001)]];
    assert_eq!(ours(&mine, count).unwrap(), during);
    assert_eq!(ours(&other, count).unwrap(), before);
    assert_eq!(theirs(&sqlite, count).unwrap(), before);
    assert_sqlite_integrity_ok(&sqlite);
    mine.execute("COMMIT", &[]).unwrap();
    assert_eq!(ours(&other, count).unwrap(), during);
    assert_eq!(theirs(&sqlite, count).unwrap(), during);

    // SQLite writing after a spilled transaction rolled back finds no
    // trace of it, and neither do we.
    mine.execute(
        "BEGIN; UPDATE t SET v = v || v; DELETE FROM t WHERE id > 10",
        &[],
    )
    .unwrap();
    mine.execute("ROLLBACK", &[]).unwrap();
    sqlite
        .execute("INSERT INTO t(v, w) VALUES ('sqlite', 3)", [])
        .unwrap();
    let after: Rows = vec![vec![V::Int(2002), V::Int(4004)]];
    assert_eq!(ours(&mine, count).unwrap(), after);
    assert_eq!(ours(&other, count).unwrap(), after);
    assert!(ours(&mine, "PRAGMA integrity_check").unwrap() == vec![vec![V::Text("ok".into())]]);
}

/// The crash-sweep workload on `t(id INTEGER PRIMARY KEY, v TEXT)`:
/// transactions that each change far more pages than the cache holds.
const STEPS: [&str; 3] = [
    "BEGIN; INSERT INTO t SELECT id + 1000, v FROM t; \
     INSERT INTO t SELECT id + 2000, v FROM t WHERE id < 1000; COMMIT",
    "UPDATE t SET v = v || 'y' WHERE id % 2 = 0",
    "BEGIN; DELETE FROM t WHERE id % 3 = 1; UPDATE t SET v = substr(v, 1, 50); COMMIT",
];

const ROWS: &str = "SELECT id, v FROM t ORDER BY id";

/// Runs [`STEPS`]; returns how many committed (returned Ok).
fn spilling_workload<P: Platform, A: Allocator + Clone>(db: &Database<P, A>) -> usize {
    let conn = db.connect();
    for (n, sql) in STEPS.iter().enumerate() {
        if conn.execute(sql, &[]).is_err() {
            let _ = conn.execute("ROLLBACK", &[]);
            return n;
        }
    }
    STEPS.len()
}

/// A database of 200 rows of 120 bytes, checkpointed, and the rows after
/// each number of committed [`STEPS`].
fn crash_base() -> (Vec<u8>, Vec<Rows>) {
    let base = MemoryPlatform::new();
    let db = Database::open(&base, "c.db", &tiny_cache(), Global).unwrap();
    let conn = db.connect();
    conn.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)", &[])
        .unwrap();
    let mut insert = conn.prepare("INSERT INTO t VALUES (?, ?)").unwrap();
    for n in 0..200 {
        let v = text(n, 120);
        insert.bind(1, ValueRef::Integer(n)).unwrap();
        insert.bind(2, ValueRef::Text(v.as_bytes())).unwrap();
        while insert.step().unwrap().is_some() {}
        insert.reset();
    }
    drop(insert);
    db.checkpoint(boundlite::wal::CheckpointMode::Truncate)
        .unwrap();
    let bytes = base.file_bytes("c.db").unwrap().to_vec();
    let mut states = vec![ours(&conn, ROWS).unwrap()];
    for step in STEPS {
        conn.execute(step, &[]).unwrap();
        states.push(ours(&conn, ROWS).unwrap());
    }
    (bytes, states)
}

#[test]
fn power_cuts_during_spilling_transactions_keep_exactly_the_acknowledged_commits() {
    let (bytes, states) = crash_base();
    let fresh = || {
        let disk = MemoryPlatform::new();
        disk.write_file("c.db", &bytes).unwrap();
        disk
    };
    let total = {
        let disk = fresh();
        let fault = FaultPlatform::new(&disk);
        let db = Database::open(&fault, "c.db", &tiny_cache(), Global).unwrap();
        assert_eq!(spilling_workload(&db), 3);
        fault.counts().mutations()
    };
    assert!(total > 200, "only {total} mutations: did nothing spill?");
    let plans = [
        CrashPlan::LoseAll,
        CrashPlan::KeepAll,
        CrashPlan::Random {
            seed: 11,
            tear: true,
        },
    ];
    let dir = tempfile::tempdir().unwrap();
    let mut cuts = 0;
    // Every mutation near the commits, and a stride through the rest.
    for k in (0..total).filter(|k| k % 7 == 0 || total - k < 40) {
        for plan in plans {
            let disk = fresh();
            let mut fault = FaultPlatform::new(&disk);
            let committed = {
                let db = Database::open(&fault, "c.db", &tiny_cache(), Global).unwrap();
                fault.cut_power_after(k);
                spilling_workload(&db)
            };
            fault.power_cut(plan).unwrap();
            cuts += 1;
            let context = format!("k={k} {plan:?}, {committed} committed");
            let files: Vec<(String, Vec<u8>)> = ["c.db", "c.db-wal"]
                .iter()
                .filter_map(|name| Some((name.to_string(), disk.file_bytes(name).ok()?.to_vec())))
                .collect();
            let db = Database::open(&disk, "c.db", &tiny_cache(), Global)
                .unwrap_or_else(|e| panic!("{context}: reopening failed: {e}"));
            let rows = ours(&db.connect(), ROWS).unwrap();
            // Every acknowledged commit is there; the one in flight may or
            // may not be, but never in part.
            let landed = if rows == states[committed] {
                committed
            } else if committed < 3 && rows == states[committed + 1] {
                committed + 1
            } else {
                panic!("{context}: {} rows match no commit", rows.len());
            };
            assert!(db.integrity_check(0).unwrap().is_ok(), "{context}");
            drop(db);
            // SQLite recovers the same files to the same rows.
            if k % 21 == 0 {
                for (name, content) in &files {
                    std::fs::write(dir.path().join(name), content).unwrap();
                }
                if !files.iter().any(|(n, _)| n == "c.db-wal") {
                    let _ = std::fs::remove_file(dir.path().join("c.db-wal"));
                }
                let _ = std::fs::remove_file(dir.path().join("c.db-shm"));
                let sqlite = rusqlite::Connection::open(dir.path().join("c.db")).unwrap();
                let theirs = theirs(&sqlite, ROWS).unwrap();
                assert!(theirs == states[landed], "{context}: SQLite disagrees");
            }
        }
    }
    println!("{total} mutations, {cuts} power cuts survived");
}

#[test]
fn io_errors_in_a_spilling_transaction_leave_the_last_commit() {
    let (bytes, states) = crash_base();
    let mut points = 0;
    for target in [FaultTarget::Read, FaultTarget::Write, FaultTarget::Sync] {
        for n in (1..5000).step_by(13) {
            let disk = MemoryPlatform::new();
            disk.write_file("c.db", &bytes).unwrap();
            let fault = FaultPlatform::new(&disk);
            let db = Database::open(&fault, "c.db", &tiny_cache(), Global).unwrap();
            fault.arm(IoFault::Once { target, n });
            let committed = spilling_workload(&db);
            let hit = fault.counts().failed > 0;
            fault.arm(IoFault::Never);
            if !hit {
                break;
            }
            points += 1;
            let context = format!("{target:?} {n}");
            let conn = db.connect();
            let rows = ours(&conn, ROWS).unwrap();
            assert!(
                rows == states[committed] || rows == states[committed + 1],
                "{context}: {} rows after {committed} commits",
                rows.len()
            );
            assert!(db.integrity_check(0).unwrap().is_ok(), "{context}");
            // The connection goes on working.
            conn.execute("INSERT INTO t VALUES (99999, 'after')", &[])
                .unwrap();
            assert!(db.integrity_check(0).unwrap().is_ok(), "{context}");
        }
    }
    assert!(points > 30, "only {points} I/O failure points");
    println!("{points} I/O failure points");
}

#[test]
fn allocation_failures_in_a_spilling_transaction_are_clean() {
    let (bytes, states) = crash_base();
    let mut buffer = vec![0u8; 1024 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    let disk = std::cell::RefCell::new(MemoryPlatform::new());
    let fresh = || {
        let d = MemoryPlatform::new();
        d.write_file("c.db", &bytes).unwrap();
        *disk.borrow_mut() = d;
    };
    // The last commit, intact, whatever failed.
    let holds = |expected: &Rows, context: &str| {
        let disk = disk.borrow();
        let db = Database::open(&*disk, "c.db", &tiny_cache(), Global).unwrap();
        let rows = ours(&db.connect(), ROWS).unwrap();
        assert!(rows == *expected, "{context}: {} rows", rows.len());
        assert!(db.integrity_check(0).unwrap().is_ok(), "{context}");
    };
    for persistent in [false, true] {
        let report = oom_sweep(
            &fault,
            persistent,
            |_| {
                fresh();
                let disk = disk.borrow();
                let db = Database::open(&*disk, "c.db", &tiny_cache(), &fault)?;
                let conn = db.connect();
                let result = conn.execute(STEPS[0], &[]);
                if result.is_err() {
                    // Aborted or still open: either way nothing commits.
                    let _ = conn.execute("ROLLBACK", &[]);
                }
                result
            },
            |n, e| {
                assert_eq!(e, Error::OutOfMemory, "failure {n}");
                assert_eq!(arena.stats().live_allocations, 0, "failure {n} leaked");
                holds(&states[0], &format!("failure {n}"));
            },
        )
        .unwrap();
        holds(&states[1], "no failure");
        assert!(report.failure_points > 20, "{report:?}");
        println!("persistent={persistent}: {report:?}");
    }
}
