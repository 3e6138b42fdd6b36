//! `.show` (the settings) and `.stats` (memory and the page cache).

use std::fmt::Write as _;
use std::io::Write;

use crate::shell::{Heap, Shell};

/// `text` as `sqlite3`'s `.show` quotes a separator: in double quotes,
/// with C escapes for control characters.
fn escaped(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\{:03o}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// On or off, as `.show` words a setting.
fn on_off(on: bool) -> &'static str {
    if on { "on" } else { "off" }
}

impl<A: Heap> Shell<'_, A> {
    /// `.show`: the settings, in `sqlite3`'s layout (the ones boundlite
    /// has).
    pub(super) fn show(&mut self) -> Result<(), String> {
        let style = &self.style;
        let lines = [
            ("bail", on_off(self.bail).to_string()),
            ("changes", on_off(self.changes).to_string()),
            ("headers", on_off(style.headers).to_string()),
            ("mode", style.mode.name().to_string()),
            ("nullvalue", escaped(&style.null)),
            ("output", self.out.name().to_string()),
            ("colseparator", escaped(&style.column_separator)),
            ("rowseparator", escaped(&style.row_separator)),
            ("timer", on_off(self.timer).to_string()),
        ];
        let mut text = String::new();
        for (name, value) in lines {
            let _ = writeln!(text, "{name:>12}: {value}");
        }
        self.print(&text)
    }

    /// `.stats`: the arena's bytes in use and at their peak (with
    /// `--heap`), and the page cache's frames, in `sqlite3`'s words where
    /// it has them.
    pub(super) fn stats(&mut self) -> Result<(), String> {
        let mut text = String::new();
        match self.db.allocator().stats() {
            Some(s) => {
                let _ = writeln!(
                    text,
                    "Memory Used:                         {} (max {}) bytes",
                    s.in_use, s.peak_in_use
                );
                let _ = writeln!(
                    text,
                    "Heap Size (--heap):                  {} bytes",
                    s.capacity
                );
                let _ = writeln!(
                    text,
                    "Number of Outstanding Allocations:   {}",
                    s.live_allocations
                );
                let _ = writeln!(
                    text,
                    "Allocations Refused:                 {}",
                    s.failed_allocations
                );
            }
            None => {
                let _ = writeln!(
                    text,
                    "Memory Used:                         not measured (the process heap; run with --heap BYTES)"
                );
            }
        }
        let pager = self.db.pager();
        let _ = writeln!(
            text,
            "Page Cache Frames:                   {} of {} ({} bytes a page)",
            pager.allocated_frames(),
            pager.cache_frames(),
            pager.page_size()
        );
        self.out
            .write_all(text.as_bytes())
            .map_err(|e| format!("cannot write the output: {e}"))
    }
}
