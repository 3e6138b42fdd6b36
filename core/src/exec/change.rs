//! `[WITH ...] UPDATE t SET c = expr, ... [WHERE ...]` and `[WITH ...]
//! DELETE FROM t [WHERE ...]`. The `WITH` tables are in scope for every
//! name the statement reads but its target's, which is always stored.
//!
//! Invariants: the rowids to change are collected first (the plan
//! narrows the rows visited, `WHERE` decides), in the sort budget (past
//! it they spill to a temporary file, see `crate::sort::RowIds`), then
//! each row is changed,
//! in the order SQLite changes them: the order visited, unless an update
//! may replace rows, sets the rowid or changes the index an index range
//! walks, or the change fires triggers, where SQLite collects the rowids
//! first and changes them in rowid order (which row an `OR REPLACE` keeps, or whether a `UNIQUE`
//! check fails, depends on that order). Each row is changed so: the new
//! row is encoded as `INSERT` encodes one (`store`: affinity, `NOT
//! NULL`, a `zeroblob` not held), then the old row is deleted with its
//! index entries and
//! the new one inserted, so uniqueness and index maintenance are those of
//! `INSERT`; in a table without indexes, a row that keeps its rowid is
//! overwritten in place instead, in one descent. A row deleted by an
//! earlier `OR REPLACE` in the same statement is skipped; under `OR
//! IGNORE`, a row whose new values conflict with another row is stored
//! again as it was (its record copied before it is deleted). The triggers
//! a row's change fires run around it (see `triggers`): `OLD` is read
//! before, and a row a `BEFORE` trigger deleted is skipped. Subqueries in
//! `WHERE` run while the rowids are collected, before any row changes;
//! those in a `SET` value run as each row's values are computed, so a
//! correlated one reads the rows changed before it, as in SQLite, and an
//! uncorrelated one is read once, at the first row (see `once`). SQLite
//! collects the rowids first when `WHERE` holds a subquery: a `SET`
//! subquery then sees the rows change in rowid order.

use boundlite_platform::Platform;

use crate::alloc::{Allocator, Vec};
use crate::btree::SeekMode;
use crate::record::{RecordRef, ValueRef};
use crate::schema::ColumnSource;
use crate::sql::eval::{EvalContext, Value, evaluate, zeroblob_call};
use crate::sql::{
    Assignment, ColumnPos, Conflict, Delete, Expr, Ident, Indexed, QualifiedName, Select, Update,
};
use crate::{Error, Result, RowId};

use super::check::{columns_exist, columns_exist_within, no_aggregate, row_subquery_exists};
use super::checks::Checks;
use super::context::{RowContext, rowid_value};
use super::foreign_keys::coded;
use super::foreign_keys::replaced::Replaced;
use super::foreign_keys::table_keys::{Op, TableKeys};
use super::insert::updated_column;
use super::keyed;
use super::once::Once;
use super::plan::{Here, Indexes, Plan, choose, passes, solvable};
use super::returning::{Returned, Returning};
use super::rowids::Rowids;
use super::scope::{One, Tables};
use super::select::{assign, load_table};
use super::source::Source;
use super::store::{Record, Rules, Stored, is_zeroblob_call, prepare_row, with_record};
use super::subquery::{Runner, Subqueries, assigned_count, expr_holds_subquery};
use super::triggers::fire::{Event, Fires, Outcome, refuse_returning};
use super::triggers::instead;
use super::triggers::row::{RowValues, TriggerRow, read_row, with_affinities};
use super::update_from::{self, Joined};
use super::{Env, with};
use crate::sort::{RowIdStream, RowIds, RowOrder};
use crate::table::Writer;
use crate::table::{Halt, IndexInfo, OrClause, TableInfo};

/// The rowids a change collected, read back in their order.
type Collected<P, A> = RowIdStream<<P as Platform>::File, A>;

/// The rows an `UPDATE` changes.
enum Targets<P: Platform, A: Allocator> {
    /// Those its `WHERE` kept, in the order chosen.
    Visited(Collected<P, A>),
    /// Those its `FROM` joined, with their values (see `update_from`).
    Joined(Joined<P::File, A>),
}

impl<P: Platform, A: Allocator + Clone> Targets<P, A> {
    /// The next row to change; `None` past the last.
    fn next(&mut self) -> Result<Option<RowId>> {
        match self {
            Targets::Visited(rowids) => rowids.next(),
            Targets::Joined(joined) => joined.next(),
        }
    }
}

