//! Generated columns (`[GENERATED ALWAYS] AS (expr) [VIRTUAL|STORED]`):
//! the order their values are computed in and the computing, over one
//! row's values.
//!
//! As in SQLite, a row's values are those of its ordinary columns (with
//! their affinities applied), and each generated column is computed from
//! them and from the generated columns already computed, then given its
//! declared type's affinity. [`computation_order`] follows SQLite's
//! `sqlite3ComputeGeneratedColumns`: passes in declaration order, each
//! computing every column whose expression reads no column still to be
//! computed, until a pass computes nothing; a column left then is in a
//! loop, and SQLite's error names the last one left. SQLite refuses a
//! loop among virtual columns when the table is created, as
//! [`check_virtual_loops`] does; a file an older SQLite made may hold
//! one, and a query that reads a column in it is refused as SQLite
//! refuses it ([`last_loop`]).
//!
//! Invariant: `CREATE TABLE` has checked each expression (`exec::ddl`):
//! it names only its table's columns, unqualified, and calls no function
//! whose value changes from call to call, so its value depends on the
//! row alone and evaluating it reads nothing but `values`.

use crate::alloc::{Allocator, Vec};
use crate::record::{Collation, ValueRef};
use crate::sql::eval::{EvalContext, Value, evaluate, with_affinity};
use crate::sql::{
    Affinity, ColumnConstraintKind, ColumnRef, CreateTable, Expr, ParamNo, TableBody,
};
use crate::{Error, Named, Result, RowId};

use super::columns::TableColumns;

/// Which generated columns a computation covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Computed {
    /// Every one: a row about to be stored.
    All,
    /// The virtual ones: a stored row read, whose record holds the rest.
    Virtual,
}

/// The expression of column `column` of `create`, when it is generated.
pub fn generated_expr<'p, 'a, A: Allocator>(
    create: &'p CreateTable<'a, A>,
    column: usize,
) -> Option<&'p Expr<'a, A>> {
    let TableBody::Columns { columns, .. } = &create.body else {
        return None;
    };
    columns
        .get(column)?
        .constraints
        .iter()
        .find_map(|c| match &c.kind {
            ColumnConstraintKind::Generated { expr, .. } => Some(expr),
            _ => None,
        })
}

/// Whether column `i` of `table` is one `which` computes.
fn covered<B: Allocator>(table: &TableColumns<B>, i: usize, which: Computed) -> bool {
    table.columns.get(i).is_some_and(|c| {
        c.generated
            && match which {
                Computed::All => true,
                Computed::Virtual => c.storage.is_none(),
            }
    })
}

/// Whether `expr` reads a column of `table` for which `f` is true.
fn reads<A: Allocator, B: Allocator>(
    expr: &Expr<'_, A>,
    table: &TableColumns<B>,
    f: &mut impl FnMut(usize) -> bool,
) -> bool {
    if let Expr::Column(c) = expr {
        return table
            .columns
            .iter()
            .position(|col| c.column.eq_ignore_ascii_case(&col.name))
            .is_some_and(f);
    }
    let mut found = false;
    let _ = expr.try_for_each_child(|e| {
        found = reads(e, table, f);
        match found {
            true => Err(()),
            false => Ok(()),
        }
    });
    found
}

/// Appends to `out` the generated columns of `table` (declared by
/// `create`) that `which` covers, in the order they are computed; an
/// error naming a column when some are in a loop.
pub fn computation_order<A: Allocator, B: Allocator, C: Allocator + Clone>(
    create: &CreateTable<'_, A>,
    table: &TableColumns<B>,
    which: Computed,
    out: &mut Vec<usize, C>,
) -> Result<()> {
    match order_of(create, table, which, out)? {
        None => Ok(()),
        Some(i) => {
            let name = table.columns.get(i).map_or("", |c| c.name.as_str());
            Err(Named::GeneratedLoop.error(name))
        }
    }
}

/// Appends to `out` the generated columns `which` covers that can be
/// computed, each after those it reads, by SQLite's passes; returns the
/// last column (in declaration order) left, in a loop or reading one.
fn order_of<A: Allocator, B: Allocator, C: Allocator + Clone>(
    create: &CreateTable<'_, A>,
    table: &TableColumns<B>,
    which: Computed,
    out: &mut Vec<usize, C>,
) -> Result<Option<usize>> {
    let n = table.columns.len();
    let mut pending = Vec::try_with_capacity_in(n, out.allocator().clone())?;
    for i in 0..n {
        pending.try_push(covered(table, i, which))?;
    }
    loop {
        let mut progress = false;
        let mut left = None;
        for i in 0..n {
            if pending.get(i) != Some(&true) {
                continue;
            }
            let expr = generated_expr(create, i).ok_or(Error::Misuse(MISSING))?;
            if reads(expr, table, &mut |j| pending.get(j) == Some(&true)) {
                left = Some(i);
                continue;
            }
            out.try_push(i)?;
            if let Some(p) = pending.get_mut(i) {
                *p = false;
            }
            progress = true;
        }
        if left.is_none() || !progress {
            return Ok(left);
        }
    }
}

