//! The index entries each running transaction sees through the store,
//! kept per index and brought up to date write by write
//! (`docs/mvcc.md`, "Indexes").
//!
//! The store holds table rows only; an index's entries follow from
//! them. What the store does not know is how: an [`EntryMaker`] (the
//! table layer, which knows the index's columns, collations and
//! expressions) builds a row's entry from its record and orders two
//! entries. A transaction's *entry set* of an index holds the entries of
//! the row versions of the index's table it sees through the store (its
//! own pending ones and committed ones), each under its rowid, in index
//! order and in rowid order (a treap over one arena, each node in both).
//!
//! Each write of a transaction to a table it keeps entry sets of is
//! journalled (table, rowid); [`VersionStore::sync_entries`] applies
//! the journal's rows written since a set was last brought up to date:
//! the row's entry, if any, is taken out and the entry of what the
//! transaction sees of it now put in. A set is built whole when it does
//! not exist, so a write costs logarithmic time in the set's size and a
//! set is built once per transaction, not once per write.
//!
//! Invariants:
//! - a set holds exactly the entries of the row versions its transaction
//!   sees through the store once its journal's rows are applied: what
//!   else changes what a transaction sees (an undone statement for its
//!   own sets, versions freed for every transaction's) drops the sets,
//!   to be built again on use;
//! - a set that falls further behind its journal than its own size (and
//!   [`LAG_FLOOR`]) is dropped, so the journal stays within the sets'
//!   sizes and rebuilding one costs no more than the writes it missed;
//! - a set that fails an update (an allocation, the budget, an entry
//!   that does not parse) is dropped whole, never left half updated;
//! - every node, entry byte and journalled write is counted against the
//!   store's budget while it is held, and given back when dropped or the
//!   transaction ends.

use core::cmp::Ordering;

use super::version::visible;
use super::{Txn, VersionStore};
use crate::alloc::{Allocator, Vec};
use crate::mvcc::TxnId;
use crate::{Error, PageNo, Result, RowId};

/// How an index's entries are made from its table's rows.
pub trait EntryMaker<A: Allocator> {
    /// Puts in `out` the entry of row `rowid` whose record is `record`;
    /// `false` when the row has no entry in the index (a partial
    /// index's `WHERE` does not hold).
    fn entry(&mut self, rowid: RowId, record: &[u8], out: &mut Vec<u8, A>) -> Result<bool>;

    /// Orders two entries as the index does.
    fn compare(&mut self, a: &[u8], b: &[u8]) -> Result<Ordering>;
}

/// A set that lags its journal by at most this many writes is kept
/// whatever its size.
pub(super) const LAG_FLOOR: u64 = 64;

/// No node.
const NIL: u32 = u32::MAX;

/// The two orders every node is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    Entry,
    Rowid,
}

/// A child's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Left,
    Right,
}

impl Side {
    /// The side a node ordered `ordering` against a subtree's root goes.
    fn of(ordering: Ordering) -> Side {
        match ordering {
            Ordering::Greater => Side::Right,
            Ordering::Less | Ordering::Equal => Side::Left,
        }
    }
}

/// A node's children in one order, or a root in each order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Pair {
    left: u32,
    right: u32,
}

const NONE: Pair = Pair {
    left: NIL,
    right: NIL,
};

impl Pair {
    fn get(self, side: Side) -> u32 {
        match side {
            Side::Left => self.left,
            Side::Right => self.right,
        }
    }

    fn set(&mut self, side: Side, to: u32) {
        match side {
            Side::Left => self.left = to,
            Side::Right => self.right = to,
        }
    }
}

/// Links in both orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Links {
    entry: Pair,
    rowid: Pair,
}

impl Links {
    fn of(&self, order: Order) -> Pair {
        match order {
            Order::Entry => self.entry,
            Order::Rowid => self.rowid,
        }
    }

    fn of_mut(&mut self, order: Order) -> &mut Pair {
        match order {
            Order::Entry => &mut self.entry,
            Order::Rowid => &mut self.rowid,
        }
    }
}

