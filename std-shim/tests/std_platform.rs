//! `StdPlatform` against a temporary directory, and the semantics it must
//! share with `MemoryPlatform` checked on both.

// Every item of this crate is test code, helpers included (clippy's
// test allowances only see `#[test]` functions and `cfg(test)` modules).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use boundlite_platform::{
    CrashPlan, ErrorKind, FaultPlatform, File, MemoryPlatform, OpenMode, Platform, PlatformError,
};
use boundlite_std::StdPlatform;

fn kind<T>(result: Result<T, PlatformError>) -> ErrorKind {
    result.err().expect("an error").kind()
}

/// The file semantics every platform keeps (the contract in
/// `boundlite_platform::File`), run on `platform`.
fn shared_semantics<P: Platform>(platform: P) {
    assert!(!platform.exists("a.db").unwrap());
    assert_eq!(
        kind(platform.open("a.db", OpenMode::ReadOnly)),
        ErrorKind::NotFound
    );
    assert_eq!(
        kind(platform.open("a.db", OpenMode::ReadWrite)),
        ErrorKind::NotFound
    );
    assert_eq!(kind(platform.delete("a.db")), ErrorKind::NotFound);

    let mut f = platform.open("a.db", OpenMode::Create).unwrap();
    assert!(platform.exists("a.db").unwrap());
    assert_eq!(f.size().unwrap(), 0);

    // Writes, a gap that reads as zeros, overwrites.
    f.write_at(0, b"hello").unwrap();
    f.write_at(8, b"world").unwrap();
    f.write_at(1, b"E").unwrap();
    f.write_at(100, b"").unwrap();
    assert_eq!(f.size().unwrap(), 13);
    let mut buf = [0xffu8; 13];
    f.read_exact_at(0, &mut buf).unwrap();
    assert_eq!(&buf, b"hEllo\0\0\0world");

    // Reads stop at the end.
    assert_eq!(f.read_at(10, &mut buf).unwrap(), 3);
    assert_eq!(f.read_at(13, &mut buf).unwrap(), 0);
    assert_eq!(
        kind(f.read_exact_at(10, &mut buf)),
        ErrorKind::UnexpectedEof
    );

    // Truncation both ways.
    f.truncate(4).unwrap();
    f.truncate(6).unwrap();
    let mut six = [0xffu8; 6];
    f.read_exact_at(0, &mut six).unwrap();
    assert_eq!(&six, b"hEll\0\0");
    f.sync().unwrap();

    // A second handle sees the same bytes; Create opens the existing file.
    let mut g = platform.open("a.db", OpenMode::Create).unwrap();
    assert_eq!(g.size().unwrap(), 6);
    g.write_at(0, b"H").unwrap();
    let mut one = [0u8; 1];
    f.read_exact_at(0, &mut one).unwrap();
    assert_eq!(&one, b"H");
    drop(g);

    // Read-only handles refuse changes and leave the file alone.
    let mut r = platform.open("a.db", OpenMode::ReadOnly).unwrap();
    assert_eq!(kind(r.write_at(0, b"x")), ErrorKind::ReadOnly);
    assert_eq!(kind(r.truncate(0)), ErrorKind::ReadOnly);
    r.read_exact_at(0, &mut one).unwrap();
    assert_eq!(&one, b"H");
    assert_eq!(r.size().unwrap(), 6);
    drop(r);

    drop(f);
    platform.delete("a.db").unwrap();
    assert!(!platform.exists("a.db").unwrap());
}

#[test]
fn std_platform_keeps_the_shared_semantics() {
    let dir = tempfile::tempdir().unwrap();
    shared_semantics(StdPlatform::in_dir(dir.path()));
}

#[test]
fn memory_platform_keeps_the_shared_semantics() {
    let disk = MemoryPlatform::new();
    shared_semantics(&disk);
}

/// Unlinking an open file: on unix the handle lives on, as on the RAM disk.
#[cfg(unix)]
fn delete_while_open<P: Platform>(platform: P) {
    let mut old = platform.open("wal", OpenMode::Create).unwrap();
    old.write_at(0, b"old").unwrap();
    platform.delete("wal").unwrap();
    assert!(!platform.exists("wal").unwrap());
    let mut fresh = platform.open("wal", OpenMode::Create).unwrap();
    assert_eq!(fresh.size().unwrap(), 0);
    fresh.write_at(0, b"new!").unwrap();
    old.write_at(3, b"?").unwrap();
    let mut buf = [0u8; 4];
    old.read_exact_at(0, &mut buf).unwrap();
    assert_eq!(&buf, b"old?");
    fresh.read_exact_at(0, &mut buf).unwrap();
    assert_eq!(&buf, b"new!");
}

