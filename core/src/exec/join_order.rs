//! The order in which a join nests the loops over the tables of its
//! `FROM`: chosen once, when the statement's names are bound, so that a
//! table is read where the tables already placed narrow it most.
//!
//! The caller splits the tables into runs, nested one inside the next
//! (see [`Run`]): at each join that is not inner (`,`, `JOIN`, `INNER
//! JOIN`), a `LEFT JOIN` or `CROSS JOIN` starts a run and its right table
//! stays first in it, so the tables on its left are all outer to it, as
//! SQLite keeps them (a `LEFT JOIN` needs its left side whole to know
//! which rows match nothing; SQLite never moves a `CROSS JOIN`'s right
//! table ahead of its left); a `RIGHT JOIN`'s right table is a run of its
//! own, outside the run of the tables to its left. Within a run the
//! planner picks, greedily, the table that:
//!
//! 1. the tables placed so far let its plan seek (a rowid or index
//!    equality, then an `IN` list, then a range: [`rank`]);
//! 2. else one that an `AND` term links to a table placed (that term is
//!    then tested at its loop, before any table it does not read);
//! 3. else one that an `AND` term reading it alone filters;
//!
//! ties going to the table whose placing lets another table be sought,
//! then to the first in `FROM` order.
//!
//! Invariant: the order only changes which rows each loop visits and
//! when a term is tested, never which joined rows pass them, so a query's
//! rows are the same multiset whatever order is chosen (their order
//! without `ORDER BY` may differ from SQLite's, as SQLite's own does from
//! one version to the next).

use crate::Result;
use crate::alloc::{Allocator, Vec};
use crate::sql::eval::any_node;
use crate::sql::{Expr, Ident};
use crate::table::TableInfo;

use super::plan::{Here, Indexes, Plan, shape};
use super::scope::Tables;

/// Whether the first table of a run may move within it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Link {
    /// Any table of the run may come first.
    Inner,
    /// The first table (a `LEFT JOIN`'s or `CROSS JOIN`'s right table)
    /// stays first.
    Fixed,
}

/// Tables of the `FROM` (by position) whose loops nest together, inside
/// those of the runs before it.
#[derive(Debug, Clone)]
pub(crate) struct Run {
    /// The positions of its tables.
    pub levels: core::ops::Range<usize>,
    /// Whether its first table stays first.
    pub first: Link,
}

/// What the planner knows of a table of the `FROM`, at its level.
pub(crate) struct Entry<'t, 'n, A: Allocator> {
    /// Its columns (a subquery's as a table).
    pub table: &'t TableInfo<A>,
    /// Its alias.
    pub alias: Option<Ident<'n>>,
    /// The indexes its hint allows; `None` for a subquery in `FROM`,
    /// which no plan seeks.
    pub seek: Option<Indexes>,
}

/// What one `AND` term reads.
#[derive(Clone, Copy)]
struct Reads {
    tables: Tables,
    /// Whether it holds a subquery (tested once every table has a row).
    subquery: bool,
}

/// The rank of a plan: lower reads fewer rows.
pub(crate) fn rank(plan: Plan) -> u8 {
    match plan {
        Plan::Empty => 0,
        Plan::RowidEq(_) => 1,
        Plan::IndexEq { .. } => 2,
        Plan::RowidIn | Plan::IndexIn { .. } => 3,
        Plan::RowidRange { .. } => 4,
        // An automatic index is built only for a level a scan would
        // read: the order of the loops never chooses it.
        Plan::IndexRange { .. } | Plan::AutoEq { .. } => 5,
        Plan::Scan => 6,
    }
}

/// Ranks past a scan's: a table a term links to one placed, a table a
/// term filters alone, a table nothing narrows.
const LINKED: u8 = 7;
const FILTERED: u8 = 8;
const BARE: u8 = 9;

