//! Incremental BLOB I/O at the table layer: one column of one row,
//! found from the row's record header alone and read or written in place
//! through the B-tree ([`crate::btree::blob`]), never assembled.
//!
//! Invariants:
//! - only the record's header is read to find the column (into a small
//!   buffer on the stack for the usual header), never the other columns'
//!   bodies or the overflow pages before the range asked for beyond
//!   their links;
//! - a handle addresses the column where it was when the handle was
//!   opened ([`BlobColumn`] and its [`ColumnPlace`]): if the row is gone,
//!   or the column now has another type, size or place, reading or
//!   writing is [`Error::Abort`] and changes nothing, as SQLite expires a
//!   handle whose row changed;
//! - a write changes only the bytes of the column's body, inside the
//!   write transaction of the [`Writer`] it goes through;
//! - a [`ChainPages`] handed in is used as it is: whether what it knows
//!   still holds is the caller's to decide (see
//!   [`Database::generation`](crate::Database)).

use boundlite_platform::Platform;

use crate::alloc::{Allocator, Global, Vec};
use crate::btree::blob::{ChainPages, read_range};
use crate::btree::{PageSource, PayloadPlace, SeekMode, TableCursor};
use crate::format::Reader;
use crate::record::{ColumnPlace, locate_column};
use crate::{Error, PageNo, Result, RowId};

use super::rows::Writer;

/// A header is read without learning a chain: it lies in the local
/// bytes but for the widest records.
const NO_CHAIN: Option<&mut ChainPages<Global>> = None;

/// Headers up to this many bytes are read into a buffer on the stack.
const INLINE_HEADER: usize = 128;

/// The error of a handle whose row changed or went away.
const ROW_CHANGED: Error = Error::Abort("the row of an open BLOB handle changed");

/// One column of one row of a table, as a BLOB handle addresses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BlobColumn {
    /// The table's root page.
    pub root: PageNo,
    /// The row.
    pub rowid: RowId,
    /// The column's position in the record.
    pub column: usize,
}

/// Where the column's value lies now: the row's payload, and the column
/// in it; `None` for a column the record is too short to hold.
pub(crate) struct Located {
    pub place: PayloadPlace,
    pub column: Option<ColumnPlace>,
}

/// Finds `target` in `source`; `None` when there is no such row.
pub(crate) fn locate<S: PageSource, A: Allocator + Clone>(
    source: &S,
    target: &BlobColumn,
    alloc: A,
) -> Result<Option<Located>> {
    let mut cursor = TableCursor::new(source, target.root, Vec::new_in(alloc.clone()));
    if !cursor.seek(target.rowid, SeekMode::Eq)? {
        return Ok(None);
    }
    let place = cursor.payload_place()?;
    let column = with_header(source, &place, alloc, |header| {
        locate_column(header, place.size as usize, target.column, Some(place.page))
    })?;
    Ok(Some(Located { place, column }))
}

/// Runs `f` on the record header of the payload at `place`.
fn with_header<S: PageSource, A: Allocator, R>(
    source: &S,
    place: &PayloadPlace,
    alloc: A,
    f: impl FnOnce(&[u8]) -> Result<R>,
) -> Result<R> {
    let size = place.size as usize;
    // A varint is at most 9 bytes.
    let mut first = [0u8; 9];
    let head = first
        .get_mut(..size.min(9))
        .ok_or(Error::Misuse("header prefix longer than its buffer"))?;
    read_range(source, place, 0, head, NO_CHAIN)?;
    let reader = Reader::new(head, Some(place.page));
    let (header_len, _) = reader.varint(0)?;
    let header_len = usize::try_from(header_len)
        .ok()
        .filter(|&len| len <= size)
        .ok_or(reader.corrupt("record header size is outside the payload"))?;
    let mut inline = [0u8; INLINE_HEADER];
    if let Some(header) = inline.get_mut(..header_len) {
        read_range(source, place, 0, header, NO_CHAIN)?;
        return f(header);
    }
    let mut header = Vec::try_from_elem_in(0u8, header_len, alloc)?;
    read_range(source, place, 0, &mut header, NO_CHAIN)?;
    f(&header)
}

/// Finds `target` in `source` as `expected` found it; [`Error::Abort`]
/// when its row is gone or the column moved or changed type or size.
fn relocate<S: PageSource, A: Allocator + Clone>(
    source: &S,
    target: &BlobColumn,
    expected: ColumnPlace,
    alloc: A,
) -> Result<PayloadPlace> {
    match locate(source, target, alloc)? {
        Some(Located {
            place,
            column: Some(column),
        }) if column == expected => Ok(place),
        _ => Err(ROW_CHANGED),
    }
}

/// Copies the bytes at `offset..offset + out.len()` of the column's
/// value, found as `expected` says, from `source` into `out`, through
/// the chain's pages `chain` knows (see
/// [`ChainPages`]).
pub(crate) fn read_blob<S: PageSource, A: Allocator + Clone>(
    source: &S,
    target: &BlobColumn,
    expected: ColumnPlace,
    offset: usize,
    out: &mut [u8],
    chain: Option<&mut ChainPages<A>>,
    alloc: A,
) -> Result<()> {
    let place = relocate(source, target, expected, alloc)?;
    let at = expected
        .offset
        .checked_add(offset)
        .ok_or(Error::Misuse("blob offset overflows"))?;
    read_range(source, &place, at, out, chain)
}

impl<P: Platform, A: Allocator + Clone> Writer<'_, '_, P, A> {
    /// Overwrites the bytes at `offset..offset + bytes.len()` of the
    /// column's value, found as `expected` says, in the write
    /// transaction.
    pub fn write_blob(
        &mut self,
        target: &BlobColumn,
        expected: ColumnPlace,
        offset: usize,
        bytes: &[u8],
        chain: Option<&mut ChainPages<A>>,
    ) -> Result<()> {
        let place = relocate(self.db.pager(), target, expected, self.alloc.clone())?;
        let at = expected
            .offset
            .checked_add(offset)
            .ok_or(Error::Misuse("blob offset overflows"))?;
        self.txn()?.write_payload(&place, at, bytes, chain)
    }
}
