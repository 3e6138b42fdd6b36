//! How result rows are printed: the output modes of `sqlite3`'s shell that
//! `boundlite` offers, byte for byte as `sqlite3` 3.40 writes them, and
//! the settings they read ([`Style`]: `.mode`, `.headers`, `.separator`,
//! `.nullvalue`).
//!
//! The modes, by family: `delimited` (`list`, `tabs`, `csv`, `line`:
//! one row at a time), `quoted` (`quote`, `insert`: SQL literals),
//! `json`, and `columnar` (`column`, `table`, `markdown`, `box`, which
//! must know every width before drawing).
//!
//! Invariants:
//! - every mode but the columnar ones writes each value straight from the
//!   row the engine lends: a value is never copied, so printing needs no
//!   memory beyond the engine's, whatever the result's size;
//! - the columnar modes keep the result's text in fallible vectors in the
//!   engine's allocator (the `--heap` arena when there is one), at most
//!   [`columnar::BUDGET`] bytes of it: a larger result is an error naming
//!   the mode, never unbounded memory or an abort.

mod columnar;
mod delimited;
mod json;
mod quoted;
pub use quoted::insert_row;
pub mod value;

use std::io::Write;

use boundlite::Row;
use boundlite::alloc::Allocator;

use crate::shell::Failure;
use columnar::Columnar;

/// An output mode (`.mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Values separated by the column separator (`|`), rows ended by the
    /// row separator; `tabs` is this mode with a tab.
    List,
    /// CSV: values quoted when they need it.
    Csv,
    /// One `name = value` line per value, a blank line between rows.
    Line,
    /// Columns padded to their widest value, under dashed headers.
    Column,
    /// An ASCII-art table.
    Table,
    /// A Markdown table.
    Markdown,
    /// A table drawn with box characters.
    Box,
    /// A JSON array of objects, one per row.
    Json,
    /// Rows of SQL literals.
    Quote,
    /// `INSERT` statements into the table `.mode insert TABLE` names.
    Insert,
}

impl Mode {
    /// The modes by name, as `.mode` lists them.
    const NAMES: [(&'static str, Mode); 11] = [
        ("box", Mode::Box),
        ("column", Mode::Column),
        ("csv", Mode::Csv),
        ("insert", Mode::Insert),
        ("json", Mode::Json),
        ("line", Mode::Line),
        ("list", Mode::List),
        ("markdown", Mode::Markdown),
        ("quote", Mode::Quote),
        ("table", Mode::Table),
        ("tabs", Mode::List),
    ];

    /// The mode called `name` (`tabs` is `list`).
    pub fn from_name(name: &str) -> Option<Mode> {
        Self::NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|&(_, m)| m)
    }

    /// The mode's name.
    pub fn name(self) -> &'static str {
        Self::NAMES
            .iter()
            .find(|(_, m)| *m == self)
            .map_or("list", |&(n, _)| n)
    }

    /// The names `.mode` accepts, space-separated.
    pub fn names() -> String {
        let names: Vec<&str> = Self::NAMES.iter().map(|(n, _)| *n).collect();
        names.join(" ")
    }

    /// Whether the mode needs column names even without `.headers on`.
    pub fn needs_names(self) -> bool {
        matches!(
            self,
            Mode::Box | Mode::Json | Mode::Line | Mode::Table | Mode::Markdown | Mode::Column
        )
    }
}

/// The settings the modes read.
#[derive(Debug, Clone)]
pub struct Style {
    /// The output mode.
    pub mode: Mode,
    /// Whether column names are printed (`.headers`); `table`, `markdown`
    /// and `box` always print them.
    pub headers: bool,
    /// Whether `.headers` (or `-header`/`-noheader`) was given, which
    /// `.mode column` then leaves alone.
    pub headers_set: bool,
    /// Between two values (`.separator`).
    pub column_separator: String,
    /// After each row (`.separator`).
    pub row_separator: String,
    /// How NULL is shown (`.nullvalue`).
    pub null: String,
    /// The table `insert` mode writes into, as SQL writes its name.
    pub insert_table: String,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            mode: Mode::List,
            headers: false,
            headers_set: false,
            column_separator: "|".into(),
            row_separator: "\n".into(),
            null: String::new(),
            insert_table: "\"table\"".into(),
        }
    }
}

impl Style {
    /// `.mode NAME [TABLE]`: the mode and the separators `sqlite3` sets
    /// with it.
    pub fn set_mode(&mut self, name: &str, table: Option<&str>) -> Result<(), String> {
        let Some(mode) = Mode::from_name(name) else {
            return Err(format!("mode should be one of: {}", Mode::names()));
        };
        if table.is_some() && mode != Mode::Insert {
            return Err(format!(".mode {name} takes no table name"));
        }
        match name {
            "list" => self.separators("|", "\n"),
            "tabs" => self.column_separator = "\t".into(),
            "csv" => self.separators(",", "\r\n"),
            "quote" => self.separators(",", "\n"),
            "line" => self.row_separator = "\n".into(),
            "column" if !self.headers_set => self.headers = true,
            "insert" => {
                let mut quoted = Vec::new();
                let name = table.unwrap_or("table");
                // Writing to a vector cannot fail.
                let _ = value::write_name(&mut quoted, name);
                self.insert_table = String::from_utf8_lossy(&quoted).into_owned();
            }
            _ => {}
        }
        self.mode = mode;
        Ok(())
    }

