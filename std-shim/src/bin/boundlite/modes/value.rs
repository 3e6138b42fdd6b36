//! One value of a result row as `sqlite3`'s shell shows it: as text
//! (`sqlite3_column_text`, cut at the first NUL byte as the shell's C
//! strings are), or as an SQL literal (`quote`, `insert`, `.dump`).
//!
//! Invariant: nothing here copies a value; text is borrowed from the row
//! and numbers are rendered into stack buffers.

use std::io::{self, Write};

use boundlite::record::ValueRef;
use boundlite::sql::Keyword;
use boundlite::sql::eval::NumText;

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

    /// The value as SQLite's text rendering, up to its first NUL byte as
    /// `sqlite3` prints it; NULL is `null`.
    pub fn text<'a>(&'a self, null: &'a [u8]) -> &'a [u8] {
        match self {
            Rendered::Null => null,
            Rendered::Number(n) => n.as_bytes(),
            Rendered::Text(b) | Rendered::Blob(b) => c_string(b),
        }
    }
}

/// `bytes` up to its first NUL, as a C string holding them reads.
pub fn c_string(bytes: &[u8]) -> &[u8] {
    match bytes.iter().position(|&b| b == 0) {
        Some(end) => bytes.get(..end).unwrap_or(bytes),
        None => bytes,
    }
}

/// Which of `sqlite3`'s two ways of writing literals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Literals {
    /// `quote` mode: line breaks stay in text literals; every real is
    /// written with 20 significant digits.
    Quote,
    /// `insert` mode and `.dump`: line breaks are spelled `\n`/`\r`
    /// inside `replace(...)` calls that restore them, so each literal
    /// stays on one line; an integral real is written `N.0`.
    Insert,
}

/// Writes `value` as an SQL literal, as `sqlite3`'s `quote` and `insert`
/// modes do.
pub fn write_literal(out: &mut dyn Write, value: ValueRef<'_>, style: Literals) -> io::Result<()> {
    match value {
        ValueRef::Null => out.write_all(b"NULL"),
        ValueRef::Integer(i) => write!(out, "{i}"),
        ValueRef::Real(r) => write_real_literal(out, r, style),
        ValueRef::Text(t) => match style {
            Literals::Quote => write_quoted(out, c_string(t)),
            Literals::Insert => write_quoted_escaped(out, c_string(t)),
        },
        ValueRef::Blob(b) => {
            out.write_all(b"X'")?;
            for byte in b {
                write!(out, "{byte:02x}")?;
            }
            out.write_all(b"'")
        }
    }
}

