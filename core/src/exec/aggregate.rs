//! The aggregate functions SQLite has: `count(*)`, `count(x)`, `min`,
//! `max`, `sum`, `total`, `avg`, `group_concat(x[, sep])` and
//! `string_agg(x, sep)`, `json_group_array(x)` and
//! `json_group_object(label, x)`: which call is which, and [`Acc`], the
//! running state of one over the rows of a group.
//!
//! Invariants, as SQLite's `func.c` has them: NULLs are skipped; `sum`
//! stays an INTEGER while every input is one and fails on overflow,
//! `total` and `avg` are REAL, all three summed as `sum` says; `sum`, `avg`, `min`, `max` and
//! `group_concat` of no rows are NULL, `count` and `total` are 0; `min`
//! and `max` compare with their argument's collation and keep the first
//! of equal values; `group_concat` joins the text of its values with the
//! separator (`,` by default, nothing when the separator is NULL) and
//! grows its result only through fallible allocation, up to SQLite's
//! length limit. The JSON aggregates keep NULLs (as `null`; a NULL label
//! skips its row), are `[]` and `{}` over no rows, and write their values
//! as `json_array` does, taking an argument with SQLite's JSON subtype
//! as JSON.

use crate::alloc::{Allocator, Vec};
use crate::record::{Collation, ValueRef, compare_values};
use crate::sql::FunctionArgs;
use crate::sql::FunctionCall;
use crate::sql::eval::cast::{bytes_of, text_of};
use crate::sql::eval::json::{self, Subtype, UNKNOWN_SUBTYPE, subtype_of};
use crate::sql::eval::ops::{MAX_LENGTH, TOO_BIG};
use crate::sql::eval::{EvalContext, Value, evaluate, evaluate_json_arg};
use crate::{Error, Result};

use super::sum::Sum;

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
    GroupConcat,
    /// `json_group_array`, with the subtype of its argument as the
    /// expression tells it
    JsonArray(Subtype),
    /// `json_group_object`, with the subtype of its value argument
    JsonObject(Subtype),
}

impl Kind {
    /// Whether SQLite loads a query's bare columns from the rows that
    /// set this aggregate (`min` and `max`).
    pub(crate) fn picks_row(self) -> bool {
        matches!(self, Kind::Min | Kind::Max)
    }
}

