//! [`Quoted`]: a name or string literal exactly as written, unquoted on
//! demand; [`HexBlob`]: a BLOB literal, decoded on demand.
//!
//! Parsing never copies a name or a string: the syntax tree borrows the
//! token's text, quotes included, and the value (quotes removed, doubled
//! quotes made single) is produced when someone asks, as an iterator of
//! characters, a borrowed slice when no escape needs resolving, or a
//! [`String`] in the caller's allocator.
//!
//! Invariant: the raw text is a whole token as the lexer produced it: bare
//! text, or text enclosed in `'...'`, `"..."`, `` `...` `` (the enclosing
//! character doubled inside stands for one) or `[...]` (no escapes).

use core::fmt;

use crate::alloc::{Allocator, OutOfMemory, String, Vec};

/// A name or string literal as written in the SQL text.
///
/// ```
/// use boundlite::sql::Quoted;
///
/// let name = Quoted::new("\"say \"\"hi\"\"\"");
/// assert_eq!(name.raw(), "\"say \"\"hi\"\"\"");
/// assert_eq!(name.as_str(), None); // an escape must be resolved
/// assert!(name.eq_ignore_ascii_case("SAY \"HI\""));
/// assert_eq!(Quoted::new("[a b]").as_str(), Some("a b"));
/// assert_eq!(Quoted::new("Plain").as_str(), Some("Plain"));
/// ```
#[derive(Clone, Copy)]
pub struct Quoted<'a> {
    raw: &'a str,
}

/// A name: a table, column, index, collation or function.
pub type Ident<'a> = Quoted<'a>;

/// The text of a string literal.
pub type StrLit<'a> = Quoted<'a>;

impl<'a> Quoted<'a> {
    /// Wraps a token's text. Text that opens with a quote character but
    /// does not close with its partner is taken as bare text.
    pub fn new(raw: &'a str) -> Self {
        Quoted { raw }
    }

    /// The text as written, quotes included.
    pub fn raw(&self) -> &'a str {
        self.raw
    }

    /// The quote character that escapes itself inside the text (`'`, `"`
    /// or `` ` ``), `]` for a bracketed name, or `None` for bare text.
    pub fn quote(&self) -> Option<u8> {
        let bytes = self.raw.as_bytes();
        let (first, last) = (*bytes.first()?, *bytes.last()?);
        let closing = match first {
            b'\'' | b'"' | b'`' => first,
            b'[' => b']',
            _ => return None,
        };
        (bytes.len() >= 2 && last == closing).then_some(closing)
    }

    /// Whether the text was quoted in any way.
    pub fn is_quoted(&self) -> bool {
        self.quote().is_some()
    }

    /// Whether the text was in double quotes: SQLite reads a
    /// double-quoted name that matches no column as a string literal.
    pub fn is_double_quoted(&self) -> bool {
        self.quote() == Some(b'"')
    }

    /// The text between the quotes, escapes not resolved.
    pub fn inner(&self) -> &'a str {
        match self.quote() {
            Some(_) => self.raw.get(1..self.raw.len() - 1).unwrap_or(""),
            None => self.raw,
        }
    }

    /// The value, when it can be borrowed: the text holds no doubled
    /// quote to resolve.
    pub fn as_str(&self) -> Option<&'a str> {
        match self.quote() {
            // A byte loop: literals are short, and a row's evaluation
            // reads them again and again.
            Some(q @ (b'\'' | b'"' | b'`')) if self.inner().bytes().any(|b| b == q) => None,
            _ => Some(self.inner()),
        }
    }

    /// The value's characters, escapes resolved.
    pub fn chars(&self) -> Unquoted<'a> {
        let escape = match self.quote() {
            Some(b']') | None => None,
            Some(q) => Some(char::from(q)),
        };
        Unquoted {
            chars: self.inner().chars(),
            escape,
        }
    }

    /// Whether the value equals `value`, ignoring ASCII case (how SQLite
    /// compares names).
    pub fn eq_ignore_ascii_case(&self, value: &str) -> bool {
        match self.as_str() {
            Some(s) => s.eq_ignore_ascii_case(value),
            None => self
                .chars()
                .map(|c| c.to_ascii_lowercase())
                .eq(value.chars().map(|c| c.to_ascii_lowercase())),
        }
    }

    /// The value's length in bytes.
    pub fn value_len(&self) -> usize {
        match self.as_str() {
            Some(s) => s.len(),
            None => self.chars().map(char::len_utf8).sum(),
        }
    }

    /// The value as a string in `alloc`.
    pub fn to_string_in<A: Allocator>(&self, alloc: A) -> Result<String<A>, OutOfMemory> {
        let mut out = String::try_with_capacity_in(self.value_len(), alloc)?;
        match self.as_str() {
            Some(s) => out.try_push_str(s)?,
            None => {
                for c in self.chars() {
                    out.try_push(c)?;
                }
            }
        }
        Ok(out)
    }

    /// The byte offset of the raw text in `sql`, when the text is a slice
    /// of it: where to point an error about this name.
    pub fn offset_in(&self, sql: &str) -> Option<usize> {
        let start = (self.raw.as_ptr() as usize).checked_sub(sql.as_ptr() as usize)?;
        (start + self.raw.len() <= sql.len()).then_some(start)
    }
}

