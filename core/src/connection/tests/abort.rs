//! An error that rolls an explicit transaction back whole leaves the
//! connection aborted: every statement fails until `ROLLBACK` or `COMMIT`,
//! so a script never commits part of a transaction.

extern crate std;

use std::format;
use std::string::String;
use std::vec::Vec;

use boundlite_platform::{FaultPlatform, FaultTarget, IoFault, MemoryPlatform, Platform};

use super::rows;
use crate::alloc::{Allocator, FaultAlloc, FaultPlan, Global};
use crate::record::ValueRef;
use crate::{Config, Connection, Database, Error};

/// A database on `disk` whose cache has the fewest frames, so that one
/// statement writing a large value spills changed pages to the log.
fn small_cache<'d>(
    disk: &'d FaultPlatform<&'d MemoryPlatform>,
) -> Database<&'d FaultPlatform<&'d MemoryPlatform>, Global> {
    let config = Config {
        cache_frames: Config::MIN_CACHE_FRAMES,
        ..Config::DEFAULT
    };
    Database::open(disk, "t.db", &config, Global).unwrap()
}

/// Runs `BEGIN`, one row, then an insert too large for the cache whose
/// spill to the log fails: the pager rolls the transaction back whole.
fn abort<P: Platform>(conn: &Connection<'_, P, Global>, disk: &FaultPlatform<&MemoryPlatform>) {
    conn.execute("BEGIN; INSERT INTO t VALUES (1, 'kept?')", &[])
        .unwrap();
    let big = std::vec![7u8; 40 * 4096];
    disk.arm(IoFault::Once {
        target: FaultTarget::Write,
        n: 1,
    });
    let err = conn
        .execute("INSERT INTO t VALUES (2, ?1)", &[ValueRef::Blob(&big)])
        .unwrap_err();
    disk.arm(IoFault::Never);
    assert!(matches!(err, Error::Io(_)), "{err:?}");
    assert!(conn.in_transaction() && conn.is_aborted());
}

#[test]
fn an_aborted_transaction_refuses_every_statement_until_rollback() {
    let memory = MemoryPlatform::new();
    let disk = FaultPlatform::new(&memory);
    let db = small_cache(&disk);
    let conn = db.connect();
    conn.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v)", &[])
        .unwrap();
    abort(&conn, &disk);
    for sql in [
        "INSERT INTO t VALUES (3, 'three')",
        "SELECT count(*) FROM t",
        "UPDATE t SET v = 0",
        "DELETE FROM t",
        "CREATE TABLE u(x)",
        "PRAGMA user_version = 3",
        "PRAGMA busy_timeout",
        "BEGIN",
    ] {
        let err = conn.execute(sql, &[]).unwrap_err();
        assert_eq!(err, Error::TransactionAborted, "{sql}");
        assert!(conn.is_aborted(), "{sql}");
    }
    assert_eq!(
        std::string::ToString::to_string(&Error::TransactionAborted),
        "the transaction was rolled back by an earlier error; ROLLBACK to continue"
    );
    conn.execute("ROLLBACK", &[]).unwrap();
    assert!(!conn.in_transaction() && !conn.is_aborted());
    assert_eq!(rows(&conn, "SELECT count(*) FROM t"), ["0"]);
    assert_eq!(db.header().user_version, 0);
    // Back in autocommit: statements commit as they run.
    conn.execute("INSERT INTO t VALUES (3, 'three')", &[])
        .unwrap();
    assert_eq!(rows(&conn, "SELECT id FROM t"), ["3"]);
    assert!(conn.execute("ROLLBACK", &[]).is_err());
    assert!(db.integrity_check(0).unwrap().is_ok());
}

