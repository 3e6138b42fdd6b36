//! `ALTER TABLE`: `RENAME TO`, `RENAME COLUMN`, `ADD COLUMN` and `DROP
//! COLUMN`, by SQLite's rules and with its error texts.
//!
//! Each works by rewriting schema rows (their text edited by
//! `schema::alter`, so formatting and comments stay), and `DROP COLUMN`
//! also rewrites every row of the table without the column, one row at
//! a time (a seek past the last rowid rewritten finds the next, so
//! nothing but the row in hand is held), before its schema row, each
//! row's change in the statement's undo log.
//!
//! Invariant, as for the other schema changes (see `ddl`): every check
//! that can refuse the statement runs before the first change, because a
//! failed change rolls the whole write transaction back. Every schema row
//! rewritten bumps the schema cookie, so prepared statements and other
//! connections read the schema again.
//!
//! The views and triggers that name the table or column have their text
//! edited too (`dependents` finds where); one whose text names it in a
//! form not followed exactly refuses the statement, by the view's or
//! trigger's name, as does a view or trigger of the temporary schema
//! naming the table, and a column change to a table whose view another
//! view or trigger reads.
//!
//! Refused with an error that names them: `WITHOUT ROWID` and
//! virtual tables, adding a generated column with `NOT NULL` or `CHECK`
//! to a table with rows, adding a column with a
//! `CHECK` to a table that has rows (SQLite checks every row against
//! it), and what `CREATE TABLE` refuses in the table that results.

mod dependents;

use boundlite_platform::Platform;

use crate::alloc::{Allocator, String, Vec};
use crate::btree::SeekMode;
use crate::record::{RecordRef, ValueRef, encode_into_with};
use crate::schema::alter::{
    Place, Site, add_column, drop_column, find_sites, push_quoted, replace_sites,
};
use crate::schema::strict::Checked;
use crate::schema::{
    AUTOINDEX_PREFIX, EntryKind, NewEntry, RESERVED_PREFIX, SCHEMA_TABLE_NAMES, SEQUENCE_TABLE,
    Schema, SchemaEntry, TableColumns, is_without_rowid, parse_stored,
};
use crate::sql::{
    AlterAction, AlterTable, ColumnConstraintKind, ColumnDef, Expr, Ident, IndexedColumn, Literal,
    Quoted, Stmt, TableBody, TableConstraintKind, UnaryOp,
};
use crate::sql::{Lexer, TokenKind};
use crate::table::{TableInfo, Writer, check_defaults};
use crate::{Error, Named, Result, RowId};

use super::select::name_of;
use super::views::ViewCatalog;
use dependents::{Reading, Target};

/// Runs `alter`.
pub(crate) fn run<P: Platform, A: Allocator + Clone>(
    w: &mut Writer<'_, '_, P, A>,
    alter: &AlterTable<'_, A>,
    views: &ViewCatalog<A>,
) -> Result<()> {
    let alloc = w.allocator().clone();
    let name = name_of(&alter.table.name, alloc.clone())?;
    if let Some(db) = &alter.table.schema {
        let db = name_of(db, alloc.clone())?;
        // No other schema (temp, attached) holds tables here.
        if !db.eq_ignore_ascii_case("main") {
            let mut qualified = String::try_from_str_in(&db, alloc.clone())?;
            qualified.try_push_str(".")?;
            qualified.try_push_str(&name)?;
            return Err(Named::NoSuchTable.error(&qualified));
        }
    }
    let schema = w.schema()?;
    let entry = altered_table(&schema, &name)?;
    // SQLite edits the text of the views and triggers that name what is
    // renamed or dropped (`dependents`), in the temporary schema too,
    // which is not followed here; an added column changes no stored text.
    let rewrites = !matches!(alter.action, AlterAction::AddColumn { .. });
    if rewrites {
        let temp = w.view().temp_schema()?;
        let named = temp.as_ref().is_some_and(|t| {
            t.entries().iter().any(|e| {
                e.sql
                    .as_deref()
                    .is_none_or(|sql| mentions(sql, &entry.name))
            })
        });
        if named || views.any_temp(|sql| mentions(sql, &entry.name))? {
            return Err(Error::Sql(
                "ALTER TABLE RENAME and DROP COLUMN on a table a temporary view or trigger names are not supported",
            ));
        }
    }
    if matches!(
        alter.action,
        AlterAction::RenameColumn { .. } | AlterAction::DropColumn(_)
    ) {
        stacked_views(&schema, &entry.name)?;
    }
    match &alter.action {
        AlterAction::RenameTable(new) => rename_table(w, &schema, entry, new),
        AlterAction::RenameColumn { old, new } => rename_column(w, &schema, entry, old, new),
        AlterAction::AddColumn { column, text } => add(w, entry, column, text),
        AlterAction::DropColumn(column) => drop_column_of(w, &schema, entry, column),
    }
}

