//! [`Replaced`]: the rows a conflict resolved by `REPLACE` deletes while
//! keys are enforced, deleted as SQLite deletes them then (its
//! `sqlite3GenerateRowDelete`): the checks of a row that goes, the
//! delete, then the `ON DELETE` actions of the keys of which it was the
//! parent. A `DELETE` trigger does not fire: SQLite fires one only with
//! `recursive_triggers`, which this engine refuses to turn on.
//!
//! Invariant: every conflict of the row is resolved before it is stored
//! (and, for an `UPDATE`, before the row it changes goes), as SQLite
//! resolves them; the row is then stored with `OR ABORT`, so a conflict
//! an action brought back fails the statement, as SQLite's second check
//! does.

use boundlite_platform::Platform;

use crate::alloc::{Allocator, Vec};
use crate::sql::Conflict;
use crate::table::{OrClause, TableInfo, Writer};
use crate::{Result, RowId};

use super::super::Env;
use super::super::store::Record;
use super::table_keys::{Op, TableKeys};

/// The keys a table takes part in, for the rows a `REPLACE` deletes.
pub(crate) struct Replaced<'e, A: Allocator + Clone> {
    keys: TableKeys<'e, A>,
}

impl<'e, A: Allocator + Clone> Replaced<'e, A> {
    /// `Some` while keys are enforced, `table` takes part in one and a
    /// conflict of a statement whose clause is `or` may be resolved by
    /// `REPLACE`.
    pub fn load<P: Platform>(
        w: &Writer<'_, '_, P, A>,
        table: &TableInfo<A>,
        or: OrClause,
        env: Env<'e, A>,
    ) -> Result<Option<Self>> {
        if !table.may_resolve(or, Conflict::Replace) {
            return Ok(None);
        }
        let keys = TableKeys::load(w, &table.name, Op::Delete, env)?;
        Ok(keys
            .filter(TableKeys::is_involved)
            .map(|keys| Replaced { keys }))
    }

    /// Resolves the conflicts of row `rowid` of `table`, `stored` (its
    /// record in `record`, or its fields with `record` as scratch space),
    /// deleting the rows `REPLACE` resolves them by (see the module
    /// docs); `except` is the row an `UPDATE` changes. `false` when
    /// `IGNORE` skips the row.
    #[allow(clippy::too_many_arguments)] // each is one part of the row's storing
    pub fn resolve<P: Platform>(
        &mut self,
        w: &mut Writer<'_, '_, P, A>,
        table: &TableInfo<A>,
        rowid: RowId,
        stored: &Record<'_, '_>,
        record: &mut Vec<u8, A>,
        or: OrClause,
        except: Option<RowId>,
    ) -> Result<bool> {
        if let Record::Streamed(fields) = stored {
            w.stand_in(table, fields, record)?;
        }
        let keys = &mut self.keys;
        let mut replace = |w: &mut Writer<'_, '_, P, A>, other: RowId| -> Result<()> {
            if keys.removing(w, other)? && w.delete(table, other)? {
                keys.actions(w, None)?;
            }
            Ok(())
        };
        w.resolve_replacing(table, rowid, record, or, except, &mut replace)
    }
}
