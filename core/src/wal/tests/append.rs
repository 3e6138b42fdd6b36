//! Appending: committed and spilled frames, snapshots, misuse, and
//! failures that leave the log as it was.

use boundlite_platform::{FaultPlatform, FaultTarget, IoFault};

use super::*;

#[test]
fn appended_transactions_are_read_back_as_of_each_snapshot() {
    let disk = MemoryPlatform::new();
    let mut wal = open_wal(&disk);
    let mut db = open_file(&disk, DB);
    assert_eq!(
        (wal.max_frame(), wal.db_size(), wal.generation()),
        (0, None, 0)
    );
    commit(&mut wal, 1, &[1, 2, 3], 3).unwrap();
    assert_eq!(wal.generation(), 1);
    commit(&mut wal, 2, &[2], 3).unwrap();
    commit(&mut wal, 3, &[4, 2], 4).unwrap();
    assert_eq!(
        (wal.max_frame(), wal.last_frame(), wal.db_size()),
        (6, 6, Some(4))
    );
    assert_eq!(wal.generation(), 1);
    for (snapshot, tags) in [(3, [1, 1, 1, 0]), (4, [1, 2, 1, 0]), (6, [1, 3, 1, 3])] {
        for (p, tag) in (1..=4).zip(tags) {
            let bytes = read_as_of(&mut wal, &mut db, p, snapshot);
            if tag == 0 {
                assert!(bytes.iter().all(|&b| b == 0));
            } else {
                assert_eq!(tag_of(&bytes), (tag, p), "page {p} as of {snapshot}");
            }
        }
    }
    let size = disk.file_bytes(WAL).unwrap().len();
    assert_eq!(size, 32 + 6 * 536);
}

#[test]
fn misuse_is_refused_and_changes_nothing() {
    let disk = MemoryPlatform::new();
    let mut wal = open_wal(&disk);
    commit(&mut wal, 1, &[1], 1).unwrap();
    let short = [0u8; 100];
    let good = content(2, 2);
    let cases: [(&str, crate::Result<()>); 4] = [
        (
            "no pages",
            wal.append(core::iter::empty::<(PageNo, &[u8])>(), 2),
        ),
        (
            "no database size",
            wal.append([(page(2), good.as_slice())], 0),
        ),
        (
            "a short page",
            wal.append([(page(2), good.as_slice()), (page(3), &short[..])], 3),
        ),
        (
            "no spilled pages",
            wal.append_uncommitted(core::iter::empty::<(PageNo, &[u8])>()),
        ),
    ];
    for (what, result) in cases {
        assert!(matches!(result, Err(Error::Misuse(_))), "{what}");
    }
    assert_eq!(
        (wal.max_frame(), wal.last_frame(), wal.index().len()),
        (1, 1, 1)
    );
    let mut buf = [0u8; PS as usize];
    assert!(matches!(
        wal.read_page(FrameNo::new(2).unwrap(), &mut buf),
        Err(Error::Misuse(_))
    ));
    assert!(matches!(
        wal.read_page(FrameNo::ONE, &mut buf[..10]),
        Err(Error::Misuse(_))
    ));
    commit(&mut wal, 3, &[2], 2).unwrap();
    drop(wal);
    assert_eq!(open_wal(&disk).max_frame(), 2);
}

