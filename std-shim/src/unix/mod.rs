//! Sharing a file between handles on unix, exactly as SQLite's unix VFS
//! (`os_unix.c`) does, so that boundlite and SQLite processes can work on
//! one database at once: [`Sharing`] is the per-handle state a
//! [`StdFile`](crate::StdFile) keeps, and the modules below own one
//! mechanism each.
//!
//! - `fcntl`: POSIX byte-range locks, the one primitive.
//! - `inode`: the process-wide registry by inode that makes handles of one
//!   process refuse each other like processes do, and defers closing
//!   descriptors while locks are held.
//! - `lock`: the database file's `Shared`..`Exclusive` levels.
//! - `shm`: the `-shm` WAL index, its dead-man switch and lock slots.
//! - `mmap`: the mapping of `-shm` bytes, the only memory shared with
//!   other processes.
//!
//! Invariant: the registry's process-level state is the sum of its
//! handles' states. A handle's lock level changes only inside the
//! registry's critical section that updates the process's, and its
//! attachment exists exactly while the registry counts it as a `-shm`
//! user.
//!
//! Limits, as SQLite's: POSIX locks cannot tell two users of one process
//! apart, so a SQLite connection opened in *this* process on the same
//! file neither sees boundlite's locks nor is seen by them, and closing
//! it drops boundlite's locks. Share a file with SQLite across processes.

mod fcntl;
mod inode;
mod lock;
mod mmap;
mod shm;

use std::fs;
use std::path::PathBuf;
use std::sync::Arc;

use boundlite_platform::{ErrorKind, LockLevel, PlatformError, ShmLockKind, ShmSlots};

use inode::FileId;
use shm::{Attachment, ShmNode};

/// One handle's part in sharing its file.
#[derive(Debug)]
pub(crate) struct Sharing {
    id: FileId,
    /// The database's path, resolved as SQLite resolves it, so that the
    /// `-shm` is the one SQLite uses.
    path: PathBuf,
    level: LockLevel,
    shm: Option<Attachment>,
}

impl Sharing {
    /// Registers a handle on `file`, opened at `path`.
    pub(crate) fn new(file: &fs::File, path: PathBuf) -> Result<Self, PlatformError> {
        let id = FileId::of(file)?;
        // SQLite names the -shm after the real path: symlinks resolved.
        let path = fs::canonicalize(&path)
            .or_else(|_| std::path::absolute(&path))
            .unwrap_or(path);
        inode::open(id);
        Ok(Self {
            id,
            path,
            level: LockLevel::None,
            shm: None,
        })
    }

    pub(crate) fn lock(
        &mut self,
        file: &fs::File,
        writable: bool,
        want: LockLevel,
    ) -> Result<(), PlatformError> {
        let held = &mut self.level;
        let shm = self.shm.as_ref();
        let shm_shared = || shm.is_some_and(|a| a.node().has_other_processes());
        inode::with(self.id, |inode| {
            lock::lock(file, writable, held, &mut inode.lock, want, shm_shared)
        })?
    }

    pub(crate) fn unlock(&mut self, file: &fs::File, want: LockLevel) -> Result<(), PlatformError> {
        let held = &mut self.level;
        inode::with(self.id, |inode| {
            lock::unlock(file, held, &mut inode.lock, want)
        })?
    }

    pub(crate) fn is_reserved(&self, file: &fs::File) -> Result<bool, PlatformError> {
        inode::with(self.id, |inode| lock::is_reserved(file, &inode.lock))?
    }

    pub(crate) fn shm_attach(&mut self, file: &fs::File) -> Result<(), PlatformError> {
        if self.shm.is_some() {
            return Ok(());
        }
        let path = &self.path;
        let node = inode::with(self.id, |inode| -> Result<_, PlatformError> {
            let node = match &inode.shm {
                Some(node) => Arc::clone(node),
                None => {
                    let node = Arc::new(ShmNode::open(path, file)?);
                    inode.shm = Some(Arc::clone(&node));
                    node
                }
            };
            inode.shm_users += 1;
            Ok(node)
        })??;
        self.shm = Some(Attachment::new(node));
        Ok(())
    }

    pub(crate) fn shm_detach(&mut self, delete: bool) -> Result<(), PlatformError> {
        let Some(mut attachment) = self.shm.take() else {
            return Ok(());
        };
        let unlocked = attachment.unlock_all();
        let deleted = inode::with(self.id, move |inode| {
            inode.shm_users = inode.shm_users.saturating_sub(1);
            if inode.shm_users > 0 {
                return Ok(());
            }
            inode.shm = None;
            let deleted = if delete {
                attachment.node().delete_if_alone()
            } else {
                Ok(())
            };
            // The last attachment takes the node, its mappings and its
            // descriptor (with the DMS lock) with it, under the registry's
            // mutex: were the descriptor closed after a handle attached
            // afresh, closing it would drop the fresh node's locks too.
            drop(attachment);
            deleted
        })?;
        unlocked.and(deleted)
    }

    fn attachment(&mut self) -> Result<&mut Attachment, PlatformError> {
        // Using the memory before attaching is the caller's mistake.
        self.shm.as_mut().ok_or(ErrorKind::InvalidInput.into())
    }

    pub(crate) fn shm_read(&mut self, offset: usize, buf: &mut [u8]) -> Result<(), PlatformError> {
        self.attachment()?.read(offset, buf)
    }

    pub(crate) fn shm_write(&mut self, offset: usize, data: &[u8]) -> Result<(), PlatformError> {
        self.attachment()?.write(offset, data)
    }

    pub(crate) fn shm_lock(
        &mut self,
        slots: ShmSlots,
        kind: ShmLockKind,
    ) -> Result<(), PlatformError> {
        self.attachment()?.lock(slots, kind)
    }

    pub(crate) fn shm_unlock(
        &mut self,
        slots: ShmSlots,
        kind: ShmLockKind,
    ) -> Result<(), PlatformError> {
        self.attachment()?.unlock(slots, kind)
    }

    /// Gives back everything this handle holds and leaves the registry;
    /// `file` is closed now or, while other handles hold locks, later.
    pub(crate) fn close(&mut self, file: Arc<fs::File>) {
        // Nothing can report a failure from a drop; a lock the OS would
        // not release goes when the descriptor closes.
        let _ = self.shm_detach(false);
        let _ = self.unlock(&file, LockLevel::None);
        inode::close(self.id, file);
    }
}
