//! [`Parser`]: SQL text to [`Stmt`] trees, one statement at a time, by
//! recursive descent over SQLite's grammar (`parse.y`), with expressions
//! by precedence climbing.
//!
//! This module owns the token cursor, the depth limit, the parameter
//! table of the statement being parsed, and the split of a script into
//! statements. The grammar is in the files beside it, one family each:
//! `expr` (expressions), `select` (queries), `dml` (`INSERT`, `UPDATE`,
//! `DELETE`), `ddl` (`CREATE`, `DROP`), `alter` (`ALTER TABLE`),
//! `constraint` (column and table constraints), `control` (transactions, `PRAGMA`), `names` (names,
//! types, literals), `window` (`OVER`, `FILTER` and `WINDOW`), `params` (parameter numbering). `EXPLAIN` is here.
//!
//! Invariants:
//! - every error is a value: text that does not parse is an
//!   [`SqlError`] pointing at the offending token, a refused allocation
//!   is [`ParseError::OutOfMemory`], and nothing panics;
//! - recursion is bounded: every nested expression, query or operator
//!   application counts against the depth limit (200 unless set with
//!   [`Parser::with_max_depth`]), weighted by the stack its parsing takes
//!   (see `cost`), so neither parsing nor walking or dropping the tree
//!   can exhaust the stack. A level takes at most about 1 KiB of stack in
//!   a release build (2.5 KiB unoptimised): a device with a small stack
//!   lowers the limit;
//! - after an error the parser is finished: [`Parser::next_statement`]
//!   returns `Ok(None)` and [`Parser::tail`] is the failed statement.

mod alter;
mod constraint;
mod control;
mod ddl;
mod dml;
mod expr;
mod names;
mod params;
mod select;
mod window;

use super::ast::Stmt;
use super::error::{ParseError, SqlError, SqlErrorKind};
use super::keyword::Keyword;
use super::lexer::Lexer;
use super::token::{Token, TokenKind};
use crate::alloc::{Allocator, Box, Vec};

pub use params::Parameters;

/// The nesting depth allowed unless [`Parser::with_max_depth`] says
/// otherwise. SQLite allows 1000; this is smaller so that a parse fits
/// the stacks of small devices.
pub const DEFAULT_MAX_DEPTH: u32 = 200;

/// What one nesting of each kind counts against the depth limit, in
/// proportion to the stack its recursion takes: an operator application
/// or parenthesis counts 1.
pub(super) mod cost {
    /// An operand, a parenthesis, or an operator folded into a tree.
    pub const EXPR: u32 = 1;
    /// A function call, beyond its arguments' own cost.
    pub const CALL: u32 = 1;
    /// A `CASE`, beyond its expressions' own cost.
    pub const CASE: u32 = 2;
    /// A query (`SELECT`, a subquery, a query in `FROM`).
    pub const QUERY: u32 = 4;
}

/// The result of a parse step.
type Result<T, E = ParseError> = core::result::Result<T, E>;

/// One parsed statement.
#[derive(Debug)]
pub struct Parsed<'a, A: Allocator> {
    /// The statement.
    pub stmt: Stmt<'a, A>,
    /// Its parameters, numbered as SQLite numbers them.
    pub params: Parameters<'a, A>,
    /// Its text, from its first token to its last (no `;`).
    pub text: &'a str,
}

/// Parses SQL text one statement at a time, as `sqlite3_prepare` does.
///
/// ```
/// use boundlite::alloc::Global;
/// use boundlite::sql::{Parser, Stmt};
///
/// let sql = "CREATE TABLE t(a); INSERT INTO t VALUES (:x, ?5); -- done";
/// let mut parser = Parser::new(sql, Global);
/// let first = parser.next_statement()?.unwrap();
/// assert!(matches!(first.stmt, Stmt::CreateTable(_)));
/// assert_eq!(parser.tail(), " INSERT INTO t VALUES (:x, ?5); -- done");
/// let second = parser.next_statement()?.unwrap();
/// assert_eq!(second.text, "INSERT INTO t VALUES (:x, ?5)");
/// assert_eq!(second.params.count(), 5);
/// assert_eq!(second.params.index_of(":x"), Some(1));
/// assert!(parser.next_statement()?.is_none());
/// # Ok::<(), boundlite::sql::ParseError>(())
/// ```
#[derive(Debug)]
pub struct Parser<'a, A: Allocator + Clone> {
    sql: &'a str,
    lexer: Lexer<'a>,
    /// The next token; `Eof` stands in for text the lexer rejected.
    peek: Token<'a>,
    /// Why the lexer stopped early, reported when the parser reaches it.
    lex_error: Option<SqlError>,
    /// The end of the last token consumed.
    prev_end: usize,
    alloc: A,
    depth: u32,
    max_depth: u32,
    params: Parameters<'a, A>,
    done: bool,
    tail: usize,
}

