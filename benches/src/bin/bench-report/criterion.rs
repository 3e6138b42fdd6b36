//! What criterion measured: the bench ids a run printed (in the order it
//! ran them) and each one's median from
//! `<criterion dir>/<group>/<bench>/new/estimates.json`.
//!
//! The ids come from the captured stdout rather than a walk of the
//! criterion directory, so figures left there by earlier runs of other
//! benches never reach the report.

use std::path::Path;

use serde_json::Value;

/// One criterion bench and its median time.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// `group/bench`.
    pub id: String,
    /// Median of the samples' per-iteration times, in nanoseconds.
    pub median_ns: f64,
}

impl Estimate {
    /// The group part of the id.
    pub fn group(&self) -> &str {
        self.id.split_once('/').map_or(self.id.as_str(), |(g, _)| g)
    }

    /// The bench part of the id.
    pub fn bench(&self) -> &str {
        self.id.split_once('/').map_or("", |(_, b)| b)
    }
}

/// The ids of the benches whose results a captured criterion stdout
/// holds, in order, each once. Criterion prints an id before its
/// `time:` figures, on the same line when the id is short and on the line
/// above when it is not.
pub fn bench_ids(log: &str) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    let mut previous = String::new();
    for raw in log.lines() {
        let line = strip_ansi(raw);
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        match line.find("time:") {
            Some(at) => {
                let before = line[..at].trim();
                let id = if before.is_empty() {
                    previous.as_str()
                } else {
                    before
                };
                if is_id(id) && !ids.iter().any(|known| known == id) {
                    ids.push(id.to_string());
                }
                previous.clear();
            }
            None => line.clone_into(&mut previous),
        }
    }
    ids
}

/// Whether `text` looks like a criterion id: `group/bench`, no spaces.
fn is_id(text: &str) -> bool {
    match text.split_once('/') {
        Some((group, bench)) => {
            !group.is_empty() && !bench.is_empty() && !text.contains(char::is_whitespace)
        }
        None => false,
    }
}

/// `text` without ANSI colour sequences (`ESC [ ... m`).
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The median of `id` from its `estimates.json` under `dir`.
pub fn estimate(dir: &Path, id: &str) -> Result<Estimate, String> {
    let path = id
        .split('/')
        .fold(dir.to_path_buf(), |path, part| path.join(part))
        .join("new/estimates.json");
    let text =
        std::fs::read_to_string(&path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    let median_ns = median(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Estimate {
        id: id.to_string(),
        median_ns,
    })
}

/// `median.point_estimate` of an `estimates.json`.
pub fn median(text: &str) -> Result<f64, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    value
        .pointer("/median/point_estimate")
        .and_then(Value::as_f64)
        .filter(|ns| ns.is_finite() && *ns >= 0.0)
        .ok_or_else(|| "no median.point_estimate".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "\
allocations sql_insert/x: 0 allocations + 0 reallocations for 1 items (0.000 allocations per item), peak 0 bytes
sql_insert_100_per_txn/sqlite
                        time:   [1.0 ms 1.1 ms 1.2 ms]
                        change: [-1% +0% +1%] (p = 0.50 > 0.05)
btree/short             time:   [10 ns 11 ns 12 ns]
Found 3 outliers among 100 measurements (3.00%)
\u{1b}[32mbtree_read_100k/point_seek\u{1b}[0m
                        time:   [1 µs 2 µs 3 µs]
btree/short             time:   [10 ns 11 ns 12 ns]
";

    #[test]
    fn ids_come_from_both_layouts_once_each_in_order() {
        assert_eq!(
            bench_ids(LOG),
            [
                "sql_insert_100_per_txn/sqlite",
                "btree/short",
                "btree_read_100k/point_seek"
            ]
        );
    }

    #[test]
    fn a_time_line_after_a_non_id_line_is_skipped() {
        let log = "Found 3 outliers among 100 measurements\n   time: [1 2 3]\n";
        assert!(bench_ids(log).is_empty());
    }

    #[test]
    fn median_reads_the_point_estimate() {
        let text = r#"{"mean":{"point_estimate":5.0},"median":{"point_estimate":4.5}}"#;
        assert_eq!(median(text), Ok(4.5));
        assert!(median(r#"{"mean":{"point_estimate":5.0}}"#).is_err());
        assert!(median("not json").is_err());
    }
}
