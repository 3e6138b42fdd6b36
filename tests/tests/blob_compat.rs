//! Big values against SQLite: rows whose records spill to overflow pages
//! stored from their values page by page, `zeroblob(N)` stored without
//! its bytes, `length()`/`typeof()` read from the record header, and
//! incremental BLOB I/O (`Connection::blob_open`) both ways:
//!
//! - what boundlite writes through `zeroblob` and blob handles, SQLite
//!   reads back byte for byte, and its `integrity_check` passes;
//! - what SQLite writes (through SQL and its own blob handles), boundlite
//!   reads identically through `blob_open`;
//! - `length()` and `typeof()` of every kind of column agree with SQLite,
//!   around the sizes where a record starts to spill;
//! - `blob_open`'s errors are SQLite's, and a handle's writes follow the
//!   connection's transaction.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::Path;

use boundlite::alloc::Global;
use boundlite::connection::BlobAccess;
use boundlite::platform::Platform;
use boundlite::record::ValueRef;
use boundlite::{Blob, Config, Connection, Database, Error};
use boundlite_std::StdPlatform;
use boundlite_tests::rng::{Rng, seed};

/// `len` bytes of a pattern no two offsets or seeds share by accident.
fn pattern(seed: u64, len: usize) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    (0..len).map(|_| rng.next_u64() as u8).collect()
}

/// Writes `data` through `blob` from offset 0 in chunks of `chunk` bytes.
fn write_chunks<P: Platform>(blob: &Blob<'_, '_, P, Global>, data: &[u8], chunk: usize) {
    for (i, piece) in data.chunks(chunk).enumerate() {
        blob.write_at(i * chunk, piece).unwrap();
    }
}

/// Reads the whole value through `blob` in chunks of `chunk` bytes.
fn read_chunks<P: Platform>(blob: &Blob<'_, '_, P, Global>, chunk: usize) -> Vec<u8> {
    let mut out = vec![0u8; blob.len()];
    let mut at = 0;
    while at < out.len() {
        let end = (at + chunk).min(out.len());
        assert_eq!(blob.read_at(at, &mut out[at..end]).unwrap(), end - at);
        at = end;
    }
    out
}

fn sqlite_check(path: &Path) -> rusqlite::Connection {
    let sqlite = rusqlite::Connection::open(path).unwrap();
    let check: String = sqlite
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    sqlite
}

fn sqlite_value(sqlite: &rusqlite::Connection, sql: &str, id: i64) -> Vec<u8> {
    sqlite
        .query_row(sql, [id], |r| {
            Ok(match r.get_ref(0)? {
                rusqlite::types::ValueRef::Blob(b) | rusqlite::types::ValueRef::Text(b) => {
                    b.to_vec()
                }
                other => panic!("row {id}: {other:?}"),
            })
        })
        .unwrap()
}

/// Sizes around where a 4 KiB page's table record starts to spill, and
/// well past it.
const SIZES: [usize; 10] = [0, 1, 4000, 4050, 4061, 4062, 5000, 8184, 100_000, 300_001];

