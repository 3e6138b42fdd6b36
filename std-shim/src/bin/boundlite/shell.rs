//! The shell's state and how it runs SQL text, statement by statement
//! (the dot commands are `dot`'s).
//!
//! The shell runs the engine in the allocator it was given ([`Heap`]): the
//! global heap, or the `--heap` arena. SQL text is parsed in it too, and
//! rows are printed from the engine's borrowed values (see `modes`), so a
//! result too large for the allocator is the engine's `OutOfMemory`,
//! reported as an error, and the shell goes on with the next statement.

use std::io::{self, Write};
use std::time::{Duration, Instant};

use boundlite::alloc::{Allocator, Arena, ArenaStats, Global, OutOfMemory};
use boundlite::sql::Stmt;
use boundlite::{Connection, Database, Error, Statement};
use boundlite_std::StdPlatform;

use crate::modes::{Printer, Style};
use crate::output::Output;

/// How running some input ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything ran.
    Ok,
    /// An error was reported on stderr.
    Failed,
    /// `.quit` or `.exit`.
    Quit,
}

/// The allocator the engine runs in, and what it can say of its use.
pub trait Heap: Allocator + Clone {
    /// The arena's statistics; `None` for the process heap, which keeps
    /// none.
    fn stats(&self) -> Option<ArenaStats>;
}

impl Heap for Global {
    fn stats(&self) -> Option<ArenaStats> {
        None
    }
}

impl Heap for &Arena<'_> {
    fn stats(&self) -> Option<ArenaStats> {
        Some(Arena::stats(self))
    }
}

/// Why a statement stopped.
pub enum Failure {
    /// The engine's error.
    Db(Error),
    /// Writing the output failed (a closed pipe): stop quietly.
    Output,
    /// The shell's own error, reported as `Error: <message>`.
    Message(String),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Db(e)
    }
}

impl Failure {
    /// The shell's own allocation was refused: reported as the engine's.
    pub fn from_oom(_: OutOfMemory) -> Self {
        Failure::Db(Error::OutOfMemory)
    }
}

impl From<io::Error> for Failure {
    fn from(_: io::Error) -> Self {
        Failure::Output
    }
}

/// One open database and the shell's settings.
pub struct Shell<'db, A: Heap> {
    pub(crate) db: &'db Database<StdPlatform, A>,
    pub(crate) conn: Connection<'db, StdPlatform, A>,
    pub(crate) style: Style,
    pub(crate) timer: bool,
    /// `.bail on`: stop at the first error.
    pub(crate) bail: bool,
    /// `.changes on`: print the changed-row counts after each statement.
    pub(crate) changes: bool,
    pub(crate) out: Output,
}

impl<'db, A: Heap> Shell<'db, A> {
    /// A shell over `db`, printing in `style`.
    pub fn new(db: &'db Database<StdPlatform, A>, style: Style) -> Self {
        Shell {
            db,
            conn: db.connect(),
            style,
            timer: false,
            bail: false,
            changes: false,
            out: Output::stdout(),
        }
    }

    /// Runs `input`, from `origin`: a dot command when it starts with
    /// `.`, else SQL.
    pub fn run_input(&mut self, input: &str, origin: Origin) -> Outcome {
        let trimmed = input.trim_start();
        let outcome = if trimmed.starts_with('.') {
            self.dot_command(trimmed)
        } else {
            let outcome = self.run_sql(input, origin);
            self.out.input_done();
            outcome
        };
        if self.out.flush().is_err() {
            return Outcome::Quit;
        }
        outcome
    }

    /// Runs every statement of `sql`, from `origin`, printing rows; stops
    /// at the first error, which names the statement and its line when
    /// it is one of several.
    pub fn run_sql(&mut self, sql: &str, origin: Origin) -> Outcome {
        let mut rest = sql;
        let mut first = true;
        loop {
            let start = Instant::now();
            let (stmt, tail) = match self.conn.prepare_next(rest) {
                Ok(Some(prepared)) => prepared,
                Ok(None) => return Outcome::Ok,
                Err(e) => {
                    let _ = self.out.flush();
                    let at = offset_in(sql, rest)
                        + match &e {
                            Error::Syntax(syntax) => syntax.offset(),
                            _ => 0,
                        };
                    let place = origin.place(sql, at, None, !first);
                    report(&e, rest, place);
                    return Outcome::Failed;
                }
            };
            rest = tail;
            let text = stmt.sql();
            let alloc = self.db.allocator().clone();
            let mut result = Self::run_statement(&self.style, &mut self.out, alloc, stmt);
            if result.is_ok() && self.changes {
                let line = format!(
                    "changes: {}   total_changes: {}\n",
                    self.conn.changes(),
                    self.conn.total_changes()
                );
                result = self.out.write_all(line.as_bytes()).map_err(Failure::from);
            }
            let flushed = self.out.flush();
            if self.timer {
                let secs = start.elapsed().as_secs_f64();
                let _ = writeln!(self.out, "Run Time: real {secs:.3}");
                let _ = self.out.flush();
            }
            match result.and(flushed.map_err(Failure::from)) {
                Ok(()) => first = false,
                Err(Failure::Db(e)) => {
                    let at = offset_in(sql, text);
                    let place = origin.place(sql, at, Some(text), !first);
                    report(&e, text, place);
                    return Outcome::Failed;
                }
                Err(Failure::Message(message)) => {
                    eprintln!("Error: {message}");
                    return Outcome::Failed;
                }
                Err(Failure::Output) => return Outcome::Quit,
            }
        }
    }

