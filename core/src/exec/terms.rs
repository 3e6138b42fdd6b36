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
    EvalContext, SetKey, Shape, SubqueryCollation, Value, evaluate, explicit_collation,
};
use crate::sql::{
    Affinity, ColumnPos, ColumnRef, Expr, Ident, Literal, OrderingTerm, ParamNo, ResultColumn,
    Select, SelectBody, UnaryOp,
};
use crate::{ByClause, Error, Result};

use super::calls::has_aggregate;
use super::context::RowContext;
use super::order::expr_collation;
use super::scope::{Scope, each_star_column, find, star_level, star_width, table_width};

use crate::alloc::{Allocator, Vec};

/// What output column `k` (from 0) of a query is, once each `*` is
/// expanded into the columns of the tables it names.
pub(crate) enum Output<'b, 'a, A: Allocator> {
    /// A result expression.
    Expr(&'b Expr<'a, A>),
    /// Column `column` of the table at `level` of `FROM`, from a `*`.
    TableColumn {
        /// The table's level.
        level: usize,
        /// The column.
        column: usize,
    },
}

// By hand: a derive would ask `A: Copy`, but only a reference is copied.
impl<A: Allocator> Clone for Output<'_, '_, A> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<A: Allocator> Copy for Output<'_, '_, A> {}

/// The number of columns the result column `column` stands for in
/// `scope`.
fn column_width<A: Allocator + Clone>(column: &ResultColumn<'_, A>, scope: &dyn Scope<A>) -> usize {
    match column {
        ResultColumn::Expr { .. } => 1,
        ResultColumn::Star => star_width(scope),
        ResultColumn::TableStar(name) => {
            star_level(scope, name).map_or(0, |level| table_width(scope, level, true))
        }
    }
}

/// The number of output columns of `body` over `scope`.
pub(crate) fn width<A: Allocator + Clone>(body: &SelectBody<'_, A>, scope: &dyn Scope<A>) -> usize {
    body.columns.iter().map(|c| column_width(c, scope)).sum()
}

/// The output column `k` of `body` over `scope`, if there is one.
pub(crate) fn output_at<'b, 'a, A: Allocator + Clone>(
    body: &'b SelectBody<'a, A>,
    scope: &dyn Scope<A>,
    mut k: usize,
) -> Option<Output<'b, 'a, A>> {
    for column in body.columns.iter() {
        if let ResultColumn::Expr { expr, .. } = column {
            if k == 0 {
                return Some(Output::Expr(expr));
            }
            k -= 1;
            continue;
        }
        let width = column_width(column, scope);
        if k >= width {
            k -= width;
            continue;
        }
        let only = match column {
            ResultColumn::TableStar(name) => Some(star_level(scope, name).ok()?),
            _ => None,
        };
        let mut found = None;
        let mut left = k;
        let _ = each_star_column(scope, only, &mut |level, column| {
            if left == 0 && found.is_none() {
                found = Some(Output::TableColumn { level, column });
            }
            left = left.saturating_sub(1);
            Ok(())
        });
        return found;
    }
    None
}

