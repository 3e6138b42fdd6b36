//! The WAL index's shared memory as SQLite's unix VFS keeps it
//! (`unixOpenSharedMemory`, `unixShmMap`, `unixShmLock`, `unixShmUnmap`):
//! the file `<database>-shm`, mapped in [`REGION`]-byte pieces, and its
//! eight lock slots, each an `fcntl` lock on byte [`SHM_BASE`] + slot.
//!
//! One [`ShmNode`] per database inode and process, shared by every
//! attached handle of the process ([`Attachment`]). Invariants:
//! - While a node lives it holds a read lock on the dead-man-switch byte
//!   [`SHM_DMS`]; a process truncates the `-shm` only after taking that
//!   byte's write lock, so the file never shrinks under a live mapping.
//! - A chunk is mapped only when the file covers it wholly; bytes of
//!   chunks the file does not cover read as zeros, and writing there first
//!   grows the file.
//! - The OS lock on a slot matches the process's state: read-locked while
//!   some handle shares it, write-locked while one handle holds it
//!   exclusively, free otherwise. A slot is never shared and exclusive at
//!   once, and each attachment's masks say which slots it holds.

use std::fs;
use std::io;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use boundlite_platform::{ErrorKind, PlatformError, SHM_LOCK_SLOTS, ShmLockKind, ShmSlots};

use super::fcntl::{self, Lock, io_error, lock_error};
use super::mmap::Mapping;
use crate::platform_error;

/// The size of one WAL-index region, SQLite's mapping unit (`szRegion`).
pub(crate) const REGION: usize = 32 * 1024;
/// The byte of the first lock slot: past the WAL-index header's two
/// copies and its checkpoint info (`(22 + SQLITE_SHM_NLOCK) * 4`).
pub(crate) const SHM_BASE: u64 = 120;
/// The dead-man-switch byte: read-locked by every attached process.
pub(crate) const SHM_DMS: u64 = SHM_BASE + SHM_LOCK_SLOTS as u64;
/// SQLite grows a `-shm` one page at a time, writing the page's last byte
/// so the file is never sparse where it is mapped (a full disk would then
/// fault on access instead of failing the write).
const GROW_PAGE: u64 = 4096;

/// This process's share of one database's `-shm`.
#[derive(Debug)]
pub(crate) struct ShmNode {
    path: PathBuf,
    /// Dropping it releases every slot lock and the DMS lock at once.
    file: fs::File,
    /// The mapping unit: [`REGION`], or the OS page size when larger (a
    /// mapping starts on a page boundary).
    chunk: usize,
    state: Mutex<NodeState>,
}

#[derive(Debug, Default)]
struct NodeState {
    /// Chunk `i` maps bytes `i * chunk ..`, all of them inside the file.
    maps: Vec<Mapping>,
    /// How many handles share each slot.
    shared: [u32; SHM_LOCK_SLOTS as usize],
    /// The slots a handle holds exclusively (bit `n` for slot `n`).
    exclusive: u8,
}

/// `<database>-shm`, next to the database as SQLite names it.
pub(crate) fn shm_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-shm");
    PathBuf::from(name)
}

impl ShmNode {
    /// Opens (creating) the `-shm` of the database `db` open as `db_file`,
    /// with the database's permission bits, and runs the dead-man switch:
    /// when no other process is attached, the file is truncated to zero
    /// bytes before anyone maps it. [`ErrorKind::ReadOnly`] when the file
    /// cannot be opened for writing; [`ErrorKind::Busy`] when another
    /// process is in the middle of the same switch.
    pub(crate) fn open(db: &Path, db_file: &fs::File) -> Result<Self, PlatformError> {
        let path = shm_path(db);
        let mode = db_file.metadata().map_err(|e| platform_error(&e))?.mode() & 0o777;
        let file = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .mode(mode)
            .open(&path)
            .map_err(|e| platform_error(&e))?;
        match fcntl::holder(&file, SHM_DMS, 1).map_err(|e| io_error(&e))? {
            Lock::Unlock => {
                fcntl::set(&file, Lock::Write, SHM_DMS, 1).map_err(|e| lock_error(&e))?;
                // SQLite truncates to 3 bytes only to tell its own
                // truncations from a rogue process's when debugging; zero
                // keeps the contract that a fresh index reads as zeros.
                file.set_len(0).map_err(|e| platform_error(&e))?;
            }
            Lock::Read => {}
            Lock::Write => return Err(ErrorKind::Busy.into()),
        }
        // Downgrades our write lock, or joins the other processes' reads.
        fcntl::set(&file, Lock::Read, SHM_DMS, 1).map_err(|e| lock_error(&e))?;
        Ok(Self {
            path,
            file,
            chunk: REGION.max(page_size()),
            state: Mutex::new(NodeState::default()),
        })
    }