impl<'a, A: Allocator + Clone> Parser<'a, A> {
    /// A parser at the start of `sql`, building trees in `alloc`.
    pub fn new(sql: &'a str, alloc: A) -> Self {
        let mut parser = Parser {
            sql,
            lexer: Lexer::new(sql),
            peek: Token {
                kind: TokenKind::Eof,
                text: "",
                offset: 0,
            },
            lex_error: None,
            prev_end: 0,
            params: Parameters::new_in(alloc.clone()),
            alloc,
            depth: 0,
            max_depth: DEFAULT_MAX_DEPTH,
            done: false,
            tail: 0,
        };
        parser.peek = parser.lex();
        parser
    }

    /// Sets the nesting depth allowed (at least 1).
    pub fn with_max_depth(mut self, max_depth: u32) -> Self {
        self.max_depth = max_depth.max(1);
        self
    }

    /// The text not yet parsed: what follows the `;` of the last
    /// statement returned (SQLite's `pzTail`).
    pub fn tail(&self) -> &'a str {
        self.sql.get(self.tail..).unwrap_or("")
    }

    /// The next statement, or `None` when only whitespace, comments and
    /// `;` remain. Empty statements (`;;`) are skipped.
    pub fn next_statement(&mut self) -> Result<Option<Parsed<'a, A>>> {
        if self.done {
            return Ok(None);
        }
        let result = self.statement_and_end();
        if result.is_err() || matches!(result, Ok(None)) {
            self.done = true;
        }
        result.map_err(|e| self.prefer_lex_error(e))
    }

    fn statement_and_end(&mut self) -> Result<Option<Parsed<'a, A>>> {
        while self.peek.kind == TokenKind::Semicolon {
            self.advance();
            self.tail = self.prev_end;
        }
        if self.peek.kind == TokenKind::Eof {
            if let Some(e) = self.lex_error {
                return Err(e.into());
            }
            self.tail = self.sql.len();
            return Ok(None);
        }
        let start = self.peek.offset;
        self.params = Parameters::new_in(self.alloc.clone());
        self.depth = 0;
        let stmt = self.statement()?;
        let end = self.prev_end;
        match self.peek.kind {
            TokenKind::Semicolon => {
                self.advance();
                self.tail = self.prev_end;
            }
            TokenKind::Eof => {
                if let Some(e) = self.lex_error {
                    return Err(e.into());
                }
                self.tail = self.sql.len();
            }
            _ => return Err(self.syntax_error()),
        }
        let params = core::mem::replace(&mut self.params, Parameters::new_in(self.alloc.clone()));
        Ok(Some(Parsed {
            stmt,
            params,
            text: self.sql.get(start..end).unwrap_or(""),
        }))
    }

    /// One statement, `EXPLAIN` included.
    fn statement(&mut self) -> Result<Stmt<'a, A>> {
        if self.eat(Keyword::Explain) {
            let query_plan = if self.eat(Keyword::Query) {
                self.require(Keyword::Plan)?;
                true
            } else {
                false
            };
            if self.peek.is(Keyword::Explain) {
                return Err(self.syntax_error());
            }
            let stmt = self.command()?;
            return Ok(Stmt::Explain {
                query_plan,
                stmt: self.boxed(stmt)?,
            });
        }
        self.command()
    }

    /// A statement other than `EXPLAIN`.
    fn command(&mut self) -> Result<Stmt<'a, A>> {
        let Some(keyword) = self.peek.keyword() else {
            return Err(self.syntax_error());
        };
        match keyword {
            Keyword::Select
            | Keyword::Values
            | Keyword::With
            | Keyword::Insert
            | Keyword::Replace
            | Keyword::Update
            | Keyword::Delete => self.with_statement(),
            Keyword::Create => self.create(),
            Keyword::Drop => self.drop_stmt(),
            Keyword::Begin
            | Keyword::Commit
            | Keyword::End
            | Keyword::Rollback
            | Keyword::Savepoint
            | Keyword::Release => self.transaction(),
            Keyword::Pragma => self.pragma(),
            Keyword::Alter => self.alter(),
            Keyword::Reindex => self.reindex(),
            Keyword::Analyze | Keyword::Attach | Keyword::Detach | Keyword::Vacuum => {
                Err(self.unsupported_here("statement not supported"))
            }
            _ => Err(self.syntax_error()),
        }
    }

    /// A query, `INSERT`, `UPDATE` or `DELETE`, after a `WITH` clause
    /// or without one.
    fn with_statement(&mut self) -> Result<Stmt<'a, A>> {
        let with = self.with_clause()?;
        match self.peek.keyword() {
            Some(Keyword::Insert | Keyword::Replace) => {
                let mut insert = self.insert()?;
                insert.with = with;
                Ok(Stmt::Insert(self.boxed(insert)?))
            }
            Some(Keyword::Update) => {
                let mut update = self.update()?;
                update.with = with;
                Ok(Stmt::Update(self.boxed(update)?))
            }
            Some(Keyword::Delete) => {
                let mut delete = self.delete()?;
                delete.with = with;
                Ok(Stmt::Delete(self.boxed(delete)?))
            }
            _ => {
                let select = self.select_after(with)?;
                Ok(Stmt::Select(self.boxed(select)?))
            }
        }
    }

    // ---- the token cursor ----

    /// Lexes the next token; a lexer error becomes a pending error and
    /// an `Eof` in its place.
    fn lex(&mut self) -> Token<'a> {
        match self.lexer.next_token() {
            Ok(token) => token,
            Err(e) => {
                self.lex_error = Some(e);
                Token {
                    kind: TokenKind::Eof,
                    text: "",
                    offset: e.offset(),
                }
            }
        }
    }

    /// Consumes the next token and returns it.
    fn advance(&mut self) -> Token<'a> {
        let token = self.peek;
        if token.kind != TokenKind::Eof {
            self.prev_end = token.end();
            self.peek = self.lex();
        }
        token
    }

    /// The token after the next one (lexer errors read as `Eof`).
    fn peek2(&self) -> Token<'a> {
        let mut lexer = self.lexer.clone();
        lexer.next_token().unwrap_or(Token {
            kind: TokenKind::Eof,
            text: "",
            offset: self.sql.len(),
        })
    }

    /// Consumes the next token if it is `keyword`.
    fn eat(&mut self, keyword: Keyword) -> bool {
        let hit = self.peek.is(keyword);
        if hit {
            self.advance();
        }
        hit
    }

    /// Consumes the next token if it is of `kind`.
    fn eat_kind(&mut self, kind: TokenKind) -> bool {
        let hit = self.peek.kind == kind;
        if hit {
            self.advance();
        }
        hit
    }

    /// Consumes `keyword` or fails.
    fn require(&mut self, keyword: Keyword) -> Result<Token<'a>> {
        if self.peek.is(keyword) {
            Ok(self.advance())
        } else {
            Err(self.syntax_error())
        }
    }

    /// Consumes a token of `kind` or fails.
    fn expect_kind(&mut self, kind: TokenKind) -> Result<Token<'a>> {
        if self.peek.kind == kind {
            Ok(self.advance())
        } else {
            Err(self.syntax_error())
        }
    }

    // ---- errors ----

    /// The error for an unexpected next token: `near "tok": syntax
    /// error`, or `incomplete input` at the end.
    fn syntax_error(&self) -> ParseError {
        self.syntax_error_msg("syntax error")
    }

    /// Like [`Self::syntax_error`] with another message.
    fn syntax_error_msg(&self, message: &'static str) -> ParseError {
        let t = self.peek;
        let e = if t.kind == TokenKind::Eof {
            match self.lex_error {
                Some(e) => e,
                None => SqlError::new(SqlErrorKind::Incomplete, t.offset, 0, "incomplete input"),
            }
        } else {
            SqlError::syntax(t.offset, t.text.len(), message)
        };
        ParseError::Sql(e)
    }

    /// A refused construct starting at the next token, worded by
    /// `message` alone.
    fn unsupported(&self, message: &'static str) -> ParseError {
        let t = self.peek;
        ParseError::Sql(SqlError::new(
            SqlErrorKind::Unsupported,
            t.offset,
            t.text.len(),
            message,
        ))
    }

    /// A refused token, worded `message: tok`.
    fn detail(&self, message: &'static str) -> ParseError {
        let t = self.peek;
        ParseError::Sql(SqlError::new(
            SqlErrorKind::Detail,
            t.offset,
            t.text.len(),
            message,
        ))
    }

    /// A refused construct at the next token, worded `near "tok": message`.
    fn unsupported_here(&self, message: &'static str) -> ParseError {
        let t = self.peek;
        ParseError::Sql(SqlError::syntax(t.offset, t.text.len(), message))
    }

    /// An error about the already-consumed `token`.
    fn error_at(&self, token: Token<'a>, kind: SqlErrorKind, message: &'static str) -> ParseError {
        ParseError::Sql(SqlError::new(kind, token.offset, token.text.len(), message))
    }

    /// The lexer's error when it lies before `e`'s position: the parser
    /// only looks one token ahead, so a later error means it read the
    /// bad bytes' stand-in.
    fn prefer_lex_error(&self, e: ParseError) -> ParseError {
        match (e, self.lex_error) {
            (ParseError::Sql(sql), Some(lex)) if lex.offset() <= sql.offset() => lex.into(),
            _ => e,
        }
    }

    // ---- depth ----

    /// Enters `cost` levels of nesting, failing past the limit.
    fn enter(&mut self, cost: u32) -> Result<()> {
        self.depth = self.depth.saturating_add(cost);
        if self.depth > self.max_depth {
            let t = self.peek;
            return Err(ParseError::Sql(SqlError::new(
                SqlErrorKind::Unsupported,
                t.offset,
                t.text.len(),
                "expression nested too deeply",
            )));
        }
        Ok(())
    }

    /// Leaves `levels` levels of nesting.
    fn leave(&mut self, levels: u32) {
        self.depth = self.depth.saturating_sub(levels);
    }

    // ---- allocation ----

    /// `value` in a box in the parser's allocator.
    fn boxed<T>(&self, value: T) -> Result<Box<T, A>> {
        Ok(Box::try_new_in(value, self.alloc.clone())?)
    }

    /// An empty vector in the parser's allocator.
    fn vec<T>(&self) -> Vec<T, A> {
        Vec::new_in(self.alloc.clone())
    }

    /// Items parsed by `item`, separated by commas (at least one).
    fn comma_separated<T>(
        &mut self,
        mut item: impl FnMut(&mut Self) -> Result<T>,
    ) -> Result<Vec<T, A>> {
        let mut items = self.vec();
        loop {
            let value = item(self)?;
            items.try_push(value)?;
            if !self.eat_kind(TokenKind::Comma) {
                return Ok(items);
            }
        }
    }
}