/// Values compare exactly (`"a"` equals `a`); use
/// [`Quoted::eq_ignore_ascii_case`] to compare as SQLite compares names.
impl PartialEq for Quoted<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self.as_str(), other.as_str()) {
            (Some(a), Some(b)) => a == b,
            _ => self.chars().eq(other.chars()),
        }
    }
}

impl PartialEq<str> for Quoted<'_> {
    fn eq(&self, other: &str) -> bool {
        match self.as_str() {
            Some(s) => s == other,
            None => self.chars().eq(other.chars()),
        }
    }
}

impl PartialEq<&str> for Quoted<'_> {
    fn eq(&self, other: &&str) -> bool {
        *self == **other
    }
}

/// Shows the text as written.
impl fmt::Debug for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.raw)
    }
}

/// Shows the text as written, so displayed SQL parses back the same.
impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.raw)
    }
}

/// The characters of a [`Quoted`] value, doubled quotes made single.
#[derive(Debug, Clone)]
pub struct Unquoted<'a> {
    chars: core::str::Chars<'a>,
    escape: Option<char>,
}

/// Shows the value, quotes removed, as SQLite's messages name things.
impl fmt::Display for Unquoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.clone() {
            fmt::Write::write_char(f, c)?;
        }
        Ok(())
    }
}

impl Iterator for Unquoted<'_> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        let c = self.chars.next()?;
        if Some(c) == self.escape {
            // The lexer only accepts the quote doubled inside the text.
            self.chars.next();
        }
        Some(c)
    }
}

/// A BLOB literal `X'...'` as written, with an even number of hex digits.
///
/// ```
/// use boundlite::sql::HexBlob;
///
/// let blob = HexBlob::new("x'0aFf'");
/// assert_eq!(blob.len(), 2);
/// assert!(blob.bytes().eq([0x0a, 0xff]));
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct HexBlob<'a> {
    raw: &'a str,
}

impl<'a> HexBlob<'a> {
    /// Wraps a BLOB token's text.
    pub fn new(raw: &'a str) -> Self {
        HexBlob { raw }
    }

    /// The text as written.
    pub fn raw(&self) -> &'a str {
        self.raw
    }

    /// The hex digits.
    pub fn hex(&self) -> &'a str {
        self.raw
            .get(2..self.raw.len().saturating_sub(1))
            .unwrap_or("")
    }

    /// The number of bytes.
    pub fn len(&self) -> usize {
        self.hex().len() / 2
    }

    /// Whether the BLOB is empty (`X''`).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes.
    pub fn bytes(&self) -> impl Iterator<Item = u8> + 'a {
        let digit = |b: u8| match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            b'A'..=b'F' => b - b'A' + 10,
            _ => 0,
        };
        self.hex()
            .as_bytes()
            .chunks_exact(2)
            .map(move |pair| match pair {
                [hi, lo] => digit(*hi) << 4 | digit(*lo),
                _ => 0,
            })
    }

    /// The bytes in a vector in `alloc`.
    pub fn to_vec_in<A: Allocator>(&self, alloc: A) -> Result<Vec<u8, A>, OutOfMemory> {
        let mut out = Vec::try_with_capacity_in(self.len(), alloc)?;
        out.try_extend(self.bytes())?;
        Ok(out)
    }
}

impl fmt::Debug for HexBlob<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.raw)
    }
}

impl fmt::Display for HexBlob<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.raw)
    }
}
