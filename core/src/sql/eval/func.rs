//! The scalar functions, by SQLite's definitions.
//!
//! `length`, `lower`, `upper`, `substr`/`substring`, `abs`, `typeof`,
//! `round`, `hex`, `zeroblob`, `random`, multi-argument `min`/`max`,
//! `nullif`, `instr`, `replace`, `trim`/`ltrim`/`rtrim`, `quote`,
//! `octet_length`, `likely`/`unlikely`/`likelihood`, and `like`/`glob`
//! (the function forms of the operators) are computed here from
//! evaluated arguments, the math functions in `math`, `concat`/`concat_ws` in `func_text`,
//! `char`/`unicode`/`unhex`/`soundex`/`randomblob`/`sign` in `codes`,
//! `printf`/`format` in `printf`, and `date`, `time`, `datetime`,
//! `julianday`, `unixepoch`, `strftime`, `timediff` in `datetime`, the
//! JSON functions in `json` (called by the evaluator, which knows their
//! arguments' subtypes);
//! `coalesce`, `ifnull` and `iif`, which evaluate their arguments
//! lazily, and `last_insert_rowid`, `changes`, `total_changes`, which
//! read the context, are named here and computed by the evaluator.
//!
//! Argument counts are SQLite's (`Scalar::accepts`); a call with
//! another count is an error that names the function, as SQLite's.
//!
//! Text functions count characters as SQLite does: a byte from 0xC0 up
//! starts a character that takes the continuation bytes after it, any
//! other byte is a character; `length` and `substr` stop at a NUL.
//! `lower` and `upper` change ASCII letters only.
//!
//! Invariants: a result that is one of the arguments unchanged is
//! returned as [`Output::Arg`], so it is not copied; results longer than
//! [`MAX_LENGTH`] are an error, not an allocation attempt.

use core::cmp::Ordering;

use crate::alloc::{Allocator, Vec};
use crate::record::{Collation, ValueRef, compare_values};
use crate::sql::ast::Ident;
use crate::{Error, Result};

use super::cast::{bytes_of, int_value, real_value, text_of};
use super::codes::{chars, random_blob, sign, soundex, unhex, unicode};
use super::datetime::{self, Clock};
use super::func_text::{concat_all, instr, quote, replace, round, substr, trim};
use super::json::{JSON_NAMES, JsonFn};
use super::like::{MAX_PATTERN_LENGTH, escape_of, glob, like};
use super::math::{self, MATH_NAMES, Math};
use super::ops::{MAX_LENGTH, TOO_BIG};
use super::printf::printf;
use super::value::Value;

/// A scalar function this evaluator knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar {
    /// `length(x)`
    Length,
    /// `lower(x)`
    Lower,
    /// `upper(x)`
    Upper,
    /// `substr(x, start[, len])`, also `substring`
    Substr,
    /// `abs(x)`
    Abs,
    /// `coalesce(x, y, ...)`, lazy
    Coalesce,
    /// `ifnull(x, y)`, lazy
    IfNull,
    /// `iif(cond, then, else)`, lazy
    Iif,
    /// `nullif(x, y)`
    NullIf,
    /// `typeof(x)`
    TypeOf,
    /// `round(x[, digits])`
    Round,
    /// `hex(x)`
    Hex,
    /// `zeroblob(n)`
    ZeroBlob,
    /// `random()`
    Random,
    /// `min(x, y, ...)`
    Min,
    /// `max(x, y, ...)`
    Max,
    /// `instr(haystack, needle)`
    Instr,
    /// `replace(x, from, to)`
    Replace,
    /// `trim(x[, chars])`
    Trim,
    /// `ltrim(x[, chars])`
    LTrim,
    /// `rtrim(x[, chars])`
    RTrim,
    /// `quote(x)`
    Quote,
    /// `date(time, modifiers...)`
    Date,
    /// `time(time, modifiers...)`
    Time,
    /// `datetime(time, modifiers...)`
    DateTime,
    /// `julianday(time, modifiers...)`
    JulianDay,
    /// `unixepoch(time, modifiers...)`
    UnixEpoch,
    /// `strftime(format, time, modifiers...)`
    StrFTime,
    /// `timediff(a, b)`
    TimeDiff,
    /// `printf(format, ...)`, also `format`
    Printf,
    /// `char(code, ...)`
    Char,
    /// `unicode(x)`
    Unicode,
    /// `unhex(x[, ignored])`
    Unhex,
    /// `randomblob(n)`
    RandomBlob,
    /// `sign(x)`
    Sign,
    /// `likely(x)`, `unlikely(x)`: `x`
    Likely,
    /// `likelihood(x, p)`: `x`
    Likelihood,
    /// `soundex(x)`
    Soundex,
    /// `concat(x, ...)`
    Concat,
    /// `concat_ws(separator, x, ...)`
    ConcatWs,
    /// `octet_length(x)`
    OctetLength,
    /// `last_insert_rowid()`, from the context
    LastInsertRowid,
    /// `changes()`, from the context
    Changes,
    /// `total_changes()`, from the context
    TotalChanges,
    /// `like(pattern, x[, escape])`: `x LIKE pattern`
    Like,
    /// `glob(pattern, x)`: `x GLOB pattern`
    Glob,
    /// A math function (`sqrt`, `pow`, `ln`...), in `math`
    Math(Math),
    /// A JSON function (`json_extract`, `json_set`...), in `json`,
    /// which the evaluator calls itself to give it its arguments'
    /// subtypes
    Json(JsonFn),
}

