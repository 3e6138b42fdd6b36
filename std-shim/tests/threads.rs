//! Handles on several threads of one process exclude each other: a
//! read-modify-write under an exclusive lock loses no update.

#![allow(clippy::unwrap_used, clippy::expect_used)]
#![cfg(unix)]

use boundlite_platform::{ErrorKind, File, LockLevel, OpenMode, Platform, ShmLockKind, ShmSlots};
use boundlite_std::StdPlatform;

const THREADS: u32 = 4;
const ROUNDS: u32 = 100;

#[test]
fn database_exclusive_locks_serialise_threads() {
    let dir = tempfile::tempdir().unwrap();
    let fs = StdPlatform::in_dir(dir.path());
    let mut main = fs.open("a.db", OpenMode::Create).unwrap();
    main.write_at(0, &0u32.to_le_bytes()).unwrap();
    // The threads' handles exclude each other as this one excludes them.
    main.lock(LockLevel::Shared).unwrap();
    main.lock(LockLevel::Exclusive).unwrap();
    let mut other = fs.open("a.db", OpenMode::ReadWrite).unwrap();
    assert_eq!(
        other.lock(LockLevel::Shared).unwrap_err().kind(),
        ErrorKind::Busy
    );
    main.unlock(LockLevel::None).unwrap();
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                let mut f = fs.open("a.db", OpenMode::ReadWrite).unwrap();
                let mut done = 0;
                while done < ROUNDS {
                    let got = f
                        .lock(LockLevel::Shared)
                        .and_then(|()| f.lock(LockLevel::Reserved))
                        .and_then(|()| f.lock(LockLevel::Exclusive));
                    match got {
                        Ok(()) => {
                            let mut n = [0u8; 4];
                            f.read_exact_at(0, &mut n).unwrap();
                            let n = u32::from_le_bytes(n) + 1;
                            f.write_at(0, &n.to_le_bytes()).unwrap();
                            done += 1;
                        }
                        Err(e) => assert_eq!(e.kind(), ErrorKind::Busy),
                    }
                    f.unlock(LockLevel::None).unwrap();
                    std::thread::yield_now();
                }
            });
        }
    });
    let mut n = [0u8; 4];
    main.read_exact_at(0, &mut n).unwrap();
    assert_eq!(u32::from_le_bytes(n), THREADS * ROUNDS);
}

#[test]
fn shm_exclusive_slots_serialise_threads() {
    let dir = tempfile::tempdir().unwrap();
    let fs = StdPlatform::in_dir(dir.path());
    // Attached throughout, so that no thread's attach finds the memory
    // unused and clears it.
    let mut main = fs.open("a.db", OpenMode::Create).unwrap();
    main.shm_attach().unwrap();
    let slot = ShmSlots::one(0).unwrap();
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                let mut f = fs.open("a.db", OpenMode::ReadWrite).unwrap();
                f.shm_attach().unwrap();
                let mut done = 0;
                while done < ROUNDS {
                    match f.shm_lock(slot, ShmLockKind::Exclusive) {
                        Ok(()) => {
                            let mut n = [0u8; 4];
                            f.shm_read(40_000, &mut n).unwrap();
                            let n = u32::from_ne_bytes(n) + 1;
                            f.shm_write(40_000, &n.to_ne_bytes()).unwrap();
                            f.shm_barrier();
                            f.shm_unlock(slot, ShmLockKind::Exclusive).unwrap();
                            done += 1;
                        }
                        Err(e) => assert_eq!(e.kind(), ErrorKind::Busy),
                    }
                    std::thread::yield_now();
                }
            });
        }
    });
    let mut n = [0u8; 4];
    main.shm_read(40_000, &mut n).unwrap();
    assert_eq!(u32::from_ne_bytes(n), THREADS * ROUNDS);
}
