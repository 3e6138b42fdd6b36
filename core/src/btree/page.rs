//! [`BTreePage`]: a checked, read-only view of one B-tree page.
//!
//! A B-tree page is laid out as follows (offsets from the start of the page
//! header, which is byte 100 on page 1, after the database header, and byte
//! 0 on every other page):
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 1 | page kind: 0x02, 0x05, 0x0a or 0x0d ([`PageKind`]) |
//! | 1 | 2 | offset of the first freeblock, 0 when there is none |
//! | 3 | 2 | number of cells |
//! | 5 | 2 | start of the cell content area, 0 meaning 65536 |
//! | 7 | 1 | fragmented free bytes in the content area |
//! | 8 | 4 | right-most child page (interior pages only) |
//!
//! The header (8 bytes on leaves, 12 on interior pages) is followed by the
//! cell pointer array, one big-endian `u16` offset per cell in key order;
//! cells themselves sit in the content area, which runs from its start to
//! the usable size (the page size less the reserved bytes at its end).
//!
//! [`BTreePage::parse`] checks the header once: the kind is known, the
//! pointer array ends at or before the content area, and the content area
//! starts at or before the usable size. Each cell access then checks that
//! its pointer lies in `[content start, usable size)` and that the cell ends
//! by the usable size. Anything else is `Error::Corrupt` naming the page.

use crate::btree::cell::{self, Cell, Payload};
use crate::format::{HEADER_SIZE, Reader, read_varint};
use crate::{Error, PageNo, Result};

/// The smallest usable size SQLite accepts (512-byte pages with 32 bytes
/// reserved).
pub const MIN_USABLE_SIZE: u32 = 480;

/// The largest usable size: a 65536-byte page with nothing reserved.
pub const MAX_USABLE_SIZE: u32 = 65536;

/// A page's header size on leaves; interior pages add the right-most child.
const LEAF_HEADER_LEN: usize = 8;

/// Bytes per cell pointer.
const CELL_POINTER_LEN: usize = 2;

/// The four kinds of B-tree page, by the flag byte that opens the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PageKind {
    /// 0x02: an interior page of an index B-tree.
    IndexInterior,
    /// 0x05: an interior page of a table B-tree.
    TableInterior,
    /// 0x0a: a leaf page of an index B-tree.
    IndexLeaf,
    /// 0x0d: a leaf page of a table B-tree.
    TableLeaf,
}

impl PageKind {
    /// The kind a header's flag byte names, or `None` for any other byte.
    ///
    /// ```
    /// use boundlite::btree::PageKind;
    /// assert_eq!(PageKind::from_byte(0x0d), Some(PageKind::TableLeaf));
    /// assert_eq!(PageKind::from_byte(0x01), None);
    /// assert_eq!(PageKind::IndexInterior.to_byte(), 0x02);
    /// ```
    pub const fn from_byte(byte: u8) -> Option<Self> {
        match byte {
            0x02 => Some(PageKind::IndexInterior),
            0x05 => Some(PageKind::TableInterior),
            0x0a => Some(PageKind::IndexLeaf),
            0x0d => Some(PageKind::TableLeaf),
            _ => None,
        }
    }

    /// The flag byte written at the start of the page header.
    pub const fn to_byte(self) -> u8 {
        match self {
            PageKind::IndexInterior => 0x02,
            PageKind::TableInterior => 0x05,
            PageKind::IndexLeaf => 0x0a,
            PageKind::TableLeaf => 0x0d,
        }
    }

    /// Whether pages of this kind are leaves (no child pointers).
    pub const fn is_leaf(self) -> bool {
        matches!(self, PageKind::TableLeaf | PageKind::IndexLeaf)
    }

    /// Whether pages of this kind belong to a table B-tree (rowid keys).
    pub const fn is_table(self) -> bool {
        matches!(self, PageKind::TableLeaf | PageKind::TableInterior)
    }

    /// The length of the page header: 8 bytes on leaves, 12 on interior
    /// pages, which add the right-most child pointer.
    pub const fn header_len(self) -> usize {
        if self.is_leaf() {
            LEAF_HEADER_LEN
        } else {
            LEAF_HEADER_LEN + 4
        }
    }
}

