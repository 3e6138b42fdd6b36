//! OOM sweeps: recovery and appends fail cleanly at every allocation, and
//! checkpoints allocate nothing.

use super::*;
use crate::alloc::{Arena, FaultAlloc, FaultPlan, oom_sweep};

/// A log of 30 transactions over 60 pages, written on the global heap.
fn long_log(disk: &MemoryPlatform) -> u32 {
    let mut wal = open_wal(disk);
    for tag in 1..=30 {
        commit(&mut wal, tag, &[tag, tag + 30, 1], 60).unwrap();
    }
    wal.max_frame()
}

#[test]
fn recovery_survives_every_allocation_failure() {
    let disk = MemoryPlatform::new();
    let frames = long_log(&disk);
    let mut buffer = std::vec![0u8; 64 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    for persistent in [false, true] {
        let report = oom_sweep(
            &fault,
            persistent,
            |f| {
                let wal = Wal::open(open_file(&disk, WAL), page_size(), f)?;
                Ok::<_, Error>((wal.max_frame(), wal.index().len()))
            },
            |n, e| {
                assert_eq!(e, Error::OutOfMemory, "failure {n}");
                assert_eq!(arena.stats().live_allocations, 0, "failure {n} leaked");
            },
        )
        .unwrap();
        assert_eq!(report.value, (frames, frames));
        assert!(report.failure_points >= 3, "{report:?}");
        assert_eq!(arena.stats().live_allocations, 0);
    }
}

#[test]
fn an_append_refused_memory_changes_nothing() {
    let mut buffer = std::vec![0u8; 64 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    for persistent in [false, true] {
        for spill in [false, true] {
            let report = oom_sweep(
                &fault,
                persistent,
                |f| {
                    let disk = MemoryPlatform::new();
                    let before = long_log(&disk);
                    let mut wal =
                        f.unfaulted(|| Wal::open(open_file(&disk, WAL), page_size(), f))?;
                    // Past the first block of the index, so appending allocates.
                    let pages: StdVec<u32> = (100..800).collect();
                    let result = if spill {
                        let bytes = content(50, 1);
                        let spilled: StdVec<_> =
                            pages.iter().map(|&p| (page(p), bytes.as_slice())).collect();
                        wal.append_uncommitted(spilled)
                            .and_then(|()| commit(&mut wal, 51, &[1], 800))
                    } else {
                        commit(&mut wal, 50, &pages, 800)
                    };
                    if let Err(e) = result {
                        if spill {
                            wal.rollback();
                        }
                        assert_eq!((wal.max_frame(), wal.last_frame()), (before, before));
                        assert_eq!(wal.index().len(), before);
                        assert_eq!(wal.find(page(100), u32::MAX).unwrap(), None);
                        drop(wal);
                        let wal =
                            f.unfaulted(|| Wal::open(open_file(&disk, WAL), page_size(), f))?;
                        assert_eq!(wal.max_frame(), before);
                        return Err(e);
                    }
                    Ok((wal.max_frame(), before))
                },
                |n, e| {
                    assert_eq!(e, Error::OutOfMemory, "failure {n}");
                    assert_eq!(arena.stats().live_allocations, 0, "failure {n} leaked");
                },
            )
            .unwrap();
            let (max, before) = report.value;
            assert_eq!(max, before + 700 + u32::from(spill));
            assert!(report.errors >= 1, "{report:?}");
        }
    }
}

#[test]
fn checkpoints_allocate_nothing() {
    let disk = MemoryPlatform::new();
    long_log(&disk);
    let mut buffer = std::vec![0u8; 64 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    let mut wal = Wal::open(open_file(&disk, WAL), page_size(), &fault).unwrap();
    let mut db = open_file(&disk, DB);
    let mut buf = std::vec![0u8; PS as usize];
    fault.arm(FaultPlan::From(1));
    let result = wal
        .checkpoint(CheckpointMode::Passive, &mut db, &mut buf, [40])
        .unwrap();
    assert_eq!((result.busy, result.checkpointed), (false, 40));
    let result = wal
        .checkpoint(CheckpointMode::Truncate, &mut db, &mut buf, [])
        .unwrap();
    assert_eq!(
        result,
        CheckpointResult {
            busy: false,
            log: 0,
            checkpointed: 0
        }
    );
    assert_eq!(fault.seen(), 0);
    // The index keeps its memory for the next generation.
    assert!(arena.stats().live_allocations > 0);
    commit(&mut wal, 77, &[1], 60).unwrap();
    fault.arm(FaultPlan::Never);
    assert_eq!(wal.max_frame(), 1);
}
