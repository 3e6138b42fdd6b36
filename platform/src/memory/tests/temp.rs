//! Temporary files of the RAM disk: no path names them, they share
//! nothing with other files, count against the space limit, and their
//! bytes go back to the allocator when the handle drops.

use boundlite_alloc::{Arena, FaultAlloc, FaultPlan};

use crate::{ErrorKind, File, MemoryPlatform, OpenMode, Platform};

#[test]
fn a_temp_file_reads_back_what_was_written_and_has_no_path() {
    let disk = MemoryPlatform::new();
    (&disk).open("main.db", OpenMode::Create).unwrap();
    let mut a = (&disk).open_temp().unwrap();
    let mut b = (&disk).open_temp().unwrap();
    a.write_at(0, b"run one").unwrap();
    b.write_at(2, b"two").unwrap();
    let mut buf = [0u8; 7];
    a.read_exact_at(0, &mut buf).unwrap();
    assert_eq!(&buf, b"run one");
    b.read_exact_at(0, &mut buf[..5]).unwrap();
    assert_eq!(&buf[..5], b"\0\0two");
    a.truncate(3).unwrap();
    assert_eq!(a.size().unwrap(), 3);
    a.sync().unwrap();
    // Only the database has a name; the temporary bytes are counted.
    assert_eq!(disk.file_count().unwrap(), 1);
    assert_eq!(disk.used_bytes().unwrap(), 3 + 5);
}

#[test]
fn dropping_a_temp_file_gives_its_memory_back() {
    let mut buffer = [0u8; 16 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let disk = MemoryPlatform::new_in(&arena);
    let mut keep = (&disk).open("main.db", OpenMode::Create).unwrap();
    keep.write_at(0, b"db").unwrap();
    let mut settled = None;
    for _ in 0..4 {
        let mut temp = (&disk).open_temp().unwrap();
        temp.write_at(0, &[7u8; 4096]).unwrap();
        assert_eq!(disk.used_bytes().unwrap(), 2 + 4096);
        drop(temp);
        assert_eq!(disk.used_bytes().unwrap(), 2);
        // The first round adds a slot to the table; later rounds reuse it,
        // so nothing grows from round to round.
        let in_use = arena.stats().in_use;
        assert_eq!(*settled.get_or_insert(in_use), in_use);
    }
}

#[test]
fn a_full_disk_refuses_temp_growth_and_keeps_the_bytes() {
    let disk = MemoryPlatform::new();
    disk.set_space_limit(Some(100)).unwrap();
    let mut temp = (&disk).open_temp().unwrap();
    temp.write_at(0, &[1u8; 60]).unwrap();
    let err = temp.write_at(60, &[2u8; 60]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NoSpace);
    assert_eq!(temp.size().unwrap(), 60);
    drop(temp);
    // The space is back once the file is gone.
    let mut again = (&disk).open_temp().unwrap();
    again.write_at(0, &[3u8; 100]).unwrap();
}

#[test]
fn no_memory_for_a_temp_file_is_an_error() {
    let fault = FaultAlloc::new(boundlite_alloc::Global);
    let disk = MemoryPlatform::new_in(&fault);
    fault.arm(FaultPlan::From(1));
    let err = (&disk).open_temp().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutOfMemory);
    fault.arm(FaultPlan::Never);
    let mut temp = (&disk).open_temp().unwrap();
    fault.arm(FaultPlan::From(1));
    assert_eq!(
        temp.write_at(0, b"x").unwrap_err().kind(),
        ErrorKind::OutOfMemory
    );
    assert_eq!(temp.size().unwrap(), 0);
}
