//! Every growth path of every collection, under an injected failure at each
//! allocation it makes (transient and persistent): the call returns
//! `OutOfMemory`, the collection is exactly as it was, and nothing leaks.
// std's collections are the oracle here, so the no_std bans do not apply.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
// Helpers outside `#[test]` functions may fail loudly too: this is test code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::Debug;

use boundlite_alloc::{
    Arena, Box, DeterministicState, FaultAlloc, HashMap, HashSet, OutOfMemory, String, TryClone,
    TryCollect, Vec, oom_sweep, try_format_in, try_vec,
};

type Fault<'a> = FaultAlloc<&'a Arena<'a>>;

/// Runs `op` on a fresh `setup()` value under every injected failure, both
/// transient and persistent. Checks each failed run left the snapshot
/// unchanged and leaked nothing; returns how many failure points there were.
fn assert_atomic<'a, C, S>(
    arena: &'a Arena<'a>,
    fault: &'a Fault<'a>,
    setup: impl Fn() -> C,
    snapshot: impl Fn(&C) -> S,
    op: impl Fn(&mut C) -> Result<(), OutOfMemory>,
) -> usize
where
    S: PartialEq + Debug,
{
    let baseline = arena.stats().live_allocations;
    let mut points = 0;
    for persistent in [false, true] {
        let report = oom_sweep(
            fault,
            persistent,
            |f| {
                let mut c = f.unfaulted(&setup);
                let before = snapshot(&c);
                let result = op(&mut c);
                if result.is_err() {
                    assert_eq!(snapshot(&c), before, "a failed call changed the collection");
                }
                result
            },
            |n, e| {
                assert_eq!(e, OutOfMemory, "failure {n}");
                assert_eq!(
                    arena.stats().live_allocations,
                    baseline,
                    "failure {n} leaked"
                );
            },
        )
        .expect("runs without injected failure succeed");
        assert!(
            report.failure_points > 0,
            "the operation never allocated: nothing was tested"
        );
        if persistent {
            assert_eq!(
                report.errors, report.failure_points,
                "a persistent failure was absorbed"
            );
        }
        points = report.failure_points;
    }
    assert_eq!(arena.stats().live_allocations, baseline);
    points
}

fn with_fault(test: impl for<'a> FnOnce(&'a Arena<'a>, &'a Fault<'a>)) {
    let mut buffer = std::vec![0u8; 1 << 16];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    test(&arena, &fault);
}

/// A vector of `items` with no spare capacity, so any growth allocates.
fn full_vec<'a>(fault: &'a Fault<'a>, items: &[u32]) -> Vec<u32, &'a Fault<'a>> {
    Vec::try_from_slice_in(items, fault).unwrap()
}

fn std_vec<T: Clone, A: boundlite_alloc::Allocator>(v: &Vec<T, A>) -> std::vec::Vec<T> {
    v.iter().cloned().collect()
}

#[test]
fn vec_growth_is_atomic() {
    with_fault(|arena, fault| {
        let setup = || full_vec(fault, &[1, 2, 3]);
        assert_atomic(arena, fault, setup, std_vec, |v| v.try_push(4));
        assert_atomic(arena, fault, setup, std_vec, |v| v.try_insert(1, 9));
        assert_atomic(arena, fault, setup, std_vec, |v| {
            v.try_extend_from_slice(&[7, 8])
        });
        assert_atomic(arena, fault, setup, std_vec, |v| v.try_resize(10, 0));
        assert_atomic(arena, fault, setup, std_vec, |v| v.try_resize_with(5, || 6));
        assert_atomic(arena, fault, setup, std_vec, |v| v.try_reserve(100));
        assert_atomic(arena, fault, setup, std_vec, |v| v.try_reserve_exact(1));
        // An iterator without a size hint grows one push at a time, so a
        // failure can land after some items went in: they must come out.
        let points = assert_atomic(arena, fault, setup, std_vec, |v| {
            v.try_extend((0..40).filter(|_| true))
        });
        assert!(points > 1, "growth after the first push was not exercised");
        assert_atomic(arena, fault, setup, std_vec, |v| {
            v.try_split_off(1).map(drop)
        });
    });
}

