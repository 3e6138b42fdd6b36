//! `INSERT [OR REPLACE|OR IGNORE] INTO t [(columns)] VALUES (...), ...`,
//! `... SELECT ...` and `DEFAULT VALUES`; each row is stored through
//! `store` (affinity, `NOT NULL`, the record).
//!
//! Invariants, as SQLite stores a row: a column not named takes its
//! `DEFAULT` (NULL without one); the rowid alias's value becomes the
//! rowid (after INTEGER affinity; anything but an integer is a datatype
//! mismatch); without one the rowid is one above the largest; a NULL in a
//! `NOT NULL` column fails, skips the row under `OR IGNORE`, or takes the
//! column's default under `OR REPLACE` when there is one; a false `CHECK`
//! fails, or skips the row under `OR IGNORE`. A
//! `zeroblob(N)` value is stored without its N bytes being held. When
//! the query of `INSERT ... SELECT` reads the table written, its rows
//! are all read before the first is stored, so it sees the table as it
//! was; `INSERT INTO t SELECT * FROM s` may copy the records of `s` as
//! they are stored (see `transfer`). A `WITH` clause before the statement
//! puts its tables in scope for its query and subqueries, never for its
//! target.

use boundlite_platform::Platform;

use crate::alloc::{Allocator, Vec};
use crate::sql::eval::{EvalContext, Value, evaluate, zeroblob_call};
use crate::sql::{
    ColumnPos, Conflict, Expr, Ident, Insert, InsertSource, QualifiedName, Select, UpsertAction,
};
use crate::{Error, Result};

use super::check::columns_exist_within;
use super::checks::Checks;
use super::context::RowContext;
use super::foreign_keys::coded;
use super::foreign_keys::replaced::Replaced;
use super::foreign_keys::table_keys::{Op, TableKeys};
use super::keyed;
use super::returning::{Returned, Returning};
use super::rowids::Rowids;
use super::scope::One;
use super::select::{self, assign, load_table};
use super::store::{Rules, is_zeroblob_call, store_row};
use super::subquery::{Runner, expr_holds_subquery, holds_subquery};
use super::table_names;
use super::transfer;
use super::triggers::fire::{Event, Fires, Outcome, refuse_returning};
use super::triggers::instead;
use super::upsert::{Upserted, Upserts};
use super::{Counters, Env, with};
use crate::sort::{Current, Sorted, Sorter};
use crate::table::Writer;
use crate::table::{DefaultKind, OrClause, TableInfo};

/// Runs `insert`; returns the rows inserted, and puts the rows its
/// `RETURNING` clause computed, if it has one, in `returned`.
pub(crate) fn run<P: Platform, A: Allocator + Clone>(
    w: &mut Writer<'_, '_, P, A>,
    insert: &Insert<'_, A>,
    env: Env<'_, A>,
    returned: &mut Option<Returned<A>>,
) -> Result<usize> {
    with::within_ctes(&insert.with, env, |env| {
        insert_rows(w, insert, env, returned)
    })
}

