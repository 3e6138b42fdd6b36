//! [`PageSource`] and [`PageStore`]: what the B-tree needs from whoever
//! holds the pages, to read them and to change them.
//!
//! A cursor asks for one page at a time by number and looks at its bytes
//! while it holds the returned handle; it does not keep handles between
//! calls, so a page cache may evict a page as soon as its handle is dropped.
//! This module implements it for the [`Pager`] (the page cache over a
//! file) and for [`FileImage`], a whole database file already in memory as
//! one slice, which tools and tests use without a pager; the pager's read
//! transactions and the connections' snapshots implement it where they
//! live.
//!
//! Contract for implementors: [`PageSource::page`] returns exactly the
//! page's bytes (`page_size` of them) or an error; a page number past
//! [`PageSource::page_count`] is `Corrupt`, never a read past the file.
//!
//! [`PageStore`] extends a source with the three writes the B-tree writer
//! makes ([`page_mut`](PageStore::page_mut), [`allocate`](PageStore::allocate),
//! [`free`](PageStore::free)), and the writer reads through the same store
//! it writes to, as redb's mutator does: there is no second path to the
//! pages. Only the [`Pager`] is a store. A read-only source (a
//! [`FileImage`], a read transaction, a connection's snapshot) is not, so a
//! writer cannot even be handed one: no `ReadOnly` error is needed to
//! refuse it. Both traits are used as generic bounds only (never `dyn`),
//! so every cursor and writer is compiled for its store.

use core::ops::{Deref, DerefMut};

use boundlite_alloc::Allocator;
use boundlite_platform::File;

use crate::format::{DatabaseHeader, HEADER_SIZE};
use crate::pager::{PageMut, PageRef, Pager};
use crate::{Error, PageNo, Result};

/// Hands out pages by number, read-only.
pub trait PageSource {
    /// A handle on one page's bytes; the page stays available (pinned, for
    /// a cache) while the handle lives.
    type Page<'s>: Deref<Target = [u8]>
    where
        Self: 's;

    /// The bytes of page `no`. `Corrupt` when `no` is past the last page.
    fn page(&self, no: PageNo) -> Result<Self::Page<'_>>;

    /// Bytes per page available to B-tree content: the page size less the
    /// reserved bytes.
    fn usable_size(&self) -> u32;

    /// The number of pages in the database.
    fn page_count(&self) -> u32;
}

/// A [`PageSource`] that can also be changed: what the B-tree writer
/// works on, inside a write transaction its caller opened.
///
/// Contract for implementors, on top of [`PageSource`]'s:
///
/// - reads see writes: once [`page_mut`](Self::page_mut) or
///   [`allocate`](Self::allocate) changed a page, [`PageSource::page`]
///   returns the changed bytes, and an allocated page counts in
///   [`PageSource::page_count`];
/// - a page is either read through any number of handles or written
///   through one: asking for a conflicting handle is an error
///   (`Misuse`), never a panic or an aliased write;
/// - every method takes `&self` (the store keeps its state behind cells),
///   so the writer may hold one page's handle while it reads another;
/// - a store that is not in a write transaction answers the write methods
///   with an error (the pager's own: `Misuse` or `ReadOnly`);
/// - an error leaves the store usable; the changes made so far in the
///   transaction stay until the caller rolls it back.
pub trait PageStore: PageSource {
    /// A handle on one page's bytes, writable; the page stays pinned and
    /// no other handle on it may exist while this lives.
    type PageMut<'s>: DerefMut<Target = [u8]>
    where
        Self: 's;

    /// The bytes of page `no`, to change. `Corrupt` when `no` is past the
    /// last page.
    fn page_mut(&self, no: PageNo) -> Result<Self::PageMut<'_>>;

    /// A page for new content, zeroed and writable: a free page when there
    /// is one, else a page past the end. Returns its number and handle.
    fn allocate(&self) -> Result<(PageNo, Self::PageMut<'_>)>;

    /// Gives page `no` back to the free pages; its content is not kept.
    /// No handle on it may be held.
    fn free(&self, no: PageNo) -> Result<()>;
}

/// A whole database file held in memory as one byte slice.
///
/// ```
/// use boundlite::btree::{FileImage, PageSource};
/// use boundlite::format::{DatabaseHeader, PageSize};
/// use boundlite::PageNo;
///
/// let mut file = [0u8; 512];
/// DatabaseHeader::new_database(PageSize::new(512).unwrap()).write((&mut file[..100]).try_into().unwrap());
/// let image = FileImage::new(&file)?;
/// assert_eq!((image.page_count(), image.usable_size()), (1, 512));
/// assert_eq!(image.page(PageNo::ONE)?.len(), 512);
/// assert!(image.page(PageNo::new(2).unwrap()).is_err());
/// # Ok::<(), boundlite::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct FileImage<'a> {
    bytes: &'a [u8],
    page_size: u32,
    usable_size: u32,
    page_count: u32,
}

impl<'a> FileImage<'a> {
    /// Reads the database header at the start of `bytes` and sizes the
    /// database as SQLite would for a file of that length.
    pub fn new(bytes: &'a [u8]) -> Result<Self> {
        if bytes.len() < HEADER_SIZE {
            return Err(Error::corrupt_file(
                "file is shorter than the database header",
            ));
        }
        let header = DatabaseHeader::parse(bytes)?;
        let page_count = header.page_count(bytes.len() as u64)?;
        Ok(FileImage {
            bytes,
            page_size: header.page_size.get(),
            usable_size: header.usable_size(),
            page_count,
        })
    }

    /// The page size in bytes.
    pub const fn page_size(&self) -> u32 {
        self.page_size
    }
}

impl PageSource for FileImage<'_> {
    type Page<'s>
        = &'s [u8]
    where
        Self: 's;

    fn page(&self, no: PageNo) -> Result<&[u8]> {
        if no.get() > self.page_count {
            return Err(Error::corrupt(
                no,
                "page number past the end of the database",
            ));
        }
        let start = usize::try_from(no.offset(self.page_size))
            .map_err(|_| Error::corrupt(no, "page number past the end of the database"))?;
        let end = start.saturating_add(self.page_size as usize);
        self.bytes
            .get(start..end)
            .ok_or(Error::corrupt(no, "page is past the end of the file"))
    }

    fn usable_size(&self) -> u32 {
        self.usable_size
    }

    fn page_count(&self) -> u32 {
        self.page_count
    }
}

/// The pager hands out pinned pages from its cache; a page past the end of
/// the database is `Corrupt`.
impl<F: File, A: Allocator + Clone> PageSource for Pager<F, A> {
    type Page<'s>
        = PageRef<'s, A>
    where
        Self: 's;

    fn page(&self, no: PageNo) -> Result<PageRef<'_, A>> {
        Pager::page(self, no)
    }

    fn usable_size(&self) -> u32 {
        Pager::usable_size(self)
    }

    fn page_count(&self) -> u32 {
        Pager::page_count(self)
    }
}

/// The pager's writes are those of its open write transaction: outside
/// one each is `Misuse`, or `ReadOnly` on a pager opened read-only.
impl<F: File, A: Allocator + Clone> PageStore for Pager<F, A> {
    type PageMut<'s>
        = PageMut<'s, A>
    where
        Self: 's;

    fn page_mut(&self, no: PageNo) -> Result<PageMut<'_, A>> {
        Pager::page_mut(self, no)
    }

    fn allocate(&self) -> Result<(PageNo, PageMut<'_, A>)> {
        let page = Pager::allocate(self)?;
        Ok((page.number(), page))
    }

    fn free(&self, no: PageNo) -> Result<()> {
        Pager::free(self, no)
    }
}
