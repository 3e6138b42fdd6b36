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
//!
//! Invariants:
//! - every move reads as the transaction the view shows at that moment,
//!   as [`MvccRows`](super::mvcc_rows::MvccRows) does;
//! - the store's entries are built again whenever the transaction or
//!   the store's count of changes differs from the ones they were built
//!   for, and a walk then goes on after the entry it stands on, so an
//!   entry of a row the walk's own statement changed is never read
//!   stale;
//! - the store is borrowed for one move, never while a caller's code
//!   runs.

use core::cmp::Ordering;

use boundlite_platform::Platform;

use super::info::{IndexInfo, TableInfo};
use super::view::{KeyCursor, View};
use crate::alloc::{Allocator, Vec};
use crate::btree::{PayloadRef, SeekMode};
use crate::mvcc::TxnId;
use crate::mvcc::store::Seen;
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

/// The entries of the row versions a transaction sees, in index order.
struct StoreEntries<A: Allocator> {
    bytes: Vec<u8, A>,
    /// Each entry's range of `bytes`, in index order.
    spans: Vec<(usize, usize), A>,
    /// The transaction and the store's count of changes they were built
    /// for.
    built_for: Option<(TxnId, u64)>,
    /// The first entry the walk has not passed.
    at: usize,
}

impl<A: Allocator> StoreEntries<A> {
    fn get(&self, i: usize) -> Option<&[u8]> {
        let &(start, end) = self.spans.get(i)?;
        self.bytes.get(start..end)
    }

    /// How many entries come before the first one for which `past`
    /// holds (`past` holds from some entry on).
    fn partition(&self, mut past: impl FnMut(&[u8]) -> Result<bool>) -> Result<usize> {
        let (mut low, mut high) = (0, self.spans.len());
        while low < high {
            let mid = low + (high - low) / 2;
            let entry = self
                .get(mid)
                .ok_or(Error::Misuse("an index entry out of place"))?;
            if past(entry)? {
                high = mid;
            } else {
                low = mid + 1;
            }
        }
        Ok(low)
    }
}

/// An index's entries as an MVCC transaction sees them.
pub(crate) struct MvccKeys<'v, P: Platform, A: Allocator + Clone> {
    view: &'v View<'v, P, A>,
    tree: KeyCursor<'v, P, A>,
    /// Whether the tree is on an entry whose row the store leaves as the
    /// tree has it.
    tree_on: bool,
    store: StoreEntries<A>,
    on: On,
    /// An entry being built, or the one the walk stands on while the
    /// store's entries are built again.
    scratch: Vec<u8, A>,
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
            store: StoreEntries {
                bytes: Vec::new_in(alloc.clone()),
                spans: Vec::new_in(alloc.clone()),
                built_for: None,
                at: 0,
            },
            on: On::Off,
            scratch: Vec::new_in(alloc),
        }
    }

    fn txn(&self) -> Result<TxnId> {
        self.view.mvcc_txn().ok_or(Error::Misuse(
            "an MVCC cursor read outside an MVCC transaction",
        ))
    }

    /// Whether the store's entries were built for what the transaction
    /// sees now.
    fn fresh(&self) -> Result<bool> {
        let txn = self.txn()?;
        let changes = self
            .view
            .main_database()
            .with_store(|s| Ok(s.store().changes()))?;
        Ok(self.store.built_for == Some((txn, changes)))
    }

    /// Builds the store's entries again unless they are fresh.
    fn refresh(&mut self, of: Of<'_, A>) -> Result<()> {
        if self.fresh()? {
            return Ok(());
        }
        let txn = self.txn()?;
        let alloc = self.view.allocator().clone();
        let (store, scratch) = (&mut self.store, &mut self.scratch);
        store.built_for = None;
        store.bytes.clear();
        store.spans.clear();
        let root = of.table.root;
        let changes = self.view.main_database().with_store(|s| {
            let versions = s.store();
            let mut after = None;
            while let Some((rowid, seen)) = versions.next_row(txn, root, after)? {
                after = Some(rowid);
                let Seen::Row(record) = seen else {
                    continue;
                };
                let row = RecordRef::parse(record, Some(root))?;
                if !of
                    .index
                    .holds(&of.table.columns, &row, rowid, alloc.clone())?
                {
                    continue;
                }
                if !of
                    .index
                    .build_entry(&of.table.columns, &row, rowid, scratch)?
                {
                    return Err(Error::Sql("index key needs an expression evaluated"));
                }
                let start = store.bytes.len();
                store.spans.try_reserve(1)?;
                store.bytes.try_extend_from_slice(scratch)?;
                store.spans.try_push((start, store.bytes.len()))?;
            }
            Ok(versions.changes())
        })?;
        let bytes = &store.bytes;
        let mut failed = None;
        store.spans.as_mut_slice().sort_unstable_by(|&a, &b| {
            let ordered = match (bytes.get(a.0..a.1), bytes.get(b.0..b.1)) {
                (Some(a), Some(b)) => compare_entries(a, b, &of.index.keys),
                _ => Err(Error::Misuse("an index entry out of place")),
            };
            ordered.unwrap_or_else(|e| {
                failed.get_or_insert(e);
                Ordering::Equal
            })
        });
        if let Some(e) = failed {
            store.spans.clear();
            return Err(e);
        }
        store.built_for = Some((txn, changes));
        Ok(())
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

    /// Stands on the lesser of the tree's entry and the store's next.
    fn choose(&mut self, keys: &[KeyColumn]) -> Result<bool> {
        let on = match (self.tree_on, self.store.get(self.store.at)) {
            (false, None) => On::Off,
            (true, None) => On::Tree,
            (false, Some(_)) => On::Store,
            (true, Some(stored)) => {
                let tree = self.tree.payload()?;
                match compare_entries(&tree, stored, keys)? {
                    Ordering::Greater => On::Store,
                    Ordering::Less | Ordering::Equal => On::Tree,
                }
            }
        };
        self.on = on;
        Ok(on != On::Off)
    }

    /// Moves to the first entry; `false` when there is none.
    pub fn first(&mut self, of: Of<'_, A>) -> Result<bool> {
        self.refresh(of)?;
        self.store.at = 0;
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
        if self.fresh()? {
            match was {
                On::Tree => {
                    let moved = self.tree.next()?;
                    self.settle_tree(moved, of.table.root)?;
                }
                On::Store | On::Off => self.store.at += 1,
            }
            return self.choose(&of.index.keys);
        }
        // The transaction changed rows since: the walk goes on after
        // the entry it stands on, among the entries built again.
        let alloc = self.view.allocator().clone();
        let mut here = core::mem::replace(&mut self.scratch, Vec::new_in(alloc));
        here.clear();
        let copied = self
            .payload()
            .and_then(|entry| Ok(here.try_extend_from_slice(&entry)?));
        let refreshed = copied.and_then(|()| self.refresh(of));
        let keys = &of.index.keys;
        let at = refreshed.and_then(|()| {
            self.store
                .partition(|entry| Ok(compare_entries(entry, &here, keys)?.is_gt()))
        });
        self.scratch = here;
        self.store.at = at?;
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
        self.refresh(of)?;
        self.store.at = self.store.partition(|entry| {
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
            On::Store => self
                .store
                .get(self.store.at)
                .map(PayloadRef::in_buffer)
                .ok_or(Error::Misuse("an index entry out of place")),
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