/// How many columns [`last_loop`] enters before it gives up: SQLite
/// expands a virtual column at each reference, which a chain of columns
/// each reading the next twice makes exponential.
const EXPANSION_LIMIT: usize = 1 << 16;

/// The column SQLite's error names when it expands the virtual column
/// `start` of `table` (declared by `create`) as it codes a read of it:
/// each virtual column met is expanded in turn, in the order its
/// expression is written, and a reference to one being expanded is a
/// loop on it; SQLite goes on and reports the last. `None` when there
/// is no loop.
pub fn last_loop<A: Allocator, B: Allocator, C: Allocator + Clone>(
    create: &CreateTable<'_, A>,
    table: &TableColumns<B>,
    start: usize,
    alloc: C,
) -> Result<Option<usize>> {
    let mut busy = Vec::try_with_capacity_in(table.columns.len(), alloc.clone())?;
    busy.try_resize(table.columns.len(), false)?;
    let mut last = None;
    let mut entered = 0usize;
    // Depth-first, by hand: each column being expanded, with the virtual
    // columns its expression reads and how many of them are done.
    let mut path: Vec<(usize, Vec<usize, C>, usize), C> = Vec::new_in(alloc.clone());
    let refs_of = |at: usize| -> Result<Vec<usize, C>> {
        let mut refs = Vec::new_in(alloc.clone());
        let expr = generated_expr(create, at).ok_or(Error::Misuse(MISSING))?;
        let mut failed = None;
        reads(expr, table, &mut |j| {
            if covered(table, j, Computed::Virtual) && failed.is_none() {
                failed = refs.try_push(j).err();
            }
            false
        });
        match failed {
            Some(e) => Err(e.into()),
            None => Ok(refs),
        }
    };
    if let Some(b) = busy.get_mut(start) {
        *b = true;
    }
    path.try_push((start, refs_of(start)?, 0))?;
    while let Some((at, refs, next)) = path.last_mut() {
        let Some(&j) = refs.get(*next) else {
            if let Some(b) = busy.get_mut(*at) {
                *b = false;
            }
            path.pop();
            continue;
        };
        *next += 1;
        if busy.get(j) == Some(&true) {
            last = Some(j);
            continue;
        }
        entered += 1;
        if entered > EXPANSION_LIMIT {
            return Err(Error::Sql(
                "generated columns that expand to this many columns are not supported",
            ));
        }
        if let Some(b) = busy.get_mut(j) {
            *b = true;
        }
        let refs = refs_of(j)?;
        path.try_push((j, refs, 0))?;
    }
    Ok(last)
}

/// SQLite's refusal, when it creates the table `table` (declared by
/// `create`), of a loop among its virtual columns: each is expanded as
/// a read of it would be, in declaration order, and the last loop met
/// is named. A loop through a stored column is found only when a row is
/// stored (see [`computation_order`]).
pub fn check_virtual_loops<A: Allocator, B: Allocator, C: Allocator + Clone>(
    create: &CreateTable<'_, A>,
    table: &TableColumns<B>,
    alloc: C,
) -> Result<()> {
    let mut last = None;
    for i in 0..table.columns.len() {
        if covered(table, i, Computed::Virtual) {
            last = last_loop(create, table, i, alloc.clone())?.or(last);
        }
    }
    match last.and_then(|i| table.columns.get(i)) {
        Some(c) => Err(Named::GeneratedLoop.error(&c.name)),
        None => Ok(()),
    }
}

/// Computes, in `order` (from [`computation_order`]), the generated
/// columns of `values` (one per column of `table`, declared by
/// `create`) of the row `rowid`, each given its column's affinity.
pub fn compute<A: Allocator + Clone, B: Allocator>(
    create: &CreateTable<'_, A>,
    table: &TableColumns<B>,
    order: &[usize],
    values: &mut [Value<A>],
    rowid: RowId,
    alloc: A,
) -> Result<()> {
    for &i in order {
        let expr = generated_expr(create, i).ok_or(Error::Misuse(MISSING))?;
        let ctx = RowValues {
            table,
            values: &*values,
            rowid,
            alloc: alloc.clone(),
        };
        let value = evaluate(expr, &ctx)?;
        let affinity = table.columns.get(i).map_or(Affinity::Blob, |c| c.affinity);
        let value = match with_affinity(&value, affinity, &alloc)? {
            Some(v) => v,
            None => value,
        };
        let slot = values
            .get_mut(i)
            .ok_or(Error::Misuse("a row shorter than its table"))?;
        *slot = value;
    }
    Ok(())
}

/// Why a generated column's expression is missing where one was found.
const MISSING: &str = "a generated column without its expression";

