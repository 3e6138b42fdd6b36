//! The memory benchmark's JSON reports (`memory-benchmark --format json
//! --engine both`), one file per run, summarised per workload: medians
//! over the timing runs, ratios taken within each run (both engines ran
//! in the same process one after the other) and then their median, and
//! the minimum heaps from the `--min-heap` runs.

use std::path::Path;

use serde_json::Value;

/// The figures of one engine in one run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EngineFigures {
    /// Wall time of the run batches.
    pub run_ms: f64,
    /// Highest live heap bytes over the whole run.
    pub peak_bytes: f64,
    /// Allocation and reallocation calls per run statement.
    pub allocations_per_statement: f64,
    /// The smallest heap the workload completed in, when searched.
    pub min_heap_bytes: Option<f64>,
}

/// One memory-benchmark report.
#[derive(Debug, Clone, PartialEq)]
pub struct MemoryRun {
    /// The workload's name (`insert-heavy`, ...).
    pub workload: String,
    /// Settings that must agree between the runs of a workload.
    pub settings: Settings,
    /// boundlite's figures.
    pub boundlite: EngineFigures,
    /// SQLite's figures.
    pub sqlite: EngineFigures,
}

/// How a run was configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// Batches in the run.
    pub iterations: u64,
    /// Statements per batch.
    pub batch_size: u64,
    /// Rows seeded before the run.
    pub seed_rows: u64,
    /// Page size of both databases.
    pub page_size: u64,
    /// SQLite's `cache_size` (boundlite gets the same frames).
    pub cache_size: i64,
}

impl Settings {
    /// Whether `other` ran the same experiment on another workload: all
    /// the same but the seeded rows (which only some workloads seed).
    pub fn same_experiment(&self, other: &Settings) -> bool {
        Settings {
            seed_rows: other.seed_rows,
            ..*self
        } == *other
    }
}

impl MemoryRun {
    /// Whether this run searched the minimum heap (its timings are not
    /// used: the search's runs share the process).
    pub fn is_min_heap(&self) -> bool {
        self.boundlite.min_heap_bytes.is_some() || self.sqlite.min_heap_bytes.is_some()
    }
}

/// Parses one report; both engines must have run.
pub fn parse(text: &str) -> Result<MemoryRun, String> {
    let root: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let text_at = |key: &str| {
        root.get(key)
            .and_then(Value::as_str)
            .ok_or_else(|| format!("no `{key}`"))
    };
    let u64_at = |key: &str| {
        root.get(key)
            .and_then(Value::as_u64)
            .ok_or_else(|| format!("no `{key}`"))
    };
    let engine = |name: &str| {
        let engine = root
            .pointer(&format!("/engines/{name}"))
            .filter(|v| v.is_object())
            .ok_or_else(|| format!("no `engines.{name}`: run with --engine both"))?;
        let number = |key: &str| {
            engine
                .get(key)
                .and_then(Value::as_f64)
                .ok_or_else(|| format!("no `engines.{name}.{key}`"))
        };
        Ok::<_, String>(EngineFigures {
            run_ms: number("run_ms")?,
            peak_bytes: number("peak_bytes")?,
            allocations_per_statement: number("allocations_per_statement")?,
            min_heap_bytes: engine.get("min_heap_bytes").and_then(Value::as_f64),
        })
    };
    Ok(MemoryRun {
        workload: text_at("workload")?.to_string(),
        settings: Settings {
            iterations: u64_at("iterations")?,
            batch_size: u64_at("batch_size")?,
            seed_rows: u64_at("seed_rows")?,
            page_size: u64_at("page_size")?,
            cache_size: root
                .get("cache_size")
                .and_then(Value::as_i64)
                .ok_or("no `cache_size`")?,
        },
        boundlite: engine("boundlite")?,
        sqlite: engine("sqlite")?,
    })
}

/// Every `*.json` report in `dir`, in file-name order.
pub fn load(dir: &Path) -> Result<Vec<MemoryRun>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("reading {}: {e}", dir.display()))?;
    let mut paths = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| format!("reading {}: {e}", dir.display()))?
            .path();
        if path.extension().is_some_and(|ext| ext == "json") {
            paths.push(path);
        }
    }
    paths.sort();
    paths
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("reading {}: {e}", path.display()))?;
            parse(&text).map_err(|e| format!("{}: {e}", path.display()))
        })
        .collect()
}

