//! Names, type names and literal values: the leaves of the grammar.
//!
//! SQLite lets many keywords stand for names where the keyword itself
//! would not fit (`parse.y`'s `%fallback ID`), and accepts a string
//! literal as a name in most places; [`Parser::name`] follows its `nm`
//! rule and [`Parser::implicit_alias`] its `ids` rule.

use super::{Parser, Result};
use crate::alloc::Allocator;
use crate::sql::ast::{Literal, QualifiedName, Quoted, TypeName};
use crate::sql::error::SqlErrorKind;
use crate::sql::keyword::Keyword;
use crate::sql::token::{Token, TokenKind};

/// Whether `token` can be a name (SQLite's `nm`): an identifier, quoted
/// or not, a string, a keyword that falls back to a name, a join word or
/// `INDEXED`.
pub(super) fn is_name(token: &Token<'_>) -> bool {
    match token.kind {
        TokenKind::Id | TokenKind::QuotedId | TokenKind::String => true,
        TokenKind::Keyword(k) => k.can_be_name() || k.is_join_word() || k == Keyword::Indexed,
        _ => false,
    }
}

/// Whether `token` can be an alias without `AS` (SQLite's `ids`): not a
/// join word, which would start a join instead.
pub(super) fn is_implicit_alias(token: &Token<'_>) -> bool {
    match token.kind {
        TokenKind::Id | TokenKind::QuotedId | TokenKind::String => true,
        TokenKind::Keyword(k) => k.can_be_name(),
        _ => false,
    }
}

/// The value of an integer token: decimal, or `0x` hex read as 64-bit
/// two's complement. A decimal too large for 64 bits is a real, as in
/// SQLite; a hex literal of more than 16 significant digits is an error.
pub(super) fn integer_value(text: &str) -> core::result::Result<Literal<'_>, &'static str> {
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        let digits = hex.trim_start_matches('0');
        if digits.len() > 16 {
            return Err("hex literal too big");
        }
        if digits.is_empty() {
            return Ok(Literal::Integer(0));
        }
        let bits = u64::from_str_radix(digits, 16).map_err(|_| "malformed hex literal")?;
        return Ok(Literal::Integer(i64::from_ne_bytes(bits.to_ne_bytes())));
    }
    match text.parse::<i64>() {
        Ok(v) => Ok(Literal::Integer(v)),
        Err(_) => real_value(text),
    }
}

/// The value of a real token.
pub(super) fn real_value(text: &str) -> core::result::Result<Literal<'_>, &'static str> {
    text.parse::<f64>()
        .map(Literal::Real)
        .map_err(|_| "malformed number")
}

/// Whether `text` is the decimal literal 9223372036854775808, which
/// negated is the smallest 64-bit integer.
pub(super) fn is_min_magnitude(text: &str) -> bool {
    let digits = text.trim_start_matches('0');
    digits == "9223372036854775808"
}

