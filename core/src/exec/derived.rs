//! [`Derived`]: a subquery in `FROM` read as a table, its rows streamed
//! from the query as they are asked for, or, for a loop of a join that
//! starts over many times, read once and kept (see `auto_index`).
//!
//! Its columns are named as SQLite names a subquery's result columns (an
//! alias, else a column's own name, else the expression as written) and
//! have the affinity and collation of their expressions. A row is read
//! through [`RowContext::on_values`]; its rowid reads its number.
//!
//! A `WITH` table's rows come from its query, from its recursion when it
//! is recursive (see `recursive`), or, read by its own recursive
//! `SELECT`, are the one row it is bound to (see `with::feed`).
//!
//! Invariants: memory is what one run of the subquery needs, and kept
//! rows take the join's sort budget, past it a temporary database; a
//! restart (each row of the loop above it) runs the subquery again from
//! its first row unless its rows are kept, in which case it reads the
//! kept rows the join's key seeks (each keeps its number in the run);
//! going back to row `n` (a second pass of grouping) runs it up to that
//! row (a recursion's queue holds the rows still to recurse on, not
//! those handed out).

use boundlite_platform::Platform;

use crate::alloc::{Allocator, Box, String, Vec};
use crate::record::{Collation, ValueRef};
use crate::schema::TableColumn;
use crate::sql::eval::{Value, affinity, carries_json_column, explicit_collation, json};
use crate::sql::{
    Affinity, BinaryOp, CoreForm, Expr, Ident, Literal, ResultColumn, Select, SelectBody, TableRef,
    UnaryOp,
};
use crate::table::{ColumnMeta, DefaultKind, TableInfo, View};
use crate::{Error, Result};

use super::Env;
use super::auto_index::{AutoIndex, Budget as AutoBudget, By, WHOLE};
use super::context::{Place, RowContext};
use super::order::expr_collation;
use super::recursive::{Recursion, shape};
use super::scope::{Merge, Scope, each_star_column, star_level};
use super::select::{self, Query, Sources, give_back};
use super::with::{Feed, feed, within};

/// A run of a subquery in `FROM`.
enum Run<'v, P: Platform, A: Allocator + Clone> {
    /// Its query, stepped.
    Query(Query<P::File, A>),
    /// The recursion of a recursive `WITH` table.
    Recursion(Box<Recursion<'v, P, A>, A>),
}

/// The rows of a subquery in `FROM`.
pub(crate) struct Derived<'v, P: Platform, A: Allocator + Clone> {
    /// Its columns as a table shows them.
    info: TableInfo<A>,
    /// Per column: how `USING` or `NATURAL` merged it.
    merged: Vec<Merge, A>,
    sources: Sources<'v, P, A>,
    /// The run of the subquery, once started.
    run: Option<Run<'v, P, A>>,
    row: Vec<Value<A>, A>,
    /// The number of the current row, from 1 (0: none yet).
    n: i64,
    place: Place,
    /// Whether it reads a recursive table's bound row, whichever it is.
    bound: bool,
    /// Its rows, read once in this run of the statement and kept by the
    /// value of one column (see `auto_index`), when its loop starts over
    /// for many rows around it.
    kept: Option<Box<AutoIndex<P, A>, A>>,
    /// While the kept rows are read: the value sought and the number of
    /// the last row handed out.
    sought: Option<(Value<A>, Option<i64>)>,
}

