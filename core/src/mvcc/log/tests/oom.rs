//! OOM sweeps: writing a frame and reading a log fail with
//! `OutOfMemory` at every allocation, leak nothing, and leave the file
//! readable.

use boundlite_alloc::{Counting, FaultAlloc, oom_sweep};

use super::*;
use crate::Error;

#[test]
fn writing_frames_survives_every_allocation_failure() {
    let counting = Counting::new(Global);
    let fault = FaultAlloc::new(&counting);
    let disk = MemoryPlatform::new();
    let mut log = LogWriter::create(open_log(&disk), LogSalt::new(1), ts(0)).unwrap();
    let mut next = 0u64;
    let report = oom_sweep(
        &fault,
        false,
        |fault| {
            let ops: StdVec<Op> = [1, 2, 3, 4, 9].into_iter().flat_map(txn).collect();
            let mut buffer = FrameBuffer::new_in(fault);
            log.append(ops.iter().map(Op::log_op), ts(next + 1), &mut buffer)?;
            next += 1;
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
    // Only runs that got their buffer appended their frame, each whole.
    let (_, frames) = read_all(open_log(&disk)).unwrap();
    let ops: StdVec<Op> = [1, 2, 3, 4, 9].into_iter().flat_map(txn).collect();
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
        append(&mut log, &txn(tag), ts(tag)).unwrap();
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