/// The table `name` names, if `ALTER TABLE` may change it.
fn altered_table<'s, A: Allocator + Clone>(
    schema: &'s Schema<A>,
    name: &str,
) -> Result<&'s SchemaEntry<A>> {
    if SCHEMA_TABLE_NAMES
        .iter()
        .any(|n| n.eq_ignore_ascii_case(name))
    {
        return Err(Named::MayNotBeAltered.error("sqlite_master"));
    }
    let Some(entry) = schema.find(name).filter(|e| e.kind != EntryKind::Index) else {
        return Err(Named::NoSuchTable.error(name));
    };
    match entry.kind {
        EntryKind::Table => {}
        EntryKind::View => return Err(Named::ViewNotAltered.error(&entry.name)),
        EntryKind::Index | EntryKind::Trigger => return Err(Named::NoSuchTable.error(name)),
    }
    if is_reserved(&entry.name) {
        return Err(Named::MayNotBeAltered.error(&entry.name));
    }
    let sql = entry.table_sql()?;
    if entry.root.is_none() {
        return Err(Error::Sql("virtual tables are not supported"));
    }
    if is_without_rowid(sql) {
        return Err(Error::Sql("WITHOUT ROWID tables are not supported"));
    }
    Ok(entry)
}

/// Whether some token of `sql` could name `name`: an identifier, a
/// keyword or a string (which SQLite takes for a name in places) equal to
/// it ignoring case and quotes. Text that does not tokenize may name
/// anything.
fn mentions(sql: &str, name: &str) -> bool {
    let mut lexer = Lexer::new(sql);
    loop {
        let Ok(token) = lexer.next_token() else {
            return true;
        };
        match token.kind {
            TokenKind::Eof => return false,
            TokenKind::Id | TokenKind::QuotedId | TokenKind::String | TokenKind::Keyword(_)
                if Quoted::new(token.text).eq_ignore_ascii_case(name) =>
            {
                return true;
            }
            _ => {}
        }
    }
}

/// Refuses a change to the columns of `table` when a view that reads it
/// is read by another view or trigger: the view's columns may change
/// with the table's, and what reads them is not followed.
fn stacked_views<A: Allocator + Clone>(schema: &Schema<A>, table: &str) -> Result<()> {
    let dependents = || {
        schema
            .entries()
            .iter()
            .filter(|e| matches!(e.kind, EntryKind::View | EntryKind::Trigger))
    };
    for view in dependents().filter(|e| e.kind == EntryKind::View) {
        if !view.sql.as_deref().is_none_or(|sql| mentions(sql, table)) {
            continue;
        }
        let reader = dependents().find(|e| {
            e.rowid != view.rowid && e.sql.as_deref().is_none_or(|sql| mentions(sql, &view.name))
        });
        if let Some(reader) = reader {
            return Err(not_rewritten(reader));
        }
    }
    Ok(())
}

/// The refusal of a view or trigger whose text is not rewritten exactly.
fn not_rewritten<A: Allocator + Clone>(entry: &SchemaEntry<A>) -> Error {
    let kind = match entry.kind {
        EntryKind::Trigger => "trigger",
        _ => "view",
    };
    Named::DependentNotRewritten.error2(kind, &entry.name)
}

