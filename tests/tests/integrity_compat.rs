//! The integrity check against SQLite's `PRAGMA integrity_check`.
//!
//! Files SQLite writes (every page size, rowid aliases, multi-column
//! indexes with NOCASE, RTRIM and DESC columns, PRIMARY KEY and UNIQUE
//! automatic indexes, partial and expression indexes, overflow payloads,
//! freelists, vacuumed files, FTS5 with its WITHOUT ROWID shadow tables)
//! pass ours. Copies damaged in targeted ways fail both SQLite's and ours,
//! ours naming the kind of damage. Files our B-tree writer and schema
//! editor produce pass both, before and after SQLite writes to them.

use boundlite::RowId;
use boundlite::btree::{BTreePage, Cell, FileImage, TreeWriter};
use boundlite::format::{DatabaseHeader, PageSize};
use boundlite::integrity::{IntegrityReport, ProblemKind, check, integrity_check};
use boundlite::pager::Pager;
use boundlite::platform::{MemoryPlatform, OpenMode, Platform};
use boundlite::record::{Collation, KeyColumn, RecordRef, SortOrder, ValueRef, encode_into};
use boundlite::schema::{Schema, SchemaEditor, build_index_key, index_columns_of, table_columns};
use boundlite::{Config, Error, PageNo};
use boundlite_alloc::{Global, Vec as AllocVec};
use boundlite_std::StdPlatform;

const PAGE_SIZES: [u32; 5] = [512, 1024, 4096, 16384, 65536];

/// Runs `sql` on a fresh database of `page_size`-byte pages; its bytes.
fn sqlite_file(page_size: u32, sql: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sqlite.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(&format!("PRAGMA page_size={page_size};"))
        .unwrap();
    conn.execute_batch(sql)
        .unwrap_or_else(|e| panic!("{e}: {sql}"));
    conn.close().unwrap();
    std::fs::read(&path).unwrap()
}

/// SQLite's verdict on `bytes`: "ok", or its messages (or the error that
/// kept it from checking at all).
fn sqlite_verdict(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("check.db");
    std::fs::write(&path, bytes).unwrap();
    let run = || -> rusqlite::Result<String> {
        let conn = rusqlite::Connection::open(&path)?;
        let mut stmt = conn.prepare("PRAGMA integrity_check")?;
        let rows: Vec<String> = stmt
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows.join("\n"))
    };
    run().unwrap_or_else(|e| format!("error: {e}"))
}

/// Our verdict on `bytes`, through the pager over a memory platform.
fn our_report(bytes: &[u8]) -> Result<IntegrityReport<Global>, Error> {
    let disk = MemoryPlatform::new();
    disk.write_file("db", bytes).unwrap();
    let file = (&disk).open("db", OpenMode::ReadOnly).unwrap();
    let pager = Pager::open(file, None, OpenMode::ReadOnly, &Config::DEFAULT, Global)?;
    integrity_check(&pager, Global, 0)
}

fn ours(bytes: &[u8]) -> IntegrityReport<Global> {
    our_report(bytes).unwrap()
}

