//! Tests of the columns read from the statements SQLite stores, and of
//! reading and editing the schema table through a pager.
// Test scaffolding uses std's collections; the code under test does not.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

extern crate std;

use std::string::String as StdString;
use std::vec;
use std::vec::Vec as StdVec;

use boundlite_platform::{MemoryFile, MemoryPlatform, OpenMode, Platform};

use super::*;
use crate::alloc::Global;
use crate::btree::{TreeKind, TreeWriter};
use crate::format::{PageSize, TextEncoding};
use crate::pager::Pager;
use crate::record::{Collation, RecordRef, SortOrder, ValueRef, encode_into};
use crate::{Config, Error};

fn table(sql: &str) -> TableColumns<Global> {
    table_columns(sql, Global).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn names(t: &TableColumns<Global>) -> StdVec<StdString> {
    t.columns
        .iter()
        .map(|c| StdString::from(c.name.as_str()))
        .collect()
}

fn col(i: usize, collation: Collation, order: SortOrder) -> IndexColumn {
    IndexColumn {
        source: ColumnSource::Column(i),
        collation: Some(collation),
        order,
    }
}

const ASC: SortOrder = SortOrder::Asc;
const DESC: SortOrder = SortOrder::Desc;
const BIN: Collation = Collation::Binary;

#[test]
fn quoted_names_and_comments_read_as_sqlite_reads_them() {
    let t = table(
        "CREATE /* c */ TABLE \"a\"\"b\"([x y], `z`, 'q''r' -- tail\n, \"w\"\"v\" DEFAULT x'00ff')",
    );
    assert_eq!(names(&t), ["x y", "z", "q'r", "w\"v"]);
    assert!(t.columns[3].has_default);
    // A comment that never closes runs to the end, as in SQLite.
    assert_eq!(names(&table("CREATE TABLE t(a) /* b")), ["a"]);
}

#[test]
fn plain_tables_list_their_columns() {
    let t = table("CREATE TABLE t(a, b TEXT, \"c d\" VARCHAR(10, 2) NOT NULL DEFAULT 'x,y')");
    assert_eq!(names(&t), ["a", "b", "c d"]);
    assert_eq!(t.rowid_alias, None);
    assert!(t.autoindexes.is_empty());
    assert!(t.columns[2].has_default);
    assert_eq!(
        t.columns.iter().map(|c| c.storage).collect::<StdVec<_>>(),
        [Some(0), Some(1), Some(2)]
    );
    let t = table(
        "create temp table if not exists main.t ( -- the id\n id integer primary key autoincrement, [check] CHECK (length([check]) > (1 + (2))))",
    );
    assert_eq!(names(&t), ["id", "check"]);
    assert_eq!(t.rowid_alias, Some(0));
}

#[test]
fn the_rowid_alias_follows_sqlites_rule() {
    let alias = |sql: &str| table(sql).rowid_alias;
    assert_eq!(alias("CREATE TABLE t(x INTEGER PRIMARY KEY, y)"), Some(0));
    assert_eq!(
        alias("CREATE TABLE t(x, y \"integer\" PRIMARY KEY ASC)"),
        Some(1)
    );
    assert_eq!(
        alias("CREATE TABLE t(x INTEGER, y, PRIMARY KEY(x DESC))"),
        Some(0)
    );
    assert_eq!(
        alias("CREATE TABLE t(x INTEGER, CONSTRAINT pk PRIMARY KEY (x))"),
        Some(0)
    );
    // Not an alias: DESC on the column, another type, several columns.
    assert_eq!(alias("CREATE TABLE t(x INTEGER PRIMARY KEY DESC)"), None);
    assert_eq!(alias("CREATE TABLE t(x INT PRIMARY KEY)"), None);
    assert_eq!(alias("CREATE TABLE t(x INTEGER(8) PRIMARY KEY)"), None);
    assert_eq!(
        alias("CREATE TABLE t(x UNSIGNED INTEGER PRIMARY KEY)"),
        None
    );
    assert_eq!(
        alias("CREATE TABLE t(x INTEGER, y INTEGER, PRIMARY KEY(x, y))"),
        None
    );
}

#[test]
fn autoindexes_come_from_constraints_in_order() {
    let t = table(
        "CREATE TABLE t(a TEXT PRIMARY KEY DESC, b UNIQUE COLLATE nocase, c, d, \
         UNIQUE(c COLLATE rtrim, d DESC), UNIQUE(b), UNIQUE(\"B\" COLLATE NOCASE ASC))",
    );
    let keys: StdVec<StdVec<IndexColumn>> = t
        .autoindexes
        .iter()
        .map(|k| k.iter().copied().collect())
        .collect();
    assert_eq!(
        keys,
        [
            vec![col(0, BIN, DESC)],
            vec![col(1, Collation::NoCase, ASC)],
            vec![col(2, Collation::RTrim, ASC), col(3, BIN, DESC)],
        ],
        "UNIQUE(b) repeats b's own UNIQUE: no index of its own"
    );
    let index = autoindex_columns("sqlite_autoindex_t_3", &t, Global).unwrap();
    assert!(index.unique && !index.partial);
    assert_eq!(index.columns.as_slice(), keys[2].as_slice());
    assert!(autoindex_columns("sqlite_autoindex_t_4", &t, Global).is_err());
    // The alias makes no index; a UNIQUE on it does.
    let t = table("CREATE TABLE u(id INTEGER PRIMARY KEY UNIQUE, v)");
    assert_eq!(t.autoindexes.len(), 1);
    assert_eq!(t.autoindexes[0][0], col(0, BIN, ASC));
}

#[test]
fn refused_tables_say_why() {
    let refused = |sql: &str| table_columns(sql, Global).unwrap_err();
    assert_eq!(
        refused("CREATE TABLE t(a PRIMARY KEY, b) WITHOUT ROWID"),
        Error::Sql("WITHOUT ROWID tables are not supported")
    );
    assert!(is_without_rowid(
        "CREATE TABLE t(a PRIMARY KEY, b) without  rowid"
    ));
    assert!(is_without_rowid(
        "CREATE TABLE t(a PRIMARY KEY) STRICT, WITHOUT ROWID"
    ));
    assert!(!is_without_rowid(
        "CREATE TABLE t(a DEFAULT 'without rowid')"
    ));
    assert!(!is_without_rowid("CREATE TABLE t(\"without\" (x), rowid)"));
    assert!(is_without_rowid(
        "CREATE TABLE t(a PRIMARY KEY) /* ) */ WITHOUT -- x\n ROWID"
    ));
    assert!(matches!(
        refused("CREATE VIRTUAL TABLE v USING fts5(x)"),
        Error::Sql(_)
    ));
    assert!(matches!(
        refused("CREATE TABLE t AS SELECT 1"),
        Error::Sql(_)
    ));
    assert!(matches!(
        refused("CREATE VIEW v AS SELECT 1"),
        Error::Sql(_)
    ));
    assert!(matches!(
        refused("CREATE TABLE t(a PRIMARY KEY, b PRIMARY KEY)"),
        Error::Sql(_)
    ));
    assert!(matches!(
        refused("CREATE TABLE t(a, UNIQUE(a + 1))"),
        Error::Sql(_)
    ));
}

#[test]
fn generated_columns_and_foreign_keys_are_read_as_declared() {
    let t = table(
        "CREATE TABLE t(a INT REFERENCES p(x) ON DELETE SET DEFAULT ON UPDATE SET NULL \
         NOT DEFERRABLE, b AS (a * 2), c GENERATED ALWAYS AS (a + 1) STORED, d COLLATE foo)",
    );
    assert_eq!(names(&t), ["a", "b", "c", "d"]);
    assert!(!t.columns[0].has_default, "SET DEFAULT is not a default");
    assert!(t.columns[1].generated && t.columns[2].generated);
    let storage: StdVec<_> = t.columns.iter().map(|c| c.storage).collect();
    assert_eq!(storage, [Some(0), None, Some(1), Some(2)]);
    assert_eq!(t.columns[3].collation, None);
}

#[test]
fn index_columns_take_collation_order_and_shape() {
    let t = table("CREATE TABLE t(a, b TEXT COLLATE NOCASE, c, g AS (a + 1))");
    let index = |sql: &str| index_columns(sql, &t, Global).unwrap_or_else(|e| panic!("{sql}: {e}"));
    let i = index("CREATE UNIQUE INDEX IF NOT EXISTS i ON t(\"A\" DESC, b, c COLLATE rtrim)");
    assert!(i.unique && !i.partial);
    assert_eq!(
        i.columns.as_slice(),
        [
            col(0, BIN, DESC),
            col(1, Collation::NoCase, ASC),
            col(2, Collation::RTrim, ASC)
        ]
    );
    assert!(i.is_plain(&t));
    let i = index("CREATE INDEX i ON t(b COLLATE binary) WHERE c > 0 AND (a = 1)");
    assert!(i.partial && !i.unique);
    assert_eq!(i.columns.as_slice(), [col(1, BIN, ASC)]);
    let i = index("CREATE INDEX i ON t(a + 1, (c), lower(b) COLLATE nocase DESC, g, 'c')");
    let sources: StdVec<_> = i.columns.iter().map(|c| c.source).collect();
    use ColumnSource::*;
    assert_eq!(
        sources,
        [Expression, Column(2), Expression, Expression, Column(2)]
    );
    assert_eq!(i.columns[2].collation, Some(Collation::NoCase));
    assert_eq!(i.columns[2].order, DESC);
    assert!(!i.is_plain(&t));
    let i = index("CREATE INDEX i ON t(a COLLATE custom)");
    let mut keys = crate::alloc::Vec::new();
    assert!(!i.key_columns(true, &mut keys).unwrap());
    assert!(index_columns("CREATE INDEX i ON t(nope)", &t, Global).is_err());
}

#[test]
fn keys_built_from_rows_match_the_record_encoder() {
    let t = table("CREATE TABLE t(id INTEGER PRIMARY KEY, a, b TEXT, c DEFAULT 5, d)");
    let i = index_columns("CREATE INDEX i ON t(b, id, a, d)", &t, Global).unwrap();
    let mut row = crate::alloc::Vec::new();
    // The row lacks column d (added by ALTER TABLE, no default): d is NULL.
    encode_into(
        &[ValueRef::Null, ValueRef::Integer(300), ValueRef::text("x")],
        &mut row,
    )
    .unwrap();
    let row = RecordRef::parse(&row, None).unwrap();
    let mut key = crate::alloc::Vec::new();
    assert_eq!(
        build_index_key(&t, &i, &row, 7, &mut key).unwrap(),
        KeyBuilt::Built
    );
    let mut expected = crate::alloc::Vec::new();
    let values = [
        ValueRef::text("x"),
        ValueRef::Integer(7),
        ValueRef::Integer(300),
        ValueRef::Null,
        ValueRef::Integer(7),
    ];
    encode_into(&values, &mut expected).unwrap();
    assert_eq!(key, expected);
    // Column c has a default that index maintenance does not evaluate.
    let i = index_columns("CREATE INDEX j ON t(c)", &t, Global).unwrap();
    assert_eq!(
        build_index_key(&t, &i, &row, 7, &mut key).unwrap(),
        KeyBuilt::Unknown
    );
    // A header past 126 bytes of serial types takes a two-byte size.
    let wide = table("CREATE TABLE w(x)");
    let mut many = std::string::String::from("CREATE INDEX k ON w(x");
    for _ in 0..200 {
        many.push_str(", x");
    }
    many.push(')');
    let i = index_columns(&many, &wide, Global).unwrap();
    let mut row = crate::alloc::Vec::new();
    encode_into(&[ValueRef::Integer(1000)], &mut row).unwrap();
    let row = RecordRef::parse(&row, None).unwrap();
    build_index_key(&wide, &i, &row, 1, &mut key).unwrap();
    let mut expected = crate::alloc::Vec::new();
    let mut values = vec![ValueRef::Integer(1000); 201];
    values.push(ValueRef::Integer(1));
    encode_into(&values, &mut expected).unwrap();
    assert_eq!(key, expected);
}

const PATH: &str = "schema.db";

fn open(disk: &MemoryPlatform) -> Pager<MemoryFile<'_>, Global> {
    let cfg = Config {
        page_size: PageSize::new(1024).unwrap(),
        cache_frames: 64,
        ..Config::DEFAULT
    };
    let file = disk.open(PATH, OpenMode::Create).unwrap();
    Pager::open(file, None, OpenMode::Create, &cfg, Global).unwrap()
}

