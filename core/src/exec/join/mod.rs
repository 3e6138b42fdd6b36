//! [`Join`]: the rows of the tables of a `FROM` with joins, read in
//! nested loops, one table per level, nested in the order `join_order`
//! chooses (`FROM` order where nothing is to gain, or across a `LEFT` or
//! `CROSS JOIN`). A level is known by its table's position in the `FROM`
//! (what column bindings name) and by its loop's depth in the nest.
//!
//! - Each `AND` term of `WHERE` and of the `ON` clauses of inner joins is
//!   evaluated at the first depth where every table it reads has a row
//!   (a term with a subquery at the last), so a row that fails it
//!   stops the loops below it (an inner join's `ON` may name a table to
//!   its right, as SQLite allows); the `ON` terms of a `LEFT JOIN` (and the
//!   equalities of `USING` and `NATURAL`) are evaluated at the level of
//!   its right table and decide whether a row there matches; an inner
//!   join's `USING` equalities are tested where both tables have a row.
//! - A `LEFT JOIN` level that matched no row for the rows above it reads
//!   one row of NULLs, on which the other terms of its level are then
//!   evaluated as on any row. A parenthesised join right of a `LEFT
//!   JOIN` (`t1 LEFT JOIN (t2 JOIN t3 ON ...) ON ...`) is one span of
//!   levels nested together: its `ON` clauses and the `LEFT JOIN`'s
//!   decide what matches, `WHERE` terms waiting for its last level, and
//!   all its tables read NULLs when none of its rows match.
//! - A `RIGHT JOIN` nests the tables to its left inside its right table,
//!   as one span ([`Span`]) that reads one row of NULLs (every table of
//!   it) when none of its rows matches the right table's row: what
//!   matches is decided by the `ON` clauses of the joins up to the `RIGHT
//!   JOIN` alone, `WHERE` terms waiting for the span's last level. A
//!   `FULL JOIN` reads two nests one after the other: the `FROM` read as
//!   if it were a `LEFT JOIN`, then as a `RIGHT JOIN` that passes on only
//!   its rows of NULLs (the rows of its right table nothing matched).
//! - Each level's plan is chosen for every row of the level above it, so
//!   `t2.id = t1.x` seeks `t2` by rowid or index, as a correlated bound;
//!   a level that would scan, or run its subquery, for the second time in
//!   a run reads its rows once into an automatic index (or keeps its
//!   subquery's rows) by the column a term `column = bound` links to the
//!   rows around it, and seeks that from then on (see `auto_index`).
//! - `USING` and `NATURAL` merge the right table's column into the
//!   leftmost column of that name: `*` and unqualified names skip it
//!   (for a `RIGHT JOIN`, names read the right table's column, which `*`
//!   shows at the left one's place).
//!
//! Invariants: memory is one cursor per level, whatever the number of
//! rows, and the automatic indexes' entries within the sort budget
//! together (a `FULL JOIN` knows its right table's unmatched rows by reading
//! the tables to its left again for each, never by holding them); a step
//! resumes from the row each level is on (the cursors are the state),
//! never re-reads a row it passed. Refused by name: more than one `RIGHT`
//! or `FULL JOIN`, one after a `LEFT JOIN`, and what `using` refuses
//! (and, as SQLite refuses it, an `ON` clause beside one that names a
//! table to its right). A
//! subquery in `FROM` is a level whose rows its query streams (see
//! `derived`).
//!
//! - `nest`: the order of the loops and where each term is evaluated;
//! - `step`: one step of the loops, from the rows the levels are on;
//! - `using`: the columns `USING` and `NATURAL` merge.

use core::cell::{Cell, OnceCell};
use core::ops::Range;

use boundlite_platform::Platform;

use crate::alloc::{Allocator, Box, String, Vec};
use crate::record::Collation;
use crate::sql::eval::Value;
use crate::sql::{Expr, FromClause, Ident, JoinConstraint, JoinKind, Select, SelectBody, TableRef};
use crate::table::{SchemaVersion, TableInfo, View};
use crate::{Error, Result};

mod nest;
mod step;
mod using;

use nest::{Nest, arrange, left_groups_of, move_using, proven_terms};
use step::{Shared, nest_current, step};

use super::Env;
use super::auto_index::{Budget as AutoBudget, By};
use super::check::with_scope;
use super::context::Place;
use super::context::RowContext;
use super::derived::Derived;
use super::join_order::rank;
use super::json_table::JsonLevel;
use super::plan::{Access, Here, Indexes, Plan, auto_key, auto_term, choose, shape};
use super::scope::{MAX_TABLES, Merge, Scope, Tables};
use super::select::load_table;
use super::source::Source;
use super::with::with_query;

/// What [`Join::each_plan`] hands each table: the table, its alias, the
/// shape of its plan and whether it is a `LEFT JOIN`'s right table.
pub(crate) type EachPlan<'f, A> =
    dyn FnMut(&TableInfo<A>, Option<&str>, Plan, bool) -> Result<()> + 'f;

/// How a level joins the levels above it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Its rows pair with the rows above them only when they match.
    Inner,
    /// `LEFT JOIN`: a row above that matches none reads a row of NULLs.
    Left,
    /// The right table of a `RIGHT JOIN`: each of its rows is kept, the
    /// tables to its left (nested inside it) reading a row of NULLs
    /// where none of theirs matches it.
    Right,
    /// The right table of a `FULL JOIN`: read first as a `LEFT JOIN`'s,
    /// then, in a second nest, as a `RIGHT JOIN`'s whose matched rows
    /// are left out (they were read in the first).
    Full,
}

