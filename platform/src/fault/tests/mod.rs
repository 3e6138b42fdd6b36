//! Tests of the fault platform: injected I/O errors (`io`), power cuts
//! (`crash`), locks and shared memory (`locks`), and temporary files
//! (`temp`), on a RAM disk.

mod crash;
mod io;
mod locks;
mod temp;

use crate::{ErrorKind, PlatformError};

fn kind<T: core::fmt::Debug>(result: Result<T, PlatformError>) -> ErrorKind {
    result.unwrap_err().kind()
}