#[test]
fn spilled_frames_are_the_writers_alone_until_committed() {
    let disk = MemoryPlatform::new();
    let mut wal = open_wal(&disk);
    commit(&mut wal, 1, &[1, 2], 2).unwrap();
    let v2 = content(2, 2);
    let v3 = content(2, 3);
    wal.append_uncommitted([(page(2), v2.as_slice())]).unwrap();
    // Page 2 spilled again is written over its frame.
    wal.append_uncommitted([(page(3), v3.as_slice()), (page(2), v3.as_slice())])
        .unwrap();
    assert_eq!(
        (wal.max_frame(), wal.last_frame(), wal.uncommitted_frames()),
        (2, 4, 2)
    );
    // Readers of the committed snapshot see none of it; the writer sees all.
    assert_eq!(wal.find(page(2), wal.max_frame()).unwrap(), FrameNo::new(2));
    assert_eq!(wal.find(page(3), wal.max_frame()).unwrap(), None);
    assert_eq!(
        wal.find(page(2), wal.last_frame()).unwrap(),
        FrameNo::new(3)
    );
    let mut read = std::vec![0u8; PS as usize];
    wal.read_page(FrameNo::new(3).unwrap(), &mut read).unwrap();
    assert_eq!(read, v3);
    // Rolling back drops them; the next commit overwrites their bytes.
    wal.rollback();
    assert_eq!((wal.max_frame(), wal.last_frame()), (2, 2));
    assert_eq!(wal.find(page(2), u32::MAX).unwrap(), FrameNo::new(2));
    assert_eq!(wal.find(page(3), u32::MAX).unwrap(), None);
    drop(wal);
    assert_eq!(open_wal(&disk).max_frame(), 2);

    // Spill, spill again over the first frames, then commit the rest: one
    // transaction, whose rewritten frames were sealed again so that
    // recovery keeps it.
    let mut wal = open_wal(&disk);
    wal.append_uncommitted([(page(3), v3.as_slice()), (page(2), v2.as_slice())])
        .unwrap();
    let v3b = content(3, 3);
    wal.append_uncommitted([(page(3), v3b.as_slice())]).unwrap();
    // Page 2, the commit frame, is appended whatever frame it has.
    commit(&mut wal, 4, &[1, 2], 3).unwrap();
    assert_eq!(
        (wal.max_frame(), wal.uncommitted_frames(), wal.db_size()),
        (6, 0, Some(3))
    );
    drop(wal);
    let mut wal = open_wal(&disk);
    let mut db = open_file(&disk, DB);
    assert_eq!(wal.max_frame(), 6);
    assert_eq!(tag_of(&read_as_of(&mut wal, &mut db, 3, 6)), (3, 3));
    assert_eq!(tag_of(&read_as_of(&mut wal, &mut db, 2, 6)), (4, 2));
    assert_eq!(tag_of(&read_as_of(&mut wal, &mut db, 1, 6)), (4, 1));
}

#[test]
fn a_spill_into_an_empty_log_rolled_back_starts_a_new_generation() {
    let disk = MemoryPlatform::new();
    let mut wal = open_wal(&disk);
    let v = content(1, 1);
    wal.append_uncommitted([(page(1), v.as_slice())]).unwrap();
    let first = *wal.header().unwrap();
    wal.rollback();
    assert!(wal.header().is_none());
    commit(&mut wal, 2, &[1], 1).unwrap();
    let second = *wal.header().unwrap();
    assert_eq!(second.salts.salt1, first.salts.salt1 + 1);
    assert_eq!(wal.generation(), 2);
    drop(wal);
    let wal = open_wal(&disk);
    assert_eq!((wal.max_frame(), *wal.header().unwrap()), (1, second));
}

