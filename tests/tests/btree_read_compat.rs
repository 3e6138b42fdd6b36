//! The B-tree read side against SQLite: files SQLite wrote (every page
//! size, multi-level trees, payloads around every overflow threshold,
//! indexes of every column type, freelists, a vacuumed file) read back
//! exactly as SQLite reads them.
//!
//! Three readers are checked: a walk page by page with the page, cell and
//! overflow accessors; cursors over the file held in memory; and cursors
//! through the pager over a memory platform, with seeks in every mode and a
//! step each way from where they land. Damaged copies of the same files
//! give `Corrupt`, never a panic or a hang.

use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::sync::OnceLock;

use boundlite::RowId;
use boundlite::btree::payload::{
    index_interior_cell_size, index_leaf_cell_size, table_interior_cell_size, table_leaf_cell_size,
};
use boundlite::btree::{
    BTreePage, Cell, FileImage, IndexCursor, OverflowChain, PageKind, PageSource, PayloadKind,
    SeekMode, TableCursor, read_payload,
};
use boundlite::pager::Pager;
use boundlite::platform::{MemoryPlatform, OpenMode, Platform};
use boundlite::record::{Collation, KeyColumn, RecordRef, SortOrder, ValueRef, compare_values};
use boundlite::{Config, Error, PageNo};
use boundlite_alloc::{Global, Vec as AllocVec};
use boundlite_tests::fixtures::{self, Fixture, Index, Table};
use rusqlite::types::Value;

const MODES: [SeekMode; 5] = [
    SeekMode::Eq,
    SeekMode::Ge,
    SeekMode::Gt,
    SeekMode::Le,
    SeekMode::Lt,
];

/// The standard fixtures, built once for every test in this file.
fn all() -> &'static [Fixture] {
    static FIXTURES: OnceLock<Vec<Fixture>> = OnceLock::new();
    FIXTURES.get_or_init(fixtures::standard)
}

fn no(n: u32) -> PageNo {
    PageNo::new(n).unwrap()
}

fn to_value(value: ValueRef<'_>) -> Value {
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Integer(i),
        ValueRef::Real(r) => Value::Real(r),
        ValueRef::Text(t) => Value::Text(String::from_utf8(t.to_vec()).unwrap()),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    }
}

fn to_value_ref(value: &Value) -> ValueRef<'_> {
    match value {
        Value::Null => ValueRef::Null,
        Value::Integer(i) => ValueRef::Integer(*i),
        Value::Real(r) => ValueRef::Real(*r),
        Value::Text(t) => ValueRef::Text(t.as_bytes()),
        Value::Blob(b) => ValueRef::Blob(b),
    }
}

/// A record's values as a query returns them: an integer stored in a
/// REAL-affinity column reads as a REAL.
fn record_values(payload: &[u8], real_affinity: &[bool]) -> Vec<Value> {
    let record = RecordRef::parse(payload, None).unwrap();
    record
        .columns()
        .enumerate()
        .map(|(i, value)| match (value.unwrap(), real_affinity.get(i)) {
            (ValueRef::Integer(v), Some(true)) => Value::Real(v as f64),
            (value, _) => to_value(value),
        })
        .collect()
}

fn key_columns(index: &Index) -> Vec<KeyColumn> {
    index
        .columns
        .iter()
        .map(|c| KeyColumn {
            order: if c.descending {
                SortOrder::Desc
            } else {
                SortOrder::Asc
            },
            collation: match c.collation.as_str() {
                "NOCASE" => Collation::NoCase,
                "RTRIM" => Collation::RTrim,
                _ => Collation::Binary,
            },
        })
        .collect()
}

