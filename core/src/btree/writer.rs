//! [`TreeWriter`]: creating, changing and dropping table and index B-trees.
//!
//! Every change starts with a descent from the root that records the path
//! (page and child index per level), makes the change on the page in place
//! when it fits ([`PageLayout`]), and otherwise hands the page's intended
//! cells to [`TreeWriter::settle`] to rebalance up the path. The writer
//! keeps its scratch buffers (cell lists, the cell being built, assembled
//! keys) between calls, so a warm writer allocates only when a buffer must
//! grow.
//!
//! Every read and write goes through one [`PageStore`] (the pager), so a
//! page read after a change shows the change. The writer works inside the
//! store's write transaction and leaves committing or rolling back to its
//! caller: an error (out of memory, a full cache, corruption) may leave
//! the tree half-changed in the transaction, which the caller then rolls
//! back.

use core::cmp::Ordering;

use crate::alloc::{Allocator, Vec};
use crate::btree::balance::{Step, index_body};
use crate::btree::cell::Cell;
use crate::btree::cell_list::CellList;
use crate::btree::cursor::MAX_DEPTH;
use crate::btree::layout::PageLayout;
use crate::btree::overflow::read_payload;
use crate::btree::page::{BTreePage, PageKind};
use crate::btree::payload::PayloadKind;
use crate::btree::source::PageStore;
use crate::btree::spill::{PayloadBytes, free_chain, payload_size, write_chain};
use crate::format::Varint;
use crate::record::{KeyColumn, RecordRef, UnpackedKey};
use crate::{Error, PageNo, Result, RowId};

/// The two families of B-tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TreeKind {
    /// Rows keyed by a 64-bit rowid, stored on leaves.
    Table,
    /// Keys (records) stored on every page.
    Index,
}

impl TreeKind {
    fn leaf(self) -> PageKind {
        match self {
            TreeKind::Table => PageKind::TableLeaf,
            TreeKind::Index => PageKind::IndexLeaf,
        }
    }
}

/// The interior kind of the family `kind` belongs to.
pub(crate) fn interior_of(kind: PageKind) -> PageKind {
    if kind.is_table() {
        PageKind::TableInterior
    } else {
        PageKind::IndexInterior
    }
}

/// The pages from a root down to the page being changed, with the index
/// of each page among its parent's children.
pub(crate) struct Path {
    levels: [(PageNo, u16); MAX_DEPTH],
    len: usize,
}

impl Path {
    fn new(root: PageNo) -> Self {
        Self {
            levels: [(root, 0); MAX_DEPTH],
            len: 1,
        }
    }

    /// How far the top of the path is below the root.
    pub(crate) fn depth(&self) -> usize {
        self.len - 1
    }

    /// The page at the top of the path and its index in its parent.
    pub(crate) fn top(&self) -> Result<(PageNo, u16)> {
        self.at(self.len - 1)
    }

    /// The parent of the page at the top.
    pub(crate) fn parent(&self) -> Result<(PageNo, u16)> {
        self.at(self
            .len
            .checked_sub(2)
            .ok_or(Error::Misuse("the root has no parent"))?)
    }

    fn at(&self, level: usize) -> Result<(PageNo, u16)> {
        self.levels
            .get(level)
            .copied()
            .ok_or(Error::Misuse("path level out of range"))
    }

    fn push(&mut self, page: PageNo, index: u16) -> Result<()> {
        let slot = self
            .levels
            .get_mut(self.len)
            .ok_or(Error::corrupt(page, "b-tree deeper than the depth limit"))?;
        *slot = (page, index);
        self.len += 1;
        Ok(())
    }

    pub(crate) fn pop(&mut self) -> Result<()> {
        self.len = self
            .len
            .checked_sub(1)
            .filter(|l| *l > 0)
            .ok_or(Error::Misuse("path is empty"))?;
        Ok(())
    }

