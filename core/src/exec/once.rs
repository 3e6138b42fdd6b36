//! [`Once`]: the values of a query's uncorrelated subqueries, read once
//! per run of the statement and handed out again wherever the subquery
//! is evaluated, as SQLite reads such a subquery once (into its
//! ephemeral table) rather than once per row of the query around it.
//! Without it, `x IN (SELECT ...)` nested in the `WHERE` of another such
//! subquery reads the innermost table once per row of every table
//! around it.
//!
//! Invariants:
//! - only the subqueries of a query's own text are kept: their trees live
//!   as long as the statement, so a subquery's address names it for the
//!   whole run (a view's text is parsed anew and its trees may reuse an
//!   address);
//! - the runner keeps a subquery's values only when its names resolve
//!   with no row around it (it reads none) and its complete run
//!   succeeds; otherwise it marks it to run each time, as without this,
//!   so its error, or the absence of one where an `IN` stops at a match
//!   before the failing row, is what a run of its own gives;
//! - at most the connection's sort budget (`Config::sort_memory`) of
//!   values is kept for a statement, so memory stays bounded by `Config`;
//!   a subquery whose values do not fit is marked to run each time,
//!   except that `x IN (SELECT ...)` keeps the values past the budget in
//!   a temporary B-tree of its own (see `in_set`);
//! - the kept values go when a run of the statement starts.

use core::cell::Cell;
use core::mem::size_of;

use boundlite_platform::Platform;

use super::in_set::InSet;
use crate::alloc::{Allocator, Vec};
use crate::record::ValueRef;
use crate::sql::eval::Value;
use crate::sql::{Select, TableRef};
use crate::{Error, Result};

/// What a statement keeps of its subqueries during a run.
pub(crate) struct Once<P: Platform, A: Allocator + Clone> {
    entries: Cell<Option<Vec<Entry<P, A>, A>>>,
    /// The bytes the kept values take.
    bytes: Cell<usize>,
}

/// One subquery met in the current run.
struct Entry<P: Platform, A: Allocator + Clone> {
    /// The address of its `Select`.
    site: usize,
    kept: Kept<P, A>,
}

/// What is known of a subquery in the current run.
pub(crate) enum Kept<P: Platform, A: Allocator + Clone> {
    /// Its values, in the order its run gave them.
    Values(Vec<Value<A>, A>),
    /// Its values, searchable, for an `IN` (see `in_set`).
    Set(InSet<P, A>),
    /// It runs each time it is evaluated.
    EachTime,
    /// Not met yet in this run.
    Unseen,
}

impl<P: Platform, A: Allocator + Clone> Once<P, A> {
    /// Nothing kept.
    pub fn new() -> Self {
        Once {
            entries: Cell::new(None),
            bytes: Cell::new(0),
        }
    }

    /// Lets go of everything kept, as a run starts.
    pub fn forget(&self) {
        self.entries.set(None);
        self.bytes.set(0);
    }

    /// What is known of the subquery at `site`; kept values are handed
    /// out (and the subquery reads as running each time) until
    /// [`Once::keep`] takes them back.
    pub fn take(&self, site: usize) -> Kept<P, A> {
        let Some(mut entries) = self.entries.take() else {
            return Kept::Unseen;
        };
        let found = match entries.iter_mut().find(|e| e.site == site) {
            Some(entry) => core::mem::replace(&mut entry.kept, Kept::EachTime),
            None => Kept::Unseen,
        };
        self.entries.set(Some(entries));
        found
    }

    /// Records `kept` for the subquery at `site`: values taken out by
    /// [`Once::take`] going back, or what its first evaluation found.
    pub fn keep(&self, site: usize, kept: Kept<P, A>, alloc: &A) -> Result<()> {
        let mut entries = self
            .entries
            .take()
            .unwrap_or_else(|| Vec::new_in(alloc.clone()));
        let stored = match entries.iter_mut().find(|e| e.site == site) {
            Some(entry) => {
                entry.kept = kept;
                Ok(())
            }
            None => entries
                .try_push(Entry { site, kept })
                .map_err(|_| Error::OutOfMemory),
        };
        self.entries.set(Some(entries));
        stored
    }

    /// Counts `value` against `budget`, the bytes of values (each value's
    /// size and its text or blob) kept for one statement, all subqueries
    /// together; `false` when it does not fit.
    pub fn charge(&self, value: ValueRef<'_>, budget: usize) -> bool {
        self.charge_bytes(footprint::<A>(value), budget)
    }

    /// [`Once::charge`] for the values of `row` and the place a set
    /// keeps for it (see `in_set`).
    pub fn charge_row(&self, row: &[Value<A>], budget: usize) -> bool {
        let bytes = row.iter().fold(size_of::<usize>(), |sum, v| {
            sum.saturating_add(footprint::<A>(v.as_ref()))
        });
        self.charge_bytes(bytes, budget)
    }

    fn charge_bytes(&self, more: usize, budget: usize) -> bool {
        let bytes = self.bytes.get().saturating_add(more);
        self.bytes.set(bytes);
        bytes <= budget
    }
}

/// The bytes `value` takes kept: its size and its text or blob.
fn footprint<A: Allocator>(value: ValueRef<'_>) -> usize {
    let payload = match value {
        ValueRef::Text(b) | ValueRef::Blob(b) => b.len(),
        _ => 0,
    };
    size_of::<Value<A>>().saturating_add(payload)
}

/// Whether `select` was parsed from `text` (the statement's own), told by
/// where the name of its first table lies: only a query over a table by
/// name is kept.
pub(crate) fn parsed_from<A: Allocator>(select: &Select<'_, A>, text: &str) -> bool {
    let Some(from) = &select.core.from else {
        return false;
    };
    let TableRef::Table { name, .. } = &from.first else {
        return false;
    };
    let raw = name.name.raw();
    let start = text.as_ptr() as usize;
    let at = raw.as_ptr() as usize;
    at >= start && at.saturating_add(raw.len()) <= start.saturating_add(text.len())
}
