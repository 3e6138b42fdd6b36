//! [`Joined`]: the rows an `UPDATE ... FROM` changes and their new values.
//!
//! The statement's join (its table, then the tables of its `FROM`, see
//! [`Update::from`]) is read to its end before any row changes, as
//! SQLite reads it into a table of its own first: every value, subquery
//! and table of the `FROM` reads the rows as they were before the
//! statement. Each joined row gives the rowid of the table's row and the
//! values assigned to it; they are sorted by rowid, in the sort budget
//! (spilling past it, see `crate::sort`).
//!
//! The names of the `FROM` are SQLite's: its `ON` clauses do not see the
//! table updated, and it may name that table only under an alias (or the
//! table itself be aliased).
//!
//! Invariants: each row of the table is changed at most once, with the
//! values of the first joined row that matched it (which one SQLite takes
//! is unspecified); rows come out in rowid order; a joined row whose table
//! row is a `LEFT` or `RIGHT JOIN`'s row of NULLs changes nothing.

use boundlite_platform::Platform;

use crate::alloc::{Allocator, Vec};
use crate::record::{Collation, RecordRef, ValueRef};
use crate::sort::{Current, SortKey, Sorted, Sorter};
use crate::sql::eval::any_node;
use crate::sql::eval::{Value, evaluate};
use crate::sql::{ColumnPos, Expr, Ident, JoinConstraint, SelectBody, TableRef, Update};
use crate::table::{TableInfo, Writer};
use crate::{Error, Named, Result, RowId};

use super::Env;
use super::change::{Assigned, assigned_values};
use super::check::{columns_exist_within, row_subquery_exists};
use super::insert::updated_column;
use super::select::{self, assign, load_table};
use super::subquery::{Runner, Subqueries};

/// The rows of the table an `UPDATE ... FROM` changes, in rowid order,
/// each with the values assigned to it.
pub(crate) struct Joined<F, A: Allocator> {
    rows: Sorted<F, A>,
    /// The rowid of the row handed out last.
    last: Option<i64>,
    /// The values assigned to that row, one per assigned column.
    values: Vec<Value<A>, A>,
}

/// The table an `UPDATE ... FROM` changes and the rows it changes.
type Read<P, A> = (TableInfo<A>, Joined<<P as Platform>::File, A>);

/// Reads the join of `update` (whose `FROM` and `WHERE` are `body`) in
/// `env`: the table it changes, with the columns its assignments set in
/// `columns`, and the rows it changes with their values.
pub(crate) fn collect<P: Platform, A: Allocator + Clone>(
    w: &Writer<'_, '_, P, A>,
    update: &Update<'_, A>,
    body: &SelectBody<'_, A>,
    env: Env<'_, A>,
    columns: &mut Vec<ColumnPos, A>,
) -> Result<Read<P, A>> {
    let view = w.view();
    let alloc = env.alloc.clone();
    let table = load_table(view, &update.table, env).map_err(|e| update.table.as_written(e))?;
    table.check_writable()?;
    if env.ctes.is_some_and(|c| c.has(&update.table.name)) {
        return Err(Error::Sql(
            "UPDATE ... FROM of a table a WITH table's name hides is not supported",
        ));
    }
    check_from(update, body, &table)?;
    columns.try_reserve(update.assignments.iter().map(|a| a.columns.len()).sum())?;
    for assignment in update.assignments.iter() {
        for name in assignment.columns.iter() {
            columns.try_push(updated_column(&table, name)?)?;
        }
    }
    let runner = Runner::new(view);
    let env = Env {
        subqueries: Some(&runner as &dyn Subqueries<A>),
        ..env
    };
    let mut slot = None;
    let collected = (|| {
        let rows = select::open_source(view, body, env, &mut slot)?;
        {
            let scope = rows.scope(None);
            for assignment in update.assignments.iter() {
                match assigned_values(assignment)? {
                    Assigned::Values(values) => {
                        for value in values {
                            columns_exist_within(value, &scope, Some(env))?;
                        }
                    }
                    Assigned::Row(select) => {
                        row_subquery_exists(select, assignment.columns.len(), &scope, env)?;
                    }
                }
            }
        }
        // Each joined row: the rowid, the values, its number in the join.
        let width = columns.len() + 2;
        let mut keys = Vec::try_with_capacity_in(2, alloc.clone())?;
        keys.try_push(SortKey::ascending(0, Collation::Binary))?;
        keys.try_push(SortKey::ascending(width - 1, Collation::Binary))?;
        let mut sorter = Sorter::new(view.platform(), keys, view.sort_budget(), alloc.clone());
        let mut position = Vec::try_with_capacity_in(rows.position_width(), alloc.clone())?;
        let mut subquery_row = Vec::new_in(alloc.clone());
        let mut number = 0i64;
        while rows.advance(env, body)? {
            position.clear();
            rows.push_position(&mut position)?;
            let Some(Value::Integer(rowid)) = position.first() else {
                continue;
            };
            let rowid = *rowid;
            let mut row = Vec::try_with_capacity_in(width, alloc.clone())?;
            row.try_push(Value::Integer(rowid))?;
            rows.with_row(env, None, |ctx| {
                for assignment in update.assignments.iter() {
                    match assigned_values(assignment)? {
                        Assigned::Values(values) => {
                            for value in values {
                                row.try_push(evaluate(value, ctx)?)?;
                            }
                        }
                        Assigned::Row(select) => {
                            let n = assignment.columns.len();
                            ctx.subquery_row(select, n, &mut subquery_row)?;
                            for value in subquery_row.iter_mut() {
                                row.try_push(core::mem::replace(value, Value::Null))?;
                            }
                        }
                    }
                }
                Ok(())
            })?;
            row.try_push(Value::Integer(number))?;
            number += 1;
            sorter.push(row)?;
        }
        sorter.finish()
    })();
    select::give_back(slot, env);
    let rows = collected?;
    let values = Vec::try_with_capacity_in(columns.len(), alloc)?;
    let joined = Joined {
        rows,
        last: None,
        values,
    };
    Ok((table, joined))
}