    /// Puts `child` between the root and the rest of the path: the root's
    /// content moved to `child`, its only child.
    pub(crate) fn push_below_root(&mut self, child: PageNo) -> Result<()> {
        if self.len >= MAX_DEPTH {
            return Err(Error::corrupt(child, "b-tree deeper than the depth limit"));
        }
        self.levels.copy_within(1..self.len, 2);
        if let Some(slot) = self.levels.get_mut(1) {
            *slot = (child, 0);
        }
        self.len += 1;
        Ok(())
    }
}

/// Where a key belongs on a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Position {
    /// Cell `i` holds the key.
    At(u16),
    /// The key is not on the page; it sorts before cell `i` (or after every
    /// cell when `i` is the cell count).
    Before(u16),
}

/// Creates, changes and drops B-trees; owns the scratch memory for it.
pub struct TreeWriter<A: Allocator + Clone> {
    pub(crate) current: CellList<A>,
    pub(crate) parent: CellList<A>,
    pub(crate) combined: CellList<A>,
    pub(crate) scratch: Vec<u8, A>,
    pub(crate) cell: Vec<u8, A>,
    key: Vec<u8, A>,
    pub(crate) other: Vec<u8, A>,
    /// Set while an append (a cell past the last of a leaf) is balanced:
    /// the leaf level is then packed rather than evened out.
    pub(crate) appending: bool,
}

impl<A: Allocator + Clone> TreeWriter<A> {
    /// A writer whose scratch memory comes from `alloc`; allocates nothing
    /// until used.
    pub fn new_in(alloc: A) -> Self {
        Self {
            current: CellList::new_in(alloc.clone()),
            parent: CellList::new_in(alloc.clone()),
            combined: CellList::new_in(alloc.clone()),
            scratch: Vec::new_in(alloc.clone()),
            cell: Vec::new_in(alloc.clone()),
            key: Vec::new_in(alloc.clone()),
            other: Vec::new_in(alloc),
            appending: false,
        }
    }

    /// Creates an empty tree of `kind`; returns its root page.
    pub fn create_tree<S: PageStore>(&mut self, store: &S, kind: TreeKind) -> Result<PageNo> {
        let (no, mut page) = store.allocate()?;
        PageLayout::new(&mut page, no, store.usable_size()).init(kind.leaf())?;
        Ok(no)
    }

    /// Stores `record` as the row `rowid` of the table rooted at `root`,
    /// replacing the row with that rowid if there is one.
    pub fn insert_row<S: PageStore>(
        &mut self,
        store: &S,
        root: PageNo,
        rowid: RowId,
        record: &[u8],
    ) -> Result<()> {
        self.insert_row_from(store, root, rowid, record)
    }

    /// [`insert_row`](Self::insert_row) for a record produced a range at
    /// a time: its overflow pages are filled straight from `record`, so
    /// it is never held whole.
    pub fn insert_row_from<S: PageStore, P: PayloadBytes + ?Sized>(
        &mut self,
        store: &S,
        root: PageNo,
        rowid: RowId,
        record: &P,
    ) -> Result<()> {
        let mut path = Path::new(root);
        let position = self.descend_table(store, &mut path, rowid.get())?;
        let (leaf, _) = path.top()?;
        let index = match position {
            Position::At(index) => {
                self.free_cell_overflow(store, leaf, index)?;
                let mut page = store.page_mut(leaf)?;
                PageLayout::new(&mut page, leaf, store.usable_size()).remove_cell(index)?;
                index
            }
            Position::Before(index) => index,
        };
        self.build_payload_cell(store, PayloadKind::Table, Some(rowid.get()), record)?;
        self.place(store, &mut path, PageKind::TableLeaf, index)
    }

