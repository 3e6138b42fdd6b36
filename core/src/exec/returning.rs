//! `RETURNING` on `INSERT`, `UPDATE` and `DELETE`: one row of values per
//! row stored, updated or deleted, computed from the row as stored (as
//! it was, for a deleted one) and held until the statement has made
//! every change, as SQLite returns them.
//!
//! Invariant: the rows held stay within the statement's sort budget
//! (`sort_memory`); past it the statement fails, naming the limit, and is
//! undone, rather than hold rows without bound.
//!
//! Refused: subqueries in the columns; aggregate functions and `t.*`,
//! as SQLite refuses them.

use boundlite_platform::Platform;

use crate::alloc::{Allocator, Vec};
use crate::btree::SeekMode;
use crate::record::{RecordRef, ValueRef};
use crate::schema::StoredBy;
use crate::sql::eval::{Value, evaluate};
use crate::sql::{ColumnPos, Expr, Ident, ResultColumn};
use crate::table::{TableInfo, Writer};
use crate::{Error, Result, RowId};

use super::Env;
use super::calls::has_aggregate;
use super::check::columns_exist;
use super::select::assign;

/// The rows a `RETURNING` clause has computed so far.
pub(crate) type Returned<A> = Vec<Vec<Value<A>, A>, A>;

/// A statement's `RETURNING` clause and the rows it has computed.
pub(crate) struct Returning<'r, A: Allocator> {
    columns: &'r [ResultColumn<'r, A>],
    alias: Option<Ident<'r>>,
    rows: Returned<A>,
    /// What `rows` holds, counted as their values' bytes and a few
    /// words each.
    bytes: usize,
    budget: usize,
}

impl<'r, A: Allocator + Clone> Returning<'r, A> {
    /// The clause `columns` of a statement on `table` (called `alias`),
    /// its names checked; `None` for a statement without one.
    pub fn new(
        columns: &'r [ResultColumn<'r, A>],
        table: &TableInfo<A>,
        alias: Option<Ident<'r>>,
        budget: usize,
        alloc: A,
    ) -> Result<Option<Self>> {
        if columns.is_empty() {
            return Ok(None);
        }
        for column in columns {
            match column {
                ResultColumn::Star => {}
                ResultColumn::TableStar(_) => {
                    return Err(Error::Sql("RETURNING may not use \"TABLE.*\" wildcards"));
                }
                ResultColumn::Expr { expr, .. } => {
                    if has_aggregate(expr) {
                        return Err(Error::Sql("misuse of aggregate function in RETURNING"));
                    }
                    refuse_subqueries(expr)?;
                    columns_exist(expr, Some(table), alias.as_ref())?;
                }
            }
        }
        Ok(Some(Returning {
            columns,
            alias,
            rows: Vec::new_in(alloc),
            bytes: 0,
            budget,
        }))
    }

    /// Computes the row `rowid` of `table` returns, as the table holds it
    /// when called; none when the table has no such row.
    pub fn row<P: Platform>(
        &mut self,
        w: &Writer<'_, '_, P, A>,
        table: &TableInfo<A>,
        rowid: RowId,
        env: Env<'_, A>,
    ) -> Result<()> {
        let mut cursor = w.table_cursor(table.root);
        if !cursor.seek(rowid, SeekMode::Eq)? {
            return Ok(());
        }
        let payload = cursor.payload()?;
        let record = RecordRef::parse(&payload, Some(table.root))?;
        self.of_record(table, rowid, record, env)
    }

    /// Computes the row a change just stored returns: row `rowid` of
    /// `table`, or in a `WITHOUT ROWID` table the row whose record is
    /// `record`.
    pub fn stored_row<P: Platform>(
        &mut self,
        w: &Writer<'_, '_, P, A>,
        table: &TableInfo<A>,
        rowid: RowId,
        record: &[u8],
        env: Env<'_, A>,
    ) -> Result<()> {
        match table.columns.stored_by {
            StoredBy::Rowid => self.row(w, table, rowid, env),
            StoredBy::PrimaryKey => {
                let record = RecordRef::parse(record, Some(table.root))?;
                self.of_record(table, RowId::new(0), record, env)
            }
        }
    }

    /// Computes the row of `table` whose rowid is `rowid` and record
    /// `record` returns.
    pub fn of_record(
        &mut self,
        table: &TableInfo<A>,
        rowid: RowId,
        record: RecordRef<'_>,
        env: Env<'_, A>,
    ) -> Result<()> {
        let alloc = env.alloc.clone();
        let mut ctx = env.context().with_table(table, self.alias);
        ctx.on_row(rowid, record);
        let mut row = Vec::new_in(alloc.clone());
        let mut bytes = 0usize;
        let mut push = |row: &mut Vec<Value<A>, A>, value: Value<A>| -> Result<()> {
            bytes = bytes.saturating_add(match value.as_ref() {
                ValueRef::Text(t) | ValueRef::Blob(t) => t.len().saturating_add(32),
                _ => 32,
            });
            Ok(row.try_push(value)?)
        };
        for column in self.columns {
            match column {
                ResultColumn::Star | ResultColumn::TableStar(_) => {
                    // `t.*` was refused when the clause was read.
                    for i in 0..table.column_count() {
                        let mut slot = Value::Null;
                        assign(&mut slot, ctx.column_at(ColumnPos::Column(i))?, &alloc)?;
                        push(&mut row, slot)?;
                    }
                }
                ResultColumn::Expr { expr, .. } => push(&mut row, evaluate(expr, &ctx)?)?,
            }
        }
        self.bytes = self.bytes.saturating_add(bytes);
        if self.bytes > self.budget {
            return Err(Error::Sql(
                "RETURNING rows past sort_memory are not supported",
            ));
        }
        self.rows.try_push(row)?;
        Ok(())
    }

    /// The rows computed, in the order the changes were made.
    pub fn into_rows(self) -> Returned<A> {
        self.rows
    }
}

/// Refuses a subquery anywhere in `expr`.
fn refuse_subqueries<A: Allocator>(expr: &Expr<'_, A>) -> Result<()> {
    match expr {
        Expr::Subquery(_) | Expr::Exists(_) | Expr::InSelect(_) => {
            Err(Error::Sql("subqueries in RETURNING are not supported"))
        }
        _ => expr.try_for_each_child(refuse_subqueries),
    }
}
