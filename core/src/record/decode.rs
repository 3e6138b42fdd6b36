//! [`RecordRef`]: a record read in place from its payload bytes.
//!
//! A record is a header followed by a body. The header starts with a varint
//! giving the header's own length in bytes (that varint included), then
//! holds one serial type varint per column; the body holds the columns'
//! bytes in the same order, with no gaps.
//!
//! [`RecordRef::parse`] walks the header once and checks what SQLite checks
//! before trusting a record: the header length lies inside the payload, no
//! serial type varint crosses the end of the header, no serial type is the
//! reserved 10 or 11, and the body sizes add up to exactly the rest of the
//! payload. After that, [`RecordRef::column`] decodes one column without
//! touching the others, and [`RecordRef::columns`] decodes them in order.
//! Nothing here allocates: text and BLOB values borrow the payload, so when
//! the payload lies on a page (no overflow) they borrow the page itself.
//!
//! A REAL whose bits are a NaN is read as NULL, as SQLite reads it.
//!
//! [`RecordRef::parse_prefix`] reads a record from its first bytes alone
//! (the local part of a row that spills to overflow pages), checked
//! against the whole payload's size: its header and the columns whose
//! bodies lie in those bytes read as usual
//! ([`RecordRef::local_column`]), and every column's serial type is
//! known, so a column's type and size need no overflow page.

use crate::format::Reader;
use crate::record::{SerialType, ValueRef};
use crate::{Error, PageNo, Result};

/// A record over borrowed payload bytes, validated, decoded on demand.
///
/// ```
/// use boundlite::record::{RecordRef, ValueRef};
///
/// // Header of 4 bytes: its length, then INTEGER 1-byte, the integer 1, TEXT of 2.
/// let payload = [4, 1, 9, 17, 0xfe, b'h', b'i'];
/// let record = RecordRef::parse(&payload, None)?;
/// assert_eq!(record.column_count(), 3);
/// assert_eq!(record.column(2)?, ValueRef::text("hi"));
/// assert_eq!(record.column(0)?, ValueRef::Integer(-2));
/// assert_eq!(record.column(1)?, ValueRef::Integer(1));
/// # Ok::<(), boundlite::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct RecordRef<'a> {
    /// The payload's bytes: all of them, or its first ones (see
    /// [`RecordRef::parse_prefix`]).
    payload: Reader<'a>,
    /// The whole payload's size.
    size: usize,
    header_len: usize,
    column_count: usize,
    /// Where the serial types start when every one is a single byte (the
    /// usual record): columns are then located without decoding varints.
    single_byte_types: Option<usize>,
}

impl<'a> RecordRef<'a> {
    /// Validates the record in `payload` (the whole payload, overflow
    /// included). Errors are `Corrupt`, naming `page` when given.
    #[inline]
    pub fn parse(payload: &'a [u8], page: Option<PageNo>) -> Result<Self> {
        Self::parse_within(payload, payload.len(), page)
    }

    /// Validates the record of a payload of `size` bytes from `prefix`,
    /// its first bytes, as [`parse`](Self::parse) does the whole.
    /// `Ok(None)` when its header does not lie within `prefix` (the
    /// whole payload is then needed to read it).
    pub fn parse_prefix(
        prefix: &'a [u8],
        size: usize,
        page: Option<PageNo>,
    ) -> Result<Option<Self>> {
        if prefix.len() > size {
            return Err(Error::Misuse("record prefix longer than its payload"));
        }
        let reader = Reader::new(prefix, page);
        let within = match reader.varint(0) {
            Ok((header_len, _)) => header_len <= prefix.len() as u64,
            Err(_) => false,
        };
        if !within {
            return Ok(None);
        }
        Self::parse_within(prefix, size, page).map(Some)
    }

    /// [`parse_prefix`](Self::parse_prefix) once the header is known to
    /// lie in `bytes`: the usual record (a header under 128 bytes of
    /// single-byte serial types) in one pass over its types, any other in
    /// [`parse_walk`](Self::parse_walk).
    #[inline]
    fn parse_within(bytes: &'a [u8], size: usize, page: Option<PageNo>) -> Result<Self> {
        if let Some(&len) = bytes.first()
            && len < 0x80
            && let header_len = usize::from(len)
            && let Some(types) = bytes.get(1..header_len)
            && let Some(body) = single_byte_bodies(types)
            && header_len.checked_add(body) == Some(size)
        {
            return Ok(RecordRef {
                payload: Reader::new(bytes, page),
                size,
                header_len,
                column_count: types.len(),
                single_byte_types: Some(1),
            });
        }
        Self::parse_walk(bytes, size, page)
    }