/// What a walk of every tree saw.
#[derive(Default)]
struct Walk {
    /// Every B-tree page, overflow page and cell visited.
    pages: Vec<u32>,
    /// Cells whose payload spilled, and the most overflow pages one used.
    spilled: usize,
    longest_chain: usize,
    depth: usize,
    /// Payload sizes seen on table leaves and on index pages.
    table_sizes: BTreeSet<u32>,
    index_sizes: BTreeSet<u32>,
    /// Spilled payloads keeping `M` bytes local, and keeping more (`K`).
    kept_min: usize,
    kept_more: usize,
}

/// Walks the tree at `page` in key order, handing each entry's whole
/// payload (and rowid, on tables) to `visit`; checks each cell's size
/// against the payload rules, and records the pages it used.
fn walk(
    image: &FileImage<'_>,
    page: PageNo,
    depth: usize,
    seen: &mut Walk,
    visit: &mut dyn FnMut(Option<i64>, &[u8]),
) {
    assert!(depth < 20, "tree too deep at page {page}");
    seen.depth = seen.depth.max(depth + 1);
    seen.pages.push(page.get());
    let bytes = image.page(page).unwrap();
    let view = BTreePage::parse(bytes, page, image.usable_size()).unwrap();
    let usable = image.usable_size();
    let mut buffer = AllocVec::new();
    for i in 0..view.cell_count() {
        let (cell, size) = view.cell_with_size(i).unwrap();
        if let Some(child) = cell.left_child() {
            walk(image, child, depth + 1, seen, visit);
        }
        let expected = match cell {
            Cell::TableLeaf { rowid, payload } => {
                table_leaf_cell_size(usable, rowid, payload.size())
            }
            Cell::TableInterior { rowid, .. } => table_interior_cell_size(rowid),
            Cell::IndexLeaf { payload } => index_leaf_cell_size(usable, payload.size()),
            Cell::IndexInterior { payload, .. } => index_interior_cell_size(usable, payload.size()),
        };
        assert_eq!(size, expected, "cell {i} of page {page}");
        let Some(payload) = cell.payload() else {
            continue;
        };
        match cell {
            Cell::TableLeaf { .. } => seen.table_sizes.insert(payload.size()),
            _ => seen.index_sizes.insert(payload.size()),
        };
        if payload.first_overflow().is_some() {
            seen.spilled += 1;
            if payload.local().len() as u32 == PayloadKind::min_local(usable) {
                seen.kept_min += 1;
            } else {
                seen.kept_more += 1;
            }
            let mut chain = OverflowChain::new(payload, page, usable, image.page_count()).unwrap();
            let mut length = 0;
            while let Some(next) = chain.next_page() {
                seen.pages.push(next.get());
                chain.read(image.page(next).unwrap()).unwrap();
                length += 1;
            }
            seen.longest_chain = seen.longest_chain.max(length);
        }
        read_payload(image, page, payload, &mut buffer).unwrap();
        visit(cell.rowid(), &buffer);
    }
    if let Some(right) = view.right_child().unwrap() {
        walk(image, right, depth + 1, seen, visit);
    }
}

fn walk_table(image: &FileImage<'_>, table: &Table, seen: &mut Walk) -> Vec<(i64, Vec<Value>)> {
    let mut rows = Vec::new();
    walk(image, no(table.root), 0, seen, &mut |rowid, payload| {
        rows.push((rowid.unwrap(), record_values(payload, &table.real_affinity)));
    });
    rows
}

fn walk_index(image: &FileImage<'_>, index: &Index, seen: &mut Walk) -> Vec<Vec<Value>> {
    let mut entries = Vec::new();
    walk(image, no(index.root), 0, seen, &mut |rowid, payload| {
        assert_eq!(rowid, None);
        entries.push(record_values(payload, &index.real_affinity));
    });
    entries
}

