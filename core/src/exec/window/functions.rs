//! The window functions SQLite has, which call is which, and their
//! values over one partition: `row_number`, `rank`, `dense_rank`,
//! `percent_rank`, `cume_dist`, `ntile`, `lag`, `lead` (none of which
//! reads a frame), `first_value`, `last_value`, `nth_value` and the
//! aggregates (`count`, `sum`, `total`, `avg`, `min`, `max`,
//! `group_concat`, `string_agg`, `json_group_array`, `json_group_object`)
//! over each row's frame.
//!
//! Invariants, as SQLite's `window.c` computes them: ranks count peers;
//! `ntile` takes its bucket count from the partition's first row; `lag`
//! and `lead` read the row their offset (evaluated on the current row)
//! names, else their default; an aggregate skips the rows its `FILTER`
//! rejects. An aggregate whose frame starts at the partition's first row
//! (and excludes nothing) is kept running as the frame's end moves on;
//! any other is computed again over each row's frame.

use crate::alloc::{Allocator, Vec};
use crate::record::{Collation, ValueRef};
use crate::sql::eval::Value;
use crate::sql::eval::affinity::numeric_affinity;
use crate::sql::eval::cast::{int_value, numeric_value};
use crate::sql::eval::func::Scalar;
use crate::sql::eval::num::Numeric;
use crate::sql::{FrameExclude, FunctionArgs, FunctionCall};
use crate::{Error, Named, Result};

use super::super::aggregate::{Acc, Kind, kind_of};
use super::Before;
use super::frame::{Bound, FrameSpec};
use super::partition::Partition;

/// Which window function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Func {
    RowNumber,
    Rank,
    DenseRank,
    PercentRank,
    CumeDist,
    Ntile,
    Lag,
    Lead,
    FirstValue,
    LastValue,
    NthValue,
    Aggregate(Kind),
}

/// The window functions by name, with the argument counts each takes.
const WINDOW: [(&str, Func, usize, usize); 11] = [
    ("row_number", Func::RowNumber, 0, 0),
    ("rank", Func::Rank, 0, 0),
    ("dense_rank", Func::DenseRank, 0, 0),
    ("percent_rank", Func::PercentRank, 0, 0),
    ("cume_dist", Func::CumeDist, 0, 0),
    ("ntile", Func::Ntile, 1, 1),
    ("lag", Func::Lag, 1, 3),
    ("lead", Func::Lead, 1, 3),
    ("first_value", Func::FirstValue, 1, 1),
    ("last_value", Func::LastValue, 1, 1),
    ("nth_value", Func::NthValue, 2, 2),
];

/// The aggregates' names.
const AGGREGATES: [&str; 10] = [
    "count",
    "sum",
    "total",
    "avg",
    "min",
    "max",
    "group_concat",
    "string_agg",
    "json_group_array",
    "json_group_object",
];

impl Func {
    /// The function `call` (which has `OVER`) calls, checked as SQLite
    /// checks it.
    pub fn of<A: Allocator>(call: &FunctionCall<'_, A>) -> Result<Func> {
        let name = &call.name;
        let arity = match &call.args {
            FunctionArgs::List(args) => args.len(),
            FunctionArgs::Star => 0,
        };
        if let Some(&(_, func, least, most)) =
            WINDOW.iter().find(|(n, ..)| name.eq_ignore_ascii_case(n))
        {
            if arity < least || arity > most {
                return Err(Named::WrongArgumentCount.error(name.raw()));
            }
            if call.filter.is_some() {
                return Err(Error::Sql(
                    "FILTER clause may only be used with aggregate window functions",
                ));
            }
            if call.distinct {
                return Err(Error::Sql("DISTINCT is not supported for window functions"));
            }
            return Ok(func);
        }
        if AGGREGATES.iter().any(|n| name.eq_ignore_ascii_case(n)) {
            let Some(kind) = kind_of(call) else {
                // `min(a, b)` and `max(a, b)` are the scalar functions.
                let scalar = ["min", "max"].iter().any(|n| name.eq_ignore_ascii_case(n));
                return Err(if scalar && arity > 1 {
                    Named::NotWindowFunction.error(name.raw())
                } else {
                    Named::WrongArgumentCount.error(name.raw())
                });
            };
            if call.distinct {
                return Err(Error::Sql("DISTINCT is not supported for window functions"));
            }
            return Ok(Func::Aggregate(kind));
        }
        if Scalar::lookup(name).is_some() {
            return Err(Named::NotWindowFunction.error(name.raw()));
        }
        Err(Error::Sql("no such function"))
    }

