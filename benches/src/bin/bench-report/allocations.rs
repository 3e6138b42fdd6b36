//! The `allocations ...` lines the criterion benches print (see
//! `boundlite_benches::report_allocations`), and which of them gives a
//! bench's allocations per criterion iteration.

/// One `allocations NAME: A allocations + R reallocations for N items
/// (X allocations per item), peak P bytes` line.
#[derive(Debug, Clone, PartialEq)]
pub struct AllocLine {
    /// What was counted.
    pub name: String,
    /// Allocation calls.
    pub allocations: u64,
    /// Reallocation calls.
    pub reallocations: u64,
    /// Items the calls are spread over.
    pub items: u64,
    /// Peak live bytes of the counting allocator.
    pub peak_bytes: u64,
}

impl AllocLine {
    /// Allocation and reallocation calls per item.
    pub fn calls_per_item(&self) -> f64 {
        (self.allocations + self.reallocations) as f64 / self.items.max(1) as f64
    }
}

/// Benches whose allocation line counts something other than one
/// iteration (lines printed by `sql.rs` under their own names): the
/// criterion id, the line's name prefix, and items per iteration.
const ALIASES: &[(&str, &str, f64)] = &[(
    "sql_insert_100_per_txn/boundlite",
    "sql_insert/per insert, whole batches",
    100.0,
)];

/// Every allocation line of a captured bench stdout, in order.
pub fn parse(log: &str) -> Result<Vec<AllocLine>, String> {
    log.lines()
        .filter_map(|line| line.trim().strip_prefix("allocations "))
        .map(|rest| parse_line(rest).ok_or_else(|| format!("unreadable line: allocations {rest}")))
        .collect()
}

/// The part of a line after `allocations `.
fn parse_line(rest: &str) -> Option<AllocLine> {
    let (name, figures) = rest.rsplit_once(": ")?;
    let words: Vec<&str> = figures.split_whitespace().collect();
    let number = |i: usize| words.get(i)?.parse::<u64>().ok();
    // A allocations + R reallocations for N items (X allocations per
    // item), peak P bytes
    let shape_ok = words.get(1) == Some(&"allocations")
        && words.get(4) == Some(&"reallocations")
        && words.get(7) == Some(&"items")
        && words.get(12) == Some(&"peak");
    shape_ok.then_some(())?;
    Some(AllocLine {
        name: name.to_string(),
        allocations: number(0)?,
        reallocations: number(3)?,
        items: number(6)?,
        peak_bytes: number(13)?,
    })
}

/// The allocation and reallocation calls per iteration of criterion
/// bench `id`, from the first line that counts it: a line named after the
/// id (`group/bench`, optionally followed by a note in words), an
/// [`ALIASES`] entry, or for a `group/boundlite` bench the group's
/// `group/per execution` line.
pub fn per_iteration(lines: &[AllocLine], id: &str) -> Option<f64> {
    let named = |line: &&AllocLine| {
        line.name == id
            || line
                .name
                .strip_prefix(id)
                .is_some_and(|rest| rest.starts_with(' '))
    };
    if let Some(line) = lines.iter().find(named) {
        return Some(line.calls_per_item());
    }
    for (alias, prefix, items) in ALIASES {
        if *alias == id {
            if let Some(line) = lines.iter().find(|l| l.name.starts_with(prefix)) {
                return Some(line.calls_per_item() * items);
            }
        }
    }
    let group = id.strip_suffix("/boundlite")?;
    let execution = format!("{group}/per execution");
    lines
        .iter()
        .find(|l| l.name.starts_with(&execution))
        .map(AllocLine::calls_per_item)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(name: &str, allocations: u64, items: u64) -> AllocLine {
        AllocLine {
            name: name.into(),
            allocations,
            reallocations: 0,
            items,
            peak_bytes: 0,
        }
    }

    #[test]
    fn lines_parse_with_colons_in_names() {
        let log = "noise\nallocations a/b: c (x): 3 allocations + 1 reallocations for 8 items \
                   (0.375 allocations per item), peak 4096 bytes\n";
        let lines = parse(log).expect("parses");
        assert_eq!(
            lines,
            [AllocLine {
                name: "a/b: c (x)".into(),
                allocations: 3,
                reallocations: 1,
                items: 8,
                peak_bytes: 4096,
            }]
        );
        assert_eq!(lines[0].calls_per_item(), 0.5);
    }

    #[test]
    fn a_malformed_line_is_an_error() {
        assert!(parse("allocations x: three allocations\n").is_err());
    }

    #[test]
    fn per_iteration_prefers_the_named_line_then_aliases_then_executions() {
        let lines = [
            line("btree_read_100k/point_seek_wide", 9, 1),
            line("btree_read_100k/point_seek", 10, 1000),
            line(
                "sql_insert/per insert, whole batches with BEGIN + COMMIT",
                5,
                1000,
            ),
            line(
                "sql_point_select_10k/per execution (reset + bind + step all)",
                0,
                10,
            ),
        ];
        assert_eq!(
            per_iteration(&lines, "btree_read_100k/point_seek"),
            Some(0.01)
        );
        assert_eq!(
            per_iteration(&lines, "sql_insert_100_per_txn/boundlite"),
            Some(0.5)
        );
        assert_eq!(
            per_iteration(&lines, "sql_point_select_10k/boundlite"),
            Some(0.0)
        );
        assert_eq!(per_iteration(&lines, "sql_point_select_10k/sqlite"), None);
        assert_eq!(per_iteration(&lines, "btree_read_100k/full_scan"), None);
    }
}
