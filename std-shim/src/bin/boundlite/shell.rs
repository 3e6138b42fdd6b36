//! The shell's state and what it runs: SQL text, statement by statement,
//! and the dot commands.
//!
//! The shell runs the engine in the allocator it was given ([`Heap`]): the
//! global heap, or the `--heap` arena. SQL text is parsed in it too, and
//! rows are printed from the engine's borrowed values (see `render`), so a
//! result too large for the allocator is the engine's `OutOfMemory`,
//! reported as an error, and the shell goes on with the next statement.

use std::io::{self, BufWriter, Write};
use std::time::{Duration, Instant};

use boundlite::alloc::{Allocator, Arena, ArenaStats, Global, OutOfMemory};
use boundlite::schema::EntryKind;
use boundlite::sql::{Parsed, Parser};
use boundlite::{Connection, Database, Error};
use boundlite_std::StdPlatform;

use crate::names;
use crate::render::{Mode, Printer};

/// The dot commands, as `.help` and `--help` list them.
pub const DOT_HELP: &str = "\
.exit                  Exit this program
.headers on|off        Turn display of column names on or off
.help                  Show this message
.mode [MODE]           Set (or show) the output mode: list, csv, box, json
.quit                  Exit this program
.schema [TABLE]        Show the CREATE statements (of TABLE and its indexes)
.stats                 Show memory use (the --heap arena's bytes in use and at
                       its peak) and the page cache's frames
.tables [PATTERN]      List the tables (names matching the LIKE pattern)
.timeout MS            Wait up to MS milliseconds for a lock another process
                       holds (default 5000; 0 fails at once)
.timer on|off          Turn the timer for each statement on or off
";

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
    db: &'db Database<StdPlatform, A>,
    conn: Connection<'db, StdPlatform, A>,
    mode: Mode,
    headers: bool,
    timer: bool,
}

impl<'db, A: Heap> Shell<'db, A> {
    /// A shell over `db`.
    pub fn new(db: &'db Database<StdPlatform, A>, mode: Mode, headers: bool) -> Self {
        Shell {
            db,
            conn: db.connect(),
            mode,
            headers,
            timer: false,
        }
    }

    /// Runs `input`, from `origin`: a dot command when it starts with
    /// `.`, else SQL.
    pub fn run_input(&mut self, input: &str, origin: Origin) -> Outcome {
        let trimmed = input.trim_start();
        if trimmed.starts_with('.') {
            self.dot_command(trimmed)
        } else {
            self.run_sql(input, origin)
        }
    }

    /// Runs every statement of `sql`, from `origin`, printing rows; stops
    /// at the first error, which names the statement and its line when
    /// it is one of several.
    pub fn run_sql(&mut self, sql: &str, origin: Origin) -> Outcome {
        let stdout = io::stdout();
        let mut out = BufWriter::new(stdout.lock());
        let mut parser = Parser::new(sql, self.db.allocator().clone());
        let mut first = true;
        loop {
            let start = Instant::now();
            let parsed = match parser.next_statement() {
                Ok(Some(parsed)) => parsed,
                Ok(None) => return Outcome::Ok,
                Err(e) => {
                    let _ = out.flush();
                    let e = Error::from(e);
                    let at = match &e {
                        Error::Syntax(syntax) => syntax.offset(),
                        _ => 0,
                    };
                    let place = origin.place(sql, at, None, !first);
                    report(&e, sql, place);
                    return Outcome::Failed;
                }
            };
            let result = self.run_statement(&parsed, &mut out);
            let flushed = out.flush();
            if self.timer {
                let secs = start.elapsed().as_secs_f64();
                let _ = writeln!(out, "Run Time: real {secs:.3}");
                let _ = out.flush();
            }
            match result.and(flushed.map_err(Failure::from)) {
                Ok(()) => first = false,
                Err(Failure::Db(e)) => {
                    let at = offset_in(sql, parsed.text);
                    let place = origin.place(sql, at, Some(parsed.text), !first);
                    report(&e, parsed.text, place);
                    return Outcome::Failed;
                }
                Err(Failure::Output) => return Outcome::Quit,
            }
        }
    }

    /// Runs one parsed statement and prints its rows.
    fn run_statement(&self, parsed: &Parsed<'_, A>, out: &mut dyn Write) -> Result<(), Failure> {
        let alloc = self.db.allocator().clone();
        let names = if self.headers || self.mode.needs_names() {
            let schema = self.db.schema().ok();
            names::column_names(parsed, schema.as_ref(), alloc.clone())
        } else {
            Vec::new()
        };
        let mut stmt = self.conn.prepare(parsed.text)?;
        let mut printer = Printer::new(self.mode, self.headers, names, alloc);
        while let Some(row) = stmt.step()? {
            printer.row(out, &row)?;
        }
        printer.finish(out)?;
        Ok(())
    }

