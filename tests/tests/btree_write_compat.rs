//! The B-tree write side against a model and against SQLite: random
//! inserts, updates and deletes on a table and an index over it, at several
//! page sizes, with payloads around the overflow thresholds. After every
//! batch our cursor must see exactly the model's rows; at the end SQLite
//! must find the file intact and return the same rows through the table
//! and through the index.
//!
//! Reproduce a failure with `BOUNDLITE_SEED=<seed>` (each run prints it).

use std::collections::BTreeMap;
use std::path::Path as FsPath;

use boundlite::RowId;
use boundlite::alloc::{Global, Vec as BVec};
use boundlite::btree::{PayloadKind, TableCursor, TreeKind, TreeWriter};
use boundlite::format::PageSize;
use boundlite::pager::Pager;
use boundlite::platform::{OpenMode, Platform};
use boundlite::record::{KeyColumn, RecordRef, ValueRef, encode_into};
use boundlite::{Config, PageNo};
use boundlite_std::{StdFile, StdPlatform};
use boundlite_tests::rng::Rng;

#[derive(Debug, Clone, PartialEq)]
enum A {
    Int(i64),
    Text(String),
}

fn record(values: &[ValueRef<'_>]) -> BVec<u8> {
    let mut out = BVec::new();
    encode_into(values, &mut out).unwrap();
    out
}

fn a_value(a: &A) -> ValueRef<'_> {
    match a {
        A::Int(i) => ValueRef::Integer(*i),
        A::Text(s) => ValueRef::Text(s.as_bytes()),
    }
}

struct Db {
    pager: Pager<StdFile, Global>,
    writer: TreeWriter<Global>,
    table: PageNo,
    index: PageNo,
}

const KEY: [KeyColumn; 2] = [KeyColumn::ASC_BINARY; 2];

fn create(path: &FsPath, page_size: u32) -> Db {
    let platform = StdPlatform::new();
    let file = platform
        .open(path.to_str().unwrap(), OpenMode::Create)
        .unwrap();
    let cfg = Config {
        page_size: PageSize::new(page_size).unwrap(),
        cache_frames: 2000,
        ..Config::DEFAULT
    };
    let pager = Pager::open(file, None, OpenMode::Create, &cfg, Global).unwrap();
    let mut writer = TreeWriter::new_in(Global);
    pager.begin_write().unwrap();
    assert_eq!(
        writer.create_tree(&pager, TreeKind::Table).unwrap(),
        PageNo::ONE
    );
    let table = writer.create_tree(&pager, TreeKind::Table).unwrap();
    let index = writer.create_tree(&pager, TreeKind::Index).unwrap();
    let rows = [
        ("table", "t", table, "CREATE TABLE t(a, b)"),
        ("index", "i", index, "CREATE INDEX i ON t(a)"),
    ];
    for (rowid, (kind, name, root, sql)) in rows.iter().enumerate() {
        let rec = record(&[
            ValueRef::Text(kind.as_bytes()),
            ValueRef::Text(name.as_bytes()),
            ValueRef::Text(b"t"),
            ValueRef::Integer(i64::from(root.get())),
            ValueRef::Text(sql.as_bytes()),
        ]);
        writer
            .insert_row(&pager, PageNo::ONE, RowId::new(rowid as i64 + 1), &rec)
            .unwrap();
    }
    pager.update_header(|h| h.schema_cookie += 1).unwrap();
    pager.commit().unwrap();
    Db {
        pager,
        writer,
        table,
        index,
    }
}

impl Db {
    fn put(&mut self, rowid: i64, a: &A, b: &[u8]) {
        let row = record(&[a_value(a), ValueRef::Blob(b)]);
        self.writer
            .insert_row(&self.pager, self.table, RowId::new(rowid), &row)
            .unwrap();
        let key = record(&[a_value(a), ValueRef::Integer(rowid)]);
        assert!(
            self.writer
                .insert_key(&self.pager, self.index, &key, &KEY)
                .unwrap()
        );
    }

