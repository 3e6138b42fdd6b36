//! Big values under failure: every allocation of blob streaming failed
//! in turn (an `INSERT` of a `zeroblob` that spills, writes and reads
//! through a blob handle, `length()` of a spilled row), and I/O errors at
//! every read, write and sync of a blob write.
//!
//! Each allocation failure is `OutOfMemory` and leaks nothing, the
//! database passes `integrity_check`, every value is wholly one committed
//! version of itself, and the connection goes on working. Each I/O error
//! leaves the value as last committed.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::{Allocator, Arena, FaultAlloc, Global, oom_sweep};
use boundlite::connection::BlobAccess;
use boundlite::format::PageSize;
use boundlite::platform::{FaultPlatform, FaultTarget, IoFault, MemoryPlatform, Platform};
use boundlite::{Config, Connection, Database, Error};
use boundlite_tests::no_shm::NoShm;

const DB: &str = "b.db";
/// The value the sweeps write: 20,000 bytes over several 512-byte pages.
const LEN: usize = 20_000;
/// Where each chunk of a run's writes starts, and its length.
const CHUNKS: [(usize, usize); 3] = [(0, 5000), (7000, 5000), (14000, 6000)];

fn config() -> Config {
    Config {
        page_size: PageSize::new(512).unwrap(),
        cache_frames: 64,
        ..Config::DEFAULT
    }
}

fn byte(offset: usize) -> u8 {
    (offset % 251) as u8 + 1
}

/// A database on a fresh disk with row 1 of `t` holding `zeroblob(LEN)`.
fn seeded() -> MemoryPlatform {
    let disk = MemoryPlatform::new();
    {
        let db = Database::open(&disk, DB, &config(), Global).unwrap();
        let conn = db.connect();
        conn.execute(
            "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT UNIQUE, b BLOB);
             INSERT INTO t VALUES (1, 'one', zeroblob(20000))",
            &[],
        )
        .unwrap();
    }
    disk
}

/// One run of blob streaming on `conn`: a spilling zeroblob row, the
/// chunks written through a handle on row 1, everything read back, and
/// `length()`.
fn stream<P: Platform, A: Allocator + Clone>(conn: &Connection<'_, P, A>) -> Result<i64, Error> {
    conn.execute(
        "INSERT OR REPLACE INTO t VALUES (2, 'two', zeroblob(30000))",
        &[],
    )?;
    let blob = conn.blob_open("t", "b", 1, BlobAccess::ReadWrite)?;
    let mut chunk = vec![0u8; 6000];
    for (start, len) in CHUNKS {
        for (i, b) in chunk[..len].iter_mut().enumerate() {
            *b = byte(start + i);
        }
        blob.write_at(start, &chunk[..len])?;
    }
    let mut back = vec![0u8; 3000];
    let mut at = 0;
    while at < LEN {
        let n = blob.read_at(at, &mut back)?;
        for (i, &b) in back[..n].iter().enumerate() {
            let written = CHUNKS.iter().any(|&(s, l)| (s..s + l).contains(&(at + i)));
            assert_eq!(b, if written { byte(at + i) } else { 0 });
        }
        at += n;
    }
    let mut stmt = conn.prepare("SELECT sum(length(b)) FROM t")?;
    let total = stmt.step()?.map(|row| row.get_i64(0)).transpose()?;
    Ok(total.unwrap_or(0))
}

/// Checks what a failed run left on `disk`: SQLite-consistent, row 1's
/// chunks each all written or all zero, row 2 absent or whole.
fn check_consistent(disk: &MemoryPlatform, label: &str) {
    let db = Database::open(disk, DB, &config(), Global).unwrap();
    let report = db.integrity_check(0).unwrap();
    assert!(report.is_ok(), "{label}: {report}");
    let conn = db.connect();
    let blob = conn.blob_open("t", "b", 1, BlobAccess::ReadOnly).unwrap();
    let mut value = vec![0u8; LEN];
    assert_eq!(blob.read_at(0, &mut value).unwrap(), LEN);
    for (start, len) in CHUNKS {
        let piece = &value[start..start + len];
        let written = (start..start + len).all(|i| value[i] == byte(i));
        assert!(
            written || piece.iter().all(|&b| b == 0),
            "{label}: chunk at {start} is torn"
        );
    }
    let mut stmt = conn
        .prepare("SELECT length(b), typeof(b) FROM t WHERE id = 2")
        .unwrap();
    if let Some(row) = stmt.step().unwrap() {
        assert_eq!(row.get_i64(0).unwrap(), 30_000, "{label}");
    }
}

#[test]
fn blob_streaming_survives_every_allocation_failure() {
    for persistent in [true, false] {
        let disk = seeded();
        let mut buffer = vec![0u8; 512 * 1024];
        let arena = Arena::new(&mut buffer).unwrap();
        let fault = FaultAlloc::new(&arena);
        let report = oom_sweep(
            &fault,
            persistent,
            |fault| {
                let db = Database::open(&disk, DB, &config(), fault)?;
                let conn = db.connect();
                stream(&conn)
            },
            |n, e| {
                assert_eq!(e, Error::OutOfMemory, "failure {n}");
                assert_eq!(arena.stats().live_allocations, 0, "failure {n} leaked");
                check_consistent(&disk, &format!("failure {n}"));
            },
        )
        .unwrap();
        assert_eq!(report.value, (LEN + 30_000) as i64);
        assert!(
            report.failure_points > 20,
            "{} failure points",
            report.failure_points
        );
        println!(
            "blob streaming ({}): {} allocation failure points",
            if persistent {
                "persistent"
            } else {
                "transient"
            },
            report.failure_points
        );
    }
}

