//! [`Database`]: a database file opened on a [`Platform`],
//! [`WriteTransaction`], the one way to change it, and [`SnapshotPages`],
//! the way to read it as of one commit.
//!
//! This is the storage engine's public face, below SQL: open a file (or
//! create it), read trees through cursors, and change trees inside a write
//! transaction that commits or rolls back as a whole.
//!
//! Invariants:
//! - a database file always has page 1: opening an empty file writes the
//!   header and an empty schema table and commits them before returning;
//! - at most one write transaction exists at a time (it borrows the
//!   database), and dropping it without committing rolls it back;
//! - an error inside a write transaction (out of memory, a full cache, an
//!   I/O error, corruption) rolls the whole transaction back, as SQLite does
//!   for NOMEM, IOERR and FULL: a tree is never left half-changed. The
//!   transaction then refuses further work and says why;
//! - a database shares its file with other handles (other processes, or
//!   other `Database` values on one platform) by SQLite's protocol: file
//!   locks, and the WAL index in shared memory where the platform has it
//!   (else the file is held exclusively while open). See `pager::shared`;
//! - the write-ahead log, `<path>-wal`, is opened when it exists, created
//!   when a new database or a WAL-mode one is opened for writing, and for
//!   a rollback-journal database only at its first write: opening and
//!   reading such a file creates nothing;
//! - a lock another handle holds is retried for `Config::busy_timeout_ms`,
//!   sleeping through the platform, then reported as [`Error::Busy`];
//! - a database is never opened over a hot rollback journal (a crashed
//!   rollback-mode writer's undo log): its content would be ignored and the
//!   file misread, so opening is refused with [`Error::CantOpen`].

mod mvcc;
mod mvcc_txn;
mod snapshot;
mod temp;
#[cfg(test)]
mod tests;
mod transaction;

use core::cell::{Cell, RefCell};

use boundlite_platform::{ErrorKind, File, LockLevel, OpenMode, Platform};

use crate::alloc::{Allocator, Global, String, Vec};
use crate::btree::{IndexCursor, TableCursor, TreeKind, TreeWriter};
use crate::format::DatabaseHeader;
use crate::integrity::{IntegrityReport, check, integrity_check};
use crate::mvcc::{RecoveryPoint, Resume};
use crate::pager::{Pager, ReadTransaction, Snapshot};
use crate::schema::Schema;
use crate::wal::{CheckpointMode, CheckpointResult};
use crate::{Config, Error, PageNo, Result};
use mvcc::MvccState;
pub use mvcc_txn::{MvccRows, MvccTransaction};
pub(crate) use snapshot::SnapshotPages;
pub(crate) use transaction::TxnState;
pub use transaction::WriteTransaction;

/// A database file. `P` is the platform it lives on (a file system, a RAM
/// disk, a flash driver), `A` the allocator every byte of it comes from.
pub struct Database<P: Platform, A: Allocator + Clone = Global> {
    pager: Pager<P::File, A>,
    writer: RefCell<TreeWriter<A>>,
    alloc: A,
    platform: P,
    /// The log's path, for a database that gets its log at its first write.
    wal_path: String<A>,
    /// The rollback journal's path, checked each time a database without
    /// a log takes its shared lock again.
    journal_path: String<A>,
    /// The MVCC log's path (`<db>-log`).
    log_path: String<A>,
    /// The version store, while the database is in MVCC mode (see
    /// `database::mvcc`). Borrowed for one store call at a time.
    mvcc: RefCell<Option<MvccState<P, A>>>,
    /// Bytes the version store may hold (`Config::mvcc_memory`).
    mvcc_memory: Cell<usize>,
    /// Log bytes past which an MVCC commit checkpoints
    /// (`Config::mvcc_checkpoint_threshold`).
    mvcc_threshold: Cell<u64>,
    /// Milliseconds a busy lock is retried for.
    busy_timeout_ms: Cell<u32>,
    /// Write transactions begun, B-tree changes made and rollbacks, so
    /// far: see [`Database::generation`].
    generation: Cell<u64>,
    /// `PRAGMA cache_size` as last set, and the frames it gave the cache.
    cache_size: Cell<Option<(i64, usize)>>,
    /// Bytes each statement's sorting may hold (`Config::sort_memory`).
    sort_memory: Cell<usize>,
}