#[cfg(unix)]
#[test]
fn deleting_an_open_file_agrees_with_the_memory_platform() {
    let dir = tempfile::tempdir().unwrap();
    delete_while_open(StdPlatform::in_dir(dir.path()));
    let disk = MemoryPlatform::new();
    delete_while_open(&disk);
}

#[test]
fn not_found_carries_the_os_code() {
    let dir = tempfile::tempdir().unwrap();
    let fs = StdPlatform::in_dir(dir.path());
    let err = fs.open("missing.db", OpenMode::ReadWrite).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(err.code().is_some());
}

#[test]
fn in_dir_resolves_relative_paths_and_keeps_absolute_ones() {
    let dir = tempfile::tempdir().unwrap();
    let other = tempfile::tempdir().unwrap();
    let fs = StdPlatform::in_dir(dir.path());
    assert_eq!(fs.base_dir(), Some(dir.path()));
    let mut f = fs.open("rel.db", OpenMode::Create).unwrap();
    f.write_at(0, b"rel").unwrap();
    assert_eq!(std::fs::read(dir.path().join("rel.db")).unwrap(), b"rel");

    let absolute = other.path().join("abs.db");
    let absolute = absolute.to_str().unwrap();
    fs.open(absolute, OpenMode::Create).unwrap();
    assert!(StdPlatform::new().exists(absolute).unwrap());
    assert!(!dir.path().join("abs.db").exists());
}

#[test]
fn files_written_are_plain_files_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("fixture.db"), b"from std").unwrap();
    let fs = StdPlatform::in_dir(dir.path());
    let mut f = fs.open("fixture.db", OpenMode::ReadWrite).unwrap();
    let mut buf = [0u8; 8];
    f.read_exact_at(0, &mut buf).unwrap();
    assert_eq!(&buf, b"from std");
    f.write_at(5, b"STD!").unwrap();
    f.sync().unwrap();
    assert_eq!(
        std::fs::read(dir.path().join("fixture.db")).unwrap(),
        b"from STD!"
    );
}

#[test]
fn a_directory_is_not_a_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let fs = StdPlatform::in_dir(dir.path());
    assert!(!fs.exists("sub").unwrap());
    assert!(fs.open("sub", OpenMode::ReadWrite).is_err());
}

#[test]
fn created_file_syncs_and_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let fs = StdPlatform::in_dir(dir.path());
    {
        let mut f = fs.open("new.db", OpenMode::Create).unwrap();
        f.write_at(0, &[7u8; 4096]).unwrap();
        // The first sync also syncs the directory; the second need not.
        f.sync().unwrap();
        f.sync().unwrap();
    }
    let mut f = fs.open("new.db", OpenMode::ReadOnly).unwrap();
    assert_eq!(f.size().unwrap(), 4096);
}

#[test]
fn power_cuts_can_be_simulated_on_real_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut fault = FaultPlatform::new(StdPlatform::in_dir(dir.path()));
    {
        let mut f = (&fault).open("db", OpenMode::Create).unwrap();
        f.write_at(0, b"synced").unwrap();
        f.sync().unwrap();
        f.write_at(6, b" and lost").unwrap();
    }
    assert_eq!(
        std::fs::read(dir.path().join("db")).unwrap(),
        b"synced and lost"
    );
    let report = fault.power_cut(CrashPlan::LoseAll).unwrap();
    assert_eq!(report.lost(), 1);
    assert_eq!(std::fs::read(dir.path().join("db")).unwrap(), b"synced");
}

#[test]
fn open_by_path_creates_a_database_sqlite_can_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("by_path.db");
    {
        let db = boundlite_std::open(&path).unwrap();
        let conn = db.connect();
        conn.execute("CREATE TABLE t(x INTEGER PRIMARY KEY, y TEXT)", &[])
            .unwrap();
        conn.execute("INSERT INTO t(y) VALUES ('a'), ('b')", &[])
            .unwrap();
    }
    let db = boundlite_std::open_read_only(&path).unwrap();
    let conn = db.connect();
    let mut stmt = conn.prepare("SELECT count(*) FROM t").unwrap();
    let row = stmt.step().unwrap().unwrap();
    assert_eq!(row.get_i64(0).unwrap(), 2);
    drop(stmt);
    assert!(matches!(
        boundlite_std::open_read_only(dir.path().join("missing.db")).err(),
        Some(boundlite::Error::CantOpen(_))
    ));
}
