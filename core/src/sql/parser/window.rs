//! Window syntax: `FILTER (WHERE ...)` and `OVER ...` after a call, the
//! `WINDOW` clause of a query.
//!
//! `FILTER`, `OVER` and `WINDOW` are not keywords (see `keyword`): as
//! SQLite's tokenizer decides, each is one only where its clause can
//! follow: `FILTER` after a call's `)` when `(` follows, `OVER` there when
//! `(` or a name follows, `WINDOW` when a name and `AS` follow.

use super::names::is_name;
use super::{Parser, Result};
use crate::alloc::{Allocator, Box};
use crate::sql::ast::{
    Expr, Frame, FrameBound, FrameExclude, FrameUnit, Over, WindowDef, WindowSpec,
};
use crate::sql::keyword::Keyword;
use crate::sql::token::TokenKind;

impl<'a, A: Allocator + Clone> Parser<'a, A> {
    /// `FILTER (WHERE condition)`, if next.
    pub(super) fn optional_filter(&mut self) -> Result<Option<Box<Expr<'a, A>, A>>> {
        if !(self.peek.is_word("filter") && self.peek2().kind == TokenKind::LeftParen) {
            return Ok(None);
        }
        self.advance();
        self.advance();
        self.require(Keyword::Where)?;
        let condition = self.expr()?;
        self.expect_kind(TokenKind::RightParen)?;
        Ok(Some(self.boxed(condition)?))
    }

    /// `OVER name` or `OVER (spec)`, if next.
    pub(super) fn optional_over(&mut self) -> Result<Option<Box<Over<'a, A>, A>>> {
        if !self.peek.is_word("over") {
            return Ok(None);
        }
        let next = self.peek2();
        let over = if next.kind == TokenKind::LeftParen {
            self.advance();
            self.advance();
            let spec = self.window_spec()?;
            self.expect_kind(TokenKind::RightParen)?;
            Over::Spec(spec)
        } else if matches!(next.kind, TokenKind::Id | TokenKind::QuotedId) {
            self.advance();
            Over::Named(self.name()?)
        } else {
            return Ok(None);
        };
        Ok(Some(self.boxed(over)?))
    }

    /// `WINDOW name AS (spec), ...`, if next.
    pub(super) fn window_clause(&mut self) -> Result<crate::alloc::Vec<WindowDef<'a, A>, A>> {
        if !self.window_clause_next() {
            return Ok(self.vec());
        }
        self.advance();
        self.comma_separated(|p| {
            let name = p.name()?;
            p.require(Keyword::As)?;
            p.expect_kind(TokenKind::LeftParen)?;
            let spec = p.window_spec()?;
            p.expect_kind(TokenKind::RightParen)?;
            Ok(WindowDef { name, spec })
        })
    }

    /// Whether `WINDOW name AS` is next.
    pub(super) fn window_clause_next(&self) -> bool {
        if !self.peek.is_word("window") {
            return false;
        }
        let mut lexer = self.lexer.clone();
        let named = lexer.next_token().is_ok_and(|t| is_name(&t));
        named && lexer.next_token().is_ok_and(|t| t.is(Keyword::As))
    }

    /// `[base] [PARTITION BY exprs] [ORDER BY terms] [frame]`, up to the
    /// closing `)`.
    fn window_spec(&mut self) -> Result<WindowSpec<'a, A>> {
        let clause_next = |p: &Self| {
            matches!(
                p.peek.keyword(),
                Some(
                    Keyword::Partition
                        | Keyword::Order
                        | Keyword::Rows
                        | Keyword::Range
                        | Keyword::Groups
                )
            )
        };
        let base = if is_name(&self.peek) && !clause_next(self) {
            Some(self.name()?)
        } else {
            None
        };
        let partition_by = if self.eat(Keyword::Partition) {
            self.require(Keyword::By)?;
            self.expr_list()?
        } else {
            self.vec()
        };
        let order_by = self.order_by()?;
        let unit = match self.peek.keyword() {
            Some(Keyword::Rows) => Some(FrameUnit::Rows),
            Some(Keyword::Range) => Some(FrameUnit::Range),
            Some(Keyword::Groups) => Some(FrameUnit::Groups),
            _ => None,
        };
        let frame = match unit {
            Some(unit) => {
                self.advance();
                Some(self.frame(unit)?)
            }
            None => None,
        };
        Ok(WindowSpec {
            base,
            partition_by,
            order_by,
            frame,
        })
    }

    /// The bounds and `EXCLUDE` of a frame, after its unit.
    fn frame(&mut self, unit: FrameUnit) -> Result<Frame<'a, A>> {
        let (start, end) = if self.eat(Keyword::Between) {
            let start = self.frame_bound(Keyword::Preceding)?;
            self.require(Keyword::And)?;
            let end = self.frame_bound(Keyword::Following)?;
            (start, Some(end))
        } else {
            (self.frame_bound(Keyword::Preceding)?, None)
        };
        let exclude = if self.eat(Keyword::Exclude) {
            Some(if self.eat(Keyword::No) {
                self.require(Keyword::Others)?;
                FrameExclude::NoOthers
            } else if self.eat(Keyword::Current) {
                self.require(Keyword::Row)?;
                FrameExclude::CurrentRow
            } else if self.eat(Keyword::Group) {
                FrameExclude::Group
            } else {
                self.require(Keyword::Ties)?;
                FrameExclude::Ties
            })
        } else {
            None
        };
        Ok(Frame {
            unit,
            start,
            end,
            exclude,
        })
    }

    /// One bound; `UNBOUNDED` takes only `unbounded` after it
    /// (`PRECEDING` for a start, `FOLLOWING` for an end).
    fn frame_bound(&mut self, unbounded: Keyword) -> Result<FrameBound<'a, A>> {
        if self.eat(Keyword::Unbounded) {
            self.require(unbounded)?;
            return Ok(match unbounded {
                Keyword::Preceding => FrameBound::UnboundedPreceding,
                _ => FrameBound::UnboundedFollowing,
            });
        }
        if self.peek.is(Keyword::Current) && self.peek2().is(Keyword::Row) {
            self.advance();
            self.advance();
            return Ok(FrameBound::CurrentRow);
        }
        let offset = self.expr()?;
        if self.eat(Keyword::Preceding) {
            return Ok(FrameBound::Preceding(offset));
        }
        self.require(Keyword::Following)?;
        Ok(FrameBound::Following(offset))
    }
}