/// One entry in both orders; a free node chains the free list through
/// `links.entry.left`.
struct Node<A: Allocator> {
    entry: Vec<u8, A>,
    rowid: RowId,
    priority: u32,
    links: Links,
}

/// Bytes the budget counts for an entry besides its bytes.
const NODE_CHARGE: usize = core::mem::size_of::<Node<crate::alloc::Global>>();

/// Bytes the budget counts for a journalled write.
pub(super) const JOURNAL_CHARGE: usize = core::mem::size_of::<(PageNo, RowId)>();

/// One index's entries as one transaction sees them.
struct EntrySet<A: Allocator> {
    table: PageNo,
    index: PageNo,
    nodes: Vec<Node<A>, A>,
    /// The root in each order, as its `left`.
    roots: Links,
    free: u32,
    len: usize,
    /// Bytes counted against the budget.
    charge: usize,
    /// The journal position its rows are applied up to.
    synced: u64,
    /// The priority generator's state (xorshift32, never zero).
    seed: u32,
}

/// A transaction's entry sets and the journal of its writes to their
/// tables.
pub(super) struct Derived<A: Allocator> {
    sets: Vec<EntrySet<A>, A>,
    /// Rows written to tables with a set, oldest first: `journal[i]` is
    /// position `base + i`.
    journal: Vec<(PageNo, RowId), A>,
    base: u64,
}

impl<A: Allocator + Clone> Derived<A> {
    pub(super) fn new_in(alloc: A) -> Self {
        Derived {
            sets: Vec::new_in(alloc.clone()),
            journal: Vec::new_in(alloc),
            base: 0,
        }
    }

    /// Bytes counted against the budget.
    pub(super) fn charge(&self) -> usize {
        self.sets.iter().map(|s| s.charge).sum::<usize>() + self.journal.len() * JOURNAL_CHARGE
    }

    /// Whether a write to table `root` is journalled.
    pub(super) fn journals(&self, root: PageNo) -> bool {
        self.sets.iter().any(|s| s.table == root)
    }

    /// Makes room to journal one write, before the write changes
    /// anything.
    pub(super) fn reserve(&mut self) -> Result<()> {
        Ok(self.journal.try_reserve(1)?)
    }

    /// Journals a write to row `rowid` of table `root` (room made by
    /// [`reserve`](Self::reserve)), drops the sets it leaves too far
    /// behind, and returns the bytes given back, counting the write's
    /// own [`JOURNAL_CHARGE`] as held.
    pub(super) fn wrote(&mut self, root: PageNo, rowid: RowId) -> usize {
        if self.journal.try_push((root, rowid)).is_err() {
            return self.clear() + JOURNAL_CHARGE;
        }
        let end = self.end();
        let before = self.charge();
        self.sets
            .retain(|s| end - s.synced <= LAG_FLOOR.max(u64::try_from(s.len).unwrap_or(u64::MAX)));
        self.trim();
        before - self.charge()
    }

    /// Drops every set and the journal; returns the bytes given back.
    pub(super) fn clear(&mut self) -> usize {
        let freed = self.charge();
        self.base = self.end();
        self.sets.clear();
        self.journal.clear();
        freed
    }

    fn end(&self) -> u64 {
        self.base + self.journal.len() as u64
    }

    /// Lets go of the journal's writes every set has applied, once they
    /// are half of it (so trimming costs amortised constant time);
    /// returns the bytes given back.
    fn trim(&mut self) -> usize {
        let held = self.journal.len();
        let end = self.end();
        let oldest = self.sets.iter().map(|s| s.synced).min().unwrap_or(end);
        let done = usize::try_from(oldest - self.base).unwrap_or(usize::MAX);
        if done == self.journal.len() {
            self.journal.clear();
            self.base = end;
        } else if done > 0 && done >= self.journal.len() / 2 {
            drop(self.journal.drain(..done));
            self.base = oldest;
        }
        (held - self.journal.len()) * JOURNAL_CHARGE
    }
}

impl<A: Allocator + Clone> EntrySet<A> {
    fn new_in(alloc: A, table: PageNo, index: PageNo, synced: u64) -> Self {
        EntrySet {
            table,
            index,
            nodes: Vec::new_in(alloc),
            roots: Links {
                entry: NONE,
                rowid: NONE,
            },
            free: NIL,
            len: 0,
            charge: 0,
            synced,
            seed: 0x9e37_79b9,
        }
    }

