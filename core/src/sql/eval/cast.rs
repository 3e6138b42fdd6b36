//! Conversions between the five types: the implicit ones operators use
//! (a value's real, integer, numeric and truth values) and `CAST`.
//!
//! SQLite's rules, which these follow:
//! - text and BLOBs read as numbers by their longest numeric prefix
//!   (`'12abc'` is 12, `'abc'` is 0); as an integer only the integer
//!   prefix counts (`'1e3'` is 1), clamped to the 64-bit range;
//! - a real becomes an integer by truncation toward zero, clamped;
//! - a value is true when its numeric value is not zero; NULL is
//!   neither true nor false;
//! - `CAST(x AS NUMERIC)` gives an integer when the text is one (or is
//!   a real that holds one exactly), and leaves numbers as they are;
//! - `CAST` to TEXT renders numbers as `||` does, to BLOB takes the
//!   bytes of that text; NULL stays NULL whatever the type.
//!
//! Invariant: only `cast` allocates, and only for a TEXT or BLOB result.

use crate::alloc::{Allocator, OutOfMemory};
use crate::record::ValueRef;
use crate::sql::ast::Affinity;

use super::affinity::{Coerced, stringify};
use super::num::{IntText, Numeric, RealText, atof, atoi, real_same_as_int, text_to_numeric};
use super::value::Value;

/// The value as a real (`sqlite3VdbeRealValue`); NULL is 0.0.
pub fn real_value(value: ValueRef<'_>) -> f64 {
    match value {
        ValueRef::Null => 0.0,
        ValueRef::Integer(i) => i as f64,
        ValueRef::Real(r) => r,
        ValueRef::Text(b) | ValueRef::Blob(b) => atof(b).0,
    }
}

/// The value as an integer (`sqlite3VdbeIntValue`); NULL is 0.
pub fn int_value(value: ValueRef<'_>) -> i64 {
    match value {
        ValueRef::Null => 0,
        ValueRef::Integer(i) => i,
        // `as` truncates toward zero and saturates, as SQLite's
        // `doubleToInt64` does.
        ValueRef::Real(r) => r as i64,
        ValueRef::Text(b) | ValueRef::Blob(b) => atoi(b).0,
    }
}

/// The number an arithmetic operator sees, or `None` for NULL.
pub fn numeric_value(value: ValueRef<'_>) -> Option<Numeric> {
    match value {
        ValueRef::Null => None,
        ValueRef::Integer(i) => Some(Numeric::Integer(i)),
        ValueRef::Real(r) => Some(Numeric::Real(r)),
        ValueRef::Text(b) | ValueRef::Blob(b) => Some(text_to_numeric(b)),
    }
}

/// Whether the value is true: `None` for NULL, else whether its numeric
/// value is not zero (`'0.5'` is true, `'abc'` false).
pub fn truth(value: ValueRef<'_>) -> Option<bool> {
    match value {
        ValueRef::Null => None,
        ValueRef::Integer(i) => Some(i != 0),
        other => Some(real_value(other) != 0.0),
    }
}

/// The value's text, when it has one: numbers rendered, TEXT and BLOB
/// as their bytes; `None` for NULL.
pub fn text_of(value: ValueRef<'_>) -> Option<Coerced<'_>> {
    match value {
        ValueRef::Null => None,
        other => Some(stringify(other)),
    }
}

/// The bytes of a [`text_of`] result.
pub fn bytes_of<'c>(coerced: &'c Coerced<'_>) -> &'c [u8] {
    match coerced.as_ref() {
        ValueRef::Text(b) | ValueRef::Blob(b) => b,
        ValueRef::Null | ValueRef::Integer(_) | ValueRef::Real(_) => &[],
    }
}

/// `CAST(text AS NUMERIC)` (`sqlite3VdbeMemNumerify`).
fn numeric_from_text(bytes: &[u8]) -> ValueRef<'static> {
    let (real, kind) = atof(bytes);
    if matches!(kind, RealText::NotNumeric | RealText::Integer) {
        if let (i, IntText::NoDigits | IntText::Exact | IntText::Excess) = atoi(bytes) {
            return ValueRef::Integer(i);
        }
    }
    let truncated = real as i64;
    if real_same_as_int(real, truncated) {
        ValueRef::Integer(truncated)
    } else {
        ValueRef::real(real)
    }
}

/// `CAST(value AS type)`, where `affinity` is the type's affinity (BLOB
/// when the type is omitted).
///
/// ```
/// use boundlite::alloc::Global;
/// use boundlite::record::ValueRef;
/// use boundlite::sql::Affinity;
/// use boundlite::sql::eval::{cast, Value};
///
/// let c = |v, a| cast(v, a, Global).unwrap();
/// assert_eq!(c(ValueRef::text("12.9abc"), Affinity::Integer), Value::<Global>::Integer(12));
/// assert_eq!(c(ValueRef::Real(-3.7), Affinity::Integer), Value::<Global>::Integer(-3));
/// assert_eq!(c(ValueRef::text("1e3"), Affinity::Numeric), Value::<Global>::Integer(1000));
/// assert_eq!(c(ValueRef::Real(1.0), Affinity::Text).as_ref(), ValueRef::text("1.0"));
/// ```
pub fn cast<A: Allocator>(
    value: ValueRef<'_>,
    affinity: Affinity,
    alloc: A,
) -> Result<Value<A>, OutOfMemory> {
    Ok(match (value, affinity) {
        (ValueRef::Null, _) => Value::Null,
        (_, Affinity::Integer) => Value::Integer(int_value(value)),
        (_, Affinity::Real) => Value::real(real_value(value)),
        (ValueRef::Text(b) | ValueRef::Blob(b), Affinity::Numeric) => {
            Value::scalar(numeric_from_text(b))
        }
        (_, Affinity::Numeric) => Value::scalar(value),
        (_, Affinity::Text) => Value::try_text(bytes_of(&stringify(value)), alloc)?,
        (_, Affinity::Blob) => Value::try_blob(bytes_of(&stringify(value)), alloc)?,
    })
}
