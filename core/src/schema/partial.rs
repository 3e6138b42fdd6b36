//! The `WHERE` clause of a partial index (`CREATE INDEX ... WHERE
//! expr`): which stored rows have an entry in the index. As in SQLite, a
//! row has one exactly when the clause is true for it; false and NULL
//! leave it out, and a `UNIQUE` partial index constrains only the rows it
//! holds.
//!
//! The clause is read from the index's stored `CREATE INDEX` text and
//! evaluated on the row's record, its columns read as a query reads them:
//! the rowid alias (and `rowid`, `oid`, `_rowid_`) as the rowid, an
//! integer in a REAL column as a real, a column the record is too short
//! to hold (a row stored before `ALTER TABLE ... ADD COLUMN`) as NULL.
//! `CREATE INDEX` has checked that the clause reads only its table's
//! columns and calls no function whose value changes from call to call
//! (`exec::ddl`), so its value depends on the row alone.
//!
//! Invariant: the text is parsed each time a row is tested, as the layers
//! that keep indexes in step hold no parsed tree from one row to the
//! next; testing a row allocates that tree and what evaluating it does.
//! A column whose value needs SQL evaluated (a virtual generated column,
//! the `DEFAULT` of a column the record lacks) is refused by name.

use crate::alloc::Allocator;
use crate::record::{Collation, RecordRef, ValueRef};
use crate::sql::eval::affinity::read_real;
use crate::sql::eval::{EvalContext, evaluate_condition};
use crate::sql::{Affinity, ColumnRef, ParamNo, Stmt};
use crate::{Error, Result, RowId};

use super::columns::TableColumns;
use super::declared::parse_stored;

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
    let Stmt::CreateIndex(create) = &parsed.stmt else {
        return Err(Error::Sql("schema SQL is not CREATE INDEX"));
    };
    let Some(clause) = &create.where_clause else {
        return Ok(true);
    };
    let ctx = StoredRow {
        table,
        row,
        rowid,
        alloc,
    };
    Ok(evaluate_condition(clause, &ctx)? == Some(true))
}

/// What a column of a stored row is, as an index's clause names it.
enum Column {
    /// The rowid, by one of its names or through the alias.
    Rowid,
    /// The column at this position of the table.
    At(usize),
}

/// The expression context of one stored row.
struct StoredRow<'c, 'r, B: Allocator, A> {
    table: &'c TableColumns<B>,
    row: &'c RecordRef<'r>,
    rowid: RowId,
    alloc: A,
}

impl<B: Allocator, A> StoredRow<'_, '_, B, A> {
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
        let Some(at) = def.storage else {
            return Err(Error::Sql(
                "partial indexes over virtual generated columns are not supported",
            ));
        };
        if at >= self.row.column_count() {
            return match def.has_default {
                true => Err(Error::Sql(
                    "partial indexes over rows stored before their column's DEFAULT are not supported",
                )),
                false => Ok(ValueRef::Null),
            };
        }
        let value = self.row.column(at)?;
        Ok(match def.affinity {
            Affinity::Real => read_real(value),
            _ => value,
        })
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
        Err(Error::Sql(
            "parameters prohibited in partial index WHERE clauses",
        ))
    }

    fn random(&self) -> i64 {
        0
    }
}
