//! The `boundlite` shell, run as a program on temporary databases: its
//! output, its errors and its exit codes.

// Every item of this crate is test code, helpers included (clippy's
// test allowances only see `#[test]` functions and `cfg(test)` modules).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::{BIN, ok, pipe, sqlite_integrity, stderr, stdout, temp_db};

/// Runs the shell with `args`, stdin closed.
fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// Runs the shell on `db` with `args` after it.
fn run_db(db: &Path, args: &[&str]) -> Output {
    let mut all = vec![db.to_str().unwrap()];
    all.extend_from_slice(args);
    run(&all)
}

#[test]
fn argument_form_creates_inserts_and_selects() {
    let (_dir, db) = temp_db();
    let out = ok(run_db(
        &db,
        &["CREATE TABLE t(a); INSERT INTO t VALUES (1),(2); SELECT a, a*1.5 FROM t;"],
    ));
    assert_eq!(out, "1|1.5\n2|3.0\n");
    // Several SQL arguments run in turn; NULL prints as nothing, text and
    // blobs as their bytes, integers plainly, reals as SQLite prints them.
    let out = ok(run_db(
        &db,
        &[
            "INSERT INTO t VALUES (NULL), ('x|y'), (X'4142'), (1e20), (-0.5)",
            "SELECT a, typeof(a) FROM t",
        ],
    ));
    assert_eq!(
        out,
        "1|integer\n2|integer\n|null\nx|y|text\nAB|blob\n1.0e+20|real\n-0.5|real\n"
    );
    assert_eq!(sqlite_integrity(&db), "ok");
    // SQLite reads back what the shell wrote.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let n: i64 = conn
        .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 7);
}

