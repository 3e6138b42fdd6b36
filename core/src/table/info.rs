//! [`TableInfo`]: what the table layer and the executor need to know
//! about one table, read from the schema when a statement starts: its
//! root, its columns with their affinity, `NOT NULL` and `DEFAULT`, the
//! rowid alias, every index with the rule its keys compare by, and the
//! text its `CHECK` constraints are read from.
//!
//! Invariant: defaults are evaluated once, here, as constants; a default
//! that is not constant is an `Error::Sql` when the table is read, and
//! one SQLite evaluates for each row (it calls `random()` or reads the
//! time) is marked so (see [`DefaultKind`]) and computed for each row
//! stored, with the statement's context (`exec::checks`).

use crate::alloc::{Allocator, String, TryClone, Vec};
use crate::record::{KeyColumn, RecordRef};
use crate::schema::created_table;
use crate::schema::strict::Datatype;
use crate::schema::{ColumnSource, EntryKind, IndexColumn, StoredBy};
use crate::schema::{
    IndexColumns, KeyBuilt, SCHEMA_ROOT, SCHEMA_TABLE_NAMES, SCHEMA_TABLE_SQL, Schema,
    TableColumns, build_evaluated_key, build_index_key, index_columns_of, parse_stored,
    row_in_index,
};
use crate::sql::JsonTable;
use crate::sql::eval::{ConstantContext, Value, evaluate, with_affinity};
use crate::sql::{
    Affinity, ColumnConstraintKind, ColumnDef, Conflict, Expr, FunctionArgs, Ident, Literal,
    TableBody, TableConstraintKind, UnaryOp, affinity_of,
};
use crate::{Error, Named, PageNo, Result, RowId};

use super::Side;

/// Which schema a [`TableInfo`] was read from (see `exec::cache`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SchemaVersion {
    /// The database header's schema cookie.
    pub cookie: u32,
    /// The temporary database's schema cookie (0 while it is not open).
    pub temp_cookie: u32,
    /// The connection's rollbacks so far.
    pub rollbacks: u64,
}

/// One column's storage rules.
pub(crate) struct ColumnMeta<A: Allocator> {
    /// The affinity of its declared type.
    pub affinity: Affinity,
    /// Whether a comparison sees `affinity`: false only for a column of a
    /// subquery computed by an expression that has none (SQLite's
    /// `SQLITE_AFF_NONE`), which a comparison treats as a literal.
    pub compared: bool,
    /// Whether it is declared `NOT NULL`.
    pub not_null: bool,
    /// The `ON CONFLICT` clause of its `NOT NULL` (the last one's), if
    /// it has one.
    pub null_conflict: Option<Conflict>,
    /// Its datatype, in a `STRICT` table; `None` in any other.
    pub datatype: Option<Datatype>,
    /// Its `DEFAULT`, evaluated; NULL when it has none.
    pub default: Value<A>,
    /// Whether `default` holds the column's default for every row.
    pub default_kind: DefaultKind,
    /// What a row stored before the column was added (its record shorter
    /// than the table) reads in it: the default with the column's
    /// affinity, from a number's text as written (see [`added_default`]).
    pub added: Value<A>,
}

/// Whether a column's default is one value for every row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DefaultKind {
    /// A constant, evaluated once (or no default: NULL).
    Constant,
    /// An expression SQLite evaluates for each row (one that calls
    /// `random()` or `randomblob()` or reads the time): not evaluated
    /// here but for each row that takes it (`Checks::per_row_default`).
    PerRow,
}

/// One index of a table.
pub(crate) struct IndexInfo<A: Allocator> {
    /// The index's name, as stored in the schema.
    pub name: String<A>,
    /// The index's root page.
    pub root: PageNo,
    /// Its key columns.
    pub columns: IndexColumns<A>,
    /// How its entries compare: the key columns, then `tail`'s.
    pub keys: Vec<KeyColumn, A>,
    /// The primary key columns that end each entry of an index of a
    /// `WITHOUT ROWID` table (those the key columns do not hold with the
    /// same collation), with the key's collations and orders; empty for a
    /// rowid table's index, whose entries end with the rowid.
    pub tail: Vec<IndexColumn, A>,
    /// The index's `CREATE INDEX` text when it is partial or on
    /// expressions or virtual generated columns, which says which rows have an entry (see
    /// [`row_in_index`]) and what it holds (see [`build_evaluated_key`]);
    /// `None` when every row has an entry of its stored values.
    pub sql: Option<String<A>>,
}

