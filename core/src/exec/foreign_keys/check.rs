//! `PRAGMA foreign_key_check [(table)]`: one row `(table, rowid, parent,
//! fkid)` per child row and key whose parent row is missing, as SQLite
//! lists them: the table's rows in rowid order, for each its keys by
//! `fkid` (0: the last declared); a row with a NULL in its key is bound
//! by nothing; a parent table that does not exist has no rows. A key no
//! parent index matches is a "foreign key mismatch" error.
//!
//! Without a table, every table is checked in the order SQLite's table
//! hash lists them: the newest first while the schema holds few tables
//! and views; past that the order follows SQLite's hash function, which
//! is refused rather than imitated.

use boundlite_platform::Platform;

use crate::alloc::{Allocator, Vec};
use crate::record::ValueRef;
use crate::schema::{EntryKind, SchemaEntry};
use crate::sql::ColumnPos;
use crate::sql::eval::Value;
use crate::table::{TableInfo, View};
use crate::{Named, Result};

use super::super::Env;
use super::super::pragma::Rows;
use super::keys::declared_by;
use super::located::locate;
use super::rows::find_parent;
use super::table_keys::refuse_keyed_parent;

/// How many tables and views the schema may hold for the whole-schema
/// form: SQLite's table hash (which holds `sqlite_schema` too) lists
/// its entries newest first until it holds ten.
const LISTED_IN_ORDER: usize = 9;

/// `foreign_key_check` of `table`, or of every table, into `rows`.
pub(crate) fn foreign_key_check<P: Platform, A: Allocator + Clone>(
    view: &View<'_, P, A>,
    table: Option<&str>,
    env: Env<'_, A>,
    rows: &mut Rows<A>,
) -> Result<()> {
    let schema = view.schema()?;
    match table {
        Some(name) => {
            let entry = schema
                .table(name)
                .ok_or_else(|| Named::NoSuchTable.error(name))?;
            check_table(view, &schema, entry, env, rows)
        }
        None => {
            let listed = schema
                .entries()
                .iter()
                .filter(|e| matches!(e.kind, EntryKind::Table | EntryKind::View))
                .count();
            if listed > LISTED_IN_ORDER {
                return Err(crate::Error::Sql(
                    "PRAGMA foreign_key_check without a table is not supported on schemas of more than 9 tables and views",
                ));
            }
            for entry in schema.entries().iter().rev() {
                if entry.kind == EntryKind::Table {
                    check_table(view, &schema, entry, env, rows)?;
                }
            }
            Ok(())
        }
    }
}

/// The rows of `foreign_key_check(entry)`.
fn check_table<P: Platform, A: Allocator + Clone>(
    view: &View<'_, P, A>,
    schema: &crate::schema::Schema<A>,
    entry: &SchemaEntry<A>,
    env: Env<'_, A>,
    rows: &mut Rows<A>,
) -> Result<()> {
    let alloc = env.alloc;
    let keys = declared_by(entry, alloc)?;
    if keys.is_empty() {
        return Ok(());
    }
    let table = TableInfo::load(schema, &entry.name, alloc.clone())?;
    let mut parents = Vec::try_with_capacity_in(keys.len(), alloc.clone())?;
    for key in keys.iter() {
        let parent = match schema.table(&key.parent) {
            Some(p) => {
                let parent = TableInfo::load(schema, &p.name, alloc.clone())?;
                refuse_keyed_parent(&parent)?;
                let located = locate(key, &parent, alloc)?;
                Some((parent, located))
            }
            None => None,
        };
        parents.try_push(parent)?;
    }
    let mut cursor = view.table_cursor(table.side, table.root);
    let mut more = cursor.first()?;
    while more {
        let rowid = cursor.rowid()?;
        let payload = cursor.payload()?;
        let record = crate::record::RecordRef::parse(&payload, Some(table.root))?;
        let mut ctx = env.context().with_table(&table, None);
        ctx.on_row(rowid, record);
        let value = |i: usize| {
            ctx.column_at(ColumnPos::Column(i))
                .unwrap_or(ValueRef::Null)
        };
        for (key, parent) in keys.iter().zip(parents.iter()) {
            for &c in key.from.iter() {
                // A column that cannot be read fails here, not as NULL.
                ctx.column_at(ColumnPos::Column(c))?;
            }
            if key.from.iter().any(|&c| value(c).is_null()) {
                continue;
            }
            let missing = match parent {
                Some((parent, located)) => {
                    find_parent(view, parent, located, &value, alloc)?.is_none()
                }
                None => true,
            };
            if missing {
                let mut row = Vec::try_with_capacity_in(4, alloc.clone())?;
                row.try_push(Value::try_text(entry.name.as_bytes(), alloc.clone())?)?;
                row.try_push(Value::Integer(rowid.get()))?;
                row.try_push(Value::try_text(key.parent.as_bytes(), alloc.clone())?)?;
                row.try_push(Value::Integer(i64::try_from(key.id).unwrap_or(i64::MAX)))?;
                rows.try_push(row)?;
            }
        }
        drop(ctx);
        drop(payload);
        more = cursor.next()?;
    }
    Ok(())
}
