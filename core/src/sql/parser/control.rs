//! Transaction statements (`BEGIN`, `COMMIT`/`END`, `ROLLBACK`,
//! `SAVEPOINT`, `RELEASE`) and `PRAGMA`.

use super::{Parser, Result};
use crate::alloc::Allocator;
use crate::sql::ast::{Pragma, PragmaValue, Quoted, Stmt, TransactionMode};
use crate::sql::keyword::Keyword;
use crate::sql::token::TokenKind;

impl<'a, A: Allocator + Clone> Parser<'a, A> {
    /// `BEGIN`, `COMMIT`, `END`, `ROLLBACK`, `SAVEPOINT` or `RELEASE`.
    pub(super) fn transaction(&mut self) -> Result<Stmt<'a, A>> {
        let keyword = self.advance();
        match keyword.keyword() {
            Some(Keyword::Begin) => {
                let mode = if self.eat(Keyword::Deferred) {
                    Some(TransactionMode::Deferred)
                } else if self.eat(Keyword::Immediate) {
                    Some(TransactionMode::Immediate)
                } else if self.eat(Keyword::Exclusive) {
                    Some(TransactionMode::Exclusive)
                } else if self.peek.is_word("concurrent") {
                    self.advance();
                    Some(TransactionMode::Concurrent)
                } else {
                    None
                };
                self.transaction_word()?;
                Ok(Stmt::Begin(mode))
            }
            Some(Keyword::Commit | Keyword::End) => {
                self.transaction_word()?;
                Ok(Stmt::Commit)
            }
            Some(Keyword::Rollback) => {
                self.transaction_word()?;
                let savepoint = if self.eat(Keyword::To) {
                    self.eat(Keyword::Savepoint);
                    Some(self.name()?)
                } else {
                    None
                };
                Ok(Stmt::Rollback { savepoint })
            }
            Some(Keyword::Savepoint) => Ok(Stmt::Savepoint(self.name()?)),
            _ => {
                self.eat(Keyword::Savepoint);
                Ok(Stmt::Release(self.name()?))
            }
        }
    }

    /// `[TRANSACTION [name]]`
    fn transaction_word(&mut self) -> Result<()> {
        if self.eat(Keyword::Transaction)
            && !matches!(self.peek.kind, TokenKind::Semicolon | TokenKind::Eof)
            && !self.peek.is(Keyword::To)
        {
            self.name()?;
        }
        Ok(())
    }

    /// `PRAGMA [schema.]name [= value | (value)]`
    pub(super) fn pragma(&mut self) -> Result<Stmt<'a, A>> {
        self.require(Keyword::Pragma)?;
        let name = self.qualified_name()?;
        let (value, call_form) = if self.eat_kind(TokenKind::Eq) {
            (Some(self.pragma_value()?), false)
        } else if self.eat_kind(TokenKind::LeftParen) {
            let value = self.pragma_value()?;
            self.expect_kind(TokenKind::RightParen)?;
            (Some(value), true)
        } else {
            (None, false)
        };
        Ok(Stmt::Pragma(Pragma {
            name,
            value,
            call_form,
        }))
    }

    /// A signed number, a name or string, or `ON`, `DELETE`, `DEFAULT`.
    fn pragma_value(&mut self) -> Result<PragmaValue<'a>> {
        if matches!(
            self.peek.kind,
            TokenKind::Plus | TokenKind::Minus | TokenKind::Integer | TokenKind::Float
        ) {
            return Ok(PragmaValue::Number(self.signed_number()?));
        }
        if matches!(
            self.peek.keyword(),
            Some(Keyword::On | Keyword::Delete | Keyword::Default)
        ) {
            return Ok(PragmaValue::Name(Quoted::new(self.advance().text)));
        }
        Ok(PragmaValue::Name(self.name()?))
    }
}