    /// Stores `record` as the row `rowid` of the table rooted at `root`
    /// unless a row with that rowid is there; returns whether it stored
    /// it. One descent both checks and places, where a check followed by
    /// [`insert_row`](Self::insert_row) descends twice.
    pub fn insert_new_row<S: PageStore>(
        &mut self,
        store: &S,
        root: PageNo,
        rowid: RowId,
        record: &[u8],
    ) -> Result<bool> {
        self.insert_new_row_from(store, root, rowid, record)
    }

    /// [`insert_new_row`](Self::insert_new_row) for a record produced a
    /// range at a time (see [`insert_row_from`](Self::insert_row_from)).
    pub fn insert_new_row_from<S: PageStore, P: PayloadBytes + ?Sized>(
        &mut self,
        store: &S,
        root: PageNo,
        rowid: RowId,
        record: &P,
    ) -> Result<bool> {
        let mut path = Path::new(root);
        match self.descend_table(store, &mut path, rowid.get())? {
            Position::At(_) => Ok(false),
            Position::Before(index) => {
                self.build_payload_cell(store, PayloadKind::Table, Some(rowid.get()), record)?;
                self.place(store, &mut path, PageKind::TableLeaf, index)?;
                Ok(true)
            }
        }
    }

    /// Removes row `rowid` from the table rooted at `root`; returns whether
    /// it was there.
    pub fn delete_row<S: PageStore>(
        &mut self,
        store: &S,
        root: PageNo,
        rowid: RowId,
    ) -> Result<bool> {
        let mut path = Path::new(root);
        let Position::At(index) = self.descend_table(store, &mut path, rowid.get())? else {
            return Ok(false);
        };
        self.remove_at(store, &mut path, PageKind::TableLeaf, index)?;
        Ok(true)
    }

    /// Adds `key` (a record) to the index rooted at `root`, ordered by
    /// `columns`; returns `false`, changing nothing, if an equal key is
    /// already there.
    pub fn insert_key<S: PageStore>(
        &mut self,
        store: &S,
        root: PageNo,
        key: &[u8],
        columns: &[KeyColumn],
    ) -> Result<bool> {
        let mut path = Path::new(root);
        let (position, kind) = self.descend_index(store, &mut path, key, columns)?;
        let Position::Before(index) = position else {
            return Ok(false);
        };
        if !kind.is_leaf() {
            return Err(Error::Misuse("index descent stopped above the leaves"));
        }
        self.build_payload_cell(store, PayloadKind::Index, None, key)?;
        self.place(store, &mut path, PageKind::IndexLeaf, index)?;
        Ok(true)
    }

