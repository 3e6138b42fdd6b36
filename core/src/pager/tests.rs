// Test scaffolding uses std's collections.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

extern crate std;

use std::vec::Vec as StdVec;

use boundlite_platform::{
    CrashPlan, FaultPlatform, FaultTarget, File, IoFault, MemoryFile, MemoryPlatform, OpenMode,
    Platform,
};

use super::*;
use crate::alloc::{Arena, FaultAlloc, FaultPlan, Global, oom_sweep};
use crate::config::CacheGrowth;
use crate::format::PageSize;

const PATH: &str = "test.db";

fn config(page_size: u32, frames: usize) -> Config {
    Config {
        page_size: PageSize::new(page_size).unwrap(),
        cache_frames: frames,
        ..Config::DEFAULT
    }
}

fn open<'d>(disk: &'d MemoryPlatform, cfg: &Config) -> Pager<MemoryFile<'d>, Global> {
    let file = disk.open(PATH, OpenMode::Create).unwrap();
    Pager::open(file, None, OpenMode::Create, cfg, Global).unwrap()
}

/// Writes an empty table-leaf B-tree header after the database header, as
/// page 1 of an empty database holds.
fn init_page_one<A: Allocator>(page: &mut PageMut<'_, A>, page_size: u32) {
    let content_start = if page_size == 65536 {
        0
    } else {
        page_size as u16
    };
    page[100] = 0x0d;
    page[105..107].copy_from_slice(&content_start.to_be_bytes());
}

/// A database of `pages` pages: page 1 empty schema, page n filled with n.
fn create(disk: &MemoryPlatform, cfg: &Config, pages: u32) {
    let pager = open(disk, cfg);
    pager.begin_write().unwrap();
    let mut one = pager.allocate().unwrap();
    assert_eq!(one.number(), PageNo::ONE);
    init_page_one(&mut one, pager.page_size());
    drop(one);
    pager.commit().unwrap();
    for n in 2..=pages {
        // Commit in small batches: a batch may not exceed the cache.
        if !pager.in_write_transaction() {
            pager.begin_write().unwrap();
        }
        let mut page = pager.allocate().unwrap();
        assert_eq!(page.number().get(), n);
        page.fill(n as u8);
        drop(page);
        if n % 4 == 3 || n == pages {
            pager.commit().unwrap();
        }
    }
    if pager.in_write_transaction() {
        pager.commit().unwrap();
    }
}

#[test]
fn a_new_database_gets_page_one_and_a_valid_header() {
    let disk = MemoryPlatform::new();
    let cfg = config(1024, 16);
    create(&disk, &cfg, 1);
    let bytes = disk.file_bytes(PATH).unwrap();
    assert_eq!(bytes.len(), 1024);
    let header = DatabaseHeader::parse(&bytes[..100]).unwrap();
    assert_eq!(header.page_size.get(), 1024);
    assert_eq!(header.database_size, 1);
    assert!(header.in_header_size_is_valid());
    assert_eq!(bytes[100], 0x0d);
}

#[test]
fn pages_survive_reopen_through_a_small_cache() {
    let disk = MemoryPlatform::new();
    let cfg = config(512, Config::MIN_CACHE_FRAMES);
    create(&disk, &cfg, 100);
    let pager = open(&disk, &cfg);
    assert_eq!(pager.page_count(), 100);
    assert_eq!(pager.cache_frames(), Config::MIN_CACHE_FRAMES);
    for round in 0..2 {
        for n in 2..=100u32 {
            let page = pager.page(PageNo::new(n).unwrap()).unwrap();
            assert!(
                page.iter().all(|b| *b == n as u8),
                "page {n}, round {round}"
            );
        }
    }
    assert_eq!(pager.pinned_pages(), 0);
}

