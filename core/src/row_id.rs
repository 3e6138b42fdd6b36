//! [`RowId`]: the key of a row in a table B-tree.
//!
//! Every row of a rowid table is stored under a signed 64-bit key, its
//! rowid; an `INTEGER PRIMARY KEY` column is another name for it. Any
//! `i64` is a valid rowid, negative ones and 0 included, so the type adds
//! no check: it only keeps a rowid from being mixed up with a count, a
//! sequence number or an SQL value. The B-tree's page parsing reads raw
//! `i64`s and the cursors and the writer hand out and take `RowId`s; the
//! executor turns one into an SQL INTEGER value, and back, at the one
//! place each way where a row's key meets SQL.
//!
//! ```
//! use boundlite::RowId;
//! let last = RowId::new(41);
//! assert_eq!(last.checked_next(), Some(RowId::new(42)));
//! assert_eq!(RowId::MAX.checked_next(), None);
//! assert!(RowId::MIN < RowId::new(0));
//! assert_eq!(RowId::new(42).get(), 42);
//! assert_eq!(RowId::new(-7).to_string(), "-7");
//! ```

/// The key of a row in a table B-tree: a signed 64-bit rowid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RowId(i64);

impl RowId {
    /// The smallest rowid.
    pub const MIN: RowId = RowId(i64::MIN);

    /// The largest rowid.
    pub const MAX: RowId = RowId(i64::MAX);

    /// The rowid `n`; every `i64` is one.
    pub const fn new(n: i64) -> RowId {
        RowId(n)
    }

    /// The rowid as the file stores it.
    pub const fn get(self) -> i64 {
        self.0
    }

    /// The rowid one above this one, or `None` above [`RowId::MAX`]: the
    /// rowid a new row takes after the table's largest.
    pub const fn checked_next(self) -> Option<RowId> {
        match self.0.checked_add(1) {
            Some(n) => Some(RowId(n)),
            None => None,
        }
    }
}

impl core::fmt::Display for RowId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Display::fmt(&self.0, f)
    }
}
