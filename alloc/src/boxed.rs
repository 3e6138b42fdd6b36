//! [`Box`]: a single owned value or slice in allocator `A`, allocated fallibly.

use core::fmt;
use core::ops::{Deref, DerefMut};

use allocator_api2::alloc::{Allocator, Global};
use allocator_api2::boxed::Box as Inner;

use crate::{OutOfMemory, Vec};

/// An owned heap value in allocator `A`. Construction is fallible only.
///
/// ```
/// use boundlite_alloc::{Box, Global, OutOfMemory};
///
/// let b = Box::try_new_in(41u32, Global)?;
/// assert_eq!(*b + 1, 42);
/// let s: Box<[u8]> = Box::try_from_slice_in(b"page", Global)?;
/// assert_eq!(&*s, b"page");
/// # Ok::<(), OutOfMemory>(())
/// ```
///
/// There is no infallible constructor:
///
/// ```compile_fail
/// let b = boundlite_alloc::Box::new(1u8);
/// ```
pub struct Box<T: ?Sized, A: Allocator = Global> {
    inner: Inner<T, A>,
}

impl<T: ?Sized, A: Allocator> Box<T, A> {
    pub(crate) fn from_inner(inner: Inner<T, A>) -> Self {
        Self { inner }
    }
}

impl<T> Box<T, Global> {
    /// Moves `value` onto the global heap.
    pub fn try_new(value: T) -> Result<Self, OutOfMemory> {
        Self::try_new_in(value, Global)
    }
}

impl<T, A: Allocator> Box<T, A> {
    /// Moves `value` into an allocation from `alloc`.
    pub fn try_new_in(value: T, alloc: A) -> Result<Self, OutOfMemory> {
        Ok(Self {
            inner: Inner::try_new_in(value, alloc)?,
        })
    }

    /// The allocator this box was allocated from (an associated function, so
    /// it does not shadow a method of `T`).
    pub fn allocator(boxed: &Self) -> &A {
        Inner::allocator(&boxed.inner)
    }

    /// Moves the value back out, freeing the allocation.
    pub fn into_inner(boxed: Self) -> T {
        Inner::into_inner(boxed.inner)
    }
}

impl<T, A: Allocator + Clone> Box<[T], A> {
    /// A boxed slice of clones of `items`.
    pub fn try_from_slice_in(items: &[T], alloc: A) -> Result<Self, OutOfMemory>
    where
        T: Clone,
    {
        Vec::try_from_slice_in(items, alloc)?.try_into_boxed_slice()
    }

    /// A boxed slice of `len` clones of `elem`.
    pub fn try_from_elem_in(elem: T, len: usize, alloc: A) -> Result<Self, OutOfMemory>
    where
        T: Clone,
    {
        Vec::try_from_elem_in(elem, len, alloc)?.try_into_boxed_slice()
    }
}

impl<T: ?Sized, A: Allocator> Deref for Box<T, A> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T: ?Sized, A: Allocator> DerefMut for Box<T, A> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.inner
    }
}

impl<T: ?Sized, A: Allocator> AsRef<T> for Box<T, A> {
    fn as_ref(&self) -> &T {
        self
    }
}

impl<T: ?Sized, A: Allocator> AsMut<T> for Box<T, A> {
    fn as_mut(&mut self) -> &mut T {
        self
    }
}

impl<T: ?Sized + fmt::Debug, A: Allocator> fmt::Debug for Box<T, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display, A: Allocator> fmt::Display for Box<T, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

impl<T: ?Sized + PartialEq, A: Allocator> PartialEq for Box<T, A> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl<T: ?Sized + Eq, A: Allocator> Eq for Box<T, A> {}