/// Tables and indexes of every shape SQLite writes, sized for `page_size`.
fn shapes_sql(page_size: u32) -> String {
    let rows = if page_size >= 16384 { 400 } else { 700 };
    format!(
        "CREATE TABLE people(id INTEGER PRIMARY KEY, name TEXT COLLATE NOCASE, email TEXT UNIQUE,
                             age INT, bio BLOB);
         CREATE INDEX people_name_age ON people(name, age DESC);
         CREATE INDEX people_age ON people(age DESC, name COLLATE BINARY, email COLLATE RTRIM);
         CREATE TABLE pairs(a TEXT, b INT, c, PRIMARY KEY(a, b DESC));
         CREATE TABLE uniq(x UNIQUE, y UNIQUE, UNIQUE(x, y), UNIQUE(x));
         CREATE TABLE seq(id INTEGER PRIMARY KEY AUTOINCREMENT, v);
         CREATE INDEX seq_partial ON seq(v) WHERE v > 10;
         CREATE INDEX seq_abs ON seq(abs(v));
         CREATE TABLE pk_desc(id INTEGER PRIMARY KEY DESC, v);
         CREATE TABLE wr(k TEXT PRIMARY KEY, v) WITHOUT ROWID;
         CREATE INDEX wr_v ON wr(v);
         CREATE VIEW adults AS SELECT * FROM people WHERE age >= 18;
         CREATE TRIGGER seq_log AFTER INSERT ON seq BEGIN SELECT 1; END;
         CREATE VIRTUAL TABLE docs USING fts5(body);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows})
         INSERT INTO people(name, email, age, bio)
           SELECT CASE i % 3 WHEN 0 THEN 'Name ' ELSE 'name ' END || (i * 7 % 97),
                  'user' || i || '@example.com' || substr('   ', 1, i % 3),
                  i % 90,
                  CASE WHEN i % 4 = 0 THEN NULL ELSE randomblob((i * 131) % ({page_size} * 3)) END
           FROM n;
         INSERT INTO pairs SELECT 'k' || (id % 50), id, name FROM people;
         INSERT INTO uniq SELECT id, -id FROM people WHERE id % 3 = 0;
         INSERT INTO seq(v) SELECT age - 40 FROM people;
         INSERT INTO pk_desc SELECT id, email FROM people;
         INSERT INTO wr SELECT email, age FROM people;
         INSERT INTO docs SELECT name || ' ' || email FROM people;
         DELETE FROM people WHERE id % 5 = 0;
         CREATE TABLE gone(x);
         INSERT INTO gone SELECT bio FROM people;
         DROP TABLE gone;"
    )
}

#[test]
fn files_sqlite_writes_pass_ours() {
    for page_size in PAGE_SIZES {
        for vacuum in [false, true] {
            let mut sql = shapes_sql(page_size);
            if vacuum {
                sql += "VACUUM;";
            }
            let bytes = sqlite_file(page_size, &sql);
            assert_eq!(sqlite_verdict(&bytes), "ok");
            let report = ours(&bytes);
            assert!(
                report.is_ok(),
                "page size {page_size}, vacuum {vacuum}:\n{report}"
            );
            let header = DatabaseHeader::parse(&bytes).unwrap();
            assert_eq!(report.freelist_count(), header.freelist_count);
            if !vacuum {
                assert!(
                    header.freelist_count > 0,
                    "page size {page_size}: no freelist"
                );
            }
            // Every index is compared with its rows value for value: the
            // partial one over the rows its WHERE holds for, the one on an
            // expression with it evaluated, the WITHOUT ROWID table's.
            assert_eq!(report.unchecked_indexes(), 0, "{page_size}");
        }
    }
}

/// A file damaged by `damage`, with what both checks said.
struct Damaged {
    sqlite: String,
    ours: Vec<ProblemKind>,
}

/// The shapes file at 1024-byte pages, with helpers to find its pages.
struct Shapes {
    bytes: Vec<u8>,
    page_size: usize,
}

impl Shapes {
    fn new() -> Self {
        let bytes = sqlite_file(1024, &shapes_sql(1024));
        Shapes {
            bytes,
            page_size: 1024,
        }
    }

    fn root(&self, name: &str) -> u32 {
        let image = FileImage::new(&self.bytes).unwrap();
        let schema = Schema::read(&image, Global).unwrap();
        schema.find(name).unwrap().root.unwrap().get()
    }

