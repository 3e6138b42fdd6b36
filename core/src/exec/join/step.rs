//! One step of a join's nested loops: each level moved to its next row
//! under the rows of the levels above it, the terms placed at its depth
//! evaluated on it, a span that matched nothing put on its row of NULLs,
//! and the levels below restarted for each row kept.
//!
//! Invariant: a step resumes from the rows the levels are on (the
//! cursors are the state) and allocates nothing.

use core::cell::{Cell, OnceCell};
use core::ops::Range;

use boundlite_platform::Platform;

use crate::Result;
use crate::alloc::Allocator;
use crate::sql::eval::evaluate_condition;
use crate::sql::{Expr, FromClause, Ident, SelectBody};
use crate::table::View;

use super::super::Env;
use super::super::auto_index::Budget as AutoBudget;
use super::super::context::RowContext;
use super::nest::{Side, TermAt, each_term};
use super::{Emit, Input, Level, Preserved, derived_query};

/// What a step of the loops reads besides the levels.
pub(super) struct Shared<'s, 'a, A: Allocator + Clone> {
    pub(super) terms: &'s [TermAt],
    /// The terms themselves, in [`each_term`]'s order, when there are at
    /// most [`LISTED_TERMS`]: read by position rather than found by a walk
    /// of the clauses for every row. Listed the first time a term is
    /// evaluated, so a step whose plans prove every term lists none.
    pub(super) listed: &'s OnceCell<Listed<'s, 'a, A>>,
    pub(super) matched: &'s [Cell<bool>],
    pub(super) preserved: Option<Preserved>,
    /// The memory the levels' automatic indexes share.
    pub(super) auto_budget: &'s AutoBudget,
    pub(super) body: &'s SelectBody<'a, A>,
    pub(super) from: &'s FromClause<'a, A>,
}

/// A join's terms by position, `None` when it has more than
/// [`LISTED_TERMS`].
pub(super) type Listed<'s, 'a, A> = Option<[Option<&'s Expr<'a, A>>; LISTED_TERMS]>;

/// The most terms a join lists (see [`Shared::listed`]); a statement with
/// more finds them by walking its clauses.
pub(super) const LISTED_TERMS: usize = 32;

/// The terms of `from`'s `ON` clauses and of `where_clause`, in
/// [`each_term`]'s order, if there are at most [`LISTED_TERMS`].
pub(super) fn list_terms<'s, 'a, A: Allocator>(
    from: &'s FromClause<'a, A>,
    where_clause: Option<&'s Expr<'a, A>>,
) -> Option<[Option<&'s Expr<'a, A>>; LISTED_TERMS]> {
    let mut listed = [None; LISTED_TERMS];
    let mut count = 0;
    each_term(from, where_clause, &mut |term, _| {
        if let Some(slot) = listed.get_mut(count) {
            *slot = Some(term);
        }
        count += 1;
    });
    (count <= LISTED_TERMS).then_some(listed)
}

