//! The RAM disk's file table: which paths exist, the bytes of every file,
//! how many handles hold each one, and each file's locks and shared memory.
//!
//! Invariants:
//! - a slot is *named* (`name` is `Some`) while a path refers to it; at most
//!   one named slot has a given path. A temporary file's slot is never
//!   named: its one handle keeps it, and releasing that handle frees it;
//! - a slot is *free* when it is unnamed and no handle holds it; a free
//!   slot's bytes have been released, and the slot may be reused for the
//!   next created file. A handle's slot index therefore stays valid, and
//!   keeps meaning the same file, for as long as the handle lives;
//! - `used` is the sum of the lengths of all slots that are not free, and
//!   growth that would take it past `limit` fails with `NoSpace`;
//! - every operation either completes or returns an error with the table
//!   and all bytes as they were: allocation happens before any change;
//! - a slot's locks and shared memory belong to the file, not the path:
//!   deleting the path leaves them to the handles still open, and a file
//!   created later at the path is another slot, with none held. A free
//!   slot holds no lock (its last handle gave them back on release) and no
//!   shared memory.

use boundlite_alloc::{Allocator, String, Vec};

use super::locks::{FileLocks, HandleId, Holder};
use super::shm::Shm;
use crate::lock::LockLevel;
use crate::{ErrorKind, OpenMode, PlatformError};

/// One file of the RAM disk, named or kept alive only by handles.
struct Slot<A: Allocator + Clone> {
    name: Option<String<A>>,
    data: Vec<u8, A>,
    handles: usize,
    locks: FileLocks,
    shm: Shm<A>,
}

impl<A: Allocator + Clone> Slot<A> {
    fn is_free(&self) -> bool {
        self.name.is_none() && self.handles == 0
    }
}

/// The file table of a [`MemoryPlatform`](super::MemoryPlatform).
pub(super) struct Disk<A: Allocator + Clone> {
    alloc: A,
    slots: Vec<Slot<A>, A>,
    used: u64,
    limit: Option<u64>,
    next_handle: HandleId,
}

impl<A: Allocator + Clone> Disk<A> {
    pub(super) fn new_in(alloc: A) -> Self {
        Self {
            slots: Vec::new_in(alloc.clone()),
            alloc,
            used: 0,
            limit: None,
            next_handle: HandleId::FIRST,
        }
    }

    pub(super) fn allocator(&self) -> &A {
        &self.alloc
    }

    pub(super) fn used(&self) -> u64 {
        self.used
    }

    pub(super) fn set_limit(&mut self, limit: Option<u64>) {
        self.limit = limit;
    }

    pub(super) fn file_count(&self) -> usize {
        self.slots.iter().filter(|s| s.name.is_some()).count()
    }

    fn find(&self, path: &str) -> Option<usize> {
        self.slots
            .iter()
            .position(|s| s.name.as_ref().is_some_and(|n| n.as_str() == path))
    }

    fn slot(&self, id: usize) -> Result<&Slot<A>, PlatformError> {
        // Ids come only from `open`, and a held slot is never freed, so a
        // miss means a handle outlived its table: report it, do not panic.
        self.slots.get(id).ok_or(PlatformError::new(ErrorKind::Io))
    }

    fn slot_mut(&mut self, id: usize) -> Result<&mut Slot<A>, PlatformError> {
        self.slots
            .get_mut(id)
            .ok_or(PlatformError::new(ErrorKind::Io))
    }

    pub(super) fn exists(&self, path: &str) -> bool {
        self.find(path).is_some()
    }

    /// The slot named `path`, creating an empty file when `create` is set.
    fn find_or_create(&mut self, path: &str, create: bool) -> Result<usize, PlatformError> {
        if let Some(id) = self.find(path) {
            return Ok(id);
        }
        if !create {
            return Err(ErrorKind::NotFound.into());
        }
        let name = String::try_from_str_in(path, self.alloc.clone())?;
        self.new_slot(Some(name))
    }

