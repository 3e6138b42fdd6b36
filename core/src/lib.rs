//! boundlite: an embedded SQL database core that reads and writes the SQLite
//! file format, with or without `std`, where running out of memory is an
//! ordinary error.
//!
//! This crate is `#![no_std]` and has no `alloc` crate in scope: every byte
//! it uses comes through [`boundlite_alloc`], whose collections can only grow
//! fallibly, from an allocator the caller chooses. Files are reached through
//! [`boundlite_platform`]'s `Platform` and `File` traits.
//!
//! Errors carry SQLite's result codes:
//!
//! ```
//! use boundlite::{Error, PageNo};
//! let page = PageNo::new(3).unwrap();
//! assert_eq!(Error::OutOfMemory.code(), 7);
//! assert_eq!(Error::corrupt(page, "cell pointer past the page end").code(), 11);
//! assert_eq!(
//!     Error::corrupt(page, "cell pointer past the page end").to_string(),
//!     "database disk image is malformed: cell pointer past the page end (page 3)",
//! );
//! ```
#![no_std]
#![deny(clippy::indexing_slicing)]

pub mod btree;
mod config;
pub mod connection;
mod database;
mod error;
mod exec;
pub mod format;
pub mod integrity;
pub mod mvcc;
mod page_no;
pub mod pager;
pub mod record;
mod row_id;
pub mod schema;
mod sort;
pub mod sql;
mod table;
#[cfg(test)]
mod test_rng;
pub mod wal;

pub use boundlite_alloc as alloc;
pub use boundlite_platform as platform;
pub use btree::TreeKind;
pub use config::{CacheGrowth, Config, READ_OVERHEAD, SORT_OVERHEAD, STATEMENT_BYTES};
pub use connection::{
    Blob, BlobAccess, Connection, FromValue, Params, Row, Statement, ToValue, Transaction,
    TransactionBehavior,
};
pub use database::{Database, MvccRows, MvccTransaction, WriteTransaction};
pub use error::{ByClause, ConstraintName, CutName, Error, Named, Result};
pub use page_no::PageNo;
pub use row_id::RowId;
