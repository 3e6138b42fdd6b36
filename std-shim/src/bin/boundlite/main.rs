//! `boundlite`: a command-line shell for boundlite databases, in the
//! manner of `sqlite3`.
//!
//! - `boundlite FILE "SQL; SQL"` runs the statements (or a dot command)
//!   and prints their rows in list mode; an error goes to stderr and the
//!   exit status is 1.
//! - `boundlite FILE` reads statements from the terminal with line editing
//!   and history, or from stdin when it is not a terminal.
//! - The database is opened with `boundlite_std::open_in` (or
//!   `open_read_only_in` for `-readonly`): a lock another process holds is
//!   waited for up to 5000 ms, `:memory:` is a private database in memory,
//!   and a file that cannot be written is opened for reading. The shell
//!   itself checks and creates nothing before that.
//! - `--heap BYTES` runs the engine in an arena of that many bytes, as
//!   `sqlite3 -heap` does with its own allocator: every byte the engine
//!   and the shell's parsing and kept columnar rows take comes from it, and
//!   running out is an "out of memory" error for the statement, after
//!   which the shell goes on. The page cache gets at most a quarter of the
//!   arena (see `Config::cache_frames_for_heap`); `PRAGMA cache_size` changes it.
//!
//! - Options, dot commands and output modes are `sqlite3`'s, with its
//!   bytes; what `sqlite3` has and boundlite does not is refused, naming
//!   it (see `--help`).
//!
//! The modules: `shell` (the settings, running SQL), `dot` (the dot
//! commands), `modes` (output modes), `output` (stdout or `.output`'s
//! file), `input` (reading complete statements from a terminal, a pipe
//! or a file). Column names for headers are the engine's
//! (`Statement::column_names`).

mod dot;
mod input;
mod modes;
mod output;
mod shell;

use std::io::IsTerminal;
use std::process::ExitCode;

use boundlite::alloc::{Arena, Global};
use boundlite::{Config, Database};
use boundlite_std::{DEFAULT_BUSY_TIMEOUT_MS, StdPlatform};
use modes::Style;
use shell::{Heap, Origin, Outcome, Shell};

const USAGE: &str = "\
Usage: boundlite [OPTIONS] FILE [SQL]...

A command-line shell for boundlite, an embedded database engine that reads
and writes the SQLite file format, in the manner of sqlite3.

  FILE    the database file; created if it does not exist (opened for
          reading if it exists but cannot be written); \":memory:\" or \"\"
          is a private database in memory, gone when the shell exits
  SQL     statements to run, separated by ';' (or one dot command such as
          \".tables\"); each argument is run in turn, results are printed
          and the shell exits: 0 on success, 1 after an error, with the
          error on stderr as \"Error: <message> (code N)\"

With no SQL argument the shell reads statements from standard input: an
interactive prompt with line editing and history (~/.boundlite_history)
when it is a terminal, otherwise the statements piped in. A statement ends
with ';'. An error in piped input names its line and statement; reading
goes on (exit status 1 at the end) unless -bail or .bail on stops it.

A database other processes use (boundlite or SQLite) is shared by SQLite's
locking protocol: a lock another process holds is waited for up to 5000 ms
(change it with .timeout or PRAGMA busy_timeout) before \"database is
locked\" errors.

Options (one dash or two):
  -bail                  stop after the first error
  -cmd COMMAND           run COMMAND (SQL or a dot command) before the
                         SQL arguments or standard input; may be repeated
  -init FILE             read FILE (as .read does) before -cmd
  -header, -noheader     print column names, or not (.headers on|off)
  -nullvalue TEXT        show NULL as TEXT (.nullvalue)
  -separator SEP         the column separator (.separator)
  -list -csv -line -column -table -markdown -box -json -quote -tabs
                         the output mode (.mode); -csv ends rows with \\n,
                         .mode csv with \\r\\n, as in sqlite3
  -readonly              open the database for reading only
  -heap BYTES            run the engine in an arena of BYTES bytes; a
                         statement that needs more fails with \"out of
                         memory\" and the shell goes on. The page cache
                         takes at most a quarter of it (.stats shows use)
  -help                  print this help and exit
  -version               print the version and exit
sqlite3's other options (-html, -ascii, -echo, -batch, -deserialize, -vfs,
...) are refused as not supported, any other as unknown, naming it.

