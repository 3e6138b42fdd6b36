//! The order of a join's loops and where its terms are evaluated in it
//! ([`Nest`]): the runs of the `FROM` handed to `join_order`, each `AND`
//! term of the `ON` clauses and `WHERE` placed at the first depth where
//! every table it reads has a row (a term with a subquery at the last;
//! inside the left side of a `RIGHT` or `FULL JOIN` or a parenthesised
//! join right of a `LEFT JOIN`, a `WHERE` term at the side's last level),
//! the `USING` equalities of inner and `RIGHT` joins moved to where
//! both their tables have a row (a `RIGHT JOIN`'s inside its left side,
//! where they decide what matches), and the levels sorted into the nest
//! (again for a `FULL JOIN`'s second nest, the equalities moved with
//! them).
//!
//! Invariant: everything that allocates is done before the levels are
//! changed, so a failed placement leaves the join as it was.

use core::ops::Range;

use boundlite_platform::Platform;

use crate::alloc::{Allocator, Vec};
use crate::sql::eval::any_node;
use crate::sql::{Expr, FromClause, JoinConstraint, JoinKind, SelectBody, TableRef};
use crate::{Error, Result};

use super::super::join_order::{self, Entry, Link, Run};
use super::super::plan::{Proven, split_and};
use super::super::scope::Tables;
use super::{Emit, Input, Join, Kind, Layout, Level, Preserved, Role, Span, kind_of};

/// One order of the loops and where the terms are evaluated in it.
pub(super) struct Nest<A: Allocator> {
    /// Per position of the `FROM`: the depth of its loop.
    pub(super) depth_of: Vec<usize, A>,
    /// Where each term is evaluated, in the order [`each_term`] visits
    /// them.
    pub(super) terms: Vec<TermAt, A>,
    /// The depths of the tables left of a `RIGHT` or `FULL JOIN` when
    /// they are nested inside its right table.
    pub(super) group: Option<Span>,
    /// Each parenthesised join right of a `LEFT JOIN`: the positions of
    /// its tables and the depths of their loops, which read NULLs
    /// together.
    pub(super) left_groups: Vec<(Range<usize>, Span), A>,
}

/// Whether a term decides that a row of a `LEFT JOIN` matches (its `ON`
/// clause), or filters the rows as `WHERE` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Side {
    On,
    Filter,
}

/// Where one term of the `ON` clauses and `WHERE` is evaluated: at the
/// loop of this depth of the nest.
#[derive(Debug, Clone, Copy)]
pub(super) struct TermAt {
    pub(super) depth: usize,
    pub(super) side: Side,
}

