//! A minimal SQL tokenizer: just enough to find column names, constraints
//! and index items in the `CREATE` statements a schema stores.
//!
//! It splits text into words (keywords and bare identifiers alike),
//! quoted identifiers (`"x"`, `[x]`, `` `x` ``), string literals (`'x'`),
//! numbers, blob literals (`x'00'`) and single-byte punctuation, and drops
//! whitespace and comments (`-- ...` to the end of the line, `/* ... */`
//! to its end or the end of the text, as SQLite reads it). It knows no
//! grammar and never fails on text it does not understand: only a quote
//! that never closes is an error. It is meant to give way to the query
//! layer's SQL parser; nothing outside `schema` depends on it.
//!
//! Invariant: every token's `text` is a slice of the input at `offset`, cut
//! on character boundaries, so slicing the input between tokens is safe.

use crate::alloc::{Allocator, String, Vec};
use crate::{Error, Result};

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// A bare word: a keyword or an unquoted identifier.
    Word,
    /// An identifier in `"..."`, `[...]` or `` `...` ``.
    Quoted,
    /// A string literal in `'...'`.
    String,
    /// A numeric literal.
    Number,
    /// A blob literal `x'...'`.
    Blob,
    /// One byte of punctuation or an operator character.
    Punct(u8),
}

/// One token: its kind, its text (quotes included) and where it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token<'s> {
    pub kind: TokenKind,
    pub text: &'s str,
    pub offset: usize,
}

impl Token<'_> {
    /// Whether this is the bare word `keyword`, in any case.
    pub fn is(&self, keyword: &str) -> bool {
        self.kind == TokenKind::Word && self.text.eq_ignore_ascii_case(keyword)
    }

    /// Whether this is the punctuation byte `byte`.
    pub fn is_punct(&self, byte: u8) -> bool {
        self.kind == TokenKind::Punct(byte)
    }

    /// Whether the token can name something: a word, a quoted identifier,
    /// or a string literal (which SQLite accepts where a name is expected).
    pub fn is_name(&self) -> bool {
        matches!(
            self.kind,
            TokenKind::Word | TokenKind::Quoted | TokenKind::String
        )
    }

    /// The name the token spells, quotes removed and doubled quotes
    /// undone, as characters.
    pub fn name_chars(&self) -> impl Iterator<Item = char> + '_ {
        let (body, quote) = match self.kind {
            TokenKind::Quoted | TokenKind::String => {
                let len = self.text.len();
                let body = self.text.get(1..len.saturating_sub(1)).unwrap_or("");
                let open = self.text.as_bytes().first().copied().unwrap_or(b'"');
                // `[x]` has no escapes; the other quotes double themselves.
                (body, (open != b'[').then_some(char::from(open)))
            }
            _ => (self.text, None),
        };
        let mut chars = body.chars().peekable();
        core::iter::from_fn(move || {
            let c = chars.next()?;
            if Some(c) == quote && chars.peek() == Some(&c) {
                chars.next();
            }
            Some(c)
        })
    }

    /// Whether the token names `name`, compared as SQLite compares
    /// identifiers (ASCII case folded).
    pub fn names(&self, name: &str) -> bool {
        self.is_name() && {
            let mut ours = self.name_chars();
            let mut theirs = name.chars();
            loop {
                match (ours.next(), theirs.next()) {
                    (None, None) => break true,
                    (Some(a), Some(b)) if a.eq_ignore_ascii_case(&b) => {}
                    _ => break false,
                }
            }
        }
    }

    /// The name the token spells, in `alloc`.
    pub fn name_in<A: Allocator>(&self, alloc: A) -> Result<String<A>> {
        let mut out = String::try_with_capacity_in(self.text.len(), alloc)?;
        for c in self.name_chars() {
            out.try_push(c)?;
        }
        Ok(out)
    }
}

/// Splits `sql` into tokens, comments and whitespace dropped.
pub(crate) fn tokenize<'s, A: Allocator>(sql: &'s str, alloc: A) -> Result<Vec<Token<'s>, A>> {
    let mut out = Vec::new_in(alloc);
    for token in Tokens::new(sql) {
        out.try_push(token?)?;
    }
    Ok(out)
}

/// The tokens of a text, one at a time, without allocating.
pub(crate) struct Tokens<'s> {
    sql: &'s str,
    at: usize,
}

impl<'s> Tokens<'s> {
    pub(crate) fn new(sql: &'s str) -> Self {
        Tokens { sql, at: 0 }
    }
}

impl<'s> Iterator for Tokens<'s> {
    type Item = Result<Token<'s>>;

