//! [`InSet`]: the rows of an uncorrelated `x IN (SELECT ...)` or `(a, b,
//! ...) IN (SELECT ...)`, read once per run of the statement and probed
//! by search, as SQLite probes the ephemeral index it fills from such a
//! subquery, rather than compared one by one for each row of the query
//! around it.
//!
//! Invariants:
//! - a set holds the subquery's rows as the comparison sees them (each
//!   column's affinity applied) and answers for those affinities and
//!   collations only ([`SetKey`], one per column); rows with a NULL are
//!   held too, and whether there is one is a flag;
//! - its rows are ordered column by column by [`compare_values`] under
//!   each column's collation, the order `=` agrees with, so a search
//!   finds a row exactly when a comparison one by one would;
//! - rows stay in memory, sorted in place, while the statement's kept
//!   values fit its sort budget (see `once`); past it they go to the
//!   engine's bounded sorter, whose sorted records then fill an index
//!   B-tree bottom up (as `CREATE INDEX` fills one) in a temporary
//!   database of their own (its cache the least a pager takes, the rest
//!   in its files), so a set of any size costs bounded memory and a
//!   probe a descent of that tree;
//! - a probe that finds no equal row is NULL rather than false exactly
//!   when some row of the set equals it wherever neither has a NULL (the
//!   step 6 of SQLite's `sqlite3ExprCodeIN`): that answer reads the rows
//!   one by one, as SQLite's does, unless neither the probe nor the set
//!   has a NULL; for one column the first row (the NULLs sort first)
//!   decides it.

use core::cmp::Ordering;

use boundlite_platform::Platform;

use crate::alloc::{Allocator, Box, Vec};
use crate::btree::{SeekMode, TreeKind};
use crate::database::Database;
use crate::record::{KeyColumn, RecordRef, SortOrder, ValueRef, compare_values, encode_into};
use crate::sort::{Budget, KeyOrder, RecordOrder, RecordSorter};
use crate::sql::eval::{Coerced, SetKey, Value, apply_comparison_affinity};
use crate::{PageNo, Result};

/// The rows of one subquery, searchable.
pub(crate) struct InSet<P: Platform, A: Allocator + Clone> {
    keys: Vec<SetKey, A>,
    columns: Vec<KeyColumn, A>,
    /// Whether the subquery gave any row.
    any: bool,
    /// Whether a row it gave has a NULL.
    null: bool,
    holds: Holds<P, A>,
}

/// Where a set's rows are.
enum Holds<P: Platform, A: Allocator + Clone> {
    /// In memory: `values` row after row, `order` the rows' starts in
    /// sorted order.
    Memory {
        values: Vec<Value<A>, A>,
        order: Vec<usize, A>,
    },
    /// In a temporary database's index B-tree.
    Tree(Tree<P, A>),
}

/// The index B-tree at `root` of the temporary database `db`.
struct Tree<P: Platform, A: Allocator + Clone> {
    db: Box<Database<P, A>, A>,
    root: PageNo,
}

/// The order of a set's records: its own key columns.
struct SetOrder<A: Allocator>(Vec<KeyColumn, A>);

impl<A: Allocator> RecordOrder for SetOrder<A> {
    fn compare(&self, a: &[u8], b: &[u8]) -> Result<Ordering> {
        KeyOrder::new(&self.0).compare(a, b)
    }

    fn prefix(&self, record: &[u8]) -> Result<u64> {
        KeyOrder::new(&self.0).prefix(record)
    }
}

/// The rows of a set as they are read, before it is searched.
pub(crate) struct SetBuilder<'p, P: Platform, A: Allocator + Clone> {
    set: InSet<P, A>,
    platform: &'p P,
    budget: Budget,
    /// The sort the rows go to once they do not fit in memory.
    sorter: Option<RecordSorter<'p, P, SetOrder<A>, A>>,
    record: Vec<u8, A>,
    alloc: A,
}

impl<'p, P: Platform, A: Allocator + Clone> SetBuilder<'p, P, A> {
    /// An empty set of rows compared under `keys` (one per column),
    /// which sorts within `budget` on `platform`'s temporary files, and
    /// whose temporary database, if it needs one, opens there too.
    pub fn new(keys: &[SetKey], platform: &'p P, budget: Budget, alloc: &A) -> Result<Self> {
        let mut own = Vec::try_with_capacity_in(keys.len(), alloc.clone())?;
        own.try_extend_from_slice(keys)?;
        let mut columns = Vec::try_with_capacity_in(keys.len(), alloc.clone())?;
        for key in keys {
            columns.try_push(KeyColumn {
                order: SortOrder::Asc,
                collation: key.collation,
            })?;
        }
        Ok(SetBuilder {
            set: InSet {
                keys: own,
                columns,
                any: false,
                null: false,
                holds: Holds::Memory {
                    values: Vec::new_in(alloc.clone()),
                    order: Vec::new_in(alloc.clone()),
                },
            },
            platform,
            budget,
            sorter: None,
            record: Vec::new_in(alloc.clone()),
            alloc: alloc.clone(),
        })
    }

