//! Cursors over hand-built trees of several shapes, against a sorted
//! model: full scans both ways, every seek mode at every key and between
//! keys, a step each way from every landing place, spilled payloads, and
//! corrupt trees that must fail with `Corrupt` and never loop.
// Test scaffolding allocates with std's infallible collections.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

extern crate std;

use std::vec::Vec as StdVec;

use crate::alloc::{FaultAlloc, FaultPlan, Global, Vec};
use crate::btree::cursor::{IndexCursor, SeekMode, TableCursor};
use crate::btree::page::PageKind;
use crate::btree::tests::{TestDb, assert_corrupt, no};
use crate::record::{KeyColumn, RecordRef, ValueRef, encode_into};
use crate::{Error, Result, RowId};

const MODES: [SeekMode; 5] = [
    SeekMode::Eq,
    SeekMode::Ge,
    SeekMode::Gt,
    SeekMode::Le,
    SeekMode::Lt,
];

/// Rows with even rowids 2, 4, ... whose payload sizes `size` picks.
fn rows(n: i64, size: impl Fn(i64) -> usize) -> StdVec<(i64, StdVec<u8>)> {
    (1..=n)
        .map(|i| {
            let payload = (0..size(i)).map(|j| (i as usize * 31 + j) as u8).collect();
            (2 * i, payload)
        })
        .collect()
}

/// Where `mode` lands among sorted `keys` for `target`: an index into
/// `keys`.
fn model_seek<K: Ord + Copy>(keys: &[K], target: K, mode: SeekMode) -> Option<usize> {
    let first_ge = keys.partition_point(|k| *k < target);
    let first_gt = keys.partition_point(|k| *k <= target);
    match mode {
        SeekMode::Eq => (keys.get(first_ge) == Some(&target)).then_some(first_ge),
        SeekMode::Ge => (first_ge < keys.len()).then_some(first_ge),
        SeekMode::Gt => (first_gt < keys.len()).then_some(first_gt),
        SeekMode::Le => first_gt.checked_sub(1),
        SeekMode::Lt => first_ge.checked_sub(1),
    }
}

fn table_cursor(db: &TestDb, root: u32) -> TableCursor<'_, TestDb, Global> {
    TableCursor::new(db, no(root), Vec::new())
}

fn check_table(db: &TestDb, root: u32, rows: &[(i64, StdVec<u8>)]) {
    let keys: StdVec<i64> = rows.iter().map(|r| r.0).collect();
    let mut cursor = table_cursor(db, root);
    // Forward, with every payload.
    let mut seen = StdVec::new();
    let mut on = cursor.first().unwrap();
    while on {
        let rowid = cursor.rowid().unwrap().get();
        let expected = &rows[seen.len()].1;
        assert_eq!(cursor.payload_size().unwrap() as usize, expected.len());
        assert_eq!(&cursor.payload().unwrap()[..], &expected[..], "row {rowid}");
        seen.push(rowid);
        on = cursor.next().unwrap();
    }
    assert_eq!(seen, keys);
    assert!(!cursor.is_positioned());
    assert!(!cursor.next().unwrap());
    assert!(matches!(cursor.rowid(), Err(Error::Misuse(_))));
    // Backward.
    let mut seen = StdVec::new();
    let mut on = cursor.last().unwrap();
    while on {
        seen.push(cursor.rowid().unwrap().get());
        on = cursor.prev().unwrap();
    }
    seen.reverse();
    assert_eq!(seen, keys);
    check_scan(&mut cursor, rows);
    check_seek_near(&mut cursor, &keys);
    check_seek_then(&mut cursor, rows);
    // Every seek, then a step each way.
    let max = keys.last().copied().unwrap_or(0);
    for target in (-1..=max + 2).chain([i64::MIN, i64::MAX]) {
        for mode in MODES {
            let expected = model_seek(&keys, target, mode);
            let found = cursor.seek(RowId::new(target), mode).unwrap();
            assert_eq!(found, expected.is_some(), "{mode:?} {target}");
            let Some(at) = expected else {
                assert!(!cursor.is_positioned());
                continue;
            };
            assert_eq!(cursor.rowid().unwrap().get(), keys[at], "{mode:?} {target}");
            let next = cursor.next().unwrap();
            assert_eq!(next, at + 1 < keys.len());
            if next {
                assert_eq!(cursor.rowid().unwrap().get(), keys[at + 1]);
            }
            cursor.seek(RowId::new(target), mode).unwrap();
            let prev = cursor.prev().unwrap();
            assert_eq!(prev, at > 0);
            if prev {
                assert_eq!(cursor.rowid().unwrap().get(), keys[at - 1]);
            }
        }
    }
}

