//! The columnar modes, `column`, `table`, `markdown` and `box`: each
//! column as wide as its widest value, which `sqlite3` learns by keeping
//! the whole result before drawing it; so does this module, up to
//! [`BUDGET`] bytes.
//!
//! A value is shown as `sqlite3`'s `translateForDisplayAndDup` shows it:
//! a tab advances to the next multiple of 8 characters, and any other
//! control character (or `\r\n`) ends the line, the rest of the value
//! going on the next display line of the row. When any row takes several
//! lines, rows are separated (a blank line in `column`, a rule in
//! `table` and `box`).
//!
//! Widths count characters as `sqlite3` does: every byte that is not a
//! UTF-8 continuation byte.
//!
//! Invariant: the kept text lives in fallible vectors in the engine's
//! allocator and never exceeds [`BUDGET`] bytes (counting a fixed
//! overhead per cell): a larger result is an error, not unbounded memory.

use std::io::{self, Write};

use boundlite::Row;
use boundlite::alloc::{Allocator, OutOfMemory, Vec as BVec};

use super::value::Rendered;
use super::{Mode, Style};
use crate::shell::Failure;

/// The most bytes of text a columnar mode keeps for one statement.
pub const BUDGET: usize = 64 << 20;

/// The bytes a kept cell counts for beyond its text.
const CELL_OVERHEAD: usize = 32;

/// The kept display lines of one statement's result.
pub struct Columnar<A: Allocator + Clone> {
    /// The cells of every display line, `columns` per line.
    cells: BVec<BVec<u8, A>, A>,
    /// For each display line, whether it is the last of its row.
    row_ends: BVec<bool, A>,
    columns: usize,
    /// Whether some row took more than one display line.
    multiline: bool,
    /// The bytes counted against `budget`.
    kept: usize,
    /// The most bytes `kept` may reach ([`BUDGET`]).
    budget: usize,
}

impl<A: Allocator + Clone> Columnar<A> {
    /// Nothing kept yet; the text will live in `alloc`, at most `budget`
    /// bytes of it.
    pub fn new(alloc: A, budget: usize) -> Self {
        Columnar {
            cells: BVec::new_in(alloc.clone()),
            row_ends: BVec::new_in(alloc),
            columns: 0,
            multiline: false,
            kept: 0,
            budget,
        }
    }

    /// Keeps `row`'s display lines.
    pub fn keep<R: Allocator>(&mut self, row: &Row<'_, R>, style: &Style) -> Result<(), Failure> {
        let alloc = self.cells.allocator().clone();
        self.columns = row.column_count();
        let mut rendered =
            BVec::try_with_capacity_in(self.columns, alloc.clone()).map_err(Failure::from_oom)?;
        for value in row.values() {
            rendered
                .try_push(Rendered::of(value))
                .map_err(Failure::from_oom)?;
        }
        let mut rest =
            BVec::try_with_capacity_in(self.columns, alloc.clone()).map_err(Failure::from_oom)?;
        for value in rendered.iter() {
            rest.try_push(value.text(style.null.as_bytes()))
                .map_err(Failure::from_oom)?;
        }
        loop {
            let mut more = false;
            for text in rest.iter_mut() {
                let mut cell = BVec::new_in(alloc.clone());
                let tail = display_line(text, &mut cell).map_err(Failure::from_oom)?;
                self.kept += cell.len() + CELL_OVERHEAD;
                if self.kept > self.budget {
                    return Err(Failure::Message(format!(
                        "the result is too large for .mode {} (more than {} bytes); \
                         .mode list, csv, line, quote, insert and json print rows as they come",
                        style.mode.name(),
                        self.budget
                    )));
                }
                self.cells.try_push(cell).map_err(Failure::from_oom)?;
                more |= tail.is_some();
                *text = tail.unwrap_or(b"");
            }
            self.row_ends.try_push(!more).map_err(Failure::from_oom)?;
            if !more {
                return Ok(());
            }
            self.multiline = true;
        }
    }

