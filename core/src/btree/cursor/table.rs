//! [`TableCursor`]: a cursor over a table B-tree, keyed by rowid.

use boundlite_alloc::{Allocator, Vec};

use crate::btree::blob::PayloadPlace;
use crate::btree::cursor::path::{TreeKind, TreePath};
use crate::btree::cursor::{CursorState, PayloadRef, SeekMode, StoredRecord};
use crate::btree::page::BTreePage;
use crate::btree::source::PageSource;
use crate::{Error, PageNo, Result, RowId};

/// A cursor over the rows of a table B-tree, in rowid order.
///
/// Moves return `Ok(true)` when the cursor is on a row and `Ok(false)` when
/// it ran off either end (or the seek found nothing), after which it is
/// unpositioned and accessors return `Misuse`.
///
/// To change the table while iterating it, save the cursor's position
/// ([`save_position`](Self::save_position)) before the change; its next
/// move re-seeks the saved rowid (see the [states](super#states)).
///
/// ```
/// use boundlite::btree::{FileImage, SeekMode, TableCursor};
/// use boundlite::alloc::Vec;
/// use boundlite::format::{DatabaseHeader, PageSize};
/// use boundlite::{PageNo, RowId};
///
/// // A one-page database: page 1 is the empty schema table, a table leaf.
/// let mut file = [0u8; 512];
/// DatabaseHeader::new_database(PageSize::new(512).unwrap()).write((&mut file[..100]).try_into().unwrap());
/// file[100..108].copy_from_slice(&[0x0d, 0, 0, 0, 0, 0x02, 0, 0]);
/// let image = FileImage::new(&file)?;
/// let mut schema = TableCursor::new(&image, PageNo::ONE, Vec::new());
/// assert!(!schema.first()?);
/// assert!(!schema.seek(RowId::new(1), SeekMode::Ge)?);
/// # Ok::<(), boundlite::Error>(())
/// ```
pub struct TableCursor<'p, S: PageSource, A: Allocator> {
    path: TreePath<'p, S, RowId>,
    buffer: Vec<u8, A>,
}

impl<'p, S: PageSource, A: Allocator> TableCursor<'p, S, A> {
    /// An unpositioned cursor over the table B-tree rooted at `root`.
    /// `buffer` receives payloads that spill to overflow pages; it is
    /// reused, and given back by [`into_buffer`](Self::into_buffer).
    pub fn new(source: &'p S, root: PageNo, buffer: Vec<u8, A>) -> Self {
        TableCursor {
            path: TreePath::new(source, root, TreeKind::Table),
            buffer,
        }
    }

    /// The tree's root page.
    pub const fn root(&self) -> PageNo {
        self.path.root()
    }

    /// Whether the cursor is on a row (its state is `Valid`).
    pub const fn is_positioned(&self) -> bool {
        self.path.is_positioned()
    }

    /// Where the cursor stands; a saved position keeps its rowid.
    pub const fn state(&self) -> CursorState<RowId> {
        self.path.state()
    }

    /// Moves to the row with the smallest rowid; `false` when the table is
    /// empty.
    pub fn first(&mut self) -> Result<bool> {
        let moved = self.path.first();
        self.path.land(moved)
    }

    /// Moves to the row with the largest rowid; `false` when the table is
    /// empty.
    pub fn last(&mut self) -> Result<bool> {
        let moved = self.path.last();
        self.path.land(moved)
    }