/// Runs `insert` in `env`, where its `WITH` tables are in scope.
fn insert_rows<P: Platform, A: Allocator + Clone>(
    w: &mut Writer<'_, '_, P, A>,
    insert: &Insert<'_, A>,
    env: Env<'_, A>,
    returned: &mut Option<Returned<A>>,
) -> Result<usize> {
    if instead::is_target(w, &insert.table, env)? {
        return instead::insert(w, insert, env);
    }
    let alloc = env.alloc.clone();
    let table = load_table(w.view(), &insert.table, env).map_err(|e| insert.table.as_written(e))?;
    w.check_side(table.side)?;
    table.check_writable()?;
    let mut returning = Returning::new(&insert.returning, &table, insert.alias, w, env)?;
    let mut targets = env.scratch.targets(&alloc);
    if matches!(insert.source, InsertSource::DefaultValues) {
        // No value is given: every column takes its default.
    } else if insert.columns.is_empty() {
        targets.try_reserve(table.column_count())?;
        // A generated column takes no value of the list, as in SQLite.
        for (i, column) in table.columns.columns.iter().enumerate() {
            if !column.generated {
                targets.try_push(target_of(&table, i))?;
            }
        }
    } else {
        targets.try_reserve(insert.columns.len())?;
        for name in insert.columns.iter() {
            let target = column_named(&table, name).map_err(|_| {
                let column = name.as_str().unwrap_or(name.inner());
                crate::Named::NoColumnNamed.error2(&table.name, column)
            })?;
            if let ColumnPos::Column(i) = target {
                if let Some(c) = table.columns.columns.get(i).filter(|c| c.generated) {
                    return Err(crate::Named::InsertGenerated.error(&c.name));
                }
            }
            // SQLite stores the first value given for a column named
            // twice; each value here lands in its column in turn.
            if targets.contains(&target) {
                return Err(Error::Sql(
                    "an INSERT column list naming a column twice is not supported",
                ));
            }
            targets.try_push(target)?;
        }
    }
    // A trigger's statement takes the `OR` clause of the one that fired
    // it; its own triggers take the clause it ends up with.
    let written = env.conflict.or(insert.conflict);
    let or = OrClause(written);
    let upserts = match insert.upsert.is_empty() {
        true => None,
        false => Some(Upserts::load(
            &table,
            &insert.upsert,
            insert.alias,
            alloc.clone(),
        )?),
    };
    if let Some(upserts) = &upserts {
        upserts.check_subqueries(w, &table, env)?;
    }
    let fires = Fires::of(env, &table.name, Event::Insert, written)?;
    let updated = match &upserts {
        Some(upserts) => upserts.keys(w, &table, env)?,
        None => Vec::new_in(alloc.clone()),
    };
    // SQLite runs a statement that stores one row, outside any trigger,
    // without a statement journal unless its code may write more rows:
    // it fires a trigger, a conflict's REPLACE deletes a row with its
    // keys' checks and actions, or an upsert's `DO UPDATE` takes part in
    // a key (`isMultiWrite`).
    let single = match &insert.source {
        InsertSource::Values(rows) => rows.len() == 1,
        InsertSource::DefaultValues => true,
        InsertSource::Select(_) => false,
    } && fires.is_none()
        && env.active.is_none()
        && !replaces_row(&table, &targets, or)
        && !updated.iter().flatten().any(TableKeys::takes_part);
    let mut keys = TableKeys::load(w, &table.name, Op::Insert(single), env)?;
    if let Some(keys) = keys.as_mut().filter(|k| k.is_involved()) {
        if replaces_row(&table, &targets, or) && env.active.is_none() {
            keys.skip_check(coded::last_set_null(
                &w.schema()?,
                &table.name,
                env.foreign_keys.is_some_and(|f| f.defers_all()),
                &alloc,
            )?);
        }
    }
    // The rows an upsert's `OR REPLACE` deletes are not deleted as the
    // keys would have them (see `Replaced`).
    if upserts.is_some()
        && table.may_resolve(or, Conflict::Replace)
        && keys.as_ref().is_some_and(TableKeys::is_involved)
    {
        return Err(Error::Sql(
            "an upsert with OR REPLACE on a table with foreign keys is not supported while foreign_keys is ON",
        ));
    }
    refuse_returning(&fires, &returning)?;
    if !table.has_rowid {
        keyed::refuse(fires.is_some())?;
        if keys.as_ref().is_some_and(TableKeys::is_involved) {
            return Err(keyed::FOREIGN_KEYS);
        }
    }
    if upserts.is_some() && table.resolves_keys() {
        return Err(Error::Sql(
            "upsert on a table with ON CONFLICT clauses on its keys is not supported",
        ));
    }
    // `DO NOTHING` stores no row: the `BEFORE INSERT` triggers have
    // fired and no other does, as for a row `OR IGNORE` skips.
    let updates = insert
        .upsert
        .iter()
        .any(|u| matches!(u.action, UpsertAction::Update { .. }));
    if fires.is_some() && updates {
        return Err(Error::Sql(
            "upsert DO UPDATE on a table with triggers is not supported",
        ));
    }
    let no_values = Vec::new_in(alloc.clone());
    let rows = match &insert.source {
        InsertSource::Values(rows) => rows.as_slice(),
        InsertSource::DefaultValues => core::slice::from_ref(&no_values),
        InsertSource::Select(query) => {
            let transferred = match (&upserts, &returning, &keys) {
                // Foreign keys are checked row by row.
                (_, _, Some(keys)) if keys.is_involved() => Ok(None),
                // Triggers fire row by row.
                _ if fires.is_some() => Ok(None),
                (None, None, _) => transfer::run(w, &table, insert, query, or, env),
                // An upsert decides, and RETURNING computes, row by row.
                _ => Ok(None),
            };
            let changed = match transferred {
                Ok(Some(copied)) => Ok(copied),
                Ok(None) => {
                    let how = How {
                        or,
                        upserts: upserts.as_ref(),
                        keys: keys.as_ref(),
                        fires: fires.as_ref(),
                    };
                    insert_selected(w, &table, &targets, query, how, returning.as_mut(), env)
                }
                Err(e) => Err(e),
            };
            *returned = returning.map(Returning::into_rows);
            env.tables.put(table);
            env.scratch.put_targets(targets);
            return changed;
        }
    };
    // A row's subqueries run before it is stored, as SQLite runs them;
    // when a subquery of several rows reads the table written, or the
    // rows fire triggers, SQLite computes every row before storing any,
    // so none sees another: they are spooled first.
    let runner = Runner::new(w.view());
    let env = Env {
        subqueries: Some(&runner),
        ..env
    };
    let ctx = env.context();
    let spool = rows.len() > 1
        && rows.iter().flatten().any(expr_holds_subquery)
        && (fires.is_some() || values_read(rows, &table, env)?);
    let mut spooled = match spool {
        true => Some(spool_values(w, rows, &targets, &ctx)?),
        false => None,
    };
    let mut written = rows.iter();
    let mut rules = Rules {
        checks: Checks::load(&table, env)?,
        rowids: Rowids::begin(w, &table, env)?,
        replaced: Replaced::load(w, &table, or, env)?,
        updated,
    };
    let mut record = env.scratch.record(&alloc);
    let mut values = env.scratch.values(&alloc);
    // A `zeroblob(N)` value is stored without its N bytes: the columns
    // given one, listed only for a statement that has one.
    let mut zeros = Vec::new_in(alloc.clone());
    if rows.iter().any(|row| row.iter().any(is_zeroblob_call)) {
        if keys.as_ref().is_some_and(TableKeys::is_involved) {
            return Err(Error::Sql(
                "zeroblob() into a table with foreign keys is not supported while foreign_keys is ON",
            ));
        }
        if fires.is_some() {
            return Err(Error::Sql(
                "zeroblob() into a table with triggers is not supported",
            ));
        }
        zeros.try_resize(table.column_count(), None)?;
    }
    // When the row names every column, no default is ever read (the rowid
    // alias's slot is cleared when the row is encoded).
    let untargeted = untargeted(&table, &targets);
    let mut new = Vec::new_in(alloc.clone());
    let mut changed = 0;
    loop {
        let row = match &mut spooled {
            Some(sorted) => match sorted.advance()? {
                true => None,
                false => break,
            },
            None => match written.next() {
                Some(row) => Some(row),
                None => break,
            },
        };
        if let Some(row) = row {
            if row.len() != targets.len() {
                return Err(Error::Sql("values count does not match the columns"));
            }
            for expr in row.iter() {
                columns_exist_within(expr, &One::new(None, None), Some(env))?;
            }
        }
        if untargeted {
            set_defaults(&table, &rules.checks, &mut values, &targets, &alloc)?;
        } else {
            values.try_resize_with(table.column_count(), || Value::Null)?;
        }
        let mut rowid = None;
        zeros.fill(None);
        if let (None, Some(sorted)) = (row, &mut spooled) {
            rowid = spooled_row(sorted, &targets, &mut values, &alloc)?;
        }
        for (expr, target) in row.into_iter().flatten().zip(targets.iter()) {
            match target {
                ColumnPos::Rowid => rowid = Some(evaluate(expr, &ctx)?),
                ColumnPos::Column(i) => {
                    if let Some(slot) = values.get_mut(*i) {
                        match expr {
                            // A bound value is copied into the slot's
                            // buffer rather than into a new one.
                            Expr::Param(p) => assign(slot, ctx.param(p.number)?, &alloc)?,
                            _ => match (zeros.get_mut(*i), is_zeroblob_call(expr)) {
                                (Some(zero), true) => {
                                    *zero = zeroblob_call(expr, &ctx)?;
                                    *slot = Value::Blob(Vec::new_in(alloc.clone()));
                                }
                                _ => *slot = evaluate(expr, &ctx)?,
                            },
                        }
                    }
                }
            }
        }
        let rowid = match rowid {
            Some(v) if !v.is_null() => Some(v),
            _ => None,
        };
        if let Some(fires) = &fires {
            let outcome = fires.before_insert(w, &table, rowid.as_ref(), &values, &mut new, env)?;
            if outcome == Outcome::Ignored {
                continue;
            }
        }
        let stored = match &upserts {
            Some(upserts) => upserts.store(
                w,
                &table,
                &mut rules,
                rowid,
                &mut values,
                &mut zeros,
                or,
                &mut record,
                env,
            ),
            None => store_row(
                w,
                &table,
                &mut rules,
                rowid,
                &mut values,
                &mut zeros,
                or,
                &mut record,
            )
            .map(|stored| stored.map(Upserted::Inserted)),
        };
        if let Some(stored) = stored? {
            // A `DO UPDATE` checked the keys of the row it updated.
            if let (Upserted::Inserted(rowid), Some(keys)) = (stored, &keys) {
                keys.added(w, rowid, &values)?;
            }
            let rowid = stored.rowid();
            changed += 1;
            env.row_changed();
            if let Some(counters) = env.counters.filter(|_| table.has_rowid) {
                counters.inserted(rowid);
            }
            if let Some(returning) = returning.as_mut() {
                returning.stored_row(w, &table, rowid, &record, env)?;
            }
            if let Some(fires) = &fires {
                fires.after_insert(w, &table, rowid, &values, env)?;
            }
        }
    }
    rules.rowids.end(w, &table)?;
    drop(rules);
    env.tables.put(table);
    env.scratch.put(targets, values, record);
    *returned = returning.map(Returning::into_rows);
    Ok(changed)
}