    /// Draws what was kept under `names`; nothing when there were no
    /// rows.
    pub fn draw(&self, out: &mut dyn Write, style: &Style, names: &[String]) -> io::Result<()> {
        let columns = self.columns;
        if self.row_ends.is_empty() || columns == 0 {
            return Ok(());
        }
        let mut widths: Vec<usize> = (0..columns)
            .map(|i| names.get(i).map_or(0, |n| chars(n.as_bytes())))
            .collect();
        for line in self.cells.chunks(columns) {
            for (w, cell) in widths.iter_mut().zip(line) {
                *w = (*w).max(chars(cell));
            }
        }
        let name = |i: usize| names.get(i).map_or(&b""[..], |n| n.as_bytes());
        let (start, separator, end) = match style.mode {
            Mode::Column => {
                if style.headers {
                    for (i, &w) in widths.iter().enumerate() {
                        padded(out, name(i), w)?;
                        out.write_all(if i + 1 == columns { b"\n" } else { b"  " })?;
                    }
                    for (i, &w) in widths.iter().enumerate() {
                        repeat(out, "-", w)?;
                        out.write_all(if i + 1 == columns { b"\n" } else { b"  " })?;
                    }
                }
                ("", "  ", "\n")
            }
            Mode::Table => {
                rule(out, &widths, ["+", "+", "+"], "-")?;
                centered(out, &widths, name, ["| ", " | ", " |\n"])?;
                rule(out, &widths, ["+", "+", "+"], "-")?;
                ("| ", " | ", " |\n")
            }
            Mode::Markdown => {
                centered(out, &widths, name, ["| ", " | ", " |\n"])?;
                rule(out, &widths, ["|", "|", "|"], "-")?;
                ("| ", " | ", " |\n")
            }
            _ => {
                rule(out, &widths, ["┌", "┬", "┐"], "─")?;
                centered(out, &widths, name, ["│ ", " │ ", " │\n"])?;
                rule(out, &widths, ["├", "┼", "┤"], "─")?;
                ("│ ", " │ ", " │\n")
            }
        };
        let lines = self.cells.chunks(columns).zip(self.row_ends.iter());
        let count = self.row_ends.len();
        for (n, (line, &row_end)) in lines.enumerate() {
            out.write_all(start.as_bytes())?;
            for (i, (cell, &w)) in line.iter().zip(&widths).enumerate() {
                if i > 0 {
                    out.write_all(separator.as_bytes())?;
                }
                padded(out, cell, w)?;
            }
            out.write_all(end.as_bytes())?;
            if self.multiline && row_end && n + 1 < count {
                match style.mode {
                    Mode::Table => rule(out, &widths, ["+", "+", "+"], "-")?,
                    Mode::Box => rule(out, &widths, ["├", "┼", "┤"], "─")?,
                    Mode::Column => out.write_all(b"\n")?,
                    _ => {}
                }
            }
        }
        match style.mode {
            Mode::Table => rule(out, &widths, ["+", "+", "+"], "-"),
            Mode::Box => rule(out, &widths, ["└", "┴", "┘"], "─"),
            _ => Ok(()),
        }
    }
}

/// Writes the first display line of `text` into `line` (a tab expanded
/// to spaces); returns the rest of the text, if another line follows.
fn display_line<'t, A: Allocator>(
    text: &'t [u8],
    line: &mut BVec<u8, A>,
) -> Result<Option<&'t [u8]>, OutOfMemory> {
    const SPACES: &[u8; 8] = b"        ";
    let mut column = 0usize;
    let mut i = 0;
    let mut start = 0;
    while let Some(&byte) = text.get(i) {
        if byte >= b' ' {
            column += 1;
            i += 1;
            while text.get(i).is_some_and(|&b| b & 0xc0 == 0x80) {
                i += 1;
            }
        } else if byte == b'\t' {
            line.try_extend_from_slice(text.get(start..i).unwrap_or(b""))?;
            let spaces = 8 - column % 8;
            column += spaces;
            line.try_extend_from_slice(SPACES.get(..spaces).unwrap_or(SPACES))?;
            i += 1;
            start = i;
        } else {
            break;
        }
    }
    line.try_extend_from_slice(text.get(start..i).unwrap_or(b""))?;
    let after = |n: usize| text.get(i + n..).filter(|rest| !rest.is_empty());
    Ok(match (text.get(i), text.get(i + 1)) {
        (None, _) => None,
        (Some(b'\r'), Some(b'\n')) => after(2),
        _ => after(1),
    })
}

