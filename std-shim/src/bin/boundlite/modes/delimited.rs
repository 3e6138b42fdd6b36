//! The modes that write each row as it comes: `list` (and `tabs`),
//! `csv` and `line`.

use std::io::{self, Write};

use boundlite::Row;
use boundlite::alloc::Allocator;

use super::value::Rendered;
use super::{Style, header_line};
use crate::shell::Failure;

/// One row of `list` or `csv`, after the header line when it is the
/// first and headers are on.
pub fn row<R: Allocator>(
    out: &mut dyn Write,
    style: &Style,
    names: &[String],
    first: bool,
    row: &Row<'_, R>,
) -> Result<(), Failure> {
    let csv = style.mode == super::Mode::Csv;
    let separator = style.column_separator.as_bytes();
    let write = |out: &mut dyn Write, bytes: &[u8]| {
        if csv {
            write_csv_field(out, bytes, separator)
        } else {
            out.write_all(bytes)
        }
    };
    if first && style.headers {
        header_line(out, style, names, &write)?;
    }
    for (i, value) in row.values().enumerate() {
        if i > 0 {
            out.write_all(separator)?;
        }
        match Rendered::of(value) {
            // NULL is the null text, never quoted.
            Rendered::Null => out.write_all(style.null.as_bytes())?,
            value => write(out, value.text(b""))?,
        }
    }
    out.write_all(style.row_separator.as_bytes())?;
    Ok(())
}

/// One row of `line`: `name = value` lines, the names right-aligned to
/// the longest (at least 5 bytes), rows after the first preceded by the
/// row separator.
pub fn line_row<R: Allocator>(
    out: &mut dyn Write,
    style: &Style,
    names: &[String],
    first: bool,
    row: &Row<'_, R>,
) -> Result<(), Failure> {
    let width = names.iter().map(String::len).max().unwrap_or(0).max(5);
    if !first {
        out.write_all(style.row_separator.as_bytes())?;
    }
    for (i, value) in row.values().enumerate() {
        let name = names.get(i).map_or("", String::as_str);
        let pad = width.saturating_sub(name.len());
        write!(out, "{:pad$}{name} = ", "")?;
        out.write_all(Rendered::of(value).text(style.null.as_bytes()))?;
        out.write_all(style.row_separator.as_bytes())?;
    }
    Ok(())
}

/// Whether `byte` makes a CSV field quoted (`sqlite3`'s `needCsvQuote`):
/// control characters and space, `"`, `'`, DEL and every non-ASCII byte.
fn needs_csv_quote(byte: u8) -> bool {
    byte <= b' ' || byte == b'"' || byte == b'\'' || byte >= 0x7f
}

/// Writes a CSV field as `sqlite3` does: quoted (a quote doubled) when it
/// is empty, holds the column separator or a byte of [`needs_csv_quote`].
pub fn write_csv_field(out: &mut dyn Write, bytes: &[u8], separator: &[u8]) -> io::Result<()> {
    let holds_separator =
        !separator.is_empty() && bytes.windows(separator.len()).any(|w| w == separator);
    let quote = bytes.is_empty() || holds_separator || bytes.iter().any(|&b| needs_csv_quote(b));
    if !quote {
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

#[cfg(test)]
mod tests {
    use super::write_csv_field;

    fn csv(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        write_csv_field(&mut out, bytes, b",").unwrap();
        out
    }

    #[test]
    fn csv_quotes_what_sqlite3_quotes() {
        assert_eq!(csv(b"plain"), b"plain");
        assert_eq!(csv(b"a,b"), b"\"a,b\"");
        assert_eq!(csv(b"a b"), b"\"a b\"");
        assert_eq!(csv(b""), b"\"\"");
        assert_eq!(csv(b"say \"hi\""), b"\"say \"\"hi\"\"\"");
        assert_eq!(csv(b"two\nlines"), b"\"two\nlines\"");
        assert_eq!(csv(b"a;b|c"), b"a;b|c");
    }
}
