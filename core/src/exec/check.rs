//! Name checking before execution: every column an expression names must
//! exist, and every function it calls must exist and take the arguments
//! given, whether or not a row is ever read, as SQLite reports `no such
//! column` or `wrong number of arguments` when it prepares a statement.
//! The check binds each reference to the column it names (see
//! [`ColumnBinding`]), so rows are evaluated without looking names up.
//!
//! Invariant: the walk follows the tree, whose depth the parser bounds,
//! and allocates nothing. Every run checks the expressions it evaluates
//! against a table before reading a row, with the table it reads.
//!
//! [`ColumnBinding`]: crate::sql::ColumnBinding

use crate::alloc::Allocator;
use crate::sql::eval::{Shape, any_node, argument_count_error, is_function, no_such_function};
use crate::sql::{Expr, FunctionArgs, Ident, Select};
use crate::{Error, Result};

use super::Env;
use super::calls::has_aggregate;
use super::context::RowContext;
use super::scope::{One, Scope, find};
use super::subquery::{in_element_terms, sub_select_columns};
use crate::table::TableInfo;

/// Refuses an aggregate call in `clause`, which is evaluated for each row
/// before any group exists (`WHERE`, `ON`, an `UPDATE` value), as SQLite
/// does when it prepares the statement, whether or not a row is read.
/// In a subquery (`env.outer` set) an aggregate of the outer query's
/// columns is the outer query's, so a subquery's clauses pass here.
pub(crate) fn no_aggregate<A: Allocator + Clone>(
    clause: &Expr<'_, A>,
    env: Env<'_, A>,
) -> Result<()> {
    match env.outer.is_none() && has_aggregate(clause) {
        true => Err(Error::Sql("misuse of aggregate function")),
        false => Ok(()),
    }
}

/// Checks that every column `expr` names is a column of `table` (called
/// `alias`), or that it names none when there is no table, and binds
/// each reference to its column.
pub(crate) fn columns_exist<A: Allocator + Clone>(
    expr: &Expr<'_, A>,
    table: Option<&TableInfo<A>>,
    alias: Option<&Ident<'_>>,
) -> Result<()> {
    columns_exist_within(expr, &One::new(table, alias), None)
}

