//! The one error this crate returns: the allocator said no.

/// An allocation failed: the allocator refused, or the requested size cannot
/// be represented. The operation that returned it left its collection as it
/// was before the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("out of memory")]
pub struct OutOfMemory;

impl From<allocator_api2::alloc::AllocError> for OutOfMemory {
    fn from(_: allocator_api2::alloc::AllocError) -> Self {
        OutOfMemory
    }
}

impl From<allocator_api2::collections::TryReserveError> for OutOfMemory {
    fn from(_: allocator_api2::collections::TryReserveError) -> Self {
        OutOfMemory
    }
}

impl From<hashbrown::TryReserveError> for OutOfMemory {
    fn from(_: hashbrown::TryReserveError) -> Self {
        OutOfMemory
    }
}

impl From<core::alloc::LayoutError> for OutOfMemory {
    fn from(_: core::alloc::LayoutError) -> Self {
        OutOfMemory
    }
}