#[test]
fn a_transaction_larger_than_the_cache_fails_and_rolls_back() {
    let disk = MemoryPlatform::new();
    let cfg = config(512, Config::MIN_CACHE_FRAMES);
    create(&disk, &cfg, 3);
    let pager = open(&disk, &cfg);
    pager.begin_write().unwrap();
    let mut result = Ok(());
    for _ in 0..Config::MIN_CACHE_FRAMES + 1 {
        match pager.allocate() {
            Ok(mut page) => page.fill(0xee),
            Err(e) => {
                result = Err(e);
                break;
            }
        }
    }
    assert_eq!(result, Err(Error::CacheFull));
    pager.rollback().unwrap();
    assert_eq!(pager.page_count(), 3);
    // The database is usable and unchanged.
    pager.begin_write().unwrap();
    let page = pager.allocate().unwrap();
    assert_eq!(page.number().get(), 4);
    drop(page);
    pager.commit().unwrap();
    assert_eq!(disk.file_bytes(PATH).unwrap().len(), 4 * 512);
}

#[test]
fn rollback_restores_pages_and_header() {
    let disk = MemoryPlatform::new();
    let cfg = config(512, 16);
    create(&disk, &cfg, 5);
    let pager = open(&disk, &cfg);
    let before = pager.header();
    pager.begin_write().unwrap();
    pager.page_mut(PageNo::new(3).unwrap()).unwrap().fill(0);
    pager.free(PageNo::new(4).unwrap()).unwrap();
    pager.allocate().unwrap().fill(9);
    pager.update_header(|h| h.user_version = 42).unwrap();
    pager.rollback().unwrap();
    assert_eq!(pager.header(), before);
    assert_eq!(pager.page_count(), 5);
    assert!(
        pager
            .page(PageNo::new(3).unwrap())
            .unwrap()
            .iter()
            .all(|b| *b == 3)
    );
    assert_eq!(disk.file_bytes(PATH).unwrap().len(), 5 * 512);
}

#[test]
fn header_changes_are_committed_to_page_one() {
    let disk = MemoryPlatform::new();
    let cfg = config(512, 16);
    create(&disk, &cfg, 2);
    let pager = open(&disk, &cfg);
    let counter = pager.header().change_counter;
    pager.begin_write().unwrap();
    pager.update_header(|h| h.user_version = 7).unwrap();
    pager.commit().unwrap();
    let on_disk = DatabaseHeader::parse(&disk.file_bytes(PATH).unwrap()[..100]).unwrap();
    assert_eq!(on_disk.user_version, 7);
    assert_eq!(on_disk.change_counter, counter + 1);
    assert_eq!(on_disk.version_valid_for, counter + 1);
    // A transaction that changes nothing writes nothing.
    pager.begin_write().unwrap();
    pager.commit().unwrap();
    let again = DatabaseHeader::parse(&disk.file_bytes(PATH).unwrap()[..100]).unwrap();
    assert_eq!(again.change_counter, counter + 1);
}

#[test]
fn freed_pages_are_reused_leaves_first_then_trunks() {
    let disk = MemoryPlatform::new();
    let cfg = config(512, 16);
    create(&disk, &cfg, 10);
    let pager = open(&disk, &cfg);
    pager.begin_write().unwrap();
    for n in [4u32, 5, 6, 9] {
        pager.free(PageNo::new(n).unwrap()).unwrap();
    }
    pager.commit().unwrap();
    let header = pager.header();
    assert_eq!(header.freelist_count, 4);
    assert_eq!(header.first_freelist_trunk, PageNo::new(4));
    let trunk = pager.page(PageNo::new(4).unwrap()).unwrap();
    assert_eq!(&trunk[..8], &[0, 0, 0, 0, 0, 0, 0, 3]);
    assert_eq!(&trunk[8..20], &[0, 0, 0, 5, 0, 0, 0, 6, 0, 0, 0, 9]);
    drop(trunk);

    let reopened = open(&disk, &cfg);
    reopened.begin_write().unwrap();
    let mut order = StdVec::new();
    for _ in 0..5 {
        let page = reopened.allocate().unwrap();
        assert!(page.iter().all(|b| *b == 0), "allocated pages come zeroed");
        order.push(page.number().get());
    }
    assert_eq!(order, [9, 6, 5, 4, 11]);
    assert_eq!(reopened.header().freelist_count, 0);
    assert_eq!(reopened.header().first_freelist_trunk, None);
    reopened.commit().unwrap();
}