/// `seek_near` from rows spread over the table (and from no row) to
/// every rowid, and between them, finds what an equality seek finds,
/// whether the target is on the leaf the cursor is on or not.
fn check_seek_near(cursor: &mut TableCursor<'_, TestDb, Global>, keys: &[i64]) {
    let max = keys.last().copied().unwrap_or(0);
    let spread = keys.iter().copied().step_by(keys.len() / 16 + 1);
    let starts = spread.map(Some).chain([None]);
    for start in starts {
        for target in -1..=max + 2 {
            match start {
                Some(from) => assert!(cursor.seek(RowId::new(from), SeekMode::Eq).unwrap()),
                None => assert!(!cursor.seek(RowId::new(-5), SeekMode::Eq).unwrap()),
            }
            let expected = model_seek(keys, target, SeekMode::Eq);
            let found = cursor.seek_near(RowId::new(target)).unwrap();
            assert_eq!(found, expected.is_some(), "{start:?} to {target}");
            match expected {
                Some(at) => {
                    assert_eq!(cursor.rowid().unwrap().get(), keys[at]);
                    assert_eq!(cursor.next().unwrap(), at + 1 < keys.len());
                }
                None => assert!(!cursor.is_positioned(), "{start:?} to {target}"),
            }
        }
    }
}

/// `seek_then` to every rowid, and between them, reads the row an
/// equality seek finds (its payload, spilled ones assembled) and leaves
/// the cursor on it; a rowid not in the table is `None` and leaves it
/// unpositioned, the reader never called.
fn check_seek_then(cursor: &mut TableCursor<'_, TestDb, Global>, rows: &[(i64, StdVec<u8>)]) {
    let keys: StdVec<i64> = rows.iter().map(|r| r.0).collect();
    let max = keys.last().copied().unwrap_or(0);
    for target in (-1..=max + 2).chain([i64::MIN, i64::MAX]) {
        let read = cursor
            .seek_then(RowId::new(target), |rowid, record| {
                Ok((rowid.get(), record.into_whole()?.to_vec()))
            })
            .unwrap();
        match model_seek(&keys, target, SeekMode::Eq) {
            Some(at) => {
                assert_eq!(read.as_ref(), Some(&rows[at]), "{target}");
                assert_eq!(cursor.rowid().unwrap().get(), keys[at]);
                assert_eq!(cursor.next().unwrap(), at + 1 < keys.len());
            }
            None => {
                assert_eq!(read, None, "{target}");
                assert!(!cursor.is_positioned(), "{target}");
            }
        }
    }
}

