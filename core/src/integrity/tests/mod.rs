//! Tests of the integrity check on databases built with the B-tree writer
//! and then damaged byte by byte, one kind of problem at a time.
// Test scaffolding uses std's collections; the code under test does not.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

extern crate std;

mod content;
mod structure;

use std::string::ToString;
use std::vec::Vec as StdVec;

use boundlite_platform::{MemoryFile, MemoryPlatform, OpenMode, Platform};

use super::*;
use crate::alloc::Global;
use crate::btree::{BTreePage, Cell, FileImage, TreeKind, TreeWriter};
use crate::format::PageSize;
use crate::record::{ValueRef, encode_into};
use crate::schema::SchemaEditor;
use crate::{Config, Error, RowId};

const PATH: &str = "check.db";

type TestPager<'d> = Pager<MemoryFile<'d>, Global>;

fn open(disk: &MemoryPlatform, page_size: u32) -> TestPager<'_> {
    let cfg = Config {
        page_size: PageSize::new(page_size).unwrap(),
        cache_frames: 2000,
        ..Config::DEFAULT
    };
    let file = disk.open(PATH, OpenMode::Create).unwrap();
    Pager::open(file, None, OpenMode::Create, &cfg, Global).unwrap()
}

/// The file of a database whose page 1 is an empty schema table and to
/// which `fill` then adds, in one transaction.
fn build(page_size: u32, fill: impl FnOnce(&TestPager<'_>, &mut TreeWriter<Global>)) -> StdVec<u8> {
    let disk = MemoryPlatform::new();
    {
        let pager = open(&disk, page_size);
        let mut writer = TreeWriter::new_in(Global);
        pager.begin_write().unwrap();
        writer.create_tree(&pager, TreeKind::Table).unwrap();
        fill(&pager, &mut writer);
        pager.commit().unwrap();
    }
    disk.file_bytes(PATH).unwrap().as_slice().to_vec()
}

fn record(values: &[ValueRef<'_>]) -> crate::alloc::Vec<u8> {
    let mut out = crate::alloc::Vec::new();
    encode_into(values, &mut out).unwrap();
    out
}

/// The name of row `i`.
fn name(i: i64) -> std::string::String {
    std::format!("name {:03}", (i * 37) % 1000)
}

/// Table `t(id INTEGER PRIMARY KEY, name TEXT COLLATE NOCASE, data)` with
/// `rows` rows whose data is `blob(i)` bytes, and index `t_name` on
/// `name`. Returns (table root, index root).
fn standard(
    pager: &TestPager<'_>,
    writer: &mut TreeWriter<Global>,
    rows: i64,
    blob: impl Fn(i64) -> usize,
) -> (u32, u32) {
    let mut editor = SchemaEditor::new(pager, writer, Global);
    let table = editor
        .create_table(
            "t",
            "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT COLLATE NOCASE, data BLOB)",
        )
        .unwrap();
    for i in 1..=rows {
        let data = std::vec![i as u8; blob(i)];
        let name = name(i);
        let row = record(&[ValueRef::Null, ValueRef::text(&name), ValueRef::Blob(&data)]);
        writer
            .insert_row(pager, table, RowId::new(i), &row)
            .unwrap();
    }
    let index = SchemaEditor::new(pager, writer, Global)
        .create_index(
            "t_name",
            "t",
            "CREATE INDEX t_name ON t(name)",
            &&MemoryPlatform::new(),
            Config::DEFAULT_SORT_MEMORY,
        )
        .unwrap();
    (table.get(), index.get())
}

/// A standard database of `rows` small rows (multi-level at 512 bytes),
/// with its table and index roots.
fn small_rows(rows: i64) -> (StdVec<u8>, u32, u32) {
    let mut roots = (0, 0);
    let bytes = build(512, |pager, writer| {
        roots = standard(pager, writer, rows, |_| 8);
    });
    (bytes, roots.0, roots.1)
}

fn report_of(bytes: &[u8], max_errors: usize) -> IntegrityReport<Global> {
    let image = FileImage::new(bytes).unwrap();
    let header = DatabaseHeader::parse(bytes).unwrap();
    check(&image, &header, Global, max_errors).unwrap()
}

fn problems(bytes: &[u8]) -> StdVec<ProblemKind> {
    report_of(bytes, 0)
        .problems()
        .iter()
        .map(|p| p.kind)
        .collect()
}

fn page_size(bytes: &[u8]) -> usize {
    DatabaseHeader::parse(bytes).unwrap().page_size.get() as usize
}

/// Where page `n` starts in the file.
fn start(bytes: &[u8], n: u32) -> usize {
    (n as usize - 1) * page_size(bytes)
}

fn page(bytes: &[u8], n: u32) -> BTreePage<'_> {
    let size = page_size(bytes);
    let at = start(bytes, n);
    BTreePage::parse(&bytes[at..at + size], PageNo::new(n).unwrap(), size as u32).unwrap()
}

/// Where the page header of page `n` starts in the file.
fn header_at(bytes: &[u8], n: u32) -> usize {
    start(bytes, n) + if n == 1 { 100 } else { 0 }
}

/// Where cell `i` of page `n` starts in the file.
fn cell_at(bytes: &[u8], n: u32, i: u16) -> usize {
    start(bytes, n) + page(bytes, n).cell_pointer(i).unwrap()
}

/// Where the pointer to cell `i` of page `n` is in the file.
fn pointer_at(bytes: &[u8], n: u32, i: u16) -> usize {
    let p = page(bytes, n);
    header_at(bytes, n) + p.kind().header_len() + 2 * i as usize
}

/// The children of interior page `n`, the right-most last.
fn children(bytes: &[u8], n: u32) -> StdVec<u32> {
    let p = page(bytes, n);
    if p.kind().is_leaf() {
        return StdVec::new();
    }
    (0..=p.cell_count())
        .map(|i| p.child(i).unwrap().get())
        .collect()
}

/// The leaves of the tree rooted at `root`, in key order.
fn leaves(bytes: &[u8], root: u32) -> StdVec<u32> {
    let kids = children(bytes, root);
    if kids.is_empty() {
        return std::vec![root];
    }
    kids.iter().flat_map(|&c| leaves(bytes, c)).collect()
}

fn put_u32(bytes: &mut [u8], at: usize, value: u32) {
    bytes[at..at + 4].copy_from_slice(&value.to_be_bytes());
}

fn put_u16(bytes: &mut [u8], at: usize, value: u16) {
    bytes[at..at + 2].copy_from_slice(&value.to_be_bytes());
}

/// Adds a zeroed page at the end of the file and counts it in the header.
fn append_page(bytes: &mut StdVec<u8>) -> u32 {
    let size = page_size(bytes);
    bytes.resize(bytes.len() + size, 0);
    let count = (bytes.len() / size) as u32;
    put_u32(bytes, 28, count);
    count
}

#[test]
fn sound_databases_pass_at_every_page_size() {
    for size in [512, 1024, 4096, 65536] {
        let rows = if size == 65536 { 40 } else { 120 };
        let bytes = build(size, |pager, writer| {
            // Payloads from tiny to several overflow pages.
            standard(pager, writer, rows, |i| {
                (i as usize * 97) % (3 * size as usize)
            });
            let mut editor = SchemaEditor::new(pager, writer, Global);
            editor
                .create_table("gone", "CREATE TABLE gone(x UNIQUE)")
                .unwrap();
            let gone = editor.create_table("g2", "CREATE TABLE g2(x)").unwrap();
            for i in 0..50 {
                let blob = std::vec![7u8; 300];
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
                .drop_table("g2")
                .unwrap();
        });
        let report = report_of(&bytes, 0);
        assert!(report.is_ok(), "page size {size}: {report}");
        assert_eq!(report.to_string(), "ok");
        assert!(
            report.freelist_count() > 0,
            "page size {size}: no freelist to check"
        );
        assert_eq!(report.unchecked_indexes(), 0);
        assert_eq!(report.schema().unwrap().entries().len(), 4);
    }
}

#[test]
fn the_pager_entry_point_checks_the_current_transaction() {
    let disk = MemoryPlatform::new();
    let pager = open(&disk, 1024);
    let mut writer = TreeWriter::new_in(Global);
    // A database with no page is sound.
    assert!(integrity_check(&pager, Global, 0).unwrap().is_ok());
    pager.begin_write().unwrap();
    writer.create_tree(&pager, TreeKind::Table).unwrap();
    standard(&pager, &mut writer, 200, |i| i as usize * 5);
    // Inside the transaction, before anything is written to the file.
    let report = integrity_check(&pager, Global, 0).unwrap();
    assert!(report.is_ok(), "{report}");
    pager.commit().unwrap();
    let report = integrity_check(&pager, Global, 0).unwrap();
    assert!(report.is_ok(), "{report}");
    assert_eq!(report.page_count(), page_count(&pager));
    assert_eq!(freelist_count(&pager), 0);
}

#[test]
fn the_check_stops_at_its_limit() {
    let (mut bytes, _, _) = small_rows(10);
    for _ in 0..5 {
        append_page(&mut bytes);
    }
    let report = report_of(&bytes, 3);
    assert_eq!(report.problems().len(), 3);
    assert!(report.limit_reached());
    let report = report_of(&bytes, 0);
    assert_eq!(report.problems().len(), 5);
    assert!(!report.limit_reached());
}

#[test]
fn running_out_of_memory_is_an_error_never_a_wrong_verdict() {
    use crate::alloc::{FaultAlloc, oom_sweep};
    let (bytes, _, _) = small_rows(150);
    let image = FileImage::new(&bytes).unwrap();
    let header = DatabaseHeader::parse(&bytes).unwrap();
    let fault = FaultAlloc::new(Global);
    let sweep = oom_sweep(
        &fault,
        false,
        |alloc| check(&image, &header, alloc, 0).map(|r| r.is_ok()),
        |_, e| assert_eq!(e, Error::OutOfMemory),
    )
    .unwrap();
    assert!(sweep.value);
    assert!(sweep.failure_points > 5);
}

#[test]
fn the_lock_byte_page_is_marked_from_the_start() {
    /// A source of pages numbered past 2^30 bytes, with nothing in them.
    struct Huge;
    impl PageSource for Huge {
        type Page<'s>
            = &'s [u8]
        where
            Self: 's;
        fn page(&self, no: PageNo) -> Result<&[u8]> {
            Err(Error::corrupt(no, "no bytes"))
        }
        fn usable_size(&self) -> u32 {
            512
        }
        fn page_count(&self) -> u32 {
            (1 << 30) / 512 + 2
        }
    }
    let header = DatabaseHeader::new_database(PageSize::new(512).unwrap());
    let checker = checker::Checker::new(&Huge, &header, Global, 10).unwrap();
    let pending = (1 << 30) / 512 + 1;
    assert!(checker.map.is_marked(pending));
    assert!(!checker.map.is_marked(pending - 1) && !checker.map.is_marked(pending + 1));
}

#[test]
fn problems_print_as_sqlite_words_them() {
    let at = |kind| Problem {
        kind,
        tree: PageNo::new(2),
        page: PageNo::new(5),
        cell: Some(3),
    };
    assert_eq!(
        at(ProblemKind::RowidOrder(RowId::new(9))).to_string(),
        "Tree 2 page 5 cell 3: Rowid 9 out of order"
    );
    let free = Problem::new(ProblemKind::FreelistSize {
        found: 3,
        expected: 4,
    });
    assert_eq!(free.to_string(), "Freelist: size is 3 but should be 4");
    assert_eq!(
        Problem::new(ProblemKind::NeverUsed(7)).to_string(),
        "Page 7: never used"
    );
    let frag = Problem {
        cell: None,
        ..at(ProblemKind::Fragmentation {
            actual: 4,
            reported: 2,
        })
    };
    assert_eq!(
        frag.to_string(),
        "Tree 2 page 5: Fragmentation of 4 bytes reported as 2 on page 5"
    );
    let missing = Problem::new(ProblemKind::MissingFromIndex {
        rowid: RowId::new(4),
        index: PageNo::new(3).unwrap(),
    });
    assert_eq!(
        missing.to_string(),
        "row 4 missing from index rooted at page 3"
    );
    assert_eq!(missing.index(), PageNo::new(3));
}

/// Whether `list` holds a problem `pick` accepts.
fn has(list: &[ProblemKind], pick: impl Fn(&ProblemKind) -> bool) -> bool {
    list.iter().any(pick)
}

/// Cell `i` of page `n`, parsed.
fn cell(bytes: &[u8], n: u32, i: u16) -> Cell<'_> {
    page(bytes, n).cell(i).unwrap()
}