impl<'v, P: Platform, A: Allocator + Clone> Derived<'v, P, A> {
    /// The subquery `select`, called `alias`, at `level` of the `FROM`
    /// it is in, its columns named and typed from its first member.
    pub fn open(
        view: &'v View<'v, P, A>,
        select: &Select<'_, A>,
        alias: Option<&Ident<'_>>,
        names: &[Ident<'_>],
        env: Env<'_, A>,
        level: usize,
    ) -> Result<Self> {
        let alloc = env.alloc.clone();
        let name = match alias {
            Some(a) => a.to_string_in(alloc.clone())?,
            None => {
                let mut s = String::new_in(alloc.clone());
                s.try_push_str("(subquery)")?;
                s
            }
        };
        let mut columns = Vec::new_in(alloc.clone());
        let mut meta = Vec::new_in(alloc.clone());
        let mut json_columns = Vec::new_in(alloc.clone());
        Self::describe_query(
            view,
            select,
            env,
            &mut columns,
            &mut meta,
            &mut json_columns,
        )?;
        // A later member reading `json_each` or `json_tree` may pass its
        // `value` on too.
        let function_in = |body: &SelectBody<'_, A>| {
            body.from.as_ref().is_some_and(|f| {
                core::iter::once(&f.first)
                    .chain(f.joins.iter().map(|j| &j.table))
                    .any(|t| matches!(t, TableRef::Function { .. }))
            })
        };
        if select
            .compound
            .iter()
            .any(|(_, member)| function_in(member))
        {
            json_columns.iter_mut().for_each(|j| *j = true);
        }
        // A recursive table's members read the table itself, whose
        // columns these are: they keep the first member's rules.
        if matches!(feed(select, env), Feed::Query) {
            within(select, env, |env| narrow(view, select, env, &mut meta))?;
        }
        if !names.is_empty() {
            if names.len() != columns.len() {
                let mut counts = String::new_in(alloc.clone());
                counts.try_write_fmt(format_args!("{} {}", columns.len(), names.len()))?;
                let table = match feed(select, env) {
                    Feed::Table(cte) => cte.name.as_str().unwrap_or(cte.name.raw()),
                    _ => name.as_str(),
                };
                return Err(crate::Named::CteColumnCount.error2(table, &counts));
            }
            for (column, name) in columns.iter_mut().zip(names) {
                column.name = name.to_string_in(alloc.clone())?;
            }
        }
        let mut merged = Vec::try_with_capacity_in(columns.len(), alloc.clone())?;
        for _ in 0..columns.len() {
            merged.try_push(Merge::Own)?;
        }
        let info = TableInfo::unstored(name, columns, meta, false, None, json_columns)?;
        Ok(Derived {
            info,
            merged,
            sources: Vec::new_in(alloc.clone()),
            run: None,
            row: Vec::new_in(alloc),
            n: 0,
            place: Place::in_order(level),
            bound: matches!(feed(select, env), Feed::Row(_)),
            kept: None,
            sought: None,
        })
    }

    /// Pushes the columns of `select`'s first member, as its rows are
    /// described in `env`.
    fn describe_query(
        view: &'v View<'v, P, A>,
        select: &Select<'_, A>,
        env: Env<'_, A>,
        columns: &mut Vec<TableColumn<A>, A>,
        meta: &mut Vec<ColumnMeta<A>, A>,
        json_columns: &mut Vec<bool, A>,
    ) -> Result<()> {
        let alloc = env.alloc.clone();
        let body = &select.core;
        // The member's names may read the query's own WITH tables.
        within(select, env, |env| {
            let mut slot = None;
            let described = (|| {
                let rows = select::open_source(view, body, env, &mut slot)?;
                let own = select::alias_of(body);
                let scope = rows.scope(own.as_ref());
                rows.with_table(env, own, |ctx| {
                    describe(body, &scope, ctx, (columns, meta, json_columns), &alloc)
                })
            })();
            give_back(slot, env);
            described
        })
    }

    /// Its columns as a table.
    pub fn info(&self) -> &TableInfo<A> {
        &self.info
    }

    /// Per column: how it is merged.
    pub fn merged(&self) -> &[Merge] {
        &self.merged
    }

    /// Sets how `USING` or `NATURAL` merged column `i`.
    pub fn merge(&mut self, i: usize, merge: Merge) {
        if let Some(m) = self.merged.get_mut(i) {
            *m = merge;
        }
    }

    /// Nests the subquery's loop at `depth` of its join.
    pub fn set_depth(&mut self, depth: usize) {
        self.place.depth = depth;
    }

    /// Whether it reads the row a recursive table is bound to: the same
    /// table whatever the row, so a join over it may be rewound and read
    /// again for the next row.
    pub fn reads_bound_row(&self) -> bool {
        self.bound
    }

    /// Makes the next read run the subquery from its first row.
    pub fn rewind(&mut self) {
        self.run = None;
        self.n = 0;
        self.sought = None;
    }

