//! Uniqueness, checked before a row is written, and what a conflict comes
//! to under the statement's conflict mode.
//!
//! Invariants:
//! - a rowid already in use, or an equal key in a `UNIQUE` index, is a
//!   conflict; a key with a NULL column conflicts with nothing (NULLs
//!   are distinct, as in SQLite);
//! - a conflict is resolved as [`Resolution::of`] says: `IGNORE` skips
//!   the new row, `REPLACE` deletes the other one, anything else fails
//!   the statement with `Error::Unique` naming the key as SQLite names
//!   it, changing nothing more;
//! - each constraint resolves by the statement's `OR` clause when it has
//!   one, else by the constraint's own `ON CONFLICT`, else `ABORT`
//!   ([`OrClause::on`]);
//! - a row's keys are checked in SQLite's order: the rowid, then the
//!   `UNIQUE` indexes newest first, those whose constraint says `ON
//!   CONFLICT REPLACE` after the others; a rowid whose own `REPLACE`
//!   resolves it (no `OR` clause) is checked after every index. So every
//!   check that may skip the row or fail the statement comes before the
//!   first row a `REPLACE` deletes.

use core::cell::Cell;

use boundlite_platform::Platform;

use super::value_refs::with_value_refs;
use crate::alloc::Allocator;
use crate::btree::SeekMode;
use crate::record::{KeyColumn, RecordRef, ValueRef, compare_record_with_values};
use crate::sql::Conflict;
use crate::{ConstraintName, Error, Result, RowId};

use super::halt::Halt;
use super::info::{IndexInfo, TableInfo};
use super::mvcc_keys::Of;
use super::rows::{Target, Writer};

/// The `OR` clause of a statement, if it has one (SQLite's
/// `overrideError`): it overrides each constraint's own `ON CONFLICT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OrClause(pub Option<Conflict>);

impl OrClause {
    /// `OR ABORT`, for the rows the engine stores for itself, which
    /// conflict with none.
    pub const ABORT: Self = OrClause(Some(Conflict::Abort));

    /// The resolution of a constraint whose own `ON CONFLICT` is
    /// `declared`.
    pub fn on(self, declared: Option<Conflict>) -> Conflict {
        self.0.or(declared).unwrap_or(Conflict::Abort)
    }

    /// The statement's clause, if it has one.
    pub fn given(self) -> Option<Conflict> {
        self.0
    }
}

impl<A: Allocator> TableInfo<A> {
    /// The `ON CONFLICT` clauses of its constraints: the rowid's, each
    /// `NOT NULL`'s, each index's.
    fn declared(&self) -> impl Iterator<Item = Option<Conflict>> + '_ {
        let indexes = self.indexes.iter().chain(self.keyed_indexes.iter());
        core::iter::once(self.columns.key_conflict)
            .chain(self.meta.iter().map(|m| m.null_conflict))
            .chain(indexes.map(|i| i.columns.conflict))
    }

    /// Whether some constraint may be resolved by `conflict` under the
    /// statement's clause `or`.
    pub fn may_resolve(&self, or: OrClause, conflict: Conflict) -> bool {
        match or.given() {
            Some(given) => given == conflict,
            None => self.declared().any(|d| d == Some(conflict)),
        }
    }

    /// Whether its rowid or a `UNIQUE` key says how its conflicts are
    /// resolved, other than `ABORT`.
    pub fn resolves_keys(&self) -> bool {
        let indexes = self.indexes.iter().chain(self.keyed_indexes.iter());
        core::iter::once(self.columns.key_conflict)
            .chain(indexes.map(|i| i.columns.conflict))
            .any(|d| d.is_some_and(|c| c != Conflict::Abort))
    }
}

/// What to do about a row that conflicts with another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Resolution {
    /// Store nothing: `OR IGNORE`.
    Skip,
    /// Delete the other row, then store this one: `OR REPLACE`.
    Replace,
}

