//! A table cursor that saves its position survives changes made through
//! the writer while it iterates: its next move re-seeks the saved rowid.

extern crate std;

use std::collections::BTreeMap;
use std::vec::Vec as StdVec;

use boundlite_platform::{MemoryFile, MemoryPlatform, OpenMode, Platform};

use crate::alloc::{FaultAlloc, FaultPlan, Global, Vec};
use crate::btree::{CursorState, SeekMode, TableCursor, TreeKind, TreeWriter};
use crate::format::PageSize;
use crate::pager::Pager;
use crate::{Config, Error, PageNo, RowId};

type TestPager<'d> = Pager<MemoryFile<'d>, Global>;

fn open(disk: &MemoryPlatform) -> TestPager<'_> {
    let cfg = Config {
        page_size: PageSize::new(512).unwrap(),
        cache_frames: 2000,
        ..Config::DEFAULT
    };
    let file = disk.open("save.db", OpenMode::Create).unwrap();
    Pager::open(file, None, OpenMode::Create, &cfg, Global).unwrap()
}

/// The record stored as row `rowid`, version `v`: some rows spill to
/// overflow pages, so changes free and write chains too.
fn record(rowid: i64, v: u8) -> StdVec<u8> {
    let len = if rowid % 7 == 0 {
        900
    } else {
        20 + (rowid % 50) as usize
    };
    (0..len).map(|i| (rowid as u8) ^ (i as u8) ^ v).collect()
}

/// A table of rows 10, 20, .. 10 * n, in a write transaction left open.
fn table<'d>(
    pager: &TestPager<'d>,
    writer: &mut TreeWriter<Global>,
    n: i64,
) -> (PageNo, BTreeMap<i64, StdVec<u8>>) {
    pager.begin_write().unwrap();
    writer.create_tree(pager, TreeKind::Table).unwrap();
    let root = writer.create_tree(pager, TreeKind::Table).unwrap();
    let mut model = BTreeMap::new();
    for rowid in (1..=n).map(|i| i * 10) {
        writer
            .insert_row(pager, root, RowId::new(rowid), &record(rowid, 0))
            .unwrap();
        model.insert(rowid, record(rowid, 0));
    }
    (root, model)
}

fn current(cursor: &mut TableCursor<'_, TestPager<'_>, Global>) -> (i64, StdVec<u8>) {
    let (rowid, payload) = cursor.row().unwrap();
    (rowid.get(), payload.to_vec())
}

/// Changes around row `at`, in the model and through the writer: deletes
/// it or its successor, inserts rows just after it (the cursor must then
/// visit them) and just before it (it must not), replaces rows ahead.
fn change(
    pager: &TestPager<'_>,
    writer: &mut TreeWriter<Global>,
    root: PageNo,
    model: &mut BTreeMap<i64, StdVec<u8>>,
    at: i64,
    step: u64,
) {
    let mut delete = |rowid: i64, model: &mut BTreeMap<i64, StdVec<u8>>| {
        let there = writer.delete_row(pager, root, RowId::new(rowid)).unwrap();
        assert_eq!(there, model.remove(&rowid).is_some(), "delete {rowid}");
    };
    if step % 3 == 0 {
        delete(at, model);
    }
    if step % 5 == 0 {
        delete(at + 10, model);
        delete(at + 20, model);
    }
    let mut insert = |rowid: i64, v: u8, model: &mut BTreeMap<i64, StdVec<u8>>| {
        writer
            .insert_row(pager, root, RowId::new(rowid), &record(rowid, v))
            .unwrap();
        model.insert(rowid, record(rowid, v));
    };
    if step % 4 == 1 && at % 10 == 0 {
        insert(at + 3, 1, model);
    }
    if step % 2 == 0 {
        insert(at - 7, 2, model);
    }
    if step % 7 == 3 {
        insert(at + 40, 3, model);
    }
}

