//! [`TreePath`]: the root-to-entry path both cursors move along.
//!
//! Each [`Level`] names a page, its cell count and kind, and an index: on
//! every level but the last, the child followed (`0..=count`, `count` being
//! the right-most child); on the last level, the cell the cursor is on.
//! Whether the path names an entry at all is its [`CursorState`], never
//! its depth: during a move the path is being rebuilt and the state is
//! `Unpositioned` until the cursor lands ([`TreePath::land`]).

use crate::btree::cell::{Cell, Payload};
use crate::btree::cursor::{CursorState, MAX_DEPTH, PayloadRef};
use crate::btree::overflow::read_payload;
use crate::btree::page::BTreePage;
use crate::btree::source::PageSource;
use crate::{Error, PageNo, Result, RowId};
use boundlite_alloc::{Allocator, Vec};

/// Which family of pages a tree is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TreeKind {
    /// Table B-tree: rows on leaves only.
    Table,
    /// Index B-tree: entries on every page.
    Index,
}

/// Which end of a subtree a descent heads for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Edge {
    First,
    Last,
}

/// One page on the path.
#[derive(Debug, Clone, Copy)]
struct Level {
    page: PageNo,
    index: u16,
    count: u16,
    leaf: bool,
}

const UNUSED: Level = Level {
    page: PageNo::ONE,
    index: 0,
    count: 0,
    leaf: true,
};

const NOT_POSITIONED: Error = Error::Misuse("cursor is not on an entry");

const MUST_RESEEK: Error = Error::Misuse("cursor saved its position: restore it before reading");

/// The path from a tree's root to the cursor's entry, and the cursor's
/// state; `K` is the key a saved position keeps.
pub(super) struct TreePath<'p, S, K> {
    source: &'p S,
    root: PageNo,
    tree: TreeKind,
    state: CursorState<K>,
    levels: [Level; MAX_DEPTH],
    depth: usize,
}

impl<'p, S: PageSource, K: Copy> TreePath<'p, S, K> {
    pub(super) const fn new(source: &'p S, root: PageNo, tree: TreeKind) -> Self {
        TreePath {
            source,
            root,
            tree,
            state: CursorState::Unpositioned,
            levels: [UNUSED; MAX_DEPTH],
            depth: 0,
        }
    }

