//! `foreign_key_list(t)`: the foreign keys `t` declares, as SQLite lists
//! them, whether or not they are enforced: per referencing column `(id,
//! seq, table, from, to, on_update, on_delete, match)`, `id` numbering
//! the keys from the last declared (SQLite puts each ahead of those
//! before it; column constraints come before table constraints), `seq`
//! the column's place in its key, `to` NULL for a key that references the
//! parent's primary key, `match` always `NONE` (SQLite reads `MATCH` and
//! ignores it). A name that is no table gives no rows.

use boundlite_platform::Platform;

use crate::Result;
use crate::alloc::{Allocator, Vec};
use crate::schema::created_table;
use crate::schema::parse_stored;
use crate::sql::eval::Value;
use crate::sql::{
    ColumnConstraintKind, ForeignKey, ForeignKeyAction, Ident, TableBody, TableConstraintKind,
};
use crate::table::View;

use super::pragma::Rows;

/// One declared key: the referencing columns (the one a `REFERENCES`
/// constraint is on, or those of `FOREIGN KEY (...)`) and what they
/// reference.
struct Key<'k, 'a, A: Allocator> {
    from: &'k [Ident<'a>],
    references: &'k ForeignKey<'a, A>,
}

/// `foreign_key_list(name)` into `rows`.
pub(crate) fn foreign_key_list<P: Platform, A: Allocator + Clone>(
    view: &View<'_, P, A>,
    name: &str,
    rows: &mut Rows<A>,
) -> Result<()> {
    let alloc = rows.allocator().clone();
    let schema = view.schema()?;
    let Some(table) = schema.table(name) else {
        return Ok(());
    };
    let sql = table.table_sql()?;
    let parsed = parse_stored(sql, alloc.clone())?;
    let create = created_table(&parsed)?;
    let TableBody::Columns {
        columns,
        constraints,
        ..
    } = &create.body
    else {
        return Ok(());
    };
    let mut keys = Vec::new_in(alloc.clone());
    for column in columns.iter() {
        for constraint in column.constraints.iter() {
            if let ColumnConstraintKind::References(references) = &constraint.kind {
                keys.try_push(Key {
                    from: core::slice::from_ref(&column.name),
                    references,
                })?;
            }
        }
    }
    for constraint in constraints.iter() {
        if let TableConstraintKind::ForeignKey {
            columns,
            references,
        } = &constraint.kind
        {
            keys.try_push(Key {
                from: columns,
                references,
            })?;
        }
    }
    for (id, key) in keys.iter().rev().enumerate() {
        for (seq, column) in key.from.iter().enumerate() {
            let mut row = Vec::try_with_capacity_in(8, alloc.clone())?;
            row.try_push(Value::Integer(to_i64(id)))?;
            row.try_push(Value::Integer(to_i64(seq)))?;
            row.try_push(text(&key.references.table, &alloc)?)?;
            row.try_push(text(column, &alloc)?)?;
            row.try_push(match key.references.columns.get(seq) {
                Some(to) => text(to, &alloc)?,
                None => Value::Null,
            })?;
            row.try_push(action(key.references.on_update, &alloc)?)?;
            row.try_push(action(key.references.on_delete, &alloc)?)?;
            row.try_push(Value::try_text(b"NONE", alloc.clone())?)?;
            rows.try_push(row)?;
        }
    }
    Ok(())
}

/// `name` unquoted, as a TEXT value.
fn text<A: Allocator + Clone>(name: &Ident<'_>, alloc: &A) -> Result<Value<A>> {
    let name = name.to_string_in(alloc.clone())?;
    Ok(Value::try_text(name.as_bytes(), alloc.clone())?)
}

/// The words SQLite shows for `action` (`NO ACTION` when none is given).
fn action<A: Allocator + Clone>(action: Option<ForeignKeyAction>, alloc: &A) -> Result<Value<A>> {
    let words: &[u8] = match action {
        None | Some(ForeignKeyAction::NoAction) => b"NO ACTION",
        Some(ForeignKeyAction::Restrict) => b"RESTRICT",
        Some(ForeignKeyAction::Cascade) => b"CASCADE",
        Some(ForeignKeyAction::SetNull) => b"SET NULL",
        Some(ForeignKeyAction::SetDefault) => b"SET DEFAULT",
    };
    Ok(Value::try_text(words, alloc.clone())?)
}

/// A count as an SQL integer.
fn to_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