/// The rows an `UPDATE` or `DELETE` changes, as written.
pub(crate) struct Changed<'s, 'a, A: Allocator> {
    /// The table.
    pub name: &'s QualifiedName<'a>,
    /// `AS alias`
    pub alias: Option<Ident<'a>>,
    /// `INDEXED BY` or `NOT INDEXED`.
    pub indexed: Option<&'s Indexed<'a>>,
    /// `WHERE`
    pub where_clause: Option<&'s Expr<'a, A>>,
}

/// The table `changed` names and the rowids of its rows that pass its
/// `WHERE`, in the order `order` picks for the table and its plan.
fn targets<P: Platform, A: Allocator + Clone>(
    w: &Writer<'_, '_, P, A>,
    changed: Changed<'_, '_, A>,
    env: Env<'_, A>,
    order: impl FnOnce(&TableInfo<A>, Plan) -> Result<RowOrder>,
) -> Result<(TableInfo<A>, Collected<P, A>)> {
    let view = w.view();
    let start = |table: &TableInfo<A>, plan| {
        Ok(RowIds::new(
            view.platform(),
            view.sort_budget(),
            order(table, plan)?,
            env.scratch.rowids(env.alloc),
        ))
    };
    let each =
        |rowids: &mut RowIds<'_, P, A>, source: &mut Source<'_, P, A>| rowids.push(source.rowid()?);
    let (table, rowids) = visit(w, changed, env, start, each)?;
    Ok((table, rowids.finish()?))
}

/// Visits the rows of the table `changed` names that pass its `WHERE`:
/// `start` makes what collects them from the table and its plan, `each`
/// collects the source's current row. Returns the table and the
/// collector.
pub(crate) fn visit<'v, P: Platform, A: Allocator + Clone, C>(
    w: &Writer<'_, 'v, P, A>,
    changed: Changed<'_, '_, A>,
    env: Env<'_, A>,
    start: impl FnOnce(&TableInfo<A>, Plan) -> Result<C>,
    mut each: impl FnMut(&mut C, &mut Source<'_, P, A>) -> Result<()>,
) -> Result<(TableInfo<A>, C)> {
    let Changed {
        name,
        alias,
        indexed,
        where_clause,
    } = changed;
    // Subqueries in `WHERE` run while the rows are collected, before
    // any row changes, so they read the table as the statement found it,
    // as SQLite's two-pass change of a `WHERE` with a subquery does.
    let runner = Runner::new(w.view());
    let env = Env {
        subqueries: Some(&runner),
        ..env
    };
    let table = load_table(w.view(), name, env).map_err(|e| name.as_written(e))?;
    w.check_side(table.side)?;
    table.check_writable()?;
    if let Some(clause) = where_clause {
        no_aggregate(clause, env)?;
        columns_exist_within(clause, &One::new(Some(&table), alias.as_ref()), Some(env))?;
    }
    let indexes = Indexes::of(indexed, &table)?;
    solvable(where_clause, &table, indexes)?;
    let here = Here {
        table: &table,
        alias: alias.as_ref(),
        level: 0,
        outer: Tables::NONE,
    };
    let access = choose(where_clause, here, indexes, &env.context())?;
    let mut collected = start(&table, access.plan)?;
    let mut source = Source::table(w.view(), table, access);
    let proven = source.proven();
    let keep = |ctx: &RowContext<'_, '_, A>| passes(where_clause, proven, ctx);
    while source.find(env, alias, keep)? {
        each(&mut collected, &mut source)?;
    }
    let table = source
        .into_info()
        .ok_or(Error::Misuse("table source without a table"))?;
    Ok((table, collected))
}

/// Refuses subqueries in `returning` while the table's foreign keys
/// are enforced: whether they see the rows the keys' actions change is
/// SQLite's own order of work.
fn refuse_returning_subqueries<P: Platform, A: Allocator + Clone>(
    returning: &Option<Returning<'_, P, A>>,
    keys: &Option<TableKeys<'_, A>>,
) -> Result<()> {
    if returning.as_ref().is_some_and(Returning::has_subqueries)
        && keys.as_ref().is_some_and(TableKeys::is_involved)
    {
        return Err(Error::Sql(
            "subqueries in RETURNING on a table with foreign keys are not supported while foreign_keys is ON",
        ));
    }
    Ok(())
}

