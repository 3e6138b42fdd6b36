//! File locks between handles on one path: the compatibility table of
//! `crate::lock`, Pending keeping readers out, and locks given back on drop.

use super::kind;
use crate::{ErrorKind, File, LockLevel, MemoryFile, MemoryPlatform, OpenMode, Platform};

const LEVELS: [LockLevel; 4] = [
    LockLevel::Shared,
    LockLevel::Reserved,
    LockLevel::Pending,
    LockLevel::Exclusive,
];

/// Raises `f` step by step to `level`, as the engine does.
fn raise(f: &mut MemoryFile<'_>, level: LockLevel) {
    for step in LEVELS {
        if step > level {
            break;
        }
        f.lock(step).unwrap();
    }
    assert_eq!(f.lock_level(), level);
}

/// Whether `b` may take `want` (step by step from its level) while `a`
/// holds `held`. `b` starts at Shared for levels above it, and is given
/// back to no lock afterwards.
fn grants(held: LockLevel, want: LockLevel) -> bool {
    let disk = MemoryPlatform::new();
    let mut a = (&disk).open("db", OpenMode::Create).unwrap();
    let mut b = (&disk).open("db", OpenMode::ReadWrite).unwrap();
    if want > LockLevel::Shared {
        b.lock(LockLevel::Shared).unwrap();
    }
    raise(&mut a, held);
    match b.lock(want) {
        Ok(()) => {
            assert_eq!(b.lock_level(), want);
            true
        }
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::Busy);
            assert_eq!(a.lock_level(), held, "a refusal never changes the holder");
            false
        }
    }
}

#[test]
fn compatibility_matrix_between_two_handles() {
    use LockLevel::{Exclusive, Pending, Reserved, Shared};
    // Rows: what one handle holds; columns: Shared, Reserved, Pending,
    // Exclusive asked for by another. Exclusive cannot be held while the
    // other has Shared, so its row is taken with the other at no lock.
    let expected = [
        (Shared, [true, true, true, false]),
        (Reserved, [true, false, false, false]),
        (Pending, [false, false, false, false]),
    ];
    for (held, row) in expected {
        for (want, ok) in LEVELS.into_iter().zip(row) {
            assert_eq!(grants(held, want), ok, "{held} held, {want} asked");
        }
    }
    let disk = MemoryPlatform::new();
    let mut a = (&disk).open("db", OpenMode::Create).unwrap();
    let mut b = (&disk).open("db", OpenMode::ReadWrite).unwrap();
    raise(&mut a, Exclusive);
    assert_eq!(kind(b.lock(Shared)), ErrorKind::Busy);
    assert_eq!(b.lock_level(), LockLevel::None);
}

#[test]
fn exclusive_refused_while_another_reads_leaves_pending() {
    let disk = MemoryPlatform::new();
    let mut writer = (&disk).open("db", OpenMode::Create).unwrap();
    let mut reader = (&disk).open("db", OpenMode::ReadOnly).unwrap();
    let mut late = (&disk).open("db", OpenMode::ReadOnly).unwrap();
    reader.lock(LockLevel::Shared).unwrap();
    raise(&mut writer, LockLevel::Reserved);
    assert_eq!(kind(writer.lock(LockLevel::Exclusive)), ErrorKind::Busy);
    assert_eq!(writer.lock_level(), LockLevel::Pending);
    // Pending keeps new readers out; the one inside stays.
    assert_eq!(kind(late.lock(LockLevel::Shared)), ErrorKind::Busy);
    assert_eq!(reader.lock_level(), LockLevel::Shared);
    // Retrying while the reader is inside is still refused, still Pending.
    assert_eq!(kind(writer.lock(LockLevel::Exclusive)), ErrorKind::Busy);
    reader.unlock(LockLevel::None).unwrap();
    writer.lock(LockLevel::Exclusive).unwrap();
    assert_eq!(kind(late.lock(LockLevel::Shared)), ErrorKind::Busy);
    writer.unlock(LockLevel::Shared).unwrap();
    late.lock(LockLevel::Shared).unwrap();
}

#[test]
fn exclusive_straight_from_shared() {
    let disk = MemoryPlatform::new();
    let mut a = (&disk).open("db", OpenMode::Create).unwrap();
    let mut b = (&disk).open("db", OpenMode::ReadWrite).unwrap();
    a.lock(LockLevel::Shared).unwrap();
    a.lock(LockLevel::Exclusive).unwrap();
    assert!(b.is_reserved().unwrap());
    assert_eq!(kind(b.lock(LockLevel::Shared)), ErrorKind::Busy);
    a.unlock(LockLevel::None).unwrap();
    assert!(!b.is_reserved().unwrap());
    raise(&mut b, LockLevel::Exclusive);
}

