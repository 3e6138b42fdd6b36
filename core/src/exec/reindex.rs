//! `REINDEX`: indexes built again from their tables' rows, chosen as
//! SQLite's `sqlite3Reindex` chooses them: every index; or, for a name,
//! the indexes with a key column of the collation of that name, else
//! those of the table (or view: none) of that name, else the index of
//! that name; else "unable to identify the object to be reindexed".
//!
//! Every index this engine writes is kept in step with its table, so a
//! rebuild gives the same entries; it mends an index a damaged file
//! holds, as SQLite's does.

use boundlite_platform::Platform;

use crate::alloc::{Allocator, String, Vec};
use crate::schema::{EntryKind, collation_named, index_columns_of, table_columns};
use crate::sql::QualifiedName;
use crate::table::Writer;
use crate::{Error, Result};

use super::select::name_of;

/// Runs `REINDEX` of `target` (every index when `None`).
pub(crate) fn run<P: Platform, A: Allocator + Clone>(
    w: &mut Writer<'_, '_, P, A>,
    target: Option<&QualifiedName<'_>>,
) -> Result<()> {
    const UNKNOWN: Error = Error::Sql("unable to identify the object to be reindexed");
    let alloc = w.allocator().clone();
    let schema = w.schema()?;
    let mut chosen: Vec<String<A>, A> = Vec::new_in(alloc.clone());
    let indexes = || {
        schema
            .entries()
            .iter()
            .filter(|e| e.kind == EntryKind::Index)
    };
    match target {
        None => {
            for index in indexes() {
                chosen.try_push(String::try_from_str_in(&index.name, alloc.clone())?)?;
            }
        }
        Some(name) => {
            if name.schema.is_some_and(|s| !s.eq_ignore_ascii_case("main")) {
                return Err(UNKNOWN);
            }
            let named = name_of(&name.name, alloc.clone())?;
            let collation = match name.schema {
                None => collation_named(&name.name),
                Some(_) => None,
            };
            if let Some(collation) = collation {
                for index in indexes() {
                    let Some(table) = schema.table(&index.table) else {
                        continue;
                    };
                    let columns = table_columns(table.table_sql()?, alloc.clone())?;
                    let key = index_columns_of(index, &columns, alloc.clone())?;
                    if key.columns.iter().any(|c| c.collation == Some(collation)) {
                        chosen.try_push(String::try_from_str_in(&index.name, alloc.clone())?)?;
                    }
                }
            } else if schema
                .find(&named)
                .is_some_and(|e| matches!(e.kind, EntryKind::Table | EntryKind::View))
            {
                for index in schema.indexes_of(&named) {
                    chosen.try_push(String::try_from_str_in(&index.name, alloc.clone())?)?;
                }
            } else if schema
                .find(&named)
                .is_some_and(|e| e.kind == EntryKind::Index)
            {
                chosen.try_push(named)?;
            } else {
                return Err(UNKNOWN);
            }
        }
    }
    drop(schema);
    for name in chosen.iter() {
        w.rebuild_index(name)?;
    }
    Ok(())
}