    /// [`parse_within`](Self::parse_within) for any record, naming what is
    /// wrong with a malformed one.
    fn parse_walk(bytes: &'a [u8], size: usize, page: Option<PageNo>) -> Result<Self> {
        let payload = Reader::new(bytes, page);
        let (header_len, first) = payload
            .varint(0)
            .map_err(|_| payload.corrupt("record header size runs past the payload"))?;
        let header_len = usize::try_from(header_len)
            .ok()
            .filter(|&len| len >= first && len <= payload.len())
            .ok_or(payload.corrupt("record header size is outside the payload"))?;
        let mut record = RecordRef {
            payload,
            size,
            header_len,
            column_count: 0,
            single_byte_types: None,
        };
        let types = payload.bytes().get(first..header_len).unwrap_or_default();
        if let Some(body) = single_byte_bodies(types)
            && header_len.checked_add(body) == Some(size)
        {
            record.column_count = types.len();
            record.single_byte_types = Some(first);
            return Ok(record);
        }
        let mut cursor = record.cursor();
        let mut count = 0usize;
        while let Some(column) = cursor.next_column() {
            column?;
            count += 1;
        }
        if cursor.body_offset != size {
            return Err(payload.corrupt("record body sizes do not add up to its payload"));
        }
        record.column_count = count;
        Ok(record)
    }

    /// The number of columns the record holds. A table row written before
    /// `ALTER TABLE ... ADD COLUMN` holds fewer than the table has; the
    /// missing ones take the column's default, which is the schema's to say.
    pub const fn column_count(&self) -> usize {
        self.column_count
    }

    /// The payload's bytes, header included: all of them unless the
    /// record was read from a prefix.
    pub const fn payload(&self) -> &'a [u8] {
        self.payload.bytes()
    }

    /// Whether every column's body is in [`payload`](Self::payload).
    pub const fn is_complete(&self) -> bool {
        self.payload.len() == self.size
    }

    /// The length of the header in bytes, the header-size varint included.
    pub const fn header_len(&self) -> usize {
        self.header_len
    }

    /// The value of column `index`, decoding that column only.
    ///
    /// An `index` at or past [`column_count`](Self::column_count) is
    /// `Error::Misuse`.
    /// A TEXT or BLOB column whose body lies past a prefix's bytes is an
    /// error: on a record read from a prefix, read columns with
    /// [`local_column`](Self::local_column).
    #[inline]
    pub fn column(&self, index: usize) -> Result<ValueRef<'a>> {
        let (serial, offset) = self.locate(index)?;
        self.decode(serial, offset)
    }

    /// The value of column `index` when its body lies in the bytes the
    /// record was read from; `None` when it lies past them.
    #[inline]
    pub fn local_column(&self, index: usize) -> Result<Option<ValueRef<'a>>> {
        let (serial, offset) = self.locate(index)?;
        if !self.holds(serial, offset) {
            return Ok(None);
        }
        self.decode(serial, offset).map(Some)
    }

    /// Whether the body of a column of `serial` type at `offset` is in
    /// the bytes held.
    #[inline]
    fn holds(&self, serial: SerialType, offset: usize) -> bool {
        offset
            .checked_add(serial.body_len())
            .is_some_and(|end| end <= self.payload.len())
    }

    /// The serial type of column `index`.
    pub fn serial_type(&self, index: usize) -> Result<SerialType> {
        Ok(self.locate(index)?.0)
    }

    /// Every column's value, in order.
    pub fn columns(&self) -> Columns<'a> {
        Columns {
            record: *self,
            cursor: self.cursor(),
        }
    }

    /// The serial type of column `index` and the offset of its body.
    // Always inlined: `column` is a scan's per-row work, and the compiler
    // keeps this out of line for having several callers.
    #[inline(always)]
    fn locate(&self, index: usize) -> Result<(SerialType, usize)> {
        if index >= self.column_count {
            return Err(Error::Misuse("column index past the record's column count"));
        }
        if let Some(first) = self.single_byte_types {
            // `parse` checked these bytes: single-byte, valid serial
            // types whose bodies fill the payload exactly.
            let types = self.payload.bytes().get(first..self.header_len);
            if let Some((&code, before)) = types.and_then(|t| t.get(..=index)?.split_last()) {
                let offset = before
                    .iter()
                    .fold(self.header_len, |at, &c| at + single_byte_body_len(c));
                if let Some(serial) = SerialType::from_code(u64::from(code)) {
                    return Ok((serial, offset));
                }
            }
        }
        self.locate_walk(index)
    }

    /// [`locate`](Self::locate) by walking the header.
    fn locate_walk(&self, index: usize) -> Result<(SerialType, usize)> {
        let mut cursor = self.cursor();
        for _ in 0..index {
            cursor.next_column().transpose()?;
        }
        cursor
            .next_column()
            .unwrap_or(Err(self.payload.corrupt("record header ends early")))
    }

    fn cursor(&self) -> HeaderCursor<'a> {
        // `parse` checked both the header and its size varint are inside
        // the payload; the fallbacks only make a cursor that yields nothing.
        let header = self.payload.sub(0, self.header_len).unwrap_or(self.payload);
        HeaderCursor {
            payload: self.payload,
            size: self.size,
            header,
            offset: header.varint(0).map_or(header.len(), |(_, n)| n),
            body_offset: self.header_len,
        }
    }

    // Always inlined, as `locate` is.
    #[inline(always)]
    fn decode(&self, serial: SerialType, offset: usize) -> Result<ValueRef<'a>> {
        let p = &self.payload;
        Ok(match serial {
            SerialType::Null => ValueRef::Null,
            SerialType::Zero => ValueRef::Integer(0),
            SerialType::One => ValueRef::Integer(1),
            SerialType::Float64 => ValueRef::real(f64::from_bits(p.u64(offset)?)),
            SerialType::Blob(len) => ValueRef::Blob(p.slice(offset, len)?),
            SerialType::Text(len) => ValueRef::Text(p.slice(offset, len)?),
            int => ValueRef::Integer(p.int(offset, int.body_len())?),
        })
    }
}

