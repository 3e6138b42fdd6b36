//! JSON text: checking a document and writing its minified form, reading
//! the minified form back (where a value ends, a string's text), and
//! writing SQL text as a JSON string.
//!
//! Invariants: [`minify`] accepts exactly the RFC 8259 documents SQLite
//! accepts without its JSON5 extensions, nested at most [`MAX_DEPTH`]
//! deep; it copies strings and numbers byte for byte and drops only the
//! whitespace between tokens, as SQLite's JSONB round trip does. It keeps
//! the nesting in a fixed bit stack, never in recursion. Every other
//! function here reads only text [`minify`] produced (or built from such
//! text), so it needs no error handling beyond checked indexing.

use crate::Result;
use crate::alloc::{Allocator, Vec};
use core::ops::Range;

use super::super::func::c_str;
use super::super::ops::{MAX_LENGTH, TOO_BIG};

/// SQLite's `JSON_MAX_DEPTH`: deeper documents are malformed.
pub(super) const MAX_DEPTH: usize = 1000;

/// Why a text is not a document this module accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Bad {
    /// Not JSON, nor JSON5 (SQLite's "malformed JSON").
    Malformed,
    /// Not RFC 8259 JSON at a construct JSON5 allows (comments, single
    /// quotes, unquoted keys, hexadecimal, trailing commas...), which
    /// SQLite reads and this engine refuses.
    Json5,
}

/// What the scanner expects next.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Want {
    /// A value; `close` when `]` may end an empty array instead.
    Value { close: bool },
    /// An object's key; `close` when `}` may end an empty object.
    Key { close: bool },
    /// The `:` after a key.
    Colon,
    /// A `,`, the end of the enclosing container, or the end of input.
    After,
}

/// Which containers enclose the scanner: one bit a level, set for an
/// object.
struct Nesting {
    bits: [u64; MAX_DEPTH.div_ceil(64)],
    depth: usize,
}

impl Nesting {
    fn push(&mut self, object: bool) -> bool {
        if self.depth >= MAX_DEPTH {
            return false;
        }
        let (word, bit) = (self.depth / 64, self.depth % 64);
        if let Some(w) = self.bits.get_mut(word) {
            if object {
                *w |= 1 << bit;
            } else {
                *w &= !(1 << bit);
            }
        }
        self.depth += 1;
        true
    }

    /// Whether the innermost container is an object (`None`: none is).
    fn top(&self) -> Option<bool> {
        let d = self.depth.checked_sub(1)?;
        let w = self.bits.get(d / 64)?;
        Some(w & (1 << (d % 64)) != 0)
    }
}

/// Whether `b` is JSON's whitespace.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// Whether an unexpected `b` where whitespace or a value may stand
/// starts something JSON5 allows (its extra whitespace, comments).
fn json5_space(b: u8) -> bool {
    matches!(b, 0x0b | 0x0c | b'/' | 0xc2 | 0xe1 | 0xe2 | 0xe3 | 0xef)
}

