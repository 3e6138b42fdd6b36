//! The process's resident set size, from `/proc/self/status`.
//!
//! RSS covers the whole process (both engines, the harness, the
//! allocator's cached pages), so it is context for the heap figures, not a
//! measure of one engine. On systems without `/proc` every reading is
//! `None`.

use std::fs;

/// One reading of `VmRSS` (resident at the reading) and `VmHWM` (peak resident), in
/// KiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RssSample {
    /// Resident at the reading.
    pub rss_kib: Option<u64>,
    /// Highest resident since the process started or the peak was reset.
    pub peak_kib: Option<u64>,
}

/// Reads the current and peak resident set sizes.
pub fn sample() -> RssSample {
    let Ok(status) = fs::read_to_string("/proc/self/status") else {
        return RssSample::default();
    };
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
    };
    RssSample {
        rss_kib: field("VmRSS:"),
        peak_kib: field("VmHWM:"),
    }
}

/// Resets `VmHWM` to the current RSS (Linux 4.0 and later: writing `5` to
/// `/proc/self/clear_refs`), so the peak of one engine's run is not the
/// previous engine's. Returns whether the kernel accepted it.
pub fn reset_peak() -> bool {
    fs::write("/proc/self/clear_refs", "5").is_ok()
}
