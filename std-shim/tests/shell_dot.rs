//! The shell's dot commands and options beyond the output modes, run as a
//! program: `.dump` round trips through SQLite and through boundlite,
//! `.import`, `-bail`/`.bail` and where errors are reported, `.read`,
//! `.output`/`.once`, `-cmd`, `-init`, `-readonly`, and the refusal of
//! unknown commands and options. (Byte-for-byte output against sqlite3
//! is `shell_golden.rs`.)

// Every item of this crate is test code, helpers included (clippy's
// test allowances only see `#[test]` functions and `cfg(test)` modules).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::{BIN, ok, pipe, sqlite_integrity, stderr, stdout, temp_db};
use rusqlite::types::Value;

/// Runs the shell with `options`, then `db`, then `sql` arguments.
fn run(db: &Path, options: &[&str], sql: &[&str]) -> Output {
    Command::new(BIN)
        .args(options)
        .arg(db)
        .args(sql)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// A small xorshift generator; `BOUNDLITE_SEED` picks its seed.
struct Rng(u64);

impl Rng {
    fn new() -> Self {
        let seed = std::env::var("BOUNDLITE_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0x5eed_1234_u64);
        eprintln!("BOUNDLITE_SEED={seed}");
        Rng(seed | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// A value of any storage class, text with quotes, line breaks and
    /// the spellings `.dump` uses for them.
    fn value(&mut self) -> Value {
        match self.below(6) {
            0 => Value::Null,
            1 => Value::Integer(self.next() as i64 >> self.below(64)),
            2 => loop {
                let r = f64::from_bits(self.next());
                if !r.is_nan() {
                    break Value::Real(r);
                }
            },
            3 => Value::Real((self.below(2000) as f64 - 1000.0) / 8.0),
            4 => {
                const PIECES: [&str; 10] =
                    ["a", "'", "\"", "\n", "\r", "\\n", "\\012", "é", " ", "x,y"];
                let len = self.below(8);
                let text: String = (0..len)
                    .map(|_| PIECES[self.below(PIECES.len() as u64) as usize])
                    .collect();
                Value::Text(text)
            }
            _ => Value::Blob((0..self.below(6)).map(|_| self.next() as u8).collect()),
        }
    }
}

/// Every row of every table of `conn` (`sqlite_master`'s text included,
/// where a table of a quoted name reads `CREATE TABLE IF NOT EXISTS` as
/// sqlite3's `.dump` writes it), in rowid order, as SQLite reads them.
fn contents(conn: &rusqlite::Connection) -> Vec<(String, Vec<Vec<Value>>)> {
    let mut schema = conn
        .prepare("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name")
        .unwrap();
    let entries: Vec<Vec<Value>> = schema
        .query_map([], |r| (0..4).map(|i| r.get::<_, Value>(i)).collect())
        .unwrap()
        .map(Result::unwrap)
        .map(|mut entry: Vec<Value>| {
            if let Value::Text(sql) = &mut entry[3] {
                *sql = sql.replace("CREATE TABLE IF NOT EXISTS ", "CREATE TABLE ");
            }
            entry
        })
        .collect();
    let mut all = vec![("sqlite_master".to_string(), entries.clone())];
    for entry in &entries {
        let (Value::Text(kind), Value::Text(name)) = (&entry[0], &entry[1]) else {
            continue;
        };
        if kind != "table" {
            continue;
        }
        let sql = format!("SELECT * FROM \"{}\"", name.replace('"', "\"\""));
        let mut stmt = conn.prepare(&sql).unwrap();
        let n = stmt.column_count();
        let rows: Vec<Vec<Value>> = stmt
            .query_map([], |r| (0..n).map(|i| r.get::<_, Value>(i)).collect())
            .unwrap()
            .map(Result::unwrap)
            .collect();
        all.push((name.clone(), rows));
    }
    all
}

#[test]
fn dump_loads_back_into_sqlite_and_boundlite_to_the_same_rows() {
    let (dir, db) = temp_db();
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(
        "CREATE TABLE r(id INTEGER PRIMARY KEY, a, b TEXT, c REAL, d BLOB);
         CREATE TABLE \"odd \"\"name\"\"\"(\"a b\", \"select\");
         CREATE TABLE au(id INTEGER PRIMARY KEY AUTOINCREMENT, x);
         CREATE INDEX r_b ON r(b);
         CREATE VIEW rv AS SELECT id, a FROM r WHERE id < 10;
         CREATE TRIGGER au_t AFTER INSERT ON au BEGIN UPDATE au SET x = x WHERE id = new.id; END;
         CREATE TABLE empty(x);",
    )
    .unwrap();
    let mut rng = Rng::new();
    let mut rows = 0;
    conn.execute_batch("BEGIN").unwrap();
    for _ in 0..400 {
        let values: Vec<Value> = (0..4).map(|_| rng.value()).collect();
        conn.execute(
            "INSERT INTO r(a, b, c, d) VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params_from_iter(values),
        )
        .unwrap();
        let values: Vec<Value> = (0..2).map(|_| rng.value()).collect();
        conn.execute(
            "INSERT INTO \"odd \"\"name\"\"\" VALUES (?1, ?2)",
            rusqlite::params_from_iter(values),
        )
        .unwrap();
        rows += 2;
    }
    conn.execute_batch("INSERT INTO au(x) VALUES (1), (2); DELETE FROM au WHERE x = 2; COMMIT;")
        .unwrap();
    let original = contents(&conn);
    drop(conn);

    let dump = ok(run(&db, &[], &[".dump"]));
    assert!(dump.starts_with("PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n"));
    assert!(dump.ends_with("COMMIT;\n"));
    assert_eq!(
        dump.lines()
            .filter(|l| l.starts_with("INSERT INTO"))
            .count(),
        rows + 2,
        "one INSERT per row, sqlite_sequence's included"
    );

    // Into SQLite.
    let sqlite = rusqlite::Connection::open_in_memory().unwrap();
    sqlite.execute_batch(&dump).unwrap();
    same_contents(&contents(&sqlite), &original);

    // Into boundlite, read back by SQLite.
    let copy = dir.path().join("copy.db");
    ok(pipe(&copy, &[], &dump));
    assert_eq!(sqlite_integrity(&copy), "ok");
    let conn = rusqlite::Connection::open(&copy).unwrap();
    same_contents(&contents(&conn), &original);
}

/// Asserts two databases' contents are the same, naming the first row
/// that differs.
fn same_contents(actual: &[(String, Vec<Vec<Value>>)], expected: &[(String, Vec<Vec<Value>>)]) {
    assert_eq!(actual.len(), expected.len());
    for ((name, rows), (expected_name, expected_rows)) in actual.iter().zip(expected) {
        assert_eq!(name, expected_name);
        assert_eq!(rows.len(), expected_rows.len(), "{name}");
        for (row, expected_row) in rows.iter().zip(expected_rows) {
            assert_eq!(row, expected_row, "{name}");
        }
    }
}

#[test]
fn import_reads_quoted_csv_with_a_header_and_skip() {
    let (dir, db) = temp_db();
    let csv = dir.path().join("in.csv");
    fs::write(
        &csv,
        "name,\"note, quoted\"\r\nann,\"says \"\"hi\"\"\"\nbob,\"two\nlines\"\n",
    )
    .unwrap();
    let file = csv.to_str().unwrap();
    ok(run(&db, &[], &[&format!(".import --csv {file} people")]));
    ok(run(
        &db,
        &[],
        &[
            "CREATE TABLE n(a, b)",
            &format!(".import --csv --skip 1 {file} n"),
        ],
    ));
    let conn = rusqlite::Connection::open(&db).unwrap();
    let read = |sql: &str| -> Vec<(String, String)> {
        conn.prepare(sql)
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let expected = vec![
        ("ann".to_string(), "says \"hi\"".to_string()),
        ("bob".to_string(), "two\nlines".to_string()),
    ];
    assert_eq!(read("SELECT name, \"note, quoted\" FROM people"), expected);
    assert_eq!(read("SELECT a, b FROM n"), expected);
    let sql: String = conn
        .query_row(
            "SELECT sql FROM sqlite_master WHERE name = 'people'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        sql,
        "CREATE TABLE \"people\"(\n\"name\" TEXT, \"note, quoted\" TEXT)"
    );

    // A header naming a column twice is refused, naming it.
    fs::write(&csv, "a,A\n1,2\n").unwrap();
    let out = run(&db, &[], &[&format!(".import --csv {file} dup")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("names column \"A\" twice"),
        "{}",
        stderr(&out)
    );
}

/// A script whose third line fails.
const SCRIPT: &str = "SELECT 1;\nSELECT 2;\nSELECT nope;\nSELECT 4;\n";

#[test]
fn bail_stops_at_the_first_error_which_names_its_line() {
    let (_dir, db) = temp_db();
    let located =
        "Error: near line 3: SQL error: no such column: nope (code 1)\n  in: SELECT nope\n";
    let out = pipe(&db, &[], SCRIPT);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "1\n2\n4\n");
    assert_eq!(stderr(&out), located);

    let out = pipe(&db, &["-bail"], SCRIPT);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "1\n2\n");
    assert_eq!(stderr(&out), located);

    let out = pipe(&db, &[], &format!(".bail on\n{SCRIPT}"));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "1\n2\n");
    assert_eq!(stderr(&out), located.replace("line 3", "line 4"));

    // Arguments stop at the first error with or without -bail.
    let out = run(&db, &["-bail"], &["SELECT 1", "SELECT nope", "SELECT 3"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "1\n");
    // `.bail off` goes on again.
    let out = pipe(&db, &[], &format!(".bail on\n.bail off\n{SCRIPT}"));
    assert_eq!(stdout(&out), "1\n2\n4\n");
}

#[test]
fn read_runs_a_file_and_names_its_lines() {
    let (dir, db) = temp_db();
    let script = dir.path().join("script.sql");
    fs::write(&script, format!(".mode csv\n{SCRIPT}")).unwrap();
    let read = format!(".read {}", script.to_str().unwrap());
    let out = run(&db, &[], &[&read, "SELECT 'after'"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "1\r\n2\r\n4\r\n");
    assert_eq!(
        stderr(&out),
        "Error: near line 4: SQL error: no such column: nope (code 1)\n  in: SELECT nope\n"
    );
    let out = run(&db, &[], &[".read /no/such/file.sql"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("cannot open \"/no/such/file.sql\""));
}

#[test]
fn output_and_once_send_results_to_a_file() {
    let (dir, db) = temp_db();
    let file = dir.path().join("out.txt");
    let name = file.to_str().unwrap();
    let script = format!(
        ".output {name}\nSELECT 1;\n.print printed\n.dump empty\n.output\nSELECT 2;\n\
         .once {name}.once\nSELECT 3;\nSELECT 4;\n.once {name}.print\n.print x\nSELECT 5;\n"
    );
    let out = ok(pipe(&db, &[], &script));
    assert_eq!(out, "2\n4\n5\n");
    assert_eq!(fs::read_to_string(format!("{name}.print")).unwrap(), "x\n");
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        "1\nprinted\nPRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\nCOMMIT;\n"
    );
    assert_eq!(fs::read_to_string(format!("{name}.once")).unwrap(), "3\n");
}

#[test]
fn cmd_init_readonly_and_settings() {
    let (dir, db) = temp_db();
    let init = dir.path().join("init.sql");
    fs::write(&init, "CREATE TABLE t(a);\n.headers on\n").unwrap();
    let out = ok(run(
        &db,
        &[
            "-init",
            init.to_str().unwrap(),
            "-cmd",
            ".mode csv",
            "-cmd",
            "INSERT INTO t VALUES (1)",
        ],
        &["SELECT a FROM t"],
    ));
    assert_eq!(out, "a\r\n1\r\n");

    let out = run(&db, &["-readonly"], &["INSERT INTO t VALUES (2)"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("readonly"), "{}", stderr(&out));
    assert_eq!(
        ok(run(&db, &["-readonly"], &["SELECT count(*) FROM t"])),
        "1\n"
    );

    let out = ok(run(
        &db,
        &["-nullvalue", "NIL", "-separator", ";", "-header"],
        &["SELECT 1 AS x, NULL AS y", ".show"],
    ));
    let mut expected = String::from("x;y\n1;NIL\n");
    for (name, value) in [
        ("bail", "off"),
        ("changes", "off"),
        ("headers", "on"),
        ("mode", "list"),
        ("nullvalue", "\"NIL\""),
        ("output", "stdout"),
        ("colseparator", "\";\""),
        ("rowseparator", "\"\\n\""),
        ("timer", "off"),
    ] {
        writeln!(expected, "{name:>12}: {value}").unwrap();
    }
    assert_eq!(out, expected);
}

#[test]
fn unknown_commands_and_options_are_refused_by_name() {
    let (_dir, db) = temp_db();
    let out = run(&db, &[], &[".frobnicate now"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "Error: unknown command or invalid arguments:  \"frobnicate\". Enter \".help\" for help\n"
    );
    let out = run(&db, &["-frob"], &["SELECT 1"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "boundlite: Error: unknown option: -frob\nUse -help for a list of options.\n"
    );
    for option in ["-html", "--ascii", "-echo", "-deserialize"] {
        let out = run(&db, &[option], &["SELECT 1"]);
        assert_eq!(out.status.code(), Some(1), "{option}");
        assert_eq!(
            stderr(&out),
            format!(
                "boundlite: Error: option {option} is not supported\nUse -help for a list of options.\n"
            )
        );
    }
    for (command, option) in [(".schema", "--indent"), (".dump", "--data-only")] {
        let out = run(&db, &[], &[&format!("{command} {option}")]);
        assert_eq!(out.status.code(), Some(1), "{command}");
        assert_eq!(
            stderr(&out),
            format!("Error: {command} option {option} is not supported\n")
        );
    }
    for command in [".backup x.db", ".open other.db", ".width 5", ".vfsname"] {
        let out = run(&db, &[], &[command]);
        assert_eq!(out.status.code(), Some(1), "{command}");
        let name = command.split(' ').next().unwrap();
        assert_eq!(
            stderr(&out),
            format!("Error: {name} is not supported by boundlite\n")
        );
    }
    let out = run(&db, &[], &[".mode html"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("mode should be one of: box column csv"),
        "{}",
        stderr(&out)
    );
    let out = run(&db, &[], &[".import --ascii x.txt t"]);
    assert!(
        stderr(&out).contains("--ascii is not supported"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn quote_mode_reals_read_back_as_the_same_double() {
    let mut rng = Rng::new();
    let mut reals = Vec::new();
    while reals.len() < 2000 {
        let r = match rng.below(3) {
            0 => f64::from_bits(rng.next()),
            1 => (rng.next() as i64 >> rng.below(64)) as f64,
            _ => (rng.below(1 << 20) as f64 - 5e5) / (1u64 << rng.below(30)) as f64,
        };
        if r.is_finite() {
            reals.push(r);
        }
    }
    let script: String = reals.iter().map(|r| format!("SELECT {r:e};\n")).collect();
    let out = ok(pipe(Path::new(":memory:"), &["-quote"], &script));
    assert_eq!(out.lines().count(), reals.len());
    let sqlite = rusqlite::Connection::open_in_memory().unwrap();
    for (r, line) in reals.iter().zip(out.lines()) {
        let read: f64 = sqlite
            .query_row(&format!("SELECT {line}"), [], |row| row.get(0))
            .unwrap();
        assert_eq!(read.to_bits(), r.to_bits(), "{r:e} written as {line}");
    }
}
