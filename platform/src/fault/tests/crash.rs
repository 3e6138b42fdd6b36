//! Power cuts: what each crash plan leaves in the files.

use core::num::NonZeroU32;

use crate::{CrashPlan, CrashReport, FaultPlatform, File, MemoryPlatform, OpenMode, Platform};

const OLD: u8 = 0xaa;
const NEW: u8 = 0x55;

/// Every plan shape, for checks that must hold whatever the device did.
const PLANS: [CrashPlan; 7] = [
    CrashPlan::LoseAll,
    CrashPlan::KeepAll,
    CrashPlan::InOrder {
        landed: 1,
        torn_sectors: 0,
    },
    CrashPlan::InOrder {
        landed: 0,
        torn_sectors: 1,
    },
    CrashPlan::InOrder {
        landed: 2,
        torn_sectors: 1,
    },
    CrashPlan::Random {
        seed: 1,
        tear: false,
    },
    CrashPlan::Random {
        seed: 7,
        tear: true,
    },
];

/// A synced fixture "a" = "fixture", then through the fault platform a
/// synced write, and unsynced: a write past the end and a truncation.
fn synced_then_pending(disk: &MemoryPlatform) -> FaultPlatform<&MemoryPlatform> {
    disk.write_file("a", b"fixture").unwrap();
    let fault = FaultPlatform::new(disk);
    {
        let mut f = (&fault).open("a", OpenMode::ReadWrite).unwrap();
        f.write_at(0, b"FI").unwrap();
        f.sync().unwrap();
        f.write_at(10, b"tail").unwrap();
        f.truncate(12).unwrap();
    }
    assert_eq!(fault.unsynced(), 2);
    fault
}

#[test]
fn lose_all_keeps_exactly_the_synced_content() {
    let disk = MemoryPlatform::new();
    let mut fault = synced_then_pending(&disk);
    assert_eq!(disk.file_bytes("a").unwrap(), *b"FIxture\0\0\0ta");
    let report = fault.power_cut(CrashPlan::LoseAll).unwrap();
    assert_eq!(disk.file_bytes("a").unwrap(), *b"FIxture");
    assert_eq!(
        report,
        CrashReport {
            unsynced: 2,
            landed: 0,
            torn: 0
        }
    );
    assert_eq!(fault.unsynced(), 0);
}

#[test]
fn keep_all_keeps_what_the_workload_left() {
    let disk = MemoryPlatform::new();
    let mut fault = synced_then_pending(&disk);
    let report = fault.power_cut(CrashPlan::KeepAll).unwrap();
    assert_eq!(disk.file_bytes("a").unwrap(), *b"FIxture\0\0\0ta");
    assert_eq!((report.landed, report.lost()), (2, 0));
}

#[test]
fn synced_data_survives_every_plan() {
    for plan in PLANS {
        let disk = MemoryPlatform::new();
        let mut fault = synced_then_pending(&disk);
        fault.power_cut(plan).unwrap();
        let bytes = disk.file_bytes("a").unwrap();
        assert_eq!(bytes.get(..7), Some(&b"FIxture"[..]), "{plan:?}");
    }
}

#[test]
fn a_cut_forgets_the_log_so_the_next_cut_starts_clean() {
    let disk = MemoryPlatform::new();
    let mut fault = synced_then_pending(&disk);
    fault.power_cut(CrashPlan::KeepAll).unwrap();
    // What landed is now the device's content, synced or not before.
    fault.power_cut(CrashPlan::LoseAll).unwrap();
    assert_eq!(disk.file_bytes("a").unwrap(), *b"FIxture\0\0\0ta");
}

#[test]
fn in_order_keeps_the_first_k_operations_across_files() {
    let expected: [(&[u8], &[u8]); 5] = [
        (b"", b""),
        (b"1", b""),
        (b"1", b"2"),
        (b"13", b"2"),
        (b"13", b"24"),
    ];
    for (landed, (a, b)) in expected.into_iter().enumerate() {
        let disk = MemoryPlatform::new();
        let mut fault = FaultPlatform::new(&disk);
        {
            let mut fa = (&fault).open("a", OpenMode::Create).unwrap();
            let mut fb = (&fault).open("b", OpenMode::Create).unwrap();
            fa.write_at(0, b"1").unwrap();
            fb.write_at(0, b"2").unwrap();
            fa.write_at(1, b"3").unwrap();
            fb.write_at(1, b"4").unwrap();
        }
        assert_eq!(fault.unsynced(), 4);
        let plan = CrashPlan::InOrder {
            landed,
            torn_sectors: 0,
        };
        let report = fault.power_cut(plan).unwrap();
        assert_eq!(report.landed, landed);
        assert_eq!(
            disk.file_bytes("a").unwrap().as_slice(),
            a,
            "landed {landed}"
        );
        assert_eq!(
            disk.file_bytes("b").unwrap().as_slice(),
            b,
            "landed {landed}"
        );
    }
}

