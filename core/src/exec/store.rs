//! From a row's values to its stored record, for `INSERT` and `UPDATE`:
//! every value takes its column's affinity, a whole real in a REAL column
//! is stored as an integer (see `stored_real`), the rowid alias is stored
//! as NULL and its value becomes the rowid, `NOT NULL` and `CHECK` (see
//! `checks`) are checked ([`prepare_row`]); then the record is either encoded into a buffer
//! (one that stays on its page) or, when it spills to overflow pages or
//! holds a `zeroblob`, written to its pages straight from the values
//! ([`with_record`]).
//!
//! Invariants: a `zeroblob(N)` value is a slot holding an empty BLOB and
//! its length in `zeros`; its N bytes exist only in the pages written,
//! except in a column an index covers (an entry holds the bytes) or a
//! record short enough to stay on its page, where they are written out.
//! Encoding changes nothing stored: a row skipped (`OR IGNORE`) or
//! refused leaves the table as it was.

use boundlite_platform::Platform;

use crate::alloc::{Allocator, TryClone, Vec};
use crate::btree::SeekMode;
use crate::format::SCHEMA_FORMAT;
use crate::record::{Field, RecordStream, ValueRef, encode_into, fields_len};
use crate::schema::StoredBy;
use crate::sql::eval::affinity::stored_real;
use crate::sql::eval::{Scalar, Value, apply_affinity, with_affinity};
use crate::sql::{Affinity, Conflict, Expr};
use crate::table::{
    ColumnMeta, DefaultKind, OrClause, TableInfo, Writer, is_indexed, with_gathered,
    with_value_refs,
};
use crate::{Error, Result, RowId};

use super::checks::{Checks, Verdict};
use super::foreign_keys::replaced::Replaced;
use super::foreign_keys::table_keys::TableKeys;
use super::rowids::Rowids;

/// How [`with_record`] hands a row's record over.
pub(crate) enum Record<'f, 'v> {
    /// Encoded whole into the record buffer.
    Encoded,
    /// Its fields, to be written page by page.
    Streamed(&'f [Field<'v>]),
}

/// Stores `values` (one per column of `table`) as a row: as row `rowid`
/// when given, else under a fresh rowid. Returns the row's rowid, or
/// `None` when `OR IGNORE` skipped it. `zeros` is empty, or one per column (see the module
/// invariants); `record` is scratch space.
#[allow(clippy::too_many_arguments)] // each is one part of the row's storing
pub(crate) fn store_row<P: Platform, A: Allocator + Clone>(
    w: &mut Writer<'_, '_, P, A>,
    table: &TableInfo<A>,
    rules: &mut Rules<'_, A>,
    rowid: Option<Value<A>>,
    values: &mut Vec<Value<A>, A>,
    zeros: &mut [Option<usize>],
    or: OrClause,
    record: &mut Vec<u8, A>,
) -> Result<Option<RowId>> {
    let Some(rowid) = prepare_row(w, table, rules, (rowid, Stored::Inserted), values, or)? else {
        return Ok(None);
    };
    if table.columns.stored_by == StoredBy::PrimaryKey {
        encode_keyed(w, table, values, zeros, record)?;
        // A WITHOUT ROWID table's keys declare no clause (see `keyed`).
        return Ok(w.insert_keyed(table, record, or.on(None))?.then_some(rowid));
    }
    let replaced = &mut rules.replaced;
    let stored = with_record(w, table, values, zeros, record, |w, stored, record| {
        let or = match replaced {
            Some(replaced) => match replaced.resolve(w, table, rowid, &stored, record, or, None)? {
                true => OrClause::ABORT,
                false => return Ok(false),
            },
            None => or,
        };
        match stored {
            Record::Encoded => w.insert(table, rowid, record, or),
            Record::Streamed(fields) => w.insert_fields(table, rowid, fields, record, or),
        }
    })?;
    Ok(stored.then_some(rowid))
}

/// Encodes into `record` the record of `values` (prepared by
/// [`prepare_row`]) as `table`, a `WITHOUT ROWID` table, stores it: its
/// primary key's columns first. An index B-tree's cell is written whole,
/// so a `zeroblob`'s bytes are made.
pub(crate) fn encode_keyed<P: Platform, A: Allocator + Clone>(
    w: &Writer<'_, '_, P, A>,
    table: &TableInfo<A>,
    values: &mut [Value<A>],
    zeros: &mut [Option<usize>],
    record: &mut Vec<u8, A>,
) -> Result<()> {
    let alloc = w.allocator().clone();
    for (zero, slot) in zeros.iter_mut().zip(values.iter_mut()) {
        if let Some(len) = zero.take() {
            *slot = Value::Blob(Vec::try_from_elem_in(0, len, alloc.clone())?);
        }
    }
    let columns = &table.columns.columns;
    let stored = columns.iter().filter(|c| c.storage.is_some()).count();
    let values = &*values;
    let refs = (0..stored).map(|at| {
        columns
            .iter()
            .position(|c| c.storage == Some(at))
            .and_then(|i| values.get(i))
            .map(Value::as_ref)
            .ok_or(Error::Misuse("a stored column without a value"))
    });
    record.clear();
    with_value_refs(stored, refs, alloc, |refs| Ok(encode_into(refs, record)?))
}

