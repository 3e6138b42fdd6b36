//! Text to number and number to text, by SQLite's rules, without memory.
//!
//! - [`atof`] reads a real the way `sqlite3AtoF` does: optional spaces,
//!   a sign, digits with an optional `.` and exponent, optional spaces;
//!   it reports whether the whole text was such a number, only a prefix
//!   of it, or none at all, and gives the prefix's value either way.
//! - [`atoi`] reads an integer the way `sqlite3Atoi64` does: the
//!   longest decimal prefix, clamped to the 64-bit range, with a status
//!   saying whether text followed or the value overflowed.
//! - [`NumText`] renders an integer plainly and a real as SQLite 3.54
//!   does (`%!.17g`, shortened when a shorter form reads back the same:
//!   `1.0`, `0.1`, `1.0e+20`, `Inf`), in a fixed buffer.
//!
//! Invariants: nothing here allocates or panics; a rendered number is at
//! most [`NumText::CAPACITY`] bytes of ASCII.

use core::fmt::{self, Write};

use super::fp_decode::fp_decode;

/// How much of a text [`atof`] recognised (`sqlite3AtoF`'s result).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RealText {
    /// No digits, or an integer prefix followed by other text (0).
    NotNumeric,
    /// A prefix with a `.` or an exponent, followed by other text (-1).
    RealPrefix,
    /// The whole text is an integer (1).
    Integer,
    /// The whole text is a number with a `.` or an exponent (2 or more).
    Real,
}

/// How [`atoi`] ended (`sqlite3Atoi64`'s result).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntText {
    /// No digits at all (-1).
    NoDigits,
    /// The whole text (spaces aside) is an integer that fits (0).
    Exact,
    /// Digits that fit, followed by other text (1).
    Excess,
    /// The digits do not fit 64 bits; the value is clamped (2 or 3).
    Overflow,
}

/// SQLite's `sqlite3Isspace`: space, tab, newline, vertical tab, form
/// feed, carriage return.
pub const fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// The index of the first byte at or after `i` that is not a space.
fn skip_spaces(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(|&b| is_space(b)) {
        i += 1;
    }
    i
}

/// The index of the first byte at or after `i` that is not a digit.
fn skip_digits(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    i
}