#[test]
fn a_sync_of_one_file_leaves_the_other_pending() {
    let disk = MemoryPlatform::new();
    let mut fault = FaultPlatform::new(&disk);
    {
        let mut fa = (&fault).open("a", OpenMode::Create).unwrap();
        let mut fb = (&fault).open("b", OpenMode::Create).unwrap();
        fa.write_at(0, b"a").unwrap();
        fb.write_at(0, b"b").unwrap();
        fa.sync().unwrap();
    }
    fault.power_cut(CrashPlan::LoseAll).unwrap();
    assert_eq!(disk.file_bytes("a").unwrap(), *b"a");
    assert_eq!(disk.file_bytes("b").unwrap(), *b"");
}

/// A synced 1536-byte file of `OLD`, then an unsynced write of 1024 `NEW`
/// bytes at 256: sector pieces [256, 512), [512, 1024), [1024, 1280).
fn torn_setup(disk: &MemoryPlatform) -> FaultPlatform<&MemoryPlatform> {
    disk.write_file("a", &[OLD; 1536]).unwrap();
    let fault = FaultPlatform::new(disk);
    let mut f = (&fault).open("a", OpenMode::ReadWrite).unwrap();
    f.write_at(256, &[NEW; 1024]).unwrap();
    drop(f);
    fault
}

#[test]
fn in_order_tear_lands_whole_sector_pieces_in_order() {
    let piece_ends = [256usize, 512, 1024, 1280];
    for torn_sectors in 0..=3u64 {
        let disk = MemoryPlatform::new();
        let mut fault = torn_setup(&disk);
        let plan = CrashPlan::InOrder {
            landed: 0,
            torn_sectors,
        };
        let report = fault.power_cut(plan).unwrap();
        let new_end = piece_ends[torn_sectors as usize];
        let bytes = disk.file_bytes("a").unwrap();
        assert_eq!(bytes.len(), 1536);
        for (i, &b) in bytes.iter().enumerate() {
            let want = if (256..new_end).contains(&i) {
                NEW
            } else {
                OLD
            };
            assert_eq!(b, want, "byte {i} with {torn_sectors} sectors");
        }
        let (landed, torn) = match torn_sectors {
            0 => (0, 0),
            3 => (1, 0),
            _ => (0, 1),
        };
        assert_eq!((report.landed, report.torn), (landed, torn));
    }
}

#[test]
fn torn_extension_grows_the_file_only_as_far_as_landed() {
    let disk = MemoryPlatform::new();
    let mut fault = FaultPlatform::new(&disk);
    {
        let mut f = (&fault).open("a", OpenMode::Create).unwrap();
        f.write_at(0, &[NEW; 1000]).unwrap();
    }
    let plan = CrashPlan::InOrder {
        landed: 0,
        torn_sectors: 1,
    };
    fault.power_cut(plan).unwrap();
    assert_eq!(disk.file_bytes("a").unwrap(), [NEW; 512]);
}

#[test]
fn sector_size_sets_where_writes_tear() {
    let disk = MemoryPlatform::new();
    let four_k = NonZeroU32::new(4096).unwrap();
    let mut fault = FaultPlatform::new(&disk).with_sector_size(four_k);
    assert_eq!(fault.sector_size(), four_k);
    {
        let mut f = (&fault).open("a", OpenMode::Create).unwrap();
        f.write_at(4000, &[NEW; 200]).unwrap();
    }
    let plan = CrashPlan::InOrder {
        landed: 0,
        torn_sectors: 1,
    };
    fault.power_cut(plan).unwrap();
    let bytes = disk.file_bytes("a").unwrap();
    assert_eq!(bytes.len(), 4096);
    assert!(bytes[4000..].iter().all(|&b| b == NEW));
    assert!(bytes[..4000].iter().all(|&b| b == 0));
}

#[test]
fn pending_truncations_are_lost_or_kept_in_order() {
    let cases: [(CrashPlan, &[u8]); 3] = [
        (CrashPlan::LoseAll, b"abcdef"),
        (
            CrashPlan::InOrder {
                landed: 1,
                torn_sectors: 0,
            },
            b"ab",
        ),
        (CrashPlan::KeepAll, b"ab\0\0Z"),
    ];
    for (plan, want) in cases {
        let disk = MemoryPlatform::new();
        disk.write_file("a", b"abcdef").unwrap();
        let mut fault = FaultPlatform::new(&disk);
        {
            let mut f = (&fault).open("a", OpenMode::ReadWrite).unwrap();
            f.truncate(2).unwrap();
            f.write_at(4, b"Z").unwrap();
        }
        fault.power_cut(plan).unwrap();
        assert_eq!(disk.file_bytes("a").unwrap().as_slice(), want, "{plan:?}");
    }
}