/// Runs `store` with the record of `values` (prepared by
/// [`prepare_row`]; its virtual generated columns left out): encoded
/// into `record` when it stays on its page and holds no long zeroblob,
/// else as its fields.
pub(crate) fn with_record<P: Platform, A: Allocator + Clone, R>(
    w: &mut Writer<'_, '_, P, A>,
    table: &TableInfo<A>,
    values: &mut Vec<Value<A>, A>,
    zeros: &mut [Option<usize>],
    record: &mut Vec<u8, A>,
    store: impl FnOnce(&mut Writer<'_, '_, P, A>, Record<'_, '_>, &mut Vec<u8, A>) -> Result<R>,
) -> Result<R> {
    let alloc = w.allocator().clone();
    // A virtual generated column is not in the record.
    let columns = &table.columns.columns;
    let stored = |i: usize| columns.get(i).is_none_or(|c| c.storage.is_some());
    let count = (0..values.len()).filter(|&i| stored(i)).count();
    if zeros.iter().all(Option::is_none) {
        // The usual row: a bound on its record's size (each value's bytes
        // and nine for its type and header varints) says it stays on its
        // page, so it is encoded at once, without sizing its fields first.
        let bound = values.iter().fold(9usize, |sum, value| {
            let bytes = match value.as_ref() {
                ValueRef::Text(t) | ValueRef::Blob(t) => t.len(),
                _ => 0,
            };
            sum.saturating_add(bytes).saturating_add(9)
        });
        if !w.spills(bound) {
            encode_stored(table, values, record, alloc)?;
            return store(w, Record::Encoded, record);
        }
    }
    for (i, zero) in zeros.iter_mut().enumerate() {
        // An index entry holds the column's bytes, so they must exist.
        if let (Some(len), Some(slot)) = (*zero, values.get_mut(i))
            && is_indexed(table, i)
        {
            *slot = Value::Blob(Vec::try_from_elem_in(0, len, alloc.clone())?);
            *zero = None;
        }
    }
    let fields = values
        .iter()
        .enumerate()
        .filter(|(i, _)| stored(*i))
        .map(|(i, v)| {
            Ok(match zeros.get(i).copied().flatten() {
                Some(len) => Field::Zeros(len),
                None => Field::Value(v.as_ref()),
            })
        });
    let empty = Field::Value(ValueRef::Null);
    with_gathered(count, empty, fields, alloc.clone(), |fields| {
        let len = fields_len(fields, SCHEMA_FORMAT)?;
        if w.spills(len) {
            return store(w, Record::Streamed(fields), record);
        }
        record.clear();
        if zeros.iter().all(Option::is_none) {
            // The borrowed values the encoder reads live on the stack for
            // the usual narrow table, so this allocates nothing.
            let refs = fields.iter().map(value_of);
            with_value_refs(fields.len(), refs, alloc, |refs| {
                Ok(encode_into(refs, record)?)
            })?;
        } else {
            // A short zeroblob's bytes fit on the row's page anyway.
            let stream = RecordStream::new(fields, SCHEMA_FORMAT, Vec::new_in(alloc))?;
            record.try_resize(stream.size(), 0)?;
            stream.fill(0, record)?;
        }
        store(w, Record::Encoded, record)
    })
}

/// Encodes into `record` the record of `values` (one per column of
/// `table`, prepared by [`prepare_row`]), which holds every column but
/// the virtual generated ones.
pub(crate) fn encode_stored<A: Allocator + Clone>(
    table: &TableInfo<A>,
    values: &[Value<A>],
    record: &mut Vec<u8, A>,
    alloc: A,
) -> Result<()> {
    let columns = &table.columns.columns;
    let stored = |i: usize| columns.get(i).is_none_or(|c| c.storage.is_some());
    let count = (0..values.len()).filter(|&i| stored(i)).count();
    record.clear();
    let refs = values
        .iter()
        .enumerate()
        .filter(|(i, _)| stored(*i))
        .map(|(_, v)| Ok(v.as_ref()));
    with_value_refs(count, refs, alloc, |refs| Ok(encode_into(refs, record)?))
}

