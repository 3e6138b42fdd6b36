//! [`Lexer`]: SQL text to [`Token`]s, by SQLite's tokenizer rules
//! (`tokenize.c`).
//!
//! The lexer owns the byte-level rules: what a name, a number, a string,
//! a parameter or an operator looks like, which comments and whitespace
//! to skip, and which bytes form no token at all. It knows no grammar.
//!
//! Differences from SQLite worth knowing: a NUL byte is an unrecognized
//! token (SQLite would stop reading there), `#` is not a parameter prefix,
//! and `_` digit separators in numbers are not accepted. As in SQLite, a
//! `/*` comment that is never closed runs to the end of the text without
//! error, and a number followed directly by a name character (`1abc`,
//! `0x`, `1e`) is an unrecognized token.
//!
//! Invariants: tokens come in order and cover the input without gaps or
//! overlap; each is cut on character boundaries (every byte of a
//! non-ASCII character is a name character, so no rule stops inside one);
//! after an error or [`TokenKind::Eof`] the lexer yields `Eof` forever.

use super::error::{SqlError, SqlErrorKind};
use super::keyword::Keyword;
use super::token::{Token, TokenKind};

/// Splits SQL text into tokens, borrowing it.
///
/// ```
/// use boundlite::sql::{Lexer, TokenKind};
///
/// let mut lexer = Lexer::new("SELECT x'0a' -- done");
/// let t = lexer.next_token().unwrap();
/// assert_eq!((t.kind, t.text), (TokenKind::Keyword(boundlite::sql::Keyword::Select), "SELECT"));
/// let t = lexer.next_token().unwrap();
/// assert_eq!((t.kind, t.text, t.offset), (TokenKind::Blob, "x'0a'", 7));
/// assert_eq!(lexer.next_token().unwrap().kind, TokenKind::Eof);
/// ```
#[derive(Debug, Clone)]
pub struct Lexer<'a> {
    text: &'a str,
    pos: usize,
    done: bool,
}

/// Whether `b` may appear inside a bare identifier (SQLite's `IdChar`):
/// letters, digits, `_`, `$`, and every byte of a non-ASCII character.
fn is_id_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

/// Whether `b` may start a bare identifier.
fn is_id_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

/// SQLite's whitespace: space, tab, newline, vertical tab, form feed,
/// carriage return.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

impl<'a> Lexer<'a> {
    /// A lexer at the start of `text`.
    pub fn new(text: &'a str) -> Self {
        Lexer {
            text,
            pos: 0,
            done: false,
        }
    }

    /// The whole input.
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// The byte offset of the next token.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// The byte at `i`, or 0 past the end (as SQLite reads a C string).
    fn byte(&self, i: usize) -> u8 {
        self.text.as_bytes().get(i).copied().unwrap_or(0)
    }