/// Where the page header starts: after the database header on page 1.
pub const fn header_offset(page: PageNo) -> usize {
    if page.get() == 1 { HEADER_SIZE } else { 0 }
}

/// One block on a page's freeblock list: unused space in the content area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Freeblock {
    /// Offset of the block on the page.
    pub offset: usize,
    /// Size of the block in bytes, its 4-byte header included.
    pub size: usize,
}

/// A read-only view of a B-tree page, its header validated.
///
/// ```
/// use boundlite::btree::{BTreePage, Cell, PageKind};
/// use boundlite::PageNo;
///
/// // A 512-byte table leaf holding one cell at offset 508: payload size 1,
/// // rowid 7, payload [0x2a].
/// let mut bytes = [0u8; 512];
/// bytes[..10].copy_from_slice(&[0x0d, 0, 0, 0, 1, 0x01, 0xfc, 0, 0x01, 0xfc]);
/// bytes[508..511].copy_from_slice(&[1, 7, 0x2a]);
/// let page = BTreePage::parse(&bytes, PageNo::new(2).unwrap(), 512)?;
/// assert_eq!((page.kind(), page.cell_count()), (PageKind::TableLeaf, 1));
/// let Cell::TableLeaf { rowid, payload } = page.cell(0)? else { panic!() };
/// assert_eq!((rowid, payload.local()), (7, &[0x2a][..]));
/// # Ok::<(), boundlite::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct BTreePage<'a> {
    /// The page's bytes up to the usable size: reserved bytes are not ours.
    bytes: Reader<'a>,
    number: PageNo,
    kind: PageKind,
    cell_count: u16,
    content_start: usize,
    /// Where the cell pointer array starts: after the page header.
    pointers_at: usize,
}

impl<'a> BTreePage<'a> {
    /// Validates the header of page `number`, whose bytes are `bytes` (the
    /// whole page, reserved bytes included) and of which the first
    /// `usable_size` are the B-tree's.
    pub fn parse(bytes: &'a [u8], number: PageNo, usable_size: u32) -> Result<Self> {
        if !(MIN_USABLE_SIZE..=MAX_USABLE_SIZE).contains(&usable_size) {
            return Err(Error::Misuse("usable size outside 480..=65536"));
        }
        let bytes = Reader::for_page(bytes, number)
            .sub(0, usable_size as usize)
            .map_err(|_| Error::corrupt(number, "page is shorter than the usable size"))?;
        let offset = header_offset(number);
        let kind = PageKind::from_byte(bytes.u8(offset)?)
            .ok_or(Error::corrupt(number, "unknown b-tree page kind"))?;
        let cell_count = bytes.u16(offset + 3)?;
        let content_start = match bytes.u16(offset + 5)? {
            0 => 65536,
            start => usize::from(start),
        };
        // Bounds-check the whole header here, so its field accessors cannot fail.
        bytes.slice(offset, kind.header_len())?;
        let pointers_at = offset + kind.header_len();
        let pointers_end = pointers_at + CELL_POINTER_LEN * usize::from(cell_count);
        if content_start > bytes.len() {
            return Err(Error::corrupt(
                number,
                "cell content area starts past the usable size",
            ));
        }
        if pointers_end > content_start {
            return Err(Error::corrupt(
                number,
                "cell pointer array runs into the cell content area",
            ));
        }
        Ok(BTreePage {
            bytes,
            number,
            kind,
            cell_count,
            content_start,
            pointers_at,
        })
    }

    /// The page's number.
    pub const fn number(&self) -> PageNo {
        self.number
    }

    /// The page's kind.
    pub const fn kind(&self) -> PageKind {
        self.kind
    }

    /// The usable size: the bytes of the page the B-tree may use.
    pub const fn usable_size(&self) -> usize {
        self.bytes.len()
    }

    /// Where the page header starts: 100 on page 1, else 0.
    pub const fn header_offset(&self) -> usize {
        header_offset(self.number)
    }

    /// The number of cells on the page.
    pub const fn cell_count(&self) -> u16 {
        self.cell_count
    }

    /// The offset where the cell content area starts (65536 when the header
    /// stores 0).
    pub const fn content_start(&self) -> usize {
        self.content_start
    }