#[test]
fn reserved_is_seen_by_every_handle() {
    let disk = MemoryPlatform::new();
    let mut a = (&disk).open("db", OpenMode::Create).unwrap();
    let mut b = (&disk).open("db", OpenMode::ReadWrite).unwrap();
    assert!(!a.is_reserved().unwrap());
    raise(&mut a, LockLevel::Shared);
    assert!(!b.is_reserved().unwrap());
    a.lock(LockLevel::Reserved).unwrap();
    assert!(a.is_reserved().unwrap());
    assert!(b.is_reserved().unwrap());
    a.unlock(LockLevel::Shared).unwrap();
    assert!(!b.is_reserved().unwrap());
}

#[test]
fn lowering_and_repeating_are_no_ops_and_bad_transitions_are_refused() {
    let disk = MemoryPlatform::new();
    let mut a = (&disk).open("db", OpenMode::Create).unwrap();
    let mut b = (&disk).open("db", OpenMode::ReadWrite).unwrap();
    assert_eq!(kind(a.lock(LockLevel::Reserved)), ErrorKind::InvalidInput);
    assert_eq!(kind(a.lock(LockLevel::Exclusive)), ErrorKind::InvalidInput);
    assert_eq!(a.lock_level(), LockLevel::None);
    a.unlock(LockLevel::Shared).unwrap();
    assert_eq!(a.lock_level(), LockLevel::None);
    raise(&mut a, LockLevel::Reserved);
    a.lock(LockLevel::Shared).unwrap();
    a.unlock(LockLevel::Reserved).unwrap();
    assert_eq!(a.lock_level(), LockLevel::Reserved);
    a.lock(LockLevel::Exclusive).unwrap();
    assert_eq!(kind(a.unlock(LockLevel::Reserved)), ErrorKind::InvalidInput);
    assert_eq!(a.lock_level(), LockLevel::Exclusive);
    // Down to Shared: the writer's place is free, the reader's count kept.
    a.unlock(LockLevel::Shared).unwrap();
    raise(&mut b, LockLevel::Reserved);
    assert_eq!(kind(b.lock(LockLevel::Exclusive)), ErrorKind::Busy);
    a.unlock(LockLevel::None).unwrap();
    b.lock(LockLevel::Exclusive).unwrap();
}

#[test]
fn dropping_a_handle_gives_its_locks_back() {
    let disk = MemoryPlatform::new();
    let mut b = (&disk).open("db", OpenMode::Create).unwrap();
    {
        let mut a = (&disk).open("db", OpenMode::ReadWrite).unwrap();
        raise(&mut a, LockLevel::Exclusive);
        assert_eq!(kind(b.lock(LockLevel::Shared)), ErrorKind::Busy);
    }
    raise(&mut b, LockLevel::Reserved);
    {
        let mut reader = (&disk).open("db", OpenMode::ReadOnly).unwrap();
        reader.lock(LockLevel::Shared).unwrap();
        assert_eq!(kind(b.lock(LockLevel::Exclusive)), ErrorKind::Busy);
    }
    b.lock(LockLevel::Exclusive).unwrap();
}

#[test]
fn locks_belong_to_the_file_not_the_path() {
    let disk = MemoryPlatform::new();
    let mut old = (&disk).open("db", OpenMode::Create).unwrap();
    let mut old_reader = (&disk).open("db", OpenMode::ReadOnly).unwrap();
    raise(&mut old, LockLevel::Exclusive);
    (&disk).delete("db").unwrap();
    // A new file at the path starts unlocked ...
    let mut fresh = (&disk).open("db", OpenMode::Create).unwrap();
    raise(&mut fresh, LockLevel::Exclusive);
    // ... while the unnamed file keeps its locks for its handles.
    assert_eq!(kind(old_reader.lock(LockLevel::Shared)), ErrorKind::Busy);
    assert!(old_reader.is_reserved().unwrap());
    drop(old);
    old_reader.lock(LockLevel::Shared).unwrap();
    drop(old_reader);
    // A slot freed and reused for another file brings no lock with it.
    drop(fresh);
    (&disk).delete("db").unwrap();
    let mut reused = (&disk).open("other", OpenMode::Create).unwrap();
    assert!(!reused.is_reserved().unwrap());
    raise(&mut reused, LockLevel::Exclusive);
}

#[test]
fn different_paths_do_not_conflict() {
    let disk = MemoryPlatform::new();
    let mut a = (&disk).open("a", OpenMode::Create).unwrap();
    let mut b = (&disk).open("b", OpenMode::Create).unwrap();
    let mut a2 = (&disk).open("a", OpenMode::ReadWrite).unwrap();
    raise(&mut a, LockLevel::Exclusive);
    assert_eq!(kind(a2.lock(LockLevel::Shared)), ErrorKind::Busy);
    raise(&mut b, LockLevel::Exclusive);
}
