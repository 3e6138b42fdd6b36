//! What a `CREATE TABLE` or `CREATE INDEX` statement declares, read from
//! the SQL parser's tree: a table's [`TableColumns`] and an index's
//! [`IndexColumns`]. The schema keeps SQL text and nothing else, so this
//! is the one place its statements are understood, and they are parsed by
//! the same parser that reads the statements users run.
//!
//! SQLite's rules it follows:
//! - a column is the rowid alias when its declared type is exactly
//!   `INTEGER` (any case, quoted or not) and it alone is the `PRIMARY
//!   KEY`, declared on the column (not `DESC`) or as a one-column table
//!   constraint (where `DESC` does not matter);
//! - every other `PRIMARY KEY` and every `UNIQUE` constraint makes an
//!   automatic index `sqlite_autoindex_<table>_<N>`, numbered from 1 in the
//!   order the constraints appear (column constraints before table
//!   constraints, as the grammar orders them), except that a constraint
//!   whose columns and collations repeat those of an earlier one makes
//!   none;
//! - an index column takes its collation from `COLLATE` when given (the
//!   outermost one when several are), else from the table column's
//!   `COLLATE`, else BINARY; a string literal that names a column is that
//!   column, as SQLite reads old schemas;
//! - a virtual generated column is not stored in the row's record.
//!
//! - a `WITHOUT ROWID` table has no rowid (its `INTEGER PRIMARY KEY` is
//!   no alias); its rows are the records of an index B-tree, the primary
//!   key's columns first (each once, in key order), then the other stored
//!   columns in declaration order; its key makes no schema row.
//!
//! Invariants: text read from the schema table that does not parse is
//! `Error::Corrupt` (the file is damaged, the reader did nothing wrong);
//! a statement that parses but that this engine refuses (virtual tables,
//! `CREATE TABLE ... AS SELECT`, and `WITHOUT ROWID` tables for anything
//! but [`TableColumns::stored_as`], which their readers and writers
//! follow: [`TableColumns::from_create`] serves what keys rows by rowid)
//! is `Error::Sql`; running out of memory is always `Error::OutOfMemory`.

use crate::alloc::{Allocator, Vec};
use crate::record::{Collation, SortOrder};
use crate::sql::{
    ColumnConstraintKind, ColumnDef, Conflict, CreateIndex, CreateTable, Expr, Ident,
    IndexedColumn, Keyword, Lexer, Literal, ParseError, Parsed, SqlErrorKind, Stmt, TableBody,
    TableConstraintKind, TokenKind, affinity_of, parse_one,
};

use super::strict::Datatype;
use crate::{Error, Result};

use super::columns::{
    ColumnSource, IndexColumn, IndexColumns, StoredBy, TableColumn, TableColumns,
};
use super::{EntryKind, SCHEMA_ROOT, SchemaEntry};

/// Parses `sql`, a statement the schema table stores. Text that does not
/// parse is `Error::Corrupt`; a construct the parser refuses on purpose
/// (a virtual table, say) is `Error::Sql` with the parser's message.
pub fn parse_stored<A: Allocator + Clone>(sql: &str, alloc: A) -> Result<Parsed<'_, A>> {
    parse_one(sql, alloc).map_err(stored_error)
}

/// The `CREATE TABLE` statement `parsed` holds, parsed from a table's
/// stored SQL.
pub fn created_table<'p, 'a, A: Allocator>(
    parsed: &'p Parsed<'a, A>,
) -> Result<&'p CreateTable<'a, A>> {
    match &parsed.stmt {
        Stmt::CreateTable(create) => Ok(create),
        _ => Err(Error::Sql("table SQL is not CREATE TABLE")),
    }
}

/// The engine error for a stored statement that failed to parse.
fn stored_error(e: ParseError) -> Error {
    match e {
        ParseError::OutOfMemory => Error::OutOfMemory,
        ParseError::Sql(e) if e.kind() == SqlErrorKind::Unsupported => Error::Sql(e.message()),
        ParseError::Sql(_) => Error::corrupt(SCHEMA_ROOT, "schema SQL does not parse"),
    }
}