/// SQLite's errors for a `FROM` that names the table updated, unaliased
/// on both sides, and for an `ON` clause of the `FROM` that names it
/// (the table joins the `FROM`'s tables once they are joined).
fn check_from<A: Allocator>(
    update: &Update<'_, A>,
    body: &SelectBody<'_, A>,
    table: &TableInfo<A>,
) -> Result<()> {
    let Some(from) = &body.from else {
        return Ok(());
    };
    let called = |name: &Ident<'_>| match &update.alias {
        Some(alias) => alias.as_str().is_some_and(|a| name.eq_ignore_ascii_case(a)),
        None => name.eq_ignore_ascii_case(&table.name),
    };
    let mut shadowed = false;
    for join in from.joins.iter() {
        match &join.table {
            TableRef::Table {
                name, alias: None, ..
            } => {
                if update.alias.is_none() && name.name.eq_ignore_ascii_case(&table.name) {
                    return Err(Named::TargetInFrom.error(&table.name));
                }
                shadowed |= called(&name.name);
            }
            TableRef::Table {
                alias: Some(alias), ..
            }
            | TableRef::Subquery {
                alias: Some(alias), ..
            }
            | TableRef::Function {
                alias: Some(alias), ..
            } => shadowed |= called(alias),
            TableRef::Function {
                name, alias: None, ..
            } => shadowed |= called(name),
            TableRef::Subquery { alias: None, .. } => {}
        }
    }
    if shadowed {
        return Ok(());
    }
    for join in from.joins.iter() {
        let Some(JoinConstraint::On(on)) = &join.constraint else {
            continue;
        };
        let mut named = None;
        any_node(on, &mut |e| match e {
            Expr::Column(c) if c.schema.is_none() && c.table.as_ref().is_some_and(called) => {
                named = Some(c.unknown());
                true
            }
            _ => false,
        });
        if let Some(e) = named {
            return Err(e);
        }
    }
    Ok(())
}

impl<F: boundlite_platform::File, A: Allocator + Clone> Joined<F, A> {
    /// The next row to change; `None` past the last.
    pub fn next(&mut self) -> Result<Option<RowId>> {
        while self.rows.advance()? {
            let current = self.rows.current()?;
            let rowid = match current.column(0)? {
                ValueRef::Integer(rowid) => rowid,
                _ => return Err(Error::Misuse("a joined row without its rowid")),
            };
            if self.last == Some(rowid) {
                continue;
            }
            self.last = Some(rowid);
            self.values.clear();
            let alloc = self.values.allocator().clone();
            match current {
                Current::Values(row) => {
                    let n = row.len().saturating_sub(2);
                    for value in row.iter_mut().skip(1).take(n) {
                        self.values
                            .try_push(core::mem::replace(value, Value::Null))?;
                    }
                }
                Current::Record(record) => {
                    let n = record.column_count().saturating_sub(2);
                    for value in record.columns().skip(1).take(n) {
                        let mut slot = Value::Null;
                        assign(&mut slot, value?, &alloc)?;
                        self.values.try_push(slot)?;
                    }
                }
            }
            return Ok(Some(RowId::new(rowid)));
        }
        Ok(None)
    }

    /// Fills `values` with the values of row `rowid` of `table` (its
    /// record `record`, read in `env`) after the assignments to
    /// `columns`, with the values the join gave it; returns the row's
    /// new rowid.
    pub fn assigned_row(
        &self,
        table: &TableInfo<A>,
        rowid: RowId,
        record: RecordRef<'_>,
        columns: &[ColumnPos],
        env: Env<'_, A>,
        values: &mut Vec<Value<A>, A>,
    ) -> Result<Value<A>> {
        let alloc = env.alloc.clone();
        let mut ctx = env.context().with_table(table, None);
        ctx.on_row(rowid, record);
        let n = table.column_count();
        values.truncate(n);
        values.try_reserve(n.saturating_sub(values.len()))?;
        while values.len() < n {
            values.try_push(Value::Null)?;
        }
        for (i, slot) in values.iter_mut().enumerate() {
            if !columns.contains(&ColumnPos::Column(i)) {
                assign(slot, ctx.column_at(ColumnPos::Column(i))?, &alloc)?;
            }
        }
        let mut new_rowid = Value::Integer(rowid.get());
        for (target, value) in columns.iter().zip(self.values.iter()) {
            match target {
                ColumnPos::Rowid => assign(&mut new_rowid, value.as_ref(), &alloc)?,
                ColumnPos::Column(i) => {
                    let slot = values
                        .get_mut(*i)
                        .ok_or(Error::Misuse("an assigned column out of place"))?;
                    assign(slot, value.as_ref(), &alloc)?;
                }
            }
        }
        Ok(new_rowid)
    }
}