/// Runs `delete`; returns the rows deleted, and puts the rows its
/// `RETURNING` clause computed (from each row before it went), if it has
/// one, in `returned`.
pub(crate) fn delete<P: Platform, A: Allocator + Clone>(
    w: &mut Writer<'_, '_, P, A>,
    delete: &Delete<'_, A>,
    env: Env<'_, A>,
    returned: &mut Option<Returned<A>>,
) -> Result<usize> {
    with::within_ctes(&delete.with, env, |env| {
        delete_rows(w, delete, env, returned)
    })
}

/// Runs `delete` in `env`, where its `WITH` tables are in scope.
fn delete_rows<P: Platform, A: Allocator + Clone>(
    w: &mut Writer<'_, '_, P, A>,
    delete: &Delete<'_, A>,
    env: Env<'_, A>,
    returned: &mut Option<Returned<A>>,
) -> Result<usize> {
    if instead::is_target(w, &delete.table, env)? {
        return instead::delete(w, delete, env);
    }
    if let Some(keys) = keyed::record_keys(w, &delete.table, env)? {
        return keyed::delete(w, delete, &keys, env, returned);
    }
    let changed = Changed {
        name: &delete.table,
        alias: delete.alias,
        indexed: delete.indexed.as_ref(),
        where_clause: delete.where_clause.as_ref(),
    };
    let mut fires = None;
    let (table, mut rowids) = targets(w, changed, env, |table, _| {
        fires = Fires::of(env, &table.name, Event::Delete, env.conflict)?;
        Ok(match fires {
            Some(_) => RowOrder::Ascending,
            None => RowOrder::Visited,
        })
    })?;
    let mut keys = TableKeys::load(w, &table.name, Op::Delete, env)?;
    let mut returning = Returning::new(&delete.returning, &table, delete.alias, w, env)?;
    refuse_returning(&fires, &returning)?;
    refuse_returning_subqueries(&returning, &keys)?;
    let mut old = Vec::new_in(env.alloc.clone());
    let mut changed = 0;
    while let Some(rowid) = rowids.next()? {
        if let Some(fires) = &fires {
            if !read_row(w, &table, rowid, &mut old, &|_| false)? {
                continue;
            }
            let row = TriggerRow {
                table: &table,
                old: Some(RowValues {
                    rowid: rowid_value(rowid),
                    values: &old,
                }),
                new: None,
                alloc: env.alloc.clone(),
            };
            // A row a `BEFORE` trigger deleted is not deleted again, and
            // fires no `AFTER` trigger.
            if fires.has_before()
                && (fires.before(w, &row, env)? == Outcome::Ignored
                    || !w.table_cursor(table.root).seek(rowid, SeekMode::Eq)?)
            {
                continue;
            }
        }
        if let Some(keys) = keys.as_mut() {
            if !keys.removing(w, rowid)? {
                continue;
            }
        }
        if let Some(returning) = returning.as_mut() {
            returning.row(w, &table, rowid, env)?;
        }
        if w.delete(&table, rowid)? {
            changed += 1;
            env.row_changed();
            if let Some(keys) = &keys {
                keys.actions(w, None)?;
            }
            if let Some(fires) = &fires {
                let row = TriggerRow {
                    table: &table,
                    old: Some(RowValues {
                        rowid: rowid_value(rowid),
                        values: &old,
                    }),
                    new: None,
                    alloc: env.alloc.clone(),
                };
                fires.after(w, &row, env)?;
            }
        }
    }
    *returned = returning.map(Returning::into_rows);
    env.tables.put(table);
    env.scratch.put_rowids(rowids.into_buffer());
    Ok(changed)
}

/// Runs `update`; returns the rows updated, and puts the rows its
/// `RETURNING` clause computed (from each row as updated), if it has
/// one, in `returned`.
pub(crate) fn update<P: Platform, A: Allocator + Clone>(
    w: &mut Writer<'_, '_, P, A>,
    update: &Update<'_, A>,
    env: Env<'_, A>,
    returned: &mut Option<Returned<A>>,
) -> Result<usize> {
    with::within_ctes(&update.with, env, |env| {
        update_rows(w, update, env, returned)
    })
}

