//! Data changes: `INSERT` (and `REPLACE`), `UPDATE`, `DELETE`; a
//! `WITH` clause before one is read by the statement parser, which sets
//! the change's `with`.
//!
//! An `INSERT` may end in upsert clauses (`ON CONFLICT ... DO ...`);
//! each statement may end in `RETURNING`. `ORDER BY` and `LIMIT` on `UPDATE` and
//! `DELETE` (an SQLite compile-time option) are syntax errors.

use super::{Parser, Result, cost};
use crate::alloc::Allocator;
use crate::alloc::Vec;
use crate::sql::ast::{
    Assignment, Conflict, CoreForm, Delete, FromClause, Insert, InsertSource, Join, JoinKind,
    JoinOp, ResultColumn, SelectBody, TableRef, Update, Upsert, UpsertAction, UpsertTarget,
};
use crate::sql::keyword::Keyword;
use crate::sql::token::TokenKind;

impl<'a, A: Allocator + Clone> Parser<'a, A> {
    /// `INSERT [OR conflict] INTO ...` or `REPLACE INTO ...`
    pub(super) fn insert(&mut self) -> Result<Insert<'a, A>> {
        let replace_keyword = self.eat(Keyword::Replace);
        let conflict = if replace_keyword {
            Some(Conflict::Replace)
        } else {
            self.require(Keyword::Insert)?;
            self.or_conflict()?
        };
        self.require(Keyword::Into)?;
        let table = self.qualified_name()?;
        let alias = if self.eat(Keyword::As) {
            Some(self.name()?)
        } else {
            None
        };
        let columns = if self.peek.kind == TokenKind::LeftParen {
            self.name_list()?
        } else {
            self.vec()
        };
        let source = if self.eat(Keyword::Default) {
            self.require(Keyword::Values)?;
            InsertSource::DefaultValues
        } else if self.eat(Keyword::Values) {
            let rows = self.values_rows()?;
            if self.continues_select() {
                // `VALUES (..) UNION ...`: the rows are a query's first core.
                self.enter(cost::QUERY)?;
                let core = self.values_core(rows)?;
                let select = self.select_rest(core, CoreForm::Values)?;
                InsertSource::Select(self.boxed(select)?)
            } else {
                InsertSource::Values(rows)
            }
        } else if self.starts_select() {
            let select = self.select()?;
            InsertSource::Select(self.boxed(select)?)
        } else {
            return Err(self.syntax_error());
        };
        let mut upsert = self.vec();
        // SQLite's grammar has no upsert after `DEFAULT VALUES`.
        let rows = !matches!(source, InsertSource::DefaultValues);
        if self.peek.is(Keyword::On) && ends_in_from(&source) {
            // SQLite reads the `ON` as the join constraint of the query's
            // last table (hence its advice to end such a query in `WHERE
            // true`), and fails after its expression.
            self.advance();
            self.expr()?;
            return Err(self.syntax_error());
        }
        while rows && self.peek.is(Keyword::On) {
            if upsert
                .last()
                .is_some_and(|u: &Upsert<'a, A>| u.target.is_none())
            {
                // Only the last clause may leave its target out.
                return Err(self.syntax_error());
            }
            let clause = self.upsert()?;
            upsert.try_push(clause)?;
        }
        let returning = self.returning()?;
        Ok(Insert {
            with: self.vec(),
            conflict,
            replace_keyword,
            table,
            alias,
            columns,
            source,
            upsert,
            returning,
        })
    }

