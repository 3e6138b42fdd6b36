//! Errors of the SQL front end: [`SqlError`], a syntax or limit error that
//! knows which bytes of the SQL text it is about, and [`ParseError`], which
//! adds running out of memory.
//!
//! An error holds only `Copy` data and `'static` text, so reporting one
//! never allocates; the offending token's text is recovered from the SQL
//! when the error is displayed with [`SqlError::with_sql`], which renders
//! SQLite's wording (`near "x": syntax error`, `unrecognized token: "x"`,
//! `incomplete input`).
//!
//! Offsets are byte offsets into the text handed to the lexer or parser.
//! They are stored as `u32` to keep the error (and every `Result` that may
//! carry it) small: the lexer refuses text of 4 GiB or more, which is far
//! beyond SQLite's own limit of 1,000,000,000 bytes.

use core::fmt;

use crate::alloc::OutOfMemory;

/// How an error is worded; see [`SqlError::with_sql`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SqlErrorKind {
    /// A token the grammar does not allow here: `near "tok": message`.
    Syntax,
    /// Bytes that form no token (an unterminated string or quoted name, a
    /// stray character, `1abc`): `unrecognized token: "text"`.
    UnrecognizedToken,
    /// The text ended inside a statement: `incomplete input`.
    Incomplete,
    /// A token that is well formed but not acceptable, worded with its
    /// text: `hex literal too big: 0x1...`, `unknown table option: x`.
    Detail,
    /// A valid construct this engine refuses, or a limit exceeded
    /// (nesting depth, parameter numbers, hex literal size): the message
    /// alone, since the token is not what is wrong.
    Unsupported,
}

/// A syntax or limit error, pointing at the bytes of the SQL text it is
/// about.
///
/// ```
/// use boundlite::sql::{parse_one, ParseError, SqlErrorKind};
/// use boundlite::alloc::Global;
///
/// let sql = "SELECT * FORM t";
/// let Err(ParseError::Sql(e)) = parse_one(sql, Global) else { panic!() };
/// assert_eq!(e.kind(), SqlErrorKind::Syntax);
/// assert_eq!((e.offset(), e.len()), (9, 4));
/// assert_eq!(e.with_sql(sql).to_string(), "near \"FORM\": syntax error");
/// assert_eq!(
///     format!("{:#}", e.with_sql(sql)),
///     "near \"FORM\": syntax error (at byte 9)"
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SqlError {
    offset: u32,
    len: u32,
    kind: SqlErrorKind,
    message: &'static str,
}

impl SqlError {
    /// An error of `kind` about the `len` bytes at `offset`. Offsets beyond
    /// `u32::MAX` saturate; the lexer never produces them.
    pub fn new(kind: SqlErrorKind, offset: usize, len: usize, message: &'static str) -> Self {
        SqlError {
            offset: u32::try_from(offset).unwrap_or(u32::MAX),
            len: u32::try_from(len).unwrap_or(u32::MAX),
            kind,
            message,
        }
    }

    /// `near "tok": message` about the token at `offset`.
    pub fn syntax(offset: usize, len: usize, message: &'static str) -> Self {
        Self::new(SqlErrorKind::Syntax, offset, len, message)
    }

    /// The byte offset of the offending text.
    pub fn offset(&self) -> usize {
        self.offset as usize
    }

    /// The length in bytes of the offending text (0 at the end of input).
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// Whether the error points at no bytes (the end of the input).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The byte range of the offending text.
    pub fn span(&self) -> core::ops::Range<usize> {
        self.offset()..self.offset().saturating_add(self.len())
    }

    /// How the error is worded.
    pub fn kind(&self) -> SqlErrorKind {
        self.kind
    }

    /// What is wrong, without the offending text.
    pub fn message(&self) -> &'static str {
        self.message
    }

    /// The error worded as SQLite words it, quoting the offending text
    /// from `sql` (which should be the text that was parsed). The
    /// alternate form (`{:#}`) adds the byte offset.
    pub fn with_sql<'e>(&'e self, sql: &'e str) -> WithSql<'e> {
        WithSql { error: self, sql }
    }
}

/// Without the SQL text at hand, the error names the byte offset.
impl fmt::Display for SqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            SqlErrorKind::Syntax => write!(f, "{} at byte {}", self.message, self.offset),
            SqlErrorKind::UnrecognizedToken => {
                write!(f, "unrecognized token at byte {}", self.offset)
            }
            SqlErrorKind::Incomplete => f.write_str("incomplete input"),
            SqlErrorKind::Detail | SqlErrorKind::Unsupported => {
                write!(f, "{} (at byte {})", self.message, self.offset)
            }
        }
    }
}

impl core::error::Error for SqlError {}

/// An [`SqlError`] displayed with the SQL it is about; see
/// [`SqlError::with_sql`].
#[derive(Debug, Clone, Copy)]
pub struct WithSql<'e> {
    error: &'e SqlError,
    sql: &'e str,
}

impl fmt::Display for WithSql<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.sql.get(self.error.span()).unwrap_or("");
        match self.error.kind {
            SqlErrorKind::Syntax => write!(f, "near \"{text}\": {}", self.error.message)?,
            SqlErrorKind::UnrecognizedToken => write!(f, "unrecognized token: \"{text}\"")?,
            SqlErrorKind::Incomplete => f.write_str("incomplete input")?,
            SqlErrorKind::Detail => write!(f, "{}: {text}", self.error.message)?,
            SqlErrorKind::Unsupported => f.write_str(self.error.message)?,
        }
        if f.alternate() {
            write!(f, " (at byte {})", self.error.offset)?;
        }
        Ok(())
    }
}

/// Why parsing failed: the text, or the allocator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParseError {
    /// The text is not a statement this parser accepts.
    Sql(SqlError),
    /// The allocator refused while building the syntax tree.
    OutOfMemory,
}

impl From<SqlError> for ParseError {
    fn from(e: SqlError) -> Self {
        ParseError::Sql(e)
    }
}

impl From<OutOfMemory> for ParseError {
    fn from(_: OutOfMemory) -> Self {
        ParseError::OutOfMemory
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::Sql(e) => fmt::Display::fmt(e, f),
            ParseError::OutOfMemory => f.write_str("out of memory"),
        }
    }
}

impl core::error::Error for ParseError {}

/// The engine error keeps the message and SQLite's code 1; the position
/// is lost until `Error` has a variant that carries an [`SqlError`].
impl From<SqlError> for crate::Error {
    fn from(e: SqlError) -> Self {
        crate::Error::Syntax(e)
    }
}

impl From<ParseError> for crate::Error {
    fn from(e: ParseError) -> Self {
        match e {
            ParseError::Sql(e) => e.into(),
            ParseError::OutOfMemory => crate::Error::OutOfMemory,
        }
    }
}
