//! The four cell layouts, parsed into [`Cell`].
//!
//! | page kind | cell |
//! |---|---|
//! | table leaf (0x0d) | payload size varint, rowid varint, local payload, first overflow page (4 bytes, when the payload spills) |
//! | table interior (0x05) | left child page (4 bytes), rowid varint |
//! | index leaf (0x0a) | payload size varint, local payload, first overflow page (when it spills) |
//! | index interior (0x02) | left child page (4 bytes), payload size varint, local payload, first overflow page (when it spills) |
//!
//! How much of a payload is local follows from its size alone
//! ([`crate::btree::payload`]). A cell occupies at least 4 bytes on its
//! page, however short its encoding, as SQLite allocates it. Parsing checks
//! every part against the usable size of the page and rejects child and
//! overflow pointers to page 0; whether a page number exists in the file is
//! the reader's to check, as only it knows the page count.

use crate::btree::page::PageKind;
use crate::btree::payload::{MAX_PAYLOAD_SIZE, PayloadKind};
use crate::format::Reader;
use crate::{Error, PageNo, Result};

/// SQLite never gives a cell fewer bytes than this, so it can become a
/// freeblock when deleted.
pub const MIN_CELL_SIZE: usize = 4;

/// One parsed cell, borrowing the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell<'a> {
    /// A row of a table: its rowid and its record.
    TableLeaf {
        /// The row's key.
        rowid: i64,
        /// The row's record.
        payload: Payload<'a>,
    },
    /// A divider of a table B-tree: every rowid under `left_child` is at
    /// most `rowid`.
    TableInterior {
        /// The subtree of keys up to `rowid`.
        left_child: PageNo,
        /// The largest key `left_child` may hold.
        rowid: i64,
    },
    /// An index entry on a leaf.
    IndexLeaf {
        /// The entry's key record (indexed columns, then the rowid).
        payload: Payload<'a>,
    },
    /// An index entry on an interior page; every entry under `left_child`
    /// sorts before it.
    IndexInterior {
        /// The subtree of keys before this entry.
        left_child: PageNo,
        /// The entry's key record.
        payload: Payload<'a>,
    },
}

impl<'a> Cell<'a> {
    /// The left child, on interior pages.
    pub const fn left_child(&self) -> Option<PageNo> {
        match self {
            Cell::TableInterior { left_child, .. } | Cell::IndexInterior { left_child, .. } => {
                Some(*left_child)
            }
            Cell::TableLeaf { .. } | Cell::IndexLeaf { .. } => None,
        }
    }

    /// The rowid, on table pages.
    pub const fn rowid(&self) -> Option<i64> {
        match self {
            Cell::TableLeaf { rowid, .. } | Cell::TableInterior { rowid, .. } => Some(*rowid),
            Cell::IndexLeaf { .. } | Cell::IndexInterior { .. } => None,
        }
    }

    /// The payload, on every page kind but table interior.
    pub const fn payload(&self) -> Option<&Payload<'a>> {
        match self {
            Cell::TableLeaf { payload, .. }
            | Cell::IndexLeaf { payload }
            | Cell::IndexInterior { payload, .. } => Some(payload),
            Cell::TableInterior { .. } => None,
        }
    }
}

/// A cell's payload: its full size, the part stored on the page, and where
/// the rest continues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Payload<'a> {
    size: u32,
    local: &'a [u8],
    local_offset: usize,
    overflow: Option<PageNo>,
}

impl<'a> Payload<'a> {
    /// A payload of `size` bytes of which `local` (found at `local_offset`
    /// on its page) are on the page and the rest start at `overflow`.
    pub const fn new(
        size: u32,
        local: &'a [u8],
        local_offset: usize,
        overflow: Option<PageNo>,
    ) -> Self {
        Payload {
            size,
            local,
            local_offset,
            overflow,
        }
    }

    /// The payload's full size in bytes.
    pub const fn size(&self) -> u32 {
        self.size
    }

    /// The bytes stored on the page: all of them unless the payload spills.
    pub const fn local(&self) -> &'a [u8] {
        self.local
    }

    /// Where the local bytes start on the page.
    pub const fn local_offset(&self) -> usize {
        self.local_offset
    }

    /// The first overflow page, when the payload spills.
    pub const fn first_overflow(&self) -> Option<PageNo> {
        self.overflow
    }

    /// The whole payload, when none of it spills.
    pub const fn as_complete(&self) -> Option<&'a [u8]> {
        match self.overflow {
            None => Some(self.local),
            Some(_) => None,
        }
    }
}

