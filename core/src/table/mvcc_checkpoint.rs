//! [`SchemaIndexes`]: the index entries a checkpoint's rows take and
//! leave, written into the index B-trees beside the rows, as a write
//! outside MVCC mode changes them (the version store holds table rows
//! only; see `mvcc_keys`).
//!
//! Invariant: after a checkpoint, every index B-tree holds exactly the
//! entries of its table B-tree's rows, so the file reads in SQLite and
//! passes `PRAGMA integrity_check`.

use boundlite_platform::Platform;

use super::info::TableInfo;
use crate::alloc::{Allocator, Vec};
use crate::btree::SeekMode;
use crate::mvcc::IndexKeeper;
use crate::record::RecordRef;
use crate::schema::{EntryKind, Schema};
use crate::{Error, PageNo, Result, RowId, WriteTransaction};

/// The index keeper of a checkpoint, reading each table's indexes from
/// the schema.
pub(crate) struct SchemaIndexes<'s, A: Allocator + Clone> {
    schema: &'s Schema<A>,
    /// The table of the rows last written (a checkpoint writes a table's
    /// rows together).
    table: Option<TableInfo<A>>,
    row: Vec<u8, A>,
    key: Vec<u8, A>,
    alloc: A,
}

impl<'s, A: Allocator + Clone> SchemaIndexes<'s, A> {
    pub fn new(schema: &'s Schema<A>, alloc: A) -> Self {
        SchemaIndexes {
            schema,
            table: None,
            row: Vec::new_in(alloc.clone()),
            key: Vec::new_in(alloc.clone()),
            alloc,
        }
    }

    /// The table at `root`, loaded when it is not the last one.
    fn table(&mut self, root: PageNo) -> Result<&TableInfo<A>> {
        if self.table.as_ref().is_none_or(|t| t.root != root) {
            self.table = None;
            let entry = self
                .schema
                .by_root(root)
                .filter(|e| e.kind == EntryKind::Table)
                .ok_or(Error::corrupt(
                    root,
                    "an MVCC checkpoint writes rows to a page that is no table's root",
                ))?;
            self.table = Some(TableInfo::load(
                self.schema,
                &entry.name,
                self.alloc.clone(),
            )?);
        }
        self.table
            .as_ref()
            .ok_or(Error::Misuse("a checkpoint's table is not loaded"))
    }

    /// Removes (`adding` false) or adds the entries of row `rowid`,
    /// whose record is in `self.row`, to every index of the table at
    /// `root`.
    fn change_entries<P: Platform>(
        &mut self,
        txn: &WriteTransaction<'_, P, A>,
        root: PageNo,
        rowid: RowId,
        adding: bool,
    ) -> Result<()> {
        let alloc = self.alloc.clone();
        self.table(root)?;
        let (Some(table), row, key) = (&self.table, &self.row, &mut self.key) else {
            return Err(Error::Misuse("a checkpoint's table is not loaded"));
        };
        let record = RecordRef::parse(row, Some(root))?;
        for index in table.indexes.iter() {
            if !index.holds(&table.columns, &record, rowid, alloc.clone())? {
                continue;
            }
            if !index.build_entry(&table.columns, &record, rowid, key)? {
                return Err(Error::Sql("index key needs an expression evaluated"));
            }
            match adding {
                true => txn.insert_key(index.root, key, &index.keys)?,
                false => txn.delete_key(index.root, key, &index.keys)?,
            };
        }
        Ok(())
    }
}

impl<P: Platform, A: Allocator + Clone> IndexKeeper<P, A> for SchemaIndexes<'_, A> {
    fn unindex(
        &mut self,
        txn: &WriteTransaction<'_, P, A>,
        root: PageNo,
        rowid: RowId,
    ) -> Result<()> {
        if self.table(root)?.indexes.is_empty() {
            return Ok(());
        }
        self.row.clear();
        {
            let mut cursor = txn.database().table_cursor(root);
            if !cursor.seek(rowid, SeekMode::Eq)? {
                return Ok(());
            }
            self.row.try_extend_from_slice(&cursor.payload()?)?;
        }
        self.change_entries(txn, root, rowid, false)
    }

    fn index(
        &mut self,
        txn: &WriteTransaction<'_, P, A>,
        root: PageNo,
        rowid: RowId,
        record: &[u8],
    ) -> Result<()> {
        if self.table(root)?.indexes.is_empty() {
            return Ok(());
        }
        self.row.clear();
        self.row.try_extend_from_slice(record)?;
        self.change_entries(txn, root, rowid, true)
    }
}
