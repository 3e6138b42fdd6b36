//! The aggregate calls of a query, found in its result columns, its
//! `ORDER BY` terms and its `HAVING` clause, in that order (the order of
//! SQLite's `AggInfo`), inside any expression. Equal calls are one
//! aggregate, computed once, as SQLite's `sqlite3ExprCompare` makes them.
//!
//! Invariant: a call is never looked for inside another aggregate's
//! arguments: an aggregate there is evaluated on a row, where it is a
//! misuse, as in SQLite.

use crate::alloc::{Allocator, Vec};
use crate::record::Collation;
use crate::sql::eval::{EvalContext, any_node, collation};
use crate::sql::{
    Expr, FunctionArgs, FunctionCall, Ident, OrderingTerm, Over, ResultColumn, SelectBody,
    WindowSpec,
};
use crate::{Error, Result};

use super::aggregate::{Kind, kind_of};
use super::context::{RowContext, site_of};

/// Which values of its argument an aggregate sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Input {
    /// Every row's.
    Every,
    /// Each distinct value once, the first row's of those equal
    /// (`count(DISTINCT x)`).
    Distinct,
}

/// One aggregate of a query.
pub(crate) struct Aggregate<'q, 'a, A: Allocator> {
    /// The first call that computes it.
    pub call: &'q FunctionCall<'a, A>,
    pub kind: Kind,
    pub input: Input,
    /// The collation its argument compares with: for `min`, `max` and
    /// `DISTINCT`.
    pub collation: Collation,
}

/// The aggregates of a query and where it calls them.
pub(crate) struct Calls<'q, 'a, A: Allocator> {
    pub aggregates: Vec<Aggregate<'q, 'a, A>, A>,
    /// Each call's address (see [`site_of`]) and its aggregate.
    pub sites: Vec<(usize, usize), A>,
}

impl<'q, 'a, A: Allocator + Clone> Calls<'q, 'a, A> {
    /// The aggregates of a query whose body is `body`, ordered by
    /// `order_by`, their collations found in `ctx` (the query's table in
    /// scope).
    pub fn find(
        order_by: &'q [OrderingTerm<'a, A>],
        body: &'q SelectBody<'a, A>,
        ctx: &RowContext<'_, '_, A>,
    ) -> Result<Self> {
        let alloc = ctx.allocator();
        let mut calls = Calls {
            aggregates: Vec::new_in(alloc.clone()),
            sites: Vec::new_in(alloc),
        };
        let mut add = |call: &'q FunctionCall<'a, A>, kind: Kind| calls.add(call, kind, ctx);
        for column in body.columns.iter() {
            if let ResultColumn::Expr { expr, .. } = column {
                walk(expr, &mut add)?;
            }
        }
        for term in order_by.iter() {
            walk(&term.expr, &mut add)?;
        }
        if let Some(having) = &body.having {
            walk(having, &mut add)?;
        }
        for window in body.windows.iter() {
            walk_spec(&window.spec, &mut add)?;
        }
        Ok(calls)
    }

    fn add(
        &mut self,
        call: &'q FunctionCall<'a, A>,
        kind: Kind,
        ctx: &RowContext<'_, '_, A>,
    ) -> Result<()> {
        if outer_only(call, ctx) {
            // SQLite computes it in the outer query, over the outer rows.
            return Err(Error::Sql(
                "an aggregate of only an outer query's columns is not supported in a subquery",
            ));
        }
        let known = self.aggregates.iter().position(|a| same_call(a.call, call));
        let at = match known {
            Some(at) => at,
            None => {
                if call.distinct && call.filter.is_some() {
                    return Err(Error::Sql(
                        "FILTER on a DISTINCT aggregate is not supported",
                    ));
                }
                // The row a bare column reads when `FILTER` skips rows
                // follows SQLite's code, not a rule to copy.
                if kind.picks_row() && call.filter.is_some() {
                    return Err(Error::Sql(
                        "FILTER on min() or max() outside a window is not supported",
                    ));
                }
                let input = match (call.distinct, &call.args) {
                    (false, _) => Input::Every,
                    (true, FunctionArgs::List(args)) if args.len() == 1 => Input::Distinct,
                    (true, _) => {
                        return Err(Error::Sql(
                            "DISTINCT aggregates must have exactly one argument",
                        ));
                    }
                };
                let collation = match &call.args {
                    FunctionArgs::List(args) => match args.first() {
                        Some(arg) => collation(arg, ctx)?.unwrap_or_default(),
                        None => Collation::Binary,
                    },
                    FunctionArgs::Star => Collation::Binary,
                };
                self.aggregates.try_push(Aggregate {
                    call,
                    kind,
                    input,
                    collation,
                })?;
                self.aggregates.len() - 1
            }
        };
        self.sites.try_push((site_of(call), at))?;
        Ok(())
    }

    /// Whether a query's bare columns are read from the rows that set a
    /// `min` or `max`, as SQLite's `updateAccumulator` loads them.
    pub fn picks_rows(&self) -> bool {
        self.aggregates.iter().any(|a| a.kind.picks_row())
    }
}

