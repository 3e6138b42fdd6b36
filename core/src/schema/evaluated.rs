//! What an index's SQL says to evaluate on a stored row: the `WHERE` of
//! a partial index (`CREATE INDEX ... WHERE expr`), which says which rows
//! have an entry, and the expressions of an index on expressions
//! (`CREATE INDEX ... ON t(lower(b), a + 1)`), which make the entry.
//!
//! As in SQLite, a row has an entry in a partial index exactly when the
//! clause is true for it; false and NULL leave it out, and a `UNIQUE`
//! partial index constrains only the rows it holds. A key expression's
//! value is stored as the expression gives it (a `CAST` has converted
//! it; no other affinity applies), a plain column's as the row stores it.
//!
//! Both are read from the index's stored `CREATE INDEX` text and
//! evaluated on the row's record, its columns read as a query reads them:
//! the rowid alias (and `rowid`, `oid`, `_rowid_`) as the rowid, an
//! integer in a REAL column as a real, a column the record is too short
//! to hold (a row stored before `ALTER TABLE ... ADD COLUMN`) as NULL.
//! `CREATE INDEX` has checked that they read only their table's columns
//! and call no function whose value changes from call to call
//! (`exec::index_where`), so their values depend on the row alone.
//!
//! Invariant: the text is parsed each time a row is tested or its entry
//! built, as the layers that keep indexes in step hold no parsed tree
//! from one row to the next; that allocates the tree and what evaluating
//! it does, and a virtual generated column is computed from the row's
//! other values (`generated`). The `DEFAULT` of a column the record
//! lacks is refused by name.

use core::cell::OnceCell;

use crate::alloc::{Allocator, Vec};
use crate::record::{Collation, RecordRef, ValueRef, encode_into};
use crate::sql::eval::affinity::read_real;
use crate::sql::eval::{EvalContext, Value, evaluate, evaluate_condition};
use crate::sql::{Affinity, ColumnRef, CreateIndex, Expr, ParamNo, Parsed, Stmt};
use crate::{Error, Result, RowId};

use super::columns::{ColumnSource, IndexColumns, TableColumns};
use super::declared::parse_stored;
use super::generated::{VirtualRow, virtual_row};
use super::key::value_of;

/// Whether the row `rowid`, whose record is `row`, of the table of
/// `table` has an entry in the partial index whose `CREATE INDEX` text
/// is `sql`. An index without a `WHERE` holds every row.
pub fn row_in_index<A: Allocator + Clone, B: Allocator>(
    sql: &str,
    table: &TableColumns<B>,
    row: &RecordRef<'_>,
    rowid: RowId,
    alloc: A,
) -> Result<bool> {
    let parsed = parse_stored(sql, alloc.clone())?;
    let Some(clause) = &created_index(&parsed)?.where_clause else {
        return Ok(true);
    };
    let ctx = StoredRow {
        table,
        row,
        rowid,
        alloc,
        virtual_row: OnceCell::new(),
    };
    Ok(evaluate_condition(clause, &ctx)? == Some(true))
}

/// Replaces `out` with the entry row `rowid` (whose record is `row`) of
/// the table of `table` has in the rowid table's index of `index`, whose
/// `CREATE INDEX` text is `sql`: each key column's value, evaluated when
/// it is an expression or a virtual generated column, then the rowid.
pub fn build_evaluated_key<A: Allocator + Clone, B: Allocator, C: Allocator>(
    sql: &str,
    (table, index): (&TableColumns<B>, &IndexColumns<C>),
    row: &RecordRef<'_>,
    rowid: RowId,
    out: &mut Vec<u8, A>,
) -> Result<()> {
    let alloc = out.allocator().clone();
    let parsed = parse_stored(sql, alloc.clone())?;
    let create = created_index(&parsed)?;
    let ctx = StoredRow {
        table,
        row,
        rowid,
        alloc: alloc.clone(),
        virtual_row: OnceCell::new(),
    };
    let mut values: Vec<Value<A>, A> = Vec::try_with_capacity_in(index.columns.len() + 1, alloc)?;
    for (column, item) in index.columns.iter().zip(create.columns.iter()) {
        let value = match column.source {
            ColumnSource::Column(i) if table.columns.get(i).is_some_and(is_virtual) => {
                Value::try_from_ref(ctx.computed(i)?, ctx.alloc.clone())?
            }
            ColumnSource::Column(_) => {
                let value =
                    value_of(table, column, row, rowid.get())?.ok_or(Error::Sql(NEEDS_DEFAULT))?;
                Value::try_from_ref(value, ctx.alloc.clone())?
            }
            ColumnSource::Expression => evaluate(without_collate(&item.expr), &ctx)?,
        };
        values.try_push(value)?;
    }
    if values.len() != index.columns.len() {
        return Err(Error::Misuse("an index's key and its text disagree"));
    }
    values.try_push(Value::Integer(rowid.get()))?;
    out.clear();
    let mut refs: Vec<ValueRef<'_>, A> =
        Vec::try_with_capacity_in(values.len(), ctx.alloc.clone())?;
    for value in values.iter() {
        refs.try_push(value.as_ref())?;
    }
    Ok(encode_into(&refs, out)?)
}