impl<'a, A: Allocator + Clone> Parser<'a, A> {
    /// A name (SQLite's `nm`).
    pub(super) fn name(&mut self) -> Result<Quoted<'a>> {
        if is_name(&self.peek) {
            Ok(Quoted::new(self.advance().text))
        } else {
            Err(self.syntax_error())
        }
    }

    /// `name` or `schema.name`.
    pub(super) fn qualified_name(&mut self) -> Result<QualifiedName<'a>> {
        let first = self.name()?;
        if self.eat_kind(TokenKind::Dot) {
            let name = self.name()?;
            return Ok(QualifiedName {
                schema: Some(first),
                name,
            });
        }
        Ok(QualifiedName::bare(first))
    }

    /// `(name, ...)`
    pub(super) fn name_list(&mut self) -> Result<crate::alloc::Vec<Quoted<'a>, A>> {
        self.expect_kind(TokenKind::LeftParen)?;
        let names = self.comma_separated(|p| p.name())?;
        self.expect_kind(TokenKind::RightParen)?;
        Ok(names)
    }

    /// `AS name`, or a name that can be an alias without `AS`.
    pub(super) fn alias(&mut self) -> Result<Option<Quoted<'a>>> {
        if self.eat(Keyword::As) {
            return self.name().map(Some);
        }
        Ok(self.implicit_alias())
    }

    /// An alias written without `AS`, if the next token can be one.
    pub(super) fn implicit_alias(&mut self) -> Option<Quoted<'a>> {
        let alias = is_implicit_alias(&self.peek) && !self.window_clause_next();
        alias.then(|| Quoted::new(self.advance().text))
    }

    /// A type name, if one follows: words, then an optional
    /// `(number)` or `(number, number)`. `GENERATED` is a word unless
    /// `ALWAYS AS` follows it, as SQLite reads it.
    pub(super) fn type_name(&mut self) -> Result<Option<TypeName<'a>>> {
        let is_word = |p: &Self| match p.peek.kind {
            TokenKind::Id | TokenKind::QuotedId | TokenKind::String => true,
            TokenKind::Keyword(Keyword::Generated) => !p.generated_always_as(),
            TokenKind::Keyword(k) => k.can_be_name(),
            _ => false,
        };
        if !is_word(self) {
            return Ok(None);
        }
        let start = self.peek.offset;
        while is_word(self) {
            self.advance();
        }
        let name_end = self.prev_end;
        if self.eat_kind(TokenKind::LeftParen) {
            self.signed_number()?;
            if self.eat_kind(TokenKind::Comma) {
                self.signed_number()?;
            }
            self.expect_kind(TokenKind::RightParen)?;
        }
        let text = |end| self.sql.get(start..end).unwrap_or("");
        Ok(Some(TypeName {
            text: text(self.prev_end),
            name: text(name_end),
        }))
    }

    /// Whether `GENERATED ALWAYS AS` starts at the next token.
    fn generated_always_as(&self) -> bool {
        let mut ahead = self.lexer.clone();
        self.peek.is(Keyword::Generated)
            && ahead.next_token().is_ok_and(|t| t.is(Keyword::Always))
            && ahead.next_token().is_ok_and(|t| t.is(Keyword::As))
    }

    /// A number with an optional sign, its sign applied.
    pub(super) fn signed_number(&mut self) -> Result<Literal<'a>> {
        let negative = if self.eat_kind(TokenKind::Minus) {
            true
        } else {
            self.eat_kind(TokenKind::Plus);
            false
        };
        let token = self.peek;
        if negative && token.kind == TokenKind::Integer && is_min_magnitude(token.text) {
            self.advance();
            return Ok(Literal::Integer(i64::MIN));
        }
        let value = match token.kind {
            TokenKind::Integer => integer_value(token.text),
            TokenKind::Float => real_value(token.text),
            _ => return Err(self.syntax_error()),
        };
        self.advance();
        let value = value.map_err(|m| self.error_at(token, SqlErrorKind::Detail, m))?;
        Ok(match value {
            Literal::Integer(v) if negative => Literal::Integer(v.wrapping_neg()),
            Literal::Real(v) if negative => Literal::Real(-v),
            other => other,
        })
    }

    /// A literal token's value, consuming it; `None` (consuming nothing)
    /// if the next token is not a literal.
    pub(super) fn literal(&mut self) -> Result<Option<Literal<'a>>> {
        let token = self.peek;
        let value = match token.kind {
            TokenKind::Integer => integer_value(token.text),
            TokenKind::Float => real_value(token.text),
            TokenKind::String => Ok(Literal::String(Quoted::new(token.text))),
            TokenKind::Blob => Ok(Literal::Blob(crate::sql::ast::HexBlob::new(token.text))),
            TokenKind::Keyword(Keyword::Null) => Ok(Literal::Null),
            TokenKind::Keyword(Keyword::CurrentTime) => Ok(Literal::CurrentTime),
            TokenKind::Keyword(Keyword::CurrentDate) => Ok(Literal::CurrentDate),
            TokenKind::Keyword(Keyword::CurrentTimestamp) => Ok(Literal::CurrentTimestamp),
            _ => return Ok(None),
        };
        self.advance();
        value
            .map(Some)
            .map_err(|m| self.error_at(token, SqlErrorKind::Detail, m))
    }
}