/// [`columns_exist`] over the tables of `scope`, in the execution `env`:
/// the names of each subquery are checked against its own tables, then
/// against `scope` and the rows around it (where `env` runs subqueries);
/// and in a subquery, whose `env` has the row it runs against, a column
/// that is not in `scope` may be one of that row's, left unbound so that
/// it is looked up there.
pub(crate) fn columns_exist_within<A: Allocator + Clone>(
    expr: &Expr<'_, A>,
    scope: &dyn Scope<A>,
    env: Option<Env<'_, A>>,
) -> Result<()> {
    let outer = env.and_then(|e| e.outer);
    let check = |e: &Expr<'_, A>| columns_exist_within(e, scope, env);
    let subquery = |s, shape| subquery_names(s, shape, scope, env);
    let fields = |e: &Expr<'_, A>, n| fields_exist(e, n, scope, env);
    let width = |e: &Expr<'_, A>| width(e, scope, env);
    match expr {
        Expr::Column(c) => {
            let pos = find(scope, c)?;
            if pos.is_none() && outer.is_some_and(|o| o.ambiguous_in(c, false)) {
                return Err(c.ambiguous());
            }
            c.binding.set(pos);
            let found = pos.is_some() || outer.is_some_and(|o| o.has_column(c));
            found.then_some(()).ok_or_else(|| c.unknown())
        }
        Expr::Literal(_) | Expr::Param(_) | Expr::Raise(_) => Ok(()),
        Expr::Unary(_, inner) | Expr::Collate(inner, _) => check(inner),
        Expr::IsNull { expr, .. } => check(expr),
        Expr::Binary(b) if b.op.compares() => compared(&[&b.lhs, &b.rhs], scope, env),
        Expr::Binary(b) => {
            check(&b.lhs)?;
            check(&b.rhs)
        }
        Expr::Like(l) => {
            check(&l.expr)?;
            check(&l.pattern)?;
            l.escape.as_ref().map_or(Ok(()), check)
        }
        Expr::Between(b) => compared(&[&b.expr, &b.low, &b.high], scope, env),
        // SQLite's parser drops the left side of `IN ()`.
        Expr::InList(l) if l.list.is_empty() && matches!(l.expr, Expr::Row(_)) => Ok(()),
        Expr::InList(l) => match &l.expr {
            Expr::Row(items) => {
                // SQLite reads `(a, b) IN ((1, 2), ...)` as `IN (VALUES ...)`.
                for item in l.list.iter() {
                    match item {
                        Expr::Row(fields) if fields.len() == items.len() => {}
                        Expr::Row(fields) => {
                            return Err(in_element_terms(fields.len(), items.len()));
                        }
                        _ => return Err(in_element_terms(1, items.len())),
                    }
                }
                fields(&l.expr, items.len())?;
                l.list.iter().try_for_each(|item| fields(item, items.len()))
            }
            lhs => match width(lhs)? {
                1 => {
                    check(lhs)?;
                    l.list.iter().try_for_each(check)
                }
                n => Err(sub_select_columns(n, 1)),
            },
        },
        Expr::Function(f) if !is_function(&f.name) => Err(no_such_function(&f.name)),
        Expr::Function(f) => match (argument_count_error(f), &f.args) {
            (Some(error), _) => Err(error),
            (None, FunctionArgs::List(args)) => args.iter().try_for_each(check),
            (None, FunctionArgs::Star) => Ok(()),
        },
        Expr::Case(c) => {
            match &c.operand {
                Some(operand) => {
                    for arm in c.arms.iter() {
                        compared(&[operand, &arm.when], scope, env)?;
                    }
                }
                None => c.arms.iter().try_for_each(|arm| check(&arm.when))?,
            }
            c.arms.iter().try_for_each(|arm| check(&arm.then))?;
            c.otherwise.as_ref().map_or(Ok(()), check)
        }
        Expr::Cast(c) => check(&c.expr),
        // A row value stands only where its fields are compared.
        Expr::Row(_) => Err(misused()),
        Expr::InSelect(s) => match (&s.expr, width(&s.expr)?) {
            (_, 1) => {
                check(&s.expr)?;
                subquery(&s.select, Shape::Column)
            }
            (Expr::Row(_), n) => {
                fields(&s.expr, n)?;
                subquery(&s.select, Shape::Columns(n))
            }
            _ => Err(Error::Sql(
                "a subquery of several columns left of IN is not supported",
            )),
        },
        Expr::Exists(s) => subquery(s, Shape::Rows),
        Expr::Subquery(s) => subquery(s, Shape::Column),
    }
}

/// SQLite's error for a row value where a single value is expected, or
/// compared with a value of another size.
fn misused() -> Error {
    Error::Sql("row value misused")
}

/// The size of `expr` as a row value over `scope`: a row value's, a
/// subquery's number of result columns, else 1.
fn width<A: Allocator + Clone>(
    expr: &Expr<'_, A>,
    scope: &dyn Scope<A>,
    env: Option<Env<'_, A>>,
) -> Result<usize> {
    match expr {
        Expr::Row(items) => Ok(items.len()),
        Expr::Subquery(select) => {
            let (env, runner) = Env::with_runner(env)?;
            let mut n = 0;
            with_scope(scope, env, &mut |outer| {
                n = runner.width(
                    select,
                    Env {
                        outer: Some(outer),
                        ..env
                    },
                )?;
                Ok(())
            })?;
            Ok(n)
        }
        _ => Ok(1),
    }
}

