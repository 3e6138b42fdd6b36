//! A column scanner for `CREATE TABLE` and `CREATE INDEX` statements: the
//! ordered column names of a table, its rowid alias, the indexes its
//! `PRIMARY KEY` and `UNIQUE` constraints create, and the key columns of an
//! index with their collations and sort orders.
//!
//! It reads the statements SQLite stores in `sqlite_schema` at token level
//! (see `schema/tokens.rs`) and understands only what index maintenance and
//! the integrity check need. Everything else in a statement (types beyond
//! `INTEGER`, `CHECK` expressions, defaults, foreign keys, nested
//! parentheses) is skipped without being understood. A statement it cannot
//! follow is `Error::Sql`, never a panic. It is meant to give way to the
//! query layer's SQL parser.
//!
//! SQLite's rules it follows:
//! - a column is the rowid alias when its declared type is exactly
//!   `INTEGER` (any case) and it alone is the `PRIMARY KEY`, declared on
//!   the column (not `DESC`) or as a one-column table constraint (where
//!   `DESC` does not matter);
//! - every other `PRIMARY KEY` and every `UNIQUE` constraint makes an
//!   automatic index `sqlite_autoindex_<table>_<N>`, numbered from 1 in the
//!   order the constraints appear, except that a constraint whose columns
//!   and collations repeat those of an earlier one makes none;
//! - an index column takes its collation from `COLLATE` when given, else
//!   from the table column's `COLLATE`, else BINARY;
//! - a virtual generated column is not stored in the row's record.
//!
//! `WITHOUT ROWID` tables are refused: their rows live in an index B-tree
//! keyed by the primary key, which this engine does not maintain.

use crate::alloc::{Allocator, String, Vec};
use crate::record::{Collation, KeyColumn, SortOrder};
use crate::schema::tokens::{Token, TokenKind, Tokens, skip_group, split_items, tokenize};
use crate::{Error, Result};

/// One column of a table.
#[derive(Debug)]
pub struct TableColumn<A: Allocator> {
    /// The column's name, unquoted.
    pub name: String<A>,
    /// The column's `COLLATE` collation; `Some(Binary)` when it names
    /// none, `None` when it names one this engine does not know.
    pub collation: Option<Collation>,
    /// Whether the column has a `DEFAULT` clause (a row stored before an
    /// `ALTER TABLE ... ADD COLUMN` takes that default, which this scanner
    /// does not evaluate).
    pub has_default: bool,
    /// Whether the declared type is exactly `INTEGER` (any case), the
    /// one type that makes a lone `PRIMARY KEY` the rowid alias.
    pub integer_type: bool,
    /// Whether the column is generated (`AS (...)`).
    pub generated: bool,
    /// Where the column's value sits in the row's record; `None` for a
    /// virtual generated column, which is not stored.
    pub storage: Option<usize>,
}

/// The columns of an index key, in key order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexColumn {
    /// What the key column holds.
    pub source: ColumnSource,
    /// Its collation; `None` for one this engine does not know.
    pub collation: Option<Collation>,
    /// Its sort order.
    pub order: SortOrder,
}

/// What an index key column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnSource {
    /// The table column at this position.
    Column(usize),
    /// An expression (or a generated column): not checkable here.
    Expression,
}

/// What [`scan_table`] finds in a `CREATE TABLE` statement.
#[derive(Debug)]
pub struct TableColumns<A: Allocator> {
    /// The columns in declaration order.
    pub columns: Vec<TableColumn<A>, A>,
    /// The column that aliases the rowid (`INTEGER PRIMARY KEY`), if any.
    pub rowid_alias: Option<usize>,
    /// Whether the rowid is `AUTOINCREMENT` (kept in `sqlite_sequence`).
    pub autoincrement: bool,
    /// The key columns of the automatic indexes, `[0]` being
    /// `sqlite_autoindex_<table>_1`.
    pub autoindexes: Vec<Vec<IndexColumn, A>, A>,
}

/// What [`scan_index`] finds in a `CREATE INDEX` statement.
#[derive(Debug)]
pub struct IndexColumns<A: Allocator> {
    /// The key columns, the rowid that ends every entry not included.
    pub columns: Vec<IndexColumn, A>,
    /// Whether the index is `UNIQUE` (automatic indexes always are).
    pub unique: bool,
    /// Whether the index is partial (`WHERE`): it holds only some rows.
    pub partial: bool,
}

