//! `":memory:"` and `""`: private in-memory databases, and the
//! `StdPlatform::memory()` they live on.

// Every item of this crate is test code, helpers included (clippy's
// test allowances only see `#[test]` functions and `cfg(test)` modules).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use boundlite::alloc::Global;
use boundlite::record::ValueRef;
use boundlite::{Database, Error};
use boundlite_platform::{ErrorKind, File, OpenMode, Platform};
use boundlite_std::StdPlatform;

/// The number of tables, indexes and views in `db`'s schema.
fn schema_len(db: &Database<StdPlatform, Global>) -> usize {
    db.schema().unwrap().entries().len()
}

fn count(db: &Database<StdPlatform, Global>, sql: &str) -> i64 {
    let conn = db.connect();
    let mut stmt = conn.prepare(sql).unwrap();
    let row = stmt.step().unwrap().unwrap();
    row.get_i64(0).unwrap()
}

#[test]
fn memory_paths_open_private_databases_and_create_no_file() {
    for path in [":memory:", ""] {
        let a = boundlite_std::open(path).unwrap();
        let b = boundlite_std::open(path).unwrap();
        a.connect()
            .execute("CREATE TABLE t(x); INSERT INTO t VALUES (1), (2), (3)", &[])
            .unwrap();
        assert_eq!(count(&a, "SELECT count(*) FROM t"), 3);
        // Each open is its own database.
        assert_eq!(schema_len(&b), 0);
        assert!(b.connect().execute("SELECT * FROM t", &[]).is_err());
    }
    // Tests run in the package directory: nothing was made there.
    for name in [":memory:", ":memory:-wal", ":memory:-shm", "-wal", "-shm"] {
        assert!(!Path::new(name).exists(), "{name} was created");
    }
}

#[test]
fn a_memory_database_outgrows_its_cache() {
    let db = boundlite_std::open(":memory:").unwrap();
    let conn = db.connect();
    conn.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)", &[])
        .unwrap();
    // Far more pages than the 128-frame cache holds, in a transaction of
    // fewer pages than the cache and then in autocommit.
    conn.execute("BEGIN", &[]).unwrap();
    let blob = [7u8; 3000];
    let insert = |conn: &boundlite::Connection<'_, StdPlatform, Global>| {
        conn.execute("INSERT INTO t(v) VALUES (?)", &[ValueRef::Blob(&blob)])
            .unwrap();
    };
    for _ in 0..50 {
        insert(&conn);
    }
    conn.execute("COMMIT", &[]).unwrap();
    for _ in 0..550 {
        insert(&conn);
    }
    assert_eq!(count(&db, "SELECT count(*) FROM t"), 600);
    assert_eq!(
        count(&db, "SELECT count(*) FROM t WHERE length(v) = 3000"),
        600
    );
    assert!(db.integrity_check(0).unwrap().is_ok());
}

#[test]
fn a_read_only_memory_database_is_empty_and_refuses_writes() {
    let db = boundlite_std::open_read_only(":memory:").unwrap();
    assert_eq!(schema_len(&db), 0);
    assert!(matches!(
        db.connect().execute("CREATE TABLE t(x)", &[]),
        Err(Error::ReadOnly)
    ));
}

#[test]
fn memory_platform_files_are_shared_by_clones_only() {
    let platform = StdPlatform::memory();
    assert!(platform.is_memory());
    assert_eq!(platform.base_dir(), None);
    let clone = platform.clone();
    assert_eq!(platform, clone);
    assert_ne!(platform, StdPlatform::memory());
    assert_ne!(platform, StdPlatform::new());
    assert!(!StdPlatform::new().is_memory());

    let mut f = platform.open("a.db", OpenMode::Create).unwrap();
    assert!(f.as_std().is_none());
    f.write_at(2, b"xy").unwrap();
    assert!(clone.exists("a.db").unwrap());
    assert!(!StdPlatform::memory().exists("a.db").unwrap());
    assert!(!Path::new("a.db").exists());

    let mut reader = clone.open("a.db", OpenMode::ReadOnly).unwrap();
    let mut buf = [0xff; 4];
    reader.read_exact_at(0, &mut buf).unwrap();
    assert_eq!(&buf, b"\0\0xy");
    assert_eq!(
        reader.write_at(0, b"z").unwrap_err().kind(),
        ErrorKind::ReadOnly
    );
    assert_eq!(reader.truncate(0).unwrap_err().kind(), ErrorKind::ReadOnly);
    // The trait's defaults: every lock granted, no shared memory.
    reader
        .lock(boundlite_platform::LockLevel::Exclusive)
        .unwrap();
    f.lock(boundlite_platform::LockLevel::Exclusive).unwrap();
    assert_eq!(
        reader.shm_attach().unwrap_err().kind(),
        ErrorKind::Unsupported
    );

    // Deleting unnames the file; open handles keep its bytes.
    platform.delete("a.db").unwrap();
    assert!(!platform.exists("a.db").unwrap());
    assert_eq!(
        platform.delete("a.db").unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert_eq!(
        platform
            .open("a.db", OpenMode::ReadWrite)
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
    assert_eq!(f.size().unwrap(), 4);
    let mut fresh = platform.open("a.db", OpenMode::Create).unwrap();
    assert_eq!(fresh.size().unwrap(), 0);
    f.truncate(1).unwrap();
    f.truncate(3).unwrap();
    let mut three = [0xff; 3];
    reader.read_exact_at(0, &mut three).unwrap();
    assert_eq!(three, [0, 0, 0]);
}

#[test]
fn memory_platform_keeps_a_database_across_reopening() {
    let platform = StdPlatform::memory();
    {
        let db = Database::open(
            platform.clone(),
            "m.db",
            &boundlite::Config::DEFAULT,
            Global,
        )
        .unwrap();
        db.connect()
            .execute("CREATE TABLE t(x); INSERT INTO t VALUES ('kept')", &[])
            .unwrap();
    }
    let db =
        Database::open_read_only(platform, "m.db", &boundlite::Config::DEFAULT, Global).unwrap();
    assert_eq!(count(&db, "SELECT count(*) FROM t WHERE x = 'kept'"), 1);
}