/// A name, its function, and the error for a wrong argument count,
/// which names the function as SQLite's does.
macro_rules! entry {
    ($name:literal, $f:ident) => {
        (
            $name,
            Scalar::$f,
            concat!("wrong number of arguments to function ", $name, "()"),
        )
    };
}

/// Names and functions, for lookup ignoring ASCII case.
const NAMES: [(&str, Scalar, &str); 49] = [
    entry!("length", Length),
    entry!("lower", Lower),
    entry!("upper", Upper),
    entry!("substr", Substr),
    entry!("substring", Substr),
    entry!("abs", Abs),
    entry!("coalesce", Coalesce),
    entry!("ifnull", IfNull),
    entry!("iif", Iif),
    entry!("nullif", NullIf),
    entry!("typeof", TypeOf),
    entry!("round", Round),
    entry!("hex", Hex),
    entry!("zeroblob", ZeroBlob),
    entry!("random", Random),
    entry!("min", Min),
    entry!("max", Max),
    entry!("instr", Instr),
    entry!("replace", Replace),
    entry!("trim", Trim),
    entry!("ltrim", LTrim),
    entry!("rtrim", RTrim),
    entry!("quote", Quote),
    entry!("date", Date),
    entry!("time", Time),
    entry!("datetime", DateTime),
    entry!("julianday", JulianDay),
    entry!("unixepoch", UnixEpoch),
    entry!("strftime", StrFTime),
    entry!("timediff", TimeDiff),
    entry!("printf", Printf),
    entry!("format", Printf),
    entry!("char", Char),
    entry!("unicode", Unicode),
    entry!("unhex", Unhex),
    entry!("randomblob", RandomBlob),
    entry!("sign", Sign),
    entry!("likely", Likely),
    entry!("unlikely", Likely),
    entry!("likelihood", Likelihood),
    entry!("soundex", Soundex),
    entry!("concat", Concat),
    entry!("concat_ws", ConcatWs),
    entry!("octet_length", OctetLength),
    entry!("last_insert_rowid", LastInsertRowid),
    entry!("changes", Changes),
    entry!("total_changes", TotalChanges),
    entry!("like", Like),
    entry!("glob", Glob),
];

impl Scalar {
    /// The function called `name`, if this evaluator knows it.
    pub fn lookup(name: &Ident<'_>) -> Option<Scalar> {
        let math = || {
            MATH_NAMES
                .iter()
                .find(|(n, _, _)| name.eq_ignore_ascii_case(n))
                .map(|&(_, f, _)| Scalar::Math(f))
        };
        let json = || {
            JSON_NAMES
                .iter()
                .find(|(n, _, _)| name.eq_ignore_ascii_case(n))
                .map(|&(_, f, _)| Scalar::Json(f))
        };
        NAMES
            .iter()
            .find(|(n, _, _)| name.eq_ignore_ascii_case(n))
            .map(|&(_, f, _)| f)
            .or_else(math)
            .or_else(json)
    }

