//! What the date and time functions return: `date`, `time` and
//! `datetime` in their fixed layouts, `julianday` and `unixepoch` as
//! numbers, `strftime` by its format, and `timediff` as a signed span,
//! each by SQLite's `date.c`.
//!
//! Invariant: only `strftime` and `timediff` allocate, through the
//! allocator passed in; the fixed layouts are built on the stack.

use crate::Result;
use crate::alloc::Allocator;
use crate::record::ValueRef;

use super::super::cast::{bytes_of, text_of};
use super::super::func::{Output, Scalar, c_str, scalar, text};
use super::super::printf::{Buf, append_format};
use super::super::value::Value;
use super::{Clock, DateTime, UNIX_EPOCH_JD_MS, at, is_date};

/// `'0' + (v / div) % 10`, for the fixed layouts.
fn digit(v: i32, div: i32) -> u8 {
    b'0' + ((v / div) % 10).unsigned_abs() as u8
}

/// `YYYY-MM-DD` (with a leading `-` for years before 0) into `buf`;
/// the length written.
fn put_date(x: &DateTime, buf: &mut [u8; 32]) -> usize {
    let y = x.year.abs();
    let mut out = [0u8; 11];
    let mut n = 0;
    if x.year < 0 {
        out[0] = b'-';
        n = 1;
    }
    for (k, b) in [
        digit(y, 1000),
        digit(y, 100),
        digit(y, 10),
        digit(y, 1),
        b'-',
        digit(x.month, 10),
        digit(x.month, 1),
        b'-',
        digit(x.day, 10),
        digit(x.day, 1),
    ]
    .into_iter()
    .enumerate()
    {
        if let Some(slot) = out.get_mut(n + k) {
            *slot = b;
        }
    }
    let len = n + 10;
    if let (Some(dst), Some(src)) = (buf.get_mut(..len), out.get(..len)) {
        dst.copy_from_slice(src);
    }
    len
}

/// `HH:MM:SS` or, with `subsec`, `HH:MM:SS.SSS`, into `buf` at `at`;
/// the length after.
fn put_time(x: &DateTime, buf: &mut [u8; 32], at: usize) -> usize {
    let mut fields = [
        digit(x.hour, 10),
        digit(x.hour, 1),
        b':',
        digit(x.minute, 10),
        digit(x.minute, 1),
        b':',
        0,
        0,
        0,
        0,
        0,
        0,
    ];
    let n = if x.use_subsec {
        let s = (1000.0 * x.second + 0.5) as i32;
        fields[6..12].copy_from_slice(&[
            digit(s, 10000),
            digit(s, 1000),
            b'.',
            digit(s, 100),
            digit(s, 10),
            digit(s, 1),
        ]);
        12
    } else {
        let s = x.second as i32;
        fields[6..8].copy_from_slice(&[digit(s, 10), digit(s, 1)]);
        8
    };
    for (k, &b) in fields.iter().take(n).enumerate() {
        if let Some(slot) = buf.get_mut(at + k) {
            *slot = b;
        }
    }
    at + n
}

