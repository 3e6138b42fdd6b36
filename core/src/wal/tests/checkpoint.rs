//! Backfilling, resets and the four checkpoint modes.

use boundlite_platform::FaultPlatform;

use super::*;

/// Every page 1..=`pages` as a reader of `snapshot` sees it.
fn view(
    wal: &mut Wal<MemoryFile<'_>, Global>,
    db: &mut MemoryFile<'_>,
    pages: u32,
    snapshot: u32,
) -> StdVec<StdVec<u8>> {
    (1..=pages)
        .map(|p| read_as_of(wal, db, p, snapshot))
        .collect()
}

/// A log of three transactions over 4 pages: frames 1-4, 5-6, 7-8.
fn three_commits(disk: &MemoryPlatform) -> Wal<MemoryFile<'_>, Global> {
    let mut wal = open_wal(disk);
    commit(&mut wal, 1, &[1, 2, 3, 4], 4).unwrap();
    commit(&mut wal, 2, &[2, 3], 4).unwrap();
    commit(&mut wal, 3, &[3, 1], 4).unwrap();
    wal
}

#[test]
fn a_full_backfill_leaves_the_database_file_as_the_last_commit() {
    let disk = MemoryPlatform::new();
    let mut wal = three_commits(&disk);
    let mut db = open_file(&disk, DB);
    let before = view(&mut wal, &mut db, 4, 8);
    let mut buf = std::vec![0u8; PS as usize];
    let done = wal.backfill(&mut db, u32::MAX, &mut buf).unwrap();
    assert_eq!(
        done,
        Backfill {
            backfilled: 8,
            pages_written: 4,
            complete: true
        }
    );
    assert_eq!(wal.backfilled(), 8);
    let file = disk.file_bytes(DB).unwrap();
    assert_eq!(file.len(), 4 * PS as usize);
    for (p, expected) in (1..=4).zip(&before) {
        let at = page(p).offset(PS) as usize;
        assert_eq!(&file[at..at + PS as usize], expected.as_slice(), "page {p}");
    }
    assert_eq!(tag_of(&before[2]), (3, 3));
    // Nothing left to copy.
    let again = wal.backfill(&mut db, u32::MAX, &mut buf).unwrap();
    assert_eq!(
        again,
        Backfill {
            backfilled: 8,
            pages_written: 0,
            complete: true
        }
    );
    assert!(wal.can_reset());
}

#[test]
fn a_backfill_never_copies_past_the_oldest_snapshot() {
    let disk = MemoryPlatform::new();
    let mut wal = three_commits(&disk);
    let mut db = open_file(&disk, DB);
    let mut buf = std::vec![0u8; PS as usize];
    let as_of = |wal: &mut _, db: &mut _, s| view(wal, db, 4, s);
    let views: StdVec<_> = [4, 6, 8]
        .iter()
        .map(|&s| as_of(&mut wal, &mut db, s))
        .collect();
    // A reader at frame 6: frames 1-6 may be copied, each page's version
    // as of 6 (page 3 from frame 6, not frame 1... nor frame 7).
    let done = wal.backfill(&mut db, 6, &mut buf).unwrap();
    assert_eq!(
        done,
        Backfill {
            backfilled: 6,
            pages_written: 4,
            complete: false
        }
    );
    assert!(!wal.can_reset());
    let file = disk.file_bytes(DB).unwrap();
    assert_eq!(tag_of(&file[2 * PS as usize..3 * PS as usize]), (2, 3));
    // Readers at 6 and 8 see what they saw.
    assert_eq!(as_of(&mut wal, &mut db, 6), views[1]);
    assert_eq!(as_of(&mut wal, &mut db, 8), views[2]);
    // The rest copies only frames 7 and 8.
    let done = wal.backfill(&mut db, 8, &mut buf).unwrap();
    assert_eq!(
        done,
        Backfill {
            backfilled: 8,
            pages_written: 2,
            complete: true
        }
    );
    assert_eq!(as_of(&mut wal, &mut db, 8), views[2]);
    // Asking for an older limit than what is done does nothing.
    assert_eq!(wal.backfill(&mut db, 4, &mut buf).unwrap().pages_written, 0);
}

