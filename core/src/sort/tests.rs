//! The sorter alone: the same order in memory and spilled (many runs,
//! several merge passes, records longer than a page), no file for a sort
//! that fits, the bounded heap, and failures (out of memory, I/O errors
//! on the temporary files, a platform without them) that leave nothing.
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)]

extern crate std;

use boundlite_alloc::{Arena, FaultAlloc, Global, oom_sweep};
use boundlite_platform::{
    FaultPlatform, FaultTarget, IoFault, MemoryPlatform, OpenMode, Platform, PlatformError,
};

use super::order::compare_rows;
use super::{Budget, Nulls, Offer, Row, SortKey, Sorter, Top};
use crate::alloc::{Allocator, Vec};
use crate::record::{Collation, SortOrder, ValueRef};
use crate::sql::eval::Value;
use crate::test_rng::Rng;
use crate::{Error, Result};

/// Row `i`: a mixed-type key, a text key, the sequence number, and a
/// payload of `payload` bytes.
fn row<A: Allocator + Clone>(rng: &mut Rng, i: i64, payload: usize, alloc: A) -> Result<Row<A>> {
    let mut row = Vec::try_with_capacity_in(4, alloc.clone())?;
    let r = rng.next();
    let first = match r % 5 {
        0 => Value::Null,
        1 => Value::Integer((r >> 8) as i64 % 50),
        2 => Value::Real(((r >> 8) % 50) as f64 + 0.5),
        3 => Value::try_from_ref(
            ValueRef::text(["a", "B", "c", "b "][(r >> 8) as usize % 4]),
            alloc.clone(),
        )?,
        _ => Value::try_from_ref(ValueRef::Blob(&[(r >> 8) as u8 % 3]), alloc.clone())?,
    };
    row.try_push(first)?;
    let text = ["x", "X", "y", "Y ", "z"][(r >> 20) as usize % 5];
    row.try_push(Value::try_from_ref(ValueRef::text(text), alloc.clone())?)?;
    row.try_push(Value::Integer(i))?;
    let mut bytes = Vec::try_with_capacity_in(payload, alloc.clone())?;
    bytes.try_resize(payload, (i % 251) as u8)?;
    row.try_push(Value::Blob(bytes))?;
    Ok(row)
}

/// Mixed type DESC with NULLs first, then NOCASE ascending, then the
/// sequence number.
fn keys<A: Allocator>(alloc: A) -> Vec<SortKey, A> {
    let mut keys = Vec::new_in(alloc);
    let first = SortKey {
        column: 0,
        order: SortOrder::Desc,
        collation: Collation::Binary,
        nulls: Nulls::First,
    };
    for key in [
        first,
        SortKey::ascending(1, Collation::NoCase),
        SortKey::ascending(2, Collation::Binary),
    ] {
        keys.try_push(key).unwrap();
    }
    keys
}

/// The sequence numbers of `rows` rows sorted by `sorter` (in a budget),
/// checked against a plain in-memory sort of the same rows.
fn sort_and_check<P: Platform>(
    platform: &P,
    rows: i64,
    payload: usize,
    budget: Budget,
) -> Result<()> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut sorter = Sorter::new(platform, keys(Global), budget, Global);
    let mut expected = Vec::new_in(Global);
    for i in 0..rows {
        sorter.push(row(&mut rng, i, payload, Global)?)?;
    }
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for i in 0..rows {
        expected.try_push(row(&mut rng, i, payload, Global)?)?;
    }
    let keys = keys(Global);
    expected.sort_unstable_by(|a, b| compare_rows(&keys, a, b));
    let mut sorted = sorter.finish()?;
    let mut n = 0;
    while sorted.advance()? {
        let current = sorted.current()?;
        let want = expected.get(n).expect("no more rows than pushed");
        assert_eq!(current.width(), want.len());
        for (i, value) in want.iter().enumerate() {
            assert_eq!(current.column(i)?, value.as_ref(), "row {n} column {i}");
        }
        n += 1;
    }
    assert_eq!(n, expected.len());
    Ok(())
}

#[test]
fn a_sort_that_fits_touches_no_file() {
    let disk = MemoryPlatform::new();
    let fault = FaultPlatform::new(&disk);
    sort_and_check(
        &&fault,
        500,
        8,
        Budget {
            bytes: 1 << 20,
            page: 4096,
        },
    )
    .unwrap();
    let counts = fault.counts();
    assert_eq!((counts.temp_writes, counts.temp_reads), (0, 0));
}

#[test]
fn a_spilled_sort_gives_the_order_of_a_sort_in_memory() {
    let disk = MemoryPlatform::new();
    let fault = FaultPlatform::new(&disk);
    // About 40 rows a run and 16 runs a merge: one merge, no pass.
    sort_and_check(
        &&fault,
        600,
        40,
        Budget {
            bytes: 8 * 1024,
            page: 512,
        },
    )
    .unwrap();
    assert!(fault.counts().temp_writes > 0);
    assert_eq!(disk.used_bytes().unwrap(), 0, "the runs went with the sort");
}

