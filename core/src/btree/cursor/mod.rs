//! Cursors: positions in a table or index B-tree, moved by first, last,
//! next, prev and seek.
//!
//! A cursor keeps the path from the root to its entry as a fixed array of
//! (page number, cell index) pairs, one per level, with each page's cell
//! count. It holds no page between calls: every call that needs bytes asks
//! the [`PageSource`] again, which for the pager is a cache hit. Stepping
//! within a leaf touches no page at all, and no step allocates.
//!
//! In a table B-tree every row is on a leaf, so a positioned table cursor's
//! last level is a leaf. In an index B-tree interior cells are entries too,
//! visited between their left child and the next child: an index cursor may
//! rest on an interior level, whose index then names that cell rather than
//! a child followed.
//!
//! Invariants, whatever the bytes: a path is at most [`MAX_DEPTH`] levels
//! and never visits a page twice, every page on it has the kind of the
//! cursor's tree, and every page but the root has at least one cell, so
//! every move ends after a bounded number of page reads. Breaking any of
//! these is `Corrupt` naming the page where the bad pointer was found. After
//! any error the cursor is unpositioned, and can be moved again.
//!
//! # States
//!
//! A cursor is in one [`CursorState`], as a SQLite cursor is in one
//! `eState` (`btreeInt.h`): `Valid` (`CURSOR_VALID`), `Unpositioned`
//! (`CURSOR_INVALID`, which here also covers SQLite's `CURSOR_FAULT`: after
//! an error the cursor is simply on no entry), and `RequiresSeek { key }`
//! (`CURSOR_REQUIRESEEK`). Only a `Valid` cursor's path is trusted, and
//! only a `Valid` cursor's entry can be read (otherwise `Misuse`). Saving
//! a position is what lets a caller change the tree while it iterates: a
//! cursor holds no page between calls, so the only thing a change can
//! break is its path, and a saved cursor no longer uses it.
//!
//! | from | call | to |
//! |---|---|---|
//! | any | `first`, `last`, `seek` landing on an entry | `Valid` |
//! | any | `first`, `last`, `seek` finding none | `Unpositioned` |
//! | `Valid` | `next`, `prev` onto an entry | `Valid` |
//! | `Valid` | `next`, `prev` off either end | `Unpositioned` |
//! | `Unpositioned` | `next`, `prev`, `scan`, `restore`, `save_position` | `Unpositioned` (`false`) |
//! | `Valid` | `save_position` | `RequiresSeek { key }`, `key` the entry's |
//! | `RequiresSeek { key }` | `next` / `prev` | as `seek(key, Gt)` / `seek(key, Lt)`: `Valid` or `Unpositioned` |
//! | `RequiresSeek { key }` | `restore`, `key` still in the tree | `Valid`, on it |
//! | `RequiresSeek { key }` | `restore`, `key` gone | `RequiresSeek { key }` (`false`) |
//! | `RequiresSeek { key }` | `scan` | as `seek(key, Ge)`, then the scan |
//! | any | a call that fails | `Unpositioned` |
//!
//! [`TableCursor`] saves its rowid, a [`RowId`]: its state is a
//! `CursorState<RowId>`. [`IndexCursor`] does not save positions yet
//! (re-seeking an entry needs its key columns), so its state is a
//! `CursorState<Infallible>` that cannot be `RequiresSeek`.
//!
//! [`PageSource`]: crate::btree::PageSource
//! [`RowId`]: crate::RowId

mod index;
mod path;
mod table;

#[cfg(test)]
mod tests;

use core::ops::Deref;

pub use index::IndexCursor;
pub use table::TableCursor;

use boundlite_alloc::{Allocator, Vec};

use crate::btree::blob::PayloadPlace;
use crate::btree::cell::Payload;
use crate::btree::overflow::read_payload;
use crate::btree::source::PageSource;
use crate::{PageNo, Result};

/// The deepest a B-tree may be. SQLite's own bound is 20 (`BTCURSOR_MAX_DEPTH`):
/// with the smallest pages and the largest keys a real tree of 2^31 pages
/// stays well under it, so a deeper path means a cycle or a corrupt file.
pub const MAX_DEPTH: usize = 20;

/// Where a cursor stands; see the [module documentation](self) for the
/// transitions. `K` is the key a saved position keeps: a rowid for a
/// [`TableCursor`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CursorState<K> {
    /// On an entry: its path is trusted and the entry can be read.
    Valid,
    /// On no entry: never moved, ran off either end, a seek found nothing,
    /// or a call failed; the next `first`, `last` or `seek` starts afresh.
    Unpositioned,
    /// Was on the entry `key` when its position was saved; the tree may
    /// have changed since, so the next move re-seeks `key` first.
    RequiresSeek {
        /// The saved entry's key.
        key: K,
    },
}

/// Where a seek lands relative to its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SeekMode {
    /// The first entry equal to the key; unpositioned when there is none.
    Eq,
    /// The first entry at or after the key.
    Ge,
    /// The first entry after the key.
    Gt,
    /// The last entry at or before the key.
    Le,
    /// The last entry before the key.
    Lt,
}