#[test]
fn pages_past_the_final_size_are_not_copied_and_the_file_is_cut_to_it() {
    let disk = MemoryPlatform::new();
    let mut wal = open_wal(&disk);
    let mut db = open_file(&disk, DB);
    commit(&mut wal, 1, &[1, 2, 3, 4, 5], 5).unwrap();
    commit(&mut wal, 2, &[1], 2).unwrap();
    let mut buf = std::vec![0u8; PS as usize];
    let done = wal.backfill(&mut db, u32::MAX, &mut buf).unwrap();
    assert_eq!(done.pages_written, 2);
    assert_eq!(disk.file_bytes(DB).unwrap().len(), 2 * PS as usize);
    assert_eq!(tag_of(&read_as_of(&mut wal, &mut db, 1, 6)), (2, 1));
    // A database file longer than the log's size is cut too.
    let mut wal = open_wal(&disk);
    db.write_at(9 * u64::from(PS), &[1]).unwrap();
    let done = wal.backfill(&mut db, u32::MAX, &mut buf).unwrap();
    assert!(done.complete);
    assert_eq!(disk.file_bytes(DB).unwrap().len(), 2 * PS as usize);
}

#[test]
fn a_reset_log_restarts_at_frame_one_with_new_salts() {
    for truncate in [false, true] {
        let disk = MemoryPlatform::new();
        let mut wal = three_commits(&disk);
        let mut db = open_file(&disk, DB);
        let old = *wal.header().unwrap();
        assert!(matches!(wal.reset(truncate), Err(Error::Misuse(_))));
        let mut buf = std::vec![0u8; PS as usize];
        wal.backfill(&mut db, u32::MAX, &mut buf).unwrap();
        let state = view(&mut wal, &mut db, 4, 8);
        wal.reset(truncate).unwrap();
        assert_eq!(
            (wal.max_frame(), wal.db_size(), wal.backfilled()),
            (0, None, 0)
        );
        assert!(wal.header().is_none());
        assert!(wal.index().is_empty());
        let len = disk.file_bytes(WAL).unwrap().len();
        assert_eq!(len, if truncate { 0 } else { 32 + 8 * 536 });
        // The database file alone holds the state.
        assert_eq!(view(&mut wal, &mut db, 4, 0), state);
        commit(&mut wal, 9, &[2], 4).unwrap();
        let new = *wal.header().unwrap();
        assert_eq!(new.salts.salt1, old.salts.salt1 + 1);
        assert_eq!(new.checkpoint_seq, old.checkpoint_seq + 1);
        assert_eq!(wal.max_frame(), 1);
        assert_eq!(wal.generation(), 2);
        drop(wal);
        // Stale frames 2-8 of the old generation are not recovered.
        let mut wal = open_wal(&disk);
        assert_eq!((wal.max_frame(), wal.db_size()), (1, Some(4)));
        assert_eq!(tag_of(&read_as_of(&mut wal, &mut db, 2, 1)), (9, 2));
        assert_eq!(read_as_of(&mut wal, &mut db, 3, 1), state[2]);
    }
}

#[test]
fn checkpoint_modes_report_like_pragma_wal_checkpoint() {
    let disk = MemoryPlatform::new();
    let mut wal = three_commits(&disk);
    let mut db = open_file(&disk, DB);
    let mut buf = std::vec![0u8; PS as usize];
    let mut run = |wal: &mut Wal<_, _>, mode, readers: &[u32]| {
        wal.checkpoint(mode, &mut db, &mut buf, readers.iter().copied())
            .unwrap()
    };
    let result = |busy, log, checkpointed| CheckpointResult {
        busy,
        log,
        checkpointed,
    };
    // A reader of the database file alone blocks every copy.
    assert_eq!(
        run(&mut wal, CheckpointMode::Passive, &[0, 8]),
        result(false, 8, 0)
    );
    assert_eq!(
        run(&mut wal, CheckpointMode::Passive, &[6, 8]),
        result(false, 8, 6)
    );
    assert_eq!(
        run(&mut wal, CheckpointMode::Full, &[6]),
        result(true, 8, 6)
    );
    // Everything copied, but a reader still reads from the log.
    assert_eq!(
        run(&mut wal, CheckpointMode::Restart, &[8]),
        result(true, 8, 8)
    );
    assert_eq!(wal.max_frame(), 8);
    assert_eq!(
        run(&mut wal, CheckpointMode::Full, &[8]),
        result(false, 8, 8)
    );
    // A spilling writer makes the waiting modes busy.
    let v = content(4, 1);
    wal.append_uncommitted([(page(1), v.as_slice())]).unwrap();
    assert_eq!(run(&mut wal, CheckpointMode::Full, &[]), result(true, 8, 8));
    assert_eq!(
        run(&mut wal, CheckpointMode::Truncate, &[]),
        result(true, 8, 8)
    );
    wal.rollback();
    // RESTART reports the log it restarted, as SQLite does.
    assert_eq!(
        run(&mut wal, CheckpointMode::Restart, &[0]),
        result(false, 8, 8)
    );
    assert_eq!(wal.max_frame(), 0);
    commit(&mut wal, 5, &[1], 4).unwrap();
    assert_eq!(
        run(&mut wal, CheckpointMode::Truncate, &[]),
        result(false, 0, 0)
    );
    assert_eq!(disk.file_bytes(WAL).unwrap().len(), 0);
    assert_eq!(
        run(&mut wal, CheckpointMode::Passive, &[]),
        result(false, 0, 0)
    );
    drop(wal);
    let mut wal = open_wal(&disk);
    assert_eq!(wal.max_frame(), 0);
    assert_eq!(tag_of(&read_as_of(&mut wal, &mut db, 1, 0)), (5, 1));
    assert_eq!(tag_of(&read_as_of(&mut wal, &mut db, 3, 0)), (3, 3));
}

