//! `CREATE TRIGGER [IF NOT EXISTS] name [BEFORE|AFTER|INSTEAD OF] event
//! ON table ... BEGIN ... END` and `DROP TRIGGER [IF EXISTS] name`, with
//! SQLite's checks and words.
//!
//! The text stored is SQLite's: `CREATE TRIGGER ` then the statement as
//! written from the trigger's (unqualified) name to `END`, so that the
//! schema rows of both engines read the same.
//!
//! A `TEMP` trigger, or one on a temporary table, is stored in the
//! `temp` schema (its table either side's, as its name resolves), as
//! SQLite stores it.
//!
//! Refused: a trigger named like a table, index or view (SQLite keeps
//! triggers' names apart; this engine's schema looks objects up by name
//! alone).

use boundlite_platform::Platform;

use crate::alloc::{Allocator, String};
use crate::schema::{EntryKind, RESERVED_PREFIX, SCHEMA_TABLE_NAMES};
use crate::sql::{CreateTrigger, DropStmt, Stmt, TriggerTiming};
use crate::table::{Side, Writer};
use crate::{Error, Named, Result};

use crate::exec::select::name_of;
use crate::exec::views::name_text;

/// Runs `create`, whose text is `sql`; `parameters` says whether its
/// text holds any (SQLite refuses them in a trigger).
pub(crate) fn create<P: Platform, A: Allocator + Clone>(
    w: &mut Writer<'_, '_, P, A>,
    create: &CreateTrigger<'_, A>,
    sql: &str,
    parameters: bool,
) -> Result<()> {
    let temp = w.side() == Side::Temp;
    body_allowed(create, parameters)?;
    // A temporary trigger may name its table in either schema; a main
    // one only in its own.
    for (schema, temp_allowed) in [(create.name.schema, true), (create.table.schema, temp)] {
        let Some(schema) = schema else { continue };
        let known = schema.eq_ignore_ascii_case("main")
            || (temp_allowed && temp && schema.eq_ignore_ascii_case("temp"));
        if !known {
            return Err(Named::UnknownDatabase.error(name_text(&schema)));
        }
    }
    let alloc = w.allocator().clone();
    let name = name_of(&create.name.name, alloc.clone())?;
    let table = name_of(&create.table.name, alloc)?;
    let system = SCHEMA_TABLE_NAMES
        .iter()
        .any(|s| s.eq_ignore_ascii_case(&table));
    let schema = w.schema()?;
    let main = match temp {
        true => Some(w.view().schema()?),
        false => None,
    };
    let in_schema = |s: &crate::schema::Schema<A>| {
        s.entries()
            .iter()
            .find(|e| {
                matches!(e.kind, EntryKind::Table | EntryKind::View)
                    && e.name.eq_ignore_ascii_case(&table)
            })
            .map(|e| e.kind)
    };
    // A temporary trigger's table is the `temp` schema's, else the main
    // schema's, as an unqualified name resolves.
    let table_schema = create.table.schema;
    let in_temp = temp && table_schema.is_none_or(|s| s.eq_ignore_ascii_case("temp"));
    let in_main = table_schema.is_none_or(|s| s.eq_ignore_ascii_case("main"));
    let target = match (temp, &main) {
        (true, Some(main)) => in_temp
            .then(|| in_schema(&schema))
            .flatten()
            .or_else(|| in_main.then(|| in_schema(main)).flatten()),
        _ => in_schema(&schema),
    };
    let (kind, table_name) = match target {
        Some(found) => (found, table.as_str()),
        None if system => (EntryKind::Table, table.as_str()),
        // SQLite names the schema it looked in, but for a temporary
        // trigger's unqualified table, looked for in both.
        None if temp && table_schema.is_none() => return Err(Named::NoSuchTable.error(&table)),
        None => return Err(Named::NoSuchTableMain.error(&table)),
    };
    if reserved(&name) {
        return Err(Named::Reserved.error(&name));
    }
    for entry in schema.entries() {
        if !entry.name.eq_ignore_ascii_case(&name) {
            continue;
        }
        if entry.kind != EntryKind::Trigger {
            return Err(Error::Sql(
                "a trigger named like a table, index or view is not supported",
            ));
        }
        return match create.if_not_exists {
            true => Ok(()),
            false => Err(Named::TriggerExists.error(&name)),
        };
    }
    if reserved(table_name) {
        return Err(Error::Sql("cannot create trigger on system table"));
    }
    match (kind, create.timing) {
        (EntryKind::View, Some(TriggerTiming::After)) => {
            return Err(Named::TriggerOnView.error2("AFTER", &table));
        }
        (EntryKind::View, None | Some(TriggerTiming::Before)) => {
            return Err(Named::TriggerOnView.error2("BEFORE", &table));
        }
        (EntryKind::Table, Some(TriggerTiming::InsteadOf)) => {
            return Err(Named::InsteadOfOnTable.error(&table));
        }
        _ => {}
    }
    let stored = stored_text(create, sql, w.allocator().clone())?;
    // SQLite's `tbl_name` holds the table as the trigger wrote it.
    let table_name = String::try_from_str_in(&table, w.allocator().clone())?;
    core::mem::drop(schema);
    core::mem::drop(main);
    w.create_trigger(&name, &table_name, &stored)
}