#[test]
fn the_fixtures_have_the_shapes_they_promise() {
    let mut spilled_pages = 0;
    for fixture in all() {
        let image = FileImage::new(&fixture.bytes).unwrap();
        assert_eq!(image.page_size(), fixture.page_size);
        assert_eq!(image.page_count(), fixture.page_count, "{}", fixture.name);
        let mut seen = Walk::default();
        for table in &fixture.tables {
            walk_table(&image, table, &mut seen);
        }
        for index in &fixture.indexes {
            walk_index(&image, index, &mut seen);
        }
        let name = &fixture.name;
        if name.starts_with("shapes") {
            assert!(seen.depth >= 2, "{name}: no interior pages");
            assert!(
                fixture
                    .indexes
                    .iter()
                    .any(|i| i.name.starts_with("sqlite_autoindex"))
            );
            assert!(fixture.tables.iter().any(|t| t.name == "sqlite_sequence"));
            assert!(fixture.tables.iter().any(|t| t.rows.is_empty()));
        }
        if name.starts_with("payloads") {
            assert!(seen.longest_chain >= 3, "{name}: {}", seen.longest_chain);
            assert!(seen.kept_min > 0 && seen.kept_more > 0, "{name}");
            // Payloads at each threshold and one byte past it, on real
            // SQLite pages.
            let usable = image.usable_size();
            let table = PayloadKind::Table.max_local(usable);
            let index = PayloadKind::Index.max_local(usable);
            let chunk = usable - 4;
            for edge in [table, table + chunk, table + 2 * chunk] {
                assert!(seen.table_sizes.contains(&edge), "{name}: table P={edge}");
                assert!(
                    seen.table_sizes.contains(&(edge + 1)),
                    "{name}: table P={edge}+1"
                );
            }
            for edge in [index, index + chunk, index + 2 * chunk] {
                assert!(seen.index_sizes.contains(&edge), "{name}: index P={edge}");
                assert!(
                    seen.index_sizes.contains(&(edge + 1)),
                    "{name}: index P={edge}+1"
                );
            }
            spilled_pages += seen.spilled;
        }
        if name.starts_with("freelist") {
            // Trunk and leaf pages; at 512 bytes, more than one trunk lists.
            let least = if fixture.page_size == 512 { 127 } else { 2 };
            assert!(
                fixture.freelist_count >= least,
                "{name}: {}",
                fixture.freelist_count
            );
        }
        if name.starts_with("vacuumed") {
            assert_eq!(fixture.freelist_count, 0, "{name}");
        }
    }
    assert!(spilled_pages > 100);
}

#[test]
fn the_schema_on_page_one_names_every_root() {
    for fixture in all() {
        let image = FileImage::new(&fixture.bytes).unwrap();
        let schema = &fixture.tables[0];
        let rows = walk_table(&image, schema, &mut Walk::default());
        assert_eq!(rows, schema.rows, "{}", fixture.name);
        let root_of = |name: &str| {
            rows.iter()
                .find(|(_, r)| r[1] == Value::Text(name.into()))
                .map(|(_, r)| r[3].clone())
        };
        for table in &fixture.tables[1..] {
            assert_eq!(
                root_of(&table.name),
                Some(Value::Integer(table.root.into()))
            );
        }
        for index in &fixture.indexes {
            assert_eq!(
                root_of(&index.name),
                Some(Value::Integer(index.root.into()))
            );
        }
    }
}

#[test]
fn every_row_and_index_entry_reads_back_page_by_page() {
    for fixture in all() {
        let image = FileImage::new(&fixture.bytes).unwrap();
        for table in &fixture.tables {
            let rows = walk_table(&image, table, &mut Walk::default());
            assert_eq!(rows, table.rows, "{}: {}", fixture.name, table.name);
        }
        for index in &fixture.indexes {
            let entries = walk_index(&image, index, &mut Walk::default());
            assert_eq!(entries, index.entries, "{}: {}", fixture.name, index.name);
        }
    }
}

