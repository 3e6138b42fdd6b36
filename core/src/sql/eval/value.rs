//! [`Value`]: one owned SQL value, the result of evaluating an expression.
//!
//! Text is kept as bytes, like [`ValueRef::Text`]: a database file may
//! hold text that is not valid UTF-8, SQLite carries such text through
//! expressions unchanged, and so must we. Functions that count characters
//! decode UTF-8 leniently, as SQLite does (see `func`).
//!
//! Invariant: a `Real` is never NaN; an operation whose result would be
//! NaN gives NULL instead, as in SQLite (see [`Value::real`]).

use core::fmt;

use crate::alloc::{Allocator, OutOfMemory, TryClone, Vec};
use crate::record::{ValueRef, ValueType};

/// One SQL value that owns its text or BLOB bytes, in allocator `A`.
///
/// ```
/// use boundlite::alloc::Global;
/// use boundlite::record::ValueRef;
/// use boundlite::sql::eval::Value;
///
/// let v = Value::try_from_ref(ValueRef::text("hi"), Global)?;
/// assert_eq!(v.as_ref(), ValueRef::text("hi"));
/// assert_eq!(Value::<Global>::real(f64::NAN).as_ref(), ValueRef::Null);
/// # Ok::<(), boundlite::alloc::OutOfMemory>(())
/// ```
pub enum Value<A: Allocator> {
    /// SQL NULL.
    Null,
    /// A 64-bit signed integer.
    Integer(i64),
    /// A double, never NaN.
    Real(f64),
    /// Text, UTF-8 unless it came from a file that held otherwise.
    Text(Vec<u8, A>),
    /// A BLOB.
    Blob(Vec<u8, A>),
}

impl<A: Allocator> Value<A> {
    /// A REAL, or NULL for NaN.
    pub fn real(value: f64) -> Self {
        if value.is_nan() {
            Value::Null
        } else {
            Value::Real(value)
        }
    }

    /// The value, borrowed.
    pub fn as_ref(&self) -> ValueRef<'_> {
        match self {
            Value::Null => ValueRef::Null,
            Value::Integer(i) => ValueRef::Integer(*i),
            Value::Real(r) => ValueRef::Real(*r),
            Value::Text(t) => ValueRef::Text(t),
            Value::Blob(b) => ValueRef::Blob(b),
        }
    }

    /// Which of the five types this is.
    pub fn value_type(&self) -> ValueType {
        self.as_ref().value_type()
    }

    /// Whether this is NULL.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// A copy of `value` in `alloc` (NaN becomes NULL).
    pub fn try_from_ref(value: ValueRef<'_>, alloc: A) -> Result<Self, OutOfMemory> {
        Ok(match value {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(i) => Value::Integer(i),
            ValueRef::Real(r) => Value::real(r),
            ValueRef::Text(t) => Value::Text(Vec::try_from_slice_in(t, alloc)?),
            ValueRef::Blob(b) => Value::Blob(Vec::try_from_slice_in(b, alloc)?),
        })
    }

    /// Text holding a copy of `bytes`.
    pub fn try_text(bytes: &[u8], alloc: A) -> Result<Self, OutOfMemory> {
        Ok(Value::Text(Vec::try_from_slice_in(bytes, alloc)?))
    }

    /// A BLOB holding a copy of `bytes`.
    pub fn try_blob(bytes: &[u8], alloc: A) -> Result<Self, OutOfMemory> {
        Ok(Value::Blob(Vec::try_from_slice_in(bytes, alloc)?))
    }

    /// A value that needs no memory (NULL, a number), from a borrowed one
    /// that is known to be one of those; text and BLOBs become NULL.
    pub(crate) fn scalar(value: ValueRef<'_>) -> Self {
        match value {
            ValueRef::Integer(i) => Value::Integer(i),
            ValueRef::Real(r) => Value::real(r),
            ValueRef::Null | ValueRef::Text(_) | ValueRef::Blob(_) => Value::Null,
        }
    }
}

impl<A: Allocator + Clone> TryClone for Value<A> {
    fn try_clone(&self) -> Result<Self, OutOfMemory> {
        Ok(match self {
            Value::Null => Value::Null,
            Value::Integer(i) => Value::Integer(*i),
            Value::Real(r) => Value::Real(*r),
            Value::Text(t) => Value::Text(t.try_clone()?),
            Value::Blob(b) => Value::Blob(b.try_clone()?),
        })
    }
}

impl<A: Allocator> fmt::Debug for Value<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Text(t) => match core::str::from_utf8(t) {
                Ok(s) => f.debug_tuple("Text").field(&s).finish(),
                Err(_) => f.debug_tuple("Text").field(&t.as_slice()).finish(),
            },
            other => fmt::Debug::fmt(&other.as_ref(), f),
        }
    }
}

/// Values are equal when their borrowed forms are (same type, same
/// contents; reals by `==`).
impl<A: Allocator, B: Allocator> PartialEq<Value<B>> for Value<A> {
    fn eq(&self, other: &Value<B>) -> bool {
        self.as_ref() == other.as_ref()
    }
}
