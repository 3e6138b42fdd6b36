//! Which members of a `WITH` table's query are recursive, found as
//! SQLite's resolver finds them, and the recursive queries refused
//! before any row is read.
//!
//! A query joined by `UNION ALL` or `UNION` last is recursive when its
//! last members, joined by that same operator, each name the table in
//! their own `FROM` (unqualified): those are its recursive `SELECT`s, the
//! members before them its initial ones. A recursive `SELECT` that names
//! the table twice in its `FROM`, reads it in a subquery or aggregates is
//! refused with SQLite's error; so is what this engine does not run as
//! SQLite does: `ORDER BY` on the table's query (SQLite's priority
//! queue), initial `SELECT`s joined by other than `UNION ALL`.

use crate::alloc::Allocator;
use crate::error::Named;
use crate::sql::eval::any_node;
use crate::sql::{
    CompoundOp, Cte, Expr, JoinConstraint, ResultColumn, Select, SelectBody, TableRef,
};
use crate::{Error, Result};

use super::super::calls;
use super::super::with::named;

/// The members of a recursive table's query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Shape {
    /// The first recursive member (members from 0).
    pub first: usize,
    /// How many members there are.
    pub count: usize,
    /// Whether the table is joined by `UNION`: a row equal to one queued
    /// before is dropped.
    pub distinct: bool,
}

/// The shape of `cte`'s query when it is recursive, checked as SQLite
/// checks it; `None` when it is not recursive.
pub(crate) fn shape<A: Allocator>(cte: &Cte<'_, A>) -> Result<Option<Shape>> {
    let select = &cte.select;
    let Some((last, _)) = select.compound.last() else {
        return Ok(None);
    };
    if !matches!(last, CompoundOp::UnionAll | CompoundOp::Union) {
        return Ok(None);
    }
    let count = select.compound.len() + 1;
    let mut first = count;
    for (i, (op, core)) in select.compound.iter().enumerate().rev() {
        if op != last {
            break;
        }
        let refs = direct_refs(core, cte);
        if refs > 1 {
            return Err(Named::RecursiveTwiceInFrom.error(name_of(cte)));
        }
        if refs == 0 {
            break;
        }
        first = i + 1;
    }
    if first == count {
        return Ok(None);
    }
    let shape = Shape {
        first,
        count,
        distinct: *last == CompoundOp::Union,
    };
    check(cte, shape)?;
    Ok(Some(shape))
}

/// The name of `cte` as an error shows it.
fn name_of<'a, A: Allocator>(cte: &Cte<'a, A>) -> &'a str {
    cte.name.as_str().unwrap_or(cte.name.raw())
}

/// Refuses the recursive queries SQLite refuses, and those this engine
/// would not run as SQLite does.
fn check<A: Allocator>(cte: &Cte<'_, A>, shape: Shape) -> Result<()> {
    let select = &cte.select;
    if !select.order_by.is_empty() {
        return Err(Error::Sql(
            "ORDER BY on a recursive WITH table is not supported",
        ));
    }
    let initial = core::iter::once(&select.core)
        .chain(select.compound.iter().map(|(_, core)| core))
        .take(shape.first);
    for body in initial {
        if direct_refs(body, cte) > 0 || body_reads(body, cte) {
            return Err(Named::CircularReference.error(name_of(cte)));
        }
    }
    let initial_ops = select.compound.iter().take(shape.first.saturating_sub(1));
    if initial_ops
        .into_iter()
        .any(|(op, _)| *op != CompoundOp::UnionAll)
    {
        return Err(Error::Sql(
            "a recursive WITH table whose initial SELECTs are joined by other than UNION ALL is not supported",
        ));
    }
    for (_, body) in select.compound.iter().skip(shape.first.saturating_sub(1)) {
        if calls::is_aggregate(body)? {
            return Err(Error::Sql("recursive aggregate queries not supported"));
        }
        if body_reads(body, cte) {
            return Err(Named::RecursiveInSubquery.error(name_of(cte)));
        }
    }
    Ok(())
}

/// Whether `table` is `cte`, by its unqualified name.
fn is_cte<A: Allocator>(table: &TableRef<'_, A>, cte: &Cte<'_, A>) -> bool {
    matches!(table, TableRef::Table { name, .. } if name.schema.is_none() && named(cte, &name.name))
}

/// How many tables of `body`'s own `FROM` are `cte`.
fn direct_refs<A: Allocator>(body: &SelectBody<'_, A>, cte: &Cte<'_, A>) -> usize {
    let Some(from) = &body.from else {
        return 0;
    };
    core::iter::once(&from.first)
        .chain(from.joins.iter().map(|j| &j.table))
        .filter(|t| is_cte(t, cte))
        .count()
}

/// Whether `body` reads `cte` other than as a table of its own `FROM`:
/// in a subquery, of its `FROM` or of an expression.
fn body_reads<A: Allocator>(body: &SelectBody<'_, A>, cte: &Cte<'_, A>) -> bool {
    if let Some(from) = &body.from {
        let tables = core::iter::once(&from.first).chain(from.joins.iter().map(|j| &j.table));
        for table in tables {
            if let TableRef::Subquery { select, .. } = table {
                if select_reads(select, cte) {
                    return true;
                }
            }
        }
        for join in from.joins.iter() {
            if let Some(JoinConstraint::On(on)) = &join.constraint {
                if expr_reads(on, cte) {
                    return true;
                }
            }
        }
    }
    let columns = body.columns.iter().filter_map(|c| match c {
        ResultColumn::Expr { expr, .. } => Some(expr),
        _ => None,
    });
    columns
        .chain(body.where_clause.as_ref())
        .chain(body.group_by.iter())
        .chain(body.having.as_ref())
        .any(|e| expr_reads(e, cte))
}

/// Whether `select` reads `cte` anywhere (a `WITH` table of its own of
/// the same name hides it).
fn select_reads<A: Allocator>(select: &Select<'_, A>, cte: &Cte<'_, A>) -> bool {
    let hidden = select.with.iter().any(|c| named(cte, &c.name));
    if hidden {
        return false;
    }
    if select.with.iter().any(|c| select_reads(&c.select, cte)) {
        return true;
    }
    let cores = core::iter::once(&select.core).chain(select.compound.iter().map(|(_, c)| c));
    for body in cores {
        if direct_refs(body, cte) > 0 || body_reads(body, cte) {
            return true;
        }
    }
    let limit = select
        .limit
        .iter()
        .flat_map(|l| core::iter::once(&l.limit).chain(l.offset.as_ref()));
    select
        .order_by
        .iter()
        .map(|t| &t.expr)
        .chain(limit)
        .any(|e| expr_reads(e, cte))
}

/// Whether a subquery of `expr` reads `cte`.
fn expr_reads<A: Allocator>(expr: &Expr<'_, A>, cte: &Cte<'_, A>) -> bool {
    any_node(expr, &mut |e| match e {
        Expr::Subquery(s) | Expr::Exists(s) => select_reads(s, cte),
        Expr::InSelect(i) => select_reads(&i.select, cte),
        _ => false,
    })
}
