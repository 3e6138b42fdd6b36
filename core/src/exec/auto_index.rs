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

use crate::alloc::{Allocator, Box, TryClone, Vec};
use crate::btree::{IndexCursor, SeekMode, TreeKind};
use crate::database::Database;
use crate::pager::Pager;
use crate::record::encode_into;
use crate::record::{Collation, KeyColumn, RecordRef, SortOrder, ValueRef, compare_values};
use crate::sql::eval::Value;
use crate::{Error, PageNo, Result, RowId};

/// The most rowids one look-up hands out; the next continues after them.
pub(crate) const CHUNK: usize = 32;

/// One entry: a row's value, its rowid (or its number, for a subquery's
/// row), and the row's values when the index holds them (a subquery's
/// rows, which cannot be read again by their number).
struct Entry<A: Allocator> {
    value: Value<A>,
    id: i64,
    row: Vec<Value<A>, A>,
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

/// What an index's entries are ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum By {
    /// The value of the column at this position, under this collation.
    Column(usize, Collation),
    /// Nothing but the order the rows came in: a subquery's rows kept
    /// whole, every entry's value the same ([`WHOLE`]).
    Arrival,
}

/// The value of every entry of an index [`By::Arrival`]: a search for it
/// finds every row, in order.
pub(crate) const WHOLE: ValueRef<'static> = ValueRef::Integer(0);

/// An automatic index on one column of one table, or a subquery's rows
/// kept.
pub(crate) struct AutoIndex<P: Platform, A: Allocator + Clone> {
    by: By,
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
    /// An empty index ordered by `by`, for rows read at database
    /// generation `generation`.
    pub fn new(by: By, generation: u64, alloc: &A) -> Self {
        AutoIndex {
            by,
            generation,
            bytes: 0,
            holds: Holds::Memory(Vec::new_in(alloc.clone())),
        }
    }

    /// What its entries are ordered by.
    pub fn by(&self) -> By {
        self.by
    }

    /// Whether the index is ordered by `by`, its rows read at
    /// `generation`.
    pub fn serves(&self, by: By, generation: u64) -> bool {
        self.by == by && self.generation == generation
    }

    /// The collation its values compare under.
    fn collation(&self) -> Collation {
        match self.by {
            By::Column(_, collation) => collation,
            By::Arrival => Collation::Binary,
        }
    }

    fn key_columns(&self) -> [KeyColumn; 2] {
        [
            KeyColumn {
                order: SortOrder::Asc,
                collation: self.collation(),
            },
            KeyColumn {
                order: SortOrder::Asc,
                collation: Collation::Binary,
            },
        ]
    }

