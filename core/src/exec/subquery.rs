//! Subqueries in expressions: a scalar `(SELECT ...)`, `EXISTS (SELECT
//! ...)` and `x IN (SELECT ...)`, each run as a query of its own against
//! the row of the expression that holds it, whose columns it may read
//! (a correlated subquery).
//!
//! A compound subquery's rows are its compound's; its column's affinity
//! and collation, for `IN` and comparisons, are its last member's, as
//! SQLite's tree for a compound is headed by its last `SELECT`.
//!
//! Invariants:
//! - a subquery is run each time its expression is evaluated and its
//!   rows are handed on one at a time, never held: `IN` compares each
//!   candidate as it is read, so memory stays what one run of the
//!   subquery needs, whatever the number of its rows; except that a
//!   query's runner reads an uncorrelated one-column subquery once a run
//!   and hands out its values again, within a budget (see `once`), as
//!   SQLite reads such a subquery once, and keeps an uncorrelated `IN`'s
//!   values as a set it searches, past the budget in a temporary B-tree
//!   (see `in_set`);
//! - a subquery's columns resolve in its own table first, then in the
//!   rows it is nested in, innermost first, as SQLite resolves them;
//! - the table a subquery read is handed back to the statement's table
//!   cache, so the next run of the subquery does not read the schema;
//! - a runner over a statement's table cache keeps the sources of the
//!   last subquery it ran (and its row buffer) for that subquery's next
//!   run, as a correlated subquery runs once per outer row: its table
//!   stays open, its names bound and what of its plan no value decides
//!   chosen, only its keys are evaluated again for the row it runs
//!   against; whatever it keeps goes back to the cache
//!   when another subquery runs or the runner ends.

use boundlite_platform::Platform;

use core::cell::Cell;

use crate::alloc::{Allocator, TryClone, Vec};
use crate::record::ValueRef;
use crate::sql::eval::{
    SetKey, Shape, SubqueryCollation, Value, affinity, any_node, collation, explicit_collation,
};
use crate::sql::{Affinity, Expr, ResultColumn, Select, SelectBody};
use crate::table::{TableInfo, View};
use crate::{Error, Result};

use super::Env;
use super::cache::TableCache;
use super::check::subqueries_exist;
use super::context::RowContext;
use super::create_as::decimal;
use super::in_set::{InSet, SetBuilder};
use super::once::{Kept as Known, Once, parsed_from};
use super::rows::Rows;
use super::scope::Scope;
use super::select::{self, Sources};
use super::terms::{self, Output};
use super::with::within;