/// The columns of the table whose stored `CREATE TABLE` statement is
/// `sql`; see [`TableColumns::from_create`] for what is refused.
///
/// ```
/// use boundlite::alloc::Global;
/// use boundlite::schema::{index_columns, table_columns, ColumnSource};
/// use boundlite::record::{Collation, SortOrder};
///
/// let sql = "CREATE TABLE t(id INTEGER PRIMARY KEY, [e mail] TEXT UNIQUE COLLATE NOCASE)";
/// let t = table_columns(sql, Global)?;
/// assert_eq!(t.columns[1].name.as_str(), "e mail");
/// assert_eq!(t.rowid_alias, Some(0));
/// assert_eq!(t.autoindexes.len(), 1); // sqlite_autoindex_t_1, on "e mail"
///
/// let i = index_columns("CREATE INDEX i ON t(\"E MAIL\" DESC) WHERE id > 0", &t, Global)?;
/// assert_eq!(i.columns[0].source, ColumnSource::Column(1));
/// assert_eq!(i.columns[0].collation, Some(Collation::NoCase));
/// assert_eq!(i.columns[0].order, SortOrder::Desc);
/// assert!(i.partial && !i.unique);
/// # Ok::<(), boundlite::Error>(())
/// ```
pub fn table_columns<A: Allocator + Clone>(sql: &str, alloc: A) -> Result<TableColumns<A>> {
    let parsed = parse_stored(sql, alloc.clone())?;
    let Stmt::CreateTable(create) = &parsed.stmt else {
        return Err(Error::Sql("schema SQL is not CREATE TABLE"));
    };
    TableColumns::from_create(create, alloc)?.keep_sql(sql)
}

/// The columns the stored `CREATE TABLE` statement `sql` declares, as its
/// rows store them (`WITHOUT ROWID` tables included, see
/// [`TableColumns::stored_as`]).
pub fn stored_columns<A: Allocator + Clone>(sql: &str, alloc: A) -> Result<TableColumns<A>> {
    let parsed = parse_stored(sql, alloc.clone())?;
    let Stmt::CreateTable(create) = &parsed.stmt else {
        return Err(Error::Sql("schema SQL is not CREATE TABLE"));
    };
    TableColumns::stored_as(create, alloc)?.keep_sql(sql)
}

/// The key columns of the index whose stored `CREATE INDEX` statement is
/// `sql`, resolved against `table`, the indexed table's columns.
pub fn index_columns<A: Allocator + Clone, B: Allocator>(
    sql: &str,
    table: &TableColumns<B>,
    alloc: A,
) -> Result<IndexColumns<A>> {
    let parsed = parse_stored(sql, alloc.clone())?;
    let Stmt::CreateIndex(create) = &parsed.stmt else {
        return Err(Error::Sql("schema SQL is not CREATE INDEX"));
    };
    IndexColumns::from_create(create, table, alloc)
}

/// The key columns of the index `entry` on the table whose columns are
/// `table`: read from its SQL, or derived from the table's constraints
/// for an automatic index.
pub fn index_columns_of<A: Allocator + Clone, B: Allocator + Clone>(
    entry: &SchemaEntry<B>,
    table: &TableColumns<B>,
    alloc: A,
) -> Result<IndexColumns<A>> {
    if entry.kind != EntryKind::Index {
        return Err(Error::Misuse("schema entry is not an index"));
    }
    match &entry.sql {
        Some(sql) => index_columns(sql, table, alloc),
        None => autoindex_columns(&entry.name, table, alloc),
    }
}

/// The key columns of the automatic index `name` (`sqlite_autoindex_T_N`)
/// of `table`.
pub fn autoindex_columns<A: Allocator + Clone, B: Allocator>(
    name: &str,
    table: &TableColumns<B>,
    alloc: A,
) -> Result<IndexColumns<A>> {
    const UNKNOWN: Error = Error::Sql("automatic index matches no constraint of its table");
    let number: usize = name
        .rsplit('_')
        .next()
        .and_then(|n| n.parse().ok())
        .ok_or(UNKNOWN)?;
    let at = number.checked_sub(1).ok_or(UNKNOWN)?;
    let key = table.autoindexes.get(at).ok_or(UNKNOWN)?;
    let mut columns = Vec::try_with_capacity_in(key.len(), alloc)?;
    columns.try_extend_from_slice(key)?;
    Ok(IndexColumns {
        columns,
        unique: true,
        partial: false,
        conflict: table.autoindex_conflicts.get(at).copied().flatten(),
    })
}

