//! The edits `ALTER TABLE` makes to stored `CREATE` statements, made as
//! SQLite makes them: the text keeps its spacing, comments and case, and
//! only the tokens that name the renamed table or column change, or the
//! added or dropped column's text goes in or out.
//!
//! Where a name stands in the text comes from the SQL parser's tree: a
//! name in the tree borrows its token from the text, so the token's
//! offset is where the name's bytes start (see [`offset_of`]).
//!
//! SQLite's rules it follows:
//! - a renamed table is written `"name"` (double quotes, inner ones
//!   doubled), wherever it was named: its own `CREATE TABLE`, the `ON`
//!   of its indexes, the `REFERENCES` of foreign keys;
//! - a renamed column is written as the `ALTER` wrote it when that was
//!   quoted, else bare where the old token was bare and `"name"` where
//!   it was quoted;
//! - a column is added before the comma that opens the table
//!   constraints, or before the closing parenthesis when there are
//!   none, as `, ` and its definition;
//! - a dropped column's text runs from its name to the next column's
//!   name, or, for the last column, from the comma before it to where a
//!   column would be added.
//!
//! Invariant: every function returns text that differs from its input
//! only at the tokens it lists, and fails with `OutOfMemory` or the
//! stored text's parse error, never halfway.

use crate::alloc::{Allocator, String, Vec};
use crate::sql::{
    ColumnConstraintKind, CreateTable, Expr, ForeignKey, Ident, Keyword, Lexer, Stmt, TableBody,
    TableConstraintKind, TokenKind,
};
use crate::{Error, Result};

use super::declared::parse_stored;

/// Where a name was found in a statement's text, and what it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Site {
    /// The token's byte offset.
    pub at: usize,
    /// The token's length in bytes.
    pub len: usize,
    /// Whether the token was quoted.
    pub quoted: bool,
    /// The part of the statement it is in.
    pub place: Place,
}

/// The part of a statement a column name is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// The name of the column defined at this position.
    ColumnName(usize),
    /// A `CHECK` or generated expression of the column at this position.
    ColumnExpr(usize),
    /// A table `PRIMARY KEY` or `UNIQUE` constraint.
    TableKey,
    /// A table `CHECK` constraint.
    TableCheck,
    /// The child columns of a table `FOREIGN KEY`.
    ChildKey,
    /// The parent columns of a `REFERENCES` clause.
    ParentKey,
    /// The key or `WHERE` of an index.
    Index,
    /// The name of a table.
    Table,
    /// A name in the statement of a view or trigger.
    Dependent,
}

/// The byte offset of `ident`'s token in `sql`, the text it was parsed
/// from.
pub fn offset_of(sql: &str, ident: &Ident<'_>) -> Result<usize> {
    let raw = ident.raw();
    let at = (raw.as_ptr() as usize)
        .checked_sub(sql.as_ptr() as usize)
        .filter(|at| {
            at.checked_add(raw.len())
                .is_some_and(|end| end <= sql.len())
        })
        .ok_or(Error::Sql("a name is not part of the statement's text"))?;
    Ok(at)
}

/// Lists in `sites` every token of the stored statement `sql` that names
/// the column `column` of the table `table` (or the table itself when
/// `column` is `None`), in text order.
pub fn find_sites<A: Allocator + Clone>(
    sql: &str,
    table: &str,
    column: Option<&str>,
    sites: &mut Vec<Site, A>,
    alloc: A,
) -> Result<()> {
    if is_virtual(sql) {
        // Its arguments are its module's, which SQLite does not edit.
        return Ok(());
    }
    let parsed = parse_stored(sql, alloc)?;
    let mut found = Finder {
        sql,
        table,
        column,
        sites,
    };
    match &parsed.stmt {
        Stmt::CreateTable(create) => found.table(create)?,
        Stmt::CreateIndex(create) if create.table.eq_ignore_ascii_case(table) => {
            if column.is_none() {
                found.push(&create.table, Place::Table)?;
            }
            for key in create.columns.iter() {
                found.expr(&key.expr, Place::Index)?;
            }
            if let Some(filter) = &create.where_clause {
                found.expr(filter, Place::Index)?;
            }
        }
        _ => {}
    }
    found.sites.sort_unstable_by_key(|s| s.at);
    // A token is one site, however the tree reaches it.
    found.sites.dedup();
    Ok(())
}

