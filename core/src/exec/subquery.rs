//! Subqueries in expressions: a scalar `(SELECT ...)`, `EXISTS (SELECT
//! ...)` and `x IN (SELECT ...)`, each run as a query of its own against
//! the row of the expression that holds it, whose columns it may read
//! (a correlated subquery).
//!
//! Invariants:
//! - a subquery is run each time its expression is evaluated and its
//!   rows are handed on one at a time, never held: `IN` compares each
//!   candidate as it is read, so memory stays what one run of the
//!   subquery needs, whatever the number of its rows;
//! - a subquery's columns resolve in its own table first, then in the
//!   rows it is nested in, innermost first, as SQLite resolves them;
//! - the table a subquery read is handed back to the statement's table
//!   cache, so the next run of the subquery does not read the schema.

use boundlite_platform::Platform;

use crate::alloc::{Allocator, Vec};
use crate::record::ValueRef;
use crate::sql::eval::{
    Shape, SubqueryCollation, Value, affinity, any_node, collation, explicit_collation,
};
use crate::sql::{Affinity, Expr, ResultColumn, Select, SelectBody};
use crate::table::{TableInfo, View};
use crate::{Error, Result};

use super::Env;
use super::check::subqueries_exist;
use super::context::RowContext;
use super::select::{self, Sources, body_of, from_of, load_table};
use super::source::Source;

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

    /// Checks the names of `select` in `env` (whose `outer` is a row it
    /// would run against, none current), as [`select::check_body`] does,
    /// and that it has one column where `shape` asks for one.
    fn check(&self, select: &Select<'_, A>, shape: Shape, env: Env<'_, A>) -> Result<()>;

    /// The affinity of the first result column of `select`.
    fn affinity(&self, select: &Select<'_, A>, env: Env<'_, A>) -> Option<Affinity>;

    /// The collations of the first result column of `select`.
    fn collation(&self, select: &Select<'_, A>, env: Env<'_, A>) -> Result<SubqueryCollation>;
}

/// The first result column of a query.
enum First<'s, 'a, 't, A: Allocator + Clone> {
    /// An expression.
    Expr(&'s Expr<'a, A>),
    /// The first column of `table`, from `*`.
    Column(&'t TableInfo<A>),
}

/// Runs subqueries through a connection's view.
pub(crate) struct Runner<'v, P: Platform, A: Allocator + Clone> {
    view: &'v View<'v, P, A>,
}

impl<'v, P: Platform, A: Allocator + Clone> Runner<'v, P, A> {
    /// A runner reading through `view`.
    pub fn new(view: &'v View<'v, P, A>) -> Self {
        Runner { view }
    }