/// The sites of the view or trigger `entry` for `target`, or its
/// refusal.
fn dependent_sites<A: Allocator + Clone>(
    entry: &SchemaEntry<A>,
    schema: &Schema<A>,
    table: &str,
    target: Target<'_>,
    alloc: A,
) -> Result<Reading<A>> {
    let Some(sql) = &entry.sql else {
        return Err(not_rewritten(entry));
    };
    match dependents::read(sql, schema, table, target, alloc)? {
        Reading::Unsure => Err(not_rewritten(entry)),
        exact => Ok(exact),
    }
}

/// Appends the renamed name as SQLite writes it in place of `site`'s
/// token: quoted, or bare when `bare` allows; a quoted name followed by a
/// double quote gets a space, so the two do not read as one.
fn push_renamed<A: Allocator>(
    out: &mut String<A>,
    sql: &str,
    site: &Site,
    name: &str,
    bare: Option<&str>,
) -> Result<()> {
    if let Some(bare) = bare {
        return Ok(out.try_push_str(bare)?);
    }
    push_quoted(out, name)?;
    if sql.as_bytes().get(site.at + site.len) == Some(&b'"') {
        out.try_push_str(" ")?;
    }
    Ok(())
}

/// Whether `name` starts `sqlite_`, in any case.
fn is_reserved(name: &str) -> bool {
    name.get(..RESERVED_PREFIX.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(RESERVED_PREFIX))
}

/// A schema row as `entry` has it, with `sql` in place of its text.
fn edited<'e, A: Allocator>(entry: &'e SchemaEntry<A>, sql: Option<&'e str>) -> NewEntry<'e> {
    NewEntry {
        kind: entry.kind,
        name: &entry.name,
        table: &entry.table,
        root: entry.root,
        sql,
    }
}

/// A schema row as `RENAME TO` leaves it.
struct RenamedRow<A: Allocator> {
    rowid: RowId,
    name: String<A>,
    table: String<A>,
    sql: Option<String<A>>,
}

/// `RENAME TO new`: the table's row, its indexes' rows (automatic
/// indexes renamed after it), the `REFERENCES` of every table that names
/// it, and its `sqlite_sequence` row.
fn rename_table<P: Platform, A: Allocator + Clone>(
    w: &mut Writer<'_, '_, P, A>,
    schema: &Schema<A>,
    entry: &SchemaEntry<A>,
    new: &Ident<'_>,
) -> Result<()> {
    let alloc = w.allocator().clone();
    let new = name_of(new, alloc.clone())?;
    let old: &str = &entry.name;
    if schema.find(&new).is_some_and(|e| {
        matches!(
            e.kind,
            EntryKind::Table | EntryKind::Index | EntryKind::View
        )
    }) {
        return Err(Named::AlreadyExists.error(&new));
    }
    if is_reserved(&new) {
        return Err(Named::Reserved.error(&new));
    }
    // Every edit is worked out before the first is made.
    let mut rows: Vec<RenamedRow<A>, A> = Vec::new_in(alloc.clone());
    let mut sites = Vec::new_in(alloc.clone());
    for e in schema.entries() {
        let own = e.kind == EntryKind::Table && e.name.eq_ignore_ascii_case(old);
        let indexed = matches!(e.kind, EntryKind::Index | EntryKind::Trigger)
            && e.table.eq_ignore_ascii_case(old);
        sites.clear();
        match (&e.sql, e.kind) {
            (_, EntryKind::View | EntryKind::Trigger) => {
                let target = Target::Table { new: &new };
                if let Reading::Exact { sites: found, .. } =
                    dependent_sites(e, schema, old, target, alloc.clone())?
                {
                    sites = found;
                }
            }
            (Some(sql), _) => find_sites(sql, old, None, &mut sites, alloc.clone())?,
            (None, _) => {}
        }
        if !own && !indexed && sites.is_empty() {
            continue;
        }
        let sql = match &e.sql {
            Some(sql) if !sites.is_empty() => Some(replace_sites(
                sql,
                &sites,
                |site, out| push_renamed(out, sql, site, &new, None),
                alloc.clone(),
            )?),
            Some(sql) => Some(String::try_from_str_in(sql, alloc.clone())?),
            None => None,
        };
        let mut name = String::new_in(alloc.clone());
        let mut table = String::new_in(alloc.clone());
        if own {
            name.try_push_str(&new)?;
        } else if e.is_autoindex() {
            // SQLite's `'sqlite_autoindex_' || new || substr(name, len + 18)`.
            name.try_push_str(AUTOINDEX_PREFIX)?;
            name.try_push_str(&new)?;
            name.try_push_str(
                e.name
                    .get(AUTOINDEX_PREFIX.len() + old.len()..)
                    .unwrap_or(""),
            )?;
        } else {
            name.try_push_str(&e.name)?;
        }
        table.try_push_str(if own || indexed { &new } else { &e.table })?;
        rows.try_push(RenamedRow {
            rowid: e.rowid,
            name,
            table,
            sql,
        })?;
    }
    for row in rows.iter() {
        let e = schema
            .entries()
            .iter()
            .find(|e| e.rowid == row.rowid)
            .ok_or(Error::Sql("schema row vanished"))?;
        w.replace_entry(
            row.rowid,
            &NewEntry {
                kind: e.kind,
                name: &row.name,
                table: &row.table,
                root: e.root,
                sql: row.sql.as_deref(),
            },
        )?;
    }
    if schema.table(SEQUENCE_TABLE).is_some() {
        w.rename_sequence(old, &new)?;
    }
    Ok(())
}