/// Runs `update` in `env`, where its `WITH` tables are in scope.
fn update_rows<P: Platform, A: Allocator + Clone>(
    w: &mut Writer<'_, '_, P, A>,
    update: &Update<'_, A>,
    env: Env<'_, A>,
    returned: &mut Option<Returned<A>>,
) -> Result<usize> {
    if instead::is_target(w, &update.table, env)? {
        return instead::update(w, update, env);
    }
    // A trigger's statement takes the `OR` clause of the one that fired
    // it; its own triggers take the clause it ends up with.
    let written = env.conflict.or(update.conflict);
    let or = OrClause(written);
    if let Some(keys) = keyed::record_keys(w, &update.table, env)? {
        if update.from.is_some() {
            return Err(Error::Sql(
                "UPDATE ... FROM on a WITHOUT ROWID table is not supported",
            ));
        }
        return keyed::update(w, update, &keys, or, env, returned);
    }
    let alloc = env.alloc.clone();
    let mut columns = env.scratch.targets(&alloc);
    let changed = Changed {
        name: &update.table,
        alias: update.alias,
        indexed: update.indexed.as_ref(),
        where_clause: update.where_clause.as_ref(),
    };
    let assigned = |name: &str| {
        update
            .assignments
            .iter()
            .any(|a| a.columns.iter().any(|c| c.eq_ignore_ascii_case(name)))
    };
    let set_subqueries = update
        .assignments
        .iter()
        .any(|a| expr_holds_subquery(&a.value));
    // The values of the `SET` subqueries that read no row, kept from the
    // first row's run for the others.
    let once = Once::new();
    let mut fires = None;
    let (table, mut rowids) = match &update.from {
        Some(body) => {
            let (table, joined) = update_from::collect(w, update, body, env, &mut columns)?;
            fires = Fires::of(env, &table.name, Event::Update(&assigned), written)?;
            (table, Targets::<P, A>::Joined(joined))
        }
        None => {
            let (table, rowids) = targets(w, changed, env, |table, plan| {
                fires = Fires::of(env, &table.name, Event::Update(&assigned), written)?;
                // The names of a value's subqueries are checked over the table.
                let runner = Runner::new(w.view());
                let check_env = Env {
                    subqueries: match set_subqueries {
                        true => Some(&runner as &dyn Subqueries<A>),
                        false => env.subqueries,
                    },
                    ..env
                };
                assigned_columns(update, table, check_env, &mut columns)?;
                let two_pass = set_subqueries
                    && update
                        .where_clause
                        .as_ref()
                        .is_some_and(|clause| expr_holds_subquery(clause));
                Ok(match fires {
                    Some(_) => RowOrder::Ascending,
                    None if two_pass => RowOrder::Ascending,
                    None => update_order(table, plan, &columns, or),
                })
            })?;
            (table, Targets::Visited(rowids))
        }
    };
    let mut returning = Returning::new(&update.returning, &table, update.alias, w, env)?;
    let mut keys = TableKeys::load(w, &table.name, Op::Update(&columns), env)?;
    if let Some(keys) = keys.as_mut().filter(|k| k.is_involved()) {
        // SQLite codes a `REPLACE` for the rowid when it is assigned, and
        // for each `UNIQUE` index it checks: every one when the rowid is
        // assigned or the keys ask for it, else those whose key the
        // update may change.
        let rowid = columns.contains(&ColumnPos::Rowid);
        let every = rowid || coded::checks_every_index(&w.schema()?, &table, &columns, &alloc)?;
        let replaces = (rowid && or.on(table.columns.key_conflict) == Conflict::Replace)
            || table.indexes.iter().any(|i| {
                i.columns.unique
                    && (every || changes_key(&table, i, &columns))
                    && or.on(i.columns.conflict) == Conflict::Replace
            });
        if replaces && env.active.is_none() {
            keys.skip_check(coded::last_set_null(
                &w.schema()?,
                &table.name,
                env.foreign_keys.is_some_and(|f| f.defers_all()),
                &alloc,
            )?);
        }
    }
    refuse_returning_subqueries(&returning, &keys)?;
    if let Some(keys) = &keys {
        if table.may_resolve(or, Conflict::Ignore) && keys.is_involved() {
            return Err(Error::Sql(
                "UPDATE OR IGNORE or ON CONFLICT IGNORE on a table with foreign keys is not supported while foreign_keys is ON",
            ));
        }
    }
    let mut rules = Rules {
        checks: Checks::load(&table, env)?,
        rowids: Rowids::plain(env),
        replaced: Replaced::load(w, &table, or, env)?,
        updated: Vec::new_in(alloc.clone()),
    };
    // The row being changed as it was before its conflicts were resolved,
    // and after: SQLite goes on with the row it read, whatever the
    // actions of the rows a REPLACE deleted did to it.
    let mut before = Vec::new_in(alloc.clone());
    let mut after = Vec::new_in(alloc.clone());
    let mut record = env.scratch.record(&alloc);
    let mut values = env.scratch.values(&alloc);
    // A `zeroblob(N)` assigned is stored without its N bytes: the columns
    // given one, listed only for a statement that assigns one.
    let mut zeros = Vec::new_in(alloc.clone());
    if update
        .assignments
        .iter()
        .any(|a| is_zeroblob_call(&a.value))
    {
        if keys.as_ref().is_some_and(TableKeys::is_involved) {
            return Err(Error::Sql(
                "zeroblob() into a table with foreign keys is not supported while foreign_keys is ON",
            ));
        }
        zeros.try_resize(table.column_count(), None)?;
    }
    refuse_returning(&fires, &returning)?;
    if fires.is_some() && !zeros.is_empty() {
        return Err(Error::Sql(
            "zeroblob() into a table with triggers is not supported",
        ));
    }
    let mut old = Vec::new_in(alloc.clone());
    let mut new = Vec::new_in(alloc.clone());
    // Under `IGNORE` or `FAIL`, the record of the row being changed,
    // stored again when its new values conflict with another row.
    let mut old_record = Vec::new_in(alloc.clone());
    let kept_back =
        table.may_resolve(or, Conflict::Ignore) || table.may_resolve(or, Conflict::Fail);
    let mut changed = 0;
    // A row that keeps its rowid and every index key is overwritten where
    // it lies, its index entries left as they are (SQLite too skips the
    // indexes an UPDATE does not change): a delete and an insert would
    // rewrite an entry in every index, pages scattered over each. Not
    // after a `BEFORE` trigger, which may have changed the row.
    let in_place = table
        .indexes
        .iter()
        .all(|index| !changes_key(&table, index, &columns))
        && fires.as_ref().is_none_or(|f| !f.has_before());
    while let Some(rowid) = rowids.next()? {
        if fires.is_some() && !read_row(w, &table, rowid, &mut old, &|_| false)? {
            continue;
        }
        zeros.fill(None);
        let slots = Slots {
            values: &mut values,
            zeros: &mut zeros,
            in_place,
            once: set_subqueries.then_some(&once),
            old_record: kept_back.then_some(&mut old_record),
        };
        let joined = match &rowids {
            Targets::Joined(joined) => Some(joined),
            Targets::Visited(_) => None,
        };
        let row = new_row(w, &table, rowid, (update, joined), &columns, env, slots)?;
        let Some(new_rowid) = row else {
            continue;
        };
        if new_rowid.is_null() {
            return Err(Error::Sql("datatype mismatch"));
        }
        if let Some(fires) = fires.as_ref().filter(|f| f.has_before()) {
            let id = match new_rowid.as_ref() {
                ValueRef::Integer(i) => RowId::new(i),
                _ => rowid,
            };
            with_affinities(&table, (id, &values), &mut new, &alloc)?;
            let row = TriggerRow {
                table: &table,
                old: Some(RowValues {
                    rowid: rowid_value(rowid),
                    values: &old,
                }),
                new: Some(RowValues {
                    rowid: new_rowid.as_ref(),
                    values: &new,
                }),
                alloc: alloc.clone(),
            };
            if fires.before(w, &row, env)? == Outcome::Ignored {
                continue;
            }
            // The trigger may have deleted the row, or changed the
            // columns the update does not assign: they are read again.
            let assigned = |i: usize| columns.contains(&ColumnPos::Column(i));
            if !read_row(w, &table, rowid, &mut values, &assigned)? {
                continue;
            }
        }
        let same_rowid = new_rowid.as_ref() == rowid_value(rowid);
        // Prepared before anything changes: a row `OR IGNORE` skips for a
        // NOT NULL column stays as it was.
        let Some(new_rowid) = prepare_row(
            w,
            &table,
            &mut rules,
            (Some(new_rowid), Stored::Updated),
            &mut values,
            or,
        )?
        else {
            continue;
        };
        let replaced = &mut rules.replaced;
        let stored = with_record(
            w,
            &table,
            &mut values,
            &mut zeros,
            &mut record,
            |w, stored, record| {
                let mut or = or;
                if let Some(replaced) = replaced.as_mut().filter(|_| !(in_place && same_rowid)) {
                    w.read_row(table.root, rowid, &mut before)?;
                    if !replaced.resolve(w, &table, new_rowid, &stored, record, or, Some(rowid))? {
                        return Ok(false);
                    }
                    if !w.read_row(table.root, rowid, &mut after)? || before != after {
                        return Err(Error::Sql(
                            "UPDATE OR REPLACE whose replaced rows' foreign key actions change the row updated is not supported",
                        ));
                    }
                    or = OrClause::ABORT;
                }
                if let Some(keys) = keys.as_mut() {
                    keys.removing(w, rowid)?;
                }
                if in_place && same_rowid {
                    match stored {
                        Record::Encoded => w.overwrite(&table, rowid, record)?,
                        Record::Streamed(fields) => w.overwrite_fields(&table, rowid, fields)?,
                    }
                    return Ok(true);
                }
                w.delete(&table, rowid)?;
                let inserted = match stored {
                    Record::Encoded => w.insert(&table, new_rowid, record, or),
                    Record::Streamed(fields) => {
                        w.insert_fields(&table, new_rowid, fields, record, or)
                    }
                };
                let inserted = match inserted {
                    Err(error) if kept_back && fails_kept(&error, w.halt()) => {
                        // FAIL keeps the rows before, and this one as it was.
                        w.insert(&table, rowid, &old_record, OrClause::ABORT)?;
                        return Err(error);
                    }
                    inserted => inserted?,
                };
                if !inserted {
                    // Ignored: the row stays as it was.
                    w.insert(&table, rowid, &old_record, OrClause::ABORT)?;
                }
                Ok(inserted)
            },
        )?;
        if stored {
            if let Some(keys) = &keys {
                keys.added(w, new_rowid, &values)?;
                keys.actions(w, Some((new_rowid, &values)))?;
            }
            changed += 1;
            env.row_changed();
            if let Some(returning) = returning.as_mut() {
                returning.row(w, &table, new_rowid, env)?;
            }
            if let Some(fires) = &fires {
                let row = TriggerRow {
                    table: &table,
                    old: Some(RowValues {
                        rowid: rowid_value(rowid),
                        values: &old,
                    }),
                    new: Some(RowValues {
                        rowid: rowid_value(new_rowid),
                        values: &values,
                    }),
                    alloc: alloc.clone(),
                };
                fires.after(w, &row, env)?;
            }
        }
    }
    *returned = returning.map(Returning::into_rows);
    drop(rules);
    env.tables.put(table);
    env.scratch.put(columns, values, record);
    if let Targets::Visited(rowids) = rowids {
        env.scratch.put_rowids(rowids.into_buffer());
    }
    Ok(changed)
}

