//! SQLite's math functions (those its shell and most builds carry,
//! `SQLITE_ENABLE_MATH_FUNCTIONS`), by its `func.c`: computed in double
//! precision by `libm`, which runs without `std`.
//!
//! SQLite's rules they follow:
//! - an argument is read as a number after numeric affinity (`'4'` is
//!   4); NULL, a BLOB or text that is not a number makes the result NULL;
//! - a result that is not a number (`sqrt(-1)`) is NULL; infinities are
//!   kept;
//! - `ceil`, `floor` and `trunc` give an INTEGER argument back unchanged;
//! - `ln`, `log`, `log10` and `log2` of a number not above 0 are NULL, as
//!   is `log(B, X)` with a base not above 1.
//!
//! A transcendental function's result may differ from the one SQLite gets
//! from its C library in the last bit, as C libraries differ among
//! themselves; the tests allow that one unit in the last place and no
//! more.

use crate::record::ValueRef;

use super::affinity::numeric_affinity;

/// A math function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Math {
    /// `acos(x)`
    Acos,
    /// `acosh(x)`
    Acosh,
    /// `asin(x)`
    Asin,
    /// `asinh(x)`
    Asinh,
    /// `atan(x)`
    Atan,
    /// `atan2(y, x)`
    Atan2,
    /// `atanh(x)`
    Atanh,
    /// `ceil`, also `ceiling`
    Ceil,
    /// `cos(x)`
    Cos,
    /// `cosh(x)`
    Cosh,
    /// `degrees(x)`: radians to degrees
    Degrees,
    /// `exp(x)`
    Exp,
    /// `floor(x)`
    Floor,
    /// `ln(x)`: the natural logarithm
    Ln,
    /// `log(X)` (base 10) or `log(B, X)`
    Log,
    /// `log10(x)`
    Log10,
    /// `log2(x)`
    Log2,
    /// `mod(x, y)`: the remainder of `x / y`
    Mod,
    /// `pi()`
    Pi,
    /// `pow`, also `power`
    Pow,
    /// `radians(x)`: degrees to radians
    Radians,
    /// `sin(x)`
    Sin,
    /// `sinh(x)`
    Sinh,
    /// `sqrt(x)`
    Sqrt,
    /// `tan(x)`
    Tan,
    /// `tanh(x)`
    Tanh,
    /// `trunc(x)`: toward zero
    Trunc,
}

/// A name, its function, and the error for a wrong argument count.
macro_rules! math {
    ($name:literal, $f:ident) => {
        (
            $name,
            Math::$f,
            concat!("wrong number of arguments to function ", $name, "()"),
        )
    };
}

/// Names and functions, for lookup ignoring ASCII case.
pub(super) const MATH_NAMES: [(&str, Math, &str); 29] = [
    math!("acos", Acos),
    math!("acosh", Acosh),
    math!("asin", Asin),
    math!("asinh", Asinh),
    math!("atan", Atan),
    math!("atan2", Atan2),
    math!("atanh", Atanh),
    math!("ceil", Ceil),
    math!("ceiling", Ceil),
    math!("cos", Cos),
    math!("cosh", Cosh),
    math!("degrees", Degrees),
    math!("exp", Exp),
    math!("floor", Floor),
    math!("ln", Ln),
    math!("log", Log),
    math!("log10", Log10),
    math!("log2", Log2),
    math!("mod", Mod),
    math!("pi", Pi),
    math!("pow", Pow),
    math!("power", Pow),
    math!("radians", Radians),
    math!("sin", Sin),
    math!("sinh", Sinh),
    math!("sqrt", Sqrt),
    math!("tan", Tan),
    math!("tanh", Tanh),
    math!("trunc", Trunc),
];

impl Math {
    /// Whether the function takes `n` arguments.
    pub fn accepts(self, n: usize) -> bool {
        match self {
            Math::Pi => n == 0,
            Math::Atan2 | Math::Mod | Math::Pow => n == 2,
            Math::Log => n == 1 || n == 2,
            _ => n == 1,
        }
    }
}

/// `v` as a number after numeric affinity; `None` when it is not one.
fn number(v: ValueRef<'_>) -> Option<ValueRef<'static>> {
    match numeric_affinity(v, false) {
        ValueRef::Integer(i) => Some(ValueRef::Integer(i)),
        ValueRef::Real(r) => Some(ValueRef::Real(r)),
        _ => None,
    }
}

fn real(v: ValueRef<'_>) -> f64 {
    match v {
        ValueRef::Integer(i) => i as f64,
        ValueRef::Real(r) => r,
        _ => 0.0,
    }
}

/// A REAL result; NULL when it is not a number.
fn result(r: f64) -> ValueRef<'static> {
    if r.is_nan() {
        ValueRef::Null
    } else {
        ValueRef::Real(r)
    }
}

/// Calls `f` on `args` (the count checked with [`Math::accepts`]).
pub fn call(f: Math, args: &[ValueRef<'_>]) -> ValueRef<'static> {
    let arg = |i: usize| number(args.get(i).copied().unwrap_or(ValueRef::Null));
    if f == Math::Pi {
        return ValueRef::Real(core::f64::consts::PI);
    }
    let Some(x) = arg(0) else {
        return ValueRef::Null;
    };
    let v = real(x);
    let two = |g: fn(f64, f64) -> f64| match arg(1) {
        Some(y) => result(g(v, real(y))),
        None => ValueRef::Null,
    };
    let rounded = |g: fn(f64) -> f64| match x {
        ValueRef::Integer(_) => x,
        _ => result(g(v)),
    };
    let logarithm = |g: fn(f64) -> f64| {
        if v <= 0.0 {
            ValueRef::Null
        } else {
            result(g(v))
        }
    };
    match f {
        Math::Pi => ValueRef::Real(core::f64::consts::PI),
        Math::Acos => result(libm::acos(v)),
        Math::Acosh => result(libm::acosh(v)),
        Math::Asin => result(libm::asin(v)),
        Math::Asinh => result(libm::asinh(v)),
        Math::Atan => result(libm::atan(v)),
        Math::Atanh => result(libm::atanh(v)),
        Math::Cos => result(libm::cos(v)),
        Math::Cosh => result(libm::cosh(v)),
        Math::Sin => result(libm::sin(v)),
        Math::Sinh => result(libm::sinh(v)),
        Math::Tan => result(libm::tan(v)),
        Math::Tanh => result(libm::tanh(v)),
        Math::Exp => result(libm::exp(v)),
        Math::Sqrt => result(libm::sqrt(v)),
        Math::Degrees => result(v * (180.0 / core::f64::consts::PI)),
        Math::Radians => result(v * (core::f64::consts::PI / 180.0)),
        Math::Ceil => rounded(libm::ceil),
        Math::Floor => rounded(libm::floor),
        Math::Trunc => rounded(libm::trunc),
        Math::Atan2 => two(libm::atan2),
        Math::Mod => two(libm::fmod),
        Math::Pow => two(libm::pow),
        Math::Ln => logarithm(libm::log),
        Math::Log10 => logarithm(libm::log10),
        Math::Log2 => logarithm(libm::log2),
        Math::Log if args.len() < 2 => logarithm(libm::log10),
        Math::Log => {
            // `log(B, X)`: the base first.
            let base = libm::log(v);
            if v <= 0.0 || base <= 0.0 {
                return ValueRef::Null;
            }
            match arg(1).map(real) {
                Some(x) if x > 0.0 => result(libm::log(x) / base),
                _ => ValueRef::Null,
            }
        }
    }
}