/// The value of a field that holds one (the caller has checked it is
/// not a zeroblob).
fn value_of<'v>(field: &Field<'v>) -> Result<ValueRef<'v>> {
    match *field {
        Field::Value(value) => Ok(value),
        Field::Zeros(_) => Err(Error::Misuse("a zeroblob field read as a value")),
    }
}

/// Whether `expr` calls `zeroblob`.
pub(crate) fn is_zeroblob_call<A: Allocator>(expr: &Expr<'_, A>) -> bool {
    matches!(expr, Expr::Function(f) if Scalar::lookup(&f.name) == Some(Scalar::ZeroBlob))
}

/// What storing one statement's rows keeps from row to row: the
/// table's `CHECK` constraints and where the rowids of rows stored
/// without one come from.
pub(crate) struct Rules<'t, A: Allocator + Clone> {
    /// The `CHECK` constraints.
    pub checks: Checks<'t, A>,
    /// The rowids of rows stored without one.
    pub rowids: Rowids<'t, A>,
    /// The foreign keys of the rows a `REPLACE` deletes, while enforced.
    pub replaced: Option<Replaced<'t, A>>,
    /// The foreign keys each upsert clause's `DO UPDATE` takes part in,
    /// while enforced (by clause; `None` for the others).
    pub updated: Vec<Option<TableKeys<'t, A>>, A>,
}

/// SQLite's error for NULL in column `i` of `table`, declared `NOT NULL`:
/// `NOT NULL constraint failed: t.c`.
/// What a row prepared for storing is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stored {
    /// A row inserted.
    Inserted,
    /// The values of a row updated.
    Updated,
}

/// Whether the values of a row of the `STRICT` table `table` must have
/// their columns' datatypes, checked after every `NOT NULL` whatever the
/// `OR` clause. SQLite checks them lazily, before the first `CHECK` or
/// the first index probe (a `WITHOUT ROWID` table's key is one), so an
/// inserted row whose rowid (`given`) another
/// row holds is resolved first, by the rowid's conflict (ignored, updated
/// by an upsert, refused as not unique), unless `REPLACE` deletes the
/// other row and stores this one.
fn types_checked<P: Platform, A: Allocator + Clone>(
    w: &Writer<'_, '_, P, A>,
    table: &TableInfo<A>,
    rules: &Rules<'_, A>,
    (given, rowid, stored): (bool, RowId, Stored),
    or: OrClause,
) -> Result<bool> {
    let keyed = table.columns.stored_by == StoredBy::PrimaryKey;
    if keyed
        || stored == Stored::Updated
        || !given
        || or.on(table.columns.key_conflict) == Conflict::Replace
        || rules.checks.any()?
    {
        return Ok(true);
    }
    let taken = w.table_cursor(table.root).seek(rowid, SeekMode::Eq)?;
    Ok(!taken)
}

fn null_in<A: Allocator>(table: &TableInfo<A>, i: usize) -> Error {
    let column = table.columns.columns.get(i).map_or("", |c| c.name.as_str());
    Error::NotNull(crate::ConstraintName::format(format_args!(
        "{}.{column}",
        table.name
    )))
}

/// Computes the stored generated columns of `values` as SQLite does: from
/// the ordinary columns' values with their affinities, each then given
/// its own.
fn generate<A: Allocator + Clone>(
    table: &TableInfo<A>,
    rules: &mut Rules<'_, A>,
    rowid: RowId,
    values: &mut Vec<Value<A>, A>,
    alloc: &A,
) -> Result<()> {
    let ordinary = values
        .iter_mut()
        .zip(table.meta.iter().zip(table.columns.columns.iter()))
        .filter(|(_, (_, c))| !c.generated);
    for (value, (meta, _)) in ordinary {
        if let Some(v) = with_affinity(value, meta.affinity, alloc)? {
            *value = v;
        }
    }
    rules.checks.generate(rowid, values)
}

/// What [`nulls_resolved`] did with a row.
enum Nulls {
    /// An `IGNORE` skips the row.
    Ignored,
    /// The row is stored as it is.
    Kept,
    /// A `REPLACE` put a column's default in place of its NULL.
    Defaulted,
}