/// The position of the column `name` among `columns`.
fn column_position<A: Allocator>(columns: &TableColumns<A>, name: &Ident<'_>) -> Option<usize> {
    columns
        .columns
        .iter()
        .position(|c| name.eq_ignore_ascii_case(&c.name))
}

/// `RENAME COLUMN old TO new`: every token that names the column in the
/// table's text, its indexes' texts and the `REFERENCES` of tables that
/// name it.
fn rename_column<P: Platform, A: Allocator + Clone>(
    w: &mut Writer<'_, '_, P, A>,
    schema: &Schema<A>,
    entry: &SchemaEntry<A>,
    old: &Ident<'_>,
    new: &Ident<'_>,
) -> Result<()> {
    let alloc = w.allocator().clone();
    let table: &str = &entry.name;
    let columns = crate::schema::table_columns(entry.table_sql()?, alloc.clone())?;
    let Some(at) = column_position(&columns, old) else {
        return Err(Named::NoSuchColumn.error(old.raw()));
    };
    let new_name = name_of(new, alloc.clone())?;
    let collides = columns
        .columns
        .iter()
        .enumerate()
        .any(|(i, c)| i != at && c.name.eq_ignore_ascii_case(&new_name));
    if collides {
        return Err(Named::DuplicateAfterRename.error2(table, &new_name));
    }
    let old_name = columns
        .columns
        .get(at)
        .map(|c| &c.name)
        .ok_or(Error::Sql("no such column"))?;
    let mut rows: Vec<(RowId, String<A>), A> = Vec::new_in(alloc.clone());
    let mut sites = Vec::new_in(alloc.clone());
    for e in schema.entries() {
        let Some(sql) = &e.sql else { continue };
        sites.clear();
        if matches!(e.kind, EntryKind::View | EntryKind::Trigger) {
            let target = Target::Column {
                name: old_name,
                new: &new_name,
            };
            if let Reading::Exact { sites: found, .. } =
                dependent_sites(e, schema, table, target, alloc.clone())?
            {
                sites = found;
            }
        } else {
            find_sites(sql, table, Some(old_name), &mut sites, alloc.clone())?;
        }
        if sites.is_empty() {
            continue;
        }
        let with = |site: &Site, out: &mut String<A>| -> Result<()> {
            let bare = (!new.is_quoted() && !site.quoted).then(|| new.raw());
            push_renamed(out, sql, site, &new_name, bare)
        };
        rows.try_push((e.rowid, replace_sites(sql, &sites, with, alloc.clone())?))?;
    }
    for (rowid, sql) in rows.iter() {
        let e = schema
            .entries()
            .iter()
            .find(|e| e.rowid == *rowid)
            .ok_or(Error::Sql("schema row vanished"))?;
        w.replace_entry(*rowid, &edited(e, Some(sql)))?;
    }
    Ok(())
}

