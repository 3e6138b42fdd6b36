//! Expressions, by precedence climbing over SQLite's operator table
//! (`parse.y`, lowest first): `OR`; `AND`; prefix `NOT`; the equality
//! group (`=`, `==`, `!=`, `<>`, `IS [NOT] [DISTINCT FROM]`, `[NOT] IN`,
//! `[NOT] LIKE|GLOB|MATCH|REGEXP`, `[NOT] BETWEEN`, `ISNULL`, `NOTNULL`,
//! `NOT NULL`); `<`, `<=`, `>`, `>=`; `&`, `|`, `<<`, `>>`; `+`, `-`;
//! `*`, `/`, `%`; `||`, `->`, `->>`; postfix `COLLATE`; prefix `-`, `+`,
//! `~`. Binary operators associate to the left.
//!
//! A prefix operator's operand is parsed at the operator's own level, so
//! `NOT a = b` is `NOT (a = b)` while `- a COLLATE x` is
//! `(-a) COLLATE x`, as SQLite's grammar makes them. The upper bound of
//! `BETWEEN` and the right side of every equality-group operator are
//! parsed one level up, so `x BETWEEN 1 AND 2 AND y` is
//! `(x BETWEEN 1 AND 2) AND y`; the lower bound stops only at `AND` or
//! `OR`.
//!
//! Depth: each call of [`Parser::expr_at`] and each operator folded into
//! the left side counts one level, so the depth bounds the tree's height.
//!
//! Every branch of the grammar is its own function, kept out of line: on
//! a recursive path a stack frame then holds only the branch being
//! taken, where an inlined branch would add its locals to every level.

use super::names::{is_min_magnitude, is_name};
use super::{Parser, Result, cost};
use crate::alloc::{Allocator, Vec};
use crate::sql::ast::{
    Between, Binary, BinaryOp, Case, Cast, ColumnBinding, ColumnRef, CoreForm, Expr, FromClause,
    FunctionArgs, FunctionCall, InList, InSelect, Like, LikeOp, Literal, Quoted, Raise,
    ResultColumn, Select, SelectBody, TableRef, UnaryOp, WhenThen,
};
use crate::sql::error::SqlErrorKind;
use crate::sql::keyword::Keyword;
use crate::sql::token::TokenKind;

/// Binding strengths, weakest first.
pub(super) mod prec {
    /// The weakest: any expression.
    pub const ANY: u8 = 0;
    /// `OR`
    pub const OR: u8 = 1;
    /// `AND`
    pub const AND: u8 = 2;
    /// Prefix `NOT`.
    pub const NOT: u8 = 3;
    /// The equality group.
    pub const EQUALITY: u8 = 4;
    /// `<` `<=` `>` `>=`
    pub const COMPARISON: u8 = 5;
    /// `&` `|` `<<` `>>`
    pub const BITWISE: u8 = 6;
    /// `+` `-`
    pub const ADDITIVE: u8 = 7;
    /// `*` `/` `%`
    pub const MULTIPLICATIVE: u8 = 8;
    /// `||` `->` `->>`
    pub const CONCAT: u8 = 9;
    /// Postfix `COLLATE`.
    pub const COLLATE: u8 = 10;
    /// Prefix `-` `+` `~`.
    pub const UNARY: u8 = 11;
}

/// What the next token does after an operand.
#[derive(Debug, Clone, Copy)]
enum Infix {
    Binary(BinaryOp),
    Collate,
    Is,
    Not,
    IsNull(bool),
    In,
    Like(LikeOp),
    Between,
}

