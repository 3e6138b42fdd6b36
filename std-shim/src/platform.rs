//! [`StdPlatform`]: files on the operating system's file system, addressed
//! by path, optionally under a base directory; or, for `":memory:"`,
//! private files in memory (`memory.rs`).
//!
//! Temporary files ([`Platform::open_temp`]) are anonymous files in the
//! OS temporary directory (`temp.rs`), whatever the base directory, or
//! private buffers for an in-memory platform; either way they go away with
//! their handle.
//!
//! Semantics follow the OS: on unix, deleting a file that has open handles
//! unlinks the name while the handles keep working on the unnamed file
//! (the same as `MemoryPlatform`, and the in-memory files); on Windows such
//! a delete may fail.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use boundlite_platform::{OpenMode, Platform, PlatformError};

use crate::disk::DiskFile;
use crate::memory::{MemoryFile, MemoryFiles};
use crate::temp::TempFile;
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
///
/// Two platforms are equal when they name the same files: disk ones with
/// the same base directory, in-memory ones that are clones of each other.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StdPlatform {
    backing: Backing,
}

/// Where a platform's files live.
#[derive(Debug, Clone)]
enum Backing {
    /// The file system, relative paths under `base` when there is one.
    Disk { base: Option<PathBuf> },
    /// Private buffers, shared only by clones of the platform.
    Memory(MemoryFiles),
}

impl Default for Backing {
    fn default() -> Self {
        Backing::Disk { base: None }
    }
}

impl PartialEq for Backing {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Backing::Disk { base: a }, Backing::Disk { base: b }) => a == b,
            (Backing::Memory(a), Backing::Memory(b)) => a.same(b),
            _ => false,
        }
    }
}

impl Eq for Backing {}

impl StdPlatform {
    /// Paths are used as given: relative ones against the process's
    /// working directory.
    pub fn new() -> Self {
        Self::default()
    }

    /// Relative paths are taken under `dir`; absolute ones are used as given.
    pub fn in_dir(dir: impl Into<PathBuf>) -> Self {
        Self {
            backing: Backing::Disk {
                base: Some(dir.into()),
            },
        }
    }

    /// A platform whose files are private buffers in this process's
    /// memory, shared only with clones of the returned value and freed
    /// with the last of them and of their handles: what `":memory:"`
    /// opens. No other handle can meet them, so every lock is granted and
    /// there is no shared memory (the [`File`](boundlite_platform::File)
    /// defaults); the engine holds such a database exclusively.
    ///
    /// ```
    /// use boundlite::{Config, Database};
    /// use boundlite::alloc::Global;
    /// use boundlite_std::StdPlatform;
    ///
    /// let db = Database::open(StdPlatform::memory(), "scratch.db", &Config::DEFAULT, Global)?;
    /// db.connect().execute("CREATE TABLE t(x)", &[])?;
    /// assert!(!std::path::Path::new("scratch.db").exists());
    /// # Ok::<(), boundlite::Error>(())
    /// ```
    pub fn memory() -> Self {
        Self {
            backing: Backing::Memory(MemoryFiles::default()),
        }
    }

    /// Whether this platform's files are in memory.
    pub fn is_memory(&self) -> bool {
        matches!(self.backing, Backing::Memory(_))
    }

    /// The directory relative paths are taken under, if any (never for an
    /// in-memory platform).
    pub fn base_dir(&self) -> Option<&Path> {
        match &self.backing {
            Backing::Disk { base } => base.as_deref(),
            Backing::Memory(_) => None,
        }
    }

    /// The file-system path `path` names on this platform. An in-memory
    /// platform's paths name no file on disk: for it this is `path` as
    /// given.
    pub fn resolve(&self, path: &str) -> PathBuf {
        match self.base_dir() {
            Some(base) => base.join(path),
            None => PathBuf::from(path),
        }
    }
}

impl Platform for StdPlatform {
    type File = StdFile;

    fn open(&self, path: &str, mode: OpenMode) -> Result<StdFile, PlatformError> {
        if let Backing::Memory(files) = &self.backing {
            return files.open(path, mode).map(StdFile::memory);
        }
        let full = self.resolve(path);
        let mut options = fs::OpenOptions::new();
        options.read(true).write(mode.is_writable());
        if mode == OpenMode::Create {
            // Try an exclusive create first to learn whether this handle
            // made the file, and so owes its directory a sync.
            match options.clone().create_new(true).open(&full) {
                Ok(file) => {
                    let dir = parent_dir(&full);
                    return DiskFile::new(file, full, true, Some(dir)).map(StdFile::disk);
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(platform_error(&e)),
            }
        }
        let file = options.open(&full).map_err(|e| platform_error(&e))?;
        DiskFile::new(file, full, mode.is_writable(), None).map(StdFile::disk)
    }

    fn delete(&self, path: &str) -> Result<(), PlatformError> {
        if let Backing::Memory(files) = &self.backing {
            return files.delete(path);
        }
        fs::remove_file(self.resolve(path)).map_err(|e| platform_error(&e))
    }

    fn open_temp(&self) -> Result<StdFile, PlatformError> {
        match &self.backing {
            Backing::Disk { .. } => TempFile::create().map(StdFile::temp),
            Backing::Memory(_) => Ok(StdFile::memory(MemoryFile::anonymous())),
        }
    }

    fn exists(&self, path: &str) -> Result<bool, PlatformError> {
        if let Backing::Memory(files) = &self.backing {
            return Ok(files.exists(path));
        }
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

    /// The system clock; `None` before 1970 or past `i64` milliseconds.
    fn now_unix_millis(&self) -> Option<i64> {
        let since = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?;
        i64::try_from(since.as_millis()).ok()
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

    fn open_temp(&self) -> Result<StdFile, PlatformError> {
        (**self).open_temp()
    }

    fn exists(&self, path: &str) -> Result<bool, PlatformError> {
        (**self).exists(path)
    }

    fn sleep(&self, micros: u32) -> bool {
        (**self).sleep(micros)
    }

    fn now_unix_millis(&self) -> Option<i64> {
        (**self).now_unix_millis()
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
