//! Temporary files of `StdPlatform`: anonymous files in the OS temporary
//! directory (no name left in it, gone with the handle), or private
//! buffers for an in-memory platform; and the temporary-file semantics
//! every platform keeps, checked on `MemoryPlatform` too.

// Every item of this crate is test code, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use boundlite_platform::{File, MemoryPlatform, Platform};
use boundlite_std::StdPlatform;

/// What a temporary file does on any platform: starts empty, reads back
/// what was written (zeros in gaps), truncates, and is private to its
/// handle.
fn temp_semantics<P: Platform>(platform: P) {
    let mut a = platform.open_temp().unwrap();
    let mut b = platform.open_temp().unwrap();
    assert_eq!(a.size().unwrap(), 0);
    a.write_at(0, b"first run").unwrap();
    b.write_at(3, b"second").unwrap();
    let mut buf = [0xffu8; 9];
    a.read_exact_at(0, &mut buf).unwrap();
    assert_eq!(&buf, b"first run");
    assert_eq!(b.read_at(0, &mut buf).unwrap(), 9);
    assert_eq!(&buf, b"\0\0\0second");
    a.sync().unwrap();
    a.truncate(5).unwrap();
    assert_eq!(a.size().unwrap(), 5);
    assert_eq!(a.read_at(5, &mut buf).unwrap(), 0);
    let big = vec![0x5au8; 256 * 1024];
    a.write_at(1 << 20, &big).unwrap();
    assert_eq!(a.size().unwrap(), (1 << 20) + 256 * 1024);
}

/// One test, so that nothing else in this process reads the environment
/// while it points the OS temporary directory at a directory of its own.
#[test]
fn temp_files_are_anonymous_and_keep_the_shared_semantics() {
    let scratch = tempfile::tempdir().unwrap();
    // SAFETY: this is the only test of this binary, so no other thread
    // reads or writes the environment while it is changed.
    unsafe { std::env::set_var("TMPDIR", scratch.path()) };
    let listed = || std::fs::read_dir(scratch.path()).unwrap().count();

    let dir = tempfile::tempdir_in(scratch.path()).unwrap();
    let fs = StdPlatform::in_dir(dir.path());
    temp_semantics(&fs);
    let mut file = fs.open_temp().unwrap();
    file.write_at(0, b"scratch").unwrap();
    // No name in the temporary directory (only the database directory
    // made above) nor beside the database: the file is anonymous, so it
    // goes with its handle or the process.
    assert_eq!(listed(), 1);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    // It is a file of its own, not one of the database's (no std handle is
    // lent out, no locks, no shared memory).
    assert!(file.as_std().is_none());
    assert_eq!(file.size().unwrap(), 7);
    drop(file);
    assert_eq!(listed(), 1);

    // An in-memory platform keeps its temporary files in memory.
    temp_semantics(StdPlatform::memory());
    assert_eq!(listed(), 1);
    let disk = MemoryPlatform::new();
    temp_semantics(&disk);
    assert_eq!(disk.used_bytes().unwrap(), 0);
}
