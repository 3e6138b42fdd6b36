//! [`EntryCursor`]: an index's entries as a connection's view shows
//! them, in index order: its B-tree as the view's pages hold it, or, for
//! an index of a table of the main database read by an MVCC transaction,
//! those entries merged with the ones of the row versions the
//! transaction sees ([`MvccKeys`]). The executor calls the same methods
//! on either.
//!
//! The moves name the table and index ([`Of`]): the merged entries are
//! built from the table's row versions as its index's entries are built
//! for a write. The merged entries move forward only; a backward seek is
//! refused by name.

use boundlite_platform::Platform;

use super::mvcc_keys::{MvccKeys, Of};
use super::view::KeyCursor;
use crate::alloc::Allocator;
use crate::btree::{PayloadRef, SeekMode};
use crate::pager::PageRef;
use crate::record::{KeyColumn, ValueRef};
use crate::{PageNo, Result};

/// A cursor over an index's entries as a view shows them.
pub(crate) enum EntryCursor<'v, P: Platform, A: Allocator + Clone> {
    /// The B-tree, read through the view's pages.
    Tree(KeyCursor<'v, P, A>),
    /// The entries an MVCC transaction sees.
    Mvcc(MvccKeys<'v, P, A>),
}

impl<'v, P: Platform, A: Allocator + Clone> EntryCursor<'v, P, A> {
    /// Moves to the first entry; `false` when there is none.
    pub fn first(&mut self, of: Of<'_, A>) -> Result<bool> {
        match self {
            EntryCursor::Tree(c) => c.first(),
            EntryCursor::Mvcc(c) => c.first(of),
        }
    }

    /// Moves to the next entry; `false` past the last.
    pub fn next(&mut self, of: Of<'_, A>) -> Result<bool> {
        match self {
            EntryCursor::Tree(c) => c.next(),
            EntryCursor::Mvcc(c) => c.next(of),
        }
    }

    /// Moves to the entry `mode` picks relative to the search key `key`,
    /// a prefix of an entry's columns.
    pub fn seek(
        &mut self,
        key: &[ValueRef<'_>],
        columns: &[KeyColumn],
        mode: SeekMode,
        of: Of<'_, A>,
    ) -> Result<bool> {
        match self {
            EntryCursor::Tree(c) => c.seek(key, columns, mode),
            EntryCursor::Mvcc(c) => c.seek(key, columns, mode, of),
        }
    }

    /// The current entry's record.
    pub fn payload(&mut self) -> Result<PayloadRef<'_, PageRef<'v, A>>> {
        match self {
            EntryCursor::Tree(c) => c.payload(),
            EntryCursor::Mvcc(c) => c.payload(),
        }
    }

    /// The page of the current entry, when it is a B-tree's.
    pub fn page(&self) -> Option<PageNo> {
        match self {
            EntryCursor::Tree(c) => c.page(),
            EntryCursor::Mvcc(c) => c.page(),
        }
    }
}
