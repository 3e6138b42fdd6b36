//! The columns a `CREATE` statement declares, read as SQLite reads them;
//! damaged stored text is corruption.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

use super::*;

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
        [Expression, Column(2), Expression, Column(3), Column(2)]
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
        table_columns("CREATE TABLE t(a PRIMARY KEY) WITHOUT ROWID", Global).unwrap_err(),
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

/// The columns of `sql`, a `WITHOUT ROWID` table, as its rows store them.
fn keyed(sql: &str) -> TableColumns<Global> {
    let parsed = crate::sql::parse_one(sql, Global).unwrap();
    let crate::sql::Stmt::CreateTable(create) = &parsed.stmt else {
        panic!("not CREATE TABLE: {sql}");
    };
    TableColumns::stored_as(create, Global).unwrap()
}

fn storage(t: &TableColumns<Global>) -> StdVec<Option<usize>> {
    t.columns.iter().map(|c| c.storage).collect()
}

#[test]
fn without_rowid_records_hold_the_key_first() {
    // The key's columns in key order, each once, then the others.
    let t = keyed("CREATE TABLE u(x UNIQUE, y, z, PRIMARY KEY(z DESC, x)) WITHOUT ROWID");
    assert_eq!(t.stored_by, StoredBy::PrimaryKey);
    assert_eq!(storage(&t), [Some(1), Some(2), Some(0)]);
    assert_eq!(t.autoindexes.len(), 2);
    assert_eq!(t.primary_autoindex, Some(1));
    let t = keyed("CREATE TABLE v(a, b, c, PRIMARY KEY(b, a, b)) WITHOUT ROWID");
    assert_eq!(storage(&t), [Some(1), Some(0), Some(2)]);
    // INTEGER PRIMARY KEY is a key like any other: there is no rowid.
    let t = keyed("CREATE TABLE w(a, id INTEGER PRIMARY KEY, g AS (a + 1)) WITHOUT ROWID");
    assert_eq!(t.rowid_alias, None);
    assert_eq!(storage(&t), [Some(1), Some(0), None]);
    // SQLite's refusals.
    let refused = |sql: &str| {
        let parsed = crate::sql::parse_one(sql, Global).unwrap();
        let crate::sql::Stmt::CreateTable(create) = &parsed.stmt else {
            panic!("not CREATE TABLE: {sql}");
        };
        TableColumns::stored_as(create, Global).unwrap_err()
    };
    assert_eq!(
        refused("CREATE TABLE t(a) WITHOUT ROWID"),
        Error::Sql("PRIMARY KEY missing on WITHOUT ROWID table")
    );
    assert_eq!(
        refused("CREATE TABLE t(a INTEGER PRIMARY KEY AUTOINCREMENT) WITHOUT ROWID"),
        Error::Sql("AUTOINCREMENT not allowed on WITHOUT ROWID tables")
    );
    // A rowid table is stored by rowid.
    assert_eq!(
        keyed("CREATE TABLE r(a PRIMARY KEY)").stored_by,
        StoredBy::Rowid
    );
}
