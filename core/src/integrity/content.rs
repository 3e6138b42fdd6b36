//! Index contents against table rows, for indexes whose tree and whose
//! table's tree passed the structural walk.
//!
//! - An index whose key columns are plain stored columns with known
//!   collations: every row's entry (built from the row, see
//!   [`build_index_key`]) must be found by a seek, and must hold exactly
//!   the row's values (not only values equal under the collation); the
//!   index must hold as many entries as the table has rows. Rows found,
//!   one entry each (rowids differ), and counts equal make the entries
//!   and rows correspond one to one. A partial index is checked so over
//!   the rows its `WHERE` holds for (see [`row_in_index`]), and an index
//!   on expressions with each entry built by evaluating them (see
//!   [`build_evaluated_key`]), as SQLite checks them.
//! - An index of a `WITHOUT ROWID` table, plain as above and not
//!   partial: the same, each row's entry built with the primary key's
//!   columns at its end.
//! - Any other index of a rowid table (partial, expressions, unknown
//!   collations): every entry must end with the rowid of a row the table
//!   has; a non-partial one must still hold one entry per row.
//!
//! Each row costs one seek; the key, the row and the index entry are read
//! into the checker's three buffers, reused from row to row.

use core::cmp::Ordering;

use crate::alloc::{Allocator, Vec};
use crate::btree::{IndexCursor, PageSource, SeekMode, TableCursor};
use crate::integrity::checker::Checker;
use crate::integrity::problem::ProblemKind;
use crate::record::{KeyColumn, RecordRef, ValueRef, compare_records};
use crate::schema::{
    ColumnSource, EntryEnd, IndexColumn, IndexColumns, KeyBuilt, TableColumns, build_entry,
    build_evaluated_key, build_index_key, row_in_index,
};
use crate::{Error, PageNo, Result, RowId};

/// One index to compare with its table.
pub(super) struct IndexCheck<'c, A: Allocator> {
    pub index_root: PageNo,
    pub table_root: PageNo,
    pub table: &'c TableColumns<A>,
    pub index: &'c IndexColumns<A>,
    /// The entries' comparison rules (the key columns', then the tail's),
    /// when every collation is known.
    pub keys: Option<&'c [KeyColumn]>,
    /// For an index of a `WITHOUT ROWID` table, the primary key columns
    /// that end each entry (see [`TableColumns::entry_tail`]); `None` for
    /// a rowid table's index.
    pub tail: Option<&'c [IndexColumn]>,
    pub entries: u64,
    pub rows: u64,
    /// The index's `CREATE INDEX` text (`None` for an automatic index):
    /// which rows must have an entry when it is partial (see
    /// [`row_in_index`]), what each holds when it is on expressions (see
    /// [`build_evaluated_key`]).
    pub sql: Option<&'c str>,
}

