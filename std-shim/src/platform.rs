//! [`StdPlatform`]: files on the operating system's file system, addressed
//! by path, optionally under a base directory.
//!
//! Semantics follow the OS: on unix, deleting a file that has open handles
//! unlinks the name while the handles keep working on the unnamed file
//! (the same as `MemoryPlatform`); on Windows such a delete may fail.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use boundlite_platform::{OpenMode, Platform, PlatformError};

use crate::{StdFile, platform_error};

/// The [`Platform`] of `std::fs`.
///
/// ```
/// use boundlite_platform::{File, OpenMode, Platform, PlatformError};
/// use boundlite_std::StdPlatform;
///
/// let dir = tempfile::tempdir().unwrap();
/// let fs = StdPlatform::in_dir(dir.path());
/// let mut file = fs.open("test.db", OpenMode::Create)?;
/// file.write_at(0, b"SQLite format 3\0")?;
/// file.sync()?;
/// assert_eq!(file.size()?, 16);
/// drop(file);
/// fs.delete("test.db")?;
/// assert!(!fs.exists("test.db")?);
/// # Ok::<(), PlatformError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StdPlatform {
    base: Option<PathBuf>,
}

impl StdPlatform {
    /// Paths are used as given: relative ones against the process's
    /// working directory.
    pub fn new() -> Self {
        Self { base: None }
    }

    /// Relative paths are taken under `dir`; absolute ones are used as given.
    pub fn in_dir(dir: impl Into<PathBuf>) -> Self {
        Self {
            base: Some(dir.into()),
        }
    }

    /// The directory relative paths are taken under, if any.
    pub fn base_dir(&self) -> Option<&Path> {
        self.base.as_deref()
    }

    /// The file-system path `path` names on this platform.
    pub fn resolve(&self, path: &str) -> PathBuf {
        match &self.base {
            Some(base) => base.join(path),
            None => PathBuf::from(path),
        }
    }
}

impl Platform for StdPlatform {
    type File = StdFile;

    fn open(&self, path: &str, mode: OpenMode) -> Result<StdFile, PlatformError> {
        let full = self.resolve(path);
        let mut options = fs::OpenOptions::new();
        options.read(true).write(mode.is_writable());
        if mode == OpenMode::Create {
            // Try an exclusive create first to learn whether this handle
            // made the file, and so owes its directory a sync.
            match options.clone().create_new(true).open(&full) {
                Ok(file) => {
                    let dir = parent_dir(&full);
                    return StdFile::new(file, full, true, Some(dir));
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(platform_error(&e)),
            }
        }
        let file = options.open(&full).map_err(|e| platform_error(&e))?;
        StdFile::new(file, full, mode.is_writable(), None)
    }

    fn delete(&self, path: &str) -> Result<(), PlatformError> {
        fs::remove_file(self.resolve(path)).map_err(|e| platform_error(&e))
    }

    fn exists(&self, path: &str) -> Result<bool, PlatformError> {
        match fs::metadata(self.resolve(path)) {
            Ok(meta) => Ok(meta.is_file()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(platform_error(&e)),
        }
    }

    /// Sleeps the calling thread: the engine waits for a busy lock here.
    fn sleep(&self, micros: u32) -> bool {
        std::thread::sleep(std::time::Duration::from_micros(u64::from(micros)));
        true
    }
}

impl Platform for &StdPlatform {
    type File = StdFile;

    fn open(&self, path: &str, mode: OpenMode) -> Result<StdFile, PlatformError> {
        (**self).open(path, mode)
    }

    fn delete(&self, path: &str) -> Result<(), PlatformError> {
        (**self).delete(path)
    }

    fn exists(&self, path: &str) -> Result<bool, PlatformError> {
        (**self).exists(path)
    }

    fn sleep(&self, micros: u32) -> bool {
        (**self).sleep(micros)
    }
}

/// The directory holding `path`: its parent, or the working directory for
/// a bare file name.
fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}
