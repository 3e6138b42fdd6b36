//! The freelist: pages no tree uses, kept for reuse.
//!
//! Layout (SQLite file format, section 1.5): the header names the first
//! trunk page and counts every freelist page. A trunk page holds the next
//! trunk's number (0 for none), a count of leaf pages, and that many leaf
//! page numbers. Leaf pages hold nothing of interest.
//!
//! Invariants kept here:
//! - a trunk never lists more than `usable_size / 4 - 8` leaves when this
//!   engine fills it (SQLite before 3.6.0 could not read fuller trunks, and
//!   SQLite itself keeps to that limit); reading accepts up to the page's
//!   capacity, `usable_size / 4 - 2`;
//! - every page number read from a trunk is checked against the database
//!   size before use: a freelist that points outside the file, at page 1,
//!   or loops back to its trunk is `Corrupt`, never followed.

use boundlite_platform::File;

use super::Pager;
use crate::alloc::Allocator;
use crate::format::Reader;
use crate::{Error, PageNo, Result};

/// Takes a page off the freelist, if it has one: the last leaf of the
/// first trunk, or the trunk itself once it has no leaves left.
pub(super) fn take<F: File, A: Allocator + Clone>(pager: &Pager<F, A>) -> Result<Option<PageNo>> {
    let header = pager.header();
    let Some(trunk_no) = header.first_freelist_trunk else {
        return Ok(None);
    };
    let remaining = header.freelist_count.checked_sub(1).ok_or(Error::corrupt(
        trunk_no,
        "freelist trunk present but freelist count is 0",
    ))?;
    let page_count = pager.page_count();
    let taken = {
        let mut trunk = pager.page_mut(trunk_no)?;
        let reader = Reader::for_page(&trunk, trunk_no);
        let next = reader.u32(0)?;
        let leaves = reader.u32(4)?;
        if leaves > capacity(pager.usable_size()) {
            return Err(reader.corrupt("freelist trunk lists more leaves than fit"));
        }
        match leaves.checked_sub(1) {
            Some(last) => {
                let slot = leaf_offset(last);
                let leaf = checked_page(reader.u32(slot)?, page_count, trunk_no)?;
                write_u32(&mut trunk, 4, last, trunk_no)?;
                Taken {
                    page: leaf,
                    next_trunk: None,
                }
            }
            None => {
                let next = match next {
                    0 => None,
                    n => Some(checked_page(n, page_count, trunk_no)?),
                };
                Taken {
                    page: trunk_no,
                    next_trunk: Some(next),
                }
            }
        }
    };
    pager.state_mut(|state| {
        state.header.freelist_count = remaining;
        if let Some(first) = taken.next_trunk {
            state.header.first_freelist_trunk = first;
        }
    });
    Ok(Some(taken.page))
}

/// Puts page `no` on the freelist: as a leaf of the first trunk when it has
/// room, else as the first trunk.
pub(super) fn give<F: File, A: Allocator + Clone>(pager: &Pager<F, A>, no: PageNo) -> Result<()> {
    let header = pager.header();
    if no == PageNo::ONE || no.get() > pager.page_count() {
        return Err(Error::Misuse("only pages 2..=page_count can be freed"));
    }
    let count = header.freelist_count.checked_add(1).ok_or(Error::Full)?;
    if let Some(trunk_no) = header.first_freelist_trunk {
        if trunk_no == no {
            return Err(Error::Misuse("page is already the freelist trunk"));
        }
        let mut trunk = pager.page_mut(trunk_no)?;
        let leaves = Reader::for_page(&trunk, trunk_no).u32(4)?;
        if leaves < fill_limit(pager.usable_size()) {
            write_u32(&mut trunk, leaf_offset(leaves), no.get(), trunk_no)?;
            write_u32(&mut trunk, 4, leaves + 1, trunk_no)?;
            pager.state_mut(|state| state.header.freelist_count = count);
            return Ok(());
        }
    }
    let mut page = pager.page_mut(no)?;
    let next = header.first_freelist_trunk.map_or(0, PageNo::get);
    write_u32(&mut page, 0, next, no)?;
    write_u32(&mut page, 4, 0, no)?;
    pager.state_mut(|state| {
        state.header.freelist_count = count;
        state.header.first_freelist_trunk = Some(no);
    });
    Ok(())
}

/// A page taken off the freelist, and the first trunk afterwards when it
/// changes (`Some(None)`: the freelist is empty).
struct Taken {
    page: PageNo,
    next_trunk: Option<Option<PageNo>>,
}

/// Leaves a trunk page can hold.
fn capacity(usable_size: u32) -> u32 {
    (usable_size / 4).saturating_sub(2)
}

/// Leaves this engine puts on one trunk before starting another.
fn fill_limit(usable_size: u32) -> u32 {
    (usable_size / 4).saturating_sub(8)
}

fn leaf_offset(index: u32) -> usize {
    8 + 4 * index as usize
}

/// A page number read from a trunk, checked to name a page that can be on
/// the freelist.
fn checked_page(n: u32, page_count: u32, trunk: PageNo) -> Result<PageNo> {
    match PageNo::new(n) {
        Some(page) if page != PageNo::ONE && n <= page_count && page != trunk => Ok(page),
        _ => Err(Error::corrupt(
            trunk,
            "freelist names a page outside the database",
        )),
    }
}

fn write_u32(page: &mut [u8], offset: usize, value: u32, no: PageNo) -> Result<()> {
    page.get_mut(offset..offset + 4)
        .ok_or(Error::corrupt(no, "freelist trunk field past the page end"))?
        .copy_from_slice(&value.to_be_bytes());
    Ok(())
}
