//! `INSERT`, `UPDATE` and `DELETE` on a view, as SQLite runs them: the
//! view's `INSTEAD OF` triggers for the event fire once per row in the
//! change's place, and the view itself changes nothing.
//!
//! As SQLite defines the rows: an `INSERT`'s `NEW` holds the values
//! given (the columns not named NULL), with no affinity applied (but a
//! REAL column's whole number reads as a real, as a table's does); an
//! `UPDATE`'s and a `DELETE`'s rows are the view's rows its `WHERE`
//! keeps, `OLD` as the view reads them and an `UPDATE`'s `NEW` those
//! values with its assignments made and the view's column affinities
//! applied. A view has no rowid.
//!
//! Invariants:
//! - every row is computed, and spooled in the sort budget, before the
//!   first trigger fires (SQLite reads the view into a temporary table
//!   first), so the triggers' changes never alter the rows fired for;
//! - a change with no `INSTEAD OF` trigger for its event (an `UPDATE OF`
//!   trigger counts when the change assigns one of its columns) is
//!   SQLite's `cannot modify v because it is a view`;
//! - the statement changes no row itself: it counts 0 in `changes()`,
//!   and its triggers' changes count in `total_changes()` alone.

use boundlite_platform::Platform;

use crate::alloc::{Allocator, String, Vec};
use crate::record::ValueRef;
use crate::sort::{Current, Sorted, Sorter};
use crate::sql::eval::{Value, evaluate, evaluate_condition, with_affinity};
use crate::sql::{
    ColumnPos, CoreForm, Delete, Expr, FromClause, Insert, InsertSource, QualifiedName,
    ResultColumn, SelectBody, Stmt, TableRef, Update,
};
use crate::table::{ColumnMeta, DefaultKind, Side, TableInfo, Writer};
use crate::{Error, Named, Result};

use super::fire::{Event, Fires};
use super::row::{RowValues, TriggerRow};
use crate::exec::Env;
use crate::exec::change::{Assigned, assigned_values};
use crate::exec::check::columns_exist_within;
use crate::exec::insert::column_named;
use crate::exec::scope::{One, Scope};
use crate::exec::select::{self, assign};
use crate::exec::subquery::{Runner, expr_holds_subquery};
use crate::exec::views::{Within, is_view, name_text};
use crate::schema::TableColumn;

/// Whether the change target `name` is a view of the schema (a
/// temporary table of its name hides it, as in SQLite).
pub(crate) fn is_target<P: Platform, A: Allocator + Clone>(
    w: &Writer<'_, '_, P, A>,
    name: &QualifiedName<'_>,
    env: Env<'_, A>,
) -> Result<bool> {
    if name.schema.is_some_and(|s| !s.eq_ignore_ascii_case("main")) {
        return Ok(false);
    }
    if !is_view(&name.name, Within::Main, env) {
        return Ok(false);
    }
    Ok(select::side_of(w.view(), name)? == Side::Main)
}

/// Checks, before `stmt` runs, what SQLite checks as it compiles the
/// triggers the statement may fire, theirs in turn, and so on: each
/// change their statements make to a view has an `INSTEAD OF` trigger
/// for its event. Else the statement fails with SQLite's `cannot modify
/// v because it is a view` before any row changes, whether or not a row
/// would have fired the trigger.
pub(crate) fn check_reachable<A: Allocator + Clone>(
    stmt: &Stmt<'_, A>,
    env: Env<'_, A>,
) -> Result<()> {
    if env.triggers.is_none() {
        return Ok(());
    }
    let mut walked = Vec::new_in(env.alloc.clone());
    walk(stmt, Depth::Statement, env, &mut walked)
}

/// Where a statement [`walk`] meets is.
#[derive(Clone, Copy)]
enum Depth {
    /// The statement run: a change to a view is checked as it runs.
    Statement,
    /// A trigger's.
    Trigger,
}