/// A database holding an empty schema table, committed.
fn fresh(disk: &MemoryPlatform) -> (Pager<MemoryFile<'_>, Global>, TreeWriter<Global>) {
    let pager = open(disk);
    let mut writer = TreeWriter::new_in(Global);
    pager.begin_write().unwrap();
    assert_eq!(
        writer.create_tree(&pager, TreeKind::Table).unwrap(),
        PageNo::ONE
    );
    pager
        .update_header(|h| {
            h.schema_format = 0;
            h.text_encoding = None;
        })
        .unwrap();
    pager.commit().unwrap();
    (pager, writer)
}

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
        .create_index("i", "t", "CREATE INDEX i ON t(b)")
        .unwrap();
    let view = NewEntry {
        kind: EntryKind::View,
        name: "v",
        table: "v",
        root: None,
        sql: Some("CREATE VIEW v AS SELECT a FROM t"),
    };
    assert_eq!(editor.add_entry(&view).unwrap(), 3);
    assert!(matches!(editor.add_entry(&view), Err(Error::Sql(_))));
    assert!(matches!(
        editor.create_table("T", "CREATE TABLE T(x)"),
        Err(Error::Sql(_))
    ));
    assert!(
        editor
            .create_table("w", "CREATE TABLE w(a PRIMARY KEY) WITHOUT ROWID")
            .is_err()
    );
    pager.commit().unwrap();
    assert_eq!(pager.header().schema_cookie, cookie + 3);

    let schema = Schema::read(&pager, Global).unwrap();
    let rows: StdVec<_> = schema
        .entries()
        .iter()
        .map(|e| (e.rowid, e.kind, e.name.as_str(), e.table.as_str(), e.root))
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
        schema.find("u").map(|e| (e.rowid, e.root)),
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
        writer.insert_row(&pager, t, rowid, &row).unwrap();
    }
    let mut editor = SchemaEditor::new(&pager, &mut writer, Global);
    let i = editor
        .create_index("i", "t", "CREATE INDEX i ON t(name DESC)")
        .unwrap();
    let err = editor.create_index("u", "t", "CREATE UNIQUE INDEX u ON t(name)");
    assert_eq!(
        err.unwrap_err(),
        Error::Constraint("UNIQUE constraint failed")
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
        writer.insert_row(&pager, t, rowid, &row).unwrap();
    }
    let i = SchemaEditor::new(&pager, &mut writer, Global)
        .create_index("i", "t", "CREATE UNIQUE INDEX i ON t(name DESC, id)")
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
        .create_index("t_y", "t", "CREATE INDEX t_y ON t(y)")
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
    writer.insert_row(&pager, PageNo::ONE, 1, &row).unwrap();
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
        writer.insert_row(&pager, root, rowid, &row).unwrap();
    }
    assert!(
        SchemaEditor::new(&pager, &mut writer, Global)
            .drop_table("A")
            .unwrap()
    );
    pager.commit().unwrap();
    let mut cursor = crate::btree::TableCursor::new(&pager, root, crate::alloc::Vec::new());
    assert!(cursor.first().unwrap());
    assert_eq!(cursor.rowid().unwrap(), 2);
    assert!(!cursor.next().unwrap());
}