    /// Runs one dot command line.
    fn dot_command(&mut self, line: &str) -> Outcome {
        let mut words = line.split_whitespace();
        let command = words.next().unwrap_or(".");
        let args: Vec<&str> = words.collect();
        let result = match (command, args.as_slice()) {
            (".quit" | ".exit", []) => return Outcome::Quit,
            (".help", []) => {
                print!("{DOT_HELP}");
                Ok(())
            }
            (".tables", [] | [_]) => self.tables(args.first().copied()),
            (".schema", [] | [_]) => self.schema(args.first().copied()),
            (".stats", []) => {
                self.stats();
                Ok(())
            }
            (".mode", []) => {
                println!("current output mode: {}", mode_name(self.mode));
                Ok(())
            }
            (".mode", [name]) => match Mode::from_name(name) {
                Some(mode) => {
                    self.mode = mode;
                    Ok(())
                }
                None => Err(format!(
                    "mode should be one of: box csv json list (not \"{name}\")"
                )),
            },
            (".headers" | ".header", [value]) => on_off(value).map(|on| self.headers = on),
            (".timer", [value]) => on_off(value).map(|on| self.timer = on),
            (".timeout", [ms]) => milliseconds(ms).map(|ms| self.conn.busy_timeout(ms)),
            _ => Err(format!(
                "unknown command or invalid arguments: \"{}\". Enter \".help\" for help",
                command.trim_start_matches('.')
            )),
        };
        match result {
            Ok(()) => Outcome::Ok,
            Err(message) => {
                eprintln!("Error: {message}");
                Outcome::Failed
            }
        }
    }

    /// `.tables [PATTERN]`: table and view names, sorted, in columns.
    fn tables(&self, pattern: Option<&str>) -> Result<(), String> {
        let schema = self.db.schema().map_err(|e| describe(&e))?;
        let mut names: Vec<&str> = schema
            .entries()
            .iter()
            .filter(|e| matches!(e.kind, EntryKind::Table | EntryKind::View))
            .map(|e| &*e.name)
            .filter(|n| !n.starts_with("sqlite_"))
            .filter(|n| pattern.is_none_or(|p| like(p.as_bytes(), n.as_bytes())))
            .collect();
        names.sort_unstable();
        let width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
        let per_line = (80 / (width + 2)).max(1);
        for line in names.chunks(per_line) {
            let cells: Vec<String> = line.iter().map(|n| format!("{n:<width$}")).collect();
            println!("{}", cells.join("  ").trim_end());
        }
        Ok(())
    }

    /// `.stats`: the arena's bytes in use and at their peak (with
    /// `--heap`), and the page cache's frames, in `sqlite3`'s words where
    /// it has them.
    fn stats(&self) {
        match self.db.allocator().stats() {
            Some(s) => {
                println!(
                    "Memory Used:                         {} (max {}) bytes",
                    s.in_use, s.peak_in_use
                );
                println!("Heap Size (--heap):                  {} bytes", s.capacity);
                println!(
                    "Number of Outstanding Allocations:   {}",
                    s.live_allocations
                );
                println!(
                    "Allocations Refused:                 {}",
                    s.failed_allocations
                );
            }
            None => println!(
                "Memory Used:                         not measured (the process heap; run with --heap BYTES)"
            ),
        }
        let pager = self.db.pager();
        println!(
            "Page Cache Frames:                   {} of {} ({} bytes a page)",
            pager.allocated_frames(),
            pager.cache_frames(),
            pager.page_size()
        );
    }

    /// `.schema [TABLE]`: the `CREATE` statements, in schema order.
    fn schema(&self, table: Option<&str>) -> Result<(), String> {
        let schema = self.db.schema().map_err(|e| describe(&e))?;
        for entry in schema.entries() {
            let Some(sql) = &entry.sql else { continue };
            let wanted = match table {
                Some(t) => like(t.as_bytes(), entry.table.as_bytes()),
                None => true,
            };
            if wanted {
                println!("{};", &**sql);
            }
        }
        Ok(())
    }
}

/// The name of `mode`.
fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::List => "list",
        Mode::Csv => "csv",
        Mode::Box => "box",
        Mode::Json => "json",
    }
}

/// A boolean setting's value.
fn on_off(value: &str) -> Result<bool, String> {
    match value.to_ascii_lowercase().as_str() {
        "on" | "yes" | "true" | "1" => Ok(true),
        "off" | "no" | "false" | "0" => Ok(false),
        _ => Err(format!("not a boolean value: \"{value}\" (use on or off)")),
    }
}

/// A `.timeout` argument: whole milliseconds, at least 0.
fn milliseconds(value: &str) -> Result<Duration, String> {
    value
        .parse::<u64>()
        .map(Duration::from_millis)
        .map_err(|_| format!("not a number of milliseconds: \"{value}\""))
}

/// An engine error as the shell words it: the message and SQLite's
/// result code.
fn describe(e: &Error) -> String {
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
fn like(pattern: &[u8], text: &[u8]) -> bool {
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