#[test]
fn a_full_trunk_starts_another() {
    let disk = MemoryPlatform::new();
    let cfg = config(512, 200);
    create(&disk, &cfg, 130);
    let pager = open(&disk, &cfg);
    pager.begin_write().unwrap();
    for n in 2..=130u32 {
        pager.free(PageNo::new(n).unwrap()).unwrap();
    }
    pager.commit().unwrap();
    // 512 / 4 - 8 = 120 leaves per trunk: page 2 is a trunk with 120
    // leaves, page 123 the next trunk with the remaining 7.
    let header = pager.header();
    assert_eq!(header.freelist_count, 129);
    assert_eq!(header.first_freelist_trunk, PageNo::new(123));
    let first = pager.page(PageNo::new(123).unwrap()).unwrap();
    assert_eq!(&first[..8], &[0, 0, 0, 2, 0, 0, 0, 7]);
    drop(first);
    let second = pager.page(PageNo::new(2).unwrap()).unwrap();
    assert_eq!(&second[..8], &[0, 0, 0, 0, 0, 0, 0, 120]);
}

#[test]
fn a_looping_or_wild_freelist_is_corrupt() {
    let disk = MemoryPlatform::new();
    let cfg = config(512, 16);
    create(&disk, &cfg, 4);
    // Trunk 3 names itself as the next trunk, with no leaves.
    let mut bytes = disk.file_bytes(PATH).unwrap();
    bytes[32..36].copy_from_slice(&3u32.to_be_bytes());
    bytes[36..40].copy_from_slice(&5u32.to_be_bytes());
    bytes[2 * 512..2 * 512 + 8].copy_from_slice(&[0, 0, 0, 3, 0, 0, 0, 0]);
    disk.write_file(PATH, &bytes).unwrap();
    let pager = open(&disk, &cfg);
    pager.begin_write().unwrap();
    assert!(matches!(
        pager.allocate().err(),
        Some(Error::Corrupt { .. })
    ));
    pager.rollback().unwrap();

    // A leaf past the end of the database.
    bytes[2 * 512..2 * 512 + 12].copy_from_slice(&[0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 99]);
    disk.write_file(PATH, &bytes).unwrap();
    let pager = open(&disk, &cfg);
    pager.begin_write().unwrap();
    assert!(matches!(
        pager.allocate().err(),
        Some(Error::Corrupt { .. })
    ));
}

#[test]
fn a_page_past_the_end_is_corrupt() {
    let disk = MemoryPlatform::new();
    let cfg = config(512, 16);
    create(&disk, &cfg, 3);
    let pager = open(&disk, &cfg);
    let err = pager.page(PageNo::new(4).unwrap()).err();
    assert_eq!(
        err,
        Some(Error::corrupt(
            PageNo::new(4).unwrap(),
            "page number past the end of the database"
        ))
    );
}

#[test]
fn short_and_foreign_files_are_refused() {
    let disk = MemoryPlatform::new();
    disk.write_file(PATH, b"SQLite format 3\0 too short")
        .unwrap();
    let file = (&disk).open(PATH, OpenMode::ReadWrite).unwrap();
    let result = Pager::open(file, None, OpenMode::ReadWrite, &Config::DEFAULT, Global);
    assert!(matches!(result.err(), Some(Error::NotADatabase(_))));
    disk.write_file(PATH, &[b'x'; 4096]).unwrap();
    let file = (&disk).open(PATH, OpenMode::ReadWrite).unwrap();
    let result = Pager::open(file, None, OpenMode::ReadWrite, &Config::DEFAULT, Global);
    assert!(matches!(result.err(), Some(Error::NotADatabase(_))));
}

