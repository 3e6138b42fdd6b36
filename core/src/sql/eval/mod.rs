//! Expression evaluation with SQLite's semantics: [`evaluate`] walks an
//! [`Expr`] tree and computes its [`Value`], asking an [`EvalContext`]
//! for column values, parameters, the allocator and random numbers.
//!
//! The rules live one concern per file:
//! - `value`: [`Value`], the owned result;
//! - `num`: text to number and number to text without memory;
//!   `fp_decode`, the decimal digits of a double as SQLite computes them;
//! - `affinity`: type affinity on storing and on comparing;
//! - `cast`: implicit conversions, truth, and `CAST`;
//! - `ops`: arithmetic, bitwise, `||`, comparison, Kleene logic;
//! - `like`: `LIKE` and `GLOB`;
//! - `func`, `func_text`: the scalar functions; `codes`, those between
//!   text and character codes (`char`, `unicode`, `unhex`, `soundex`...);
//!   `printf`, SQLite's `printf`/`format`; `datetime`, the date and time
//!   functions and their modifiers; `json`, the JSON functions;
//! - `resolve`: the affinity and collation an operand brings to a
//!   comparison; `tree`: the walk itself.
//!
//! Invariants:
//! - every allocation is fallible and a refusal is
//!   [`Error::OutOfMemory`]; values that need no memory (NULL, numbers,
//!   text borrowed from the SQL or from the context) are not copied while
//!   an expression is evaluated;
//! - recursion follows the tree, whose depth the parser bounds;
//! - no input panics: a bad collation, an unknown function, a wrong
//!   argument count or an unsupported construct (`RAISE`, a subquery
//!   where the context runs none, `'now'` where the context has no
//!   clock, JSON5) is an [`Error::Sql`];
//! - comparisons take the affinity and collation SQLite would: an
//!   explicit `COLLATE` anywhere in an operand wins (left first), then a
//!   column's collation, then BINARY; only columns and `CAST`s have an
//!   affinity.
//!
//! ```
//! use boundlite::alloc::Global;
//! use boundlite::sql::{parse_one, Stmt, ResultColumn};
//! use boundlite::sql::eval::{evaluate, ConstantContext, Value};
//!
//! let parsed = parse_one("SELECT (1 + '2') || 'x'", Global)?;
//! let Stmt::Select(select) = &parsed.stmt else { panic!() };
//! let body = &select.core;
//! let ResultColumn::Expr { expr, .. } = &body.columns[0] else { panic!() };
//! let value = evaluate(expr, &ConstantContext::new(Global, 1)).unwrap();
//! assert_eq!(value.as_ref(), boundlite::record::ValueRef::text("3x"));
//! # Ok::<(), boundlite::sql::ParseError>(())
//! ```

pub mod affinity;
pub mod cast;
mod codes;
pub mod datetime;
mod fp_decode;
pub mod func;
mod func_text;
pub mod json;
pub mod like;
pub mod math;
pub mod num;
pub mod ops;
mod printf;
mod resolve;
mod row_value;
mod tree;
pub mod value;

#[cfg(test)]
mod tests;

use core::cell::Cell;

use crate::alloc::Allocator;
use crate::record::{Collation, ValueRef, ValueType};
use crate::sql::ast::{self, Affinity, ColumnRef, Expr, ParamNo};
use crate::{Error, Result};

pub(crate) use affinity::with_affinity;
pub use affinity::{Coerced, apply_affinity, apply_comparison_affinity, comparison_affinity};
pub use cast::{cast, truth};
pub use func::Scalar;
pub use like::{glob, like};
pub use num::NumText;
pub use ops::{arithmetic, bitwise, concat};
pub(crate) use resolve::{affinity, any_node, collation, explicit_collation};
pub(crate) use tree::{argument_count_error, carries_json_column, is_function, no_such_function};
pub use value::Value;

