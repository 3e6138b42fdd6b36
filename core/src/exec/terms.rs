//! Which result column an `ORDER BY` or `GROUP BY` term names, as
//! SQLite resolves them (`resolveOrderGroupBy`): an integer constant `k`
//! (under signs and `COLLATE`) names the `k`-th result column, counted
//! after each `*` is expanded, and any other `k` is an error; in `ORDER
//! BY` a bare name that is a result column's alias names that column
//! before any table column; in `GROUP BY` an alias is used only when no
//! column of the table has the name. Any other term is an expression of
//! its own, in which (for `ORDER BY`) a name no column of the table has
//! may be a result column's alias ([`Aliased`]).
//!
//! Invariant: the range check runs before any row is read, so a query
//! over an empty table fails as SQLite's does; nothing here allocates.

use crate::record::{Collation, ValueRef, ValueType};
use crate::sql::eval::{
    EvalContext, Shape, SubqueryCollation, Value, evaluate, explicit_collation,
};
use crate::sql::{
    Affinity, ColumnPos, ColumnRef, Expr, Ident, Literal, OrderingTerm, ParamNo, ResultColumn,
    Select, SelectBody, UnaryOp,
};
use crate::table::TableInfo;
use crate::{ByClause, Error, Result};

use super::calls::has_aggregate;
use super::context::{RowContext, resolve};
use super::order::expr_collation;

use crate::alloc::{Allocator, Vec};

/// What output column `k` (from 0) of a query is, once each `*` is
/// expanded into the columns of the table it names.
pub(crate) enum Output<'b, 'a, A: Allocator> {
    /// A result expression.
    Expr(&'b Expr<'a, A>),
    /// Column `j` of the table a `*` expands.
    TableColumn(usize),
}

/// The number of output columns of `body` over `table`.
pub(crate) fn width<A: Allocator + Clone>(
    body: &SelectBody<'_, A>,
    table: Option<&TableInfo<A>>,
) -> usize {
    body.columns
        .iter()
        .map(|c| match c {
            ResultColumn::Expr { .. } => 1,
            ResultColumn::Star | ResultColumn::TableStar(_) => {
                table.map_or(0, TableInfo::column_count)
            }
        })
        .sum()
}

/// The output column `k` of `body` over `table`, if there is one.
pub(crate) fn output_at<'b, 'a, A: Allocator + Clone>(
    body: &'b SelectBody<'a, A>,
    table: Option<&TableInfo<A>>,
    mut k: usize,
) -> Option<Output<'b, 'a, A>> {
    for column in body.columns.iter() {
        match column {
            ResultColumn::Expr { expr, .. } => {
                if k == 0 {
                    return Some(Output::Expr(expr));
                }
                k -= 1;
            }
            ResultColumn::Star | ResultColumn::TableStar(_) => {
                let width = table?.column_count();
                if k < width {
                    return Some(Output::TableColumn(k));
                }
                k -= width;
            }
        }
    }
    None
}

/// The output position of the result column whose alias is `name`.
pub(crate) fn output_of_alias<A: Allocator + Clone>(
    body: &SelectBody<'_, A>,
    table: Option<&TableInfo<A>>,
    name: &Ident<'_>,
) -> Option<usize> {
    let mut at = 0usize;
    for column in body.columns.iter() {
        match column {
            ResultColumn::Expr { alias, .. } => {
                if alias
                    .as_ref()
                    .and_then(|a| a.as_str())
                    .is_some_and(|a| name.eq_ignore_ascii_case(a))
                {
                    return Some(at);
                }
                at += 1;
            }
            ResultColumn::Star | ResultColumn::TableStar(_) => {
                at += table?.column_count();
            }
        }
    }
    None
}

/// `expr` without the `COLLATE`s around it.
pub(crate) fn uncollated<'b, 'a, A: Allocator>(mut expr: &'b Expr<'a, A>) -> &'b Expr<'a, A> {
    while let Expr::Collate(inner, _) = expr {
        expr = inner;
    }
    expr
}

/// The integer constant `expr` is, as SQLite's `sqlite3ExprIsInteger`
/// reads one: a literal under any number of signs.
pub(crate) fn integer_of<A: Allocator>(expr: &Expr<'_, A>) -> Option<i64> {
    match expr {
        Expr::Literal(Literal::Integer(k)) => Some(*k),
        Expr::Unary(UnaryOp::Plus, inner) => integer_of(inner),
        Expr::Unary(UnaryOp::Neg, inner) => integer_of(inner).and_then(i64::checked_neg),
        _ => None,
    }
}