#[test]
fn a_recovered_log_is_synced_before_its_frames_are_copied() {
    let disk = MemoryPlatform::new();
    drop(three_commits(&disk));
    let fault = FaultPlatform::new(&disk);
    let file = (&fault).open(WAL, OpenMode::ReadWrite).unwrap();
    let mut db = (&fault).open(DB, OpenMode::Create).unwrap();
    let mut wal = Wal::open(file, page_size(), Global).unwrap();
    let mut buf = std::vec![0u8; PS as usize];
    let before = fault.counts();
    wal.backfill(&mut db, 6, &mut buf).unwrap();
    // The log once, the database once.
    assert_eq!(fault.counts().syncs - before.syncs, 2);
    let before = fault.counts();
    wal.backfill(&mut db, 8, &mut buf).unwrap();
    assert_eq!(fault.counts().syncs - before.syncs, 1);
}

#[test]
fn a_backfill_needs_a_whole_page_buffer() {
    let disk = MemoryPlatform::new();
    let mut wal = three_commits(&disk);
    let mut db = open_file(&disk, DB);
    let mut buf = [0u8; 10];
    assert!(matches!(
        wal.backfill(&mut db, 8, &mut buf),
        Err(Error::Misuse(_))
    ));
    assert_eq!(wal.backfilled(), 0);
}

#[test]
fn a_failed_backfill_counts_nothing_and_the_next_one_completes() {
    let mut failures = 0;
    for n in 1.. {
        let disk = MemoryPlatform::new();
        drop(three_commits(&disk));
        let fault = FaultPlatform::new(&disk);
        let file = (&fault).open(WAL, OpenMode::ReadWrite).unwrap();
        let mut db = (&fault).open(DB, OpenMode::Create).unwrap();
        let mut wal = Wal::open(file, page_size(), Global).unwrap();
        let mut buf = std::vec![0u8; PS as usize];
        let expected = view_any(&mut wal, &mut db, 8);
        fault.arm(boundlite_platform::IoFault::Once {
            target: boundlite_platform::FaultTarget::WriteOrSync,
            n,
        });
        let first = wal.checkpoint(CheckpointMode::Truncate, &mut db, &mut buf, []);
        fault.arm(boundlite_platform::IoFault::Never);
        match first {
            Ok(result) => {
                assert_eq!(result, CheckpointResult::default());
                break;
            }
            Err(e) => {
                failures += 1;
                assert!(matches!(e, Error::Io(_)), "operation {n}");
                // Either nothing counts as backfilled, or (a failed log
                // truncation) the log was reset after a complete backfill.
                assert!(
                    wal.backfilled() == 0 || wal.max_frame() == 0,
                    "operation {n}"
                );
            }
        }
        let again = wal.checkpoint(CheckpointMode::Truncate, &mut db, &mut buf, []);
        assert_eq!(again.unwrap(), CheckpointResult::default(), "operation {n}");
        assert_eq!(view_any(&mut wal, &mut db, 0), expected, "operation {n}");
    }
    // The log's sync, 4 pages, the database's sync (it has the right
    // length already), the log's truncation.
    assert_eq!(failures, 7);
}

/// Pages 1..=4 as of `snapshot`, over any file type.
fn view_any<F: File>(
    wal: &mut Wal<F, Global>,
    db: &mut impl File,
    snapshot: u32,
) -> StdVec<StdVec<u8>> {
    (1..=4).map(|p| read_as_of(wal, db, p, snapshot)).collect()
}