/// `json` (up to a NUL, as SQLite reads it) checked and minified.
pub(super) fn minify<A: Allocator>(
    json: &[u8],
    alloc: A,
) -> Result<core::result::Result<Vec<u8, A>, Bad>> {
    let s = c_str(json);
    let mut out = Vec::try_with_capacity_in(s.len(), alloc)?;
    let mut nest = Nesting {
        bits: [0; MAX_DEPTH.div_ceil(64)],
        depth: 0,
    };
    let mut want = Want::Value { close: false };
    let mut i = 0;
    let at = |i: usize| s.get(i).copied().unwrap_or(0);
    loop {
        while is_space(at(i)) {
            i += 1;
        }
        let Some(&c) = s.get(i) else { break };
        if json5_space(c) {
            return Ok(Err(Bad::Json5));
        }
        match want {
            Want::Value { close } => match c {
                b'[' | b'{' => {
                    if !nest.push(c == b'{') {
                        return Ok(Err(Bad::Malformed));
                    }
                    out.try_push(c)?;
                    i += 1;
                    want = if c == b'[' {
                        Want::Value { close: true }
                    } else {
                        Want::Key { close: true }
                    };
                }
                b']' if close => {
                    nest.depth -= 1;
                    out.try_push(c)?;
                    i += 1;
                    want = Want::After;
                }
                b'"' => {
                    let end = match string(s, i) {
                        Ok(end) => end,
                        Err(bad) => return Ok(Err(bad)),
                    };
                    out.try_extend_from_slice(s.get(i..end).unwrap_or_default())?;
                    i = end;
                    want = Want::After;
                }
                b't' | b'f' | b'n' => {
                    let word: &[u8] = match c {
                        b't' => b"true",
                        b'f' => b"false",
                        _ => b"null",
                    };
                    let end = i + word.len();
                    if s.get(i..end) != Some(word) || at(end).is_ascii_alphanumeric() {
                        let json5 = c == b'n'
                            && s.get(i..i + 3)
                                .is_some_and(|w| w.eq_ignore_ascii_case(b"nan"));
                        return Ok(Err(if json5 { Bad::Json5 } else { Bad::Malformed }));
                    }
                    out.try_extend_from_slice(word)?;
                    i = end;
                    want = Want::After;
                }
                b'-' | b'0'..=b'9' => {
                    let end = match number(s, i) {
                        Ok(end) => end,
                        Err(bad) => return Ok(Err(bad)),
                    };
                    out.try_extend_from_slice(s.get(i..end).unwrap_or_default())?;
                    i = end;
                    want = Want::After;
                }
                b'\'' | b'+' | b'.' | b'I' | b'i' | b'N' | b'Q' | b'q' | b'S' | b's' | b']'
                | b'}' => {
                    return Ok(Err(Bad::Json5));
                }
                _ => return Ok(Err(Bad::Malformed)),
            },
            Want::Key { close } => match c {
                b'"' => {
                    let end = match string(s, i) {
                        Ok(end) => end,
                        Err(bad) => return Ok(Err(bad)),
                    };
                    out.try_extend_from_slice(s.get(i..end).unwrap_or_default())?;
                    i = end;
                    want = Want::Colon;
                }
                b'}' if close => {
                    nest.depth -= 1;
                    out.try_push(c)?;
                    i += 1;
                    want = Want::After;
                }
                b'}' | b'\'' | b'_' | b'$' | b'\\' | 0x80.. => return Ok(Err(Bad::Json5)),
                c if c.is_ascii_alphabetic() => return Ok(Err(Bad::Json5)),
                _ => return Ok(Err(Bad::Malformed)),
            },
            Want::Colon => {
                if c != b':' {
                    return Ok(Err(Bad::Malformed));
                }
                out.try_push(c)?;
                i += 1;
                want = Want::Value { close: false };
            }
            Want::After => {
                let top = nest.top();
                match (c, top) {
                    (b',', Some(object)) => {
                        want = if object {
                            Want::Key { close: false }
                        } else {
                            Want::Value { close: false }
                        };
                    }
                    (b']', Some(false)) | (b'}', Some(true)) => nest.depth -= 1,
                    _ => return Ok(Err(Bad::Malformed)),
                }
                out.try_push(c)?;
                i += 1;
            }
        }
    }
    if want != Want::After || nest.depth != 0 {
        return Ok(Err(Bad::Malformed));
    }
    Ok(Ok(out))
}

/// The end (past the closing quote) of the string starting at `s[i]`.
fn string(s: &[u8], i: usize) -> core::result::Result<usize, Bad> {
    let mut j = i + 1;
    loop {
        let Some(&c) = s.get(j) else {
            return Err(Bad::Malformed);
        };
        match c {
            b'"' => return Ok(j + 1),
            b'\\' => {
                let e = s.get(j + 1).copied().unwrap_or(0);
                match e {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => j += 2,
                    b'u' if s
                        .get(j + 2..j + 6)
                        .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) =>
                    {
                        j += 6
                    }
                    b'\'' | b'v' | b'\n' | b'\r' | b'0' | b'x' | 0xe2 => return Err(Bad::Json5),
                    _ => return Err(Bad::Malformed),
                }
            }
            0x01..=0x1f => return Err(Bad::Json5),
            _ => j += 1,
        }
    }
}