impl<A: Allocator> TableColumns<A> {
    /// The position of the column named `name` (case-insensitive).
    pub fn position(&self, name: &str) -> Option<usize> {
        self.columns
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case(name))
    }
}

impl<A: Allocator> IndexColumns<A> {
    /// Whether every key column is a plain stored column with a known
    /// collation: then an entry's key follows from its row alone.
    pub fn is_plain<B: Allocator>(&self, table: &TableColumns<B>) -> bool {
        self.columns.iter().all(|c| {
            c.collation.is_some()
                && match c.source {
                    ColumnSource::Column(i) => table
                        .columns
                        .get(i)
                        .is_some_and(|col| table.rowid_alias == Some(i) || col.storage.is_some()),
                    ColumnSource::Expression => false,
                }
        })
    }

    /// Appends each key column's comparison rule to `out`; `false` (and
    /// `out` unchanged) when a collation is unknown. With `desc_allowed`
    /// false (a database of schema format below 4) every column sorts
    /// ascending, as SQLite reads such files.
    pub fn key_columns<B: Allocator>(
        &self,
        desc_allowed: bool,
        out: &mut Vec<KeyColumn, B>,
    ) -> Result<bool> {
        if self.columns.iter().any(|c| c.collation.is_none()) {
            return Ok(false);
        }
        out.try_reserve(self.columns.len())?;
        for c in self.columns.iter() {
            out.try_push(KeyColumn {
                order: if desc_allowed {
                    c.order
                } else {
                    SortOrder::Asc
                },
                collation: c.collation.unwrap_or_default(),
            })?;
        }
        Ok(true)
    }
}

/// The collation `name` names, `None` when unknown.
fn collation_named(name: &Token<'_>) -> Option<Collation> {
    [
        ("BINARY", Collation::Binary),
        ("NOCASE", Collation::NoCase),
        ("RTRIM", Collation::RTrim),
    ]
    .into_iter()
    .find(|(n, _)| name.names(n))
    .map(|(_, c)| c)
}

const MALFORMED: Error = Error::Sql("schema SQL this scanner cannot read");

/// Scans a `CREATE TABLE` statement. `WITHOUT ROWID` tables, virtual
/// tables and `CREATE TABLE ... AS SELECT` are refused with `Error::Sql`.
///
/// ```
/// use boundlite::alloc::Global;
/// use boundlite::schema::{scan_index, scan_table, ColumnSource};
/// use boundlite::record::{Collation, SortOrder};
///
/// let sql = "CREATE TABLE t(id INTEGER PRIMARY KEY, [e mail] TEXT UNIQUE COLLATE NOCASE)";
/// let t = scan_table(sql, Global)?;
/// assert_eq!(t.columns[1].name.as_str(), "e mail");
/// assert_eq!(t.rowid_alias, Some(0));
/// assert_eq!(t.autoindexes.len(), 1); // sqlite_autoindex_t_1, on "e mail"
///
/// let i = scan_index("CREATE INDEX i ON t(\"E MAIL\" DESC) WHERE id > 0", &t, Global)?;
/// assert_eq!(i.columns[0].source, ColumnSource::Column(1));
/// assert_eq!(i.columns[0].collation, Some(Collation::NoCase));
/// assert_eq!(i.columns[0].order, SortOrder::Desc);
/// assert!(i.partial && !i.unique);
/// # Ok::<(), boundlite::Error>(())
/// ```
pub fn scan_table<A: Allocator + Clone>(sql: &str, alloc: A) -> Result<TableColumns<A>> {
    let tokens = tokenize(sql, alloc.clone())?;
    let (body, after) = table_body(&tokens)?;
    if has_without_rowid(after) {
        return Err(Error::Sql("WITHOUT ROWID tables are not supported"));
    }
    let mut table = TableColumns {
        columns: Vec::new_in(alloc.clone()),
        rowid_alias: None,
        autoincrement: false,
        autoindexes: Vec::new_in(alloc.clone()),
    };
    let mut has_primary_key = false;
    for item in split_items(body) {
        let first = item.first().ok_or(MALFORMED)?;
        if ["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"]
            .iter()
            .any(|k| first.is(k))
        {
            table_constraint(&mut table, item, &mut has_primary_key, &alloc)?;
        } else {
            column_def(&mut table, item, &mut has_primary_key, &alloc)?;
        }
    }
    if table.columns.is_empty() {
        return Err(MALFORMED);
    }
    Ok(table)
}