    fn page(&self, n: u32) -> BTreePage<'_> {
        let at = (n as usize - 1) * self.page_size;
        let bytes = &self.bytes[at..at + self.page_size];
        BTreePage::parse(bytes, PageNo::new(n).unwrap(), self.page_size as u32).unwrap()
    }

    fn start(&self, n: u32) -> usize {
        (n as usize - 1) * self.page_size
    }

    /// The left-most leaf under `n`.
    fn first_leaf(&self, mut n: u32) -> u32 {
        while !self.page(n).kind().is_leaf() {
            n = self.page(n).child(0).unwrap().get();
        }
        n
    }

    /// The leaves under `n`, in key order.
    fn leaves(&self, n: u32) -> Vec<u32> {
        let page = self.page(n);
        if page.kind().is_leaf() {
            return vec![n];
        }
        (0..=page.cell_count())
            .flat_map(|i| self.leaves(page.child(i).unwrap().get()))
            .collect()
    }

    /// A copy damaged by `damage`, checked by both.
    fn damage(&self, damage: impl FnOnce(&mut Vec<u8>)) -> Damaged {
        let mut bytes = self.bytes.clone();
        damage(&mut bytes);
        let ours = match our_report(&bytes) {
            Ok(report) => report.problems().iter().map(|p| p.kind).collect(),
            Err(e) => vec![ProblemKind::Malformed(match e {
                Error::Corrupt { reason, .. } => reason,
                _ => panic!("{e}"),
            })],
        };
        Damaged {
            sqlite: sqlite_verdict(&bytes),
            ours,
        }
    }
}

fn put_u32(bytes: &mut [u8], at: usize, value: u32) {
    bytes[at..at + 4].copy_from_slice(&value.to_be_bytes());
}

impl Damaged {
    /// Both checks found a problem, ours one that `pick` accepts.
    fn assert_found(&self, what: &str, pick: impl Fn(&ProblemKind) -> bool) {
        assert_ne!(self.sqlite, "ok", "{what}: SQLite found nothing");
        assert!(
            self.ours.iter().any(pick),
            "{what}: ours found {:?}; SQLite found {}",
            self.ours,
            self.sqlite
        );
    }
}

#[test]
fn damage_to_trees_is_found_by_both() {
    let shapes = Shapes::new();
    let people = shapes.root("people");
    let leaf = shapes.first_leaf(people);
    assert_ne!(leaf, people, "people must have interior pages");

    // Two rows swap places: keys out of order.
    let header = if leaf == 1 { 100 } else { 0 };
    let pointers = shapes.start(leaf) + header + 8;
    shapes
        .damage(|b| {
            let (x, y) = (b[pointers], b[pointers + 1]);
            b.copy_within(pointers + 2..pointers + 4, pointers);
            b[pointers + 2] = x;
            b[pointers + 3] = y;
        })
        .assert_found("swapped rows", |k| matches!(k, ProblemKind::RowidOrder(_)));

    // A child pointer into another tree.
    let index = shapes.root("people_name_age");
    let cell = shapes.start(people) + shapes.page(people).cell_pointer(0).unwrap();
    shapes
        .damage(|b| put_u32(b, cell, index))
        .assert_found("child in another tree", |k| {
            *k == ProblemKind::SecondReference(index)
        });

    // The fragmented-byte count off by one.
    let frag = shapes.start(leaf) + 7;
    shapes
        .damage(|b| b[frag] += 1)
        .assert_found("fragment count", |k| {
            matches!(k, ProblemKind::Fragmentation { .. })
        });

    // A page of the wrong kind in the table.
    shapes
        .damage(|b| b[shapes.start(leaf)] = 0x0a)
        .assert_found("wrong page kind", |k| *k == ProblemKind::WrongKind);
}