impl<P: Platform, A: Allocator + Clone> Join<'_, P, A> {
    /// Chooses the orders of the loops (see `join_order`) and where each
    /// term of `body`'s `ON` clauses and `WHERE` is evaluated in them,
    /// once the names are bound, and nests the levels in the first. The
    /// levels change only once nothing can fail.
    pub fn place_terms(&mut self, body: &SelectBody<'_, A>) -> Result<()> {
        let from = body
            .from
            .as_ref()
            .ok_or(Error::Misuse("a join without its FROM"))?;
        let alloc = self.view.allocator().clone();
        let layouts: &[Layout] = match self.preserved.map(|p| p.kind) {
            Some(Kind::Full) => &[Layout::Runs, Layout::Inside(Emit::Unmatched)],
            Some(_) => &[Layout::Inside(Emit::All)],
            None => &[Layout::Runs],
        };
        let mut nests = Vec::try_with_capacity_in(layouts.len(), alloc.clone())?;
        for &layout in layouts {
            nests.try_push(self.plan_nest(from, body, layout, &alloc)?)?;
        }
        for nest in nests.iter() {
            self.reserve_using(&nest.depth_of, &alloc)?;
        }
        self.nests = nests;
        self.pass = 0;
        // Nothing below allocates.
        let first = self
            .nests
            .first()
            .ok_or(Error::Misuse("a join without its nest"))?;
        arrange(&mut self.levels, first, self.preserved);
        move_using(&mut self.levels, &first.depth_of)
    }

    /// The order of the loops `layout` gives and where each term is
    /// evaluated in it.
    fn plan_nest(
        &self,
        from: &FromClause<'_, A>,
        body: &SelectBody<'_, A>,
        layout: Layout,
        alloc: &A,
    ) -> Result<Nest<A>> {
        let count = self.levels.len();
        let order = self.choose_order(from, body, layout, alloc)?;
        let mut depth_of = Vec::try_from_elem_in(0usize, count, alloc.clone())?;
        for (depth, &k) in order.iter().enumerate() {
            if let Some(d) = depth_of.get_mut(k) {
                *d = depth;
            }
        }
        let last = count.saturating_sub(1);
        let preserved = self.preserved;
        // The tables left of a `RIGHT` or `FULL JOIN` read NULLs together.
        let group = match (layout, preserved) {
            (Layout::Inside(emit), Some(p)) => {
                let depths = depth_of.get(..p.at).unwrap_or(&[]);
                Some(Span {
                    first: depths.iter().copied().min().unwrap_or(0),
                    last: depths.iter().copied().max().unwrap_or(0),
                    emit,
                })
            }
            _ => None,
        };
        let mut left_groups = Vec::new_in(alloc.clone());
        for positions in left_groups_of(from) {
            let depths = depth_of.get(positions.clone()).unwrap_or(&[]);
            let span = Span {
                first: depths.iter().copied().min().unwrap_or(0),
                last: depths.iter().copied().max().unwrap_or(0),
                emit: Emit::All,
            };
            left_groups.try_push((positions, span))?;
        }
        let group_of = |k: usize| {
            left_groups
                .iter()
                .find(|(positions, _)| positions.contains(&k))
                .cloned()
        };
        let mut terms = Vec::new_in(alloc.clone());
        let mut placed = Ok(());
        each_term(from, body.where_clause.as_ref(), &mut |term, on| {
            let left_of = |k: usize| preserved.is_some_and(|p| k < p.at);
            // The `ON` terms of a parenthesised join right of a `LEFT
            // JOIN`, and of that `LEFT JOIN`, decide which rows of the
            // group match: each where its tables have rows, within the
            // group.
            if let Some((positions, span)) = on.and_then(|(k, _)| group_of(k)) {
                if reads_past(term, positions.end - 1, last) {
                    placed = Err(Error::Sql("ON clause references tables to its right"));
                }
                let depth = depth_of_term(term, &depth_of, last);
                if placed.is_ok() {
                    placed = terms
                        .try_push(TermAt {
                            depth: depth.clamp(span.first, span.last),
                            side: Side::On,
                        })
                        .map_err(Error::from);
                }
                return;
            }
            // Beside a `RIGHT` or `FULL JOIN`, SQLite lets no `ON` clause
            // name a table to its right.
            if let Some((k, _)) = on {
                if preserved.is_some() && reads_past(term, k, last) {
                    placed = Err(Error::Sql("ON clause references tables to its right"));
                }
            }
            let at = match (on, group) {
                (Some((k, Kind::Left)), _) | (Some((k, Kind::Full)), None) => {
                    if reads_past(term, k, last) {
                        placed = Err(Error::Sql("ON clause references tables to its right"));
                    }
                    TermAt {
                        depth: depth_of.get(k).copied().unwrap_or(last),
                        side: Side::On,
                    }
                }
                // A `RIGHT` or `FULL JOIN`'s `ON` and those of the inner
                // joins on its left decide which rows of its left side
                // match.
                (Some((k, kind)), Some(group)) if kind != Kind::Inner || left_of(k) => {
                    // A term with a subquery too: by the last level of
                    // the side, every table it may read has a row.
                    let depth = depth_of_term(term, &depth_of, last);
                    TermAt {
                        depth: depth.clamp(group.first, group.last),
                        side: Side::On,
                    }
                }
                // `WHERE` applies to whole rows: inside the left side of
                // a `RIGHT` or `FULL JOIN` a term waits for its last
                // table, so that what matches is decided by the `ON`
                // clauses alone.
                _ => {
                    let depth = depth_of_term(term, &depth_of, last);
                    let depth = match group {
                        Some(g) if (g.first..g.last).contains(&depth) => g.last,
                        _ => depth,
                    };
                    // Nor may a term keep a row of a group right of a
                    // `LEFT JOIN` from matching: it waits for the group's
                    // last table.
                    let depth = left_groups
                        .iter()
                        .find(|(_, g)| (g.first..g.last).contains(&depth))
                        .map_or(depth, |(_, g)| g.last);
                    TermAt {
                        depth,
                        side: Side::Filter,
                    }
                }
            };
            if placed.is_ok() {
                placed = terms.try_push(at).map_err(Error::from);
            }
        });
        placed?;
        Ok(Nest {
            depth_of,
            terms,
            group,
            left_groups,
        })
    }

    /// The order of the loops over the levels in `layout`, as positions
    /// in the `FROM`, outermost first.
    fn choose_order(
        &self,
        from: &FromClause<'_, A>,
        body: &SelectBody<'_, A>,
        layout: Layout,
        alloc: &A,
    ) -> Result<Vec<usize, A>> {
        let count = self.levels.len();
        let mut entries = Vec::try_with_capacity_in(count, alloc.clone())?;
        for k in 0..count {
            let level = self
                .level_at(k)
                .ok_or(Error::Misuse("a join level out of range"))?;
            let table = level
                .input
                .info()
                .ok_or(Error::Misuse("a join level without its table"))?;
            let seek = match level.input {
                Input::Table(_) => Some(level.hint),
                Input::Derived(_) | Input::Json(_) => None,
            };
            entries.try_push(Entry {
                table,
                alias: level.alias(),
                seek,
            })?;
        }
        let mut runs = Vec::new_in(alloc.clone());
        match (layout, self.preserved) {
            (Layout::Inside(_), Some(p)) => {
                runs.try_push(Run {
                    levels: p.at..p.at + 1,
                    first: Link::Fixed,
                })?;
                split_runs(from, 0..p.at, &mut runs)?;
                split_runs(from, p.at + 1..count, &mut runs)?;
            }
            _ => split_runs(from, 0..count, &mut runs)?,
        }
        // The `ON` clause of a `LEFT JOIN` only narrows its own table.
        let mut terms = Vec::new_in(alloc.clone());
        let mut pushed = Ok(());
        each_term(from, body.where_clause.as_ref(), &mut |term, on| {
            let left = match on {
                Some((_, Kind::Left)) => true,
                Some((_, Kind::Full)) => layout == Layout::Runs,
                _ => false,
            };
            if pushed.is_ok() && !left {
                pushed = terms.try_push(term).map_err(Error::from);
            }
        });
        pushed?;
        for level in self.levels.iter().filter(|l| l.kind == Kind::Inner) {
            for eq in level.using.iter() {
                terms.try_push(eq)?;
            }
        }
        join_order::order(&entries, &runs, &terms, alloc)
    }

    /// Makes room for each `USING` equality of an inner or `RIGHT` join
    /// at the depth `depth_of` puts the later of its tables, where
    /// [`move_using`] moves it (room for each nest's, as each reserve
    /// counts from the equalities a level holds before any moves).
    fn reserve_using(&mut self, depth_of: &[usize], alloc: &A) -> Result<()> {
        let count = self.levels.len();
        let last = count.saturating_sub(1);
        let mut incoming = Vec::try_from_elem_in(0usize, count, alloc.clone())?;
        for level in self.levels.iter() {
            let own = depth_of.get(level.at).copied().unwrap_or(last);
            for eq in level.using.iter() {
                let due = depth_of_term(eq, depth_of, last);
                if due != own {
                    if !matches!(level.kind, Kind::Inner | Kind::Right) {
                        return Err(Error::Misuse("a LEFT JOIN's USING moved"));
                    }
                    if let Some(n) = incoming.get_mut(due) {
                        *n += 1;
                    }
                }
            }
        }
        for level in self.levels.iter_mut() {
            let due = depth_of.get(level.at).copied().unwrap_or(last);
            level
                .using
                .try_reserve(incoming.get(due).copied().unwrap_or(0))?;
        }
        Ok(())
    }
}

