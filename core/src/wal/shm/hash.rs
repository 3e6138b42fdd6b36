//! The WAL index's hash tables: where, in SQLite's shared-memory layout,
//! frame `n`'s page number lives, and how frames are added and dropped.
//!
//! The memory is a run of 32 KiB blocks. Block `b` holds the page numbers
//! of up to 4096 consecutive frames (`aPgno`, native `u32`s) followed by
//! a hash table of 8192 two-byte slots (`aHash`), each 0 or the position
//! (from 1) of a frame of the block in `aPgno`; a page's slot is found by
//! probing from `(page * 383) % 8192` onwards. Block 0 begins with the
//! index header and checkpoint information (136 bytes), so it holds 4062
//! frames and its page numbers start at byte 136.
//!
//! Invariants kept here, as SQLite keeps them:
//! - appending the first frame of a block clears the whole block first;
//! - a slot names a frame at or below the last frame written, and entries
//!   past the last committed frame are cleared before a frame is written
//!   over them ([`clear_after`]), so a writer that died mid-transaction
//!   leaves nothing a reader would trust.

use boundlite_platform::File;

use super::header::word;
use crate::{Error, PageNo, Result};

/// Bytes of one block.
pub(crate) const BLOCK_BYTES: usize = 32 * 1024;
/// Frames a block other than the first holds.
const FRAMES_PER_BLOCK: u32 = 4096;
/// Bytes at the start of block 0 that are not page numbers: the header
/// copies and the checkpoint information.
pub(crate) const INDEX_PREFIX: usize = 136;
/// Frames block 0 holds.
const FRAMES_IN_FIRST: u32 = FRAMES_PER_BLOCK - (INDEX_PREFIX / 4) as u32;
/// Hash slots per block.
const SLOTS: u32 = 8192;
/// Where a block's hash slots begin, from the block's start.
const HASH_AT: usize = FRAMES_PER_BLOCK as usize * 4;

/// Where one block's arrays are.
#[derive(Debug, Clone, Copy)]
struct Block {
    /// Frames before the block's first: frame `zero + i` is at position `i`.
    zero: u32,
    /// Byte offset of the page number of the block's first frame.
    pages: usize,
    /// Byte offset of the block's first hash slot.
    hash: usize,
}

impl Block {
    /// The block holding frame `frame` (from 1).
    fn of(frame: u32) -> Block {
        let n = (frame + FRAMES_PER_BLOCK - FRAMES_IN_FIRST - 1) / FRAMES_PER_BLOCK;
        let start = n as usize * BLOCK_BYTES;
        if n == 0 {
            Block {
                zero: 0,
                pages: INDEX_PREFIX,
                hash: HASH_AT,
            }
        } else {
            Block {
                zero: FRAMES_IN_FIRST + (n - 1) * FRAMES_PER_BLOCK,
                pages: start,
                hash: start + HASH_AT,
            }
        }
    }

    /// The last frame the block holds.
    fn last(&self) -> u32 {
        let frames = if self.zero == 0 {
            FRAMES_IN_FIRST
        } else {
            FRAMES_PER_BLOCK
        };
        self.zero + frames
    }

    /// Byte offset of the page number of frame `frame`, which the block
    /// holds.
    fn page_at(&self, frame: u32) -> usize {
        self.pages + (frame - self.zero - 1) as usize * 4
    }
}

fn slot_of(page: u32) -> u32 {
    page.wrapping_mul(383) & (SLOTS - 1)
}

fn read_u32<F: File>(db: &mut F, at: usize) -> Result<u32> {
    let mut bytes = [0u8; 4];
    db.shm_read(at, &mut bytes)?;
    Ok(u32::from_ne_bytes(bytes))
}

/// The first empty slot of `block`'s hash table probing from `slot`,
/// after at most `probes` taken ones (the frames the block holds before
/// the one being added; more is a damaged table). A page written by
/// every commit (the root of a table, page 1) has as many entries as
/// commits, all on one probe chain, so the slots are read a run at a
/// time rather than one shared-memory read each.
fn free_slot<F: File>(db: &mut F, block: &Block, mut slot: u32, mut probes: u32) -> Result<u32> {
    const RUN: u32 = 64;
    let mut run = [0u8; RUN as usize * 2];
    loop {
        // A run stops at the table's end; the probe wraps to slot 0.
        let n = (SLOTS - slot).min(RUN);
        let bytes = run.get_mut(..n as usize * 2).unwrap_or_default();
        db.shm_read(block.hash + slot as usize * 2, bytes)?;
        for pair in bytes.chunks_exact(2) {
            if let &[low, high] = pair {
                if u16::from_ne_bytes([low, high]) == 0 {
                    return Ok(slot);
                }
            }
            if probes == 0 {
                return Err(Error::corrupt_file("a WAL index hash table is full"));
            }
            probes -= 1;
            slot = (slot + 1) & (SLOTS - 1);
        }
    }
}