/// The pages of the freelist: trunks and the leaves they list.
fn freelist_pages(image: &FileImage<'_>, bytes: &[u8]) -> Vec<u32> {
    let mut pages = Vec::new();
    let mut trunk = u32::from_be_bytes(bytes[32..36].try_into().unwrap());
    while trunk != 0 {
        pages.push(trunk);
        let page = image.page(no(trunk)).unwrap();
        let count = u32::from_be_bytes(page[4..8].try_into().unwrap()) as usize;
        for i in 0..count {
            let at = 8 + 4 * i;
            pages.push(u32::from_be_bytes(page[at..at + 4].try_into().unwrap()));
        }
        trunk = u32::from_be_bytes(page[..4].try_into().unwrap());
        assert!(pages.len() <= image.page_count() as usize, "freelist loops");
    }
    pages
}

#[test]
fn every_page_belongs_to_one_tree_chain_or_the_freelist() {
    for fixture in all() {
        let image = FileImage::new(&fixture.bytes).unwrap();
        let mut seen = Walk::default();
        for table in &fixture.tables {
            walk_table(&image, table, &mut seen);
        }
        for index in &fixture.indexes {
            walk_index(&image, index, &mut seen);
        }
        let free = freelist_pages(&image, &fixture.bytes);
        assert_eq!(
            free.len() as u32,
            fixture.freelist_count,
            "{}",
            fixture.name
        );
        let mut all_pages = seen.pages.clone();
        all_pages.extend(&free);
        let unique: BTreeSet<u32> = all_pages.iter().copied().collect();
        assert_eq!(
            unique.len(),
            all_pages.len(),
            "{}: a page is used twice",
            fixture.name
        );
        let expected: BTreeSet<u32> = (1..=fixture.page_count).collect();
        assert_eq!(unique, expected, "{}", fixture.name);
    }
}

/// Every row of `table`, read with a cursor over `source`, forward and
/// backward.
fn scan_table<S: PageSource>(source: &S, table: &Table, name: &str) {
    let mut cursor = TableCursor::new(source, no(table.root), AllocVec::new());
    let mut rows = Vec::new();
    let mut on = cursor.first().unwrap();
    while on {
        let values = record_values(&cursor.payload().unwrap(), &table.real_affinity);
        rows.push((cursor.rowid().unwrap().get(), values));
        on = cursor.next().unwrap();
    }
    assert_eq!(rows, table.rows, "{name}: {}", table.name);
    let mut rowids = Vec::new();
    let mut on = cursor.last().unwrap();
    while on {
        rowids.push(cursor.rowid().unwrap().get());
        on = cursor.prev().unwrap();
    }
    rowids.reverse();
    let expected: Vec<i64> = table.rows.iter().map(|r| r.0).collect();
    assert_eq!(rowids, expected, "{name}: {} backward", table.name);
}

fn current_entry<S: PageSource>(
    cursor: &mut IndexCursor<'_, S, Global>,
    index: &Index,
) -> Vec<Value> {
    record_values(&cursor.payload().unwrap(), &index.real_affinity)
}

fn scan_index<S: PageSource>(source: &S, index: &Index, name: &str) {
    let mut cursor = IndexCursor::new(source, no(index.root), AllocVec::new());
    let mut entries = Vec::new();
    let mut on = cursor.first().unwrap();
    while on {
        entries.push(current_entry(&mut cursor, index));
        on = cursor.next().unwrap();
    }
    assert_eq!(entries, index.entries, "{name}: {}", index.name);
    let mut entries = Vec::new();
    let mut on = cursor.last().unwrap();
    while on {
        entries.push(current_entry(&mut cursor, index));
        on = cursor.prev().unwrap();
    }
    entries.reverse();
    assert_eq!(entries, index.entries, "{name}: {} backward", index.name);
}

#[test]
fn cursors_over_the_file_in_memory_read_every_row_both_ways() {
    for fixture in all() {
        let image = FileImage::new(&fixture.bytes).unwrap();
        for table in &fixture.tables {
            scan_table(&image, table, &fixture.name);
        }
        for index in &fixture.indexes {
            scan_index(&image, index, &fixture.name);
        }
    }
}

