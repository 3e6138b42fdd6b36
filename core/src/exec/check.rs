//! Name checking before execution: every column an expression names must
//! exist, whether or not a row is ever read, as SQLite reports
//! `no such column` when it prepares a statement. The check binds each
//! reference to the column it names (see [`ColumnBinding`]), so rows are
//! evaluated without looking names up.
//!
//! Invariant: the walk follows the tree, whose depth the parser bounds,
//! and allocates nothing. Every run checks the expressions it evaluates
//! against a table before reading a row, with the table it reads.
//!
//! [`ColumnBinding`]: crate::sql::ColumnBinding

use crate::alloc::Allocator;
use crate::sql::eval::{Shape, any_node, is_function, no_such_function};
use crate::sql::{Expr, FunctionArgs, Ident, Select};
use crate::{Error, Result};

use super::Env;
use super::context::RowContext;
use super::scope::{One, Scope, find};
use crate::table::TableInfo;

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
    match expr {
        Expr::Column(c) => {
            let pos = find(scope, c)?;
            c.binding.set(pos);
            let found = pos.is_some() || outer.is_some_and(|o| o.has_column(c));
            found.then_some(()).ok_or_else(|| c.unknown())
        }
        Expr::Literal(_) | Expr::Param(_) | Expr::Raise(_) => Ok(()),
        Expr::Unary(_, inner) | Expr::Collate(inner, _) => check(inner),
        Expr::IsNull { expr, .. } => check(expr),
        Expr::Binary(b) => {
            check(&b.lhs)?;
            check(&b.rhs)
        }
        Expr::Like(l) => {
            check(&l.expr)?;
            check(&l.pattern)?;
            l.escape.as_ref().map_or(Ok(()), check)
        }
        Expr::Between(b) => {
            check(&b.expr)?;
            check(&b.low)?;
            check(&b.high)
        }
        Expr::InList(l) => {
            check(&l.expr)?;
            l.list.iter().try_for_each(check)
        }
        Expr::Function(f) if !is_function(&f.name) => Err(no_such_function(&f.name)),
        Expr::Function(f) => match &f.args {
            FunctionArgs::List(args) => args.iter().try_for_each(check),
            FunctionArgs::Star => Ok(()),
        },
        Expr::Case(c) => {
            c.operand.as_ref().map_or(Ok(()), check)?;
            for arm in c.arms.iter() {
                check(&arm.when)?;
                check(&arm.then)?;
            }
            c.otherwise.as_ref().map_or(Ok(()), check)
        }
        Expr::Cast(c) => check(&c.expr),
        Expr::Row(items) => items.iter().try_for_each(check),
        Expr::InSelect(s) => {
            check(&s.expr)?;
            subquery(&s.select, Shape::Column)
        }
        Expr::Exists(s) => subquery(s, Shape::Rows),
        Expr::Subquery(s) => subquery(s, Shape::Column),
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
            Expr::InSelect(s) => (&s.select, Shape::Column),
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
    let Some((env, runner)) = env.and_then(|e| Some((e, e.subqueries?))) else {
        return Err(Error::Sql(
            "subqueries are not supported in this expression",
        ));
    };
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