impl<'a, A: Allocator + Clone> Parser<'a, A> {
    /// Any expression.
    pub(super) fn expr(&mut self) -> Result<Expr<'a, A>> {
        self.expr_at(prec::ANY)
    }

    /// `(expr, ...)` of one or more expressions.
    pub(super) fn expr_list(&mut self) -> Result<Vec<Expr<'a, A>, A>> {
        self.comma_separated(|p| p.expr())
    }

    /// An expression whose operators all bind at least as tightly as
    /// `min`.
    pub(super) fn expr_at(&mut self, min: u8) -> Result<Expr<'a, A>> {
        self.enter(cost::EXPR)?;
        let mut lhs = self.prefix()?;
        let mut folds = 0;
        while let Some((level, op)) = self.infix() {
            if level < min {
                break;
            }
            folds += 1;
            self.enter(cost::EXPR)?;
            lhs = self.apply_infix(lhs, op, level)?;
        }
        self.leave(cost::EXPR * (folds + 1));
        Ok(lhs)
    }

    /// The operator the next token starts, with its level.
    fn infix(&self) -> Option<(u8, Infix)> {
        use BinaryOp as B;
        let binary = |level, op| Some((level, Infix::Binary(op)));
        match self.peek.kind {
            TokenKind::Keyword(k) => match k {
                Keyword::Or => binary(prec::OR, B::Or),
                Keyword::And => binary(prec::AND, B::And),
                Keyword::Is => Some((prec::EQUALITY, Infix::Is)),
                Keyword::Not => Some((prec::EQUALITY, Infix::Not)),
                Keyword::Isnull => Some((prec::EQUALITY, Infix::IsNull(false))),
                Keyword::Notnull => Some((prec::EQUALITY, Infix::IsNull(true))),
                Keyword::In => Some((prec::EQUALITY, Infix::In)),
                Keyword::Like => Some((prec::EQUALITY, Infix::Like(LikeOp::Like))),
                Keyword::Glob => Some((prec::EQUALITY, Infix::Like(LikeOp::Glob))),
                Keyword::Match => Some((prec::EQUALITY, Infix::Like(LikeOp::Match))),
                Keyword::Regexp => Some((prec::EQUALITY, Infix::Like(LikeOp::Regexp))),
                Keyword::Between => Some((prec::EQUALITY, Infix::Between)),
                Keyword::Collate => Some((prec::COLLATE, Infix::Collate)),
                _ => None,
            },
            TokenKind::Eq => binary(prec::EQUALITY, B::Eq),
            TokenKind::Ne => binary(prec::EQUALITY, B::Ne),
            TokenKind::Lt => binary(prec::COMPARISON, B::Lt),
            TokenKind::Le => binary(prec::COMPARISON, B::Le),
            TokenKind::Gt => binary(prec::COMPARISON, B::Gt),
            TokenKind::Ge => binary(prec::COMPARISON, B::Ge),
            TokenKind::BitAnd => binary(prec::BITWISE, B::BitAnd),
            TokenKind::BitOr => binary(prec::BITWISE, B::BitOr),
            TokenKind::ShiftLeft => binary(prec::BITWISE, B::ShiftLeft),
            TokenKind::ShiftRight => binary(prec::BITWISE, B::ShiftRight),
            TokenKind::Plus => binary(prec::ADDITIVE, B::Add),
            TokenKind::Minus => binary(prec::ADDITIVE, B::Sub),
            TokenKind::Star => binary(prec::MULTIPLICATIVE, B::Mul),
            TokenKind::Slash => binary(prec::MULTIPLICATIVE, B::Div),
            TokenKind::Percent => binary(prec::MULTIPLICATIVE, B::Rem),
            TokenKind::Concat => binary(prec::CONCAT, B::Concat),
            TokenKind::Arrow => binary(prec::CONCAT, B::Extract),
            TokenKind::Arrow2 => binary(prec::CONCAT, B::ExtractValue),
            _ => None,
        }
    }

    /// Applies the operator at the next token to `lhs`. Each operator
    /// has its own function so that this one, on every recursive path,
    /// keeps a small stack frame.
    #[inline(never)]
    fn apply_infix(&mut self, lhs: Expr<'a, A>, op: Infix, level: u8) -> Result<Expr<'a, A>> {
        self.advance();
        match op {
            Infix::Binary(op) => self.binary_rhs(lhs, op, level),
            Infix::Collate => self.collate(lhs),
            Infix::Is => self.is(lhs, level),
            Infix::IsNull(negated) => self.is_null(lhs, negated),
            Infix::Not => self.not_infix(lhs, level),
            Infix::In => self.in_rhs(lhs, false),
            Infix::Like(op) => self.like(lhs, op, false, level),
            Infix::Between => self.between(lhs, false, level),
        }
    }

    /// `lhs op rhs` after `op`.
    #[inline(never)]
    fn binary_rhs(&mut self, lhs: Expr<'a, A>, op: BinaryOp, level: u8) -> Result<Expr<'a, A>> {
        let rhs = self.expr_at(level + 1)?;
        self.binary(op, lhs, rhs)
    }

    /// `lhs COLLATE name` after `COLLATE`.
    #[inline(never)]
    fn collate(&mut self, lhs: Expr<'a, A>) -> Result<Expr<'a, A>> {
        let name = self.name()?;
        Ok(Expr::Collate(self.boxed(lhs)?, name))
    }

    /// `lhs IS [NOT] [DISTINCT FROM] rhs` after `IS`.
    #[inline(never)]
    fn is(&mut self, lhs: Expr<'a, A>, level: u8) -> Result<Expr<'a, A>> {
        let not = self.eat(Keyword::Not);
        let distinct = self.eat(Keyword::Distinct);
        if distinct {
            self.require(Keyword::From)?;
        }
        // `IS DISTINCT FROM` is `IS NOT`.
        let op = if not != distinct {
            BinaryOp::IsNot
        } else {
            BinaryOp::Is
        };
        self.binary_rhs(lhs, op, level)
    }

    /// `lhs ISNULL` or `lhs NOTNULL`.
    #[inline(never)]
    fn is_null(&mut self, lhs: Expr<'a, A>, negated: bool) -> Result<Expr<'a, A>> {
        Ok(Expr::IsNull {
            expr: self.boxed(lhs)?,
            negated,
        })
    }

    /// After an infix `NOT`: `NULL`, `IN`, `LIKE` (and kin) or `BETWEEN`.
    #[inline(never)]
    fn not_infix(&mut self, lhs: Expr<'a, A>, level: u8) -> Result<Expr<'a, A>> {
        let like = |op| Some(Infix::Like(op));
        let op = match self.peek.keyword() {
            Some(Keyword::Null) => None,
            Some(Keyword::In) => Some(Infix::In),
            Some(Keyword::Like) => like(LikeOp::Like),
            Some(Keyword::Glob) => like(LikeOp::Glob),
            Some(Keyword::Match) => like(LikeOp::Match),
            Some(Keyword::Regexp) => like(LikeOp::Regexp),
            Some(Keyword::Between) => Some(Infix::Between),
            _ => return Err(self.syntax_error()),
        };
        self.advance();
        match op {
            Some(Infix::In) => self.in_rhs(lhs, true),
            Some(Infix::Like(op)) => self.like(lhs, op, true, level),
            Some(_) => self.between(lhs, true, level),
            None => self.is_null(lhs, true),
        }
    }

    /// The rest of `LIKE` (and kin), the operator consumed.
    #[inline(never)]
    fn like(
        &mut self,
        expr: Expr<'a, A>,
        op: LikeOp,
        negated: bool,
        level: u8,
    ) -> Result<Expr<'a, A>> {
        let pattern = self.expr_at(level + 1)?;
        let escape = if self.eat(Keyword::Escape) {
            Some(self.expr_at(level + 1)?)
        } else {
            None
        };
        let literal_pattern = match &pattern {
            Expr::Literal(Literal::String(s)) => s.as_str(),
            _ => None,
        };
        let like = Like {
            op,
            negated,
            expr,
            pattern,
            escape,
            literal_pattern,
        };
        Ok(Expr::Like(self.boxed(like)?))
    }

    /// The rest of `BETWEEN`, the operator consumed.
    #[inline(never)]
    fn between(&mut self, expr: Expr<'a, A>, negated: bool, level: u8) -> Result<Expr<'a, A>> {
        // The lower bound may hold anything but `AND` and `OR` at its top
        // (`x BETWEEN a = b AND c`), as SQLite's grammar shifts there.
        let low = self.expr_at(prec::EQUALITY)?;
        self.require(Keyword::And)?;
        let high = self.expr_at(level + 1)?;
        let between = Between {
            negated,
            expr,
            low,
            high,
        };
        Ok(Expr::Between(self.boxed(between)?))
    }

    /// The rest of `IN`, the operator consumed: `(list)` or `(select)`.
    #[inline(never)]
    fn in_rhs(&mut self, expr: Expr<'a, A>, negated: bool) -> Result<Expr<'a, A>> {
        if self.peek.kind != TokenKind::LeftParen {
            if is_name(&self.peek) {
                return self.in_table(expr, negated);
            }
            return Err(self.syntax_error());
        }
        self.advance();
        if self.starts_select() {
            return self.in_select(expr, negated);
        }
        let list = if self.peek.kind == TokenKind::RightParen {
            self.vec()
        } else {
            self.expr_list()?
        };
        self.expect_kind(TokenKind::RightParen)?;
        let node = InList {
            negated,
            expr,
            list,
        };
        Ok(Expr::InList(self.boxed(node)?))
    }

    /// `IN (select)` after the `(`.
    #[inline(never)]
    fn in_select(&mut self, expr: Expr<'a, A>, negated: bool) -> Result<Expr<'a, A>> {
        let select = self.select()?;
        self.expect_kind(TokenKind::RightParen)?;
        let node = InSelect {
            negated,
            expr,
            select,
        };
        Ok(Expr::InSelect(self.boxed(node)?))
    }

    /// `IN table`, the operator consumed: SQLite reads it as `IN (SELECT
    /// * FROM table)`, and so does this tree.
    fn in_table(&mut self, expr: Expr<'a, A>, negated: bool) -> Result<Expr<'a, A>> {
        let name = self.qualified_name()?;
        if self.peek.kind == TokenKind::LeftParen {
            return Err(self.unsupported("table-valued functions are not supported"));
        }
        let mut columns = self.vec();
        columns.try_push(ResultColumn::Star)?;
        let body = SelectBody {
            form: CoreForm::Select,
            windows: self.vec(),
            distinct: false,
            columns,
            from: Some(FromClause {
                first: TableRef::Table {
                    name,
                    alias: None,
                    indexed: None,
                },
                joins: self.vec(),
            }),
            where_clause: None,
            group_by: self.vec(),
            having: None,
        };
        let select = Select {
            with: self.vec(),
            core: self.boxed(body)?,
            compound: self.vec(),
            order_by: self.vec(),
            limit: None,
        };
        let node = InSelect {
            negated,
            expr,
            select,
        };
        Ok(Expr::InSelect(self.boxed(node)?))
    }

    /// `lhs op rhs`, boxed.
    pub(super) fn binary(
        &self,
        op: BinaryOp,
        lhs: Expr<'a, A>,
        rhs: Expr<'a, A>,
    ) -> Result<Expr<'a, A>> {
        Ok(Expr::Binary(self.boxed(Binary { op, lhs, rhs })?))
    }

    /// Whether a query starts at the next token.
    pub(super) fn starts_select(&self) -> bool {
        self.peek.is(Keyword::Select)
            || self.peek.is(Keyword::Values)
            || self.peek.is(Keyword::With)
    }

    /// An operand: a literal, name, call, parenthesised expression or
    /// prefix operator application. A dispatcher only, so that its stack
    /// frame, on every recursive path, stays small.
    fn prefix(&mut self) -> Result<Expr<'a, A>> {
        let token = self.peek;
        match token.kind {
            TokenKind::Minus => self.unary(UnaryOp::Neg),
            TokenKind::Plus => self.unary(UnaryOp::Plus),
            TokenKind::BitNot => self.unary(UnaryOp::BitNot),
            TokenKind::Keyword(Keyword::Not) => self.unary(UnaryOp::Not),
            TokenKind::Variable => self.variable(),
            TokenKind::LeftParen => self.parenthesised(),
            TokenKind::Keyword(Keyword::Case) => self.case(),
            TokenKind::Keyword(Keyword::Exists) => self.exists(),
            // Never names here, although both may name columns elsewhere:
            // SQLite's grammar can always take them as the keyword.
            TokenKind::Keyword(Keyword::Cast) => self.cast(),
            TokenKind::Keyword(Keyword::Raise) => self.raise(),
            // A string followed by `.` is a name, as SQLite's `nm` allows.
            TokenKind::String if self.peek2().kind == TokenKind::Dot => self.name_or_call(),
            _ => self.literal_or_name(),
        }
    }

    /// `op operand`, folding `-9223372036854775808` into the smallest
    /// integer.
    #[inline(never)]
    fn unary(&mut self, op: UnaryOp) -> Result<Expr<'a, A>> {
        self.advance();
        if op == UnaryOp::Neg {
            if let Some(tokens) = self.negated_min_magnitude() {
                for _ in 0..tokens {
                    self.advance();
                }
                return Ok(Expr::Literal(Literal::Integer(i64::MIN)));
            }
        }
        let level = if op == UnaryOp::Not {
            prec::NOT
        } else {
            prec::UNARY
        };
        let operand = self.expr_at(level)?;
        Ok(Expr::Unary(op, self.boxed(operand)?))
    }

    /// After a `-`: how many tokens make its operand when that operand is
    /// the literal 9223372036854775808, which the minus makes the smallest
    /// integer. SQLite folds it whenever its tree has the minus directly
    /// over the literal: parentheses make no node of their own and a
    /// unary `+` under a unary operator is absorbed into it, so `- +
    /// (9223372036854775808)` folds as `-9223372036854775808` does.
    fn negated_min_magnitude(&self) -> Option<usize> {
        let mut ahead = self.lexer.clone();
        let mut token = self.peek;
        let mut tokens = 1;
        let mut open = 0;
        loop {
            match token.kind {
                TokenKind::Plus => {}
                TokenKind::LeftParen => open += 1,
                TokenKind::Integer if is_min_magnitude(token.text) => break,
                _ => return None,
            }
            token = ahead.next_token().ok()?;
            tokens += 1;
        }
        for _ in 0..open {
            if ahead.next_token().ok()?.kind != TokenKind::RightParen {
                return None;
            }
            tokens += 1;
        }
        Some(tokens)
    }

    /// A parameter, numbered.
    #[inline(never)]
    fn variable(&mut self) -> Result<Expr<'a, A>> {
        let token = self.advance();
        Ok(Expr::Param(self.params.add(token)?))
    }

    /// A literal, or else a name or call.
    #[inline(never)]
    fn literal_or_name(&mut self) -> Result<Expr<'a, A>> {
        if let Some(literal) = self.literal()? {
            return Ok(Expr::Literal(literal));
        }
        if is_name(&self.peek) {
            return self.name_or_call();
        }
        Err(self.syntax_error())
    }

    /// `EXISTS (select)`
    #[inline(never)]
    fn exists(&mut self) -> Result<Expr<'a, A>> {
        self.advance();
        self.expect_kind(TokenKind::LeftParen)?;
        let select = self.select()?;
        self.expect_kind(TokenKind::RightParen)?;
        Ok(Expr::Exists(self.boxed(select)?))
    }

    /// `(select)`, `(a, b, ...)` or `(expr)`.
    #[inline(never)]
    fn parenthesised(&mut self) -> Result<Expr<'a, A>> {
        self.advance();
        if self.starts_select() {
            return self.subquery();
        }
        let first = self.expr()?;
        if self.peek.kind == TokenKind::Comma {
            return self.row(first);
        }
        self.expect_kind(TokenKind::RightParen)?;
        Ok(first)
    }

    /// `(select)` after the `(`.
    #[inline(never)]
    fn subquery(&mut self) -> Result<Expr<'a, A>> {
        let select = self.select()?;
        self.expect_kind(TokenKind::RightParen)?;
        Ok(Expr::Subquery(self.boxed(select)?))
    }

    /// The rest of a row value `(first, ...)`.
    #[inline(never)]
    fn row(&mut self, first: Expr<'a, A>) -> Result<Expr<'a, A>> {
        let mut items = self.vec();
        items.try_push(first)?;
        while self.eat_kind(TokenKind::Comma) {
            let item = self.expr()?;
            items.try_push(item)?;
        }
        self.expect_kind(TokenKind::RightParen)?;
        Ok(Expr::Row(items))
    }

    /// A column reference, a function call, or `TRUE`/`FALSE`.
    #[inline(never)]
    fn name_or_call(&mut self) -> Result<Expr<'a, A>> {
        let first = self.advance();
        let name = Quoted::new(first.text);
        if self.peek.kind == TokenKind::LeftParen && first.kind != TokenKind::String {
            self.advance();
            return self.call(name);
        }
        if !self.eat_kind(TokenKind::Dot) {
            if first.kind == TokenKind::Id {
                if first.text.eq_ignore_ascii_case("true") {
                    return Ok(Expr::Literal(Literal::Bool(true)));
                }
                if first.text.eq_ignore_ascii_case("false") {
                    return Ok(Expr::Literal(Literal::Bool(false)));
                }
            }
            return Ok(Expr::Column(ColumnRef {
                schema: None,
                table: None,
                column: name,
                binding: ColumnBinding::default(),
            }));
        }
        let second = self.name()?;
        if !self.eat_kind(TokenKind::Dot) {
            return Ok(Expr::Column(ColumnRef {
                schema: None,
                table: Some(name),
                column: second,
                binding: ColumnBinding::default(),
            }));
        }
        let third = self.name()?;
        Ok(Expr::Column(ColumnRef {
            schema: Some(name),
            table: Some(second),
            column: third,
            binding: ColumnBinding::default(),
        }))
    }

    /// The arguments of a call to `name`, after `(`.
    #[inline(never)]
    fn call(&mut self, name: Quoted<'a>) -> Result<Expr<'a, A>> {
        self.enter(cost::CALL)?;
        let mut distinct = false;
        let args = if self.eat_kind(TokenKind::Star) {
            FunctionArgs::Star
        } else if self.peek.kind == TokenKind::RightParen {
            FunctionArgs::List(self.vec())
        } else {
            distinct = self.eat(Keyword::Distinct);
            if !distinct {
                self.eat(Keyword::All);
            }
            FunctionArgs::List(self.expr_list()?)
        };
        if self.peek.is(Keyword::Order) {
            return Err(self.unsupported("ORDER BY in function arguments is not supported"));
        }
        self.expect_kind(TokenKind::RightParen)?;
        let filter = self.optional_filter()?;
        let over = self.optional_over()?;
        self.leave(cost::CALL);
        let call = FunctionCall {
            name,
            distinct,
            args,
            filter,
            over,
        };
        Ok(Expr::Function(self.boxed(call)?))
    }

    /// `CAST(expr AS [type])`
    #[inline(never)]
    fn cast(&mut self) -> Result<Expr<'a, A>> {
        self.advance();
        self.expect_kind(TokenKind::LeftParen)?;
        let expr = self.expr()?;
        self.require(Keyword::As)?;
        let type_name = self.type_name()?;
        self.expect_kind(TokenKind::RightParen)?;
        Ok(Expr::Cast(self.boxed(Cast { expr, type_name })?))
    }

    /// `CASE [operand] WHEN .. THEN .. [ELSE ..] END`
    #[inline(never)]
    fn case(&mut self) -> Result<Expr<'a, A>> {
        self.enter(cost::CASE)?;
        self.advance();
        let operand = if self.peek.is(Keyword::When) {
            None
        } else {
            Some(self.expr()?)
        };
        let arms = self.case_arms()?;
        let otherwise = self.optional_expr(Keyword::Else)?;
        self.require(Keyword::End)?;
        self.leave(cost::CASE);
        let case = Case {
            operand,
            arms,
            otherwise,
        };
        Ok(Expr::Case(self.boxed(case)?))
    }

    /// `WHEN .. THEN ..`, one or more.
    #[inline(never)]
    fn case_arms(&mut self) -> Result<Vec<WhenThen<'a, A>, A>> {
        let mut arms = self.vec();
        while self.eat(Keyword::When) {
            let arm = self.case_arm()?;
            arms.try_push(arm)?;
        }
        if arms.is_empty() {
            return Err(self.syntax_error());
        }
        Ok(arms)
    }

    /// `condition THEN result` after `WHEN`.
    #[inline(never)]
    fn case_arm(&mut self) -> Result<WhenThen<'a, A>> {
        let when = self.expr()?;
        self.require(Keyword::Then)?;
        let then = self.expr()?;
        Ok(WhenThen { when, then })
    }

    /// `RAISE(IGNORE)` or `RAISE(ROLLBACK|ABORT|FAIL, message)`
    #[inline(never)]
    fn raise(&mut self) -> Result<Expr<'a, A>> {
        self.advance();
        self.expect_kind(TokenKind::LeftParen)?;
        let raise = if self.eat(Keyword::Ignore) {
            Raise::Ignore
        } else {
            let kind = self.peek;
            let make: fn(Quoted<'a>) -> Raise<'a> = match kind.keyword() {
                Some(Keyword::Rollback) => Raise::Rollback,
                Some(Keyword::Abort) => Raise::Abort,
                Some(Keyword::Fail) => Raise::Fail,
                _ => return Err(self.syntax_error()),
            };
            self.advance();
            self.expect_kind(TokenKind::Comma)?;
            let message = self.peek;
            if message.kind != TokenKind::String {
                return Err(self.error_at(message, SqlErrorKind::Syntax, "syntax error"));
            }
            self.advance();
            make(Quoted::new(message.text))
        };
        self.expect_kind(TokenKind::RightParen)?;
        Ok(Expr::Raise(raise))
    }
}
