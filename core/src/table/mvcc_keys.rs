//! [`MvccKeys`]: an index's entries as the connection's MVCC transaction
//! sees them, behind [`EntryCursor`](super::EntryCursor).
//!
//! The store holds table rows only: an index's entries are derived from
//! them (`docs/mvcc.md`, "Indexes"). The entries the transaction sees are
//! the index B-tree snapshot's entries whose row has no version the
//! transaction sees (the B-tree snapshot's row and entries agree), merged
//! in index order with the entries of the row versions it sees, built
//! from their records as a write builds them. A row is in exactly one of
//! the two, and every entry ends with its rowid, so no two are equal.
//! The store keeps the second kind per transaction and index, brought up
//! to date write by write (`mvcc::store`'s entry sets, built here by
//! [`Maker`]), so a move costs logarithmic time in them.
//!
//! Invariants:
//! - every move reads as the transaction the view shows at that moment,
//!   as [`MvccRows`](super::mvcc_rows::MvccRows) does;
//! - the store's entry set is brought up to date before every read of
//!   it, and when the transaction or the store's count of changes
//!   differs from the ones the walk last moved under, the walk goes on
//!   after the entry it stands on, so an entry of a row the walk's own
//!   statement changed is never read stale;
//! - the store is borrowed for one move, never while a caller's code
//!   runs: the store's entry the walk stands on or comes to next is
//!   copied out.

use core::cmp::Ordering;

use boundlite_platform::Platform;

use super::info::{IndexInfo, TableInfo};
use super::view::{KeyCursor, View};
use crate::alloc::{Allocator, Vec};
use crate::btree::{PayloadRef, SeekMode};
use crate::mvcc::TxnId;
use crate::mvcc::store::{EntryMaker, Seen};
use crate::pager::PageRef;
use crate::record::{KeyColumn, RecordRef, ValueRef, compare_payload, compare_records};
use crate::{Error, PageNo, Result, RowId};

/// The table an index is of, and the index, for the moves that may
/// build its entries from the table's row versions.
pub(crate) struct Of<'a, A: Allocator> {
    pub table: &'a TableInfo<A>,
    pub index: &'a IndexInfo<A>,
}

// By hand: derived ones would ask `A: Copy`.
impl<A: Allocator> Clone for Of<'_, A> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<A: Allocator> Copy for Of<'_, A> {}

/// Which side of the merge the cursor stands on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum On {
    Tree,
    Store,
    Off,
}

/// Builds an index's entries from its table's records for the store's
/// entry sets, as a write builds them.
struct Maker<'a, A: Allocator + Clone> {
    of: Of<'a, A>,
    alloc: A,
}

impl<A: Allocator + Clone> EntryMaker<A> for Maker<'_, A> {
    fn entry(&mut self, rowid: RowId, record: &[u8], out: &mut Vec<u8, A>) -> Result<bool> {
        let Of { table, index } = self.of;
        let row = RecordRef::parse(record, Some(table.root))?;
        if !index.holds(&table.columns, &row, rowid, self.alloc.clone())? {
            return Ok(false);
        }
        if !index.build_entry(&table.columns, &row, rowid, out)? {
            return Err(Error::Sql("index key needs an expression evaluated"));
        }
        Ok(true)
    }

    fn compare(&mut self, a: &[u8], b: &[u8]) -> Result<Ordering> {
        compare_entries(a, b, &self.of.index.keys)
    }
}

/// An index's entries as an MVCC transaction sees them.
pub(crate) struct MvccKeys<'v, P: Platform, A: Allocator + Clone> {
    view: &'v View<'v, P, A>,
    tree: KeyCursor<'v, P, A>,
    /// Whether the tree is on an entry whose row the store leaves as the
    /// tree has it.
    tree_on: bool,
    /// The store's first entry the walk has not passed, copied out.
    next_stored: Vec<u8, A>,
    /// Whether there is one.
    stored_on: bool,
    on: On,
    /// The transaction and the store's count of changes of the last
    /// move.
    moved_under: Option<(TxnId, u64)>,
    /// The entry the walk stands on while the store moved under it.
    here: Vec<u8, A>,
}