    /// Where the cell pointer array ends: the first byte of free space
    /// between it and the content area.
    pub const fn cell_pointers_end(&self) -> usize {
        self.pointers_at + CELL_POINTER_LEN * self.cell_count as usize
    }

    /// The offset of the first freeblock, if there is one.
    pub fn first_freeblock(&self) -> Option<usize> {
        match self.header_u16(1) {
            0 => None,
            offset => Some(usize::from(offset)),
        }
    }

    /// The number of fragmented free bytes in the content area.
    pub fn fragmented_bytes(&self) -> u8 {
        self.bytes.u8(self.header_offset() + 7).unwrap_or_default()
    }

    /// The right-most child: the subtree of keys above every cell's key.
    /// `None` on leaves; a pointer to page 0 is `Corrupt`.
    pub fn right_child(&self) -> Result<Option<PageNo>> {
        if self.kind.is_leaf() {
            return Ok(None);
        }
        let raw = self.bytes.u32(self.header_offset() + 8)?;
        PageNo::new(raw)
            .map(Some)
            .ok_or(self.corrupt("right-most child pointer is 0"))
    }

    /// Child `index` of an interior page: the left child of cell `index`
    /// when `index < cell_count`, the right-most child when it equals
    /// `cell_count`. `Misuse` on a leaf or past `cell_count`.
    pub fn child(&self, index: u16) -> Result<PageNo> {
        if self.kind.is_leaf() || index > self.cell_count {
            return Err(Error::Misuse("child index outside the interior page"));
        }
        if index == self.cell_count {
            return self
                .right_child()?
                .ok_or(Error::Misuse("child index outside the interior page"));
        }
        // Every interior cell starts with its left child's page number:
        // read it alone, as a descent needs nothing else of the cell.
        let raw = self.bytes.u32(self.cell_pointer(index)?)?;
        PageNo::new(raw).ok_or(self.corrupt("cell's left child pointer is 0"))
    }

    /// The offset of cell `index`, checked to lie in the content area.
    /// `Misuse` when `index` is not below [`cell_count`](Self::cell_count).
    #[inline]
    pub fn cell_pointer(&self, index: u16) -> Result<usize> {
        if index >= self.cell_count {
            return Err(Error::Misuse("cell index past the page's cell count"));
        }
        let at = self.pointers_at + CELL_POINTER_LEN * usize::from(index);
        let pointer = usize::from(self.bytes.u16(at)?);
        if pointer < self.content_start || pointer >= self.bytes.len() {
            return Err(self.corrupt("cell pointer outside the cell content area"));
        }
        Ok(pointer)
    }

