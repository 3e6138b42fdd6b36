//! `CREATE TABLE [IF NOT EXISTS]` (`... AS SELECT` in `create_as`),
//! `CREATE [UNIQUE] INDEX [IF NOT EXISTS]`, `CREATE VIEW [IF NOT
//! EXISTS]`, `DROP TABLE|INDEX|VIEW [IF EXISTS]`.
//!
//! A view is stored as SQLite stores one: a schema row with its `CREATE
//! VIEW` text and no B-tree. As in SQLite, its query is not checked
//! until a statement reads it (`exec::views`).
//!
//! A name starting `sqlite_` is refused for a table or index, as
//! SQLite keeps those for its own objects; so are the parts of a table
//! this engine would store and not honour (see [`refused_clauses`]), and
//! a collation it does not know, as SQLite refuses one.
//!
//! A table's or index's text is stored as SQLite stores it: `CREATE
//! TABLE ` or `CREATE [UNIQUE] INDEX ` and the statement from the bare
//! name on (no `TEMP`, `IF NOT EXISTS` or schema qualifier). `TEMP`
//! tables and indexes are made and dropped the same way through the
//! writer of the connection's temporary database (see `exec::schemas`);
//! foreign keys on them are refused.
//!
//! Invariant: a name is checked against the schema before the storage
//! engine is asked to create or drop anything, because the engine treats
//! any failure as fatal to the transaction, and "already exists" must
//! not roll back an explicit transaction.

use boundlite_platform::Platform;

use crate::alloc::Allocator;
use crate::schema::EntryKind;
use crate::schema::RESERVED_PREFIX;
use crate::schema::generated::check_virtual_loops;
use crate::schema::strict::{Checked, check_declared};
use crate::schema::{ColumnSource, IndexColumns, StoredBy, TableColumns, stored_columns};
use crate::sql::{
    ColumnConstraintKind, Conflict, CreateIndex, CreateTable, CreateView, DropStmt, ObjectKind,
    QualifiedName, TableBody, TableConstraintKind,
};
use crate::{Error, Named, Result};

use super::Env;
use super::checks;
use super::create_as;
use super::index_where::{self, Part};
use super::select::name_of;
use super::views::{ViewCatalog, name_text};
use crate::table::{KEYED_CONFLICTS, Side, Writer, check_defaults};

/// Runs `create`, whose text is `sql`.
pub(crate) fn create_table<P: Platform, A: Allocator + Clone>(
    w: &mut Writer<'_, '_, P, A>,
    create: &CreateTable<'_, A>,
    sql: &str,
    env: Env<'_, A>,
) -> Result<()> {
    let name = name_of(&create.name.name, w.allocator().clone())?;
    reserved(&name)?;
    if let TableBody::AsSelect(select) = &create.body {
        if let Some(taken) = taken(w, &name)? {
            return if create.if_not_exists {
                Ok(())
            } else {
                Err(taken)
            };
        }
        return create_as::run(w, &name, &create.name.name, select, env);
    }
    refused_clauses(create, Checked::Create)?;
    if w.side() == Side::Temp && has_foreign_keys(create) {
        return Err(Error::Sql(
            "foreign keys on temporary tables are not supported",
        ));
    }
    let columns = TableColumns::stored_as(create, w.allocator().clone())?;
    if columns.columns.iter().any(|c| c.collation.is_none()) {
        return Err(Error::Sql("no such collation sequence"));
    }
    checks::validate(create, &columns)?;
    if let TableBody::Columns { columns: defs, .. } = &create.body {
        check_defaults(defs, w.allocator().clone())?;
    }
    check_generated(create, &name, &columns)?;
    if let Some(taken) = taken(w, &name)? {
        return if create.if_not_exists {
            Ok(())
        } else {
            Err(taken)
        };
    }
    let text = stored_text(sql, "CREATE TABLE ", &create.name.name, w.allocator())?;
    w.create_table(&name, &text)
}

