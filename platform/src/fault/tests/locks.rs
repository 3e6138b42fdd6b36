//! Locks and shared memory through the fault platform: passed through to
//! the inner platform, counted apart from I/O, failed as `Io` or refused
//! as `Busy` on plan, dead with the power, and cleared by a power cut.

use super::kind;
use crate::{
    CrashPlan, ErrorKind, FaultPlatform, FaultTarget, File, IoFault, LockLevel, MemoryFile,
    MemoryPlatform, OpenMode, Platform, PlatformError, ShmLockKind, ShmSlots,
};

fn slot(n: u8) -> ShmSlots {
    ShmSlots::one(n).unwrap()
}

#[test]
fn locks_and_shared_memory_pass_through_between_handles() {
    let disk = MemoryPlatform::new();
    let fault = FaultPlatform::new(&disk);
    let mut a = (&fault).open("db", OpenMode::Create).unwrap();
    let mut b = (&fault).open("db", OpenMode::ReadWrite).unwrap();
    a.lock(LockLevel::Shared).unwrap();
    a.lock(LockLevel::Exclusive).unwrap();
    assert!(b.is_reserved().unwrap());
    assert_eq!(kind(b.lock(LockLevel::Shared)), ErrorKind::Busy);
    a.unlock(LockLevel::None).unwrap();
    b.lock(LockLevel::Shared).unwrap();

    a.shm_attach().unwrap();
    b.shm_attach().unwrap();
    a.shm_write(0, b"wal index").unwrap();
    let mut buf = [0u8; 9];
    b.shm_read(0, &mut buf).unwrap();
    assert_eq!(&buf, b"wal index");
    a.shm_barrier();
    a.shm_lock(slot(0), ShmLockKind::Exclusive).unwrap();
    assert_eq!(
        kind(b.shm_lock(slot(0), ShmLockKind::Shared)),
        ErrorKind::Busy
    );
    a.shm_unlock(slot(0), ShmLockKind::Exclusive).unwrap();
    b.shm_lock(slot(0), ShmLockKind::Shared).unwrap();
    b.shm_detach(false).unwrap();
    a.shm_lock(slot(0), ShmLockKind::Exclusive).unwrap();

    // Shared memory is not file content: not logged, not counted as writes.
    assert_eq!(fault.unsynced(), 0);
    let counts = fault.counts();
    assert_eq!((counts.writes, counts.reads), (0, 0));
    assert_eq!(counts.locks, 10);
}

#[test]
fn nth_lock_operation_fails_with_io_and_does_not_reach_the_disk() {
    let disk = MemoryPlatform::new();
    let fault = FaultPlatform::new(&disk);
    let mut f = (&fault).open("db", OpenMode::Create).unwrap();
    let mut other = (&disk).open("db", OpenMode::ReadWrite).unwrap();
    fault.arm(IoFault::Once {
        target: FaultTarget::Lock,
        n: 1,
    });
    assert_eq!(kind(f.lock(LockLevel::Shared)), ErrorKind::Io);
    // Not taken: another user can lock the file exclusively.
    other.lock(LockLevel::Shared).unwrap();
    other.lock(LockLevel::Exclusive).unwrap();
    other.unlock(LockLevel::None).unwrap();

    fault.arm(IoFault::Once {
        target: FaultTarget::Lock,
        n: 2,
    });
    f.lock(LockLevel::Shared).unwrap();
    assert_eq!(kind(f.shm_attach()), ErrorKind::Io);
    assert_eq!(kind(f.shm_write(0, b"x")), ErrorKind::InvalidInput);
    f.shm_attach().unwrap();
    fault.arm(IoFault::From {
        target: FaultTarget::Lock,
        n: 1,
    });
    assert_eq!(
        kind(f.shm_lock(slot(1), ShmLockKind::Shared)),
        ErrorKind::Io
    );
    other.shm_attach().unwrap();
    other.shm_lock(slot(1), ShmLockKind::Exclusive).unwrap();
    // Reads, writes and syncs are not the target.
    f.write_at(0, b"data").unwrap();
    f.sync().unwrap();
    let counts = fault.counts();
    assert_eq!((counts.locks, counts.failed), (1, 1));
}

#[test]
fn lock_busy_refuses_as_another_user_would() {
    let disk = MemoryPlatform::new();
    let fault = FaultPlatform::new(&disk);
    let mut f = (&fault).open("db", OpenMode::Create).unwrap();
    f.lock(LockLevel::Shared).unwrap();
    f.shm_attach().unwrap();
    fault.arm(IoFault::From {
        target: FaultTarget::LockBusy,
        n: 2,
    });
    f.lock(LockLevel::Reserved).unwrap();
    assert_eq!(kind(f.lock(LockLevel::Exclusive)), ErrorKind::Busy);
    assert_eq!(
        kind(f.shm_lock(slot(0), ShmLockKind::Exclusive)),
        ErrorKind::Busy
    );
    // Giving locks back is never refused.
    f.unlock(LockLevel::None).unwrap();
    f.shm_unlock(slot(0), ShmLockKind::Exclusive).unwrap();
    f.shm_detach(true).unwrap();
    assert_eq!(fault.counts().failed, 2);
}

