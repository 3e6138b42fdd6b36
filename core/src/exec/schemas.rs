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
//! schema fire only on its tables, the `temp` schema has no triggers and
//! no foreign keys (both are refused on it), so nothing a statement on
//! one side runs can change the other.

use boundlite_platform::Platform;

use crate::alloc::Allocator;
use crate::sql::{CreateIndex, CreateTable, DropStmt, Ident, ObjectKind, QualifiedName};
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
/// drop (`IF EXISTS` in a database that is not attached). A trigger is
/// always the main schema's (there are no temporary ones).
pub(crate) fn of_drop<P: Platform, A: Allocator + Clone>(
    view: &View<'_, P, A>,
    drop: &DropStmt<'_>,
) -> Result<Option<Side>> {
    if drop.kind == ObjectKind::Trigger {
        return Ok(Some(Side::Main));
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