/// The `RIGHT` or `FULL JOIN` of a `FROM`: the position of its right
/// table and its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Preserved {
    at: usize,
    kind: Kind,
}

/// Which rows of a [`Span`] pass on to the levels below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Emit {
    /// Its matched rows, else its row of NULLs.
    All,
    /// Only its row of NULLs, when no row matched (a `FULL JOIN`'s
    /// second nest).
    Unmatched,
}

/// The depths of the levels that read a row of NULLs together when none
/// of their rows match the rows outside them: a `LEFT JOIN`'s right
/// table alone, or every table left of a `RIGHT` or `FULL JOIN`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    first: usize,
    last: usize,
    emit: Emit,
}

/// How a nest places the tables of a `RIGHT` or `FULL JOIN`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// In the runs of the `FROM` (a `FULL JOIN`'s first nest: its right
    /// table read as a `LEFT JOIN`'s).
    Runs,
    /// The right table outside the tables to its left, which read NULLs
    /// together ([`Span`]) and pass on the rows `Emit` says.
    Inside(Emit),
}

/// Which clauses may narrow a level's plan (see [`each_clause`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// `WHERE` and the `ON` clauses of inner joins.
    Inner,
    /// Its own `ON` clause: a `LEFT JOIN`'s right table.
    Left,
    /// The `ON` clauses of the joins up to the `RIGHT` or `FULL JOIN` it
    /// is left of.
    Side,
}

/// Where a level's rows come from.
// A table is the common input, read on every row: kept inline rather
// than behind a pointer; there is one value per level.
#[allow(clippy::large_enum_variant)]
enum Input<'v, P: Platform, A: Allocator + Clone> {
    /// A table.
    Table(Source<'v, P, A>),
    /// A subquery in `FROM`.
    Derived(Box<Derived<'v, P, A>, A>),
    /// `json_each` or `json_tree`.
    Json(Box<JsonLevel<A>, A>),
}

impl<P: Platform, A: Allocator + Clone> Input<'_, P, A> {
    /// The table, or the subquery's columns as one.
    fn info(&self) -> Option<&TableInfo<A>> {
        match self {
            Input::Table(source) => source.info(),
            Input::Derived(d) => Some(d.info()),
            Input::Json(j) => Some(j.info()),
        }
    }

    /// Per column: how it is merged.
    fn merged(&self) -> &[Merge] {
        match self {
            Input::Table(source) => source.merged(),
            Input::Derived(d) => d.merged(),
            Input::Json(j) => j.merged(),
        }
    }

    /// Sets how column `i` is merged.
    fn merge(&mut self, i: usize, merge: Merge) {
        match self {
            Input::Table(source) => source.merge(i, merge),
            Input::Derived(d) => d.merge(i, merge),
            // `USING` and `NATURAL` beside a function are refused.
            Input::Json(_) => {}
        }
    }
}

/// One table of the join and where its loop is.
struct Level<'v, P: Platform, A: Allocator + Clone> {
    input: Input<'v, P, A>,
    /// Its position in the `FROM`.
    at: usize,
    /// The tables whose loops are outside its own.
    outer: Tables,
    alias: Option<String<A>>,
    /// The equalities `USING` and `NATURAL` add (bound columns, so they
    /// need no names).
    using: Vec<Expr<'static, A>, A>,
    /// The indexes its hint allows.
    hint: Indexes,
    kind: Kind,
    /// The levels it reads NULLs with, if it is null-extended.
    span: Option<Span>,
    /// Which clauses may narrow its plan.
    role: Role,
    /// Whether the level is on its row of NULLs.
    nulls: bool,
    /// The terms, by their positions in `each_term`'s order, that the
    /// plan of its current run proves for every row it visits (never for
    /// its row of NULLs).
    proven: Range<usize>,
    /// How its automatic index stands in this run of the statement.
    auto: Auto,
}

/// Whether a level reads its table through an automatic index (see
/// `auto_index`): built the second time the level starts over with a
/// scan in a run, so a level read once never builds one, and any level
/// read many times reads its table at most twice plus the build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Auto {
    /// Started over this many times with a scan and a term an automatic
    /// index could seek.
    Scans(u32),
    /// Not in this run: the platform could not open the temporary
    /// database it needed.
    Refused,
}

/// The rows of a `FROM` with joins.
pub(crate) struct Join<'v, P: Platform, A: Allocator + Clone> {
    view: &'v View<'v, P, A>,
    /// The levels in the order their loops nest, outermost first.
    levels: Vec<Level<'v, P, A>, A>,
    /// The orders of the loops, read one after the other (two for a
    /// `FULL JOIN`, else one); set when the names are checked.
    nests: Vec<Nest<A>, A>,
    /// The nest the levels are in.
    pass: usize,
    /// Per depth that opens a [`Span`]: whether a row of the span
    /// matched since that level restarted.
    matched: Vec<Cell<bool>, A>,
    /// The `RIGHT` or `FULL JOIN`, if there is one.
    preserved: Option<Preserved>,
    /// The memory the levels' automatic indexes share.
    auto_budget: AutoBudget,
    version: SchemaVersion,
    started: bool,
    done: bool,
    /// Whether the statement's names were checked against the tables.
    pub checked: bool,
}