/// Whether `sql`, a `CREATE TABLE` statement, declares a `WITHOUT ROWID`
/// table (whose B-tree is an index B-tree): `WITHOUT ROWID` after the
/// closing parenthesis of its column list. Allocates nothing; text that
/// does not tokenize is reported as not `WITHOUT ROWID`.
pub fn is_without_rowid(sql: &str) -> bool {
    let mut depth = 0usize;
    let mut body_seen = false;
    let mut after_without = false;
    for token in Tokens::new(sql) {
        let Ok(token) = token else {
            return false;
        };
        if token.is_punct(b'(') {
            depth += 1;
        } else if token.is_punct(b')') {
            depth = depth.saturating_sub(1);
            body_seen |= depth == 0;
        } else if body_seen && depth == 0 {
            if after_without && token.is("ROWID") {
                return true;
            }
            after_without = token.is("WITHOUT");
        }
    }
    false
}

/// The tokens between the parentheses of a `CREATE TABLE`, and those after.
fn table_body<'t, 's>(tokens: &'t [Token<'s>]) -> Result<(&'t [Token<'s>], &'t [Token<'s>])> {
    let mut i = 0;
    let mut at = |k: &str| {
        let hit = tokens.get(i).is_some_and(|t| t.is(k));
        if hit {
            i += 1;
        }
        hit
    };
    if !at("CREATE") {
        return Err(MALFORMED);
    }
    let _ = at("TEMP") || at("TEMPORARY");
    if at("VIRTUAL") {
        return Err(Error::Sql("virtual tables have no B-tree of their own"));
    }
    if !at("TABLE") {
        return Err(MALFORMED);
    }
    if at("IF") && !(at("NOT") && at("EXISTS")) {
        return Err(MALFORMED);
    }
    let open = tokens
        .iter()
        .skip(i)
        .position(|t| t.is_punct(b'(') || t.is("AS"))
        .map(|p| p + i)
        .ok_or(MALFORMED)?;
    if tokens.get(open).is_some_and(|t| t.is("AS")) {
        return Err(Error::Sql("CREATE TABLE ... AS SELECT is not supported"));
    }
    let end = skip_group(tokens, open);
    let close = end.checked_sub(1).ok_or(MALFORMED)?;
    if !tokens.get(close).is_some_and(|t| t.is_punct(b')')) {
        return Err(MALFORMED);
    }
    let body = tokens.get(open + 1..close).ok_or(MALFORMED)?;
    Ok((body, tokens.get(end..).unwrap_or(&[])))
}