/// The width of `bytes` as `sqlite3` counts it.
fn chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b & 0xc0 != 0x80).count()
}

/// Writes `piece` `n` times.
fn repeat(out: &mut dyn Write, piece: &str, n: usize) -> io::Result<()> {
    for _ in 0..n {
        out.write_all(piece.as_bytes())?;
    }
    Ok(())
}

/// Writes `text` padded with spaces to `width`.
fn padded(out: &mut dyn Write, text: &[u8], width: usize) -> io::Result<()> {
    out.write_all(text)?;
    repeat(out, " ", width.saturating_sub(chars(text)))
}

/// A rule: `ends[0]`, then `line` over each column's width plus two,
/// joined by `ends[1]`, then `ends[2]`.
fn rule(out: &mut dyn Write, widths: &[usize], ends: [&str; 3], line: &str) -> io::Result<()> {
    let [left, middle, right] = ends;
    out.write_all(left.as_bytes())?;
    for (i, &w) in widths.iter().enumerate() {
        if i > 0 {
            out.write_all(middle.as_bytes())?;
        }
        repeat(out, line, w + 2)?;
    }
    out.write_all(right.as_bytes())?;
    out.write_all(b"\n")
}

/// The header line of `table`, `markdown` and `box`: each name centred
/// (an odd space goes right), between `parts`' start, separator and end.
fn centered<'n>(
    out: &mut dyn Write,
    widths: &[usize],
    name: impl Fn(usize) -> &'n [u8],
    parts: [&str; 3],
) -> io::Result<()> {
    let [start, separator, end] = parts;
    out.write_all(start.as_bytes())?;
    for (i, &w) in widths.iter().enumerate() {
        if i > 0 {
            out.write_all(separator.as_bytes())?;
        }
        let text = name(i);
        let spare = w.saturating_sub(chars(text));
        repeat(out, " ", spare / 2)?;
        out.write_all(text)?;
        repeat(out, " ", spare - spare / 2)?;
    }
    out.write_all(end.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::{Columnar, display_line};
    use crate::modes::{Mode, Style};
    use crate::shell::Failure;
    use boundlite::Config;
    use boundlite::alloc::Global;
    use boundlite::alloc::Vec as BVec;
    use boundlite_std::open_with;

    fn line(text: &[u8]) -> (Vec<u8>, Option<&[u8]>) {
        let mut out = BVec::new_in(Global);
        let tail = display_line(text, &mut out).unwrap();
        (out.to_vec(), tail)
    }

    #[test]
    fn display_lines() {
        assert_eq!(line(b"tab\tx"), (b"tab     x".to_vec(), None));
        assert_eq!(line(b"two\nlines"), (b"two".to_vec(), Some(&b"lines"[..])));
        assert_eq!(line(b"a\r\nb"), (b"a".to_vec(), Some(&b"b"[..])));
        assert_eq!(line(b"end\n"), (b"end".to_vec(), None));
        assert_eq!(line(b""), (Vec::new(), None));
    }

    /// Past its budget a columnar mode stops keeping rows with an error
    /// that names the mode.
    #[test]
    fn a_result_past_the_budget_is_refused() {
        let db = open_with(":memory:", &Config::DEFAULT).unwrap();
        let conn = db.connect();
        let style = Style {
            mode: Mode::Table,
            ..Style::default()
        };
        let mut columnar = Columnar::new(Global, 200);
        let mut stmt = conn
            .prepare("SELECT 'a row of some length' FROM (VALUES (1), (2), (3), (4), (5))")
            .unwrap();
        let mut refused = None;
        while let Some(row) = stmt.step().unwrap() {
            if let Err(Failure::Message(message)) = columnar.keep(&row, &style) {
                refused = Some(message);
                break;
            }
        }
        let message = refused.expect("the budget was never reached");
        assert!(
            message.starts_with("the result is too large for .mode table (more than 200 bytes)"),
            "{message}"
        );
    }
}