    /// Whether its rows are kept, ordered by `by`.
    pub fn has_kept(&self, by: By) -> bool {
        self.kept.as_ref().is_some_and(|k| k.serves(by, 0))
    }

    /// Makes the next reads hand out the kept rows whose column equals
    /// `key` (its comparison's affinity given; `None`: NULL, which no
    /// row equals), or every kept row when they are kept in order.
    pub fn seek_kept(&mut self, key: Option<Value<A>>) -> Result<()> {
        let arrival = self.kept.as_ref().is_some_and(|k| k.by() == By::Arrival);
        let key = match (arrival, key) {
            (true, _) => Value::try_from_ref(WHOLE, self.row.allocator().clone())?,
            (false, Some(key)) => key,
            (false, None) => Value::Null,
        };
        self.sought = Some((key, None));
        self.n = 0;
        Ok(())
    }

    /// Runs `select` (in `run`) to its end once, keeping its rows
    /// ordered by `by`, in memory within `budget` and past it in a
    /// temporary database; `false`, keeping nothing, when that database
    /// could not open. Only running out of memory is an error.
    pub fn keep(
        &mut self,
        view: &'v View<'v, P, A>,
        select: &Select<'_, A>,
        run: Env<'_, A>,
        by: By,
        budget: &AutoBudget,
    ) -> Result<bool> {
        self.drop_kept(budget);
        self.rewind();
        let alloc = run.alloc.clone();
        let mut kept = Box::try_new_in(AutoIndex::new(by, 0, &alloc), alloc.clone())?;
        let mut record = Vec::new_in(alloc);
        let mut failed = None;
        let read = loop {
            match self.advance(view, select, run) {
                Ok(true) => {}
                Ok(false) => break Ok(()),
                Err(e) => break Err(e),
            }
            let value = match by {
                By::Column(column, _) => self.row.get(column).map_or(ValueRef::Null, Value::as_ref),
                By::Arrival => WHOLE,
            };
            let entry = (value, self.n, self.row.as_slice());
            if let Err(e) = kept.push(entry, budget, view.platform(), &mut record) {
                failed = Some(e);
                break Ok(());
            }
        };
        self.rewind();
        // The subquery's own errors are the statement's; the temporary
        // database's leave the level to running it again, unless memory
        // ran out.
        let finished = match (read, failed) {
            (Err(e), _) => {
                kept.release(budget);
                return Err(e);
            }
            (Ok(()), Some(e)) => Err(e),
            (Ok(()), None) => kept.finish(),
        };
        match finished {
            Ok(()) => {
                self.kept = Some(kept);
                Ok(true)
            }
            Err(e) => {
                kept.release(budget);
                match e {
                    Error::OutOfMemory => Err(e),
                    _ => Ok(false),
                }
            }
        }
    }

    /// Drops the kept rows, if any, giving their memory back to
    /// `budget`.
    pub fn drop_kept(&mut self, budget: &AutoBudget) {
        if let Some(kept) = self.kept.take() {
            kept.release(budget);
        }
        self.sought = None;
    }

    /// The number of the current row.
    pub fn number(&self) -> i64 {
        self.n
    }

    /// Moves to the next row of `select`; `false` when there is none.
    fn advance(
        &mut self,
        view: &'v View<'v, P, A>,
        select: &Select<'_, A>,
        env: Env<'_, A>,
    ) -> Result<bool> {
        let cte = match feed(select, env) {
            Feed::Row(row) => {
                if self.n > 0 {
                    return Ok(false);
                }
                self.row.clear();
                for value in row {
                    self.row
                        .try_push(Value::try_from_ref(value.as_ref(), env.alloc.clone())?)?;
                }
                self.n = 1;
                return Ok(true);
            }
            Feed::Table(cte) => Some(cte),
            Feed::Query => None,
        };
        if self.run.is_none() {
            let recursive = match cte {
                Some(cte) => shape(cte)?.map(|shape| (cte, shape)),
                None => None,
            };
            let run = match recursive {
                Some((cte, shape)) => {
                    let recursion = Recursion::start(view, cte, shape, env)?;
                    Run::Recursion(Box::try_new_in(recursion, env.alloc.clone())?)
                }
                None => Run::Query(select::start(view, select, env, &mut self.sources)?),
            };
            self.run = Some(run);
            self.n = 0;
        }
        let on = match self.run.as_mut() {
            Some(Run::Query(query)) => select::next(
                view,
                query,
                &mut self.sources,
                Some(select),
                env,
                &mut self.row,
            )?,
            Some(Run::Recursion(recursion)) => {
                let cte = cte.ok_or(Error::Misuse("a recursion without its WITH table"))?;
                recursion.next(view, cte, env, &mut self.row)?
            }
            None => return Err(Error::Misuse("a subquery in FROM without its query")),
        };
        if on {
            self.n += 1;
        }
        Ok(on)
    }