/// Medians of one engine's figures over a workload's timing runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Medians {
    /// Run time.
    pub run_ms: f64,
    /// Peak heap.
    pub peak_bytes: f64,
    /// Allocations per statement.
    pub allocations_per_statement: f64,
    /// Minimum heap, from the `--min-heap` runs.
    pub min_heap_bytes: Option<f64>,
}

/// One workload over all its runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// The workload.
    pub workload: String,
    /// Its settings (those of the timing runs).
    pub settings: Settings,
    /// Timing runs summarised.
    pub runs: usize,
    /// boundlite's medians.
    pub boundlite: Medians,
    /// SQLite's medians.
    pub sqlite: Medians,
    /// Median over the runs of boundlite / SQLite run time.
    pub time_ratio: f64,
    /// Median over the runs of boundlite / SQLite peak heap.
    pub peak_ratio: f64,
}

impl Summary {
    /// boundlite / SQLite minimum heap, when both were searched.
    pub fn min_heap_ratio(&self) -> Option<f64> {
        Some(self.boundlite.min_heap_bytes? / self.sqlite.min_heap_bytes?)
    }
}

/// The workloads in the memory benchmark's order; others follow by name.
const ORDER: &[&str] = &[
    "insert-heavy",
    "read-heavy",
    "mixed",
    "scan-heavy",
    "update-churn",
];

/// One summary per workload that has at least one timing run. Runs of a
/// workload with different settings are an error (their medians would
/// mix two experiments), and so are workloads run with different batches,
/// pages or cache (the report states one set of settings).
pub fn summarise(runs: &[MemoryRun]) -> Result<Vec<Summary>, String> {
    if let Some(first) = runs.first() {
        if let Some(other) = runs
            .iter()
            .find(|r| !first.settings.same_experiment(&r.settings))
        {
            return Err(format!(
                "{} and {} ran with different settings ({:?} and {:?})",
                first.workload, other.workload, first.settings, other.settings
            ));
        }
    }
    let mut names: Vec<&str> = runs.iter().map(|r| r.workload.as_str()).collect();
    names.sort_by_key(|name| {
        (
            ORDER.iter().position(|o| o == name).unwrap_or(ORDER.len()),
            *name,
        )
    });
    names.dedup();
    let mut out = Vec::new();
    for name in names {
        let of: Vec<&MemoryRun> = runs.iter().filter(|r| r.workload == name).collect();
        let timing: Vec<&MemoryRun> = of.iter().copied().filter(|r| !r.is_min_heap()).collect();
        let Some(first) = timing.first() else {
            continue;
        };
        if let Some(other) = of.iter().find(|r| r.settings != first.settings) {
            return Err(format!(
                "{name}: runs with different settings ({:?} and {:?})",
                first.settings, other.settings
            ));
        }
        let min_heap: Vec<&MemoryRun> = of.iter().copied().filter(|r| r.is_min_heap()).collect();
        let medians = |engine: fn(&MemoryRun) -> &EngineFigures| Medians {
            run_ms: median(timing.iter().map(|r| engine(r).run_ms)),
            peak_bytes: median(timing.iter().map(|r| engine(r).peak_bytes)),
            allocations_per_statement: median(
                timing.iter().map(|r| engine(r).allocations_per_statement),
            ),
            min_heap_bytes: {
                let found: Vec<f64> = min_heap
                    .iter()
                    .filter_map(|r| engine(r).min_heap_bytes)
                    .collect();
                (!found.is_empty()).then(|| median(found.into_iter()))
            },
        };
        out.push(Summary {
            workload: name.to_string(),
            settings: first.settings,
            runs: timing.len(),
            boundlite: medians(|r| &r.boundlite),
            sqlite: medians(|r| &r.sqlite),
            time_ratio: median(timing.iter().map(|r| r.boundlite.run_ms / r.sqlite.run_ms)),
            peak_ratio: median(
                timing
                    .iter()
                    .map(|r| r.boundlite.peak_bytes / r.sqlite.peak_bytes),
            ),
        });
    }
    Ok(out)
}

