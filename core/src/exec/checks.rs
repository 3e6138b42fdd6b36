//! `CHECK` constraints, verified on each row `INSERT` and `UPDATE` store,
//! as SQLite verifies them: after the row's values take their columns'
//! affinities and `NOT NULL` is checked, before any uniqueness check; in
//! the order declared (the columns' constraints, then the table's); a
//! condition that is false fails, one that is NULL passes.
//!
//! A failure is [`Error::Check`], named as SQLite names it: by the
//! `CONSTRAINT` name in force, else by the condition's text. SQLite keeps
//! a `CONSTRAINT` name in force for the rest of its column and, after the
//! last column, for the first table constraint; a comma between table
//! constraints ends it (the parser's tree does not keep the commas, so
//! every table constraint after the first is taken to follow one).
//!
//! `CREATE TABLE` checks the conditions as SQLite does ([`validate`]), so
//! a table is never made with a condition no row could be checked by.
//!
//! Invariant: the table's `CREATE TABLE` text is parsed once per
//! statement run, and each condition's column names bound to the table
//! then; verifying a row allocates only what evaluating it does.

use core::cell::Cell;

use crate::alloc::{Allocator, Box, Vec};
use crate::record::{Collation, ValueRef};
use crate::schema::TableColumns;
use crate::schema::created_table;
use crate::schema::generated::{Computed, computation_order, compute};
use crate::schema::parse_stored;
use crate::sql::eval::affinity::read_real;
use crate::sql::eval::{EvalContext, Value, evaluate, evaluate_condition};
use crate::sql::{
    Affinity, Check, ColumnConstraintKind, ColumnPos, ColumnRef, CreateTable, Expr, Ident, ParamNo,
    Parsed, TableBody, TableConstraintKind,
};
use crate::table::TableInfo;
use crate::{ConstraintName, Error, Result, RowId};

use super::Env;
use super::aggregate::kind_of;
use super::check::columns_exist;
use super::context::{next_random, resolve, rowid_value};

/// The `CHECK` constraints of one table, and its defaults computed per
/// row, read for one statement run.
pub(crate) struct Checks<'t, A: Allocator + Clone> {
    table: &'t TableInfo<A>,
    env: Env<'t, A>,
    /// The table's `CREATE TABLE`, parsed; `None` when it has no `CHECK`,
    /// no per-row default and no generated column (boxed: a statement on
    /// a table without any moves a pointer's worth).
    parsed: Option<Box<Parsed<'t, A>, A>>,
    /// Its generated columns, in the order they are computed.
    generated: Vec<usize, A>,
}

/// What verifying a row found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Every condition is true or NULL.
    Pass,
    /// A condition is false: the constraint's name.
    Fail(ConstraintName),
}

impl<'t, A: Allocator + Clone> Checks<'t, A> {
    /// The constraints of `table`, their column names bound to it.
    pub fn load(table: &'t TableInfo<A>, env: Env<'t, A>) -> Result<Self> {
        let Some(sql) = table.check_sql.as_deref() else {
            return Ok(Checks {
                table,
                env,
                parsed: None,
                generated: Vec::new_in(env.alloc.clone()),
            });
        };
        let parsed = parse_stored(sql, env.alloc.clone())?;
        let mut generated = Vec::new_in(env.alloc.clone());
        computation_order(
            created_table(&parsed)?,
            &table.columns,
            Computed::All,
            &mut generated,
        )?;
        let checks = Checks {
            table,
            env,
            parsed: Some(Box::try_new_in(parsed, env.alloc.clone())?),
            generated,
        };
        checks.each(|check, _| columns_exist(&check.expr, Some(table), None).map(|()| true))?;
        Ok(checks)
    }

    /// Verifies the row `rowid` whose values (one per column, the rowid
    /// alias's slot aside) are `values`.
    pub fn verify(&self, rowid: RowId, values: &[Value<A>]) -> Result<Verdict> {
        if self.parsed.is_none() {
            return Ok(Verdict::Pass);
        }
        let ctx = ValuesContext {
            table: self.table,
            rowid,
            values,
            alloc: self.env.alloc.clone(),
            random: self.env.random,
        };
        let mut verdict = Verdict::Pass;
        self.each(|check, name| {
            if evaluate_condition(&check.expr, &ctx)? == Some(false) {
                verdict = Verdict::Fail(ConstraintName::new(name.unwrap_or(check.text)));
                return Ok(false);
            }
            Ok(true)
        })?;
        Ok(verdict)
    }