    /// The error for a call of the function `name` with an argument
    /// count it does not take: `wrong number of arguments to function
    /// name()`, the name in lower case.
    pub fn wrong_count(name: &Ident<'_>) -> Error {
        let math = || {
            MATH_NAMES
                .iter()
                .find(|(n, _, _)| name.eq_ignore_ascii_case(n))
                .map(|&(_, _, m)| m)
        };
        let json = || {
            JSON_NAMES
                .iter()
                .find(|(n, _, _)| name.eq_ignore_ascii_case(n))
                .map(|&(_, _, m)| m)
        };
        let message = NAMES
            .iter()
            .find(|(n, _, _)| name.eq_ignore_ascii_case(n))
            .map(|&(_, _, m)| m)
            .or_else(math)
            .or_else(json)
            .unwrap_or("wrong number of arguments to function");
        Error::Sql(message)
    }

    /// Whether the function takes `n` arguments. (`min` and `max` with
    /// one argument are the aggregates, which the executor computes.)
    pub fn accepts(self, n: usize) -> bool {
        match self {
            Scalar::Random | Scalar::LastInsertRowid | Scalar::Changes | Scalar::TotalChanges => {
                n == 0
            }
            Scalar::Date
            | Scalar::Time
            | Scalar::DateTime
            | Scalar::JulianDay
            | Scalar::UnixEpoch
            | Scalar::StrFTime
            | Scalar::Printf
            | Scalar::Char => true,
            Scalar::TimeDiff | Scalar::Likelihood | Scalar::Glob => n == 2,
            Scalar::Like => n == 2 || n == 3,
            Scalar::Math(f) => f.accepts(n),
            Scalar::Json(f) => f.accepts(n),
            Scalar::Unicode
            | Scalar::RandomBlob
            | Scalar::Sign
            | Scalar::Likely
            | Scalar::Soundex
            | Scalar::OctetLength => n == 1,
            Scalar::Unhex => n == 1 || n == 2,
            Scalar::Concat => n >= 1,
            Scalar::ConcatWs => n >= 2,
            Scalar::Length
            | Scalar::Lower
            | Scalar::Upper
            | Scalar::Abs
            | Scalar::TypeOf
            | Scalar::Hex
            | Scalar::ZeroBlob
            | Scalar::Quote => n == 1,
            Scalar::IfNull | Scalar::NullIf | Scalar::Instr => n == 2,
            Scalar::Replace | Scalar::Iif => n == 3,
            Scalar::Substr => n == 2 || n == 3,
            Scalar::Round | Scalar::Trim | Scalar::LTrim | Scalar::RTrim => n == 1 || n == 2,
            Scalar::Coalesce | Scalar::Min | Scalar::Max => n >= 2,
        }
    }
}

/// A function's result.
#[derive(Debug)]
pub enum Output<A: Allocator> {
    /// The argument with this index, unchanged.
    Arg(usize),
    /// A computed value.
    Value(Value<A>),
}

/// Skips one character at `*i` as `SQLITE_SKIP_UTF8` does.
pub(super) fn skip_char(bytes: &[u8], i: &mut usize) {
    let lead = bytes.get(*i).copied();
    *i += 1;
    if lead.is_some_and(|b| b >= 0xc0) {
        while bytes.get(*i).is_some_and(|&b| b & 0xc0 == 0x80) {
            *i += 1;
        }
    }
}

/// `bytes` up to its first NUL, as SQLite's C-string functions see it.
pub(super) fn c_str(bytes: &[u8]) -> &[u8] {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    bytes.get(..end).unwrap_or(bytes)
}

/// The number of characters in `bytes`.
pub(super) fn char_count(bytes: &[u8]) -> usize {
    let mut i = 0;
    let mut n = 0;
    while i < bytes.len() {
        skip_char(bytes, &mut i);
        n += 1;
    }
    n
}

/// Text from bytes, refusing lengths beyond [`MAX_LENGTH`].
pub(super) fn text<A: Allocator>(bytes: &[u8], alloc: A) -> Result<Output<A>> {
    if bytes.len() > MAX_LENGTH {
        return Err(TOO_BIG);
    }
    Ok(Output::Value(Value::try_text(bytes, alloc)?))
}