    /// Moves to the next row; `false` past the last. After
    /// [`save_position`](Self::save_position), to the first row after the
    /// saved rowid in the table as it is now.
    // A cursor step is not an iterator's: it can fail, and the entry is
    // read through the cursor rather than handed out.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<bool> {
        if let CursorState::RequiresSeek { key } = self.path.state() {
            return self.seek(key, SeekMode::Gt);
        }
        let moved = self.path.next();
        self.path.land(moved)
    }

    /// Moves to the previous row; `false` before the first. After
    /// [`save_position`](Self::save_position), to the last row before the
    /// saved rowid in the table as it is now.
    pub fn prev(&mut self) -> Result<bool> {
        if let CursorState::RequiresSeek { key } = self.path.state() {
            return self.seek(key, SeekMode::Lt);
        }
        let moved = self.path.prev();
        self.path.land(moved)
    }

    /// Moves to the row `mode` picks relative to `rowid`; `false` when
    /// there is none.
    pub fn seek(&mut self, rowid: RowId, mode: SeekMode) -> Result<bool> {
        let moved = self.seek_unsettled(rowid, mode);
        self.path.land(moved)
    }

    /// [`seek`](Self::seek) with [`SeekMode::Eq`] for a caller whose
    /// rowids come in ascending order (`rowid IN (list)`): when `rowid`
    /// lies between the first and last rowids of the leaf the cursor is
    /// on, only that leaf is searched, as the row is there or nowhere;
    /// else the seek descends from the root.
    pub fn seek_near(&mut self, rowid: RowId) -> Result<bool> {
        if self.path.is_positioned() {
            let in_leaf = self
                .path
                .seek_in_leaf(rowid.get(), |page, index| page.rowid_at(index));
            match in_leaf {
                Ok(Some(found)) => return self.path.land(Ok(found)),
                Ok(None) => {}
                Err(e) => return self.path.land(Err(e)),
            }
        }
        self.seek(rowid, SeekMode::Eq)
    }

    /// [`seek`](Self::seek) with [`SeekMode::Eq`], then `f` on the row's
    /// rowid and record (as [`with_record`](Self::with_record) gives
    /// them) from the same visit to its leaf: `Some` of what `f` returns
    /// when the row is there, `None` (and unpositioned) when it is not.
    /// The cursor lands on the row only once `f` returns, so `f` must
    /// not move or read the cursor. An index walk reads each row it
    /// names this way: one visit to the leaf rather than two.
    pub fn seek_then<R>(
        &mut self,
        rowid: RowId,
        f: impl FnOnce(RowId, StoredRecord<'_, A>) -> Result<R>,
    ) -> Result<Option<R>> {
        let target = rowid.get();
        let source = self.path.source();
        let buffer = &mut self.buffer;
        let found = self.path.descend_by(
            |page| page.search_rowid(target, false),
            |page, index| {
                if index >= page.cell_count() {
                    return Ok(None);
                }
                let (rowid, payload) = page.table_row(index)?;
                if rowid != target {
                    return Ok(None);
                }
                StoredRecord::with(source, page.number(), &payload, buffer, |record| {
                    f(RowId::new(rowid), record)
                })
                .map(Some)
            },
        );
        match found {
            Ok(Some(value)) => {
                self.path.land(Ok(true))?;
                Ok(Some(value))
            }
            Ok(None) => {
                self.path.land(Ok(false))?;
                Ok(None)
            }
            Err(e) => self.path.land(Err(e)).map(|_| None),
        }
    }

    /// Saves the cursor's position (`Valid` → `RequiresSeek { rowid }`)
    /// so that the table may be changed before its next move, which
    /// re-seeks the rowid instead of trusting the path. SQLite's
    /// `saveCursorPosition`. An unpositioned or already saved cursor is
    /// left as it is. Reads the rowid from the leaf the cursor is on (a
    /// cache hit) and allocates nothing.
    pub fn save_position(&mut self) -> Result<()> {
        if !self.path.is_positioned() {
            return Ok(());
        }
        let rowid = self.rowid();
        let rowid = self.path.settle(rowid)?;
        self.path.save(rowid);
        Ok(())
    }

    /// Re-seeks a saved position: `true`, and `Valid` on it, when the
    /// saved row is still in the table; `false` when it is gone, the
    /// position staying saved so that [`next`](Self::next) and
    /// [`prev`](Self::prev) still go on from it. On a `Valid` cursor,
    /// `true`; on an unpositioned one, `false`.
    pub fn restore(&mut self) -> Result<bool> {
        match self.path.state() {
            CursorState::Valid => Ok(true),
            CursorState::Unpositioned => Ok(false),
            CursorState::RequiresSeek { key } => {
                if self.seek(key, SeekMode::Eq)? {
                    return Ok(true);
                }
                self.path.keep_saved(key);
                Ok(false)
            }
        }
    }

    fn seek_unsettled(&mut self, rowid: RowId, mode: SeekMode) -> Result<bool> {
        let rowid = rowid.get();
        // Each page searched for the first cell past `rowid` (`strict`)
        // or at or past it.
        let search = |strict: bool| move |page: &BTreePage<'_>| page.search_rowid(rowid, strict);
        let unmoved = |_: &BTreePage<'_>, _: u16| Ok(());
        match mode {
            SeekMode::Eq => {
                // The row is on the leaf the descent lands on, at the
                // landing index, or it is nowhere: a rowid past a leaf's
                // last lies past its parent's separator too.
                let found = self.path.descend_by(search(false), |page, index| {
                    Ok(index < page.cell_count() && page.rowid_at(index)? == rowid)
                })?;
                if !found {
                    self.path.reset();
                }
                Ok(found)
            }
            SeekMode::Ge => {
                self.path.descend_by(search(false), unmoved)?;
                self.path.settle_on_first()
            }
            SeekMode::Gt => {
                self.path.descend_by(search(true), unmoved)?;
                self.path.settle_on_first()
            }
            SeekMode::Le => {
                self.path.descend_by(search(true), unmoved)?;
                self.path.settle_on_last()
            }
            SeekMode::Lt => {
                self.path.descend_by(search(false), unmoved)?;
                self.path.settle_on_last()
            }
        }
    }

    /// The rowid of the row the cursor is on.
    pub fn rowid(&self) -> Result<RowId> {
        self.path
            .with_page(|page, index| page.rowid_at(index).map(RowId::new))
    }

    /// The size in bytes of the current row's record.
    pub fn payload_size(&self) -> Result<u32> {
        self.path.with_cell(|cell, page| {
            cell.payload()
                .map(|payload| payload.size())
                .ok_or(Error::corrupt(page, "table leaf cell without a payload"))
        })
    }

    /// Where the current row's record is stored, for reading or writing
    /// a range of it in place (see [`blob`](crate::btree::blob)).
    pub fn payload_place(&self) -> Result<PayloadPlace> {
        self.path.with_cell(|cell, page| {
            let payload = cell
                .payload()
                .ok_or(Error::corrupt(page, "table leaf cell without a payload"))?;
            PayloadPlace::of(payload, page)
        })
    }

    /// The current row's record: borrowed from its page when it is all
    /// local, assembled in the cursor's buffer when it spills.
    pub fn payload(&mut self) -> Result<PayloadRef<'_, S::Page<'p>>> {
        self.path.payload(&mut self.buffer)
    }

    /// The current row's rowid and record, from one visit to its page
    /// ([`rowid`](Self::rowid) and [`payload`](Self::payload) together).
    pub fn row(&mut self) -> Result<(RowId, PayloadRef<'_, S::Page<'p>>)> {
        match self.path.entry(&mut self.buffer)? {
            (Some(rowid), payload) => Ok((RowId::new(rowid), payload)),
            (None, _) => Err(Error::corrupt(
                self.path.page_number()?,
                "table cell without a rowid",
            )),
        }
    }

    /// Moves forward from the current row, itself included, to the first
    /// row `visit` (given its rowid and record) stops at: `true` on it,
    /// `false` (and unpositioned) past the last row, or when the cursor
    /// was not on a row. After [`save_position`](Self::save_position), the
    /// scan starts at the saved rowid or the first row after it. The rows
    /// of one leaf are read from one visit to it, which is what makes a
    /// filtered scan cheap.
    pub fn scan(&mut self, mut visit: impl FnMut(RowId, &[u8]) -> Result<bool>) -> Result<bool> {
        self.scan_records(|rowid, record| visit(rowid, record.into_whole()?))
    }

    /// [`scan`](Self::scan), handing each row's record over as it is
    /// stored: a record that spills is assembled (into the cursor's
    /// buffer) only if `visit` asks for it whole.
    pub fn scan_records(
        &mut self,
        mut visit: impl FnMut(RowId, StoredRecord<'_, A>) -> Result<bool>,
    ) -> Result<bool> {
        match self.path.state() {
            CursorState::Valid => {}
            CursorState::Unpositioned => return Ok(false),
            CursorState::RequiresSeek { key } => {
                if !self.seek(key, SeekMode::Ge)? {
                    return Ok(false);
                }
            }
        }
        let source = self.path.source();
        loop {
            let buffer = &mut self.buffer;
            let stopped = self.path.scan_leaf(|rowid, payload, page| {
                StoredRecord::with(source, page, payload, buffer, |record| visit(rowid, record))
            });
            if self.path.settle(stopped)? {
                return Ok(true);
            }
            let moved = self.path.next();
            if !self.path.land(moved)? {
                return Ok(false);
            }
        }
    }

    /// Runs `f` on the current row's rowid and record as it is stored
    /// (see [`scan_records`](Self::scan_records)).
    pub fn with_record<R>(
        &mut self,
        f: impl FnOnce(RowId, StoredRecord<'_, A>) -> Result<R>,
    ) -> Result<R> {
        let source = self.path.source();
        let buffer = &mut self.buffer;
        self.path.with_cell(|cell, page| {
            let (Some(rowid), Some(payload)) = (cell.rowid(), cell.payload()) else {
                return Err(Error::corrupt(page, "table leaf cell without a payload"));
            };
            StoredRecord::with(source, page, payload, buffer, |record| {
                f(RowId::new(rowid), record)
            })
        })
    }

    /// Gives back the buffer that spilled payloads were assembled in.
    pub fn into_buffer(self) -> Vec<u8, A> {
        self.buffer
    }
}
