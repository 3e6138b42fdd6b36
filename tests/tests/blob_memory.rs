//! Big values in a heap far smaller than they are: a 1 MiB image written
//! through a blob handle in 4 KiB chunks and read back inside a 128 KiB
//! (and a 64 KiB) arena, `zeroblob(N)` inserted without its N bytes, and
//! `length()`/`typeof()` of a 16 MiB BLOB inside a 256 KiB arena.
//!
//! On a platform without shared memory (a firmware's: the file is held
//! exclusively) a handle keeps the value's chain page numbers between its
//! autocommit calls; with shared memory it walks the chain each call.
//!
//! The rows holding the 1 MiB and 16 MiB values are created both on the
//! global heap (on the same in-memory disk) before an arena run, and in
//! the arena itself, where the insert's dirty pages spill to the log.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::{Arena, Global};
use boundlite::connection::BlobAccess;
use boundlite::format::PageSize;
use boundlite::platform::{MemoryPlatform, Platform};
use boundlite::record::ValueRef;
use boundlite::wal::CheckpointMode;
use boundlite::{Config, Database, Error};
use boundlite_tests::no_shm::NoShm;

use std::time::Instant;

const MIB: usize = 1 << 20;

/// The byte at `offset` of the test image.
fn image_byte(offset: usize) -> u8 {
    (offset.wrapping_mul(2_654_435_761) >> 13) as u8
}

/// FNV-1a over `bytes`, continuing from `hash`.
fn fnv(mut hash: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        hash = (hash ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
    }
    hash
}

const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;

/// Creates `table` holding row 1 with a `zeroblob(len)` column `data`, in
/// a database of `page_size`-byte pages, on the global heap,
/// checkpointed into the database file.
fn create_on_the_heap(disk: &MemoryPlatform, table: &str, len: usize, page_size: u32) {
    let config = Config {
        page_size: PageSize::new(page_size).unwrap(),
        cache_frames: len / page_size as usize + 64,
        ..Config::DEFAULT
    };
    let db = Database::open(disk, "fw.db", &config, Global).unwrap();
    let conn = db.connect();
    conn.execute(
        &format!("CREATE TABLE {table}(id INTEGER PRIMARY KEY, name TEXT, data BLOB)"),
        &[],
    )
    .unwrap();
    conn.execute(
        &format!("INSERT INTO {table} VALUES (1, 'image', zeroblob(?1))"),
        &[ValueRef::Integer(len as i64)],
    )
    .unwrap();
    drop(conn);
    db.checkpoint(CheckpointMode::Truncate).unwrap();
}

/// Writes the 1 MiB image in 4 KiB chunks and reads it back, inside an
/// arena of `heap` bytes, in a database of `page_size`-byte pages with a
/// cache of `frames` frames and a log index of at most `index` bytes, on
/// `disk` with shared memory or (`exclusive`) without; returns the
/// arena's peak.
fn image_through_an_arena(
    heap: usize,
    page_size: u32,
    frames: usize,
    index: usize,
    exclusive: bool,
) -> usize {
    let disk = MemoryPlatform::new();
    create_on_the_heap(&disk, "image", MIB, page_size);
    let start = Instant::now();
    let peak = if exclusive {
        image_on(&NoShm(&disk), heap, frames, index)
    } else {
        image_on(&disk, heap, frames, index)
    };
    println!(
        "1 MiB image, {page_size}-byte pages, exclusive file {exclusive}: {:?}",
        start.elapsed()
    );
    sqlite_reads_the_image(&disk);
    peak
}

/// [`image_through_an_arena`] on `platform`.
fn image_on<P: Platform>(platform: P, heap: usize, frames: usize, index: usize) -> usize {
    let mut buffer = vec![0u8; heap];
    let arena = Arena::new(&mut buffer).unwrap();
    {
        let config = Config {
            cache_frames: frames,
            wal_index_budget: index,
            ..Config::DEFAULT
        };
        let db = Database::open(platform, "fw.db", &config, &arena).unwrap();
        let conn = db.connect();
        let blob = conn
            .blob_open("image", "data", 1, BlobAccess::ReadWrite)
            .unwrap();
        assert_eq!(blob.len(), MIB);
        let mut chunk = [0u8; 4096];
        let mut written = FNV_START;
        for start in (0..MIB).step_by(chunk.len()) {
            for (i, b) in chunk.iter_mut().enumerate() {
                *b = image_byte(start + i);
            }
            written = fnv(written, &chunk);
            blob.write_at(start, &chunk).unwrap();
        }
        let mut read = FNV_START;
        for start in (0..MIB).step_by(chunk.len()) {
            assert_eq!(blob.read_at(start, &mut chunk).unwrap(), chunk.len());
            read = fnv(read, &chunk);
        }
        assert_eq!(read, written, "the image read back differs");
    }
    assert_eq!(arena.stats().live_allocations, 0);
    arena.stats().peak_in_use
}

