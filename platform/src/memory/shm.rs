//! The shared memory of one file of the RAM disk (what SQLite keeps in the
//! `-shm` file as the WAL index): its bytes, which handles are attached,
//! and its lock slots.
//!
//! Invariants:
//! - `attached` is the number of handles whose [`Holder`] says attached;
//!   only attached handles hold lock slots, so with none attached every
//!   slot is free;
//! - the bytes read past `data`'s end are zeros: growth zero-fills, so the
//!   memory is always "the bytes written, then zeros";
//! - the first handle to attach finds the memory empty (the "dead man
//!   switch"): what the last users left, perhaps mid-update when one
//!   crashed, is never read;
//! - a failed write (for lack of memory) leaves the bytes as they were.
//!
//! The bytes are memory, not a file: they count toward neither
//! [`used_bytes`](super::MemoryPlatform::used_bytes) nor the space limit.

use boundlite_alloc::{Allocator, Vec};

use super::locks::{Holder, SlotLocks};
use crate::lock::{ShmLockKind, ShmSlots};
use crate::{ErrorKind, PlatformError};

/// One file's shared memory.
pub(super) struct Shm<A: Allocator + Clone> {
    data: Vec<u8, A>,
    attached: usize,
    slots: SlotLocks,
}

impl<A: Allocator + Clone> Shm<A> {
    pub(super) fn new_in(alloc: A) -> Self {
        Self {
            data: Vec::new_in(alloc),
            attached: 0,
            slots: SlotLocks::default(),
        }
    }

    /// Bytes the memory holds now (past them it reads as zeros).
    pub(super) fn len(&self) -> usize {
        self.data.len()
    }

    pub(super) fn attach(&mut self, holder: &mut Holder) {
        if holder.is_attached() {
            return;
        }
        if self.attached == 0 {
            self.data.release();
        }
        self.attached = self.attached.saturating_add(1);
        holder.set_attached(true);
    }

    /// Detaches `holder`, giving back its slots; with `delete`, frees the
    /// bytes if it was the last attached. Without, they stay for no reader:
    /// the next first attach clears them, as a `-shm` file left on disk is.
    pub(super) fn detach(&mut self, holder: &mut Holder, delete: bool) {
        if !holder.is_attached() {
            return;
        }
        self.slots.unlock_all(holder);
        self.attached = self.attached.saturating_sub(1);
        holder.set_attached(false);
        if delete && self.attached == 0 {
            self.data.release();
        }
    }

    /// Frees the bytes; only once no handle is attached.
    pub(super) fn release(&mut self) {
        self.data.release();
    }

    pub(super) fn read(
        &self,
        holder: &Holder,
        offset: usize,
        buf: &mut [u8],
    ) -> Result<(), PlatformError> {
        check_attached(holder)?;
        let tail = self.data.get(offset..).unwrap_or(&[]);
        let n = tail.len().min(buf.len());
        let (head, rest) = buf.split_at_mut(n);
        if let Some(src) = tail.get(..n) {
            head.copy_from_slice(src);
        }
        rest.fill(0);
        Ok(())
    }

    pub(super) fn write(
        &mut self,
        holder: &Holder,
        offset: usize,
        data: &[u8],
    ) -> Result<(), PlatformError> {
        check_attached(holder)?;
        let end = offset
            .checked_add(data.len())
            .ok_or(PlatformError::new(ErrorKind::InvalidInput))?;
        if end > self.data.len() {
            self.data.try_reserve(end - self.data.len())?;
            self.data.try_resize(end, 0)?;
        }
        self.data
            .get_mut(offset..end)
            .ok_or(PlatformError::new(ErrorKind::Io))?
            .copy_from_slice(data);
        Ok(())
    }

    pub(super) fn lock(
        &mut self,
        holder: &mut Holder,
        slots: ShmSlots,
        kind: ShmLockKind,
    ) -> Result<(), PlatformError> {
        check_attached(holder)?;
        self.slots.lock(holder, slots, kind)
    }

    pub(super) fn unlock(&mut self, holder: &mut Holder, slots: ShmSlots, kind: ShmLockKind) {
        self.slots.unlock(holder, slots, kind);
    }
}

/// Using the memory takes attaching first: a handle that is not attached
/// could not keep the dead man switch's promise.
fn check_attached(holder: &Holder) -> Result<(), PlatformError> {
    if holder.is_attached() {
        Ok(())
    } else {
        Err(ErrorKind::InvalidInput.into())
    }
}
