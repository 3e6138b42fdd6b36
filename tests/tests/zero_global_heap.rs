//! Proof that an arena-backed workload makes zero allocations on the global
//! heap: a counting `#[global_allocator]` watches while the workload runs.
//!
//! Its own binary without the test harness, so no other test thread (and no
//! harness bookkeeping) allocates during the measured window.

use std::alloc::System;
use std::hint::black_box;

use boundlite_alloc::{
    Arena, Box, Counting, DeterministicState, Global, HashMap, HashSet, String, TryClone,
    TryCollect, Vec, try_format_in, try_vec,
};
use boundlite_platform::{CrashPlan, FaultPlatform, File, MemoryPlatform, OpenMode, Platform};

#[global_allocator]
static GLOBAL: Counting<System> = Counting::new(System);

/// Exercises every collection inside `arena`.
fn collections(arena: &Arena<'_>) -> Result<usize, boundlite_alloc::OutOfMemory> {
    let mut rows = Vec::new_in(arena);
    let mut index = HashMap::with_hasher_in(DeterministicState, arena);
    let mut seen = HashSet::new_in(arena);
    for id in 0..500u32 {
        let text = try_format_in!(arena, "data_{id}")?;
        index.try_insert(id, rows.len())?;
        seen.try_insert(text.len())?;
        rows.try_push((id, text))?;
    }
    let copy = rows.try_clone()?;
    let ids: Vec<u32, _> = copy.iter().map(|(id, _)| *id).try_collect_in(arena)?;
    let page = Box::try_from_elem_in(0u8, 4096, arena)?;
    let mut name = String::try_from_str_in("bench", arena)?;
    name.try_push_str("_table")?;
    let squares = try_vec![in arena; 0u64; 64]?;
    Ok(black_box(
        ids.len() + page.len() + name.len() + squares.len() + seen.len() + index.len(),
    ))
}

/// Writes, syncs and crashes files on a RAM disk whose bytes, and the fault
/// platform's log of unsynced writes, live in `arena`.
fn files(arena: &Arena<'_>) -> Result<u64, boundlite_platform::PlatformError> {
    let disk = MemoryPlatform::new_in(arena);
    let mut fault = FaultPlatform::new_in(&disk, arena);
    {
        let mut file = (&fault).open("bench.db", OpenMode::Create)?;
        let page = [0x5au8; 1024];
        for n in 0..16u64 {
            file.write_at(n * 1024, &page)?;
            if n % 4 == 3 {
                file.sync()?;
            }
        }
        file.write_at(0, b"unsynced")?;
    }
    fault.power_cut(CrashPlan::Random {
        seed: 7,
        tear: true,
    })?;
    let mut file = (&disk).open("bench.db", OpenMode::ReadWrite)?;
    let mut head = [0u8; 8];
    file.read_exact_at(0, &mut head)?;
    file.size()
}

fn main() {
    let mut buffer = std::vec![0u8; 512 * 1024];
    let arena = Arena::new(&mut buffer).expect("a 512 KiB arena");

    let before = GLOBAL.stats();
    let work = collections(&arena);
    let size = files(&arena);
    let after = GLOBAL.stats();

    let work = work.expect("the workload fits in its arena");
    assert!(work > 0);
    assert_eq!(
        size.expect("the file workload fits in its arena"),
        16 * 1024
    );
    let arena_allocations = arena.stats().total_allocations;
    assert!(
        arena_allocations > 1000,
        "the workload barely ran: {arena_allocations}"
    );
    assert_eq!(
        arena.stats().live_allocations,
        0,
        "the workload leaked in the arena"
    );
    assert_eq!(
        after.allocations - before.allocations,
        0,
        "an arena-backed workload allocated on the global heap"
    );
    assert_eq!(after.reallocations - before.reallocations, 0);

    // The watcher is live: the same kind of work on `Global` is counted.
    let before = GLOBAL.stats();
    let on_heap = Box::try_new_in(7u64, Global).expect("global heap");
    let after = GLOBAL.stats();
    drop(on_heap);
    assert_eq!(
        after.allocations - before.allocations,
        1,
        "the counting allocator saw nothing"
    );

    println!("zero_global_heap: {arena_allocations} arena allocations, 0 on the global heap");
    println!("1 passed, 0 failed");
}