    fn remove(&mut self, rowid: i64, a: &A) {
        assert!(
            self.writer
                .delete_row(&self.pager, self.table, RowId::new(rowid))
                .unwrap()
        );
        let key = record(&[a_value(a), ValueRef::Integer(rowid)]);
        assert!(
            self.writer
                .delete_key(&self.pager, self.index, &key, &KEY)
                .unwrap(),
            "index key for {rowid}"
        );
    }

    /// Every row our cursor sees, in rowid order.
    fn scan(&self) -> Vec<(i64, A, Vec<u8>)> {
        let mut cursor = TableCursor::new(&self.pager, self.table, BVec::new());
        let mut rows = Vec::new();
        let mut more = cursor.first().unwrap();
        while more {
            let rowid = cursor.rowid().unwrap().get();
            let payload = cursor.payload().unwrap();
            let rec = RecordRef::parse(&payload, None).unwrap();
            let a = match rec.column(0).unwrap() {
                ValueRef::Integer(i) => A::Int(i),
                ValueRef::Text(t) => A::Text(String::from_utf8(t.to_vec()).unwrap()),
                other => panic!("unexpected a: {other:?}"),
            };
            let ValueRef::Blob(b) = rec.column(1).unwrap() else {
                panic!("b is not a blob")
            };
            rows.push((rowid, a, b.to_vec()));
            drop(payload);
            more = cursor.next().unwrap();
        }
        rows
    }
}

fn blob_len(rng: &mut Rng, usable: u32) -> usize {
    let table_max = PayloadKind::Table.max_local(usable) as usize;
    let choices = [
        0,
        1,
        20,
        200,
        table_max.saturating_sub(12),
        table_max + 3,
        usable as usize + 50,
        3 * usable as usize + 7,
    ];
    choices[rng.below(choices.len() as u64) as usize] + rng.below(8) as usize
}

fn a_for(rng: &mut Rng, usable: u32) -> A {
    if rng.below(2) == 0 {
        A::Int(rng.below(200) as i64 - 100)
    } else {
        // Index keys around the index overflow threshold too.
        let index_max = PayloadKind::Index.max_local(usable) as usize;
        let len =
            [1usize, 8, 40, index_max.saturating_sub(10), index_max + 20][rng.below(5) as usize];
        let c = (b'a' + rng.below(26) as u8) as char;
        A::Text(std::iter::repeat_n(c, len).collect())
    }
}

