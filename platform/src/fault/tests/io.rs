//! Injected I/O errors, counting, and the power budget.

use boundlite_alloc::Arena;

use super::kind;
use crate::{
    ErrorKind, FaultPlatform, FaultTarget, File, IoCounts, IoFault, MemoryPlatform, OpenMode,
    Platform,
};

#[test]
fn nth_read_fails_once() {
    let disk = MemoryPlatform::new();
    disk.write_file("a", b"data").unwrap();
    let fault = FaultPlatform::new(&disk);
    let mut f = (&fault).open("a", OpenMode::ReadOnly).unwrap();
    fault.arm(IoFault::Once {
        target: FaultTarget::Read,
        n: 2,
    });
    let mut buf = [0u8; 4];
    f.read_exact_at(0, &mut buf).unwrap();
    assert_eq!(kind(f.read_at(0, &mut buf)), ErrorKind::Io);
    f.read_exact_at(0, &mut buf).unwrap();
    assert_eq!(&buf, b"data");
    assert_eq!(
        fault.counts(),
        IoCounts {
            reads: 3,
            writes: 0,
            syncs: 0,
            locks: 0,
            temp_reads: 0,
            temp_writes: 0,
            failed: 1
        }
    );
}

#[test]
fn writes_from_n_on_fail_and_do_not_reach_the_disk() {
    let disk = MemoryPlatform::new();
    let fault = FaultPlatform::new(&disk);
    let mut f = (&fault).open("a", OpenMode::Create).unwrap();
    fault.arm(IoFault::From {
        target: FaultTarget::Write,
        n: 2,
    });
    f.write_at(0, b"one").unwrap();
    assert_eq!(kind(f.write_at(0, b"two")), ErrorKind::Io);
    assert_eq!(kind(f.truncate(0)), ErrorKind::Io);
    // Reads and syncs are not the target: they go on working.
    let mut buf = [0u8; 3];
    f.read_exact_at(0, &mut buf).unwrap();
    f.sync().unwrap();
    assert_eq!(&buf, b"one");
    assert_eq!(disk.file_bytes("a").unwrap(), *b"one");
    assert_eq!(fault.unsynced(), 0);
    assert_eq!(fault.counts().failed, 2);
}

#[test]
fn failed_sync_leaves_writes_pending() {
    let disk = MemoryPlatform::new();
    let fault = FaultPlatform::new(&disk);
    let mut f = (&fault).open("a", OpenMode::Create).unwrap();
    f.write_at(0, b"x").unwrap();
    fault.arm(IoFault::Once {
        target: FaultTarget::Sync,
        n: 1,
    });
    assert_eq!(kind(f.sync()), ErrorKind::Io);
    assert_eq!(fault.unsynced(), 1);
    f.sync().unwrap();
    assert_eq!(fault.unsynced(), 0);
    assert_eq!(fault.counts().syncs, 2);
}

/// Runs write, read, sync, truncate and says which succeeded.
fn four_ops(f: &mut impl File) -> [bool; 4] {
    let mut buf = [0u8; 1];
    [
        f.write_at(0, b"a").is_ok(),
        f.read_at(0, &mut buf).is_ok(),
        f.sync().is_ok(),
        f.truncate(1).is_ok(),
    ]
}

#[test]
fn targets_select_what_is_counted() {
    let disk = MemoryPlatform::new();
    let fault = FaultPlatform::new(&disk);
    let mut f = (&fault).open("a", OpenMode::Create).unwrap();
    fault.arm(IoFault::Once {
        target: FaultTarget::Any,
        n: 2,
    });
    assert_eq!(four_ops(&mut f), [true, false, true, true]);
    fault.arm(IoFault::Once {
        target: FaultTarget::WriteOrSync,
        n: 2,
    });
    assert_eq!(four_ops(&mut f), [true, true, false, true]);
    fault.arm(IoFault::From {
        target: FaultTarget::Write,
        n: 2,
    });
    assert_eq!(four_ops(&mut f), [true, true, true, false]);
    assert_eq!(fault.counts().mutations(), 3);
    fault.arm(IoFault::Never);
    assert_eq!(four_ops(&mut f), [true; 4]);
    assert_eq!(fault.counts().failed, 0);
}

#[test]
fn power_budget_stops_everything_after_k_mutations() {
    let disk = MemoryPlatform::new();
    let mut fault = FaultPlatform::new(&disk);
    {
        let mut f = (&fault).open("a", OpenMode::Create).unwrap();
        fault.cut_power_after(2);
        f.write_at(0, b"1").unwrap();
        let mut buf = [0u8; 1];
        f.read_at(0, &mut buf).unwrap(); // reads do not spend the budget
        f.sync().unwrap();
        assert!(fault.is_powered());
        assert_eq!(kind(f.write_at(0, b"2")), ErrorKind::Io);
        assert!(!fault.is_powered());
        assert_eq!(kind(f.read_at(0, &mut buf)), ErrorKind::Io);
        assert_eq!(kind(f.size()), ErrorKind::Io);
        assert_eq!(kind((&fault).open("a", OpenMode::ReadOnly)), ErrorKind::Io);
        assert_eq!(kind((&fault).exists("a")), ErrorKind::Io);
        assert_eq!(kind((&fault).delete("a")), ErrorKind::Io);
    }
    assert_eq!(disk.file_bytes("a").unwrap(), *b"1");
    fault.power_cut(crate::CrashPlan::KeepAll).unwrap();
    assert!(fault.is_powered());
    assert!((&fault).exists("a").unwrap());
}

#[test]
fn log_out_of_memory_fails_the_write_before_the_disk_sees_it() {
    let mut buffer = [0u8; 4096];
    let arena = Arena::new(&mut buffer).unwrap();
    let disk = MemoryPlatform::new();
    disk.write_file("a", b"before").unwrap();
    {
        let fault = FaultPlatform::new_in(&disk, &arena);
        let mut f = (&fault).open("a", OpenMode::ReadWrite).unwrap();
        assert_eq!(kind(f.write_at(0, &[1u8; 8192])), ErrorKind::OutOfMemory);
        assert_eq!(disk.file_bytes("a").unwrap(), *b"before");
        assert_eq!(fault.unsynced(), 0);
        f.write_at(0, b"after!").unwrap();
        f.sync().unwrap();
    }
    assert_eq!(arena.stats().live_allocations, 0);
    assert_eq!(disk.file_bytes("a").unwrap(), *b"after!");
}

#[test]
fn inner_failure_is_not_logged() {
    let disk = MemoryPlatform::new();
    disk.write_file("a", b"ro").unwrap();
    let fault = FaultPlatform::new(&disk);
    let mut f = (&fault).open("a", OpenMode::ReadOnly).unwrap();
    assert_eq!(kind(f.write_at(0, b"no")), ErrorKind::ReadOnly);
    assert_eq!(kind(f.truncate(0)), ErrorKind::ReadOnly);
    assert_eq!(fault.unsynced(), 0);
}

#[test]
fn missing_file_error_passes_through() {
    let disk = MemoryPlatform::new();
    let fault = FaultPlatform::new(&disk);
    assert_eq!(
        kind((&fault).open("x", OpenMode::ReadWrite)),
        ErrorKind::NotFound
    );
    assert_eq!(kind((&fault).delete("x")), ErrorKind::NotFound);
    assert!(!(&fault).exists("x").unwrap());
}
