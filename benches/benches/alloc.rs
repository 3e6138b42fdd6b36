//! The allocation layer: fallible growth against std's infallible growth,
//! and the bounded arena against the global heap. Each group prints the
//! allocations one run makes beside criterion's timings.

// A benchmark that runs out of memory should stop loudly.
#![allow(clippy::expect_used)]
// criterion_group! generates undocumented public functions.
#![allow(missing_docs)]

use std::hint::black_box;

use boundlite_alloc::{Arena, Box, Global, Vec};
use boundlite_benches::{allocations_of, report_allocations};
use criterion::{Criterion, criterion_group, criterion_main};

const ITEMS: u64 = 1000;

fn push(c: &mut Criterion) {
    let mut group = c.benchmark_group("push_1000_u64");
    group.bench_function("boundlite::Vec::try_push", |b| {
        b.iter(|| {
            let mut v = Vec::new_in(Global);
            for i in 0..ITEMS {
                v.try_push(black_box(i)).expect("memory");
            }
            v
        })
    });
    group.bench_function("std::vec::Vec::push", |b| {
        b.iter(|| {
            let mut v = std::vec::Vec::new();
            for i in 0..ITEMS {
                v.push(black_box(i));
            }
            v
        })
    });
    group.finish();
    let (_, stats) = allocations_of(|a| {
        let mut v = Vec::new_in(a);
        for i in 0..ITEMS {
            v.try_push(i).expect("memory");
        }
        v.len()
    });
    report_allocations("push_1000_u64/boundlite", ITEMS, &stats);
}

fn arena(c: &mut Criterion) {
    let mut buffer = std::vec![0u8; 1 << 20];
    let arena = Arena::new(&mut buffer).expect("a 1 MiB arena");
    let mut group = c.benchmark_group("alloc_free_64_bytes");
    group.bench_function("Arena", |b| {
        b.iter(|| Box::try_new_in(black_box([0u8; 64]), &arena).expect("memory"))
    });
    group.bench_function("Global", |b| {
        b.iter(|| Box::try_new_in(black_box([0u8; 64]), Global).expect("memory"))
    });
    group.finish();
    assert_eq!(arena.stats().live_allocations, 0);
}

criterion_group!(benches, push, arena);
criterion_main!(benches);