impl<'v, P: Platform, A: Allocator + Clone> Join<'v, P, A> {
    /// The join of the tables of `from`, read through `view`, its names
    /// not yet checked.
    pub fn open(
        view: &'v View<'v, P, A>,
        from: &FromClause<'_, A>,
        env: Env<'_, A>,
    ) -> Result<Self> {
        let alloc = env.alloc.clone();
        let version = view.schema_version(env.rollbacks)?;
        let count = from.joins.len() + 1;
        if count > MAX_TABLES {
            return Err(Error::Sql("at most 64 tables in a join"));
        }
        let mut levels = Vec::try_with_capacity_in(count, alloc.clone())?;
        for k in 0..count {
            let (table, kind) = match k.checked_sub(1).and_then(|j| from.joins.get(j)) {
                None => (&from.first, Kind::Inner),
                Some(join) => (&join.table, kind_of(join.op.kind)?),
            };
            let cte = match table {
                TableRef::Table { name, alias, .. } => {
                    let called = alias.as_ref().unwrap_or(&name.name);
                    with_query(name, env, |cte, run| {
                        Derived::open(view, &cte.select, Some(called), &cte.columns, run, k)
                    })
                }
                TableRef::Subquery { .. } | TableRef::Function { .. } => None,
            };
            let (name, alias, indexed) = match (table, cte) {
                (_, Some(derived)) => {
                    let derived = derived?;
                    let alias = match table {
                        TableRef::Table { name, alias, .. } => alias.as_ref().unwrap_or(&name.name),
                        TableRef::Subquery { .. } | TableRef::Function { .. } => {
                            return Err(Error::Misuse("a subquery read as a WITH table"));
                        }
                    };
                    let input = Input::Derived(Box::try_new_in(derived, alloc.clone())?);
                    levels.try_push(Level::unstored(input, k, Some(alias), kind, &alloc)?)?;
                    continue;
                }
                (
                    TableRef::Table {
                        name,
                        alias,
                        indexed,
                    },
                    None,
                ) => (name, alias, indexed),
                (
                    TableRef::Function {
                        table, args, alias, ..
                    },
                    None,
                ) => {
                    let json = JsonLevel::open(*table, args.len(), alias.as_ref(), k, &alloc)?;
                    let input = Input::Json(Box::try_new_in(json, alloc.clone())?);
                    levels.try_push(Level::unstored(input, k, alias.as_ref(), kind, &alloc)?)?;
                    continue;
                }
                (TableRef::Subquery { select, alias }, None) => {
                    let derived = Derived::open(view, select, alias.as_ref(), &[], env, k)?;
                    let input = Input::Derived(Box::try_new_in(derived, alloc.clone())?);
                    levels.try_push(Level::unstored(input, k, alias.as_ref(), kind, &alloc)?)?;
                    continue;
                }
            };
            let info = load_table(view, name, env).map_err(|e| name.as_written(e))?;
            let hint = Indexes::of(indexed.as_ref(), &info)?;
            let mut merged = Vec::try_with_capacity_in(info.column_count(), alloc.clone())?;
            for _ in 0..info.column_count() {
                merged.try_push(Merge::Own)?;
            }
            let alias = match alias {
                Some(a) => Some(a.to_string_in(alloc.clone())?),
                None => None,
            };
            levels.try_push(Level {
                input: Input::Table(Source::table(view, info, Access::scan()).at_level(k, merged)),
                at: k,
                outer: in_order(k),
                alias,
                using: Vec::new_in(alloc.clone()),
                hint,
                kind,
                span: None,
                role: Role::Inner,
                nulls: false,
                proven: 0..0,
                auto: Auto::Scans(0),
            })?;
        }
        let preserved = preserved_of(from)?;
        refuse_beside_function(from, preserved)?;
        let mut matched = Vec::try_with_capacity_in(count, alloc.clone())?;
        for _ in 0..count {
            matched.try_push(Cell::new(false))?;
        }
        let mut join = Join {
            view,
            levels,
            nests: Vec::new_in(alloc),
            pass: 0,
            matched,
            preserved,
            auto_budget: AutoBudget {
                limit: view.sort_budget().bytes,
                held: Cell::new(0),
            },
            version,
            started: false,
            done: false,
            checked: false,
        };
        join.merge_columns(from, env)?;
        Ok(join)
    }

    /// Whether the join reads the tables of `from` as the schema
    /// `version` has them, so that a run can rewind it.
    pub fn reads(&self, from: &FromClause<'_, A>, version: SchemaVersion) -> bool {
        if self.version != version || self.levels.len() != from.joins.len() + 1 {
            return false;
        }
        let tables = core::iter::once(&from.first).chain(from.joins.iter().map(|j| &j.table));
        tables.enumerate().all(
            |(k, t)| match (t, self.level_at(k).map(|level| &level.input)) {
                (TableRef::Table { name, .. }, Some(Input::Table(source))) => {
                    source.reads(&name.name, version)
                }
                (TableRef::Table { .. }, Some(Input::Derived(d))) => d.reads_bound_row(),
                (TableRef::Function { .. }, Some(Input::Json(_))) => true,
                _ => false,
            },
        )
    }

    /// The tables, taken back.
    pub fn into_tables(self) -> impl Iterator<Item = TableInfo<A>> {
        self.levels
            .into_iter()
            .filter_map(|level| match level.input {
                Input::Table(source) => source.into_info(),
                Input::Derived(_) | Input::Json(_) => None,
            })
    }