impl<A: Allocator> IndexInfo<A> {
    /// Whether the row `rowid` of `table`, whose record is `row`, has an
    /// entry in this index.
    pub fn holds<B: Allocator + Clone>(
        &self,
        table: &TableColumns<B>,
        row: &RecordRef<'_>,
        rowid: RowId,
        alloc: B,
    ) -> Result<bool> {
        match self.sql.as_deref().filter(|_| self.columns.partial) {
            Some(sql) => row_in_index(sql, table, row, rowid, alloc),
            None => Ok(true),
        }
    }

    /// Replaces `out` with the entry of row `rowid` of `table` (whose
    /// record is `row`) in this index of a rowid table, its expressions
    /// and virtual generated columns evaluated; `false` when the index
    /// has an expression this engine
    /// cannot evaluate from the row alone.
    pub fn build_entry<B: Allocator>(
        &self,
        table: &TableColumns<B>,
        row: &RecordRef<'_>,
        rowid: RowId,
        out: &mut Vec<u8, A>,
    ) -> Result<bool>
    where
        A: Clone,
    {
        if let Some(sql) = self.sql.as_deref() {
            if !self.columns.is_plain(table) {
                build_evaluated_key(sql, (table, &self.columns), row, rowid, out)?;
                return Ok(true);
            }
        }
        Ok(build_index_key(table, &self.columns, row, rowid, out)? == KeyBuilt::Built)
    }
}

/// The trees a plan may seek on one table, by position (see
/// [`TableInfo::seekable`]).
pub(crate) struct SeekTrees<'t, A: Allocator> {
    /// A `WITHOUT ROWID` table's primary key, at position 0.
    primary: Option<&'t IndexInfo<A>>,
    /// The indexes, after it.
    rest: &'t [IndexInfo<A>],
}

// By hand: a derive would ask `A: Copy`, but only references are copied.
impl<A: Allocator> Clone for SeekTrees<'_, A> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<A: Allocator> Copy for SeekTrees<'_, A> {}

impl<'t, A: Allocator> SeekTrees<'t, A> {
    /// The tree at position `n`.
    pub fn get(self, n: usize) -> Option<&'t IndexInfo<A>> {
        match (self.primary, n.checked_sub(1)) {
            (None, _) => self.rest.get(n),
            (Some(primary), None) => Some(primary),
            (Some(_), Some(n)) => self.rest.get(n),
        }
    }

    /// Every tree, in position order.
    pub fn iter(self) -> impl Iterator<Item = &'t IndexInfo<A>> {
        self.primary.into_iter().chain(self.rest.iter())
    }

    /// Whether the tree at position `n` is a `WITHOUT ROWID` table's
    /// primary key, whose entries are its rows.
    pub fn is_primary(self, n: usize) -> bool {
        self.primary.is_some() && n == 0
    }
}

/// Why a `WITHOUT ROWID` table whose keys declare `ON CONFLICT` clauses
/// is not changed here: SQLite checks such a key in an order of its own.
pub(crate) const KEYED_CONFLICTS: &str =
    "ON CONFLICT clauses on the keys of a WITHOUT ROWID table are not supported";

