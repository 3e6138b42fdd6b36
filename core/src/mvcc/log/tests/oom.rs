//! OOM sweeps: building a frame and reading a log fail with
//! `OutOfMemory` at every allocation, leak nothing, and leave the file
//! readable.

use boundlite_alloc::{Counting, FaultAlloc, oom_sweep};

use super::*;
use crate::Error;

#[test]
fn building_and_appending_frames_survives_every_allocation_failure() {
    let counting = Counting::new(Global);
    let fault = FaultAlloc::new(&counting);
    let disk = MemoryPlatform::new();
    let mut log = LogWriter::create(open_log(&disk), LogSalt::new(1), ts(0)).unwrap();
    let mut next = 0u64;
    let report = oom_sweep(
        &fault,
        false,
        |fault| {
            let mut frame = FrameBuilder::new_in(fault);
            for tag in 1..=4 {
                for op in txn(tag) {
                    op.add(&mut frame)?;
                }
            }
            next += 1;
            log.append(&mut frame, ts(next))?;
            Ok::<u64, Error>(next)
        },
        |n, error| {
            assert_eq!(error, Error::OutOfMemory, "failure {n}");
            assert_eq!(counting.stats().live_allocations(), 0, "failure {n} leaked");
        },
    )
    .unwrap();
    assert!(report.failure_points > 0);
    drop(log);
    // Only runs that built their whole frame appended it (a run may
    // recover from a refused growth by itself), each whole.
    let (_, frames) = read_all(open_log(&disk)).unwrap();
    let ops: StdVec<Op> = (1..=4).flat_map(txn).collect();
    let want: Frames = (1..=report.value).map(|t| (t, ops.clone())).collect();
    assert_eq!(frames, want);
    assert_eq!(
        report.value as usize,
        report.failure_points - report.errors + 1
    );
}

#[test]
fn reading_a_log_survives_every_allocation_failure() {
    let disk = MemoryPlatform::new();
    let mut log = LogWriter::create(open_log(&disk), LogSalt::new(1), ts(0)).unwrap();
    for tag in 1..=8 {
        log.append(&mut frame_of(&txn(tag)), ts(tag)).unwrap();
    }
    drop(log);
    let counting = Counting::new(Global);
    let fault = FaultAlloc::new(&counting);
    for persistent in [false, true] {
        let report = oom_sweep(
            &fault,
            persistent,
            |fault| {
                let mut reader = LogReader::open(open_log(&disk), fault)?;
                let mut ops = 0;
                while let Some(frame) = reader.next_frame()? {
                    ops += frame.op_count();
                }
                Ok::<u32, Error>(ops)
            },
            |n, error| {
                assert_eq!(error, Error::OutOfMemory, "failure {n}");
                assert_eq!(counting.stats().live_allocations(), 0, "failure {n} leaked");
            },
        )
        .unwrap();
        let ops: usize = (1..=8).map(|t| txn(t).len()).sum();
        assert_eq!(report.value as usize, ops);
        assert!(report.failure_points > 0);
    }
}
