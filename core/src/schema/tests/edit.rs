//! Reading and editing the schema table through a pager.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

use super::*;

#[test]
fn editing_the_schema_keeps_the_header_and_rowids_as_sqlite_does() {
    let disk = MemoryPlatform::new();
    let (pager, mut writer) = fresh(&disk);
    pager.begin_write().unwrap();
    let cookie = pager.header().schema_cookie;
    let mut editor = SchemaEditor::new(&pager, &mut writer, Global);
    let t = editor.create_table("t", "CREATE TABLE t(a, b)").unwrap();
    let header = pager.header();
    assert_eq!(header.schema_format, 4);
    assert_eq!(header.text_encoding, Some(TextEncoding::Utf8));
    assert_eq!(header.schema_cookie, cookie + 1);
    let i = editor
        .create_index(
            "i",
            "t",
            "CREATE INDEX i ON t(b)",
            &&disk,
            Config::DEFAULT_SORT_MEMORY,
        )
        .unwrap();
    let view = NewEntry {
        kind: EntryKind::View,
        name: "v",
        table: "v",
        root: None,
        sql: Some("CREATE VIEW v AS SELECT a FROM t"),
    };
    assert_eq!(editor.add_entry(&view).unwrap(), RowId::new(3));
    assert!(matches!(editor.add_entry(&view), Err(Error::Sql(_))));
    assert!(matches!(
        editor.create_table("T", "CREATE TABLE T(x)"),
        Err(Error::Sql(_))
    ));
    assert!(
        editor
            .create_table("w", "CREATE TABLE w(a) WITHOUT ROWID")
            .is_err()
    );
    pager.commit().unwrap();
    assert_eq!(pager.header().schema_cookie, cookie + 3);

    let schema = Schema::read(&pager, Global).unwrap();
    let rows: StdVec<_> = schema
        .entries()
        .iter()
        .map(|e| {
            (
                e.rowid.get(),
                e.kind,
                e.name.as_str(),
                e.table.as_str(),
                e.root,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (1, EntryKind::Table, "t", "t", Some(t)),
            (2, EntryKind::Index, "i", "t", Some(i)),
            (3, EntryKind::View, "v", "v", None),
        ]
    );
    assert_eq!(schema.indexes_of("T").count(), 1);
    assert_eq!(schema.by_root(i).unwrap().name.as_str(), "i");

    pager.begin_write().unwrap();
    let mut editor = SchemaEditor::new(&pager, &mut writer, Global);
    assert!(editor.remove_entry("V").unwrap());
    assert!(!editor.remove_entry("v").unwrap());
    let next = editor.create_table("u", "CREATE TABLE u(x)").unwrap();
    pager.commit().unwrap();
    let schema = Schema::read(&pager, Global).unwrap();
    // The next rowid is one above the largest, not a reused one.
    assert_eq!(
        schema.find("u").map(|e| (e.rowid.get(), e.root)),
        Some((3, Some(next)))
    );
}

#[test]
fn indexes_are_filled_from_rows_and_unique_ones_refuse_repeats() {
    let disk = MemoryPlatform::new();
    let (pager, mut writer) = fresh(&disk);
    pager.begin_write().unwrap();
    let t = SchemaEditor::new(&pager, &mut writer, Global)
        .create_table(
            "t",
            "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT COLLATE NOCASE)",
        )
        .unwrap();
    for (rowid, name) in [(1, "b"), (2, "A"), (3, "a")] {
        let mut row = crate::alloc::Vec::new();
        encode_into(&[ValueRef::Null, ValueRef::text(name)], &mut row).unwrap();
        writer
            .insert_row(&pager, t, RowId::new(rowid), &row)
            .unwrap();
    }
    let mut editor = SchemaEditor::new(&pager, &mut writer, Global);
    let i = editor
        .create_index(
            "i",
            "t",
            "CREATE INDEX i ON t(name DESC)",
            &&disk,
            Config::DEFAULT_SORT_MEMORY,
        )
        .unwrap();
    let err = editor.create_index(
        "u",
        "t",
        "CREATE UNIQUE INDEX u ON t(name)",
        &&disk,
        Config::DEFAULT_SORT_MEMORY,
    );
    assert_eq!(
        err.unwrap_err(),
        Error::Unique(crate::ConstraintName::new("t.name"))
    );
    pager.rollback().unwrap();
    let _ = i;

    pager.begin_write().unwrap();
    let t = SchemaEditor::new(&pager, &mut writer, Global)
        .create_table(
            "t",
            "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT COLLATE NOCASE)",
        )
        .unwrap();
    for (rowid, name) in [(1, "b"), (2, "A"), (3, "c")] {
        let mut row = crate::alloc::Vec::new();
        encode_into(&[ValueRef::Null, ValueRef::text(name)], &mut row).unwrap();
        writer
            .insert_row(&pager, t, RowId::new(rowid), &row)
            .unwrap();
    }
    let i = SchemaEditor::new(&pager, &mut writer, Global)
        .create_index(
            "i",
            "t",
            "CREATE UNIQUE INDEX i ON t(name DESC, id)",
            &&disk,
            Config::DEFAULT_SORT_MEMORY,
        )
        .unwrap();
    pager.commit().unwrap();
    let mut cursor = crate::btree::IndexCursor::new(&pager, i, crate::alloc::Vec::new());
    let mut seen = StdVec::new();
    let mut more = cursor.first().unwrap();
    while more {
        let payload = cursor.payload().unwrap();
        let key = RecordRef::parse(&payload, None).unwrap();
        seen.push((
            StdString::from(key.column(0).unwrap().as_str().unwrap()),
            key.column(1).unwrap().as_integer().unwrap(),
            key.column(2).unwrap().as_integer().unwrap(),
        ));
        drop(payload);
        more = cursor.next().unwrap();
    }
    let expected = [("c", 3, 3), ("b", 1, 1), ("A", 2, 2)];
    let expected: StdVec<_> = expected
        .iter()
        .map(|(n, a, b)| (StdString::from(*n), *a, *b))
        .collect();
    assert_eq!(seen, expected);
}

#[test]
fn dropping_a_table_drops_its_indexes_and_triggers() {
    let disk = MemoryPlatform::new();
    let (pager, mut writer) = fresh(&disk);
    pager.begin_write().unwrap();
    let mut editor = SchemaEditor::new(&pager, &mut writer, Global);
    editor.create_table("keep", "CREATE TABLE keep(x)").unwrap();
    editor
        .create_table("t", "CREATE TABLE t(x UNIQUE, y)")
        .unwrap();
    editor
        .create_index(
            "t_y",
            "t",
            "CREATE INDEX t_y ON t(y)",
            &&disk,
            Config::DEFAULT_SORT_MEMORY,
        )
        .unwrap();
    let trigger = NewEntry {
        kind: EntryKind::Trigger,
        name: "tr",
        table: "t",
        root: None,
        sql: Some("CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END"),
    };
    editor.add_entry(&trigger).unwrap();
    let pages = pager.page_count();
    let auto: StdVec<_> = Schema::read(&pager, Global)
        .unwrap()
        .indexes_of("t")
        .map(|e| {
            (
                StdString::from(e.name.as_str()),
                e.sql.is_none(),
                e.is_autoindex(),
            )
        })
        .collect();
    assert_eq!(
        auto,
        [
            (StdString::from("sqlite_autoindex_t_1"), true, true),
            (StdString::from("t_y"), false, false)
        ]
    );
    assert!(editor.drop_table("T").unwrap());
    assert!(!editor.drop_table("t").unwrap());
    assert!(!editor.drop_index("t_y").unwrap());
    pager.commit().unwrap();
    let schema = Schema::read(&pager, Global).unwrap();
    let left: StdVec<_> = schema.entries().iter().map(|e| e.name.as_str()).collect();
    assert_eq!(left, ["keep"]);
    // The roots of the table and its two indexes went to the freelist.
    assert_eq!(pager.header().freelist_count, 3);
    assert_eq!(pager.page_count(), pages);
}

#[test]
fn schema_rows_of_the_wrong_shape_are_corrupt() {
    let disk = MemoryPlatform::new();
    let (pager, mut writer) = fresh(&disk);
    pager.begin_write().unwrap();
    let mut row = crate::alloc::Vec::new();
    encode_into(
        &[
            ValueRef::text("table"),
            ValueRef::text("t"),
            ValueRef::text("t"),
            ValueRef::text("two"),
            ValueRef::Null,
        ],
        &mut row,
    )
    .unwrap();
    writer
        .insert_row(&pager, PageNo::ONE, RowId::new(1), &row)
        .unwrap();
    pager.commit().unwrap();
    assert!(matches!(
        Schema::read(&pager, Global),
        Err(Error::Corrupt {
            reason: "schema root page is not an integer",
            ..
        })
    ));
    let empty = MemoryPlatform::new();
    let pager = open(&empty);
    assert!(Schema::read(&pager, Global).unwrap().entries().is_empty());
}

#[test]
fn autoincrement_tables_get_sqlite_sequence_and_lose_their_row_when_dropped() {
    let disk = MemoryPlatform::new();
    let (pager, mut writer) = fresh(&disk);
    pager.begin_write().unwrap();
    let mut editor = SchemaEditor::new(&pager, &mut writer, Global);
    editor
        .create_table(
            "a",
            "CREATE TABLE a(id INTEGER PRIMARY KEY AUTOINCREMENT, x)",
        )
        .unwrap();
    editor
        .create_table("b", "CREATE TABLE b(id INTEGER PRIMARY KEY AUTOINCREMENT)")
        .unwrap();
    let schema = Schema::read(&pager, Global).unwrap();
    let names: StdVec<_> = schema.entries().iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["a", SEQUENCE_TABLE, "b"]);
    let sequence = schema.find(SEQUENCE_TABLE).unwrap();
    assert_eq!(sequence.sql.as_deref(), Some(SEQUENCE_SQL));
    let root = sequence.root.unwrap();
    for (rowid, table) in [(1, "a"), (2, "b")] {
        let row = {
            let mut out = crate::alloc::Vec::new();
            encode_into(&[ValueRef::text(table), ValueRef::Integer(9)], &mut out).unwrap();
            out
        };
        writer
            .insert_row(&pager, root, RowId::new(rowid), &row)
            .unwrap();
    }
    assert!(
        SchemaEditor::new(&pager, &mut writer, Global)
            .drop_table("A")
            .unwrap()
    );
    pager.commit().unwrap();
    let mut cursor = crate::btree::TableCursor::new(&pager, root, crate::alloc::Vec::new());
    assert!(cursor.first().unwrap());
    assert_eq!(cursor.rowid().unwrap(), RowId::new(2));
    assert!(!cursor.next().unwrap());
}