/// The output position (from 0) the `n`-th term (from 1) of `clause`,
/// `expr`, names in `body` over `table` (called `alias` in `FROM`), or
/// `None` when it is an expression of its own. An integer constant out
/// of range is [`Error::TermOutOfRange`].
pub(crate) fn named_output<A: Allocator + Clone>(
    n: usize,
    expr: &Expr<'_, A>,
    clause: ByClause,
    body: &SelectBody<'_, A>,
    table: Option<&TableInfo<A>>,
    alias: Option<&Ident<'_>>,
) -> Result<Option<usize>> {
    let bare = uncollated(expr);
    let name = bare.as_column().filter(|c| c.table.is_none());
    if let (ByClause::Order, Some(c)) = (clause, name) {
        if let Some(k) = output_of_alias(body, table, &c.column) {
            return Ok(Some(k));
        }
    }
    if let Some(k) = integer_of(bare) {
        let columns = width(body, table);
        return match usize::try_from(k).ok().and_then(|k| k.checked_sub(1)) {
            Some(k) if k < columns => Ok(Some(k)),
            _ => Err(Error::TermOutOfRange {
                clause,
                term: n,
                columns,
            }),
        };
    }
    if let (ByClause::Group, Some(c)) = (clause, name) {
        if table.and_then(|t| resolve(t, alias, c)).is_none() {
            return Ok(output_of_alias(body, table, &c.column));
        }
    }
    Ok(None)
}

/// Checks every `ORDER BY` term of `order_by` and `GROUP BY` term of
/// `body` against its result columns: a number in range, and no
/// `GROUP BY` term naming an aggregate.
pub(crate) fn check<A: Allocator + Clone>(
    order_by: &[OrderingTerm<'_, A>],
    body: &SelectBody<'_, A>,
    table: Option<&TableInfo<A>>,
    alias: Option<&Ident<'_>>,
) -> Result<()> {
    for (i, expr) in body.group_by.iter().enumerate() {
        let named = named_output(i + 1, expr, ByClause::Group, body, table, alias)?;
        let grouped = match named.and_then(|k| output_at(body, table, k)) {
            Some(Output::Expr(e)) => e,
            _ => expr,
        };
        if has_aggregate(grouped) {
            return Err(Error::Sql(
                "aggregate functions are not allowed in the GROUP BY clause",
            ));
        }
    }
    for (i, term) in order_by.iter().enumerate() {
        named_output(i + 1, &term.expr, ByClause::Order, body, table, alias)?;
    }
    Ok(())
}

/// The context an `ORDER BY` expression is evaluated in, over the row
/// `row` whose result columns are `out`: a bare name that no column of
/// the table has and that is a result column's alias reads that result
/// column, as SQLite resolves it (`ORDER BY total + 1`).
pub(crate) struct Aliased<'c, 'r, 'x, 'b, 'a, A: Allocator + Clone> {
    /// The row.
    pub row: &'c RowContext<'r, 'x, A>,
    /// The query, for its aliases.
    pub body: &'b SelectBody<'a, A>,
    /// The row's result columns.
    pub out: &'c [Value<A>],
}

impl<A: Allocator + Clone> Aliased<'_, '_, '_, '_, '_, A> {
    /// The result column `column` names by alias, if it names no column
    /// of the table.
    fn aliased(&self, column: &ColumnRef<'_>) -> Option<&Value<A>> {
        if column.table.is_some()
            || self
                .row
                .table()
                .and_then(|t| resolve(t, None, column))
                .is_some()
        {
            return None;
        }
        output_of_alias(self.body, self.row.table(), &column.column).and_then(|k| self.out.get(k))
    }
}