/// A table, as the executor sees it.
pub(crate) struct TableInfo<A: Allocator> {
    /// Its name, as stored in the schema.
    pub name: String<A>,
    /// The schema it is in: its root and its indexes' are pages of that
    /// side's database.
    pub side: Side,
    /// Its root page.
    pub root: PageNo,
    /// Its columns as the schema describes them.
    pub columns: TableColumns<A>,
    /// Per column, in declaration order.
    pub meta: Vec<ColumnMeta<A>, A>,
    /// Its indexes that plans may walk; none for a `WITHOUT ROWID` table,
    /// whose index entries end with its primary key, which no index walk
    /// here follows (see `keyed_indexes`).
    pub indexes: Vec<IndexInfo<A>, A>,
    /// The indexes of a `WITHOUT ROWID` table, kept in step with its rows
    /// (each [`IndexInfo::tail`] holds the primary key's columns); empty
    /// for a rowid table.
    pub keyed_indexes: Vec<IndexInfo<A>, A>,
    /// For a `WITHOUT ROWID` table whose key's collations are known: its
    /// B-tree described as a unique index on the primary key (root: the
    /// table's, keys: [`record_keys`](Self::record_keys)), which plans
    /// seek as they seek an index, each entry being the row itself.
    pub primary: Option<IndexInfo<A>>,
    /// How many of a `WITHOUT ROWID` table's record columns are its
    /// primary key (the first ones); 0 for a rowid table.
    pub key_len: usize,
    /// Why the rows of a `WITHOUT ROWID` table cannot be changed here (an
    /// index whose entries need SQL evaluated), when they cannot.
    pub unwritable: Option<&'static str>,
    /// For a `WITHOUT ROWID` table, how its records compare, column by
    /// column: the primary key's rules, then BINARY for the columns after
    /// it (the key alone orders the rows, so those never decide); empty
    /// for a table keyed by rowid, or whose key has a collation this
    /// engine does not know.
    pub record_keys: Vec<KeyColumn, A>,
    /// Its `CREATE TABLE` statement when it declares a `CHECK`, a
    /// default computed for each row or a generated column, which is
    /// parsed again where rows are stored (a tree borrows its text).
    pub check_sql: Option<String<A>>,
    /// The schema it was read from, when known (see `cache`).
    pub version: Option<SchemaVersion>,
    /// Whether `rowid`, `oid` and `_rowid_` name its rowid: false for the
    /// rows of a subquery in `FROM`, which have none.
    pub has_rowid: bool,
    /// The table-valued function whose rows these are: its last columns
    /// are hidden from `*`, and its `value` column carries SQLite's JSON
    /// subtype on an array or object.
    pub function: Option<TableFunction>,
    /// Per column of a subquery's rows: whether its values may carry
    /// the JSON subtype (read from `json_each`'s `value`), which a JSON
    /// function reading them refuses; empty for a table.
    pub json_columns: Vec<bool, A>,
}

/// A table-valued function read as a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TableFunction {
    /// Which function.
    pub table: JsonTable,
    /// SQLite's number for its plan, which `EXPLAIN QUERY PLAN` shows:
    /// 0 without arguments, 1 with the document, 3 with a root path too.
    pub plan: u8,
}

impl<A: Allocator + Clone> TableInfo<A> {
    /// The rows of no B-tree (a subquery in `FROM`, a table-valued
    /// function) read as a table `name` of `columns` described by
    /// `meta`: no indexes, keys or constraints, never written.
    pub fn unstored(
        name: String<A>,
        columns: Vec<crate::schema::TableColumn<A>, A>,
        meta: Vec<ColumnMeta<A>, A>,
        has_rowid: bool,
        function: Option<TableFunction>,
        json_columns: Vec<bool, A>,
    ) -> Result<Self> {
        let alloc = meta.allocator().clone();
        Ok(TableInfo {
            name,
            side: Side::Main,
            root: SCHEMA_ROOT,
            columns: TableColumns {
                columns,
                stored_by: StoredBy::Rowid,
                rowid_alias: None,
                autoincrement: false,
                autoindexes: Vec::new_in(alloc.clone()),
                primary_autoindex: None,
                autoindex_conflicts: Vec::new_in(alloc.clone()),
                key_conflict: None,
                sql: None,
            },
            meta,
            indexes: Vec::new_in(alloc.clone()),
            keyed_indexes: Vec::new_in(alloc.clone()),
            primary: None,
            key_len: 0,
            unwritable: None,
            record_keys: Vec::new_in(alloc),
            check_sql: None,
            version: None,
            has_rowid,
            function,
            json_columns,
        })
    }