#[test]
fn a_saved_cursor_goes_on_after_deletes_and_inserts_under_it() {
    let disk = MemoryPlatform::new();
    let pager = open(&disk);
    let mut writer = TreeWriter::new_in(Global);
    let (root, mut model) = table(&pager, &mut writer, 400);
    let mut cursor = TableCursor::new(&pager, root, Vec::new());

    // Forwards: every row visited is the model's next row after the last.
    assert!(cursor.first().unwrap());
    let mut inserted_ahead = 0;
    let mut step = 0u64;
    loop {
        let (rowid, bytes) = current(&mut cursor);
        assert_eq!(Some(&bytes), model.get(&rowid), "row {rowid}");
        inserted_ahead += usize::from(rowid % 10 == 3);
        cursor.save_position().unwrap();
        assert_eq!(
            cursor.state(),
            CursorState::RequiresSeek {
                key: RowId::new(rowid)
            }
        );
        assert!(!cursor.is_positioned());
        change(&pager, &mut writer, root, &mut model, rowid, step);
        step += 1;
        let expected = model.range(rowid + 1..).next().map(|(k, _)| *k);
        let moved = cursor.next().unwrap();
        assert_eq!(moved, expected.is_some(), "after {rowid}");
        match expected {
            Some(next) => assert_eq!(cursor.rowid().unwrap().get(), next),
            None => break,
        }
    }
    assert_eq!(cursor.state(), CursorState::Unpositioned);
    assert!(inserted_ahead > 50, "rows inserted ahead are visited too");

    // Backwards, deleting every row as it is left.
    assert!(cursor.last().unwrap());
    loop {
        let rowid = cursor.rowid().unwrap().get();
        cursor.save_position().unwrap();
        assert!(writer.delete_row(&pager, root, RowId::new(rowid)).unwrap());
        model.remove(&rowid);
        let expected = model.range(..rowid).next_back().map(|(k, _)| *k);
        assert_eq!(cursor.prev().unwrap(), expected.is_some());
        match expected {
            Some(prev) => assert_eq!(cursor.rowid().unwrap().get(), prev),
            None => break,
        }
    }
    assert!(model.is_empty());
    assert!(!cursor.first().unwrap());
    pager.commit().unwrap();
}

#[test]
fn restore_finds_the_saved_row_or_keeps_the_key() {
    let disk = MemoryPlatform::new();
    let pager = open(&disk);
    let mut writer = TreeWriter::new_in(Global);
    let (root, _) = table(&pager, &mut writer, 300);
    let mut cursor = TableCursor::new(&pager, root, Vec::new());

    // Unpositioned: saving and restoring change nothing.
    cursor.save_position().unwrap();
    assert_eq!(cursor.state(), CursorState::Unpositioned);
    assert!(!cursor.restore().unwrap());
    assert!(!cursor.next().unwrap());

    // The row is still there (its neighbours moved): back on it.
    assert!(cursor.seek(RowId::new(1500), SeekMode::Eq).unwrap());
    cursor.save_position().unwrap();
    assert!(matches!(cursor.rowid(), Err(Error::Misuse(_))));
    assert!(matches!(cursor.payload(), Err(Error::Misuse(_))));
    for rowid in (1000..1500).step_by(10) {
        writer.delete_row(&pager, root, RowId::new(rowid)).unwrap();
    }
    assert!(cursor.restore().unwrap());
    assert_eq!(cursor.state(), CursorState::Valid);
    assert_eq!(current(&mut cursor), (1500, record(1500, 0)));
    // Restoring a valid cursor is a no-op.
    assert!(cursor.restore().unwrap());

    // The row is gone: the key stays saved, and the moves go on from it.
    cursor.save_position().unwrap();
    writer.delete_row(&pager, root, RowId::new(1500)).unwrap();
    assert!(!cursor.restore().unwrap());
    assert_eq!(
        cursor.state(),
        CursorState::RequiresSeek {
            key: RowId::new(1500)
        }
    );
    assert!(cursor.prev().unwrap());
    assert_eq!(cursor.rowid().unwrap().get(), 990);

    // A scan from a saved position starts at the saved row, or after it.
    cursor.save_position().unwrap();
    let mut first = None;
    assert!(
        cursor
            .scan(|rowid, _| {
                first.get_or_insert(rowid.get());
                Ok(rowid > RowId::new(1500))
            })
            .unwrap()
    );
    assert_eq!((first, cursor.rowid().unwrap().get()), (Some(990), 1510));
    cursor.save_position().unwrap();
    writer.delete_row(&pager, root, RowId::new(1510)).unwrap();
    let mut first = None;
    assert!(
        cursor
            .scan(|rowid, _| Ok(*first.get_or_insert(rowid.get()) > 0))
            .unwrap()
    );
    assert_eq!(first, Some(1520));

    // Saved on the last row, which is then deleted: off the end.
    assert!(cursor.last().unwrap());
    cursor.save_position().unwrap();
    writer.delete_row(&pager, root, RowId::new(3000)).unwrap();
    assert!(!cursor.next().unwrap());
    assert_eq!(cursor.state(), CursorState::Unpositioned);
    pager.commit().unwrap();
}

#[test]
fn saving_and_reseeking_allocate_nothing() {
    let disk = MemoryPlatform::new();
    let pager = open(&disk);
    let mut writer = TreeWriter::new_in(Global);
    let (root, model) = table(&pager, &mut writer, 300);
    let fault = FaultAlloc::new(Global);
    fault.arm(FaultPlan::From(1));
    let mut cursor = TableCursor::new(&pager, root, Vec::new_in(&fault));
    let mut visited = StdVec::new();
    let mut on = cursor.first().unwrap();
    while on {
        visited.push(cursor.rowid().unwrap().get());
        cursor.save_position().unwrap();
        assert!(cursor.restore().unwrap());
        cursor.save_position().unwrap();
        on = cursor.next().unwrap();
    }
    assert!(visited.iter().eq(model.keys()));
    assert_eq!(fault.seen(), 0);
    pager.commit().unwrap();
}
