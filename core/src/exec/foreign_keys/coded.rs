//! Which foreign key action SQLite compiles last before a statement
//! whose conflicts `REPLACE` may resolve checks its new row.
//!
//! SQLite compiles each key's action into a trigger program the first
//! time a statement needs it, and a program's body (the actions a
//! cascade sets off) right after it, each once. When it checks a new
//! row's keys it skips the key whose `SET NULL` action is the newest
//! program of the statement (`isSetNullAction`, meant for the program
//! that sets the key to NULL): a top-level `INSERT` or `UPDATE` whose
//! conflict may be resolved by `REPLACE` compiles its table's `ON
//! DELETE` actions before it checks its new row, so a key of a table to
//! itself (or round a cycle of keys) whose action is the last compiled
//! goes unchecked for that row. [`last_set_null`] finds such a key, for
//! [`TableKeys::skip_check`](super::table_keys::TableKeys::skip_check).

use crate::alloc::{Allocator, String, TryClone, Vec};
use crate::schema::Schema;
use crate::sql::{ColumnPos, ForeignKeyAction};
use crate::table::TableInfo;
use crate::{Error, Result};

use super::keys;
use super::table_keys::parent_changed;

/// Which of a key's actions a program runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    Delete,
    Update,
}

/// The programs a statement compiled, in the order SQLite compiles them.
struct Coding<'s, A: Allocator + Clone> {
    schema: &'s Schema<A>,
    /// Whether `PRAGMA defer_foreign_keys` is ON: `RESTRICT` compiles to
    /// nothing then.
    defer_all: bool,
    /// Each program's key (child table, id), event and action.
    coded: Vec<(String<A>, usize, Event, ForeignKeyAction), A>,
    alloc: &'s A,
}

/// How deep the programs of one statement may nest here; SQLite compiles
/// each once, so a chain is no longer than the schema's keys.
const MAX_NESTING: usize = 64;

impl<A: Allocator + Clone> Coding<'_, A> {
    /// Compiles the actions of the keys that refer to `table` when its
    /// rows are deleted (`changed` `None`) or these columns of them
    /// updated.
    fn actions(&mut self, table: &str, changed: Option<&[usize]>, depth: usize) -> Result<()> {
        if depth > MAX_NESTING {
            return Err(Error::Sql(
                "foreign key actions nested more than 64 deep are not supported",
            ));
        }
        let info = match changed {
            Some(_) => Some(TableInfo::load(self.schema, table, self.alloc.clone())?),
            None => None,
        };
        for key in keys::referencing(self.schema, table, self.alloc)? {
            let (event, action) = match (changed, &info) {
                (Some(columns), Some(info)) => {
                    if !parent_changed(info, &key, &|c| columns.contains(&c)) {
                        continue;
                    }
                    (Event::Update, key.on_update)
                }
                _ => (Event::Delete, key.on_delete),
            };
            match action {
                ForeignKeyAction::NoAction => continue,
                ForeignKeyAction::Restrict if self.defer_all => continue,
                _ => {}
            }
            let known = self.coded.iter().any(|(child, id, e, _)| {
                child.eq_ignore_ascii_case(&key.child) && *id == key.id && *e == event
            });
            if known {
                continue;
            }
            self.coded
                .try_push((key.child.try_clone()?, key.id, event, action))?;
            match (action, event) {
                (ForeignKeyAction::Restrict, _) => {}
                (ForeignKeyAction::Cascade, Event::Delete) => {
                    self.actions(&key.child, None, depth + 1)?;
                }
                _ => self.actions(&key.child, Some(&key.from), depth + 1)?,
            }
        }
        Ok(())
    }
}

/// The id of the key of `table` (as the child) left unchecked for the
/// new row of a statement that compiled `table`'s `ON DELETE` actions
/// before checking it (see the module docs), if any.
pub(crate) fn last_set_null<A: Allocator + Clone>(
    schema: &Schema<A>,
    table: &str,
    defer_all: bool,
    alloc: &A,
) -> Result<Option<usize>> {
    let mut coding = Coding {
        schema,
        defer_all,
        coded: Vec::new_in(alloc.clone()),
        alloc,
    };
    coding.actions(table, None, 0)?;
    Ok(match coding.coded.last() {
        Some((child, id, _, ForeignKeyAction::SetNull)) if child.eq_ignore_ascii_case(table) => {
            Some(*id)
        }
        _ => None,
    })
}

/// Whether the `ON UPDATE` actions an update of `columns` of `table`
/// compiles include the `SET NULL` of a key of which `table` is the
/// child, which could leave that key unchecked for a later row (see the
/// module docs).
pub(crate) fn sets_own_key_null<A: Allocator + Clone>(
    schema: &Schema<A>,
    table: &TableInfo<A>,
    columns: &[ColumnPos],
    defer_all: bool,
    alloc: &A,
) -> Result<bool> {
    let mut changed = Vec::new_in(alloc.clone());
    for column in columns {
        let i = match column {
            ColumnPos::Column(i) => Some(*i),
            ColumnPos::Rowid => table.columns.rowid_alias,
        };
        if let Some(i) = i {
            changed.try_push(i)?;
        }
    }
    let mut coding = Coding {
        schema,
        defer_all,
        coded: Vec::new_in(alloc.clone()),
        alloc,
    };
    coding.actions(&table.name, Some(&changed), 0)?;
    Ok(coding.coded.iter().any(|(child, _, _, action)| {
        *action == ForeignKeyAction::SetNull && child.eq_ignore_ascii_case(&table.name)
    }))
}

/// Whether an `UPDATE` of `columns` of `table` checks every index of
/// the table for conflicts, not only those whose key it changes, as
/// SQLite does when a key of the table to itself has a child column
/// assigned, or a key with an `ON UPDATE` action has a parent column
/// assigned (`sqlite3FkRequired` returning 2).
pub(crate) fn checks_every_index<A: Allocator + Clone>(
    schema: &Schema<A>,
    table: &TableInfo<A>,
    columns: &[ColumnPos],
    alloc: &A,
) -> Result<bool> {
    let changed = |c: usize| {
        columns.contains(&ColumnPos::Column(c))
            || (table.columns.rowid_alias == Some(c) && columns.contains(&ColumnPos::Rowid))
    };
    let own = keys::of_table(schema, &table.name, alloc)?;
    if own
        .iter()
        .any(|k| k.references(&table.name) && k.from.iter().any(|&c| changed(c)))
    {
        return Ok(true);
    }
    let referencing = keys::referencing(schema, &table.name, alloc)?;
    Ok(referencing
        .iter()
        .any(|k| k.on_update != ForeignKeyAction::NoAction && parent_changed(table, k, &changed)))
}