#[test]
fn many_runs_merge_in_several_passes() {
    let disk = MemoryPlatform::new();
    let fault = FaultPlatform::new(&disk);
    // A budget of three pages merges two runs at a time: some 100 runs
    // take several passes.
    sort_and_check(
        &&fault,
        2000,
        16,
        Budget {
            bytes: 3 * 512,
            page: 512,
        },
    )
    .unwrap();
    let budget = Budget {
        bytes: 3 * 512,
        page: 512,
    };
    assert_eq!(budget.fan_in(), 2);
    assert!(fault.counts().temp_writes > 200);
}

/// The most the sorter holds while `rows` rows go through a budget of
/// three small pages (one run every few rows), checking the order after.
fn peak_of_many_runs(rows: i64) -> usize {
    let disk = MemoryPlatform::new();
    let platform = &disk;
    let mut buffer = std::vec![0u8; 1 << 20];
    let arena = Arena::new(&mut buffer).unwrap();
    let budget = Budget {
        bytes: 3 * 512,
        page: 512,
    };
    let mut rng = Rng(7);
    let mut sorter = Sorter::new(&platform, keys(&arena), budget, &arena);
    for i in 0..rows {
        sorter.push(row(&mut rng, i, 16, &arena).unwrap()).unwrap();
    }
    let peak = arena.stats().peak_in_use;
    let keys = keys(Global);
    let mut sorted = sorter.finish().unwrap();
    let mut previous: Option<std::vec::Vec<Value<Global>>> = None;
    let mut n = 0;
    while sorted.advance().unwrap() {
        let current = sorted.current().unwrap();
        let mut row = Vec::new_in(Global);
        for i in 0..current.width() {
            row.try_push(Value::try_from_ref(current.column(i).unwrap(), Global).unwrap())
                .unwrap();
        }
        let row: std::vec::Vec<_> = row.into_iter().collect();
        if let Some(before) = &previous {
            assert!(
                compare_rows(&keys, before, &row).is_le(),
                "row {n} out of order"
            );
        }
        previous = Some(row);
        n += 1;
    }
    assert_eq!(n, rows as usize);
    peak
}

#[test]
fn the_list_of_runs_stays_short_however_many_runs_are_written() {
    // About 1 run per 10 rows: 100 runs, then 1,600.
    let few = peak_of_many_runs(1_000);
    let many = peak_of_many_runs(16_000);
    assert!(
        many < few + 1024,
        "{few} bytes for 100 runs, {many} for 1,600"
    );
}

#[test]
fn rows_longer_than_a_page_go_through_the_runs() {
    let disk = MemoryPlatform::new();
    sort_and_check(
        &&disk,
        60,
        3000,
        Budget {
            bytes: 16 * 1024,
            page: 512,
        },
    )
    .unwrap();
}

#[test]
fn the_heap_keeps_the_first_rows_and_hands_back_what_does_not_fit() {
    let keys = keys(Global);
    let mut rng = Rng(7);
    let mut top = Top::new_in(10, 1 << 20, Global);
    let mut all = Vec::new_in(Global);
    for i in 0..300 {
        let mut copy = Rng(rng.0);
        all.try_push(row(&mut copy, i, 4, Global).unwrap()).unwrap();
        assert!(matches!(
            top.offer(row(&mut rng, i, 4, Global).unwrap(), &keys)
                .unwrap(),
            Offer::Taken
        ));
    }
    all.sort_unstable_by(|a, b| compare_rows(&keys, a, b));
    let best = top.into_sorted(&keys);
    assert_eq!(best.len(), 10);
    for (got, want) in best.iter().zip(all.iter()) {
        assert!(compare_rows(&keys, got, want).is_eq());
    }
    // Ten rows of 2 KiB do not fit in 4 KiB: the row is handed back.
    let mut small = Top::new_in(10, 4096, Global);
    let mut rng = Rng(7);
    let mut full = 0;
    for i in 0..10 {
        if let Offer::Full(_) = small
            .offer(row(&mut rng, i, 2048, Global).unwrap(), &keys)
            .unwrap()
        {
            full += 1;
        }
    }
    assert!(full > 0);
    assert!(small.into_rows().len() < 10);
}

/// A platform with no temporary files (the trait's default).
#[derive(Clone)]
struct NoTemp<'d>(&'d MemoryPlatform);

impl<'d> Platform for NoTemp<'d> {
    type File = <&'d MemoryPlatform as Platform>::File;

    fn open(&self, path: &str, mode: OpenMode) -> core::result::Result<Self::File, PlatformError> {
        self.0.open(path, mode)
    }

    fn delete(&self, path: &str) -> core::result::Result<(), PlatformError> {
        self.0.delete(path)
    }

    fn exists(&self, path: &str) -> core::result::Result<bool, PlatformError> {
        self.0.exists(path)
    }
}

#[test]
fn without_temporary_files_only_a_sort_that_fits_runs() {
    let disk = MemoryPlatform::new();
    let platform = NoTemp(&disk);
    sort_and_check(
        &platform,
        100,
        8,
        Budget {
            bytes: 1 << 20,
            page: 4096,
        },
    )
    .unwrap();
    let err = sort_and_check(
        &platform,
        1000,
        8,
        Budget {
            bytes: 4096,
            page: 512,
        },
    )
    .unwrap_err();
    assert!(
        matches!(err, Error::Sql(m) if m.contains("temporary files")),
        "{err}"
    );
}