/// The output position of the result column whose alias is `name`.
pub(crate) fn output_of_alias<A: Allocator + Clone>(
    body: &SelectBody<'_, A>,
    scope: &dyn Scope<A>,
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
            _ => at += column_width(column, scope),
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
/// `expr`, names in `body` over `scope`, or `None` when it is an
/// expression of its own. An integer constant out of range is
/// [`Error::TermOutOfRange`].
pub(crate) fn named_output<A: Allocator + Clone>(
    n: usize,
    expr: &Expr<'_, A>,
    clause: ByClause,
    body: &SelectBody<'_, A>,
    scope: &dyn Scope<A>,
) -> Result<Option<usize>> {
    let bare = uncollated(expr);
    let name = bare.as_column().filter(|c| c.table.is_none());
    if let (ByClause::Order, Some(c)) = (clause, name) {
        if let Some(k) = output_of_alias(body, scope, &c.column) {
            return Ok(Some(k));
        }
    }
    if let Some(k) = integer_of(bare) {
        let columns = width(body, scope);
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
        if find(scope, c)?.is_none() {
            return Ok(output_of_alias(body, scope, &c.column));
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
    scope: &dyn Scope<A>,
) -> Result<()> {
    for (i, expr) in body.group_by.iter().enumerate() {
        let named = named_output(i + 1, expr, ByClause::Group, body, scope)?;
        let grouped = match named.and_then(|k| output_at(body, scope, k)) {
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
        named_output(i + 1, &term.expr, ByClause::Order, body, scope)?;
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
    /// The query's tables.
    pub scope: &'c dyn Scope<A>,
}

impl<A: Allocator + Clone> Aliased<'_, '_, '_, '_, '_, A> {
    /// The result column `column` names by alias, if it names no column
    /// of the table.
    fn aliased(&self, column: &ColumnRef<'_>) -> Option<&Value<A>> {
        if column.table.is_some()
            || column.binding.get().is_some()
            || !matches!(find(self.scope, column), Ok(None))
        {
            return None;
        }
        output_of_alias(self.body, self.scope, &column.column).and_then(|k| self.out.get(k))
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

    fn column_affinity(&self, column: &ColumnRef<'_>) -> Option<Affinity> {
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

    fn subquery_rows(
        &self,
        select: &Select<'_, A>,
        n: usize,
        visit: &mut dyn FnMut(&[Value<A>]) -> Result<bool>,
    ) -> Result<()> {
        self.row.subquery_rows(select, n, visit)
    }

    fn subquery_affinity(&self, select: &Select<'_, A>, column: usize) -> Result<Option<Affinity>> {
        self.row.subquery_affinity(select, column)
    }

    fn subquery_member(
        &self,
        select: &Select<'_, A>,
        probe: &[ValueRef<'_>],
        keys: &[SetKey],
    ) -> Result<Option<Option<bool>>> {
        self.row.subquery_member(select, probe, keys)
    }

    fn subquery_collation(
        &self,
        select: &Select<'_, A>,
        column: usize,
    ) -> Result<SubqueryCollation> {
        self.row.subquery_collation(select, column)
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
    /// What that output column is, with the collation of a table column.
    named: Option<(Output<'b, 'a, A>, Collation)>,
}

/// The terms `exprs` of `clause`, resolved against `body` over `scope`.
pub(crate) fn resolve_terms<'b, 'a, A: Allocator + Clone>(
    exprs: impl ExactSizeIterator<Item = &'b Expr<'a, A>>,
    clause: ByClause,
    body: &'b SelectBody<'a, A>,
    scope: &dyn Scope<A>,
    alloc: A,
) -> Result<Vec<Term<'b, 'a, A>, A>>
where
    'a: 'b,
{
    let mut terms = Vec::try_with_capacity_in(exprs.len(), alloc)?;
    for (i, expr) in exprs.enumerate() {
        let output = named_output(i + 1, expr, clause, body, scope)?;
        let named = output.and_then(|k| output_at(body, scope, k)).map(|o| {
            let collation = match o {
                Output::TableColumn { level, column } => scope
                    .table(level)
                    .and_then(|t| t.columns.columns.get(column))
                    .and_then(|c| c.collation)
                    .unwrap_or_default(),
                Output::Expr(_) => Collation::default(),
            };
            (o, collation)
        });
        terms.try_push(Term {
            expr,
            output,
            named,
        })?;
    }
    Ok(terms)
}

impl<A: Allocator + Clone> Term<'_, '_, A> {
    /// The collation the term compares TEXT with: a `COLLATE` written
    /// on it, else that of the output column it names (a `COLLATE` in
    /// it, or its column's own), else that of its own expression.
    pub fn collation(&self, ctx: &RowContext<'_, '_, A>) -> Result<Collation> {
        if let Some(named) = explicit_collation(self.expr)? {
            return Ok(named);
        }
        match self.named {
            Some((Output::Expr(e), _)) => expr_collation(e, ctx),
            Some((Output::TableColumn { .. }, collation)) => Ok(collation),
            None => expr_collation(self.expr, ctx),
        }
    }

    /// The term's value on the current row, computed from the row (for a
    /// `GROUP BY` key, before result columns exist).
    pub fn evaluate(&self, ctx: &RowContext<'_, '_, A>) -> Result<Value<A>> {
        match self.named {
            Some((Output::Expr(e), _)) => evaluate(e, ctx),
            Some((Output::TableColumn { level, column }, _)) => Ok(Value::try_from_ref(
                ctx.column_of(level, ColumnPos::Column(column))?,
                ctx.allocator(),
            )?),
            None => evaluate(self.expr, ctx),
        }
    }
}
