//! Table and index B-trees as SQLite lays them out in the file.
//!
//! A database file is a forest of B-trees, one per table and one per index,
//! each rooted at a page named in the schema. Table B-trees are keyed by a
//! 64-bit rowid and keep rows in their leaves only; index B-trees are keyed
//! by records and keep entries in interior and leaf pages alike. This module
//! owns how those pages are read and changed.
//!
//! Reading:
//!
//! - [`page`]: [`BTreePage`], a checked read-only view of one page's bytes
//!   (header, cell pointer array, cells), and [`PageKind`];
//! - [`cell`]: the four cell layouts, parsed into [`Cell`];
//! - [`payload`]: SQLite's exact rule for how much of a payload stays on the
//!   page, and the on-page size of a cell;
//! - [`overflow`]: following a payload's overflow chain;
//! - [`blob`]: reading and writing a byte range of one stored payload in
//!   place, page by page (incremental BLOB I/O);
//! - [`source`]: [`PageSource`], the one thing a cursor needs from the
//!   pager, with [`FileImage`] for a whole file held in memory, and
//!   [`PageStore`], a source that can also be changed: the writer reads
//!   and writes through it, and the pager is one;
//! - [`cursor`]: [`TableCursor`] and [`IndexCursor`]: first, last, next,
//!   prev and seek.
//!
//! Changing:
//!
//! - `writer`: [`TreeWriter`]: create, insert, delete, drop and clear,
//!   each a descent that records its path and changes the page in place
//!   when it can;
//! - `append`: [`RightEdge`], rows appended in rowid order onto a table's
//!   rightmost leaf without a descent each;
//! - `layout`: placing and freeing cells on one page (gap, freeblocks,
//!   fragments, defragmentation), as SQLite's page layout requires;
//! - `balance`: redistributing a page and its siblings when a change does
//!   not fit or leaves a page under a third full, growing and shrinking
//!   the root in place;
//! - `cell_list`: a page's cells held off the page while it is rebuilt;
//! - `build`: [`IndexBuild`], an empty index filled bottom up from keys
//!   in order, each page written once (`CREATE INDEX`);
//! - `spill`: writing and freeing overflow chains, a chain filled page by
//!   page from a [`PayloadBytes`] so a payload is never held whole.
//!
//! Invariants: page bytes are untrusted. Every offset, length, child pointer
//! and chain link is checked before use, and a page that breaks the format
//! is `Error::Corrupt` naming that page, never a panic, an out-of-bounds
//! read or a loop without end. Reading never allocates, except to assemble
//! a payload that spills to overflow pages, into a buffer the caller owns
//! and the cursor reuses; changing allocates only when the writer's reused
//! scratch buffers must grow. Root pages never move.

mod append;
mod balance;
pub mod blob;
mod build;
pub mod cell;
mod cell_list;
pub mod cursor;
mod layout;
pub mod overflow;
pub mod page;
pub mod payload;
pub mod source;
mod spill;
mod writer;

#[cfg(test)]
mod tests;

pub use append::RightEdge;
pub use blob::PayloadPlace;
pub use build::IndexBuild;
pub use cell::{Cell, Payload};
pub use cursor::{
    CursorState, IndexCursor, MAX_DEPTH, PayloadRef, SeekMode, StoredRecord, TableCursor,
};
pub use overflow::{OverflowChain, read_payload};
pub use page::{BTreePage, Freeblock, PageKind};
pub use payload::PayloadKind;
pub use source::{FileImage, PageSource, PageStore};
pub use spill::PayloadBytes;
pub use writer::{TreeKind, TreeWriter};
