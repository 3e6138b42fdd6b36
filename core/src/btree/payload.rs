//! How much of a payload stays on its page, and how big a cell is.
//!
//! SQLite keeps a payload of `P` bytes whole on the page when it is small
//! enough, and otherwise keeps a prefix and spills the rest to a chain of
//! overflow pages of `U - 4` content bytes each, `U` being the usable size.
//! The prefix length is fixed by the format, so that every reader agrees on
//! where the cell ends:
//!
//! ```text
//! X = U - 35                        table leaves (the largest local payload)
//! X = (U - 12) * 64 / 255 - 23      index pages
//! M = (U - 12) * 32 / 255 - 23      both (the smallest local part of a spilled payload)
//! K = M + (P - M) % (U - 4)
//! P <= X      -> all P bytes are local
//! else K <= X -> K bytes are local
//! else        -> M bytes are local
//! ```
//!
//! (integer division throughout). Choosing `K` when it fits fills the last
//! overflow page exactly. Table interior cells carry no payload.
//!
//! Every function here expects a usable size in 480..=65536, which the
//! database header guarantees; other values give meaningless sizes, never a
//! panic.

use crate::btree::cell::MIN_CELL_SIZE;
use crate::format::varint_len;

/// The largest payload SQLite writes: a record is at most
/// `SQLITE_MAX_LENGTH` (2^31 - 1) bytes. A larger payload size in a cell is
/// corruption.
pub const MAX_PAYLOAD_SIZE: u32 = 0x7fff_ffff;

/// Bytes at the start of every overflow page that link to the next one.
pub const OVERFLOW_LINK_LEN: u32 = 4;

/// Which local-payload rule applies: table leaves differ from index pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PayloadKind {
    /// Payloads on table leaf pages (rows).
    Table,
    /// Payloads on index leaf and interior pages (keys).
    Index,
}

impl PayloadKind {
    /// `X`: the largest payload kept entirely on the page.
    ///
    /// ```
    /// use boundlite::btree::PayloadKind;
    /// assert_eq!(PayloadKind::Table.max_local(4096), 4061);
    /// assert_eq!(PayloadKind::Index.max_local(4096), 1002);
    /// assert_eq!(PayloadKind::min_local(4096), 489);
    /// ```
    pub const fn max_local(self, usable: u32) -> u32 {
        match self {
            PayloadKind::Table => usable.saturating_sub(35),
            PayloadKind::Index => fraction(usable, 64),
        }
    }

    /// `M`: the smallest local part of a payload that spills.
    pub const fn min_local(usable: u32) -> u32 {
        fraction(usable, 32)
    }

    /// How many bytes of a `payload_size`-byte payload are stored on the
    /// page.
    ///
    /// ```
    /// use boundlite::btree::PayloadKind;
    /// let table = PayloadKind::Table;
    /// assert_eq!(table.local_size(4096, 4061), 4061); // P <= X: all local
    /// assert_eq!(table.local_size(4096, 5000), 908); // K = 489 + 4511 % 4092 <= X
    /// assert_eq!(table.local_size(4096, 4062), 489); // K = 4062 > X: M
    /// ```
    pub const fn local_size(self, usable: u32, payload_size: u32) -> u32 {
        let max = self.max_local(usable);
        if payload_size <= max {
            return payload_size;
        }
        let min = Self::min_local(usable);
        let content = overflow_content_size(usable);
        let surplus = min + (payload_size - min) % content;
        if surplus <= max { surplus } else { min }
    }
}

/// `(U - 12) * numerator / 255 - 23`, the index fractions of SQLite's
/// header (64 for the maximum, 32 for the minimum), computed in `u64` so
/// no `u32` argument can overflow.
const fn fraction(usable: u32, numerator: u64) -> u32 {
    let scaled = (usable as u64).saturating_sub(12) * numerator / 255;
    scaled.saturating_sub(23) as u32
}

/// The content bytes of one overflow page: `U - 4` (at least 1, so that a
/// bad usable size cannot divide by zero).
pub const fn overflow_content_size(usable: u32) -> u32 {
    let size = usable.saturating_sub(OVERFLOW_LINK_LEN);
    if size == 0 { 1 } else { size }
}

/// How many overflow pages hold a payload of `payload_size` bytes of which
/// `local` are on the page.
///
/// ```
/// use boundlite::btree::payload::overflow_page_count;
/// assert_eq!(overflow_page_count(4096, 10_000, 1_000), 3); // 9000 bytes over pages of 4092
/// assert_eq!(overflow_page_count(4096, 100, 100), 0);
/// ```
pub const fn overflow_page_count(usable: u32, payload_size: u32, local: u32) -> u32 {
    payload_size
        .saturating_sub(local)
        .div_ceil(overflow_content_size(usable))
}

/// The bytes of a payload cell: its local part, then 4 for the first
/// overflow page when it spills.
const fn payload_bytes(kind: PayloadKind, usable: u32, payload_size: u32) -> usize {
    let local = kind.local_size(usable, payload_size);
    let link = if local < payload_size { 4 } else { 0 };
    local as usize + link
}

/// The bytes a table leaf cell occupies on its page.
///
/// ```
/// use boundlite::btree::payload::table_leaf_cell_size;
/// assert_eq!(table_leaf_cell_size(4096, 1, 10), 12);
/// assert_eq!(table_leaf_cell_size(4096, 1, 0), 4); // never below 4 bytes
/// ```
pub const fn table_leaf_cell_size(usable: u32, rowid: i64, payload_size: u32) -> usize {
    let header = varint_len(payload_size as u64) + varint_len(rowid as u64);
    at_least_min(header + payload_bytes(PayloadKind::Table, usable, payload_size))
}

/// The bytes a table interior cell occupies: a child pointer and a rowid.
pub const fn table_interior_cell_size(rowid: i64) -> usize {
    4 + varint_len(rowid as u64)
}

/// The bytes an index leaf cell occupies on its page.
pub const fn index_leaf_cell_size(usable: u32, payload_size: u32) -> usize {
    let header = varint_len(payload_size as u64);
    at_least_min(header + payload_bytes(PayloadKind::Index, usable, payload_size))
}

/// The bytes an index interior cell occupies: a child pointer, then what
/// a leaf cell holds (never below 4 bytes, having the pointer).
pub const fn index_interior_cell_size(usable: u32, payload_size: u32) -> usize {
    4 + varint_len(payload_size as u64) + payload_bytes(PayloadKind::Index, usable, payload_size)
}

const fn at_least_min(size: usize) -> usize {
    if size < MIN_CELL_SIZE {
        MIN_CELL_SIZE
    } else {
        size
    }
}
