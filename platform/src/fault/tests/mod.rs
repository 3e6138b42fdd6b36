//! Tests of the fault platform: injected I/O errors (`io`), power cuts
//! (`crash`), and locks and shared memory (`locks`), on a RAM disk.

mod crash;
mod io;
mod locks;

use crate::{ErrorKind, PlatformError};

fn kind<T: core::fmt::Debug>(result: Result<T, PlatformError>) -> ErrorKind {
    result.unwrap_err().kind()
}
