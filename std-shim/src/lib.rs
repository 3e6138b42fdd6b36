//! boundlite on an operating system with `std`.
//!
//! - [`StdPlatform`] / [`StdFile`]: the [`Platform`] and [`File`] traits of
//!   `boundlite-platform` over `std::fs`, with positional I/O (`pread`/
//!   `pwrite` on unix, `seek_read`/`seek_write` on Windows). On unix
//!   their file locks and `-shm` shared memory are SQLite's unix VFS, so
//!   boundlite and SQLite processes share a database safely; elsewhere the
//!   traits' one-user-per-file defaults apply. [`StdPlatform::memory`]
//!   keeps its files in private buffers instead.
//! - [`platform_error`]: how a `std::io::Error` becomes a
//!   [`PlatformError`], kind and OS code.
//! - [`open`] / [`open_read_only`]: a database by path, with the default
//!   configuration and a busy timeout of [`DEFAULT_BUSY_TIMEOUT_MS`];
//!   [`open_with`] / [`open_read_only_with`] with a [`Config`] of your own;
//!   [`open_in`] / [`open_read_only_in`] in an allocator of your own (an
//!   arena, say).
//! - [`SharedDatabase`]: one database used from several threads, each
//!   use serialized through a mutex (the engine is single-threaded).
//!
//! # The API
//!
//! As rusqlite's, fallible throughout: parameters from Rust values
//! ([`params!`](boundlite::params), [`named_params!`](boundlite::named_params)),
//! rows read into Rust types by column number or name
//! ([`Row::get`](boundlite::Row::get)), `query_map`, `query_row`, and
//! transactions as guards that roll back when dropped:
//!
//! ```
//! use boundlite::{named_params, params};
//!
//! let db = boundlite_std::open(":memory:")?;
//! let conn = db.connect();
//! conn.execute("CREATE TABLE person(id INTEGER PRIMARY KEY, name TEXT NOT NULL, data BLOB)", ())?;
//! let tx = conn.transaction()?;
//! tx.execute("INSERT INTO person(name, data) VALUES (?1, ?2)", params!["Steven", None::<&[u8]>])?;
//! tx.execute(
//!     "INSERT INTO person(name, data) VALUES (:name, :data)",
//!     named_params! {":name": "Ada", ":data": [1u8, 2, 3]},
//! )?;
//! tx.commit()?;
//!
//! let mut stmt = conn.prepare("SELECT id, name, data FROM person WHERE id >= ?1")?;
//! assert_eq!(stmt.column_names()?.collect::<Vec<_>>(), ["id", "name", "data"]);
//! let people = stmt.query_map(params![1], |row| {
//!     let id: i64 = row.get(0)?;
//!     let name: &str = row.get("name")?;
//!     let data: Option<&[u8]> = row.get("data")?;
//!     Ok((id, name.to_owned(), data.map(<[u8]>::len)))
//! })?;
//! let people: Vec<_> = people.collect::<Result<_, _>>()?;
//! assert_eq!(people, [(1, "Steven".to_owned(), None), (2, "Ada".to_owned(), Some(3))]);
//! let err = conn.query_row("SELECT name FROM person", (), |row| row.get::<i64>(0)).unwrap_err();
//! assert_eq!(err.to_string(), "datatype mismatch: column 0 (name): expected integer, found text");
//! # Ok::<(), boundlite::Error>(())
//! ```
//!
//! # Sharing a database file with other processes
//!
//! On unix a database file may be open in several processes at once,
//! boundlite or SQLite (the `sqlite3` shell, rusqlite, any program linking
//! SQLite), and in several `Database` values of one process. They
//! coordinate by SQLite's own protocol: POSIX advisory locks on the
//! database file for its readers and its one writer, and for a WAL
//! database the `-shm` file beside it, the shared index of the log. Any
//! number of readers proceed alongside one writer, each reading the last
//! commit made before its transaction began; boundlite writes WAL-mode
//! files, and converts a rollback-journal file to WAL at its first write
//! (reading one changes nothing and creates no `-wal`).
//!
//! A lock another user holds (the write lock when this one wants to
//! write, the exclusive lock a rollback-mode SQLite writer takes, or the
//! one a closing database takes to delete its log) is retried for the
//! busy timeout, SQLite's `busy_timeout`, then reported as
//! [`Error::Busy`] ("database is locked", code 5). [`open`] waits up to
//! [`DEFAULT_BUSY_TIMEOUT_MS`] (5000 ms, as rusqlite does), also for the
//! lock opening itself takes; `Database::open` with [`Config::DEFAULT`]
//! waits not at all. Change it per
//! database with `PRAGMA busy_timeout = MS`,
//! [`Connection::busy_timeout`](boundlite::Connection::busy_timeout) or
//! [`Config::busy_timeout_ms`].
//!
//! What POSIX locks cannot do, SQLite cannot either: a SQLite connection
//! opened in *this* process on the same file does not see boundlite's
//! locks, and closing it drops them. Share a file with SQLite across
//! processes. The file system must have working POSIX locks (not every
//! network file system does). On other operating systems a file must be
//! used by one `Database` at a time.
//!
//! # `:memory:`
//!
//! The path `":memory:"` ([`MEMORY`]) or `""` opens a private database in
//! memory, as in SQLite: no file is created anywhere, nothing else (no
//! other process, no other `open(":memory:")`) can see it, and dropping
//! the database frees it. It needs no locks: the engine holds it
//! exclusively.
//!
//! # What belongs here
//!
//! This crate is the place for std-only conveniences (opening a database
//! by path, the `boundlite` shell); the engine itself stays `no_std`.
//!
//! [`Platform`]: boundlite_platform::Platform
//! [`File`]: boundlite_platform::File
//! [`PlatformError`]: boundlite_platform::PlatformError
//! [`Config`]: boundlite::Config
//! [`Config::DEFAULT`]: boundlite::Config::DEFAULT
//! [`Config::busy_timeout_ms`]: boundlite::Config::busy_timeout_ms
//! [`Error::Busy`]: boundlite::Error::Busy

mod disk;
mod error;
mod file;
mod memory;
mod open;
mod platform;
mod positional;
mod shared;
mod temp;
#[cfg(unix)]
mod unix;

pub use error::platform_error;
pub use file::StdFile;
pub use open::{
    DEFAULT_BUSY_TIMEOUT_MS, MEMORY, open, open_in, open_read_only, open_read_only_in,
    open_read_only_with, open_with,
};
pub use platform::StdPlatform;
pub use shared::SharedDatabase;
