//! [`KeyOrder`]: the order of index keys (records whose columns follow
//! an index's [`KeyColumn`]s, the rowid last), as a [`RecordOrder`] for
//! sorting keys before an index is built from them.
//!
//! The prefix of a key condenses its first column into 64 bits: the top
//! two bits are the value's class in SQLite's cross-type order (NULL,
//! number, text, blob) and the rest an order-preserving image of the
//! value (a number as a double with its bits made to sort as unsigned,
//! text and blobs by their first bytes), inverted for a descending
//! column. Every step only rounds or truncates, which never reverses an
//! order, so a smaller prefix always means a smaller key; keys whose
//! prefixes tie are compared whole. A text whose collation cannot be
//! condensed (RTRIM, where `"a "` equals `"a"`) gets its class alone.

use core::cmp::Ordering;

use crate::Result;
use crate::record::leading_value;
use crate::record::{Collation, KeyColumn, RecordRef, SortOrder, ValueRef, compare_records};

use super::order::RecordOrder;

/// The order of an index's keys.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeyOrder<'k> {
    columns: &'k [KeyColumn],
}

impl<'k> KeyOrder<'k> {
    /// Keys ordered by `columns`, further columns (the rowid) ascending.
    pub fn new(columns: &'k [KeyColumn]) -> Self {
        KeyOrder { columns }
    }
}

impl RecordOrder for KeyOrder<'_> {
    fn compare(&self, a: &[u8], b: &[u8]) -> Result<Ordering> {
        compare_records(
            &RecordRef::parse(a, None)?,
            &RecordRef::parse(b, None)?,
            self.columns,
        )
    }

    fn prefix(&self, record: &[u8]) -> Result<u64> {
        let column = self.columns.first().copied().unwrap_or_default();
        Ok(leading_value(record)?.map_or(0, |value| prefix_of(&value, column)))
    }
}

/// The prefix of a key whose first column holds `value` (see the module
/// doc).
pub(crate) fn prefix_of(value: &ValueRef<'_>, column: KeyColumn) -> u64 {
    const NUMBER: u64 = 1 << 62;
    const TEXT: u64 = 2 << 62;
    const BLOB: u64 = 3 << 62;
    let ascending = match *value {
        ValueRef::Null => 0,
        // A NaN compares as NULL.
        ValueRef::Real(r) if r.is_nan() => 0,
        ValueRef::Real(r) => NUMBER | number_image(r) >> 2,
        // Rounding to the nearest double never reverses an order; equal
        // images are settled by the whole comparison.
        ValueRef::Integer(i) => NUMBER | number_image(i as f64) >> 2,
        ValueRef::Text(t) => match column.collation {
            Collation::Binary => TEXT | leading_bytes(t, false) >> 2,
            Collation::NoCase => TEXT | leading_bytes(t, true) >> 2,
            Collation::RTrim => TEXT,
        },
        ValueRef::Blob(b) => BLOB | leading_bytes(b, false) >> 2,
    };
    match column.order {
        SortOrder::Asc => ascending,
        SortOrder::Desc => !ascending,
    }
}

/// A double's bits, made to sort as unsigned integers in the double's
/// order; -0.0 maps where 0.0 does, as the two compare equal.
fn number_image(r: f64) -> u64 {
    let r = if r == 0.0 { 0.0 } else { r };
    let bits = r.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    }
}

/// The first eight bytes as a big-endian number, zero-padded; folded to
/// ASCII lower case for NOCASE.
fn leading_bytes(bytes: &[u8], fold: bool) -> u64 {
    let mut image = [0u8; 8];
    for (slot, byte) in image.iter_mut().zip(bytes) {
        *slot = if fold {
            byte.to_ascii_lowercase()
        } else {
            *byte
        };
    }
    u64::from_be_bytes(image)
}
