//! The names a statement reads tables by: each table name in a `FROM`
//! (or `INSERT`, `UPDATE` or `DELETE` target) at any depth, in `WITH`
//! tables, compound members and subqueries in expressions included. A
//! name found may be a table, a view or a `WITH` table; the caller tells.
//!
//! Invariant: every name the executor may look up as a table or view in
//! running the statement is visited (a `WITH` table's name, which only
//! hides the others, may be visited too).

use crate::Result;
use crate::alloc::Allocator;
use crate::sql::eval::any_node;
use crate::sql::{
    Cte, Expr, FromClause, InsertSource, JoinConstraint, QualifiedName, ResultColumn, Select,
    SelectBody, Stmt, TableRef,
};

/// A visitor of table names.
pub(crate) type Visit<'f> = dyn FnMut(&QualifiedName<'_>) -> Result<()> + 'f;

/// Calls `f` with each table name `stmt` reads.
pub(crate) fn in_stmt<A: Allocator>(stmt: &Stmt<'_, A>, f: &mut Visit<'_>) -> Result<()> {
    match stmt {
        Stmt::Select(select) => in_select(select, f),
        Stmt::Explain { stmt, .. } => in_stmt(stmt, f),
        Stmt::Insert(insert) => {
            in_ctes(&insert.with, f)?;
            f(&insert.table)?;
            match &insert.source {
                InsertSource::Select(select) => in_select(select, f)?,
                InsertSource::Values(rows) => {
                    for expr in rows.iter().flat_map(|r| r.iter()) {
                        in_expr(expr, f)?;
                    }
                }
                InsertSource::DefaultValues => {}
            }
            in_columns(&insert.returning, f)
        }
        Stmt::Update(update) => {
            in_ctes(&update.with, f)?;
            f(&update.table)?;
            if let Some(body) = &update.from {
                in_body(body, f)?;
            }
            for assignment in update.assignments.iter() {
                in_expr(&assignment.value, f)?;
            }
            in_optional(update.where_clause.as_ref(), f)?;
            in_columns(&update.returning, f)
        }
        Stmt::Delete(delete) => {
            in_ctes(&delete.with, f)?;
            f(&delete.table)?;
            in_optional(delete.where_clause.as_ref(), f)?;
            in_columns(&delete.returning, f)
        }
        Stmt::CreateTable(create) => match &create.body {
            crate::sql::TableBody::AsSelect(select) => in_select(select, f),
            crate::sql::TableBody::Columns { .. } => Ok(()),
        },
        _ => Ok(()),
    }
}

/// Calls `f` with each table name the queries of `ctes` read.
fn in_ctes<A: Allocator>(ctes: &[Cte<'_, A>], f: &mut Visit<'_>) -> Result<()> {
    for cte in ctes {
        in_select(&cte.select, f)?;
    }
    Ok(())
}

/// Calls `f` with each table name `select` reads.
pub(crate) fn in_select<A: Allocator>(select: &Select<'_, A>, f: &mut Visit<'_>) -> Result<()> {
    in_ctes(&select.with, f)?;
    let cores = core::iter::once(&select.core).chain(select.compound.iter().map(|(_, c)| c));
    for core in cores {
        in_body(core, f)?;
    }
    for term in select.order_by.iter() {
        in_expr(&term.expr, f)?;
    }
    if let Some(limit) = &select.limit {
        in_expr(&limit.limit, f)?;
        in_optional(limit.offset.as_ref(), f)?;
    }
    Ok(())
}

fn in_body<A: Allocator>(body: &SelectBody<'_, A>, f: &mut Visit<'_>) -> Result<()> {
    if let Some(from) = &body.from {
        in_from(from, f)?;
    }
    in_columns(&body.columns, f)?;
    in_optional(body.where_clause.as_ref(), f)?;
    for expr in body.group_by.iter() {
        in_expr(expr, f)?;
    }
    in_optional(body.having.as_ref(), f)
}

fn in_from<A: Allocator>(from: &FromClause<'_, A>, f: &mut Visit<'_>) -> Result<()> {
    in_table(&from.first, f)?;
    for join in from.joins.iter() {
        in_table(&join.table, f)?;
        if let Some(JoinConstraint::On(on)) = &join.constraint {
            in_expr(on, f)?;
        }
    }
    Ok(())
}

fn in_table<A: Allocator>(table: &TableRef<'_, A>, f: &mut Visit<'_>) -> Result<()> {
    match table {
        TableRef::Table { name, .. } => f(name),
        TableRef::Subquery { select, .. } => in_select(select, f),
        TableRef::Function { args, .. } => {
            for arg in args.iter() {
                in_expr(arg, f)?;
            }
            Ok(())
        }
    }
}

fn in_columns<A: Allocator>(columns: &[ResultColumn<'_, A>], f: &mut Visit<'_>) -> Result<()> {
    for column in columns {
        if let ResultColumn::Expr { expr, .. } = column {
            in_expr(expr, f)?;
        }
    }
    Ok(())
}

fn in_optional<A: Allocator>(expr: Option<&Expr<'_, A>>, f: &mut Visit<'_>) -> Result<()> {
    match expr {
        Some(expr) => in_expr(expr, f),
        None => Ok(()),
    }
}

/// Calls `f` with each table name the subqueries of `expr` read.
pub(crate) fn in_expr<A: Allocator>(expr: &Expr<'_, A>, f: &mut Visit<'_>) -> Result<()> {
    let mut result = Ok(());
    any_node(expr, &mut |node| {
        let visited = match node {
            Expr::Subquery(select) | Expr::Exists(select) => in_select(select, f),
            Expr::InSelect(in_select_node) => {
                in_expr(&in_select_node.expr, f).and_then(|()| in_select(&in_select_node.select, f))
            }
            _ => Ok(()),
        };
        match visited {
            Ok(()) => false,
            Err(e) => {
                result = Err(e);
                true
            }
        }
    });
    result
}
