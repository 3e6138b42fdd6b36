//! Who holds which lock on one file of the RAM disk: SQLite's file lock
//! levels ([`FileLocks`]) and the WAL-index lock slots ([`SlotLocks`]),
//! between the handles open on that file.
//!
//! The tables keep counts and owners, never a list of holders, so locking
//! allocates nothing and cannot fail for lack of memory. Each handle keeps
//! what it holds itself, in its [`Holder`], and gives it back through these
//! tables when it unlocks, detaches or is dropped. The tables trust the
//! holders they are handed: a holder must only ever be used with the file
//! it was opened on.
//!
//! Invariants of [`FileLocks`], for one file:
//! - `readers` is the number of handles at `Shared` or above (every level
//!   above `Shared` includes it, as in SQLite);
//! - `writer` is the one handle above `Shared`, with its level, or `None`:
//!   two handles are never both above `Shared`, which is the whole of the
//!   compatibility table in [`crate::lock`] once `Pending` is also taken to
//!   keep new readers out;
//! - `Exclusive` is held only while `readers` is 1 (its holder alone).
//!
//! Invariants of [`SlotLocks`], per slot:
//! - `shared` counts the handles holding the slot shared, and a slot is in
//!   `exclusive` only while that count is 0: shared and exclusive holders
//!   never meet;
//! - a handle holds at most one lock per slot, so its own masks are
//!   disjoint and each bit in them matches one unit in the tables.

use crate::lock::{LockLevel, SHM_LOCK_SLOTS, ShmLockKind, ShmSlots};
use crate::{ErrorKind, PlatformError};

/// Names one handle among all those a RAM disk ever opened. Ids are never
/// reused, so a stale id cannot be mistaken for a live handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct HandleId(u64);

impl HandleId {
    pub(super) const FIRST: HandleId = HandleId(0);

    /// The id after this one; `u64` ids outlast any run of the program.
    pub(super) fn next(self) -> HandleId {
        HandleId(self.0.saturating_add(1))
    }
}

/// Everything one handle holds on its file: its lock level and its share of
/// the shared memory.
#[derive(Debug, Clone, Copy)]
pub(super) struct Holder {
    id: HandleId,
    level: LockLevel,
    attached: bool,
    /// Lock slots held shared, bit `n` for slot `n`.
    shared: u8,
    /// Lock slots held exclusively.
    exclusive: u8,
}

impl Holder {
    pub(super) fn new(id: HandleId) -> Self {
        Self {
            id,
            level: LockLevel::None,
            attached: false,
            shared: 0,
            exclusive: 0,
        }
    }

    pub(super) fn level(&self) -> LockLevel {
        self.level
    }

    pub(super) fn is_attached(&self) -> bool {
        self.attached
    }

    pub(super) fn set_attached(&mut self, attached: bool) {
        self.attached = attached;
    }
}

/// The file-lock table of one file.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct FileLocks {
    readers: usize,
    writer: Option<(HandleId, LockLevel)>,
}

impl FileLocks {
    /// Raises `holder` to `want`, as [`File::lock`](crate::File::lock)
    /// says; a transition that document does not allow (`Reserved` or
    /// above straight from no lock) is [`ErrorKind::InvalidInput`].
    pub(super) fn lock(
        &mut self,
        holder: &mut Holder,
        want: LockLevel,
    ) -> Result<(), PlatformError> {
        let held = holder.level;
        if want <= held {
            return Ok(());
        }
        let other_writer = self
            .writer
            .filter(|&(id, _)| id != holder.id)
            .map(|(_, level)| level);
        match want {
            LockLevel::None => Ok(()),
            LockLevel::Shared => {
                if other_writer.is_some_and(|level| level >= LockLevel::Pending) {
                    return Err(ErrorKind::Busy.into());
                }
                self.readers = self.readers.saturating_add(1);
                holder.level = LockLevel::Shared;
                Ok(())
            }
            _ if held == LockLevel::None => Err(ErrorKind::InvalidInput.into()),
            _ if other_writer.is_some() => Err(ErrorKind::Busy.into()),
            LockLevel::Reserved | LockLevel::Pending => {
                self.set_writer(holder, want);
                Ok(())
            }
            LockLevel::Exclusive => {
                if self.readers > 1 {
                    // Pending keeps new readers out while the caller waits
                    // for the ones inside to leave, so a writer cannot starve.
                    self.set_writer(holder, LockLevel::Pending);
                    return Err(ErrorKind::Busy.into());
                }
                self.set_writer(holder, LockLevel::Exclusive);
                Ok(())
            }
        }
    }