/// Whether the subqueries of `rows` may read `table`: they name it, or
/// a `WITH` table or view, which may.
fn values_read<A: Allocator + Clone>(
    rows: &[Vec<Expr<'_, A>, A>],
    table: &TableInfo<A>,
    env: Env<'_, A>,
) -> Result<bool> {
    let mut reads = false;
    for expr in rows.iter().flatten() {
        table_names::in_expr(expr, &mut |name| {
            reads |= name.name.eq_ignore_ascii_case(&table.name) || with::names_query(name, env);
            Ok(())
        })?;
    }
    Ok(reads)
}

/// Computes every row of `rows` (values for `targets`) in `ctx` into a
/// spool, in the sort budget (spilling past it), before any is stored.
fn spool_values<P: Platform, A: Allocator + Clone>(
    w: &Writer<'_, '_, P, A>,
    rows: &[Vec<Expr<'_, A>, A>],
    targets: &[ColumnPos],
    ctx: &RowContext<'_, '_, A>,
) -> Result<Sorted<P::File, A>> {
    let view = w.view();
    let alloc = ctx.allocator();
    let env = ctx
        .env()
        .ok_or(Error::Misuse("a row of VALUES outside its statement"))?;
    let mut spool = Sorter::new(
        view.platform(),
        Vec::new_in(alloc.clone()),
        view.sort_budget(),
        alloc.clone(),
    );
    for row in rows {
        if row.len() != targets.len() {
            return Err(Error::Sql("values count does not match the columns"));
        }
        let mut values = Vec::try_with_capacity_in(row.len(), alloc.clone())?;
        for expr in row.iter() {
            columns_exist_within(expr, &One::new(None, None), Some(env))?;
            values.try_push(evaluate(expr, ctx)?)?;
        }
        spool.push(values)?;
    }
    spool.finish()
}

/// Puts the spooled row `sorted` is on into the slots of `targets` in
/// `values`; returns the value given the rowid, if any.
fn spooled_row<F: boundlite_platform::File, A: Allocator + Clone>(
    sorted: &mut Sorted<F, A>,
    targets: &[ColumnPos],
    values: &mut [Value<A>],
    alloc: &A,
) -> Result<Option<Value<A>>> {
    let mut rowid = None;
    let current = sorted.current()?;
    for (i, target) in targets.iter().enumerate() {
        let mut value = Value::Null;
        assign(&mut value, current.column(i)?, alloc)?;
        match target {
            ColumnPos::Rowid => rowid = Some(value),
            ColumnPos::Column(c) => {
                if let Some(slot) = values.get_mut(*c) {
                    *slot = value;
                }
            }
        }
    }
    Ok(rowid)
}

/// Stores every row of `query` into the table `name`, whose columns it
/// fills in order (`CREATE TABLE ... AS SELECT`); returns the rows
/// stored.
pub(crate) fn insert_query<P: Platform, A: Allocator + Clone>(
    w: &mut Writer<'_, '_, P, A>,
    name: &QualifiedName<'_>,
    query: &Select<'_, A>,
    env: Env<'_, A>,
) -> Result<usize> {
    let table = load_table(w.view(), name, env)?;
    w.check_side(table.side)?;
    let mut targets = Vec::try_with_capacity_in(table.column_count(), env.alloc.clone())?;
    for i in 0..table.column_count() {
        targets.try_push(target_of(&table, i))?;
    }
    let how = How {
        or: OrClause::ABORT,
        upserts: None,
        keys: None,
        fires: None,
    };
    insert_selected(w, &table, &targets, query, how, None, env)
}

/// How an insert resolves a row that conflicts with another: its
/// upsert clauses, then its `OR` clause.
#[derive(Clone, Copy)]
struct How<'h, 'u, 'a, P: Platform, A: Allocator + Clone> {
    or: OrClause,
    upserts: Option<&'h Upserts<'u, 'a, P, A>>,
    /// The foreign keys the table takes part in, while enforced.
    keys: Option<&'h TableKeys<'u, A>>,
    /// The triggers each row stored fires.
    fires: Option<&'h Fires<A>>,
}

/// `INSERT ... SELECT` the ordinary way: each row of `query` is read,
/// then stored from its values. A query that may read the table written
/// (or a table a trigger the rows fire changes) has its rows wait in a spool (a sorter with no keys) in the sort
/// budget, past which they go to a temporary file, so that it never sees
/// the rows being inserted; any other query's rows are stored as they
/// come (the table layer's cursors hold no page between steps, and a
/// change to one table moves no page of another).
fn insert_selected<P: Platform, A: Allocator + Clone>(
    w: &mut Writer<'_, '_, P, A>,
    table: &TableInfo<A>,
    targets: &[ColumnPos],
    query: &Select<'_, A>,
    how: How<'_, '_, '_, P, A>,
    returning: Option<&mut Returning<'_, P, A>>,
    env: Env<'_, A>,
) -> Result<usize> {
    let alloc = env.alloc.clone();
    let mut rules = Rules {
        checks: Checks::load(table, env)?,
        rowids: Rowids::begin(w, table, env)?,
        replaced: Replaced::load(w, table, how.or, env)?,
        updated: match how.upserts {
            Some(upserts) => upserts.keys(w, table, env)?,
            None => Vec::new_in(alloc.clone()),
        },
    };
    let mut values = env.scratch.values(&alloc);
    let mut record = env.scratch.record(&alloc);
    let mut row = Vec::new_in(alloc.clone());
    let mut stored = Stored {
        table,
        rules: &mut rules,
        targets,
        untargeted: untargeted(table, targets),
        or: how.or,
        upserts: how.upserts,
        keys: how.keys,
        fires: how.fires,
        new: Vec::new_in(alloc.clone()),
        returning,
        env,
        values: &mut values,
        record: &mut record,
        alloc: &alloc,
        counters: env.counters,
    };
    // A trigger may change the tables the query reads: as SQLite does,
    // the rows are all read before the first is stored.
    let changed = if reads(query, table, env) || holds_subquery(query) || how.fires.is_some() {
        // Its subqueries run while the rows are spooled, before the
        // first is stored, as SQLite computes a query that reads the
        // table written into a temporary table first.
        let runner = Runner::new(w.view());
        let env = Env {
            subqueries: Some(&runner),
            ..env
        };
        spooled(w, query, env, &mut stored, &mut row)
    } else {
        streamed(w, query, env, &mut stored, &mut row)
    };
    env.scratch.put_values(values, record);
    let changed = changed?;
    rules.rowids.end(w, table)?;
    Ok(changed)
}

/// Whether `query` may read `table` in `FROM`: the one table it names
/// there (a subquery's are its own); a join, a compound, a `WITH` table,
/// a view, or a query the executor would refuse counts as reading.
fn reads<A: Allocator + Clone>(
    query: &Select<'_, A>,
    table: &TableInfo<A>,
    env: Env<'_, A>,
) -> bool {
    if !query.with.is_empty() {
        return true;
    }
    match select::body_of(query).and_then(select::from_of) {
        Ok(Some((name, _))) => {
            name.name.eq_ignore_ascii_case(&table.name) || with::names_query(&name, env)
        }
        Ok(None) => false,
        Err(_) => true,
    }
}

/// Stores each row of `query` as it is read.
fn streamed<P: Platform, A: Allocator + Clone>(
    w: &mut Writer<'_, '_, P, A>,
    query: &Select<'_, A>,
    env: Env<'_, A>,
    stored: &mut Stored<'_, '_, '_, P, A>,
    row: &mut Vec<Value<A>, A>,
) -> Result<usize> {
    let view = w.view();
    let mut sources = Vec::new_in(env.alloc.clone());
    let mut state = select::start(view, query, env, &mut sources)?;
    let mut changed = 0;
    while select::next(view, &mut state, &mut sources, Some(query), env, row)? {
        if stored.store(w, row)? {
            changed += 1;
        }
    }
    Ok(changed)
}

/// Reads every row of `query` into a spool, then stores each.
fn spooled<P: Platform, A: Allocator + Clone>(
    w: &mut Writer<'_, '_, P, A>,
    query: &Select<'_, A>,
    env: Env<'_, A>,
    stored: &mut Stored<'_, '_, '_, P, A>,
    row: &mut Vec<Value<A>, A>,
) -> Result<usize> {
    let alloc = env.alloc.clone();
    let view = w.view();
    let mut spool = Sorter::new(
        view.platform(),
        Vec::new_in(alloc.clone()),
        view.sort_budget(),
        alloc.clone(),
    );
    let mut sources = Vec::new_in(alloc.clone());
    let mut state = select::start(view, query, env, &mut sources)?;
    let mut out = Vec::new_in(alloc.clone());
    while select::next(view, &mut state, &mut sources, Some(query), env, &mut out)? {
        if out.len() != stored.targets.len() {
            return Err(Error::Sql("values count does not match the columns"));
        }
        let row = core::mem::replace(&mut out, Vec::new_in(alloc.clone()));
        spool.push(row)?;
    }
    drop((state, sources));
    let mut rows = spool.finish()?;
    let mut changed = 0;
    while rows.advance()? {
        let done = match rows.current()? {
            Current::Values(values) => stored.store(w, values)?,
            Current::Record(record) => {
                row.try_resize_with(record.column_count(), || Value::Null)?;
                for (slot, value) in row.iter_mut().zip(record.columns()) {
                    assign(slot, value?, &alloc)?;
                }
                stored.store(w, row)?
            }
        };
        if done {
            changed += 1;
        }
    }
    Ok(changed)
}

/// What storing a selected row needs, with the buffers reused from one
/// row to the next.
struct Stored<'s, 'r, 'q, P: Platform, A: Allocator + Clone> {
    table: &'s TableInfo<A>,
    rules: &'s mut Rules<'r, A>,
    targets: &'s [ColumnPos],
    /// Whether some column is not a target, and so takes its default.
    untargeted: bool,
    or: OrClause,
    /// The statement's upsert clauses, if any.
    upserts: Option<&'s Upserts<'s, 's, P, A>>,
    /// The foreign keys the table takes part in, while enforced.
    keys: Option<&'s TableKeys<'s, A>>,
    /// The triggers each row stored fires.
    fires: Option<&'s Fires<A>>,
    /// The buffer of a `BEFORE` trigger's `NEW`.
    new: Vec<Value<A>, A>,
    /// The statement's `RETURNING` clause, if any.
    returning: Option<&'s mut Returning<'q, P, A>>,
    env: Env<'s, A>,
    values: &'s mut Vec<Value<A>, A>,
    record: &'s mut Vec<u8, A>,
    alloc: &'s A,
    /// Where the rowid of each row stored is noted.
    counters: Option<&'s Counters>,
}

