//! The index entry a table row implies: the indexed columns' values taken
//! from the row's record, then the rowid (or, for a `WITHOUT ROWID`
//! table, the primary key columns the index does not hold), encoded as a
//! record.
//!
//! A key column takes the row's stored value, the rowid for the rowid
//! alias column (stored as NULL in the row), and NULL for a column the
//! record is too short to hold (a row written before `ALTER TABLE ... ADD
//! COLUMN`) when the column has no `DEFAULT`. When the value cannot be
//! known without evaluating SQL (an expression, a virtual generated
//! column, a default), no key is built and the caller is told so.
//!
//! Nothing here allocates beyond growing the caller's buffer, which keeps
//! its capacity from one row to the next.

use crate::alloc::{Allocator, Vec};
use crate::format::{SCHEMA_FORMAT, Varint, varint_len};
use core::cmp::Ordering;

use crate::record::{KeyColumn, RecordRef, SerialType, ValueRef, compare_values};
use crate::schema::columns::{ColumnSource, IndexColumn, IndexColumns, TableColumns};
use crate::{Error, Result, RowId};

/// Whether [`build_index_key`] could build the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyBuilt {
    /// The key is in the buffer.
    Built,
    /// A key column's value needs SQL evaluated (an expression, a virtual
    /// generated column, or a `DEFAULT` for a column the row lacks).
    Unknown,
}

/// What ends an index entry after its key columns.
#[derive(Debug, Clone, Copy)]
pub enum EntryEnd<'k> {
    /// The row's rowid, as an SQL INTEGER (a rowid table's index).
    Rowid(RowId),
    /// The primary key columns of a `WITHOUT ROWID` table that the index
    /// does not already hold with the same collation, in key order.
    Key(&'k [IndexColumn]),
}

/// Replaces `out` with the index entry that row `rowid`, whose record is
/// `row`, has in the index `index` of `table`.
pub fn build_index_key<A: Allocator, B: Allocator, C: Allocator>(
    table: &TableColumns<B>,
    index: &IndexColumns<C>,
    row: &RecordRef<'_>,
    rowid: RowId,
    out: &mut Vec<u8, A>,
) -> Result<KeyBuilt> {
    build_entry(table, index, row, EntryEnd::Rowid(rowid), out)
}

/// Replaces `out` with the index entry of the row whose record is `row`
/// in the index `index` of `table`, ended as `end` says (SQLite's
/// layout: the key columns, then the rowid or the primary key's other
/// columns).
pub fn build_entry<A: Allocator, B: Allocator, C: Allocator>(
    table: &TableColumns<B>,
    index: &IndexColumns<C>,
    row: &RecordRef<'_>,
    end: EntryEnd<'_>,
    out: &mut Vec<u8, A>,
) -> Result<KeyBuilt> {
    let (rowid, tail) = match end {
        EntryEnd::Rowid(rowid) => (Some(rowid.get()), &[][..]),
        EntryEnd::Key(tail) => (None, tail),
    };
    // A WITHOUT ROWID table has no rowid alias, so 0 is never read.
    let alias_value = rowid.unwrap_or(0);
    out.clear();
    // The values of the first entry columns, each decoded once; a wider
    // entry decodes the rest again on each pass.
    let mut decoded = [ValueRef::Null; DECODED];
    let columns = || index.columns.iter().chain(tail.iter());
    // First pass: the serial types, to size the header.
    let rowid_type = rowid.map(|r| SerialType::for_integer(r, SCHEMA_FORMAT));
    let mut types_len = rowid_type.map_or(0, |t| varint_len(t.code()));
    let mut body_len = rowid_type.map_or(0, |t| t.body_len());
    for (k, column) in columns().enumerate() {
        let Some(value) = value_of(table, column, row, alias_value)? else {
            return Ok(KeyBuilt::Unknown);
        };
        if let Some(slot) = decoded.get_mut(k) {
            *slot = value;
        }
        let serial = value.serial_type(SCHEMA_FORMAT);
        types_len = types_len.saturating_add(varint_len(serial.code()));
        body_len = body_len.saturating_add(serial.body_len());
    }
    let header_len = header_len(types_len);
    out.try_reserve(header_len.saturating_add(body_len))?;
    out.try_extend_from_slice(Varint::new(header_len as u64).as_bytes())?;
    for (k, column) in columns().enumerate() {
        let code = decoded_or_value(&decoded, k, table, column, row, alias_value)?
            .serial_type(SCHEMA_FORMAT)
            .code();
        out.try_extend_from_slice(Varint::new(code).as_bytes())?;
    }
    if let Some(t) = rowid_type {
        out.try_extend_from_slice(Varint::new(t.code()).as_bytes())?;
    }
    for (k, column) in columns().enumerate() {
        append_body(
            &decoded_or_value(&decoded, k, table, column, row, alias_value)?,
            out,
        )?;
    }
    if let Some(rowid) = rowid {
        append_body(&ValueRef::Integer(rowid), out)?;
    }
    Ok(KeyBuilt::Built)
}

