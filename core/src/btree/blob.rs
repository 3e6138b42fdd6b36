//! Reading and writing a byte range of one stored payload in place, page
//! by page: SQLite's incremental BLOB I/O at the B-tree level.
//!
//! A [`PayloadPlace`] says where a cell's payload lies: its local bytes
//! on the cell's page, then its overflow chain. [`read_range`] and
//! [`write_range`] map a range of payload offsets onto those pages and
//! read or change only the pages the range covers; they also read the
//! link of every chain page, to locate the range and to check the chain
//! ends where its payload does. The memory they need is one pinned page,
//! whatever the payload's size.
//!
//! Invariants: a range past the payload's size is `Misuse`, found before
//! any page is read or changed; a write never changes a payload's size,
//! a cell or a chain link, only payload bytes; page bytes are untrusted,
//! so a chain that ends early, leaves the database, links to page 1 or
//! runs on past its payload (which is also what a loop looks like), and
//! local bytes past the page's end, are `Corrupt` (a write that finds
//! its chain broken may have changed pages of it, which the write
//! transaction's rollback takes back, as for any failed change); a walk
//! visits at most the pages the payload's size implies, so a chain that
//! loops cannot make it loop.

use boundlite_alloc::{Allocator, Vec};

use crate::btree::cell::Payload;
use crate::btree::payload::{OVERFLOW_LINK_LEN, overflow_content_size, overflow_page_count};
use crate::btree::source::{PageSource, PageStore};
use crate::format::Reader;
use crate::{Error, PageNo, Result};

/// Where one cell's payload is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PayloadPlace {
    /// The page holding the cell.
    pub page: PageNo,
    /// Where the payload's local bytes start on that page.
    pub local_offset: usize,
    /// How many of its bytes are local.
    pub local: u32,
    /// Its whole size.
    pub size: u32,
    /// Its first overflow page, when it spills.
    pub overflow: Option<PageNo>,
}

impl PayloadPlace {
    /// Where `payload`, a payload of a cell on page `page`, is stored.
    pub fn of(payload: &Payload<'_>, page: PageNo) -> Result<Self> {
        let local = u32::try_from(payload.local().len())
            .map_err(|_| Error::corrupt(page, "local payload larger than a page"))?;
        Ok(PayloadPlace {
            page,
            local_offset: payload.local_offset(),
            local,
            size: payload.size(),
            overflow: payload.first_overflow(),
        })
    }
}

/// The longest chain [`ChainPages`] learns (16 KiB of page numbers, a
/// power of two so the list never grows past it: a 16 MiB value at 4 KiB
/// pages), so that what it holds is bounded by this and not by the
/// value: a longer chain is walked each time.
pub const MAX_LEARNED_PAGES: usize = 4096;

/// The page numbers of one payload's overflow chain, learned the first
/// time a range walks it, so that later ranges go straight to their pages
/// (SQLite's overflow page cache).
///
/// A chain's pages are trusted from the walk that learned them, and only
/// for the payload they were learned for (the same first overflow page
/// and size); whether the chain may have changed since is the caller's to
/// know, and to [`clear`](Self::clear) it then. Learning is best effort:
/// when the list cannot grow, ranges walk the chain as they would without
/// it.
pub struct ChainPages<A: Allocator> {
    /// The first overflow page and size of the payload learned.
    payload: Option<(PageNo, u32)>,
    pages: Vec<PageNo, A>,
    /// Whether `pages` is the whole chain, its end checked.
    complete: bool,
}

impl<A: Allocator> ChainPages<A> {
    /// Nothing learned yet; allocates nothing until a walk.
    pub fn new_in(alloc: A) -> Self {
        ChainPages {
            payload: None,
            pages: Vec::new_in(alloc),
            complete: false,
        }
    }

    /// Forgets the chain (its capacity is kept).
    pub fn clear(&mut self) {
        self.payload = None;
        self.pages.clear();
        self.complete = false;
    }

    /// The whole chain of `place`, when it was learned.
    fn of(&self, place: &PayloadPlace) -> Option<&[PageNo]> {
        let learned = place.overflow.map(|first| (first, place.size));
        (self.complete && self.payload.is_some() && self.payload == learned)
            .then_some(self.pages.as_slice())
    }
}

/// Copies the payload bytes at `offset..offset + out.len()` of the
/// payload at `place` into `out`, through the chain's pages in `chain`
/// when it knows them (else learning them into it).
pub fn read_range<S: PageSource + ?Sized, A: Allocator>(
    source: &S,
    place: &PayloadPlace,
    offset: usize,
    out: &mut [u8],
    chain: Option<&mut ChainPages<A>>,
) -> Result<()> {
    walk(source, place, offset, out.len(), chain, |no, at, piece| {
        let page = source.page(no)?;
        let bytes = Reader::for_page(&page, no).slice(at, piece.len)?;
        out.get_mut(piece.start..piece.start + piece.len)
            .ok_or(Error::Misuse("read piece outside its buffer"))?
            .copy_from_slice(bytes);
        Ok(())
    })
}