/// A scan that visits every row sees each with its payload, in order,
/// and ends unpositioned; one that stops at every third row stands on
/// it, and goes on from it once stepped past.
fn check_scan(cursor: &mut TableCursor<'_, TestDb, Global>, rows: &[(i64, StdVec<u8>)]) {
    let mut seen = StdVec::new();
    let on = cursor.first().unwrap();
    let stopped = cursor
        .scan(|rowid, payload| {
            seen.push((rowid.get(), payload.to_vec()));
            Ok(false)
        })
        .unwrap();
    assert!(!stopped);
    assert_eq!(on, !rows.is_empty());
    assert_eq!(seen, rows);
    assert!(!cursor.is_positioned());
    assert!(!cursor.scan(|_, _| Ok(true)).unwrap());

    let mut stops = StdVec::new();
    let mut on = cursor.first().unwrap();
    while on && cursor.scan(|rowid, _| Ok(rowid.get() % 6 == 0)).unwrap() {
        let rowid = cursor.rowid().unwrap().get();
        assert_eq!(
            &cursor.payload().unwrap()[..],
            &rows[(rowid / 2 - 1) as usize].1[..]
        );
        stops.push(rowid);
        on = cursor.next().unwrap();
    }
    let expected: StdVec<i64> = rows.iter().map(|r| r.0).filter(|k| k % 6 == 0).collect();
    assert_eq!(stops, expected);
}

#[test]
fn table_trees_of_every_shape_scan_and_seek() {
    let shapes = [
        (512, 0, 4, 3),
        (512, 1, 4, 3),
        (512, 4, 4, 3),
        (512, 5, 4, 3),
        (512, 40, 4, 3),
        (1024, 300, 3, 2),
        (4096, 200, 10, 7),
    ];
    for (page_size, n, per_leaf, fanout) in shapes {
        let mut db = TestDb::new(page_size, page_size);
        let rows = rows(n, |i| (i % 5) as usize * 7);
        let root = db.table_tree(&rows, per_leaf, fanout);
        check_table(&db, root, &rows);
    }
}

#[test]
fn table_rows_that_spill_are_assembled() {
    let mut db = TestDb::new(4096, 4000);
    let sizes = [0, 10, 500, 3965, 3966, 5000, 9000, 16_000];
    let rows = rows(60, |i| sizes[i as usize % sizes.len()]);
    let root = db.table_tree(&rows, 1, 3);
    check_table(&db, root, &rows);
    let mut cursor = table_cursor(&db, root);
    assert!(cursor.seek(RowId::new(2 * 6), SeekMode::Eq).unwrap()); // 9000 bytes
    assert!(!cursor.payload().unwrap().is_on_page());
    assert!(cursor.seek(RowId::new(2 * 2), SeekMode::Eq).unwrap()); // 500 bytes
    assert!(cursor.payload().unwrap().is_on_page());
}

#[test]
fn a_table_rooted_on_page_one_is_read_past_the_header() {
    let mut db = TestDb::new(512, 512);
    let rows = rows(3, |_| 5);
    let cells: StdVec<_> = rows
        .iter()
        .map(|(id, p)| db.table_leaf_cell(*id, p))
        .collect();
    let bytes = db.build_page(1, PageKind::TableLeaf, &cells, 0);
    db.set(1, bytes);
    check_table(&db, 1, &rows);
}

/// Index entries (k, blob, rowid) with k = i / 3: runs of equal first
/// columns.
fn index_entries(n: i64, blob: impl Fn(i64) -> usize) -> StdVec<(i64, i64, StdVec<u8>)> {
    (0..n)
        .map(|i| {
            let k = i / 3;
            let mut out = Vec::new();
            // The blob opens with the entry's place in its run, so entries
            // sort by (k, blob, rowid) in the order they are made.
            let pad: StdVec<u8> = [(i % 3) as u8]
                .into_iter()
                .chain((0..blob(i)).map(|j| j as u8))
                .collect();
            encode_into(
                &[
                    ValueRef::Integer(k),
                    ValueRef::Blob(&pad),
                    ValueRef::Integer(i),
                ],
                &mut out,
            )
            .unwrap();
            (k, i, out.as_slice().to_vec())
        })
        .collect()
}

fn decode(payload: &[u8]) -> (i64, i64) {
    let record = RecordRef::parse(payload, None).unwrap();
    let k = record.column(0).unwrap().as_integer().unwrap();
    let rowid = record.column(2).unwrap().as_integer().unwrap();
    (k, rowid)
}

fn current(cursor: &mut IndexCursor<'_, TestDb, Global>) -> (i64, i64) {
    decode(&cursor.payload().unwrap())
}

