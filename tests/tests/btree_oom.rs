//! B-tree operations under every allocation failure: a transaction of
//! inserts (splits, overflow chains) and deletes (merges, freed chains) runs
//! with allocation N failing, for N = 1, 2, ... until it completes, with the
//! page cache and every scratch buffer in a bounded arena. Each failure must
//! be `OutOfMemory`, roll back to exactly the committed rows, leak nothing
//! in the arena, and leave a file SQLite's integrity check accepts.

use std::collections::BTreeMap;

use boundlite::RowId;
use boundlite::alloc::{Allocator, Arena, FaultAlloc, Global, Vec as BVec, oom_sweep};
use boundlite::btree::{TableCursor, TreeKind, TreeWriter};
use boundlite::format::PageSize;
use boundlite::pager::Pager;
use boundlite::platform::{File, MemoryPlatform, OpenMode, Platform};
use boundlite::record::{RecordRef, ValueRef, encode_into};
use boundlite::{Config, Error, PageNo};

const PATH: &str = "oom.db";

fn row(id: i64, len: usize) -> BVec<u8> {
    let text = vec![b'a' + (id % 26) as u8; len];
    let mut out = BVec::new();
    encode_into(&[ValueRef::Integer(id), ValueRef::Blob(&text)], &mut out).unwrap();
    out
}

fn config() -> Config {
    Config {
        page_size: PageSize::new(512).unwrap(),
        cache_frames: 64,
        ..Config::DEFAULT
    }
}

/// Rows of the table rooted at `root`: rowid → payload length.
fn rows<F: File, A: Allocator + Clone>(pager: &Pager<F, A>, root: PageNo) -> BTreeMap<i64, usize> {
    let mut cursor = TableCursor::new(pager, root, BVec::new());
    let mut out = BTreeMap::new();
    let mut more = cursor.first().unwrap();
    while more {
        let payload = cursor.payload().unwrap();
        RecordRef::parse(&payload, None).unwrap();
        let len = payload.len();
        drop(payload);
        out.insert(cursor.rowid().unwrap().get(), len);
        more = cursor.next().unwrap();
    }
    out
}

/// A database with a schema entry for table `t` and 40 committed rows.
fn setup(disk: &MemoryPlatform) -> PageNo {
    let file = (&disk).open(PATH, OpenMode::Create).unwrap();
    let pager = Pager::open(file, None, OpenMode::Create, &config(), Global).unwrap();
    let mut writer = TreeWriter::new_in(Global);
    pager.begin_write().unwrap();
    writer.create_tree(&pager, TreeKind::Table).unwrap();
    let root = writer.create_tree(&pager, TreeKind::Table).unwrap();
    let mut schema = BVec::new();
    encode_into(
        &[
            ValueRef::Text(b"table"),
            ValueRef::Text(b"t"),
            ValueRef::Text(b"t"),
            ValueRef::Integer(i64::from(root.get())),
            ValueRef::Text(b"CREATE TABLE t(id, data)"),
        ],
        &mut schema,
    )
    .unwrap();
    writer
        .insert_row(&pager, PageNo::ONE, RowId::new(1), &schema)
        .unwrap();
    pager.update_header(|h| h.schema_cookie += 1).unwrap();
    for id in 1..=40 {
        writer
            .insert_row(
                &pager,
                root,
                RowId::new(id),
                &row(id, 30 + (id as usize % 5) * 200),
            )
            .unwrap();
    }
    pager.commit().unwrap();
    root
}

/// The transaction under test: inserts that split leaves and spill to
/// overflow pages, and deletes that merge pages and free chains.
fn transaction<F: File, A: Allocator + Clone>(
    pager: &Pager<F, A>,
    writer: &mut TreeWriter<A>,
    root: PageNo,
) -> Result<(), Error> {
    pager.begin_write()?;
    for id in 41..=70 {
        writer.insert_row(
            pager,
            root,
            RowId::new(id),
            &row(id, if id % 7 == 0 { 1500 } else { 60 }),
        )?;
    }
    for id in (1..=40).filter(|id| id % 3 != 0) {
        writer.delete_row(pager, root, RowId::new(id))?;
    }
    writer.insert_row(pager, root, RowId::new(3), &row(3, 900))?;
    pager.commit()
}

