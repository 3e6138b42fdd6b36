//! [`with_value_refs`]: a list of borrowed values gathered on the stack
//! when it is short, so that encoding a row or looking up a key of the
//! usual narrow table allocates nothing.

use crate::Result;
use crate::alloc::{Allocator, Vec};
use crate::record::ValueRef;

/// Values a list may hold and still live on the stack.
const INLINE_VALUES: usize = 32;

/// Runs `f` on the first `n` of `values` (fewer if `values` ends first:
/// the rest read as NULL on the stack), gathered on the stack when `n`
/// is at most [`INLINE_VALUES`], else in a list in `alloc`.
pub(crate) fn with_value_refs<'v, A: Allocator, R>(
    n: usize,
    values: impl Iterator<Item = Result<ValueRef<'v>>>,
    alloc: A,
    f: impl FnOnce(&[ValueRef<'v>]) -> Result<R>,
) -> Result<R> {
    let mut inline = [ValueRef::Null; INLINE_VALUES];
    if let Some(slots) = inline.get_mut(..n) {
        for (slot, value) in slots.iter_mut().zip(values) {
            *slot = value?;
        }
        return f(slots);
    }
    let mut heap = Vec::try_with_capacity_in(n, alloc)?;
    for value in values.take(n) {
        heap.try_push(value?)?;
    }
    f(&heap)
}
