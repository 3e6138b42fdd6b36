//! [`Row`]: one result row of a [`Statement`](super::Statement), borrowed
//! from it until the next step, with its columns' names.
//!
//! Invariant: getters convert only as [`FromValue`] says (rusqlite's
//! conversions): asking for an integer of a TEXT value is
//! [`Error::ColumnType`] naming the column, never a guess, so a caller
//! sees what SQLite's `sqlite3_column_type` would report.

use crate::alloc::Allocator;
use crate::record::ValueRef;
use crate::sql::eval::Value;
use crate::{Error, Result};

use super::from_value::{ColumnIndex, FromValue, column_error};
use super::names::{ColumnNames, Names};

/// One row a query returned.
pub struct Row<'r, A: Allocator> {
    values: &'r [Value<A>],
    names: &'r Names<A>,
    alloc: &'r A,
}

impl<'r, A: Allocator> Row<'r, A> {
    pub(crate) fn new(values: &'r [Value<A>], names: &'r Names<A>, alloc: &'r A) -> Self {
        Row {
            values,
            names,
            alloc,
        }
    }

    /// How many columns the row has.
    pub fn column_count(&self) -> usize {
        self.values.len()
    }

    /// The names of the row's columns (see
    /// [`Statement::column_names`](super::Statement::column_names)).
    pub fn column_names(&self) -> ColumnNames<'r> {
        self.names.iter()
    }

    /// The name of column `i` (from 0).
    pub fn column_name(&self, i: usize) -> Result<&'r str> {
        self.names
            .get(i)
            .ok_or(Error::Misuse("column index out of range"))
    }

    /// The number of the column `index` names.
    fn position(&self, index: impl ColumnIndex) -> Result<usize> {
        match self.names.len() == self.values.len() {
            true => index.index(self.names.iter()),
            // Numbers still count; a name is refused by the names' lack.
            false => index.index(self.values.iter().map(|_| "")),
        }
    }

    /// Column `index`, borrowed as it is.
    pub fn get_ref(&self, index: impl ColumnIndex) -> Result<ValueRef<'r>> {
        let i = self.position(index)?;
        self.values
            .get(i)
            .map(Value::as_ref)
            .ok_or(Error::Misuse("column index out of range"))
    }

    /// Every column, borrowed.
    pub fn values(&self) -> impl Iterator<Item = ValueRef<'r>> + 'r {
        self.values.iter().map(Value::as_ref)
    }
}

impl<'r, A: Allocator + Clone> Row<'r, A> {
    /// Column `index` (a number from 0, or a name) as `T`: `i64`, `i32`,
    /// `u32`, `f64`, `bool`, `&str`, `&[u8]`, [`ValueRef`], [`Value`], or
    /// `Option` of one (NULL as `None`). A value of another type is
    /// [`Error::ColumnType`], naming the column and what it held.
    ///
    /// ```
    /// # let disk = boundlite::platform::MemoryPlatform::new();
    /// # let db = boundlite::Database::open(&disk, "g.db", &boundlite::Config::DEFAULT, boundlite::alloc::Global)?;
    /// let conn = db.connect();
    /// let mut stmt = conn.prepare("SELECT 7 AS n, 'seven' AS s, NULL AS z")?;
    /// let row = stmt.step()?.unwrap();
    /// assert_eq!(row.get::<i64>(0)?, 7);
    /// assert_eq!(row.get::<&str>("s")?, "seven");
    /// assert_eq!(row.get::<Option<f64>>("z")?, None);
    /// assert_eq!(
    ///     row.get::<i64>(1).unwrap_err().to_string(),
    ///     "datatype mismatch: column 1 (s): expected integer, found text"
    /// );
    /// # Ok::<(), boundlite::Error>(())
    /// ```
    pub fn get<T: FromValue<'r, A>>(&self, index: impl ColumnIndex) -> Result<T> {
        let i = self.position(index)?;
        let value = self.get_ref(i)?;
        T::from_value(value, self.alloc)
            .map_err(|refusal| column_error(i, self.names.get(i).unwrap_or_default(), refusal))
    }

    /// Column `i` as an INTEGER.
    pub fn get_i64(&self, i: usize) -> Result<i64> {
        self.get(i)
    }

    /// Column `i` as a REAL (or an INTEGER, widened).
    pub fn get_f64(&self, i: usize) -> Result<f64> {
        self.get(i)
    }

    /// Column `i` as TEXT in UTF-8.
    pub fn get_text(&self, i: usize) -> Result<&'r str> {
        self.get(i)
    }

    /// Column `i` as a BLOB.
    pub fn get_blob(&self, i: usize) -> Result<&'r [u8]> {
        self.get(i)
    }
}