impl<P: Platform, A: Allocator + Clone> Database<P, A> {
    /// Opens the database at `path` for reading and writing, creating it
    /// when absent (a file that exists but cannot be written opens for
    /// reading). Every byte comes from `alloc`: the page cache takes its
    /// frames from it as pages are used, up to `config.cache_frames`.
    /// `Busy` when another handle's lock forbids opening for longer than
    /// `config.busy_timeout_ms`.
    ///
    /// ```
    /// use boundlite::{Config, Database, RowId, TreeKind};
    /// use boundlite::alloc::Global;
    /// use boundlite::platform::MemoryPlatform;
    ///
    /// let disk = MemoryPlatform::new();
    /// let db = Database::open(&disk, "demo.db", &Config::DEFAULT, Global)?;
    /// let txn = db.begin_write()?;
    /// let root = txn.create_tree(TreeKind::Table)?;
    /// txn.insert_row(root, RowId::new(1), b"\x02\x15hi")?;
    /// txn.commit()?;
    /// let mut rows = db.table_cursor(root);
    /// assert!(rows.first()? && rows.rowid()? == RowId::new(1));
    /// # Ok::<(), boundlite::Error>(())
    /// ```
    pub fn open(platform: P, path: &str, config: &Config, alloc: A) -> Result<Self> {
        Self::open_as(platform, path, OpenMode::Create, config, alloc, &mut |_| {
            Resume::Continue
        })
    }

    /// [`open`](Self::open), stopping recovery of a database in MVCC mode
    /// at each [`RecoveryPoint`] for `pause` (another handle on the file
    /// gets `Busy` meanwhile); at [`Resume::Abandon`] the open fails with
    /// `Abort` and leaves the files for a later open to recover.
    pub fn open_recovering(
        platform: P,
        path: &str,
        config: &Config,
        alloc: A,
        mut pause: impl FnMut(RecoveryPoint) -> Resume,
    ) -> Result<Self> {
        Self::open_as(platform, path, OpenMode::Create, config, alloc, &mut pause)
    }

    /// Opens the existing database at `path` for reading only.
    pub fn open_read_only(platform: P, path: &str, config: &Config, alloc: A) -> Result<Self> {
        Self::open_as(
            platform,
            path,
            OpenMode::ReadOnly,
            config,
            alloc,
            &mut |_| Resume::Continue,
        )
    }

    fn open_as(
        platform: P,
        path: &str,
        mode: OpenMode,
        config: &Config,
        alloc: A,
        pause: &mut dyn FnMut(RecoveryPoint) -> Resume,
    ) -> Result<Self> {
        let journal = companion(path, "-journal", alloc.clone())?;
        let wal_path = companion(path, "-wal", alloc.clone())?;
        let log_path = companion(path, "-log", alloc.clone())?;
        let timeout = config.busy_timeout_ms;
        let pager = retry_busy(&platform, timeout, || {
            let (mut file, mode) = open_database_file(&platform, path, mode)?;
            // The log is looked for under a shared lock, as SQLite does: a
            // process closing the database deletes its log only under an
            // exclusive one, so the log found here stays the live one.
            Pager::<P::File, A>::lock_file(&mut file, LockLevel::Shared)?;
            refuse_hot_journal(&platform, &journal, || Ok(file.is_reserved()?))?;
            let wal = if platform.exists(&wal_path)? {
                let wal_mode = if mode.is_writable() {
                    OpenMode::ReadWrite
                } else {
                    OpenMode::ReadOnly
                };
                Some(platform.open(&wal_path, wal_mode)?)
            } else if mode.is_writable() && wants_log(&mut file)? {
                Some(platform.open(&wal_path, OpenMode::Create)?)
            } else {
                None
            };
            Pager::open_shared(file, wal, mode, config, alloc.clone())
        })?;
        let db = Database {
            pager,
            writer: RefCell::new(TreeWriter::new_in(alloc.clone())),
            alloc,
            platform,
            wal_path,
            journal_path: journal,
            log_path,
            mvcc: RefCell::new(None),
            mvcc_memory: Cell::new(config.mvcc_memory),
            mvcc_threshold: Cell::new(config.mvcc_checkpoint_threshold),
            busy_timeout_ms: Cell::new(timeout),
            generation: Cell::new(0),
            cache_size: Cell::new(None),
            sort_memory: Cell::new(config.sort_memory),
        };
        if db.pager.page_count() == 0 {
            if !mode.is_writable() {
                return Err(Error::CantOpen("the database file is empty"));
            }
            db.create_schema_page()?;
        }
        // A rollback-journal file is not kept locked between reads.
        db.pager.end_unlogged_read();
        db.resume_mvcc(pause)?;
        Ok(db)
    }

