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
    out.try_reserve(header_len.checked_add(body_len).ok_or(OutOfMemory)?)?;
    let start = out.len();
    let written = write(values, schema_format, header_len, out);
    if written.is_err() {
        out.truncate(start);
    }
    written
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
fn header_len(types_len: usize) -> Option<usize> {
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

/// Writes the header and body; `out` already has room for both.
fn write<A: Allocator>(
    values: &[ValueRef<'_>],
    schema_format: u32,
    header_len: usize,
    out: &mut Vec<u8, A>,
) -> Result<(), OutOfMemory> {
    out.try_extend_from_slice(Varint::new(header_len as u64).as_bytes())?;
    for value in values {
        let code = value.serial_type(schema_format).code();
        out.try_extend_from_slice(Varint::new(code).as_bytes())?;
    }
    for value in values {
        match (*value, value.serial_type(schema_format)) {
            (ValueRef::Integer(v), serial) => {
                let bytes = v.to_be_bytes();
                // The low `body_len` bytes: 0 for the types 8 and 9.
                let skip = bytes.len().saturating_sub(serial.body_len());
                out.try_extend_from_slice(bytes.get(skip..).unwrap_or(&[]))?;
            }
            (ValueRef::Real(v), SerialType::Float64) => {
                out.try_extend_from_slice(&v.to_bits().to_be_bytes())?;
            }
            (ValueRef::Text(bytes) | ValueRef::Blob(bytes), _) => {
                out.try_extend_from_slice(bytes)?;
            }
            // NULL, and a NaN REAL stored as NULL: no body.
            (ValueRef::Null | ValueRef::Real(_), _) => {}
        }
    }
    Ok(())
}
