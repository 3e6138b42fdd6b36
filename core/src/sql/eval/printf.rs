//! `printf(format, ...)` and its alias `format(...)`, by SQLite's
//! `sqlite3_str_vappendf` reading its arguments from the SQL call
//! (`SQLITE_PRINTF_SQLFUNC`), and the number renderings `strftime`
//! shares with it.
//!
//! What this module keeps from SQLite, conversion by conversion:
//! - `%d %i %u %x %X %o %p %r`: integers (`%u`, `%x`, `%X`, `%o`, `%p`
//!   read the argument's 64 bits as unsigned), with the flags `-`, `+`,
//!   space, `0`, `#` (the `0x`, `0X`, `0` prefixes) and `,` (thousands,
//!   decimal conversions only);
//! - `%f %e %E %g %G`: reals from SQLite's digit generator: 16
//!   significant digits at most (20 with `!`), 18 digits computed, so
//!   `%.20f` of 0.1 ends in zeros as SQLite's does;
//! - `%s %z %c %q %Q %w %j %J`: text, a NULL argument reading as empty
//!   (`%Q` as `NULL`, `%q`/`%w` as `(NULL)`, `%J` as `null`); with `!`,
//!   width and precision count characters rather than bytes;
//! - `*` takes the width or precision from the next argument; a missing
//!   argument reads as 0, 0.0 or NULL;
//! - an unknown conversion, or `%T`/`%S` (internal to SQLite), ends the
//!   output where it stands, as SQLite's does.
//!
//! Invariants: the result is never longer than [`MAX_LENGTH`] (longer is
//! [`TOO_BIG`], checked before memory is asked for); every byte is
//! written through the allocator's fallible growth; nothing indexes a
//! slice unchecked.

use crate::Result;
use crate::alloc::{Allocator, Vec};
use crate::record::ValueRef;

use super::affinity::Coerced;
use super::cast::{bytes_of, int_value, real_value, text_of};
use super::fp_decode::fp_decode;
use super::func::{Output, c_str, scalar, skip_char};
use super::ops::{MAX_LENGTH, TOO_BIG};
use super::value::Value;

/// The text being built, bounded by [`MAX_LENGTH`].
pub(super) struct Buf<A: Allocator> {
    /// The bytes so far.
    pub(super) bytes: Vec<u8, A>,
}

impl<A: Allocator> Buf<A> {
    /// An empty text in `alloc`.
    pub(super) fn new(alloc: A) -> Self {
        Buf {
            bytes: Vec::new_in(alloc),
        }
    }

    /// An error unless `n` more bytes stay within [`MAX_LENGTH`].
    fn room(&self, n: u64) -> Result<()> {
        let total = (self.bytes.len() as u64).checked_add(n).ok_or(TOO_BIG)?;
        if total > MAX_LENGTH as u64 {
            return Err(TOO_BIG);
        }
        Ok(())
    }

    /// Appends `b`.
    pub(super) fn push(&mut self, b: &[u8]) -> Result<()> {
        self.room(b.len() as u64)?;
        self.bytes.try_extend_from_slice(b)?;
        Ok(())
    }

    /// Appends `n` copies of `byte` (nothing for `n` of 0 or less).
    pub(super) fn fill(&mut self, n: i64, byte: u8) -> Result<()> {
        let Ok(n) = u64::try_from(n) else {
            return Ok(());
        };
        self.room(n)?;
        let len = self.bytes.len() + n as usize;
        self.bytes.try_resize(len, byte)?;
        Ok(())
    }

    /// Pads the field that starts at `start` with spaces to `width`
    /// bytes: before it, or after it when `left`.
    fn pad(&mut self, start: usize, width: i64, left: bool) -> Result<()> {
        let length = self.bytes.len().saturating_sub(start) as i64;
        let n = width.saturating_sub(length);
        if n <= 0 {
            return Ok(());
        }
        self.fill(n, b' ')?;
        if !left && let Some(field) = self.bytes.get_mut(start..) {
            field.rotate_right(n as usize);
        }
        Ok(())
    }