    /// Writes page 1 of a fresh database: the header and an empty schema
    /// table. Another handle that opened the same empty file may have done
    /// it first: then there is nothing to do.
    fn create_schema_page(&self) -> Result<()> {
        let txn = self.begin_write()?;
        if self.pager.page_count() > 0 {
            return txn.rollback();
        }
        let root = txn.create_tree(TreeKind::Table)?;
        if root != PageNo::ONE {
            return Err(Error::Misuse("a fresh database's first page is not page 1"));
        }
        txn.commit()
    }

    /// Starts a read transaction: cursors made over it (`TableCursor::new(&txn,
    /// root, buffer)`) read the database as of the last commit, whatever is
    /// committed while it lasts.
    pub fn begin_read(&self) -> Result<ReadTransaction<'_, P::File, A>> {
        self.retry(|| {
            self.check_unlogged_file()?;
            self.pager.begin_read()
        })
    }

    /// For a database without a log whose shared lock was let go for
    /// another process's rollback-journal commit: takes the lock again and
    /// checks what SQLite checks each time it takes it: that no crashed
    /// writer left a hot journal, and whether a log appeared meanwhile
    /// (then it is followed).
    fn check_unlogged_file(&self) -> Result<()> {
        if !self.pager.relock_if_released()? {
            return Ok(());
        }
        let refused = refuse_hot_journal(&self.platform, &self.journal_path, || {
            self.pager.is_reserved()
        });
        if let Err(e) = refused {
            // Let go again, so that the next read checks again.
            self.pager.end_unlogged_read();
            return Err(e);
        }
        if self.platform.exists(&self.wal_path)? {
            let mode = if self.pager.is_writable() {
                OpenMode::ReadWrite
            } else {
                OpenMode::ReadOnly
            };
            self.pager
                .adopt_log(|| Ok(self.platform.open(&self.wal_path, mode)?))?;
        }
        Ok(())
    }

    /// Waits up to `timeout` for locks other handles hold before an
    /// operation reports [`Error::Busy`] (SQLite's `busy_timeout`): retried
    /// with SQLite's backoff, sleeping through the platform. Zero (the
    /// default of [`Config::DEFAULT`]) reports it at once.
    pub fn set_busy_timeout(&self, timeout: core::time::Duration) {
        let ms = u32::try_from(timeout.as_millis()).unwrap_or(u32::MAX);
        self.busy_timeout_ms.set(ms);
    }

    /// The busy timeout, in milliseconds.
    pub fn busy_timeout_ms(&self) -> u32 {
        self.busy_timeout_ms.get()
    }

    /// `PRAGMA cache_size = value`, which asks for `frames` frames: sets the
    /// page cache's limit (see [`Pager::set_cache_frames`]) and remembers
    /// `value` as the pragma's answer.
    pub(crate) fn set_cache_size(&self, value: i64, frames: usize) -> Result<()> {
        let frames = self.pager.set_cache_frames(frames)?;
        self.cache_size.set(Some((value, frames)));
        Ok(())
    }

    /// `PRAGMA cache_size`: the value last set, as SQLite answers, while the
    /// cache has the limit it gave; else (never set, or the limit was
    /// changed through the pager since) the cache's limit in frames.
    pub(crate) fn cache_size(&self) -> i64 {
        let frames = self.pager.cache_frames();
        match self.cache_size.get() {
            Some((value, set)) if set == frames => value,
            _ => i64::try_from(frames).unwrap_or(i64::MAX),
        }
    }

    /// Sets the bytes a statement's sorting (`ORDER BY`, `DISTINCT`,
    /// `GROUP BY`) may hold before it spills to temporary files: see
    /// [`Config::sort_memory`]. Statements started afterwards use it.
    pub fn set_sort_memory(&self, bytes: usize) {
        self.sort_memory.set(bytes);
    }

    /// The bytes a statement's sorting may hold (see
    /// [`set_sort_memory`](Self::set_sort_memory)).
    pub fn sort_memory(&self) -> usize {
        self.sort_memory.get()
    }

    /// The platform the database lives on, where sorts open their
    /// temporary files.
    pub(crate) fn platform(&self) -> &P {
        &self.platform
    }

    /// Runs `op` until it is not `Busy` or the busy timeout has passed. A
    /// read that met only a writer publishing its commit is retried at
    /// once, whatever the timeout, with SQLite's short pauses: SQLite's
    /// readers are never refused for that, and neither are these.
    pub(crate) fn retry<T>(&self, mut op: impl FnMut() -> Result<T>) -> Result<T> {
        retry_busy(&self.platform, self.busy_timeout_ms.get(), || {
            let mut attempt = 0u32;
            loop {
                match op() {
                    Err(Error::Busy)
                        if self.pager.busy_is_transient() && attempt < TRANSIENT_RETRIES =>
                    {
                        attempt += 1;
                        pause(&self.platform, attempt);
                    }
                    other => return other,
                }
            }
        })
    }

    /// Gives a database that has no log yet (a rollback-journal file) its
    /// log, so that it can be written: under an exclusive lock on the file,
    /// so that no reader or writer of the rollback-journal kind is active,
    /// the log is created and the file becomes a WAL database.
    fn attach_log(&self) -> Result<()> {
        self.retry(|| {
            self.pager
                .attach_log(|| Ok(self.platform.open(&self.wal_path, OpenMode::Create)?))
        })
    }

    /// The pages of this database as of `snapshot` (one a
    /// [`ReadTransaction`] holds: see [`SnapshotPages`]).
    pub(crate) fn pages_at(&self, snapshot: Snapshot) -> SnapshotPages<'_, P::File, A> {
        SnapshotPages::new(&self.pager, snapshot)
    }

    /// A SQL connection to this database, in autocommit mode.
    pub fn connect(&self) -> crate::Connection<'_, P, A> {
        crate::Connection::new(self)
    }

    /// Starts the write transaction; `Busy` if one is already open.
    pub fn begin_write(&self) -> Result<WriteTransaction<'_, P, A>> {
        if self.pager.needs_log() && !self.pager.in_write_transaction() {
            self.attach_log()?;
        }
        self.retry(|| WriteTransaction::begin(self))
    }

    /// A cursor over the table B-tree rooted at `root`, in rowid order.
    pub fn table_cursor(&self, root: PageNo) -> TableCursor<'_, Pager<P::File, A>, A> {
        TableCursor::new(&self.pager, root, Vec::new_in(self.alloc.clone()))
    }

    /// A cursor over the index B-tree rooted at `root`, in key order.
    pub fn index_cursor(&self, root: PageNo) -> IndexCursor<'_, Pager<P::File, A>, A> {
        IndexCursor::new(&self.pager, root, Vec::new_in(self.alloc.clone()))
    }

    /// The database header as of the last commit (or of the open write
    /// transaction).
    pub fn header(&self) -> DatabaseHeader {
        self.pager.header()
    }

    /// Pages in the database (`PRAGMA page_count`).
    pub fn page_count(&self) -> u32 {
        self.pager.page_count()
    }

    /// Pages on the freelist (`PRAGMA freelist_count`).
    pub fn freelist_count(&self) -> u32 {
        self.pager.header().freelist_count
    }

    /// `PRAGMA integrity_check`: every page, tree, freelist page, overflow
    /// chain and index entry checked; at most `max_errors` problems are
    /// collected (0 means SQLite's default of 100).
    pub fn integrity_check(&self, max_errors: usize) -> Result<IntegrityReport<A>> {
        integrity_check(&self.pager, self.alloc.clone(), max_errors)
    }

    /// `PRAGMA integrity_check` of the database as `pages` has it: every
    /// page, tree, freelist page, overflow chain and index entry of that
    /// commit, with the header its commit wrote into page 1. The
    /// comparison of the in-header size with the pager's page count is
    /// left to [`integrity_check`](Self::integrity_check): it is about the
    /// latest commit, not an older one.
    pub(crate) fn integrity_check_at(
        &self,
        pages: &SnapshotPages<'_, P::File, A>,
        max_errors: usize,
    ) -> Result<IntegrityReport<A>> {
        let header = pages.header()?;
        check(pages, &header, self.alloc.clone(), max_errors)
    }

    /// The schema table's entries as of the last commit (or of the open
    /// write transaction). Outside a write transaction it is read in a
    /// read transaction of its own, ended before this returns: the latest
    /// commit of any process, with no read mark left held.
    pub fn schema(&self) -> Result<Schema<A>> {
        if self.pager.in_write_transaction() {
            return Schema::read(&self.pager, self.alloc.clone());
        }
        let read = self.begin_read()?;
        Schema::read(&read, self.alloc.clone())
    }

    /// Runs a checkpoint (`PRAGMA wal_checkpoint(mode)`): copies committed
    /// log frames into the database file, never past what an open read
    /// transaction reads.
    pub fn checkpoint(&self, mode: CheckpointMode) -> Result<CheckpointResult> {
        self.pager.checkpoint(mode)
    }

    /// The pager: pages, the cache, the header.
    pub fn pager(&self) -> &Pager<P::File, A> {
        &self.pager
    }

    /// The allocator the database draws from.
    pub fn allocator(&self) -> &A {
        &self.alloc
    }

    /// A number that changes whenever this database changes a B-tree,
    /// rolls a write transaction back, or begins one on a file other
    /// processes may write. While it stays the same, no B-tree changed:
    /// - inside one write transaction, always (no other process writes
    ///   meanwhile);
    /// - at any time, when the file is held exclusively
    ///   ([`is_exclusive`](Self::is_exclusive)).
    ///
    /// What was learned of the pages then still holds: a BLOB handle keeps
    /// an overflow chain's page numbers on this condition.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.get()
    }

    /// Whether the file is held exclusively while open (a platform
    /// without shared memory), so that only this database changes it.
    pub(crate) fn is_exclusive(&self) -> bool {
        self.pager.is_exclusive()
    }

    /// Notes a change that may move pages (see [`generation`](Self::generation)).
    pub(crate) fn bump_generation(&self) {
        self.generation.set(self.generation.get().wrapping_add(1));
    }
}