    fn state(&self) -> MutexGuard<'_, NodeState> {
        // Every update of the state completes before the guard drops (no
        // call in between panics), so a poisoned lock still guards a
        // consistent state.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Removes the `-shm` file, when no other process is attached: only
    /// then can the DMS write lock be had. Called by the last handle to
    /// detach, before the node is dropped.
    pub(crate) fn delete_if_alone(&self) -> Result<(), PlatformError> {
        if fcntl::set(&self.file, Lock::Write, SHM_DMS, 1).is_err() {
            return Ok(());
        }
        match fs::remove_file(&self.path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(platform_error(&e)),
            _ => Ok(()),
        }
    }

    /// Whether another process is attached: holds a lock on the DMS byte.
    /// An error testing counts as no, as SQLite's check does: the check
    /// only adds robustness.
    pub(crate) fn has_other_processes(&self) -> bool {
        fcntl::holder(&self.file, SHM_DMS, 1).is_ok_and(|holder| holder != Lock::Unlock)
    }

    /// Maps chunks up to `index`, growing the file first when `grow`;
    /// `false` when the file does not cover chunk `index` and `grow` is
    /// not set.
    fn map_through(
        &self,
        state: &mut NodeState,
        index: usize,
        grow: bool,
    ) -> Result<bool, PlatformError> {
        if index < state.maps.len() {
            return Ok(true);
        }
        let too_far = || PlatformError::new(ErrorKind::InvalidInput);
        let chunk = u64::try_from(self.chunk).map_err(|_| too_far())?;
        let chunks = u64::try_from(index).map_err(|_| too_far())?.checked_add(1);
        let needed = chunks
            .and_then(|c| c.checked_mul(chunk))
            .ok_or_else(too_far)?;
        let size = self.file.metadata().map_err(|e| platform_error(&e))?.len();
        if size < needed {
            if !grow {
                return Ok(false);
            }
            let mut page = size / GROW_PAGE;
            while page < needed / GROW_PAGE {
                let last = page * GROW_PAGE + GROW_PAGE - 1;
                write_all_at(&self.file, &[0], last).map_err(|e| platform_error(&e))?;
                page += 1;
            }
        }
        while state.maps.len() <= index {
            let at = u64::try_from(state.maps.len()).map_err(|_| too_far())? * chunk;
            let map = Mapping::new(&self.file, at, self.chunk).map_err(|e| platform_error(&e))?;
            state.maps.push(map);
        }
        Ok(true)
    }
}

/// One handle's attachment to its database's [`ShmNode`].
#[derive(Debug)]
pub(crate) struct Attachment {
    node: Arc<ShmNode>,
    /// Slots this handle shares (bit `n` for slot `n`).
    shared: u8,
    /// Slots this handle holds exclusively.
    exclusive: u8,
}

impl Attachment {
    /// An attachment to `node`, holding no slot.
    pub(crate) fn new(node: Arc<ShmNode>) -> Self {
        Self {
            node,
            shared: 0,
            exclusive: 0,
        }
    }

    /// The node this attachment is to.
    pub(crate) fn node(&self) -> &Arc<ShmNode> {
        &self.node
    }

    /// Copies the memory at `offset` into `buf`; bytes the file does not
    /// cover read as zeros.
    pub(crate) fn read(&self, offset: usize, buf: &mut [u8]) -> Result<(), PlatformError> {
        let node = &*self.node;
        let mut state = node.state();
        let mut done = 0;
        while done < buf.len() {
            let (index, within, part) = split(node.chunk, offset, done, buf.len())?;
            let out = buf
                .get_mut(done..done + part)
                .ok_or(ErrorKind::InvalidInput)?;
            if node.map_through(&mut state, index, false)? {
                let map = state.maps.get(index).ok_or(ErrorKind::Io)?;
                if !map.read(within, out) {
                    return Err(ErrorKind::Io.into());
                }
            } else {
                out.fill(0);
            }
            done += part;
        }
        Ok(())
    }

    /// Copies `data` into the memory at `offset`, growing the file first
    /// when it is too short.
    pub(crate) fn write(&self, offset: usize, data: &[u8]) -> Result<(), PlatformError> {
        let node = &*self.node;
        let mut state = node.state();
        let mut done = 0;
        while done < data.len() {
            let (index, within, part) = split(node.chunk, offset, done, data.len())?;
            let from = data.get(done..done + part).ok_or(ErrorKind::InvalidInput)?;
            node.map_through(&mut state, index, true)?;
            let map = state.maps.get(index).ok_or(ErrorKind::Io)?;
            if !map.write(within, from) {
                return Err(ErrorKind::Io.into());
            }
            done += part;
        }
        Ok(())
    }

