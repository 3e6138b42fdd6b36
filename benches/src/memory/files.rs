//! Where an engine's database lives during a run, and the sizes of its
//! files afterwards.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Companion files an engine may keep beside its database: SQLite's log
/// and shared-memory index, and the `-log` of an MVCC logical log.
const COMPANIONS: [&str; 4] = ["-wal", "-shm", "-log", "-journal"];

/// Sizes in bytes of a database's files; `None` for a file that does not
/// exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FileSizes {
    /// The database file.
    pub db: Option<u64>,
    /// `<db>-wal`.
    pub wal: Option<u64>,
    /// `<db>-shm` (SQLite's WAL index; boundlite keeps its index in memory).
    pub shm: Option<u64>,
    /// `<db>-log` (an MVCC logical log).
    pub log: Option<u64>,
}

/// `path` with `suffix` appended to its file name.
pub fn companion(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

fn size(path: &Path) -> Option<u64> {
    fs::metadata(path).ok().map(|m| m.len())
}

/// The sizes of the database at `path` and its companions at the time of the call.
pub fn sizes(path: &Path) -> FileSizes {
    FileSizes {
        db: size(path),
        wal: size(&companion(path, "-wal")),
        shm: size(&companion(path, "-shm")),
        log: size(&companion(path, "-log")),
    }
}

/// Deletes the database at `path` and its companions, so a run starts
/// from nothing. Files that are absent are fine.
pub fn remove_database(path: &Path) -> io::Result<()> {
    let paths = std::iter::once(path.to_path_buf())
        .chain(COMPANIONS.iter().map(|suffix| companion(path, suffix)));
    for file in paths {
        match fs::remove_file(&file) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    Ok(())
}