    /// An empty file in a free slot (or one pushed), named `name`.
    fn new_slot(&mut self, name: Option<String<A>>) -> Result<usize, PlatformError> {
        let data = Vec::new_in(self.alloc.clone());
        if let Some(id) = self.slots.iter().position(Slot::is_free) {
            let shm = Shm::new_in(self.alloc.clone());
            let slot = self.slot_mut(id)?;
            slot.name = name;
            slot.data = data;
            slot.locks = FileLocks::default();
            slot.shm = shm;
            return Ok(id);
        }
        if self.slots.len() == self.slots.capacity() {
            // Doubling from one slot, not the usual four: a slot with its
            // lock and shared-memory state is large, most disks hold a file
            // or two, and a small arena cannot spare three unused slots.
            self.slots.try_reserve_exact(self.slots.len().max(1))?;
        }
        self.slots.try_push(Slot {
            name,
            data,
            handles: 0,
            locks: FileLocks::default(),
            shm: Shm::new_in(self.alloc.clone()),
        })?;
        Ok(self.slots.len() - 1)
    }

    /// Takes a handle on the file at `path`, returning its slot id and
    /// the handle's holder, which holds nothing yet.
    pub(super) fn open(
        &mut self,
        path: &str,
        mode: OpenMode,
    ) -> Result<(usize, Holder), PlatformError> {
        let id = self.find_or_create(path, mode == OpenMode::Create)?;
        let slot = self.slot_mut(id)?;
        slot.handles += 1;
        let holder = Holder::new(self.next_handle);
        self.next_handle = self.next_handle.next();
        Ok((id, holder))
    }

    /// Takes the one handle on an empty file no path names: it is freed,
    /// bytes and all, when that handle is released.
    pub(super) fn open_anonymous(&mut self) -> Result<(usize, Holder), PlatformError> {
        let id = self.new_slot(None)?;
        let slot = self.slot_mut(id)?;
        slot.handles += 1;
        let holder = Holder::new(self.next_handle);
        self.next_handle = self.next_handle.next();
        Ok((id, holder))
    }

    /// Gives back a handle taken by `open`, with every lock it holds and
    /// its attachment to the shared memory, whose bytes stay (as a crashed
    /// process leaves its `-shm` file) until the next first attach.
    pub(super) fn release(&mut self, id: usize, holder: &mut Holder) {
        if let Some(slot) = self.slots.get_mut(id) {
            // Lowering to no lock cannot be refused.
            let _ = slot.locks.unlock(holder, LockLevel::None);
            slot.shm.detach(holder, false);
            slot.handles = slot.handles.saturating_sub(1);
        }
        self.free_if_unused(id);
    }

    pub(super) fn locks_mut(&mut self, id: usize) -> Result<&mut FileLocks, PlatformError> {
        Ok(&mut self.slot_mut(id)?.locks)
    }

    pub(super) fn shm(&self, id: usize) -> Result<&Shm<A>, PlatformError> {
        Ok(&self.slot(id)?.shm)
    }

    pub(super) fn shm_mut(&mut self, id: usize) -> Result<&mut Shm<A>, PlatformError> {
        Ok(&mut self.slot_mut(id)?.shm)
    }

    /// The shared memory of the file at `path`.
    pub(super) fn shm_of(&self, path: &str) -> Result<&Shm<A>, PlatformError> {
        let id = self
            .find(path)
            .ok_or(PlatformError::new(ErrorKind::NotFound))?;
        self.shm(id)
    }

    /// Unnames the file at `path`; its bytes go once no handle holds them.
    pub(super) fn delete(&mut self, path: &str) -> Result<(), PlatformError> {
        let id = self
            .find(path)
            .ok_or(PlatformError::new(ErrorKind::NotFound))?;
        self.slot_mut(id)?.name = None;
        self.free_if_unused(id);
        Ok(())
    }

