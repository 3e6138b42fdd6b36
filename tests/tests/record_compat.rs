//! SQLite compatibility of the database header and the record codec, both
//! ways: SQLite writes a file, we parse its header and its records and get
//! SQLite's values back; we encode the same values and get SQLite's bytes.
//!
//! Records are found without `sqlite_dbpage` (not in the bundled build):
//! each table here fits on its root page, a table leaf, whose cells are read
//! by hand (payload-size varint, rowid varint, payload).

use std::path::{Path, PathBuf};

use boundlite::format::{DatabaseHeader, FileFormatVersion, HEADER_SIZE, PageSize, TextEncoding};
use boundlite::record::{RecordRef, ValueRef, encode_into};
use boundlite::{Error, alloc};
use rusqlite::Connection;
use rusqlite::types::Value;

/// Runs `sql` on a fresh database file and returns the file's path.
fn sqlite_file(dir: &Path, name: &str, sql: &str) -> PathBuf {
    let path = dir.join(name);
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch(sql).unwrap();
    conn.close().unwrap();
    path
}

fn header_of(path: &Path) -> (DatabaseHeader, [u8; HEADER_SIZE], u64) {
    let bytes = std::fs::read(path).unwrap();
    let raw: [u8; HEADER_SIZE] = bytes[..HEADER_SIZE].try_into().unwrap();
    (
        DatabaseHeader::parse(&bytes).unwrap(),
        raw,
        bytes.len() as u64,
    )
}

fn pragma(path: &Path, name: &str) -> i64 {
    let conn = Connection::open(path).unwrap();
    conn.query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))
        .unwrap()
}

#[test]
fn headers_sqlite_writes_parse_and_rewrite_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (512, 0, 0),
        (1024, 7, 0x1234_5678),
        (4096, -1, -2),
        (8192, 42, 1),
        (65536, 1 << 30, 99),
    ];
    for (page_size, user_version, application_id) in cases {
        let sql = format!(
            "PRAGMA page_size={page_size}; PRAGMA user_version={user_version};
             PRAGMA application_id={application_id};
             CREATE TABLE t(x); INSERT INTO t VALUES (randomblob({page_size} * 3));
             CREATE INDEX i ON t(x);"
        );
        let path = sqlite_file(dir.path(), &format!("h{page_size}.db"), &sql);
        let (h, raw, file_size) = header_of(&path);
        assert_eq!(h.page_size.get(), page_size);
        assert_eq!(
            (h.user_version, h.application_id),
            (user_version, application_id)
        );
        assert_eq!(
            (h.write_version, h.read_version),
            (FileFormatVersion::Legacy, FileFormatVersion::Legacy)
        );
        assert_eq!(
            (h.schema_format, h.text_encoding),
            (4, Some(TextEncoding::Utf8))
        );
        assert_eq!((h.reserved_bytes, h.usable_size()), (0, page_size));
        assert_eq!(h.sqlite_version, rusqlite::version_number() as u32);
        assert!(h.in_header_size_is_valid());
        assert_eq!(
            h.page_count(file_size).unwrap() as i64,
            pragma(&path, "page_count")
        );
        assert_eq!(u64::from(h.database_size) * u64::from(page_size), file_size);
        assert_eq!(h.schema_cookie as i64, pragma(&path, "schema_version"));
        assert_eq!((h.first_freelist_trunk, h.freelist_count), (None, 0));
        h.refuse_unsupported().unwrap();
        assert_eq!(h.to_bytes(), raw, "page size {page_size}");
    }
}

#[test]
fn our_fresh_header_matches_sqlite_after_one_create() {
    let dir = tempfile::tempdir().unwrap();
    for page_size in [512u32, 4096, 65536] {
        let sql = format!("PRAGMA page_size={page_size}; CREATE TABLE t(x);");
        let (_, raw, _) = header_of(&sqlite_file(dir.path(), &format!("f{page_size}.db"), &sql));
        let mut ours = DatabaseHeader::new_database(PageSize::new(page_size).unwrap());
        // SQLite's file has the table's root page and one schema change.
        ours.database_size = 2;
        ours.schema_cookie = 1;
        ours.sqlite_version = rusqlite::version_number() as u32;
        assert_eq!(ours.to_bytes(), raw, "page size {page_size}");
    }
}

#[test]
fn freelist_wal_and_cache_size_fields() {
    let dir = tempfile::tempdir().unwrap();
    let path = sqlite_file(
        dir.path(),
        "free.db",
        "PRAGMA page_size=512; PRAGMA default_cache_size=123;
         CREATE TABLE t(x);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
         INSERT INTO t SELECT randomblob(400) FROM n;
         DELETE FROM t WHERE rowid % 3 != 0;",
    );
    let (h, raw, file_size) = header_of(&path);
    assert!(h.freelist_count > 0);
    assert_eq!(i64::from(h.freelist_count), pragma(&path, "freelist_count"));
    assert!(h.first_freelist_trunk.is_some());
    assert_eq!(h.default_cache_size, 123);
    assert_eq!(
        i64::from(h.default_cache_size),
        pragma(&path, "default_cache_size")
    );
    assert_eq!(
        h.page_count(file_size).unwrap() as i64,
        pragma(&path, "page_count")
    );
    assert_eq!(h.to_bytes(), raw);

    let path = sqlite_file(
        dir.path(),
        "wal.db",
        "PRAGMA journal_mode=WAL; CREATE TABLE t(x);",
    );
    let (h, raw, _) = header_of(&path);
    assert_eq!(
        (h.write_version, h.read_version),
        (FileFormatVersion::Wal, FileFormatVersion::Wal)
    );
    assert_eq!(h.to_bytes(), raw);
}