/// Puts in `columns` the columns `update`'s assignments to `table` set,
/// in order (those of a row-value assignment one after the other),
/// checking the names its values read and that each row-value
/// assignment's value has as many columns as it sets.
pub(crate) fn assigned_columns<A: Allocator + Clone>(
    update: &Update<'_, A>,
    table: &TableInfo<A>,
    env: Env<'_, A>,
    columns: &mut Vec<ColumnPos, A>,
) -> Result<()> {
    columns.try_reserve(update.assignments.iter().map(|a| a.columns.len()).sum())?;
    let scope = One::new(Some(table), update.alias.as_ref());
    // In a trigger, a value may read its `NEW` and `OLD` rows; a
    // subquery, the table.
    let check = |value: &Expr<'_, A>| {
        no_aggregate(value, env)?;
        match (env.outer, env.subqueries) {
            (None, None) => columns_exist(value, Some(table), update.alias.as_ref()),
            _ => columns_exist_within(value, &scope, Some(env)),
        }
    };
    for assignment in update.assignments.iter() {
        for name in assignment.columns.iter() {
            columns.try_push(updated_column(table, name)?)?;
        }
        match assigned_values(assignment)? {
            Assigned::Values(values) => values.iter().try_for_each(check)?,
            Assigned::Row(select) => {
                row_subquery_exists(select, assignment.columns.len(), &scope, env)?;
            }
        }
    }
    Ok(())
}

