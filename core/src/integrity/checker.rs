//! [`Checker`]: the state one integrity check carries from page to page,
//! the page map that proves every page is used exactly once, and the two
//! walks that are lists rather than trees: the freelist and overflow
//! chains.
//!
//! The page map holds one bit per page. A page is marked when something
//! first references it; a second reference is a problem and is not
//! followed, which is also what ends any walk over a loop. The scratch
//! buffers grow to the largest payload or page met and are reused for
//! every one after it.

use crate::alloc::{Allocator, Vec};
use crate::btree::PageSource;
use crate::format::{DatabaseHeader, Reader};
use crate::integrity::problem::{Problem, ProblemKind};
use crate::{Error, PageNo, Result};

/// One bit per page of the database, set once the page is referenced.
pub(super) struct PageMap<A: Allocator> {
    bits: Vec<u8, A>,
    page_count: u32,
}

/// What marking a page found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mark {
    /// The first reference: the page is marked from here on.
    First,
    /// The page was marked already.
    Again,
    /// Page 0, or past the end of the database.
    Invalid,
}

impl<A: Allocator> PageMap<A> {
    /// A map of `page_count` unmarked pages.
    pub(super) fn new(page_count: u32, alloc: A) -> Result<Self> {
        let bytes = page_count as usize / 8 + 1;
        Ok(Self {
            bits: Vec::try_from_elem_in(0, bytes, alloc)?,
            page_count,
        })
    }

    /// Marks page `n`.
    pub(super) fn mark(&mut self, n: u32) -> Mark {
        if n == 0 || n > self.page_count {
            return Mark::Invalid;
        }
        let bit = 1u8 << (n % 8);
        match self.bits.get_mut(n as usize / 8) {
            Some(byte) if *byte & bit != 0 => Mark::Again,
            Some(byte) => {
                *byte |= bit;
                Mark::First
            }
            None => Mark::Invalid,
        }
    }

    /// Whether page `n` is marked.
    pub(super) fn is_marked(&self, n: u32) -> bool {
        self.bits
            .get(n as usize / 8)
            .is_some_and(|byte| byte & (1u8 << (n % 8)) != 0)
    }
}

/// The state of one integrity check.
pub(super) struct Checker<'s, S: PageSource, A: Allocator + Clone> {
    pub(super) source: &'s S,
    pub(super) alloc: A,
    pub(super) usable: u32,
    pub(super) page_count: u32,
    pub(super) map: PageMap<A>,
    pub(super) problems: Vec<Problem, A>,
    limit: usize,
    /// The root of the tree being walked, for problems found in it.
    pub(super) tree: Option<PageNo>,
    /// Byte ranges of one page's cells and freeblocks.
    pub(super) spans: Vec<(u32, u32), A>,
    /// The payload being checked.
    pub(super) current: Vec<u8, A>,
    /// The index entry before it, in key order.
    pub(super) previous: Vec<u8, A>,
    /// A third buffer, for cursors in the content checks.
    pub(super) spare: Vec<u8, A>,
}

impl<'s, S: PageSource, A: Allocator + Clone> Checker<'s, S, A> {
    /// A checker of `source`, whose header is `header`, stopping after
    /// `limit` problems. The page holding the lock byte (2^30) is marked
    /// from the start: nothing may use it.
    pub(super) fn new(
        source: &'s S,
        header: &DatabaseHeader,
        alloc: A,
        limit: usize,
    ) -> Result<Self> {
        let page_count = source.page_count();
        let mut map = PageMap::new(page_count, alloc.clone())?;
        let pending = (1u64 << 30) / u64::from(header.page_size.get()) + 1;
        if let Ok(pending) = u32::try_from(pending) {
            map.mark(pending);
        }
        Ok(Self {
            source,
            usable: source.usable_size(),
            page_count,
            map,
            problems: Vec::new_in(alloc.clone()),
            limit,
            tree: None,
            spans: Vec::new_in(alloc.clone()),
            current: Vec::new_in(alloc.clone()),
            previous: Vec::new_in(alloc.clone()),
            spare: Vec::new_in(alloc.clone()),
            alloc,
        })
    }

    /// Whether the problem limit is reached: checking stops.
    pub(super) fn full(&self) -> bool {
        self.problems.len() >= self.limit
    }

    /// Records a problem found on `page` (and `cell`) of the current tree.
    pub(super) fn report(
        &mut self,
        page: Option<PageNo>,
        cell: Option<u16>,
        kind: ProblemKind,
    ) -> Result<()> {
        if !self.full() {
            self.problems.try_push(Problem {
                kind,
                tree: self.tree,
                page,
                cell,
            })?;
        }
        Ok(())
    }

