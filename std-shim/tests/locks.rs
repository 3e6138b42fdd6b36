//! Database-file locks between handles of one process: they refuse each
//! other as SQLite's `lockingv3` says two processes do.

#![allow(clippy::unwrap_used, clippy::expect_used)]
#![cfg(unix)]

use boundlite_platform::{ErrorKind, File, LockLevel, OpenMode, Platform, PlatformError};
use boundlite_std::{StdFile, StdPlatform};

fn kind<T>(result: Result<T, PlatformError>) -> ErrorKind {
    result.err().expect("an error").kind()
}

fn setup() -> (tempfile::TempDir, StdPlatform) {
    let dir = tempfile::tempdir().unwrap();
    let fs = StdPlatform::in_dir(dir.path());
    fs.open("a.db", OpenMode::Create).unwrap();
    (dir, fs)
}

fn open(fs: &StdPlatform) -> StdFile {
    fs.open("a.db", OpenMode::ReadWrite).unwrap()
}

#[test]
fn handles_of_one_process_follow_the_locking_matrix() {
    let (_dir, fs) = setup();
    let (mut a, mut b, mut c) = (open(&fs), open(&fs), open(&fs));

    // Readers share; one of them may reserve, and readers still come.
    a.lock(LockLevel::Shared).unwrap();
    b.lock(LockLevel::Shared).unwrap();
    b.lock(LockLevel::Reserved).unwrap();
    assert_eq!(kind(a.lock(LockLevel::Reserved)), ErrorKind::Busy);
    assert_eq!(kind(a.lock(LockLevel::Exclusive)), ErrorKind::Busy);
    c.lock(LockLevel::Shared).unwrap();
    assert!(a.is_reserved().unwrap());

    // The writer cannot go exclusive while others read, but its PENDING
    // keeps new readers out.
    c.unlock(LockLevel::None).unwrap();
    assert_eq!(kind(b.lock(LockLevel::Exclusive)), ErrorKind::Busy);
    assert_eq!(kind(c.lock(LockLevel::Shared)), ErrorKind::Busy);

    // Once the last other reader leaves, the retry succeeds.
    a.unlock(LockLevel::None).unwrap();
    b.lock(LockLevel::Exclusive).unwrap();
    assert_eq!(kind(a.lock(LockLevel::Shared)), ErrorKind::Busy);

    // Back to SHARED: readers return, and another handle may reserve.
    b.unlock(LockLevel::Shared).unwrap();
    a.lock(LockLevel::Shared).unwrap();
    a.lock(LockLevel::Reserved).unwrap();
    a.unlock(LockLevel::None).unwrap();
    b.unlock(LockLevel::None).unwrap();
    assert!(!c.is_reserved().unwrap());
    c.lock(LockLevel::Shared).unwrap();
    c.lock(LockLevel::Exclusive).unwrap();
}

#[test]
fn pending_is_a_level_of_its_own() {
    let (_dir, fs) = setup();
    let (mut a, mut b) = (open(&fs), open(&fs));
    a.lock(LockLevel::Shared).unwrap();
    b.lock(LockLevel::Shared).unwrap();
    a.lock(LockLevel::Pending).unwrap();
    assert!(b.is_reserved().unwrap());
    let mut c = open(&fs);
    assert_eq!(kind(c.lock(LockLevel::Shared)), ErrorKind::Busy);
    b.unlock(LockLevel::None).unwrap();
    a.lock(LockLevel::Exclusive).unwrap();
}

#[test]
fn asking_for_a_level_out_of_order_is_refused() {
    let (_dir, fs) = setup();
    let mut a = open(&fs);
    assert_eq!(kind(a.lock(LockLevel::Reserved)), ErrorKind::InvalidInput);
    assert_eq!(kind(a.lock(LockLevel::Exclusive)), ErrorKind::InvalidInput);
    a.lock(LockLevel::Shared).unwrap();
    // At or below the level held: nothing to do.
    a.lock(LockLevel::Shared).unwrap();
    a.unlock(LockLevel::Reserved).unwrap();
    a.lock(LockLevel::Exclusive).unwrap();
    // Lowering goes to SHARED or NONE only.
    assert_eq!(kind(a.unlock(LockLevel::Reserved)), ErrorKind::InvalidInput);
}

#[test]
fn a_read_only_handle_reads_but_never_writes() {
    let (_dir, fs) = setup();
    let mut r = fs.open("a.db", OpenMode::ReadOnly).unwrap();
    let mut w = open(&fs);
    r.lock(LockLevel::Shared).unwrap();
    assert_eq!(kind(r.lock(LockLevel::Reserved)), ErrorKind::ReadOnly);
    assert_eq!(kind(r.lock(LockLevel::Exclusive)), ErrorKind::ReadOnly);
    w.lock(LockLevel::Shared).unwrap();
    assert_eq!(kind(w.lock(LockLevel::Exclusive)), ErrorKind::Busy);
    r.unlock(LockLevel::None).unwrap();
    w.lock(LockLevel::Exclusive).unwrap();
}

#[test]
fn dropping_a_handle_gives_back_its_lock() {
    let (_dir, fs) = setup();
    let (mut a, mut b) = (open(&fs), open(&fs));
    a.lock(LockLevel::Shared).unwrap();
    a.lock(LockLevel::Exclusive).unwrap();
    assert_eq!(kind(b.lock(LockLevel::Shared)), ErrorKind::Busy);
    drop(a);
    b.lock(LockLevel::Shared).unwrap();
    b.lock(LockLevel::Exclusive).unwrap();
}

#[test]
fn handles_on_other_files_do_not_meet() {
    let (_dir, fs) = setup();
    fs.open("b.db", OpenMode::Create).unwrap();
    let mut a = open(&fs);
    let mut b = fs.open("b.db", OpenMode::ReadWrite).unwrap();
    a.lock(LockLevel::Shared).unwrap();
    a.lock(LockLevel::Exclusive).unwrap();
    b.lock(LockLevel::Shared).unwrap();
    b.lock(LockLevel::Exclusive).unwrap();
    // The same file under another name is the same inode.
    std::fs::hard_link(fs.resolve("a.db"), fs.resolve("c.db")).unwrap();
    let mut c = fs.open("c.db", OpenMode::ReadWrite).unwrap();
    assert_eq!(kind(c.lock(LockLevel::Shared)), ErrorKind::Busy);
}

#[test]
fn sleep_sleeps() {
    let fs = StdPlatform::new();
    let start = std::time::Instant::now();
    assert!(fs.sleep(2_000));
    assert!(start.elapsed() >= std::time::Duration::from_millis(2));
}