    /// The level of the table at position `k` of the `FROM`.
    fn level_at(&self, k: usize) -> Option<&Level<'v, P, A>> {
        self.levels.iter().find(|level| level.at == k)
    }

    /// [`Self::level_at`], to change.
    fn level_at_mut(&mut self, k: usize) -> Option<&mut Level<'v, P, A>> {
        self.levels.iter_mut().find(|level| level.at == k)
    }

    /// Hands `f` each table, its alias, the shape of its plan and whether
    /// it is a `LEFT JOIN`'s right table, as `EXPLAIN QUERY PLAN` shows
    /// them, in the order the loops nest.
    pub fn each_plan(&self, body: &SelectBody<'_, A>, f: &mut EachPlan<'_, A>) -> Result<()> {
        let from = body
            .from
            .as_ref()
            .ok_or(Error::Misuse("a join without its FROM"))?;
        for (depth, level) in self.levels.iter().enumerate() {
            let table = level
                .input
                .info()
                .ok_or(Error::Misuse("a join level without its table"))?;
            let mut best = Plan::Scan;
            if let Input::Table(_) = level.input {
                let alias = level.alias();
                let here = Here {
                    table,
                    alias: alias.as_ref(),
                    level: level.at,
                    outer: level.outer,
                };
                each_clause(
                    from,
                    body,
                    (level.role, level.at, self.preserved.map(|p| p.at)),
                    &level.using,
                    &mut |clause| {
                        let plan = shape(Some(clause), here, level.hint)?;
                        if rank(plan) < rank(best) {
                            best = plan;
                        }
                        Ok(())
                    },
                )?;
                if level.may_index(depth) && best == Plan::Scan {
                    let clauses = (level.role, level.at, self.preserved.map(|p| p.at));
                    each_clause(from, body, clauses, &level.using, &mut |clause| {
                        if let (Plan::Scan, Some(term)) = (best, auto_term(clause, here, None)) {
                            best = Plan::AutoEq {
                                column: term.column,
                            };
                        }
                        Ok(())
                    })?;
                }
            }
            f(
                table,
                level.alias.as_deref(),
                best,
                level.kind == Kind::Left,
            )?;
        }
        Ok(())
    }

    /// Makes the next run start from the first row, in the first nest.
    pub fn rewind(&mut self) -> Result<()> {
        self.started = false;
        self.done = false;
        // A run reads the rows as they are then: automatic indexes are
        // built again.
        for level in self.levels.iter_mut() {
            level.auto = Auto::Scans(0);
            match &mut level.input {
                Input::Table(source) => source.drop_auto(&self.auto_budget),
                Input::Derived(d) => d.drop_kept(&self.auto_budget),
                Input::Json(_) => {}
            }
        }
        if self.pass != 0 {
            self.pass = 0;
            if let Some(first) = self.nests.first() {
                arrange(&mut self.levels, first, self.preserved);
                move_using(&mut self.levels, &first.depth_of)?;
            }
        }
        Ok(())
    }

    /// Moves to the next joined row that passes the `ON` clauses and
    /// `WHERE` of `body`; `false` when there is none.
    pub fn advance(&mut self, env: Env<'_, A>, body: &SelectBody<'_, A>) -> Result<bool> {
        self.find(env, body, &mut |_| Ok(true))
    }

    /// Moves to the next joined row that passes the `ON` clauses and
    /// `WHERE` of `body` and for which `keep`, given a context on it, is
    /// true; `false` when there is none. `keep` sees each row where the
    /// loops found it, so no row is read twice.
    pub fn find(
        &mut self,
        env: Env<'_, A>,
        body: &SelectBody<'_, A>,
        keep: &mut dyn FnMut(&RowContext<'_, '_, A>) -> Result<bool>,
    ) -> Result<bool> {
        if self.done {
            return Ok(false);
        }
        let from = body
            .from
            .as_ref()
            .ok_or(Error::Misuse("a join without its FROM"))?;
        let listed = OnceCell::new();
        loop {
            let nest = self
                .nests
                .get(self.pass)
                .ok_or(Error::Misuse("a join whose terms were not placed"))?;
            let shared = Shared {
                terms: &nest.terms,
                listed: &listed,
                matched: &self.matched,
                preserved: self.preserved,
                auto_budget: &self.auto_budget,
                body,
                from,
            };
            let resume = self.started;
            if !resume {
                self.started = true;
                if let Some(first) = self.levels.first_mut() {
                    first.restart(self.view, &shared, 0, env)?;
                }
            }
            if step(self.view, &shared, &mut self.levels, 0, env, resume, keep)? {
                return Ok(true);
            }
            // A `FULL JOIN` reads its right table's unmatched rows in a
            // second nest.
            let Some(next) = self.nests.get(self.pass + 1) else {
                self.done = true;
                return Ok(false);
            };
            arrange(&mut self.levels, next, self.preserved);
            move_using(&mut self.levels, &next.depth_of)?;
            self.pass += 1;
            self.started = false;
        }
    }

    /// Runs `f` with a context on the current joined row.
    pub fn with_row(
        &mut self,
        env: Env<'_, A>,
        f: &mut dyn FnMut(&RowContext<'_, '_, A>) -> Result<()>,
    ) -> Result<()> {
        nest_current(&mut self.levels, 0, env, f)
    }

    /// Runs `f` with a context over the tables, no row current (every
    /// column reads NULL, as over a group with no row).
    pub fn with_table(
        &self,
        env: Env<'_, A>,
        f: &mut dyn FnMut(&RowContext<'_, '_, A>) -> Result<()>,
    ) -> Result<()> {
        with_scope(self, env, f)
    }

    /// The number of values [`Self::push_position`] pushes.
    pub fn position_width(&self) -> usize {
        self.levels.len()
    }

    /// Pushes where the current row is: each level's rowid, or NULL on
    /// its row of NULLs, in `FROM` order (whatever the nest).
    pub fn push_position(&mut self, into: &mut Vec<Value<A>, A>) -> Result<()> {
        for k in 0..self.levels.len() {
            let level = self
                .level_at_mut(k)
                .ok_or(Error::Misuse("a join level out of range"))?;
            let value = match (&mut level.input, level.nulls) {
                (_, true) => Value::Null,
                (Input::Table(source), false) => source.position()?,
                (Input::Derived(d), false) => Value::Integer(d.number()),
                (Input::Json(j), false) => Value::Integer(j.number()),
            };
            into.try_push(value)?;
        }
        Ok(())
    }

    /// Moves back to the row at `position` (from [`Self::push_position`]);
    /// `false` when a row there is gone.
    pub fn seek(
        &mut self,
        position: &[Value<A>],
        env: Env<'_, A>,
        body: &SelectBody<'_, A>,
    ) -> Result<bool> {
        let from = body
            .from
            .as_ref()
            .ok_or(Error::Misuse("a join without its FROM"))?;
        for depth in 0..self.levels.len() {
            let (outside, rest) = self.levels.split_at_mut(depth);
            let Some(level) = rest.first_mut() else {
                break;
            };
            let value = position
                .get(level.at)
                .ok_or(Error::Misuse("a join position too short"))?;
            level.nulls = matches!(value, Value::Null);
            let view = self.view;
            let found = match (&mut level.input, value) {
                (_, Value::Null) => continue,
                (Input::Json(j), Value::Integer(n)) => {
                    let args = function_args(from, level.at)?;
                    let mut found = false;
                    nest_current(outside, 0, env, &mut |ctx| {
                        let inner = Env {
                            outer: Some(ctx),
                            ..env
                        };
                        found = j.seek(args, inner, *n)?;
                        Ok(())
                    })?;
                    found
                }
                (Input::Table(source), position) => source.seek_position(position)?,
                (Input::Derived(d), Value::Integer(n)) => {
                    derived_query(from, level.at, env, |select, run| {
                        d.seek(view, select, run, *n)
                    })?
                }
                (Input::Derived(_) | Input::Json(_), _) => {
                    return Err(Error::Misuse("a row position of another table"));
                }
            };
            if !found {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

impl<P: Platform, A: Allocator + Clone> Scope<A> for Join<'_, P, A> {
    fn levels(&self) -> usize {
        self.levels.len()
    }

    fn table(&self, level: usize) -> Option<&TableInfo<A>> {
        self.level_at(level)?.input.info()
    }

    fn alias(&self, level: usize) -> Option<Ident<'_>> {
        let alias = self.level_at(level)?.alias.as_ref()?;
        Some(Ident::new(alias.as_str()))
    }

    fn merged_columns(&self, level: usize) -> &[Merge] {
        self.level_at(level).map_or(&[], |l| l.input.merged())
    }
}

impl<'v, P: Platform, A: Allocator + Clone> Level<'v, P, A> {
    /// The alias as a name.
    fn alias(&self) -> Option<Ident<'_>> {
        self.alias.as_ref().map(|a| Ident::new(a.as_str()))
    }

    /// Whether the level, at depth `k`, may read its table through an
    /// automatic index: not the outermost (read once, it gains nothing),
    /// not where the statement names the indexes to use (as SQLite
    /// decides), and only a table with rowids.
    fn may_index(&self, k: usize) -> bool {
        let table = match &self.input {
            Input::Table(source) => source.info(),
            Input::Derived(_) | Input::Json(_) => None,
        };
        k > 0 && self.hint == Indexes::Any && table.is_some_and(TableInfo::has_rowid)
    }

    /// Starts the level over for the row above it (`env`'s outer row),
    /// with the plan its terms give for that row.
    fn restart(
        &mut self,
        view: &'v View<'v, P, A>,
        shared: &Shared<'_, '_, A>,
        k: usize,
        env: Env<'_, A>,
    ) -> Result<()> {
        if let Some(flag) = shared.matched.get(k) {
            flag.set(false);
        }
        self.nulls = false;
        if let Input::Derived(_) = self.input {
            return self.restart_derived(view, shared, k, env);
        }
        let may_build = self.may_index(k) && self.auto != Auto::Refused;
        let source = match &mut self.input {
            Input::Table(source) => source,
            Input::Derived(_) => return Ok(()),
            Input::Json(j) => {
                return j.restart(function_args(shared.from, self.at)?, env);
            }
        };
        let alias = self.alias.as_ref().map(|a| Ident::new(a.as_str()));
        let place = Place {
            level: self.at,
            depth: k,
        };
        let clauses = (self.role, self.at, shared.preserved.map(|p| p.at));
        let (mut access, unbuilt) = {
            let table = source
                .info()
                .ok_or(Error::Misuse("a join level without its table"))?;
            let ctx = env
                .context()
                .with_table(table, alias)
                .placed(place, source.merged());
            let here = Here {
                table,
                alias: alias.as_ref(),
                level: self.at,
                outer: self.outer,
            };
            let mut best = Access::scan();
            let mut proven = 0..0;
            each_clause(
                shared.from,
                shared.body,
                clauses,
                &self.using,
                &mut |clause| {
                    let access = choose(Some(clause), here, self.hint, &ctx)?;
                    if rank(access.plan) < rank(best.plan) {
                        proven = proven_terms(
                            shared.from,
                            shared.body.where_clause.as_ref(),
                            clause,
                            access.proven,
                        );
                        best = access;
                    }
                    Ok(())
                },
            )?;
            self.proven = proven;
            let mut unbuilt = None;
            if may_build && best.plan == Plan::Scan {
                let mut found = None;
                each_clause(
                    shared.from,
                    shared.body,
                    clauses,
                    &self.using,
                    &mut |clause| {
                        let Some(term) =
                            found.is_none().then(|| auto_term(clause, here, Some(&ctx)))
                        else {
                            return Ok(());
                        };
                        found = term
                            .map(
                                |term| match source.has_auto(view, term.column, term.collation) {
                                    true => auto_key(&term, table, &ctx)
                                        .map(|key| Ok((term.column, key))),
                                    false => Ok(Err((term.column, term.collation))),
                                },
                            )
                            .transpose()?;
                        Ok(())
                    },
                )?;
                match found {
                    Some(Ok((column, key))) => best = auto_access(column, key),
                    Some(Err(unbuilt_column)) => unbuilt = Some(unbuilt_column),
                    None => {}
                }
            }
            (best, unbuilt)
        };
        if let Some((column, collation)) = unbuilt {
            access = self.build_auto(view, shared, (column, collation), (k, env), access)?;
        }
        if let Input::Table(source) = &mut self.input {
            source.restart(view, access);
        }
        Ok(())
    }

    /// [`Self::restart`] for a subquery in `FROM`: the second time in a
    /// run, its rows are read once and kept (by the column a term links
    /// to the rows around it, if one does, else in their order), and
    /// every start over from then on reads the kept rows that match
    /// rather than running the subquery again, as SQLite materializes
    /// such a subquery and builds an automatic index on it. A subquery
    /// reading a recursive table's bound row changes with it: it is run
    /// each time.
    fn restart_derived(
        &mut self,
        view: &'v View<'v, P, A>,
        shared: &Shared<'_, '_, A>,
        k: usize,
        env: Env<'_, A>,
    ) -> Result<()> {
        let Input::Derived(d) = &mut self.input else {
            return Ok(());
        };
        d.rewind();
        if k == 0 || self.auto == Auto::Refused || d.reads_bound_row() {
            return Ok(());
        }
        let alias = self.alias.as_ref().map(|a| Ident::new(a.as_str()));
        let place = Place {
            level: self.at,
            depth: k,
        };
        let clauses = (self.role, self.at, shared.preserved.map(|p| p.at));
        let at = (self.at, self.outer);
        let sought = |d: &Derived<'v, P, A>, by: Option<By>| {
            let table = d.info();
            let ctx = env
                .context()
                .with_table(table, alias)
                .placed(place, d.merged());
            let here = Here {
                table,
                alias: alias.as_ref(),
                level: at.0,
                outer: at.1,
            };
            let mut found = None;
            each_clause(
                shared.from,
                shared.body,
                clauses,
                &self.using,
                &mut |clause| {
                    let term = auto_term(clause, here, Some(&ctx));
                    if let (None, Some(term)) = (&found, term) {
                        let term_by = By::Column(term.column, term.collation);
                        if by.is_none_or(|by| by == term_by) {
                            found = Some(match d.has_kept(term_by) || by.is_some() {
                                true => Ok(auto_key(&term, table, &ctx)?),
                                false => Err(term_by),
                            });
                        }
                    }
                    Ok(())
                },
            )?;
            // Without a term, the rows are kept in their order; a term
            // that the kept rows were ordered by but is not found again
            // leaves the subquery to run.
            Ok::<_, Error>(found.unwrap_or(match by {
                Some(By::Arrival) => Ok(None),
                Some(by) => Err(by),
                None if d.has_kept(By::Arrival) => Ok(None),
                None => Err(By::Arrival),
            }))
        };
        let by = match sought(d, None)? {
            Ok(key) => return d.seek_kept(key),
            Err(by) => by,
        };
        let Auto::Scans(n) = self.auto else {
            return Ok(());
        };
        if n == 0 {
            self.auto = Auto::Scans(1);
            return Ok(());
        }
        let kept = derived_query(shared.from, self.at, env, |select, run| {
            d.keep(view, select, run, by, shared.auto_budget)
        })?;
        if !kept {
            self.auto = Auto::Refused;
            return Ok(());
        }
        match sought(d, Some(by))? {
            Ok(key) => d.seek_kept(key),
            Err(_) => {
                d.drop_kept(shared.auto_budget);
                Ok(())
            }
        }
    }

    /// Counts a start over with a scan that an automatic index on
    /// `column` under `collation` could seek; on the second in the run,
    /// builds the index and gives the access that seeks it for `env`'s
    /// outer rows (the level at depth `k`); else `scan`.
    fn build_auto(
        &mut self,
        view: &'v View<'v, P, A>,
        shared: &Shared<'_, '_, A>,
        (column, collation): (usize, Collation),
        (k, env): (usize, Env<'_, A>),
        scan: Access<A>,
    ) -> Result<Access<A>> {
        let (Auto::Scans(n), Input::Table(source)) = (self.auto, &mut self.input) else {
            return Ok(scan);
        };
        if n == 0 {
            self.auto = Auto::Scans(1);
            return Ok(scan);
        }
        let alias = self.alias.as_ref().map(|a| Ident::new(a.as_str()));
        if !source.build_auto(view, (column, collation), env, alias, shared.auto_budget)? {
            self.auto = Auto::Refused;
            return Ok(scan);
        }
        let table = source
            .info()
            .ok_or(Error::Misuse("a join level without its table"))?;
        let place = Place {
            level: self.at,
            depth: k,
        };
        let ctx = env
            .context()
            .with_table(table, alias)
            .placed(place, source.merged());
        let here = Here {
            table,
            alias: alias.as_ref(),
            level: self.at,
            outer: self.outer,
        };
        let clauses = (self.role, self.at, shared.preserved.map(|p| p.at));
        let mut found = None;
        each_clause(
            shared.from,
            shared.body,
            clauses,
            &self.using,
            &mut |clause| {
                if found.is_none() {
                    if let Some(term) = auto_term(clause, here, Some(&ctx)) {
                        if term.column == column {
                            found = Some(auto_key(&term, table, &ctx)?);
                        }
                    }
                }
                Ok(())
            },
        )?;
        Ok(match found {
            Some(key) => auto_access(column, key),
            None => scan,
        })
    }

    /// Runs `f` with a context on the level's current row (its row of
    /// NULLs, when on it), nested in `env`'s outer row.
    fn with_current(
        &mut self,
        env: Env<'_, A>,
        k: usize,
        f: &mut dyn FnMut(&RowContext<'_, '_, A>) -> Result<bool>,
    ) -> Result<bool> {
        if self.nulls {
            return self.with_nulls(env, k, f);
        }
        let alias = self.alias.as_ref().map(|a| Ident::new(a.as_str()));
        match &mut self.input {
            Input::Table(source) => source.with_row(env, alias, f),
            Input::Derived(d) => d.with_row(env, alias, f),
            Input::Json(j) => j.with_row(env, alias, f),
        }
    }

    /// Runs `f` with a context on the level's row of NULLs.
    fn with_nulls(
        &self,
        env: Env<'_, A>,
        k: usize,
        f: &mut dyn FnMut(&RowContext<'_, '_, A>) -> Result<bool>,
    ) -> Result<bool> {
        let table = self
            .input
            .info()
            .ok_or(Error::Misuse("a join level without its table"))?;
        let place = Place {
            level: self.at,
            depth: k,
        };
        let mut ctx = env
            .context()
            .with_table(table, self.alias())
            .placed(place, self.input.merged());
        ctx.on_nulls();
        f(&ctx)
    }
}

