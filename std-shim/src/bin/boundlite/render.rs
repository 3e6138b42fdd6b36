//! How result rows are printed: the output modes of `sqlite3`'s shell that
//! `boundlite` offers (`list`, `csv`, `box`, `json`).
//!
//! Values are rendered as SQLite renders them as text: integers plainly,
//! reals by [`NumText`] (`1.5`, `3.0`, `1.0e+20`), text and blobs as their
//! raw bytes, NULL as nothing.
//!
//! Invariants:
//! - `list`, `csv` and `json` write each value straight from the row the
//!   engine lends, through the output's buffer: a value is never copied,
//!   so printing needs no memory beyond the engine's, whatever its size;
//! - `box`, which must know every width before drawing, keeps the rows'
//!   text in fallible vectors in the engine's allocator (the `--heap`
//!   arena when there is one): a result too large to keep is
//!   `OutOfMemory`, reported like the engine's own, never an abort.

use std::io::{self, Write};

use boundlite::Row;
use boundlite::alloc::{Allocator, Vec as BVec};
use boundlite::record::ValueRef;
use boundlite::sql::eval::NumText;

use crate::shell::Failure;

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

/// One value of a result row as text, borrowed from the row (a number is
/// rendered into a buffer on the stack).
pub enum Rendered<'r> {
    /// NULL
    Null,
    /// An integer or a real.
    Number(NumText),
    /// Text bytes.
    Text(&'r [u8]),
    /// Blob bytes.
    Blob(&'r [u8]),
}

impl<'r> Rendered<'r> {
    /// `value` as text.
    pub fn of(value: ValueRef<'r>) -> Self {
        match value {
            ValueRef::Null => Rendered::Null,
            ValueRef::Integer(i) => Rendered::Number(NumText::integer(i)),
            ValueRef::Real(r) => Rendered::Number(NumText::real(r)),
            ValueRef::Text(t) => Rendered::Text(t),
            ValueRef::Blob(b) => Rendered::Blob(b),
        }
    }

    /// The value as SQLite's text rendering (NULL is empty).
    pub fn bytes(&self) -> &[u8] {
        match self {
            Rendered::Null => b"",
            Rendered::Number(n) => n.as_bytes(),
            Rendered::Text(b) | Rendered::Blob(b) => b,
        }
    }
}

/// One kept row of `box` mode: each value's text.
type Kept<A> = BVec<BVec<u8, A>, A>;

/// Prints the rows of one statement in one mode: the header (when asked
/// for) before the first row, the closing of `box` and `json` at the end.
pub struct Printer<A: Allocator + Clone> {
    mode: Mode,
    headers: bool,
    names: Vec<String>,
    rows_seen: usize,
    /// Rows kept for `box`, which must know every width first.
    kept: BVec<Kept<A>, A>,
}

impl<A: Allocator + Clone> Printer<A> {
    /// A printer for a statement whose columns are called `names`; names
    /// that do not match the rows become `column1`, `column2`, ...
    /// `box` keeps its rows in `alloc`.
    pub fn new(mode: Mode, headers: bool, names: Vec<String>, alloc: A) -> Self {
        Printer {
            mode,
            headers,
            names,
            rows_seen: 0,
            kept: BVec::new_in(alloc),
        }
    }

    /// Prints (or, in `box` mode, keeps) one row.
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
        let values = || row.values().map(Rendered::of);
        match self.mode {
            Mode::List => {
                if first && self.headers {
                    let names = self.names.iter().map(|n| n.as_bytes());
                    write_joined(out, names, b"|", b"\n", |out, n| out.write_all(n))?;
                }
                write_joined(out, values(), b"|", b"\n", |out, v| {
                    out.write_all(v.bytes())
                })?;
            }
            Mode::Csv => {
                if first && self.headers {
                    let names = self.names.iter().map(|n| n.as_bytes());
                    write_joined(out, names, b",", b"\r\n", write_csv_field)?;
                }
                write_joined(out, values(), b",", b"\r\n", |out, v| match v {
                    Rendered::Null | Rendered::Number(_) => out.write_all(v.bytes()),
                    Rendered::Text(b) | Rendered::Blob(b) => write_csv_field(out, b),
                })?;
            }
            Mode::Json => {
                out.write_all(if first { b"[{" } else { b",\n{" })?;
                for (i, value) in values().enumerate() {
                    if i > 0 {
                        out.write_all(b",")?;
                    }
                    let name = self.names.get(i).map_or("", String::as_str);
                    write_json_string(out, name.as_bytes())?;
                    out.write_all(b":")?;
                    match &value {
                        Rendered::Null => out.write_all(b"null")?,
                        Rendered::Number(n) => out.write_all(json_number(n.as_bytes()))?,
                        Rendered::Text(b) | Rendered::Blob(b) => write_json_string(out, b)?,
                    }
                }
                out.write_all(b"}")?;
            }
            Mode::Box => self.keep(row)?,
        }
        Ok(())
    }

    /// Keeps `row`'s text for `box`, in fallible vectors.
    fn keep<R: Allocator>(&mut self, row: &Row<'_, R>) -> Result<(), Failure> {
        let alloc = self.kept.allocator().clone();
        let mut kept = BVec::try_with_capacity_in(row.column_count(), alloc.clone())
            .map_err(Failure::from_oom)?;
        for value in row.values() {
            let text = BVec::try_from_slice_in(Rendered::of(value).bytes(), alloc.clone())
                .map_err(Failure::from_oom)?;
            kept.try_push(text).map_err(Failure::from_oom)?;
        }
        self.kept.try_push(kept).map_err(Failure::from_oom)
    }

    /// Ends the statement's output.
    pub fn finish(self, out: &mut dyn Write) -> io::Result<()> {
        match self.mode {
            Mode::List | Mode::Csv => Ok(()),
            Mode::Json if self.rows_seen > 0 => out.write_all(b"]\n"),
            Mode::Json => Ok(()),
            Mode::Box if self.kept.is_empty() => Ok(()),
            Mode::Box => draw_box(out, &self.names, &self.kept),
        }
    }
}