    fn node(&self, at: u32) -> Result<&Node<A>> {
        self.nodes
            .get(at as usize)
            .ok_or(Error::Misuse("an index entry node out of place"))
    }

    fn node_mut(&mut self, at: u32) -> Result<&mut Node<A>> {
        self.nodes
            .get_mut(at as usize)
            .ok_or(Error::Misuse("an index entry node out of place"))
    }

    fn link(&self, at: u32, order: Order, side: Side) -> Result<u32> {
        Ok(self.node(at)?.links.of(order).get(side))
    }

    fn set_link(&mut self, at: u32, order: Order, side: Side, to: u32) -> Result<()> {
        self.node_mut(at)?.links.of_mut(order).set(side, to);
        Ok(())
    }

    /// Orders nodes `a` and `b` in `order`.
    fn compare<M: EntryMaker<A>>(
        &self,
        order: Order,
        a: u32,
        b: u32,
        maker: &mut M,
    ) -> Result<Ordering> {
        let (a, b) = (self.node(a)?, self.node(b)?);
        match order {
            Order::Entry => maker.compare(&a.entry, &b.entry),
            Order::Rowid => Ok(a.rowid.cmp(&b.rowid)),
        }
    }

    /// Adds `entry` of row `rowid`; `used` and `budget` are the store's.
    fn insert<M: EntryMaker<A>>(
        &mut self,
        alloc: &A,
        rowid: RowId,
        entry: &[u8],
        maker: &mut M,
        used: &mut usize,
        budget: usize,
    ) -> Result<()> {
        let charge = NODE_CHARGE + entry.len();
        if *used + charge > budget {
            return Err(Error::OutOfMemory);
        }
        let bytes = Vec::try_from_slice_in(entry, alloc.clone())?;
        self.seed ^= self.seed << 13;
        self.seed ^= self.seed >> 17;
        self.seed ^= self.seed << 5;
        let node = Node {
            entry: bytes,
            rowid,
            priority: self.seed,
            links: Links {
                entry: NONE,
                rowid: NONE,
            },
        };
        let at = if self.free != NIL {
            let at = self.free;
            let slot = self.node_mut(at)?;
            let next = slot.links.entry.left;
            *slot = node;
            self.free = next;
            at
        } else {
            let at = u32::try_from(self.nodes.len())
                .map_err(|_| Error::Misuse("too many index entries"))?;
            self.nodes.try_push(node)?;
            at
        };
        *used += charge;
        self.charge += charge;
        self.len += 1;
        for order in [Order::Rowid, Order::Entry] {
            let root = self.roots.of(order).left;
            self.roots.of_mut(order).left = self.insert_at(order, root, at, maker)?;
        }
        Ok(())
    }

    /// Puts node `n` into the subtree at `t` in `order`; returns the
    /// subtree's root.
    fn insert_at<M: EntryMaker<A>>(
        &mut self,
        order: Order,
        t: u32,
        n: u32,
        maker: &mut M,
    ) -> Result<u32> {
        if t == NIL {
            return Ok(n);
        }
        if self.node(n)?.priority > self.node(t)?.priority {
            let (left, right) = self.split(order, t, n, maker)?;
            self.set_link(n, order, Side::Left, left)?;
            self.set_link(n, order, Side::Right, right)?;
            return Ok(n);
        }
        let side = Side::of(self.compare(order, n, t, maker)?);
        let child = self.link(t, order, side)?;
        let child = self.insert_at(order, child, n, maker)?;
        self.set_link(t, order, side, child)?;
        Ok(t)
    }

    /// Splits the subtree at `t` in `order` into the nodes before `n`
    /// and those after it.
    fn split<M: EntryMaker<A>>(
        &mut self,
        order: Order,
        t: u32,
        n: u32,
        maker: &mut M,
    ) -> Result<(u32, u32)> {
        if t == NIL {
            return Ok((NIL, NIL));
        }
        if self.compare(order, t, n, maker)?.is_lt() {
            let right = self.link(t, order, Side::Right)?;
            let (left, rest) = self.split(order, right, n, maker)?;
            self.set_link(t, order, Side::Right, left)?;
            Ok((t, rest))
        } else {
            let left = self.link(t, order, Side::Left)?;
            let (rest, right) = self.split(order, left, n, maker)?;
            self.set_link(t, order, Side::Left, right)?;
            Ok((rest, t))
        }
    }

