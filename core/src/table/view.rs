//! [`View`]: the pages a connection's statements read, as one object
//! that lives as long as the connection, so cursors can borrow it across
//! the steps of a statement while what it shows is switched underneath by
//! the connection's transaction; and the cursors and schema the executor
//! reads through it.
//!
//! A view has two sides, one per schema a statement may name ([`Side`]):
//! `main`, the database file the connection was made on, and `temp`, the
//! connection's temporary database (see `database::temp`), opened the
//! first time it is needed and dropped with the view. Each side is a
//! [`PageSource`] of its own ([`Pages`]), so a cursor reads the side of
//! the table it was made for.
//!
//! Invariants:
//! - a view never shows another connection's uncommitted pages: its main
//!   side reads the pager's write view only while its own connection
//!   holds the write transaction ([`Sees::Own`]), and otherwise a commit
//!   through [`Pager::page_at`](crate::pager::Pager::page_at);
//! - a view set to [`Sees::Snapshot`] has the read transaction that took
//!   the snapshot held by its connection for as long (see
//!   `connection::session`), so no checkpoint copies over what it reads;
//! - the temp side belongs to this connection alone: it reads its
//!   database's own write transaction while one is open, else its last
//!   commit.

use core::cell::{Cell, OnceCell};

use boundlite_platform::Platform;

use crate::alloc::{Allocator, Box, Vec};
use crate::btree::{IndexCursor, PageSource, TableCursor};
use crate::format::DatabaseHeader;
use crate::integrity::IntegrityReport;
use crate::mvcc::TxnId;
use crate::pager::{PageMemo, PageRef, Snapshot};
use crate::schema::Schema;
use crate::{Database, Error, PageNo, Result};

use super::SchemaVersion;
use super::entry_cursor::EntryCursor;
use super::mvcc_keys::MvccKeys;
use super::mvcc_rows::MvccRows;
use super::row_cursor::RowCursor;
use super::schema_memo::{SchemaMemo, SchemaRef};

/// A cursor over an index's entries as a view shows them.
pub(crate) type KeyCursor<'v, P, A> = IndexCursor<'v, Pages<'v, P, A>, A>;

/// The schema a table, index or name belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    /// The database file the connection was made on.
    Main,
    /// The connection's temporary database.
    Temp,
}

/// What a [`View`] shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sees {
    /// The last commit, whichever it is when a page is read: for reads
    /// outside any statement, which nothing else ties to a commit.
    Latest,
    /// The commit a read transaction of the connection holds.
    Snapshot(Snapshot),
    /// The connection's own write transaction, its uncommitted changes
    /// included.
    Own,
    /// An MVCC transaction of the connection: the B-tree snapshot it
    /// reads, its tables' rows overlaid with the versions it sees
    /// (`docs/mvcc.md`).
    Mvcc { snapshot: Snapshot, txn: TxnId },
}

/// The pages of one side of a view: the cursors' page source.
// A view has one side of each kind, so the main side's memo is paid once
// per connection: boxing it would only add an allocation that can fail.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Pages<'db, P: Platform, A: Allocator + Clone> {
    /// The connection's database, as `sees` says.
    Main {
        db: &'db Database<P, A>,
        sees: Cell<Sees>,
        /// Where the pages of the held snapshot were last found; cleared
        /// whenever `sees` is set.
        memo: PageMemo,
    },
    /// The temporary database, once opened.
    Temp(OnceCell<Box<Database<P, A>, A>>),
}

/// The pages a connection reads.
pub(crate) struct View<'db, P: Platform, A: Allocator + Clone> {
    db: &'db Database<P, A>,
    main: Pages<'db, P, A>,
    temp: Pages<'db, P, A>,
    /// The main schema as last read (see `schema_memo`).
    schema: SchemaMemo<A>,
}

impl<'db, P: Platform, A: Allocator + Clone> View<'db, P, A> {
    /// A view of `db` as of its last commit, with no temporary database
    /// yet.
    pub fn new(db: &'db Database<P, A>) -> Self {
        View {
            db,
            main: Pages::Main {
                db,
                sees: Cell::new(Sees::Latest),
                memo: PageMemo::new(),
            },
            temp: Pages::Temp(OnceCell::new()),
            schema: SchemaMemo::new(),
        }
    }

