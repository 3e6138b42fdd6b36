//! `PRAGMA cache_size`: read, raised so that a large transaction stays in
//! the cache, lowered so that the cache gives frames back, and set under
//! every allocation failure.

extern crate std;

use boundlite_platform::MemoryPlatform;

use super::rows;
use crate::alloc::{Arena, FaultAlloc, Global, oom_sweep};
use crate::record::ValueRef;
use crate::{Config, Database, Error};

fn small_cache(disk: &MemoryPlatform) -> Database<&MemoryPlatform, Global> {
    let config = Config {
        cache_frames: Config::MIN_CACHE_FRAMES,
        ..Config::DEFAULT
    };
    Database::open(disk, "t.db", &config, Global).unwrap()
}

#[test]
fn cache_size_answers_the_value_as_set() {
    let disk = MemoryPlatform::new();
    let db = small_cache(&disk);
    let conn = db.connect();
    // Before any is set: the configured frames.
    assert_eq!(rows(&conn, "PRAGMA cache_size"), ["12"]);
    // Setting returns no row, as in SQLite.
    assert!(rows(&conn, "PRAGMA cache_size = 300").is_empty());
    assert_eq!(rows(&conn, "PRAGMA cache_size"), ["300"]);
    assert_eq!(db.pager().cache_frames(), 300);
    // Negative: KiB, here 2000 KiB of 4096-byte pages.
    conn.execute("PRAGMA main.cache_size = -2000", &[]).unwrap();
    assert_eq!(rows(&conn, "PRAGMA cache_size"), ["-2000"]);
    assert_eq!(db.pager().cache_frames(), 500);
    // Below the minimum: clamped, and answered as set.
    conn.execute("PRAGMA cache_size = 5", &[]).unwrap();
    assert_eq!(rows(&conn, "PRAGMA cache_size"), ["5"]);
    assert_eq!(db.pager().cache_frames(), Config::MIN_CACHE_FRAMES);
    // The limit is the database's: another connection sees it.
    assert_eq!(rows(&db.connect(), "PRAGMA cache_size"), ["5"]);
    // Changed through the pager since: the pragma answers the frames.
    db.pager().set_cache_frames(64).unwrap();
    assert_eq!(rows(&conn, "PRAGMA cache_size"), ["64"]);
    assert!(matches!(
        conn.execute("PRAGMA cache_size = 'many'", &[]),
        Err(Error::Sql(_))
    ));
    assert_eq!(db.pager().cache_frames(), 64);
}

/// Inserts one value of 40 pages: more changed pages than the minimum
/// cache holds.
fn insert_big(
    conn: &crate::Connection<'_, &MemoryPlatform, Global>,
    id: i64,
) -> crate::Result<usize> {
    let big = std::vec![7u8; 40 * 4096];
    conn.execute(
        "INSERT INTO t VALUES (?1, ?2)",
        &[ValueRef::Integer(id), ValueRef::Blob(&big)],
    )
}

/// A transaction larger than the cache spills its changed pages to the
/// log and reads them back; raised, the cache holds them all.
#[test]
fn raising_cache_size_lets_a_large_transaction_stay_in_the_cache() {
    let disk = MemoryPlatform::new();
    let db = small_cache(&disk);
    let conn = db.connect();
    conn.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v)", &[])
        .unwrap();
    conn.execute("BEGIN", &[]).unwrap();
    insert_big(&conn, 1).unwrap();
    assert!(db.pager().allocated_frames() <= Config::MIN_CACHE_FRAMES);
    conn.execute("COMMIT", &[]).unwrap();

    conn.execute("PRAGMA cache_size = 100", &[]).unwrap();
    conn.execute("BEGIN", &[]).unwrap();
    insert_big(&conn, 2).unwrap();
    insert_big(&conn, 3).unwrap();
    let frames = db.pager().allocated_frames();
    assert!(frames > 80 && frames <= 100, "{frames}");
    conn.execute("COMMIT", &[]).unwrap();
    assert_eq!(
        rows(&conn, "SELECT id, length(v) FROM t"),
        ["1|163840", "2|163840", "3|163840"]
    );
    assert_eq!(rows(&conn, "PRAGMA integrity_check"), ["ok"]);
}