/// Reads a real from `bytes` as `sqlite3AtoF` does: the value of the
/// longest numeric prefix (0.0 if there is none) and how much matched.
/// The text ends at its first NUL, as SQLite's NUL-terminated reader
/// sees it.
pub fn atof(bytes: &[u8]) -> (f64, RealText) {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    let bytes = bytes.get(..end).unwrap_or(bytes);
    let start = skip_spaces(bytes, 0);
    let mut i = start;
    if matches!(bytes.get(i), Some(b'+' | b'-')) {
        i += 1;
    }
    let int_end = skip_digits(bytes, i);
    let mut digits = int_end - i;
    i = int_end;
    // 1: integer so far; each of `.` and an exponent adds one.
    let mut kind = 1;
    if bytes.get(i) == Some(&b'.') {
        kind += 1;
        let frac_end = skip_digits(bytes, i + 1);
        digits += frac_end - (i + 1);
        i = frac_end;
    }
    let mut value_end = i;
    let mut exponent_valid = true;
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        kind += 1;
        let mut j = i + 1;
        if matches!(bytes.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        let exp_end = skip_digits(bytes, j);
        exponent_valid = exp_end > j;
        if exponent_valid {
            value_end = exp_end;
        }
        i = exp_end;
    }
    let end = skip_spaces(bytes, i);
    let value = if digits == 0 {
        0.0
    } else {
        bytes
            .get(start..value_end)
            .and_then(|s| core::str::from_utf8(s).ok())
            .and_then(|s| s.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    let kind = if end == bytes.len() && digits > 0 && exponent_valid {
        if kind == 1 {
            RealText::Integer
        } else {
            RealText::Real
        }
    } else if kind >= 2 && (kind == 3 || exponent_valid) && digits > 0 {
        RealText::RealPrefix
    } else {
        RealText::NotNumeric
    };
    (value, kind)
}

/// Reads an integer from `bytes` as `sqlite3Atoi64` does: the value of
/// the longest decimal prefix, clamped to `i64`'s range, and how it ended.
pub fn atoi(bytes: &[u8]) -> (i64, IntText) {
    let mut i = skip_spaces(bytes, 0);
    let mut negative = false;
    match bytes.get(i) {
        Some(b'-') => {
            negative = true;
            i += 1;
        }
        Some(b'+') => i += 1,
        _ => {}
    }
    let sign_end = i;
    while bytes.get(i) == Some(&b'0') {
        i += 1;
    }
    let digits_start = i;
    let digits_end = skip_digits(bytes, i);
    let digits = bytes.get(digits_start..digits_end).unwrap_or(&[]);
    let magnitude = digits.iter().fold(0u64, |u, &d| {
        u.wrapping_mul(10).wrapping_add(u64::from(d - b'0'))
    });
    let clamped = if negative { i64::MIN } else { i64::MAX };
    let mut value = if magnitude > i64::MAX as u64 {
        clamped
    } else if negative {
        (magnitude as i64).wrapping_neg()
    } else {
        magnitude as i64
    };
    let status = if digits.is_empty() && digits_start == sign_end {
        IntText::NoDigits
    } else if skip_spaces(bytes, digits_end) < bytes.len() {
        IntText::Excess
    } else {
        IntText::Exact
    };
    if digits.len() < 19 {
        return (value, status);
    }
    let versus_2_63 = if digits.len() > 19 {
        core::cmp::Ordering::Greater
    } else {
        digits.cmp(b"9223372036854775808".as_slice())
    };
    match versus_2_63 {
        core::cmp::Ordering::Less => (value, status),
        core::cmp::Ordering::Equal if negative => (i64::MIN, status),
        _ => {
            value = clamped;
            (value, IntText::Overflow)
        }
    }
}

/// A number as SQLite computes with it: an integer or a real.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Numeric {
    /// A 64-bit integer.
    Integer(i64),
    /// A double.
    Real(f64),
}

/// The number a text or BLOB stands for in arithmetic (SQLite's
/// `computeNumericType`): an integer when the text (or its prefix) is an
/// integer that fits, else the real value of its numeric prefix.
pub fn text_to_numeric(bytes: &[u8]) -> Numeric {
    let (real, kind) = atof(bytes);
    match kind {
        RealText::NotNumeric => match atoi(bytes) {
            (i, IntText::NoDigits | IntText::Exact | IntText::Excess) => Numeric::Integer(i),
            (_, IntText::Overflow) => Numeric::Real(real),
        },
        RealText::Integer => match atoi(bytes) {
            (i, IntText::Exact) => Numeric::Integer(i),
            _ => Numeric::Real(real),
        },
        RealText::RealPrefix | RealText::Real => Numeric::Real(real),
    }
}

/// Whether `r` holds exactly the integer `i`, in the range where SQLite
/// lets a real become an integer (`sqlite3RealSameAsInt`).
pub fn real_same_as_int(r: f64, i: i64) -> bool {
    const LIMIT: i64 = 1 << 51;
    r == 0.0 || (r.to_bits() == (i as f64).to_bits() && (-LIMIT..LIMIT).contains(&i))
}

/// A rendered number: at most [`NumText::CAPACITY`] ASCII bytes on the
/// stack, so that a number becomes text without allocating.
#[derive(Clone, Copy)]
pub struct NumText {
    buf: [u8; NumText::CAPACITY],
    len: usize,
}

impl NumText {
    /// The longest rendering: `-9223372036854775808` is 20 bytes and
    /// `-1.23456789012345e+308` 22.
    pub const CAPACITY: usize = 32;

    /// An empty rendering, to be filled with [`NumText::push`].
    pub(super) const fn empty_buffer() -> Self {
        NumText {
            buf: [0; NumText::CAPACITY],
            len: 0,
        }
    }

    /// The rendered bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or(&[])
    }

    /// Appends `bytes`, dropping what does not fit (nothing rendered here
    /// comes near the capacity).
    pub(super) fn push(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if let Some(slot) = self.buf.get_mut(self.len) {
                *slot = b;
                self.len += 1;
            }
        }
    }

    /// An integer in decimal.
    pub fn integer(value: i64) -> Self {
        let mut out = NumText::empty_buffer();
        // Writing to a `NumText` cannot fail for an `i64`.
        let _ = write!(out, "{value}");
        out
    }

    /// A real as SQLite renders it (`%!.17g` with its round-trip
    /// shortening): 17 significant digits, unless a shorter form that
    /// SQLite's `sqlite3FpDecode` looks for (the digits before a run of
    /// 9s, rounded up, or before a run of 0s) reads back as the same
    /// double; trailing zeros dropped but one digit kept after the point;
    /// the exponent form below 1e-4 and from 1e17; `Inf` for infinity.
    pub fn real(value: f64) -> Self {
        let mut out = NumText::empty_buffer();
        if value < 0.0 {
            out.push(b"-");
        }
        if value.is_infinite() {
            out.push(b"Inf");
            return out;
        }
        if value == 0.0 {
            out.push(b"0.0");
            return out;
        }
        let d = fp_decode(value.abs(), 17, 20);
        let digits = d.digits();
        let exp = d.idp - 1;
        if !(-4..17).contains(&exp) {
            out.push_exponent_form(digits, exp);
        } else if exp >= 0 {
            let whole = exp as usize + 1;
            for k in 0..whole {
                out.push(&[digits.get(k).copied().unwrap_or(b'0')]);
            }
            out.push(b".");
            out.push(
                digits
                    .get(whole..)
                    .filter(|r| !r.is_empty())
                    .unwrap_or(b"0"),
            );
        } else {
            out.push(b"0.");
            for _ in 0..(-exp - 1) {
                out.push(b"0");
            }
            out.push(digits);
        }
        out
    }

    /// Appends `d.ddd` (at least one decimal) and `e±XX`.
    fn push_exponent_form(&mut self, digits: &[u8], exp: i32) {
        self.push(digits.get(..1).unwrap_or(b"0"));
        self.push(b".");
        self.push(digits.get(1..).filter(|r| !r.is_empty()).unwrap_or(b"0"));
        self.push(if exp < 0 { b"e-" } else { b"e+" });
        let e = exp.unsigned_abs();
        if e >= 100 {
            self.push(&[b'0' + (e / 100 % 10) as u8]);
        }
        self.push(&[b'0' + (e / 10 % 10) as u8, b'0' + (e % 10) as u8]);
    }
}

