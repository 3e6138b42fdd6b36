//! [`Vec`]: a growable array whose every growth path is fallible.
//!
//! Invariant: each call below to an infallible growth method of the wrapped
//! `allocator_api2` vector comes right after a successful `try_reserve` for
//! at least the room it needs, so it never allocates and cannot abort.
#![allow(clippy::disallowed_methods)]

use core::borrow::{Borrow, BorrowMut};
use core::fmt;
use core::hash::{Hash, Hasher};
use core::ops::{Deref, DerefMut, RangeBounds};

use allocator_api2::alloc::{Allocator, Global};
use allocator_api2::vec::Vec as Inner;

use crate::{Box, OutOfMemory};

/// The iterator returned by [`Vec::into_iter`].
pub type IntoIter<T, A> = allocator_api2::vec::IntoIter<T, A>;
/// The iterator returned by [`Vec::drain`].
pub type Drain<'a, T, A> = allocator_api2::vec::Drain<'a, T, A>;

/// A contiguous growable array in allocator `A`, with fallible growth only.
///
/// On `Err(OutOfMemory)` the vector is exactly as it was before the call.
///
/// ```
/// use boundlite_alloc::{Vec, OutOfMemory};
///
/// let mut v: Vec<u8> = Vec::new();
/// v.try_push(1)?;
/// v.try_extend_from_slice(&[2, 3])?;
/// assert_eq!(v.pop(), Some(3));
/// assert_eq!(v, [1, 2]);
/// # Ok::<(), OutOfMemory>(())
/// ```
///
/// Infallible growth does not exist to be called:
///
/// ```compile_fail
/// let mut v: boundlite_alloc::Vec<u8> = boundlite_alloc::Vec::new();
/// v.push(1);
/// ```
///
/// ```compile_fail
/// let v: boundlite_alloc::Vec<u8> = boundlite_alloc::Vec::with_capacity(8);
/// ```
///
/// ```compile_fail
/// let mut v: boundlite_alloc::Vec<u8> = boundlite_alloc::Vec::new();
/// v.extend([1, 2, 3]);
/// ```
pub struct Vec<T, A: Allocator = Global> {
    inner: Inner<T, A>,
}

impl<T> Vec<T, Global> {
    /// An empty vector on the global heap; allocates nothing.
    pub const fn new() -> Self {
        Self {
            inner: Inner::new_in(Global),
        }
    }

    /// A vector on the global heap with room for `capacity` elements.
    pub fn try_with_capacity(capacity: usize) -> Result<Self, OutOfMemory> {
        Self::try_with_capacity_in(capacity, Global)
    }
}

impl<T> Default for Vec<T, Global> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, A: Allocator> Vec<T, A> {
    /// An empty vector in `alloc`; allocates nothing.
    pub const fn new_in(alloc: A) -> Self {
        Self {
            inner: Inner::new_in(alloc),
        }
    }

    /// A vector in `alloc` with room for exactly `capacity` elements.
    pub fn try_with_capacity_in(capacity: usize, alloc: A) -> Result<Self, OutOfMemory> {
        let mut v = Self::new_in(alloc);
        v.try_reserve_exact(capacity)?;
        Ok(v)
    }

    /// A vector in `alloc` holding clones of `items`, with no spare capacity.
    pub fn try_from_slice_in(items: &[T], alloc: A) -> Result<Self, OutOfMemory>
    where
        T: Clone,
    {
        let mut v = Self::try_with_capacity_in(items.len(), alloc)?;
        v.inner.extend_from_slice(items);
        Ok(v)
    }

    /// A vector in `alloc` holding `n` clones of `elem`.
    pub fn try_from_elem_in(elem: T, n: usize, alloc: A) -> Result<Self, OutOfMemory>
    where
        T: Clone,
    {
        let mut v = Self::try_with_capacity_in(n, alloc)?;
        v.inner.resize(n, elem);
        Ok(v)
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// Whether the vector holds no element.
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// Number of elements the vector can hold without allocating.
    pub fn capacity(&self) -> usize {
        self.inner.capacity()
    }

    /// The allocator this vector draws from.
    pub fn allocator(&self) -> &A {
        self.inner.allocator()
    }

    /// The elements as a slice.
    pub fn as_slice(&self) -> &[T] {
        self.inner.as_slice()
    }

    /// The elements as a mutable slice.
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        self.inner.as_mut_slice()
    }

    /// Makes room for at least `additional` more elements.
    ///
    /// Growth is amortised (the capacity at least doubles), but when the
    /// allocator refuses the doubled size, the exact size is tried before
    /// giving up: in a bounded arena the last request that fits should
    /// succeed.
    // The common case on hot paths is a reused buffer with room to spare:
    // a compare, inlined, with the growth out of line so that it is.
    #[inline]
    pub fn try_reserve(&mut self, additional: usize) -> Result<(), OutOfMemory> {
        if self.capacity() - self.len() >= additional {
            return Ok(());
        }
        self.grow(additional)
    }

