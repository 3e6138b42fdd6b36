//! The walk over one B-tree: every page referenced once, every page of the
//! tree's family, leaves all at one depth, no page but the root empty,
//! each page's layout sound (see `layout`), overflow chains of the length
//! their payloads need, and keys in order across the whole tree.
//!
//! The walk visits entries in key order without recursion: a fixed stack
//! of [`MAX_DEPTH`] frames holds, per level, the page and how far its
//! in-order traversal has got (child 0, cell 0, child 1, ... the right-most
//! child). A page's bytes are fetched again at each step rather than held,
//! so the walk pins at most a page and one overflow page at a time.
//!
//! Key order: in a table, each rowid on a leaf is above everything before
//! it in order, and each divider is at least the rowids to its left and
//! above the dividers before it, which is SQLite's rule (keys of a left
//! subtree are at most its divider, keys to its right above). In an index,
//! each entry (on leaves and interior pages alike) compares after the one
//! before it with the index's collations and sort orders, the rowid last.

use crate::alloc::Allocator;
use crate::btree::payload::overflow_page_count;
use crate::btree::{BTreePage, Cell, MAX_DEPTH, PageSource, Payload};
use crate::integrity::checker::Checker;
use crate::integrity::problem::ProblemKind;
use crate::record::{KeyColumn, RecordRef, ValueRef, compare_records};
use crate::schema::same_key;
use crate::{Error, PageNo, Result, RowId};

/// Which family of pages a tree is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Family {
    /// A table B-tree: rowid keys, rows on leaves.
    Table,
    /// An index B-tree (an index, or a `WITHOUT ROWID` table).
    Index,
}

/// What the walk needs to know about a tree.
#[derive(Debug, Clone, Copy)]
pub(super) struct TreeSpec<'k> {
    pub root: PageNo,
    pub family: Family,
    /// How index keys compare; `None` when unknown: key order unchecked.
    pub keys: Option<&'k [KeyColumn]>,
    /// Whether the key columns must be unique.
    pub unique: bool,
    /// Whether every entry must end with an integer rowid.
    pub rowid_last: bool,
}

impl TreeSpec<'_> {
    /// A table B-tree rooted at `root`.
    pub(super) const fn table(root: PageNo) -> Self {
        TreeSpec {
            root,
            family: Family::Table,
            keys: None,
            unique: false,
            rowid_last: false,
        }
    }
}

/// What the walk found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct TreeStats {
    /// Rows (table) or entries (index).
    pub entries: u64,
    /// Whether the walk found the tree readable by cursors: no problem in
    /// it but repeated unique keys.
    pub clean: bool,
}

/// One level of the walk: a page and how far its traversal has got. Step
/// `2i` descends into child `i`, step `2i + 1` visits cell `i`.
#[derive(Debug, Clone, Copy)]
struct Frame {
    page: PageNo,
    count: u16,
    step: u32,
}

/// The last table key seen in order, and where it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LastKey {
    None,
    Leaf(i64),
    Divider(i64),
}

/// State carried across the whole tree.
struct Walk {
    last: LastKey,
    /// Whether `Checker::previous` holds the entry before the next one.
    have_previous: bool,
    leaf_depth: Option<usize>,
    entries: u64,
}