#[test]
fn io_errors_on_the_runs_are_clean_errors() {
    let disk = MemoryPlatform::new();
    let fault = FaultPlatform::new(&disk);
    let budget = Budget {
        bytes: 3 * 512,
        page: 512,
    };
    sort_and_check(&&fault, 400, 16, budget).unwrap();
    let (writes, reads) = (fault.counts().temp_writes, fault.counts().temp_reads);
    for (target, n) in [
        (FaultTarget::TempWrite, 1),
        (FaultTarget::TempWrite, writes / 2),
        (FaultTarget::TempWrite, writes),
        (FaultTarget::TempRead, 1),
        (FaultTarget::TempRead, reads / 2),
        (FaultTarget::TempRead, reads),
        (FaultTarget::DiskFull, writes / 3),
    ] {
        fault.arm(IoFault::Once { target, n });
        let err = sort_and_check(&&fault, 400, 16, budget).unwrap_err();
        match target {
            FaultTarget::DiskFull => assert_eq!(err, Error::Full),
            _ => assert!(matches!(err, Error::Io(_)), "{target:?} {n}: {err}"),
        }
        assert_eq!(disk.used_bytes().unwrap(), 0, "a failed sort left its runs");
    }
}

#[test]
fn every_allocation_failure_while_spilling_and_merging_is_clean() {
    let mut heap = std::vec![0u8; 1 << 20];
    let arena = Arena::new(&mut heap).unwrap();
    let fault = FaultAlloc::new(&arena);
    let budget = Budget {
        bytes: 3 * 256,
        page: 256,
    };
    for persistent in [true, false] {
        let report = oom_sweep(
            &fault,
            persistent,
            |alloc| {
                let disk = MemoryPlatform::new_in(alloc);
                let platform = &disk;
                let mut rng = Rng(3);
                let mut sorter = Sorter::new(&platform, keys_in(alloc)?, budget, alloc);
                for i in 0..120 {
                    sorter.push(row(&mut rng, i, 24, alloc)?)?;
                }
                let mut sorted = sorter.finish()?;
                let mut n = 0usize;
                let mut last = None;
                while sorted.advance()? {
                    // Among rows of equal keys, input order: the sequence
                    // numbers of the NULL-keyed rows, which come first,
                    // only grow.
                    let current = sorted.current()?;
                    let seq = current.column(2)?.as_integer();
                    if current.column(0)?.is_null() && current.column(1)? == ValueRef::text("x") {
                        assert!(last < seq, "{last:?} then {seq:?}");
                        last = seq;
                    }
                    n += 1;
                }
                Ok::<usize, Error>(n)
            },
            |n, err| {
                assert_eq!(err, Error::OutOfMemory, "failure {n}");
                assert_eq!(arena.stats().live_allocations, 0, "failure {n} leaked");
            },
        )
        .unwrap();
        assert_eq!(report.value, 120);
        assert!(report.failure_points > 50, "{}", report.failure_points);
    }
}

fn keys_in<A: Allocator>(alloc: A) -> Result<Vec<SortKey, A>> {
    let mut k = Vec::new_in(alloc);
    for key in keys(Global).iter() {
        k.try_push(*key)?;
    }
    Ok(k)
}

/// Rowids pushed in a scrambled order, read back as pushed or ascending,
/// from memory and from runs merged in passes.
#[test]
fn rowid_lists_spill_and_come_back_in_their_order() {
    use super::{RowIds, RowOrder};
    use crate::RowId;
    let disk = MemoryPlatform::new();
    let fault = FaultPlatform::new(&disk);
    let platform = &fault;
    let ids: std::vec::Vec<i64> = (0..3000).map(|i| (i * 7919) % 3001 - 1500).collect();
    for (budget, spills) in [
        (
            Budget {
                bytes: 1 << 20,
                page: 512,
            },
            false,
        ),
        (
            Budget {
                bytes: 3 * 512,
                page: 512,
            },
            true,
        ),
    ] {
        for order in [RowOrder::Visited, RowOrder::Ascending] {
            fault.arm(IoFault::Never);
            let mut list = RowIds::new(&platform, budget, order, Vec::new_in(Global));
            for id in ids.iter() {
                list.push(RowId::new(*id)).unwrap();
            }
            let mut stream = list.finish().unwrap();
            let mut got = std::vec::Vec::new();
            while let Some(rowid) = stream.next().unwrap() {
                got.push(rowid.get());
            }
            let mut want = ids.clone();
            if order == RowOrder::Ascending {
                want.sort_unstable();
            }
            assert_eq!(got, want, "{order:?} {budget:?}");
            assert_eq!(
                fault.counts().temp_writes > 0,
                spills,
                "{order:?} {budget:?}"
            );
            drop(stream);
            assert_eq!(disk.used_bytes().unwrap(), 0);
        }
    }
}
