//! The layout of one B-tree page: its cells and freeblocks lie in the
//! content area without overlapping, the freeblock list is in order with
//! at least 4 bytes between blocks (closer blocks would have been merged),
//! and the header's fragmented-byte count equals the bytes that neither a
//! cell nor a freeblock covers, as SQLite's `checkTreePage` computes it.

use crate::Result;
use crate::alloc::Allocator;
use crate::btree::{BTreePage, PageSource};
use crate::integrity::checker::Checker;
use crate::integrity::problem::ProblemKind;

impl<S: PageSource, A: Allocator + Clone> Checker<'_, S, A> {
    /// Checks the layout of `page`; returns whether every cell could be
    /// read (so the walk may look at its cells and children).
    pub(super) fn check_layout(&mut self, page: &BTreePage<'_>) -> Result<bool> {
        let no = Some(page.number());
        self.spans.clear();
        self.spans.try_reserve(usize::from(page.cell_count()))?;
        let mut cells_ok = true;
        for i in 0..page.cell_count() {
            let Some(start) = self.absorb(no, Some(i), page.cell_pointer(i))? else {
                cells_ok = false;
                continue;
            };
            let Some((_, size)) = self.absorb(no, Some(i), page.cell_with_size(i))? else {
                cells_ok = false;
                continue;
            };
            self.spans.try_push((start as u32, (start + size) as u32))?;
        }
        let mut blocks_ok = true;
        let mut end_of_last: Option<usize> = None;
        for block in page.freeblocks() {
            let Some(block) = self.absorb(no, None, block)? else {
                blocks_ok = false;
                break;
            };
            if end_of_last.is_some_and(|end| block.offset < end + 4) {
                self.report(
                    no,
                    None,
                    ProblemKind::Malformed("freeblocks less than 4 bytes apart"),
                )?;
                blocks_ok = false;
                break;
            }
            end_of_last = Some(block.offset + block.size);
            self.spans
                .try_push((block.offset as u32, (block.offset + block.size) as u32))?;
        }
        if cells_ok && blocks_ok {
            self.check_coverage(page)?;
        }
        Ok(cells_ok)
    }

    /// With the spans of every cell and freeblock gathered, finds overlaps
    /// and counts the uncovered bytes of the content area.
    fn check_coverage(&mut self, page: &BTreePage<'_>) -> Result<()> {
        self.spans.sort_unstable();
        let usable = page.usable_size() as u32;
        let mut covered_to = page.content_start() as u32;
        let mut fragments = 0u32;
        let mut overlap = None;
        for &(start, end) in self.spans.iter() {
            if start < covered_to {
                overlap = Some(start);
                break;
            }
            fragments += start - covered_to;
            covered_to = end;
        }
        let no = Some(page.number());
        if let Some(byte) = overlap {
            return self.report(no, None, ProblemKind::Overlap { byte });
        }
        fragments += usable.saturating_sub(covered_to);
        let reported = page.fragmented_bytes();
        if fragments != u32::from(reported) {
            self.report(
                no,
                None,
                ProblemKind::Fragmentation {
                    actual: fragments,
                    reported,
                },
            )?;
        }
        Ok(())
    }
}
