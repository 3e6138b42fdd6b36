//! The schema table against SQLite, both ways.
//!
//! Schemas SQLite writes (tables with every kind of constraint, quoted
//! names, comments, generated columns, automatic indexes, `sqlite_sequence`,
//! views, triggers, FTS5 and its shadow tables) read back row for row as
//! SQLite lists them, and the columns read from their SQL agree with `PRAGMA
//! table_info`, `index_list` and `index_xinfo`. Schemas our editor writes
//! are read by SQLite, which then writes to the tables and indexes we
//! created and finds the file intact.

use boundlite::btree::{FileImage, TreeKind, TreeWriter};
use boundlite::format::{DatabaseHeader, PageSize, TextEncoding};
use boundlite::integrity::integrity_check;
use boundlite::pager::Pager;
use boundlite::platform::{OpenMode, Platform};
use boundlite::record::{Collation, SortOrder};
use boundlite::schema::{
    ColumnSource, EntryKind, NewEntry, Schema, SchemaEditor, index_columns_of, is_without_rowid,
    table_columns,
};
use boundlite::{Config, Error};
use boundlite_alloc::Global;
use boundlite_std::StdPlatform;
use rusqlite::Connection;

const SCHEMA_SQL: &str = r#"
    CREATE TABLE plain(a, b TEXT NOT NULL DEFAULT 'a,b', c REAL CHECK (c > (0)),
                       d BLOB REFERENCES counted(id) ON DELETE SET NULL);
    CREATE TABLE "quoted ""name"""([col one] INT, `col two` TEXT COLLATE NOCASE,
                                   'col three' PRIMARY KEY DESC);
    CREATE TABLE alias_late(id INTEGER, v, PRIMARY KEY(id DESC));
    CREATE TABLE not_alias(id INTEGER PRIMARY KEY DESC, v);
    CREATE TABLE multi(a, b, c, UNIQUE(a, b COLLATE NOCASE), UNIQUE(c DESC), PRIMARY KEY(b, a));
    CREATE TABLE repeated(k INT PRIMARY KEY UNIQUE, v UNIQUE, UNIQUE(v));
    CREATE TABLE generated(a INT, b INT GENERATED ALWAYS AS (a * 2) VIRTUAL,
                           c AS (a + 1) STORED, d);
    CREATE TABLE wr(k TEXT PRIMARY KEY, v) WITHOUT ROWID;
    CREATE TABLE strict_t(a INTEGER PRIMARY KEY, b TEXT) STRICT;
    CREATE TABLE counted(id INTEGER PRIMARY KEY AUTOINCREMENT, x);
    CREATE TABLE counted_late(id INTEGER, x, PRIMARY KEY(id AUTOINCREMENT));
    CREATE TABLE no_commas(a, b, c, UNIQUE(a) CONSTRAINT u UNIQUE(b DESC) PRIMARY KEY(c));
    CREATE TABLE /* a comment */ commented ( -- another
        a, b /* inside */ );
    CREATE INDEX m1 ON multi(c COLLATE RTRIM DESC, a);
    CREATE UNIQUE INDEX IF NOT EXISTS p2 ON plain(c, b);
    CREATE INDEX p3 ON plain(abs(c)) WHERE c > 0;
    CREATE INDEX q4 ON "quoted ""name"""(`col two`, [col one]);
    CREATE INDEX g5 ON generated(b);
    CREATE INDEX wr6 ON wr(v);
    CREATE VIEW v AS SELECT * FROM plain;
    CREATE TRIGGER tr AFTER INSERT ON plain BEGIN INSERT INTO counted(x) VALUES (new.a); END;
    CREATE VIRTUAL TABLE docs USING fts5(body);
    INSERT INTO plain VALUES (1, 'x', 2.5, NULL);
    INSERT INTO docs VALUES ('hello');
"#;

fn sqlite_file(sql: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("schema.db");
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch(sql).unwrap();
    conn.close().unwrap();
    (dir, path)
}

/// SQLite's rows of `sqlite_schema`: rowid, type, name, tbl_name,
/// rootpage, sql.
type Row = (i64, String, String, String, i64, Option<String>);