/// [`check_reachable`] of `stmt`, the triggers at `walked` checked
/// already.
fn walk<A: Allocator + Clone>(
    stmt: &Stmt<'_, A>,
    depth: Depth,
    env: Env<'_, A>,
    walked: &mut Vec<usize, A>,
) -> Result<()> {
    let (name, fires) = match stmt {
        Stmt::Insert(i) => (&i.table, Event::Insert),
        Stmt::Delete(d) => (&d.table, Event::Delete),
        Stmt::Update(u) => {
            let assigned = |name: &str| {
                u.assignments
                    .iter()
                    .any(|a| a.columns.iter().any(|c| c.eq_ignore_ascii_case(name)))
            };
            let fires = Fires::of(
                env,
                name_text(&u.table.name),
                Event::Update(&assigned),
                None,
            )?;
            return walk_fired(&u.table, fires, depth, env, walked);
        }
        _ => return Ok(()),
    };
    let fires = Fires::of(env, name_text(&name.name), fires, None)?;
    walk_fired(name, fires, depth, env, walked)
}

/// [`walk`] of the triggers `fires` a change to `name` fires.
fn walk_fired<A: Allocator + Clone>(
    name: &QualifiedName<'_>,
    fires: Option<Fires<A>>,
    depth: Depth,
    env: Env<'_, A>,
    walked: &mut Vec<usize, A>,
) -> Result<()> {
    let view = matches!(depth, Depth::Trigger) && is_view(&name.name, Within::Main, env);
    if view && !fires.as_ref().is_some_and(Fires::has_instead) {
        return Err(Named::ModifyView.error(name_text(&name.name)));
    }
    let (Some(fires), Some(triggers)) = (fires, env.triggers) else {
        return Ok(());
    };
    for index in fires.each() {
        if walked.contains(&index) {
            continue;
        }
        walked.try_push(index)?;
        if let Some((create, _)) = triggers.get(index) {
            for stmt in create.body.iter() {
                walk(stmt, Depth::Trigger, env, walked)?;
            }
        }
    }
    Ok(())
}

/// Runs `insert` on the view it names; returns 0, the rows it changed.
pub(crate) fn insert<P: Platform, A: Allocator + Clone>(
    w: &mut Writer<'_, '_, P, A>,
    insert: &Insert<'_, A>,
    env: Env<'_, A>,
) -> Result<usize> {
    if !insert.upsert.is_empty() {
        return Err(Error::Sql("cannot UPSERT a view"));
    }
    refuse_returning(!insert.returning.is_empty())?;
    let written = env.conflict.or(insert.conflict);
    let fires = Fires::of(env, name_text(&insert.table.name), Event::Insert, written)?;
    let fires = instead_of(fires, &insert.table)?;
    let alloc = env.alloc.clone();
    let (table, _) = spool_view(w, &insert.table, None, &[], Read::Columns, env)?;
    let mut targets = Vec::new_in(alloc.clone());
    if insert.columns.is_empty() {
        for i in 0..table.column_count() {
            targets.try_push(i)?;
        }
    } else {
        for name in insert.columns.iter() {
            match column_named(&table, name) {
                Ok(ColumnPos::Column(i)) => targets.try_push(i)?,
                _ => {
                    let column = name.as_str().unwrap_or(name.inner());
                    return Err(Named::NoColumnNamed.error2(&table.name, column));
                }
            }
        }
    }
    let width = Width {
        view: &table.name,
        columns: table.column_count(),
        listed: !insert.columns.is_empty(),
        targets: targets.len(),
    };
    let mut rows = spool_insert(w, insert, width, env)?;
    let mut new = Vec::new_in(alloc.clone());
    let mut given = Vec::new_in(alloc.clone());
    while rows.advance()? {
        read_current(&mut rows, &mut given, &alloc)?;
        new.clear();
        new.try_resize_with(table.column_count(), || Value::Null)?;
        for (value, &i) in given.iter_mut().zip(targets.iter()) {
            if let Some(slot) = new.get_mut(i) {
                *slot = core::mem::replace(value, Value::Null);
            }
        }
        let row = TriggerRow {
            table: &table,
            old: None,
            new: Some(RowValues {
                rowid: ValueRef::Integer(-1),
                values: &new,
            }),
            alloc: alloc.clone(),
        };
        fires.instead(w, &row, env)?;
    }
    Ok(0)
}