    /// The main database.
    pub fn main_database(&self) -> &'db Database<P, A> {
        self.db
    }

    /// What the main side shows.
    fn sees(&self) -> Sees {
        match &self.main {
            Pages::Main { sees, .. } => sees.get(),
            Pages::Temp(_) => Sees::Latest,
        }
    }

    /// The temporary database, when it has been opened.
    pub fn temp_database(&self) -> Option<&Database<P, A>> {
        match &self.temp {
            Pages::Temp(cell) => cell.get().map(|b| &**b),
            Pages::Main { .. } => None,
        }
    }

    /// The temporary database, opened now if it was not: on two of the
    /// platform's temporary files, sorting within the main database's
    /// budget.
    pub fn open_temp(&self) -> Result<&Database<P, A>> {
        let Pages::Temp(cell) = &self.temp else {
            return Err(Error::Misuse("a view without its temp side"));
        };
        if cell.get().is_none() {
            let alloc = self.allocator().clone();
            let db = Database::open_temp(self.db.platform(), self.db.sort_memory(), alloc.clone())?;
            let _ = cell.set(Box::try_new_in(db, alloc)?);
        }
        cell.get()
            .map(|b| &**b)
            .ok_or(Error::Misuse("the temporary database did not open"))
    }

    /// The generation of the database of `side` (see
    /// [`Database::generation`]; 0 for a temporary database not open).
    pub fn generation(&self, side: Side) -> u64 {
        match side {
            Side::Main => self.db.generation(),
            Side::Temp => self.temp_database().map_or(0, Database::generation),
        }
    }

    /// The pages of `side`.
    pub fn pages(&self, side: Side) -> &Pages<'db, P, A> {
        match side {
            Side::Main => &self.main,
            Side::Temp => &self.temp,
        }
    }

    /// The version of the schemas a statement reads (see `exec::cache`),
    /// with the connection's `rollbacks` so far.
    pub fn schema_version(&self, rollbacks: u64) -> Result<SchemaVersion> {
        Ok(SchemaVersion {
            cookie: self.header()?.schema_cookie,
            temp_cookie: self.temp_database().map_or(0, |t| t.header().schema_cookie),
            rollbacks,
        })
    }

    /// The allocator the database, and whatever reads it, allocate in.
    pub fn allocator(&self) -> &'db A {
        self.db.allocator()
    }

    /// The platform the database lives on: where a sort opens its
    /// temporary files.
    pub fn platform(&self) -> &'db P {
        self.db.platform()
    }

    /// How much memory a statement's sorting may take, and the size of
    /// its file reads and writes (the page size).
    pub fn sort_budget(&self) -> crate::sort::Budget {
        crate::sort::Budget {
            bytes: self.db.sort_memory(),
            page: self.db.pager().page_size() as usize,
        }
    }

    /// Makes the view's main side show `sees`.
    pub fn set(&self, sees: Sees) {
        if let Pages::Main {
            sees: shown, memo, ..
        } = &self.main
        {
            memo.clear();
            shown.set(sees);
        }
    }

    /// The snapshot the view is held to, when it is held to one (rather
    /// than showing the last commit, or its own write transaction, which
    /// both move only when something is committed or changed).
    pub fn held_snapshot(&self) -> Option<Snapshot> {
        match self.sees() {
            Sees::Snapshot(snapshot) | Sees::Mvcc { snapshot, .. } => Some(snapshot),
            Sees::Latest | Sees::Own => None,
        }
    }

    /// The MVCC transaction the main side reads, when it reads one.
    pub(super) fn mvcc_txn(&self) -> Option<TxnId> {
        match self.sees() {
            Sees::Mvcc { txn, .. } => Some(txn),
            Sees::Latest | Sees::Snapshot(_) | Sees::Own => None,
        }
    }

    /// The snapshot the main side reads, when it does not show its own
    /// write transaction.
    fn snapshot(&self) -> Option<Snapshot> {
        snapshot_of(self.db, self.sees())
    }

    /// The database header as the view shows it.
    pub fn header(&self) -> Result<DatabaseHeader> {
        match self.snapshot() {
            Some(snapshot) => self.db.pages_at(snapshot).header(),
            None => Ok(self.db.header()),
        }
    }
}

