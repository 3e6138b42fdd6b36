//! Comparing stored records with a search key decoded once: SQLite's
//! `UnpackedRecord` and `vdbeRecordCompare`.
//!
//! A B-tree search compares one key with a dozen cells or more. Parsing
//! both records for every comparison (as [`compare_records`] does) walks
//! the key's header each time and validates every cell's whole header
//! before its first column is read. Here the key is decoded once into an
//! [`UnpackedKey`], and [`compare_payload`] reads a cell's payload lazily:
//! one serial type and one body at a time, stopping at the first column
//! that differs. The order is exactly [`compare_records`]'s, collations,
//! [`SortOrder::Desc`] and keys of different lengths included.
//!
//! A stored record is checked only as far as it is read: every serial
//! type varint lies in the header, no serial type is reserved, every body
//! read lies in the payload, else `Corrupt`. A malformed tail past the
//! deciding column goes unnoticed here, as it does in SQLite; whoever
//! reads the entry itself parses it in full.
//!
//! [`compare_records`]: crate::record::compare_records

use core::cmp::Ordering;

use crate::format::Reader;
use crate::record::compare::int_float_cmp;
use crate::record::{
    Collation, KeyColumn, RecordRef, SerialType, SortOrder, ValueRef, compare_values,
};
use crate::{PageNo, Result};

/// How many columns an [`UnpackedKey`] holds decoded; a wider key decodes
/// its further columns from its record as they are reached.
pub const UNPACKED_COLUMNS: usize = 8;

/// A search key's columns, decoded once for many comparisons.
///
/// ```
/// use boundlite::record::{encode_into, KeyColumn, RecordRef, SortOrder, UnpackedKey, ValueRef};
/// use boundlite::alloc::Vec;
/// use core::cmp::Ordering;
///
/// let (mut key, mut entry): (Vec<u8>, Vec<u8>) = (Vec::new(), Vec::new());
/// encode_into(&[ValueRef::Integer(5)], &mut key)?;
/// encode_into(&[ValueRef::Integer(7), ValueRef::Integer(1)], &mut entry)?;
/// let key = UnpackedKey::new(&RecordRef::parse(&key, None)?)?;
/// assert_eq!(key.compare(&entry, None, &[])?, Ordering::Greater);
/// let desc = [KeyColumn { order: SortOrder::Desc, ..KeyColumn::default() }];
/// assert_eq!(key.compare(&entry, None, &desc)?, Ordering::Less);
/// # Ok::<(), boundlite::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct UnpackedKey<'k> {
    /// The first `len` columns (at most [`UNPACKED_COLUMNS`]).
    values: [ValueRef<'k>; UNPACKED_COLUMNS],
    len: usize,
    /// The key's record, for the columns past [`UNPACKED_COLUMNS`].
    record: RecordRef<'k>,
}

impl<'k> UnpackedKey<'k> {
    /// Decodes the first columns of `key`, a whole record (not a prefix).
    pub fn new(key: &RecordRef<'k>) -> Result<Self> {
        let mut values = [ValueRef::Null; UNPACKED_COLUMNS];
        let len = key.column_count().min(UNPACKED_COLUMNS);
        for (i, slot) in values.iter_mut().take(len).enumerate() {
            *slot = key.column(i)?;
        }
        Ok(UnpackedKey {
            values,
            len,
            record: *key,
        })
    }

    /// The number of columns in the key.
    pub const fn column_count(&self) -> usize {
        self.record.column_count()
    }

    /// Orders the record in `payload` (a whole payload) against this key,
    /// with the record on the left, as
    /// [`compare_records`](crate::record::compare_records)`(payload, key)`
    /// orders them. Errors name `page` when given.
    #[inline]
    pub fn compare(
        &self,
        payload: &[u8],
        page: Option<PageNo>,
        columns: &[KeyColumn],
    ) -> Result<Ordering> {
        let decoded = self.values.get(..self.len).unwrap_or_default();
        compare_lazily(
            payload,
            page,
            self.record.column_count(),
            |i| match decoded.get(i) {
                Some(value) => Ok(*value),
                None => self.record.column(i),
            },
            columns,
        )
    }
}