impl<P: Platform, A: Allocator + Clone> Stored<'_, '_, '_, P, A> {
    /// Stores `row` (one value per target); `false` when `OR IGNORE`
    /// skipped it. Values are swapped between `row` and the row stored
    /// rather than copied, so each slot's buffer serves the next row.
    fn store(&mut self, w: &mut Writer<'_, '_, P, A>, row: &mut Vec<Value<A>, A>) -> Result<bool> {
        if row.len() != self.targets.len() {
            return Err(Error::Sql("values count does not match the columns"));
        }
        if self.untargeted {
            set_defaults(
                self.table,
                &self.rules.checks,
                self.values,
                self.targets,
                self.alloc,
            )?;
        } else {
            self.values
                .try_resize_with(self.table.column_count(), || Value::Null)?;
        }
        let mut rowid = None;
        for (value, target) in row.iter_mut().zip(self.targets.iter()) {
            match target {
                ColumnPos::Rowid => {
                    rowid = Some(core::mem::replace(value, Value::Null)).filter(|v| !v.is_null())
                }
                ColumnPos::Column(i) => {
                    if let Some(slot) = self.values.get_mut(*i) {
                        core::mem::swap(slot, value);
                    }
                }
            }
        }
        if let Some(fires) = self.fires {
            let outcome = fires.before_insert(
                w,
                self.table,
                rowid.as_ref(),
                self.values,
                &mut self.new,
                self.env,
            )?;
            if outcome == Outcome::Ignored {
                return Ok(false);
            }
        }
        let stored = match self.upserts {
            Some(upserts) => upserts.store(
                w,
                self.table,
                self.rules,
                rowid,
                self.values,
                &mut [],
                self.or,
                self.record,
                self.env,
            ),
            None => store_row(
                w,
                self.table,
                self.rules,
                rowid,
                self.values,
                &mut [],
                self.or,
                self.record,
            )
            .map(|stored| stored.map(Upserted::Inserted)),
        }?;
        if stored.is_some() {
            self.env.row_changed();
        }
        // A `DO UPDATE` checked the keys of the row it updated.
        if let (Some(Upserted::Inserted(rowid)), Some(keys)) = (stored, self.keys) {
            keys.added(w, rowid, self.values)?;
        }
        let stored = stored.map(Upserted::rowid);
        let counters = self.counters.filter(|_| self.table.has_rowid);
        if let (Some(rowid), Some(counters)) = (stored, counters) {
            counters.inserted(rowid);
        }
        if let (Some(rowid), Some(returning)) = (stored, self.returning.as_deref_mut()) {
            returning.stored_row(w, self.table, rowid, self.record, self.env)?;
        }
        if let (Some(rowid), Some(fires)) = (stored, self.fires) {
            fires.after_insert(w, self.table, rowid, self.values, self.env)?;
        }
        Ok(stored.is_some())
    }
}