    pub(super) const fn source(&self) -> &'p S {
        self.source
    }

    pub(super) const fn root(&self) -> PageNo {
        self.root
    }

    pub(super) const fn state(&self) -> CursorState<K> {
        self.state
    }

    pub(super) const fn is_positioned(&self) -> bool {
        matches!(self.state, CursorState::Valid)
    }

    /// The page of the entry the cursor is on, when it is on one.
    pub(super) fn page(&self) -> Option<PageNo> {
        match self.state {
            CursorState::Valid => self.top().ok().map(|level| level.page),
            _ => None,
        }
    }

    /// Forgets the position (and a saved key).
    pub(super) fn reset(&mut self) {
        self.state = CursorState::Unpositioned;
        self.depth = 0;
    }

    /// Ends a move: `Valid` when it landed on an entry, else (ran off an
    /// end, found nothing, failed half way) `Unpositioned`, so that a path
    /// is never left inconsistent.
    pub(super) fn land(&mut self, moved: Result<bool>) -> Result<bool> {
        match moved {
            Ok(true) => {
                self.state = CursorState::Valid;
                Ok(true)
            }
            Ok(false) => {
                self.reset();
                Ok(false)
            }
            Err(error) => {
                self.reset();
                Err(error)
            }
        }
    }

    /// Unpositions the cursor when an operation that keeps it where it is
    /// (a scan of its leaf) failed half way.
    pub(super) fn settle<T>(&mut self, result: Result<T>) -> Result<T> {
        if result.is_err() {
            self.reset();
        }
        result
    }

    /// `Valid` → `RequiresSeek { key }`: the path is no longer trusted, and
    /// the cursor's next move re-seeks `key`. Any other state is kept.
    pub(super) fn save(&mut self, key: K) {
        if self.is_positioned() {
            self.state = CursorState::RequiresSeek { key };
        }
    }

    /// Puts back a saved key after a re-seek did not find it, so that the
    /// next move still starts from it.
    pub(super) fn keep_saved(&mut self, key: K) {
        self.state = CursorState::RequiresSeek { key };
    }

    /// Moves to the first entry; `false` when the tree is empty.
    pub(super) fn first(&mut self) -> Result<bool> {
        self.start(Edge::First)
    }

    /// Moves to the last entry; `false` when the tree is empty.
    pub(super) fn last(&mut self) -> Result<bool> {
        self.start(Edge::Last)
    }

    fn start(&mut self, edge: Edge) -> Result<bool> {
        self.reset();
        self.push(self.root, edge)?;
        self.descend(edge)?;
        self.leave_empty_root()
    }

    /// Unpositions the cursor if it stands on the empty root leaf, the only
    /// page allowed no cells; `true` when it is on an entry.
    fn leave_empty_root(&mut self) -> Result<bool> {
        if self.top()?.count == 0 {
            self.reset();
            return Ok(false);
        }
        Ok(true)
    }

    /// Moves to the next entry; `false` past the last, or when the cursor
    /// was not on an entry. The caller [`land`](Self::land)s the result.
    pub(super) fn next(&mut self) -> Result<bool> {
        if !self.is_positioned() {
            return Ok(false);
        }
        self.advance()
    }

    /// [`next`](Self::next) on the path as it stands, whatever the state:
    /// within a move.
    fn advance(&mut self) -> Result<bool> {
        let top = self.top_mut()?;
        if !top.leaf {
            // On an index interior cell: its successor starts the subtree
            // to its right.
            top.index += 1;
            self.descend(Edge::First)?;
            return Ok(true);
        }
        top.index += 1;
        if top.index < top.count {
            return Ok(true);
        }
        loop {
            self.depth -= 1;
            let Some(parent) = self.levels.get_mut(self.depth.wrapping_sub(1)) else {
                self.reset();
                return Ok(false);
            };
            // The subtree just left was child `parent.index`.
            if parent.index < parent.count {
                match self.tree {
                    TreeKind::Index => return Ok(true),
                    TreeKind::Table => {
                        parent.index += 1;
                        self.descend(Edge::First)?;
                        return Ok(true);
                    }
                }
            }
        }
    }

    /// Moves to the previous entry; `false` before the first, or when the
    /// cursor was not on an entry. The caller [`land`](Self::land)s the
    /// result.
    pub(super) fn prev(&mut self) -> Result<bool> {
        if !self.is_positioned() {
            return Ok(false);
        }
        self.retreat()
    }

    /// [`prev`](Self::prev) on the path as it stands, whatever the state:
    /// within a move.
    fn retreat(&mut self) -> Result<bool> {
        let top = self.top_mut()?;
        if !top.leaf {
            // On an index interior cell: its predecessor ends its left child.
            self.descend(Edge::Last)?;
            return Ok(true);
        }
        if top.index > 0 {
            top.index -= 1;
            return Ok(true);
        }
        loop {
            self.depth -= 1;
            let Some(parent) = self.levels.get_mut(self.depth.wrapping_sub(1)) else {
                self.reset();
                return Ok(false);
            };
            if parent.index > 0 {
                parent.index -= 1;
                match self.tree {
                    TreeKind::Index => return Ok(true),
                    TreeKind::Table => {
                        self.descend(Edge::Last)?;
                        return Ok(true);
                    }
                }
            }
        }
    }

    /// Descends from the root to the leaf where the entries for which
    /// `after` (given a page and a cell index on it) is true begin,
    /// `after` being false then true along the tree's order. Leaves the last level's index at the first cell of
    /// that leaf for which it is true (possibly the leaf's cell count).
    pub(super) fn descend_to(
        &mut self,
        after: impl FnMut(&BTreePage<'_>, u16) -> Result<bool>,
    ) -> Result<()> {
        self.descend_then(after, |_, _| Ok(()))
    }

    /// [`descend_to`](Self::descend_to), then `at_leaf` on the leaf and
    /// the index the cursor landed on, from the same visit to the page.
    pub(super) fn descend_then<R>(
        &mut self,
        mut after: impl FnMut(&BTreePage<'_>, u16) -> Result<bool>,
        at_leaf: impl FnOnce(&BTreePage<'_>, u16) -> Result<R>,
    ) -> Result<R> {
        let search = |page: &BTreePage<'_>| {
            let (mut low, mut high) = (0, page.cell_count());
            while low < high {
                let mid = low + (high - low) / 2;
                if after(page, mid)? {
                    high = mid;
                } else {
                    low = mid + 1;
                }
            }
            Ok(low)
        };
        self.descend_by(search, at_leaf)
    }

    /// Descends from the root to a leaf, `search` giving on each page the
    /// index the descent goes on from (at most its cell count), then
    /// `at_leaf` on the leaf and the index the cursor landed on, from the
    /// same visit to the page.
    pub(super) fn descend_by<R>(
        &mut self,
        mut search: impl FnMut(&BTreePage<'_>) -> Result<u16>,
        at_leaf: impl FnOnce(&BTreePage<'_>, u16) -> Result<R>,
    ) -> Result<R> {
        self.reset();
        let mut no = self.root;
        // One visit to each page: pushed, searched and left from the
        // same bytes.
        loop {
            self.admit(no)?;
            let bytes = self.source.page(no)?;
            let page = BTreePage::parse(&bytes, no, self.source.usable_size())?;
            let level = self.push_page(&page, Edge::First)?;
            let low = search(&page)?.min(level.count);
            self.top_mut()?.index = low;
            if level.leaf {
                return at_leaf(&page, low);
            }
            no = self.checked_child(&page, low)?;
        }
    }

    /// Within the table leaf the cursor is on (`Valid`), when `key`
    /// (given the leaf and a cell index, the cell's key) orders `target`
    /// between the leaf's first and last keys: moves to the cell whose key
    /// is `target`, `Some(true)`, or unpositions the cursor when there is
    /// none, `Some(false)` (a table's keys are unique and its leaves hold
    /// them in order, so no other leaf can hold it). `None`, the cursor
    /// unmoved, when the target is not between them: the caller descends
    /// from the root. A seek near the last one reads one page.
    pub(super) fn seek_in_leaf(
        &mut self,
        target: i64,
        key: impl Fn(&BTreePage<'_>, u16) -> Result<i64>,
    ) -> Result<Option<bool>> {
        if self.tree != TreeKind::Table {
            return Ok(None);
        }
        let level = self.entry_level()?;
        if !level.leaf || level.count == 0 {
            return Ok(None);
        }
        let bytes = self.source.page(level.page)?;
        let page = BTreePage::parse(&bytes, level.page, self.source.usable_size())?;
        let last = level.count - 1;
        if target < key(&page, 0)? || target > key(&page, last)? {
            return Ok(None);
        }
        let (mut low, mut high) = (0, level.count);
        while low < high {
            let mid = low + (high - low) / 2;
            if key(&page, mid)? >= target {
                high = mid;
            } else {
                low = mid + 1;
            }
        }
        if low < level.count && key(&page, low)? == target {
            self.top_mut()?.index = low;
            return Ok(Some(true));
        }
        self.reset();
        Ok(Some(false))
    }

    /// After [`descend_to`](Self::descend_to): moves to the first entry for
    /// which `after` was true.
    pub(super) fn settle_on_first(&mut self) -> Result<bool> {
        let top = self.top_mut()?;
        if top.index < top.count {
            return Ok(true);
        }
        if top.count == 0 {
            self.reset();
            return Ok(false);
        }
        top.index = top.count - 1;
        self.advance()
    }

    /// After [`descend_to`](Self::descend_to): moves to the last entry for
    /// which `after` was false.
    pub(super) fn settle_on_last(&mut self) -> Result<bool> {
        let top = self.top_mut()?;
        if top.index > 0 {
            top.index -= 1;
            return Ok(true);
        }
        if top.count == 0 {
            self.reset();
            return Ok(false);
        }
        self.retreat()
    }

    /// Runs `f` on the cell the cursor is on.
    pub(super) fn with_cell<R>(&self, f: impl FnOnce(&Cell<'_>, PageNo) -> Result<R>) -> Result<R> {
        self.entry_level()?;
        self.with_landing_cell(f)
    }

    /// Runs `f` on the cell the path ends at, within a move (before it
    /// lands).
    pub(super) fn with_landing_cell<R>(
        &self,
        f: impl FnOnce(&Cell<'_>, PageNo) -> Result<R>,
    ) -> Result<R> {
        let level = self.top()?;
        let bytes = self.source.page(level.page)?;
        let page = BTreePage::parse(&bytes, level.page, self.source.usable_size())?;
        f(&page.cell(level.index)?, level.page)
    }

    /// Runs `f` on the page the cursor is on and its cell index there.
    pub(super) fn with_page<R>(
        &self,
        f: impl FnOnce(&BTreePage<'_>, u16) -> Result<R>,
    ) -> Result<R> {
        let level = self.entry_level()?;
        let bytes = self.source.page(level.page)?;
        let page = BTreePage::parse(&bytes, level.page, self.source.usable_size())?;
        f(&page, level.index)
    }

    /// The payload of the cell the cursor is on, borrowed from its page or
    /// assembled in `buffer`.
    pub(super) fn payload<'c, A: Allocator>(
        &self,
        buffer: &'c mut Vec<u8, A>,
    ) -> Result<PayloadRef<'c, S::Page<'p>>> {
        Ok(self.entry(buffer)?.1)
    }

    /// The rowid (for a table cell) and payload of the cell the cursor is
    /// on, from one visit to its page: a scan reads both for every row.
    pub(super) fn entry<'c, A: Allocator>(
        &self,
        buffer: &'c mut Vec<u8, A>,
    ) -> Result<(Option<i64>, PayloadRef<'c, S::Page<'p>>)> {
        let source: &'p S = self.source;
        let level = self.entry_level()?;
        let bytes = source.page(level.page)?;
        let page = BTreePage::parse(&bytes, level.page, source.usable_size())?;
        // A table cursor rests on leaves only; an index cursor on any
        // page. Either reads the cell's payload without the rest of it.
        let (rowid, payload) = match self.tree {
            TreeKind::Table => page
                .table_row(level.index)
                .map(|(rowid, payload)| (Some(rowid), payload))?,
            TreeKind::Index => (None, page.index_payload(level.index)?),
        };
        if payload.first_overflow().is_none() {
            let (start, len) = (payload.local_offset(), payload.local().len());
            return Ok((rowid, PayloadRef::on_page(bytes, start, len)));
        }
        read_payload(source, level.page, &payload, buffer)?;
        Ok((rowid, PayloadRef::in_buffer(buffer)))
    }

    /// Visits the rows of the table leaf the cursor is on, from its cell
    /// to the leaf's last, from one visit to the page, until `visit`
    /// (given a row's rowid, its payload and the page it is on) stops at
    /// one: the cursor is then on that row (`true`). Otherwise it is left
    /// on the leaf's last row (`false`), for [`next`](Self::next) to
    /// move on.
    pub(super) fn scan_leaf(
        &mut self,
        mut visit: impl FnMut(RowId, &Payload<'_>, PageNo) -> Result<bool>,
    ) -> Result<bool> {
        let source: &'p S = self.source;
        let level = self.entry_level()?;
        if self.tree != TreeKind::Table || !level.leaf {
            return Err(Error::Misuse("only table leaves are scanned"));
        }
        let bytes = source.page(level.page)?;
        let page = BTreePage::parse(&bytes, level.page, source.usable_size())?;
        let mut index = level.index;
        let stopped = loop {
            let (rowid, payload) = page.table_row(index)?;
            let stop = visit(RowId::new(rowid), &payload, level.page)?;
            if stop || index.saturating_add(1) >= level.count {
                break stop;
            }
            index += 1;
        };
        self.top_mut()?.index = index;
        Ok(stopped)
    }

    /// The page of the cell the cursor is on.
    pub(super) fn page_number(&self) -> Result<PageNo> {
        Ok(self.entry_level()?.page)
    }

    /// The last level, when the cursor is on an entry (`Valid`).
    fn entry_level(&self) -> Result<Level> {
        match self.state {
            CursorState::Valid => self.top(),
            CursorState::Unpositioned => Err(NOT_POSITIONED),
            CursorState::RequiresSeek { .. } => Err(MUST_RESEEK),
        }
    }

    fn top(&self) -> Result<Level> {
        self.levels
            .get(self.depth.wrapping_sub(1))
            .copied()
            .ok_or(NOT_POSITIONED)
    }

    fn top_mut(&mut self) -> Result<&mut Level> {
        self.levels
            .get_mut(self.depth.wrapping_sub(1))
            .ok_or(NOT_POSITIONED)
    }

    /// From the last level, follows its current child down to a leaf,
    /// taking the first or the last child (and cell) at every level.
    fn descend(&mut self, edge: Edge) -> Result<()> {
        let level = self.top()?;
        if level.leaf {
            return Ok(());
        }
        // Each page is read once: pushed from the bytes its child is
        // then found in.
        let mut bytes = self.source.page(level.page)?;
        loop {
            let level = self.top()?;
            if level.leaf {
                return Ok(());
            }
            let page = BTreePage::parse(&bytes, level.page, self.source.usable_size())?;
            let child = self.checked_child(&page, level.index)?;
            self.admit(child)?;
            let child_bytes = self.source.page(child)?;
            self.push_page(
                &BTreePage::parse(&child_bytes, child, self.source.usable_size())?,
                edge,
            )?;
            bytes = child_bytes;
        }
    }

    /// Child `index` of `page`, checked to exist in the database.
    fn checked_child(&self, page: &BTreePage<'_>, index: u16) -> Result<PageNo> {
        let child = page.child(index)?;
        if child.get() > self.source.page_count() {
            return Err(page.corrupt("child page number past the end of the database"));
        }
        Ok(child)
    }

    /// Adds page `no` as the path's last level, at the `edge` end of it.
    fn push(&mut self, no: PageNo, edge: Edge) -> Result<()> {
        self.admit(no)?;
        let bytes = self.source.page(no)?;
        let page = BTreePage::parse(&bytes, no, self.source.usable_size())?;
        self.push_page(&page, edge).map(|_| ())
    }

    /// Checks, before it is read, that page `no` may be the path's next
    /// level: not already on it, and not page 1 below the root.
    fn admit(&self, no: PageNo) -> Result<()> {
        let parent = self.top().map_or(no, |level| level.page);
        let visited = self.levels.get(..self.depth).unwrap_or_default();
        if visited.iter().any(|level| level.page == no) {
            return Err(Error::corrupt(parent, "b-tree page is its own ancestor"));
        }
        // Page 1 is the schema's root, so it is never anyone's child.
        if no == PageNo::ONE && self.depth > 0 {
            return Err(Error::corrupt(parent, "child pointer to page 1"));
        }
        Ok(())
    }

    /// [`push`](Self::push) of a page already read, which
    /// [`admit`](Self::admit) let in: the level it adds.
    fn push_page(&mut self, page: &BTreePage<'_>, edge: Edge) -> Result<Level> {
        let no = page.number();
        let parent = self.top().map_or(no, |level| level.page);
        let is_table = page.kind().is_table();
        if is_table != (self.tree == TreeKind::Table) {
            return Err(page.corrupt("page belongs to the other kind of b-tree"));
        }
        let count = page.cell_count();
        if count == 0 && self.depth > 0 {
            return Err(page.corrupt("b-tree page other than the root has no cells"));
        }
        let leaf = page.kind().is_leaf();
        let index = match edge {
            Edge::First => 0,
            Edge::Last if leaf => count.saturating_sub(1),
            Edge::Last => count,
        };
        let slot = self
            .levels
            .get_mut(self.depth)
            .ok_or(Error::corrupt(parent, "b-tree is deeper than 20 levels"))?;
        let level = Level {
            page: no,
            index,
            count,
            leaf,
        };
        *slot = level;
        self.depth += 1;
        Ok(level)
    }
}
