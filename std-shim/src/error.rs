//! Mapping `std::io::Error` to [`PlatformError`]: the kind the engine acts
//! on, and the OS error code (errno, or a Windows error) kept for messages.

use std::io;

use boundlite_platform::{ErrorKind, PlatformError};

/// The platform error for `err`: its kind mapped to the engine's kinds, its
/// OS code kept when it has one.
///
/// ```
/// use boundlite_platform::ErrorKind;
///
/// let err = std::io::Error::from(std::io::ErrorKind::NotFound);
/// assert_eq!(boundlite_std::platform_error(&err).kind(), ErrorKind::NotFound);
/// ```
pub fn platform_error(err: &io::Error) -> PlatformError {
    let kind = kind(err.kind());
    match err.raw_os_error() {
        Some(code) => PlatformError::with_code(kind, code),
        None => PlatformError::new(kind),
    }
}

fn kind(kind: io::ErrorKind) -> ErrorKind {
    use io::ErrorKind as Io;
    match kind {
        Io::NotFound => ErrorKind::NotFound,
        // Denied access to a database file is, to the engine, a file it
        // cannot write (SQLite reports READONLY or CANTOPEN alike).
        Io::PermissionDenied | Io::ReadOnlyFilesystem => ErrorKind::ReadOnly,
        Io::StorageFull | Io::QuotaExceeded | Io::FileTooLarge => ErrorKind::NoSpace,
        Io::OutOfMemory => ErrorKind::OutOfMemory,
        Io::UnexpectedEof => ErrorKind::UnexpectedEof,
        Io::InvalidInput | Io::IsADirectory | Io::NotADirectory => ErrorKind::InvalidInput,
        Io::Unsupported => ErrorKind::Unsupported,
        _ => ErrorKind::Io,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_map_to_what_the_engine_acts_on() {
        let cases = [
            (io::ErrorKind::NotFound, ErrorKind::NotFound),
            (io::ErrorKind::PermissionDenied, ErrorKind::ReadOnly),
            (io::ErrorKind::ReadOnlyFilesystem, ErrorKind::ReadOnly),
            (io::ErrorKind::StorageFull, ErrorKind::NoSpace),
            (io::ErrorKind::QuotaExceeded, ErrorKind::NoSpace),
            (io::ErrorKind::FileTooLarge, ErrorKind::NoSpace),
            (io::ErrorKind::OutOfMemory, ErrorKind::OutOfMemory),
            (io::ErrorKind::UnexpectedEof, ErrorKind::UnexpectedEof),
            (io::ErrorKind::IsADirectory, ErrorKind::InvalidInput),
            (io::ErrorKind::Unsupported, ErrorKind::Unsupported),
            (io::ErrorKind::BrokenPipe, ErrorKind::Io),
            (io::ErrorKind::Other, ErrorKind::Io),
        ];
        for (io_kind, want) in cases {
            assert_eq!(
                platform_error(&io::Error::from(io_kind)).kind(),
                want,
                "{io_kind:?}"
            );
        }
    }

    #[test]
    fn os_codes_are_kept() {
        let err = platform_error(&io::Error::from_raw_os_error(28));
        assert_eq!(err.code(), Some(28));
        assert_eq!(platform_error(&io::Error::other("x")).code(), None);
    }
}
