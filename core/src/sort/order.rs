//! The order a sort delivers rows in: a list of [`SortKey`]s, each a
//! column of the row with its direction, its collation for TEXT and where
//! its NULLs go, compared with the rules of `record::compare` (the rules
//! of SQLite's `ORDER BY`).
//!
//! The same comparison reads rows held in memory (slices of values) and
//! rows read back from a sorted run (records), so a row sorts to the same
//! place whether or not its sort spilled. Columns past a row's end read as
//! NULL. Callers make every order total by ending it with a sequence
//! number column (scan order), so equal keys keep the order rows came in
//! and no two rows ever tie.

use core::cmp::Ordering;

use crate::Result;
use crate::alloc::Allocator;
use crate::record::{Collation, RecordRef, SortOrder, ValueRef, compare_values};
use crate::sql::eval::Value;

/// Where the NULLs of one key go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Nulls {
    /// Before every other value, whatever the direction.
    First,
    /// After every other value, whatever the direction.
    Last,
}

/// One column a sort orders by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SortKey {
    /// The column's position in the row.
    pub column: usize,
    /// Ascending or descending.
    pub order: SortOrder,
    /// How TEXT compares.
    pub collation: Collation,
    /// Where NULLs go.
    pub nulls: Nulls,
}

impl SortKey {
    /// Column `column` ascending with `collation`, NULLs first: the
    /// natural order of values.
    pub const fn ascending(column: usize, collation: Collation) -> Self {
        SortKey {
            column,
            order: SortOrder::Asc,
            collation,
            nulls: Nulls::First,
        }
    }

    /// The order of two values of this key's column.
    #[inline]
    fn compare(&self, x: &ValueRef<'_>, y: &ValueRef<'_>) -> Ordering {
        // NULL is the smallest value, so where the direction already puts
        // NULLs where they go, the value order alone decides.
        match (self.order, self.nulls) {
            (SortOrder::Asc, Nulls::First) => return compare_values(x, y, self.collation),
            (SortOrder::Desc, Nulls::Last) => {
                return compare_values(x, y, self.collation).reverse();
            }
            _ => {}
        }
        match (x.is_null(), y.is_null()) {
            (true, true) => Ordering::Equal,
            (true, false) if self.nulls == Nulls::First => Ordering::Less,
            (true, false) => Ordering::Greater,
            (false, true) if self.nulls == Nulls::First => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => {
                let o = compare_values(x, y, self.collation);
                match self.order {
                    SortOrder::Asc => o,
                    SortOrder::Desc => o.reverse(),
                }
            }
        }
    }
}

/// The order of two rows held in memory by `keys`.
#[inline]
pub(crate) fn compare_rows<A: Allocator>(
    keys: &[SortKey],
    a: &[Value<A>],
    b: &[Value<A>],
) -> Ordering {
    for key in keys {
        let x = a.get(key.column).map_or(ValueRef::Null, Value::as_ref);
        let y = b.get(key.column).map_or(ValueRef::Null, Value::as_ref);
        let o = key.compare(&x, &y);
        if o.is_ne() {
            return o;
        }
    }
    Ordering::Equal
}

/// The order the records of one sort's runs are merged in.
///
/// `prefix` condenses a record into 64 bits whose order never contradicts
/// `compare`: a smaller prefix means a smaller record, so a merge looks at
/// the records only when two prefixes are equal. An order with nothing to
/// condense gives every record the same prefix.
pub(crate) trait RecordOrder {
    /// The order of two records; `Corrupt` when one cannot be decoded.
    fn compare(&self, a: &[u8], b: &[u8]) -> Result<Ordering>;

    /// The record's prefix (see the trait's doc).
    fn prefix(&self, record: &[u8]) -> Result<u64> {
        let _ = record;
        Ok(0)
    }

    /// Whether records keep the order they came in whatever their bytes:
    /// a spool, whose merge reads runs one after the other.
    fn is_spool(&self) -> bool {
        false
    }
}

impl RecordOrder for [SortKey] {
    fn compare(&self, a: &[u8], b: &[u8]) -> Result<Ordering> {
        compare_records(
            self,
            &RecordRef::parse(a, None)?,
            &RecordRef::parse(b, None)?,
        )
    }

    fn is_spool(&self) -> bool {
        self.is_empty()
    }
}

/// The order of two rows read back from runs by `keys`; `Corrupt` when a
/// record cannot be decoded.
pub(crate) fn compare_records(
    keys: &[SortKey],
    a: &RecordRef<'_>,
    b: &RecordRef<'_>,
) -> Result<Ordering> {
    for key in keys {
        let o = key.compare(&column(a, key.column)?, &column(b, key.column)?);
        if o.is_ne() {
            return Ok(o);
        }
    }
    Ok(Ordering::Equal)
}

/// Column `i` of `record`; NULL past its end.
fn column<'r>(record: &RecordRef<'r>, i: usize) -> Result<ValueRef<'r>> {
    if i < record.column_count() {
        record.column(i)
    } else {
        Ok(ValueRef::Null)
    }
}