/// Whether `sql`, a `CREATE TABLE` statement, declares a `WITHOUT ROWID`
/// table (whose B-tree is an index B-tree): `WITHOUT ROWID` after the
/// closing parenthesis of its column list. Reads tokens only, so it
/// allocates nothing and answers for statements the engine refuses; text
/// that does not tokenize is reported as not `WITHOUT ROWID`.
pub fn is_without_rowid(sql: &str) -> bool {
    let mut lexer = Lexer::new(sql);
    let mut depth = 0usize;
    let mut body_seen = false;
    let mut after_without = false;
    loop {
        let Ok(token) = lexer.next_token() else {
            return false;
        };
        match token.kind {
            TokenKind::Eof => return false,
            TokenKind::LeftParen => depth += 1,
            TokenKind::RightParen => {
                depth = depth.saturating_sub(1);
                body_seen |= depth == 0;
            }
            _ if body_seen && depth == 0 => {
                if after_without && token.is_word("rowid") {
                    return true;
                }
                after_without = token.is(Keyword::Without);
            }
            _ => {}
        }
    }
}

impl<A: Allocator + Clone> TableColumns<A> {
    /// The columns `create` declares, for a statement that writes rows or
    /// keys by rowid. `WITHOUT ROWID` tables and `CREATE TABLE ... AS
    /// SELECT` are refused with `Error::Sql`, as is a table with two
    /// primary keys or an expression in a key.
    pub fn from_create(create: &CreateTable<'_, impl Allocator>, alloc: A) -> Result<Self> {
        let table = Self::stored_as(create, alloc)?;
        match table.stored_by {
            StoredBy::Rowid => Ok(table),
            StoredBy::PrimaryKey => Err(Error::Sql("WITHOUT ROWID tables are not supported")),
        }
    }

    /// The columns `create` declares and how its rows are stored,
    /// `WITHOUT ROWID` tables included, for a reader that follows
    /// [`TableColumns::stored_by`]; otherwise as [`Self::from_create`].
    pub fn stored_as(create: &CreateTable<'_, impl Allocator>, alloc: A) -> Result<Self> {
        let TableBody::Columns {
            columns,
            constraints,
            without_rowid,
            strict,
        } = &create.body
        else {
            return Err(Error::Sql("CREATE TABLE ... AS SELECT is not supported"));
        };
        let mut table = TableColumns {
            columns: Vec::try_with_capacity_in(columns.len(), alloc.clone())?,
            stored_by: match without_rowid {
                true => StoredBy::PrimaryKey,
                false => StoredBy::Rowid,
            },
            rowid_alias: None,
            autoincrement: false,
            autoindexes: Vec::new_in(alloc.clone()),
            primary_autoindex: None,
            autoindex_conflicts: Vec::new_in(alloc.clone()),
            key_conflict: None,
            sql: None,
        };
        let mut has_primary_key = false;
        for def in columns.iter() {
            column_def(&mut table, def, &mut has_primary_key, *strict, &alloc)?;
        }
        for constraint in constraints.iter() {
            let key = match &constraint.kind {
                TableConstraintKind::PrimaryKey {
                    columns,
                    autoincrement,
                    conflict,
                } => {
                    table.autoincrement |= *autoincrement;
                    (columns, true, *conflict)
                }
                TableConstraintKind::Unique { columns, conflict } => (columns, false, *conflict),
                TableConstraintKind::Check(_) | TableConstraintKind::ForeignKey { .. } => continue,
            };
            let (key, primary, conflict) = key;
            table_key(
                &mut table,
                key,
                (primary, conflict),
                &mut has_primary_key,
                &alloc,
            )?;
        }
        if table.stored_by == StoredBy::PrimaryKey {
            if table.autoincrement {
                return Err(Error::Sql(
                    "AUTOINCREMENT not allowed on WITHOUT ROWID tables",
                ));
            }
            key_first(&mut table)?;
        }
        if table.columns.iter().any(|c| c.generated) {
            generated_rules(&table)?;
        }
        if table.autoincrement && table.rowid_alias.is_none() {
            return Err(Error::Sql(
                "AUTOINCREMENT is only allowed on an INTEGER PRIMARY KEY",
            ));
        }
        Ok(table)
    }
}