impl Resolution {
    /// The resolution of a conflict under `conflict`; the constraint
    /// error `failed` gives when the statement must fail instead, noted
    /// with how it ends on `halt`.
    pub(super) fn of(
        conflict: Conflict,
        halt: &Cell<Halt>,
        failed: impl FnOnce() -> Error,
    ) -> Result<Self> {
        match conflict {
            Conflict::Ignore => Ok(Resolution::Skip),
            Conflict::Replace => Ok(Resolution::Replace),
            Conflict::Abort | Conflict::Fail | Conflict::Rollback => {
                halt.set(Halt::of(conflict));
                Err(failed())
            }
        }
    }
}

/// SQLite's error for a row that repeats the rowid of another in
/// `table`: `UNIQUE constraint failed: t.id`, by the rowid's alias
/// column, else `t.rowid`.
pub(crate) fn rowid_taken<A: Allocator>(table: &TableInfo<A>) -> Error {
    let column = table
        .columns
        .rowid_alias
        .and_then(|i| table.columns.columns.get(i))
        .map_or("rowid", |c| c.name.as_str());
    Error::Unique(ConstraintName::format(format_args!(
        "{}.{column}",
        table.name
    )))
}

/// SQLite's error for a row that repeats the key of `index` of `table`:
/// `UNIQUE constraint failed: t.a, t.b` by the key's columns, or
/// `index 'i'` when a key column is an expression.
pub(crate) fn key_taken<A: Allocator>(table: &TableInfo<A>, index: &IndexInfo<A>) -> Error {
    index
        .columns
        .taken(&table.name, &table.columns, &index.name)
}

/// A uniqueness constraint of a table, as an upsert names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unique {
    /// The rowid (an `INTEGER PRIMARY KEY`).
    Rowid,
    /// The `PRIMARY KEY` of a `WITHOUT ROWID` table.
    PrimaryKey,
    /// The `UNIQUE` index at this position of the table's indexes
    /// ([`TableInfo::maintained`]).
    Index(usize),
}

impl<P: Platform, A: Allocator + Clone> Writer<'_, '_, P, A> {
    /// The row that storing `record` as row `rowid` of `table` would
    /// conflict with on `unique`, if any.
    pub fn conflicting(
        &mut self,
        table: &TableInfo<A>,
        unique: Unique,
        rowid: RowId,
        record: &[u8],
    ) -> Result<Option<RowId>> {
        match unique {
            Unique::PrimaryKey => Err(Error::Misuse("a primary key of a table keyed by rowid")),
            Unique::Rowid => {
                let exists = self.table_cursor(table.root).seek(rowid, SeekMode::Eq)?;
                Ok(exists.then_some(rowid))
            }
            Unique::Index(i) => {
                let index = table
                    .indexes
                    .get(i)
                    .ok_or(Error::Misuse("an upsert's index out of place"))?;
                let parsed = RecordRef::parse(record, Some(table.root))?;
                if !self.build_key(table, index, &parsed, rowid)? {
                    return Ok(None);
                }
                self.find_equal_key(table, index)
            }
        }
    }

    /// The rowid of an entry of the unique `index` whose key columns
    /// equal those of the key in `self.key` (none when one of them is
    /// NULL: NULLs are distinct).
    pub(super) fn find_equal_key(
        &self,
        table: &TableInfo<A>,
        index: &IndexInfo<A>,
    ) -> Result<Option<RowId>> {
        let key = RecordRef::parse(&self.key, Some(index.root))?;
        let n = index.columns.columns.len();
        with_value_refs(n, key.columns(), self.alloc.clone(), |prefix| {
            self.find_equal_prefix(Of { table, index }, prefix)
        })
    }