fn check_index(db: &TestDb, root: u32, entries: &[(i64, i64, StdVec<u8>)]) {
    let keys: StdVec<(i64, i64)> = entries.iter().map(|e| (e.0, e.1)).collect();
    let firsts: StdVec<i64> = entries.iter().map(|e| e.0).collect();
    let mut cursor = IndexCursor::new(db, no(root), Vec::new());
    let mut seen = StdVec::new();
    let mut on = cursor.first().unwrap();
    while on {
        let payload = cursor.payload().unwrap();
        assert_eq!(&payload[..], &entries[seen.len()].2[..]);
        seen.push(decode(&payload));
        on = cursor.next().unwrap();
    }
    assert_eq!(seen, keys);
    let mut seen = StdVec::new();
    let mut on = cursor.last().unwrap();
    while on {
        assert_eq!(
            cursor.payload_size().unwrap() as usize,
            entries[entries.len() - 1 - seen.len()].2.len()
        );
        seen.push(current(&mut cursor));
        on = cursor.prev().unwrap();
    }
    seen.reverse();
    assert_eq!(seen, keys);
    // Prefix seeks on the first column, then a step each way.
    let columns = [KeyColumn::default()];
    let max = firsts.last().copied().unwrap_or(0);
    for target in -1..=max + 1 {
        for mode in MODES {
            // With a prefix key, "equal" covers a run: Ge/Eq/Lt look at its
            // start, Gt/Le at its end.
            let expected = model_seek(&firsts, target, mode);
            let key = [ValueRef::Integer(target)];
            let found = cursor.seek(&key, &columns, mode).unwrap();
            assert_eq!(found, expected.is_some(), "{mode:?} {target}");
            let Some(at) = expected else {
                assert!(!cursor.is_positioned());
                continue;
            };
            assert_eq!(current(&mut cursor), keys[at], "{mode:?} {target}");
            let next = cursor.next().unwrap();
            assert_eq!(next, at + 1 < keys.len());
            if next {
                assert_eq!(current(&mut cursor), keys[at + 1]);
            }
            cursor.seek(&key, &columns, mode).unwrap();
            let prev = cursor.prev().unwrap();
            assert_eq!(prev, at > 0);
            if prev {
                assert_eq!(current(&mut cursor), keys[at - 1]);
            }
        }
    }
    // Whole-record seeks find each entry exactly.
    for (at, entry) in entries.iter().enumerate() {
        let record = RecordRef::parse(&entry.2, None).unwrap();
        assert!(cursor.seek_record(&record, &[], SeekMode::Eq).unwrap());
        assert_eq!(current(&mut cursor), keys[at]);
    }
}

#[test]
fn index_trees_of_every_shape_scan_and_seek() {
    let shapes = [
        (512, 0, 4, 2),
        (512, 1, 4, 2),
        (512, 4, 4, 2),
        (512, 5, 4, 2),
        (512, 60, 4, 2),
        (1024, 400, 6, 3),
        (4096, 300, 20, 9),
    ];
    for (page_size, n, per_leaf, fanout) in shapes {
        let mut db = TestDb::new(page_size, page_size);
        let entries = index_entries(n, |i| (i % 4) as usize);
        let blobs: StdVec<_> = entries.iter().map(|e| e.2.clone()).collect();
        let root = db.index_tree(&blobs, per_leaf, fanout);
        check_index(&db, root, &entries);
    }
}

#[test]
fn index_keys_that_spill_are_compared_and_assembled() {
    // On 512-byte pages an index payload above 102 bytes spills, on
    // interior pages as on leaves.
    let mut db = TestDb::new(512, 512);
    let entries = index_entries(80, |i| [0, 90, 100, 200, 700, 1500][i as usize % 6]);
    let blobs: StdVec<_> = entries.iter().map(|e| e.2.clone()).collect();
    let root = db.index_tree(&blobs, 4, 2);
    check_index(&db, root, &entries);
}

