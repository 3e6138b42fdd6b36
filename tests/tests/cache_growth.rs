//! The page cache grows on demand and degrades when memory is short:
//!
//! - a database opened with SQLite's default cache (500 frames of 4 KiB)
//!   inside an arena an eighth of that cache's size runs inserts, point
//!   reads, scans and updates to the end with the frames it needs, and
//!   SQLite's integrity check accepts the file (the pager's unit tests
//!   cover a cache the allocator refuses to grow);
//! - an OOM sweep over a read and write workload whose cache grows: with
//!   allocation N failing, for every N, a run either completes (the cache
//!   evicted instead of growing) or fails with `OutOfMemory`, leaks
//!   nothing, and leaves a consistent database.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::{Allocator, Arena, FaultAlloc, Global, oom_sweep};
use boundlite::platform::{MemoryPlatform, Platform};
use boundlite::record::ValueRef;
use boundlite::{Config, Connection, Database, Error};
use boundlite_std::StdPlatform;

const SCHEMA: &str = "CREATE TABLE t(id INTEGER PRIMARY KEY, data TEXT NOT NULL, value REAL)";

/// Inserts ids `from..to` in one transaction.
fn insert<P: Platform, A: Allocator + Clone>(
    conn: &Connection<'_, P, A>,
    from: i64,
    to: i64,
) -> Result<(), Error> {
    conn.execute("BEGIN", &[])?;
    let mut stmt = conn.prepare("INSERT INTO t VALUES (?1, ?2, ?3)")?;
    for id in from..to {
        let text = format!("row_{id}_{}", "x".repeat((id % 40) as usize));
        stmt.reset();
        stmt.bind(1, ValueRef::Integer(id))?;
        stmt.bind(2, ValueRef::Text(text.as_bytes()))?;
        stmt.bind(3, ValueRef::Real(id as f64 * 0.5))?;
        while stmt.step()?.is_some() {}
    }
    drop(stmt);
    conn.execute("COMMIT", &[])?;
    Ok(())
}

/// Point reads, a scan and scattered updates over ids `1..rows`: the
/// updates of one transaction change pages all over the table, which stay
/// in their frames until commit.
fn read_and_write<P: Platform, A: Allocator + Clone>(
    conn: &Connection<'_, P, A>,
    rows: i64,
    round: i64,
) -> Result<(), Error> {
    let mut select = conn.prepare("SELECT * FROM t WHERE id = ?1")?;
    for k in 0..50 {
        let id = 1 + (k * 37 + round * 11) % rows;
        select.reset();
        select.bind(1, ValueRef::Integer(id))?;
        let row = select.step()?.ok_or(Error::Misuse("row missing"))?;
        assert_eq!(row.get_i64(0)?, id);
    }
    drop(select);
    let mut scan = conn.prepare("SELECT count(*) FROM t WHERE data LIKE '%_7%'")?;
    while scan.step()?.is_some() {}
    drop(scan);
    conn.execute("BEGIN", &[])?;
    let mut update = conn.prepare("UPDATE t SET value = ?1 WHERE id = ?2")?;
    for k in 0..20 {
        let id = 1 + (k * (rows / 20) + round) % rows;
        update.reset();
        update.bind(1, ValueRef::Real(round as f64))?;
        update.bind(2, ValueRef::Integer(id))?;
        while update.step()?.is_some() {}
    }
    drop(update);
    conn.execute("COMMIT", &[])?;
    Ok(())
}

fn count<P: Platform, A: Allocator + Clone>(db: &Database<P, A>) -> i64 {
    let conn = db.connect();
    let mut stmt = conn.prepare("SELECT count(*) FROM t").unwrap();
    let row = stmt.step().unwrap().unwrap();
    row.get_i64(0).unwrap()
}

