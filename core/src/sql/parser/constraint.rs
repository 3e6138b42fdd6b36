//! Column and table constraints: `PRIMARY KEY`, `NOT NULL`, `UNIQUE`,
//! `CHECK`, `DEFAULT`, `COLLATE`, `REFERENCES` (foreign keys), generated
//! columns, and the indexed-column lists of keys and indexes.
//!
//! Parts SQLite reads and ignores are read and dropped here too: `MATCH`
//! in a foreign key, `ON CONFLICT` after `NULL` or `CHECK`, and a bare
//! `CONSTRAINT name`.

use super::{Parser, Result};
use crate::alloc::{Allocator, Vec};
use crate::sql::ast::{
    Check, ColumnConstraintKind, Conflict, DefaultValue, Expr, ForeignKey, ForeignKeyAction,
    IndexedColumn, Literal, Quoted, TableConstraint, TableConstraintKind, UnaryOp,
};
use crate::sql::keyword::Keyword;
use crate::sql::token::TokenKind;

impl<'a, A: Allocator + Clone> Parser<'a, A> {
    /// One column constraint, if one is next.
    pub(super) fn column_constraint(&mut self) -> Result<Option<ColumnConstraintKind<'a, A>>> {
        let Some(keyword) = self.peek.keyword() else {
            return Ok(None);
        };
        let kind = match keyword {
            Keyword::Primary => {
                self.advance();
                self.require(Keyword::Key)?;
                let order = self.sort_order();
                let conflict = self.on_conflict()?;
                let autoincrement = self.eat(Keyword::Autoincrement);
                ColumnConstraintKind::PrimaryKey {
                    order,
                    conflict,
                    autoincrement,
                }
            }
            Keyword::Not if self.peek2().is(Keyword::Null) => {
                self.advance();
                self.advance();
                ColumnConstraintKind::NotNull {
                    conflict: self.on_conflict()?,
                }
            }
            Keyword::Null => {
                self.advance();
                self.on_conflict()?;
                ColumnConstraintKind::Null
            }
            Keyword::Unique => {
                self.advance();
                ColumnConstraintKind::Unique {
                    conflict: self.on_conflict()?,
                }
            }
            Keyword::Check => {
                self.advance();
                ColumnConstraintKind::Check(self.check()?)
            }
            Keyword::Default => {
                self.advance();
                ColumnConstraintKind::Default(self.default_value()?)
            }
            Keyword::Collate => {
                self.advance();
                ColumnConstraintKind::Collate(self.name()?)
            }
            Keyword::References => ColumnConstraintKind::References(self.foreign_key()?),
            Keyword::Generated | Keyword::As => {
                if self.eat(Keyword::Generated) {
                    self.require(Keyword::Always)?;
                }
                self.require(Keyword::As)?;
                let expr = self.parenthesised_expr()?;
                let stored = if self.peek.is_word("stored") {
                    self.advance();
                    true
                } else {
                    self.eat(Keyword::Virtual);
                    false
                };
                ColumnConstraintKind::Generated { expr, stored }
            }
            _ => return Ok(None),
        };
        Ok(Some(kind))
    }

    /// `(expr)`
    pub(super) fn parenthesised_expr(&mut self) -> Result<Expr<'a, A>> {
        self.expect_kind(TokenKind::LeftParen)?;
        let expr = self.expr()?;
        self.expect_kind(TokenKind::RightParen)?;
        Ok(expr)
    }

    /// `(expr)` after `CHECK`, with its text.
    fn check(&mut self) -> Result<Check<'a, A>> {
        self.expect_kind(TokenKind::LeftParen)?;
        let start = self.prev_end;
        let expr = self.expr()?;
        let end = self.peek.offset;
        self.expect_kind(TokenKind::RightParen)?;
        // SQLite's `sqlite3Isspace`: the spaces it trims from the text.
        let text = self
            .sql
            .get(start..end)
            .unwrap_or("")
            .trim_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
        Ok(Check { expr, text })
    }

    /// What follows `DEFAULT`: a literal, a signed number, `(expr)`, or
    /// a bare name (a string to SQLite, or `TRUE`/`FALSE`).
    fn default_value(&mut self) -> Result<DefaultValue<'a, A>> {
        let start = self.peek.offset;
        let expr = if self.peek.kind == TokenKind::LeftParen {
            self.parenthesised_expr()?
        } else if matches!(self.peek.kind, TokenKind::Minus | TokenKind::Plus) {
            let sign = self.advance();
            let negative = sign.kind == TokenKind::Minus;
            if negative
                && self.peek.kind == TokenKind::Integer
                && super::names::is_min_magnitude(self.peek.text)
            {
                self.advance();
                Expr::Literal(Literal::Integer(i64::MIN))
            } else {
                let Some(literal) = self.literal()? else {
                    return Err(self.syntax_error());
                };
                let op = if negative {
                    UnaryOp::Neg
                } else {
                    UnaryOp::Plus
                };
                Expr::Unary(op, self.boxed(Expr::Literal(literal))?)
            }
        } else if let Some(literal) = self.literal()? {
            Expr::Literal(literal)
        } else if matches!(self.peek.kind, TokenKind::Id | TokenKind::QuotedId)
            || self
                .peek
                .keyword()
                .is_some_and(|k| k.can_be_name() || k == Keyword::Indexed)
        {
            let token = self.advance();
            let value = if token.text.eq_ignore_ascii_case("true") {
                Literal::Bool(true)
            } else if token.text.eq_ignore_ascii_case("false") {
                Literal::Bool(false)
            } else {
                Literal::String(Quoted::new(token.text))
            };
            Expr::Literal(value)
        } else {
            return Err(self.syntax_error());
        };
        Ok(DefaultValue {
            expr,
            text: self.sql.get(start..self.prev_end).unwrap_or(""),
        })
    }

    /// `ON CONFLICT resolution`, if next.
    fn on_conflict(&mut self) -> Result<Option<Conflict>> {
        if !(self.peek.is(Keyword::On) && self.peek2().is(Keyword::Conflict)) {
            return Ok(None);
        }
        self.advance();
        self.advance();
        self.conflict().map(Some)
    }

    /// `[CONSTRAINT name] PRIMARY KEY|UNIQUE|CHECK|FOREIGN KEY ...`, or
    /// `None` for `CONSTRAINT name` alone, which SQLite allows.
    pub(super) fn table_constraint(&mut self) -> Result<Option<TableConstraint<'a, A>>> {
        let name = if self.eat(Keyword::Constraint) {
            Some(self.name()?)
        } else {
            None
        };
        let kind = match self.peek.keyword() {
            Some(Keyword::Primary) => {
                self.advance();
                self.require(Keyword::Key)?;
                self.expect_kind(TokenKind::LeftParen)?;
                let columns = self.indexed_columns()?;
                let autoincrement = self.eat(Keyword::Autoincrement);
                self.expect_kind(TokenKind::RightParen)?;
                TableConstraintKind::PrimaryKey {
                    columns,
                    conflict: self.on_conflict()?,
                    autoincrement,
                }
            }
            Some(Keyword::Unique) => {
                self.advance();
                self.expect_kind(TokenKind::LeftParen)?;
                let columns = self.indexed_columns()?;
                self.expect_kind(TokenKind::RightParen)?;
                TableConstraintKind::Unique {
                    columns,
                    conflict: self.on_conflict()?,
                }
            }
            Some(Keyword::Check) => {
                self.advance();
                let check = self.check()?;
                self.on_conflict()?;
                TableConstraintKind::Check(check)
            }
            Some(Keyword::Foreign) => {
                self.advance();
                self.require(Keyword::Key)?;
                let columns = self.name_list()?;
                let references = self.foreign_key()?;
                TableConstraintKind::ForeignKey {
                    columns,
                    references,
                }
            }
            _ if name.is_some() => return Ok(None),
            _ => return Err(self.syntax_error()),
        };
        Ok(Some(TableConstraint { name, kind }))
    }

    /// `REFERENCES table [(columns)] [actions] [deferrable]`
    fn foreign_key(&mut self) -> Result<ForeignKey<'a, A>> {
        self.require(Keyword::References)?;
        let table = self.name()?;
        let columns = if self.peek.kind == TokenKind::LeftParen {
            self.name_list()?
        } else {
            self.vec()
        };
        let mut fk = ForeignKey {
            table,
            columns,
            on_delete: None,
            on_update: None,
            deferred: false,
        };
        loop {
            if self.eat(Keyword::Match) {
                self.name()?;
            } else if self.peek.is(Keyword::On) && !self.peek2().is(Keyword::Conflict) {
                self.advance();
                let on_delete = if self.eat(Keyword::Delete) {
                    true
                } else {
                    self.require(Keyword::Update)?;
                    false
                };
                let action = self.foreign_key_action()?;
                if on_delete {
                    fk.on_delete = Some(action);
                } else {
                    fk.on_update = Some(action);
                }
            } else {
                break;
            }
        }
        let not = self.peek.is(Keyword::Not) && self.peek2().is(Keyword::Deferrable);
        if not {
            self.advance();
        }
        if self.eat(Keyword::Deferrable) {
            let deferred = if self.eat(Keyword::Initially) {
                if self.eat(Keyword::Deferred) {
                    true
                } else {
                    self.require(Keyword::Immediate)?;
                    false
                }
            } else {
                false
            };
            fk.deferred = deferred && !not;
        }
        Ok(fk)
    }

    /// `SET NULL`, `SET DEFAULT`, `CASCADE`, `RESTRICT` or `NO ACTION`.
    fn foreign_key_action(&mut self) -> Result<ForeignKeyAction> {
        let action = if self.eat(Keyword::Set) {
            if self.eat(Keyword::Null) {
                ForeignKeyAction::SetNull
            } else {
                self.require(Keyword::Default)?;
                ForeignKeyAction::SetDefault
            }
        } else if self.eat(Keyword::Cascade) {
            ForeignKeyAction::Cascade
        } else if self.eat(Keyword::Restrict) {
            ForeignKeyAction::Restrict
        } else {
            self.require(Keyword::No)?;
            self.require(Keyword::Action)?;
            ForeignKeyAction::NoAction
        };
        Ok(action)
    }

    /// `expr [COLLATE name] [ASC|DESC], ...` of an index or key.
    pub(super) fn indexed_columns(&mut self) -> Result<Vec<IndexedColumn<'a, A>, A>> {
        self.comma_separated(|p| {
            let mut expr = p.expr()?;
            let mut collate = None;
            if let Expr::Collate(inner, name) = expr {
                expr = crate::alloc::Box::into_inner(inner);
                collate = Some(name);
            }
            let order = p.sort_order();
            if p.peek.is(Keyword::Nulls) {
                let message = if p.peek2().is(Keyword::Last) {
                    "unsupported use of NULLS LAST"
                } else {
                    "unsupported use of NULLS FIRST"
                };
                return Err(p.unsupported(message));
            }
            Ok(IndexedColumn {
                expr,
                collate,
                order,
            })
        })
    }
}
