//! Writing and freeing overflow chains: the part of a payload that does not
//! stay on its page.
//!
//! A chain is a list of pages, each a 4-byte link to the next (0 on the
//! last) followed by `usable_size - 4` bytes of payload. Writing allocates
//! the chain's pages in order; freeing walks exactly as many pages as the
//! payload's size implies, checking every link, so a corrupt chain is
//! `Corrupt` rather than a walk through unrelated pages.

use crate::btree::payload::{OVERFLOW_LINK_LEN, overflow_content_size, overflow_page_count};
use crate::btree::source::PageStore;
use crate::format::Reader;
use crate::{Error, PageNo, Result};

/// Writes `rest` (the part of a payload past its local bytes) to a fresh
/// overflow chain; returns its first page.
pub(crate) fn write_chain<S: PageStore>(store: &S, rest: &[u8]) -> Result<PageNo> {
    let content = overflow_content_size(store.usable_size()) as usize;
    let mut chunks = rest.chunks(content).peekable();
    let (first, mut page) = store.allocate()?;
    while let Some(chunk) = chunks.next() {
        let next = match chunks.peek() {
            Some(_) => Some(store.allocate()?),
            None => None,
        };
        let link = next.as_ref().map_or(0, |(no, _)| no.get());
        let end = OVERFLOW_LINK_LEN as usize + chunk.len();
        let body = page
            .get_mut(..end)
            .ok_or(Error::Misuse("overflow page smaller than a chunk"))?;
        let (link_bytes, data) = body.split_at_mut(OVERFLOW_LINK_LEN as usize);
        link_bytes.copy_from_slice(&link.to_be_bytes());
        data.copy_from_slice(chunk);
        match next {
            Some((_, next)) => page = next,
            None => break,
        }
    }
    Ok(first)
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