    /// Turns a `Corrupt` error into a problem (on the error's page, else
    /// `page`) and `None`; any other error (out of memory, I/O) ends the
    /// check.
    pub(super) fn absorb<T>(
        &mut self,
        page: Option<PageNo>,
        cell: Option<u16>,
        result: Result<T>,
    ) -> Result<Option<T>> {
        match result {
            Ok(value) => Ok(Some(value)),
            Err(Error::Corrupt { page: at, reason }) => {
                let cell = if at.is_none() || at == page {
                    cell
                } else {
                    None
                };
                self.report(at.or(page), cell, ProblemKind::Malformed(reason))?;
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Marks page `n`, referenced from `page` (and `cell`); `true` on the
    /// first reference, after which the caller may read it.
    pub(super) fn reference(
        &mut self,
        n: u32,
        page: Option<PageNo>,
        cell: Option<u16>,
    ) -> Result<bool> {
        match self.map.mark(n) {
            Mark::First => Ok(true),
            Mark::Again => {
                self.report(page, cell, ProblemKind::SecondReference(n))?;
                Ok(false)
            }
            Mark::Invalid => {
                self.report(page, cell, ProblemKind::InvalidPage(n))?;
                Ok(false)
            }
        }
    }

    /// Walks the freelist from trunk `first`: every trunk and leaf is
    /// marked, each trunk's leaf count must fit its page, and the pages
    /// found must number `expected`, the header's count (that last is
    /// reported only when the walk itself found nothing wrong, as SQLite
    /// does).
    pub(super) fn check_freelist(&mut self, first: Option<PageNo>, expected: u32) -> Result<()> {
        let before = self.problems.len();
        let capacity = (self.usable / 4).saturating_sub(2);
        let source = self.source;
        let mut found: u64 = 0;
        let mut next = first.map_or(0, PageNo::get);
        while next != 0 && !self.full() {
            if !self.reference(next, None, None)? {
                break;
            }
            found += 1;
            let trunk = PageNo::new(next).ok_or(Error::Misuse("marked page 0"))?;
            let Some(bytes) = self.absorb(Some(trunk), None, source.page(trunk))? else {
                break;
            };
            let reader = Reader::for_page(&bytes, trunk);
            let (Some(link), Some(leaves)) = (
                self.absorb(Some(trunk), None, reader.u32(0))?,
                self.absorb(Some(trunk), None, reader.u32(4))?,
            ) else {
                break;
            };
            if leaves > capacity {
                self.report(Some(trunk), None, ProblemKind::FreelistLeafCount)?;
                found += 1;
            } else {
                for i in 0..leaves as usize {
                    let Some(leaf) = self.absorb(Some(trunk), None, reader.u32(8 + 4 * i))? else {
                        break;
                    };
                    self.reference(leaf, Some(trunk), None)?;
                }
                found += u64::from(leaves);
            }
            next = link;
        }
        if found != u64::from(expected) && self.problems.len() == before {
            let found = u32::try_from(found).unwrap_or(u32::MAX);
            self.report(None, None, ProblemKind::FreelistSize { found, expected })?;
        }
        Ok(())
    }

    /// Walks the overflow chain that starts at `first`, for a payload of
    /// cell `cell` on page `at` that needs `expected` pages; with
    /// `collect`, appends the chain's share of the payload (`remaining`
    /// bytes) to [`current`](Self::current). Returns whether the chain was
    /// whole: exactly `expected` pages, none referenced before.
    pub(super) fn check_chain(
        &mut self,
        at: PageNo,
        cell: u16,
        first: PageNo,
        expected: u32,
        mut remaining: u32,
        collect: bool,
    ) -> Result<bool> {
        let before = self.problems.len();
        let content = self.usable.saturating_sub(4);
        let source = self.source;
        let mut found = 0u32;
        let mut next = first.get();
        while next != 0 && !self.full() {
            if !self.reference(next, Some(at), Some(cell))? {
                break;
            }
            found += 1;
            let no = PageNo::new(next).ok_or(Error::Misuse("marked page 0"))?;
            let Some(bytes) = self.absorb(Some(no), None, source.page(no))? else {
                break;
            };
            let reader = Reader::for_page(&bytes, no);
            if collect && remaining > 0 {
                let take = remaining.min(content);
                let Some(chunk) = self.absorb(Some(no), None, reader.slice(4, take as usize))?
                else {
                    break;
                };
                self.current.try_extend_from_slice(chunk)?;
                remaining -= take;
            }
            let Some(link) = self.absorb(Some(no), None, reader.u32(0))? else {
                break;
            };
            next = link;
        }
        let clean = self.problems.len() == before;
        if found != expected && clean {
            self.report(
                Some(at),
                Some(cell),
                ProblemKind::OverflowLength { found, expected },
            )?;
        }
        Ok(clean && found == expected)
    }

    /// Reports every page nothing referenced.
    pub(super) fn check_unused(&mut self) -> Result<()> {
        self.tree = None;
        for n in 1..=self.page_count {
            if self.full() {
                break;
            }
            if !self.map.is_marked(n) {
                self.report(None, None, ProblemKind::NeverUsed(n))?;
            }
        }
        Ok(())
    }
}
