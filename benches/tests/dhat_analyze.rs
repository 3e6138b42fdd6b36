//! `dhat-analyze` run as a program on DHAT profiles.
//!
//! Fixtures in `tests/fixtures/`:
//! - `dhat-heap.json`: real output of [`profile_workload`] (dhat 0.3, debug
//!   build), cut down by hand to a few program points with stacks ending
//!   just below the workload function. Regenerate the raw profile with
//!   `DHAT_ANALYZE_PROFILE_OUT=/tmp/dhat-heap.json cargo test -p
//!   boundlite-benches --test dhat_analyze real_profile`.
//! - `dhat-heap-release.json`: real output of `cargo run --release -p
//!   boundlite-benches --bin memory-benchmark -- --workload insert-heavy -i
//!   20 -b 100 --engine boundlite` (fat LTO, line tables only), cut down to
//!   six program points (the biggest at the peak of six different groups),
//!   each stack ending at its first `src/memory/` frame (the benchmark's
//!   driver), frame strings verbatim and `cmd` shortened. Nothing in it
//!   names a module; the tests attribute its frames against a checkout
//!   they build from `RELEASE_SOURCES` (the functions its frames point
//!   into, as they were when it was made), never against this one, so
//!   editing the engine leaves them unaffected.
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

/// The checkout these tests are built from.
fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("benches/ is inside the workspace")
        .to_path_buf()
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
    for name in ["dhat-heap.json", "dhat-heap-release.json", "sorting.json"] {
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

/// A file's path in its crate, and each function and its line there.
type SourceFile = (&'static str, &'static [(&'static str, usize)]);

/// The functions the release fixture's boundlite frames point into: per
/// crate (folder, package), per file, each function and the first line
/// it is named at there. The tests build a checkout from this table
/// rather than reading this one, so editing the engine's sources cannot
/// break them.
const RELEASE_SOURCES: &[(&str, &str, &[SourceFile])] = &[
    (
        "core",
        "boundlite",
        &[
            (
                "src/pager/cache.rs",
                &[("new", 169), ("victim", 232), ("grow", 304)],
            ),
            ("src/pager/mod.rs", &[("open", 140), ("allocate", 344)]),
            (
                "src/btree/balance.rs",
                &[("settle", 72), ("redistribute", 204)],
            ),
            ("src/btree/cell_list.rs", &[("push", 104), ("insert", 115)]),
            (
                "src/btree/writer.rs",
                &[
                    ("insert_new_row", 225),
                    ("place", 449),
                    ("quick_balance", 488),
                ],
            ),
            ("src/connection/session.rs", &[("write", 153)]),
            (
                "src/connection/statement.rs",
                &[("step", 134), ("advance", 186)],
            ),
            (
                "src/connection/writer.rs",
                &[("storage", 217), ("insert", 419)],
            ),
            (
                "src/connection/exec/insert.rs",
                &[("run", 102), ("store_row", 245)],
            ),
            ("src/database/mod.rs", &[("open", 71), ("open_as", 94)]),
            (
                "src/database/transaction.rs",
                &[("insert_new_row", 89), ("change", 165)],
            ),
        ],
    ),
    (
        "alloc",
        "boundlite-alloc",
        &[
            ("src/counting.rs", &[("allocate", 146)]),
            ("src/boxed.rs", &[("try_from_elem_in", 79)]),
            (
                "src/vec.rs",
                &[
                    ("try_with_capacity_in", 88),
                    ("try_from_elem_in", 107),
                    ("try_reserve", 154),
                    ("try_reserve_exact", 170),
                    ("try_extend_from_slice", 198),
                ],
            ),
        ],
    ),
    (
        "benches",
        "boundlite-benches",
        &[
            (
                "src/memory/engine_boundlite.rs",
                &[("prepare", 57), ("execute", 126), ("run", 159)],
            ),
            ("src/memory/rss.rs", &[("sample", 22)]),
            ("src/bin/memory-benchmark/main.rs", &[("__rust_alloc", 20)]),
        ],
    ),
];

/// A checkout holding [`RELEASE_SOURCES`]: each function declared on its
/// line, each file as long as its last one.
fn release_tree(dir: &Path) {
    std::fs::write(dir.join("Cargo.toml"), "[workspace]\nmembers = [\"*\"]\n").expect("write");
    for (folder, package, files) in RELEASE_SOURCES {
        let manifest = format!("[package]\nname = \"{package}\"\n");
        write_tree(dir, &[(&format!("{folder}/Cargo.toml"), &manifest)]);
        for (path, functions) in *files {
            let last = functions.iter().map(|(_, line)| *line).max().unwrap_or(1);
            let mut lines = vec![String::new(); last];
            for (name, line) in *functions {
                lines[line - 1] = format!("fn {name}() {{}}");
            }
            write_tree(dir, &[(&format!("{folder}/{path}"), &lines.join("\n"))]);
        }
    }
}

/// Runs on the release fixture with a checkout of [`RELEASE_SOURCES`] as
/// the source root.
fn release_report(args: &[&str]) -> Value {
    let dir = tempfile::tempdir().expect("tempdir");
    release_tree(dir.path());
    let root = dir.path().to_str().expect("UTF-8 path");
    report(
        &fixture("dhat-heap-release.json"),
        &[args, &["--source-root", root]].concat(),
    )
}

#[test]
fn release_profile_lands_on_boundlite_functions() {
    let r = release_report(&["--top", "100"]);
    let names = names(&r);
    assert_eq!(r["no_boundlite_frame"]["pps"], 0, "{names:?}");
    for g in r["groups"].as_array().expect("groups") {
        assert_eq!(g["kind"], "ours", "{g}");
    }
    for name in &names {
        assert!(!name.starts_with('[') && !name.contains("???"), "{name}");
        // boundlite-alloc's files are in the tree, and still plumbing.
        for machinery in [
            "alloc::",
            "allocator_api2",
            "boundlite_alloc",
            "core::",
            "std::",
        ] {
            assert!(!name.starts_with(machinery), "landed on {name}");
        }
    }
    // The benchmark's own statement buffer, then the page cache growing
    // under a B-tree insert.
    assert_eq!(
        names[..3],
        [
            "boundlite_benches::memory::engine_boundlite::prepare",
            "boundlite::pager::cache::grow",
            "boundlite::btree::cell_list::insert",
        ]
    );
    assert_eq!(r["groups"][1]["location"], "src/pager/cache.rs:304:22");
    assert!(names.contains(&"boundlite::pager::cache::new".to_string()));
    assert!(names.contains(&"boundlite::pager::open".to_string()));
}

#[test]
fn release_profile_groups_by_module() {
    let by_function = release_report(&["--top", "100"]);
    let by_module = release_report(&["--top", "100", "--modules"]);
    let modules = names(&by_module);
    assert_eq!(modules[0], "boundlite::pager::cache", "{modules:?}");
    for expected in [
        "boundlite::btree::cell_list",
        "boundlite::pager",
        "boundlite_benches::memory::engine_boundlite",
        "boundlite_benches::memory::rss",
    ] {
        assert!(modules.contains(&expected.to_string()), "{modules:?}");
    }
    let grow = &group(&by_function, "boundlite::pager::cache::grow")["totals"];
    let new = &group(&by_function, "boundlite::pager::cache::new")["totals"];
    let cache = &group(&by_module, "boundlite::pager::cache")["totals"];
    for key in ["tb", "gb", "pps"] {
        let sum = grow[key].as_u64().expect(key) + new[key].as_u64().expect(key);
        assert_eq!(cache[key], sum, "{key}");
    }

    let text = stdout(&run(
        &fixture("dhat-heap-release.json"),
        &[
            "--modules",
            "--source-root",
            workspace().to_str().expect("UTF-8 path"),
        ],
    ));
    assert!(text.contains("boundlite::pager::cache\n"), "{text}");
    assert!(!text.contains("No boundlite frame"), "{text}");
}

#[test]
fn release_stacks_name_the_inlined_callers() {
    let r = release_report(&["--stacks", "--top", "100"]);
    let grow = group(&r, "boundlite::pager::cache::grow");
    let frames: Vec<&str> = grow["stack"]["frames"]
        .as_array()
        .expect("stack")
        .iter()
        .map(|f| f["function"].as_str().expect("function"))
        .collect();
    assert_eq!(
        frames[..4],
        [
            "boundlite::pager::cache::grow",
            "boundlite::pager::cache::victim",
            "boundlite::pager::allocate",
            "boundlite::btree::writer::quick_balance",
        ]
    );
    assert!(frames.contains(&"boundlite::connection::exec::insert::run"));
    // Above it: dhat, std's allocator, boundlite-alloc's Vec.
    assert!(grow["stack"]["frames_above"].as_u64().expect("above") > 10);
}

#[test]
fn source_root_defaults_to_the_workspace_around_the_current_directory() {
    let out = Command::new(env!("CARGO_BIN_EXE_dhat-analyze"))
        .arg(fixture("dhat-heap-release.json"))
        .args(["--modules", "--json"])
        .current_dir(workspace().join("core/src"))
        .output()
        .expect("dhat-analyze runs");
    assert!(out.status.success());
    let r: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let root = PathBuf::from(r["source_root"].as_str().expect("a source root"));
    assert_eq!(
        root.canonicalize().expect("root exists"),
        workspace().canonicalize().expect("workspace exists")
    );
}

/// Writes `files` (path, contents) under `dir`.
fn write_tree(dir: &Path, files: &[(&str, &str)]) {
    for (path, contents) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, contents).expect("write");
    }
}

#[test]
fn a_trimmed_path_in_two_crates_goes_to_the_one_declaring_the_function() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tree = dir.path().join("checkout");
    write_tree(
        &tree,
        &[
            ("Cargo.toml", "[workspace]\nmembers = [\"*\"]\n"),
            (
                "platform/Cargo.toml",
                "[package]\nname = \"boundlite-platform\"\n",
            ),
            (
                "platform/src/memory/mod.rs",
                "fn helper() {}\n\nfn resize() {\n    helper();\n}\n",
            ),
            (
                "benches/Cargo.toml",
                "[package]\nname = \"boundlite-benches\"\n",
            ),
            (
                "benches/src/memory/mod.rs",
                "fn helper() {}\n\nfn run() {\n    helper();\n}\n",
            ),
            (
                "alloc/Cargo.toml",
                "[package]\nname = \"boundlite-alloc\"\n",
            ),
            (
                "alloc/src/string.rs",
                "fn try_from_str_in() {\n    grow();\n}\n",
            ),
        ],
    );
    let profile = dir.path().join("profile.json");
    let frames = [
        "[root]",
        // std's alloc/src/string.rs: boundlite-alloc's file is too short.
        "0x1: push_str (alloc/src/string.rs:1102:18)",
        "0x2: try_from_str_in<A> (alloc/src/string.rs:2:5)",
        "0x3: resize (src/memory/mod.rs:4:5)",
        "0x4: run (src/memory/mod.rs:4:5)",
        // Declared in both files: no telling which.
        "0x5: helper (src/memory/mod.rs:1:1)",
        "0x6: resize (/elsewhere/boundlite/platform/src/memory/mod.rs:4:5)",
    ];
    let point = |gb: u64, fs: &[usize]| {
        serde_json::json!({
            "tb": gb, "tbk": 1, "tl": 1, "mb": gb, "mbk": 1,
            "gb": gb, "gbk": 1, "eb": 0, "ebk": 0, "fs": fs,
        })
    };
    let json = serde_json::json!({
        "dhatFileVersion": 2, "mode": "rust-heap", "verb": "Allocated",
        "bklt": true, "bkacc": false, "tu": "µs", "Mtu": "s", "tuth": 10,
        "cmd": "synthetic", "pid": 1, "tg": 1, "te": 2,
        "pps": [
            point(400, &[1, 2, 3, 4]),
            point(300, &[5, 4]),
            point(200, &[1, 5]),
            point(100, &[6]),
        ],
        "ftbl": frames,
    });
    std::fs::write(&profile, json.to_string()).expect("write");
    let root = tree.to_str().expect("UTF-8 path");

    let r = report(&profile, &["--source-root", root, "--stacks"]);
    let kinds: Vec<(String, String)> = r["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| {
            let name = g["name"].as_str().expect("name").to_string();
            (name, g["kind"].as_str().expect("kind").to_string())
        })
        .collect();
    let pair = |name: &str, kind: &str| (name.to_string(), kind.to_string());
    assert_eq!(
        kinds,
        [
            // The absolute path from another checkout joins the same group.
            pair("boundlite_platform::memory::resize", "ours"),
            pair("boundlite_benches::memory::run", "ours"),
            pair("helper", "unknown"),
        ]
    );
    let stack = &r["groups"][0]["stack"];
    assert_eq!(stack["frames_above"], 2);
    assert_eq!(
        stack["frames"][1]["function"],
        "boundlite_benches::memory::run"
    );

    let modules = names(&report(&profile, &["--source-root", root, "--modules"]));
    assert_eq!(modules[0], "boundlite_platform::memory");
    assert_eq!(modules[2], "[src/memory/mod.rs]");
}

#[test]
fn a_source_root_without_packages_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().to_str().expect("UTF-8 path");
    let out = run(&fixture("sorting.json"), &["--source-root", root]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--source-root"), "{stderr}");
    assert!(stderr.contains("no Cargo package"), "{stderr}");
    assert!(out.stdout.is_empty());
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
