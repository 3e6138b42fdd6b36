//! [`RecordStream`]: a record produced a range at a time, so that a row
//! whose payload spills to overflow pages is never encoded whole in one
//! buffer; and [`locate_column`], one column's type and place found from
//! a record's header alone, without its body.
//!
//! A stream holds the record's header (one serial type varint per
//! column, a few bytes each) and borrows the values; [`RecordStream::fill`]
//! writes any range of the record's bytes, byte for byte what
//! [`encode_into`](super::encode_into) writes. A [`Field::Zeros`] column
//! is SQLite's `zeroblob(N)`: a BLOB of N zero bytes whose bytes exist
//! only in the pages they are written to.
//!
//! Invariants: a stream's [`size`](RecordStream::size) is the length of
//! the record it describes, and `fill` writes exactly the bytes of the
//! range it is given or fails with `Misuse`, changing nothing else.
//! `locate_column` trusts no byte: a header or column that runs past the
//! payload is `Corrupt`.

use boundlite_alloc::{Allocator, Vec};

use crate::format::{Reader, varint_len};
use crate::record::encode::{header_len, put_varint};
use crate::record::{SerialType, ValueRef};
use crate::{Error, PageNo, Result};

/// One column of a [`RecordStream`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Field<'a> {
    /// A value, borrowed.
    Value(ValueRef<'a>),
    /// A BLOB of this many zero bytes, not held in memory.
    Zeros(usize),
}

impl Field<'_> {
    /// The serial type the record stores this column with.
    pub fn serial_type(&self, schema_format: u32) -> SerialType {
        match self {
            Field::Value(value) => value.serial_type(schema_format),
            Field::Zeros(len) => SerialType::Blob(*len),
        }
    }
}

/// A record over borrowed [`Field`]s, its bytes produced on demand.
///
/// ```
/// use boundlite::alloc::Vec;
/// use boundlite::record::{encode_into, Field, RecordStream, ValueRef};
///
/// let fields = [Field::Value(ValueRef::Integer(7)), Field::Zeros(5)];
/// let stream = RecordStream::new(&fields, 4, Vec::new())?;
/// let mut bytes = [0xffu8; 9];
/// stream.fill(0, &mut bytes)?;
/// let mut expected: Vec<u8> = Vec::new();
/// encode_into(&[ValueRef::Integer(7), ValueRef::Blob(&[0; 5])], &mut expected)?;
/// assert_eq!((stream.size(), &bytes[..]), (9, &expected[..]));
/// # Ok::<(), boundlite::Error>(())
/// ```
pub struct RecordStream<'f, 'a, A: Allocator> {
    fields: &'f [Field<'a>],
    schema_format: u32,
    header: Vec<u8, A>,
    size: usize,
}

impl<'f, 'a, A: Allocator> RecordStream<'f, 'a, A> {
    /// The record of `fields` in a database of `schema_format`, its
    /// header written into `header` (cleared first; its capacity is kept
    /// for [`into_header`](Self::into_header) to hand back).
    pub fn new(
        fields: &'f [Field<'a>],
        schema_format: u32,
        mut header: Vec<u8, A>,
    ) -> Result<Self> {
        let (header_size, size) = sizes(fields, schema_format)?;
        header.clear();
        header.try_resize(header_size, 0)?;
        let mut at = put_varint(&mut header, 0, header_size as u64);
        for field in fields {
            let code = field.serial_type(schema_format).code();
            at = at.and_then(|at| put_varint(&mut header, at, code));
        }
        if at != Some(header_size) {
            return Err(Error::Misuse("record header measured wrong"));
        }
        Ok(RecordStream {
            fields,
            schema_format,
            header,
            size,
        })
    }

    /// The record's length in bytes.
    pub const fn size(&self) -> usize {
        self.size
    }

    /// The header buffer, for the next stream.
    pub fn into_header(self) -> Vec<u8, A> {
        self.header
    }

    /// Writes the record's bytes from `offset` on into the whole of `out`.
    pub fn fill(&self, offset: usize, out: &mut [u8]) -> Result<()> {
        let end = offset
            .checked_add(out.len())
            .filter(|&end| end <= self.size)
            .ok_or(Error::Misuse("record range past its end"))?;
        let mut piece_start = 0usize;
        copy_overlap(&self.header, piece_start, offset, out);
        piece_start += self.header.len();
        for field in self.fields {
            if piece_start >= end {
                break;
            }
            let serial = field.serial_type(self.schema_format);
            let len = serial.body_len();
            if piece_start + len > offset {
                match *field {
                    Field::Zeros(_) => zero_overlap(piece_start, len, offset, out),
                    Field::Value(ValueRef::Text(bytes) | ValueRef::Blob(bytes)) => {
                        copy_overlap(bytes, piece_start, offset, out);
                    }
                    Field::Value(ValueRef::Integer(v)) => {
                        let bytes = v.to_be_bytes();
                        let low = bytes.get(bytes.len().saturating_sub(len)..).unwrap_or(&[]);
                        copy_overlap(low, piece_start, offset, out);
                    }
                    Field::Value(ValueRef::Real(v)) if serial == SerialType::Float64 => {
                        copy_overlap(&v.to_bits().to_be_bytes(), piece_start, offset, out);
                    }
                    // NULL, and a NaN REAL stored as NULL: no body.
                    Field::Value(ValueRef::Null | ValueRef::Real(_)) => {}
                }
            }
            piece_start += len;
        }
        Ok(())
    }
}

