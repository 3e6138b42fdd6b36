//! The columns description the engine works from: a table's
//! [`TableColumns`] (names, collations, storage positions, the rowid alias
//! and the keys of its automatic indexes) and an index's [`IndexColumns`]
//! (key columns with their collations and sort orders).
//!
//! These are plain data, built by `declared` from the SQL parser's tree
//! of the stored `CREATE` statements; nothing here reads SQL.
//!
//! Invariants: a [`ColumnSource::Column`] is a position in the table's
//! `columns`; a column's `storage` is its position in the row's record
//! (the stored columns before it, or for a `WITHOUT ROWID` table its
//! place after the primary key's columns), `None` only for a virtual
//! generated column; an automatic index
//! key is never empty and never repeats the columns and collations of an
//! earlier one.

use crate::alloc::{Allocator, String, Vec};
use crate::record::{Collation, KeyColumn, SortOrder};
use crate::sql::{Affinity, Conflict};
use crate::{ConstraintName, Error, Result};

/// One column of a table.
#[derive(Debug)]
pub struct TableColumn<A: Allocator> {
    /// The column's name, unquoted.
    pub name: String<A>,
    /// The column's `COLLATE` collation; `Some(Binary)` when it names
    /// none, `None` when it names one this engine does not know.
    pub collation: Option<Collation>,
    /// Whether the column has a `DEFAULT` clause (a row stored before an
    /// `ALTER TABLE ... ADD COLUMN` takes that default, which index
    /// maintenance does not evaluate).
    pub has_default: bool,
    /// Whether the declared type is exactly `INTEGER` (any case, quoted or
    /// not), the one type that makes a lone `PRIMARY KEY` the rowid alias.
    pub integer_type: bool,
    /// Whether the column is generated (`AS (...)`).
    pub generated: bool,
    /// The affinity of its declared type (its datatype's, in a `STRICT`
    /// table): what a comparison in an index's `WHERE` sees it with.
    pub affinity: Affinity,
    /// Where the column's value sits in the row's record; `None` for a
    /// virtual generated column, which is not stored.
    pub storage: Option<usize>,
}

/// The columns of an index key, in key order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexColumn {
    /// What the key column holds.
    pub source: ColumnSource,
    /// Its collation; `None` for one this engine does not know.
    pub collation: Option<Collation>,
    /// Its sort order.
    pub order: SortOrder,
}

/// What an index key column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnSource {
    /// The table column at this position (a virtual generated one
    /// computed from the row, see `evaluated`).
    Column(usize),
    /// An expression: not checkable here.
    Expression,
}

/// What a table's B-tree is keyed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoredBy {
    /// The rowid: a table B-tree.
    Rowid,
    /// The `PRIMARY KEY` (`WITHOUT ROWID`): an index B-tree whose records
    /// hold the key's columns first, then the other stored columns in
    /// declaration order; the table has no rowid.
    PrimaryKey,
}

/// What a `CREATE TABLE` statement declares.
#[derive(Debug)]
pub struct TableColumns<A: Allocator> {
    /// The columns in declaration order.
    pub columns: Vec<TableColumn<A>, A>,
    /// What its B-tree is keyed by; with [`StoredBy::PrimaryKey`] there
    /// is no `rowid_alias` and `primary_autoindex` is the key.
    pub stored_by: StoredBy,
    /// The column that aliases the rowid (`INTEGER PRIMARY KEY`), if any.
    pub rowid_alias: Option<usize>,
    /// Whether the rowid is `AUTOINCREMENT` (kept in `sqlite_sequence`).
    pub autoincrement: bool,
    /// The key columns of the automatic indexes, `[0]` being
    /// `sqlite_autoindex_<table>_1`.
    pub autoindexes: Vec<Vec<IndexColumn, A>, A>,
    /// Which of `autoindexes` the `PRIMARY KEY` made (or repeats), when
    /// it made one; the others come from `UNIQUE` constraints.
    pub primary_autoindex: Option<usize>,
    /// The `ON CONFLICT` clause of the constraints that made each of
    /// `autoindexes` (one per index; of the one constraint that has a
    /// clause among those repeating a key), `None` where none has one.
    pub autoindex_conflicts: Vec<Option<Conflict>, A>,
    /// The `ON CONFLICT` clause of the `INTEGER PRIMARY KEY` that aliases
    /// the rowid, if it has one.
    pub key_conflict: Option<Conflict>,
    /// The `CREATE TABLE` text, when a column is virtual generated: what
    /// computes its values where a stored row is read (see
    /// [`TableColumns::keep_sql`]); `None` otherwise.
    pub sql: Option<String<A>>,
}

/// What a `CREATE INDEX` statement declares.
#[derive(Debug)]
pub struct IndexColumns<A: Allocator> {
    /// The key columns, the rowid that ends every entry not included.
    pub columns: Vec<IndexColumn, A>,
    /// Whether the index is `UNIQUE` (automatic indexes always are).
    pub unique: bool,
    /// Whether the index is partial (`WHERE`): it holds only some rows.
    pub partial: bool,
    /// The `ON CONFLICT` clause of the constraint that made an automatic
    /// index, if it has one; `None` for an index `CREATE INDEX` made.
    pub conflict: Option<Conflict>,
}