    fn free_if_unused(&mut self, id: usize) {
        if let Some(slot) = self.slots.get_mut(id).filter(|s| s.is_free()) {
            self.used = self.used.saturating_sub(len_u64(slot.data.len()));
            slot.data.release();
            slot.shm.release();
        }
    }

    pub(super) fn len(&self, id: usize) -> Result<u64, PlatformError> {
        Ok(len_u64(self.slot(id)?.data.len()))
    }

    pub(super) fn bytes(&self, path: &str) -> Result<&[u8], PlatformError> {
        let id = self
            .find(path)
            .ok_or(PlatformError::new(ErrorKind::NotFound))?;
        Ok(self.slot(id)?.data.as_slice())
    }

    pub(super) fn read(
        &self,
        id: usize,
        offset: u64,
        buf: &mut [u8],
    ) -> Result<usize, PlatformError> {
        let data = self.slot(id)?.data.as_slice();
        // An offset past what memory can address is past the end of the file.
        let tail = usize::try_from(offset)
            .ok()
            .and_then(|start| data.get(start..))
            .unwrap_or(&[]);
        let n = tail.len().min(buf.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..n), tail.get(..n)) {
            dst.copy_from_slice(src);
        }
        Ok(n)
    }

    pub(super) fn write(
        &mut self,
        id: usize,
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
        if end > self.slot(id)?.data.len() {
            self.resize(id, end)?;
        }
        let dst = self
            .slot_mut(id)?
            .data
            .get_mut(start..end)
            .ok_or(PlatformError::new(ErrorKind::Io))?;
        dst.copy_from_slice(data);
        Ok(())
    }

    pub(super) fn set_len(&mut self, id: usize, len: u64) -> Result<(), PlatformError> {
        let len = to_index(len)?;
        self.resize(id, len)
    }

    /// Replaces the whole content of `path`, creating the file if needed.
    pub(super) fn replace(&mut self, path: &str, bytes: &[u8]) -> Result<(), PlatformError> {
        let old_len = match self.find(path) {
            Some(id) => len_u64(self.slot(id)?.data.len()),
            None => 0,
        };
        self.check_space(old_len, len_u64(bytes.len()))?;
        let fresh = Vec::try_from_slice_in(bytes, self.alloc.clone())?;
        let id = self.find_or_create(path, true)?;
        let slot = self.slot_mut(id)?;
        slot.data = fresh;
        self.used = self
            .used
            .saturating_sub(old_len)
            .saturating_add(len_u64(bytes.len()));
        Ok(())
    }

    /// Sets slot `id`'s length, zero-filling growth, within the space limit.
    fn resize(&mut self, id: usize, new_len: usize) -> Result<(), PlatformError> {
        let old_len = self.slot(id)?.data.len();
        self.check_space(len_u64(old_len), len_u64(new_len))?;
        let data = &mut self.slot_mut(id)?.data;
        if new_len > old_len {
            // Amortised growth keeps appends cheap; `try_reserve` falls
            // back to the exact size when the doubling does not fit.
            data.try_reserve(new_len - old_len)?;
        }
        data.try_resize(new_len, 0)?;
        self.used = self
            .used
            .saturating_sub(len_u64(old_len))
            .saturating_add(len_u64(new_len));
        Ok(())
    }

    /// Fails with `NoSpace` if a file going from `old_len` to `new_len`
    /// bytes would take the disk past its limit.
    fn check_space(&self, old_len: u64, new_len: u64) -> Result<(), PlatformError> {
        let after = self.used.saturating_sub(old_len).saturating_add(new_len);
        match self.limit {
            Some(limit) if new_len > old_len && after > limit => Err(ErrorKind::NoSpace.into()),
            _ => Ok(()),
        }
    }
}

/// A byte position as a memory index; one memory cannot address is beyond
/// any file the RAM disk could hold.
fn to_index(offset: u64) -> Result<usize, PlatformError> {
    usize::try_from(offset).map_err(|_| ErrorKind::NoSpace.into())
}

fn len_u64(len: usize) -> u64 {
    u64::try_from(len).unwrap_or(u64::MAX)
}
