//! [`PageNo`]: a page number as the file format stores it.
//!
//! Pages are numbered from 1; the format uses 0 to mean "no page" (an empty
//! freelist, a leaf's missing child). Keeping 0 out of the type makes a
//! child pointer to page 0 impossible to follow by accident, and lets
//! `Option<PageNo>` cost nothing.

use core::num::NonZeroU32;

/// A 1-based page number. `Option<PageNo>` is the format's "0 means none".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PageNo(NonZeroU32);

impl PageNo {
    /// Page 1: the page that holds the database header and the schema root.
    pub const ONE: PageNo = PageNo(NonZeroU32::MIN);

    /// The page numbered `n`, or `None` for 0.
    pub const fn new(n: u32) -> Option<PageNo> {
        match NonZeroU32::new(n) {
            Some(n) => Some(PageNo(n)),
            None => None,
        }
    }

    /// The number as stored in the file.
    pub const fn get(self) -> u32 {
        self.0.get()
    }

    /// Byte offset of the page in a file of `page_size`-byte pages.
    pub const fn offset(self, page_size: u32) -> u64 {
        (self.0.get() as u64 - 1) * page_size as u64
    }
}

impl core::fmt::Display for PageNo {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Display::fmt(&self.0, f)
    }
}
