//! [`BenchError`]: why a benchmark run stopped, and where.
//!
//! An engine failure carries the stage, batch and statement it happened
//! at, so an out-of-memory stop in an arena reads as "which phase, which
//! statement" rather than a bare error code.

use std::fmt;
use std::io;

use super::options::Engine;
use super::workload::WorkItem;

/// The stages of one engine's run, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    /// Opening the database and its connections, setting pragmas.
    Open,
    /// Creating the table, preparing statements, seeding.
    Setup,
    /// The measured batches.
    Run,
    /// The checkpoint `--checkpoint` asks for.
    Checkpoint,
}

impl Stage {
    /// The name messages and reports use.
    pub const fn name(self) -> &'static str {
        match self {
            Stage::Open => "open",
            Stage::Setup => "setup",
            Stage::Run => "run",
            Stage::Checkpoint => "checkpoint",
        }
    }
}

/// Where in a run an engine failed.
#[derive(Debug, Clone, PartialEq)]
pub struct Location {
    /// The stage.
    pub stage: Stage,
    /// The batch within the stage, from 0, when the failure was in one.
    pub batch: Option<u64>,
    /// The statement within the batch, from 0 (`None`: its `BEGIN` or
    /// `COMMIT`, or outside batches).
    pub statement: Option<u64>,
    /// The SQL that failed, when known.
    pub sql: Option<&'static str>,
    /// The work item that failed, when it was one.
    pub item: Option<WorkItem>,
}

impl Location {
    /// A failure in `stage` outside any batch.
    pub const fn stage(stage: Stage) -> Self {
        Self {
            stage,
            batch: None,
            statement: None,
            sql: None,
            item: None,
        }
    }

    /// The same place, running `sql`.
    pub const fn sql(mut self, sql: &'static str) -> Self {
        self.sql = Some(sql);
        self
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the {} stage", self.stage.name())?;
        if let Some(batch) = self.batch {
            write!(f, ", batch {batch}")?;
        }
        if let Some(statement) = self.statement {
            write!(f, ", statement {statement} of the batch")?;
        }
        if let Some(sql) = self.sql {
            write!(f, ": {sql}")?;
        }
        if let Some(item) = &self.item {
            write!(f, " ({})", item.describe())?;
        }
        Ok(())
    }
}

/// Why a run stopped.
#[derive(Debug)]
pub enum BenchError {
    /// Options that cannot run (a bad page size, zero connections...).
    Usage(String),
    /// The harness's own I/O (a directory, a file) failed.
    Io {
        /// What was being done.
        what: String,
        /// The error.
        source: io::Error,
    },
    /// SQLite's global memory configuration was refused.
    SqliteConfig(String),
    /// An engine returned a result that differs from what it (or the
    /// other engine) returned for the same statement on the same table.
    WrongAnswer(String),
    /// An engine returned an error.
    Engine {
        /// Which engine.
        engine: Engine,
        /// Whether it was out of memory (boundlite's `OutOfMemory`,
        /// SQLite's `SQLITE_NOMEM`).
        out_of_memory: bool,
        /// The engine's message.
        message: String,
        /// Where.
        at: Box<Location>,
    },
}

impl BenchError {
    /// Whether the run stopped because an engine ran out of memory.
    pub fn is_out_of_memory(&self) -> bool {
        matches!(
            self,
            BenchError::Engine {
                out_of_memory: true,
                ..
            }
        )
    }

    /// An I/O failure of the harness while doing `what`.
    pub fn io(what: impl Into<String>, source: io::Error) -> Self {
        BenchError::Io {
            what: what.into(),
            source,
        }
    }
}

impl fmt::Display for BenchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BenchError::Usage(message) => f.write_str(message),
            BenchError::Io { what, source } => write!(f, "{what}: {source}"),
            BenchError::SqliteConfig(message) => {
                write!(f, "SQLite memory configuration failed: {message}")
            }
            BenchError::WrongAnswer(message) => write!(f, "wrong answer: {message}"),
            BenchError::Engine {
                engine,
                out_of_memory: true,
                message,
                at,
            } => write!(f, "{}: OutOfMemory ({message}) in {at}", engine.name()),
            BenchError::Engine {
                engine,
                message,
                at,
                ..
            } => write!(f, "{}: {message} in {at}", engine.name()),
        }
    }
}

impl std::error::Error for BenchError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BenchError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// An engine's error, as the driver needs to see it.
pub trait EngineFailure: fmt::Display {
    /// Whether the engine ran out of memory.
    fn is_out_of_memory(&self) -> bool;
    /// Whether a transaction lost a write conflict and must be rolled
    /// back and run again (boundlite's MVCC mode).
    fn is_conflict(&self) -> bool;
}

impl EngineFailure for boundlite::Error {
    fn is_out_of_memory(&self) -> bool {
        matches!(self, boundlite::Error::OutOfMemory)
    }

    fn is_conflict(&self) -> bool {
        matches!(self, boundlite::Error::BusyConflict)
    }
}

impl EngineFailure for rusqlite::Error {
    fn is_out_of_memory(&self) -> bool {
        use rusqlite::ffi;
        match self.sqlite_error() {
            Some(e) => {
                e.code == rusqlite::ErrorCode::OutOfMemory
                    || e.extended_code == ffi::SQLITE_IOERR_NOMEM
            }
            None => false,
        }
    }

    fn is_conflict(&self) -> bool {
        false
    }
}

/// `error` from `engine` at `at`.
pub(crate) fn engine_error<E: EngineFailure>(
    engine: Engine,
    error: &E,
    at: Location,
) -> BenchError {
    BenchError::Engine {
        engine,
        out_of_memory: error.is_out_of_memory(),
        message: error.to_string(),
        at: Box::new(at),
    }
}
