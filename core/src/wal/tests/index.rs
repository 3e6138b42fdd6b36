//! The index: lookups as of snapshots, dropping frames, memory, and the
//! frames it moves to a temporary file past its budget.

use super::*;
use crate::alloc::{Arena, FaultAlloc, FaultPlan};
use crate::wal::index::{RETAINED_BLOCKS, frames_within, memory_bound};

type Index<'d, A> = WalIndex<MemoryFile<'d>, A>;

/// The log file the index opens its temporary file beside.
fn log(disk: &MemoryPlatform) -> MemoryFile<'_> {
    disk.open(WAL, OpenMode::Create).unwrap()
}

/// Frames 1..=n holding these pages, in order.
fn index_of<'d>(pages: &[u32], log: &MemoryFile<'d>) -> Index<'d, Global> {
    let mut index = WalIndex::new_in(Global);
    for &p in pages {
        index.try_push(page(p), log).unwrap();
    }
    index
}

fn frame(n: u32) -> Option<FrameNo> {
    FrameNo::new(n)
}

#[test]
fn find_returns_the_latest_frame_at_or_below_the_snapshot() {
    let disk = MemoryPlatform::new();
    let log = log(&disk);
    //                     frame: 1  2  3  4  5  6  7
    let index = index_of(&[1, 2, 1, 3, 1, 2, 1], &log);
    assert_eq!(index.len(), 7);
    let cases = [
        // (page, snapshot, frame)
        (1, 0, None),
        (1, 1, frame(1)),
        (1, 2, frame(1)),
        (1, 3, frame(3)),
        (1, 4, frame(3)),
        (1, 6, frame(5)),
        (1, 7, frame(7)),
        (1, 100, frame(7)),
        (2, 1, None),
        (2, 5, frame(2)),
        (2, 6, frame(6)),
        (3, 3, None),
        (3, 4, frame(4)),
        (4, 7, None),
    ];
    for (p, snapshot, expected) in cases {
        assert_eq!(
            index.find(page(p), snapshot).unwrap(),
            expected,
            "page {p} as of {snapshot}"
        );
    }
    assert_eq!(index.latest(page(2)).unwrap(), frame(6));
    assert_eq!(index.page_of(frame(4).unwrap()).unwrap(), Some(page(3)));
    assert_eq!(index.page_of(frame(8).unwrap()).unwrap(), None);
}

#[test]
fn truncating_restores_each_pages_previous_frame() {
    let disk = MemoryPlatform::new();
    let log = log(&disk);
    let mut index = index_of(&[1, 2, 1, 3, 1, 2, 1], &log);
    index.truncate(4);
    assert_eq!(index.len(), 4);
    assert_eq!(index.latest(page(1)).unwrap(), frame(3));
    assert_eq!(index.latest(page(2)).unwrap(), frame(2));
    index.truncate(2);
    assert_eq!(index.latest(page(3)).unwrap(), None);
    // Pushing after a truncation links to the surviving frames.
    index.try_push(page(1), &log).unwrap();
    assert_eq!(index.find(page(1), 3).unwrap(), frame(3));
    assert_eq!(index.find(page(1), 2).unwrap(), frame(1));
    index.truncate(10);
    assert_eq!(index.len(), 3);
    index.clear();
    assert!(index.is_empty());
    assert_eq!(index.find(page(1), 3).unwrap(), None);
}

#[test]
fn memory_bytes_is_what_the_allocator_holds_and_within_the_bound() {
    let disk = MemoryPlatform::new();
    let log = log(&disk);
    let mut buffer = std::vec![0u8; 1 << 20];
    let arena = Arena::new(&mut buffer).unwrap();
    let mut index = WalIndex::new_in(&arena);
    assert_eq!(index.memory_bytes(), 0);
    for n in 1..=3000u32 {
        // A mix of rewritten and fresh pages.
        let p = if n % 3 == 0 { n % 17 + 1 } else { n };
        index.try_push(page(p), &log).unwrap();
        let held = arena.stats().in_use;
        assert!(
            index.memory_bytes() >= held,
            "frame {n}: {} < {held}",
            index.memory_bytes()
        );
        assert!(
            index.memory_bytes() <= held + 16,
            "frame {n}: {} > {held}",
            index.memory_bytes()
        );
        assert!(
            index.memory_bytes() <= memory_bound(n as usize),
            "frame {n}"
        );
    }
    // Truncating keeps the memory for the next frames.
    let before = index.memory_bytes();
    index.truncate(0);
    assert_eq!(index.memory_bytes(), before);
    // 1000 frames: four blocks of 2,688 bytes.
    assert!(memory_bound(1000) < 11 * 1024);
}