/// The aggregate `call` is, if it is one.
pub(crate) fn kind_of<A: Allocator>(call: &FunctionCall<'_, A>) -> Option<Kind> {
    let arity = match &call.args {
        FunctionArgs::List(a) => a.len(),
        FunctionArgs::Star => 0,
    };
    let named = |n: &str| call.name.eq_ignore_ascii_case(n);
    if named("count") {
        return match (&call.args, arity) {
            (FunctionArgs::Star, _) | (_, 0) => Some(Kind::CountStar),
            (_, 1) => Some(Kind::Count),
            _ => None,
        };
    }
    if named("group_concat") && matches!(arity, 1 | 2) || named("string_agg") && arity == 2 {
        return Some(Kind::GroupConcat);
    }
    let arg = |i: usize| match &call.args {
        FunctionArgs::List(a) => a.get(i).map_or(Subtype::Plain, subtype_of),
        FunctionArgs::Star => Subtype::Plain,
    };
    if named("json_group_array") && arity == 1 {
        return Some(Kind::JsonArray(arg(0)));
    }
    if named("json_group_object") && arity == 2 {
        return Some(Kind::JsonObject(arg(1)));
    }
    if arity != 1 {
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

/// What a row did to a `min` or `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// It set the aggregate, or left it unset (SQLite's aggregate step
    /// did not call `sqlite3SkipAccumulatorLoad`).
    Set,
    /// It left a value that was set as it was.
    Passed,
}

/// The running state of one aggregate.
pub(crate) struct Acc<A: Allocator> {
    count: i64,
    sum: Sum,
    best: Value<A>,
    /// `group_concat`'s text, once a value that is not NULL came.
    text: Option<Vec<u8, A>>,
}

impl<A: Allocator + Clone> Acc<A> {
    pub(crate) fn new() -> Self {
        Acc {
            count: 0,
            sum: Sum::Integer(0),
            best: Value::Null,
            text: None,
        }
    }

    /// Adds `value`, comparing with `collation` for `min` and `max`;
    /// `group_concat` puts `separator` before it (its text; nothing when
    /// NULL; `,` when `None`).
    pub(crate) fn add(
        &mut self,
        kind: Kind,
        value: ValueRef<'_>,
        separator: Option<ValueRef<'_>>,
        collation: Collation,
        alloc: &A,
    ) -> Result<Step> {
        if kind == Kind::CountStar {
            self.count += 1;
            return Ok(Step::Set);
        }
        if let Kind::JsonArray(sub) | Kind::JsonObject(sub) = kind {
            let json = match sub {
                Subtype::Plain => false,
                Subtype::Json => true,
                Subtype::Extracted => return Err(EXTRACTED_IN_WINDOW),
                Subtype::Unknown => return Err(UNKNOWN_SUBTYPE),
            };
            self.add_json(kind, value, separator, json, alloc)?;
            return Ok(Step::Set);
        }
        if value.is_null() {
            let unset = self.best.is_null();
            return Ok(if unset { Step::Set } else { Step::Passed });
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
                if !better {
                    return Ok(Step::Passed);
                }
                self.best = Value::try_from_ref(value, alloc.clone())?;
            }
            Kind::Sum | Kind::Total | Kind::Avg => self.sum.add(value),
            Kind::GroupConcat => self.concat(value, separator, alloc)?,
            Kind::CountStar | Kind::Count | Kind::JsonArray(_) | Kind::JsonObject(_) => {}
        }
        Ok(Step::Set)
    }

    /// Adds a row to `json_group_array` (`value`) or `json_group_object`
    /// (`label`, `value`): `json` when `value` has the JSON subtype.
    fn add_json(
        &mut self,
        kind: Kind,
        first: ValueRef<'_>,
        second: Option<ValueRef<'_>>,
        json: bool,
        alloc: &A,
    ) -> Result<()> {
        let (label, value) = match kind {
            Kind::JsonObject(_) => {
                let label = text_of(first);
                let Some(label) = label else {
                    return Ok(());
                };
                (Some(label), second.unwrap_or(ValueRef::Null))
            }
            _ => (None, first),
        };
        let text = match &mut self.text {
            Some(text) => {
                grow(text, b",")?;
                text
            }
            None => self.text.insert(Vec::new_in(alloc.clone())),
        };
        if let Some(label) = label {
            // SQLite reads the label as a C string: up to a NUL.
            let bytes = bytes_of(&label);
            let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
            json::push_label(text, bytes.get(..end).unwrap_or_default())?;
            grow(text, b":")?;
        }
        json::push_sql_value(text, value, json)
    }

    /// Appends the text of `value` to `group_concat`'s, after the
    /// separator unless it is the first.
    fn concat(
        &mut self,
        value: ValueRef<'_>,
        separator: Option<ValueRef<'_>>,
        alloc: &A,
    ) -> Result<()> {
        let value = text_of(value);
        let separator = text_of(separator.unwrap_or(ValueRef::text(",")));
        let (value, separator) = (
            value.as_ref().map_or(&[][..], bytes_of),
            separator.as_ref().map_or(&[][..], bytes_of),
        );
        let text = match &mut self.text {
            Some(text) => {
                grow(text, separator)?;
                text
            }
            None => self.text.insert(Vec::new_in(alloc.clone())),
        };
        grow(text, value)
    }

    /// The aggregate's value so far, the state kept for more rows (a
    /// window's running aggregate); `sum` fails on an integer overflow.
    pub(crate) fn value(&self, kind: Kind, alloc: &A) -> Result<Value<A>> {
        match kind {
            Kind::Min | Kind::Max => Ok(Value::try_from_ref(self.best.as_ref(), alloc.clone())?),
            Kind::GroupConcat => Ok(match &self.text {
                Some(text) => Value::Text(Vec::try_from_slice_in(text, alloc.clone())?),
                None => Value::Null,
            }),
            Kind::JsonArray(_) | Kind::JsonObject(_) => {
                let (open, close) = brackets(kind);
                let body = self.text.as_deref().unwrap_or_default();
                let mut out = Vec::try_with_capacity_in(body.len() + 2, alloc.clone())?;
                out.try_push(open)?;
                out.try_extend_from_slice(body)?;
                out.try_push(close)?;
                Ok(Value::Text(out))
            }
            _ => Acc {
                count: self.count,
                sum: self.sum,
                best: Value::Null,
                text: None,
            }
            .finish(kind, alloc),
        }
    }

    /// The aggregate's value; `sum` fails on an integer overflow.
    pub(crate) fn finish(self, kind: Kind, alloc: &A) -> Result<Value<A>> {
        Ok(match kind {
            Kind::CountStar | Kind::Count => Value::Integer(self.count),
            Kind::Min | Kind::Max => self.best,
            Kind::Sum | Kind::Avg if self.count == 0 => Value::Null,
            Kind::Sum => match self.sum {
                Sum::Integer(s) => Value::Integer(s),
                Sum::Real {
                    overflowed: true, ..
                } => return Err(Error::Sql("integer overflow")),
                real => Value::real(real.real()),
            },
            Kind::Total => Value::real(self.sum.real()),
            Kind::Avg => Value::real(self.sum.real() / self.count as f64),
            Kind::GroupConcat => self.text.map_or(Value::Null, Value::Text),
            Kind::JsonArray(_) | Kind::JsonObject(_) => return self.value(kind, alloc),
        })
    }
}