#[test]
fn odd_but_legal_declarations_read_as_sqlite_reads_them() {
    // Constraints in any order, a bare `CONSTRAINT name`, a type with two
    // parameters, table constraints without commas between them.
    let t = table(
        "CREATE TABLE t(\"id\" \"integer\" CONSTRAINT pk NOT NULL PRIMARY KEY ON CONFLICT ABORT \
         AUTOINCREMENT, v VARCHAR(10, 2) CONSTRAINT c COLLATE RTRIM DEFAULT -1 UNIQUE CHECK (v <> ''), \
         'w' NUMERIC(10) CONSTRAINT lonely, x, UNIQUE (x) CONSTRAINT u UNIQUE (w DESC) \
         CHECK (x > 0) FOREIGN KEY (x) REFERENCES t(id)) STRICT",
    );
    assert_eq!(names(&t), ["id", "v", "w", "x"]);
    assert_eq!(t.rowid_alias, Some(0));
    assert!(t.autoincrement);
    assert!(t.columns[1].has_default);
    let keys: StdVec<StdVec<IndexColumn>> = t
        .autoindexes
        .iter()
        .map(|k| k.iter().copied().collect())
        .collect();
    assert_eq!(
        keys,
        [
            vec![col(1, Collation::RTrim, ASC)],
            vec![col(3, BIN, ASC)],
            vec![col(2, BIN, DESC)],
        ]
    );
    // AUTOINCREMENT in a table constraint; a one-column INTEGER key there
    // is the alias whatever its order.
    let t = table("CREATE TABLE t(id INTEGER, v, PRIMARY KEY(id DESC AUTOINCREMENT))");
    assert_eq!((t.rowid_alias, t.autoincrement), (Some(0), true));
    assert!(t.autoindexes.is_empty());
    // The outermost COLLATE of an index column wins.
    let i = index_columns(
        "CREATE INDEX i ON t((v COLLATE nocase) COLLATE rtrim, v COLLATE binary DESC)",
        &table("CREATE TABLE t(v COLLATE NOCASE)"),
        Global,
    )
    .unwrap();
    assert_eq!(
        i.columns.as_slice(),
        [col(0, Collation::RTrim, ASC), col(0, BIN, DESC)]
    );
}

