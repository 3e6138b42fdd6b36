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
//!   and the shell's parsing and `box` rows take comes from it, and
//!   running out is an "out of memory" error for the statement, after
//!   which the shell goes on. The page cache gets at most a quarter of the
//!   arena (see `Config::cache_frames_for_heap`); `PRAGMA cache_size` changes it.
//!
//! The modules: `render` (output modes), `names` (column names for
//! headers), `shell` (statements and dot commands), `input` (reading
//! complete statements from a terminal or a pipe).

mod input;
mod names;
mod render;
mod shell;

use std::io::IsTerminal;
use std::process::ExitCode;

use boundlite::alloc::{Arena, Global};
use boundlite::{Config, Database};
use boundlite_std::{DEFAULT_BUSY_TIMEOUT_MS, StdPlatform};
use render::Mode;
use shell::{Heap, Shell};

const USAGE: &str = "\
Usage: boundlite [OPTIONS] FILE [SQL]...

A command-line shell for boundlite, an embedded database engine that reads
and writes the SQLite file format.

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
with ';'.

A database other processes use (boundlite or SQLite) is shared by SQLite's
locking protocol: a lock another process holds is waited for up to 5000 ms
(change it with .timeout or PRAGMA busy_timeout) before \"database is
locked\" errors.

Options:
  -list, --list          output mode list: values separated by '|' (default)
  -csv, --csv            output mode csv
  -box, --box            output mode box
  -json, --json          output mode json
  -header, --header      print column names (.headers on)
  -noheader, --noheader  do not print column names (.headers off)
  -readonly, --readonly  open the database for reading only
  -heap, --heap BYTES    run the engine in an arena of BYTES bytes; a
                         statement that needs more fails with \"out of
                         memory\" and the shell goes on. The page cache
                         takes at most a quarter of it (.stats shows use)
  -help, --help          print this help and exit
  -version, --version    print the version and exit

Dot commands (at the prompt, piped, or as a SQL argument):
";

/// What the command line asks for.
struct Options<'a> {
    mode: Mode,
    headers: bool,
    read_only: bool,
    /// `--heap BYTES`.
    heap: Option<usize>,
    path: &'a str,
    sql: &'a [&'a str],
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut mode = Mode::List;
    let mut headers = false;
    let mut read_only = false;
    let mut heap = None;
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
                print!("{USAGE}{}", shell::DOT_HELP);
                return ExitCode::SUCCESS;
            }
            "version" => {
                println!("boundlite {}", env!("CARGO_PKG_VERSION"));
                return ExitCode::SUCCESS;
            }
            "header" | "headers" => headers = true,
            "noheader" | "noheaders" => headers = false,
            "readonly" => read_only = true,
            "heap" => match args.next().map(|n| heap_bytes(n)) {
                Some(Ok(bytes)) => heap = Some(bytes),
                Some(Err(message)) => {
                    eprintln!("Error: {message}");
                    return ExitCode::FAILURE;
                }
                None => {
                    eprintln!("Error: missing argument to {arg}");
                    return ExitCode::FAILURE;
                }
            },
            name => match Mode::from_name(name) {
                Some(m) => mode = m,
                None => {
                    eprintln!("Error: unknown option: {arg}\nUse --help for a list of options.");
                    return ExitCode::FAILURE;
                }
            },
        }
    }
    let Some((path, sql)) = positional.split_first() else {
        eprintln!(
            "Error: no database file given\n\n{USAGE}{}",
            shell::DOT_HELP
        );
        return ExitCode::FAILURE;
    };
    let options = Options {
        mode,
        headers,
        read_only,
        heap,
        path,
        sql,
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

/// Runs the statements `options` gives, or those of standard input.
fn run<A: Heap>(db: &Database<StdPlatform, A>, options: &Options<'_>) -> ExitCode {
    let mut shell = Shell::new(db, options.mode, options.headers);
    let ok = if options.sql.is_empty() {
        if std::io::stdin().is_terminal() {
            input::interactive(&mut shell)
        } else {
            input::piped(&mut shell, std::io::stdin().lock())
        }
    } else {
        let mut ok = true;
        for sql in options.sql {
            match shell.run_input(sql, shell::Origin::Argument) {
                shell::Outcome::Ok => {}
                shell::Outcome::Failed => {
                    ok = false;
                    break;
                }
                shell::Outcome::Quit => break,
            }
        }
        ok
    };
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