/// Checks the `NOT NULL` columns of `values` (one per column of `table`)
/// as SQLite does, each resolved by the statement's clause `or` or its
/// own `ON CONFLICT`: in column order, `IGNORE` skips the row ([`Nulls::Ignored`]),
/// `REPLACE` puts the column's `DEFAULT` in place of the NULL (`ABORT`
/// when it has none), anything else fails; then, when a `REPLACE` took a
/// default, a second pass fails the first column still NULL as `ABORT`.
fn nulls_resolved<P: Platform, A: Allocator + Clone>(
    w: &Writer<'_, '_, P, A>,
    table: &TableInfo<A>,
    rules: &mut Rules<'_, A>,
    values: &mut [Value<A>],
    or: OrClause,
) -> Result<Nulls> {
    let checked =
        |i: usize, meta: &ColumnMeta<A>| meta.not_null && table.columns.rowid_alias != Some(i);
    let mut replaced = false;
    for (i, (value, meta)) in values.iter_mut().zip(table.meta.iter()).enumerate() {
        if !checked(i, meta) || !value.is_null() {
            continue;
        }
        let has_default = table.columns.columns.get(i).is_some_and(|c| c.has_default);
        match or.on(meta.null_conflict) {
            Conflict::Ignore => return Ok(Nulls::Ignored),
            Conflict::Replace if has_default => {
                *value = match meta.default_kind {
                    DefaultKind::PerRow => rules.checks.per_row_default(i)?,
                    DefaultKind::Constant => meta.default.try_clone()?,
                };
                replaced = true;
            }
            Conflict::Replace => return Err(w.failed(Conflict::Abort, null_in(table, i))),
            conflict => return Err(w.failed(conflict, null_in(table, i))),
        }
    }
    if replaced {
        let still_null = values
            .iter()
            .zip(table.meta.iter())
            .enumerate()
            .find(|(i, (value, meta))| checked(*i, meta) && value.is_null());
        if let Some((i, _)) = still_null {
            return Err(w.failed(Conflict::Abort, null_in(table, i)));
        }
    }
    Ok(match replaced {
        true => Nulls::Defaulted,
        false => Nulls::Kept,
    })
}

/// Checks `NOT NULL` (see [`nulls_resolved`]), gives `values` (one per
/// column of `table`) their columns' affinities and checks a `STRICT`
/// table's datatypes and the `CHECK`s of `rules`: returns the row's
/// rowid (`rowid` when given, else one from `rules`), or `None` when
/// `IGNORE` skips the row.
pub(crate) fn prepare_row<P: Platform, A: Allocator + Clone>(
    w: &Writer<'_, '_, P, A>,
    table: &TableInfo<A>,
    rules: &mut Rules<'_, A>,
    (rowid, stored): (Option<Value<A>>, Stored),
    values: &mut Vec<Value<A>, A>,
    or: OrClause,
) -> Result<Option<RowId>> {
    let alloc = w.allocator().clone();
    let given = rowid.is_some();
    let rowid = match rowid {
        Some(v) => match apply_affinity(v.as_ref(), Affinity::Integer).as_ref() {
            // The one way from SQL to a row's key.
            ValueRef::Integer(i) => RowId::new(i),
            _ => return Err(Error::Sql("datatype mismatch")),
        },
        // A WITHOUT ROWID table's rows have no rowid to take.
        None if table.columns.stored_by == StoredBy::PrimaryKey => RowId::new(0),
        None => rules.rowids.next(w, table)?,
    };
    rules.rowids.saw(rowid);
    let generated = table.columns.columns.iter().any(|c| c.generated);
    if generated {
        generate(table, rules, rowid, values, &alloc)?;
    }
    match nulls_resolved(w, table, rules, values, or)? {
        Nulls::Ignored => return Ok(None),
        // A default a NOT NULL column's REPLACE put in feeds the generated
        // columns again, as SQLite computes them after its defaults.
        Nulls::Defaulted if generated => generate(table, rules, rowid, values, &alloc)?,
        Nulls::Defaulted | Nulls::Kept => {}
    }
    for (i, (value, meta)) in values.iter_mut().zip(table.meta.iter()).enumerate() {
        if table.columns.rowid_alias == Some(i) {
            *value = Value::Null;
            continue;
        }
        if let Some(v) = with_affinity(value, meta.affinity, &alloc)? {
            *value = v;
        }
        if meta.affinity == Affinity::Real {
            // A whole real takes an integer's bytes, as SQLite stores it;
            // reading the column makes it a real again.
            if let ValueRef::Integer(i) = stored_real(value.as_ref()) {
                *value = Value::Integer(i);
            }
        }
    }
    if table.meta.iter().any(|m| m.datatype.is_some())
        && types_checked(w, table, rules, (given, rowid, stored), or)?
    {
        for ((value, meta), column) in values
            .iter()
            .zip(table.meta.iter())
            .zip(table.columns.columns.iter())
        {
            if let Some(datatype) = meta.datatype {
                datatype.check(value.as_ref(), &table.name, &column.name)?;
            }
        }
    }
    match rules.checks.verify(rowid, values)? {
        Verdict::Pass => Ok(Some(rowid)),
        // SQLite resolves a failed CHECK by the statement's clause
        // alone, never a constraint's: REPLACE has no other row to
        // delete, so it fails as ABORT does.
        Verdict::Fail(_) if or.given() == Some(Conflict::Ignore) => Ok(None),
        Verdict::Fail(name) => Err(w.failed(or.on(None), Error::Check(name))),
    }
}