#[test]
fn blob_streaming_inside_begin_leaves_a_usable_connection() {
    let disk = seeded();
    let mut buffer = vec![0u8; 512 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    // The whole run is one transaction, larger than the cache: dirty
    // pages spill to the log.
    let db = Database::open(&disk, DB, &config(), &fault).unwrap();
    let conn = db.connect();
    let report = oom_sweep(
        &fault,
        true,
        |_| {
            conn.execute("BEGIN", &[])?;
            let total = stream(&conn)?;
            conn.execute("COMMIT", &[])?;
            Ok::<_, Error>(total)
        },
        |n, e| {
            assert_eq!(e, Error::OutOfMemory, "failure {n}");
            // The statement was undone alone or the transaction was
            // rolled back; either way the connection goes on.
            if conn.in_transaction() {
                conn.execute("ROLLBACK", &[]).unwrap();
            }
            let mut stmt = conn.prepare("PRAGMA integrity_check").unwrap();
            assert_eq!(stmt.step().unwrap().unwrap().get_text(0).unwrap(), "ok");
            drop(stmt);
            check_consistent(&disk, &format!("failure {n}"));
        },
    )
    .unwrap();
    assert_eq!(report.value, (LEN + 30_000) as i64);
    println!(
        "blob streaming in BEGIN: {} allocation failure points",
        report.failure_points
    );
}

#[test]
fn io_errors_during_blob_writes_leave_the_last_committed_value() {
    let base = seeded();
    let files: Vec<(&str, Vec<u8>)> = [DB, "b.db-wal"]
        .into_iter()
        .filter_map(|name| Some((name, base.file_bytes(name).ok()?.to_vec())))
        .collect();
    let mut points = 0;
    for exclusive in [false, true] {
        for target in [FaultTarget::Read, FaultTarget::Write, FaultTarget::Sync] {
            for explicit in [false, true] {
                for n in 1..200 {
                    let disk = MemoryPlatform::new();
                    for (name, bytes) in &files {
                        disk.write_file(name, bytes).unwrap();
                    }
                    let label = format!("{target:?} {n} explicit={explicit} exclusive={exclusive}");
                    let run = Run {
                        target,
                        n,
                        explicit,
                        label: &label,
                    };
                    let hit = if exclusive {
                        run.on(&NoShm(&disk))
                    } else {
                        run.on(&disk)
                    };
                    if !hit {
                        break;
                    }
                    points += 1;
                    // What the run left is what a reopen finds.
                    let db = Database::open(&disk, DB, &config(), Global).unwrap();
                    assert!(db.integrity_check(0).unwrap().is_ok(), "{label}");
                    let conn = db.connect();
                    let blob = conn.blob_open("t", "b", 1, BlobAccess::ReadOnly).unwrap();
                    let mut value = vec![0u8; LEN];
                    assert_eq!(blob.read_at(0, &mut value).unwrap(), LEN);
                    assert!(
                        value == new_value(),
                        "{label}: the write after the error was lost"
                    );
                }
            }
        }
    }
    assert!(points > 10, "only {points} I/O failure points");
    println!("blob writes: {points} I/O failure points");
}

fn new_value() -> Vec<u8> {
    (0..LEN).map(byte).collect()
}

/// One blob write under an I/O error at operation `n` of `target`.
struct Run<'l> {
    target: FaultTarget,
    n: u64,
    /// Inside `BEGIN`, with the row rewritten first (its chain moved).
    explicit: bool,
    label: &'l str,
}

impl Run<'_> {
    /// Runs the write on `platform` under the fault; whether the fault
    /// was hit. After it, the value read is the last committed one, and
    /// the same handle writes the new value again.
    fn on<P: Platform>(&self, platform: P) -> bool {
        let label = self.label;
        let fault = FaultPlatform::new(platform);
        let config = Config {
            wal_autocheckpoint: 0,
            ..config()
        };
        let db = Database::open(&fault, DB, &config, Global).unwrap();
        let conn = db.connect();
        let blob = conn.blob_open("t", "b", 1, BlobAccess::ReadWrite).unwrap();
        let old = vec![0u8; LEN];
        let new = new_value();
        // The handle learns the chain (kept on an exclusive file).
        let mut value = vec![1u8; LEN];
        blob.read_at(0, &mut value).unwrap();
        fault.arm(IoFault::Once {
            target: self.target,
            n: self.n,
        });
        let result = if self.explicit {
            conn.execute("BEGIN", &[])
                .and_then(|_| conn.execute("UPDATE t SET name = 'uno' WHERE id = 1", &[]))
                .and_then(|_| blob.write_at(0, &new[..LEN / 2]))
                .and_then(|()| blob.write_at(LEN / 2, &new[LEN / 2..]))
                .and_then(|()| conn.execute("COMMIT", &[]).map(|_| ()))
        } else {
            blob.write_at(0, &new)
        };
        let hit = fault.counts().failed > 0;
        fault.arm(IoFault::Never);
        if !hit {
            result.unwrap();
            return false;
        }
        if conn.in_transaction() {
            conn.execute("ROLLBACK", &[]).unwrap();
        }
        let expected = if result.is_ok() { &new } else { &old };
        assert_eq!(blob.read_at(0, &mut value).unwrap(), LEN, "{label}");
        assert!(value == *expected, "{label}: {result:?} left another value");
        blob.write_at(0, &new).unwrap();
        true
    }
}
