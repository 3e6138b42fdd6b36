//! [`SchemaEditor`]: adding and removing schema rows, and creating and
//! dropping the B-trees they name, inside a pager write transaction.
//!
//! Every change bumps the header's schema cookie; the first row added to a
//! database whose header records no schema format or text encoding
//! records format 4 and UTF-8, as SQLite does at the first `CREATE`. A row
//! is added with the rowid one above the table's largest. Like the B-tree
//! writer, the editor leaves committing or rolling back to its caller: an
//! error may leave part of a change in the transaction.

use boundlite_platform::{File, Platform};

use crate::alloc::{Allocator, Vec, try_format_in};
use crate::btree::{IndexCursor, SeekMode, TableCursor, TreeKind, TreeWriter};
use crate::format::{SCHEMA_FORMAT, TextEncoding};
use crate::pager::Pager;
use crate::record::{KeyColumn, RecordRef, ValueRef, encode_into};
use crate::schema::columns::{IndexColumn, IndexColumns, StoredBy, TableColumns};
use crate::schema::declared::{index_columns_of, stored_columns};
use crate::schema::evaluated::{build_evaluated_key, row_in_index};
use crate::schema::key::{EntryEnd, KeyBuilt, build_entry, build_index_key, same_key};
use crate::schema::{
    AUTOINDEX_PREFIX, EntryKind, SCHEMA_ROOT, SEQUENCE_SQL, SEQUENCE_TABLE, Schema, SchemaEntry,
};
use crate::sort::{Budget, KeyOrder, RecordSorter};
use crate::sql::{Stmt, parse_one};
use crate::{Error, PageNo, Result, RowId};

/// A schema row to add.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewEntry<'a> {
    /// What the row describes.
    pub kind: EntryKind,
    /// The object's name.
    pub name: &'a str,
    /// The table it belongs to.
    pub table: &'a str,
    /// Its B-tree's root page, if it has one.
    pub root: Option<PageNo>,
    /// Its `CREATE` statement (`None` for automatic indexes).
    pub sql: Option<&'a str>,
}

/// Changes the schema of the database `pager` holds, through `writer`.
pub struct SchemaEditor<'e, F: File, A: Allocator + Clone> {
    pager: &'e Pager<F, A>,
    writer: &'e mut TreeWriter<A>,
    alloc: A,
    record: Vec<u8, A>,
}

impl<'e, F: File, A: Allocator + Clone> SchemaEditor<'e, F, A> {
    /// An editor over `pager`, whose write transaction must be open when
    /// a change is made. Scratch memory comes from `alloc`.
    pub fn new(pager: &'e Pager<F, A>, writer: &'e mut TreeWriter<A>, alloc: A) -> Self {
        Self {
            pager,
            writer,
            record: Vec::new_in(alloc.clone()),
            alloc,
        }
    }

    /// Adds `entry` as a row of the schema table; returns its rowid.
    /// A name already in use (ignoring ASCII case) is `Error::Sql`.
    pub fn add_entry(&mut self, entry: &NewEntry<'_>) -> Result<RowId> {
        let mut cursor = TableCursor::new(self.pager, SCHEMA_ROOT, Vec::new_in(self.alloc.clone()));
        let mut more = cursor.first()?;
        while more {
            let payload = cursor.payload()?;
            let record = RecordRef::parse(&payload, Some(SCHEMA_ROOT))?;
            if let Ok(ValueRef::Text(name)) = record.column(1) {
                if name.eq_ignore_ascii_case(entry.name.as_bytes()) {
                    return Err(Error::Sql("there is already an object with that name"));
                }
            }
            drop(payload);
            more = cursor.next()?;
        }
        let last = if cursor.last()? {
            Some(cursor.rowid()?)
        } else {
            None
        };
        let rowid = match last {
            None => RowId::new(1),
            Some(max) => max.checked_next().ok_or(Error::Full)?,
        };
        let root = entry.root.map_or(0, |p| i64::from(p.get()));
        self.record.clear();
        encode_into(
            &[
                ValueRef::text(entry.kind.as_str()),
                ValueRef::text(entry.name),
                ValueRef::text(entry.table),
                ValueRef::Integer(root),
                entry.sql.map_or(ValueRef::Null, ValueRef::text),
            ],
            &mut self.record,
        )?;
        self.writer
            .insert_row(self.pager, SCHEMA_ROOT, rowid, &self.record)?;
        self.pager.update_header(|h| {
            if h.schema_format == 0 {
                h.schema_format = SCHEMA_FORMAT;
            }
            if h.text_encoding.is_none() {
                h.text_encoding = Some(TextEncoding::Utf8);
            }
            h.schema_cookie = h.schema_cookie.wrapping_add(1);
        })?;
        Ok(rowid)
    }