/// Parses exactly one statement (a trailing `;`, whitespace and comments
/// are allowed): the form to use when a caller takes one statement.
///
/// ```
/// use boundlite::alloc::Global;
/// use boundlite::sql::parse_one;
///
/// let parsed = parse_one("SELECT * FROM bench WHERE id = ?;", Global)?;
/// assert_eq!(parsed.stmt.to_string(), "SELECT * FROM bench WHERE (id = ?)");
/// assert!(parse_one("SELECT 1; SELECT 2", Global).is_err());
/// # Ok::<(), boundlite::sql::ParseError>(())
/// ```
pub fn parse_one<A: Allocator + Clone>(sql: &str, alloc: A) -> Result<Parsed<'_, A>> {
    let mut parser = Parser::new(sql, alloc);
    let Some(parsed) = parser.next_statement()? else {
        let e = SqlError::new(SqlErrorKind::Incomplete, sql.len(), 0, "incomplete input");
        return Err(e.into());
    };
    // Anything but `;`, whitespace and comments after it is a second
    // statement; lexing it needs no memory.
    let tail = parser.tail();
    let base = sql.len() - tail.len();
    let mut lexer = Lexer::new(tail);
    let (offset, len) = loop {
        match lexer.next_token() {
            Ok(t) if t.kind == TokenKind::Semicolon => {}
            Ok(t) if t.kind == TokenKind::Eof => return Ok(parsed),
            Ok(t) => break (t.offset, t.text.len()),
            Err(e) => break (e.offset(), e.len()),
        }
    };
    Err(SqlError::new(
        SqlErrorKind::Unsupported,
        base + offset,
        len,
        "more than one statement",
    )
    .into())
}