/// Checks `operands`, compared with one another (`=`, `BETWEEN`, a
/// `CASE` operand and a `WHEN`): all of one size, as SQLite's
/// `resolveExprStep` requires, and each field's names. Row values whose
/// sizes only subqueries give are refused, their fields being matched
/// where a row value of known size stands beside them.
fn compared<A: Allocator + Clone>(
    operands: &[&Expr<'_, A>],
    scope: &dyn Scope<A>,
    env: Option<Env<'_, A>>,
) -> Result<()> {
    let vector = |e: &&Expr<'_, A>| matches!(e, Expr::Row(_) | Expr::Subquery(_));
    if !operands.iter().any(vector) {
        return operands
            .iter()
            .try_for_each(|e| columns_exist_within(e, scope, env));
    }
    let mut n = None;
    for operand in operands {
        let w = width(operand, scope, env)?;
        if n.is_some_and(|n| n != w) {
            return Err(misused());
        }
        n = Some(w);
    }
    let n = n.unwrap_or(1);
    if n > 1 && !operands.iter().any(|e| matches!(e, Expr::Row(_))) {
        return Err(Error::Sql(
            "comparing subqueries of several columns is not supported",
        ));
    }
    operands
        .iter()
        .try_for_each(|e| fields_exist(e, n, scope, env))
}

/// Checks `expr`, a row value of `n` fields (or a single value where
/// `n` is 1): each field's names, a subquery's width.
fn fields_exist<A: Allocator + Clone>(
    expr: &Expr<'_, A>,
    n: usize,
    scope: &dyn Scope<A>,
    env: Option<Env<'_, A>>,
) -> Result<()> {
    match expr {
        Expr::Row(items) => items
            .iter()
            .try_for_each(|item| columns_exist_within(item, scope, env)),
        Expr::Subquery(select) if n > 1 => subquery_names(select, Shape::Columns(n), scope, env),
        _ => columns_exist_within(expr, scope, env),
    }
}

/// Checks the names of the subqueries in `expr` over `scope` in `env`:
/// for an `ORDER BY` term, whose own names may be result columns' and
/// are resolved as it is evaluated.
pub(crate) fn subqueries_exist<A: Allocator + Clone>(
    expr: &Expr<'_, A>,
    scope: &dyn Scope<A>,
    env: Env<'_, A>,
) -> Result<()> {
    let mut checked = Ok(());
    any_node(expr, &mut |e| {
        let (select, shape): (&Select<'_, A>, _) = match e {
            Expr::Subquery(s) => (s, Shape::Column),
            Expr::Exists(s) => (s, Shape::Rows),
            Expr::InSelect(s) => match &s.expr {
                Expr::Row(items) => (&s.select, Shape::Columns(items.len())),
                _ => (&s.select, Shape::Column),
            },
            _ => return false,
        };
        checked = subquery_names(select, shape, scope, Some(env));
        checked.is_err()
    });
    checked
}

/// Checks the names of `select`, the source of a row-value assignment
/// to `n` columns of the table of `scope`, and that it has `n` columns.
pub(crate) fn row_subquery_exists<A: Allocator + Clone>(
    select: &Select<'_, A>,
    n: usize,
    scope: &dyn Scope<A>,
    env: Env<'_, A>,
) -> Result<()> {
    subquery_names(select, Shape::Row(n), scope, Some(env))
}

/// Checks the names of `select`, a subquery of an expression over
/// `scope` run in `env`, and its number of columns for `shape`; refused
/// where `env` runs none.
fn subquery_names<A: Allocator + Clone>(
    select: &Select<'_, A>,
    shape: Shape,
    scope: &dyn Scope<A>,
    env: Option<Env<'_, A>>,
) -> Result<()> {
    let (env, runner) = Env::with_runner(env)?;
    with_scope(scope, env, &mut |outer| {
        runner.check(
            select,
            shape,
            Env {
                outer: Some(outer),
                ..env
            },
        )
    })
}

/// Runs `f` with a context over the tables of `scope`, no row current:
/// each level nested in the one before it, on its row of NULLs (as over
/// a group with no row), in `env`.
pub(crate) fn with_scope<A: Allocator + Clone>(
    scope: &dyn Scope<A>,
    env: Env<'_, A>,
    f: &mut dyn FnMut(&RowContext<'_, '_, A>) -> Result<()>,
) -> Result<()> {
    nest(scope, 0, env, f)
}

/// [`with_scope`] from `level` on, nested in `env`'s outer row.
fn nest<A: Allocator + Clone>(
    scope: &dyn Scope<A>,
    level: usize,
    env: Env<'_, A>,
    f: &mut dyn FnMut(&RowContext<'_, '_, A>) -> Result<()>,
) -> Result<()> {
    let Some(table) = scope.table(level) else {
        return f(&env.context());
    };
    // No row is current: a column reads NULL, as a plan chosen while
    // names are checked (a correlated bound) may read one.
    let mut ctx = env
        .context()
        .with_table(table, scope.alias(level))
        .at_level(level, scope.merged_columns(level));
    ctx.on_nulls();
    if level + 1 >= scope.levels() {
        return f(&ctx);
    }
    let inner = Env {
        outer: Some(&ctx),
        ..env
    };
    nest(scope, level + 1, inner, f)
}
