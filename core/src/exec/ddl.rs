//! `CREATE TABLE [IF NOT EXISTS]` (`... AS SELECT` in `create_as`),
//! `CREATE [UNIQUE] INDEX [IF NOT EXISTS]`, `DROP TABLE|INDEX [IF
//! EXISTS]`.
//!
//! A name starting `sqlite_` is refused for a table or index, as
//! SQLite keeps those for its own objects; so are the parts of a table
//! this engine would store and not honour (see [`refused_clauses`]), and
//! a collation it does not know, as SQLite refuses one.
//!
//! Invariant: a name is checked against the schema before the storage
//! engine is asked to create or drop anything, because the engine treats
//! any failure as fatal to the transaction, and "already exists" must
//! not roll back an explicit transaction.

use boundlite_platform::Platform;

use crate::alloc::Allocator;
use crate::schema::RESERVED_PREFIX;
use crate::schema::TableColumns;
use crate::sql::{
    ColumnConstraintKind, Conflict, CreateIndex, CreateTable, DropStmt, ObjectKind, TableBody,
    TableConstraintKind,
};
use crate::{Error, Result};

use super::Env;
use super::checks;
use super::create_as;
use super::select::name_of;
use crate::table::{Writer, check_defaults};

/// Runs `create`, whose text is `sql`.
pub(crate) fn create_table<P: Platform, A: Allocator + Clone>(
    w: &mut Writer<'_, '_, P, A>,
    create: &CreateTable<'_, A>,
    sql: &str,
    env: Env<'_, A>,
) -> Result<()> {
    if create.temp {
        return Err(Error::Sql("temporary tables are not supported"));
    }
    let name = name_of(&create.name.name, w.allocator().clone())?;
    reserved(&name)?;
    if let TableBody::AsSelect(select) = &create.body {
        if w.schema()?.find(&name).is_some() {
            return if create.if_not_exists {
                Ok(())
            } else {
                Err(Error::Sql("table already exists"))
            };
        }
        return create_as::run(w, &name, &create.name.name, select, env);
    }
    refused_clauses(create)?;
    let columns = TableColumns::from_create(create, w.allocator().clone())?;
    if columns.columns.iter().any(|c| c.collation.is_none()) {
        return Err(Error::Sql("no such collation sequence"));
    }
    checks::validate(create, &columns)?;
    if let TableBody::Columns { columns: defs, .. } = &create.body {
        check_defaults(defs, w.allocator().clone())?;
    }
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

/// Refuses the clauses of `create` this engine would store and not
/// honour: `STRICT` (its column types are not enforced here) and an `ON
/// CONFLICT` other than `ABORT` on a constraint (conflicts are resolved
/// by the statement's `OR` clause alone here).
pub(crate) fn refused_clauses<A: Allocator>(create: &CreateTable<'_, A>) -> Result<()> {
    let TableBody::Columns {
        columns,
        constraints,
        strict,
        ..
    } = &create.body
    else {
        return Ok(());
    };
    if *strict {
        return Err(Error::Sql("STRICT tables are not supported"));
    }
    let resolved = |conflict: &Option<Conflict>| conflict.is_some_and(|c| c != Conflict::Abort);
    let on_column = columns.iter().flat_map(|c| c.constraints.iter()).any(|c| {
        matches!(
            &c.kind,
            ColumnConstraintKind::PrimaryKey { conflict, .. }
                | ColumnConstraintKind::NotNull { conflict }
                | ColumnConstraintKind::Unique { conflict }
                if resolved(conflict)
        )
    });
    let on_table = constraints.iter().any(|c| {
        matches!(
            &c.kind,
            TableConstraintKind::PrimaryKey { conflict, .. }
                | TableConstraintKind::Unique { conflict, .. }
                if resolved(conflict)
        )
    });
    match on_column || on_table {
        true => Err(Error::Sql(
            "ON CONFLICT clauses on constraints are not supported",
        )),
        false => Ok(()),
    }
}

/// Refuses `name` for a table or index to be made when SQLite keeps it
/// for its own objects (any name starting `sqlite_`, in any case).
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