    /// Moves to the next row for which `keep`, given a context on it
    /// (the table called `alias`), is true; `false` when there is none.
    /// The query runs in `run`; the row's context is nested in `env`.
    pub fn find(
        &mut self,
        view: &'v View<'v, P, A>,
        select: &Select<'_, A>,
        run: Env<'_, A>,
        env: Env<'_, A>,
        alias: Option<Ident<'_>>,
        mut keep: impl FnMut(&RowContext<'_, '_, A>) -> Result<bool>,
    ) -> Result<bool> {
        if let (Some(kept), Some((key, after))) = (&self.kept, &mut self.sought) {
            while let Some(n) = kept.next_row(key.as_ref(), *after, &mut self.row)? {
                *after = Some(n);
                self.n = n;
                let mut ctx = env
                    .context()
                    .with_table(&self.info, alias)
                    .placed(self.place, &self.merged);
                ctx.on_values(n, &self.row);
                if keep(&ctx)? {
                    return Ok(true);
                }
            }
            return Ok(false);
        }
        while self.advance(view, select, run)? {
            if self.with_row(env, alias, &mut keep)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Runs `f` with a context on the current row.
    pub fn with_row<T>(
        &self,
        env: Env<'_, A>,
        alias: Option<Ident<'_>>,
        f: impl FnOnce(&RowContext<'_, '_, A>) -> Result<T>,
    ) -> Result<T> {
        let mut ctx = env
            .context()
            .with_table(&self.info, alias)
            .placed(self.place, &self.merged);
        ctx.on_values(self.n, &self.row);
        f(&ctx)
    }

    /// Moves back to row `n` by running the subquery up to it; `false`
    /// when it has fewer rows.
    pub fn seek(
        &mut self,
        view: &'v View<'v, P, A>,
        select: &Select<'_, A>,
        env: Env<'_, A>,
        n: i64,
    ) -> Result<bool> {
        if n < self.n || self.run.is_none() {
            self.rewind();
        }
        while self.n < n {
            if !self.advance(view, select, env)? {
                return Ok(false);
            }
        }
        Ok(self.n == n)
    }
}

/// Narrows the affinity of each column of the compound `select` by its
/// members after the first (see [`narrowed`]).
fn narrow<P: Platform, A: Allocator + Clone>(
    view: &View<'_, P, A>,
    select: &Select<'_, A>,
    env: Env<'_, A>,
    meta: &mut [ColumnMeta<A>],
) -> Result<()> {
    for (_, member) in select.compound.iter() {
        let mut kinds = Vec::try_with_capacity_in(meta.len(), env.alloc.clone())?;
        for _ in 0..meta.len() {
            kinds.try_push(0u8)?;
        }
        member_kinds(view, member, env, &mut kinds)?;
        for (m, kind) in meta.iter_mut().zip(kinds.iter()) {
            if m.compared {
                m.affinity = narrowed(m.affinity, *kind);
            }
        }
    }
    Ok(())
}

/// The kinds of value each column of the compound member `member` may
/// give, or-ed into `kinds` (see [`value_kinds`]).
fn member_kinds<P: Platform, A: Allocator + Clone>(
    view: &View<'_, P, A>,
    body: &SelectBody<'_, A>,
    env: Env<'_, A>,
    kinds: &mut [u8],
) -> Result<()> {
    let mut slot = None;
    let found = (|| {
        let rows = select::open_source(view, body, env, &mut slot)?;
        let own = select::alias_of(body);
        let scope = rows.scope(own.as_ref());
        rows.with_table(env, own, |ctx| {
            let mut i = 0;
            for column in body.columns.iter() {
                let only = match column {
                    ResultColumn::Expr { expr, .. } => {
                        if let Some(kind) = kinds.get_mut(i) {
                            *kind |= value_kinds(expr, ctx)?;
                        }
                        i += 1;
                        continue;
                    }
                    ResultColumn::TableStar(name) => Some(star_level(&scope, name)?),
                    ResultColumn::Star => None,
                };
                each_star_column(&scope, only, &mut |level, c| {
                    let affinity = scope
                        .table(level)
                        .and_then(|t| t.meta.get(c))
                        .map(|m| m.affinity);
                    if let Some(kind) = kinds.get_mut(i) {
                        *kind |= affinity_kinds(affinity);
                    }
                    i += 1;
                    Ok(())
                })?;
            }
            Ok(())
        })
    })();
    give_back(slot, env);
    found
}

/// May be a number, in [`value_kinds`].
const NUMBER: u8 = 0x01;
/// May be text.
const TEXT: u8 = 0x02;
/// May be a BLOB.
const BLOB: u8 = 0x04;

/// The kinds of value `expr` may give, as SQLite's `sqlite3ExprDataType`
/// tells them (NULL is none of them).
fn value_kinds<A: Allocator + Clone>(
    expr: &Expr<'_, A>,
    ctx: &RowContext<'_, '_, A>,
) -> Result<u8> {
    Ok(match expr {
        Expr::Collate(inner, _) | Expr::Unary(UnaryOp::Plus, inner) => value_kinds(inner, ctx)?,
        Expr::Literal(Literal::Null) => 0,
        Expr::Literal(Literal::String(_)) => TEXT,
        Expr::Literal(Literal::Blob(_)) => BLOB,
        Expr::Literal(Literal::CurrentTime | Literal::CurrentDate | Literal::CurrentTimestamp) => {
            NUMBER | TEXT | BLOB
        }
        Expr::Binary(b) if b.op == BinaryOp::Concat => TEXT | BLOB,
        Expr::Param(_) | Expr::Function(_) => NUMBER | TEXT | BLOB,
        Expr::Column(_) | Expr::Subquery(_) | Expr::Cast(_) | Expr::Row(_) => {
            affinity_kinds(affinity(expr, ctx)?)
        }
        Expr::Case(c) => {
            let mut all = 0;
            for e in c.arms.iter().map(|arm| &arm.then).chain(c.otherwise.iter()) {
                all |= value_kinds(e, ctx)?;
            }
            all
        }
        _ => NUMBER,
    })
}

/// The kinds of value an expression of affinity `affinity` may give.
fn affinity_kinds(affinity: Option<Affinity>) -> u8 {
    match affinity {
        Some(Affinity::Numeric | Affinity::Integer | Affinity::Real) => NUMBER | BLOB,
        Some(Affinity::Text) => TEXT | BLOB,
        Some(Affinity::Blob) | None => NUMBER | TEXT | BLOB,
    }
}

/// The affinity of a compound's column whose first member gives it
/// `first` and whose other members may give values of `kinds`: none
/// (BLOB) when a text column meets numbers or a numeric one meets text,
/// as SQLite 3.45 and later decide (`sqlite3SubqueryColumnTypes`).
fn narrowed(first: Affinity, kinds: u8) -> Affinity {
    match first {
        Affinity::Text if kinds & NUMBER != 0 => Affinity::Blob,
        Affinity::Numeric | Affinity::Integer | Affinity::Real if kinds & TEXT != 0 => {
            Affinity::Blob
        }
        other => other,
    }
}

/// Pushes a column called `name` (told apart from a name taken before as
/// SQLite does) with its rules.
pub(crate) fn push_column<A: Allocator + Clone>(
    columns: &mut Vec<TableColumn<A>, A>,
    meta: &mut Vec<ColumnMeta<A>, A>,
    alloc: &A,
    name: &str,
    affinity: Option<Affinity>,
    collation: Collation,
) -> Result<()> {
    let mut owned = String::new_in(alloc.clone());
    owned.try_push_str(name)?;
    // A name taken twice is told apart as SQLite does: `a:1`.
    let taken = |n: &str| {
        columns
            .iter()
            .any(|c: &TableColumn<A>| c.name.eq_ignore_ascii_case(n))
    };
    if taken(&owned) {
        let mut k = 1usize;
        loop {
            let mut candidate = String::new_in(alloc.clone());
            candidate.try_push_str(name)?;
            candidate.try_write_fmt(format_args!(":{k}"))?;
            if !taken(&candidate) {
                owned = candidate;
                break;
            }
            k += 1;
        }
    }
    let storage = Some(columns.len());
    columns.try_push(TableColumn {
        name: owned,
        collation: Some(collation),
        has_default: false,
        integer_type: false,
        generated: false,
        affinity: affinity.unwrap_or(Affinity::Blob),
        storage,
    })?;
    meta.try_push(ColumnMeta {
        affinity: affinity.unwrap_or(Affinity::Blob),
        compared: affinity.is_some(),
        not_null: false,
        null_conflict: None,
        datatype: None,
        default: Value::Null,
        default_kind: DefaultKind::Constant,
        added: Value::Null,
    })?;
    Ok(())
}

/// SQLite's name for column `i` (from 0) of a `VALUES` row: `column1`...
pub(crate) fn values_column<A: Allocator + Clone>(i: usize, alloc: &A) -> Result<String<A>> {
    let mut name = String::new_in(alloc.clone());
    name.try_write_fmt(format_args!("column{}", i + 1))?;
    Ok(name)
}

/// The columns of a subquery, their rules, and whether each may carry
/// the JSON subtype, as [`describe`] pushes them.
type Described<'d, A> = (
    &'d mut Vec<TableColumn<A>, A>,
    &'d mut Vec<ColumnMeta<A>, A>,
    &'d mut Vec<bool, A>,
);

/// Pushes a column, its rules and whether its values may carry the JSON
/// subtype for each output column of `body` (over `scope`, in `ctx`).
fn describe<A: Allocator + Clone>(
    body: &crate::sql::SelectBody<'_, A>,
    scope: &dyn Scope<A>,
    ctx: &RowContext<'_, '_, A>,
    (columns, meta, json_columns): Described<'_, A>,
    alloc: &A,
) -> Result<()> {
    let mut push = |name: &str, affinity: Option<Affinity>, collation: Collation| {
        push_column(columns, meta, alloc, name, affinity, collation)
    };
    for (i, column) in body.columns.iter().enumerate() {
        let only = match column {
            ResultColumn::Expr { expr, alias, text } => {
                let owned;
                let name = match (alias, expr) {
                    _ if body.form == CoreForm::Values => {
                        owned = values_column(i, alloc)?;
                        owned.as_str()
                    }
                    (Some(a), _) => {
                        owned = a.to_string_in(alloc.clone())?;
                        owned.as_str()
                    }
                    (None, Expr::Column(c)) => {
                        owned = c.column.to_string_in(alloc.clone())?;
                        owned.as_str()
                    }
                    (None, _) => text,
                };
                let affinity = affinity(expr, ctx)?;
                let collation = match explicit_collation(expr)? {
                    Some(c) => c,
                    None => expr_collation(expr, ctx)?,
                };
                push(name, affinity, collation)?;
                json_columns.try_push(carries_json_column(expr, ctx))?;
                continue;
            }
            ResultColumn::TableStar(name) => Some(star_level(scope, name)?),
            ResultColumn::Star => None,
        };
        each_star_column(scope, only, &mut |level, i| {
            let Some(table) = scope.table(level) else {
                return Ok(());
            };
            let Some(column) = table.columns.columns.get(i) else {
                return Ok(());
            };
            let affinity = match table.meta.get(i) {
                Some(m) if !m.compared => None,
                Some(m) => Some(m.affinity),
                None => Some(Affinity::Blob),
            };
            push(&column.name, affinity, column.collation.unwrap_or_default())?;
            let json = table.function.is_some() && i == json::VALUE
                || table.json_columns.get(i).copied().unwrap_or(false);
            Ok(json_columns.try_push(json)?)
        })?;
    }
    Ok(())
}