#[test]
fn descending_key_columns_reverse_the_order() {
    let mut db = TestDb::new(512, 512);
    // Entries sorted by k descending.
    let mut entries = index_entries(30, |_| 0);
    entries.sort_by_key(|e| (-e.0, e.1));
    let blobs: StdVec<_> = entries.iter().map(|e| e.2.clone()).collect();
    let root = db.index_tree(&blobs, 4, 2);
    let desc = [KeyColumn {
        order: crate::record::SortOrder::Desc,
        ..KeyColumn::default()
    }];
    let mut cursor = IndexCursor::new(&db, no(root), Vec::new());
    assert!(
        cursor
            .seek(&[ValueRef::Integer(5)], &desc, SeekMode::Ge)
            .unwrap()
    );
    assert_eq!(current(&mut cursor), (5, 15));
    assert!(
        cursor
            .seek(&[ValueRef::Integer(5)], &desc, SeekMode::Gt)
            .unwrap()
    );
    assert_eq!(current(&mut cursor), (4, 12));
    assert!(
        cursor
            .seek(&[ValueRef::Integer(5)], &desc, SeekMode::Le)
            .unwrap()
    );
    assert_eq!(current(&mut cursor), (5, 17));
}

#[test]
fn stepping_allocates_nothing_and_spilling_reports_out_of_memory() {
    let mut db = TestDb::new(512, 512);
    // Row 50's payload keeps only M = 39 bytes local.
    let rows = rows(50, |i| if i == 25 { 2013 } else { 20 });
    let root = db.table_tree(&rows, 4, 3);
    let fault = FaultAlloc::new(Global);
    fault.arm(FaultPlan::From(1));
    let mut cursor = TableCursor::new(&db, no(root), Vec::new_in(&fault));
    let mut count = 0;
    let mut on = cursor.first().unwrap();
    while on {
        if cursor.rowid().unwrap().get() == 50 {
            assert_eq!(cursor.payload().map(|p| p.len()), Err(Error::OutOfMemory));
        } else {
            assert_eq!(cursor.payload().unwrap().len(), 20);
        }
        count += 1;
        on = cursor.next().unwrap();
    }
    assert_eq!(count, 50);
    assert_eq!(fault.seen(), 1);
    // A scan reaches the spilled row without allocating, fails there with
    // `OutOfMemory` and leaves the cursor unpositioned; once memory is
    // back, it goes on past it.
    let mut visited = StdVec::new();
    assert!(cursor.first().unwrap());
    let scanned = cursor.scan(|rowid, _| {
        visited.push(rowid.get());
        Ok(false)
    });
    assert_eq!(scanned, Err(Error::OutOfMemory));
    assert_eq!(visited, (1..25).map(|i| 2 * i).collect::<StdVec<_>>());
    assert!(!cursor.is_positioned());
    assert_eq!(fault.seen(), 2);
    fault.arm(FaultPlan::Never);
    assert!(cursor.seek(RowId::new(48), SeekMode::Eq).unwrap());
    assert!(cursor.scan(|_, payload| Ok(payload.len() == 2013)).unwrap());
    assert_eq!(cursor.rowid().unwrap().get(), 50);
    assert!(!cursor.scan(|rowid, _| Ok(rowid > RowId::new(100))).unwrap());
    // A seek that reads its row allocates nothing for a row kept on its
    // leaf, and fails on the spilled row with `OutOfMemory`, unpositioned.
    fault.arm(FaultPlan::From(1));
    let mut cursor = TableCursor::new(&db, no(root), Vec::new_in(&fault));
    let read = |rowid: i64, cursor: &mut TableCursor<'_, TestDb, &FaultAlloc<Global>>| {
        cursor.seek_then(RowId::new(rowid), |_, record| {
            Ok(record.into_whole()?.len())
        })
    };
    assert_eq!(read(48, &mut cursor), Ok(Some(20)));
    assert_eq!(read(50, &mut cursor), Err(Error::OutOfMemory));
    assert!(!cursor.is_positioned());
    assert_eq!(fault.seen(), 1);
    fault.arm(FaultPlan::Never);
    assert_eq!(read(50, &mut cursor), Ok(Some(2013)));
}

