//! [`Pager::set_cache_frames`]: raising the cache's limit lets a
//! transaction that was too large for it run; lowering it frees the
//! frames past it as soon as they are free.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

extern crate std;

use boundlite_platform::{MemoryFile, MemoryPlatform, OpenMode, Platform};

use super::cache::MAX_FRAMES;
use super::*;
use crate::alloc::{Arena, Global};
use crate::config::CacheGrowth;
use crate::format::PageSize;

const PATH: &str = "capacity.db";
const PAGE: u32 = 512;

fn config(frames: usize) -> Config {
    Config {
        page_size: PageSize::new(PAGE).unwrap(),
        cache_frames: frames,
        cache_growth: CacheGrowth::OnMiss,
        ..Config::DEFAULT
    }
}

fn open<'d, A: Allocator + Clone>(
    disk: &'d MemoryPlatform,
    frames: usize,
    alloc: A,
) -> Pager<MemoryFile<'d>, A> {
    let file = disk.open(PATH, OpenMode::Create).unwrap();
    Pager::open(file, None, OpenMode::Create, &config(frames), alloc).unwrap()
}

/// A database of `pages` pages, page `n` filled with `n`; page 1 is left
/// zeroed past the header, which no test here parses.
fn create(disk: &MemoryPlatform, pages: u32) {
    let pager = open(disk, 64, Global);
    for n in 1..=pages {
        if !pager.in_write_transaction() {
            pager.begin_write().unwrap();
        }
        let mut page = pager.allocate().unwrap();
        if n > 1 {
            page.fill(n as u8);
        }
        drop(page);
        if n % 8 == 0 || n == pages {
            pager.commit().unwrap();
        }
    }
}

/// Changes pages `from..=to` in one transaction, writing `byte`.
fn change<A: Allocator + Clone>(
    pager: &Pager<MemoryFile<'_>, A>,
    from: u32,
    to: u32,
    byte: u8,
) -> Result<()> {
    pager.begin_write()?;
    for n in from..=to {
        let changed = pager
            .page_mut(PageNo::new(n).unwrap())
            .map(|mut page| page.fill(byte));
        if let Err(e) = changed {
            pager.rollback()?;
            return Err(e);
        }
    }
    pager.commit()
}

/// Checks that pages `2..=pages` hold what `create` wrote.
fn as_created<A: Allocator + Clone>(pager: &Pager<MemoryFile<'_>, A>, pages: u32) {
    as_created_from(pager, 2, pages);
}

/// Checks that pages `from..=to` hold what `create` wrote.
fn as_created_from<A: Allocator + Clone>(pager: &Pager<MemoryFile<'_>, A>, from: u32, to: u32) {
    for n in from..=to {
        let page = pager.page(PageNo::new(n).unwrap()).unwrap();
        assert!(page.iter().all(|b| *b == n as u8), "page {n}");
    }
}

/// A pager without a log cannot spill: its transactions must fit.
#[test]
fn raising_the_limit_lets_a_larger_transaction_run() {
    let disk = MemoryPlatform::new();
    create(&disk, 300);
    let pager = open(&disk, Config::MIN_CACHE_FRAMES, Global);
    assert_eq!(change(&pager, 2, 40, 0xaa), Err(Error::CacheFull));
    as_created(&pager, 300);
    assert_eq!(pager.set_cache_frames(48), Ok(48));
    assert_eq!(pager.cache_frames(), 48);
    change(&pager, 2, 40, 0xaa).unwrap();
    for n in 2..=40 {
        let page = pager.page(PageNo::new(n).unwrap()).unwrap();
        assert!(page.iter().all(|b| *b == 0xaa), "page {n}");
    }
    // Far past the first chunks: every page keeps a frame of its own
    // (the cache grows on every miss), across several table segments.
    pager.set_cache_frames(300).unwrap();
    drop(pager.page(PageNo::ONE).unwrap());
    as_created_from(&pager, 41, 300);
    assert_eq!(pager.allocated_frames(), 300);
    as_created_from(&pager, 41, 300);
}

#[test]
fn the_limit_is_clamped_to_what_a_cache_can_have() {
    let disk = MemoryPlatform::new();
    create(&disk, 4);
    let pager = open(&disk, 64, Global);
    assert_eq!(pager.set_cache_frames(1), Ok(Config::MIN_CACHE_FRAMES));
    assert_eq!(pager.cache_frames(), Config::MIN_CACHE_FRAMES);
    assert_eq!(pager.set_cache_frames(usize::MAX), Ok(MAX_FRAMES));
    // A limit that high allocates nothing until pages are used.
    assert_eq!(pager.allocated_frames(), 0);
}

#[test]
fn lowering_the_limit_frees_the_frames_past_it() {
    let disk = MemoryPlatform::new();
    create(&disk, 60);
    let mut buffer = std::vec![0u8; 256 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let pager = open(&disk, 64, &arena);
    for n in 1..=40 {
        drop(pager.page(PageNo::new(n).unwrap()).unwrap());
    }
    assert_eq!(pager.allocated_frames(), 40);
    let full = arena.stats().in_use;
    assert_eq!(pager.set_cache_frames(16), Ok(16));
    assert_eq!(pager.allocated_frames(), 16);
    let freed = full - arena.stats().in_use;
    assert!(freed >= 24 * PAGE as usize, "{freed} bytes freed");
    // Reads go on within the lower limit, and never grow past it.
    as_created(&pager, 60);
    assert_eq!(pager.allocated_frames(), 16);
    // Raised again, it grows back.
    pager.set_cache_frames(32).unwrap();
    for n in 1..=60 {
        drop(pager.page(PageNo::new(n).unwrap()).unwrap());
    }
    assert_eq!(pager.allocated_frames(), 32);
}

#[test]
fn a_pinned_or_changed_frame_past_the_limit_is_freed_once_it_is_free() {
    let disk = MemoryPlatform::new();
    create(&disk, 60);
    let pager = open(&disk, 64, Global);
    for n in 1..=30 {
        drop(pager.page(PageNo::new(n).unwrap()).unwrap());
    }
    // The last frame allocated holds page 30: a handle pins it.
    let pinned = pager.page(PageNo::new(30).unwrap()).unwrap();
    pager.set_cache_frames(12).unwrap();
    assert_eq!(
        pager.allocated_frames(),
        30,
        "the pinned frame holds the rest"
    );
    // Misses meanwhile reuse only frames below the limit.
    for n in 31..=60 {
        drop(pager.page(PageNo::new(n).unwrap()).unwrap());
    }
    assert_eq!(pager.allocated_frames(), 30);
    assert!(pinned.iter().all(|b| *b == 30));
    drop(pinned);
    drop(pager.page(PageNo::new(2).unwrap()).unwrap());
    assert_eq!(pager.allocated_frames(), 12);

    // Changed pages stay in their frames until the transaction ends.
    pager.set_cache_frames(40).unwrap();
    pager.begin_write().unwrap();
    for n in 2..=36 {
        pager.page_mut(PageNo::new(n).unwrap()).unwrap().fill(0x5c);
    }
    let allocated = pager.allocated_frames();
    assert!(allocated > 30, "{allocated}");
    pager.set_cache_frames(12).unwrap();
    assert_eq!(pager.allocated_frames(), allocated);
    pager.commit().unwrap();
    drop(pager.page(PageNo::new(50).unwrap()).unwrap());
    assert_eq!(pager.allocated_frames(), 12);
    for n in 2..=36 {
        let page = pager.page(PageNo::new(n).unwrap()).unwrap();
        assert!(page.iter().all(|b| *b == 0x5c), "page {n}");
    }
}
