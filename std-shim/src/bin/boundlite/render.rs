//! How result rows are printed: the output modes of `sqlite3`'s shell that
//! `boundlite` offers (`list`, `csv`, `box`, `json`).
//!
//! Values are rendered as SQLite renders them as text: integers plainly,
//! reals by [`NumText`] (`1.5`, `3.0`, `1.0e+20`), text and blobs as their
//! raw bytes, NULL as nothing.

use std::io::{self, Write};

use boundlite::record::ValueRef;
use boundlite::sql::eval::NumText;

/// An output mode (`.mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Columns separated by `|`, one row a line.
    List,
    /// RFC 4180 CSV with `\r\n` row ends, as `sqlite3 -csv`.
    Csv,
    /// A table drawn with box characters; headers always shown.
    Box,
    /// A JSON array of objects, one per row.
    Json,
}

impl Mode {
    /// The mode called `name`, if there is one.
    pub fn from_name(name: &str) -> Option<Mode> {
        match name {
            "list" => Some(Mode::List),
            "csv" => Some(Mode::Csv),
            "box" => Some(Mode::Box),
            "json" => Some(Mode::Json),
            _ => None,
        }
    }

    /// Whether the mode needs column names even without `.headers on`.
    pub fn needs_names(self) -> bool {
        matches!(self, Mode::Box | Mode::Json)
    }
}

/// One value of a result row, copied out of the row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// NULL
    Null,
    /// An integer or a real, already rendered.
    Number(Vec<u8>),
    /// Text bytes.
    Text(Vec<u8>),
    /// Blob bytes.
    Blob(Vec<u8>),
}

impl Cell {
    /// Copies `value` out of its row.
    pub fn of(value: ValueRef<'_>) -> Cell {
        match value {
            ValueRef::Null => Cell::Null,
            ValueRef::Integer(i) => Cell::Number(NumText::integer(i).as_bytes().to_vec()),
            ValueRef::Real(r) => Cell::Number(NumText::real(r).as_bytes().to_vec()),
            ValueRef::Text(t) => Cell::Text(t.to_vec()),
            ValueRef::Blob(b) => Cell::Blob(b.to_vec()),
        }
    }

    /// The value as SQLite's text rendering (NULL is empty).
    pub fn bytes(&self) -> &[u8] {
        match self {
            Cell::Null => b"",
            Cell::Number(b) | Cell::Text(b) | Cell::Blob(b) => b,
        }
    }
}

/// Prints the rows of one statement in one mode: the header (when asked
/// for) before the first row, the closing of `box` and `json` at the end.
pub struct Printer {
    mode: Mode,
    headers: bool,
    names: Vec<String>,
    rows_seen: usize,
    /// Rows kept for `box`, which must know every width first.
    buffered: Vec<Vec<Cell>>,
}

impl Printer {
    /// A printer for a statement whose columns are called `names`; names
    /// that do not match the rows become `column1`, `column2`, ...
    pub fn new(mode: Mode, headers: bool, names: Vec<String>) -> Self {
        Printer {
            mode,
            headers,
            names,
            rows_seen: 0,
            buffered: Vec::new(),
        }
    }

    /// Prints (or, in `box` mode, keeps) one row.
    pub fn row(&mut self, out: &mut dyn Write, row: Vec<Cell>) -> io::Result<()> {
        let first = self.rows_seen == 0;
        self.rows_seen += 1;
        if first && self.names.len() != row.len() {
            self.names = (1..=row.len()).map(|i| format!("column{i}")).collect();
        }
        match self.mode {
            Mode::List => {
                if first && self.headers {
                    let names: Vec<&[u8]> = self.names.iter().map(|n| n.as_bytes()).collect();
                    write_joined(out, &names, b"|", b"\n")?;
                }
                let cells: Vec<&[u8]> = row.iter().map(Cell::bytes).collect();
                write_joined(out, &cells, b"|", b"\n")
            }
            Mode::Csv => {
                if first && self.headers {
                    let names: Vec<Vec<u8>> =
                        self.names.iter().map(|n| csv_field(n.as_bytes())).collect();
                    let names: Vec<&[u8]> = names.iter().map(Vec::as_slice).collect();
                    write_joined(out, &names, b",", b"\r\n")?;
                }
                let cells: Vec<Vec<u8>> = row
                    .iter()
                    .map(|c| match c {
                        Cell::Null | Cell::Number(_) => c.bytes().to_vec(),
                        Cell::Text(b) | Cell::Blob(b) => csv_field(b),
                    })
                    .collect();
                let cells: Vec<&[u8]> = cells.iter().map(Vec::as_slice).collect();
                write_joined(out, &cells, b",", b"\r\n")
            }
            Mode::Json => {
                out.write_all(if first { b"[{" } else { b",\n{" })?;
                for (i, cell) in row.iter().enumerate() {
                    if i > 0 {
                        out.write_all(b",")?;
                    }
                    let name = self.names.get(i).map_or("", String::as_str);
                    write_json_string(out, name.as_bytes())?;
                    out.write_all(b":")?;
                    match cell {
                        Cell::Null => out.write_all(b"null")?,
                        Cell::Number(b) => out.write_all(json_number(b))?,
                        Cell::Text(b) | Cell::Blob(b) => write_json_string(out, b)?,
                    }
                }
                out.write_all(b"}")
            }
            Mode::Box => {
                self.buffered.push(row);
                Ok(())
            }
        }
    }