/// SQLite finds the database intact and holding the image.
fn sqlite_reads_the_image(disk: &MemoryPlatform) {
    let dir = tempfile::tempdir().unwrap();
    for name in ["fw.db", "fw.db-wal"] {
        if let Ok(bytes) = disk.file_bytes(name) {
            std::fs::write(dir.path().join(name), &bytes[..]).unwrap();
        }
    }
    let sqlite = rusqlite::Connection::open(dir.path().join("fw.db")).unwrap();
    let check: String = sqlite
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let stored: Vec<u8> = sqlite
        .query_row("SELECT data FROM image WHERE id = 1", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stored.len(), MIB);
    assert!(stored.iter().enumerate().all(|(i, &b)| b == image_byte(i)));
}

#[test]
fn a_1_mib_image_goes_through_a_128_kib_arena() {
    let peak = image_through_an_arena(128 * 1024, 4096, 16, 32 * 1024, false);
    println!("1 MiB image through a 128 KiB arena: peak {peak} bytes");
}

#[test]
fn a_1_mib_image_goes_through_a_64_kib_arena() {
    // A firmware's heap: 1 KiB pages keep the cache's frames small. The
    // handle keeps the chain's 1,028 page numbers on the exclusive file.
    for exclusive in [false, true] {
        let peak = image_through_an_arena(64 * 1024, 1024, 16, 8 * 1024, exclusive);
        println!("1 MiB image through a 64 KiB arena (exclusive {exclusive}): peak {peak} bytes");
    }
}

#[test]
fn zeroblob_is_inserted_without_its_bytes() {
    // 64 KiB of zeros: held whole (as a value, then a record) it would
    // not fit beside the 17 pages its row dirties.
    let mut buffer = vec![0u8; 128 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let disk = MemoryPlatform::new();
    let config = Config {
        cache_frames: 24,
        ..Config::DEFAULT
    };
    let db = Database::open(&disk, "z.db", &config, &arena).unwrap();
    let conn = db.connect();
    conn.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, b BLOB)", &[])
        .unwrap();
    conn.execute("INSERT INTO t VALUES (1, zeroblob(65536))", &[])
        .unwrap();
    let mut stmt = conn.prepare("SELECT length(b), typeof(b) FROM t").unwrap();
    let row = stmt.step().unwrap().unwrap();
    assert_eq!(row.get_i64(0).unwrap(), 65536);
    assert_eq!(row.get_text(1).unwrap(), "blob");
    drop(stmt);
    let blob = conn.blob_open("t", "b", 1, BlobAccess::ReadOnly).unwrap();
    let mut chunk = [1u8; 4096];
    for start in (0..65536).step_by(4096) {
        blob.read_at(start, &mut chunk).unwrap();
        assert!(chunk.iter().all(|&b| b == 0));
    }
    println!(
        "zeroblob(65536) in a 128 KiB arena: peak {} bytes",
        arena.stats().peak_in_use
    );
}

