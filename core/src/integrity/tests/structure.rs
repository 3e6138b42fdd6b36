//! Damage to pages, trees, the freelist and overflow chains.

use super::*;

#[test]
fn a_page_nothing_uses_is_never_used() {
    let (mut bytes, _, _) = small_rows(10);
    let extra = append_page(&mut bytes);
    assert_eq!(problems(&bytes), [ProblemKind::NeverUsed(extra)]);
    assert_eq!(
        report_of(&bytes, 0).to_string(),
        std::format!("Page {extra}: never used")
    );
}

#[test]
fn a_child_in_another_tree_is_a_second_reference() {
    let (mut bytes, table, index) = small_rows(300);
    assert!(
        !children(&bytes, table).is_empty(),
        "the table must have levels"
    );
    let at = cell_at(&bytes, table, 0);
    put_u32(&mut bytes, at, index);
    let found = problems(&bytes);
    assert!(
        has(&found, |k| *k == ProblemKind::SecondReference(index)),
        "{found:?}"
    );
    // The subtree no longer referenced is reported page by page.
    assert!(
        has(&found, |k| matches!(k, ProblemKind::NeverUsed(_))),
        "{found:?}"
    );
}

#[test]
fn a_child_past_the_end_or_back_to_the_root_is_not_followed() {
    let (bytes, table, _) = small_rows(300);
    let pages = (bytes.len() / 512) as u32;
    let mut past = bytes.clone();
    put_u32(&mut past, cell_at(&bytes, table, 0), pages + 5);
    assert!(has(&problems(&past), |k| *k
        == ProblemKind::InvalidPage(pages + 5)));
    // A loop: the right-most child of the root is the root itself.
    let mut looped = bytes.clone();
    put_u32(&mut looped, header_at(&bytes, table) + 8, table);
    let found = problems(&looped);
    assert!(
        has(&found, |k| *k == ProblemKind::SecondReference(table)),
        "{found:?}"
    );
}

#[test]
fn freelist_counts_capacity_and_loops_are_checked() {
    let bytes = build(512, |pager, writer| {
        standard(pager, writer, 40, |_| 100);
        let mut editor = SchemaEditor::new(pager, writer, Global);
        let gone = editor.create_table("gone", "CREATE TABLE gone(x)").unwrap();
        for i in 0..60 {
            let blob = [i as u8; 100];
            writer
                .insert_row(
                    pager,
                    gone,
                    RowId::new(i),
                    &record(&[ValueRef::Blob(&blob)]),
                )
                .unwrap();
        }
        SchemaEditor::new(pager, writer, Global)
            .drop_table("gone")
            .unwrap();
    });
    assert!(problems(&bytes).is_empty());
    let header = DatabaseHeader::parse(&bytes).unwrap();
    let trunk = header.first_freelist_trunk.unwrap().get();
    let count = header.freelist_count;
    assert!(count > 4, "a trunk with leaves");

    let mut wrong = bytes.clone();
    put_u32(&mut wrong, 36, count + 1);
    assert_eq!(
        problems(&wrong),
        [ProblemKind::FreelistSize {
            found: count,
            expected: count + 1
        }]
    );

    let mut overfull = bytes.clone();
    put_u32(&mut overfull, start(&bytes, trunk) + 4, 512 / 4 - 1);
    assert!(has(&problems(&overfull), |k| *k
        == ProblemKind::FreelistLeafCount));

    let mut looped = bytes.clone();
    put_u32(&mut looped, start(&bytes, trunk), trunk);
    let found = problems(&looped);
    assert!(
        has(&found, |k| *k == ProblemKind::SecondReference(trunk)),
        "{found:?}"
    );

    let mut outside = bytes.clone();
    put_u32(&mut outside, start(&bytes, trunk) + 8, 9999);
    assert!(has(&problems(&outside), |k| *k
        == ProblemKind::InvalidPage(9999)));
}

/// A database with one row of `len` bytes of data (at 512-byte pages) and
/// the page and cell index of its cell.
fn one_big_row(len: usize) -> (StdVec<u8>, u32) {
    let mut table = 0;
    let bytes = build(512, |pager, writer| {
        table = standard(pager, writer, 1, |_| len).0;
    });
    (bytes, table)
}

