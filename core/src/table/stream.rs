//! Rows stored from their values a page at a time: a row whose record
//! spills to overflow pages is written straight from its values (and
//! from [`Field::Zeros`], SQLite's `zeroblob`, which has no bytes at
//! all) into its pages, never encoded whole into one buffer.
//!
//! Invariants:
//! - the stored record is byte for byte what encoding the values whole
//!   would store;
//! - index entries and uniqueness checks are built from a small stand-in
//!   record that agrees with the row on every indexed column and holds
//!   NULL elsewhere, so they see exactly what they would see of the
//!   whole record; a zeroblob column that an index covers is the
//!   caller's to materialise (its bytes are part of a key), and is
//!   refused with `Misuse` otherwise.

use boundlite_platform::Platform;

use super::conflict::OrClause;
use crate::alloc::{Allocator, Vec};
use crate::btree::PayloadKind;
use crate::format::SCHEMA_FORMAT;
use crate::record::{Field, RecordStream, ValueRef, encode_into};
use crate::schema::ColumnSource;
use crate::{Error, Result, RowId};

use super::info::TableInfo;
use super::rows::Writer;
use super::value_refs::with_value_refs;

/// Whether an index of `table` has column `column` in its key, or may
/// read it (a partial index's `WHERE` and an index's expressions are
/// taken to read every column).
pub(crate) fn is_indexed<A: Allocator>(table: &TableInfo<A>, column: usize) -> bool {
    table.indexes.iter().any(|index| {
        index.sql.is_some()
            || index
                .columns
                .columns
                .iter()
                .any(|c| c.source == ColumnSource::Column(column))
    })
}

impl<P: Platform, A: Allocator + Clone> Writer<'_, '_, P, A> {
    /// Whether a record of `len` bytes spills to overflow pages, and so
    /// is better stored with [`insert_fields`](Self::insert_fields) than
    /// encoded whole.
    pub fn spills(&self, len: usize) -> bool {
        let usable = self.db.pager().usable_size();
        len > PayloadKind::Table.max_local(usable) as usize
    }

    /// Stores the row of `fields` (one per column of `table`, the rowid
    /// alias NULL) as row `rowid`, with its index entries, resolving
    /// conflicts by `or` (see `insert`); returns `false` when `IGNORE` skipped
    /// it. `keys` is scratch space for the stand-in record.
    pub fn insert_fields(
        &mut self,
        table: &TableInfo<A>,
        rowid: RowId,
        fields: &[Field<'_>],
        keys: &mut Vec<u8, A>,
        or: OrClause,
    ) -> Result<bool> {
        self.stand_in(table, fields, keys)?;
        let header = Vec::new_in(self.alloc.clone());
        let record = RecordStream::new(fields, SCHEMA_FORMAT, header)?;
        self.insert_payload(table, rowid, keys, &record, or)
    }

    /// Encodes into `keys` the stand-in record of the row of `fields`
    /// that the row's index entries and uniqueness checks are built
    /// from: its indexed columns, every other NULL (nothing without an
    /// index).
    pub fn stand_in(
        &self,
        table: &TableInfo<A>,
        fields: &[Field<'_>],
        keys: &mut Vec<u8, A>,
    ) -> Result<()> {
        keys.clear();
        if !table.indexes.is_empty() {
            let refs =
                fields
                    .iter()
                    .enumerate()
                    .map(|(i, field)| match (field, is_indexed(table, i)) {
                        (Field::Value(value), true) => Ok(*value),
                        (Field::Zeros(_), true) => Err(Error::Misuse(
                            "an indexed zeroblob column is not materialised",
                        )),
                        (_, false) => Ok(ValueRef::Null),
                    });
            let alloc = self.alloc.clone();
            with_value_refs(fields.len(), refs, alloc, |refs| {
                Ok(encode_into(refs, keys)?)
            })?;
        }
        Ok(())
    }

    /// [`overwrite`](Writer::overwrite) of row `rowid` of `table` with
    /// the row of `fields` (which keeps every index key), written page by
    /// page.
    pub fn overwrite_fields(
        &mut self,
        table: &TableInfo<A>,
        rowid: RowId,
        fields: &[Field<'_>],
    ) -> Result<()> {
        let header = Vec::new_in(self.alloc.clone());
        let record = RecordStream::new(fields, SCHEMA_FORMAT, header)?;
        self.overwrite_payload(table, rowid, &record)
    }
}