fn run(page_size: u32, ops: usize, seed: u64, small: bool) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.db");
    let mut db = create(&path, page_size);
    let usable = db.pager.usable_size();
    let mut rng = Rng::new(seed);
    let mut model: BTreeMap<i64, (A, Vec<u8>)> = BTreeMap::new();
    db.pager.begin_write().unwrap();
    for op in 0..ops {
        // Grow for the first two thirds, then mostly shrink, so pages
        // both split and merge.
        let grow = if op < ops * 2 / 3 { 7 } else { 3 };
        if rng.below(10) < grow || model.len() < 10 {
            let rowid = if rng.below(3) == 0 {
                model.keys().last().map_or(1, |k| k + 1)
            } else {
                rng.below(3000) as i64 + 1
            };
            if let Some((old_a, _)) = model.get(&rowid).cloned() {
                let key = record(&[a_value(&old_a), ValueRef::Integer(rowid)]);
                assert!(
                    db.writer
                        .delete_key(&db.pager, db.index, &key, &KEY)
                        .unwrap()
                );
            }
            let (a, len) = if small {
                (A::Int(rng.below(1000) as i64), rng.below(24) as usize)
            } else {
                (a_for(&mut rng, usable), blob_len(&mut rng, usable))
            };
            let b: Vec<u8> = (0..len).map(|i| (i as u64 ^ seed) as u8).collect();
            db.put(rowid, &a, &b);
            model.insert(rowid, (a, b));
        } else {
            let nth = rng.below(model.len() as u64) as usize;
            let rowid = *model.keys().nth(nth).unwrap();
            let (a, _) = model.remove(&rowid).unwrap();
            db.remove(rowid, &a);
        }
        if op % 25 == 24 {
            db.pager.commit().unwrap();
            let seen = db.scan();
            let expected: Vec<_> = model
                .iter()
                .map(|(k, (a, b))| (*k, a.clone(), b.clone()))
                .collect();
            assert_eq!(
                seen.len(),
                expected.len(),
                "row count after op {op} (seed {seed})"
            );
            assert!(seen == expected, "rows differ after op {op} (seed {seed})");
            // Seeks agree with the model at random keys, present or not.
            let mut cursor = TableCursor::new(&db.pager, db.table, BVec::new());
            for _ in 0..20 {
                let key = rng.below(3100) as i64;
                let found = cursor
                    .seek(RowId::new(key), boundlite::btree::SeekMode::Eq)
                    .unwrap();
                assert_eq!(
                    found,
                    model.contains_key(&key),
                    "seek Eq {key} (seed {seed})"
                );
                let ge = cursor
                    .seek(RowId::new(key), boundlite::btree::SeekMode::Ge)
                    .unwrap();
                let expected = model.range(key..).next().map(|(k, _)| *k);
                assert_eq!(
                    ge.then(|| cursor.rowid().unwrap().get()),
                    expected,
                    "seek Ge {key}"
                );
                let le = cursor
                    .seek(RowId::new(key), boundlite::btree::SeekMode::Le)
                    .unwrap();
                let expected = model.range(..=key).next_back().map(|(k, _)| *k);
                assert_eq!(
                    le.then(|| cursor.rowid().unwrap().get()),
                    expected,
                    "seek Le {key}"
                );
            }
            drop(cursor);
            let report = boundlite::integrity::integrity_check(&db.pager, Global, 0).unwrap();
            assert!(report.is_ok(), "after op {op} (seed {seed}): {report}");
            db.pager.begin_write().unwrap();
        }
    }
    db.pager.commit().unwrap();
    let (pages, free) = (db.pager.page_count(), db.pager.header().freelist_count);
    drop(db);

    let conn = rusqlite::Connection::open(&path).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok", "page size {page_size}, seed {seed}");
    let mut stmt = conn
        .prepare("SELECT rowid, a, b FROM t ORDER BY rowid")
        .unwrap();
    let rows: Vec<(i64, A, Vec<u8>)> = stmt
        .query_map([], |r| {
            let a = match r.get_ref(1)? {
                rusqlite::types::ValueRef::Integer(i) => A::Int(i),
                rusqlite::types::ValueRef::Text(t) => {
                    A::Text(String::from_utf8(t.to_vec()).unwrap())
                }
                other => panic!("unexpected {other:?}"),
            };
            Ok((r.get(0)?, a, r.get(2)?))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let expected: Vec<_> = model
        .iter()
        .map(|(k, (a, b))| (*k, a.clone(), b.clone()))
        .collect();
    assert!(
        rows == expected,
        "SQLite reads other rows (page size {page_size}, seed {seed})"
    );
    let by_index: i64 = conn
        .query_row(
            "SELECT count(*) FROM t INDEXED BY i WHERE a IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(by_index as usize, model.len());
    // The run must have built multi-level trees and reused freed pages, or
    // it proved little.
    let depth: i64 = conn
        .query_row(
            "SELECT count(*) FROM dbstat WHERE name = 't' AND pagetype = 'internal'",
            [],
            |r| r.get(0),
        )
        .unwrap_or(-1);
    println!(
        "page size {page_size}: {} rows, {pages} pages, {free} free, {depth} interior pages of t",
        model.len()
    );
    assert!(pages > 20, "only {pages} pages");
}

fn seed() -> u64 {
    boundlite_tests::rng::seed(0x5eed_b7ee)
}

#[test]
fn random_changes_at_512_bytes() {
    run(512, 1500, seed(), false);
}

#[test]
fn many_small_rows_build_and_shrink_deep_trees() {
    run(512, 6000, seed() ^ 4, true);
}

#[test]
fn random_changes_at_1024_bytes() {
    run(1024, 1200, seed() ^ 1, false);
}

#[test]
fn random_changes_at_4096_bytes() {
    run(4096, 1200, seed() ^ 2, false);
}

#[test]
fn random_changes_at_65536_bytes() {
    run(65536, 300, seed() ^ 3, false);
}

#[test]
fn ascending_inserts_pack_pages_as_densely_as_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let ours = dir.path().join("ours.db");
    let mut db = create(&ours, 4096);
    for chunk in (1..=10_000i64).collect::<Vec<_>>().chunks(500) {
        db.pager.begin_write().unwrap();
        for &id in chunk {
            let a = A::Int(id);
            db.put(id, &a, format!("row {id:06}").as_bytes());
        }
        db.pager.commit().unwrap();
    }
    let our_pages = db.pager.page_count();
    drop(db);
    let theirs = dir.path().join("theirs.db");
    let conn = rusqlite::Connection::open(&theirs).unwrap();
    conn.execute_batch("PRAGMA page_size=4096; CREATE TABLE t(a, b); CREATE INDEX i ON t(a);")
        .unwrap();
    conn.execute_batch("BEGIN").unwrap();
    for id in 1..=10_000i64 {
        conn.execute(
            "INSERT INTO t(rowid, a, b) VALUES (?1, ?1, ?2)",
            rusqlite::params![id, format!("row {id:06}").into_bytes()],
        )
        .unwrap();
    }
    conn.execute_batch("COMMIT").unwrap();
    let their_pages: u32 = conn
        .query_row("PRAGMA page_count", [], |r| r.get(0))
        .unwrap();
    println!("10,000 ascending rows: {our_pages} pages here, {their_pages} in SQLite");
    assert!(
        our_pages * 100 <= their_pages * 105,
        "{our_pages} pages here against SQLite's {their_pages}"
    );
    let check = rusqlite::Connection::open(&ours).unwrap();
    let ok: String = check
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
}

#[test]
fn indexes_with_nocase_and_desc_columns_satisfy_sqlite() {
    use boundlite::record::{Collation, SortOrder};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("collate.db");
    let mut db = create(&path, 1024);
    // A second index over (a COLLATE NOCASE DESC, b): entries (a, b, rowid).
    db.pager.begin_write().unwrap();
    let second = db.writer.create_tree(&db.pager, TreeKind::Index).unwrap();
    let entry = record(&[
        ValueRef::Text(b"index"),
        ValueRef::Text(b"j"),
        ValueRef::Text(b"t"),
        ValueRef::Integer(i64::from(second.get())),
        ValueRef::Text(b"CREATE INDEX j ON t(a COLLATE NOCASE DESC, b)"),
    ]);
    db.writer
        .insert_row(&db.pager, PageNo::ONE, RowId::new(3), &entry)
        .unwrap();
    db.pager.update_header(|h| h.schema_cookie += 1).unwrap();
    let columns = [
        KeyColumn {
            order: SortOrder::Desc,
            collation: Collation::NoCase,
        },
        KeyColumn::ASC_BINARY,
        KeyColumn::ASC_BINARY,
    ];
    let mut rng = Rng::new(0xabcdef);
    let mut model = BTreeMap::new();
    for rowid in 1..=1500i64 {
        let letters: String = (0..1 + rng.below(6))
            .map(|_| {
                let c = b'a' + rng.below(4) as u8;
                (if rng.below(2) == 0 {
                    c.to_ascii_uppercase()
                } else {
                    c
                }) as char
            })
            .collect();
        let a = A::Text(letters);
        let b = vec![rng.below(3) as u8];
        db.put(rowid, &a, &b);
        let key = record(&[a_value(&a), ValueRef::Blob(&b), ValueRef::Integer(rowid)]);
        assert!(
            db.writer
                .insert_key(&db.pager, second, &key, &columns)
                .unwrap()
        );
        model.insert(rowid, (a, b));
    }
    // Delete a third of them again, from both indexes.
    for rowid in (1..=1500i64).filter(|r| r % 3 == 0) {
        let (a, b) = model.remove(&rowid).unwrap();
        db.remove(rowid, &a);
        let key = record(&[a_value(&a), ValueRef::Blob(&b), ValueRef::Integer(rowid)]);
        assert!(
            db.writer
                .delete_key(&db.pager, second, &key, &columns)
                .unwrap(),
            "row {rowid}"
        );
    }
    db.pager.commit().unwrap();
    drop(db);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let ok: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    let via_index: i64 = conn
        .query_row(
            "SELECT count(*) FROM t INDEXED BY j WHERE a >= ''",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(via_index as usize, model.len());
}