    /// The command-line mode option `-NAME`: the mode, with `sqlite3`'s
    /// option separators (`-csv` ends rows with `\n`, not `.mode csv`'s
    /// `\r\n`).
    pub fn set_mode_option(&mut self, name: &str) -> Result<(), String> {
        match name {
            "csv" => {
                self.mode = Mode::Csv;
                self.column_separator = ",".into();
                Ok(())
            }
            "column" | "line" | "json" => {
                self.mode = Mode::from_name(name).unwrap_or(Mode::List);
                Ok(())
            }
            _ => {
                self.set_mode(name, None)?;
                Ok(())
            }
        }
    }

    fn separators(&mut self, column: &str, row: &str) {
        self.column_separator = column.into();
        self.row_separator = row.into();
    }
}

/// Prints the rows of one statement in one mode: the header (when asked
/// for) before the first row, the closing of the columnar modes and
/// `json` at the end.
pub struct Printer<'s, A: Allocator + Clone> {
    style: &'s Style,
    names: Vec<String>,
    rows_seen: usize,
    /// The kept text of a columnar mode.
    columnar: Option<Columnar<A>>,
}

impl<'s, A: Allocator + Clone> Printer<'s, A> {
    /// A printer for a statement whose columns are called `names`; names
    /// that do not match the rows become `column1`, `column2`, ...
    /// The columnar modes keep their text in `alloc`.
    pub fn new(style: &'s Style, names: Vec<String>, alloc: A) -> Self {
        let columnar = matches!(
            style.mode,
            Mode::Column | Mode::Table | Mode::Markdown | Mode::Box
        )
        .then(|| Columnar::new(alloc, columnar::BUDGET));
        Printer {
            style,
            names,
            rows_seen: 0,
            columnar,
        }
    }

    /// Prints (or, in a columnar mode, keeps) one row.
    pub fn row<R: Allocator>(
        &mut self,
        out: &mut dyn Write,
        row: &Row<'_, R>,
    ) -> Result<(), Failure> {
        let first = self.rows_seen == 0;
        self.rows_seen += 1;
        if first && self.names.len() != row.column_count() {
            self.names = (1..=row.column_count())
                .map(|i| format!("column{i}"))
                .collect();
        }
        let style = self.style;
        let names = &self.names;
        match style.mode {
            Mode::List | Mode::Csv => delimited::row(out, style, names, first, row)?,
            Mode::Line => delimited::line_row(out, style, names, first, row)?,
            Mode::Quote | Mode::Insert => quoted::row(out, style, names, first, row)?,
            Mode::Json => json::row(out, names, first, row)?,
            Mode::Column | Mode::Table | Mode::Markdown | Mode::Box => {
                if let Some(columnar) = &mut self.columnar {
                    columnar.keep(row, style)?;
                }
            }
        }
        Ok(())
    }

    /// Ends the statement's output.
    pub fn finish(self, out: &mut dyn Write) -> Result<(), Failure> {
        match self.style.mode {
            Mode::Json if self.rows_seen > 0 => out.write_all(b"]\n")?,
            _ => {}
        }
        if let Some(columnar) = self.columnar {
            columnar.draw(out, self.style, &self.names)?;
        }
        Ok(())
    }
}

/// How a mode writes one name or value's text.
pub type WriteText<'a> = dyn Fn(&mut dyn Write, &[u8]) -> std::io::Result<()> + 'a;

/// The header line of the row modes: each name written by `write`,
/// `style`'s column separator between them, its row separator after.
pub fn header_line(
    out: &mut dyn Write,
    style: &Style,
    names: &[String],
    write: &WriteText<'_>,
) -> std::io::Result<()> {
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            out.write_all(style.column_separator.as_bytes())?;
        }
        write(out, name.as_bytes())?;
    }
    out.write_all(style.row_separator.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::{Mode, Printer, Style};
    use crate::shell::Failure;
    use boundlite::alloc::{Arena, FaultAlloc, oom_sweep};
    use boundlite::{Config, Error};
    use boundlite_std::open_with;

    /// The columnar modes keep their rows in the allocator they are
    /// given: every refusal there is `OutOfMemory`, and whatever was kept
    /// is given back.
    #[test]
    fn columnar_rows_survive_every_allocation_failure() {
        let db = open_with(":memory:", &Config::DEFAULT).unwrap();
        let conn = db.connect();
        conn.execute(
            "CREATE TABLE t(a, b); INSERT INTO t VALUES (1, 'one'), (2.5, NULL), \
             (x'00ff', 'three' || char(10) || 'lines')",
            &[],
        )
        .unwrap();
        let mut buffer = vec![0u8; 64 * 1024];
        let arena = Arena::new(&mut buffer).unwrap();
        let fault = FaultAlloc::new(&arena);
        for mode in [Mode::Box, Mode::Column, Mode::Table, Mode::Markdown] {
            let style = Style {
                mode,
                ..Style::default()
            };
            for persistent in [false, true] {
                let report = oom_sweep(
                    &fault,
                    persistent,
                    |f| {
                        let mut out = Vec::new();
                        let mut printer = Printer::new(&style, Vec::new(), f);
                        let mut stmt = conn.prepare("SELECT a, b FROM t").unwrap();
                        while let Some(row) = stmt.step().unwrap() {
                            match printer.row(&mut out, &row) {
                                Ok(()) => {}
                                Err(Failure::Db(e)) => return Err(e),
                                Err(_) => panic!("writing to a vector failed"),
                            }
                        }
                        match printer.finish(&mut out) {
                            Ok(()) => Ok(out.len()),
                            Err(_) => panic!("writing to a vector failed"),
                        }
                    },
                    |n, e| {
                        assert_eq!(e, Error::OutOfMemory, "failure {n}");
                        assert_eq!(arena.stats().live_allocations, 0, "failure {n} leaked");
                    },
                )
                .unwrap();
                assert!(report.failure_points >= 9, "{mode:?}: {report:?}");
                assert!(report.value > 0);
            }
        }
    }
}
