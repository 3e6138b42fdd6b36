//! When `INSERT INTO t SELECT * FROM s` copies `s`'s records as they are
//! stored (SQLite's transfer optimization, `xferOptimization` in its
//! `insert.c`), rather than reading each row's values and storing them
//! again; the copy itself is the table layer's (`table::transfer`).
//!
//! A copied record must read back in `t` as its values would have been
//! stored there, and SQLite's choice must be made the same way, because
//! it shows: a table without a rowid alias but with indexes keeps the
//! source's rowids when copied, and takes fresh ones when filled row by
//! row. So the rules are SQLite's:
//! - the statement names no columns and its query is `SELECT *` from
//!   one rowid table other than `t`, with no `WHERE`, `GROUP BY`, `HAVING`,
//!   `ORDER BY`, `LIMIT`, `DISTINCT`, compound or index hint;
//! - both tables have as many columns, the rowid alias at the same place
//!   (or none), and column by column the same affinity and collation,
//!   `NOT NULL` in `s` wherever it is in `t`, and past the first column
//!   the same `DEFAULT` as written (a record shorter than its table,
//!   from `ALTER TABLE ... ADD COLUMN`, reads its missing columns as the
//!   defaults); `t` is not `STRICT` unless `s` is, then each of its
//!   columns holds whatever the column of `s` holds, and its `CHECK`
//!   constraints are those of `s` (or it has none); no column is
//!   generated;
//! - every index of `t` has a twin in `s` (the same keys, see
//!   `table::same_keys`).
//!
//! Then, as SQLite does: a `t` with indexes, or a conflict other than
//! `ABORT` or `ROLLBACK`, is copied into only when empty (otherwise the
//! rows go the ordinary way); rows keep their rowids when `t` has a rowid
//! alias or indexes (a taken rowid is then a `UNIQUE` failure), and take
//! fresh ones otherwise. `AUTOINCREMENT` tables go the ordinary way, and
//! so does every row in MVCC mode, whose store holds records rather than
//! pages.

use core::fmt::Display;

use boundlite_platform::Platform;

use crate::alloc::{Allocator, String};
use crate::schema::strict::Datatype;
use crate::schema::{Schema, StoredBy, parse_stored};
use crate::sql::{
    ColumnConstraintKind, ColumnDef, Conflict, CreateTable, Insert, QualifiedName, ResultColumn,
    Select, Stmt, TableBody, TableConstraintKind, TableRef,
};
use crate::table::{OrClause, Rowids, TableInfo, Writer, same_keys};
use crate::{Error, Result};

use super::select::name_of;
use super::{Env, with};

