//! [`Parameters`]: the parameters of one statement, numbered as SQLite
//! numbers them.
//!
//! A `?` takes the number one above the largest so far; `?NNN` takes
//! `NNN` (1 to 32766); a `:name`, `@name` or `$name` takes one above the
//! largest so far at its first appearance and the same number after. The
//! prefix is part of the name (`:a` and `@a` are two parameters). A
//! `?NNN` is recorded under its text, so `sqlite3_bind_parameter_name`
//! has an answer for it, unless its number already has a name.
//!
//! Invariant: `count` is the largest number handed out, and every
//! recorded number is at most `count`.

use crate::alloc::{Allocator, Vec};
use crate::sql::ast::{Param, ParamNo};
use crate::sql::error::{ParseError, SqlError, SqlErrorKind};
use crate::sql::token::Token;

/// The parameters of one statement.
#[derive(Debug)]
pub struct Parameters<'a, A: Allocator> {
    count: u16,
    names: Vec<(ParamNo, &'a str), A>,
}

impl<'a, A: Allocator> Parameters<'a, A> {
    /// No parameters; allocates nothing.
    pub fn new_in(alloc: A) -> Self {
        Parameters {
            count: 0,
            names: Vec::new_in(alloc),
        }
    }

    /// How many values the statement takes: its largest parameter number.
    pub fn count(&self) -> usize {
        usize::from(self.count)
    }

    /// The number of the parameter named `name` (prefix included).
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.names
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(no, _)| no.get())
    }

    /// The name of parameter `number`, if it has one.
    pub fn name_of(&self, number: usize) -> Option<&'a str> {
        self.names
            .iter()
            .find(|(no, _)| no.get() == number)
            .map(|(_, n)| *n)
    }

    /// The named parameters and their numbers, in order of first
    /// appearance.
    pub fn names(&self) -> impl Iterator<Item = (usize, &'a str)> + '_ {
        self.names.iter().map(|(no, n)| (no.get(), *n))
    }

    /// The number for the parameter `token`, recording it.
    pub(super) fn add(&mut self, token: Token<'a>) -> Result<Param<'a>, ParseError> {
        let text = token.text;
        let digits = text.strip_prefix('?');
        let number = match digits {
            Some("") => self.next_number(token)?,
            Some(digits) => {
                let n = digits
                    .parse::<u32>()
                    .ok()
                    .and_then(ParamNo::new)
                    .ok_or_else(|| limit(token, "variable number must be between ?1 and ?32766"))?;
                let named = self.names.iter().any(|(no, _)| *no == n);
                if n.get() > self.count() {
                    self.count = u16::try_from(n.get()).unwrap_or(ParamNo::MAX);
                }
                if !named {
                    self.names.try_push((n, text))?;
                }
                n
            }
            None => match self.names.iter().find(|(_, n)| *n == text) {
                Some((no, _)) => *no,
                None => {
                    let n = self.next_number(token)?;
                    self.names.try_push((n, text))?;
                    n
                }
            },
        };
        Ok(Param { number, text })
    }

    /// One above the largest number so far.
    fn next_number(&mut self, token: Token<'a>) -> Result<ParamNo, ParseError> {
        let n = ParamNo::new(u32::from(self.count) + 1)
            .ok_or_else(|| limit(token, "too many SQL variables"))?;
        self.count += 1;
        Ok(n)
    }
}

/// A limit error about `token`.
fn limit(token: Token<'_>, message: &'static str) -> ParseError {
    ParseError::Sql(SqlError::new(
        SqlErrorKind::Unsupported,
        token.offset,
        token.text.len(),
        message,
    ))
}