    /// [`try_reserve`](Self::try_reserve) when the spare room is short.
    #[cold]
    fn grow(&mut self, additional: usize) -> Result<(), OutOfMemory> {
        match self.inner.try_reserve(additional) {
            Ok(()) => Ok(()),
            Err(e) => {
                let needed = self.len().saturating_add(additional);
                let amortised = self.capacity().saturating_mul(2);
                if amortised > needed {
                    Ok(self.inner.try_reserve_exact(additional)?)
                } else {
                    Err(e.into())
                }
            }
        }
    }

    /// Makes room for exactly `additional` more elements.
    pub fn try_reserve_exact(&mut self, additional: usize) -> Result<(), OutOfMemory> {
        Ok(self.inner.try_reserve_exact(additional)?)
    }

    /// Appends `value`. On failure `value` is dropped and the vector is unchanged.
    #[inline]
    pub fn try_push(&mut self, value: T) -> Result<(), OutOfMemory> {
        self.try_reserve(1)?;
        self.inner.push(value);
        Ok(())
    }

    /// Inserts `value` at `index`, shifting later elements right.
    ///
    /// # Panics
    /// If `index > len`, as slice indexing does: that is a caller bug, not an
    /// input the engine can meet.
    pub fn try_insert(&mut self, index: usize, value: T) -> Result<(), OutOfMemory> {
        self.try_reserve(1)?;
        self.inner.insert(index, value);
        Ok(())
    }

    /// Appends copies of every element of `items`.
    #[inline]
    pub fn try_extend_from_slice(&mut self, items: &[T]) -> Result<(), OutOfMemory>
    where
        T: Copy,
    {
        self.try_reserve(items.len())?;
        // The inner vector's `extend_from_slice` pushes one element at a
        // time; a copy of plain values is one `memcpy`.
        let len = self.inner.len();
        // SAFETY: `try_reserve` made room for `items.len()` more elements
        // past `len`, which `items` (a separate borrow, so not overlapping)
        // fills before the length covers them. `T: Copy` has no drop to
        // run twice.
        unsafe {
            core::ptr::copy_nonoverlapping(
                items.as_ptr(),
                self.inner.as_mut_ptr().add(len),
                items.len(),
            );
            self.inner.set_len(len + items.len());
        }
        Ok(())
    }

    /// Appends every item of `iter`. On failure, the items appended by this
    /// call are removed again, so the vector is as it was.
    pub fn try_extend<I: IntoIterator<Item = T>>(&mut self, iter: I) -> Result<(), OutOfMemory> {
        let start = self.len();
        let iter = iter.into_iter();
        self.try_reserve(iter.size_hint().0)?;
        for item in iter {
            if let Err(e) = self.try_push(item) {
                self.truncate(start);
                return Err(e);
            }
        }
        Ok(())
    }

    /// Resizes to `new_len`, filling with clones of `value` or truncating.
    pub fn try_resize(&mut self, new_len: usize, value: T) -> Result<(), OutOfMemory>
    where
        T: Clone,
    {
        self.try_reserve(new_len.saturating_sub(self.len()))?;
        self.inner.resize(new_len, value);
        Ok(())
    }

    /// Resizes to `new_len`, filling with values from `f` or truncating.
    pub fn try_resize_with<F: FnMut() -> T>(
        &mut self,
        new_len: usize,
        f: F,
    ) -> Result<(), OutOfMemory> {
        self.try_reserve(new_len.saturating_sub(self.len()))?;
        self.inner.resize_with(new_len, f);
        Ok(())
    }

    /// Moves the elements into a boxed slice with no spare capacity. When the
    /// vector has spare capacity this moves them into an exact-size
    /// allocation (a shrink in place could abort); on failure the vector is
    /// dropped and nothing leaks.
    pub fn try_into_boxed_slice(self) -> Result<Box<[T], A>, OutOfMemory>
    where
        A: Clone,
    {
        if self.inner.len() == self.inner.capacity() {
            // No spare capacity: `into_boxed_slice` has nothing to shrink.
            return Ok(Box::from_inner(self.inner.into_boxed_slice()));
        }
        let mut exact = Self::try_with_capacity_in(self.len(), self.allocator().clone())?;
        let mut this = self;
        exact.inner.extend(this.inner.drain(..));
        Ok(Box::from_inner(exact.inner.into_boxed_slice()))
    }

    /// Splits off `self[at..]` into a vector of its own.
    ///
    /// # Panics
    /// If `at > len`.
    pub fn try_split_off(&mut self, at: usize) -> Result<Self, OutOfMemory>
    where
        A: Clone,
    {
        let tail = self.len().saturating_sub(at);
        let mut other = Self::try_with_capacity_in(tail, self.allocator().clone())?;
        other.inner.extend(self.inner.drain(at..));
        Ok(other)
    }