/// Whether `expr`, a `DEFAULT`, is a constant by SQLite's
/// `sqlite3ValueFromExpr`: a literal other than the current time, a
/// signed one, a cast of one, or a bare name (a string to SQLite).
fn is_constant<A: Allocator>(expr: &Expr<'_, A>, bare: bool) -> bool {
    match expr {
        Expr::Literal(Literal::CurrentTime | Literal::CurrentDate | Literal::CurrentTimestamp) => {
            false
        }
        Expr::Literal(_) => true,
        Expr::Column(c) => bare && c.table.is_none(),
        Expr::Unary(UnaryOp::Neg | UnaryOp::Plus, inner) => is_constant(inner, false),
        Expr::Cast(c) => is_constant(&c.expr, false),
        Expr::Collate(inner, _) => is_constant(inner, bare),
        _ => false,
    }
}

/// `ADD COLUMN def`: SQLite's refusals, then the table's text with the
/// column's appended. Old rows, whose records are shorter, read the
/// default.
fn add<P: Platform, A: Allocator + Clone>(
    w: &mut Writer<'_, '_, P, A>,
    entry: &SchemaEntry<A>,
    column: &ColumnDef<'_, A>,
    text: &str,
) -> Result<()> {
    let alloc = w.allocator().clone();
    let sql = entry.table_sql()?;
    let columns = crate::schema::table_columns(sql, alloc.clone())?;
    if column_position(&columns, &column.name).is_some() {
        let name = name_of(&column.name, alloc.clone())?;
        return Err(Named::DuplicateColumn.error(&name));
    }
    let mut not_null = false;
    let mut default = None;
    let mut check = false;
    let mut generated = None;
    for constraint in column.constraints.iter() {
        match &constraint.kind {
            ColumnConstraintKind::PrimaryKey { .. } => {
                return Err(Error::Sql("Cannot add a PRIMARY KEY column"));
            }
            ColumnConstraintKind::Unique { .. } => {
                return Err(Error::Sql("Cannot add a UNIQUE column"));
            }
            ColumnConstraintKind::Generated { stored, .. } => {
                generated = Some(*stored);
            }
            ColumnConstraintKind::NotNull { .. } => not_null = true,
            ColumnConstraintKind::Default(d) => default = Some(d),
            ColumnConstraintKind::Check(_) => check = true,
            _ => {}
        }
    }
    let default = default.filter(|d| !matches!(d.expr, Expr::Literal(Literal::Null)));
    let has_rows = w
        .table_cursor(entry.root.ok_or(Error::Sql("no such table"))?)
        .first()?;
    if let Some(stored) = generated {
        // A virtual column needs nothing of the rows; a stored one would
        // need a value in each, so SQLite adds it only to an empty table.
        if stored && has_rows {
            return Err(Error::Sql("cannot add a STORED column"));
        }
        if (not_null || check) && has_rows {
            return Err(Error::Sql(
                "ALTER TABLE ADD COLUMN of a generated column with NOT NULL or CHECK on a table with rows is not supported",
            ));
        }
    } else if has_rows {
        if not_null && default.is_none() {
            return Err(Error::Sql(
                "Cannot add a NOT NULL column with default value NULL",
            ));
        }
        if let Some(d) = default {
            let bare = !d.text.trim_start().starts_with('(');
            if !is_constant(&d.expr, bare) {
                return Err(Error::Sql("Cannot add a column with non-constant default"));
            }
        }
        if check {
            return Err(Error::Sql(
                "ALTER TABLE ADD COLUMN with a CHECK constraint on a table with rows is not supported",
            ));
        }
    }
    let text = text.trim_end_matches(|c: char| c == ';' || c.is_ascii_whitespace());
    let sql = add_column(sql, text, alloc.clone())?;
    // The table as it will be read: what CREATE TABLE would refuse, this
    // refuses too.
    {
        let parsed = parse_stored(&sql, alloc.clone())?;
        let Stmt::CreateTable(create) = &parsed.stmt else {
            return Err(Error::Sql("table SQL is not CREATE TABLE"));
        };
        super::ddl::refused_clauses(create, Checked::AddColumn)?;
        let columns = TableColumns::from_create(create, alloc.clone())?;
        if columns.columns.iter().any(|c| c.collation.is_none()) {
            return Err(Error::Sql("no such collation sequence"));
        }
        super::checks::validate(create, &columns)?;
        if let TableBody::Columns { columns: defs, .. } = &create.body {
            check_defaults(defs, alloc.clone())?;
        }
        super::ddl::check_generated(create, &entry.name, &columns)?;
    }
    w.replace_entry(entry.rowid, &edited(entry, Some(&sql)))?;
    // SQLite records format 3 for a column with a default, 2 without.
    w.require_format(if default.is_some() { 3 } else { 2 })
}

