//! Queries: `SELECT` and `VALUES` cores, compound operators, `FROM` with
//! joins, `ORDER BY` and `LIMIT`.
//!
//! `VALUES` is read as SQLite reads a list of constant rows: each row a
//! core with no `FROM` ([`CoreForm::Values`]); a list of several rows
//! one core, `SELECT * FROM (row UNION ALL row ...)`; and no `ORDER BY`
//! or `LIMIT` follows a `VALUES` (SQLite's grammar gives them to a
//! `SELECT`).
//!
//! Refused with a clear error rather than misread: window definitions,
//! table-valued functions but `json_each` and `json_tree`, and parenthesised joins in `FROM` but at its
//! start (where they are the same join without them, as SQLite reads
//! them) or around one table's bare name, and with an alias.

use super::names::is_name;
use super::{Parser, Result, cost};
use crate::alloc::{Allocator, Box, Vec};
use crate::record::SortOrder;
use crate::sql::ast::{
    Binary, BinaryOp, CompoundOp, CoreForm, Cte, Expr, FromClause, Ident, Indexed, Join,
    JoinConstraint, JoinKind, JoinOp, JsonTable, Limit, NullsOrder, OrderingTerm, QualifiedName,
    Quoted, ResultColumn, Select, SelectBody, TableRef,
};
use crate::sql::error::SqlErrorKind;
use crate::sql::keyword::Keyword;
use crate::sql::token::{Token, TokenKind};

/// The most fields a row comparison in `WHERE` is split into (see
/// `Parser::where_clause`): three levels of `AND` at most, so that the
/// split adds little to the tree's depth.
const SPLIT_ROW_MAX: usize = 8;

