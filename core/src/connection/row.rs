//! [`Row`]: one result row of a [`Statement`](super::Statement), borrowed
//! from it until the next step.
//!
//! Invariant: getters never convert between types: asking for an integer
//! of a TEXT value is `Error::Misuse`, so a caller sees exactly what
//! SQLite's `sqlite3_column_type` would report.

use crate::alloc::Allocator;
use crate::record::ValueRef;
use crate::sql::eval::Value;
use crate::{Error, Result};

/// One row a query returned.
pub struct Row<'r, A: Allocator> {
    values: &'r [Value<A>],
}

impl<'r, A: Allocator> Row<'r, A> {
    pub(crate) fn new(values: &'r [Value<A>]) -> Self {
        Row { values }
    }

    /// How many columns the row has.
    pub fn column_count(&self) -> usize {
        self.values.len()
    }

    /// Column `i` (from 0), borrowed.
    pub fn get(&self, i: usize) -> Result<ValueRef<'r>> {
        self.values
            .get(i)
            .map(Value::as_ref)
            .ok_or(Error::Misuse("column index out of range"))
    }

    /// Column `i` as an INTEGER.
    pub fn get_i64(&self, i: usize) -> Result<i64> {
        self.get(i)?
            .as_integer()
            .ok_or(Error::Misuse("column is not an INTEGER"))
    }

    /// Column `i` as a REAL.
    pub fn get_f64(&self, i: usize) -> Result<f64> {
        self.get(i)?
            .as_real()
            .ok_or(Error::Misuse("column is not a REAL"))
    }

    /// Column `i` as TEXT in UTF-8.
    pub fn get_text(&self, i: usize) -> Result<&'r str> {
        self.get(i)?
            .as_str()
            .ok_or(Error::Misuse("column is not UTF-8 TEXT"))
    }

    /// Column `i` as a BLOB.
    pub fn get_blob(&self, i: usize) -> Result<&'r [u8]> {
        match self.get(i)? {
            ValueRef::Blob(b) => Ok(b),
            _ => Err(Error::Misuse("column is not a BLOB")),
        }
    }

    /// Every column, borrowed.
    pub fn values(&self) -> impl Iterator<Item = ValueRef<'r>> + 'r {
        self.values.iter().map(Value::as_ref)
    }
}