/// Refuses what SQLite refuses of generated columns that the columns
/// alone show (a key on one, a table of nothing else), and a key on a
/// virtual one, which this engine does not keep.
fn generated_rules<A: Allocator>(table: &TableColumns<A>) -> Result<()> {
    let primary = table
        .primary_autoindex
        .and_then(|at| table.autoindexes.get(at))
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|c| c.source)
        .chain(table.rowid_alias.map(ColumnSource::Column));
    for source in primary {
        if let ColumnSource::Column(i) = source {
            if table.columns.get(i).is_some_and(|c| c.generated) {
                return Err(Error::Sql(
                    "generated columns cannot be part of the PRIMARY KEY",
                ));
            }
        }
    }
    if table.columns.iter().all(|c| c.generated) {
        return Err(Error::Sql("must have at least one non-generated column"));
    }
    let unique_virtual = table.autoindexes.iter().flat_map(|k| k.iter()).any(|c| {
        matches!(c.source, ColumnSource::Column(i)
            if table.columns.get(i).is_some_and(|c| c.generated && c.storage.is_none()))
    });
    if unique_virtual {
        return Err(Error::Sql(
            "UNIQUE and PRIMARY KEY constraints on virtual generated columns are not supported",
        ));
    }
    Ok(())
}

/// Places the `PRIMARY KEY` columns of `table`, a `WITHOUT ROWID` table,
/// first in its records, each once and in key order, the other stored
/// columns after them in declaration order, as SQLite stores them.
fn key_first<A: Allocator>(table: &mut TableColumns<A>) -> Result<()> {
    let key = table
        .primary_autoindex
        .and_then(|at| table.autoindexes.get(at))
        .ok_or(Error::Sql("PRIMARY KEY missing on WITHOUT ROWID table"))?;
    let mut next = 0;
    for (k, column) in key.iter().enumerate() {
        let ColumnSource::Column(i) = column.source else {
            return Err(Error::Sql(
                "expressions prohibited in PRIMARY KEY and UNIQUE constraints",
            ));
        };
        let Some(c) = table.columns.get_mut(i) else {
            return Err(Error::Sql("PRIMARY KEY names a column its table lacks"));
        };
        if c.generated {
            return Err(Error::Sql(
                "generated columns cannot be part of the PRIMARY KEY",
            ));
        }
        // A column the key names twice is stored once, at its first place;
        // SQLite keeps it twice when the collations differ, which is not
        // followed here.
        let before = key.get(..k).unwrap_or_default();
        if let Some(twice) = before.iter().find(|b| b.source == column.source) {
            if twice.collation != column.collation {
                return Err(Error::Sql(
                    "a PRIMARY KEY naming one column with two collations is not supported",
                ));
            }
            continue;
        }
        c.storage = Some(next);
        next += 1;
    }
    let key_columns = |i: usize| key.iter().any(|k| k.source == ColumnSource::Column(i));
    for i in 0..table.columns.len() {
        if key_columns(i) {
            continue;
        }
        if let Some(c) = table.columns.get_mut(i) {
            if c.storage.is_some() {
                c.storage = Some(next);
                next += 1;
            }
        }
    }
    Ok(())
}

impl<A: Allocator + Clone> IndexColumns<A> {
    /// The key columns `create` declares, resolved against `table`, the
    /// indexed table's columns. A name that is no column of the table is
    /// `Error::Sql`.
    pub fn from_create<B: Allocator>(
        create: &CreateIndex<'_, impl Allocator>,
        table: &TableColumns<B>,
        alloc: A,
    ) -> Result<Self> {
        let mut columns = Vec::try_with_capacity_in(create.columns.len(), alloc)?;
        for item in create.columns.iter() {
            columns.try_push(index_item(item, table)?)?;
        }
        Ok(IndexColumns {
            columns,
            unique: create.unique,
            partial: create.where_clause.is_some(),
            conflict: None,
        })
    }
}

