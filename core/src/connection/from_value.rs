//! [`FromValue`]: a result column's value as a Rust type, for
//! [`Row::get`](super::Row::get); [`ColumnIndex`]: a column by number or
//! by name; [`ColumnMismatch`]: the error naming the column whose value
//! was not the type asked for.
//!
//! The conversions are rusqlite's: an integer type takes an INTEGER that
//! fits it, `f64` a REAL or an INTEGER, `bool` an INTEGER (non-zero is
//! true), `&str` UTF-8 TEXT, `&[u8]` a BLOB, [`Value`] anything, and
//! `Option<T>` NULL as `None`. Nothing else converts: TEXT is never read
//! as a number, a REAL never as an integer, NULL never as a default.

use crate::alloc::Allocator;
use crate::record::{ValueRef, ValueType};
use crate::sql::eval::Value;
use crate::{Error, Result};

/// What a [`FromValue`] type takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// An INTEGER (`i64`).
    Integer,
    /// An INTEGER within `i32`'s range.
    I32,
    /// An INTEGER within `u32`'s range.
    U32,
    /// A REAL or an INTEGER (`f64`).
    Real,
    /// An INTEGER read as a truth value (`bool`).
    Bool,
    /// UTF-8 TEXT (`&str`).
    Text,
    /// A BLOB (`&[u8]`).
    Blob,
}

impl core::fmt::Display for Expected {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Expected::Integer => "integer",
            Expected::I32 => "integer within i32",
            Expected::U32 => "integer within u32",
            Expected::Real => "real or integer",
            Expected::Bool => "integer as bool",
            Expected::Text => "text",
            Expected::Blob => "blob",
        })
    }
}

/// What a column held instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// A value of this type.
    Type(ValueType),
    /// An INTEGER outside the range of the type asked for.
    OutOfRange,
    /// TEXT whose bytes are not UTF-8.
    NotUtf8,
}

impl core::fmt::Display for Found {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Found::Type(ValueType::Null) => "null",
            Found::Type(ValueType::Integer) => "integer",
            Found::Type(ValueType::Real) => "real",
            Found::Type(ValueType::Text) => "text",
            Found::Type(ValueType::Blob) => "blob",
            Found::OutOfRange => "integer out of range",
            Found::NotUtf8 => "text that is not UTF-8",
        })
    }
}

/// Why a value did not convert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The value is not of the type: what was expected and found.
    Mismatch(Expected, Found),
    /// Copying the value (into a [`Value`]) needed memory the allocator
    /// refused.
    OutOfMemory,
}

impl Refusal {
    /// The mismatch of `found` for a type expecting `expected`.
    pub fn of(expected: Expected, found: ValueRef<'_>) -> Self {
        Refusal::Mismatch(expected, Found::Type(found.value_type()))
    }
}

/// A result column's value was not of the type asked for: the column's
/// number (from 0) and name, what was expected and what was found.
///
/// Shown as `column 2 (name): expected integer, found text` (without
/// the parenthesis when the name is not known).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnMismatch {
    /// The column, from 0 (saturated at `u16::MAX`; SQLite allows at
    /// most 32,767 columns).
    pub column: u16,
    /// The column's name, cut past [`ColumnName::CAPACITY`] bytes.
    pub name: ColumnName,
    /// What the Rust type takes.
    pub expected: Expected,
    /// What the column held.
    pub found: Found,
}

impl core::fmt::Display for ColumnMismatch {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "column {}", self.column)?;
        if !self.name.as_str().is_empty() {
            write!(f, " ({})", self.name)?;
        }
        write!(f, ": expected {}, found {}", self.expected, self.found)
    }
}

/// A column's name held in [`ColumnMismatch`] itself (see
/// [`CutName`](crate::CutName)); 18 bytes is what fits without making
/// [`Error`] larger.
pub type ColumnName = crate::CutName<18>;

/// A Rust type a result column's value converts to, borrowing it for
/// `'r` (the row's life) where it can; `alloc` is the engine's allocator,
/// for the types that copy.
pub trait FromValue<'r, A: Allocator + Clone>: Sized {
    /// `value` as `Self`, or why not.
    fn from_value(value: ValueRef<'r>, alloc: &A) -> core::result::Result<Self, Refusal>;
}

impl<'r, A: Allocator + Clone> FromValue<'r, A> for i64 {
    fn from_value(value: ValueRef<'r>, _: &A) -> core::result::Result<Self, Refusal> {
        value
            .as_integer()
            .ok_or(Refusal::of(Expected::Integer, value))
    }
}

