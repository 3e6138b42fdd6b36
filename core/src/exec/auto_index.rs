//! [`AutoIndex`]: SQLite's automatic index. A join level that would scan
//! its table for every row of the loops around it, while a term `column
//! = bound` links it to them, reads the table once into an index of
//! `(value, rowid)` on that column and seeks it for each outer row, so
//! an equality join on unindexed columns costs a sort, not a product.
//!
//! Invariants:
//! - entries are ordered by [`compare_values`] under the column's own
//!   collation, then by rowid, so the entries equal to a key are found
//!   together, in rowid order; a NULL value, which `=` matches with
//!   nothing, has no entry;
//! - entries stay in memory, sorted in place, while the join's
//!   automatic indexes fit the sort budget together; past it an index
//!   moves into an index B-tree of a temporary database of its own (its
//!   cache the least a pager takes), so an index of any size costs
//!   bounded memory and a seek a descent of that tree;
//! - an index holds the rows as they were when it was read: it lives for
//!   one run of its statement, whose reads come before its writes (see
//!   `insert` and `update_from`), and is dropped when the database's
//!   generation moves past the one it was read at.

use core::cell::Cell;
use core::cmp::Ordering;

use boundlite_platform::Platform;

use crate::alloc::{Allocator, Box, Vec};
use crate::btree::{SeekMode, TreeKind};
use crate::database::Database;
use crate::record::encode_into;
use crate::record::{Collation, KeyColumn, RecordRef, SortOrder, ValueRef, compare_values};
use crate::sql::eval::Value;
use crate::{Error, PageNo, Result, RowId};

/// The most rowids one look-up hands out; the next continues after them.
pub(crate) const CHUNK: usize = 32;

/// One entry: a row's value and its rowid.
struct Entry<A: Allocator> {
    value: Value<A>,
    rowid: RowId,
}

/// Where an index's entries are.
enum Holds<P: Platform, A: Allocator + Clone> {
    /// Sorted, in memory.
    Memory(Vec<Entry<A>, A>),
    /// In a temporary database's index B-tree of `[value, rowid]`
    /// records.
    Tree {
        db: Box<Database<P, A>, A>,
        root: PageNo,
    },
}

/// An automatic index on one column of one table.
pub(crate) struct AutoIndex<P: Platform, A: Allocator + Clone> {
    /// The column's position in its table.
    column: usize,
    collation: Collation,
    /// The generation of the database the rows were read at.
    generation: u64,
    /// The bytes its entries take in memory, counted in the join's
    /// budget (none once they move to a tree).
    bytes: usize,
    holds: Holds<P, A>,
}

/// The budget the automatic indexes of one join share in memory, in
/// bytes, and what they hold of it.
pub(crate) struct Budget {
    pub limit: usize,
    pub held: Cell<usize>,
}

impl<P: Platform, A: Allocator + Clone> AutoIndex<P, A> {
    /// An empty index on `column`, ordered under `collation`, for rows
    /// read at database generation `generation`.
    pub fn new(column: usize, collation: Collation, generation: u64, alloc: &A) -> Self {
        AutoIndex {
            column,
            collation,
            generation,
            bytes: 0,
            holds: Holds::Memory(Vec::new_in(alloc.clone())),
        }
    }

    /// The column's position in its table.
    pub fn column(&self) -> usize {
        self.column
    }

    /// Whether the index is on `column` under `collation`, its rows read
    /// at `generation`.
    pub fn serves(&self, column: usize, collation: Collation, generation: u64) -> bool {
        self.column == column && self.collation == collation && self.generation == generation
    }

    fn key_columns(&self) -> [KeyColumn; 2] {
        [
            KeyColumn {
                order: SortOrder::Asc,
                collation: self.collation,
            },
            KeyColumn {
                order: SortOrder::Asc,
                collation: Collation::Binary,
            },
        ]
    }

    /// Adds the row `rowid` whose value is `value`; past `budget`, moves
    /// the entries into a temporary database opened on `platform`.
    pub fn push(
        &mut self,
        value: ValueRef<'_>,
        rowid: RowId,
        budget: &Budget,
        platform: &P,
        record: &mut Vec<u8, A>,
    ) -> Result<()> {
        if value.is_null() {
            return Ok(());
        }
        if let Holds::Memory(entries) = &mut self.holds {
            let payload = match value {
                ValueRef::Text(b) | ValueRef::Blob(b) => b.len(),
                _ => 0,
            };
            let size = size_of::<Entry<A>>().saturating_add(payload);
            let held = budget.held.get().saturating_add(size);
            if held <= budget.limit {
                let alloc = entries.allocator().clone();
                entries.try_push(Entry {
                    value: Value::try_from_ref(value, alloc)?,
                    rowid,
                })?;
                budget.held.set(held);
                self.bytes = self.bytes.saturating_add(size);
                return Ok(());
            }
            self.spill(budget, platform, record)?;
        }
        let columns = self.key_columns();
        let Holds::Tree { db, root } = &self.holds else {
            return Err(Error::Misuse("an automatic index spilled without its tree"));
        };
        let txn = db.continue_write()?;
        record.clear();
        encode_into(&[value, ValueRef::Integer(rowid.get())], record)?;
        txn.insert_key(*root, record, &columns)?;
        txn.suspend();
        Ok(())
    }

