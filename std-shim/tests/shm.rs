//! The `-shm` shared memory between handles of one process: one mapping,
//! lock slots that refuse each other, the dead-man switch.

#![allow(clippy::unwrap_used, clippy::expect_used)]
#![cfg(unix)]

use boundlite_platform::{
    ErrorKind, File, OpenMode, Platform, PlatformError, ShmLockKind, ShmSlots,
};
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

fn attached(fs: &StdPlatform) -> StdFile {
    let mut f = fs.open("a.db", OpenMode::ReadWrite).unwrap();
    f.shm_attach().unwrap();
    f
}

fn slots(first: u8, count: u8) -> ShmSlots {
    ShmSlots::new(first, count).unwrap()
}

const EX: ShmLockKind = ShmLockKind::Exclusive;
const SH: ShmLockKind = ShmLockKind::Shared;

#[test]
fn handles_see_one_memory_backed_by_the_shm_file() {
    let (_dir, fs) = setup();
    let (mut a, mut b) = (attached(&fs), attached(&fs));
    a.shm_attach().unwrap();
    // Across the boundary of the first 32 KiB region.
    a.shm_write(32 * 1024 - 2, b"abcd").unwrap();
    let mut buf = [0u8; 4];
    b.shm_read(32 * 1024 - 2, &mut buf).unwrap();
    assert_eq!(&buf, b"abcd");
    b.shm_barrier();
    let on_disk = std::fs::read(fs.resolve("a.db-shm")).unwrap();
    assert_eq!(on_disk.len(), 64 * 1024);
    assert_eq!(&on_disk[32 * 1024 - 2..32 * 1024 + 2], b"abcd");
    // Past what anyone wrote: zeros, and the file does not grow.
    let mut far = [0xffu8; 8];
    b.shm_read(10 << 20, &mut far).unwrap();
    assert_eq!(far, [0; 8]);
    assert_eq!(
        std::fs::metadata(fs.resolve("a.db-shm")).unwrap().len(),
        64 * 1024
    );
}

#[test]
fn lock_slots_refuse_each_other_between_handles() {
    let (_dir, fs) = setup();
    let (mut a, mut b) = (attached(&fs), attached(&fs));
    a.shm_lock(slots(0, 1), EX).unwrap();
    assert_eq!(kind(b.shm_lock(slots(0, 1), SH)), ErrorKind::Busy);
    assert_eq!(kind(b.shm_lock(slots(0, 2), EX)), ErrorKind::Busy);
    b.shm_lock(slots(1, 1), EX).unwrap();
    a.shm_unlock(slots(0, 1), EX).unwrap();
    b.shm_lock(slots(0, 1), SH).unwrap();

    // Readers share a slot; a writer waits for the last to leave.
    a.shm_lock(slots(3, 1), SH).unwrap();
    b.shm_lock(slots(3, 1), SH).unwrap();
    a.shm_unlock(slots(3, 1), SH).unwrap();
    assert_eq!(kind(a.shm_lock(slots(3, 5), EX)), ErrorKind::Busy);
    a.shm_lock(slots(4, 4), EX).unwrap();
    b.shm_unlock(slots(3, 1), SH).unwrap();
    a.shm_lock(slots(3, 1), EX).unwrap();

    // A handle takes only slots it holds no lock on, but sharing a slot
    // it shares already is a no-op, as in SQLite.
    assert_eq!(kind(a.shm_lock(slots(3, 1), SH)), ErrorKind::InvalidInput);
    assert_eq!(kind(a.shm_lock(slots(3, 1), EX)), ErrorKind::InvalidInput);
    b.shm_lock(slots(0, 1), SH).unwrap();
    b.shm_unlock(slots(0, 1), SH).unwrap();
    a.shm_lock(slots(0, 1), EX).unwrap();
}

#[test]
fn detaching_gives_back_the_slots_and_the_last_one_may_delete() {
    let (_dir, fs) = setup();
    let (mut a, mut b) = (attached(&fs), attached(&fs));
    a.shm_lock(slots(0, 3), EX).unwrap();
    a.shm_detach(true).unwrap();
    // Another handle is attached: the file stays.
    assert!(fs.exists("a.db-shm").unwrap());
    b.shm_lock(slots(0, 3), EX).unwrap();
    b.shm_detach(true).unwrap();
    assert!(!fs.exists("a.db-shm").unwrap());
    // A detached handle has no memory to use.
    assert_eq!(kind(b.shm_read(0, &mut [0; 4])), ErrorKind::InvalidInput);
}

#[test]
fn dropping_a_handle_gives_back_its_slots() {
    let (_dir, fs) = setup();
    let (mut a, mut b) = (attached(&fs), attached(&fs));
    a.shm_lock(slots(0, 1), EX).unwrap();
    assert_eq!(kind(b.shm_lock(slots(0, 1), EX)), ErrorKind::Busy);
    drop(a);
    b.shm_lock(slots(0, 1), EX).unwrap();
}

#[test]
fn a_stale_shm_no_one_is_attached_to_is_cleared() {
    let (_dir, fs) = setup();
    std::fs::write(fs.resolve("a.db-shm"), vec![0xab; 64 * 1024]).unwrap();
    let mut a = attached(&fs);
    let mut buf = [0xffu8; 136];
    a.shm_read(0, &mut buf).unwrap();
    assert_eq!(buf, [0; 136]);
    a.shm_write(0, b"x").unwrap();
    // A second handle of the process joins without clearing it again.
    let mut b = attached(&fs);
    let mut one = [0u8; 1];
    b.shm_read(0, &mut one).unwrap();
    assert_eq!(&one, b"x");
    // After everyone detached, the next attach clears it again.
    drop((a, b));
    let mut c = attached(&fs);
    c.shm_read(0, &mut one).unwrap();
    assert_eq!(one, [0]);
}
