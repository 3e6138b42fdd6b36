//! The window calls of a query and the windows they run over: each call
//! of a result column or an `ORDER BY` term with `OVER`, its function
//! checked, its `OVER` resolved against the `WINDOW` clause into a
//! partition, an order and a frame, as SQLite's `sqlite3WindowChain`
//! resolves them.
//!
//! Invariants: calls whose partitions and orders are the same expressions
//! share one [`Sort`] (one pass over the rows sorted that way); a call's
//! frame is its own. A window call is never looked for inside a
//! subquery, nor inside another window call's arguments (evaluated on
//! the row, where it is a misuse).

use crate::alloc::{Allocator, Vec};
use crate::sql::{
    Expr, Frame, FunctionArgs, FunctionCall, Ident, OrderingTerm, Over, ResultColumn, SelectBody,
    WindowDef, WindowSpec,
};
use crate::{Error, Named, Result};

use super::super::calls::{operands, same_expr};
use super::functions::Func;

/// The partition and order rows of one pass are sorted by.
pub(crate) struct Sort<'q, 'a, A: Allocator> {
    /// `PARTITION BY`
    pub partition: &'q [Expr<'a, A>],
    /// `ORDER BY`
    pub order: &'q [OrderingTerm<'a, A>],
}

/// One window call.
pub(crate) struct Call<'q, 'a, A: Allocator> {
    pub call: &'q FunctionCall<'a, A>,
    pub func: Func,
    /// Its arguments (none for `count(*)`).
    pub args: &'q [Expr<'a, A>],
    /// The [`Sort`] it runs in.
    pub sort: usize,
    /// Its frame as written; `None` for the default.
    pub frame: Option<&'q Frame<'a, A>>,
}

/// The window calls of a query and their sorts.
pub(crate) struct Windows<'q, 'a, A: Allocator> {
    pub calls: Vec<Call<'q, 'a, A>, A>,
    pub sorts: Vec<Sort<'q, 'a, A>, A>,
}

/// A window resolved: its parts, each from the spec that wrote it.
struct Resolved<'q, 'a, A: Allocator> {
    partition: &'q [Expr<'a, A>],
    order: &'q [OrderingTerm<'a, A>],
    frame: Option<&'q Frame<'a, A>>,
}

/// Whether `body` or its `ORDER BY` terms call a window function.
pub(crate) fn has_windows<A: Allocator>(
    body: &SelectBody<'_, A>,
    order_by: &[OrderingTerm<'_, A>],
) -> bool {
    let mut found = false;
    let mut note = |_: &FunctionCall<'_, A>| {
        found = true;
        Ok(())
    };
    for column in body.columns.iter() {
        if let ResultColumn::Expr { expr, .. } = column {
            let _ = walk(expr, &mut note);
        }
    }
    for term in order_by.iter() {
        let _ = walk(&term.expr, &mut note);
    }
    found
}

/// Fails, as SQLite does, when `WHERE`, `GROUP BY` or `HAVING` of `body`
/// calls a window function.
pub(crate) fn check_misplaced<A: Allocator>(body: &SelectBody<'_, A>) -> Result<()> {
    let mut misuse = |call: &FunctionCall<'_, A>| Err(Named::MisuseWindow.error(call.name.raw()));
    if let Some(clause) = &body.where_clause {
        walk(clause, &mut misuse)?;
    }
    for expr in body.group_by.iter() {
        walk(expr, &mut misuse)?;
    }
    match &body.having {
        Some(clause) => walk(clause, &mut misuse),
        None => Ok(()),
    }
}

