//! A transaction larger than the log index's memory budget: the index of
//! its oldest frames moves to a temporary file, so the transaction is
//! bounded by the disk, not by the heap.
//!
//! - a transaction of thousands of frames runs in an arena too small for
//!   the whole index, gives SQLite's rows, and SQLite finds the file
//!   intact;
//! - I/O errors on the temporary file at every point leave a usable
//!   database holding the last commit;
//! - power cuts while the index is spilled keep exactly the acknowledged
//!   commits.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::{Arena, Global};
use boundlite::format::PageSize;
use boundlite::platform::{CrashPlan, FaultPlatform, FaultTarget, IoFault, MemoryPlatform};
use boundlite::{Config, Database, wal};
use boundlite_std::StdPlatform;
use boundlite_tests::compare::{assert_sqlite_integrity_ok, ours, theirs};

/// 1 KiB pages, the fewest cache frames, and one block (256 frames) of
/// the log's index in memory.
fn small_index() -> Config {
    Config {
        page_size: PageSize::new(1024).unwrap(),
        cache_frames: Config::MIN_CACHE_FRAMES,
        wal_index_budget: wal::BLOCK_BYTES + 256,
        ..Config::DEFAULT
    }
}

/// A table of one row of 300 bytes.
fn setup() -> String {
    format!(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, '{}');",
        "a".repeat(300)
    )
}

/// The statements of one transaction of about 600 frames of 1 KiB pages.
macro_rules! big_body {
    () => {
        "BEGIN; \
        INSERT INTO t SELECT id + 1, v FROM t; INSERT INTO t SELECT id + 2, v FROM t; \
        INSERT INTO t SELECT id + 4, v FROM t; INSERT INTO t SELECT id + 8, v FROM t; \
        INSERT INTO t SELECT id + 16, v FROM t; INSERT INTO t SELECT id + 32, v FROM t; \
        INSERT INTO t SELECT id + 64, v FROM t; INSERT INTO t SELECT id + 128, v FROM t; \
        INSERT INTO t SELECT id + 256, v FROM t; INSERT INTO t SELECT id + 512, v FROM t; \
        INSERT INTO t SELECT id + 1024, v FROM t; \
        UPDATE t SET v = upper(v) WHERE id % 3 = 0;"
    };
}

/// That transaction, committed.
const BIG: &str = concat!(big_body!(), " COMMIT");

const ROWS: &str = "SELECT count(*), sum(id), sum(length(v)), sum(v = upper(v)) FROM t";

#[test]
fn a_transaction_whose_index_outgrows_the_arena_commits_and_sqlite_agrees() {
    let dir = tempfile::tempdir().unwrap();
    let disk = StdPlatform::in_dir(dir.path());
    // 96 KiB in all: the whole index of this transaction (about 6,500
    // frames at 10.5 bytes) would not fit beside the cache.
    let mut buffer = vec![0u8; 96 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let config = Config {
        page_size: PageSize::new(1024).unwrap(),
        ..Config::for_heap(96 * 1024)
    };
    let db = Database::open(&disk, "big.db", &config, &arena).unwrap();
    let conn = db.connect();
    conn.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)", &[])
        .unwrap();
    conn.execute("BEGIN", &[]).unwrap();
    let first = format!("INSERT INTO t VALUES (1, '{}')", "a".repeat(900));
    conn.execute(&first, &[]).unwrap();
    for k in 0..13 {
        let sql = format!("INSERT INTO t SELECT id + {}, v FROM t", 1 << k);
        conn.execute(&sql, &[])
            .unwrap_or_else(|e| panic!("doubling {k}: {e}"));
    }
    conn.execute("COMMIT", &[]).unwrap();
    let mine = ours(&conn, ROWS).unwrap();
    assert!(db.integrity_check(0).unwrap().is_ok());
    let peak = arena.stats().peak_in_use;
    drop(conn);
    drop(db);
    println!("peak {peak} of {} bytes", 96 * 1024);

    let sqlite = rusqlite::Connection::open(dir.path().join("big.db")).unwrap();
    assert_sqlite_integrity_ok(&sqlite);
    assert_eq!(theirs(&sqlite, ROWS).unwrap(), mine);
    let count: i64 = sqlite
        .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
        .unwrap();
    assert_eq!(count, 8192);
}