/// Parses the cell at `offset` on a page of `kind` whose usable bytes are
/// `page`; returns it and the bytes it occupies.
pub fn parse(page: Reader<'_>, kind: PageKind, offset: usize) -> Result<(Cell<'_>, usize)> {
    let (cell, end) = match kind {
        PageKind::TableInterior => {
            let left_child = child(page, offset)?;
            let (rowid, len) = page.varint(offset + 4)?;
            let rowid = rowid as i64;
            (Cell::TableInterior { left_child, rowid }, offset + 4 + len)
        }
        PageKind::TableLeaf => {
            let (size, len) = payload_size(page, offset)?;
            let (rowid, rowid_len) = page.varint(offset + len)?;
            let rowid = rowid as i64;
            let at = offset + len + rowid_len;
            let (payload, end) = payload(page, PayloadKind::Table, size, at)?;
            (Cell::TableLeaf { rowid, payload }, end)
        }
        PageKind::IndexLeaf => {
            let (size, len) = payload_size(page, offset)?;
            let (payload, end) = payload(page, PayloadKind::Index, size, offset + len)?;
            (Cell::IndexLeaf { payload }, end)
        }
        PageKind::IndexInterior => {
            let left_child = child(page, offset)?;
            let (size, len) = payload_size(page, offset + 4)?;
            let (payload, end) = payload(page, PayloadKind::Index, size, offset + 4 + len)?;
            let cell = Cell::IndexInterior {
                left_child,
                payload,
            };
            (cell, end)
        }
    };
    let size = (end - offset).max(MIN_CELL_SIZE);
    if offset + size > page.len() {
        return Err(page.corrupt("cell runs past the usable size"));
    }
    Ok((cell, size))
}

/// The payload of the index cell at `offset` on a page of `kind` whose
/// usable bytes are `page`, read without the rest of [`parse`]'s work:
/// the probe of an index search. `Misuse` on a table page.
#[inline]
pub fn index_payload(page: Reader<'_>, kind: PageKind, offset: usize) -> Result<Payload<'_>> {
    let at = match kind {
        PageKind::IndexLeaf => offset,
        PageKind::IndexInterior => offset + 4,
        PageKind::TableLeaf | PageKind::TableInterior => {
            return Err(Error::Misuse("table cell read as an index cell"));
        }
    };
    let (size, len) = payload_size(page, at)?;
    Ok(payload(page, PayloadKind::Index, size, at + len)?.0)
}

/// The rowid and payload of the table leaf cell at `offset` on a page
/// whose usable bytes are `page`, read without the rest of [`parse`]'s
/// work: a scan's per-row read.
#[inline]
pub fn table_row(page: Reader<'_>, offset: usize) -> Result<(i64, Payload<'_>)> {
    let (size, len) = payload_size(page, offset)?;
    let (rowid, rowid_len) = page.varint(offset + len)?;
    let (payload, _) = payload(page, PayloadKind::Table, size, offset + len + rowid_len)?;
    // Rowids are stored as the two's-complement bits of an i64.
    Ok((rowid as i64, payload))
}

/// The 4-byte child pointer that opens an interior cell.
fn child(page: Reader<'_>, at: usize) -> Result<PageNo> {
    PageNo::new(page.u32(at)?).ok_or(page.corrupt("cell's left child pointer is 0"))
}

/// The payload size varint at `at`, checked against SQLite's limit.
fn payload_size(page: Reader<'_>, at: usize) -> Result<(u32, usize)> {
    let (size, len) = page.varint(at)?;
    let size = u32::try_from(size)
        .ok()
        .filter(|&size| size <= MAX_PAYLOAD_SIZE)
        .ok_or(page.corrupt("cell payload is larger than SQLite allows"))?;
    Ok((size, len))
}

/// The local part of a payload of `size` bytes starting at `at`, and the
/// first overflow page after it; returns the payload and where the cell
/// ends.
fn payload(
    page: Reader<'_>,
    kind: PayloadKind,
    size: u32,
    at: usize,
) -> Result<(Payload<'_>, usize)> {
    let usable = page.len() as u32;
    let local_len = kind.local_size(usable, size) as usize;
    let local = page
        .slice(at, local_len)
        .map_err(|_| page.corrupt("cell runs past the usable size"))?;
    let mut end = at + local_len;
    let overflow = if local_len < size as usize {
        let raw = page
            .u32(end)
            .map_err(|_| page.corrupt("cell runs past the usable size"))?;
        end += 4;
        Some(PageNo::new(raw).ok_or(page.corrupt("cell's first overflow page is 0"))?)
    } else {
        None
    };
    Ok((Payload::new(size, local, at, overflow), end))
}
