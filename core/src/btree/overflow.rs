//! Overflow chains: the part of a payload that does not fit on its page.
//!
//! Each overflow page starts with the 4-byte number of the next page in the
//! chain (0 on the last one) and holds `U - 4` bytes of the payload after
//! it; the last page holds what is left, the rest of it unused. The number
//! of pages a chain needs follows from the payload size, so a reader knows
//! how many to expect before reading any.
//!
//! [`OverflowChain`] walks a chain one page at a time, handing out each
//! page's share of the payload; [`read_payload`] assembles a whole payload
//! into a caller's reusable buffer. Both stop after exactly the pages the
//! payload needs, so a chain that loops cannot make them loop: a link that
//! is 0 before the payload is complete, a link on the last page that is not
//! 0 (a chain longer than its payload, which is also what a loop looks
//! like), a link past the end of the database or to page 1, and a payload
//! needing more pages than the database has, are all `Corrupt`.

use boundlite_alloc::{Allocator, Vec};

use crate::btree::cell::Payload;
use crate::btree::payload::{OVERFLOW_LINK_LEN, overflow_content_size, overflow_page_count};
use crate::btree::source::PageSource;
use crate::format::Reader;
use crate::{Error, PageNo, Result};

/// A walk along one payload's overflow chain.
///
/// ```
/// use boundlite::btree::{OverflowChain, Payload};
/// use boundlite::PageNo;
///
/// // A 600-byte payload with 100 bytes local, on a database with 480-byte
/// // usable pages: 500 bytes over two pages of 476 content bytes each.
/// let local = [0u8; 100];
/// let payload = Payload::new(600, &local, 0, PageNo::new(3));
/// let mut chain = OverflowChain::new(&payload, PageNo::new(2).unwrap(), 480, 4)?;
/// let mut page3 = [7u8; 480];
/// page3[..4].copy_from_slice(&4u32.to_be_bytes());
/// let page4 = [0u8; 480];
/// assert_eq!(chain.next_page(), PageNo::new(3));
/// assert_eq!(chain.read(&page3)?.len(), 476);
/// assert_eq!(chain.next_page(), PageNo::new(4));
/// assert_eq!(chain.read(&page4)?.len(), 24);
/// assert_eq!((chain.next_page(), chain.remaining()), (None, 0));
/// # Ok::<(), boundlite::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct OverflowChain {
    next: Option<PageNo>,
    remaining: u32,
    content_size: u32,
    page_count: u32,
}

impl OverflowChain {
    /// Starts the chain of `payload`, a payload of a cell on page `page`, in
    /// a database of `page_count` pages of `usable` usable bytes.
    pub fn new(payload: &Payload<'_>, page: PageNo, usable: u32, page_count: u32) -> Result<Self> {
        let local = u32::try_from(payload.local().len())
            .map_err(|_| Error::Misuse("local payload larger than a page"))?;
        let remaining = payload
            .size()
            .checked_sub(local)
            .ok_or(Error::Misuse("local payload larger than the payload"))?;
        if (remaining > 0) != payload.first_overflow().is_some() {
            return Err(Error::Misuse(
                "overflow page given for a payload that fits, or missing",
            ));
        }
        // Page 1 is never an overflow page, so at most `page_count - 1` are.
        if overflow_page_count(usable, payload.size(), local) > page_count.saturating_sub(1) {
            return Err(Error::corrupt(
                page,
                "payload needs more overflow pages than the database has",
            ));
        }
        let chain = OverflowChain {
            next: None,
            remaining,
            content_size: overflow_content_size(usable),
            page_count,
        };
        match payload.first_overflow() {
            Some(first) => Ok(OverflowChain {
                next: Some(chain.check_link(first, page)?),
                ..chain
            }),
            None => Ok(chain),
        }
    }

    /// The page to read next, or `None` when the payload is complete.
    pub const fn next_page(&self) -> Option<PageNo> {
        self.next
    }

    /// The payload bytes still to read.
    pub const fn remaining(&self) -> u32 {
        self.remaining
    }

    /// Takes the bytes of [`next_page`](Self::next_page) and returns its
    /// share of the payload, moving to the page after it. `Misuse` when the
    /// chain is already complete.
    pub fn read<'b>(&mut self, bytes: &'b [u8]) -> Result<&'b [u8]> {
        let page = self
            .next
            .ok_or(Error::Misuse("overflow chain already complete"))?;
        let reader = Reader::for_page(bytes, page);
        let take = self.remaining.min(self.content_size);
        let chunk = reader.slice(OVERFLOW_LINK_LEN as usize, take as usize)?;
        let link = reader.u32(0)?;
        self.remaining -= take;
        self.next = match (self.remaining, PageNo::new(link)) {
            (0, None) => None,
            (0, Some(_)) => {
                return Err(Error::corrupt(
                    page,
                    "overflow chain is longer than its payload",
                ));
            }
            (_, None) => {
                return Err(Error::corrupt(
                    page,
                    "overflow chain ends before its payload",
                ));
            }
            (_, Some(next)) => Some(self.check_link(next, page)?),
        };
        Ok(chunk)
    }

    /// Checks a link found on page `from`.
    fn check_link(&self, next: PageNo, from: PageNo) -> Result<PageNo> {
        if next.get() > self.page_count {
            return Err(Error::corrupt(
                from,
                "overflow page number past the end of the database",
            ));
        }
        if next == PageNo::ONE || next == from {
            return Err(Error::corrupt(from, "overflow chain loops"));
        }
        Ok(next)
    }
}

/// Replaces the contents of `out` with the whole of `payload`, a payload of
/// a cell on page `page`, reading its overflow pages from `source`. The
/// buffer's capacity is kept for the next call; on error `out` is left
/// empty.
pub fn read_payload<S: PageSource + ?Sized, A: Allocator>(
    source: &S,
    page: PageNo,
    payload: &Payload<'_>,
    out: &mut Vec<u8, A>,
) -> Result<()> {
    out.clear();
    let filled = fill(source, page, payload, out);
    if filled.is_err() {
        out.clear();
    }
    filled
}

fn fill<S: PageSource + ?Sized, A: Allocator>(
    source: &S,
    page: PageNo,
    payload: &Payload<'_>,
    out: &mut Vec<u8, A>,
) -> Result<()> {
    // Check the chain's length against the database before reserving, so a
    // corrupt payload size cannot ask for gigabytes.
    let mut chain = OverflowChain::new(payload, page, source.usable_size(), source.page_count())?;
    out.try_reserve(payload.size() as usize)?;
    out.try_extend_from_slice(payload.local())?;
    while let Some(next) = chain.next_page() {
        let bytes = source.page(next)?;
        out.try_extend_from_slice(chain.read(&bytes)?)?;
    }
    Ok(())
}