    /// Replaces the schema row `rowid` with `entry` (`ALTER TABLE`'s
    /// edits), bumping the schema cookie. A row that is not there is
    /// `Corrupt`: the caller read it from this transaction's schema.
    pub fn replace_entry(&mut self, rowid: RowId, entry: &NewEntry<'_>) -> Result<()> {
        let root = entry.root.map_or(0, |p| i64::from(p.get()));
        self.record.clear();
        encode_into(
            &[
                ValueRef::text(entry.kind.as_str()),
                ValueRef::text(entry.name),
                ValueRef::text(entry.table),
                ValueRef::Integer(root),
                entry.sql.map_or(ValueRef::Null, ValueRef::text),
            ],
            &mut self.record,
        )?;
        let mut cursor = TableCursor::new(self.pager, SCHEMA_ROOT, Vec::new_in(self.alloc.clone()));
        if !cursor.seek(rowid, SeekMode::Eq)? {
            return Err(Error::corrupt(
                SCHEMA_ROOT,
                "schema row vanished while being edited",
            ));
        }
        drop(cursor);
        self.writer
            .insert_row(self.pager, SCHEMA_ROOT, rowid, &self.record)?;
        self.pager
            .update_header(|h| h.schema_cookie = h.schema_cookie.wrapping_add(1))
    }

    /// Records at least schema format `format` in the header, as SQLite
    /// does when `ALTER TABLE ADD COLUMN` needs a later format.
    pub fn require_format(&mut self, format: u32) -> Result<()> {
        if self.pager.header().schema_format >= format {
            return Ok(());
        }
        self.pager.update_header(|h| h.schema_format = format)
    }

    /// Renames the `sqlite_sequence` row of the table `old` to `new`, if
    /// there is one, as SQLite does when it renames an `AUTOINCREMENT`
    /// table.
    pub fn rename_sequence(&mut self, old: &str, new: &str) -> Result<()> {
        let found = self.find(|kind, n, _| {
            kind == EntryKind::Table && n.eq_ignore_ascii_case(SEQUENCE_TABLE.as_bytes())
        })?;
        let Some((_, Some(root))) = found else {
            return Ok(());
        };
        let mut cursor = TableCursor::new(self.pager, root, Vec::new_in(self.alloc.clone()));
        let mut more = cursor.first()?;
        let mut row = None;
        while more {
            let rowid = cursor.rowid()?;
            let payload = cursor.payload()?;
            let record = RecordRef::parse(&payload, Some(root))?;
            if matches!(record.column(0)?, ValueRef::Text(t) if t.eq_ignore_ascii_case(old.as_bytes()))
            {
                self.record.clear();
                encode_into(&[ValueRef::text(new), record.column(1)?], &mut self.record)?;
                row = Some(rowid);
                break;
            }
            drop(payload);
            more = cursor.next()?;
        }
        drop(cursor);
        match row {
            Some(rowid) => self
                .writer
                .insert_row(self.pager, root, rowid, &self.record),
            None => Ok(()),
        }
    }