#[test]
fn damaged_schema_sql_is_corrupt_not_a_syntax_error() {
    let damaged = [
        "CREATE TABLE t(a,",
        "CREATE TABLE t(a b c d e f",
        "CREATE TABLE t('a)",
        "CREATE TABLE",
        "CREATE TABLE t(a) garbage",
        "",
    ];
    for sql in damaged {
        let err = table_columns(sql, Global).unwrap_err();
        assert!(matches!(err, Error::Corrupt { .. }), "{sql}: {err:?}");
        assert_eq!(err.code(), 11, "{sql}");
    }
    let t = table("CREATE TABLE t(a, b)");
    let err = index_columns("CREATE INDEX i ON t(a", &t, Global).unwrap_err();
    assert!(matches!(err, Error::Corrupt { .. }), "{err:?}");
    // What parses but is refused stays a refusal.
    assert_eq!(
        table_columns("CREATE TABLE t(a) WITHOUT ROWID", Global).unwrap_err(),
        Error::Sql("WITHOUT ROWID tables are not supported")
    );
    // SQL handed to the editor is the caller's: a syntax error.
    let disk = MemoryPlatform::new();
    let (pager, mut writer) = fresh(&disk);
    pager.begin_write().unwrap();
    let mut editor = SchemaEditor::new(&pager, &mut writer, Global);
    let err = editor.create_table("t", "CREATE TABLE t(a,").unwrap_err();
    assert!(matches!(err, Error::Syntax(_)), "{err:?}");
}

