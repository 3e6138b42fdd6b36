//! [`BTreePage`] and cell parsing on hand-built pages, well formed and
//! corrupt.

use super::*;
use crate::btree::cell::{Cell, Payload};
use crate::btree::page::{BTreePage, Freeblock};

fn parse(db: &TestDb, n: u32) -> Result<BTreePage<'_>> {
    BTreePage::parse(db.page(no(n))?, no(n), db.usable as u32)
}

#[test]
fn kinds_round_trip_their_flag_bytes() {
    for byte in 0..=255u8 {
        if let Some(kind) = PageKind::from_byte(byte) {
            assert_eq!(kind.to_byte(), byte);
            assert_eq!(kind.header_len(), if kind.is_leaf() { 8 } else { 12 });
        }
    }
    let known = (0..=255u8).filter(|b| PageKind::from_byte(*b).is_some());
    assert_eq!(known.collect::<StdVec<_>>(), [0x02, 0x05, 0x0a, 0x0d]);
}

#[test]
fn every_cell_kind_parses() {
    let mut db = TestDb::new(1024, 1000);
    let leaf = [
        db.table_leaf_cell(-5, b"abc"),
        db.table_leaf_cell(1 << 40, b""),
    ];
    let table_leaf = db.add(PageKind::TableLeaf, &leaf, 0);
    let interior = [TestDb::table_interior_cell(table_leaf, 99)];
    let table_interior = db.add(PageKind::TableInterior, &interior, table_leaf);
    let entries = [db.index_cell(None, b"key")];
    let index_leaf = db.add(PageKind::IndexLeaf, &entries, 0);
    let entries = [db.index_cell(Some(index_leaf), b"mid")];
    let index_interior = db.add(PageKind::IndexInterior, &entries, index_leaf);

    let page = parse(&db, table_leaf).unwrap();
    assert_eq!(page.kind(), PageKind::TableLeaf);
    assert_eq!(page.cell_count(), 2);
    assert_eq!(page.right_child(), Ok(None));
    assert_eq!(page.header_offset(), 0);
    assert_eq!(page.usable_size(), 1000);
    assert_eq!(page.first_freeblock(), None);
    assert_eq!(page.fragmented_bytes(), 0);
    assert_eq!(page.cell_pointers_end(), 12);
    let first = page.cell(0).unwrap();
    assert_eq!(first.rowid(), Some(-5));
    assert_eq!(first.left_child(), None);
    let payload = first.payload().unwrap();
    assert_eq!((payload.size(), payload.local()), (3, &b"abc"[..]));
    assert_eq!(payload.as_complete(), Some(&b"abc"[..]));
    assert_eq!(payload.first_overflow(), None);
    assert_eq!(page.cell(1).unwrap().rowid(), Some(1 << 40));
    assert_eq!(page.cell_pointer(1), Ok(page.content_start()));

    let page = parse(&db, table_interior).unwrap();
    assert_eq!(
        page.cell(0),
        Ok(Cell::TableInterior {
            left_child: no(table_leaf),
            rowid: 99
        })
    );
    assert_eq!(page.right_child(), Ok(Some(no(table_leaf))));
    assert_eq!(page.child(0), Ok(no(table_leaf)));
    assert_eq!(page.child(1), Ok(no(table_leaf)));
    assert!(matches!(page.child(2), Err(Error::Misuse(_))));
    assert_eq!(page.cell(0).unwrap().payload(), None);

    let page = parse(&db, index_leaf).unwrap();
    let Cell::IndexLeaf { payload } = page.cell(0).unwrap() else {
        panic!("not an index leaf cell");
    };
    assert_eq!(payload.local(), b"key");
    assert!(matches!(page.child(0), Err(Error::Misuse(_))));

    let page = parse(&db, index_interior).unwrap();
    let cell = page.cell(0).unwrap();
    assert_eq!(cell.left_child(), Some(no(index_leaf)));
    assert_eq!(cell.payload().map(Payload::local), Some(&b"mid"[..]));
    assert!(matches!(page.cell(1), Err(Error::Misuse(_))));
}