/// Orders the record in `payload` (a whole payload) against a search key
/// given as values, as
/// [`compare_record_with_values`](crate::record::compare_record_with_values)
/// does, reading the record only up to the first column that differs.
/// Errors name `page` when given.
///
/// ```
/// use boundlite::record::{compare_payload, encode_into, ValueRef};
/// use boundlite::alloc::Vec;
/// use core::cmp::Ordering;
///
/// let mut entry: Vec<u8> = Vec::new();
/// encode_into(&[ValueRef::text("b"), ValueRef::Integer(3)], &mut entry)?;
/// assert_eq!(compare_payload(&entry, None, &[ValueRef::text("a")], &[])?, Ordering::Greater);
/// assert_eq!(compare_payload(&entry, None, &[ValueRef::text("b")], &[])?, Ordering::Equal);
/// # Ok::<(), boundlite::Error>(())
/// ```
#[inline]
pub fn compare_payload(
    payload: &[u8],
    page: Option<PageNo>,
    key: &[ValueRef<'_>],
    columns: &[KeyColumn],
) -> Result<Ordering> {
    compare_lazily(
        payload,
        page,
        key.len(),
        |i| Ok(key.get(i).copied().unwrap_or(ValueRef::Null)),
        columns,
    )
}

/// The comparison itself: the record in `payload` against the `count`
/// columns `key(i)` gives.
#[inline]
fn compare_lazily<'k>(
    payload: &[u8],
    page: Option<PageNo>,
    count: usize,
    key: impl Fn(usize) -> Result<ValueRef<'k>>,
    columns: &[KeyColumn],
) -> Result<Ordering> {
    let bytes = Reader::new(payload, page);
    // Nearly every header is shorter than 128 bytes: one byte says so.
    let (header_len, mut type_at) = match payload.first() {
        Some(&len) if len < 0x80 => (usize::from(len), 1),
        _ => {
            let (len, n) = bytes
                .varint(0)
                .map_err(|_| bytes.corrupt("record header size runs past the payload"))?;
            (usize::try_from(len).unwrap_or(usize::MAX), n)
        }
    };
    let header = payload
        .get(..header_len)
        .filter(|_| header_len >= type_at)
        .ok_or(bytes.corrupt("record header size is outside the payload"))?;
    let mut body_at = header_len;
    for i in 0..count {
        let code = match header.get(type_at) {
            None => break,
            Some(&code) if code < 0x80 => {
                type_at += 1;
                u64::from(code)
            }
            Some(_) => {
                let (code, n) = Reader::new(header, page)
                    .varint(type_at)
                    .map_err(|_| bytes.corrupt("record serial type runs past the record header"))?;
                type_at += n;
                code
            }
        };
        let serial = SerialType::from_code(code).ok_or(match code {
            10 | 11 => bytes.corrupt("record holds the reserved serial type 10 or 11"),
            _ => bytes.corrupt("record column is longer than the payload"),
        })?;
        let column = columns.get(i).copied().unwrap_or_default();
        let ordering = compare_column(&bytes, serial, body_at, &key(i)?, column.collation)?;
        let ordering = match column.order {
            SortOrder::Asc => ordering,
            SortOrder::Desc => ordering.reverse(),
        };
        if ordering.is_ne() {
            return Ok(ordering);
        }
        body_at += serial.body_len();
    }
    Ok(Ordering::Equal)
}

/// Orders the column of type `serial` whose body is at `at` against
/// `wanted`, ascending; the common pairs without building the stored
/// value first.
// Always inlined: it is a search's per-probe work, and its caller's only
// call.
#[inline(always)]
fn compare_column(
    bytes: &Reader<'_>,
    serial: SerialType,
    at: usize,
    wanted: &ValueRef<'_>,
    collation: Collation,
) -> Result<Ordering> {
    let stored = match serial {
        SerialType::Null => ValueRef::Null,
        SerialType::Zero => ValueRef::Integer(0),
        SerialType::One => ValueRef::Integer(1),
        SerialType::Float64 => {
            let stored = f64::from_bits(bytes.u64(at)?);
            // Neither side NaN: the plain order of doubles (-0.0 == 0.0),
            // or the exact order of an integer and a double.
            if !stored.is_nan() {
                match *wanted {
                    ValueRef::Real(wanted) if !wanted.is_nan() => {
                        return Ok(stored.partial_cmp(&wanted).unwrap_or(Ordering::Equal));
                    }
                    ValueRef::Integer(wanted) => {
                        return Ok(int_float_cmp(wanted, stored).reverse());
                    }
                    _ => {}
                }
            }
            ValueRef::real(stored)
        }
        SerialType::Text(len) => {
            let stored = bytes.slice(at, len)?;
            if let (Collation::Binary, ValueRef::Text(wanted)) = (collation, wanted) {
                return Ok(stored.cmp(wanted));
            }
            ValueRef::Text(stored)
        }
        SerialType::Blob(len) => ValueRef::Blob(bytes.slice(at, len)?),
        int => {
            let stored = bytes.int(at, int.body_len())?;
            match *wanted {
                ValueRef::Integer(wanted) => return Ok(stored.cmp(&wanted)),
                ValueRef::Real(wanted) if !wanted.is_nan() => {
                    return Ok(int_float_cmp(stored, wanted));
                }
                _ => {}
            }
            ValueRef::Integer(stored)
        }
    };
    Ok(compare_values(&stored, wanted, collation))
}