#[test]
fn lock_operations_do_not_shift_io_counts() {
    let disk = MemoryPlatform::new();
    let fault = FaultPlatform::new(&disk);
    let mut f = (&fault).open("db", OpenMode::Create).unwrap();
    fault.arm(IoFault::Once {
        target: FaultTarget::WriteOrSync,
        n: 2,
    });
    f.write_at(0, b"a").unwrap();
    f.lock(LockLevel::Shared).unwrap();
    f.shm_attach().unwrap();
    assert_eq!(kind(f.sync()), ErrorKind::Io);
    assert_eq!(fault.counts().mutations(), 2);
    // `Any` does count them.
    fault.arm(IoFault::Once {
        target: FaultTarget::Any,
        n: 2,
    });
    f.write_at(0, b"b").unwrap();
    assert_eq!(kind(f.lock(LockLevel::Reserved)), ErrorKind::Io);
    f.lock(LockLevel::Reserved).unwrap();
}

#[test]
fn locks_spend_no_power_and_die_with_it() {
    let disk = MemoryPlatform::new();
    let fault = FaultPlatform::new(&disk);
    let mut f = (&fault).open("db", OpenMode::Create).unwrap();
    fault.cut_power_after(1);
    f.lock(LockLevel::Shared).unwrap();
    f.lock(LockLevel::Exclusive).unwrap();
    f.shm_attach().unwrap();
    f.shm_lock(slot(0), ShmLockKind::Exclusive).unwrap();
    f.write_at(0, b"1").unwrap();
    assert!(fault.is_powered());
    assert_eq!(kind(f.write_at(0, b"2")), ErrorKind::Io);
    assert!(!fault.is_powered());
    let mut buf = [0u8; 1];
    assert_eq!(kind(f.lock(LockLevel::Exclusive)), ErrorKind::Io);
    assert_eq!(kind(f.unlock(LockLevel::None)), ErrorKind::Io);
    assert_eq!(kind(f.is_reserved()), ErrorKind::Io);
    assert_eq!(kind(f.shm_read(0, &mut buf)), ErrorKind::Io);
    assert_eq!(kind(f.shm_write(0, b"x")), ErrorKind::Io);
    assert_eq!(
        kind(f.shm_unlock(slot(0), ShmLockKind::Exclusive)),
        ErrorKind::Io
    );
    assert_eq!(kind(f.shm_detach(true)), ErrorKind::Io);
    // The dead handle still holds its locks until it is dropped.
    let mut other = (&disk).open("db", OpenMode::ReadWrite).unwrap();
    assert_eq!(kind(other.lock(LockLevel::Shared)), ErrorKind::Busy);
    drop(f);
    other.lock(LockLevel::Shared).unwrap();
}

#[test]
fn a_power_cut_clears_shared_memory() {
    let disk = MemoryPlatform::new();
    let mut fault = FaultPlatform::new(&disk);
    {
        let mut f = (&fault).open("db", OpenMode::Create).unwrap();
        f.shm_attach().unwrap();
        f.shm_write(0, b"index of frames").unwrap();
        f.write_at(0, b"page").unwrap();
        f.sync().unwrap();
    }
    fault.power_cut(CrashPlan::LoseAll).unwrap();
    let mut f = (&fault).open("db", OpenMode::ReadWrite).unwrap();
    f.shm_attach().unwrap();
    let mut buf = [0xffu8; 5];
    f.shm_read(0, &mut buf).unwrap();
    assert_eq!(buf, [0; 5]);
    assert_eq!(disk.file_bytes("db").unwrap(), *b"page");
}

/// A RAM disk with a clock, to see that sleeping reaches the inner platform.
#[derive(Clone)]
struct Clocked<'p>(&'p MemoryPlatform);

impl<'p> Platform for Clocked<'p> {
    type File = MemoryFile<'p>;

    fn open(&self, path: &str, mode: OpenMode) -> Result<MemoryFile<'p>, PlatformError> {
        self.0.open(path, mode)
    }

    fn delete(&self, path: &str) -> Result<(), PlatformError> {
        self.0.delete(path)
    }

    fn exists(&self, path: &str) -> Result<bool, PlatformError> {
        self.0.exists(path)
    }

    fn sleep(&self, micros: u32) -> bool {
        micros > 0
    }
}

#[test]
fn sleep_is_the_inner_platforms() {
    let disk = MemoryPlatform::new();
    let clocked = FaultPlatform::new(Clocked(&disk));
    assert!((&clocked).sleep(10));
    assert!(!(&clocked).sleep(0));
    let plain = FaultPlatform::new(&disk);
    assert!(!(&plain).sleep(10));
}