    /// The table `name` of `schema` (the schema table itself under
    /// `sqlite_master` or `sqlite_schema`); `no such table: name` when
    /// there is none.
    pub fn load(schema: &Schema<A>, name: &str, alloc: A) -> Result<Self> {
        let (name, root, sql) = match schema.table(name) {
            Some(entry) => {
                let root = entry
                    .root
                    .ok_or(Error::Sql("virtual tables are not supported"))?;
                let sql = entry.table_sql()?;
                (entry.name.as_str(), root, sql)
            }
            None if SCHEMA_TABLE_NAMES
                .iter()
                .any(|n| n.eq_ignore_ascii_case(name)) =>
            {
                (name, SCHEMA_ROOT, SCHEMA_TABLE_SQL)
            }
            // Every read of a view's name finds the view first (see
            // `exec::views`), so a view met here is one being changed.
            None if schema.find(name).is_some_and(|e| e.kind == EntryKind::View) => {
                return Err(Named::ModifyView.error(name));
            }
            None => return Err(Named::NoSuchTable.error(name)),
        };
        // One parse serves both the schema's description and the storage
        // rules, so the two cannot disagree about the columns.
        let (columns, meta, has_checks) = {
            let parsed = parse_stored(sql, alloc.clone())?;
            let create = created_table(&parsed)?;
            let columns = TableColumns::stored_as(create, alloc.clone())?.keep_sql(sql)?;
            let TableBody::Columns {
                columns: defs,
                strict,
                ..
            } = &create.body
            else {
                return Err(Error::Sql("CREATE TABLE ... AS SELECT is not supported"));
            };
            (
                columns,
                column_meta(defs, *strict, alloc.clone())?,
                has_check(&create.body),
            )
        };
        let mut meta = meta;
        if let Some(key) = columns
            .primary_autoindex
            .and_then(|at| columns.autoindexes.get(at))
        {
            // The key of a WITHOUT ROWID table is NOT NULL, said or not.
            let keyed = columns.stored_by == StoredBy::PrimaryKey;
            for column in key.iter().filter(|_| keyed) {
                if let ColumnSource::Column(i) = column.source {
                    if let Some(m) = meta.get_mut(i) {
                        m.not_null = true;
                    }
                }
            }
        }
        let per_row = meta.iter().any(|m| m.default_kind == DefaultKind::PerRow);
        let generated = columns.columns.iter().any(|c| c.generated);
        let check_sql = match has_checks || per_row || generated {
            true => Some(String::try_from_str_in(sql, alloc.clone())?),
            false => None,
        };
        let mut indexes = Vec::new_in(alloc.clone());
        let mut keyed_indexes = Vec::new_in(alloc.clone());
        let record_keys = record_keys(&columns, alloc.clone())?;
        let keyed = columns.stored_by == StoredBy::PrimaryKey;
        let mut unwritable = match keyed && record_keys.is_empty() {
            true => Some(
                "changing the rows of a WITHOUT ROWID table whose key has an unknown collation is not supported",
            ),
            false => None,
        };
        for index in schema.indexes_of(name) {
            let Some(index_root) = index.root else {
                continue;
            };
            let index_columns = match index_columns_of(index, &columns, alloc.clone()) {
                Ok(index_columns) => index_columns,
                Err(Error::Sql(_) | Error::Corrupt { .. }) if keyed => {
                    unwritable = Some(UNKNOWN_INDEX);
                    continue;
                }
                Err(e) => return Err(e),
            };
            let evaluated = index_columns.partial || !index_columns.is_plain(&columns);
            if keyed && (evaluated || !index_columns.is_plain(&columns)) {
                // The rows are still read by a scan.
                unwritable = Some(UNKNOWN_INDEX);
                continue;
            }
            if index_columns.columns.iter().any(|c| c.collation.is_none()) {
                return Err(Error::Sql(
                    "tables with indexes in collations this engine does not know are not supported",
                ));
            }
            let mut keys = Vec::new_in(alloc.clone());
            index_columns.key_columns(true, &mut keys)?;
            let mut tail = Vec::new_in(alloc.clone());
            columns.entry_tail(&index_columns, index.sql.is_none(), &mut tail)?;
            keys.try_reserve(tail.len())?;
            for column in tail.iter() {
                keys.try_push(KeyColumn {
                    order: column.order,
                    collation: column.collation.unwrap_or_default(),
                })?;
            }
            let sql = match (evaluated, index.sql.as_deref()) {
                (true, Some(sql)) => Some(String::try_from_str_in(sql, alloc.clone())?),
                _ => None,
            };
            let info = IndexInfo {
                name: String::try_from_str_in(&index.name, alloc.clone())?,
                root: index_root,
                columns: index_columns,
                keys,
                tail,
                sql,
            };
            match keyed {
                true => keyed_indexes.try_push(info)?,
                false => indexes.try_push(info)?,
            }
        }
        let key_len = match keyed {
            true => key_len(&columns),
            false => 0,
        };
        let resolved = |c: &Option<Conflict>| c.is_some_and(|c| c != Conflict::Abort);
        if keyed && columns.autoindex_conflicts.iter().any(resolved) {
            unwritable = Some(KEYED_CONFLICTS);
        }
        let primary = match keyed {
            true => primary_index(&columns, root, &record_keys, alloc.clone())?,
            false => None,
        };
        Ok(TableInfo {
            name: String::try_from_str_in(name, alloc.clone())?,
            side: Side::Main,
            root,
            columns,
            meta,
            indexes,
            keyed_indexes,
            primary,
            key_len,
            unwritable,
            record_keys,
            check_sql,
            version: None,
            has_rowid: !keyed,
            function: None,
            json_columns: Vec::new_in(alloc),
        })
    }