/// Sixteen synced bytes of `OLD`, then sixteen unsynced one-byte writes of
/// `NEW`, one per byte; returns the bytes after a cut under `plan`.
fn sixteen_writes(plan: CrashPlan) -> ([u8; 16], CrashReport) {
    let disk = MemoryPlatform::new();
    disk.write_file("a", &[OLD; 16]).unwrap();
    let mut fault = FaultPlatform::new(&disk);
    {
        let mut f = (&fault).open("a", OpenMode::ReadWrite).unwrap();
        for i in 0..16 {
            f.write_at(i, &[NEW]).unwrap();
        }
    }
    let report = fault.power_cut(plan).unwrap();
    let mut out = [0u8; 16];
    out.copy_from_slice(&disk.file_bytes("a").unwrap());
    (out, report)
}

#[test]
fn random_keeps_a_seeded_subset() {
    let mut mixed = 0;
    for seed in 0..20 {
        let plan = CrashPlan::Random { seed, tear: false };
        let (bytes, report) = sixteen_writes(plan);
        assert_eq!(
            sixteen_writes(plan),
            (bytes, report),
            "same seed, same outcome"
        );
        let kept = bytes.iter().filter(|&&b| b == NEW).count();
        assert!(bytes.iter().all(|&b| b == NEW || b == OLD));
        assert_eq!((kept, report.lost()), (report.landed, 16 - kept));
        if kept > 0 && kept < 16 {
            mixed += 1;
        }
    }
    assert!(mixed >= 15, "only {mixed} of 20 seeds kept a proper subset");
}

#[test]
fn random_tear_keeps_sectors_atomic() {
    let mut torn_runs = 0;
    for seed in 0..20 {
        let disk = MemoryPlatform::new();
        let mut fault = torn_setup(&disk);
        let report = fault
            .power_cut(CrashPlan::Random { seed, tear: true })
            .unwrap();
        let bytes = disk.file_bytes("a").unwrap();
        // Each piece is wholly old or wholly new.
        for piece in [256..512, 512..1024, 1024..1280] {
            let first = bytes[piece.start];
            assert!(bytes[piece].iter().all(|&b| b == first), "seed {seed}");
        }
        assert!(bytes[..256].iter().chain(&bytes[1280..]).all(|&b| b == OLD));
        torn_runs += report.torn;
    }
    assert!(torn_runs > 0, "no seed tore the write");
}

#[test]
fn deleted_files_drop_their_pending_writes() {
    let disk = MemoryPlatform::new();
    let mut fault = FaultPlatform::new(&disk);
    {
        let mut old = (&fault).open("wal", OpenMode::Create).unwrap();
        old.write_at(0, b"old").unwrap();
        (&fault).delete("wal").unwrap();
        assert_eq!(fault.unsynced(), 0);
        // A handle on the deleted file still writes, to no path.
        old.write_at(3, b"!").unwrap();
        let mut fresh = (&fault).open("wal", OpenMode::Create).unwrap();
        fresh.write_at(0, b"new").unwrap();
        assert_eq!(fault.unsynced(), 1);
    }
    let report = fault.power_cut(CrashPlan::LoseAll).unwrap();
    assert_eq!(report.unsynced, 1);
    assert_eq!(disk.file_bytes("wal").unwrap(), *b"");
}

#[test]
fn files_never_opened_are_untouched() {
    let disk = MemoryPlatform::new();
    disk.write_file("other", b"mine").unwrap();
    let mut fault = FaultPlatform::new(&disk);
    let report = fault.power_cut(CrashPlan::LoseAll).unwrap();
    assert_eq!(report, CrashReport::default());
    assert_eq!(disk.file_bytes("other").unwrap(), *b"mine");
}

/// Writes the value `i` (as 8 bytes) at offset 0 and syncs, for i in 1..=5.
fn counter_workload(fault: &FaultPlatform<&MemoryPlatform>) -> Result<(), crate::PlatformError> {
    let mut f = fault.open("counter", OpenMode::Create)?;
    for i in 1..=5u64 {
        f.write_at(0, &i.to_le_bytes())?;
        f.sync()?;
    }
    Ok(())
}

fn counter(disk: &MemoryPlatform) -> u64 {
    let bytes = disk.file_bytes("counter").unwrap();
    let mut value = [0u8; 8];
    value[..bytes.len()].copy_from_slice(&bytes);
    u64::from_le_bytes(value)
}

#[test]
fn crash_sweep_finds_every_point_between_last_sync_and_next_write() {
    let points = {
        let disk = MemoryPlatform::new();
        let fault = FaultPlatform::new(&disk);
        counter_workload(&fault).unwrap();
        fault.counts().mutations()
    };
    assert_eq!(points, 10);
    for k in 0..points {
        let synced = k / 2;
        let written = k.div_ceil(2);
        for (plan, want) in [(CrashPlan::LoseAll, synced), (CrashPlan::KeepAll, written)] {
            let disk = MemoryPlatform::new();
            let mut fault = FaultPlatform::new(&disk);
            fault.cut_power_after(k);
            assert!(counter_workload(&fault).is_err(), "k = {k}");
            fault.power_cut(plan).unwrap();
            assert_eq!(counter(&disk), want, "k = {k}, {plan:?}");
        }
    }
}
