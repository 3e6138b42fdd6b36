//! `UPDATE` and `DELETE` on a `WITHOUT ROWID` table, and what changing
//! one refuses (`INSERT` stores its rows through `store`).
//!
//! Invariants, as SQLite changes such a table: the records of the rows
//! that pass `WHERE` are collected first (sorted by primary key in the
//! sort budget, spilled past it), then each row is found again by its
//! primary key (one gone, deleted by an earlier `OR REPLACE` of the same
//! statement, is skipped; one stored since under that key is the one
//! changed) and deleted, or for `UPDATE` deleted and stored again under
//! its new values through the table layer's `insert_keyed`, so a changed
//! key moves the row, and uniqueness and indexes are those of `INSERT`.
//! `RETURNING` computes each row from its record (a deleted row's before
//! it goes); triggers and foreign keys on such a table are refused by
//! name.

use boundlite_platform::Platform;

use crate::alloc::{Allocator, Vec};
use crate::record::KeyColumn;
use crate::record::RecordRef;
use crate::schema::StoredBy;
use crate::sort::{KeyOrder, RecordSorter, SortedRecords};
use crate::sql::{Conflict, Delete, QualifiedName, Update};
use crate::table::{OrClause, TableInfo, Writer};
use crate::{Error, Result, RowId};

use super::Env;
use super::change::{Changed, assigned_columns, assigned_row, visit};
use super::checks::Checks;
use super::foreign_keys::table_keys::{Op, TableKeys};
use super::returning::{Returned, Returning};
use super::rowids::Rowids;
use super::select::load_table;
use super::source::Source;
use super::store::{Rules, Stored, encode_keyed, prepare_row};
use super::triggers::fire::{Event, Fires};

/// The error for changing a `WITHOUT ROWID` table that a foreign key
/// names while they are enforced.
pub(crate) const FOREIGN_KEYS: Error =
    Error::Sql("foreign keys of WITHOUT ROWID tables are not supported while foreign_keys is ON");

/// Refuses what changing a `WITHOUT ROWID` table does not run here:
/// triggers.
pub(crate) fn refuse(triggers: bool) -> Result<()> {
    if triggers {
        return Err(Error::Sql(
            "triggers on a WITHOUT ROWID table are not supported",
        ));
    }
    Ok(())
}

/// The comparison rules of the records of `name` when it is a `WITHOUT
/// ROWID` table; `None` when it is not, or names no table (the ordinary
/// way reports that).
pub(crate) fn record_keys<P: Platform, A: Allocator + Clone>(
    w: &Writer<'_, '_, P, A>,
    name: &QualifiedName<'_>,
    env: Env<'_, A>,
) -> Result<Option<Vec<KeyColumn, A>>> {
    let table = match load_table(w.view(), name, env) {
        Ok(table) => table,
        Err(Error::OutOfMemory) => return Err(Error::OutOfMemory),
        Err(_) => return Ok(None),
    };
    let keys = match table.columns.stored_by {
        StoredBy::PrimaryKey => {
            let mut keys = Vec::new_in(env.alloc.clone());
            keys.try_extend_from_slice(&table.record_keys)?;
            Some(keys)
        }
        StoredBy::Rowid => None,
    };
    env.tables.put(table);
    Ok(keys)
}

/// The records of a change's rows, sorted by primary key.
type Targets<'k, P, A> = SortedRecords<<P as Platform>::File, KeyOrder<'k>, A>;

/// The table `changed` names, a `WITHOUT ROWID` table whose records
/// compare by `keys`, and the records of its rows that pass `WHERE`,
/// sorted by primary key; the triggers of `event` are refused.
fn targets<'k, P: Platform, A: Allocator + Clone>(
    w: &Writer<'_, '_, P, A>,
    changed: Changed<'_, '_, A>,
    keys: &'k [KeyColumn],
    env: Env<'_, A>,
    (event, conflict): (Event<'_>, Option<Conflict>),
) -> Result<(TableInfo<A>, Targets<'k, P, A>)> {
    let view = w.view();
    let op = match event {
        Event::Delete => Op::Delete,
        Event::Insert | Event::Update(_) => Op::Update(&[]),
    };
    let start = |table: &TableInfo<A>, _| {
        let fires = Fires::of(env, &table.name, event, conflict)?;
        refuse(fires.is_some())?;
        // The keys of a keyed table's parent or children are not read
        // here: any key naming it is refused, whatever is wrong with it.
        let involved = match TableKeys::load(w, &table.name, op, env) {
            Ok(keys) => keys.is_some_and(|k| k.is_involved()),
            Err(Error::Sql(_) | Error::Named(..)) => true,
            Err(e) => return Err(e),
        };
        if involved {
            return Err(FOREIGN_KEYS);
        }
        Ok(RecordSorter::new(
            view.platform(),
            KeyOrder::new(keys),
            view.sort_budget(),
            env.alloc.clone(),
        ))
    };
    let each = |sorter: &mut RecordSorter<'_, P, KeyOrder<'k>, A>,
                source: &mut Source<'_, P, A>| {
        source.with_keyed_record(|record| sorter.push(record))
    };
    let (table, sorter) = visit(w, changed, env, start, each)?;
    Ok((table, sorter.finish()?))
}

