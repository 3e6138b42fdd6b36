//! [`Derived`]: a subquery in `FROM` read as a table, its rows streamed
//! from the query as they are asked for, never held.
//!
//! Its columns are named as SQLite names a subquery's result columns (an
//! alias, else a column's own name, else the expression as written) and
//! have the affinity and collation of their expressions. A row is read
//! through [`RowContext::on_values`]; its rowid reads its number.
//!
//! Invariants: memory is what one run of the subquery needs; a restart
//! (each row of the loop above it) runs the subquery again from its first
//! row, and going back to row `n` (a second pass of grouping) runs it up
//! to that row, so no row is ever stored.

use boundlite_platform::Platform;

use crate::alloc::{Allocator, String, Vec};
use crate::record::Collation;
use crate::schema::TableColumn;
use crate::schema::TableColumns;
use crate::sql::eval::{Value, affinity, explicit_collation};
use crate::sql::{Affinity, Expr, Ident, ResultColumn, Select};
use crate::table::{ColumnMeta, DefaultKind, TableInfo, View};
use crate::{Error, PageNo, Result};

use super::Env;
use super::context::{Place, RowContext};
use super::order::expr_collation;
use super::scope::{Scope, each_star_column, star_level};
use super::select::{self, Query, Sources, body_of, give_back};

/// The rows of a subquery in `FROM`.
pub(crate) struct Derived<'v, P: Platform, A: Allocator + Clone> {
    /// Its columns as a table shows them.
    info: TableInfo<A>,
    /// Per column: merged by `USING` into a column to its left.
    merged: Vec<bool, A>,
    sources: Sources<'v, P, A>,
    query: Option<Query<P::File, A>>,
    row: Vec<Value<A>, A>,
    /// The number of the current row, from 1 (0: none yet).
    n: i64,
    place: Place,
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
        let body = match body_of(select) {
            Ok(body) => body,
            Err(_) => first_member(select)?,
        };
        let mut slot = None;
        let described = (|| {
            let rows = select::open_source(view, body, env, &mut slot)?;
            let own = select::alias_of(body);
            let scope = rows.scope(own.as_ref());
            rows.with_table(env, own, |ctx| {
                describe(body, &scope, ctx, &mut columns, &mut meta, &alloc)
            })
        })();
        give_back(slot, env);
        described?;
        if !names.is_empty() {
            if names.len() != columns.len() {
                return Err(Error::Sql(
                    "a WITH table has a different number of columns than its names",
                ));
            }
            for (column, name) in columns.iter_mut().zip(names) {
                column.name = name.to_string_in(alloc.clone())?;
            }
        }
        let mut merged = Vec::try_with_capacity_in(columns.len(), alloc.clone())?;
        for _ in 0..columns.len() {
            merged.try_push(false)?;
        }
        let info = TableInfo {
            name,
            root: PageNo::new(1).ok_or(Error::Misuse("page 1 is not a page"))?,
            columns: TableColumns {
                columns,
                rowid_alias: None,
                autoincrement: false,
                autoindexes: Vec::new_in(alloc.clone()),
                primary_autoindex: None,
            },
            meta,
            indexes: Vec::new_in(alloc.clone()),
            check_sql: None,
            strict: false,
            version: None,
            has_rowid: false,
        };
        Ok(Derived {
            info,
            merged,
            sources: Vec::new_in(alloc.clone()),
            query: None,
            row: Vec::new_in(alloc),
            n: 0,
            place: Place::in_order(level),
        })
    }

    /// Its columns as a table.
    pub fn info(&self) -> &TableInfo<A> {
        &self.info
    }

    /// Per column: whether it is merged into a table to its left.
    pub fn merged(&self) -> &[bool] {
        &self.merged
    }

    /// Flags column `i` as merged into a table to its left.
    pub fn merge(&mut self, i: usize) {
        if let Some(m) = self.merged.get_mut(i) {
            *m = true;
        }
    }

    /// Nests the subquery's loop at `depth` of its join.
    pub fn set_depth(&mut self, depth: usize) {
        self.place.depth = depth;
    }

    /// Makes the next read run the subquery from its first row.
    pub fn rewind(&mut self) {
        self.query = None;
        self.n = 0;
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
        if self.query.is_none() {
            self.query = Some(select::start(view, select, env, &mut self.sources)?);
            self.n = 0;
        }
        let query = self
            .query
            .as_mut()
            .ok_or(Error::Misuse("a subquery in FROM without its query"))?;
        let on = select::next(
            view,
            query,
            &mut self.sources,
            Some(select),
            env,
            &mut self.row,
        )?;
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
        if n < self.n || self.query.is_none() {
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

/// The first member of a compound query.
fn first_member<'s, 'a, A: Allocator>(
    select: &'s Select<'a, A>,
) -> Result<&'s crate::sql::SelectBody<'a, A>> {
    match &select.core {
        crate::sql::SelectCore::Select(body) => Ok(body),
        crate::sql::SelectCore::Values(_) => Err(Error::Sql("VALUES in FROM is not supported")),
    }
}

/// Pushes a column and its rules for each output column of `body` (over
/// `scope`, in `ctx`).
fn describe<A: Allocator + Clone>(
    body: &crate::sql::SelectBody<'_, A>,
    scope: &dyn Scope<A>,
    ctx: &RowContext<'_, '_, A>,
    columns: &mut Vec<TableColumn<A>, A>,
    meta: &mut Vec<ColumnMeta<A>, A>,
    alloc: &A,
) -> Result<()> {
    let mut push = |name: &str, affinity: Affinity, collation: Collation| -> Result<()> {
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
            storage,
        })?;
        meta.try_push(ColumnMeta {
            affinity,
            not_null: false,
            default: Value::Null,
            default_kind: DefaultKind::Constant,
        })?;
        Ok(())
    };
    for column in body.columns.iter() {
        let only = match column {
            ResultColumn::Expr { expr, alias, text } => {
                let owned;
                let name = match (alias, expr) {
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
                let affinity = affinity(expr, ctx).unwrap_or(Affinity::Blob);
                let collation = match explicit_collation(expr)? {
                    Some(c) => c,
                    None => expr_collation(expr, ctx)?,
                };
                push(name, affinity, collation)?;
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
            let affinity = table.meta.get(i).map_or(Affinity::Blob, |m| m.affinity);
            push(&column.name, affinity, column.collation.unwrap_or_default())
        })?;
    }
    Ok(())
}