Dot commands (at the prompt, piped, in -cmd or -init, or as a SQL argument):
";

/// `sqlite3`'s options that boundlite does not have (without their
/// dashes): refused as not supported, where any other unknown option is
/// refused as unknown.
const NOT_SUPPORTED: [&str; 20] = [
    "A",
    "append",
    "ascii",
    "batch",
    "deserialize",
    "echo",
    "html",
    "interactive",
    "lookaside",
    "maxsize",
    "memtrace",
    "mmap",
    "newline",
    "nofollow",
    "nonce",
    "pagecache",
    "safe",
    "stats",
    "vfs",
    "zip",
];

/// What the command line asks for.
struct Options<'a> {
    style: Style,
    bail: bool,
    read_only: bool,
    /// `--heap BYTES`.
    heap: Option<usize>,
    /// `-init FILE`.
    init: Option<&'a str>,
    /// `-cmd COMMAND`s, in order.
    commands: Vec<&'a str>,
    path: &'a str,
    sql: Vec<&'a str>,
}

/// What parsing the command line ends in, other than options to run.
enum Exit {
    /// `-help` or `-version` printed what they print.
    Done,
    /// A usage error, already reported.
    Failed,
}

/// The value of option `name`, the next argument.
fn value<'a>(name: &str, args: &mut impl Iterator<Item = &'a String>) -> Result<&'a str, Exit> {
    match args.next() {
        Some(value) => Ok(value),
        None => {
            eprintln!("boundlite: Error: missing argument to {name}");
            Err(Exit::Failed)
        }
    }
}