    /// Whether the function's value depends on its frame.
    pub fn reads_frame(self) -> bool {
        matches!(
            self,
            Func::FirstValue | Func::LastValue | Func::NthValue | Func::Aggregate(_)
        )
    }
}

/// Where a call's inputs lie in a partition's rows.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Inputs {
    /// The column of its first argument; the others follow.
    pub args: usize,
    /// How many arguments it has.
    pub arity: usize,
    /// The column of its `FILTER` condition's value, if it has one.
    pub filter: Option<usize>,
    /// The collation `min` and `max` compare with.
    pub collation: Collation,
}

/// Computes `func` for every row of `part` into `out` (emptied first),
/// one value per row; `frame` for the functions that read one. The rows
/// held may follow `before` rows of their partition (a partition that
/// streams, see `Pass`), whose aggregates `acc` carries.
#[allow(clippy::too_many_arguments)]
pub(crate) fn compute<A: Allocator + Clone>(
    func: Func,
    inputs: Inputs,
    frame: &FrameSpec,
    part: &Partition<A>,
    before: Before,
    acc: &mut Acc<A>,
    alloc: &A,
    out: &mut Vec<Value<A>, A>,
) -> Result<()> {
    out.clear();
    out.try_reserve(part.len())?;
    let n = part.len();
    let arg = |i: usize, k: usize| {
        if k < inputs.arity {
            part.value(i, inputs.args + k)
        } else {
            ValueRef::Null
        }
    };
    let copy = |v: ValueRef<'_>| -> Result<Value<A>> { Ok(Value::try_from_ref(v, alloc.clone())?) };
    match func {
        Func::Aggregate(kind) => return aggregate(kind, inputs, frame, part, acc, alloc, out),
        Func::Ntile => {
            let buckets = match n {
                0 => 0,
                _ => int_value(arg(0, 0)),
            };
            if n > 0 && buckets <= 0 {
                return Err(Error::Sql("argument of ntile must be a positive integer"));
            }
            for i in 0..n {
                out.try_push(Value::Integer(ntile(i as i64, n as i64, buckets)))?;
            }
            return Ok(());
        }
        _ => {}
    }
    for i in 0..n {
        let value = match func {
            Func::RowNumber => Value::Integer((before.rows + i) as i64 + 1),
            Func::Rank => Value::Integer((before.rows + part.peer_start(i)) as i64 + 1),
            Func::DenseRank => Value::Integer((before.groups + part.group_of(i)) as i64 + 1),
            Func::PercentRank => Value::real(match n {
                0 | 1 => 0.0,
                _ => part.peer_start(i) as f64 / (n - 1) as f64,
            }),
            Func::CumeDist => Value::real(part.peer_end(i) as f64 / n as f64),
            Func::Lag | Func::Lead => {
                let offset = if inputs.arity >= 2 {
                    arg(i, 1)
                } else {
                    ValueRef::Integer(1)
                };
                match target(i, offset, func == Func::Lead, n) {
                    Some(j) => copy(arg(j, 0))?,
                    None => copy(arg(i, 2))?,
                }
            }
            Func::FirstValue | Func::LastValue | Func::NthValue => {
                let nth = match func {
                    Func::FirstValue => Some(1),
                    Func::LastValue => None,
                    _ => Some(positive(arg(i, 1))?),
                };
                match frame_row(i, nth, frame, part)? {
                    Some(j) => copy(arg(j, 0))?,
                    None => Value::Null,
                }
            }
            Func::Ntile | Func::Aggregate(_) => Value::Null,
        };
        out.try_push(value)?;
    }
    Ok(())
}