    /// `f` of the first result column of `select` and a context over its
    /// table (no row current), which reads the rows around it through
    /// `env`.
    fn first_column<T>(
        &self,
        select: &Select<'_, A>,
        env: Env<'_, A>,
        f: impl FnOnce(First<'_, '_, '_, A>, &RowContext<'_, '_, A>) -> T,
    ) -> Result<T> {
        let body = body_of(select)?;
        let first = body
            .columns
            .first()
            .ok_or(Error::Misuse("a query without result columns"))?;
        let Some((name, alias)) = from_of(body)? else {
            return match first {
                ResultColumn::Expr { expr, .. } => Ok(f(First::Expr(expr), &env.context())),
                _ => Err(Error::Sql("no tables specified")),
            };
        };
        let table = load_table(self.view, &name, env)?;
        let ctx = env.context().with_table(&table, alias);
        let found = match first {
            ResultColumn::Expr { expr, .. } => f(First::Expr(expr), &ctx),
            ResultColumn::Star | ResultColumn::TableStar(_) => f(First::Column(&table), &ctx),
        };
        drop(ctx);
        env.tables.put(table);
        Ok(found)
    }

    /// [`Subqueries::run`], its source in `sources`.
    fn rows(
        &self,
        select: &Select<'_, A>,
        env: Env<'_, A>,
        shape: Shape,
        visit: &mut dyn FnMut(ValueRef<'_>) -> Result<bool>,
        sources: &mut Sources<'v, P, A>,
    ) -> Result<()> {
        let mut query = select::start(self.view, select, env, sources)?;
        let info = sources
            .first()
            .and_then(Option::as_ref)
            .and_then(Source::info);
        one_column(body_of(select)?, info, shape)?;
        let mut row = Vec::new_in(env.alloc.clone());
        while select::next(self.view, &mut query, sources, Some(select), env, &mut row)? {
            let first = row.first().map_or(ValueRef::Null, Value::as_ref);
            if !visit(first)? {
                break;
            }
        }
        Ok(())
    }
}

impl<P: Platform, A: Allocator + Clone> Subqueries<A> for Runner<'_, P, A> {
    fn run(
        &self,
        select: &Select<'_, A>,
        env: Env<'_, A>,
        shape: Shape,
        visit: &mut dyn FnMut(ValueRef<'_>) -> Result<bool>,
    ) -> Result<()> {
        let mut sources = Vec::new_in(env.alloc.clone());
        let result = self.rows(select, env, shape, visit, &mut sources);
        if let Some(table) = sources.pop().flatten().and_then(Source::into_info) {
            env.tables.put(table);
        }
        result
    }

    fn check(&self, select: &Select<'_, A>, shape: Shape, env: Env<'_, A>) -> Result<()> {
        let body = body_of(select)?;
        let check = |table, alias| {
            select::check_body(body, table, alias, env)?;
            one_column(body, table, shape)?;
            for term in select.order_by.iter() {
                subqueries_exist(&term.expr, table, alias, env)?;
            }
            Ok(())
        };
        let Some((name, alias)) = from_of(body)? else {
            return check(None, None);
        };
        let table = load_table(self.view, &name, env)?;
        let checked = check(Some(&table), alias.as_ref());
        env.tables.put(table);
        checked
    }

    fn affinity(&self, select: &Select<'_, A>, env: Env<'_, A>) -> Option<Affinity> {
        self.first_column(select, env, |first, ctx| match first {
            First::Expr(expr) => affinity(expr, ctx),
            First::Column(table) => table.meta.first().map(|m| m.affinity),
        })
        .ok()
        .flatten()
    }

    fn collation(&self, select: &Select<'_, A>, env: Env<'_, A>) -> Result<SubqueryCollation> {
        self.first_column(select, env, |first, ctx| match first {
            First::Expr(expr) => Ok(SubqueryCollation {
                explicit: explicit_collation(expr)?,
                any: collation(expr, ctx)?,
            }),
            First::Column(table) => Ok(SubqueryCollation {
                explicit: None,
                any: table.columns.columns.first().and_then(|c| c.collation),
            }),
        })?
    }
}

/// Whether `select` holds a subquery in any of its expressions.
pub(crate) fn holds_subquery<A: Allocator>(select: &Select<'_, A>) -> bool {
    let Ok(body) = body_of(select) else {
        return false;
    };
    let columns = body.columns.iter().filter_map(|c| match c {
        ResultColumn::Expr { expr, .. } => Some(expr),
        _ => None,
    });
    let limit = select
        .limit
        .iter()
        .flat_map(|l| core::iter::once(&l.limit).chain(l.offset.as_ref()));
    columns
        .chain(body.where_clause.as_ref())
        .chain(body.group_by.iter())
        .chain(body.having.as_ref())
        .chain(select.order_by.iter().map(|t| &t.expr))
        .chain(limit)
        .any(expr_holds_subquery)
}

/// Whether `expr` holds a subquery.
pub(crate) fn expr_holds_subquery<A: Allocator>(expr: &Expr<'_, A>) -> bool {
    any_node(expr, &mut |e| {
        matches!(e, Expr::Subquery(_) | Expr::Exists(_) | Expr::InSelect(_))
    })
}

/// Refuses `body`, reading `table`, unless it has one result column
/// where `shape` asks for one.
fn one_column<A: Allocator + Clone>(
    body: &SelectBody<'_, A>,
    table: Option<&TableInfo<A>>,
    shape: Shape,
) -> Result<()> {
    let columns = width(body, table);
    match shape {
        Shape::Column if columns != 1 => Err(Error::Sql(too_many(columns))),
        _ => Ok(()),
    }
}

/// The number of result columns of `body`, reading `table`.
fn width<A: Allocator + Clone>(body: &SelectBody<'_, A>, table: Option<&TableInfo<A>>) -> usize {
    body.columns
        .iter()
        .map(|c| match c {
            ResultColumn::Expr { .. } => 1,
            ResultColumn::Star | ResultColumn::TableStar(_) => {
                table.map_or(0, TableInfo::column_count)
            }
        })
        .sum()
}

/// SQLite's error for a subquery of `n` columns where one is expected.
fn too_many(n: usize) -> &'static str {
    const MESSAGES: [&str; 8] = [
        "sub-select returns 0 columns - expected 1",
        "sub-select returns 1 columns - expected 1",
        "sub-select returns 2 columns - expected 1",
        "sub-select returns 3 columns - expected 1",
        "sub-select returns 4 columns - expected 1",
        "sub-select returns 5 columns - expected 1",
        "sub-select returns 6 columns - expected 1",
        "sub-select returns 7 columns - expected 1",
    ];
    MESSAGES
        .get(n)
        .copied()
        .unwrap_or("sub-select returns more than 7 columns - expected 1")
}