/// The payload of a cursor's entry: borrowed from its page (which stays
/// pinned while this lives) when it is all local, or assembled in the
/// cursor's buffer when it spills to overflow pages.
pub struct PayloadRef<'c, P> {
    inner: Held<'c, P>,
}

enum Held<'c, P> {
    Page { page: P, start: usize, len: usize },
    Buffer(&'c [u8]),
}

impl<'c, P: Deref<Target = [u8]>> PayloadRef<'c, P> {
    fn on_page(page: P, start: usize, len: usize) -> Self {
        PayloadRef {
            inner: Held::Page { page, start, len },
        }
    }

    /// A payload held whole in memory, outside any page.
    pub(crate) fn in_buffer(bytes: &'c [u8]) -> Self {
        PayloadRef {
            inner: Held::Buffer(bytes),
        }
    }

    /// Whether the bytes are borrowed from the page (the payload does not
    /// spill), rather than copied into the cursor's buffer.
    pub fn is_on_page(&self) -> bool {
        matches!(self.inner, Held::Page { .. })
    }
}

impl<P: Deref<Target = [u8]>> Deref for PayloadRef<'_, P> {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match &self.inner {
            // The range was checked when the cell was parsed from this page.
            Held::Page { page, start, len } => page
                .get(*start..start.saturating_add(*len))
                .unwrap_or_default(),
            Held::Buffer(bytes) => bytes,
        }
    }
}

/// A row's record as it is stored, handed to a visitor while its page
/// is pinned: its local bytes, and when it spills to overflow pages, a
/// way to assemble it whole into the cursor's buffer, taken only when
/// asked for (a column's type and size are in the local header, and
/// `length()` of a large BLOB reads no overflow page).
pub struct StoredRecord<'r, A: Allocator> {
    local: &'r [u8],
    size: u32,
    rest: Option<Rest<'r, A>>,
    /// Where a record that spills is stored.
    place: Option<PayloadPlace>,
}

/// What assembles a spilled record: a reader of the whole payload, and
/// the buffer it reads into.
struct Rest<'r, A: Allocator> {
    read: &'r dyn Fn(&mut Vec<u8, A>) -> Result<()>,
    buffer: &'r mut Vec<u8, A>,
}

impl<'r, A: Allocator> StoredRecord<'r, A> {
    /// A record held whole in memory, outside any page.
    pub(crate) fn whole(record: &'r [u8]) -> Self {
        StoredRecord {
            local: record,
            size: u32::try_from(record.len()).unwrap_or(u32::MAX),
            rest: None,
            place: None,
        }
    }

    /// Runs `f` on the record of `payload`, a payload of a cell on page
    /// `page` of `source`, assembled into `buffer` when asked for.
    pub(crate) fn with<S: PageSource + ?Sized, R>(
        source: &S,
        page: PageNo,
        payload: &Payload<'_>,
        buffer: &mut Vec<u8, A>,
        f: impl FnOnce(StoredRecord<'_, A>) -> Result<R>,
    ) -> Result<R> {
        let read = |out: &mut Vec<u8, A>| read_payload(source, page, payload, out);
        let rest = payload.first_overflow().map(|_| Rest {
            read: &read,
            buffer,
        });
        let place = match payload.first_overflow() {
            Some(_) => Some(PayloadPlace::of(payload, page)?),
            None => None,
        };
        f(StoredRecord {
            local: payload.local(),
            size: payload.size(),
            rest,
            place,
        })
    }

    /// The bytes stored on the page: the whole record unless it spills.
    pub fn local(&self) -> &'r [u8] {
        self.local
    }

    /// The whole record's size in bytes.
    pub fn size(&self) -> usize {
        self.size as usize
    }

    /// Whether [`local`](Self::local) is the whole record.
    pub fn is_complete(&self) -> bool {
        self.rest.is_none()
    }

    /// Where a record that spills is stored, for reading it a range at a
    /// time (see [`blob`](crate::btree::blob)) rather than whole; `None`
    /// for one that is all on its page.
    pub fn place(&self) -> Option<PayloadPlace> {
        self.place
    }

    /// The whole record: its local bytes, or assembled from its overflow
    /// pages into the cursor's buffer.
    pub fn into_whole(self) -> Result<&'r [u8]> {
        match self.rest {
            None => Ok(self.local),
            Some(Rest { read, buffer }) => {
                read(buffer)?;
                Ok(buffer.as_slice())
            }
        }
    }
}

impl<A: Allocator> core::fmt::Debug for StoredRecord<'_, A> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StoredRecord")
            .field("local", &self.local.len())
            .field("size", &self.size)
            .finish()
    }
}

impl<P: Deref<Target = [u8]>> core::fmt::Debug for PayloadRef<'_, P> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PayloadRef")
            .field("on_page", &self.is_on_page())
            .field("len", &self.len())
            .finish()
    }
}