    /// Removes `key` from the index rooted at `root`; returns whether it
    /// was there.
    ///
    /// A key on an interior page is replaced by its predecessor, the last
    /// key of the leaf at the right edge of its left subtree, as SQLite
    /// does: the predecessor is first taken off its leaf (which may
    /// rebalance), then the key, wherever it now lies, is overwritten by it.
    pub fn delete_key<S: PageStore>(
        &mut self,
        store: &S,
        root: PageNo,
        key: &[u8],
        columns: &[KeyColumn],
    ) -> Result<bool> {
        let mut path = Path::new(root);
        let (position, kind) = self.descend_index(store, &mut path, key, columns)?;
        let Position::At(index) = position else {
            return Ok(false);
        };
        if kind.is_leaf() {
            self.remove_at(store, &mut path, kind, index)?;
            return Ok(true);
        }
        // Take the predecessor off its leaf, keeping its cell bytes.
        let (page_no, _) = path.top()?;
        let left =
            BTreePage::parse(&store.page(page_no)?, page_no, store.usable_size())?.child(index)?;
        path.push(left, index)?;
        let (leaf, last) = self.descend_rightmost(store, &mut path)?;
        {
            let page = store.page(leaf)?;
            let view = BTreePage::parse(&page, leaf, store.usable_size())?;
            let (_, size) = view.cell_with_size(last)?;
            let bytes = crate::format::Reader::for_page(&page, leaf)
                .slice(view.cell_pointer(last)?, size)?;
            self.other.clear();
            self.other.try_extend_from_slice(bytes)?;
        }
        {
            let mut page = store.page_mut(leaf)?;
            PageLayout::new(&mut page, leaf, store.usable_size()).remove_cell(last)?;
        }
        self.settle_if_underfull(store, &mut path, PageKind::IndexLeaf)?;

        // Find the key again and overwrite it with the predecessor.
        let mut path = Path::new(root);
        let (position, kind) = self.descend_index(store, &mut path, key, columns)?;
        let Position::At(index) = position else {
            return Err(Error::corrupt(
                root,
                "index key vanished while it was being deleted",
            ));
        };
        let (page_no, _) = path.top()?;
        self.free_cell_overflow(store, page_no, index)?;
        self.cell.clear();
        if kind.is_leaf() {
            self.cell.try_extend_from_slice(&self.other)?;
        } else {
            let child = BTreePage::parse(&store.page(page_no)?, page_no, store.usable_size())?
                .child(index)?;
            self.cell
                .try_extend_from_slice(&child.get().to_be_bytes())?;
            // The predecessor's cell without the padding a short leaf cell
            // carries: an interior cell is never short.
            let body = index_body(&self.other, store.usable_size(), 0, page_no)?;
            self.cell.try_extend_from_slice(body)?;
        }
        pad_cell(&mut self.cell)?;
        {
            let mut page = store.page_mut(page_no)?;
            PageLayout::new(&mut page, page_no, store.usable_size()).remove_cell(index)?;
        }
        self.place(store, &mut path, kind, index)?;
        Ok(true)
    }

    /// Frees every page of the tree rooted at `root`, the root included,
    /// and every overflow chain its cells own.
    pub fn drop_tree<S: PageStore>(&mut self, store: &S, root: PageNo) -> Result<()> {
        self.clear_below(store, root)?;
        store.free(root)
    }

    /// Empties the tree rooted at `root`: every page but the root is freed
    /// and the root becomes an empty leaf.
    pub fn clear_tree<S: PageStore>(&mut self, store: &S, root: PageNo) -> Result<()> {
        let kind = self.clear_below(store, root)?;
        let leaf = if kind.is_table() {
            PageKind::TableLeaf
        } else {
            PageKind::IndexLeaf
        };
        let mut page = store.page_mut(root)?;
        PageLayout::new(&mut page, root, store.usable_size()).init(leaf)
    }

    /// Frees every page under `root` and every overflow chain in the tree;
    /// returns the root's kind.
    fn clear_below<S: PageStore>(&mut self, store: &S, root: PageNo) -> Result<PageKind> {
        // Depth-first, children in order, with the path as the stack.
        let mut path = Path::new(root);
        let mut next_child = [0u16; MAX_DEPTH];
        let root_kind = BTreePage::parse(&store.page(root)?, root, store.usable_size())?.kind();
        loop {
            let (no, _) = path.top()?;
            let depth = path.depth();
            let child = {
                let page = store.page(no)?;
                let view = BTreePage::parse(&page, no, store.usable_size())?;
                if view.kind().is_table() != root_kind.is_table() {
                    return Err(view.corrupt("page of the wrong tree family"));
                }
                let next = next_child.get(depth).copied().unwrap_or(0);
                if next == 0 {
                    // First visit: free the overflow chains of its cells.
                    for index in 0..view.cell_count() {
                        free_overflow_of(store, &view, index)?;
                    }
                }
                if view.kind().is_leaf() || next > view.cell_count() {
                    None
                } else {
                    Some((view.child(next)?, next))
                }
            };
            match child {
                Some((child, index)) => {
                    if let Some(slot) = next_child.get_mut(depth) {
                        *slot = index + 1;
                    }
                    path.push(child, index)?;
                    if let Some(slot) = next_child.get_mut(depth + 1) {
                        *slot = 0;
                    }
                }
                None => {
                    if depth == 0 {
                        return Ok(root_kind);
                    }
                    store.free(no)?;
                    path.pop()?;
                }
            }
        }
    }