/// Moves each `USING` equality of an inner or `RIGHT` join to the depth
/// where both its tables have a row, into the room
/// [`Join::reserve_using`] made: `levels` nested as `depth_of` says.
pub(super) fn move_using<P: Platform, A: Allocator + Clone>(
    levels: &mut [Level<'_, P, A>],
    depth_of: &[usize],
) -> Result<()> {
    let count = levels.len();
    let last = count.saturating_sub(1);
    for depth in 0..count {
        let mut i = 0;
        while let Some(level) = levels.get_mut(depth) {
            let Some(eq) = level.using.get(i) else {
                break;
            };
            let due = depth_of_term(eq, depth_of, last);
            if due == depth {
                i += 1;
                continue;
            }
            let eq = level.using.remove(i);
            levels
                .get_mut(due)
                .ok_or(Error::Misuse("a join level out of range"))?
                .using
                .try_push(eq)?;
        }
    }
    Ok(())
}

/// Nests `levels` in the order of `nest` (the `RIGHT` or `FULL JOIN` of
/// their `FROM` being `preserved`): each at its depth, knowing the
/// tables outside it, the span it reads NULLs with and its role.
pub(super) fn arrange<P: Platform, A: Allocator + Clone>(
    levels: &mut [Level<'_, P, A>],
    nest: &Nest<A>,
    preserved: Option<Preserved>,
) {
    let depth_of = nest.depth_of.as_slice();
    levels.sort_unstable_by_key(|level| depth_of.get(level.at).copied().unwrap_or(usize::MAX));
    let mut outer = Tables::NONE;
    for (depth, level) in levels.iter_mut().enumerate() {
        level.outer = outer;
        outer = outer.with(level.at);
        let alone = Span {
            first: depth,
            last: depth,
            emit: Emit::All,
        };
        let left_of = preserved.is_some_and(|p| level.at < p.at);
        let left_group = nest
            .left_groups
            .iter()
            .find(|(positions, _)| positions.contains(&level.at))
            .map(|(_, span)| *span);
        (level.span, level.role) = match (level.kind, nest.group) {
            (_, Some(group)) if left_of => (Some(group), Role::Side),
            _ if left_group.is_some() => (left_group, Role::Left),
            (Kind::Left, _) | (Kind::Full, None) => (Some(alone), Role::Left),
            _ => (None, Role::Inner),
        };
        match &mut level.input {
            Input::Table(source) => source.set_depth(depth),
            Input::Derived(d) => d.set_depth(depth),
            Input::Json(j) => j.set_depth(depth),
        }
    }
}

/// Pushes the runs (see `join_order`) of the tables of `from` at the
/// positions `levels`: a `LEFT` or `CROSS JOIN` starts one, its right
/// table first.
pub(super) fn split_runs<A: Allocator, B: Allocator>(
    from: &FromClause<'_, A>,
    levels: core::ops::Range<usize>,
    runs: &mut Vec<Run, B>,
) -> Result<()> {
    // A table-valued function's arguments may read the tables left of
    // it: those stay outside its loop. The tables of a parenthesised join
    // right of a `LEFT JOIN` nest together: the table after them starts
    // a run.
    let fixed = |k: usize| {
        k.checked_sub(1)
            .and_then(|j| from.joins.get(j))
            .is_some_and(|j| {
                matches!(j.op.kind, JoinKind::Left | JoinKind::Cross | JoinKind::Full)
                    || matches!(j.table, TableRef::Function { .. })
            })
            || left_groups_of(from).any(|g| g.end == k)
    };
    let mut start = levels.start;
    while start < levels.end {
        let end = (start + 1..levels.end)
            .find(|&k| fixed(k))
            .unwrap_or(levels.end);
        let first = match fixed(start) {
            true => Link::Fixed,
            false => Link::Inner,
        };
        runs.try_push(Run {
            levels: start..end,
            first,
        })?;
        start = end;
    }
    Ok(())
}

/// The positions of the tables of each parenthesised join right of a
/// `LEFT JOIN` in `from` (see [`crate::sql::Join::group`]).
pub(super) fn left_groups_of<'f, A: Allocator>(
    from: &'f FromClause<'_, A>,
) -> impl Iterator<Item = Range<usize>> + 'f {
    from.joins
        .iter()
        .enumerate()
        .filter(|(_, j)| j.group > 0)
        .map(|(j, join)| j + 1..j + 2 + join.group)
}

