//! The pragmas that describe indexes, with SQLite's columns:
//!
//! - `index_list(t)`: per index of `t`, `(seq, name, unique, origin,
//!   partial)`, newest first as SQLite lists them (it reads the schema
//!   in order and puts each index ahead of those before it); `origin` is
//!   `c` for `CREATE INDEX`, `u` for a `UNIQUE` constraint, `pk` for the
//!   `PRIMARY KEY`;
//! - `index_info(i)`: per key column, `(seqno, cid, name)`;
//! - `index_xinfo(i)`: per key column and then the rowid that ends every
//!   entry, `(seqno, cid, name, desc, coll, key)`.
//!
//! `cid` is the table column's position, -2 for an expression (whose
//! `name` is NULL), -1 for the rowid. A name that is no table (or no
//! index) gives no rows, as SQLite gives none. `coll` is the collation's
//! name in capitals (`NOCASE`), where SQLite repeats the spelling of the
//! `COLLATE` clause (`nocase`): the same collation, as SQLite compares
//! collation names without regard to case.

use crate::alloc::{Allocator, Vec};
use crate::record::{Collation, SortOrder};
use crate::schema::{
    ColumnSource, EntryKind, Schema, SchemaEntry, index_columns_of, table_columns,
};
use crate::sql::eval::Value;
use crate::{Error, Result};

use super::pragma::Rows;

/// How much of an index `index_info` and `index_xinfo` describe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Detail {
    /// `index_info`: the key columns, three values each.
    Keys,
    /// `index_xinfo`: the key columns and the rowid, six values each.
    Extended,
}

/// `index_list(name)` into `rows`.
pub(crate) fn index_list<A: Allocator + Clone>(
    schema: &Schema<A>,
    name: &str,
    rows: &mut Rows<A>,
) -> Result<()> {
    let alloc = rows.allocator().clone();
    let Some(table) = schema.table(name) else {
        return Ok(());
    };
    let sql = table.table_sql()?;
    let columns = table_columns(sql, alloc.clone())?;
    let indexes: Vec<_, A> = {
        let mut list = Vec::new_in(alloc.clone());
        for index in schema.indexes_of(&table.name) {
            list.try_push(index)?;
        }
        list
    };
    for (seq, index) in indexes.iter().rev().enumerate() {
        let described = index_columns_of(index, &columns, alloc.clone())?;
        let origin: &[u8] = match autoindex_number(index) {
            None => b"c",
            Some(n) if columns.primary_autoindex == Some(n) => b"pk",
            Some(_) => b"u",
        };
        let mut row = Vec::try_with_capacity_in(5, alloc.clone())?;
        row.try_push(Value::Integer(to_i64(seq)))?;
        row.try_push(Value::try_text(index.name.as_bytes(), alloc.clone())?)?;
        row.try_push(Value::Integer(described.unique.into()))?;
        row.try_push(Value::try_text(origin, alloc.clone())?)?;
        row.try_push(Value::Integer(described.partial.into()))?;
        rows.try_push(row)?;
    }
    Ok(())
}

/// `index_info(name)` or `index_xinfo(name)`, as `detail` says, into
/// `rows`.
pub(crate) fn index_info<A: Allocator + Clone>(
    schema: &Schema<A>,
    name: &str,
    detail: Detail,
    rows: &mut Rows<A>,
) -> Result<()> {
    let alloc = rows.allocator().clone();
    let Some(index) = schema.find(name).filter(|e| e.kind == EntryKind::Index) else {
        return Ok(());
    };
    let table = schema
        .table(&index.table)
        .ok_or(Error::Sql("no such table"))?;
    let sql = table.table_sql()?;
    let columns = table_columns(sql, alloc.clone())?;
    let described = index_columns_of(index, &columns, alloc.clone())?;
    let width = match detail {
        Detail::Keys => 3,
        Detail::Extended => 6,
    };
    for (seqno, key) in described.columns.iter().enumerate() {
        let (cid, column) = match key.source {
            ColumnSource::Column(i) => (to_i64(i), columns.columns.get(i)),
            ColumnSource::Expression => (-2, None),
        };
        let mut row = Vec::try_with_capacity_in(width, alloc.clone())?;
        row.try_push(Value::Integer(to_i64(seqno)))?;
        row.try_push(Value::Integer(cid))?;
        row.try_push(match column {
            Some(c) => Value::try_text(c.name.as_bytes(), alloc.clone())?,
            None => Value::Null,
        })?;
        if detail == Detail::Extended {
            let collation = key.collation.ok_or(Error::Sql(
                "index uses a collation this engine does not know",
            ))?;
            row.try_push(Value::Integer((key.order == SortOrder::Desc).into()))?;
            row.try_push(Value::try_text(collation_name(collation), alloc.clone())?)?;
            row.try_push(Value::Integer(1))?;
        }
        rows.try_push(row)?;
    }
    if detail == Detail::Extended {
        let mut row = Vec::try_with_capacity_in(width, alloc.clone())?;
        row.try_push(Value::Integer(to_i64(described.columns.len())))?;
        row.try_push(Value::Integer(-1))?;
        row.try_push(Value::Null)?;
        row.try_push(Value::Integer(0))?;
        row.try_push(Value::try_text(b"BINARY", alloc.clone())?)?;
        row.try_push(Value::Integer(0))?;
        rows.try_push(row)?;
    }
    Ok(())
}

/// The position in its table's automatic indexes of `index`
/// (`sqlite_autoindex_<table>_<N>` is `N - 1`), if it is one.
fn autoindex_number<A: Allocator + Clone>(index: &SchemaEntry<A>) -> Option<usize> {
    if !index.is_autoindex() {
        return None;
    }
    let (_, number) = index.name.rsplit_once('_')?;
    number.parse::<usize>().ok()?.checked_sub(1)
}

/// The name of `collation`, as SQLite spells its built-in ones.
fn collation_name(collation: Collation) -> &'static [u8] {
    match collation {
        Collation::Binary => b"BINARY",
        Collation::NoCase => b"NOCASE",
        Collation::RTrim => b"RTRIM",
    }
}

/// A count as an SQL integer.
fn to_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
