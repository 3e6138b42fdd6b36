//! `StdPlatform::memory()`: private in-memory files, and databases on them.

// Every item of this crate is test code, helpers included (clippy's
// test allowances only see `#[test]` functions and `cfg(test)` modules).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use boundlite::Database;
use boundlite::alloc::Global;
use boundlite_platform::{ErrorKind, File, OpenMode, Platform};
use boundlite_std::StdPlatform;

fn count(db: &Database<StdPlatform, Global>, sql: &str) -> i64 {
    let conn = db.connect();
    let mut stmt = conn.prepare(sql).unwrap();
    let row = stmt.step().unwrap().unwrap();
    row.get_i64(0).unwrap()
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
