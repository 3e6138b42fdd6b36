//! SQLite's local-payload rule at the usable sizes that matter, and cell
//! sizes against cells built and parsed.

use super::*;
use crate::btree::cell::MIN_CELL_SIZE;
use crate::btree::page::BTreePage;
use crate::btree::payload::{
    index_interior_cell_size, index_leaf_cell_size, overflow_page_count, table_interior_cell_size,
    table_leaf_cell_size,
};

/// (U, table X, index X, M), computed from SQLite's formulas by hand.
const LIMITS: [(u32, u32, u32, u32); 6] = [
    (480, 445, 94, 35),
    (512, 477, 102, 39),
    (1024, 989, 230, 103),
    (4096, 4061, 1002, 489),
    (65336, 65301, 16372, 8174),
    (65536, 65501, 16422, 8199),
];

#[test]
fn limits_match_sqlites_formulas() {
    for (usable, table, index, min) in LIMITS {
        assert_eq!(PayloadKind::Table.max_local(usable), table, "U={usable}");
        assert_eq!(PayloadKind::Index.max_local(usable), index, "U={usable}");
        assert_eq!(PayloadKind::min_local(usable), min, "U={usable}");
    }
}

#[test]
fn local_size_at_known_points() {
    let table = PayloadKind::Table;
    let index = PayloadKind::Index;
    // All local up to X.
    assert_eq!(table.local_size(4096, 0), 0);
    assert_eq!(table.local_size(4096, 4061), 4061);
    assert_eq!(index.local_size(4096, 1002), 1002);
    // One past X: K = M + (P - M) % (U - 4) is P itself, above X, so M.
    assert_eq!(table.local_size(4096, 4062), 489);
    assert_eq!(index.local_size(4096, 1003), 489);
    assert_eq!(table.local_size(512, 478), 39);
    // K fits: the overflow pages are filled exactly.
    assert_eq!(table.local_size(4096, 5000), 908);
    assert_eq!(index.local_size(512, 565), 57);
    assert_eq!(table.local_size(65536, 65502), 8199);
    assert_eq!(table.local_size(65536, 65532 + 8199 + 10), 8209);
}

#[test]
fn local_size_keeps_sqlites_invariants() {
    for (usable, ..) in LIMITS {
        let chunk = usable - 4;
        for kind in [PayloadKind::Table, PayloadKind::Index] {
            let (max, min) = (kind.max_local(usable), PayloadKind::min_local(usable));
            let interesting = (0..=3u32).flat_map(|pages| {
                let base = max + pages * chunk;
                base.saturating_sub(600)..base + 600
            });
            for size in interesting {
                let local = kind.local_size(usable, size);
                if size <= max {
                    assert_eq!(local, size);
                    continue;
                }
                assert!(
                    (min..=max).contains(&local),
                    "U={usable} P={size} local={local}"
                );
                let spilled = size - local;
                // Either K (the last overflow page full) or M.
                assert!(spilled % chunk == 0 || local == min, "U={usable} P={size}");
                assert_eq!(
                    overflow_page_count(usable, size, local),
                    spilled.div_ceil(chunk)
                );
            }
        }
    }
}

#[test]
fn odd_usable_sizes_never_panic() {
    for usable in [0, 1, 4, 12, 35, u32::MAX] {
        for size in [0, 1, 100, u32::MAX] {
            let _ = PayloadKind::Table.local_size(usable, size);
            let _ = PayloadKind::Index.local_size(usable, size);
            let _ = overflow_page_count(usable, size, 0);
        }
    }
}

#[test]
fn cell_sizes_match_parsed_cells() {
    for (page_size, usable) in [(512, 512), (1024, 1000), (4096, 4096)] {
        for size in [
            0usize, 1, 2, 50, 101, 102, 103, 229, 230, 231, 476, 477, 478, 988, 989, 990,
        ] {
            for rowid in [0i64, 1, 300, -1, i64::MAX] {
                let mut db = TestDb::new(page_size, usable);
                let payload: StdVec<u8> = (0..size).map(|i| i as u8).collect();
                let cells = [
                    db.table_leaf_cell(rowid, &payload),
                    TestDb::table_interior_cell(2, rowid),
                    db.index_cell(None, &payload),
                    db.index_cell(Some(2), &payload),
                ];
                let u = usable as u32;
                let p = size as u32;
                let expected = [
                    table_leaf_cell_size(u, rowid, p),
                    table_interior_cell_size(rowid),
                    index_leaf_cell_size(u, p),
                    index_interior_cell_size(u, p),
                ];
                let kinds = [
                    PageKind::TableLeaf,
                    PageKind::TableInterior,
                    PageKind::IndexLeaf,
                    PageKind::IndexInterior,
                ];
                for ((cell, expected), kind) in cells.iter().zip(expected).zip(kinds) {
                    assert_eq!(cell.len().max(MIN_CELL_SIZE), expected, "{kind:?} P={size}");
                    let no = db.add(kind, core::slice::from_ref(cell), 2);
                    let page = BTreePage::parse(db.page(super::no(no)).unwrap(), super::no(no), u)
                        .unwrap();
                    assert_eq!(page.cell_with_size(0).unwrap().1, expected);
                }
            }
        }
    }
}