/// Whether the arguments of `call`, in a subquery, name columns and each
/// of them is a column of the row the subquery runs against.
fn outer_only<A: Allocator + Clone>(
    call: &FunctionCall<'_, A>,
    ctx: &RowContext<'_, '_, A>,
) -> bool {
    let FunctionArgs::List(args) = &call.args else {
        return false;
    };
    let (mut columns, mut own) = (false, false);
    for arg in args.iter() {
        any_node(arg, &mut |e| {
            if let Expr::Column(c) = e {
                columns = true;
                own |= !ctx.reads_outer(c);
            }
            false
        });
    }
    columns && !own
}

/// Whether `body` is an aggregate query: it has `GROUP BY`, or calls an
/// aggregate in a result column. `HAVING` in any other query is an error,
/// and so is an aggregate in its `ORDER BY` (a misuse), as in SQLite.
pub(crate) fn is_aggregate<A: Allocator>(body: &SelectBody<'_, A>) -> Result<bool> {
    let in_columns = body.columns.iter().any(|c| match c {
        ResultColumn::Expr { expr, .. } => has_aggregate(expr),
        _ => false,
    });
    let aggregate = !body.group_by.is_empty() || in_columns;
    if !aggregate && body.having.is_some() {
        return Err(Error::Sql("HAVING clause on a non-aggregate query"));
    }
    Ok(aggregate)
}

/// Whether `expr` calls an aggregate.
pub(crate) fn has_aggregate<A: Allocator>(expr: &Expr<'_, A>) -> bool {
    walk(expr, &mut |_, _| Err(Error::Misuse("found"))).is_err()
}

/// Calls `f` on each aggregate call in `expr`, left to right, not looking
/// inside one.
fn walk<'q, 'a, A: Allocator>(
    expr: &'q Expr<'a, A>,
    f: &mut dyn FnMut(&'q FunctionCall<'a, A>, Kind) -> Result<()>,
) -> Result<()> {
    match expr {
        // A window call is not the group's aggregate, but what it reads
        // may be (`sum(count(*)) OVER (ORDER BY max(x))`).
        Expr::Function(call) if call.over.is_some() => {
            if let FunctionArgs::List(args) = &call.args {
                args.iter().try_for_each(|a| walk(a, f))?;
            }
            if let Some(filter) = &call.filter {
                walk(filter, f)?;
            }
            match call.over.as_deref() {
                Some(Over::Spec(spec)) => walk_spec(spec, f),
                _ => Ok(()),
            }
        }
        Expr::Function(call) => match kind_of(call) {
            Some(kind) => f(call, kind),
            None => match &call.args {
                FunctionArgs::List(args) => args.iter().try_for_each(|a| walk(a, f)),
                FunctionArgs::Star => Ok(()),
            },
        },
        other => operands(other, &mut |e| walk(e, f)),
    }
}