    /// How many columns the table declares.
    pub fn column_count(&self) -> usize {
        self.meta.len()
    }

    /// How many of its columns, the first ones, `*` stands for.
    pub fn star_count(&self) -> usize {
        match self.function {
            Some(_) => crate::sql::eval::json::SHOWN.min(self.column_count()),
            None => self.column_count(),
        }
    }
}

impl<A: Allocator> TableInfo<A> {
    /// Its unique indexes in the order a row's keys are checked: the
    /// index made last first, as SQLite lists a table's indexes newest
    /// first, and those whose constraint resolves by `REPLACE` after the
    /// rest (which one a row that repeats two keys fails on).
    pub fn unique_in_check_order(&self) -> impl Iterator<Item = &IndexInfo<A>> + Clone {
        let replaced_last = |replace: bool| {
            move |i: &&IndexInfo<A>| {
                i.columns.unique && (i.columns.conflict == Some(Conflict::Replace)) == replace
            }
        };
        let unique = self.indexes.iter().rev();
        unique
            .clone()
            .filter(replaced_last(false))
            .chain(unique.filter(replaced_last(true)))
    }

    /// Whether its rows are keyed by rowid (not a `WITHOUT ROWID` table).
    pub fn has_rowid(&self) -> bool {
        self.columns.stored_by == StoredBy::Rowid
    }

    /// The trees plans may seek, by position: `indexes` for a rowid
    /// table; for a `WITHOUT ROWID` one its primary key (when its
    /// collations are known), then `keyed_indexes`.
    pub fn seekable(&self) -> SeekTrees<'_, A> {
        match self.columns.stored_by {
            StoredBy::Rowid => SeekTrees {
                primary: None,
                rest: &self.indexes,
            },
            StoredBy::PrimaryKey => SeekTrees {
                primary: self.primary.as_ref(),
                rest: &self.keyed_indexes,
            },
        }
    }

    /// The indexes kept in step with its rows: `keyed_indexes` for a
    /// `WITHOUT ROWID` table, else `indexes`.
    pub fn maintained(&self) -> &[IndexInfo<A>] {
        match self.columns.stored_by {
            StoredBy::PrimaryKey => &self.keyed_indexes,
            StoredBy::Rowid => &self.indexes,
        }
    }

    /// Refuses a change to the rows of this table when it is the schema
    /// table, which only schema statements change (SQLite's words).
    pub fn check_writable(&self) -> Result<()> {
        if self.root == SCHEMA_ROOT {
            return Err(Error::Sql("table sqlite_master may not be modified"));
        }
        if let Some(refused) = self.unwritable {
            return Err(Error::Sql(refused));
        }
        Ok(())
    }

    /// Whether this is the table `name` as the schema `version` has it
    /// (never, when the schema it was read from is not known).
    pub fn is(&self, name: &Ident<'_>, version: SchemaVersion) -> bool {
        self.version == Some(version) && name.eq_ignore_ascii_case(&self.name)
    }
}

