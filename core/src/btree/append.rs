//! Rows appended to a table B-tree in rowid order without a descent each
//! (SQLite's `OPFLAG_APPEND` with its cursor left at the end): a
//! [`RightEdge`] remembers the tree's rightmost leaf and its largest
//! rowid, and a row past that rowid whose cell fits on the leaf is placed
//! there directly. Anything else (a row that does not fit, spills to
//! overflow pages or does not come last) goes through the
//! [`TreeWriter`], which balances, and the edge is found again when the
//! next row comes.
//!
//! Invariants: a table B-tree's rightmost child pointers carry no key, so
//! a cell added after the last of the rightmost leaf changes no page but
//! that leaf, and the tree stays ordered. What an edge knows holds only
//! while nothing else changes the tree: whoever keeps one says whether
//! it may still be trusted (see `stamp`), and an edge not trusted is
//! found again before it is used.

use boundlite_alloc::{Allocator, Vec};

use crate::btree::cell::MIN_CELL_SIZE;
use crate::btree::cursor::MAX_DEPTH;
use crate::btree::layout::PageLayout;
use crate::btree::page::BTreePage;
use crate::btree::payload::PayloadKind;
use crate::btree::source::PageStore;
use crate::btree::spill::{PayloadBytes, payload_size};
use crate::btree::writer::TreeWriter;
use crate::format::Varint;
use crate::{Error, PageNo, Result, RowId};

/// The rightmost leaf of one table B-tree, as last seen, with the buffers
/// an append reuses.
pub struct RightEdge<A: Allocator> {
    root: PageNo,
    /// The rightmost leaf, when known.
    leaf: Option<PageNo>,
    /// The tree's largest rowid (`Some(None)` while it is empty), when
    /// known: a row placed elsewhere leaves it as it is.
    last: Option<Option<i64>>,
    /// Whether the tree is as this edge's last append left it, so that
    /// finding the leaf is worth it when the leaf is not known: rows
    /// appended one after another pay for it once, a lone row never.
    warm: bool,
    /// Set by the keeper of the edge to what says whether the tree may
    /// have changed since it was last used (a change counter); the edge
    /// only carries it.
    pub stamp: Option<u64>,
    cell: Vec<u8, A>,
}

/// Why a row was not placed on the rightmost leaf.
enum Missed {
    /// It does not come after the largest rowid.
    OutOfOrder,
    /// The leaf is not known, the row spills, or the leaf is full.
    Other,
}

impl<A: Allocator> RightEdge<A> {
    /// An edge of the table rooted at `root`, not known yet; allocates
    /// nothing until a row is appended.
    pub fn new_in(root: PageNo, alloc: A) -> Self {
        RightEdge {
            root,
            leaf: None,
            last: None,
            warm: false,
            stamp: None,
            cell: Vec::new_in(alloc),
        }
    }

    /// The root of the tree the edge is of.
    pub fn root(&self) -> PageNo {
        self.root
    }

    /// Makes this the edge of the table rooted at `root`, forgetting
    /// what it knew of another.
    pub fn retarget(&mut self, root: PageNo) {
        if root != self.root {
            self.root = root;
            self.forget();
            self.stamp = None;
        }
    }

    /// Forgets what the edge knew, the tree having changed since: the
    /// next append goes through the writer.
    pub fn forget(&mut self) {
        self.leaf = None;
        self.last = None;
        self.warm = false;
    }

    /// The tree's largest rowid (`Some(None)` when it is empty), when
    /// known.
    pub fn last_rowid(&self) -> Option<Option<i64>> {
        self.last
    }

    /// Stores `record` as row `rowid` unless a row with that rowid is
    /// there; returns whether it stored it (as
    /// [`TreeWriter::insert_new_row_from`]).
    pub fn append<S: PageStore, P: PayloadBytes + ?Sized, B: Allocator + Clone>(
        &mut self,
        writer: &mut TreeWriter<B>,
        store: &S,
        rowid: RowId,
        record: &P,
    ) -> Result<bool> {
        let missed = match self.try_place(store, rowid.get(), record) {
            Ok(None) => return Ok(true),
            Ok(Some(missed)) => missed,
            Err(e) => {
                self.forget();
                return Err(e);
            }
        };
        // The writer may split the rightmost leaf, wherever the row goes.
        self.leaf = None;
        let last = self.last.take();
        self.warm = false;
        let stored = writer.insert_new_row_from(store, self.root, rowid, record)?;
        self.last = match (missed, last) {
            (Missed::OutOfOrder, last) => last,
            (Missed::Other, Some(_)) if stored => Some(Some(rowid.get())),
            (Missed::Other, _) => None,
        };
        self.warm = true;
        Ok(stored)
    }

    /// Places the row on the rightmost leaf when it comes after the
    /// largest rowid, stays on the page and fits; otherwise says why not,
    /// having changed nothing.
    fn try_place<S: PageStore, P: PayloadBytes + ?Sized>(
        &mut self,
        store: &S,
        rowid: i64,
        record: &P,
    ) -> Result<Option<Missed>> {
        if self.last.flatten().is_some_and(|last| rowid <= last) {
            return Ok(Some(Missed::OutOfOrder));
        }
        if self.leaf.is_none() && self.warm {
            let (leaf, last) = rightmost_leaf(store, self.root)?;
            (self.leaf, self.last) = (Some(leaf), Some(last));
            if last.is_some_and(|last| rowid <= last) {
                return Ok(Some(Missed::OutOfOrder));
            }
        }
        let Some(leaf) = self.leaf else {
            return Ok(Some(Missed::Other));
        };
        let usable = store.usable_size();
        let size = payload_size(record)?;
        if size > PayloadKind::Table.max_local(usable) {
            return Ok(Some(Missed::Other));
        }
        self.cell.clear();
        self.cell
            .try_extend_from_slice(Varint::new(u64::from(size)).as_bytes())?;
        self.cell
            .try_extend_from_slice(Varint::new(rowid as u64).as_bytes())?;
        let start = self.cell.len();
        self.cell
            .try_resize((start + size as usize).max(MIN_CELL_SIZE), 0)?;
        let payload = self
            .cell
            .get_mut(start..start + size as usize)
            .ok_or(Error::Misuse("cell shorter than its payload"))?;
        record.fill(0, payload)?;
        let mut page = store.page_mut(leaf)?;
        // Only the gap: a leaf whose free space lies in freeblocks takes
        // the row through the writer, which defragments with its own
        // scratch page.
        if !PageLayout::new(&mut page, leaf, usable).append_to_gap(&self.cell)? {
            return Ok(Some(Missed::Other));
        }
        self.last = Some(Some(rowid));
        Ok(None)
    }
}

/// The rightmost leaf of the table rooted at `root`, and its largest
/// rowid (`None` when it holds no row).
fn rightmost_leaf<S: PageStore>(store: &S, root: PageNo) -> Result<(PageNo, Option<i64>)> {
    let mut no = root;
    for _ in 0..MAX_DEPTH {
        let page = store.page(no)?;
        let view = BTreePage::parse(&page, no, store.usable_size())?;
        if !view.kind().is_table() {
            return Err(view.corrupt("table b-tree page is not a table page"));
        }
        if view.kind().is_leaf() {
            let last = match view.cell_count().checked_sub(1) {
                Some(i) => Some(view.rowid_at(i)?),
                None => None,
            };
            return Ok((no, last));
        }
        no = view
            .right_child()?
            .ok_or(view.corrupt("interior page without a right child"))?;
    }
    Err(Error::corrupt(
        root,
        "table b-tree deeper than any real one",
    ))
}