#[test]
fn sqlites_default_cache_in_a_small_arena_works_with_fewer_frames() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("small.db");
    let name = path.to_str().unwrap();
    // SQLite's default cache, 2000 KiB: 500 frames of 4 KiB.
    let config = Config {
        cache_frames: 500,
        ..Config::DEFAULT
    };
    // An eighth of what the whole cache would take.
    let mut buffer = vec![0u8; 256 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    {
        let db = Database::open(StdPlatform::new(), name, &config, &arena).unwrap();
        let conn = db.connect();
        conn.execute(SCHEMA, &[]).unwrap();
        for batch in 0..10 {
            insert(&conn, 1 + batch * 500, 1 + (batch + 1) * 500).unwrap();
        }
        for round in 0..20 {
            read_and_write(&conn, 5000, round).unwrap();
        }
        drop(conn);
        let frames = db.pager().allocated_frames();
        println!(
            "{frames} frames of {}, {} pages, arena peak {}, refused {}",
            db.pager().cache_frames(),
            db.page_count(),
            arena.stats().peak_in_use,
            arena.stats().failed_allocations
        );
        assert!(frames < 500 && (frames as u32) < db.page_count());
        assert_eq!(count(&db), 5000);
        assert!(db.integrity_check(0).unwrap().is_ok());
    }
    assert_eq!(arena.stats().live_allocations, 0);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let rows: i64 = conn
        .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 5000);
}

#[test]
fn every_allocation_failure_while_the_cache_grows_is_survived_or_out_of_memory() {
    const DB: &str = "grow.db";
    const ROWS: i64 = 1500;
    let base = MemoryPlatform::new();
    {
        let db = Database::open(&base, DB, &Config::DEFAULT, Global).unwrap();
        let conn = db.connect();
        conn.execute(SCHEMA, &[]).unwrap();
        insert(&conn, 1, ROWS + 1).unwrap();
    }
    let files: Vec<(&str, Vec<u8>)> = [DB, "grow.db-wal"]
        .into_iter()
        .filter_map(|name| Some((name, base.file_bytes(name).ok()?.to_vec())))
        .collect();
    let disk = MemoryPlatform::new();
    let restore = || {
        for (name, bytes) in &files {
            disk.write_file(name, bytes).unwrap();
        }
    };
    let mut buffer = vec![0u8; 1024 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    let mut survived = 0;
    let mut frames = 0;
    let report = oom_sweep(
        &fault,
        false,
        |f| {
            restore();
            let db = Database::open(&disk, DB, &Config::DEFAULT, f)?;
            let conn = db.connect();
            for round in 0..3 {
                read_and_write(&conn, ROWS, round)?;
            }
            insert(&conn, ROWS + 1, ROWS + 101)?;
            drop(conn);
            frames = db.pager().allocated_frames();
            if f.failed() > 0 {
                survived += 1;
            }
            // A run that absorbed its failure may hold fewer frames, but
            // its rows must be the same.
            let conn = db.connect();
            let mut stmt = conn.prepare("SELECT count(*) FROM t")?;
            let rows = match stmt.step()? {
                Some(row) => row.get_i64(0)?,
                None => -1,
            };
            Ok::<_, Error>(rows)
        },
        |n, e| {
            assert_eq!(e, Error::OutOfMemory, "failure {n}");
            assert_eq!(arena.stats().live_allocations, 0, "failure {n} leaked");
            let db = Database::open(&disk, DB, &Config::DEFAULT, Global).unwrap();
            let rows = count(&db);
            assert!(
                rows == ROWS || rows == ROWS + 100,
                "failure {n}: {rows} rows"
            );
            assert!(db.integrity_check(0).unwrap().is_ok(), "failure {n}");
        },
    )
    .unwrap();
    println!("cache growth OOM sweep: {report:?}, {survived} runs survived a failure");
    assert_eq!(report.value, ROWS + 100, "{report:?}");
    assert!(
        frames > Config::MIN_CACHE_FRAMES,
        "{frames} frames: {report:?}"
    );
    assert!(report.errors > 0, "{report:?}");
    assert!(
        survived > 0,
        "no failure was absorbed by evicting: {report:?}"
    );
}