/// The end of the number starting at `s[i]`, in RFC 8259's grammar.
fn number(s: &[u8], i: usize) -> core::result::Result<usize, Bad> {
    let at = |j: usize| s.get(j).copied().unwrap_or(0);
    let digits = |mut j: usize| {
        while at(j).is_ascii_digit() {
            j += 1;
        }
        j
    };
    let mut j = i;
    if at(j) == b'-' {
        j += 1;
    }
    match at(j) {
        b'0' => {
            j += 1;
            match at(j) {
                b'0'..=b'9' => return Err(Bad::Malformed),
                b'x' | b'X' if at(j + 1).is_ascii_hexdigit() => return Err(Bad::Json5),
                _ => {}
            }
        }
        b'1'..=b'9' => j = digits(j),
        b'I' | b'i' | b'.' => return Err(Bad::Json5),
        _ => return Err(Bad::Malformed),
    }
    if at(j) == b'.' {
        if !at(j + 1).is_ascii_digit() {
            return Err(
                if matches!(at(j + 1), b'e' | b'E') || !at(j + 1).is_ascii_alphanumeric() {
                    Bad::Json5
                } else {
                    Bad::Malformed
                },
            );
        }
        j = digits(j + 1);
    }
    if matches!(at(j), b'e' | b'E') {
        j += 1;
        if matches!(at(j), b'+' | b'-') {
            j += 1;
        }
        if !at(j).is_ascii_digit() {
            return Err(Bad::Malformed);
        }
        j = digits(j);
    }
    Ok(j)
}

/// The end of the value starting at `m[i]` in minified text.
pub(super) fn value_end(m: &[u8], i: usize) -> usize {
    match m.get(i) {
        Some(b'"') => string_end(m, i),
        Some(b'[' | b'{') => {
            let mut depth = 0usize;
            let mut j = i;
            while let Some(&c) = m.get(j) {
                match c {
                    b'"' => {
                        j = string_end(m, j);
                        continue;
                    }
                    b'[' | b'{' => depth += 1,
                    b']' | b'}' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            return j + 1;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            j
        }
        _ => {
            let mut j = i;
            while m
                .get(j)
                .is_some_and(|c| !matches!(c, b',' | b']' | b'}' | b':'))
            {
                j += 1;
            }
            j
        }
    }
}

/// The end (past the closing quote) of the string at `m[i]` in minified
/// text.
pub(super) fn string_end(m: &[u8], i: usize) -> usize {
    let mut j = i + 1;
    while let Some(&c) = m.get(j) {
        match c {
            b'"' => return j + 1,
            b'\\' => j += 2,
            _ => j += 1,
        }
    }
    j
}

/// SQLite's `JSON_INVALID_CHAR`: what an escape that names no
/// character reads as.
const INVALID_CHAR: u32 = 0x99999;

/// SQLite's `jsonHexToInt`: any byte read as a hex digit.
fn hex_digit(h: u8) -> u32 {
    let h = u32::from(h);
    (h + 9 * (1 & (h >> 6))) & 0xf
}

/// SQLite's `jsonHexToInt4`.
fn hex4(h: &[u8]) -> u32 {
    h.iter().take(4).fold(0, |v, &d| (v << 4) | hex_digit(d))
}

/// The escape at `e[0]` (a backslash), as SQLite's `jsonUnescapeOneChar`
/// reads it: its code point and its length; `None` for the line
/// continuations of JSON5, which this engine does not read.
fn unescape_one(e: &[u8]) -> Option<(u32, usize)> {
    let n = e.len();
    if n < 2 {
        return Some((INVALID_CHAR, n));
    }
    let at = |i: usize| e.get(i).copied().unwrap_or(0);
    Some(match at(1) {
        b'u' => {
            if n < 6 {
                return Some((INVALID_CHAR, n));
            }
            let v = hex4(e.get(2..).unwrap_or_default());
            if v & 0xfc00 == 0xd800 && n >= 12 && at(6) == b'\\' && at(7) == b'u' {
                let lo = hex4(e.get(8..).unwrap_or_default());
                if lo & 0xfc00 == 0xdc00 {
                    return Some((((v & 0x3ff) << 10) + (lo & 0x3ff) + 0x10000, 12));
                }
            }
            (v, 6)
        }
        b'b' => (8, 2),
        b'f' => (12, 2),
        b'n' => (10, 2),
        b'r' => (13, 2),
        b't' => (9, 2),
        b'v' => (11, 2),
        b'0' => (
            if n > 2 && at(2).is_ascii_digit() {
                INVALID_CHAR
            } else {
                0
            },
            2,
        ),
        c @ (b'\'' | b'"' | b'/' | b'\\') => (u32::from(c), 2),
        b'x' => {
            if n < 4 {
                return Some((INVALID_CHAR, n));
            }
            ((hex_digit(at(2)) << 4) | hex_digit(at(3)), 4)
        }
        0xe2 | b'\r' | b'\n' => return None,
        _ => (INVALID_CHAR, 2),
    })
}

/// The code points of a label's text as SQLite's
/// `jsonLabelCompareEscaped` reads them: UTF-8 read leniently, escapes
/// read, 0 forever once the text ends.
struct CodePoints<'a> {
    raw: &'a [u8],
    verbatim: bool,
}

impl CodePoints<'_> {
    /// The next code point; `None` for an escape this engine does not
    /// read.
    fn next(&mut self) -> Option<u32> {
        let Some(&c) = self.raw.first() else {
            return Some(0);
        };
        if self.verbatim || c != b'\\' {
            let mut v = u32::from(c);
            let mut i = 1;
            if c >= 0xc0 {
                // SQLite's `sqlite3Utf8Trans1`.
                v = u32::from(match c {
                    0xc0..=0xdf => c & 0x1f,
                    0xe0..=0xef => c & 0x0f,
                    0xf0..=0xf7 => c & 0x07,
                    0xf8..=0xfb => c & 0x03,
                    0xfc..=0xfd => c & 0x01,
                    _ => 0,
                });
                while i < 4 && self.raw.get(i).is_some_and(|&b| b & 0xc0 == 0x80) {
                    v = (v << 6) + u32::from(self.raw.get(i).copied().unwrap_or(0) & 0x3f);
                    i += 1;
                }
            }
            self.raw = self.raw.get(i..).unwrap_or_default();
            return Some(v);
        }
        let (v, len) = unescape_one(self.raw)?;
        self.raw = self.raw.get(len.max(1)..).unwrap_or_default();
        Some(v)
    }
}

