//! The schema table, `sqlite_schema`: the table B-tree rooted at page 1
//! that names every table, index, view and trigger of a database.
//!
//! Each row is a record of five columns, `(type TEXT, name TEXT, tbl_name
//! TEXT, rootpage INTEGER, sql TEXT)`. This module owns:
//!
//! - [`SchemaEntry`] and [`Schema`]: the rows, typed, read with a table
//!   cursor ([`Schema::read`]);
//! - [`SchemaEditor`] (in `edit`): adding and removing rows, creating and
//!   dropping the B-trees they name, with the header kept as SQLite keeps
//!   it;
//! - [`alter`]: the edits `ALTER TABLE` makes to stored `CREATE` text;
//! - [`columns`]: the columns description the engine works from (names,
//!   collations, the rowid alias, index key columns);
//! - `declared`: that description, read from the SQL parser's tree of the
//!   stored `CREATE` statements ([`table_columns`], [`index_columns_of`]);
//! - [`build_index_key`] (in `key`): the index entry a table row implies;
//! - [`row_in_index`] and [`build_evaluated_key`] (in `evaluated`):
//!   whether a row has an entry in a partial index, and its entry in an
//!   index on expressions;
//! - `generated`: the values of generated columns, computed from a
//!   row's other values;
//! - [`strict`]: the datatypes of `STRICT` tables' columns.
//!
//! Invariants, as SQLite keeps them: every change to the schema table
//! increments the header's schema cookie, so other readers know to reload
//! it; the first `CREATE` records schema format 4 and UTF-8 text in the
//! header when they are not recorded; a row is added with the rowid
//! one above the largest in the table. SQL text is stored, never executed:
//! reading a schema succeeds whatever statements it holds, views and
//! triggers included. A statement's text is understood only when its
//! table or index is used, and only through the SQL parser
//! ([`parse_stored`]); stored text that does not parse is
//! `Error::Corrupt`.

pub mod alter;
pub mod columns;
mod declared;
mod edit;
mod evaluated;
pub(crate) mod generated;
mod key;
pub mod strict;

#[cfg(test)]
mod tests;

use crate::alloc::{Allocator, String, Vec};
use crate::btree::{PageSource, TableCursor};
use crate::record::{RecordRef, ValueRef};
use crate::{Error, PageNo, Result, RowId};

pub use columns::{ColumnSource, IndexColumn, IndexColumns, StoredBy, TableColumn, TableColumns};
pub(crate) use declared::collation_named;
pub use declared::{
    autoindex_columns, created_table, index_columns, index_columns_of, is_without_rowid,
    parse_stored, stored_columns, table_columns,
};
pub use edit::{NewEntry, SchemaEditor};
pub use evaluated::{build_evaluated_key, row_in_index};
pub(crate) use key::same_key;
pub use key::{EntryEnd, KeyBuilt, build_entry, build_index_key};

/// The root page of the schema table.
pub const SCHEMA_ROOT: PageNo = PageNo::ONE;

/// The names the schema table answers to in queries.
pub const SCHEMA_TABLE_NAMES: [&str; 2] = ["sqlite_master", "sqlite_schema"];

/// The schema table's columns, as SQLite declares them.
pub const SCHEMA_TABLE_SQL: &str =
    "CREATE TABLE sqlite_master(type text,name text,tbl_name text,rootpage int,sql text)";

/// Names that SQLite reserves for its own objects.
pub const RESERVED_PREFIX: &str = "sqlite_";

/// The table where SQLite keeps the largest rowid of each `AUTOINCREMENT`
/// table.
pub const SEQUENCE_TABLE: &str = "sqlite_sequence";

/// The statement SQLite stores for [`SEQUENCE_TABLE`].
pub const SEQUENCE_SQL: &str = "CREATE TABLE sqlite_sequence(name,seq)";

/// The prefix of the indexes SQLite makes for `PRIMARY KEY` and `UNIQUE`
/// constraints, whose `sql` is NULL.
pub const AUTOINDEX_PREFIX: &str = "sqlite_autoindex_";

/// What a schema row describes: its `type` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryKind {
    /// `table`: a table (a table B-tree unless virtual or `WITHOUT ROWID`).
    Table,
    /// `index`: an index B-tree.
    Index,
    /// `view`: no B-tree.
    View,
    /// `trigger`: no B-tree.
    Trigger,
}

impl EntryKind {
    /// The `type` text SQLite stores.
    pub const fn as_str(self) -> &'static str {
        match self {
            EntryKind::Table => "table",
            EntryKind::Index => "index",
            EntryKind::View => "view",
            EntryKind::Trigger => "trigger",
        }
    }

    /// The kind whose `type` text is `text`.
    ///
    /// ```
    /// use boundlite::schema::EntryKind;
    /// assert_eq!(EntryKind::from_text(b"index"), Some(EntryKind::Index));
    /// assert_eq!(EntryKind::from_text(b"INDEX"), None);
    /// ```
    pub fn from_text(text: &[u8]) -> Option<Self> {
        [
            EntryKind::Table,
            EntryKind::Index,
            EntryKind::View,
            EntryKind::Trigger,
        ]
        .into_iter()
        .find(|k| k.as_str().as_bytes() == text)
    }
}

