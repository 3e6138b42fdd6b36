//! The temporary database: the B-tree file behind SQL's `temp` schema,
//! as SQLite keeps its temp schema in a B-tree file of its own.
//!
//! A connection opens one the first time it needs its `temp` schema
//! (`CREATE TEMP TABLE`, a read of `sqlite_temp_master`) and drops it when
//! it closes: a [`Database`] like any other, over two files the platform
//! hands out anonymously ([`Platform::open_temp`]), one for the pages and
//! one for the log, and with a pager of its own whose cache is small
//! ([`TEMP_CACHE_FRAMES`]). So a temporary table of any size costs that
//! cache in memory and spills the rest to its files, as a large write
//! transaction of the main database spills to its log; and nothing of it
//! ever reaches the main database's files.
//!
//! Invariants:
//! - no other handle knows the files, so the pager takes no lock and reads
//!   its own last commit or its own write transaction;
//! - its write transaction may outlive the [`WriteTransaction`] value that
//!   began it: a connection inside `BEGIN` keeps it open from statement to
//!   statement ([`WriteTransaction::suspend`]) and takes it up again for
//!   the next ([`Database::continue_write`]), until `COMMIT` or
//!   `ROLLBACK` ends it with the main database's.

use boundlite_platform::{OpenMode, Platform};

use super::{Database, WriteTransaction};
use crate::alloc::{Allocator, String};
use crate::btree::TreeWriter;
use crate::pager::Pager;
use crate::{Config, Error, Result};
use core::cell::{Cell, RefCell};

/// The page cache of a temporary database, in frames: the least a pager
/// takes, since its pages spill to its own files past it.
const TEMP_CACHE_FRAMES: usize = Config::MIN_CACHE_FRAMES;

/// The log index a temporary database keeps in memory before it moves
/// blocks of it to a temporary file.
const TEMP_WAL_INDEX_BUDGET: usize = 8 * 1024;

impl<P: Platform, A: Allocator + Clone> Database<P, A> {
    /// Opens an empty temporary database on two of `platform`'s temporary
    /// files, sorting within `sort_memory`.
    pub(crate) fn open_temp(platform: &P, sort_memory: usize, alloc: A) -> Result<Self> {
        let config = Config {
            cache_frames: TEMP_CACHE_FRAMES,
            wal_index_budget: TEMP_WAL_INDEX_BUDGET,
            sort_memory,
            busy_timeout_ms: 0,
            ..Config::DEFAULT
        };
        let unsupported = |e: boundlite_platform::PlatformError| match e.kind() {
            boundlite_platform::ErrorKind::Unsupported => Error::Sql(
                "temporary tables are not supported on a platform without temporary files",
            ),
            _ => Error::from(e),
        };
        let file = platform.open_temp().map_err(unsupported)?;
        let wal = platform.open_temp().map_err(unsupported)?;
        let pager = Pager::open(file, Some(wal), OpenMode::Create, &config, alloc.clone())?;
        let db = Database {
            pager,
            writer: RefCell::new(TreeWriter::new_in(alloc.clone())),
            wal_path: String::new_in(alloc.clone()),
            journal_path: String::new_in(alloc.clone()),
            log_path: String::new_in(alloc.clone()),
            mvcc: RefCell::new(None),
            mvcc_memory: Cell::new(config.mvcc_memory),
            mvcc_threshold: Cell::new(config.mvcc_checkpoint_threshold),
            alloc,
            platform: platform.clone(),
            busy_timeout_ms: Cell::new(0),
            generation: Cell::new(0),
            cache_size: Cell::new(None),
            sort_memory: Cell::new(sort_memory),
        };
        db.create_schema_page()?;
        Ok(db)
    }

    /// The write transaction: the one a connection left open with
    /// [`WriteTransaction::suspend`] when there is one, else a new one.
    pub(crate) fn continue_write(&self) -> Result<WriteTransaction<'_, P, A>> {
        match self.pager.in_write_transaction() {
            true => Ok(WriteTransaction::resume(self)),
            false => self.begin_write(),
        }
    }

    /// Whether a write transaction is open (begun, and not yet committed
    /// or rolled back).
    pub(crate) fn writing(&self) -> bool {
        self.pager.in_write_transaction()
    }
}
