//! `RETURNING` on `INSERT`, `UPDATE` and `DELETE`: one row of values per
//! row stored, updated or deleted, computed from the row as stored (as
//! it was, for a deleted one) and held until the statement has made
//! every change, as SQLite returns them.
//!
//! Invariant: the rows held stay within the statement's sort budget
//! (`sort_memory`); past it the statement fails, naming the limit, and is
//! undone, rather than hold rows without bound.
//!
//! Subqueries in the columns run as each row is computed, those that
//! read no row once a statement (see `once`), as SQLite runs them.
//!
//! Refused: a subquery that may read the table changed (which changes
//! it sees is SQLite's own order of work); aggregate functions and
//! `t.*`, as SQLite refuses them.

use boundlite_platform::Platform;

use crate::alloc::{Allocator, Vec};
use crate::btree::SeekMode;
use crate::record::{RecordRef, ValueRef};
use crate::schema::StoredBy;
use crate::sql::eval::{Value, evaluate};
use crate::sql::{ColumnPos, Expr, Ident, ResultColumn};
use crate::table::{TableInfo, Writer};
use crate::{Error, Result, RowId};

use super::calls::has_aggregate;
use super::check::{columns_exist, columns_exist_within};
use super::once::Once;
use super::scope::One;
use super::select::assign;
use super::subquery::{Runner, Subqueries, expr_holds_subquery};
use super::{Env, table_names, with};

/// The rows a `RETURNING` clause has computed so far.
pub(crate) type Returned<A> = Vec<Vec<Value<A>, A>, A>;

/// A statement's `RETURNING` clause and the rows it has computed.
pub(crate) struct Returning<'r, P: Platform, A: Allocator + Clone> {
    columns: &'r [ResultColumn<'r, A>],
    alias: Option<Ident<'r>>,
    rows: Returned<A>,
    /// What `rows` holds, counted as their values' bytes and a few
    /// words each.
    bytes: usize,
    budget: usize,
    /// Where its subqueries keep what they read once a statement, as
    /// SQLite reads a subquery that reads no row; `None` when it holds
    /// none.
    once: Option<Once<P, A>>,
}

impl<'r, P: Platform, A: Allocator + Clone> Returning<'r, P, A> {
    /// The clause `columns` of a statement on `table` (called `alias`),
    /// run through `w` in `env`, its names checked; `None` for a
    /// statement without one.
    pub fn new(
        columns: &'r [ResultColumn<'r, A>],
        table: &TableInfo<A>,
        alias: Option<Ident<'r>>,
        w: &Writer<'_, '_, P, A>,
        env: Env<'_, A>,
    ) -> Result<Option<Self>> {
        if columns.is_empty() {
            return Ok(None);
        }
        let runner = Runner::new(w.view());
        let check_env = Env {
            subqueries: Some(&runner as &dyn Subqueries<A>),
            ..env
        };
        let mut subqueries = false;
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
                    if !expr_holds_subquery(expr) {
                        columns_exist(expr, Some(table), alias.as_ref())?;
                        continue;
                    }
                    subqueries = true;
                    refuse_reading(expr, table, env)?;
                    let scope = One::new(Some(table), alias.as_ref());
                    columns_exist_within(expr, &scope, Some(check_env))?;
                }
            }
        }
        Ok(Some(Returning {
            columns,
            alias,
            rows: Vec::new_in(env.alloc.clone()),
            bytes: 0,
            budget: w.view().sort_budget().bytes,
            once: subqueries.then(Once::new),
        }))
    }

    /// Whether the clause holds subqueries.
    pub fn has_subqueries(&self) -> bool {
        self.once.is_some()
    }

    /// Computes the row `rowid` of `table` returns, as the table holds it
    /// when called; none when the table has no such row.
    pub fn row(
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
        self.of_record(w, table, rowid, record, env)
    }

    /// Computes the row a change just stored returns: row `rowid` of
    /// `table`, or in a `WITHOUT ROWID` table the row whose record is
    /// `record`.
    pub fn stored_row(
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
                self.of_record(w, table, RowId::new(0), record, env)
            }
        }
    }

    /// Computes the row of `table` whose rowid is `rowid` and record
    /// `record` returns.
    pub fn of_record(
        &mut self,
        w: &Writer<'_, '_, P, A>,
        table: &TableInfo<A>,
        rowid: RowId,
        record: RecordRef<'_>,
        env: Env<'_, A>,
    ) -> Result<()> {
        let alloc = env.alloc.clone();
        let runner = self
            .once
            .as_ref()
            .map(|once| Runner::keeping(w.view(), env.tables, once, env.text));
        let env = Env {
            subqueries: runner.as_ref().map(|r| r as &dyn Subqueries<A>),
            ..env
        };
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

/// Refuses a subquery of `expr` that may read `table`, the table
/// changed: one that names it, or a `WITH` table or view, which may.
/// Which of the changes such a subquery sees is SQLite's own order of
/// work.
fn refuse_reading<A: Allocator + Clone>(
    expr: &Expr<'_, A>,
    table: &TableInfo<A>,
    env: Env<'_, A>,
) -> Result<()> {
    let mut reads = false;
    table_names::in_expr(expr, &mut |name| {
        reads |= name.name.eq_ignore_ascii_case(&table.name) || with::names_query(name, env);
        Ok(())
    })?;
    match reads {
        true => Err(Error::Sql(
            "subqueries in RETURNING that read the table changed are not supported",
        )),
        false => Ok(()),
    }
}
