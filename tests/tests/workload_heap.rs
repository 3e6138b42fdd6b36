//! `Config::heap_bytes` is enough: each script of
//! `boundlite_tests::workloads` (the memory benchmark's six workloads,
//! seeding [`ROWS`] rows, and a schema-heavy script) runs without an error
//! in a talc arena of exactly `heap_bytes(4096)` bytes, for the default
//! configuration, `Config::for_heap(256 KiB)` and a 16-frame cache that
//! grows on every miss; the tables outgrow each cache, and each ends with
//! the rows SQLite has after the same script. And `Config::for_heap(h)`
//! needs no more than `h` from `Config::MIN_HEAP_BYTES` up.
//!
//! Each run prints the arena's peak beside `heap_bytes` (`--nocapture`).
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::Arena;
use boundlite::platform::MemoryPlatform;
use boundlite::{CacheGrowth, Config, Database};
use boundlite_tests::workloads::{check_recovered, model, run, scripts};

/// Rows the workloads seed: about 90 pages of 4 KiB, which the bulk
/// workload's doubling transaction makes 180 dirty, more than the default
/// cache's 128 frames.
const ROWS: i64 = 12_000;

const DB: &str = "heap.db";

fn configs() -> [(&'static str, Config); 3] {
    [
        ("Config::DEFAULT", Config::DEFAULT),
        ("Config::for_heap(256 KiB)", Config::for_heap(256 * 1024)),
        (
            "16 frames, growing on every miss",
            Config {
                cache_frames: 16,
                cache_growth: CacheGrowth::OnMiss,
                sort_memory: 16 * 1024,
                wal_index_budget: 8 * 1024,
                ..Config::DEFAULT
            },
        ),
    ]
}

#[test]
fn every_workload_runs_in_a_heap_of_heap_bytes() {
    let scripts = scripts(ROWS);
    let models: Vec<_> = scripts.iter().map(model).collect();
    for (name, config) in configs() {
        let heap = config.heap_bytes(4096);
        let mut buffer = vec![0u8; heap];
        let arena = Arena::new(&mut buffer).unwrap();
        for (script, model) in scripts.iter().zip(&models) {
            let context = format!("{} in {name} ({heap} bytes)", script.name);
            arena.reset_peak();
            {
                let disk = MemoryPlatform::new();
                let db = Database::open(&disk, DB, &config, &arena)
                    .unwrap_or_else(|e| panic!("{context}: opening: {e}"));
                let conn = db.connect();
                if let Err(stop) = run(&conn, script) {
                    panic!("{context}: {} failed: {}", stop.sql, stop.error);
                }
                check_recovered(&conn, model, None, &context);
            }
            eprintln!(
                "workload_heap {context}: peak {}",
                arena.stats().peak_in_use
            );
            assert_eq!(arena.stats().live_allocations, 0, "{context}: leaked");
        }
    }
}

#[test]
fn for_heap_fits_its_heap_from_min_heap_bytes_up() {
    let fits = |h: usize| Config::for_heap(h).heap_bytes(4096) <= h;
    assert!(!fits(Config::MIN_HEAP_BYTES - 1024));
    let mut h = Config::MIN_HEAP_BYTES;
    while h <= 64 << 20 {
        assert!(
            fits(h),
            "for_heap({h}) needs {}",
            Config::for_heap(h).heap_bytes(4096)
        );
        h += if h < 4 << 20 { 256 } else { 64 * 1024 };
    }
}