/// Whether `column` is a virtual generated column, which the record
/// does not hold.
fn is_virtual<B: Allocator>(column: &super::columns::TableColumn<B>) -> bool {
    column.generated && column.storage.is_none()
}

/// `expr` less the `COLLATE`s around it, which give the key column its
/// collation and do not change its value.
fn without_collate<'e, 'a, A: Allocator>(mut expr: &'e Expr<'a, A>) -> &'e Expr<'a, A> {
    while let Expr::Collate(inner, _) = expr {
        expr = inner;
    }
    expr
}

/// The `CREATE INDEX` statement `parsed` holds.
fn created_index<'p, 'a, A: Allocator>(
    parsed: &'p Parsed<'a, A>,
) -> Result<&'p CreateIndex<'a, A>> {
    match &parsed.stmt {
        Stmt::CreateIndex(create) => Ok(create),
        _ => Err(Error::Sql("schema SQL is not CREATE INDEX")),
    }
}

/// Why a row stored before its column was added cannot be indexed here.
const NEEDS_DEFAULT: &str =
    "indexes over rows stored before their column's DEFAULT are not supported";

/// What a column of a stored row is, as an index's clause names it.
enum Column {
    /// The rowid, by one of its names or through the alias.
    Rowid,
    /// The column at this position of the table.
    At(usize),
}

/// The expression context of one stored row.
struct StoredRow<'c, 'r, B: Allocator, A: Allocator> {
    table: &'c TableColumns<B>,
    row: &'c RecordRef<'r>,
    rowid: RowId,
    alloc: A,
    /// The row's values with its virtual columns computed, once one is
    /// read.
    virtual_row: OnceCell<VirtualRow<A>>,
}

impl<B: Allocator, A: Allocator + Clone> StoredRow<'_, '_, B, A> {
    /// The value of column `i`, which the record stores.
    fn stored(&self, i: usize) -> Result<ValueRef<'_>> {
        let def = self
            .table
            .columns
            .get(i)
            .ok_or(Error::Misuse("a column past its table's columns"))?;
        let at = def
            .storage
            .ok_or(Error::Misuse("a virtual column read from a record"))?;
        if at >= self.row.column_count() {
            return match def.has_default {
                true => Err(Error::Sql(NEEDS_DEFAULT)),
                false => Ok(ValueRef::Null),
            };
        }
        let value = self.row.column(at)?;
        Ok(match def.affinity {
            Affinity::Real => read_real(value),
            _ => value,
        })
    }

    /// The value of column `i`, a virtual generated column, computed
    /// with the row's others the first time one is read.
    fn computed(&self, i: usize) -> Result<ValueRef<'_>> {
        if self.virtual_row.get().is_none() {
            let row = virtual_row(
                self.table,
                |j| Ok(Value::try_from_ref(self.stored(j)?, self.alloc.clone())?),
                self.rowid,
                self.alloc.clone(),
            )?;
            let _ = self.virtual_row.set(row);
        }
        self.virtual_row
            .get()
            .ok_or(Error::Misuse("a row's virtual columns not computed"))?
            .value(self.table, i)
    }
}

impl<B: Allocator, A: Allocator> StoredRow<'_, '_, B, A> {
    /// The column `column` names; the table's own column before the
    /// rowid's names, as SQLite resolves them.
    fn named(&self, column: &ColumnRef<'_>) -> Result<Column> {
        let name = &column.column;
        match self
            .table
            .columns
            .iter()
            .position(|c| name.eq_ignore_ascii_case(&c.name))
        {
            Some(i) if self.table.rowid_alias == Some(i) => Ok(Column::Rowid),
            Some(i) => Ok(Column::At(i)),
            None if ["rowid", "oid", "_rowid_"]
                .iter()
                .any(|n| name.eq_ignore_ascii_case(n)) =>
            {
                Ok(Column::Rowid)
            }
            None => Err(column.unknown()),
        }
    }
}

impl<B: Allocator, A: Allocator + Clone> EvalContext<A> for StoredRow<'_, '_, B, A> {
    fn allocator(&self) -> A {
        self.alloc.clone()
    }

    fn column(&self, column: &ColumnRef<'_>) -> Result<ValueRef<'_>> {
        let i = match self.named(column)? {
            Column::Rowid => return Ok(ValueRef::Integer(self.rowid.get())),
            Column::At(i) => i,
        };
        let def = self
            .table
            .columns
            .get(i)
            .ok_or(Error::Misuse("a column past its table's columns"))?;
        if def.storage.is_none() {
            return self.computed(i);
        }
        self.stored(i)
    }

    fn column_affinity(&self, column: &ColumnRef<'_>) -> Option<Affinity> {
        match self.named(column) {
            Ok(Column::At(i)) => self.table.columns.get(i).map(|c| c.affinity),
            _ => Some(Affinity::Integer),
        }
    }

    fn column_collation(&self, column: &ColumnRef<'_>) -> Collation {
        match self.named(column) {
            Ok(Column::At(i)) => self
                .table
                .columns
                .get(i)
                .and_then(|c| c.collation)
                .unwrap_or_default(),
            _ => Collation::Binary,
        }
    }

    fn param(&self, _number: ParamNo) -> Result<ValueRef<'_>> {
        Err(Error::Sql("parameters prohibited in index expressions"))
    }

    fn random(&self) -> i64 {
        0
    }
}
