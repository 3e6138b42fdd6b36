//! Aggregate queries without `GROUP BY`: `count(*)`, `count(x)`, `min`,
//! `max`, `sum`, `total` and `avg` as whole result columns, computed in
//! one pass over the rows that pass `WHERE`, into one row.
//!
//! Invariants, as SQLite's `func.c` has them: NULLs are skipped; `sum`
//! stays an INTEGER while every input is one and fails on overflow,
//! `total` and `avg` are REAL; `sum`, `avg`, `min` and `max` of no rows
//! are NULL, `count` and `total` are 0; `min` and `max` compare TEXT
//! with their argument's collation (a `COLLATE` in it, else its
//! column's). A non-aggregate result column is
//! evaluated once with no row current, so it may not read a column.

use boundlite_platform::Platform;

use crate::alloc::{Allocator, Vec};
use crate::record::{Collation, ValueRef, compare_values};
use crate::sql::eval::affinity::numeric_affinity;
use crate::sql::eval::num::atof;
use crate::sql::eval::{Value, evaluate, explicit_collation};
use crate::sql::{Expr, FunctionArgs, FunctionCall, ResultColumn, SelectBody};
use crate::{Error, Result};

use super::Env;
use super::select::{from_of, matches};
use super::source::Source;

/// Which aggregate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    CountStar,
    Count,
    Min,
    Max,
    Sum,
    Total,
    Avg,
}

/// The aggregate `call` is, if it is one.
pub(crate) fn kind_of<A: Allocator>(call: &FunctionCall<'_, A>) -> Option<Kind> {
    let one_arg = matches!(&call.args, FunctionArgs::List(a) if a.len() == 1);
    let named = |n: &str| call.name.eq_ignore_ascii_case(n);
    if named("count") {
        return match &call.args {
            FunctionArgs::Star => Some(Kind::CountStar),
            FunctionArgs::List(a) if a.is_empty() => Some(Kind::CountStar),
            _ => one_arg.then_some(Kind::Count),
        };
    }
    if !one_arg {
        return None;
    }
    [
        ("min", Kind::Min),
        ("max", Kind::Max),
        ("sum", Kind::Sum),
        ("total", Kind::Total),
        ("avg", Kind::Avg),
    ]
    .into_iter()
    .find(|(n, _)| named(n))
    .map(|(_, k)| k)
}

/// The aggregate a result column is, if it is one.
fn aggregate_of<'e, 'a, A: Allocator>(
    column: &'e ResultColumn<'a, A>,
) -> Option<(Kind, &'e FunctionCall<'a, A>)> {
    match column {
        ResultColumn::Expr {
            expr: Expr::Function(call),
            ..
        } => kind_of(call).map(|k| (k, &**call)),
        _ => None,
    }
}

/// Whether `body` computes aggregates.
pub(crate) fn is_aggregate<A: Allocator>(body: &SelectBody<'_, A>) -> bool {
    body.columns.iter().any(|c| aggregate_of(c).is_some())
}

/// The running state of one aggregate.
pub(crate) struct Acc<A: Allocator> {
    count: i64,
    int_sum: i64,
    real_sum: f64,
    real: bool,
    best: Value<A>,
}

impl<A: Allocator + Clone> Acc<A> {
    pub(crate) fn new() -> Self {
        Acc {
            count: 0,
            int_sum: 0,
            real_sum: 0.0,
            real: false,
            best: Value::Null,
        }
    }

    /// Adds `value`; `min()` and `max()` compare TEXT with `collation`.
    fn add(
        &mut self,
        kind: Kind,
        value: ValueRef<'_>,
        collation: Collation,
        alloc: &A,
    ) -> Result<()> {
        if kind == Kind::CountStar {
            self.count += 1;
            return Ok(());
        }
        if value.is_null() {
            return Ok(());
        }
        self.count += 1;
        match kind {
            Kind::Min | Kind::Max => {
                let better = self.best.is_null() || {
                    let o = compare_values(&value, &self.best.as_ref(), collation);
                    if kind == Kind::Min {
                        o.is_lt()
                    } else {
                        o.is_gt()
                    }
                };
                if better {
                    self.best = Value::try_from_ref(value, alloc.clone())?;
                }
            }
            Kind::Sum | Kind::Total | Kind::Avg => match numeric_affinity(value, false) {
                ValueRef::Integer(i) if !self.real => match self.int_sum.checked_add(i) {
                    Some(s) => self.int_sum = s,
                    None if kind == Kind::Sum => return Err(Error::Sql("integer overflow")),
                    None => {
                        self.real = true;
                        self.real_sum = self.int_sum as f64 + i as f64;
                    }
                },
                ValueRef::Integer(i) => self.real_sum += i as f64,
                ValueRef::Real(r) => self.add_real(r),
                ValueRef::Text(b) | ValueRef::Blob(b) => self.add_real(atof(b).0),
                ValueRef::Null => {}
            },
            Kind::CountStar | Kind::Count => {}
        }
        Ok(())
    }

