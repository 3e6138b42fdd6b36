//! [`Recursion`]: the rows of a recursive `WITH` table, made by SQLite's
//! queue algorithm: the initial `SELECT`s' rows go to a queue; then, row
//! by row, the oldest row is taken off the queue, handed out, and each
//! recursive `SELECT` runs with the table bound to that one row (see
//! `with::bound`), its rows going to the queue; the table ends when the
//! queue is empty. Joined by `UNION`, a row equal to one queued before
//! (see `seen`) is not queued again. `OFFSET` rows are taken off and
//! recursed on but not handed out; once `LIMIT` rows were handed out the
//! table ends, the last row's recursive `SELECT`s not run, as in SQLite.
//!
//! - `shape`: which members are recursive, and what is refused;
//! - `seen`: the rows queued so far, for `UNION`.
//!
//! A column compares, for `UNION`, with the collation of the leftmost
//! member whose column has one, as SQLite's `multiSelectCollSeq`.
//!
//! Memory: the queue (see `crate::sort::Queue`) holds half the sort
//! budget and spills the rest of its rows to a temporary file, whatever
//! their number; each member's own sort takes the other half; the rows
//! seen for `UNION` take at most the sort budget and are
//! `OutOfMemory` past it. A recursive `SELECT` is opened again for each
//! row (its table is a new one-row table each time): memory is what one
//! run of it needs.

mod seen;
mod shape;

pub(crate) use shape::{Shape, shape};

use boundlite_platform::Platform;

use crate::Result;
use crate::alloc::{Allocator, Vec};
use crate::record::Collation;
use crate::sort::{Queue, Row};
use crate::sql::{Cte, Select};
use crate::table::View;

use super::Env;
use super::compound::{member, member_collations, width_error};
use super::ordered::SortEnv;
use super::select::{
    Ordering, Sources, alias_of, assign, limits, next_body, open_source, slot_of, sort_env,
    start_body,
};
use super::terms;
use super::with::{bound, within};
use seen::Seen;

/// Where a recursion stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// The initial `SELECT`s have not run.
    Start,
    /// The current row was handed out; its recursive `SELECT`s have not
    /// run.
    Handed,
    /// The next row is to be taken off the queue.
    Taking,
}

/// The rows of a recursive `WITH` table, as they are made.
pub(crate) struct Recursion<'v, P: Platform, A: Allocator + Clone> {
    shape: Shape,
    queue: Queue<'v, P, A>,
    seen: Option<Seen<A>>,
    /// The row the table is bound to: the last taken off the queue.
    current: Row<A>,
    /// The members' sources, one slot per member.
    sources: Sources<'v, P, A>,
    state: State,
    /// Rows still to skip (`OFFSET`).
    skip: u64,
    /// Rows still to hand out (`LIMIT`); `None` for no limit.
    remaining: Option<u64>,
}

/// The budget of the members' sorts: half of the sort budget.
fn member_sort<'v, P: Platform, A: Allocator + Clone>(view: &'v View<'v, P, A>) -> SortEnv<'v, P> {
    let sort = sort_env(view);
    SortEnv {
        budget: sort.budget.half(),
        ..sort
    }
}

impl<'v, P: Platform, A: Allocator + Clone> Recursion<'v, P, A> {
    /// The recursion of `cte` (of shape `shape`), whose query runs in
    /// `env`; checks its members, runs none.
    pub fn start(
        view: &'v View<'v, P, A>,
        cte: &Cte<'_, A>,
        shape: Shape,
        env: Env<'_, A>,
    ) -> Result<Self> {
        let alloc = env.alloc.clone();
        let select = &*cte.select;
        let mut sources = Vec::new_in(alloc.clone());
        let (skip, remaining, collations) = within(select, env, |env| {
            let (skip, remaining) = limits(select, env)?;
            let collations = check(view, cte, shape, env, &mut sources)?;
            Ok((skip, remaining, collations))
        })?;
        let sort = sort_env(view);
        let seen = match shape.distinct {
            true => Some(Seen::new(collations, sort.budget.bytes, alloc.clone())),
            false => None,
        };
        Ok(Recursion {
            shape,
            queue: Queue::new(sort.platform, sort.budget.half(), alloc.clone()),
            seen,
            current: Vec::new_in(alloc),
            sources,
            state: State::Start,
            skip,
            remaining,
        })
    }

    /// Moves the next row of the table into `out`; `false` when there is
    /// none.
    pub fn next(
        &mut self,
        view: &'v View<'v, P, A>,
        cte: &Cte<'_, A>,
        env: Env<'_, A>,
        out: &mut Row<A>,
    ) -> Result<bool> {
        within(&cte.select, env, |env| {
            self.next_within(view, cte, env, out)
        })
    }

