//! The operators: arithmetic, bitwise, concatenation, comparison and the
//! three-valued logic of `AND`, `OR` and `NOT`.
//!
//! SQLite's rules, which these follow:
//! - any NULL operand gives NULL (except `IS`, `AND`, `OR`: see below);
//! - `+ - * /` on two integers stay integers unless the result
//!   overflows, in which case they are computed as reals; `/` truncates
//!   toward zero; dividing by zero (integer or real) gives NULL; `%` works
//!   on the operands' integer values and gives a real when either operand
//!   is not an integer; a NaN result is NULL;
//! - text and BLOB operands are read by their numeric prefix
//!   ([`numeric_value`]); bitwise operators use integer values, and a
//!   shift by a negative amount shifts the other way;
//! - `||` renders numbers as text (see `NumText::real`) and gives TEXT;
//! - comparison orders NULL < numbers < TEXT < BLOB, numbers by value
//!   (an integer and a real compare exactly), TEXT by collation;
//! - `AND`/`OR` are Kleene logic: false AND NULL is false, true OR NULL
//!   is true, everything else involving NULL is NULL.
//!
//! Invariant: only [`concat()`] allocates.

use core::cmp::Ordering;

use crate::alloc::{Allocator, Vec};
use crate::record::{Collation, ValueRef, compare_values};
use crate::sql::ast::BinaryOp;
use crate::{Error, Result};

use super::cast::{bytes_of, int_value, numeric_value, text_of};
use super::num::Numeric;
use super::value::Value;

/// The longest TEXT or BLOB a computation may build, in bytes (SQLite's
/// default `SQLITE_MAX_LENGTH`).
pub const MAX_LENGTH: usize = 1_000_000_000;

/// The error for a result longer than [`MAX_LENGTH`].
pub const TOO_BIG: Error = Error::Sql("string or blob too big");

/// `lhs op rhs` for `+ - * / %`. Any other operator gives NULL.
///
/// ```
/// use boundlite::record::ValueRef;
/// use boundlite::sql::BinaryOp;
/// use boundlite::sql::eval::arithmetic;
///
/// assert_eq!(arithmetic(BinaryOp::Div, ValueRef::Integer(7), ValueRef::Integer(-2)), ValueRef::Integer(-3));
/// assert_eq!(arithmetic(BinaryOp::Add, ValueRef::Integer(i64::MAX), ValueRef::Integer(1)), ValueRef::Real(9.223_372_036_854_776e18));
/// assert_eq!(arithmetic(BinaryOp::Rem, ValueRef::Integer(5), ValueRef::Integer(0)), ValueRef::Null);
/// assert_eq!(arithmetic(BinaryOp::Mul, ValueRef::text("3abc"), ValueRef::Real(0.5)), ValueRef::Real(1.5));
/// ```
pub fn arithmetic(op: BinaryOp, lhs: ValueRef<'_>, rhs: ValueRef<'_>) -> ValueRef<'static> {
    let (Some(a), Some(b)) = (numeric_value(lhs), numeric_value(rhs)) else {
        return ValueRef::Null;
    };
    if let (Numeric::Integer(x), Numeric::Integer(y)) = (a, b) {
        let exact = match op {
            BinaryOp::Add => x.checked_add(y),
            BinaryOp::Sub => x.checked_sub(y),
            BinaryOp::Mul => x.checked_mul(y),
            BinaryOp::Div if y == 0 => return ValueRef::Null,
            BinaryOp::Div => x.checked_div(y),
            BinaryOp::Rem if y == 0 => return ValueRef::Null,
            // x % -1 is 0; SQLite divides by 1 to avoid i64::MIN % -1.
            BinaryOp::Rem => x.checked_rem(if y == -1 { 1 } else { y }),
            _ => return ValueRef::Null,
        };
        if let Some(v) = exact {
            return ValueRef::Integer(v);
        }
    }
    let as_real = |n| match n {
        Numeric::Integer(i) => i as f64,
        Numeric::Real(r) => r,
    };
    let (x, y) = (as_real(a), as_real(b));
    let result = match op {
        BinaryOp::Add => x + y,
        BinaryOp::Sub => x - y,
        BinaryOp::Mul => x * y,
        BinaryOp::Div if y == 0.0 => return ValueRef::Null,
        BinaryOp::Div => x / y,
        BinaryOp::Rem => {
            let (x, y) = (int_value(lhs), int_value(rhs));
            if y == 0 {
                return ValueRef::Null;
            }
            x.wrapping_rem(if y == -1 { 1 } else { y }) as f64
        }
        _ => return ValueRef::Null,
    };
    ValueRef::real(result)
}

