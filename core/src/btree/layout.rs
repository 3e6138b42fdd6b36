//! [`PageLayout`]: changing a B-tree page's cells in place, keeping the
//! layout SQLite's integrity check expects.
//!
//! A page is a header, a cell pointer array growing down the page, free
//! space (the gap), and a cell content area growing up from the end, where
//! cells sit among freeblocks (a sorted, linked list of unused runs of at
//! least 4 bytes) and fragments (runs of 1 to 3 bytes, counted in the
//! header). This module places a cell (in the gap, in a freeblock, or after
//! defragmenting), frees a cell's bytes (merging them with neighbouring
//! freeblocks, fragments and the gap as SQLite's `freeSpace` does), and
//! rewrites a whole page from a list of cells.
//!
//! Invariants kept on every page written here:
//! - freeblocks are in ascending order, never adjacent, never overlapping
//!   cells, at least 4 bytes each, and none touches the gap;
//! - the fragment count equals the bytes of the content area that belong to
//!   no cell and no freeblock, and never exceeds 60 (past that the page is
//!   defragmented instead);
//! - a content area start of 65536 is stored as 0.

use crate::btree::page::{BTreePage, PageKind, header_offset};
use crate::format::Reader;
use crate::{Error, PageNo, Result};

/// Bytes of one entry of the cell pointer array.
const POINTER_LEN: usize = 2;

/// SQLite defragments a page rather than let its fragment count pass this.
const MAX_FRAGMENTED: usize = 60;

/// A page's bytes, open for editing.
pub(crate) struct PageLayout<'a> {
    bytes: &'a mut [u8],
    number: PageNo,
    usable: usize,
    header: usize,
}

impl<'a> PageLayout<'a> {
    /// Edits page `number`, whose first `usable` bytes belong to the B-tree.
    pub(crate) fn new(bytes: &'a mut [u8], number: PageNo, usable: u32) -> Self {
        Self {
            bytes,
            number,
            usable: usable as usize,
            header: header_offset(number),
        }
    }