/// Overwrites the payload bytes at `offset..offset + bytes.len()` of the
/// payload at `place` with `bytes`, inside the store's write transaction,
/// through the chain's pages in `chain` as [`read_range`] does. A write
/// changes no link, so what `chain` knows stays true.
pub fn write_range<S: PageStore + ?Sized, A: Allocator>(
    store: &S,
    place: &PayloadPlace,
    offset: usize,
    bytes: &[u8],
    chain: Option<&mut ChainPages<A>>,
) -> Result<()> {
    walk(store, place, offset, bytes.len(), chain, |no, at, piece| {
        let src = bytes
            .get(piece.start..piece.start + piece.len)
            .ok_or(Error::Misuse("write piece outside its buffer"))?;
        let mut page = store.page_mut(no)?;
        page.get_mut(at..at + piece.len)
            .ok_or(Error::corrupt(no, "payload runs past the end of its page"))?
            .copy_from_slice(src);
        Ok(())
    })
}

/// One page's share of a range: where it starts in the caller's buffer,
/// and how long it is.
#[derive(Debug, Clone, Copy)]
struct Piece {
    start: usize,
    len: usize,
}

/// Calls `each(page, offset on the page, piece)` for every page the
/// range `offset..offset + len` of the payload at `place` covers, in
/// order: straight to them when `chain` knows the payload's chain, else
/// walking it (and teaching `chain`).
fn walk<S: PageSource + ?Sized, A: Allocator>(
    source: &S,
    place: &PayloadPlace,
    offset: usize,
    len: usize,
    mut chain: Option<&mut ChainPages<A>>,
    mut each: impl FnMut(PageNo, usize, Piece) -> Result<()>,
) -> Result<()> {
    let end = offset
        .checked_add(len)
        .filter(|&end| end <= place.size as usize)
        .ok_or(Error::Misuse("payload range past its end"))?;
    if len == 0 {
        return Ok(());
    }
    let local = place.local as usize;
    if offset < local {
        let piece = Piece {
            start: 0,
            len: local.min(end) - offset,
        };
        let at = place
            .local_offset
            .checked_add(offset)
            .ok_or(Error::corrupt(place.page, "payload offset overflows"))?;
        each(place.page, at, piece)?;
    }
    if end <= local {
        return Ok(());
    }
    let usable = source.usable_size();
    let content = overflow_content_size(usable) as usize;
    let pages = overflow_page_count(usable, place.size, place.local);
    if let Some(known) = chain.as_deref().and_then(|c| c.of(place)) {
        let first = offset.max(local) - local;
        for (k, &no) in known.iter().enumerate().skip(first / content) {
            let page_start = local + k * content;
            if page_start >= end {
                break;
            }
            let begin = offset.max(page_start);
            let last = end.min(page_start + content);
            let piece = Piece {
                start: begin - offset,
                len: last - begin,
            };
            each(no, OVERFLOW_LINK_LEN as usize + begin - page_start, piece)?;
        }
        return Ok(());
    }
    if let Some(chain) = chain.as_deref_mut() {
        chain.clear();
        chain.payload = place.overflow.map(|first| (first, place.size));
    }
    let mut next = place.overflow;
    let mut from = place.page;
    let mut page_start = local;
    for _ in 0..pages {
        let no = next.ok_or(Error::corrupt(
            from,
            "overflow chain ends before its payload",
        ))?;
        if no.get() > source.page_count() || no == PageNo::ONE || no == from {
            return Err(Error::corrupt(from, "overflow chain leaves its payload"));
        }
        if let Some(chain) = chain.as_deref_mut()
            && chain.payload.is_some()
            && (chain.pages.len() >= MAX_LEARNED_PAGES || chain.pages.try_push(no).is_err())
        {
            // Out of room to learn: this walk goes on without.
            chain.clear();
        }
        let page_end = page_start + content;
        if page_end > offset && page_start < end {
            let first = offset.max(page_start);
            let last = end.min(page_end);
            let piece = Piece {
                start: first - offset,
                len: last - first,
            };
            each(no, OVERFLOW_LINK_LEN as usize + first - page_start, piece)?;
        }
        next = PageNo::new(Reader::for_page(&source.page(no)?, no).u32(0)?);
        from = no;
        page_start = page_end;
    }
    // The whole chain was walked, not only the part under the range: a
    // chain that loops, or runs into pages it does not own, is then as
    // long as its payload only if it ends exactly there.
    if next.is_some() {
        return Err(Error::corrupt(
            from,
            "overflow chain longer than its payload",
        ));
    }
    if let Some(chain) = chain
        && chain.payload.is_some()
    {
        chain.complete = true;
    }
    Ok(())
}