/// A pager over a memory platform holding `bytes`.
fn with_pager(
    bytes: &[u8],
    f: impl FnOnce(&Pager<boundlite::platform::MemoryFile<'_, Global>, Global>),
) {
    let disk = MemoryPlatform::new();
    disk.write_file("test.db", bytes).unwrap();
    let file = (&disk).open("test.db", OpenMode::ReadOnly).unwrap();
    let config = Config {
        cache_frames: 32,
        ..Config::DEFAULT
    };
    let pager = Pager::open(file, None, OpenMode::ReadOnly, &config, Global).unwrap();
    f(&pager);
}

/// Where `mode` lands among sorted `keys` for `target`.
fn model_seek(keys: &[i64], target: i64, mode: SeekMode) -> Option<usize> {
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

/// Seeks in every mode at and around a sample of rowids, then a step each
/// way from where the cursor landed.
fn seek_table<S: PageSource>(source: &S, table: &Table, name: &str, samples: usize) {
    let keys: Vec<i64> = table.rows.iter().map(|r| r.0).collect();
    let mut cursor = TableCursor::new(source, no(table.root), AllocVec::new());
    let step = (keys.len() / samples).max(1);
    let targets = keys
        .iter()
        .step_by(step)
        .flat_map(|&k| [k - 1, k, k + 1])
        .chain([i64::MIN, -1, 0, i64::MAX]);
    for target in targets {
        for mode in MODES {
            let expected = model_seek(&keys, target, mode);
            let context = format!("{name}: {} {mode:?} {target}", table.name);
            assert_eq!(
                cursor.seek(RowId::new(target), mode).unwrap(),
                expected.is_some(),
                "{context}"
            );
            let Some(at) = expected else {
                continue;
            };
            assert_eq!(cursor.rowid().unwrap().get(), keys[at], "{context}");
            let values = record_values(&cursor.payload().unwrap(), &table.real_affinity);
            assert_eq!(values, table.rows[at].1, "{context}");
            assert_eq!(cursor.next().unwrap(), at + 1 < keys.len(), "{context}");
            if at + 1 < keys.len() {
                assert_eq!(cursor.rowid().unwrap().get(), keys[at + 1], "{context}");
            }
            cursor.seek(RowId::new(target), mode).unwrap();
            assert_eq!(cursor.prev().unwrap(), at > 0, "{context}");
            if at > 0 {
                assert_eq!(cursor.rowid().unwrap().get(), keys[at - 1], "{context}");
            }
        }
    }
}

/// Seeks with whole entries and with first-column prefixes of a sample of
/// entries, in every mode, then a step each way.
fn seek_index<S: PageSource>(source: &S, index: &Index, name: &str, samples: usize) {
    let entries = &index.entries;
    let columns = key_columns(index);
    let mut cursor = IndexCursor::new(source, no(index.root), AllocVec::new());
    let step = (entries.len() / samples).max(1);
    let collation = columns[0].collation;
    for at in (0..entries.len()).step_by(step) {
        let whole: Vec<ValueRef<'_>> = entries[at].iter().map(to_value_ref).collect();
        // The run of entries whose first column equals this one's.
        let same = |other: &Vec<Value>| {
            compare_values(&to_value_ref(&other[0]), &whole[0], collation) == Ordering::Equal
        };
        let start = (0..at)
            .rev()
            .take_while(|&i| same(&entries[i]))
            .last()
            .unwrap_or(at);
        let end = (at..entries.len())
            .take_while(|&i| same(&entries[i]))
            .last()
            .unwrap();
        let cases = [
            (&whole[..], SeekMode::Eq, Some(at)),
            (&whole[..], SeekMode::Ge, Some(at)),
            (&whole[..], SeekMode::Le, Some(at)),
            (&whole[..], SeekMode::Gt, Some(at + 1)),
            (&whole[..], SeekMode::Lt, at.checked_sub(1)),
            (&whole[..1], SeekMode::Eq, Some(start)),
            (&whole[..1], SeekMode::Ge, Some(start)),
            (&whole[..1], SeekMode::Le, Some(end)),
            (&whole[..1], SeekMode::Gt, Some(end + 1)),
            (&whole[..1], SeekMode::Lt, start.checked_sub(1)),
        ];
        for (key, mode, expected) in cases {
            let expected = expected.filter(|&i| i < entries.len());
            let context = format!("{name}: {} {mode:?} {key:?}", index.name);
            let found = cursor.seek(key, &columns, mode).unwrap();
            assert_eq!(found, expected.is_some(), "{context}");
            let Some(at) = expected else {
                continue;
            };
            assert_eq!(current_entry(&mut cursor, index), entries[at], "{context}");
            assert_eq!(cursor.next().unwrap(), at + 1 < entries.len(), "{context}");
            if at + 1 < entries.len() {
                assert_eq!(
                    current_entry(&mut cursor, index),
                    entries[at + 1],
                    "{context}"
                );
            }
            cursor.seek(key, &columns, mode).unwrap();
            assert_eq!(cursor.prev().unwrap(), at > 0, "{context}");
            if at > 0 {
                assert_eq!(
                    current_entry(&mut cursor, index),
                    entries[at - 1],
                    "{context}"
                );
            }
        }
    }
}

/// Scans and seeks every tree of the fixtures of `page_sizes` through the
/// pager. Seeks sample the entries: every key of a 64 KiB-page index spills
/// over 64 KiB pages, and each comparison in a seek assembles it.
fn through_the_pager(page_sizes: &[u32]) {
    for fixture in all().iter().filter(|f| page_sizes.contains(&f.page_size)) {
        let samples = if fixture.page_size >= 65536 { 12 } else { 50 };
        with_pager(&fixture.bytes, |pager| {
            assert_eq!(pager.page_count(), fixture.page_count);
            for table in &fixture.tables {
                scan_table(pager, table, &fixture.name);
                seek_table(pager, table, &fixture.name, samples);
            }
            for index in &fixture.indexes {
                scan_index(pager, index, &fixture.name);
                seek_index(pager, index, &fixture.name, samples);
            }
            assert_eq!(
                pager.pinned_pages(),
                0,
                "{}: a page stayed pinned",
                fixture.name
            );
        });
    }
}

#[test]
fn cursors_through_the_pager_scan_and_seek_small_pages() {
    through_the_pager(&[512, 1024]);
}

#[test]
fn cursors_through_the_pager_scan_and_seek_large_pages() {
    through_the_pager(&[4096, 65536]);
}

/// The first fixture whose name starts with `prefix`, at `page_size`.
fn fixture(prefix: &str, page_size: u32) -> &'static Fixture {
    all()
        .iter()
        .find(|f| f.name.starts_with(prefix) && f.page_size == page_size)
        .unwrap()
}

/// Reads every tree of `fixture` from `bytes` through the pager; the
/// first error, if any.
fn read_everything(fixture: &Fixture, bytes: &[u8]) -> Result<(), Error> {
    let disk = MemoryPlatform::new();
    disk.write_file("test.db", bytes).unwrap();
    let file = (&disk).open("test.db", OpenMode::ReadOnly).unwrap();
    let pager = Pager::open(file, None, OpenMode::ReadOnly, &Config::DEFAULT, Global)?;
    for table in &fixture.tables {
        let mut cursor = TableCursor::new(&pager, no(table.root), AllocVec::new());
        let mut on = cursor.first()?;
        while on {
            cursor.payload()?;
            on = cursor.next()?;
        }
    }
    for index in &fixture.indexes {
        let mut cursor = IndexCursor::new(&pager, no(index.root), AllocVec::new());
        let mut on = cursor.last()?;
        while on {
            cursor.payload()?;
            on = cursor.prev()?;
        }
    }
    Ok(())
}

/// The root page of table `name`.
fn root(fixture: &Fixture, name: &str) -> u32 {
    fixture.tables.iter().find(|t| t.name == name).unwrap().root
}

fn page_mut<'b>(bytes: &'b mut [u8], fixture: &Fixture, page: u32) -> &'b mut [u8] {
    let size = fixture.page_size as usize;
    &mut bytes[(page as usize - 1) * size..page as usize * size]
}

