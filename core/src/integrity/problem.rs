//! [`Problem`]: one finding of the integrity check, a small `Copy` value.
//!
//! A problem names where it was found (the tree's root, the page, the
//! cell, as far as they are known) and what was wrong, with the numbers
//! that say how. Its `Display` follows SQLite's `PRAGMA integrity_check`
//! wording where the finding is the same one, prefix included ("Tree 2
//! page 5 cell 3: Rowid 9 out of order"); findings that name an index
//! print its root page, and [`IntegrityReport`](super::IntegrityReport)
//! prints its name instead.

use core::fmt;

use crate::{PageNo, RowId};

/// What the integrity check found wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProblemKind {
    /// A reference to page 0 or past the end of the database (SQLite:
    /// "invalid page number N").
    InvalidPage(u32),
    /// A page referenced a second time, by a tree, the freelist or an
    /// overflow chain, or the lock-byte page referenced at all (SQLite:
    /// "2nd reference to page N").
    SecondReference(u32),
    /// A page that nothing references (SQLite: "Page N: never used").
    NeverUsed(u32),
    /// Bytes that break the format, with the reader's reason.
    Malformed(&'static str),
    /// A freelist trunk lists more leaves than a page holds (SQLite:
    /// "freelist leaf count too big on page N").
    FreelistLeafCount,
    /// The freelist holds another number of pages than the header says
    /// (SQLite: "Freelist: size is N but should be M").
    FreelistSize {
        /// Pages found on the freelist.
        found: u32,
        /// The header's freelist count.
        expected: u32,
    },
    /// An overflow chain is not as long as its payload needs (SQLite:
    /// "overflow list length is N but should be M").
    OverflowLength {
        /// Pages found on the chain.
        found: u32,
        /// Pages the payload size implies.
        expected: u32,
    },
    /// Leaves of one tree at different depths (SQLite: "Child page depth
    /// differs").
    DepthDiffers,
    /// A tree deeper than any real one can be (SQLite: "btree depth
    /// exceeds 20").
    TooDeep,
    /// A page whose kind is not its tree's (a table page in an index, an
    /// index page in a table).
    WrongKind,
    /// A page other than a root holding no cell.
    EmptyPage,
    /// A rowid not above the one before it, or outside its parent's
    /// divider (SQLite: "Rowid N out of order").
    RowidOrder(RowId),
    /// An index key not after the one before it in the index's order.
    KeyOrder,
    /// Two cells or freeblocks sharing bytes (SQLite: "Multiple uses for
    /// byte N of page P").
    Overlap {
        /// The first byte used twice.
        byte: u32,
    },
    /// The header's fragmented-byte count is not the bytes no cell or
    /// freeblock covers (SQLite: "Fragmentation of N bytes reported as M
    /// on page P").
    Fragmentation {
        /// Bytes found uncovered.
        actual: u32,
        /// What the page header says.
        reported: u8,
    },
    /// A row's or an index entry's record is malformed.
    Record(&'static str),
    /// An index entry that does not end with an integer rowid.
    NoRowid,
    /// Two entries of a `UNIQUE` index share a key with no NULL in it
    /// (SQLite: "non-unique entry in index X").
    NonUnique {
        /// The index's root page.
        index: PageNo,
    },
    /// A table row with no entry in an index (SQLite: "row N missing from
    /// index X").
    MissingFromIndex {
        /// The row.
        rowid: RowId,
        /// The index's root page.
        index: PageNo,
    },
    /// A row's entry holds other values than the row, equal only under a
    /// collation (SQLite: "row N values differ from index X").
    ValuesDiffer {
        /// The row.
        rowid: RowId,
        /// The index's root page.
        index: PageNo,
    },
    /// An index entry that names a row its table lacks.
    NoSuchRow {
        /// The rowid the entry names.
        rowid: RowId,
        /// The index's root page.
        index: PageNo,
    },
    /// An index holds another number of entries than its table has rows
    /// (SQLite: "wrong # of entries in index X").
    EntryCount {
        /// The index's root page.
        index: PageNo,
        /// Entries in the index.
        entries: u64,
        /// Rows in the table.
        rows: u64,
    },
    /// The header's database size disagrees with the database's.
    DatabaseSize {
        /// The in-header size.
        header: u32,
        /// The pages the database has.
        actual: u32,
    },
}

/// One finding: what, and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Problem {
    /// What was wrong.
    pub kind: ProblemKind,
    /// The root of the tree being checked, when in one.
    pub tree: Option<PageNo>,
    /// The page where it was found.
    pub page: Option<PageNo>,
    /// The cell of that page, when one cell is at fault.
    pub cell: Option<u16>,
}