impl<A: Allocator + Clone> EvalContext<A> for Aliased<'_, '_, '_, '_, '_, A> {
    fn allocator(&self) -> A {
        self.row.allocator()
    }

    fn column(&self, column: &ColumnRef<'_>) -> Result<ValueRef<'_>> {
        match self.aliased(column) {
            Some(value) => Ok(value.as_ref()),
            None => self.row.column(column),
        }
    }

    fn column_shape(&self, column: &ColumnRef<'_>) -> Result<Option<(ValueType, usize)>> {
        match self.aliased(column) {
            Some(_) => Ok(None),
            None => self.row.column_shape(column),
        }
    }

    fn column_affinity(&self, column: &ColumnRef<'_>) -> Affinity {
        self.row.column_affinity(column)
    }

    fn column_collation(&self, column: &ColumnRef<'_>) -> Collation {
        self.row.column_collation(column)
    }

    fn param(&self, number: ParamNo) -> Result<ValueRef<'_>> {
        self.row.param(number)
    }

    fn aggregate(&self, call: &crate::sql::FunctionCall<'_, A>) -> Option<ValueRef<'_>> {
        self.row.aggregate(call)
    }

    fn random(&self) -> i64 {
        self.row.random()
    }

    fn now_unix_millis(&self) -> Option<i64> {
        self.row.now_unix_millis()
    }

    fn change_counts(&self) -> Option<[i64; 3]> {
        self.row.change_counts()
    }

    fn subquery(
        &self,
        select: &Select<'_, A>,
        shape: Shape,
        visit: &mut dyn FnMut(ValueRef<'_>) -> Result<bool>,
    ) -> Result<()> {
        self.row.subquery(select, shape, visit)
    }

    fn subquery_affinity(&self, select: &Select<'_, A>) -> Option<Affinity> {
        self.row.subquery_affinity(select)
    }

    fn subquery_collation(&self, select: &Select<'_, A>) -> Result<SubqueryCollation> {
        self.row.subquery_collation(select)
    }

    fn has_column(&self, column: &ColumnRef<'_>) -> bool {
        self.row.has_column(column)
    }
}

/// A term resolved once per run: the term as written and the output
/// column it names, if any.
pub(crate) struct Term<'b, 'a, A: Allocator> {
    /// The term as written.
    pub expr: &'b Expr<'a, A>,
    /// The output position it names.
    pub output: Option<usize>,
}

/// The terms `exprs` of `clause`, resolved against `body` over `table`.
pub(crate) fn resolve_terms<'b, 'a, A: Allocator + Clone>(
    exprs: impl ExactSizeIterator<Item = &'b Expr<'a, A>>,
    clause: ByClause,
    body: &SelectBody<'_, A>,
    table: Option<&TableInfo<A>>,
    alias: Option<&Ident<'_>>,
    alloc: A,
) -> Result<Vec<Term<'b, 'a, A>, A>>
where
    'a: 'b,
{
    let mut terms = Vec::try_with_capacity_in(exprs.len(), alloc)?;
    for (i, expr) in exprs.enumerate() {
        let output = named_output(i + 1, expr, clause, body, table, alias)?;
        terms.try_push(Term { expr, output })?;
    }
    Ok(terms)
}

impl<A: Allocator + Clone> Term<'_, '_, A> {
    /// The collation the term compares TEXT with: a `COLLATE` written
    /// on it, else that of the output column it names (a `COLLATE` in
    /// it, or its column's own), else that of its own expression.
    pub fn collation(
        &self,
        body: &SelectBody<'_, A>,
        ctx: &RowContext<'_, '_, A>,
    ) -> Result<Collation> {
        if let Some(named) = explicit_collation(self.expr)? {
            return Ok(named);
        }
        match self.output.and_then(|k| output_at(body, ctx.table(), k)) {
            Some(Output::Expr(e)) => expr_collation(e, ctx),
            Some(Output::TableColumn(j)) => Ok(ctx
                .table()
                .and_then(|t| t.columns.columns.get(j))
                .and_then(|c| c.collation)
                .unwrap_or_default()),
            None => expr_collation(self.expr, ctx),
        }
    }

    /// The term's value on the current row, computed from the row (for a
    /// `GROUP BY` key, before result columns exist).
    pub fn evaluate(
        &self,
        body: &SelectBody<'_, A>,
        ctx: &RowContext<'_, '_, A>,
    ) -> Result<Value<A>> {
        match self.output.and_then(|k| output_at(body, ctx.table(), k)) {
            Some(Output::Expr(e)) => evaluate(e, ctx),
            Some(Output::TableColumn(j)) => Ok(Value::try_from_ref(
                ctx.column_at(ColumnPos::Column(j))?,
                ctx.allocator(),
            )?),
            None => evaluate(self.expr, ctx),
        }
    }
}
