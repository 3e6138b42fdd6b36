//! [`DiskFile`]: one open `std::fs::File` behind the [`File`] trait, the
//! handle a disk-backed [`StdPlatform`](crate::StdPlatform) opens.
//!
//! Durability: [`File::sync`] is `sync_data` (fdatasync), which flushes
//! the file's bytes and its length. A file this handle created is not
//! durable until its directory entry is, so the first successful sync of
//! a created file also syncs its parent directory (on unix, where a
//! directory can be opened and synced), as SQLite does for its journals.
//!
//! Sharing: on unix the locking and shared-memory methods are SQLite's
//! unix VFS (see `unix/`), so boundlite and SQLite processes may use one
//! database at once. Elsewhere they keep the trait's defaults: every lock
//! is granted and there is no shared memory, which is safe only while one
//! handle at a time opens each database (see
//! [`File`](boundlite_platform::File#sharing-a-file-between-handles)).

use std::fs;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use boundlite_platform::{ErrorKind, File, PlatformError};
#[cfg(unix)]
use boundlite_platform::{LockLevel, ShmLockKind, ShmSlots};

use crate::platform_error;
use crate::positional::{read_full, write_all};

/// An open file of a disk-backed [`StdPlatform`](crate::StdPlatform).
#[derive(Debug)]
pub(crate) struct DiskFile {
    /// Shared with the inode registry only when this handle closes while
    /// another handle of the process holds a lock on the file: the
    /// descriptor then stays open until that lock goes.
    file: Arc<fs::File>,
    writable: bool,
    /// The directory to sync at the next sync: set when this handle created
    /// the file, cleared once the directory is synced.
    unsynced_dir: Option<PathBuf>,
    #[cfg(unix)]
    sharing: crate::unix::Sharing,
}

// A handle may move to, and be shared with, other threads: the state it
// shares with other handles sits behind the registry's mutex.
const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<DiskFile>();
};

impl DiskFile {
    /// A handle on `file`, opened at `path`.
    pub(crate) fn new(
        file: fs::File,
        path: PathBuf,
        writable: bool,
        unsynced_dir: Option<PathBuf>,
    ) -> Result<Self, PlatformError> {
        #[cfg(unix)]
        let sharing = crate::unix::Sharing::new(&file, path)?;
        #[cfg(not(unix))]
        let _ = path;
        Ok(Self {
            file: Arc::new(file),
            writable,
            unsynced_dir,
            #[cfg(unix)]
            sharing,
        })
    }

    /// The underlying `std` file.
    pub(crate) fn as_std(&self) -> &fs::File {
        &self.file
    }

    fn check_writable(&self) -> Result<(), PlatformError> {
        if self.writable {
            Ok(())
        } else {
            Err(ErrorKind::ReadOnly.into())
        }
    }
}

impl File for DiskFile {
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, PlatformError> {
        read_full(&self.file, offset, buf)
    }

    fn write_at(&mut self, offset: u64, data: &[u8]) -> Result<(), PlatformError> {
        self.check_writable()?;
        write_all(&self.file, offset, data)
    }

    fn sync(&mut self) -> Result<(), PlatformError> {
        self.file.sync_data().map_err(|e| platform_error(&e))?;
        if let Some(dir) = &self.unsynced_dir {
            sync_dir(dir).map_err(|e| platform_error(&e))?;
            self.unsynced_dir = None;
        }
        Ok(())
    }

    fn truncate(&mut self, len: u64) -> Result<(), PlatformError> {
        self.check_writable()?;
        self.file.set_len(len).map_err(|e| platform_error(&e))
    }

    fn size(&mut self) -> Result<u64, PlatformError> {
        let meta = self.file.metadata().map_err(|e| platform_error(&e))?;
        Ok(meta.len())
    }

    #[cfg(unix)]
    fn lock(&mut self, level: LockLevel) -> Result<(), PlatformError> {
        self.sharing.lock(&self.file, self.writable, level)
    }

    #[cfg(unix)]
    fn unlock(&mut self, level: LockLevel) -> Result<(), PlatformError> {
        self.sharing.unlock(&self.file, level)
    }

    #[cfg(unix)]
    fn is_reserved(&mut self) -> Result<bool, PlatformError> {
        self.sharing.is_reserved(&self.file)
    }

    /// Attaches even a read-only handle: SQLite's readers write the index
    /// too. [`ErrorKind::ReadOnly`] when the `-shm` cannot be opened for
    /// writing.
    #[cfg(unix)]
    fn shm_attach(&mut self) -> Result<(), PlatformError> {
        self.sharing.shm_attach(&self.file)
    }

    #[cfg(unix)]
    fn shm_detach(&mut self, delete: bool) -> Result<(), PlatformError> {
        self.sharing.shm_detach(delete)
    }

    #[cfg(unix)]
    fn shm_read(&mut self, offset: usize, buf: &mut [u8]) -> Result<(), PlatformError> {
        self.sharing.shm_read(offset, buf)
    }

    #[cfg(unix)]
    fn shm_write(&mut self, offset: usize, data: &[u8]) -> Result<(), PlatformError> {
        self.sharing.shm_write(offset, data)
    }

    #[cfg(unix)]
    fn shm_lock(&mut self, slots: ShmSlots, kind: ShmLockKind) -> Result<(), PlatformError> {
        self.sharing.shm_lock(slots, kind)
    }

    #[cfg(unix)]
    fn shm_unlock(&mut self, slots: ShmSlots, kind: ShmLockKind) -> Result<(), PlatformError> {
        self.sharing.shm_unlock(slots, kind)
    }

    #[cfg(unix)]
    fn shm_barrier(&mut self) {
        std::sync::atomic::fence(std::sync::atomic::Ordering::SeqCst);
    }
}

/// Gives back the handle's locks and shared memory. On unix the
/// descriptor closes only once no handle of the process holds a lock on
/// the file, since closing any descriptor would drop them all.
#[cfg(unix)]
impl Drop for DiskFile {
    fn drop(&mut self) {
        self.sharing.close(Arc::clone(&self.file));
    }
}

/// `offset + done`, or `InvalidInput` past the largest file offset.
#[cfg(unix)]
fn sync_dir(dir: &std::path::Path) -> io::Result<()> {
    fs::File::open(dir)?.sync_all()
}

/// Elsewhere a directory cannot be opened as a file; the OS is trusted to
/// persist the entry with the file.
#[cfg(not(unix))]
fn sync_dir(_dir: &std::path::Path) -> io::Result<()> {
    Ok(())
}