#[test]
fn commit_of_an_aborted_transaction_reports_the_rollback() {
    let memory = MemoryPlatform::new();
    let disk = FaultPlatform::new(&memory);
    let db = small_cache(&disk);
    let conn = db.connect();
    conn.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v)", &[])
        .unwrap();
    for end in ["COMMIT", "END TRANSACTION"] {
        abort(&conn, &disk);
        let err = conn.execute(end, &[]).unwrap_err();
        assert_eq!(
            err,
            Error::Sql("cannot commit - the transaction was rolled back by an earlier error"),
            "{end}"
        );
        assert!(!conn.in_transaction() && !conn.is_aborted(), "{end}");
        assert_eq!(rows(&conn, "SELECT count(*) FROM t"), ["0"], "{end}");
        let err = conn.execute("COMMIT", &[]).unwrap_err();
        assert_eq!(err, Error::Sql("cannot commit - no transaction is active"));
    }
    assert!(db.integrity_check(0).unwrap().is_ok());
}

#[test]
fn a_statement_undone_alone_keeps_the_transaction_open() {
    let memory = MemoryPlatform::new();
    let disk = FaultPlatform::new(&memory);
    let db = small_cache(&disk);
    let conn = db.connect();
    conn.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v UNIQUE)", &[])
        .unwrap();
    conn.execute("BEGIN; INSERT INTO t VALUES (1, 'a')", &[])
        .unwrap();
    let err = conn
        .execute("INSERT INTO t VALUES (2, 'b'), (3, 'a')", &[])
        .unwrap_err();
    assert!(matches!(err, Error::Unique(_)));
    assert!(conn.in_transaction() && !conn.is_aborted());
    let err = conn
        .execute("SELECT * FROM no_such_table", &[])
        .unwrap_err();
    assert_eq!(
        err,
        crate::Named::NoSuchTable.error("no_such_table"),
        "{err:?}"
    );
    assert!(!conn.is_aborted());
    conn.execute("INSERT INTO t VALUES (4, 'd'); COMMIT", &[])
        .unwrap();
    assert_eq!(rows(&conn, "SELECT id FROM t"), ["1", "4"]);
}

/// Transactions in the script, and rows each inserts.
const TRANSACTIONS: i64 = 20;
const ROWS: i64 = 40;

/// Rows in the table before the script runs: enough that its index on
/// `pad` has several times the frames of the cache, so the script's
/// inserts read pages back, while the pages one transaction changes fit.
const PRELOAD: i64 = 3000;
const CACHE_FRAMES: usize = 64;

/// The insert of row `i` of transaction `g`: an indexed `pad` of 200
/// bytes in no particular order, so each insert changes a leaf of the
/// index far from the last one.
fn insert(g: i64, i: i64) -> String {
    let key = (g * 100_003 + i).wrapping_mul(2_654_435_761) % 1_000_003;
    let pad = format!("{key:08}{}", "x".repeat(192));
    format!("INSERT INTO t(g, i, pad) VALUES ({g}, {i}, '{pad}')")
}

/// The script, one statement a line: `TRANSACTIONS` transactions of
/// `ROWS` inserts each, rows of transaction `g` having `g` in column `g`.
fn script() -> Vec<String> {
    let mut lines = Vec::new();
    for g in 0..TRANSACTIONS {
        lines.push(String::from("BEGIN"));
        lines.extend((0..ROWS).map(|i| insert(g, i)));
        lines.push(String::from("COMMIT"));
    }
    lines
}

/// Runs `lines` as a shell runs a script: one statement at a time, going
/// on after an error. Returns each statement's outcome, in order.
/// Before each `BEGIN`, `before_begin` may arm a failure.
fn run_script<P: Platform, A: Allocator + Clone>(
    conn: &Connection<'_, P, A>,
    lines: &[String],
    mut before_begin: impl FnMut(),
) -> Vec<Result<usize, Error>> {
    lines
        .iter()
        .map(|line| {
            if line == "BEGIN" {
                before_begin();
            }
            conn.execute(line, &[])
        })
        .collect()
}