    /// The rowid of an entry of the unique index `of` names whose first
    /// key columns equal `prefix`: among the entries the transaction
    /// sees, which in MVCC mode are merged with those of its row
    /// versions.
    fn find_equal_prefix(&self, of: Of<'_, A>, prefix: &[ValueRef<'_>]) -> Result<Option<RowId>> {
        let index = of.index;
        let n = prefix.len();
        if prefix.iter().any(ValueRef::is_null) {
            return Ok(None);
        }
        let keys = index.keys.get(..n).unwrap_or(&index.keys);
        match self.target {
            Target::Pages(_) => {
                let mut cursor = self.db.index_cursor(index.root);
                if !cursor.seek(prefix, keys, SeekMode::Ge)? {
                    return Ok(None);
                }
                equal_entry_rowid(index, &cursor.payload()?, prefix, keys)
            }
            Target::Mvcc(_) => {
                let mut cursor = self.view().entry_cursor(self.side(), index.root);
                if !cursor.seek(prefix, keys, SeekMode::Ge, of)? {
                    return Ok(None);
                }
                equal_entry_rowid(index, &cursor.payload()?, prefix, keys)
            }
        }
    }
}

/// The rowid `payload`, an entry of `index`, ends with when its first
/// key columns equal `prefix`.
fn equal_entry_rowid<A: Allocator>(
    index: &IndexInfo<A>,
    payload: &[u8],
    prefix: &[ValueRef<'_>],
    keys: &[KeyColumn],
) -> Result<Option<RowId>> {
    let entry = RecordRef::parse(payload, Some(index.root))?;
    if compare_record_with_values(&entry, prefix, keys)?.is_ne() {
        return Ok(None);
    }
    match entry.column(prefix.len())? {
        ValueRef::Integer(rowid) => Ok(Some(RowId::new(rowid))),
        _ => Err(Error::corrupt(index.root, "index entry without a rowid")),
    }
}

impl<P: Platform, A: Allocator + Clone> Writer<'_, '_, P, A> {
    /// Resolves the conflicts storing the row whose record (or a
    /// stand-in that agrees with it on every indexed column) is `keys` as
    /// row `rowid` of `table` would meet, in the order
    /// [`insert`](Writer::insert) checks them, leaving the row unstored:
    /// a row a `REPLACE` resolves is handed to `replace`, which deletes
    /// it with whatever that sets off (SQLite's `sqlite3GenerateRowDelete`
    /// for a conflict while foreign keys are enforced). `except` is a row
    /// that conflicts with nothing (the one an `UPDATE` changes). Returns
    /// `false` when `IGNORE` skips the row.
    ///
    /// What `replace` sets off may change rows of `table` again: the row
    /// is then stored with `OR ABORT`, SQLite's second check.
    pub fn resolve_replacing(
        &mut self,
        table: &TableInfo<A>,
        rowid: RowId,
        keys: &[u8],
        or: OrClause,
        except: Option<RowId>,
        replace: &mut dyn FnMut(&mut Self, RowId) -> Result<()>,
    ) -> Result<bool> {
        let rowid_conflict = or.on(table.columns.key_conflict);
        let rowid_last = rowid_conflict == Conflict::Replace
            && or.given().is_none()
            && !table.indexes.is_empty();
        let rowid_taken_by_other = |w: &mut Self| -> Result<bool> {
            Ok(except != Some(rowid) && w.table_cursor(table.root).seek(rowid, SeekMode::Eq)?)
        };
        if !rowid_last && rowid_taken_by_other(self)? {
            match Resolution::of(rowid_conflict, &self.halt, || rowid_taken(table))? {
                Resolution::Skip => return Ok(false),
                Resolution::Replace => replace(self, rowid)?,
            }
        }
        // A streamed row of a table without indexes has no stand-in
        // record, and needs none.
        if table.indexes.iter().any(|i| i.columns.unique) {
            let parsed = RecordRef::parse(keys, Some(table.root))?;
            for index in table.unique_in_check_order() {
                if !self.build_key(table, index, &parsed, rowid)? {
                    continue;
                }
                let found = self.find_equal_key(table, index)?;
                let Some(other) = found.filter(|&o| Some(o) != except) else {
                    continue;
                };
                let conflict = or.on(index.columns.conflict);
                match Resolution::of(conflict, &self.halt, || key_taken(table, index))? {
                    Resolution::Skip => return Ok(false),
                    Resolution::Replace => replace(self, other)?,
                }
            }
        }
        if rowid_last && rowid_taken_by_other(self)? {
            replace(self, rowid)?;
        }
        Ok(true)
    }
}
