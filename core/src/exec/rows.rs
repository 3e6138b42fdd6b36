//! [`Rows`]: what a query body reads, one table ([`Source`]) or the
//! nested loops of a join ([`Join`]), behind one set of moves, so that
//! streaming, sorting and grouping read either the same way.
//!
//! A position ([`Rows::push_position`]) says where a row is so that a
//! second pass can come back to it: the rowid of a table's row (the
//! record of a `WITHOUT ROWID` table's), one such (or NULL) per level
//! of a join.

use boundlite_platform::Platform;

use crate::alloc::{Allocator, Box, Vec};
use crate::sql::eval::Value;
use crate::sql::{Ident, SelectBody};
use crate::table::TableInfo;
use crate::{Error, Result};

use super::Env;
use super::context::RowContext;
use super::join::Join;
use super::plan::Proven;
use super::scope::{Merge, One, Scope};
use super::source::Source;

/// The rows of a query body.
// One table is the common case, read on every row: kept inline rather
// than behind a pointer; there is one value per query member.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Rows<'v, P: Platform, A: Allocator + Clone> {
    /// One table, or the one row of a query without `FROM`.
    One(Source<'v, P, A>),
    /// Tables joined.
    Join(Box<Join<'v, P, A>, A>),
}

/// The scope of a query's rows: its table (called by an alias held by
/// the query) or its join.
pub(crate) enum RowsScope<'s, 'v, P: Platform, A: Allocator + Clone> {
    /// One table or none.
    One(One<'s, A>),
    /// A join, which holds its aliases.
    Join(&'s Join<'v, P, A>),
}

impl<P: Platform, A: Allocator + Clone> Scope<A> for RowsScope<'_, '_, P, A> {
    fn levels(&self) -> usize {
        match self {
            RowsScope::One(one) => one.levels(),
            RowsScope::Join(join) => join.levels(),
        }
    }

    fn table(&self, level: usize) -> Option<&TableInfo<A>> {
        match self {
            RowsScope::One(one) => one.table(level),
            RowsScope::Join(join) => join.table(level),
        }
    }

    fn alias(&self, level: usize) -> Option<Ident<'_>> {
        match self {
            RowsScope::One(one) => one.alias(level),
            RowsScope::Join(join) => join.alias(level),
        }
    }

    fn merged_columns(&self, level: usize) -> &[Merge] {
        match self {
            RowsScope::One(one) => one.merged_columns(level),
            RowsScope::Join(join) => join.merged_columns(level),
        }
    }
}

impl<'v, P: Platform, A: Allocator + Clone> Rows<'v, P, A> {
    /// The tables as names see them; `alias` is the one table's alias.
    pub fn scope<'s>(&'s self, alias: Option<&Ident<'s>>) -> RowsScope<'s, 'v, P, A> {
        match self {
            Rows::One(source) => RowsScope::One(One::new(source.info(), alias)),
            Rows::Join(join) => RowsScope::Join(join),
        }
    }

    /// The table a statement's cache keeps of these rows: the one table,
    /// or a join's first.
    pub fn into_table(self) -> Option<TableInfo<A>> {
        match self {
            Rows::One(source) => source.into_info(),
            Rows::Join(join) => Box::into_inner(join).into_tables().next(),
        }
    }

    /// What of `WHERE` every row visited passes, so the caller need not
    /// evaluate it (a join evaluates it all itself).
    pub fn proven(&self) -> Proven {
        match self {
            Rows::One(source) => source.proven(),
            Rows::Join(_) => Proven::Clause,
        }
    }

    /// Moves to the next row (of a join: the next that passes `body`'s
    /// `ON` clauses and `WHERE`); `false` when there is none.
    pub fn advance(&mut self, env: Env<'_, A>, body: &SelectBody<'_, A>) -> Result<bool> {
        match self {
            Rows::One(source) => source.advance(),
            Rows::Join(join) => join.advance(env, body),
        }
    }

    /// Moves to the next row for which `keep`, given a context on it, is
    /// true; `false` when there is none.
    pub fn find(
        &mut self,
        env: Env<'_, A>,
        alias: Option<Ident<'_>>,
        body: &SelectBody<'_, A>,
        mut keep: impl FnMut(&RowContext<'_, '_, A>) -> Result<bool>,
    ) -> Result<bool> {
        match self {
            Rows::One(source) => source.find(env, alias, keep),
            Rows::Join(join) => join.find(env, body, &mut keep),
        }
    }

    /// Runs `f` with a context on the current row.
    pub fn with_row<T>(
        &mut self,
        env: Env<'_, A>,
        alias: Option<Ident<'_>>,
        f: impl FnOnce(&RowContext<'_, '_, A>) -> Result<T>,
    ) -> Result<T> {
        match self {
            Rows::One(source) => source.with_row(env, alias, f),
            Rows::Join(join) => {
                let mut f = Some(f);
                let mut out = None;
                join.with_row(env, &mut |ctx| {
                    if let Some(f) = f.take() {
                        out = Some(f(ctx)?);
                    }
                    Ok(())
                })?;
                out.ok_or(Error::Misuse("a joined row without its context"))
            }
        }
    }

    /// Runs `f` with a context over the tables, no row current.
    pub fn with_table<T>(
        &self,
        env: Env<'_, A>,
        alias: Option<Ident<'_>>,
        f: impl FnOnce(&RowContext<'_, '_, A>) -> Result<T>,
    ) -> Result<T> {
        match self {
            Rows::One(source) => source.with_table(env, alias, f),
            Rows::Join(join) => {
                let mut f = Some(f);
                let mut out = None;
                join.with_table(env, &mut |ctx| {
                    if let Some(f) = f.take() {
                        out = Some(f(ctx)?);
                    }
                    Ok(())
                })?;
                out.ok_or(Error::Misuse("a join without its context"))
            }
        }
    }

    /// The number of values [`Self::push_position`] pushes.
    pub fn position_width(&self) -> usize {
        match self {
            Rows::One(_) => 1,
            Rows::Join(join) => join.position_width(),
        }
    }

    /// Pushes where the current row is.
    pub fn push_position(&mut self, into: &mut Vec<Value<A>, A>) -> Result<()> {
        match self {
            Rows::One(source) => Ok(into.try_push(source.position()?)?),
            Rows::Join(join) => join.push_position(into),
        }
    }

    /// Moves back to the row at `position`; `false` when it is gone.
    pub fn seek(
        &mut self,
        position: &[Value<A>],
        env: Env<'_, A>,
        body: &SelectBody<'_, A>,
    ) -> Result<bool> {
        match self {
            Rows::One(source) => match position.first() {
                Some(position) => source.seek_position(position),
                None => Err(Error::Misuse("a row position without its rowid")),
            },
            Rows::Join(join) => join.seek(position, env, body),
        }
    }
}
