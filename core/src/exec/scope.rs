//! [`Scope`]: the tables of a query's `FROM` as its names see them, and
//! how a column name resolves among them, as SQLite resolves it.
//!
//! - a qualified name (`t.a`) looks in the tables called `t` (by alias
//!   where there is one, else by name);
//! - an unqualified name looks in every table, skipping the columns a
//!   `USING` or `NATURAL` join merged into a column to their left (and,
//!   for a `RIGHT JOIN`'s, the left column, whose name reads the right
//!   table's: [`Merge`]);
//! - a name found in two places is `ambiguous column name: c`.
//!
//! Invariant: nothing here allocates; a scope is a view over tables held
//! elsewhere (a query's sources), levels numbered in `FROM` order.

use crate::alloc::Allocator;
use crate::sql::{ColumnBinding, ColumnPos, ColumnRef, Ident};
use crate::table::TableInfo;
use crate::{Error, Result};

use super::context::resolve;

/// The tables of a query's `FROM`, by level (their position, from 0).
pub(crate) trait Scope<A: Allocator + Clone> {
    /// The number of tables (0 for a query without `FROM`).
    fn levels(&self) -> usize;

    /// The table at `level`.
    fn table(&self, level: usize) -> Option<&TableInfo<A>>;

    /// The alias of the table at `level`, if it has one.
    fn alias(&self, level: usize) -> Option<Ident<'_>>;

    /// Per column of the table at `level`: how `USING` or `NATURAL`
    /// merged it (empty: none is).
    fn merged_columns(&self, _level: usize) -> &[Merge] {
        &[]
    }

    /// How column `column` of the table at `level` is merged (see
    /// [`Self::merged_columns`]).
    fn merged(&self, level: usize, column: usize) -> Merge {
        self.merged_columns(level)
            .get(column)
            .copied()
            .unwrap_or(Merge::Own)
    }
}

/// How `*` and unqualified names see one column of a table of a join,
/// as a `USING` or `NATURAL` join leaves it. SQLite reads the merged
/// column of an inner or `LEFT JOIN` in its leftmost table, and that of a
/// `RIGHT JOIN` in the right table, at the left column's place in `*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Merge {
    /// Seen as any column.
    #[default]
    Own,
    /// Seen as any column, but shown by `*` under its unqualified name,
    /// which must then not be ambiguous: a column left of a `RIGHT` or
    /// `FULL JOIN` that a later `USING` or `NATURAL` merges into (SQLite
    /// expands `*` so).
    Named,
    /// Merged into a column of a table to its left: `*` and unqualified
    /// names skip it.
    Into,
    /// The left column of a `RIGHT JOIN`'s `USING`: unqualified names
    /// skip it, and `*` shows in its place the right table's column (at
    /// `level`, column `column`).
    Yields { level: usize, column: usize },
    /// The right column of a `RIGHT JOIN`'s `USING`: unqualified names
    /// read it; `*` skips it (the left column's place shows it).
    Taken,
}

impl Merge {
    /// Whether an unqualified name skips the column.
    pub fn unnamed(self) -> bool {
        matches!(self, Merge::Into | Merge::Yields { .. })
    }

    /// Whether `*` skips the column.
    pub fn unstarred(self) -> bool {
        matches!(self, Merge::Into | Merge::Taken)
    }
}

/// The scope of a query over one table, or none.
pub(crate) struct One<'s, A: Allocator> {
    /// The table, if there is a `FROM`.
    pub table: Option<&'s TableInfo<A>>,
    /// Its alias.
    pub alias: Option<Ident<'s>>,
}

impl<'s, A: Allocator> One<'s, A> {
    /// The scope of `table`, called `alias`.
    pub fn new(table: Option<&'s TableInfo<A>>, alias: Option<&Ident<'s>>) -> Self {
        One {
            table,
            alias: alias.copied(),
        }
    }
}

impl<A: Allocator + Clone> Scope<A> for One<'_, A> {
    fn levels(&self) -> usize {
        usize::from(self.table.is_some())
    }

    fn table(&self, level: usize) -> Option<&TableInfo<A>> {
        self.table.filter(|_| level == 0)
    }

    fn alias(&self, level: usize) -> Option<Ident<'_>> {
        self.alias.filter(|_| level == 0)
    }
}

/// Whether `name` calls the table at `level` of `scope`: its alias, or
/// its name when it has none.
pub(crate) fn calls<A: Allocator + Clone>(
    scope: &dyn Scope<A>,
    level: usize,
    name: &Ident<'_>,
) -> bool {
    match (scope.alias(level), scope.table(level)) {
        (Some(alias), _) => alias.as_str().is_some_and(|a| name.eq_ignore_ascii_case(a)),
        (None, Some(table)) => name.eq_ignore_ascii_case(&table.name),
        (None, None) => false,
    }
}