/// Whether `sql` is `CREATE VIRTUAL TABLE ...`, which the parser
/// refuses.
fn is_virtual(sql: &str) -> bool {
    let mut lexer = Lexer::new(sql);
    let mut next = || lexer.next_token().ok().and_then(|t| t.keyword());
    next() == Some(Keyword::Create) && next() == Some(Keyword::Virtual)
}

/// Collects the sites of one statement.
struct Finder<'f, 's, A: Allocator> {
    sql: &'s str,
    table: &'f str,
    column: Option<&'f str>,
    sites: &'f mut Vec<Site, A>,
}

impl<A: Allocator> Finder<'_, '_, A> {
    fn push(&mut self, ident: &Ident<'_>, place: Place) -> Result<()> {
        let site = Site {
            at: offset_of(self.sql, ident)?,
            len: ident.raw().len(),
            quoted: ident.is_quoted(),
            place,
        };
        Ok(self.sites.try_push(site)?)
    }

    /// Whether `ident` names the column looked for.
    fn is_column(&self, ident: &Ident<'_>) -> bool {
        self.column.is_some_and(|c| ident.eq_ignore_ascii_case(c))
    }

    fn table<B: Allocator>(&mut self, create: &CreateTable<'_, B>) -> Result<()> {
        let own = create.name.name.eq_ignore_ascii_case(self.table);
        let TableBody::Columns {
            columns,
            constraints,
            ..
        } = &create.body
        else {
            return Ok(());
        };
        if own && self.column.is_none() {
            self.push(&create.name.name, Place::Table)?;
        }
        for (i, def) in columns.iter().enumerate() {
            if own && self.is_column(&def.name) {
                self.push(&def.name, Place::ColumnName(i))?;
            }
            for constraint in def.constraints.iter() {
                match &constraint.kind {
                    ColumnConstraintKind::Check(check) if own => {
                        self.expr(&check.expr, Place::ColumnExpr(i))?
                    }
                    ColumnConstraintKind::Generated { expr, .. } if own => {
                        self.expr(expr, Place::ColumnExpr(i))?
                    }
                    ColumnConstraintKind::References(fk) => self.parent(fk)?,
                    _ => {}
                }
            }
        }
        for constraint in constraints.iter() {
            match &constraint.kind {
                TableConstraintKind::PrimaryKey { columns, .. }
                | TableConstraintKind::Unique { columns, .. }
                    if own =>
                {
                    for key in columns.iter() {
                        self.expr(&key.expr, Place::TableKey)?;
                    }
                }
                TableConstraintKind::Check(check) if own => {
                    self.expr(&check.expr, Place::TableCheck)?
                }
                TableConstraintKind::ForeignKey {
                    columns,
                    references,
                } => {
                    if own {
                        for child in columns.iter() {
                            if self.is_column(child) {
                                self.push(child, Place::ChildKey)?;
                            }
                        }
                    }
                    self.parent(references)?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The sites of a `REFERENCES` clause.
    fn parent<B: Allocator>(&mut self, fk: &ForeignKey<'_, B>) -> Result<()> {
        if !fk.table.eq_ignore_ascii_case(self.table) {
            return Ok(());
        }
        if self.column.is_none() {
            return self.push(&fk.table, Place::Table);
        }
        for parent in fk.columns.iter() {
            if self.is_column(parent) {
                self.push(parent, Place::ParentKey)?;
            }
        }
        Ok(())
    }

    /// The column references of `expr` (its subqueries aside, which no
    /// `CREATE` statement SQLite accepts holds); when the table itself
    /// is looked for, the names that qualify its columns (`t.c`).
    fn expr<B: Allocator>(&mut self, expr: &Expr<'_, B>, place: Place) -> Result<()> {
        if let Expr::Column(c) = expr {
            let qualified_elsewhere = c.table.is_some_and(|t| !t.eq_ignore_ascii_case(self.table));
            if !qualified_elsewhere && self.is_column(&c.column) {
                self.push(&c.column, place)?;
            }
            if let (None, Some(qualifier)) = (self.column, &c.table) {
                if !qualified_elsewhere {
                    self.push(qualifier, Place::Table)?;
                }
            }
            return Ok(());
        }
        expr.try_for_each_child(|child| self.expr(child, place))
    }
}

/// `sql` with the token of each site replaced by the text `with` gives
/// for it.
pub fn replace_sites<A: Allocator + Clone>(
    sql: &str,
    sites: &[Site],
    mut with: impl FnMut(&Site, &mut String<A>) -> Result<()>,
    alloc: A,
) -> Result<String<A>> {
    let mut out = String::new_in(alloc);
    let mut from = 0;
    for site in sites {
        out.try_push_str(sql.get(from..site.at).unwrap_or(""))?;
        with(site, &mut out)?;
        from = site.at + site.len;
    }
    out.try_push_str(sql.get(from..).unwrap_or(""))?;
    Ok(out)
}

/// Appends `name` as SQLite's `"%w"` writes it: in double quotes, each
/// double quote inside doubled.
pub fn push_quoted<A: Allocator>(out: &mut String<A>, name: &str) -> Result<()> {
    out.try_push_str("\"")?;
    for (i, part) in name.split('"').enumerate() {
        if i > 0 {
            out.try_push_str("\"\"")?;
        }
        out.try_push_str(part)?;
    }
    out.try_push_str("\"")?;
    Ok(())
}

/// Where in the `CREATE TABLE` text `sql` a column is added: the comma
/// that opens the table constraints, else the closing parenthesis of
/// the column list (SQLite's `addColOffset`).
pub fn add_column_offset(sql: &str) -> Result<usize> {
    let mut lexer = Lexer::new(sql);
    let mut depth = 0usize;
    let mut comma = None;
    loop {
        let token = lexer
            .next_token()
            .map_err(|_| Error::Sql("table SQL does not parse"))?;
        match token.kind {
            TokenKind::Eof => return Err(Error::Sql("table SQL has no column list")),
            TokenKind::LeftParen => depth += 1,
            TokenKind::RightParen => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Ok(comma.unwrap_or(token.offset));
                }
            }
            TokenKind::Comma if depth == 1 && comma.is_none() => {
                let next = lexer.clone().next_token().ok();
                let opens = next.and_then(|t| t.keyword()).is_some_and(|k| {
                    matches!(
                        k,
                        Keyword::Constraint
                            | Keyword::Primary
                            | Keyword::Unique
                            | Keyword::Check
                            | Keyword::Foreign
                    )
                });
                if opens {
                    comma = Some(token.offset);
                }
            }
            _ => {}
        }
    }
}

/// The `CREATE TABLE` text `sql` with the column defined by `text`
/// added.
pub fn add_column<A: Allocator + Clone>(sql: &str, text: &str, alloc: A) -> Result<String<A>> {
    let at = add_column_offset(sql)?;
    let mut out = String::new_in(alloc);
    out.try_push_str(sql.get(..at).unwrap_or(""))?;
    out.try_push_str(", ")?;
    out.try_push_str(text)?;
    out.try_push_str(sql.get(at..).unwrap_or(""))?;
    Ok(out)
}

/// The `CREATE TABLE` text `sql` without its column at `index`.
pub fn drop_column<A: Allocator + Clone>(sql: &str, index: usize, alloc: A) -> Result<String<A>> {
    let (start, end) = {
        let parsed = parse_stored(sql, alloc.clone())?;
        let Stmt::CreateTable(create) = &parsed.stmt else {
            return Err(Error::Sql("table SQL is not CREATE TABLE"));
        };
        let TableBody::Columns { columns, .. } = &create.body else {
            return Err(Error::Sql("table SQL has no column list"));
        };
        let name = columns.get(index).ok_or(Error::Sql("no such column"))?;
        let start = offset_of(sql, &name.name)?;
        match columns.get(index + 1) {
            Some(next) => (start, offset_of(sql, &next.name)?),
            None => {
                let before = sql.get(..start).unwrap_or("");
                (before.rfind(',').unwrap_or(start), add_column_offset(sql)?)
            }
        }
    };
    let mut out = String::new_in(alloc);
    out.try_push_str(sql.get(..start).unwrap_or(""))?;
    out.try_push_str(sql.get(end..).unwrap_or(""))?;
    Ok(out)
}