/// Opens the database file as `mode` asks; a file that exists but may
/// not be written (its permissions, a read-only medium) is opened for
/// reading instead, as SQLite does: only a write then fails, with
/// [`Error::ReadOnly`]. Returns the handle and the mode it has.
fn open_database_file<P: Platform>(
    platform: &P,
    path: &str,
    mode: OpenMode,
) -> Result<(P::File, OpenMode)> {
    let refused = |e: boundlite_platform::PlatformError| match e.kind() {
        ErrorKind::NotFound => Error::CantOpen("no database file at that path"),
        _ => Error::from(e),
    };
    match platform.open(path, mode) {
        Ok(file) => Ok((file, mode)),
        Err(e) if e.kind() == ErrorKind::ReadOnly && mode.is_writable() => {
            let file = platform.open(path, OpenMode::ReadOnly).map_err(refused)?;
            Ok((file, OpenMode::ReadOnly))
        }
        Err(e) => Err(refused(e)),
    }
}

/// Retries of a read that met a header being rewritten before `Busy` is
/// returned (SQLite's `WAL_RETRY_PROTOCOL_LIMIT`).
const TRANSIENT_RETRIES: u32 = 100;

/// The pause before retry `attempt` of such a read, as SQLite's
/// `walTryBeginRead` pauses: none for the first five, a microsecond up to
/// the tenth, then growing with the square of the attempts past nine. A
/// platform that cannot sleep yields the processor instead.
fn pause<P: Platform>(platform: &P, attempt: u32) {
    let micros = match attempt {
        0..=5 => return,
        6..=9 => 1,
        n => (n - 9).saturating_mul(n - 9).saturating_mul(39),
    };
    if !platform.sleep(micros) {
        for _ in 0..micros.saturating_mul(64) {
            core::hint::spin_loop();
        }
    }
}