    /// Removes the row named `name`; returns whether there was one. The
    /// B-tree it names, if any, is left alone.
    pub fn remove_entry(&mut self, name: &str) -> Result<bool> {
        let Some((rowid, _)) = self.find(|_, n, _| n.eq_ignore_ascii_case(name.as_bytes()))? else {
            return Ok(false);
        };
        self.delete_row(rowid)?;
        Ok(true)
    }

    /// Creates an empty table B-tree and its schema row, then an empty
    /// index and a row (`sqlite_autoindex_<name>_<N>`, no SQL) for each
    /// index its `PRIMARY KEY` and `UNIQUE` constraints imply, and the
    /// `sqlite_sequence` table for the first `AUTOINCREMENT` table, as
    /// SQLite does; returns the table's root. A `WITHOUT ROWID` table's
    /// B-tree is an index B-tree, and its `PRIMARY KEY` makes no index of
    /// its own (the table is that index), its number left unused as
    /// SQLite leaves it. `sql` must be a `CREATE TABLE` statement (virtual
    /// tables are refused); text that does not parse is the parser's
    /// syntax error.
    pub fn create_table(&mut self, name: &str, sql: &str) -> Result<PageNo> {
        let columns = {
            let parsed = parse_one(sql, self.alloc.clone())?;
            match &parsed.stmt {
                Stmt::CreateTable(create) => TableColumns::stored_as(create, self.alloc.clone())?,
                _ => return Err(Error::Sql("not a CREATE TABLE statement")),
            }
        };
        let (kind, keyed_by) = match columns.stored_by {
            StoredBy::Rowid => (TreeKind::Table, None),
            StoredBy::PrimaryKey => (TreeKind::Index, columns.primary_autoindex),
        };
        let root = self.writer.create_tree(self.pager, kind)?;
        self.add_entry(&NewEntry {
            kind: EntryKind::Table,
            name,
            table: name,
            root: Some(root),
            sql: Some(sql),
        })?;
        for n in 1..=columns.autoindexes.len() {
            if keyed_by == Some(n - 1) {
                continue;
            }
            let index_name = try_format_in!(self.alloc.clone(), "{AUTOINDEX_PREFIX}{name}_{n}")?;
            let index_root = self.writer.create_tree(self.pager, TreeKind::Index)?;
            self.add_entry(&NewEntry {
                kind: EntryKind::Index,
                name: &index_name,
                table: name,
                root: Some(index_root),
                sql: None,
            })?;
        }
        let is_sequence = |kind, n: &[u8], _: &[u8]| {
            kind == EntryKind::Table && n.eq_ignore_ascii_case(SEQUENCE_TABLE.as_bytes())
        };
        if columns.autoincrement && self.find(is_sequence)?.is_none() {
            let sequence = self.writer.create_tree(self.pager, TreeKind::Table)?;
            self.add_entry(&NewEntry {
                kind: EntryKind::Table,
                name: SEQUENCE_TABLE,
                table: SEQUENCE_TABLE,
                root: Some(sequence),
                sql: Some(SEQUENCE_SQL),
            })?;
        }
        Ok(root)
    }