    /// [`Self::next`], the `WITH` tables of the table's query in `env`.
    fn next_within(
        &mut self,
        view: &'v View<'v, P, A>,
        cte: &Cte<'_, A>,
        env: Env<'_, A>,
        out: &mut Row<A>,
    ) -> Result<bool> {
        match self.state {
            State::Start => {
                for i in 0..self.shape.first {
                    self.run_member(view, &cte.select, i, env)?;
                }
            }
            State::Handed => self.recurse(view, cte, env)?,
            State::Taking => {}
        }
        self.state = State::Taking;
        loop {
            if self.remaining == Some(0) || !self.queue.pop(&mut self.current)? {
                return Ok(false);
            }
            if self.skip > 0 {
                self.skip -= 1;
                self.recurse(view, cte, env)?;
                continue;
            }
            if let Some(r) = self.remaining.as_mut() {
                *r -= 1;
            }
            copy_row(&self.current, out, env.alloc)?;
            self.state = State::Handed;
            return Ok(true);
        }
    }

    /// Runs each recursive `SELECT` with the table bound to the current
    /// row, queueing its rows.
    fn recurse(
        &mut self,
        view: &'v View<'v, P, A>,
        cte: &Cte<'_, A>,
        env: Env<'_, A>,
    ) -> Result<()> {
        let current = core::mem::replace(&mut self.current, Vec::new_in(env.alloc.clone()));
        let ran = bound(cte, &current, env, |env| {
            for i in self.shape.first..self.shape.count {
                self.run_member(view, &cte.select, i, env)?;
            }
            Ok(())
        });
        self.current = current;
        ran
    }

    /// Runs member `i` of `select` in `env`, queueing its rows (those not
    /// seen before, for `UNION`).
    fn run_member(
        &mut self,
        view: &'v View<'v, P, A>,
        select: &Select<'_, A>,
        i: usize,
        env: Env<'_, A>,
    ) -> Result<()> {
        let made = |seen: &mut Option<Seen<A>>, queue: &mut Queue<'v, P, A>, row: &mut Row<A>| {
            if let Some(seen) = seen.as_mut() {
                if !seen.insert(row)? {
                    return Ok(());
                }
            }
            queue.push(core::mem::replace(row, Vec::new_in(env.alloc.clone())))
        };
        let mut row = Vec::new_in(env.alloc.clone());
        let body = member(select, i)?;
        let slot = slot_of(&mut self.sources, i)?;
        let mut query = start_body(view, body, Ordering::none(), env, member_sort(view), slot)?;
        while next_body(&mut query, slot.as_mut(), Some(body), env, &mut row)? {
            made(&mut self.seen, &mut self.queue, &mut row)?;
        }
        Ok(())
    }
}

/// Makes `out` a copy of `row`, reusing its buffers.
fn copy_row<A: Allocator + Clone>(row: &Row<A>, out: &mut Row<A>, alloc: &A) -> Result<()> {
    out.truncate(row.len());
    for (i, value) in row.iter().enumerate() {
        match out.get_mut(i) {
            Some(slot) => assign(slot, value.as_ref(), alloc)?,
            None => out.try_push(crate::sql::eval::Value::try_from_ref(
                value.as_ref(),
                alloc.clone(),
            )?)?,
        }
    }
    Ok(())
}

/// Checks every member of `cte`'s query (names, equal widths), each
/// recursive one with the table bound to no row yet, and gives the
/// collation each column compares with for `UNION`.
fn check<'v, P: Platform, A: Allocator + Clone>(
    view: &'v View<'v, P, A>,
    cte: &Cte<'_, A>,
    shape: Shape,
    env: Env<'_, A>,
    sources: &mut Sources<'v, P, A>,
) -> Result<Vec<Collation, A>> {
    let select = &*cte.select;
    let alloc = env.alloc.clone();
    let mut width = 0;
    let mut running: Vec<Option<Collation>, A> = Vec::new_in(alloc.clone());
    let mut own = Vec::new_in(alloc.clone());
    for i in 0..shape.count {
        let body = member(select, i)?;
        let slot = slot_of(sources, i)?;
        let mut visit = |env: Env<'_, A>| -> Result<usize> {
            let source = open_source(view, body, env, slot)?;
            let alias = alias_of(body);
            let here = {
                let scope = source.scope(alias.as_ref());
                terms::check(&[], body, &scope)?;
                terms::width(body, &scope)
            };
            source.with_table(env, alias, |ctx| member_collations(body, ctx, &mut own))?;
            Ok(here)
        };
        let here = match i < shape.first {
            true => visit(env)?,
            false => bound(cte, &[], env, visit)?,
        };
        match i.checked_sub(1).and_then(|j| select.compound.get(j)) {
            None => width = here,
            Some((op, _)) if here != width => return Err(width_error(*op, body)),
            Some(_) => {}
        }
        merge_collations(&mut running, &own)?;
    }
    let mut collations = Vec::try_with_capacity_in(running.len(), alloc)?;
    for c in running.iter() {
        collations.try_push(c.unwrap_or_default())?;
    }
    Ok(collations)
}

/// Gives each column of `running` without a collation the one of `own`,
/// a member's columns to the right of those before.
fn merge_collations<A: Allocator>(
    running: &mut Vec<Option<Collation>, A>,
    own: &[Option<Collation>],
) -> Result<()> {
    for (k, collation) in own.iter().enumerate() {
        match running.get_mut(k) {
            Some(slot) if slot.is_none() => *slot = *collation,
            Some(_) => {}
            None => running.try_push(*collation)?,
        }
    }
    Ok(())
}
