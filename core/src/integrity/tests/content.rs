//! Index entries against table rows.

use super::*;
use crate::record::{Collation, KeyColumn, SortOrder};

const NOCASE: [KeyColumn; 1] = [KeyColumn {
    order: SortOrder::Asc,
    collation: Collation::NoCase,
}];

const BINARY: [KeyColumn; 1] = [KeyColumn {
    order: SortOrder::Asc,
    collation: Collation::Binary,
}];

fn page_no(n: u32) -> PageNo {
    PageNo::new(n).unwrap()
}

#[test]
fn a_missing_entry_is_named_by_its_row_and_index() {
    let mut index = 0;
    let bytes = build(512, |pager, writer| {
        index = standard(pager, writer, 50, |_| 8).1;
        let key = record(&[ValueRef::text(&name(5)), ValueRef::Integer(5)]);
        assert!(
            writer
                .delete_key(pager, page_no(index), &key, &NOCASE)
                .unwrap()
        );
    });
    let index = page_no(index);
    assert_eq!(
        problems(&bytes),
        [
            ProblemKind::MissingFromIndex {
                rowid: RowId::new(5),
                index
            },
            ProblemKind::EntryCount {
                index,
                entries: 49,
                rows: 50
            }
        ]
    );
    assert_eq!(
        report_of(&bytes, 0).to_string(),
        "row 5 missing from index t_name\nwrong # of entries in index t_name (49 entries, 50 rows)"
    );
}

#[test]
fn an_entry_equal_only_under_its_collation_differs_from_the_row() {
    let mut index = 0;
    let bytes = build(512, |pager, writer| {
        index = standard(pager, writer, 50, |_| 8).1;
        let key = record(&[ValueRef::text(&name(7)), ValueRef::Integer(7)]);
        assert!(
            writer
                .delete_key(pager, page_no(index), &key, &NOCASE)
                .unwrap()
        );
        let upper = name(7).to_uppercase();
        let key = record(&[ValueRef::text(&upper), ValueRef::Integer(7)]);
        assert!(
            writer
                .insert_key(pager, page_no(index), &key, &NOCASE)
                .unwrap()
        );
    });
    assert_eq!(
        problems(&bytes),
        [ProblemKind::ValuesDiffer {
            rowid: RowId::new(7),
            index: page_no(index)
        }]
    );
}

/// Adds row `rowid` holding `k` to table `table` and, when `index` is
/// given, its entry.
fn add(
    pager: &TestPager<'_>,
    writer: &mut TreeWriter<Global>,
    table: PageNo,
    index: Option<PageNo>,
    rowid: i64,
    k: ValueRef<'_>,
) {
    writer
        .insert_row(
            pager,
            table,
            RowId::new(rowid),
            &record(&[ValueRef::Null, k]),
        )
        .unwrap();
    if let Some(index) = index {
        let key = record(&[k, ValueRef::Integer(rowid)]);
        assert!(writer.insert_key(pager, index, &key, &BINARY).unwrap());
    }
}

#[test]
fn unique_indexes_refuse_repeated_keys_but_not_nulls() {
    let mut index = 0;
    let bytes = build(1024, |pager, writer| {
        let mut editor = SchemaEditor::new(pager, writer, Global);
        let table = editor
            .create_table("u", "CREATE TABLE u(id INTEGER PRIMARY KEY, k TEXT)")
            .unwrap();
        let i = editor
            .create_index(
                "u_k",
                "u",
                "CREATE UNIQUE INDEX u_k ON u(k)",
                &&MemoryPlatform::new(),
                Config::DEFAULT_SORT_MEMORY,
            )
            .unwrap();
        index = i.get();
        add(pager, writer, table, Some(i), 1, ValueRef::text("a"));
        add(pager, writer, table, Some(i), 2, ValueRef::Null);
        add(pager, writer, table, Some(i), 3, ValueRef::Null);
        add(pager, writer, table, Some(i), 4, ValueRef::text("b"));
    });
    assert_eq!(problems(&bytes), []);
    let mut dup = 0;
    let bytes = build(1024, |pager, writer| {
        let mut editor = SchemaEditor::new(pager, writer, Global);
        let table = editor
            .create_table("u", "CREATE TABLE u(id INTEGER PRIMARY KEY, k TEXT UNIQUE)")
            .unwrap();
        // The constraint's automatic index is the table's only index.
        dup = table.get() + 1;
        let auto = Some(page_no(dup));
        add(pager, writer, table, auto, 1, ValueRef::text("a"));
        add(pager, writer, table, auto, 2, ValueRef::text("a"));
        add(pager, writer, table, None, 3, ValueRef::text("c"));
    });
    let index = page_no(dup);
    assert_eq!(
        problems(&bytes),
        [
            ProblemKind::NonUnique { index },
            ProblemKind::MissingFromIndex {
                rowid: RowId::new(3),
                index
            },
            ProblemKind::EntryCount {
                index,
                entries: 2,
                rows: 3
            }
        ]
    );
    let text = report_of(&bytes, 0).to_string();
    assert!(
        text.contains("non-unique entry in index sqlite_autoindex_u_1"),
        "{text}"
    );
}