#[test]
fn damage_to_the_freelist_and_overflow_chains_is_found_by_both() {
    let shapes = Shapes::new();
    let header = DatabaseHeader::parse(&shapes.bytes).unwrap();
    let trunk = header.first_freelist_trunk.unwrap().get();
    let count = header.freelist_count;

    shapes.damage(|b| put_u32(b, 36, count - 1)).assert_found(
        "freelist count",
        |k| matches!(k, ProblemKind::FreelistSize { expected, .. } if *expected == count - 1),
    );

    // A freelist leaf that is also a page of a table.
    let people = shapes.root("people");
    let leaf = shapes.first_leaf(people);
    let trunk_at = shapes.start(trunk);
    assert!(u32::from_be_bytes(shapes.bytes[trunk_at + 4..trunk_at + 8].try_into().unwrap()) > 0);
    shapes
        .damage(|b| put_u32(b, trunk_at + 8, leaf))
        .assert_found("page on the freelist and in a tree", |k| {
            *k == ProblemKind::SecondReference(leaf)
        });

    // An overflow chain cut after its first page.
    let first = shapes
        .leaves(people)
        .into_iter()
        .flat_map(|n| {
            let page = shapes.page(n);
            (0..page.cell_count()).filter_map(move |i| match page.cell(i).unwrap() {
                Cell::TableLeaf { payload, .. }
                    if payload.size() as usize - payload.local().len() > 2 * 1020 =>
                {
                    payload.first_overflow().map(PageNo::get)
                }
                _ => None,
            })
        })
        .next()
        .expect("a payload spilling over three pages");
    shapes
        .damage(|b| put_u32(b, shapes.start(first), 0))
        .assert_found("short overflow chain", |k| {
            matches!(k, ProblemKind::OverflowLength { found: 1, .. })
        });

    // A page no one uses.
    shapes
        .damage(|b| {
            b.resize(b.len() + 1024, 0);
            let pages = (b.len() / 1024) as u32;
            put_u32(b, 28, pages);
        })
        .assert_found("page never used", |k| {
            matches!(k, ProblemKind::NeverUsed(_))
        });

    // A header claiming more pages than the file has: the pager refuses
    // the file at open, SQLite calls it malformed.
    let d = shapes.damage(|b| {
        let pages = (b.len() / 1024) as u32;
        put_u32(b, 28, pages + 3);
    });
    assert_ne!(d.sqlite, "ok");
    assert!(
        matches!(d.ours[..], [ProblemKind::Malformed(_)]),
        "{:?}",
        d.ours
    );
}

const NAME_AGE: [KeyColumn; 2] = [
    KeyColumn {
        order: SortOrder::Asc,
        collation: Collation::NoCase,
    },
    KeyColumn {
        order: SortOrder::Desc,
        collation: Collation::Binary,
    },
];

/// The `people_name_age` entry of row `rowid`.
fn name_age_key(bytes: &[u8], rowid: i64) -> AllocVec<u8> {
    let image = FileImage::new(bytes).unwrap();
    let schema = Schema::read(&image, Global).unwrap();
    let table = table_columns(
        schema.table("people").unwrap().sql.as_deref().unwrap(),
        Global,
    )
    .unwrap();
    let index = index_columns_of(schema.find("people_name_age").unwrap(), &table, Global).unwrap();
    let root = schema.table("people").unwrap().root.unwrap();
    let mut cursor = boundlite::btree::TableCursor::new(&image, root, AllocVec::new());
    assert!(
        cursor
            .seek(RowId::new(rowid), boundlite::btree::SeekMode::Eq)
            .unwrap()
    );
    let payload = cursor.payload().unwrap();
    let row = RecordRef::parse(&payload, None).unwrap();
    let mut key = AllocVec::new();
    build_index_key(&table, &index, &row, RowId::new(rowid), &mut key).unwrap();
    key
}