/// Writes `items` with `write`, separated by `sep`, then `end`.
fn write_joined<T>(
    out: &mut dyn Write,
    items: impl Iterator<Item = T>,
    sep: &[u8],
    end: &[u8],
    mut write: impl FnMut(&mut dyn Write, T) -> io::Result<()>,
) -> io::Result<()> {
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.write_all(sep)?;
        }
        write(out, item)?;
    }
    out.write_all(end)
}

/// Writes a CSV field: quoted (with `""` for a quote) when it holds a
/// comma, a quote, a line break or another control character.
pub fn write_csv_field(out: &mut dyn Write, bytes: &[u8]) -> io::Result<()> {
    let needs_quotes = bytes.iter().any(|&b| b == b',' || b == b'"' || b < 0x20);
    if !needs_quotes {
        return out.write_all(bytes);
    }
    out.write_all(b"\"")?;
    for (i, part) in bytes.split(|&b| b == b'"').enumerate() {
        if i > 0 {
            out.write_all(b"\"\"")?;
        }
        out.write_all(part)?;
    }
    out.write_all(b"\"")
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
    out.write_all(b"\"")?;
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
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
        if !chunk.invalid().is_empty() {
            write!(out, "{}", char::REPLACEMENT_CHARACTER)?;
        }
    }
    out.write_all(b"\"")
}

/// The width of `bytes` in terminal columns (one per character, one per
/// invalid UTF-8 sequence, shown replaced).
fn width(bytes: &[u8]) -> usize {
    bytes
        .utf8_chunks()
        .map(|c| c.valid().chars().count() + usize::from(!c.invalid().is_empty()))
        .sum()
}

/// Writes `piece` `n` times.
fn repeat(out: &mut dyn Write, piece: &str, n: usize) -> io::Result<()> {
    for _ in 0..n {
        out.write_all(piece.as_bytes())?;
    }
    Ok(())
}

/// Draws `rows` under `names` as a box-character table.
fn draw_box<A: Allocator>(
    out: &mut dyn Write,
    names: &[String],
    rows: &[Kept<A>],
) -> io::Result<()> {
    let columns = rows
        .iter()
        .map(|r| r.len())
        .max()
        .unwrap_or(0)
        .max(names.len());
    let mut widths: Vec<usize> = (0..columns)
        .map(|i| names.get(i).map_or(0, |n| width(n.as_bytes())))
        .collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row.iter()) {
            *w = (*w).max(width(cell));
        }
    }
    let rule = |out: &mut dyn Write, left: &str, mid: &str, right: &str| -> io::Result<()> {
        out.write_all(left.as_bytes())?;
        for (i, w) in widths.iter().enumerate() {
            if i > 0 {
                out.write_all(mid.as_bytes())?;
            }
            repeat(out, "─", w + 2)?;
        }
        out.write_all(right.as_bytes())?;
        out.write_all(b"\n")
    };
    rule(out, "┌", "┬", "┐")?;
    box_line(out, &widths, |i| names.get(i).map_or(b"", |n| n.as_bytes()))?;
    rule(out, "├", "┼", "┤")?;
    for row in rows {
        box_line(out, &widths, |i| row.get(i).map_or(b"", |c| c.as_slice()))?;
    }
    rule(out, "└", "┴", "┘")
}