/// A database holding [`setup`]'s table, and its rows before and after [`BIG`].
fn base() -> (Vec<u8>, [boundlite_tests::compare::Rows; 2]) {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "s.db", &small_index(), Global).unwrap();
    let conn = db.connect();
    conn.execute(&setup(), &[]).unwrap();
    db.checkpoint(wal::CheckpointMode::Truncate).unwrap();
    let bytes = disk.file_bytes("s.db").unwrap().to_vec();
    let before = ours(&conn, ROWS).unwrap();
    conn.execute(big_body!(), &[]).unwrap();
    let spilled = db.pager().log_index_spilled_frames().unwrap();
    assert!(spilled >= 256, "the index spilled {spilled} frames");
    conn.execute("COMMIT", &[]).unwrap();
    let after = ours(&conn, ROWS).unwrap();
    (bytes, [before, after])
}

#[test]
fn io_errors_on_the_spilled_index_leave_the_last_commit() {
    let (bytes, states) = base();
    let counts = {
        let disk = MemoryPlatform::new();
        disk.write_file("s.db", &bytes).unwrap();
        let fault = FaultPlatform::new(&disk);
        let db = Database::open(&fault, "s.db", &small_index(), Global).unwrap();
        db.connect().execute(BIG, &[]).unwrap();
        fault.counts()
    };
    let mut points = 0;
    for (target, total) in [
        (FaultTarget::TempWrite, counts.temp_writes),
        (FaultTarget::TempRead, counts.temp_reads),
    ] {
        // The first operations, then a stride through the rest.
        let stride = (total / 24).max(1);
        for n in (1..=total).filter(|n| *n <= 6 || n % stride == 0) {
            let disk = MemoryPlatform::new();
            disk.write_file("s.db", &bytes).unwrap();
            let fault = FaultPlatform::new(&disk);
            let db = Database::open(&fault, "s.db", &small_index(), Global).unwrap();
            let conn = db.connect();
            fault.arm(IoFault::Once { target, n });
            let result = conn.execute(BIG, &[]);
            if result.is_err() {
                let _ = conn.execute("ROLLBACK", &[]);
            }
            let hit = fault.counts().failed > 0;
            fault.arm(IoFault::Never);
            assert!(hit, "{target:?} {n} of {total} was not reached");
            points += 1;
            let context = format!("{target:?} {n}");
            let rows = ours(&conn, ROWS).unwrap();
            let expected = if result.is_ok() {
                &states[1]
            } else {
                &states[0]
            };
            assert_eq!(&rows, expected, "{context}: {result:?}");
            assert!(db.integrity_check(0).unwrap().is_ok(), "{context}");
            // The connection goes on, and the transaction succeeds again.
            if result.is_err() {
                conn.execute(BIG, &[]).unwrap();
                assert_eq!(ours(&conn, ROWS).unwrap(), states[1], "{context}");
            }
        }
    }
    assert!(points > 40, "only {points} failure points");
    println!("{points} temporary-file I/O failure points of {counts:?}");
}

#[test]
fn power_cuts_while_the_index_is_spilled_keep_the_acknowledged_commit() {
    let (bytes, states) = base();
    let total = {
        let disk = MemoryPlatform::new();
        disk.write_file("s.db", &bytes).unwrap();
        let fault = FaultPlatform::new(&disk);
        let db = Database::open(&fault, "s.db", &small_index(), Global).unwrap();
        db.connect().execute(BIG, &[]).unwrap();
        fault.counts().mutations()
    };
    let mut cuts = 0;
    for k in (0..total).filter(|k| k % (total / 25).max(1) == 0 || total - k < 6) {
        let disk = MemoryPlatform::new();
        disk.write_file("s.db", &bytes).unwrap();
        let mut fault = FaultPlatform::new(&disk);
        let committed = {
            let db = Database::open(&fault, "s.db", &small_index(), Global).unwrap();
            fault.cut_power_after(k);
            db.connect().execute(BIG, &[]).is_ok()
        };
        fault
            .power_cut(CrashPlan::Random {
                seed: k,
                tear: true,
            })
            .unwrap();
        cuts += 1;
        let db = Database::open(&disk, "s.db", &small_index(), Global).unwrap();
        let rows = ours(&db.connect(), ROWS).unwrap();
        if committed {
            assert_eq!(rows, states[1], "k={k}: an acknowledged commit was lost");
        } else {
            assert!(
                rows == states[0] || rows == states[1],
                "k={k}: a partial commit"
            );
        }
        assert!(db.integrity_check(0).unwrap().is_ok(), "k={k}");
    }
    assert!(cuts > 20);
}