/// Changes the file in `bytes` through our pager and B-tree writer.
fn with_writer(
    bytes: &mut Vec<u8>,
    change: impl FnOnce(&Pager<boundlite::platform::MemoryFile<'_>, Global>, &mut TreeWriter<Global>),
) {
    let disk = MemoryPlatform::new();
    disk.write_file("db", bytes).unwrap();
    {
        let file = (&disk).open("db", OpenMode::ReadWrite).unwrap();
        let pager = Pager::open(file, None, OpenMode::ReadWrite, &Config::DEFAULT, Global).unwrap();
        let mut writer = TreeWriter::new_in(Global);
        pager.begin_write().unwrap();
        change(&pager, &mut writer);
        pager.commit().unwrap();
    }
    *bytes = disk.file_bytes("db").unwrap().as_slice().to_vec();
}

#[test]
fn index_entries_that_do_not_match_rows_are_found_by_both() {
    let shapes = Shapes::new();
    let index = PageNo::new(shapes.root("people_name_age")).unwrap();

    // An entry removed, cleanly, by our writer.
    // SQLite's "row N" counts rows in rowid order; rowid 3 is the third.
    let key = name_age_key(&shapes.bytes, 3);
    let d = shapes.damage(|b| {
        with_writer(b, |pager, writer| {
            assert!(writer.delete_key(pager, index, &key, &NAME_AGE).unwrap());
        })
    });
    assert!(
        d.sqlite
            .contains("row 3 missing from index people_name_age"),
        "{}",
        d.sqlite
    );
    assert!(
        d.sqlite
            .contains("wrong # of entries in index people_name_age"),
        "{}",
        d.sqlite
    );
    assert_eq!(
        d.ours,
        [
            ProblemKind::MissingFromIndex {
                rowid: RowId::new(3),
                index
            },
            ProblemKind::EntryCount {
                index,
                entries: 559,
                rows: 560
            }
        ]
    );

    // An entry whose name differs from its row's only in case.
    let d = shapes.damage(|b| {
        with_writer(b, |pager, writer| {
            assert!(writer.delete_key(pager, index, &key, &NAME_AGE).unwrap());
            let record = RecordRef::parse(&key, None).unwrap();
            let name = record.column(0).unwrap().as_str().unwrap().to_uppercase();
            let mut changed = AllocVec::new();
            let values = [
                ValueRef::text(&name),
                record.column(1).unwrap(),
                record.column(2).unwrap(),
            ];
            encode_into(&values, &mut changed).unwrap();
            assert!(
                writer
                    .insert_key(pager, index, &changed, &NAME_AGE)
                    .unwrap()
            );
        })
    });
    assert!(
        d.sqlite
            .contains("row 3 values differ from index people_name_age"),
        "{}",
        d.sqlite
    );
    assert_eq!(
        d.ours,
        [ProblemKind::ValuesDiffer {
            rowid: RowId::new(3),
            index
        }]
    );
}

/// Builds, with our writer and schema editor only, a database of every
/// shape the writer supports, in the file at `path`.
fn build_ours(path: &std::path::Path, page_size: u32) {
    let platform = StdPlatform::new();
    let file = platform
        .open(path.to_str().unwrap(), OpenMode::Create)
        .unwrap();
    let config = Config {
        page_size: PageSize::new(page_size).unwrap(),
        cache_frames: 4000,
        ..Config::DEFAULT
    };
    let pager = Pager::open(file, None, OpenMode::Create, &config, Global).unwrap();
    let mut writer = TreeWriter::new_in(Global);
    pager.begin_write().unwrap();
    writer
        .create_tree(&pager, boundlite::btree::TreeKind::Table)
        .unwrap();
    let mut editor = SchemaEditor::new(&pager, &mut writer, Global);
    let t = editor
        .create_table(
            "t",
            "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT COLLATE NOCASE, code TEXT UNIQUE, body BLOB)",
        )
        .unwrap();
    let gone = editor.create_table("gone", "CREATE TABLE gone(x)").unwrap();
    let schema = Schema::read(&pager, Global).unwrap();
    let columns =
        table_columns(schema.table("t").unwrap().sql.as_deref().unwrap(), Global).unwrap();
    let auto = schema.find("sqlite_autoindex_t_1").unwrap();
    let auto_columns = index_columns_of(auto, &columns, Global).unwrap();
    let auto_root = auto.root.unwrap();
    let binary = [KeyColumn::default()];
    let usable = page_size as usize;
    for i in 1..=300i64 {
        let name = format!("{} {}", if i % 2 == 0 { "Name" } else { "name" }, i % 37);
        let code = format!("c{i:05}");
        let body = vec![(i % 251) as u8; (i as usize * 53) % (3 * usable)];
        let mut row = AllocVec::new();
        let values = [
            ValueRef::Null,
            ValueRef::text(&name),
            ValueRef::text(&code),
            ValueRef::Blob(&body),
        ];
        encode_into(&values, &mut row).unwrap();
        writer.insert_row(&pager, t, RowId::new(i), &row).unwrap();
        let row = RecordRef::parse(&row, None).unwrap();
        let mut key = AllocVec::new();
        build_index_key(&columns, &auto_columns, &row, RowId::new(i), &mut key).unwrap();
        assert!(writer.insert_key(&pager, auto_root, &key, &binary).unwrap());
        let mut junk = AllocVec::new();
        encode_into(&[ValueRef::Blob(&body)], &mut junk).unwrap();
        writer
            .insert_row(&pager, gone, RowId::new(i), &junk)
            .unwrap();
    }
    let mut editor = SchemaEditor::new(&pager, &mut writer, Global);
    editor
        .create_index(
            "t_name",
            "t",
            "CREATE INDEX t_name ON t(name DESC, id)",
            &&boundlite::platform::MemoryPlatform::new(),
            boundlite::Config::DEFAULT_SORT_MEMORY,
        )
        .unwrap();
    editor.drop_table("gone").unwrap();
    pager.commit().unwrap();
    assert!(pager.header().freelist_count > 0);
}

#[test]
fn files_our_writer_produces_pass_both_before_and_after_sqlite_writes() {
    for page_size in [512, 4096, 65536] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ours.db");
        build_ours(&path, page_size);
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(sqlite_verdict(&bytes), "ok", "page size {page_size}");
        let report = ours(&bytes);
        assert!(report.is_ok(), "page size {page_size}: {report}");
        assert_eq!(report.unchecked_indexes(), 0);

        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "INSERT INTO t(name, code, body) SELECT upper(name), code || 'x', randomblob(700) FROM t;
             DELETE FROM t WHERE id % 7 = 0;",
        )
        .unwrap();
        let duplicate = conn.execute("INSERT INTO t(code) VALUES ('c00001')", []);
        assert!(duplicate.is_err(), "SQLite must see our automatic index");
        conn.close().unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(sqlite_verdict(&bytes), "ok");
        let report = ours(&bytes);
        assert!(
            report.is_ok(),
            "page size {page_size} after SQLite: {report}"
        );
    }
}

