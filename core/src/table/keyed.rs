//! The rows of a `WITHOUT ROWID` table: records stored key first in the
//! table's index B-tree, found again by their primary key, with the
//! table's indexes kept in step, as SQLite stores them.
//!
//! Invariants:
//! - a row's record holds its primary key's columns first (each once), so
//!   its first [`TableInfo::key_len`] columns find it; no two rows agree
//!   on them under the key's collations;
//! - an index entry holds the index's columns, then the primary key's
//!   columns it does not hold ([`IndexInfo::tail`]): the entry finds its
//!   row, as a rowid ends a rowid table's entries;
//! - as for rowid tables, a row's entries change with it (the row, then
//!   its entries on insert; the entries, then the row on delete), every
//!   conflict is resolved before anything is written, and each change is
//!   logged before it is made.

use boundlite_platform::Platform;

use crate::alloc::{Allocator, Vec};
use crate::btree::SeekMode;
use crate::record::{RecordRef, ValueRef, compare_record_with_values};
use crate::schema::{ColumnSource, EntryEnd, KeyBuilt, build_entry};
use crate::sql::Conflict;
use crate::{ConstraintName, Error, Result};

use super::conflict::{Resolution, Unique, key_taken};
use super::info::{IndexInfo, TableInfo};
use super::rows::Writer;
use super::undo::Undo;
use super::value_refs::with_value_refs;

/// SQLite's error for a row that repeats the primary key of another in
/// `table`, a `WITHOUT ROWID` table: `UNIQUE constraint failed: t.a,
/// t.b`, by the key's columns.
fn primary_taken<A: Allocator>(table: &TableInfo<A>) -> Error {
    let key = table.columns.primary_key().unwrap_or_default();
    let mut text = ConstraintName::format(format_args!(""));
    for (k, column) in key.iter().enumerate() {
        let ColumnSource::Column(i) = column.source else {
            continue;
        };
        let name = table.columns.columns.get(i).map_or("", |c| c.name.as_str());
        let sep = if k == 0 { "" } else { ", " };
        let written =
            core::fmt::Write::write_fmt(&mut text, format_args!("{sep}{}.{name}", table.name));
        if written.is_err() {
            break;
        }
    }
    Error::Unique(text)
}

impl<P: Platform, A: Allocator + Clone> Writer<'_, '_, P, A> {
    /// Stores `record` (its columns in storage order, key first) as a row
    /// of `table`, a `WITHOUT ROWID` table, with its index entries,
    /// resolving a repeated primary key or `UNIQUE` key by `conflict`.
    /// Returns `false` when `IGNORE` skipped the row.
    pub fn insert_keyed(
        &mut self,
        table: &TableInfo<A>,
        record: &[u8],
        conflict: Conflict,
    ) -> Result<bool> {
        let parsed = RecordRef::parse(record, Some(table.root))?;
        let alloc = self.alloc.clone();
        let mut other = core::mem::replace(&mut self.row, Vec::new_in(alloc.clone()));
        let resolved = self.resolve_keyed(table, &parsed, conflict, &mut other);
        self.row = other;
        if !resolved? {
            return Ok(false);
        }
        let root = table.root;
        self.log(|log| {
            Ok(Undo::KeyInserted {
                root,
                key: log.bytes(record)?,
                keys: log.keys(&table.record_keys)?,
            })
        })?;
        if !self.txn()?.insert_key(root, record, &table.record_keys)? {
            return Err(Error::corrupt(root, "a WITHOUT ROWID row stored twice"));
        }
        for index in table.keyed_indexes.iter() {
            self.build_keyed_entry(table, index, &parsed)?;
            let key = core::mem::replace(&mut self.key, Vec::new_in(alloc.clone()));
            let result = self.insert_key(index, &key);
            self.key = key;
            result?;
        }
        Ok(true)
    }