    /// Computes the generated columns of `values` (one per column, the
    /// ordinary ones with their affinities), the row `rowid`'s.
    pub fn generate(&self, rowid: RowId, values: &mut [Value<A>]) -> Result<()> {
        let Some(parsed) = &self.parsed else {
            return Ok(());
        };
        let create = created_table(parsed)?;
        compute(
            create,
            &self.table.columns,
            &self.generated,
            values,
            rowid,
            self.env.alloc.clone(),
        )
    }

    /// Whether the table declares a `CHECK` constraint.
    pub fn any(&self) -> Result<bool> {
        let mut any = false;
        self.each(|_, _| {
            any = true;
            Ok(false)
        })?;
        Ok(any)
    }

    /// The default of column `column` computed for the row being stored:
    /// a `DEFAULT` SQLite evaluates for each row (one that calls
    /// `random()` or reads the time), evaluated with the statement's
    /// context (its clock, its `random()`); NULL when it declares none.
    pub fn per_row_default(&self, column: usize) -> Result<Value<A>> {
        let Some(parsed) = &self.parsed else {
            return Ok(Value::Null);
        };
        let create = created_table(parsed)?;
        let TableBody::Columns { columns, .. } = &create.body else {
            return Ok(Value::Null);
        };
        let Some(def) = columns.get(column) else {
            return Ok(Value::Null);
        };
        // The last DEFAULT counts, as when the table's rules were read.
        let default = def.constraints.iter().rev().find_map(|c| match &c.kind {
            ColumnConstraintKind::Default(d) => Some(&d.expr),
            _ => None,
        });
        match default {
            Some(expr) => evaluate(expr, &self.env.context()),
            None => Ok(Value::Null),
        }
    }

    /// Calls `f` on each constraint in declaration order with the name in
    /// force for it, while `f` returns `true`.
    fn each(&self, mut f: impl FnMut(&Check<'t, A>, Option<&str>) -> Result<bool>) -> Result<()> {
        let Some(parsed) = &self.parsed else {
            return Ok(());
        };
        let create = created_table(parsed)?;
        let TableBody::Columns {
            columns,
            constraints,
            ..
        } = &create.body
        else {
            return Ok(());
        };
        let mut in_force: Option<Ident<'t>> = None;
        for column in columns.iter() {
            in_force = None;
            for constraint in column.constraints.iter() {
                in_force = constraint.name.or(in_force);
                if let ColumnConstraintKind::Check(check) = &constraint.kind {
                    if !f(check, in_force.as_ref().and_then(Ident::as_str))? {
                        return Ok(());
                    }
                }
            }
        }
        for (i, constraint) in constraints.iter().enumerate() {
            let carried = if i == 0 { in_force } else { None };
            let name = constraint.name.or(carried);
            if let TableConstraintKind::Check(check) = &constraint.kind {
                if !f(check, name.as_ref().and_then(Ident::as_str))? {
                    return Ok(());
                }
            }
        }
        Ok(())
    }
}

/// Checks the `CHECK` constraints `create` declares as SQLite does when
/// it creates the table: every column named is one of `columns` (or the
/// rowid), and no condition holds a parameter, a subquery or an
/// aggregate.
pub(crate) fn validate<A: Allocator, B: Allocator>(
    create: &CreateTable<'_, A>,
    columns: &TableColumns<B>,
) -> Result<()> {
    let TableBody::Columns {
        columns: defs,
        constraints,
        ..
    } = &create.body
    else {
        return Ok(());
    };
    let table = create.name.name;
    let on_columns = defs
        .iter()
        .flat_map(|d| d.constraints.iter())
        .filter_map(|c| match &c.kind {
            ColumnConstraintKind::Check(check) => Some(check),
            _ => None,
        });
    let on_table = constraints.iter().filter_map(|c| match &c.kind {
        TableConstraintKind::Check(check) => Some(check),
        _ => None,
    });
    for check in on_columns.chain(on_table) {
        allowed(&check.expr, &table, columns)?;
    }
    Ok(())
}

/// Checks one condition (see [`validate`]) of the table `table`.
fn allowed<A: Allocator, B: Allocator>(
    expr: &Expr<'_, A>,
    table: &Ident<'_>,
    columns: &TableColumns<B>,
) -> Result<()> {
    let check = |e: &Expr<'_, A>| allowed(e, table, columns);
    match expr {
        Expr::Column(c) => {
            let in_table = c.schema.is_none_or(|s| s.eq_ignore_ascii_case("main"))
                && c.table
                    .is_none_or(|t| table.as_str().is_some_and(|n| t.eq_ignore_ascii_case(n)));
            let named = columns
                .columns
                .iter()
                .any(|col| c.column.eq_ignore_ascii_case(&col.name))
                || ["rowid", "oid", "_rowid_"]
                    .iter()
                    .any(|n| c.column.eq_ignore_ascii_case(n));
            match in_table && named {
                true => Ok(()),
                false => Err(c.unknown()),
            }
        }
        Expr::Param(_) => Err(Error::Sql("parameters prohibited in CHECK constraints")),
        Expr::InSelect(_) | Expr::Exists(_) | Expr::Subquery(_) => {
            Err(Error::Sql("subqueries prohibited in CHECK constraints"))
        }
        Expr::Function(f) if kind_of(f).is_some() => {
            Err(Error::Sql("misuse of aggregate function"))
        }
        other => other.try_for_each_child(check),
    }
}

/// The expression context of a row about to be stored: its values and
/// its rowid, before any record exists.
struct ValuesContext<'c, A: Allocator + Clone> {
    table: &'c TableInfo<A>,
    rowid: RowId,
    values: &'c [Value<A>],
    alloc: A,
    random: &'c Cell<u64>,
}

