//! [`Mapping`]: one `MAP_SHARED` read-write view of a file's bytes, and the
//! only code that touches them.
//!
//! Invariants:
//! - The mapped range lies wholly inside the file for the mapping's whole
//!   life. Whoever creates a `Mapping` makes sure the file is long enough
//!   and that nobody shortens it while mapped (the `-shm` dead-man switch:
//!   a file is truncated only by a process that finds no one attached),
//!   so an access never faults with `SIGBUS`.
//! - Other processes and threads write the same bytes concurrently, so
//!   every access is a relaxed atomic one, byte by byte; ordering between
//!   accesses is the caller's business (`shm_barrier`).

use std::fs;
use std::io;
use std::os::fd::AsRawFd;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU8, Ordering};

/// `len` bytes of a file, mapped shared, read-write.
#[derive(Debug)]
pub(crate) struct Mapping {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: the mapping is plain shared memory; every access through it is
// atomic, so it may be used from any thread and from several at once.
unsafe impl Send for Mapping {}
// SAFETY: as for `Send`.
unsafe impl Sync for Mapping {}

impl Mapping {
    /// Maps `len` bytes of `file` from `offset` (a multiple of the page
    /// size). The caller keeps the file at least `offset + len` long while
    /// the mapping lives.
    pub(crate) fn new(file: &fs::File, offset: u64, len: usize) -> io::Result<Self> {
        let offset = libc::off_t::try_from(offset)
            .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
        // SAFETY: a fresh mapping at an address the kernel picks, of a
        // descriptor open for reading and writing; it aliases no Rust object.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                file.as_raw_fd(),
                offset,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let ptr = NonNull::new(ptr.cast::<u8>())
            .ok_or_else(|| io::Error::from(io::ErrorKind::AddrNotAvailable))?;
        Ok(Self { ptr, len })
    }

    /// The byte at `at`, which is below `len`.
    fn byte(&self, at: usize) -> &AtomicU8 {
        debug_assert!(at < self.len);
        // SAFETY: `at < len`, so the pointer stays inside the live mapping,
        // which is valid for reads and writes for `self`'s lifetime; all
        // accesses to it are atomic (module invariant), and `AtomicU8` has
        // the size and alignment of `u8`.
        unsafe { AtomicU8::from_ptr(self.ptr.as_ptr().add(at)) }
    }

    /// Copies the bytes at `at` into `buf`; `false` (copying nothing) when
    /// they pass the end of the mapping.
    pub(crate) fn read(&self, at: usize, buf: &mut [u8]) -> bool {
        if at.checked_add(buf.len()).is_none_or(|end| end > self.len) {
            return false;
        }
        for (i, b) in buf.iter_mut().enumerate() {
            *b = self.byte(at + i).load(Ordering::Relaxed);
        }
        true
    }

    /// Copies `data` to `at`; `false` (copying nothing) when it would pass
    /// the end of the mapping.
    pub(crate) fn write(&self, at: usize, data: &[u8]) -> bool {
        if at.checked_add(data.len()).is_none_or(|end| end > self.len) {
            return false;
        }
        for (i, b) in data.iter().enumerate() {
            self.byte(at + i).store(*b, Ordering::Relaxed);
        }
        true
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: `ptr`/`len` are exactly what `mmap` returned, and no
        // reference into the mapping outlives `self`. A failed munmap
        // leaves only address space behind, nothing to act on.
        unsafe {
            libc::munmap(self.ptr.as_ptr().cast(), self.len);
        }
    }
}