#[test]
fn page_one_has_its_header_after_the_database_header() {
    let mut db = TestDb::new(512, 512);
    let cell = db.table_leaf_cell(1, b"row");
    let bytes = db.build_page(1, PageKind::TableLeaf, &[cell], 0);
    db.set(1, bytes);
    let page = parse(&db, 1).unwrap();
    assert_eq!(page.header_offset(), 100);
    assert_eq!(page.cell_pointers_end(), 110);
    assert_eq!(page.cell(0).unwrap().rowid(), Some(1));
}

#[test]
fn content_start_zero_means_65536() {
    let mut db = TestDb::new(65536, 65536);
    let n = db.add(PageKind::TableLeaf, &[], 0);
    assert_eq!(db.page(no(n)).unwrap()[5..7], [0, 0]);
    assert_eq!(parse(&db, n).unwrap().content_start(), 65536);
    // With reserved bytes the same 0 is past the usable size.
    let mut db = TestDb::new(65536, 65536 - 32);
    let n = db.add(PageKind::TableLeaf, &[], 0);
    db.bytes_mut(n)[5..7].copy_from_slice(&[0, 0]);
    assert_corrupt(parse(&db, n), n);
}

#[test]
fn overflowing_cells_parse_their_first_overflow_page() {
    let mut db = TestDb::new(512, 512);
    let payload: StdVec<u8> = (0..2000u32).map(|i| i as u8).collect();
    let cell = db.table_leaf_cell(7, &payload);
    let n = db.add(PageKind::TableLeaf, &[cell], 0);
    let page = parse(&db, n).unwrap();
    let cell = page.cell(0).unwrap();
    let payload = cell.payload().unwrap();
    assert_eq!(payload.size(), 2000);
    assert_eq!(payload.local().len(), 39 + (2000 - 39) % 508);
    assert_eq!(payload.first_overflow(), Some(no(2)));
    assert_eq!(payload.as_complete(), None);
}

#[test]
fn freeblocks_are_walked_in_order() {
    let mut db = TestDb::new(512, 512);
    let cells = [db.table_leaf_cell(1, &[0; 20])];
    let n = db.add(PageKind::TableLeaf, &cells, 0);
    // Content starts at 512 - 22 = 490; make 400 the start and place two
    // freeblocks at 400 (8 bytes) and 420 (10 bytes).
    let bytes = db.bytes_mut(n);
    bytes[5..7].copy_from_slice(&400u16.to_be_bytes());
    bytes[1..3].copy_from_slice(&400u16.to_be_bytes());
    bytes[400..404].copy_from_slice(&[1, 164, 0, 8]);
    bytes[420..424].copy_from_slice(&[0, 0, 0, 10]);
    let page = parse(&db, n).unwrap();
    let blocks: StdVec<_> = page.freeblocks().collect();
    assert_eq!(
        blocks,
        [
            Ok(Freeblock {
                offset: 400,
                size: 8
            }),
            Ok(Freeblock {
                offset: 420,
                size: 10
            })
        ]
    );
    // A block pointing back at itself ends the walk with Corrupt.
    db.bytes_mut(n)[420..422].copy_from_slice(&420u16.to_be_bytes());
    let page = parse(&db, n).unwrap();
    let blocks: StdVec<_> = page.freeblocks().collect();
    assert_eq!(blocks.len(), 3);
    assert_corrupt(blocks[2], n);
    // A block running past the usable size.
    db.bytes_mut(n)[420..424].copy_from_slice(&[0, 0, 1, 0]);
    let page = parse(&db, n).unwrap();
    assert_corrupt(page.freeblocks().nth(1).unwrap(), n);
    // A first block before the content area.
    db.bytes_mut(n)[1..3].copy_from_slice(&200u16.to_be_bytes());
    let page = parse(&db, n).unwrap();
    assert_corrupt(page.freeblocks().next().unwrap(), n);
}

/// A change that breaks a page.
type Damage = fn(&mut [u8]);

