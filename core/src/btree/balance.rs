//! Balancing: making a page's intended content fit the tree again.
//!
//! An insert or delete that cannot be done in place leaves the page's
//! intended cells in a [`CellList`]. [`TreeWriter::settle`] then walks up
//! the path from that page:
//!
//! - a non-root page whose cells fit and fill at least a third of it is
//!   written and the walk stops;
//! - otherwise the page and up to two siblings are redistributed: their
//!   cells (with the dividers between them brought down from the parent,
//!   except on table leaves, whose dividers are copies of rowids) are
//!   spread over as few pages as hold them, evened out, and the parent's
//!   intended content becomes its cells with the old dividers replaced by
//!   new ones; the walk continues at the parent;
//! - a root that does not fit moves its content to a fresh child and
//!   becomes an interior page above it (the tree grows one level, every
//!   leaf staying at the same depth); an interior root left with no cells
//!   takes in its only child's content when it fits (the tree shrinks).
//!
//! Root pages never move, so the schema's root page numbers stay true.
//! Cells are moved as bytes: a payload's overflow chain moves with it, and
//! index cells keep the same local part on leaf and interior pages (the
//! format uses one rule for both), so only the 4-byte child pointer is
//! added or removed when an index entry changes level.

use crate::alloc::Allocator;
use crate::btree::cell_list::CellList;
use crate::btree::layout::PageLayout;
use crate::btree::page::{BTreePage, PageKind, header_offset};
use crate::btree::payload::PayloadKind;
use crate::btree::source::PageStore;
use crate::btree::writer::{Path, TreeWriter};
use crate::format::{Reader, Varint};
use crate::{Error, PageNo, Result};

/// Bytes of a cell pointer.
const POINTER_LEN: usize = 2;

/// Siblings taken into one redistribution, at most.
const MAX_SIBLINGS: usize = 3;

/// Pages one redistribution may produce: the siblings' cells plus one
/// overflowing cell fit in one more page than there were siblings.
const MAX_PAGES: usize = MAX_SIBLINGS + 2;

impl<A: Allocator + Clone> TreeWriter<A> {
    /// Writes the content in `self.current` to the page at `path.depth()`,
    /// of `kind`, rebalancing up the path as needed.
    pub(crate) fn settle<S: PageStore>(
        &mut self,
        store: &S,
        path: &mut Path,
        mut kind: PageKind,
    ) -> Result<()> {
        let usable = store.usable_size() as usize;
        loop {
            let (page_no, _) = path.top()?;
            let capacity = usable - header_offset(page_no) - kind.header_len();
            let used = self.current.page_bytes();
            if path.depth() == 0 {
                if used <= capacity {
                    return self.write_root(store, page_no, kind);
                }
                self.deepen(store, path, kind)?;
                continue;
            }
            if used <= capacity && used * 3 >= capacity && !self.current.is_empty() {
                return self.write_page(store, page_no, kind);
            }
            match self.redistribute(store, path, kind)? {
                Step::Done => return Ok(()),
                Step::Parent(parent_kind) => kind = parent_kind,
            }
        }
    }

    /// Writes `self.current` to page `no` as a page of `kind`.
    fn write_page<S: PageStore>(&mut self, store: &S, no: PageNo, kind: PageKind) -> Result<()> {
        let mut page = store.page_mut(no)?;
        let right = if kind.is_leaf() {
            None
        } else {
            self.current.right()
        };
        PageLayout::new(&mut page, no, store.usable_size()).rebuild(
            kind,
            self.current.iter(),
            right,
        )
    }

