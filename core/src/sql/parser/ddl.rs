//! Schema statements: `CREATE TABLE`, `CREATE INDEX`, `CREATE VIEW`,
//! `CREATE TRIGGER`, `DROP`.
//!
//! Constraints are in `constraint`. `CREATE VIRTUAL TABLE` is refused.

use super::{Parser, Result};
use crate::alloc::Allocator;
use crate::sql::ast::{
    ColumnConstraint, ColumnDef, CreateIndex, CreateTable, CreateTrigger, CreateView, DropStmt,
    ObjectKind, Stmt, TableBody, TriggerEvent, TriggerTiming,
};
use crate::sql::keyword::Keyword;
use crate::sql::token::TokenKind;

impl<'a, A: Allocator + Clone> Parser<'a, A> {
    /// `CREATE ...`
    pub(super) fn create(&mut self) -> Result<Stmt<'a, A>> {
        self.require(Keyword::Create)?;
        let temp = self.eat(Keyword::Temp) || self.eat(Keyword::Temporary);
        match self.peek.keyword() {
            Some(Keyword::Table) => {
                let table = self.create_table(temp)?;
                Ok(Stmt::CreateTable(self.boxed(table)?))
            }
            Some(Keyword::View) => {
                let view = self.create_view(temp)?;
                Ok(Stmt::CreateView(self.boxed(view)?))
            }
            Some(Keyword::Trigger) => {
                let trigger = self.create_trigger(temp)?;
                Ok(Stmt::CreateTrigger(self.boxed(trigger)?))
            }
            Some(Keyword::Unique | Keyword::Index) if !temp => {
                let index = self.create_index()?;
                Ok(Stmt::CreateIndex(self.boxed(index)?))
            }
            Some(Keyword::Virtual) if !temp => {
                Err(self.unsupported("virtual tables are not supported"))
            }
            _ => Err(self.syntax_error()),
        }
    }

    /// `IF NOT EXISTS`, if next.
    fn if_not_exists(&mut self) -> Result<bool> {
        if !self.eat(Keyword::If) {
            return Ok(false);
        }
        self.require(Keyword::Not)?;
        self.require(Keyword::Exists)?;
        Ok(true)
    }

    /// `TABLE [IF NOT EXISTS] name (...) [options] | AS select`
    fn create_table(&mut self, temp: bool) -> Result<CreateTable<'a, A>> {
        self.require(Keyword::Table)?;
        let if_not_exists = self.if_not_exists()?;
        let name = self.qualified_name()?;
        if self.eat(Keyword::As) {
            let select = self.select()?;
            return Ok(CreateTable {
                temp,
                if_not_exists,
                name,
                body: TableBody::AsSelect(self.boxed(select)?),
            });
        }
        self.expect_kind(TokenKind::LeftParen)?;
        let mut columns = self.vec();
        let mut constraints = self.vec();
        loop {
            let column = self.column_def()?;
            columns.try_push(column)?;
            if !self.eat_kind(TokenKind::Comma) || self.starts_table_constraint() {
                break;
            }
        }
        // Table constraints may be separated by commas or by nothing.
        while self.starts_table_constraint() {
            if let Some(constraint) = self.table_constraint()? {
                constraints.try_push(constraint)?;
            }
            self.eat_kind(TokenKind::Comma);
        }
        if self.prev_is_comma() {
            return Err(self.syntax_error());
        }
        self.expect_kind(TokenKind::RightParen)?;
        let (mut without_rowid, mut strict) = (false, false);
        if !matches!(self.peek.kind, TokenKind::Semicolon | TokenKind::Eof) {
            loop {
                if self.eat(Keyword::Without) {
                    if !self.peek.is_word("rowid") {
                        return Err(self.detail("unknown table option"));
                    }
                    self.advance();
                    without_rowid = true;
                } else if self.peek.is_word("strict") {
                    self.advance();
                    strict = true;
                } else {
                    return Err(self.detail("unknown table option"));
                }
                if !self.eat_kind(TokenKind::Comma) {
                    break;
                }
            }
        }
        Ok(CreateTable {
            temp,
            if_not_exists,
            name,
            body: TableBody::Columns {
                columns,
                constraints,
                without_rowid,
                strict,
            },
        })
    }

    /// Whether the last token consumed was a comma (a trailing comma
    /// before `)`).
    fn prev_is_comma(&self) -> bool {
        self.sql
            .get(..self.prev_end)
            .is_some_and(|s| s.ends_with(','))
    }

    /// Whether a table constraint starts at the next token.
    fn starts_table_constraint(&self) -> bool {
        matches!(
            self.peek.keyword(),
            Some(
                Keyword::Constraint
                    | Keyword::Primary
                    | Keyword::Unique
                    | Keyword::Check
                    | Keyword::Foreign
            )
        )
    }

    /// `name [type] [constraints]`
    pub(super) fn column_def(&mut self) -> Result<ColumnDef<'a, A>> {
        let name = self.name()?;
        let type_name = self.type_name()?;
        let mut constraints = self.vec();
        loop {
            let constraint_name = if self.eat(Keyword::Constraint) {
                Some(self.name()?)
            } else {
                None
            };
            let Some(kind) = self.column_constraint()? else {
                // `CONSTRAINT name` alone is allowed, and means nothing.
                if constraint_name.is_some() {
                    continue;
                }
                break;
            };
            constraints.try_push(ColumnConstraint {
                name: constraint_name,
                kind,
            })?;
        }
        Ok(ColumnDef {
            name,
            type_name,
            constraints,
        })
    }

    /// `[UNIQUE] INDEX [IF NOT EXISTS] name ON table (columns) [WHERE]`
    fn create_index(&mut self) -> Result<CreateIndex<'a, A>> {
        let unique = self.eat(Keyword::Unique);
        self.require(Keyword::Index)?;
        let if_not_exists = self.if_not_exists()?;
        let name = self.qualified_name()?;
        self.require(Keyword::On)?;
        let table = self.name()?;
        self.expect_kind(TokenKind::LeftParen)?;
        let columns = self.indexed_columns()?;
        self.expect_kind(TokenKind::RightParen)?;
        let where_clause = self.optional_expr(Keyword::Where)?;
        Ok(CreateIndex {
            unique,
            if_not_exists,
            name,
            table,
            columns,
            where_clause,
        })
    }

    /// `VIEW [IF NOT EXISTS] name [(columns)] AS select`
    fn create_view(&mut self, temp: bool) -> Result<CreateView<'a, A>> {
        self.require(Keyword::View)?;
        let if_not_exists = self.if_not_exists()?;
        let name = self.qualified_name()?;
        let columns = if self.peek.kind == TokenKind::LeftParen {
            self.name_list()?
        } else {
            self.vec()
        };
        self.require(Keyword::As)?;
        let select = self.select()?;
        Ok(CreateView {
            temp,
            if_not_exists,
            name,
            columns,
            select,
        })
    }

    /// `TRIGGER [IF NOT EXISTS] name [timing] event ON table
    /// [FOR EACH ROW] [WHEN expr] BEGIN stmt; ... END`
    fn create_trigger(&mut self, temp: bool) -> Result<CreateTrigger<'a, A>> {
        self.require(Keyword::Trigger)?;
        let if_not_exists = self.if_not_exists()?;
        let name = self.qualified_name()?;
        let timing = if self.eat(Keyword::Before) {
            Some(TriggerTiming::Before)
        } else if self.eat(Keyword::After) {
            Some(TriggerTiming::After)
        } else if self.eat(Keyword::Instead) {
            self.require(Keyword::Of)?;
            Some(TriggerTiming::InsteadOf)
        } else {
            None
        };
        let event = if self.eat(Keyword::Delete) {
            TriggerEvent::Delete
        } else if self.eat(Keyword::Insert) {
            TriggerEvent::Insert
        } else {
            self.require(Keyword::Update)?;
            if self.eat(Keyword::Of) {
                TriggerEvent::Update(self.comma_separated(|p| p.name())?)
            } else {
                TriggerEvent::Update(self.vec())
            }
        };
        self.require(Keyword::On)?;
        let table = self.qualified_name()?;
        let for_each_row = self.eat(Keyword::For);
        if for_each_row {
            self.require(Keyword::Each)?;
            self.require(Keyword::Row)?;
        }
        let when = self.optional_expr(Keyword::When)?;
        self.require(Keyword::Begin)?;
        let mut body = self.vec();
        loop {
            let stmt = match self.peek.keyword() {
                Some(Keyword::Select | Keyword::Values | Keyword::With) => {
                    let select = self.select()?;
                    Stmt::Select(self.boxed(select)?)
                }
                Some(Keyword::Insert | Keyword::Replace) => {
                    let insert = self.insert()?;
                    Stmt::Insert(self.boxed(insert)?)
                }
                Some(Keyword::Update) => {
                    let update = self.update()?;
                    Stmt::Update(self.boxed(update)?)
                }
                Some(Keyword::Delete) => {
                    let delete = self.delete()?;
                    Stmt::Delete(self.boxed(delete)?)
                }
                _ => return Err(self.syntax_error()),
            };
            body.try_push(stmt)?;
            self.expect_kind(TokenKind::Semicolon)?;
            if self.eat(Keyword::End) {
                break;
            }
        }
        Ok(CreateTrigger {
            temp,
            if_not_exists,
            name,
            timing,
            event,
            table,
            for_each_row,
            when,
            body,
        })
    }

    /// `REINDEX [[schema.]name]`
    pub(super) fn reindex(&mut self) -> Result<Stmt<'a, A>> {
        self.require(Keyword::Reindex)?;
        if matches!(self.peek.kind, TokenKind::Semicolon | TokenKind::Eof) {
            return Ok(Stmt::Reindex(None));
        }
        Ok(Stmt::Reindex(Some(self.qualified_name()?)))
    }

    /// `DROP TABLE|INDEX|VIEW|TRIGGER [IF EXISTS] name`
    pub(super) fn drop_stmt(&mut self) -> Result<Stmt<'a, A>> {
        self.require(Keyword::Drop)?;
        let kind = match self.peek.keyword() {
            Some(Keyword::Table) => ObjectKind::Table,
            Some(Keyword::Index) => ObjectKind::Index,
            Some(Keyword::View) => ObjectKind::View,
            Some(Keyword::Trigger) => ObjectKind::Trigger,
            _ => return Err(self.syntax_error()),
        };
        self.advance();
        let if_exists = if self.eat(Keyword::If) {
            self.require(Keyword::Exists)?;
            true
        } else {
            false
        };
        let name = self.qualified_name()?;
        Ok(Stmt::Drop(DropStmt {
            kind,
            if_exists,
            name,
        }))
    }
}
