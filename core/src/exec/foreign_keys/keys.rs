//! The foreign keys a schema declares, read from each table's `CREATE
//! TABLE` text: per key, its child table and columns, its parent table
//! and columns as written, its actions and when it is checked.
//!
//! Invariant: keys come in SQLite's order. A table's own keys are
//! numbered from the last declared (`id`, as `foreign_key_list` and
//! `foreign_key_check` number them; column constraints before table
//! constraints), and the keys that reference a table come newest table
//! first, each table's keys in its own order, as SQLite links them.

use crate::alloc::{Allocator, String, Vec};
use crate::schema::{EntryKind, Schema, SchemaEntry, created_table, parse_stored};
use crate::sql::{
    ColumnConstraintKind, ForeignKey, ForeignKeyAction, Ident, TableBody, TableConstraintKind,
};
use crate::{Error, Result};

use super::Timing;

/// One declared foreign key.
pub(crate) struct Key<A: Allocator> {
    /// The child table, as the schema names it.
    pub child: String<A>,
    /// The parent table, as written.
    pub parent: String<A>,
    /// The child's key columns, by position.
    pub from: Vec<usize, A>,
    /// The parent's key columns as written; empty for its primary key.
    pub to: Vec<String<A>, A>,
    /// `ON DELETE`
    pub on_delete: ForeignKeyAction,
    /// `ON UPDATE`
    pub on_update: ForeignKeyAction,
    /// When its violations are checked.
    pub timing: Timing,
    /// Its number among the child's keys (0: the last declared).
    pub id: usize,
}

impl<A: Allocator> Key<A> {
    /// Whether `parent` names this key's parent table.
    pub fn references(&self, parent: &str) -> bool {
        self.parent.eq_ignore_ascii_case(parent)
    }
}

/// The keys the table `entry` declares, in `id` order.
pub(crate) fn declared_by<A: Allocator + Clone, B: Allocator>(
    entry: &SchemaEntry<B>,
    alloc: &A,
) -> Result<Vec<Key<A>, A>> {
    let mut keys = Vec::new_in(alloc.clone());
    if entry.kind != EntryKind::Table || entry.root.is_none() {
        return Ok(keys);
    }
    let sql = entry.table_sql()?;
    let parsed = parse_stored(sql, alloc.clone())?;
    let create = created_table(&parsed)?;
    let TableBody::Columns {
        columns,
        constraints,
        without_rowid,
        ..
    } = &create.body
    else {
        return Ok(keys);
    };
    let position = |name: &Ident<'_>| -> Result<usize> {
        let name = name.to_string_in(alloc.clone())?;
        columns
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case(&name))
            .ok_or(Error::Sql("unknown column in foreign key definition"))
    };
    let mut add = |from: Vec<usize, A>, references: &ForeignKey<'_, A>| -> Result<()> {
        if *without_rowid {
            return Err(Error::Sql(
                "foreign keys of WITHOUT ROWID tables are not supported while foreign_keys is ON",
            ));
        }
        let mut to = Vec::try_with_capacity_in(references.columns.len(), alloc.clone())?;
        for name in references.columns.iter() {
            to.try_push(name.to_string_in(alloc.clone())?)?;
        }
        keys.try_push(Key {
            child: String::try_from_str_in(&entry.name, alloc.clone())?,
            parent: references.table.to_string_in(alloc.clone())?,
            from,
            to,
            on_delete: references.on_delete.unwrap_or(ForeignKeyAction::NoAction),
            on_update: references.on_update.unwrap_or(ForeignKeyAction::NoAction),
            timing: match references.deferred {
                true => Timing::Deferred,
                false => Timing::Immediate,
            },
            id: 0,
        })?;
        Ok(())
    };
    for (i, column) in columns.iter().enumerate() {
        for constraint in column.constraints.iter() {
            if let ColumnConstraintKind::References(references) = &constraint.kind {
                let mut from = Vec::try_with_capacity_in(1, alloc.clone())?;
                from.try_push(i)?;
                add(from, references)?;
            }
        }
    }
    for constraint in constraints.iter() {
        if let TableConstraintKind::ForeignKey {
            columns: names,
            references,
        } = &constraint.kind
        {
            let mut from = Vec::try_with_capacity_in(names.len(), alloc.clone())?;
            for name in names.iter() {
                from.try_push(position(name)?)?;
            }
            add(from, references)?;
        }
    }
    keys.reverse();
    for (id, key) in keys.iter_mut().enumerate() {
        key.id = id;
    }
    Ok(keys)
}

/// The keys the table named `name` declares (none when there is no such
/// table).
pub(crate) fn of_table<A: Allocator + Clone, B: Allocator + Clone>(
    schema: &Schema<B>,
    name: &str,
    alloc: &A,
) -> Result<Vec<Key<A>, A>> {
    match schema.table(name) {
        Some(entry) => declared_by(entry, alloc),
        None => Ok(Vec::new_in(alloc.clone())),
    }
}

/// The keys whose parent is the table named `parent`, newest table
/// first.
pub(crate) fn referencing<A: Allocator + Clone, B: Allocator + Clone>(
    schema: &Schema<B>,
    parent: &str,
    alloc: &A,
) -> Result<Vec<Key<A>, A>> {
    let mut found = Vec::new_in(alloc.clone());
    for entry in schema.entries().iter().rev() {
        for key in declared_by(entry, alloc)? {
            if key.references(parent) {
                found.try_push(key)?;
            }
        }
    }
    Ok(found)
}