/// Runs `delete` on a `WITHOUT ROWID` table whose records compare by
/// `keys`; returns the rows deleted.
pub(crate) fn delete<P: Platform, A: Allocator + Clone>(
    w: &mut Writer<'_, '_, P, A>,
    delete: &Delete<'_, A>,
    keys: &[KeyColumn],
    env: Env<'_, A>,
    returned: &mut Option<Returned<A>>,
) -> Result<usize> {
    let changed = Changed {
        name: &delete.table,
        alias: delete.alias,
        indexed: delete.indexed.as_ref(),
        where_clause: delete.where_clause.as_ref(),
    };
    let (table, mut records) = targets(w, changed, keys, env, (Event::Delete, env.conflict))?;
    let mut returning = Returning::new(&delete.returning, &table, delete.alias, w, env)?;
    let mut old = Vec::new_in(env.alloc.clone());
    let mut deleted = 0;
    while let Some(record) = records.next()? {
        if let Some(returning) = returning.as_mut() {
            // Each row returns its values before it goes.
            if !w.read_keyed(&table, record, &mut old)? {
                continue;
            }
            let parsed = RecordRef::parse(&old, Some(table.root))?;
            returning.of_record(w, &table, RowId::new(0), parsed, env)?;
        }
        if w.delete_keyed(&table, record)? {
            deleted += 1;
            env.row_changed();
        }
    }
    *returned = returning.map(Returning::into_rows);
    env.tables.put(table);
    Ok(deleted)
}

/// Runs `update` on a `WITHOUT ROWID` table whose records compare by
/// `keys`, under `conflict`; returns the rows updated.
pub(crate) fn update<P: Platform, A: Allocator + Clone>(
    w: &mut Writer<'_, '_, P, A>,
    update: &Update<'_, A>,
    keys: &[KeyColumn],
    or: OrClause,
    env: Env<'_, A>,
    returned: &mut Option<Returned<A>>,
) -> Result<usize> {
    let alloc = env.alloc.clone();
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
    let written = env.conflict.or(update.conflict);
    let refused = (Event::Update(&assigned), written);
    let (table, mut records) = targets(w, changed, keys, env, refused)?;
    let mut returning = Returning::new(&update.returning, &table, update.alias, w, env)?;
    let mut columns = env.scratch.targets(&alloc);
    assigned_columns(update, &table, env, &mut columns)?;
    let mut rules = Rules {
        checks: Checks::load(&table, env)?,
        rowids: Rowids::plain(env),
        replaced: None,
        updated: Vec::new_in(env.alloc.clone()),
    };
    let mut record = env.scratch.record(&alloc);
    let mut values = env.scratch.values(&alloc);
    let mut zeros = Vec::new_in(alloc.clone());
    zeros.try_resize(table.column_count(), None)?;
    let mut old = Vec::new_in(alloc.clone());
    let mut updated = 0;
    while let Some(key) = records.next()? {
        if !w.read_keyed(&table, key, &mut old)? {
            continue;
        }
        zeros.fill(None);
        let parsed = RecordRef::parse(&old, Some(table.root))?;
        let slots = (&mut values, zeros.as_mut_slice());
        assigned_row(&table, RowId::new(0), parsed, update, &columns, env, slots)?;
        let prepared = prepare_row(
            w,
            &table,
            &mut rules,
            (None, Stored::Updated),
            &mut values,
            or,
        )?;
        if prepared.is_none() {
            continue;
        }
        encode_keyed(w, &table, &mut values, &mut zeros, &mut record)?;
        w.delete_keyed(&table, &old)?;
        // Its keys declare no clause (see `table::KEYED_CONFLICTS`).
        let inserted = match w.insert_keyed(&table, &record, or.on(None)) {
            Err(error) if super::change::fails_kept(&error, w.halt()) => {
                // FAIL keeps the rows before, and this one as it was.
                w.insert_keyed(&table, &old, Conflict::Abort)?;
                return Err(error);
            }
            inserted => inserted?,
        };
        if inserted {
            updated += 1;
            env.row_changed();
            if let Some(returning) = returning.as_mut() {
                returning.stored_row(w, &table, RowId::new(0), &record, env)?;
            }
        } else {
            // Ignored: the row stays as it was.
            w.insert_keyed(&table, &old, Conflict::Abort)?;
        }
    }
    *returned = returning.map(Returning::into_rows);
    drop(rules);
    env.tables.put(table);
    env.scratch.put(columns, values, record);
    Ok(updated)
}