    /// Writes the root, collapsing an interior root with no cells into it
    /// when its only child's content fits there.
    fn write_root<S: PageStore>(&mut self, store: &S, root: PageNo, kind: PageKind) -> Result<()> {
        if kind.is_leaf() || !self.current.is_empty() {
            return self.write_page(store, root, kind);
        }
        let child = self
            .current
            .right()
            .ok_or(Error::corrupt(root, "interior page without a right child"))?;
        let child_kind = {
            let page = store.page(child)?;
            let view = BTreePage::parse(&page, child, store.usable_size())?;
            self.current.load(&view, &page)?;
            view.kind()
        };
        let capacity = store.usable_size() as usize - header_offset(root) - child_kind.header_len();
        if self.current.page_bytes() > capacity {
            // The child does not fit in the root (page 1 has 100 bytes
            // less): keep the root as an interior page with one child.
            self.current.clear();
            self.current.set_right(Some(child));
            return self.write_page(store, root, kind);
        }
        self.write_page(store, root, child_kind)?;
        store.free(child)
    }

    /// Moves the root's intended content to a fresh child page and makes
    /// the root an interior page whose only child that is. The path grows
    /// by one level; the child is then balanced as any page.
    fn deepen<S: PageStore>(&mut self, store: &S, path: &mut Path, kind: PageKind) -> Result<()> {
        let (root, _) = path.top()?;
        let child = store.allocate()?.0;
        let interior = crate::btree::writer::interior_of(kind);
        {
            let mut page = store.page_mut(root)?;
            let mut layout = PageLayout::new(&mut page, root, store.usable_size());
            layout.rebuild(interior, core::iter::empty(), Some(child))?;
        }
        path.push_below_root(child)
    }

