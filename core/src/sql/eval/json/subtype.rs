//! Which arguments of a JSON function are JSON: SQLite marks the results
//! of its JSON functions with a subtype, and a JSON function reading an
//! argument so marked takes it as JSON (`json_array(json('[1]'))` is
//! `[[1]]`, `json_array('[1]')` is `["[1]"]`).
//!
//! This engine's values carry no subtype, so it is read from the
//! argument's expression: a call of a JSON function that gives one, or
//! `->`, or a column of `json_each` or `json_tree` (`value`, on an
//! array or object: see `EvalContext::column_json`). `json_extract` with one path gives it only to an array or
//! object, which the evaluator learns when it computes that call. Where
//! the subtype could reach the argument through another expression
//! (`CASE`, `coalesce`, `iif`, `COLLATE`...) the answer is
//! [`Subtype::Unknown`] and the call is refused rather than guessed.

use crate::alloc::Allocator;
use crate::sql::ast::{BinaryOp, Expr, FunctionArgs, UnaryOp};

use super::{JSON_NAMES, JsonFn};

/// Whether an argument's value has SQLite's JSON subtype.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Subtype {
    /// No: text is a JSON string.
    Plain,
    /// Yes: text is JSON.
    Json,
    /// When the value is an array or object: a `json_extract` call with
    /// one path, which the evaluator computes itself to know.
    Extracted,
    /// It may or may not be: refused.
    Unknown,
}

/// The error refusing an argument whose subtype cannot be told.
pub(crate) const UNKNOWN_SUBTYPE: crate::Error = crate::Error::Sql(
    "a JSON function's result reaching another JSON function through CASE, coalesce, iif, nullif or COLLATE is not supported",
);

/// The error refusing a value of `json_each`'s or `json_tree`'s `value`
/// column where whether SQLite keeps its subtype depends on its plan.
pub(crate) const UNKNOWN_COLUMN_SUBTYPE: crate::Error = crate::Error::Sql(
    "the value column of json_each or json_tree reaching a JSON function through a subquery, a group, CASE, coalesce, iif, nullif or COLLATE is not supported",
);

/// Whether `found` holds for `expr` or an operand through which SQLite
/// may pass a value on with its subtype (`CASE` branches, the passing
/// functions, `COLLATE`, unary `+`).
pub(crate) fn may_pass<A: Allocator>(
    expr: &Expr<'_, A>,
    found: &mut dyn FnMut(&Expr<'_, A>) -> bool,
) -> bool {
    if found(expr) {
        return true;
    }
    match expr {
        Expr::Function(call) if PASSING.iter().any(|n| call.name.eq_ignore_ascii_case(n)) => {
            match &call.args {
                FunctionArgs::List(args) => args.iter().any(|a| may_pass(a, found)),
                FunctionArgs::Star => false,
            }
        }
        Expr::Case(c) => c
            .arms
            .iter()
            .map(|arm| &arm.then)
            .chain(c.otherwise.as_ref())
            .any(|e| may_pass(e, found)),
        Expr::Collate(inner, _) | Expr::Unary(UnaryOp::Plus, inner) => may_pass(inner, found),
        _ => false,
    }
}

/// The names of the aggregates that give the subtype.
const AGGREGATES: [&str; 2] = ["json_group_array", "json_group_object"];

/// The names of the functions that pass an argument through as their
/// result, which SQLite does with its subtype.
const PASSING: [&str; 10] = [
    "coalesce",
    "ifnull",
    "iif",
    "if",
    "nullif",
    "likely",
    "unlikely",
    "likelihood",
    "min",
    "max",
];

/// The subtype of `expr`'s value.
pub(crate) fn subtype_of<A: Allocator>(expr: &Expr<'_, A>) -> Subtype {
    match expr {
        Expr::Binary(b) if b.op == BinaryOp::Extract => Subtype::Json,
        Expr::Function(call) => {
            let named = |n: &str| call.name.eq_ignore_ascii_case(n);
            let args = match &call.args {
                FunctionArgs::List(args) => args.as_slice(),
                FunctionArgs::Star => &[],
            };
            if AGGREGATES.iter().any(|n| named(n)) {
                return Subtype::Json;
            }
            if let Some(&(_, f, _)) = JSON_NAMES.iter().find(|(n, _, _)| named(n)) {
                return match f {
                    JsonFn::Extract
                        if args.len() == 2
                            && call.over.is_none()
                            && call.filter.is_none()
                            && !call.distinct =>
                    {
                        Subtype::Extracted
                    }
                    f if f.gives_json() => Subtype::Json,
                    _ => Subtype::Plain,
                };
            }
            if PASSING.iter().any(|n| named(n))
                && args.iter().any(|a| subtype_of(a) != Subtype::Plain)
            {
                return Subtype::Unknown;
            }
            Subtype::Plain
        }
        Expr::Case(c) => {
            let branches = c
                .arms
                .iter()
                .map(|arm| &arm.then)
                .chain(c.otherwise.as_ref());
            for branch in branches {
                if subtype_of(branch) != Subtype::Plain {
                    return Subtype::Unknown;
                }
            }
            Subtype::Plain
        }
        Expr::Collate(inner, _) | Expr::Unary(UnaryOp::Plus, inner) => match subtype_of(inner) {
            Subtype::Plain => Subtype::Plain,
            _ => Subtype::Unknown,
        },
        _ => Subtype::Plain,
    }
}
