//! [`SchemaMemo`]: the main schema a connection's view last read, kept
//! between statements, so that a statement does not read and parse every
//! row of `sqlite_schema` again (SQLite likewise parses its schema once
//! and again only when the schema cookie moves). A script of thousands of
//! statements on a schema of many tables spent most of its time there.
//!
//! Invariants:
//! - the kept schema is the one stored under the schema cookie it is
//!   kept with: every change of a schema row bumps the cookie (see
//!   `schema::edit`), another process's commit too, and the view reads
//!   the cookie from the same pages as the schema;
//! - an undo can bring back an older cookie with an older schema, so a
//!   later change may reach a cookie again with other rows: the owner
//!   calls [`forget`](SchemaMemo::forget) on every rollback, and a kept
//!   schema that cannot be dropped at once (a statement still borrows it)
//!   is marked stale and never served again;
//! - reading never fails for want of the memo: a schema that cannot be
//!   kept (the memo is borrowed) is handed out owned.

use core::cell::{Cell, Ref, RefCell};
use core::ops::Deref;

use crate::alloc::Allocator;
use crate::schema::Schema;
use crate::{Error, Result};

/// The schema last read and the cookie it was read under.
pub(crate) struct SchemaMemo<A: Allocator> {
    kept: RefCell<Option<(u32, Schema<A>)>>,
    /// A rollback happened while `kept` was borrowed: it may be wrong.
    stale: Cell<bool>,
}

/// A schema as [`SchemaMemo::get`] hands it out: borrowed from the memo,
/// or read for this caller alone.
pub(crate) enum SchemaRef<'m, A: Allocator> {
    Kept(Ref<'m, Schema<A>>),
    Read(Schema<A>),
}

impl<A: Allocator> Deref for SchemaRef<'_, A> {
    type Target = Schema<A>;

    fn deref(&self) -> &Schema<A> {
        match self {
            SchemaRef::Kept(schema) => schema,
            SchemaRef::Read(schema) => schema,
        }
    }
}

impl<A: Allocator> SchemaMemo<A> {
    /// A memo that keeps nothing yet.
    pub(crate) const fn new() -> Self {
        SchemaMemo {
            kept: RefCell::new(None),
            stale: Cell::new(false),
        }
    }

    /// The schema stored under `cookie`: the kept one when it was read
    /// under that cookie, else `read`'s, kept for the next caller.
    pub(crate) fn get(
        &self,
        cookie: u32,
        read: impl FnOnce() -> Result<Schema<A>>,
    ) -> Result<SchemaRef<'_, A>> {
        if !self.stale.get() {
            if let Ok(kept) = self.kept.try_borrow() {
                let hit = Ref::filter_map(kept, |kept| match kept {
                    Some((at, schema)) if *at == cookie => Some(schema),
                    _ => None,
                });
                if let Ok(schema) = hit {
                    return Ok(SchemaRef::Kept(schema));
                }
            }
        }
        // Let the old schema go before reading the next: the memory of
        // one schema at a time.
        let mut slot = match self.kept.try_borrow_mut() {
            Ok(slot) => slot,
            Err(_) => return read().map(SchemaRef::Read),
        };
        *slot = None;
        *slot = Some((cookie, read()?));
        self.stale.set(false);
        drop(slot);
        // Nothing else borrows the memo between the store above and here.
        let kept = self.kept.try_borrow().map_err(|_| lost())?;
        Ref::filter_map(kept, |kept| kept.as_ref().map(|(_, schema)| schema))
            .map(SchemaRef::Kept)
            .map_err(|_| lost())
    }

    /// Drops the kept schema: changes were undone, and a cookie seen
    /// before may come back with other rows.
    pub(crate) fn forget(&self) {
        match self.kept.try_borrow_mut() {
            Ok(mut kept) => {
                *kept = None;
                self.stale.set(false);
            }
            Err(_) => self.stale.set(true),
        }
    }
}

fn lost() -> Error {
    Error::Misuse("the schema kept for a connection vanished as it was kept")
}