/// Whether some column of `table` is neither a target nor the rowid
/// alias, so takes its default (the alias's slot is cleared when the row
/// is encoded).
fn untargeted<A: Allocator + Clone>(table: &TableInfo<A>, targets: &[ColumnPos]) -> bool {
    (0..table.column_count())
        .filter(|&i| target_of(table, i) != ColumnPos::Rowid)
        .any(|i| !targets.contains(&ColumnPos::Column(i)))
}

/// Whether storing a row into `table` whose values go to `targets` may
/// resolve a conflict by `REPLACE` under `or`: a rowid given and its
/// conflict resolved so, or a `UNIQUE` index's (SQLite codes a `REPLACE`
/// only for those).
fn replaces_row<A: Allocator>(table: &TableInfo<A>, targets: &[ColumnPos], or: OrClause) -> bool {
    let rowid_given = targets.contains(&ColumnPos::Rowid);
    (rowid_given && or.on(table.columns.key_conflict) == Conflict::Replace)
        || table
            .indexes
            .iter()
            .any(|i| i.columns.unique && or.on(i.columns.conflict) == Conflict::Replace)
}

/// Where column `i` of `table` is written: the rowid for its alias.
fn target_of<A: Allocator>(table: &TableInfo<A>, i: usize) -> ColumnPos {
    if table.columns.rowid_alias == Some(i) {
        ColumnPos::Rowid
    } else {
        ColumnPos::Column(i)
    }
}

