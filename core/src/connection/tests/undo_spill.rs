//! A statement inside `BEGIN` whose undo log outgrows `sort_memory`
//! spills the log to a temporary file and can still be undone alone:
//! after a constraint failure, an allocation failure or an I/O error on
//! the temporary file, the transaction holds what it held before the
//! statement (or, if the statement could not be undone, is aborted), and
//! the database stays consistent.

use std::format;

use boundlite_platform::{FaultPlatform, FaultTarget, IoFault};

use super::*;
use crate::alloc::{Arena, FaultAlloc, oom_sweep};

const SETUP: &str = "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT UNIQUE, w INTEGER); \
     CREATE INDEX tw ON t(w)";

/// Fails at row 250 (its `v` becomes the one row 1 was given), after 249
/// rows changed each index: far more undo than a 1 KiB budget holds.
const FAILING: &str = "UPDATE t SET w = w + 1000, \
     v = CASE WHEN id = 250 THEN 'row 1!' ELSE v || '!' END";

fn fill<P: boundlite_platform::Platform, A: crate::alloc::Allocator + Clone>(
    conn: &Connection<'_, P, A>,
    ids: core::ops::Range<i64>,
) {
    for id in ids {
        conn.execute(
            "INSERT INTO t VALUES (?, 'row ' || ?, ?)",
            &[
                ValueRef::Integer(id),
                ValueRef::Integer(id),
                ValueRef::Integer(id % 37),
            ],
        )
        .unwrap();
    }
}

fn contents<P: boundlite_platform::Platform, A: crate::alloc::Allocator + Clone>(
    conn: &Connection<'_, P, A>,
) -> Vec<String> {
    let mut stmt = conn.prepare("SELECT id, v, w FROM t ORDER BY id").unwrap();
    let mut out = Vec::new();
    while let Some(row) = stmt.step().unwrap() {
        out.push(format!(
            "{}|{}|{}",
            row.get_i64(0).unwrap(),
            row.get_text(1).unwrap(),
            row.get_i64(2).unwrap()
        ));
    }
    out
}

fn integrity_ok<P: boundlite_platform::Platform, A: crate::alloc::Allocator + Clone>(
    conn: &Connection<'_, P, A>,
) -> bool {
    let mut stmt = conn.prepare("PRAGMA integrity_check").unwrap();
    let row = stmt.step().unwrap().unwrap();
    row.get_text(0).unwrap() == "ok"
}

#[test]
fn a_statement_past_its_undo_budget_is_undone_alone() {
    let disk = MemoryPlatform::new();
    let fault = FaultPlatform::new(&disk);
    let db = Database::open(&fault, "u.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    conn.execute(SETUP, &[]).unwrap();
    fill(&conn, 1..300);
    conn.execute("PRAGMA sort_memory = 1024; BEGIN", &[])
        .unwrap();
    fill(&conn, 300..600);
    let before = contents(&conn);
    let temp_writes = fault.counts().temp_writes;
    let failed = conn.execute(FAILING, &[]);
    assert!(matches!(failed, Err(Error::Unique(_))), "{failed:?}");
    assert!(
        fault.counts().temp_writes > temp_writes + 10,
        "the undo log spilled"
    );
    assert!(conn.in_transaction(), "the statement alone was undone");
    assert_eq!(contents(&conn), before);
    assert!(integrity_ok(&conn));
    // The transaction goes on and commits what it held.
    conn.execute("DELETE FROM t WHERE id % 5 = 0; COMMIT", &[])
        .unwrap();
    let expected: Vec<String> = before
        .into_iter()
        .filter(|r| r.split('|').next().unwrap().parse::<i64>().unwrap() % 5 != 0)
        .collect();
    assert_eq!(contents(&conn), expected);
    assert!(integrity_ok(&conn));
}

#[test]
fn allocation_failures_while_the_undo_log_spills_are_clean() {
    let disk = MemoryPlatform::new();
    let mut buffer = std::vec![0u8; 4 << 20];
    let arena = Arena::new(&mut buffer).unwrap();
    let alloc = FaultAlloc::new(&arena);
    let db = Database::open(&disk, "u.db", &Config::DEFAULT, &alloc).unwrap();
    let conn = db.connect();
    conn.execute(SETUP, &[]).unwrap();
    fill(&conn, 1..300);
    conn.execute("PRAGMA sort_memory = 1024", &[]).unwrap();
    let committed = contents(&conn);
    let (mut alone, mut whole) = (0, 0);
    for persistent in [false, true] {
        let report = oom_sweep(
            &alloc,
            persistent,
            |_| {
                conn.execute("BEGIN", &[])?;
                conn.execute("INSERT INTO t VALUES (1000, 'x', 1)", &[])?;
                conn.execute(FAILING, &[])
            },
            |n, e| {
                assert!(
                    e == Error::OutOfMemory || matches!(e, Error::Unique(_)),
                    "failure {n}: {e:?}"
                );
                if conn.in_transaction() && !conn.is_aborted() {
                    // Undone alone: the rows are as before it, with the
                    // row inserted before it if that insert succeeded.
                    alone += 1;
                    let now: Vec<String> = contents(&conn)
                        .into_iter()
                        .filter(|r| !r.starts_with("1000|"))
                        .collect();
                    assert_eq!(now, committed, "failure {n}");
                } else {
                    whole += 1;
                }
                let _ = conn.execute("ROLLBACK", &[]);
                assert_eq!(contents(&conn), committed, "failure {n}");
                assert!(integrity_ok(&conn), "failure {n}");
            },
        );
        // The statement fails on its constraint whatever happens.
        assert!(report.is_err());
    }
    assert!(
        alone > 10,
        "{alone} undone alone, {whole} rolled back whole"
    );
}

#[test]
fn io_errors_on_the_undo_spill_are_clean() {
    let base = MemoryPlatform::new();
    {
        let db = Database::open(&base, "u.db", &Config::DEFAULT, Global).unwrap();
        let conn = db.connect();
        conn.execute(SETUP, &[]).unwrap();
        fill(&conn, 1..300);
        db.checkpoint(crate::wal::CheckpointMode::Truncate).unwrap();
    }
    let bytes = base.file_bytes("u.db").unwrap().to_vec();
    let mut points = 0;
    for target in [FaultTarget::TempWrite, FaultTarget::TempRead] {
        for n in (1..400).step_by(3) {
            let disk = MemoryPlatform::new();
            disk.write_file("u.db", &bytes).unwrap();
            let fault = FaultPlatform::new(&disk);
            let db = Database::open(&fault, "u.db", &Config::DEFAULT, Global).unwrap();
            let conn = db.connect();
            conn.execute("PRAGMA sort_memory = 1024; BEGIN", &[])
                .unwrap();
            fill(&conn, 300..310);
            let before = contents(&conn);
            fault.arm(IoFault::Once { target, n });
            let result = conn.execute(FAILING, &[]);
            let hit = fault.counts().failed > 0;
            fault.arm(IoFault::Never);
            if !hit {
                break;
            }
            points += 1;
            assert!(result.is_err(), "{target:?} {n}");
            if conn.in_transaction() && !conn.is_aborted() {
                assert_eq!(contents(&conn), before, "{target:?} {n}");
            }
            let _ = conn.execute("ROLLBACK", &[]);
            assert_eq!(contents(&conn).len(), 299, "{target:?} {n}");
            assert!(integrity_ok(&conn), "{target:?} {n}");
        }
    }
    assert!(points > 5, "only {points} I/O failure points");
}
