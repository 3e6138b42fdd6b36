//! boundlite's main job until the shell exists: a workload that lives
//! entirely inside one fixed 64 KiB arena (a RAM disk and its files, the
//! working buffers), with the arena's statistics printed as it goes, and an
//! OOM sweep showing that every allocation failure along the way is an
//! ordinary, leak-free error.
//!
//! Run it with `cargo run --release -p boundlite --example arena`.

use boundlite::alloc::{Arena, ArenaStats, FaultAlloc, Global, Vec, oom_sweep, try_format_in};
use boundlite::platform::{File, MemoryPlatform, OpenMode, Platform};
use boundlite::{Error, Result};

const ARENA_BYTES: usize = 64 * 1024;
const PAGE_SIZE: usize = 4096;

/// Writes `pages` pages of numbered records to `path` on `disk`, syncs, and
/// reads them back; returns the number of bytes verified.
fn workload<A>(disk: &MemoryPlatform<A>, alloc: A, path: &str, pages: usize) -> Result<usize>
where
    A: boundlite::alloc::Allocator + Clone,
{
    let mut file = disk.open(path, OpenMode::Create)?;
    let mut page = Vec::try_from_elem_in(0u8, PAGE_SIZE, alloc.clone())?;
    for n in 0..pages {
        let record = try_format_in!(alloc.clone(), "page {n} of {pages}")?;
        page.fill(0);
        let (head, _) = page.split_at_mut(record.len());
        head.copy_from_slice(record.as_bytes());
        file.write_at((n * PAGE_SIZE) as u64, &page)?;
    }
    file.sync()?;
    let mut verified = 0;
    for n in 0..pages {
        file.read_exact_at((n * PAGE_SIZE) as u64, &mut page)?;
        let expected = try_format_in!(alloc.clone(), "page {n} of {pages}")?;
        if !page.starts_with(expected.as_bytes()) {
            return Err(Error::corrupt_file("a page read back differently"));
        }
        verified += page.len();
    }
    Ok(verified)
}

fn show(label: &str, s: ArenaStats) {
    println!(
        "{label:<28} in use {:>6} B  peak {:>6} B  live {:>3}  allocations {:>4}  refused {}",
        s.in_use, s.peak_in_use, s.live_allocations, s.total_allocations, s.failed_allocations
    );
}

fn main() -> std::process::ExitCode {
    // The arena's own buffer: on firmware a `static` array, here one
    // allocation from the global heap, made fallibly like every other.
    let Ok(mut buffer) = Vec::try_from_elem_in(0u8, ARENA_BYTES, Global) else {
        eprintln!("error: no {ARENA_BYTES} bytes for the arena");
        return std::process::ExitCode::FAILURE;
    };
    let Ok(arena) = Arena::new(&mut buffer) else {
        eprintln!("error: {ARENA_BYTES} bytes cannot hold an arena");
        return std::process::ExitCode::FAILURE;
    };
    println!(
        "arena: {} bytes, {} usable",
        arena.stats().capacity,
        arena.stats().available
    );
    show("empty", arena.stats());

    let disk = MemoryPlatform::new_in(&arena);
    match workload(&disk, &arena, "example.db", 8) {
        Ok(bytes) => println!("8 pages written, synced and verified ({bytes} bytes)"),
        Err(e) => println!("8 pages: {e} (SQLite code {})", e.code()),
    }
    show("after 8 pages (32 KiB file)", arena.stats());

    // Too big for the arena: the write fails cleanly and the file is intact.
    match workload(&disk, &arena, "too-big.db", 32) {
        Ok(_) => println!("32 pages unexpectedly fit"),
        Err(e) => println!("32 pages: {e} (SQLite code {})", e.code()),
    }
    show("after the refused workload", arena.stats());
    if let Err(e) = (&disk).delete("too-big.db") {
        println!("deleting too-big.db: {e}");
    }
    show("after deleting too-big.db", arena.stats());
    let intact = workload(&disk, &arena, "example.db", 8).is_ok();
    println!("example.db still reads back: {intact}");

    // Every allocation of a 2-page workload, failed in turn.
    let fault = FaultAlloc::new(&arena);
    let baseline = arena.stats().live_allocations;
    let mut leaks = 0;
    let report = oom_sweep(
        &fault,
        false,
        |f| {
            let scratch = MemoryPlatform::new_in(f);
            workload(&scratch, f, "sweep.db", 2)
        },
        |_, e| {
            if e != Error::OutOfMemory || arena.stats().live_allocations != baseline {
                leaks += 1;
            }
        },
    );
    match report {
        Ok(r) => println!(
            "OOM sweep: {} failure points, {} errors, {} not clean; final run made {} allocations",
            r.failure_points, r.errors, leaks, r.allocations
        ),
        Err(e) => println!("OOM sweep: a run failed without an injected fault: {e}"),
    }
    show("at exit", arena.stats());
    if leaks == 0 {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}