/// Runs `update` on the view it names; returns 0, the rows it changed.
pub(crate) fn update<P: Platform, A: Allocator + Clone>(
    w: &mut Writer<'_, '_, P, A>,
    update: &Update<'_, A>,
    env: Env<'_, A>,
) -> Result<usize> {
    refuse_returning(!update.returning.is_empty())?;
    if update.from.is_some() {
        return Err(Error::Sql("UPDATE ... FROM on a view is not supported"));
    }
    let written = env.conflict.or(update.conflict);
    let assigned = |name: &str| {
        update
            .assignments
            .iter()
            .any(|a| a.columns.iter().any(|c| c.eq_ignore_ascii_case(name)))
    };
    let fires = Fires::of(
        env,
        name_text(&update.table.name),
        Event::Update(&assigned),
        written,
    )?;
    let fires = instead_of(fires, &update.table)?;
    let alloc = env.alloc.clone();
    // Each value is computed with the row it is for, as the row is read.
    let mut values = Vec::new_in(alloc.clone());
    for assignment in update.assignments.iter() {
        match assigned_values(assignment)? {
            Assigned::Values(items) => {
                for item in items {
                    if expr_holds_subquery(item) {
                        return Err(Error::Sql(
                            "subqueries in SET of an UPDATE of a view are not supported",
                        ));
                    }
                    values.try_push(item)?;
                }
            }
            Assigned::Row(_) => {
                return Err(Error::Sql(
                    "subqueries in SET of an UPDATE of a view are not supported",
                ));
            }
        }
    }
    let (table, rows) = spool_view(
        w,
        &update.table,
        update.where_clause.as_ref(),
        &values,
        Read::Rows,
        env,
    )?;
    let mut rows = rows.ok_or(Error::Misuse("a view's rows not read"))?;
    let mut columns = Vec::new_in(alloc.clone());
    for assignment in update.assignments.iter() {
        for name in assignment.columns.iter() {
            match column_named(&table, name)? {
                ColumnPos::Column(i) => columns.try_push(i)?,
                ColumnPos::Rowid => return Err(Error::Misuse("a view's rowid")),
            }
        }
    }
    let n = table.column_count();
    let mut row = Vec::new_in(alloc.clone());
    let mut new = Vec::new_in(alloc.clone());
    while rows.advance()? {
        read_current(&mut rows, &mut row, &alloc)?;
        new.clear();
        for value in row.iter().take(n) {
            let mut slot = Value::Null;
            assign(&mut slot, value.as_ref(), &alloc)?;
            new.try_push(slot)?;
        }
        for (&i, value) in columns.iter().zip(row.iter().skip(n)) {
            if let Some(slot) = new.get_mut(i) {
                assign(slot, value.as_ref(), &alloc)?;
            }
        }
        for (slot, meta) in new.iter_mut().zip(table.meta.iter()) {
            if let Some(v) = with_affinity(slot, meta.affinity, &alloc)? {
                *slot = v;
            }
        }
        let old = row
            .get(..n)
            .ok_or(Error::Misuse("a view's row cut short"))?;
        let fired = TriggerRow {
            table: &table,
            old: Some(RowValues {
                rowid: ValueRef::Null,
                values: old,
            }),
            new: Some(RowValues {
                rowid: ValueRef::Null,
                values: &new,
            }),
            alloc: alloc.clone(),
        };
        fires.instead(w, &fired, env)?;
    }
    Ok(0)
}

/// Runs `delete` on the view it names; returns 0, the rows it changed.
pub(crate) fn delete<P: Platform, A: Allocator + Clone>(
    w: &mut Writer<'_, '_, P, A>,
    delete: &Delete<'_, A>,
    env: Env<'_, A>,
) -> Result<usize> {
    refuse_returning(!delete.returning.is_empty())?;
    let fires = Fires::of(
        env,
        name_text(&delete.table.name),
        Event::Delete,
        env.conflict,
    )?;
    let fires = instead_of(fires, &delete.table)?;
    let alloc = env.alloc.clone();
    let (table, rows) = spool_view(
        w,
        &delete.table,
        delete.where_clause.as_ref(),
        &[],
        Read::Rows,
        env,
    )?;
    let mut rows = rows.ok_or(Error::Misuse("a view's rows not read"))?;
    let mut old = Vec::new_in(alloc.clone());
    while rows.advance()? {
        read_current(&mut rows, &mut old, &alloc)?;
        let fired = TriggerRow {
            table: &table,
            old: Some(RowValues {
                rowid: ValueRef::Null,
                values: &old,
            }),
            new: None,
            alloc: alloc.clone(),
        };
        fires.instead(w, &fired, env)?;
    }
    Ok(0)
}