/// The expression context of one row's values.
struct RowValues<'c, B: Allocator, C: Allocator> {
    table: &'c TableColumns<B>,
    values: &'c [Value<C>],
    rowid: RowId,
    alloc: C,
}

impl<B: Allocator, C: Allocator> RowValues<'_, B, C> {
    /// The position of the column `column` names.
    fn position(&self, column: &ColumnRef<'_>) -> Result<usize> {
        self.table
            .columns
            .iter()
            .position(|c| column.column.eq_ignore_ascii_case(&c.name))
            .ok_or_else(|| column.unknown())
    }
}

impl<B: Allocator, C: Allocator + Clone> EvalContext<C> for RowValues<'_, B, C> {
    fn allocator(&self) -> C {
        self.alloc.clone()
    }

    fn column(&self, column: &ColumnRef<'_>) -> Result<ValueRef<'_>> {
        let i = self.position(column)?;
        if self.table.rowid_alias == Some(i) {
            return Ok(ValueRef::Integer(self.rowid.get()));
        }
        self.values
            .get(i)
            .map(Value::as_ref)
            .ok_or(Error::Misuse("a row shorter than its table"))
    }

    fn column_affinity(&self, column: &ColumnRef<'_>) -> Option<Affinity> {
        let i = self.position(column).ok()?;
        self.table.columns.get(i).map(|c| c.affinity)
    }

    fn column_collation(&self, column: &ColumnRef<'_>) -> Collation {
        self.position(column)
            .ok()
            .and_then(|i| self.table.columns.get(i))
            .and_then(|c| c.collation)
            .unwrap_or_default()
    }

    fn param(&self, _number: ParamNo) -> Result<ValueRef<'_>> {
        Err(Error::Sql("parameters prohibited in generated columns"))
    }

    fn random(&self) -> i64 {
        0
    }
}

/// A stored row's values, its virtual columns computed (see
/// [`virtual_row`]).
pub struct VirtualRow<A: Allocator> {
    /// One per column of the table; the rowid alias's slot is NULL.
    values: Vec<Value<A>, A>,
    /// Per column: whether `values` holds its value (false only for a
    /// virtual column in a loop).
    known: Vec<bool, A>,
}

/// The values of the row `rowid` of `table` (which keeps its `CREATE
/// TABLE` text, see [`TableColumns::keep_sql`]), each stored column's
/// read by `stored`, the virtual columns computed.
pub fn virtual_row<A: Allocator + Clone, B: Allocator>(
    table: &TableColumns<B>,
    mut stored: impl FnMut(usize) -> Result<Value<A>>,
    rowid: RowId,
    alloc: A,
) -> Result<VirtualRow<A>> {
    let sql = table.sql.as_deref().ok_or(Error::Misuse(NO_SQL))?;
    let parsed = super::declared::parse_stored(sql, alloc.clone())?;
    let create = super::declared::created_table(&parsed)?;
    let n = table.columns.len();
    let mut values = Vec::try_with_capacity_in(n, alloc.clone())?;
    let mut known = Vec::try_with_capacity_in(n, alloc.clone())?;
    for (i, column) in table.columns.iter().enumerate() {
        let stored_here = column.storage.is_some() && table.rowid_alias != Some(i);
        values.try_push(match stored_here {
            true => stored(i)?,
            false => Value::Null,
        })?;
        known.try_push(!covered(table, i, Computed::Virtual))?;
    }
    // The columns in no loop are computed; reading one in a loop is the
    // error.
    let mut order = Vec::new_in(alloc.clone());
    order_of(create, table, Computed::Virtual, &mut order)?;
    compute(create, table, &order, &mut values, rowid, alloc)?;
    for &i in order.iter() {
        if let Some(k) = known.get_mut(i) {
            *k = true;
        }
    }
    Ok(VirtualRow { values, known })
}

impl<A: Allocator + Clone> VirtualRow<A> {
    /// The value of column `i` of `table`, the table this row is of;
    /// SQLite's error when it is a virtual column in a loop.
    pub fn value<B: Allocator>(&self, table: &TableColumns<B>, i: usize) -> Result<ValueRef<'_>> {
        if self.known.get(i) == Some(&true) {
            return self
                .values
                .get(i)
                .map(Value::as_ref)
                .ok_or(Error::Misuse("a row shorter than its table"));
        }
        let sql = table.sql.as_deref().ok_or(Error::Misuse(NO_SQL))?;
        let alloc = self.values.allocator().clone();
        let parsed = super::declared::parse_stored(sql, alloc.clone())?;
        let create = super::declared::created_table(&parsed)?;
        let named = last_loop(create, table, i, alloc)?.unwrap_or(i);
        let name = table.columns.get(named).map_or("", |c| c.name.as_str());
        Err(Named::GeneratedLoop.error(name))
    }
}

/// Why a table's virtual columns cannot be computed.
const NO_SQL: &str = "a table with virtual columns read without its CREATE TABLE text";