impl<S: PageSource, A: Allocator + Clone> Checker<'_, S, A> {
    /// Walks the tree `spec` describes.
    pub(super) fn check_tree(&mut self, spec: &TreeSpec<'_>) -> Result<TreeStats> {
        self.tree = Some(spec.root);
        let before = self.problems.len();
        let mut walk = Walk {
            last: LastKey::None,
            have_previous: false,
            leaf_depth: None,
            entries: 0,
        };
        let empty = Frame {
            page: spec.root,
            count: 0,
            step: 0,
        };
        let mut stack = [empty; MAX_DEPTH];
        let mut depth = 0;
        if let Some(frame) = self.enter(spec, &mut walk, spec.root.get(), None, 0)? {
            stack[0] = frame;
            depth = 1;
        }
        while depth > 0 && !self.full() {
            let Some(frame) = stack.get_mut(depth - 1) else {
                break;
            };
            let step = frame.step;
            frame.step += 1;
            let (page, count) = (frame.page, frame.count);
            if step > 2 * u32::from(count) {
                depth -= 1;
                continue;
            }
            let index = (step / 2) as u16;
            if step % 2 == 1 {
                self.interior_cell(spec, &mut walk, page, index)?;
                continue;
            }
            let Some(child) = self.child_of(page, index)? else {
                continue;
            };
            if let Some(frame) = self.enter(spec, &mut walk, child, Some((page, index)), depth)? {
                match stack.get_mut(depth) {
                    Some(slot) => {
                        *slot = frame;
                        depth += 1;
                    }
                    None => self.report(Some(page), Some(index), ProblemKind::TooDeep)?,
                }
            }
        }
        self.tree = None;
        // A repeated unique key leaves the tree readable: its contents can
        // still be compared with its table's.
        let found = self.problems.get(before..).unwrap_or_default();
        let readable = found
            .iter()
            .all(|p| matches!(p.kind, ProblemKind::NonUnique { .. }));
        Ok(TreeStats {
            entries: walk.entries,
            clean: readable && !self.full(),
        })
    }

    /// Arrives at page `n` at `depth`, referenced from `parent` (page and
    /// cell): marks it, checks its header and layout, and visits a leaf's
    /// cells. Returns the frame of an interior page to descend through.
    fn enter(
        &mut self,
        spec: &TreeSpec<'_>,
        walk: &mut Walk,
        n: u32,
        parent: Option<(PageNo, u16)>,
        depth: usize,
    ) -> Result<Option<Frame>> {
        let (from, cell) = (parent.map(|p| p.0), parent.map(|p| p.1));
        if !self.reference(n, from, cell)? {
            return Ok(None);
        }
        let no = PageNo::new(n).ok_or(Error::Misuse("marked page 0"))?;
        if depth >= MAX_DEPTH {
            self.report(from, cell, ProblemKind::TooDeep)?;
            return Ok(None);
        }
        let source = self.source;
        let Some(bytes) = self.absorb(Some(no), None, source.page(no))? else {
            return Ok(None);
        };
        let parsed = BTreePage::parse(&bytes, no, self.usable);
        let Some(page) = self.absorb(Some(no), None, parsed)? else {
            return Ok(None);
        };
        if page.kind().is_table() != (spec.family == Family::Table) {
            self.report(Some(no), None, ProblemKind::WrongKind)?;
            return Ok(None);
        }
        let cells_ok = self.check_layout(&page)?;
        if page.cell_count() == 0 && depth > 0 {
            self.report(Some(no), None, ProblemKind::EmptyPage)?;
        }
        if !page.kind().is_leaf() {
            return Ok(cells_ok.then_some(Frame {
                page: no,
                count: page.cell_count(),
                step: 0,
            }));
        }
        match walk.leaf_depth {
            None => walk.leaf_depth = Some(depth),
            Some(d) if d != depth => self.report(from, None, ProblemKind::DepthDiffers)?,
            Some(_) => {}
        }
        if cells_ok {
            for i in 0..page.cell_count() {
                if self.full() {
                    break;
                }
                if let Some(cell) = self.absorb(Some(no), Some(i), page.cell(i))? {
                    self.visit_cell(spec, walk, no, i, &cell)?;
                }
            }
        }
        Ok(None)
    }

    /// Child `index` of interior page `page`, as a raw page number.
    fn child_of(&mut self, page: PageNo, index: u16) -> Result<Option<u32>> {
        let source = self.source;
        let Some(bytes) = self.absorb(Some(page), None, source.page(page))? else {
            return Ok(None);
        };
        let child = BTreePage::parse(&bytes, page, self.usable).and_then(|p| p.child(index));
        Ok(self
            .absorb(Some(page), Some(index), child)?
            .map(PageNo::get))
    }

    /// Visits cell `index` of interior page `page`, in key order.
    fn interior_cell(
        &mut self,
        spec: &TreeSpec<'_>,
        walk: &mut Walk,
        page: PageNo,
        index: u16,
    ) -> Result<()> {
        let source = self.source;
        let Some(bytes) = self.absorb(Some(page), None, source.page(page))? else {
            return Ok(());
        };
        let cell = BTreePage::parse(&bytes, page, self.usable).and_then(|p| p.cell(index));
        if let Some(cell) = self.absorb(Some(page), Some(index), cell)? {
            self.visit_cell(spec, walk, page, index, &cell)?;
        }
        Ok(())
    }

    /// Checks one cell in key order.
    fn visit_cell(
        &mut self,
        spec: &TreeSpec<'_>,
        walk: &mut Walk,
        page: PageNo,
        index: u16,
        cell: &Cell<'_>,
    ) -> Result<()> {
        match *cell {
            Cell::TableLeaf { rowid, payload } => {
                walk.entries += 1;
                let in_order = match walk.last {
                    LastKey::None => true,
                    LastKey::Leaf(k) | LastKey::Divider(k) => rowid > k,
                };
                walk.last = LastKey::Leaf(rowid);
                if !in_order {
                    self.report(
                        Some(page),
                        Some(index),
                        ProblemKind::RowidOrder(RowId::new(rowid)),
                    )?;
                }
                self.check_row(page, index, &payload)
            }
            Cell::TableInterior { rowid, .. } => {
                let in_order = match walk.last {
                    LastKey::None => true,
                    LastKey::Leaf(k) => rowid >= k,
                    LastKey::Divider(k) => rowid > k,
                };
                walk.last = LastKey::Divider(rowid);
                if !in_order {
                    self.report(
                        Some(page),
                        Some(index),
                        ProblemKind::RowidOrder(RowId::new(rowid)),
                    )?;
                }
                Ok(())
            }
            Cell::IndexLeaf { payload } | Cell::IndexInterior { payload, .. } => {
                walk.entries += 1;
                self.check_entry(spec, walk, page, index, &payload)
            }
        }
    }

    /// Follows a payload's overflow chain into `current` (after its local
    /// part); returns whether the payload there is whole.
    fn gather(&mut self, page: PageNo, index: u16, payload: &Payload<'_>) -> Result<bool> {
        self.current.clear();
        self.current.try_extend_from_slice(payload.local())?;
        self.follow(page, index, payload, true)
    }

    /// Walks a payload's overflow chain, checking its pages and length,
    /// without collecting its bytes.
    fn walk_chain(&mut self, page: PageNo, index: u16, payload: &Payload<'_>) -> Result<()> {
        self.follow(page, index, payload, false).map(|_| ())
    }

    /// Checks a payload's overflow chain, if it has one, collecting its
    /// bytes into `current` when `collect`; returns whether it is whole.
    fn follow(
        &mut self,
        page: PageNo,
        index: u16,
        payload: &Payload<'_>,
        collect: bool,
    ) -> Result<bool> {
        let Some(first) = payload.first_overflow() else {
            return Ok(true);
        };
        let local = payload.local().len() as u32;
        let expected = overflow_page_count(self.usable, payload.size(), local);
        let remaining = payload.size().saturating_sub(local);
        self.check_chain(page, index, first, expected, remaining, collect)
    }

    /// A row: its overflow chain, and its record's shape. A record whose
    /// header lies on its page is checked from there while its chain is
    /// walked, never gathered: a row's value may be far larger than the
    /// memory the check has.
    fn check_row(&mut self, page: PageNo, index: u16, payload: &Payload<'_>) -> Result<()> {
        let error = match payload.as_complete() {
            Some(bytes) => RecordRef::parse(bytes, Some(page)).err(),
            None => {
                let size = payload.size() as usize;
                match RecordRef::parse_prefix(payload.local(), size, Some(page)) {
                    Ok(Some(_)) => {
                        self.walk_chain(page, index, payload)?;
                        None
                    }
                    Ok(None) => {
                        if !self.gather(page, index, payload)? {
                            return Ok(());
                        }
                        RecordRef::parse(&self.current, Some(page)).err()
                    }
                    Err(e) => {
                        self.walk_chain(page, index, payload)?;
                        Some(e)
                    }
                }
            }
        };
        match error {
            Some(Error::Corrupt { reason, .. }) => {
                self.report(Some(page), Some(index), ProblemKind::Record(reason))
            }
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// An index entry: its overflow chain, its record, its order after the
    /// entry before it, uniqueness, and the rowid that ends it.
    fn check_entry(
        &mut self,
        spec: &TreeSpec<'_>,
        walk: &mut Walk,
        page: PageNo,
        index: u16,
        payload: &Payload<'_>,
    ) -> Result<()> {
        if !self.gather(page, index, payload)? {
            walk.have_previous = false;
            return Ok(());
        }
        let findings = entry_findings(
            &self.current,
            walk.have_previous.then_some(self.previous.as_slice()),
            spec,
            page,
        );
        let (record_ok, findings) = match findings {
            Ok(findings) => (true, findings),
            Err(Error::Corrupt { reason, .. }) => {
                self.report(Some(page), Some(index), ProblemKind::Record(reason))?;
                (false, [None; 3])
            }
            Err(e) => return Err(e),
        };
        for kind in findings.into_iter().flatten() {
            self.report(Some(page), Some(index), kind)?;
        }
        core::mem::swap(&mut self.current, &mut self.previous);
        walk.have_previous = record_ok;
        Ok(())
    }
}

/// What is wrong with the entry `current` after `previous` (when there is
/// one): out of order, a repeated unique key, no rowid at its end.
fn entry_findings(
    current: &[u8],
    previous: Option<&[u8]>,
    spec: &TreeSpec<'_>,
    page: PageNo,
) -> Result<[Option<ProblemKind>; 3]> {
    let entry = RecordRef::parse(current, Some(page))?;
    let mut findings = [None; 3];
    if spec.rowid_last {
        let last = entry.column_count().checked_sub(1).map(|i| entry.column(i));
        if !matches!(last, Some(Ok(ValueRef::Integer(_)))) {
            findings[2] = Some(ProblemKind::NoRowid);
        }
    }
    let (Some(keys), Some(previous)) = (spec.keys, previous) else {
        return Ok(findings);
    };
    let before = RecordRef::parse(previous, Some(page))?;
    if !compare_records(&before, &entry, keys)?.is_lt() {
        findings[0] = Some(ProblemKind::KeyOrder);
    }
    if spec.unique && same_key(&before, &entry, keys)? {
        findings[1] = Some(ProblemKind::NonUnique { index: spec.root });
    }
    Ok(findings)
}
