//! The record sorter and the key order: a prefix never contradicts the
//! whole comparison (the edges of every type's order included), and
//! records come out of a sort in the order of `compare_records` whether
//! they fit, spill into many runs merged in several passes, or are
//! larger than the budget; allocation failures are clean and leave no
//! file.
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)]

extern crate std;

use std::vec::Vec as StdVec;

use boundlite_alloc::{Arena, FaultAlloc, Global, oom_sweep};
use boundlite_platform::MemoryPlatform;

use super::key_order::KeyOrder;
use super::order::RecordOrder;
use super::{Budget, RecordSorter};
use crate::alloc::Vec;
use crate::record::{Collation, KeyColumn, RecordRef, SortOrder, ValueRef, encode_into};
use crate::test_rng::Rng;
use crate::{Error, Result};

/// A value from a pool that crowds the edges of SQLite's order.
fn value(rng: &mut Rng) -> ValueRef<'static> {
    const TEXTS: [&str; 8] = ["", "a", "A", "a ", "ab", "aB  ", "abcdefghij", "abcdefghiJ"];
    const BLOBS: [&[u8]; 4] = [b"", b"\x00", b"\x00\x00", b"abcdefghi"];
    match rng.below(12) {
        0 => ValueRef::Null,
        1 => ValueRef::Integer(rng.below(7) as i64 - 3),
        2 => ValueRef::Integer((1 << 53) + rng.below(5) as i64 - 2),
        3 => ValueRef::Integer([i64::MIN, i64::MAX, -(1 << 53) - 1][rng.below(3) as usize]),
        4 => ValueRef::Real([0.0, -0.0, 0.5, -0.5, 1e300, -1e300][rng.below(6) as usize]),
        5 => ValueRef::Real(9_007_199_254_740_992.0 + 2.0 * (rng.below(3) as f64 - 1.0)),
        6 => ValueRef::Real(f64::NAN),
        7 => ValueRef::Real(
            [f64::INFINITY, f64::NEG_INFINITY, 9.223_372_036_854_776e18][rng.below(3) as usize],
        ),
        8 | 9 => ValueRef::text(TEXTS[rng.below(8) as usize]),
        _ => ValueRef::Blob(BLOBS[rng.below(4) as usize]),
    }
}

const COLUMNS: [[KeyColumn; 1]; 6] = [
    [KeyColumn::ASC_BINARY],
    [KeyColumn {
        order: SortOrder::Desc,
        collation: Collation::Binary,
    }],
    [KeyColumn {
        order: SortOrder::Asc,
        collation: Collation::NoCase,
    }],
    [KeyColumn {
        order: SortOrder::Desc,
        collation: Collation::NoCase,
    }],
    [KeyColumn {
        order: SortOrder::Asc,
        collation: Collation::RTrim,
    }],
    [KeyColumn {
        order: SortOrder::Desc,
        collation: Collation::RTrim,
    }],
];

/// A key of one value and a rowid, encoded.
fn key(rng: &mut Rng, rowid: i64) -> StdVec<u8> {
    let mut out: Vec<u8> = Vec::new();
    encode_into(&[value(rng), ValueRef::Integer(rowid)], &mut out).unwrap();
    out.as_slice().to_vec()
}

#[test]
fn a_smaller_prefix_always_means_a_smaller_key() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for columns in &COLUMNS {
        let order = KeyOrder::new(columns);
        for _ in 0..20_000 {
            let (a, b) = (key(&mut rng, 1), key(&mut rng, 1));
            let (pa, pb) = (order.prefix(&a).unwrap(), order.prefix(&b).unwrap());
            let whole = order.compare(&a, &b).unwrap();
            if pa != pb {
                assert_eq!(
                    pa.cmp(&pb),
                    whole,
                    "{columns:?}: {:?} vs {:?}",
                    RecordRef::parse(&a, None).unwrap().column(0),
                    RecordRef::parse(&b, None).unwrap().column(0)
                );
            }
        }
    }
}

/// Sorts `keys` through a sorter with `budget` bytes, returns them in
/// the order it gave.
fn sorted(keys: &[StdVec<u8>], columns: &[KeyColumn], budget: usize) -> Result<StdVec<StdVec<u8>>> {
    let disk = MemoryPlatform::new();
    let budget = Budget {
        bytes: budget,
        page: 512,
    };
    let platform = &disk;
    let mut sorter = RecordSorter::new(&platform, KeyOrder::new(columns), budget, Global);
    for key in keys {
        sorter.push(key)?;
    }
    let mut out = StdVec::new();
    let mut records = sorter.finish()?;
    while let Some(record) = records.next()? {
        out.push(record.to_vec());
    }
    drop(records);
    assert_eq!(
        disk.file_count().unwrap(),
        0,
        "a temporary file outlived its sort"
    );
    Ok(out)
}

#[test]
fn keys_come_out_in_key_order_in_memory_spilled_and_past_the_budget() {
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    for columns in &COLUMNS {
        let mut keys: StdVec<StdVec<u8>> = (0..3_000).map(|i| key(&mut rng, i)).collect();
        // Keys larger than the budget, sorted alone.
        for i in 0..3 {
            let mut big: Vec<u8> = Vec::new();
            let text = "k".repeat(3_000 + i * 700);
            encode_into(
                &[ValueRef::text(&text), ValueRef::Integer(10_000 + i as i64)],
                &mut big,
            )
            .unwrap();
            keys.push(big.as_slice().to_vec());
        }
        let order = KeyOrder::new(columns);
        let mut expected = keys.clone();
        expected.sort_by(|a, b| order.compare(a, b).unwrap());
        // Memory only; a few runs in one merge; dozens of runs and passes.
        for budget in [1 << 20, 40 * 1024, 1536] {
            let got = sorted(&keys, columns, budget).unwrap();
            assert!(got == expected, "{columns:?} in {budget} bytes");
        }
    }
}

#[test]
fn every_allocation_failure_while_sorting_keys_is_clean() {
    let mut rng = Rng(0xdead_beef_cafe_f00d);
    let keys: StdVec<StdVec<u8>> = (0..400).map(|i| key(&mut rng, i)).collect();
    let columns = &COLUMNS[3];
    let want = sorted(&keys, columns, 1 << 20).unwrap();
    let mut buffer = std::vec![0u8; 256 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    let disk = MemoryPlatform::new();
    let platform = &disk;
    for persistent in [true, false] {
        let report = oom_sweep(
            &fault,
            persistent,
            |fault| {
                let budget = Budget {
                    bytes: 1536,
                    page: 512,
                };
                let mut sorter =
                    RecordSorter::new(&platform, KeyOrder::new(columns), budget, fault);
                for key in &keys {
                    sorter.push(key)?;
                }
                let mut out = StdVec::new();
                let mut records = sorter.finish()?;
                while let Some(record) = records.next()? {
                    out.push(record.to_vec());
                }
                Ok::<_, Error>(out)
            },
            |n, e| {
                assert_eq!(e, Error::OutOfMemory, "failure {n}");
                assert_eq!(disk.file_count().unwrap(), 0, "failure {n} left a file");
            },
        )
        .unwrap();
        assert!(report.value == want);
        assert!(
            report.failure_points > 20,
            "{} points",
            report.failure_points
        );
        assert_eq!(arena.stats().live_allocations, 0);
    }
}
