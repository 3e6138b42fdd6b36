//! Shared memory between handles on one path: bytes seen by every attached
//! handle, cleared for the first to attach, freed on the last deleting
//! detach; lock slots shared or exclusive, runs all or nothing, given back
//! on detach and drop.

use boundlite_alloc::{Allocator, Arena};

use super::kind;
use crate::{
    ErrorKind, File, MemoryFile, MemoryPlatform, OpenMode, Platform, SHM_LOCK_SLOTS, ShmLockKind,
    ShmSlots,
};

use ShmLockKind::{Exclusive, Shared};

fn slots(first: u8, count: u8) -> ShmSlots {
    ShmSlots::new(first, count).unwrap()
}

fn attached<'p, A: Allocator + Clone>(
    disk: &'p MemoryPlatform<A>,
    path: &str,
) -> MemoryFile<'p, A> {
    let mut f = disk.open(path, OpenMode::Create).unwrap();
    f.shm_attach().unwrap();
    f
}

fn shm_bytes<const N: usize>(f: &mut impl File, offset: usize) -> [u8; N] {
    let mut buf = [0xee; N];
    f.shm_read(offset, &mut buf).unwrap();
    buf
}

#[test]
fn writes_are_seen_by_every_attached_handle() {
    let disk = MemoryPlatform::new();
    let mut a = attached(&disk, "db");
    let mut b = (&disk).open("db", OpenMode::ReadOnly).unwrap();
    b.shm_attach().unwrap();
    a.shm_write(4, b"abcd").unwrap();
    assert_eq!(shm_bytes::<10>(&mut b, 0), *b"\0\0\0\0abcd\0\0");
    // Read-only handles write the memory too (SQLite's readers set marks).
    b.shm_write(0, b"RO").unwrap();
    assert_eq!(shm_bytes::<4>(&mut a, 0), *b"RO\0\0");
    assert_eq!(shm_bytes::<3>(&mut a, 1 << 20), [0; 3]);
    assert_eq!(shm_bytes::<3>(&mut a, usize::MAX), [0; 3]);
    assert_eq!(disk.shm_len("db").unwrap(), 8);
    // Other paths have memory of their own.
    let mut other = attached(&disk, "other");
    assert_eq!(shm_bytes::<8>(&mut other, 0), [0; 8]);
    // Shared memory is not file content.
    assert_eq!(disk.used_bytes().unwrap(), 0);
    assert_eq!(a.size().unwrap(), 0);
}

#[test]
fn first_to_attach_finds_it_cleared() {
    let disk = MemoryPlatform::new();
    let mut a = attached(&disk, "db");
    a.shm_write(0, b"stale index").unwrap();
    a.shm_attach().unwrap(); // twice: nothing happens
    assert_eq!(shm_bytes::<5>(&mut a, 0), *b"stale");
    let mut b = attached(&disk, "db");
    assert_eq!(shm_bytes::<5>(&mut b, 0), *b"stale", "not the first");
    a.shm_detach(false).unwrap();
    b.shm_detach(false).unwrap();
    // Kept without delete, but nobody reads it: the next attach clears it.
    assert_eq!(disk.shm_len("db").unwrap(), 11);
    a.shm_attach().unwrap();
    assert_eq!(disk.shm_len("db").unwrap(), 0);
    assert_eq!(shm_bytes::<5>(&mut a, 0), [0; 5]);
}

#[test]
fn a_crashed_handle_leaves_bytes_the_next_first_attach_clears() {
    let disk = MemoryPlatform::new();
    let mut survivor = (&disk).open("db", OpenMode::Create).unwrap();
    {
        let mut crashed = attached(&disk, "db");
        crashed.shm_write(0, b"half-written").unwrap();
        crashed
            .shm_lock(slots(0, SHM_LOCK_SLOTS), Exclusive)
            .unwrap();
    }
    assert_eq!(disk.shm_len("db").unwrap(), 12);
    survivor.shm_attach().unwrap();
    assert_eq!(shm_bytes::<4>(&mut survivor, 0), [0; 4]);
    // The dead handle's slots went with it.
    survivor
        .shm_lock(slots(0, SHM_LOCK_SLOTS), Exclusive)
        .unwrap();
}