/// Runs `txns` with operation `n` of the one at `failing` made to fail
/// (writes and syncs counted from 1 within that append), retries with a
/// shorter transaction, and checks memory and file agree.
fn fail_once(failing: usize, n: u64) -> bool {
    let disk = MemoryPlatform::new();
    let fault = FaultPlatform::new(&disk);
    let file = (&fault).open(WAL, OpenMode::Create).unwrap();
    let mut wal = Wal::open(file, page_size(), Global).unwrap();
    let txns: [&[u32]; 3] = [&[1, 2, 3], &[2, 4], &[3, 1, 4]];
    for (i, pages) in txns.iter().enumerate() {
        if i == failing {
            let before = (
                wal.max_frame(),
                wal.last_frame(),
                wal.index().len(),
                wal.db_size(),
            );
            let finds: StdVec<_> = (1..=4).map(|p| wal.find(page(p), u32::MAX)).collect();
            fault.arm(IoFault::Once {
                target: FaultTarget::WriteOrSync,
                n,
            });
            let result = commit(&mut wal, 10, pages, 4);
            let used = fault.counts().mutations();
            fault.arm(IoFault::Never);
            if result.is_ok() {
                // `n` is past the append's operations: nothing failed.
                assert!(n > used, "operation {n} of {used} failed silently");
                return false;
            }
            assert!(matches!(result, Err(Error::Io(_))));
            let after = (
                wal.max_frame(),
                wal.last_frame(),
                wal.index().len(),
                wal.db_size(),
            );
            assert_eq!(after, before, "append {i}, operation {n}");
            let finds_after: StdVec<_> = (1..=4).map(|p| wal.find(page(p), u32::MAX)).collect();
            assert_eq!(finds_after, finds);
            // A shorter transaction in its place.
            commit(&mut wal, 20 + i as u32, &pages[..1], 4).unwrap();
        } else {
            commit(&mut wal, i as u32 + 1, pages, 4).unwrap();
        }
    }
    drop(wal);
    let mut wal = open_wal(&disk);
    let mut db = open_file(&disk, DB);
    let expected_frames: u32 = txns
        .iter()
        .enumerate()
        .map(|(i, p)| if i == failing { 1 } else { p.len() as u32 })
        .sum();
    assert_eq!(
        wal.max_frame(),
        expected_frames,
        "append {failing}, operation {n}"
    );
    // The retried transaction's one page, and nothing of the failed one.
    let retried = txns[failing][0];
    let last_writer = |p: u32| {
        (0..3).rev().find_map(|i| {
            let pages: &[u32] = if i == failing { &txns[i][..1] } else { txns[i] };
            pages.contains(&p).then_some(if i == failing {
                20 + i as u32
            } else {
                i as u32 + 1
            })
        })
    };
    for p in 1..=4 {
        let bytes = read_as_of(&mut wal, &mut db, p, expected_frames);
        match last_writer(p) {
            Some(tag) => assert_eq!(tag_of(&bytes), (tag, p), "page {p}"),
            None => assert!(bytes.iter().all(|&b| b == 0)),
        }
    }
    assert!(last_writer(retried).is_some());
    true
}

#[test]
fn a_failed_append_changes_nothing_and_the_next_one_overwrites_it() {
    let mut failures = 0;
    for failing in 0..3 {
        for n in 1.. {
            if !fail_once(failing, n) {
                break;
            }
            failures += 1;
        }
    }
    // Header write and sync for the first append, then per frame two
    // writes, and one sync per append.
    assert_eq!(failures, (2 + 3 * 2 + 1) + (2 * 2 + 1) + (3 * 2 + 1));
}

#[test]
fn a_read_only_log_recovers_but_refuses_appends() {
    let disk = MemoryPlatform::new();
    let mut wal = open_wal(&disk);
    commit(&mut wal, 1, &[1], 1).unwrap();
    drop(wal);
    let file = (&disk).open(WAL, OpenMode::ReadOnly).unwrap();
    let mut wal = Wal::open(file, page_size(), Global).unwrap();
    assert_eq!(wal.max_frame(), 1);
    assert_eq!(commit(&mut wal, 2, &[1], 1), Err(Error::ReadOnly));
    assert_eq!((wal.max_frame(), wal.last_frame()), (1, 1));
}

#[test]
fn pages_can_come_as_borrow_guards_held_one_frame_at_a_time() {
    use core::cell::RefCell;
    let disk = MemoryPlatform::new();
    let mut wal = open_wal(&disk);
    // As a page cache holds them: buffers behind `RefCell`s.
    let frames: StdVec<RefCell<StdVec<u8>>> =
        (1..=3).map(|p| RefCell::new(content(1, p))).collect();
    let guards = frames
        .iter()
        .enumerate()
        .map(|(i, f)| (page(i as u32 + 1), f.borrow()));
    wal.append(guards, 3).unwrap();
    // The guards are gone: the buffers can be changed again.
    frames[0].borrow_mut()[..4].copy_from_slice(&2u32.to_be_bytes());
    drop(wal);
    let mut wal = open_wal(&disk);
    let mut db = open_file(&disk, DB);
    assert_eq!(tag_of(&read_as_of(&mut wal, &mut db, 1, 3)), (1, 1));
}
