//! Where results go: standard output, or the file `.output FILE` (until
//! `.output` alone) or `.once FILE` (for the next input, SQL or dot
//! command) names.
//!
//! Invariant: output is buffered and flushed after each statement and
//! each dot command, so what was printed before an error on stderr
//! precedes it.

use std::fs::File;
use std::io::{self, BufWriter, Stdout, Write};

/// The output's destination.
enum Target {
    Stdout(BufWriter<Stdout>),
    File(BufWriter<File>),
}

/// How long a file output lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lasting {
    /// Until `.output` sends output elsewhere.
    UntilChanged,
    /// For the next input only, SQL or dot command (`.once`).
    Once,
}

/// The shell's output.
pub struct Output {
    target: Target,
    lasting: Lasting,
    /// The file's name, for `.show`.
    name: String,
}

impl Output {
    /// Output to standard output.
    pub fn stdout() -> Self {
        Output {
            target: Target::Stdout(BufWriter::new(io::stdout())),
            lasting: Lasting::UntilChanged,
            name: "stdout".into(),
        }
    }

    /// Sends output to the file `path` (created or truncated), or back to
    /// standard output when `path` is `None`.
    pub fn redirect(&mut self, path: Option<&str>, lasting: Lasting) -> Result<(), String> {
        self.flush()
            .map_err(|e| format!("cannot write the output: {e}"))?;
        *self = match path {
            None | Some("stdout") => Output::stdout(),
            Some(path) => {
                let file =
                    File::create(path).map_err(|e| format!("cannot open \"{path}\": {e}"))?;
                Output {
                    target: Target::File(BufWriter::new(file)),
                    lasting,
                    name: path.into(),
                }
            }
        };
        Ok(())
    }

    /// Ends a `.once` output after the input it was for.
    pub fn input_done(&mut self) {
        if self.lasting == Lasting::Once {
            let _ = self.redirect(None, Lasting::UntilChanged);
        }
    }

    /// The output's name: `stdout` or the file's path.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.target {
            Target::Stdout(w) => w.write(buf),
            Target::File(w) => w.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match &mut self.target {
            Target::Stdout(w) => w.write_all(buf),
            Target::File(w) => w.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.target {
            Target::Stdout(w) => w.flush(),
            Target::File(w) => w.flush(),
        }
    }
}