#[test]
fn deleting_detach_of_the_last_frees_the_memory() {
    let mut buffer = [0u8; 8192];
    let arena = Arena::new(&mut buffer).unwrap();
    let disk = MemoryPlatform::new_in(&arena);
    let mut a = (&disk).open("db", OpenMode::Create).unwrap();
    let mut b = (&disk).open("db", OpenMode::ReadWrite).unwrap();
    let baseline = arena.stats().live_allocations;
    a.shm_attach().unwrap();
    b.shm_attach().unwrap();
    a.shm_write(0, &[1; 1000]).unwrap();
    a.shm_detach(true).unwrap();
    assert!(!a.is_shm_attached());
    // Another handle is still attached: the memory stays, and its content.
    assert_eq!(shm_bytes::<2>(&mut b, 998), [1, 1]);
    b.shm_detach(true).unwrap();
    assert_eq!(disk.shm_len("db").unwrap(), 0);
    assert_eq!(arena.stats().live_allocations, baseline);
    // Detaching again does nothing; using the memory detached is refused.
    b.shm_detach(true).unwrap();
    assert_eq!(kind(b.shm_read(0, &mut [0; 1])), ErrorKind::InvalidInput);
    assert_eq!(kind(b.shm_write(0, b"x")), ErrorKind::InvalidInput);
    assert_eq!(
        kind(b.shm_lock(slots(0, 1), Shared)),
        ErrorKind::InvalidInput
    );
}

#[test]
fn growth_past_memory_fails_and_keeps_the_bytes() {
    let mut buffer = [0u8; 4096];
    let arena = Arena::new(&mut buffer).unwrap();
    let disk = MemoryPlatform::new_in(&arena);
    let mut a = attached(&disk, "db");
    a.shm_write(0, b"keep").unwrap();
    assert_eq!(kind(a.shm_write(0, &[9; 8192])), ErrorKind::OutOfMemory);
    assert_eq!(
        kind(a.shm_write(usize::MAX, b"xy")),
        ErrorKind::InvalidInput
    );
    assert_eq!(shm_bytes::<5>(&mut a, 0), *b"keep\0");
    assert_eq!(disk.shm_len("db").unwrap(), 4);
}

#[test]
fn slot_conflicts() {
    let disk = MemoryPlatform::new();
    let mut a = attached(&disk, "db");
    let mut b = attached(&disk, "db");
    // shared + shared: fine; shared + exclusive: busy, either way round.
    a.shm_lock(slots(3, 1), Shared).unwrap();
    b.shm_lock(slots(3, 1), Shared).unwrap();
    let mut c = attached(&disk, "db");
    assert_eq!(kind(c.shm_lock(slots(3, 1), Exclusive)), ErrorKind::Busy);
    a.shm_unlock(slots(3, 1), Shared).unwrap();
    assert_eq!(kind(c.shm_lock(slots(3, 1), Exclusive)), ErrorKind::Busy);
    b.shm_unlock(slots(3, 1), Shared).unwrap();
    c.shm_lock(slots(3, 1), Exclusive).unwrap();
    // exclusive + anything: busy.
    assert_eq!(kind(a.shm_lock(slots(3, 1), Shared)), ErrorKind::Busy);
    assert_eq!(kind(a.shm_lock(slots(3, 1), Exclusive)), ErrorKind::Busy);
    // Slots are independent.
    a.shm_lock(slots(0, 1), Exclusive).unwrap();
    b.shm_lock(slots(4, 4), Shared).unwrap();
    c.shm_unlock(slots(3, 1), Exclusive).unwrap();
    a.shm_lock(slots(3, 1), Shared).unwrap();
}

