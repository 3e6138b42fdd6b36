//! `CREATE TABLE [IF NOT EXISTS]`, `CREATE [UNIQUE] INDEX [IF NOT
//! EXISTS]`, `DROP TABLE|INDEX [IF EXISTS]`.
//!
//! A name starting `sqlite_` is refused for a new table or index, as
//! SQLite keeps those for its own objects.
//!
//! Invariant: a name is checked against the schema before the storage
//! engine is asked to create or drop anything, because the engine treats
//! any failure as fatal to the transaction, and "already exists" must
//! not roll back an explicit transaction.

use boundlite_platform::Platform;

use crate::alloc::Allocator;
use crate::schema::RESERVED_PREFIX;
use crate::sql::{CreateIndex, CreateTable, DropStmt, ObjectKind, TableBody};
use crate::{Error, Result};

use super::select::name_of;
use crate::table::Writer;

/// Runs `create`, whose text is `sql`.
pub(crate) fn create_table<P: Platform, A: Allocator + Clone>(
    w: &mut Writer<'_, '_, P, A>,
    create: &CreateTable<'_, A>,
    sql: &str,
) -> Result<()> {
    if create.temp {
        return Err(Error::Sql("temporary tables are not supported"));
    }
    if matches!(create.body, TableBody::AsSelect(_)) {
        return Err(Error::Sql("CREATE TABLE ... AS SELECT is not supported"));
    }
    let name = name_of(&create.name.name, w.allocator().clone())?;
    reserved(&name)?;
    if w.schema()?.find(&name).is_some() {
        return if create.if_not_exists {
            Ok(())
        } else {
            Err(Error::Sql("table already exists"))
        };
    }
    w.create_table(&name, sql)
}

/// Runs `create`, whose text is `sql`.
pub(crate) fn create_index<P: Platform, A: Allocator + Clone>(
    w: &mut Writer<'_, '_, P, A>,
    create: &CreateIndex<'_, A>,
    sql: &str,
) -> Result<()> {
    if create.where_clause.is_some() {
        return Err(Error::Sql("partial indexes are not supported"));
    }
    let alloc = w.allocator().clone();
    let name = name_of(&create.name.name, alloc.clone())?;
    reserved(&name)?;
    let table = name_of(&create.table, alloc)?;
    let schema = w.schema()?;
    if schema.find(&name).is_some() {
        return if create.if_not_exists {
            Ok(())
        } else {
            Err(Error::Sql("index already exists"))
        };
    }
    if schema.table(&table).is_none() {
        return Err(Error::Sql("no such table"));
    }
    drop(schema);
    w.create_index(&name, &table, sql)
}

/// Refuses `name` for a new object when SQLite keeps it for its own
/// (any name starting `sqlite_`, in any case).
fn reserved(name: &str) -> Result<()> {
    let prefix = name.get(..RESERVED_PREFIX.len());
    match prefix.is_some_and(|p| p.eq_ignore_ascii_case(RESERVED_PREFIX)) {
        true => Err(Error::Sql("object name reserved for internal use")),
        false => Ok(()),
    }
}

/// Runs `drop`.
pub(crate) fn drop_object<P: Platform, A: Allocator + Clone>(
    w: &mut Writer<'_, '_, P, A>,
    drop: &DropStmt<'_>,
) -> Result<()> {
    let name = name_of(&drop.name.name, w.allocator().clone())?;
    let schema = w.schema()?;
    let exists = match drop.kind {
        ObjectKind::Table => schema.table(&name).is_some(),
        ObjectKind::Index => schema
            .find(&name)
            .is_some_and(|e| e.kind == crate::schema::EntryKind::Index && !e.is_autoindex()),
        ObjectKind::View | ObjectKind::Trigger => {
            return Err(Error::Sql("views and triggers are not supported"));
        }
    };
    if !exists {
        return if drop.if_exists {
            Ok(())
        } else if drop.kind == ObjectKind::Table {
            Err(Error::Sql("no such table"))
        } else {
            Err(Error::Sql("no such index"))
        };
    }
    match drop.kind {
        ObjectKind::Table => w.drop_table(&name),
        _ => w.drop_index(&name),
    }
}