#[test]
fn corrupt_files_never_panic_or_hang() {
    let bytes = sqlite_file(
        512,
        "CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT COLLATE NOCASE, b UNIQUE, c BLOB);
         CREATE INDEX t_a ON t(a DESC, id);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 60)
         INSERT INTO t(a, b, c) SELECT 'a' || (i % 9), i, randomblob(i * 23) FROM n;
         DELETE FROM t WHERE id % 4 = 0;",
    );
    assert_eq!(sqlite_verdict(&bytes), "ok");
    // Every fifth byte of the first pages set to values that break the
    // most: page kinds, counts, offsets, pointers, varints.
    let limit = bytes.len().min(10 * 512);
    let mut problems_found = 0;
    for at in (100..limit).step_by(5) {
        for value in [0x00, 0xff, 0x01, 0x80] {
            if bytes[at] == value {
                continue;
            }
            let mut damaged = bytes.clone();
            damaged[at] = value;
            let image = FileImage::new(&damaged).unwrap();
            let header = DatabaseHeader::parse(&damaged).unwrap();
            match check(&image, &header, Global, 0) {
                Ok(report) => problems_found += usize::from(!report.is_ok()),
                Err(Error::Corrupt { .. } | Error::NotADatabase(_)) => problems_found += 1,
                Err(e) => panic!("byte {at} = {value:#x}: {e}"),
            }
        }
    }
    assert!(problems_found > 500, "{problems_found}");
}
