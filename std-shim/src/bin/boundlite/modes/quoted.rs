//! The modes that write SQL literals: `quote` (rows of literals) and
//! `insert` (one `INSERT` statement per row, as `.dump` writes them).

use std::io::Write;

use boundlite::Row;
use boundlite::alloc::Allocator;

use super::value::{Literals, write_literal, write_name, write_quoted};
use super::{Mode, Style, header_line};
use crate::shell::Failure;

/// One row of `quote` or `insert`, with the header `sqlite3` writes when
/// headers are on: a line of quoted names before the first `quote` row,
/// a column list in each `INSERT`.
pub fn row<R: Allocator>(
    out: &mut dyn Write,
    style: &Style,
    names: &[String],
    first: bool,
    row: &Row<'_, R>,
) -> Result<(), Failure> {
    if style.mode == Mode::Insert {
        return insert_row(
            out,
            &style.insert_table,
            style.headers.then_some(names),
            row,
        );
    }
    let separator = style.column_separator.as_bytes();
    if first && style.headers {
        header_line(out, style, names, &write_quoted)?;
    }
    for (i, value) in row.values().enumerate() {
        if i > 0 {
            out.write_all(separator)?;
        }
        write_literal(out, value, Literals::Quote)?;
    }
    out.write_all(style.row_separator.as_bytes())?;
    Ok(())
}

/// `INSERT INTO table[(names)] VALUES(...);` for `row`; `table` is
/// written as given (already quoted where SQL needs it).
pub fn insert_row<R: Allocator>(
    out: &mut dyn Write,
    table: &str,
    names: Option<&[String]>,
    row: &Row<'_, R>,
) -> Result<(), Failure> {
    write!(out, "INSERT INTO {table}")?;
    if let Some(names) = names {
        out.write_all(b"(")?;
        for (i, name) in names.iter().enumerate() {
            if i > 0 {
                out.write_all(b",")?;
            }
            write_name(out, name)?;
        }
        out.write_all(b")")?;
    }
    for (i, value) in row.values().enumerate() {
        out.write_all(if i > 0 { b"," } else { b" VALUES(" })?;
        write_literal(out, value, Literals::Insert)?;
    }
    out.write_all(b");\n")?;
    Ok(())
}