/// The collation `name` names, `None` when unknown.
pub(crate) fn collation_named(name: &Ident<'_>) -> Option<Collation> {
    [
        ("BINARY", Collation::Binary),
        ("NOCASE", Collation::NoCase),
        ("RTRIM", Collation::RTrim),
    ]
    .into_iter()
    .find(|(n, _)| name.eq_ignore_ascii_case(n))
    .map(|(_, c)| c)
}

/// Adds the column `def` to `table`, with the rowid alias or automatic
/// index its constraints make.
fn column_def<A: Allocator + Clone>(
    table: &mut TableColumns<A>,
    def: &ColumnDef<'_, impl Allocator>,
    has_primary_key: &mut bool,
    strict: bool,
    alloc: &A,
) -> Result<()> {
    let index = table.columns.len();
    let affinity = match strict {
        true => Datatype::declared(def.type_name.as_ref()).map(Datatype::affinity),
        false => None,
    }
    .unwrap_or_else(|| affinity_of(def.type_name.as_ref()));
    // SQLite compares the declared type, size included, with "INTEGER":
    // `INTEGER(8)` and `UNSIGNED INTEGER` make no alias.
    let is_integer = def
        .type_name
        .as_ref()
        .is_some_and(|t| Ident::new(t.text).eq_ignore_ascii_case("INTEGER"));
    let mut column = TableColumn {
        name: def.name.to_string_in(alloc.clone())?,
        collation: Some(Collation::Binary),
        has_default: false,
        integer_type: is_integer,
        generated: false,
        affinity,
        storage: None,
    };
    let mut stored = false;
    // Every key constraint here is on this one column, so only the first
    // makes an index: the others repeat its column and collation.
    let mut key: Option<SortOrder> = None;
    let mut primary = false;
    // Each key constraint's clause, merged into the one index they make.
    let mut conflicts: Option<Conflict> = None;
    for constraint in def.constraints.iter() {
        match &constraint.kind {
            ColumnConstraintKind::PrimaryKey {
                order,
                autoincrement,
                conflict,
            } => {
                if *has_primary_key {
                    return Err(Error::Sql("table has more than one primary key"));
                }
                *has_primary_key = true;
                table.autoincrement |= *autoincrement;
                let desc = *order == Some(SortOrder::Desc);
                if is_integer && !desc && table.stored_by == StoredBy::Rowid {
                    table.rowid_alias = Some(index);
                    table.key_conflict = *conflict;
                } else {
                    primary = true;
                    key.get_or_insert(order.unwrap_or(SortOrder::Asc));
                    conflicts = merged_conflict(conflicts, *conflict)?;
                }
            }
            ColumnConstraintKind::Unique { conflict } => {
                key.get_or_insert(SortOrder::Asc);
                conflicts = merged_conflict(conflicts, *conflict)?;
            }
            // The last COLLATE wins, as in SQLite.
            ColumnConstraintKind::Collate(name) => column.collation = collation_named(name),
            ColumnConstraintKind::Default(_) => column.has_default = true,
            ColumnConstraintKind::Generated { stored: s, .. } => {
                column.generated = true;
                stored = *s;
            }
            ColumnConstraintKind::NotNull { .. }
            | ColumnConstraintKind::Null
            | ColumnConstraintKind::Check(_)
            | ColumnConstraintKind::References(_) => {}
        }
    }
    if !column.generated || stored {
        let stored_before = table.columns.iter().filter(|c| c.storage.is_some()).count();
        column.storage = Some(stored_before);
    }
    let collation = column.collation;
    table.columns.try_push(column)?;
    if let Some(order) = key {
        let mut key = Vec::try_with_capacity_in(1, alloc.clone())?;
        key.try_push(IndexColumn {
            source: ColumnSource::Column(index),
            collation,
            order,
        })?;
        let at = add_autoindex(table, key, conflicts)?;
        if primary {
            table.primary_autoindex = Some(at);
        }
    }
    Ok(())
}

