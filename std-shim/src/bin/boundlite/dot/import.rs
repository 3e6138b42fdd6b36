//! `.import [--csv] [--skip N] FILE TABLE`: CSV rows into a table, as
//! `sqlite3` imports them.
//!
//! - Fields are separated by `,` with `--csv` or in `csv` mode, else by
//!   the column separator (one byte; `|` in `list` mode); rows end at
//!   line ends. Quoting follows `csv`'s reader.
//! - `--skip N` drops the first N records.
//! - When TABLE does not exist, the next record names its columns: the
//!   table is created with those names, each of type `TEXT`, as
//!   `CREATE TABLE "TABLE"(\n"a" TEXT, "b" TEXT)`. A header naming a
//!   column twice or with no name is refused (`sqlite3` renames them).
//! - Each record is one `INSERT` of its fields as text; a short record is
//!   filled with NULL and a long one cut, with `sqlite3`'s warnings on
//!   stderr; a failed `INSERT` is reported and the import goes on. The
//!   rows go in one transaction when none is open.
//!
//! Refused: `--ascii`, `--schema`, `-v` and reading from a command
//! (`|cmd`).

use std::fs::File;
use std::io::BufReader;

use boundlite::record::ValueRef;
use boundlite::schema::EntryKind;

use super::csv::{CsvReader, End};
use crate::modes::Mode;
use crate::shell::{Heap, Shell, describe};

/// What `.import`'s arguments ask for.
struct Request<'a> {
    csv: bool,
    skip: usize,
    file: &'a str,
    table: &'a str,
}

/// Parses `.import`'s arguments.
fn request<'a>(args: &[&'a str]) -> Result<Request<'a>, String> {
    let mut csv = false;
    let mut skip = 0;
    let mut positional = Vec::new();
    let mut args = args.iter();
    while let Some(&arg) = args.next() {
        match arg {
            "--csv" | "-csv" => csv = true,
            "--skip" | "-skip" => {
                let n = args.next().ok_or("missing argument to --skip")?;
                skip = n
                    .parse()
                    .map_err(|_| format!("not a number of records for --skip: \"{n}\""))?;
            }
            option if option.starts_with('-') => {
                return Err(format!(".import option {option} is not supported"));
            }
            file if file.starts_with('|') => {
                return Err(format!(
                    ".import from a command (\"{file}\") is not supported"
                ));
            }
            other => positional.push(other),
        }
    }
    match positional.as_slice() {
        [file, table] => Ok(Request {
            csv,
            skip,
            file,
            table,
        }),
        _ => Err("Usage: .import [--csv] [--skip N] FILE TABLE".into()),
    }
}

