//! [`Blob`]: incremental BLOB I/O, SQLite's `sqlite3_blob_open`,
//! `_read`, `_write` and `_bytes`: one TEXT or BLOB value of one row read
//! and written a range at a time, through the pages that hold it, so a
//! value far bigger than the heap can be stored and read back (create
//! it with `zeroblob(N)`, then write it in chunks).
//!
//! The rules a handle follows are on [`Blob`].

use core::cell::{Cell, RefCell};

use boundlite_platform::Platform;

use crate::alloc::Allocator;
use crate::btree::blob::ChainPages;
use crate::pager::Snapshot;
use crate::record::{ColumnPlace, SerialType};
use crate::schema::{EntryKind, StoredBy};
use crate::table::{BlobColumn, Located, Side, TableInfo, is_indexed, locate, read_blob};
use crate::{Error, Result, RowId};

use super::session::Connection;

/// Whether a [`Blob`] may write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlobAccess {
    /// Reads only; a write is [`Error::ReadOnly`].
    ReadOnly,
    /// Reads and writes.
    ReadWrite,
}

/// An open handle on one TEXT or BLOB value.
///
/// Rules, as SQLite's where it has one:
/// - [`Connection::blob_open`] fails with "no such table", "cannot open
///   view", "no such column", "no such rowid", or "cannot open value of
///   type ..." for a
///   value that is neither TEXT nor BLOB (the `INTEGER PRIMARY KEY`
///   column, whose record slot is NULL, is "cannot open value of type
///   null", as in SQLite); opening for writing a column an index covers
///   is "cannot open indexed column for writing";
/// - a handle never changes a value's size: [`Blob::write_at`] past its
///   end fails, changing nothing; [`Blob::read_at`] past its end reads
///   what there is;
/// - writing through a handle opened [`BlobAccess::ReadOnly`] is
///   [`Error::ReadOnly`];
/// - if the row is deleted or changed so that the value moved or changed
///   type or size, the handle fails with [`Error::Abort`] and changes
///   nothing (SQLite's `SQLITE_ABORT`); so does a schema change. A change
///   to the row that leaves the value's place, type and size as they
///   were (another column after it rewritten at the same length, say)
///   leaves the handle working on the row as it is now, where SQLite
///   expires it too;
/// - transactions: inside `BEGIN` a write joins the connection's
///   transaction (committed or rolled back with it), and a read sees it;
///   outside, each [`Blob::write_at`] is a transaction of its own,
///   committed when it returns, and each [`Blob::read_at`] reads the last
///   commit. SQLite instead keeps an autocommit handle's writes in one
///   transaction until the handle is closed; committing each write keeps
///   a write's memory to the pages it touches, so a firmware can fill a
///   value much larger than its page cache.
///
/// Each call finds the row again from the table's root, reads the
/// record's header, and reads or changes the bytes of the pages its range
/// covers. The handle keeps the value's overflow chain page numbers (4
/// bytes a page) from one call to the next, as SQLite's overflow cache
/// does, while no other process can change the file (inside a write
/// transaction, `BEGIN` or not; always on a platform without shared
/// memory, which holds the file exclusively) and no B-tree of the
/// database changed: a run of calls then goes straight to its pages.
/// Otherwise (another process may have written since the last call, or
/// anything here was changed or rolled back) a call walks the chain link
/// by link to find them, so its time grows with the value's page count.
///
/// ```
/// use boundlite::{Config, Database};
/// use boundlite::alloc::Global;
/// use boundlite::connection::BlobAccess;
/// use boundlite::platform::MemoryPlatform;
///
/// let disk = MemoryPlatform::new();
/// let db = Database::open(&disk, "fw.db", &Config::DEFAULT, Global)?;
/// let conn = db.connect();
/// conn.execute("CREATE TABLE image(id INTEGER PRIMARY KEY, data BLOB)", &[])?;
/// conn.execute("INSERT INTO image VALUES (1, zeroblob(10000))", &[])?;
/// let blob = conn.blob_open("image", "data", 1, BlobAccess::ReadWrite)?;
/// assert_eq!(blob.len(), 10000);
/// blob.write_at(9000, b"firmware")?;
/// let mut back = [0u8; 10];
/// assert_eq!(blob.read_at(8999, &mut back)?, 10);
/// assert_eq!(&back, b"\0firmware\0");
/// assert!(blob.write_at(9995, b"too long").is_err());
/// # Ok::<(), boundlite::Error>(())
/// ```
pub struct Blob<'c, 'db, P: Platform, A: Allocator + Clone> {
    conn: &'c Connection<'db, P, A>,
    target: BlobColumn,
    /// Where the value was when the handle was opened.
    place: ColumnPlace,
    len: usize,
    access: BlobAccess,
    /// The schema the handle was opened under.
    cookie: u32,
    /// The value's overflow chain as an earlier call learned it, so that
    /// a run of calls goes straight to the pages it needs.
    chain: RefCell<ChainPages<A>>,
    /// What `chain` was learned or last used under: it is trusted only
    /// while no other process can have written (the database is still in
    /// the write transaction it was learned in, or holds its file
    /// exclusively), the generation is the same (no B-tree of this
    /// database changed; see `Database::generation`) and the view reads
    /// the same commit. `None`: learn it again.
    known: Cell<Option<Known>>,
}