    /// Creates the index `name` on `table` as `sql` (a `CREATE INDEX`
    /// statement) declares it, fills it from the table's rows, and adds its
    /// schema row; returns the root. A `UNIQUE` index over rows that repeat
    /// a key is `Error::Constraint`; a partial index holds the rows its
    /// `WHERE` is true for (see [`row_in_index`]); an expression index, or
    /// a partial index of a `WITHOUT ROWID` table, over a table that has
    /// rows is `Error::Sql` (index maintenance here evaluates no other SQL). The table's stored SQL not parsing is `Error::Corrupt`;
    /// `sql` not parsing is the parser's syntax error.
    ///
    /// The keys are sorted in `sort_memory` bytes, spilling to temporary
    /// files of `platform` past it, then the index is built bottom up from
    /// them, each page written once.
    pub fn create_index<P: Platform>(
        &mut self,
        name: &str,
        table: &str,
        sql: &str,
        platform: &P,
        sort_memory: usize,
    ) -> Result<PageNo> {
        let entry = self.table_entry(table)?;
        let table_root = entry
            .root
            .ok_or(Error::Sql("the table has no B-tree to index"))?;
        let table_sql = entry
            .sql
            .as_deref()
            .ok_or(Error::Sql("the table has no SQL"))?;
        let columns = stored_columns(table_sql, self.alloc.clone())?;
        let index = {
            let parsed = parse_one(sql, self.alloc.clone())?;
            match &parsed.stmt {
                Stmt::CreateIndex(create) => {
                    IndexColumns::from_create(create, &columns, self.alloc.clone())?
                }
                _ => return Err(Error::Sql("not a CREATE INDEX statement")),
            }
        };
        let mut tail = Vec::new_in(self.alloc.clone());
        columns.entry_tail(&index, false, &mut tail)?;
        let keys = self.index_keys(&index, &tail)?;
        let from = Table {
            columns: &columns,
            root: table_root,
        };
        let root = self
            .filled_index(
                from,
                (&index, &tail, Some(sql)),
                &keys,
                platform,
                sort_memory,
            )
            .map_err(|e| match e {
                Error::Unique(_) => index.taken(&entry.name, &columns, name),
                e => e,
            })?;
        self.add_entry(&NewEntry {
            kind: EntryKind::Index,
            name,
            table,
            root: Some(root),
            sql: Some(sql),
        })?;
        Ok(root)
    }

    /// Builds the index `name` again from its table's rows (`REINDEX`):
    /// its B-tree is dropped and made anew, filled as [`Self::create_index`]
    /// fills one, and its schema row names the new root. An automatic
    /// index takes its columns from its table's constraints.
    pub fn rebuild_index<P: Platform>(
        &mut self,
        name: &str,
        platform: &P,
        sort_memory: usize,
    ) -> Result<()> {
        let schema = Schema::read(self.pager, self.alloc.clone())?;
        let entry = schema
            .entries()
            .iter()
            .find(|e| e.kind == EntryKind::Index && e.name.eq_ignore_ascii_case(name))
            .ok_or(Error::Sql("no such index"))?;
        let old_root = entry
            .root
            .ok_or(Error::corrupt(SCHEMA_ROOT, "an index without a root page"))?;
        let table = self.table_entry(&entry.table)?;
        let table_root = table
            .root
            .ok_or(Error::Sql("the table has no B-tree to index"))?;
        let columns = stored_columns(table.table_sql()?, self.alloc.clone())?;
        let index = index_columns_of(entry, &columns, self.alloc.clone())?;
        let mut tail = Vec::new_in(self.alloc.clone());
        columns.entry_tail(&index, entry.sql.is_none(), &mut tail)?;
        let keys = self.index_keys(&index, &tail)?;
        self.writer.drop_tree(self.pager, old_root)?;
        let from = Table {
            columns: &columns,
            root: table_root,
        };
        let root = self
            .filled_index(
                from,
                (&index, &tail, entry.sql.as_deref()),
                &keys,
                platform,
                sort_memory,
            )
            .map_err(|e| match e {
                Error::Unique(_) => index.taken(&table.name, &columns, &entry.name),
                e => e,
            })?;
        self.replace_entry(
            entry.rowid,
            &NewEntry {
                kind: EntryKind::Index,
                name: &entry.name,
                table: &entry.table,
                root: Some(root),
                sql: entry.sql.as_deref(),
            },
        )
    }

    /// How the key columns of `index` compare. Files of schema format 1
    /// to 3 sort every index column ascending.
    fn index_keys<B: Allocator>(
        &self,
        index: &IndexColumns<B>,
        tail: &[IndexColumn],
    ) -> Result<Vec<KeyColumn, A>> {
        let mut keys = Vec::new_in(self.alloc.clone());
        let format = self.pager.header().schema_format;
        let desc_allowed = format == 0 || format >= SCHEMA_FORMAT;
        let unknown = tail.iter().any(|c| c.collation.is_none());
        if unknown || !index.key_columns(desc_allowed, &mut keys)? {
            return Err(Error::Sql(
                "index uses a collation this engine does not know",
            ));
        }
        keys.try_reserve(tail.len())?;
        for column in tail {
            keys.try_push(KeyColumn {
                order: column.order,
                collation: column.collation.unwrap_or_default(),
            })?;
        }
        Ok(keys)
    }