/// `DROP COLUMN name`: SQLite's refusals (the key, a `UNIQUE` column, the
/// only column, a column another part of the schema names), then the
/// table's text without the column and every row without its value.
fn drop_column_of<P: Platform, A: Allocator + Clone>(
    w: &mut Writer<'_, '_, P, A>,
    schema: &Schema<A>,
    entry: &SchemaEntry<A>,
    column: &Ident<'_>,
) -> Result<()> {
    let alloc = w.allocator().clone();
    let sql = entry.table_sql()?;
    let table: &str = &entry.name;
    let columns = crate::schema::table_columns(sql, alloc.clone())?;
    let Some(at) = column_position(&columns, column) else {
        return Err(Named::NoSuchColumn.error(column.raw()));
    };
    let written = name_of(column, alloc.clone())?;
    let (primary, unique) = key_kinds(sql, at, alloc.clone())?;
    if primary {
        return Err(Named::DropPrimaryKey.error(&written));
    }
    if unique {
        return Err(Named::DropUnique.error(&written));
    }
    if columns.columns.len() <= 1 {
        return Err(Named::DropOnlyColumn.error(&written));
    }
    let stored_name = columns
        .columns
        .get(at)
        .map(|c| &c.name)
        .ok_or(Error::Sql("no such column"))?;
    // What would no longer parse, as SQLite finds it re-reading the schema.
    let mut sites = Vec::new_in(alloc.clone());
    for e in schema.entries() {
        if matches!(e.kind, EntryKind::View | EntryKind::Trigger) {
            let target = Target::Dropped { name: stored_name };
            match dependent_sites(e, schema, table, target, alloc.clone())? {
                Reading::Exact { sites, .. } if sites.is_empty() => continue,
                Reading::Exact {
                    written: Some(written),
                    ..
                } => {
                    return Err(match e.kind {
                        EntryKind::Trigger => Named::TriggerAfterDrop.error2(&e.name, &written),
                        _ => Named::ViewAfterDrop.error2(&e.name, &written),
                    });
                }
                _ => return Err(not_rewritten(e)),
            }
        }
        let Some(text) = &e.sql else { continue };
        if e.kind == EntryKind::Table && !e.name.eq_ignore_ascii_case(table) {
            continue;
        }
        sites.clear();
        find_sites(text, table, Some(stored_name), &mut sites, alloc.clone())?;
        let keys = sites
            .iter()
            .find(|s| matches!(s.place, Place::TableKey | Place::ChildKey | Place::Index));
        let checks = sites.iter().find(|s| match s.place {
            Place::ColumnExpr(i) => i != at,
            Place::TableCheck => true,
            _ => false,
        });
        let Some(site) = keys.or(checks) else {
            continue;
        };
        // SQLite words a name written in double quotes apart.
        let quoted = text.as_bytes().get(site.at) == Some(&b'"');
        let named = match (site.place, quoted) {
            (Place::Index, false) => Named::IndexAfterDrop.error2(&e.name, stored_name),
            (Place::Index, true) => Named::IndexAfterDropQuoted.error2(&e.name, stored_name),
            (Place::ChildKey, _) => Named::ForeignKeyAfterDrop.error2(table, stored_name),
            (_, false) => Named::TableAfterDrop.error2(table, stored_name),
            (_, true) => Named::TableAfterDropQuoted.error2(table, stored_name),
        };
        return Err(named);
    }
    let new_sql = drop_column(sql, at, alloc.clone())?;
    let storage = columns.columns.get(at).and_then(|c| c.storage);
    // The rows first, each change in the undo log; the schema row last,
    // as one change: a failure anywhere leaves the table as it was.
    if let Some(storage) = storage {
        let info = TableInfo::load(schema, table, alloc.clone())?;
        rewrite_rows(w, &info, storage)?;
    }
    w.replace_entry(entry.rowid, &edited(entry, Some(&new_sql)))
}