/// The levels of `entries` in the order their loops nest (outermost
/// first), run after run of `runs`, given the `AND` terms of `WHERE` and
/// of the `ON` and `USING` clauses of the joins that are not `LEFT`,
/// their names bound.
pub(crate) fn order<A: Allocator + Clone>(
    entries: &[Entry<'_, '_, A>],
    runs: &[Run],
    terms: &[&Expr<'_, A>],
    alloc: &A,
) -> Result<Vec<usize, A>> {
    let mut reads = Vec::try_with_capacity_in(terms.len(), alloc.clone())?;
    for term in terms {
        reads.try_push(reads_of(term))?;
    }
    let planner = Planner {
        entries,
        terms,
        reads: &reads,
    };
    let mut order = Vec::try_with_capacity_in(entries.len(), alloc.clone())?;
    let mut placed = Tables::NONE;
    for run in runs {
        if run.first == Link::Fixed && !run.levels.is_empty() {
            order.try_push(run.levels.start)?;
            placed = placed.with(run.levels.start);
        }
        while let Some(next) = planner.pick(run.levels.clone(), placed)? {
            order.try_push(next)?;
            placed = placed.with(next);
        }
    }
    Ok(order)
}

/// The tables `term` reads, and whether it holds a subquery.
fn reads_of<A: Allocator>(term: &Expr<'_, A>) -> Reads {
    let mut reads = Reads {
        tables: Tables::NONE,
        subquery: false,
    };
    any_node(term, &mut |e| {
        match e {
            Expr::Column(c) => {
                if let Some((level, _)) = c.binding.get() {
                    reads.tables = reads.tables.with(level);
                }
            }
            Expr::Subquery(_) | Expr::Exists(_) | Expr::InSelect(_) => reads.subquery = true,
            _ => {}
        }
        false
    });
    reads
}

/// The tables and terms one choice of order looks at.
struct Planner<'p, 't, 'n, 'e, 'a, A: Allocator> {
    entries: &'p [Entry<'t, 'n, A>],
    terms: &'p [&'e Expr<'a, A>],
    reads: &'p [Reads],
}

impl<A: Allocator + Clone> Planner<'_, '_, '_, '_, '_, A> {
    /// The level of `run` to place next, after the tables of `placed`;
    /// `None` when every level of the run is placed.
    fn pick(&self, run: core::ops::Range<usize>, placed: Tables) -> Result<Option<usize>> {
        let mut best: Option<(u8, bool, usize)> = None;
        for k in run.clone().filter(|&k| !placed.has(k)) {
            let rank = self.rank_of(k, placed)?;
            if best.is_some_and(|(r, _, _)| r < rank) {
                continue;
            }
            // Only a tie needs the look ahead.
            let enables = self.enables(k, run.clone(), placed)?;
            let better = match best {
                None => true,
                Some((r, e, _)) => rank < r || (enables && !e),
            };
            if better {
                best = Some((rank, enables, k));
            }
        }
        Ok(best.map(|(_, _, k)| k))
    }

    /// How well the table at `k` is read inside the tables of `placed`.
    fn rank_of(&self, k: usize, placed: Tables) -> Result<u8> {
        let seek = self.seek_rank(k, placed)?;
        if seek < rank(Plan::Scan) {
            return Ok(seek);
        }
        let with = placed.with(k);
        let mut best = BARE;
        for reads in self.reads.iter().filter(|r| !r.subquery && r.tables.has(k)) {
            if !with.covers(reads.tables) {
                continue;
            }
            let linked = reads.tables.meets(placed);
            best = best.min(if linked { LINKED } else { FILTERED });
        }
        Ok(best)
    }

    /// The rank of the best plan the terms give the table at `k` inside
    /// the tables of `placed`.
    fn seek_rank(&self, k: usize, placed: Tables) -> Result<u8> {
        let Some(entry) = self.entries.get(k) else {
            return Ok(BARE);
        };
        let Some(indexes) = entry.seek else {
            return Ok(rank(Plan::Scan));
        };
        let here = Here {
            table: entry.table,
            alias: entry.alias.as_ref(),
            level: k,
            outer: placed,
        };
        let mut best = rank(Plan::Scan);
        for (term, reads) in self.terms.iter().zip(self.reads) {
            if reads.subquery || !reads.tables.has(k) {
                continue;
            }
            best = best.min(rank(shape(Some(*term), here, indexes)?));
        }
        Ok(best)
    }

    /// Whether placing the table at `k` lets another unplaced table of
    /// `run` be read better than the tables of `placed` let it.
    fn enables(&self, k: usize, run: core::ops::Range<usize>, placed: Tables) -> Result<bool> {
        let with = placed.with(k);
        for other in run.filter(|&o| o != k && !placed.has(o)) {
            if self.seek_rank(other, with)? < self.seek_rank(other, placed)? {
                return Ok(true);
            }
        }
        Ok(false)
    }
}
