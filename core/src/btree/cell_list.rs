//! [`CellList`]: a page's cells held off the page while the page is being
//! rebuilt or rebalanced.
//!
//! Cells are stored as their on-page bytes (at least 4 each, as a page
//! allocates them), appended to one reusable buffer; a span list keeps
//! their order, so inserting or removing a cell moves spans, not bytes.
//! Both buffers live in the tree writer and are reused, so steady-state
//! balancing allocates nothing.

use crate::alloc::{Allocator, Vec};
use crate::btree::cell::MIN_CELL_SIZE;
use crate::btree::page::BTreePage;
use crate::format::Reader;
use crate::{Error, PageNo, Result};

/// Where one cell's bytes lie in the buffer.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: usize,
    len: usize,
}

/// An ordered list of cells and, for interior pages, a right-most child.
pub(crate) struct CellList<A: Allocator> {
    bytes: Vec<u8, A>,
    spans: Vec<Span, A>,
    right: Option<PageNo>,
}

impl<A: Allocator + Clone> CellList<A> {
    pub(crate) fn new_in(alloc: A) -> Self {
        Self {
            bytes: Vec::new_in(alloc.clone()),
            spans: Vec::new_in(alloc),
            right: None,
        }
    }
}

impl<A: Allocator> CellList<A> {
    pub(crate) fn clear(&mut self) {
        self.bytes.clear();
        self.spans.clear();
        self.right = None;
    }

    /// Replaces the list with the cells and right child of `page`.
    pub(crate) fn load(&mut self, page: &BTreePage<'_>, bytes: &[u8]) -> Result<()> {
        self.clear();
        let reader = Reader::for_page(bytes, page.number());
        for index in 0..page.cell_count() {
            let at = page.cell_pointer(index)?;
            let (_, size) = page.cell_at(at)?;
            self.push(reader.slice(at, size)?)?;
        }
        self.right = page.right_child()?;
        Ok(())
    }

    pub(crate) fn len(&self) -> usize {
        self.spans.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    pub(crate) fn right(&self) -> Option<PageNo> {
        self.right
    }

    pub(crate) fn set_right(&mut self, child: Option<PageNo>) {
        self.right = child;
    }

    /// Cell `index`'s bytes.
    pub(crate) fn get(&self, index: usize) -> Result<&[u8]> {
        let span = self
            .spans
            .get(index)
            .ok_or(Error::Misuse("cell list index out of range"))?;
        self.bytes
            .get(span.start..span.start + span.len)
            .ok_or(Error::Misuse("cell list span out of range"))
    }

    /// The cells in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &[u8]> {
        self.spans.iter().map(|span| {
            self.bytes
                .get(span.start..span.start + span.len)
                .unwrap_or(&[])
        })
    }

    /// Bytes the cells take on a page, pointers included.
    pub(crate) fn page_bytes(&self) -> usize {
        self.spans.iter().map(|s| s.len + 2).sum()
    }

    /// Appends a cell, padded to the 4 bytes a page gives every cell.
    pub(crate) fn push(&mut self, cell: &[u8]) -> Result<()> {
        let index = self.len();
        self.insert(index, cell)
    }

    /// Inserts a cell at `index`, padded to at least 4 bytes.
    pub(crate) fn insert(&mut self, index: usize, cell: &[u8]) -> Result<()> {
        if index > self.spans.len() {
            return Err(Error::Misuse("cell list index out of range"));
        }
        let start = self.bytes.len();
        let len = cell.len().max(MIN_CELL_SIZE);
        self.spans.try_reserve(1)?;
        self.bytes.try_extend_from_slice(cell)?;
        // Only a cell shorter than a page allocates needs padding; a
        // balance moves hundreds of cells, nearly all long enough.
        if cell.len() < len {
            self.bytes.try_resize(start + len, 0)?;
        }
        let span = Span { start, len };
        if index == self.spans.len() {
            self.spans.try_push(span)?;
        } else {
            self.spans.try_insert(index, span)?;
        }
        Ok(())
    }

    /// Inserts the 4-byte child pointer `child` followed by `body` at
    /// `index`: an interior cell built from a divider's parts.
    pub(crate) fn insert_with_child(
        &mut self,
        index: usize,
        child: PageNo,
        body: &[u8],
    ) -> Result<()> {
        if index > self.spans.len() {
            return Err(Error::Misuse("cell list index out of range"));
        }
        let start = self.bytes.len();
        let len = (4 + body.len()).max(MIN_CELL_SIZE);
        self.spans.try_reserve(1)?;
        self.bytes
            .try_extend_from_slice(&child.get().to_be_bytes())?;
        self.bytes.try_extend_from_slice(body)?;
        self.bytes.try_resize(start + len, 0)?;
        self.spans.try_insert(index, Span { start, len })?;
        Ok(())
    }

    /// Removes cell `index` from the order (its bytes stay until `clear`).
    pub(crate) fn remove(&mut self, index: usize) -> Result<()> {
        if index >= self.spans.len() {
            return Err(Error::Misuse("cell list index out of range"));
        }
        self.spans.remove(index);
        Ok(())
    }

    /// Sets the left child of interior cell `index` (its first 4 bytes).
    pub(crate) fn set_left_child(&mut self, index: usize, child: PageNo) -> Result<()> {
        let span = *self
            .spans
            .get(index)
            .ok_or(Error::Misuse("cell list index out of range"))?;
        self.bytes
            .get_mut(span.start..span.start + 4)
            .ok_or(Error::Misuse("cell list span out of range"))?
            .copy_from_slice(&child.get().to_be_bytes());
        Ok(())
    }
}
