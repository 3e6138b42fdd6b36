//! Which schema a changing statement changes: `main`, the database file,
//! or `temp`, the connection's temporary database (see `database::temp`).
//! The connection runs the statement with that side's writer.
//!
//! Names resolve as SQLite resolves them: `main.` and `temp.` name their
//! schema, any other qualifier is an unknown database (none is attached
//! here), and an unqualified name finds the `temp` schema's object first,
//! then the main schema's. `CREATE TEMP` makes its object in `temp`.
//!
//! Invariant: every statement changes one side. Triggers of the main
//! schema fire only on its tables; a trigger of the `temp` schema (on a
//! table of either side) whose statement changes a table of the other
//! side than the statement that fired it fails with the writer's refusal;
//! the `temp` schema has no foreign keys (refused on it).

use boundlite_platform::Platform;

use crate::alloc::Allocator;
use crate::sql::{
    CreateIndex, CreateTable, CreateTrigger, DropStmt, Ident, ObjectKind, QualifiedName,
};
use crate::table::{Side, View};
use crate::{Error, Named, Result};

use super::select::{name_of, side_of};

/// The side `qualifier` names; `None` for no qualifier.
fn named(qualifier: Option<Ident<'_>>) -> Result<Option<Side>> {
    match qualifier {
        None => Ok(None),
        Some(s) if s.eq_ignore_ascii_case("main") => Ok(Some(Side::Main)),
        Some(s) if s.eq_ignore_ascii_case("temp") => Ok(Some(Side::Temp)),
        Some(s) => {
            let name = crate::ConstraintName::format(format_args!("{}", s.chars()));
            Err(Error::Named(Named::UnknownDatabase, name))
        }
    }
}

/// The side `CREATE TABLE` makes its table in.
pub(crate) fn of_create_table<A: Allocator>(create: &CreateTable<'_, A>) -> Result<Side> {
    match (create.temp, named(create.name.schema)?) {
        (true, Some(Side::Main)) => Err(Error::Sql("temporary table name must be unqualified")),
        (true, _) | (false, Some(Side::Temp)) => Ok(Side::Temp),
        (false, _) => Ok(Side::Main),
    }
}

/// The side `CREATE TRIGGER` makes its trigger in: `temp` for `TEMP`, a
/// `temp.` name or a temporary table, else the main schema.
pub(crate) fn of_create_trigger<P: Platform, A: Allocator + Clone>(
    view: &View<'_, P, A>,
    create: &CreateTrigger<'_, A>,
) -> Result<Side> {
    match (create.temp, named(create.name.schema)?) {
        (true, Some(_)) => Err(Error::Sql("temporary trigger may not have qualified name")),
        (true, None) | (false, Some(Side::Temp)) => Ok(Side::Temp),
        (false, Some(Side::Main)) => Ok(Side::Main),
        (false, None) => side_of(view, &create.table),
    }
}

/// The side `CREATE INDEX` makes its index in: the one its name is
/// qualified with, else its table's.
pub(crate) fn of_create_index<P: Platform, A: Allocator + Clone>(
    view: &View<'_, P, A>,
    create: &CreateIndex<'_, A>,
) -> Result<Side> {
    match named(create.name.schema)? {
        Some(side) => Ok(side),
        None => side_of(view, &QualifiedName::bare(create.table)),
    }
}

/// The side the object `DROP` names is in: the qualifier's, else `temp`
/// when it has an object of that name; `None` when there is nothing to
/// drop (`IF EXISTS` in a database that is not attached). A trigger
/// qualified by another name than `temp` is looked for in the main
/// schema, which reports it missing in SQLite's words.
pub(crate) fn of_drop<P: Platform, A: Allocator + Clone>(
    view: &View<'_, P, A>,
    drop: &DropStmt<'_>,
) -> Result<Option<Side>> {
    if drop.kind == ObjectKind::Trigger {
        let temp = match drop.name.schema {
            Some(s) => s.eq_ignore_ascii_case("temp"),
            None => match view.temp_schema()? {
                Some(schema) => {
                    let name = name_of(&drop.name.name, view.allocator().clone())?;
                    schema
                        .find(&name)
                        .is_some_and(|e| e.kind == crate::schema::EntryKind::Trigger)
                }
                None => false,
            },
        };
        return Ok(Some(if temp { Side::Temp } else { Side::Main }));
    }
    match named(drop.name.schema) {
        Ok(Some(side)) => return Ok(Some(side)),
        Ok(None) => {}
        Err(_) if drop.if_exists => return Ok(None),
        Err(e) => {
            let missing = match drop.kind {
                ObjectKind::Index => Named::NoSuchIndex,
                ObjectKind::View => Named::NoSuchView,
                ObjectKind::Table | ObjectKind::Trigger => Named::NoSuchTable,
            };
            let Some(schema) = drop.name.schema else {
                return Err(e);
            };
            let name = crate::ConstraintName::format(format_args!(
                "{}.{}",
                schema.chars(),
                drop.name.name.chars()
            ));
            return Err(Error::Named(missing, name));
        }
    }
    let Some(schema) = view.temp_schema()? else {
        return Ok(Some(Side::Main));
    };
    let name = name_of(&drop.name.name, view.allocator().clone())?;
    match schema.find(&name).is_some() {
        true => Ok(Some(Side::Temp)),
        false => Ok(Some(Side::Main)),
    }
}

/// Refuses `DROP TABLE` or `DROP VIEW` of a main table or view that a
/// trigger of the `temp` schema is on: SQLite drops that trigger too,
/// which a statement writing the main schema does not reach here.
pub(crate) fn refuse_temp_triggers_on<P: Platform, A: Allocator + Clone>(
    view: &View<'_, P, A>,
    drop: &DropStmt<'_>,
) -> Result<()> {
    if !matches!(drop.kind, ObjectKind::Table | ObjectKind::View) {
        return Ok(());
    }
    let Some(temp) = view.temp_schema()? else {
        return Ok(());
    };
    let on = temp.entries().iter().any(|e| {
        e.kind == crate::schema::EntryKind::Trigger && drop.name.name.eq_ignore_ascii_case(&e.table)
    });
    match on {
        true => Err(Error::Sql(
            "DROP of a table or view a temporary trigger is on is not supported",
        )),
        false => Ok(()),
    }
}

/// Refuses a statement that would change the definition of the table
/// `name` when it is a temporary table: `what` is what it does
/// (`ALTER TABLE`, `CREATE TRIGGER`), which the `temp` schema does not
/// support here.
pub(crate) fn refuse_on_temp<P: Platform, A: Allocator + Clone>(
    view: &View<'_, P, A>,
    name: &QualifiedName<'_>,
    refusal: &'static str,
) -> Result<()> {
    let temp = match named(name.schema) {
        Ok(Some(Side::Temp)) => {
            let table = name_of(&name.name, view.allocator().clone())?;
            view.temp_schema()?
                .is_some_and(|schema| schema.table(&table).is_some())
        }
        Ok(None) => side_of(view, name)? == Side::Temp,
        // The statement reports a missing table or an unknown schema its
        // own way.
        Ok(Some(Side::Main)) | Err(_) => false,
    };
    match temp {
        true => Err(Error::Sql(refusal)),
        false => Ok(()),
    }
}