/// A value that needs no memory.
pub(super) fn scalar<A: Allocator>(value: ValueRef<'_>) -> Result<Output<A>> {
    Ok(Output::Value(Value::scalar(value)))
}

/// Calls a non-lazy scalar function on evaluated arguments (the caller
/// has checked the count with [`Scalar::accepts`]). `collation` is the
/// one the arguments carry, for `min`, `max` and `nullif`; `random`
/// supplies `random()` and `randomblob()`; `clock` the time `'now'`
/// means.
pub fn call<A: Allocator + Clone>(
    function: Scalar,
    args: &[ValueRef<'_>],
    collation: Collation,
    random: &mut dyn FnMut() -> i64,
    clock: Clock<'_>,
    alloc: A,
) -> Result<Output<A>> {
    let arg = |i: usize| args.get(i).copied().unwrap_or(ValueRef::Null);
    let x = arg(0);
    match function {
        Scalar::Random => scalar(ValueRef::Integer(random())),
        Scalar::TypeOf => {
            let name: &[u8] = match x {
                ValueRef::Null => b"null",
                ValueRef::Integer(_) => b"integer",
                ValueRef::Real(_) => b"real",
                ValueRef::Text(_) => b"text",
                ValueRef::Blob(_) => b"blob",
            };
            text(name, alloc)
        }
        Scalar::Length => match x {
            ValueRef::Null => scalar(ValueRef::Null),
            ValueRef::Blob(b) => scalar(ValueRef::Integer(b.len() as i64)),
            other => {
                let t = stringify_or_empty(other);
                scalar(ValueRef::Integer(char_count(c_str(bytes_of(&t))) as i64))
            }
        },
        Scalar::Lower | Scalar::Upper => {
            let Some(t) = text_of(x) else {
                return scalar(ValueRef::Null);
            };
            let mut out = Vec::try_from_slice_in(bytes_of(&t), alloc)?;
            if function == Scalar::Lower {
                out.make_ascii_lowercase();
            } else {
                out.make_ascii_uppercase();
            }
            Ok(Output::Value(Value::Text(out)))
        }
        Scalar::Abs => match x {
            ValueRef::Null => scalar(ValueRef::Null),
            ValueRef::Integer(i) => i
                .checked_abs()
                .map(|v| Output::Value(Value::Integer(v)))
                .ok_or(Error::Sql("integer overflow")),
            other => {
                let r = real_value(other);
                scalar(ValueRef::real(if r < 0.0 { -r } else { r }))
            }
        },
        Scalar::Substr => substr(args, alloc),
        Scalar::Round => round(args),
        Scalar::Hex => {
            const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
            let t = text_of(x);
            let bytes = t.as_ref().map_or(&[][..], bytes_of);
            if bytes.len() > MAX_LENGTH / 2 {
                return Err(TOO_BIG);
            }
            let mut out = Vec::try_with_capacity_in(bytes.len() * 2, alloc)?;
            for &b in bytes {
                let hi = DIGITS.get(usize::from(b >> 4)).copied().unwrap_or(b'0');
                let lo = DIGITS.get(usize::from(b & 15)).copied().unwrap_or(b'0');
                out.try_extend_from_slice(&[hi, lo])?;
            }
            Ok(Output::Value(Value::Text(out)))
        }
        Scalar::ZeroBlob => Ok(Output::Value(Value::Blob(Vec::try_from_elem_in(
            0,
            zeroblob_len(x)?,
            alloc,
        )?))),
        Scalar::Min | Scalar::Max => {
            let mut best = 0;
            for (i, v) in args.iter().enumerate() {
                if v.is_null() {
                    return scalar(ValueRef::Null);
                }
                let order = compare_values(&arg(best), v, collation);
                // min keeps the last of equal values, max the first, as
                // SQLite's `minmaxFunc` does.
                let replace = match function {
                    Scalar::Min => order != Ordering::Less,
                    _ => order == Ordering::Less,
                };
                if i > 0 && replace {
                    best = i;
                }
            }
            Ok(Output::Arg(best))
        }
        Scalar::NullIf => {
            if compare_values(&x, &arg(1), collation) == Ordering::Equal {
                scalar(ValueRef::Null)
            } else {
                Ok(Output::Arg(0))
            }
        }
        Scalar::Instr => instr(x, arg(1)),
        Scalar::Replace => replace(x, arg(1), arg(2), alloc),
        Scalar::Trim | Scalar::LTrim | Scalar::RTrim => trim(function, args, alloc),
        Scalar::Quote => quote(x, alloc),
        Scalar::Date
        | Scalar::Time
        | Scalar::DateTime
        | Scalar::JulianDay
        | Scalar::UnixEpoch
        | Scalar::StrFTime
        | Scalar::TimeDiff => datetime::call(function, args, clock, alloc),
        Scalar::Printf => printf(args, alloc),
        Scalar::Char => chars(args, alloc),
        Scalar::Unicode => unicode(x),
        Scalar::Unhex => unhex(x, arg(1), args.len() == 2, alloc),
        Scalar::RandomBlob => random_blob(x, random, alloc),
        Scalar::Sign => sign(x),
        Scalar::Likely | Scalar::Likelihood => Ok(Output::Arg(0)),
        Scalar::Soundex => soundex(x, alloc),
        Scalar::Concat => concat_all(None, args, alloc),
        Scalar::Like | Scalar::Glob => pattern_call(function, args),
        Scalar::Math(f) => scalar(math::call(f, args)),
        Scalar::ConcatWs => match text_of(x) {
            None => scalar(ValueRef::Null),
            Some(sep) => concat_all(Some(bytes_of(&sep)), args.get(1..).unwrap_or(&[]), alloc),
        },
        Scalar::OctetLength => match x {
            ValueRef::Null => scalar(ValueRef::Null),
            other => {
                let t = stringify_or_empty(other);
                scalar(ValueRef::Integer(bytes_of(&t).len() as i64))
            }
        },
        // Evaluated by the caller (lazily, from the context, or with
        // their arguments' subtypes); reaching here is a caller bug,
        // reported rather than trusted.
        Scalar::Coalesce
        | Scalar::IfNull
        | Scalar::Iif
        | Scalar::LastInsertRowid
        | Scalar::Changes
        | Scalar::TotalChanges
        | Scalar::Json(_) => Err(Error::Misuse("lazy function called eagerly")),
    }
}

/// The length of `zeroblob(n)`: `n` as an integer, 0 when negative;
/// longer than [`MAX_LENGTH`] is an error.
pub fn zeroblob_len(n: ValueRef<'_>) -> Result<usize> {
    usize::try_from(int_value(n).max(0))
        .ok()
        .filter(|&n| n <= MAX_LENGTH)
        .ok_or(TOO_BIG)
}

/// The text of a non-NULL value (NULL reads as empty).
pub(super) fn stringify_or_empty(value: ValueRef<'_>) -> super::affinity::Coerced<'_> {
    text_of(value).unwrap_or(super::affinity::Coerced::Value(ValueRef::Text(&[])))
}

/// `like(pattern, x[, escape])` and `glob(pattern, x)`, as SQLite's
/// `likeFunc`: the pattern first; NULL when an argument is NULL.
fn pattern_call<A: Allocator>(function: Scalar, args: &[ValueRef<'_>]) -> Result<Output<A>> {
    let arg = |i: usize| args.get(i).copied().unwrap_or(ValueRef::Null);
    let pattern = text_of(arg(0));
    if pattern.as_ref().map_or(0, |p| bytes_of(p).len()) > MAX_PATTERN_LENGTH {
        return Err(Error::Sql("LIKE or GLOB pattern too complex"));
    }
    let escape = match args.get(2) {
        None => None,
        Some(&e) => match text_of(e) {
            Some(e) => Some(escape_of(bytes_of(&e))?),
            None => return scalar(ValueRef::Null),
        },
    };
    let (Some(pattern), Some(x)) = (pattern, text_of(arg(1))) else {
        return scalar(ValueRef::Null);
    };
    let (pattern, x) = (bytes_of(&pattern), bytes_of(&x));
    let matched = match function {
        Scalar::Glob => glob(pattern, x),
        _ => like(pattern, x, escape),
    };
    scalar(ValueRef::Integer(i64::from(matched)))
}
