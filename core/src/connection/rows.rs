//! Running a statement with its parameters: [`Statement::execute`],
//! [`Statement::query`] (the rows as [`Rows`]), [`Statement::query_map`]
//! (the rows mapped, as an iterator of results) and
//! [`Statement::query_row`] (the first row, mapped).
//!
//! Invariant: each of them resets the statement and binds all of its
//! parameters before it runs, and a [`Rows`] resets the statement when
//! it is dropped, so no run keeps its snapshot past the rows it gave.

use boundlite_platform::Platform;

use crate::alloc::Allocator;
use crate::{Error, Result};

use super::params::Params;
use super::row::Row;
use super::statement::Statement;

/// The rows of a query run by [`Statement::query`], read with
/// [`Rows::next`]. Dropping it resets the statement.
pub struct Rows<'s, 'c, 'db, P: Platform, A: Allocator + Clone> {
    stmt: &'s mut Statement<'c, 'db, P, A>,
}

impl<'s, 'c, 'db, P: Platform, A: Allocator + Clone> Rows<'s, 'c, 'db, P, A> {
    /// The next row, `None` after the last (and after an error).
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Option<Row<'_, A>>> {
        self.stmt.step()
    }

    /// The rows mapped by `f`, as an iterator.
    pub fn mapped<T, F: FnMut(&Row<'_, A>) -> Result<T>>(
        self,
        f: F,
    ) -> MappedRows<'s, 'c, 'db, P, A, F> {
        MappedRows { rows: self, f }
    }
}

impl<P: Platform, A: Allocator + Clone> Drop for Rows<'_, '_, '_, P, A> {
    fn drop(&mut self) {
        self.stmt.reset();
    }
}

/// The rows of [`Statement::query_map`]: each row mapped by the
/// closure, an error ending the iteration.
pub struct MappedRows<'s, 'c, 'db, P: Platform, A: Allocator + Clone, F> {
    rows: Rows<'s, 'c, 'db, P, A>,
    f: F,
}

impl<P: Platform, A: Allocator + Clone, T, F: FnMut(&Row<'_, A>) -> Result<T>> Iterator
    for MappedRows<'_, '_, '_, P, A, F>
{
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        match self.rows.next() {
            Ok(Some(row)) => Some((self.f)(&row)),
            Ok(None) => None,
            Err(e) => Some(Err(e)),
        }
    }
}

impl<'c, 'db, P: Platform, A: Allocator + Clone> Statement<'c, 'db, P, A> {
    /// Resets the statement and binds `params`.
    fn rebind(&mut self, params: impl Params) -> Result<()> {
        self.reset();
        params.list().bind_all(self)
    }

    /// Runs the statement to its end with `params`; returns the rows it
    /// changed (rows a query returns are read and dropped).
    pub fn execute(&mut self, params: impl Params) -> Result<usize> {
        self.rebind(params)?;
        while self.step()?.is_some() {}
        Ok(self.changes())
    }

    /// Runs the statement with `params`, its rows read from the
    /// returned [`Rows`].
    pub fn query(&mut self, params: impl Params) -> Result<Rows<'_, 'c, 'db, P, A>> {
        self.rebind(params)?;
        Ok(Rows { stmt: self })
    }

    /// Runs the statement with `params`, each row mapped by `f`.
    ///
    /// ```
    /// # let disk = boundlite::platform::MemoryPlatform::new();
    /// # let db = boundlite::Database::open(&disk, "q.db", &boundlite::Config::DEFAULT, boundlite::alloc::Global)?;
    /// let conn = db.connect();
    /// conn.execute("CREATE TABLE t(n INTEGER)", ())?;
    /// conn.execute("INSERT INTO t VALUES (1), (2), (3)", ())?;
    /// let mut stmt = conn.prepare("SELECT n FROM t WHERE n > ?1 ORDER BY n")?;
    /// let mut sum = 0;
    /// for n in stmt.query_map(boundlite::params![1], |row| row.get::<i64>(0))? {
    ///     sum += n?;
    /// }
    /// assert_eq!(sum, 5);
    /// # Ok::<(), boundlite::Error>(())
    /// ```
    pub fn query_map<T, F: FnMut(&Row<'_, A>) -> Result<T>>(
        &mut self,
        params: impl Params,
        f: F,
    ) -> Result<MappedRows<'_, 'c, 'db, P, A, F>> {
        Ok(self.query(params)?.mapped(f))
    }

    /// Runs the statement with `params` and maps its first row by `f`;
    /// [`Error::NoRows`] when it returns none. The statement is reset
    /// after.
    pub fn query_row<T, F: FnOnce(&Row<'_, A>) -> Result<T>>(
        &mut self,
        params: impl Params,
        f: F,
    ) -> Result<T> {
        let mut rows = self.query(params)?;
        match rows.next()? {
            Some(row) => f(&row),
            None => Err(Error::NoRows),
        }
    }
}