    /// Takes `slots` as `kind`, all or none, as
    /// [`File::shm_lock`](boundlite_platform::File::shm_lock) documents.
    pub(crate) fn lock(&mut self, slots: ShmSlots, kind: ShmLockKind) -> Result<(), PlatformError> {
        let mut mask = slots.mask();
        if kind == ShmLockKind::Shared {
            // Sharing a slot this handle already shares is a no-op, as in
            // `unixShmLock`.
            mask &= !self.shared;
            if mask == 0 {
                return Ok(());
            }
        }
        if (self.shared | self.exclusive) & mask != 0 {
            return Err(ErrorKind::InvalidInput.into());
        }
        let node = &*self.node;
        let mut state = node.state();
        match kind {
            ShmLockKind::Exclusive => {
                let busy = state.exclusive & mask != 0
                    || slot_range(slots).any(|s| state.shared.get(s).is_some_and(|&n| n > 0));
                if busy {
                    return Err(ErrorKind::Busy.into());
                }
                let start = SHM_BASE + u64::from(slots.first());
                fcntl::set(&node.file, Lock::Write, start, u64::from(slots.count()))
                    .map_err(|e| lock_error(&e))?;
                state.exclusive |= mask;
                self.exclusive |= mask;
            }
            ShmLockKind::Shared => {
                if state.exclusive & mask != 0 {
                    return Err(ErrorKind::Busy.into());
                }
                // Slots no handle of the process shares yet need the OS's
                // read lock; on a refusal the ones just taken go back.
                let mut taken = 0u8;
                let wanted = slot_range(slots).filter(|s| mask & (1 << s) != 0);
                for slot in wanted.clone() {
                    if state.shared.get(slot).is_some_and(|&n| n > 0) {
                        continue;
                    }
                    if let Err(e) = os_slot(&node.file, Lock::Read, slot) {
                        for back in (0..SHM_LOCK_SLOTS).filter(|b| taken & (1 << b) != 0) {
                            // Best effort: the refusal is the error to report.
                            let _ = os_slot(&node.file, Lock::Unlock, usize::from(back));
                        }
                        return Err(lock_error(&e));
                    }
                    taken |= 1 << slot;
                }
                for slot in wanted {
                    if let Some(n) = state.shared.get_mut(slot) {
                        *n += 1;
                    }
                }
                self.shared |= mask;
            }
        }
        Ok(())
    }

    /// Gives back this handle's `kind` lock on those of `slots` it holds
    /// so; the OS lock goes when no other handle of the process needs it.
    pub(crate) fn unlock(
        &mut self,
        slots: ShmSlots,
        kind: ShmLockKind,
    ) -> Result<(), PlatformError> {
        let node = &*self.node;
        let mut state = node.state();
        let mut result = Ok(());
        let mut fail = |e: io::Error| {
            if result.is_ok() {
                result = Err(io_error(&e));
            }
        };
        for slot in slot_range(slots) {
            let bit = 1u8 << slot;
            match kind {
                ShmLockKind::Exclusive if self.exclusive & bit != 0 => {
                    self.exclusive &= !bit;
                    state.exclusive &= !bit;
                    os_slot(&node.file, Lock::Unlock, slot).unwrap_or_else(&mut fail);
                }
                ShmLockKind::Shared if self.shared & bit != 0 => {
                    self.shared &= !bit;
                    if let Some(n) = state.shared.get_mut(slot) {
                        *n = n.saturating_sub(1);
                        if *n == 0 {
                            os_slot(&node.file, Lock::Unlock, slot).unwrap_or_else(&mut fail);
                        }
                    }
                }
                _ => {}
            }
        }
        result
    }

    /// Gives back every slot this handle holds.
    pub(crate) fn unlock_all(&mut self) -> Result<(), PlatformError> {
        let all = ShmSlots::new(0, SHM_LOCK_SLOTS).ok_or(ErrorKind::InvalidInput)?;
        let exclusive = self.unlock(all, ShmLockKind::Exclusive);
        let shared = self.unlock(all, ShmLockKind::Shared);
        exclusive.and(shared)
    }
}

/// The slots of `slots`, as indexes.
fn slot_range(slots: ShmSlots) -> std::ops::Range<usize> {
    let first = usize::from(slots.first());
    first..first + usize::from(slots.count())
}

/// Applies `kind` to the OS lock of one slot.
fn os_slot(file: &fs::File, kind: Lock, slot: usize) -> io::Result<()> {
    let slot = u64::try_from(slot).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    fcntl::set(file, kind, SHM_BASE + slot, 1)
}

/// Where byte `done` of a copy starting at `offset`, `len` bytes long,
/// falls: the chunk's index, the offset within it, and how many bytes of
/// the copy that chunk holds from there.
fn split(
    chunk: usize,
    offset: usize,
    done: usize,
    len: usize,
) -> Result<(usize, usize, usize), PlatformError> {
    let at = offset
        .checked_add(done)
        .ok_or(PlatformError::new(ErrorKind::InvalidInput))?;
    let within = at % chunk;
    Ok((at / chunk, within, (chunk - within).min(len - done)))
}

/// The OS page size, or [`REGION`] when the OS will not say.
fn page_size() -> usize {
    // SAFETY: sysconf reads a system constant and touches no memory of ours.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(size).unwrap_or(REGION)
}

fn write_all_at(file: &fs::File, data: &[u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, data, offset)
}