    /// Spreads the page at the top of the path and its siblings over as
    /// many pages as their cells need, then replaces the old dividers in
    /// the parent with new ones (see [`TreeWriter::update_parent`]).
    fn redistribute<S: PageStore>(
        &mut self,
        store: &S,
        path: &mut Path,
        kind: PageKind,
    ) -> Result<Step> {
        let usable = store.usable_size();
        let (_, child_index) = path.top()?;
        let (parent_no, _) = path.parent()?;
        let divider_moves = kind != PageKind::TableLeaf;

        // The parent's cells (its page stays as it is until written).
        let parent_kind;
        let mut siblings = [None::<PageNo>; MAX_SIBLINGS];
        let first;
        let count;
        {
            let page = store.page(parent_no)?;
            let parent = BTreePage::parse(&page, parent_no, usable)?;
            parent_kind = parent.kind();
            if parent_kind.is_leaf() || parent_kind.is_table() != kind.is_table() {
                return Err(parent.corrupt("a child's kind does not match its parent's"));
            }
            let children = usize::from(parent.cell_count()) + 1;
            let child_index = usize::from(child_index);
            count = children.min(MAX_SIBLINGS);
            first = child_index.saturating_sub(1).min(children - count);
            for (slot, index) in siblings.iter_mut().zip(first..first + count) {
                *slot = Some(parent.child(index as u16)?);
            }
            // The dividers between the siblings, brought down below.
            self.parent.clear();
            let reader = Reader::for_page(&page, parent_no);
            for index in first..first + count - 1 {
                let index = index as u16;
                let (_, size) = parent.cell_with_size(index)?;
                self.parent
                    .push(reader.slice(parent.cell_pointer(index)?, size)?)?;
            }
        }

        // Gather every sibling's cells, dividers brought down between them.
        self.combined.clear();
        let mut last_right = None;
        for (j, sibling) in siblings.iter().take(count).enumerate() {
            let sibling = sibling.ok_or(Error::Misuse("sibling slot empty"))?;
            let index = first + j;
            let right = if index == usize::from(child_index) {
                for c in 0..self.current.len() {
                    self.combined.push(self.current.get(c)?)?;
                }
                self.current.right()
            } else {
                let page = store.page(sibling)?;
                let view = BTreePage::parse(&page, sibling, usable)?;
                if view.kind() != kind {
                    return Err(view.corrupt("siblings of different kinds"));
                }
                let reader = Reader::for_page(&page, sibling);
                for c in 0..view.cell_count() {
                    let (_, size) = view.cell_with_size(c)?;
                    self.combined
                        .push(reader.slice(view.cell_pointer(c)?, size)?)?;
                }
                view.right_child()?
            };
            last_right = right;
            if j + 1 < count && divider_moves {
                let divider = self.parent.get(j)?;
                match kind {
                    PageKind::IndexLeaf => {
                        let body = index_body(divider, usable, 4, parent_no)?;
                        self.combined.push(body)?;
                    }
                    PageKind::TableInterior | PageKind::IndexInterior => {
                        let child = right.ok_or(Error::corrupt(
                            sibling,
                            "interior page without a right child",
                        ))?;
                        let body = divider
                            .get(4..)
                            .ok_or(Error::corrupt(parent_no, "divider cell too short"))?;
                        let at = self.combined.len();
                        self.combined.insert_with_child(
                            at,
                            child,
                            body_of(body, divider, kind, usable, parent_no)?,
                        )?;
                    }
                    PageKind::TableLeaf => {}
                }
            }
        }

        // Decide the groups: page j takes cells `plan.start(j)..plan.end(j)`,
        // and with moving dividers the cell at `plan.end(j)` goes up.
        let capacity = usable as usize - kind.header_len();
        // An append packs the left pages full, as SQLite's quick balance
        // does, so ascending inserts leave full pages behind them.
        let even_out = !core::mem::take(&mut self.appending);
        let plan = Plan::make(&self.combined, capacity, divider_moves, even_out)?;

        // Page numbers: the siblings first, then fresh pages.
        let mut numbers = [None::<PageNo>; MAX_PAGES];
        for (j, slot) in numbers.iter_mut().enumerate().take(plan.pages) {
            *slot = match siblings.get(j).copied().flatten() {
                Some(no) if j < count => Some(no),
                _ => Some(store.allocate()?.0),
            };
        }
        for no in siblings.iter().take(count).skip(plan.pages).flatten() {
            store.free(*no)?;
        }
        let number = |j: usize| -> Result<PageNo> {
            numbers
                .get(j)
                .copied()
                .flatten()
                .ok_or(Error::Misuse("page number slot empty"))
        };

        // Write the pages.
        for j in 0..plan.pages {
            let no = number(j)?;
            let (start, end) = (plan.start(j)?, plan.end(j)?);
            let right = if kind.is_leaf() {
                None
            } else if j + 1 == plan.pages {
                last_right
            } else {
                Some(left_child(self.combined.get(end)?, no)?)
            };
            let mut page = store.page_mut(no)?;
            let cells = (start..end).map(|c| self.combined.get(c).unwrap_or(&[]));
            PageLayout::new(&mut page, no, usable).rebuild(kind, cells, right)?;
        }

        // The new dividers: page j's key bound, pointing at page j.
        self.parent.clear();
        for j in 0..plan.pages - 1 {
            let no = number(j)?;
            let end = plan.end(j)?;
            match kind {
                PageKind::TableLeaf => {
                    let rowid = table_leaf_rowid(self.combined.get(end - 1)?, no)?;
                    let varint = Varint::new(rowid as u64);
                    self.parent.insert_with_child(j, no, varint.as_bytes())?;
                }
                PageKind::TableInterior | PageKind::IndexInterior => {
                    let divider = self.combined.get(end)?;
                    let body = divider
                        .get(4..)
                        .ok_or(Error::corrupt(no, "divider cell too short"))?;
                    let body = body_of(body, divider, kind, usable, no)?;
                    self.parent.insert_with_child(j, no, body)?;
                }
                PageKind::IndexLeaf => {
                    let divider = self.combined.get(end)?;
                    let body = index_body(divider, usable, 0, no)?;
                    self.parent.insert_with_child(j, no, body)?;
                }
            }
        }
        let last = number(plan.pages - 1)?;
        self.update_parent(store, path, parent_kind, first, count - 1, last)
    }