    /// A new index tree holding the entry of every row of the table rooted
    /// at `table_root` (of `columns`) for `index`; returns its root.
    fn filled_index<P: Platform, B: Allocator>(
        &mut self,
        table: Table<'_, A>,
        (index, tail, sql): (&IndexColumns<B>, &[IndexColumn], Option<&str>),
        keys: &[KeyColumn],
        platform: &P,
        sort_memory: usize,
    ) -> Result<PageNo> {
        let root = self.writer.create_tree(self.pager, TreeKind::Index)?;
        let budget = Budget {
            bytes: sort_memory,
            page: self.pager.page_size() as usize,
        };
        let filling = Filling {
            columns: table.columns,
            index,
            tail,
            table_root: table.root,
            root,
            keys,
            sql,
        };
        self.fill_index(&filling, platform, budget)?;
        Ok(root)
    }

    /// Drops the table `name`: its B-tree, the B-trees of its indexes,
    /// every schema row that belongs to it (indexes and triggers included)
    /// and its `sqlite_sequence` row. Returns whether the table existed.
    pub fn drop_table(&mut self, name: &str) -> Result<bool> {
        if self
            .find(|kind, n, _| kind == EntryKind::Table && n.eq_ignore_ascii_case(name.as_bytes()))?
            .is_none()
        {
            return Ok(false);
        }
        loop {
            let found = self.find(|kind, n, t| {
                t.eq_ignore_ascii_case(name.as_bytes())
                    || (kind == EntryKind::Table && n.eq_ignore_ascii_case(name.as_bytes()))
            })?;
            let Some((rowid, root)) = found else {
                self.forget_sequence(name)?;
                return Ok(true);
            };
            if let Some(root) = root {
                self.writer.drop_tree(self.pager, root)?;
            }
            self.delete_row(rowid)?;
        }
    }

    /// Removes the `sqlite_sequence` row of the table `name`, if any, as
    /// SQLite does when it drops an `AUTOINCREMENT` table.
    fn forget_sequence(&mut self, name: &str) -> Result<()> {
        let found = self.find(|kind, n, _| {
            kind == EntryKind::Table && n.eq_ignore_ascii_case(SEQUENCE_TABLE.as_bytes())
        })?;
        let Some((_, Some(root))) = found else {
            return Ok(());
        };
        loop {
            let mut row = None;
            let mut cursor = TableCursor::new(self.pager, root, Vec::new_in(self.alloc.clone()));
            let mut more = cursor.first()?;
            while more {
                let rowid = cursor.rowid()?;
                let payload = cursor.payload()?;
                let record = RecordRef::parse(&payload, Some(root))?;
                if matches!(record.column(0)?, ValueRef::Text(t) if t.eq_ignore_ascii_case(name.as_bytes()))
                {
                    row = Some(rowid);
                    break;
                }
                drop(payload);
                more = cursor.next()?;
            }
            drop(cursor);
            match row {
                Some(rowid) => self.writer.delete_row(self.pager, root, rowid)?,
                None => return Ok(()),
            };
        }
    }

    /// Drops the index `name`: its B-tree and its schema row. Returns
    /// whether it existed.
    pub fn drop_index(&mut self, name: &str) -> Result<bool> {
        let found = self.find(|kind, n, _| {
            kind == EntryKind::Index && n.eq_ignore_ascii_case(name.as_bytes())
        })?;
        let Some((rowid, root)) = found else {
            return Ok(false);
        };
        if let Some(root) = root {
            self.writer.drop_tree(self.pager, root)?;
        }
        self.delete_row(rowid)?;
        Ok(true)
    }

