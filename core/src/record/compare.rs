//! The order of index keys: SQLite's rules for comparing values and
//! records.
//!
//! Values of different types order as NULL < INTEGER and REAL < TEXT <
//! BLOB. Two NULLs are equal (an index key is not a `WHERE` clause).
//! INTEGER and REAL compare by numeric value, exactly: an integer is never
//! rounded to a double first, so `i64::MAX` is less than `2^63` as a REAL
//! although `i64::MAX as f64 == 2^63`. TEXT compares with the column's
//! [`Collation`]; BLOBs compare with `memcmp`, then by length.
//!
//! Records compare column by column, each column in its own [`SortOrder`]
//! and collation, until one differs. When one record runs out of columns
//! first, the shared columns decide and the result is `Equal`: that is what
//! an index seek needs (a search key is a prefix of the entries it finds),
//! and SQLite does the same with its `default_rc` of 0. A caller wanting
//! "after every entry with this prefix" maps `Equal` to `Less` itself.
//!
//! A NaN, which a decoded record never holds (see [`ValueRef::real`]),
//! compares as NULL, matching how it would be stored.

use core::cmp::Ordering;

use crate::Result;
use crate::record::{RecordRef, ValueRef};

/// How TEXT values compare. BLOBs always compare as [`Collation::Binary`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Collation {
    /// Byte by byte (`memcmp`), then the shorter first.
    #[default]
    Binary,
    /// As `Binary` after folding ASCII `A`..=`Z` to lower case; other bytes,
    /// including non-ASCII letters, are compared as they are (as SQLite).
    NoCase,
    /// As `Binary` after removing trailing spaces (0x20 only).
    RTrim,
}

impl Collation {
    /// Compares two texts.
    ///
    /// ```
    /// use boundlite::record::Collation;
    /// use core::cmp::Ordering;
    ///
    /// assert_eq!(Collation::Binary.compare(b"B", b"a"), Ordering::Less);
    /// assert_eq!(Collation::NoCase.compare(b"B", b"a"), Ordering::Greater);
    /// assert_eq!(Collation::RTrim.compare(b"a  ", b"a"), Ordering::Equal);
    /// ```
    pub fn compare(self, a: &[u8], b: &[u8]) -> Ordering {
        match self {
            Collation::Binary => a.cmp(b),
            Collation::NoCase => a
                .iter()
                .map(u8::to_ascii_lowercase)
                .cmp(b.iter().map(u8::to_ascii_lowercase)),
            Collation::RTrim => trim_spaces(a).cmp(trim_spaces(b)),
        }
    }
}

/// `bytes` without its trailing spaces.
fn trim_spaces(bytes: &[u8]) -> &[u8] {
    let len = bytes.iter().rposition(|&b| b != b' ').map_or(0, |i| i + 1);
    bytes.get(..len).unwrap_or(bytes)
}

/// The direction of one index column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SortOrder {
    /// Ascending: the value order.
    #[default]
    Asc,
    /// Descending: the value order reversed.
    Desc,
}

/// How one column of an index key compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct KeyColumn {
    /// The column's direction.
    pub order: SortOrder,
    /// The column's collation for TEXT.
    pub collation: Collation,
}

impl KeyColumn {
    /// Ascending with BINARY collation: SQLite's default for a key column.
    pub const ASC_BINARY: KeyColumn = KeyColumn {
        order: SortOrder::Asc,
        collation: Collation::Binary,
    };
}

