//! What a [`FaultPlatform`](super::FaultPlatform) remembers about each file
//! so it can say what a power cut would leave: the file as of its last
//! successful sync (its *durable image*) and the writes and truncations
//! issued since (its *pending* operations), each with a sequence number
//! that orders operations across all files.
//!
//! Invariants:
//! - for a file touched only through the fault platform, the inner
//!   platform's bytes equal the durable image with every pending operation
//!   applied in order;
//! - pending operations of one record are in increasing sequence order, and
//!   sequence numbers are never reused while the platform lives;
//! - a record is *named* while its path exists; deleting the path unnames
//!   it, and an unnamed record with no handle is *free*: its memory is
//!   released and its slot reused. A handle's record id therefore stays
//!   valid for the handle's life, as in the RAM disk's table;
//! - a successful sync reserves the room its durable image needs before the
//!   inner sync, so folding the pending operations in afterwards cannot fail.

use boundlite_alloc::{Allocator, String, Vec};

use crate::{ErrorKind, PlatformError};

/// A write or truncation issued since the file's last sync.
pub(super) enum Pending<A: Allocator> {
    /// `data` was written at `offset`.
    Write {
        seq: u64,
        offset: u64,
        data: Vec<u8, A>,
    },
    /// The length was set to `len`.
    Truncate { seq: u64, len: u64 },
}

impl<A: Allocator> Pending<A> {
    pub(super) fn seq(&self) -> u64 {
        match self {
            Pending::Write { seq, .. } | Pending::Truncate { seq, .. } => *seq,
        }
    }

    /// The file's length after this operation, from `len` before it.
    fn len_after(&self, len: u64) -> u64 {
        match self {
            Pending::Write { offset, data, .. } if !data.is_empty() => {
                len.max(offset.saturating_add(len_u64(data.len())))
            }
            Pending::Write { .. } => len,
            Pending::Truncate { len: to, .. } => *to,
        }
    }
}

/// One file's durable image and pending operations.
pub(super) struct Record<A: Allocator> {
    pub(super) path: Option<String<A>>,
    pub(super) durable: Vec<u8, A>,
    pub(super) pending: Vec<Pending<A>, A>,
    handles: usize,
}

impl<A: Allocator> Record<A> {
    fn is_free(&self) -> bool {
        self.path.is_none() && self.handles == 0
    }

    /// Reserves room for the longest length the image reaches while every
    /// pending operation is applied, so applying any subset cannot fail.
    pub(super) fn reserve_for_pending(&mut self) -> Result<(), PlatformError> {
        let mut len = len_u64(self.durable.len());
        let mut peak = len;
        for op in self.pending.iter() {
            len = op.len_after(len);
            peak = peak.max(len);
        }
        let extra = to_index(peak)?.saturating_sub(self.durable.len());
        self.durable.try_reserve(extra)?;
        Ok(())
    }
}

/// The records of every file the fault platform has opened.
pub(super) struct Journal<A: Allocator + Clone> {
    alloc: A,
    records: Vec<Record<A>, A>,
    next_seq: u64,
}

impl<A: Allocator + Clone> Journal<A> {
    pub(super) fn new_in(alloc: A) -> Self {
        Self {
            records: Vec::new_in(alloc.clone()),
            alloc,
            next_seq: 0,
        }
    }

    pub(super) fn allocator(&self) -> &A {
        &self.alloc
    }

    pub(super) fn records(&self) -> &[Record<A>] {
        &self.records
    }

    pub(super) fn records_mut(&mut self) -> &mut [Record<A>] {
        &mut self.records
    }

    /// Forgets every record; only once no handle is open.
    pub(super) fn clear(&mut self) {
        self.records.clear();
    }

    /// Pending operations across all files.
    pub(super) fn unsynced(&self) -> usize {
        self.records
            .iter()
            .filter(|r| r.path.is_some())
            .map(|r| r.pending.len())
            .sum()
    }

    pub(super) fn find(&self, path: &str) -> Option<usize> {
        self.records
            .iter()
            .position(|r| r.path.as_ref().is_some_and(|p| p.as_str() == path))
    }

    /// Starts tracking `path`, whose content is `durable` (read from the
    /// inner platform, where it is taken to be synced already).
    pub(super) fn insert(
        &mut self,
        path: &str,
        durable: Vec<u8, A>,
    ) -> Result<usize, PlatformError> {
        let record = Record {
            path: Some(String::try_from_str_in(path, self.alloc.clone())?),
            durable,
            pending: Vec::new_in(self.alloc.clone()),
            handles: 0,
        };
        if let Some(id) = self.records.iter().position(Record::is_free) {
            *self.record_mut(id)? = record;
            return Ok(id);
        }
        self.records.try_push(record)?;
        Ok(self.records.len() - 1)
    }