    /// Drops view `name` (its schema row) and its triggers; returns
    /// whether it existed.
    pub fn drop_view(&mut self, name: &str) -> Result<bool> {
        if !self.drop_row_of(EntryKind::View, name)? {
            return Ok(false);
        }
        while let Some((rowid, _)) = self.find(|kind, _, t| {
            kind == EntryKind::Trigger && t.eq_ignore_ascii_case(name.as_bytes())
        })? {
            self.delete_row(rowid)?;
        }
        Ok(true)
    }

    /// Drops trigger `name` (its schema row); returns whether it existed.
    pub fn drop_trigger(&mut self, name: &str) -> Result<bool> {
        self.drop_row_of(EntryKind::Trigger, name)
    }

    /// Deletes the schema row of the object `name` of kind `kind`, which
    /// has no B-tree; returns whether it existed.
    fn drop_row_of(&mut self, of: EntryKind, name: &str) -> Result<bool> {
        let found =
            self.find(|kind, n, _| kind == of && n.eq_ignore_ascii_case(name.as_bytes()))?;
        let Some((rowid, _)) = found else {
            return Ok(false);
        };
        self.delete_row(rowid)?;
        Ok(true)
    }

    /// The rowid and root of the first row `matches` picks by kind, name
    /// and table name.
    fn find(
        &self,
        matches: impl Fn(EntryKind, &[u8], &[u8]) -> bool,
    ) -> Result<Option<(RowId, Option<PageNo>)>> {
        let mut cursor = TableCursor::new(self.pager, SCHEMA_ROOT, Vec::new_in(self.alloc.clone()));
        let mut more = cursor.first()?;
        while more {
            let rowid = cursor.rowid()?;
            let payload = cursor.payload()?;
            let record = RecordRef::parse(&payload, Some(SCHEMA_ROOT))?;
            let text = |i| match record.column(i) {
                Ok(ValueRef::Text(t)) => t,
                _ => &[],
            };
            let kind = EntryKind::from_text(text(0));
            if let Some(kind) = kind {
                if matches(kind, text(1), text(2)) {
                    let root = match record.column(3)? {
                        ValueRef::Integer(n) => u32::try_from(n).ok().and_then(PageNo::new),
                        _ => None,
                    };
                    return Ok(Some((rowid, root)));
                }
            }
            drop(payload);
            more = cursor.next()?;
        }
        Ok(None)
    }

    /// The schema entry of the table `name`.
    fn table_entry(&self, name: &str) -> Result<SchemaEntry<A>> {
        let mut cursor = TableCursor::new(self.pager, SCHEMA_ROOT, Vec::new_in(self.alloc.clone()));
        let mut more = cursor.first()?;
        while more {
            let rowid = cursor.rowid()?;
            let payload = cursor.payload()?;
            let record = RecordRef::parse(&payload, Some(SCHEMA_ROOT))?;
            let entry = SchemaEntry::from_record(rowid, &record, self.alloc.clone())?;
            if entry.kind == EntryKind::Table && entry.name.eq_ignore_ascii_case(name) {
                return Ok(entry);
            }
            drop(payload);
            more = cursor.next()?;
        }
        Err(Error::Sql("no such table"))
    }

    fn delete_row(&mut self, rowid: RowId) -> Result<()> {
        if !self.writer.delete_row(self.pager, SCHEMA_ROOT, rowid)? {
            return Err(Error::corrupt(
                SCHEMA_ROOT,
                "schema row vanished while being removed",
            ));
        }
        self.pager
            .update_header(|h| h.schema_cookie = h.schema_cookie.wrapping_add(1))
    }