/// A database whose schema table holds `t`, with `sql` as its stored
/// text, and a sound table `ok`; committed and closed.
fn schema_with_table_text(disk: &MemoryPlatform, sql: &str) {
    let (pager, mut writer) = fresh(disk);
    pager.begin_write().unwrap();
    let mut editor = SchemaEditor::new(&pager, &mut writer, Global);
    editor.create_table("ok", "CREATE TABLE ok(x)").unwrap();
    let root = writer.create_tree(&pager, TreeKind::Table).unwrap();
    let mut editor = SchemaEditor::new(&pager, &mut writer, Global);
    editor
        .add_entry(&NewEntry {
            kind: EntryKind::Table,
            name: "t",
            table: "t",
            root: Some(root),
            sql: Some(sql),
        })
        .unwrap();
    pager.commit().unwrap();
}

#[test]
fn a_query_on_a_table_with_damaged_sql_reports_corruption() {
    let disk = MemoryPlatform::new();
    schema_with_table_text(&disk, "CREATE TABLE t(a, b");
    let cfg = Config {
        page_size: PageSize::new(1024).unwrap(),
        cache_frames: 64,
        ..Config::DEFAULT
    };
    let db = crate::Database::open(&disk, PATH, &cfg, Global).unwrap();
    let conn = db.connect();
    let err = conn.execute("SELECT * FROM t", &[]).unwrap_err();
    assert!(matches!(err, Error::Corrupt { .. }), "{err:?}");
    assert_eq!(err.code(), 11);
    // The rest of the schema is still usable.
    assert_eq!(conn.execute("INSERT INTO ok VALUES (1)", &[]).unwrap(), 1);
}