    /// The byte before the end.
    fn last(&self) -> u8 {
        self.bytes.last().copied().unwrap_or(0)
    }
}

/// The arguments after the format, taken in order.
struct Args<'a, 'v> {
    values: &'a [ValueRef<'v>],
    used: usize,
}

impl<'v> Args<'_, 'v> {
    /// The next argument, if any is left.
    fn next(&mut self) -> Option<ValueRef<'v>> {
        let v = self.values.get(self.used).copied();
        if v.is_some() {
            self.used += 1;
        }
        v
    }

    /// The next argument as an integer (0 when none is left).
    fn int(&mut self) -> i64 {
        self.next().map_or(0, int_value)
    }

    /// The next argument as a real (0.0 when none is left).
    fn real(&mut self) -> f64 {
        self.next().map_or(0.0, real_value)
    }

    /// The next argument's text, `None` for NULL or none left.
    fn text(&mut self) -> Option<Coerced<'v>> {
        self.next().and_then(text_of)
    }
}

/// The flags of one conversion.
#[derive(Default, Clone, Copy)]
struct Flags {
    left: bool,
    /// `+`, space, or 0.
    prefix: u8,
    alt: bool,
    alt2: bool,
    zero: bool,
    thousands: bool,
}

/// `printf(format, ...)`: NULL when the format is NULL or missing.
pub(super) fn printf<A: Allocator>(args: &[ValueRef<'_>], alloc: A) -> Result<Output<A>> {
    let Some(format) = args.first().copied().and_then(text_of) else {
        return scalar(ValueRef::Null);
    };
    let mut out = Buf::new(alloc);
    let mut list = Args {
        values: args.get(1..).unwrap_or(&[]),
        used: 0,
    };
    render(c_str(bytes_of(&format)), &mut list, &mut out)?;
    Ok(Output::Value(Value::Text(out.bytes)))
}

/// `fmt` with its conversions applied to `values`, appended to `out`:
/// how `strftime` and `timediff` render their fields.
pub(super) fn append_format<A: Allocator>(
    out: &mut Buf<A>,
    fmt: &[u8],
    values: &[ValueRef<'_>],
) -> Result<()> {
    let mut args = Args { values, used: 0 };
    render(fmt, &mut args, out)
}

/// The conversions of `fmt` applied to `args`, appended to `out`.
fn render<A: Allocator>(fmt: &[u8], args: &mut Args<'_, '_>, out: &mut Buf<A>) -> Result<()> {
    let at = |i: usize| fmt.get(i).copied().unwrap_or(0);
    let mut i = 0;
    while i < fmt.len() {
        if at(i) != b'%' {
            let start = i;
            while i < fmt.len() && at(i) != b'%' {
                i += 1;
            }
            out.push(fmt.get(start..i).unwrap_or(&[]))?;
            if i >= fmt.len() {
                break;
            }
        }
        i += 1;
        let mut c = at(i);
        if c == 0 {
            out.push(b"%")?;
            break;
        }
        let mut f = Flags::default();
        let mut width: i64 = 0;
        let mut precision: i64 = -1;
        loop {
            let mut done = false;
            match c {
                b'-' => f.left = true,
                b'+' => f.prefix = b'+',
                b' ' => f.prefix = b' ',
                b'#' => f.alt = true,
                b'!' => f.alt2 = true,
                b'0' => f.zero = true,
                b',' => f.thousands = true,
                b'l' => {
                    i += 1;
                    c = at(i);
                    if c == b'l' {
                        i += 1;
                        c = at(i);
                    }
                    done = true;
                }
                b'1'..=b'9' => {
                    let mut wx = u32::from(c - b'0');
                    loop {
                        i += 1;
                        c = at(i);
                        if !c.is_ascii_digit() {
                            break;
                        }
                        wx = wx.wrapping_mul(10).wrapping_add(u32::from(c - b'0'));
                    }
                    width = i64::from(wx & 0x7fff_ffff);
                    if c != b'.' && c != b'l' {
                        done = true;
                    } else {
                        i -= 1;
                    }
                }
                b'*' => {
                    width = i64::from(args.int() as i32);
                    if width < 0 {
                        f.left = true;
                        width = if width >= -2_147_483_647 { -width } else { 0 };
                    }
                    let next = at(i + 1);
                    if next != b'.' && next != b'l' {
                        i += 1;
                        c = at(i);
                        done = true;
                    }
                }
                b'.' => {
                    i += 1;
                    c = at(i);
                    if c == b'*' {
                        precision = i64::from(args.int() as i32);
                        if precision < 0 {
                            precision = if precision >= -2_147_483_647 {
                                -precision
                            } else {
                                -1
                            };
                        }
                        i += 1;
                        c = at(i);
                    } else {
                        let mut px = 0u32;
                        while c.is_ascii_digit() {
                            px = px.wrapping_mul(10).wrapping_add(u32::from(c - b'0'));
                            i += 1;
                            c = at(i);
                        }
                        precision = i64::from(px & 0x7fff_ffff);
                    }
                    if c == b'l' {
                        i -= 1;
                    } else {
                        done = true;
                    }
                }
                _ => done = true,
            }
            if done {
                break;
            }
            i += 1;
            c = at(i);
            if c == 0 {
                break;
            }
        }
        let go_on = conversion(c, f, width, precision, args, out)?;
        if !go_on {
            return Ok(());
        }
        i += 1;
    }
    Ok(())
}

/// How an integer conversion renders.
struct IntKind {
    base: u64,
    upper: bool,
    signed: bool,
    ordinal: bool,
    /// What `#` puts in front.
    prefix: &'static [u8],
    /// Whether `,` applies.
    decimal: bool,
}

/// The kinds of real conversion.
#[derive(Clone, Copy, PartialEq, Eq)]
enum RealKind {
    /// `%f`
    Float,
    /// `%e`, `%E`
    Exp,
    /// `%g`, `%G`
    Generic,
}

/// One conversion `c`; `false` when it ends the output.
fn conversion<A: Allocator>(
    c: u8,
    f: Flags,
    width: i64,
    precision: i64,
    args: &mut Args<'_, '_>,
    out: &mut Buf<A>,
) -> Result<bool> {
    let int = |base, upper, signed, prefix, decimal| IntKind {
        base,
        upper,
        signed,
        ordinal: false,
        prefix,
        decimal,
    };
    match c {
        b'd' | b'i' => integer(
            &int(10, false, true, b"", true),
            f,
            width,
            precision,
            args,
            out,
        )?,
        b'u' => integer(
            &int(10, false, false, b"", true),
            f,
            width,
            precision,
            args,
            out,
        )?,
        b'x' => integer(
            &int(16, false, false, b"0x", false),
            f,
            width,
            precision,
            args,
            out,
        )?,
        b'X' => integer(
            &int(16, true, false, b"0X", false),
            f,
            width,
            precision,
            args,
            out,
        )?,
        b'o' => integer(
            &int(8, false, false, b"0", false),
            f,
            width,
            precision,
            args,
            out,
        )?,
        b'p' => integer(
            &int(16, true, false, b"0x", false),
            f,
            width,
            precision,
            args,
            out,
        )?,
        b'r' => {
            let kind = IntKind {
                ordinal: true,
                ..int(10, false, true, b"", false)
            };
            integer(&kind, f, width, precision, args, out)?;
        }
        b'f' => real(RealKind::Float, b'e', f, width, precision, args.real(), out)?,
        b'e' => real(RealKind::Exp, b'e', f, width, precision, args.real(), out)?,
        b'E' => real(RealKind::Exp, b'E', f, width, precision, args.real(), out)?,
        b'g' => real(
            RealKind::Generic,
            b'e',
            f,
            width,
            precision,
            args.real(),
            out,
        )?,
        b'G' => real(
            RealKind::Generic,
            b'E',
            f,
            width,
            precision,
            args.real(),
            out,
        )?,
        b's' | b'z' => {
            let t = args.text();
            let s = t.as_ref().map_or(&[][..], |t| c_str(bytes_of(t)));
            let len = if precision < 0 {
                s.len()
            } else if f.alt2 {
                let mut k = 0;
                let mut left = precision;
                while left > 0 && k < s.len() {
                    skip_char(s, &mut k);
                    left -= 1;
                }
                k.min(s.len())
            } else {
                s.len().min(precision as usize)
            };
            let start = out.bytes.len();
            out.push(s.get(..len).unwrap_or(s))?;
            finish_utf8(out, start, width, f)?;
        }
        b'c' => {
            let t = args.text();
            let s = t.as_ref().map_or(&[][..], |t| c_str(bytes_of(t)));
            let mut one = [0u8; 4];
            let mut length = 1;
            if let Some(&first) = s.first() {
                if let Some(slot) = one.get_mut(0) {
                    *slot = first;
                }
                if first & 0xc0 == 0xc0 {
                    while length < 4 && s.get(length).is_some_and(|&b| b & 0xc0 == 0x80) {
                        if let (Some(slot), Some(&b)) = (one.get_mut(length), s.get(length)) {
                            *slot = b;
                        }
                        length += 1;
                    }
                }
            }
            let ch = one.get(..length).unwrap_or(&[]);
            let mut width = width;
            let mut precision = precision;
            if precision > 1 {
                width -= precision - 1;
                if width > 1 && !f.left {
                    out.fill(width - 1, b' ')?;
                    width = 0;
                }
                out.push(ch)?;
                precision -= 1;
                let copies = precision - 1;
                out.room((ch.len() as u64).saturating_mul(copies.max(0) as u64))?;
                match ch {
                    [one] => out.fill(copies, *one)?,
                    _ => {
                        for _ in 0..copies {
                            out.push(ch)?;
                        }
                    }
                }
            }
            let start = out.bytes.len();
            out.push(ch)?;
            finish_utf8(out, start, width, Flags { alt2: true, ..f })?;
        }
        b'q' | b'Q' | b'w' => escaped(c, f, width, precision, args, out)?,
        b'j' | b'J' => json(c == b'J', f, width, precision, args, out)?,
        b'n' => {}
        b'%' => {
            let start = out.bytes.len();
            out.push(b"%")?;
            out.pad(start, width, f.left)?;
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// Pads a text field as SQLite's `adjust_width_for_utf8` does: with `!`,
/// the width counts characters, so it grows by the continuation bytes.
fn finish_utf8<A: Allocator>(out: &mut Buf<A>, start: usize, width: i64, f: Flags) -> Result<()> {
    let mut width = width;
    if f.alt2 && width > 0 {
        let field = out.bytes.get(start..).unwrap_or(&[]);
        width += field.iter().filter(|&&b| b & 0xc0 == 0x80).count() as i64;
    }
    out.pad(start, width, f.left)
}

/// An integer conversion.
fn integer<A: Allocator>(
    kind: &IntKind,
    f: Flags,
    width: i64,
    precision: i64,
    args: &mut Args<'_, '_>,
    out: &mut Buf<A>,
) -> Result<()> {
    let (magnitude, sign) = if kind.signed {
        let v = args.int();
        if v < 0 {
            (v.unsigned_abs(), b'-')
        } else {
            (v as u64, f.prefix)
        }
    } else {
        (args.int() as u64, 0)
    };
    let alt = f.alt && magnitude != 0 && !kind.prefix.is_empty();
    let thousands = f.thousands && kind.decimal;
    let mut precision = precision;
    if f.zero && precision < width - i64::from(sign != 0) {
        precision = width - i64::from(sign != 0);
    }
    let set: &[u8; 16] = if kind.upper {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    // Digits (and an ordinal's suffix), last first.
    let mut rev = [0u8; 72];
    let mut n = 0;
    let mut put = |b: u8| {
        if let Some(slot) = rev.get_mut(n) {
            *slot = b;
            n += 1;
        }
    };
    if kind.ordinal {
        let x = (magnitude % 10) as usize;
        let x = if x >= 4 || (magnitude / 10) % 10 == 1 {
            0
        } else {
            x
        };
        let suffix = b"thstndrd".get(x * 2..x * 2 + 2).unwrap_or(b"th");
        for &b in suffix.iter().rev() {
            put(b);
        }
    }
    let mut v = magnitude;
    loop {
        put(set.get((v % kind.base) as usize).copied().unwrap_or(b'0'));
        v /= kind.base;
        if v == 0 {
            break;
        }
    }
    let digits = n as i64;
    let body = digits.max(precision);
    let commas = if thousands { (body - 1) / 3 } else { 0 };
    let length =
        body + commas + i64::from(sign != 0) + if alt { kind.prefix.len() as i64 } else { 0 };
    out.room(length.max(width) as u64)?;
    let start = out.bytes.len();
    if alt {
        out.push(kind.prefix)?;
    }
    if sign != 0 {
        out.push(&[sign])?;
    }
    let zeros = body - digits;
    if thousands {
        for k in 0..body {
            let b = if k < zeros {
                b'0'
            } else {
                rev.get((body - 1 - k) as usize).copied().unwrap_or(b'0')
            };
            out.push(&[b])?;
            let remaining = body - 1 - k;
            if remaining > 0 && remaining % 3 == 0 {
                out.push(b",")?;
            }
        }
    } else {
        out.fill(zeros, b'0')?;
        for k in (0..n).rev() {
            out.push(&[rev.get(k).copied().unwrap_or(b'0')])?;
        }
    }
    out.pad(start, width, f.left)
}

/// A real conversion of `value`; `e` is the exponent's letter.
fn real<A: Allocator>(
    kind: RealKind,
    e: u8,
    f: Flags,
    width: i64,
    precision: i64,
    value: f64,
    out: &mut Buf<A>,
) -> Result<()> {
    let mut precision = if precision < 0 {
        6
    } else {
        precision.min(100_000_000)
    };
    let round = match kind {
        RealKind::Float => -precision,
        RealKind::Generic => {
            if precision == 0 {
                precision = 1;
            }
            precision
        }
        RealKind::Exp => precision + 1,
    } as i32;
    let mut s = fp_decode(value, round, if f.alt2 { 20 } else { 16 });
    if s.special == 2 {
        let start = out.bytes.len();
        out.push(if f.zero { b"null" } else { b"NaN" })?;
        return out.pad(start, width, f.left);
    }
    if s.special == 1 {
        if f.zero {
            s.set(0, b'9');
            s.idp = 1000;
            s.n = 1;
        } else {
            let start = out.bytes.len();
            if s.sign == b'-' {
                out.push(b"-")?;
            } else if f.prefix != 0 {
                out.push(&[f.prefix])?;
            }
            out.push(b"Inf")?;
            return out.pad(start, width, f.left);
        }
    }
    let prefix = if s.sign == b'-' {
        if f.alt && f.prefix == 0 && kind == RealKind::Float && s.idp <= round {
            0
        } else {
            b'-'
        }
    } else {
        f.prefix
    };
    let mut kind = kind;
    let rtz;
    if kind == RealKind::Generic {
        precision -= 1;
        rtz = !f.alt;
        let exp = i64::from(s.idp) - 1;
        if exp < -4 || exp > precision {
            kind = RealKind::Exp;
        } else {
            precision -= exp;
            kind = RealKind::Float;
        }
    } else {
        rtz = f.alt2;
    }
    let mut e2 = if kind == RealKind::Exp {
        0
    } else {
        i64::from(s.idp) - 1
    };
    let mut needed = e2.max(0) + precision + width + 10;
    if f.thousands && e2 > 0 {
        needed += (e2 + 2) / 3;
    }
    out.room(needed.max(0) as u64)?;
    let start = out.bytes.len();
    let dp = precision > 0 || f.alt || f.alt2;
    if prefix != 0 {
        out.push(&[prefix])?;
    }
    let n = s.n as i64;
    let mut j: i64 = 0;
    if e2 < 0 {
        out.push(b"0")?;
    } else if f.thousands {
        while e2 >= 0 {
            let d = if j < n {
                j += 1;
                s.z((j - 1) as usize)
            } else {
                b'0'
            };
            out.push(&[d])?;
            if e2 % 3 == 0 && e2 > 1 {
                out.push(b",")?;
            }
            e2 -= 1;
        }
    } else {
        j = (e2 + 1).min(n);
        for k in 0..j {
            out.push(&[s.z(k as usize)])?;
        }
        e2 -= j;
        if e2 >= 0 {
            out.fill(e2 + 1, b'0')?;
            e2 = -1;
        }
    }
    if dp {
        out.push(b".")?;
    }
    if e2 < -1 && precision > 0 {
        let nn = (-1 - e2).min(precision);
        out.fill(nn, b'0')?;
        precision -= nn;
    }
    if precision > 0 {
        let nn = (n - j).min(precision);
        for k in 0..nn.max(0) {
            out.push(&[s.z((j + k) as usize)])?;
        }
        precision -= nn.max(0);
        if precision > 0 && !rtz {
            out.fill(precision, b'0')?;
        }
    }
    if rtz && dp {
        while out.last() == b'0' && out.bytes.len() > start {
            out.bytes.pop();
        }
        if out.last() == b'.' {
            if f.alt2 {
                out.push(b"0")?;
            } else {
                out.bytes.pop();
            }
        }
    }
    if kind == RealKind::Exp {
        let mut exp = s.idp - 1;
        out.push(&[e])?;
        if exp < 0 {
            out.push(b"-")?;
            exp = -exp;
        } else {
            out.push(b"+")?;
        }
        if exp >= 100 {
            out.push(&[(exp / 100) as u8 + b'0'])?;
            exp %= 100;
        }
        out.push(&[(exp / 10) as u8 + b'0', (exp % 10) as u8 + b'0'])?;
    }
    let length = (out.bytes.len() - start) as i64;
    if length < width {
        let pad = width - length;
        if f.left {
            out.fill(pad, b' ')?;
        } else {
            let adj = if f.zero { usize::from(prefix != 0) } else { 0 };
            out.fill(pad, if f.zero { b'0' } else { b' ' })?;
            if let Some(field) = out.bytes.get_mut(start + adj..) {
                field.rotate_right(pad as usize);
            }
        }
    }
    Ok(())
}

/// `%q`, `%Q` and `%w`: the text with its quotes doubled (`%Q` adds the
/// quotes, or says NULL); with `#`, backslashes and control characters
/// escaped as SQLite's `unistr()` reads them.
fn escaped<A: Allocator>(
    c: u8,
    f: Flags,
    width: i64,
    precision: i64,
    args: &mut Args<'_, '_>,
    out: &mut Buf<A>,
) -> Result<()> {
    let t = args.text();
    let big_q = c == b'Q';
    let (arg, mut need_quote): (&[u8], u8) = match &t {
        None => (if big_q { b"NULL" } else { b"(NULL)" }, 0),
        Some(t) => (c_str(bytes_of(t)), u8::from(big_q)),
    };
    let mut alt = f.alt;
    let q = if c == b'w' {
        alt = false;
        b'"'
    } else {
        b'\''
    };
    let mut k = precision;
    let mut i = 0;
    while k != 0 && i < arg.len() {
        let ch = arg.get(i).copied().unwrap_or(0);
        if f.alt2 && ch & 0xc0 == 0xc0 {
            while arg.get(i + 1).is_some_and(|&b| b & 0xc0 == 0x80) {
                i += 1;
            }
        }
        i += 1;
        k -= 1;
    }
    let body = arg.get(..i).unwrap_or(arg);
    if alt {
        let controls = body.iter().any(|&b| b <= 0x1f);
        if controls || c == b'q' {
            if big_q {
                need_quote = 2;
            }
        } else {
            alt = false;
        }
    }
    let start = out.bytes.len();
    match need_quote {
        2 => out.push(b"unistr('")?,
        1 => out.push(b"'")?,
        _ => {}
    }
    for &ch in body {
        if alt && ch == b'\\' {
            out.push(b"\\\\")?;
        } else if alt && ch <= 0x1f {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            let low = HEX.get(usize::from(ch & 0xf)).copied().unwrap_or(b'0');
            out.push(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                if ch >= 0x10 { b'1' } else { b'0' },
                low,
            ])?;
        } else {
            out.push(&[ch])?;
            if ch == q {
                out.push(&[ch])?;
            }
        }
    }
    match need_quote {
        2 => out.push(b"')")?,
        1 => out.push(b"'")?,
        _ => {}
    }
    finish_utf8(out, start, width, f)
}

/// `%j` and `%J`: the text as the inside of a JSON string (`%J` with its
/// quotes, or `null` for NULL).
fn json<A: Allocator>(
    quoted: bool,
    f: Flags,
    width: i64,
    precision: i64,
    args: &mut Args<'_, '_>,
    out: &mut Buf<A>,
) -> Result<()> {
    let t = args.text();
    let start = out.bytes.len();
    match &t {
        None => {
            if quoted {
                out.push(b"null")?;
            }
        }
        Some(t) => {
            let arg = c_str(bytes_of(t));
            let at = |i: i64| arg.get(i as usize).copied().unwrap_or(0);
            if quoted {
                out.push(b"\"")?;
            }
            let mut px = precision;
            if px < 0 {
                px = 0x7fff_ffff;
            } else if f.alt2 {
                let mut i = 0;
                while i < px && at(i) != 0 {
                    if at(i) & 0xc0 == 0x80 {
                        px += 1;
                    }
                    i += 1;
                }
                if i == px {
                    while at(px) & 0xc0 == 0x80 {
                        px += 1;
                    }
                }
            }
            let mut j: i64 = 0;
            let mut i: i64 = 0;
            while i < px {
                let ch = at(i);
                if ch <= 0x1f || ch == b'"' || ch == b'\\' {
                    if j < i {
                        out.push(arg.get(j as usize..i as usize).unwrap_or(&[]))?;
                    }
                    j = i + 1;
                    if ch == 0 {
                        break;
                    }
                    out.push(b"\\")?;
                    if ch > 0x1f {
                        out.push(&[ch])?;
                    } else if (1u32 << ch) & 0x3700 != 0 {
                        let letter = b"btn?fr".get(usize::from(ch - 8)).copied().unwrap_or(b'?');
                        out.push(&[letter])?;
                    } else {
                        const HEX: &[u8; 16] = b"0123456789abcdef";
                        let hi = HEX.get(usize::from(ch >> 4)).copied().unwrap_or(b'0');
                        let lo = HEX.get(usize::from(ch & 0xf)).copied().unwrap_or(b'0');
                        out.push(&[b'u', b'0', b'0', hi, lo])?;
                    }
                }
                i += 1;
            }
            if j < i {
                out.push(
                    arg.get(j as usize..(i as usize).min(arg.len()))
                        .unwrap_or(&[]),
                )?;
            }
            if quoted {
                out.push(b"\"")?;
            }
        }
    }
    if width > 0 {
        let field = out.bytes.get(start..).unwrap_or(&[]);
        let n = field.len() as i64;
        let mut len = n;
        if f.alt2 && n > 0 {
            len -= field.iter().filter(|&&b| b & 0xc0 == 0x80).count() as i64;
        }
        if width > len {
            let sp = width - len;
            out.fill(sp, b' ')?;
            if !f.left
                && n > 0
                && let Some(all) = out.bytes.get_mut(start..)
            {
                all.rotate_right(sp as usize);
            }
        }
    }
    Ok(())
}
