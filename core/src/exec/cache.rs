//! What a prepared statement keeps between its runs so that a warm run
//! allocates nothing: [`TableCache`], the [`TableInfo`]s it read last (so
//! it reads neither the schema table nor the table's `CREATE` statement
//! again), and [`Scratch`], the buffers an `INSERT` or `UPDATE` builds
//! each row in and the rowids an `UPDATE` or `DELETE` collects (and the
//! count of the rows its joins visit).
//!
//! Invariant: a cached table is used only while the schema is the one it
//! was read from, told by its [`SchemaVersion`]: the database's schema
//! cookie (which every schema change increments) and the connection's
//! count of rollbacks. The count is there because a rolled-back schema
//! change takes the cookie back with it, so a later, different change
//! could bring the cookie back to a value already cached; only this
//! connection's own uncommitted changes are visible to it, so only its
//! rollbacks can do that.

use core::cell::{Cell, RefCell};

use crate::RowId;
use crate::alloc::{Allocator, Vec};
use crate::sql::eval::Value;
use crate::sql::{ColumnPos, Ident};

use crate::table::{SchemaVersion, TableInfo};

/// How many tables a [`TableCache`] keeps: a join's, or the few a script
/// takes turns on, without holding a whole schema's worth.
const TABLES: usize = 4;

/// At most [`TABLES`] tables, the one put longest ago given up first.
pub(crate) struct TableCache<A: Allocator> {
    /// Looked at in place (a table is large: moving each out to look at
    /// it would copy it); borrowed only inside these methods.
    slots: RefCell<[Option<TableInfo<A>>; TABLES]>,
    /// The slot the next table goes to when none is free: each table put
    /// moves it on, so it points at the one put longest ago.
    next: Cell<usize>,
}

impl<A: Allocator> TableCache<A> {
    /// An empty cache.
    pub const fn new() -> Self {
        TableCache {
            slots: RefCell::new([const { None }; TABLES]),
            next: Cell::new(0),
        }
    }

    /// The cached table called `name`, taken out, if it was read from
    /// the schema `version`; stale entries are dropped.
    pub fn take(&self, name: &Ident<'_>, version: SchemaVersion) -> Option<TableInfo<A>> {
        let mut slots = self.slots.try_borrow_mut().ok()?;
        for slot in slots.iter_mut() {
            if slot.as_ref().is_some_and(|t| t.version != Some(version)) {
                *slot = None;
            }
        }
        slots
            .iter_mut()
            .find(|slot| slot.as_ref().is_some_and(|t| t.is(name, version)))
            .and_then(Option::take)
    }

    /// Keeps `table` if it knows which schema it was read from: in place
    /// of another reading of the same table, else in a free slot, else in
    /// place of the table put longest ago.
    pub fn put(&self, table: TableInfo<A>) {
        if table.version.is_none() {
            return;
        }
        let Ok(mut slots) = self.slots.try_borrow_mut() else {
            return;
        };
        let same = |held: &Option<TableInfo<A>>| {
            held.as_ref().is_some_and(|held| {
                held.side == table.side && held.name.eq_ignore_ascii_case(&table.name)
            })
        };
        let at = slots
            .iter()
            .position(same)
            .or_else(|| slots.iter().position(Option::is_none))
            .unwrap_or_else(|| self.next.get());
        if let Some(slot) = slots.get_mut(at) {
            *slot = Some(table);
        }
        self.next.set((at + 1) % TABLES);
    }

    /// Moves the cached tables into `other`, each in place of another
    /// reading of it or of the one put there longest ago: a statement's
    /// tables handed to its connection when the statement goes, and from
    /// there to the next statement prepared, so that a script of
    /// statements on a few tables reads their schema once (each still
    /// checks the version before using it).
    pub fn hand_to(&self, other: &TableCache<A>) {
        let Ok(mut slots) = self.slots.try_borrow_mut() else {
            return;
        };
        for slot in slots.iter_mut() {
            if let Some(table) = slot.take() {
                other.put(table);
            }
        }
    }
}

/// The most rowids a statement keeps room for between runs: a list grown
/// by a run that changed more rows is let go rather than held for as long
/// as the statement lives.
const KEPT_ROWIDS: usize = 4096;

/// Buffers a statement reuses from run to run; each is taken out for the
/// length of one run (empty when a run failed while holding it).
pub(crate) struct Scratch<A: Allocator> {
    /// The columns an `INSERT` or `UPDATE` writes.
    targets: Cell<Option<Vec<ColumnPos, A>>>,
    /// One row's values.
    values: Cell<Option<Vec<Value<A>, A>>>,
    /// One row's record.
    record: Cell<Option<Vec<u8, A>>>,
    /// The rowids an `UPDATE` or `DELETE` changes.
    rowids: Cell<Option<Vec<RowId, A>>>,
    /// The rows the loops of joins visited since the last reset.
    visited: Cell<u64>,
}

impl<A: Allocator + Clone> Scratch<A> {
    /// No buffers yet.
    pub const fn new() -> Self {
        Scratch {
            targets: Cell::new(None),
            values: Cell::new(None),
            record: Cell::new(None),
            rowids: Cell::new(None),
            visited: Cell::new(0),
        }
    }

    /// Counts a row a join's loop visited.
    #[inline]
    pub fn visit(&self) {
        self.visited.set(self.visited.get().wrapping_add(1));
    }

    /// The rows the loops of joins visited since the last reset.
    pub fn visited(&self) -> u64 {
        self.visited.get()
    }

    /// Starts the count of rows visited over.
    pub fn forget_visited(&self) {
        self.visited.set(0);
    }

    /// The target list, taken out and empty.
    pub fn targets(&self, alloc: &A) -> Vec<ColumnPos, A> {
        emptied(self.targets.take(), alloc)
    }

    /// The values buffer, taken out, holding what it last held (so its
    /// text and BLOB buffers can be reused).
    pub fn values(&self, alloc: &A) -> Vec<Value<A>, A> {
        self.values
            .take()
            .unwrap_or_else(|| Vec::new_in(alloc.clone()))
    }

    /// The record buffer, taken out and empty.
    pub fn record(&self, alloc: &A) -> Vec<u8, A> {
        emptied(self.record.take(), alloc)
    }

    /// The rowid list, taken out and empty.
    pub fn rowids(&self, alloc: &A) -> Vec<RowId, A> {
        emptied(self.rowids.take(), alloc)
    }

    /// Gives the rowid list back for the next run, unless it grew large.
    pub fn put_rowids(&self, rowids: Vec<RowId, A>) {
        if rowids.capacity() <= KEPT_ROWIDS {
            self.rowids.set(Some(rowids));
        }
    }

    /// Gives the targets back for the next run.
    pub fn put_targets(&self, targets: Vec<ColumnPos, A>) {
        self.targets.set(Some(targets));
    }

    /// Gives the values and record buffers back for the next run.
    pub fn put_values(&self, values: Vec<Value<A>, A>, record: Vec<u8, A>) {
        self.values.set(Some(values));
        self.record.set(Some(record));
    }

    /// Gives the buffers back for the next run.
    pub fn put(&self, targets: Vec<ColumnPos, A>, values: Vec<Value<A>, A>, record: Vec<u8, A>) {
        self.targets.set(Some(targets));
        self.values.set(Some(values));
        self.record.set(Some(record));
    }
}

/// `buffer` emptied, or a new one.
fn emptied<T, A: Allocator + Clone>(buffer: Option<Vec<T, A>>, alloc: &A) -> Vec<T, A> {
    match buffer {
        Some(mut b) => {
            b.clear();
            b
        }
        None => Vec::new_in(alloc.clone()),
    }
}
