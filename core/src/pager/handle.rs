//! [`PageRef`] and [`PageMut`]: pinned views of one cached page.
//!
//! A handle pins its frame for as long as it lives, so the page cannot be
//! evicted from under it, and holds the frame's borrow, so a page is either
//! read through any number of `PageRef`s or written through one `PageMut`.
//! Asking for a conflicting handle is `Error::Misuse`, not a panic.

use core::cell::{Ref, RefMut};
use core::ops::{Deref, DerefMut};

use super::cache::Frame;
use crate::alloc::{Allocator, Box};
use crate::{PageNo, Result};

/// A pinned, read-only view of a page: the whole page, `page_size` bytes.
pub struct PageRef<'p, A: Allocator> {
    frame: &'p Frame<A>,
    page: PageNo,
    bytes: Ref<'p, Box<[u8], A>>,
}

impl<'p, A: Allocator> PageRef<'p, A> {
    pub(crate) fn new(frame: &'p Frame<A>, page: PageNo) -> Result<Self> {
        let bytes = frame.bytes()?;
        frame.pin();
        Ok(Self { frame, page, bytes })
    }

    /// The page's number.
    pub fn number(&self) -> PageNo {
        self.page
    }
}

impl<A: Allocator> Deref for PageRef<'_, A> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.bytes
    }
}

impl<A: Allocator> Drop for PageRef<'_, A> {
    fn drop(&mut self) {
        self.frame.unpin();
    }
}

/// A pinned, writable view of a page's uncommitted version: the next
/// commit writes it.
pub struct PageMut<'p, A: Allocator> {
    frame: &'p Frame<A>,
    page: PageNo,
    bytes: RefMut<'p, Box<[u8], A>>,
}

impl<'p, A: Allocator> PageMut<'p, A> {
    pub(crate) fn new(frame: &'p Frame<A>, page: PageNo) -> Result<Self> {
        let bytes = frame.bytes_mut()?;
        frame.pin();
        Ok(Self { frame, page, bytes })
    }

    /// The page's number.
    pub fn number(&self) -> PageNo {
        self.page
    }
}

impl<A: Allocator> Deref for PageMut<'_, A> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.bytes
    }
}

impl<A: Allocator> DerefMut for PageMut<'_, A> {
    fn deref_mut(&mut self) -> &mut [u8] {
        &mut self.bytes
    }
}

impl<A: Allocator> Drop for PageMut<'_, A> {
    fn drop(&mut self) {
        self.frame.unpin();
    }
}