    /// Joins subtrees `a` and `b` in `order`, every node of `a` before
    /// every node of `b`.
    fn merge(&mut self, order: Order, a: u32, b: u32) -> Result<u32> {
        if a == NIL {
            return Ok(b);
        }
        if b == NIL {
            return Ok(a);
        }
        if self.node(a)?.priority > self.node(b)?.priority {
            let right = self.link(a, order, Side::Right)?;
            let joined = self.merge(order, right, b)?;
            self.set_link(a, order, Side::Right, joined)?;
            Ok(a)
        } else {
            let left = self.link(b, order, Side::Left)?;
            let joined = self.merge(order, a, left)?;
            self.set_link(b, order, Side::Left, joined)?;
            Ok(b)
        }
    }

    /// Takes node `n` out of the subtree at `t` in `order`; returns the
    /// subtree's root.
    fn remove_at<M: EntryMaker<A>>(
        &mut self,
        order: Order,
        t: u32,
        n: u32,
        maker: &mut M,
    ) -> Result<u32> {
        if t == NIL {
            return Err(Error::Misuse("an index entry missing from its set"));
        }
        if t == n {
            let (left, right) = (
                self.link(t, order, Side::Left)?,
                self.link(t, order, Side::Right)?,
            );
            return self.merge(order, left, right);
        }
        let side = Side::of(self.compare(order, n, t, maker)?);
        let child = self.link(t, order, side)?;
        let child = self.remove_at(order, child, n, maker)?;
        self.set_link(t, order, side, child)?;
        Ok(t)
    }

    /// Takes out row `rowid`'s entry, if it has one; returns the bytes
    /// given back.
    fn remove<M: EntryMaker<A>>(
        &mut self,
        alloc: &A,
        rowid: RowId,
        maker: &mut M,
    ) -> Result<usize> {
        let mut t = self.roots.rowid.left;
        while t != NIL {
            let here = self.node(t)?.rowid;
            match rowid.cmp(&here) {
                Ordering::Equal => break,
                Ordering::Less => t = self.link(t, Order::Rowid, Side::Left)?,
                Ordering::Greater => t = self.link(t, Order::Rowid, Side::Right)?,
            }
        }
        if t == NIL {
            return Ok(0);
        }
        for order in [Order::Entry, Order::Rowid] {
            let root = self.roots.of(order).left;
            self.roots.of_mut(order).left = self.remove_at(order, root, t, maker)?;
        }
        let free = self.free;
        let node = self.node_mut(t)?;
        let bytes = core::mem::replace(&mut node.entry, Vec::new_in(alloc.clone()));
        node.links = Links {
            entry: Pair {
                left: free,
                right: NIL,
            },
            rowid: NONE,
        };
        self.free = t;
        let charge = NODE_CHARGE + bytes.len();
        self.charge -= charge;
        self.len -= 1;
        Ok(charge)
    }

    /// The first entry in index order for which `past` holds (`past`
    /// holds from some entry on).
    fn first_where(&self, mut past: impl FnMut(&[u8]) -> Result<bool>) -> Result<Option<&[u8]>> {
        let (mut t, mut found) = (self.roots.entry.left, None);
        while t != NIL {
            let node = self.node(t)?;
            if past(&node.entry)? {
                found = Some(node.entry.as_slice());
                t = node.links.entry.left;
            } else {
                t = node.links.entry.right;
            }
        }
        Ok(found)
    }
}

impl<A: Allocator + Clone> VersionStore<A> {
    /// Entries [`sync_entries`](Self::sync_entries) has made since the
    /// store was opened: a write costs a few, a set built whole one per
    /// row of its table.
    pub fn entries_made(&self) -> u64 {
        self.entries_made
    }