#[test]
fn vec_constructors_leak_nothing() {
    with_fault(|arena, fault| {
        let unit = |_: &()| ();
        assert_atomic(
            arena,
            fault,
            || (),
            unit,
            |_| Vec::<u64, _>::try_with_capacity_in(8, fault).map(drop),
        );
        assert_atomic(
            arena,
            fault,
            || (),
            unit,
            |_| Vec::try_from_elem_in(3u16, 8, fault).map(drop),
        );
        assert_atomic(
            arena,
            fault,
            || (),
            unit,
            |_| try_vec![in fault; 1, 2, 3].map(drop),
        );
        assert_atomic(
            arena,
            fault,
            || (),
            unit,
            |_| try_vec![in fault; 0u8; 64].map(drop),
        );
        assert_atomic(
            arena,
            fault,
            || (),
            unit,
            |_| (0..50u32).try_collect_in::<Vec<_, _>, _>(fault).map(drop),
        );
        assert_atomic(
            arena,
            fault,
            || (),
            unit,
            |_| {
                let mut v = Vec::try_with_capacity_in(16, fault)?;
                v.try_extend_from_slice(&[1u8, 2, 3])?;
                let boxed = v.try_into_boxed_slice()?;
                assert_eq!(&*boxed, &[1, 2, 3]);
                Ok(())
            },
        );
    });
}

#[test]
fn vec_clone_is_deep_and_fallible() {
    with_fault(|arena, fault| {
        let setup = || {
            let mut outer = Vec::new_in(fault);
            for i in 0..4u32 {
                outer.try_push(full_vec(fault, &[i, i + 1])).unwrap();
            }
            outer
        };
        let snapshot = |v: &Vec<Vec<u32, &Fault<'_>>, &Fault<'_>>| {
            v.iter().map(std_vec).collect::<std::vec::Vec<_>>()
        };
        let points = assert_atomic(arena, fault, setup, snapshot, |v| v.try_clone().map(drop));
        assert_eq!(
            points, 5,
            "one allocation for the outer vector, one per inner vector"
        );
    });
}

#[test]
fn boxes_leak_nothing() {
    with_fault(|arena, fault| {
        let unit = |_: &()| ();
        assert_atomic(
            arena,
            fault,
            || (),
            unit,
            |_| Box::try_new_in([7u64; 4], fault).map(drop),
        );
        assert_atomic(
            arena,
            fault,
            || (),
            unit,
            |_| {
                let b = Box::try_from_slice_in(&[1u8, 2, 3], fault)?;
                assert_eq!(&*b, &[1, 2, 3]);
                Ok(())
            },
        );
        assert_atomic(
            arena,
            fault,
            || (),
            unit,
            |_| Box::try_from_elem_in(0u8, 100, fault).map(drop),
        );
        assert_atomic(
            arena,
            fault,
            || (),
            unit,
            |_| {
                let b = Box::try_new_in(String::try_from_str_in("x", fault)?, fault)?;
                b.try_clone().map(drop)
            },
        );
    });
}

fn full_string<'a>(fault: &'a Fault<'a>) -> String<&'a Fault<'a>> {
    String::try_from_str_in("héllo", fault).unwrap()
}

#[test]
fn string_growth_is_atomic() {
    with_fault(|arena, fault| {
        let setup = || full_string(fault);
        let text = |s: &String<&Fault<'_>>| std::string::String::from(s.as_str());
        assert_atomic(arena, fault, setup, text, |s| s.try_push_str(" world"));
        assert_atomic(arena, fault, setup, text, |s| s.try_push('ß'));
        assert_atomic(arena, fault, setup, text, |s| s.try_reserve(64));
        // Formatting writes in several pieces; a failure in a later piece
        // must take the earlier pieces back out.
        let points = assert_atomic(arena, fault, setup, text, |s| {
            s.try_write_fmt(format_args!(
                "{}-{}-{}",
                "a".repeat(40),
                12345,
                "b".repeat(80)
            ))
        });
        assert!(points >= 2, "only the first piece was ever failed");
        assert_atomic(arena, fault, setup, text, |s| s.try_clone().map(drop));
        assert_atomic(
            arena,
            fault,
            || (),
            |_| (),
            |_| {
                let s = try_format_in!(fault, "{:>20}|{}", 1.5, "x")?;
                assert_eq!(s, "                 1.5|x");
                Ok(())
            },
        );
    });
}

