//! `bench-report` run as a program on the fixtures in
//! `tests/fixtures/bench-report/`:
//!
//! - `criterion/`: `estimates.json` files (real criterion 0.7 output with
//!   the medians set by hand), one of them (`alloc_stale/old`) for a bench
//!   the log does not name;
//! - `bench.log`: criterion's stdout with `allocations ...` lines;
//! - `memory/`: `memory-benchmark --format json --engine both` reports
//!   (real output with the figures the assertions need set by hand):
//!   three insert-heavy timing runs whose per-run time ratios (0.75, 2.0,
//!   1.0) have a median (1.0) unlike the ratio of the medians, an
//!   insert-heavy `--min-heap` run, and one mixed run;
//! - `commands.txt`, `dhat.txt`: pasted as they are.

// Helpers outside `#[test]` functions fail the test the same way.
#![allow(clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bench-report")
}

/// Runs bench-report on the fixtures, `memory` and `criterion` replaced
/// when given, writing into `out`.
fn run(out: &Path, memory: Option<&Path>, criterion: Option<&Path>) -> Output {
    let f = fixtures();
    Command::new(env!("CARGO_BIN_EXE_bench-report"))
        .arg("--criterion")
        .arg(criterion.map_or_else(|| f.join("criterion"), Path::to_path_buf))
        .arg("--bench-log")
        .arg(f.join("bench.log"))
        .arg("--memory")
        .arg(memory.map_or_else(|| f.join("memory"), Path::to_path_buf))
        .arg("--commands")
        .arg(f.join("commands.txt"))
        .arg("--dhat")
        .arg(f.join("dhat.txt"))
        .arg("--quick")
        .arg("--script-seconds")
        .arg("754")
        .arg("--out")
        .arg(out)
        .output()
        .expect("bench-report runs")
}

/// The document written from the fixtures.
fn document() -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("docs/benchmarks.md");
    let result = run(&out, None, None);
    assert!(
        result.status.success(),
        "bench-report failed: {}",
        String::from_utf8_lossy(&result.stderr)
    );
    std::fs::read_to_string(&out).expect("the document was written")
}

#[test]
fn memory_rows_hold_medians_in_run_ratios_and_target_verdicts() {
    let doc = document();
    assert!(
        doc.contains(
            "| insert-heavy | 3 | 350.0 ms | 350.0 ms | 1.00× | 58.6 KiB | 341.8 KiB | 0.17× \
             | 0.008 | 0.006 | 60.0 KiB | 512.0 KiB | 0.12× | allocs/stmt 0: missed by \
             0.008/stmt; peak ≤ 0.5×: met; time ≤ 1.5×: met; min arena ≤ 64 KiB: met |"
        ),
        "{doc}"
    );
    assert!(
        doc.contains(
            "| mixed | 1 | 200.0 ms | 100.0 ms | 2.00× | 195.3 KiB | 293.0 KiB | 0.67× | 0 \
             | 0.01 | — | — | — | allocs/stmt 0: met; peak ≤ 0.5×: missed by 0.17×; \
             time ≤ 1.5×: missed by 0.50× |"
        ),
        "{doc}"
    );
    assert!(
        doc.contains("100 batches of 100 statements, 10000 seeded rows"),
        "{doc}"
    );
}

#[test]
fn criterion_rows_pair_twins_with_allocations_per_iteration() {
    let doc = document();
    assert!(
        doc.contains("| sql_point_select_10k/boundlite | 1.50 µs | 2.00 µs | 0.75× | 0 |"),
        "{doc}"
    );
    assert!(
        doc.contains("| btree_read_100k/point_seek | 1.08 µs | 1.30 µs | 0.83× | 0.004 |"),
        "{doc}"
    );
    assert!(
        doc.contains("| btree_read_100k/sqlite_index_seek | — | 870 ns | — | — |"),
        "{doc}"
    );
    assert!(
        !doc.contains("alloc_stale"),
        "a bench the log does not name: {doc}"
    );
    let sql = doc.find("### SQL").expect("SQL section");
    let btree = doc.find("### B-tree").expect("B-tree section");
    assert!(sql < btree, "{doc}");
}

#[test]
fn the_document_names_its_mode_machine_commands_and_profile() {
    let doc = document();
    assert!(doc.starts_with("# Benchmarks\n"), "{doc}");
    assert!(doc.contains("in quick mode"), "{doc}");
    assert!(doc.contains("taking 12 min 34 s"), "{doc}");
    assert!(doc.contains("scripts/benchmarks.sh --quick"), "{doc}");
    assert!(
        doc.contains(
            "$TARGET/release/memory-benchmark --workload mixed > $WORK/memory/mixed-run1.json"
        ),
        "{doc}"
    );
    assert!(doc.contains("- SQLite: 3."), "SQLite's version: {doc}");
    assert!(doc.contains("- rustc: `rustc "), "{doc}");
    assert!(
        doc.contains("```text\ndhat-analyze: a fixture standing in for the module summary\n"),
        "{doc}"
    );
}

#[test]
fn a_bench_without_estimates_fails_naming_the_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let empty = dir.path().join("criterion");
    std::fs::create_dir(&empty).expect("mkdir");
    let out = dir.path().join("benchmarks.md");
    let result = run(&out, None, Some(&empty));
    assert_eq!(result.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(
        stderr.contains("sql_point_select_10k/sqlite/new/estimates.json"),
        "{stderr}"
    );
    assert!(!out.exists(), "nothing is written on failure");
}

#[test]
fn a_single_engine_memory_report_fails() {
    let dir = tempfile::tempdir().expect("temp dir");
    let memory = dir.path().join("memory");
    std::fs::create_dir(&memory).expect("mkdir");
    let report =
        std::fs::read_to_string(fixtures().join("memory/mixed-run1.json")).expect("fixture");
    let mut value: serde_json::Value = serde_json::from_str(&report).expect("JSON");
    value["engines"]
        .as_object_mut()
        .expect("engines")
        .remove("sqlite");
    std::fs::write(memory.join("mixed.json"), value.to_string()).expect("write");
    let out = dir.path().join("benchmarks.md");
    let result = run(&out, Some(&memory), None);
    assert_eq!(result.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(stderr.contains("engines.sqlite"), "{stderr}");
}