#[test]
fn a_file_with_no_schema_yet_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let path = sqlite_file(dir.path(), "bare.db", "PRAGMA user_version=5;");
    let (h, raw, _) = header_of(&path);
    assert_eq!(h.user_version, 5);
    // SQLite records the schema format and encoding at the first CREATE.
    assert_eq!(
        (h.schema_format, h.text_encoding, h.database_size),
        (0, None, 1)
    );
    h.refuse_unsupported().unwrap();
    assert_eq!(h.to_bytes(), raw);
}

#[test]
fn utf16_and_auto_vacuum_files_are_refused_not_misread() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("PRAGMA encoding='UTF-16le'; CREATE TABLE t(x);", "UTF-16"),
        ("PRAGMA encoding='UTF-16be'; CREATE TABLE t(x);", "UTF-16"),
        ("PRAGMA auto_vacuum=FULL; CREATE TABLE t(x);", "auto-vacuum"),
        (
            "PRAGMA auto_vacuum=INCREMENTAL; CREATE TABLE t(x);",
            "auto-vacuum",
        ),
    ];
    for (i, (sql, reason)) in cases.into_iter().enumerate() {
        let (h, raw, _) = header_of(&sqlite_file(dir.path(), &format!("u{i}.db"), sql));
        assert_eq!(h.to_bytes(), raw, "{sql}");
        match h.refuse_unsupported() {
            Err(Error::NotADatabase(why)) => assert!(why.contains(reason), "{sql}: {why}"),
            other => panic!("{sql}: {other:?}"),
        }
    }
}

#[test]
fn garbage_and_bad_page_sizes_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = sqlite_file(dir.path(), "ok.db", "CREATE TABLE t(x);");
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[16..18].copy_from_slice(&3000u16.to_be_bytes());
    assert!(matches!(
        DatabaseHeader::parse(&bytes),
        Err(Error::NotADatabase(_))
    ));
    assert!(matches!(
        DatabaseHeader::parse(&[0u8; 100]),
        Err(Error::NotADatabase(_))
    ));
}

/// The records of every row of the table whose root is `root`, by rowid,
/// read by hand from the root page (which must be a table leaf).
fn leaf_records(file: &[u8], page_size: usize, root: usize) -> Vec<(i64, Vec<u8>)> {
    let page = &file[(root - 1) * page_size..root * page_size];
    let header_at = if root == 1 { HEADER_SIZE } else { 0 };
    assert_eq!(page[header_at], 0x0d, "root page is not a table leaf");
    let cells = u16::from_be_bytes([page[header_at + 3], page[header_at + 4]]) as usize;
    (0..cells)
        .map(|i| {
            let at = header_at + 8 + 2 * i;
            let mut offset = u16::from_be_bytes([page[at], page[at + 1]]) as usize;
            let (size, n) = boundlite::format::read_varint(&page[offset..]).unwrap();
            offset += n;
            let (rowid, n) = boundlite::format::read_varint(&page[offset..]).unwrap();
            offset += n;
            (rowid as i64, page[offset..offset + size as usize].to_vec())
        })
        .collect()
}

fn as_value_ref(value: &Value) -> ValueRef<'_> {
    match value {
        Value::Null => ValueRef::Null,
        Value::Integer(i) => ValueRef::Integer(*i),
        Value::Real(r) => ValueRef::Real(*r),
        Value::Text(t) => ValueRef::text(t),
        Value::Blob(b) => ValueRef::Blob(b),
    }
}