/// Checks the generated columns `create` declares (of the table
/// `table`, described by `columns`) as SQLite does when it creates the
/// table: one `AS` and no `DEFAULT` each, an expression that reads only
/// the table's columns, by their names alone, and has one value per row,
/// and no loop among the virtual ones (see `schema::generated`).
pub(crate) fn check_generated<A: Allocator + Clone>(
    create: &CreateTable<'_, A>,
    table: &str,
    columns: &TableColumns<A>,
) -> Result<()> {
    let TableBody::Columns { columns: defs, .. } = &create.body else {
        return Ok(());
    };
    for def in defs.iter() {
        let mut generated = false;
        let mut default = false;
        for constraint in def.constraints.iter() {
            match &constraint.kind {
                ColumnConstraintKind::Default(_) if generated => {
                    return Err(Error::Sql("cannot use DEFAULT on a generated column"));
                }
                ColumnConstraintKind::Default(_) => default = true,
                ColumnConstraintKind::Generated { .. } if generated || default => {
                    let name = crate::ConstraintName::format(format_args!("{}", def.name.chars()));
                    return Err(Error::Named(Named::GeneratedError, name));
                }
                ColumnConstraintKind::Generated { expr, .. } => {
                    generated = true;
                    index_where::validate(expr, Part::Generated, table, columns)?;
                }
                _ => {}
            }
        }
    }
    check_virtual_loops(create, columns, columns.columns.allocator().clone())
}

/// Whether `create` declares a foreign key.
fn has_foreign_keys<A: Allocator>(create: &CreateTable<'_, A>) -> bool {
    let TableBody::Columns {
        columns,
        constraints,
        ..
    } = &create.body
    else {
        return false;
    };
    let on_column = columns
        .iter()
        .flat_map(|c| c.constraints.iter())
        .any(|c| matches!(c.kind, ColumnConstraintKind::References(_)));
    on_column
        || constraints
            .iter()
            .any(|c| matches!(c.kind, TableConstraintKind::ForeignKey { .. }))
}

/// The text a table or index is stored with, as SQLite stores it: `head`
/// (`CREATE TABLE `, `CREATE INDEX `...) and the statement `sql` from the
/// object's bare `name` on, so that neither `TEMP`, `IF NOT EXISTS` nor a
/// `main.` or `temp.` qualifier is kept.
fn stored_text<A: Allocator + Clone>(
    sql: &str,
    head: &str,
    name: &crate::sql::Ident<'_>,
    alloc: &A,
) -> Result<crate::alloc::String<A>> {
    let start = (name.raw().as_ptr() as usize).wrapping_sub(sql.as_ptr() as usize);
    let rest = sql
        .get(start..)
        .ok_or(Error::Misuse("a name outside its statement's text"))?;
    let mut text =
        crate::alloc::String::try_with_capacity_in(head.len() + rest.len(), alloc.clone())?;
    text.try_push_str(head)?;
    text.try_push_str(rest)?;
    Ok(text)
}

/// The error for making a table or view called `name` when the schema
/// has an object of that name, as SQLite words it; `None` when the name
/// is free.
fn taken<P: Platform, A: Allocator + Clone>(
    w: &Writer<'_, '_, P, A>,
    name: &str,
) -> Result<Option<Error>> {
    Ok(w.schema()?.find(name).map(|entry| match entry.kind {
        EntryKind::View => Named::ViewExists.error(name),
        EntryKind::Index => Named::AlreadyExists.error(name),
        EntryKind::Table | EntryKind::Trigger => Named::TableExists.error(name),
    }))
}

/// Runs `create`, whose text is `sql`; `parameters` says whether its
/// query holds any (SQLite refuses them in a view).
pub(crate) fn create_view<P: Platform, A: Allocator + Clone>(
    w: &mut Writer<'_, '_, P, A>,
    create: &CreateView<'_, A>,
    sql: &str,
    parameters: bool,
) -> Result<()> {
    if create
        .name
        .schema
        .is_some_and(|s| !s.eq_ignore_ascii_case("main"))
    {
        return Err(Error::Sql("unknown database"));
    }
    let name = name_of(&create.name.name, w.allocator().clone())?;
    reserved(&name)?;
    if parameters {
        return Err(Error::Sql("parameters are not allowed in views"));
    }
    if let Some(taken) = taken(w, &name)? {
        return if create.if_not_exists {
            Ok(())
        } else {
            Err(taken)
        };
    }
    w.create_view(&name, sql)
}