    /// Ends the statement's output.
    pub fn finish(self, out: &mut dyn Write) -> io::Result<()> {
        match self.mode {
            Mode::List | Mode::Csv => Ok(()),
            Mode::Json if self.rows_seen > 0 => out.write_all(b"]\n"),
            Mode::Json => Ok(()),
            Mode::Box if self.buffered.is_empty() => Ok(()),
            Mode::Box => draw_box(out, &self.names, &self.buffered),
        }
    }
}

/// Writes `items` separated by `sep`, then `end`.
fn write_joined(out: &mut dyn Write, items: &[&[u8]], sep: &[u8], end: &[u8]) -> io::Result<()> {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.write_all(sep)?;
        }
        out.write_all(item)?;
    }
    out.write_all(end)
}

/// A CSV field: quoted (with `""` for a quote) when it holds a comma, a
/// quote, a line break or another control character.
pub fn csv_field(bytes: &[u8]) -> Vec<u8> {
    let needs_quotes = bytes.iter().any(|&b| b == b',' || b == b'"' || b < 0x20);
    if !needs_quotes {
        return bytes.to_vec();
    }
    let mut field = Vec::with_capacity(bytes.len() + 2);
    field.push(b'"');
    for &b in bytes {
        if b == b'"' {
            field.push(b'"');
        }
        field.push(b);
    }
    field.push(b'"');
    field
}

/// A number as JSON writes it: SQLite's `Inf` is `1e999`, as in `sqlite3`.
fn json_number(bytes: &[u8]) -> &[u8] {
    match bytes {
        b"Inf" => b"1e999",
        b"-Inf" => b"-1e999",
        b"NaN" => b"null",
        other => other,
    }
}

/// Writes `bytes` as a JSON string (invalid UTF-8 replaced).
fn write_json_string(out: &mut dyn Write, bytes: &[u8]) -> io::Result<()> {
    let text = String::from_utf8_lossy(bytes);
    out.write_all(b"\"")?;
    for c in text.chars() {
        match c {
            '"' => out.write_all(b"\\\"")?,
            '\\' => out.write_all(b"\\\\")?,
            '\n' => out.write_all(b"\\n")?,
            '\r' => out.write_all(b"\\r")?,
            '\t' => out.write_all(b"\\t")?,
            '\u{8}' => out.write_all(b"\\b")?,
            '\u{c}' => out.write_all(b"\\f")?,
            c if u32::from(c) < 0x20 => write!(out, "\\u{:04x}", u32::from(c))?,
            c => write!(out, "{c}")?,
        }
    }
    out.write_all(b"\"")
}

/// The width of `bytes` in terminal columns (one per character).
fn width(bytes: &[u8]) -> usize {
    String::from_utf8_lossy(bytes).chars().count()
}

/// Draws `rows` under `names` as a box-character table.
fn draw_box(out: &mut dyn Write, names: &[String], rows: &[Vec<Cell>]) -> io::Result<()> {
    let columns = rows
        .iter()
        .map(Vec::len)
        .max()
        .unwrap_or(0)
        .max(names.len());
    let mut widths: Vec<usize> = (0..columns)
        .map(|i| names.get(i).map_or(0, |n| width(n.as_bytes())))
        .collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(width(cell.bytes()));
        }
    }
    let rule = |out: &mut dyn Write, left: &str, mid: &str, right: &str| -> io::Result<()> {
        out.write_all(left.as_bytes())?;
        for (i, w) in widths.iter().enumerate() {
            if i > 0 {
                out.write_all(mid.as_bytes())?;
            }
            out.write_all("─".repeat(w + 2).as_bytes())?;
        }
        out.write_all(right.as_bytes())?;
        out.write_all(b"\n")
    };
    let line = |out: &mut dyn Write, cells: &[&[u8]]| -> io::Result<()> {
        out.write_all("│".as_bytes())?;
        for (i, w) in widths.iter().enumerate() {
            let cell = cells.get(i).copied().unwrap_or(b"");
            out.write_all(b" ")?;
            out.write_all(cell)?;
            out.write_all(" ".repeat(w.saturating_sub(width(cell)) + 1).as_bytes())?;
            out.write_all("│".as_bytes())?;
        }
        out.write_all(b"\n")
    };
    rule(out, "┌", "┬", "┐")?;
    let header: Vec<&[u8]> = names.iter().map(|n| n.as_bytes()).collect();
    line(out, &header)?;
    rule(out, "├", "┼", "┤")?;
    for row in rows {
        let cells: Vec<&[u8]> = row.iter().map(Cell::bytes).collect();
        line(out, &cells)?;
    }
    rule(out, "└", "┴", "┘")
}

#[cfg(test)]
mod tests {
    use super::{Cell, csv_field};
    use boundlite::record::ValueRef;

    #[test]
    fn csv_quotes_only_what_needs_it() {
        assert_eq!(csv_field(b"plain text"), b"plain text");
        assert_eq!(csv_field(b"a,b"), b"\"a,b\"");
        assert_eq!(csv_field(b"say \"hi\""), b"\"say \"\"hi\"\"\"");
        assert_eq!(csv_field(b"two\nlines"), b"\"two\nlines\"");
    }

    #[test]
    fn values_render_as_sqlite_text() {
        assert_eq!(Cell::of(ValueRef::Null).bytes(), b"");
        assert_eq!(Cell::of(ValueRef::Integer(-7)).bytes(), b"-7");
        assert_eq!(Cell::of(ValueRef::Real(3.0)).bytes(), b"3.0");
        assert_eq!(Cell::of(ValueRef::Real(0.1)).bytes(), b"0.1");
        assert_eq!(Cell::of(ValueRef::Real(1e20)).bytes(), b"1.0e+20");
        assert_eq!(Cell::of(ValueRef::Blob(b"\x00z")).bytes(), b"\x00z");
    }
}