impl Problem {
    /// A problem of `kind` found outside any tree.
    pub const fn new(kind: ProblemKind) -> Self {
        Problem {
            kind,
            tree: None,
            page: None,
            cell: None,
        }
    }

    /// The index the problem concerns, when it is about index contents.
    pub const fn index(&self) -> Option<PageNo> {
        match self.kind {
            ProblemKind::NonUnique { index }
            | ProblemKind::MissingFromIndex { index, .. }
            | ProblemKind::ValuesDiffer { index, .. }
            | ProblemKind::NoSuchRow { index, .. }
            | ProblemKind::EntryCount { index, .. } => Some(index),
            _ => None,
        }
    }

    /// Writes the problem, naming the index it concerns with `index`.
    pub(crate) fn write(
        &self,
        f: &mut fmt::Formatter<'_>,
        index: &dyn Fn(&mut fmt::Formatter<'_>, PageNo) -> fmt::Result,
    ) -> fmt::Result {
        match (self.tree, self.page, self.cell) {
            (Some(t), Some(p), Some(c)) => write!(f, "Tree {t} page {p} cell {c}: ")?,
            (Some(t), Some(p), None) => write!(f, "Tree {t} page {p}: ")?,
            (None, Some(p), _) if !self.names_its_page() => write!(f, "Page {p}: ")?,
            _ => {}
        }
        let page = self.page.map_or(0, PageNo::get);
        match self.kind {
            ProblemKind::InvalidPage(n) => write!(f, "invalid page number {n}"),
            ProblemKind::SecondReference(n) => write!(f, "2nd reference to page {n}"),
            ProblemKind::NeverUsed(n) => write!(f, "Page {n}: never used"),
            ProblemKind::Malformed(reason) => f.write_str(reason),
            ProblemKind::FreelistLeafCount => {
                write!(f, "freelist leaf count too big on page {page}")
            }
            ProblemKind::FreelistSize { found, expected } => {
                write!(f, "Freelist: size is {found} but should be {expected}")
            }
            ProblemKind::OverflowLength { found, expected } => {
                write!(
                    f,
                    "overflow list length is {found} but should be {expected}"
                )
            }
            ProblemKind::DepthDiffers => f.write_str("Child page depth differs"),
            ProblemKind::TooDeep => f.write_str("btree depth exceeds 20"),
            ProblemKind::WrongKind => f.write_str("page kind differs from its tree's"),
            ProblemKind::EmptyPage => f.write_str("page other than the root has no cells"),
            ProblemKind::RowidOrder(rowid) => write!(f, "Rowid {rowid} out of order"),
            ProblemKind::KeyOrder => f.write_str("index key out of order"),
            ProblemKind::Overlap { byte } => {
                write!(f, "Multiple uses for byte {byte} of page {page}")
            }
            ProblemKind::Fragmentation { actual, reported } => write!(
                f,
                "Fragmentation of {actual} bytes reported as {reported} on page {page}"
            ),
            ProblemKind::Record(reason) => write!(f, "malformed record: {reason}"),
            ProblemKind::NoRowid => f.write_str("index entry does not end with a rowid"),
            ProblemKind::NonUnique { index: i } => {
                f.write_str("non-unique entry in index ")?;
                index(f, i)
            }
            ProblemKind::MissingFromIndex { rowid, index: i } => {
                write!(f, "row {rowid} missing from index ")?;
                index(f, i)
            }
            ProblemKind::ValuesDiffer { rowid, index: i } => {
                write!(f, "row {rowid} values differ from index ")?;
                index(f, i)
            }
            ProblemKind::NoSuchRow { rowid, index: i } => {
                write!(f, "row {rowid} named by index ")?;
                index(f, i)?;
                f.write_str(" is missing from its table")
            }
            ProblemKind::EntryCount {
                index: i,
                entries,
                rows,
            } => {
                f.write_str("wrong # of entries in index ")?;
                index(f, i)?;
                write!(f, " ({entries} entries, {rows} rows)")
            }
            ProblemKind::DatabaseSize { header, actual } => write!(
                f,
                "the header's database size is {header} pages but the database has {actual}"
            ),
        }
    }

    /// Whether the message itself names the page, so no prefix is needed.
    fn names_its_page(&self) -> bool {
        matches!(
            self.kind,
            ProblemKind::NeverUsed(_)
                | ProblemKind::FreelistLeafCount
                | ProblemKind::Overlap { .. }
                | ProblemKind::Fragmentation { .. }
        )
    }
}

/// Prints the problem; an index is named by its root page.
impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f, &|f, root| write!(f, "rooted at page {root}"))
    }
}