/// The bucket of row `row` (from 0) of `total` in `buckets` buckets, the
/// first `total % buckets` one row larger (SQLite's `ntileValueFunc`).
fn ntile(row: i64, total: i64, buckets: i64) -> i64 {
    let size = total / buckets;
    if size == 0 {
        return row + 1;
    }
    let large = total - buckets * size;
    let small_start = large * (size + 1);
    if row < small_start {
        1 + row / (size + 1)
    } else {
        1 + large + (row - small_start) / size
    }
}

/// The row `offset` before (`lead`: after) row `i` of `n`, if there is
/// one: SQLite adds the offset to the row's number and seeks that number,
/// so an offset that is NULL or not a whole number finds no row.
fn target(i: usize, offset: ValueRef<'_>, lead: bool, n: usize) -> Option<usize> {
    let k = match numeric_value(offset)? {
        Numeric::Integer(k) => k,
        Numeric::Real(r) if r == (r as i64) as f64 => r as i64,
        Numeric::Real(_) => return None,
    };
    let i = i as i64;
    let j = if lead {
        i.checked_add(k)?
    } else {
        i.checked_sub(k)?
    };
    usize::try_from(j).ok().filter(|&j| j < n)
}

/// `nth_value`'s N: an integer above 0 (SQLite's `OP_MustBeInt`, then a
/// check).
fn positive(value: ValueRef<'_>) -> Result<usize> {
    let n = match numeric_affinity(value, true) {
        ValueRef::Integer(n) => Some(n),
        ValueRef::Real(r) if r == (r as i64) as f64 => Some(r as i64),
        _ => None,
    };
    n.filter(|&n| n > 0)
        .and_then(|n| usize::try_from(n).ok())
        .ok_or(Error::Sql(
            "second argument to nth_value must be a positive integer",
        ))
}

/// The `nth` row (from 1) of row `i`'s frame, or its last (`None`),
/// skipping the rows `EXCLUDE` leaves out.
fn frame_row<A: Allocator + Clone>(
    i: usize,
    nth: Option<usize>,
    frame: &FrameSpec,
    part: &Partition<A>,
) -> Result<Option<usize>> {
    let (lo, hi) = frame.bounds(i, part)?;
    let mut rows = (lo..hi).filter(|&j| !frame.excludes(i, j, part));
    Ok(match nth {
        Some(nth) => rows.nth(nth - 1),
        None => rows.last(),
    })
}

/// An aggregate over each row's frame.
fn aggregate<A: Allocator + Clone>(
    kind: Kind,
    inputs: Inputs,
    frame: &FrameSpec,
    part: &Partition<A>,
    running_acc: &mut Acc<A>,
    alloc: &A,
    out: &mut Vec<Value<A>, A>,
) -> Result<()> {
    let add = |acc: &mut Acc<A>, j: usize| add_row(kind, inputs, &|c| part.value(j, c), acc, alloc);
    let running =
        frame.start == Bound::UnboundedPreceding && frame.exclude == FrameExclude::NoOthers;
    let mut added = 0;
    for i in 0..part.len() {
        let (lo, hi) = frame.bounds(i, part)?;
        if running {
            while added < hi {
                add(running_acc, added)?;
                added += 1;
            }
            out.try_push(running_acc.value(kind, alloc)?)?;
            continue;
        }
        let mut acc = Acc::new();
        for j in lo..hi {
            if !frame.excludes(i, j, part) {
                add(&mut acc, j)?;
            }
        }
        out.try_push(acc.finish(kind, alloc)?)?;
    }
    Ok(())
}

/// Adds to `acc` the row whose column `c` is `value(c)`, unless the
/// call's `FILTER` rejects it.
pub(crate) fn add_row<'r, A: Allocator + Clone>(
    kind: Kind,
    inputs: Inputs,
    value: &dyn Fn(usize) -> ValueRef<'r>,
    acc: &mut Acc<A>,
    alloc: &A,
) -> Result<()> {
    if let Some(filter) = inputs.filter {
        if crate::sql::eval::truth(value(filter)) != Some(true) {
            return Ok(());
        }
    }
    let first = if inputs.arity > 0 {
        value(inputs.args)
    } else {
        ValueRef::Null
    };
    let separator = (inputs.arity > 1).then(|| value(inputs.args + 1));
    acc.add(kind, first, separator, inputs.collation, alloc)?;
    Ok(())
}