impl<'q, 'a, A: Allocator + Clone> Windows<'q, 'a, A> {
    /// The window calls of `body` and of `order_by`, checked and
    /// resolved.
    pub fn find(
        body: &'q SelectBody<'a, A>,
        order_by: &'q [OrderingTerm<'a, A>],
        alloc: A,
    ) -> Result<Self> {
        let mut found: Vec<&'q FunctionCall<'a, A>, A> = Vec::new_in(alloc.clone());
        let mut add = |call: &'q FunctionCall<'a, A>| Ok(found.try_push(call)?);
        for column in body.columns.iter() {
            if let ResultColumn::Expr { expr, .. } = column {
                walk(expr, &mut add)?;
            }
        }
        for term in order_by.iter() {
            walk(&term.expr, &mut add)?;
        }
        let mut windows = Windows {
            calls: Vec::try_with_capacity_in(found.len(), alloc.clone())?,
            sorts: Vec::new_in(alloc),
        };
        for call in found {
            windows.add(call, &body.windows)?;
        }
        Ok(windows)
    }

    fn add(&mut self, call: &'q FunctionCall<'a, A>, defs: &'q [WindowDef<'a, A>]) -> Result<()> {
        let func = Func::of(call)?;
        let over = call
            .over
            .as_deref()
            .ok_or(Error::Misuse("a window call without OVER"))?;
        let resolved = match over {
            Over::Named(name) => resolve(find_def(defs, name)?, defs, defs.len())?,
            Over::Spec(spec) => resolve(spec, defs, defs.len())?,
        };
        let known = self.sorts.iter().position(|s| {
            same_list(s.partition, resolved.partition) && same_terms(s.order, resolved.order)
        });
        let sort = match known {
            Some(at) => at,
            None => {
                self.sorts.try_push(Sort {
                    partition: resolved.partition,
                    order: resolved.order,
                })?;
                self.sorts.len() - 1
            }
        };
        let args = match &call.args {
            FunctionArgs::List(args) => args.as_slice(),
            FunctionArgs::Star => &[],
        };
        self.calls.try_push(Call {
            call,
            func,
            args,
            sort,
            frame: resolved.frame,
        })?;
        Ok(())
    }
}

/// The last window of `defs` named `name` (a later definition of a name
/// wins, as in SQLite).
fn find_def<'q, 'a, A: Allocator>(
    defs: &'q [WindowDef<'a, A>],
    name: &Ident<'_>,
) -> Result<&'q WindowSpec<'a, A>> {
    defs.iter()
        .rev()
        .find(|d| same_name(&d.name, name))
        .map(|d| &d.spec)
        .ok_or_else(|| Named::NoSuchWindow.error(name.raw()))
}

fn same_name(a: &Ident<'_>, b: &Ident<'_>) -> bool {
    b.as_str().is_some_and(|b| a.eq_ignore_ascii_case(b))
}

/// `spec` with its base window's parts, `depth` bases deep at most (a
/// chain longer than the definitions is a cycle).
fn resolve<'q, 'a, A: Allocator>(
    spec: &'q WindowSpec<'a, A>,
    defs: &'q [WindowDef<'a, A>],
    depth: usize,
) -> Result<Resolved<'q, 'a, A>> {
    let Some(base_name) = &spec.base else {
        return Ok(Resolved {
            partition: &spec.partition_by,
            order: &spec.order_by,
            frame: spec.frame.as_ref(),
        });
    };
    let depth = depth
        .checked_sub(1)
        .ok_or_else(|| Named::NoSuchWindow.error(base_name.raw()))?;
    let base = resolve(find_def(defs, base_name)?, defs, depth)?;
    let name = base_name.raw();
    if !spec.partition_by.is_empty() {
        return Err(Named::OverridePartition.error(name));
    }
    if !base.order.is_empty() && !spec.order_by.is_empty() {
        return Err(Named::OverrideOrderBy.error(name));
    }
    if base.frame.is_some() {
        return Err(Named::OverrideFrame.error(name));
    }
    Ok(Resolved {
        partition: base.partition,
        order: if spec.order_by.is_empty() {
            base.order
        } else {
            &spec.order_by
        },
        frame: spec.frame.as_ref(),
    })
}

fn same_list<A: Allocator>(x: &[Expr<'_, A>], y: &[Expr<'_, A>]) -> bool {
    x.len() == y.len() && x.iter().zip(y.iter()).all(|(x, y)| same_expr(x, y))
}

fn same_terms<A: Allocator>(x: &[OrderingTerm<'_, A>], y: &[OrderingTerm<'_, A>]) -> bool {
    x.len() == y.len()
        && x.iter()
            .zip(y.iter())
            .all(|(x, y)| x.order == y.order && x.nulls == y.nulls && same_expr(&x.expr, &y.expr))
}

/// Calls `f` on each window call in `expr`, left to right, not looking
/// inside one nor inside a subquery.
fn walk<'q, 'a, A: Allocator>(
    expr: &'q Expr<'a, A>,
    f: &mut dyn FnMut(&'q FunctionCall<'a, A>) -> Result<()>,
) -> Result<()> {
    match expr {
        Expr::Function(call) if call.over.is_some() => f(call),
        Expr::Function(call) => {
            if let FunctionArgs::List(args) = &call.args {
                args.iter().try_for_each(|a| walk(a, f))?;
            }
            call.filter.as_deref().map_or(Ok(()), |e| walk(e, f))
        }
        other => operands(other, &mut |e| walk(e, f)),
    }
}