    /// Puts `self.cell` at `index` on the page at the top of the path, in
    /// place when it fits, else through rebalancing.
    fn place<S: PageStore>(
        &mut self,
        store: &S,
        path: &mut Path,
        kind: PageKind,
        index: u16,
    ) -> Result<()> {
        let (no, child_index) = path.top()?;
        let append_after = {
            let mut page = store.page_mut(no)?;
            let mut layout = PageLayout::new(&mut page, no, store.usable_size());
            let usable = store.usable_size() as usize;
            if self.scratch.len() != usable {
                self.scratch.try_resize(usable, 0)?;
            }
            if layout.try_insert_cell(index, &self.cell, &mut self.scratch)? {
                return Ok(());
            }
            let view = BTreePage::parse(&page, no, store.usable_size())?;
            let count = view.cell_count();
            self.appending = kind.is_leaf() && index == count;
            match count.checked_sub(1) {
                Some(last) if kind == PageKind::TableLeaf && index == count => {
                    view.cell(last)?.rowid()
                }
                _ => None,
            }
        };
        if let Some(rowid) = append_after
            && path.depth() > 0
            && self.is_right_child(store, path, child_index)?
        {
            self.appending = false;
            return self.quick_balance(store, path, no, rowid);
        }
        {
            let page = store.page(no)?;
            let view = BTreePage::parse(&page, no, store.usable_size())?;
            self.current.load(&view, &page)?;
        }
        self.current.insert(usize::from(index), &self.cell)?;
        let settled = self.settle(store, path, kind);
        self.appending = false;
        settled
    }

    /// Whether the page at the top of the path, child `child_index` of its
    /// parent, is the parent's right-most child.
    fn is_right_child<S: PageStore>(
        &self,
        store: &S,
        path: &Path,
        child_index: u16,
    ) -> Result<bool> {
        let (parent, _) = path.parent()?;
        let page = store.page(parent)?;
        let view = BTreePage::parse(&page, parent, store.usable_size())?;
        Ok(view.kind() == PageKind::TableInterior && view.cell_count() == child_index)
    }

    /// SQLite's quick balance: a row appended past the end of the right-most
    /// leaf under a parent goes alone onto a fresh leaf, and the full leaf
    /// gets a divider (its largest rowid) in the parent. Ascending inserts
    /// so leave full pages behind them and touch two pages per split.
    fn quick_balance<S: PageStore>(
        &mut self,
        store: &S,
        path: &mut Path,
        leaf: PageNo,
        largest: i64,
    ) -> Result<()> {
        let fresh = {
            let (no, mut page) = store.allocate()?;
            let cells = core::iter::once(self.cell.as_slice());
            PageLayout::new(&mut page, no, store.usable_size()).rebuild(
                PageKind::TableLeaf,
                cells,
                None,
            )?;
            no
        };
        self.parent.clear();
        self.parent
            .insert_with_child(0, leaf, Varint::new(largest as u64).as_bytes())?;
        let (_, child_index) = path.top()?;
        let step = self.update_parent(
            store,
            path,
            PageKind::TableInterior,
            usize::from(child_index),
            0,
            fresh,
        )?;
        match step {
            Step::Done => Ok(()),
            Step::Parent(kind) => self.settle(store, path, kind),
        }
    }

    /// Removes cell `index` from the page at the top of the path, freeing
    /// its overflow chain, and rebalances if the page is left underfull.
    fn remove_at<S: PageStore>(
        &mut self,
        store: &S,
        path: &mut Path,
        kind: PageKind,
        index: u16,
    ) -> Result<()> {
        let (no, _) = path.top()?;
        self.free_cell_overflow(store, no, index)?;
        {
            let mut page = store.page_mut(no)?;
            PageLayout::new(&mut page, no, store.usable_size()).remove_cell(index)?;
        }
        self.settle_if_underfull(store, path, kind)
    }