/// Whether the column at `at` of the table `sql` declares is in its
/// `PRIMARY KEY`, and whether it is `UNIQUE` alone (as SQLite's column
/// flags say).
fn key_kinds<A: Allocator + Clone>(sql: &str, at: usize, alloc: A) -> Result<(bool, bool)> {
    let parsed = parse_stored(sql, alloc.clone())?;
    let Stmt::CreateTable(create) = &parsed.stmt else {
        return Err(Error::Sql("table SQL is not CREATE TABLE"));
    };
    let TableBody::Columns {
        columns,
        constraints,
        ..
    } = &create.body
    else {
        return Ok((false, false));
    };
    let def = columns.get(at).ok_or(Error::Sql("no such column"))?;
    let def_name = name_of(&def.name, alloc)?;
    let (mut primary, mut unique) = (false, false);
    for c in def.constraints.iter() {
        match c.kind {
            ColumnConstraintKind::PrimaryKey { .. } => primary = true,
            ColumnConstraintKind::Unique { .. } => unique = true,
            _ => {}
        }
    }
    let names = |key: &IndexedColumn<'_, A>| {
        key.column_name()
            .is_some_and(|n| n.eq_ignore_ascii_case(&def_name))
    };
    for c in constraints.iter() {
        match &c.kind {
            TableConstraintKind::PrimaryKey { columns, .. } => {
                primary |= columns.iter().any(names);
            }
            TableConstraintKind::Unique { columns, .. } if columns.len() == 1 => {
                unique |= columns.iter().any(names);
            }
            _ => {}
        }
    }
    Ok((primary, unique))
}

/// Rewrites every row of `table` without the value stored at
/// `storage`, a row at a time: each row is found by a seek past the last
/// one rewritten, so a change never moves a cursor in use, and only the
/// row in hand is held.
fn rewrite_rows<P: Platform, A: Allocator + Clone>(
    w: &mut Writer<'_, '_, P, A>,
    table: &TableInfo<A>,
    storage: usize,
) -> Result<()> {
    let alloc = w.allocator().clone();
    let format = w.view().header()?.schema_format;
    let mut record = Vec::new_in(alloc.clone());
    let mut last: Option<RowId> = None;
    loop {
        let mut cursor = w.table_cursor(table.root);
        let found = match last {
            None => cursor.first()?,
            Some(rowid) => cursor.seek(rowid, SeekMode::Gt)?,
        };
        if !found {
            return Ok(());
        }
        let rowid = cursor.rowid()?;
        let changed = {
            let payload = cursor.payload()?;
            let row = RecordRef::parse(&payload, Some(table.root))?;
            let count = row.column_count();
            if count > storage {
                let mut values: Vec<ValueRef<'_>, A> =
                    Vec::try_with_capacity_in(count, alloc.clone())?;
                for i in (0..count).filter(|&i| i != storage) {
                    values.try_push(row.column(i)?)?;
                }
                record.clear();
                encode_into_with(&values, format, &mut record)?;
                w.keep_old_row(&payload)?;
            }
            count > storage
        };
        drop(cursor);
        if changed {
            w.overwrite(table, rowid, &record)?;
        }
        last = Some(rowid);
    }
}