    /// Cell `index`, parsed.
    #[inline]
    pub fn cell(&self, index: u16) -> Result<Cell<'a>> {
        Ok(self.cell_with_size(index)?.0)
    }

    /// The rowid of table cell `index`, read without parsing the rest of
    /// the cell: the probe of a rowid seek's binary search.
    pub fn rowid_at(&self, index: u16) -> Result<i64> {
        let at = self.cell_pointer(index)?;
        let leaf = match self.kind {
            PageKind::TableLeaf => true,
            PageKind::TableInterior => false,
            PageKind::IndexInterior | PageKind::IndexLeaf => {
                return Err(self.corrupt("index cell read as a table cell"));
            }
        };
        table_cell_key(self.bytes.bytes(), at, leaf)
            .ok_or_else(|| self.corrupt("varint runs past the end of the page"))
    }

    /// Where a seek for `rowid` goes on from this table page: the first
    /// cell whose rowid is above `rowid` (`strict`) or at or above it
    /// (the cell count when there is none), found by binary search. A
    /// seek's per-page work, one tight loop over the cell pointers.
    pub fn search_rowid(&self, rowid: i64, strict: bool) -> Result<u16> {
        // The first cell past `rowid` is the first at or past its
        // successor; past i64::MAX there is none.
        let bound = match (strict, rowid.checked_add(1)) {
            (false, _) => rowid,
            (true, Some(next)) => next,
            (true, None) => return Ok(self.cell_count),
        };
        let found = match self.kind {
            PageKind::TableLeaf => self.first_key_at_least::<true>(bound),
            PageKind::TableInterior => self.first_key_at_least::<false>(bound),
            PageKind::IndexInterior | PageKind::IndexLeaf => {
                return Err(self.corrupt("index page searched for a rowid"));
            }
        };
        found.ok_or_else(|| self.corrupt("damaged table cell"))
    }

    /// The index of the first table cell whose rowid is at least `bound`
    /// (the cell count when there is none); `None` when a probed cell
    /// pointer or key runs outside the page. Monomorphised by page kind so
    /// that each probe is a pointer read, a bounds check and a varint.
    ///
    /// On a page of [`INTERPOLATED`] cells or more, the first probe is
    /// where `bound` falls between the first and last keys, as if the
    /// keys were evenly spaced: rowids mostly are (a table filled in
    /// rowid order holds consecutive ones), so a seek finds its cell in
    /// three or four probes rather than one per halving. The guess and
    /// its neighbour narrow the range a binary search then finishes,
    /// whatever the keys.
    #[inline]
    fn first_key_at_least<const LEAF: bool>(&self, bound: i64) -> Option<u16> {
        let bytes = self.bytes.bytes();
        let pointers = bytes.get(self.pointers_at..self.cell_pointers_end())?;
        let count = usize::from(self.cell_count);
        // The cells before `low` have keys below `bound`; those from
        // `high` on do not.
        let (mut low, mut high) = (0usize, count);
        if count >= INTERPOLATED {
            let last = count - 1;
            let (first, last_key) = (
                self.probe::<LEAF>(bytes, pointers, 0)?,
                self.probe::<LEAF>(bytes, pointers, last)?,
            );
            if first >= bound {
                return Some(0);
            }
            if last_key < bound {
                return Some(self.cell_count);
            }
            (low, high) = (1, last);
            let guess = interpolate(first, last_key, bound, last).clamp(low, high - 1);
            let at = self.probe::<LEAF>(bytes, pointers, guess)?;
            if at >= bound {
                high = guess;
                // Keys are distinct: the cell that holds `bound` is the
                // first at or above it.
                if at == bound || self.probe::<LEAF>(bytes, pointers, guess - 1)? < bound {
                    low = guess;
                }
            } else {
                low = guess + 1;
                if low < high && self.probe::<LEAF>(bytes, pointers, low)? >= bound {
                    high = low;
                }
            }
        }
        while low < high {
            let mid = (low + high) / 2;
            if self.probe::<LEAF>(bytes, pointers, mid)? >= bound {
                high = mid;
            } else {
                low = mid + 1;
            }
        }
        // `low` is at most the cell count, a u16.
        u16::try_from(low).ok()
    }

    /// The key of table cell `index` of a page whose bytes are `bytes`
    /// and cell pointers `pointers`: a rowid search's probe.
    #[inline(always)]
    fn probe<const LEAF: bool>(&self, bytes: &[u8], pointers: &[u8], index: usize) -> Option<i64> {
        let pointer = match pointers.get(2 * index..2 * index + 2)? {
            &[high, low] => usize::from(u16::from_be_bytes([high, low])),
            _ => return None,
        };
        if pointer < self.content_start {
            return None;
        }
        table_cell_key(bytes, pointer, LEAF)
    }

    /// The rowid and payload of table leaf cell `index`, read without
    /// parsing the rest of the cell: a scan's per-row read. `Misuse` on
    /// any other kind of page.
    #[inline]
    pub fn table_row(&self, index: u16) -> Result<(i64, Payload<'a>)> {
        if self.kind != PageKind::TableLeaf {
            return Err(Error::Misuse(
                "a row read from a page that is not a table leaf",
            ));
        }
        cell::table_row(self.bytes, self.cell_pointer(index)?)
    }

    /// The payload of index cell `index`, read without parsing the rest
    /// of the cell: the probe of an index search. `Misuse` on a table page.
    #[inline]
    pub fn index_payload(&self, index: u16) -> Result<Payload<'a>> {
        cell::index_payload(self.bytes, self.kind, self.cell_pointer(index)?)
    }

    /// Cell `index` and the bytes it occupies on the page (at least 4, as
    /// SQLite never allocates less for a cell).
    #[inline]
    pub fn cell_with_size(&self, index: u16) -> Result<(Cell<'a>, usize)> {
        self.cell_at(self.cell_pointer(index)?)
    }

    /// The cell at offset `at` (a [`cell_pointer`](Self::cell_pointer))
    /// and the bytes it occupies, as [`cell_with_size`](Self::cell_with_size)
    /// gives them.
    #[inline]
    pub(crate) fn cell_at(&self, at: usize) -> Result<(Cell<'a>, usize)> {
        cell::parse(self.bytes, self.kind, at)
    }

    /// The freeblocks, in the order of the list (ascending offsets).
    pub fn freeblocks(&self) -> Freeblocks<'a> {
        Freeblocks {
            bytes: self.bytes,
            next: self.first_freeblock(),
            min_offset: self.content_start,
        }
    }

    /// A `Corrupt` error on this page.
    pub const fn corrupt(&self, reason: &'static str) -> Error {
        Error::corrupt(self.number, reason)
    }

    /// A header field read after `parse` checked the header is in bounds.
    fn header_u16(&self, field: usize) -> u16 {
        self.bytes
            .u16(self.header_offset() + field)
            .unwrap_or_default()
    }
}