    /// Brings `txn`'s entry set of the index at `index`, of the table at
    /// `table`, up to what it sees through the store: built whole when
    /// it has none, else the rows written since applied. `OutOfMemory`
    /// past the budget; any error drops the set.
    pub fn sync_entries<M: EntryMaker<A>>(
        &mut self,
        txn: TxnId,
        table: PageNo,
        index: PageNo,
        maker: &mut M,
    ) -> Result<()> {
        let at = self.txn_at(txn)?;
        let VersionStore {
            alloc,
            tables,
            txns,
            used,
            budget,
            entries_made,
            ..
        } = self;
        let Some(t) = txns.get_mut(at) else {
            return Err(Error::Misuse("no such MVCC transaction is running"));
        };
        let sight = t.sight();
        let Txn { derived, .. } = t;
        let end = derived.end();
        let found = derived.sets.iter().position(|s| s.index == index);
        let (set_at, rows) = match found {
            Some(s) => {
                let synced = derived.sets.get(s).map_or(end, |s| s.synced);
                let from = usize::try_from(synced - derived.base).unwrap_or(usize::MAX);
                (s, Rows::Journal(derived.journal.get(from..).unwrap_or(&[])))
            }
            None => {
                derived
                    .sets
                    .try_push(EntrySet::new_in(alloc.clone(), table, index, end))?;
                (derived.sets.len() - 1, Rows::Whole)
            }
        };
        let Some(set) = derived.sets.get_mut(set_at) else {
            return Err(Error::Misuse("an index entry set out of place"));
        };
        let mut scratch = Vec::new_in(alloc.clone());
        let mut apply =
            |rowid: RowId, set: &mut EntrySet<A>| -> Result<()> {
                *used -= set.remove(alloc, rowid, maker)?;
                let Some(record) = tables.row(table, rowid).and_then(|row| {
                    match visible(&row.versions, txn, sight) {
                        super::Seen::Row(record) => Some(record),
                        super::Seen::Deleted | super::Seen::Unversioned => None,
                    }
                }) else {
                    return Ok(());
                };
                *entries_made += 1;
                if maker.entry(rowid, record, &mut scratch)? {
                    set.insert(alloc, rowid, &scratch, maker, used, *budget)?;
                }
                Ok(())
            };
        let applied = match rows {
            Rows::Journal(journal) => journal
                .iter()
                .filter(|&&(root, _)| root == table)
                .try_for_each(|&(_, rowid)| apply(rowid, set)),
            Rows::Whole => tables.table(table).map_or(Ok(()), |t| {
                t.rows.iter().try_for_each(|row| apply(row.rowid, set))
            }),
        };
        match applied {
            Ok(()) => {
                set.synced = end;
                *used -= derived.trim();
                Ok(())
            }
            Err(e) => {
                let dropped = derived.sets.remove(set_at);
                *used -= dropped.charge;
                Err(e)
            }
        }
    }

    /// The first entry, in index order, of `txn`'s entry set of the
    /// index at `index` for which `past` holds (`past` holds from some
    /// entry on). The set must have been brought up to date
    /// ([`sync_entries`](Self::sync_entries)) since the store last
    /// changed.
    pub fn first_entry_where(
        &self,
        txn: TxnId,
        index: PageNo,
        past: impl FnMut(&[u8]) -> Result<bool>,
    ) -> Result<Option<&[u8]>> {
        let t = self.txn(txn)?;
        let set = t
            .derived
            .sets
            .iter()
            .find(|s| s.index == index && s.synced == t.derived.end())
            .ok_or(Error::Misuse("an index entry set read before it is synced"))?;
        set.first_where(past)
    }

    /// Drops every transaction's entry sets: versions were freed, and
    /// what a transaction sees through the store may have moved to its
    /// B-tree.
    pub(super) fn forget_entries(&mut self) {
        for t in self.txns.as_mut_slice() {
            self.used -= t.derived.clear();
        }
    }
}

/// The rows a set is brought up to date with.
enum Rows<'j> {
    /// The journal's rows since the set was synced.
    Journal(&'j [(PageNo, RowId)]),
    /// Every row of the table: the set is built whole.
    Whole,
}