/// Runs `create`, whose text is `sql`.
pub(crate) fn create_index<P: Platform, A: Allocator + Clone>(
    w: &mut Writer<'_, '_, P, A>,
    create: &CreateIndex<'_, A>,
    sql: &str,
) -> Result<()> {
    let alloc = w.allocator().clone();
    let name = name_of(&create.name.name, alloc.clone())?;
    reserved(&name)?;
    let table = name_of(&create.table, alloc.clone())?;
    let schema = w.schema()?;
    match schema.find(&name).map(|e| e.kind) {
        None => {}
        Some(EntryKind::Table | EntryKind::View) => return Err(Named::TableNamed.error(&name)),
        Some(_) if create.if_not_exists => return Ok(()),
        Some(_) => return Err(Named::IndexExists.error(&name)),
    }
    if schema.table(&table).is_none() {
        return match schema.find(&table) {
            Some(e) if e.kind == EntryKind::View => Err(Error::Sql("views may not be indexed")),
            _ if w.side() == Side::Temp && w.view().schema()?.table(&table).is_some() => {
                Err(Named::TempIndexOnMain.error(&table))
            }
            // SQLite names the main schema's missing table with its
            // schema, and the `temp` schema's without.
            _ if w.side() == Side::Temp => Err(Named::NoSuchTable.error(&table)),
            _ => {
                let name = crate::ConstraintName::format(format_args!("main.{table}"));
                Err(Error::Named(Named::NoSuchTable, name))
            }
        };
    }
    // A missing column is the statement's error, not the storage
    // engine's, which would roll the transaction back.
    let info = crate::table::TableInfo::load(&schema, &table, alloc.clone())?;
    for column in create.columns.iter() {
        let Some(named) = column.column_name() else {
            continue;
        };
        let found = info
            .columns
            .columns
            .iter()
            .any(|c| named.eq_ignore_ascii_case(&c.name));
        if !found {
            return Err(Named::UnknownColumn.error(name_text(&named)));
        }
    }
    drop(info);
    let table_sql = schema
        .table(&table)
        .and_then(|t| t.sql.as_deref())
        .ok_or(Error::Sql("the table has no SQL"))?;
    let columns = stored_columns(table_sql, alloc.clone())?;
    let keyed = columns.stored_by == StoredBy::PrimaryKey;
    let key = IndexColumns::from_create(create, &columns, alloc.clone())?;
    let virtual_column = |c: &crate::schema::IndexColumn| match c.source {
        ColumnSource::Column(i) => columns
            .columns
            .get(i)
            .is_some_and(|c| c.generated && c.storage.is_none()),
        ColumnSource::Expression => false,
    };
    if keyed && key.columns.iter().any(virtual_column) {
        return Err(Error::Sql(
            "indexes on virtual generated columns of WITHOUT ROWID tables are not supported",
        ));
    }
    for (item, column) in create.columns.iter().zip(key.columns.iter()) {
        if column.source == ColumnSource::Expression {
            if keyed {
                return Err(Error::Sql(
                    "indexes on expressions of WITHOUT ROWID tables are not supported",
                ));
            }
            index_where::validate(&item.expr, Part::Key, &table, &columns)?;
        }
    }
    if let Some(clause) = &create.where_clause {
        if keyed {
            return Err(Error::Sql(
                "partial indexes on WITHOUT ROWID tables are not supported",
            ));
        }
        index_where::validate(clause, Part::Where, &table, &columns)?;
    }
    drop(schema);
    let head = match create.unique {
        true => "CREATE UNIQUE INDEX ",
        false => "CREATE INDEX ",
    };
    let text = stored_text(sql, head, &create.name.name, w.allocator())?;
    w.create_index(&name, &table, &text)
}