/// How the records of the table of `columns` compare when it is a
/// `WITHOUT ROWID` table (see [`TableInfo::record_keys`]).
fn record_keys<A: Allocator + Clone>(
    columns: &TableColumns<A>,
    alloc: A,
) -> Result<Vec<KeyColumn, A>> {
    let mut keys = Vec::new_in(alloc.clone());
    let key = match columns.stored_by {
        StoredBy::Rowid => return Ok(keys),
        StoredBy::PrimaryKey => columns
            .primary_autoindex
            .and_then(|at| columns.autoindexes.get(at)),
    };
    let Some(key) = key else {
        return Ok(keys);
    };
    let mut stored = Vec::try_with_capacity_in(key.len(), alloc)?;
    for column in key.iter() {
        // A column the key names twice is stored once (see `declared`).
        if !stored.contains(&column.source) {
            stored.try_push(column.source)?;
            if column.collation.is_none() {
                keys.clear();
                return Ok(keys);
            }
            keys.try_push(KeyColumn {
                order: column.order,
                collation: column.collation.unwrap_or_default(),
            })?;
        }
    }
    let rest = columns.columns.iter().filter(|c| c.storage.is_some());
    for _ in rest.skip(keys.len()) {
        keys.try_push(KeyColumn::default())?;
    }
    Ok(keys)
}

/// The B-tree of the `WITHOUT ROWID` table of `columns` at `root`, whose
/// records compare by `record_keys`, described as a unique index on its
/// primary key; `None` when its key's collations are not all known
/// (`record_keys` empty).
fn primary_index<A: Allocator + Clone>(
    columns: &TableColumns<A>,
    root: PageNo,
    record_keys: &[KeyColumn],
    alloc: A,
) -> Result<Option<IndexInfo<A>>> {
    let key = columns
        .primary_autoindex
        .and_then(|at| columns.autoindexes.get(at));
    let Some(key) = key.filter(|_| !record_keys.is_empty()) else {
        return Ok(None);
    };
    let mut key_columns = Vec::try_with_capacity_in(key.len(), alloc.clone())?;
    key_columns.try_extend_from_slice(key)?;
    let mut keys = Vec::try_with_capacity_in(record_keys.len(), alloc.clone())?;
    keys.try_extend_from_slice(record_keys)?;
    Ok(Some(IndexInfo {
        name: String::try_from_str_in("PRIMARY KEY", alloc.clone())?,
        root,
        columns: IndexColumns {
            columns: key_columns,
            unique: true,
            partial: false,
            conflict: None,
        },
        keys,
        tail: Vec::new_in(alloc),
        sql: None,
    }))
}

/// Why a `WITHOUT ROWID` table with an index whose entries this engine
/// cannot build is not written.
const UNKNOWN_INDEX: &str =
    "changing the rows of WITHOUT ROWID tables with expression or partial indexes is not supported";

/// How many record columns the primary key of `columns`, a `WITHOUT
/// ROWID` table, stores: each column once (see `declared`).
fn key_len<A: Allocator>(columns: &TableColumns<A>) -> usize {
    let key = columns
        .primary_autoindex
        .and_then(|at| columns.autoindexes.get(at))
        .map(Vec::as_slice)
        .unwrap_or_default();
    key.iter()
        .enumerate()
        .filter(|(k, c)| {
            let before = key.get(..*k).unwrap_or_default();
            !before.iter().any(|b| b.source == c.source)
        })
        .count()
}