impl<S: PageSource, A: Allocator + Clone> Checker<'_, S, A> {
    /// Compares one index with its table; returns whether its entries
    /// could be matched to rows value for value.
    pub(super) fn check_index_content(&mut self, check: &IndexCheck<'_, A>) -> Result<bool> {
        self.tree = Some(check.index_root);
        // The rows that must have an entry: every row, or those a partial
        // index's `WHERE` holds for (counted as they are matched).
        let mut held = (!check.index.partial).then_some(check.rows);
        let evaluated = check.sql.is_some()
            && check.index.columns.iter().all(|c| {
                c.collation.is_some()
                    && match c.source {
                        ColumnSource::Column(i) => check.table.columns.get(i).is_some(),
                        ColumnSource::Expression => true,
                    }
            });
        let exact = match (check.keys, check.tail) {
            (Some(keys), None) if check.index.is_plain(check.table) || evaluated => {
                match self.match_rows(check, keys) {
                    // An expression this engine cannot evaluate from the
                    // row alone: the entries are matched to rows only.
                    Err(Error::Sql(_)) if evaluated => {
                        held = (!check.index.partial).then_some(check.rows);
                        let result = self.match_entries(check);
                        self.absorb(Some(check.index_root), None, result)?;
                        false
                    }
                    result => {
                        if let Some(count) = self.absorb(Some(check.table_root), None, result)? {
                            held = Some(count);
                        }
                        true
                    }
                }
            }
            (Some(keys), Some(tail))
                if !check.index.partial && check.index.is_plain(check.table) =>
            {
                let result = self.match_keyed_rows(check, keys, tail);
                self.absorb(Some(check.table_root), None, result)?;
                true
            }
            // Entries ending with a primary key are found again only by
            // building them.
            (_, Some(_)) => false,
            _ => {
                let result = self.match_entries(check);
                self.absorb(Some(check.index_root), None, result)?;
                false
            }
        };
        if let Some(rows) = held.filter(|rows| *rows != check.entries) {
            let kind = ProblemKind::EntryCount {
                index: check.index_root,
                entries: check.entries,
                rows,
            };
            self.report(None, None, kind)?;
        }
        self.tree = None;
        Ok(exact)
    }

    /// Seeks the entry of every row the index holds; returns how many
    /// rows it holds.
    fn match_rows(&mut self, check: &IndexCheck<'_, A>, keys: &[KeyColumn]) -> Result<u64> {
        let source = self.source;
        let mut key = self.take(Buffer::Current);
        let mut rows = TableCursor::new(source, check.table_root, self.take(Buffer::Previous));
        let mut index_buffer = self.take(Buffer::Spare);
        let mut more = rows.first()?;
        let mut held = 0u64;
        while more && !self.full() {
            let rowid = rows.rowid()?;
            let built = {
                let payload = rows.payload()?;
                let row = RecordRef::parse(&payload, Some(check.table_root))?;
                let holds = match check.sql.filter(|_| check.index.partial) {
                    Some(sql) => row_in_index(sql, check.table, &row, rowid, self.alloc.clone())?,
                    None => true,
                };
                match (holds, check.sql) {
                    (false, _) => KeyBuilt::Unknown,
                    (true, Some(sql)) if !check.index.is_plain(check.table) => {
                        held += 1;
                        let index = (check.table, check.index);
                        build_evaluated_key(sql, index, &row, rowid, &mut key)?;
                        KeyBuilt::Built
                    }
                    (true, _) => {
                        held += 1;
                        build_index_key(check.table, check.index, &row, rowid, &mut key)?
                    }
                }
            };
            if built == KeyBuilt::Built {
                let mut entries = IndexCursor::new(source, check.index_root, index_buffer);
                let found = find_entry(&mut entries, &key, keys, check.index_root)?;
                index_buffer = entries.into_buffer();
                let index = check.index_root;
                let kind = match found {
                    Found::Exact => None,
                    Found::Missing => Some(ProblemKind::MissingFromIndex { rowid, index }),
                    Found::Differs => Some(ProblemKind::ValuesDiffer { rowid, index }),
                };
                if let Some(kind) = kind {
                    self.report(None, None, kind)?;
                }
            }
            more = rows.next()?;
        }
        self.current = key;
        self.previous = rows.into_buffer();
        self.spare = index_buffer;
        Ok(held)
    }

    /// Seeks every row's entry in the index of a `WITHOUT ROWID` table,
    /// whose entries end with `tail`; a row is named by its place in key
    /// order, from 1, as SQLite names it.
    fn match_keyed_rows(
        &mut self,
        check: &IndexCheck<'_, A>,
        keys: &[KeyColumn],
        tail: &[IndexColumn],
    ) -> Result<()> {
        let source = self.source;
        let mut key = self.take(Buffer::Current);
        let mut rows = IndexCursor::new(source, check.table_root, self.take(Buffer::Previous));
        let mut index_buffer = self.take(Buffer::Spare);
        let mut more = rows.first()?;
        let mut n = 0i64;
        while more && !self.full() {
            n += 1;
            let built = {
                let payload = rows.payload()?;
                let row = RecordRef::parse(&payload, Some(check.table_root))?;
                build_entry(
                    check.table,
                    check.index,
                    &row,
                    EntryEnd::Key(tail),
                    &mut key,
                )?
            };
            if built == KeyBuilt::Built {
                let mut entries = IndexCursor::new(source, check.index_root, index_buffer);
                let found = find_entry(&mut entries, &key, keys, check.index_root)?;
                index_buffer = entries.into_buffer();
                let (rowid, index) = (RowId::new(n), check.index_root);
                let kind = match found {
                    Found::Exact => None,
                    Found::Missing => Some(ProblemKind::MissingFromIndex { rowid, index }),
                    Found::Differs => Some(ProblemKind::ValuesDiffer { rowid, index }),
                };
                if let Some(kind) = kind {
                    self.report(None, None, kind)?;
                }
            }
            more = rows.next()?;
        }
        self.current = key;
        self.previous = rows.into_buffer();
        self.spare = index_buffer;
        Ok(())
    }

    /// Checks that every entry of the index names a row of the table.
    fn match_entries(&mut self, check: &IndexCheck<'_, A>) -> Result<()> {
        let source = self.source;
        let mut entries = IndexCursor::new(source, check.index_root, self.take(Buffer::Current));
        let mut rows = TableCursor::new(source, check.table_root, self.take(Buffer::Previous));
        let mut more = entries.first()?;
        while more && !self.full() {
            let rowid = {
                let payload = entries.payload()?;
                let entry = RecordRef::parse(&payload, Some(check.index_root))?;
                match entry.column_count().checked_sub(1).map(|i| entry.column(i)) {
                    Some(Ok(ValueRef::Integer(rowid))) => Some(RowId::new(rowid)),
                    Some(Err(e)) => return Err(e),
                    _ => None,
                }
            };
            // An entry without a rowid was reported by the tree walk.
            if let Some(rowid) = rowid {
                if !rows.seek(rowid, SeekMode::Eq)? {
                    let kind = ProblemKind::NoSuchRow {
                        rowid,
                        index: check.index_root,
                    };
                    self.report(None, None, kind)?;
                }
            }
            more = entries.next()?;
        }
        self.current = entries.into_buffer();
        self.previous = rows.into_buffer();
        Ok(())
    }

    /// Takes one of the scratch buffers, leaving an empty one (which
    /// allocates nothing) in its place.
    fn take(&mut self, which: Buffer) -> Vec<u8, A> {
        let empty = Vec::new_in(self.alloc.clone());
        let slot = match which {
            Buffer::Current => &mut self.current,
            Buffer::Previous => &mut self.previous,
            Buffer::Spare => &mut self.spare,
        };
        core::mem::replace(slot, empty)
    }
}

/// The checker's scratch buffers.
#[derive(Debug, Clone, Copy)]
enum Buffer {
    Current,
    Previous,
    Spare,
}

/// What a seek for a row's entry found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Found {
    /// The entry, holding exactly the row's values.
    Exact,
    /// No entry.
    Missing,
    /// An entry equal under the index's collations, but not byte for byte.
    Differs,
}

/// Seeks the entry `key` in `entries`.
fn find_entry<S: PageSource, A: Allocator>(
    entries: &mut IndexCursor<'_, S, A>,
    key: &[u8],
    keys: &[KeyColumn],
    index: PageNo,
) -> Result<Found> {
    let wanted = RecordRef::parse(key, None)?;
    if !entries.seek_record(&wanted, keys, SeekMode::Eq)? {
        return Ok(Found::Missing);
    }
    let payload = entries.payload()?;
    let entry = RecordRef::parse(&payload, Some(index))?;
    let exact = compare_records(&entry, &wanted, &[])? == Ordering::Equal
        && entry.column_count() == wanted.column_count();
    Ok(if exact { Found::Exact } else { Found::Differs })
}