    /// The next token that is not whitespace or a comment.
    pub fn next_token(&mut self) -> Result<Token<'a>, SqlError> {
        loop {
            let token = self.next_raw()?;
            if !matches!(token.kind, TokenKind::Space | TokenKind::Comment) {
                return Ok(token);
            }
        }
    }

    /// The next token, whitespace and comments included.
    pub fn next_raw(&mut self) -> Result<Token<'a>, SqlError> {
        let start = self.pos;
        if self.done || start >= self.text.len() {
            return Ok(self.eof());
        }
        if self.text.len() > u32::MAX as usize {
            self.done = true;
            return Err(SqlError::new(
                SqlErrorKind::Unsupported,
                0,
                0,
                "SQL text is too long",
            ));
        }
        let (kind, len) = self.scan(start);
        let end = start.saturating_add(len).min(self.text.len());
        let text = self.text.get(start..end).unwrap_or("");
        self.pos = end;
        match kind {
            Some(kind) => Ok(Token {
                kind,
                text,
                offset: start,
            }),
            None => {
                self.done = true;
                Err(SqlError::new(
                    SqlErrorKind::UnrecognizedToken,
                    start,
                    text.len(),
                    "unrecognized token",
                ))
            }
        }
    }

    fn eof(&mut self) -> Token<'a> {
        self.done = true;
        self.pos = self.text.len();
        Token {
            kind: TokenKind::Eof,
            text: "",
            offset: self.text.len(),
        }
    }

    /// Classifies the token at `start` (not at the end): its kind, or
    /// `None` for bytes that form no token, and its length in bytes.
    fn scan(&self, start: usize) -> (Option<TokenKind>, usize) {
        use TokenKind as K;
        let b = |i: usize| self.byte(start + i);
        let one = |kind| (Some(kind), 1);
        let two = |kind| (Some(kind), 2);
        match b(0) {
            c if is_space(c) => {
                let mut i = 1;
                while is_space(b(i)) {
                    i += 1;
                }
                (Some(K::Space), i)
            }
            b'-' => match b(1) {
                b'-' => {
                    let rest = self.text.get(start..).unwrap_or("");
                    (Some(K::Comment), rest.find('\n').unwrap_or(rest.len()))
                }
                b'>' if b(2) == b'>' => (Some(K::Arrow2), 3),
                b'>' => two(K::Arrow),
                _ => one(K::Minus),
            },
            // As in SQLite, `/*` ending the text is `/` and `*`, and an
            // unclosed comment runs to the end.
            b'/' if b(1) == b'*' && start + 2 < self.text.len() => {
                let rest = self.text.get(start + 2..).unwrap_or("");
                let len = rest.find("*/").map_or(self.text.len() - start, |i| i + 4);
                (Some(K::Comment), len)
            }
            b'/' => one(K::Slash),
            b'(' => one(K::LeftParen),
            b')' => one(K::RightParen),
            b';' => one(K::Semicolon),
            b'+' => one(K::Plus),
            b'*' => one(K::Star),
            b'%' => one(K::Percent),
            b',' => one(K::Comma),
            b'&' => one(K::BitAnd),
            b'~' => one(K::BitNot),
            b'=' if b(1) == b'=' => two(K::Eq),
            b'=' => one(K::Eq),
            b'<' => match b(1) {
                b'=' => two(K::Le),
                b'>' => two(K::Ne),
                b'<' => two(K::ShiftLeft),
                _ => one(K::Lt),
            },
            b'>' => match b(1) {
                b'=' => two(K::Ge),
                b'>' => two(K::ShiftRight),
                _ => one(K::Gt),
            },
            b'!' if b(1) == b'=' => two(K::Ne),
            b'|' if b(1) == b'|' => two(K::Concat),
            b'|' => one(K::BitOr),
            q @ (b'\'' | b'"' | b'`') => self.scan_quoted(start, q),
            b'[' => match self.text.get(start..).and_then(|s| s.find(']')) {
                Some(i) => (Some(K::QuotedId), i + 1),
                None => (None, self.text.len() - start),
            },
            b'.' if !b(1).is_ascii_digit() => one(K::Dot),
            b'.' | b'0'..=b'9' => self.scan_number(start),
            b'?' => {
                let mut i = 1;
                while b(i).is_ascii_digit() {
                    i += 1;
                }
                (Some(K::Variable), i)
            }
            b'$' | b'@' | b':' => self.scan_named_variable(start),
            b'x' | b'X' if b(1) == b'\'' => {
                let mut i = 2;
                while b(i).is_ascii_hexdigit() {
                    i += 1;
                }
                if b(i) == b'\'' && i % 2 == 0 {
                    // `i` counts the two bytes of `x'`: an even `i` means
                    // an even number of digits.
                    (Some(K::Blob), i + 1)
                } else {
                    while !matches!(b(i), b'\'' | 0) {
                        i += 1;
                    }
                    let closed = b(i) == b'\'';
                    (None, if closed { i + 1 } else { i })
                }
            }
            c if is_id_start(c) => {
                let mut i = 1;
                while is_id_char(b(i)) {
                    i += 1;
                }
                let word = self.text.get(start..start + i).unwrap_or("");
                match Keyword::lookup(word) {
                    Some(k) => (Some(K::Keyword(k)), i),
                    None => (Some(K::Id), i),
                }
            }
            _ => {
                // One whole character, so the error's span is valid text.
                let len = self
                    .text
                    .get(start..)
                    .and_then(|s| s.chars().next())
                    .map_or(1, char::len_utf8);
                (None, len)
            }
        }
    }

    /// A quoted token opened by `quote` at `start`: a doubled quote
    /// stands for one.
    fn scan_quoted(&self, start: usize, quote: u8) -> (Option<TokenKind>, usize) {
        let bytes = self.text.as_bytes().get(start..).unwrap_or(&[]);
        let mut i = 1;
        while let Some(&c) = bytes.get(i) {
            if c == quote {
                if bytes.get(i + 1) == Some(&quote) {
                    i += 2;
                    continue;
                }
                let kind = if quote == b'\'' {
                    TokenKind::String
                } else {
                    TokenKind::QuotedId
                };
                return (Some(kind), i + 1);
            }
            i += 1;
        }
        (None, bytes.len())
    }

    /// A numeric literal at `start` (a digit, or `.` and a digit).
    fn scan_number(&self, start: usize) -> (Option<TokenKind>, usize) {
        let b = |i: usize| self.byte(start + i);
        let mut kind = TokenKind::Integer;
        let mut i = 0;
        if b(0) == b'0' && matches!(b(1), b'x' | b'X') && b(2).is_ascii_hexdigit() {
            i = 3;
            while b(i).is_ascii_hexdigit() {
                i += 1;
            }
        } else {
            while b(i).is_ascii_digit() {
                i += 1;
            }
            if b(i) == b'.' {
                i += 1;
                while b(i).is_ascii_digit() {
                    i += 1;
                }
                kind = TokenKind::Float;
            }
            let signed = matches!(b(i + 1), b'+' | b'-') && b(i + 2).is_ascii_digit();
            if matches!(b(i), b'e' | b'E') && (b(i + 1).is_ascii_digit() || signed) {
                i += 2;
                while b(i).is_ascii_digit() {
                    i += 1;
                }
                kind = TokenKind::Float;
            }
        }
        if !is_id_char(b(i)) {
            return (Some(kind), i);
        }
        while is_id_char(b(i)) {
            i += 1;
        }
        (None, i)
    }

    /// `:name`, `@name` or `$name` at `start`, with SQLite's Tcl-style
    /// extensions for `$`: `::` inside the name and a `(...)` suffix.
    fn scan_named_variable(&self, start: usize) -> (Option<TokenKind>, usize) {
        let b = |i: usize| self.byte(start + i);
        let mut name_chars = 0;
        let mut i = 1;
        loop {
            let c = b(i);
            if is_id_char(c) {
                name_chars += 1;
            } else if c == b'(' && name_chars > 0 {
                i += 1;
                while !matches!(b(i), 0 | b')') && !is_space(b(i)) {
                    i += 1;
                }
                if b(i) != b')' {
                    return (None, i);
                }
                i += 1;
                break;
            } else if c == b':' && b(i + 1) == b':' {
                i += 1;
            } else {
                break;
            }
            i += 1;
        }
        if name_chars == 0 {
            return (None, i);
        }
        (Some(TokenKind::Variable), i)
    }
}