/// The text SQLite stores for `create`, written `sql`: `CREATE TRIGGER `
/// and the text from the trigger's name on.
fn stored_text<A: Allocator + Clone>(
    create: &CreateTrigger<'_, A>,
    sql: &str,
    alloc: A,
) -> Result<String<A>> {
    // The name borrows the text: where it starts is where it lies in it.
    let start = (create.name.name.raw().as_ptr() as usize).checked_sub(sql.as_ptr() as usize);
    let rest = start
        .and_then(|s| sql.get(s..))
        .ok_or(Error::Misuse("a trigger's name outside its text"))?;
    let mut text = String::new_in(alloc);
    text.try_push_str("CREATE TRIGGER ")?;
    text.try_push_str(rest)?;
    Ok(text)
}

/// Whether `name` starts `sqlite_`, in any case.
fn reserved(name: &str) -> bool {
    name.get(..RESERVED_PREFIX.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(RESERVED_PREFIX))
}

/// Refuses what SQLite refuses in a trigger's statements when it parses
/// them: parameters, `RETURNING`, a qualified table name to change, and
/// `INDEXED BY` on `UPDATE` or `DELETE`.
fn body_allowed<A: Allocator>(create: &CreateTrigger<'_, A>, parameters: bool) -> Result<()> {
    if parameters {
        return Err(Error::Sql("trigger cannot use variables"));
    }
    const QUALIFIED: &str = "qualified table names are not allowed on INSERT, UPDATE, and DELETE statements within triggers";
    const INDEXED: &str =
        "the INDEXED BY clause is not allowed on UPDATE or DELETE statements within triggers";
    const RETURNING: &str = "cannot use RETURNING in a trigger";
    for stmt in create.body.iter() {
        let (table, indexed, returning) = match stmt {
            Stmt::Insert(i) => (&i.table, false, !i.returning.is_empty()),
            Stmt::Update(u) => (&u.table, u.indexed.is_some(), !u.returning.is_empty()),
            Stmt::Delete(d) => (&d.table, d.indexed.is_some(), !d.returning.is_empty()),
            _ => continue,
        };
        if table.schema.is_some() {
            return Err(Error::Sql(QUALIFIED));
        }
        if indexed {
            return Err(Error::Sql(INDEXED));
        }
        if returning {
            return Err(Error::Sql(RETURNING));
        }
    }
    Ok(())
}

/// Runs `drop` of a trigger.
pub(crate) fn drop_trigger<P: Platform, A: Allocator + Clone>(
    w: &mut Writer<'_, '_, P, A>,
    drop: &DropStmt<'_>,
) -> Result<()> {
    let name = name_of(&drop.name.name, w.allocator().clone())?;
    let own = match w.side() {
        Side::Main => "main",
        Side::Temp => "temp",
    };
    let here = drop.name.schema.is_none_or(|s| s.eq_ignore_ascii_case(own));
    let found = here
        && w.schema()?
            .entries()
            .iter()
            .any(|e| e.kind == EntryKind::Trigger && e.name.eq_ignore_ascii_case(&name));
    match (found, drop.if_exists, drop.name.schema) {
        (true, _, _) => w.drop_trigger(&name),
        (false, true, _) => Ok(()),
        (false, false, Some(schema)) => {
            Err(Named::NoSuchTriggerIn.error2(name_text(&schema), &name))
        }
        (false, false, None) => Err(Named::NoSuchTrigger.error(&name)),
    }
}
