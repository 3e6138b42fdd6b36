//! [`with_value_refs`]: a list of borrowed values gathered on the stack
//! when it is short, so that encoding a row or looking up a key of the
//! usual narrow table allocates nothing; [`with_gathered`] does the same
//! for any small `Copy` item (a record's fields).

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
    with_gathered(n, ValueRef::Null, values, alloc, f)
}

/// Runs `f` on the first `n` of `items` (fewer if `items` ends first:
/// the rest read as `empty` on the stack), gathered on the stack when
/// `n` is at most [`INLINE_VALUES`], else in a list in `alloc`.
pub(crate) fn with_gathered<T: Copy, A: Allocator, R>(
    n: usize,
    empty: T,
    items: impl Iterator<Item = Result<T>>,
    alloc: A,
    f: impl FnOnce(&[T]) -> Result<R>,
) -> Result<R> {
    let mut inline = [empty; INLINE_VALUES];
    if let Some(slots) = inline.get_mut(..n) {
        for (slot, item) in slots.iter_mut().zip(items) {
            *slot = item?;
        }
        return f(slots);
    }
    let mut heap = Vec::try_with_capacity_in(n, alloc)?;
    for item in items.take(n) {
        heap.try_push(item?)?;
    }
    f(&heap)
}
