//! The text and number functions of `func` with the most rules:
//! `substr`, `round`, `instr`, `replace`, `trim` and `quote`, each by
//! the SQLite C function it names.
//!
//! Invariant: as in `func`, results longer than [`MAX_LENGTH`] are an
//! error, and an unchanged argument is returned as [`Output::Arg`].

use crate::Result;
use crate::alloc::{Allocator, Vec};
use crate::record::ValueRef;

use super::cast::{bytes_of, int_value, real_value, text_of};
use super::fp_decode::fp_decode;
use super::func::{Output, Scalar, c_str, char_count, scalar, skip_char, stringify_or_empty, text};
use super::num::{NumText, atof};
use super::ops::{MAX_LENGTH, TOO_BIG};
use super::value::Value;

/// Skips one character for `substr`: an ASCII byte, or a byte from 0x80
/// up and the continuation bytes after it; never past a NUL.
fn substr_skip(bytes: &[u8], i: &mut usize) -> bool {
    match bytes.get(*i) {
        None | Some(0) => false,
        Some(1..=0x7f) => {
            *i += 1;
            true
        }
        Some(_) => {
            *i += 1;
            while bytes.get(*i).is_some_and(|&b| b & 0xc0 == 0x80) {
                *i += 1;
            }
            true
        }
    }
}