    /// Adds the row `id` whose value is `value`, with the row's values
    /// `row` (none for a table's row, read again by its rowid); past
    /// `budget`, moves the entries into a temporary database opened on
    /// `platform`.
    pub fn push(
        &mut self,
        (value, id, row): (ValueRef<'_>, i64, &[Value<A>]),
        budget: &Budget,
        platform: &P,
        record: &mut Vec<u8, A>,
    ) -> Result<()> {
        if value.is_null() {
            return Ok(());
        }
        if let Holds::Memory(entries) = &mut self.holds {
            let size = row
                .iter()
                .map(|v| size_of::<Value<A>>().saturating_add(bytes_of(v.as_ref())))
                .fold(size_of::<Entry<A>>(), usize::saturating_add)
                .saturating_add(bytes_of(value));
            let held = budget.held.get().saturating_add(size);
            if held <= budget.limit {
                let alloc = entries.allocator().clone();
                let mut values = Vec::try_with_capacity_in(row.len(), alloc.clone())?;
                for v in row {
                    values.try_push(v.try_clone()?)?;
                }
                entries.try_push(Entry {
                    value: Value::try_from_ref(value, alloc)?,
                    id,
                    row: values,
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
        encode_entry(value, id, row, record)?;
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
            encode_entry(entry.value.as_ref(), entry.id, &entry.row, record)?;
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
        let collation = self.collation();
        match &mut self.holds {
            Holds::Tree { db, .. } => db.continue_write()?.commit(),
            Holds::Memory(entries) => {
                entries.sort_unstable_by(|a, b| order(a, b.value.as_ref(), b.id, collation));
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
        match &self.holds {
            Holds::Memory(entries) => {
                let after = after.map(RowId::get);
                for entry in self.equal(entries, key, after).take(CHUNK + 1) {
                    if into.len() == CHUNK {
                        return Ok(true);
                    }
                    into.try_push(RowId::new(entry.id))?;
                }
                Ok(false)
            }
            Holds::Tree { db, root } => {
                let mut cursor = self.seek(db, *root, key, after.map(RowId::get))?;
                while let Some(c) = cursor.as_mut() {
                    let Some(id) = self.entry_at(c, key, &mut |_| Ok(()))? else {
                        return Ok(false);
                    };
                    if into.len() == CHUNK {
                        return Ok(true);
                    }
                    into.try_push(RowId::new(id))?;
                    if !c.next()? {
                        break;
                    }
                }
                Ok(false)
            }
        }
    }

    /// The first entry equal to `key` (the comparison's affinity given)
    /// past the id `after`: its id, its row's values put in `row`;
    /// `None` when there is none.
    pub fn next_row(
        &self,
        key: ValueRef<'_>,
        after: Option<i64>,
        row: &mut Vec<Value<A>, A>,
    ) -> Result<Option<i64>> {
        match &self.holds {
            Holds::Memory(entries) => {
                let Some(entry) = self.equal(entries, key, after).next() else {
                    return Ok(None);
                };
                row.clear();
                for v in entry.row.iter() {
                    row.try_push(v.try_clone()?)?;
                }
                Ok(Some(entry.id))
            }
            Holds::Tree { db, root } => {
                let Some(mut cursor) = self.seek(db, *root, key, after)? else {
                    return Ok(None);
                };
                let alloc = row.allocator().clone();
                row.clear();
                self.entry_at(&mut cursor, key, &mut |record| {
                    for i in 2..record.column_count() {
                        let value = Value::try_from_ref(record.column(i)?, alloc.clone())?;
                        row.try_push(value)?;
                    }
                    Ok(())
                })
            }
        }
    }

    /// The entries of `entries` equal to `key` past the id `after`.
    fn equal<'e>(
        &self,
        entries: &'e [Entry<A>],
        key: ValueRef<'_>,
        after: Option<i64>,
    ) -> impl Iterator<Item = &'e Entry<A>> {
        let collation = self.collation();
        let start =
            entries.partition_point(
                |e| match compare_values(&e.value.as_ref(), &key, collation) {
                    Ordering::Less => true,
                    Ordering::Equal => after.is_some_and(|after| e.id <= after),
                    Ordering::Greater => false,
                },
            );
        entries
            .get(start..)
            .unwrap_or_default()
            .iter()
            .take_while(move |e| compare_values(&e.value.as_ref(), &key, collation).is_eq())
    }

    /// A cursor on the tree's first entry at or after `key` past the id
    /// `after`; `None` when there is none.
    fn seek<'d>(
        &self,
        db: &'d Database<P, A>,
        root: PageNo,
        key: ValueRef<'_>,
        after: Option<i64>,
    ) -> Result<Option<TreeCursor<'d, P, A>>> {
        let columns = self.key_columns();
        let mut cursor = db.index_cursor(root);
        let on = match after {
            Some(after) => cursor.seek(&[key, ValueRef::Integer(after)], &columns, SeekMode::Gt)?,
            None => cursor.seek(&[key], &columns[..1], SeekMode::Ge)?,
        };
        Ok(on.then_some(cursor))
    }

    /// The id of the entry `cursor` is on when it equals `key`, its
    /// record handed to `read`; `None` when it does not.
    fn entry_at(
        &self,
        cursor: &mut TreeCursor<'_, P, A>,
        key: ValueRef<'_>,
        read: &mut dyn FnMut(&RecordRef<'_>) -> Result<()>,
    ) -> Result<Option<i64>> {
        let page = cursor.page();
        let payload = cursor.payload()?;
        let record = RecordRef::parse(&payload, page)?;
        if !compare_values(&record.column(0)?, &key, self.collation()).is_eq() {
            return Ok(None);
        }
        let ValueRef::Integer(id) = record.column(1)? else {
            return Err(Error::Corrupt {
                page,
                reason: "an automatic index entry without its row's id",
            });
        };
        read(&record)?;
        Ok(Some(id))
    }
}

/// A cursor over an index's tree.
type TreeCursor<'d, P, A> = IndexCursor<'d, Pager<<P as Platform>::File, A>, A>;

/// The bytes of `value`'s text or blob.
fn bytes_of(value: ValueRef<'_>) -> usize {
    match value {
        ValueRef::Text(b) | ValueRef::Blob(b) => b.len(),
        _ => 0,
    }
}

/// Encodes the entry of `value`, `id` and `row` into `record`.
fn encode_entry<A: Allocator + Clone>(
    value: ValueRef<'_>,
    id: i64,
    row: &[Value<A>],
    record: &mut Vec<u8, A>,
) -> Result<()> {
    record.clear();
    let id = ValueRef::Integer(id);
    if row.is_empty() {
        return Ok(encode_into(&[value, id], record)?);
    }
    let alloc: A = record.allocator().clone();
    let mut values = Vec::try_with_capacity_in(row.len() + 2, alloc)?;
    values.try_push(value)?;
    values.try_push(id)?;
    for v in row {
        values.try_push(v.as_ref())?;
    }
    Ok(encode_into(&values, record)?)
}

/// How entry `a` orders against the entry of `value` and `id`.
fn order<A: Allocator>(
    a: &Entry<A>,
    value: ValueRef<'_>,
    id: i64,
    collation: Collation,
) -> Ordering {
    compare_values(&a.value.as_ref(), &value, collation).then(a.id.cmp(&id))
}
