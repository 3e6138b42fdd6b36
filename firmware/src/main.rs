//! boundlite on a Cortex-M4 (QEMU's `mps2-an386`): the whole engine in a
//! 64 KiB heap, its database on a RAM disk, reporting through semihosting.
//!
//! Memory, all of it static:
//! - the heap ([`HEAP_BYTES`]) is one arena: every byte the engine uses
//!   (page cache, log index, sorter, statements, schema) comes from it, and
//!   its peak is the figure the firmware ends on;
//! - the RAM disk ([`DISK_BYTES`]) is a second arena that only the
//!   [`MemoryPlatform`] allocates from: it stands for the storage (the
//!   database file, its log, the log's shared index and the sorter's
//!   temporary files), not for working memory;
//! - the global allocator refuses everything, so nothing reaches memory
//!   but through these two arenas.
//!
//! With the `power-cuts` feature it then runs a crash sweep (`power`).
//!
//! The firmware exits through semihosting: 0 when every step did what it
//! should and the heap is empty again, 1 on any failure, panic or
//! HardFault.
#![no_std]
#![no_main]

mod board;
#[cfg(feature = "power-cuts")]
mod power;
mod stack;
mod text;
mod workload;

use boundlite::alloc::Arena;
use boundlite::platform::MemoryPlatform;
use cortex_m_rt::entry;

/// The engine's heap: page cache, log index, sort buffers, statements.
const HEAP_BYTES: usize = 64 * 1024;

/// The RAM disk's storage: the file, its log and temporary files.
const DISK_BYTES: usize = 3 * 1024 * 1024;

static mut HEAP: [u8; HEAP_BYTES] = [0; HEAP_BYTES];
static mut DISK: [u8; DISK_BYTES] = [0; DISK_BYTES];

#[entry]
fn main() -> ! {
    stack::paint();
    // SAFETY: `main` runs once and never returns, and nothing else names
    // these statics, so these are the only references to them ever made.
    let (heap, disk) = unsafe {
        (
            &mut *core::ptr::addr_of_mut!(HEAP),
            &mut *core::ptr::addr_of_mut!(DISK),
        )
    };
    let (Ok(heap), Ok(disk)) = (Arena::new(heap), Arena::new(disk)) else {
        board::fail("the static buffers cannot hold an arena")
    };
    let platform = MemoryPlatform::new_in(&disk);
    let outcome = workload::run(&platform, &heap, &disk);
    #[cfg(feature = "power-cuts")]
    let outcome = outcome.and_then(|()| power::sweep(&heap, &disk));
    match outcome {
        Ok(()) => {
            let stats = heap.stats();
            if stats.live_allocations != 0 {
                board::fail(format_args!(
                    "{} allocations still live on the heap with every database closed",
                    stats.live_allocations
                ));
            }
            board::say(format_args!(
                "every database closed: 0 allocations live on the heap; {} made, {} refused",
                stats.total_allocations, stats.failed_allocations
            ));
            board::say(format_args!("stack peak {} bytes", stack::peak()));
            board::say(format_args!(
                "heap peak {} of {} bytes",
                stats.peak_in_use, stats.capacity
            ));
            board::exit(true)
        }
        Err(failure) => board::fail(failure),
    }
}
