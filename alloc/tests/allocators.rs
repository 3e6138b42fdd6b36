//! The allocators themselves: the arena's bounds and statistics, the
//! counting wrapper's arithmetic, the fault plans and the sweep driver.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
// Helpers outside `#[test]` functions may fail loudly too: this is test code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::alloc::System;

use boundlite_alloc::{
    Allocator, Arena, Box, Counting, FaultAlloc, FaultPlan, Global, Layout, OutOfMemory, SyncArena,
    Vec, oom_sweep,
};

#[test]
fn arena_refuses_past_its_buffer_and_keeps_working() {
    let mut buffer = std::vec![0u8; 16 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let mut blocks = std::vec::Vec::new();
    while let Ok(b) = Box::try_from_elem_in(0xabu8, 1000, &arena) {
        blocks.push(b);
    }
    assert!(
        (10..16).contains(&blocks.len()),
        "{} blocks of 1000 in 16 KiB",
        blocks.len()
    );
    let stats = arena.stats();
    assert_eq!(stats.failed_allocations, 1);
    assert_eq!(stats.live_allocations, blocks.len());
    assert_eq!(stats.in_use, 1000 * blocks.len());
    assert!(stats.peak_in_use >= stats.in_use && stats.in_use <= stats.capacity);
    // Freeing makes room again: an exhausted arena is an ordinary state.
    blocks.pop();
    assert!(Box::try_from_elem_in(1u8, 1000, &arena).is_ok());
    drop(blocks);
    assert_eq!(arena.stats().live_allocations, 0);
    assert_eq!(arena.stats().in_use, 0);
}

#[test]
fn arena_peak_resets_to_current_use() {
    let mut buffer = std::vec![0u8; 16 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let keep = Box::try_from_elem_in(0u8, 100, &arena).unwrap();
    drop(Box::try_from_elem_in(0u8, 5000, &arena).unwrap());
    assert_eq!(arena.stats().peak_in_use, 5100);
    arena.reset_peak();
    assert_eq!(arena.stats().peak_in_use, 100);
    drop(keep);
}

#[test]
fn arena_rejects_a_buffer_too_small_for_its_metadata() {
    let mut small = std::vec![0u8; Arena::MIN_BUFFER - 1];
    assert_eq!(Arena::new(&mut small).map(drop), Err(OutOfMemory));
    let mut enough = std::vec![0u8; Arena::MIN_BUFFER + 256];
    assert!(Arena::new(&mut enough).is_ok());
}

#[test]
fn arena_honours_alignment_and_preserves_contents_across_realloc() {
    let mut buffer = std::vec![0u8; 64 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    for align in [1usize, 8, 64, 512, 4096] {
        let layout = Layout::from_size_align(24, align).unwrap();
        let block = arena.allocate(layout).unwrap();
        assert_eq!(
            block.cast::<u8>().as_ptr() as usize % align,
            0,
            "align {align}"
        );
        // SAFETY: allocated just above with `layout`.
        unsafe { arena.deallocate(block.cast(), layout) };
    }
    // Growth by pushes moves or extends the block; the bytes must follow.
    let mut v = Vec::new_in(&arena);
    for i in 0..5000u32 {
        v.try_push(i).unwrap();
    }
    assert!(v.iter().enumerate().all(|(i, x)| *x == i as u32));
    let boxed = v.try_into_boxed_slice().unwrap();
    assert_eq!(boxed.len(), 5000);
    assert_eq!(boxed[4999], 4999);
    drop(boxed);
    // Zero-size requests need no memory and must not count as live.
    let zst = arena.allocate(Layout::new::<()>()).unwrap();
    assert_eq!(arena.stats().live_allocations, 0);
    // SAFETY: allocated just above.
    unsafe { arena.deallocate(zst.cast(), Layout::new::<()>()) };
}

#[test]
fn sync_arena_serves_threads() {
    let mut buffer = std::vec![0u8; 256 * 1024];
    let arena: SyncArena<'_> = SyncArena::new(&mut buffer).unwrap();
    std::thread::scope(|scope| {
        for t in 0..4u32 {
            let arena = &arena;
            scope.spawn(move || {
                for round in 0..200u32 {
                    let mut v = Vec::new_in(arena);
                    v.try_extend_from_slice(&[t; 32]).unwrap();
                    v.try_push(round).unwrap();
                    assert!(v[..32].iter().all(|x| *x == t));
                }
            });
        }
    });
    let stats = arena.stats();
    assert_eq!(stats.live_allocations, 0);
    assert!(stats.total_allocations >= 4 * 200);
}

#[test]
fn counting_tracks_allocations_frees_and_peak() {
    let counting = Counting::new(Global);
    let mut v = Vec::new_in(&counting);
    v.try_reserve_exact(10).unwrap();
    v.try_extend_from_slice(&[1u64; 10]).unwrap();
    v.try_reserve_exact(30).unwrap(); // a grow: 80 → 320 bytes
    let stats = counting.stats();
    assert_eq!(stats.allocations, 1);
    assert_eq!(stats.reallocations, 1);
    assert_eq!(stats.live_bytes, 320);
    assert_eq!(stats.total_bytes, 320);
    assert_eq!(stats.live_allocations(), 1);
    drop(v);
    let stats = counting.stats();
    assert_eq!(
        (stats.deallocations, stats.live_bytes, stats.peak_bytes),
        (1, 0, 320)
    );
    counting.reset_peak();
    assert_eq!(counting.stats().peak_bytes, 0);
}

#[test]
fn counting_reports_failures_of_the_inner_allocator() {
    let mut buffer = std::vec![0u8; 4096];
    let arena = Arena::new(&mut buffer).unwrap();
    let counting = Counting::new(&arena);
    assert!(Vec::<u8, _>::try_with_capacity_in(1 << 20, &counting).is_err());
    assert_eq!(counting.stats().failures, 1);
    assert_eq!(counting.stats().allocations, 0);
    // It also wraps a GlobalAlloc, as a #[global_allocator] would.
    let global = Counting::new(System);
    // SAFETY: a plain allocate/free pair with one layout.
    unsafe {
        use std::alloc::GlobalAlloc;
        let layout = Layout::new::<[u8; 64]>();
        let p = global.alloc(layout);
        assert!(!p.is_null());
        global.dealloc(p, layout);
    }
    assert_eq!(global.stats().allocations, 1);
    assert_eq!(global.stats().deallocations, 1);
}

#[test]
fn fault_plans_fail_the_attempts_they_name() {
    let fault = FaultAlloc::new(Global);
    let outcomes = |plan: FaultPlan| {
        fault.arm(plan);
        let r: std::vec::Vec<bool> = (0..8)
            .map(|_| Box::try_new_in(0u64, &fault).is_ok())
            .collect();
        (r, fault.seen(), fault.failed())
    };
    let (once, seen, failed) = outcomes(FaultPlan::Once(3));
    assert_eq!(once, [true, true, false, true, true, true, true, true]);
    assert_eq!((seen, failed), (8, 1));
    let (from, _, failed) = outcomes(FaultPlan::From(6));
    assert_eq!(from, [true, true, true, true, true, false, false, false]);
    assert_eq!(failed, 3);
    let (never, _, failed) = outcomes(FaultPlan::Never);
    assert!(never.iter().all(|ok| *ok) && failed == 0);

    // A seeded plan fails the same attempts every time.
    let random = FaultPlan::Random {
        seed: 42,
        per_million: 300_000,
    };
    fault.arm(random);
    let first: std::vec::Vec<bool> = (0..200)
        .map(|_| Box::try_new_in(0u8, &fault).is_ok())
        .collect();
    fault.arm(random);
    let second: std::vec::Vec<bool> = (0..200)
        .map(|_| Box::try_new_in(0u8, &fault).is_ok())
        .collect();
    assert_eq!(first, second);
    let failures = first.iter().filter(|ok| !**ok).count();
    assert!(
        (30..100).contains(&failures),
        "{failures} of 200 failed at 30%"
    );

    // Paused injection neither fails nor counts.
    fault.arm(FaultPlan::From(1));
    assert!(fault.unfaulted(|| Box::try_new_in(1u8, &fault).is_ok()));
    assert_eq!(fault.seen(), 0);
    assert!(Box::try_new_in(1u8, &fault).is_err());
}

#[test]
fn sweep_visits_every_allocation_and_reports_real_errors() {
    let fault = FaultAlloc::new(Global);
    let mut failed_at = std::vec::Vec::new();
    let report = oom_sweep(
        &fault,
        false,
        |f| {
            let a = Box::try_new_in(1u8, f)?;
            let b = Box::try_new_in(2u8, f)?;
            let c = Box::try_new_in(3u8, f)?;
            Ok::<u8, OutOfMemory>(*a + *b + *c)
        },
        |n, e| {
            assert_eq!(e, OutOfMemory);
            failed_at.push(n);
        },
    )
    .unwrap();
    assert_eq!(report.value, 6);
    assert_eq!(
        (report.failure_points, report.errors, report.allocations),
        (3, 3, 3)
    );
    assert_eq!(failed_at, [1, 2, 3]);

    // An operation that recovers from a transient failure by retrying is
    // not an error, but the sweep still visits the point.
    let report = oom_sweep(
        &fault,
        false,
        |f| {
            Box::try_new_in(1u8, f)
                .or_else(|_| Box::try_new_in(1u8, f))
                .map(|b| *b)
        },
        |_, _: OutOfMemory| panic!("the retry should have recovered"),
    )
    .unwrap();
    assert_eq!((report.failure_points, report.errors), (1, 0));

    // Under persistent failure the retry fails too.
    let report = oom_sweep(
        &fault,
        true,
        |f| {
            Box::try_new_in(1u8, f)
                .or_else(|_| Box::try_new_in(1u8, f))
                .map(|b| *b)
        },
        |_, _| {},
    )
    .unwrap();
    assert_eq!((report.failure_points, report.errors), (1, 1));

    // A failure that no injection caused is the sweep's error.
    let real = oom_sweep(&fault, false, |_| Err::<(), &str>("broken"), |_, _| {});
    assert_eq!(real.unwrap_err(), "broken");
}

#[test]
fn reserve_falls_back_to_the_exact_size_when_doubling_does_not_fit() {
    let mut buffer = std::vec![0u8; Arena::MIN_BUFFER + 6 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let mut v: Vec<u8, _> = Vec::try_with_capacity_in(4000, &arena).unwrap();
    v.try_resize(4000, 1).unwrap();
    // Doubling to 8000 bytes cannot fit beside the talc headers; 4100 can.
    v.try_reserve(100).unwrap();
    assert!(
        v.capacity() >= 4100 && v.capacity() < 8000,
        "capacity {}",
        v.capacity()
    );
    assert!(
        arena.stats().failed_allocations >= 1,
        "the doubled request was never refused"
    );
    // Beyond the exact size it is an error, and the vector is untouched.
    assert_eq!(v.try_reserve(20_000), Err(OutOfMemory));
    assert_eq!(v.len(), 4000);
    v.release();
    assert_eq!((v.len(), v.capacity()), (0, 0));
    assert_eq!(arena.stats().live_allocations, 0);
}

#[test]
fn extending_from_a_slice_copies_it_after_what_is_there() {
    let mut v: Vec<u16, Global> = Vec::new_in(Global);
    v.try_extend_from_slice(&[]).unwrap();
    assert!(v.is_empty());
    let mut expected = std::vec::Vec::new();
    for n in 0..40u16 {
        let items: std::vec::Vec<u16> = (0..n).map(|i| i * 3 + n).collect();
        v.try_extend_from_slice(&items).unwrap();
        expected.extend_from_slice(&items);
        assert_eq!(v.as_slice(), expected.as_slice());
    }
    // Into spare capacity, then exactly to it.
    v.clear();
    v.try_reserve_exact(8).unwrap();
    let room = v.capacity();
    v.try_extend_from_slice(&[1, 2]).unwrap();
    let rest = std::vec![9; room - 2];
    v.try_extend_from_slice(&rest).unwrap();
    assert_eq!((v.len(), v.capacity()), (room, room));
    assert_eq!(v.as_slice()[..3], [1, 2, 9]);
}
