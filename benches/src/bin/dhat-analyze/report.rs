//! Rendering an analysis as text for people or JSON for scripts.
//!
//! Both forms carry the same content: the profile's totals (over every
//! program point, and over those the filter kept), then the top groups with
//! their summed metrics, their share of the whole profile's total of the
//! ranking metric, where they land, and with `--stacks` the stack of each
//! group's biggest program point from its landing frame down to the root.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::{Value, json};

use crate::format::Profile;
use crate::group::{Analysis, Group, GroupBy, Kind, Metric, Resolved, Totals};

/// What the report shows.
#[derive(Debug, Clone)]
pub struct View<'a> {
    /// The profile's path, for the heading.
    pub path: &'a str,
    /// The ranking metric.
    pub metric: Metric,
    /// Function or module grouping.
    pub group_by: GroupBy,
    /// The filter applied, if any.
    pub filter: Option<&'a str>,
    /// How many groups to show.
    pub top: usize,
    /// Whether to show stacks.
    pub stacks: bool,
    /// The source tree short frame names were looked up in, if any.
    pub source_root: Option<&'a Path>,
}

/// One line of a printed stack.
struct StackLine<'a> {
    frame: &'a Resolved,
    landing: bool,
}

/// A group's biggest stack, trimmed to the part worth reading.
struct Stack<'a> {
    /// Allocator frames above the landing frame, left out.
    above: usize,
    /// From the landing frame down to the caller of the outermost boundlite
    /// frame.
    lines: Vec<StackLine<'a>>,
    /// Frames below those (the program's own callers, the runtime), left out.
    below: usize,
}

/// Frames shown around a landing frame that is not boundlite's.
const FOREIGN_STACK_DEPTH: usize = 12;

fn stack<'a>(profile: &Profile, analysis: &'a Analysis, group: &Group) -> Stack<'a> {
    let fs = profile
        .pps
        .get(group.biggest)
        .map_or(&[][..], |pp| &pp.fs[..]);
    let landing = group.biggest_landing.min(fs.len());
    let kind = |f: usize| analysis.frames.get(f).map(|r| r.kind);
    let (above, end) = match group.kind {
        Kind::Ours => {
            // One frame past the outermost boundlite frame shows who called in.
            let outermost = fs
                .iter()
                .rposition(|&f| kind(f) == Some(Kind::Ours))
                .unwrap_or(landing);
            (landing, outermost + 2)
        }
        Kind::Other => (landing, landing + FOREIGN_STACK_DEPTH),
        // The landing frame is the deepest: what led to it is above.
        Kind::Unknown | Kind::Plumbing => (
            (landing + 1).saturating_sub(FOREIGN_STACK_DEPTH),
            landing + 1,
        ),
    };
    let end = end.min(fs.len());
    let above = above.min(end);
    let lines = fs[above..end]
        .iter()
        .enumerate()
        .filter_map(|(i, &f)| {
            analysis.frames.get(f).map(|frame| StackLine {
                frame,
                landing: above + i == landing,
            })
        })
        .collect();
    Stack {
        above,
        lines,
        below: fs.len() - end,
    }
}

/// `numerator` as a percentage of `total`.
fn share(numerator: u64, total: u64) -> f64 {
    if total == 0 {
        0.0
    } else {
        numerator as f64 * 100.0 / total as f64
    }
}

/// 1234567 -> "1,234,567".
pub fn commas(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn group_by_label(group_by: GroupBy) -> &'static str {
    match group_by {
        GroupBy::Function => "function",
        GroupBy::Module => "module",
    }
}

