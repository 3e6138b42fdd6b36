//! Shared pieces of boundlite's benchmarks: counting the allocations an
//! operation makes, so every timing is reported with its allocation count.

pub mod memory;

use boundlite_alloc::{Counting, CountingStats, Global};

/// Runs `op` once on a fresh counting allocator and returns what it
/// allocated. Benchmarks print this beside their timings: a hot path that
/// should not allocate shows its zero here.
pub fn allocations_of<R>(op: impl FnOnce(&Counting<Global>) -> R) -> (R, CountingStats) {
    let counting = Counting::new(Global);
    let result = op(&counting);
    (result, counting.stats())
}

/// Prints one line of allocation figures for benchmark `name`, with
/// `items` operations in one run (allocations per item = allocations /
/// items).
pub fn report_allocations(name: &str, items: u64, stats: &CountingStats) {
    let per_item = stats.allocations as f64 / items.max(1) as f64;
    println!(
        "allocations {name}: {} allocations + {} reallocations for {items} items \
         ({per_item:.3} allocations per item), peak {} bytes",
        stats.allocations, stats.reallocations, stats.peak_bytes
    );
}

/// What was allocated between two snapshots of one counting allocator.
pub fn allocations_between(before: &CountingStats, after: &CountingStats) -> CountingStats {
    CountingStats {
        allocations: after.allocations - before.allocations,
        deallocations: after.deallocations - before.deallocations,
        reallocations: after.reallocations - before.reallocations,
        failures: after.failures - before.failures,
        total_bytes: after.total_bytes.wrapping_sub(before.total_bytes),
        ..*after
    }
}
