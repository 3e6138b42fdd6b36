//! The dot commands: their arguments split as `sqlite3` splits them, and
//! each command's dispatch. A command or an argument list the shell does
//! not know is refused, naming it, as `sqlite3` refuses it.
//!
//! The modules: `listing` (`.tables`, `.indexes`, `.schema`), `dump`,
//! `import` (with its CSV reader, `csv`), `show` (`.show`, `.stats`).

mod csv;
mod dump;
mod import;
mod listing;
mod show;

use std::io::Write;

use crate::input;
use crate::output::Lasting;
use crate::shell::{Heap, Outcome, Shell, milliseconds, on_off};

/// The dot commands, as `.help` and `--help` list them.
pub const DOT_HELP: &str = "\
.bail on|off             Stop after hitting an error (default off)
.changes on|off          Show the number of rows changed by each statement
.dump [TABLE...]         Render the database (or the tables whose names match
                         the LIKE patterns) as SQL text that rebuilds it
.exit                    Exit this program
.headers on|off          Turn display of column names on or off
.help                    Show this message
.import [--csv] [--skip N] FILE TABLE
                         Import CSV data from FILE into TABLE; when TABLE does
                         not exist, FILE's first line names its columns
.indexes [TABLE]         Show the names of the indexes (of tables matching the
                         LIKE pattern TABLE)
.mode MODE [TABLE]       Set the output mode: box column csv insert json line
                         list markdown quote table tabs (insert writes into
                         TABLE). box, column, markdown and table size columns
                         from the whole result, which they keep (up to 64 MiB)
.nullvalue STRING        Use STRING in place of NULL values
.once FILE               Send the next SQL input's output to FILE
.output [FILE]           Send output to FILE, or to stdout without FILE
.print STRING...         Print the strings
.quit                    Exit this program
.read FILE               Read input from FILE
.schema [TABLE]          Show the CREATE statements (of TABLE and its indexes)
.separator COL [ROW]     Change the column (and row) separators
.show                    Show the current settings
.stats                   Show memory use (the --heap arena's bytes in use and at
                         its peak) and the page cache's frames
.tables [PATTERN]        List the tables (names matching the LIKE pattern)
.timeout MS              Wait up to MS milliseconds for a lock another process
                         holds (default 5000; 0 fails at once)
.timer on|off            Turn the timer for each statement on or off

sqlite3's other dot commands (.backup, .open, .databases, .width, .shell,
...) are refused as not supported, any other as unknown, naming it.
";

/// `sqlite3`'s dot commands that boundlite does not have: refused as not
/// supported, where any other unknown command is refused as unknown.
pub const NOT_SUPPORTED: [&str; 44] = [
    ".archive",
    ".auth",
    ".backup",
    ".binary",
    ".cd",
    ".check",
    ".clone",
    ".connection",
    ".databases",
    ".dbconfig",
    ".dbinfo",
    ".echo",
    ".eqp",
    ".excel",
    ".expert",
    ".explain",
    ".filectrl",
    ".fullschema",
    ".imposter",
    ".limit",
    ".lint",
    ".load",
    ".log",
    ".nonce",
    ".open",
    ".parameter",
    ".progress",
    ".prompt",
    ".recover",
    ".restore",
    ".save",
    ".scanstats",
    ".selftest",
    ".session",
    ".sha3sum",
    ".shell",
    ".system",
    ".testcase",
    ".testctrl",
    ".trace",
    ".vfsinfo",
    ".vfslist",
    ".vfsname",
    ".width",
];

/// Splits a dot command line into words as `sqlite3` does: whitespace
/// separates them; `'...'` is taken as written, `"..."` with `\n`, `\t`,
/// `\\` and `\"` resolved.
pub fn words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let Some(first) = chars.next() else {
            return words;
        };
        let mut word = String::new();
        match first {
            '\'' => {
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    word.push(c);
                }
            }
            '"' => {
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => match chars.next() {
                            Some('n') => word.push('\n'),
                            Some('t') => word.push('\t'),
                            Some('r') => word.push('\r'),
                            Some(other) => word.push(other),
                            None => word.push('\\'),
                        },
                        c => word.push(c),
                    }
                }
            }
            c => {
                word.push(c);
                while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                    word.push(c);
                }
            }
        }
        words.push(word);
    }
}

