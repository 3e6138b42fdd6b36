//! Writing and freeing overflow chains: the part of a payload that does not
//! stay on its page.
//!
//! A chain is a list of pages, each a 4-byte link to the next (0 on the
//! last) followed by `usable_size - 4` bytes of payload. Writing allocates
//! the chain's pages in order and fills each straight from a
//! [`PayloadBytes`], so a payload is never held whole: the memory a write
//! needs is two pinned pages, whatever the payload's size. Freeing walks
//! exactly as many pages as the payload's size implies, checking every
//! link, so a corrupt chain is `Corrupt` rather than a walk through
//! unrelated pages.

use crate::btree::payload::{
    MAX_PAYLOAD_SIZE, OVERFLOW_LINK_LEN, overflow_content_size, overflow_page_count,
};
use crate::btree::source::PageStore;
use crate::format::Reader;
use crate::{Error, PageNo, Result};

/// A payload produced on demand, a range at a time, so that storing it
/// does not need it whole in one buffer.
///
/// Contract for implementors: [`size`](Self::size) does not change while
/// a payload is written, and [`fill`](Self::fill) writes exactly
/// `out.len()` bytes, the same ones on every call for the same range.
pub trait PayloadBytes {
    /// The payload's size in bytes.
    fn size(&self) -> usize;

    /// Writes the payload's bytes from `offset` on into the whole of
    /// `out`; `Misuse` when the range runs past [`size`](Self::size).
    fn fill(&self, offset: usize, out: &mut [u8]) -> Result<()>;

    /// The whole payload, when it is one slice in memory: copied from
    /// directly rather than through [`fill`](Self::fill).
    fn as_slice(&self) -> Option<&[u8]> {
        None
    }
}

/// A payload already in memory.
impl PayloadBytes for [u8] {
    fn size(&self) -> usize {
        self.len()
    }

    fn fill(&self, offset: usize, out: &mut [u8]) -> Result<()> {
        let end = offset.checked_add(out.len());
        let bytes = end
            .and_then(|end| self.get(offset..end))
            .ok_or(Error::Misuse("payload range past its end"))?;
        out.copy_from_slice(bytes);
        Ok(())
    }

    fn as_slice(&self) -> Option<&[u8]> {
        Some(self)
    }
}

/// The size of `payload` as a cell stores it: at most SQLite's
/// [`MAX_PAYLOAD_SIZE`], the largest record it writes.
pub(crate) fn payload_size<P: PayloadBytes + ?Sized>(payload: &P) -> Result<u32> {
    u32::try_from(payload.size())
        .ok()
        .filter(|&size| size <= MAX_PAYLOAD_SIZE)
        .ok_or(Error::Sql("string or blob too big"))
}

/// Writes the bytes of `payload` from `start` on (the part past its local
/// bytes) to a fresh overflow chain, one page at a time; returns its
/// first page.
pub(crate) fn write_chain<S: PageStore, P: PayloadBytes + ?Sized>(
    store: &S,
    payload: &P,
    start: usize,
) -> Result<PageNo> {
    let content = overflow_content_size(store.usable_size()) as usize;
    let size = payload.size();
    if start >= size {
        return Err(Error::Misuse("an overflow chain for a payload that fits"));
    }
    let (first, mut page) = store.allocate()?;
    let mut at = start;
    loop {
        let len = content.min(size - at);
        let end = at + len;
        let next = if end < size {
            Some(store.allocate()?)
        } else {
            None
        };
        let link = next.as_ref().map_or(0, |(no, _)| no.get());
        let body = page
            .get_mut(..OVERFLOW_LINK_LEN as usize + len)
            .ok_or(Error::Misuse("overflow page smaller than a chunk"))?;
        let (link_bytes, data) = body.split_at_mut(OVERFLOW_LINK_LEN as usize);
        link_bytes.copy_from_slice(&link.to_be_bytes());
        payload.fill(at, data)?;
        at = end;
        match next {
            Some((_, next)) => page = next,
            None => return Ok(first),
        }
    }
}

/// Frees the overflow chain starting at `first` of a payload of
/// `payload_size` bytes, `local` of which are on the cell's page `owner`.
pub(crate) fn free_chain<S: PageStore>(
    store: &S,
    owner: PageNo,
    first: PageNo,
    payload_size: u32,
    local: u32,
) -> Result<()> {
    let pages = overflow_page_count(store.usable_size(), payload_size, local);
    let mut next = Some(first);
    for remaining in (0..pages).rev() {
        let no = next.ok_or(Error::corrupt(owner, "overflow chain ends early"))?;
        if no.get() > store.page_count() || no == PageNo::ONE {
            return Err(Error::corrupt(owner, "overflow chain leaves the database"));
        }
        let link = Reader::for_page(&store.page(no)?, no).u32(0)?;
        next = PageNo::new(link);
        if remaining == 0 && next.is_some() {
            return Err(Error::corrupt(no, "overflow chain longer than its payload"));
        }
        store.free(no)?;
    }
    Ok(())
}

/// A record streamed from its values: a row's overflow pages are filled
/// straight from the values it is built of.
impl<A: boundlite_alloc::Allocator> PayloadBytes for crate::record::RecordStream<'_, '_, A> {
    fn size(&self) -> usize {
        crate::record::RecordStream::size(self)
    }

    fn fill(&self, offset: usize, out: &mut [u8]) -> Result<()> {
        crate::record::RecordStream::fill(self, offset, out)
    }
}