/// A small two-level table whose right-most leaf `damage` then breaks.
fn two_level(damage: impl FnOnce(&mut TestDb, u32, u32)) -> (TestDb, u32) {
    let mut db = TestDb::new(512, 512);
    let rows = rows(12, |_| 3);
    let root = db.table_tree(&rows, 4, 3);
    // Leaves are pages 2, 3, 4; the root is 5.
    assert_eq!(root, 5);
    damage(&mut db, root, 4);
    (db, root)
}

fn set_right_child(db: &mut TestDb, page: u32, child: u32) {
    db.bytes_mut(page)[8..12].copy_from_slice(&child.to_be_bytes());
}

#[test]
fn broken_child_pointers_are_corrupt_and_leave_the_cursor_usable() {
    type Damage = fn(&mut TestDb, u32, u32);
    let cases: [(&str, Damage, u32); 6] = [
        (
            "past the end",
            |db, root, _| set_right_child(db, root, 99),
            5,
        ),
        (
            "to its own page",
            |db, root, _| set_right_child(db, root, root),
            5,
        ),
        ("to page 0", |db, root, _| set_right_child(db, root, 0), 5),
        ("to page 1", |db, root, _| set_right_child(db, root, 1), 5),
        (
            "to an index page",
            |db, _, leaf| db.bytes_mut(leaf)[0] = PageKind::IndexLeaf.to_byte(),
            4,
        ),
        (
            "to an empty leaf",
            |db, _, leaf| db.bytes_mut(leaf)[3..5].copy_from_slice(&[0, 0]),
            4,
        ),
    ];
    for (name, damage, page) in cases {
        let (db, root) = two_level(damage);
        let mut cursor = table_cursor(&db, root);
        // The left part of the tree still reads.
        assert!(cursor.first().unwrap(), "{name}");
        for _ in 0..7 {
            assert!(cursor.next().unwrap(), "{name}");
        }
        assert_corrupt(cursor.next(), page);
        assert!(!cursor.is_positioned(), "{name}");
        assert_corrupt(cursor.last(), page);
        assert_corrupt(cursor.seek(RowId::new(24), SeekMode::Eq), page);
        assert!(cursor.seek(RowId::new(2), SeekMode::Eq).unwrap(), "{name}");
        assert_eq!(cursor.rowid(), Ok(RowId::new(2)));
    }
}

#[test]
fn a_tree_deeper_than_the_limit_is_corrupt() {
    let mut db = TestDb::new(512, 512);
    let cell = db.table_leaf_cell(1, b"x");
    let mut child = db.add(PageKind::TableLeaf, &[cell], 0);
    for _ in 0..25 {
        child = db.add(
            PageKind::TableInterior,
            &[TestDb::table_interior_cell(child, 1)],
            child,
        );
    }
    let mut cursor = table_cursor(&db, child);
    assert!(matches!(cursor.first(), Err(Error::Corrupt { .. })));
    assert!(matches!(
        cursor.seek(RowId::new(1), SeekMode::Ge),
        Err(Error::Corrupt { .. })
    ));
}

#[test]
fn a_cycle_between_pages_is_corrupt() {
    let mut db = TestDb::new(512, 512);
    // 2 -> 3 -> 2, both interior.
    let a = db.reserve();
    let b = db.add(
        PageKind::TableInterior,
        &[TestDb::table_interior_cell(a, 5)],
        a,
    );
    let bytes = db.build_page(
        a,
        PageKind::TableInterior,
        &[TestDb::table_interior_cell(b, 5)],
        b,
    );
    db.set(a, bytes);
    let mut cursor = table_cursor(&db, a);
    assert_corrupt(cursor.first(), b);
    assert_corrupt(cursor.last(), b);
}