#[test]
fn lowering_cache_size_gives_frames_back() {
    let disk = MemoryPlatform::new();
    let mut buffer = std::vec![0u8; 1 << 20];
    let arena = Arena::new(&mut buffer).unwrap();
    let config = Config {
        cache_frames: 100,
        ..Config::DEFAULT
    };
    let db = Database::open(&disk, "t.db", &config, &arena).unwrap();
    let conn = db.connect();
    let big = std::vec![7u8; 40 * 4096];
    conn.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v)", &[])
        .unwrap();
    conn.execute("INSERT INTO t VALUES (1, ?1)", &[ValueRef::Blob(&big)])
        .unwrap();
    let grown = db.pager().allocated_frames();
    assert!(grown > 40, "{grown}");
    let before = arena.stats().in_use;
    conn.execute("PRAGMA cache_size = 16", &[]).unwrap();
    assert_eq!(db.pager().allocated_frames(), 16);
    let freed = before - arena.stats().in_use;
    assert!(freed >= (grown - 16) * 4096, "{freed} bytes freed");
    // Reading the whole value again stays within the limit.
    let mut stmt = conn.prepare("SELECT length(v), v = ?1 FROM t").unwrap();
    stmt.bind(1, ValueRef::Blob(&big)).unwrap();
    let row = stmt.step().unwrap().unwrap();
    assert_eq!(
        (row.get_i64(0).unwrap(), row.get_i64(1).unwrap()),
        (40 * 4096, 1)
    );
    drop(stmt);
    assert_eq!(db.pager().allocated_frames(), 16);
    assert!(db.integrity_check(0).unwrap().is_ok());
}

/// Raising and lowering the limit, then reading a value of 25 pages
/// through the cache, under every allocation failure: setting the limit
/// allocates nothing and never fails; the read that follows grows the
/// cache toward a raised limit, or stays within a lowered one, and each of
/// its failures is `OutOfMemory`, leaks nothing and leaves the database
/// sound.
#[test]
fn setting_cache_size_survives_every_allocation_failure() {
    let disk = MemoryPlatform::new();
    let mut buffer = std::vec![0u8; 1 << 20];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    for persistent in [false, true] {
        for (sql, frames) in [
            ("PRAGMA cache_size = 200", 200),
            ("PRAGMA cache_size = -64", 16),
        ] {
            let report = oom_sweep(
                &fault,
                persistent,
                |f| {
                    let db = f.unfaulted(|| {
                        let db = Database::open(&disk, "oom.db", &Config::DEFAULT, f).unwrap();
                        db.connect()
                            .execute(
                                "CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, v); \
                                 INSERT OR IGNORE INTO t VALUES (1, zeroblob(100000)); \
                                 SELECT length(v) FROM t",
                                &[],
                            )
                            .unwrap();
                        db
                    });
                    let conn = db.connect();
                    let set = conn.execute(sql, &[]);
                    assert_eq!(set, Ok(0), "{sql}");
                    assert_eq!(db.pager().cache_frames(), frames, "{sql}");
                    let length = (|| {
                        let mut read =
                            conn.prepare("SELECT length(v), v = zeroblob(100000) FROM t")?;
                        let row = read.step()?.ok_or(Error::Misuse("no row"))?;
                        Ok::<_, Error>((row.get_i64(0)?, row.get_i64(1)?))
                    })();
                    f.unfaulted(|| {
                        assert!(db.pager().allocated_frames() <= frames, "{sql}");
                        assert!(db.integrity_check(0).unwrap().is_ok(), "{sql}");
                    });
                    length
                },
                |n, e| {
                    assert_eq!(e, Error::OutOfMemory, "{sql}: failure {n}");
                    assert_eq!(
                        arena.stats().live_allocations,
                        0,
                        "{sql}: failure {n} leaked"
                    );
                },
            )
            .unwrap();
            assert_eq!(report.value, (100_000, 1), "{sql}");
            assert!(report.failure_points > 0, "{sql}");
        }
    }
}