#[track_caller]
fn assert_corrupt(result: Result<(), Error>) {
    assert!(matches!(result, Err(Error::Corrupt { .. })), "{result:?}");
}

#[test]
fn damaged_files_are_corrupt_not_a_panic() {
    let shapes = fixture("shapes", 1024);
    read_everything(shapes, &shapes.bytes).unwrap();
    let rows_root = root(shapes, "rows");

    // A cell pointer past the page end, on the root of `rows`.
    let mut bytes = shapes.bytes.clone();
    page_mut(&mut bytes, shapes, rows_root)[12..14].copy_from_slice(&0xfff0u16.to_be_bytes());
    assert_corrupt(read_everything(shapes, &bytes));

    // The root's right-most child set to 0, then past the end of the file.
    for child in [0, shapes.page_count + 5] {
        let mut bytes = shapes.bytes.clone();
        page_mut(&mut bytes, shapes, rows_root)[8..12].copy_from_slice(&child.to_be_bytes());
        assert_corrupt(read_everything(shapes, &bytes));
    }

    // The root's right-most child pointing back at the root.
    let mut bytes = shapes.bytes.clone();
    page_mut(&mut bytes, shapes, rows_root)[8..12].copy_from_slice(&rows_root.to_be_bytes());
    assert_corrupt(read_everything(shapes, &bytes));

    // A truncated file: the in-header size no longer fits.
    let half = &shapes.bytes[..shapes.bytes.len() / 2];
    assert!(matches!(FileImage::new(half), Err(Error::Corrupt { .. })));

    // An overflow chain that loops back to its first page.
    let payloads = fixture("payloads", 1024);
    let image = FileImage::new(&payloads.bytes).unwrap();
    let big = root(payloads, "big");
    let mut cursor = TableCursor::new(&image, no(big), AllocVec::new());
    let mut chain = None;
    let mut on = cursor.first().unwrap();
    while on && chain.is_none() {
        let size = cursor.payload_size().unwrap();
        let local = PayloadKind::Table.local_size(image.usable_size(), size);
        if size - local > 2 * (image.usable_size() - 4) {
            chain = Some(cursor.rowid().unwrap().get());
        }
        on = cursor.next().unwrap();
    }
    let rowid = chain.expect("a row spilling over three pages");
    let mut bytes = payloads.bytes.clone();
    let (first, second) = overflow_pages(&image, big, rowid);
    page_mut(&mut bytes, payloads, second)[..4].copy_from_slice(&first.to_be_bytes());
    assert_corrupt(read_everything(payloads, &bytes));
}

/// The first two overflow pages of row `rowid` of the table at `root`.
fn overflow_pages(image: &FileImage<'_>, root: u32, rowid: i64) -> (u32, u32) {
    let mut page = no(root);
    loop {
        let view = BTreePage::parse(image.page(page).unwrap(), page, image.usable_size()).unwrap();
        let cells: Vec<Cell<'_>> = (0..view.cell_count())
            .map(|i| view.cell(i).unwrap())
            .collect();
        if view.kind() == PageKind::TableLeaf {
            let cell = cells.iter().find(|c| c.rowid() == Some(rowid)).unwrap();
            let first = cell.payload().unwrap().first_overflow().unwrap();
            let next = u32::from_be_bytes(image.page(first).unwrap()[..4].try_into().unwrap());
            return (first.get(), next);
        }
        page = cells
            .iter()
            .find(|c| c.rowid().unwrap() >= rowid)
            .and_then(Cell::left_child)
            .unwrap_or_else(|| view.right_child().unwrap().unwrap());
    }
}