/// Whether a column's values carry SQLite's JSON subtype (see
/// [`EvalContext::column_json`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnJson {
    /// Never: a table's column.
    Never,
    /// The current row's value has it, or not: `json_each`'s `value`
    /// read where SQLite reads it from the row.
    Row(bool),
    /// It may, as SQLite's plan decides (a subquery's column it may
    /// flatten, a value read back from a group): refused.
    Unknown,
}

/// What an expression reads from outside itself.
///
/// Methods take `&self` so that values can be borrowed from the context
/// while the rest of the expression is evaluated; a context that must
/// change state for [`EvalContext::random`] keeps it in a `Cell`.
pub trait EvalContext<A: Allocator + Clone> {
    /// The allocator results are built in.
    fn allocator(&self) -> A;

    /// The current value of `column`; an error if there is no such
    /// column.
    fn column(&self, column: &ColumnRef<'_>) -> Result<ValueRef<'_>>;

    /// How `column` is stored in the current row, when that is known
    /// without reading its value: its type (as reading it gives) and its
    /// size in bytes. `typeof()` and `length()` of a BLOB need nothing
    /// more, so a large value is not read for them (SQLite's
    /// `OPFLAG_TYPEOFARG`/`OPFLAG_LENGTHARG`). `None`: read the value.
    fn column_shape(&self, _column: &ColumnRef<'_>) -> Result<Option<(ValueType, usize)>> {
        Ok(None)
    }

    /// The affinity of `column`, from its declared type (BLOB when it
    /// has none); `None` for a subquery's column that has no affinity.
    fn column_affinity(&self, _column: &ColumnRef<'_>) -> Option<Affinity> {
        Some(Affinity::Blob)
    }

    /// Whether values of `column` may carry SQLite's JSON subtype: only
    /// the `value` of a `json_each` or `json_tree` row that holds an
    /// array or object has it, and a subquery's column may pass it on.
    fn column_json(&self, _column: &ColumnRef<'_>) -> ColumnJson {
        ColumnJson::Never
    }

    /// The collation of `column`.
    fn column_collation(&self, _column: &ColumnRef<'_>) -> Collation {
        Collation::Binary
    }

    /// The value bound to parameter `number` (NULL when unbound).
    fn param(&self, number: ParamNo) -> Result<ValueRef<'_>>;

    /// The value of the aggregate `call` over the group whose result is
    /// being computed; `None` where no group is (an aggregate there is a
    /// misuse).
    fn aggregate(&self, _call: &ast::FunctionCall<'_, A>) -> Option<ValueRef<'_>> {
        None
    }

    /// The next value of `random()`.
    fn random(&self) -> i64;

    /// The time `'now'` means, in milliseconds since 1970-01-01 UTC: the
    /// same for every call during one run of a statement, as SQLite's
    /// per-statement time. `None` where there is no clock (a date and
    /// time function asked for `'now'` is then an error).
    fn now_unix_millis(&self) -> Option<i64> {
        None
    }

    /// The connection's `last_insert_rowid()`, `changes()` and
    /// `total_changes()`, in that order, as they stand at this point of
    /// the statement; `None` where there is no connection (those
    /// functions are then an error).
    fn change_counts(&self) -> Option<[i64; 3]> {
        None
    }

    /// Runs the subquery `select` against the current row, handing
    /// `visit` the first column of each of its rows (or NULL, for
    /// [`Shape::Rows`]) until it returns `false`; an error where no
    /// subquery can run.
    fn subquery(
        &self,
        _select: &ast::Select<'_, A>,
        _shape: Shape,
        _visit: &mut dyn FnMut(ValueRef<'_>) -> Result<bool>,
    ) -> Result<()> {
        Err(Error::Sql(
            "subqueries are not supported in this expression",
        ))
    }

    /// Runs the subquery `select`, whose rows have `n` columns (a row
    /// value's operand), against the current row, handing `visit` each
    /// of its rows until it returns `false`; an error where no subquery
    /// can run.
    fn subquery_rows(
        &self,
        _select: &ast::Select<'_, A>,
        _n: usize,
        _visit: &mut dyn FnMut(&[Value<A>]) -> Result<bool>,
    ) -> Result<()> {
        Err(Error::Sql(
            "subqueries are not supported in this expression",
        ))
    }

    /// The affinity of result column `column` (from 0) of the subquery
    /// `select`, which a comparison with the subquery takes, as SQLite's
    /// `sqlite3ExprAffinity` of `TK_SELECT` (and of a row value's
    /// field) does.
    fn subquery_affinity(
        &self,
        _select: &ast::Select<'_, A>,
        _column: usize,
    ) -> Result<Option<Affinity>> {
        Ok(None)
    }

    /// The collations of result column `column` (from 0) of the
    /// subquery `select`: the one a `COLLATE` in it names, and the one
    /// it has either way (a column's); `x IN (select)` compares with
    /// them as SQLite's `sqlite3BinaryCompareCollSeq` does.
    fn subquery_collation(
        &self,
        _select: &ast::Select<'_, A>,
        _column: usize,
    ) -> Result<SubqueryCollation> {
        Ok(SubqueryCollation::default())
    }

    /// `probe IN (select)` answered from the values of `select` the
    /// context keeps searchable for the statement's run (an uncorrelated
    /// subquery, read once): `Some` of the answer (true, false, or NULL as
    /// `None`), the probe and the values compared under `key`; `None` when
    /// it keeps none for it, and the caller runs the subquery.
    fn subquery_member(
        &self,
        _select: &ast::Select<'_, A>,
        _probe: &[ValueRef<'_>],
        _keys: &[SetKey],
    ) -> Result<Option<Option<bool>>> {
        Ok(None)
    }

    /// The error `RAISE(...)` stops the statement with: outside a
    /// trigger's statements, that it may only be used in one.
    fn raise(&self, _raise: &ast::Raise<'_>) -> Error {
        Error::Sql("RAISE() may only be used within a trigger-program")
    }

    /// Whether `column`, looked up from this context's row outward, is
    /// first found in two tables of one `FROM` (SQLite's `ambiguous
    /// column name`); `seen`: found already in the `FROM` this context's
    /// table is part of.
    fn ambiguous_in(&self, _column: &ColumnRef<'_>, _seen: bool) -> bool {
        false
    }

    /// Whether `column` names a column of this context's row or of a row
    /// it is nested in.
    fn has_column(&self, _column: &ColumnRef<'_>) -> bool {
        false
    }

    /// The value at `pos` in the current row of the table at `level` of
    /// the statement's `FROM`, for a context over a join's rows.
    fn column_in(&self, _level: usize, _pos: ast::ColumnPos) -> Result<ValueRef<'_>> {
        Err(Error::Sql("no such column"))
    }

    /// Hands `visit` the values `*` (or `table.*`) stands for in the
    /// table at `level` of a join's `FROM`, this context's or one it is
    /// nested in; `seen` records whether `table` named one; `row` is
    /// the context of the whole row. `false` when no table of the join is
    /// at `level`.
    fn star_in(
        &self,
        _level: usize,
        _table: Option<&ast::Ident<'_>>,
        _seen: &mut bool,
        _row: &dyn EvalContext<A>,
        _visit: &mut dyn FnMut(ValueRef<'_>) -> Result<()>,
    ) -> Result<bool> {
        Err(Error::Sql("no such table"))
    }
}

/// The collations of a subquery's first result column.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SubqueryCollation {
    /// The one a `COLLATE` names.
    pub explicit: Option<Collation>,
    /// The one a `COLLATE` names, else its column's.
    pub any: Option<Collation>,
}

/// How `x IN (select)` compares `x` with the subquery's values: the
/// affinity both take and the collation they compare under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SetKey {
    /// The affinity applied to `x` and to each value.
    pub affinity: Option<Affinity>,
    /// The collation TEXT compares under.
    pub collation: Collation,
}

/// What a subquery's rows are asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Whether there is a row (`EXISTS`): any number of columns.
    Rows,
    /// The values of its one column (a scalar subquery, `IN`): more
    /// columns are an error.
    Column,
    /// The values of its first row, which has this many columns (the
    /// source of a row-value assignment): another number is an error.
    Row(usize),
    /// The rows of a row value of this many columns (a row-value
    /// comparison's or `IN`'s operand): another number is an error.
    Columns(usize),
}

/// A context for constant expressions: no columns, unbound (NULL)
/// parameters, and `random()` from a seeded xorshift generator.
#[derive(Debug)]
pub struct ConstantContext<A> {
    alloc: A,
    state: Cell<u64>,
}

impl<A> ConstantContext<A> {
    /// A context allocating from `alloc`, its `random()` seeded by `seed`.
    pub fn new(alloc: A, seed: u64) -> Self {
        ConstantContext {
            alloc,
            state: Cell::new(seed | 1),
        }
    }
}

impl<A: Allocator + Clone> EvalContext<A> for ConstantContext<A> {
    fn allocator(&self) -> A {
        self.alloc.clone()
    }