    /// Replaces, in the parent of the page at the top of the path, the
    /// `removed` dividers starting at child `first` with the dividers in
    /// `self.parent`, and points child `first` (after them) at `last`.
    ///
    /// When the result fits the parent page and leaves it at least a third
    /// full (or, for the root, with a cell), the page is edited in place
    /// and balancing is done. Otherwise the parent's intended content goes
    /// to `self.current`, the path moves up to it, and balancing goes on
    /// there.
    pub(crate) fn update_parent<S: PageStore>(
        &mut self,
        store: &S,
        path: &mut Path,
        parent_kind: PageKind,
        first: usize,
        removed: usize,
        last: PageNo,
    ) -> Result<Step> {
        let usable = store.usable_size();
        let (parent_no, _) = path.parent()?;
        let parent_is_root = path.depth() == 1;
        let mut page = store.page_mut(parent_no)?;
        let mut layout = PageLayout::new(&mut page, parent_no, usable);
        let view = layout.view()?;
        let cells = usize::from(view.cell_count());
        let mut freed = 0;
        for index in first..first + removed {
            freed += view.cell_with_size(index as u16)?.1 + POINTER_LEN;
        }
        let capacity = usable as usize - header_offset(parent_no) - parent_kind.header_len();
        let used = capacity.saturating_sub(layout.free_space()?);
        let used_after = (used + self.parent.page_bytes()).saturating_sub(freed);
        let cells_after = cells + self.parent.len() - removed;
        let in_place = used_after <= capacity
            && cells_after > 0
            && (parent_is_root || used_after * 3 >= capacity);
        if in_place {
            for _ in 0..removed {
                layout.remove_cell(first as u16)?;
            }
            if first == cells - removed {
                layout.set_right_child(last)?;
            } else {
                layout.set_left_child(first as u16, last)?;
            }
            self.scratch.try_resize(usable as usize, 0)?;
            for (j, divider) in self.parent.iter().enumerate() {
                if !layout.try_insert_cell((first + j) as u16, divider, &mut self.scratch)? {
                    return Err(Error::Misuse(
                        "a divider did not fit where room was counted",
                    ));
                }
            }
            return Ok(Step::Done);
        }
        let view = BTreePage::parse(&page, parent_no, usable)?;
        self.current.load(&view, &page)?;
        drop(page);
        for _ in 0..removed {
            self.current.remove(first)?;
        }
        if first == self.current.len() {
            self.current.set_right(Some(last));
        } else {
            self.current.set_left_child(first, last)?;
        }
        for (j, divider) in self.parent.iter().enumerate() {
            self.current.insert(first + j, divider)?;
        }
        path.pop()?;
        Ok(Step::Parent(parent_kind))
    }
}

/// Where balancing stands after one level.
pub(crate) enum Step {
    /// Every page on the path is written.
    Done,
    /// The parent's intended content is in `current` and the path is at
    /// the parent, of this kind: balance it next.
    Parent(PageKind),
}

/// How a redistribution spreads the combined cells over pages: page `j`
/// takes cells `start(j)..end(j)`; when dividers move (every kind but
/// table leaves), the cell at `end(j)` goes up to the parent between page
/// `j` and page `j + 1`.
struct Plan {
    ends: [usize; MAX_PAGES],
    pages: usize,
    divider_moves: bool,
}

impl Plan {
    /// The fewest pages of `capacity` bytes that hold `cells`, evened out
    /// from the right (when `even_out`) so the last page is not left
    /// nearly empty.
    fn make<A: Allocator>(
        cells: &CellList<A>,
        capacity: usize,
        divider_moves: bool,
        even_out: bool,
    ) -> Result<Self> {
        let mut plan = Plan {
            ends: [0; MAX_PAGES],
            pages: 0,
            divider_moves,
        };
        let n = cells.len();
        let size = |i: usize| cells.get(i).map_or(0, |c| c.len() + POINTER_LEN);
        let mut i = 0;
        loop {
            let mut used = 0;
            while i < n && used + size(i) <= capacity {
                used += size(i);
                i += 1;
            }
            plan.pages += 1;
            plan.set_end(plan.pages - 1, i)?;
            if i >= n {
                break;
            }
            if divider_moves {
                if i + 1 < n {
                    // The next cell goes up between this page and the next.
                    i += 1;
                } else {
                    // Only one cell is left: it cannot go up with no page
                    // after it, so the cell before it goes up instead and
                    // it makes the next page.
                    let end = i
                        .checked_sub(1)
                        .ok_or(Error::Misuse("a page too small for one cell"))?;
                    plan.set_end(plan.pages - 1, end)?;
                }
            }
        }
        let group = |start: usize, end: usize| (start..end).map(size).sum::<usize>();
        let evened = if even_out {
            plan.pages.saturating_sub(1)
        } else {
            0
        };
        for j in (0..evened).rev() {
            let mut left = group(plan.start(j)?, plan.end(j)?);
            let mut right = group(plan.start(j + 1)?, plan.end(j + 1)?);
            loop {
                let (start, end) = (plan.start(j)?, plan.end(j)?);
                if end <= start + 1 {
                    break;
                }
                // One cell moves right: the left page loses its last cell;
                // the right page gains it, or, when dividers move, gains
                // the old divider while the left's last cell goes up.
                let moved = if divider_moves { end } else { end - 1 };
                let left_after = left - size(end - 1);
                let right_after = right + size(moved);
                if right_after > capacity || right_after > left_after {
                    break;
                }
                plan.set_end(j, end - 1)?;
                (left, right) = (left_after, right_after);
            }
        }
        Ok(plan)
    }