impl Write for NumText {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.len + s.len() > NumText::CAPACITY {
            return Err(fmt::Error);
        }
        self.push(s.as_bytes());
        Ok(())
    }
}

impl fmt::Debug for NumText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(core::str::from_utf8(self.as_bytes()).unwrap_or("?"))
    }
}

/// The decimal digits of a positive finite double: `0.d1d2d3... ×
/// 10^(exp+1)`, that is `d1.d2d3... × 10^exp`.
#[derive(Clone, Copy)]
pub struct Digits {
    /// ASCII digits, the first non-zero.
    digits: [u8; Digits::MAX],
    /// How many of `digits` are meaningful.
    len: usize,
    /// The decimal exponent of the first digit.
    pub exp: i32,
}

impl Digits {
    /// How many digits are kept: more than SQLite's widest rounding (26),
    /// so that rounding below acts on exact digits.
    const MAX: usize = 32;

    /// The exact expansion of `value` (positive, finite, non-zero) to
    /// `Digits::MAX` significant digits.
    pub fn of(value: f64) -> Self {
        /// Collects `{:e}` output: digits, then the exponent.
        struct Sink {
            d: Digits,
            in_exp: bool,
            exp_negative: bool,
            exp: i32,
        }
        impl Write for Sink {
            fn write_str(&mut self, s: &str) -> fmt::Result {
                for b in s.bytes() {
                    match b {
                        b'e' => self.in_exp = true,
                        b'-' if self.in_exp => self.exp_negative = true,
                        b'0'..=b'9' if self.in_exp => {
                            self.exp = self.exp * 10 + i32::from(b - b'0');
                        }
                        b'0'..=b'9' => {
                            if let Some(slot) = self.d.digits.get_mut(self.d.len) {
                                *slot = b;
                                self.d.len += 1;
                            }
                        }
                        _ => {}
                    }
                }
                Ok(())
            }
        }
        let mut sink = Sink {
            d: Digits {
                digits: [b'0'; Digits::MAX],
                len: 0,
                exp: 0,
            },
            in_exp: false,
            exp_negative: false,
            exp: 0,
        };
        // Rust formats with a fixed precision exactly; the sink never fails.
        let _ = write!(sink, "{:.*e}", Digits::MAX - 1, value);
        sink.d.exp = if sink.exp_negative {
            -sink.exp
        } else {
            sink.exp
        };
        sink.d
    }

    /// Rounded half away from zero to `keep` significant digits (as
    /// SQLite's `sqlite3FpDecode` rounds); `keep` of 0 rounds to either
    /// nothing or one unit of the next higher digit.
    pub fn rounded(mut self, keep: usize) -> Self {
        if keep >= self.len {
            return self;
        }
        let up = self.digits.get(keep).is_some_and(|&d| d >= b'5');
        self.len = keep;
        if up {
            let mut k = keep;
            loop {
                if k == 0 {
                    // Every kept digit was 9 (or none was kept): 10^(exp+1).
                    if let Some(first) = self.digits.first_mut() {
                        *first = b'1';
                    }
                    self.len = 1;
                    self.exp += 1;
                    break;
                }
                k -= 1;
                match self.digits.get_mut(k) {
                    Some(d) if *d == b'9' => {
                        *d = b'0';
                    }
                    Some(d) => {
                        *d += 1;
                        break;
                    }
                    None => break,
                }
            }
        }
        self
    }

    /// The digits, trailing zeros removed (at least one digit is left
    /// unless none was kept).
    pub fn significant(&self) -> &[u8] {
        let digits = self.digits.get(..self.len).unwrap_or(&[]);
        let end = digits
            .iter()
            .rposition(|&d| d != b'0')
            .map_or(digits.len().min(1), |i| i + 1);
        digits.get(..end).unwrap_or(digits)
    }
}