    /// Moves the entries held in memory into an index B-tree of a
    /// temporary database of their own.
    fn spill(&mut self, budget: &Budget, platform: &P, record: &mut Vec<u8, A>) -> Result<()> {
        let columns = self.key_columns();
        let Holds::Memory(entries) = &mut self.holds else {
            return Ok(());
        };
        let alloc = entries.allocator().clone();
        let db = Database::open_temp(platform, budget.limit, alloc.clone())?;
        let db = Box::try_new_in(db, alloc.clone())?;
        let txn = db.begin_write()?;
        let root = txn.create_tree(TreeKind::Index)?;
        for entry in entries.iter() {
            record.clear();
            let rowid = ValueRef::Integer(entry.rowid.get());
            encode_into(&[entry.value.as_ref(), rowid], record)?;
            txn.insert_key(root, record, &columns)?;
        }
        txn.suspend();
        budget
            .held
            .set(budget.held.get().saturating_sub(self.bytes));
        self.bytes = 0;
        self.holds = Holds::Tree { db, root };
        Ok(())
    }

    /// Makes the index ready to seek, its entries sorted.
    pub fn finish(&mut self) -> Result<()> {
        match &mut self.holds {
            Holds::Tree { db, .. } => db.continue_write()?.commit(),
            Holds::Memory(entries) => {
                let collation = self.collation;
                entries.sort_unstable_by(|a, b| order(a, b.value.as_ref(), b.rowid, collation));
                Ok(())
            }
        }
    }

    /// Gives the index's memory back to the join's `budget`.
    pub fn release(&self, budget: &Budget) {
        budget
            .held
            .set(budget.held.get().saturating_sub(self.bytes));
    }

    /// Fills `into` with the rowids of the entries equal to `key` (the
    /// comparison's affinity given) past the rowid `after`, ascending,
    /// at most [`CHUNK`] of them; `true` when more may follow.
    pub fn rowids(
        &self,
        key: ValueRef<'_>,
        after: Option<RowId>,
        into: &mut Vec<RowId, A>,
    ) -> Result<bool> {
        into.clear();
        let collation = self.collation;
        match &self.holds {
            Holds::Memory(entries) => {
                let start = entries.partition_point(|e| {
                    match compare_values(&e.value.as_ref(), &key, collation) {
                        Ordering::Less => true,
                        Ordering::Equal => after.is_some_and(|after| e.rowid <= after),
                        Ordering::Greater => false,
                    }
                });
                let equal = entries
                    .get(start..)
                    .unwrap_or_default()
                    .iter()
                    .take_while(|e| compare_values(&e.value.as_ref(), &key, collation).is_eq());
                for entry in equal.take(CHUNK + 1) {
                    if into.len() == CHUNK {
                        return Ok(true);
                    }
                    into.try_push(entry.rowid)?;
                }
                Ok(false)
            }
            Holds::Tree { db, root } => {
                let columns = self.key_columns();
                let mut cursor = db.index_cursor(*root);
                let mut on = match after {
                    Some(after) => {
                        let rowid = ValueRef::Integer(after.get());
                        cursor.seek(&[key, rowid], &columns, SeekMode::Gt)?
                    }
                    None => cursor.seek(&[key], &columns[..1], SeekMode::Ge)?,
                };
                while on {
                    let page = cursor.page();
                    let payload = cursor.payload()?;
                    let record = RecordRef::parse(&payload, page)?;
                    let value = record.column(0)?;
                    if !compare_values(&value, &key, collation).is_eq() {
                        return Ok(false);
                    }
                    if into.len() == CHUNK {
                        return Ok(true);
                    }
                    let ValueRef::Integer(rowid) = record.column(1)? else {
                        return Err(Error::Corrupt {
                            page,
                            reason: "an automatic index entry without its rowid",
                        });
                    };
                    into.try_push(RowId::new(rowid))?;
                    drop(payload);
                    on = cursor.next()?;
                }
                Ok(false)
            }
        }
    }
}

/// How entry `a` orders against the entry of `value` and `rowid`.
fn order<A: Allocator>(
    a: &Entry<A>,
    value: ValueRef<'_>,
    rowid: RowId,
    collation: Collation,
) -> Ordering {
    compare_values(&a.value.as_ref(), &value, collation).then(a.rowid.cmp(&rowid))
}