/// One line of a box: cell `i` is `cell(i)`, padded to `widths[i]`.
fn box_line<'c>(
    out: &mut dyn Write,
    widths: &[usize],
    cell: impl Fn(usize) -> &'c [u8],
) -> io::Result<()> {
    out.write_all("│".as_bytes())?;
    for (i, w) in widths.iter().enumerate() {
        let text = cell(i);
        out.write_all(b" ")?;
        out.write_all(text)?;
        repeat(out, " ", w.saturating_sub(width(text)) + 1)?;
        out.write_all("│".as_bytes())?;
    }
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::{Mode, Printer, Rendered, width, write_csv_field, write_json_string};
    use crate::shell::Failure;
    use boundlite::alloc::{Arena, FaultAlloc, oom_sweep};
    use boundlite::record::ValueRef;
    use boundlite::{Config, Error};
    use boundlite_std::open_with;

    /// `box` keeps its rows in the allocator it is given: every refusal
    /// there is `OutOfMemory`, and whatever was kept is given back.
    #[test]
    fn box_rows_survive_every_allocation_failure() {
        let db = open_with(":memory:", &Config::DEFAULT).unwrap();
        let conn = db.connect();
        conn.execute(
            "CREATE TABLE t(a, b); INSERT INTO t VALUES (1, 'one'), (2.5, NULL), (x'00ff', 'three')",
            &[],
        )
        .unwrap();
        let mut buffer = vec![0u8; 64 * 1024];
        let arena = Arena::new(&mut buffer).unwrap();
        let fault = FaultAlloc::new(&arena);
        for persistent in [false, true] {
            let report = oom_sweep(
                &fault,
                persistent,
                |f| {
                    let mut out = Vec::new();
                    let mut printer = Printer::new(Mode::Box, true, Vec::new(), f);
                    let mut stmt = conn.prepare("SELECT a, b FROM t").unwrap();
                    while let Some(row) = stmt.step().unwrap() {
                        match printer.row(&mut out, &row) {
                            Ok(()) => {}
                            Err(Failure::Db(e)) => return Err(e),
                            Err(Failure::Output) => panic!("writing to a vector failed"),
                        }
                    }
                    printer.finish(&mut out).unwrap();
                    Ok(out.len())
                },
                |n, e| {
                    assert_eq!(e, Error::OutOfMemory, "failure {n}");
                    assert_eq!(arena.stats().live_allocations, 0, "failure {n} leaked");
                },
            )
            .unwrap();
            assert!(report.failure_points >= 7, "{report:?}");
            assert!(report.value > 0);
        }
    }

    fn csv(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        write_csv_field(&mut out, bytes).unwrap();
        out
    }

    #[test]
    fn csv_quotes_only_what_needs_it() {
        assert_eq!(csv(b"plain text"), b"plain text");
        assert_eq!(csv(b"a,b"), b"\"a,b\"");
        assert_eq!(csv(b"say \"hi\""), b"\"say \"\"hi\"\"\"");
        assert_eq!(csv(b"two\nlines"), b"\"two\nlines\"");
        assert_eq!(csv(b"\""), b"\"\"\"\"");
    }

    #[test]
    fn values_render_as_sqlite_text() {
        assert_eq!(Rendered::of(ValueRef::Null).bytes(), b"");
        assert_eq!(Rendered::of(ValueRef::Integer(-7)).bytes(), b"-7");
        assert_eq!(Rendered::of(ValueRef::Real(3.0)).bytes(), b"3.0");
        assert_eq!(Rendered::of(ValueRef::Real(0.1)).bytes(), b"0.1");
        assert_eq!(Rendered::of(ValueRef::Real(1e20)).bytes(), b"1.0e+20");
        assert_eq!(Rendered::of(ValueRef::Blob(b"\x00z")).bytes(), b"\x00z");
    }

    #[test]
    fn invalid_utf8_is_replaced_without_a_copy() {
        let mut out = Vec::new();
        write_json_string(&mut out, b"a\xffb\"").unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "\"a\u{fffd}b\\\"\"");
        assert_eq!(width(b"a\xffb"), 3);
        assert_eq!(width("│é".as_bytes()), 2);
    }
}