/// Where `column` points in `scope`: the level of its table and its
/// place there; `None` when no table has it; an error when two do.
pub(crate) fn find<A: Allocator + Clone>(
    scope: &dyn Scope<A>,
    column: &ColumnRef<'_>,
) -> Result<Option<(usize, ColumnPos)>> {
    let mut found = None;
    for level in 0..scope.levels() {
        let Some(table) = scope.table(level) else {
            continue;
        };
        let alias = scope.alias(level);
        let Some(pos) = resolve(table, alias.as_ref(), column) else {
            continue;
        };
        let unnamed = |i| scope.merged(level, i).unnamed();
        if column.table.is_none() && named_column(table, column).is_some_and(unnamed) {
            continue;
        }
        if found.is_some() {
            return Err(column.ambiguous());
        }
        found = Some((level, pos));
    }
    Ok(found)
}

/// The index of the column of `table` that `column` names by name (a
/// rowid alias too, which resolves to the rowid), if one does.
pub(crate) fn named_column<A: Allocator>(
    table: &TableInfo<A>,
    column: &ColumnRef<'_>,
) -> Option<usize> {
    table
        .columns
        .columns
        .iter()
        .position(|c| column.column.eq_ignore_ascii_case(&c.name))
}

/// The number of columns `*` stands for in `scope`.
pub(crate) fn star_width<A: Allocator + Clone>(scope: &dyn Scope<A>) -> usize {
    (0..scope.levels())
        .map(|level| table_width(scope, level, false))
        .sum()
}

/// The number of columns of the table at `level` that `*` (`all`:
/// `t.*`, which keeps merged columns) stands for.
pub(crate) fn table_width<A: Allocator + Clone>(
    scope: &dyn Scope<A>,
    level: usize,
    all: bool,
) -> usize {
    let Some(table) = scope.table(level) else {
        return 0;
    };
    (0..table.star_count())
        .filter(|&i| all || !scope.merged(level, i).unstarred())
        .count()
}

/// SQLite's error for `t.*` naming no table in scope: `no such table:
/// t`, the name less its quotes.
pub(crate) fn unknown_table(name: &Ident<'_>) -> Error {
    let name = crate::ConstraintName::format(format_args!("{}", name.chars()));
    Error::Named(crate::Named::NoSuchTable, name)
}

/// The level `t.*` names in `scope`.
pub(crate) fn star_level<A: Allocator + Clone>(
    scope: &dyn Scope<A>,
    name: &Ident<'_>,
) -> Result<usize> {
    (0..scope.levels())
        .find(|&level| calls(scope, level, name))
        .ok_or_else(|| unknown_table(name))
}

/// Visits the columns `*` (`table`: `t.*`, naming the table at that
/// level) stands for in `scope`, in order, as (level, column): a
/// `RIGHT JOIN`'s `USING` column as the right table's.
pub(crate) fn each_star_column<A: Allocator + Clone>(
    scope: &dyn Scope<A>,
    table: Option<usize>,
    visit: &mut dyn FnMut(usize, usize) -> Result<()>,
) -> Result<()> {
    let levels = match table {
        Some(level) => level..level + 1,
        None => 0..scope.levels(),
    };
    for level in levels {
        let Some(info) = scope.table(level) else {
            continue;
        };
        for i in 0..info.star_count() {
            match scope.merged(level, i) {
                _ if table.is_some() => visit(level, i)?,
                Merge::Into | Merge::Taken => {}
                Merge::Yields { level, column } => visit(level, column)?,
                Merge::Own | Merge::Named => visit(level, i)?,
            }
        }
    }
    Ok(())
}

/// Checks that the unqualified name of each column `*` shows by its
/// name ([`Merge::Named`], [`Merge::Yields`]) is not ambiguous in
/// `scope`, as SQLite's expansion of `*` requires.
pub(crate) fn star_names_resolve<A: Allocator + Clone>(scope: &dyn Scope<A>) -> Result<()> {
    for level in 0..scope.levels() {
        let Some(info) = scope.table(level) else {
            continue;
        };
        for (i, column) in info.columns.columns.iter().enumerate() {
            if !matches!(scope.merged(level, i), Merge::Named | Merge::Yields { .. }) {
                continue;
            }
            let name = ColumnRef {
                schema: None,
                table: None,
                column: Ident::new(column.name.as_str()),
                binding: ColumnBinding::default(),
            };
            find(scope, &name)?;
        }
    }
    Ok(())
}

/// The most tables one `FROM` may join, as SQLite allows: the tables of
/// a join fit in a [`Tables`].
pub(crate) const MAX_TABLES: usize = 64;

/// A set of tables of a `FROM`, by level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Tables(u64);

impl Tables {
    /// No table.
    pub const NONE: Tables = Tables(0);

    /// The set with the table at `level` too (a level past
    /// [`MAX_TABLES`], which a join refuses, is left out).
    #[must_use]
    pub fn with(self, level: usize) -> Tables {
        match u32::try_from(level).ok().and_then(|l| 1u64.checked_shl(l)) {
            Some(bit) => Tables(self.0 | bit),
            None => self,
        }
    }

    /// Whether the table at `level` is in the set.
    pub fn has(self, level: usize) -> bool {
        u32::try_from(level)
            .ok()
            .and_then(|l| 1u64.checked_shl(l))
            .is_some_and(|bit| self.0 & bit != 0)
    }

    /// Whether every table of `other` is in the set.
    pub fn covers(self, other: Tables) -> bool {
        other.0 & !self.0 == 0
    }

    /// Whether the sets share a table.
    pub fn meets(self, other: Tables) -> bool {
        self.0 & other.0 != 0
    }
}