    fn end(&self, j: usize) -> Result<usize> {
        self.ends
            .get(j)
            .copied()
            .ok_or(Error::Misuse("redistribution plan has no such page"))
    }

    fn start(&self, j: usize) -> Result<usize> {
        match j.checked_sub(1) {
            None => Ok(0),
            Some(before) if self.divider_moves => Ok(self.end(before)? + 1),
            Some(before) => self.end(before),
        }
    }

    fn set_end(&mut self, j: usize, end: usize) -> Result<()> {
        let slot = self
            .ends
            .get_mut(j)
            .ok_or(Error::Misuse("redistribution needs too many pages"))?;
        *slot = end;
        Ok(())
    }
}

/// The rowid of a table leaf cell: the varint after the payload size.
fn table_leaf_rowid(cell_bytes: &[u8], page: PageNo) -> Result<i64> {
    let reader = Reader::for_page(cell_bytes, page);
    let (_, size_len) = reader.varint(0)?;
    let (rowid, _) = reader.varint(size_len)?;
    Ok(rowid as i64)
}

/// The left child of an interior cell.
fn left_child(cell_bytes: &[u8], page: PageNo) -> Result<PageNo> {
    let raw = Reader::for_page(cell_bytes, page).u32(0)?;
    PageNo::new(raw).ok_or(Error::corrupt(page, "child pointer is 0"))
}

/// An index cell's payload part (payload size varint, local bytes,
/// overflow link) without padding, starting `skip` bytes in (4 for an
/// interior cell's child pointer). The local size follows from the
/// payload size and the page's usable size, as on the page.
pub(crate) fn index_body(
    cell_bytes: &[u8],
    usable: u32,
    skip: usize,
    page: PageNo,
) -> Result<&[u8]> {
    let (size, size_len) = Reader::for_page(cell_bytes, page).varint(skip)?;
    let size = u32::try_from(size).map_err(|_| Error::corrupt(page, "index payload too large"))?;
    let local = PayloadKind::Index.local_size(usable, size);
    let link = if local < size { 4 } else { 0 };
    let len = size_len + local as usize + link;
    cell_bytes
        .get(skip..skip + len)
        .ok_or(Error::corrupt(page, "index cell shorter than its payload"))
}

/// The part of an interior divider after its child pointer, without the
/// padding a short cell carries.
fn body_of<'c>(
    body: &'c [u8],
    whole: &[u8],
    kind: PageKind,
    usable: u32,
    page: PageNo,
) -> Result<&'c [u8]> {
    let len = match kind {
        PageKind::TableInterior => Reader::for_page(body, page).varint(0)?.1,
        PageKind::IndexInterior => index_body(whole, usable, 4, page)?.len(),
        PageKind::TableLeaf | PageKind::IndexLeaf => {
            return Err(Error::Misuse("leaf cells carry no divider"));
        }
    };
    body.get(..len)
        .ok_or(Error::corrupt(page, "divider cell too short"))
}
