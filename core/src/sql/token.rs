//! [`Token`]: one lexical unit of SQL text, borrowing the text.
//!
//! Invariant: a token's `text` is the slice of the input at `offset`, cut
//! on character boundaries, quotes and prefixes included; the lexer
//! validates the token (a closed quote, an even number of hex digits) but
//! converts nothing, so making a token never allocates.

use super::keyword::Keyword;

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// A keyword, matched ignoring ASCII case.
    Keyword(Keyword),
    /// A bare identifier: a letter, `_` or non-ASCII character, then
    /// letters, digits, `_`, `$` or non-ASCII characters.
    Id,
    /// An identifier in `"..."` (with `""` for a quote), `[...]` or
    /// `` `...` `` (with ``` `` ``` for a backtick).
    QuotedId,
    /// A string literal `'...'`, with `''` for a quote.
    String,
    /// A BLOB literal `X'...'` holding an even number of hex digits.
    Blob,
    /// An integer literal: decimal digits, or `0x` and hex digits.
    Integer,
    /// A real literal: digits with a `.` or an exponent.
    Float,
    /// A parameter: `?`, `?NNN`, `:name`, `@name` or `$name`.
    Variable,
    /// `+`
    Plus,
    /// `-`
    Minus,
    /// `*`
    Star,
    /// `/`
    Slash,
    /// `%`
    Percent,
    /// `||`
    Concat,
    /// `->`
    Arrow,
    /// `->>`
    Arrow2,
    /// `<<`
    ShiftLeft,
    /// `>>`
    ShiftRight,
    /// `&`
    BitAnd,
    /// `|`
    BitOr,
    /// `~`
    BitNot,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `=` or `==`
    Eq,
    /// `!=` or `<>`
    Ne,
    /// `.`
    Dot,
    /// `,`
    Comma,
    /// `;`
    Semicolon,
    /// `(`
    LeftParen,
    /// `)`
    RightParen,
    /// Whitespace; only [`Lexer::next_raw`](super::Lexer::next_raw)
    /// yields it.
    Space,
    /// A `-- line` or `/* block */` comment; only
    /// [`Lexer::next_raw`](super::Lexer::next_raw) yields it.
    Comment,
    /// The end of the input: an empty token at the input's length.
    Eof,
}

/// One token: its kind, its text as written, and where it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Token<'a> {
    /// What the token is.
    pub kind: TokenKind,
    /// The token's text, quotes and prefixes included.
    pub text: &'a str,
    /// The byte offset of `text` in the input.
    pub offset: usize,
}

impl<'a> Token<'a> {
    /// Whether this is the keyword `keyword`.
    pub fn is(&self, keyword: Keyword) -> bool {
        self.kind == TokenKind::Keyword(keyword)
    }

    /// The keyword this token is, if it is one.
    pub fn keyword(&self) -> Option<Keyword> {
        match self.kind {
            TokenKind::Keyword(k) => Some(k),
            _ => None,
        }
    }

    /// Whether this is a bare identifier spelled `word`, ignoring ASCII
    /// case: for words that are not SQLite keywords but mean something in
    /// one place (`ROWID`, `STRICT`, `CONCURRENT`, `STORED`).
    pub fn is_word(&self, word: &str) -> bool {
        self.kind == TokenKind::Id && self.text.eq_ignore_ascii_case(word)
    }

    /// The byte offset just past the token.
    pub fn end(&self) -> usize {
        self.offset + self.text.len()
    }
}