    /// Runs one prepared statement and prints its rows.
    fn run_statement(
        style: &Style,
        out: &mut Output,
        alloc: A,
        mut stmt: Statement<'_, '_, StdPlatform, A>,
    ) -> Result<(), Failure> {
        // The rows of a `RETURNING` clause are not named: the printer
        // calls their columns `columnN`.
        let named = matches!(
            stmt.parsed(),
            Stmt::Select(_) | Stmt::Explain { .. } | Stmt::Pragma(_)
        );
        let names = if named && (style.headers || style.mode.needs_names()) {
            stmt.column_names()?.map(String::from).collect()
        } else {
            Vec::new()
        };
        let mut printer = Printer::new(style, names, alloc);
        while let Some(row) = stmt.step()? {
            printer.row(out, &row)?;
        }
        printer.finish(out)?;
        Ok(())
    }
}

/// A boolean setting's value.
pub fn on_off(value: &str) -> Result<bool, String> {
    match value.to_ascii_lowercase().as_str() {
        "on" | "yes" | "true" | "1" => Ok(true),
        "off" | "no" | "false" | "0" => Ok(false),
        _ => Err(format!("not a boolean value: \"{value}\" (use on or off)")),
    }
}

/// A `.timeout` argument: whole milliseconds, at least 0.
pub fn milliseconds(value: &str) -> Result<Duration, String> {
    value
        .parse::<u64>()
        .map(Duration::from_millis)
        .map_err(|_| format!("not a number of milliseconds: \"{value}\""))
}

/// An engine error as the shell words it: the message and SQLite's
/// result code.
pub fn describe(e: &Error) -> String {
    format!("{e} (code {})", e.code())
}

/// Where the SQL the shell runs came from.
#[derive(Debug, Clone, Copy)]
pub enum Origin {
    /// A command-line argument.
    Argument,
    /// Lines of a script or a pipe, the first of them this line (from 1).
    Lines(usize),
}

/// Where a failed statement stands in its input: its line and its first
/// words.
struct Place<'s> {
    line: usize,
    statement: &'s str,
}

impl Origin {
    /// The place of the failure at byte `at` of `sql` in `statement`
    /// (when none was parsed, the text from the last `;` before `at`),
    /// `after_another` statement ran: `None` for the first statement of
    /// an argument, which needs no locating.
    fn place<'s>(
        self,
        sql: &'s str,
        at: usize,
        statement: Option<&'s str>,
        after_another: bool,
    ) -> Option<Place<'s>> {
        let first_line = match self {
            Origin::Lines(line) => line,
            Origin::Argument if !after_another => return None,
            Origin::Argument => 1,
        };
        let before = sql.get(..at).unwrap_or(sql);
        let line = first_line + before.matches('\n').count();
        let statement = statement.unwrap_or_else(|| {
            let start = before.rfind(';').map_or(0, |i| i + 1);
            let rest = sql.get(start..).unwrap_or("");
            rest.find(';')
                .map_or(rest, |end| rest.get(..=end).unwrap_or(rest))
        });
        Some(Place { line, statement })
    }
}

/// The offset of `part`, a slice of `sql`, in `sql`.
fn offset_in(sql: &str, part: &str) -> usize {
    (part.as_ptr() as usize)
        .saturating_sub(sql.as_ptr() as usize)
        .min(sql.len())
}

/// The first words of `statement`: its first line, cut to 60
/// characters.
fn first_words(statement: &str) -> String {
    let line = statement
        .trim_start()
        .lines()
        .next()
        .unwrap_or("")
        .trim_end();
    match line.char_indices().nth(60) {
        Some((cut, _)) => format!("{}...", line.get(..cut).unwrap_or(line)),
        None if statement.trim().lines().nth(1).is_some() => format!("{line} ..."),
        None => line.to_string(),
    }
}

/// Prints `e` on stderr; a syntax error quotes the offending text of
/// `sql`, the text that was parsed. At `place`, the line and the
/// statement's first words come first.
fn report(e: &Error, sql: &str, place: Option<Place<'_>>) {
    let message = match e {
        Error::Syntax(syntax) => format!("SQL error: {} (code {})", syntax.with_sql(sql), e.code()),
        _ => describe(e),
    };
    match place {
        Some(place) => eprintln!(
            "Error: near line {}: {message}\n  in: {}",
            place.line,
            first_words(place.statement)
        ),
        None => eprintln!("Error: {message}"),
    }
}

/// `LIKE` matching: `%` any run, `_` any one byte, ASCII case folded.
pub fn like(pattern: &[u8], text: &[u8]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((b'%', rest)) => (0..=text.len()).any(|i| like(rest, text.get(i..).unwrap_or(b""))),
        Some((&p, rest)) => match text.split_first() {
            Some((&t, text_rest)) if p == b'_' || p.eq_ignore_ascii_case(&t) => {
                like(rest, text_rest)
            }
            _ => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::like;

    #[test]
    fn like_patterns() {
        assert!(like(b"t%", b"Table"));
        assert!(like(b"%", b""));
        assert!(like(b"a_c", b"ABC"));
        assert!(!like(b"a_c", b"ac"));
        assert!(!like(b"t", b"tt"));
    }
}
