//! Where the rowid of a row stored without one comes from, as SQLite's
//! `OP_NewRowid` decides it:
//!
//! - one above the table's largest rowid;
//! - when that largest is 9223372036854775807, a random rowid not in
//!   use (up to 100 tries, then `Error::Full`);
//! - for an `AUTOINCREMENT` table, one above both the largest rowid and
//!   the largest the table ever had, kept in its `sqlite_sequence` row,
//!   so a rowid is never used twice; when either is
//!   9223372036854775807 the insert is `Error::Full`.
//!
//! The `sqlite_sequence` row is read when a statement starts, follows
//! every rowid the statement gives a row (made here or written in the
//! statement, stored or skipped by `OR IGNORE`, as SQLite's counter
//! does), and is written once, when the statement ends having raised
//! it or finding no row, through the writer like any row, so the undo
//! log takes it back with the statement.
//! `UPDATE` leaves it alone, as SQLite does. In MVCC mode the row is a
//! version in the store as any row, and a statement that makes it
//! claims it first (see `table::mvcc_writes`), so two transactions
//! making one table's row conflict.

use core::cell::Cell;

use boundlite_platform::Platform;

use crate::alloc::{Allocator, Box, Vec};
use crate::btree::SeekMode;
use crate::record::{RecordRef, ValueRef, encode_into};
use crate::schema::SEQUENCE_TABLE;
use crate::sql::Affinity;
use crate::sql::eval::apply_affinity;
use crate::table::{TableInfo, Writer};
use crate::{Error, Result, RowId};

use super::Env;
use super::context::next_random;

/// The largest rowid.
const MAX_ROWID: i64 = i64::MAX;

/// How many random rowids are tried before the table counts as full.
const RANDOM_TRIES: usize = 100;

/// The rowids one statement gives the rows it stores without one.
pub(crate) struct Rowids<'e, A: Allocator + Clone> {
    /// The table's `sqlite_sequence` row, for an `AUTOINCREMENT` table
    /// (boxed: every other statement moves only a pointer's worth).
    sequence: Option<Box<Sequence<A>, A>>,
    /// The state of the random rowids.
    random: &'e Cell<u64>,
}

/// One table's row of `sqlite_sequence`.
struct Sequence<A: Allocator + Clone> {
    /// `sqlite_sequence` itself.
    table: TableInfo<A>,
    /// The row's rowid, when the table has one.
    row: Option<RowId>,
    /// The counter as read.
    start: i64,
    /// The counter as the statement has raised it.
    max: i64,
}

impl<'e, A: Allocator + Clone> Rowids<'e, A> {
    /// The rowids of a statement that stores rows of `table` without
    /// touching `sqlite_sequence` (an `UPDATE`).
    pub fn plain(env: Env<'e, A>) -> Self {
        Rowids {
            sequence: None,
            random: env.random,
        }
    }

    /// The rowids of an `INSERT` into `table`: its `sqlite_sequence`
    /// row read when it is `AUTOINCREMENT`.
    pub fn begin<P: Platform>(
        w: &Writer<'_, '_, P, A>,
        table: &TableInfo<A>,
        env: Env<'e, A>,
    ) -> Result<Self> {
        let mut rowids = Rowids::plain(env);
        if !table.columns.autoincrement {
            return Ok(rowids);
        }
        let schema = w.view().schema()?;
        let sequence = TableInfo::load(&schema, SEQUENCE_TABLE, env.alloc.clone())?;
        drop(schema);
        let mut cursor = w.table_cursor(sequence.root);
        let mut found = None;
        let mut more = cursor.first()?;
        while more {
            let rowid = cursor.rowid()?;
            let payload = cursor.payload()?;
            let record = RecordRef::parse(&payload, Some(sequence.root))?;
            // SQLite compares the names as they are stored, byte for byte.
            if record.column(0)? == ValueRef::Text(table.name.as_bytes()) {
                found = Some((rowid, counter(record.column(1)?)));
                break;
            }
            drop(payload);
            more = cursor.next()?;
        }
        drop(cursor);
        let (row, start) = match found {
            Some((rowid, seq)) => (Some(rowid), seq),
            None => (None, 0),
        };
        let alloc = env.alloc.clone();
        rowids.sequence = Some(Box::try_new_in(
            Sequence {
                table: sequence,
                row,
                start,
                max: start,
            },
            alloc,
        )?);
        Ok(rowids)
    }