/// What a handle's chain pages were learned under: the database's
/// generation, and the snapshot the connection's view was held to (a
/// view that follows the last commit or its own transaction moves only
/// with the generation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Known {
    generation: u64,
    snapshot: Option<Snapshot>,
}

impl<'db, P: Platform, A: Allocator + Clone> Connection<'db, P, A> {
    /// Opens the value of `column` in row `rowid` of `table` for
    /// incremental I/O (SQLite's `sqlite3_blob_open`).
    pub fn blob_open<'c>(
        &'c self,
        table: &str,
        column: &str,
        rowid: i64,
        access: BlobAccess,
    ) -> Result<Blob<'c, 'db, P, A>> {
        if self.database().is_mvcc() {
            return Err(Error::Sql(
                "blob I/O on a database in MVCC mode is not supported",
            ));
        }
        self.reading(|| {
            let view = self.view();
            let alloc = self.database().allocator().clone();
            let cookie = view.header()?.schema_cookie;
            let schema = view.schema()?;
            if schema
                .find(table)
                .is_some_and(|entry| entry.kind == EntryKind::View)
            {
                return Err(Error::Sql("cannot open view"));
            }
            let info = TableInfo::load(&schema, table, alloc.clone())?;
            if info.columns.stored_by == StoredBy::PrimaryKey {
                // Its rows are found by key, not by the rowid asked for.
                return Err(Error::Sql("cannot open table without rowid"));
            }
            // The row is read with the schema's memory given back.
            drop(schema);
            let index = info
                .columns
                .columns
                .iter()
                .position(|c| c.name.eq_ignore_ascii_case(column))
                .ok_or(Error::Sql("no such column"))?;
            if access == BlobAccess::ReadWrite {
                info.check_writable()?;
            }
            if access == BlobAccess::ReadWrite && is_indexed(&info, index) {
                return Err(Error::Sql("cannot open indexed column for writing"));
            }
            let storage = info
                .columns
                .columns
                .get(index)
                .and_then(|c| c.storage)
                .ok_or(Error::Sql("cannot open a generated column"))?;
            let target = BlobColumn {
                root: info.root,
                rowid: RowId::new(rowid),
                column: storage,
            };
            let alloc_for_chain = alloc.clone();
            let Located { column, .. } = locate(view.pages(Side::Main), &target, alloc)?
                .ok_or(Error::Sql("no such rowid"))?;
            // The rowid alias's slot holds NULL, as SQLite stores it.
            let place = match column {
                Some(place) if info.columns.rowid_alias != Some(index) => place,
                Some(_) => return Err(Error::Sql("cannot open value of type null")),
                None => {
                    return Err(Error::Sql(
                        "cannot open a value the row does not store (a column added after it)",
                    ));
                }
            };
            let len = match place.serial {
                SerialType::Blob(len) | SerialType::Text(len) => len,
                SerialType::Null => return Err(Error::Sql("cannot open value of type null")),
                SerialType::Float64 => return Err(Error::Sql("cannot open value of type real")),
                _ => return Err(Error::Sql("cannot open value of type integer")),
            };
            Ok(Blob {
                conn: self,
                target,
                place,
                len,
                access,
                cookie,
                chain: RefCell::new(ChainPages::new_in(alloc_for_chain)),
                known: Cell::new(None),
            })
        })
    }

    /// Runs `f` holding a read transaction, so that what it reads is one
    /// commit (or the connection's own transaction).
    fn reading<T>(&self, f: impl FnOnce() -> Result<T>) -> Result<T> {
        self.start_reading()?;
        let result = f();
        self.finish_reading();
        result
    }
}

