//! sqllogictest files (`tests/slt/*.slt`) run on boundlite and, as a
//! check of the expected results themselves, on SQLite.
//!
//! A small runner for the subset of the format the files use:
//! - `statement ok` / `statement error [text]`, then the SQL up to a blank
//!   line (the error's message must contain `text`, when given);
//! - `query <types> [nosort|rowsort|valuesort]`, then the SQL, `----`,
//!   and one line per row, columns separated by one space: `NULL`,
//!   `(empty)` for an empty string, integers, reals with three decimals
//!   (`R`), text as is;
//! - `skipif <engine>` / `onlyif <engine>` before a record, the engines
//!   being `boundlite` and `sqlite`; `#` starts a comment line.
//!
//! Each file runs on a fresh database: boundlite's in memory, SQLite's a
//! temporary file in WAL mode.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};

use boundlite::alloc::Global;
use boundlite::platform::MemoryPlatform;
use boundlite::record::ValueRef;
use boundlite::{Config, Database};
use rusqlite::types::ValueRef as SqliteRef;

/// One value, as a result line shows it.
fn show(value: Shown<'_>, ty: char) -> String {
    match value {
        Shown::Null => "NULL".into(),
        Shown::Int(i) if ty == 'R' => format!("{:.3}", i as f64),
        Shown::Int(i) => i.to_string(),
        Shown::Real(r) if ty == 'I' => format!("{}", r as i64),
        Shown::Real(r) => format!("{r:.3}"),
        Shown::Text([]) => "(empty)".into(),
        Shown::Text(t) => String::from_utf8_lossy(t).into_owned(),
        Shown::Blob(b) => b.iter().map(|x| format!("{x:02X}")).collect(),
    }
}

/// A value of either engine.
enum Shown<'v> {
    Null,
    Int(i64),
    Real(f64),
    Text(&'v [u8]),
    Blob(&'v [u8]),
}

/// A database the runner talks to.
trait Engine {
    /// The name `skipif`/`onlyif` use.
    fn name(&self) -> &'static str;
    /// Runs one statement; its rows, each value shown as type `types[i]`.
    fn run(&mut self, sql: &str, types: &str) -> Result<Vec<Vec<String>>, String>;
}

struct Boundlite<'c, 'd> {
    conn: boundlite::Connection<'c, &'d MemoryPlatform, Global>,
}

impl Engine for Boundlite<'_, '_> {
    fn name(&self) -> &'static str {
        "boundlite"
    }

    fn run(&mut self, sql: &str, types: &str) -> Result<Vec<Vec<String>>, String> {
        let mut stmt = self.conn.prepare(sql).map_err(|e| e.to_string())?;
        let mut rows = Vec::new();
        while let Some(row) = stmt.step().map_err(|e| e.to_string())? {
            let values = row.values().enumerate().map(|(i, v)| {
                let ty = types.chars().nth(i).unwrap_or('T');
                show(
                    match v {
                        ValueRef::Null => Shown::Null,
                        ValueRef::Integer(i) => Shown::Int(i),
                        ValueRef::Real(r) => Shown::Real(r),
                        ValueRef::Text(t) => Shown::Text(t),
                        ValueRef::Blob(b) => Shown::Blob(b),
                    },
                    ty,
                )
            });
            rows.push(values.collect());
        }
        Ok(rows)
    }
}

struct Sqlite(rusqlite::Connection);

impl Engine for Sqlite {
    fn name(&self) -> &'static str {
        "sqlite"
    }

    fn run(&mut self, sql: &str, types: &str) -> Result<Vec<Vec<String>>, String> {
        let mut stmt = self.0.prepare(sql).map_err(|e| e.to_string())?;
        let n = stmt.column_count();
        let mut rows = stmt.query([]).map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(|e| e.to_string())? {
            let values = (0..n).map(|i| {
                let ty = types.chars().nth(i).unwrap_or('T');
                show(
                    match row.get_ref(i).unwrap() {
                        SqliteRef::Null => Shown::Null,
                        SqliteRef::Integer(i) => Shown::Int(i),
                        SqliteRef::Real(r) => Shown::Real(r),
                        SqliteRef::Text(t) => Shown::Text(t),
                        SqliteRef::Blob(b) => Shown::Blob(b),
                    },
                    ty,
                )
            });
            out.push(values.collect());
        }
        Ok(out)
    }
}

