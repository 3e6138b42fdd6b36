//! Tests of the write-ahead log: format vectors, the index, recovery,
//! appends, checkpoints, crash sweeps and OOM sweeps. Shared helpers here.
// Test scaffolding uses std's collections.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

extern crate std;

mod append;
mod checkpoint;
mod crash;
mod format;
mod index;
mod oom;
mod recovery;

use std::vec::Vec as StdVec;

use boundlite_platform::{File, MemoryFile, MemoryPlatform, OpenMode, Platform};

use super::*;
use crate::alloc::Global;
use crate::format::PageSize;
use crate::{Error, PageNo};

/// Page size of most tests: frames of 536 bytes straddle 512-byte sectors.
const PS: u32 = 512;
const WAL: &str = "test.db-wal";
const DB: &str = "test.db";

fn page_size() -> PageSize {
    PageSize::new(PS).unwrap()
}

fn page(n: u32) -> PageNo {
    PageNo::new(n).unwrap()
}

/// A page's bytes that name the transaction (`tag`) and page that wrote
/// them, so a test can tell every version apart.
fn content(tag: u32, page: u32) -> StdVec<u8> {
    let mut bytes = std::vec![0u8; PS as usize];
    bytes[..4].copy_from_slice(&tag.to_be_bytes());
    bytes[4..8].copy_from_slice(&page.to_be_bytes());
    for (i, b) in bytes.iter_mut().enumerate().skip(8) {
        *b = (i as u32).wrapping_mul(31).wrapping_add(tag * 7 + page) as u8;
    }
    bytes
}

/// The (tag, page) a page's bytes were made from by [`content`].
fn tag_of(bytes: &[u8]) -> (u32, u32) {
    let tag = u32::from_be_bytes(bytes[..4].try_into().unwrap());
    let page = u32::from_be_bytes(bytes[4..8].try_into().unwrap());
    assert_eq!(
        bytes,
        content(tag, page),
        "page bytes are not a whole version"
    );
    (tag, page)
}

fn open_file<'d>(disk: &'d MemoryPlatform, path: &str) -> MemoryFile<'d> {
    disk.open(path, OpenMode::Create).unwrap()
}

fn open_wal(disk: &MemoryPlatform) -> Wal<MemoryFile<'_>, Global> {
    Wal::open(open_file(disk, WAL), page_size(), Global).unwrap()
}

/// Appends transaction `tag`: `pages` with their [`content`], committing
/// a database of `db_size` pages.
fn commit<F: File, A: crate::alloc::Allocator + Clone>(
    wal: &mut Wal<F, A>,
    tag: u32,
    pages: &[u32],
    db_size: u32,
) -> crate::Result<()> {
    let bytes: StdVec<_> = pages.iter().map(|&p| (page(p), content(tag, p))).collect();
    wal.append(bytes.iter().map(|(p, b)| (*p, b.as_slice())), db_size)
}

/// Page `n` as a reader of `snapshot` sees it: from the log, or else the
/// database file (zeros past its end).
fn read_as_of<F: File, A: crate::alloc::Allocator + Clone>(
    wal: &mut Wal<F, A>,
    db: &mut impl File,
    n: u32,
    snapshot: u32,
) -> StdVec<u8> {
    let mut buf = std::vec![0u8; PS as usize];
    if !wal.read_version(page(n), snapshot, &mut buf).unwrap() {
        buf.fill(0);
        let _ = db.read_at(page(n).offset(PS), &mut buf).unwrap();
    }
    buf
}