/// The column of `table` called `name` that an `UPDATE` or `DO UPDATE`
/// sets: SQLite's error when it is a generated column.
pub(crate) fn updated_column<A: Allocator>(
    table: &TableInfo<A>,
    name: &Ident<'_>,
) -> Result<ColumnPos> {
    let target = column_named(table, name)?;
    if let ColumnPos::Column(i) = target {
        if let Some(c) = table.columns.columns.get(i).filter(|c| c.generated) {
            return Err(crate::Named::UpdateGenerated.error(&c.name));
        }
    }
    Ok(target)
}

/// The column of `table` called `name` (or the rowid under one of its
/// names).
pub(crate) fn column_named<A: Allocator>(
    table: &TableInfo<A>,
    name: &Ident<'_>,
) -> Result<ColumnPos> {
    let by_name = table
        .columns
        .columns
        .iter()
        .position(|c| name.eq_ignore_ascii_case(&c.name));
    match by_name {
        Some(i) => Ok(target_of(table, i)),
        None if table.has_rowid
            && ["rowid", "oid", "_rowid_"]
                .iter()
                .any(|n| name.eq_ignore_ascii_case(n)) =>
        {
            Ok(ColumnPos::Rowid)
        }
        None => Err(Error::Named(
            crate::Named::UnknownColumn,
            crate::ConstraintName::format(format_args!("{}", name.chars())),
        )),
    }
}

/// Makes `values` one per column, each column's default (in declaration
/// order) but those in `targets`, which are left as they are: they are
/// about to be overwritten, and a text left in place keeps its buffer
/// for the new value.
fn set_defaults<A: Allocator + Clone>(
    table: &TableInfo<A>,
    checks: &Checks<'_, A>,
    values: &mut Vec<Value<A>, A>,
    targets: &[ColumnPos],
    alloc: &A,
) -> Result<()> {
    values.try_resize_with(table.column_count(), || Value::Null)?;
    for (i, (slot, meta)) in values.iter_mut().zip(table.meta.iter()).enumerate() {
        if !targets.contains(&ColumnPos::Column(i)) {
            if meta.default_kind == DefaultKind::PerRow {
                *slot = checks.per_row_default(i)?;
            } else {
                assign(slot, meta.default.as_ref(), alloc)?;
            }
        }
    }
    Ok(())
}