/// `name` in double quotes, `"` doubled.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl<A: Heap> Shell<'_, A> {
    /// `.import ARGS`.
    pub(super) fn import(&mut self, args: &[&str]) -> Result<(), String> {
        let request = request(args)?;
        let separator = if request.csv || self.style.mode == Mode::Csv {
            b','
        } else {
            match self.style.column_separator.as_bytes() {
                [byte] => *byte,
                _ => {
                    return Err("multi-character column separators not allowed for import".into());
                }
            }
        };
        let file = File::open(request.file)
            .map_err(|e| format!("cannot open \"{}\": {e}", request.file))?;
        let mut reader = CsvReader::new(BufReader::new(file), request.file, separator);
        let io_error = |e: std::io::Error| format!("cannot read \"{}\": {e}", request.file);
        for _ in 0..request.skip {
            while reader.read_field().map_err(io_error)? && reader.end == End::Column {}
        }
        let columns = match self.table_width(request.table)? {
            Some(columns) => columns,
            None => self.create_from_header(&mut reader, &request)?,
        };
        let marks = vec!["?"; columns].join(",");
        let insert = format!("INSERT INTO {} VALUES({marks})", quoted(request.table));
        let begin = !self.conn.in_transaction();
        if begin {
            self.conn.execute("BEGIN", &[]).map_err(|e| describe(&e))?;
        }
        let result = self.import_rows(&mut reader, &request, &insert, columns);
        if begin {
            let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
            self.conn.execute(end, &[]).map_err(|e| describe(&e))?;
        }
        result
    }

    /// The number of columns of table `name`; `None` when there is no
    /// such table.
    fn table_width(&self, name: &str) -> Result<Option<usize>, String> {
        let schema = self.db.schema().map_err(|e| describe(&e))?;
        let exists = schema
            .entries()
            .iter()
            .any(|e| e.kind == EntryKind::Table && e.name.eq_ignore_ascii_case(name));
        if !exists {
            return Ok(None);
        }
        let pragma = format!("PRAGMA table_info({})", quoted(name));
        let mut stmt = self.conn.prepare(&pragma).map_err(|e| describe(&e))?;
        let mut columns = 0;
        while stmt.step().map_err(|e| describe(&e))?.is_some() {
            columns += 1;
        }
        Ok(Some(columns))
    }

    /// Creates the table `request` names with the next record's fields
    /// as its columns; their number.
    fn create_from_header(
        &mut self,
        reader: &mut CsvReader<BufReader<File>>,
        request: &Request<'_>,
    ) -> Result<usize, String> {
        let mut names: Vec<String> = Vec::new();
        loop {
            if !reader
                .read_field()
                .map_err(|e| format!("cannot read \"{}\": {e}", request.file))?
            {
                break;
            }
            let name = String::from_utf8_lossy(&reader.field).into_owned();
            if name.is_empty() {
                return Err(format!(
                    ".import: column {} of the header of \"{}\" has no name (not supported)",
                    names.len() + 1,
                    request.file
                ));
            }
            if names.iter().any(|n| n.eq_ignore_ascii_case(&name)) {
                return Err(format!(
                    ".import: the header of \"{}\" names column \"{name}\" twice (not supported)",
                    request.file
                ));
            }
            names.push(name);
            if reader.end != End::Column {
                break;
            }
        }
        if names.is_empty() {
            return Err(format!(
                "\"{}\" is empty: no header line to name the columns",
                request.file
            ));
        }
        let columns: Vec<String> = names
            .iter()
            .map(|n| format!("{} TEXT", quoted(n)))
            .collect();
        let create = format!(
            "CREATE TABLE {}(\n{})",
            quoted(request.table),
            columns.join(", ")
        );
        self.conn.execute(&create, &[]).map_err(|e| describe(&e))?;
        Ok(names.len())
    }

    /// Inserts every remaining record; the first failed `INSERT` makes
    /// the result an error, after the others were tried.
    fn import_rows(
        &mut self,
        reader: &mut CsvReader<BufReader<File>>,
        request: &Request<'_>,
        insert: &str,
        columns: usize,
    ) -> Result<(), String> {
        let io_error = |e: std::io::Error| format!("cannot read \"{}\": {e}", request.file);
        let mut stmt = self.conn.prepare(insert).map_err(|e| describe(&e))?;
        let mut failed = None;
        loop {
            let start_line = reader.line;
            let mut found = 0;
            let mut complete = true;
            stmt.clear_bindings();
            for i in 0..columns {
                let read = reader.read_field().map_err(io_error)?;
                if !read && i == 0 {
                    complete = false;
                    break;
                }
                found = i + 1;
                if read {
                    let text = ValueRef::Text(&reader.field);
                    stmt.bind(i + 1, text).map_err(|e| describe(&e))?;
                }
                if i + 1 < columns && reader.end != End::Column {
                    eprintln!(
                        "{}:{start_line}: expected {columns} columns but found {found} - \
                         filling the rest with NULL",
                        request.file
                    );
                    break;
                }
            }
            if reader.end == End::Column {
                while reader.end == End::Column {
                    reader.read_field().map_err(io_error)?;
                    found += 1;
                }
                eprintln!(
                    "{}:{start_line}: expected {columns} columns but found {found} - extras ignored",
                    request.file
                );
            }
            if complete {
                let stepped = stmt.step().map(|_| ());
                stmt.reset();
                if let Err(e) = stepped {
                    eprintln!("{}:{start_line}: INSERT failed: {e}", request.file);
                    failed.get_or_insert_with(|| describe(&e));
                }
            }
            if reader.end == End::Input {
                break;
            }
        }
        match failed {
            None => Ok(()),
            Some(message) => Err(format!("{}: {message}", request.file)),
        }
    }
}
