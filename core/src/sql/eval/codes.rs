//! The functions between text and the codes it is made of: `char`,
//! `unicode`, `unhex`, `soundex`, `randomblob`, and `sign`, each by the
//! SQLite C function of the same name (`charFunc`, `unicodeFunc`...).
//!
//! Text is decoded as SQLite's `sqlite3Utf8Read` decodes it (leniently:
//! a bad sequence reads as U+FFFD) and encoded as `charFunc` encodes it
//! (a code outside 0..=0x10FFFF becomes U+FFFD; surrogates are written
//! as they are).
//!
//! Invariant: results longer than [`MAX_LENGTH`] are an error, checked
//! before memory is asked for.

use crate::Result;
use crate::alloc::{Allocator, Vec};
use crate::record::ValueRef;

use super::cast::{bytes_of, int_value, real_value, text_of};
use super::func::{Output, c_str, scalar};
use super::like::read_char;
use super::num::{RealText, atof};
use super::ops::{MAX_LENGTH, TOO_BIG};
use super::value::Value;

/// `char(x, ...)`: the text of the code points, as UTF-8.
pub(super) fn chars<A: Allocator>(args: &[ValueRef<'_>], alloc: A) -> Result<Output<A>> {
    if args.len() > MAX_LENGTH / 4 {
        return Err(TOO_BIG);
    }
    let mut out = Vec::try_with_capacity_in(args.len() * 4, alloc)?;
    for &a in args {
        let x = int_value(a);
        let c = if (0..=0x10ffff).contains(&x) {
            x as u32
        } else {
            0xfffd
        };
        let mut buf = [0u8; 4];
        let bytes: &[u8] = if c < 0x80 {
            buf[0] = c as u8;
            &buf[..1]
        } else if c < 0x800 {
            buf[0] = 0xc0 + ((c >> 6) & 0x1f) as u8;
            buf[1] = 0x80 + (c & 0x3f) as u8;
            &buf[..2]
        } else if c < 0x10000 {
            buf[0] = 0xe0 + ((c >> 12) & 0x0f) as u8;
            buf[1] = 0x80 + ((c >> 6) & 0x3f) as u8;
            buf[2] = 0x80 + (c & 0x3f) as u8;
            &buf[..3]
        } else {
            buf[0] = 0xf0 + ((c >> 18) & 0x07) as u8;
            buf[1] = 0x80 + ((c >> 12) & 0x3f) as u8;
            buf[2] = 0x80 + ((c >> 6) & 0x3f) as u8;
            buf[3] = 0x80 + (c & 0x3f) as u8;
            &buf
        };
        out.try_extend_from_slice(bytes)?;
    }
    Ok(Output::Value(Value::Text(out)))
}

/// `unicode(x)`: the code point of the first character; NULL for NULL
/// or empty text.
pub(super) fn unicode<A: Allocator>(x: ValueRef<'_>) -> Result<Output<A>> {
    let Some(t) = text_of(x) else {
        return scalar(ValueRef::Null);
    };
    let mut i = 0;
    match read_char(c_str(bytes_of(&t)), &mut i) {
        Some(c) => scalar(ValueRef::Integer(i64::from(c))),
        None => scalar(ValueRef::Null),
    }
}

/// The value of a hexadecimal digit.
fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Whether `set`, read as characters, holds `ch`.
fn holds(set: &[u8], ch: u32) -> bool {
    let mut i = 0;
    while let Some(c) = read_char(set, &mut i) {
        if c == ch {
            return true;
        }
    }
    false
}

/// `unhex(x[, ignored])`: the BLOB the hexadecimal digits of `x` spell,
/// pairs of digits possibly separated by characters of `ignored`; NULL
/// for any other character, an odd digit, or a NULL argument.
pub(super) fn unhex<A: Allocator>(
    x: ValueRef<'_>,
    pass: ValueRef<'_>,
    with_pass: bool,
    alloc: A,
) -> Result<Output<A>> {
    let Some(hex) = text_of(x) else {
        return scalar(ValueRef::Null);
    };
    let pass = if with_pass { text_of(pass) } else { None };
    if with_pass && pass.is_none() {
        return scalar(ValueRef::Null);
    }
    let pass = pass.as_ref().map_or(&[][..], bytes_of);
    let hex = c_str(bytes_of(&hex));
    let mut out = Vec::try_with_capacity_in(hex.len() / 2, alloc)?;
    let mut i = 0;
    while let Some(&c) = hex.get(i) {
        let mut c = c;
        while hex_value(c).is_none() {
            let Some(ch) = read_char(hex, &mut i) else {
                break;
            };
            if !holds(pass, ch) {
                return scalar(ValueRef::Null);
            }
            match hex.get(i) {
                Some(&next) => c = next,
                None => return Ok(Output::Value(Value::Blob(out))),
            }
        }
        i += 1;
        let (Some(hi), Some(lo)) = (hex_value(c), hex.get(i).copied().and_then(hex_value)) else {
            return scalar(ValueRef::Null);
        };
        i += 1;
        out.try_push((hi << 4) | lo)?;
    }
    Ok(Output::Value(Value::Blob(out)))
}

/// `randomblob(n)`: `n` random bytes (at least one).
pub(super) fn random_blob<A: Allocator>(
    n: ValueRef<'_>,
    random: &mut dyn FnMut() -> i64,
    alloc: A,
) -> Result<Output<A>> {
    let n = int_value(n).max(1);
    let n = usize::try_from(n)
        .ok()
        .filter(|&n| n <= MAX_LENGTH)
        .ok_or(TOO_BIG)?;
    let mut out = Vec::try_with_capacity_in(n, alloc)?;
    while out.len() < n {
        let word = random().to_le_bytes();
        let take = (n - out.len()).min(word.len());
        out.try_extend_from_slice(word.get(..take).unwrap_or(&[]))?;
    }
    Ok(Output::Value(Value::Blob(out)))
}

/// `sign(x)`: -1, 0 or 1 for a number or text that is one; NULL for
/// anything else.
pub(super) fn sign<A: Allocator>(x: ValueRef<'_>) -> Result<Output<A>> {
    let r = match x {
        ValueRef::Integer(_) | ValueRef::Real(_) => real_value(x),
        ValueRef::Text(t) => match atof(t) {
            (r, RealText::Integer | RealText::Real) => r,
            _ => return scalar(ValueRef::Null),
        },
        ValueRef::Null | ValueRef::Blob(_) => return scalar(ValueRef::Null),
    };
    let s = if r < 0.0 {
        -1
    } else if r > 0.0 {
        1
    } else {
        0
    };
    scalar(ValueRef::Integer(s))
}

/// `soundex(x)`: the four-character Soundex code of the first word's
/// letters, `?000` when there is no letter.
pub(super) fn soundex<A: Allocator>(x: ValueRef<'_>, alloc: A) -> Result<Output<A>> {
    const CODE: [u8; 128] = [
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 1, 2, 3, 0, 1, 2, 0, 0, 2, 2, 4, 5, 5, 0, 1, 2, 6, 2, 3, 0, 1, 0, 2, 0,
        2, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 0, 1, 2, 0, 0, 2, 2, 4, 5, 5, 0, 1, 2, 6, 2, 3, 0, 1, 0,
        2, 0, 2, 0, 0, 0, 0, 0,
    ];
    let code = |b: u8| CODE.get(usize::from(b & 0x7f)).copied().unwrap_or(0);
    let t = text_of(x);
    let z = t.as_ref().map_or(&[][..], |t| c_str(bytes_of(t)));
    let Some(mut i) = z.iter().position(u8::is_ascii_alphabetic) else {
        return Ok(Output::Value(Value::try_text(b"?000", alloc)?));
    };
    let mut result = [b'0'; 4];
    let first = z.get(i).copied().unwrap_or(b'?');
    let mut prev = code(first);
    result[0] = first.to_ascii_uppercase();
    let mut j = 1;
    while j < 4 {
        let Some(&b) = z.get(i) else {
            break;
        };
        let c = code(b);
        if c > 0 {
            if c != prev {
                prev = c;
                if let Some(slot) = result.get_mut(j) {
                    *slot = c + b'0';
                }
                j += 1;
            }
        } else {
            prev = 0;
        }
        i += 1;
    }
    Ok(Output::Value(Value::try_text(&result, alloc)?))
}