impl<'v, P: Platform, A: Allocator + Clone> View<'v, P, A> {
    /// A cursor over the rows of the table of `side` rooted at `root`.
    pub fn table_cursor(&'v self, side: Side, root: PageNo) -> RowCursor<'v, P, A> {
        let tree = TableCursor::new(
            self.pages(side),
            root,
            Vec::new_in(self.allocator().clone()),
        );
        match (side, self.sees()) {
            (Side::Main, Sees::Mvcc { txn, .. }) => {
                RowCursor::Mvcc(MvccRows::new(self, tree, txn, self.allocator().clone()))
            }
            _ => RowCursor::Tree(tree),
        }
    }

    /// A cursor over the entries of the index of a rowid table of `side`
    /// rooted at `root`, as the view shows them: merged with the entries
    /// of the row versions an MVCC transaction sees.
    pub fn entry_cursor(&'v self, side: Side, root: PageNo) -> EntryCursor<'v, P, A> {
        let tree = self.index_cursor(side, root);
        match (side, self.sees()) {
            (Side::Main, Sees::Mvcc { .. }) => EntryCursor::Mvcc(MvccKeys::new(self, tree)),
            _ => EntryCursor::Tree(tree),
        }
    }

    /// A cursor over the entries of the index B-tree of `side` rooted at
    /// `root`, as its pages hold them: for the B-tree of a `WITHOUT
    /// ROWID` table, whose rows the version store never holds.
    pub fn index_cursor(&'v self, side: Side, root: PageNo) -> KeyCursor<'v, P, A> {
        IndexCursor::new(
            self.pages(side),
            root,
            Vec::new_in(self.allocator().clone()),
        )
    }
}

impl<P: Platform, A: Allocator + Clone> View<'_, P, A> {
    /// The main schema as the view shows it: the one kept from the last
    /// read while the schema cookie has not moved since.
    pub fn schema(&self) -> Result<SchemaRef<'_, A>> {
        let cookie = self.header()?.schema_cookie;
        self.schema.get(cookie, || {
            Schema::read(&self.main, self.allocator().clone())
        })
    }

    /// Drops the main schema kept from the last read: the connection
    /// undid changes, and a cookie seen before may come back with other
    /// rows.
    pub fn forget_schema(&self) {
        self.schema.forget();
    }

    /// The `temp` schema; `None` while the temporary database is not open
    /// (an empty schema).
    pub fn temp_schema(&self) -> Result<Option<Schema<A>>> {
        match self.temp_database() {
            Some(temp) => Ok(Some(temp.schema()?)),
            None => Ok(None),
        }
    }

    /// `PRAGMA integrity_check` of the database as the view shows it.
    pub fn integrity_check(&self, max_errors: usize) -> Result<IntegrityReport<A>> {
        match self.snapshot() {
            Some(snapshot) => self
                .db
                .integrity_check_at(&self.db.pages_at(snapshot), max_errors),
            None => self.db.integrity_check(max_errors),
        }
    }
}

/// The snapshot `db` is read at when `sees` says so; `None` for its own
/// write transaction.
fn snapshot_of<P: Platform, A: Allocator + Clone>(
    db: &Database<P, A>,
    sees: Sees,
) -> Option<Snapshot> {
    match sees {
        Sees::Latest => Some(db.pager().snapshot()),
        Sees::Snapshot(snapshot) | Sees::Mvcc { snapshot, .. } => Some(snapshot),
        Sees::Own => None,
    }
}

/// The error for reading the temp side before its database is open: a
/// table of it can only be found once it is.
fn not_open() -> Error {
    Error::Misuse("the temporary database is not open")
}

impl<P: Platform, A: Allocator + Clone> PageSource for Pages<'_, P, A> {
    type Page<'s>
        = PageRef<'s, A>
    where
        Self: 's;

    fn page(&self, no: PageNo) -> Result<PageRef<'_, A>> {
        match self {
            Pages::Main { db, sees, memo } => match sees.get() {
                // A held snapshot reads the same version of a page for as
                // long as it is held: remembered where it was found.
                Sees::Snapshot(snapshot) | Sees::Mvcc { snapshot, .. } => {
                    db.pager().page_at_memo(no, &snapshot, memo)
                }
                Sees::Latest => db.pager().page_at(no, &db.pager().snapshot()),
                Sees::Own => db.pager().page(no),
            },
            Pages::Temp(cell) => cell.get().ok_or_else(not_open)?.pager().page(no),
        }
    }

    fn usable_size(&self) -> u32 {
        match self {
            Pages::Main { db, .. } => db.pager().usable_size(),
            Pages::Temp(cell) => cell.get().map_or(0, |db| db.pager().usable_size()),
        }
    }

    fn page_count(&self) -> u32 {
        match self {
            Pages::Main { db, sees, .. } => match snapshot_of(db, sees.get()) {
                Some(snapshot) => snapshot.page_count(),
                None => db.pager().page_count(),
            },
            Pages::Temp(cell) => cell.get().map_or(0, |db| db.pager().page_count()),
        }
    }
}
