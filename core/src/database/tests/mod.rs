// Test scaffolding uses std's collections.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

extern crate std;

use boundlite_platform::{File, MemoryPlatform, OpenMode, Platform};

use super::*;
use crate::RowId;
use crate::alloc::{Arena, FaultAlloc, oom_sweep};
use crate::format::PageSize;
use crate::record::{ValueRef, encode_into};

fn small() -> Config {
    Config {
        page_size: PageSize::new(512).unwrap(),
        cache_frames: 32,
        ..Config::DEFAULT
    }
}

fn record(id: i64) -> Vec<u8> {
    let mut out = Vec::new();
    encode_into(
        &[ValueRef::Integer(id), ValueRef::Text(b"payload")],
        &mut out,
    )
    .unwrap();
    out
}

fn count<P: Platform, A: Allocator + Clone>(db: &Database<P, A>, root: PageNo) -> usize {
    let mut cursor = db.table_cursor(root);
    let mut n = 0;
    let mut more = cursor.first().unwrap();
    while more {
        n += 1;
        more = cursor.next().unwrap();
    }
    n
}

#[test]
fn opening_an_empty_file_creates_a_database() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "a.db", &small(), Global).unwrap();
    assert_eq!(db.page_count(), 1);
    drop(db);
    let bytes = disk.file_bytes("a.db").unwrap();
    assert_eq!(bytes.len(), 512);
    assert_eq!(&bytes[..16], b"SQLite format 3\0");
    assert_eq!(bytes[100], 0x0d, "page 1 holds an empty table leaf");
    let again = Database::open(&disk, "a.db", &small(), Global).unwrap();
    assert_eq!(again.page_count(), 1);
}

#[test]
fn a_second_writer_is_busy_and_a_dropped_one_rolls_back() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "a.db", &small(), Global).unwrap();
    let txn = db.begin_write().unwrap();
    let root = txn.create_tree(TreeKind::Table).unwrap();
    txn.insert_row(root, RowId::new(1), &record(1)).unwrap();
    assert_eq!(db.begin_write().err(), Some(Error::Busy));
    drop(txn);
    assert_eq!(
        db.page_count(),
        1,
        "the dropped transaction's pages are gone"
    );
    let txn = db.begin_write().unwrap();
    let root = txn.create_tree(TreeKind::Table).unwrap();
    for id in 1..=100 {
        txn.insert_row(root, RowId::new(id), &record(id)).unwrap();
    }
    txn.commit().unwrap();
    assert_eq!(count(&db, root), 100);
    let report = db.integrity_check(0).unwrap();
    // The tree is not in the schema, so its pages count as never used.
    assert!(!report.is_ok());
    assert!(db.schema().unwrap().entries().is_empty());
}

#[test]
fn an_error_rolls_the_whole_transaction_back() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "a.db", &small(), Global).unwrap();
    let txn = db.begin_write().unwrap();
    let root = txn.create_tree(TreeKind::Table).unwrap();
    txn.commit().unwrap();
    let txn = db.begin_write().unwrap();
    txn.insert_row(root, RowId::new(1), &record(1)).unwrap();
    let missing = PageNo::new(999).unwrap();
    assert!(matches!(
        txn.insert_row(missing, RowId::new(1), &record(1)),
        Err(Error::Corrupt { .. })
    ));
    assert!(matches!(
        txn.insert_row(root, RowId::new(2), &record(2)),
        Err(Error::Misuse(_))
    ));
    assert!(matches!(txn.commit(), Err(Error::Misuse(_))));
    assert_eq!(
        count(&db, root),
        0,
        "the row inserted before the error is gone"
    );
    let txn = db.begin_write().unwrap();
    txn.insert_row(root, RowId::new(3), &record(3)).unwrap();
    txn.commit().unwrap();
    assert_eq!(count(&db, root), 1);
}

#[test]
fn a_hot_rollback_journal_is_refused_and_a_torn_log_is_empty() {
    let disk = MemoryPlatform::new();
    drop(Database::open(&disk, "a.db", &small(), Global).unwrap());
    disk.write_file("a.db-journal", b"").unwrap();
    assert!(
        Database::open(&disk, "a.db", &small(), Global).is_ok(),
        "an empty journal is cold"
    );
    disk.write_file("a.db-journal", b"\xd9\xd5\x05\xf9\x20\xa1\x63\xd7")
        .unwrap();
    assert!(matches!(
        Database::open(&disk, "a.db", &small(), Global).err(),
        Some(Error::CantOpen(_))
    ));
    (&disk).delete("a.db-journal").unwrap();
    // A log that is not one (a torn header) holds no commits: it is
    // recovered as empty, not refused.
    disk.write_file("a.db-wal", &[0x37, 0x7f, 0x06, 0x82])
        .unwrap();
    let db = Database::open_read_only(&disk, "a.db", &small(), Global).unwrap();
    assert_eq!(db.page_count(), 1);
}

#[test]
fn read_only_databases_refuse_writes_and_missing_files_cannot_open() {
    let disk = MemoryPlatform::new();
    assert!(matches!(
        Database::open_read_only(&disk, "none.db", &small(), Global).err(),
        Some(Error::CantOpen(_))
    ));
    drop(Database::open(&disk, "a.db", &small(), Global).unwrap());
    let db = Database::open_read_only(&disk, "a.db", &small(), Global).unwrap();
    assert_eq!(db.begin_write().err(), Some(Error::ReadOnly));
    let mut file = (&disk).open("a.db", OpenMode::ReadOnly).unwrap();
    assert_eq!(file.size().unwrap(), 512);
}

#[test]
fn opening_and_writing_survive_every_allocation_failure() {
    let disk = MemoryPlatform::new();
    let mut buffer = std::vec![0u8; 96 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    let report = oom_sweep(
        &fault,
        true,
        |f| {
            let _ = (&disk).delete("oom.db");
            let db = Database::open(&disk, "oom.db", &small(), f)?;
            let txn = db.begin_write()?;
            let root = txn.create_tree(TreeKind::Table)?;
            for id in 1..=60 {
                txn.insert_row(root, RowId::new(id), &record(id))?;
            }
            txn.commit()?;
            Ok::<_, Error>(count(&db, root))
        },
        |n, e| {
            assert_eq!(e, Error::OutOfMemory, "failure {n}");
            assert_eq!(arena.stats().live_allocations, 0, "failure {n} leaked");
        },
    )
    .unwrap();
    assert_eq!(report.value, 60);
    assert!(report.failure_points > 10);
}

mod sharing;