/// One row of the schema table, typed.
#[derive(Debug)]
pub struct SchemaEntry<A: Allocator> {
    /// The row's rowid.
    pub rowid: RowId,
    /// What the row describes.
    pub kind: EntryKind,
    /// The object's name.
    pub name: String<A>,
    /// The table the object belongs to (its own name for a table).
    pub table: String<A>,
    /// The root page of its B-tree; `None` (0 on disk) for views,
    /// triggers and virtual tables.
    pub root: Option<PageNo>,
    /// The `CREATE` statement; `None` for automatic indexes.
    pub sql: Option<String<A>>,
}

impl<A: Allocator> SchemaEntry<A> {
    /// The `CREATE TABLE` text of a table's entry (only automatic indexes
    /// have none).
    pub fn table_sql(&self) -> Result<&str> {
        self.sql.as_deref().ok_or(Error::Sql("table without SQL"))
    }
}

impl<A: Allocator + Clone> SchemaEntry<A> {
    /// The entry held by `record`, the row `rowid` of the schema table.
    /// A row that does not have the schema table's shape is `Corrupt`.
    pub fn from_record(rowid: RowId, record: &RecordRef<'_>, alloc: A) -> Result<Self> {
        if record.column_count() < 5 {
            return Err(corrupt("schema row has fewer than five columns"));
        }
        let text = |i: usize| -> Result<Option<String<A>>> {
            match record.column(i)? {
                ValueRef::Null => Ok(None),
                ValueRef::Text(bytes) => {
                    let s = core::str::from_utf8(bytes)
                        .map_err(|_| corrupt("schema text is not UTF-8"))?;
                    Ok(Some(String::try_from_str_in(s, alloc.clone())?))
                }
                _ => Err(corrupt("schema row holds a number where text belongs")),
            }
        };
        let kind = match record.column(0)? {
            ValueRef::Text(t) => EntryKind::from_text(t),
            _ => None,
        }
        .ok_or(corrupt("schema row of unknown type"))?;
        let name = text(1)?.ok_or(corrupt("schema row without a name"))?;
        let table = text(2)?.ok_or(corrupt("schema row without a table name"))?;
        let root = match record.column(3)? {
            ValueRef::Null => None,
            ValueRef::Integer(n) => {
                PageNo::new(u32::try_from(n).map_err(|_| corrupt("schema root page out of range"))?)
            }
            _ => return Err(corrupt("schema root page is not an integer")),
        };
        let sql = text(4)?;
        Ok(SchemaEntry {
            rowid,
            kind,
            name,
            table,
            root,
            sql,
        })
    }

    /// Whether this is an automatic index (made by a constraint, no SQL).
    pub fn is_autoindex(&self) -> bool {
        self.kind == EntryKind::Index
            && self.sql.is_none()
            && self
                .name
                .get(..AUTOINDEX_PREFIX.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(AUTOINDEX_PREFIX))
    }
}

/// A `Corrupt` error in the schema table.
fn corrupt(reason: &'static str) -> Error {
    Error::corrupt(SCHEMA_ROOT, reason)
}

/// Every row of the schema table, in rowid order.
#[derive(Debug)]
pub struct Schema<A: Allocator> {
    entries: Vec<SchemaEntry<A>, A>,
}

impl<A: Allocator + Clone> Schema<A> {
    /// Reads the schema table of the database `source` holds. A database
    /// with no pages has an empty schema.
    pub fn read<S: PageSource>(source: &S, alloc: A) -> Result<Self> {
        let mut entries = Vec::new_in(alloc.clone());
        if source.page_count() == 0 {
            return Ok(Schema { entries });
        }
        let mut cursor = TableCursor::new(source, SCHEMA_ROOT, Vec::new_in(alloc.clone()));
        let mut more = cursor.first()?;
        while more {
            let rowid = cursor.rowid()?;
            let entry = {
                let payload = cursor.payload()?;
                let record = RecordRef::parse(&payload, Some(SCHEMA_ROOT))?;
                SchemaEntry::from_record(rowid, &record, alloc.clone())?
            };
            entries.try_push(entry)?;
            more = cursor.next()?;
        }
        Ok(Schema { entries })
    }

    /// The entries in rowid order.
    pub fn entries(&self) -> &[SchemaEntry<A>] {
        &self.entries
    }

    /// The entry named `name` (names compare ignoring ASCII case).
    pub fn find(&self, name: &str) -> Option<&SchemaEntry<A>> {
        self.entries
            .iter()
            .find(|e| e.name.eq_ignore_ascii_case(name))
    }

    /// The table named `name`.
    pub fn table(&self, name: &str) -> Option<&SchemaEntry<A>> {
        self.entries
            .iter()
            .find(|e| e.kind == EntryKind::Table && e.name.eq_ignore_ascii_case(name))
    }

    /// The indexes of the table named `table`.
    pub fn indexes_of<'s>(&'s self, table: &'s str) -> impl Iterator<Item = &'s SchemaEntry<A>> {
        self.entries
            .iter()
            .filter(move |e| e.kind == EntryKind::Index && e.table.eq_ignore_ascii_case(table))
    }

    /// The entry whose B-tree is rooted at `root`.
    pub fn by_root(&self, root: PageNo) -> Option<&SchemaEntry<A>> {
        self.entries.iter().find(|e| e.root == Some(root))
    }
}
