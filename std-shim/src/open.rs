//! [`open`] and [`open_read_only`]: a database by path, with the default
//! configuration, on the global heap.

use std::path::Path;

use boundlite::alloc::Global;
use boundlite::{Config, Database, Error, Result};

use crate::StdPlatform;

/// Opens the database at `path` for reading and writing, creating it when
/// absent, with [`Config::DEFAULT`] on the global heap.
///
/// ```
/// let dir = tempfile::tempdir()?;
/// let db = boundlite_std::open(dir.path().join("app.db"))?;
/// db.connect().execute("CREATE TABLE t(x)", &[])?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn open(path: impl AsRef<Path>) -> Result<Database<StdPlatform, Global>> {
    Database::open(
        StdPlatform::new(),
        utf8(path.as_ref())?,
        &Config::DEFAULT,
        Global,
    )
}

/// Opens the existing database at `path` for reading only, with
/// [`Config::DEFAULT`] on the global heap.
pub fn open_read_only(path: impl AsRef<Path>) -> Result<Database<StdPlatform, Global>> {
    Database::open_read_only(
        StdPlatform::new(),
        utf8(path.as_ref())?,
        &Config::DEFAULT,
        Global,
    )
}

fn utf8(path: &Path) -> Result<&str> {
    path.to_str()
        .ok_or(Error::CantOpen("the path is not valid UTF-8"))
}