#[test]
fn overflow_chains_must_be_as_long_as_their_payload() {
    let (bytes, table) = one_big_row(2000);
    let Cell::TableLeaf { payload, .. } = cell(&bytes, table, 0) else {
        panic!("not a table leaf cell");
    };
    let first = payload.first_overflow().unwrap().get();
    let expected = payload
        .size()
        .saturating_sub(payload.local().len() as u32)
        .div_ceil(508);
    assert!(expected >= 3);
    // Cut the chain after its first page.
    let mut short = bytes.clone();
    put_u32(&mut short, start(&bytes, first), 0);
    let found = problems(&short);
    assert!(
        has(&found, |k| *k
            == ProblemKind::OverflowLength { found: 1, expected }),
        "{found:?}"
    );
    // Lengthen a chain by a page the file did not use.
    let (bytes, table) = one_big_row(700);
    let Cell::TableLeaf { payload, .. } = cell(&bytes, table, 0) else {
        panic!("not a table leaf cell");
    };
    let only = payload.first_overflow().unwrap().get();
    let mut long = bytes.clone();
    let extra = append_page(&mut long);
    put_u32(&mut long, start(&bytes, only), extra);
    assert_eq!(
        problems(&long),
        [ProblemKind::OverflowLength {
            found: 2,
            expected: 1
        }]
    );
    // A chain that loops onto itself.
    let mut looped = bytes.clone();
    put_u32(&mut looped, start(&bytes, only), only);
    assert!(has(&problems(&looped), |k| *k
        == ProblemKind::SecondReference(only)));
}

#[test]
fn rowids_must_rise_across_cells_and_dividers() {
    let (bytes, table, _) = small_rows(300);
    let leaf = leaves(&bytes, table)[1];
    // Swap the first two cells of a leaf.
    let mut swapped = bytes.clone();
    let (a, b) = (pointer_at(&bytes, leaf, 0), pointer_at(&bytes, leaf, 1));
    let (x, y) = ([bytes[a], bytes[a + 1]], [bytes[b], bytes[b + 1]]);
    swapped[a..a + 2].copy_from_slice(&y);
    swapped[b..b + 2].copy_from_slice(&x);
    let found = problems(&swapped);
    assert!(
        has(&found, |k| matches!(k, ProblemKind::RowidOrder(_))),
        "{found:?}"
    );
    // Lower the root's first divider below the keys on its left.
    let Cell::TableInterior { rowid, .. } = cell(&bytes, table, 0) else {
        panic!("the root is not interior");
    };
    assert!(rowid < 128 && rowid > 5, "a one-byte divider");
    let mut lowered = bytes.clone();
    lowered[cell_at(&bytes, table, 0) + 4] = (rowid - 5) as u8;
    assert_eq!(
        problems(&lowered),
        [ProblemKind::RowidOrder(RowId::new(rowid - 5))]
    );
}

#[test]
fn index_keys_must_rise_in_the_index_order() {
    let (bytes, _, index) = small_rows(300);
    let leaf = leaves(&bytes, index)[0];
    let mut swapped = bytes.clone();
    let (a, b) = (pointer_at(&bytes, leaf, 0), pointer_at(&bytes, leaf, 1));
    let (x, y) = ([bytes[a], bytes[a + 1]], [bytes[b], bytes[b + 1]]);
    swapped[a..a + 2].copy_from_slice(&y);
    swapped[b..b + 2].copy_from_slice(&x);
    let found = problems(&swapped);
    assert_eq!(
        found,
        [ProblemKind::KeyOrder],
        "content is not compared on a damaged tree"
    );
}

#[test]
fn cells_must_not_overlap_and_fragments_must_add_up() {
    let (bytes, table, _) = small_rows(300);
    let leaf = leaves(&bytes, table)[0];
    let mut overlap = bytes.clone();
    let second = pointer_at(&bytes, leaf, 1);
    let first = pointer_at(&bytes, leaf, 0);
    overlap.copy_within(first..first + 2, second);
    let found = problems(&overlap);
    assert!(
        has(&found, |k| matches!(k, ProblemKind::Overlap { .. })),
        "{found:?}"
    );

    let mut fragmented = bytes.clone();
    let at = header_at(&bytes, leaf) + 7;
    let reported = bytes[at];
    fragmented[at] = reported + 3;
    assert_eq!(
        problems(&fragmented),
        [ProblemKind::Fragmentation {
            actual: u32::from(reported),
            reported: reported + 3
        }]
    );
}