/// The access that seeks a level's automatic index on `column` for
/// `key` (none: NULL, which no row equals).
fn auto_access<A: Allocator>(column: usize, key: Option<Value<A>>) -> Access<A> {
    Access {
        plan: Plan::AutoEq { column },
        key,
        ..Access::scan()
    }
}

/// Visits the clauses whose terms may narrow the plan of the table at
/// position `at` of `from`, in `role` (in a `FROM` whose `RIGHT` or
/// `FULL JOIN`, if any, has its right table at `right`): its `USING`
/// equalities (`using`); its `ON` clause for a `LEFT JOIN`; for a table
/// left of a `RIGHT` or `FULL JOIN`, the `ON` clauses of the joins up to
/// it (never `WHERE`, which must not keep a row of that side from
/// matching); else `WHERE` and the `ON` clauses of the inner joins.
fn each_clause<A: Allocator + Clone>(
    from: &FromClause<'_, A>,
    body: &SelectBody<'_, A>,
    (role, at, right): (Role, usize, Option<usize>),
    using: &[Expr<'static, A>],
    visit: &mut dyn FnMut(&Expr<'_, A>) -> Result<()>,
) -> Result<()> {
    for eq in using {
        visit(eq)?;
    }
    match role {
        Role::Side => {
            for join in from.joins.iter().take(right.unwrap_or(0)) {
                if let Some(JoinConstraint::On(e)) = &join.constraint {
                    visit(e)?;
                }
            }
        }
        Role::Left => {
            let on = at
                .checked_sub(1)
                .and_then(|j| from.joins.get(j))
                .and_then(|j| match &j.constraint {
                    Some(JoinConstraint::On(e)) => Some(e),
                    _ => None,
                });
            if let Some(on) = on {
                visit(on)?;
            }
        }
        Role::Inner => {
            if let Some(clause) = &body.where_clause {
                visit(clause)?;
            }
            // The inner joins of a parenthesised join right of a `LEFT
            // JOIN` decide only which of the group's rows match.
            for (j, join) in from.joins.iter().enumerate() {
                if left_groups_of(from).any(|g| g.contains(&(j + 1))) {
                    continue;
                }
                if let (Some(JoinConstraint::On(e)), Ok(Kind::Inner)) =
                    (&join.constraint, kind_of(join.op.kind))
                {
                    visit(e)?;
                }
            }
        }
    }
    Ok(())
}

/// Runs `f` with the query of the subquery or `WITH` table at `level`
/// of `from` (in `env`) and the environment it runs in.
fn derived_query<A: Allocator + Clone, T>(
    from: &FromClause<'_, A>,
    level: usize,
    env: Env<'_, A>,
    f: impl FnOnce(&Select<'_, A>, Env<'_, A>) -> Result<T>,
) -> Result<T> {
    let table = table_at(from, level)?;
    match table {
        TableRef::Subquery { select, .. } => f(select, env),
        TableRef::Table { name, .. } => with_query(name, env, |cte, run| f(&cte.select, run))
            .ok_or(Error::Misuse("a WITH table that is gone"))?,
        TableRef::Function { .. } => Err(Error::Misuse("a function read as a subquery")),
    }
}

/// The table at `level` of `from`.
fn table_at<'f, 'a, A: Allocator>(
    from: &'f FromClause<'a, A>,
    level: usize,
) -> Result<&'f TableRef<'a, A>> {
    match level.checked_sub(1) {
        None => Ok(&from.first),
        Some(j) => from
            .joins
            .get(j)
            .map(|join| &join.table)
            .ok_or(Error::Misuse("a join level out of range")),
    }
}

/// The arguments of the table-valued function at `level` of `from`.
fn function_args<'f, 'a, A: Allocator>(
    from: &'f FromClause<'a, A>,
    level: usize,
) -> Result<&'f [Expr<'a, A>]> {
    let table = table_at(from, level)?;
    match table {
        TableRef::Function { args, .. } => Ok(args),
        _ => Err(Error::Misuse("a table read as a function")),
    }
}

/// The `RIGHT` or `FULL JOIN` of `from`, if it has one; refused: a
/// second one, and one after a `LEFT JOIN` (whose left side would hold a
/// side of its own that reads NULLs).
fn preserved_of<A: Allocator>(from: &FromClause<'_, A>) -> Result<Option<Preserved>> {
    let mut preserved = None;
    for (j, join) in from.joins.iter().enumerate() {
        let kind = match join.op.kind {
            JoinKind::Right => Kind::Right,
            JoinKind::Full => Kind::Full,
            _ => continue,
        };
        if preserved.is_some() {
            return Err(Error::Sql(
                "more than one RIGHT or FULL JOIN is not supported",
            ));
        }
        preserved = Some(Preserved { at: j + 1, kind });
    }
    let Some(p) = preserved else {
        return Ok(None);
    };
    let before = p.at.saturating_sub(1);
    if from
        .joins
        .iter()
        .take(before)
        .any(|j| j.op.kind == JoinKind::Left)
    {
        return Err(Error::Sql(
            "a RIGHT or FULL JOIN after a LEFT JOIN is not supported",
        ));
    }
    Ok(Some(p))
}

/// Refuses, in a `FROM` with `json_each` or `json_tree`, a `RIGHT` or
/// `FULL JOIN` (which would nest the function outside the tables its
/// arguments read) and `USING` or `NATURAL` (whose merged columns would
/// have to leave out its hidden ones).
fn refuse_beside_function<A: Allocator>(
    from: &FromClause<'_, A>,
    preserved: Option<Preserved>,
) -> Result<()> {
    let tables = core::iter::once(&from.first).chain(from.joins.iter().map(|j| &j.table));
    if !tables
        .into_iter()
        .any(|t| matches!(t, TableRef::Function { .. }))
    {
        return Ok(());
    }
    if preserved.is_some() {
        return Err(Error::Sql(
            "json_each or json_tree beside a RIGHT or FULL JOIN is not supported",
        ));
    }
    if from
        .joins
        .iter()
        .any(|j| j.op.natural || matches!(j.constraint, Some(JoinConstraint::Using(_))))
    {
        return Err(Error::Sql(
            "USING or NATURAL beside json_each or json_tree is not supported",
        ));
    }
    Ok(())
}

/// The level kind of a join operator.
fn kind_of(kind: JoinKind) -> Result<Kind> {
    match kind {
        JoinKind::Comma | JoinKind::Inner | JoinKind::Cross => Ok(Kind::Inner),
        JoinKind::Left => Ok(Kind::Left),
        JoinKind::Right => Ok(Kind::Right),
        JoinKind::Full => Ok(Kind::Full),
    }
}

/// The tables before position `k` of a `FROM`: those outside its loop
/// when the loops nest in `FROM` order.
impl<'v, P: Platform, A: Allocator + Clone> Level<'v, P, A> {
    /// Level `at` reading rows no B-tree stores (a subquery in `FROM`, a
    /// `WITH` table, a table-valued function) from `input`, called
    /// `alias`, joined by `kind`.
    fn unstored(
        input: Input<'v, P, A>,
        at: usize,
        alias: Option<&Ident<'_>>,
        kind: Kind,
        alloc: &A,
    ) -> Result<Self> {
        Ok(Level {
            input,
            at,
            outer: in_order(at),
            alias: match alias {
                Some(a) => Some(a.to_string_in(alloc.clone())?),
                None => None,
            },
            using: Vec::new_in(alloc.clone()),
            hint: Indexes::Any,
            kind,
            span: None,
            role: Role::Inner,
            nulls: false,
            proven: 0..0,
            auto: Auto::Scans(0),
        })
    }
}

fn in_order(k: usize) -> Tables {
    (0..k).fold(Tables::NONE, Tables::with)
}