#[test]
fn zeroblobs_and_blob_writes_read_back_in_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let disk = StdPlatform::in_dir(dir.path());
    let mut expected = Vec::new();
    {
        let db = Database::open(&disk, "w.db", &Config::DEFAULT, Global).unwrap();
        let conn = db.connect();
        conn.execute(
            "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT UNIQUE, data BLOB, note TEXT);
             CREATE TABLE k(id INTEGER PRIMARY KEY, z BLOB UNIQUE)",
            &[],
        )
        .unwrap();
        for (i, &size) in SIZES.iter().enumerate() {
            let id = i as i64 + 1;
            conn.execute(
                "INSERT INTO t VALUES (?1, 'n' || ?1, zeroblob(?2), 'tail ' || ?1)",
                &[ValueRef::Integer(id), ValueRef::Integer(size as i64)],
            )
            .unwrap();
            let data = pattern(id as u64, size);
            let blob = conn
                .blob_open("t", "data", id, BlobAccess::ReadWrite)
                .unwrap();
            assert_eq!(blob.len(), size);
            // Chunks that cross page boundaries at odd places.
            write_chunks(&blob, &data, 1000 + i * 7);
            assert_eq!(read_chunks(&blob, 4096), data);
            expected.push((id, data));
        }
        // A bound blob larger than a page, and zeroblob(N) in an indexed
        // column (whose bytes an index entry holds).
        let bound = pattern(99, 70_000);
        conn.execute(
            "INSERT INTO t VALUES (100, 'bound', ?1, NULL)",
            &[ValueRef::Blob(&bound)],
        )
        .unwrap();
        expected.push((100, bound));
        conn.execute("INSERT INTO k VALUES (1, zeroblob(5000))", &[])
            .unwrap();
        // A text value written through a handle, inside a transaction.
        conn.execute("BEGIN", &[]).unwrap();
        conn.execute(
            "INSERT INTO t VALUES (200, 'text', NULL, CAST(zeroblob(9000) AS TEXT))",
            &[],
        )
        .unwrap();
        let note = conn
            .blob_open("t", "note", 200, BlobAccess::ReadWrite)
            .unwrap();
        let text: Vec<u8> = (0..9000).map(|i| b'a' + (i % 26) as u8).collect();
        write_chunks(&note, &text, 4096);
        conn.execute("COMMIT", &[]).unwrap();
        let mut check = conn.prepare("PRAGMA integrity_check").unwrap();
        assert_eq!(check.step().unwrap().unwrap().get_text(0).unwrap(), "ok");
        drop(check);
        let sqlite = sqlite_check(&dir.path().join("w.db"));
        for (id, data) in &expected {
            let stored = sqlite_value(&sqlite, "SELECT data FROM t WHERE id = ?1", *id);
            assert!(stored == *data, "row {id}: SQLite reads other bytes");
        }
        assert_eq!(
            sqlite_value(&sqlite, "SELECT note FROM t WHERE id = ?1", 200),
            text
        );
        assert_eq!(
            sqlite_value(&sqlite, "SELECT z FROM k WHERE id = ?1", 1),
            vec![0u8; 5000]
        );
        let found: i64 = sqlite
            .query_row("SELECT id FROM k WHERE z = zeroblob(5000)", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(found, 1);
    }
}

#[test]
fn sqlite_written_values_read_identically_through_blob_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let mut rng = Rng::new(seed(12));
    let mut expected = Vec::new();
    {
        let sqlite = rusqlite::Connection::open(&path).unwrap();
        sqlite
            .execute_batch(
                "PRAGMA journal_mode = WAL;
                 CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, data BLOB, note TEXT)",
            )
            .unwrap();
        for id in 1..=12i64 {
            let size = match id {
                1 => 0,
                2 => 4061,
                3 => 4062,
                _ => rng.below(400_000) as usize,
            };
            let data = pattern(id as u64 + 1000, size);
            if id % 2 == 0 {
                sqlite
                    .execute(
                        "INSERT INTO t VALUES (?1, ?1, ?2, 'x')",
                        rusqlite::params![id, data],
                    )
                    .unwrap();
            } else {
                // Through SQLite's own incremental I/O.
                sqlite
                    .execute(
                        "INSERT INTO t VALUES (?1, ?1, zeroblob(?2), 'x')",
                        rusqlite::params![id, size as i64],
                    )
                    .unwrap();
                let mut blob = sqlite.blob_open("main", "t", "data", id, false).unwrap();
                blob.write_at(&data, 0).unwrap();
            }
            expected.push((id, data));
        }
    }
    let disk = StdPlatform::in_dir(dir.path());
    let db = Database::open(&disk, "s.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    for (id, data) in &expected {
        let blob = conn
            .blob_open("t", "data", *id, BlobAccess::ReadOnly)
            .unwrap();
        assert_eq!(blob.len(), data.len(), "row {id}");
        for chunk in [1, 777, 4092, 65536] {
            if chunk == 1 && data.len() > 5000 {
                continue;
            }
            assert!(
                read_chunks(&blob, chunk) == *data,
                "row {id}, chunks of {chunk}"
            );
        }
        // A read that starts inside the value and runs past its end reads
        // what there is.
        let mut tail = vec![0u8; 100];
        let start = data.len().saturating_sub(10);
        let n = blob.read_at(start, &mut tail).unwrap();
        assert_eq!(&tail[..n], &data[start..]);
    }
}

/// `SELECT id, length(x), typeof(x)` for every column, on both engines.
fn shapes(conn: &Connection<'_, &StdPlatform, Global>) -> Vec<Vec<String>> {
    let sql = "SELECT id, length(b), typeof(b), length(t), typeof(t), length(r), typeof(r), typeof(n) FROM s ORDER BY id";
    let mut stmt = conn.prepare(sql).unwrap();
    let mut rows = Vec::new();
    while let Some(row) = stmt.step().unwrap() {
        rows.push(
            (0..8)
                .map(|i| format!("{:?}", row.get_ref(i).unwrap()))
                .collect(),
        );
    }
    rows
}