impl<A: Allocator + Clone> ValuesContext<'_, A> {
    /// Where `column` points in the table.
    fn position(&self, column: &ColumnRef<'_>) -> Result<ColumnPos> {
        column
            .binding
            .get()
            .map(|(_, pos)| pos)
            .or_else(|| resolve(self.table, None, column))
            .ok_or_else(|| column.unknown())
    }
}

impl<A: Allocator + Clone> EvalContext<A> for ValuesContext<'_, A> {
    fn allocator(&self) -> A {
        self.alloc.clone()
    }

    fn column(&self, column: &ColumnRef<'_>) -> Result<ValueRef<'_>> {
        match self.position(column)? {
            ColumnPos::Rowid => Ok(rowid_value(self.rowid)),
            ColumnPos::Column(i) if self.table.columns.rowid_alias == Some(i) => {
                Ok(rowid_value(self.rowid))
            }
            ColumnPos::Column(i) => {
                let value = self
                    .values
                    .get(i)
                    .map(Value::as_ref)
                    .ok_or(Error::Misuse("a row shorter than its table"))?;
                // A whole real in a REAL column is held as an integer, as
                // it is stored; a condition reads it as a real.
                Ok(match self.table.meta.get(i).map(|m| m.affinity) {
                    Some(Affinity::Real) => read_real(value),
                    _ => value,
                })
            }
        }
    }

    fn column_affinity(&self, column: &ColumnRef<'_>) -> Option<Affinity> {
        match self.position(column) {
            Ok(ColumnPos::Column(i)) => self.table.meta.get(i).map(|m| m.affinity),
            _ => Some(Affinity::Integer),
        }
    }

    fn column_collation(&self, column: &ColumnRef<'_>) -> Collation {
        match self.position(column) {
            Ok(ColumnPos::Column(i)) => self
                .table
                .columns
                .columns
                .get(i)
                .and_then(|c| c.collation)
                .unwrap_or_default(),
            _ => Collation::Binary,
        }
    }

    fn param(&self, _number: ParamNo) -> Result<ValueRef<'_>> {
        Ok(ValueRef::Null)
    }

    fn random(&self) -> i64 {
        next_random(self.random)
    }
}