/// The bytes of the text a JSON string's content (without its quotes)
/// stands for, as SQLite's `jsonReturnFromBlob` unescapes it: a code
/// point is written in UTF-8 (a lone surrogate too), an escape that
/// names no character is dropped. A raw content is taken byte for byte.
pub(super) struct Unescaped<'a> {
    raw: &'a [u8],
    verbatim: bool,
    pending: [u8; 4],
    at: usize,
    len: usize,
}

impl<'a> Unescaped<'a> {
    /// The text of `raw`; `verbatim` when it holds no escapes to read.
    pub(super) fn new(raw: &'a [u8], verbatim: bool) -> Self {
        Unescaped {
            raw,
            verbatim,
            pending: [0; 4],
            at: 0,
            len: 0,
        }
    }
}

impl Iterator for Unescaped<'_> {
    type Item = u8;

    fn next(&mut self) -> Option<u8> {
        loop {
            if self.at < self.len {
                self.at += 1;
                return self.pending.get(self.at - 1).copied();
            }
            let (&c, rest) = self.raw.split_first()?;
            if self.verbatim || c != b'\\' {
                self.raw = rest;
                return Some(c);
            }
            let (v, len) = unescape_one(self.raw).unwrap_or((INVALID_CHAR, 2));
            self.raw = self.raw.get(len.max(1)..).unwrap_or_default();
            let p = &mut self.pending;
            self.len = if v <= 0x7f {
                p[0] = v as u8;
                1
            } else if v <= 0x7ff {
                p[0] = 0xc0 | (v >> 6) as u8;
                p[1] = 0x80 | (v & 0x3f) as u8;
                2
            } else if v < 0x10000 {
                p[0] = 0xe0 | (v >> 12) as u8;
                p[1] = 0x80 | ((v >> 6) & 0x3f) as u8;
                p[2] = 0x80 | (v & 0x3f) as u8;
                3
            } else if v == INVALID_CHAR {
                0
            } else {
                p[0] = 0xf0 | ((v >> 18) & 0x07) as u8;
                p[1] = 0x80 | ((v >> 12) & 0x3f) as u8;
                p[2] = 0x80 | ((v >> 6) & 0x3f) as u8;
                p[3] = 0x80 | (v & 0x3f) as u8;
                4
            };
            self.at = 0;
        }
    }
}