/// Calls `f` on each expression directly inside `expr` but a function
/// call's (whose callers treat calls each their own way), in the order
/// SQLite calls them: `x LIKE p` is `like(p, x)`, the pattern first. A
/// subquery's query is not entered; the operand of `IN` is this query's.
pub(crate) fn operands<'q, 'a, A: Allocator>(
    expr: &'q Expr<'a, A>,
    f: &mut dyn FnMut(&'q Expr<'a, A>) -> Result<()>,
) -> Result<()> {
    match expr {
        Expr::Unary(_, inner) | Expr::Collate(inner, _) => f(inner),
        Expr::IsNull { expr, .. } => f(expr),
        Expr::Cast(c) => f(&c.expr),
        Expr::Binary(b) => {
            f(&b.lhs)?;
            f(&b.rhs)
        }
        Expr::Like(l) => {
            f(&l.pattern)?;
            f(&l.expr)?;
            l.escape.as_ref().map_or(Ok(()), &mut *f)
        }
        Expr::Between(b) => {
            f(&b.expr)?;
            f(&b.low)?;
            f(&b.high)
        }
        Expr::InList(l) => {
            f(&l.expr)?;
            l.list.iter().try_for_each(&mut *f)
        }
        Expr::Case(c) => {
            if let Some(o) = &c.operand {
                f(o)?;
            }
            for arm in c.arms.iter() {
                f(&arm.when)?;
                f(&arm.then)?;
            }
            c.otherwise.as_ref().map_or(Ok(()), &mut *f)
        }
        Expr::Row(items) => items.iter().try_for_each(&mut *f),
        Expr::InSelect(s) => f(&s.expr),
        Expr::Function(_)
        | Expr::Literal(_)
        | Expr::Column(_)
        | Expr::Param(_)
        | Expr::Exists(_)
        | Expr::Subquery(_)
        | Expr::Raise(_) => Ok(()),
    }
}

/// [`walk`] over the expressions of a window's spec.
fn walk_spec<'q, 'a, A: Allocator>(
    spec: &'q WindowSpec<'a, A>,
    f: &mut dyn FnMut(&'q FunctionCall<'a, A>, Kind) -> Result<()>,
) -> Result<()> {
    spec.partition_by.iter().try_for_each(|e| walk(e, f))?;
    spec.order_by.iter().try_for_each(|t| walk(&t.expr, f))
}

/// Whether two calls are the same aggregate.
fn same_call<A: Allocator>(a: &FunctionCall<'_, A>, b: &FunctionCall<'_, A>) -> bool {
    let same_args = match (&a.args, &b.args) {
        (FunctionArgs::Star, FunctionArgs::Star) => true,
        (FunctionArgs::List(x), FunctionArgs::List(y)) => same_list(x, y),
        _ => false,
    };
    let same_filter = match (&a.filter, &b.filter) {
        (None, None) => true,
        (Some(x), Some(y)) => same_expr(x, y),
        _ => false,
    };
    a.distinct == b.distinct && same_ident(&a.name, &b.name) && same_args && same_filter
}

/// Whether two names are the same name (one with quotes to undouble
/// counts as different).
fn same_ident(a: &Ident<'_>, b: &Ident<'_>) -> bool {
    b.as_str().is_some_and(|b| a.eq_ignore_ascii_case(b))
}

fn same_list<A: Allocator>(x: &[Expr<'_, A>], y: &[Expr<'_, A>]) -> bool {
    x.len() == y.len() && x.iter().zip(y.iter()).all(|(x, y)| same_expr(x, y))
}

/// Whether two expressions are the same, for the shapes aggregate
/// arguments take; any other shape counts as different, which only
/// computes an aggregate twice.
pub(crate) fn same_expr<A: Allocator>(x: &Expr<'_, A>, y: &Expr<'_, A>) -> bool {
    match (x, y) {
        (Expr::Literal(a), Expr::Literal(b)) => a == b,
        (Expr::Param(a), Expr::Param(b)) => a.number == b.number,
        (Expr::Column(a), Expr::Column(b)) => {
            let same_name = |p: &Option<Ident<'_>>, q: &Option<Ident<'_>>| match (p, q) {
                (None, None) => true,
                (Some(p), Some(q)) => same_ident(p, q),
                _ => false,
            };
            same_name(&a.schema, &b.schema)
                && same_name(&a.table, &b.table)
                && same_ident(&a.column, &b.column)
        }
        (Expr::Unary(p, a), Expr::Unary(q, b)) => p == q && same_expr(a, b),
        (Expr::Binary(a), Expr::Binary(b)) => {
            a.op == b.op && same_expr(&a.lhs, &b.lhs) && same_expr(&a.rhs, &b.rhs)
        }
        (Expr::Function(a), Expr::Function(b)) => same_call(a, b),
        _ => false,
    }
}
