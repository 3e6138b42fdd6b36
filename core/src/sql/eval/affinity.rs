//! Type affinity: how a value is converted when it is stored in a column
//! and when it is compared (SQLite's "Datatypes In SQLite", sections 3
//! and 4.2).
//!
//! - Storing ([`apply_affinity`]): a TEXT column turns numbers into text;
//!   NUMERIC and INTEGER columns turn well-formed numeric text into a
//!   number (an integer when it is one) and a real that holds an integer
//!   into that integer; a REAL column does the same and then shows every
//!   number as a real; a BLOB column changes nothing. Text that is not a
//!   well-formed number (`'0x10'`, `'12abc'`) stays text.
//! - A REAL column's record ([`stored_real`], [`read_real`]): a whole
//!   real is stored as an integer, which reads back as a real, so reading
//!   a REAL column never yields an integer whichever engine wrote it.
//! - Comparing ([`comparison_affinity`], [`apply_comparison_affinity`]):
//!   an expression has an affinity only if it is a column or a `CAST`
//!   (`None` otherwise). When one side is numeric (INTEGER, REAL,
//!   NUMERIC) numeric text on either side becomes a number; when one
//!   side is TEXT and the other has none, numbers become text; otherwise
//!   nothing is converted.
//!
//! Invariant: nothing here allocates; a number rendered as text lives in
//! a [`NumText`] on the stack.

use crate::Result;
use crate::alloc::Allocator;
use crate::record::ValueRef;
use crate::sql::ast::Affinity;

use super::Value;
use super::num::{IntText, NumText, RealText, atof, atoi, real_same_as_int};

/// A value after a conversion that needs no memory: the value itself (or
/// a converted number), or a number rendered as text.
#[derive(Debug, Clone, Copy)]
pub enum Coerced<'v> {
    /// A value, borrowed or computed.
    Value(ValueRef<'v>),
    /// A number rendered as TEXT.
    Text(NumText),
}

impl Coerced<'_> {
    /// The value; a rendered number is TEXT.
    pub fn as_ref(&self) -> ValueRef<'_> {
        match self {
            Coerced::Value(v) => *v,
            Coerced::Text(t) => ValueRef::Text(t.as_bytes()),
        }
    }
}

/// Whether an affinity is one of the numeric ones.
pub const fn is_numeric(affinity: Affinity) -> bool {
    matches!(
        affinity,
        Affinity::Numeric | Affinity::Integer | Affinity::Real
    )
}