/// Whether two labels (string contents without quotes) are equal as
/// SQLite's `jsonLabelCompare` has it: byte for byte when neither has
/// escapes to read, else code point by code point up to the first 0
/// (the end of either, or a `\u0000`). `None` for a label with a JSON5
/// line continuation, which this engine does not read.
pub(super) fn same_text(a: &[u8], a_raw: bool, b: &[u8], b_raw: bool) -> Option<bool> {
    if a_raw && b_raw {
        return Some(a == b);
    }
    let mut left = CodePoints {
        raw: a,
        verbatim: a_raw,
    };
    let mut right = CodePoints {
        raw: b,
        verbatim: b_raw,
    };
    loop {
        let (l, r) = (left.next()?, right.next()?);
        if l != r {
            return Some(false);
        }
        if l == 0 {
            return Some(true);
        }
    }
}

/// Appends `text` to `out` as a JSON string, escaped as SQLite's
/// `jsonAppendString` escapes it.
pub(super) fn push_string<A: Allocator>(out: &mut Vec<u8, A>, text: &[u8]) -> Result<()> {
    grow(out, text.len().saturating_add(2))?;
    out.try_push(b'"')?;
    let mut start = 0;
    for (i, &c) in text.iter().enumerate() {
        if c >= 0x20 && c != b'"' && c != b'\\' {
            continue;
        }
        out.try_extend_from_slice(text.get(start..i).unwrap_or_default())?;
        start = i + 1;
        match c {
            b'"' | b'\\' => out.try_extend_from_slice(&[b'\\', c])?,
            0x08 => out.try_extend_from_slice(b"\\b")?,
            0x09 => out.try_extend_from_slice(b"\\t")?,
            0x0a => out.try_extend_from_slice(b"\\n")?,
            0x0c => out.try_extend_from_slice(b"\\f")?,
            0x0d => out.try_extend_from_slice(b"\\r")?,
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                let hi = HEX.get(usize::from(c >> 4)).copied().unwrap_or(b'0');
                let lo = HEX.get(usize::from(c & 15)).copied().unwrap_or(b'0');
                out.try_extend_from_slice(&[b'\\', b'u', b'0', b'0', hi, lo])?;
            }
        }
    }
    out.try_extend_from_slice(text.get(start..).unwrap_or_default())?;
    out.try_push(b'"')?;
    Ok(())
}

/// Reserves room for `more` bytes in `out`, refusing results past
/// SQLite's length limit.
pub(super) fn grow<A: Allocator>(out: &mut Vec<u8, A>, more: usize) -> Result<()> {
    if out.len().saturating_add(more) > MAX_LENGTH {
        return Err(TOO_BIG);
    }
    Ok(out.try_reserve(more)?)
}

/// `m` with `range` replaced by the concatenation of `with`.
pub(super) fn splice<A: Allocator + Clone>(
    m: &[u8],
    range: Range<usize>,
    with: &[&[u8]],
    alloc: A,
) -> Result<Vec<u8, A>> {
    let mut out = Vec::new_in(alloc);
    let added: usize = with.iter().map(|w| w.len()).sum();
    grow(
        &mut out,
        m.len().saturating_sub(range.len()).saturating_add(added),
    )?;
    out.try_extend_from_slice(m.get(..range.start).unwrap_or_default())?;
    for w in with {
        out.try_extend_from_slice(w)?;
    }
    out.try_extend_from_slice(m.get(range.end..).unwrap_or_default())?;
    Ok(out)
}