/// Refuses `RETURNING` on a change to a view.
fn refuse_returning(returning: bool) -> Result<()> {
    match returning {
        true => Err(Error::Sql("RETURNING on a view is not supported")),
        false => Ok(()),
    }
}

/// The triggers that fire in place of a change to the view `name`:
/// SQLite's error when there are none.
fn instead_of<A: Allocator + Clone>(
    fires: Option<Fires<A>>,
    name: &QualifiedName<'_>,
) -> Result<Fires<A>> {
    match fires.filter(Fires::has_instead) {
        Some(fires) => Ok(fires),
        None => Err(Named::ModifyView.error(name_text(&name.name))),
    }
}

/// A view's columns, and the rows of it a change fires for, spooled
/// (when read).
type ViewRows<F, A> = (TableInfo<A>, Option<Sorted<F, A>>);

/// What [`spool_view`] reads of a view.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Read {
    /// Its columns alone: an `INSERT` reads no row of it.
    Columns,
    /// Its columns and rows.
    Rows,
}

/// The columns of the view `name`, and each of its rows `where_clause`
/// keeps, spooled, each followed by the values of `extra` computed over
/// it. The statement's alias of the view is not in scope: SQLite reads
/// the view under its own name.
fn spool_view<P: Platform, A: Allocator + Clone>(
    w: &Writer<'_, '_, P, A>,
    name: &QualifiedName<'_>,
    where_clause: Option<&Expr<'_, A>>,
    extra: &[&Expr<'_, A>],
    read: Read,
    env: Env<'_, A>,
) -> Result<ViewRows<P::File, A>> {
    let alloc = env.alloc.clone();
    let view = w.view();
    let runner = Runner::new(view);
    let env = Env {
        subqueries: Some(&runner),
        ..env
    };
    let body = SelectBody {
        form: CoreForm::Select,
        distinct: false,
        columns: crate::alloc::try_vec![in alloc.clone(); ResultColumn::Star]?,
        from: Some(FromClause {
            first: TableRef::Table {
                name: *name,
                alias: None,
                indexed: None,
            },
            joins: Vec::new_in(alloc.clone()),
        }),
        where_clause: None,
        group_by: Vec::new_in(alloc.clone()),
        having: None,
        windows: Vec::new_in(alloc.clone()),
    };
    let mut slot = None;
    let rows = select::open_source(view, &body, env, &mut slot)?;
    let table = {
        let scope = rows.scope(None);
        for expr in where_clause.into_iter().chain(extra.iter().copied()) {
            columns_exist_within(expr, &scope, Some(env))?;
        }
        let found = scope
            .table(0)
            .ok_or(Error::Misuse("a view's rows without its columns"))?;
        copy_columns(found, &alloc)?
    };
    if read == Read::Columns {
        select::give_back(slot, env);
        return Ok((table, None));
    }
    let mut spool = Sorter::new(
        view.platform(),
        Vec::new_in(alloc.clone()),
        view.sort_budget(),
        alloc.clone(),
    );
    let width = table.column_count() + extra.len();
    rows.find(env, None, &body, |ctx| {
        if let Some(clause) = where_clause {
            if evaluate_condition(clause, ctx)? != Some(true) {
                return Ok(false);
            }
        }
        let mut values = Vec::try_with_capacity_in(width, alloc.clone())?;
        ctx.each_star(None, &mut |value| {
            let mut slot = Value::Null;
            assign(&mut slot, value, &alloc)?;
            Ok(values.try_push(slot)?)
        })?;
        for expr in extra {
            values.try_push(evaluate(expr, ctx)?)?;
        }
        spool.push(values)?;
        Ok(false)
    })?;
    select::give_back(slot, env);
    Ok((table, Some(spool.finish()?)))
}

/// How many values each row an `INSERT` into a view gives must hold.
#[derive(Clone, Copy)]
struct Width<'n> {
    view: &'n str,
    /// The view's columns.
    columns: usize,
    /// Whether the statement lists its columns.
    listed: bool,
    /// The columns given a value.
    targets: usize,
}

impl Width<'_> {
    /// SQLite's error for a row of `values` values, when it is not
    /// `self.targets`.
    fn check(&self, values: usize) -> Result<()> {
        if values == self.targets {
            return Ok(());
        }
        let counts = match self.listed {
            true => {
                crate::ConstraintName::format(format_args!("{values} values for {}", self.targets))
            }
            false => crate::ConstraintName::format(format_args!("{} {values}", self.columns)),
        };
        Err(match self.listed {
            true => Named::ValuesForColumns.error(counts.as_str()),
            false => Named::ValuesSupplied.error2(self.view, counts.as_str()),
        })
    }
}

