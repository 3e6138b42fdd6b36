//! [`Source`]: the rows a statement visits, in rowid order (in index
//! order for an index seek), as its plan narrows them; or, for a query
//! without `FROM`, one row with no columns.
//!
//! Invariant: the source only positions its cursors; the caller reads the
//! current row through [`Source::with_row`], which parses the record and
//! hands an expression context over it, and evaluates `WHERE` itself. An
//! index seek walks the index entries equal to its key on the first
//! column and moves the table cursor to the rowid each one ends with.

use boundlite_platform::Platform;

use crate::alloc::Allocator;
use crate::btree::{IndexCursor, SeekMode, TableCursor};
use crate::pager::Pager;
use crate::record::{KeyColumn, RecordRef, ValueRef, compare_record_with_values};
use crate::sql::Ident;
use crate::sql::eval::Value;
use crate::{Database, Error, Result};

use super::super::context::RowContext;
use super::super::plan::{Access, Plan};
use super::super::table::TableInfo;
use super::Env;

/// A table cursor over a database's pager.
pub(crate) type Cursor<'db, P, A> = TableCursor<'db, Pager<<P as Platform>::File, A>, A>;

/// An index cursor over a database's pager.
type Index<'db, P, A> = IndexCursor<'db, Pager<<P as Platform>::File, A>, A>;

/// The index an index seek walks.
struct IndexSeek<'db, P: Platform, A: Allocator + Clone> {
    cursor: Index<'db, P, A>,
    /// The value the entries' first column must equal.
    key: Value<A>,
    /// How that column compares.
    column: KeyColumn,
}

/// The rows one statement visits.
pub(crate) struct Source<'db, P: Platform, A: Allocator + Clone> {
    /// The table and its cursor; `None` for a query without `FROM`.
    table: Option<(TableInfo<A>, Cursor<'db, P, A>)>,
    /// For [`Plan::IndexEq`], the index walked.
    index: Option<IndexSeek<'db, P, A>>,
    plan: Plan,
    started: bool,
    done: bool,
}

impl<'db, P: Platform, A: Allocator + Clone> Source<'db, P, A> {
    /// The one empty row of a query without `FROM`.
    pub fn constant() -> Self {
        Source {
            table: None,
            index: None,
            plan: Plan::Scan,
            started: false,
            done: false,
        }
    }

    /// The rows of `table` that `access` visits.
    pub fn table(db: &'db Database<P, A>, table: TableInfo<A>, access: Access<A>) -> Self {
        let cursor = db.table_cursor(table.root);
        let Access { mut plan, key } = access;
        let index = match (plan, key) {
            (Plan::IndexEq { index }, Some(key)) => table.indexes.get(index).map(|i| IndexSeek {
                cursor: db.index_cursor(i.root),
                key,
                column: i.keys.first().copied().unwrap_or_default(),
            }),
            _ => None,
        };
        if matches!(plan, Plan::IndexEq { .. }) && index.is_none() {
            // No key or no such index: fall back to visiting every row.
            plan = Plan::Scan;
        }
        Source {
            table: Some((table, cursor)),
            index,
            plan,
            started: false,
            done: false,
        }
    }

    /// The table, if any.
    pub fn info(&self) -> Option<&TableInfo<A>> {
        self.table.as_ref().map(|(t, _)| t)
    }

    /// The table, taken back.
    pub fn into_info(self) -> Option<TableInfo<A>> {
        self.table.map(|(t, _)| t)
    }

    /// Moves to the next row; `false` when there is none.
    pub fn advance(&mut self) -> Result<bool> {
        if self.done {
            return Ok(false);
        }
        let first = !self.started;
        self.started = true;
        let on = match &mut self.table {
            None => first,
            Some((_, cursor)) if self.index.is_some() => match self.index.as_mut() {
                Some(seek) => seek.advance(cursor, first)?,
                None => false,
            },
            Some((_, cursor)) => {
                let on = match (self.plan, first) {
                    (Plan::Empty | Plan::IndexEq { .. }, _) | (Plan::RowidEq(_), false) => false,
                    (Plan::RowidEq(n), true) => cursor.seek(n, SeekMode::Eq)?,
                    (Plan::Scan | Plan::RowidRange { low: None, .. }, true) => cursor.first()?,
                    (
                        Plan::RowidRange {
                            low: Some((n, inclusive)),
                            ..
                        },
                        true,
                    ) => {
                        let mode = if inclusive {
                            SeekMode::Ge
                        } else {
                            SeekMode::Gt
                        };
                        cursor.seek(n, mode)?
                    }
                    (_, false) => cursor.next()?,
                };
                match (on, self.plan) {
                    (
                        true,
                        Plan::RowidRange {
                            high: Some((h, inclusive)),
                            ..
                        },
                    ) => {
                        let rowid = cursor.rowid()?;
                        if inclusive { rowid <= h } else { rowid < h }
                    }
                    (on, _) => on,
                }
            }
        };
        if !on {
            self.done = true;
        }
        Ok(on)
    }

    /// Moves the table cursor to the row `rowid`, whatever the plan;
    /// `false` when there is none. Without a table, the one empty row.
    pub fn seek_rowid(&mut self, rowid: i64) -> Result<bool> {
        match &mut self.table {
            Some((_, cursor)) => cursor.seek(rowid, SeekMode::Eq),
            None => Ok(true),
        }
    }

    /// The current row's rowid (0 without a table).
    pub fn rowid(&self) -> Result<i64> {
        match &self.table {
            Some((_, cursor)) => cursor.rowid(),
            None => Ok(0),
        }
    }

    /// Runs `f` with a context on the current row, the table called
    /// `alias` in the statement.
    pub fn with_row<T>(
        &mut self,
        env: Env<'_, A>,
        alias: Option<Ident<'_>>,
        f: impl FnOnce(&RowContext<'_, '_, A>) -> Result<T>,
    ) -> Result<T> {
        let ctx = env.context();
        match &mut self.table {
            None => f(&ctx),
            Some((table, cursor)) => {
                let rowid = cursor.rowid()?;
                let payload = cursor.payload()?;
                let record = RecordRef::parse(&payload, Some(table.root))?;
                let mut ctx = ctx.with_table(table, alias);
                ctx.on_row(rowid, record);
                f(&ctx)
            }
        }
    }
}

impl<'db, P: Platform, A: Allocator + Clone> IndexSeek<'db, P, A> {
    /// Moves to the next index entry equal to the key and `table` to the
    /// row it names; `false` when there is none.
    fn advance(&mut self, table: &mut Cursor<'db, P, A>, first: bool) -> Result<bool> {
        let key = [self.key.as_ref()];
        let columns = [self.column];
        let on = if first {
            self.cursor.seek(&key, &columns, SeekMode::Eq)?
        } else {
            self.cursor.next()?
        };
        if !on {
            return Ok(false);
        }
        let payload = self.cursor.payload()?;
        let entry = RecordRef::parse(&payload, None)?;
        if !first && compare_record_with_values(&entry, &key, &columns)?.is_ne() {
            return Ok(false);
        }
        let last = entry
            .column_count()
            .checked_sub(1)
            .ok_or(Error::Sql("an index entry without a rowid"))?;
        let ValueRef::Integer(rowid) = entry.column(last)? else {
            return Err(Error::Sql("an index entry without a rowid"));
        };
        drop(payload);
        if !table.seek(rowid, SeekMode::Eq)? {
            return Err(Error::Sql("an index entry names a row that is not there"));
        }
        Ok(true)
    }
}
