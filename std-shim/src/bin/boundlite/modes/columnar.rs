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
use boundlite::alloc::{Allocator, Vec as BVec};

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
    /// The bytes counted against [`BUDGET`].
    kept: usize,
}

impl<A: Allocator + Clone> Columnar<A> {
    /// Nothing kept yet; the text will live in `alloc`.
    pub fn new(alloc: A) -> Self {
        Columnar {
            cells: BVec::new_in(alloc.clone()),
            row_ends: BVec::new_in(alloc),
            columns: 0,
            multiline: false,
            kept: 0,
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
                let (line, tail) = display_line(text);
                self.kept += line.len() + CELL_OVERHEAD;
                if self.kept > BUDGET {
                    return Err(Failure::Message(format!(
                        "the result is too large for .mode {} (more than {BUDGET} bytes); \
                         .mode list, csv, line, quote, insert and json print rows as they come",
                        style.mode.name()
                    )));
                }
                let mut cell = BVec::try_with_capacity_in(line.len(), alloc.clone())
                    .map_err(Failure::from_oom)?;
                for piece in line {
                    cell.try_extend_from_slice(piece.bytes())
                        .map_err(Failure::from_oom)?;
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

/// The first display line of `text` (its pieces, a tab expanded to
/// spaces) and the rest of the text, if another line follows.
fn display_line(text: &[u8]) -> (Vec<Piece<'_>>, Option<&[u8]>) {
    let mut pieces = Vec::new();
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
            pieces.push(Piece::Text(text.get(start..i).unwrap_or(b"")));
            let spaces = 8 - column % 8;
            column += spaces;
            pieces.push(Piece::Spaces(spaces));
            i += 1;
            start = i;
        } else {
            break;
        }
    }
    pieces.push(Piece::Text(text.get(start..i).unwrap_or(b"")));
    let after = |n: usize| text.get(i + n..).filter(|rest| !rest.is_empty());
    let tail = match (text.get(i), text.get(i + 1)) {
        (None, _) => None,
        (Some(b'\r'), Some(b'\n')) => after(2),
        _ => after(1),
    };
    (pieces, tail)
}

/// A part of a display line.
enum Piece<'t> {
    /// Bytes of the value.
    Text(&'t [u8]),
    /// The spaces a tab became.
    Spaces(usize),
}

impl Piece<'_> {
    fn bytes(&self) -> &[u8] {
        const SPACES: &[u8; 8] = b"        ";
        match self {
            Piece::Text(t) => t,
            Piece::Spaces(n) => SPACES.get(..*n).unwrap_or(SPACES),
        }
    }
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
    use super::display_line;

    fn line(text: &[u8]) -> (Vec<u8>, Option<&[u8]>) {
        let (pieces, tail) = display_line(text);
        (
            pieces.iter().flat_map(|p| p.bytes().to_vec()).collect(),
            tail,
        )
    }

    #[test]
    fn display_lines() {
        assert_eq!(line(b"tab\tx"), (b"tab     x".to_vec(), None));
        assert_eq!(line(b"two\nlines"), (b"two".to_vec(), Some(&b"lines"[..])));
        assert_eq!(line(b"a\r\nb"), (b"a".to_vec(), Some(&b"b"[..])));
        assert_eq!(line(b"end\n"), (b"end".to_vec(), None));
        assert_eq!(line(b""), (Vec::new(), None));
    }
}