impl<A: Heap> Shell<'_, A> {
    /// Runs one dot command line.
    pub(crate) fn dot_command(&mut self, line: &str) -> Outcome {
        let words = words(line);
        let args: Vec<&str> = words.iter().map(String::as_str).collect();
        let Some((&command, args)) = args.split_first() else {
            return Outcome::Ok;
        };
        let listing = [".dump", ".tables", ".indexes", ".indices", ".schema"];
        let option = args.iter().find(|a| a.starts_with('-'));
        let result = match (command, args) {
            (".quit" | ".exit", []) => return Outcome::Quit,
            (command, _) if listing.contains(&command) && option.is_some() => Err(format!(
                "{command} option {} is not supported",
                option.copied().unwrap_or_default()
            )),
            (".read", [file]) => return self.read(file),
            (".help", []) => self.print(DOT_HELP),
            (".tables", [] | [_]) => self.tables(args.first().copied()),
            (".indexes" | ".indices", [] | [_]) => self.indexes(args.first().copied()),
            (".schema", [] | [_]) => self.schema(args.first().copied()),
            (".dump", patterns) => self.dump(patterns),
            (".import", args) => self.import(args),
            (".stats", []) => self.stats(),
            (".show", []) => self.show(),
            (".mode", []) => {
                let line = format!("current output mode: {}\n", self.style.mode.name());
                self.print(&line)
            }
            (".mode", [name]) => self.style.set_mode(name, None),
            (".mode", [name, table]) => self.style.set_mode(name, Some(table)),
            (".headers" | ".header", [value]) => on_off(value).map(|on| {
                self.style.headers = on;
                self.style.headers_set = true;
            }),
            (".nullvalue", [text]) => {
                self.style.null = (*text).to_string();
                Ok(())
            }
            (".separator", [column]) => {
                self.style.column_separator = (*column).to_string();
                Ok(())
            }
            (".separator", [column, row]) => {
                self.style.column_separator = (*column).to_string();
                self.style.row_separator = (*row).to_string();
                Ok(())
            }
            (".print", words) => {
                let line = format!("{}\n", words.join(" "));
                self.print(&line)
            }
            (".output", []) => self.out.redirect(None, Lasting::UntilChanged),
            (".output", [file]) => self.out.redirect(Some(file), Lasting::UntilChanged),
            (".once", [file]) => self.out.redirect(Some(file), Lasting::Once),
            (".bail", [value]) => on_off(value).map(|on| self.bail = on),
            (".changes", [value]) => on_off(value).map(|on| self.changes = on),
            (".timer", [value]) => on_off(value).map(|on| self.timer = on),
            (".timeout", [ms]) => milliseconds(ms).map(|ms| self.conn.busy_timeout(ms)),
            (command, _) if NOT_SUPPORTED.contains(&command) => {
                Err(format!("{command} is not supported by boundlite"))
            }
            _ => Err(format!(
                "unknown command or invalid arguments:  \"{}\". Enter \".help\" for help",
                command.trim_start_matches('.')
            )),
        };
        if command != ".once" {
            self.out.input_done();
        }
        let flushed = self.out.flush();
        match result {
            Ok(()) if flushed.is_ok() => Outcome::Ok,
            Ok(()) => Outcome::Quit,
            Err(message) => {
                eprintln!("Error: {message}");
                Outcome::Failed
            }
        }
    }

    /// Writes `text` to the output.
    fn print(&mut self, text: &str) -> Result<(), String> {
        self.out
            .write_all(text.as_bytes())
            .map_err(|e| format!("cannot write the output: {e}"))
    }

    /// `.read FILE`: runs the file's statements and dot commands, as if
    /// piped in; an error in it stops it only under `.bail on`.
    pub(crate) fn read(&mut self, file: &str) -> Outcome {
        let opened = std::fs::File::open(file);
        match opened {
            Ok(f) => input::piped(self, std::io::BufReader::new(f)),
            Err(e) => {
                eprintln!("Error: cannot open \"{file}\": {e}");
                Outcome::Failed
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::words;

    #[test]
    fn words_split_as_sqlite3_splits_them() {
        assert_eq!(
            words(".print a  'b c' \"d\\te\""),
            [".print", "a", "b c", "d\te"]
        );
        assert_eq!(words(".separator , ;"), [".separator", ",", ";"]);
        assert!(words("   ").is_empty());
    }
}
