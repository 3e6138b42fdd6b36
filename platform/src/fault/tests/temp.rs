//! Temporary files through the fault platform: passed through to the inner
//! platform, counted apart from the database's files, failed by their own
//! targets (or a full disk), never logged, and dead with the power.

use super::kind;
use crate::{
    CrashPlan, ErrorKind, FaultPlatform, FaultTarget, File, IoFault, MemoryPlatform, OpenMode,
    Platform,
};

#[test]
fn temp_files_pass_through_and_are_counted_apart() {
    let disk = MemoryPlatform::new();
    let fault = FaultPlatform::new(&disk);
    let mut db = (&fault).open("main.db", OpenMode::Create).unwrap();
    let mut temp = (&fault).open_temp().unwrap();
    db.write_at(0, b"page").unwrap();
    temp.write_at(0, b"sorted run").unwrap();
    temp.truncate(6).unwrap();
    temp.sync().unwrap();
    let mut buf = [0u8; 6];
    temp.read_exact_at(0, &mut buf).unwrap();
    assert_eq!(&buf, b"sorted");
    assert_eq!(disk.used_bytes().unwrap(), 4 + 6);
    let counts = fault.counts();
    assert_eq!((counts.writes, counts.reads), (1, 0));
    assert_eq!((counts.temp_writes, counts.temp_reads), (3, 1));
    // Nothing of the temporary file waits for a sync: a crash has nothing
    // of it to keep or lose.
    assert_eq!(fault.unsynced(), 1);
    drop(temp);
    assert_eq!(disk.used_bytes().unwrap(), 4);
}

#[test]
fn temp_writes_and_reads_fail_on_their_own_targets() {
    let disk = MemoryPlatform::new();
    let fault = FaultPlatform::new(&disk);
    let mut db = (&fault).open("main.db", OpenMode::Create).unwrap();
    let mut temp = (&fault).open_temp().unwrap();
    fault.arm(IoFault::Once {
        target: FaultTarget::TempWrite,
        n: 2,
    });
    db.write_at(0, b"db").unwrap();
    temp.write_at(0, b"one").unwrap();
    assert_eq!(kind(temp.write_at(3, b"two")), ErrorKind::Io);
    temp.write_at(3, b"two").unwrap();
    db.write_at(2, b"db").unwrap();
    fault.arm(IoFault::From {
        target: FaultTarget::TempRead,
        n: 1,
    });
    let mut buf = [0u8; 2];
    assert_eq!(kind(temp.read_at(0, &mut buf)), ErrorKind::Io);
    db.read_exact_at(0, &mut buf).unwrap();
    // A plan on the database's writes leaves temporary files alone.
    fault.arm(IoFault::From {
        target: FaultTarget::Write,
        n: 1,
    });
    temp.write_at(6, b"three").unwrap();
    assert_eq!(kind(db.write_at(0, b"x")), ErrorKind::Io);
}

#[test]
fn a_full_disk_fails_temp_and_database_writes_with_no_space() {
    let disk = MemoryPlatform::new();
    let fault = FaultPlatform::new(&disk);
    let mut db = (&fault).open("main.db", OpenMode::Create).unwrap();
    let mut temp = (&fault).open_temp().unwrap();
    fault.arm(IoFault::From {
        target: FaultTarget::DiskFull,
        n: 2,
    });
    temp.write_at(0, b"fits").unwrap();
    assert_eq!(kind(temp.write_at(4, b"full")), ErrorKind::NoSpace);
    assert_eq!(kind(temp.truncate(100)), ErrorKind::NoSpace);
    assert_eq!(kind(db.write_at(0, b"full")), ErrorKind::NoSpace);
    assert_eq!(temp.size().unwrap(), 4);
    assert_eq!(fault.counts().failed, 3);
}

#[test]
fn temp_files_spend_no_power_budget_but_die_with_the_power() {
    let disk = MemoryPlatform::new();
    let mut fault = FaultPlatform::new(&disk);
    {
        let mut db = (&fault).open("main.db", OpenMode::Create).unwrap();
        let mut temp = (&fault).open_temp().unwrap();
        fault.cut_power_after(1);
        temp.write_at(0, b"not a mutation").unwrap();
        db.write_at(0, b"kept").unwrap();
        assert_eq!(kind(db.sync()), ErrorKind::Io);
        assert_eq!(kind(temp.write_at(0, b"dead")), ErrorKind::Io);
        assert_eq!(kind((&fault).open_temp()), ErrorKind::Io);
    }
    fault.power_cut(CrashPlan::LoseAll).unwrap();
    assert_eq!(disk.used_bytes().unwrap(), 0);
}
