//! [`IndexBuild`]: fills an empty index B-tree from keys that come in
//! ascending order, bottom up, as `CREATE INDEX` does after sorting its
//! keys.
//!
//! Each level of the tree has one open page, the right-most; the top
//! level's open page is always the root. A key is appended to the open
//! leaf. When a page cannot take a cell, its own last cell leaves it to
//! become the divider in the level above (an index keeps its keys on
//! interior pages too), the page is done, and a fresh open page starts
//! with the cell that did not fit; so no page is ever left empty. When
//! the root itself is full, its content moves to a fresh page below it
//! and the root starts the next level up (SQLite's `balance_deeper`), so
//! the root keeps its page number. Interior pages learn their right-most
//! child when they are done (the child of the cell that left them) or at
//! [`finish`](IndexBuild::finish) (the open page below them).
//!
//! Each page is written while open and never again once done; the pages
//! come out full but for their last cell, as appends leave them in
//! SQLite. Like the writer, the build works inside its caller's write
//! transaction and leaves committing or rolling back to it.

use crate::alloc::Allocator;
use crate::btree::balance::index_body;
use crate::btree::cursor::MAX_DEPTH;
use crate::btree::layout::PageLayout;
use crate::btree::page::{BTreePage, PageKind};
use crate::btree::payload::PayloadKind;
use crate::btree::source::PageStore;
use crate::btree::writer::{TreeWriter, pad_cell};
use crate::format::Reader;
use crate::{Error, PageNo, Result};

/// The build of one index B-tree: [`push`](Self::push) its keys in
/// order, then [`finish`](Self::finish).
pub struct IndexBuild<'w, S: PageStore, A: Allocator + Clone> {
    writer: &'w mut TreeWriter<A>,
    store: &'w S,
    /// The open page of each level, leaves first; the last is the root.
    open: [PageNo; MAX_DEPTH],
    height: usize,
}

impl<A: Allocator + Clone> TreeWriter<A> {
    /// Starts building the index rooted at `root`, which must be an empty
    /// index leaf (a tree [`create_tree`](Self::create_tree) made).
    pub fn build_index<'w, S: PageStore>(
        &'w mut self,
        store: &'w S,
        root: PageNo,
    ) -> Result<IndexBuild<'w, S, A>> {
        {
            let page = store.page(root)?;
            let view = BTreePage::parse(&page, root, store.usable_size())?;
            if view.kind() != PageKind::IndexLeaf || view.cell_count() != 0 {
                return Err(Error::Misuse("an index is built only into an empty index"));
            }
        }
        if root.get() == 1 {
            return Err(Error::Misuse("page 1 is the schema table's root"));
        }
        let usable = store.usable_size() as usize;
        if self.scratch.len() != usable {
            self.scratch.try_resize(usable, 0)?;
        }
        Ok(IndexBuild {
            writer: self,
            store,
            open: [root; MAX_DEPTH],
            height: 1,
        })
    }
}