#[test]
fn read_only_pagers_refuse_writes() {
    let disk = MemoryPlatform::new();
    let cfg = config(512, 16);
    create(&disk, &cfg, 2);
    let file = (&disk).open(PATH, OpenMode::ReadOnly).unwrap();
    let pager = Pager::open(file, None, OpenMode::ReadOnly, &cfg, Global).unwrap();
    assert_eq!(pager.begin_write(), Err(Error::ReadOnly));
    assert_eq!(pager.page_mut(PageNo::ONE).err(), Some(Error::ReadOnly));
    assert!(pager.page(PageNo::new(2).unwrap()).is_ok());
}

#[test]
fn changing_a_page_someone_reads_copies_it() {
    let disk = MemoryPlatform::new();
    let cfg = config(512, 16);
    create(&disk, &cfg, 3);
    let pager = open(&disk, &cfg);
    pager.begin_write().unwrap();
    let two = PageNo::new(2).unwrap();
    let reading = pager.page(two).unwrap();
    let mut writing = pager.page_mut(two).unwrap();
    writing.fill(0xaa);
    // The reader's handle still shows the committed bytes.
    assert!(reading.iter().all(|b| *b == 2));
    drop((reading, writing));
    assert!(pager.page(two).unwrap().iter().all(|b| *b == 0xaa));
    pager.rollback().unwrap();
    assert!(pager.page(two).unwrap().iter().all(|b| *b == 2));
}

#[test]
fn conflicting_handles_are_misuse_not_a_panic() {
    let disk = MemoryPlatform::new();
    let cfg = config(512, 16);
    create(&disk, &cfg, 3);
    let pager = open(&disk, &cfg);
    pager.begin_write().unwrap();
    let two = PageNo::new(2).unwrap();
    let writing = pager.page_mut(two).unwrap();
    assert!(matches!(pager.page_mut(two).err(), Some(Error::Misuse(_))));
    assert!(matches!(pager.page(two).err(), Some(Error::Misuse(_))));
    assert!(matches!(pager.commit(), Err(Error::Misuse(_))));
    drop(writing);
    pager.commit().unwrap();
}

#[test]
fn an_io_error_in_commit_rolls_back_and_the_pager_stays_usable() {
    let disk = MemoryPlatform::new();
    let cfg = config(512, 16);
    create(&disk, &cfg, 3);
    let fault = FaultPlatform::new(&disk);
    for target in [FaultTarget::Write, FaultTarget::Sync] {
        let file = (&fault).open(PATH, OpenMode::ReadWrite).unwrap();
        let pager = Pager::open(file, None, OpenMode::ReadWrite, &cfg, Global).unwrap();
        let before = pager.page_count();
        pager.begin_write().unwrap();
        pager.allocate().unwrap().fill(0x44);
        fault.arm(IoFault::Once { target, n: 1 });
        assert!(matches!(pager.commit(), Err(Error::Io(_))), "{target:?}");
        assert!(!pager.in_write_transaction());
        assert_eq!(pager.page_count(), before);
        pager.begin_write().unwrap();
        pager.allocate().unwrap().fill(0x55);
        pager.commit().unwrap();
        assert_eq!(pager.page_count(), before + 1);
        let page = pager.page(PageNo::new(before + 1).unwrap()).unwrap();
        assert!(page.iter().all(|b| *b == 0x55));
    }
    drop(fault);
}

#[test]
fn commits_are_durable_once_they_return() {
    let disk = MemoryPlatform::new();
    let cfg = config(512, 16);
    create(&disk, &cfg, 2);
    let mut fault = FaultPlatform::new(&disk);
    {
        let file = (&fault).open(PATH, OpenMode::ReadWrite).unwrap();
        let pager = Pager::open(file, None, OpenMode::ReadWrite, &cfg, Global).unwrap();
        pager.begin_write().unwrap();
        pager.allocate().unwrap().fill(0x77);
        pager.commit().unwrap();
    }
    fault.power_cut(CrashPlan::LoseAll).unwrap();
    let pager = open(&disk, &cfg);
    assert_eq!(pager.page_count(), 3);
    assert!(
        pager
            .page(PageNo::new(3).unwrap())
            .unwrap()
            .iter()
            .all(|b| *b == 0x77)
    );
}