/// Compares two values in ascending order with `collation` for TEXT.
///
/// ```
/// use boundlite::record::{compare_values, Collation, ValueRef};
/// use core::cmp::Ordering;
///
/// let cmp = |a, b| compare_values(&a, &b, Collation::Binary);
/// assert_eq!(cmp(ValueRef::Null, ValueRef::Integer(i64::MIN)), Ordering::Less);
/// assert_eq!(cmp(ValueRef::Integer(2), ValueRef::Real(2.0)), Ordering::Equal);
/// assert_eq!(cmp(ValueRef::Integer(i64::MAX), ValueRef::Real(9.223372036854776e18)), Ordering::Less);
/// assert_eq!(cmp(ValueRef::Real(1e300), ValueRef::text("")), Ordering::Less);
/// assert_eq!(cmp(ValueRef::text("z"), ValueRef::Blob(b"")), Ordering::Less);
/// ```
pub fn compare_values(a: &ValueRef<'_>, b: &ValueRef<'_>, collation: Collation) -> Ordering {
    match (normalize(a), normalize(b)) {
        (ValueRef::Integer(x), ValueRef::Integer(y)) => x.cmp(&y),
        // No NaN is left, so `partial_cmp` always answers; -0.0 == 0.0.
        (ValueRef::Real(x), ValueRef::Real(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        (ValueRef::Integer(x), ValueRef::Real(y)) => int_float_cmp(x, y),
        (ValueRef::Real(x), ValueRef::Integer(y)) => int_float_cmp(y, x).reverse(),
        (ValueRef::Text(x), ValueRef::Text(y)) => collation.compare(x, y),
        (ValueRef::Blob(x), ValueRef::Blob(y)) => x.cmp(y),
        (x, y) => rank(&x).cmp(&rank(&y)),
    }
}

/// Compares two records column by column (see the module doc for the rules
/// and for records of different lengths). Columns past the end of
/// `columns` compare ascending with [`Collation::Binary`], as the rowid at
/// the end of an index entry does.
///
/// ```
/// use boundlite::record::{compare_records, encode_into, KeyColumn, RecordRef, SortOrder, ValueRef};
/// use boundlite::alloc::Vec;
/// use core::cmp::Ordering;
///
/// let (mut a, mut b): (Vec<u8>, Vec<u8>) = (Vec::new(), Vec::new());
/// encode_into(&[ValueRef::Integer(1), ValueRef::text("x")], &mut a)?;
/// encode_into(&[ValueRef::Integer(1)], &mut b)?;
/// let (a, b) = (RecordRef::parse(&a, None)?, RecordRef::parse(&b, None)?);
/// assert_eq!(compare_records(&a, &b, &[])?, Ordering::Equal); // b is a prefix of a
/// let desc = [KeyColumn { order: SortOrder::Desc, ..KeyColumn::default() }];
/// let zero = RecordRef::parse(&[2, 8], None)?; // one column: the integer 0
/// assert_eq!(compare_records(&a, &zero, &[])?, Ordering::Greater);
/// assert_eq!(compare_records(&a, &zero, &desc)?, Ordering::Less);
/// # Ok::<(), boundlite::Error>(())
/// ```
pub fn compare_records(
    a: &RecordRef<'_>,
    b: &RecordRef<'_>,
    columns: &[KeyColumn],
) -> Result<Ordering> {
    compare_columns(a.columns(), b.columns(), columns)
}

/// Compares a record with a search key given as values, with the same rules
/// as [`compare_records`]: the record is on the left.
pub fn compare_record_with_values(
    record: &RecordRef<'_>,
    key: &[ValueRef<'_>],
    columns: &[KeyColumn],
) -> Result<Ordering> {
    compare_columns(record.columns(), key.iter().map(|v| Ok(*v)), columns)
}

fn compare_columns<'a, 'b>(
    a: impl Iterator<Item = Result<ValueRef<'a>>>,
    b: impl Iterator<Item = Result<ValueRef<'b>>>,
    columns: &[KeyColumn],
) -> Result<Ordering> {
    let mut settings = columns.iter().copied();
    for (x, y) in a.zip(b) {
        let column = settings.next().unwrap_or_default();
        let ordering = compare_values(&x?, &y?, column.collation);
        let ordering = match column.order {
            SortOrder::Asc => ordering,
            SortOrder::Desc => ordering.reverse(),
        };
        if ordering.is_ne() {
            return Ok(ordering);
        }
    }
    Ok(Ordering::Equal)
}

/// The value with a NaN REAL replaced by NULL.
fn normalize<'a>(value: &ValueRef<'a>) -> ValueRef<'a> {
    match *value {
        ValueRef::Real(v) if v.is_nan() => ValueRef::Null,
        other => other,
    }
}

/// The position of a value's type in the cross-type order.
fn rank(value: &ValueRef<'_>) -> u8 {
    match value {
        ValueRef::Null => 0,
        ValueRef::Integer(_) | ValueRef::Real(_) => 1,
        ValueRef::Text(_) => 2,
        ValueRef::Blob(_) => 3,
    }
}

/// Compares an integer with a (non-NaN) double exactly, as SQLite's
/// `sqlite3IntFloatCompare` does without `long double`.
pub(super) fn int_float_cmp(i: i64, r: f64) -> Ordering {
    // 2^63: the first double above every i64.
    const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;
    if r < -TWO_POW_63 {
        return Ordering::Greater;
    }
    if r >= TWO_POW_63 {
        return Ordering::Less;
    }
    // In range, so the cast only truncates the fraction.
    let truncated = r as i64;
    match i.cmp(&truncated) {
        Ordering::Equal => {}
        unequal => return unequal,
    }
    // `i` equals `r`'s integer part, so it is exactly representable when
    // `r` has a fraction; so comparing as doubles decides by the fraction.
    let s = i as f64;
    s.partial_cmp(&r).unwrap_or(Ordering::Equal)
}