/// Whether `body` declares a `CHECK` constraint.
fn has_check<A: Allocator>(body: &TableBody<'_, A>) -> bool {
    let TableBody::Columns {
        columns,
        constraints,
        ..
    } = body
    else {
        return false;
    };
    let on_column = columns.iter().any(|c| {
        c.constraints
            .iter()
            .any(|k| matches!(k.kind, ColumnConstraintKind::Check(_)))
    });
    on_column
        || constraints
            .iter()
            .any(|k| matches!(k.kind, TableConstraintKind::Check(_)))
}

/// Whether `expr` calls `random()` or `randomblob()`, whose value
/// differs from row to row, or reads the time (`CURRENT_TIMESTAMP`, a
/// date and time function, which may name `'now'`): such a default is
/// computed for each row stored, with the statement's clock.
fn calls_random<A: Allocator>(expr: &Expr<'_, A>) -> bool {
    const PER_ROW: [&str; 9] = [
        "random",
        "randomblob",
        "date",
        "time",
        "datetime",
        "julianday",
        "unixepoch",
        "strftime",
        "timediff",
    ];
    match expr {
        Expr::Literal(Literal::CurrentTime | Literal::CurrentDate | Literal::CurrentTimestamp) => {
            true
        }
        Expr::Function(f) => {
            PER_ROW.iter().any(|n| f.name.eq_ignore_ascii_case(n))
                || matches!(&f.args, FunctionArgs::List(args) if args.iter().any(calls_random))
        }
        Expr::Unary(_, inner) | Expr::Collate(inner, _) => calls_random(inner),
        Expr::IsNull { expr, .. } => calls_random(expr),
        Expr::Cast(c) => calls_random(&c.expr),
        Expr::Binary(b) => calls_random(&b.lhs) || calls_random(&b.rhs),
        Expr::Between(b) => calls_random(&b.expr) || calls_random(&b.low) || calls_random(&b.high),
        Expr::InList(l) => calls_random(&l.expr) || l.list.iter().any(calls_random),
        Expr::Like(l) => {
            calls_random(&l.expr)
                || calls_random(&l.pattern)
                || l.escape.as_ref().is_some_and(calls_random)
        }
        Expr::Case(c) => {
            c.operand.as_ref().is_some_and(calls_random)
                || c.arms
                    .iter()
                    .any(|a| calls_random(&a.when) || calls_random(&a.then))
                || c.otherwise.as_ref().is_some_and(calls_random)
        }
        Expr::Row(items) => items.iter().any(calls_random),
        _ => false,
    }
}

/// The value a row stored before `column` was added reads in it, whose
/// default is `expr` (written `text`), as SQLite's `sqlite3ValueFromExpr`
/// makes it: the default with the column's affinity, but a real (or a
/// decimal integer too large for 64 bits), under at most one minus, is
/// taken from its text as written, which a TEXT column keeps (`'1.50'`,
/// `'-1e3'`).
fn added_default<A: Allocator + Clone>(
    expr: &Expr<'_, A>,
    text: &str,
    column: &ColumnMeta<A>,
    alloc: &A,
) -> Result<Value<A>> {
    let real = |e: &Expr<'_, A>| matches!(e, Expr::Literal(Literal::Real(_)));
    // SQLite's parser drops a unary plus before a default's term.
    let expr = match expr {
        Expr::Unary(UnaryOp::Plus, inner) => inner,
        e => e,
    };
    let written = match expr {
        Expr::Unary(UnaryOp::Neg, inner) if real(inner) => number_text(text, true),
        e if real(e) => number_text(text, false),
        _ => None,
    };
    match (written, column.affinity) {
        (Some((sign, digits)), Affinity::Text) => {
            let mut value = Vec::try_with_capacity_in(sign.len() + digits.len(), alloc.clone())?;
            value.try_extend_from_slice(sign.as_bytes())?;
            value.try_extend_from_slice(digits.as_bytes())?;
            Ok(Value::Text(value))
        }
        _ => Ok(with_affinity(&column.default, column.affinity, alloc)?
            .map_or_else(|| column.default.try_clone(), Ok)?),
    }
}

