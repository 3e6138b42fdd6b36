//! [`ValueRef`]: one SQL value, borrowing its bytes.
//!
//! Text is kept as bytes: a file may hold text that is not valid UTF-8, and
//! SQLite stores and compares such text without complaint, so decoding must
//! not reject or alter it. [`ValueRef::as_str`] checks UTF-8 when a caller
//! needs a `&str`.
//!
//! A NaN is never a value here: SQLite turns NaN into NULL before storing
//! it and reads a stored NaN as NULL, and the codec does the same (see
//! [`ValueRef::real`]).

use crate::record::SerialType;

/// One SQL value, borrowing any text or BLOB bytes.
///
/// ```
/// use boundlite::record::{ValueRef, ValueType};
///
/// assert_eq!(ValueRef::from(7_i64).as_integer(), Some(7));
/// assert_eq!(ValueRef::text("hi").as_str(), Some("hi"));
/// assert_eq!(ValueRef::Text(b"\xff").as_str(), None);
/// assert_eq!(ValueRef::real(f64::NAN), ValueRef::Null);
/// assert_eq!(ValueRef::Blob(&[1, 2]).value_type(), ValueType::Blob);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ValueRef<'a> {
    /// SQL NULL.
    Null,
    /// A 64-bit signed integer.
    Integer(i64),
    /// A double; never NaN when it comes from a record.
    Real(f64),
    /// Text in the database's encoding (UTF-8 here), not checked.
    Text(&'a [u8]),
    /// A BLOB.
    Blob(&'a [u8]),
}

/// The five fundamental SQL types (SQLite's storage classes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ValueType {
    /// NULL.
    Null,
    /// INTEGER.
    Integer,
    /// REAL.
    Real,
    /// TEXT.
    Text,
    /// BLOB.
    Blob,
}

impl<'a> ValueRef<'a> {
    /// Text from a `&str`.
    pub const fn text(s: &'a str) -> Self {
        ValueRef::Text(s.as_bytes())
    }

    /// A REAL, or NULL for NaN, as SQLite stores it.
    pub const fn real(value: f64) -> Self {
        if value.is_nan() {
            ValueRef::Null
        } else {
            ValueRef::Real(value)
        }
    }

    /// Which of the five types this is.
    pub const fn value_type(&self) -> ValueType {
        match self {
            ValueRef::Null => ValueType::Null,
            ValueRef::Integer(_) => ValueType::Integer,
            ValueRef::Real(_) => ValueType::Real,
            ValueRef::Text(_) => ValueType::Text,
            ValueRef::Blob(_) => ValueType::Blob,
        }
    }

    /// Whether this is NULL.
    pub const fn is_null(&self) -> bool {
        matches!(self, ValueRef::Null)
    }

    /// The integer, if this is an INTEGER.
    pub const fn as_integer(&self) -> Option<i64> {
        match self {
            ValueRef::Integer(v) => Some(*v),
            _ => None,
        }
    }

    /// The double, if this is a REAL.
    pub const fn as_real(&self) -> Option<f64> {
        match self {
            ValueRef::Real(v) => Some(*v),
            _ => None,
        }
    }

    /// The text's bytes, if this is TEXT.
    pub const fn as_text(&self) -> Option<&'a [u8]> {
        match self {
            ValueRef::Text(t) => Some(t),
            _ => None,
        }
    }

    /// The text as a `&str`, if this is TEXT and valid UTF-8.
    pub fn as_str(&self) -> Option<&'a str> {
        core::str::from_utf8(self.as_text()?).ok()
    }

    /// The bytes, if this is a BLOB.
    pub const fn as_blob(&self) -> Option<&'a [u8]> {
        match self {
            ValueRef::Blob(b) => Some(b),
            _ => None,
        }
    }

    /// The serial type a record stores this value with, in a database of
    /// `schema_format` (see [`SerialType::for_integer`]). A NaN REAL, which
    /// [`ValueRef::real`] never builds, is stored as NULL.
    pub fn serial_type(&self, schema_format: u32) -> SerialType {
        match *self {
            ValueRef::Null => SerialType::Null,
            ValueRef::Integer(v) => SerialType::for_integer(v, schema_format),
            ValueRef::Real(v) if v.is_nan() => SerialType::Null,
            ValueRef::Real(_) => SerialType::Float64,
            ValueRef::Text(t) => SerialType::Text(t.len()),
            ValueRef::Blob(b) => SerialType::Blob(b.len()),
        }
    }
}

impl From<i64> for ValueRef<'_> {
    fn from(value: i64) -> Self {
        ValueRef::Integer(value)
    }
}

impl From<f64> for ValueRef<'_> {
    fn from(value: f64) -> Self {
        ValueRef::real(value)
    }
}

impl<'a> From<&'a str> for ValueRef<'a> {
    fn from(value: &'a str) -> Self {
        ValueRef::text(value)
    }
}

impl<'a, T: Into<ValueRef<'a>>> From<Option<T>> for ValueRef<'a> {
    fn from(value: Option<T>) -> Self {
        value.map_or(ValueRef::Null, Into::into)
    }
}