    /// Rebalances the page at the top of the path if it is a non-root page
    /// filled less than a third (the threshold `settle` uses).
    fn settle_if_underfull<S: PageStore>(
        &mut self,
        store: &S,
        path: &mut Path,
        kind: PageKind,
    ) -> Result<()> {
        if path.depth() == 0 {
            return Ok(());
        }
        let (no, _) = path.top()?;
        {
            let mut page = store.page_mut(no)?;
            let layout = PageLayout::new(&mut page, no, store.usable_size());
            let capacity = store.usable_size() as usize - kind.header_len();
            let used = capacity.saturating_sub(layout.free_space()?);
            let view = layout.view()?;
            if used * 3 >= capacity && view.cell_count() > 0 {
                return Ok(());
            }
            let view = BTreePage::parse(&page, no, store.usable_size())?;
            self.current.load(&view, &page)?;
        }
        self.settle(store, path, kind)
    }

    fn free_cell_overflow<S: PageStore>(
        &mut self,
        store: &S,
        no: PageNo,
        index: u16,
    ) -> Result<()> {
        let page = store.page(no)?;
        let view = BTreePage::parse(&page, no, store.usable_size())?;
        free_overflow_of(store, &view, index)
    }

    /// Builds in `self.cell` the cell for a payload (with its rowid on
    /// table leaves), writing the part that does not stay local to an
    /// overflow chain page by page.
    pub(crate) fn build_payload_cell<S: PageStore, P: PayloadBytes + ?Sized>(
        &mut self,
        store: &S,
        kind: PayloadKind,
        rowid: Option<i64>,
        payload: &P,
    ) -> Result<()> {
        let size = payload_size(payload)?;
        let local = kind.local_size(store.usable_size(), size) as usize;
        self.cell.clear();
        self.cell
            .try_extend_from_slice(Varint::new(u64::from(size)).as_bytes())?;
        if let Some(rowid) = rowid {
            self.cell
                .try_extend_from_slice(Varint::new(rowid as u64).as_bytes())?;
        }
        match payload.as_slice().and_then(|bytes| bytes.get(..local)) {
            Some(here) => self.cell.try_extend_from_slice(here)?,
            None => {
                let start = self.cell.len();
                self.cell.try_resize(start + local, 0)?;
                let here = self
                    .cell
                    .get_mut(start..)
                    .ok_or(Error::Misuse("cell shorter than its local payload"))?;
                payload.fill(0, here)?;
            }
        }
        if local < payload.size() {
            let first = write_chain(store, payload, local)?;
            self.cell
                .try_extend_from_slice(&first.get().to_be_bytes())?;
        }
        pad_cell(&mut self.cell)
    }

    /// Descends the table rooted at the path's root towards `rowid`,
    /// pushing each page visited; returns where `rowid` is on the leaf.
    fn descend_table<S: PageStore>(
        &mut self,
        store: &S,
        path: &mut Path,
        rowid: i64,
    ) -> Result<Position> {
        loop {
            let (no, _) = path.top()?;
            let page = store.page(no)?;
            let view = BTreePage::parse(&page, no, store.usable_size())?;
            if !view.kind().is_table() {
                return Err(view.corrupt("table b-tree page is not a table page"));
            }
            let count = view.cell_count();
            // Appends (rowids past the last key) are the common insert:
            // one probe of the last cell settles them, as SQLite's
            // append bias does.
            let position = match count.checked_sub(1) {
                Some(last) if view.rowid_at(last)? < rowid => Position::Before(count),
                _ => search(count, |i| Ok(view.rowid_at(i)?.cmp(&rowid)))?,
            };
            if view.kind().is_leaf() {
                return Ok(position);
            }
            // Interior: keys up to a cell's rowid live in its left child.
            let index = match position {
                Position::At(i) | Position::Before(i) => i,
            };
            let child = view.child(index)?;
            drop(page);
            path.push(child, index)?;
        }
    }