/// Visits each `AND` term of the `ON` clauses of `from` (with the level
/// of the join's right table and its kind), then of `where_clause`.
pub(super) fn each_term<'e, 'a, A: Allocator>(
    from: &'e FromClause<'a, A>,
    where_clause: Option<&'e Expr<'a, A>>,
    visit: &mut dyn FnMut(&'e Expr<'a, A>, Option<(usize, Kind)>),
) {
    for (j, join) in from.joins.iter().enumerate() {
        if let Some(JoinConstraint::On(on)) = &join.constraint {
            let kind = kind_of(join.op.kind).unwrap_or(Kind::Inner);
            split_and(on, &mut |t| visit(t, Some((j + 1, kind))));
        }
    }
    if let Some(clause) = where_clause {
        split_and(clause, &mut |t| visit(t, None));
    }
}

/// The positions, in [`each_term`]'s order, of the terms of `clause`
/// (one of the clauses `each_term` walks, or a `USING` equality, which
/// has none) that `proven` names.
pub(super) fn proven_terms<A: Allocator>(
    from: &FromClause<'_, A>,
    where_clause: Option<&Expr<'_, A>>,
    clause: &Expr<'_, A>,
    proven: Proven,
) -> Range<usize> {
    let (wanted, count) = match proven {
        Proven::Nothing => return 0..0,
        Proven::Term(n) => (n, 1),
        Proven::Clause => {
            let mut count = 0;
            split_and(clause, &mut |_| count += 1);
            (0, count)
        }
    };
    let (mut n, mut first) = (0, None);
    split_and(clause, &mut |t| {
        if n == wanted {
            first = Some(t as *const Expr<'_, A>);
        }
        n += 1;
    });
    let Some(first) = first else {
        return 0..0;
    };
    let (mut ordinal, mut found) = (0, None);
    each_term(from, where_clause, &mut |term, _| {
        if core::ptr::eq(term, first) {
            found = Some(ordinal);
        }
        ordinal += 1;
    });
    found.map_or(0..0, |o| o..o + count)
}

/// The first depth of the nest at which every table `term` reads has a
/// row (`depth_of` gives each position of the `FROM` its depth): the
/// last for a term with a subquery.
pub(super) fn depth_of_term<A: Allocator>(
    term: &Expr<'_, A>,
    depth_of: &[usize],
    last: usize,
) -> usize {
    let mut depth = 0;
    any_node(term, &mut |e| {
        match e {
            Expr::Column(c) => {
                if let Some((level, _)) = c.binding.get() {
                    depth = depth.max(depth_of.get(level).copied().unwrap_or(last));
                }
            }
            Expr::Subquery(_) | Expr::Exists(_) | Expr::InSelect(_) => depth = last,
            _ => {}
        }
        false
    });
    depth.min(last)
}

/// Whether `term`, of the `ON` clause of level `k`, reads a table to
/// its right.
pub(super) fn reads_past<A: Allocator>(term: &Expr<'_, A>, k: usize, last: usize) -> bool {
    any_node(term, &mut |e| match e {
        Expr::Column(c) => c.binding.get().is_some_and(|(l, _)| l > k && l <= last),
        _ => false,
    })
}