/// Applies a table `PRIMARY KEY` (`primary`) or `UNIQUE` constraint over
/// `items`: the rowid alias, or an automatic index.
fn table_key<A: Allocator + Clone>(
    table: &mut TableColumns<A>,
    items: &[IndexedColumn<'_, impl Allocator>],
    (primary, conflict): (bool, Option<Conflict>),
    has_primary_key: &mut bool,
    alloc: &A,
) -> Result<()> {
    let mut key = Vec::try_with_capacity_in(items.len(), alloc.clone())?;
    for item in items {
        let column = index_item(item, table)?;
        if column.source == ColumnSource::Expression {
            return Err(Error::Sql(
                "expressions prohibited in PRIMARY KEY and UNIQUE constraints",
            ));
        }
        key.try_push(column)?;
    }
    if primary {
        if *has_primary_key {
            return Err(Error::Sql("table has more than one primary key"));
        }
        *has_primary_key = true;
        if let [
            IndexColumn {
                source: ColumnSource::Column(c),
                ..
            },
        ] = key.as_slice()
        {
            let integer = table.columns.get(*c).is_some_and(|col| col.integer_type);
            if integer && table.stored_by == StoredBy::Rowid {
                table.rowid_alias = Some(*c);
                table.key_conflict = conflict;
                return Ok(());
            }
        }
    }
    let at = add_autoindex(table, key, conflict)?;
    if primary {
        table.primary_autoindex = Some(at);
    }
    Ok(())
}

/// Adds an automatic index unless one with the same columns and
/// collations exists; returns the position of the one that has them.
fn add_autoindex<A: Allocator + Clone>(
    table: &mut TableColumns<A>,
    key: Vec<IndexColumn, A>,
    conflict: Option<Conflict>,
) -> Result<usize> {
    let same = |other: &Vec<IndexColumn, A>| {
        other.len() == key.len()
            && other
                .iter()
                .zip(key.iter())
                .all(|(a, b)| a.source == b.source && a.collation == b.collation)
    };
    if let Some(at) = table.autoindexes.iter().position(same) {
        if let Some(kept) = table.autoindex_conflicts.get_mut(at) {
            *kept = merged_conflict(*kept, conflict)?;
        }
        return Ok(at);
    }
    table.autoindex_conflicts.try_reserve(1)?;
    table.autoindexes.try_push(key)?;
    table.autoindex_conflicts.try_push(conflict)?;
    Ok(table.autoindexes.len() - 1)
}

/// The `ON CONFLICT` clause of one index made by two constraints, with
/// clauses `kept` and `added`: the one given, or SQLite's error when both
/// give different ones.
fn merged_conflict(kept: Option<Conflict>, added: Option<Conflict>) -> Result<Option<Conflict>> {
    match (kept, added) {
        (Some(a), Some(b)) if a != b => {
            Err(Error::Sql("conflicting ON CONFLICT clauses specified"))
        }
        (kept, added) => Ok(kept.or(added)),
    }
}

/// One item of an index list or a key constraint, resolved against
/// `table`.
fn index_item<B: Allocator>(
    item: &IndexedColumn<'_, impl Allocator>,
    table: &TableColumns<B>,
) -> Result<IndexColumn> {
    let mut expr = &item.expr;
    // The parser took the outermost COLLATE off; any inner one is
    // overridden by it, and only matters when there is no outer one.
    let mut explicit = item.collate.as_ref().map(collation_named);
    while let Expr::Collate(inner, name) = expr {
        explicit.get_or_insert_with(|| collation_named(name));
        expr = inner;
    }
    let name = match expr {
        Expr::Column(c) if c.table.is_none() && c.schema.is_none() => Some(c.column),
        Expr::Literal(Literal::String(s)) => Some(*s),
        _ => None,
    };
    let source = match name {
        Some(name) => match table
            .columns
            .iter()
            .position(|c| name.eq_ignore_ascii_case(&c.name))
        {
            Some(i) => ColumnSource::Column(i),
            None => return Err(Error::Sql("index names a column its table lacks")),
        },
        None => ColumnSource::Expression,
    };
    let collation = match (explicit, source) {
        (Some(c), _) => c,
        (None, ColumnSource::Column(i)) => table.columns.get(i).and_then(|c| c.collation),
        (None, ColumnSource::Expression) => Some(Collation::Binary),
    };
    Ok(IndexColumn {
        source,
        collation,
        order: item.order.unwrap_or(SortOrder::Asc),
    })
}