    fn column(&self, _column: &ColumnRef<'_>) -> Result<ValueRef<'_>> {
        Err(Error::Sql("no such column"))
    }

    fn param(&self, _number: ParamNo) -> Result<ValueRef<'_>> {
        Ok(ValueRef::Null)
    }

    fn random(&self) -> i64 {
        let mut x = self.state.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.state.set(x);
        x as i64
    }
}

/// The value of `expr` in `ctx`.
pub fn evaluate<A, C>(expr: &Expr<'_, A>, ctx: &C) -> Result<Value<A>>
where
    A: Allocator + Clone,
    C: EvalContext<A>,
{
    tree::eval(expr, ctx)?.into_value(ctx.allocator())
}

/// Evaluates `expr` and hands its value to `f`, borrowed where it can
/// be: a parameter, a column or a literal is not copied.
pub fn evaluate_then<A, C, R>(
    expr: &Expr<'_, A>,
    ctx: &C,
    f: impl FnOnce(ValueRef<'_>) -> Result<R>,
) -> Result<R>
where
    A: Allocator + Clone,
    C: EvalContext<A>,
{
    f(tree::eval(expr, ctx)?.get())
}

/// The value of `expr` as a JSON function's argument (a JSON
/// aggregate's), and whether it has SQLite's JSON subtype.
pub fn evaluate_json_arg<A, C>(expr: &Expr<'_, A>, ctx: &C) -> Result<(Value<A>, bool)>
where
    A: Allocator + Clone,
    C: EvalContext<A>,
{
    let (v, json) = tree::json_arg(expr, ctx)?;
    Ok((v.into_value(ctx.allocator())?, json))
}

/// When `expr` is a call `zeroblob(n)`, its length, so that a caller
/// storing it can write N zero bytes without holding them (SQLite's
/// zero-filled BLOB); `None` for any other expression.
pub fn zeroblob_call<A, C>(expr: &Expr<'_, A>, ctx: &C) -> Result<Option<usize>>
where
    A: Allocator + Clone,
    C: EvalContext<A>,
{
    let Expr::Function(call) = expr else {
        return Ok(None);
    };
    let ast::FunctionArgs::List(args) = &call.args else {
        return Ok(None);
    };
    match args.as_slice() {
        [n] if !call.distinct && Scalar::lookup(&call.name) == Some(Scalar::ZeroBlob) => {
            evaluate_then(n, ctx, |n| func::zeroblob_len(n).map(Some))
        }
        _ => Ok(None),
    }
}

/// Whether `expr` is true in `ctx` (`None`: NULL), as a `WHERE` clause
/// reads it; copies nothing.
pub fn evaluate_condition<A, C>(expr: &Expr<'_, A>, ctx: &C) -> Result<Option<bool>>
where
    A: Allocator + Clone,
    C: EvalContext<A>,
{
    tree::condition(expr, ctx)
}