impl<'a, A: Allocator + Clone> Parser<'a, A> {
    /// A whole query.
    pub(super) fn select(&mut self) -> Result<Select<'a, A>> {
        let with = self.with_clause()?;
        self.select_after(with)
    }

    /// A whole query whose `WITH` clause, `with`, was read.
    pub(super) fn select_after(&mut self, with: Vec<Cte<'a, A>, A>) -> Result<Select<'a, A>> {
        self.enter(cost::QUERY)?;
        let written = self.core_form();
        let core = self.select_core()?;
        let mut select = self.select_rest(core, written)?;
        select.with = with;
        Ok(select)
    }

    /// `WITH [RECURSIVE] name [(columns)] AS (select), ...`, if next.
    /// `RECURSIVE` changes nothing: as in SQLite, a table whose query
    /// names itself is recursive with or without it. What follows is the
    /// caller's: a query, or at the start of a statement an `INSERT`,
    /// `UPDATE` or `DELETE`.
    pub(super) fn with_clause(&mut self) -> Result<Vec<Cte<'a, A>, A>> {
        let mut ctes = self.vec();
        if !self.eat(Keyword::With) {
            return Ok(ctes);
        }
        // The tables' queries nest in the clause as in a query.
        self.enter(cost::QUERY)?;
        self.eat(Keyword::Recursive);
        loop {
            let name = self.name()?;
            let columns = if self.peek.kind == TokenKind::LeftParen {
                self.name_list()?
            } else {
                self.vec()
            };
            self.require(Keyword::As)?;
            if self.eat(Keyword::Not) {
                self.require(Keyword::Materialized)?;
            } else {
                self.eat(Keyword::Materialized);
            }
            self.expect_kind(TokenKind::LeftParen)?;
            let select = self.select()?;
            self.expect_kind(TokenKind::RightParen)?;
            let select = self.boxed(select)?;
            ctes.try_push(Cte {
                name,
                columns,
                select,
            })?;
            if !self.eat_kind(TokenKind::Comma) {
                break;
            }
        }
        self.leave(cost::QUERY);
        Ok(ctes)
    }

    /// The compound operators, `ORDER BY` and `LIMIT` after a query's
    /// first core, written as `written`; leaves the level
    /// [`Self::select`] entered.
    pub(super) fn select_rest(
        &mut self,
        first: Box<SelectBody<'a, A>, A>,
        mut written: CoreForm,
    ) -> Result<Select<'a, A>> {
        let mut compound = self.vec();
        loop {
            let op = if self.eat(Keyword::Union) {
                if self.eat(Keyword::All) {
                    CompoundOp::UnionAll
                } else {
                    CompoundOp::Union
                }
            } else if self.eat(Keyword::Intersect) {
                CompoundOp::Intersect
            } else if self.eat(Keyword::Except) {
                CompoundOp::Except
            } else {
                break;
            };
            written = self.core_form();
            let member = self.select_core()?;
            compound.try_push((op, member))?;
        }
        if written == CoreForm::Values
            && (self.peek.is(Keyword::Order) || self.peek.is(Keyword::Limit))
        {
            return Err(self.syntax_error());
        }
        let order_by = self.order_by()?;
        let limit = self.limit()?;
        if let Some(op) = self.compound_op_next() {
            let clause = if order_by.is_empty() {
                Misplaced::Limit
            } else {
                Misplaced::OrderBy
            };
            return Err(self.unsupported(clause.message(op)));
        }
        self.leave(cost::QUERY);
        Ok(Select {
            with: self.vec(),
            core: first,
            compound,
            order_by,
            limit,
        })
    }

    /// How the core next is written, as far as `ORDER BY` may follow it:
    /// after `VALUES` it may not.
    fn core_form(&self) -> CoreForm {
        match self.peek.is(Keyword::Values) {
            true => CoreForm::Values,
            false => CoreForm::Select,
        }
    }

    /// The rows of a `VALUES` list as one core: a row's own, or for
    /// several rows `SELECT * FROM (row UNION ALL row ...)`, as SQLite
    /// reads a list of constant rows (its co-routine: the list is a table
    /// whose columns compare with BINARY unless the first row's say
    /// otherwise).
    pub(super) fn values_core(
        &mut self,
        rows: Vec<Vec<Expr<'a, A>, A>, A>,
    ) -> Result<Box<SelectBody<'a, A>, A>> {
        let mut first = None;
        let mut compound = self.vec();
        compound.try_reserve(rows.len().saturating_sub(1))?;
        for row in rows {
            let mut columns = self.vec();
            columns.try_reserve(row.len())?;
            for expr in row {
                // A `VALUES` column is named by its number, never by its
                // text.
                columns.try_push(ResultColumn::Expr {
                    expr,
                    alias: None,
                    text: "",
                })?;
            }
            let body = self.boxed(SelectBody {
                form: CoreForm::Values,
                windows: self.vec(),
                distinct: false,
                columns,
                from: None,
                where_clause: None,
                group_by: self.vec(),
                having: None,
            })?;
            match first {
                None => first = Some(body),
                Some(_) => compound.try_push((CompoundOp::UnionAll, body))?,
            }
        }
        let Some(first) = first else {
            return Err(self.syntax_error());
        };
        if compound.is_empty() {
            return Ok(first);
        }
        let select = Select {
            with: self.vec(),
            core: first,
            compound,
            order_by: self.vec(),
            limit: None,
        };
        let mut columns = self.vec();
        columns.try_push(ResultColumn::Star)?;
        let body = SelectBody {
            form: CoreForm::ValuesList,
            windows: self.vec(),
            distinct: false,
            columns,
            from: Some(FromClause {
                first: TableRef::Subquery {
                    select: self.boxed(select)?,
                    alias: None,
                },
                joins: self.vec(),
            }),
            where_clause: None,
            group_by: self.vec(),
            having: None,
        };
        self.boxed(body)
    }

    /// The compound operator next, if any, not consumed.
    fn compound_op_next(&mut self) -> Option<CompoundOp> {
        match self.peek.keyword()? {
            Keyword::Union if self.peek2().is(Keyword::All) => Some(CompoundOp::UnionAll),
            Keyword::Union => Some(CompoundOp::Union),
            Keyword::Intersect => Some(CompoundOp::Intersect),
            Keyword::Except => Some(CompoundOp::Except),
            _ => None,
        }
    }

    /// `SELECT ...` or `VALUES ...`
    fn select_core(&mut self) -> Result<Box<SelectBody<'a, A>, A>> {
        if self.eat(Keyword::Values) {
            let rows = self.values_rows()?;
            return self.values_core(rows);
        }
        let body = self.select_body()?;
        self.boxed(body)
    }

    /// `SELECT [DISTINCT] columns [FROM] [WHERE] [GROUP BY] [HAVING]
    /// [WINDOW]`
    fn select_body(&mut self) -> Result<SelectBody<'a, A>> {
        self.require(Keyword::Select)?;
        let distinct = self.eat(Keyword::Distinct);
        if !distinct {
            self.eat(Keyword::All);
        }
        let columns = self.comma_separated(|p| p.result_column())?;
        let from = self.optional_from()?;
        let where_clause = self.where_clause()?;
        let group_by = self.group_by()?;
        let having = self.optional_expr(Keyword::Having)?;
        let windows = self.window_clause()?;
        Ok(SelectBody {
            form: CoreForm::Select,
            distinct,
            columns,
            from,
            where_clause,
            group_by,
            having,
            windows,
        })
    }

    /// `FROM tables`, if next.
    pub(super) fn optional_from(&mut self) -> Result<Option<FromClause<'a, A>>> {
        if self.eat(Keyword::From) {
            Ok(Some(self.tables()?))
        } else {
            Ok(None)
        }
    }

    /// `GROUP BY exprs`, or none.
    fn group_by(&mut self) -> Result<Vec<Expr<'a, A>, A>> {
        if !self.eat(Keyword::Group) {
            return Ok(self.vec());
        }
        self.require(Keyword::By)?;
        self.expr_list()
    }

    /// `keyword expr`, if `keyword` is next.
    /// `WHERE expr`, if next, each `AND` term `(a, b, ...) = (x, y, ...)`
    /// of at most [`SPLIT_ROW_MAX`] fields read as `a = x AND b = y ...`,
    /// as SQLite's `WHERE` analysis splits it, so that each field may
    /// bound a seek. The value is the row comparison's: `=` on rows is
    /// the `AND` of its fields' comparisons, each with the pair's own
    /// affinity and collation. Fields that are row values or subqueries
    /// are left to the row comparison's checks.
    pub(super) fn where_clause(&mut self) -> Result<Option<Expr<'a, A>>> {
        match self.optional_expr(Keyword::Where)? {
            Some(expr) => self.split_rows(expr).map(Some),
            None => Ok(None),
        }
    }

    /// [`Self::where_clause`]'s split of the `AND` terms of `expr`.
    fn split_rows(&self, expr: Expr<'a, A>) -> Result<Expr<'a, A>> {
        let Expr::Binary(b) = expr else {
            return Ok(expr);
        };
        let scalar = |e: &Expr<'a, A>| !matches!(e, Expr::Row(_) | Expr::Subquery(_));
        let split = match (b.op, &b.lhs, &b.rhs) {
            (BinaryOp::And, _, _) => true,
            (BinaryOp::Eq, Expr::Row(l), Expr::Row(r)) => {
                l.len() == r.len()
                    && l.len() <= SPLIT_ROW_MAX
                    && l.iter().chain(r.iter()).all(scalar)
            }
            _ => false,
        };
        if !split {
            return Ok(Expr::Binary(b));
        }
        let Binary { op, lhs, rhs } = Box::into_inner(b);
        let (l, r) = match (op, lhs, rhs) {
            (BinaryOp::And, lhs, rhs) => {
                let (lhs, rhs) = (self.split_rows(lhs)?, self.split_rows(rhs)?);
                return self.binary(op, lhs, rhs);
            }
            (_, Expr::Row(l), Expr::Row(r)) => (l, r),
            (_, lhs, rhs) => return self.binary(op, lhs, rhs),
        };
        let mut terms: Vec<Expr<'a, A>, A> =
            Vec::try_with_capacity_in(l.len(), self.alloc.clone())?;
        for (x, y) in l.into_iter().zip(r) {
            terms.try_push(self.binary(BinaryOp::Eq, x, y)?)?;
        }
        // Paired off level by level: at most three levels of `AND`.
        while terms.len() > 1 {
            let mut paired: Vec<Expr<'a, A>, A> =
                Vec::try_with_capacity_in(terms.len().div_ceil(2), self.alloc.clone())?;
            let mut items = terms.into_iter();
            while let Some(first) = items.next() {
                match items.next() {
                    Some(second) => {
                        paired.try_push(self.binary(BinaryOp::And, first, second)?)?
                    }
                    None => paired.try_push(first)?,
                }
            }
            terms = paired;
        }
        // A row value has two fields or more, so one term is left.
        terms.pop().ok_or_else(|| self.syntax_error())
    }

    pub(super) fn optional_expr(&mut self, keyword: Keyword) -> Result<Option<Expr<'a, A>>> {
        if self.eat(keyword) {
            Ok(Some(self.expr()?))
        } else {
            Ok(None)
        }
    }

    /// `(a, b), (c, d)` after `VALUES`: rows of equal length.
    pub(super) fn values_rows(&mut self) -> Result<Vec<Vec<Expr<'a, A>, A>, A>> {
        let mut rows: Vec<Vec<Expr<'a, A>, A>, A> = self.vec();
        loop {
            let open = self.expect_kind(TokenKind::LeftParen)?;
            let row = self.expr_list()?;
            self.expect_kind(TokenKind::RightParen)?;
            if rows.first().is_some_and(|first| first.len() != row.len()) {
                return Err(self.error_at(
                    open,
                    SqlErrorKind::Unsupported,
                    "all VALUES must have the same number of terms",
                ));
            }
            rows.try_push(row)?;
            if !self.eat_kind(TokenKind::Comma) {
                return Ok(rows);
            }
        }
    }

    /// One result column: `*`, `table.*` or `expr [[AS] alias]`.
    pub(super) fn result_column(&mut self) -> Result<ResultColumn<'a, A>> {
        if self.eat_kind(TokenKind::Star) {
            return Ok(ResultColumn::Star);
        }
        if is_name(&self.peek) && self.peek2().kind == TokenKind::Dot {
            // `t.*` needs a third token of lookahead.
            let mut ahead = self.lexer.clone();
            let _dot = ahead.next_token();
            if ahead.next_token().is_ok_and(|t| t.kind == TokenKind::Star) {
                let table = Quoted::new(self.advance().text);
                self.advance();
                self.advance();
                return Ok(ResultColumn::TableStar(table));
            }
        }
        let start = self.peek.offset;
        let expr = self.expr()?;
        // SQLite's span runs to the next token, comments included, less
        // the spaces before it.
        let text = self
            .sql
            .get(start..self.peek.offset.max(self.prev_end))
            .unwrap_or("")
            .trim_end_matches(|c: char| c.is_ascii_whitespace());
        let alias = self.alias()?;
        Ok(ResultColumn::Expr { expr, alias, text })
    }

    /// The tables after `FROM`.
    ///
    /// Parentheses are read as SQLite flattens them: a lone table (or
    /// subquery) in parentheses is that table, under the alias after
    /// the parentheses (its own dropped); a parenthesised join at the
    /// start joins its tables to the next as they would join without the
    /// parentheses (joins associate to the left), and so does one right
    /// of an inner, cross or comma join, whose `ON` terms then filter
    /// the rows as the inner joins' own do. Refused by name: one with an
    /// alias, right of a `LEFT`, `RIGHT`, `FULL` or `NATURAL` join or
    /// before `USING` (whose rows would differ once flattened), and one
    /// holding `USING`, `NATURAL`, `RIGHT` or `FULL` right of a join.
    pub(super) fn tables(&mut self) -> Result<FromClause<'a, A>> {
        let start = self.peek;
        let FromClause { first, mut joins } = match self.group()? {
            Some((group, None)) => group,
            Some((group, alias)) => FromClause {
                first: self.lone(start, group, alias)?,
                joins: self.vec(),
            },
            None => FromClause {
                first: self.table_ref()?,
                joins: self.vec(),
            },
        };
        while let Some(op) = self.join_op()? {
            let start = self.peek;
            let (table, rest) = match self.group()? {
                None => (self.table_ref()?, None),
                Some((group, alias)) if group.joins.is_empty() || alias.is_some() => {
                    (self.lone(start, group, alias)?, None)
                }
                Some((FromClause { first, joins }, _)) => {
                    self.flattened(start, op, &joins)?;
                    (first, Some(joins))
                }
            };
            // Right of a `LEFT JOIN`, the parenthesised join's tables
            // match as a unit.
            let group = match &rest {
                Some(inner) if op.kind == JoinKind::Left => inner.len(),
                _ => 0,
            };
            let constraint = if self.eat(Keyword::On) {
                Some(JoinConstraint::On(self.expr()?))
            } else if self.eat(Keyword::Using) {
                if rest.is_some() {
                    return Err(self.error_at(
                        start,
                        SqlErrorKind::Unsupported,
                        "USING after a parenthesised join is not supported",
                    ));
                }
                Some(JoinConstraint::Using(self.name_list()?))
            } else {
                None
            };
            joins.try_push(Join {
                op,
                table,
                constraint,
                group,
            })?;
            for join in rest.into_iter().flatten() {
                joins.try_push(join)?;
            }
        }
        Ok(FromClause { first, joins })
    }

    /// The table of `group`, a lone table or subquery in parentheses
    /// written at `start`, under `alias`: SQLite drops the alias within.
    fn lone(
        &self,
        start: Token<'a>,
        group: FromClause<'a, A>,
        alias: Option<Ident<'a>>,
    ) -> Result<TableRef<'a, A>> {
        if !group.joins.is_empty() {
            return Err(self.error_at(
                start,
                SqlErrorKind::Unsupported,
                "a parenthesised join with an alias is not supported",
            ));
        }
        Ok(match group.first {
            TableRef::Table { name, indexed, .. } => TableRef::Table {
                name,
                alias,
                indexed,
            },
            TableRef::Subquery { select, .. } => TableRef::Subquery { select, alias },
            TableRef::Function {
                table, name, args, ..
            } => TableRef::Function {
                table,
                name,
                args,
                alias,
            },
        })
    }

    /// Refuses the parenthesised join `joins` (after its first table),
    /// written at `start` right of `op`, unless its rows are kept:
    /// flattened right of an inner, cross or comma join, all its joins
    /// inner, cross, comma or `LEFT` joins; or, right of a `LEFT JOIN`,
    /// kept as a group ([`Join::group`]) of inner, cross or comma joins
    /// only; none `NATURAL` nor with `USING`.
    fn flattened(&self, start: Token<'a>, op: JoinOp, joins: &[Join<'a, A>]) -> Result<()> {
        let inner = |op: JoinOp| {
            !op.natural && matches!(op.kind, JoinKind::Inner | JoinKind::Cross | JoinKind::Comma)
        };
        let left = !op.natural && op.kind == JoinKind::Left;
        let message = if !inner(op) && !left {
            "a parenthesised join right of a RIGHT, FULL or NATURAL JOIN is not supported"
        } else if left && joins.iter().any(|j| !inner(j.op) || j.group > 0) {
            "a parenthesised join holding an outer join right of a LEFT JOIN is not supported"
        } else if joins.iter().any(|j| {
            j.op.natural
                || matches!(j.op.kind, JoinKind::Right | JoinKind::Full)
                || matches!(j.constraint, Some(JoinConstraint::Using(_)))
        }) {
            "a parenthesised join with USING, NATURAL, RIGHT or FULL right of a join is not supported"
        } else {
            return Ok(());
        };
        Err(self.error_at(start, SqlErrorKind::Unsupported, message))
    }

    /// The tables of a parenthesised join (or of one table in
    /// parentheses) and the alias after it, if one is next: `(` not
    /// followed by a query.
    fn group(&mut self) -> Result<Option<(FromClause<'a, A>, Option<Ident<'a>>)>> {
        if self.peek.kind != TokenKind::LeftParen {
            return Ok(None);
        }
        let next = self.peek2();
        if [Keyword::Select, Keyword::Values, Keyword::With]
            .iter()
            .any(|k| next.is(*k))
        {
            return Ok(None);
        }
        self.advance();
        self.enter(cost::QUERY)?;
        let group = self.tables()?;
        self.leave(cost::QUERY);
        self.expect_kind(TokenKind::RightParen)?;
        let alias = self.alias()?;
        Ok(Some((group, alias)))
    }

    /// A join operator, if one is next.
    fn join_op(&mut self) -> Result<Option<JoinOp>> {
        if self.eat_kind(TokenKind::Comma) {
            return Ok(Some(JoinOp {
                natural: false,
                kind: JoinKind::Comma,
            }));
        }
        let natural = self.eat(Keyword::Natural);
        let kind = match self.peek.keyword() {
            Some(Keyword::Join) => JoinKind::Inner,
            Some(Keyword::Inner) => {
                self.advance();
                JoinKind::Inner
            }
            Some(Keyword::Cross) => {
                self.advance();
                JoinKind::Cross
            }
            Some(k @ (Keyword::Left | Keyword::Right | Keyword::Full)) => {
                self.advance();
                self.eat(Keyword::Outer);
                match k {
                    Keyword::Left => JoinKind::Left,
                    Keyword::Right => JoinKind::Right,
                    _ => JoinKind::Full,
                }
            }
            _ if natural => return Err(self.syntax_error()),
            _ => return Ok(None),
        };
        self.require(Keyword::Join)?;
        Ok(Some(JoinOp { natural, kind }))
    }

    /// One table in `FROM`: a name or a subquery, with alias and hint.
    fn table_ref(&mut self) -> Result<TableRef<'a, A>> {
        if self.peek.kind == TokenKind::LeftParen {
            return self.subquery_table();
        }
        let name = self.qualified_name()?;
        if self.peek.kind == TokenKind::LeftParen {
            return self.table_function(name);
        }
        let alias = self.alias()?;
        let indexed = self.indexed()?;
        Ok(TableRef::Table {
            name,
            alias,
            indexed,
        })
    }

    /// `json_each(args) [[AS] alias]` or `json_tree(...)` in `FROM`, the
    /// name read and `(` next; other table-valued functions are refused.
    fn table_function(&mut self, name: QualifiedName<'a>) -> Result<TableRef<'a, A>> {
        let table = if name.name.eq_ignore_ascii_case("json_each") {
            JsonTable::Each
        } else if name.name.eq_ignore_ascii_case("json_tree") {
            JsonTable::Tree
        } else {
            return Err(self.unsupported("table-valued functions are not supported"));
        };
        if name.schema.is_some() {
            return Err(
                self.unsupported("a schema-qualified table-valued function is not supported")
            );
        }
        self.advance();
        let args = if self.peek.kind == TokenKind::RightParen {
            self.vec()
        } else {
            self.expr_list()?
        };
        self.expect_kind(TokenKind::RightParen)?;
        let alias = self.alias()?;
        Ok(TableRef::Function {
            table,
            name: name.name,
            args,
            alias,
        })
    }

    /// `(select) [[AS] alias]` in `FROM`.
    fn subquery_table(&mut self) -> Result<TableRef<'a, A>> {
        self.advance();
        if !self.starts_select() {
            return Err(self.unsupported("parenthesised joins are not supported"));
        }
        let select = self.select()?;
        self.expect_kind(TokenKind::RightParen)?;
        let select = self.boxed(select)?;
        let alias = self.alias()?;
        Ok(TableRef::Subquery { select, alias })
    }

    /// `INDEXED BY name` or `NOT INDEXED`, if next.
    pub(super) fn indexed(&mut self) -> Result<Option<Indexed<'a>>> {
        if self.eat(Keyword::Indexed) {
            self.require(Keyword::By)?;
            return Ok(Some(Indexed::By(self.name()?)));
        }
        if self.peek.is(Keyword::Not) && self.peek2().is(Keyword::Indexed) {
            self.advance();
            self.advance();
            return Ok(Some(Indexed::Not));
        }
        Ok(None)
    }

    /// `ORDER BY terms`, or none.
    pub(super) fn order_by(&mut self) -> Result<Vec<OrderingTerm<'a, A>, A>> {
        if !self.eat(Keyword::Order) {
            return Ok(self.vec());
        }
        self.require(Keyword::By)?;
        self.comma_separated(|p| {
            let expr = p.expr()?;
            let order = p.sort_order();
            let nulls = if p.eat(Keyword::Nulls) {
                if p.eat(Keyword::First) {
                    Some(NullsOrder::First)
                } else {
                    p.require(Keyword::Last)?;
                    Some(NullsOrder::Last)
                }
            } else {
                None
            };
            Ok(OrderingTerm { expr, order, nulls })
        })
    }

    /// `ASC` or `DESC`, if next.
    pub(super) fn sort_order(&mut self) -> Option<SortOrder> {
        if self.eat(Keyword::Asc) {
            Some(SortOrder::Asc)
        } else if self.eat(Keyword::Desc) {
            Some(SortOrder::Desc)
        } else {
            None
        }
    }

    /// `LIMIT x [OFFSET y]` or `LIMIT y, x`, or none.
    fn limit(&mut self) -> Result<Option<Limit<'a, A>>> {
        if !self.eat(Keyword::Limit) {
            return Ok(None);
        }
        let first = self.expr()?;
        if self.eat(Keyword::Offset) {
            let offset = self.expr()?;
            return Ok(Some(Limit {
                limit: first,
                offset: Some(offset),
            }));
        }
        if self.eat_kind(TokenKind::Comma) {
            let limit = self.expr()?;
            return Ok(Some(Limit {
                limit,
                offset: Some(first),
            }));
        }
        Ok(Some(Limit {
            limit: first,
            offset: None,
        }))
    }
}