impl<'v, P: Platform, A: Allocator + Clone> MvccKeys<'v, P, A> {
    /// The entries of the index `tree` reads, over the B-tree snapshot
    /// the view's MVCC transaction began on.
    pub fn new(view: &'v View<'v, P, A>, tree: KeyCursor<'v, P, A>) -> Self {
        let alloc = view.allocator().clone();
        MvccKeys {
            view,
            tree,
            tree_on: false,
            next_stored: Vec::new_in(alloc.clone()),
            stored_on: false,
            on: On::Off,
            moved_under: None,
            here: Vec::new_in(alloc),
        }
    }

    fn txn(&self) -> Result<TxnId> {
        self.view.mvcc_txn().ok_or(Error::Misuse(
            "an MVCC cursor read outside an MVCC transaction",
        ))
    }

    /// The transaction and the store's count of changes now.
    fn under(&self) -> Result<(TxnId, u64)> {
        let txn = self.txn()?;
        let changes = self
            .view
            .main_database()
            .with_store(|s| Ok(s.store().changes()))?;
        Ok((txn, changes))
    }

    /// Brings the store's entry set up to date and copies out its first
    /// entry for which `past` holds (`past` holds from some entry on).
    fn find_stored(
        &mut self,
        of: Of<'_, A>,
        past: impl FnMut(&[u8]) -> Result<bool>,
    ) -> Result<()> {
        let txn = self.txn()?;
        let mut maker = Maker {
            of,
            alloc: self.view.allocator().clone(),
        };
        let (out, stored_on) = (&mut self.next_stored, &mut self.stored_on);
        *stored_on = false;
        out.clear();
        self.view.main_database().with_store(|s| {
            s.sync_entries(txn, of.table.root, of.index.root, &mut maker)?;
            if let Some(entry) = s.store().first_entry_where(txn, of.index.root, past)? {
                out.try_extend_from_slice(entry)?;
                *stored_on = true;
            }
            Ok(())
        })
    }

    /// Whether the tree's entry stands: its row has no version the
    /// transaction sees.
    fn tree_stands(&mut self, table_root: PageNo) -> Result<bool> {
        let txn = self.txn()?;
        let page = self.tree.page();
        let rowid = {
            let payload = self.tree.payload()?;
            entry_rowid(&payload, page)?
        };
        self.view
            .main_database()
            .with_store(|s| Ok(s.store().read(txn, table_root, rowid)? == Seen::Unversioned))
    }

    /// Moves the tree past the entries that do not stand, from where
    /// `on` says it is.
    fn settle_tree(&mut self, mut on: bool, table_root: PageNo) -> Result<()> {
        while on && !self.tree_stands(table_root)? {
            on = self.tree.next()?;
        }
        self.tree_on = on;
        Ok(())
    }

    /// Stands on the lesser of the tree's entry and the store's next,
    /// and notes what the move was made under.
    fn choose(&mut self, keys: &[KeyColumn]) -> Result<bool> {
        let on = match (self.tree_on, self.stored_on) {
            (false, false) => On::Off,
            (true, false) => On::Tree,
            (false, true) => On::Store,
            (true, true) => {
                let tree = self.tree.payload()?;
                match compare_entries(&tree, &self.next_stored, keys)? {
                    Ordering::Greater => On::Store,
                    Ordering::Less | Ordering::Equal => On::Tree,
                }
            }
        };
        self.on = on;
        self.moved_under = Some(self.under()?);
        Ok(on != On::Off)
    }

    /// Moves to the first entry; `false` when there is none.
    pub fn first(&mut self, of: Of<'_, A>) -> Result<bool> {
        self.find_stored(of, |_| Ok(true))?;
        let moved = self.tree.first()?;
        self.settle_tree(moved, of.table.root)?;
        self.choose(&of.index.keys)
    }