/// The value of a record's first column, read without walking the rest
/// of its header (`None` for a record of no columns): what a sort's key
/// prefix needs. Bytes out of place are `Corrupt`, as for
/// [`RecordRef::parse`]; the rest of the record is not checked.
pub(crate) fn leading_value(payload: &[u8]) -> Result<Option<ValueRef<'_>>> {
    let p = Reader::new(payload, None);
    let (header_len, first) = p
        .varint(0)
        .map_err(|_| p.corrupt("record header size runs past the payload"))?;
    let header_len = usize::try_from(header_len)
        .ok()
        .filter(|&len| len >= first && len <= p.len())
        .ok_or(p.corrupt("record header size is outside the payload"))?;
    if header_len == first {
        return Ok(None);
    }
    let header = p.sub(0, header_len)?;
    let (code, _) = header
        .varint(first)
        .map_err(|_| p.corrupt("serial type runs past the record header"))?;
    let serial = SerialType::from_code(code).ok_or(p.corrupt("reserved serial type"))?;
    let record = RecordRef {
        payload: p,
        size: payload.len(),
        header_len,
        column_count: 1,
        single_byte_types: None,
    };
    record.decode(serial, header_len).map(Some)
}

/// The body length of the serial type `code`, one byte below 0x80 and
/// neither of the reserved 10 and 11.
#[inline]
fn single_byte_body_len(code: u8) -> usize {
    // The body lengths of codes 0 to 11, from a table: a scan reads a
    // record's types for every row.
    const FIXED: [u8; 12] = [0, 1, 2, 3, 4, 6, 8, 8, 0, 0, 0, 0];
    match FIXED.get(usize::from(code)) {
        Some(&len) => usize::from(len),
        None => usize::from(code).saturating_sub(12) / 2,
    }
}

/// The bodies' total length when every one of `types` is a single-byte
/// serial type code (below 0x80, neither 10 nor 11); `None` otherwise.
#[inline]
fn single_byte_bodies(types: &[u8]) -> Option<usize> {
    let mut body = 0usize;
    for &code in types {
        if code >= 0x80 || code == 10 || code == 11 {
            return None;
        }
        body += single_byte_body_len(code);
    }
    Some(body)
}

/// Walks a record header: one serial type at a time, with its body offset.
#[derive(Debug, Clone, Copy)]
struct HeaderCursor<'a> {
    payload: Reader<'a>,
    /// The whole payload's size.
    size: usize,
    /// The header alone, so a varint cannot run into the body.
    header: Reader<'a>,
    /// Offset of the next serial type varint.
    offset: usize,
    /// Offset of the next column's body.
    body_offset: usize,
}

impl HeaderCursor<'_> {
    /// The next column's serial type and body offset; `None` at the end of
    /// the header.
    #[inline]
    fn next_column(&mut self) -> Option<Result<(SerialType, usize)>> {
        if self.offset >= self.header.len() {
            return None;
        }
        Some(self.step())
    }

    fn step(&mut self) -> Result<(SerialType, usize)> {
        let p = &self.payload;
        let (code, len) = self
            .header
            .varint(self.offset)
            .map_err(|_| p.corrupt("record serial type runs past the record header"))?;
        let serial = SerialType::from_code(code).ok_or(match code {
            10 | 11 => p.corrupt("record holds the reserved serial type 10 or 11"),
            _ => p.corrupt("record column is longer than the payload"),
        })?;
        let start = self.body_offset;
        let end = start
            .checked_add(serial.body_len())
            .filter(|&end| end <= self.size)
            .ok_or(p.corrupt("record column is longer than the payload"))?;
        self.offset += len;
        self.body_offset = end;
        Ok((serial, start))
    }
}

/// The values of a record's columns, in order (see [`RecordRef::columns`]).
/// After an error it yields nothing more.
#[derive(Debug, Clone)]
pub struct Columns<'a> {
    record: RecordRef<'a>,
    cursor: HeaderCursor<'a>,
}

impl<'a> Iterator for Columns<'a> {
    type Item = Result<ValueRef<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        let item = match self.cursor.next_column()? {
            Ok((serial, offset)) if self.record.holds(serial, offset) => {
                self.record.decode(serial, offset)
            }
            Ok(_) => Err(Error::Misuse("record column lies past its local bytes")),
            Err(e) => Err(e),
        };
        if item.is_err() {
            self.cursor.offset = self.cursor.header.len();
        }
        Some(item)
    }
}