    fn set_writer(&mut self, holder: &mut Holder, level: LockLevel) {
        self.writer = Some((holder.id, level));
        holder.level = level;
    }

    /// Lowers `holder` to `to`, as [`File::unlock`](crate::File::unlock)
    /// says; lowering to `Reserved` or `Pending` is
    /// [`ErrorKind::InvalidInput`], as SQLite never asks for it.
    pub(super) fn unlock(
        &mut self,
        holder: &mut Holder,
        to: LockLevel,
    ) -> Result<(), PlatformError> {
        if to >= holder.level {
            return Ok(());
        }
        if to > LockLevel::Shared {
            return Err(ErrorKind::InvalidInput.into());
        }
        if holder.level > LockLevel::Shared {
            self.writer = None;
        }
        if to == LockLevel::None {
            self.readers = self.readers.saturating_sub(1);
        }
        holder.level = to;
        Ok(())
    }

    /// Whether any handle, the asking one included, is above `Shared`.
    pub(super) fn is_reserved(&self) -> bool {
        self.writer.is_some()
    }
}

/// The lock slots of one file's shared memory.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct SlotLocks {
    shared: [u32; SHM_LOCK_SLOTS as usize],
    exclusive: u8,
}

impl SlotLocks {
    /// Takes `slots` as `kind` for `holder`, all of them or none.
    /// [`ErrorKind::InvalidInput`] when `holder` already holds one of them.
    pub(super) fn lock(
        &mut self,
        holder: &mut Holder,
        slots: ShmSlots,
        kind: ShmLockKind,
    ) -> Result<(), PlatformError> {
        let mask = slots.mask();
        if (holder.shared | holder.exclusive) & mask != 0 {
            return Err(ErrorKind::InvalidInput.into());
        }
        let taken = match kind {
            ShmLockKind::Shared => self.exclusive,
            ShmLockKind::Exclusive => self.exclusive | self.shared_mask(),
        };
        if taken & mask != 0 {
            return Err(ErrorKind::Busy.into());
        }
        match kind {
            ShmLockKind::Shared => {
                self.adjust_shared(mask, |n| n.saturating_add(1));
                holder.shared |= mask;
            }
            ShmLockKind::Exclusive => {
                self.exclusive |= mask;
                holder.exclusive |= mask;
            }
        }
        Ok(())
    }

    /// Gives back `holder`'s `kind` locks among `slots`; slots it does not
    /// hold that way are left alone, as SQLite's unlock of an unheld slot
    /// is harmless there too.
    pub(super) fn unlock(&mut self, holder: &mut Holder, slots: ShmSlots, kind: ShmLockKind) {
        self.release(holder, slots.mask(), kind);
    }

    /// Gives back every slot `holder` holds.
    pub(super) fn unlock_all(&mut self, holder: &mut Holder) {
        self.release(holder, u8::MAX, ShmLockKind::Shared);
        self.release(holder, u8::MAX, ShmLockKind::Exclusive);
    }

    fn release(&mut self, holder: &mut Holder, mask: u8, kind: ShmLockKind) {
        match kind {
            ShmLockKind::Shared => {
                let held = holder.shared & mask;
                self.adjust_shared(held, |n| n.saturating_sub(1));
                holder.shared &= !held;
            }
            ShmLockKind::Exclusive => {
                let held = holder.exclusive & mask;
                self.exclusive &= !held;
                holder.exclusive &= !held;
            }
        }
    }

    /// Slots with at least one shared holder.
    fn shared_mask(&self) -> u8 {
        self.shared
            .iter()
            .enumerate()
            .filter(|&(_, &n)| n > 0)
            .fold(0, |mask, (slot, _)| mask | (1u8 << slot))
    }

    fn adjust_shared(&mut self, mask: u8, change: impl Fn(u32) -> u32) {
        for (slot, n) in self.shared.iter_mut().enumerate() {
            if mask & (1u8 << slot) != 0 {
                *n = change(*n);
            }
        }
    }
}