#[test]
fn open_and_a_transaction_survive_every_allocation_failure() {
    let disk = MemoryPlatform::new();
    let cfg = config(512, 16);
    create(&disk, &cfg, 6);
    let mut buffer = std::vec![0u8; 64 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    let report = oom_sweep(
        &fault,
        false,
        |f| {
            let file = (&disk)
                .open(PATH, OpenMode::ReadWrite)
                .map_err(Error::from)?;
            let pager = Pager::open(file, None, OpenMode::ReadWrite, &cfg, f)?;
            pager.begin_write()?;
            pager.free(PageNo::new(5).unwrap())?;
            pager.commit()?;
            pager.begin_write()?;
            let page = pager.allocate()?;
            let n = page.number();
            drop(page);
            pager.commit()?;
            Ok::<_, Error>(n)
        },
        |n, e| {
            assert_eq!(e, Error::OutOfMemory, "failure {n}");
            assert_eq!(arena.stats().live_allocations, 0, "failure {n} leaked");
        },
    )
    .unwrap();
    assert_eq!(report.value, PageNo::new(5).unwrap());
    // Each frame the cache adds is a failure point of its own.
    assert!(report.failure_points >= 6, "{report:?}");
}

#[test]
fn the_cache_holds_no_page_at_open_and_grows_as_pages_are_used() {
    let disk = MemoryPlatform::new();
    let cfg = config(512, 64);
    create(&disk, &cfg, 100);
    let mut buffer = std::vec![0u8; 256 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let file = (&disk).open(PATH, OpenMode::ReadWrite).unwrap();
    let pager = Pager::open(file, None, OpenMode::ReadWrite, &cfg, &arena).unwrap();
    assert_eq!(pager.allocated_frames(), 0);
    assert_eq!(pager.cache_frames(), 64);
    // The checkpoint page; no frame.
    let at_open = arena.stats().in_use;
    assert!(at_open < 2 * 512, "{at_open} bytes at open");

    let two = pager.page(PageNo::new(2).unwrap()).unwrap();
    assert_eq!(pager.allocated_frames(), 1);
    assert!(arena.stats().in_use >= at_open + 512);
    // Pinned pages each need a frame of their own.
    let held: StdVec<_> = (3..=10)
        .map(|n| pager.page(PageNo::new(n).unwrap()).unwrap())
        .collect();
    assert_eq!(pager.allocated_frames(), 9);
    drop((two, held));

    // Pages read once and not again reuse frames rather than adding them:
    // the cache stays near what is in use, far below its capacity.
    for round in 0..3 {
        for n in 1..=100u32 {
            let page = pager.page(PageNo::new(n).unwrap()).unwrap();
            if n > 1 {
                assert!(page.iter().all(|b| *b == n as u8), "page {n}, {round}");
            }
        }
    }
    assert!(
        pager.allocated_frames() < 16,
        "{}",
        pager.allocated_frames()
    );

    // Pages in use at once each get a frame, and stay cached: reading
    // them again hits every time and allocates nothing.
    let held: StdVec<_> = (41..=60)
        .map(|n| pager.page(PageNo::new(n).unwrap()).unwrap())
        .collect();
    drop(held);
    let grown = pager.allocated_frames();
    assert!((20..=64).contains(&grown), "{grown} frames");
    let before = arena.stats().total_allocations;
    for _ in 0..10 {
        for n in 41..=60u32 {
            drop(pager.page(PageNo::new(n).unwrap()).unwrap());
        }
    }
    assert_eq!(arena.stats().total_allocations, before);
    assert_eq!(pager.allocated_frames(), grown);
}

#[test]
fn a_frame_record_is_as_small_as_config_counts_it() {
    // `FRAME_OVERHEAD` and `CACHE_OVERHEAD` count 64 bytes per record.
    assert!(size_of::<cache::Frame<&Arena<'_>>>() <= 64);
    assert!(size_of::<cache::Frame<Global>>() <= 64);
}

#[test]
fn the_cache_grows_to_its_capacity_and_no_further_within_its_bound() {
    let disk = MemoryPlatform::new();
    for (page_size, frames) in [(512u32, 16usize), (512, 100), (4096, 64), (65536, 12)] {
        let cfg = config(page_size, frames);
        create(&disk, &cfg, 3);
        let bound = cfg.cache_bytes(page_size);
        let mut buffer = std::vec![0u8; bound + 64 * 1024];
        let arena = Arena::new(&mut buffer).unwrap();
        let file = (&disk).open(PATH, OpenMode::ReadWrite).unwrap();
        let pager = Pager::open(file, None, OpenMode::ReadWrite, &cfg, &arena).unwrap();
        assert!(arena.stats().in_use < 2 * page_size as usize);
        for round in 0..2 {
            // Changed pages stay in their frames until commit: every page
            // of a large transaction takes a frame, until there are none.
            pager.begin_write().unwrap();
            let mut changed = 0;
            let full = loop {
                match pager.allocate() {
                    Ok(mut page) => page.fill(7),
                    Err(e) => break e,
                }
                changed += 1;
            };
            assert_eq!(full, Error::CacheFull, "{page_size}/{frames}");
            assert_eq!(changed, frames, "{page_size}/{frames}");
            assert_eq!(pager.allocated_frames(), frames);
            pager.rollback().unwrap();
            let stats = arena.stats();
            assert!(
                stats.peak_in_use <= bound,
                "{page_size}/{frames}, round {round}: peak {} > bound {bound}",
                stats.peak_in_use
            );
            assert!(stats.in_use >= frames * page_size as usize);
        }
        // Full grown, the cache allocates nothing more.
        let before = arena.stats().total_allocations;
        for _ in 0..3 {
            pager.begin_write().unwrap();
            pager.allocate().unwrap().fill(1);
            pager.commit().unwrap();
            for n in 1..=pager.page_count() {
                drop(pager.page(PageNo::new(n).unwrap()).unwrap());
            }
        }
        assert_eq!(arena.stats().total_allocations, before);
        drop(pager);
        assert_eq!(arena.stats().live_allocations, 0);
        (&disk).delete(PATH).unwrap();
    }
}

/// Reads and changes pages of a 100-page database in rounds, each round
/// re-reading a window of pages so that every frame is in use when the
/// next page is needed: the cache wants to grow. Returns the model of what
/// each page holds (its fill byte).
fn churn<F: File, A: Allocator + Clone>(pager: &Pager<F, A>, rounds: u32) -> StdVec<u8> {
    let mut model: StdVec<u8> = (0..=100u32).map(|n| n as u8).collect();
    for round in 0..rounds {
        pager.begin_write().unwrap();
        for k in 0..3u32 {
            let n = 2 + (round * 7 + k * 31) % 99;
            let fill = (round as u8).wrapping_mul(3).wrapping_add(k as u8 + 1);
            pager.page_mut(PageNo::new(n).unwrap()).unwrap().fill(fill);
            model[n as usize] = fill;
        }
        let start = 2 + (round * 13) % 90;
        for _ in 0..2 {
            for n in start..start + 10 {
                let page = pager.page(PageNo::new(n).unwrap()).unwrap();
                assert!(page.iter().all(|b| *b == model[n as usize]), "page {n}");
            }
        }
        pager.commit().unwrap();
    }
    model
}

fn check_model(disk: &MemoryPlatform, cfg: &Config, model: &[u8]) {
    let pager = open(disk, cfg);
    for n in 2..=100u32 {
        let page = pager.page(PageNo::new(n).unwrap()).unwrap();
        assert!(page.iter().all(|b| *b == model[n as usize]), "page {n}");
    }
}

#[test]
fn a_cache_refused_memory_keeps_working_with_the_frames_it_has() {
    let disk = MemoryPlatform::new();
    let cfg = config(512, 64);
    create(&disk, &cfg, 100);
    let fault = FaultAlloc::new(Global);
    let file = (&disk).open(PATH, OpenMode::ReadWrite).unwrap();
    let pager = Pager::open(file, None, OpenMode::ReadWrite, &cfg, &fault).unwrap();
    {
        let held: StdVec<_> = (2..=9)
            .map(|n| pager.page(PageNo::new(n).unwrap()).unwrap())
            .collect();
        drop(held);
    }
    let frames = pager.allocated_frames();
    assert_eq!(frames, 8);
    // From here on every allocation fails.
    fault.arm(FaultPlan::From(1));
    let model = churn(&pager, 40);
    assert!(fault.failed() > 0, "the cache never tried to grow");
    assert_eq!(pager.allocated_frames(), frames);
    fault.arm(FaultPlan::Never);
    drop(pager);
    check_model(&disk, &cfg, &model);
}

#[test]
fn a_cache_in_an_arena_too_small_for_it_works_with_fewer_frames() {
    let disk = MemoryPlatform::new();
    let cfg = config(512, 64);
    create(&disk, &cfg, 100);
    // Room for about a dozen frames, not 64.
    let mut buffer = std::vec![0u8; Arena::MIN_BUFFER + 12 * 640];
    let arena = Arena::new(&mut buffer).unwrap();
    let model = {
        let file = (&disk).open(PATH, OpenMode::ReadWrite).unwrap();
        let pager = Pager::open(file, None, OpenMode::ReadWrite, &cfg, &arena).unwrap();
        let model = churn(&pager, 60);
        let frames = pager.allocated_frames();
        assert!(
            (Config::MIN_CACHE_FRAMES / 2..64).contains(&frames),
            "{frames} frames"
        );
        assert!(arena.stats().failed_allocations > 0, "the arena had room");
        model
    };
    assert_eq!(arena.stats().live_allocations, 0);
    check_model(&disk, &cfg, &model);
}

#[test]
fn allocation_failures_while_the_cache_grows_are_survived_or_out_of_memory() {
    let disk = MemoryPlatform::new();
    let cfg = config(512, 32);
    create(&disk, &cfg, 100);
    let base = disk.file_bytes(PATH).unwrap();
    let mut buffer = std::vec![0u8; 256 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    let mut survived = 0;
    let mut frames = 0;
    let report = oom_sweep(
        &fault,
        false,
        |f| {
            disk.write_file(PATH, &base).map_err(Error::from)?;
            let file = (&disk)
                .open(PATH, OpenMode::ReadWrite)
                .map_err(Error::from)?;
            let pager = Pager::open(file, None, OpenMode::ReadWrite, &cfg, f)?;
            for round in 0..6u32 {
                pager.begin_write()?;
                for k in 0..4u32 {
                    let n = PageNo::new(2 + (round * 11 + k * 23) % 99).unwrap();
                    pager.page_mut(n)?.fill(0xa0 + round as u8);
                }
                for _ in 0..2 {
                    for n in 40 + round..52 + round {
                        drop(pager.page(PageNo::new(n).unwrap())?);
                    }
                }
                pager.commit()?;
            }
            if f.failed() > 0 {
                survived += 1;
            }
            // A run that absorbed its failure may hold fewer frames, but
            // the pages it leaves must be the same.
            frames = pager.allocated_frames();
            let mut firsts = std::vec::Vec::new();
            for p in 2..=100u32 {
                firsts.push(pager.page(PageNo::new(p).unwrap())?[0]);
            }
            Ok::<_, Error>(firsts)
        },
        |n, e| {
            assert_eq!(e, Error::OutOfMemory, "failure {n}");
            assert_eq!(arena.stats().live_allocations, 0, "failure {n} leaked");
            // Whatever committed before the failure reads back whole.
            let pager = open(&disk, &cfg);
            for p in 2..=100u32 {
                let page = pager.page(PageNo::new(p).unwrap()).unwrap();
                let first = page[0];
                assert!(page.iter().all(|b| *b == first), "failure {n}, page {p}");
            }
        },
    )
    .unwrap();
    assert!(
        frames > Config::MIN_CACHE_FRAMES,
        "{frames} frames: {report:?}"
    );
    assert!(report.errors > 0, "{report:?}");
    assert!(
        survived > 0,
        "no failure was absorbed by evicting: {report:?}"
    );
    std::println!("cache growth OOM sweep: {report:?}, {survived} survived");
}

#[test]
fn a_cache_growing_on_every_miss_keeps_every_page_read() {
    let disk = MemoryPlatform::new();
    let cfg = Config {
        cache_growth: CacheGrowth::OnMiss,
        ..config(512, 64)
    };
    create(&disk, &cfg, 100);
    let pager = open(&disk, &cfg);
    for n in 1..=40u32 {
        drop(pager.page(PageNo::new(n).unwrap()).unwrap());
    }
    // Under pressure the same reads settle on a handful of frames (see
    // above); growing on every miss, each page read keeps its own.
    assert_eq!(pager.allocated_frames(), 40);
    for n in 1..=100u32 {
        let page = pager.page(PageNo::new(n).unwrap()).unwrap();
        if n > 1 {
            assert!(page.iter().all(|b| *b == n as u8), "page {n}");
        }
    }
    // At capacity it evicts, as the other policy does.
    assert_eq!(pager.allocated_frames(), 64);
}

/// A pager with a log, on `PATH` and its `-wal`.
fn open_logged<'d>(disk: &'d MemoryPlatform, cfg: &Config) -> Pager<MemoryFile<'d>, Global> {
    let file = disk.open(PATH, OpenMode::Create).unwrap();
    let wal = disk.open("test.db-wal", OpenMode::Create).unwrap();
    Pager::open(file, Some(wal), OpenMode::Create, cfg, Global).unwrap()
}

#[test]
fn a_logged_transaction_larger_than_the_cache_spills_and_commits_whole() {
    let disk = MemoryPlatform::new();
    let cfg = config(512, Config::MIN_CACHE_FRAMES);
    create(&disk, &cfg, 3);
    let pager = open_logged(&disk, &cfg);
    // Rolled back: nothing of it stays, though most of it was spilled.
    pager.begin_write().unwrap();
    for _ in 0..100 {
        pager.allocate().unwrap().fill(0xaa);
    }
    pager.rollback().unwrap();
    assert_eq!(pager.page_count(), 3);
    // Committed: 300 pages through a 12-frame cache, a third of them then
    // freed (the freelist's trunks and page 1's header spill too), and
    // pages changed again after they were spilled.
    pager.begin_write().unwrap();
    for n in 4..=303u32 {
        let mut page = pager.allocate().unwrap();
        assert_eq!(page.number().get(), n);
        page.fill(n as u8);
    }
    for n in (4..=303u32).filter(|n| n % 3 == 0) {
        pager.free(PageNo::new(n).unwrap()).unwrap();
    }
    for n in (4..=303u32).filter(|n| n % 7 == 1) {
        if n % 3 != 0 {
            pager.page_mut(PageNo::new(n).unwrap()).unwrap()[0] = 0xee;
        }
    }
    pager.commit().unwrap();
    let expect = |pager: &Pager<MemoryFile<'_>, Global>| {
        assert_eq!(pager.page_count(), 303);
        assert_eq!(pager.header().freelist_count, 100);
        for n in (4..=303u32).filter(|n| n % 3 != 0) {
            let page = pager.page(PageNo::new(n).unwrap()).unwrap();
            let first = if n % 7 == 1 { 0xee } else { n as u8 };
            assert_eq!(page[0], first, "page {n}");
            assert!(page[1..].iter().all(|b| *b == n as u8), "page {n}");
        }
    };
    expect(&pager);
    drop(pager);
    // The log alone holds the transaction, and recovery takes it whole.
    let reopened = open_logged(&disk, &cfg);
    expect(&reopened);
    let header = DatabaseHeader::parse(&reopened.page(PageNo::ONE).unwrap()[..100]).unwrap();
    assert_eq!(header.freelist_count, 100);
    assert_eq!(header.database_size, 303);
}