/// What an assignment gives the columns it sets.
pub(crate) enum Assigned<'s, 'a, A: Allocator> {
    /// A value for each: its value, or a row value's items.
    Values(&'s [Expr<'a, A>]),
    /// The first row of a subquery.
    Row(&'s Select<'a, A>),
}

/// What `assignment` gives its columns; SQLite's error when a row-value
/// assignment's value has another number of columns, or when it is
/// neither a row value nor a subquery.
pub(crate) fn assigned_values<'s, 'a, A: Allocator>(
    assignment: &'s Assignment<'a, A>,
) -> Result<Assigned<'s, 'a, A>> {
    match (assignment.columns.len(), &assignment.value) {
        (1, value) => Ok(Assigned::Values(core::slice::from_ref(value))),
        (n, Expr::Row(items)) if items.len() == n => Ok(Assigned::Values(items)),
        (n, Expr::Row(items)) => Err(assigned_count(n, items.len())),
        (_, Expr::Subquery(select)) => Ok(Assigned::Row(select)),
        (n, _) => Err(assigned_count(n, 1)),
    }
}

/// Sets `target` of a row to the value of `expr` in `ctx`: the new
/// rowid, or a column's slot of `values` (reusing its buffer for a bound
/// value or a bare column) and, for a `zeroblob`, its length in `zeros`.
fn assign_value<A: Allocator + Clone>(
    target: &ColumnPos,
    expr: &Expr<'_, A>,
    ctx: &RowContext<'_, '_, A>,
    (values, zeros, new_rowid): (&mut [Value<A>], &mut [Option<usize>], &mut Value<A>),
) -> Result<()> {
    let alloc = &ctx.allocator();
    let i = match target {
        ColumnPos::Rowid => {
            *new_rowid = evaluate(expr, ctx)?;
            return Ok(());
        }
        ColumnPos::Column(i) => *i,
    };
    let slot = values
        .get_mut(i)
        .ok_or(Error::Misuse("an assigned column out of place"))?;
    match (expr, expr.as_column(), zeros.get_mut(i)) {
        (Expr::Param(p), _, _) => assign(slot, ctx.param(p.number)?, alloc)?,
        (_, Some(c), _) => assign(slot, ctx.column(c)?, alloc)?,
        (_, _, Some(zero)) if is_zeroblob_call(expr) => {
            *zero = zeroblob_call(expr, ctx)?;
            *slot = Value::Blob(Vec::new_in(alloc.clone()));
        }
        _ => *slot = evaluate(expr, ctx)?,
    }
    Ok(())
}