/// `-value`, which SQLite computes as `0 - value`.
pub fn negate(value: ValueRef<'_>) -> ValueRef<'static> {
    arithmetic(BinaryOp::Sub, ValueRef::Integer(0), value)
}

/// `~value`.
pub fn bit_not(value: ValueRef<'_>) -> ValueRef<'static> {
    match value {
        ValueRef::Null => ValueRef::Null,
        other => ValueRef::Integer(!int_value(other)),
    }
}

/// `lhs op rhs` for `& | << >>`. Any other operator gives NULL.
///
/// ```
/// use boundlite::record::ValueRef;
/// use boundlite::sql::BinaryOp;
/// use boundlite::sql::eval::bitwise;
///
/// assert_eq!(bitwise(BinaryOp::ShiftLeft, ValueRef::Integer(1), ValueRef::Integer(-1)), ValueRef::Integer(0));
/// assert_eq!(bitwise(BinaryOp::ShiftRight, ValueRef::Integer(-8), ValueRef::Integer(70)), ValueRef::Integer(-1));
/// ```
pub fn bitwise(op: BinaryOp, lhs: ValueRef<'_>, rhs: ValueRef<'_>) -> ValueRef<'static> {
    if lhs.is_null() || rhs.is_null() {
        return ValueRef::Null;
    }
    let (a, b) = (int_value(lhs), int_value(rhs));
    let (left, amount) = match op {
        BinaryOp::BitAnd => return ValueRef::Integer(a & b),
        BinaryOp::BitOr => return ValueRef::Integer(a | b),
        BinaryOp::ShiftLeft => (b >= 0, b),
        BinaryOp::ShiftRight => (b < 0, b),
        _ => return ValueRef::Null,
    };
    let amount = amount.unsigned_abs();
    let v = if amount >= 64 {
        if a >= 0 || left { 0 } else { -1 }
    } else if left {
        ((a as u64) << amount) as i64
    } else {
        a >> amount
    };
    ValueRef::Integer(v)
}

/// `lhs || rhs`: TEXT, or NULL when either side is NULL.
pub fn concat<A: Allocator>(lhs: ValueRef<'_>, rhs: ValueRef<'_>, alloc: A) -> Result<Value<A>> {
    let (Some(a), Some(b)) = (text_of(lhs), text_of(rhs)) else {
        return Ok(Value::Null);
    };
    let (a, b) = (bytes_of(&a), bytes_of(&b));
    let len = a.len().checked_add(b.len()).ok_or(TOO_BIG)?;
    if len > MAX_LENGTH {
        return Err(TOO_BIG);
    }
    let mut out = Vec::try_with_capacity_in(len, alloc)?;
    out.try_extend_from_slice(a)?;
    out.try_extend_from_slice(b)?;
    Ok(Value::Text(out))
}

/// How `lhs` orders against `rhs`, or `None` when either is NULL.
pub fn compare(lhs: ValueRef<'_>, rhs: ValueRef<'_>, collation: Collation) -> Option<Ordering> {
    if lhs.is_null() || rhs.is_null() {
        return None;
    }
    Some(compare_values(&lhs, &rhs, collation))
}

/// Whether an ordering satisfies a comparison operator (`= != < <= > >=`,
/// and `IS`/`IS NOT` as `=`/`!=`); `false` for any other operator.
pub fn ordering_satisfies(op: BinaryOp, ordering: Ordering) -> bool {
    match op {
        BinaryOp::Eq | BinaryOp::Is => ordering == Ordering::Equal,
        BinaryOp::Ne | BinaryOp::IsNot => ordering != Ordering::Equal,
        BinaryOp::Lt => ordering == Ordering::Less,
        BinaryOp::Le => ordering != Ordering::Greater,
        BinaryOp::Gt => ordering == Ordering::Greater,
        BinaryOp::Ge => ordering != Ordering::Less,
        _ => false,
    }
}

/// `lhs op rhs` for a comparison operator, with SQL's NULL rules: `IS`
/// and `IS NOT` treat two NULLs as equal and give 0 or 1; the others give
/// NULL when either side is NULL.
pub fn comparison(
    op: BinaryOp,
    lhs: ValueRef<'_>,
    rhs: ValueRef<'_>,
    collation: Collation,
) -> Option<bool> {
    match op {
        BinaryOp::Is | BinaryOp::IsNot => {
            let equal = match (lhs.is_null(), rhs.is_null()) {
                (true, true) => true,
                (true, false) | (false, true) => false,
                (false, false) => compare_values(&lhs, &rhs, collation) == Ordering::Equal,
            };
            Some(equal == (op == BinaryOp::Is))
        }
        _ => compare(lhs, rhs, collation).map(|o| ordering_satisfies(op, o)),
    }
}

/// Kleene `AND`.
pub fn and(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

/// Kleene `OR`.
pub fn or(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    }
}

/// A truth value as SQL gives it: 1, 0 or NULL.
pub fn truth_value(b: Option<bool>) -> ValueRef<'static> {
    b.map_or(ValueRef::Null, |b| ValueRef::Integer(i64::from(b)))
}
