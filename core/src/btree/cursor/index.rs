//! [`IndexCursor`]: a cursor over an index B-tree, keyed by records.

use core::cmp::Ordering;
use core::convert::Infallible;

use boundlite_alloc::{Allocator, Vec};

use crate::btree::cell::Payload;
use crate::btree::cursor::path::{TreeKind, TreePath};
use crate::btree::cursor::{CursorState, PayloadRef, SeekMode};
use crate::btree::overflow::read_payload;
use crate::btree::source::PageSource;
use crate::record::{KeyColumn, RecordRef, UnpackedKey, ValueRef, compare_payload};
use crate::{Error, PageNo, Result};

/// A cursor over the entries of an index B-tree, in key order.
///
/// Entries are records: the indexed columns, then the rowid. Seeks compare
/// a search key with each entry as [`compare_records`](crate::record::compare_records) does: column by
/// column with each column's [`KeyColumn`] (columns beyond the list given
/// compare ascending with BINARY collation), and a key that is a prefix of
/// an entry compares equal to it. So `seek(&[x], .., SeekMode::Ge)` finds
/// the first entry whose first column is at least `x`, and `SeekMode::Le`
/// the last entry whose first column is at most `x`.
///
/// Moves return `Ok(true)` when the cursor is on an entry, `Ok(false)` when
/// it ran off either end (or the seek found nothing), after which it is
/// unpositioned and accessors return `Misuse`.
pub struct IndexCursor<'p, S: PageSource, A: Allocator> {
    path: TreePath<'p, S, Infallible>,
    buffer: Vec<u8, A>,
}

impl<'p, S: PageSource, A: Allocator> IndexCursor<'p, S, A> {
    /// An unpositioned cursor over the index B-tree rooted at `root`.
    /// `buffer` receives payloads that spill to overflow pages, during
    /// seeks and for [`payload`](Self::payload); it is reused, and given
    /// back by [`into_buffer`](Self::into_buffer).
    pub fn new(source: &'p S, root: PageNo, buffer: Vec<u8, A>) -> Self {
        IndexCursor {
            path: TreePath::new(source, root, TreeKind::Index),
            buffer,
        }
    }

    /// The tree's root page.
    pub const fn root(&self) -> PageNo {
        self.path.root()
    }

    /// The page of the entry the cursor is on, for errors that name it.
    pub fn page(&self) -> Option<PageNo> {
        self.path.page()
    }

    /// Whether the cursor is on an entry (its state is `Valid`).
    pub const fn is_positioned(&self) -> bool {
        self.path.is_positioned()
    }

    /// Where the cursor stands. An index cursor does not save positions
    /// (yet), so it is never `RequiresSeek`.
    pub const fn state(&self) -> CursorState<Infallible> {
        self.path.state()
    }

    /// Moves to the first entry; `false` when the index is empty.
    pub fn first(&mut self) -> Result<bool> {
        let moved = self.path.first();
        self.path.land(moved)
    }

    /// Moves to the last entry; `false` when the index is empty.
    pub fn last(&mut self) -> Result<bool> {
        let moved = self.path.last();
        self.path.land(moved)
    }

    /// Moves to the next entry; `false` past the last.
    // A cursor step is not an iterator's: it can fail, and the entry is
    // read through the cursor rather than handed out.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<bool> {
        let moved = self.path.next();
        self.path.land(moved)
    }

    /// Moves to the previous entry; `false` before the first.
    pub fn prev(&mut self) -> Result<bool> {
        let moved = self.path.prev();
        self.path.land(moved)
    }

    /// Moves to the entry `mode` picks relative to the search key `key`
    /// (a prefix of an entry's columns); `false` when there is none.
    pub fn seek(
        &mut self,
        key: &[ValueRef<'_>],
        columns: &[KeyColumn],
        mode: SeekMode,
    ) -> Result<bool> {
        let moved = self.seek_by(mode, |entry, page| {
            compare_payload(entry, Some(page), key, columns)
        });
        self.path.land(moved)
    }

    /// [`seek`](Self::seek) with the search key given as a record.
    pub fn seek_record(
        &mut self,
        key: &RecordRef<'_>,
        columns: &[KeyColumn],
        mode: SeekMode,
    ) -> Result<bool> {
        // Decoded once, so each probe reads only the entry's side.
        let key = UnpackedKey::new(key)?;
        let moved = self.seek_by(mode, |entry, page| key.compare(entry, Some(page), columns));
        self.path.land(moved)
    }

    /// The seek itself: `compare` orders an entry's record (its whole
    /// payload, on the page it names) against the search key.
    fn seek_by(
        &mut self,
        mode: SeekMode,
        mut compare: impl FnMut(&[u8], PageNo) -> Result<Ordering>,
    ) -> Result<bool> {
        let source = self.path.source();
        let buffer = &mut self.buffer;
        // Whether an entry lies past the seek's boundary: after the key,
        // or at or after it.
        let strict = matches!(mode, SeekMode::Gt | SeekMode::Le);
        self.path.descend_to(|page, index| {
            let payload = page.index_payload(index)?;
            let ordering = compare_entry(source, &payload, page.number(), buffer, &mut compare)?;
            Ok(if strict {
                ordering.is_gt()
            } else {
                ordering.is_ge()
            })
        })?;
        match mode {
            SeekMode::Ge | SeekMode::Gt => self.path.settle_on_first(),
            SeekMode::Le | SeekMode::Lt => self.path.settle_on_last(),
            SeekMode::Eq => {
                if !self.path.settle_on_first()? {
                    return Ok(false);
                }
                let buffer = &mut self.buffer;
                let ordering = self.path.with_landing_cell(|cell, page| {
                    let payload = cell
                        .payload()
                        .ok_or(Error::corrupt(page, "index cell without a payload"))?;
                    compare_entry(source, payload, page, buffer, &mut compare)
                })?;
                if ordering.is_eq() {
                    return Ok(true);
                }
                self.path.reset();
                Ok(false)
            }
        }
    }

    /// The current entry's key record: borrowed from its page when it is
    /// all local, assembled in the cursor's buffer when it spills.
    pub fn payload(&mut self) -> Result<PayloadRef<'_, S::Page<'p>>> {
        self.path.payload(&mut self.buffer)
    }

    /// The size in bytes of the current entry's key record.
    pub fn payload_size(&self) -> Result<u32> {
        self.path.with_cell(|cell, page| {
            cell.payload()
                .map(|payload| payload.size())
                .ok_or(Error::corrupt(page, "index cell without a payload"))
        })
    }

    /// Gives back the buffer that spilled payloads were assembled in.
    pub fn into_buffer(self) -> Vec<u8, A> {
        self.buffer
    }
}

/// Orders the entry whose payload is `payload`, on `page`, against the
/// search key, reading its overflow pages into `buffer` when it spills.
fn compare_entry<S: PageSource, A: Allocator>(
    source: &S,
    payload: &Payload<'_>,
    page: PageNo,
    buffer: &mut Vec<u8, A>,
    compare: &mut impl FnMut(&[u8], PageNo) -> Result<Ordering>,
) -> Result<Ordering> {
    let bytes = match payload.as_complete() {
        Some(bytes) => bytes,
        None => {
            read_payload(source, page, payload, buffer)?;
            buffer.as_slice()
        }
    };
    compare(bytes, page)
}
