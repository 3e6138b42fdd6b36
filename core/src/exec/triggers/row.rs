//! The `NEW` and `OLD` rows a trigger's statements and `WHEN` clause
//! read (`new.c`, `old.c`, `new.rowid`), as the context the statements'
//! own rows are nested in.
//!
//! As SQLite reads them: a column named without `new.` or `old.` is
//! never one of theirs; `new.c` and `old.c` compare with no affinity (a
//! trigger's column is not a table's), the rowid's aside, and with their
//! column's collation; the rowid alias reads the rowid.

use core::cell::Cell;

use boundlite_platform::Platform;

use crate::alloc::{Allocator, Vec};
use crate::btree::SeekMode;
use crate::record::{Collation, RecordRef, ValueRef};
use crate::sql::eval::affinity::read_real;
use crate::sql::eval::{EvalContext, Value, with_affinity};
use crate::sql::{Affinity, ColumnPos, ColumnRef, Ident, ParamNo};
use crate::{Error, Result, RowId};

use crate::exec::context::{RowContext, resolve};
use crate::exec::select::assign;
use crate::schema::generated::{Computed, computation_order, compute};
use crate::schema::{created_table, parse_stored};
use crate::table::{TableInfo, Writer};

/// One version of a row: its rowid and its values, one per column.
pub(crate) struct RowValues<'r, A: Allocator> {
    /// The rowid (-1 for a row to be inserted whose rowid is not chosen
    /// yet, as SQLite's `BEFORE INSERT` sees it).
    pub rowid: ValueRef<'r>,
    /// The values; the rowid alias's slot is not read.
    pub values: &'r [Value<A>],
}

// By hand: a derive would ask `A: Copy`, but only references are copied.
impl<A: Allocator> Clone for RowValues<'_, A> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<A: Allocator> Copy for RowValues<'_, A> {}

/// The row a trigger fires for.
pub(crate) struct TriggerRow<'r, A: Allocator> {
    /// The trigger's table.
    pub table: &'r TableInfo<A>,
    /// `OLD`, for `UPDATE` and `DELETE`.
    pub old: Option<RowValues<'r, A>>,
    /// `NEW`, for `INSERT` and `UPDATE`.
    pub new: Option<RowValues<'r, A>>,
    /// The allocator results are built in.
    pub alloc: A,
}

impl<'r, A: Allocator + Clone> TriggerRow<'r, A> {
    /// The version `column` names and where in it, if it names one.
    fn find(&self, column: &ColumnRef<'_>) -> Option<(RowValues<'r, A>, ColumnPos)> {
        let qualifier = column.table.as_ref()?;
        let (name, version) = if qualifier.eq_ignore_ascii_case("new") {
            ("new", self.new?)
        } else if qualifier.eq_ignore_ascii_case("old") {
            ("old", self.old?)
        } else {
            return None;
        };
        let pos = resolve(self.table, Some(&Ident::new(name)), column)?;
        Some((version, pos))
    }

    /// The value at `pos` of `version`.
    fn value(&self, version: RowValues<'r, A>, pos: ColumnPos) -> ValueRef<'r> {
        let i = match pos {
            ColumnPos::Rowid => return version.rowid,
            ColumnPos::Column(i) if self.table.columns.rowid_alias == Some(i) => {
                return version.rowid;
            }
            ColumnPos::Column(i) => i,
        };
        let value = version.values.get(i).map_or(ValueRef::Null, Value::as_ref);
        match self.table.meta.get(i) {
            // A whole real is held as an integer once stored.
            Some(m) if m.affinity == Affinity::Real => read_real(value),
            _ => value,
        }
    }
}

impl<A: Allocator + Clone> EvalContext<A> for TriggerRow<'_, A> {
    fn allocator(&self) -> A {
        self.alloc.clone()
    }