/// The human-readable report.
pub fn text(profile: &Profile, analysis: &Analysis, view: &View<'_>) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail; the results are ignored for that reason.
    let all = &analysis.all;
    let _ = writeln!(
        out,
        "{}: {} profile of `{}`, {} program points",
        view.path,
        profile.mode,
        profile.cmd,
        commas(all.pps)
    );
    let _ = writeln!(
        out,
        "Total:     {} bytes in {} blocks",
        commas(all.tb),
        commas(all.tbk)
    );
    let peak_time = profile.tg.map_or_else(String::new, |tg| {
        format!(
            " (t-gmax = {} of {} {})",
            commas(tg),
            commas(profile.te),
            profile.time_unit
        )
    });
    let _ = writeln!(
        out,
        "At t-gmax: {} bytes in {} blocks{peak_time}",
        commas(all.gb),
        commas(all.gbk)
    );
    let _ = writeln!(
        out,
        "At t-end:  {} bytes in {} blocks",
        commas(all.eb),
        commas(all.ebk)
    );
    if let Some(pattern) = view.filter {
        let m = &analysis.matched;
        let _ = writeln!(
            out,
            "Filter {pattern:?} (case-sensitive, any frame): {} of {} program points, \
             {} {} of {}",
            commas(m.pps),
            commas(all.pps),
            commas(m.get(view.metric)),
            view.metric.key(),
            commas(all.get(view.metric)),
        );
    }
    let foreign = &analysis.foreign;
    if foreign.pps > 0 {
        let _ = writeln!(
            out,
            "No boundlite frame: {} program points, {} of {} {} ({:.2}%){}",
            commas(foreign.pps),
            commas(foreign.get(view.metric)),
            commas(analysis.matched.get(view.metric)),
            view.metric.key(),
            share(foreign.get(view.metric), analysis.matched.get(view.metric)),
            if analysis
                .groups
                .iter()
                .any(|g| matches!(g.kind, Kind::Unknown | Kind::Plumbing))
            {
                "; if stacks were cut short, profile with \
                 dhat::Profiler::builder().trim_backtraces(None)"
            } else {
                ""
            },
        );
    }
    let shown = analysis.groups.len().min(view.top);
    let unit = if view.metric.is_bytes() {
        "bytes"
    } else {
        "blocks"
    };
    let _ = writeln!(
        out,
        "\nTop {shown} of {} by {} ({}), grouped by {}; share is of the whole profile's {}:",
        analysis.groups.len(),
        view.metric.key(),
        view.metric.describe(),
        group_by_label(view.group_by),
        view.metric.key(),
    );
    for (rank, group) in analysis.groups.iter().take(view.top).enumerate() {
        let value = group.totals.get(view.metric);
        let _ = writeln!(
            out,
            "{:>3}. {:>13} {unit} {:>6.2}%  {}{}",
            rank + 1,
            commas(value),
            share(value, all.get(view.metric)),
            group.name,
            kind_note(group.kind),
        );
        let sites = if group.sites > 1 {
            format!(" (+{} more sites)", group.sites - 1)
        } else {
            String::new()
        };
        let t = &group.totals;
        let _ = writeln!(
            out,
            "       at {}{sites}; pps {}: tb {} in {} blocks, gb {}, eb {}, mb {}",
            if group.location.is_empty() {
                "?"
            } else {
                &group.location
            },
            commas(t.pps),
            commas(t.tb),
            commas(t.tbk),
            commas(t.gb),
            commas(t.eb),
            commas(t.mb),
        );
        if view.stacks {
            let stack = stack(profile, analysis, group);
            if stack.above > 0 {
                let _ = writeln!(out, "          ... {} frames above", stack.above);
            }
            for line in &stack.lines {
                let marker = if line.landing { "->" } else { "  " };
                let _ = writeln!(
                    out,
                    "       {marker} {} ({})",
                    line.frame.function, line.frame.location
                );
            }
            if stack.below > 0 {
                let _ = writeln!(out, "          ... {} frames below", stack.below);
            }
        }
    }
    out
}

/// Groups that landed outside boundlite say so.
fn kind_note(kind: Kind) -> &'static str {
    match kind {
        Kind::Ours => "",
        Kind::Other => "  [no boundlite frame]",
        Kind::Unknown | Kind::Plumbing => "  [no boundlite frame; deepest frame shown]",
    }
}

fn totals_json(t: &Totals) -> Value {
    json!({
        "pps": t.pps,
        "tb": t.tb, "tbk": t.tbk,
        "gb": t.gb, "gbk": t.gbk,
        "eb": t.eb, "ebk": t.ebk,
        "mb": t.mb, "mbk": t.mbk,
    })
}

/// The machine-readable report.
pub fn json(profile: &Profile, analysis: &Analysis, view: &View<'_>) -> Value {
    let all_metric = analysis.all.get(view.metric);
    let groups: Vec<Value> = analysis
        .groups
        .iter()
        .take(view.top)
        .enumerate()
        .map(|(rank, group)| {
            let value = group.totals.get(view.metric);
            let mut entry = json!({
                "rank": rank + 1,
                "name": group.name,
                "kind": group.kind.label(),
                "location": group.location,
                "sites": group.sites,
                "metric": value,
                "share_percent": share(value, all_metric),
                "totals": totals_json(&group.totals),
            });
            if let (true, Some(object)) = (view.stacks, entry.as_object_mut()) {
                let stack = stack(profile, analysis, group);
                let frames: Vec<Value> = stack
                    .lines
                    .iter()
                    .map(|l| {
                        json!({
                            "function": l.frame.function,
                            "location": l.frame.location,
                            "kind": l.frame.kind.label(),
                        })
                    })
                    .collect();
                object.insert(
                    "stack".into(),
                    json!({
                        "frames_above": stack.above,
                        "frames": frames,
                        "frames_below": stack.below,
                    }),
                );
            }
            entry
        })
        .collect();
    json!({
        "file": view.path,
        "mode": profile.mode,
        "cmd": profile.cmd,
        "time_unit": profile.time_unit,
        "tg": profile.tg,
        "te": profile.te,
        "sort_by": view.metric.key(),
        "group_by": group_by_label(view.group_by),
        "filter": view.filter,
        "source_root": view.source_root.map(|p| p.display().to_string()),
        "totals": totals_json(&analysis.all),
        "matched": totals_json(&analysis.matched),
        "no_boundlite_frame": totals_json(&analysis.foreign),
        "group_count": analysis.groups.len(),
        "groups": groups,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_separated() {
        assert_eq!(commas(0), "0");
        assert_eq!(commas(999), "999");
        assert_eq!(commas(1000), "1,000");
        assert_eq!(commas(3_687_949), "3,687,949");
    }

    #[test]
    fn share_of_nothing_is_zero() {
        assert_eq!(share(5, 0), 0.0);
        assert_eq!(share(1, 4), 25.0);
    }
}
