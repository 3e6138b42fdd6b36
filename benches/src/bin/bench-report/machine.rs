//! The machine and toolchain the figures were measured on.

use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

/// What the report says about where it ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Machine {
    /// `model name` of the first processor.
    pub cpu: String,
    /// Logical processors listed in `/proc/cpuinfo`.
    pub cores: usize,
    /// `rustc --version`.
    pub rustc: String,
    /// The SQLite linked into the benches (rusqlite, bundled).
    pub sqlite: String,
    /// When the report was generated, UTC.
    pub date: String,
    /// The commit measured, and whether the tree had changes.
    pub commit: Option<String>,
}

/// Looks everything up; a figure that cannot be found says so.
pub fn detect() -> Machine {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Machine {
        cpu: cpu_model(&cpuinfo).unwrap_or_else(|| "unknown".into()),
        cores: processors(&cpuinfo),
        rustc: command_line("rustc", &["--version"]).unwrap_or_else(|| "unknown".into()),
        sqlite: rusqlite::version().to_string(),
        date: utc_date(seconds),
        commit: commit(),
    }
}

/// The first `model name` of a `/proc/cpuinfo`.
pub fn cpu_model(cpuinfo: &str) -> Option<String> {
    cpuinfo.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        (key.trim() == "model name").then(|| value.trim().to_string())
    })
}

/// The number of `processor` entries of a `/proc/cpuinfo`.
pub fn processors(cpuinfo: &str) -> usize {
    cpuinfo
        .lines()
        .filter(|line| {
            line.split_once(':')
                .is_some_and(|(key, _)| key.trim() == "processor")
        })
        .count()
}

/// `YYYY-MM-DD HH:MM UTC` for seconds since the Unix epoch.
pub fn utc_date(seconds: u64) -> String {
    let days = (seconds / 86_400) as i64;
    let (hour, minute) = (seconds % 86_400 / 3600, seconds % 3600 / 60);
    // Howard Hinnant's days-to-civil: eras of 400 years from 0000-03-01.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02} UTC")
}

/// The short commit, with `+ uncommitted changes` when the tree differs.
fn commit() -> Option<String> {
    let hash = command_line("git", &["rev-parse", "--short", "HEAD"])?;
    let dirty = command_line("git", &["status", "--porcelain", "--untracked-files=no"])
        .is_some_and(|s| !s.is_empty());
    Some(if dirty {
        format!("{hash} + uncommitted changes")
    } else {
        hash
    })
}

/// The first line `program args` prints, trimmed, if it succeeds.
fn command_line(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CPUINFO: &str = "processor\t: 0\nmodel name\t: Example CPU @ 2.00GHz\n\n\
                           processor\t: 1\nmodel name\t: Example CPU @ 2.00GHz\n";

    #[test]
    fn cpuinfo_gives_the_model_and_the_count() {
        assert_eq!(cpu_model(CPUINFO).as_deref(), Some("Example CPU @ 2.00GHz"));
        assert_eq!(processors(CPUINFO), 2);
        assert_eq!(cpu_model(""), None);
    }

    #[test]
    fn dates_across_leap_days_and_eras() {
        assert_eq!(utc_date(0), "1970-01-01 00:00 UTC");
        // 2000-02-29 12:34 and 2024-12-31 23:59.
        assert_eq!(utc_date(951_827_640), "2000-02-29 12:34 UTC");
        assert_eq!(utc_date(1_735_689_540), "2024-12-31 23:59 UTC");
    }
}