impl<S: PageStore, A: Allocator + Clone> IndexBuild<'_, S, A> {
    /// Appends `key` (a record), which must sort after every key pushed
    /// before it.
    pub fn push(&mut self, key: &[u8]) -> Result<()> {
        self.writer
            .build_payload_cell(self.store, PayloadKind::Index, None, key)?;
        self.add(0)
    }

    /// Appends the cell in the writer's `cell` buffer to the open page of
    /// `level`, closing full pages up the levels as it goes.
    fn add(&mut self, mut level: usize) -> Result<()> {
        let usable = self.store.usable_size();
        loop {
            let no = self.open_at(level)?;
            {
                let mut page = self.store.page_mut(no)?;
                let mut layout = PageLayout::new(&mut page, no, usable);
                // An open page only ever had cells appended: its free
                // space is all gap.
                if layout.append_to_gap(&self.writer.cell)? {
                    return Ok(());
                }
            }
            if level + 1 == self.height {
                self.deepen()?;
            }
            let done = self.open_at(level)?;
            // The full page's last cell leaves it for the level above;
            // `other` keeps its bytes meanwhile.
            let kind = {
                let mut page = self.store.page_mut(done)?;
                let view = BTreePage::parse(&page, done, usable)?;
                let kind = view.kind();
                let last = view
                    .cell_count()
                    .checked_sub(1)
                    .ok_or(Error::Misuse("a cell larger than an empty page"))?;
                let (_, size) = view.cell_with_size(last)?;
                let child = match kind {
                    PageKind::IndexInterior => Some(view.child(last)?),
                    _ => None,
                };
                let at = view.cell_pointer(last)?;
                let bytes = Reader::for_page(&page, done).slice(at, size)?;
                self.writer.other.clear();
                self.writer.other.try_extend_from_slice(bytes)?;
                let mut layout = PageLayout::new(&mut page, done, usable);
                if let Some(child) = child {
                    layout.set_right_child(child)?;
                }
                layout.remove_cell(last)?;
                kind
            };
            // The cell that did not fit opens a fresh page.
            let (fresh, mut page) = self.store.allocate()?;
            let cells = core::iter::once(self.writer.cell.as_slice());
            let right = match kind {
                PageKind::IndexInterior => Some(done),
                _ => None,
            };
            // The right child is set for real when the page is done.
            PageLayout::new(&mut page, fresh, usable).rebuild(kind, cells, right)?;
            drop(page);
            if let Some(slot) = self.open.get_mut(level) {
                *slot = fresh;
            }
            // The divider: the cell that left, under the page it left.
            let skip = if kind == PageKind::IndexInterior {
                4
            } else {
                0
            };
            let body = index_body(&self.writer.other, usable, skip, done)?;
            self.writer.cell.clear();
            self.writer
                .cell
                .try_extend_from_slice(&done.get().to_be_bytes())?;
            self.writer.cell.try_extend_from_slice(body)?;
            pad_cell(&mut self.writer.cell)?;
            level += 1;
        }
    }

    /// Moves the full root's content to a fresh page, which becomes the
    /// open page of the root's level, and makes the root an empty
    /// interior page one level up.
    fn deepen(&mut self) -> Result<()> {
        if self.height >= MAX_DEPTH {
            return Err(Error::Misuse("an index deeper than the depth limit"));
        }
        let root = self.open_at(self.height - 1)?;
        let usable = self.store.usable_size();
        {
            let page = self.store.page(root)?;
            let bytes = page
                .get(..usable as usize)
                .ok_or(Error::Misuse("a page shorter than its usable size"))?;
            self.writer.scratch.copy_from_slice(bytes);
        }
        let (below, mut page) = self.store.allocate()?;
        page.get_mut(..usable as usize)
            .ok_or(Error::Misuse("a page shorter than its usable size"))?
            .copy_from_slice(&self.writer.scratch);
        drop(page);
        {
            let mut page = self.store.page_mut(root)?;
            let mut layout = PageLayout::new(&mut page, root, usable);
            layout.init(PageKind::IndexInterior)?;
            layout.set_right_child(below)?;
        }
        if let Some(slot) = self.open.get_mut(self.height - 1) {
            *slot = below;
        }
        if let Some(slot) = self.open.get_mut(self.height) {
            *slot = root;
        }
        self.height += 1;
        Ok(())
    }

    /// Ends the build: each open interior page takes the open page below
    /// it as its right-most child.
    pub fn finish(self) -> Result<()> {
        let usable = self.store.usable_size();
        for level in 1..self.height {
            let (no, child) = (self.open_at(level)?, self.open_at(level - 1)?);
            let mut page = self.store.page_mut(no)?;
            PageLayout::new(&mut page, no, usable).set_right_child(child)?;
        }
        Ok(())
    }

    fn open_at(&self, level: usize) -> Result<PageNo> {
        self.open
            .get(level)
            .copied()
            .ok_or(Error::Misuse("index level past the depth limit"))
    }
}