#[test]
fn length_and_typeof_agree_with_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let disk = StdPlatform::in_dir(dir.path());
    let config = Config {
        cache_frames: 1024,
        ..Config::DEFAULT
    };
    let db = Database::open(&disk, "l.db", &config, Global).unwrap();
    let conn = db.connect();
    conn.execute(
        "CREATE TABLE s(id INTEGER PRIMARY KEY, b BLOB, t TEXT, r REAL, n)",
        &[],
    )
    .unwrap();
    for (i, &size) in SIZES.iter().enumerate() {
        let text: String = "é".repeat(size / 2);
        conn.execute(
            "INSERT INTO s VALUES (?1, zeroblob(?2), ?3, ?1, NULL)",
            &[
                ValueRef::Integer(i as i64),
                ValueRef::Integer(size as i64),
                ValueRef::text(&text),
            ],
        )
        .unwrap();
    }
    conn.execute("INSERT INTO s VALUES (100, NULL, 12, 2.5, x'00')", &[])
        .unwrap();
    let ours = shapes(&conn);
    let sqlite = sqlite_check(&dir.path().join("l.db"));
    let sql = "SELECT id, length(b), typeof(b), length(t), typeof(t), length(r), typeof(r), typeof(n) FROM s ORDER BY id";
    let mut stmt = sqlite.prepare(sql).unwrap();
    let theirs: Vec<Vec<String>> = stmt
        .query_map([], |r| {
            Ok((0..8)
                .map(|i| match r.get_ref(i).unwrap() {
                    rusqlite::types::ValueRef::Integer(v) => format!("{:?}", ValueRef::Integer(v)),
                    rusqlite::types::ValueRef::Text(t) => format!("{:?}", ValueRef::Text(t)),
                    rusqlite::types::ValueRef::Null => format!("{:?}", ValueRef::Null),
                    other => panic!("{other:?}"),
                })
                .collect())
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(ours, theirs);
}

#[test]
fn blob_open_fails_as_sqlite_does() {
    let dir = tempfile::tempdir().unwrap();
    let disk = StdPlatform::in_dir(dir.path());
    let db = Database::open(&disk, "e.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    conn.execute(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, i INTEGER, r REAL, n, b BLOB, k TEXT UNIQUE);
         INSERT INTO t VALUES (1, 5, 1.5, NULL, zeroblob(10000), 'key')",
        &[],
    )
    .unwrap();
    let sqlite = rusqlite::Connection::open(dir.path().join("e.db")).unwrap();
    let cases: [(&str, &str, i64, bool, &str); 9] = [
        ("nope", "b", 1, false, "no such table"),
        ("t", "nope", 1, false, "no such column"),
        ("t", "b", 2, false, "no such rowid"),
        ("t", "i", 1, false, "cannot open value of type integer"),
        ("t", "r", 1, false, "cannot open value of type real"),
        ("t", "n", 1, false, "cannot open value of type null"),
        ("t", "id", 1, false, "cannot open value of type null"),
        ("t", "k", 1, true, "cannot open indexed column for writing"),
        ("t", "id", 1, true, "cannot open value of type null"),
    ];
    for (table, column, rowid, write, message) in cases {
        let access = if write {
            BlobAccess::ReadWrite
        } else {
            BlobAccess::ReadOnly
        };
        let ours = conn.blob_open(table, column, rowid, access).unwrap_err();
        assert!(
            ours.to_string()
                .starts_with(&format!("SQL error: {message}")),
            "{table}.{column} {rowid}: {ours}"
        );
        assert_eq!(ours.code(), 1);
        let theirs = match sqlite.blob_open("main", table, column, rowid, !write) {
            Ok(_) => panic!("SQLite opens {table}.{column} {rowid}"),
            Err(e) => e.to_string(),
        };
        assert!(
            theirs.starts_with(message),
            "{table}.{column}: SQLite says {theirs:?}"
        );
    }
    // An indexed column opens for reading.
    let k = conn.blob_open("t", "k", 1, BlobAccess::ReadOnly).unwrap();
    let mut key = [0u8; 3];
    assert_eq!(k.read_at(0, &mut key).unwrap(), 3);
    assert_eq!(&key, b"key");
    assert_eq!(k.write_at(0, b"x"), Err(Error::ReadOnly));
    assert_eq!(k.write_at(0, b"x").unwrap_err().code(), 8);

    let b = conn.blob_open("t", "b", 1, BlobAccess::ReadWrite).unwrap();
    let out_of_range = Err(Error::Sql("blob offset out of range"));
    assert_eq!(b.write_at(9999, b"xy"), out_of_range);
    assert_eq!(b.write_at(usize::MAX, b"xy"), out_of_range);
    assert_eq!(b.read_at(10_001, &mut [0u8; 1]).map(|_| ()), out_of_range);
    assert_eq!(b.read_at(10_000, &mut [0u8; 1]), Ok(0));
    b.write_at(9998, b"xy").unwrap();
    // A change elsewhere in the row that leaves the value where it was
    // keeps the handle working on the row as it is now...
    conn.execute("UPDATE t SET k = 'longer key' WHERE id = 1", &[])
        .unwrap();
    b.write_at(0, b"ab").unwrap();
    // ...one that moves the value expires it, and it changes nothing.
    conn.execute("UPDATE t SET n = 'moves b' WHERE id = 1", &[])
        .unwrap();
    let aborted = b.write_at(0, b"zz").unwrap_err();
    assert!(matches!(aborted, Error::Abort(_)));
    assert_eq!(aborted.code(), 4);
    assert!(matches!(b.read_at(0, &mut [0u8; 2]), Err(Error::Abort(_))));
    let b = conn.blob_open("t", "b", 1, BlobAccess::ReadWrite).unwrap();
    let mut tail = [0u8; 4];
    b.read_at(9996, &mut tail).unwrap();
    assert_eq!(&tail, b"\0\0xy");
    b.read_at(0, &mut tail).unwrap();
    assert_eq!(&tail, b"ab\0\0");
    conn.execute("DELETE FROM t WHERE id = 1", &[]).unwrap();
    assert!(matches!(b.read_at(0, &mut tail), Err(Error::Abort(_))));
    conn.execute("INSERT INTO t(id, b) VALUES (2, zeroblob(10))", &[])
        .unwrap();
    let b = conn.blob_open("t", "b", 2, BlobAccess::ReadWrite).unwrap();
    conn.execute("CREATE TABLE other(x)", &[]).unwrap();
    assert!(matches!(b.write_at(0, b"zz"), Err(Error::Abort(_))));
}

#[test]
fn blob_writes_follow_the_connections_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let disk = StdPlatform::in_dir(dir.path());
    let db = Database::open(&disk, "x.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    let other = db.connect();
    conn.execute(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, b BLOB); INSERT INTO t VALUES (1, zeroblob(20000))",
        &[],
    )
    .unwrap();
    let read = |c: &Connection<'_, &StdPlatform, Global>| {
        let blob = c.blob_open("t", "b", 1, BlobAccess::ReadOnly).unwrap();
        read_chunks(&blob, 4096)
    };
    let blob = conn.blob_open("t", "b", 1, BlobAccess::ReadWrite).unwrap();
    // Outside BEGIN each write commits: another connection sees it.
    blob.write_at(5000, b"one").unwrap();
    assert_eq!(&read(&other)[5000..5003], b"one");
    // Inside BEGIN the writes belong to the transaction.
    conn.execute("BEGIN", &[]).unwrap();
    blob.write_at(15000, b"two").unwrap();
    assert_eq!(&read(&conn)[15000..15003], b"two");
    assert_eq!(&read(&other)[15000..15003], b"\0\0\0");
    conn.execute("ROLLBACK", &[]).unwrap();
    assert_eq!(&read(&conn)[15000..15003], b"\0\0\0");
    conn.execute("BEGIN", &[]).unwrap();
    blob.write_at(15000, b"two").unwrap();
    conn.execute("COMMIT", &[]).unwrap();
    assert_eq!(&read(&other)[15000..15003], b"two");
    drop((conn, other));
    drop(db);
    let sqlite = sqlite_check(&dir.path().join("x.db"));
    let stored = sqlite_value(&sqlite, "SELECT b FROM t WHERE id = ?1", 1);
    assert_eq!(
        (&stored[5000..5003], &stored[15000..15003]),
        (&b"one"[..], &b"two"[..])
    );
}

