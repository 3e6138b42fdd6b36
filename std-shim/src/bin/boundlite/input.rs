//! Reading input a statement at a time: lines are gathered until they
//! make a complete statement (its last token is `;`); a line starting
//! with `.` when nothing is gathered is a dot command.

use std::io::BufRead;
use std::path::PathBuf;

use boundlite::sql::{Lexer, SqlErrorKind, TokenKind};
use rustyline::DefaultEditor;
use rustyline::error::ReadlineError;

use crate::shell::{Heap, Origin, Outcome, Shell};

/// The prompt for a new statement.
const PROMPT: &str = "boundlite> ";
/// The prompt for a statement's further lines.
const CONTINUE: &str = "   ...> ";

/// Whether `sql` ends a statement: its last token is `;`, outside any
/// string, quoted name or comment. Text that does not tokenize is
/// complete (so its error is reported) unless it is an unterminated
/// string, name or comment, which later lines may close.
pub fn is_complete(sql: &str) -> bool {
    let mut lexer = Lexer::new(sql);
    let mut last = TokenKind::Eof;
    loop {
        match lexer.next_token() {
            Ok(token) if token.kind == TokenKind::Eof => return last == TokenKind::Semicolon,
            Ok(token) => last = token.kind,
            Err(e) => {
                let rest = sql.get(e.offset()..).unwrap_or("");
                let unterminated = e.kind() == SqlErrorKind::UnrecognizedToken
                    && (rest.starts_with(['\'', '"', '`', '[']) || rest.starts_with("/*"));
                return !unterminated && sql.trim_end().ends_with(';');
            }
        }
    }
}

/// Whether `sql` is only whitespace and comments, a `/*` comment closed
/// (`sqlite3`'s `_all_whitespace`).
fn is_blank(sql: &str) -> bool {
    let mut rest = sql;
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return true;
        }
        if let Some(comment) = rest.strip_prefix("/*") {
            match comment.find("*/") {
                Some(end) => rest = comment.get(end + 2..).unwrap_or(""),
                None => return false,
            }
        } else if let Some(comment) = rest.strip_prefix("--") {
            match comment.find('\n') {
                Some(end) => rest = comment.get(end + 1..).unwrap_or(""),
                None => return true,
            }
        } else {
            return false;
        }
    }
}

/// What one line of input adds to the statement being gathered.
struct Gatherer {
    buffer: String,
    /// The lines read so far.
    lines: usize,
    /// The line the gathered text starts on.
    start: usize,
}

impl Gatherer {
    fn new() -> Self {
        Gatherer {
            buffer: String::new(),
            lines: 0,
            start: 1,
        }
    }

    /// Whether no statement is being gathered: what was read is only
    /// whitespace and comments (which `sqlite3` drops, so that a dot
    /// command may follow them).
    fn is_empty(&self) -> bool {
        is_blank(&self.buffer)
    }

    /// Adds `line`; runs what is complete.
    fn line(&mut self, shell: &mut Shell<'_, impl Heap>, line: &str) -> Outcome {
        self.lines += 1;
        if self.is_empty() {
            self.buffer.clear();
            self.start = self.lines;
            if line.trim_start().starts_with('.') {
                return shell.run_input(line, Origin::Lines(self.start));
            }
        }
        self.buffer.push_str(line);
        self.buffer.push('\n');
        if is_complete(&self.buffer) {
            self.finish(shell)
        } else {
            Outcome::Ok
        }
    }

    /// Runs what was gathered, complete or not.
    fn finish(&mut self, shell: &mut Shell<'_, impl Heap>) -> Outcome {
        let sql = std::mem::take(&mut self.buffer);
        if sql.trim().is_empty() {
            return Outcome::Ok;
        }
        shell.run_input(&sql, Origin::Lines(self.start))
    }
}

/// Reads statements from `input` (a pipe or a file) until its end or
/// `.quit`. Errors are reported and reading goes on, as `sqlite3` does,
/// unless `.bail on` stops it: the result is `Failed` when one happened,
/// `Quit` after `.quit`.
pub fn piped(shell: &mut Shell<'_, impl Heap>, input: impl BufRead) -> Outcome {
    let mut gatherer = Gatherer::new();
    let mut outcome = Outcome::Ok;
    for line in input.lines() {
        let Ok(line) = line else {
            eprintln!("Error: the input is not readable text");
            return Outcome::Failed;
        };
        match gatherer.line(shell, &line) {
            Outcome::Ok => {}
            Outcome::Failed if shell.bail => return Outcome::Failed,
            Outcome::Failed => outcome = Outcome::Failed,
            Outcome::Quit => return Outcome::Quit,
        }
    }
    match gatherer.finish(shell) {
        Outcome::Ok => outcome,
        other => other,
    }
}

/// Where the prompt's history is kept: `~/.boundlite_history`.
fn history_path() -> Option<PathBuf> {
    let home = std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE"))?;
    Some(PathBuf::from(home).join(".boundlite_history"))
}

/// The interactive prompt, until `.quit` or end of input (Ctrl-D).
/// Ctrl-C abandons the statement being typed.
pub fn interactive(shell: &mut Shell<'_, impl Heap>) -> bool {
    println!(
        "boundlite {}\nEnter \".help\" for usage hints.",
        env!("CARGO_PKG_VERSION")
    );
    let mut editor = match DefaultEditor::new() {
        Ok(editor) => editor,
        Err(e) => {
            eprintln!("Error: cannot start line editing ({e}); reading plain lines");
            return piped(shell, std::io::stdin().lock()) != Outcome::Failed;
        }
    };
    let history = history_path();
    if let Some(path) = &history {
        // No history yet is not an error.
        let _ = editor.load_history(path);
    }
    let mut gatherer = Gatherer::new();
    loop {
        let prompt = if gatherer.is_empty() {
            PROMPT
        } else {
            CONTINUE
        };
        match editor.readline(prompt) {
            Ok(line) => {
                if !line.trim().is_empty() {
                    let _ = editor.add_history_entry(line.as_str());
                }
                if gatherer.line(shell, &line) == Outcome::Quit {
                    break;
                }
            }
            Err(ReadlineError::Interrupted) => gatherer.buffer.clear(),
            Err(ReadlineError::Eof) => {
                let _ = gatherer.finish(shell);
                break;
            }
            Err(e) => {
                eprintln!("Error: reading input: {e}");
                break;
            }
        }
    }
    if let Some(path) = &history {
        let _ = editor.save_history(path);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::{is_blank, is_complete};

    #[test]
    fn a_statement_ends_with_a_semicolon_token() {
        assert!(is_complete("SELECT 1;"));
        assert!(is_complete("SELECT 1; -- trailing comment\n"));
        assert!(is_complete("SELECT 1;\n  "));
        assert!(!is_complete("SELECT 1"));
        assert!(!is_complete("SELECT 'a;"));
        assert!(!is_complete("SELECT 'a;b'"));
        assert!(!is_complete("SELECT 1 /* ; */"));
        assert!(!is_complete("SELECT 1 -- ;"));
        assert!(!is_complete("SELECT \"x;"));
        assert!(is_complete("SELECT 'a;b';"));
        assert!(!is_complete(""));
    }

    #[test]
    fn comments_alone_are_blank() {
        assert!(is_blank(" -- a comment\n/* and another */\n"));
        assert!(!is_blank("/* unterminated"));
        assert!(!is_blank("SELECT"));
    }
}
