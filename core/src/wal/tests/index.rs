//! The in-memory index: lookups as of snapshots, dropping frames, memory.

use super::*;
use crate::alloc::{Arena, FaultAlloc, FaultPlan};

/// Frames 1..=n holding these pages, in order.
fn index_of(pages: &[u32]) -> WalIndex<Global> {
    let mut index = WalIndex::new_in(Global);
    for &p in pages {
        index.try_push(page(p)).unwrap();
    }
    index
}

fn frame(n: u32) -> Option<FrameNo> {
    FrameNo::new(n)
}

#[test]
fn find_returns_the_latest_frame_at_or_below_the_snapshot() {
    //                     frame: 1  2  3  4  5  6  7
    let index = index_of(&[1, 2, 1, 3, 1, 2, 1]);
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
            index.find(page(p), snapshot),
            expected,
            "page {p} as of {snapshot}"
        );
    }
    assert_eq!(index.latest(page(2)), frame(6));
    assert_eq!(index.page_of(FrameNo::new(4).unwrap()), Some(page(3)));
    assert_eq!(index.page_of(FrameNo::new(8).unwrap()), None);
}

#[test]
fn truncating_restores_each_pages_previous_frame() {
    let mut index = index_of(&[1, 2, 1, 3, 1, 2, 1]);
    index.truncate(4);
    assert_eq!(index.len(), 4);
    assert_eq!(index.latest(page(1)), frame(3));
    assert_eq!(index.latest(page(2)), frame(2));
    index.truncate(2);
    assert_eq!(index.latest(page(3)), None);
    // Pushing after a truncation links to the surviving frames.
    index.try_push(page(1)).unwrap();
    assert_eq!(index.find(page(1), 3), frame(3));
    assert_eq!(index.find(page(1), 2), frame(1));
    index.truncate(10);
    assert_eq!(index.len(), 3);
    index.clear();
    assert!(index.is_empty());
    assert_eq!(index.find(page(1), 3), None);
}

#[test]
fn memory_bytes_is_what_the_allocator_holds_and_within_the_bound() {
    let mut buffer = std::vec![0u8; 1 << 20];
    let arena = Arena::new(&mut buffer).unwrap();
    let mut index = WalIndex::new_in(&arena);
    assert_eq!(index.memory_bytes(), 0);
    for n in 1..=3000u32 {
        // A mix of rewritten and fresh pages.
        let p = if n % 3 == 0 { n % 17 + 1 } else { n };
        index.try_push(page(p)).unwrap();
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
            index.memory_bytes() <= WalIndex::<&Arena<'_>>::memory_bound(n as usize),
            "frame {n}"
        );
    }
    // Truncating keeps the memory for the next frames.
    let before = index.memory_bytes();
    index.truncate(0);
    assert_eq!(index.memory_bytes(), before);
    // 1000 frames: four blocks of 2,688 bytes.
    assert!(WalIndex::<Global>::memory_bound(1000) < 11 * 1024);
}

#[test]
fn a_budget_gives_the_most_frames_whose_bound_fits() {
    let bound = WalIndex::<Global>::memory_bound;
    let within = WalIndex::<Global>::frames_within;
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
fn a_reserved_index_grows_without_allocating_and_a_refused_push_changes_nothing() {
    let fault = FaultAlloc::new(Global);
    let mut index = WalIndex::new_in(&fault);
    index.try_reserve(100).unwrap();
    fault.arm(FaultPlan::From(1));
    for n in 1..=100 {
        index.try_push(page(n)).unwrap();
    }
    assert_eq!(fault.seen(), 0);
    // Full now: the next push needs memory and is refused.
    let mut n = 101;
    loop {
        match index.try_push(page(n)) {
            Ok(_) => n += 1,
            Err(e) => {
                assert_eq!(e, Error::OutOfMemory);
                break;
            }
        }
    }
    assert_eq!(index.len(), n - 1);
    assert_eq!(index.latest(page(n)), None);
    // Rewriting a known page needs a slot too, and is refused cleanly.
    let frames = index.len();
    let mut refused = false;
    for p in 1..=100 {
        if index.try_push(page(p)).is_err() {
            refused = true;
            assert_eq!(index.len(), frames);
            assert_eq!(index.latest(page(p)), FrameNo::new(p));
            break;
        }
    }
    assert!(refused);
    fault.arm(FaultPlan::Never);
    index.try_push(page(1)).unwrap();
    assert_eq!(index.find(page(1), frames), FrameNo::new(1));
}

#[test]
fn lookups_match_a_scan_of_every_frame_through_pushes_truncations_and_clears() {
    // A naive model: the page of each frame, scanned from the snapshot down.
    let mut model: StdVec<u32> = StdVec::new();
    let mut index = WalIndex::new_in(Global);
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move |below: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % below
    };
    for round in 0..4000 {
        match next(100) {
            // Truncate, sometimes back across a block boundary.
            0..=2 => {
                let keep = next(model.len() as u64 + 1) as u32;
                index.truncate(keep);
                model.truncate(keep as usize);
            }
            3 if round % 7 == 0 => {
                index.clear();
                model.clear();
            }
            _ => {
                // Few distinct pages, so pages repeat within and across blocks.
                let p = next(if round % 2 == 0 { 40 } else { 2000 }) as u32 + 1;
                let frame = index.try_push(page(p)).unwrap();
                model.push(p);
                assert_eq!(frame.get() as usize, model.len());
            }
        }
        assert_eq!(index.len() as usize, model.len());
        for _ in 0..8 {
            let p = next(60) as u32 + 1;
            let snapshot = next(model.len() as u64 + 2) as u32;
            let expected = model
                .iter()
                .take(snapshot as usize)
                .rposition(|&q| q == p)
                .and_then(|at| FrameNo::new(at as u32 + 1));
            assert_eq!(index.find(page(p), snapshot), expected, "round {round}");
        }
    }
}

#[test]
fn a_lookup_repeated_after_frames_are_replaced_sees_the_replacements() {
    //                         frame: 1  2  3
    let mut index = index_of(&[1, 2, 1]);
    assert_eq!(index.find(page(1), 3), frame(3));
    assert_eq!(index.find(page(2), 3), frame(2));
    assert_eq!(index.find(page(4), 3), None);
    // Frames 2 and 3 are dropped and written again with other pages: the
    // same questions have other answers.
    index.truncate(1);
    index.try_push(page(4)).unwrap();
    index.try_push(page(2)).unwrap();
    assert_eq!(index.find(page(1), 3), frame(1));
    assert_eq!(index.find(page(2), 3), frame(3));
    assert_eq!(index.find(page(4), 3), frame(2));
    // The same after the log restarts.
    index.clear();
    assert_eq!(index.find(page(2), 3), None);
    for p in [2, 2, 5] {
        index.try_push(page(p)).unwrap();
    }
    assert_eq!(index.find(page(2), 3), frame(2));
    assert_eq!(index.find(page(1), 3), None);
    // Appending leaves earlier answers right, and later ones see the
    // appended frames.
    assert_eq!(index.find(page(5), 2), None);
    index.try_push(page(5)).unwrap();
    assert_eq!(index.find(page(5), 2), None);
    assert_eq!(index.find(page(5), 4), frame(4));
}