impl<P: Platform, A: Allocator + Clone> Blob<'_, '_, P, A> {
    /// The value's size in bytes (SQLite's `sqlite3_blob_bytes`).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the value is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether the handle may write.
    pub fn access(&self) -> BlobAccess {
        self.access
    }

    /// Reads the value's bytes from `offset` into `buf`, as many as fit
    /// before its end; returns how many. An `offset` past the end is an
    /// error ("blob offset out of range").
    pub fn read_at(&self, offset: usize, buf: &mut [u8]) -> Result<usize> {
        let available = self
            .len
            .checked_sub(offset)
            .ok_or(Error::Sql("blob offset out of range"))?;
        let n = available.min(buf.len());
        let out = buf
            .get_mut(..n)
            .ok_or(Error::Misuse("read longer than its buffer"))?;
        self.conn.reading(|| {
            let view = self.conn.view();
            self.check_schema(view.header()?.schema_cookie)?;
            let db = self.conn.database();
            let settled = db.pager().in_write_transaction() || db.is_exclusive();
            self.with_chain(settled, settled, |chain| {
                let alloc = db.allocator().clone();
                read_blob(
                    view.pages(Side::Main),
                    &self.target,
                    self.place,
                    offset,
                    out,
                    chain,
                    alloc,
                )
            })
        })?;
        Ok(n)
    }

    /// Overwrites the value's bytes from `offset` with `buf` (SQLite's
    /// `sqlite3_blob_write`). A range past the value's end is an error
    /// ("blob offset out of range") and changes nothing: a handle never
    /// changes a value's size.
    pub fn write_at(&self, offset: usize, buf: &[u8]) -> Result<()> {
        if self.access == BlobAccess::ReadOnly {
            return Err(Error::ReadOnly);
        }
        if offset
            .checked_add(buf.len())
            .is_none_or(|end| end > self.len)
        {
            return Err(Error::Sql("blob offset out of range"));
        }
        // Outside `BEGIN` the write is a transaction of its own: on a file
        // others may write, the next call could not trust the chain, so
        // it is not learned.
        let db = self.conn.database();
        let keep = self.conn.in_transaction() || db.is_exclusive();
        self.conn.write(|w| {
            self.check_schema(w.view().header()?.schema_cookie)?;
            self.with_chain(true, keep, |chain| {
                w.write_blob(&self.target, self.place, offset, buf, chain)
            })
        })
    }

    /// Runs `f` with the value's chain pages: forgotten first unless they
    /// may still be trusted (see `known`; `settled`: no other process can
    /// change the file now, inside a write transaction or on a file held
    /// exclusively), learned by `f` when `keep` says the next call may
    /// trust them, and remembered only when `f` succeeds.
    fn with_chain<T>(
        &self,
        settled: bool,
        keep: bool,
        f: impl FnOnce(Option<&mut ChainPages<A>>) -> Result<T>,
    ) -> Result<T> {
        let db = self.conn.database();
        let snapshot = self.conn.view().held_snapshot();
        let mut chain = self
            .chain
            .try_borrow_mut()
            .map_err(|_| Error::Misuse("a BLOB handle used from inside itself"))?;
        let now = Known {
            generation: db.generation(),
            snapshot,
        };
        let known = settled && self.known.get() == Some(now);
        if !known {
            chain.clear();
        }
        let result = f((known || keep).then_some(&mut *chain));
        // A write changes no chain link, so the generation it moved to
        // still describes the chain.
        let trusted = settled && keep && result.is_ok();
        self.known.set(trusted.then(|| Known {
            generation: db.generation(),
            snapshot,
        }));
        if !trusted {
            chain.clear();
        }
        result
    }

    fn check_schema(&self, cookie: u32) -> Result<()> {
        if cookie == self.cookie {
            Ok(())
        } else {
            Err(Error::Abort("the schema changed under an open BLOB handle"))
        }
    }
}

impl<P: Platform, A: Allocator + Clone> core::fmt::Debug for Blob<'_, '_, P, A> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Blob")
            .field("target", &self.target)
            .field("len", &self.len)
            .field("access", &self.access)
            .finish()
    }
}