#[test]
fn a_run_is_taken_whole_or_not_at_all() {
    let disk = MemoryPlatform::new();
    let mut a = attached(&disk, "db");
    let mut b = attached(&disk, "db");
    a.shm_lock(slots(5, 1), Exclusive).unwrap();
    // Slots 3..6 include the held 5: none of 3, 4 is taken either.
    assert_eq!(kind(b.shm_lock(slots(3, 3), Shared)), ErrorKind::Busy);
    a.shm_lock(slots(3, 2), Exclusive).unwrap();
    a.shm_unlock(slots(3, 3), Exclusive).unwrap();
    a.shm_lock(slots(2, 1), Shared).unwrap();
    assert_eq!(kind(b.shm_lock(slots(1, 2), Exclusive)), ErrorKind::Busy);
    b.shm_lock(slots(1, 1), Exclusive).unwrap();
    b.shm_lock(slots(3, 5), Exclusive).unwrap();
}

#[test]
fn relocking_a_held_slot_is_refused_and_unlocking_an_unheld_one_is_harmless() {
    let disk = MemoryPlatform::new();
    let mut a = attached(&disk, "db");
    let mut b = attached(&disk, "db");
    a.shm_lock(slots(1, 1), Shared).unwrap();
    assert_eq!(
        kind(a.shm_lock(slots(1, 1), Shared)),
        ErrorKind::InvalidInput
    );
    assert_eq!(
        kind(a.shm_lock(slots(0, 2), Exclusive)),
        ErrorKind::InvalidInput
    );
    // Unlocking what a handle does not hold leaves others' locks alone.
    b.shm_unlock(slots(1, 1), Shared).unwrap();
    b.shm_unlock(slots(1, 1), Exclusive).unwrap();
    a.shm_unlock(slots(1, 1), Exclusive).unwrap();
    assert_eq!(kind(b.shm_lock(slots(1, 1), Exclusive)), ErrorKind::Busy);
    a.shm_unlock(slots(1, 1), Shared).unwrap();
    b.shm_lock(slots(1, 1), Exclusive).unwrap();
}

#[test]
fn detach_and_drop_give_slots_back() {
    let disk = MemoryPlatform::new();
    let mut a = attached(&disk, "db");
    let mut b = attached(&disk, "db");
    a.shm_lock(slots(0, 3), Exclusive).unwrap();
    a.shm_lock(slots(3, 5), Shared).unwrap();
    assert_eq!(kind(b.shm_lock(slots(7, 1), Exclusive)), ErrorKind::Busy);
    a.shm_detach(false).unwrap();
    b.shm_lock(slots(0, SHM_LOCK_SLOTS), Exclusive).unwrap();
    b.shm_unlock(slots(0, SHM_LOCK_SLOTS), Exclusive).unwrap();
    a.shm_attach().unwrap();
    a.shm_lock(slots(0, SHM_LOCK_SLOTS), Shared).unwrap();
    drop(a);
    b.shm_lock(slots(0, SHM_LOCK_SLOTS), Exclusive).unwrap();
}

#[test]
fn shared_memory_belongs_to_the_file_not_the_path() {
    let disk = MemoryPlatform::new();
    let mut old = attached(&disk, "db");
    let mut old_peer = attached(&disk, "db");
    old.shm_write(0, b"old").unwrap();
    old.shm_lock(slots(0, 1), Exclusive).unwrap();
    (&disk).delete("db").unwrap();
    let mut fresh = attached(&disk, "db");
    assert_eq!(shm_bytes::<3>(&mut fresh, 0), [0; 3]);
    fresh.shm_lock(slots(0, 1), Exclusive).unwrap();
    assert_eq!(shm_bytes::<3>(&mut old_peer, 0), *b"old");
    assert_eq!(
        kind(old_peer.shm_lock(slots(0, 1), Shared)),
        ErrorKind::Busy
    );
}
