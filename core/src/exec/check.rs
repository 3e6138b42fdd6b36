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
use crate::sql::{Expr, FunctionArgs, Ident};
use crate::{Error, Result};

use super::context::resolve;
use crate::table::TableInfo;

/// Checks that every column `expr` names is a column of `table` (called
/// `alias`), or that it names none when there is no table, and binds
/// each reference to its column.
pub(crate) fn columns_exist<A: Allocator>(
    expr: &Expr<'_, A>,
    table: Option<&TableInfo<A>>,
    alias: Option<&Ident<'_>>,
) -> Result<()> {
    let check = |e: &Expr<'_, A>| columns_exist(e, table, alias);
    match expr {
        Expr::Column(c) => {
            let pos = table.and_then(|t| resolve(t, alias, c));
            c.binding.set(pos);
            pos.map(|_| ()).ok_or(Error::Sql("no such column"))
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
