//! [`Database`]: a database file opened on a [`Platform`], and
//! [`WriteTransaction`], the one way to change it.
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
//! - a database is never opened over a hot rollback journal or an
//!   unapplied write-ahead log: their content would be ignored and the file
//!   misread, so opening is refused with [`Error::CantOpen`].

#[cfg(test)]
mod tests;
mod transaction;

use core::cell::RefCell;

use boundlite_platform::{ErrorKind, File, OpenMode, Platform};

use crate::alloc::{Allocator, Global, String, Vec};
use crate::btree::{IndexCursor, TableCursor, TreeKind, TreeWriter};
use crate::format::DatabaseHeader;
use crate::integrity::{IntegrityReport, integrity_check};
use crate::pager::Pager;
use crate::schema::Schema;
use crate::{Config, Error, PageNo, Result};
pub use transaction::WriteTransaction;

/// A database file. `P` is the platform it lives on (a file system, a RAM
/// disk, a flash driver), `A` the allocator every byte of it comes from.
pub struct Database<P: Platform, A: Allocator + Clone = Global> {
    pager: Pager<P::File, A>,
    writer: RefCell<TreeWriter<A>>,
    alloc: A,
}

impl<P: Platform, A: Allocator + Clone> Database<P, A> {
    /// Opens the database at `path` for reading and writing, creating it
    /// when absent. The page cache (`config.cache_frames` pages) is
    /// allocated from `alloc` here, once.
    ///
    /// ```
    /// use boundlite::{Config, Database, TreeKind};
    /// use boundlite::alloc::Global;
    /// use boundlite::platform::MemoryPlatform;
    ///
    /// let disk = MemoryPlatform::new();
    /// let db = Database::open(&disk, "demo.db", &Config::DEFAULT, Global)?;
    /// let txn = db.begin_write()?;
    /// let root = txn.create_tree(TreeKind::Table)?;
    /// txn.insert_row(root, 1, b"\x02\x15hi")?;
    /// txn.commit()?;
    /// let mut rows = db.table_cursor(root);
    /// assert!(rows.first()? && rows.rowid()? == 1);
    /// # Ok::<(), boundlite::Error>(())
    /// ```
    pub fn open(platform: P, path: &str, config: &Config, alloc: A) -> Result<Self> {
        Self::open_as(platform, path, OpenMode::Create, config, alloc)
    }

    /// Opens the existing database at `path` for reading only.
    pub fn open_read_only(platform: P, path: &str, config: &Config, alloc: A) -> Result<Self> {
        Self::open_as(platform, path, OpenMode::ReadOnly, config, alloc)
    }

    fn open_as(platform: P, path: &str, mode: OpenMode, config: &Config, alloc: A) -> Result<Self> {
        refuse_journals(&platform, path, alloc.clone())?;
        let file = platform.open(path, mode).map_err(|e| match e.kind() {
            ErrorKind::NotFound => Error::CantOpen("no database file at that path"),
            _ => Error::from(e),
        })?;
        let pager = Pager::open(file, mode, config, alloc.clone())?;
        let db = Database {
            pager,
            writer: RefCell::new(TreeWriter::new_in(alloc.clone())),
            alloc,
        };
        if db.pager.page_count() == 0 {
            if !mode.is_writable() {
                return Err(Error::CantOpen("the database file is empty"));
            }
            db.create_schema_page()?;
        }
        Ok(db)
    }

    /// Writes page 1 of a fresh database: the header and an empty schema
    /// table.
    fn create_schema_page(&self) -> Result<()> {
        let txn = self.begin_write()?;
        let root = txn.create_tree(TreeKind::Table)?;
        if root != PageNo::ONE {
            return Err(Error::Misuse("a fresh database's first page is not page 1"));
        }
        txn.commit()
    }

    /// Starts the write transaction; `Busy` if one is already open.
    pub fn begin_write(&self) -> Result<WriteTransaction<'_, P, A>> {
        WriteTransaction::begin(self)
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

    /// The schema table's entries as of the last commit (or of the open
    /// write transaction).
    pub fn schema(&self) -> Result<Schema<A>> {
        Schema::read(&self.pager, self.alloc.clone())
    }

    /// The pager: pages, the cache, the header.
    pub fn pager(&self) -> &Pager<P::File, A> {
        &self.pager
    }

    /// The allocator the database draws from.
    pub fn allocator(&self) -> &A {
        &self.alloc
    }
}

/// Refuses to open `path` when a journal next to it holds content this
/// engine would ignore: a hot rollback journal (a crashed writer's undo
/// log) or a write-ahead log (commits not yet in the main file).
fn refuse_journals<P: Platform, A: Allocator>(platform: &P, path: &str, alloc: A) -> Result<()> {
    let mut companion = String::try_with_capacity_in(path.len() + 8, alloc)?;
    for (suffix, reason) in [
        (
            "-journal",
            "a hot rollback journal is next to the database: open it once with SQLite to recover it",
        ),
        (
            "-wal",
            "a write-ahead log is next to the database: checkpoint it with SQLite first",
        ),
    ] {
        companion.clear();
        companion.try_push_str(path)?;
        companion.try_push_str(suffix)?;
        if !platform.exists(&companion)? {
            continue;
        }
        let mut file = platform.open(&companion, OpenMode::ReadOnly)?;
        if file.size()? > 0 {
            return Err(Error::CantOpen(reason));
        }
    }
    Ok(())
}
