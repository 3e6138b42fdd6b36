//! The WAL index in SQLite's shared-memory format (the `-shm` file), read
//! and written through the database file handle's shared-memory methods
//! ([`File::shm_read`] and friends), so that boundlite and SQLite
//! processes that share a database see each other's commits.
//!
//! What lives where (SQLite's `walformat` document):
//! - bytes 0..96: two copies of the [`IndexHeader`] (`header`);
//! - bytes 96..136: the checkpoint information: frames backfilled
//!   (`nBackfill`), five read marks, eight bytes the unix locks use, and
//!   the frames a checkpoint last attempted;
//! - from byte 136 on: the hash tables of page numbers (`hash`).
//!
//! And the eight lock slots: 0 the write lock (one writer at a time), 1
//! the checkpoint lock, 2 the recovery lock, 3..8 one per read mark. A
//! reader holds read mark `i`'s slot shared while it reads: the mark is a
//! frame at or below its snapshot, so no checkpoint copies a frame past it
//! into the database file, and no writer restarts the log under it. Read
//! mark 0 is for readers of a log that is entirely in the database file:
//! they read the database file alone.
//!
//! This module is the format and the primitive steps; the protocol (which
//! locks a read, a write, a checkpoint and a recovery take, in what order)
//! is the pager's, in `pager/shared.rs`.

pub(crate) mod hash;
pub(crate) mod header;

use boundlite_platform::{File, ShmLockKind, ShmSlots};

pub(crate) use header::{HEADER_BYTES, IndexHeader, Unusable};

use crate::{Error, Result};

/// Read marks (SQLite's `WAL_NREADER`).
pub(crate) const READ_MARKS: u8 = 5;
/// A read mark no reader uses.
pub(crate) const MARK_UNUSED: u32 = 0xffff_ffff;

/// Byte offset of `nBackfill`.
const BACKFILL_AT: usize = 96;
/// Byte offset of the first read mark.
const MARKS_AT: usize = 100;
/// Byte offset of `nBackfillAttempted`.
const ATTEMPTED_AT: usize = 128;

/// The lock slots of the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    /// One writer at a time.
    Write,
    /// One checkpoint at a time.
    Checkpoint,
    /// Held while the index is rebuilt from the log.
    Recover,
    /// Read mark `n` (0..5) in use.
    Read(u8),
}

impl Slot {
    /// The slot's bit in a mask of slots.
    pub(crate) fn bit(self) -> u8 {
        1 << self.number()
    }

    fn number(self) -> u8 {
        match self {
            Slot::Write => 0,
            Slot::Checkpoint => 1,
            Slot::Recover => 2,
            Slot::Read(n) => 3 + n,
        }
    }

    fn slots(self) -> Result<ShmSlots> {
        ShmSlots::one(self.number()).ok_or(Error::Misuse("no such WAL index lock"))
    }
}

/// Takes `slot` as `kind`; `Busy` when another handle's lock conflicts.
pub(crate) fn lock<F: File>(db: &mut F, slot: Slot, kind: ShmLockKind) -> Result<()> {
    Ok(db.shm_lock(slot.slots()?, kind)?)
}

/// Gives back this handle's `kind` lock on `slot`.
pub(crate) fn unlock<F: File>(db: &mut F, slot: Slot, kind: ShmLockKind) -> Result<()> {
    Ok(db.shm_unlock(slot.slots()?, kind)?)
}

/// Takes read marks `1..5` exclusively, all or none: no reader uses the
/// log.
pub(crate) fn lock_readers<F: File>(db: &mut F) -> Result<()> {
    Ok(db.shm_lock(readers()?, ShmLockKind::Exclusive)?)
}

/// Gives back what [`lock_readers`] took.
pub(crate) fn unlock_readers<F: File>(db: &mut F) -> Result<()> {
    Ok(db.shm_unlock(readers()?, ShmLockKind::Exclusive)?)
}

fn readers() -> Result<ShmSlots> {
    ShmSlots::new(Slot::Read(1).number(), READ_MARKS - 1)
        .ok_or(Error::Misuse("no such WAL index lock"))
}

/// Reads the header as SQLite's `walIndexTryHdr` does: both copies, with
/// a barrier between, equal and valid.
pub(crate) fn read_header<F: File>(db: &mut F) -> Result<Result<IndexHeader, Unusable>> {
    let mut first = [0u8; HEADER_BYTES];
    let mut second = [0u8; HEADER_BYTES];
    db.shm_read(0, &mut first)?;
    db.shm_barrier();
    db.shm_read(HEADER_BYTES, &mut second)?;
    if first != second {
        return Ok(Err(Unusable::Rebuild));
    }
    Ok(IndexHeader::decode(&first))
}

/// Publishes `header`: the second copy, a barrier, then the first, so a
/// reader that sees two equal copies sees a whole header.
pub(crate) fn write_header<F: File>(db: &mut F, header: &IndexHeader) -> Result<()> {
    let bytes = header.encode();
    db.shm_write(HEADER_BYTES, &bytes)?;
    db.shm_barrier();
    db.shm_write(0, &bytes)?;
    Ok(())
}

fn read_word<F: File>(db: &mut F, at: usize) -> Result<u32> {
    let mut bytes = [0u8; 4];
    db.shm_read(at, &mut bytes)?;
    Ok(u32::from_ne_bytes(bytes))
}

fn write_word<F: File>(db: &mut F, at: usize, value: u32) -> Result<()> {
    Ok(db.shm_write(at, &value.to_ne_bytes())?)
}

/// Frames `1..=n` are in the database file.
pub(crate) fn backfilled<F: File>(db: &mut F) -> Result<u32> {
    read_word(db, BACKFILL_AT)
}

/// Records that frames `1..=n` are in the database file.
pub(crate) fn set_backfilled<F: File>(db: &mut F, n: u32) -> Result<()> {
    write_word(db, BACKFILL_AT, n)
}

/// Records the frames a checkpoint is about to copy.
pub(crate) fn set_attempted<F: File>(db: &mut F, n: u32) -> Result<()> {
    write_word(db, ATTEMPTED_AT, n)
}

/// Read mark `n`.
pub(crate) fn mark<F: File>(db: &mut F, n: u8) -> Result<u32> {
    read_word(db, MARKS_AT + usize::from(n) * 4)
}

/// Sets read mark `n`; its slot must be held exclusively.
pub(crate) fn set_mark<F: File>(db: &mut F, n: u8, value: u32) -> Result<()> {
    write_word(db, MARKS_AT + usize::from(n) * 4, value)
}

/// Resets the checkpoint information for a log that starts over, as
/// SQLite's `walRestartHdr` does: nothing backfilled, read mark 1 at 0 and
/// the others unused. Read marks `1..5` must be held exclusively.
pub(crate) fn reset_marks<F: File>(db: &mut F) -> Result<()> {
    set_backfilled(db, 0)?;
    set_attempted(db, 0)?;
    set_mark(db, 0, 0)?;
    set_mark(db, 1, 0)?;
    for n in 2..READ_MARKS {
        set_mark(db, n, MARK_UNUSED)?;
    }
    Ok(())
}