#[test]
fn freeblocks_closer_than_four_bytes_are_refused() {
    let (mut bytes, table, _) = small_rows(300);
    let leaf = *leaves(&bytes, table).last().unwrap();
    let p = page(&bytes, leaf);
    let gap = p.content_start() - p.cell_pointers_end();
    assert!(gap >= 12, "the last leaf has room");
    let content = (p.content_start() - 12) as u16;
    let (h, s) = (header_at(&bytes, leaf), start(&bytes, leaf));
    put_u16(&mut bytes, h + 5, content);
    put_u16(&mut bytes, h + 1, content);
    // Two 6-byte freeblocks, the second right after the first.
    let first = s + content as usize;
    put_u16(&mut bytes, first, content + 6);
    put_u16(&mut bytes, first + 2, 6);
    put_u16(&mut bytes, first + 6, 0);
    put_u16(&mut bytes, first + 8, 6);
    let found = problems(&bytes);
    assert_eq!(
        found,
        [ProblemKind::Malformed("freeblocks less than 4 bytes apart")]
    );
    // Merged into one block of 12 bytes, the page is sound again.
    put_u16(&mut bytes, first, 0);
    put_u16(&mut bytes, first + 2, 12);
    assert_eq!(problems(&bytes), []);
}

#[test]
fn pages_must_be_of_their_trees_kind_and_depth() {
    let (bytes, table, _) = small_rows(300);
    let leaf = leaves(&bytes, table)[0];
    let mut wrong_kind = bytes.clone();
    wrong_kind[header_at(&bytes, leaf)] = 0x0a;
    let found = problems(&wrong_kind);
    assert!(has(&found, |k| *k == ProblemKind::WrongKind), "{found:?}");

    let mut unknown = bytes.clone();
    unknown[header_at(&bytes, leaf)] = 0x07;
    let found = problems(&unknown);
    assert!(
        has(&found, |k| *k
            == ProblemKind::Malformed("unknown b-tree page kind")),
        "{found:?}"
    );

    let mut empty = bytes.clone();
    put_u16(&mut empty, header_at(&bytes, leaf) + 3, 0);
    assert!(has(&problems(&empty), |k| *k == ProblemKind::EmptyPage));
}

#[test]
fn leaves_must_all_be_at_one_depth() {
    let (bytes, table, _) = small_rows(3000);
    let top = children(&bytes, table);
    let below = children(&bytes, top[0]);
    assert!(!below.is_empty(), "three levels");
    // The root's first child skips a level.
    let mut skipped = bytes.clone();
    put_u32(&mut skipped, cell_at(&bytes, table, 0), below[0]);
    let found = problems(&skipped);
    assert!(
        has(&found, |k| *k == ProblemKind::DepthDiffers),
        "{found:?}"
    );
}

#[test]
fn malformed_records_are_reported_with_their_cell() {
    let (bytes, table, _) = small_rows(300);
    let leaf = leaves(&bytes, table)[0];
    let mut bad = bytes.clone();
    // Cell: payload size, rowid, then the record: header size, serial types.
    let at = cell_at(&bytes, leaf, 2);
    bad[at + 3] = 10;
    let report = report_of(&bad, 0);
    let p = report.problems()[0];
    assert!(matches!(p.kind, ProblemKind::Record(_)), "{report}");
    assert_eq!(
        (p.tree, p.page, p.cell),
        (PageNo::new(table), PageNo::new(leaf), Some(2))
    );
}

#[test]
fn an_unreadable_schema_leaves_every_other_page_unused() {
    let (bytes, _, _) = small_rows(10);
    let mut bad = bytes.clone();
    let at = cell_at(&bytes, 1, 0);
    // The schema row's record header: its first serial type becomes 10.
    bad[at + 3] = 10;
    let found = problems(&bad);
    assert!(matches!(found[0], ProblemKind::Record(_)), "{found:?}");
    let pages = (bytes.len() / 512) as u32;
    assert_eq!(found.len() as u32, pages, "{found:?}");
}