/// SQLite's busy-handler delays, in milliseconds: the n-th retry waits the
/// n-th, and every later one the last.
const BACKOFF_MS: [u32; 12] = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100];

/// Runs `op` until it is not `Busy` or `timeout_ms` milliseconds of sleep
/// have passed; a platform that cannot sleep ends the wait at once.
fn retry_busy<P: Platform, T>(
    platform: &P,
    timeout_ms: u32,
    mut op: impl FnMut() -> Result<T>,
) -> Result<T> {
    let mut waited = 0u32;
    let mut attempt = 0usize;
    loop {
        match op() {
            Err(Error::Busy) if waited < timeout_ms => {
                let delay = BACKOFF_MS
                    .get(attempt)
                    .or(BACKOFF_MS.last())
                    .copied()
                    .unwrap_or(1)
                    .min(timeout_ms - waited);
                if !platform.sleep(delay.saturating_mul(1000)) {
                    return Err(Error::Busy);
                }
                waited = waited.saturating_add(delay);
                attempt = attempt.saturating_add(1);
            }
            other => return other,
        }
    }
}

/// Whether opening `file` for writing should create its log: a new
/// (empty) database, or one whose header says it is in WAL (or MVCC)
/// mode. A rollback-journal database gets its log at its first write
/// instead.
fn wants_log<F: File>(file: &mut F) -> Result<bool> {
    let mut versions = [0u8; 2];
    match file.read_exact_at(18, &mut versions) {
        Ok(()) => Ok(versions == [2, 2] || versions == [255, 2]),
        Err(e) if e.kind() == ErrorKind::UnexpectedEof => Ok(true),
        Err(e) => Err(e.into()),
    }
}