impl<A: Allocator + Clone> TableColumns<A> {
    /// Keeps `sql`, the table's `CREATE TABLE` text, when a column is
    /// virtual generated, so that a stored row's virtual columns can be
    /// computed where only the columns are at hand.
    pub fn keep_sql(mut self, sql: &str) -> Result<Self> {
        if self.has_virtual() {
            self.sql = Some(String::try_from_str_in(
                sql,
                self.columns.allocator().clone(),
            )?);
        }
        Ok(self)
    }
}

impl<A: Allocator> TableColumns<A> {
    /// Whether a column is virtual generated (computed when read, not
    /// stored).
    pub fn has_virtual(&self) -> bool {
        self.columns
            .iter()
            .any(|c| c.generated && c.storage.is_none())
    }

    /// The position of the column named `name` (case-insensitive).
    pub fn position(&self, name: &str) -> Option<usize> {
        self.columns
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// The `PRIMARY KEY` of a `WITHOUT ROWID` table, as declared; `None`
    /// for a table keyed by rowid.
    pub fn primary_key(&self) -> Option<&[IndexColumn]> {
        match self.stored_by {
            StoredBy::Rowid => None,
            StoredBy::PrimaryKey => self
                .primary_autoindex
                .and_then(|at| self.autoindexes.get(at))
                .map(Vec::as_slice),
        }
    }

    /// Appends to `out` the columns that end each entry of `index`, an
    /// index of this `WITHOUT ROWID` table, after its key columns: the
    /// primary key's columns it does not hold with the same collation,
    /// each once, with the key's collations and orders, as SQLite lays
    /// them out. Those of an index a `UNIQUE` constraint made
    /// (`constraint`) sort ascending whatever the key says, as SQLite
    /// sorts them (its `bAscKeyBug`, kept for the files it wrote). Nothing
    /// for a table keyed by rowid, whose entries end with the rowid.
    pub fn entry_tail<B: Allocator, C: Allocator>(
        &self,
        index: &IndexColumns<B>,
        constraint: bool,
        out: &mut Vec<IndexColumn, C>,
    ) -> Result<()> {
        for column in self.primary_key().unwrap_or_default() {
            let held =
                |c: &IndexColumn| c.source == column.source && c.collation == column.collation;
            let repeated = |c: &IndexColumn| c.source == column.source;
            if index.columns.iter().any(held) || out.iter().any(repeated) {
                continue;
            }
            let order = match constraint {
                true => SortOrder::Asc,
                false => column.order,
            };
            out.try_push(IndexColumn { order, ..*column })?;
        }
        Ok(())
    }
}

impl<A: Allocator> IndexColumns<A> {
    /// SQLite's error for a row that repeats a key of this index, called
    /// `name`, of the table `table` of `columns`: `UNIQUE constraint
    /// failed: t.a, t.b` by the key's columns, or `index 'i'` when a key
    /// column is an expression.
    pub fn taken<B: Allocator>(&self, table: &str, columns: &TableColumns<B>, name: &str) -> Error {
        let names = self.columns.iter().map(|c| match c.source {
            ColumnSource::Column(i) => columns.columns.get(i).map(|c| c.name.as_str()),
            ColumnSource::Expression => None,
        });
        if names.clone().any(|c| c.is_none()) {
            return Error::Unique(ConstraintName::format(format_args!("index '{name}'")));
        }
        let mut text = ConstraintName::format(format_args!(""));
        for (k, column) in names.flatten().enumerate() {
            let sep = if k == 0 { "" } else { ", " };
            let written =
                core::fmt::Write::write_fmt(&mut text, format_args!("{sep}{table}.{column}"));
            if written.is_err() {
                break;
            }
        }
        Error::Unique(text)
    }

    /// Whether every key column is a plain stored column with a known
    /// collation: then an entry's key follows from its row alone.
    pub fn is_plain<B: Allocator>(&self, table: &TableColumns<B>) -> bool {
        self.columns.iter().all(|c| {
            c.collation.is_some()
                && match c.source {
                    ColumnSource::Column(i) => table
                        .columns
                        .get(i)
                        .is_some_and(|col| table.rowid_alias == Some(i) || col.storage.is_some()),
                    ColumnSource::Expression => false,
                }
        })
    }

    /// Appends each key column's comparison rule to `out`; `false` (and
    /// `out` unchanged) when a collation is unknown. With `desc_allowed`
    /// false (a database of schema format below 4) every column sorts
    /// ascending, as SQLite reads such files.
    pub fn key_columns<B: Allocator>(
        &self,
        desc_allowed: bool,
        out: &mut Vec<KeyColumn, B>,
    ) -> Result<bool> {
        if self.columns.iter().any(|c| c.collation.is_none()) {
            return Ok(false);
        }
        out.try_reserve(self.columns.len())?;
        for c in self.columns.iter() {
            out.try_push(KeyColumn {
                order: if desc_allowed {
                    c.order
                } else {
                    SortOrder::Asc
                },
                collation: c.collation.unwrap_or_default(),
            })?;
        }
        Ok(true)
    }
}