fn has_without_rowid(options: &[Token<'_>]) -> bool {
    options
        .windows(2)
        .any(|w| matches!(w, [a, b] if a.is("WITHOUT") && b.is("ROWID")))
}

/// Words that end a column's type and open a column constraint.
const CONSTRAINT_WORDS: [&str; 11] = [
    "CONSTRAINT",
    "PRIMARY",
    "NOT",
    "NULL",
    "UNIQUE",
    "CHECK",
    "DEFAULT",
    "COLLATE",
    "REFERENCES",
    "GENERATED",
    "AS",
];

fn column_def<A: Allocator + Clone>(
    table: &mut TableColumns<A>,
    item: &[Token<'_>],
    has_primary_key: &mut bool,
    alloc: &A,
) -> Result<()> {
    let name = item.first().filter(|t| t.is_name()).ok_or(MALFORMED)?;
    let index = table.columns.len();
    // The type: every token up to the first constraint word.
    let mut i = 1;
    while let Some(t) = item.get(i) {
        if CONSTRAINT_WORDS.iter().any(|k| t.is(k)) {
            break;
        }
        i = if t.is_punct(b'(') {
            skip_group(item, i)
        } else {
            i + 1
        };
    }
    let is_integer = matches!(item.get(1..i), Some([t]) if t.names("INTEGER"));
    let mut column = TableColumn {
        name: name.name_in(alloc.clone())?,
        collation: Some(Collation::Binary),
        has_default: false,
        integer_type: is_integer,
        generated: false,
        storage: None,
    };
    let mut stored = false;
    // Every key constraint here is on this one column, so only the first
    // makes an index: the others repeat its column and collation.
    let mut key: Option<SortOrder> = None;
    while let Some(t) = item.get(i) {
        i += 1;
        if t.is("CONSTRAINT") || t.is("SET") || t.is("MATCH") {
            // A constraint's name; `SET NULL` / `SET DEFAULT` and `MATCH x`
            // in a foreign key: the next word is not a constraint.
            i += 1;
        } else if t.is("PRIMARY") && item.get(i).is_some_and(|k| k.is("KEY")) {
            i += 1;
            let desc = item.get(i).is_some_and(|k| k.is("DESC"));
            if *has_primary_key {
                return Err(Error::Sql("table has more than one primary key"));
            }
            *has_primary_key = true;
            if is_integer && !desc {
                table.rowid_alias = Some(index);
            } else if key.is_none() {
                key = Some(if desc {
                    SortOrder::Desc
                } else {
                    SortOrder::Asc
                });
            }
        } else if t.is("UNIQUE") {
            key.get_or_insert(SortOrder::Asc);
        } else if t.is("AUTOINCREMENT") {
            table.autoincrement = true;
        } else if t.is("COLLATE") {
            let name = item.get(i).ok_or(MALFORMED)?;
            column.collation = collation_named(name);
            i += 1;
        } else if t.is("DEFAULT") {
            column.has_default = true;
            i = skip_term(item, i);
        } else if t.is("AS") {
            column.generated = true;
        } else if t.is("STORED") {
            stored = true;
        } else if t.is_punct(b'(') {
            i = skip_group(item, i - 1);
        }
    }
    if !column.generated || stored {
        let stored_before = table.columns.iter().filter(|c| c.storage.is_some()).count();
        column.storage = Some(stored_before);
    }
    let collation = column.collation;
    table.columns.try_push(column)?;
    if let Some(order) = key {
        let mut key = Vec::new_in(alloc.clone());
        key.try_push(IndexColumn {
            source: ColumnSource::Column(index),
            collation,
            order,
        })?;
        add_autoindex(table, key)?;
    }
    Ok(())
}

/// The index just past a `DEFAULT` value starting at `i`: a group, or a
/// literal or name with an optional sign.
fn skip_term(item: &[Token<'_>], i: usize) -> usize {
    match item.get(i) {
        Some(t) if t.is_punct(b'(') => skip_group(item, i),
        Some(t) if t.is_punct(b'+') || t.is_punct(b'-') => i + 2,
        Some(_) => i + 1,
        None => i,
    }
}

fn table_constraint<A: Allocator + Clone>(
    table: &mut TableColumns<A>,
    item: &[Token<'_>],
    has_primary_key: &mut bool,
    alloc: &A,
) -> Result<()> {
    let mut i = 0;
    if item.first().is_some_and(|t| t.is("CONSTRAINT")) {
        i = 2;
    }
    let primary = match item.get(i) {
        Some(t) if t.is("PRIMARY") => true,
        Some(t) if t.is("UNIQUE") => false,
        _ => return Ok(()),
    };
    let open = item
        .iter()
        .skip(i)
        .position(|t| t.is_punct(b'('))
        .map(|p| p + i)
        .ok_or(MALFORMED)?;
    let close = skip_group(item, open).saturating_sub(1);
    let list = item.get(open + 1..close).ok_or(MALFORMED)?;
    let mut key = Vec::new_in(alloc.clone());
    for entry in split_items(list) {
        let column = index_item(entry, table)?;
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
            if table.columns.get(*c).is_some_and(|col| col.integer_type) {
                table.rowid_alias = Some(*c);
                return Ok(());
            }
        }
    }
    add_autoindex(table, key)
}

/// Adds an automatic index unless one with the same columns and
/// collations exists.
fn add_autoindex<A: Allocator + Clone>(
    table: &mut TableColumns<A>,
    key: Vec<IndexColumn, A>,
) -> Result<()> {
    let same = |other: &Vec<IndexColumn, A>| {
        other.len() == key.len()
            && other
                .iter()
                .zip(key.iter())
                .all(|(a, b)| a.source == b.source && a.collation == b.collation)
    };
    if !table.autoindexes.iter().any(same) {
        table.autoindexes.try_push(key)?;
    }
    Ok(())
}

/// One item of an index list or a table constraint's column list:
/// `expr [COLLATE name] [ASC|DESC]`.
fn index_item<A: Allocator>(item: &[Token<'_>], table: &TableColumns<A>) -> Result<IndexColumn> {
    let mut rest = item;
    let mut order = SortOrder::Asc;
    if let Some((last, head)) = rest.split_last() {
        if last.is("DESC") || last.is("ASC") {
            order = if last.is("DESC") {
                SortOrder::Desc
            } else {
                SortOrder::Asc
            };
            rest = head;
        }
    }
    let mut explicit = None;
    loop {
        match rest {
            [head @ .., collate, name] if collate.is("COLLATE") && name.is_name() => {
                // The last COLLATE wins, as in SQLite's expression tree.
                if explicit.is_none() {
                    explicit = Some(collation_named(name));
                }
                rest = head;
            }
            [open, inner @ .., close]
                if open.is_punct(b'(')
                    && close.is_punct(b')')
                    && skip_group(rest, 0) == rest.len() =>
            {
                rest = inner;
            }
            _ => break,
        }
    }
    let source = match rest {
        [name] if name.kind != TokenKind::Number => match (0..table.columns.len())
            .find(|&i| table.columns.get(i).is_some_and(|c| name.names(&c.name)))
        {
            Some(i) if table.columns.get(i).is_some_and(|c| !c.generated) => {
                ColumnSource::Column(i)
            }
            Some(_) => ColumnSource::Expression,
            None if name.is_name() => {
                return Err(Error::Sql("index names a column its table lacks"));
            }
            None => ColumnSource::Expression,
        },
        [] => return Err(MALFORMED),
        _ => ColumnSource::Expression,
    };
    let collation = match (explicit, source) {
        (Some(c), _) => c,
        (None, ColumnSource::Column(i)) => table.columns.get(i).and_then(|c| c.collation),
        (None, ColumnSource::Expression) => Some(Collation::Binary),
    };
    Ok(IndexColumn {
        source,
        collation,
        order,
    })
}

/// Scans a `CREATE [UNIQUE] INDEX ... ON table(...) [WHERE ...]` statement,
/// resolving its columns against `table`, the indexed table's columns.
pub fn scan_index<A: Allocator + Clone, B: Allocator>(
    sql: &str,
    table: &TableColumns<B>,
    alloc: A,
) -> Result<IndexColumns<A>> {
    let tokens = tokenize(sql, alloc.clone())?;
    let unique = tokens.get(1).is_some_and(|t| t.is("UNIQUE"));
    if !tokens.first().is_some_and(|t| t.is("CREATE")) {
        return Err(MALFORMED);
    }
    let on = tokens.iter().position(|t| t.is("ON")).ok_or(MALFORMED)?;
    let open = tokens
        .iter()
        .skip(on)
        .position(|t| t.is_punct(b'('))
        .map(|p| p + on)
        .ok_or(MALFORMED)?;
    let end = skip_group(&tokens, open);
    let list = tokens
        .get(open + 1..end.saturating_sub(1))
        .ok_or(MALFORMED)?;
    let partial = tokens
        .get(end..)
        .is_some_and(|rest| rest.iter().any(|t| t.is("WHERE")));
    let mut columns = Vec::new_in(alloc);
    for item in split_items(list) {
        columns.try_push(index_item(item, table)?)?;
    }
    Ok(IndexColumns {
        columns,
        unique,
        partial,
    })
}

/// The key columns of the automatic index `name` (`sqlite_autoindex_T_N`)
/// of `table`.
pub fn scan_autoindex<A: Allocator + Clone, B: Allocator>(
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
    let key = number
        .checked_sub(1)
        .and_then(|i| table.autoindexes.get(i))
        .ok_or(UNKNOWN)?;
    let mut columns = Vec::try_with_capacity_in(key.len(), alloc)?;
    columns.try_extend_from_slice(key)?;
    Ok(IndexColumns {
        columns,
        unique: true,
        partial: false,
    })
}
