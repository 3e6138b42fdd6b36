//! [`PlatformError`]: what a platform reports when a file operation fails.
//!
//! An error is a small `Copy` value: an [`ErrorKind`] the engine can act on
//! (map to an SQLite result code, decide whether to retry) and, when the
//! underlying system has one, its own numeric code for diagnostics (errno on
//! unix, a driver status on firmware). It owns no heap memory, so reporting
//! an error can never itself fail for lack of memory.

use core::fmt;

use boundlite_alloc::OutOfMemory;

/// What kind of failure a platform met. The engine decides what to do from
/// the kind alone; the kinds are the distinctions it acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// No file exists at the path (opening without creating, deleting).
    NotFound,
    /// The file, handle or device does not accept writes.
    ReadOnly,
    /// The device or the platform's space budget is full.
    NoSpace,
    /// Memory for the operation could not be allocated.
    OutOfMemory,
    /// A read wanted bytes beyond the end of the file.
    UnexpectedEof,
    /// The arguments cannot describe an operation (an offset whose end
    /// overflows, a path the platform cannot name).
    InvalidInput,
    /// The platform does not offer this operation.
    Unsupported,
    /// Another handle holds a lock that forbids the one asked for.
    Busy,
    /// Any other failure of the device or system.
    Io,
}

impl ErrorKind {
    /// A short lowercase description, for messages.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorKind::NotFound => "file not found",
            ErrorKind::ReadOnly => "read-only",
            ErrorKind::NoSpace => "no space left",
            ErrorKind::OutOfMemory => "out of memory",
            ErrorKind::UnexpectedEof => "unexpected end of file",
            ErrorKind::InvalidInput => "invalid input",
            ErrorKind::Unsupported => "unsupported operation",
            ErrorKind::Busy => "locked by another handle",
            ErrorKind::Io => "i/o error",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failed platform operation: a kind and, optionally, the system's code.
///
/// Compare errors by [`kind`](Self::kind): two errors of one kind may carry
/// different codes.
///
/// ```
/// use boundlite_platform::{ErrorKind, PlatformError};
///
/// let e = PlatformError::with_code(ErrorKind::NotFound, 2);
/// assert_eq!(e.kind(), ErrorKind::NotFound);
/// assert_eq!(e.code(), Some(2));
/// let oom: PlatformError = boundlite_alloc::OutOfMemory.into();
/// assert_eq!(oom.kind(), ErrorKind::OutOfMemory);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("{kind}{}", Code(*.code))]
pub struct PlatformError {
    kind: ErrorKind,
    code: Option<i32>,
}

impl PlatformError {
    /// An error of `kind` with no system code.
    pub const fn new(kind: ErrorKind) -> Self {
        Self { kind, code: None }
    }

    /// An error of `kind` carrying the system's own `code`.
    pub const fn with_code(kind: ErrorKind, code: i32) -> Self {
        Self {
            kind,
            code: Some(code),
        }
    }

    /// What kind of failure this is.
    pub const fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The system's code for the failure, if the platform supplied one.
    pub const fn code(&self) -> Option<i32> {
        self.code
    }
}

impl From<ErrorKind> for PlatformError {
    fn from(kind: ErrorKind) -> Self {
        Self::new(kind)
    }
}

impl From<OutOfMemory> for PlatformError {
    fn from(_: OutOfMemory) -> Self {
        Self::new(ErrorKind::OutOfMemory)
    }
}

/// Formats the optional system code as a suffix of the message.
struct Code(Option<i32>);

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(code) => write!(f, " (code {code})"),
            None => Ok(()),
        }
    }
}
