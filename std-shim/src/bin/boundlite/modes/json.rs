//! `json` mode: a JSON array of objects, one per row, keyed by column
//! name.

use std::io::{self, Write};

use boundlite::Row;
use boundlite::alloc::Allocator;

use super::value::Rendered;
use crate::shell::Failure;

/// One row as a JSON object, after `[` for the first and `,\n` for the
/// others (the printer closes the array).
pub fn row<R: Allocator>(
    out: &mut dyn Write,
    names: &[String],
    first: bool,
    row: &Row<'_, R>,
) -> Result<(), Failure> {
    out.write_all(if first { b"[{" } else { b",\n{" })?;
    for (i, value) in row.values().map(Rendered::of).enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        let name = names.get(i).map_or("", String::as_str);
        write_json_string(out, name.as_bytes())?;
        out.write_all(b":")?;
        match &value {
            Rendered::Null => out.write_all(b"null")?,
            Rendered::Number(n) => out.write_all(json_number(n.as_bytes()))?,
            Rendered::Text(b) | Rendered::Blob(b) => write_json_string(out, b)?,
        }
    }
    out.write_all(b"}")?;
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::write_json_string;

    #[test]
    fn invalid_utf8_is_replaced_without_a_copy() {
        let mut out = Vec::new();
        write_json_string(&mut out, b"a\xffb\"").unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "\"a\u{fffd}b\\\"\"");
    }
}
