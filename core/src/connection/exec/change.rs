//! `UPDATE t SET c = expr, ... [WHERE ...]` and `DELETE FROM t [WHERE
//! ...]`.
//!
//! Invariants: the rowids to change are collected first (the plan
//! narrows the rows visited, `WHERE` decides), then each row is changed,
//! in the order SQLite changes them: the order visited, unless an update
//! may replace rows, sets the rowid or changes the index an index range
//! walks, where SQLite collects the rowids first and changes them in
//! rowid order (which row an `OR REPLACE` keeps, or whether a `UNIQUE`
//! check fails, depends on that order). Each row is changed so:
//! an update deletes the old row with its index entries and stores the
//! new one through [`store_row`], so affinity, `NOT NULL`, uniqueness and
//! index maintenance are those of `INSERT`. A row deleted by an earlier
//! `OR REPLACE` in the same statement is skipped.

use boundlite_platform::Platform;

use crate::alloc::{Allocator, Vec};
use crate::btree::SeekMode;
use crate::record::RecordRef;
use crate::schema::ColumnSource;
use crate::sql::eval::{Value, evaluate, evaluate_condition};
use crate::sql::{Conflict, Delete, Expr, Ident, QualifiedName, Update};
use crate::{Error, Result};

use super::super::check::columns_exist;
use super::super::context::ColumnPos;
use super::super::plan::{Plan, choose};
use super::super::table::TableInfo;
use super::super::writer::Writer;
use super::Env;
use super::insert::{column_named, store_row};
use super::select::load_table;
use super::source::Source;

/// The table `name` and the rowids of its rows that pass `where_clause`.
fn targets<P: Platform, A: Allocator + Clone>(
    w: &Writer<'_, '_, P, A>,
    name: &QualifiedName<'_>,
    alias: Option<Ident<'_>>,
    where_clause: Option<&Expr<'_, A>>,
    env: Env<'_, A>,
) -> Result<(TableInfo<A>, Vec<i64, A>, Plan)> {
    let table = load_table(w.db(), &name.name, env, true)?;
    if let Some(clause) = where_clause {
        columns_exist(clause, Some(&table), alias.as_ref())?;
    }
    let access = choose(where_clause, &table, alias.as_ref(), &env.context())?;
    let plan = access.plan;
    let mut source = Source::table(w.db(), table, access);
    let mut rowids = Vec::new_in(env.alloc.clone());
    while source.advance()? {
        let keep = source.with_row(env, alias, |ctx| match where_clause {
            Some(clause) => Ok(evaluate_condition(clause, ctx)? == Some(true)),
            None => Ok(true),
        })?;
        if keep {
            rowids.try_push(source.rowid()?)?;
        }
    }
    let table = source
        .into_info()
        .ok_or(Error::Misuse("table source without a table"))?;
    Ok((table, rowids, plan))
}

/// Runs `delete`; returns the rows deleted.
pub(crate) fn delete<P: Platform, A: Allocator + Clone>(
    w: &mut Writer<'_, '_, P, A>,
    delete: &Delete<'_, A>,
    env: Env<'_, A>,
) -> Result<usize> {
    let (table, rowids, _) = targets(
        w,
        &delete.table,
        delete.alias,
        delete.where_clause.as_ref(),
        env,
    )?;
    let mut changed = 0;
    for rowid in rowids.iter() {
        if w.delete(&table, *rowid)? {
            changed += 1;
        }
    }
    env.tables.put(table);
    Ok(changed)
}