/// The median of `values` (the mean of the middle two for an even
/// count); NaN for none.
pub fn median(values: impl Iterator<Item = f64>) -> f64 {
    let mut values: Vec<f64> = values.collect();
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => values[n / 2],
        _ => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(workload: &str, b_ms: f64, s_ms: f64, min_heap: Option<f64>) -> MemoryRun {
        let figures = |run_ms: f64, peak_bytes: f64| EngineFigures {
            run_ms,
            peak_bytes,
            allocations_per_statement: 1.0,
            min_heap_bytes: min_heap,
        };
        MemoryRun {
            workload: workload.into(),
            settings: Settings {
                iterations: 100,
                batch_size: 100,
                seed_rows: 0,
                page_size: 4096,
                cache_size: -2000,
            },
            boundlite: figures(b_ms, 100.0),
            sqlite: figures(s_ms, 400.0),
        }
    }

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median([3.0, 1.0, 2.0].into_iter()), 2.0);
        assert_eq!(median([4.0, 1.0, 3.0, 2.0].into_iter()), 2.5);
        assert!(median(std::iter::empty()).is_nan());
    }

    #[test]
    fn ratios_are_taken_within_runs_then_their_median() {
        // Per-run ratios 1, 2 and 6: median 2, where the ratio of the
        // medians would be 30 / 10 = 3.
        let runs = [
            run("mixed", 10.0, 10.0, None),
            run("mixed", 40.0, 20.0, None),
            run("mixed", 30.0, 5.0, None),
            run("insert-heavy", 5.0, 10.0, None),
            run("insert-heavy", 0.0, 1.0, Some(65536.0)),
        ];
        let summaries = summarise(&runs).expect("same settings");
        let names: Vec<&str> = summaries.iter().map(|s| s.workload.as_str()).collect();
        assert_eq!(names, ["insert-heavy", "mixed"]);
        let mixed = &summaries[1];
        assert_eq!(mixed.runs, 3);
        assert_eq!(mixed.boundlite.run_ms, 30.0);
        assert_eq!(mixed.sqlite.run_ms, 10.0);
        assert_eq!(mixed.time_ratio, 2.0);
        assert_eq!(mixed.peak_ratio, 0.25);
        assert_eq!(mixed.boundlite.min_heap_bytes, None);
        let insert = &summaries[0];
        assert_eq!(insert.runs, 1, "the min-heap run's time is not used");
        assert_eq!(insert.boundlite.run_ms, 5.0);
        assert_eq!(insert.boundlite.min_heap_bytes, Some(65536.0));
        assert_eq!(insert.min_heap_ratio(), Some(1.0));
    }

    #[test]
    fn different_settings_in_one_workload_are_refused() {
        let mut other = run("mixed", 1.0, 1.0, None);
        other.settings.iterations = 5;
        assert!(summarise(&[run("mixed", 1.0, 1.0, None), other]).is_err());
    }

    #[test]
    fn workloads_may_differ_in_seeded_rows_only() {
        let mut seeded = run("mixed", 1.0, 1.0, None);
        seeded.settings.seed_rows = 1000;
        assert!(summarise(&[run("insert-heavy", 1.0, 1.0, None), seeded.clone()]).is_ok());
        seeded.settings.page_size = 8192;
        assert!(summarise(&[run("insert-heavy", 1.0, 1.0, None), seeded]).is_err());
    }

    #[test]
    fn a_single_engine_report_is_refused() {
        let text = r#"{"workload":"mixed","iterations":1,"batch_size":1,"seed_rows":0,
            "page_size":4096,"cache_size":-2000,"engines":{"boundlite":{"run_ms":1.0,
            "peak_bytes":1,"allocations_per_statement":0.0,"min_heap_bytes":null}},
            "ratios":null}"#;
        let error = parse(text).expect_err("SQLite missing");
        assert!(error.contains("engines.sqlite"), "{error}");
    }
}