/// What runs the subqueries of a statement's expressions.
pub(crate) trait Subqueries<A: Allocator + Clone> {
    /// Runs `select` in `env` (whose `outer` is the row it runs
    /// against), handing `visit` the first column of each row until it
    /// returns `false`.
    fn run(
        &self,
        select: &Select<'_, A>,
        env: Env<'_, A>,
        shape: Shape,
        visit: &mut dyn FnMut(ValueRef<'_>) -> Result<bool>,
    ) -> Result<()>;

    /// Runs `select` in `env` (whose `outer` is the row it runs
    /// against) and puts the `n` values of its first row in `out`, NULLs
    /// when it has none (a row-value assignment's source).
    fn row(
        &self,
        select: &Select<'_, A>,
        env: Env<'_, A>,
        n: usize,
        out: &mut Vec<Value<A>, A>,
    ) -> Result<()>;

    /// Runs `select` in `env` (whose `outer` is the row it runs
    /// against), whose rows have `n` columns, handing `visit` each row
    /// until it returns `false` (a row value's operand).
    fn rows(
        &self,
        select: &Select<'_, A>,
        env: Env<'_, A>,
        n: usize,
        visit: &mut dyn FnMut(&[Value<A>]) -> Result<bool>,
    ) -> Result<()>;

    /// Checks the names of `select` in `env` (whose `outer` is a row it
    /// would run against, none current), as [`select::check_body`] does,
    /// and that it has the number of columns `shape` asks for.
    fn check(&self, select: &Select<'_, A>, shape: Shape, env: Env<'_, A>) -> Result<()>;

    /// The number of result columns of `select` in `env` (as
    /// [`Subqueries::check`] reads it), each `*` expanded.
    fn width(&self, select: &Select<'_, A>, env: Env<'_, A>) -> Result<usize>;

    /// The affinity of result column `column` of `select`.
    fn affinity(
        &self,
        select: &Select<'_, A>,
        column: usize,
        env: Env<'_, A>,
    ) -> Result<Option<Affinity>>;

    /// The collations of result column `column` of `select`.
    fn collation(
        &self,
        select: &Select<'_, A>,
        column: usize,
        env: Env<'_, A>,
    ) -> Result<SubqueryCollation>;

    /// `probe IN (select)` from the values of `select` kept searchable
    /// for the statement's run (see [`EvalContext::subquery_member`]);
    /// `None` when they are not kept.
    ///
    /// [`EvalContext::subquery_member`]: crate::sql::eval::EvalContext::subquery_member
    fn member(
        &self,
        select: &Select<'_, A>,
        env: Env<'_, A>,
        probe: &[ValueRef<'_>],
        keys: &[SetKey],
    ) -> Result<Option<Option<bool>>>;
}

/// A result column of a query.
enum Column<'s, 'a, 't, A: Allocator + Clone> {
    /// An expression.
    Expr(&'s Expr<'a, A>),
    /// Column `.1` of `.0`, from a `*`.
    Table(&'t TableInfo<A>, usize),
}

/// Runs subqueries through a connection's view.
pub(crate) struct Runner<'c, 'v, P: Platform, A: Allocator + Clone> {
    view: &'v View<'v, P, A>,
    /// The statement's table cache, where kept tables go back; `None`:
    /// nothing is kept from one run to the next.
    tables: Option<&'c TableCache<A>>,
    /// What the last subquery run left for its next run.
    kept: Cell<Option<Kept<'v, P, A>>>,
    /// Where the values of uncorrelated subqueries are kept for the
    /// statement's run, and the statement's text; `None`: each subquery
    /// runs each time.
    once: Option<(&'c Once<P, A>, &'c str)>,
    /// The affinity and the collations of the result columns last asked
    /// about (a comparison with a subquery asks on every row, a row
    /// value's for each of its columns), kept by a runner over a
    /// statement's table cache.
    affinity: Answer<Option<Affinity>>,
    collation: Answer<SubqueryCollation>,
}

/// What result column `.1` of the subquery at site `.0` was found to be,
/// for as many columns as [`ANSWERS`], column `c` in slot `c % ANSWERS`.
type Answer<T> = [Cell<Option<(usize, usize, T)>>; ANSWERS];

/// How many result columns' answers a runner keeps.
const ANSWERS: usize = 4;

/// The site of `select`: its address in the statement, which names one
/// subquery for the statement's run.
fn site_of<A: Allocator>(select: &Select<'_, A>) -> usize {
    select as *const Select<'_, A> as *const () as usize
}

/// The sources and row buffer of one subquery, kept between its runs.
struct Kept<'v, P: Platform, A: Allocator + Clone> {
    /// Which subquery: the address of its `Select` in the statement.
    site: usize,
    sources: Sources<'v, P, A>,
    row: Vec<Value<A>, A>,
}

impl<'c, 'v, P: Platform, A: Allocator + Clone> Runner<'c, 'v, P, A> {
    /// A runner reading through `view`, keeping nothing between runs.
    pub fn new(view: &'v View<'v, P, A>) -> Self {
        Runner {
            view,
            tables: None,
            kept: Cell::new(None),
            once: None,
            affinity: Default::default(),
            collation: Default::default(),
        }
    }

    /// A runner reading through `view` that keeps the last subquery's
    /// sources for its next run, handing their tables back to `tables`
    /// when it lets them go, and the values of the uncorrelated
    /// subqueries of `text` (a query's) in `once`.
    pub fn keeping(
        view: &'v View<'v, P, A>,
        tables: &'c TableCache<A>,
        once: &'c Once<P, A>,
        text: &'c str,
    ) -> Self {
        Runner {
            view,
            tables: Some(tables),
            kept: Cell::new(None),
            once: Some((once, text)),
            affinity: Default::default(),
            collation: Default::default(),
        }
    }