#[test]
fn reading_a_schema_survives_every_allocation_failure() {
    use crate::alloc::{Arena, FaultAlloc, oom_sweep};
    let disk = MemoryPlatform::new();
    let (pager, mut writer) = fresh(&disk);
    pager.begin_write().unwrap();
    let mut editor = SchemaEditor::new(&pager, &mut writer, Global);
    for (name, sql) in [
        (
            "a",
            "CREATE TABLE a(id INTEGER PRIMARY KEY AUTOINCREMENT, \"e mail\" TEXT UNIQUE COLLATE NOCASE, n DEFAULT 0)",
        ),
        (
            "b",
            "CREATE TABLE b(x, y, z AS (x + y), UNIQUE(x, y DESC), PRIMARY KEY(y))",
        ),
        (
            "c",
            "CREATE TABLE c(v VARCHAR(10) NOT NULL CHECK (v <> ''))",
        ),
    ] {
        editor.create_table(name, sql).unwrap();
    }
    for (name, table, sql) in [
        ("a_n", "a", "CREATE INDEX a_n ON a(n DESC, \"e mail\")"),
        ("b_y", "b", "CREATE INDEX b_y ON b(y, x COLLATE rtrim)"),
        ("c_v", "c", "CREATE UNIQUE INDEX c_v ON c(v)"),
    ] {
        editor.create_index(name, table, sql).unwrap();
    }
    pager.commit().unwrap();

    let mut buffer = vec![0u8; 256 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    for persistent in [false, true] {
        let report = oom_sweep(
            &fault,
            persistent,
            |f| {
                let schema = Schema::read(&pager, f)?;
                let mut found = 0;
                for entry in schema.entries() {
                    let Some(sql) = entry.sql.as_deref() else {
                        continue;
                    };
                    if entry.kind != EntryKind::Table {
                        continue;
                    }
                    let columns = table_columns(sql, f)?;
                    found += columns.columns.len();
                    for index in schema.indexes_of(&entry.name) {
                        found += index_columns_of(index, &columns, f)?.columns.len();
                    }
                    let info = crate::exec::table::TableInfo::load(&schema, &entry.name, f)?;
                    found += info.indexes.len();
                }
                Ok::<usize, Error>(found)
            },
            |n, e| {
                assert_eq!(e, Error::OutOfMemory, "failure {n}");
                assert_eq!(arena.stats().live_allocations, 0, "failure {n} leaked");
            },
        )
        .unwrap();
        // Columns 3 + 3 + 1 + 2 (sqlite_sequence), index keys 1 + 2 (a),
        // 2 + 1 + 2 (b), 1 (c), and 2 + 3 + 1 indexes.
        assert_eq!(report.value, 9 + 9 + 6);
        assert!(report.failure_points > 20, "{}", report.failure_points);
    }
}
