//! The process-wide registry of open files by inode (SQLite's
//! `unixInodeInfo` list): what every handle of this process on one file
//! must agree on, because the OS keeps `fcntl` locks per process and inode,
//! not per handle.
//!
//! Invariants, kept under the registry's one mutex:
//! - An [`Inode`] entry exists exactly while some [`StdFile`] of this
//!   process has the file open (`handles > 0`).
//! - While any handle holds a database lock ([`ProcessLock::is_held`]),
//!   no descriptor of the inode is closed: a handle closing meanwhile
//!   leaves its descriptor in `deferred` (SQLite's `setPendingFd`), and
//!   the deferred descriptors close when the last lock goes.
//! - `shm` is set exactly while `shm_users > 0` attachments exist, all to
//!   that one node.
//!
//! [`StdFile`]: crate::StdFile

use std::collections::HashMap;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use boundlite_platform::{ErrorKind, PlatformError};

use super::lock::ProcessLock;
use super::shm::ShmNode;
use crate::platform_error;

/// A file's identity on this machine: device and inode number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct FileId {
    dev: u64,
    ino: u64,
}

impl FileId {
    /// The identity of the open `file`.
    pub(crate) fn of(file: &fs::File) -> Result<Self, PlatformError> {
        let meta = file.metadata().map_err(|e| platform_error(&e))?;
        Ok(Self {
            dev: meta.dev(),
            ino: meta.ino(),
        })
    }
}

/// What this process shares about one file.
#[derive(Debug, Default)]
pub(crate) struct Inode {
    /// Open handles on the file.
    handles: usize,
    /// The database lock the process holds.
    pub(crate) lock: ProcessLock,
    /// Descriptors of closed handles, kept open while `lock` is held.
    deferred: Vec<Arc<fs::File>>,
    /// The `-shm` node, while attached.
    pub(crate) shm: Option<Arc<ShmNode>>,
    /// Attached handles.
    pub(crate) shm_users: usize,
}

type Registry = HashMap<FileId, Inode>;

fn registry() -> MutexGuard<'static, Registry> {
    static REGISTRY: OnceLock<Mutex<Registry>> = OnceLock::new();
    // Each update of an entry completes before the guard drops (nothing in
    // between panics), so a poisoned lock still guards consistent entries.
    REGISTRY
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

/// Counts one more open handle on `id`.
pub(crate) fn open(id: FileId) {
    registry().entry(id).or_default().handles += 1;
}

/// Runs `f` on `id`'s entry, then closes deferred descriptors if no lock
/// is held any more. [`ErrorKind::Io`] if `id` has no open handle, which
/// a handle asking for its own file never meets.
pub(crate) fn with<R>(id: FileId, f: impl FnOnce(&mut Inode) -> R) -> Result<R, PlatformError> {
    let mut registry = registry();
    let inode = registry.get_mut(&id).ok_or(ErrorKind::Io)?;
    let result = f(inode);
    if !inode.lock.is_held() {
        inode.deferred.clear();
    }
    Ok(result)
}

/// Counts one handle on `id` fewer; its descriptor `file` closes now, or
/// once the process holds no lock on the file.
pub(crate) fn close(id: FileId, file: Arc<fs::File>) {
    let mut registry = registry();
    let Some(inode) = registry.get_mut(&id) else {
        return;
    };
    inode.handles = inode.handles.saturating_sub(1);
    if inode.lock.is_held() {
        inode.deferred.push(file);
    }
    if inode.handles == 0 {
        registry.remove(&id);
    }
}
