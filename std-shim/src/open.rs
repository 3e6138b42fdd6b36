//! [`open`], [`open_read_only`] and [`open_with`]: a database by path, on
//! the global heap, with a busy timeout of [`DEFAULT_BUSY_TIMEOUT_MS`]
//! unless a [`Config`] says otherwise; [`open_in`] and
//! [`open_read_only_in`] in an allocator of the caller's (an arena).
//!
//! The path [`MEMORY`] (`":memory:"`) or the empty path names a private
//! database in memory, as in SQLite: its bytes live in a
//! [`StdPlatform::memory`] owned by the returned database, no file is
//! created, and dropping the database frees them.

use std::path::Path;

use boundlite::alloc::{Allocator, Global};
use boundlite::{Config, Database, Error, Result};

use crate::StdPlatform;

/// The path that names a private in-memory database (the empty path does
/// too), as in SQLite.
pub const MEMORY: &str = ":memory:";

/// The busy timeout [`open`] and [`open_read_only`] use, in milliseconds:
/// rusqlite's default, where [`Config::DEFAULT`] has none.
pub const DEFAULT_BUSY_TIMEOUT_MS: u32 = 5000;

/// [`Config::DEFAULT`] with the busy timeout of [`DEFAULT_BUSY_TIMEOUT_MS`].
const OPEN_CONFIG: Config = Config {
    busy_timeout_ms: DEFAULT_BUSY_TIMEOUT_MS,
    ..Config::DEFAULT
};

/// Opens the database at `path` for reading and writing, creating it when
/// absent, with [`Config::DEFAULT`] on the global heap, except for the
/// busy timeout: a lock another process (or another `Database` on the
/// file) holds is waited for up to [`DEFAULT_BUSY_TIMEOUT_MS`] before
/// [`Error::Busy`], at open as at every statement. Change it with
/// `PRAGMA busy_timeout`, [`Connection::busy_timeout`] or [`open_with`].
///
/// A file that exists but cannot be written opens for reading: only
/// writes then fail, with [`Error::ReadOnly`]. `":memory:"` ([`MEMORY`])
/// or `""` opens a private, empty database in memory.
///
/// ```
/// let dir = tempfile::tempdir()?;
/// let db = boundlite_std::open(dir.path().join("app.db"))?;
/// db.connect().execute("CREATE TABLE t(x)", &[])?;
/// assert_eq!(db.busy_timeout_ms(), 5000);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// [`Connection::busy_timeout`]: boundlite::Connection::busy_timeout
pub fn open(path: impl AsRef<Path>) -> Result<Database<StdPlatform, Global>> {
    open_with(path, &OPEN_CONFIG)
}

/// Opens the existing database at `path` for reading only, with
/// [`Config::DEFAULT`] on the global heap and the busy timeout of
/// [`open`]: a lock another process holds is waited for up to
/// [`DEFAULT_BUSY_TIMEOUT_MS`], at open as at every read.
///
/// `":memory:"` ([`MEMORY`]) or `""` opens a private database in memory
/// that is empty and stays so.
pub fn open_read_only(path: impl AsRef<Path>) -> Result<Database<StdPlatform, Global>> {
    open_read_only_with(path, &OPEN_CONFIG)
}

/// Opens the database at `path` as [`open`] does, with `config` (its
/// busy timeout included) on the global heap.
///
/// ```
/// use boundlite::Config;
///
/// let config = Config { busy_timeout_ms: 100, ..Config::DEFAULT };
/// let db = boundlite_std::open_with(":memory:", &config)?;
/// assert_eq!(db.busy_timeout_ms(), 100);
/// # Ok::<(), boundlite::Error>(())
/// ```
pub fn open_with(path: impl AsRef<Path>, config: &Config) -> Result<Database<StdPlatform, Global>> {
    open_in(path, config, Global)
}

/// Opens the database at `path` as [`open_with`] does, every byte the
/// engine uses coming from `alloc` (a `:memory:` database's file bytes
/// are the platform's, on the global heap).
///
/// ```
/// use boundlite::Config;
/// use boundlite::alloc::Arena;
///
/// let mut heap = vec![0u8; 256 * 1024];
/// let arena = Arena::new(&mut heap)?;
/// let config = Config { cache_frames: 12, ..Config::DEFAULT };
/// let db = boundlite_std::open_in(":memory:", &config, &arena)?;
/// db.connect().execute("CREATE TABLE t(x)", &[])?;
/// assert!(arena.stats().peak_in_use > 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn open_in<A: Allocator + Clone>(
    path: impl AsRef<Path>,
    config: &Config,
    alloc: A,
) -> Result<Database<StdPlatform, A>> {
    let path = utf8(path.as_ref())?;
    if is_memory(path) {
        return Database::open(StdPlatform::memory(), MEMORY, config, alloc);
    }
    Database::open(StdPlatform::new(), path, config, alloc)
}

/// Opens the existing database at `path` for reading only, as
/// [`open_read_only`] does, with `config` on the global heap.
pub fn open_read_only_with(
    path: impl AsRef<Path>,
    config: &Config,
) -> Result<Database<StdPlatform, Global>> {
    open_read_only_in(path, config, Global)
}

/// Opens the existing database at `path` for reading only, as
/// [`open_read_only`] does, with `config`, in `alloc`.
pub fn open_read_only_in<A: Allocator + Clone>(
    path: impl AsRef<Path>,
    config: &Config,
    alloc: A,
) -> Result<Database<StdPlatform, A>> {
    let path = utf8(path.as_ref())?;
    if is_memory(path) {
        // A read-only handle cannot write the first page a database must
        // have, so a writable open makes it first, on the same private
        // platform, and is closed before the read-only one opens.
        let platform = StdPlatform::memory();
        drop(Database::open(
            platform.clone(),
            MEMORY,
            config,
            alloc.clone(),
        )?);
        return Database::open_read_only(platform, MEMORY, config, alloc);
    }
    Database::open_read_only(StdPlatform::new(), path, config, alloc)
}

/// Whether `path` names a private in-memory database.
fn is_memory(path: &str) -> bool {
    path.is_empty() || path == MEMORY
}

fn utf8(path: &Path) -> Result<&str> {
    path.to_str()
        .ok_or(Error::CantOpen("the path is not valid UTF-8"))
}