    fn column(&self, column: &ColumnRef<'_>) -> Result<ValueRef<'_>> {
        let (version, pos) = self.find(column).ok_or(Error::Sql("no such column"))?;
        Ok(self.value(version, pos))
    }

    fn column_affinity(&self, column: &ColumnRef<'_>) -> Option<Affinity> {
        match self.find(column) {
            Some((_, ColumnPos::Rowid)) => Some(Affinity::Integer),
            Some((_, ColumnPos::Column(i))) if self.table.columns.rowid_alias == Some(i) => {
                Some(Affinity::Integer)
            }
            _ => None,
        }
    }

    fn column_collation(&self, column: &ColumnRef<'_>) -> Collation {
        match self.find(column) {
            Some((_, ColumnPos::Column(i))) => self
                .table
                .columns
                .columns
                .get(i)
                .and_then(|c| c.collation)
                .unwrap_or_default(),
            _ => Collation::Binary,
        }
    }

    fn has_column(&self, column: &ColumnRef<'_>) -> bool {
        self.find(column).is_some()
    }

    fn param(&self, _number: ParamNo) -> Result<ValueRef<'_>> {
        // A trigger's text has no parameters (SQLite refuses them).
        Ok(ValueRef::Null)
    }

    fn random(&self) -> i64 {
        // Never asked: a statement's own context draws `random()`, and
        // reads this one for `new.` and `old.` columns alone.
        0
    }
}

/// Reads the values of row `rowid` of `table` into `values` (one per
/// column, buffers reused); `false` when the row is gone. Each column
/// `keep` picks is left as it is.
pub(crate) fn read_row<P: Platform, A: Allocator + Clone>(
    w: &Writer<'_, '_, P, A>,
    table: &TableInfo<A>,
    rowid: RowId,
    values: &mut Vec<Value<A>, A>,
    keep: &dyn Fn(usize) -> bool,
) -> Result<bool> {
    let alloc = w.allocator().clone();
    let mut cursor = w.table_cursor(table.root);
    if !cursor.seek(rowid, SeekMode::Eq)? {
        return Ok(false);
    }
    let payload = cursor.payload()?;
    let record = RecordRef::parse(&payload, Some(table.root))?;
    let random = Cell::new(0);
    let mut ctx = RowContext::new(alloc.clone(), &[], &random).with_table(table, None);
    ctx.on_row(rowid, record);
    values.try_resize_with(table.column_count(), || Value::Null)?;
    for (i, slot) in values.iter_mut().enumerate() {
        if !keep(i) {
            assign(slot, ctx.column_at(ColumnPos::Column(i))?, &alloc)?;
        }
    }
    Ok(true)
}

/// Copies `values` into `out` with their columns' affinity applied and
/// the generated columns computed (for the row `rowid`), as SQLite makes
/// `NEW` before `BEFORE` triggers fire.
pub(crate) fn with_affinities<A: Allocator + Clone>(
    table: &TableInfo<A>,
    (rowid, values): (RowId, &[Value<A>]),
    out: &mut Vec<Value<A>, A>,
    alloc: &A,
) -> Result<()> {
    out.try_resize_with(values.len(), || Value::Null)?;
    for ((slot, value), meta) in out.iter_mut().zip(values).zip(table.meta.iter()) {
        match with_affinity(value, meta.affinity, alloc)? {
            Some(v) => *slot = v,
            None => assign(slot, value.as_ref(), alloc)?,
        }
    }
    if table.columns.columns.iter().any(|c| c.generated) {
        let sql = table.check_sql.as_deref().ok_or(Error::Misuse(
            "a table with generated columns without its text",
        ))?;
        let parsed = parse_stored(sql, alloc.clone())?;
        let create = created_table(&parsed)?;
        let mut order = Vec::new_in(alloc.clone());
        computation_order(create, &table.columns, Computed::All, &mut order)?;
        compute(create, &table.columns, &order, out, rowid, alloc.clone())?;
    }
    Ok(())
}
