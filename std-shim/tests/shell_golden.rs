//! The shell's output against sqlite3's, byte for byte: each case of
//! `tests/golden/cases` (a script piped in, with the options of its
//! `.args` file) runs on a database built by `tests/golden/setup.sql`,
//! and its stdout must be the `.out` file `scripts/shell_golden.sh` wrote
//! by running the real sqlite3 (the version in `golden/VERSION`); for the
//! `.import` cases, stderr (the warnings) must be its `.err` file too.
//! When that sqlite3 is on `PATH`, the cases also run on it live, so a
//! golden file that no longer matches its case is caught.

// Every item of this crate is test code, helpers included (clippy's
// test allowances only see `#[test]` functions and `cfg(test)` modules).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::{BIN, feed};

/// `tests/golden`.
fn golden() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// The cases' names, sorted.
fn cases() -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(golden().join("cases"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .map(|p| p.file_stem().unwrap().to_str().unwrap().to_string())
        .collect();
    names.sort();
    assert!(names.len() >= 20, "{names:?}");
    names
}

/// Runs case `name` with the shell `program` on a fresh database that
/// `program` builds from `setup.sql`.
fn run_case(program: &str, name: &str) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let setup = fs::read_to_string(golden().join("setup.sql")).unwrap();
    let built = feed(
        Command::new(program).arg(&db).env("HOME", dir.path()),
        &setup,
    )
    .wait_with_output()
    .unwrap();
    assert!(built.status.success(), "{program}: setup failed: {built:?}");
    let cases = golden().join("cases");
    let args = fs::read_to_string(cases.join(format!("{name}.args"))).unwrap_or_default();
    let script = fs::read_to_string(cases.join(format!("{name}.sql"))).unwrap();
    let mut command = Command::new(program);
    command
        .args(args.lines())
        .arg(&db)
        .current_dir(&cases)
        .env("HOME", dir.path());
    feed(&mut command, &script).wait_with_output().unwrap()
}

/// Whether the case's stderr is compared too: `.import`'s warnings are
/// sqlite3's words; other errors are boundlite's own.
fn compares_stderr(name: &str) -> bool {
    name.starts_with("import")
}

/// The differences between `expected` and `actual` for case `name`.
fn differences(name: &str, what: &str, expected: &[u8], actual: &[u8]) -> Option<String> {
    (expected != actual).then(|| {
        format!(
            "{name} ({what}):\n--- expected\n{}\n--- boundlite\n{}",
            String::from_utf8_lossy(expected),
            String::from_utf8_lossy(actual)
        )
    })
}

#[test]
fn every_case_matches_sqlite3s_golden_output() {
    let mut failures = Vec::new();
    for name in cases() {
        let out = run_case(BIN, &name);
        let expected = fs::read(golden().join(format!("{name}.out"))).unwrap();
        failures.extend(differences(&name, "stdout", &expected, &out.stdout));
        if compares_stderr(&name) {
            let expected = fs::read(golden().join(format!("{name}.err"))).unwrap();
            failures.extend(differences(&name, "stderr", &expected, &out.stderr));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The sqlite3 on `PATH`, when it is the version the golden files were
/// written by.
fn live_sqlite3() -> Option<&'static str> {
    let version = Command::new("sqlite3")
        .arg("-version")
        .stdin(Stdio::null())
        .output()
        .ok()?;
    let golden_version = fs::read_to_string(golden().join("VERSION")).unwrap();
    let version = String::from_utf8_lossy(&version.stdout);
    let matches = version.split_whitespace().next() == Some(golden_version.trim());
    if !matches {
        eprintln!(
            "sqlite3 on PATH is {version:?}, not {golden_version:?}: live comparison skipped"
        );
    }
    matches.then_some("sqlite3")
}

#[test]
fn golden_outputs_are_what_sqlite3_prints_for_their_cases() {
    let Some(sqlite3) = live_sqlite3() else {
        return;
    };
    let mut failures = Vec::new();
    for name in cases() {
        let live = run_case(sqlite3, &name);
        let expected = fs::read(golden().join(format!("{name}.out"))).unwrap();
        failures.extend(differences(
            &name,
            "golden vs live",
            &expected,
            &live.stdout,
        ));
        let ours = run_case(BIN, &name);
        failures.extend(differences(
            &name,
            "live vs boundlite",
            &live.stdout,
            &ours.stdout,
        ));
    }
    assert!(
        failures.is_empty(),
        "rerun scripts/shell_golden.sh if a case changed:\n{}",
        failures.join("\n\n")
    );
}