fn sqlite_rows(conn: &Connection) -> Vec<Row> {
    let mut stmt = conn
        .prepare(
            "SELECT rowid, type, name, tbl_name, rootpage, sql FROM sqlite_schema ORDER BY rowid",
        )
        .unwrap();
    stmt.query_map([], |r| {
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
        ))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

fn our_rows(bytes: &[u8]) -> Vec<Row> {
    let image = FileImage::new(bytes).unwrap();
    let schema = Schema::read(&image, Global).unwrap();
    schema
        .entries()
        .iter()
        .map(|e| {
            (
                e.rowid.get(),
                e.kind.as_str().to_string(),
                e.name.to_string(),
                e.table.to_string(),
                e.root.map_or(0, |p| i64::from(p.get())),
                e.sql.as_ref().map(|s| s.to_string()),
            )
        })
        .collect()
}

fn collation(name: &str) -> Option<Collation> {
    match name.to_ascii_uppercase().as_str() {
        "BINARY" => Some(Collation::Binary),
        "NOCASE" => Some(Collation::NoCase),
        "RTRIM" => Some(Collation::RTrim),
        _ => None,
    }
}

#[test]
fn schemas_sqlite_writes_read_back_row_for_row() {
    let (_dir, path) = sqlite_file(SCHEMA_SQL);
    let bytes = std::fs::read(&path).unwrap();
    let conn = Connection::open(&path).unwrap();
    let expected = sqlite_rows(&conn);
    assert_eq!(our_rows(&bytes), expected);
    let names: Vec<&str> = expected.iter().map(|r| r.2.as_str()).collect();
    for name in [
        "sqlite_autoindex_quoted \"name\"_1",
        "sqlite_autoindex_multi_3",
        "sqlite_sequence",
        "v",
        "tr",
        "docs",
        "docs_idx",
    ] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
    let image = FileImage::new(&bytes).unwrap();
    let schema = Schema::read(&image, Global).unwrap();
    assert!(
        schema
            .find("sqlite_autoindex_multi_1")
            .unwrap()
            .is_autoindex()
    );
    assert_eq!(schema.find("v").unwrap().kind, EntryKind::View);
    assert_eq!(schema.find("tr").unwrap().root, None);
}

#[test]
fn the_columns_read_agree_with_sqlites_pragmas() {
    let (_dir, path) = sqlite_file(SCHEMA_SQL);
    let bytes = std::fs::read(&path).unwrap();
    let conn = Connection::open(&path).unwrap();
    let image = FileImage::new(&bytes).unwrap();
    let schema = Schema::read(&image, Global).unwrap();
    let mut tables_scanned = 0;
    let mut indexes_scanned = 0;
    for table in schema
        .entries()
        .iter()
        .filter(|e| e.kind == EntryKind::Table)
    {
        let sql = table.sql.as_deref().unwrap();
        let quoted = format!("\"{}\"", table.name.replace('"', "\"\""));
        if sql.starts_with("CREATE VIRTUAL") {
            assert!(matches!(table_columns(sql, Global), Err(Error::Sql(_))));
            continue;
        }
        if is_without_rowid(sql) {
            assert_eq!(
                table_columns(sql, Global).unwrap_err(),
                Error::Sql("WITHOUT ROWID tables are not supported")
            );
            continue;
        }
        let columns = table_columns(sql, Global).unwrap_or_else(|e| panic!("{sql}: {e}"));
        tables_scanned += 1;
        // table_xinfo lists generated columns too: (name, type, pk, hidden).
        let mut stmt = conn
            .prepare(&format!("PRAGMA table_xinfo({quoted})"))
            .unwrap();
        let info: Vec<(String, String, i64, i64)> = stmt
            .query_map([], |r| Ok((r.get(1)?, r.get(2)?, r.get(5)?, r.get(6)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let ours: Vec<&str> = columns.columns.iter().map(|c| c.name.as_str()).collect();
        let theirs: Vec<&str> = info.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(ours, theirs, "{sql}");
        for (column, (_, _, _, hidden)) in columns.columns.iter().zip(&info) {
            // hidden: 2 for virtual generated columns, 3 for stored ones.
            assert_eq!(column.generated, *hidden >= 2, "{sql}");
            assert_eq!(column.storage.is_none(), *hidden == 2, "{sql}");
        }
        let mut stmt = conn
            .prepare(&format!("PRAGMA index_list({quoted})"))
            .unwrap();
        // (name, unique, origin, partial)
        let list: Vec<(String, bool, String, bool)> = stmt
            .query_map([], |r| Ok((r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        // SQLite's rowid alias: a primary key that made no index.
        let alias = columns.rowid_alias.map(|i| info[i].0.clone());
        let sqlite_alias = info
            .iter()
            .find(|c| c.2 > 0)
            .filter(|_| !list.iter().any(|i| i.2 == "pk"));
        assert_eq!(alias, sqlite_alias.map(|c| c.0.clone()), "{sql}");
        let autoindexes = list.iter().filter(|i| i.2 != "c").count();
        assert_eq!(columns.autoindexes.len(), autoindexes, "{sql}");
        for (name, unique, _, partial) in &list {
            let entry = schema.find(name).unwrap();
            let index =
                index_columns_of(entry, &columns, Global).unwrap_or_else(|e| panic!("{name}: {e}"));
            indexes_scanned += 1;
            assert_eq!((index.unique, index.partial), (*unique, *partial), "{name}");
            let mut stmt = conn
                .prepare(&format!(
                    "PRAGMA index_xinfo(\"{}\")",
                    name.replace('"', "\"\"")
                ))
                .unwrap();
            // (cid, desc, coll, key) for the key columns.
            let keys: Vec<(i64, bool, String)> = stmt
                .query_map([], |r| {
                    Ok((r.get(1)?, r.get(3)?, r.get(4)?, r.get::<_, bool>(5)?))
                })
                .unwrap()
                .map(Result::unwrap)
                .filter(|k| k.3)
                .map(|k| (k.0, k.1, k.2))
                .collect();
            assert_eq!(index.columns.len(), keys.len(), "{name}");
            for (ours, (cid, desc, coll)) in index.columns.iter().zip(&keys) {
                match ours.source {
                    ColumnSource::Column(i) => assert_eq!(i as i64, *cid, "{name}"),
                    // An expression, or a generated column SQLite lists.
                    ColumnSource::Expression => assert!(
                        *cid == -2 || columns.columns[*cid as usize].generated,
                        "{name}"
                    ),
                }
                let order = if *desc {
                    SortOrder::Desc
                } else {
                    SortOrder::Asc
                };
                assert_eq!(ours.order, order, "{name}");
                assert_eq!(ours.collation, collation(coll), "{name}");
            }
        }
    }
    assert!(tables_scanned >= 12, "{tables_scanned}");
    assert!(indexes_scanned >= 12, "{indexes_scanned}");
}

/// Opens (creating) the database at `path` through our pager.
fn our_pager(
    path: &std::path::Path,
    platform: &StdPlatform,
) -> Pager<boundlite_std::StdFile, Global> {
    let file = platform
        .open(path.to_str().unwrap(), OpenMode::Create)
        .unwrap();
    let config = Config {
        page_size: PageSize::new(4096).unwrap(),
        cache_frames: 64,
        ..Config::DEFAULT
    };
    Pager::open(file, None, OpenMode::Create, &config, Global).unwrap()
}

#[test]
fn schemas_our_editor_writes_are_read_and_used_by_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ours.db");
    let platform = StdPlatform::new();
    {
        let pager = our_pager(&path, &platform);
        let mut writer = TreeWriter::new_in(Global);
        pager.begin_write().unwrap();
        writer.create_tree(&pager, TreeKind::Table).unwrap();
        // A file whose header records no schema, as SQLite leaves one.
        pager
            .update_header(|h| {
                h.schema_format = 0;
                h.text_encoding = None;
            })
            .unwrap();
        pager.commit().unwrap();
        pager.begin_write().unwrap();
        let mut editor = SchemaEditor::new(&pager, &mut writer, Global);
        editor
            .create_table(
                "items",
                "CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT COLLATE NOCASE, \
                 sku TEXT UNIQUE, qty INT DEFAULT 0)",
            )
            .unwrap();
        editor
            .create_index(
                "items_name",
                "items",
                "CREATE INDEX items_name ON items(name DESC, qty)",
                &&boundlite::platform::MemoryPlatform::new(),
                Config::DEFAULT_SORT_MEMORY,
            )
            .unwrap();
        editor
            .create_table("scratch", "CREATE TABLE scratch(x PRIMARY KEY)")
            .unwrap();
        editor
            .create_table(
                "log",
                "CREATE TABLE log(id INTEGER PRIMARY KEY AUTOINCREMENT, what)",
            )
            .unwrap();
        editor
            .add_entry(&NewEntry {
                kind: EntryKind::View,
                name: "stock",
                table: "stock",
                root: None,
                sql: Some("CREATE VIEW stock AS SELECT name, qty FROM items"),
            })
            .unwrap();
        assert!(editor.drop_table("scratch").unwrap());
        pager.commit().unwrap();
        let header = pager.header();
        assert_eq!(header.schema_format, 4);
        assert_eq!(header.text_encoding, Some(TextEncoding::Utf8));
        let report = integrity_check(&pager, Global, 0).unwrap();
        assert!(report.is_ok(), "{report}");
    }
    let bytes = std::fs::read(&path).unwrap();
    let conn = Connection::open(&path).unwrap();
    assert_eq!(sqlite_rows(&conn), our_rows(&bytes));
    let cookie: u32 = conn
        .query_row("PRAGMA schema_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(cookie, DatabaseHeader::parse(&bytes).unwrap().schema_cookie);
    assert!(cookie >= 5, "every change bumps the cookie");
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    // SQLite writes through the tables and indexes we made.
    conn.execute_batch(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
         INSERT INTO items(name, sku, qty) SELECT 'Item ' || (i % 17), 'sku' || i, i % 5 FROM n;
         DELETE FROM items WHERE id % 9 = 0;",
    )
    .unwrap();
    assert!(
        conn.execute("INSERT INTO items(sku) VALUES ('sku1')", [])
            .is_err()
    );
    conn.execute_batch("INSERT INTO log(what) VALUES ('a'), ('b'); DELETE FROM log;")
        .unwrap();
    let next: i64 = conn
        .query_row("INSERT INTO log(what) VALUES ('c') RETURNING id", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(next, 3, "SQLite keeps AUTOINCREMENT in our sqlite_sequence");
    let plan: Vec<String> = conn
        .prepare("EXPLAIN QUERY PLAN SELECT id FROM items WHERE name = 'item 3'")
        .unwrap()
        .query_map([], |r| r.get(3))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let plan = plan.join("; ");
    assert!(plan.contains("items_name"), "{plan}");
    let count: i64 = conn
        .query_row(
            "SELECT count(*) FROM items WHERE name = 'ITEM 3'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(count > 0);
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let rows: i64 = conn
        .query_row("SELECT count(*) FROM stock", [], |r| r.get(0))
        .unwrap();
    conn.close().unwrap();

    // Back in our hands: the schema SQLite changed nothing in, the rows it
    // added, and an index we fill from them.
    let pager = our_pager(&path, &platform);
    let report = integrity_check(&pager, Global, 0).unwrap();
    assert!(report.is_ok(), "{report}");
    assert_eq!(report.unchecked_indexes(), 0);
    let mut writer = TreeWriter::new_in(Global);
    pager.begin_write().unwrap();
    SchemaEditor::new(&pager, &mut writer, Global)
        .create_index(
            "items_qty",
            "items",
            "CREATE INDEX items_qty ON items(qty, sku COLLATE RTRIM)",
            &&boundlite::platform::MemoryPlatform::new(),
            Config::DEFAULT_SORT_MEMORY,
        )
        .unwrap();
    pager.commit().unwrap();
    pager.begin_write().unwrap();
    assert!(
        SchemaEditor::new(&pager, &mut writer, Global)
            .drop_table("log")
            .unwrap()
    );
    pager.commit().unwrap();
    assert!(integrity_check(&pager, Global, 0).unwrap().is_ok());
    drop(pager);
    let conn = Connection::open(&path).unwrap();
    let sequences: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_sequence", [], |r| r.get(0))
        .unwrap();
    assert_eq!(sequences, 0);
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let by_index: i64 = conn
        .query_row(
            "SELECT count(*) FROM items INDEXED BY items_qty WHERE qty >= 0",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(by_index, rows);
}

#[test]
fn dropping_with_our_editor_leaves_a_file_sqlite_accepts() {
    let (_dir, path) = sqlite_file(
        "CREATE TABLE a(x UNIQUE, y);
         CREATE INDEX a_y ON a(y);
         CREATE TRIGGER a_t AFTER INSERT ON a BEGIN SELECT 1; END;
         CREATE TABLE b(z);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
         INSERT INTO a SELECT i, randomblob(200) FROM n;
         INSERT INTO b SELECT y FROM a;",
    );
    let platform = StdPlatform::new();
    {
        let file = platform
            .open(path.to_str().unwrap(), OpenMode::ReadWrite)
            .unwrap();
        let pager = Pager::open(file, None, OpenMode::ReadWrite, &Config::DEFAULT, Global).unwrap();
        let mut writer = TreeWriter::new_in(Global);
        pager.begin_write().unwrap();
        let mut editor = SchemaEditor::new(&pager, &mut writer, Global);
        assert!(editor.drop_table("A").unwrap());
        pager.commit().unwrap();
        let schema = Schema::read(&pager, Global).unwrap();
        let names: Vec<&str> = schema.entries().iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["b"]);
        assert!(integrity_check(&pager, Global, 0).unwrap().is_ok());
    }
    let conn = Connection::open(&path).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let left: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
        .unwrap();
    assert_eq!(left, 1);
    conn.execute_batch("CREATE TABLE a(x); INSERT INTO a SELECT z FROM b;")
        .unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
}