/// Rows per transaction in `t`.
fn rows_per_transaction<P: Platform, A: Allocator + Clone>(
    conn: &Connection<'_, P, A>,
) -> Vec<usize> {
    let mut counts = std::vec![0; TRANSACTIONS as usize];
    let mut stmt = conn
        .prepare("SELECT g, count(*) FROM t WHERE g >= 0 GROUP BY g")
        .unwrap();
    while let Some(row) = stmt.step().unwrap() {
        let g = usize::try_from(row.get_i64(0).unwrap()).unwrap();
        counts[g] = usize::try_from(row.get_i64(1).unwrap()).unwrap();
    }
    counts
}

/// Allocation failures at random points of a script of 20 transactions,
/// and a read error in each transaction that reads that often. A
/// statement that fails alone (an allocation refused, mostly) is undone
/// alone and the transaction goes on, as in SQLite; one whose failure
/// rolled the whole transaction back (a read error inside the B-tree)
/// leaves it aborted, so nothing of that transaction commits: not the
/// statements after it, and not its `COMMIT`.
#[test]
fn a_script_with_allocation_failures_never_commits_part_of_a_transaction() {
    let lines = script();
    let fault = FaultAlloc::new(Global);
    let per_transaction = usize::try_from(ROWS).unwrap() + 2;
    let (mut committed, mut rolled_back, mut refused) = (0, 0, 0);
    for seed in 1..=3u64 {
        let memory = MemoryPlatform::new();
        let disk = FaultPlatform::new(&memory);
        let config = Config {
            cache_frames: CACHE_FRAMES,
            ..Config::DEFAULT
        };
        let db = Database::open(&disk, "t.db", &config, &fault).unwrap();
        let conn = db.connect();
        conn.execute(
            "CREATE TABLE t(id INTEGER PRIMARY KEY, g, i, pad); CREATE INDEX tp ON t(pad)",
            &[],
        )
        .unwrap();
        for chunk in (0..PRELOAD).collect::<Vec<_>>().chunks(20) {
            conn.execute("BEGIN", &[]).unwrap();
            for &i in chunk {
                conn.execute(&insert(-1, i), &[]).unwrap();
            }
            conn.execute("COMMIT", &[]).unwrap();
        }
        fault.arm(FaultPlan::Random {
            seed,
            per_million: 300,
        });
        let mut g = 0;
        let outcomes = run_script(&conn, &lines, || {
            g += 1;
            // Some transactions read fewer pages than this and get no
            // failure.
            let n = (seed * 31 + g * 17) % 30 + 1;
            disk.arm(IoFault::Once {
                target: FaultTarget::Read,
                n,
            });
        });
        fault.arm(FaultPlan::Never);
        disk.arm(IoFault::Never);
        assert!(!conn.in_transaction(), "seed {seed}");
        let counts = rows_per_transaction(&conn);
        for (g, outcomes) in outcomes.chunks(per_transaction).enumerate() {
            let (inserts, commit) = (&outcomes[1..=ROWS as usize], &outcomes[ROWS as usize + 1]);
            let inserted = inserts.iter().filter(|o| o.is_ok()).count();
            refused += inserts
                .iter()
                .filter(|o| **o == Err(Error::TransactionAborted))
                .count();
            if outcomes[0].is_ok() && commit.is_ok() {
                committed += 1;
                assert_eq!(counts[g], inserted, "seed {seed}: transaction {g}");
            } else {
                rolled_back += 1;
                assert_eq!(
                    counts[g], 0,
                    "seed {seed}: transaction {g} ({inserted} inserts ran) committed part: {commit:?}"
                );
            }
        }
        let report = db.integrity_check(0).unwrap();
        assert!(report.is_ok(), "seed {seed}: {report:?}");
    }
    // The failures hit: some transactions were rolled back whole (and
    // refused the script's statements after the failure), others
    // committed.
    assert!(
        committed > 0 && rolled_back > 0 && refused > 0,
        "{committed} {rolled_back} {refused}"
    );
}