/// An INTEGER narrowed to `T`, `expected` naming `T`.
fn narrowed<T: TryFrom<i64>>(
    value: ValueRef<'_>,
    expected: Expected,
) -> core::result::Result<T, Refusal> {
    let wide = value.as_integer().ok_or(Refusal::of(expected, value))?;
    T::try_from(wide).map_err(|_| Refusal::Mismatch(expected, Found::OutOfRange))
}

impl<'r, A: Allocator + Clone> FromValue<'r, A> for i32 {
    fn from_value(value: ValueRef<'r>, _: &A) -> core::result::Result<Self, Refusal> {
        narrowed(value, Expected::I32)
    }
}

impl<'r, A: Allocator + Clone> FromValue<'r, A> for u32 {
    fn from_value(value: ValueRef<'r>, _: &A) -> core::result::Result<Self, Refusal> {
        narrowed(value, Expected::U32)
    }
}

impl<'r, A: Allocator + Clone> FromValue<'r, A> for f64 {
    fn from_value(value: ValueRef<'r>, _: &A) -> core::result::Result<Self, Refusal> {
        match value {
            ValueRef::Real(r) => Ok(r),
            ValueRef::Integer(i) => Ok(i as f64),
            _ => Err(Refusal::of(Expected::Real, value)),
        }
    }
}

impl<'r, A: Allocator + Clone> FromValue<'r, A> for bool {
    fn from_value(value: ValueRef<'r>, _: &A) -> core::result::Result<Self, Refusal> {
        value
            .as_integer()
            .map(|i| i != 0)
            .ok_or(Refusal::of(Expected::Bool, value))
    }
}

impl<'r, A: Allocator + Clone> FromValue<'r, A> for &'r str {
    fn from_value(value: ValueRef<'r>, _: &A) -> core::result::Result<Self, Refusal> {
        let bytes = value.as_text().ok_or(Refusal::of(Expected::Text, value))?;
        core::str::from_utf8(bytes).map_err(|_| Refusal::Mismatch(Expected::Text, Found::NotUtf8))
    }
}

impl<'r, A: Allocator + Clone> FromValue<'r, A> for &'r [u8] {
    fn from_value(value: ValueRef<'r>, _: &A) -> core::result::Result<Self, Refusal> {
        value.as_blob().ok_or(Refusal::of(Expected::Blob, value))
    }
}

impl<'r, A: Allocator + Clone> FromValue<'r, A> for ValueRef<'r> {
    fn from_value(value: ValueRef<'r>, _: &A) -> core::result::Result<Self, Refusal> {
        Ok(value)
    }
}

impl<'r, A: Allocator + Clone> FromValue<'r, A> for Value<A> {
    fn from_value(value: ValueRef<'r>, alloc: &A) -> core::result::Result<Self, Refusal> {
        Value::try_from_ref(value, alloc.clone()).map_err(|_| Refusal::OutOfMemory)
    }
}

impl<'r, A: Allocator + Clone, T: FromValue<'r, A>> FromValue<'r, A> for Option<T> {
    fn from_value(value: ValueRef<'r>, alloc: &A) -> core::result::Result<Self, Refusal> {
        match value {
            ValueRef::Null => Ok(None),
            _ => T::from_value(value, alloc).map(Some),
        }
    }
}

/// A way to name a result column: its number (from 0) or its name.
pub trait ColumnIndex {
    /// The column's number among `names` (the row's column names, in
    /// order).
    fn index<'n>(&self, names: impl Iterator<Item = &'n str>) -> Result<usize>;
}

impl ColumnIndex for usize {
    fn index<'n>(&self, names: impl Iterator<Item = &'n str>) -> Result<usize> {
        match *self < names.count() {
            true => Ok(*self),
            false => Err(Error::Misuse("column index out of range")),
        }
    }
}

impl ColumnIndex for &str {
    /// The first column of that name, its ASCII case ignored, as
    /// SQLite's `sqlite3_column_name` is searched by rusqlite.
    fn index<'n>(&self, mut names: impl Iterator<Item = &'n str>) -> Result<usize> {
        names
            .position(|n| n.eq_ignore_ascii_case(self))
            .ok_or(Error::Misuse("no column of that name"))
    }
}

/// The error of `refusal` for column `i`, called `name`.
pub(crate) fn column_error(i: usize, name: &str, refusal: Refusal) -> Error {
    match refusal {
        Refusal::OutOfMemory => Error::OutOfMemory,
        Refusal::Mismatch(expected, found) => Error::ColumnType(ColumnMismatch {
            column: u16::try_from(i).unwrap_or(u16::MAX),
            name: ColumnName::new(name),
            expected,
            found,
        }),
    }
}