/// How many key columns [`build_index_key`] decodes only once.
const DECODED: usize = 8;

/// Key column `k`'s value: from `decoded` when it holds it, else decoded
/// from the row again.
fn decoded_or_value<'r, B: Allocator>(
    decoded: &[ValueRef<'r>],
    k: usize,
    table: &TableColumns<B>,
    column: &IndexColumn,
    row: &RecordRef<'r>,
    rowid: i64,
) -> Result<ValueRef<'r>> {
    match decoded.get(k) {
        Some(v) => Ok(*v),
        None => Ok(value_of(table, column, row, rowid)?.unwrap_or(ValueRef::Null)),
    }
}

/// The value key column `column` takes for the row; `None` when unknown.
pub(crate) fn value_of<'r, B: Allocator>(
    table: &TableColumns<B>,
    column: &IndexColumn,
    row: &RecordRef<'r>,
    rowid: i64,
) -> Result<Option<ValueRef<'r>>> {
    let ColumnSource::Column(i) = column.source else {
        return Ok(None);
    };
    if table.rowid_alias == Some(i) {
        return Ok(Some(ValueRef::Integer(rowid)));
    }
    let def = table
        .columns
        .get(i)
        .ok_or(Error::Misuse("index column past its table's columns"))?;
    let Some(at) = def.storage else {
        return Ok(None);
    };
    if at < row.column_count() {
        return Ok(Some(row.column(at)?));
    }
    Ok((!def.has_default).then_some(ValueRef::Null))
}

/// The header size for serial types totalling `types_len` bytes, its own
/// size varint included (as the record encoder computes it).
fn header_len(types_len: usize) -> usize {
    let mut len = types_len + 1;
    while varint_len(len as u64) + types_len > len {
        len = varint_len(len as u64) + types_len;
    }
    len
}

/// Appends the body bytes of `value` as schema format 4 stores them.
fn append_body<A: Allocator>(value: &ValueRef<'_>, out: &mut Vec<u8, A>) -> Result<()> {
    match *value {
        ValueRef::Integer(v) => {
            let len = SerialType::for_integer(v, SCHEMA_FORMAT).body_len();
            let bytes = v.to_be_bytes();
            let skip = bytes.len().saturating_sub(len);
            out.try_extend_from_slice(bytes.get(skip..).unwrap_or(&[]))?;
        }
        ValueRef::Real(v) if !v.is_nan() => {
            out.try_extend_from_slice(&v.to_bits().to_be_bytes())?
        }
        ValueRef::Text(b) | ValueRef::Blob(b) => out.try_extend_from_slice(b)?,
        ValueRef::Null | ValueRef::Real(_) => {}
    }
    Ok(())
}

/// Whether two index entries agree on their first `keys.len()` columns
/// with none of them NULL: what a `UNIQUE` index forbids.
pub(crate) fn same_key(a: &RecordRef<'_>, b: &RecordRef<'_>, keys: &[KeyColumn]) -> Result<bool> {
    let mut left = a.columns();
    let mut right = b.columns();
    for key in keys {
        let (Some(x), Some(y)) = (left.next(), right.next()) else {
            return Ok(false);
        };
        let (x, y) = (x?, y?);
        if x.is_null() || y.is_null() || compare_values(&x, &y, key.collation) != Ordering::Equal {
            return Ok(false);
        }
    }
    Ok(!keys.is_empty())
}