/// The length of the record of `fields` in a database of
/// `schema_format`, as [`RecordStream::size`] gives it, without building
/// its header. `OutOfMemory` when it does not fit in `usize`.
pub fn fields_len(fields: &[Field<'_>], schema_format: u32) -> Result<usize> {
    Ok(sizes(fields, schema_format)?.1)
}

/// The header's size and the record's size.
fn sizes(fields: &[Field<'_>], schema_format: u32) -> Result<(usize, usize)> {
    let mut types_len = 0usize;
    let mut body_len = 0usize;
    for field in fields {
        let serial = field.serial_type(schema_format);
        types_len = types_len
            .checked_add(varint_len(serial.code()))
            .ok_or(Error::OutOfMemory)?;
        body_len = body_len
            .checked_add(serial.body_len())
            .ok_or(Error::OutOfMemory)?;
    }
    let header_size = header_len(types_len).ok_or(Error::OutOfMemory)?;
    let size = header_size
        .checked_add(body_len)
        .ok_or(Error::OutOfMemory)?;
    Ok((header_size, size))
}

/// Copies the part of `piece` (which starts at record offset `start`)
/// that falls in `out` (which starts at record offset `offset`).
fn copy_overlap(piece: &[u8], start: usize, offset: usize, out: &mut [u8]) {
    let (from, to, len) = overlap(start, piece.len(), offset, out.len());
    if let (Some(src), Some(dst)) = (piece.get(from..from + len), out.get_mut(to..to + len)) {
        dst.copy_from_slice(src);
    }
}

/// Zeroes the part of a `len`-byte piece at record offset `start` that
/// falls in `out`.
fn zero_overlap(start: usize, len: usize, offset: usize, out: &mut [u8]) {
    let (_, to, len) = overlap(start, len, offset, out.len());
    if let Some(dst) = out.get_mut(to..to + len) {
        dst.fill(0);
    }
}

/// Where a piece at `start` of `len` bytes and a window at `offset` of
/// `window` bytes overlap: (offset in the piece, offset in the window,
/// length), the length 0 when they do not.
fn overlap(start: usize, len: usize, offset: usize, window: usize) -> (usize, usize, usize) {
    let begin = start.max(offset);
    let end = (start + len).min(offset + window);
    if end <= begin {
        return (0, 0, 0);
    }
    (begin - start, begin - offset, end - begin)
}

/// Where one column of a record lies: its serial type, and where its body
/// starts in the payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnPlace {
    /// How the column is stored.
    pub serial: SerialType,
    /// The offset of its body from the start of the payload.
    pub offset: usize,
}

/// Finds column `index` of a record of `payload_size` bytes from `prefix`,
/// its first bytes (the header must lie within them, which is all this
/// reads). `Ok(None)` when the record has fewer columns; `Corrupt`
/// (naming `page`) when the header or the column runs past the payload,
/// or the header past `prefix`.
///
/// ```
/// use boundlite::record::{locate_column, SerialType};
///
/// // Header: its size 3, INTEGER 1-byte, BLOB of 4; then 0x07 and the blob.
/// let prefix = [3, 1, 20, 7, 0xaa];
/// let place = locate_column(&prefix, 8, 1, None)?.unwrap();
/// assert_eq!((place.serial, place.offset), (SerialType::Blob(4), 4));
/// assert_eq!(locate_column(&prefix, 8, 2, None)?, None);
/// # Ok::<(), boundlite::Error>(())
/// ```
pub fn locate_column(
    prefix: &[u8],
    payload_size: usize,
    index: usize,
    page: Option<PageNo>,
) -> Result<Option<ColumnPlace>> {
    let reader = Reader::new(prefix, page);
    let (header_len, first) = reader
        .varint(0)
        .map_err(|_| reader.corrupt("record header size runs past the payload"))?;
    let header_len = usize::try_from(header_len)
        .ok()
        .filter(|&len| len >= first && len <= payload_size)
        .ok_or(reader.corrupt("record header size is outside the payload"))?;
    let header = reader
        .sub(0, header_len)
        .map_err(|_| reader.corrupt("record header runs past the page"))?;
    let mut at = first;
    let mut body = header_len;
    let mut column = 0usize;
    while at < header_len {
        let (code, len) = header
            .varint(at)
            .map_err(|_| reader.corrupt("record serial type runs past the record header"))?;
        let serial = SerialType::from_code(code)
            .ok_or(reader.corrupt("record holds a reserved or impossible serial type"))?;
        let end = body
            .checked_add(serial.body_len())
            .filter(|&end| end <= payload_size)
            .ok_or(reader.corrupt("record column is longer than the payload"))?;
        if column == index {
            return Ok(Some(ColumnPlace {
                serial,
                offset: body,
            }));
        }
        at += len;
        body = end;
        column += 1;
    }
    Ok(None)
}