/// Whether every term of `side` placed at level `k` holds on the row of
/// `ctx` (and, for the `ON` side, the equalities `using`), but for those
/// the level's plan `proven` holds on every row it visits.
pub(super) fn holds<A: Allocator + Clone>(
    shared: &Shared<'_, '_, A>,
    (k, side): (usize, Side),
    using: &[Expr<'static, A>],
    proven: &Range<usize>,
    ctx: &RowContext<'_, '_, A>,
) -> Result<bool> {
    for eq in using {
        if evaluate_condition(eq, ctx)? != Some(true) {
            return Ok(false);
        }
    }
    let here = |ordinal: usize, at: &TermAt| {
        at.depth == k && at.side == side && !proven.contains(&ordinal)
    };
    // Most levels have no term on a side, or only terms their plan
    // proves: skip the walk of the clauses.
    if !shared
        .terms
        .iter()
        .enumerate()
        .any(|(ordinal, at)| here(ordinal, at))
    {
        return Ok(true);
    }
    let listed = shared
        .listed
        .get_or_init(|| list_terms(shared.from, shared.body.where_clause.as_ref()));
    if let Some(listed) = listed {
        for (ordinal, (at, term)) in shared.terms.iter().zip(listed).enumerate() {
            if let (true, Some(term)) = (here(ordinal, at), term) {
                if evaluate_condition(term, ctx)? != Some(true) {
                    return Ok(false);
                }
            }
        }
        return Ok(true);
    }
    let mut ordinal = 0;
    let mut result = Ok(true);
    each_term(
        shared.from,
        shared.body.where_clause.as_ref(),
        &mut |term, _| {
            let at = shared.terms.get(ordinal).copied();
            ordinal += 1;
            if !matches!(result, Ok(true)) {
                return;
            }
            if at.is_some_and(|at| here(ordinal - 1, &at)) {
                result = evaluate_condition(term, ctx).map(|v| v == Some(true));
            }
        },
    );
    result
}

/// Moves the levels of `levels` (the first at level `k`, nested in
/// `env`'s outer row) to their next joined row: from the rows they are
/// on when `resume`, else from the start of the first.
pub(super) fn step<'v, P: Platform, A: Allocator + Clone>(
    view: &'v View<'v, P, A>,
    shared: &Shared<'_, '_, A>,
    levels: &mut [Level<'v, P, A>],
    k: usize,
    env: Env<'_, A>,
    resume: bool,
    visit: &mut dyn FnMut(&RowContext<'_, '_, A>) -> Result<bool>,
) -> Result<bool> {
    let Some((level, deeper)) = levels.split_first_mut() else {
        return Ok(true);
    };
    if resume {
        if !deeper.is_empty() {
            let found = level.with_current(env, k, &mut |ctx| {
                let inner = Env {
                    outer: Some(ctx),
                    ..env
                };
                step(view, shared, deeper, k + 1, inner, true, visit)
            })?;
            if found {
                return Ok(true);
            }
        }
        if level.nulls {
            return Ok(false);
        }
    }
    let alias = level.alias.as_ref().map(|a| Ident::new(a.as_str()));
    let using = level.using.as_slice();
    let proven = &level.proven;
    // The last level of a span that reads NULLs tells its first that a
    // row of the span matched.
    let closes = level.span.filter(|span| span.last == k);
    let mut keep = |ctx: &RowContext<'_, '_, A>| {
        env.scratch.visit();
        if !holds(shared, (k, Side::On), using, proven, ctx)? {
            return Ok(false);
        }
        if let Some(span) = closes {
            if let Some(flag) = shared.matched.get(span.first) {
                flag.set(true);
            }
            if span.emit == Emit::Unmatched {
                return Ok(false);
            }
        }
        if !holds(shared, (k, Side::Filter), &[], proven, ctx)? {
            return Ok(false);
        }
        descend(view, shared, deeper, k, env, ctx, visit)
    };
    let found = match &mut level.input {
        Input::Table(source) => source.find(env, alias, &mut keep)?,
        Input::Json(j) => j.find(env, alias, &mut keep)?,
        Input::Derived(d) => derived_query(shared.from, level.at, env, |select, run| {
            d.find(view, select, run, env, alias, &mut keep)
        })?,
    };
    if found {
        return Ok(true);
    }
    let matched = shared.matched.get(k).is_some_and(Cell::get);
    match level.span {
        Some(span) if span.first == k && !matched && !level.nulls => {
            null_span(view, shared, level, deeper, k, span.last, env, visit)
        }
        _ => Ok(false),
    }
}

/// Puts `level` (at depth `k`) and the levels `deeper` below it down to
/// depth `last` on their rows of NULLs, evaluating the terms placed at
/// each on them, and moves the levels below `last` to their first
/// joined row under them.
#[allow(clippy::too_many_arguments)]
pub(super) fn null_span<'v, P: Platform, A: Allocator + Clone>(
    view: &'v View<'v, P, A>,
    shared: &Shared<'_, '_, A>,
    level: &mut Level<'v, P, A>,
    deeper: &mut [Level<'v, P, A>],
    k: usize,
    last: usize,
    env: Env<'_, A>,
    visit: &mut dyn FnMut(&RowContext<'_, '_, A>) -> Result<bool>,
) -> Result<bool> {
    level.nulls = true;
    level.with_nulls(env, k, &mut |ctx| {
        if !holds(shared, (k, Side::Filter), &[], &(0..0), ctx)? {
            return Ok(false);
        }
        if k >= last {
            return descend(view, shared, deeper, k, env, ctx, visit);
        }
        let Some((next, below)) = deeper.split_first_mut() else {
            return Ok(false);
        };
        let inner = Env {
            outer: Some(ctx),
            ..env
        };
        null_span(view, shared, next, below, k + 1, last, inner, visit)
    })
}

/// Starts the levels `deeper` under the row of level `k` (`ctx`) and
/// moves them to their first joined row that `visit` keeps; when there
/// are none, the row of `ctx` is whole and `visit` decides.
pub(super) fn descend<'v, P: Platform, A: Allocator + Clone>(
    view: &'v View<'v, P, A>,
    shared: &Shared<'_, '_, A>,
    deeper: &mut [Level<'v, P, A>],
    k: usize,
    env: Env<'_, A>,
    ctx: &RowContext<'_, '_, A>,
    visit: &mut dyn FnMut(&RowContext<'_, '_, A>) -> Result<bool>,
) -> Result<bool> {
    let Some(next) = deeper.first_mut() else {
        return visit(ctx);
    };
    let inner = Env {
        outer: Some(ctx),
        ..env
    };
    next.restart(view, shared, k + 1, inner)?;
    step(view, shared, deeper, k + 1, inner, false, visit)
}

/// Runs `f` with a context on the current rows of `levels` (the first at
/// level `k`), each nested in the one above.
pub(super) fn nest_current<P: Platform, A: Allocator + Clone>(
    levels: &mut [Level<'_, P, A>],
    k: usize,
    env: Env<'_, A>,
    f: &mut dyn FnMut(&RowContext<'_, '_, A>) -> Result<()>,
) -> Result<()> {
    let Some((level, deeper)) = levels.split_first_mut() else {
        return f(&env.context());
    };
    level.with_current(env, k, &mut |ctx| {
        if deeper.is_empty() {
            f(ctx)?;
        } else {
            let inner = Env {
                outer: Some(ctx),
                ..env
            };
            nest_current(deeper, k + 1, inner, f)?;
        }
        Ok(true)
    })?;
    Ok(())
}