type Map<'a> = HashMap<u32, u64, DeterministicState, &'a Fault<'a>>;

/// A map filled to its capacity, so inserting a new key must grow it.
fn full_map<'a>(fault: &'a Fault<'a>) -> Map<'a> {
    let mut m = HashMap::with_hasher_in(DeterministicState, fault);
    m.try_reserve(3).unwrap();
    let mut k = 0;
    while m.len() < m.capacity() {
        m.try_insert(k, u64::from(k) * 10).unwrap();
        k += 1;
    }
    m
}

fn sorted_map(m: &Map<'_>) -> std::vec::Vec<(u32, u64)> {
    let mut v: std::vec::Vec<_> = m.iter().map(|(k, v)| (*k, *v)).collect();
    v.sort();
    v
}

#[test]
fn map_growth_is_atomic() {
    with_fault(|arena, fault| {
        let setup = || full_map(fault);
        assert_atomic(arena, fault, setup, sorted_map, |m| {
            m.try_insert(1000, 1).map(drop)
        });
        assert_atomic(arena, fault, setup, sorted_map, |m| {
            *m.try_entry(1000)?.or_insert(0) += 5;
            Ok(())
        });
        assert_atomic(arena, fault, setup, sorted_map, |m| m.try_reserve(100));
        assert_atomic(arena, fault, setup, sorted_map, |m| m.try_clone().map(drop));
        assert_atomic(
            arena,
            fault,
            || (),
            |_| (),
            |_| {
                let m: Map<'_> = (0..20u32).map(|k| (k, 1)).try_collect_in(fault)?;
                assert_eq!(m.len(), 20);
                Ok(())
            },
        );
    });
}

#[test]
fn set_growth_is_atomic() {
    with_fault(|arena, fault| {
        let setup = || {
            let mut s = HashSet::with_hasher_in(DeterministicState, fault);
            s.try_reserve(3).unwrap();
            let mut k = 0u32;
            while s.len() < s.capacity() {
                s.try_insert(k).unwrap();
                k += 1;
            }
            s
        };
        let sorted = |s: &HashSet<u32, DeterministicState, &Fault<'_>>| {
            let mut v: std::vec::Vec<u32> = s.iter().copied().collect();
            v.sort();
            v
        };
        assert_atomic(arena, fault, setup, sorted, |s| {
            s.try_insert(1000).map(drop)
        });
        assert_atomic(arena, fault, setup, sorted, |s| s.try_reserve(50));
        assert_atomic(arena, fault, setup, sorted, |s| s.try_clone().map(drop));
    });
}

#[test]
fn results_collection_returns_the_first_error() {
    with_fault(|arena, fault| {
        #[derive(Debug, PartialEq)]
        enum E {
            Oom,
            Bad(u32),
        }
        impl From<OutOfMemory> for E {
            fn from(_: OutOfMemory) -> Self {
                E::Oom
            }
        }
        let items = || (0..10u32).map(|i| if i == 7 { Err(E::Bad(i)) } else { Ok(i) });
        let r: Result<Vec<u32, _>, E> = items().try_collect_results_in(fault);
        assert_eq!(r.unwrap_err(), E::Bad(7));
        fault.arm(boundlite_alloc::FaultPlan::From(1));
        let r: Result<Vec<u32, _>, E> = (0..10u32).map(Ok).try_collect_results_in(fault);
        assert_eq!(r.unwrap_err(), E::Oom);
        fault.arm(boundlite_alloc::FaultPlan::Never);
        assert_eq!(arena.stats().live_allocations, 0);
    });
}