    /// A checked view of the page as it is now.
    pub(crate) fn view(&self) -> Result<BTreePage<'_>> {
        BTreePage::parse(self.bytes, self.number, self.usable as u32)
    }

    /// Makes the page an empty page of `kind`.
    pub(crate) fn init(&mut self, kind: PageKind) -> Result<()> {
        let header_len = kind.header_len();
        self.range_mut(self.header, header_len)?.fill(0);
        self.put_u8(0, kind.to_byte())?;
        self.set_content_start(self.usable)
    }

    /// Bytes available for cells and their pointers: the gap, the
    /// freeblocks and the fragments.
    pub(crate) fn free_space(&self) -> Result<usize> {
        let page = self.view()?;
        let gap = page.content_start() - page.cell_pointers_end();
        let mut free = gap + usize::from(page.fragmented_bytes());
        for block in page.freeblocks() {
            free += block?.size;
        }
        Ok(free)
    }

    /// Inserts `cell` (its on-page bytes, at least 4) as cell `index`, if the
    /// page has room; returns `false`, leaving the page untouched, when it
    /// has not. `scratch` (at least `usable` bytes) is used to defragment.
    pub(crate) fn try_insert_cell(
        &mut self,
        index: u16,
        cell: &[u8],
        scratch: &mut [u8],
    ) -> Result<bool> {
        let page = self.view()?;
        let count = page.cell_count();
        if index > count {
            return Err(Error::Misuse("cell index past the end of the page"));
        }
        if self.free_space()? < cell.len() + POINTER_LEN {
            return Ok(false);
        }
        let offset = self.allocate(cell.len(), scratch)?;
        self.range_mut(offset, cell.len())?.copy_from_slice(cell);
        let pointers = self.header + self.view()?.kind().header_len();
        let at = pointers + POINTER_LEN * usize::from(index);
        let end = pointers + POINTER_LEN * usize::from(count);
        // Shift the pointers after `index` to make room for the new one.
        self.range_mut(at, end + POINTER_LEN - at)?
            .copy_within(0..end - at, POINTER_LEN);
        self.put_u16_at(at, offset)?;
        self.put_u16(3, count + 1)?;
        Ok(true)
    }

    /// Appends `cell` after the page's last cell, taking its bytes from
    /// the gap: the fast path of a page filled in key order. Returns
    /// `false`, leaving the page untouched, when the gap cannot take it
    /// (freeblocks and fragments are left to
    /// [`try_insert_cell`](Self::try_insert_cell)).
    pub(crate) fn append_to_gap(&mut self, cell: &[u8]) -> Result<bool> {
        let page = self.view()?;
        let (count, end, start) = (
            page.cell_count(),
            page.cell_pointers_end(),
            page.content_start(),
        );
        if start < end + POINTER_LEN + cell.len() {
            return Ok(false);
        }
        let top = start - cell.len();
        self.range_mut(top, cell.len())?.copy_from_slice(cell);
        self.put_u16_at(end, top)?;
        self.put_u16(3, count + 1)?;
        self.set_content_start(top)?;
        Ok(true)
    }

    /// Removes cell `index`, freeing its bytes.
    pub(crate) fn remove_cell(&mut self, index: u16) -> Result<()> {
        let page = self.view()?;
        let count = page.cell_count();
        let offset = page.cell_pointer(index)?;
        let (_, size) = page.cell_with_size(index)?;
        let pointers = self.header + page.kind().header_len();
        let at = pointers + POINTER_LEN * usize::from(index);
        let end = pointers + POINTER_LEN * usize::from(count);
        self.free(offset, size)?;
        self.range_mut(at, end - at)?.copy_within(POINTER_LEN.., 0);
        self.put_u16(3, count - 1)
    }

    /// Rewrites the page as a page of `kind` holding `cells` in order (each
    /// its on-page bytes) and, on interior pages, `right_child`. `Misuse`
    /// if they do not fit: callers size their pages first.
    pub(crate) fn rebuild<'c>(
        &mut self,
        kind: PageKind,
        cells: impl Iterator<Item = &'c [u8]>,
        right_child: Option<PageNo>,
    ) -> Result<()> {
        self.init(kind)?;
        if let Some(child) = right_child {
            self.set_right_child(child)?;
        }
        let pointers = self.header + kind.header_len();
        let mut top = self.usable;
        let mut count = 0usize;
        for cell in cells {
            let at = pointers + POINTER_LEN * count;
            top = top
                .checked_sub(cell.len())
                .filter(|top| *top >= at + POINTER_LEN)
                .ok_or(Error::Misuse("cells do not fit the page being rebuilt"))?;
            self.range_mut(top, cell.len())?.copy_from_slice(cell);
            self.put_u16_at(at, top)?;
            count += 1;
        }
        let count = u16::try_from(count).map_err(|_| Error::Misuse("too many cells for a page"))?;
        self.put_u16(3, count)?;
        self.set_content_start(top)
    }

    /// Sets the right-most child of an interior page.
    pub(crate) fn set_right_child(&mut self, child: PageNo) -> Result<()> {
        let at = self.header + 8;
        self.range_mut(at, 4)?
            .copy_from_slice(&child.get().to_be_bytes());
        Ok(())
    }

    /// Sets the left child of interior cell `index`.
    pub(crate) fn set_left_child(&mut self, index: u16, child: PageNo) -> Result<()> {
        let offset = self.view()?.cell_pointer(index)?;
        self.range_mut(offset, 4)?
            .copy_from_slice(&child.get().to_be_bytes());
        Ok(())
    }

    /// Moves every cell to the end of the page, leaving one gap and no
    /// freeblocks or fragments. `scratch` holds a copy of the page meanwhile.
    pub(crate) fn defragment(&mut self, scratch: &mut [u8]) -> Result<()> {
        let copy = scratch
            .get_mut(..self.usable)
            .ok_or(Error::Misuse("defragment scratch smaller than the page"))?;
        copy.copy_from_slice(self.range(0, self.usable)?);
        let old = BTreePage::parse(copy, self.number, self.usable as u32)?;
        let pointers = self.header + old.kind().header_len();
        let mut top = self.usable;
        for index in 0..old.cell_count() {
            let (_, size) = old.cell_with_size(index)?;
            let from = old.cell_pointer(index)?;
            let cell = Reader::for_page(copy, self.number).slice(from, size)?;
            top = top
                .checked_sub(size)
                .filter(|top| *top >= old.cell_pointers_end())
                .ok_or(self.corrupt("cells overlap: they do not fit the page"))?;
            self.range_mut(top, size)?.copy_from_slice(cell);
            self.put_u16_at(pointers + POINTER_LEN * usize::from(index), top)?;
        }
        self.put_u16(1, 0)?;
        self.put_u8(7, 0)?;
        self.set_content_start(top)
    }

    /// Finds `size` bytes in the content area: a freeblock that fits
    /// (first fit, as SQLite's `pageFindSlot`), else the gap, else the gap
    /// after defragmenting. The caller checked the page has the room.
    fn allocate(&mut self, size: usize, scratch: &mut [u8]) -> Result<usize> {
        let page = self.view()?;
        let gap = page.content_start() - page.cell_pointers_end();
        // The pointer array needs two bytes of the gap whatever happens.
        if gap >= POINTER_LEN {
            if let Some(offset) = self.take_freeblock(size)? {
                return Ok(offset);
            }
        }
        if gap < size + POINTER_LEN {
            self.defragment(scratch)?;
        }
        let page = self.view()?;
        let top = page.content_start() - size;
        if top < page.cell_pointers_end() + POINTER_LEN {
            return Err(self.corrupt("free space accounting disagrees with the page"));
        }
        self.set_content_start(top)?;
        Ok(top)
    }

    /// Takes `size` bytes from the first freeblock big enough: its tail when
    /// at least 4 bytes remain, else the whole block (the rest becoming a
    /// fragment), unless that would push fragments past the limit.
    fn take_freeblock(&mut self, size: usize) -> Result<Option<usize>> {
        let page = self.view()?;
        let fragmented = usize::from(page.fragmented_bytes());
        let mut link = self.header + 1;
        for block in page.freeblocks() {
            let block = block?;
            if block.size >= size {
                let rest = block.size - size;
                if rest >= 4 {
                    self.put_u16_at(block.offset + 2, rest)?;
                    return Ok(Some(block.offset + rest));
                }
                if fragmented + rest > MAX_FRAGMENTED {
                    return Ok(None);
                }
                let next = self.u16_at(block.offset)?;
                self.put_u16_at(link, next)?;
                self.put_u8(7, (fragmented + rest) as u8)?;
                return Ok(Some(block.offset));
            }
            link = block.offset;
        }
        Ok(None)
    }

    /// Returns `size` bytes at `start` to the free space, as SQLite's
    /// `freeSpace`: merged with a freeblock or fragment right after or right
    /// before it, and into the gap when it borders the content area start.
    fn free(&mut self, start: usize, size: usize) -> Result<()> {
        let page = self.view()?;
        let content_start = page.content_start();
        let mut fragmented = usize::from(page.fragmented_bytes());
        let mut begin = start;
        let mut end = start + size;
        // The freeblocks before and after the freed run.
        let mut before: Option<(usize, usize)> = None;
        let mut after: Option<(usize, usize)> = None;
        let mut link = self.header + 1;
        for block in page.freeblocks() {
            let block = block?;
            if block.offset < start {
                before = Some((block.offset, block.size));
                link = block.offset;
            } else {
                after = Some((block.offset, block.size));
                break;
            }
        }
        if let Some((offset, _)) = before
            && offset + self.u16_at(offset + 2)? > start
        {
            return Err(self.corrupt("freed cell overlaps a freeblock"));
        }
        let mut next = after.map_or(0, |(offset, _)| offset);
        if let Some((offset, block_size)) = after {
            if offset < end {
                return Err(self.corrupt("freed cell overlaps a freeblock"));
            }
            // Up to 3 bytes between the run and the next block are a
            // fragment: absorb it and the block.
            if offset - end <= 3 {
                fragmented = fragmented
                    .checked_sub(offset - end)
                    .ok_or(self.corrupt("fragment count smaller than the fragments"))?;
                end = offset + block_size;
                next = self.u16_at(offset)?;
            }
        }
        if let Some((offset, block_size)) = before {
            let block_end = offset + block_size;
            if start - block_end <= 3 {
                fragmented = fragmented
                    .checked_sub(start - block_end)
                    .ok_or(self.corrupt("fragment count smaller than the fragments"))?;
                begin = offset;
                // The merged block replaces `before` in the list: relink
                // from the block before it.
                link = self.link_to(offset)?;
            }
        }
        self.put_u8(7, fragmented as u8)?;
        if begin == content_start {
            // The run borders the gap: the content area shrinks instead.
            self.put_u16_at(link, next)?;
            return self.set_content_start(end);
        }
        self.put_u16_at(begin, next)?;
        self.put_u16_at(begin + 2, end - begin)?;
        self.put_u16_at(link, begin)
    }

    /// The offset of the link (a freeblock's first field, or the header's
    /// first-freeblock field) that points at the freeblock at `target`.
    fn link_to(&self, target: usize) -> Result<usize> {
        let mut link = self.header + 1;
        for block in self.view()?.freeblocks() {
            let block = block?;
            if block.offset == target {
                return Ok(link);
            }
            link = block.offset;
        }
        Err(self.corrupt("freeblock not on the list"))
    }

    fn set_content_start(&mut self, start: usize) -> Result<()> {
        // 65536 does not fit the field; the format stores it as 0.
        self.put_u16(5, if start == 65536 { 0 } else { start })
    }

    fn corrupt(&self, reason: &'static str) -> Error {
        Error::corrupt(self.number, reason)
    }

    fn range(&self, offset: usize, len: usize) -> Result<&[u8]> {
        self.bytes
            .get(offset..offset.saturating_add(len))
            .filter(|_| offset + len <= self.usable)
            .ok_or(self.corrupt("write past the usable size"))
    }

    fn range_mut(&mut self, offset: usize, len: usize) -> Result<&mut [u8]> {
        let usable = self.usable;
        let number = self.number;
        self.bytes
            .get_mut(offset..offset.saturating_add(len))
            .filter(|_| offset + len <= usable)
            .ok_or(Error::corrupt(number, "write past the usable size"))
    }

    fn u16_at(&self, offset: usize) -> Result<usize> {
        Ok(usize::from(
            Reader::for_page(self.bytes, self.number).u16(offset)?,
        ))
    }

    fn put_u8(&mut self, field: usize, value: u8) -> Result<()> {
        let at = self.header + field;
        self.range_mut(at, 1)?.copy_from_slice(&[value]);
        Ok(())
    }

    fn put_u16(&mut self, field: usize, value: impl TryInto<u16>) -> Result<()> {
        self.put_u16_at(self.header + field, value)
    }

    fn put_u16_at(&mut self, offset: usize, value: impl TryInto<u16>) -> Result<()> {
        let value: u16 = value
            .try_into()
            .map_err(|_| Error::Misuse("page field value past 65535"))?;
        self.range_mut(offset, 2)?
            .copy_from_slice(&value.to_be_bytes());
        Ok(())
    }
}