/// Writes zeros over `len` bytes at `at`.
fn zero<F: File>(db: &mut F, at: usize, len: usize) -> Result<()> {
    const ZEROS: [u8; 512] = [0; 512];
    let mut done = 0;
    while done < len {
        let n = (len - done).min(ZEROS.len());
        db.shm_write(at + done, ZEROS.get(..n).unwrap_or_default())?;
        done += n;
    }
    Ok(())
}

/// Calls `each(frame, page)` for frames `from + 1 ..= to` in order,
/// reading page numbers a few hundred at a time. A frame the index holds
/// no page for is `Corrupt`: the header promised it.
pub(crate) fn for_frames<F: File>(
    db: &mut F,
    from: u32,
    to: u32,
    mut each: impl FnMut(u32, PageNo) -> Result<()>,
) -> Result<()> {
    let mut buf = [0u8; 512];
    let mut frame = from + 1;
    while frame <= to {
        let block = Block::of(frame);
        let n = (to.min(block.last()) - frame + 1).min((buf.len() / 4) as u32);
        let bytes = buf.get_mut(..n as usize * 4).unwrap_or_default();
        db.shm_read(block.page_at(frame), bytes)?;
        for (i, chunk) in bytes.chunks_exact(4).enumerate() {
            let page = word(chunk, 0);
            let page = PageNo::new(page).ok_or(Error::corrupt_file(
                "the WAL index names no page for a committed frame",
            ))?;
            each(frame + i as u32, page)?;
        }
        frame += n;
    }
    Ok(())
}

/// Records that frame `frame` holds `page` (SQLite's `walIndexAppend`).
/// `committed` is the last committed frame: entries past it left by a
/// writer that never committed are cleared first.
pub(crate) fn append<F: File>(db: &mut F, frame: u32, page: PageNo, committed: u32) -> Result<()> {
    let block = Block::of(frame);
    let position = frame - block.zero;
    if position == 1 {
        zero(
            db,
            block.pages,
            block.hash + SLOTS as usize * 2 - block.pages,
        )?;
    } else if read_u32(db, block.page_at(frame))? != 0 {
        clear_after(db, committed)?;
    }
    let slot = free_slot(db, &block, slot_of(page.get()), position)?;
    db.shm_write(block.page_at(frame), &page.get().to_ne_bytes())?;
    // Positions fit in a slot: a block holds at most 4096 frames.
    let position = u16::try_from(position).map_err(|_| Error::Misuse("frame position overflow"))?;
    db.shm_write(block.hash + slot as usize * 2, &position.to_ne_bytes())?;
    Ok(())
}

/// Drops every entry for a frame after `last` from the block that holds
/// frame `last` (SQLite's `walCleanupHash`); later blocks are cleared when
/// their first frame is appended.
pub(crate) fn clear_after<F: File>(db: &mut F, last: u32) -> Result<()> {
    if last == 0 {
        return Ok(());
    }
    let block = Block::of(last);
    let limit = last - block.zero;
    let mut buf = [0u8; 512];
    let mut at = block.hash;
    let end = block.hash + SLOTS as usize * 2;
    while at < end {
        db.shm_read(at, &mut buf)?;
        let mut changed = false;
        for pair in buf.chunks_exact_mut(2) {
            let position = u16::from_ne_bytes([
                pair.first().copied().unwrap_or(0),
                pair.get(1).copied().unwrap_or(0),
            ]);
            if u32::from(position) > limit {
                pair.copy_from_slice(&[0, 0]);
                changed = true;
            }
        }
        if changed {
            db.shm_write(at, &buf)?;
        }
        at += buf.len();
    }
    let from = block.page_at(last) + 4;
    zero(db, from, block.hash - from)
}