    /// Moves to the next entry; `false` past the last.
    pub fn next(&mut self, of: Of<'_, A>) -> Result<bool> {
        let was = self.on;
        if was == On::Off {
            return Ok(false);
        }
        let keys = &of.index.keys;
        let alloc = self.view.allocator().clone();
        let mut here = core::mem::replace(&mut self.here, Vec::new_in(alloc));
        here.clear();
        let fresh = self.moved_under == Some(self.under()?);
        // Fresh, the tree's entry is before the store's next and stays
        // so; else the transaction changed rows since, and the walk goes
        // on after the entry it stands on among the store's entries as
        // they are now.
        let found = match (was, fresh) {
            (On::Tree, true) => Ok(()),
            (On::Store | On::Off, _) => {
                let copied = here.try_extend_from_slice(&self.next_stored);
                copied.map_err(Error::from).and_then(|()| {
                    self.find_stored(of, |e| Ok(compare_entries(e, &here, keys)?.is_gt()))
                })
            }
            (On::Tree, false) => self
                .payload()
                .and_then(|entry| Ok(here.try_extend_from_slice(&entry)?))
                .and_then(|()| {
                    self.find_stored(of, |e| Ok(compare_entries(e, &here, keys)?.is_gt()))
                }),
        };
        self.here = here;
        found?;
        let tree_on = match was {
            On::Tree => self.tree.next()?,
            On::Store | On::Off => self.tree_on,
        };
        self.settle_tree(tree_on, of.table.root)?;
        self.choose(keys)
    }

    /// Moves to the entry `mode` picks relative to the search key `key`
    /// (a prefix of an entry's columns): forward modes only (`Ge`, `Gt`,
    /// `Eq`); the backward ones are refused by name.
    pub fn seek(
        &mut self,
        key: &[ValueRef<'_>],
        columns: &[KeyColumn],
        mode: SeekMode,
        of: Of<'_, A>,
    ) -> Result<bool> {
        let (tree_mode, strict) = match mode {
            SeekMode::Ge | SeekMode::Eq => (SeekMode::Ge, false),
            SeekMode::Gt => (SeekMode::Gt, true),
            SeekMode::Le | SeekMode::Lt => {
                return Err(Error::Sql(
                    "a backward index seek on a database in MVCC mode is not supported",
                ));
            }
        };
        self.find_stored(of, |entry| {
            let ordering = compare_payload(entry, None, key, columns)?;
            Ok(ordering.is_gt() || (!strict && ordering.is_eq()))
        })?;
        let moved = self.tree.seek(key, columns, tree_mode)?;
        self.settle_tree(moved, of.table.root)?;
        if !self.choose(&of.index.keys)? {
            return Ok(false);
        }
        if mode == SeekMode::Eq {
            let entry = self.payload()?;
            if compare_payload(&entry, None, key, columns)?.is_ne() {
                drop(entry);
                self.on = On::Off;
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The current entry's record.
    pub fn payload(&mut self) -> Result<PayloadRef<'_, PageRef<'v, A>>> {
        match self.on {
            On::Tree => self.tree.payload(),
            On::Store => Ok(PayloadRef::in_buffer(&self.next_stored)),
            On::Off => Err(Error::Misuse("the cursor is not on an entry")),
        }
    }

    /// The page of the current entry, when it is the tree's.
    pub fn page(&self) -> Option<PageNo> {
        match self.on {
            On::Tree => self.tree.page(),
            On::Store | On::Off => None,
        }
    }
}

/// Orders two index entries as the index does.
fn compare_entries(a: &[u8], b: &[u8], keys: &[KeyColumn]) -> Result<Ordering> {
    compare_records(
        &RecordRef::parse(a, None)?,
        &RecordRef::parse(b, None)?,
        keys,
    )
}

/// The rowid an index entry ends with.
fn entry_rowid(entry: &[u8], page: Option<PageNo>) -> Result<RowId> {
    let mut last = None;
    for value in RecordRef::parse(entry, page)?.columns() {
        last = Some(value?);
    }
    match last {
        Some(ValueRef::Integer(rowid)) => Ok(RowId::new(rowid)),
        _ => Err(Error::Corrupt {
            page,
            reason: "an index entry without a rowid",
        }),
    }
}