/// Where [`new_row`] puts a row's values: one slot per column, and per
/// column the length of a `zeroblob` assigned to it (see `store`); and
/// whether the row will be overwritten in place (its undo then needs the
/// old record).
struct Slots<'b, P: Platform, A: Allocator + Clone> {
    values: &'b mut Vec<Value<A>, A>,
    zeros: &'b mut [Option<usize>],
    in_place: bool,
    /// Where the `SET` values' subqueries keep what they read once;
    /// `None` when the values hold none.
    once: Option<&'b Once<P, A>>,
    /// Where the row's record is copied, for `OR IGNORE` to store it
    /// again; `None` under another conflict resolution.
    old_record: Option<&'b mut Vec<u8, A>>,
}

/// Whether assigning `columns` may change `index`'s key: it names one of
/// them, or the rowid (which ends every key) changes.
fn changes_key<A: Allocator>(
    table: &TableInfo<A>,
    index: &IndexInfo<A>,
    columns: &[ColumnPos],
) -> bool {
    let generated = |j: usize| table.columns.columns.get(j).is_some_and(|c| c.generated);
    // A partial index's `WHERE` may read any column: a change may add
    // or remove the row's entry (and an expression may read any too).
    index.sql.is_some() && !columns.is_empty()
        || columns.iter().any(|c| match c {
            ColumnPos::Column(i) => index.columns.columns.iter().any(|k| match k.source {
                // A generated column may read the column.
                ColumnSource::Column(j) => j == *i || generated(j),
                // An expression may read the column.
                ColumnSource::Expression => true,
            }),
            ColumnPos::Rowid => true,
        })
}

/// The order an update changes its rows in: the order visited, unless
/// it may replace rows, or changes the rowid or the index an index range
/// walks (see the module doc).
fn update_order<A: Allocator>(
    table: &TableInfo<A>,
    plan: Plan,
    columns: &[ColumnPos],
    or: OrClause,
) -> RowOrder {
    let Plan::IndexRange { index, .. } = plan else {
        return RowOrder::Visited;
    };
    let changes_walked = table
        .seekable()
        .get(index)
        .is_some_and(|index| changes_key(table, index, columns));
    if table.may_resolve(or, Conflict::Replace) || changes_walked {
        RowOrder::Ascending
    } else {
        RowOrder::Visited
    }
}

/// Whether `error`, met storing a row, ends its statement keeping the
/// changes made before it (`halt` as the writer noted it): the row
/// being changed must be as it was.
pub(crate) fn fails_kept(error: &Error, halt: Halt) -> bool {
    matches!(error, Error::Unique(_)) && halt == Halt::Fail
}