/// Copies the rows of `query` into `to` as they are stored when the
/// statement `insert` allows it; `None` when its rows must go the
/// ordinary way. Returns the rows copied.
pub(crate) fn run<P: Platform, A: Allocator + Clone>(
    w: &mut Writer<'_, '_, P, A>,
    to: &TableInfo<A>,
    insert: &Insert<'_, A>,
    query: &Select<'_, A>,
    or: OrClause,
    env: Env<'_, A>,
) -> Result<Option<usize>> {
    // A constraint's own clause is resolved row by row.
    let declared = to.resolves_keys() || to.meta.iter().any(|m| m.null_conflict.is_some());
    if w.writes_versions()
        || !insert.columns.is_empty()
        || !in_main(&insert.table)
        || to.columns.autoincrement
        || declared
    {
        return Ok(None);
    }
    let conflict = or.on(None);
    let Some(source) = source_of(query).filter(|s| !with::names_query(s, env)) else {
        return Ok(None);
    };
    let alloc = env.alloc.clone();
    let schema = w.view().schema()?;
    let name = name_of(&source.name, alloc.clone())?;
    let from = match TableInfo::load(&schema, &name, alloc.clone()) {
        Ok(from) => from,
        // The ordinary way reports what is wrong with it, if anything.
        Err(Error::Sql(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    // A WITHOUT ROWID table's records are stored key first, in an index
    // B-tree: never copied as they are, from or to one.
    let keyed =
        from.columns.stored_by != StoredBy::Rowid || to.columns.stored_by != StoredBy::Rowid;
    if keyed || from.root == to.root || !stored_alike(&schema, &from, to, &alloc)? {
        return Ok(None);
    }
    let empty_only =
        !to.indexes.is_empty() || !matches!(conflict, Conflict::Abort | Conflict::Rollback);
    if empty_only && !w.is_empty(to)? {
        return Ok(None);
    }
    let rowids = if to.columns.rowid_alias.is_some() || !to.indexes.is_empty() {
        Rowids::Kept
    } else {
        Rowids::Fresh
    };
    let (copied, last) = w.transfer(&from, to, rowids, conflict)?;
    if let (Some(rowid), Some(counters)) = (last, env.counters) {
        counters.inserted(rowid);
    }
    Ok(Some(copied))
}

/// Whether `name` names a table of the main database.
fn in_main(name: &QualifiedName<'_>) -> bool {
    name.schema
        .as_ref()
        .is_none_or(|s| s.eq_ignore_ascii_case("main"))
}

/// The table `query` reads whole, when it is `SELECT * FROM` that table
/// and nothing more.
fn source_of<'q, 'a, A: Allocator>(query: &'q Select<'a, A>) -> Option<&'q QualifiedName<'a>> {
    if !query.with.is_empty()
        || !query.compound.is_empty()
        || !query.order_by.is_empty()
        || query.limit.is_some()
    {
        return None;
    }
    let body = &query.core;
    let plain = !body.distinct
        && body.where_clause.is_none()
        && body.group_by.is_empty()
        && body.having.is_none()
        && matches!(body.columns.as_slice(), [ResultColumn::Star]);
    let from = body.from.as_ref().filter(|f| plain && f.joins.is_empty())?;
    match &from.first {
        TableRef::Table {
            name,
            indexed: None,
            ..
        } if in_main(name) => Some(name),
        _ => None,
    }
}

/// Whether a record of `from` reads in `to` as it would have been stored
/// there, and every index of `to` has its twin in `from` (the rules of
/// the module's documentation).
fn stored_alike<A: Allocator + Clone>(
    schema: &Schema<A>,
    from: &TableInfo<A>,
    to: &TableInfo<A>,
    alloc: &A,
) -> Result<bool> {
    if from.column_count() != to.column_count()
        || from.columns.columns.len() != to.columns.columns.len()
        || from.columns.rowid_alias != to.columns.rowid_alias
    {
        return Ok(false);
    }
    let columns = from.columns.columns.iter().zip(to.columns.columns.iter());
    let metas = from.meta.iter().zip(to.meta.iter());
    for ((f, t), (fm, tm)) in columns.zip(metas) {
        if f.generated
            || t.generated
            || f.collation.is_none()
            || f.collation != t.collation
            || fm.affinity != tm.affinity
            || (tm.not_null && !fm.not_null)
        {
            return Ok(false);
        }
    }
    if !to
        .indexes
        .iter()
        .all(|t| from.indexes.iter().any(|f| same_keys(f, t)))
    {
        return Ok(false);
    }
    let (Some(from_sql), Some(to_sql)) = (sql_of(schema, &from.name), sql_of(schema, &to.name))
    else {
        return Ok(false);
    };
    let (from_parsed, to_parsed) = (
        parse_stored(from_sql, alloc.clone())?,
        parse_stored(to_sql, alloc.clone())?,
    );
    let (Stmt::CreateTable(from_create), Stmt::CreateTable(to_create)) =
        (&from_parsed.stmt, &to_parsed.stmt)
    else {
        return Ok(false);
    };
    declared_alike(from_create, to_create, alloc)
}

/// The `CREATE TABLE` statement of the table `name`.
fn sql_of<'s, A: Allocator + Clone>(schema: &'s Schema<A>, name: &str) -> Option<&'s str> {
    schema.table(name)?.sql.as_deref()
}

/// The rules of the module's documentation that only the statements
/// creating the tables tell: strictness, defaults as written, `CHECK`s.
fn declared_alike<A: Allocator + Clone>(
    from: &CreateTable<'_, A>,
    to: &CreateTable<'_, A>,
    alloc: &A,
) -> Result<bool> {
    let (
        TableBody::Columns {
            columns: from_columns,
            strict: from_strict,
            ..
        },
        TableBody::Columns {
            columns: to_columns,
            strict: to_strict,
            ..
        },
    ) = (&from.body, &to.body)
    else {
        return Ok(false);
    };
    if *to_strict && !*from_strict {
        return Ok(false);
    }
    // Affinities alike, a STRICT column may still refuse what the other
    // holds (`ANY` into `BLOB`).
    let holds_all = |f: &ColumnDef<'_, A>, t: &ColumnDef<'_, A>| {
        let of = |c: &ColumnDef<'_, A>| Datatype::declared(c.type_name.as_ref());
        match (of(f), of(t)) {
            (_, Some(Datatype::Any)) => true,
            (Some(Datatype::Int | Datatype::Integer), Some(Datatype::Int | Datatype::Integer)) => {
                true
            }
            (from, to) => from == to,
        }
    };
    if *to_strict
        && !from_columns
            .iter()
            .zip(to_columns.iter())
            .all(|(f, t)| holds_all(f, t))
    {
        return Ok(false);
    }
    for (f, t) in from_columns.iter().zip(to_columns.iter()).skip(1) {
        if default_of(f) != default_of(t) {
            return Ok(false);
        }
    }
    let mut to_checks = String::new_in(alloc.clone());
    if !checks(to, &mut to_checks)? {
        return Ok(true);
    }
    let mut from_checks = String::new_in(alloc.clone());
    checks(from, &mut from_checks)?;
    Ok(from_checks == to_checks)
}

/// The `DEFAULT` of `column` as written, if it has one.
fn default_of<'a, A: Allocator>(column: &ColumnDef<'a, A>) -> Option<&'a str> {
    column.constraints.iter().rev().find_map(|c| match &c.kind {
        ColumnConstraintKind::Default(d) => Some(d.text),
        _ => None,
    })
}

/// Writes the `CHECK` constraints of `create` into `out`, in the order
/// SQLite lists them (columns' first, then the table's); whether it has
/// any.
fn checks<A: Allocator>(create: &CreateTable<'_, A>, out: &mut String<A>) -> Result<bool> {
    let TableBody::Columns {
        columns,
        constraints,
        ..
    } = &create.body
    else {
        return Ok(false);
    };
    let mut any = false;
    let mut write = |expr: &dyn Display| -> Result<()> {
        any = true;
        Ok(out.try_write_fmt(format_args!("{expr};"))?)
    };
    for column in columns.iter() {
        for constraint in column.constraints.iter() {
            if let ColumnConstraintKind::Check(check) = &constraint.kind {
                write(&check.expr)?;
            }
        }
    }
    for constraint in constraints.iter() {
        if let TableConstraintKind::Check(check) = &constraint.kind {
            write(&check.expr)?;
        }
    }
    Ok(any)
}
