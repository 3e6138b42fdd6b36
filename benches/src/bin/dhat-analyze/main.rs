//! `dhat-analyze`: where a boundlite heap profile's bytes come from.
//!
//! Reads a `dhat-heap.json` written by the `dhat` crate (or Valgrind's
//! DHAT), charges each allocation stack to its first boundlite frame, and
//! prints the biggest functions or modules by a chosen metric:
//!
//! ```text
//! dhat-analyze dhat-heap.json --top 15 --modules       # what dominates the peak
//! dhat-analyze dhat-heap.json --filter wal --stacks    # one subsystem, with stacks
//! dhat-analyze dhat-heap.json --sort-by eb             # still live at exit
//! dhat-analyze dhat-heap.json --json                   # for scripts
//! ```
//!
//! Frames that name no module, which is nearly all of them in a release
//! build, are attributed by their file in the boundlite source tree:
//! `--source-root`, else the workspace around the current directory, else
//! the one this binary was built from.
//!
//! Exits 0 on success, 1 when the file cannot be read or is not a heap
//! profile, or `--source-root` holds no Cargo package, 2 on bad arguments.

mod format;
mod frame;
mod group;
mod report;
mod source;

use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;

use crate::format::Profile;
use crate::group::{GroupBy, Metric, Options};
use crate::report::View;
use crate::source::SourceTree;

/// Summarise a DHAT heap profile by boundlite function or module.
#[derive(Debug, Parser)]
#[command(name = "dhat-analyze", version)]
struct Cli {
    /// The profile, usually `dhat-heap.json`.
    file: String,
    /// How many groups to show.
    #[arg(long, default_value_t = 10)]
    top: usize,
    /// The metric to rank groups by.
    #[arg(long, value_enum, default_value = "gb")]
    sort_by: Metric,
    /// Keep only allocation stacks with a frame containing PATTERN
    /// (case-sensitive substring of the frame text, e.g. `pager::cache`).
    #[arg(long, value_name = "PATTERN")]
    filter: Option<String>,
    /// Show the stack of each group's biggest allocation point.
    #[arg(long)]
    stacks: bool,
    /// Group by module (`boundlite::pager::cache`) instead of function.
    #[arg(long)]
    modules: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
    /// The boundlite checkout whose files short frame names are looked up
    /// in (default: the workspace around the current directory, else the
    /// one this binary was built from).
    #[arg(long, value_name = "DIR")]
    source_root: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(output) => emit(&output),
        Err(message) => {
            complain(&format!("{}: {message}", cli.file));
            ExitCode::FAILURE
        }
    }
}

fn run(cli: &Cli) -> Result<String, String> {
    let sources = match &cli.source_root {
        Some(dir) => Some(SourceTree::open(dir).map_err(|e| format!("--source-root: {e}"))?),
        None => default_sources(),
    };
    let text = std::fs::read_to_string(&cli.file).map_err(|e| match e.kind() {
        ErrorKind::NotFound => "no such file".to_string(),
        ErrorKind::InvalidData => "not a text file (not UTF-8), so not a DHAT profile".to_string(),
        _ => e.to_string(),
    })?;
    let profile = Profile::parse(&text).map_err(|e| e.to_string())?;
    let group_by = if cli.modules {
        GroupBy::Module
    } else {
        GroupBy::Function
    };
    let options = Options {
        metric: cli.sort_by,
        group_by,
        filter: cli.filter.as_deref(),
        sources: sources.as_ref(),
    };
    let analysis = group::analyse(&profile, &options);
    if sources.is_none() && analysis.matched.pps > 0 && analysis.foreign == analysis.matched {
        complain(
            "no boundlite source tree found, so frames without a module path \
             (all of a release build's) are unattributed; pass --source-root",
        );
    }
    let view = View {
        path: &cli.file,
        metric: cli.sort_by,
        group_by,
        filter: cli.filter.as_deref(),
        top: cli.top,
        stacks: cli.stacks,
        source_root: sources.as_ref().map(SourceTree::root),
    };
    if cli.json {
        let value = report::json(&profile, &analysis, &view);
        serde_json::to_string_pretty(&value)
            .map(|mut s| {
                s.push('\n');
                s
            })
            .map_err(|e| format!("cannot render JSON: {e}"))
    } else {
        Ok(report::text(&profile, &analysis, &view))
    }
}

/// The workspace around the current directory, else the one this binary
/// was built from, if either still holds boundlite's packages.
fn default_sources() -> Option<SourceTree> {
    let here = std::env::current_dir()
        .ok()
        .and_then(|dir| source::find_workspace(&dir));
    let built_from = Path::new(env!("CARGO_MANIFEST_DIR")).parent();
    here.into_iter()
        .chain(built_from.map(Path::to_path_buf))
        .filter_map(|dir| SourceTree::open(&dir).ok())
        .find(SourceTree::has_boundlite)
}

/// Writes the report; a reader that went away (`| head`) is not an error.
fn emit(output: &str) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(output.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            complain(&format!("writing the report: {e}"));
            ExitCode::FAILURE
        }
    }
}

/// Reports an error on stderr; `eprintln!` would panic if stderr is gone.
fn complain(message: &str) {
    let _ = writeln!(std::io::stderr(), "dhat-analyze: {message}");
}