    /// Resolves every conflict storing the row `record` would make, using
    /// `other` for the rows met; `false` when the row is to be skipped.
    fn resolve_keyed(
        &mut self,
        table: &TableInfo<A>,
        record: &RecordRef<'_>,
        conflict: Conflict,
        other: &mut Vec<u8, A>,
    ) -> Result<bool> {
        // SQLite lists the primary key among the table's indexes, newest
        // first, where its constraint made it: the indexes made after it
        // are checked before it, the others after.
        let key = table.columns.primary_autoindex.map(|at| at + 1);
        let after_key = |index: &&IndexInfo<A>| {
            index.columns.unique && autoindex_number(&index.name).is_none_or(|n| Some(n) > key)
        };
        let before_key = |index: &&IndexInfo<A>| index.columns.unique && !after_key(index);
        for index in table.keyed_indexes.iter().rev().filter(after_key) {
            if !self.resolve_keyed_index(table, index, record, conflict, other)? {
                return Ok(false);
            }
        }
        let alloc = self.alloc.clone();
        let found = with_value_refs(table.key_len, record.columns(), alloc, |key| {
            self.find_keyed(table, key, other)
        })?;
        if found {
            match Resolution::of(conflict, &self.halt, || primary_taken(table))? {
                Resolution::Skip => return Ok(false),
                Resolution::Replace => self.remove_keyed(table, other)?,
            }
        }
        for index in table.keyed_indexes.iter().rev().filter(before_key) {
            if !self.resolve_keyed_index(table, index, record, conflict, other)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Resolves the conflict storing the row `record` would make in the
    /// `UNIQUE` index `index`, if any; `false` when the row is to be
    /// skipped.
    fn resolve_keyed_index(
        &mut self,
        table: &TableInfo<A>,
        index: &IndexInfo<A>,
        record: &RecordRef<'_>,
        conflict: Conflict,
        other: &mut Vec<u8, A>,
    ) -> Result<bool> {
        self.build_keyed_entry(table, index, record)?;
        if !self.find_keyed_owner(table, index, other)? {
            return Ok(true);
        }
        match Resolution::of(conflict, &self.halt, || key_taken(table, index))? {
            Resolution::Skip => Ok(false),
            Resolution::Replace => {
                self.remove_keyed(table, other)?;
                Ok(true)
            }
        }
    }

    /// Copies into `out` the record of the row that storing `record` as a
    /// row of `table`, a `WITHOUT ROWID` table, would conflict with on
    /// `unique`; `false` when there is none.
    pub fn conflicting_keyed(
        &mut self,
        table: &TableInfo<A>,
        unique: Unique,
        record: &[u8],
        out: &mut Vec<u8, A>,
    ) -> Result<bool> {
        let parsed = RecordRef::parse(record, Some(table.root))?;
        match unique {
            Unique::PrimaryKey => {
                let alloc = self.alloc.clone();
                with_value_refs(table.key_len, parsed.columns(), alloc, |key| {
                    self.find_keyed(table, key, out)
                })
            }
            Unique::Index(i) => {
                let index = table
                    .keyed_indexes
                    .get(i)
                    .ok_or(Error::Misuse("an upsert's index out of place"))?;
                self.build_keyed_entry(table, index, &parsed)?;
                self.find_keyed_owner(table, index, out)
            }
            Unique::Rowid => Err(Error::Misuse("a rowid of a WITHOUT ROWID table")),
        }
    }

    /// Deletes the row of `table`, a `WITHOUT ROWID` table, whose primary
    /// key is that of the record `key` (only its key columns are read),
    /// with its index entries; `false` when there is no such row.
    pub fn delete_keyed(&mut self, table: &TableInfo<A>, key: &[u8]) -> Result<bool> {
        let alloc = self.alloc.clone();
        let mut row = core::mem::replace(&mut self.row, Vec::new_in(alloc.clone()));
        let result = (|| {
            let parsed = RecordRef::parse(key, Some(table.root))?;
            let found = with_value_refs(table.key_len, parsed.columns(), alloc, |key| {
                self.find_keyed(table, key, &mut row)
            })?;
            if found {
                self.remove_keyed(table, &row)?;
            }
            Ok(found)
        })();
        self.row = row;
        result
    }

    /// Copies into `out` the record of the row of `table`, a `WITHOUT
    /// ROWID` table, whose primary key is that of the record `key`;
    /// `false` when there is none.
    pub fn read_keyed(
        &self,
        table: &TableInfo<A>,
        key: &[u8],
        out: &mut Vec<u8, A>,
    ) -> Result<bool> {
        let parsed = RecordRef::parse(key, Some(table.root))?;
        with_value_refs(table.key_len, parsed.columns(), self.alloc.clone(), |key| {
            self.find_keyed(table, key, out)
        })
    }

    /// Copies into `out` the record of the row of `table` whose primary
    /// key is `key`; `false` when there is none.
    pub(super) fn find_keyed(
        &self,
        table: &TableInfo<A>,
        key: &[ValueRef<'_>],
        out: &mut Vec<u8, A>,
    ) -> Result<bool> {
        out.clear();
        let keys = table
            .record_keys
            .get(..key.len())
            .ok_or(Error::Misuse("a primary key longer than its record"))?;
        let mut cursor = self.db.index_cursor(table.root);
        if !cursor.seek(key, keys, SeekMode::Ge)? {
            return Ok(false);
        }
        let payload = cursor.payload()?;
        let entry = RecordRef::parse(&payload, Some(table.root))?;
        if compare_record_with_values(&entry, key, keys)?.is_ne() {
            return Ok(false);
        }
        out.try_extend_from_slice(&payload)?;
        Ok(true)
    }

    /// Copies into `out` the record of the row whose entry in the unique
    /// `index` repeats the key columns of the entry in `self.key` (none
    /// when one of them is NULL: NULLs are distinct); `false` when there
    /// is none.
    fn find_keyed_owner(
        &self,
        table: &TableInfo<A>,
        index: &IndexInfo<A>,
        out: &mut Vec<u8, A>,
    ) -> Result<bool> {
        let key = RecordRef::parse(&self.key, Some(index.root))?;
        let n = index.columns.columns.len();
        let alloc = self.alloc.clone();
        with_value_refs(n, key.columns(), alloc.clone(), |prefix| {
            if prefix.iter().any(ValueRef::is_null) {
                return Ok(false);
            }
            let keys = index.keys.get(..n).unwrap_or(&index.keys);
            let mut cursor = self.db.index_cursor(index.root);
            if !cursor.seek(prefix, keys, SeekMode::Ge)? {
                return Ok(false);
            }
            let payload = cursor.payload()?;
            let entry = RecordRef::parse(&payload, Some(index.root))?;
            if compare_record_with_values(&entry, prefix, keys)?.is_ne() {
                return Ok(false);
            }
            let primary = primary_in_entry(table, index, &entry);
            with_value_refs(table.key_len, primary, alloc, |primary| {
                match self.find_keyed(table, primary, out)? {
                    true => Ok(true),
                    false => Err(Error::corrupt(index.root, "index entry without its row")),
                }
            })
        })
    }

    /// Deletes `row`, a stored row of `table`, and its index entries.
    fn remove_keyed(&mut self, table: &TableInfo<A>, row: &[u8]) -> Result<()> {
        let parsed = RecordRef::parse(row, Some(table.root))?;
        let alloc = self.alloc.clone();
        for index in table.keyed_indexes.iter() {
            self.build_keyed_entry(table, index, &parsed)?;
            let key = core::mem::replace(&mut self.key, Vec::new_in(alloc.clone()));
            let result = self.delete_key(index, &key);
            self.key = key;
            result?;
        }
        let root = table.root;
        self.log(|log| {
            Ok(Undo::KeyDeleted {
                root,
                key: log.bytes(row)?,
                keys: log.keys(&table.record_keys)?,
            })
        })?;
        if !self.txn()?.delete_key(root, row, &table.record_keys)? {
            return Err(Error::corrupt(root, "a WITHOUT ROWID row not found again"));
        }
        Ok(())
    }

    /// Builds into `self.key` the entry of the row `record` in `index`.
    fn build_keyed_entry(
        &mut self,
        table: &TableInfo<A>,
        index: &IndexInfo<A>,
        record: &RecordRef<'_>,
    ) -> Result<()> {
        let end = EntryEnd::Key(&index.tail);
        match build_entry(&table.columns, &index.columns, record, end, &mut self.key)? {
            KeyBuilt::Built => Ok(()),
            KeyBuilt::Unknown => Err(Error::Sql("index key needs an expression evaluated")),
        }
    }
}

/// The primary key values of the row whose entry in `index` is `entry`,
/// in key order: each from the key column that holds it with the key's
/// collation, else from the entry's tail.
fn primary_in_entry<'e, A: Allocator>(
    table: &'e TableInfo<A>,
    index: &'e IndexInfo<A>,
    entry: &'e RecordRef<'e>,
) -> impl Iterator<Item = Result<ValueRef<'e>>> + 'e {
    let key = table.columns.primary_key().unwrap_or_default();
    let n = index.columns.columns.len();
    key.iter()
        .enumerate()
        .filter(move |(k, c)| {
            let before = key.get(..*k).unwrap_or_default();
            !before.iter().any(|b| b.source == c.source)
        })
        .map(move |(_, column)| {
            let held = index
                .columns
                .columns
                .iter()
                .position(|c| c.source == column.source && c.collation == column.collation);
            let at = match held {
                Some(at) => at,
                None => {
                    let in_tail = index.tail.iter().position(|c| c.source == column.source);
                    n + in_tail
                        .ok_or(Error::Misuse("a primary key column missing from an entry"))?
                }
            };
            entry.column(at)
        })
}

/// The number `N` of an automatic index `sqlite_autoindex_<table>_N`,
/// the order its constraint has in its table; `None` for an index
/// `CREATE INDEX` made (whose name may not start `sqlite_`).
fn autoindex_number(name: &str) -> Option<usize> {
    let automatic = name
        .get(..AUTOINDEX_PREFIX.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(AUTOINDEX_PREFIX));
    match automatic {
        true => name.rsplit('_').next().and_then(|n| n.parse().ok()),
        false => None,
    }
}

const AUTOINDEX_PREFIX: &str = "sqlite_autoindex_";
