//! Column names for `.headers on`, `box` and `json`, derived as SQLite
//! derives them, from the parsed statement and the schema (the engine's
//! `Statement` does not name its columns):
//!
//! - `expr AS alias`: the alias;
//! - a plain column reference: the column's name as the table declares it;
//! - any other expression: its text as written;
//! - `*` and `t.*`: the tables' declared columns;
//! - `VALUES`: `column1`, `column2`, ...;
//! - `EXPLAIN QUERY PLAN`: `id`, `parent`, `notused`, `detail`.
//!
//! When the derivation cannot match the row (a `*` over a subquery, say)
//! the caller falls back to `columnN`.

use boundlite::alloc::Allocator;
use boundlite::schema::{Schema, table_columns};
use boundlite::sql::{
    CoreForm, Ident, Keyword, Lexer, Parsed, ResultColumn, Select, Stmt, TableRef, TokenKind,
};

/// A table in `FROM`: the name it is referred to by, and its columns.
struct Source {
    /// The alias, or the table's name.
    name: String,
    /// Its declared columns; empty when unknown (a subquery).
    columns: Vec<String>,
}

/// The names of the columns `parsed` returns (empty for a statement that
/// returns no rows).
pub fn column_names<A: Allocator + Clone>(
    parsed: &Parsed<'_, A>,
    schema: Option<&Schema<A>>,
    alloc: A,
) -> Vec<String> {
    match &parsed.stmt {
        Stmt::Select(select) => select_names(select, parsed.text, schema, alloc),
        Stmt::Explain {
            query_plan: true, ..
        } => ["id", "parent", "notused", "detail"]
            .map(String::from)
            .to_vec(),
        _ => Vec::new(),
    }
}

/// The generic name of column `i` (from 0).
fn generic(i: usize) -> String {
    format!("column{}", i + 1)
}

/// An identifier's value, quotes removed.
fn unquote(ident: &Ident<'_>) -> String {
    ident.chars().collect()
}

fn select_names<A: Allocator + Clone>(
    select: &Select<'_, A>,
    text: &str,
    schema: Option<&Schema<A>>,
    alloc: A,
) -> Vec<String> {
    let body = &select.core;
    if body.form == CoreForm::Values {
        return (0..body.columns.len()).map(generic).collect();
    }
    let mut sources = Vec::new();
    if let Some(from) = &body.from {
        let tables = std::iter::once(&from.first).chain(from.joins.iter().map(|j| &j.table));
        for table in tables {
            sources.push(source_of(table, schema, alloc.clone()));
        }
    }
    let spans = result_spans(text).filter(|s| s.len() == body.columns.len());
    let mut names = Vec::new();
    for (i, column) in body.columns.iter().enumerate() {
        match column {
            ResultColumn::Expr {
                alias: Some(alias), ..
            } => names.push(unquote(alias)),
            ResultColumn::Expr {
                expr, alias: None, ..
            } => {
                if let Some(c) = expr.as_column() {
                    let wanted = unquote(&c.column);
                    let declared = sources
                        .iter()
                        .filter(|s| c.table.is_none_or(|t| names_equal(&s.name, &unquote(&t))))
                        .flat_map(|s| s.columns.iter())
                        .find(|name| names_equal(name, &wanted));
                    names.push(declared.cloned().unwrap_or(wanted));
                } else {
                    match spans.as_ref().and_then(|s| s.get(i)) {
                        Some(span) => names.push((*span).to_string()),
                        None => names.push(expr.to_string()),
                    }
                }
            }
            ResultColumn::Star => {
                for s in &sources {
                    names.extend(s.columns.iter().cloned());
                }
            }
            ResultColumn::TableStar(t) => {
                let t = unquote(t);
                for s in sources.iter().filter(|s| names_equal(&s.name, &t)) {
                    names.extend(s.columns.iter().cloned());
                }
            }
        }
    }
    names
}

/// Compares two SQL names as SQLite does (ASCII case folded).
fn names_equal(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

fn source_of<A: Allocator + Clone>(
    table: &TableRef<'_, A>,
    schema: Option<&Schema<A>>,
    alloc: A,
) -> Source {
    match table {
        TableRef::Table { name, alias, .. } => {
            let table = unquote(&name.name);
            let columns = schema
                .and_then(|s| s.table(&table).or_else(|| find_ci(s, &table)))
                .and_then(|entry| entry.sql.as_ref())
                .and_then(|sql| table_columns(sql, alloc).ok())
                .map(|cols| cols.columns.iter().map(|c| c.name.to_string()).collect())
                .unwrap_or_default();
            Source {
                name: alias.as_ref().map_or(table, unquote),
                columns,
            }
        }
        TableRef::Subquery { alias, .. } => Source {
            name: alias.as_ref().map(unquote).unwrap_or_default(),
            columns: Vec::new(),
        },
    }
}

/// The schema entry of table `name`, its case ignored.
fn find_ci<'s, A: Allocator + Clone>(
    schema: &'s Schema<A>,
    name: &str,
) -> Option<&'s boundlite::schema::SchemaEntry<A>> {
    schema
        .entries()
        .iter()
        .find(|e| e.kind == boundlite::schema::EntryKind::Table && names_equal(&e.name, name))
}

/// The text of each result column of a `SELECT` as written, split at
/// the commas outside parentheses; `None` when the text does not start
/// with `SELECT` (a `WITH` query) or does not tokenize.
fn result_spans(text: &str) -> Option<Vec<&str>> {
    let mut lexer = Lexer::new(text);
    let first = lexer.next_token().ok()?;
    if !first.is(Keyword::Select) {
        return None;
    }
    let mut token = lexer.next_token().ok()?;
    if token.is(Keyword::Distinct) || token.is(Keyword::All) {
        token = lexer.next_token().ok()?;
    }
    let mut spans = Vec::new();
    let mut depth = 0usize;
    let mut start: Option<usize> = None;
    let mut end = 0;
    loop {
        let at_top = depth == 0;
        let ends_list = matches!(token.kind, TokenKind::Eof | TokenKind::Semicolon)
            || (at_top
                && [
                    Keyword::From,
                    Keyword::Where,
                    Keyword::Group,
                    Keyword::Having,
                    Keyword::Order,
                    Keyword::Limit,
                    Keyword::Union,
                    Keyword::Intersect,
                    Keyword::Except,
                ]
                .into_iter()
                .any(|k| token.is(k)));
        if ends_list || (at_top && token.kind == TokenKind::Comma) {
            spans.push(text.get(start?..end)?);
            start = None;
            if ends_list {
                return Some(spans);
            }
        } else {
            match token.kind {
                TokenKind::LeftParen => depth += 1,
                TokenKind::RightParen => depth = depth.saturating_sub(1),
                _ => {}
            }
            start.get_or_insert(token.offset);
            end = token.end();
        }
        token = lexer.next_token().ok()?;
    }
}
