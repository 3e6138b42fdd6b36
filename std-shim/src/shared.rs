//! [`SharedDatabase`]: one database used from several threads, every use
//! serialized through a mutex.
//!
//! The engine is single-threaded by design (`core` keeps its state in
//! `Cell`s and `RefCell`s, with no locks to pay for on a Cortex-M): a
//! [`Database`] may move to another thread (`Send`) but not be shared
//! (`!Sync`), and its [`Connection`]s borrow it. A `SharedDatabase` is
//! an `Arc<Mutex<Database>>`: `Send + Sync + Clone`, so each thread holds
//! a clone and locks it for a run of work.
//!
//! What is serialized: everything done through one `SharedDatabase`.
//! [`lock`](SharedDatabase::lock) hands out the database to one thread
//! at a time, and the connections made from it live no longer than the
//! lock (the borrow checker sees to it), so a transaction begins and
//! ends inside one hold of the lock, and no two threads' statements on
//! it ever interleave.
//!
//! What is concurrent: separate `Database` values on one file. Threads
//! (or processes) that each [`open`](crate::open) the file coordinate
//! through SQLite's locks and `-shm` index, as boundlite and SQLite
//! processes do: any number read at once beside one writer, a second
//! writer waiting up to the busy timeout and then getting
//! [`Error::Busy`](boundlite::Error::Busy). That needs a file: a
//! `:memory:` database is private to its one `Database`, so sharing it
//! between threads is this module's job.
//!
//! A thread that panics while holding the lock poisons the mutex; the
//! engine's state is still sound (its own code never panics, and the
//! panicking thread's statements and transaction guards were dropped,
//! rolling back), so later locks take the database as it is.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use boundlite::alloc::{Allocator, Global};
use boundlite::{Connection, Database, Result};

use crate::StdPlatform;

/// A [`Database`] shared between threads, each use serialized (see the
/// module docs for what is concurrent and what is not).
///
/// ```
/// use boundlite_std::SharedDatabase;
///
/// let shared = SharedDatabase::open(":memory:")?;
/// shared.with_connection(|conn| conn.execute("CREATE TABLE t(x INTEGER)", ()))?;
/// let threads: Vec<_> = (0..4)
///     .map(|i| {
///         let shared = shared.clone();
///         std::thread::spawn(move || {
///             shared.with_connection(|conn| {
///                 conn.execute("INSERT INTO t VALUES (?1)", boundlite::params![i])
///             })
///         })
///     })
///     .collect();
/// for thread in threads {
///     thread.join().unwrap()?;
/// }
/// let db = shared.lock();
/// let sum: i64 = db.connect().query_row("SELECT sum(x) FROM t", (), |r| r.get(0))?;
/// assert_eq!(sum, 6);
/// # Ok::<(), boundlite::Error>(())
/// ```
pub struct SharedDatabase<A: Allocator + Clone = Global> {
    db: Arc<Mutex<Database<StdPlatform, A>>>,
}

impl SharedDatabase<Global> {
    /// Opens the database at `path` as [`open`](crate::open) does, to
    /// share.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        crate::open(path).map(Self::new)
    }
}

impl<A: Allocator + Clone> SharedDatabase<A>
where
    Database<StdPlatform, A>: Send,
{
    /// Shares `db`.
    pub fn new(db: Database<StdPlatform, A>) -> Self {
        SharedDatabase {
            db: Arc::new(Mutex::new(db)),
        }
    }

    /// The database, for this thread alone until the guard is dropped:
    /// other threads' `lock` waits meanwhile.
    pub fn lock(&self) -> MutexGuard<'_, Database<StdPlatform, A>> {
        self.db.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `work` on a connection of the database, holding the lock
    /// throughout.
    pub fn with_connection<T>(
        &self,
        work: impl FnOnce(&Connection<'_, StdPlatform, A>) -> Result<T>,
    ) -> Result<T> {
        let db = self.lock();
        let conn = db.connect();
        work(&conn)
    }
}

impl<A: Allocator + Clone> Clone for SharedDatabase<A> {
    fn clone(&self) -> Self {
        SharedDatabase {
            db: Arc::clone(&self.db),
        }
    }
}
