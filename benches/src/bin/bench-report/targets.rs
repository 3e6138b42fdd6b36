//! The targets for the memory benchmark, and whether a
//! workload's figures meet them.

use crate::markdown;
use crate::memory::Summary;

/// Allocation calls per statement boundlite may make once warm.
pub const ALLOCATIONS_PER_STATEMENT: f64 = 0.0;
/// boundlite's peak heap as a fraction of SQLite's, at most.
pub const PEAK_RATIO: f64 = 0.5;
/// boundlite's run time as a multiple of SQLite's, at most.
pub const TIME_RATIO: f64 = 1.5;
/// The arena insert-heavy must complete in with 4 KiB pages.
pub const INSERT_HEAVY_ARENA_BYTES: f64 = 64.0 * 1024.0;

/// One target's verdict on one workload.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// The target, short (`peak ≤ 0.5×`).
    pub target: &'static str,
    /// `met`, `missed by ...`, or why it was not judged.
    pub outcome: String,
}

impl Verdict {
    fn new(target: &'static str, outcome: String) -> Self {
        Self { target, outcome }
    }
}

/// `met`, or by how much `value` exceeds `limit`, formatted by `show`.
fn at_most(value: f64, limit: f64, show: impl Fn(f64) -> String) -> String {
    if value <= limit {
        "met".into()
    } else {
        format!("missed by {}", show(value - limit))
    }
}

/// The verdicts of every target that applies to `summary`.
pub fn judge(summary: &Summary) -> Vec<Verdict> {
    let mut verdicts = vec![
        Verdict::new(
            "allocs/stmt 0",
            at_most(
                summary.boundlite.allocations_per_statement,
                ALLOCATIONS_PER_STATEMENT,
                |d| format!("{}/stmt", markdown::per_item(d)),
            ),
        ),
        Verdict::new(
            "peak ≤ 0.5×",
            at_most(summary.peak_ratio, PEAK_RATIO, markdown::ratio),
        ),
        Verdict::new(
            "time ≤ 1.5×",
            at_most(summary.time_ratio, TIME_RATIO, markdown::ratio),
        ),
    ];
    if summary.workload == "insert-heavy" {
        let outcome = match summary.boundlite.min_heap_bytes {
            _ if summary.settings.page_size != 4096 => "not judged: pages are not 4 KiB".into(),
            Some(bytes) => at_most(bytes, INSERT_HEAVY_ARENA_BYTES, markdown::bytes),
            None => "not measured (no --min-heap run)".into(),
        };
        verdicts.push(Verdict::new("min arena ≤ 64 KiB", outcome));
    }
    verdicts
}

/// The verdicts in one table cell: `target: outcome; ...`.
pub fn cell(verdicts: &[Verdict]) -> String {
    verdicts
        .iter()
        .map(|v| format!("{}: {}", v.target, v.outcome))
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::{Medians, Settings};

    fn summary(workload: &str, allocs: f64, peak: f64, time: f64, arena: Option<f64>) -> Summary {
        let medians = Medians {
            run_ms: 1.0,
            peak_bytes: 1.0,
            allocations_per_statement: allocs,
            min_heap_bytes: arena,
        };
        Summary {
            workload: workload.into(),
            settings: Settings {
                iterations: 100,
                batch_size: 100,
                seed_rows: 0,
                page_size: 4096,
                cache_size: -2000,
            },
            runs: 3,
            boundlite: medians,
            sqlite: medians,
            time_ratio: time,
            peak_ratio: peak,
        }
    }

    #[test]
    fn limits_are_inclusive_and_misses_say_by_how_much() {
        let verdicts = judge(&summary("mixed", 0.0, 0.5, 1.75, None));
        assert_eq!(
            cell(&verdicts),
            "allocs/stmt 0: met; peak ≤ 0.5×: met; time ≤ 1.5×: missed by 0.25×"
        );
        let verdicts = judge(&summary("mixed", 1.25, 0.51, 1.5, None));
        assert_eq!(verdicts[0].outcome, "missed by 1.25/stmt");
        assert_eq!(verdicts[1].outcome, "missed by 0.01×");
        assert_eq!(verdicts[2].outcome, "met");
    }

    #[test]
    fn the_arena_target_is_insert_heavy_only() {
        assert_eq!(judge(&summary("mixed", 0.0, 0.1, 0.1, Some(1e9))).len(), 3);
        let verdicts = judge(&summary("insert-heavy", 0.0, 0.1, 0.1, Some(80.0 * 1024.0)));
        assert_eq!(verdicts[3].outcome, "missed by 16.0 KiB");
        let verdicts = judge(&summary("insert-heavy", 0.0, 0.1, 0.1, Some(64.0 * 1024.0)));
        assert_eq!(verdicts[3].outcome, "met");
        let verdicts = judge(&summary("insert-heavy", 0.0, 0.1, 0.1, None));
        assert!(verdicts[3].outcome.starts_with("not measured"));
    }
}