/// One of the date and time functions on evaluated arguments.
pub(in crate::sql::eval) fn call<A: Allocator>(
    function: Scalar,
    args: &[ValueRef<'_>],
    clock: Clock<'_>,
    alloc: A,
) -> Result<Output<A>> {
    if function == Scalar::StrFTime {
        return strftime(args, clock, alloc);
    }
    if function == Scalar::TimeDiff {
        return timediff(args, clock, alloc);
    }
    let Some(mut x) = is_date(args, clock)? else {
        return scalar(ValueRef::Null);
    };
    let mut buf = [0u8; 32];
    match function {
        Scalar::JulianDay => {
            x.compute_jd();
            scalar(ValueRef::Real(x.ijd as f64 / 86_400_000.0))
        }
        Scalar::UnixEpoch => {
            x.compute_jd();
            if x.use_subsec {
                scalar(ValueRef::Real((x.ijd - UNIX_EPOCH_JD_MS) as f64 / 1000.0))
            } else {
                scalar(ValueRef::Integer(x.ijd / 1000 - 21_086_676 * 10_000))
            }
        }
        Scalar::Date => {
            x.compute_ymd();
            let n = put_date(&x, &mut buf);
            text(buf.get(..n).unwrap_or(&[]), alloc)
        }
        Scalar::Time => {
            x.compute_hms();
            let n = put_time(&x, &mut buf, 0);
            text(buf.get(..n).unwrap_or(&[]), alloc)
        }
        _ => {
            x.compute_ymd_hms();
            let mut n = put_date(&x, &mut buf);
            if let Some(slot) = buf.get_mut(n) {
                *slot = b' ';
            }
            n = put_time(&x, &mut buf, n + 1);
            text(buf.get(..n).unwrap_or(&[]), alloc)
        }
    }
}

/// `daysAfterJan01`.
fn days_after_jan01(x: &DateTime) -> i64 {
    let mut jan01 = *x;
    jan01.valid_jd = false;
    jan01.month = 1;
    jan01.day = 1;
    jan01.compute_jd();
    (x.ijd - jan01.ijd + 43_200_000) / 86_400_000
}

/// `daysAfterMonday`.
fn days_after_monday(x: &DateTime) -> i64 {
    ((x.ijd + 43_200_000) / 86_400_000) % 7
}

/// `daysAfterSunday`.
fn days_after_sunday(x: &DateTime) -> i64 {
    ((x.ijd + 129_600_000) / 86_400_000) % 7
}

/// The Thursday of `x`'s ISO week, as `%G` and `%V` use it.
fn iso_thursday(x: &DateTime) -> DateTime {
    let mut y = *x;
    y.ijd += (3 - days_after_monday(x)) * 86_400_000;
    y.valid_ymd = false;
    y.compute_ymd();
    y
}

/// `strftime(format, time, modifiers...)`: NULL for an unknown `%`
/// conversion.
fn strftime<A: Allocator>(args: &[ValueRef<'_>], clock: Clock<'_>, alloc: A) -> Result<Output<A>> {
    let Some((&format, time)) = args.split_first() else {
        return scalar(ValueRef::Null);
    };
    let Some(format) = text_of(format) else {
        return scalar(ValueRef::Null);
    };
    let Some(mut x) = is_date(time, clock)? else {
        return scalar(ValueRef::Null);
    };
    let fmt = c_str(bytes_of(&format));
    x.compute_jd();
    x.compute_ymd_hms();
    let mut out = Buf::new(alloc);
    let int = |v: i64| ValueRef::Integer(v);
    let mut i = 0;
    let mut j = 0;
    while i < fmt.len() {
        if at(fmt, i) != b'%' {
            i += 1;
            continue;
        }
        if j < i {
            out.push(fmt.get(j..i).unwrap_or(&[]))?;
        }
        i += 1;
        j = i + 1;
        let cf = at(fmt, i);
        let (y, m, d) = (i64::from(x.year), i64::from(x.month), i64::from(x.day));
        let (h, mi) = (i64::from(x.hour), i64::from(x.minute));
        let s = i64::from(x.second as i32);
        match cf {
            b'd' => append_format(&mut out, b"%02d", &[int(d)])?,
            b'e' => append_format(&mut out, b"%2d", &[int(d)])?,
            b'f' => {
                let s = if x.second > 59.999 { 59.999 } else { x.second };
                append_format(&mut out, b"%06.3f", &[ValueRef::Real(s)])?;
            }
            b'F' => append_format(&mut out, b"%04d-%02d-%02d", &[int(y), int(m), int(d)])?,
            b'G' | b'g' => {
                let t = iso_thursday(&x);
                if cf == b'g' {
                    append_format(&mut out, b"%02d", &[int(i64::from(t.year % 100))])?;
                } else {
                    append_format(&mut out, b"%04d", &[int(i64::from(t.year))])?;
                }
            }
            b'H' => append_format(&mut out, b"%02d", &[int(h)])?,
            b'k' => append_format(&mut out, b"%2d", &[int(h)])?,
            b'I' | b'l' => {
                let mut h12 = h;
                if h12 > 12 {
                    h12 -= 12;
                }
                if h12 == 0 {
                    h12 = 12;
                }
                let f: &[u8] = if cf == b'I' { b"%02d" } else { b"%2d" };
                append_format(&mut out, f, &[int(h12)])?;
            }
            b'j' => append_format(&mut out, b"%03d", &[int(days_after_jan01(&x) + 1)])?,
            b'J' => append_format(
                &mut out,
                b"%.16g",
                &[ValueRef::Real(x.ijd as f64 / 86_400_000.0)],
            )?,
            b'm' => append_format(&mut out, b"%02d", &[int(m)])?,
            b'M' => append_format(&mut out, b"%02d", &[int(mi)])?,
            b'p' | b'P' => {
                let pm = x.hour >= 12;
                out.push(match (cf == b'p', pm) {
                    (true, true) => b"PM",
                    (true, false) => b"AM",
                    (false, true) => b"pm",
                    (false, false) => b"am",
                })?;
            }
            b'R' => append_format(&mut out, b"%02d:%02d", &[int(h), int(mi)])?,
            b's' => {
                if x.use_subsec {
                    let v = (x.ijd - UNIX_EPOCH_JD_MS) as f64 / 1000.0;
                    append_format(&mut out, b"%.3f", &[ValueRef::Real(v)])?;
                } else {
                    let v = x.ijd / 1000 - 21_086_676 * 10_000;
                    append_format(&mut out, b"%lld", &[int(v)])?;
                }
            }
            b'S' => append_format(&mut out, b"%02d", &[int(s)])?,
            b'T' => append_format(&mut out, b"%02d:%02d:%02d", &[int(h), int(mi), int(s)])?,
            b'u' | b'w' => {
                let mut c = days_after_sunday(&x) as u8 + b'0';
                if c == b'0' && cf == b'u' {
                    c = b'7';
                }
                out.push(&[c])?;
            }
            b'U' => {
                let week = (days_after_jan01(&x) - days_after_sunday(&x) + 7) / 7;
                append_format(&mut out, b"%02d", &[int(week)])?;
            }
            b'V' => {
                let t = iso_thursday(&x);
                append_format(&mut out, b"%02d", &[int(days_after_jan01(&t) / 7 + 1)])?;
            }
            b'W' => {
                let week = (days_after_jan01(&x) - days_after_monday(&x) + 7) / 7;
                append_format(&mut out, b"%02d", &[int(week)])?;
            }
            b'Y' => append_format(&mut out, b"%04d", &[int(y)])?,
            b'%' => out.push(b"%")?,
            _ => return scalar(ValueRef::Null),
        }
        i += 1;
    }
    if j < i {
        out.push(fmt.get(j..i).unwrap_or(&[]))?;
    }
    Ok(Output::Value(Value::Text(out.bytes)))
}

/// `timediff(a, b)`: the time from `b` to `a` as
/// `±YYYY-MM-DD HH:MM:SS.SSS`, in whole months and years first.
fn timediff<A: Allocator>(args: &[ValueRef<'_>], clock: Clock<'_>, alloc: A) -> Result<Output<A>> {
    let one = |i: usize| args.get(i..=i).unwrap_or(&[]);
    let Some(mut d1) = is_date(one(0), clock)? else {
        return scalar(ValueRef::Null);
    };
    let Some(mut d2) = is_date(one(1), clock)? else {
        return scalar(ValueRef::Null);
    };
    d1.compute_ymd_hms();
    d2.compute_ymd_hms();
    let sign;
    let mut y;
    let mut m;
    if d1.ijd >= d2.ijd {
        sign = b"+";
        y = d1.year - d2.year;
        if y != 0 {
            d2.year = d1.year;
            d2.valid_jd = false;
            d2.compute_jd();
        }
        m = d1.month - d2.month;
        if m < 0 {
            y -= 1;
            m += 12;
        }
        if m != 0 {
            d2.month = d1.month;
            d2.valid_jd = false;
            d2.compute_jd();
        }
        while d1.ijd < d2.ijd {
            m -= 1;
            if m < 0 {
                m = 11;
                y -= 1;
            }
            d2.month -= 1;
            if d2.month < 1 {
                d2.month = 12;
                d2.year -= 1;
            }
            d2.valid_jd = false;
            d2.compute_jd();
        }
        d1.ijd -= d2.ijd;
    } else {
        sign = b"-";
        y = d2.year - d1.year;
        if y != 0 {
            d2.year = d1.year;
            d2.valid_jd = false;
            d2.compute_jd();
        }
        m = d2.month - d1.month;
        if m < 0 {
            y -= 1;
            m += 12;
        }
        if m != 0 {
            d2.month = d1.month;
            d2.valid_jd = false;
            d2.compute_jd();
        }
        while d1.ijd > d2.ijd {
            m -= 1;
            if m < 0 {
                m = 11;
                y -= 1;
            }
            d2.month += 1;
            if d2.month > 12 {
                d2.month = 1;
                d2.year += 1;
            }
            d2.valid_jd = false;
            d2.compute_jd();
        }
        d1.ijd = d2.ijd - d1.ijd;
    }
    d1.ijd += 148_699_540_800_000;
    d1.clear_ymd_hms_tz();
    d1.compute_ymd_hms();
    let mut out = Buf::new(alloc);
    append_format(
        &mut out,
        b"%s%04d-%02d-%02d %02d:%02d:%06.3f",
        &[
            ValueRef::Text(sign),
            ValueRef::Integer(i64::from(y)),
            ValueRef::Integer(i64::from(m)),
            ValueRef::Integer(i64::from(d1.day - 1)),
            ValueRef::Integer(i64::from(d1.hour)),
            ValueRef::Integer(i64::from(d1.minute)),
            ValueRef::Real(d1.second),
        ],
    )?;
    Ok(Output::Value(Value::Text(out.bytes)))
}