fn encode(values: &[ValueRef<'_>]) -> alloc::Vec<u8> {
    let mut out = alloc::Vec::new();
    encode_into(values, &mut out).unwrap();
    out
}

/// Inserts each row into a fresh table `t` of `columns` untyped columns (so
/// values are stored as given), then checks every record both ways.
fn check_rows(name: &str, columns: usize, rows: &[Vec<Value>]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    let conn = Connection::open(&path).unwrap();
    let names: Vec<String> = (0..columns).map(|i| format!("c{i}")).collect();
    conn.execute_batch(&format!(
        "PRAGMA page_size=65536; CREATE TABLE t({});",
        names.join(",")
    ))
    .unwrap();
    let marks = vec!["?"; columns].join(",");
    for row in rows {
        conn.execute(
            &format!("INSERT INTO t VALUES ({marks})"),
            rusqlite::params_from_iter(row),
        )
        .unwrap();
    }
    let root: i64 = conn
        .query_row(
            "SELECT rootpage FROM sqlite_schema WHERE name = 't'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let mut select = conn
        .prepare(&format!("SELECT rowid, {} FROM t", names.join(",")))
        .unwrap();
    let stored: Vec<(i64, Vec<Value>)> = select
        .query_map([], |r| {
            let values = (0..columns)
                .map(|i| r.get(i + 1))
                .collect::<Result<_, _>>()?;
            Ok((r.get(0)?, values))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    drop(select);
    conn.close().unwrap();

    let file = std::fs::read(&path).unwrap();
    let records = leaf_records(&file, 65536, root as usize);
    assert_eq!(records.len(), rows.len());
    for ((rowid, payload), (sqlite_rowid, values)) in records.iter().zip(&stored) {
        assert_eq!(rowid, sqlite_rowid);
        // Decode SQLite's bytes: SQLite's values come back.
        let record = RecordRef::parse(payload, None).unwrap();
        assert_eq!(record.column_count(), columns);
        for (i, value) in values.iter().enumerate() {
            let ours = record.column(i).unwrap();
            let theirs = as_value_ref(value);
            match (ours, theirs) {
                (ValueRef::Real(a), ValueRef::Real(b)) => assert_eq!(a.to_bits(), b.to_bits()),
                _ => assert_eq!(ours, theirs, "row {rowid} column {i}"),
            }
        }
        // Encode SQLite's values: SQLite's bytes come out.
        let refs: Vec<ValueRef<'_>> = values.iter().map(as_value_ref).collect();
        assert_eq!(
            encode(&refs).as_slice(),
            payload.as_slice(),
            "row {rowid}: {values:?}"
        );
    }
}

#[test]
fn integers_at_every_size_boundary_match_sqlite() {
    let ints = [
        0,
        1,
        2,
        -1,
        127,
        128,
        -128,
        -129,
        255,
        256,
        32767,
        32768,
        -32768,
        -32769,
        (1 << 23) - 1,
        1 << 23,
        -(1 << 23),
        -(1 << 23) - 1,
        (1 << 31) - 1,
        1 << 31,
        -(1 << 31),
        -(1 << 31) - 1,
        (1 << 47) - 1,
        1 << 47,
        -(1 << 47),
        -(1 << 47) - 1,
        i64::MAX,
        i64::MIN,
    ];
    let rows: Vec<Vec<Value>> = ints.iter().map(|&i| vec![Value::Integer(i)]).collect();
    check_rows("ints.db", 1, &rows);
}

#[test]
fn reals_text_blobs_and_nulls_match_sqlite() {
    let long_text: String = (0..5000)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    let long_blob: Vec<u8> = (0..3000u32).map(|i| (i * 7) as u8).collect();
    let values = [
        Value::Null,
        Value::Real(1.5),
        Value::Real(-2.25),
        Value::Real(0.0),
        Value::Real(1e300),
        Value::Real(f64::MIN_POSITIVE),
        Value::Real(f64::INFINITY),
        Value::Real(f64::NEG_INFINITY),
        Value::Real(9.223372036854776e18),
        Value::Text(String::new()),
        Value::Text("a".into()),
        Value::Text("héllo, wörld ✓".into()),
        Value::Text(long_text.clone()),
        Value::Blob(Vec::new()),
        Value::Blob(vec![0]),
        Value::Blob(long_blob.clone()),
    ];
    let rows: Vec<Vec<Value>> = values.iter().map(|v| vec![v.clone()]).collect();
    check_rows("scalars.db", 1, &rows);
    // Mixed rows, one of them with every kind at once.
    let mixed = vec![
        values.to_vec(),
        values.iter().rev().cloned().collect(),
        (0..16).map(|i| Value::Integer(i - 8)).collect(),
    ];
    check_rows("mixed.db", 16, &mixed);
}

#[test]
fn wide_records_size_their_header_as_sqlite_does() {
    // 130 columns: the header passes 127 bytes and its size takes 2 bytes.
    for columns in [126usize, 127, 128, 130, 200] {
        let row: Vec<Value> = (0..columns)
            .map(|i| match i % 4 {
                0 => Value::Null,
                1 => Value::Integer(i as i64 * 1000),
                2 => Value::Text("x".repeat(i % 7)),
                _ => Value::Blob(vec![i as u8; 100]),
            })
            .collect();
        check_rows(&format!("wide{columns}.db"), columns, &[row]);
    }
}

#[test]
fn nan_is_stored_as_null_by_both() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nan.db");
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch("PRAGMA page_size=65536; CREATE TABLE t(a, b);")
        .unwrap();
    conn.execute("INSERT INTO t VALUES (?1, 7)", [f64::NAN])
        .unwrap();
    conn.close().unwrap();
    let file = std::fs::read(&path).unwrap();
    let records = leaf_records(&file, 65536, 2);
    let ours = encode(&[ValueRef::Real(f64::NAN), ValueRef::Integer(7)]);
    assert_eq!(ours.as_slice(), records[0].1.as_slice());
}