/// A number rendered as text (NULL, text and BLOBs unchanged).
pub fn stringify(value: ValueRef<'_>) -> Coerced<'_> {
    match value {
        ValueRef::Integer(i) => Coerced::Text(NumText::integer(i)),
        ValueRef::Real(r) => Coerced::Text(NumText::real(r)),
        other => Coerced::Value(other),
    }
}

/// The number a well-formed numeric text stands for (SQLite's
/// `applyNumericAffinity`), or the value unchanged. With `prefer_integer`
/// a real that holds an integer becomes that integer.
pub fn numeric_affinity(value: ValueRef<'_>, prefer_integer: bool) -> ValueRef<'_> {
    let ValueRef::Text(bytes) = value else {
        return value;
    };
    let (real, kind) = atof(bytes);
    match kind {
        RealText::NotNumeric | RealText::RealPrefix => value,
        RealText::Integer => {
            let truncated = real as i64;
            if real_same_as_int(real, truncated) {
                return ValueRef::Integer(truncated);
            }
            match atoi(bytes) {
                (i, IntText::Exact) => ValueRef::Integer(i),
                _ => real_as_value(real, prefer_integer),
            }
        }
        RealText::Real => real_as_value(real, prefer_integer),
    }
}

/// `real`, or the integer it holds when `prefer_integer` asks for one and
/// the conversion is exact (SQLite's `sqlite3VdbeIntegerAffinity`).
fn real_as_value<'v>(real: f64, prefer_integer: bool) -> ValueRef<'v> {
    let truncated = real as i64;
    if prefer_integer && real_same_as_int(real, truncated) {
        ValueRef::Integer(truncated)
    } else {
        ValueRef::real(real)
    }
}

/// The value as a column with `affinity` stores it, as it reads back.
///
/// ```
/// use boundlite::record::ValueRef;
/// use boundlite::sql::Affinity;
/// use boundlite::sql::eval::apply_affinity;
///
/// let stored = |v, a| apply_affinity(v, a).as_ref().value_type();
/// assert_eq!(apply_affinity(ValueRef::text(" 12 "), Affinity::Integer).as_ref(), ValueRef::Integer(12));
/// assert_eq!(apply_affinity(ValueRef::text("1e3"), Affinity::Numeric).as_ref(), ValueRef::Integer(1000));
/// assert_eq!(apply_affinity(ValueRef::Integer(5), Affinity::Real).as_ref(), ValueRef::Real(5.0));
/// assert_eq!(apply_affinity(ValueRef::Real(1.5), Affinity::Text).as_ref(), ValueRef::text("1.5"));
/// assert_eq!(apply_affinity(ValueRef::text("0x10"), Affinity::Integer).as_ref(), ValueRef::text("0x10"));
/// ```
pub fn apply_affinity(value: ValueRef<'_>, affinity: Affinity) -> Coerced<'_> {
    match affinity {
        Affinity::Blob => Coerced::Value(value),
        Affinity::Text => stringify(value),
        Affinity::Numeric | Affinity::Integer => Coerced::Value(match value {
            ValueRef::Real(r) => real_as_value(r, true),
            other => numeric_affinity(other, true),
        }),
        // SQLite stores an integral value of a REAL column as an integer
        // (see [`stored_real`]) and turns it back into a real when reading
        // ([`read_real`]): the net effect is that every number is a real,
        // and a zero loses its sign on the way.
        Affinity::Real => Coerced::Value(match value {
            ValueRef::Real(r) => read_real(real_as_value(r, true)),
            other => read_real(numeric_affinity(other, true)),
        }),
    }
}

/// The largest whole real a REAL column stores as an integer: the largest
/// 6-byte integer. A larger one would take 8 bytes either way, so SQLite
/// keeps it a real (`OP_MakeRecord`).
const STORED_REAL_MAX: f64 = ((1i64 << 47) - 1) as f64;

/// How a REAL column stores `value` in a record, as SQLite's
/// `OP_MakeRecord` does: a real holding a whole number that fits in six
/// bytes becomes that integer, 1 to 6 bytes on disk instead of 8;
/// anything else is unchanged. [`read_real`] turns it back.
///
/// ```
/// use boundlite::record::ValueRef;
/// use boundlite::sql::eval::affinity::{read_real, stored_real};
///
/// assert_eq!(stored_real(ValueRef::Real(11.0)), ValueRef::Integer(11));
/// assert_eq!(stored_real(ValueRef::Real(2.5)), ValueRef::Real(2.5));
/// assert_eq!(stored_real(ValueRef::Real(1e300)), ValueRef::Real(1e300));
/// assert_eq!(read_real(ValueRef::Integer(11)), ValueRef::Real(11.0));
/// ```
pub fn stored_real(value: ValueRef<'_>) -> ValueRef<'_> {
    match value {
        // The range check comes first, so the cast is exact.
        ValueRef::Real(r)
            if (-STORED_REAL_MAX - 1.0..=STORED_REAL_MAX).contains(&r)
                && r == (r as i64) as f64 =>
        {
            ValueRef::Integer(r as i64)
        }
        other => other,
    }
}

/// A value read from a REAL column: an integer, which is how a whole
/// real is stored (see [`stored_real`]), reads as a real (SQLite's
/// `OP_RealAffinity`).
pub fn read_real(value: ValueRef<'_>) -> ValueRef<'_> {
    match value {
        ValueRef::Integer(i) => ValueRef::Real(i as f64),
        other => other,
    }
}

/// The affinity a comparison between expressions of affinities `left`
/// and `right` applies to its operands (`None`: an expression with no
/// affinity, such as a literal).
pub fn comparison_affinity(left: Option<Affinity>, right: Option<Affinity>) -> Option<Affinity> {
    match (left, right) {
        (Some(l), Some(r)) => {
            if is_numeric(l) || is_numeric(r) {
                Some(Affinity::Numeric)
            } else {
                Some(Affinity::Blob)
            }
        }
        (Some(a), None) | (None, Some(a)) => Some(a),
        (None, None) => None,
    }
}

/// An operand as a comparison under `affinity` sees it: numeric text
/// made a number under a numeric affinity, numbers made text under TEXT.
pub fn apply_comparison_affinity(value: ValueRef<'_>, affinity: Option<Affinity>) -> Coerced<'_> {
    match affinity {
        Some(a) if is_numeric(a) => Coerced::Value(numeric_affinity(value, false)),
        Some(Affinity::Text) => stringify(value),
        _ => Coerced::Value(value),
    }
}

/// The value `value` becomes in a column of `affinity`; `None` when it
/// stays as it is.
pub(crate) fn with_affinity<A: Allocator + Clone>(
    value: &Value<A>,
    affinity: Affinity,
    alloc: &A,
) -> Result<Option<Value<A>>> {
    Ok(match apply_affinity(value.as_ref(), affinity) {
        // Affinity never changes a text's bytes without changing its type.
        Coerced::Value(ValueRef::Text(_) | ValueRef::Blob(_)) => None,
        Coerced::Value(ValueRef::Integer(i)) => Some(Value::Integer(i)),
        Coerced::Value(ValueRef::Real(r)) => Some(Value::real(r)),
        Coerced::Value(ValueRef::Null) => Some(Value::Null),
        Coerced::Text(t) => Some(Value::try_text(t.as_bytes(), alloc.clone())?),
    })
}