fn sqlite_integrity(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("copy.db");
    std::fs::write(&path, bytes).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap()
}

fn sweep(persistent: bool) -> usize {
    let disk = MemoryPlatform::new();
    let root = setup(&disk);
    let before = {
        let file = (&disk).open(PATH, OpenMode::ReadOnly).unwrap();
        rows(
            &Pager::open(file, None, OpenMode::ReadOnly, &config(), Global).unwrap(),
            root,
        )
    };
    let committed = disk.file_bytes(PATH).unwrap();
    let mut buffer = vec![0u8; 256 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    let report = oom_sweep(
        &fault,
        persistent,
        |f| {
            // A run whose cache absorbed its failure by evicting commits:
            // every run starts from the same committed file.
            disk.write_file(PATH, &committed).map_err(Error::from)?;
            let file = (&disk)
                .open(PATH, OpenMode::ReadWrite)
                .map_err(Error::from)?;
            let pager = Pager::open(file, None, OpenMode::ReadWrite, &config(), f)?;
            let mut writer = TreeWriter::new_in(f);
            let result = transaction(&pager, &mut writer, root);
            if result.is_err() {
                if pager.in_write_transaction() {
                    pager.rollback().unwrap();
                }
                // The same pager, after the failure, reads the committed
                // rows and nothing else.
                let seen = f.unfaulted(|| rows(&pager, root));
                assert_eq!(seen, before, "rows after a failed transaction");
            }
            result
        },
        |n, e| {
            assert_eq!(e, Error::OutOfMemory, "failure {n}");
            assert_eq!(arena.stats().live_allocations, 0, "failure {n} leaked");
            assert_eq!(
                disk.file_bytes(PATH).unwrap(),
                committed,
                "failure {n} wrote to the file"
            );
            let file = (&disk).open(PATH, OpenMode::ReadOnly).unwrap();
            let pager = Pager::open(file, None, OpenMode::ReadOnly, &config(), Global).unwrap();
            let report = boundlite::integrity::integrity_check(&pager, Global, 0).unwrap();
            assert!(report.is_ok(), "failure {n}: {report}");
        },
    )
    .unwrap();
    let after = disk.file_bytes(PATH).unwrap();
    assert_eq!(sqlite_integrity(&after), "ok");
    {
        let file = (&disk).open(PATH, OpenMode::ReadOnly).unwrap();
        let pager = Pager::open(file, None, OpenMode::ReadOnly, &config(), Global).unwrap();
        let report = boundlite::integrity::integrity_check(&pager, Global, 0).unwrap();
        assert!(report.is_ok(), "after the sweep: {report}");
    }
    let file = (&disk).open(PATH, OpenMode::ReadOnly).unwrap();
    let final_rows = rows(
        &Pager::open(file, None, OpenMode::ReadOnly, &config(), Global).unwrap(),
        root,
    );
    // 13 rows kept (multiples of 3), 30 added; row 3 replaced in place.
    assert_eq!(final_rows.len(), 13 + 30);
    assert_eq!(final_rows.get(&3), Some(&row(3, 900).len()));
    assert!(
        report.failure_points > 20,
        "only {} allocation points",
        report.failure_points
    );
    println!(
        "btree OOM sweep ({}): {} failure points, {} errors",
        if persistent {
            "persistent"
        } else {
            "transient"
        },
        report.failure_points,
        report.errors
    );
    report.failure_points
}

#[test]
fn every_transient_allocation_failure_rolls_back_cleanly() {
    sweep(false);
}

#[test]
fn every_persistent_allocation_failure_rolls_back_cleanly() {
    sweep(true);
}