    /// Removes and returns the last element.
    pub fn pop(&mut self) -> Option<T> {
        self.inner.pop()
    }

    /// Keeps the first `len` elements, dropping the rest.
    pub fn truncate(&mut self, len: usize) {
        self.inner.truncate(len)
    }

    /// Drops every element, keeping the capacity.
    pub fn clear(&mut self) {
        self.inner.clear()
    }

    /// Drops every element and gives the memory back to the allocator.
    pub fn release(&mut self)
    where
        A: Clone,
    {
        let empty = Self::new_in(self.allocator().clone());
        *self = empty;
    }

    /// Removes and returns the element at `index`, shifting later ones left.
    ///
    /// # Panics
    /// If `index >= len`.
    pub fn remove(&mut self, index: usize) -> T {
        self.inner.remove(index)
    }

    /// Removes the element at `index`, replacing it with the last one.
    ///
    /// # Panics
    /// If `index >= len`.
    pub fn swap_remove(&mut self, index: usize) -> T {
        self.inner.swap_remove(index)
    }

    /// Keeps only the elements for which `keep` returns true.
    pub fn retain<F: FnMut(&T) -> bool>(&mut self, keep: F) {
        self.inner.retain(keep)
    }

    /// Keeps only the elements for which `keep` returns true, with mutable access.
    pub fn retain_mut<F: FnMut(&mut T) -> bool>(&mut self, keep: F) {
        self.inner.retain_mut(keep)
    }

    /// Removes consecutive duplicates.
    pub fn dedup(&mut self)
    where
        T: PartialEq,
    {
        self.inner.dedup()
    }

    /// Removes `range` and yields its elements.
    pub fn drain<R: RangeBounds<usize>>(&mut self, range: R) -> Drain<'_, T, A> {
        self.inner.drain(range)
    }
}

impl<T, A: Allocator> Deref for Vec<T, A> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.inner
    }
}

impl<T, A: Allocator> DerefMut for Vec<T, A> {
    fn deref_mut(&mut self) -> &mut [T] {
        &mut self.inner
    }
}

impl<T, A: Allocator> AsRef<[T]> for Vec<T, A> {
    fn as_ref(&self) -> &[T] {
        self
    }
}

impl<T, A: Allocator> AsMut<[T]> for Vec<T, A> {
    fn as_mut(&mut self) -> &mut [T] {
        self
    }
}

impl<T, A: Allocator> Borrow<[T]> for Vec<T, A> {
    fn borrow(&self) -> &[T] {
        self
    }
}

impl<T, A: Allocator> BorrowMut<[T]> for Vec<T, A> {
    fn borrow_mut(&mut self) -> &mut [T] {
        self
    }
}

impl<T: fmt::Debug, A: Allocator> fmt::Debug for Vec<T, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: Hash, A: Allocator> Hash for Vec<T, A> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (**self).hash(state)
    }
}

impl<T: PartialEq<U>, U, A: Allocator, B: Allocator> PartialEq<Vec<U, B>> for Vec<T, A> {
    fn eq(&self, other: &Vec<U, B>) -> bool {
        **self == **other
    }
}

impl<T: Eq, A: Allocator> Eq for Vec<T, A> {}

impl<T: PartialEq<U>, U, A: Allocator> PartialEq<[U]> for Vec<T, A> {
    fn eq(&self, other: &[U]) -> bool {
        **self == *other
    }
}

impl<T: PartialEq<U>, U, A: Allocator> PartialEq<&[U]> for Vec<T, A> {
    fn eq(&self, other: &&[U]) -> bool {
        **self == **other
    }
}

impl<T: PartialEq<U>, U, A: Allocator, const N: usize> PartialEq<[U; N]> for Vec<T, A> {
    fn eq(&self, other: &[U; N]) -> bool {
        **self == other[..]
    }
}

impl<T: PartialOrd, A: Allocator> PartialOrd for Vec<T, A> {
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        (**self).partial_cmp(&**other)
    }
}

impl<T: Ord, A: Allocator> Ord for Vec<T, A> {
    fn cmp(&self, other: &Self) -> core::cmp::Ordering {
        (**self).cmp(&**other)
    }
}

impl<T, A: Allocator> IntoIterator for Vec<T, A> {
    type Item = T;
    type IntoIter = IntoIter<T, A>;
    fn into_iter(self) -> IntoIter<T, A> {
        self.inner.into_iter()
    }
}

impl<'a, T, A: Allocator> IntoIterator for &'a Vec<T, A> {
    type Item = &'a T;
    type IntoIter = core::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'a, T, A: Allocator> IntoIterator for &'a mut Vec<T, A> {
    type Item = &'a mut T;
    type IntoIter = core::slice::IterMut<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter_mut()
    }
}
