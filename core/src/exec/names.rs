//! The names of a query's result columns, as SQLite's
//! `generateColumnNames` gives them (short column names, its default),
//! from the query's first member and the tables its source opened:
//!
//! - `expr AS alias`: the alias;
//! - a column reference: the column's name as its table (or subquery,
//!   view or `WITH` table) declares it, the rowid by the name of the
//!   column that aliases it, else `rowid`;
//! - any other expression: its text as written;
//! - `*` and `t.*`: the columns they stand for, named so, skipping what
//!   `USING` and `NATURAL` merged, as the row is built;
//! - a `VALUES` row: `column1`, `column2`...
//!
//! A `RETURNING` clause's columns are named the same way, over the table
//! the statement changes.
//!
//! Invariant: the names are as many as the query's columns, for they
//! come from the scope the row is built from.

use boundlite_platform::Platform;

use crate::alloc::Allocator;
use crate::connection::Names;
use crate::sql::{ColumnPos, CoreForm, Expr, Ident, ResultColumn, Select};
use crate::table::TableInfo;
use crate::{Error, Result};

use super::scope::{One, Scope, each_star_column, find, star_level};
use super::select::{Sources, alias_of};

/// Writes the names of the columns of `select`, started over `sources`,
/// into `names`.
pub(crate) fn of_query<P: Platform, A: Allocator + Clone>(
    select: &Select<'_, A>,
    sources: &Sources<'_, P, A>,
    names: &mut Names<A>,
) -> Result<()> {
    names.clear();
    let body = &*select.core;
    let alias = alias_of(body);
    let rows = sources.first().and_then(Option::as_ref);
    if body.form == CoreForm::Values {
        for i in 0..body.columns.len() {
            names.push_with(|text| Ok(text.try_write_fmt(format_args!("column{}", i + 1))?))?;
        }
        return Ok(());
    }
    match rows {
        Some(rows) => of_body(body, &rows.scope(alias.as_ref()), names),
        None if body.from.is_none() => of_body(body, &One::new(None, None), names),
        None => Err(Error::Misuse(
            "a query's columns named before its source opened",
        )),
    }
}

/// Writes the names of the columns of the `RETURNING` clause `columns`
/// of a change to `table` (called `alias`) into `names`: SQLite names
/// them as a query over the table alone.
pub(crate) fn of_returning<A: Allocator + Clone>(
    columns: &[ResultColumn<'_, A>],
    table: &TableInfo<A>,
    alias: Option<&Ident<'_>>,
    names: &mut Names<A>,
) -> Result<()> {
    names.clear();
    of_columns(columns, &One::new(Some(table), alias), names)
}

/// [`of_query`] of one `SELECT` body over `scope`.
fn of_body<A: Allocator + Clone>(
    body: &crate::sql::SelectBody<'_, A>,
    scope: &dyn Scope<A>,
    names: &mut Names<A>,
) -> Result<()> {
    of_columns(&body.columns, scope, names)
}

/// The names of result columns `columns` over `scope`.
fn of_columns<A: Allocator + Clone>(
    columns: &[ResultColumn<'_, A>],
    scope: &dyn Scope<A>,
    names: &mut Names<A>,
) -> Result<()> {
    for column in columns.iter() {
        let only = match column {
            ResultColumn::Expr {
                alias: Some(alias), ..
            } => {
                names
                    .push_with(|text| Ok(text.try_write_fmt(format_args!("{}", alias.chars()))?))?;
                continue;
            }
            ResultColumn::Expr { expr, text, .. } => {
                let declared = match expr {
                    Expr::Column(c) => find(scope, c)?.and_then(|(level, pos)| {
                        let table = scope.table(level)?;
                        let i = match pos {
                            ColumnPos::Column(i) => Some(i),
                            ColumnPos::Rowid => table.columns.rowid_alias,
                        };
                        Some(match i {
                            Some(i) => table.columns.columns.get(i)?.name.as_str(),
                            None => "rowid",
                        })
                    }),
                    _ => None,
                };
                names.push(declared.unwrap_or(text))?;
                continue;
            }
            ResultColumn::TableStar(name) => Some(star_level(scope, name)?),
            ResultColumn::Star => None,
        };
        each_star_column(scope, only, &mut |level, i| {
            let name = scope
                .table(level)
                .and_then(|t| t.columns.columns.get(i))
                .map_or("", |c| c.name.as_str());
            names.push(name)
        })?;
    }
    Ok(())
}
