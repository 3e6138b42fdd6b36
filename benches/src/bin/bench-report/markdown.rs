//! Markdown tables and the number formats the report uses, so every
//! table prints times, bytes and ratios the same way.

use std::fmt::Write;

/// A Markdown table built row by row; cells are escaped for `|`.
#[derive(Debug, Clone, Default)]
pub struct Table {
    head: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column titles.
    pub fn new(head: &[&str]) -> Self {
        Self {
            head: head.iter().map(|h| (*h).to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row; missing cells are left empty, extra ones dropped.
    pub fn row(&mut self, cells: Vec<String>) {
        let mut cells = cells;
        cells.resize(self.head.len(), String::new());
        self.rows.push(cells);
    }

    /// The table as Markdown: a column whose cells are all figures (they
    /// start with a digit, or are [`NONE`]) is right-aligned.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let line = |out: &mut String, cells: &[String]| {
            out.push('|');
            for cell in cells {
                let _ = write!(out, " {} |", cell.replace('|', "\\|"));
            }
            out.push('\n');
        };
        line(&mut out, &self.head);
        out.push('|');
        for column in 0..self.head.len() {
            out.push_str(if self.is_figures(column) {
                "---:|"
            } else {
                "---|"
            });
        }
        out.push('\n');
        for row in &self.rows {
            line(&mut out, row);
        }
        out
    }

    /// Whether column `index` holds figures only (and at least one).
    fn is_figures(&self, index: usize) -> bool {
        let cells = || self.rows.iter().map(|row| row[index].as_str());
        cells().any(|c| c.starts_with(|c: char| c.is_ascii_digit()))
            && cells().all(|c| c == NONE || c.starts_with(|c: char| c.is_ascii_digit()))
    }
}

/// A duration given in nanoseconds, to three significant digits in the
/// largest unit that keeps it at least 1.
pub fn nanos(ns: f64) -> String {
    let (value, unit) = if ns >= 1e9 {
        (ns / 1e9, "s")
    } else if ns >= 1e6 {
        (ns / 1e6, "ms")
    } else if ns >= 1e3 {
        (ns / 1e3, "µs")
    } else {
        (ns, "ns")
    };
    format!("{} {unit}", significant(value))
}

/// Milliseconds with one decimal.
pub fn millis(ms: f64) -> String {
    format!("{ms:.1} ms")
}

/// Bytes in KiB (below 10 MiB) or MiB, one decimal.
pub fn bytes(n: f64) -> String {
    const KIB: f64 = 1024.0;
    if n >= 10.0 * KIB * KIB {
        format!("{:.1} MiB", n / KIB / KIB)
    } else {
        format!("{:.1} KiB", n / KIB)
    }
}

/// A ratio `a / b` as `0.83×`.
pub fn ratio(r: f64) -> String {
    format!("{r:.2}×")
}

/// Allocations per item: an exact zero prints as `0`, others with up to
/// three decimals.
pub fn per_item(n: f64) -> String {
    if n == 0.0 {
        "0".into()
    } else if n >= 100.0 {
        format!("{n:.0}")
    } else {
        format!("{n:.3}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .into()
    }
}

/// `value` to three significant digits (no exponent).
fn significant(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0}")
    } else if value >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

/// A missing figure.
pub const NONE: &str = "—";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_pick_the_unit_that_keeps_three_digits() {
        assert_eq!(nanos(512.0), "512 ns");
        assert_eq!(nanos(1_234.0), "1.23 µs");
        assert_eq!(nanos(45_670.0), "45.7 µs");
        assert_eq!(nanos(2_500_000.0), "2.50 ms");
        assert_eq!(nanos(3.2e9), "3.20 s");
    }

    #[test]
    fn bytes_switch_to_mib_at_ten_mib() {
        assert_eq!(bytes(65_536.0), "64.0 KiB");
        assert_eq!(bytes(1_572_864.0), "1536.0 KiB");
        assert_eq!(bytes(20.0 * 1024.0 * 1024.0), "20.0 MiB");
    }

    #[test]
    fn per_item_shows_exact_zero_and_trims() {
        assert_eq!(per_item(0.0), "0");
        assert_eq!(per_item(0.5), "0.5");
        assert_eq!(per_item(0.0012), "0.001");
        assert_eq!(per_item(2.0), "2");
        assert_eq!(per_item(1234.4), "1234");
        assert_eq!(ratio(0.834), "0.83×");
    }

    #[test]
    fn tables_escape_pipes_and_pad_rows() {
        let mut table = Table::new(&["name", "value"]);
        table.row(vec!["a|b".into()]);
        assert_eq!(
            table.render(),
            "| name | value |\n|---|---|\n| a\\|b |  |\n"
        );
    }

    #[test]
    fn only_columns_of_figures_align_right() {
        let mut table = Table::new(&["name", "time", "note"]);
        table.row(vec!["x".into(), "1.0 ms".into(), "met".into()]);
        table.row(vec!["2".into(), NONE.into(), "3 KiB".into()]);
        let text = table.render();
        assert!(text.contains("\n|---|---:|---|\n"), "{text}");
    }
}