/// Parses the command line `args` (the program's name excluded).
fn parse(args: &[String]) -> Result<Options<'_>, Exit> {
    let mut style = Style::default();
    let mut bail = false;
    let mut read_only = false;
    let mut heap = None;
    let mut init = None;
    let mut commands = Vec::new();
    let mut positional = Vec::new();
    let mut options_done = false;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        if options_done || !arg.starts_with('-') || arg == "-" {
            positional.push(arg.as_str());
            continue;
        }
        match arg.trim_start_matches('-') {
            "" => options_done = true,
            "help" | "h" => {
                print!("{USAGE}{}", dot::DOT_HELP);
                return Err(Exit::Done);
            }
            "version" => {
                println!("boundlite {}", env!("CARGO_PKG_VERSION"));
                return Err(Exit::Done);
            }
            "header" | "headers" => {
                style.headers = true;
                style.headers_set = true;
            }
            "noheader" | "noheaders" => {
                style.headers = false;
                style.headers_set = true;
            }
            "readonly" => read_only = true,
            "bail" => bail = true,
            "cmd" => commands.push(value(arg, &mut args)?),
            "init" => init = Some(value(arg, &mut args)?),
            "nullvalue" => style.null = value(arg, &mut args)?.to_string(),
            "separator" => style.column_separator = value(arg, &mut args)?.to_string(),
            "heap" => match heap_bytes(value(arg, &mut args)?) {
                Ok(bytes) => heap = Some(bytes),
                Err(message) => {
                    eprintln!("boundlite: Error: {message}");
                    return Err(Exit::Failed);
                }
            },
            name @ ("list" | "csv" | "line" | "column" | "table" | "markdown" | "box" | "json"
            | "quote" | "tabs") => {
                if let Err(message) = style.set_mode_option(name) {
                    eprintln!("boundlite: Error: {message}");
                    return Err(Exit::Failed);
                }
            }
            name if NOT_SUPPORTED.contains(&name) => {
                eprintln!(
                    "boundlite: Error: option {arg} is not supported\nUse -help for a list of options."
                );
                return Err(Exit::Failed);
            }
            _ => {
                eprintln!(
                    "boundlite: Error: unknown option: {arg}\nUse -help for a list of options."
                );
                return Err(Exit::Failed);
            }
        }
    }
    let Some((path, sql)) = positional.split_first() else {
        eprintln!("Error: no database file given\n\n{USAGE}{}", dot::DOT_HELP);
        return Err(Exit::Failed);
    };
    Ok(Options {
        style,
        bail,
        read_only,
        heap,
        init,
        commands,
        path,
        sql: sql.to_vec(),
    })
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = match parse(&args) {
        Ok(options) => options,
        Err(Exit::Done) => return ExitCode::SUCCESS,
        Err(Exit::Failed) => return ExitCode::FAILURE,
    };
    match options.heap {
        None => open_and_run(&options, &shell_config(None), Global),
        Some(bytes) => {
            // The arena's own buffer is the one allocation the process
            // makes for the engine; refused, it is reported, not aborted.
            let mut buffer = Vec::new();
            if buffer.try_reserve_exact(bytes).is_err() {
                eprintln!("Error: cannot allocate a heap of {bytes} bytes");
                return ExitCode::FAILURE;
            }
            buffer.resize(bytes, 0u8);
            match Arena::new(&mut buffer) {
                Ok(arena) => open_and_run(&options, &shell_config(Some(bytes)), &arena),
                Err(_) => {
                    eprintln!("Error: a heap of {bytes} bytes is too small for the arena");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

/// A `--heap` argument: a number of bytes.
fn heap_bytes(arg: &str) -> Result<usize, String> {
    arg.parse::<usize>()
        .map_err(|_| format!("not a number of bytes for --heap: \"{arg}\""))
}

/// The configuration the shell opens with: `boundlite_std::open`'s busy
/// timeout, and with a heap of `heap` bytes the cache and sort budget
/// [`Config::for_heap`] gives it.
fn shell_config(heap: Option<usize>) -> Config {
    let config = match heap {
        Some(bytes) => Config::for_heap(bytes),
        None => Config::DEFAULT,
    };
    Config {
        busy_timeout_ms: DEFAULT_BUSY_TIMEOUT_MS,
        ..config
    }
}

/// Opens the database `options` name with `config` in `alloc`, and runs
/// the shell on it.
fn open_and_run<A: Heap>(options: &Options<'_>, config: &Config, alloc: A) -> ExitCode {
    let opened = if options.read_only {
        boundlite_std::open_read_only_in(options.path, config, alloc)
    } else {
        boundlite_std::open_in(options.path, config, alloc)
    };
    let db = match opened {
        Ok(db) => db,
        Err(e) => {
            eprintln!("Error: unable to open database \"{}\": {e}", options.path);
            return ExitCode::FAILURE;
        }
    };
    if let Some(bytes) = options.heap {
        // A file of its own page size gets the frames that fit it.
        let frames = Config::cache_frames_for_heap(bytes, db.pager().page_size());
        if let Err(e) = db.pager().set_cache_frames(frames) {
            eprintln!("Error: {e}");
            return ExitCode::FAILURE;
        }
    }
    run(&db, options)
}

/// Runs `-init`, the `-cmd` commands, then the statements `options`
/// gives or those of standard input.
fn run<A: Heap>(db: &Database<StdPlatform, A>, options: &Options<'_>) -> ExitCode {
    let mut shell = Shell::new(db, options.style.clone());
    shell.bail = options.bail;
    let mut ok = true;
    if let Some(file) = options.init {
        match shell.read(file) {
            Outcome::Ok => {}
            Outcome::Failed if options.bail => return ExitCode::FAILURE,
            Outcome::Failed => ok = false,
            Outcome::Quit => return ExitCode::SUCCESS,
        }
    }
    for command in &options.commands {
        match shell.run_input(command, Origin::Argument) {
            Outcome::Ok => {}
            Outcome::Failed if options.bail => return ExitCode::FAILURE,
            Outcome::Failed => ok = false,
            Outcome::Quit => return exit(ok),
        }
    }
    if options.sql.is_empty() {
        ok &= if std::io::stdin().is_terminal() {
            input::interactive(&mut shell)
        } else {
            input::piped(&mut shell, std::io::stdin().lock()) != Outcome::Failed
        };
    } else {
        for sql in &options.sql {
            match shell.run_input(sql, Origin::Argument) {
                Outcome::Ok => {}
                Outcome::Failed => {
                    ok = false;
                    break;
                }
                Outcome::Quit => break,
            }
        }
    }
    exit(ok)
}

/// The exit status: 0, or 1 after an error.
fn exit(ok: bool) -> ExitCode {
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