#[test]
fn errors_exit_nonzero_with_the_message_on_stderr() {
    let (_dir, db) = temp_db();
    let out = run_db(
        &db,
        &["CREATE TABLE t(a); SELEC 1; INSERT INTO t VALUES (1)"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "");
    assert_eq!(
        stderr(&out),
        "Error: near line 1: SQL error: near \"SELEC\": syntax error (code 1)\n  in: SELEC 1;\n"
    );
    // Statements before the error ran; those after it did not.
    assert_eq!(ok(run_db(&db, &["SELECT count(*) FROM t"])), "0\n");

    let out = run_db(&db, &["SELECT * FROM missing"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).starts_with("Error: "), "{}", stderr(&out));
    assert!(stderr(&out).contains("(code 1)"), "{}", stderr(&out));

    let out = run_db(
        &db,
        &["CREATE TABLE u(x NOT NULL); INSERT INTO u VALUES (NULL)"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("(code 19)"), "{}", stderr(&out));

    let out = run_db(&db, &[".nonsense"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("unknown command"), "{}", stderr(&out));
}

#[test]
fn an_unopenable_database_is_reported() {
    let (dir, _) = temp_db();
    let path = dir.path().join("no/such/dir/x.db");
    let out = run_db(&path, &["SELECT 1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("unable to open database"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn statements_are_read_from_a_pipe() {
    let (_dir, db) = temp_db();
    let input = "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT);\n\
                 INSERT INTO t(name)\n  VALUES ('a;b'),\n  ('c');\n\
                 -- a comment; not a statement end\n\
                 SELECT id, name FROM t\n  ORDER BY id DESC;\n\
                 SELECT 'no semicolon at the end'";
    let out = ok(pipe(&db, &[], input));
    assert_eq!(out, "2|c\n1|a;b\nno semicolon at the end\n");
    assert_eq!(sqlite_integrity(&db), "ok");

    // An error is reported, reading goes on, and the exit code is 1.
    let out = pipe(&db, &[], "SELECT nope FROM t;\nSELECT 7;\n");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "7\n");
    assert!(stderr(&out).starts_with("Error: "));

    // An error in a script names its line and the statement's first
    // words; one in an argument's later statement does too.
    let script = "SELECT 1;\n\nSELECT nope\n  FROM t;\nSELEC 2;\n";
    let out = pipe(&db, &[], script);
    assert_eq!(
        stderr(&out),
        "Error: near line 3: SQL error: no such column: nope (code 1)\n  in: SELECT nope ...\n\
         Error: near line 5: SQL error: near \"SELEC\": syntax error (code 1)\n  in: SELEC 2;\n"
    );
    let out = run_db(&db, &["SELECT 1; SELECT nope FROM t"]);
    assert_eq!(
        stderr(&out),
        "Error: near line 1: SQL error: no such column: nope (code 1)\n  in: SELECT nope FROM t\n"
    );

    // `.quit` stops reading.
    let out = ok(pipe(&db, &[], "SELECT 1;\n.quit\nSELECT 2;\n"));
    assert_eq!(out, "1\n");
}

#[test]
fn tables_and_schema() {
    let (_dir, db) = temp_db();
    ok(run_db(
        &db,
        &["CREATE TABLE zeta(a UNIQUE); CREATE TABLE alpha(x, y); CREATE INDEX ax ON alpha(x)"],
    ));
    // Names in columns down then across, padded to the longest, as
    // sqlite3 prints them.
    assert_eq!(ok(run_db(&db, &[".tables"])), "alpha  zeta \n");
    assert_eq!(ok(run_db(&db, &[".tables z%"])), "zeta\n");
    assert_eq!(
        ok(run_db(&db, &[".schema"])),
        "CREATE TABLE zeta(a UNIQUE);\nCREATE TABLE alpha(x, y);\nCREATE INDEX ax ON alpha(x);\n"
    );
    assert_eq!(
        ok(run_db(&db, &[".schema alpha"])),
        "CREATE TABLE alpha(x, y);\nCREATE INDEX ax ON alpha(x);\n"
    );
    // Piped, with statements around them.
    let out = ok(pipe(&db, &[], ".tables\nCREATE TABLE m(k);\n.tables\n"));
    assert_eq!(out, "alpha  zeta \nalpha  m      zeta \n");
}

#[test]
fn csv_mode_and_headers() {
    let (_dir, db) = temp_db();
    ok(run_db(
        &db,
        &[
            "CREATE TABLE t(id INTEGER PRIMARY KEY, Name TEXT, score REAL); \
           INSERT INTO t VALUES (1, 'plain', 2.5), (2, 'a,b \"q\"', NULL)",
        ],
    ));
    let out = ok(pipe(
        &db,
        &[],
        ".mode csv\n.headers on\nSELECT * FROM t;\nSELECT id AS ident, score * 2, name FROM t WHERE id = 1;\n",
    ));
    assert_eq!(
        out,
        "id,Name,score\r\n1,plain,2.5\r\n2,\"a,b \"\"q\"\"\",\r\n\
         ident,\"score * 2\",Name\r\n1,5.0,plain\r\n"
    );
    // List mode with headers from options.
    let out = ok(run_db(&db, &["SELECT id, t.score FROM t WHERE id = 1"]));
    assert_eq!(out, "1|2.5\n");
    let mut args = vec!["-header", db.to_str().unwrap()];
    args.push("SELECT id, t.score, 1+1 FROM t WHERE id = 1");
    assert_eq!(ok(run(&args)), "id|score|1+1\n1|2.5|2\n");
    // `.headers off` turns them off again.
    let out = ok(pipe(&db, &["-header"], ".headers off\nSELECT id FROM t;\n"));
    assert_eq!(out, "1\n2\n");
}

#[test]
fn json_and_box_modes() {
    let (_dir, db) = temp_db();
    ok(run_db(
        &db,
        &["CREATE TABLE t(a, b); INSERT INTO t VALUES (1, 'x\"y'), (NULL, 0.5)"],
    ));
    let out = ok(pipe(&db, &[], ".mode json\nSELECT * FROM t;\n"));
    assert_eq!(
        out,
        "[{\"a\":1,\"b\":\"x\\\"y\"},\n{\"a\":null,\"b\":0.5}]\n"
    );
    let out = ok(pipe(&db, &[], ".mode box\nSELECT a, b FROM t;\n"));
    assert_eq!(
        out,
        "┌───┬─────┐\n\
         │ a │  b  │\n\
         ├───┼─────┤\n\
         │ 1 │ x\"y │\n\
         │   │ 0.5 │\n\
         └───┴─────┘\n"
    );
    // No rows: nothing at all.
    assert_eq!(ok(pipe(&db, &["-json"], "SELECT a FROM t WHERE 0;\n")), "");
}

#[test]
fn timer_prints_run_time() {
    let (_dir, db) = temp_db();
    let out = ok(pipe(
        &db,
        &[],
        ".timer on\nSELECT 42;\n.timer off\nSELECT 43;\n",
    ));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert_eq!(lines[0], "42");
    assert!(lines[1].starts_with("Run Time: real "), "{out}");
    assert_eq!(lines[2], "43");
}

#[test]
fn help_and_version() {
    let out = ok(run(&["--help"]));
    assert!(out.starts_with("Usage: boundlite"), "{out}");
    for command in [
        ".tables",
        ".schema",
        ".mode",
        ".headers",
        ".timer",
        ".quit",
        ".dump",
        ".import",
        ".read",
        ".output",
        ".once",
        ".bail",
        ".indexes",
        ".changes",
        ".show",
        ".nullvalue",
        ".separator",
        ".print",
        "-bail",
        "-cmd",
        "-init",
        "-readonly",
        "-heap",
    ] {
        assert!(out.contains(command), "--help lacks {command}");
    }
    let out = ok(run(&["--version"]));
    assert_eq!(out, format!("boundlite {}\n", env!("CARGO_PKG_VERSION")));
    let (_dir, db) = temp_db();
    let out = ok(run_db(&db, &[".help"]));
    assert!(out.contains(".schema"));
    // No database argument is a usage error.
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("Usage: boundlite"));
}
