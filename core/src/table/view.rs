//! [`View`]: the pages a connection's statements read, as one
//! [`PageSource`] that lives as long as the connection, so cursors can
//! borrow it across the steps of a statement while what it shows is
//! switched underneath by the connection's transaction; and the cursors
//! and schema the executor reads through it.
//!
//! Invariants:
//! - a view never shows another connection's uncommitted pages: it reads
//!   the pager's write view only while its own connection holds the write
//!   transaction ([`Sees::Own`]), and otherwise a commit through
//!   [`Pager::page_at`](crate::pager::Pager::page_at);
//! - a view set to [`Sees::Snapshot`] has the read transaction that took
//!   the snapshot held by its connection for as long (see
//!   `connection::session`), so no checkpoint copies over what it reads.

use core::cell::Cell;

use boundlite_platform::Platform;

use crate::alloc::{Allocator, Vec};
use crate::btree::{IndexCursor, PageSource, TableCursor};
use crate::format::DatabaseHeader;
use crate::integrity::IntegrityReport;
use crate::pager::{PageMemo, PageRef, Snapshot};
use crate::schema::Schema;
use crate::{Database, PageNo, Result};

/// A cursor over a table's rows as a view shows them.
pub(crate) type RowCursor<'v, P, A> = TableCursor<'v, View<'v, P, A>, A>;

/// A cursor over an index's entries as a view shows them.
pub(crate) type KeyCursor<'v, P, A> = IndexCursor<'v, View<'v, P, A>, A>;

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
}

/// The pages a connection reads.
pub(crate) struct View<'db, P: Platform, A: Allocator + Clone> {
    db: &'db Database<P, A>,
    sees: Cell<Sees>,
    /// Where the pages of the held snapshot were last found; cleared
    /// whenever the view is set.
    memo: PageMemo,
}

impl<'db, P: Platform, A: Allocator + Clone> View<'db, P, A> {
    /// A view of `db` as of its last commit.
    pub fn new(db: &'db Database<P, A>) -> Self {
        View {
            db,
            sees: Cell::new(Sees::Latest),
            memo: PageMemo::new(),
        }
    }

    /// The database viewed, for the writer of its write transaction.
    pub(super) fn db(&self) -> &'db Database<P, A> {
        self.db
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

    /// Makes the view show `sees`.
    pub fn set(&self, sees: Sees) {
        self.memo.clear();
        self.sees.set(sees);
    }

    /// The snapshot the view is held to, when it is held to one (rather
    /// than showing the last commit, or its own write transaction, which
    /// both move only when something is committed or changed).
    pub fn held_snapshot(&self) -> Option<Snapshot> {
        match self.sees.get() {
            Sees::Snapshot(snapshot) => Some(snapshot),
            Sees::Latest | Sees::Own => None,
        }
    }

    /// The snapshot read, for a view that does not show its own write
    /// transaction.
    fn snapshot(&self) -> Option<Snapshot> {
        match self.sees.get() {
            Sees::Latest => Some(self.db.pager().snapshot()),
            Sees::Snapshot(snapshot) => Some(snapshot),
            Sees::Own => None,
        }
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
    /// A cursor over the rows of the table rooted at `root`.
    pub fn table_cursor(&'v self, root: PageNo) -> RowCursor<'v, P, A> {
        TableCursor::new(self, root, Vec::new_in(self.allocator().clone()))
    }

    /// A cursor over the entries of the index rooted at `root`.
    pub fn index_cursor(&'v self, root: PageNo) -> KeyCursor<'v, P, A> {
        IndexCursor::new(self, root, Vec::new_in(self.allocator().clone()))
    }
}

impl<P: Platform, A: Allocator + Clone> View<'_, P, A> {
    /// The schema as the view shows it.
    pub fn schema(&self) -> Result<Schema<A>> {
        Schema::read(self, self.allocator().clone())
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

impl<P: Platform, A: Allocator + Clone> PageSource for View<'_, P, A> {
    type Page<'s>
        = PageRef<'s, A>
    where
        Self: 's;

    fn page(&self, no: PageNo) -> Result<PageRef<'_, A>> {
        match self.sees.get() {
            // A held snapshot reads the same version of a page for as
            // long as it is held: remembered where it was found.
            Sees::Snapshot(snapshot) => self.db.pager().page_at_memo(no, &snapshot, &self.memo),
            Sees::Latest => self.db.pager().page_at(no, &self.db.pager().snapshot()),
            Sees::Own => self.db.pager().page(no),
        }
    }

    fn usable_size(&self) -> u32 {
        self.db.pager().usable_size()
    }

    fn page_count(&self) -> u32 {
        match self.snapshot() {
            Some(snapshot) => snapshot.page_count(),
            None => self.db.pager().page_count(),
        }
    }
}