/// Fills the slots' values with the values of row `rowid` after `update`'s
/// assignments (to `columns`, one per assignment), reusing the buffers of
/// its TEXT and BLOB values; returns the row's new rowid, or `None` when
/// the row is gone.
fn new_row<P: Platform, A: Allocator + Clone>(
    w: &mut Writer<'_, '_, P, A>,
    table: &TableInfo<A>,
    rowid: RowId,
    (update, joined): (&Update<'_, A>, Option<&Joined<P::File, A>>),
    columns: &[ColumnPos],
    env: Env<'_, A>,
    slots: Slots<'_, P, A>,
) -> Result<Option<Value<A>>> {
    let Slots {
        values,
        zeros,
        in_place,
        once,
        old_record,
    } = slots;
    let mut cursor = w.table_cursor(table.root);
    if !cursor.seek(rowid, SeekMode::Eq)? {
        return Ok(None);
    }
    let payload = cursor.payload()?;
    if let Some(old) = old_record {
        old.clear();
        old.try_extend_from_slice(&payload)?;
    }
    if in_place {
        // The row may be overwritten in place; its undo needs the record.
        w.keep_old_row(&payload)?;
    }
    let record = RecordRef::parse(&payload, Some(table.root))?;
    if let Some(joined) = joined {
        return joined
            .assigned_row(table, rowid, record, columns, env, values)
            .map(Some);
    }
    // A subquery reads the table as the rows changed so far left it.
    let runner = once.map(|once| Runner::keeping(w.view(), env.tables, once, env.text));
    let env = Env {
        subqueries: runner.as_ref().map(|r| r as &dyn Subqueries<A>),
        ..env
    };
    assigned_row(table, rowid, record, update, columns, env, (values, zeros)).map(Some)
}

/// Fills `values` with the values of row `rowid` of `table`, whose record
/// is `record`, after `update`'s assignments (to `columns`, one per
/// assignment), reusing the buffers of its TEXT and BLOB values, and
/// `zeros` with the lengths of the `zeroblob`s assigned; returns the
/// row's new rowid.
pub(crate) fn assigned_row<A: Allocator + Clone>(
    table: &TableInfo<A>,
    rowid: RowId,
    record: RecordRef<'_>,
    update: &Update<'_, A>,
    columns: &[ColumnPos],
    env: Env<'_, A>,
    (values, zeros): (&mut Vec<Value<A>, A>, &mut [Option<usize>]),
) -> Result<Value<A>> {
    let alloc = env.alloc.clone();
    let mut ctx = env.context().with_table(table, update.alias);
    ctx.on_row(rowid, record);
    let n = table.column_count();
    values.truncate(n);
    values.try_reserve(n.saturating_sub(values.len()))?;
    while values.len() < n {
        values.try_push(Value::Null)?;
    }
    for (i, slot) in values.iter_mut().enumerate() {
        // An assigned column's slot is overwritten below.
        if !columns.contains(&ColumnPos::Column(i)) {
            assign(slot, ctx.column_at(ColumnPos::Column(i))?, &alloc)?;
        }
    }
    let mut new_rowid = Value::scalar(rowid_value(rowid));
    // Every right-hand side reads the row as it was: the context reads
    // the stored record, never `values`, so each value can be written as
    // soon as it is computed.
    let mut targets = columns.iter();
    let mut next = || {
        targets
            .next()
            .ok_or(Error::Misuse("an assignment without its column"))
    };
    // The first row of a row-value assignment's subquery.
    let mut row = Vec::new_in(alloc.clone());
    for assignment in update.assignments.iter() {
        match assigned_values(assignment)? {
            Assigned::Values(exprs) => {
                for expr in exprs {
                    let target = next()?;
                    let slots = (values.as_mut_slice(), &mut *zeros, &mut new_rowid);
                    assign_value(target, expr, &ctx, slots)?;
                }
            }
            Assigned::Row(select) => {
                ctx.subquery_row(select, assignment.columns.len(), &mut row)?;
                for value in row.iter_mut() {
                    let value = core::mem::replace(value, Value::Null);
                    match next()? {
                        ColumnPos::Rowid => new_rowid = value,
                        ColumnPos::Column(i) => {
                            *values
                                .get_mut(*i)
                                .ok_or(Error::Misuse("an assigned column out of place"))? = value;
                        }
                    }
                }
            }
        }
    }
    Ok(new_rowid)
}