    /// Descends the index rooted at the path's root towards `key`; stops at
    /// the page holding an equal key, or at the leaf where it belongs.
    fn descend_index<S: PageStore>(
        &mut self,
        store: &S,
        path: &mut Path,
        key: &[u8],
        columns: &[KeyColumn],
    ) -> Result<(Position, PageKind)> {
        // Decoded once, so each probe reads only the cell's side.
        let target = UnpackedKey::new(&RecordRef::parse(key, None)?)?;
        loop {
            let (no, _) = path.top()?;
            let page = store.page(no)?;
            let view = BTreePage::parse(&page, no, store.usable_size())?;
            if view.kind().is_table() {
                return Err(view.corrupt("index b-tree page is not an index page"));
            }
            let key_buffer = &mut self.key;
            let position = search(view.cell_count(), |i| {
                let payload = view.index_payload(i)?;
                let bytes = match payload.as_complete() {
                    Some(bytes) => bytes,
                    None => {
                        read_payload(store, no, &payload, key_buffer)?;
                        key_buffer.as_slice()
                    }
                };
                target.compare(bytes, Some(no), columns)
            })?;
            let kind = view.kind();
            match position {
                Position::At(_) => return Ok((position, kind)),
                Position::Before(_) if kind.is_leaf() => return Ok((position, kind)),
                Position::Before(index) => {
                    let child = view.child(index)?;
                    drop(page);
                    path.push(child, index)?;
                }
            }
        }
    }

    /// Follows right-most children from the top of the path down to a
    /// leaf; returns the leaf and its last cell.
    fn descend_rightmost<S: PageStore>(
        &mut self,
        store: &S,
        path: &mut Path,
    ) -> Result<(PageNo, u16)> {
        loop {
            let (no, _) = path.top()?;
            let page = store.page(no)?;
            let view = BTreePage::parse(&page, no, store.usable_size())?;
            let count = view.cell_count();
            if view.kind().is_leaf() {
                let last = count
                    .checked_sub(1)
                    .ok_or(view.corrupt("empty leaf under an interior page"))?;
                return Ok((no, last));
            }
            let child = view.child(count)?;
            drop(page);
            path.push(child, count)?;
        }
    }
}

/// Binary search over `count` cells with `compare(i)` giving cell `i`'s
/// key against the sought one.
fn search(count: u16, mut compare: impl FnMut(u16) -> Result<Ordering>) -> Result<Position> {
    let (mut low, mut high) = (0u16, count);
    while low < high {
        let mid = low + (high - low) / 2;
        match compare(mid)? {
            Ordering::Less => low = mid + 1,
            Ordering::Greater => high = mid,
            Ordering::Equal => return Ok(Position::At(mid)),
        }
    }
    Ok(Position::Before(low))
}

/// Frees the overflow chain of cell `index` on `view`, if it has one.
fn free_overflow_of<S: PageStore>(store: &S, view: &BTreePage<'_>, index: u16) -> Result<()> {
    let cell = view.cell(index)?;
    match cell {
        Cell::TableLeaf { payload, .. }
        | Cell::IndexLeaf { payload }
        | Cell::IndexInterior { payload, .. } => {
            if let Some(first) = payload.first_overflow() {
                free_chain(
                    store,
                    view.number(),
                    first,
                    payload.size(),
                    payload.local().len() as u32,
                )?;
            }
            Ok(())
        }
        Cell::TableInterior { .. } => Ok(()),
    }
}

/// Pads a cell to the 4 bytes a page gives every cell.
pub(crate) fn pad_cell<A: Allocator>(cell: &mut Vec<u8, A>) -> Result<()> {
    if cell.len() < 4 {
        cell.try_resize(4, 0)?;
    }
    Ok(())
}