    /// The rowid of a row of `table` stored without one.
    pub fn next<P: Platform>(
        &mut self,
        w: &Writer<'_, '_, P, A>,
        table: &TableInfo<A>,
    ) -> Result<RowId> {
        let largest = w.max_rowid(table)?;
        let Some(sequence) = self.sequence.as_mut() else {
            return match largest.checked_next() {
                Some(rowid) => Ok(rowid),
                None => self.random_free(w, table),
            };
        };
        if sequence.max == MAX_ROWID || largest.get() == MAX_ROWID {
            return Err(Error::Full);
        }
        let rowid = largest.get().max(sequence.max) + 1;
        sequence.max = rowid;
        Ok(RowId::new(rowid))
    }

    /// Notes that the statement gave a row the rowid `rowid`.
    pub fn saw(&mut self, rowid: RowId) {
        if let Some(sequence) = self.sequence.as_mut() {
            sequence.max = sequence.max.max(rowid.get());
        }
    }

    /// Writes the `sqlite_sequence` row when the statement raised it, or
    /// when the table has none yet: SQLite's `autoIncEnd` skips the write
    /// only for a row whose counter did not rise, so a statement that
    /// stored nothing still makes a table's row, at 0.
    pub fn end<P: Platform>(
        &mut self,
        w: &mut Writer<'_, '_, P, A>,
        table: &TableInfo<A>,
    ) -> Result<()> {
        let Some(sequence) = self.sequence.take() else {
            return Ok(());
        };
        if sequence.row.is_some() && sequence.max <= sequence.start {
            return Ok(());
        }
        let mut record = Vec::new_in(w.allocator().clone());
        let values = [
            ValueRef::Text(table.name.as_bytes()),
            ValueRef::Integer(sequence.max),
        ];
        encode_into(&values, &mut record)?;
        match sequence.row {
            Some(rowid) => {
                let mut old = Vec::new_in(w.allocator().clone());
                let mut cursor = w.table_cursor(sequence.table.root);
                if !cursor.seek(rowid, SeekMode::Eq)? {
                    return Err(Error::Misuse("a sqlite_sequence row vanished"));
                }
                old.try_extend_from_slice(&cursor.payload()?)?;
                drop(cursor);
                w.keep_old_row(&old)?;
                w.overwrite(&sequence.table, rowid, &record)
            }
            None => {
                w.claim_sequence(table)?;
                let rowid = w
                    .max_rowid(&sequence.table)?
                    .checked_next()
                    .ok_or(Error::Full)?;
                w.insert(
                    &sequence.table,
                    rowid,
                    &record,
                    crate::table::OrClause::ABORT,
                )
                .map(|_| ())
            }
        }
    }

    /// A random rowid no row of `table` has, as SQLite picks one when
    /// the largest is taken.
    fn random_free<P: Platform>(
        &self,
        w: &Writer<'_, '_, P, A>,
        table: &TableInfo<A>,
    ) -> Result<RowId> {
        for _ in 0..RANDOM_TRIES {
            let candidate = (next_random(self.random) & (MAX_ROWID >> 1)) + 1;
            let rowid = RowId::new(candidate);
            if !w.table_cursor(table.root).seek(rowid, SeekMode::Eq)? {
                return Ok(rowid);
            }
        }
        Err(Error::Full)
    }
}

/// The counter a `seq` column holds, made an integer as SQLite's
/// `OP_AddImm` makes it (NULL and text that is no number are 0, a real
/// loses its fraction).
fn counter(seq: ValueRef<'_>) -> i64 {
    match apply_affinity(seq, Affinity::Integer).as_ref() {
        ValueRef::Integer(n) => n,
        ValueRef::Real(r) => r as i64,
        _ => 0,
    }
}
