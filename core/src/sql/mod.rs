//! The SQL front end: text to syntax trees, with no allocation per token
//! and every tree node in the caller's allocator.
//!
//! - `keyword`, `token`, `lexer`: [`Lexer`] splits text into [`Token`]s
//!   by SQLite's tokenizer rules, borrowing the text;
//! - `ast`: the tree ([`Stmt`], [`Expr`], ...), borrowing names and
//!   literals from the text, displayable back to SQL;
//! - `parser`: [`Parser`], one statement at a time with the unparsed
//!   tail, each with its [`Parameters`] numbered as SQLite numbers them;
//! - `error`: [`SqlError`], which points at the offending bytes and
//!   words itself as SQLite does, and [`ParseError`], which adds running
//!   out of memory;
//! - [`eval`]: evaluating an expression tree against a context that
//!   supplies columns and parameters (values, affinity, functions,
//!   `LIKE`/`GLOB`), with no storage of its own.
//!
//! Invariants: no input makes the front end panic or recurse without
//! bound (nesting is limited, see [`DEFAULT_MAX_DEPTH`]); a refused
//! allocation is [`ParseError::OutOfMemory`] and frees everything built
//! so far; planning and execution are in `exec`, so a tree may name
//! tables, columns and functions that do not exist.
//!
//! ```
//! use boundlite::alloc::Global;
//! use boundlite::sql::{parse_one, Stmt};
//!
//! let parsed = parse_one("UPDATE bench SET data=?, value=? WHERE id=?", Global)?;
//! let Stmt::Update(update) = &parsed.stmt else { panic!() };
//! assert_eq!(update.table.name, "bench");
//! assert_eq!(update.assignments.len(), 2);
//! assert_eq!(parsed.params.count(), 3);
//! # Ok::<(), boundlite::sql::ParseError>(())
//! ```

pub mod ast;
mod error;
pub mod eval;
mod keyword;
mod lexer;
mod parser;
mod token;

#[cfg(test)]
mod tests;

pub use ast::*;
pub use error::{ParseError, SqlError, SqlErrorKind, WithSql};
pub use keyword::{Keyword, MAX_KEYWORD_LEN};
pub use lexer::Lexer;
pub use parser::{DEFAULT_MAX_DEPTH, Parameters, Parsed, Parser, parse_one};
pub use token::{Token, TokenKind};