#[test]
fn a_budget_gives_the_most_frames_whose_bound_fits() {
    let bound = memory_bound;
    let within = frames_within;
    assert_eq!(within(0), 0);
    assert_eq!(within(bound(1) - 1), 0);
    // Memory comes a block at a time: a budget below one holds no frame.
    assert_eq!(within(BLOCK_BYTES), 0);
    for budget in [bound(1), 65_536, 1 << 20, 3_000_000] {
        let frames = within(budget);
        assert!(frames >= 1);
        assert!(bound(frames) <= budget, "budget {budget}");
        assert!(bound(frames + 1) > budget, "budget {budget}");
    }
    // 10.5 bytes a frame, and the list of blocks.
    assert!(within(1 << 20) > (1 << 20) / 11);
}

#[test]
fn a_refused_push_changes_nothing() {
    let disk = MemoryPlatform::new();
    let log = log(&disk);
    let fault = FaultAlloc::new(Global);
    let mut index = WalIndex::new_in(&fault);
    for n in 1..=100 {
        index.try_push(page(n), &log).unwrap();
    }
    fault.arm(FaultPlan::From(1));
    // The block holds 256 frames: the push past them needs memory.
    let mut n = 101;
    loop {
        match index.try_push(page(n), &log) {
            Ok(_) => n += 1,
            Err(e) => {
                assert_eq!(e, Error::OutOfMemory);
                break;
            }
        }
    }
    assert_eq!(index.len(), BLOCK_FRAMES as u32);
    assert_eq!(index.latest(page(n)).unwrap(), None);
    fault.arm(FaultPlan::Never);
    index.try_push(page(1), &log).unwrap();
    assert_eq!(index.find(page(1), 256).unwrap(), frame(1));
    assert_eq!(index.latest(page(1)).unwrap(), frame(257));
}

/// Pushes, truncations and clears at random against a model that scans
/// every frame, with the index's memory budget `budget` bytes.
fn lookups_match_a_scan(budget: usize, rounds: usize) {
    let disk = MemoryPlatform::new();
    let log = log(&disk);
    let mut model: StdVec<u32> = StdVec::new();
    let mut index = WalIndex::new_in(Global);
    index.set_budget(budget);
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move |below: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % below
    };
    let mut spilled = 0;
    for round in 0..rounds {
        match next(4000) {
            // Truncate, sometimes back across a block boundary or into
            // the spilled frames.
            0..=5 => {
                let len = model.len() as u64;
                let keep = (len - next(len.min(700) + 1)) as u32;
                index.truncate(keep);
                model.truncate(keep as usize);
            }
            6 if round % 3 == 0 => {
                index.clear();
                model.clear();
            }
            _ => {
                // Few distinct pages, so pages repeat within and across blocks.
                let p = next(if round % 2 == 0 { 40 } else { 2000 }) as u32 + 1;
                let frame = index.try_push(page(p), &log).unwrap();
                model.push(p);
                assert_eq!(frame.get() as usize, model.len());
            }
        }
        assert_eq!(index.len() as usize, model.len());
        spilled = spilled.max(index.spilled_frames());
        for _ in 0..4 {
            let p = next(60) as u32 + 1;
            let snapshot = next(model.len() as u64 + 2) as u32;
            let expected = model
                .iter()
                .take(snapshot as usize)
                .rposition(|&q| q == p)
                .and_then(|at| FrameNo::new(at as u32 + 1));
            assert_eq!(
                index.find(page(p), snapshot).unwrap(),
                expected,
                "round {round}"
            );
        }
        if !model.is_empty() {
            let n = next(model.len() as u64) as u32 + 1;
            assert_eq!(
                index.page_of(FrameNo::new(n).unwrap()).unwrap(),
                Some(page(model[n as usize - 1])),
                "round {round}"
            );
        }
    }
    if budget != usize::MAX {
        assert!(spilled > 2000, "the test spilled only {spilled} frames");
    }
}