    fn next(&mut self) -> Option<Self::Item> {
        let bytes = self.sql.as_bytes();
        while let Some(&b) = bytes.get(self.at) {
            let at = self.at;
            let next = bytes.get(at + 1).copied();
            let end = match b {
                _ if b.is_ascii_whitespace() => {
                    self.at += 1;
                    continue;
                }
                b'-' if next == Some(b'-') => {
                    self.at = find(bytes, at, |c| c == b'\n').map_or(bytes.len(), |i| i + 1);
                    continue;
                }
                b'/' if next == Some(b'*') => {
                    self.at = find_pair(bytes, at + 2, b'*', b'/').map_or(bytes.len(), |i| i + 2);
                    continue;
                }
                _ => token_end(bytes, at),
            };
            // Stop for good after an error.
            self.at = bytes.len();
            let (kind, end) = match end {
                Ok(found) => found,
                Err(e) => return Some(Err(e)),
            };
            let Some(text) = self.sql.get(at..end) else {
                return Some(Err(Error::Sql("SQL text is cut inside a character")));
            };
            self.at = end;
            return Some(Ok(Token {
                kind,
                text,
                offset: at,
            }));
        }
        None
    }
}

/// The kind and end of the token that starts at `at` (not whitespace or
/// a comment).
fn token_end(bytes: &[u8], at: usize) -> Result<(TokenKind, usize)> {
    let Some(&b) = bytes.get(at) else {
        return Err(Error::Misuse("token past the end of the text"));
    };
    let next = bytes.get(at + 1).copied();
    Ok(match b {
        b'\'' => (TokenKind::String, quoted_end(bytes, at, b'\'')?),
        b'"' | b'`' => (TokenKind::Quoted, quoted_end(bytes, at, b)?),
        b'[' => {
            let close = find(bytes, at + 1, |c| c == b']').ok_or(UNTERMINATED)?;
            (TokenKind::Quoted, close + 1)
        }
        b'x' | b'X' if next == Some(b'\'') => (TokenKind::Blob, quoted_end(bytes, at + 1, b'\'')?),
        b'0'..=b'9' => (TokenKind::Number, number_end(bytes, at)),
        b'.' if next.is_some_and(|c| c.is_ascii_digit()) => {
            (TokenKind::Number, number_end(bytes, at))
        }
        _ if is_word_byte(b) => {
            let end = find(bytes, at, |c| !is_word_byte(c)).unwrap_or(bytes.len());
            (TokenKind::Word, end)
        }
        _ => (TokenKind::Punct(b), at + 1),
    })
}

const UNTERMINATED: Error = Error::Sql("unterminated quoted name or string in schema SQL");

/// Bytes of identifiers and keywords: ASCII letters, digits, `_`, `$`,
/// and every byte of a non-ASCII character (SQLite treats those as
/// letters).
fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

/// The first index at or after `from` whose byte satisfies `pred`.
fn find(bytes: &[u8], from: usize, pred: impl Fn(u8) -> bool) -> Option<usize> {
    bytes
        .get(from..)?
        .iter()
        .position(|&c| pred(c))
        .map(|i| i + from)
}

/// The index of the first `a` at or after `from` that `b` follows.
fn find_pair(bytes: &[u8], from: usize, a: u8, b: u8) -> Option<usize> {
    bytes
        .get(from..)?
        .windows(2)
        .position(|w| w == [a, b])
        .map(|i| i + from)
}

/// The end of the quoted text opening at `at` with `quote`; a doubled
/// quote inside stands for itself.
fn quoted_end(bytes: &[u8], at: usize, quote: u8) -> Result<usize> {
    let mut i = at + 1;
    loop {
        let close = find(bytes, i, |c| c == quote).ok_or(UNTERMINATED)?;
        if bytes.get(close + 1) == Some(&quote) {
            i = close + 2;
        } else {
            return Ok(close + 1);
        }
    }
}

/// The end of the number starting at `at`: digits, letters (hex and
/// exponents), dots, and a sign right after an exponent's `e`.
fn number_end(bytes: &[u8], at: usize) -> usize {
    let mut i = at;
    while let Some(&c) = bytes.get(i) {
        let after_exponent = matches!(c, b'+' | b'-')
            && i > at
            && bytes
                .get(i - 1)
                .is_some_and(|p| p.eq_ignore_ascii_case(&b'e'));
        if c.is_ascii_alphanumeric() || c == b'.' || c == b'_' || after_exponent {
            i += 1;
        } else {
            break;
        }
    }
    i
}

/// The index just past the group that opens with the `(` at `open`
/// (nested groups included); the slice length when it never closes.
pub(crate) fn skip_group(tokens: &[Token<'_>], open: usize) -> usize {
    let mut depth = 0usize;
    for (i, token) in tokens.iter().enumerate().skip(open) {
        if token.is_punct(b'(') {
            depth += 1;
        } else if token.is_punct(b')') {
            depth = depth.saturating_sub(1);
            if depth == 0 {
                return i + 1;
            }
        }
    }
    tokens.len()
}

/// The comma-separated items of a list, commas inside parentheses not
/// counting: the slices between the top-level commas of `tokens`.
pub(crate) fn split_items<'t, 's>(
    tokens: &'t [Token<'s>],
) -> impl Iterator<Item = &'t [Token<'s>]> {
    let mut rest = Some(tokens);
    core::iter::from_fn(move || {
        let list = rest?;
        let mut i = 0;
        while let Some(token) = list.get(i) {
            if token.is_punct(b',') {
                rest = list.get(i + 1..);
                return list.get(..i);
            }
            i = if token.is_punct(b'(') {
                skip_group(list, i)
            } else {
                i + 1
            };
        }
        rest = None;
        Some(list)
    })
}