/// A two-cell table leaf whose bytes `corrupt` then damages.
fn damaged(corrupt: impl FnOnce(&mut [u8])) -> (TestDb, u32) {
    let mut db = TestDb::new(1024, 1000);
    let cells = [
        db.table_leaf_cell(1, &[7; 30]),
        db.table_leaf_cell(2, &[8; 30]),
    ];
    let n = db.add(PageKind::TableLeaf, &cells, 0);
    corrupt(db.bytes_mut(n));
    (db, n)
}

#[test]
fn corrupt_headers_are_rejected() {
    let cases: [(&str, Damage); 5] = [
        ("unknown kind", |b| b[0] = 0x01),
        ("zero kind", |b| b[0] = 0),
        ("content past usable", |b| {
            b[5..7].copy_from_slice(&1010u16.to_be_bytes())
        }),
        ("pointers into content", |b| {
            b[3..5].copy_from_slice(&0x1000u16.to_be_bytes())
        }),
        ("max cell count", |b| {
            b[3..5].copy_from_slice(&u16::MAX.to_be_bytes())
        }),
    ];
    for (name, corrupt) in cases {
        let (db, n) = damaged(corrupt);
        match parse(&db, n) {
            Err(Error::Corrupt { page: Some(p), .. }) if p.get() == n => {}
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[test]
fn corrupt_cells_are_rejected() {
    let cases: [(&str, Damage); 5] = [
        ("pointer past usable", |b| {
            b[8..10].copy_from_slice(&1000u16.to_be_bytes())
        }),
        ("pointer past the page", |b| {
            b[8..10].copy_from_slice(&2000u16.to_be_bytes())
        }),
        ("pointer before content", |b| {
            b[8..10].copy_from_slice(&20u16.to_be_bytes())
        }),
        ("cell runs past usable", |b| {
            b[8..10].copy_from_slice(&995u16.to_be_bytes())
        }),
        ("short cell at the end", |b| {
            // A 2-byte cell at 998 would need 4 bytes on the page.
            b[998..1000].copy_from_slice(&[0, 1]);
            b[8..10].copy_from_slice(&998u16.to_be_bytes());
        }),
    ];
    for (name, corrupt) in cases {
        let (db, n) = damaged(corrupt);
        let page = parse(&db, n).unwrap();
        match page.cell(0) {
            Err(Error::Corrupt { page: Some(p), .. }) if p.get() == n => {}
            other => panic!("{name}: {other:?}"),
        }
        assert!(page.cell(1).is_ok(), "{name}");
    }
}

#[test]
fn zero_and_oversized_pointers_in_cells_are_corrupt() {
    let mut db = TestDb::new(512, 512);
    // Left child 0 in a table interior and an index interior cell.
    let n = db.add(
        PageKind::TableInterior,
        &[TestDb::table_interior_cell(0, 5)],
        2,
    );
    assert_corrupt(parse(&db, n).unwrap().cell(0), n);
    assert_corrupt(parse(&db, n).unwrap().child(0), n);
    let cell = db.index_cell(Some(0), b"k");
    let n = db.add(PageKind::IndexInterior, &[cell], 2);
    assert_corrupt(parse(&db, n).unwrap().cell(0), n);
    // Right-most child 0.
    let n = db.add(
        PageKind::TableInterior,
        &[TestDb::table_interior_cell(2, 5)],
        0,
    );
    assert_corrupt(parse(&db, n).unwrap().right_child(), n);
    assert_corrupt(parse(&db, n).unwrap().child(1), n);
    // First overflow page 0.
    let payload = [1u8; 600];
    let mut cell = db.table_leaf_cell(1, &payload);
    let len = cell.len();
    cell[len - 4..].copy_from_slice(&[0; 4]);
    let n = db.add(PageKind::TableLeaf, &[cell], 0);
    assert_corrupt(parse(&db, n).unwrap().cell(0), n);
    // A payload size beyond what SQLite allows.
    let mut cell = varint(1 << 31);
    cell.extend_from_slice(&[1, 0, 0, 0, 0]);
    let n = db.add(PageKind::TableLeaf, &[cell], 0);
    assert_corrupt(parse(&db, n).unwrap().cell(0), n);
    // A varint that runs off the usable area.
    let n = db.add(PageKind::TableLeaf, &[StdVec::from([0xff; 4])], 0);
    assert_corrupt(parse(&db, n).unwrap().cell(0), n);
}

#[test]
fn short_pages_and_bad_usable_sizes_are_errors() {
    let db = TestDb::new(512, 512);
    let bytes = db.build_page(2, PageKind::TableLeaf, &[], 0);
    assert_corrupt(BTreePage::parse(&bytes[..300], no(2), 512), 2);
    assert!(matches!(
        BTreePage::parse(&bytes, no(2), 100),
        Err(Error::Misuse(_))
    ));
    // Page 1 too short for the database header and a page header.
    assert_corrupt(BTreePage::parse(&[0; 104], no(1), 480), 1);
}

#[test]
fn every_byte_of_a_page_can_be_damaged_without_panic() {
    let mut db = TestDb::new(512, 512);
    let payload: StdVec<u8> = (0..700u32).map(|i| i as u8).collect();
    let cells = [
        db.table_leaf_cell(1, b"x"),
        db.table_leaf_cell(2, &payload),
        db.table_leaf_cell(3, b"yy"),
    ];
    let n = db.add(PageKind::TableLeaf, &cells, 0);
    let original = db.pages[n as usize - 1].clone();
    for at in 0..512 {
        for value in [0x00, 0x01, 0x7f, 0x80, 0xff] {
            let mut bytes = original.clone();
            bytes[at] = value;
            let Ok(page) = BTreePage::parse(&bytes, no(n), 512) else {
                continue;
            };
            let _ = page.right_child();
            let _ = page.freeblocks().count();
            for i in 0..page.cell_count().min(8) {
                let _ = page.cell_with_size(i);
            }
        }
    }
}

/// The rowid keys of `count` cells laid out as `layout` says: evenly
/// spaced, clustered at both ends, or spread over the whole range.
fn rowid_layout(layout: usize, count: i64) -> StdVec<i64> {
    (0..count)
        .map(|i| match layout {
            0 => i + 1,
            1 => 100 + 7 * i,
            2 if i < count / 2 => i,
            2 => 1_000_000 + i,
            3 => i * i * i - 50,
            4 => i64::MIN + i,
            5 => i64::MAX - count + i,
            _ => i64::MIN / count * (count - 1 - i) + i64::MAX / count * i,
        })
        .collect()
}

#[test]
fn rowid_searches_find_the_first_key_at_least_the_one_sought() {
    for layout in 0..7 {
        for count in [1i64, 2, 15, 16, 17, 40, 60] {
            let keys = rowid_layout(layout, count);
            let mut db = TestDb::new(4096, 4096);
            let cells: StdVec<_> = keys.iter().map(|&k| db.table_leaf_cell(k, b"")).collect();
            let leaf = db.add(PageKind::TableLeaf, &cells, 0);
            let cells: StdVec<_> = keys
                .iter()
                .map(|&k| TestDb::table_interior_cell(leaf, k))
                .collect();
            let interior = db.add(PageKind::TableInterior, &cells, leaf);
            let probes = keys
                .iter()
                .flat_map(|&k| [k, k.wrapping_sub(1), k.wrapping_add(1)])
                .chain([i64::MIN, i64::MAX, 0, -1, 1]);
            for page in [leaf, interior] {
                let page = parse(&db, page).unwrap();
                for rowid in probes.clone() {
                    for strict in [false, true] {
                        let expected = keys
                            .iter()
                            .position(|&k| if strict { k > rowid } else { k >= rowid })
                            .unwrap_or(keys.len());
                        assert_eq!(
                            page.search_rowid(rowid, strict),
                            Ok(expected as u16),
                            "layout {layout}, {count} cells, {:?}, rowid {rowid}, strict {strict}",
                            page.kind(),
                        );
                    }
                }
            }
        }
    }
}