/// A clause only the last member of a compound query may have.
#[derive(Debug, Clone, Copy)]
enum Misplaced {
    OrderBy,
    Limit,
}

impl Misplaced {
    /// SQLite's error for this clause before `op`.
    fn message(self, op: CompoundOp) -> &'static str {
        match (self, op) {
            (Misplaced::OrderBy, CompoundOp::Union) => {
                "ORDER BY clause should come after UNION not before"
            }
            (Misplaced::OrderBy, CompoundOp::UnionAll) => {
                "ORDER BY clause should come after UNION ALL not before"
            }
            (Misplaced::OrderBy, CompoundOp::Intersect) => {
                "ORDER BY clause should come after INTERSECT not before"
            }
            (Misplaced::OrderBy, CompoundOp::Except) => {
                "ORDER BY clause should come after EXCEPT not before"
            }
            (Misplaced::Limit, CompoundOp::Union) => {
                "LIMIT clause should come after UNION not before"
            }
            (Misplaced::Limit, CompoundOp::UnionAll) => {
                "LIMIT clause should come after UNION ALL not before"
            }
            (Misplaced::Limit, CompoundOp::Intersect) => {
                "LIMIT clause should come after INTERSECT not before"
            }
            (Misplaced::Limit, CompoundOp::Except) => {
                "LIMIT clause should come after EXCEPT not before"
            }
        }
    }
}
