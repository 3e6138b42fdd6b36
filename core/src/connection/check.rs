//! Name checking before execution: every column an expression names must
//! exist, whether or not a row is ever read, as SQLite reports
//! `no such column` when it prepares a statement.
//!
//! Invariant: the walk follows the tree, whose depth the parser bounds,
//! and allocates nothing.

use crate::alloc::Allocator;
use crate::sql::{Expr, FunctionArgs, Ident};
use crate::{Error, Result};

use super::context::resolve;
use super::table::TableInfo;

/// Checks that every column `expr` names is a column of `table` (called
/// `alias`), or that it names none when there is no table.
pub(crate) fn columns_exist<A: Allocator>(
    expr: &Expr<'_, A>,
    table: Option<&TableInfo<A>>,
    alias: Option<&Ident<'_>>,
) -> Result<()> {
    let check = |e: &Expr<'_, A>| columns_exist(e, table, alias);
    match expr {
        Expr::Column(c) => match table {
            Some(t) if resolve(t, alias, c).is_some() => Ok(()),
            _ => Err(Error::Sql("no such column")),
        },
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
        Expr::InSelect(_) | Expr::Exists(_) | Expr::Subquery(_) => {
            Err(Error::Sql("subqueries are not supported"))
        }
    }
}