    /// Adds `row` (the affinities not yet applied; as many values as
    /// keys); `fits` says whether the rows held in memory may grow by it.
    pub fn push(&mut self, row: &[Value<A>], fits: bool) -> Result<()> {
        self.set.any = true;
        let values = row.iter().map(Value::as_ref);
        let keys = core::mem::replace(&mut self.set.keys, Vec::new_in(self.alloc.clone()));
        let alloc = self.alloc.clone();
        let pushed = coerced(values, &keys, &alloc, |fields| {
            self.set.null |= fields.iter().any(ValueRef::is_null);
            if let (Holds::Memory { values, order }, None) = (&mut self.set.holds, &self.sorter) {
                if fits {
                    order.try_push(values.len())?;
                    for value in fields {
                        values.try_push(Value::try_from_ref(*value, self.alloc.clone())?)?;
                    }
                    return Ok(());
                }
            }
            self.push_to_sorter(fields)
        });
        self.set.keys = keys;
        pushed
    }

    /// Adds `row` to the sorter, starting it (with the rows held in
    /// memory) first if it is not yet.
    fn push_to_sorter(&mut self, row: &[ValueRef<'_>]) -> Result<()> {
        let width = self.set.columns.len();
        let sorter = match &mut self.sorter {
            Some(sorter) => sorter,
            None => {
                let mut columns = Vec::try_with_capacity_in(width, self.alloc.clone())?;
                columns.try_extend_from_slice(&self.set.columns)?;
                let order = SetOrder(columns);
                self.sorter.insert(RecordSorter::new(
                    self.platform,
                    order,
                    self.budget,
                    self.alloc.clone(),
                ))
            }
        };
        if let Holds::Memory { values, order } = &mut self.set.holds {
            let mut fields = Vec::try_with_capacity_in(width, self.alloc.clone())?;
            for held in values.chunks(width.max(1)) {
                fields.clear();
                for value in held {
                    fields.try_push(value.as_ref())?;
                }
                self.record.clear();
                encode_into(&fields, &mut self.record)?;
                sorter.push(&self.record)?;
            }
            drop(fields);
            // Given back: the sorter holds them from here on.
            *values = Vec::new_in(self.alloc.clone());
            *order = Vec::new_in(self.alloc.clone());
        }
        self.record.clear();
        encode_into(row, &mut self.record)?;
        sorter.push(&self.record)
    }

    /// The set, its rows sorted.
    pub fn finish(self) -> Result<InSet<P, A>> {
        let SetBuilder {
            mut set,
            sorter,
            platform,
            budget,
            alloc,
            ..
        } = self;
        match sorter {
            Some(sorter) => {
                let mut sorted = sorter.finish()?;
                let db = Database::open_temp(platform, budget.bytes, alloc.clone())?;
                let db = Box::try_new_in(db, alloc)?;
                let txn = db.begin_write()?;
                let root = txn.create_tree(TreeKind::Index)?;
                txn.build_index(root, |build| {
                    while let Some(key) = sorted.next()? {
                        build.push(key)?;
                    }
                    Ok(())
                })?;
                txn.commit()?;
                set.holds = Holds::Tree(Tree { db, root });
            }
            None => {
                if let Holds::Memory { values, order } = &mut set.holds {
                    let columns = &set.columns;
                    order.sort_unstable_by(|&a, &b| {
                        let row = |at: usize| values.get(at..).unwrap_or(&[]);
                        compare_rows(row(a), row(b), columns)
                    });
                }
            }
        }
        Ok(set)
    }
}

/// The order of two rows held in memory (each at least as long as
/// `columns`), column by column.
fn compare_rows<A: Allocator>(a: &[Value<A>], b: &[Value<A>], columns: &[KeyColumn]) -> Ordering {
    for ((x, y), column) in a.iter().zip(b.iter()).zip(columns.iter()) {
        match compare_values(&x.as_ref(), &y.as_ref(), column.collation) {
            Ordering::Equal => {}
            unequal => return unequal,
        }
    }
    Ordering::Equal
}

/// Hands `f` the values of `row` as a comparison under `keys` (one per
/// value) sees them: on the stack for one value, the common `x IN`, else
/// in buffers of `alloc`.
fn coerced<'v, A: Allocator + Clone, T>(
    mut row: impl Iterator<Item = ValueRef<'v>>,
    keys: &[SetKey],
    alloc: &A,
    f: impl FnOnce(&[ValueRef<'_>]) -> Result<T>,
) -> Result<T> {
    if let [key] = keys {
        let value = apply_comparison_affinity(row.next().unwrap_or(ValueRef::Null), key.affinity);
        return f(&[value.as_ref()]);
    }
    let mut values: Vec<Coerced<'v>, A> = Vec::try_with_capacity_in(keys.len(), alloc.clone())?;
    for (value, key) in row.zip(keys.iter()) {
        values.try_push(apply_comparison_affinity(value, key.affinity))?;
    }
    let mut fields = Vec::try_with_capacity_in(keys.len(), alloc.clone())?;
    for value in values.iter() {
        fields.try_push(value.as_ref())?;
    }
    f(&fields)
}

/// Whether `r` equals `p` unless either is NULL (SQLite's `OP_Ne` of
/// its step 6, which does not jump on a NULL).
fn maybe_equal(r: &ValueRef<'_>, p: &ValueRef<'_>, column: &KeyColumn) -> bool {
    r.is_null() || p.is_null() || compare_values(r, p, column.collation) == Ordering::Equal
}

impl<P: Platform, A: Allocator + Clone> InSet<P, A> {
    /// The comparisons the set answers for, one per column.
    pub fn keys(&self) -> &[SetKey] {
        &self.keys
    }

    /// `probe IN (set)` (the affinities not yet applied; as many values
    /// as keys): true when an equal row is there; else NULL (`None`)
    /// when a row equals it wherever neither has a NULL; else false.
    pub fn contains(&self, probe: &[ValueRef<'_>]) -> Result<Option<bool>> {
        if !self.any {
            return Ok(Some(false));
        }
        let alloc = self.keys.allocator().clone();
        coerced(probe.iter().copied(), &self.keys, &alloc, |fields| {
            let probe_null = fields.iter().any(ValueRef::is_null);
            if !probe_null && self.find(fields)? {
                return Ok(Some(true));
            }
            if !probe_null && !self.null {
                return Ok(Some(false));
            }
            Ok(match self.any_maybe_equal(fields)? {
                true => None,
                false => Some(false),
            })
        })
    }

    /// Whether a row equal to `probe` (no NULL in it) is there.
    fn find(&self, probe: &[ValueRef<'_>]) -> Result<bool> {
        let columns = &self.columns;
        match &self.holds {
            Holds::Memory { values, order } => {
                let found = order.binary_search_by(|&at| {
                    let held = values.get(at..).unwrap_or(&[]);
                    let ordering = held
                        .iter()
                        .zip(probe.iter())
                        .zip(columns.iter())
                        .map(|((v, p), column)| compare_values(&v.as_ref(), p, column.collation))
                        .find(|o| *o != Ordering::Equal);
                    ordering.unwrap_or(Ordering::Equal)
                });
                Ok(found.is_ok())
            }
            Holds::Tree(Tree { db, root }) => {
                let mut cursor = db.index_cursor(*root);
                cursor.seek(probe, columns, SeekMode::Eq)
            }
        }
    }

    /// Whether some row equals `probe` wherever neither has a NULL,
    /// the rows read in order.
    fn any_maybe_equal(&self, probe: &[ValueRef<'_>]) -> Result<bool> {
        let columns = &self.columns;
        match &self.holds {
            Holds::Memory { values, order } => Ok(order.iter().any(|&at| {
                let held = values.get(at..).unwrap_or(&[]);
                held.iter()
                    .zip(probe.iter())
                    .zip(columns.iter())
                    .all(|((r, p), column)| maybe_equal(&r.as_ref(), p, column))
            })),
            Holds::Tree(Tree { db, root }) => {
                let mut cursor = db.index_cursor(*root);
                let mut more = cursor.first()?;
                while more {
                    let payload = cursor.payload()?;
                    let record = RecordRef::parse(&payload, Some(*root))?;
                    let mut all = true;
                    for (i, (p, column)) in probe.iter().zip(columns.iter()).enumerate() {
                        if !maybe_equal(&record.column(i)?, p, column) {
                            all = false;
                            break;
                        }
                    }
                    if all {
                        return Ok(true);
                    }
                    drop(payload);
                    more = cursor.next()?;
                }
                Ok(false)
            }
        }
    }
}