/// `substr(x, start[, len])` by SQLite's `substrFunc`: 1-based, a
/// negative start counts from the end, a negative length takes the
/// characters before the start; characters for text, bytes for BLOBs. An
/// empty BLOB gives NULL, as SQLite (whose empty BLOB has no pointer).
pub(super) fn substr<A: Allocator>(args: &[ValueRef<'_>], alloc: A) -> Result<Output<A>> {
    let arg = |i: usize| args.get(i).copied().unwrap_or(ValueRef::Null);
    let x = arg(0);
    let mut p1 = int_value(arg(1));
    let t = stringify_or_empty(x);
    let (bytes, len) = match x {
        ValueRef::Null => return scalar(ValueRef::Null),
        ValueRef::Blob([]) => return scalar(ValueRef::Null),
        ValueRef::Blob(b) => (b, b.len() as i64),
        _ => {
            let bytes = bytes_of(&t);
            let len = if p1 < 0 {
                char_count(c_str(bytes)) as i64
            } else {
                0
            };
            (bytes, len)
        }
    };
    let mut p2 = if args.len() == 3 {
        if arg(2).is_null() {
            return scalar(ValueRef::Null);
        }
        int_value(arg(2))
    } else {
        i64::MAX
    };
    if p1 == 0 && arg(1).is_null() {
        return scalar(ValueRef::Null);
    }
    if p1 < 0 {
        p1 += len;
        if p1 < 0 {
            p2 = if p2 < 0 { 0 } else { p2.saturating_add(p1) };
            p1 = 0;
        }
    } else if p1 > 0 {
        p1 -= 1;
    } else if p2 > 0 {
        p2 -= 1;
    }
    if p2 < 0 {
        p2 = if p2 < -p1 { p1 } else { -p2 };
        p1 -= p2;
    }
    if let ValueRef::Blob(_) = x {
        if p1 >= len {
            (p1, p2) = (0, 0);
        } else if p2 > len - p1 {
            p2 = len - p1;
        }
        let (start, count) = (p1 as usize, p2 as usize);
        let slice = bytes.get(start..start + count).unwrap_or(&[]);
        return Ok(Output::Value(Value::try_blob(slice, alloc)?));
    }
    let mut start = 0;
    while p1 > 0 && substr_skip(bytes, &mut start) {
        p1 -= 1;
    }
    let mut end = start;
    while p2 > 0 && substr_skip(bytes, &mut end) {
        p2 -= 1;
    }
    text(bytes.get(start..end).unwrap_or(&[]), alloc)
}

/// `round(x[, digits])` by SQLite's `roundFunc`: half away from zero,
/// always a real.
pub(super) fn round<A: Allocator>(args: &[ValueRef<'_>]) -> Result<Output<A>> {
    let arg = |i: usize| args.get(i).copied().unwrap_or(ValueRef::Null);
    let digits = if args.len() == 2 {
        if arg(1).is_null() {
            return scalar(ValueRef::Null);
        }
        int_value(arg(1)).clamp(0, 30)
    } else {
        0
    };
    if arg(0).is_null() {
        return scalar(ValueRef::Null);
    }
    let r = real_value(arg(0));
    const NO_FRACTION: f64 = 4_503_599_627_370_496.0;
    let rounded = if !(-NO_FRACTION..=NO_FRACTION).contains(&r) {
        r
    } else if digits == 0 {
        ((r + if r < 0.0 { -0.5 } else { 0.5 }) as i64) as f64
    } else {
        round_decimal(r, digits as i32)
    };
    scalar(ValueRef::real(rounded))
}

/// `r` rounded to `n` decimals as SQLite's `%!.*f` then `sqlite3AtoF` do:
/// SQLite's digits (see `fp_decode`), at most 20 significant, half away
/// from zero, read back.
fn round_decimal(r: f64, n: i32) -> f64 {
    let negative = r < 0.0;
    if r == 0.0 {
        // SQLite prints zero without its sign.
        return 0.0;
    }
    let d = fp_decode(r.abs(), -n, 20);
    // The digits `%.nf` shows; those past the n-th decimal print as 0.
    let shown = (d.idp + n).clamp(0, d.n as i32) as usize;
    let digits = d.digits().get(..shown).unwrap_or(&[]);
    if digits.iter().all(|&b| b == b'0') {
        return if negative { -0.0 } else { 0.0 };
    }
    let mut out = NumText::empty_buffer();
    if negative {
        out.push(b"-");
    }
    out.push(digits);
    let scale = d.idp - shown as i32;
    let _ = core::fmt::Write::write_fmt(&mut out, format_args!("e{scale}"));
    atof(out.as_bytes()).0
}

/// `instr(haystack, needle)` by SQLite's `instrFunc`.
pub(super) fn instr<A: Allocator>(
    haystack: ValueRef<'_>,
    needle: ValueRef<'_>,
) -> Result<Output<A>> {
    let (Some(h), Some(n)) = (text_of(haystack), text_of(needle)) else {
        return scalar(ValueRef::Null);
    };
    let both_blobs = matches!((haystack, needle), (ValueRef::Blob(_), ValueRef::Blob(_)));
    let (h, n) = (bytes_of(&h), bytes_of(&n));
    if n.is_empty() {
        return scalar(ValueRef::Integer(1));
    }
    let mut position = 1i64;
    let mut i = 0;
    while i + n.len() <= h.len() {
        if h.get(i..i + n.len()) == Some(n) {
            return scalar(ValueRef::Integer(position));
        }
        position += 1;
        i += 1;
        while !both_blobs && h.get(i).is_some_and(|&b| b & 0xc0 == 0x80) {
            i += 1;
        }
    }
    scalar(ValueRef::Integer(0))
}

/// `replace(x, from, to)` by SQLite's `replaceFunc`.
pub(super) fn replace<A: Allocator>(
    x: ValueRef<'_>,
    from: ValueRef<'_>,
    to: ValueRef<'_>,
    alloc: A,
) -> Result<Output<A>> {
    let (Some(xt), Some(ft)) = (text_of(x), text_of(from)) else {
        return scalar(ValueRef::Null);
    };
    let (xb, fb) = (bytes_of(&xt), bytes_of(&ft));
    if c_str(fb).is_empty() {
        return text(xb, alloc);
    }
    let Some(tt) = text_of(to) else {
        return scalar(ValueRef::Null);
    };
    let tb = bytes_of(&tt);
    let mut out = Vec::try_with_capacity_in(xb.len(), alloc)?;
    let mut i = 0;
    while i < xb.len() {
        if xb.get(i..i + fb.len()) == Some(fb) {
            if out.len() + tb.len() > MAX_LENGTH {
                return Err(TOO_BIG);
            }
            out.try_extend_from_slice(tb)?;
            i += fb.len();
        } else {
            out.try_extend_from_slice(xb.get(i..=i).unwrap_or(&[]))?;
            i += 1;
        }
    }
    Ok(Output::Value(Value::Text(out)))
}

/// `trim`, `ltrim`, `rtrim` by SQLite's `trimFunc`.
pub(super) fn trim<A: Allocator>(
    function: Scalar,
    args: &[ValueRef<'_>],
    alloc: A,
) -> Result<Output<A>> {
    let arg = |i: usize| args.get(i).copied().unwrap_or(ValueRef::Null);
    let Some(xt) = text_of(arg(0)) else {
        return scalar(ValueRef::Null);
    };
    let set_text = if args.len() == 2 {
        match text_of(arg(1)) {
            Some(t) => Some(t),
            None => return scalar(ValueRef::Null),
        }
    } else {
        None
    };
    let set: &[u8] = set_text.as_ref().map_or(b" ", |t| c_str(bytes_of(t)));
    let mut x = bytes_of(&xt);
    // Each character of the set, as a byte range of `set`.
    let chars = || {
        let mut i = 0;
        core::iter::from_fn(move || {
            (i < set.len()).then(|| {
                let start = i;
                skip_char(set, &mut i);
                set.get(start..i.min(set.len())).unwrap_or(&[])
            })
        })
    };
    if function != Scalar::RTrim {
        while let Some(c) = chars().find(|c| !c.is_empty() && x.starts_with(c)) {
            x = x.get(c.len()..).unwrap_or(&[]);
        }
    }
    if function != Scalar::LTrim {
        while let Some(c) = chars().find(|c| !c.is_empty() && x.ends_with(c)) {
            x = x.get(..x.len() - c.len()).unwrap_or(&[]);
        }
    }
    text(x, alloc)
}

/// `quote(x)`: an SQL literal for the value.
pub(super) fn quote<A: Allocator>(x: ValueRef<'_>, alloc: A) -> Result<Output<A>> {
    let mut out = Vec::new_in(alloc);
    match x {
        ValueRef::Null => out.try_extend_from_slice(b"NULL")?,
        ValueRef::Integer(i) => out.try_extend_from_slice(NumText::integer(i).as_bytes())?,
        ValueRef::Real(r) => {
            // `%!0.17g`: as `||` renders it, but infinity as 9.0e+999.
            if r.is_infinite() {
                out.try_extend_from_slice(if r < 0.0 { b"-9.0e+999" } else { b"9.0e+999" })?;
            } else {
                out.try_extend_from_slice(NumText::real(r).as_bytes())?;
            }
        }
        ValueRef::Text(t) => {
            out.try_push(b'\'')?;
            for &b in c_str(t) {
                if b == b'\'' {
                    out.try_push(b'\'')?;
                }
                out.try_push(b)?;
            }
            out.try_push(b'\'')?;
        }
        ValueRef::Blob(b) => {
            const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
            out.try_extend_from_slice(b"X'")?;
            for &byte in b {
                let hi = DIGITS.get(usize::from(byte >> 4)).copied().unwrap_or(b'0');
                let lo = DIGITS.get(usize::from(byte & 15)).copied().unwrap_or(b'0');
                out.try_extend_from_slice(&[hi, lo])?;
            }
            out.try_push(b'\'')?;
        }
    }
    Ok(Output::Value(Value::Text(out)))
}

/// `concat(x, ...)` and, with a separator, `concat_ws(sep, x, ...)`, by
/// SQLite's `concatFuncCore`: the texts of the arguments that are not
/// NULL, whole (past any NUL), the separator between them.
pub(super) fn concat_all<A: Allocator>(
    separator: Option<&[u8]>,
    args: &[ValueRef<'_>],
    alloc: A,
) -> Result<Output<A>> {
    let mut out = Vec::new_in(alloc);
    let mut any = false;
    for &a in args {
        let Some(t) = text_of(a) else {
            continue;
        };
        let bytes = bytes_of(&t);
        let sep = if any { separator.unwrap_or(&[]) } else { &[] };
        let len = out
            .len()
            .checked_add(sep.len())
            .and_then(|n| n.checked_add(bytes.len()))
            .filter(|&n| n <= MAX_LENGTH)
            .ok_or(TOO_BIG)?;
        out.try_reserve(len - out.len())?;
        out.try_extend_from_slice(sep)?;
        out.try_extend_from_slice(bytes)?;
        any = true;
    }
    Ok(Output::Value(Value::Text(out)))
}
