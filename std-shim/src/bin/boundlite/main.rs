//! `boundlite`: a command-line shell for boundlite databases, in the
//! manner of `sqlite3`.
//!
//! - `boundlite FILE "SQL; SQL"` runs the statements (or a dot command)
//!   and prints their rows in list mode; an error goes to stderr and the
//!   exit status is 1.
//! - `boundlite FILE` reads statements from the terminal with line editing
//!   and history, or from stdin when it is not a terminal.
//! - The database is opened with `boundlite_std::open` (or
//!   `open_read_only` for `-readonly`): a lock another process holds is
//!   waited for up to 5000 ms, `:memory:` is a private database in memory,
//!   and a file that cannot be written is opened for reading. The shell
//!   itself checks and creates nothing before that.
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

use render::Mode;
use shell::Shell;

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
  -help, --help          print this help and exit
  -version, --version    print the version and exit

Dot commands (at the prompt, piped, or as a SQL argument):
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut mode = Mode::List;
    let mut headers = false;
    let mut read_only = false;
    let mut positional = Vec::new();
    let mut options_done = false;
    for arg in &args {
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
            name => match Mode::from_name(name) {
                Some(m) => mode = m,
                None => {
                    eprintln!("Error: unknown option: {arg}\nUse --help for a list of options.");
                    return ExitCode::FAILURE;
                }
            },
        }
    }
    let Some((path, sql_args)) = positional.split_first() else {
        eprintln!(
            "Error: no database file given\n\n{USAGE}{}",
            shell::DOT_HELP
        );
        return ExitCode::FAILURE;
    };

    let opened = if read_only {
        boundlite_std::open_read_only(path)
    } else {
        boundlite_std::open(path)
    };
    let db = match opened {
        Ok(db) => db,
        Err(e) => {
            eprintln!("Error: unable to open database \"{path}\": {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut shell = Shell::new(&db, mode, headers);

    let ok = if sql_args.is_empty() {
        if std::io::stdin().is_terminal() {
            input::interactive(&mut shell)
        } else {
            input::piped(&mut shell, std::io::stdin().lock())
        }
    } else {
        let mut ok = true;
        for sql in sql_args {
            match shell.run_input(sql) {
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