/// The refusal of a JSON aggregate's argument whose subtype is known only
/// once computed (`json_extract` with one path) where the aggregate reads
/// stored values (a window, `DISTINCT`).
const EXTRACTED_IN_WINDOW: Error = Error::Sql(
    "json_extract() with one path as the argument of a JSON aggregate over a window or with DISTINCT is not supported",
);

/// The brackets around a JSON aggregate's members.
fn brackets(kind: Kind) -> (u8, u8) {
    match kind {
        Kind::JsonObject(_) => (b'{', b'}'),
        _ => (b'[', b']'),
    }
}

/// Appends `bytes` to `text`, refusing a result past SQLite's length
/// limit.
fn grow<A: Allocator>(text: &mut Vec<u8, A>, bytes: &[u8]) -> Result<()> {
    if text.len().saturating_add(bytes.len()) > MAX_LENGTH {
        return Err(TOO_BIG);
    }
    Ok(text.try_extend_from_slice(bytes)?)
}

/// Adds the row of `ctx` to `acc`, the aggregate `call` of kind `kind`:
/// evaluates its arguments there.
pub(crate) fn feed<A: Allocator + Clone, C: EvalContext<A>>(
    kind: Kind,
    call: &FunctionCall<'_, A>,
    collation: Collation,
    acc: &mut Acc<A>,
    ctx: &C,
) -> Result<Step> {
    let alloc = ctx.allocator();
    let args = match &call.args {
        FunctionArgs::List(args) if kind != Kind::CountStar => args.as_slice(),
        _ => return acc.add(kind, ValueRef::Null, None, collation, &alloc),
    };
    if let Kind::JsonArray(_) | Kind::JsonObject(_) = kind {
        let (first, second) = (args.first(), args.get(1));
        let value_arg = if second.is_some() { second } else { first };
        let Some(value_arg) = value_arg else {
            return Err(Error::Sql("wrong number of arguments to function"));
        };
        let (value, json) = evaluate_json_arg(value_arg, ctx)?;
        let label = match (first, second) {
            (Some(label), Some(_)) => Some(evaluate(label, ctx)?),
            _ => None,
        };
        let (first, second) = match &label {
            Some(label) => (label.as_ref(), Some(value.as_ref())),
            None => (value.as_ref(), None),
        };
        acc.add_json(kind, first, second, json, &alloc)?;
        return Ok(Step::Set);
    }
    let value = match args.first() {
        Some(arg) => evaluate(arg, ctx)?,
        None => return Err(Error::Sql("wrong number of arguments to function")),
    };
    let separator = match args.get(1) {
        Some(separator) => Some(evaluate(separator, ctx)?),
        None => None,
    };
    let separator = separator.as_ref().map(Value::as_ref);
    acc.add(kind, value.as_ref(), separator, collation, &alloc)
}