    /// Fills the empty index `filling.root` with the entry of every row
    /// of its table: the entries are sorted in `budget`, then built into
    /// the tree in order; a `UNIQUE` index fails with `Error::Unique` (its
    /// name left to the caller) on the first two neighbours that share a
    /// key with no NULL in it.
    fn fill_index<P: Platform, B: Allocator>(
        &mut self,
        filling: &Filling<'_, A, B>,
        platform: &P,
        budget: Budget,
    ) -> Result<()> {
        let (columns, index) = (filling.columns, filling.index);
        let order = KeyOrder::new(filling.keys);
        let mut sorter = RecordSorter::new(platform, order, budget, self.alloc.clone());
        let key = &mut self.record;
        let mut unknown = false;
        if columns.stored_by == StoredBy::PrimaryKey {
            let buffer = Vec::new_in(self.alloc.clone());
            let mut cursor = IndexCursor::new(self.pager, filling.table_root, buffer);
            let mut more = cursor.first()?;
            if more && index.partial {
                return Err(Error::Sql("partial indexes over rows are not supported"));
            }
            while more && !unknown {
                let payload = cursor.payload()?;
                let record = RecordRef::parse(&payload, Some(filling.table_root))?;
                let end = EntryEnd::Key(filling.tail);
                unknown = build_entry(columns, index, &record, end, key)? == KeyBuilt::Unknown;
                if unknown {
                    break;
                }
                sorter.push(key)?;
                drop(payload);
                more = cursor.next()?;
            }
        } else {
            let buffer = Vec::new_in(self.alloc.clone());
            let mut cursor = TableCursor::new(self.pager, filling.table_root, buffer);
            let any = cursor.first()?;
            if any {
                // One visit per leaf: the rows of a page are read together.
                cursor.scan(|rowid, bytes| {
                    let record = RecordRef::parse(bytes, Some(filling.table_root))?;
                    if let Some(sql) = filling.sql {
                        if index.partial
                            && !row_in_index(sql, columns, &record, rowid, self.alloc.clone())?
                        {
                            return Ok(false);
                        }
                        if !index.is_plain(columns) {
                            build_evaluated_key(sql, (columns, index), &record, rowid, key)?;
                            sorter.push(key)?;
                            return Ok(false);
                        }
                    }
                    if build_index_key(columns, index, &record, rowid, key)? == KeyBuilt::Unknown {
                        unknown = true;
                        return Ok(true);
                    }
                    sorter.push(key)?;
                    Ok(false)
                })?;
            }
        }
        if unknown {
            return Err(Error::Sql(
                "index keys that need SQL evaluated are not supported",
            ));
        }
        let mut sorted = sorter.finish()?;
        // Entries repeat a key when they agree on the index's own columns
        // (not on what ends them).
        let unique_keys = filling
            .keys
            .get(..index.columns.len())
            .unwrap_or(filling.keys);
        let mut build = self.writer.build_index(self.pager, filling.root)?;
        let previous = &mut self.record;
        previous.clear();
        while let Some(key) = sorted.next()? {
            if index.unique {
                if !previous.is_empty()
                    && same_key(
                        &RecordRef::parse(previous, Some(filling.root))?,
                        &RecordRef::parse(key, Some(filling.root))?,
                        unique_keys,
                    )?
                {
                    // Named by the caller, which knows the index's name.
                    return Err(Error::Unique(crate::ConstraintName::new("")));
                }
                previous.clear();
                previous.try_extend_from_slice(key)?;
            }
            build.push(key)?;
        }
        build.finish()
    }
}

/// A table an index is filled from: its columns and root.
#[derive(Clone, Copy)]
struct Table<'t, A: Allocator> {
    columns: &'t TableColumns<A>,
    root: PageNo,
}

/// What [`SchemaEditor::fill_index`] fills, and from where.
struct Filling<'f, A: Allocator, B: Allocator> {
    columns: &'f TableColumns<A>,
    index: &'f IndexColumns<B>,
    /// What ends each entry of an index of a `WITHOUT ROWID` table (see
    /// [`TableColumns::entry_tail`]); empty for a rowid table's.
    tail: &'f [IndexColumn],
    table_root: PageNo,
    root: PageNo,
    keys: &'f [KeyColumn],
    /// The index's `CREATE INDEX` text when it is partial or on
    /// expressions: which rows have an entry (see [`row_in_index`]) and
    /// what it holds (see [`build_evaluated_key`]).
    sql: Option<&'f str>,
}