/// `path` followed by `suffix`: the name of a companion file.
fn companion<A: Allocator>(path: &str, suffix: &str, alloc: A) -> Result<String<A>> {
    let mut name = String::try_with_capacity_in(path.len() + suffix.len(), alloc)?;
    name.try_push_str(path)?;
    name.try_push_str(suffix)?;
    Ok(name)
}

/// Refuses to open a database beside a hot rollback journal: a crashed
/// rollback-mode writer's undo log, which this engine would ignore. As
/// SQLite decides it, under a shared lock on `db`: a journal is hot when
/// it has content, its header is not zeroed (a finished transaction in
/// `PERSIST` mode), and no live writer holds the reserved lock (a live
/// writer's journal is its own business: it cannot change the database
/// file while this handle's shared lock stands).
fn refuse_hot_journal<P: Platform>(
    platform: &P,
    journal: &str,
    reserved: impl FnOnce() -> Result<bool>,
) -> Result<()> {
    if !platform.exists(journal)? {
        return Ok(());
    }
    let mut file = match platform.open(journal, OpenMode::ReadOnly) {
        Ok(file) => file,
        // Its writer finished and deleted it meanwhile.
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let mut magic = [0u8; 8];
    let read = file.read_at(0, &mut magic)?;
    if read == 0 || magic == [0; 8] || reserved()? {
        return Ok(());
    }
    Err(Error::CantOpen(
        "a hot rollback journal is next to the database: open it once with SQLite to recover it",
    ))
}