#[test]
fn update_to_zeroblob_then_blob_writes_read_back_in_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let disk = StdPlatform::in_dir(dir.path());
    let data = pattern(7, 50_000);
    {
        let db = Database::open(&disk, "u.db", &Config::DEFAULT, Global).unwrap();
        let conn = db.connect();
        // `plain` has no index, so its row is overwritten in place;
        // `named` has one, so its row is deleted and inserted again.
        conn.execute(
            "CREATE TABLE plain(id INTEGER PRIMARY KEY, b BLOB, tail TEXT);
             CREATE TABLE named(id INTEGER PRIMARY KEY, name TEXT UNIQUE, b BLOB);
             INSERT INTO plain VALUES (1, x'01', 'end'), (2, zeroblob(9000), 'end');
             INSERT INTO named VALUES (1, 'one', x'02');
             UPDATE plain SET b = zeroblob(50000) WHERE id = 1;
             UPDATE plain SET b = zeroblob(10) WHERE id = 2;
             UPDATE named SET b = zeroblob(50000), name = 'uno'",
            &[],
        )
        .unwrap();
        for table in ["plain", "named"] {
            let blob = conn
                .blob_open(table, "b", 1, BlobAccess::ReadWrite)
                .unwrap();
            assert_eq!(blob.len(), 50_000);
            write_chunks(&blob, &data, 4096);
        }
    }
    let sqlite = sqlite_check(&dir.path().join("u.db"));
    for table in ["plain", "named"] {
        let sql = format!("SELECT b FROM {table} WHERE id = ?1");
        assert!(sqlite_value(&sqlite, &sql, 1) == data, "{table}");
    }
    let (b, tail): (Vec<u8>, String) = sqlite
        .query_row("SELECT b, tail FROM plain WHERE id = 2", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((b, tail.as_str()), (vec![0u8; 10], "end"));
    let name: String = sqlite
        .query_row("SELECT name FROM named WHERE id = 1", [], |r| r.get(0))
        .unwrap();
    assert_eq!(name, "uno");
}