/// The sign (`-` under `negated`) and the number token of a default's
/// text: the first run of digits, `.`, and an exponent.
fn number_text(text: &str, negated: bool) -> Option<(&'static str, &str)> {
    let start = text.find(|c: char| c.is_ascii_digit() || c == '.')?;
    let rest = text.get(start..)?;
    let bytes = rest.as_bytes();
    let mut end = 0;
    while let Some(&b) = bytes.get(end) {
        let after_exponent = end > 0 && matches!(bytes.get(end - 1), Some(b'e' | b'E'));
        if b.is_ascii_digit()
            || b == b'.'
            || b == b'e'
            || b == b'E'
            || (after_exponent && (b == b'+' || b == b'-'))
        {
            end += 1;
        } else {
            break;
        }
    }
    Some((if negated { "-" } else { "" }, rest.get(..end)?))
}

/// Checks the defaults `defs` declare as SQLite does when it creates a
/// table: each is a constant (or one evaluated per row).
pub(crate) fn check_defaults<A: Allocator + Clone>(
    defs: &[ColumnDef<'_, A>],
    alloc: A,
) -> Result<()> {
    column_meta(defs, false, alloc).map(drop)
}

/// The storage rules of each column `defs` declares.
fn column_meta<A: Allocator + Clone>(
    defs: &[ColumnDef<'_, A>],
    strict: bool,
    alloc: A,
) -> Result<Vec<ColumnMeta<A>, A>> {
    let ctx = ConstantContext::new(alloc.clone(), 1);
    let mut meta = Vec::try_with_capacity_in(defs.len(), alloc.clone())?;
    for def in defs {
        let datatype = match strict {
            true => Some(
                Datatype::declared(def.type_name.as_ref()).ok_or(Error::Corrupt {
                    page: None,
                    reason: "a STRICT table's column declares no datatype",
                })?,
            ),
            false => None,
        };
        let mut column = ColumnMeta {
            // `ANY` has no affinity in a STRICT table, NUMERIC elsewhere.
            affinity: datatype.map_or(affinity_of(def.type_name.as_ref()), Datatype::affinity),
            compared: true,
            not_null: false,
            null_conflict: None,
            datatype,
            default: Value::Null,
            default_kind: DefaultKind::Constant,
            added: Value::Null,
        };
        for constraint in def.constraints.iter() {
            match &constraint.kind {
                // The last NOT NULL's clause holds, as in SQLite.
                ColumnConstraintKind::NotNull { conflict } => {
                    column.not_null = true;
                    column.null_conflict = *conflict;
                }
                ColumnConstraintKind::Default(d) => {
                    // A bare name after DEFAULT is a string to SQLite; a
                    // name in parentheses reads a column.
                    let bare = !d.text.trim_start().starts_with('(');
                    column.default = match d.expr.as_column() {
                        Some(c) if c.table.is_none() && bare => {
                            let mut text = Vec::new_in(alloc.clone());
                            for ch in c.column.chars() {
                                let mut buf = [0u8; 4];
                                text.try_extend_from_slice(ch.encode_utf8(&mut buf).as_bytes())?;
                            }
                            Value::Text(text)
                        }
                        _ if calls_random(&d.expr) => {
                            column.default_kind = DefaultKind::PerRow;
                            Value::Null
                        }
                        // SQLite's words for a default that reads a column.
                        _ => evaluate(&d.expr, &ctx).map_err(|e| match e {
                            Error::Sql("no such column") => {
                                Error::Sql("default value of a column is not constant")
                            }
                            e => e,
                        })?,
                    };
                    column.added = added_default(&d.expr, d.text, &column, &alloc)?;
                }
                _ => {}
            }
        }
        meta.try_push(column)?;
    }
    Ok(meta)
}