    /// `ON CONFLICT [(target) [WHERE ...]] DO NOTHING | DO UPDATE SET ...
    /// [WHERE ...]`
    fn upsert(&mut self) -> Result<Upsert<'a, A>> {
        self.require(Keyword::On)?;
        self.require(Keyword::Conflict)?;
        let target = if self.eat_kind(TokenKind::LeftParen) {
            let columns = self.indexed_columns()?;
            self.expect_kind(TokenKind::RightParen)?;
            let where_clause = self.optional_expr(Keyword::Where)?;
            Some(UpsertTarget {
                columns,
                where_clause,
            })
        } else {
            None
        };
        self.require(Keyword::Do)?;
        let action = if self.eat(Keyword::Nothing) {
            UpsertAction::Nothing
        } else {
            self.require(Keyword::Update)?;
            self.require(Keyword::Set)?;
            let assignments = self.assignments()?;
            let where_clause = self.optional_expr(Keyword::Where)?;
            UpsertAction::Update {
                assignments,
                where_clause,
            }
        };
        Ok(Upsert { target, action })
    }

    /// `column = expr, ...` (or `(columns) = expr`), as `SET` lists them.
    fn assignments(&mut self) -> Result<Vec<Assignment<'a, A>, A>> {
        self.comma_separated(|p| {
            let columns = if p.peek.kind == TokenKind::LeftParen {
                p.name_list()?
            } else {
                let mut one = p.vec();
                let name = p.name()?;
                one.try_push(name)?;
                one
            };
            p.expect_kind(TokenKind::Eq)?;
            let value = p.expr()?;
            Ok(Assignment { columns, value })
        })
    }

    /// `UPDATE [OR conflict] table SET ... [FROM ...] [WHERE ...]`
    pub(super) fn update(&mut self) -> Result<Update<'a, A>> {
        self.require(Keyword::Update)?;
        let conflict = self.or_conflict()?;
        let table = self.qualified_name()?;
        let alias = if self.eat(Keyword::As) {
            Some(self.name()?)
        } else {
            None
        };
        let indexed = self.indexed()?;
        self.require(Keyword::Set)?;
        let assignments = self.assignments()?;
        let from = self.optional_from()?;
        let mut where_clause = self.where_clause()?;
        let from = match from {
            Some(from) => {
                let target = TableRef::Table {
                    name: table,
                    alias,
                    indexed,
                };
                let joined = self.joined_to(target, from)?;
                let body = SelectBody {
                    form: CoreForm::Select,
                    distinct: false,
                    columns: self.vec(),
                    from: Some(joined),
                    where_clause: where_clause.take(),
                    group_by: self.vec(),
                    having: None,
                    windows: self.vec(),
                };
                Some(self.boxed(body)?)
            }
            None => None,
        };
        let returning = self.returning()?;
        Ok(Update {
            with: self.vec(),
            conflict,
            table,
            alias,
            indexed,
            assignments,
            from,
            where_clause,
            returning,
        })
    }

    /// `first, tables`: the tables of `from` joined to `first` by a
    /// comma, as `UPDATE ... FROM` joins its table to them.
    fn joined_to(
        &mut self,
        first: TableRef<'a, A>,
        from: FromClause<'a, A>,
    ) -> Result<FromClause<'a, A>> {
        let mut joins = self.vec();
        joins.try_reserve(from.joins.len() + 1)?;
        joins.try_push(Join {
            op: JoinOp {
                natural: false,
                kind: JoinKind::Comma,
            },
            table: from.first,
            constraint: None,
            group: 0,
        })?;
        for join in from.joins {
            joins.try_push(join)?;
        }
        Ok(FromClause { first, joins })
    }

    /// `DELETE FROM table [WHERE ...]`
    pub(super) fn delete(&mut self) -> Result<Delete<'a, A>> {
        self.require(Keyword::Delete)?;
        self.require(Keyword::From)?;
        let table = self.qualified_name()?;
        let alias = if self.eat(Keyword::As) {
            Some(self.name()?)
        } else {
            None
        };
        let indexed = self.indexed()?;
        let where_clause = self.where_clause()?;
        let returning = self.returning()?;
        Ok(Delete {
            with: self.vec(),
            table,
            alias,
            indexed,
            where_clause,
            returning,
        })
    }

    /// `OR conflict`, if next.
    fn or_conflict(&mut self) -> Result<Option<Conflict>> {
        if !self.eat(Keyword::Or) {
            return Ok(None);
        }
        self.conflict().map(Some)
    }

    /// One of `ROLLBACK`, `ABORT`, `FAIL`, `IGNORE`, `REPLACE`.
    pub(super) fn conflict(&mut self) -> Result<Conflict> {
        let conflict = match self.peek.keyword() {
            Some(Keyword::Rollback) => Conflict::Rollback,
            Some(Keyword::Abort) => Conflict::Abort,
            Some(Keyword::Fail) => Conflict::Fail,
            Some(Keyword::Ignore) => Conflict::Ignore,
            Some(Keyword::Replace) => Conflict::Replace,
            _ => return Err(self.syntax_error()),
        };
        self.advance();
        Ok(conflict)
    }

    /// Whether a compound operator, `ORDER BY` or `LIMIT` is next.
    fn continues_select(&self) -> bool {
        matches!(
            self.peek.keyword(),
            Some(
                Keyword::Union
                    | Keyword::Intersect
                    | Keyword::Except
                    | Keyword::Order
                    | Keyword::Limit
            )
        )
    }

    /// `RETURNING columns`, if next; empty when not.
    fn returning(&mut self) -> Result<Vec<ResultColumn<'a, A>, A>> {
        if !self.eat(Keyword::Returning) {
            return Ok(self.vec());
        }
        self.comma_separated(|p| p.result_column())
    }
}

/// Whether `source` is a query whose text ends with its `FROM` clause,
/// where SQLite's grammar takes a following `ON` for a join constraint.
fn ends_in_from<A: Allocator>(source: &InsertSource<'_, A>) -> bool {
    let InsertSource::Select(select) = source else {
        return false;
    };
    let body = select
        .compound
        .last()
        .map_or(&select.core, |(_, core)| core);
    body.from.is_some()
        && body.where_clause.is_none()
        && body.group_by.is_empty()
        && body.having.is_none()
        && select.order_by.is_empty()
        && select.limit.is_none()
}