/// Refuses the clauses of `create` (made by the statement `checked`)
/// this engine would store and not honour, an `ON CONFLICT` other than
/// `ABORT` on a `WITHOUT ROWID` table's `PRIMARY KEY` or `UNIQUE` (see
/// `table::KEYED_CONFLICTS`), and a `STRICT` table's column without a
/// datatype, as SQLite refuses it.
pub(crate) fn refused_clauses<A: Allocator>(
    create: &CreateTable<'_, A>,
    checked: Checked,
) -> Result<()> {
    let TableBody::Columns {
        columns,
        constraints,
        strict,
        without_rowid,
    } = &create.body
    else {
        return Ok(());
    };
    if *strict {
        check_declared(name_text(&create.name.name), columns, checked)?;
    }
    let resolved = |conflict: &Option<Conflict>| conflict.is_some_and(|c| c != Conflict::Abort);
    let on_column = columns.iter().flat_map(|c| c.constraints.iter()).any(|c| {
        matches!(
            &c.kind,
            ColumnConstraintKind::PrimaryKey { conflict, .. }
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
    match *without_rowid && (on_column || on_table) {
        true => Err(Error::Sql(KEYED_CONFLICTS)),
        false => Ok(()),
    }
}

/// Refuses `name` for a table or index to be made when SQLite keeps it
/// for its own objects (any name starting `sqlite_`, in any case).
fn reserved(name: &str) -> Result<()> {
    let prefix = name.get(..RESERVED_PREFIX.len());
    match prefix.is_some_and(|p| p.eq_ignore_ascii_case(RESERVED_PREFIX)) {
        true => Err(Named::Reserved.error(name)),
        false => Ok(()),
    }
}

/// Whether `create` makes a temporary view (`TEMP`, or `temp.` before
/// its name).
pub(crate) fn is_temp_view<A: Allocator>(create: &CreateView<'_, A>) -> bool {
    create.temp
        || create
            .name
            .schema
            .is_some_and(|s| s.eq_ignore_ascii_case("temp"))
}

/// Runs `CREATE TEMP VIEW` (`create`, whose text is `sql`) into the
/// connection's `catalog`. Refused inside a transaction, where SQLite
/// would undo it with a `ROLLBACK` that the catalog does not see.
pub(crate) fn create_temp_view<A: Allocator + Clone>(
    catalog: &ViewCatalog<A>,
    create: &CreateView<'_, A>,
    sql: &str,
    parameters: bool,
    in_transaction: bool,
) -> Result<()> {
    if in_transaction {
        return Err(Error::Sql(
            "CREATE TEMP VIEW inside a transaction is not supported",
        ));
    }
    if create
        .name
        .schema
        .is_some_and(|s| !s.eq_ignore_ascii_case("temp"))
    {
        return Err(Error::Sql("temporary view name must be unqualified"));
    }
    reserved(name_text(&create.name.name))?;
    if parameters {
        return Err(Error::Sql("parameters are not allowed in views"));
    }
    catalog.create_temp(create, sql)
}

/// Runs `drop` when it drops a temporary view of `catalog` (or names
/// `temp.`); `None` when it is for the schema.
pub(crate) fn drop_temp<A: Allocator + Clone>(
    catalog: &ViewCatalog<A>,
    drop: &DropStmt<'_>,
    in_transaction: bool,
) -> Option<Result<()>> {
    let temp_schema = drop
        .name
        .schema
        .is_some_and(|s| s.eq_ignore_ascii_case("temp"));
    if (drop.name.schema.is_some() && !temp_schema) || drop.kind == ObjectKind::Trigger {
        return None;
    }
    let is_temp = catalog.is_temp(&drop.name.name);
    let result = match (drop.kind, is_temp) {
        (ObjectKind::View, true) if in_transaction => Err(Error::Sql(
            "DROP VIEW of a temporary view inside a transaction is not supported",
        )),
        (ObjectKind::View, true) => catalog.drop_temp(&drop.name.name).map(|_| ()),
        (ObjectKind::Table, true) => Err(Named::UseDropView.error(name_text(&drop.name.name))),
        (ObjectKind::View, false) if temp_schema && drop.if_exists => Ok(()),
        (ObjectKind::View, false) if temp_schema => {
            Err(Named::NoSuchView.error(name_text(&drop.name.name)))
        }
        _ => return None,
    };
    Some(result)
}

/// Refuses a change to `table` when a temporary view has its name, which
/// hides the schema's table of that name, as in SQLite.
pub(crate) fn not_temp_view<A: Allocator + Clone>(
    catalog: &ViewCatalog<A>,
    table: &QualifiedName<'_>,
) -> Result<()> {
    let unqualified = table.schema.is_none_or(|s| s.eq_ignore_ascii_case("temp"));
    match unqualified && catalog.is_temp(&table.name) {
        true => Err(Named::ModifyView.error(name_text(&table.name))),
        false => Ok(()),
    }
}

/// Refuses a temporary table called `name` when a temporary view has
/// that name, as SQLite does (both are in its `temp` schema).
pub(crate) fn not_temp_view_name<A: Allocator + Clone>(
    catalog: &ViewCatalog<A>,
    name: &crate::sql::Ident<'_>,
) -> Result<()> {
    match catalog.is_temp(name) {
        true => Err(Named::ViewExists.error(name_text(name))),
        false => Ok(()),
    }
}

/// Refuses a temporary view called `name` when the `temp` schema has a
/// table or index of that name, as SQLite words it.
pub(crate) fn not_temp_object<P: Platform, A: Allocator + Clone>(
    view: &crate::table::View<'_, P, A>,
    name: &crate::sql::Ident<'_>,
) -> Result<()> {
    let Some(schema) = view.temp_schema()? else {
        return Ok(());
    };
    let text = name_of(name, view.allocator().clone())?;
    match schema.find(&text).map(|e| e.kind) {
        Some(EntryKind::Index) => Err(Named::AlreadyExists.error(&text)),
        Some(_) => Err(Named::TableExists.error(&text)),
        None => Ok(()),
    }
}

/// Runs `drop`.
pub(crate) fn drop_object<P: Platform, A: Allocator + Clone>(
    w: &mut Writer<'_, '_, P, A>,
    drop: &DropStmt<'_>,
) -> Result<()> {
    let name = name_of(&drop.name.name, w.allocator().clone())?;
    let schema = w.schema()?;
    let found = schema.find(&name).map(|e| (e.kind, e.is_autoindex()));
    core::mem::drop(schema);
    let missing = match (drop.kind, found) {
        (ObjectKind::Trigger, _) => return super::triggers::create::drop_trigger(w, drop),
        (ObjectKind::Table, Some((EntryKind::Table, _))) => return w.drop_table(&name),
        (ObjectKind::Index, Some((EntryKind::Index, false))) => return w.drop_index(&name),
        (ObjectKind::View, Some((EntryKind::View, _))) => return w.drop_view(&name),
        (ObjectKind::Table, Some((EntryKind::View, _))) => {
            return Err(Named::UseDropView.error(&name));
        }
        (ObjectKind::View, Some((EntryKind::Table, _))) => {
            return Err(Named::UseDropTable.error(&name));
        }
        (ObjectKind::Table, _) => drop.name.as_written(Named::NoSuchTable.error(&name)),
        (ObjectKind::Index, _) => match drop.name.schema {
            Some(schema) => Error::Named(
                Named::NoSuchIndex,
                crate::ConstraintName::format(format_args!("{}.{name}", schema.chars())),
            ),
            None => Named::NoSuchIndex.error(&name),
        },
        (ObjectKind::View, _) => Named::NoSuchView.error(&name),
    };
    match drop.if_exists {
        true => Ok(()),
        false => Err(missing),
    }
}