#[test]
fn length_of_a_16_mib_blob_runs_in_a_256_kib_arena() {
    let disk = MemoryPlatform::new();
    create_on_the_heap(&disk, "t", 16 * MIB, 4096);
    let mut buffer = vec![0u8; 256 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let config = Config {
        cache_frames: 32,
        ..Config::DEFAULT
    };
    let db = Database::open(&disk, "fw.db", &config, &arena).unwrap();
    let conn = db.connect();
    let mut stmt = conn
        .prepare("SELECT length(data), typeof(data), name FROM t")
        .unwrap();
    let row = stmt.step().unwrap().unwrap();
    assert_eq!(row.get_i64(0).unwrap(), 16 * MIB as i64);
    assert_eq!(row.get_text(1).unwrap(), "blob");
    assert_eq!(row.get_text(2).unwrap(), "image");
    drop(stmt);
    // Through a seek and an aggregate, too.
    let mut stmt = conn
        .prepare("SELECT sum(length(data)), count(*) FROM t WHERE id = 1")
        .unwrap();
    let row = stmt.step().unwrap().unwrap();
    assert_eq!(row.get_i64(0).unwrap(), 16 * MIB as i64);
    drop(stmt);
    // The value itself does not fit: a clean error, and the connection
    // goes on.
    let mut stmt = conn.prepare("SELECT data FROM t").unwrap();
    assert_eq!(stmt.step().err(), Some(Error::OutOfMemory));
    drop(stmt);
    let blob = conn
        .blob_open("t", "data", 1, BlobAccess::ReadOnly)
        .unwrap();
    let mut tail = [1u8; 4096];
    assert_eq!(blob.read_at(16 * MIB - 4096, &mut tail).unwrap(), 4096);
    assert!(tail.iter().all(|&b| b == 0));
    let mut stmt = conn.prepare("SELECT count(*) FROM t").unwrap();
    assert_eq!(stmt.step().unwrap().unwrap().get_i64(0).unwrap(), 1);
    drop(stmt);
    println!(
        "length() of a 16 MiB BLOB in a 256 KiB arena: peak {} bytes",
        arena.stats().peak_in_use
    );
}

/// With dirty pages spilling to the log, the value's row is created in
/// the arena too: `zeroblob(N)` far larger than the arena and its cache.
fn created_in_the_arena(
    heap: usize,
    len: usize,
    frames: usize,
    index: usize,
) -> (MemoryPlatform, usize) {
    let disk = MemoryPlatform::new();
    let mut buffer = vec![0u8; heap];
    let arena = Arena::new(&mut buffer).unwrap();
    {
        let config = Config {
            cache_frames: frames,
            wal_index_budget: index,
            ..Config::DEFAULT
        };
        let db = Database::open(&disk, "fw.db", &config, &arena).unwrap();
        let conn = db.connect();
        conn.execute(
            "CREATE TABLE image(id INTEGER PRIMARY KEY, name TEXT, data BLOB)",
            &[],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO image VALUES (1, 'image', zeroblob(?1))",
            &[ValueRef::Integer(len as i64)],
        )
        .unwrap();
        let mut stmt = conn
            .prepare("SELECT length(data), typeof(data) FROM image")
            .unwrap();
        let row = stmt.step().unwrap().unwrap();
        assert_eq!(row.get_i64(0).unwrap(), len as i64);
        assert_eq!(row.get_text(1).unwrap(), "blob");
        drop(stmt);
        if len <= MIB {
            let blob = conn
                .blob_open("image", "data", 1, BlobAccess::ReadWrite)
                .unwrap();
            let mut chunk = [0u8; 4096];
            let mut written = FNV_START;
            for start in (0..len).step_by(chunk.len()) {
                for (i, b) in chunk.iter_mut().enumerate() {
                    *b = image_byte(start + i);
                }
                written = fnv(written, &chunk);
                blob.write_at(start, &chunk).unwrap();
            }
            let mut read = FNV_START;
            for start in (0..len).step_by(chunk.len()) {
                assert_eq!(blob.read_at(start, &mut chunk).unwrap(), chunk.len());
                read = fnv(read, &chunk);
            }
            assert_eq!(read, written);
        }
        // The check walks the value's chain without gathering it.
        let mut check = conn.prepare("PRAGMA integrity_check").unwrap();
        let row = check.step().unwrap().unwrap();
        assert_eq!(row.get_text(0).unwrap(), "ok");
    }
    assert_eq!(arena.stats().live_allocations, 0);
    let peak = arena.stats().peak_in_use;
    (disk, peak)
}

#[test]
fn a_1_mib_image_is_created_and_written_in_a_128_kib_arena() {
    let (disk, peak) = created_in_the_arena(128 * 1024, MIB, 16, 32 * 1024);
    sqlite_reads_the_image(&disk);
    println!("1 MiB zeroblob created, written and read in a 128 KiB arena: peak {peak} bytes");
}

#[test]
fn a_16_mib_zeroblob_is_created_and_measured_in_a_256_kib_arena() {
    let (_, peak) = created_in_the_arena(256 * 1024, 16 * MIB, 32, 64 * 1024);
    println!("16 MiB zeroblob created and measured in a 256 KiB arena: peak {peak} bytes");
}