/// The freeblocks of a page (see [`BTreePage::freeblocks`]). Each block must
/// start after the end of the one before it and inside the content area, so
/// the walk ends; a block that breaks this yields `Corrupt`, then nothing.
#[derive(Debug, Clone)]
pub struct Freeblocks<'a> {
    bytes: Reader<'a>,
    next: Option<usize>,
    /// Where the next block may start at the earliest.
    min_offset: usize,
}

impl Iterator for Freeblocks<'_> {
    type Item = Result<Freeblock>;

    fn next(&mut self) -> Option<Self::Item> {
        let offset = self.next.take()?;
        let block = self.read(offset);
        if let Ok(block) = block {
            self.min_offset = block.offset + block.size;
        }
        Some(block)
    }
}

impl Freeblocks<'_> {
    fn read(&mut self, offset: usize) -> Result<Freeblock> {
        if offset < self.min_offset {
            return Err(self.bytes.corrupt("freeblock list is out of order"));
        }
        let next = usize::from(self.bytes.u16(offset)?);
        let size = usize::from(self.bytes.u16(offset + 2)?);
        if size < 4 || offset + size > self.bytes.len() {
            return Err(self.bytes.corrupt("freeblock runs past the usable size"));
        }
        self.next = (next != 0).then_some(next);
        Ok(Freeblock { offset, size })
    }
}

/// The fewest cells on a page whose rowid search starts with an
/// interpolated probe (see [`BTreePage::search_rowid`]): below it, a
/// binary search takes about as many probes.
const INTERPOLATED: usize = 16;

/// Where `bound` falls among the `last + 1` cells of a page whose first
/// key is `first` and last `last_key`, were the keys evenly spaced:
/// `first < bound <= last_key`, so the index is at most `last`.
#[inline]
fn interpolate(first: i64, last_key: i64, bound: i64, last: usize) -> usize {
    let span = i128::from(last_key) - i128::from(first);
    let offset = i128::from(bound) - i128::from(first);
    // `last` is below 65536 and the offset at most the span: the
    // product fits, and the quotient is at most `last`.
    let guess = (offset * last as i128).checked_div(span).unwrap_or(0);
    usize::try_from(guess).unwrap_or(0)
}

/// The rowid of the table cell at `at` in `bytes` (a leaf's, past its
/// payload size, or an interior cell's, past its child pointer); `None`
/// when the cell runs past the page.
#[inline(always)]
fn table_cell_key(bytes: &[u8], at: usize, leaf: bool) -> Option<i64> {
    let cell = bytes.get(at..)?;
    let key = if leaf {
        // The payload size's varint, skipped: it ends at its first byte
        // under 0x80, or at its ninth; most are one or two bytes.
        let size_len = match cell {
            [a, ..] if a & 0x80 == 0 => 1,
            [_, b, ..] if b & 0x80 == 0 => 2,
            _ => cell
                .iter()
                .take(8)
                .position(|b| b & 0x80 == 0)
                .map_or(9, |p| p + 1),
        };
        cell.get(size_len..)?
    } else {
        cell.get(4..)?
    };
    // Rowids are stored as the two's-complement bits of an i64.
    read_varint(key).map(|(key, _)| key as i64)
}