#[test]
fn lookups_match_a_scan_of_every_frame_through_pushes_truncations_and_clears() {
    lookups_match_a_scan(usize::MAX, 4000);
}

#[test]
fn lookups_match_a_scan_with_most_frames_spilled_to_a_temporary_file() {
    lookups_match_a_scan(0, 12_000);
}

#[test]
fn an_index_past_its_budget_keeps_its_memory_and_answers_from_the_file() {
    let disk = MemoryPlatform::new();
    let log = log(&disk);
    let mut buffer = std::vec![0u8; 1 << 20];
    let arena = Arena::new(&mut buffer).unwrap();
    let mut index = WalIndex::new_in(&arena);
    index.set_budget(4 * BLOCK_BYTES);
    let frames = 100_000u32;
    let pick = |n: u32| n.wrapping_mul(2_654_435_761) % 30_000 + 1;
    let mut peak = 0;
    for n in 1..=frames {
        index.try_push(page(pick(n)), &log).unwrap();
        peak = peak.max(arena.stats().in_use);
    }
    // Four blocks and their list, plus fences: 0.1 byte a spilled frame.
    assert!(
        peak < 4 * BLOCK_BYTES + 1024 + frames as usize / 10,
        "{peak}"
    );
    assert!(index.spilled_frames() > frames - 4 * BLOCK_FRAMES as u32);
    for n in (1..=frames).step_by(97) {
        let f = FrameNo::new(n).unwrap();
        assert_eq!(index.page_of(f).unwrap(), Some(page(pick(n))));
        // The latest frame of that page at or below n is n itself.
        assert_eq!(index.find(page(pick(n)), n).unwrap(), Some(f));
    }
    // Truncating into the spilled frames and pushing again.
    index.truncate(5_000);
    assert_eq!(
        index
            .latest(page(pick(7_000)))
            .unwrap()
            .map(FrameNo::get)
            .filter(|&f| f > 5_000),
        None
    );
    let f = index.try_push(page(pick(7_000)), &log).unwrap();
    assert_eq!(f.get(), 5_001);
    assert_eq!(index.latest(page(pick(7_000))).unwrap(), Some(f));
    index.clear();
    assert!(index.memory_bytes() <= RETAINED_BLOCKS * BLOCK_BYTES + 256);
}

#[test]
fn a_platform_without_temporary_files_keeps_the_index_in_memory() {
    // `&mut F` has no platform to ask for a temporary file.
    let disk = MemoryPlatform::new();
    let mut file = log(&disk);
    let source = &mut file;
    let mut index: WalIndex<&mut MemoryFile<'_>, _> = WalIndex::new_in(Global);
    index.set_budget(0);
    for n in 1..=2_000 {
        index.try_push(page(n), &source).unwrap();
    }
    assert_eq!(index.spilled_frames(), 0);
    assert_eq!(index.latest(page(5)).unwrap(), frame(5));
}

#[test]
fn spilling_sweeps_allocation_failures() {
    // Every failure leaves the frames the index held, answering as before.
    for fail_at in 1.. {
        let disk = MemoryPlatform::new();
        let log = log(&disk);
        let fault = FaultAlloc::new(Global);
        let mut index = WalIndex::new_in(&fault);
        index.set_budget(0);
        fault.arm(FaultPlan::Once(fail_at));
        let mut failed = false;
        let mut n = 1;
        while n <= 3_000 {
            match index.try_push(page(n % 700 + 1), &log) {
                Ok(_) => n += 1,
                Err(e) => {
                    assert_eq!(e, Error::OutOfMemory);
                    assert_eq!(index.len(), n - 1);
                    failed = true;
                }
            }
        }
        for m in (1..=3_000).step_by(31) {
            assert_eq!(
                index.page_of(FrameNo::new(m).unwrap()).unwrap(),
                Some(page(m % 700 + 1))
            );
            assert_eq!(
                index
                    .latest(page(m % 700 + 1))
                    .unwrap()
                    .map(|f| f.get() >= m),
                Some(true)
            );
        }
        if !failed {
            assert!(fail_at > 5, "the sweep ended after {fail_at} points");
            break;
        }
    }
}