/// A real as `sqlite3` writes it in a literal: infinities as `1e999`; in
/// `insert` literals an integral value within `i64` as `N.0`; any other
/// in `%!.20g`'s form (20 significant digits, `%g`'s fixed or exponent
/// form, trailing zeros dropped but one), here with the exact decimal
/// expansion's digits, which read back as the same double.
///
/// SQLite's own digits past the 17th differ from version to version
/// (3.40 computes them in x87 `long double`, 3.43 in double-double, 3.54
/// by another method keeping 18 or 19), none of them exact: such reals
/// are the one place `quote`, `insert` and `.dump` can differ from a
/// given `sqlite3`'s bytes; all read back as the same double.
fn write_real_literal(out: &mut dyn Write, r: f64, style: Literals) -> io::Result<()> {
    if r == f64::INFINITY {
        return out.write_all(b"1e999");
    }
    if r == f64::NEG_INFINITY {
        return out.write_all(b"-1e999");
    }
    // A C cast of a double outside i64's range is not the same number, so
    // only doubles inside it take this form, as in `sqlite3`.
    if style == Literals::Insert
        && (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&r)
        && r == r.trunc()
    {
        // In range and integral: the cast is exact.
        #[allow(clippy::cast_possible_truncation)]
        let i = r as i64;
        return write!(out, "{i}.0");
    }
    let exact = format!("{:.19e}", r.abs());
    let (mantissa, exponent) = exact.split_once('e').unwrap_or((exact.as_str(), "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    if r.is_sign_negative() {
        out.write_all(b"-")?;
    }
    let significant = digits.trim_end_matches('0');
    if !(-4..20).contains(&exponent) {
        let (first, rest) = significant.split_at(significant.len().min(1));
        let rest = if rest.is_empty() { "0" } else { rest };
        let sign = if exponent < 0 { '-' } else { '+' };
        return write!(out, "{first}.{rest}e{sign}{:02}", exponent.unsigned_abs());
    }
    if let Ok(whole) = usize::try_from(exponent) {
        let (int, frac) = digits.split_at((whole + 1).min(digits.len()));
        let frac = frac.trim_end_matches('0');
        let frac = if frac.is_empty() { "0" } else { frac };
        write!(out, "{int}.{frac}")
    } else {
        let zeros = exponent.unsigned_abs().saturating_sub(1) as usize;
        write!(out, "0.{}{significant}", "0".repeat(zeros))
    }
}

/// Writes `text` between single quotes, a quote doubled.
pub fn write_quoted(out: &mut dyn Write, text: &[u8]) -> io::Result<()> {
    out.write_all(b"'")?;
    for (i, part) in text.split(|&b| b == b'\'').enumerate() {
        if i > 0 {
            out.write_all(b"''")?;
        }
        out.write_all(part)?;
    }
    out.write_all(b"'")
}

/// Writes `text` as `sqlite3`'s `output_quoted_escaped_string` does: a
/// plain literal when it has no line break, else the literal with `\n`
/// (`\r`) standing for them inside `replace(..., '\n', char(10))`, with
/// another spelling when the text holds `\n` itself.
fn write_quoted_escaped(out: &mut dyn Write, text: &[u8]) -> io::Result<()> {
    let has_nl = text.contains(&b'\n');
    let has_cr = text.contains(&b'\r');
    if !has_nl && !has_cr {
        return write_quoted(out, text);
    }
    let nl = has_nl.then(|| unused_marker(text, "\\n", "\\012"));
    let cr = has_cr.then(|| unused_marker(text, "\\r", "\\015"));
    if nl.is_some() {
        out.write_all(b"replace(")?;
    }
    if cr.is_some() {
        out.write_all(b"replace(")?;
    }
    out.write_all(b"'")?;
    for &byte in text {
        match byte {
            b'\'' => out.write_all(b"''")?,
            b'\n' => out.write_all(nl.as_deref().unwrap_or("\\n").as_bytes())?,
            b'\r' => out.write_all(cr.as_deref().unwrap_or("\\r").as_bytes())?,
            other => out.write_all(&[other])?,
        }
    }
    out.write_all(b"'")?;
    if let Some(cr) = &cr {
        write!(out, ",'{cr}',char(13))")?;
    }
    if let Some(nl) = &nl {
        write!(out, ",'{nl}',char(10))")?;
    }
    Ok(())
}

/// The first of `first`, `second`, `(1)`, `(2)`, ... that `text` does
/// not contain (`sqlite3`'s `unused_string`).
fn unused_marker(text: &[u8], first: &str, second: &str) -> String {
    let holds = |m: &str| text.windows(m.len()).any(|w| w == m.as_bytes());
    if !holds(first) {
        return first.to_string();
    }
    if !holds(second) {
        return second.to_string();
    }
    (1u64..)
        .map(|i| format!("({i})"))
        .find(|m| !holds(m))
        .unwrap_or_default()
}

/// Writes `name` as `sqlite3` writes a name into SQL: bare when it is a
/// letter or `_` followed by letters, digits and `_` and is no keyword,
/// else in double quotes (`"` doubled).
pub fn write_name(out: &mut dyn Write, name: &str) -> io::Result<()> {
    if needs_quotes(name) {
        out.write_all(b"\"")?;
        out.write_all(name.replace('"', "\"\"").as_bytes())?;
        out.write_all(b"\"")
    } else {
        out.write_all(name.as_bytes())
    }
}

/// Whether `name` needs quoting (`sqlite3`'s `quoteChar`).
fn needs_quotes(name: &str) -> bool {
    let mut bytes = name.bytes();
    let plain_start = bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_');
    if !plain_start || !bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return true;
    }
    // SQLite's keyword check also knows the three words boundlite's lexer
    // reads as names.
    Keyword::lookup(name).is_some()
        || ["WINDOW", "OVER", "FILTER"]
            .iter()
            .any(|k| k.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::{Literals, Rendered, write_literal, write_name};
    use boundlite::record::ValueRef;

    fn literal(value: ValueRef<'_>) -> String {
        let mut out = Vec::new();
        write_literal(&mut out, value, Literals::Insert).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn literals() {
        assert_eq!(literal(ValueRef::Real(2.5)), "2.5");
        assert_eq!(literal(ValueRef::Real(-3.0)), "-3.0");
        assert_eq!(literal(ValueRef::Real(1e20)), "1.0e+20");
        assert_eq!(literal(ValueRef::Real(f64::INFINITY)), "1e999");
        assert_eq!(literal(ValueRef::Text(b"it's")), "'it''s'");
        assert_eq!(
            literal(ValueRef::Text(b"a\nb\\nc\r")),
            "replace(replace('a\\012b\\nc\\r','\\r',char(13)),'\\012',char(10))"
        );
        assert_eq!(literal(ValueRef::Blob(b"\x00\xff")), "X'00ff'");
    }

    #[test]
    fn names_and_text() {
        let name = |n: &str| {
            let mut out = Vec::new();
            write_name(&mut out, n).unwrap();
            String::from_utf8(out).unwrap()
        };
        assert_eq!(name("t_1"), "t_1");
        assert_eq!(name("table"), "\"table\"");
        assert_eq!(name("odd \"name\""), "\"odd \"\"name\"\"\"");
        assert_eq!(name("1x"), "\"1x\"");
        assert_eq!(Rendered::of(ValueRef::Blob(b"ab\0c")).text(b""), b"ab");
        assert_eq!(Rendered::of(ValueRef::Null).text(b"NIL"), b"NIL");
    }
}