/// Runs the records of `script` (from `file`) on `engine`.
fn run_script(file: &Path, script: &str, engine: &mut dyn Engine) -> usize {
    let lines: Vec<&str> = script.lines().collect();
    let mut i = 0;
    let mut records = 0;
    while i < lines.len() {
        let line = lines[i].trim_end();
        if line.trim().is_empty() || line.starts_with('#') {
            i += 1;
            continue;
        }
        let at = format!("{}:{}", file.display(), i + 1);
        let mut skip = false;
        let mut header = line;
        while let Some(cond) = header
            .strip_prefix("skipif ")
            .map(|e| (e, true))
            .or_else(|| header.strip_prefix("onlyif ").map(|e| (e, false)))
        {
            let (name, skip_if) = cond;
            if (name.trim() == engine.name()) == skip_if {
                skip = true;
            }
            i += 1;
            header = lines[i].trim_end();
        }
        i += 1;
        let (sql, expected) = boundlite_tests::slt::record_body(&lines, &mut i);
        if skip {
            continue;
        }
        records += 1;
        let words: Vec<&str> = header.split_whitespace().collect();
        match words.as_slice() {
            ["statement", "ok"] => {
                if let Err(e) = engine.run(&sql, "") {
                    panic!("{at} [{}]: statement failed: {e}\n{sql}", engine.name());
                }
            }
            ["statement", "error", message @ ..] => match engine.run(&sql, "") {
                Ok(_) => panic!("{at} [{}]: statement succeeded\n{sql}", engine.name()),
                Err(e) => {
                    let message = message.join(" ");
                    assert!(
                        e.to_lowercase().contains(&message.to_lowercase()),
                        "{at} [{}]: error `{e}` lacks `{message}`",
                        engine.name()
                    );
                }
            },
            ["query", types, sort @ ..] => {
                let rows = engine.run(&sql, types).unwrap_or_else(|e| {
                    panic!("{at} [{}]: query failed: {e}\n{sql}", engine.name())
                });
                for row in &rows {
                    assert_eq!(row.len(), types.len(), "{at}: column count\n{sql}");
                }
                let mut got: Vec<String> = match sort.first().copied() {
                    Some("valuesort") => rows.into_iter().flatten().collect(),
                    _ => rows.into_iter().map(|r| r.join(" ")).collect(),
                };
                let mut want = expected.clone();
                if matches!(sort.first().copied(), Some("rowsort" | "valuesort")) {
                    got.sort();
                    want.sort();
                }
                assert_eq!(got, want, "{at} [{}]: results differ\n{sql}", engine.name());
            }
            _ => panic!("{at}: unknown record `{header}`"),
        }
    }
    records
}

fn slt_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("slt");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "slt"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no .slt files in {}", dir.display());
    files
}

#[test]
fn slt_files_pass_on_boundlite() {
    for file in slt_files() {
        let script = std::fs::read_to_string(&file).unwrap();
        let disk = MemoryPlatform::new();
        let db = Database::open(&disk, "slt.db", &Config::DEFAULT, Global).unwrap();
        let mut engine = Boundlite { conn: db.connect() };
        let records = run_script(&file, &script, &mut engine);
        println!("{}: {records} records", file.display());
        assert!(db.integrity_check(0).unwrap().is_ok(), "{}", file.display());
    }
}

#[test]
fn slt_files_pass_on_sqlite() {
    for file in slt_files() {
        let script = std::fs::read_to_string(&file).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let conn = rusqlite::Connection::open(dir.path().join("slt.db")).unwrap();
        conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
            .unwrap();
        run_script(&file, &script, &mut Sqlite(conn));
    }
}