#[test]
fn the_root_must_be_the_cursors_kind_of_tree() {
    let mut db = TestDb::new(512, 512);
    let root = db.add(PageKind::IndexLeaf, &[], 0);
    assert_corrupt(table_cursor(&db, root).first(), root);
    let root = db.add(PageKind::TableLeaf, &[], 0);
    let mut cursor = IndexCursor::new(&db, no(root), Vec::new());
    assert_corrupt(cursor.first(), root);
    assert_corrupt(table_cursor(&db, 99).first(), 99);
}

#[test]
fn a_spilled_payload_whose_chain_loops_is_corrupt() {
    let mut db = TestDb::new(512, 512);
    let rows = rows(1, |_| 3000);
    let root = db.table_tree(&rows, 1, 2);
    // The chain is on pages 2..; the leaf was added last.
    db.bytes_mut(3)[..4].copy_from_slice(&2u32.to_be_bytes());
    let mut cursor = table_cursor(&db, root);
    assert!(cursor.first().unwrap());
    assert!(matches!(
        cursor.payload().map(|p| p.len()),
        Err(Error::Corrupt { .. })
    ));
    assert!(cursor.is_positioned());
}

/// Runs every move on a cursor over `db`, ignoring results: the point is
/// that nothing panics and everything ends.
fn exercise(db: &TestDb, root: u32, index: bool) -> Result<()> {
    if index {
        let mut cursor = IndexCursor::new(db, no(root), Vec::new());
        let mut steps = 0;
        let mut on = cursor.first()?;
        while on && steps < 10_000 {
            let _ = cursor.payload().map(|p| p.len());
            on = cursor.next()?;
            steps += 1;
        }
        assert!(steps < 10_000);
        let _ = cursor.last().and_then(|_| cursor.prev());
        for mode in MODES {
            let _ = cursor.seek(&[ValueRef::Integer(7)], &[], mode);
        }
    } else {
        let mut cursor = TableCursor::new(db, no(root), Vec::new());
        let mut steps = 0;
        let mut on = cursor.first()?;
        while on && steps < 10_000 {
            let _ = cursor.payload().map(|p| p.len());
            on = cursor.next()?;
            steps += 1;
        }
        assert!(steps < 10_000);
        let _ = cursor.last().and_then(|_| cursor.prev());
        for mode in MODES {
            let _ = cursor.seek(RowId::new(20), mode);
        }
        let mut visits = 0;
        if cursor.first().unwrap_or(false) {
            let _ = cursor.scan(|_, _| {
                visits += 1;
                Ok(visits >= 10_000)
            });
        }
        assert!(visits < 10_000);
    }
    Ok(())
}

#[test]
fn damaged_trees_never_panic_or_hang() {
    let mut table = TestDb::new(512, 512);
    let rows = rows(30, |i| if i % 7 == 0 { 700 } else { 9 });
    let table_root = table.table_tree(&rows, 3, 3);
    let mut index = TestDb::new(512, 512);
    let entries = index_entries(30, |i| if i % 7 == 0 { 300 } else { 2 });
    let blobs: StdVec<_> = entries.iter().map(|e| e.2.clone()).collect();
    let index_root = index.index_tree(&blobs, 4, 2);
    for (mut db, root, is_index) in [(table, table_root, false), (index, index_root, true)] {
        exercise(&db, root, is_index).unwrap();
        for page in 2..=db.pages.len() as u32 {
            // The header, the pointer array and the tail of each page, where
            // the cells are.
            for at in (0..40).chain(440..512) {
                for value in [0x00, 0x02, 0x05, 0x0a, 0x0d, 0x7f, 0xff] {
                    let original = db.bytes_mut(page)[at];
                    db.bytes_mut(page)[at] = value;
                    let _ = exercise(&db, root, is_index);
                    db.bytes_mut(page)[at] = original;
                }
            }
        }
    }
}
