//! `dhat-analyze` run as a program on DHAT profiles.
//!
//! Fixtures in `tests/fixtures/`:
//! - `dhat-heap.json`: real output of [`profile_workload`] (dhat 0.3, debug
//!   build), cut down by hand to a few program points with stacks ending
//!   just below the workload function. Regenerate the raw profile with
//!   `DHAT_ANALYZE_PROFILE_OUT=/tmp/dhat-heap.json cargo test -p
//!   boundlite-benches --test dhat_analyze real_profile`.
//! - `sorting.json`: synthetic, built so every `--sort-by` metric ranks the
//!   groups differently, with two functions in one module.
//!
//! This binary's global allocator is dhat's, so one test can profile a
//! real boundlite workload in-process; outside a profiler it only forwards
//! to the system allocator.

// Helpers outside `#[test]` functions fail the test the same way.
#![allow(clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use boundlite::alloc::Global;
use boundlite::platform::MemoryPlatform;
use boundlite::record::ValueRef;
use boundlite::{Config, Database};
use serde_json::Value;

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn run(file: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dhat-analyze"))
        .arg(file)
        .args(args)
        .output()
        .expect("dhat-analyze runs")
}

/// Runs with `--json` and returns the parsed report.
fn report(file: &Path, args: &[&str]) -> Value {
    let out = run(file, &[args, &["--json"]].concat());
    assert!(
        out.status.success(),
        "dhat-analyze failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("--json prints JSON")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn names(report: &Value) -> Vec<String> {
    report["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| g["name"].as_str().expect("name").to_string())
        .collect()
}

fn group<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .find(|g| g["name"] == name)
        .unwrap_or(&Value::Null)
}

/// The fixture's program points, read independently of the tool.
fn program_points(file: &Path) -> (Vec<Value>, Vec<String>) {
    let text = std::fs::read_to_string(file).expect("fixture");
    let v: Value = serde_json::from_str(&text).expect("fixture is JSON");
    let ftbl = v["ftbl"]
        .as_array()
        .expect("ftbl")
        .iter()
        .map(|f| f.as_str().expect("frame").to_string())
        .collect();
    (v["pps"].as_array().expect("pps").clone(), ftbl)
}

#[test]
fn grouping_skips_allocator_frames_and_lands_on_boundlite() {
    let r = report(&fixture("dhat-heap.json"), &["--top", "100"]);
    let names = names(&r);
    // The biggest site at the peak is the RAM disk's growth under the WAL;
    // above it sit alloc, allocator_api2 and boundlite_alloc frames.
    assert_eq!(names[0], "boundlite_platform::memory::disk::resize");
    assert_eq!(names[1], "boundlite::pager::cache::PageCache::new");
    for name in &names {
        for machinery in [
            "alloc::",
            "allocator_api2",
            "boundlite_alloc",
            "hashbrown",
            "core::",
            "std::",
        ] {
            assert!(!name.starts_with(machinery), "landed on {name}");
        }
    }
    assert_eq!(r["groups"][0]["kind"], "ours");
    assert_eq!(r["groups"][0]["location"], "src/memory/disk.rs:232:18");

    let text = stdout(&run(&fixture("dhat-heap.json"), &[]));
    assert!(text.contains("boundlite_platform::memory::disk::resize"));
    assert!(text.contains("Total:"));
    assert!(text.contains("At t-gmax:"));
    assert!(text.contains("At t-end:"));
}

#[test]
fn short_inlined_names_get_the_module_of_their_file() {
    let r = report(&fixture("dhat-heap.json"), &["--top", "100", "--stacks"]);
    // `start_generation` appears in line tables without a path; its file
    // is the WAL log's.
    let stack = r["groups"][0]["stack"]["frames"].as_array().expect("stack");
    assert!(
        stack
            .iter()
            .any(|f| f["function"] == "boundlite::wal::log::start_generation"),
        "{stack:?}"
    );
}

#[test]
fn sort_by_changes_the_order() {
    let file = fixture("sorting.json");
    let first = |metric: &str| names(&report(&file, &["--sort-by", metric]))[0].clone();
    assert_eq!(first("gb"), "boundlite::wal::log::Wal::append");
    assert_eq!(first("tb"), "boundlite::sql::parser::Parser::boxed");
    assert_eq!(first("eb"), "boundlite::pager::cache::PageCache::new");
    assert_eq!(first("tbk"), "boundlite::sql::parser::Parser::boxed");
    assert_eq!(first("mb"), "boundlite::pager::cache::PageCache::fetch");
    // gb is the default.
    assert_eq!(names(&report(&file, &[]))[0], first("gb"));

    let gb = names(&report(&file, &["--sort-by", "gb"]));
    let tb = names(&report(&file, &["--sort-by", "tb"]));
    assert_ne!(gb, tb);
    let r = report(&file, &["--sort-by", "tb"]);
    let values: Vec<u64> = r["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| g["metric"].as_u64().expect("metric"))
        .collect();
    assert!(values.windows(2).all(|w| w[0] >= w[1]), "{values:?}");
    assert_eq!(values[0], 50_000);
}

#[test]
fn top_limits_the_groups_shown() {
    let file = fixture("sorting.json");
    assert_eq!(names(&report(&file, &["--top", "2"])).len(), 2);
    assert_eq!(names(&report(&file, &[])).len(), 4);
    assert_eq!(report(&file, &["--top", "2"])["group_count"], 4);
}

#[test]
fn filter_keeps_only_stacks_with_a_matching_frame() {
    let file = fixture("dhat-heap.json");
    let (pps, ftbl) = program_points(&file);
    let matching: Vec<&Value> = pps
        .iter()
        .filter(|pp| {
            pp["fs"]
                .as_array()
                .expect("fs")
                .iter()
                .any(|f| ftbl[f.as_u64().expect("index") as usize].contains("wal::"))
        })
        .collect();
    assert!(!matching.is_empty() && matching.len() < pps.len());

    let r = report(&file, &["--filter", "wal::", "--top", "100"]);
    assert_eq!(r["filter"], "wal::");
    assert_eq!(r["matched"]["pps"], matching.len());
    let gb: u64 = matching
        .iter()
        .map(|pp| pp["gb"].as_u64().expect("gb"))
        .sum();
    assert_eq!(r["matched"]["gb"], gb);
    // The whole profile's totals stay in the header.
    assert_eq!(r["totals"]["pps"], pps.len());
    // The page cache is allocated when the database opens, not under the WAL.
    assert!(names(&r).iter().all(|n| !n.contains("PageCache")));
    assert!(names(&r).contains(&"boundlite_platform::memory::disk::resize".to_string()));

    // Case-sensitive.
    let r = report(&file, &["--filter", "WAL::"]);
    assert_eq!(r["matched"]["pps"], 0);
    assert_eq!(names(&r).len(), 0);

    let text = stdout(&run(&file, &["--filter", "wal::"]));
    assert!(text.contains("Filter \"wal::\""), "{text}");
}

#[test]
fn modules_sum_the_functions_they_hold() {
    let file = fixture("sorting.json");
    let by_function = report(&file, &[]);
    let by_module = report(&file, &["--modules"]);
    assert_eq!(by_module["group_by"], "module");
    let new = &group(&by_function, "boundlite::pager::cache::PageCache::new")["totals"];
    let fetch = &group(&by_function, "boundlite::pager::cache::PageCache::fetch")["totals"];
    let cache = &group(&by_module, "boundlite::pager::cache")["totals"];
    for key in ["tb", "tbk", "gb", "eb", "mb", "pps"] {
        let sum = new[key].as_u64().expect(key) + fetch[key].as_u64().expect(key);
        assert_eq!(cache[key], sum, "{key}");
    }
    assert_eq!(names(&by_module).len(), 3);
    assert!(names(&by_module).contains(&"boundlite::wal::log".to_string()));
}

#[test]
fn json_totals_equal_the_sum_of_program_points() {
    for name in ["dhat-heap.json", "sorting.json"] {
        let file = fixture(name);
        let (pps, _) = program_points(&file);
        let r = report(&file, &["--top", "1000"]);
        for key in ["tb", "tbk", "gb", "gbk", "eb", "ebk", "mb", "mbk"] {
            let sum: u64 = pps.iter().map(|pp| pp[key].as_u64().expect(key)).sum();
            assert_eq!(r["totals"][key], sum, "{name} {key}");
            let grouped: u64 = r["groups"]
                .as_array()
                .expect("groups")
                .iter()
                .map(|g| g["totals"][key].as_u64().expect(key))
                .sum();
            assert_eq!(grouped, sum, "{name} {key} over groups");
        }
        assert_eq!(r["totals"]["pps"], pps.len());
        assert_eq!(r["sort_by"], "gb");
    }
}

#[test]
fn stacks_show_the_landing_frame_and_its_callers() {
    let file = fixture("dhat-heap.json");
    let text = stdout(&run(&file, &["--stacks", "--top", "1"]));
    assert!(
        text.contains("-> boundlite_platform::memory::disk::resize (src/memory/disk.rs:232:18)"),
        "{text}"
    );
    assert!(text.contains("boundlite::wal::log::Wal::append"), "{text}");
    let plain = stdout(&run(&file, &["--top", "1"]));
    assert!(
        !plain.contains("boundlite::wal::log::Wal::append"),
        "{plain}"
    );

    let r = report(&file, &["--stacks", "--top", "1"]);
    let stack = &r["groups"][0]["stack"];
    assert!(stack["frames_above"].as_u64().expect("above") > 0);
    assert_eq!(
        stack["frames"][0]["function"],
        "boundlite_platform::memory::disk::resize"
    );
    assert!(report(&file, &["--top", "1"])["groups"][0]["stack"].is_null());
}

#[test]
fn bad_input_exits_non_zero_with_a_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = [
        ("missing.json", None, "no such file"),
        ("not-json.json", Some("this is not json"), "not JSON"),
        (
            "version.json",
            Some(r#"{"dhatFileVersion": 1, "mode": "rust-heap", "pps": [], "ftbl": []}"#),
            "dhatFileVersion is 1",
        ),
        (
            "ad-hoc.json",
            Some(r#"{"dhatFileVersion": 2, "mode": "rust-ad-hoc", "pps": [], "ftbl": []}"#),
            "only heap profiles",
        ),
        (
            "no-pps.json",
            Some(r#"{"dhatFileVersion": 2, "mode": "rust-heap", "ftbl": []}"#),
            "\"pps\" is missing",
        ),
        ("empty.json", Some(""), "not JSON"),
    ];
    for (name, contents, message) in cases {
        let path = dir.path().join(name);
        if let Some(contents) = contents {
            std::fs::write(&path, contents).expect("write");
        }
        let out = run(&path, &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {stderr}");
        assert!(stderr.contains(message), "{name}: {stderr}");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        assert!(out.stdout.is_empty(), "{name}");
    }
    let binary = dir.path().join("binary.json");
    std::fs::write(&binary, [0xff, 0xfe, 0x00]).expect("write");
    let out = run(&binary, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not UTF-8"));

    let bad_flag = run(&fixture("sorting.json"), &["--sort-by", "xyz"]);
    assert_eq!(bad_flag.status.code(), Some(2));
}

/// Opens a database on the global heap and inserts rows through SQL while
/// dhat records every allocation into `path`. The database outlives the
/// profiler, so what it still holds shows as bytes at the end.
fn profile_workload(path: &Path) -> boundlite::Result<()> {
    let disk = MemoryPlatform::new();
    let profiler = dhat::Profiler::builder()
        .file_name(path)
        .trim_backtraces(None)
        .build();
    let db = Database::open(&disk, "dhat.db", &Config::DEFAULT, Global)?;
    let conn = db.connect();
    conn.execute(
        "CREATE TABLE bench(id INTEGER PRIMARY KEY, data TEXT NOT NULL, value REAL)",
        &[],
    )?;
    for id in 1..=200 {
        conn.execute(
            "INSERT INTO bench VALUES (?1, 'data_' || ?1, ?1 * 1.1)",
            &[ValueRef::Integer(id)],
        )?;
    }
    conn.execute("SELECT count(*), sum(value) FROM bench", &[])?;
    drop(profiler);
    Ok(())
}

#[test]
fn real_profile_of_a_boundlite_workload() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("dhat-heap.json");
    profile_workload(&path).expect("workload");
    if let Some(out) = std::env::var_os("DHAT_ANALYZE_PROFILE_OUT") {
        std::fs::copy(&path, out).expect("copy the profile out");
    }

    // Other tests run on other threads meanwhile, and dhat records their
    // allocations too; the workload's own stacks all pass through here.
    let r = report(&path, &["--filter", "profile_workload", "--top", "1000"]);
    let groups = r["groups"].as_array().expect("groups");
    assert!(groups.len() > 5, "{r}");
    for g in groups {
        assert_eq!(g["kind"], "ours", "{g}");
        assert!(
            g["name"].as_str().expect("name").starts_with("boundlite"),
            "{g}"
        );
    }
    // The database is still open when the profile ends.
    assert!(r["matched"]["eb"].as_u64().expect("eb") > 0);
    assert!(r["matched"]["pps"].as_u64().expect("pps") > 0);

    let modules = report(&path, &["--modules", "--filter", "profile_workload"]);
    assert!(
        names(&modules)
            .iter()
            .any(|n| n == "boundlite::pager::cache"),
        "{:?}",
        names(&modules)
    );
}