/// The rows an `INSERT` into a view gives (`width.targets` values each),
/// computed and spooled before any fires a trigger.
fn spool_insert<P: Platform, A: Allocator + Clone>(
    w: &Writer<'_, '_, P, A>,
    insert: &Insert<'_, A>,
    width: Width<'_>,
    env: Env<'_, A>,
) -> Result<Sorted<P::File, A>> {
    let alloc = env.alloc.clone();
    let view = w.view();
    let runner = Runner::new(view);
    let env = Env {
        subqueries: Some(&runner),
        ..env
    };
    let mut spool = Sorter::new(
        view.platform(),
        Vec::new_in(alloc.clone()),
        view.sort_budget(),
        alloc.clone(),
    );
    match &insert.source {
        InsertSource::DefaultValues => {
            let mut values = Vec::try_with_capacity_in(width.targets, alloc.clone())?;
            values.try_resize_with(width.targets, || Value::Null)?;
            spool.push(values)?;
        }
        InsertSource::Values(rows) => {
            let ctx = env.context();
            for row in rows.iter() {
                width.check(row.len())?;
                let mut values = Vec::try_with_capacity_in(row.len(), alloc.clone())?;
                for expr in row.iter() {
                    columns_exist_within(expr, &One::new(None, None), Some(env))?;
                    values.try_push(evaluate(expr, &ctx)?)?;
                }
                spool.push(values)?;
            }
        }
        InsertSource::Select(query) => {
            let mut sources = Vec::new_in(alloc.clone());
            let mut state = select::start(view, query, env, &mut sources)?;
            let mut out = Vec::new_in(alloc.clone());
            while select::next(view, &mut state, &mut sources, Some(query), env, &mut out)? {
                width.check(out.len())?;
                spool.push(core::mem::replace(&mut out, Vec::new_in(alloc.clone())))?;
            }
        }
    }
    spool.finish()
}

/// Copies the row `rows` is on into `out`.
fn read_current<F: boundlite_platform::File, A: Allocator + Clone>(
    rows: &mut Sorted<F, A>,
    out: &mut Vec<Value<A>, A>,
    alloc: &A,
) -> Result<()> {
    match rows.current()? {
        Current::Values(values) => {
            out.try_resize_with(values.len(), || Value::Null)?;
            for (slot, value) in out.iter_mut().zip(values.iter()) {
                assign(slot, value.as_ref(), alloc)?;
            }
        }
        Current::Record(record) => {
            out.try_resize_with(record.column_count(), || Value::Null)?;
            for (slot, value) in out.iter_mut().zip(record.columns()) {
                assign(slot, value?, alloc)?;
            }
        }
    }
    Ok(())
}

/// A table of the columns of `view` (names, collations, affinities),
/// which `NEW` and `OLD` are read by: a REAL column's whole number reads
/// as a real, as in SQLite.
fn copy_columns<A: Allocator + Clone>(view: &TableInfo<A>, alloc: &A) -> Result<TableInfo<A>> {
    let mut columns = Vec::try_with_capacity_in(view.column_count(), alloc.clone())?;
    let mut meta = Vec::try_with_capacity_in(view.column_count(), alloc.clone())?;
    let mut json = Vec::try_with_capacity_in(view.column_count(), alloc.clone())?;
    for (column, m) in view.columns.columns.iter().zip(view.meta.iter()) {
        let affinity = m.affinity;
        columns.try_push(TableColumn {
            name: String::try_from_str_in(&column.name, alloc.clone())?,
            collation: column.collation,
            has_default: false,
            integer_type: false,
            generated: false,
            affinity,
            storage: column.storage,
        })?;
        meta.try_push(ColumnMeta {
            affinity,
            compared: m.compared,
            not_null: false,
            null_conflict: None,
            datatype: None,
            default: Value::Null,
            default_kind: DefaultKind::Constant,
            added: Value::Null,
        })?;
        json.try_push(false)?;
    }
    let name = String::try_from_str_in(&view.name, alloc.clone())?;
    TableInfo::unstored(name, columns, meta, false, None, json)
}