#[test]
fn blob_open_refuses_what_it_cannot_address() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.db");
    {
        let sqlite = rusqlite::Connection::open(&path).unwrap();
        sqlite
            .execute_batch(
                "PRAGMA journal_mode = WAL;
                 CREATE TABLE wr(k TEXT PRIMARY KEY, b BLOB) WITHOUT ROWID;
                 INSERT INTO wr VALUES ('a', zeroblob(10));
                 CREATE VIEW v AS SELECT 1 AS b;",
            )
            .unwrap();
    }
    let disk = StdPlatform::in_dir(dir.path());
    let db = Database::open(&disk, "v.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    // SQLite's words.
    assert_eq!(
        conn.blob_open("wr", "b", 1, BlobAccess::ReadOnly)
            .unwrap_err(),
        Error::Sql("cannot open table without rowid")
    );
    assert_eq!(
        conn.blob_open("v", "b", 1, BlobAccess::ReadOnly)
            .unwrap_err(),
        Error::Sql("cannot open view")
    );
}

#[test]
fn a_handle_never_uses_a_chain_that_changed() {
    let dir = tempfile::tempdir().unwrap();
    let disk = StdPlatform::in_dir(dir.path());
    let db = Database::open(&disk, "c.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    conn.execute(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, b BLOB, n INTEGER);
         INSERT INTO t VALUES (1, zeroblob(100000), 0)",
        &[],
    )
    .unwrap();
    let blob = conn.blob_open("t", "b", 1, BlobAccess::ReadWrite).unwrap();
    let a = pattern(1, 100_000);
    let b = pattern(2, 100_000);
    // Inside BEGIN the handle learns the chain and goes straight to its
    // pages...
    conn.execute("BEGIN", &[]).unwrap();
    write_chunks(&blob, &a, 4096);
    assert!(read_chunks(&blob, 4096) == a);
    // ...until the row is written again (its chain freed and allocated
    // anew) in the same transaction.
    conn.execute("UPDATE t SET n = 1 WHERE id = 1", &[])
        .unwrap();
    assert!(read_chunks(&blob, 5000) == a);
    write_chunks(&blob, &b[..50_000], 3000);
    conn.execute("COMMIT", &[]).unwrap();
    let mut expected = b[..50_000].to_vec();
    expected.extend_from_slice(&a[50_000..]);
    assert!(read_chunks(&blob, 4096) == expected);
    // A chain learned in a transaction rolled back is not used after.
    conn.execute("BEGIN", &[]).unwrap();
    conn.execute("UPDATE t SET n = 2 WHERE id = 1", &[])
        .unwrap();
    write_chunks(&blob, &a, 7000);
    conn.execute("ROLLBACK", &[]).unwrap();
    conn.execute("BEGIN", &[]).unwrap();
    assert!(read_chunks(&blob, 4096) == expected);
    write_chunks(&blob, &a[..10_000], 4096);
    conn.execute("COMMIT", &[]).unwrap();
    expected[..10_000].copy_from_slice(&a[..10_000]);
    let sqlite = sqlite_check(&dir.path().join("c.db"));
    assert!(sqlite_value(&sqlite, "SELECT b FROM t WHERE id = ?1", 1) == expected);
}