    fn add_real(&mut self, r: f64) {
        if !self.real {
            self.real = true;
            self.real_sum = self.int_sum as f64;
        }
        self.real_sum += r;
    }

    pub(crate) fn finish(self, kind: Kind) -> Value<A> {
        let sum = if self.real {
            self.real_sum
        } else {
            self.int_sum as f64
        };
        match kind {
            Kind::CountStar | Kind::Count => Value::Integer(self.count),
            Kind::Min | Kind::Max => self.best,
            Kind::Sum if self.count == 0 => Value::Null,
            Kind::Sum if self.real => Value::real(sum),
            Kind::Sum => Value::Integer(self.int_sum),
            Kind::Total => Value::real(sum),
            Kind::Avg if self.count == 0 => Value::Null,
            Kind::Avg => Value::real(sum / self.count as f64),
        }
    }
}

/// The one row of the aggregate query `body` over `source`.
pub(crate) fn run<P: Platform, A: Allocator + Clone>(
    source: &mut Source<'_, P, A>,
    body: &SelectBody<'_, A>,
    env: Env<'_, A>,
) -> Result<Vec<Value<A>, A>> {
    let alloc = env.alloc.clone();
    let alias = from_of(body)?.and_then(|(_, a)| a);
    let mut accs = Vec::try_with_capacity_in(body.columns.len(), alloc.clone())?;
    for _ in body.columns.iter() {
        accs.try_push(Acc::<A>::new())?;
    }
    while source.advance()? {
        source.with_row(env, alias, |ctx| {
            if !matches(body, ctx)? {
                return Ok(());
            }
            for (column, acc) in body.columns.iter().zip(accs.iter_mut()) {
                let Some((kind, call)) = aggregate_of(column) else {
                    continue;
                };
                feed(kind, call, acc, ctx, &alloc)?;
            }
            Ok(())
        })?;
    }
    let ctx = env.context();
    let mut row = Vec::try_with_capacity_in(body.columns.len(), alloc.clone())?;
    for (column, acc) in body.columns.iter().zip(accs.drain(..)) {
        let value = match (aggregate_of(column), column) {
            (Some((kind, _)), _) => acc.finish(kind),
            (None, ResultColumn::Expr { expr, .. }) => evaluate(expr, &ctx)?,
            (None, _) => return Err(Error::Sql("* with an aggregate is not supported")),
        };
        row.try_push(value)?;
    }
    Ok(row)
}

/// Adds the current row of `ctx` to `acc`, the aggregate `call` of kind
/// `kind`.
pub(crate) fn feed<A: Allocator + Clone, C: crate::sql::eval::EvalContext<A>>(
    kind: Kind,
    call: &FunctionCall<'_, A>,
    acc: &mut Acc<A>,
    ctx: &C,
    alloc: &A,
) -> Result<()> {
    if call.distinct {
        return Err(Error::Sql("DISTINCT aggregates are not supported"));
    }
    match &call.args {
        FunctionArgs::List(args) if kind != Kind::CountStar => {
            let arg = args
                .first()
                .ok_or(Error::Sql("wrong number of arguments"))?;
            let value = evaluate(arg, ctx)?;
            // SQLite's min() and max() compare with the collation of
            // their argument: a COLLATE in it, else its column's own.
            let collation = match kind {
                Kind::Min | Kind::Max => match explicit_collation(arg)? {
                    Some(named) => named,
                    None => arg
                        .as_column()
                        .map_or(Collation::Binary, |c| ctx.column_collation(c)),
                },
                _ => Collation::Binary,
            };
            acc.add(kind, value.as_ref(), collation, alloc)
        }
        _ => acc.add(kind, ValueRef::Null, Collation::Binary, alloc),
    }
}