    /// The kept sources of the subquery at `site`, or empty ones (what
    /// another subquery left going back to the cache).
    fn take_kept(&self, site: usize, env: Env<'_, A>) -> Kept<'v, P, A> {
        match self.kept.take() {
            Some(kept) if kept.site == site => kept,
            other => {
                if let Some(other) = other {
                    give_back_all(other.sources, env);
                }
                Kept {
                    site,
                    sources: Vec::new_in(env.alloc.clone()),
                    row: Vec::new_in(env.alloc.clone()),
                }
            }
        }
    }

    /// The answer `answers` keeps for result column `column` of the
    /// subquery at `site`, if it keeps one.
    fn answered<T: Copy>(&self, answers: &Answer<T>, site: usize, column: usize) -> Option<T> {
        match answers.get(column % ANSWERS).and_then(Cell::get) {
            Some((s, c, known)) if s == site && c == column => Some(known),
            _ => None,
        }
    }

    /// Keeps `found` in `answers` for result column `column` of the
    /// subquery at `site`, when the runner keeps the sources its
    /// subqueries leave (a runner over one run of a statement's table
    /// cache, as the sources are); other runners keep nothing.
    fn keep_answer<T: Copy>(&self, answers: &Answer<T>, site: usize, column: usize, found: T) {
        if let (Some(_), Some(slot)) = (self.tables, answers.get(column % ANSWERS)) {
            slot.set(Some((site, column, found)));
        }
    }

    /// `f` of result column `column` of `select` (of its last member)
    /// and a context over its table (no row current), which reads the
    /// rows around it through `env`.
    fn nth_column<T>(
        &self,
        select: &Select<'_, A>,
        column: usize,
        env: Env<'_, A>,
        f: impl FnOnce(Column<'_, '_, '_, A>, &RowContext<'_, '_, A>) -> T,
    ) -> Result<T> {
        let body = last_member(select);
        let mut slot = None;
        let found = within(select, env, |env| {
            let rows = select::open_source(self.view, body, env, &mut slot)?;
            let alias = select::alias_of(body);
            let scope = rows.scope(alias.as_ref());
            let output = terms::output_at(body, &scope, column)
                .ok_or(Error::Misuse("a result column past the query's width"))?;
            rows.with_table(env, alias, |ctx| match output {
                Output::Expr(expr) => Ok(f(Column::Expr(expr), ctx)),
                Output::TableColumn { level, column } => {
                    let table = scope
                        .table(level)
                        .ok_or(Error::Sql("no tables specified"))?;
                    Ok(f(Column::Table(table, column), ctx))
                }
            })
        });
        select::give_back(slot, env);
        found
    }

    /// [`Subqueries::run`], its source in `sources`.
    fn rows(
        &self,
        select: &Select<'_, A>,
        env: Env<'_, A>,
        shape: Shape,
        visit: &mut dyn FnMut(&[Value<A>]) -> Result<bool>,
        kept: &mut Kept<'v, P, A>,
    ) -> Result<()> {
        let Kept { sources, row, .. } = kept;
        let mut query = select::start(self.view, select, env, sources)?;
        // The members of a compound have one width, checked as it starts.
        let body = &select.core;
        let alias = select::alias_of(body);
        if let Some(rows) = sources.first().and_then(Option::as_ref) {
            one_column(body, &rows.scope(alias.as_ref()), shape)?;
        }
        while select::next(self.view, &mut query, sources, Some(select), env, row)? {
            if !visit(row)? {
                break;
            }
        }
        Ok(())
    }
}

impl<P: Platform, A: Allocator + Clone> Drop for Runner<'_, '_, P, A> {
    fn drop(&mut self) {
        if let (Some(tables), Some(kept)) = (self.tables, self.kept.take()) {
            for table in kept
                .sources
                .into_iter()
                .flatten()
                .filter_map(Rows::into_table)
            {
                tables.put(table);
            }
        }
    }
}

/// Hands the tables of `sources` back to the statement's cache.
fn give_back_all<P: Platform, A: Allocator + Clone>(sources: Sources<'_, P, A>, env: Env<'_, A>) {
    for rows in sources {
        select::give_back(rows, env);
    }
}

impl<P: Platform, A: Allocator + Clone> Subqueries<A> for Runner<'_, '_, P, A> {
    fn run(
        &self,
        select: &Select<'_, A>,
        env: Env<'_, A>,
        shape: Shape,
        visit: &mut dyn FnMut(ValueRef<'_>) -> Result<bool>,
    ) -> Result<()> {
        let site = select as *const Select<'_, A> as *const () as usize;
        if let Some((once, text)) = self
            .once
            .filter(|_| matches!(shape, Shape::Column | Shape::Rows))
        {
            match once.take(site) {
                Known::Values(values) => {
                    let replayed = replay(&values, visit);
                    once.keep(site, Known::Values(values), env.alloc)?;
                    return replayed;
                }
                // Kept for an `IN` of this subquery; not asked for here.
                Known::Set(set) => once.keep(site, Known::Set(set), env.alloc)?,
                Known::EachTime => {}
                Known::Unseen => {
                    let read = match (parsed_from(select, text), shape) {
                        (false, _) => None,
                        (true, Shape::Rows) => self.read_first(select, env)?,
                        (true, _) => self.read_once(select, env, shape, once)?,
                    };
                    return match read {
                        Some(values) => {
                            let replayed = replay(&values, visit);
                            once.keep(site, Known::Values(values), env.alloc)?;
                            replayed
                        }
                        None => {
                            once.keep(site, Known::EachTime, env.alloc)?;
                            self.stream(select, env, shape, visit)
                        }
                    };
                }
            }
        }
        self.stream(select, env, shape, visit)
    }

    fn row(
        &self,
        select: &Select<'_, A>,
        env: Env<'_, A>,
        n: usize,
        out: &mut Vec<Value<A>, A>,
    ) -> Result<()> {
        let site = select as *const Select<'_, A> as *const () as usize;
        let Some((once, text)) = self.once else {
            return self.first_row(select, env, n, out);
        };
        match once.take(site) {
            Known::Values(values) => {
                let copied = copy_row(&values, out);
                once.keep(site, Known::Values(values), env.alloc)?;
                copied
            }
            Known::Set(set) => {
                once.keep(site, Known::Set(set), env.alloc)?;
                self.first_row(select, env, n, out)
            }
            Known::EachTime => self.first_row(select, env, n, out),
            Known::Unseen => {
                // Read once when it reads no row around it, as `run` does.
                let alone = Env { outer: None, ..env };
                let kept = match parsed_from(select, text) {
                    true => match self.check_names(select, Shape::Row(n), alone) {
                        Ok(()) => match self.first_row(select, alone, n, out) {
                            Ok(()) => {
                                let budget = self.view.sort_budget().bytes;
                                let mut fits = true;
                                for value in out.iter() {
                                    fits &= once.charge(value.as_ref(), budget);
                                }
                                fits
                            }
                            Err(Error::OutOfMemory) => return Err(Error::OutOfMemory),
                            Err(_) => false,
                        },
                        Err(Error::OutOfMemory) => return Err(Error::OutOfMemory),
                        Err(_) => false,
                    },
                    false => false,
                };
                if !kept {
                    once.keep(site, Known::EachTime, env.alloc)?;
                    return self.first_row(select, env, n, out);
                }
                let mut values = Vec::try_with_capacity_in(out.len(), env.alloc.clone())?;
                copy_row(out, &mut values)?;
                once.keep(site, Known::Values(values), env.alloc)
            }
        }
    }

    fn rows(
        &self,
        select: &Select<'_, A>,
        env: Env<'_, A>,
        n: usize,
        visit: &mut dyn FnMut(&[Value<A>]) -> Result<bool>,
    ) -> Result<()> {
        self.stream_rows(select, env, Shape::Columns(n), visit)
    }

    fn check(&self, select: &Select<'_, A>, shape: Shape, env: Env<'_, A>) -> Result<()> {
        self.check_names(select, shape, env)
    }

    fn member(
        &self,
        select: &Select<'_, A>,
        env: Env<'_, A>,
        probe: &[ValueRef<'_>],
        keys: &[SetKey],
    ) -> Result<Option<Option<bool>>> {
        let Some((once, text)) = self.once else {
            return Ok(None);
        };
        let site = site_of(select);
        let kept = match once.take(site) {
            Known::Set(set) if set.keys() == keys => set,
            Known::Unseen if parsed_from(select, text) => {
                match self.read_set(select, env, once, keys)? {
                    Some(set) => set,
                    None => {
                        once.keep(site, Known::EachTime, env.alloc)?;
                        return Ok(None);
                    }
                }
            }
            Known::Unseen => {
                once.keep(site, Known::EachTime, env.alloc)?;
                return Ok(None);
            }
            other => {
                once.keep(site, other, env.alloc)?;
                return Ok(None);
            }
        };
        let found = kept.contains(probe);
        once.keep(site, Known::Set(kept), env.alloc)?;
        found.map(Some)
    }

    fn width(&self, select: &Select<'_, A>, env: Env<'_, A>) -> Result<usize> {
        let body = &*select.core;
        let mut slot = None;
        let found = within(select, env, |env| {
            let rows = select::open_source(self.view, body, env, &mut slot)?;
            let alias = select::alias_of(body);
            Ok(terms::width(body, &rows.scope(alias.as_ref())))
        });
        select::give_back(slot, env);
        found
    }

    fn affinity(
        &self,
        select: &Select<'_, A>,
        column: usize,
        env: Env<'_, A>,
    ) -> Result<Option<Affinity>> {
        let site = site_of(select);
        if let Some(known) = self.answered(&self.affinity, site, column) {
            return Ok(known);
        }
        let found = self.nth_column(select, column, env, |found, ctx| match found {
            Column::Expr(expr) => affinity(expr, ctx),
            Column::Table(table, i) => Ok(table.meta.get(i).map(|m| m.affinity)),
        })??;
        self.keep_answer(&self.affinity, site, column, found);
        Ok(found)
    }

    fn collation(
        &self,
        select: &Select<'_, A>,
        column: usize,
        env: Env<'_, A>,
    ) -> Result<SubqueryCollation> {
        let site = site_of(select);
        if let Some(known) = self.answered(&self.collation, site, column) {
            return Ok(known);
        }
        let found = self.nth_column(select, column, env, |found, ctx| match found {
            Column::Expr(expr) => Ok::<_, Error>(SubqueryCollation {
                explicit: explicit_collation(expr)?,
                any: collation(expr, ctx)?,
            }),
            Column::Table(table, i) => Ok(SubqueryCollation {
                explicit: None,
                any: table.columns.columns.get(i).and_then(|c| c.collation),
            }),
        })??;
        self.keep_answer(&self.collation, site, column, found);
        Ok(found)
    }
}

/// Puts copies of `values` in `out`, in place of what it held.
fn copy_row<A: Allocator + Clone>(values: &[Value<A>], out: &mut Vec<Value<A>, A>) -> Result<()> {
    out.clear();
    out.try_reserve(values.len())?;
    for value in values {
        out.try_push(value.try_clone()?)?;
    }
    Ok(())
}

/// Hands `visit` the kept `values` in order until it returns `false`.
fn replay<A: Allocator>(
    values: &[Value<A>],
    visit: &mut dyn FnMut(ValueRef<'_>) -> Result<bool>,
) -> Result<()> {
    for value in values {
        if !visit(value.as_ref())? {
            break;
        }
    }
    Ok(())
}

impl<P: Platform, A: Allocator + Clone> Runner<'_, '_, P, A> {
    /// The values of all the rows of `select` when it reads no row around
    /// it (its names resolve with none), its run succeeds and they fit
    /// `once`'s budget; `None` otherwise. Only running out of memory is
    /// an error.
    fn read_once(
        &self,
        select: &Select<'_, A>,
        env: Env<'_, A>,
        shape: Shape,
        once: &Once<P, A>,
    ) -> Result<Option<Vec<Value<A>, A>>> {
        let budget = self.view.sort_budget().bytes;
        let read = self.alone(select, env, shape, |alone| {
            let mut values = Vec::new_in(env.alloc.clone());
            let mut fits = true;
            self.stream(select, alone, shape, &mut |v| {
                if !once.charge(v, budget) {
                    fits = false;
                    return Ok(false);
                }
                values.try_push(Value::try_from_ref(v, env.alloc.clone())?)?;
                Ok(true)
            })?;
            Ok(fits.then_some(values))
        })?;
        Ok(read.flatten())
    }

    /// The rows of `select` as a set `x IN (select)` (or `(a, b, ...) IN
    /// (select)`) searches under `keys`, one per column, when it reads no
    /// row around it (its names resolve with none) and its run succeeds;
    /// `None` otherwise, and when the platform has no temporary files for
    /// a set past `once`'s budget. Only running out of memory is an error.
    fn read_set(
        &self,
        select: &Select<'_, A>,
        env: Env<'_, A>,
        once: &Once<P, A>,
        keys: &[SetKey],
    ) -> Result<Option<InSet<P, A>>> {
        let budget = self.view.sort_budget();
        let shape = match keys.len() {
            1 => Shape::Column,
            n => Shape::Columns(n),
        };
        self.alone(select, env, shape, |alone| {
            let mut set = SetBuilder::new(keys, self.view.platform(), budget, env.alloc)?;
            self.stream_rows(select, alone, shape, &mut |row| {
                let row = row
                    .get(..keys.len())
                    .ok_or(Error::Sql("row value misused"))?;
                let fits = once.charge_row(row, budget.bytes);
                set.push(row, fits)?;
                Ok(true)
            })?;
            set.finish()
        })
    }

    /// Whether `select` has a row (for `EXISTS`), as the values `run`
    /// hands out for it (one NULL, or none), when it reads no row around
    /// it and its run to its first row succeeds; `None` otherwise. Only
    /// running out of memory is an error.
    fn read_first(
        &self,
        select: &Select<'_, A>,
        env: Env<'_, A>,
    ) -> Result<Option<Vec<Value<A>, A>>> {
        self.alone(select, env, Shape::Rows, |alone| {
            let mut any = false;
            self.stream(select, alone, Shape::Rows, &mut |_| {
                any = true;
                Ok(false)
            })?;
            // One value at most a subquery of the statement's text:
            // nothing the budget need count.
            let mut values = Vec::new_in(env.alloc.clone());
            if any {
                values.try_push(Value::Null)?;
            }
            Ok(values)
        })
    }

    /// What `read` finds of `select` run with no row around it, when its
    /// names resolve so (it is uncorrelated) and `read` succeeds; `None`
    /// otherwise, so that it runs each time and a run of its own gives its
    /// error. Only running out of memory is an error.
    fn alone<T>(
        &self,
        select: &Select<'_, A>,
        env: Env<'_, A>,
        shape: Shape,
        read: impl FnOnce(Env<'_, A>) -> Result<T>,
    ) -> Result<Option<T>> {
        let alone = Env { outer: None, ..env };
        match self
            .check_names(select, shape, alone)
            .and_then(|()| read(alone))
        {
            Ok(found) => Ok(Some(found)),
            Err(Error::OutOfMemory) => Err(Error::OutOfMemory),
            Err(_) => Ok(None),
        }
    }

    /// Runs `select` anew, handing `visit` its first column row by row.
    fn stream(
        &self,
        select: &Select<'_, A>,
        env: Env<'_, A>,
        shape: Shape,
        visit: &mut dyn FnMut(ValueRef<'_>) -> Result<bool>,
    ) -> Result<()> {
        self.stream_rows(select, env, shape, &mut |row| {
            visit(row.first().map_or(ValueRef::Null, Value::as_ref))
        })
    }

    /// Puts the `n` values of the first row of `select`, run anew, in
    /// `out`: NULLs when it has none.
    fn first_row(
        &self,
        select: &Select<'_, A>,
        env: Env<'_, A>,
        n: usize,
        out: &mut Vec<Value<A>, A>,
    ) -> Result<()> {
        out.clear();
        out.try_reserve(n)?;
        self.stream_rows(select, env, Shape::Row(n), &mut |row| {
            for value in row.iter().take(n) {
                out.try_push(value.try_clone()?)?;
            }
            Ok(false)
        })?;
        while out.len() < n {
            out.try_push(Value::Null)?;
        }
        Ok(())
    }

    /// Runs `select` anew, handing `visit` its rows one by one.
    fn stream_rows(
        &self,
        select: &Select<'_, A>,
        env: Env<'_, A>,
        shape: Shape,
        visit: &mut dyn FnMut(&[Value<A>]) -> Result<bool>,
    ) -> Result<()> {
        let site = select as *const Select<'_, A> as *const () as usize;
        let mut kept = self.take_kept(site, env);
        let result = self.rows(select, env, shape, visit, &mut kept);
        // A run that failed may have left its sources half started: they
        // are not reused.
        if self.tables.is_none() || result.is_err() {
            give_back_all(kept.sources, env);
        } else if let Some(other) = self.kept.replace(Some(kept)) {
            // A subquery run inside this one kept its own.
            give_back_all(other.sources, env);
        }
        result
    }

    /// [`Subqueries::check`].
    fn check_names(&self, select: &Select<'_, A>, shape: Shape, env: Env<'_, A>) -> Result<()> {
        let mut slot = None;
        let checked = within(select, env, |env| {
            for (i, body) in members(select).enumerate() {
                let rows = select::open_source(self.view, body, env, &mut slot)?;
                let alias = select::alias_of(body);
                let scope = rows.scope(alias.as_ref());
                one_column(body, &scope, shape)?;
                if i == 0 {
                    for term in select.order_by.iter() {
                        subqueries_exist(&term.expr, &scope, env)?;
                    }
                }
                select::give_back(slot.take(), env);
            }
            Ok(())
        });
        select::give_back(slot, env);
        checked
    }
}

/// The members of `select`, left to right.
fn members<'s, 'a, A: Allocator>(
    select: &'s Select<'a, A>,
) -> impl Iterator<Item = &'s SelectBody<'a, A>> {
    core::iter::once(&*select.core).chain(select.compound.iter().map(|(_, body)| &**body))
}

/// The last member of `select`: the one whose first column gives a
/// compound subquery's affinity and collation.
fn last_member<'s, 'a, A: Allocator>(select: &'s Select<'a, A>) -> &'s SelectBody<'a, A> {
    select
        .compound
        .last()
        .map_or(&select.core, |(_, body)| body)
}

/// Whether `select` holds a subquery in any of its expressions.
pub(crate) fn holds_subquery<A: Allocator>(select: &Select<'_, A>) -> bool {
    let limit = select
        .limit
        .iter()
        .flat_map(|l| core::iter::once(&l.limit).chain(l.offset.as_ref()));
    let in_bodies = members(select).any(|body| {
        let columns = body.columns.iter().filter_map(|c| match c {
            ResultColumn::Expr { expr, .. } => Some(expr),
            _ => None,
        });
        columns
            .chain(body.where_clause.as_ref())
            .chain(body.group_by.iter())
            .chain(body.having.as_ref())
            .any(expr_holds_subquery)
    });
    in_bodies
        || select
            .order_by
            .iter()
            .map(|t| &t.expr)
            .chain(limit)
            .any(expr_holds_subquery)
}

/// Whether `expr` holds a subquery.
pub(crate) fn expr_holds_subquery<A: Allocator>(expr: &Expr<'_, A>) -> bool {
    any_node(expr, &mut |e| {
        matches!(e, Expr::Subquery(_) | Expr::Exists(_) | Expr::InSelect(_))
    })
}

/// Refuses `body`, reading `table`, unless it has the number of result
/// columns `shape` asks for.
fn one_column<A: Allocator + Clone>(
    body: &SelectBody<'_, A>,
    scope: &dyn Scope<A>,
    shape: Shape,
) -> Result<()> {
    let columns = terms::width(body, scope);
    match shape {
        Shape::Column if columns != 1 => Err(sub_select_columns(columns, 1)),
        Shape::Columns(n) if columns != n => Err(sub_select_columns(columns, n)),
        Shape::Row(n) if columns != n => Err(assigned_count(n, columns)),
        _ => Ok(()),
    }
}

/// A count as an error's number.
fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// SQLite's error for a row-value assignment of `columns` columns whose
/// value has `values`.
pub(crate) fn assigned_count(columns: usize, values: usize) -> Error {
    let (mut a, mut b) = ([0u8; 10], [0u8; 10]);
    crate::Named::AssignedCount.error2(
        decimal(count(columns), &mut a),
        decimal(count(values), &mut b),
    )
}

/// SQLite's error for a subquery of `columns` columns where a value of
/// `expected` is asked for.
pub(crate) fn sub_select_columns(columns: usize, expected: usize) -> Error {
    let (mut a, mut b) = ([0u8; 10], [0u8; 10]);
    crate::Named::SubSelectColumns.error2(
        decimal(count(columns), &mut a),
        decimal(count(expected), &mut b),
    )
}

/// SQLite's error for an item of `terms` values in an `IN` list whose
/// row value has `expected`.
pub(crate) fn in_element_terms(terms: usize, expected: usize) -> Error {
    let (mut a, mut b) = ([0u8; 10], [0u8; 10]);
    crate::Named::InElementTerms.error2(
        decimal(count(terms), &mut a),
        decimal(count(expected), &mut b),
    )
}