/// Runs `update`; returns the rows updated.
pub(crate) fn update<P: Platform, A: Allocator + Clone>(
    w: &mut Writer<'_, '_, P, A>,
    update: &Update<'_, A>,
    env: Env<'_, A>,
) -> Result<usize> {
    if update.from.is_some() {
        return Err(Error::Sql("UPDATE ... FROM is not supported"));
    }
    let conflict = update.conflict.unwrap_or(Conflict::Abort);
    if conflict == Conflict::Ignore {
        return Err(Error::Sql("UPDATE OR IGNORE is not supported"));
    }
    let alloc = env.alloc.clone();
    let (table, mut rowids, plan) = targets(
        w,
        &update.table,
        update.alias,
        update.where_clause.as_ref(),
        env,
    )?;
    let mut columns = Vec::try_with_capacity_in(update.assignments.len(), alloc.clone())?;
    for assignment in update.assignments.iter() {
        let [name] = assignment.columns.as_slice() else {
            return Err(Error::Sql("row-value assignments are not supported"));
        };
        columns.try_push(column_named(&table, name)?)?;
        columns_exist(&assignment.value, Some(&table), update.alias.as_ref())?;
    }
    if let Plan::IndexRange { index, .. } = plan {
        let walked = table.indexes.get(index);
        let changes_walked = columns.iter().any(|c| match c {
            ColumnPos::Column(i) => walked.is_some_and(|index| {
                index.columns.columns.iter().any(|k| match k.source {
                    ColumnSource::Column(j) => j == *i,
                    // An expression may read the column.
                    ColumnSource::Expression => true,
                })
            }),
            ColumnPos::Rowid => true,
        });
        if conflict == Conflict::Replace || changes_walked {
            rowids.sort_unstable();
        }
    }
    let mut record = Vec::new_in(alloc.clone());
    let mut changed = 0;
    for &rowid in rowids.iter() {
        let Some((mut values, new_rowid)) = new_row(w, &table, rowid, update, &columns, env)?
        else {
            continue;
        };
        if new_rowid.is_null() {
            return Err(Error::Sql("datatype mismatch"));
        }
        w.delete(&table, rowid)?;
        if store_row(
            w,
            &table,
            Some(new_rowid),
            &mut values,
            conflict,
            &mut record,
        )? {
            changed += 1;
        }
    }
    env.tables.put(table);
    Ok(changed)
}

/// A row's values after an update, and its rowid.
type Updated<A> = (Vec<Value<A>, A>, Value<A>);

/// The values of row `rowid` after `update`'s assignments, and its new
/// rowid; `None` when the row is gone.
fn new_row<P: Platform, A: Allocator + Clone>(
    w: &Writer<'_, '_, P, A>,
    table: &TableInfo<A>,
    rowid: i64,
    update: &Update<'_, A>,
    columns: &[ColumnPos],
    env: Env<'_, A>,
) -> Result<Option<Updated<A>>> {
    let alloc = env.alloc.clone();
    let mut cursor = w.db().table_cursor(table.root);
    if !cursor.seek(rowid, SeekMode::Eq)? {
        return Ok(None);
    }
    let payload = cursor.payload()?;
    let record = RecordRef::parse(&payload, Some(table.root))?;
    let mut ctx = env.context().with_table(table, update.alias);
    ctx.on_row(rowid, record);
    let mut values = Vec::try_with_capacity_in(table.column_count(), alloc.clone())?;
    for i in 0..table.column_count() {
        values.try_push(Value::try_from_ref(
            ctx.column_at(ColumnPos::Column(i))?,
            alloc.clone(),
        )?)?;
    }
    let mut new_rowid = Value::Integer(rowid);
    // Every right-hand side reads the row as it was, so all are
    // evaluated before any is assigned.
    let mut assigned = Vec::try_with_capacity_in(columns.len(), alloc)?;
    for assignment in update.assignments.iter() {
        assigned.try_push(evaluate(&assignment.value, &ctx)?)?;
    }
    for (target, value) in columns.iter().zip(assigned.drain(..)) {
        match target {
            ColumnPos::Rowid => new_rowid = value,
            ColumnPos::Column(i) => {
                if let Some(slot) = values.get_mut(*i) {
                    *slot = value;
                }
            }
        }
    }
    Ok(Some((values, new_rowid)))
}