    fn record_mut(&mut self, id: usize) -> Result<&mut Record<A>, PlatformError> {
        // Ids come only from `insert`/`find`, and held records are never
        // dropped: a miss is a bookkeeping fault, reported rather than panicked.
        self.records
            .get_mut(id)
            .ok_or(PlatformError::new(ErrorKind::Io))
    }

    pub(super) fn hold(&mut self, id: usize) -> Result<(), PlatformError> {
        self.record_mut(id)?.handles += 1;
        Ok(())
    }

    pub(super) fn release(&mut self, id: usize) {
        if let Some(record) = self.records.get_mut(id) {
            record.handles = record.handles.saturating_sub(1);
        }
        self.drop_if_unused(id);
    }

    /// The path was deleted: its pending writes can no longer reach it.
    pub(super) fn detach(&mut self, path: &str) {
        if let Some(id) = self.find(path) {
            if let Some(record) = self.records.get_mut(id) {
                record.path = None;
            }
            self.drop_if_unused(id);
        }
    }

    /// Releases record `id`'s memory once it is unnamed and unheld; the
    /// slot itself stays, for `insert` to reuse, so other ids stay put.
    fn drop_if_unused(&mut self, id: usize) {
        let empty = Vec::new_in(self.alloc.clone());
        let pending = Vec::new_in(self.alloc.clone());
        if let Some(record) = self.records.get_mut(id).filter(|r| r.is_free()) {
            record.durable = empty;
            record.pending = pending;
        }
    }

    /// Logs a write of `data` at `offset`; undo with [`unlog`](Self::unlog)
    /// if the inner write then fails.
    pub(super) fn log_write(
        &mut self,
        id: usize,
        offset: u64,
        data: &[u8],
    ) -> Result<(), PlatformError> {
        let data = Vec::try_from_slice_in(data, self.alloc.clone())?;
        let seq = self.next_seq;
        self.record_mut(id)?
            .pending
            .try_push(Pending::Write { seq, offset, data })?;
        self.next_seq += 1;
        Ok(())
    }

    /// Logs a truncation to `len`; undo with [`unlog`](Self::unlog).
    pub(super) fn log_truncate(&mut self, id: usize, len: u64) -> Result<(), PlatformError> {
        let seq = self.next_seq;
        self.record_mut(id)?
            .pending
            .try_push(Pending::Truncate { seq, len })?;
        self.next_seq += 1;
        Ok(())
    }

    /// Forgets the operation just logged for record `id`.
    pub(super) fn unlog(&mut self, id: usize) {
        if let Some(record) = self.records.get_mut(id) {
            record.pending.pop();
        }
    }

    /// First half of a sync: makes room to fold the pending operations in.
    pub(super) fn prepare_sync(&mut self, id: usize) -> Result<(), PlatformError> {
        self.record_mut(id)?.reserve_for_pending()
    }

    /// Second half, once the inner sync succeeded: the pending operations
    /// are durable.
    pub(super) fn commit_sync(&mut self, id: usize) -> Result<(), PlatformError> {
        let record = self.record_mut(id)?;
        for op in record.pending.drain(..) {
            apply(&mut record.durable, &op)?;
        }
        Ok(())
    }
}

/// Applies `op` whole to `image`.
pub(super) fn apply<A: Allocator>(
    image: &mut Vec<u8, A>,
    op: &Pending<A>,
) -> Result<(), PlatformError> {
    match op {
        Pending::Write { offset, data, .. } => write(image, *offset, data),
        Pending::Truncate { len, .. } => Ok(image.try_resize(to_index(*len)?, 0)?),
    }
}

/// Writes `data` at `offset` into `image`, zero-filling any gap, as a file does.
pub(super) fn write<A: Allocator>(
    image: &mut Vec<u8, A>,
    offset: u64,
    data: &[u8],
) -> Result<(), PlatformError> {
    if data.is_empty() {
        return Ok(());
    }
    let start = to_index(offset)?;
    let end = start
        .checked_add(data.len())
        .ok_or(PlatformError::new(ErrorKind::NoSpace))?;
    if end > image.len() {
        image.try_resize(end, 0)?;
    }
    image
        .get_mut(start..end)
        .ok_or(PlatformError::new(ErrorKind::Io))?
        .copy_from_slice(data);
    Ok(())
}

/// A file position as a memory index; images live in memory, so a file
/// larger than memory can address cannot be tracked.
pub(super) fn to_index(offset: u64) -> Result<usize, PlatformError> {
    usize::try_from(offset).map_err(|_| ErrorKind::NoSpace.into())
}

pub(super) fn len_u64(len: usize) -> u64 {
    u64::try_from(len).unwrap_or(u64::MAX)
}
