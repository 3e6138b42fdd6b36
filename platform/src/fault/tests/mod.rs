//! Tests of the fault platform: injected I/O errors (`io`) and power cuts
//! (`crash`), on a RAM disk.

mod crash;
mod io;

use crate::{ErrorKind, PlatformError};

fn kind<T: core::fmt::Debug>(result: Result<T, PlatformError>) -> ErrorKind {
    result.unwrap_err().kind()
}
