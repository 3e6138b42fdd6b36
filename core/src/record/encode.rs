//! Encoding values into a record, byte-for-byte as SQLite's `OP_MakeRecord`
//! does.
//!
//! Each value takes the smallest serial type that holds it
//! ([`ValueRef::serial_type`]); the header is its size varint followed by
//! the serial type varints, and its size counts its own varint, which
//! SQLite sizes in one pass with a single correction when adding the varint
//! pushes the size across a varint length boundary. Records go into a
//! caller's [`Vec`] so one scratch buffer can be reused for every row;
//! growth is fallible, and on failure the buffer is as it was.
//!
//! Conversions that depend on a column's affinity (a REAL-affinity column
//! storing an integral REAL as INTEGER, say) are the caller's: this module
//! stores each value exactly as given.

use boundlite_alloc::{Allocator, OutOfMemory, Vec};

use crate::format::{SCHEMA_FORMAT, Varint, varint_len};
use crate::record::{SerialType, ValueRef};

/// The number of bytes [`encode_into`] appends for `values` in a database of
/// schema format 4. `Err` when that number does not fit in `usize`: no
/// allocator could hold the record.
///
/// ```
/// use boundlite::record::{encoded_len, ValueRef};
/// // Header: size, INTEGER 0 (no body), TEXT of 3; body: "abc".
/// assert_eq!(encoded_len(&[ValueRef::Integer(0), ValueRef::text("abc")]), Ok(6));
/// ```
pub fn encoded_len(values: &[ValueRef<'_>]) -> Result<usize, OutOfMemory> {
    encoded_len_with(values, SCHEMA_FORMAT)
}

/// [`encoded_len`] for a database of `schema_format` (below 4, the integers
/// 0 and 1 take a 1-byte body).
pub fn encoded_len_with(values: &[ValueRef<'_>], schema_format: u32) -> Result<usize, OutOfMemory> {
    let (header_len, body_len) = sizes(values, schema_format)?;
    header_len.checked_add(body_len).ok_or(OutOfMemory)
}

/// Appends the record of `values` to `out`, as SQLite writes it in a
/// database of schema format 4.
///
/// ```
/// use boundlite::record::{encode_into, RecordRef, ValueRef};
/// use boundlite::alloc::Vec;
///
/// let values = [ValueRef::Null, ValueRef::Integer(300), ValueRef::Blob(&[0xab])];
/// let mut out: Vec<u8> = Vec::new();
/// encode_into(&values, &mut out)?;
/// assert_eq!(out, [4, 0, 2, 14, 0x01, 0x2c, 0xab]);
/// let record = RecordRef::parse(&out, None)?;
/// assert_eq!(record.column(1)?, ValueRef::Integer(300));
/// # Ok::<(), boundlite::Error>(())
/// ```
pub fn encode_into<A: Allocator>(
    values: &[ValueRef<'_>],
    out: &mut Vec<u8, A>,
) -> Result<(), OutOfMemory> {
    encode_into_with(values, SCHEMA_FORMAT, out)
}

/// [`encode_into`] for a database of `schema_format`.
pub fn encode_into_with<A: Allocator>(
    values: &[ValueRef<'_>],
    schema_format: u32,
    out: &mut Vec<u8, A>,
) -> Result<(), OutOfMemory> {
    let (header_len, body_len) = sizes(values, schema_format)?;
    let start = out.len();
    let end = header_len
        .checked_add(body_len)
        .and_then(|len| start.checked_add(len))
        .ok_or(OutOfMemory)?;
    out.try_resize(end, 0)?;
    let written = out
        .get_mut(start..)
        .and_then(|record| write(values, schema_format, header_len, record));
    if written.is_none() {
        // `sizes` measured these very values, so they fit exactly.
        out.truncate(start);
        return Err(OutOfMemory);
    }
    Ok(())
}

/// The header and body sizes of the record of `values`.
fn sizes(values: &[ValueRef<'_>], schema_format: u32) -> Result<(usize, usize), OutOfMemory> {
    let mut types_len = 0usize;
    let mut body_len = 0usize;
    for value in values {
        let serial = value.serial_type(schema_format);
        types_len = types_len
            .checked_add(varint_len(serial.code()))
            .ok_or(OutOfMemory)?;
        body_len = body_len.checked_add(serial.body_len()).ok_or(OutOfMemory)?;
    }
    Ok((header_len(types_len).ok_or(OutOfMemory)?, body_len))
}

/// The header size for serial type varints totalling `types_len` bytes,
/// counting the size varint itself, computed as SQLite computes it.
pub(super) fn header_len(types_len: usize) -> Option<usize> {
    if types_len <= 126 {
        return Some(types_len + 1);
    }
    let size_len = varint_len(types_len as u64);
    let len = types_len.checked_add(size_len)?;
    if size_len < varint_len(len as u64) {
        len.checked_add(1)
    } else {
        Some(len)
    }
}

/// Writes the header and body into `record`, which is exactly their
/// size; `None` if it is not.
fn write(
    values: &[ValueRef<'_>],
    schema_format: u32,
    header_len: usize,
    record: &mut [u8],
) -> Option<()> {
    let mut header = put_varint(record, 0, header_len as u64)?;
    let mut body = header_len;
    for value in values {
        let serial = value.serial_type(schema_format);
        header = put_varint(record, header, serial.code())?;
        body = match *value {
            ValueRef::Integer(v) => {
                let bytes = v.to_be_bytes();
                // The low `body_len` bytes: 0 for the types 8 and 9.
                let skip = bytes.len().checked_sub(serial.body_len())?;
                put(record, body, bytes.get(skip..)?)?
            }
            ValueRef::Real(v) if serial == SerialType::Float64 => {
                put(record, body, &v.to_bits().to_be_bytes())?
            }
            ValueRef::Text(bytes) | ValueRef::Blob(bytes) => put(record, body, bytes)?,
            // NULL, and a NaN REAL stored as NULL: no body.
            ValueRef::Null | ValueRef::Real(_) => body,
        };
    }
    (header == header_len && body == record.len()).then_some(())
}

/// Copies `bytes` into `record` at `at`; where they end.
fn put(record: &mut [u8], at: usize, bytes: &[u8]) -> Option<usize> {
    let end = at.checked_add(bytes.len())?;
    record.get_mut(at..end)?.copy_from_slice(bytes);
    Some(end)
}

/// Writes `value` as a varint into `record` at `at`; where it ends.
pub(super) fn put_varint(record: &mut [u8], at: usize, value: u64) -> Option<usize> {
    match u8::try_from(value) {
        // Header sizes and serial types are one byte but for long texts.
        Ok(byte) if byte < 0x80 => {
            *record.get_mut(at)? = byte;
            Some(at + 1)
        }
        _ => put(record, at, Varint::new(value).as_bytes()),
    }
}