#[test]
fn partial_and_expression_indexes_are_checked_against_their_rows() {
    let (mut partial, mut expression) = (0, 0);
    let bytes = build(1024, |pager, writer| {
        let mut editor = SchemaEditor::new(pager, writer, Global);
        let table = editor
            .create_table("p", "CREATE TABLE p(id INTEGER PRIMARY KEY, v)")
            .unwrap();
        let part = editor
            .create_index(
                "p_v",
                "p",
                "CREATE INDEX p_v ON p(v) WHERE v > 2",
                &&MemoryPlatform::new(),
                Config::DEFAULT_SORT_MEMORY,
            )
            .unwrap();
        let expr = editor
            .create_index(
                "p_e",
                "p",
                "CREATE INDEX p_e ON p(v + 1)",
                &&MemoryPlatform::new(),
                Config::DEFAULT_SORT_MEMORY,
            )
            .unwrap();
        (partial, expression) = (part.get(), expr.get());
        for i in 1..=5 {
            let v = ValueRef::Integer(i);
            add(pager, writer, table, (i > 2).then_some(part), i, v);
            if i != 4 {
                let key = record(&[ValueRef::Integer(i + 1), ValueRef::Integer(i)]);
                writer.insert_key(pager, expr, &key, &BINARY).unwrap();
            }
        }
        // An entry for a row the table lacks.
        let key = record(&[ValueRef::Integer(7), ValueRef::Integer(999)]);
        writer.insert_key(pager, part, &key, &BINARY).unwrap();
    });
    let report = report_of(&bytes, 0);
    let found: StdVec<_> = report.problems().iter().map(|p| p.kind).collect();
    // As SQLite checks them: the partial index over the rows its WHERE
    // holds for (three, beside four entries), the expression index with
    // each row's entry evaluated and sought.
    assert_eq!(
        found,
        [
            ProblemKind::EntryCount {
                index: page_no(partial),
                entries: 4,
                rows: 3
            },
            ProblemKind::MissingFromIndex {
                rowid: RowId::new(4),
                index: page_no(expression)
            },
            ProblemKind::EntryCount {
                index: page_no(expression),
                entries: 4,
                rows: 5
            }
        ]
    );
    assert_eq!(report.unchecked_indexes(), 0);
}

#[test]
fn index_entries_must_end_with_a_rowid() {
    let bytes = build(1024, |pager, writer| {
        let mut editor = SchemaEditor::new(pager, writer, Global);
        let table = editor
            .create_table("r", "CREATE TABLE r(id INTEGER PRIMARY KEY, v)")
            .unwrap();
        let index = editor
            .create_index(
                "r_v",
                "r",
                "CREATE INDEX r_v ON r(v)",
                &&MemoryPlatform::new(),
                Config::DEFAULT_SORT_MEMORY,
            )
            .unwrap();
        add(pager, writer, table, Some(index), 1, ValueRef::Integer(1));
        writer
            .insert_row(
                pager,
                table,
                RowId::new(2),
                &record(&[ValueRef::Null, ValueRef::Integer(2)]),
            )
            .unwrap();
        let key = record(&[ValueRef::Integer(2), ValueRef::text("two")]);
        writer.insert_key(pager, index, &key, &BINARY).unwrap();
    });
    assert_eq!(problems(&bytes), [ProblemKind::NoRowid]);
}
